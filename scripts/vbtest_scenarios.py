# SPDX-License-Identifier: GPL-2.0
"""virtio_bounce end-to-end harness: the scenarios, each one or more boots
and its checks, and their registry (scripts/vbtest.py is the entry point).

    for sc in select(level="ci"):       # Scenario(name, run, level)
        sc.run(res, cfg)
"""
import collections
import dataclasses
import os
import random
import re
import typing

from vbqemu import SIZE, BootConfig, same_digest
from vbtest_checks import (BIG_DISK_MB, MIB, RULES_VDB, SYSFS_VS_DEBUGFS, Results, bad_lines, big_vda, boot,
                           check_big, check_claimed, check_clean_log, check_data, check_fail_device, check_gap,
                           check_pools_idle, check_queue, check_reserve_max, check_rng, check_sums,
                           check_sysfs_counters, check_vbtop, count_lines, dma_dev_of, fail_tries, refused_param,
                           xen_translated)
from vbtest_soak import BAD_SOAK_LOG, SOAKS, sc_soak
from vbtest_trace import sc_trace

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
        bad = [d for d in vdevs if (getattr(r.decisions.get(d), "backend", None),
                                  getattr(r.decisions.get(d), "direct", None)) != ("identity", "yes")]
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
    # The default off is recorded in sysfs and traced, not logged per device.
    off = {d: (v.get("mode"), v.get("backend"), v.get("rule")) for d, v in r.sysfs.items()}
    res.check("junk/stock", r.devs and len(off) == len(r.devs) and
              all(v == ("off", "none", "default") for v in off.values()) and not r.stats, f"{off}")
    res.check("junk/quiet-when-off", not r.decisions, f"decision lines logged for the default off: {r.decisions}")


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
                     r"mapping \d+ bytes; (?:.* )?boot with virtio_bounce=\.\.\.,max=(\d+)K or above, "
                     r"or write that to /sys/bus/virtio/devices/(virtio\d+)/virtio_bounce/max", r.log)
    res.check("smallpool/exhausted-names-the-knob",
              knob and knob.group(1) == knob.group(5)
              and int(knob.group(3)) << 10 == r.stat(knob.group(1), "pool_max")
              and int(knob.group(4)) > int(knob.group(3)),
              "no exhaustion warning naming the device's max file and a larger max=")


def sc_iommu(res, cfg):
    r = boot(cfg, "iommu", kind="iommu", vb="on", iommu_platform=True)
    check_clean_log(res, r)
    check_data(res, r)
    check_claimed(res, r, "parent", direct=False)
    res.check("iommu/why", all("IOMMU-DMA domain" in v.why for v in r.decisions.values()) and r.decisions,
              f"{r.decisions}")


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
    res.check("xen-stock/quiet-when-off", r.sysfs and not r.decisions,
              f"sysfs records {sorted(r.sysfs)}, decision lines {r.decisions}")


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
    res.note(f"  [{n}] resets after a failed probe: rng {r.vals.get('failattach-virtio_rng-resets')}, "
          f"vdb {r.vals.get('failattach-virtio_blk-resets')}")
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
        res.check(f"{name}/vda-mode-force", getattr(r.decisions.get(vda), "mode", "?") == "force",
                  f"{vda}'s decision {r.decisions.get(vda)}")
        res.check(f"{name}/parameter-kept", not refused_param(r.log), "\n    " + "\n    ".join(refused_param(r.log)))
    return run


def sc_nohighorder(res, cfg):
    n = "nohighorder"
    r, seed = big_boot(cfg, n, n, "force")
    check_big(res, r, n, seed)
    inj = r.vals.get("nohighorder-injected", "")
    res.note(f"  [{n}] fail_page_alloc refused {inj or '?'} allocations; vda "
          f"{r.vals.get('nohighorder-watch', 'no watch line')} (last watch)")
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


def sc_mq(res, cfg):
    n = "mq"
    r, seed = big_boot(cfg, n, n, "force,pool=256K,max=1M", smp=4, blk_props=",num-queues=4")
    check_queue(res, r, "hw_queues", 4)
    check_big(res, r, n, seed)
    check_gap(res, r, "mq", n)


# virtio_bounce= with a rule of each kind: net by type, rng off by type,
# the pattern disk (vdb, PCI 00:05.0, see vbqemu.qemu_cmd) by its DMA
# device; vda and nothing else keeps the global mode.
RULES_VB = f"on,net:force,rng:off,{RULES_VDB}:force"


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
        res.check(f"rules/decision-{d}", got is not None and (got.mode, got.backend, got.direct, got.rule) == (mode, be, direct, rule),
                  f"dmesg says {got}, the rules say {(mode, be, direct, rule)}")
        sy = r.sysfs.get(d, {})
        res.check(f"rules/sysfs-decision-{d}",
                  (sy.get("mode"), sy.get("backend"), sy.get("one_to_one"), sy.get("rule")) ==
                  (mode, be, "1" if direct == "yes" else "0", rule) and got is not None and
                  got.token == sy.get("why") and re.fullmatch(r"[a-z0-9-]+", got.token or "") is not None,
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
    res.check("rules/max-kept-at-rebind", r.vals.get("max-rebound") == str(32 << 20),
              f"max after the net driver's unbind and bind: {r.vals.get('max-rebound')}")
    res.check("rules/max-no-pool-refused", r.vals.get("max-nopool") == "rc=1,now=0", f"{r.vals.get('max-nopool')}")
    res.check("rules/max-change-logged", f"virtio_bounce: {net}: max {int(before) >> 10 if before.isdigit() else '?'}K -> 32768K"
              in r.log, "no max change line")
    res.check("rules/vbtop-ran", r.vals.get("vbtop-rc") == "0" and r.vals.get("vbtop-workload-inside") == "1",
              f"vbtop exit {r.vals.get('vbtop-rc')}, workload inside its interval "
              f"{r.vals.get('vbtop-workload-inside')} (interval {r.vals.get('vbtop-interval')} s)")
    check_vbtop(res, r, vdb, "rules")
    check_clean_log(res, r)


def sc_negative(res, cfg):
    """Negative controls: the checks above must be able to fail.  The
    checker self-tests live in scripts/vbtest_test.py (unittest runs them
    too); here each is a check of the run."""
    import vbtest_test      # not at the top: it imports this module
    vbtest_test.run_controls(res)


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


# Levels: which runs take a scenario (run-tests.sh LANE:LEVEL, vbtest.py
# e2e --level): ci every run; soak a short soak (full and all); debug one
# that boots the soak debug kernel (make debug-kernel), all only.
LEVELS = ("ci", "soak", "debug")
RUN_LEVELS = {"ci": ("ci",), "full": ("ci", "soak"), "all": LEVELS}


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One end-to-end scenario: its name, what runs it (it adds its checks
    to a Results), and its level (LEVELS)."""
    name: str
    run: typing.Callable[[Results, BootConfig], None]
    level: str = "ci"

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"{self.name}: level {self.level!r} is none of {LEVELS}")


SCENARIOS = {s.name: s for s in [
    Scenario("negative", sc_negative),
    Scenario("controls", sc_controls),
    Scenario("on", sc_on),
    Scenario("force", sc_force),
    Scenario("junk", sc_junk),
    Scenario("smallpool", sc_smallpool),
    Scenario("iommu", sc_iommu),
    Scenario("xen-on", sc_xen_on),
    Scenario("xen-force", sc_xen_force),
    Scenario("xen-failpool", sc_xen_failpool),
    Scenario("xen-growfail", sc_xen_growfail),
    Scenario("xen-stock", sc_xen_stock),
    Scenario("trace", sc_trace),
    Scenario("legacy", sc_legacy),
    Scenario("unknown-swiotlb", sc_unknown_swiotlb),
    Scenario("sync", sc_sync),
    Scenario("rebind", sc_rebind),
    Scenario("cpuhp", sc_cpuhp),
    Scenario("failattach", sc_failattach),
    Scenario("progress", sc_progress),
    Scenario("rules", sc_rules),
    Scenario("bigio-8m", sc_bigio("bigio-8m", 8 * MIB, "force")),
    Scenario("bigio-64m", sc_bigio("bigio-64m", 64 * MIB, "force,pool=256K,max=1M")),
    # the other two corners: 8 MiB at the old smallest max= (5256K, which
    # the kernel now raises to the reserve), 64 MiB at the default max=
    Scenario("bigio-8m-small", sc_bigio("bigio-8m-small", 8 * MIB, "force,pool=256K,max=5256K")),
    Scenario("bigio-64m-default", sc_bigio("bigio-64m-default", 64 * MIB, "force")),
    Scenario("nohighorder", sc_nohighorder),
    Scenario("hold", sc_hold("hold", "iommu")),
    Scenario("hold-debug", sc_hold("hold-debug", "debug"), level="debug"),
    Scenario("mq", sc_mq),
] + [Scenario(n, sc_soak(n), s.level) for n, s in SOAKS.items()]}


def select(names=(), level="all", exclude=()):
    """The scenarios to run, in order: @names (default: all), those of
    run level @level (RUN_LEVELS) whose names start with no prefix in
    @exclude.  KeyError on an unknown name or level."""
    if level not in RUN_LEVELS:
        raise KeyError(f"unknown level {level}; try: {' '.join(RUN_LEVELS)}")
    for n in names:
        if n not in SCENARIOS:
            raise KeyError(f"unknown scenario {n}; try: {' '.join(SCENARIOS)}")
    ex = tuple(p for p in exclude if p)
    return [SCENARIOS[n] for n in (names or list(SCENARIOS))
            if SCENARIOS[n].level in RUN_LEVELS[level] and not (ex and n.startswith(ex))]
