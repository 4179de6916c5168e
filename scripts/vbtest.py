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

Environment: VB_ACCEL (default tcg; e.g. kvm), VB_TIMEOUT (seconds per
boot, default 240), VB_KERNEL, VB_INITRD, VB_XEN (paths).
"""
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
         "done": "VBDONE" in log, "log": log}
    for line in log.splitlines():
        line = line.strip("\r")
        m = re.search(r"(VB[A-Z]+) (.*)$", line)
        if not m:
            continue
        kind, rest = m.group(1), m.group(2).split()
        if kind == "VBDEV" and len(rest) >= 3:
            r["devs"][rest[0]] = (rest[1], rest[2])
        elif kind == "VBSUM" and len(rest) >= 2:
            r["sum"][rest[0]] = rest[1]
        elif kind == "VBVAL" and len(rest) >= 2:
            r["val"][rest[0]] = rest[1]
        elif kind == "VBSTAT" and len(rest) >= 3:
            r["stat"].setdefault(rest[0], {})[rest[1]] = " ".join(rest[2:])
        elif kind == "VBCHUNK" and len(rest) >= 5:
            r["chunks"].append(rest)
    return r


def decisions(log):
    """dev -> (mode, backend, direct, why) from the dmesg lines."""
    out = {}
    for m in re.finditer(r"virtio_bounce: (virtio\d+): mode=(\w+) backend=(\w+) direct=(\w+): ([^\r\n]*)", log):
        out[m.group(1)] = (m.group(2), m.group(3), m.group(4), m.group(5))
    return out


DEV_NAMES = {"0x0001": "net", "0x0002": "blk", "0x0004": "rng"}


def qemu_cmd(kind, cmdline, disk, pattern, port, iommu_platform):
    plat = ",iommu_platform=on,disable-legacy=on" if iommu_platform else ""
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
         iommu_platform=False, quiet=False):
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
    cmd = qemu_cmd(kind, cmdline, disk, pattern, peer.port, iommu_platform)
    logf = os.path.join(WORK, f"{name}.log")
    t0 = time.time()
    with open(logf, "wb") as lf:
        try:
            subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT, check=False)
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


def sc_smallpool(res):
    r = boot("smallpool", vb="force,pool=512K,max=4M")
    check_data(res, r)
    ex = sum(max(0, stat(r, d, "fail_exhausted")) for d in r["stat"])
    pools = [stat(r, d, "pool_bytes") for d in r["stat"]]
    res.check("smallpool/bounded", pools and all(0 < p <= 4 << 20 for p in pools), f"pool_bytes={pools}")
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
