#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's Xen hypervisor with the private apt configuration and
# unpack it (never installed).  usage: fetch-xen.sh [4.17|4.20]
#   4.17  xen-hypervisor-4.17-amd64 (bookworm) -> build/xen/xen       (6.12 lane)
#   4.20  xen-hypervisor-4.20-amd64 (trixie)   -> build/xen-4.20/xen  (7.3 lane)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
ver=${1:-4.17}
case $ver in
4.17) suite=bookworm; dir=$B/xen ;;
4.20) suite=trixie; dir=$B/xen-4.20 ;;
*) echo "fetch-xen: unknown Xen '$ver' (4.17 or 4.20)" >&2; exit 2 ;;
esac
pkg=xen-hypervisor-$ver-amd64
[ -s "$dir/xen" ] && exit 0
deb=$(ls "$B"/debs/"$pkg"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	"$top/scripts/apt-private.sh" "$B/debs" "$suite" "$pkg" >/dev/null
	deb=$(ls "$B"/debs/"$pkg"_*.deb | head -n 1)
fi
rm -rf "$dir" && mkdir -p "$dir/pkg"
dpkg-deb -x "$deb" "$dir/pkg"
gz=$(ls "$dir"/pkg/boot/xen-*.gz | head -n 1)
gunzip -c "$gz" > "$dir/xen"
basename "$deb" .deb > "$dir/version"
echo "xen: $(cat "$dir/version") -> ${dir#"$top"/}/xen"
