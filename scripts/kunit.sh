#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the virtio_bounce KUnit suite through the kernel's own runner:
#   tools/testing/kunit/kunit.py run --arch=x86_64 (QEMU, TCG)
# with configs/kunit.config (KASAN, DMA_API_DEBUG), build dir build/kunit.
# Prints "kunit: N passed, N failed, N skipped" and exits non-zero on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
K=$top/build/linux
log=$top/build/kunit.log
export CCACHE_DIR=${CCACHE_DIR:-$top/build/ccache}
cc=gcc; command -v ccache >/dev/null && cc="ccache gcc"
cd "$K" || exit 1
python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--build_dir="$top/build/kunit" --kunitconfig="$top/configs/kunit.config" \
	--jobs="${JOBS:-$(nproc)}" --make_options "CC=$cc" --timeout=900 \
	--qemu_args="-smp 2 -m 1024" 2>&1 | tee "$log" | grep -E "^\[|Testing complete|Elapsed|ERROR|error:" | grep -vE "^\[[0-9:]+\] \[PASSED\]" | tail -n 40
rc=${PIPESTATUS[0]}
line=$(grep -E "Testing complete\. Ran [0-9]+ tests" "$log" | tail -n 1)
ran=$(sed -nE 's/.*Ran ([0-9]+) tests.*/\1/p' <<<"$line")
p=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$line")
f=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$line")
s=$(sed -nE 's/.*skipped: ([0-9]+).*/\1/p' <<<"$line")
if [ -z "$ran" ]; then
	echo "kunit: build or boot failed, see build/kunit.log"
	echo "kunit: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
p=${p:-0}; f=${f:-0}; s=${s:-0}
[ "$rc" = 0 ] || [ "$f" != 0 ] || f=1
echo "kunit: $p passed, $f failed, $s skipped"
[ "$f" = 0 ]
