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
priv="$out/.apt"
mkdir -p "$priv/lists/partial" "$priv/cache/archives/partial" "$priv/etc/preferences.d" "$priv/etc/apt.conf.d"

# First http(s) URI of a main Debian archive in the machine's own sources.
mirror=$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p';
	    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' || true; } |
	  tr ' ' '\n' | grep -E '^https?://' | grep -v -e security -e google -e nodesource | head -n 1 || true)
[ -n "$mirror" ] || { echo "apt-private: no Debian mirror found in /etc/apt sources" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

cat > "$priv/sources.list" <<SRC
deb [signed-by=$keyring] $mirror $suite main
SRC
opts=(-o Dir::Etc::SourceList="$priv/sources.list"
      -o Dir::Etc::SourceParts=/dev/null
      -o Dir::Etc::Preferences="$priv/etc/preferences"
      -o Dir::Etc::PreferencesParts="$priv/etc/preferences.d"
      -o Dir::State::Lists="$priv/lists"
      -o Dir::State::Status=/dev/null
      -o Dir::Cache="$priv/cache"
      -o Dir::Cache::pkgcache="" -o Dir::Cache::srcpkgcache=""
      -o APT::Architecture=amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
if [ ! -e "$priv/lists/.updated-$suite" ]; then
	apt-get "${opts[@]}" update >&2
	touch "$priv/lists/.updated-$suite"
fi
cd "$out"
for p in "$@"; do
	apt-get "${opts[@]}" download "$p" >&2
done
ls "$out"/*.deb
