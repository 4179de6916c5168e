#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch a Debian linux-source package (private apt config, see
# apt-private.sh), unpack it, commit the pristine tree as the git base
# (tag "base"), then put the lane's patch series (patches/LANE/*.patch,
# applied with git am, one commit each) and our new files (kernel/,
# drivers/, include/, one commit) on top.
#
#   LANE=7.3 (default):  trixie-backports' linux-source-7.3 in build/linux-7.3
#   LANE=6.12:           trixie's linux-source-6.12 in build/linux
# (the lanes, their trees, suites and .deb directories: scripts/lanes.tsv)
#
# Idempotent and cheap to re-run: the tree is only reset when the series
# changed, and new files are copied only when their content changed, so
# an incremental kernel build recompiles only what we touched.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
LANE=${LANE:-$("$top/scripts/lane.sh" default)}
"$top/scripts/lane.sh" "$LANE" || { echo "prepare-kernel: unknown LANE=$LANE" >&2; exit 2; }
K=$top/$("$top/scripts/lane.sh" "$LANE" src)
suite=$("$top/scripts/lane.sh" "$LANE" suite)
debs=$top/$("$top/scripts/lane.sh" "$LANE" debs)
pkg=linux-source-$LANE
cd "$top"

if [ ! -d "$K/.git" ]; then
	deb=$(ls "$debs"/${pkg}_*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		scripts/apt-private.sh "$debs" $suite $pkg >/dev/null
		deb=$(ls "$debs"/${pkg}_*.deb | head -n 1)
	fi
	echo "prepare-kernel: unpacking $(basename "$deb")"
	rm -rf "$B/src" "$K.tmp"
	mkdir -p "$B/src" "$K.tmp"
	dpkg-deb -x "$deb" "$B/src"
	tar -xf "$B"/src/usr/src/$pkg.tar.xz -C "$K.tmp" --strip-components=1
	rm -rf "$B/src"
	(
		cd "$K.tmp"
		git init -q -b vb
		git config user.name "virtio_bounce developers"
		git config user.email "virtio-bounce@lists.invalid"
		git config core.autocrlf false
		git add -A -f .
		git commit -q -m "Linux $(make -s kernelversion) from Debian $(basename "$deb" .deb)"
		git tag base
	)
	mv "$K.tmp" "$K"
fi

cd "$K"
want=$( (cat "$top"/patches/$LANE/*.patch 2>/dev/null || true) | sha1sum | cut -c1-12)
have=$(cat .git/vb-series 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	echo "prepare-kernel: applying patch series ($want)"
	git reset -q --hard base
	for p in "$top"/patches/$LANE/*.patch; do
		[ -e "$p" ] || continue
		git am -q --keep-cr "$p" || { git am --abort; echo "prepare-kernel: $p does not apply" >&2; exit 1; }
	done
	echo "$want" > .git/vb-series
fi

# New files: copy those whose content differs, commit them as one commit.
# Our files go into the tree as the lane builds them: a .c file that no
# Makefile of the lane's series names (the other seam) stays out, and
# every file has the other lane's branches removed with the kernel's own
# unifdef (scripts/unifdef.c): CONFIG_VIRTIO_BOUNCE_MAP_OPS is the seam
# the lane's struct virtio_map_ops (7.x) or dma_map_ops (6.12) selects,
# not a Kconfig symbol.
case $("$top/scripts/lane.sh" "$LANE" seam) in
virtio_map_ops) seam=-DCONFIG_VIRTIO_BOUNCE_MAP_OPS ;;
*) seam=-UCONFIG_VIRTIO_BOUNCE_MAP_OPS ;;
esac
unifdef=$B/unifdef
[ -x "$unifdef" ] || gcc -O2 -o "$unifdef" "$K/scripts/unifdef.c"
built() {	# built FILE: is FILE (kernel/ or drivers/, .c) in its Makefile?
	case $1 in
	kernel/*.c|drivers/*.c) grep -qw "$(basename "$1" .c)\.o" "$K/$(dirname "$1")/Makefile" 2>/dev/null ;;
	*) true ;;
	esac
}
changed=0
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.u"' EXIT
while IFS= read -r f; do
	[ -e "$top/$f" ] || continue	# deleted in the work tree, not yet committed
	if ! built "$f"; then
		[ -e "$K/$f" ] && { rm -f "$K/$f"; changed=1; }
		continue
	fi
	src=$top/$f
	case $f in
	kernel/*|drivers/*|include/*)
		# exit status 0: unchanged, 1: lines removed, 2: trouble.  A
		# branch removed between two blank lines leaves two in a row
		# (never wanted in kernel code): squeeze them (cat -s).
		rc=0
		"$unifdef" $seam -o "$tmp.u" "$src" || rc=$?
		case $rc in
		0) cp "$src" "$tmp" ;;
		1) cat -s "$tmp.u" > "$tmp" ;;
		*) echo "prepare-kernel: unifdef failed on $f" >&2; exit 1 ;;
		esac
		src=$tmp ;;
	esac
	if ! cmp -s "$src" "$K/$f"; then
		mkdir -p "$(dirname "$K/$f")"
		cat "$src" > "$K/$f"
		changed=1
	fi
done < <(cd "$top" && git ls-files --cached --others --exclude-standard -- kernel drivers include tools/testing/virtio_bounce | grep -v '/\.gitignore$')
if [ $changed = 1 ] || [ -n "$(git status --porcelain)" ]; then
	git add -A -f
	if git log -1 --format=%s | grep -q '^virtio_bounce: new files$'; then
		git commit -q --amend --no-edit
	else
		git commit -q -m "virtio_bounce: new files"
	fi
fi
echo "prepare-kernel: $(make -s kernelversion) at $(git rev-parse --short HEAD) ($(git rev-list --count base..HEAD) commits on base)"
