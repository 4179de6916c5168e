#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the userspace pool harness from scratch with -Werror, run the unit
# tests and a quick benchmark (5 repetitions).  The last line printed is
# the unit tests' "userspace: N passed, N failed"; the exit status is
# non-zero when the build, a test or the benchmark failed.
set -u
cd "$(dirname "$0")" || exit 1

MAKE=${MAKE:-make}
rc=0

if ! log=$($MAKE -s clean 2>&1 && $MAKE -s all vbmap_bench EXTRA_CFLAGS=-Werror 2>&1); then
	printf '%s\n' "$log"
	echo "run.sh: build failed"
	echo "userspace: 0 passed, 1 failed"
	exit 1
fi

out=$(timeout 300 ./vbpool_test)
trc=$?
printf '%s\n' "$out"
line=$(printf '%s\n' "$out" | grep '^userspace: [0-9]* passed, [0-9]* failed$' | tail -n1)
if [ -z "$line" ]; then
	# The test program died before its summary: count what it printed.
	pass=$(printf '%s\n' "$out" | grep -c '^PASS ')
	fail=$(printf '%s\n' "$out" | grep -c '^FAIL ')
	echo "run.sh: vbpool_test exited with status $trc before its summary"
	line="userspace: $pass passed, $((fail + 1)) failed"
fi
[ "$trc" -eq 0 ] || rc=1

# The whole map path and the kernel's swiotlb (vbmap_bench): each variant
# moves its bytes both ways, byte for byte (the benchmark's own check).
echo
mout=$(timeout 300 ./vbmap_bench --check)
mrc=$?
printf '%s\n' "$mout"
mline=$(printf '%s\n' "$mout" | grep '^mapbench: [0-9]* passed, [0-9]* failed$' | tail -n1)
if [ -z "$mline" ]; then
	echo "run.sh: vbmap_bench --check exited with status $mrc before its summary"
	mline="mapbench: 0 passed, 1 failed"
fi
[ "$mrc" -eq 0 ] || rc=1
mp=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$mline")
mf=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$mline")
up=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
uf=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
line="userspace: $((up + mp)) passed, $((uf + mf)) failed"

echo
if ! timeout 300 ./vbpool_bench --quick; then
	echo "run.sh: vbpool_bench failed"
	rc=1
fi
echo
echo "$line"
exit $rc
