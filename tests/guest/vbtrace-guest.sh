#!/bin/sh
# Guest side of `make trace` and of the trace test: trace a known workload
# with tracefs and print the raw trace between markers for the host.
#   100 O_DIRECT reads of 4096 bytes and 50 of 512 bytes from /dev/vdb
# and the events' formats (fields, print fmt with its symbolic tables),
# which the host reads rather than assuming a layout.
T=/sys/kernel/tracing
# The dumps go to the serial console, as kernel messages do: keep those off
# the console while dumping, or a line printed meanwhile splits an event;
# then replay what the kernel said meanwhile, so that the host's check of
# the log still sees every report.
#   dump BEGIN END FILE...
dump() {
	lvl=$(cut -f1 /proc/sys/kernel/printk)
	before=$(dmesg | wc -l)
	echo 1 > /proc/sys/kernel/printk
	echo "$1"
	end=$2
	shift 2
	cat "$@"
	echo "$end"
	echo "$lvl" > /proc/sys/kernel/printk
	dmesg | tail -n +$((before + 1)) | sed 's/^/VBDMESG /'
}
echo 0 > $T/tracing_on
echo nop > $T/current_tracer
echo > $T/set_ftrace_filter
echo > $T/trace
echo 8192 > $T/buffer_size_kb
echo 1 > $T/events/virtio_bounce/enable
echo 1 > $T/tracing_on
echo "VBVAL trace-reads-4096 $(vbio /dev/vdb 4096 100)"
echo "VBVAL trace-reads-512 $(vbio /dev/vdb 512 50)"
echo 0 > $T/tracing_on
dump VBTRACE-BEGIN VBTRACE-END $T/trace
dump VBFORMAT-BEGIN VBFORMAT-END $T/events/virtio_bounce/*/format
# Every chunk of every pool (phys, device address, bytes, slot size): the
# host checks that each address a device was given lies in its pool.
for d in /sys/kernel/debug/virtio_bounce/*/; do
	[ -f "$d/pool" ] || continue
	grep '^chunk ' "$d/pool" | while read -r _ p dma b s; do
		echo "VBTCHUNK $(basename "$d") $p $dma $b $s"
	done
done
echo 0 > $T/events/virtio_bounce/enable
# map/unmap latency with function_graph
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
vbio /dev/vdb 4096 100 >/dev/null
echo 0 > $T/tracing_on
dump VBGRAPH-BEGIN VBGRAPH-END $T/trace
echo nop > $T/current_tracer
echo > $T/set_ftrace_filter
