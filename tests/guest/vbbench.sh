#!/bin/sh
# Guest side of `make bench`: DMA map/unmap microbenchmark through the ops
# installed on the scratch disk's DMA device, then fio on that disk.
# vbbench=quick|full on the kernel command line picks the matrix; fio:
# only fio (the repeated boots of `make bench`, A B A B ...).
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1"=*) echo "${w#*=}";; esac; done; }
level=$(arg vbbench)
# Keep kernel messages (e.g. "hrtimer: interrupt took ...") from landing
# in the middle of the result lines and fio's JSON on the console.
dmesg -n 1
pci=$(basename "$(readlink -f /sys/block/vda/device/..)")
echo "VBVAL bench-dev $pci"
R=/sys/kernel/debug/virtio_dma_bench/run

# Bytes copied per byte of I/O, both sides of every bounce, in a pass of
# its own after the timed fio (tracing would slow some modes and not
# others): the same three jobs over a fixed COPY_MB each.  virtio_bounce
# counts its copies (sysfs bytes_to_device + bytes_from_device of vda's
# virtio device); swiotlb and swiotlb-xen have no counters, so theirs come
# from tracepoints: a map they bounce (swiotlb:swiotlb_bounced, then on
# the same CPU the DMA core's dma:dma_map_page or dma_map_phys) copies the
# buffer in, and its unmap copies it back for FROM_DEVICE and
# BIDIRECTIONAL unless SKIP_CPU_SYNC (__swiotlb_tbl_unmap_single()).
# Events lost to a full trace buffer are reported, never counted as 0.
COPY_MB=16
copies() {
	T=/sys/kernel/tracing
	S=/sys/block/vda/device/virtio_bounce
	v0=$(cat $S/bytes_to_device $S/bytes_from_device 2>/dev/null | awk '{s+=$1} END {print s+0}')
	if [ -d $T/events/swiotlb ]; then
		echo 0 > $T/tracing_on
		echo > $T/trace
		echo 49152 > $T/buffer_size_kb
		echo 1 > $T/events/swiotlb/enable
		for e in dma_map_page dma_unmap_page dma_map_phys dma_unmap_phys; do
			[ -d $T/events/dma/$e ] && echo 1 > $T/events/dma/$e/enable
		done
		echo 1 > $T/tracing_on
	fi
	for job in "randread 4k 32" "read 64k 4" "write 64k 4"; do
		set -- $job
		fio --name="copy-$1-$2" --filename=/dev/vda --direct=1 --rw="$1" --bs="$2" \
			--iodepth="$3" --ioengine=libaio --thread --size=14m \
			--io_size=${COPY_MB}m --output-format=terse >/dev/null 2>&1 ||
			echo "VBVAL copy-fio-failed $1-$2"
	done
	v1=$(cat $S/bytes_to_device $S/bytes_from_device 2>/dev/null | awk '{s+=$1} END {print s+0}')
	echo "VBVAL copy-io-bytes $((3 * COPY_MB * 1048576))"
	echo "VBVAL copy-vb-bytes $((v1 - v0))"
	[ -d $T/events/swiotlb ] || return 0
	echo 0 > $T/tracing_on
	set -- $(awk -v dev="$pci" '
		function num(re, off) { match($0, re); return substr($0, RSTART + off, RLENGTH - off) }
		/^#/ { next }
		{ match($0, /\[[0-9]+\]/); cpu = substr($0, RSTART, RLENGTH) }
		/ swiotlb_bounced: / {
			if (index($0, "dev_name: " dev " ")) { pend[cpu] = 1; maps++; in_b += num("size=[0-9]+", 5) }
			next
		}
		/ dma_map_(page|phys): / {
			if (!index($0, ": " dev " dir=") || !pend[cpu]) next
			pend[cpu] = 0
			live[num("dma_addr=[0-9a-f]+", 9)] = num("dir=[A-Z_]+", 4)
			next
		}
		/ dma_unmap_(page|phys): / {
			if (!index($0, ": " dev " dir=")) next
			a = num("dma_addr=[0-9a-f]+", 9)
			if (!(a in live)) next
			d = live[a]; delete live[a]
			if ((d == "FROM_DEVICE" || d == "BIDIRECTIONAL") && $0 !~ /SKIP_CPU_SYNC/)
				back_b += num("size=[0-9]+", 5)
		}
		END { printf "%d %d %d\n", in_b, back_b, maps }' $T/trace)
	echo "VBVAL copy-swiotlb-bytes $1"
	echo "VBVAL copy-swiotlb-back-bytes $2"
	echo "VBVAL copy-swiotlb-maps $3"
	# "# entries-in-buffer/entries-written: 123/456   #P:2"
	lost=$(sed -n 's|^# entries-in-buffer/entries-written: \([0-9]*\)/\([0-9]*\).*|\2 \1|p' $T/trace |
		awk '{print $1 - $2}')
	echo "VBVAL copy-trace-lost ${lost:-unknown}"
	echo 0 > $T/events/swiotlb/enable
	echo 0 > $T/events/dma/enable 2>/dev/null
	echo > $T/trace
}
if [ "$level" = quick ]; then
	sizes="64 4096 65536"; threads="1"; batches=15
elif [ "$level" = profile ]; then
	# tools/perf-scripts/vb_profile.py single-steps these maps under gdb
	sizes="$(arg vbprofsize)"; dirs="$(arg vbprofdir)"; threads="1"; batches=2
elif [ "$level" = fio ]; then
	sizes=""
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
	copies
fi
dmesg -n 7
