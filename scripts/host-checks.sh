#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host-side checks, one PASS/FAIL line each:
#  - checkpatch.pl --strict on every new kernel file and every patch;
#  - kernel-doc -Wall on our kernel files;
#  - W=1 and sparse (C=2) rebuild of our objects: no warning from our files.
# One lane (LANE=6.12|7.3): its patches, its tree and build directory.
# Prints "host-LANE: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LANE=${LANE:-7.3}
case $LANE in
6.12) K=$top/build/linux; obj=$top/build/obj ;;
*) K=$top/build/linux-$LANE; obj=$top/build/obj-$LANE ;;
esac
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' <<<"$2" | head -n 20; }

cd "$top"
files=$(git ls-files -- 'kernel/*.[ch]' 'drivers/*.[ch]' 'include/*.h' 2>/dev/null)
cp="$K/scripts/checkpatch.pl --strict --no-tree --terse --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG"
for f in $files; do
	# SPDX tag: checkpatch only checks it on patches; check it here.
	out=$(perl $cp -f "$f" 2>&1 | grep -E 'ERROR|WARNING|CHECK')
	head -n 2 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0' || out="$out missing GPL-2.0 SPDX header"
	[ -z "$out" ] && ok "checkpatch $f" || bad "checkpatch $f" "$out"
done
for p in patches/"$LANE"/*.patch; do
	# From outside the repo: inside a git tree checkpatch reads a .patch as a file.
	out=$(cd /tmp && perl $K/scripts/checkpatch.pl --strict --no-tree --terse --show-types "$top/$p" 2>&1 | grep -E 'ERROR|WARNING|CHECK' | grep -v 'FILE_PATH_CHANGES')
	[ -z "$out" ] && ok "checkpatch ${p#patches/}" || bad "checkpatch ${p#patches/}" "$out"
done
kd=$(git ls-files -- 'kernel/*.c' 'drivers/*.c' 'include/linux/*.h')
out=$(perl $K/scripts/kernel-doc -none -Wall $kd 2>&1)
[ -z "$out" ] && ok "kernel-doc -Wall" || bad "kernel-doc -Wall" "$out"

if [ -f "$obj/.config" ]; then
	objs=$(git ls-files -- 'kernel/*.c' 'drivers/*.c' | grep -v _test.c | sed 's/\.c$/.o/')
	. "$top/scripts/kcc.sh"
	# Force a rebuild of our objects only, with W=1 and sparse.
	(cd "$obj" && rm -f $objs)
	out=$(make -s -C "$K" O="$obj" CC="$cc" W=1 C=1 -j"${JOBS:-$(nproc)}" $objs 2>&1 |
	      grep -E 'virtio_bounce|warning|error' | grep -E 'virtio_bounce' )
	[ -z "$out" ] && ok "W=1 + sparse build of our objects" || bad "W=1 + sparse build of our objects" "$out"
	make -s -C "$K" O="$obj" CC="$cc" -j"${JOBS:-$(nproc)}" $objs >/dev/null 2>&1
else
	bad "W=1 + sparse build of our objects" "no configured build/obj: run make build"
fi
echo "host-$LANE: $pass passed, $fail failed"
[ "$fail" = 0 ]
