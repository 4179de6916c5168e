# SPDX-License-Identifier: GPL-2.0
# Sourced by every script that compiles kernel code (build-kernel.sh,
# host-checks.sh, series.sh): sets $cc, one answer for all of them, so an
# object directory is never rebuilt because CC changed between scripts.
#
# ccache by default (build/ccache): rebuilds after a config change or in
# another object directory of the same tree mostly hit.  Not under
# CI=true: a fresh machine has an empty cache, and a miss preprocesses
# every file twice (ccache 4.7, direct mode): cold builds of 7.3's mm/
# and kernel/sched/ took 75-96 s with it and 53-79 s without, four runs
# each (docs/design.md, "CI's hour").  VB_CCACHE=1 or 0 overrides either way.
cc=gcc
case ${VB_CCACHE:-} in
1) use_ccache=1 ;;
0) use_ccache=0 ;;
*) if [ "${CI:-}" = true ]; then use_ccache=0; else use_ccache=1; fi ;;
esac
if [ $use_ccache = 1 ] && command -v ccache >/dev/null; then
	cc="ccache gcc"
	export CCACHE_DIR=${CCACHE_DIR:-$top/build/ccache}
fi
unset use_ccache
