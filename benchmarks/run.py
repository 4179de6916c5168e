#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""virtio_bounce benchmarks: boot after boot in one run, same machine.

Modes (QEMU/TCG, virtio devices with ACCESS_PLATFORM so that the stock
kernel uses the DMA API and swiotlb=force really bounces):
  direct    virtio_bounce=off                (stock dma-direct)
  vb-on     virtio_bounce=on                 (our 1:1 path)
  vb-force  virtio_bounce=force              (our bounce path)
  swiotlb   virtio_bounce=off swiotlb=force  (stock swiotlb)
and under Xen 4.17 (PV dom0):
  xen-swiotlb   virtio_bounce=off  (stock swiotlb-xen)
  xen-vb-on     virtio_bounce=on
  xen-vb-force  virtio_bounce=force

The first boot of each mode runs kernel/dma/virtio_dma_bench (map+unmap
through the ops installed on the scratch disk's PCI function, batch
timing, every batch reported) and fio on that disk; virtio-net throughput
comes from the guest sending 8 MiB to the host (127.0.0.1).  Then
--rounds - 1 more rounds boot every mode again in turn for fio only
(A B C .. A B C ..), so that each mode's fio figures are medians over
rounds and each ratio is a median of per-round ratios.  Every boot ends
with a pass that counts bytes copied per byte of I/O, both sides of every
bounce (tests/guest/vbbench.sh).

  benchmarks/run.py [--quick] [--rounds N] [--out DIR] [--modes m1,m2,...]
  benchmarks/run.py --icount [--modes direct,vb-on,vb-force,swiotlb]
  benchmarks/run.py --render-micro [--out DIR]   (micro tables from DIR/raw)

Writes DIR/results.md (tables, ratios, goals), DIR/*.png and DIR/raw/.
With --icount, QEMU runs with -icount shift=0 (one guest ns is one
instruction), only the micro benchmark runs, and DIR/icount.md gets
instructions per map and per unmap (deterministic, unlike TCG time).
"""
import argparse
import dataclasses
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts"))
import lanes  # noqa: E402
import vbqemu  # noqa: E402
from vbqemu import BootConfig, BootOptions  # noqa: E402


@dataclass(frozen=True)
class Mode:
    kind: str       # plain or xen
    vb: str         # virtio_bounce=
    extra: str = ""  # more kernel parameters


MODES = {
    "direct": Mode("plain", "off"),
    "vb-on": Mode("plain", "on"),
    "vb-force": Mode("plain", "force"),
    "swiotlb": Mode("plain", "off", "swiotlb=force"),
    "xen-swiotlb": Mode("xen", "off"),
    "xen-vb-on": Mode("xen", "on"),
    "xen-vb-force": Mode("xen", "force"),
}
PLAIN_MODES = ["direct", "vb-on", "vb-force", "swiotlb"]
XEN_MODES = ["xen-swiotlb", "xen-vb-on", "xen-vb-force"]
DIRS = {"1": "to_dev", "2": "from_dev"}
FIO_JOBS = ["randread-4k-qd32", "read-64k-qd4", "write-64k-qd4"]
# The mode each one is compared with in the end-to-end table.
REFERENCE = {"vb-on": "direct", "vb-force": "swiotlb",
             "xen-vb-on": "xen-swiotlb", "xen-vb-force": "xen-swiotlb"}


@dataclass
class Micro:
    """virtio_dma_bench batches of one (size, dir, threads), ns per op.

    A batch whose map or unmap time reads 0 did not measure anything (the
    guest clock stood still, or the run failed before it): it is never a
    time.  If any batch of a run reads 0, the clock was too coarse for the
    batch and the others are quantized too, so the run has no time (med
    is None) and the table says why.
    """
    med: float | None   # map+unmap
    p10: float | None
    p90: float | None
    map: float | None
    unmap: float | None
    n: int          # batches
    zero: int = 0   # batches that read 0 ns
    failed: bool = False


@dataclass
class Fio:
    mbps: float
    iops: float


@dataclass
class ModeResult:
    name: str
    ok: bool = False                    # booted and net data intact
    micro: dict[tuple[int, str, int], Micro] = field(default_factory=dict)
    fio: dict[str, Fio | None] = field(default_factory=dict)
    fio_rounds: list = field(default_factory=list)   # fio of each round's boot
    copy: dict = field(default_factory=dict)         # the copy pass's VBVALs
    copy_rounds: list = field(default_factory=list)
    net: float | None = None            # net tx MiB/s
    wall: float = 0.0
    stats: dict[str, str] = field(default_factory=dict)
    dec: dict = field(default_factory=dict)


def pct(v, p):
    v = sorted(v)
    k = (len(v) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def parse_micro(log):
    """(size, dir, threads) -> Micro."""
    batches, failed = {}, set()
    for m in re.finditer(r"VBMB (\d+) (\d) (\d+) summary .* failed=(\d+)", log):
        if int(m.group(4)):
            failed.add((int(m.group(1)), m.group(2), int(m.group(3))))
    for m in re.finditer(r"VBMB (\d+) (\d) (\d+) batch (\d+) (\d+) (\d+)", log):
        key = (int(m.group(1)), m.group(2), int(m.group(3)))
        batches.setdefault(key, []).append((int(m.group(5)) / 1000.0, int(m.group(6)) / 1000.0))
    out = {}
    for key, b in batches.items():
        zero = sum(1 for a, u in b if a == 0 or u == 0)
        if zero or key in failed:
            out[key] = Micro(None, None, None, None, None, n=len(b), zero=zero,
                             failed=key in failed)
            continue
        tot = [a + u for a, u in b]
        out[key] = Micro(med=statistics.median(tot), p10=pct(tot, 10), p90=pct(tot, 90),
                         map=statistics.median([a for a, _ in b]),
                         unmap=statistics.median([u for _, u in b]), n=len(b))
    return out


def micro_cell(d):
    """A table cell: the median and spread, or why there is no time."""
    if not d:
        return "-"
    if d.failed:
        return f"failed ({d.zero} of {d.n} batches not run)"
    if d.med is None:
        return f"no time ({d.zero} of {d.n} batches read 0 ns)"
    return f"{d.med:.0f} ({d.p10:.0f}..{d.p90:.0f})"


def parse_fio(log):
    out = {}
    log = log.replace("\r", "")
    for m in re.finditer(r"VBFIO-BEGIN (\S+)\n(.*?)VBFIO-END", log, re.S):
        txt = m.group(2)
        try:
            j = json.loads(txt[txt.index("{"):txt.rindex("}") + 1])
            job = j["jobs"][0]
            rw = "write" if "write" in m.group(1) else "read"
            out[m.group(1)] = Fio(mbps=job[rw]["bw"] / 1024.0, iops=job[rw]["iops"])
        except (ValueError, KeyError, IndexError):
            out[m.group(1)] = None
    return out


def copy_vals(r):
    """The copy pass of one boot (tests/guest/vbbench.sh copies())."""
    return {k[5:]: v for k, v in r.vals.items() if k.startswith("copy-")}


def copy_ratio(c):
    """Bytes copied per byte of I/O in one copy pass; None when unknown."""
    try:
        io = int(c["io-bytes"])
        vb = int(c.get("vb-bytes", 0))
        sw = int(c.get("swiotlb-bytes", 0)) + int(c.get("swiotlb-back-bytes", 0))
        lost = c.get("trace-lost", "0")
    except (KeyError, ValueError):
        return None
    if lost != "0" or any(k.startswith("fio-failed") for k in c) or not io:
        return None
    return (vb + sw) / io


def run_mode(cfg, name, level, raw):
    """Boot once in mode @name with vbbench=@level; keep the log in @raw."""
    spec = MODES[name]
    r = vbqemu.boot(cfg, BootOptions(f"bench-{name}", kind=spec.kind, vb=spec.vb,
                                     extra=(spec.extra + f" vbbench={level}").strip(),
                                     tests="bench" if level == "icount" else "net+bench",
                                     iommu_platform=spec.kind == "plain"))
    with open(os.path.join(raw, f"{name}.log"), "w") as f:
        f.write(r.log)
    vda = next(iter(sorted(r.devs_of("blk"))), None)
    st = r.stats.get(vda, {})
    net = (vbqemu.SIZE / r.net_seconds / 2**20) if r.net_seconds else None
    ok = r.done and r.net_received is not None and vbqemu.same_digest(
        r.pattern_sha, vbqemu.sha(r.net_received))
    fio = parse_fio(r.log)
    copy = copy_vals(r)
    return ModeResult(name=name, ok=ok, micro=parse_micro(r.log), fio=fio, fio_rounds=[fio],
                      copy=copy, copy_rounds=[copy], net=net, wall=r.wall, stats=st,
                      dec=r.decisions)


def fio_round(cfg, name, rnd, raw, res):
    """One more fio-only boot of mode @name (round @rnd) into @res."""
    spec = MODES[name]
    r = vbqemu.boot(cfg, BootOptions(f"bench-{name}-r{rnd}", kind=spec.kind, vb=spec.vb,
                                     extra=(spec.extra + " vbbench=fio").strip(),
                                     tests="bench", iommu_platform=spec.kind == "plain"))
    with open(os.path.join(raw, f"{name}.round{rnd}.log"), "w") as f:
        f.write(r.log)
    res.fio_rounds.append(parse_fio(r.log))
    res.copy_rounds.append(copy_vals(r))
    res.ok = res.ok and r.done


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def fmt(v, spec="{:.0f}"):
    return spec.format(v) if v is not None else "-"


def micro_of(res, mode, key):
    return res[mode].micro.get(key) if mode in res else None

# ------------------------------------------------------------ results.md


def qemu_version():
    return subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                          text=True).stdout.splitlines()[0]


def now():
    return time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())


def command(args):
    return " ".join(["benchmarks/run.py"] + args)


def header(res, out, cfg, quick, args):
    """The run's date, host, versions and command line."""
    first = next(iter(res.values()))
    with open(os.path.join(out, "raw", first.name + ".log")) as f:
        m = re.search(r"Linux version (\S+)", f.read())
    kver = m.group(1) if m else "?"
    xv = os.path.join(os.path.dirname(cfg.xen), "version")
    xen = open(xv).read().strip() if os.path.exists(xv) else "-"
    seam = "virtio_map_ops" if cfg.map_ops else "dma_map_ops"
    return ["# virtio_bounce benchmark results\n",
            f"- lane: {cfg.lane} ({seam})",
            f"- date: {now()}",
            f"- host: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs; {qemu_version()}, accel {cfg.accel}",
            f"- guest kernel: Linux {kver} (configs/base.config), 2 vCPUs; Xen: {xen}",
            f"- command: `{command(args)}`" + (" (quick matrix)" if quick else ""),
            "- all figures measured side by side in this run; medians over batches "
            "(each batch times up to 64 maps then their unmaps), spread = p10..p90.",
            "- under TCG every memcpy is emulated: copy-heavy paths look far worse than on hardware.\n"]


def micro_table(res, modes, against, title, goal):
    """ns per map+unmap of @modes, with the ratios @against = [(a, b)]."""
    modes = [m for m in modes if m in res]
    keys = sorted({k for m in modes for k in res[m].micro})
    if not keys:
        return []
    md = [f"## {title}\n", goal + "\n",
          "| size | dir | threads | " + " | ".join(f"{m} ns (p10..p90)" for m in modes) +
          " | " + " | ".join(f"{a}/{b}" for a, b in against) + " |",
          "|" + "---|" * (3 + len(modes) + len(against))]
    for k in keys:
        cells = [micro_cell(res[m].micro.get(k)) for m in modes]
        rat = []
        for a, b in against:
            da, db = micro_of(res, a, k), micro_of(res, b, k)
            rat.append(ratio(da.med, db.med) if da and db and da.med and db.med else "-")
        md.append(f"| {k[0]} | {DIRS[k[1]]} | {k[2]} | " + " | ".join(cells) + " | " + " | ".join(rat) + " |")
    return md + [""]


def micro_tables(res, lane):
    xen = lanes.get(lane).xen                       # the lane's Xen (scripts/lanes.tsv)
    return micro_table(
        res, PLAIN_MODES, [("vb-on", "direct"), ("vb-force", "swiotlb")],
        "map+unmap, ns per operation (QEMU/TCG)",
        "Goals (not asserts): vb-on/direct <= 1.05x; vb-force/swiotlb <= 1.0x at 4 KiB and "
        "64 KiB and <= 0.5x at 64-512 B.") + micro_table(
        res, XEN_MODES, [("xen-vb-on", "xen-swiotlb"), ("xen-vb-force", "xen-swiotlb")],
        f"map+unmap under Xen {xen} PV dom0, ns per operation",
        "Goal (not an assert): virtio_bounce no slower than swiotlb-xen. Like-for-like is "
        "xen-vb-on/xen-swiotlb: both hand machine-contiguous buffers to the device and bounce "
        "only the rest (the benchmark's buffers are contiguous, so neither copies). "
        "xen-vb-force always copies; its slots stop at 256 KiB, so 1 MiB maps fail by design "
        "(`-`), and a batch of large maps that outruns the pool (it cannot grow in the map path "
        "under Xen) waits for the grow worker.")


def scaling_table(res):
    """Two threads' throughput relative to one thread's."""
    sc = []
    for mname in [m for m in PLAIN_MODES if m in res]:
        micro = res[mname].micro
        for k, d in micro.items():
            if k[2] == 2 and (k[0], k[1], 1) in micro and d.med and micro[(k[0], k[1], 1)].med:
                sc.append((mname, k[0], k[1], 2 * micro[(k[0], k[1], 1)].med / d.med))
    if not sc:
        return []
    md = ["## two threads: throughput relative to one thread\n",
          "| mode | size | dir | 2T/1T |\n|---|---|---|---|"]
    md += [f"| {mname} | {size} | {DIRS[d]} | {v:.2f}x |" for mname, size, d, v in sorted(sc)]
    return md + [""]


def fio_of(rounds, job):
    """MiB/s of @job in each round that has it."""
    return [f[job].mbps for f in rounds if f.get(job)]


def med_spread(v, spec="{:.1f}"):
    """median (min..max) of @v, or '-'."""
    if not v:
        return "-"
    return (spec.format(statistics.median(v)) +
            (f" ({spec.format(min(v))}..{spec.format(max(v))})" if len(v) > 1 else ""))


def versus(res, r, ref):
    """fio throughput of @r relative to mode @ref, per job: the median of
    the per-round ratios (a round's two boots ran one after the other)."""
    if not ref or ref not in res:
        return "-"
    parts = []
    for j in FIO_JOBS:
        rat = [a[j].mbps / b[j].mbps for a, b in zip(r.fio_rounds, res[ref].fio_rounds)
               if a.get(j) and b.get(j) and b[j].mbps]
        if rat:
            parts.append(f"{j.split('-')[0]} {med_spread(rat, '{:.2f}x')}")
    return f"vs {ref}: " + ", ".join(parts) if parts else "-"


def copies_cell(r):
    """Bytes copied per byte of fio I/O, median over the boots' copy passes."""
    v = [copy_ratio(c) for c in r.copy_rounds]
    known = [x for x in v if x is not None]
    if not known:
        return "unknown" if r.copy_rounds else "-"
    cell = med_spread(known, "{:.2f}")
    return cell + (f" ({len(v) - len(known)} pass(es) unknown)" if len(known) < len(v) else "")


def e2e_table(res):
    """fio, virtio-net and bytes copied per mode."""
    rounds = max((len(r.fio_rounds) for r in res.values()), default=0)
    md = ["## end to end: fio on virtio-blk, virtio-net, bytes copied\n",
          "Goal (not an assert): under Xen, virtio_bounce >= 1.0x swiotlb-xen throughput with no more bytes copied.\n",
          f"fio MiB/s: median (min..max) over {rounds} boot(s) per mode, the modes booted in turn "
          "round after round (A B C .. A B C ..); ratios: median (min..max) of the per-round ratios.\n",
          "| mode | data ok | " + " | ".join(f"{j} MiB/s" for j in FIO_JOBS) +
          " | net tx MiB/s | bytes copied per byte of I/O | vs reference |",
          "|" + "---|" * (5 + len(FIO_JOBS))]
    for mname in [m for m in MODES if m in res]:
        r = res[mname]
        cells = [med_spread(fio_of(r.fio_rounds, j)) for j in FIO_JOBS]
        md.append(f"| {mname} | {'yes' if r.ok else 'NO'} | " + " | ".join(cells) +
                  f" | {fmt(r.net, '{:.1f}')} | {copies_cell(r)} | {versus(res, r, REFERENCE.get(mname))} |")
    md.append("")
    md.append("Bytes copied per byte of I/O: after the timed fio, each boot runs the same three jobs "
              "over 16 MiB each, untimed, and counts every byte a bounce copies, both sides: "
              "virtio_bounce's sysfs `bytes_to_device + bytes_from_device` of the disk, plus what "
              "swiotlb or swiotlb-xen copied, from tracepoints (`swiotlb:swiotlb_bounced` and the "
              "DMA core's map/unmap events: the copy in at map, for every direction, and the copy "
              "back at unmap for FROM_DEVICE/BIDIRECTIONAL). A bounce of every byte in and of "
              "every read byte back gives about 1.67 for this mix (all 48 MiB in, the 32 MiB read "
              "back); 0 means nothing bounced. "
              "`unknown`: the trace buffer lost events, or a copy-pass fio failed.")
    return md


def render_micro(out):
    """Redo the micro and scaling tables of DIR/results.md from DIR/raw."""
    res = micro_from_raw(out)
    path = os.path.join(out, "results.md")
    old = open(path).read()
    head = "\n".join(ln for ln in old.partition("\n## ")[0].split("\n")
                     if not ln.startswith("- micro tables re-rendered"))
    tail = old[old.index("## end to end"):] if "## end to end" in old else ""
    note = (f"- micro tables re-rendered from raw/ on {now()} by `benchmarks/run.py "
            "--render-micro`: a batch that read 0 ns is no longer taken as a time.")
    md = [head.rstrip("\n"), note, ""] + micro_tables(res, lanes.get(os.environ.get("VB_LANE")).name) + scaling_table(res)
    with open(path, "w") as f:
        f.write("\n".join(md) + "\n" + tail)
    plot(res, out)
    print(open(path).read())
    return 0


def write_md(out, name, md):
    with open(os.path.join(out, name), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


def write_results(res, out, cfg, quick, args):
    """DIR/results.md and the plots."""
    md = header(res, out, cfg, quick, args) + micro_tables(res, cfg.lane) + scaling_table(res) + e2e_table(res)
    plot(res, out)
    write_md(out, "results.md", md)

# ------------------------------------------------------------- icount.md


def icount_row(res, modes, k):
    cells, tot = [], {}
    for m in modes:
        d = res[m].micro.get(k)
        if d and d.med is not None:
            tot[m] = d.med
            cells.append(f"{d.map:.0f} / {d.unmap:.0f} ({d.med:.0f}, {d.p10:.0f}..{d.p90:.0f})")
        else:
            cells.append("-")
    delta = f"{tot['vb-on'] - tot['direct']:+.0f}" if "vb-on" in tot and "direct" in tot else "-"
    return (f"| {k[0]} | {DIRS[k[1]]} | " + " | ".join(cells) + f" | {delta} | "
            f"{ratio(tot.get('vb-on'), tot.get('direct'))} | {ratio(tot.get('vb-force'), tot.get('swiotlb'))} |")


def write_icount(res, out, args, cfg):
    """Instructions per map and per unmap (QEMU -icount shift=0)."""
    seam = "virtio_map_ops" if cfg.map_ops else "dma_map_ops"
    md = ["# virtio_bounce: instructions per DMA map and unmap\n",
          f"- lane: {cfg.lane} ({seam}); kernel `{os.path.relpath(cfg.kernel, TOP)}`",
          f"- date: {now()}; {qemu_version()}, TCG with `-icount shift=0`",
          f"- command: `{command(args)}`",
          "- with `-icount shift=0` the guest clock advances one ns per executed guest "
          "instruction, so the benchmark's ns per operation are instructions per operation: "
          "deterministic, unlike TCG wall time. Medians over 15 batches of up to 64 maps then "
          "their unmaps; spread p10..p90. Copies run the kernel's memcpy (`memcpy_orig`, a "
          "loop of moves, on this CPU model): about 210 instructions for 512 B, the same on "
          "both sides of each bounce ratio (see profile-*.md).\n"]
    keys = sorted({k for r in res.values() for k in r.micro})
    modes = [m for m in PLAIN_MODES if m in res]
    md.append("| size | dir | " + " | ".join(f"{m} map / unmap (total, p10..p90)" for m in modes) +
              " | vb-on - direct | vb-on/direct | vb-force/swiotlb |")
    md.append("|" + "---|" * (5 + len(modes)))
    md += [icount_row(res, modes, k) for k in keys]
    md.append("")
    write_md(out, "icount.md", md)

# ----------------------------------------------------------------- plots


def plot(res, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plots (make deps installs python3-matplotlib)")
        return
    for group, modes in (("micro", PLAIN_MODES), ("micro-xen", XEN_MODES)):
        have = [m for m in modes if m in res and res[m].micro]
        if not have:
            continue
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
        for ax, d in zip(axes, ("1", "2")):
            for m in have:
                ks = sorted(k for k in res[m].micro
                            if k[1] == d and k[2] == 1 and res[m].micro[k].med is not None)
                xs = [k[0] for k in ks]
                ys = [res[m].micro[k].med for k in ks]
                lo = [res[m].micro[k].med - res[m].micro[k].p10 for k in ks]
                hi = [res[m].micro[k].p90 - res[m].micro[k].med for k in ks]
                ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=m)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel("mapping size (bytes)")
            ax.set_title(f"map+unmap, {DIRS[d]}, 1 thread")
            ax.grid(True, alpha=0.3)
        axes[0].set_ylabel("ns per op (median, p10..p90)")
        axes[0].legend()
        fig.tight_layout()
        fig.savefig(os.path.join(out, f"{group}.png"), dpi=90)
        plt.close(fig)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small matrix (3 sizes, 1 thread, short fio)")
    ap.add_argument("--out", default=os.path.join(TOP, "benchmarks", "results",
                                                  lanes.get(os.environ.get("VB_LANE")).name),
                    help="results directory (default benchmarks/results/$VB_LANE)")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--icount", action="store_true",
                    help="count instructions instead of time (QEMU -icount shift=0): micro only, "
                         "plain modes, writes DIR/icount.md")
    ap.add_argument("--plot-only", action="store_true",
                    help="redraw the plots from DIR/raw/*.log without booting")
    ap.add_argument("--render-micro", action="store_true",
                    help="redo DIR/results.md's micro tables from DIR/raw/*.log without booting")
    ap.add_argument("--rounds", type=int, default=None,
                    help="boots per mode for fio (default 3; 1 with --quick)")
    return ap.parse_args(argv)


def micro_from_raw(out):
    """Each mode's micro benchmark from DIR/raw/MODE.log, without booting."""
    res = {}
    for m in MODES:
        f = os.path.join(out, "raw", m + ".log")
        if os.path.exists(f):
            res[m] = ModeResult(name=m, micro=parse_micro(open(f, errors="replace").read()))
    return res


def plot_only(out):
    plot(micro_from_raw(out), out)
    return 0


def main(argv=None):
    a = parse_args(argv)
    args = sys.argv[1:] if argv is None else argv
    if a.plot_only:
        return plot_only(a.out)
    if a.render_micro:
        return render_micro(a.out)
    cfg = BootConfig.from_env(initrd=os.path.join(vbqemu.B, "initramfs-bench.cpio.gz"))
    raw = os.path.join(a.out, "raw")
    level = "quick" if a.quick else "full"
    modes = a.modes.split(",")
    if a.icount:
        cfg = dataclasses.replace(cfg, qemu_extra=("-icount", "shift=0"))
        level = "icount"
        raw = os.path.join(raw, "icount")
        if a.modes == ",".join(MODES):
            modes = PLAIN_MODES
    for m in modes:
        if m not in MODES:
            sys.exit(f"unknown mode {m}; modes: {', '.join(MODES)}")
    os.makedirs(raw, exist_ok=True)
    res = {}
    for m in modes:
        print(f"== {m}", flush=True)
        res[m] = run_mode(cfg, m, level, raw)
    if a.icount:
        write_icount(res, a.out, args, cfg)
        return 0 if all(r.micro for r in res.values()) else 1
    rounds = a.rounds if a.rounds else (1 if a.quick else 3)
    for rnd in range(2, rounds + 1):
        for m in modes:
            print(f"== {m} (fio round {rnd} of {rounds})", flush=True)
            fio_round(cfg, m, rnd, raw, res[m])
    write_results(res, a.out, cfg, a.quick, args)
    return 0 if all(r.ok for r in res.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
