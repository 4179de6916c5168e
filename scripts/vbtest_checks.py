# SPDX-License-Identifier: GPL-2.0
"""virtio_bounce end-to-end harness: results, log parsers and the checks
the scenarios share (scripts/vbtest.py is the entry point).

    res = Results()
    r = boot(cfg, "on", vb="on")        # -> vbqemu.Boot
    check_clean_log(res, r)             # PASS/FAIL lines, counted in res
    check_data(res, r)

Each check_* takes a Results and a vbqemu.Boot (a real boot or a fake one:
scripts/vbtest_test.py feeds them fakes, and so does the "negative"
scenario) and adds one or more named checks to the Results.
"""
import array
import collections
import dataclasses
import os
import re
import sys

import vbqemu
from vbqemu import B, SIZE, BootOptions, same_digest, sha

FIO_INITRD = os.path.join(B, "initramfs-bench.cpio.gz")    # busybox, tests/guest and fio

# ---------------------------------------------------------------- results


@dataclasses.dataclass(frozen=True)
class Check:
    """One named check and what it saw."""
    name: str
    ok: bool
    detail: str = ""


class Results:
    """Checks counted and printed as they are made: "PASS name" or
    "FAIL name: detail" (a control, with a label: "<label>ok name" or
    "<label>caught name: detail"), to @out (default: stdout)."""

    def __init__(self, label="", out=None):
        self.passed = 0
        self.failed = 0
        self.label = label      # negative controls print "(control) ..." lines
        self.failures = []      # names of the failed checks
        self.checks: list[Check] = []
        self.out = out

    def check(self, name, ok, detail=""):
        ok = bool(ok)
        word = "PASS" if ok else "FAIL"
        if self.label:          # a control: say what it saw, not PASS/FAIL
            word = "ok" if ok else "caught"
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)
        self.checks.append(Check(name, ok, detail))
        self.note(f"{self.label}{word} {name}{': ' + detail if detail and not ok else ''}")
        return ok

    def note(self, text):
        """A line of the run that is no check ("  [scenario] what it saw")."""
        print(text, file=self.out or sys.stdout, flush=True)


def boot(cfg, name, **opts):
    """One boot of a scenario; @opts are BootOptions fields."""
    return vbqemu.boot(cfg, BootOptions(name, **opts))

# ------------------------------------------------------------------ checks


def check_data(res, r):
    """Byte-for-byte checks of everything the guest moved."""
    if not res.check(f"{r.name}/boot", r.finished,
                     f"guest did not finish (timeout={r.timed_out}), see {r.logf}"):
        return
    if "blk" in r.tests:
        check_blk(res, r)
    if "net" in r.tests:
        check_net(res, r)
    if "rng" in r.tests:
        check_rng(res, r)


def check_blk(res, r):
    n, p = r.name, r.pattern_sha
    res.check(f"{n}/blk-read", same_digest(p, r.sums.get("blk-pattern-read")),
              "guest read of the pattern disk differs")
    res.check(f"{n}/blk-direct-write", same_digest(p, r.img_sha[0]),
              "host image (O_DIRECT half) differs from the pattern")
    res.check(f"{n}/blk-direct-readback", same_digest(p, r.sums.get("blk-direct-read")),
              "guest O_DIRECT read-back differs")
    res.check(f"{n}/blk-cached-write", same_digest(p, r.img_sha[1]),
              "host image (page-cache half) differs from the pattern")
    res.check(f"{n}/blk-cached-readback", same_digest(p, r.sums.get("blk-cached-read")),
              "guest page-cache read-back differs")


def check_net(res, r):
    got = r.net_received
    res.check(f"{r.name}/net-tx", got is not None and len(got) == SIZE and
              same_digest(r.pattern_sha, sha(got)),
              f"host got {len(got) if got is not None else 'nothing'} bytes, digest differs")
    res.check(f"{r.name}/net-rx", r.vals.get("net-rx-bytes") == str(r.payload_len) and
              same_digest(r.payload_sha, r.sums.get("net-rx")),
              "guest's copy of the host payload differs")


def check_rng(res, r):
    res.check(f"{r.name}/rng", r.vals.get("rng-bytes") == "1024" and
              r.vals.get("rng-current", "").startswith("virtio_rng"),
              f"rng: {r.vals.get('rng-current')} {r.vals.get('rng-bytes')}")


def size_bytes(s):
    """"4M" -> 4194304, as virtio_bounce= spells sizes."""
    return int(s[:-1]) << {"K": 10, "M": 20, "G": 30}[s[-1]] if s[-1] in "KMG" else int(s)


def check_claimed(res, r, backend, direct):
    """Every virtio device got @backend; 1:1 maps iff @direct."""
    n = r.name
    vdevs = sorted(r.devs)
    bad = [d for d in vdevs if getattr(r.decisions.get(d), "backend", None) != backend]
    res.check(f"{n}/decision", vdevs and not bad,
              f"expected backend={backend} for {vdevs}, got {r.decisions}")
    for what in [w for w in ("blk", "net") if w in r.tests]:
        for d in r.devs_of(what)[:1] if what == "net" else r.devs_of(what):
            b, dr = r.stat(d, "bounced"), r.stat(d, "direct")
            if direct and r.stat(d, "bypass") == 1:
                # dma_ops_bypass: the DMA core maps 1:1 through dma-direct and
                # never calls our ops, so nothing may have bounced or grown.
                res.check(f"{n}/{what}-{d}-bypass", b == 0 and dr == 0 and
                          r.stat(d, "pool_bytes") == 0 and r.stat(d, "bad_unmaps") == 0,
                          f"bypass=1 but bounced={b} direct={dr} pool_bytes={r.stat(d, 'pool_bytes')}")
            elif direct:
                res.check(f"{n}/{what}-{d}-direct", dr > 0 and r.stat(d, "bad_unmaps") == 0,
                          f"direct={dr} bounced={b} bypass={r.stat(d, 'bypass')}")
            else:
                res.check(f"{n}/{what}-{d}-bounced", b > 0 and dr == 0 and
                          r.stat(d, "bytes_to_device") > 0 and r.stat(d, "bad_unmaps") == 0,
                          f"bounced={b} direct={dr} bad_unmaps={r.stat(d, 'bad_unmaps')}")
            # Printed signed: an unmap counted twice reads -1.  A disk is
            # idle when the guest reports, so nothing of it may be mapped;
            # virtio-net keeps its RX ring posted.
            use = r.stat(d, "in_use")
            res.check(f"{n}/{what}-{d}-no-leak", (use == 0 if what == "blk" else use >= 0) and
                      r.stat(d, "fail_oversize") == 0,
                      f"in_use={r.stat(d, 'in_use')} oversize={r.stat(d, 'fail_oversize')}")


def check_reserve_max(res, r, asked):
    """max=@asked below the progress reserve: every device keeps force, its
    max is raised to its reserve (and says so), and the pool stays within."""
    n = r.name
    for d in sorted(r.stats):
        reserve, pmax = r.stat(d, "reserve_bytes"), r.stat(d, "pool_max")
        said = re.search(rf"virtio_bounce: {d}: max={size_bytes(asked) >> 10}K raised to {reserve >> 10}K, "
                         r"the progress reserve", r.log)
        res.check(f"{n}/{d}-max-raised-to-reserve",
                  reserve > size_bytes(asked) and pmax == reserve and said is not None,
                  f"reserve_bytes={reserve} pool_max={pmax}, asked {asked}, line said: {bool(said)}")
        res.check(f"{n}/{d}-bounded", 0 < r.stat(d, "pool_bytes") <= pmax and
                  r.stat(d, "pool_peak_bytes") <= pmax,
                  f"pool_bytes={r.stat(d, 'pool_bytes')} peak={r.stat(d, 'pool_peak_bytes')} max={pmax}")


def xen_translated(r):
    """Chunks whose device (machine) address differs from their pseudo-physical one."""
    out = []
    for c in r.chunks:
        try:
            if int(c[1], 16) != int(c[2], 16):
                out.append(c)
        except ValueError:
            pass
    return out


# ------------------------------------------------- driver and system events

# Kernel messages no scenario may produce (a stack dump alone may be
# fault injection's "FAULT_INJECTION: forcing a failure").
BAD_LOG = re.compile(r"Oops|\bBUG\b|WARNING:|general protection|KASAN|UBSAN|KMSAN|"
                     r"blocked for more than|INFO: task |detected stalls?|rcu: INFO|"
                     r"Kernel panic|DMA-API: [\w-]+ \S+: |I/O error|messages dropped|"
                     r"deprecated workqueue")


def bad_lines(log):
    return [l.strip() for l in log.splitlines() if BAD_LOG.search(l)]


def check_clean_log(res, r):
    bad = bad_lines(r.log)
    res.check(f"{r.name}/clean-log", not bad, "\n    " + "\n    ".join(bad[:8]))


def sums_like(r, prefix):
    return {k: v for k, v in r.sums.items() if k.startswith(prefix)}


def check_sums(res, r, prefix, at_least):
    """Every VBSUM named @prefix* is the pattern's, and there are enough."""
    got = sums_like(r, prefix)
    bad = {k: v[:12] for k, v in got.items() if not same_digest(r.pattern_sha, v)}
    res.check(f"{r.name}/{prefix.rstrip('-')}-data", len(got) >= at_least and not bad,
              f"{len(got)} digests (want >= {at_least}), differing: {bad}")


def count_lines(log, pattern):
    return len(re.findall(pattern, log))


def check_pools_idle(res, r, tag):
    """Once the caches are flushed, slots_out is exactly what is mapped."""
    pools = r.pools.get(tag, {})
    blk = set(r.devs_of("blk"))
    res.check(f"{r.name}/pool-dump", pools and set(pools) == set(r.stats),
              f"pool dumps for {sorted(pools)}, claimed {sorted(r.stats)}")
    for d, p in sorted(pools.items()):
        out = sum(o for _, _, o in p.rows)
        rows = [(sz, o) for sz, _, o in p.rows if o]
        ok = out == p.in_use and (d not in blk or p.in_use == 0)
        res.check(f"{r.name}/{d}-slots-out", ok,
                  f"slots_out total {out} (by class {rows}), in_use {p.in_use}")


FAIL_END = re.compile(r"vbfail: END (virtio\d+) (\d+) injected=(\d) err=(\d+) state=(\w+) ?(\S*)")
VB_UNCLAIMED_MSG = re.compile(r"virtio_bounce: .*(not claimed|could not|cannot)")


@dataclasses.dataclass(frozen=True)
class FailTry:
    """One bind with the n-th fault point failing (vbfail: BEGIN .. END)."""
    dev: str
    n: int
    injected: bool
    err: int
    state: str          # claimed, stock or unbound
    ops: str            # "map_page=..." when the guest could tell
    seg: list[str]      # the kernel lines of the try


def fail_tries(log):
    """[FailTry] in the order the guest made them."""
    out, seg = [], []
    for line in log.splitlines():
        if re.search(r"vbfail: BEGIN ", line):
            seg = []
            continue
        m = FAIL_END.search(line)
        if m:
            dev, n, inj, err, state, ops = m.groups()
            out.append(FailTry(dev, int(n), inj == "1", int(err), state, ops, seg))
            seg = []
        else:
            seg.append(line)
    return out


def fail_outcome(t):
    """What one bind with a fault left: (outcome, ok).  The guest says
    claimed (debugfs dir), stock (bound, no dir) or unbound (probe failed);
    map_page says whether our ops are installed on the PCI function."""
    dev, state, ops, seg = t.dev, t.state, t.ops, t.seg
    # Without virtio_dma_bench's "ops" command, only debugfs tells.
    ours = ops in ("map_page=vb_map_page", "map_page=vb_vmap_map_page") if ops else state == "claimed"
    text = "\n".join(seg)
    if state == "unbound":
        # A claim made before the probe failed must have been dropped.
        claimed = re.search(rf"virtio_bounce: {dev}: mode=\w+ backend=(?!none)", text)
        return "unbound", not ours and (not claimed or f"{dev}: released" in text)
    if state == "stock":
        if ours:        # claimed, only debugfs failed: works, no stats
            return "claimed-no-debugfs", True
        return "stock", VB_UNCLAIMED_MSG.search(text) is not None
    return state, state == "claimed" and ours


def check_fail_device(res, n, dev, mine):
    """Every fault point tried on @dev left it in a good state."""
    outcomes, bad = collections.Counter(), []
    for t in mine:
        what, ok = fail_outcome(t)
        outcomes[what] += 1
        if not ok:
            bad.append(f"fault {t.n}: {what} {t.ops} err={t.err}:\n      " +
                       "\n      ".join(l.strip() for l in t.seg[-5:]))
    res.note(f"  [{n}] {dev}: {len(mine)} fault points tried, last injected={mine[-1].injected}, "
          f"outcomes {dict(outcomes)}")
    res.check(f"{n}/{dev}-every-fault-handled", not bad,
              f"{len(bad)} of {len(mine)} tries left the device in a bad state or said nothing; first:\n    "
              + "\n    ".join(bad[:3]))
    res.check(f"{n}/{dev}-all-points-reached", not mine[-1].injected,
              f"stopped at the cap ({len(mine)} tries) with faults still being injected")


def refused_param(log):
    """The kernel's lines about a virtio_bounce= it ignored, if it did."""
    lines = [l.strip() for l in log.splitlines() if re.search(r"\] virtio_bounce: ", l)]
    return lines if any("ignoring 'virtio_bounce=" in l for l in lines) else []


def check_gap(res, r, tag, n):
    """Forward progress by completions over time: the guest's probe
    (tests/guest/init probe_gap) saw the disks' completions stand still
    for less than MQ_MAXGAP s while the test's I/O ran."""
    try:
        gap = float(r.vals.get(f"{tag}-maxgap", ""))
    except ValueError:
        gap = None
    res.check(f"{n}/progress", gap is not None and gap < MQ_MAXGAP and f"{tag}-err" not in r.vals,
              f"the disks' completions stood still for {r.vals.get(f'{tag}-maxgap', '(not reported)')} s "
              f"while the I/O ran (want < {MQ_MAXGAP}); {r.vals.get(f'{tag}-err', '')}")
    if tag == "progress":
        try:
            idle = float(r.vals.get("idle-maxgap", ""))
        except ValueError:
            idle = None
        res.check(f"{n}/progress-probe-control", idle is not None and idle >= 3,
                  f"the probe over 4 s without I/O saw the disks stand still {idle} s (want >= 3)")


# ------------------------------------------------------ forward progress
#
# Large requests (tests/guest/init t_bigio, t_nohighorder, t_mq; guest
# tool tests/guest/vbbig.c): the pool must keep I/O moving with requests
# of up to 16 MiB from physically contiguous (huge page) buffers, with the
# buddy allocator refusing every order >= 4, and with four queues at once
# in a small pool.  A hang is a timeout, a FAIL.

MIB = 1 << 20
BIG_DISK_MB = 32
SPLITMIX_GAMMA = 0x9e3779b97f4a7c15
M64 = (1 << 64) - 1


def splitmix_pattern(off, size, seed):
    """What vbbig writes to disk bytes [@off, @off + @size) with @seed:
    64-bit little-endian words, the word at disk offset o is
    splitmix64(seed ^ (o / 8)), splitmix64(x) = mix(x + golden gamma)."""
    a = array.array("Q", bytes(size))
    w0 = off // 8
    for i in range(size // 8):
        z = ((seed ^ (w0 + i)) + SPLITMIX_GAMMA) & M64
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
        a[i] = z ^ (z >> 31)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


@dataclasses.dataclass(frozen=True)
class BigTest:
    """What one guest test of large requests leaves, for the host to check."""
    regions: tuple[tuple[int, int, int], ...]   # (disk offset, size, seed offset) the image must hold
    diffs: tuple[str, ...]                      # its readers' tags (VBVAL TAG-diff must be 0)
    rcs: int                                    # exit codes in VBVAL <test>-rc
    hugepages: int                              # huge pages it needs (0: optional)


# Rounds of each mq worker (tests/guest/init MQ_ROUNDS).
MQ_ROUNDS = 6

BIG_TESTS = {
    # round 2 (seed + 2) is what both 16 MiB regions hold at the end
    "bigio": BigTest(((0, 16 * MIB, 2), (16 * MIB, 16 * MIB, 2)),
                     ("bigio-r1-a", "bigio-r1-b", "bigio-r2-a", "bigio-r2-b"), 8, 16),
    # three workers, 8 MiB each, worker i with seed + i
    "nohighorder": BigTest(tuple((i * 8 * MIB, 8 * MIB, i) for i in range(3)),
                           tuple(f"nohighorder-r{i}" for i in range(3)), 6, 4),
    # worker i, round r: seed + 10 * r + i; the last round stays
    "mq": BigTest(tuple((i * 4 * MIB, 4 * MIB, 10 * MQ_ROUNDS + i) for i in range(4)),
                  tuple(f"mq-{i}-r{r}" for i in range(4) for r in range(1, MQ_ROUNDS + 1)),
                  4 * 2 * MQ_ROUNDS, 0),
}


def big_vda(r):
    """vda's virtioN: the guest says; else its PCI function 00:04.0."""
    return r.vals.get("vda-dev") or next((d for d, p in dma_dev_of(r.log).items() if p == "0000:00:04.0"), "?")


def image_diff(img, off, want):
    """(bytes of @img at @off that differ from @want, first differing offset)."""
    got = img[off:off + len(want)] if img is not None else b""
    if got == want:
        return 0, None
    n = len(want) - len(got) + sum(1 for a, b in zip(got, want) if a != b)
    first = next((off + i for i, (a, b) in enumerate(zip(got, want)) if a != b), off + len(got))
    return n, first


def check_big_data(res, r, test, seed, disk_bytes, t=None):
    """The guest finished, every worker exited 0, every read-back matched,
    no vbbig error, and the host's image holds the pattern of every region
    (and zeros elsewhere).  @t: BIG_TESTS[@test] unless given."""
    n, t = r.name, t or BIG_TESTS[test]
    res.check(f"{n}/boot", r.finished,
              f"guest did not finish (timeout={r.timed_out}, last VBVAL {list(r.vals.items())[-3:]}), see {r.logf}")
    errs = {k: v for k, v in r.vals.items() if k.endswith("-err")}
    res.check(f"{n}/no-io-errors", not errs, f"{errs}")
    rcs = r.vals.get(f"{test}-rc", "").split(",")
    res.check(f"{n}/workers-exit-0", len(rcs) == t.rcs and all(x == "0" for x in rcs),
              f"{test}-rc {r.vals.get(f'{test}-rc')} (want {t.rcs} zeros)")
    diffs = {d: r.vals.get(f"{d}-diff") for d in t.diffs}
    res.check(f"{n}/read-back", all(v == "0" for v in diffs.values()),
              f"differing bytes per reader {diffs}" +
              "".join(f", {d} first at {r.vals[d + '-firstdiff']}" for d in t.diffs if d + "-firstdiff" in r.vals))
    img = r.img
    bad = {}
    covered = bytearray(disk_bytes // MIB)
    for off, size, so in t.regions:
        nd, first = image_diff(img, off, splitmix_pattern(off, size, seed + so))
        if nd:
            bad[f"{off // MIB}M+{size // MIB}M"] = f"{nd} bytes differ, first at {first}"
        covered[off // MIB:(off + size) // MIB] = b"\1" * (size // MIB)
    res.check(f"{n}/image", img is not None and len(img) == disk_bytes and not bad,
              f"host image {len(img) if img is not None else 'missing'} bytes (want {disk_bytes}); "
              f"regions that differ from the pattern: {bad or 'none'}")
    stray = [i for i, c in enumerate(covered) if not c and img is not None and
             img[i * MIB:(i + 1) * MIB].count(0) != MIB]
    res.check(f"{n}/image-elsewhere-zero", img is not None and not stray,
              f"MiB blocks written outside the test's regions: {stray[:8]}")


def check_big_bounced(res, r):
    """vda went through the pool: bounced, nothing mapped 1:1."""
    vda = big_vda(r)
    b, d = r.stat(vda, "bounced"), r.stat(vda, "direct")
    res.check(f"{r.name}/vda-bounced", b > 0 and d == 0 and r.stat(vda, "bad_unmaps") == 0,
              f"{vda}: bounced={b} direct={d} bad_unmaps={r.stat(vda, 'bad_unmaps')} "
              f"({'-1: no debugfs stats' if r.finished else 'the guest never dumped its stats'}), "
              f"decision {r.decisions.get(vda)}")


def check_big(res, r, test, seed):
    check_big_data(res, r, test, seed, BIG_DISK_MB * MIB)
    check_big_bounced(res, r)
    check_clean_log(res, r)


def check_queue(res, r, key, want):
    """The scratch disk's queue limits say the QEMU property took."""
    q = dict(kv.split("=", 1) for kv in r.vals.get("vda-queue", "").split(",") if "=" in kv)
    res.check(f"{r.name}/setup-{key}", q.get(key) == str(want), f"vda {key} {q.get(key)} (want {want})")


MQ_MAXGAP = 10      # seconds vda's completions may stand still while workers run


# ------------------------------------------------- sysfs, debugfs, vbtop

# The pattern disk vdb's DMA device (PCI 00:05.0, see vbqemu.qemu_cmd):
# the rules scenario and the demo name it in virtio_bounce=.
RULES_VDB = "0000:00:05.0"
# sysfs file -> how to compute it from the debugfs stats of the same device
SYSFS_VS_DEBUGFS = {
    "maps": lambda s: s["maps"], "bounced": lambda s: s["bounced"], "direct": lambda s: s["direct"],
    "fallback": lambda s: s["fallback"],
    "failures": lambda s: s["fail_exhausted"] + s["fail_oversize"],
    "bytes_to_device": lambda s: s["bytes_to_device"], "bytes_from_device": lambda s: s["bytes_from_device"],
    "pool_bytes": lambda s: s["pool_bytes"], "in_use": lambda s: s["in_use"],
    "peak_bytes": lambda s: s["pool_peak_bytes"], "max": lambda s: s["pool_max"],
}


def dma_dev_of(log):
    """virtioN -> its DMA device's name, from the decision lines."""
    return {m.group(2): m.group(1) for m in
            re.finditer(r"(\S+): virtio_bounce: (virtio\d+): mode=", log)}


# Gauges the pool's own workers move between the sysfs read and the
# debugfs read (tests/guest/init reads sysfs first, debugfs at the end of
# the boot) with no mapping counted: the idle shrink scan, the grow worker.
# sysfs must show a pool the device may have had, not the very value
# debugfs read later.  What holds at any time:
# - pool <= peak at every instant, and the peak only rises: both sysfs
#   values are <= the debugfs peak read later.  (Not sysfs pool <= sysfs
#   peak: dump_sysfs reads the files in glob order, peak_bytes before
#   pool_bytes, and a grow between the two reads raises both.)
# Neither pool_min nor max bounds the pool: pool_min is the idle scan's
# floor, and a device whose backend grows in the map path starts below it
# (one chunk per class up to 256 KiB: CI saw 3.5 MiB with pool=4M); a max
# lowered below a pool that had grown leaves that pool until it is idle.
SYSFS_GAUGES = ("pool_bytes", "peak_bytes")


def check_sysfs_counters(res, r, dev, tag):
    """@dev's sysfs counters equal what its debugfs stats say; its pool
    gauges are values the pool may have had before debugfs was read."""
    try:
        st = {k: int(v) for k, v in r.stats[dev].items() if v.lstrip("-").isdigit()}
        sy = r.sysfs[dev]
        bad = {f: (sy.get(f), want(st)) for f, want in SYSFS_VS_DEBUGFS.items()
               if f not in SYSFS_GAUGES and sy.get(f) != str(want(st))}
        pool, peak = int(sy["pool_bytes"]), int(sy["peak_bytes"])
        dpeak = st["pool_peak_bytes"]
        if not (0 <= pool <= dpeak and peak <= dpeak):
            bad["pool_bytes/peak_bytes"] = ((pool, peak), f"0 <= pool, peak <= {dpeak} (debugfs peak, read later)")
    except (KeyError, ValueError) as e:
        bad = {"missing": str(e)}
    res.check(f"{tag}/sysfs-equals-debugfs-{dev}", not bad, f"sysfs vs debugfs: {bad}")


def vbtop_row(r, dev):
    """vbtop -r's row for @dev: column name -> value."""
    head = next((t for t in r.top if t and t[0] == "device"), None)
    row = next((t for t in r.top if t and t[0] == dev), None)
    return dict(zip(head, row)) if head and row and len(row) == len(head) else {}


VBTOP_READ = 64 * 65536      # t_rules: dd bs=64k count=64 iflag=direct from vdb


def check_vbtop(res, r, vdb, tag):
    """vbtop's interval saw exactly the known workload on vdb."""
    row = vbtop_row(r, vdb)
    try:
        frm, to, b, f = int(row["from_B"]), int(row["to_B"]), int(row["bounced"]), int(row["failed"])
        # Each 64 KiB read: the data and a 1-byte status copied out at
        # unmap (a request split in two adds a status: hence a page of
        # slack); the data, status and header copied in at map (as swiotlb
        # does, every direction: the header and what else the driver
        # sends stay under 512 bytes a request); header, status and at
        # least one data segment bounced.
        ok = (row["mode"] == "force" and row["backend"] == "identity" and row["type"] == "blk"
              and VBTOP_READ + 64 <= frm <= VBTOP_READ + 4096
              and VBTOP_READ + 64 * 17 <= to <= VBTOP_READ + 64 * 512 and b >= 3 * 64 and f == 0)
    except (KeyError, ValueError):
        ok = False
    res.check(f"{tag}/vbtop-known-workload", ok,
              f"vbtop row for {vdb}: {row} (want from_B {VBTOP_READ + 64}.., to_B {VBTOP_READ + 64 * 17}.., "
              f"bounced 192..)")
