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
  vbtest.py soak [--gib N] [SCENARIO...]
                                the long soak: N GiB of fio traffic per
                                soak scenario (default 8), table appended
                                to docs/soak.md
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
  progress         force,pool=256K,max=PROGRESS_MAX (raised to the reserve): two 4 MiB O_DIRECT
                   readers and a writer finish (180 s) with data intact
  bigio-8m         force, vda with opt_io_size=8M: two 16 MiB O_DIRECT
                   writers from huge-page buffers (16 MiB requests), two
                   readers, then again in requests of 256K..4M (vbbig)
  bigio-64m        the same with opt_io_size=64M and force,pool=256K,max=1M
                   (below the smallest max= accepted: clamped, mode force
                   kept, no "ignoring" line)
  nohighorder      force: the pools shrunk, then every page allocation of
                   order >= 4 refused (fail_page_alloc) while 16 MiB is
                   written and read back in requests of 256K..4M
  mq               force,pool=256K,max=1M, 4 CPUs, vda num-queues=4: four
                   workers write and verify their 4 MiB, 2 rounds; vda's
                   completions never stand still for MQ_MAXGAP s
                   (all four: the image holds the splitmix64 pattern, every
                   worker exits 0, vda bounced, clean log; a hang fails)
  soak-*           tests/guest/vbsoak.sh in its short form (VB_SOAK_MB,
                   VB_SOAK_SEC, VB_SOAK_PHASES): fio --verify, byte-checked
                   disk reads and net streams, rng, with faults; see SOAKS

Environment: VB_ACCEL (default tcg; e.g. kvm), VB_TIMEOUT (seconds per
boot, default 240), VB_LANE (6.12 or 7.3: picks the kernel and Xen),
VB_KERNEL, VB_INITRD, VB_XEN (paths).
"""
import argparse
import array
import collections
import concurrent.futures
import dataclasses
import hashlib
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import typing

from vbqemu import B, DEV_NAMES, SIZE, TOP, Boot, BootConfig, BootOptions, same_digest, sha

FIO_INITRD = os.path.join(B, "initramfs-bench.cpio.gz")    # busybox, tests/guest and fio
import vbqemu

# ---------------------------------------------------------------- results


class Results:
    def __init__(self, label=""):
        self.passed = 0
        self.failed = 0
        self.label = label      # negative controls print "(control) ..." lines
        self.failures = []      # names of the failed checks

    def check(self, name, ok, detail=""):
        word = "PASS" if ok else "FAIL"
        if self.label:          # a control: say what it saw, not PASS/FAIL
            word = "ok" if ok else "caught"
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)
        print(f"{self.label}{word} {name}{': ' + detail if detail and not ok else ''}", flush=True)
        return ok


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
    bad = [d for d in vdevs if r.decisions.get(d, (None, None))[1] != backend]
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

# --------------------------------------------------------------- scenarios


def sc_on(res, cfg):
    r = boot(cfg, "on", vb="on")
    check_clean_log(res, r)
    check_data(res, r)
    if cfg.map_ops:
        # virtio_map_ops: 1:1 is the DMA API itself, so nothing is
        # installed (no state, no debugfs directory) and each decision
        # says so.
        vdevs = sorted(r.devs)
        bad = [d for d in vdevs if r.decisions.get(d, (None, None))[1:3] != ("identity", "yes")]
        res.check("on/decision", vdevs and not bad, f"expected identity, direct=yes: {r.decisions}")
        res.check("on/nothing-installed", not r.stats and
                  r.log.count("(1:1: nothing installed, the DMA API maps it as dma-direct)") == len(vdevs),
                  f"debugfs dirs {list(r.stats)}; {len(vdevs)} devices")
        return
    check_claimed(res, r, "identity", direct=True)
    res.check("on/dma-ops-bypass", r.stats and all(r.stat(d, "bypass") == 1 for d in r.stats)
              and r.log.count("(dma_ops_bypass: the DMA core maps 1:1 as dma-direct)") == len(r.stats),
              f"bypass per device {[r.stat(d, 'bypass') for d in r.stats]}")


def sc_force(res, cfg):
    r = boot(cfg, "force", vb="force")
    check_clean_log(res, r)
    check_data(res, r)
    check_claimed(res, r, "identity", direct=False)


JUNK_VB = "on,net:force,bogus:on"


def sc_junk(res, cfg):
    # A junk rule among good ones: the whole parameter is refused.
    r = boot(cfg, "junk", vb=JUNK_VB)
    check_clean_log(res, r)
    check_data(res, r)
    res.check("junk/rule-warning", "rule 'bogus:on': 'bogus' is neither a virtio device type" in r.log,
              "no warning naming the bad rule")
    res.check("junk/warning", f"ignoring 'virtio_bounce={JUNK_VB}', keeping the default 'virtio_bounce=off" in r.log,
              "no warning naming the bad value and the default")
    res.check("junk/stock", r.devs and all(v[0] == "off" and v[1] == "none" and v[4] == "default"
                                           for v in r.decisions.values())
              and len(r.decisions) == len(r.devs) and not r.stats, f"{r.decisions}")


# max= of smallpool and soak-force: below every device's progress reserve
# (7936K with 2 CPUs), so the kernel raises it to that, per device, and
# the pool is as small as forward progress allows.
SMALLPOOL_MAX = "6M"


def sc_smallpool(res, cfg):
    # The blk test alone no longer fills a pool that can hold one largest
    # request; two 4 MiB readers and a writer at once do (see progress).
    r = boot(cfg, "smallpool", vb=f"force,pool=512K,max={SMALLPOOL_MAX}", tests="blk+net+rng+progress")
    check_clean_log(res, r)
    check_data(res, r)
    check_sums(res, r, "progress-", 10)
    check_gap(res, r, "progress", "smallpool")
    ex = sum(max(0, r.stat(d, "fail_exhausted")) for d in r.stats)
    check_reserve_max(res, r, SMALLPOOL_MAX)
    res.check("smallpool/ran-out", ex > 0, f"fail_exhausted total={ex}")
    # The warning names the device, the pool and its limit, and what to do.
    knob = re.search(r"virtio_bounce: (virtio\d+): pool exhausted \((\d+)K in the pool, max (\d+)K\) "
                     r"mapping \d+ bytes; .* boot with virtio_bounce=\.\.\.,max=(\d+)K or above, "
                     r"or write that to /sys/bus/virtio/devices/(virtio\d+)/virtio_bounce/max", r.log)
    res.check("smallpool/exhausted-names-the-knob",
              knob and knob.group(1) == knob.group(5)
              and int(knob.group(3)) << 10 == r.stat(knob.group(1), "pool_max")
              and int(knob.group(4)) > int(knob.group(3)),
              "no exhaustion warning naming the device's max file and a larger max=")


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


def sc_iommu(res, cfg):
    r = boot(cfg, "iommu", kind="iommu", vb="on", iommu_platform=True)
    check_clean_log(res, r)
    check_data(res, r)
    check_claimed(res, r, "parent", direct=False)
    res.check("iommu/why", all("IOMMU-DMA domain" in v[3] for v in r.decisions.values()) and r.decisions,
              f"{r.decisions}")


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


def sc_xen_on(res, cfg):
    r = boot(cfg, "xen-on", kind="xen", vb="on", tests="blk+net+rng+xenstraddle")
    check_clean_log(res, r)
    check_data(res, r)
    check_claimed(res, r, "xen", direct=True)
    res.check("xen-on/translated", len(xen_translated(r)) > 0,
              f"no chunk with dma != phys: {r.chunks[:3]}")
    # A buffer across two machine-contiguous pages goes direct (its bus
    # address); once the second page has another machine frame, it bounces.
    x = re.search(r"VBVAL xen-straddle xen-straddle ops=(\S+) contig_before=(\d) contig_direct=(-?\d) "
                  r"exchange=(-?\d+) contig_after=(\d) straddle_bounced=(-?\d)", r.log)
    res.check("xen-on/contiguous-direct", x is not None and x.group(2) == "1" and x.group(3) == "1",
              f"{x.group(0) if x else 'no xen-straddle result'}")
    res.check("xen-on/straddle-bounced", x is not None and x.group(5) == "0" and x.group(6) == "1",
              f"{x.group(0) if x else 'no xen-straddle result'}")


def sc_xen_force(res, cfg):
    r = boot(cfg, "xen-force", kind="xen", vb="force")
    check_clean_log(res, r)
    check_data(res, r)
    check_claimed(res, r, "xen", direct=False)
    res.check("xen-force/translated", len(xen_translated(r)) > 0,
              f"no chunk with dma != phys: {r.chunks[:3]}")


def sc_xen_failpool(res, cfg):
    r = boot(cfg, "xen-failpool", kind="xen", vb="force",
             extra="fail_virtio_bounce_chunk=1,100,0,-1")
    check_clean_log(res, r)
    check_data(res, r)
    res.check("xen-failpool/message", "could not build any pool chunk: left to the stock path" in r.log
              and "cannot add a 256 KiB chunk to the xen pool" in r.log, "no clear message")
    res.check("xen-failpool/stock", not r.stats, f"debugfs dirs present: {list(r.stats)}")


# Chunks of 256 KiB in a device's progress reserve with 2 CPUs
# (vb_footprint(2) = 7936K, KUnit vb_test_footprint).
RESERVE_CHUNKS_2CPU = 31


def sc_xen_growfail(res, cfg):
    # Initial pools (4 devices x their progress reserve: 31 chunks of
    # 256 KiB with dom0's 2 vCPUs, vb_footprint(2)) are built, every later
    # exchange fails.  The fixed pools cannot hold virtio-net's RX ring
    # plus a write-back burst at once: what they cannot serve must go to
    # swiotlb-xen per mapping (fallback), with I/O intact and no stall.
    r = boot(cfg, "xen-growfail", kind="xen", vb="force", tests="blk+net+rng",
             extra=f"fail_virtio_bounce_chunk=1,100,{4 * RESERVE_CHUNKS_2CPU * (256 << 10) + 1},-1")
    check_clean_log(res, r)
    check_data(res, r)
    check_claimed(res, r, "xen", direct=False)
    fails = sum(max(0, r.stat(d, "grow_failures")) for d in r.stats)
    warned = len(re.findall(r"cannot add a \d+ KiB chunk to the xen pool", r.log))
    res.check("xen-growfail/said-once", fails > 0 and 0 < warned <= len(r.stats),
              f"grow_failures={fails}, warnings={warned} for {len(r.stats)} devices")
    fb = {d: r.stat(d, "fallback") for d in r.stats}
    fb_said = len(re.findall(r"mapping it through the device's previous DMA path \(xen_swiotlb_map_(?:page|phys)\)",
                             r.log))
    res.check("xen-growfail/fallback-to-swiotlb-xen",
              sum(fb.values()) > 0 and 0 < fb_said <= sum(1 for v in fb.values() if v > 0),
              f"fallback maps per device {fb}, messages {fb_said}")
    res.check("xen-growfail/no-failed-maps",
              all(r.stat(d, "fail_exhausted") == 0 for d in r.stats),
              f"fail_exhausted per device {[r.stat(d, 'fail_exhausted') for d in r.stats]}")


def sc_xen_stock(res, cfg):
    r = boot(cfg, "xen-stock", kind="xen", vb="off")
    check_clean_log(res, r)
    check_data(res, r)


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


def sc_legacy(res, cfg):
    # Legacy-only virtio-pci: VIRTIO_F_VERSION_1 is never negotiated.
    r = boot(cfg, "legacy", vb="force", legacy=True, timeout=cfg.short)
    check_data(res, r)
    res.check("legacy/devices-are-legacy", r.v1 and all(v == "v1=0" for v in r.v1.values()),
              f"VERSION_1 per device {r.v1}")
    check_claimed(res, r, "identity", direct=False)
    check_clean_log(res, r)


def sc_unknown_swiotlb(res, cfg):
    # iommu=unknown picks the parent backend; under swiotlb=force the parent
    # (dma-direct) would put each chunk in a swiotlb slot that is never synced.
    r = boot(cfg, "unknown-swiotlb", vb="on,iommu=unknown", extra="swiotlb=force",
             iommu_platform=True, timeout=cfg.short)
    check_data(res, r)
    res.check("unknown-swiotlb/message", re.search(r"bounced by swiotlb", r.log) is not None,
              f"no 'bounced by swiotlb' message; decisions {r.decisions}")
    res.check("unknown-swiotlb/stock", r.devs and not r.stats,
              f"debugfs dirs present: {list(r.stats)}")
    check_clean_log(res, r)


def our_map_fn(cfg):
    """The map function virtio_dma_bench reports for a claimed device."""
    return "vb_vmap_map_page" if cfg.map_ops else "vb_map_page"


SYNC_RE = re.compile(r"VBVAL sync sync need_sync=(?P<need_sync>-?\d+) for_cpu=(?P<for_cpu>\S+) "
                     r"for_device=(?P<for_device>\S+) sg=(?P<sg>\S+) partial=(?P<partial>\S+) "
                     r"unmap=(?P<unmap>\S+) map_page=(?P<map_page>\S+)")


def sc_sync(res, cfg):
    r = boot(cfg, "sync", vb="force", tests="sync+rng", timeout=cfg.short)
    check_data(res, r)
    check_clean_log(res, r)
    m = SYNC_RE.search(r.log)
    f = m.groupdict() if m else {}
    line = m.group(0) if m else "no sync result"
    res.check("sync/claimed", f.get("map_page") == our_map_fn(cfg), line)
    res.check("sync/need-sync", f.get("need_sync") == "1", line)
    for k in ("for_cpu", "for_device", "sg", "partial", "unmap"):
        res.check(f"sync/{k.replace('_', '-')}", f.get(k) == "ok", line)


def count_lines(log, pattern):
    return len(re.findall(pattern, log))


def sc_rebind(res, cfg):
    r = boot(cfg, "rebind", vb="force", tests="rebind+blk+net+rng", timeout=cfg.short)
    check_data(res, r)
    check_claimed(res, r, "identity", direct=False)
    check_clean_log(res, r)
    check_sums(res, r, "rebind-vdb-", 2)
    check_sums(res, r, "rebind-vda-", 1)
    rb = r.rebinds
    res.check("rebind/rebound", len(rb) == 12 and all(b and b == a for _, b, a in rb),
              f"{len(rb)} rebinds (want 12), driver before/after: {rb}")
    for d, n in sorted(collections.Counter(d for d, _, _ in rb).items()):
        dec = count_lines(r.log, rf"virtio_bounce: {d}: mode=force backend=identity ")
        rel = count_lines(r.log, rf"virtio_bounce: {d}: released")
        res.check(f"rebind/{d}-claimed-per-bind", dec == n + 1 and rel == n,
                  f"{n} rebinds: {dec} decision lines (want {n + 1}), {rel} 'released' (want {n})")


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


def sc_cpuhp(res, cfg):
    # CPU 1 goes offline/online while the blk test runs (in the background).
    r = boot(cfg, "cpuhp", vb="force", tests="net+cpuhp+rng", timeout=cfg.short)
    check_data(res, r.with_tests("blk"))
    check_claimed(res, r.with_tests("blk"), "identity", direct=False)
    check_clean_log(res, r)
    # The guest counts the cycles whose writes it saw take; the kernel's
    # own lines must agree (each offline, then the final one; each
    # online), and at least one cycle ran while the disk test did.
    n = int(r.vals.get("cpuhp-cycles", "-1")) if r.vals.get("cpuhp-cycles", "").isdigit() else -1
    io = int(r.vals.get("cpuhp-cycles-during-io", "0")) if r.vals.get("cpuhp-cycles-during-io", "").isdigit() else 0
    offl = r.log.count("smpboot: CPU 1 is now offline")
    onl = len(re.findall(r"smpboot: Booting Node \d+ Processor 1 ", r.log))
    res.check("cpuhp/cycles", n >= 3 and io >= 1 and offl == n + 1 and onl == n and
              r.vals.get("cpuhp-cpu1-online") == "0",
              f"guest: {n} cycles, {io} during the disk test, cpu1 online at the end "
              f"{r.vals.get('cpuhp-cpu1-online')}; kernel: {offl} offline, {onl} online")
    # Negative control: the same check on a dump taken while the net
    # device was still sending must see the slots CPU 0 caches.
    busy = r.pools.get("cpuhp-busy", {})
    net = r.devs_of("net")
    extra = {d: sum(o for _, _, o in busy[d].rows) - busy[d].in_use
             for d in net if d in busy}
    res.check("cpuhp/busy-net-detected", net and len(extra) == len(net) and
              all(v > 0 for v in extra.values()),
              f"after a ping, slots_out - in_use per net device {extra} (want > 0)")
    check_pools_idle(res, r, "cpuhp")


FAIL_END = re.compile(r"vbfail: END (virtio\d+) (\d+) injected=(\d) err=(\d+) state=(\w+) ?(\S*)")
VB_UNCLAIMED_MSG = re.compile(r"virtio_bounce: .*(not claimed|could not|cannot)")


class FailTry(typing.NamedTuple):
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
    dev, _, _, _, state, ops, seg = t
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
    print(f"  [{n}] {dev}: {len(mine)} fault points tried, last injected={mine[-1].injected}, "
          f"outcomes {dict(outcomes)}", flush=True)
    res.check(f"{n}/{dev}-every-fault-handled", not bad,
              f"{len(bad)} of {len(mine)} tries left the device in a bad state or said nothing; first:\n    "
              + "\n    ".join(bad[:3]))
    res.check(f"{n}/{dev}-all-points-reached", not mine[-1].injected,
              f"stopped at the cap ({len(mine)} tries) with faults still being injected")


def sc_failattach(res, cfg):
    # INTx (vectors=0): failed MSI-X setups trip genirq's own warnings
    # (remove_proc_entry 'smp_affinity'), which are not ours to test.
    r = boot(cfg, "failattach", vb="force", tests="failattach", msix=False)
    n = "failattach"
    res.check(f"{n}/boot", r.done and not r.timed_out, f"timeout={r.timed_out}, see {r.logf}")
    check_clean_log(res, r)
    res.check(f"{n}/fault-injection-available", r.vals.get("failattach-failslab") == "1",
              "no /sys/kernel/debug/failslab: only fail_virtio_bounce_chunk faults were injected")
    tries = fail_tries(r.log)
    devs = sorted({t.dev for t in tries})
    for dev in devs:
        check_fail_device(res, n, dev, [t for t in tries if t.dev == dev])
    print(f"  [{n}] resets after a failed probe: rng {r.vals.get('failattach-virtio_rng-resets')}, "
          f"vdb {r.vals.get('failattach-virtio_blk-resets')}", flush=True)
    res.check(f"{n}/tried", len(devs) >= 2, f"tries for {devs}")
    res.check(f"{n}/final-claimed", r.vals.get("failattach-virtio_rng-final") == "claimed" and
              r.vals.get("failattach-virtio_blk-final") == "claimed",
              f"rng {r.vals.get('failattach-virtio_rng-final')}, vdb {r.vals.get('failattach-virtio_blk-final')}")
    check_rng(res, r)
    res.check(f"{n}/vdb-data", same_digest(r.pattern_sha, r.sums.get("failattach-vdb")),
              "vdb read after the last bind differs from the pattern")


# max= of the progress scenario: below every device's progress reserve, so
# the pool is the smallest the kernel allows (the reserve, per device).
PROGRESS_MAX = "1M"


def refused_param(log):
    """The kernel's lines about a virtio_bounce= it ignored, if it did."""
    lines = [l.strip() for l in log.splitlines() if re.search(r"\] virtio_bounce: ", l)]
    return lines if any("ignoring 'virtio_bounce=" in l for l in lines) else []


def sc_progress(res, cfg):
    # A pool far smaller than two readers' and a writer's requests.
    r = boot(cfg, "progress", vb=f"force,pool=256K,max={PROGRESS_MAX}", tests="progress",
             timeout=cfg.scaled(180))
    check_data(res, r)
    res.check("progress/accepted", not refused_param(r.log), "\n    ".join(refused_param(r.log)))
    check_claimed(res, r, "identity", direct=False)
    check_clean_log(res, r)
    check_sums(res, r, "progress-", 10)
    res.check("progress/vda-image", same_digest(r.pattern_sha, r.img_sha[0]),
              "host image of vda differs from the pattern")
    check_reserve_max(res, r, PROGRESS_MAX)
    check_gap(res, r, "progress", "progress")


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


class BigTest(typing.NamedTuple):
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


def big_boot(cfg, name, test, vb, **opts):
    """One boot of a large-request test with a fresh seed: (Boot, seed)."""
    seed = random.randrange(1, 1 << 40)
    r = boot(cfg, name, vb=vb, tests=test, extra=f"vbseed={seed}", disk_mb=BIG_DISK_MB,
             timeout=cfg.scaled(300), **opts)
    vda = big_vda(r)
    print(f"  [{name}] {vda}: {r.vals.get('vda-queue', 'no queue limits')}, huge pages "
          f"{r.vals.get(test + '-hugepages', '?')}, largest slot used {r.vals.get(test + '-maxslot', '?')}, "
          f"pool_peak {r.stat(vda, 'pool_peak_bytes')} fail_exhausted {r.stat(vda, 'fail_exhausted')} "
          f"fallback {r.stat(vda, 'fallback')}", flush=True)
    return r, seed


def check_big(res, r, test, seed):
    check_big_data(res, r, test, seed, BIG_DISK_MB * MIB)
    check_big_bounced(res, r)
    check_clean_log(res, r)


def check_queue(res, r, key, want):
    """The scratch disk's queue limits say the QEMU property took."""
    q = dict(kv.split("=", 1) for kv in r.vals.get("vda-queue", "").split(",") if "=" in kv)
    res.check(f"{r.name}/setup-{key}", q.get(key) == str(want), f"vda {key} {q.get(key)} (want {want})")


def sc_bigio(name, opt_io, vb):
    def run(res, cfg):
        r, seed = big_boot(cfg, name, "bigio", vb, blk_props=f",opt_io_size={opt_io}")
        check_queue(res, r, "optimal_io_size", opt_io)
        check_big(res, r, "bigio", seed)
        # What the device was told: requests no larger than the progress
        # reserve holds (1280 KiB), segments no larger than a slot.
        q = dict(kv.split("=", 1) for kv in r.vals.get("vda-queue", "").split(",") if "=" in kv)
        res.check(f"{name}/requests-bounded",
                  q.get("max_sectors_kb", "").isdigit() and int(q["max_sectors_kb"]) <= 1280 and
                  q.get("max_segment_size", "").isdigit() and int(q["max_segment_size"]) <= 262144,
                  f"vda max_sectors_kb={q.get('max_sectors_kb')} max_segment_size={q.get('max_segment_size')} "
                  f"(want <= 1280 and <= 262144 whatever io_opt says)")
        if "max=" not in vb:
            return
        # A max= below what the kernel accepts: it keeps the mode (force)
        # and clamps max=, saying so; it must not drop the whole parameter.
        vda = big_vda(r)
        res.check(f"{name}/vda-mode-force", r.decisions.get(vda, ("?",))[0] == "force",
                  f"{vda}'s decision {r.decisions.get(vda)}")
        res.check(f"{name}/parameter-kept", not refused_param(r.log), "\n    " + "\n    ".join(refused_param(r.log)))
    return run


def sc_nohighorder(res, cfg):
    n = "nohighorder"
    r, seed = big_boot(cfg, n, n, "force")
    check_big(res, r, n, seed)
    inj = r.vals.get("nohighorder-injected", "")
    print(f"  [{n}] fail_page_alloc refused {inj or '?'} allocations; vda "
          f"{r.vals.get('nohighorder-watch', 'no watch line')} (last watch)", flush=True)
    grow = r.vals.get("nohighorder-grow-failures", "")
    carved = r.vals.get("nohighorder-recarves", "")
    # Refused, refused to the pool itself (it asked for chunks), and the
    # pool carved idle chunks instead.
    res.check(f"{n}/allocations-refused", inj.isdigit() and int(inj) > 0 and
              grow.isdigit() and int(grow) > 0 and carved.isdigit() and int(carved) > 0,
              f"fail_page_alloc refused {inj or 'nothing reported'} allocations of order >= 4 "
              f"(vda grow_failures during the test {grow or '?'}, recarves {carved or '?'}, "
              f"last watch {r.vals.get('nohighorder-watch')}, "
              f"pool after shrink {r.vals.get('nohighorder-pool-after-shrink')})")


MQ_MAXGAP = 10      # seconds vda's completions may stand still while workers run


def sc_mq(res, cfg):
    n = "mq"
    r, seed = big_boot(cfg, n, n, "force,pool=256K,max=1M", smp=4, blk_props=",num-queues=4")
    check_queue(res, r, "hw_queues", 4)
    check_big(res, r, n, seed)
    check_gap(res, r, "mq", n)


# ------------------------------------------------------------------ soak

# Soak scenarios (tests/guest/vbsoak.sh): kind, virtio_bounce=, faults.
# chunk=PCT and page=PCT are probabilities of fail_virtio_bounce_chunk and
# fail_page_alloc (atomic, order >= 6: the atomic grow path) once booted.
# max= of the small-pool soaks: a little above the progress reserve (7936K
# with 2 CPUs), so the pool grows in the map path (where page=PCT injects
# its failures) and still runs out.
SOAK_MAX = "10M"
SOAKS = {
    "soak-force": ("plain", f"force,pool=512K,max={SOAK_MAX}", "chunk=5+page=20+shrink+cpuhp+rebind"),
    "soak-xen-on": ("xen", "on", "chunk=30+shrink+rebind"),
    "soak-xen-force": ("xen", "force", "chunk=30+shrink+rebind"),
    "soak-iommu": ("iommu", "on", "chunk=5+shrink+cpuhp+rebind"),
    "soak-debug": ("debug", f"force,pool=512K,max={SOAK_MAX}", "chunk=5+page=20+shrink+cpuhp+rebind"),
}
# Kernel lines a soak may print (the design promises them, once per
# device): the pool ran out, a chunk could not be added, a mapping took the
# previous DMA path.  Any other virtio_bounce warning fails the soak.
SOAK_PROMISED = {   # kind (the table's words) -> the warning's text
    "pool exhausted": r"virtio_bounce: virtio\d+: pool exhausted \(",
    "cannot add a chunk": r"virtio_bounce: virtio\d+: cannot add a \d+ KiB chunk to the \w+ pool",
    "cannot serve now: fallback": r"virtio_bounce: virtio\d+: the \w+ pool \(\d+ KiB, \d+ failed grows\) cannot serve",
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
    kind, vb, faults = SOAKS[name]
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
    kind, vb, faults = SOAKS[name]
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
    print(f"  [{n}] {s['GiB verified']:.2f} GiB verified, corrupt {s['corrupt bytes']}, "
          f"maps failed {s['maps failed']}, fallback {s['fallback']}, grow failures {s['grow failures']}, "
          f"faults {s['faults']}, pool peak {s['pool peak KiB']} KiB, slots out idle {s['slots out idle']}, "
          f"{len(s['warnings'])} promised warning lines", flush=True)
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
    """Markdown rows: one per soak boot."""
    out = ["| scenario | lane | wall | GiB verified | corrupt bytes | fio verify errors | maps failed "
           "(retried) | fallback | grow failures | faults chunk / page / shrink / cpuhp / rebind | "
           "pool peak | slots out once idle: disks / net+rng | promised warning lines | result |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n, s, ok in rows:
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
                rows.append((n, None, False))
                continue
            rows.append((n, check_soak(res, cfg, n, r, size), res.failed == before))
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


# virtio_bounce= with a rule of each kind: net by type, rng off by type,
# the pattern disk (vdb, PCI 00:05.0, see vbqemu.qemu_cmd) by its DMA
# device; vda and nothing else keeps the global mode.
RULES_VDB = "0000:00:05.0"
RULES_VB = f"on,net:force,rng:off,{RULES_VDB}:force"
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


def sc_rules(res, cfg):
    r = boot(cfg, "rules", vb=RULES_VB, tests="blk+net+rng+rules")
    check_data(res, r)
    pci = dma_dev_of(r.log)
    net = (r.devs_of("net") or ["?"])[0]
    rng = (r.devs_of("rng") or ["?"])[0]
    vdb = next((d for d, p in pci.items() if p == RULES_VDB), "?")
    vda = next((d for d in r.devs_of("blk") if d != vdb), "?")
    want = {net: ("force", "identity", "no", "net:force"),
            rng: ("off", "none", "no", "rng:off"),
            vdb: ("force", "identity", "no", f"{RULES_VDB}:force"),
            vda: ("on", "identity", "yes", "default")}
    for d, (mode, be, direct, rule) in want.items():
        got = r.decisions.get(d)
        res.check(f"rules/decision-{d}", got is not None and (got[0], got[1], got[2], got[4]) == (mode, be, direct, rule),
                  f"dmesg says {got}, the rules say {(mode, be, direct, rule)}")
        sy = r.sysfs.get(d, {})
        res.check(f"rules/sysfs-decision-{d}",
                  (sy.get("mode"), sy.get("backend"), sy.get("one_to_one"), sy.get("rule")) ==
                  (mode, be, "1" if direct == "yes" else "0", rule) and got is not None and
                  (got[3] == sy.get("why") or got[3].startswith(f"{sy.get('why')} (")),
                  f"sysfs says {sy}")
    # debugfs: a directory for each device whose maps virtio_bounce makes
    # (on 6.12 the 1:1 device too, through dma_ops_bypass).
    claimed = {net, vdb} | (set() if cfg.map_ops else {vda})
    res.check("rules/debugfs-dirs", set(r.stats) == claimed, f"debugfs {sorted(r.stats)}, want {sorted(claimed)}")
    for d in sorted(claimed):
        check_sysfs_counters(res, r, d, "rules")
        res.check(f"rules/debugfs-decision-{d}", r.stats.get(d, {}).get("rule") == want[d][3] and
                  r.stats.get(d, {}).get("mode") == want[d][0], f"debugfs {r.stats.get(d)}")
    res.check("rules/vdb-bounced", r.stat(vdb, "bounced") > 0 and r.stat(vdb, "direct") == 0,
              f"vdb bounced={r.stat(vdb, 'bounced')} direct={r.stat(vdb, 'direct')}")
    res.check("rules/unclaimed-zero", all(r.sysfs.get(rng, {}).get(f) == "0" for f in SYSFS_VS_DEBUGFS),
              f"rng sysfs {r.sysfs.get(rng)}")
    # max: bad writes fail and change nothing; a good one takes.
    before = r.vals.get("max-before", "?")
    for what in ("junk", "small", "huge"):
        res.check(f"rules/max-{what}-refused", r.vals.get(f"max-{what}") == f"rc=1,now={before}",
                  f"{r.vals.get(f'max-{what}')} (max was {before})")
    res.check("rules/max-raised", r.vals.get("max-raised") == f"rc=0,now={32 << 20}", f"{r.vals.get('max-raised')}")
    res.check("rules/max-no-pool-refused", r.vals.get("max-nopool") == "rc=1,now=0", f"{r.vals.get('max-nopool')}")
    res.check("rules/max-change-logged", f"virtio_bounce: {net}: max {int(before) >> 10 if before.isdigit() else '?'}K -> 32768K"
              in r.log, "no max change line")
    res.check("rules/vbtop-ran", r.vals.get("vbtop-rc") == "0" and r.vals.get("vbtop-workload-inside") == "1",
              f"vbtop exit {r.vals.get('vbtop-rc')}, workload inside its interval "
              f"{r.vals.get('vbtop-workload-inside')} (interval {r.vals.get('vbtop-interval')} s)")
    check_vbtop(res, r, vdb, "rules")
    check_clean_log(res, r)


def sc_negative(res, cfg):
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
    fake = Boot(name="neg", done=True, timed_out=False, logf="-",
                tests=["blk"], pattern_sha=ref, img_sha=(ref, "0" * 64),
                sums={"blk-pattern-read": ref, "blk-direct-read": ref,
                      "blk-cached-read": ref})
    sub = Results(label="  control (one corruption to catch): ")
    check_data(sub, fake)
    res.check("negative/check_data-reports-corrupt-image", sub.failed == 1 and sub.passed == 5,
              f"{sub.passed} passed, {sub.failed} failed")
    # A soak whose guest counted one corrupt byte, and one whose host got
    # a stream with one byte changed: the corruption check must fail.
    for what, soak_bad, net in (("guest", "1", (1, 1, 0, 0, 1)), ("host", "0", (2, 1, 0, 1, 2))):
        fake = Boot(name="neg-soak", done=True, timed_out=False, logf="-", tests=["soak"],
                    pattern_sha=ref, sums={"soak-pattern": ref},
                    soak={"corrupt_bytes": soak_bad, "vdb_reads": "5", "vdb_errors": "0"},
                    net_streams=net)
        sub = Results(label=f"  control (a corrupt byte seen by the {what}): ")
        check_soak(sub, None, "soak-force", fake, SoakSize())
        res.check(f"negative/soak-corrupt-byte-{what}", "soak-force/corrupt-bytes-0" in sub.failures,
                  f"failed checks {sub.failures}")
    # sysfs against debugfs: equal counters pass, one counter off by one fails.
    st = {"maps": "5", "bounced": "4", "direct": "0", "fallback": "1", "fail_exhausted": "1",
          "fail_oversize": "0", "bytes_to_device": "4096", "bytes_from_device": "512", "pool_bytes": "1048576",
          "in_use": "2", "pool_peak_bytes": "1048576", "pool_max": "6291456"}
    sy = {"maps": "5", "bounced": "4", "direct": "0", "fallback": "1", "failures": "1", "bytes_to_device": "4096",
          "bytes_from_device": "512", "pool_bytes": "1048576", "in_use": "2", "peak_bytes": "1048576",
          "max": "6291456"}
    # the idle shrink scan released half a MiB between the two reads: a pool size
    # the device may have had passes; a pool above the peak, or a peak above
    # the one debugfs read later, fails
    for what, sysfs, want in (("clean", sy, 0), ("one-off", dict(sy, bytes_from_device="513"), 1),
                              ("no-stats", sy, 1),
                              ("pool-shrunk-between-reads", dict(sy, pool_bytes=str(512 << 10)), 0),
                              ("pool-above-max", dict(sy, pool_bytes=str(7 << 20), peak_bytes=str(7 << 20)), 1),
                              ("pool-above-peak", dict(sy, pool_bytes=str(2 << 20)), 1),
                              # a force device whose backend grows in the map path starts
                              # at 2.5 MiB and grew to 3.5 MiB: below pool=4M, as CI saw
                              ("pool-grown-below-min", dict(sy, pool_bytes=str(3584 << 10),
                                                            peak_bytes=str(3584 << 10),
                                                            max=str(32 << 20)), 0),
                              # max lowered below a pool that had grown: it stays until idle
                              ("pool-above-lowered-max", dict(sy, pool_bytes=str(7 << 20),
                                                              peak_bytes=str(7 << 20)), 0),
                              # sysfs was read first: its peak cannot be above debugfs's
                              ("peak-above-debugfs-peak", dict(sy, peak_bytes=str(2 << 20)), 1)):
        dst = dict(st)
        if what == "pool-grown-below-min":
            dst.update(pool_min=str(4 << 20), pool_bytes=str(3584 << 10), pool_peak_bytes=str(3584 << 10),
                       pool_max=str(32 << 20))
        elif what == "pool-above-lowered-max":
            dst.update(pool_bytes=str(7 << 20), pool_peak_bytes=str(7 << 20))
        fake = Boot(name="neg", stats={} if what == "no-stats" else {"virtio9": dst}, sysfs={"virtio9": sysfs})
        sub = Results(label=f"  control (sysfs vs debugfs, {what}): ")
        check_sysfs_counters(sub, fake, "virtio9", "neg")
        res.check(f"negative/sysfs-vs-debugfs-{what}", sub.failed == want, f"{sub.failed} failed, want {want}")
    head = "device type mode backend maps bounced direct fallback failed to_B from_B in_use pool_KiB max_KiB"
    good = f"virtio1 blk force identity 200 192 0 0 0 {VBTOP_READ + 64 * 17} {VBTOP_READ + 64} 0 1024 65536"
    for what, row, want in (("clean", good, 0), ("one-byte-short", good.replace(f" {VBTOP_READ + 64} ", f" {VBTOP_READ + 63} "), 1),
                            ("missing-row", "", 1), ("wrong-mode", good.replace(" force ", " on "), 1),
                            ("failed-maps", good.replace(" 0 0 0 ", " 0 0 3 ", 1), 1)):
        fake = Boot(name="neg", top=[head.split()] + ([row.split()] if row else []))
        sub = Results(label=f"  control (vbtop, {what}): ")
        check_vbtop(sub, fake, "virtio1", "neg")
        res.check(f"negative/vbtop-{what}", sub.failed == want, f"{sub.failed} failed, want {want}")
    # A device that warned twice in one bind fails; once per bind passes.
    one = "[1] virtio_bounce: virtio0: pool exhausted (1K\n"
    rel = "[2] virtio_bounce: virtio0: released\n"
    res.check("negative/promised-warning-twice-in-a-bind", promised_repeats(one + one) and
              not promised_repeats(one + rel + one), f"{promised_repeats(one + one)}")
    check_shared_workdir(res)
    check_big_controls(res)


def sc_controls(res, cfg):
    """Negative controls through a real boot: guest, serial console, parser
    and host checks must turn real faults red.  One boot with
    virtio_bounce=on (devices map 1:1), a pattern disk with one byte the
    host flipped after taking its digest, and LKDTM's WARNING, BUG and hung
    task (tests/guest/init t_provoke).  Each check below passes only if
    the check it controls fails on this boot, for the planted reason."""
    at = SIZE // 2 + 12345
    r = boot(cfg, "controls", vb="on", tests="blk+provoke", corrupt_at=at)
    if not res.check("controls/boot", r.finished,
                     f"guest did not finish (timeout={r.timed_out}), see {r.logf}"):
        return
    res.check("controls/lkdtm", r.vals.get("provoke-lkdtm") == "1",
              "no /sys/kernel/debug/provoke-crash/DIRECT (CONFIG_LKDTM)")
    bad = bad_lines(r.log)
    for what, pat in (("warning", r"WARNING: .*lkdtm"), ("bug", r"kernel BUG at .*lkdtm"),
                      ("hung-task", r"INFO: task .* blocked for more than")):
        res.check(f"controls/clean-log-catches-{what}", any(re.search(pat, l) for l in bad),
                  f"no line matching {pat!r} among the {len(bad)} the clean-log check flags")
    sub = Results(label="  control (clean-log on an LKDTM boot): ")
    check_clean_log(sub, r)
    res.check("controls/clean-log-fails", sub.failures == ["controls/clean-log"], f"failed {sub.failures}")
    # The guest read what the host wrote (the flipped disk); only the
    # comparison with the pattern may fail, each of the five.
    res.check("controls/guest-read-the-flipped-disk",
              same_digest(r.disk_sha, r.sums.get("blk-pattern-read")) and r.disk_sha != r.pattern_sha,
              "the guest's read of the pattern disk is not the flipped image")
    sub = Results(label="  control (data checks, one byte flipped by the host): ")
    check_data(sub, r)
    res.check("controls/data-check-fails", sub.failed == 5 and "controls/boot" not in sub.failures,
              f"{sub.passed} passed, failed {sub.failures}")
    # The force checks against a boot whose devices map 1:1.
    sub = Results(label="  control (force checks on a 1:1 boot): ")
    check_claimed(sub, r, "identity", direct=False)
    res.check("controls/force-check-fails-on-1:1", sub.failed >= 1, f"{sub.passed} passed, none failed")


def sc_hold(name, kind):
    """A mapping held across removal of its PCI function (issue 25.5):
    tests/guest/init t_hold, on an IOMMU (parent backend: its shrink
    unmaps through the device).  The driver leaves with the mapping live; the
    state must say so and keep the slot, stop its own workers (no report
    when a shrink would have run, 12 s later), and a rescan must claim the
    new device afresh; the disks' data afterwards intact.  In the soak
    debug kernel (hold-debug: KASAN, lockdep, DMA_API_DEBUG) a use after
    free of the removed device would be a report."""
    def sc(res, cfg):
        if kind == "debug" and not os.path.exists(cfg.debug_kernel):
            res.check(f"{name}/debug-kernel", False, f"no debug kernel at {cfg.debug_kernel}: make debug-kernel")
            return
        # The parent backend (IOMMU-DMA: the pool mapped through the
        # device's IOMMU domain) is the one whose shrink unmaps through the
        # device; the debug kernel has no IOMMU: force, identity.
        if kind == "debug":
            r = boot(cfg, name, kind=kind, vb="force", tests="hold+blk", timeout=cfg.scaled(300))
        else:
            r = boot(cfg, name, kind="iommu", iommu_platform=True, vb="on", tests="hold+blk")
        check_data(res, r)
        bad = bad_lines(r.log) if kind != "debug" else [l.strip() for l in r.log.splitlines() if BAD_SOAK_LOG.search(l)]
        res.check(f"{name}/clean-log", not bad, "\n    " + "\n    ".join(bad[:8]))
        old_dev = (r.vals.get("hold-dev") or "?,?").split(",")
        res.check(f"{name}/held", r.vals.get("hold-result", "").startswith("hold,dma=0x"),
                  f"bench hold said {r.vals.get('hold-result')!r}")
        res.check(f"{name}/removed", r.vals.get("hold-removed") == "1", f"{r.vals.get('hold-removed')}")
        after = r.log.partition("vbhold: remove")[2].partition("vbhold: rescan")[0]
        leak = re.search(rf"virtio_bounce: {old_dev[0]}: (1 mappings still live after the driver left: leaking the pool|"
                         rf"driver released the device with 1 mappings still live)", after)
        res.check(f"{name}/live-mapping-said", leak is not None,
                  f"no line saying {old_dev[0]} left with 1 mapping live between remove and rescan")
        new = (r.vals.get("hold-new") or "?,?").split(",")
        rescan = r.log.partition("vbhold: rescan")[2]
        res.check(f"{name}/rescan-claimed", len(new) == 2 and new[1] == "virtio_rng" and
                  re.search(rf"virtio_bounce: {new[0]}: mode=(force backend=identity|on backend=parent)", rescan) is not None,
                  f"after rescan: {r.vals.get('hold-new')}; decision line {'found' if new[0] in rescan else 'missing'}")
        res.check(f"{name}/rng-after-rescan", r.vals.get("hold-rng-bytes") == "1024", f"{r.vals.get('hold-rng-bytes')}")
    return sc


def check_big_controls(res):
    """The large-request checks against fakes: a clean one passes, each
    fault fails exactly one check."""
    seed = 12345
    t = BigTest(((0, MIB, 0), (MIB, MIB, 5)), ("neg-r1", "neg-r2"), 4, 0)
    img = splitmix_pattern(0, MIB, seed) + splitmix_pattern(MIB, MIB, seed + 5) + bytes(MIB)
    vals = {"neg-rc": "0,0,0,0", "neg-r1-diff": "0", "neg-r2-diff": "0"}

    def flip(b, at):
        return b[:at] + bytes([b[at] ^ 0x10]) + b[at + 1:]
    for what, kw, want in (("clean", {}, 0),
                           ("hang", {"done": False, "timed_out": True}, 1),
                           ("image-byte-flipped", {"img": flip(img, MIB + 4097)}, 1),
                           ("image-old-round", {"img": splitmix_pattern(0, 2 * MIB, seed) + bytes(MIB)}, 1),
                           ("image-short", {"img": img[:2 * MIB]}, 2),
                           ("stray-write", {"img": flip(img, 2 * MIB + 77)}, 1),
                           ("reader-diff", {"vals": dict(vals, **{"neg-r2-diff": "1"})}, 1),
                           ("reader-missing", {"vals": {k: v for k, v in vals.items() if k != "neg-r1-diff"}}, 1),
                           ("worker-rc", {"vals": dict(vals, **{"neg-rc": "0,0,1,0"})}, 1),
                           ("worker-rc-missing", {"vals": dict(vals, **{"neg-rc": "0,0,0"})}, 1),
                           ("io-error", {"vals": dict(vals, **{"neg-w-err": "write-at-0-len-4096-got--1-errno-5"})}, 1)):
        fake = Boot(**dict(dict(name="neg", done=True, timed_out=False, logf="-", vals=vals, img=img), **kw))
        sub = Results(label=f"  control (large requests, {what}): ")
        check_big_data(sub, fake, "neg", seed, 3 * MIB, t)
        res.check(f"negative/big-{what}", sub.failed == want, f"{sub.failed} failed, want {want}")


def check_shared_workdir(res):
    """Two boots at once in one work directory (make soak beside make bench,
    or two soak groups): each guest's pattern disk must stay its own from
    start to end.  QEMU is replaced by a stand-in that reads the disk when
    the boot starts and again once both boots are running."""
    both = threading.Barrier(2, timeout=30)
    seen = {}

    def fake_qemu(cmd, logf, timeout, *_):
        path = next(a.split("file=")[1].split(",")[0] for a in cmd if "id=d1," in a)
        with open(path, "rb") as f:
            first = sha(f.read())
        both.wait()             # the other boot has written its pattern by now
        with open(path, "rb") as f:
            seen[threading.current_thread().name] = (first, sha(f.read()))
        return "VBDONE\n", 0.0, False

    real = vbqemu.run_qemu
    reports = {}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = BootConfig(workdir=tmp, timeout=30)
        vbqemu.run_qemu = fake_qemu
        try:
            threads = [threading.Thread(name=n, target=lambda n=n: reports.__setitem__(
                n, vbqemu.boot(cfg, BootOptions(n, quiet=True)))) for n in ("share-a", "share-b")]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            vbqemu.run_qemu = real
    for n in ("share-a", "share-b"):
        first, last = seen.get(n, (None, None))
        want = reports[n].pattern_sha if n in reports else None
        res.check(f"harness/shared-workdir-{n}-keeps-its-pattern",
                  same_digest(want, first) and same_digest(want, last),
                  f"pattern disk at start {'ok' if same_digest(want, first) else 'differs'}, "
                  f"at end {'ok' if same_digest(want, last) else 'differs (the other boot rewrote it)'}")


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


TRACE_MAP = re.compile(r"virtio_bounce_map: dev=(\S+) phys=0x([0-9a-f]+) dma=0x([0-9a-f]+) size=(\d+) dir=\d bounced=(\d)")


def trace_addresses(r, dev, pool_dev):
    """(bounced maps of @dev in the trace, those whose device range lies in
    a chunk of @pool_dev's pool and whose buffer lies outside it)."""
    chunks = []
    for line in r.log.splitlines():
        m = re.search(r"VBTCHUNK (\S+) 0x([0-9a-f]+) 0x([0-9a-f]+) (\d+) (\d+)", line)
        if m and m.group(1) == pool_dev:
            chunks.append((int(m.group(2), 16), int(m.group(3), 16), int(m.group(4))))
    maps = good = 0
    for line in section(r.log, "VBTRACE-BEGIN", "VBTRACE-END").splitlines():
        m = TRACE_MAP.search(line)
        if not m or m.group(1) != dev or m.group(5) != "1":
            continue
        maps += 1
        phys, dma, size = int(m.group(2), 16), int(m.group(3), 16), int(m.group(4))
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


SCENARIOS = {
    "negative": sc_negative,
    "controls": sc_controls,
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
    "rules": sc_rules,
    "bigio-8m": sc_bigio("bigio-8m", 8 * MIB, "force"),
    "bigio-64m": sc_bigio("bigio-64m", 64 * MIB, "force,pool=256K,max=1M"),
    # the other two corners: 8 MiB at the old smallest max= (5256K, which
    # the kernel now raises to the reserve), 64 MiB at the default max=
    "bigio-8m-small": sc_bigio("bigio-8m-small", 8 * MIB, "force,pool=256K,max=5256K"),
    "bigio-64m-default": sc_bigio("bigio-64m-default", 64 * MIB, "force"),
    "nohighorder": sc_nohighorder,
    "hold": sc_hold("hold", "iommu"),
    "hold-debug": sc_hold("hold-debug", "debug"),
    "mq": sc_mq,
}
SCENARIOS.update({n: sc_soak(n) for n in SOAKS})


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


def e2e_cmd(cfg, names):
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"unknown scenario {unknown[0]}; try: {' '.join(SCENARIOS)}")
        return 2
    res = Results()
    print(f"e2e: lane {cfg.lane}: {os.path.relpath(cfg.kernel)}, Xen {os.path.relpath(cfg.xen)}")
    for n in names:
        SCENARIOS[n](res, cfg)
    print(f"e2e: {res.passed} passed, {res.failed} failed")
    return 0 if res.failed == 0 else 1


def parse_args(argv=None):
    ap = argparse.ArgumentParser(prog="vbtest.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", metavar="{e2e,soak,demo,trace,list}")
    e2e = sub.add_parser("e2e", help="run scenarios (default: all)")
    e2e.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    sub.add_parser("demo", help="boot once with virtio_bounce=on and show what it did")
    trace = sub.add_parser("trace", help="boot (force), trace a workload, run vb_trace.py")
    trace.add_argument("outdir", nargs="?", default=os.path.join(B, "trace"), metavar="OUTDIR")
    sub.add_parser("list", help="list the scenarios")
    soak = sub.add_parser("soak", help="the long soak (SOAK_GIB per scenario), table into docs/soak.md")
    soak.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    soak.add_argument("--gib", type=float, default=8, help="GiB of fio traffic per scenario (default 8)")
    soak.add_argument("--jobs", type=int, default=1, help="scenarios booted at once (default 1)")
    soak.add_argument("--out", default=os.path.join(TOP, "docs/soak.md"),
                      help="append the table here ('' for none)")
    e2e.add_argument("--exclude", default="", metavar="PREFIX[,PREFIX]",
                     help="leave out the scenarios whose names start with a PREFIX")
    return ap.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    cfg = BootConfig.from_env()
    if a.command == "list":
        print("\n".join(SCENARIOS))
        return 0
    if a.command == "demo":
        return demo(cfg)
    if a.command == "trace":
        return trace_cmd(cfg, a.outdir)
    if a.command == "e2e":
        names = a.scenarios or list(SCENARIOS)
        ex = tuple(p for p in a.exclude.split(",") if p)
        return e2e_cmd(cfg, [n for n in names if not (ex and n.startswith(ex))])
    if a.command == "soak":
        return soak_cmd(cfg, a.scenarios, a.gib, a.out, a.jobs)
    print(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
