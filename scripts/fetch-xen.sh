#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's xen-hypervisor-4.17-amd64 (bookworm) with the private apt
# configuration and unpack the hypervisor to build/xen/xen (not installed).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
[ -s "$B/xen/xen" ] && exit 0
deb=$(ls "$B"/debs/xen-hypervisor-4.17-amd64_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	"$top/scripts/apt-private.sh" "$B/debs" bookworm xen-hypervisor-4.17-amd64 >/dev/null
	deb=$(ls "$B"/debs/xen-hypervisor-4.17-amd64_*.deb | head -n 1)
fi
rm -rf "$B/xen" && mkdir -p "$B/xen/pkg"
dpkg-deb -x "$deb" "$B/xen/pkg"
gz=$(ls "$B"/xen/pkg/boot/xen-*.gz | head -n 1)
gunzip -c "$gz" > "$B/xen/xen"
basename "$deb" .deb > "$B/xen/version"
echo "xen: $(cat "$B/xen/version") -> build/xen/xen"
