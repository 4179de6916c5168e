# SPDX-License-Identifier: GPL-2.0
# virtio_bounce: one Makefile for everything.  `make help` lists targets.
SHELL := /bin/bash
TOP   := $(CURDIR)
B     := $(TOP)/build
# Kernel lane: 6.12 (LTS, the lane `make test` runs) or 7.3 (mainline:
# `make kernel LANE=7.3` prepares its tree; docs/design.md, "Mainline lane").
LANE  ?= 6.12
ifeq ($(LANE),6.12)
K     := $(B)/linux
else
K     := $(B)/linux-$(LANE)
endif
OBJ   := $(B)/obj
KUNIT_DIR := $(B)/kunit
JOBS  ?= $(shell nproc)
export JOBS

APT_PKGS := build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils \
	gzip zstd dwarves ccache sparse python3 qemu-system-x86 qemu-system-data \
	qemu-utils busybox-static fio file kmod rsync perl git python3-matplotlib gdb \
	liburcu-dev

.PHONY: bench-claim bench-icount help deps kernel xen build initramfs demo test kunit e2e host-checks \
	patches check clean distclean versions trace bench

help:
	@echo "virtio_bounce targets:"
	@echo "  make deps        install the Debian packages the build and tests need"
	@echo "  make kernel [LANE=6.12|7.3]  fetch Debian linux-source-LANE (6.12: trixie,"
	@echo "                   build/linux; 7.3: trixie-backports, build/linux-7.3), commit it"
	@echo "                   as 'base', apply patches/LANE/ and our new files on top"
	@echo "  make xen         fetch Xen 4.17 (Debian bookworm) and unpack build/xen/xen"
	@echo "  make build       incremental kernel build (configs/base.config, ccache)"
	@echo "  make initramfs   busybox + tests/guest programs -> build/initramfs.cpio.gz"
	@echo "  make demo        build, then boot with virtio_bounce=on and show what it did"
	@echo "  make test        KUnit + end-to-end (QEMU, Xen) + host checks; prints the total"
	@echo "  make kunit [KUNIT_RUNS='dmadebug rt']  KUnit only: KASAN + DMA_API_DEBUG (build/kunit)"
	@echo "                   and PREEMPT_RT without DMA_API_DEBUG (build/kunit-rt), both lockdep"
	@echo "  make e2e [SCENARIOS='on force ...']  end-to-end only"
	@echo "  make host-checks checkpatch --strict, W=1 and sparse on our files and patches"
	@echo "  make trace       boot (force), trace a known workload, run tools/perf-scripts"
	@echo "                   over it; results in build/trace/"
	@echo "  make bench [BENCH_ARGS=--quick]  benchmarks/run.py (all modes, boot after boot)"
	@echo "                   -> benchmarks/results/, then bench-icount and the userspace pool benchmark"
	@echo "  make bench-icount  instructions per map/unmap (QEMU -icount) and per-function profiles"
	@echo "  make bench-claim what claiming a slot with cmpxchg at unmap costs, natively"
	@echo "  make check       same as host-checks"
	@echo "  make patches [LANE=..]  regenerate patches/LANE/ (hunks in existing files)"
	@echo "                   and build/series-LANE/ (the whole series) from the lane's tree"
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
	@scripts/fetch-xen.sh

build: kernel
	@echo "build: $(OBJ) (configs/base.config)"
	@time scripts/build-kernel.sh $(OBJ) configs/base.config
	@$(MAKE) -s versions

initramfs:
	@scripts/mkinitramfs.sh $(B)/initramfs.cpio.gz

versions:
	@echo "kernel: Linux $$(make -s -C $(K) kernelversion) (Debian $$(ls $(B)/debs*/linux-source-$(LANE)_*.deb 2>/dev/null | xargs -n1 basename | sed 's/_all.deb//'))" \
		"+ $$(git -C $(K) rev-list --count base..HEAD) commits"
	@[ ! -f $(B)/xen/version ] || echo "xen: $$(cat $(B)/xen/version)"

demo: deps build initramfs xen
	@python3 scripts/vbtest.py demo

kunit: kernel
	@flock $(B)/.kbuild.lock scripts/kunit.sh $(KUNIT_RUNS)

e2e: build initramfs xen
	@python3 scripts/vbtest.py e2e $(SCENARIOS)

bench: deps build xen
	@scripts/mkinitramfs.sh $(B)/initramfs-bench.cpio.gz --with-fio
	@/usr/bin/python3 benchmarks/run.py $(BENCH_ARGS)
	@$(MAKE) -s bench-icount
	@$(MAKE) -s -C tools/testing/virtio_bounce bench BENCH_ARGS= | tee benchmarks/results/userspace.md
	@$(MAKE) -s -C tools/testing/virtio_bounce callgrind | tee -a benchmarks/results/userspace.md

bench-icount: deps build
	@[ -f $(B)/initramfs-bench.cpio.gz ] || scripts/mkinitramfs.sh $(B)/initramfs-bench.cpio.gz --with-fio
	@python3 benchmarks/run.py --icount
	@for m in direct,vb-on:4096:to_dev vb-force,swiotlb:512:to_dev vb-force,swiotlb:512:from_dev; do \
		IFS=: read -r modes size dir <<<"$$m"; \
		python3 tools/perf-scripts/vb_profile.py --modes $$modes --size $$size --dir $$dir \
			--out benchmarks/results/profile-$$size-$$dir-$${modes%%,*}.md >/dev/null || exit 1; \
	done; ls benchmarks/results/profile-*.md

bench-claim: kernel
	@$(CC) -O2 -Wall -I$(K)/tools/include -o $(B)/unmap_claim benchmarks/unmap_claim.c
	@taskset -c 1 $(B)/unmap_claim 2>/dev/null || $(B)/unmap_claim

trace: deps build initramfs
	@python3 scripts/vbtest.py trace $(B)/trace

host-checks check: kernel
	@scripts/host-checks.sh

test: deps kernel xen
	@scripts/run-tests.sh

patches:
	@git -C $(K) diff --quiet && git -C $(K) diff --cached --quiet || \
		{ echo "patches: commit your changes in build/linux first"; exit 1; }
	@last=$$(git -C $(K) log -1 --format=%s); \
	top=HEAD; [ "$$last" = "virtio_bounce: new files" ] && top=HEAD~1; \
	rm -f patches/$(LANE)/*.patch; \
	git -C $(K) format-patch -q --no-signature -o $(TOP)/patches/$(LANE) base..$$top; \
	rm -rf $(B)/series-$(LANE); git -C $(K) format-patch -q -o $(B)/series-$(LANE) base..HEAD; \
	cat patches/$(LANE)/*.patch | sha1sum | cut -c1-12 > $(K)/.git/vb-series; \
	ls patches/$(LANE); echo "full series: build/series-$(LANE)/"

clean:
	rm -rf $(OBJ) $(KUNIT_DIR) $(B)/e2e $(B)/initramfs.cpio.gz

distclean:
	rm -rf $(B)
