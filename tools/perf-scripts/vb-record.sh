#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Record virtio_bounce events (and optionally map/unmap latency) while a
# command runs; the output feeds vb_trace.py.
#
#   vb-record.sh [-o TRACE] [-g GRAPH] [-p] -- COMMAND [ARGS...]
#     -o TRACE  event trace text (default vb-trace.txt)
#     -g GRAPH  also run COMMAND again under function_graph on
#               the ops' map/unmap (vb_vmap_map_page on 7.3, vb_map_page on
#               6.12) and write that trace to GRAPH
#     -p        use perf (perf record -e 'virtio_bounce:*' -a; perf script)
#               instead of tracefs
#   then:  vb_trace.py summary TRACE; vb_trace.py latency GRAPH;
#          vb_trace.py occupancy TRACE --png occupancy.png
set -eu
usage() { sed -n '3,14s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
out=vb-trace.txt graph= perf=0
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	-g) graph=$2; shift 2 ;;
	-p) perf=1; shift ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	*) usage 2 ;;
	esac
done
[ $# -gt 0 ] || usage 2
T=/sys/kernel/tracing
[ -d $T/events ] || T=/sys/kernel/debug/tracing
# vb_trace.py reads map/unmap/sync by the names of this kernel's format
# (device=virtio3 dir=FROM_DEVICE ... attrs= flags=BOUNCED): say so now if
# the events print another layout (a kernel from before that format).
fmt=$T/events/virtio_bounce/virtio_bounce_map/format
if ! grep -q 'char\[\] device;' "$fmt" 2>/dev/null ||
   ! grep -q '__print_symbolic(REC->dir' "$fmt" || ! grep -q 'REC->flags' "$fmt"; then
	echo "vb-record: $fmt lacks device, a symbolic dir or flags: vb_trace.py cannot read these events" >&2
fi
if [ $perf = 1 ]; then
	perf record -q -e 'virtio_bounce:*' -a -o vb-perf.data -- "$@"
	perf script -i vb-perf.data > "$out"
else
	echo 0 > $T/tracing_on
	echo nop > $T/current_tracer
	echo > $T/set_ftrace_filter
	echo > $T/trace
	echo 1 > $T/events/virtio_bounce/enable
	echo 1 > $T/tracing_on
	"$@"
	echo 0 > $T/tracing_on
	cat $T/trace > "$out"
	echo 0 > $T/events/virtio_bounce/enable
fi
if [ -n "$graph" ]; then
	echo > $T/trace
	# Patch only our functions' entries, not every function's: fewer text
	# pokes, less overhead, and no int3 race with QEMU/TCG's translated code.
	# The ops' entry points: virtio_map_ops (7.3) or dma_map_ops (6.12).
	ops='vb_map_page vb_unmap_page'
	grep -q '^vb_vmap_map_page' $T/available_filter_functions &&
		ops='vb_vmap_map_page vb_vmap_unmap_page'
	for f in $ops vb_map_phys vb_unmap_one vb_map_sg vb_unmap_sg; do
		echo $f >> $T/set_ftrace_filter 2>/dev/null
	done
	echo "$ops" > $T/set_graph_function
	echo 2 > $T/max_graph_depth
	echo function_graph > $T/current_tracer
	echo 1 > $T/tracing_on
	"$@"
	echo 0 > $T/tracing_on
	cat $T/trace > "$graph"
	echo nop > $T/current_tracer
	echo > $T/set_ftrace_filter
fi
echo "vb-record: events in $out${graph:+, latency in $graph}"
