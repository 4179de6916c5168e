# SPDX-License-Identifier: GPL-2.0
# virtio_bounce: one Makefile for everything.  `make help` lists targets.
SHELL := /bin/bash
TOP   := $(CURDIR)
B     := $(TOP)/build
# Kernel lane: 7.3 (mainline, virtio_map_ops; the default) or 6.12 (LTS,
# dma_map_ops).  docs/design.md, "Two lanes"; the lanes: scripts/lanes.tsv.
LANE  ?= $(shell $(TOP)/scripts/lane.sh default)
lane   = $(or $(shell $(TOP)/scripts/lane.sh $(LANE) $(1)),$(error unknown LANE=$(LANE): see scripts/lanes.tsv))
K     := $(TOP)/$(call lane,src)
OBJ   := $(TOP)/$(call lane,obj)
XENV  := $(call lane,xen)
XENDIR := $(TOP)/$(call lane,xendir)
export VB_LANE := $(LANE)
# `make test`: 7.3 in full but soak-debug and hold-debug (their own debug
# kernel does not fit CI's hour) and 6.12's build, host checks,
# base-kernel KUnit and end-to-end but the soaks; LANE=... on the command line: that lane with everything
# (run-tests.sh level "all"); `make test-all`: both with everything.
ifeq ($(origin LANE),command line)
TEST_PLAN := $(LANE):all
else
TEST_PLAN := 7.3:full 6.12:ci
endif
KUNIT_DIR := $(TOP)/$(call lane,kunit)
JOBS  ?= $(shell nproc)
export JOBS

APT_PKGS := build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils \
	gzip zstd dwarves ccache sparse python3 qemu-system-x86 qemu-system-data \
	qemu-utils busybox-static fio file kmod rsync perl git python3-matplotlib gdb \
	liburcu-dev

.PHONY: bench-claim bench-icount bench-native help deps kernel xen build initramfs demo test test-all kunit e2e soak \
	debug-kernel host-checks \
	patches series check clean distclean versions trace bench

help:
	@echo "virtio_bounce targets:"
	@echo "  make deps        install the Debian packages the build and tests need"
	@echo "  Every kernel target takes LANE=7.3 (default: Linux 7.3, virtio_map_ops, Xen 4.20)"
	@echo "                   or LANE=6.12 (Linux 6.12 LTS, dma_map_ops, Xen 4.17)"
	@echo "  make kernel      fetch Debian linux-source-LANE (7.3: trixie-backports, build/linux-7.3;"
	@echo "                   6.12: trixie, build/linux), commit it as 'base', apply"
	@echo "                   patches/LANE/ and our new files on top"
	@echo "  make xen         fetch the lane's Xen (Debian) and unpack it (build/xen-4.20, build/xen)"
	@echo "  make build       incremental kernel build (configs/base.config, ccache) into"
	@echo "                   build/obj-7.3 or build/obj"
	@echo "  make initramfs   busybox + tests/guest programs -> build/initramfs.cpio.gz"
	@echo "  make demo        build, then boot with virtio_bounce=on and show what it did"
	@echo "  make test        7.3 in full, 6.12 build + host checks + KUnit (base) + end-to-end;"
	@echo "                   prints each stage's result and wall time, then the total"
	@echo "  make test LANE=..  that lane with everything (soak-debug, hold-debug and their kernel too);"
	@echo "                   make test-all: both lanes with everything"
	@echo "  make kunit [KUNIT_RUNS='base debug']  KUnit only: in the base kernel (kunit.enable=1)"
	@echo "                   and in a debug kernel (KASAN, DMA_API_DEBUG, PREEMPT_RT, lockdep)"
	@echo "  make series      emit build/series-LANE/ (cover letter + patches as one would post"
	@echo "                   them) and check that each patch applies, builds and is checkpatch clean"
	@echo "  make e2e [SCENARIOS='on force ...']  end-to-end only (the soaks in their short form)"
	@echo "  make soak [SOAK_GIB=8] [SOAK_JOBS=2] [SCENARIOS='soak-force ...']  the long soak: SOAK_GIB"
	@echo "                   of fio traffic per scenario with faults, every byte checked, SOAK_JOBS"
	@echo "                   boots at once; table -> docs/soak.md"
	@echo "  make debug-kernel  the lane's soak debug kernel (build/soak-debug-LANE, for soak-debug, hold-debug)"
	@echo "  make host-checks checkpatch --strict, W=1 and sparse on our files and patches"
	@echo "  make trace       boot (force), trace a known workload, run tools/perf-scripts"
	@echo "                   over it; results in build/trace/"
	@echo "  make bench [BENCH_ARGS=--quick]  benchmarks/run.py (all modes, boot after boot)"
	@echo "                   -> benchmarks/results/LANE/, then bench-icount and the userspace pool benchmark"
	@echo "  make bench-icount  instructions per map/unmap (QEMU -icount) and per-function profiles"
	@echo "  make bench-native  natively, on this CPU: the whole map path against the kernel's own"
	@echo "                   swiotlb.c and dma-direct (tools/testing/virtio_bounce/vbmap_bench), and"
	@echo "                   instructions per pair (callgrind) -> benchmarks/results/native.md"
	@echo "  make bench-claim what claiming a slot with cmpxchg at unmap costs, natively"
	@echo "  make check       same as host-checks"
	@echo "  make patches     regenerate patches/LANE/ (hunks in existing files) from the"
	@echo "                   lane's tree, and build/series-LANE/ (make series, without the build)"
	@echo "  make versions    print the kernel and Xen versions in use"
	@echo "  make clean       remove build outputs, keep downloads and ccache"
	@echo "  make distclean   remove build/ entirely"

deps:
	@missing=$$(for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing $$missing"; \
		SUDO=$$([ $$(id -u) = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "deps: all present"; fi

kernel:
	@LANE=$(LANE) scripts/prepare-kernel.sh

xen:
	@scripts/fetch-xen.sh $(XENV)

build: kernel
	@echo "build: $(OBJ) (configs/base.config)"
	@time VB_KSRC=$(K) flock $(B)/.kbuild.lock scripts/build-kernel.sh $(OBJ) configs/base.config
	@$(MAKE) -s versions

initramfs:
	@scripts/mkinitramfs.sh $(B)/initramfs.cpio.gz
	@scripts/mkinitramfs.sh $(B)/initramfs-bench.cpio.gz --with-fio

# The lane's soak debug kernel (KASAN, lockdep, DMA_API_DEBUG, PREEMPT_RT,
# with block, fio's needs and fault injection): the soak-debug scenario.
debug-kernel: kernel
	@VB_KSRC=$(K) flock $(B)/.kbuild.lock scripts/build-kernel.sh $(B)/soak-debug-$(LANE) \
		configs/kunit.config $(wildcard configs/kunit-$(LANE).config) configs/soak-debug.config

versions:
	@echo "kernel: Linux $$(make -s -C $(K) kernelversion) (Debian $$(ls $(B)/debs*/linux-source-$(LANE)_*.deb 2>/dev/null | xargs -n1 basename | sed 's/_all.deb//'))" \
		"+ $$(git -C $(K) rev-list --count base..HEAD) commits"
	@[ ! -f $(XENDIR)/version ] || echo "xen: $$(cat $(XENDIR)/version)"

demo: deps build initramfs xen
	@python3 scripts/vbtest.py demo

kunit: build
	@LANE=$(LANE) scripts/kunit.sh $(KUNIT_RUNS)

series: kernel
	@[ -f $(KUNIT_DIR)/.config ] || LANE=$(LANE) scripts/kunit.sh debug >/dev/null
	@scripts/series.sh $(LANE) $(KUNIT_DIR)

e2e: build initramfs xen debug-kernel
	@python3 scripts/vbtest.py e2e $(SCENARIOS)

SOAK_GIB ?= 8
SOAK_JOBS ?= 2
soak: build initramfs xen debug-kernel
	@python3 scripts/vbtest.py soak --gib $(SOAK_GIB) --jobs $(SOAK_JOBS) $(SCENARIOS)

bench: deps build xen
	@scripts/mkinitramfs.sh $(B)/initramfs-bench.cpio.gz --with-fio
	@/usr/bin/python3 benchmarks/run.py $(BENCH_ARGS)
	@$(MAKE) -s bench-icount
	@$(MAKE) -s bench-native
	@$(MAKE) -s -C tools/testing/virtio_bounce bench BENCH_ARGS= | tee benchmarks/results/userspace.md
	@$(MAKE) -s -C tools/testing/virtio_bounce callgrind | tee -a benchmarks/results/userspace.md

bench-icount: deps build
	@[ -f $(B)/initramfs-bench.cpio.gz ] || scripts/mkinitramfs.sh $(B)/initramfs-bench.cpio.gz --with-fio
	@python3 benchmarks/run.py --icount
	@for m in direct,vb-on:4096:to_dev vb-force,swiotlb:512:to_dev vb-force,swiotlb:512:from_dev; do \
		IFS=: read -r modes size dir <<<"$$m"; \
		python3 tools/perf-scripts/vb_profile.py --modes $$modes --size $$size --dir $$dir \
			--out benchmarks/results/$(LANE)/profile-$$size-$$dir-$${modes%%,*}.md >/dev/null || exit 1; \
	done; ls benchmarks/results/$(LANE)/profile-*.md

# The base tree's kernel/dma/swiotlb.c is 6.12's (build/linux): make kernel LANE=6.12.
bench-native:
	@[ -f $(B)/linux/kernel/dma/swiotlb.c ] || $(MAKE) -s kernel LANE=6.12
	@$(MAKE) -s -C tools/testing/virtio_bounce vbmap_bench
	@{ echo "<!-- generated by \`make bench-native\` on $$(date -u '+%Y-%m-%d %H:%M UTC'), commit $$(git rev-parse --short HEAD) -->"; \
	   tools/testing/virtio_bounce/vbmap_bench $(NATIVE_ARGS) && \
	   echo && echo "### Instructions per map+unmap pair, to_dev (callgrind, $(or $(CG_OPS),200000) pairs)" && echo && \
	   $(MAKE) -s -C tools/testing/virtio_bounce mapbench-callgrind CG_OPS=$(or $(CG_OPS),200000) | sed 's/^/    /'; } > benchmarks/results/native.md.new && \
	   mv benchmarks/results/native.md.new benchmarks/results/native.md && cat benchmarks/results/native.md

bench-claim: kernel
	@$(CC) -O2 -Wall -I$(K)/tools/include -o $(B)/unmap_claim benchmarks/unmap_claim.c
	@taskset -c 1 $(B)/unmap_claim 2>/dev/null || $(B)/unmap_claim

trace: deps build initramfs
	@python3 scripts/vbtest.py trace $(B)/trace

host-checks check: kernel
	@LANE=$(LANE) scripts/host-checks.sh

test: deps
	@scripts/run-tests.sh $(TEST_PLAN)

test-all: deps
	@scripts/run-tests.sh 7.3:all 6.12:all

patches:
	@git -C $(K) diff --quiet && git -C $(K) diff --cached --quiet || \
		{ echo "patches: commit your changes in $(K) first"; exit 1; }
	@last=$$(git -C $(K) log -1 --format=%s); \
	top=HEAD; [ "$$last" = "virtio_bounce: new files" ] && top=HEAD~1; \
	rm -f patches/$(LANE)/*.patch; \
	git -C $(K) format-patch -q --no-signature -o $(TOP)/patches/$(LANE) base..$$top; \
	cat patches/$(LANE)/*.patch | sha1sum | cut -c1-12 > $(K)/.git/vb-series; \
	ls patches/$(LANE); scripts/series.sh $(LANE) | tail -n 1

clean:
	rm -rf $(B)/obj $(B)/obj-* $(B)/kunit-* $(B)/e2e $(B)/initramfs.cpio.gz

distclean:
	rm -rf $(B)
