# SPDX-License-Identifier: GPL-2.0
"""Boot the patched kernel once under QEMU (TCG by default) or under Xen 4.17
(PV dom0) with virtio-blk, virtio-net and virtio-rng, and return what the
guest printed and what the host saw.  Used by scripts/vbtest.py (checks)
and benchmarks/run.py (measurements).

    cfg = BootConfig.from_env()                 # VB_* environment variables
    r = boot(cfg, BootOptions("on", vb="on"))   # -> Boot
"""
import bisect
import dataclasses
import hashlib
import os
import shlex
import random
import re
import socket
import subprocess
import tempfile
import threading
import time
import typing
from dataclasses import dataclass, field

import lanes

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.path.join(TOP, "build")
SIZE = 8 << 20          # pattern size: disk half, net payloads
DEV_NAMES = {"0x0001": "net", "0x0002": "blk", "0x0004": "rng"}


def sha(b):
    return hashlib.sha256(b).hexdigest()


def same_digest(expected, got):
    """The one comparison every integrity check goes through."""
    return bool(expected) and bool(got) and expected == got

# ------------------------------------------------------------ parameters


@dataclass(frozen=True)
class BootConfig:
    """What every boot of a run shares: images, accelerator, time limit."""
    kernel: str = lanes.get().kernel_path     # the default lane's (scripts/lanes.tsv)
    initrd: str = os.path.join(B, "initramfs.cpio.gz")
    xen: str = lanes.get().xen_path
    accel: str = "tcg"
    timeout: int = 240                  # seconds per boot
    qemu_extra: tuple[str, ...] = ()    # extra QEMU arguments for every boot
    workdir: str = os.path.join(B, "e2e")

    lane: str = lanes.default()         # kernel lane (scripts/lanes.tsv): 7.3 or 6.12

    @property
    def debug_kernel(self):
        """The lane's soak debug kernel (make debug-kernel): the KUnit debug
        config plus configs/soak-debug.config."""
        return os.path.join(B, f"soak-debug-{self.lane}/arch/x86/boot/bzImage")

    @property
    def map_ops(self):
        """The lane's seam is virtio_map_ops: 1:1 installs nothing."""
        return lanes.get(self.lane).map_ops

    @classmethod
    def from_env(cls, initrd=None, **kw):
        """VB_LANE picks the lane (default: scripts/lanes.tsv's), and so its
        kernel and Xen (the table's obj and xendir); VB_KERNEL, VB_INITRD, VB_XEN, VB_ACCEL,
        VB_TIMEOUT, VB_WORKDIR (disk images and logs) override them;
        VB_QEMU_EXTRA adds QEMU arguments to every boot (debugging: say a
        -monitor socket to look at a hung guest); @initrd is the default
        when VB_INITRD is not set."""
        env = os.environ
        ln = lanes.get(env.get("VB_LANE") or None)
        lane, kernel, xen = ln.name, ln.kernel_path, ln.xen_path
        return cls(kernel=env.get("VB_KERNEL", kernel), lane=lane,
                   initrd=env.get("VB_INITRD", initrd or cls.initrd),
                   xen=env.get("VB_XEN", xen),
                   accel=env.get("VB_ACCEL", cls.accel),
                   timeout=int(env.get("VB_TIMEOUT", str(cls.timeout))),
                   workdir=env.get("VB_WORKDIR", cls.workdir),
                   qemu_extra=tuple(shlex.split(env.get("VB_QEMU_EXTRA", ""))), **kw)

    def scaled(self, seconds):
        """A time limit of @seconds at the default 240 s, scaled with VB_TIMEOUT."""
        return self.timeout * seconds // 240

    @property
    def short(self):
        """For the boots that take ~10-40 s (90 s by default)."""
        return self.scaled(90)


@dataclass(frozen=True)
class BootOptions:
    """One boot: the machine, the kernel command line, the guest's tests."""
    name: str
    kind: str = "plain"         # plain, iommu (q35 + intel-iommu) or xen
    vb: str = "on"              # virtio_bounce= ("" leaves it out)
    extra: str = ""             # more kernel parameters
    tests: str = "blk+net+rng"  # vbtest= for tests/guest/init
    iommu_platform: bool = False
    legacy: bool = False        # legacy-only virtio-pci (no VERSION_1)
    msix: bool = True           # False: INTx only
    timeout: int | None = None  # default: BootConfig.timeout
    quiet: bool = False
    soak: bool = False          # host net peer serves stream after stream
    initrd: str = ""            # default: BootConfig.initrd
    smp: int = 2                # guest CPUs (not under Xen: dom0_max_vcpus=2)
    blk_props: str = ""         # ",prop=value..." for the scratch disk vda's -device only
    disk_mb: int = 0            # scratch disk size in MiB (0: 2 * SIZE)
    corrupt_at: int = -1        # >= 0: the host flips this byte of the pattern
                                # disk after taking its digest (a negative control)

    def cmdline(self, port):
        console = "hvc0" if self.kind == "xen" else "ttyS0"
        vbarg = f"virtio_bounce={self.vb} " if self.vb else ""
        return (f"console={console} panic=-1 loglevel=7 {vbarg}{self.extra} "
                f"vbtest={self.tests} vbport={port} vbsize={SIZE}").strip()

# --------------------------------------------------------------- results


@dataclass
class PoolDump:
    """VBPOOL lines of one device: in_use and (slot_size, chunks, slots_out) rows."""
    in_use: int = -1
    rows: list[tuple[int, int, int]] = field(default_factory=list)


@dataclass
class GuestReport:
    """The VB* lines the guest printed on its console (tests/guest/init)."""
    log: str = ""
    done: bool = False                                  # VBDONE seen
    devs: dict[str, tuple[str, str]] = field(default_factory=dict)  # dev -> (pci id, driver)
    v1: dict[str, str] = field(default_factory=dict)    # dev -> "v1=0|1"
    sums: dict[str, str] = field(default_factory=dict)  # VBSUM name -> sha256
    vals: dict[str, str] = field(default_factory=dict)  # VBVAL name -> value
    stats: dict[str, dict[str, str]] = field(default_factory=dict)  # dev -> debugfs stats
    chunks: list[list[str]] = field(default_factory=list)
    pools: dict[str, dict[str, PoolDump]] = field(default_factory=dict)  # tag -> dev -> dump
    rebinds: list[tuple[str, str, str]] = field(default_factory=list)
    decisions: dict[str, "Decision"] = field(default_factory=dict)
    soak: dict[str, str] = field(default_factory=dict)  # VBSOAK key -> value
    fio: list[tuple[str, str, dict[str, int]]] = field(default_factory=list)  # (phase, job, fields)
    sysfs: dict[str, dict[str, str]] = field(default_factory=dict)  # dev -> virtio_bounce/<file> -> value
    top: list[list[str]] = field(default_factory=list)  # vbtop's output lines, split

    def devs_of(self, what):
        """The virtio devices of one kind (blk, net, rng)."""
        return [d for d, (i, _) in self.devs.items() if DEV_NAMES.get(i) == what]

    def stat(self, dev, key):
        try:
            return int(self.stats[dev][key])
        except (KeyError, ValueError):
            return -1


@dataclass
class Boot(GuestReport):
    """One boot: the guest's report plus what the host sent and got back."""
    name: str = ""
    tests: list[str] = field(default_factory=list)
    wall: float = 0.0
    timed_out: bool = False
    logf: str = ""
    cmd: list[str] = field(default_factory=list)
    pattern_sha: str = ""               # the pattern disk (and net-tx payload)
    disk_sha: str = ""                  # the pattern disk as written (corrupt_at)
    payload_sha: str = ""               # the host's net-rx payload
    payload_len: int = 0
    net_received: bytes | None = None   # what the guest sent to the host
    net_seconds: float | None = None
    net_streams: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)   # soak: got, ok, short, corrupt bytes, sent
    img_sha: tuple[str, str] = ("", "")  # scratch disk halves after the boot
    img: bytes | None = None            # the whole scratch disk, kept when disk_mb was given

    @property
    def finished(self):
        return self.done and not self.timed_out

    def with_tests(self, *more):
        """This boot as if the guest had also run @more (done inside another test)."""
        return dataclasses.replace(self, tests=self.tests + list(more))

# ------------------------------------------------------------ host network


class NetPeer:
    """Host end of the virtio-net test on 127.0.0.1:port (guest sends the
    pattern) and port+1 (host sends its own payload).  With @expect (the
    soak), both ends take connection after connection until close(): every
    stream received is compared with @expect byte for byte (streams,
    streams_ok, corrupt_bytes) and every connection on port+1 gets
    @payload."""

    def __init__(self, payload, timeout, expect=None):
        self.payload = payload
        self.timeout = timeout
        self.expect = expect
        self.received = None
        self.t_first = self.t_last = None
        self.streams = self.streams_ok = self.corrupt_bytes = self.sent = self.short = 0
        self.closing = False
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

    def _listen(self, port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
        s.settimeout(self.timeout)
        return s

    def _rx(self):
        if self.expect is not None:
            return self._loop(self.s1, self._check_stream)
        try:
            c, _ = self.s1.accept()
            c.settimeout(self.timeout)
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

    def _loop(self, sock, serve):
        """Serve connections on @sock one after the other until close()."""
        sock.settimeout(1)
        while not self.closing:
            try:
                c, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                c.settimeout(self.timeout)
                serve(c)
            except OSError:
                pass
            finally:
                c.close()

    def _check_stream(self, c):
        """One stream from the guest against @expect, byte for byte."""
        chunks = []
        while True:
            d = c.recv(1 << 16)
            if not d:
                break
            chunks.append(d)
        got = b"".join(chunks)
        self.streams += 1
        if got == self.expect:
            self.streams_ok += 1
            return
        if len(got) != len(self.expect):
            self.short += 1     # a stream cut off: counted, not as corruption
        n = min(len(got), len(self.expect))
        if got[:n] != self.expect[:n]:
            self.corrupt_bytes += sum(1 for i in range(n) if got[i] != self.expect[i])

    def _send(self, c):
        c.sendall(self.payload)
        self.sent += 1

    def _tx(self):
        if self.expect is not None:
            return self._loop(self.s2, self._send)
        try:
            c, _ = self.s2.accept()
            c.sendall(self.payload)
            c.close()
        except OSError:
            pass

    def seconds(self):
        return (self.t_last - self.t_first) if self.t_first else None

    def close(self):
        self.closing = True
        self.t1.join(2)
        self.t2.join(2)
        self.s1.close()
        self.s2.close()

# ------------------------------------------------------------- guest log


def parse(log):
    """The VB* lines of a console log -> GuestReport."""
    r = GuestReport(log=log, done="VBDONE" in log, decisions=decisions(log))
    # A kernel message printed on the console in the middle of a result
    # line splits it: "VBSUM x 1f00..[    1.91] input: ...\n5b82..".
    # Cut the message out and join the two halves.
    joined = re.sub(r"(VB[A-Z]+ [^\n\[]*)\[\s*\d+\.\d+\] [^\n]*\n", r"\1", log)
    for line in joined.splitlines():
        m = re.search(r"(VB[A-Z]+) (.*)$", line.strip("\r"))
        if m:
            parse_line(r, m.group(1), m.group(2).split())
    return r


def parse_line(r, kind, rest):
    if kind == "VBDEV" and len(rest) >= 3:
        r.devs[rest[0]] = (rest[1], rest[2])
        if len(rest) >= 4:
            r.v1[rest[0]] = rest[3]
    elif kind == "VBSUM" and len(rest) >= 2:
        r.sums[rest[0]] = rest[1]
    elif kind == "VBVAL" and len(rest) >= 2:
        r.vals[rest[0]] = rest[1]
    elif kind == "VBSTAT" and len(rest) >= 3:
        r.stats.setdefault(rest[0], {})[rest[1]] = " ".join(rest[2:])
    elif kind == "VBCHUNK" and len(rest) >= 5:
        r.chunks.append(rest)
    elif kind == "VBPOOL" and len(rest) >= 4:
        parse_pool(r.pools, rest)
    elif kind == "VBSOAK" and len(rest) >= 2:
        r.soak[rest[0]] = rest[1]
    elif kind == "VBFIO" and len(rest) >= 5:
        try:
            r.fio.append((rest[0], rest[1], {k: int(v) for k, v in (x.split("=") for x in rest[2:5])}))
        except ValueError:
            # Not fio's result: a line the console mangled.  Fails the
            # check all the same (nothing verified), saying what it saw.
            r.fio.append((rest[0], rest[1], {"err": -1, "unparsable": " ".join(rest)}))
    elif kind == "VBSYS" and len(rest) >= 2:
        r.sysfs.setdefault(rest[0], {})[rest[1]] = " ".join(rest[2:])
    elif kind == "VBTOP":
        r.top.append(rest)
    elif kind == "VBREBIND" and len(rest) >= 2:
        r.rebinds.append((rest[0], rest[1], rest[2] if len(rest) > 2 else ""))


def parse_pool(pools, rest):
    """VBPOOL TAG DEV in_use N | VBPOOL TAG DEV SLOT_SIZE CHUNKS SLOTS_OUT
    -> pools[TAG][DEV] = PoolDump(in_use=N, rows=[(slot_size, chunks, out)])"""
    try:
        d = pools.setdefault(rest[0], {}).setdefault(rest[1], PoolDump())
        if rest[2] == "in_use":
            d.in_use = int(rest[3])
        elif len(rest) >= 5:
            d.rows.append(tuple(int(x) for x in rest[2:5]))
    except ValueError:
        pass


class Decision(typing.NamedTuple):
    """One device's decision line: "virtio_bounce: virtioN: mode=M
    backend=B direct=yes|no rule=R why=TOKEN: sentence"."""
    mode: str
    backend: str
    direct: str         # yes or no
    why: str            # the sentence (and the 1:1 note, if any)
    rule: str
    token: str = ""     # the short reason, as sysfs why says it


def decisions(log):
    """dev -> Decision from the dmesg lines."""
    out = {}
    for m in re.finditer(r"virtio_bounce: (virtio\d+): mode=(\w+) backend=(\w+) direct=(\w+) rule=(\S+)"
                         r"(?: why=([\w-]+))?: ([^\r\n]*)", log):
        out[m.group(1)] = Decision(m.group(2), m.group(3), m.group(4), m.group(7), m.group(5), m.group(6) or "")
    return out

# ------------------------------------------------------------------ QEMU


def qemu_cmd(cfg, kind, cmdline, disk, pattern, iommu_platform, legacy=False, msix=True,
             smp=2, blk_props=""):
    plat = ",iommu_platform=on,disable-legacy=on" if iommu_platform else ""
    if legacy:          # legacy-only virtio-pci: no VIRTIO_F_VERSION_1
        plat = ",disable-modern=on,disable-legacy=off"
    if not msix:        # INTx only: no per-probe MSI-X vectors
        plat += ",vectors=0"
    cmd = ["qemu-system-x86_64", "-nodefaults", "-nographic", "-no-reboot",
           "-accel", cfg.accel, "-smp", str(smp), "-serial", "stdio", "-display", "none"] + list(cfg.qemu_extra)
    kernel = cfg.kernel
    if kind == "iommu":
        cmd += ["-machine", "q35", "-device", "intel-iommu,intremap=off"]
    if kind == "debug":
        # The lane's soak debug kernel (KASAN, lockdep, DMA_API_DEBUG,
        # PREEMPT_RT); no ACPI: qboot's MP table gives it both CPUs.
        cmd += ["-machine", "pc", "-bios", "qboot.rom"]
        kernel = cfg.debug_kernel
    if kind == "xen":
        # -cpu max crashes a PV dom0 under TCG; qemu64 boots it.  Xen's
        # UART falls back to polling under TCG ("uart interrupt taking
        # more than 4ms") and, when its 16 KiB transmit buffer fills,
        # drops characters until half of it drained: dom0's lines (our
        # VB* results among them) lost bytes in a CI run.  1 MiB holds
        # a whole run's console.
        cmd += ["-cpu", "qemu64", "-m", "1536",
                "-kernel", cfg.xen,
                "-append", "console=com1 com1=115200,8n1 serial_tx_buffer=1M "
                           "dom0_mem=768M,max:768M "
                           "loglvl=all guest_loglvl=all dom0_max_vcpus=2 noreboot=false",
                "-initrd", f"{cfg.kernel} {cmdline.replace(',', ',,')},{cfg.initrd}"]
    else:
        cmd += ["-cpu", "max" if cfg.accel == "tcg" else "host", "-m", "768",
                "-kernel", kernel, "-initrd", cfg.initrd, "-append", cmdline]
    cmd += ["-drive", f"if=none,id=d0,file={disk},format=raw,cache=writeback",
            "-device", f"virtio-blk-pci,drive=d0,addr=0x4{plat}{blk_props}",
            "-drive", f"if=none,id=d1,file={pattern},format=raw,readonly=on",
            "-device", f"virtio-blk-pci,drive=d1,addr=0x5{plat}",
            "-netdev", "user,id=n0,net=10.0.2.0/24,restrict=off",
            "-device", f"virtio-net-pci,netdev=n0,addr=0x6{plat}",
            "-device", f"virtio-rng-pci,addr=0x7{plat}"]
    return cmd


def monitor(sock, cmds):
    """The QEMU monitor's answers to @cmds on the unix socket @sock."""
    out = b""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(0.5)
            s.connect(sock)
            for c in [""] + cmds:
                if c:
                    s.sendall(c.encode() + b"\n")
                time.sleep(0.5)
                try:
                    while True:
                        d = s.recv(1 << 16)
                        if not d:
                            break
                        out += d
                except OSError:
                    pass
    except OSError as e:
        out += f"monitor: {e}\n".encode()
    return out.decode("utf-8", "replace")


def symbolize(text, kernel):
    """RIP=... in @text -> 'RIP ADDR is SYMBOL+OFF', from the System.map next
    to @kernel's object directory (arch/x86/boot/bzImage)."""
    smap = os.path.join(os.path.dirname(kernel), "..", "..", "..", "System.map")
    try:
        syms = sorted((int(a, 16), n) for a, t, n in (l.split()[:3] for l in open(smap))
                      if t in "tTwW")
    except (OSError, ValueError):
        return ""
    addrs = [a for a, _ in syms]
    out = []
    for rip in re.findall(r"RIP=([0-9a-f]{16})", text):
        i = bisect.bisect_right(addrs, int(rip, 16)) - 1
        if i >= 0:
            out.append(f"RIP {rip} is {syms[i][1]}+{int(rip, 16) - addrs[i]:#x}")
    return "\n".join(out)


def run_qemu(cmd, logf, timeout, mon=None, kernel=""):
    """Run @cmd with its console in @logf: (log text, seconds, timed out).
    On a timeout, the vCPUs' state from the monitor socket @mon (where the
    guest hung: registers and, for the kernel's addresses, symbols) is
    appended to the log as VBHANG lines before QEMU is killed."""
    t0 = time.time()
    with open(logf, "wb") as lf:
        p = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            p.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            if mon:
                st = monitor(mon, ["stop", "info cpus", "info registers -a"])
                st += "\n" + symbolize(st, kernel)
                lf.write(("\n" + "\n".join("VBHANG " + l for l in st.splitlines()) + "\n").encode())
                lf.flush()
            p.kill()
            p.wait()
    wall = time.time() - t0
    if mon and os.path.exists(mon):
        os.unlink(mon)
    with open(logf, "rb") as lf:
        return lf.read().decode("utf-8", "replace"), wall, timed_out


def boot(cfg, opts):
    """Boot once with a fresh random pattern disk, an empty scratch disk and
    a host net peer; return the guest's report and the host's view (Boot)."""
    os.makedirs(cfg.workdir, exist_ok=True)
    rnd = random.Random(opts.name + str(time.time()))
    # per scenario, like the scratch disk: two runs that share a work
    # directory (make soak beside make bench, say) must not rewrite the
    # pattern under each other's guest
    pattern = os.path.join(cfg.workdir, f"{opts.name}.pattern.img")
    pbytes = rnd.randbytes(SIZE)
    dbytes = pbytes
    if opts.corrupt_at >= 0:
        at = opts.corrupt_at
        dbytes = pbytes[:at] + bytes([pbytes[at] ^ 0x01]) + pbytes[at + 1:]
    with open(pattern, "wb") as f:
        f.write(dbytes)
    disk = os.path.join(cfg.workdir, f"{opts.name}.disk.img")
    with open(disk, "wb") as f:
        f.truncate((opts.disk_mb << 20) if opts.disk_mb else 2 * SIZE)
    payload = rnd.randbytes(SIZE // 2)
    timeout = opts.timeout or cfg.timeout
    peer = NetPeer(payload, cfg.timeout, expect=pbytes if opts.soak else None)
    if opts.initrd:
        cfg = dataclasses.replace(cfg, initrd=opts.initrd)
    cmd = qemu_cmd(cfg, opts.kind, opts.cmdline(peer.port), disk, pattern,
                   opts.iommu_platform, opts.legacy, opts.msix, opts.smp, opts.blk_props)
    logf = os.path.join(cfg.workdir, f"{opts.name}.log")
    # A monitor socket to read the vCPUs' state from if the guest hangs
    # (unix socket paths are short: a temporary directory's).
    mon = os.path.join(tempfile.gettempdir(), f"vbmon-{os.getpid()}-{opts.name}.sock")
    if os.path.exists(mon):
        os.unlink(mon)
    cmd = cmd + ["-monitor", f"unix:{mon},server,nowait"]
    log, wall, timed_out = run_qemu(cmd, logf, timeout, mon, cfg.kernel if opts.kind != "debug" else cfg.debug_kernel)
    peer.close()
    with open(disk, "rb") as f:
        img = f.read()
    os.unlink(disk)
    os.unlink(pattern)
    r = Boot(**vars(parse(log)), name=opts.name, tests=opts.tests.split("+"), wall=wall,
             timed_out=timed_out, logf=logf, cmd=cmd, pattern_sha=sha(pbytes),
             disk_sha=sha(dbytes),
             payload_sha=sha(payload), payload_len=len(payload),
             net_received=peer.received, net_seconds=peer.seconds(),
             net_streams=(peer.streams, peer.streams_ok, peer.short, peer.corrupt_bytes, peer.sent),
             img_sha=(sha(img[:SIZE]), sha(img[SIZE:2 * SIZE])),
             img=img if opts.disk_mb else None)
    if not opts.quiet:
        print(f"  [{opts.name}] {opts.kind} boot, {wall:.1f}s, log {os.path.relpath(logf, TOP)}", flush=True)
    return r
