#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: every stage of every lane, then the total.
#   usage: run-tests.sh LANE:LEVEL...   (default: 7.3:full 6.12:ci)
#   all   build, host checks, KUnit (base kernel and debug kernel), the
#         series check (git am onto the pristine tree, each patch builds,
#         checkpatch), the soak debug kernel, end-to-end with every short
#         soak (soak-debug and hold-debug boot the soak debug kernel)
#   full  the same but the soak debug kernel, soak-debug and hold-debug
#         (CI's hour)
#   ci    build, host checks (checkpatch of the lane's patches, W=1 and
#         sparse of its objects: the 6.12-only code is only built there),
#         KUnit in the base kernel, end-to-end but the soaks (what fits in
#         CI's hour next to a full lane)
# Every stage prints its own "<stage>: N passed, N failed" and its wall
# time; the last line is the total:  N passed, N failed, N skipped
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
plan=("$@")
[ ${#plan[@]} -gt 0 ] || plan=(7.3:full 6.12:ci)
P=0; F=0; S=0
walls=()
add() {	# add PREFIX LOG: "<PREFIX>: N passed, N failed[, N skipped]"
	local l
	l=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed" "$2" | tail -n 1)
	if [ -z "$l" ]; then
		echo "$1: no result line, counted as 1 failure"
		F=$((F + 1))
		return
	fi
	P=$((P + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$l")))
	F=$((F + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$l")))
	grep -q skipped <<<"$l" && S=$((S + $(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$l")))
}
stage() {	# stage NAME PREFIX COMMAND...
	local name=$1 prefix=$2 t0=$SECONDS log="$top/build/test-$1.log" rc
	shift 2
	echo "== $name: $*"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	walls+=("$name $((SECONDS - t0))s")
	add "$prefix" "$log"
	# A stage that exits non-zero failed, whatever its summary line says
	# (a benchmark that hung after the tests, a crash after the summary).
	if [ "$rc" != 0 ] && ! grep -qE "^$prefix: [0-9]+ passed, [1-9][0-9]* failed" "$log"; then
		echo "FAIL $name: exited with status $rc"
		F=$((F + 1))
	fi
}
build_ok() {	# build_ok LANE
	local lane=$1 obj src xen
	obj=$(scripts/lane.sh "$lane" obj) && src=$(scripts/lane.sh "$lane" src) &&
		xen=$(scripts/lane.sh "$lane" xen) || { echo "build-$lane: 0 passed, 1 failed"; return 1; }
	if LANE=$lane scripts/prepare-kernel.sh >"build/test-build-$lane.out" 2>&1 &&
	   scripts/fetch-xen.sh $xen >>"build/test-build-$lane.out" 2>&1 &&
	   VB_KSRC=$top/$src flock build/.kbuild.lock scripts/build-kernel.sh "$obj" configs/base.config \
		>>"build/test-build-$lane.out" 2>&1 &&
	   scripts/mkinitramfs.sh build/initramfs.cpio.gz >>"build/test-build-$lane.out" 2>&1 &&
	   scripts/mkinitramfs.sh build/initramfs-bench.cpio.gz --with-fio >>"build/test-build-$lane.out" 2>&1; then
		echo "PASS $lane kernel build (configs/base.config), Xen $xen and initramfs (with and without fio)"
		echo "build-$lane: 1 passed, 0 failed"
	else
		tail -n 30 "build/test-build-$lane.out"
		echo "FAIL $lane kernel build, see build/test-build-$lane.out"
		echo "build-$lane: 0 passed, 1 failed"
	fi
}
soakdbg_ok() {	# soakdbg_ok LANE: the soak debug kernel (make debug-kernel)
	local lane=$1 src
	src=$(scripts/lane.sh "$lane" src) || { echo "soakdbg-$lane: 0 passed, 1 failed"; return 1; }
	if VB_KSRC=$top/$src flock build/.kbuild.lock scripts/build-kernel.sh "build/soak-debug-$lane" \
		configs/kunit.config $(ls "configs/kunit-$lane.config" 2>/dev/null) configs/soak-debug.config \
		>"build/test-soakdbg-$lane.out" 2>&1; then
		echo "PASS $lane soak debug kernel (configs/kunit.config + soak-debug.config)"
		echo "soakdbg-$lane: 1 passed, 0 failed"
	else
		tail -n 20 "build/test-soakdbg-$lane.out"
		echo "FAIL $lane soak debug kernel, see build/test-soakdbg-$lane.out"
		echo "soakdbg-$lane: 0 passed, 1 failed"
	fi
}
mkdir -p build
t0=$SECONDS
for item in "${plan[@]}"; do
	lane=${item%%:*}; level=${item#*:}
	obj=$(scripts/lane.sh "$lane" obj) || obj=build/no-such-lane
	echo "==== lane $lane ($level)"
	stage "build-$lane" "build-$lane" build_ok "$lane"
	stage "host-$lane" "host-$lane" env LANE="$lane" scripts/host-checks.sh
	if [ "$level" != ci ]; then
		stage "kunit-$lane" "kunit-$lane" env LANE="$lane" scripts/kunit.sh base debug
		stage "series-$lane" series scripts/series.sh "$lane" "$(scripts/lane.sh "$lane" kunit)"
	else
		stage "kunit-$lane" "kunit-$lane" env LANE="$lane" scripts/kunit.sh base
	fi
	# The scenarios by their level (vbtest_scenarios.py): all: every
	# one, with the short soaks and the two on the soak debug kernel
	# (soak-debug, hold-debug; the kernel is built here); full: all but
	# those two (CI's hour); ci: all but the soaks too
	case $level in
	all) stage "soakdbg-$lane" "soakdbg-$lane" soakdbg_ok "$lane" ;;
	full) ;;
	*) level=ci ;;
	esac
	if [ -f "$obj/arch/x86/boot/bzImage" ]; then
		stage "e2e-$lane" e2e env VB_LANE="$lane" python3 scripts/vbtest.py e2e --level="$level" ${SCENARIOS:-}
	fi
done
stage userspace userspace tools/testing/virtio_bounce/run.sh
echo "== wall time: $((SECONDS - t0)) s (${walls[*]})"
echo "$P passed, $F failed, $S skipped"
[ "$F" = 0 ]
