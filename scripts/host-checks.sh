#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host-side checks, one PASS/FAIL line each:
#  - checkpatch.pl --strict on every new kernel file and every patch;
#  - kernel-doc -Wall on our kernel files;
#  - W=1 and sparse (C=2) rebuild of our objects: no warning from our files.
# One lane (LANE=, scripts/lanes.tsv; default 7.3): its patches, its tree
# and build directory.
# Prints "host-LANE: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LANE=${LANE:-$("$top/scripts/lane.sh" default)}
"$top/scripts/lane.sh" "$LANE" || exit 2
K=$top/$("$top/scripts/lane.sh" "$LANE" src)
obj=$top/$("$top/scripts/lane.sh" "$LANE" obj)
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' <<<"$2" | head -n 20; }

cd "$top"
# The checkers themselves first: a missing or broken checkpatch.pl would
# print nothing, which the loops below read as clean.  Each must flag a
# planted fault.
cpl=$K/scripts/checkpatch.pl
ct=$(mktemp -d)
printf '// SPDX-License-Identifier: GPL-2.0\nint f(void)\n{\n\treturn 0; \n}\n' > "$ct/bad.c"
# (output first: checkpatch exits 1 on what it flags, and pipefail is on)
[ -f "$cpl" ] && cout=$(perl "$cpl" --strict --no-tree --terse -f "$ct/bad.c" 2>&1)
if [ -f "$cpl" ] && grep -q 'trailing whitespace' <<<"$cout"; then
	ok "checkpatch.pl present and flags a planted trailing space"
else
	bad "checkpatch.pl present and flags a planted trailing space" "$cpl missing or silent"
fi
rm -rf "$ct"
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
# vbtop (tools/virtio_bounce): checkpatch, -Werror, and its numbers on a
# made-up sysfs tree whose counters move during the one interval.
out=$(perl $cp -f tools/virtio_bounce/vbtop.c 2>&1 | grep -E 'ERROR|WARNING|CHECK')
[ -z "$out" ] && ok "checkpatch tools/virtio_bounce/vbtop.c" || bad "checkpatch tools/virtio_bounce/vbtop.c" "$out"
vt=$(mktemp -d)
if out=$(gcc -O2 -Wall -Wextra -Werror -o "$vt/vbtop" tools/virtio_bounce/vbtop.c 2>&1); then
	ok "vbtop builds with -Wall -Wextra -Werror"
	vdev() {	# vdev virtioN device-id [file=value ...]
		local d=$vt/sys/bus/virtio/devices/$1 kv
		mkdir -p "$d/virtio_bounce"
		echo "$2" > "$d/device"
		shift 2
		for kv in "$@"; do echo "${kv#*=}" > "$d/virtio_bounce/${kv%%=*}"; done
	}
	zero="maps=0 bounced=0 direct=0 fallback=0 failures=0 bytes_to_device=0 bytes_from_device=0"
	vdev virtio3 0x0002 mode=force backend=identity $zero in_use=2 pool_bytes=1048576 max=67108864
	vdev virtio10 0x0001 backend=identity $zero in_use=0 pool_bytes=0 max=0	# no mode: unreadable
	mkdir -p "$vt/sys/bus/virtio/devices/virtio4"	# no group: not listed
	# The counters move inside vbtop's one interval: once it took its
	# first sample (it sleeps in clock_nanosleep then, syscall 230, or
	# nanosleep, 35), and it must still be in that interval after the
	# move (no fixed sleep).
	"$vt/vbtop" -s "$vt/sys" -r -d 5 -n 1 > "$vt/out" &
	vp=$!
	for _ in $(seq 100); do
		case "$(cut -d' ' -f1 /proc/$vp/syscall 2>/dev/null)" in 35|230) break;; esac
		sleep 0.05
	done
	vdev virtio3 0x0002 maps=3 bounced=2 direct=1 bytes_to_device=1024 bytes_from_device=2048
	kill -0 $vp 2>/dev/null || bad "vbtop: counters moved inside its interval" "vbtop had ended"
	wait $vp
	row=$(awk '$1 == "virtio3"' "$vt/out" | tr -s ' ')
	want="virtio3 blk force identity 3 2 1 0 0 1024 2048 2 1024 65536"
	[ "$row" = "$want" ] && ok "vbtop: counts of one interval on a made-up tree" ||
		bad "vbtop: counts of one interval on a made-up tree" "got '$row', want '$want'"
	[ "$(awk '$1 == "virtio10" {print $2}' "$vt/out")" = "-" ] && ! grep -q '^virtio4' "$vt/out" &&
		ok "vbtop: unreadable device shown as -, device without the group not listed" ||
		bad "vbtop: unreadable device shown as -, device without the group not listed" "$(cat "$vt/out")"
	"$vt/vbtop" -h | grep -q -- '-d DELAY' && "$vt/vbtop" -d 0 2>/dev/null; rc=$?
	[ $rc = 2 ] && ok "vbtop: --help, and a bad delay exits 2" || bad "vbtop: --help, and a bad delay exits 2" "rc=$rc"
	mkdir -p "$vt/empty/bus/virtio/devices"
	"$vt/vbtop" -s "$vt/empty" -n 1 2>/dev/null; rc=$?
	[ $rc = 1 ] && ok "vbtop: no virtio_bounce group exits 1" || bad "vbtop: no virtio_bounce group exits 1" "rc=$rc"
else
	bad "vbtop builds with -Wall -Wextra -Werror" "$out"
fi
rm -rf "$vt"
# vbtop's own suite (tools/virtio_bounce/test-vbtop.sh): options, JSON,
# devices appearing and leaving, every virtio ID, the man page vs --help.
vt=$(mktemp -d)
if out=$(make -s -C tools/virtio_bounce check O="$vt" 2>&1) &&
   grep -qE '^vbtop: [0-9]+ passed, 0 failed' <<<"$out"; then
	ok "vbtop suite: $(grep -E '^vbtop: [0-9]+ passed' <<<"$out")"
else
	bad "vbtop suite (make -C tools/virtio_bounce check)" "$(grep -E '^FAIL|^vbtop:' <<<"$out" | tail -n 15)"
fi
rm -rf "$vt"
# The test runners' own unit tests (scripts/vbtest_test.py): the log
# parsers and checkers with their self-tests, the lane table (lane.sh and
# lanes.py agree), the scenarios' levels.
if out=$(python3 scripts/vbtest_test.py 2>&1); then
	ok "runner unit tests: scripts/vbtest_test.py ($(grep -oE '^Ran [0-9]+ tests' <<<"$out" | cut -d' ' -f2) tests)"
else
	bad "runner unit tests: scripts/vbtest_test.py" "$(grep -E '^(FAIL|ERROR):|Error|^Ran|^FAILED' <<<"$out")"
fi

kd=$(git ls-files -- 'kernel/*.c' 'drivers/*.c' 'include/linux/*.h')
out=$(perl $K/scripts/kernel-doc -none -Wall $kd 2>&1)
[ -z "$out" ] && ok "kernel-doc -Wall" || bad "kernel-doc -Wall" "$out"

if [ -f "$obj/.config" ]; then
	# The files the lane's tree builds (prepare-kernel.sh leaves the other
	# lane's seam out), KUnit's too: it is in the base configuration.
	objs=$(git ls-files -- 'kernel/*.c' 'drivers/*.c' | while read -r f; do
		[ -f "$K/$f" ] && echo "${f%.c}.o"; done)
	ours=$(git ls-files -- 'kernel/*.[ch]' 'drivers/*.[ch]' 'include/*.h' | xargs -n1 basename | paste -sd'|')
	. "$top/scripts/kcc.sh"
	# Force a rebuild of our objects only, with W=1 and sparse.  Every
	# diagnostic that names one of our files counts (virtio_dma_bench.c
	# too), and so does make's status (a sparse that is missing or dies).
	# The checker is build/sparse/bin/sparse (scripts/fetch-sparse.sh:
	# sid's sparse built here; Debian's 0.6.4 does not know
	# __typeof_unqual__, which 7.3's compiler_types.h uses under
	# __CHECKER__), or CHECK=.  A kernel that finds the checker unusable
	# warns and builds without it: that fails here, never passes silently.
	# Under build/.kbuild.lock from the rm to the rebuild without sparse:
	# another build in between would leave nothing for sparse to check.
	sparse=${CHECK:-$top/build/sparse/bin/sparse}
	[ -n "${CHECK:-}" ] || [ -x "$sparse" ] || fetched=$("$top/scripts/fetch-sparse.sh" 2>&1)
	exec 8>"$top/build/.kbuild.lock"
	flock 8
	(cd "$obj" && rm -f $objs)
	if ! command -v "$sparse" >/dev/null; then
		bad "W=1 + sparse build of our objects" "no sparse at $sparse (scripts/fetch-sparse.sh)${fetched:+
$(tail -n 5 <<<"$fetched")}"
	else
		all=$(make -s -C "$K" O="$obj" CC="$cc" W=1 C=1 CHECK="$sparse" -j"${JOBS:-$(nproc)}" $objs 2>&1 8>&-)
		rc=$?
		out=$(grep -E "($ours)" <<<"$all")
		[ $rc != 0 ] && out="$out
make exited $rc:
$(tail -n 5 <<<"$all")"
		grep -q "is not available or not up to date" <<<"$all" && out="${out:+$out
}sparse did not run: $(grep -m1 "is not available or not up to date" <<<"$all")"
		[ -z "$out" ] && ok "W=1 + sparse build of our objects ($(wc -w <<<"$objs") objects, sparse $("$sparse" --version))" ||
			bad "W=1 + sparse build of our objects" "$out"
	fi
	make -s -C "$K" O="$obj" CC="$cc" -j"${JOBS:-$(nproc)}" $objs >/dev/null 2>&1 8>&-
	exec 8>&-
else
	bad "W=1 + sparse build of our objects" "no configured build/obj: run make build"
fi
echo "host-$LANE: $pass passed, $fail failed"
[ "$fail" = 0 ]
