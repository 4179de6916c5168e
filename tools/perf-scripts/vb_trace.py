#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Analyse virtio_bounce traces.

Input: the text of a trace holding virtio_bounce:* events, either tracefs
(`cat /sys/kernel/tracing/trace`, trace-cmd report) or `perf script`
output from `perf record -e 'virtio_bounce:*'`; for `latency`, a
function_graph trace of vb_map_page/vb_unmap_page.  See vb-record.sh.

map, fallback, unmap and sync print one format (the fields of
/sys/kernel/tracing/events/virtio_bounce/virtio_bounce_map/format):
  virtio_bounce_map: device=virtio3 dir=FROM_DEVICE dma=0x... size=4096 phys=0x... attrs= flags=BOUNCED
dir by name as the DMA core's dma:* events print it, attrs and flags as
"|"-separated names (empty: none); flags BOUNCED is a pool slot (else 1:1,
fallback, or an unmap outside the pool), FOR_CPU a sync for the CPU.

Subcommands (each has --help):
  hist       bounce size histogram per device
  ratio      bounced vs direct maps per device
  cache      per-CPU cache hit rate (misses = refill events)
  latency    map/unmap latency distribution (function_graph trace)
  occupancy  pool occupancy over time, as a PNG plot
  summary    hist + ratio + cache
"""
import argparse
import collections
import re
import sys

EV_RE = re.compile(r"\[(\d{3,})\].*?\s(\d+\.\d+):\s+(?:virtio_bounce:)?(virtio_bounce_\w+):\s*(.*)$")
KV_RE = re.compile(r'(\w+)=("[^"]*"|\S*)')      # attrs=, flags= may be empty
CACHED_MAX = 32768      # classes up to 32 KiB use the per-CPU caches


class Event:
    __slots__ = ("cpu", "ts", "name", "f")

    def __init__(self, cpu, ts, name, f):
        self.cpu, self.ts, self.name, self.f = cpu, ts, name, f

    def i(self, k, base=0):
        return int(self.f[k], base)

    def flag(self, name):
        """A name in a "|"-separated field: flags (BOUNCED, FOR_CPU), attrs."""
        return name in self.f.get("flags", "").split("|")

    @property
    def bounced(self):
        return self.flag("BOUNCED")


def parse(lines):
    """Yield Events from tracefs or perf-script text."""
    for line in lines:
        m = EV_RE.search(line)
        if not m:
            continue
        f = {k: v.strip('"') for k, v in KV_RE.findall(m.group(4))}
        # cache events end with a bare "refill"/"flush" word
        if m.group(3) == "virtio_bounce_cache":
            f["kind"] = "refill" if m.group(4).rstrip().endswith("refill") else "flush"
        yield Event(int(m.group(1)), float(m.group(2)), m.group(3)[len("virtio_bounce_"):], f)


def load(path):
    with (sys.stdin if path == "-" else open(path, errors="replace")) as fh:
        return list(parse(fh))


def slot_size(size):
    s = 512
    while s < size:
        s <<= 1
    return s


def bar(n, peak, width=40):
    return "#" * max(1 if n else 0, round(width * n / peak)) if peak else ""


def cmd_hist(a):
    ev = [e for e in load(a.trace) if e.name == "map" and (a.all or e.bounced)]
    per = collections.defaultdict(collections.Counter)
    for e in ev:
        size = e.i("size")
        per[e.f["device"]][slot_size(size) if a.buckets else size] += 1
    for dev in sorted(per):
        c = per[dev]
        what = "maps" if a.all else "bounced maps"
        print(f"{dev}: {sum(c.values())} {what}")
        print(f"  {'slot' if a.buckets else 'size':>8} {'count':>8}")
        peak = max(c.values())
        for size in sorted(c):
            print(f"  {size:>8} {c[size]:>8}  {bar(c[size], peak)}")
    if not per:
        print("no map events")
    return 0


def cmd_ratio(a):
    tot = collections.defaultdict(lambda: [0, 0, 0, 0])
    for e in load(a.trace):
        if e.name != "map":
            continue
        t = tot[e.f["device"]]
        b = e.bounced
        t[0] += 1
        t[1 if b else 2] += 1
        t[3] += e.i("size") if b else 0
    print(f"{'dev':<10} {'maps':>8} {'bounced':>8} {'direct':>8} {'bounced%':>9} {'bytes_bounced':>14}")
    for dev in sorted(tot):
        m, b, d, by = tot[dev]
        print(f"{dev:<10} {m:>8} {b:>8} {d:>8} {100.0 * b / m:>8.1f}% {by:>14}")
    if not tot:
        print("no map events")
    return 0


def cmd_cache(a):
    maps = collections.Counter()
    refills = collections.Counter()
    flushes = collections.Counter()
    for e in load(a.trace):
        if e.name == "map" and e.bounced and slot_size(e.i("size")) <= CACHED_MAX:
            maps[(e.f["device"], e.cpu)] += 1
        elif e.name == "cache":
            (refills if e.f["kind"] == "refill" else flushes)[(e.f["device"], e.cpu)] += 1
    keys = sorted(set(maps) | set(refills) | set(flushes))
    print(f"{'dev':<10} {'cpu':>4} {'cached_maps':>12} {'misses':>7} {'flushes':>8} {'hit_rate':>9}")
    for k in keys:
        m, r = maps[k], refills[k]
        rate = f"{100.0 * (m - r) / m:.1f}%" if m else "-"
        print(f"{k[0]:<10} {k[1]:>4} {m:>12} {r:>7} {flushes[k]:>8} {rate:>9}")
    if not keys:
        print("no events")
    return 0


# " 0) ! 169.818 us  |    vb_map_phys();"   " 0)               |  vb_map_page() {"
# " 0) + 42.189 us   |  }"  (closing lines may carry "/* fn */" with funcgraph-tail)
GRAPH_RE = re.compile(r"^\s*(\d+)\)\s*(?:[!+#*@$]\s*)?(?:([\d.]+) us)?\s*\|\s*(.*)$")


def pct(v, p):
    return v[min(len(v) - 1, int(p / 100.0 * len(v)))]


def cmd_latency(a):
    lat = collections.defaultdict(list)
    stacks = collections.defaultdict(list)     # per CPU: open functions
    with open(a.trace, errors="replace") as fh:
        for line in fh:
            m = GRAPH_RE.match(line)
            if not m:
                continue
            cpu, dur, body = m.group(1), m.group(2), m.group(3).strip()
            opened = re.match(r"(\w+)\(\) \{$", body)
            leaf = re.match(r"(\w+)\(\);$", body)
            if opened:
                stacks[cpu].append(opened.group(1))
            elif leaf and dur:
                lat[leaf.group(1)].append(float(dur) * 1000.0)
            elif body.startswith("}") and stacks[cpu]:
                fn = stacks[cpu].pop()
                if dur:
                    lat[fn].append(float(dur) * 1000.0)
    if not lat:
        print("no vb_* durations in this function_graph trace")
        return 1
    print(f"{'function':<16} {'calls':>6} {'min_ns':>8} {'p50_ns':>8} {'p90_ns':>8} {'p99_ns':>8} {'max_ns':>8}")
    for fn in sorted(lat):
        v = sorted(lat[fn])
        print(f"{fn:<16} {len(v):>6} {v[0]:>8.0f} {pct(v, 50):>8.0f} {pct(v, 90):>8.0f} {pct(v, 99):>8.0f} {v[-1]:>8.0f}")
    for fn in sorted(lat):
        v = sorted(lat[fn])
        buckets = collections.Counter()
        for x in v:
            b = 250
            while b < x:
                b *= 2
            buckets[b] += 1
        print(f"\n{fn} latency histogram (ns, upper bound)")
        peak = max(buckets.values())
        for b in sorted(buckets):
            print(f"  <= {b:>8} {buckets[b]:>6}  {bar(buckets[b], peak)}")
    return 0


def occupancy(events):
    """dev -> [(t, bytes in use)] from bounced map/unmap events."""
    live = collections.defaultdict(dict)
    used = collections.defaultdict(int)
    series = collections.defaultdict(list)
    for e in events:
        if e.name not in ("map", "unmap") or not e.bounced:
            continue
        dev = e.f["device"]
        if e.name == "map":
            s = slot_size(e.i("size"))
            live[dev][e.f["dma"]] = s
            used[dev] += s
        else:
            used[dev] -= live[dev].pop(e.f["dma"], 0)
        series[dev].append((e.ts, used[dev]))
    return series


def cmd_occupancy(a):
    series = occupancy(load(a.trace))
    if not series:
        print("no bounced map/unmap events")
        return 1
    for dev in sorted(series):
        s = series[dev]
        print(f"{dev}: {len(s)} events, peak {max(v for _, v in s)} bytes in bounce slots, final {s[-1][1]}")
    if a.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(8, 4))
        t0 = min(s[0][0] for s in series.values())
        for dev in sorted(series):
            xs = [(t - t0) * 1000.0 for t, _ in series[dev]]
            ys = [v / 1024.0 for _, v in series[dev]]
            ax.step(xs, ys, where="post", label=dev)
        ax.set_xlabel("time since first event (ms)")
        ax.set_ylabel("bytes in bounce slots (KiB)")
        ax.set_title(a.title or "virtio_bounce pool occupancy")
        ax.legend()
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        fig.savefig(a.png, dpi=90)
        print(f"wrote {a.png}")
    return 0


def cmd_summary(a):
    for f in (cmd_ratio, cmd_hist, cmd_cache):
        f(a)
        print()
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hist", help="bounce size histogram per device")
    h.add_argument("trace", help="trace text file, or - for stdin")
    h.add_argument("--all", action="store_true", help="count direct (1:1) maps too")
    h.add_argument("--buckets", action="store_true", help="group by slot size (power of two >= 512)")
    h.set_defaults(fn=cmd_hist)
    r = sub.add_parser("ratio", help="bounced vs direct maps per device")
    r.add_argument("trace")
    r.set_defaults(fn=cmd_ratio)
    c = sub.add_parser("cache", help="per-CPU cache hit rate (refill events are misses)")
    c.add_argument("trace")
    c.set_defaults(fn=cmd_cache)
    lt = sub.add_parser("latency", help="map/unmap latency from a function_graph trace")
    lt.add_argument("trace")
    lt.set_defaults(fn=cmd_latency)
    o = sub.add_parser("occupancy", help="bytes in bounce slots over time")
    o.add_argument("trace")
    o.add_argument("--png", help="write the plot to this PNG file")
    o.add_argument("--title")
    o.set_defaults(fn=cmd_occupancy)
    s = sub.add_parser("summary", help="ratio + hist + cache")
    s.add_argument("trace")
    s.set_defaults(fn=cmd_summary, all=False, buckets=False)
    a = p.parse_args(argv)
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
