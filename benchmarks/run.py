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

Each boot runs kernel/dma/virtio_dma_bench (map+unmap through the ops
installed on the scratch disk's PCI function, batch timing, every batch
reported) and fio on that disk; virtio-net throughput comes from the
guest sending 8 MiB to the host (127.0.0.1).

  benchmarks/run.py [--quick] [--out DIR] [--modes m1,m2,...]
  benchmarks/run.py --icount [--modes direct,vb-on,vb-force,swiotlb]

Writes DIR/results.md (tables, ratios, goals), DIR/*.png and DIR/raw/.
With --icount, QEMU runs with -icount shift=0 (one guest ns is one
instruction), only the micro benchmark runs, and DIR/icount.md gets
instructions per map and per unmap (deterministic, unlike TCG time).
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts"))
import vbtest  # noqa: E402

MODES = {
    "direct": dict(kind="plain", vb="off", extra=""),
    "vb-on": dict(kind="plain", vb="on", extra=""),
    "vb-force": dict(kind="plain", vb="force", extra=""),
    "swiotlb": dict(kind="plain", vb="off", extra="swiotlb=force"),
    "xen-swiotlb": dict(kind="xen", vb="off", extra=""),
    "xen-vb-on": dict(kind="xen", vb="on", extra=""),
    "xen-vb-force": dict(kind="xen", vb="force", extra=""),
}
DIRS = {"1": "to_dev", "2": "from_dev"}


def pct(v, p):
    v = sorted(v)
    k = (len(v) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def parse_micro(log):
    """(size, dir, threads) -> dict(med, p10, p90, map, unmap) in ns per op."""
    batches = {}
    for m in re.finditer(r"VBMB (\d+) (\d) (\d+) batch (\d+) (\d+) (\d+)", log):
        key = (int(m.group(1)), m.group(2), int(m.group(3)))
        batches.setdefault(key, []).append((int(m.group(5)) / 1000.0, int(m.group(6)) / 1000.0))
    out = {}
    for key, b in batches.items():
        tot = [a + u for a, u in b]
        out[key] = dict(med=statistics.median(tot), p10=pct(tot, 10), p90=pct(tot, 90),
                        map=statistics.median([a for a, _ in b]),
                        unmap=statistics.median([u for _, u in b]), n=len(b))
    return out


def parse_fio(log):
    out = {}
    log = log.replace("\r", "")
    for m in re.finditer(r"VBFIO-BEGIN (\S+)\n(.*?)VBFIO-END", log, re.S):
        txt = m.group(2)
        try:
            j = json.loads(txt[txt.index("{"):txt.rindex("}") + 1])
            job = j["jobs"][0]
            rw = "write" if "write" in m.group(1) else "read"
            out[m.group(1)] = dict(mbps=job[rw]["bw"] / 1024.0, iops=job[rw]["iops"])
        except (ValueError, KeyError, IndexError):
            out[m.group(1)] = None
    return out


def run_mode(name, level, raw):
    spec = MODES[name]
    r = vbtest.boot(f"bench-{name}", kind=spec["kind"], vb=spec["vb"],
                    extra=(spec["extra"] + f" vbbench={level}").strip(),
                    tests="bench" if level == "icount" else "net+bench",
                    iommu_platform=spec["kind"] == "plain")
    with open(os.path.join(raw, f"{name}.log"), "w") as f:
        f.write(r["log"])
    vda = next((d for d in sorted(r["devs"]) if vbtest.DEV_NAMES.get(r["devs"][d][0]) == "blk"), None)
    st = r["stat"].get(vda, {})
    copied = None
    if st:
        copied = int(st.get("bytes_to_device", 0)) + int(st.get("bytes_from_device", 0))
    elif "swiotlb-bounced-bytes" in r["val"]:
        copied = int(r["val"]["swiotlb-bounced-bytes"])
    net = (vbtest.SIZE / r["net_seconds"] / 2**20) if r.get("net_seconds") else None
    ok = r["done"] and r["net_received"] is not None and vbtest.same_digest(
        r["pattern_sha"], vbtest.sha(r["net_received"]))
    return dict(name=name, ok=ok, micro=parse_micro(r["log"]), fio=parse_fio(r["log"]),
                copied=copied, copied_maps=r["val"].get("swiotlb-bounced-maps"),
                net=net, wall=r["wall"], stats=st, dec=r["dec"])


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def fmt(v, spec="{:.0f}"):
    return spec.format(v) if v is not None else "-"


def write_results(res, out, quick, args):
    md = []
    kver = "?"
    raw0 = next(iter(res.values()))
    m = re.search(r"Linux version (\S+)", open(os.path.join(out, "raw", raw0["name"] + ".log")).read())
    if m:
        kver = m.group(1)
    qv = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    md.append("# virtio_bounce benchmark results\n")
    md.append(f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    md.append(f"- host: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs; {qv}, accel {vbtest.ACCEL}")
    md.append(f"- guest kernel: Linux {kver} (configs/base.config), 2 vCPUs; Xen: {open(os.path.join(vbtest.B, 'xen/version')).read().strip() if os.path.exists(os.path.join(vbtest.B, 'xen/version')) else '-'}")
    md.append(f"- command: `{' '.join(['benchmarks/run.py'] + args)}`" + (" (quick matrix)" if quick else ""))
    md.append("- all figures measured side by side in this run; medians over batches "
              "(each batch times up to 64 maps then their unmaps), spread = p10..p90.")
    md.append("- under TCG every memcpy is emulated: copy-heavy paths look far worse than on hardware.\n")

    def micro_table(modes, base, against, title, goal):
        keys = sorted({k for mname in modes if mname in res for k in res[mname]["micro"]})
        if not keys:
            return
        md.append(f"## {title}\n")
        md.append(goal + "\n")
        md.append("| size | dir | threads | " + " | ".join(f"{m} ns (p10..p90)" for m in modes if m in res) +
                  " | " + " | ".join(f"{a}/{b}" for a, b in against) + " |")
        md.append("|" + "---|" * (3 + len([m for m in modes if m in res]) + len(against)))
        for k in keys:
            cells = []
            for mname in modes:
                if mname not in res:
                    continue
                d = res[mname]["micro"].get(k)
                cells.append(f"{d['med']:.0f} ({d['p10']:.0f}..{d['p90']:.0f})" if d else "-")
            rat = []
            for a, b in against:
                da, db = res.get(a, {}).get("micro", {}).get(k), res.get(b, {}).get("micro", {}).get(k)
                rat.append(ratio(da["med"], db["med"]) if da and db else "-")
            md.append(f"| {k[0]} | {DIRS[k[1]]} | {k[2]} | " + " | ".join(cells) + " | " + " | ".join(rat) + " |")
        md.append("")

    micro_table(["direct", "vb-on", "vb-force", "swiotlb"], "direct",
                [("vb-on", "direct"), ("vb-force", "swiotlb")],
                "map+unmap, ns per operation (QEMU/TCG)",
                "Goals (not asserts): vb-on/direct <= 1.05x; vb-force/swiotlb <= 1.0x at 4 KiB and "
                "64 KiB and <= 0.5x at 64-512 B.")
    micro_table(["xen-swiotlb", "xen-vb-on", "xen-vb-force"], "xen-swiotlb",
                [("xen-vb-on", "xen-swiotlb"), ("xen-vb-force", "xen-swiotlb")],
                "map+unmap under Xen 4.17 PV dom0, ns per operation",
                "Goal (not an assert): virtio_bounce no slower than swiotlb-xen. Like-for-like is "
                "xen-vb-on/xen-swiotlb: both hand machine-contiguous buffers to the device and bounce "
                "only the rest (the benchmark's buffers are contiguous, so neither copies). "
                "xen-vb-force always copies; its slots stop at 256 KiB, so 1 MiB maps fail by design "
                "(`-`), and a batch of large maps that outruns the pool (it cannot grow in the map path "
                "under Xen) waits for the grow worker.")

    # 2-thread scaling
    sc = []
    for mname in ("direct", "vb-on", "vb-force", "swiotlb"):
        if mname not in res:
            continue
        for k, d in res[mname]["micro"].items():
            if k[2] == 2 and (k[0], k[1], 1) in res[mname]["micro"]:
                one = res[mname]["micro"][(k[0], k[1], 1)]["med"]
                sc.append((mname, k[0], k[1], 2 * one / d["med"]))
    if sc:
        md.append("## two threads: throughput relative to one thread\n")
        md.append("| mode | size | dir | 2T/1T |\n|---|---|---|---|")
        for mname, size, d, v in sorted(sc):
            md.append(f"| {mname} | {size} | {DIRS[d]} | {v:.2f}x |")
        md.append("")

    md.append("## end to end: fio on virtio-blk, virtio-net, bytes copied\n")
    md.append("Goal (not an assert): under Xen, virtio_bounce >= 1.0x swiotlb-xen throughput with no more bytes copied.\n")
    jobs = ["randread-4k-qd32", "read-64k-qd4", "write-64k-qd4"]
    md.append("| mode | data ok | " + " | ".join(f"{j} MiB/s" for j in jobs) +
              " | net tx MiB/s | bytes copied (blk) | vs reference |")
    md.append("|" + "---|" * (5 + len(jobs)))
    refs = {"direct": None, "vb-on": "direct", "vb-force": "swiotlb", "swiotlb": None,
            "xen-swiotlb": None, "xen-vb-on": "xen-swiotlb", "xen-vb-force": "xen-swiotlb"}
    for mname in MODES:
        if mname not in res:
            continue
        r = res[mname]
        cells = [fmt(r["fio"].get(j, {}) and r["fio"][j]["mbps"], "{:.1f}") if r["fio"].get(j) else "-" for j in jobs]
        ref = refs.get(mname)
        vs = "-"
        if ref and ref in res:
            parts = []
            for j in jobs:
                a, b = r["fio"].get(j), res[ref]["fio"].get(j)
                if a and b:
                    parts.append(f"{j.split('-')[0]} {ratio(a['mbps'], b['mbps'])}")
            vs = f"vs {ref}: " + ", ".join(parts)
        md.append(f"| {mname} | {'yes' if r['ok'] else 'NO'} | " + " | ".join(cells) +
                  f" | {fmt(r['net'], '{:.1f}')} | {fmt(r['copied'])} | {vs} |")
    md.append("")
    md.append("Bytes copied: virtio_bounce's debugfs `bytes_to_device + bytes_from_device` of the scratch "
              "disk for the whole boot; for stock swiotlb/swiotlb-xen the sum of `swiotlb:swiotlb_bounced` "
              "sizes during fio (map-side copies only; swiotlb copies FROM_DEVICE data back at unmap too). "
              "`-` for a stock mode that bounces nothing.")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    plot(res, out)
    print("\n".join(md))


def write_icount(res, out, args):
    """Instructions per map and per unmap (QEMU -icount shift=0)."""
    md = ["# virtio_bounce: instructions per DMA map and unmap\n"]
    qv = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    md.append(f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {qv}, TCG with `-icount shift=0`")
    md.append(f"- command: `{' '.join(['benchmarks/run.py'] + args)}`")
    md.append("- with `-icount shift=0` the guest clock advances one ns per executed guest "
              "instruction, so the benchmark's ns per operation are instructions per operation: "
              "deterministic, unlike TCG wall time. Medians over 15 batches of up to 64 maps then "
              "their unmaps; spread p10..p90. Copies run the kernel's memcpy (`memcpy_orig`, a "
              "loop of moves, on this CPU model): about 210 instructions for 512 B, the same on "
              "both sides of each bounce ratio (see profile-*.md).\n")
    keys = sorted({k for r in res.values() for k in r["micro"]})
    modes = [m for m in ("direct", "vb-on", "vb-force", "swiotlb") if m in res]
    md.append("| size | dir | " + " | ".join(f"{m} map / unmap (total, p10..p90)" for m in modes) +
              " | vb-on - direct | vb-on/direct | vb-force/swiotlb |")
    md.append("|" + "---|" * (5 + len(modes)))
    for k in keys:
        cells, tot = [], {}
        for m in modes:
            d = res[m]["micro"].get(k)
            if d:
                tot[m] = d["med"]
                cells.append(f"{d['map']:.0f} / {d['unmap']:.0f} ({d['med']:.0f}, {d['p10']:.0f}..{d['p90']:.0f})")
            else:
                cells.append("-")
        delta = f"{tot['vb-on'] - tot['direct']:+.0f}" if "vb-on" in tot and "direct" in tot else "-"
        md.append(f"| {k[0]} | {DIRS[k[1]]} | " + " | ".join(cells) + f" | {delta} | "
                  f"{ratio(tot.get('vb-on'), tot.get('direct'))} | {ratio(tot.get('vb-force'), tot.get('swiotlb'))} |")
    md.append("")
    with open(os.path.join(out, "icount.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


def plot(res, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plots (make deps installs python3-matplotlib)")
        return
    for group, modes in (("micro", ["direct", "vb-on", "vb-force", "swiotlb"]),
                         ("micro-xen", ["xen-swiotlb", "xen-vb-on", "xen-vb-force"])):
        have = [m for m in modes if m in res and res[m]["micro"]]
        if not have:
            continue
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
        for ax, d in zip(axes, ("1", "2")):
            for m in have:
                ks = sorted(k for k in res[m]["micro"] if k[1] == d and k[2] == 1)
                xs = [k[0] for k in ks]
                ys = [res[m]["micro"][k]["med"] for k in ks]
                lo = [res[m]["micro"][k]["med"] - res[m]["micro"][k]["p10"] for k in ks]
                hi = [res[m]["micro"][k]["p90"] - res[m]["micro"][k]["med"] for k in ks]
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small matrix (3 sizes, 1 thread, short fio)")
    ap.add_argument("--out", default=os.path.join(TOP, "benchmarks", "results"))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--icount", action="store_true",
                    help="count instructions instead of time (QEMU -icount shift=0): micro only, "
                         "plain modes, writes DIR/icount.md")
    ap.add_argument("--plot-only", action="store_true",
                    help="redraw the plots from DIR/raw/*.log without booting")
    a = ap.parse_args()
    raw = os.path.join(a.out, "raw")
    if a.plot_only:
        res = {}
        for m in MODES:
            f = os.path.join(raw, m + ".log")
            if os.path.exists(f):
                res[m] = dict(micro=parse_micro(open(f, errors="replace").read()))
        plot(res, a.out)
        return 0
    os.makedirs(raw, exist_ok=True)
    vbtest.INITRD = os.environ.get("VB_INITRD", os.path.join(vbtest.B, "initramfs-bench.cpio.gz"))
    res = {}
    level = "quick" if a.quick else "full"
    modes = a.modes.split(",")
    if a.icount:
        vbtest.QEMU_EXTRA = ["-icount", "shift=0"]
        level = "icount"
        raw = os.path.join(raw, "icount")
        os.makedirs(raw, exist_ok=True)
        if a.modes == ",".join(MODES):
            modes = ["direct", "vb-on", "vb-force", "swiotlb"]
    for m in modes:
        if m not in MODES:
            sys.exit(f"unknown mode {m}; modes: {', '.join(MODES)}")
        print(f"== {m}", flush=True)
        res[m] = run_mode(m, level, raw)
    if a.icount:
        write_icount(res, a.out, sys.argv[1:])
        return 0 if all(r["micro"] for r in res.values()) else 1
    write_results(res, a.out, a.quick, sys.argv[1:])
    return 0 if all(r["ok"] for r in res.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
