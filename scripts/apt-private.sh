#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Download Debian packages from another suite (trixie) with a private apt
# configuration: own sources list, own state/cache dirs.  The machine's
# apt sources are never modified.  The mirror URI is taken from the
# machine's own apt sources, so no registry host is written in this repo.
#
# usage: apt-private.sh OUTDIR SUITE PACKAGE...
set -euo pipefail
out=$1; suite=$2; shift 2
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$(dirname "$0")/apt-conf.sh"
apt_private "$out/.apt" deb "$suite"
cd "$out"
for p in "$@"; do
	apt-get "${apt_opts[@]}" download "$p" >&2
done
ls "$out"/*.deb
