// SPDX-License-Identifier: GPL-2.0
/*
 * Native benchmark of the whole map path: virtio_bounce's dma_map_ops
 * (kernel/dma/virtio_bounce_{map,pool,backend}.c, the 6.12 seam) against
 * the kernel's own swiotlb (the base tree's kernel/dma/swiotlb.c, reached
 * through dma-direct's inline map/unmap from its kernel/dma/direct.h, as
 * with swiotlb=force) and against dma-direct without bouncing (the 1:1
 * reference), all compiled unchanged, in one process, interleaved, over
 * the same buffers, on the real CPU.
 *
 * Variants (each call goes the way kernel/dma/mapping.c sends it: the
 * device's dma_map_ops if it has them, dma-direct's inline otherwise):
 *   direct   dma_direct_map_page()/unmap_page(), swiotlb allocated but
 *            not forced (the common x86 guest): no copy
 *   swiotlb  the same with io_tlb_mem.force_bounce (swiotlb=force)
 *   vb       virtio_bounce's ops, mode force, identity backend
 *   vb-on    virtio_bounce's ops, mode on, buffer reachable: the 1:1 path
 *            where our ops run (a device whose mask is below memory)
 *   vb-xen-on  the same with the Xen PV backend (virtio_bounce_xen.c): a
 *            buffer goes 1:1 after one p2m lookup per page shows its frames
 *            machine-contiguous (the p2m array modelled in map_kernel.h)
 *   memcpy   the bytes a bounce copies, plain memcpy() between two
 *            page-aligned buffers: the floor of any bounce
 * Both bouncers copy the buffer in at map for every direction (so that a
 * short device write never exposes stale bytes) and copy it back at unmap
 * for DMA_FROM_DEVICE: to_dev moves `size` bytes, from_dev 2 x `size`,
 * for both; the memcpy floor copies the same.
 *
 * Each repetition runs a batch of map+unmap pairs of every variant in
 * turn (the order rotates); a batch is timed with CLOCK_MONOTONIC.
 * Median, p10 and p90 over the repetitions.  Threads are pinned, one per
 * CPU, and each is its own simulated CPU for the per-CPU caches and
 * swiotlb's area choice.  Before anything is timed, every variant's data
 * is checked byte for byte (a map that fails, or a wrong byte, aborts:
 * nothing is reported as a time that did not move the data).
 *
 * Markdown on stdout.  --quick: fewer repetitions and pairs.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "bench_stats.h"
#include "direct.h"		/* the base tree's kernel/dma/direct.h */

enum variant {
	V_DIRECT, V_SWIOTLB, V_VB, V_VB_ON, V_VB_XEN, V_MEMCPY, NR_VARIANTS
};

static const char *const vname[NR_VARIANTS] = {
	"direct", "swiotlb", "vb", "vb-on", "vb-xen-on", "memcpy",
};

static const size_t sizes[] = {
	64, 256, 1024, 4096, 16384, 65536, 262144,
};

#define NR_SIZES	7
static_assert(ARRAY_SIZE(sizes) == NR_SIZES, "sizes[]");
#define MAX_SIZE	262144
#define BURST		256
#define MAX_THREADS	2

static int reps = 15;
static double batch_bytes = 64 << 20;	/* bytes moved per batch, about */
static unsigned long min_pairs = 2000, max_pairs = 200000;

static struct device dev_direct, dev_swiotlb;
static struct vb_dev *vd_force, *vd_on, *vd_xen;
static struct io_tlb_mem mem_noforce;

/* ---- the DMA core's dispatch (kernel/dma/mapping.c, without debug) ------- */

static __always_inline dma_addr_t core_map(struct device *dev, void *buf,
					   size_t size,
					   enum dma_data_direction dir)
{
	const struct dma_map_ops *ops = get_dma_ops(dev);
	struct page *page = (struct page *)((unsigned long)buf & PAGE_MASK);
	unsigned long off = offset_in_page(buf);

	if (!ops)
		return dma_direct_map_page(dev, page, off, size, dir, 0);
	return ops->map_page(dev, page, off, size, dir, 0);
}

static __always_inline void core_unmap(struct device *dev, dma_addr_t dma,
				       size_t size,
				       enum dma_data_direction dir)
{
	const struct dma_map_ops *ops = get_dma_ops(dev);

	if (!ops)
		dma_direct_unmap_page(dev, dma, size, dir, 0);
	else
		ops->unmap_page(dev, dma, size, dir, 0);
}

static struct device *vdev(enum variant v)
{
	switch (v) {
	case V_DIRECT:
		return &dev_direct;
	case V_SWIOTLB:
		return &dev_swiotlb;
	case V_VB:
		return vd_force->dev;
	case V_VB_ON:
		return vd_on->dev;
	case V_VB_XEN:
		return vd_xen->dev;
	default:
		return NULL;
	}
}

/* ---- one thread's buffers ------------------------------------------------- */

/*
 * The memcpy floor copies into slots of vb's pool held aside (one per size,
 * BURST of 2 KiB for the burst), not into another heap buffer: a copy's
 * speed depends on where source and destination lie relative to each
 * other (up to 2x here for 16 KiB), so the floor copies between the same
 * kinds of memory as the bounce it is the floor of.
 */
struct tbuf {
	unsigned char *src;		/* the caller's buffer */
	unsigned char *fdst[NR_SIZES];	/* memcpy floor, pairs */
	unsigned char *bdst[BURST];	/* memcpy floor, burst of 2 KiB */
};

static unsigned char *floor_dst(struct tbuf *b, size_t size)
{
	size_t s;

	for (s = 0; s < NR_SIZES; s++)
		if (sizes[s] == size)
			return b->fdst[s];
	abort();
}

/* From the same (huge-page) memory as the pools, as the kernel's buffers. */
static void *page_alloc(size_t size)
{
	struct page *pg = alloc_pages(GFP_KERNEL, get_order(size));
	void *p = pg ? page_address(pg) : NULL;

	if (!p) {
		fprintf(stderr, "vbmap_bench: no memory for a buffer\n");
		exit(2);
	}
	memset(p, 0x5a, size);
	return p;
}

/* ---- batches ------------------------------------------------------------- */

static void die_map(enum variant v, size_t size)
{
	fprintf(stderr, "vbmap_bench: %s: a %zu-byte map failed\n", vname[v],
		size);
	exit(2);
}

static noinline void pairs(enum variant v, struct tbuf *b, size_t size,
			   enum dma_data_direction dir, unsigned long n)
{
	struct device *dev = vdev(v);
	unsigned long i;

	if (v == V_MEMCPY) {
		unsigned char *dst = floor_dst(b, size);

		for (i = 0; i < n; i++) {
			memcpy(dst, b->src, size);
			barrier();
			if (dir == DMA_FROM_DEVICE)
				memcpy(b->src, dst, size);
			barrier();
		}
		return;
	}
	for (i = 0; i < n; i++) {
		dma_addr_t dma = core_map(dev, b->src, size, dir);

		if (unlikely(dma == DMA_MAPPING_ERROR))
			die_map(v, size);
		core_unmap(dev, dma, size, dir);
	}
}

/* BURST maps, then BURST unmaps (a virtio-net RX ring refill). */
static noinline void burst(enum variant v, struct tbuf *b, size_t size,
			   enum dma_data_direction dir, unsigned long n)
{
	struct device *dev = vdev(v);
	dma_addr_t dma[BURST];
	unsigned long i;
	unsigned int j;

	if (v == V_MEMCPY) {
		for (i = 0; i < n; i += BURST) {
			for (j = 0; j < BURST; j++)
				memcpy(b->bdst[j], b->src + j * size, size);
			barrier();
			if (dir == DMA_FROM_DEVICE)
				for (j = 0; j < BURST; j++)
					memcpy(b->src + j * size, b->bdst[j], size);
			barrier();
		}
		return;
	}
	for (i = 0; i < n; i += BURST) {
		for (j = 0; j < BURST; j++) {
			dma[j] = core_map(dev, b->src + j * size, size, dir);
			if (unlikely(dma[j] == DMA_MAPPING_ERROR))
				die_map(v, size);
		}
		for (j = 0; j < BURST; j++)
			core_unmap(dev, dma[j], size, dir);
	}
}

/* The loop `make mapbench-callgrind` measures (--toggle-collect=cg_loop). */
noinline void cg_loop(enum variant v, struct tbuf *b, size_t size,
		      enum dma_data_direction dir, unsigned long n);
noinline void cg_loop(enum variant v, struct tbuf *b, size_t size,
		      enum dma_data_direction dir, unsigned long n)
{
	pairs(v, b, size, dir, n);
}

static int vfind(const char *name)
{
	int v;

	for (v = 0; v < NR_VARIANTS; v++)
		if (!strcmp(vname[v], name))
			return v;
	return -1;
}

/* ---- data check, before any timing --------------------------------------- */

static char check_why[160];

/* Does @v move @size bytes both ways, bouncing or not as it should? */
static bool check_variant(enum variant v, struct tbuf *b, size_t size)
{
	struct device *dev = vdev(v);
	unsigned char *dev_view;
	dma_addr_t dma;
	size_t i;

	if (v == V_MEMCPY)
		return true;
	for (i = 0; i < size; i++)
		b->src[i] = (unsigned char)(i * 7 + size);
	/* To the device: what the device sees is the buffer. */
	dma = core_map(dev, b->src, size, DMA_TO_DEVICE);
	if (dma == DMA_MAPPING_ERROR) {
		snprintf(check_why, sizeof(check_why), "the map failed");
		return false;
	}
	dev_view = phys_to_virt(dma_to_phys(dev, dma));
	if (memcmp(dev_view, b->src, size)) {
		snprintf(check_why, sizeof(check_why),
			 "the device sees other bytes than the buffer's");
		core_unmap(dev, dma, size, DMA_TO_DEVICE);
		return false;
	}
	core_unmap(dev, dma, size, DMA_TO_DEVICE);
	if ((v == V_SWIOTLB || v == V_VB) == (dev_view == b->src)) {
		snprintf(check_why, sizeof(check_why), "%s",
			 dev_view == b->src ? "it did not bounce" : "it bounced");
		return false;
	}
	/* From the device: what the device wrote is in the buffer at unmap. */
	dma = core_map(dev, b->src, size, DMA_FROM_DEVICE);
	if (dma == DMA_MAPPING_ERROR) {
		snprintf(check_why, sizeof(check_why), "the map failed");
		return false;
	}
	dev_view = phys_to_virt(dma_to_phys(dev, dma));
	for (i = 0; i < size; i++)
		dev_view[i] = (unsigned char)~(i * 13 + size);
	core_unmap(dev, dma, size, DMA_FROM_DEVICE);
	for (i = 0; i < size; i++)
		if (b->src[i] != (unsigned char)~(i * 13 + size)) {
			snprintf(check_why, sizeof(check_why),
				 "byte %zu from the device is %#x", i, b->src[i]);
			return false;
		}
	return true;
}

/* Every variant and size; returns the failures. */
static int check_all(struct tbuf *b, bool verbose)
{
	int v, bad = 0;
	size_t s;

	for (v = 0; v < NR_VARIANTS; v++) {
		bool ok = true;

		if (v == V_MEMCPY)
			continue;
		for (s = 0; s < NR_SIZES && ok; s++) {
			ok = check_variant(v, b, sizes[s]);
			if (!ok)
				fprintf(verbose ? stdout : stderr,
					"FAIL %s: %zu bytes: %s\n", vname[v],
					sizes[s], check_why);
		}
		if (ok && verbose)
			printf("PASS %s: 64 B .. 256 KiB, both directions, byte for byte\n",
			       vname[v]);
		bad += !ok;
	}
	return bad;
}

/* ---- perf counters (per thread, when the kernel lets us) ------------------- */

enum { PC_CYCLES, PC_INSNS, PC_CMISS, NR_PC };
static const char *const pcname[NR_PC] = {
	"cycles", "instructions", "cache-misses",
};

static bool perf_ok;
static char perf_why[128];

static int perf_open(unsigned int type, unsigned long long config, int group)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = type,
		.config = config,
		.disabled = group < 0,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return syscall(SYS_perf_event_open, &a, 0, -1, group, 0);
}

struct pcs {
	int fd[NR_PC];
};

static bool pcs_open(struct pcs *p)
{
	static const unsigned long long cfg[NR_PC] = {
		PERF_COUNT_HW_CPU_CYCLES, PERF_COUNT_HW_INSTRUCTIONS,
		PERF_COUNT_HW_CACHE_MISSES,
	};
	int i;

	for (i = 0; i < NR_PC; i++) {
		p->fd[i] = perf_open(PERF_TYPE_HARDWARE, cfg[i],
				     i ? p->fd[0] : -1);
		if (p->fd[i] < 0) {
			snprintf(perf_why, sizeof(perf_why),
				 "perf_event_open(%s): %s", pcname[i],
				 strerror(errno));
			while (i--)
				close(p->fd[i]);
			return false;
		}
	}
	return true;
}

static void pcs_read(struct pcs *p, unsigned long long v[NR_PC])
{
	int i;

	for (i = 0; i < NR_PC; i++)
		if (read(p->fd[i], &v[i], sizeof(v[i])) != sizeof(v[i]))
			v[i] = 0;
}

/* ---- runs ------------------------------------------------------------------ */

struct job {
	bool burst;
	size_t size;
	enum dma_data_direction dir;
	unsigned long n;		/* pairs per batch per thread */
	int nthreads;
};

struct worker {
	pthread_t tid;
	int cpu;
	struct tbuf b;
	const struct job *job;
	enum variant order[NR_VARIANTS];
	/* per repetition and variant */
	double t0[64][NR_VARIANTS], t1[64][NR_VARIANTS];
	unsigned long long pc[64][NR_VARIANTS][NR_PC];
	struct pcs pcs;
	bool pcs_on;
};

static pthread_barrier_t bar;

static void run_batch(struct worker *w, enum variant v)
{
	const struct job *j = w->job;

	if (j->burst)
		burst(v, &w->b, j->size, j->dir, j->n);
	else
		pairs(v, &w->b, j->size, j->dir, j->n);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;
	int r, k;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	vb_shim_set_cpu(w->cpu);
	w->pcs_on = perf_ok && w->job->nthreads == 1 && pcs_open(&w->pcs);
	/* Warm up: caches, magazines, pool chunks, swiotlb areas. */
	for (k = 0; k < NR_VARIANTS; k++)
		run_batch(w, k);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < NR_VARIANTS; k++) {
			enum variant v = (k + r) % NR_VARIANTS;
			unsigned long long a[NR_PC], b[NR_PC];
			int i;

			pthread_barrier_wait(&bar);
			if (w->pcs_on)
				pcs_read(&w->pcs, a);
			w->t0[r][v] = now_ns();
			run_batch(w, v);
			w->t1[r][v] = now_ns();
			if (w->pcs_on) {
				pcs_read(&w->pcs, b);
				for (i = 0; i < NR_PC; i++)
					w->pc[r][v][i] = b[i] - a[i];
			}
		}
	}
	if (w->pcs_on)
		for (k = 0; k < NR_PC; k++)
			close(w->pcs.fd[k]);
	return NULL;
}

struct result {
	struct dist ns;			/* per pair, per thread */
	double pc[NR_PC];		/* per pair, median (1 thread) */
	bool pc_ok;
};

static struct worker workers[MAX_THREADS];

static void run(const struct job *j, struct result res[NR_VARIANTS])
{
	double ns[128], pcv[64];
	int t, r, v, i;

	pthread_barrier_init(&bar, NULL, j->nthreads);
	for (t = 0; t < j->nthreads; t++) {
		workers[t].job = j;
		workers[t].cpu = t;
		if (pthread_create(&workers[t].tid, NULL, worker_main,
				   &workers[t])) {
			perror("pthread_create");
			exit(2);
		}
	}
	for (t = 0; t < j->nthreads; t++)
		pthread_join(workers[t].tid, NULL);
	pthread_barrier_destroy(&bar);

	for (v = 0; v < NR_VARIANTS; v++) {
		int n = 0;

		for (r = 0; r < reps; r++) {
			for (t = 0; t < j->nthreads; t++) {
				ns[n++] = (workers[t].t1[r][v] - workers[t].t0[r][v]) /
					  j->n;
			}
		}
		res[v].ns = distribution(ns, n);
		res[v].pc_ok = workers[0].pcs_on;
		for (i = 0; i < NR_PC && res[v].pc_ok; i++) {
			for (r = 0; r < reps; r++)
				pcv[r] = (double)workers[0].pc[r][v][i] / j->n;
			res[v].pc[i] = distribution(pcv, reps).p50;
		}
	}
}

static unsigned long pairs_for(size_t size)
{
	unsigned long n = batch_bytes / size;

	n = n < min_pairs ? min_pairs : n > max_pairs ? max_pairs : n;
	return (n + BURST - 1) / BURST * BURST;
}

static const char *dir_name(enum dma_data_direction dir)
{
	return dir == DMA_TO_DEVICE ? "to_dev" : "from_dev";
}

static void fmt_dist(char *s, size_t len, struct dist d)
{
	snprintf(s, len, "%.1f (%.1f..%.1f)", d.p50, d.p10, d.p90);
}

/* ---- set-up ---------------------------------------------------------------- */

static unsigned char *slot_aside(int cls)
{
	struct vb_slot *s = cls < 0 ? NULL : vbh_alloc(vd_force, cls);

	if (!s) {
		fprintf(stderr, "vbmap_bench: no slot of class %d for the floor\n", cls);
		exit(2);
	}
	return vb_slot_vaddr(s);
}

static void setup(void)
{
	struct vbh_params p = {
		.be = &vb_identity_backend,
		.pool_min = SZ_4M,		/* virtio_bounce='s defaults */
		.pool_max = SZ_64M,
	};
	int t, i;

	/* swiotlb=force, then the late init (64 MiB, areas per CPU). */
	if (vb_shim_early_param("swiotlb", "force")) {
		fprintf(stderr, "vbmap_bench: no swiotlb= parameter\n");
		exit(2);
	}
	if (swiotlb_init_late(IO_TLB_DEFAULT_SIZE, GFP_KERNEL, NULL)) {
		fprintf(stderr, "vbmap_bench: swiotlb_init_late failed\n");
		exit(2);
	}
	dev_swiotlb.init_name = "swiotlb";
	dev_swiotlb.dma_mask = DMA_BIT_MASK(64);
	dev_swiotlb.seg_boundary_mask = 0xffffffff;	/* PCI's */
	swiotlb_dev_init(&dev_swiotlb);
	if (!is_swiotlb_force_bounce(&dev_swiotlb)) {
		fprintf(stderr, "vbmap_bench: swiotlb is not forced\n");
		exit(2);
	}
	/* The 1:1 reference: the same swiotlb, allocated, not forced. */
	mem_noforce = *dev_swiotlb.dma_io_tlb_mem;
	mem_noforce.force_bounce = false;
	dev_direct = dev_swiotlb;
	dev_direct.init_name = "direct";
	dev_direct.dma_io_tlb_mem = &mem_noforce;

	p.direct_ok = false;
	vd_force = vbh_create(&p);
	p.direct_ok = true;
	vd_on = vbh_create(&p);
	p.be = &vb_xen_backend;
	vd_xen = vbh_create(&p);
	if (!vd_force || !vd_on || !vd_xen) {
		fprintf(stderr, "vbmap_bench: vb_pool_init failed\n");
		exit(2);
	}
	vd_force->mode = VB_MODE_FORCE;
	vd_on->mode = VB_MODE_ON;
	vb_ops_init(vd_force);
	vb_ops_init(vd_on);
	vd_force->dev->seg_boundary_mask = 0xffffffff;
	vd_on->dev->seg_boundary_mask = 0xffffffff;
	vd_force->dev->init_name = "vb";
	vd_on->dev->init_name = "vb-on";
	vd_force->owner = vd_force;	/* not draining */
	vd_on->owner = vd_on;
	vd_force->parent = vd_on->parent = VB_PARENT_DIRECT;
	vd_xen->mode = VB_MODE_ON;
	vb_ops_init(vd_xen);
	vd_xen->dev->seg_boundary_mask = 0xffffffff;
	vd_xen->dev->init_name = "vb-xen-on";
	vd_xen->owner = vd_xen;
	vd_xen->d.backend = VB_BACKEND_XEN;
	vd_xen->parent = VB_PARENT_OPS;		/* swiotlb-xen's, never reached */

	for (t = 0; t < MAX_THREADS; t++) {
		workers[t].b.src = page_alloc(BURST * MAX_SIZE);
		vb_shim_p2m_set(workers[t].b.src, BURST * MAX_SIZE);
		for (i = 0; i < NR_SIZES; i++)
			workers[t].b.fdst[i] = slot_aside(vb_size_class(vd_force, sizes[i]));
		for (i = 0; i < BURST; i++)
			workers[t].b.bdst[i] = slot_aside(vb_size_class(vd_force, 2048));
	}
}

/* ---- main --------------------------------------------------------------------- */

static long anon_huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void machine(void)
{
	char model[128] = "unknown CPU";
	FILE *f = fopen("/proc/cpuinfo", "r");
	double load = -1;
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10)) {
			snprintf(model, sizeof(model), "%s",
				 strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = 0;
			break;
		}
	if (f)
		fclose(f);
	f = fopen("/proc/loadavg", "r");
	if (f && fscanf(f, "%lf", &load) != 1)
		load = -1;
	if (f)
		fclose(f);
	printf("%s, %ld CPUs online, load average %.2f at the start; %d repetitions, batches of about %.0f MiB (%lu..%lu pairs) per variant; %ld kB of the process in huge pages (pools and buffers: MADV_HUGEPAGE, as the kernel's direct map)\n\n",
	       model, sysconf(_SC_NPROCESSORS_ONLN), load, reps,
	       batch_bytes / (1 << 20), min_pairs, max_pairs, anon_huge_kb());
}

static void table_pairs(int nthreads, enum dma_data_direction dir,
			struct result all[NR_SIZES][NR_VARIANTS])
{
	size_t s;
	int v;

	printf("### map+unmap, %s, %d thread%s (ns per pair per thread: median (p10..p90))\n\n",
	       dir_name(dir), nthreads, nthreads > 1 ? "s" : "");
	printf("| size | direct | swiotlb | vb | vb-on | vb-xen-on | memcpy floor | vb / swiotlb | vb / memcpy |\n");
	printf("|---|---|---|---|---|---|---|---|---|\n");
	for (s = 0; s < NR_SIZES; s++) {
		struct result *r = all[s];
		char c[NR_VARIANTS][48];

		for (v = 0; v < NR_VARIANTS; v++)
			fmt_dist(c[v], sizeof(c[v]), r[v].ns);
		printf("| %zu | %s | %s | %s | %s | %s | %s | %.2f | %.2f |\n",
		       sizes[s], c[V_DIRECT], c[V_SWIOTLB], c[V_VB], c[V_VB_ON],
		       c[V_VB_XEN], c[V_MEMCPY], r[V_VB].ns.p50 / r[V_SWIOTLB].ns.p50,
		       r[V_VB].ns.p50 / r[V_MEMCPY].ns.p50);
	}
	printf("\n");
}

static void table_pc(enum dma_data_direction dir,
		     struct result all[NR_SIZES][NR_VARIANTS])
{
	size_t s;
	int v;

	if (!all[0][0].pc_ok)
		return;
	printf("### perf counters, %s, 1 thread (per pair, median; user space only)\n\n",
	       dir_name(dir));
	printf("| size | variant | cycles | instructions | cache-misses |\n|---|---|---|---|---|\n");
	for (s = 0; s < NR_SIZES; s++)
		for (v = 0; v < NR_VARIANTS; v++)
			printf("| %zu | %s | %.0f | %.0f | %.2f |\n", sizes[s],
			       vname[v], all[s][v].pc[PC_CYCLES],
			       all[s][v].pc[PC_INSNS], all[s][v].pc[PC_CMISS]);
	printf("\n");
}

/* Two threads' throughput over one thread's, from the per-thread medians. */
static double scaling(const struct result *one, const struct result *two,
		      enum variant v)
{
	return 2 * one[v].ns.p50 / two[v].ns.p50;
}

static struct result res[2][2][NR_SIZES][NR_VARIANTS];	/* [threads-1][dir] */
static struct result bres[2][NR_VARIANTS];		/* burst, [threads-1] */
static unsigned long bstat[2][VB_NR_STATS];		/* vb's counters, burst runs */
static double bursts[2];

int main(int argc, char **argv)
{
	static const enum dma_data_direction dirs[2] = {
		DMA_TO_DEVICE, DMA_FROM_DEVICE,
	};
	int nthreads = vb_shim_possible_cpus() >= 2 ? 2 : 1;
	unsigned long cg_size = 0, cg_pairs = 0;
	bool check_only = false;
	int cg_variant = -1;
	struct pcs probe;
	int i, t, d, v;
	size_t s;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check")) {
			check_only = true;
		} else if (!strcmp(argv[i], "--callgrind") && i + 3 < argc) {
			cg_variant = vfind(argv[++i]);
			cg_size = strtoul(argv[++i], NULL, 0);
			cg_pairs = strtoul(argv[++i], NULL, 0);
			if (cg_variant < 0 || !cg_size || cg_size > MAX_SIZE)
				return 2;
		} else if (!strcmp(argv[i], "--quick")) {
			reps = 5;
			batch_bytes = 8 << 20;
			max_pairs = 20000;
			min_pairs = 512;
		} else {
			fprintf(stderr, "usage: %s [--quick | --check | --callgrind VARIANT SIZE PAIRS]\n",
				argv[0]);
			return 2;
		}
	}
	vb_shim_quiet = true;
	vb_shim_set_cpu(0);
	setup();
	if (check_only) {
		int bad = check_all(&workers[0].b, true);

		printf("mapbench: %d passed, %d failed\n", NR_VARIANTS - 1 - bad, bad);
		return bad ? 1 : 0;
	}
	if (cg_variant >= 0) {
		/* Warm, then the loop `make mapbench-callgrind` collects. */
		cg_loop(cg_variant, &workers[0].b, cg_size, DMA_TO_DEVICE, 1000);
		cg_loop(cg_variant, &workers[0].b, cg_size, DMA_TO_DEVICE, cg_pairs);
		return 0;
	}
	perf_ok = pcs_open(&probe);
	if (perf_ok)
		for (i = 0; i < NR_PC; i++)
			close(probe.fd[i]);

	printf("## Native map path: virtio_bounce vs the kernel's swiotlb vs dma-direct\n\n");
	machine();
	if (check_all(&workers[0].b, false))
		return 2;
	printf("Data checked byte for byte before timing: every variant and size, both directions.\n\n");

	for (t = 1; t <= nthreads; t++)
		for (d = 0; d < 2; d++)
			for (s = 0; s < NR_SIZES; s++) {
				struct job j = {
					.size = sizes[s], .dir = dirs[d],
					.n = pairs_for(sizes[s]), .nthreads = t,
				};

				run(&j, res[t - 1][d][s]);
			}
	for (t = 1; t <= nthreads; t++) {
		struct job j = {
			.burst = true, .size = 2048, .dir = DMA_FROM_DEVICE,
			.n = pairs_for(2048), .nthreads = t,
		};
		unsigned long before[VB_NR_STATS];

		for (i = 0; i < VB_NR_STATS; i++)
			before[i] = vb_stat_sum(vd_force, i);
		run(&j, bres[t - 1]);
		/* Only the vb variant maps through vd_force; warm-up included. */
		bursts[t - 1] = (double)t * (reps + 1) * j.n / BURST;
		for (i = 0; i < VB_NR_STATS; i++)
			bstat[t - 1][i] = vb_stat_sum(vd_force, i) - before[i];
	}

	for (t = 1; t <= nthreads; t++)
		for (d = 0; d < 2; d++)
			table_pairs(t, dirs[d], res[t - 1][d]);

	if (nthreads == 2) {
		printf("### Scaling: 2 threads / 1 thread, throughput from per-thread medians (2 x ns(1T) / ns(2T); the ideal is 2.00)\n\n");
		printf("| pattern | size | dir | direct | swiotlb | vb | memcpy |\n|---|---|---|---|---|---|---|\n");
		for (d = 0; d < 2; d++)
			for (s = 0; s < NR_SIZES; s++)
				printf("| pair | %zu | %s | %.2f | %.2f | %.2f | %.2f |\n",
				       sizes[s], dir_name(dirs[d]),
				       scaling(res[0][d][s], res[1][d][s], V_DIRECT),
				       scaling(res[0][d][s], res[1][d][s], V_SWIOTLB),
				       scaling(res[0][d][s], res[1][d][s], V_VB),
				       scaling(res[0][d][s], res[1][d][s], V_MEMCPY));
		printf("| burst-%d | 2048 | from_dev | %.2f | %.2f | %.2f | %.2f |\n\n",
		       BURST, scaling(bres[0], bres[1], V_DIRECT),
		       scaling(bres[0], bres[1], V_SWIOTLB),
		       scaling(bres[0], bres[1], V_VB),
		       scaling(bres[0], bres[1], V_MEMCPY));
	}
	printf("### Burst: %d maps then %d unmaps of 2 KiB, from_dev (a virtio-net RX refill; ns per pair per thread)\n\n",
	       BURST, BURST);
	printf("| threads | direct | swiotlb | vb | vb-on | vb-xen-on | memcpy floor |\n|---|---|---|---|---|---|---|\n");
	for (t = 1; t <= nthreads; t++) {
		char c[NR_VARIANTS][48];

		for (v = 0; v < NR_VARIANTS; v++)
			fmt_dist(c[v], sizeof(c[v]), bres[t - 1][v].ns);
		printf("| %d | %s | %s | %s | %s | %s | %s |\n", t, c[V_DIRECT],
		       c[V_SWIOTLB], c[V_VB], c[V_VB_ON], c[V_VB_XEN], c[V_MEMCPY]);
	}
	printf("\nvb's own counters over the burst runs, per %d-map burst: ", BURST);
	for (t = 1; t <= nthreads; t++)
		printf("%s%d thread%s: %.1f cache misses, %.1f depot refills, %.1f depot flushes (each a class-lock round trip)",
		       t > 1 ? "; " : "", t, t > 1 ? "s" : "",
		       bstat[t - 1][VB_STAT_CACHE_MISSES] / bursts[t - 1],
		       bstat[t - 1][VB_STAT_DEPOT_REFILLS] / bursts[t - 1],
		       bstat[t - 1][VB_STAT_DEPOT_FLUSHES] / bursts[t - 1]);
	printf("\n\n");
	if (perf_ok) {
		for (d = 0; d < 2; d++)
			table_pc(dirs[d], res[0][d]);
	} else {
		printf("perf counters: not available on this machine (%s); the tables above are wall-clock only.\n\n",
		       perf_why);
	}
	printf("cache: %lu hits, %lu misses (vb, all runs)\n",
	       vb_stat_sum(vd_force, VB_STAT_CACHE_HITS),
	       vb_stat_sum(vd_force, VB_STAT_CACHE_MISSES));
	return 0;
}
