#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instruction-level profile of one DMA map and one unmap, per function.

Boots the patched kernel under QEMU/TCG with its gdb stub, lets
kernel/dma/virtio_dma_bench map and unmap a few buffers of SIZE bytes
through the scratch disk's DMA device, and single-steps the last
map and unmap call of the benchmark thread (7.3: virtqueue_map_single_attrs()
and virtqueue_unmap_single_attrs(); 6.12: dma_map_page_attrs() and
dma_unmap_page_attrs()), from entry to return, counting the instructions
executed in each function (ELF symbols of the lane's vmlinux, VB_LANE; interrupts are held off while
stepping).  Deterministic: the same kernel and mode give the same counts.

  vb_profile.py [--size 512] [--dir to_dev|from_dev] [--modes direct,vb-on,vb-force,swiotlb]
                [--out FILE.md]

Modes as in benchmarks/run.py (virtio devices with ACCESS_PLATFORM).
Needs gdb and build/initramfs-bench.cpio.gz (make bench builds it).
"""
import argparse
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "scripts"))
import vbqemu  # noqa: E402

MODES = {"direct": ("off", ""), "vb-on": ("on", ""), "vb-force": ("force", ""),
         "swiotlb": ("off", "swiotlb=force")}

# Runs inside gdb (gdb -batch -x this): writes "fn count" lines per phase.
GDB_SCRIPT = r'''
import gdb, collections
out = open(OUTFILE, "w")
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("target remote 127.0.0.1:%d" % PORT)
def sym(pc):
    s = gdb.execute("info symbol 0x%x" % pc, to_string=True)
    return s.split()[0] if not s.startswith("No symbol") else "?"
def caller_is_bench():
    rsp = int(gdb.parse_and_eval("$rsp"))
    ret = int(gdb.parse_and_eval("*(unsigned long *)0x%x" % rsp))
    return ret, rsp, sym(ret) == "vdb_fn"
def profile(fn, skip):
    gdb.execute("hbreak %s" % fn, to_string=True)
    seen = 0
    while True:
        gdb.execute("continue", to_string=True)
        ret, rsp, ok = caller_is_bench()
        if not ok:
            continue
        seen += 1
        if seen > skip:
            break
    gdb.execute("delete", to_string=True)
    hist = collections.Counter()
    order = []
    n = 0
    while True:
        pc = int(gdb.parse_and_eval("$pc"))
        if pc == ret and int(gdb.parse_and_eval("$rsp")) > rsp:
            break
        f = sym(pc)
        if f not in hist:
            order.append(f)
        hist[f] += 1
        n += 1
        if n > 200000:
            break
        gdb.execute("stepi", to_string=True)
    for f in order:
        out.write("%s %s %d\n" % (fn, f, hist[f]))
    out.write("%s TOTAL %d\n" % (fn, n))
    out.flush()
gdb.execute("maint packet Qqemu.sstep=0x7", to_string=True)
gdb.execute("hbreak vdb_fn", to_string=True)
gdb.execute("continue", to_string=True)
gdb.execute("delete", to_string=True)
profile(MAP_FN, 6)
profile(UNMAP_FN, 2)
out.close()
gdb.execute("kill")
'''


def phases(cfg):
    """The calls the benchmark makes per map and unmap: on 7.3 the virtio
    core's (a driver premapping), on 6.12 the DMA API's."""
    if cfg.map_ops:
        return ("virtqueue_map_single_attrs", "virtqueue_unmap_single_attrs")
    return ("dma_map_page_attrs", "dma_unmap_page_attrs")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run_mode(mode, size, d, workdir):
    vb, extra = MODES[mode]
    port = free_port()
    pattern = os.path.join(workdir, "pattern.img")
    disk = os.path.join(workdir, "disk.img")
    for f in (pattern, disk):
        with open(f, "wb") as fh:
            fh.truncate(16 << 20)
    cmdline = (f"console=ttyS0 panic=-1 loglevel=4 nokaslr virtio_bounce={vb} {extra} "
               f"vbtest=bench vbbench=profile vbprofsize={size} vbprofdir={d} vbport=1 vbsize=8388608")
    cfg = vbqemu.BootConfig.from_env(initrd=os.path.join(vbqemu.B, "initramfs-bench.cpio.gz"),
                                     qemu_extra=("-gdb", f"tcp:127.0.0.1:{port}", "-S"))
    cmd = vbqemu.qemu_cmd(cfg, "plain", cmdline, disk, pattern, True)
    # no user networking needed: drop the netdev and its device
    i = cmd.index("-netdev")
    del cmd[i:i + 4]
    log = open(os.path.join(workdir, f"{mode}.log"), "wb")
    q = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    res = os.path.join(workdir, f"{mode}.prof")
    script = os.path.join(workdir, "prof.py")
    with open(script, "w") as f:
        f.write(f"OUTFILE = {res!r}\nPORT = {port}\nMAP_FN = {phases(cfg)[0]!r}\n"
                f"UNMAP_FN = {phases(cfg)[1]!r}\n" + GDB_SCRIPT)
    time.sleep(1)
    try:
        vmlinux = os.path.join(os.path.dirname(cfg.kernel), "../../../vmlinux")
        subprocess.run(["gdb", "-q", "-batch", "-nx", "-ex", f"file {os.path.normpath(vmlinux)}",
                        "-x", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, timeout=900)
    finally:
        q.kill()
        q.wait()
    prof = collections.defaultdict(list)
    if os.path.exists(res):
        for line in open(res):
            phase, fn, n = line.split()
            prof[phase].append((fn, int(n)))
    return prof


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--dir", choices=("to_dev", "from_dev"), default="to_dev")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--out", help="also write the tables to this markdown file")
    a = ap.parse_args()
    d = "1" if a.dir == "to_dev" else "2"
    cfg = vbqemu.BootConfig.from_env()
    ph = phases(cfg)
    md = [f"# instructions per call, {a.size} B {a.dir} (gdb single-step, QEMU/TCG)\n",
          f"lane {cfg.lane}; command: `tools/perf-scripts/vb_profile.py {' '.join(sys.argv[1:])}`\n"]
    with tempfile.TemporaryDirectory() as w:
        for mode in a.modes.split(","):
            prof = run_mode(mode, a.size, d, w)
            for phase in ph:
                rows = prof.get(phase, [])
                tot = dict(rows).get("TOTAL", 0)
                md.append(f"## {mode}: {phase}: {tot} instructions\n")
                md.append("| function | instructions |\n|---|---|")
                for fn, n in rows:
                    if fn != "TOTAL":
                        md.append(f"| {fn} | {n} |")
                md.append("")
            tot = [dict(prof.get(p, [])).get("TOTAL") for p in ph]
            print(f"{mode}: map {tot[0]} unmap {tot[1]}", flush=True)
    text = "\n".join(md) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
