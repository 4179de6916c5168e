#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: build, host checks, KUnit, end-to-end.  Every stage prints
# its own "<stage>: N passed, N failed"; the last line is the total:
#   N passed, N failed, N skipped
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
P=0; F=0; S=0
declare -A wall
add() {	# add "<stage>: N passed, N failed[, N skipped]" from a log
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
stage() {	# stage NAME COMMAND...
	local name=$1 t0=$SECONDS log="$top/build/test-$1.log"
	shift
	echo "== $name: $*"
	"$@" 2>&1 | tee "$log"
	wall[$name]=$((SECONDS - t0))
	add "$name" "$log"
}
mkdir -p build
t0=$SECONDS
build_ok() {
	if scripts/build-kernel.sh build/obj configs/base.config >build/test-build.out 2>&1 &&
	   scripts/mkinitramfs.sh build/initramfs.cpio.gz >>build/test-build.out 2>&1; then
		echo "PASS kernel build (configs/base.config) and initramfs"
		echo "build: 1 passed, 0 failed"
	else
		tail -n 30 build/test-build.out
		echo "FAIL kernel build, see build/test-build.out"
		echo "build: 0 passed, 1 failed"
	fi
}
stage build build_ok
stage host scripts/host-checks.sh
stage kunit scripts/kunit.sh
if [ -f build/obj/arch/x86/boot/bzImage ]; then
	stage e2e python3 scripts/vbtest.py e2e ${SCENARIOS:-}
fi
stage userspace tools/testing/virtio_bounce/run.sh
echo "== wall time: $((SECONDS - t0)) s ($(for k in "${!wall[@]}"; do printf '%s %ss ' "$k" "${wall[$k]}"; done))"
echo "$P passed, $F failed, $S skipped"
[ "$F" = 0 ]
