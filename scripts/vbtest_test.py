#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the test runners, as the kernel's kunit_tool_test.py is of
kunit.py: the log parsers and checkers of vbtest_checks.py (fed fakes, and
the checker self-tests that the "negative" e2e scenario also reports), the
lane table (scripts/lane.sh and scripts/lanes.py agree), and the scenario
registry (levels select what run-tests.sh ran by name before).

    python3 scripts/vbtest_test.py [-v] [TestCase[.test]]

No boot, no build: seconds.  scripts/host-checks.sh runs it.
"""
import contextlib
import hashlib
import io
import os
import random
import subprocess
import sys
import tempfile
import threading
import unittest
import unittest.mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kunit_summary    # noqa: E402
import lanes            # noqa: E402
import vbqemu           # noqa: E402
import vbtest           # noqa: E402
import vbtest_checks as vc      # noqa: E402
import vbtest_scenarios         # noqa: E402
import vbtest_soak      # noqa: E402
import vbtest_trace     # noqa: E402
from vbqemu import SIZE, Boot, BootConfig, BootOptions, same_digest, sha     # noqa: E402
from vbtest_checks import (MIB, VBTOP_READ, BigTest, Results, check_big_data, check_data,   # noqa: E402
                           check_sysfs_counters, check_vbtop, splitmix_pattern)
from vbtest_soak import SoakSize, check_soak, promised_repeats     # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# ------------------------------------------------------ checker self-tests


def run_controls(res):
    """Negative controls: each check must be able to fail.  Every control
    is one check of @res named negative/... or harness/... (the "negative"
    scenario's lines); its own checks print to @res.out, labelled."""
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
    sub = Results(out=res.out, label="  control (one corruption to catch): ")
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
        sub = Results(out=res.out, label=f"  control (a corrupt byte seen by the {what}): ")
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
        sub = Results(out=res.out, label=f"  control (sysfs vs debugfs, {what}): ")
        check_sysfs_counters(sub, fake, "virtio9", "neg")
        res.check(f"negative/sysfs-vs-debugfs-{what}", sub.failed == want, f"{sub.failed} failed, want {want}")
    head = "device type mode backend maps bounced direct fallback failed to_B from_B in_use pool_KiB max_KiB"
    good = f"virtio1 blk force identity 200 192 0 0 0 {VBTOP_READ + 64 * 17} {VBTOP_READ + 64} 0 1024 65536"
    for what, row, want in (("clean", good, 0), ("one-byte-short", good.replace(f" {VBTOP_READ + 64} ", f" {VBTOP_READ + 63} "), 1),
                            ("missing-row", "", 1), ("wrong-mode", good.replace(" force ", " on "), 1),
                            ("failed-maps", good.replace(" 0 0 0 ", " 0 0 3 ", 1), 1)):
        fake = Boot(name="neg", top=[head.split()] + ([row.split()] if row else []))
        sub = Results(out=res.out, label=f"  control (vbtop, {what}): ")
        check_vbtop(sub, fake, "virtio1", "neg")
        res.check(f"negative/vbtop-{what}", sub.failed == want, f"{sub.failed} failed, want {want}")
    # A device that warned twice in one bind fails; once per bind passes.
    one = "[1] virtio_bounce: virtio0: pool exhausted (1K\n"
    rel = "[2] virtio_bounce: virtio0: released\n"
    res.check("negative/promised-warning-twice-in-a-bind", promised_repeats(one + one) and
              not promised_repeats(one + rel + one), f"{promised_repeats(one + one)}")
    check_shared_workdir(res)
    check_big_controls(res)


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
        sub = Results(out=res.out, label=f"  control (large requests, {what}): ")
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


class ControlsTest(unittest.TestCase):
    """The checker self-tests, as the "negative" scenario runs them: every
    control catches its planted fault."""

    @classmethod
    def setUpClass(cls):
        cls.res = Results(out=io.StringIO())
        vbtest_scenarios.SCENARIOS["negative"].run(cls.res, None)     # run_controls(), no boot

    def test_every_control_holds(self):
        for c in self.res.checks:
            with self.subTest(c.name):
                self.assertTrue(c.ok, c.detail)

    def test_every_control_ran(self):
        names = [c.name for c in self.res.checks]
        self.assertGreaterEqual(len(names), 30)
        self.assertTrue(all(n.startswith(("negative/", "harness/")) for n in names))
        for n in ("negative/check_data-reports-corrupt-image", "negative/soak-corrupt-byte-host",
                  "negative/vbtop-one-byte-short", "negative/big-stray-write",
                  "harness/shared-workdir-share-b-keeps-its-pattern"):
            self.assertIn(n, names)
        # the controls' own checks went where the Results said, labelled
        self.assertIn("  control (vbtop, wrong-mode): caught neg/vbtop-known-workload", self.res.out.getvalue())


# ---------------------------------------------------------------- results


class ResultsTest(unittest.TestCase):
    def test_lines_and_counts(self):
        out = io.StringIO()
        res = Results(out=out)
        self.assertTrue(res.check("a/ok", True, "not shown"))
        self.assertFalse(res.check("a/bad", [], "why"))
        self.assertFalse(res.check("a/bare", None))
        self.assertEqual(out.getvalue(), "PASS a/ok\nFAIL a/bad: why\nFAIL a/bare\n")
        self.assertEqual((res.passed, res.failed, res.failures), (1, 2, ["a/bad", "a/bare"]))
        self.assertEqual(res.checks[1], vc.Check("a/bad", False, "why"))

    def test_control_label(self):
        out = io.StringIO()
        res = Results(label="  control (x): ", out=out)
        res.check("n/1", True)
        res.check("n/2", False, "seen")
        self.assertEqual(out.getvalue(), "  control (x): ok n/1\n  control (x): caught n/2: seen\n")


# ---------------------------------------------------------------- parsers

DECISIONS = """\
[    1.10] virtio-pci 0000:00:04.0: virtio_bounce: virtio1: mode=force backend=identity direct=no rule=default: forced
[    1.20] virtio-pci 0000:00:05.0: virtio_bounce: virtio2: mode=on backend=parent direct=no rule=blk:on: \
IOMMU-DMA domain (translated)
"""


class ParserTest(unittest.TestCase):
    def test_decisions_are_named(self):
        d = vbqemu.decisions(DECISIONS)
        self.assertEqual(d["virtio1"], vbqemu.Decision("force", "identity", "no", "forced", "default"))
        self.assertEqual((d["virtio2"].mode, d["virtio2"].rule, d["virtio2"].why),
                         ("on", "blk:on", "IOMMU-DMA domain (translated)"))
        self.assertEqual(vc.dma_dev_of(DECISIONS), {"virtio1": "0000:00:04.0", "virtio2": "0000:00:05.0"})

    def test_parse_joins_split_result_lines(self):
        r = vbqemu.parse("VBSUM x 1f00[    1.91] input: something\n5b82\nVBVAL k v\n"
                         "VBSTAT virtio1 bounced 7\nVBDONE\n")
        self.assertEqual((r.sums, r.vals, r.stats, r.done),
                         ({"x": "1f005b82"}, {"k": "v"}, {"virtio1": {"bounced": "7"}}, True))

    def test_bad_lines(self):
        log = ("[ 1.0] ok line\n[ 2.0] WARNING: CPU: 1 PID: 2 at x\n[ 3.0] FAULT_INJECTION: forcing a failure.\n"
               "[ 4.0] Oops: 0000\n[ 5.0] blk_update_request: I/O error, dev vda\n")
        self.assertEqual(vc.bad_lines(log), ["[ 2.0] WARNING: CPU: 1 PID: 2 at x", "[ 4.0] Oops: 0000",
                                             "[ 5.0] blk_update_request: I/O error, dev vda"])

    def test_refused_param(self):
        said = "[ 0.1] virtio_bounce: ignoring 'virtio_bounce=x', keeping the default 'virtio_bounce=off'\n"
        self.assertEqual(vc.refused_param("[ 0.1] virtio_bounce: virtio1: max=1024K raised\n"), [])
        self.assertEqual(len(vc.refused_param(said)), 1)

    def test_fail_tries_and_outcomes(self):
        log = ("vbfail: BEGIN virtio3 1\n"
               "[ 1.0] virtio_bounce: virtio3: mode=force backend=identity direct=no rule=default: x\n"
               "[ 1.1] virtio_bounce: virtio3: released\n"
               "vbfail: END virtio3 1 injected=1 err=12 state=unbound map_page=none\n"
               "vbfail: BEGIN virtio3 2\n"
               "vbfail: END virtio3 2 injected=1 err=0 state=stock\n"
               "vbfail: BEGIN virtio3 3\n"
               "[ 2.0] virtio_bounce: virtio3: not claimed: no memory\n"
               "vbfail: END virtio3 3 injected=1 err=0 state=stock\n"
               "vbfail: BEGIN virtio3 4\n"
               "vbfail: END virtio3 4 injected=0 err=0 state=claimed map_page=vb_map_page\n")
        tries = vc.fail_tries(log)
        self.assertEqual([(t.dev, t.n, t.injected, t.err, t.state) for t in tries],
                         [("virtio3", 1, True, 12, "unbound"), ("virtio3", 2, True, 0, "stock"),
                          ("virtio3", 3, True, 0, "stock"), ("virtio3", 4, False, 0, "claimed")])
        self.assertEqual([vc.fail_outcome(t) for t in tries],
                         [("unbound", True), ("stock", False), ("stock", True), ("claimed", True)])
        # a claim the failed probe did not drop
        kept = vc.FailTry("virtio3", 5, True, 12, "unbound", "map_page=vb_map_page", [])
        self.assertEqual(vc.fail_outcome(kept), ("unbound", False))

    def test_xen_translated(self):
        r = Boot(chunks=[["virtio1", "0x1000", "0x1000"], ["virtio1", "0x2000", "0x9000"], ["virtio1", "x", "y"]])
        self.assertEqual(vc.xen_translated(r), [["virtio1", "0x2000", "0x9000"]])

    def test_vbtop_row(self):
        r = Boot(top=[["device", "mode"], ["virtio1", "force"], ["virtio2"]])
        self.assertEqual(vc.vbtop_row(r, "virtio1"), {"device": "virtio1", "mode": "force"})
        self.assertEqual(vc.vbtop_row(r, "virtio2"), {})

    def test_small_helpers(self):
        self.assertEqual([vc.size_bytes(s) for s in ("4M", "256K", "1G", "512")], [4 << 20, 256 << 10, 1 << 30, 512])
        self.assertEqual(vc.image_diff(b"abcdef", 2, b"cd"), (0, None))
        self.assertEqual(vc.image_diff(b"abcdef", 2, b"cX"), (1, 3))
        self.assertEqual(vc.image_diff(b"abc", 2, b"cde"), (2, 3))
        self.assertEqual(vc.count_lines("a x\nb x\nc", r" x"), 2)

    def test_splitmix_pattern(self):
        # splitmix64's first output from state 0 (the reference sequence)
        self.assertEqual(splitmix_pattern(0, 8, 0), (0xe220a8397b1dcdaf).to_bytes(8, "little"))
        whole = splitmix_pattern(0, 4096, 7)
        self.assertEqual(splitmix_pattern(1024, 1024, 7), whole[1024:2048])

    def test_trace_parsers(self):
        log = ("x\nVBTRACE-BEGIN\n"
               "  virtio_bounce_map: device=virtio2 dir=TO_DEVICE dma=0x200100 size=512 phys=0x100000 attrs= flags=BOUNCED\n"
               "  virtio_bounce_map: device=virtio2 dir=TO_DEVICE dma=0x200000 size=512 phys=0x200000 attrs= flags=BOUNCED\n"
               "  virtio_bounce_map: device=virtio2 dir=TO_DEVICE dma=0x300000 size=512 phys=0x300000 attrs= flags=\n"
               "VBTRACE-END\nVBTCHUNK virtio2 0x200000 0x200000 65536 0\nVBTCHUNK virtio1 0x500000 0x500000 65536 0\n")
        r = Boot(log=log)
        self.assertEqual(vbtest_trace.section(log, "VBTRACE-BEGIN", "VBTRACE-END").count("\n"), 3)
        self.assertEqual(vbtest_trace.trace_addresses(r, "virtio2", "virtio2"), (2, 1))
        self.assertEqual(vbtest_trace.trace_addresses(r, "virtio2", "virtio1"), (2, 0))
        hist = "virtio1:\n  4096 3 x\nvirtio2:\n  512 50 y\n"
        self.assertEqual(vbtest_trace.dev_block(hist, "virtio2"), "  512 50 y")
        fmt = ("name: virtio_bounce_map\nID: 1\nformat:\n"
               "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
               "\tfield:__data_loc char[] device;\toffset:8;\tsize:4;\tsigned:0;\n"
               "\tfield:u64 phys;\toffset:16;\tsize:8;\tsigned:0;\n\n"
               'print fmt: "device=%s dir=%s attrs=%s", __get_str(device), '
               '__print_symbolic(REC->dir, { 0, "BIDIRECTIONAL" }, { 1, "TO_DEVICE" }), '
               '__print_flags(REC->attrs, "|", { (1UL << 1), "WEAK_ORDERING" }, { (1UL << 5), "SKIP_CPU_SYNC" })\n')
        fields, pfmt = vbtest_trace.trace_formats(fmt)["map"]
        self.assertEqual(fields, ["device", "phys"])
        self.assertEqual(vbtest_trace.symbols(pfmt, "dir"), {"0": "BIDIRECTIONAL", "1": "TO_DEVICE"})
        self.assertEqual(vbtest_trace.symbols(pfmt, "attrs"), {"(1UL << 1)": "WEAK_ORDERING", "(1UL << 5)": "SKIP_CPU_SYNC"})
        self.assertEqual(vbtest_trace.trace_events(log, "map")[2]["flags"], "")


class SoakTest(unittest.TestCase):
    def test_promised_and_unpromised_warnings(self):
        lines = ["[1] virtio_bounce: virtio3: pool exhausted (512K in the pool, max 10240K)",
                 "[2] virtio_bounce: virtio4: pool exhausted (512K in the pool, max 10240K)",
                 "[3] virtio_bounce: virtio3: double unmap of 0x1000"]
        w = vbtest_soak.warning_kinds(lines)
        self.assertEqual(w, "2 pool exhausted, virtio_bounce: virtioN: double unmap of 0x1000")
        self.assertFalse(promised_repeats(lines[0] + "\n" + lines[1] + "\n"))

    def test_table_rows(self):
        rows = [vbtest_soak.SoakRow("soak-debug", None, False)]
        t = vbtest_soak.soak_table(rows, "7.3").splitlines()
        self.assertEqual(len(t), 3)
        self.assertTrue(t[2].startswith("| soak-debug | 7.3 | - |") and t[2].endswith("| did not finish |"))
        self.assertEqual(t[0].count("|"), t[2].count("|"))

    def test_soak_scenarios(self):
        for n, s in vbtest_soak.SOAKS.items():
            self.assertIn(s.kind, ("plain", "xen", "iommu", "debug"), n)
            self.assertEqual(s.level, "debug" if n == "soak-debug" else "soak")


KTAP = """\
KTAP version 1
1..2
    KTAP version 1
    # Subtest: other
    1..1
    ok 1 other_case
ok 1 other
    KTAP version 1
    # Subtest: virtio_bounce
    # module: virtio_bounce
    1..4
    ok 1 vb_a
    not ok 2 vb_b
    ok 3 vb_c # SKIP no IOMMU
"""


class KunitSummaryTest(unittest.TestCase):
    """kunit.sh's reading of kunit.py's JSON (scripts/kunit_summary.py)."""

    def json(self, cases, misc=None):
        suite = {"name": "virtio_bounce", "sub_groups": [], "test_cases": cases, "misc": misc or {}}
        return {"name": "", "sub_groups": [{"name": "other", "sub_groups": [], "test_cases": []}, suite],
                "test_cases": [], "misc": {}}

    def test_counts_and_plan(self):
        root = self.json([{"name": "vb_a", "status": "PASS"}, {"name": "vb_b", "status": "FAIL"},
                          {"name": "vb_c", "status": "SKIP"}, {"name": "vb_d", "status": "ERROR"}],
                         {"crashed": 1, "errors": 0})
        self.assertEqual(kunit_summary.summarize(root, KTAP), kunit_summary.Summary(1, 1, 1, 2, 0, 4, 4))

    def test_cut_short_and_unreadable(self):
        s = kunit_summary.summarize(self.json([{"name": "vb_a", "status": "PASS"}]), KTAP)
        self.assertNotEqual(s.planned, s.seen)
        self.assertEqual(kunit_summary.summarize(None, KTAP).line(), "0 0 0 0 1 0 0")
        self.assertEqual(kunit_summary.summarize({"name": "x"}, "").errors, 1)

    def test_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            j, log = os.path.join(d, "k.json"), os.path.join(d, "k.log")
            with open(j, "w") as f:
                f.write(__import__("json").dumps(self.json([{"name": "vb_a", "status": "PASS"}] * 4)))
            with open(log, "w") as f:
                f.write(KTAP)
            p = subprocess.run([sys.executable, os.path.join(HERE, "kunit_summary.py"), j, log],
                               capture_output=True, text=True)
            self.assertEqual(p.stdout, "4 0 0 0 0 4 4\n")


# ------------------------------------------------------------- lane table


def lane_sh(*args, env=None):
    p = subprocess.run([os.path.join(HERE, "lane.sh"), *args], capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout.rstrip("\n"), p.stderr


class LaneTableTest(unittest.TestCase):
    """scripts/lane.sh and scripts/lanes.py read scripts/lanes.tsv alike."""

    def test_shell_and_python_agree(self):
        table = lanes.read()
        self.assertEqual(lane_sh("lanes")[1].split("\n"), lanes.names())
        self.assertEqual(lane_sh("default")[1], lanes.default())
        self.assertEqual(lane_sh("fields")[1].split("\n"), list(lanes.FIELDS))
        for name, lane in table.items():
            for f in lanes.FIELDS:
                with self.subTest(lane=name, field=f):
                    self.assertEqual(lane_sh(name, f), (0, getattr(lane, f), ""))

    def test_the_lanes(self):
        self.assertEqual(lanes.default(), "7.3")
        self.assertEqual(set(lanes.names()), {"7.3", "6.12"})
        self.assertTrue(lanes.get("7.3").map_ops)
        self.assertFalse(lanes.get("6.12").map_ops)
        self.assertEqual((lanes.get("6.12").xen, lanes.get("7.3").xen), ("4.17", "4.20"))

    def test_unknown_lane_or_field(self):
        rc, out, err = lane_sh("5.4", "obj")
        self.assertEqual((rc, out), (2, ""))
        self.assertIn('unknown lane "5.4"', err)
        self.assertEqual(lane_sh("5.4")[0], 2)
        self.assertEqual(lane_sh("7.3")[:2], (0, ""))
        self.assertEqual(lane_sh("7.3", "nope")[0], 2)
        with self.assertRaises(KeyError):
            lanes.get("5.4")

    def test_bad_table_refused_by_both(self):
        with tempfile.NamedTemporaryFile("w", suffix=".tsv") as f:
            f.write("\t".join(lanes.FIELDS) + "\n" + "a\tyes" + "\tx" * 8 + "\n" + "b\tyes" + "\tx" * 8 + "\n")
            f.flush()
            self.assertEqual(lane_sh("default", env={"VB_LANES_TSV": f.name})[0], 2)
            with self.assertRaises(ValueError):
                lanes.read(f.name)

    def test_bootconfig_follows_the_table(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("VB_")}
        for name, want in ((None, lanes.get()), ("6.12", lanes.get("6.12")), ("7.3", lanes.get("7.3"))):
            with self.subTest(lane=name):
                e = dict(env, **({"VB_LANE": name} if name else {}))
                with unittest.mock.patch.dict(os.environ, e, clear=True):
                    cfg = BootConfig.from_env()
                self.assertEqual((cfg.lane, cfg.kernel, cfg.xen, cfg.map_ops),
                                 (want.name, want.kernel_path, want.xen_path, want.map_ops))
        self.assertEqual(BootConfig().lane, lanes.default())


# -------------------------------------------------------------- scenarios


class ScenarioTest(unittest.TestCase):
    """Levels pick what run-tests.sh picked by name before."""
    # run-tests.sh's old --exclude prefixes per level
    OLD = {"ci": ("soak-", "hold-debug"), "full": ("soak-debug", "hold-debug"), "all": ()}

    def names(self, **kw):
        return [s.name for s in vbtest_scenarios.select(**kw)]

    def test_levels_select_the_old_sets(self):
        every = list(vbtest_scenarios.SCENARIOS)
        for level, ex in self.OLD.items():
            with self.subTest(level=level):
                self.assertEqual(self.names(level=level), [n for n in every if not (ex and n.startswith(ex))])

    def test_levels(self):
        sc = vbtest_scenarios.SCENARIOS
        self.assertEqual({n for n, s in sc.items() if s.level == "debug"}, {"soak-debug", "hold-debug"})
        self.assertEqual({n for n, s in sc.items() if s.level == "soak"},
                         {n for n in sc if n.startswith("soak-")} - {"soak-debug"})
        self.assertTrue(all(s.name == n and callable(s.run) for n, s in sc.items()))
        with self.assertRaises(ValueError):
            vbtest_scenarios.Scenario("x", print, "nightly")

    def test_names_exclude_and_errors(self):
        self.assertEqual(self.names(names=["soak-force", "on", "hold-debug"], level="ci"), ["on"])
        self.assertEqual(self.names(names=["soak-force", "on"], level="full"), ["soak-force", "on"])
        self.assertEqual(self.names(names=["xen-on", "on", "force"], exclude=["xen-", ""]), ["on", "force"])
        for kw in ({"names": ["nosuch"]}, {"level": "nightly"}):
            with self.assertRaises(KeyError):
                vbtest_scenarios.select(**kw)

    def test_cli(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(vbtest.main(["list"]), 0)
            self.assertEqual(vbtest.e2e_cmd(BootConfig(), ["nosuch"]), 2)
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[:-1], list(vbtest_scenarios.SCENARIOS))
        self.assertTrue(lines[-1].startswith("unknown scenario nosuch; try: negative controls on"))
        a = vbtest.parse_args(["e2e", "--level=ci", "--exclude=soak-", "on"])
        self.assertEqual((a.level, a.exclude, a.scenarios), ("ci", "soak-", ["on"]))


if __name__ == "__main__":
    unittest.main()
