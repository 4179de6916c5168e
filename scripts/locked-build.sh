#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One kernel build at a time on this machine (2 cores): prepare the lane's
# tree, build configs/base.config into its build directory and the
# initramfs, under build/.kbuild.lock.  usage: [LANE=...] scripts/locked-build.sh
# (LANE: scripts/lanes.tsv, default 7.3)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LANE=${LANE:-$("$top/scripts/lane.sh" default)}
src=$("$top/scripts/lane.sh" "$LANE" src)
obj=$("$top/scripts/lane.sh" "$LANE" obj)
mkdir -p "$top/build"
exec flock "$top/build/.kbuild.lock" bash -c "
	cd '$top' && LANE='$LANE' scripts/prepare-kernel.sh &&
	VB_KSRC='$top/$src' scripts/build-kernel.sh '$obj' configs/base.config &&
	scripts/mkinitramfs.sh build/initramfs.cpio.gz"
