#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the virtio_bounce KUnit suite through the kernel's own runner,
#   tools/testing/kunit/kunit.py run --arch=x86_64 (QEMU, TCG),
# in two configurations, each configs/kunit.config (lockdep, atomic-sleep
# and preempt checks, CPU hotplug) plus one of:
#   dmadebug  KASAN + DMA_API_DEBUG, PREEMPT      (build/kunit)
#   rt        PREEMPT_RT, no DMA_API_DEBUG:        (build/kunit-rt)
#             dma_skip_sync and dma_need_sync() are real here
# A run also fails if the kernel log holds a report (BUG, WARNING, lockdep,
# KASAN, Oops, sleeping in atomic context) that no test asked for.
# usage: kunit.sh [dmadebug|rt]...   (default: both)
# Prints "kunit: N passed, N failed, N skipped" (totals) and exits non-zero
# on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
K=$top/build/linux
export CCACHE_DIR=${CCACHE_DIR:-$top/build/ccache}
cc=gcc; command -v ccache >/dev/null && cc="ccache gcc"
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(dmadebug rt)
# Kernel reports that fail a run even when every test passed.
reports='BUG:|WARNING:|INFO: possible|INFO: inconsistent|possible recursive locking|circular locking|Oops|general protection|KASAN:|UBSAN:|sleeping function called|scheduling while atomic'
P=0; F=0; S=0
cd "$K" || exit 1
for run in "${runs[@]}"; do
	case $run in
	dmadebug) dir=$top/build/kunit ;;
	rt) dir=$top/build/kunit-rt ;;
	*) echo "kunit: unknown run '$run' (dmadebug, rt)"; exit 2 ;;
	esac
	log=$top/build/kunit-$run.log
	t0=$SECONDS
	python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
		--build_dir="$dir" --kunitconfig="$top/configs/kunit.config" \
		--kunitconfig="$top/configs/kunit-$run.config" \
		--jobs="${JOBS:-$(nproc)}" --make_options "CC=$cc" --timeout=900 \
		--qemu_args="-smp 2 -m 1024" 2>&1 | tee "$log" |
		grep -E "^\[|Testing complete|Elapsed|ERROR|error:" |
		grep -vE "^\[[0-9:]+\] +\[PASSED\]" | tail -n 40
	rc=${PIPESTATUS[0]}
	line=$(grep -E "Testing complete\. Ran [0-9]+ tests" "$log" | tail -n 1)
	ran=$(sed -nE 's/.*Ran ([0-9]+) tests.*/\1/p' <<<"$line")
	p=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$line")
	s=$(sed -nE 's/.*skipped: ([0-9]+).*/\1/p' <<<"$line")
	if [ -z "$ran" ]; then
		echo "FAIL kunit-$run: build or boot failed, see $log"
		F=$((F + 1))
		continue
	fi
	p=${p:-0}; f=${f:-0}; s=${s:-0}
	[ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
	# The raw kernel log of the run: reports no test asked for.
	rep=$(grep -E "$reports" "$dir/test.log" 2>/dev/null | head -n 5)
	if [ -n "$rep" ]; then
		echo "FAIL kunit-$run: kernel reports in $dir/test.log:"
		echo "$rep"
		f=$((f + 1))
	else
		echo "PASS kunit-$run: no kernel report in the log"
		p=$((p + 1))
	fi
	echo "kunit-$run: $p passed, $f failed, $s skipped ($((SECONDS - t0)) s)"
	P=$((P + p)); F=$((F + f)); S=$((S + s))
done
echo "kunit: $P passed, $F failed, $S skipped"
[ "$F" = 0 ]
