# SPDX-License-Identifier: GPL-2.0
"""virtio_bounce end-to-end harness: the soaks (tests/guest/vbsoak.sh),
short as e2e scenarios (soak-*) and long as `vbtest.py soak` with its
table for docs/soak.md (scripts/vbtest.py is the entry point)."""
import collections
import concurrent.futures
import dataclasses
import os
import re
import subprocess
import time

from vbqemu import SIZE, TOP, same_digest
from vbtest_checks import BAD_LOG, FIO_INITRD, Results, boot, count_lines
@dataclasses.dataclass(frozen=True)
class SoakScenario:
    """A soak scenario (tests/guest/vbsoak.sh): the machine, virtio_bounce=
    and the faults injected once booted ("chunk=5+page=20+shrink+...")."""
    kind: str           # plain, xen, iommu or debug (the soak debug kernel)
    vb: str
    faults: str

    @property
    def level(self):
        """Its scenario level (vbtest_scenarios.LEVELS): the one on the
        soak debug kernel is "debug", the others "soak"."""
        return "debug" if self.kind == "debug" else "soak"


@dataclasses.dataclass
class SoakRow:
    """One row of the soak table: a scenario, what its boot moved and met
    (soak_summary; None: it did not boot), and whether all its checks passed."""
    name: str
    summary: dict | None
    ok: bool


# Soak scenarios (tests/guest/vbsoak.sh): kind, virtio_bounce=, faults.
# chunk=PCT and page=PCT are probabilities of fail_virtio_bounce_chunk and
# fail_page_alloc (atomic, order >= 6: the atomic grow path) once booted.
# max= of the small-pool soaks: a little above the progress reserve (7936K
# with 2 CPUs), so the pool grows in the map path (where page=PCT injects
# its failures) and still runs out.
SOAK_MAX = "10M"
SOAKS = {
    "soak-force": SoakScenario("plain", f"force,pool=512K,max={SOAK_MAX}", "chunk=5+page=20+shrink+cpuhp+rebind"),
    "soak-xen-on": SoakScenario("xen", "on", "chunk=30+shrink+rebind"),
    "soak-xen-force": SoakScenario("xen", "force", "chunk=30+shrink+rebind"),
    "soak-iommu": SoakScenario("iommu", "on", "chunk=5+shrink+cpuhp+rebind"),
    "soak-debug": SoakScenario("debug", f"force,pool=512K,max={SOAK_MAX}", "chunk=5+page=20+shrink+cpuhp+rebind"),
}
# Kernel lines a soak may print (the design promises them, once per
# device): the pool ran out, a chunk could not be added, a mapping took the
# previous DMA path.  Any other virtio_bounce warning fails the soak.
SOAK_PROMISED = {   # kind (the table's words) -> the warning's text
    "pool exhausted": r"virtio_bounce: virtio\d+: pool exhausted \(",
    "cannot add a chunk": r"virtio_bounce: virtio\d+: cannot add a \d+ KiB chunk to the \w+ pool",
    "cannot serve now: fallback": r"virtio_bounce: virtio\d+: \w+ pool \(\d+K\) cannot serve",
}
SOAK_WARN = re.compile(r"virtio_bounce: .*(exhausted|cannot|could not|refus|still live|leak|larger than|"
                       r"bad|foreign|double|not claimed)|FAULT_INJECTION")
# DMA-API debugging's reports (a WARNING each) name the driver; its two
# boot lines ("preallocated ...", "debugging enabled ...") are not reports.
BAD_SOAK_LOG = re.compile(BAD_LOG.pattern + r"|DMA-API: \S+ \S+: |DMA-API: .*(leak|failed|error)|"
                          r"possible circular|inconsistent lock|"
                          r"sleeping function called|scheduling while atomic|UBSAN")
FIO_VERIFYING = ("rand-direct", "seq-direct", "pagecache-verify")


@dataclasses.dataclass(frozen=True)
class SoakSize:
    mb: int = 24            # MiB fio moves per phase (writes, verify reads, reads)
    sec: int = 90           # fio's --runtime per phase: a hang guard only (a job
                            # it cuts short fails fio-moved-asked)
    phases: int = 2         # drivers rebound between phases
    debug_div: int = 2      # the debug kernel (KASAN) moves mb / debug_div

    @classmethod
    def from_env(cls):
        e = os.environ
        return cls(int(e.get("VB_SOAK_MB", cls.mb)), int(e.get("VB_SOAK_SEC", cls.sec)),
                   int(e.get("VB_SOAK_PHASES", cls.phases)))


def soak_boot(cfg, name, size):
    sc = SOAKS[name]
    kind, vb, faults = sc.kind, sc.vb, sc.faults
    if kind == "debug" and not os.path.exists(cfg.debug_kernel):
        return None
    tests = "soak"
    # the debug kernel has KUnit on by default: not in this boot
    extra = "kunit.enable=0 " if kind == "debug" else ""
    # a boot, the phases, a rebind between phases, the idle check
    timeout = cfg.scaled(120) + size.phases * (size.sec + cfg.scaled(60))
    if kind in ("xen", "debug"):
        timeout += cfg.scaled(120)
    return boot(cfg, name, kind=kind, vb=vb, tests=tests, soak=True, initrd=FIO_INITRD,
                iommu_platform=kind == "iommu", timeout=timeout,
                extra=f"{extra}vbsoakmb={size.mb // (size.debug_div if kind == 'debug' else 1)} vbsoaksec={size.sec} vbsoakph={size.phases} vbsoakf={faults}")


def soak_int(r, key):
    try:
        return int(r.soak.get(key, "-1"))
    except ValueError:
        return -1


def promised_repeats(log):
    """The promised warnings a device printed more than once in one bind
    (each bind's state warns once per kind; an unbind says "released",
    and the next bind's state, whose prefill may warn before its decision
    line, may warn again): {(kind, dev, bind): count > 1}."""
    binds, seen = collections.Counter(), collections.Counter()
    for line in log.splitlines():
        m = re.search(r"virtio_bounce: (virtio\d+): released", line)
        if m:
            binds[m.group(1)] += 1
            continue
        for kind, pat in SOAK_PROMISED.items():
            m = re.search(pat, line)
            if m:
                dev = re.search(r"virtio_bounce: (virtio\d+):", line).group(1)
                seen[(kind, dev, binds[dev])] += 1
    return {k: v for k, v in seen.items() if v > 1}


def soak_summary(r, faults):
    """What one soak boot moved, checked and met: the table row."""
    verified_kb = sum(f.get("read_kb", 0) for p, job, f in r.fio if job in FIO_VERIFYING and p != "control")
    got, ok, short, corrupt, sent = r.net_streams
    net_bytes = ok * SIZE + max(0, soak_int(r, "net_rx_bytes"))
    verified = verified_kb * 1024 + max(0, soak_int(r, "vdb_bytes")) + net_bytes
    def stats(k):
        return sum(max(0, r.stat(d, k)) for d in r.stats)

    idle = {d: sum(o for _, _, o in p.rows) for d, p in r.pools.get("soak-idle", {}).items()}
    disks = set(r.devs_of("blk"))
    return {
        "GiB verified": verified / (1 << 30),
        "fio GiB verified": verified_kb / (1 << 20),
        "corrupt bytes": max(0, soak_int(r, "corrupt_bytes")) + corrupt,
        "fio verify errors": sum(1 for _, _, f in r.fio if f.get("err", -1) != 0),
        "maps failed": stats("fail_exhausted"),
        "fallback": stats("fallback"),
        "grow failures": stats("grow_failures"),
        # cpuhp and rebind counted from the kernel's own lines (what took
        # effect), not from the script's writes; chunk and page faults are
        # the fault-injection counters' reads, shrink the script's writes
        "faults": {"chunk": soak_int(r, "chunk_faults"), "page": soak_int(r, "page_faults"),
                   "shrink": soak_int(r, "shrinks"),
                   "cpuhp": r.log.count("smpboot: CPU 1 is now offline"),
                   "rebind": len(re.findall(r"virtio_bounce: virtio\d+: released",
                                            r.log.split("vbsoak: final unbind")[0]))},
        "claimed faults": [f.split("=")[0] for f in faults.split("+")],
        "pool peak KiB": max([r.stat(d, "pool_peak_bytes") >> 10 for d in r.stats] or [0]),
        "slots out idle": idle,
        "idle disks": sum(v for d, v in idle.items() if d in disks),
        "idle other": sum(v for d, v in idle.items() if d not in disks),
        "released": False,      # every claimed device released at the final unbind
        "warnings": sorted({re.sub(r"^.*?\] ", "", l.strip()) for l in r.log.splitlines()
                            if SOAK_WARN.search(l) and "VBSOAK" not in l}),
        "wall s": r.wall,
    }


def check_soak(res, cfg, name, r, size):
    """Every byte right, every fault kind injected, nothing leaked, quiet."""
    vb, faults = SOAKS[name].vb, SOAKS[name].faults
    n = name
    if not res.check(f"{n}/boot", r.finished, f"guest did not finish (timeout={r.timed_out}), see {r.logf}"):
        return None
    s = soak_summary(r, faults)
    res.check(f"{n}/pattern", same_digest(r.pattern_sha, r.sums.get("soak-pattern")),
              "the guest's copy of the pattern disk differs")
    fio_jobs = collections.Counter(job for p, job, _ in r.fio if p != "control")
    res.check(f"{n}/fio-ran", all(fio_jobs[j] == size.phases for j in ("rand-direct", "seq-direct"))
              and all(fio_jobs[j] >= size.phases for j in ("pagecache", "pagecache-verify")),
              f"fio jobs {dict(fio_jobs)} (want {size.phases} of each O_DIRECT job, at least as many page-cache passes)")
    res.check(f"{n}/fio-verified", s["fio verify errors"] == 0 and s["fio GiB verified"] > 0,
              f"{s['fio verify errors']} fio jobs failed: " +
              "; ".join(f"{p} {j} {f}" for p, j, f in r.fio if f.get("err", -1) != 0) +
              "\n    " + "\n    ".join(l for l in r.log.splitlines() if "VBSOAKLOG" in l)[:1500])
    # Each O_DIRECT job wrote what it was asked (its half of vbsoakmb, in
    # whole passes) and read every byte of it back verified.
    asked = {"rand-direct": soak_int(r, "fio_asked_rand_kb"), "seq-direct": soak_int(r, "fio_asked_seq_kb")}
    short = [(p, j, f) for p, j, f in r.fio if j in asked and p != "control" and
             not (f.get("write_kb") == asked[j] > 0 and f.get("read_kb") == f.get("write_kb"))]
    res.check(f"{n}/fio-moved-asked", all(v > 0 for v in asked.values()) and not short and
              all(fio_jobs[j] > 0 for j in asked),
              f"asked {asked} KiB per job and phase; short or unverified: {short}")
    res.check(f"{n}/corrupt-bytes-0", s["corrupt bytes"] == 0 and soak_int(r, "vdb_reads") > 0 and
              soak_int(r, "vdb_errors") == 0,
              f"corrupt {s['corrupt bytes']}, vdb reads {soak_int(r, 'vdb_reads')} errors {soak_int(r, 'vdb_errors')}")
    if r.devs_of("net") and r.devs_of("net")[0] in r.decisions:
        got, ok, short, corrupt, sent = r.net_streams
        res.check(f"{n}/net-both-ways", got > 0 and ok == got and short == 0 and sent > 0 and
                  soak_int(r, "net_rx") > 0 and soak_int(r, "net_errors") == 0 and
                  same_digest(r.payload_sha, r.sums.get("soak-net-rx")),
                  f"host got {got} streams ({ok} intact, {short} short, {corrupt} bytes differ), sent {sent}; "
                  f"guest rx {soak_int(r, 'net_rx')}, errors {soak_int(r, 'net_errors')}")
    if r.devs_of("rng"):
        res.check(f"{n}/rng", soak_int(r, "rng_reads") > 0 and soak_int(r, "rng_short") == 0,
                  f"rng reads {soak_int(r, 'rng_reads')}, short {soak_int(r, 'rng_short')}")
    res.check(f"{n}/fio-control-caught", soak_int(r, "fio_control_clean") == 2 and
              soak_int(r, "fio_control_caught") == 1,
              f"negative control: a clean pass {soak_int(r, 'fio_control_clean')} of 2 jobs clean, "
              f"six bytes changed on disk caught {soak_int(r, 'fio_control_caught')} (want 1)")
    for f in s["claimed faults"]:
        c = s["faults"][f]
        bound = sum(1 for _, drv in r.devs.values() if drv != "none")
        want = bound * (size.phases - 1) if f == "rebind" else 1
        res.check(f"{n}/fault-{f}-injected", c >= want and (f != "rebind" or soak_int(r, "rebind_failures") == 0),
                  f"{c} {f} faults (want >= {want}), rebind failures {soak_int(r, 'rebind_failures')}")
    if "pool=512K" in vb:
        res.check(f"{n}/pool-ran-out", s["maps failed"] > 0, f"fail_exhausted total {s['maps failed']}")
    # Once the load stopped and the caches are flushed, the disks have no
    # slot out; virtio-net keeps its posted RX buffers and virtio-rng's
    # hwrng thread keeps reading, so for them the unbind below tells.
    idle = r.pools.get("soak-idle", {})
    disks = [d for d in r.devs_of("blk") if d in r.stats]
    out = {d: (sum(o for _, _, o in idle[d].rows), idle[d].in_use) for d in disks if d in idle}
    res.check(f"{n}/disks-idle-no-slot-out", disks and len(out) == len(disks) and
              all(v == (0, 0) for v in out.values()),
              f"(slots_out, in_use) per disk once idle {out}, disks {disks}")
    peak = {d: (r.stat(d, "pool_peak_bytes"), r.stat(d, "pool_max")) for d in r.stats}
    res.check(f"{n}/pool-within-max", peak and all(0 < p <= m for p, m in peak.values()),
              f"(pool_peak_bytes, pool_max) per device {peak}")
    claimed = len(r.stats)
    rel = count_lines(r.log.partition("vbsoak: final unbind")[2], r"virtio_bounce: virtio\d+: released")
    s["released"] = r.vals.get("soak-dirs-left") == "0" and rel >= claimed > 0 and "still live" not in r.log
    res.check(f"{n}/released-at-unbind", s["released"],
              f"{r.vals.get('soak-dirs-left')} debugfs dirs left after unbinding "
              f"{r.vals.get('soak-unbound')} drivers; {rel} 'released' for {claimed} claimed")
    bad = [l.strip() for l in r.log.splitlines() if BAD_SOAK_LOG.search(l)]
    res.check(f"{n}/no-kernel-report", not bad, "\n    " + "\n    ".join(bad[:8]))
    unpromised = [w for w in s["warnings"] if not any(re.search(p, w) for p in SOAK_PROMISED.values())]
    res.check(f"{n}/only-promised-warnings", not unpromised, "\n    " + "\n    ".join(unpromised[:8]))
    again = promised_repeats(r.log)
    res.check(f"{n}/promised-warnings-once-per-bind", not again,
              f"(kind, device, bind) printed more than once: {again}")
    res.note(f"  [{n}] {s['GiB verified']:.2f} GiB verified, corrupt {s['corrupt bytes']}, "
          f"maps failed {s['maps failed']}, fallback {s['fallback']}, grow failures {s['grow failures']}, "
          f"faults {s['faults']}, pool peak {s['pool peak KiB']} KiB, slots out idle {s['slots out idle']}, "
          f"{len(s['warnings'])} promised warning lines")
    return s


def warning_kinds(lines):
    """'12 cannot add a chunk, 10 cannot serve now: fallback': the warning
    lines counted by kind; any line no promise covers is quoted after them
    (from 'virtio_bounce: ' on, 80 characters)."""
    counts = collections.Counter()
    other = []
    for line in lines:
        kind = next((k for k, p in SOAK_PROMISED.items() if re.search(p, line)), None)
        if kind:
            counts[kind] += 1
        else:
            other.append(re.sub(r"virtio\d+", "virtioN", line[line.find("virtio_bounce: "):])[:80])
    return ", ".join([f"{counts[k]} {k}" for k in SOAK_PROMISED if counts[k]] + other)


def soak_table(rows, lane):
    """Markdown rows: one per soak boot (@rows: [SoakRow])."""
    out = ["| scenario | lane | wall | GiB verified | corrupt bytes | fio verify errors | maps failed "
           "(retried) | fallback | grow failures | faults chunk / page / shrink / cpuhp / rebind | "
           "pool peak | slots out once idle: disks / net+rng | promised warning lines | result |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        n, s, ok = row.name, row.summary, row.ok
        if s is None:
            out.append(f"| {n} | {lane} | - | - | - | - | - | - | - | - | - | - | - | did not finish |")
            continue
        f = s["faults"]
        fl = " / ".join(str(f[k]) if k in s["claimed faults"] else "-"
                        for k in ("chunk", "page", "shrink", "cpuhp", "rebind"))
        w = warning_kinds(s["warnings"])
        out.append(f"| {n} | {lane} | {s['wall s']:.0f} s | {s['GiB verified']:.2f} | {s['corrupt bytes']} | "
                   f"{s['fio verify errors']} | {s['maps failed']} | {s['fallback']} | {s['grow failures']} | "
                   f"{fl} | {s['pool peak KiB']} KiB | {s['idle disks']} / {s['idle other']}, {'all released' if s['released'] else 'NOT released'} | {len(s['warnings'])}"
                   f"{': ' + w if w else ''} | {'pass' if ok else 'FAIL'} |")
    return "\n".join(out)


def soak_cmd(cfg, names, gib, out, jobs=1):
    """The long form: SOAK_GIB of fio traffic per scenario, in 4 phases;
    @jobs boots at once (every file of a boot is named after its scenario)."""
    unknown = [n for n in names if n not in SOAKS]
    if unknown:
        print(f"unknown soak scenario {unknown[0]}; try: {' '.join(SOAKS)}")
        return 2
    names = names or list(SOAKS)
    phases = 4
    # fio's traffic: each MiB written is read back verified
    size = SoakSize(mb=max(48, int(gib * 1024) // phases // 2),
                    sec=int(os.environ.get("VB_SOAK_SEC", "7200")), phases=phases, debug_div=1)
    res, rows = Results(), []
    jobs = max(1, min(jobs, len(names)))
    print(f"soak: lane {cfg.lane}, {gib} GiB of fio traffic per scenario in {phases} phases "
          f"({size.mb} MiB written and verified each, at most {size.sec} s), {jobs} at a time", flush=True)
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        # checked in order, each as soon as its boot is done
        for n, r in zip(names, pool.map(lambda n: soak_boot(cfg, n, size), names)):
            before = res.failed
            if r is None:
                res.check(f"{n}/debug-kernel", False, f"no debug kernel at {cfg.debug_kernel}: scripts/kunit.sh debug")
                rows.append(SoakRow(n, None, False))
                continue
            rows.append(SoakRow(n, check_soak(res, cfg, n, r, size), res.failed == before))
    wall = time.time() - t0
    table = soak_table(rows, cfg.lane)
    print(table)
    if out:
        commit = subprocess.run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        # the table file itself does not count: an earlier run may have added to it
        rel = os.path.relpath(os.path.abspath(out), TOP)
        spec = ["--", ".", f":(exclude){rel}"] if not rel.startswith("..") else []
        dirty = subprocess.run(["git", "-C", TOP, "status", "--porcelain", "--untracked-files=no"] + spec,
                               capture_output=True, text=True).stdout.strip()
        with open(out, "a") as f:
            f.write(f"\n### Lane {cfg.lane}, {time.strftime('%Y-%m-%d')}, commit {commit}"
                    f"{' (with uncommitted changes)' if dirty else ''}\n\n"
                    f"`make soak LANE={cfg.lane} SOAK_GIB={gib} SOAK_JOBS={jobs} SCENARIOS=\"{' '.join(names)}\"` "
                    f"(`VB_LANE={cfg.lane} python3 scripts/vbtest.py soak --gib {gib} --jobs {jobs} {' '.join(names)}`): "
                    f"{res.passed} checks passed, {res.failed} failed, {wall:.0f} s in all.\n\n{table}\n")
        print(f"table appended to {os.path.relpath(out, TOP)}")
    print(f"soak: {res.passed} passed, {res.failed} failed, {wall:.0f} s")
    return 0 if res.failed == 0 else 1


def sc_soak(name):
    def run(res, cfg):
        size = SoakSize.from_env()
        r = soak_boot(cfg, name, size)
        if r is None:
            res.check(f"{name}/debug-kernel", False,
                      f"no debug kernel at {cfg.debug_kernel}: build it with scripts/kunit.sh debug")
            return
        check_soak(res, cfg, name, r, size)
    return run
