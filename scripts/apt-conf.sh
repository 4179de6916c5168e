# SPDX-License-Identifier: GPL-2.0
# Sourced by apt-private.sh and fetch-sparse.sh: a private apt
# configuration (own sources list, state and cache dirs) whose mirror is
# the one the machine's own apt sources name, so no registry host is
# written in this repository and the machine's apt sources are never
# modified.
#
# apt_private PRIVDIR TYPE SUITE: writes PRIVDIR/sources.list with one
# "TYPE [signed-by=...] MIRROR SUITE main" line (TYPE deb or deb-src),
# sets the array apt_opts, and runs apt-get update once per suite.
apt_private() {
	local priv=$1 type=$2 suite=$3 mirror
	mkdir -p "$priv/lists/partial" "$priv/cache/archives/partial" "$priv/etc/preferences.d"
	mirror=$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p';
		    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' || true; } |
		  tr ' ' '\n' | grep -E '^https?://' | grep -v -e security -e google -e nodesource | head -n 1 || true)
	[ -n "$mirror" ] || { echo "apt-private: no Debian mirror found in /etc/apt sources" >&2; return 1; }
	echo "$type [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
		> "$priv/sources.list"
	apt_opts=(-o Dir::Etc::SourceList="$priv/sources.list"
		  -o Dir::Etc::SourceParts=/dev/null
		  -o Dir::Etc::Preferences="$priv/etc/preferences"
		  -o Dir::Etc::PreferencesParts="$priv/etc/preferences.d"
		  -o Dir::State::Lists="$priv/lists"
		  -o Dir::State::Status=/dev/null
		  -o Dir::Cache="$priv/cache"
		  -o Dir::Cache::pkgcache="" -o Dir::Cache::srcpkgcache=""
		  -o APT::Architecture=amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	if [ ! -e "$priv/lists/.updated-$type-$suite" ]; then
		apt-get "${apt_opts[@]}" -qq update >&2
		touch "$priv/lists/.updated-$type-$suite"
	fi
}
