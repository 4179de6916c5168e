#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The lane's patch series as one would post it, and a check that every
# patch of it builds.
#
#   series.sh LANE            emit build/series-LANE/: cover letter and
#                             patches, from the lane's tree (make kernel)
#   series.sh LANE OBJDIR     also: the series applies with git am to the
#                             pristine tree (tag base), and the kernel in
#                             OBJDIR (configured, built) builds after each
#                             patch; one PASS/FAIL line each, then
#                             "series: N passed, N failed"
#
# patches/LANE/ holds only the hunks in existing files; our new files are
# folded into the patch that wires them into the build: kernel/dma/ and
# include/ files into the one touching kernel/dma/Makefile, drivers/virtio/
# files into the one touching drivers/virtio/Makefile.  What is left (the
# userspace harness in tools/testing/virtio_bounce) is a last patch.  The
# cover letter is docs/cover-letter-LANE.txt (subject on its first line).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LANE=${1:?usage: series.sh LANE [OBJDIR]}
obj=${2:-}
case $LANE in
6.12) K=$top/build/linux ;;
*) K=$top/build/linux-$LANE ;;
esac
out=$top/build/series-$LANE
wt=$top/build/series-wt-$LANE
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' <<<"$2" | tail -n 15; }
finish() { echo "series: $pass passed, $fail failed"; [ "$fail" = 0 ]; exit; }
g() { git -C "$wt" "$@"; }

[ -d "$K/.git" ] || { bad "series-$LANE: no tree at $K (make kernel LANE=$LANE)"; finish; }
new=$(git -C "$K" diff --name-only --diff-filter=A HEAD~1 HEAD 2>/dev/null)
[ "$(git -C "$K" log -1 --format=%s)" = "virtio_bounce: new files" ] ||
	{ bad "series-$LANE: $K does not end with our new files (make kernel LANE=$LANE)"; finish; }

# A scratch work tree of the same repository: git am onto the pristine base.
git -C "$K" worktree remove --force "$wt" >/dev/null 2>&1; rm -rf "$wt"
git -C "$K" worktree prune
git -C "$K" worktree add -q --detach "$wt" base || { bad "series-$LANE: worktree"; finish; }
g config user.name "virtio_bounce developers"
g config user.email "virtio-bounce@lists.invalid"
applied=1
for p in "$top"/patches/"$LANE"/*.patch; do
	if ! err=$(g am -q --keep-cr "$p" 2>&1); then
		g am --abort >/dev/null 2>&1
		bad "git am $(basename "$p") onto pristine $(make -s -C "$K" kernelversion)" "$err"
		applied=0
		break
	fi
	files=""
	grep -q '^diff --git a/kernel/dma/Makefile ' "$p" &&
		files+=" $(grep -E '^(kernel/dma|include)/' <<<"$new")"
	grep -q '^diff --git a/drivers/virtio/Makefile ' "$p" &&
		files+=" $(grep -E '^drivers/virtio/' <<<"$new")"
	if [ -n "${files// /}" ]; then
		(cd "$K" && git archive HEAD $files) | tar -x -C "$wt"
		g add $files && g commit -q --amend --no-edit
	fi
done
[ $applied = 1 ] && ok "git am patches/$LANE/*.patch onto pristine $(make -s -C "$K" kernelversion)"
rest=$(cd "$K" && git diff --name-only HEAD "$(g rev-parse HEAD)" 2>/dev/null)
if [ $applied = 1 ] && [ -n "$rest" ]; then
	(cd "$K" && git archive HEAD $rest) | tar -x -C "$wt"
	g add $rest
	g commit -q -s -m "tools/testing: add a userspace harness for virtio_bounce" -m \
"Builds the pool, the per-CPU caches and the map path of virtio_bounce
against tools/include and tools/testing/shared (the kernel's own xarray,
liburcu for RCU) for unit tests, sanitizers and a native benchmark:
make -C tools/testing/virtio_bounce run."
fi
if [ $applied = 1 ]; then
	if [ -z "$(cd "$K" && git diff --name-only HEAD "$(g rev-parse HEAD)")" ]; then
		ok "series tip is the lane's tree, file for file"
	else
		bad "series tip differs from the lane's tree" "$(cd "$K" && git diff --stat HEAD "$(g rev-parse HEAD)")"
	fi
fi
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
echo "series-$LANE: $(ls "$out" | wc -l) files in build/series-$LANE/"
for p in "$out"/0*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	# From outside any git tree: inside one checkpatch reads a .patch as a file.
	err=$(cd /tmp && perl "$K/scripts/checkpatch.pl" --strict --terse --show-types \
		--no-tree "$p" 2>&1 | grep -E 'ERROR|WARNING|CHECK' | grep -v FILE_PATH_CHANGES)
	[ -z "$err" ] && ok "checkpatch --strict $(basename "$p")" ||
		bad "checkpatch --strict $(basename "$p")" "$err"
done

if [ -n "$obj" ] && [ $applied = 1 ]; then
	if [ ! -f "$obj/.config" ]; then
		bad "per-patch build: $obj is not a configured build"
	else
		cc=gcc; command -v ccache >/dev/null && cc="ccache gcc"
		export CCACHE_DIR=${CCACHE_DIR:-$top/build/ccache}
		# In the lane's tree itself, where OBJDIR was built: checking a
		# commit out touches only the files it changes, so each step
		# rebuilds what the patch changes and what depends on it.
		cp "$obj/.config" "$obj/.config.series-saved"
		n=$(g rev-list --count base..HEAD)
		back=$(git -C "$K" symbolic-ref -q --short HEAD || git -C "$K" rev-parse HEAD)
		i=0
		for c in $(g rev-list --reverse base..HEAD); do
			i=$((i + 1))
			subj=$(g log -1 --format=%s "$c")
			git -C "$K" checkout -q --detach "$c"
			# Each state from the same configuration: a patch before the
			# Kconfig one must not lose its symbols for the ones after.
			cp "$obj/.config.series-saved" "$obj/.config"
			t0=$SECONDS
			if err=$(flock "$top/build/.kbuild.lock" make -s -C "$K" O="$obj" CC="$cc" \
				-j"${JOBS:-$(nproc)}" olddefconfig vmlinux 2>&1 >/dev/null | grep -v "^make\[" | grep -E "error|warning|Error" ); [ -z "$err" ]; then
				ok "patch $i/$n builds ($((SECONDS - t0)) s): $subj"
			else
				bad "patch $i/$n does not build cleanly: $subj" "$err"
			fi
		done
		git -C "$K" checkout -q "$back"
		cp "$obj/.config.series-saved" "$obj/.config"
	fi
fi
git -C "$K" worktree remove --force "$wt" >/dev/null 2>&1
finish
