#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The virtio_bounce suite's counts from kunit.py's JSON (kunit.py parse
--json=JSON LOG) and its plan from the KTAP log (scripts/kunit.sh):

    kunit_summary.py JSON LOG
    -> "passed failed skipped crashed errors planned seen" on one line

crashed counts the suite's crashed cases and those kunit.py reports as
ERROR; errors are kunit.py's parser errors (a missing or unreadable JSON,
or no virtio_bounce suite in it, is one); planned is the suite's own
"1..N" after "# Subtest: virtio_bounce" (0 if none); seen the cases
kunit.py reported.  A run cut short has planned != seen.
"""
import dataclasses
import json
import re
import sys

SUITE = "virtio_bounce"


@dataclasses.dataclass(frozen=True)
class Summary:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    crashed: int = 0
    errors: int = 0
    planned: int = 0
    seen: int = 0

    def line(self):
        return " ".join(str(getattr(self, f.name)) for f in dataclasses.fields(self))


def find(group, name=SUITE):
    """The JSON group named @name, depth first, or None."""
    if group.get("name") == name:
        return group
    for sub in group.get("sub_groups", []):
        found = find(sub, name)
        if found:
            return found
    return None


def planned(log, name=SUITE):
    """The suite's KTAP plan: N of "1..N" after "# Subtest: NAME"."""
    m = re.search(rf"# Subtest: {re.escape(name)}\s*\n(?:.*\n)*?.*?1\.\.(\d+)", log)
    return int(m.group(1)) if m else 0


def summarize(root, log, name=SUITE):
    """Summary of suite @name in kunit.py's JSON @root (None: unreadable)."""
    if root is None:
        return Summary(errors=1)
    suite = find(root, name) or {"test_cases": [], "misc": {"errors": 1}}
    st = [c["status"] for c in suite["test_cases"]]
    misc = suite.get("misc", {})
    return Summary(st.count("PASS"), st.count("FAIL"), st.count("SKIP"),
                   misc.get("crashed", 0) + st.count("ERROR"), misc.get("errors", 0),
                   planned(log, name), len(st))


def main(argv):
    try:
        with open(argv[1]) as f:
            root = json.load(f)
    except (OSError, ValueError):
        root = None
    try:
        with open(argv[2], errors="replace") as f:
            log = f.read()
    except OSError:
        log = ""
    print(summarize(root, log).line())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
