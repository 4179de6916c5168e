#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the virtio_bounce KUnit suite of one lane, booting a kernel in QEMU
# (TCG, two CPUs) with kunit.enable=1 and parsing its KTAP output with the
# kernel's own tools/testing/kunit/kunit.py parse.  Two runs:
#   base   the lane's configs/base.config kernel (its obj in scripts/lanes.tsv,
#          built beforehand): no DMA API debugging, so dma_skip_sync and
#          dma_need_sync() are real there
#   debug  tinyconfig + configs/kunit.config (+ kunit-LANE.config), built into
#          the lane's kunit directory (build/kunit-LANE): KASAN, DMA_API_DEBUG, PREEMPT_RT, lockdep,
#          atomic-sleep and preempt checks
# A run also fails if the kernel log holds a report (BUG, WARNING, lockdep,
# KASAN, Oops, sleeping in atomic context) that no test asked for.
# usage: kunit.sh [base|debug]...   (default: both); LANE=a lane of
# scripts/lanes.tsv (default: its default, 7.3)
# Prints "kunit-LANE: N passed, N failed, N skipped" (totals), exits non-zero
# on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LANE=${LANE:-$("$top/scripts/lane.sh" default)} || exit 2
"$top/scripts/lane.sh" "$LANE" || exit 2
K=$top/$("$top/scripts/lane.sh" "$LANE" src)
obj=$top/$("$top/scripts/lane.sh" "$LANE" obj)
kdir=$top/$("$top/scripts/lane.sh" "$LANE" kunit)
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(base debug)
# Kernel reports that fail a run even when every test passed.
reports='BUG:|WARNING:|INFO: possible|INFO: inconsistent|INFO: task .* blocked|blocked for more than|rcu: INFO|rcu_.*stall|self-detected stall|Kernel panic|possible recursive locking|circular locking|Oops|general protection|KASAN:|UBSAN:|KMSAN:|DMA-API: [a-z0-9_-]+ [^ ]+: |DMA-API: .*disabling|sleeping function called|scheduling while atomic|deprecated workqueue'
P=0; F=0; S=0
for run in "${runs[@]}"; do
	t0=$SECONDS
	log=$top/build/kunit-$LANE-$run.log
	case $run in
	base) img=$obj/arch/x86/boot/bzImage ;;
	debug)
		dir=$kdir
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
	# Every case of the suite: kunit.py's JSON, with the suite's own plan
	# ("1..N" after "# Subtest: virtio_bounce") as the count expected.  A
	# run cut short (hang, panic, timeout) has cases missing: kunit.py
	# reports them as crashed or as errors, and both fail the run.
	json=$log.json
	python3 "$K/tools/testing/kunit/kunit.py" parse --json="$json" "$log" >"$log.parsed" 2>&1
	read -r p f s crashed errors planned seen < <(python3 "$top/scripts/kunit_summary.py" "$json" "$log")
	grep -E "^\[|ERROR" "$log.parsed" | grep -vE "^\[[0-9:]+\] +\[PASSED\]" | tail -n 30
	if [ "${seen:-0}" = 0 ]; then
		echo "FAIL kunit-$LANE-$run: no test ran (qemu rc $rc), see $log"
		F=$((F + 1))
		continue
	fi
	if [ "$rc" != 0 ]; then
		echo "FAIL kunit-$LANE-$run: QEMU exited with status $rc$([ "$rc" = 124 ] && echo ' (timed out)'), see $log"
		f=$((f + 1))
	fi
	if [ "$crashed" != 0 ] || [ "$errors" != 0 ] || [ "$planned" != "$seen" ]; then
		echo "FAIL kunit-$LANE-$run: $seen of $planned planned cases reported, $crashed crashed, $errors parser errors (a run cut short), see $log"
		f=$((f + 1))
	fi
	rep=$(grep -E "$reports" "$log" | head -n 5)
	if [ -n "$rep" ]; then
		echo "FAIL kunit-$LANE-$run: kernel reports in $log:"
		echo "$rep"
		f=$((f + 1))
	else
		echo "PASS kunit-$LANE-$run: no kernel report in the log"
		p=$((p + 1))
	fi
	echo "kunit-$LANE-$run: $p passed, $f failed, $s skipped ($seen of $planned cases; build $((tb - t0)) s, run $((SECONDS - tb)) s)"
	P=$((P + p)); F=$((F + f)); S=$((S + s))
done
echo "kunit-$LANE: $P passed, $F failed, $S skipped"
[ "$F" = 0 ]
