// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of kernel/dma/virtio_bounce_pool.c in userspace.
 *
 *  - ns per vb_slot_alloc() + vb_slot_free() pair, 512 B and 4 KiB
 *    classes (per-CPU magazine hits), at 1 and 2 threads, each thread its
 *    own simulated CPU; also a burst pattern (256 allocs, then 256 frees:
 *    magazines go through the depot) and the uncached 64 KiB class (class
 *    lock on every call).  Each repetition times a batch of pairs with
 *    CLOCK_MONOTONIC; median, p10 and p90 over the repetitions.
 *  - bounce copy: memcpy() of 64 KiB and 256 KiB (the largest slot) into a slot
 *    (vb_slot_vaddr()) against memcpy() between two malloc()ed buffers.
 *
 * Markdown on stdout.  `--callgrind N --class C` only runs N pairs in
 * cg_loop() for `make callgrind`.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "bench_stats.h"

#define BURST		256

static int reps = 21;
static unsigned long iters = 1000000;	/* pairs per thread per repetition */
static size_t copy_bytes = 256UL << 20;	/* bytes per copy repetition */

static struct vb_slot *must_alloc(struct vb_dev *vd, unsigned int cls)
{
	struct vb_slot *s = vbh_alloc(vd, cls);

	if (unlikely(!s)) {
		fprintf(stderr, "vbpool_bench: class %u exhausted\n", cls);
		exit(2);
	}
	return s;
}

static noinline void pair_loop(struct vb_dev *vd, unsigned int cls,
			       unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		vb_slot_free(vd, must_alloc(vd, cls));
}

static noinline void burst_loop(struct vb_dev *vd, unsigned int cls,
				unsigned long n)
{
	struct vb_slot *s[BURST];
	unsigned long i;
	unsigned int j;

	for (i = 0; i < n; i += BURST) {
		for (j = 0; j < BURST; j++)
			s[j] = must_alloc(vd, cls);
		for (j = 0; j < BURST; j++)
			vb_slot_free(vd, s[j]);
	}
}

/* The loop `make callgrind` measures (valgrind --toggle-collect=cg_loop). */
noinline void cg_loop(struct vb_dev *vd, unsigned int cls, unsigned long n);
noinline void cg_loop(struct vb_dev *vd, unsigned int cls, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		vb_slot_free(vd, must_alloc(vd, cls));
}

/* ---- alloc+free -------------------------------------------------------- */

struct worker {
	pthread_t tid;
	struct vb_dev *vd;
	unsigned int cpu, cls;
	bool burst;
	double *t0, *t1;	/* per repetition */
};

static pthread_barrier_t barrier;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void (*loop)(struct vb_dev *, unsigned int, unsigned long) =
		w->burst ? burst_loop : pair_loop;
	int r;

	vb_shim_set_cpu(w->cpu);
	loop(w->vd, w->cls, iters / 10 + BURST);	/* warm the magazines */
	for (r = 0; r < reps; r++) {
		pthread_barrier_wait(&barrier);
		w->t0[r] = now_ns();
		loop(w->vd, w->cls, iters);
		w->t1[r] = now_ns();
	}
	return NULL;
}

struct result {
	struct dist ns;		/* per pair, per thread */
	struct dist mops;	/* pairs per microsecond, all threads */
};

static struct result run_pairs(struct vb_dev *vd, unsigned int cls,
			       bool burst, unsigned int nthreads)
{
	double ns[64], mops[64];
	struct worker w[2];
	struct result res;
	unsigned int t;
	int r;

	pthread_barrier_init(&barrier, NULL, nthreads);
	for (t = 0; t < nthreads; t++) {
		w[t] = (struct worker){ .vd = vd, .cpu = t, .cls = cls,
					.burst = burst };
		w[t].t0 = calloc(reps, sizeof(double));
		w[t].t1 = calloc(reps, sizeof(double));
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t])) {
			perror("pthread_create");
			exit(2);
		}
	}
	for (t = 0; t < nthreads; t++)
		pthread_join(w[t].tid, NULL);
	pthread_barrier_destroy(&barrier);

	for (r = 0; r < reps; r++) {
		double first = w[0].t0[r], last = w[0].t1[r], sum = 0;

		for (t = 0; t < nthreads; t++) {
			sum += (w[t].t1[r] - w[t].t0[r]) / iters;
			if (w[t].t0[r] < first)
				first = w[t].t0[r];
			if (w[t].t1[r] > last)
				last = w[t].t1[r];
		}
		ns[r] = sum / nthreads;
		mops[r] = nthreads * iters / (last - first) * 1e3;
	}
	for (t = 0; t < nthreads; t++) {
		free(w[t].t0);
		free(w[t].t1);
	}
	res.ns = distribution(ns, reps);
	res.mops = distribution(mops, reps);
	return res;
}

/* ---- copies ------------------------------------------------------------ */

static double copy_gbs(void *dst, const void *src, size_t size)
{
	unsigned long i, n = copy_bytes / size;
	double t0, t1;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		memcpy(dst, src, size);
		__asm__ __volatile__("" : : "r"(dst) : "memory");
	}
	t1 = now_ns();
	return (double)n * size / (t1 - t0);	/* bytes per ns == GB/s */
}

/*
 * Source and plain destination are page-aligned heap buffers, as the
 * slot is (at least) page-aligned: memcpy() speed depends a lot on the
 * relative alignment (on AMD Zen, `rep movsb` to a destination 16 bytes
 * off a page-aligned source runs at a few GB/s), and that is not what is
 * compared here.  malloc()'s own alignment is reported on the side.
 */
static void bench_copy(struct vb_dev *vd, size_t size)
{
	double slot_gbs[64], plain_gbs[64], raw_gbs[64];
	struct vb_slot *s = must_alloc(vd, vb_size_class(vd, size));
	void *src = aligned_alloc(PAGE_SIZE, size);
	void *dst = aligned_alloc(PAGE_SIZE, size);
	void *msrc = malloc(size), *mdst = malloc(size);
	void *slot = vb_slot_vaddr(s);
	struct dist ds, dp, dr;
	int r;

	if (!src || !dst || !msrc || !mdst) {
		perror("malloc");
		exit(2);
	}
	memset(src, 0x5a, size);
	memset(msrc, 0x5a, size);
	memset(dst, 0, size);
	memset(mdst, 0, size);
	memset(slot, 0, size);
	copy_gbs(slot, src, size);	/* warm-up */
	copy_gbs(dst, src, size);
	for (r = 0; r < reps; r++) {	/* interleaved: same conditions */
		slot_gbs[r] = copy_gbs(slot, src, size);
		plain_gbs[r] = copy_gbs(dst, src, size);
		raw_gbs[r] = copy_gbs(mdst, msrc, size);
	}
	ds = distribution(slot_gbs, reps);
	dp = distribution(plain_gbs, reps);
	dr = distribution(raw_gbs, reps);
	printf("| %s | %zu B | %.2f | %.2f..%.2f | %.2f | %.2f..%.2f | %.3f | %.2f |\n",
	       size >= SZ_256K ? "256 KiB" : "64 KiB", (size_t)1 << s->chunk->cls->shift,
	       ds.p50, ds.p10, ds.p90, dp.p50, dp.p10, dp.p90, ds.p50 / dp.p50,
	       dr.p50);
	vb_slot_free(vd, s);
	free(src);
	free(dst);
	free(msrc);
	free(mdst);
}

/* ---- main -------------------------------------------------------------- */

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && p) {
			snprintf(buf, len, "%s", p + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vbpool_bench [--quick] [--reps N] [--iters N]\n"
		"       vbpool_bench --callgrind N [--class C]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct {
		unsigned int cls;
		bool burst;
		const char *what;
	} rows[] = {
		{ 0, false, "pair" },
		{ 3, false, "pair" },
		{ 0, true, "burst-256" },
		{ 7, false, "pair (uncached)" },
	};
	struct vbh_params p = { .pool_min = 4 * SZ_1M, .pool_max = 64 * SZ_1M };
	unsigned long cg_ops = 0;
	unsigned int cg_class = 0, i;
	struct result res[ARRAY_SIZE(rows)][2];
	struct vb_dev *vd;
	double load[3] = { 0 };
	char model[128];
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick")) {
			reps = 5;
			iters = 200000;
			copy_bytes = 64UL << 20;
		} else if (!strcmp(argv[a], "--reps") && a + 1 < argc) {
			reps = atoi(argv[++a]);
		} else if (!strcmp(argv[a], "--iters") && a + 1 < argc) {
			iters = strtoul(argv[++a], NULL, 0);
		} else if (!strcmp(argv[a], "--callgrind") && a + 1 < argc) {
			cg_ops = strtoul(argv[++a], NULL, 0);
		} else if (!strcmp(argv[a], "--class") && a + 1 < argc) {
			cg_class = strtoul(argv[++a], NULL, 0);
		} else {
			usage();
		}
	}
	if (reps < 1 || reps > 64 || !iters || cg_class >= VB_NR_CLASSES)
		usage();
	iters = (iters + BURST - 1) / BURST * BURST;

	vb_shim_set_cpu(0);
	vd = vbh_create(&p);
	if (!vd) {
		fprintf(stderr, "vbpool_bench: vb_pool_init failed\n");
		return 2;
	}

	if (cg_ops) {
		pair_loop(vd, cg_class, 1000);	/* warm-up, not collected */
		cg_loop(vd, cg_class, cg_ops);
		printf("cg_loop: %lu pairs of class %u (%u B)\n", cg_ops,
		       cg_class, 512U << cg_class);
		vbh_destroy(vd);
		return 0;
	}

	cpu_model(model, sizeof(model));
	if (getloadavg(load, 3) < 0)
		load[0] = -1;
	printf("## virtio_bounce pool, userspace (kernel/dma/virtio_bounce_pool.c unchanged)\n\n");
	printf("%s, %ld CPUs online, load average %.2f; %d repetitions, "
	       "%lu pairs per thread each; simulated CPUs: 1 per thread\n\n",
	       model, sysconf(_SC_NPROCESSORS_ONLN), load[0], reps, iters);

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		res[i][0] = run_pairs(vd, rows[i].cls, rows[i].burst, 1);
		res[i][1] = run_pairs(vd, rows[i].cls, rows[i].burst, 2);
	}

	printf("### vb_slot_alloc + vb_slot_free (ns per pair, per thread)\n\n");
	printf("| class | pattern | threads | median ns | p10 ns | p90 ns | Mpairs/s, all threads (median) |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		unsigned int t;

		for (t = 0; t < 2; t++)
			printf("| %u B | %s | %u | %.1f | %.1f | %.1f | %.1f |\n",
			       512U << rows[i].cls, rows[i].what, t + 1,
			       res[i][t].ns.p50, res[i][t].ns.p10,
			       res[i][t].ns.p90, res[i][t].mops.p50);
	}
	printf("\n### Scaling (throughput, 2 threads / 1 thread, medians)\n\n");
	printf("| class | pattern | 2T/1T |\n|---|---|---|\n");
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		printf("| %u B | %s | %.2f |\n", 512U << rows[i].cls,
		       rows[i].what, res[i][1].mops.p50 / res[i][0].mops.p50);

	printf("\n### Bounce copy (memcpy into a pool slot vs between two malloc() buffers)\n\n");
	printf("Source and plain destination: page-aligned heap buffers; last column:\n"
	       "plain memcpy between buffers as malloc() returns them (16-byte aligned).\n\n");
	printf("| size | slot class | slot GB/s (median) | slot p10..p90 | memcpy GB/s (median) | memcpy p10..p90 | slot / memcpy | memcpy, malloc() alignment GB/s |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	bench_copy(vd, 64 * SZ_1K);
	bench_copy(vd, SZ_256K);

	printf("\ncache: %lu hits, %lu misses, %lu depot refills, %lu flushes; pool %zu KiB\n",
	       vb_stat_sum(vd, VB_STAT_CACHE_HITS),
	       vb_stat_sum(vd, VB_STAT_CACHE_MISSES),
	       vb_stat_sum(vd, VB_STAT_DEPOT_REFILLS),
	       vb_stat_sum(vd, VB_STAT_DEPOT_FLUSHES), vd->pool_bytes >> 10);
	vbh_destroy(vd);
	return 0;
}
