#!/bin/sh
# Guest side of `make bench`: DMA map/unmap microbenchmark through the ops
# installed on the scratch disk's DMA device, then fio on that disk.
# vbbench=quick|full on the kernel command line picks the matrix.
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1"=*) echo "${w#*=}";; esac; done; }
level=$(arg vbbench)
# Keep kernel messages (e.g. "hrtimer: interrupt took ...") from landing
# in the middle of the result lines and fio's JSON on the console.
dmesg -n 1
pci=$(basename "$(readlink -f /sys/block/vda/device/..)")
echo "VBVAL bench-dev $pci"
R=/sys/kernel/debug/virtio_dma_bench/run
if [ "$level" = quick ]; then
	sizes="64 4096 65536"; threads="1"; batches=15
elif [ "$level" = profile ]; then
	# tools/perf-scripts/vb_profile.py single-steps these maps under gdb
	sizes="$(arg vbprofsize)"; dirs="$(arg vbprofdir)"; threads="1"; batches=2
elif [ "$level" = icount ]; then
	# QEMU -icount shift=0: one guest ns is one instruction
	sizes="64 512 4096 65536"; threads="1"; batches=15
else
	sizes="64 512 4096 65536 262144 1048576"; threads="1 2"; batches=31
fi
for size in $sizes; do
	for dir in ${dirs:-1 2}; do
		for t in $threads; do
			# at most 1 MiB in flight per batch (a Xen pool cannot
			# grow in the map path)
			batch=$((1048576 / size))
			[ "$level" = profile ] && batch=4
			[ $batch -gt 64 ] && batch=64
			[ $batch -lt 2 ] && batch=2
			if echo "$pci $size $dir $t $batch $batches" > $R 2>/dev/null; then
				sed "s/^/VBMB $size $dir $t /" $R
			else
				echo "VBMB $size $dir $t error"
			fi
		done
	done
done
# swiotlb has no byte counters: count its bounces with its tracepoint.
T=/sys/kernel/tracing
if [ -d $T/events/swiotlb ]; then
	echo > $T/trace
	echo 32768 > $T/buffer_size_kb
	echo 1 > $T/events/swiotlb/enable
	echo 1 > $T/tracing_on
fi
if command -v fio >/dev/null && [ "$level" != icount ] && [ "$level" != profile ]; then
	rt=$([ "$level" = quick ] && echo 3 || echo 8)
	for job in "randread 4k 32" "read 64k 4" "write 64k 4"; do
		set -- $job
		echo "VBFIO-BEGIN $1-$2-qd$3"
		fio --name="$1-$2" --filename=/dev/vda --direct=1 --rw="$1" --bs="$2" \
			--iodepth="$3" --ioengine=libaio --thread --runtime="$rt" --time_based \
			--size=14m --output-format=json 2>&1
		echo "VBFIO-END"
	done
fi
if [ -d $T/events/swiotlb ]; then
	echo 0 > $T/tracing_on
	echo "VBVAL swiotlb-bounced-bytes $(grep -o 'size=[0-9]*' $T/trace | cut -d= -f2 | awk '{s+=$1} END {print s+0}')"
	echo "VBVAL swiotlb-bounced-maps $(grep -c swiotlb_bounced $T/trace)"
	echo 0 > $T/events/swiotlb/enable
fi
dmesg -n 7
