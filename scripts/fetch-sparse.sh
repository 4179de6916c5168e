#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build a sparse that knows __typeof_unqual__ at build/sparse/bin/sparse.
#
# Linux 7.3's compiler_types.h uses __typeof_unqual__ under __CHECKER__;
# Debian bookworm/trixie's sparse 0.6.4 rejects it, so the kernel's
# scripts/checker-valid.sh fails and `make C=1` silently skips sparse.
# Debian sid's binary package needs a newer glibc than bookworm has, so
# this takes sid's *source* package with a private apt configuration (own
# sources list with a deb-src line, own state and cache dirs; the mirror
# is the machine's own, as in apt-private.sh: no registry host is named
# here and the machine's apt sources are never modified) and builds only
# the sparse program with gcc and make.
#
# usage: fetch-sparse.sh [SUITE]   (default sid); idempotent: prints the
# version of an already built binary and exits.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
suite=${1:-sid}
dir=$top/build/sparse
bin=$dir/bin/sparse

# One build at a time (two lanes' host checks may ask at once).
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -x "$bin" ] && ver=$("$bin" --version 2>/dev/null); then
	echo "sparse: $ver -> ${bin#"$top"/}"
	exit 0
fi

mkdir -p "$dir/src"
. "$top/scripts/apt-conf.sh"
apt_private "$dir/.apt" deb-src "$suite"

# Download the .dsc, orig tarball and Debian patches (hash-checked by apt
# against the signed Sources index), then unpack with Debian's patches.
cd "$dir/src"
dsc=$(ls ./sparse_*.dsc 2>/dev/null | head -n 1 || true)
if [ -z "$dsc" ]; then
	apt-get "${apt_opts[@]}" -qq source --download-only sparse >&2
	dsc=$(ls ./sparse_*.dsc | head -n 1)
fi
rm -rf "$dir/src/tree"
if command -v dpkg-source >/dev/null; then
	dpkg-source --no-check -x "$dsc" "$dir/src/tree" >&2
else	# no dpkg-dev: the upstream tarball alone
	mkdir "$dir/src/tree"
	tar -xf "$(ls ./sparse_*.orig.tar.* | head -n 1)" -C "$dir/src/tree" --strip-components=1
fi

# Only the sparse program: the other tools (c2xml, test-inspect,
# sparse-llvm) want libxml2, gtk or llvm.  CC=gcc: Debian's patch pins
# gcc-16 (sid's compiler); sparse takes its builtin include paths from the
# compiler it is built with, and the kernel passes -nostdinc anyway.  An
# explicit version: sparse's Makefile would ask `git describe`, which
# here answers with this repository's.
deb=$(basename "$dsc" .dsc); deb=${deb#sparse_}
make -C "$dir/src/tree" -s -j"${JOBS:-$(nproc)}" CC=gcc HAVE_LLVM=no HAVE_GTK=no HAVE_LIBXML=no \
	HAVE_SQLITE=no SPARSE_VERSION="${deb%-*} (Debian source $deb, $suite)" sparse >&2
mkdir -p "$dir/bin"
install -m 0755 "$dir/src/tree/sparse" "$bin.new"
mv "$bin.new" "$bin"
echo "sparse: $("$bin" --version) -> ${bin#"$top"/}"
