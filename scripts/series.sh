#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The lane's patch series as one would post it, and checks that it
# applies and that every patch of it builds.
#
#   series.sh LANE            emit build/series-LANE/ (cover letter and
#                             patches) from the lane's tree (make kernel),
#                             check that it applies with git am to the
#                             pristine tree (tag base) and ends in the
#                             lane's tree file for file, checkpatch --strict
#   series.sh LANE OBJDIR     also: the kernel configured in OBJDIR (built
#                             before) builds after each patch
# One PASS/FAIL line per check, then "series: N passed, N failed".
#
# patches/LANE/ holds only the hunks in existing files; our new files are
# folded into the patch that wires them into the build: kernel/dma/ and
# include/ files into the one touching kernel/dma/Makefile, drivers/virtio/
# files into the one touching drivers/virtio/Makefile.  The userspace
# harness (tools/testing/virtio_bounce) stays in the project: it is not
# kernel code one would post as it is (checkpatch objects to a userspace
# shim's NR_CPUS and typedefs).  The cover letter is
# docs/cover-letter-LANE.txt (subject on its first line).
#
# Everything happens in the lane's tree itself (detached HEADs, back to
# its branch at the end): checking a commit out rewrites only the files it
# changes, so the per-patch builds are incremental.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# The lane's tree changes under any build of it meanwhile: hold the lock.
[ -n "${VB_SERIES_LOCKED:-}" ] ||
	VB_SERIES_LOCKED=1 exec flock "$top/build/.kbuild.lock" "$0" "$@"
LANE=${1:?usage: series.sh LANE [OBJDIR]}
obj=${2:+$(realpath "$2")}	# make -C: a relative O= would be inside the tree
K=$top/$("$top/scripts/lane.sh" "$LANE" src) || exit 2
out=$top/build/series-$LANE
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' <<<"$2" | tail -n 15; }
g() { git -C "$K" "$@"; }
back=""
finish() {
	[ -z "$back" ] || { g am --abort >/dev/null 2>&1; g checkout -q -f "$back"; }
	echo "series: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

[ -d "$K/.git" ] || { bad "series-$LANE: no tree at $K (make kernel LANE=$LANE)"; finish; }
[ "$(g log -1 --format=%s)" = "virtio_bounce: new files" ] ||
	{ bad "series-$LANE: $K does not end with our new files (make kernel LANE=$LANE)"; finish; }
[ -z "$(g status --porcelain)" ] || { bad "series-$LANE: $K has uncommitted changes"; finish; }
back=$(g symbolic-ref -q --short HEAD || g rev-parse HEAD)
tip=$(g rev-parse HEAD)
kver=$(make -s -C "$K" kernelversion)
new=$(g diff --name-only --diff-filter=A HEAD~1 HEAD)
keep=':!tools/testing/virtio_bounce'	# not posted (above)

# 1. Compose: patches/LANE/ with the new files folded in.
g checkout -q --detach base || { bad "checkout base"; finish; }
for p in "$top"/patches/"$LANE"/*.patch; do
	if ! err=$(g am -q --keep-cr "$p" 2>&1); then
		bad "git am $(basename "$p") onto pristine $kver" "$err"
		finish
	fi
	files=""
	grep -q '^diff --git a/kernel/dma/Makefile ' "$p" &&
		files+=" $(grep -E '^(kernel/dma|include)/' <<<"$new")"
	grep -q '^diff --git a/drivers/virtio/Makefile ' "$p" &&
		files+=" $(grep -E '^drivers/virtio/' <<<"$new")"
	if [ -n "${files// /}" ]; then
		g checkout -q "$tip" -- $files && g commit -q --amend --no-edit
	fi
done
rest=$(g diff --name-only HEAD "$tip" -- . "$keep")
[ -z "$rest" ] || { bad "new files no patch builds: $(echo $rest)"; finish; }
rm -rf "$out"
cover=$top/docs/cover-letter-$LANE.txt
g format-patch -q --no-signature $([ -f "$cover" ] && echo --cover-letter) -o "$out" base..HEAD
if [ -f "$cover" ] && [ -f "$out/0000-cover-letter.patch" ]; then
	python3 - "$out/0000-cover-letter.patch" "$cover" <<'EOF'
import sys
p, c = sys.argv[1], sys.argv[2]
s = open(p).read()
subj, _, blurb = open(c).read().partition("\n")
s = s.replace("*** SUBJECT HERE ***", subj.strip()).replace("*** BLURB HERE ***", blurb.strip("\n"))
open(p, "w").write(s)
EOF
fi
n=$(ls "$out"/0*.patch | grep -vc 0000-cover-letter)
echo "series-$LANE: $n patches$([ -f "$out/0000-cover-letter.patch" ] && echo " and a cover letter") in build/series-$LANE/"

# 2. What a maintainer does with it: git am onto the pristine tree.
g checkout -q --detach base
if err=$(g am -q --keep-cr $(ls "$out"/0*.patch | grep -v 0000-cover-letter) 2>&1); then
	ok "git am build/series-$LANE/ ($n patches) onto pristine $kver"
else
	bad "git am build/series-$LANE/ onto pristine $kver" "$err"
	finish
fi
if [ -z "$(g diff --name-only HEAD "$tip" -- . "$keep")" ]; then
	ok "the series ends in the lane's tree, file for file (but the userspace harness)"
else
	bad "the series does not end in the lane's tree" "$(g diff --stat HEAD "$tip" -- . "$keep")"
fi
series=$(g rev-parse HEAD)

# 3. checkpatch --strict on each patch (from outside any git tree: inside
# one checkpatch reads a .patch as a file).
for p in "$out"/0*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	err=$(cd /tmp && perl "$K/scripts/checkpatch.pl" --strict --terse --show-types \
		--no-tree "$p" 2>&1 | grep -E 'ERROR|WARNING|CHECK' | grep -v FILE_PATH_CHANGES)
	[ -z "$err" ] && ok "checkpatch --strict $(basename "$p")" ||
		bad "checkpatch --strict $(basename "$p")" "$err"
done

# 3b. No dead code: nothing of the other lane's seam (prepare-kernel.sh
# unifdefs our files), every new .c file built by a Makefile of the
# series, every new Kconfig symbol used, and no test of an architecture
# or of highmem that the Kconfig dependencies rule out.
added=$(g diff base.."$series" -- . "$keep" | grep -E '^\+[^+]')
err=$(grep -n 'VIRTIO_BOUNCE_MAP_OPS' <<<"$added")
[ -z "$err" ] && ok "no other-seam code in the series (CONFIG_VIRTIO_BOUNCE_MAP_OPS)" ||
	bad "other-seam code in the series" "$err"
err=""
for f in $(g diff --name-only --diff-filter=A base.."$series" -- 'kernel/*.c' 'drivers/*.c'); do
	g show "$series:$(dirname "$f")/Makefile" | grep -qw "$(basename "$f" .c)\.o" ||
		err+="$f is in no Makefile"$'\n'
done
[ -z "$err" ] && ok "every new .c file of the series is built" || bad "files no Makefile builds" "$err"
err=""
for sym in $(sed -nE 's/^\+config ([A-Z0-9_]+)$/\1/p' <<<"$added"); do
	grep -vE "^\+config $sym\$" <<<"$added" | grep -E "(CONFIG_$sym\b|(depends on|select|if) .*\b$sym\b)" >/dev/null ||
		err+="config $sym: nothing uses it"$'\n'
done
[ -z "$err" ] && ok "every new Kconfig symbol is used" || bad "unused Kconfig symbols" "$err"
deps=$(awk '/^\+config /{inb = ($2 == "VIRTIO_BOUNCE")}
	inb && /depends on/{sub(/.*depends on /, ""); print; exit}' <<<"$added")
err=""
for a in ARM64 X86_32 HIGHMEM; do
	case " $deps " in *"$a"*) continue ;; esac
	if grep -qw "X86_64" <<<"$deps"; then
		hit=$(grep -nE "CONFIG_$a\b" <<<"$added")
		[ -z "$hit" ] || err+="CONFIG_$a under 'depends on $deps': $hit"$'\n'
	fi
done
[ -z "$err" ] && ok "no test of a configuration the dependencies rule out ($deps)" ||
	bad "tests of configurations the dependencies rule out" "$err"

# 4. Each patch builds, in OBJDIR's configuration.
if [ -n "$obj" ]; then
	if [ ! -f "$obj/.config" ]; then
		bad "per-patch build: $obj is not a configured build"
		finish
	fi
	. "$top/scripts/kcc.sh"
	cp "$obj/.config" "$obj/.config.series-saved"
	i=0
	for c in $(g rev-list --reverse base.."$series"); do
		i=$((i + 1))
		subj=$(g log -1 --format=%s "$c")
		g checkout -q --detach "$c"
		# Each state from the same configuration: a patch before the
		# Kconfig one must not lose its symbols for the ones after.
		cp "$obj/.config.series-saved" "$obj/.config"
		t0=$SECONDS
		err=$(make -s -C "$K" O="$obj" CC="$cc" \
			-j"${JOBS:-$(nproc)}" olddefconfig vmlinux 2>&1 >/dev/null |
			grep -E "error|warning|Error")
		if [ -z "$err" ]; then
			ok "patch $i/$n builds, no warning ($((SECONDS - t0)) s): $subj"
		else
			bad "patch $i/$n does not build cleanly: $subj" "$err"
		fi
	done
	cp "$obj/.config.series-saved" "$obj/.config"
fi
finish
