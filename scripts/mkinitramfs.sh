#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the test/demo initramfs: busybox (static), tests/guest/init, the
# guest test programs, tools/virtio_bounce/vbtop, and fio with the libraries it links against.
# usage: mkinitramfs.sh OUT.cpio.gz [--with-fio]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "$1")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,etc,lib,lib64,usr/lib}
cp /bin/busybox "$stage/bin/busybox"
for a in $("$stage/bin/busybox" --list); do
	[ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
done
cp "$top/tests/guest/init" "$stage/init"
for f in "$top"/tests/guest/*.sh; do
	[ -e "$f" ] || continue
	b=$(basename "$f" .sh)
	install -m 0755 "$f" "$stage/bin/$b"
done
for c in "$top"/tests/guest/*.c; do
	b=$(basename "$c" .c)
	gcc -static -O2 -Wall -o "$stage/bin/$b" "$c"
done
# vbtop: its own Makefile, static, built straight into the stage.
make -s -C "$top/tools/virtio_bounce" STATIC=1 CC=gcc CFLAGS=-O2 O="$stage/bin"
# fio (benchmarks only) is dynamically linked: copy it with its libraries.
if [ "${2:-}" = --with-fio ]; then
	cp "$(command -v fio)" "$stage/bin/fio"
	ldd "$(command -v fio)" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r l; do
		mkdir -p "$stage$(dirname "$l")"
		cp -L "$l" "$stage$l"
	done
fi
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
echo "initramfs: $out ($(du -h "$out" | cut -f1))"
