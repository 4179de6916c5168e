#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One kernel build at a time on this machine (2 cores): prepare the tree,
# build configs/base.config into build/obj and the initramfs, under
# build/.kbuild.lock.  usage: scripts/locked-build.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/build"
exec flock "$top/build/.kbuild.lock" bash -c "
	cd '$top' && scripts/prepare-kernel.sh &&
	scripts/build-kernel.sh build/obj configs/base.config &&
	scripts/mkinitramfs.sh build/initramfs.cpio.gz"
