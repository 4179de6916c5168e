#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the virtio_bounce KUnit suite of one lane, booting a kernel in QEMU
# (TCG, two CPUs) with kunit.enable=1 and parsing its KTAP output with the
# kernel's own tools/testing/kunit/kunit.py parse.  Two runs:
#   base   the lane's configs/base.config kernel (build/obj or build/obj-7.3,
#          built beforehand): no DMA API debugging, so dma_skip_sync and
#          dma_need_sync() are real there
#   debug  tinyconfig + configs/kunit.config (+ kunit-LANE.config), built into
#          build/kunit-LANE: KASAN, DMA_API_DEBUG, PREEMPT_RT, lockdep,
#          atomic-sleep and preempt checks
# A run also fails if the kernel log holds a report (BUG, WARNING, lockdep,
# KASAN, Oops, sleeping in atomic context) that no test asked for.
# usage: kunit.sh [base|debug]...   (default: both); LANE=6.12|7.3
# Prints "kunit-LANE: N passed, N failed, N skipped" (totals), exits non-zero
# on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LANE=${LANE:-6.12}
case $LANE in
6.12) K=$top/build/linux; obj=$top/build/obj ;;
7.3) K=$top/build/linux-$LANE; obj=$top/build/obj-$LANE ;;
*) echo "kunit: unknown LANE=$LANE"; exit 2 ;;
esac
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(base debug)
# Kernel reports that fail a run even when every test passed.
reports='BUG:|WARNING:|INFO: possible|INFO: inconsistent|possible recursive locking|circular locking|Oops|general protection|KASAN:|UBSAN:|sleeping function called|scheduling while atomic'
P=0; F=0; S=0
for run in "${runs[@]}"; do
	t0=$SECONDS
	log=$top/build/kunit-$LANE-$run.log
	case $run in
	base) img=$obj/arch/x86/boot/bzImage ;;
	debug)
		dir=$top/build/kunit-$LANE
		img=$dir/arch/x86/boot/bzImage
		if ! VB_KSRC=$K flock "$top/build/.kbuild.lock" \
			"$top/scripts/build-kernel.sh" "$dir" "$top/configs/kunit.config" \
			$(ls "$top/configs/kunit-$LANE.config" 2>/dev/null) \
			>"$log.build" 2>&1; then
			tail -n 20 "$log.build"
			echo "FAIL kunit-$LANE-$run: build failed, see $log.build"
			F=$((F + 1))
			continue
		fi ;;
	*) echo "kunit: unknown run '$run' (base, debug)"; exit 2 ;;
	esac
	if [ ! -f "$img" ]; then
		echo "FAIL kunit-$LANE-$run: no kernel at $img"
		F=$((F + 1))
		continue
	fi
	tb=$SECONDS
	# kunit_shutdown=reboot and -no-reboot: QEMU exits when the suite is
	# done.  qboot (as kunit.py uses): its MP table lists both CPUs.
	timeout 1200 qemu-system-x86_64 -machine pc -bios qboot.rom -cpu max -smp 2 -m 1024 \
		-nographic -no-reboot -kernel "$img" \
		-append "console=ttyS0 kunit.enable=1 kunit.filter_glob=virtio_bounce kunit_shutdown=reboot panic=-1 nokaslr" \
		</dev/null >"$log" 2>&1
	rc=$?
	out=$(python3 "$K/tools/testing/kunit/kunit.py" parse "$log" 2>&1)
	line=$(grep -E "Testing complete\. Ran [0-9]+ tests" <<<"$out" | tail -n 1)
	ran=$(sed -nE 's/.*Ran ([0-9]+) tests.*/\1/p' <<<"$line")
	p=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$line")
	s=$(sed -nE 's/.*skipped: ([0-9]+).*/\1/p' <<<"$line")
	grep -E "^\[|ERROR" <<<"$out" | grep -vE "^\[[0-9:]+\] +\[PASSED\]" | tail -n 30
	if [ -z "$ran" ] || [ "$ran" = 0 ]; then
		echo "FAIL kunit-$LANE-$run: no test ran (qemu rc $rc), see $log"
		F=$((F + 1))
		continue
	fi
	p=${p:-0}; f=${f:-0}; s=${s:-0}
	rep=$(grep -E "$reports" "$log" | head -n 5)
	if [ -n "$rep" ]; then
		echo "FAIL kunit-$LANE-$run: kernel reports in $log:"
		echo "$rep"
		f=$((f + 1))
	else
		echo "PASS kunit-$LANE-$run: no kernel report in the log"
		p=$((p + 1))
	fi
	echo "kunit-$LANE-$run: $p passed, $f failed, $s skipped (build $((tb - t0)) s, run $((SECONDS - tb)) s)"
	P=$((P + p)); F=$((F + f)); S=$((S + s))
done
echo "kunit-$LANE: $P passed, $F failed, $S skipped"
[ "$F" = 0 ]
