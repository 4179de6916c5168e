# SPDX-License-Identifier: GPL-2.0
"""virtio_bounce end-to-end harness: the trace scenario and `vbtest.py
trace` (a known workload traced, tools/perf-scripts/vb_trace.py over it),
and `vbtest.py demo` (scripts/vbtest.py is the entry point)."""
import dataclasses
import os
import re
import subprocess

from vbqemu import DEV_NAMES, TOP, Boot
from vbtest_checks import RULES_VDB, Results, boot, check_clean_log, check_data, dma_dev_of

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


@dataclasses.dataclass
class Trace:
    boot: Boot
    outputs: dict[str, str]     # vb_trace.py subcommand -> its output
    png: str
    vdb: str | None             # the pattern disk's virtio device


def trace_run(cfg, outdir):
    """Boot with force, trace 100 x 4096 B and 50 x 512 B O_DIRECT reads
    of /dev/vdb, and run every vb_trace.py subcommand over the trace."""
    r = boot(cfg, "trace", vb="force", tests="trace")
    os.makedirs(outdir, exist_ok=True)
    ev = os.path.join(outdir, "events.txt")
    gr = os.path.join(outdir, "graph.txt")
    with open(ev, "w") as f:
        f.write(section(r.log, "VBTRACE-BEGIN", "VBTRACE-END"))
    with open(gr, "w") as f:
        f.write(section(r.log, "VBGRAPH-BEGIN", "VBGRAPH-END"))
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
    blk = sorted(r.devs_of("blk"))
    return Trace(r, outs, png, blk[1] if len(blk) > 1 else None)


def dev_block(text, dev):
    """The lines of one device's block in `hist` output."""
    out, on = [], False
    for line in text.splitlines():
        if re.match(r"^\S", line):
            on = line.startswith(dev + ":")
        elif on:
            out.append(line)
    return "\n".join(out)


def sc_trace(res, cfg):
    t = trace_run(cfg, os.path.join(cfg.workdir, "trace"))
    r, o, vdb = t.boot, t.outputs, t.vdb
    if not res.check("trace/boot", r.finished, f"see {r.logf}"):
        return
    check_clean_log(res, r)
    res.check("trace/workload", r.vals.get("trace-reads-4096") == "100" and
              r.vals.get("trace-reads-512") == "50", f"{r.vals}")
    h = dev_block(o["hist"], vdb or "?")
    res.check("trace/hist-4096", re.search(r"^\s+4096\s+100\s", h, re.M) is not None,
              f"no '4096 100' for {vdb} in:\n{o['hist']}")
    res.check("trace/hist-512", re.search(r"^\s+512\s+50\s", h, re.M) is not None,
              f"no '512 50' for {vdb}")
    m = re.search(rf"^{vdb}\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)%", o["ratio"], re.M) if vdb else None
    res.check("trace/ratio", m is not None and m.group(1) == m.group(2) and m.group(3) == "0"
              and m.group(4) == "100.0" and int(m.group(1)) >= 3 * 150,
              f"ratio output:\n{o['ratio']}")
    check_trace_cache(res, o["cache"], vdb, int(m.group(2)) if m else None)
    check_trace_addresses(res, r, vdb)
    check_trace_format(res, r, vdb)
    lm = re.search(r"^vb_(?:vmap_)?map_page\s+(\d+)", o["latency"], re.M)
    lu = re.search(r"^vb_(?:vmap_)?unmap_page\s+(\d+)", o["latency"], re.M)
    res.check("trace/latency", lm and lu and int(lm.group(1)) >= 300 and int(lu.group(1)) >= 300,
              f"latency output:\n{o['latency'][:600]}")
    check_trace_occupancy(res, o["occupancy"], vdb, t.png)


def check_trace_cache(res, out, vdb, bounced_maps):
    """Every map of this workload (<= 4 KiB) goes through the per-CPU
    caches, and they serve it: one process reading one block at a time
    refills a magazine now and then (a miss per magazine of 32 or more
    slots), so 9 maps in 10 or more hit.  Caches that never hold a slot
    (every map from the chunk) read 0 %."""
    rows = [l.split() for l in out.splitlines() if vdb and l.startswith(vdb + " ")]
    maps = sum(int(x[2]) for x in rows)
    miss = sum(int(x[3]) for x in rows)
    res.check("trace/cache", rows and bounced_maps is not None and maps == bounced_maps
              and 0 <= miss and 10 * miss <= maps and all(x[5].endswith("%") for x in rows),
              f"{miss} misses in {maps} maps (want at most 1 in 10); cache output:\n{out}")


# map, fallback, unmap and sync share one class and one format; its text
# is key=value, the direction, attrs and flags by name (the event's print
# fmt, dumped by the guest between VBFORMAT-BEGIN/END, has the tables).
DMA_EVENTS = ("map", "fallback", "unmap", "sync")
DMA_FIELDS = ["device", "phys", "dma", "size", "dir", "attrs", "flags"]
EVENT_RE = re.compile(r"\bvirtio_bounce_(\w+): (.*)$")
KV_RE = re.compile(r'(\w+)=("[^"]*"|\S*)')


def trace_events(text, name):
    """The key=value dicts of the @name events (map, unmap, ...) in a trace;
    for a tuple of names, (name, dict) pairs in trace order."""
    out = []
    for line in text.splitlines():
        m = EVENT_RE.search(line)
        if m and (m.group(1) in name if isinstance(name, tuple) else m.group(1) == name):
            f = {k: v.strip('"') for k, v in KV_RE.findall(m.group(2))}
            out.append((m.group(1), f) if isinstance(name, tuple) else f)
    return out


def trace_formats(text):
    """event name (map, decide, ...) -> (its fields in order, its print fmt),
    from the tracefs format files the guest printed."""
    fmts, name = {}, None
    for line in text.splitlines():
        m = re.match(r"\s*name: virtio_bounce_(\w+)", line)
        if m:
            name = m.group(1)
            fmts[name] = ([], "")
            continue
        m = re.match(r"\s*field:.*?(\w+)(?:\[\d*\])?;\s*offset:", line)
        if name and m and not m.group(1).startswith("common_"):
            fmts[name][0].append(m.group(1))
        if name and line.lstrip().startswith("print fmt:"):
            fmts[name] = (fmts[name][0], line.split("print fmt:", 1)[1].strip())
    return fmts


def symbols(pfmt, field):
    """{value: name} of the __print_symbolic/__print_flags table of REC->@field
    in a print fmt: the values the kernel resolved (TRACE_DEFINE_ENUM), so
    that perf and trace-cmd can decode a raw record too."""
    m = re.search(r"__print_(?:symbolic|flags)\(REC->" + field + r"\b", pfmt)
    if not m:
        return {}
    depth, end = 1, m.end()
    while end < len(pfmt) and depth:       # to the call's closing parenthesis
        depth += {"(": 1, ")": -1}.get(pfmt[end], 0)
        end += 1
    table = pfmt[m.end():end]
    return {v.strip(): n for v, n in re.findall(r'\{\s*([^,{}]+?)\s*,\s*"(\w+)"\s*\}', table)}


def trace_addresses(r, dev, pool_dev):
    """(bounced maps of @dev in the trace, those whose device range lies in
    a chunk of @pool_dev's pool and whose buffer lies outside it)."""
    chunks = []
    for line in r.log.splitlines():
        m = re.search(r"VBTCHUNK (\S+) 0x([0-9a-f]+) 0x([0-9a-f]+) (\d+) (\d+)", line)
        if m and m.group(1) == pool_dev:
            chunks.append((int(m.group(2), 16), int(m.group(3), 16), int(m.group(4))))
    maps = good = 0
    for e in trace_events(section(r.log, "VBTRACE-BEGIN", "VBTRACE-END"), "map"):
        if e.get("device") != dev or "BOUNCED" not in e.get("flags", "").split("|"):
            continue
        maps += 1
        phys, dma, size = int(e["phys"], 16), int(e["dma"], 16), int(e["size"])
        in_pool = any(d <= dma and dma + size <= d + b for _, d, b in chunks)
        buf_out = not any(p <= phys < p + b for p, _, b in chunks)
        good += in_pool and buf_out
    return maps, good


def check_trace_addresses(res, r, vdb):
    """A bounce hands the device a slot of the pool, never the buffer: each
    traced map's device range lies in one of vdb's chunks (the guest dumps
    them all) and its buffer does not.  Control on the same real trace: the
    same maps against another disk's pool must not pass."""
    maps, good = trace_addresses(r, vdb, vdb) if vdb else (0, 0)
    res.check("trace/addresses-in-pool", maps >= 150 and good == maps,
              f"{good} of {maps} bounced maps of {vdb} lie in its pool")
    vda = next((d for d in sorted(r.devs_of("blk")) if d != vdb), None)
    wmaps, wgood = trace_addresses(r, vdb, vda) if vda else (0, 0)
    res.check("trace/addresses-control-other-pool", wmaps == maps and wmaps > 0 and wgood < wmaps,
              f"{wgood} of {wmaps} maps of {vdb} passed against {vda}'s pool")


def check_trace_format(res, r, vdb):
    """The events' formats as the kernel reports them: map, fallback, unmap
    and sync one class with the device's name, the direction decoded by a
    table of resolved numbers (not enum names a decoder cannot know) and
    the attrs; every event names its device `device`.  Then the trace read
    through them: each map and unmap of vdb prints its direction by a name
    of that table and its attrs and flags by names of theirs, the data of
    these reads is FROM_DEVICE and each request's 16-byte header TO_DEVICE,
    and each unmap says the direction of its map."""
    fmts = trace_formats(section(r.log, "VBFORMAT-BEGIN", "VBFORMAT-END"))
    dma_ok = all(fmts.get(n, ([], ""))[0] == DMA_FIELDS for n in DMA_EVENTS)
    pmap = fmts.get("map", ([], ""))[1]
    dirs, attrs, flags = symbols(pmap, "dir"), symbols(pmap, "attrs"), symbols(pmap, "flags")
    res.check("trace/format", dma_ok and len(fmts) >= 9 and
              all("device" in f and "dev" not in f for f, _ in fmts.values()) and
              sorted(dirs.values()) == ["BIDIRECTIONAL", "FROM_DEVICE", "NONE", "TO_DEVICE"] and
              all(v.isdigit() for v in dirs) and "SKIP_CPU_SYNC" in attrs.values() and
              sorted(flags.values()) == ["BOUNCED", "FOR_CPU"] and
              all(fmts.get(n, ([], ""))[1] == pmap for n in DMA_EVENTS),
              f"formats: { {n: f for n, (f, _) in fmts.items()} }, map print fmt: {pmap[:400]}")
    ev = section(r.log, "VBTRACE-BEGIN", "VBTRACE-END")
    maps = [e for e in trace_events(ev, "map") if e.get("device") == vdb]
    unmaps = [e for e in trace_events(ev, "unmap") if e.get("device") == vdb]

    def named(e, k, table):
        return all(x in table.values() for x in e.get(k, "-").split("|") if x) and k in e

    bad = [e for e in maps + unmaps if e.get("dir") not in dirs.values() or
           not named(e, "attrs", attrs) or not named(e, "flags", flags)]
    data = [e for e in maps if e.get("size") in ("4096", "512")]
    hdr = [e for e in maps if e.get("size") == "16"]
    live, wrong = {}, []                   # in trace order: a slot's address is reused
    for name, e in trace_events(ev, ("map", "unmap")):
        if e.get("device") != vdb:
            continue
        if name == "map":
            live[e.get("dma")] = e.get("dir")
        elif live.pop(e.get("dma"), e.get("dir")) != e.get("dir"):
            wrong.append(e)
    res.check("trace/directions", vdb and maps and not bad and len(data) >= 150 and
              all(e["dir"] == "FROM_DEVICE" for e in data) and len(hdr) >= 150 and
              all(e["dir"] == "TO_DEVICE" for e in hdr) and len(unmaps) >= len(maps) and not wrong,
              f"{len(maps)} maps, {len(unmaps)} unmaps of {vdb}; not decoded: {bad[:2]}; "
              f"data dirs {sorted(set(e['dir'] for e in data))} ({len(data)}), "
              f"header dirs {sorted(set(e['dir'] for e in hdr))} ({len(hdr)}); unmap dir differs: {wrong[:2]}")


def check_trace_occupancy(res, out, vdb, png):
    ok = os.path.exists(png) and os.path.getsize(png) > 1000 and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    fin = re.search(rf"^{vdb}: \d+ events, peak (\d+) bytes in bounce slots, final (\d+)", out, re.M) if vdb else None
    res.check("trace/occupancy", ok and fin is not None and fin.group(2) == "0" and int(fin.group(1)) >= 4096,
              f"png ok={ok}, output:\n{out}")


def trace_cmd(cfg, outdir):
    t = trace_run(cfg, outdir)
    for k in ("ratio", "hist", "cache", "latency", "occupancy"):
        print(f"== vb_trace.py {k}\n{t.outputs[k]}")
    print(f"trace files in {outdir}")
    return 0 if t.boot.done else 1


# The demo's rules: virtio-net and the pattern disk (by its PCI address)
# always bounce, the rest maps 1:1.
DEMO_VB = f"on,net:force,{RULES_VDB}:force"
DEMO_SYSFS = ["mode", "rule", "backend", "one_to_one", "maps", "bounced", "direct", "failures",
              "bytes_to_device", "bytes_from_device", "in_use", "pool_bytes", "peak_bytes", "max"]


def demo(cfg):
    r = boot(cfg, "demo", vb=DEMO_VB, tests="blk+net+rng+show")
    kver = re.search(r"Linux version (\S+)", r.log)
    print("\n== virtio_bounce demo: lane", cfg.lane, "kernel", kver.group(1) if kver else "?")
    print("== command line:", next((l.split("Command line: ", 1)[1].strip() for l in r.log.splitlines()
                                    if "Command line: " in l), "?"))
    print("== decisions (dmesg):")
    for line in r.log.splitlines():
        if "virtio_bounce" in line and not re.search(r"VB[A-Z]+ ", line):
            print("  ", line.strip())
    print("== vbtop -d 4 -n 1 in the guest, over 4 MiB read from each disk and a ping:")
    for t in r.top:
        print("   " + "%-8s %-5s %-5s %-8s" % tuple((t + ["", "", "", ""])[:4]) + "".join(" %9s" % x for x in t[4:]))
    print("== per device, after the workload (sysfs /sys/bus/virtio/devices/<dev>/virtio_bounce/):")
    print("  %-8s %-5s " % ("dev", "kind") + " ".join(DEMO_SYSFS))
    for d in sorted(r.sysfs, key=lambda x: int(x[6:]) if x[6:].isdigit() else 0):
        kind = DEV_NAMES.get(r.devs.get(d, ("?",))[0], "?")
        print("  %-8s %-5s " % (d, kind) + " ".join(r.sysfs[d].get(k, "-") for k in DEMO_SYSFS))
    for d in sorted(r.sysfs):
        print(f"  {d} why: {r.sysfs[d].get('why', '-')}")
    res = Results()
    check_data(res, r)
    net = (r.devs_of("net") or ["?"])[0]
    res.check("demo/net-bounced", r.sysfs.get(net, {}).get("mode") == "force" and
              int(r.sysfs.get(net, {}).get("bounced", "0")) > 0, f"net sysfs {r.sysfs.get(net)}")
    vdb = next((d for d, p in dma_dev_of(r.log).items() if p == RULES_VDB), "?")
    res.check("demo/vdb-bounced-vda-1:1", int(r.sysfs.get(vdb, {}).get("bounced", "0")) > 0 and
              all(r.sysfs.get(d, {}).get("one_to_one") == "1" for d in r.devs_of("blk") if d != vdb),
              f"disks {[(d, r.sysfs.get(d)) for d in r.devs_of('blk')]}")
    print(f"demo: {res.passed} passed, {res.failed} failed")
    return 0 if res.failed == 0 else 1
