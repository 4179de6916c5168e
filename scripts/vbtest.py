#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""virtio_bounce end-to-end harness: boots the patched kernel under QEMU
(TCG by default) and under Xen 4.17 (PV dom0), with virtio-blk, virtio-net
and virtio-rng, and checks data byte for byte.

  vbtest.py e2e [SCENARIO...]   run scenarios, print PASS/FAIL lines and
                                "e2e: N passed, N failed"
  vbtest.py demo                boot once with virtio_bounce=on and show
                                what virtio_bounce did for each device
  vbtest.py trace [OUTDIR]      boot (force), trace a known workload, run
                                tools/perf-scripts/vb_trace.py over it
  vbtest.py list                list the scenarios

Scenarios beyond the data path of README.md "Tests" (each a QEMU boot):
  legacy           legacy-only virtio-pci devices (no VERSION_1), force:
                   claimed (identity), bounced, data intact
  unknown-swiotlb  swiotlb=force, virtio_bounce=on,iommu=unknown,
                   ACCESS_PLATFORM devices: left on the stock path with a
                   "bounced by swiotlb" message, data intact
  sync             a driver that syncs (virtio_dma_bench "sync"): need_sync,
                   syncs for the CPU and the device, sg lists, partial
                   syncs, unmap, byte for byte
  rebind           virtio-rng/net unbound and bound 5 times, vdb twice,
                   while vda I/O runs: one decision per bind, one
                   "released" per unbind, data intact, no Oops/WARNING
  cpuhp            CPU 1 offline/online during the blk test, then offline:
                   once eth0 is stopped and the online CPUs' caches are
                   flushed, slots_out of every class is what is mapped (0
                   for idle disks); negative control: a ping after the
                   flush leaves slots_out > in_use for the net device
  failattach       bind virtio-rng and vdb (INTx) with the n-th fault
                   point failing (fail-nth), n = 1, 2, ...: no Oops, no
                   half claim, a message when left unclaimed, works
                   afterwards (a failed probe is followed by a virtio-pci
                   rebind: drivers do not reset the device on that path)
  progress         force,pool=256K,max=PROGRESS_MAX: two 4 MiB O_DIRECT
                   readers and a writer finish (180 s) with data intact

Environment: VB_ACCEL (default tcg; e.g. kvm), VB_TIMEOUT (seconds per
boot, default 240), VB_KERNEL, VB_INITRD, VB_XEN (paths).
"""
import collections
import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.path.join(TOP, "build")
WORK = os.path.join(B, "e2e")
KERNEL = os.environ.get("VB_KERNEL", os.path.join(B, "obj/arch/x86/boot/bzImage"))
INITRD = os.environ.get("VB_INITRD", os.path.join(B, "initramfs.cpio.gz"))
XEN = os.environ.get("VB_XEN", os.path.join(B, "xen/xen"))
ACCEL = os.environ.get("VB_ACCEL", "tcg")
# Extra QEMU arguments for every boot (benchmarks/run.py --icount sets it).
QEMU_EXTRA = []
TIMEOUT = int(os.environ.get("VB_TIMEOUT", "240"))
# The scenarios below that boot in ~10-40 s wait this long (90 s by default).
SHORT = TIMEOUT * 90 // 240
SIZE = 8 << 20          # pattern size: disk half, net payloads

# ---------------------------------------------------------------- results


class Results:
    def __init__(self, label=""):
        self.passed = 0
        self.failed = 0
        self.label = label      # negative controls print "(control) ..." lines

    def check(self, name, ok, detail=""):
        word = "PASS" if ok else "FAIL"
        if self.label:          # a control: say what it saw, not PASS/FAIL
            word = "ok" if ok else "caught"
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{self.label}{word} {name}{': ' + detail if detail and not ok else ''}", flush=True)
        return ok


def sha(b):
    return hashlib.sha256(b).hexdigest()


def same_digest(expected, got):
    """The one comparison every integrity check goes through."""
    return bool(expected) and bool(got) and expected == got

# ------------------------------------------------------------ host network


class NetPeer:
    """Host end of the virtio-net test on 127.0.0.1:port (guest sends the
    pattern) and port+1 (host sends its own payload)."""

    def __init__(self, payload):
        self.payload = payload
        self.received = None
        self.t_first = self.t_last = None
        for _ in range(50):
            port = random.randint(20000, 40000)
            try:
                self.s1 = self._listen(port)
                self.s2 = self._listen(port + 1)
                self.port = port
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no free port pair on 127.0.0.1")
        self.t1 = threading.Thread(target=self._rx, daemon=True)
        self.t2 = threading.Thread(target=self._tx, daemon=True)
        self.t1.start()
        self.t2.start()

    @staticmethod
    def _listen(port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
        s.settimeout(TIMEOUT)
        return s

    def _rx(self):
        try:
            c, _ = self.s1.accept()
            c.settimeout(TIMEOUT)
            chunks = []
            while True:
                d = c.recv(1 << 16)
                if not d:
                    break
                if self.t_first is None:
                    self.t_first = time.time()
                self.t_last = time.time()
                chunks.append(d)
            self.received = b"".join(chunks)
            c.close()
        except OSError:
            pass

    def _tx(self):
        try:
            c, _ = self.s2.accept()
            c.sendall(self.payload)
            c.close()
        except OSError:
            pass

    def close(self):
        self.s1.close()
        self.s2.close()

# ------------------------------------------------------------------- guest


def parse(log):
    r = {"devs": {}, "sum": {}, "val": {}, "stat": {}, "chunks": [],
         "v1": {}, "pool": {}, "rebind": [], "done": "VBDONE" in log, "log": log}
    for line in log.splitlines():
        line = line.strip("\r")
        m = re.search(r"(VB[A-Z]+) (.*)$", line)
        if not m:
            continue
        kind, rest = m.group(1), m.group(2).split()
        if kind == "VBDEV" and len(rest) >= 3:
            r["devs"][rest[0]] = (rest[1], rest[2])
            if len(rest) >= 4:
                r["v1"][rest[0]] = rest[3]
        elif kind == "VBSUM" and len(rest) >= 2:
            r["sum"][rest[0]] = rest[1]
        elif kind == "VBVAL" and len(rest) >= 2:
            r["val"][rest[0]] = rest[1]
        elif kind == "VBSTAT" and len(rest) >= 3:
            r["stat"].setdefault(rest[0], {})[rest[1]] = " ".join(rest[2:])
        elif kind == "VBCHUNK" and len(rest) >= 5:
            r["chunks"].append(rest)
        elif kind == "VBPOOL" and len(rest) >= 4:
            parse_pool(r["pool"], rest)
        elif kind == "VBREBIND" and len(rest) >= 2:
            r["rebind"].append((rest[0], rest[1], rest[2] if len(rest) > 2 else ""))
    return r


def parse_pool(pools, rest):
    """VBPOOL TAG DEV in_use N | VBPOOL TAG DEV SLOT_SIZE CHUNKS SLOTS_OUT
    -> pools[TAG][DEV] = {"in_use": N, "rows": [(slot_size, chunks, out)]}"""
    try:
        d = pools.setdefault(rest[0], {}).setdefault(rest[1], {"in_use": -1, "rows": []})
        if rest[2] == "in_use":
            d["in_use"] = int(rest[3])
        elif len(rest) >= 5:
            d["rows"].append(tuple(int(x) for x in rest[2:5]))
    except ValueError:
        pass


def decisions(log):
    """dev -> (mode, backend, direct, why) from the dmesg lines."""
    out = {}
    for m in re.finditer(r"virtio_bounce: (virtio\d+): mode=(\w+) backend=(\w+) direct=(\w+): ([^\r\n]*)", log):
        out[m.group(1)] = (m.group(2), m.group(3), m.group(4), m.group(5))
    return out


DEV_NAMES = {"0x0001": "net", "0x0002": "blk", "0x0004": "rng"}


def qemu_cmd(kind, cmdline, disk, pattern, port, iommu_platform, legacy=False, msix=True):
    plat = ",iommu_platform=on,disable-legacy=on" if iommu_platform else ""
    if legacy:          # legacy-only virtio-pci: no VIRTIO_F_VERSION_1
        plat = ",disable-modern=on,disable-legacy=off"
    if not msix:        # INTx only: no per-probe MSI-X vectors
        plat += ",vectors=0"
    cmd = ["qemu-system-x86_64", "-nodefaults", "-nographic", "-no-reboot",
           "-accel", ACCEL, "-smp", "2", "-serial", "stdio", "-display", "none"] + QEMU_EXTRA
    if kind == "iommu":
        cmd += ["-machine", "q35", "-device", "intel-iommu,intremap=off"]
    if kind == "xen":
        # -cpu max crashes a PV dom0 under TCG; qemu64 boots it.
        cmd += ["-cpu", "qemu64", "-m", "1536",
                "-kernel", XEN,
                "-append", "console=com1 com1=115200,8n1 dom0_mem=768M,max:768M "
                           "loglvl=all guest_loglvl=all dom0_max_vcpus=2 noreboot=false",
                "-initrd", f"{KERNEL} {cmdline.replace(',', ',,')},{INITRD}"]
    else:
        cmd += ["-cpu", "max" if ACCEL == "tcg" else "host", "-m", "768",
                "-kernel", KERNEL, "-initrd", INITRD, "-append", cmdline]
    cmd += ["-drive", f"if=none,id=d0,file={disk},format=raw,cache=writeback",
            "-device", f"virtio-blk-pci,drive=d0,addr=0x4{plat}",
            "-drive", f"if=none,id=d1,file={pattern},format=raw,readonly=on",
            "-device", f"virtio-blk-pci,drive=d1,addr=0x5{plat}",
            "-netdev", "user,id=n0,net=10.0.2.0/24,restrict=off",
            "-device", f"virtio-net-pci,netdev=n0,addr=0x6{plat}",
            "-device", f"virtio-rng-pci,addr=0x7{plat}"]
    return cmd


def boot(name, kind="plain", vb="on", extra="", tests="blk+net+rng",
         iommu_platform=False, quiet=False, legacy=False, timeout=None, msix=True):
    os.makedirs(WORK, exist_ok=True)
    rnd = random.Random(name + str(time.time()))
    pattern = os.path.join(WORK, "pattern.img")
    pbytes = rnd.randbytes(SIZE)
    with open(pattern, "wb") as f:
        f.write(pbytes)
    disk = os.path.join(WORK, f"{name}.disk.img")
    with open(disk, "wb") as f:
        f.truncate(2 * SIZE)
    payload = rnd.randbytes(SIZE // 2)
    peer = NetPeer(payload)
    console = "hvc0" if kind == "xen" else "ttyS0"
    vbarg = f"virtio_bounce={vb} " if vb else ""
    cmdline = (f"console={console} panic=-1 loglevel=7 {vbarg}{extra} "
               f"vbtest={tests} vbport={peer.port} vbsize={SIZE}").strip()
    cmd = qemu_cmd(kind, cmdline, disk, pattern, peer.port, iommu_platform, legacy, msix)
    logf = os.path.join(WORK, f"{name}.log")
    t0 = time.time()
    with open(logf, "wb") as lf:
        try:
            subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout or TIMEOUT, check=False)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
    wall = time.time() - t0
    peer.t1.join(2)
    peer.close()
    with open(logf, "rb") as lf:
        log = lf.read().decode("utf-8", "replace")
    with open(disk, "rb") as f:
        img = f.read()
    os.unlink(disk)
    r = parse(log)
    r.update(name=name, wall=wall, timed_out=timed_out, logf=logf,
             pattern_sha=sha(pbytes), payload_sha=sha(payload),
             payload_len=len(payload), net_received=peer.received,
             net_seconds=(peer.t_last - peer.t_first) if peer.t_first else None,
             img_sha=(sha(img[:SIZE]), sha(img[SIZE:2 * SIZE])),
             dec=decisions(log), cmd=cmd, tests=tests.split("+"))
    if not quiet:
        print(f"  [{name}] {kind} boot, {wall:.1f}s, log {os.path.relpath(logf, TOP)}", flush=True)
    return r


def devs_of(r, what):
    return [d for d, (i, _) in r["devs"].items() if DEV_NAMES.get(i) == what]


def check_data(res, r):
    """Byte-for-byte checks of everything the guest moved."""
    n = r["name"]
    ok = res.check(f"{n}/boot", r["done"] and not r["timed_out"],
                   f"guest did not finish (timeout={r['timed_out']}), see {r['logf']}")
    if not ok:
        return
    if "blk" in r["tests"]:
        p = r["pattern_sha"]
        res.check(f"{n}/blk-read", same_digest(p, r["sum"].get("blk-pattern-read")),
                  "guest read of the pattern disk differs")
        res.check(f"{n}/blk-direct-write", same_digest(p, r["img_sha"][0]),
                  "host image (O_DIRECT half) differs from the pattern")
        res.check(f"{n}/blk-direct-readback", same_digest(p, r["sum"].get("blk-direct-read")),
                  "guest O_DIRECT read-back differs")
        res.check(f"{n}/blk-cached-write", same_digest(p, r["img_sha"][1]),
                  "host image (page-cache half) differs from the pattern")
        res.check(f"{n}/blk-cached-readback", same_digest(p, r["sum"].get("blk-cached-read")),
                  "guest page-cache read-back differs")
    if "net" in r["tests"]:
        got = r["net_received"]
        res.check(f"{n}/net-tx", got is not None and len(got) == SIZE and
                  same_digest(r["pattern_sha"], sha(got)),
                  f"host got {len(got) if got is not None else 'nothing'} bytes, digest differs")
        res.check(f"{n}/net-rx", r["val"].get("net-rx-bytes") == str(r["payload_len"]) and
                  same_digest(r["payload_sha"], r["sum"].get("net-rx")),
                  "guest's copy of the host payload differs")
    if "rng" in r["tests"]:
        res.check(f"{n}/rng", r["val"].get("rng-bytes") == "1024" and
                  r["val"].get("rng-current", "").startswith("virtio_rng"),
                  f"rng: {r['val'].get('rng-current')} {r['val'].get('rng-bytes')}")


def size_bytes(s):
    """"4M" -> 4194304, as virtio_bounce= spells sizes."""
    return int(s[:-1]) << {"K": 10, "M": 20, "G": 30}[s[-1]] if s[-1] in "KMG" else int(s)


def stat(r, dev, key):
    try:
        return int(r["stat"][dev][key])
    except (KeyError, ValueError):
        return -1


def check_claimed(res, r, backend, direct):
    """Every virtio device got @backend; 1:1 maps iff @direct."""
    n = r["name"]
    vdevs = sorted(r["devs"])
    bad = [d for d in vdevs if r["dec"].get(d, (None, None))[1] != backend]
    res.check(f"{n}/decision", vdevs and not bad,
              f"expected backend={backend} for {vdevs}, got {r['dec']}")
    for what in [w for w in ("blk", "net") if w in r["tests"]]:
        for d in devs_of(r, what)[:1] if what == "net" else devs_of(r, what):
            b, dr = stat(r, d, "bounced"), stat(r, d, "direct")
            if direct and stat(r, d, "bypass") == 1:
                # dma_ops_bypass: the DMA core maps 1:1 through dma-direct and
                # never calls our ops, so nothing may have bounced or grown.
                res.check(f"{n}/{what}-{d}-bypass", b == 0 and dr == 0 and
                          stat(r, d, "pool_bytes") == 0 and stat(r, d, "bad_unmaps") == 0,
                          f"bypass=1 but bounced={b} direct={dr} pool_bytes={stat(r, d, 'pool_bytes')}")
            elif direct:
                res.check(f"{n}/{what}-{d}-direct", dr > 0 and stat(r, d, "bad_unmaps") == 0,
                          f"direct={dr} bounced={b} bypass={stat(r, d, 'bypass')}")
            else:
                res.check(f"{n}/{what}-{d}-bounced", b > 0 and dr == 0 and
                          stat(r, d, "bytes_to_device") > 0 and stat(r, d, "bad_unmaps") == 0,
                          f"bounced={b} direct={dr} bad_unmaps={stat(r, d, 'bad_unmaps')}")
            res.check(f"{n}/{what}-{d}-no-leak", stat(r, d, "in_use") >= 0 and
                      stat(r, d, "fail_oversize") == 0,
                      f"in_use={stat(r, d, 'in_use')} oversize={stat(r, d, 'fail_oversize')}")

# --------------------------------------------------------------- scenarios


def sc_on(res):
    r = boot("on", vb="on")
    check_data(res, r)
    check_claimed(res, r, "identity", direct=True)
    res.check("on/dma-ops-bypass", r["stat"] and all(stat(r, d, "bypass") == 1 for d in r["stat"])
              and r["log"].count("(dma_ops_bypass: the DMA core maps 1:1 as dma-direct)") == len(r["stat"]),
              f"bypass per device {[stat(r, d, 'bypass') for d in r['stat']]}")


def sc_force(res):
    r = boot("force", vb="force")
    check_data(res, r)
    check_claimed(res, r, "identity", direct=False)


def sc_junk(res):
    r = boot("junk", vb="bogus")
    check_data(res, r)
    res.check("junk/warning", "ignoring 'virtio_bounce=bogus', keeping the default 'virtio_bounce=off" in r["log"],
              "no warning naming the bad value and the default")
    res.check("junk/stock", r["devs"] and all(v[0] == "off" and v[1] == "none" for v in r["dec"].values())
              and not r["stat"], f"{r['dec']}")


SMALLPOOL_MAX = "6M"    # above the smallest max= the kernel accepts


def sc_smallpool(res):
    # The blk test alone no longer fills a pool that can hold one largest
    # request; two 4 MiB readers and a writer at once do (see progress).
    r = boot("smallpool", vb=f"force,pool=512K,max={SMALLPOOL_MAX}", tests="blk+net+rng+progress")
    check_data(res, r)
    check_sums(res, r, "progress-", 10)
    ex = sum(max(0, stat(r, d, "fail_exhausted")) for d in r["stat"])
    pools = [stat(r, d, "pool_bytes") for d in r["stat"]]
    res.check("smallpool/bounded", pools and all(0 < p <= size_bytes(SMALLPOOL_MAX) for p in pools),
              f"pool_bytes={pools}, max {SMALLPOOL_MAX}")
    res.check("smallpool/ran-out", ex > 0, f"fail_exhausted total={ex}")


def sc_iommu(res):
    r = boot("iommu", kind="iommu", vb="on", iommu_platform=True)
    check_data(res, r)
    check_claimed(res, r, "parent", direct=False)
    res.check("iommu/why", all("IOMMU-DMA domain" in v[3] for v in r["dec"].values()) and r["dec"],
              f"{r['dec']}")


def xen_translated(r):
    """Chunks whose device (machine) address differs from their pseudo-physical one."""
    out = []
    for c in r["chunks"]:
        try:
            if int(c[1], 16) != int(c[2], 16):
                out.append(c)
        except ValueError:
            pass
    return out


def sc_xen_on(res):
    r = boot("xen-on", kind="xen", vb="on", tests="blk+net+rng+xenstraddle")
    check_data(res, r)
    check_claimed(res, r, "xen", direct=True)
    res.check("xen-on/translated", len(xen_translated(r)) > 0,
              f"no chunk with dma != phys: {r['chunks'][:3]}")
    # A buffer across two machine-contiguous pages goes direct (its bus
    # address); once the second page has another machine frame, it bounces.
    x = re.search(r"VBVAL xen-straddle xen-straddle ops=(\S+) contig_before=(\d) contig_direct=(-?\d) "
                  r"exchange=(-?\d+) contig_after=(\d) straddle_bounced=(-?\d)", r["log"])
    res.check("xen-on/contiguous-direct", x is not None and x.group(2) == "1" and x.group(3) == "1",
              f"{x.group(0) if x else 'no xen-straddle result'}")
    res.check("xen-on/straddle-bounced", x is not None and x.group(5) == "0" and x.group(6) == "1",
              f"{x.group(0) if x else 'no xen-straddle result'}")


def sc_xen_force(res):
    r = boot("xen-force", kind="xen", vb="force")
    check_data(res, r)
    check_claimed(res, r, "xen", direct=False)
    res.check("xen-force/translated", len(xen_translated(r)) > 0,
              f"no chunk with dma != phys: {r['chunks'][:3]}")


def sc_xen_failpool(res):
    r = boot("xen-failpool", kind="xen", vb="force",
             extra="fail_virtio_bounce_chunk=1,100,0,-1")
    check_data(res, r)
    res.check("xen-failpool/message", "could not build any pool chunk: left to the stock path" in r["log"]
              and "cannot add a 256 KiB chunk to the xen pool" in r["log"], "no clear message")
    res.check("xen-failpool/stock", not r["stat"], f"debugfs dirs present: {list(r['stat'])}")


def sc_xen_growfail(res):
    # Initial pools (4 devices x 17 chunks of 256 KiB) are built, every
    # later exchange fails.  The fixed pools cannot hold virtio-net's RX
    # ring plus a write-back burst: what they cannot serve must go to
    # swiotlb-xen per mapping (fallback), with I/O intact and no stall.
    r = boot("xen-growfail", kind="xen", vb="force", tests="blk+net+rng",
             extra=f"fail_virtio_bounce_chunk=1,100,{4 * 17 * (256 << 10) + 1},-1")
    check_data(res, r)
    check_claimed(res, r, "xen", direct=False)
    fails = sum(max(0, stat(r, d, "grow_failures")) for d in r["stat"])
    warned = len(re.findall(r"cannot add a \d+ KiB chunk to the xen pool", r["log"]))
    res.check("xen-growfail/said-once", fails > 0 and 0 < warned <= len(r["stat"]),
              f"grow_failures={fails}, warnings={warned} for {len(r['stat'])} devices")
    fb = {d: stat(r, d, "fallback") for d in r["stat"]}
    fb_said = len(re.findall(r"mapping it through the device's previous DMA path \(xen_swiotlb_map_page\)",
                             r["log"]))
    res.check("xen-growfail/fallback-to-swiotlb-xen",
              sum(fb.values()) > 0 and 0 < fb_said <= sum(1 for v in fb.values() if v > 0),
              f"fallback maps per device {fb}, messages {fb_said}")
    res.check("xen-growfail/no-failed-maps",
              all(stat(r, d, "fail_exhausted") == 0 for d in r["stat"]),
              f"fail_exhausted per device {[stat(r, d, 'fail_exhausted') for d in r['stat']]}")


def sc_xen_stock(res):
    r = boot("xen-stock", kind="xen", vb="off")
    check_data(res, r)


# ------------------------------------------------- driver and system events

# Kernel messages no scenario may produce (a stack dump alone may be
# fault injection's "FAULT_INJECTION: forcing a failure").
BAD_LOG = re.compile(r"Oops|\bBUG\b|WARNING:|general protection|KASAN|"
                     r"blocked for more than|detected stalls?|Kernel panic")


def bad_lines(log):
    return [l.strip() for l in log.splitlines() if BAD_LOG.search(l)]


def check_clean_log(res, r):
    bad = bad_lines(r["log"])
    res.check(f"{r['name']}/clean-log", not bad, "\n    " + "\n    ".join(bad[:8]))


def with_tests(r, *more):
    """@r as if the guest had also run @more (done inside another test)."""
    return dict(r, tests=r["tests"] + list(more))


def sums_like(r, prefix):
    return {k: v for k, v in r["sum"].items() if k.startswith(prefix)}


def check_sums(res, r, prefix, at_least):
    """Every VBSUM named @prefix* is the pattern's, and there are enough."""
    got = sums_like(r, prefix)
    bad = {k: v[:12] for k, v in got.items() if not same_digest(r["pattern_sha"], v)}
    res.check(f"{r['name']}/{prefix.rstrip('-')}-data", len(got) >= at_least and not bad,
              f"{len(got)} digests (want >= {at_least}), differing: {bad}")


def sc_legacy(res):
    # Legacy-only virtio-pci: VIRTIO_F_VERSION_1 is never negotiated.
    r = boot("legacy", vb="force", legacy=True, timeout=SHORT)
    check_data(res, r)
    res.check("legacy/devices-are-legacy", r["v1"] and all(v == "v1=0" for v in r["v1"].values()),
              f"VERSION_1 per device {r['v1']}")
    check_claimed(res, r, "identity", direct=False)
    check_clean_log(res, r)


def sc_unknown_swiotlb(res):
    # iommu=unknown picks the parent backend; under swiotlb=force the parent
    # (dma-direct) would put each chunk in a swiotlb slot that is never synced.
    r = boot("unknown-swiotlb", vb="on,iommu=unknown", extra="swiotlb=force",
             iommu_platform=True, timeout=SHORT)
    check_data(res, r)
    res.check("unknown-swiotlb/message", re.search(r"bounced by swiotlb", r["log"]) is not None,
              f"no 'bounced by swiotlb' message; decisions {r['dec']}")
    res.check("unknown-swiotlb/stock", r["devs"] and not r["stat"],
              f"debugfs dirs present: {list(r['stat'])}")
    check_clean_log(res, r)


SYNC_RE = re.compile(r"VBVAL sync sync need_sync=(?P<need_sync>-?\d+) for_cpu=(?P<for_cpu>\S+) "
                     r"for_device=(?P<for_device>\S+) sg=(?P<sg>\S+) partial=(?P<partial>\S+) "
                     r"unmap=(?P<unmap>\S+) map_page=(?P<map_page>\S+)")


def sc_sync(res):
    r = boot("sync", vb="force", tests="sync+rng", timeout=SHORT)
    check_data(res, r)
    check_clean_log(res, r)
    m = SYNC_RE.search(r["log"])
    f = m.groupdict() if m else {}
    line = m.group(0) if m else "no sync result"
    res.check("sync/claimed", f.get("map_page") == "vb_map_page", line)
    res.check("sync/need-sync", f.get("need_sync") == "1", line)
    for k in ("for_cpu", "for_device", "sg", "partial", "unmap"):
        res.check(f"sync/{k.replace('_', '-')}", f.get(k) == "ok", line)


def count_lines(log, pattern):
    return len(re.findall(pattern, log))


def sc_rebind(res):
    r = boot("rebind", vb="force", tests="rebind+blk+net+rng", timeout=SHORT)
    check_data(res, r)
    check_claimed(res, r, "identity", direct=False)
    check_clean_log(res, r)
    check_sums(res, r, "rebind-vdb-", 2)
    check_sums(res, r, "rebind-vda-", 1)
    rb = r["rebind"]
    res.check("rebind/rebound", len(rb) == 12 and all(b and b == a for _, b, a in rb),
              f"{len(rb)} rebinds (want 12), driver before/after: {rb}")
    for d, n in sorted(collections.Counter(d for d, _, _ in rb).items()):
        dec = count_lines(r["log"], rf"virtio_bounce: {d}: mode=force backend=identity ")
        rel = count_lines(r["log"], rf"virtio_bounce: {d}: released")
        res.check(f"rebind/{d}-claimed-per-bind", dec == n + 1 and rel == n,
                  f"{n} rebinds: {dec} decision lines (want {n + 1}), {rel} 'released' (want {n})")


def check_pools_idle(res, r, tag):
    """Once the caches are flushed, slots_out is exactly what is mapped."""
    pools = r["pool"].get(tag, {})
    blk = set(devs_of(r, "blk"))
    res.check(f"{r['name']}/pool-dump", pools and set(pools) == set(r["stat"]),
              f"pool dumps for {sorted(pools)}, claimed {sorted(r['stat'])}")
    for d, p in sorted(pools.items()):
        out = sum(o for _, _, o in p["rows"])
        rows = [(sz, o) for sz, _, o in p["rows"] if o]
        ok = out == p["in_use"] and (d not in blk or p["in_use"] == 0)
        res.check(f"{r['name']}/{d}-slots-out", ok,
                  f"slots_out total {out} (by class {rows}), in_use {p['in_use']}")


def sc_cpuhp(res):
    # CPU 1 goes offline/online while the blk test runs (in the background).
    r = boot("cpuhp", vb="force", tests="net+cpuhp+rng", timeout=SHORT)
    check_data(res, with_tests(r, "blk"))
    check_claimed(res, with_tests(r, "blk"), "identity", direct=False)
    check_clean_log(res, r)
    res.check("cpuhp/cycles", r["val"].get("cpuhp-cycles", "0").isdigit() and
              int(r["val"].get("cpuhp-cycles", "0")) >= 3 and r["val"].get("cpuhp-cpu1-online") == "0",
              f"cycles {r['val'].get('cpuhp-cycles')}, cpu1 online at the end {r['val'].get('cpuhp-cpu1-online')}")
    # Negative control: the same check on a dump taken while the net
    # device was still sending must see the slots CPU 0 caches.
    busy = r["pool"].get("cpuhp-busy", {})
    net = devs_of(r, "net")
    extra = {d: sum(o for _, _, o in busy[d]["rows"]) - busy[d]["in_use"]
             for d in net if d in busy}
    res.check("cpuhp/busy-net-detected", net and len(extra) == len(net) and
              all(v > 0 for v in extra.values()),
              f"after a ping, slots_out - in_use per net device {extra} (want > 0)")
    check_pools_idle(res, r, "cpuhp")


FAIL_END = re.compile(r"vbfail: END (virtio\d+) (\d+) injected=(\d) err=(\d+) state=(\w+) ?(\S*)")
VB_UNCLAIMED_MSG = re.compile(r"virtio_bounce: .*(not claimed|could not|cannot)")


def fail_tries(log):
    """[(dev, n, injected, err, state, map_page, kernel lines of the try)]"""
    out, seg = [], []
    for line in log.splitlines():
        if re.search(r"vbfail: BEGIN ", line):
            seg = []
            continue
        m = FAIL_END.search(line)
        if m:
            dev, n, inj, err, state, ops = m.groups()
            out.append((dev, int(n), inj == "1", int(err), state, ops, seg))
            seg = []
        else:
            seg.append(line)
    return out


def fail_outcome(t):
    """What one bind with a fault left: (outcome, ok).  The guest says
    claimed (debugfs dir), stock (bound, no dir) or unbound (probe failed);
    map_page says whether our ops are installed on the PCI function."""
    dev, _, _, _, state, ops, seg = t
    # Without virtio_dma_bench's "ops" command, only debugfs tells.
    ours = ops == "map_page=vb_map_page" if ops else state == "claimed"
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


def sc_failattach(res):
    # INTx (vectors=0): failed MSI-X setups trip genirq's own warnings
    # (remove_proc_entry 'smp_affinity'), which are not ours to test.
    r = boot("failattach", vb="force", tests="failattach", msix=False)
    n = "failattach"
    res.check(f"{n}/boot", r["done"] and not r["timed_out"], f"timeout={r['timed_out']}, see {r['logf']}")
    check_clean_log(res, r)
    res.check(f"{n}/fault-injection-available", r["val"].get("failattach-failslab") == "1",
              "no /sys/kernel/debug/failslab: only fail_virtio_bounce_chunk faults were injected")
    tries = fail_tries(r["log"])
    for dev in sorted({t[0] for t in tries}):
        mine = [t for t in tries if t[0] == dev]
        outcomes, bad = collections.Counter(), []
        for t in mine:
            what, ok = fail_outcome(t)
            outcomes[what] += 1
            if not ok:
                bad.append(f"fault {t[1]}: {what} {t[5]} err={t[3]}:\n      " +
                           "\n      ".join(l.strip() for l in t[6][-5:]))
        print(f"  [{n}] {dev}: {len(mine)} fault points tried, last injected={mine[-1][2]}, "
              f"outcomes {dict(outcomes)}", flush=True)
        res.check(f"{n}/{dev}-every-fault-handled", not bad,
                  f"{len(bad)} of {len(mine)} tries left the device in a bad state or said nothing; first:\n    "
                  + "\n    ".join(bad[:3]))
        res.check(f"{n}/{dev}-all-points-reached", not mine[-1][2],
                  f"stopped at the cap ({len(mine)} tries) with faults still being injected")
    print(f"  [{n}] resets after a failed probe: rng {r['val'].get('failattach-virtio_rng-resets')}, "
          f"vdb {r['val'].get('failattach-virtio_blk-resets')}", flush=True)
    res.check(f"{n}/tried", len({t[0] for t in tries}) >= 2, f"tries for {sorted({t[0] for t in tries})}")
    res.check(f"{n}/final-claimed", r["val"].get("failattach-virtio_rng-final") == "claimed" and
              r["val"].get("failattach-virtio_blk-final") == "claimed",
              f"rng {r['val'].get('failattach-virtio_rng-final')}, vdb {r['val'].get('failattach-virtio_blk-final')}")
    res.check(f"{n}/rng", r["val"].get("rng-bytes") == "1024" and
              r["val"].get("rng-current", "").startswith("virtio_rng"),
              f"rng: {r['val'].get('rng-current')} {r['val'].get('rng-bytes')}")
    res.check(f"{n}/vdb-data", same_digest(r["pattern_sha"], r["sum"].get("failattach-vdb")),
              "vdb read after the last bind differs from the pattern")


# max= of the progress scenario: the smallest the kernel accepts ("max=...
# is below 5256K, the smallest pool that can always hold one largest
# request"; progress/accepted prints that message if it changes).
PROGRESS_MAX = "5256K"


def refused_param(log):
    """The kernel's lines about a virtio_bounce= it ignored, if it did."""
    lines = [l.strip() for l in log.splitlines() if re.search(r"\] virtio_bounce: ", l)]
    return lines if any("ignoring 'virtio_bounce=" in l for l in lines) else []


def sc_progress(res):
    # A pool far smaller than two readers' and a writer's requests.
    r = boot("progress", vb=f"force,pool=256K,max={PROGRESS_MAX}", tests="progress",
             timeout=TIMEOUT * 180 // 240)
    check_data(res, r)
    res.check("progress/accepted", not refused_param(r["log"]), "\n    ".join(refused_param(r["log"])))
    check_claimed(res, r, "identity", direct=False)
    check_clean_log(res, r)
    check_sums(res, r, "progress-", 10)
    res.check("progress/vda-image", same_digest(r["pattern_sha"], r["img_sha"][0]),
              "host image of vda differs from the pattern")
    pools = {d: stat(r, d, "pool_bytes") for d in r["stat"]}
    res.check("progress/bounded", pools and all(0 < p <= size_bytes(PROGRESS_MAX) for p in pools.values()),
              f"pool_bytes {pools}, max {PROGRESS_MAX}")


def sc_negative(res):
    """Negative controls: the checks above must be able to fail."""
    good = sha(b"virtio_bounce")
    bad = hashlib.sha256(b"virtio_bounce").digest()
    bad = (bytes([bad[0] ^ 1]) + bad[1:]).hex()
    res.check("negative/altered-digest-rejected", not same_digest(good, bad))
    res.check("negative/missing-digest-rejected", not same_digest(good, None))
    data = bytearray(random.Random(1).randbytes(SIZE))
    ref = sha(bytes(data))
    data[SIZE // 2] ^= 0x01          # one flipped bit in 8 MiB
    res.check("negative/one-corrupt-byte-detected", not same_digest(ref, sha(bytes(data))))
    fake = {"name": "neg", "done": True, "timed_out": False, "logf": "-",
            "tests": ["blk"], "pattern_sha": ref, "img_sha": (ref, "0" * 64),
            "sum": {"blk-pattern-read": ref, "blk-direct-read": ref,
                    "blk-cached-read": ref}}
    sub = Results(label="  control (one corruption to catch): ")
    check_data(sub, fake)
    res.check("negative/check_data-reports-corrupt-image", sub.failed == 1 and sub.passed == 5,
              f"{sub.passed} passed, {sub.failed} failed")


PERF = os.path.join(TOP, "tools/perf-scripts/vb_trace.py")
PYPLOT = "/usr/bin/python3"     # Debian's python3-matplotlib lives there


def section(log, begin, end):
    out, on = [], False
    for line in log.splitlines():
        if line.strip() == begin:
            on = True
        elif line.strip() == end:
            on = False
        elif on:
            out.append(line)
    return "\n".join(out) + "\n"


def trace_run(outdir):
    """Boot with force, trace 100 x 4096 B and 50 x 512 B O_DIRECT reads
    of /dev/vdb, and run every vb_trace.py subcommand over the trace."""
    r = boot("trace", vb="force", tests="trace")
    os.makedirs(outdir, exist_ok=True)
    ev = os.path.join(outdir, "events.txt")
    gr = os.path.join(outdir, "graph.txt")
    with open(ev, "w") as f:
        f.write(section(r["log"], "VBTRACE-BEGIN", "VBTRACE-END"))
    with open(gr, "w") as f:
        f.write(section(r["log"], "VBGRAPH-BEGIN", "VBGRAPH-END"))
    png = os.path.join(outdir, "occupancy.png")
    if os.path.exists(png):
        os.unlink(png)
    outs = {}
    for name, args in (("hist", ["hist", ev]), ("ratio", ["ratio", ev]),
                       ("cache", ["cache", ev]), ("latency", ["latency", gr]),
                       ("occupancy", ["occupancy", ev, "--png", png,
                                      "--title", "pool occupancy, 100 x 4 KiB + 50 x 512 B reads, force"])):
        p = subprocess.run([PYPLOT, PERF] + args, capture_output=True, text=True)
        outs[name] = p.stdout + p.stderr
        with open(os.path.join(outdir, name + ".txt"), "w") as f:
            f.write(outs[name])
    blk = sorted(devs_of(r, "blk"))
    r["vdb"] = blk[1] if len(blk) > 1 else None
    return r, outs, png


def dev_block(text, dev):
    """The lines of one device's block in `hist` output."""
    out, on = [], False
    for line in text.splitlines():
        if re.match(r"^\S", line):
            on = line.startswith(dev + ":")
        elif on:
            out.append(line)
    return "\n".join(out)


def sc_trace(res):
    r, o, png = trace_run(os.path.join(WORK, "trace"))
    n = "trace"
    if not res.check(f"{n}/boot", r["done"] and not r["timed_out"], f"see {r['logf']}"):
        return
    vdb = r["vdb"]
    res.check(f"{n}/workload", r["val"].get("trace-reads-4096") == "100" and
              r["val"].get("trace-reads-512") == "50", f"{r['val']}")
    h = dev_block(o["hist"], vdb or "?")
    res.check(f"{n}/hist-4096", re.search(r"^\s+4096\s+100\s", h, re.M) is not None,
              f"no '4096 100' for {vdb} in:\n{o['hist']}")
    res.check(f"{n}/hist-512", re.search(r"^\s+512\s+50\s", h, re.M) is not None,
              f"no '512 50' for {vdb}")
    m = re.search(rf"^{vdb}\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)%", o["ratio"], re.M) if vdb else None
    res.check(f"{n}/ratio", m is not None and m.group(1) == m.group(2) and m.group(3) == "0"
              and m.group(4) == "100.0" and int(m.group(1)) >= 3 * 150,
              f"ratio output:\n{o['ratio']}")
    rows = [l.split() for l in o["cache"].splitlines() if vdb and l.startswith(vdb + " ")]
    maps = sum(int(x[2]) for x in rows)
    miss = sum(int(x[3]) for x in rows)
    # Every map of this workload (<= 4 KiB) goes through the per-CPU caches.
    res.check(f"{n}/cache", rows and m is not None and maps == int(m.group(2)) and 0 <= miss <= maps
              and all(x[5].endswith("%") for x in rows),
              f"cache output:\n{o['cache']}")
    lm = re.search(r"^vb_map_page\s+(\d+)", o["latency"], re.M)
    lu = re.search(r"^vb_unmap_page\s+(\d+)", o["latency"], re.M)
    res.check(f"{n}/latency", lm and lu and int(lm.group(1)) >= 300 and int(lu.group(1)) >= 300,
              f"latency output:\n{o['latency'][:600]}")
    ok = os.path.exists(png) and os.path.getsize(png) > 1000 and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    fin = re.search(rf"^{vdb}: \d+ events, peak (\d+) bytes in bounce slots, final (\d+)", o["occupancy"], re.M) if vdb else None
    res.check(f"{n}/occupancy", ok and fin is not None and fin.group(2) == "0" and int(fin.group(1)) >= 4096,
              f"png ok={ok}, output:\n{o['occupancy']}")


def trace_cmd(outdir):
    r, o, png = trace_run(outdir)
    for k in ("ratio", "hist", "cache", "latency", "occupancy"):
        print(f"== vb_trace.py {k}\n{o[k]}")
    print(f"trace files in {outdir}")
    return 0 if r["done"] else 1


SCENARIOS = {
    "negative": sc_negative,
    "on": sc_on,
    "force": sc_force,
    "junk": sc_junk,
    "smallpool": sc_smallpool,
    "iommu": sc_iommu,
    "xen-on": sc_xen_on,
    "xen-force": sc_xen_force,
    "xen-failpool": sc_xen_failpool,
    "xen-growfail": sc_xen_growfail,
    "xen-stock": sc_xen_stock,
    "trace": sc_trace,
    "legacy": sc_legacy,
    "unknown-swiotlb": sc_unknown_swiotlb,
    "sync": sc_sync,
    "rebind": sc_rebind,
    "cpuhp": sc_cpuhp,
    "failattach": sc_failattach,
    "progress": sc_progress,
}


def demo():
    r = boot("demo", vb="on", tests="blk+net+rng")
    print("\n== virtio_bounce demo: kernel", re.search(r"Linux version (\S+)", r["log"]).group(1)
          if re.search(r"Linux version (\S+)", r["log"]) else "?")
    print("== command line:", next((l.split("Command line: ", 1)[1].strip() for l in r["log"].splitlines()
                                    if "Command line: " in l), "?"))
    print("== decisions (dmesg):")
    for line in r["log"].splitlines():
        if "virtio_bounce" in line and "VBSTAT" not in line:
            print("  ", line.strip())
    print("== per device (debugfs /sys/kernel/debug/virtio_bounce/<dev>/stats):")
    keys = ["mode", "backend", "bypass", "maps", "direct", "fallback", "bounced", "bytes_to_device",
            "bytes_from_device", "cache_hits", "cache_misses", "pool_bytes", "hiwater_bytes"]
    print("  %-8s %-5s " % ("dev", "kind") + " ".join("%s" % k for k in keys))
    for d in sorted(r["stat"]):
        kind = DEV_NAMES.get(r["devs"].get(d, ("?",))[0], "?")
        print("  %-8s %-5s " % (d, kind) + " ".join(str(r["stat"][d].get(k, "-")) for k in keys))
    res = Results()
    check_data(res, r)
    print(f"demo: {res.passed} passed, {res.failed} failed")
    return 0 if res.failed == 0 else 1


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv[1] == "list":
        print("\n".join(SCENARIOS))
        return 0
    if argv[1] == "demo":
        return demo()
    if argv[1] == "trace":
        return trace_cmd(argv[2] if len(argv) > 2 else os.path.join(B, "trace"))
    if argv[1] == "e2e":
        names = argv[2:] or list(SCENARIOS)
        res = Results()
        for n in names:
            if n not in SCENARIOS:
                print(f"unknown scenario {n}; try: {' '.join(SCENARIOS)}")
                return 2
            SCENARIOS[n](res)
        print(f"e2e: {res.passed} passed, {res.failed} failed")
        return 0 if res.failed == 0 else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
