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
boot, default 240), VB_LANE (a lane of scripts/lanes.tsv, default 7.3:
picks the kernel and Xen),
VB_KERNEL, VB_INITRD, VB_XEN (paths).
"""
# The harness, by job (as the kernel's kunit.py, kunit_parser.py, ...):
#   vbtest.py            this command line
#   vbtest_checks.py     Results, the log parsers and the shared checks
#   vbtest_scenarios.py  the scenarios and their registry (name, level)
#   vbtest_soak.py       the soaks: short (soak-*) and long (vbtest.py soak)
#   vbtest_trace.py      the trace scenario, vbtest.py trace and demo
#   vbtest_test.py       unit tests of all this (and the checker self-tests
#                        that the "negative" scenario reports)
#   vbqemu.py            one boot under QEMU or Xen (shared with benchmarks/)
import argparse
import os
import sys

from vbqemu import B, TOP, BootConfig
from vbtest_checks import Results
from vbtest_scenarios import RUN_LEVELS, SCENARIOS, select
from vbtest_soak import soak_cmd
from vbtest_trace import demo, trace_cmd


def e2e_cmd(cfg, names, level="all", exclude=()):
    """Run the scenarios select() picks; "e2e: N passed, N failed"."""
    try:
        todo = select(names, level, exclude)
    except KeyError as e:
        print(e.args[0])
        return 2
    res = Results()
    print(f"e2e: lane {cfg.lane}: {os.path.relpath(cfg.kernel)}, Xen {os.path.relpath(cfg.xen)}")
    for sc in todo:
        sc.run(res, cfg)
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
    e2e.add_argument("--level", default="all", choices=list(RUN_LEVELS),
                     help="ci: the ci-level scenarios; full: and the short soaks; all (default): "
                          "and those on the soak debug kernel (soak-debug, hold-debug)")
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
        return e2e_cmd(cfg, a.scenarios, a.level, a.exclude.split(","))
    if a.command == "soak":
        return soak_cmd(cfg, a.scenarios, a.gib, a.out, a.jobs)
    print(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
