#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build a kernel from build/linux into an out-of-tree build
# directory.  usage: build-kernel.sh OBJDIR FRAGMENT... [-- make targets]
# The config is tinyconfig plus configs/common.config plus the fragments;
# it is regenerated only when a fragment changed.  Options a fragment asked for but that did not stick
# are reported (and fail the build) so a typo cannot go unnoticed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
K=${VB_KSRC:-$top/build/linux}
obj=$1; shift
frags=("$top/configs/common.config")
while [ $# -gt 0 ] && [ "$1" != "--" ]; do frags+=("$(realpath "$1")"); shift; done
[ "${1:-}" = "--" ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bzImage)
mkdir -p "$obj"
obj=$(realpath "$obj")
jobs=${JOBS:-$(nproc)}
. "$top/scripts/kcc.sh"
export KBUILD_BUILD_TIMESTAMP="2025-01-01"
export KBUILD_BUILD_USER=vb KBUILD_BUILD_HOST=vb
mk=(make -s -C "$K" O="$obj" CC="$cc" -j"$jobs")

stamp=$(cat "${frags[@]}" | sha1sum | cut -c1-12)
if [ "$(cat "$obj/.vb-config" 2>/dev/null)" != "$stamp" ] || [ ! -f "$obj/.config" ] ||
   [ "$K/.git/vb-series" -nt "$obj/.vb-config" ]; then
	"${mk[@]}" tinyconfig >/dev/null
	"$K"/scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null
	"${mk[@]}" olddefconfig >/dev/null
	echo "$stamp" > "$obj/.vb-config"
fi
# Every "=y" a fragment asks for must be in the final config.
missing=$(cat "${frags[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=y' | while read -r l; do
	grep -qx "$l" "$obj/.config" || echo "${l%=y}"; done)
if [ -n "$missing" ]; then
	echo "build-kernel: options requested but not set: $(echo $missing)" >&2
	[ -n "${VB_ALLOW_MISSING:-}" ] || exit 1
fi
"${mk[@]}" "${targets[@]}"
