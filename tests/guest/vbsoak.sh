#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vbsoak: the soak load (tests/guest/init runs it for vbtest=soak).
#
# Phases of concurrent I/O with faults, a rebind of every virtio driver
# between phases, then an idle check; every result is a line for the host
# (scripts/vbtest.py, soak scenarios).  Kernel command line:
#   vbsoakmb=N     MiB for fio's O_DIRECT jobs to write per phase, each
#                  byte read back and verified
#   vbsoaksec=S    seconds per phase at most (fio's runtime: a hang guard;
#                  a job it cuts short fails the host's check)
#   vbsoakph=P     phases (default 3)
#   vbsoakf=F+F..  faults: chunk=PCT (fail_virtio_bounce_chunk), page=PCT
#                  (fail_page_alloc, atomic, order >= 6: the atomic grow
#                  path), shrink (echo 1 > shrink in a loop), cpuhp (CPU 1
#                  offline/online in a loop), rebind (between phases)
# Lines:
#   VBFIO <phase> <job> err=<e> read_kb=<n> write_kb=<n>
#   VBSOAK <key> <value>          (totals: see the host's soak table)
#   VBSOAKLOG <text>              (a worker's error, for the log)
#   VBPOOL soak-idle ...          (pools once idle, as init's dump_pools)
export PATH=/bin:/sbin
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1"=*) echo "${w#*=}";; esac; done; }
mb=$(arg vbsoakmb); mb=${mb:-64}
sec=$(arg vbsoaksec); sec=${sec:-20}
phases=$(arg vbsoakph); phases=${phases:-3}
faults=$(arg vbsoakf | tr '+' ' ')
port=$(arg vbport)
D=/sys/kernel/debug
V=/sys/bus/virtio
S=/tmp/soak
mkdir -p $S

fault() {	# fault NAME: its value ("" if not asked, "1" if a bare word)
	for f in $faults; do
		case "$f" in "$1"=*) echo "${f#*=}"; return;; "$1") echo 1; return;; esac
	done
}
sum() { sha256sum | cut -d' ' -f1; }
add() { echo $(( $(cat "$S/$1" 2>/dev/null || echo 0) + $2 )) > "$S/$1"; }
running() { [ -e $S/run ]; }
vdev_by_id() {
	for d in "$V"/devices/*; do
		[ "$(cat "$d/device")" = "$1" ] && basename "$d" && return
	done
}
vdev_of_disk() { basename "$(readlink -f "/sys/block/$1/device")"; }
drv_of() { [ -e "$V/devices/$1/driver" ] && basename "$(readlink "$V/devices/$1/driver")"; }

# ---- the reference data: the pattern disk (the host checks its digest)
dd if=/dev/vdb of=/tmp/pat bs=1M iflag=direct 2>/dev/null
patsum=$(sum < /tmp/pat)
echo "VBSUM soak-pattern $patsum"
have_net=0
if ip link show eth0 >/dev/null 2>&1; then
	have_net=1
	ip link set lo up
	ip link set eth0 up
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
fi

# ---- fault injection set-up (debugfs fault_attr: times counts down)
TIMES=100000000
setup_attr() {	# setup_attr DIR PROBABILITY
	echo 0 > "$D/$1/verbose"
	echo "$2" > "$D/$1/probability"
	echo 1 > "$D/$1/interval"
	echo $TIMES > "$D/$1/times"
	echo 0 > "$D/$1/space"
}
p=$(fault chunk)
if [ -n "$p" ] && [ -d $D/fail_virtio_bounce_chunk ]; then
	setup_attr fail_virtio_bounce_chunk "$p"
fi
p=$(fault page)
if [ -n "$p" ] && [ -d $D/fail_page_alloc ]; then
	setup_attr fail_page_alloc "$p"
	# atomic allocations of 256 KiB and more: the pool's grow path under
	# a map (GFP_ATOMIC); the rest of the kernel keeps its pages
	echo Y > $D/fail_page_alloc/ignore-gfp-wait
	echo N > $D/fail_page_alloc/ignore-gfp-highmem
	echo 6 > $D/fail_page_alloc/min-order
fi
injected() {	# injected DIR: faults injected so far (0 if not asked for)
	[ -d "$D/$1" ] && [ "$(cat "$D/$1/probability")" != 0 ] || { echo 0; return; }
	echo $((TIMES - $(cat "$D/$1/times")))
}
stop_faults() {
	for a in fail_virtio_bounce_chunk fail_page_alloc; do
		[ -d $D/$a ] && echo 0 > $D/$a/probability
	done
}

# ---- workers: each loops while $S/run exists and adds to its counters
# Reads of the pattern disk (O_DIRECT, block sizes in turn; 512 B reads
# of its first MiB only), each checked against the reference; corrupt
# bytes counted with cmp.
head -c 1048576 /tmp/pat > /tmp/pat1m
pat1msum=$(sum < /tmp/pat1m)
w_vdb() {
	i=0
	while running; do
		ref=/tmp/pat; refsum=$patsum; count=
		case $((i % 4)) in
		0) bs=512; ref=/tmp/pat1m; refsum=$pat1msum; count=count=2048 ;;
		1) bs=4096 ;;
		2) bs=65536 ;;
		3) bs=1048576 ;;
		esac
		i=$((i + 1))
		# shellcheck disable=SC2086
		if ! dd if=/dev/vdb of=$S/rd bs=$bs $count iflag=direct 2>/dev/null; then
			add vdb_errors 1
			continue
		fi
		add vdb_reads 1
		add vdb_bytes "$(stat -c %s $S/rd)"
		if [ "$(sum < $S/rd)" != "$refsum" ]; then
			n=$(cmp -l $ref $S/rd 2>&1 | wc -l)
			add corrupt_vdb "$n"
			echo "VBSOAKLOG vdb read $i (bs $bs): $n bytes differ"
		fi
	done
	rm -f $S/rd
}

# The pattern to the host, over and over (the host checks every byte).
w_net_tx() {
	while running; do
		if n=$(vbnet send 10.0.2.2 "$port" /tmp/pat); then
			add net_tx 1
			add net_tx_bytes "$n"
		else
			add net_tx_errors 1
			sleep 1
		fi
	done
}

# The host's payload, over and over: the first copy's digest goes to the
# host, every later copy is compared with the first.
w_net_rx() {
	while running; do
		if ! n=$(vbnet recv 10.0.2.2 $((port + 1)) $S/rx); then
			add net_rx_errors 1
			sleep 1
			continue
		fi
		add net_rx 1
		add net_rx_bytes "$n"
		if [ ! -e $S/rxref ]; then
			mv $S/rx $S/rxref
			echo "VBSUM soak-net-rx $(sum < $S/rxref)"
		elif ! cmp -s $S/rxref $S/rx; then
			c=$(cmp -l $S/rxref $S/rx 2>&1 | wc -l)
			add corrupt_net "$c"
			echo "VBSOAKLOG net rx: $c bytes differ"
		fi
	done
	rm -f $S/rx
}

w_rng() {
	while running; do
		n=$(dd if=/dev/hwrng bs=64 count=16 2>/dev/null | wc -c)
		add rng_reads 1
		[ "$n" = 1024 ] || add rng_short 1
		sleep 0.2
	done
}

w_shrink() {
	while running; do
		for f in $D/virtio_bounce/*/shrink; do
			[ -e "$f" ] && echo 1 > "$f" 2>/dev/null && add shrinks 1
		done
		sleep 0.5
	done
}

w_cpuhp() {
	C=/sys/devices/system/cpu/cpu1/online
	while running; do
		echo 0 > $C && add cpu_offline 1
		sleep 0.3
		echo 1 > $C
		sleep 0.7
	done
	echo 1 > $C
}

# fio: random sizes 512 B-1 MiB, O_DIRECT (random writes, verified while
# writing; sequential writes) and reads of the pattern disk, all verified
# with crc32c; a page-cache pass (buffered random writes, caches dropped,
# read back through the page cache and verified).  The scratch disk vda
# is 16 MiB: 0-6M random, 6-10M sequential, 10-16M page cache.
fio_line() {	# fio_line PHASE: terse output -> VBFIO lines
	awk -F';' -v p="$1" '$1 == 3 { printf "VBFIO %s %s err=%s read_kb=%s write_kb=%s\n", p, $3, $5, $6, $47 }'
}
# Each verifying job moves its half of vbsoakmb as whole passes over its
# region (fio stops a verifying write job at --size whatever --io_size
# says; --loops repeats it): every byte written is read back and checked,
# and the host checks that each job wrote and verified exactly what it
# was asked (a job that --runtime cut short fails).  The pattern disk's
# reads are w_vdb's, each compared with the pattern.
RAND_KB=6144
SEQ_KB=4096
half=$((mb * 1024 / 2))
rand_loops=$(((half + RAND_KB - 1) / RAND_KB))
seq_loops=$(((half + SEQ_KB - 1) / SEQ_KB))
echo "VBSOAK fio_asked_rand_kb $((rand_loops * RAND_KB))"
echo "VBSOAK fio_asked_seq_kb $((seq_loops * SEQ_KB))"
fio_direct() {
	fio --thread --output-format=terse --terse-version=3 --runtime="$sec" \
		--filename=/dev/vda --direct=1 --verify=crc32c --verify_fatal=1 --randseed="$1" \
		--name=rand-direct --rw=randwrite --bsrange=512-1m --offset=0 --size=${RAND_KB}k \
		--loops=$rand_loops --verify_backlog=16 \
		--name=seq-direct --rw=write --bsrange=4k-1m --offset=6m --size=${SEQ_KB}k \
		--loops=$seq_loops --verify_backlog=8 2>$S/fio-direct.err | fio_line "$1"
	grep -E "verify|fio:" $S/fio-direct.err | head -n 5 | sed 's/^/VBSOAKLOG fio: /'
}
# The page-cache leg: passes over a region of 1-6 MiB (vbsoakmb / 12) at
# 10M, each written whole (buffered random writes, fsync), the caches
# dropped, and read back through the page cache and verified; passes
# repeat while the O_DIRECT jobs run.
pcmb=$((mb / 12)); [ $pcmb -ge 1 ] || pcmb=1; [ $pcmb -le 6 ] || pcmb=6
J="--thread --output-format=terse --terse-version=3 --filename=/dev/vda
   --name=pagecache --direct=0 --rw=randwrite --bsrange=512-1m --offset=10m
   --size=${pcmb}m --verify=crc32c --verify_fatal=1"
pc_pass() {	# pc_pass SEED TAG: one write pass and its verification
	# shellcheck disable=SC2086
	fio $J --randseed="$1" --do_verify=0 --end_fsync=1 2>>$S/fio-pc.err | fio_line "$2"
	echo 3 > /proc/sys/vm/drop_caches
	# shellcheck disable=SC2086
	fio $J --randseed="$1" --verify_only=1 2>>$S/fio-pc.err | fio_line "$2" |
		sed 's/pagecache err/pagecache-verify err/'
}
fio_pagecache() {
	: > $S/fio-pc.err
	k=1
	while [ $k = 1 ] || [ -e $S/direct-running ]; do
		pc_pass "$1$k" "$1.$k"
		k=$((k + 1))
	done
	grep -E "verify|fio:" $S/fio-pc.err | head -n 5 | sed 's/^/VBSOAKLOG fio: /'
}

rebind() {	# rebind virtioN
	drv=$(drv_of "$1")
	[ -n "$drv" ] || return
	echo "$1" > "$V/drivers/$drv/unbind"
	echo "$1" > "$V/drivers/$drv/bind"
	if [ "$(drv_of "$1")" = "$drv" ]; then add rebinds 1; else add rebind_failures 1; fi
}

t0=$(date +%s)
ph=1
while [ $ph -le "$phases" ]; do
	touch $S/run
	pids=
	w_vdb & pids="$pids $!"
	[ -e /dev/hwrng ] && { w_rng & pids="$pids $!"; }
	if [ $have_net = 1 ]; then
		w_net_tx & pids="$pids $!"
		w_net_rx & pids="$pids $!"
	fi
	[ -n "$(fault shrink)" ] && { w_shrink & pids="$pids $!"; }
	[ -n "$(fault cpuhp)" ] && [ -e /sys/devices/system/cpu/cpu1/online ] && { w_cpuhp & pids="$pids $!"; }
	touch $S/direct-running
	fio_pagecache $ph > $S/pc.out &
	pc=$!
	fio_direct $ph
	rm -f $S/direct-running
	echo "VBSOAK phase-$ph-fio-direct $(($(date +%s) - t0))"
	wait $pc
	cat $S/pc.out
	echo "VBSOAK phase-$ph-fio-pagecache $(($(date +%s) - t0))"
	rm -f $S/run
	# shellcheck disable=SC2086
	wait $pids
	echo "VBSOAK phase-$ph-end $(($(date +%s) - t0))"
	if [ -n "$(fault rebind)" ] && [ $ph -lt "$phases" ]; then
		ip link set eth0 down 2>/dev/null
		for id in 0x0004 0x0001; do
			d=$(vdev_by_id $id)
			[ -n "$d" ] && rebind "$d"
		done
		rebind "$(vdev_of_disk vdb)"
		rebind "$(vdev_of_disk vda)"
		if [ $have_net = 1 ]; then
			ip link set eth0 up
			ip addr add 10.0.2.15/24 dev eth0 2>/dev/null
			ip route add default via 10.0.2.2 2>/dev/null
		fi
	fi
	ph=$((ph + 1))
done
echo "VBSOAK seconds $(($(date +%s) - t0))"
# Negative control: a pass verifies clean; six bytes changed in its
# region must then fail the same verification.
echo "VBSOAK fio_control_clean $(pc_pass 99 control | grep -c ' err=0 ')"
printf 'vbsoak' | dd of=/dev/vda bs=1 seek=$((10 * 1048576 + 100)) conv=notrunc 2>/dev/null
sync
echo 3 > /proc/sys/vm/drop_caches
# shellcheck disable=SC2086
c=$(fio $J --randseed=99 --verify_only=1 2>/dev/null | awk -F';' '$1 == 3 { print $5 }')
echo "VBSOAK fio_control_caught $([ -n "$c" ] && [ "$c" != 0 ] && echo 1 || echo 0)"
echo "VBSOAK chunk_faults $(injected fail_virtio_bounce_chunk)"
echo "VBSOAK page_faults $(injected fail_page_alloc)"
stop_faults
v() { cat "$S/$1" 2>/dev/null || echo 0; }
for k in vdb_reads vdb_bytes vdb_errors net_tx net_tx_bytes net_rx net_rx_bytes \
	 rng_reads rng_short shrinks cpu_offline rebinds rebind_failures; do
	echo "VBSOAK $k $(v $k)"
done
echo "VBSOAK net_errors $(($(v net_tx_errors) + $(v net_rx_errors)))"
echo "VBSOAK corrupt_bytes $(($(v corrupt_vdb) + $(v corrupt_net)))"
