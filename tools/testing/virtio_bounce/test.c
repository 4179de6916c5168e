// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kernel/dma/virtio_bounce_pool.c, compiled unchanged
 * against the userspace shim.  Every test drives the real pool functions
 * and checks exact values; "PASS name" or "FAIL name: why" per test, then
 * "userspace: N passed, N failed".  -v shows the pool's dev_warn/dev_err
 * output (quiet otherwise, but counted and checked).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static char why[512];
static int n_pass, n_fail;
static bool verbose;

#define FAIL(fmt, ...) do {						\
	snprintf(why, sizeof(why), "line %d: " fmt, __LINE__, ##__VA_ARGS__); \
	goto out;							\
} while (0)

#define CHECK(cond) do {						\
	if (!(cond))							\
		FAIL("%s", #cond);					\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b)							\
		FAIL("%s = %lld, expected %lld", #a, __a, __b);		\
} while (0)

static unsigned long vstat(struct vb_dev *vd, enum vb_stat s)
{
	return vb_stat_sum(vd, s);
}

/* Work items run on @cpu since @snap (a copy of vb_shim_work_ran). */
static unsigned long ran_since(const unsigned long *snap, unsigned int cpu)
{
	return vb_shim_work_ran[cpu] - snap[cpu];
}

/* Slots in @cpu's two magazines of class @cls. */
static unsigned int mag_slots(struct vb_dev *vd, unsigned int cpu,
			      unsigned int cls)
{
	struct vb_cpu_class *pc = &per_cpu_ptr(vd->pcpu, cpu)->c[cls];

	return pc->loaded->n + pc->prev->n;
}

/*
 * Cross-check the pool's bookkeeping: per chunk, nr_free against its
 * bitmap and its xarray entries; per class, nr_chunks and out (slots
 * out of their chunks, mapped or cached) against the chunks; pool_bytes
 * against the sum of the chunk sizes.
 */
static bool pool_consistent(struct vb_dev *vd)
{
	unsigned long chunks[VB_NR_CLASSES] = { 0 }, out[VB_NR_CLASSES] = { 0 };
	size_t bytes = 0;
	struct vb_chunk *c;
	unsigned int i;

	list_for_each_entry(c, &vd->all_chunks, all) {
		size_t size = PAGE_SIZE << c->order;
		unsigned long g;

		if (bitmap_weight(c->free, c->nr_slots) != c->nr_free) {
			snprintf(why, sizeof(why), "chunk %p: nr_free %u, bitmap %u",
				 (void *)c, c->nr_free,
				 bitmap_weight(c->free, c->nr_slots));
			return false;
		}
		for (g = 0; g < size >> VB_GRANULE_SHIFT; g++) {
			if (xa_load(&vd->chunks, (c->dma >> VB_GRANULE_SHIFT) + g) != c) {
				snprintf(why, sizeof(why), "chunk %p: granule %lu not in xarray",
					 (void *)c, g);
				return false;
			}
		}
		chunks[c->cls->idx]++;
		out[c->cls->idx] += c->nr_slots - c->nr_free;
		bytes += size;
	}
	for (i = 0; i < VB_NR_CLASSES; i++) {
		if (chunks[i] != vd->cls[i].nr_chunks || out[i] != vd->cls[i].out) {
			snprintf(why, sizeof(why),
				 "class %u: nr_chunks %lu out %lu, chunks say %lu and %lu",
				 i, vd->cls[i].nr_chunks, vd->cls[i].out, chunks[i], out[i]);
			return false;
		}
	}
	if (bytes != vd->pool_bytes) {
		snprintf(why, sizeof(why), "pool_bytes %zu, chunks add up to %zu",
			 vd->pool_bytes, bytes);
		return false;
	}
	return true;
}

#define CHECK_CONSISTENT(vd) do {					\
	if (!pool_consistent(vd))					\
		goto out;						\
} while (0)

static struct vb_dev *mkdev(size_t pool_min, size_t pool_max)
{
	struct vbh_params p = { .pool_min = pool_min, .pool_max = pool_max };

	return vbh_create(&p);
}

static int plain_chunk_map(struct vb_dev *vd, struct vb_chunk *c, gfp_t gfp)
{
	c->dma = c->phys;
	return 0;
}

static void plain_chunk_unmap(struct vb_dev *vd, struct vb_chunk *c)
{
}

/* A backend that cannot grow in atomic context (like Xen's). */
static const struct vb_backend_ops noatomic_backend = {
	.name = "noatomic",
	.atomic_grow = false,
	.max_shift = VB_MAX_SHIFT,
	.chunk_map = plain_chunk_map,
	.chunk_unmap = plain_chunk_unmap,
};

/* Gives chunks a misaligned device address: vb_grow() must refuse. */
static unsigned long skew_unmaps;

static int skew_chunk_map(struct vb_dev *vd, struct vb_chunk *c, gfp_t gfp)
{
	c->dma = c->phys + PAGE_SIZE;
	return 0;
}

static void skew_chunk_unmap(struct vb_dev *vd, struct vb_chunk *c)
{
	skew_unmaps++;
}

static const struct vb_backend_ops skew_backend = {
	.name = "skew",
	.atomic_grow = true,
	.max_shift = VB_MAX_SHIFT,
	.chunk_map = skew_chunk_map,
	.chunk_unmap = skew_chunk_unmap,
};

/* ---- tests ------------------------------------------------------------- */

static bool test_size_class(void)
{
	static const unsigned int spc[VB_NR_CLASSES] = {
		512, 256, 128, 64, 32, 16, 8, 4, 2, 1, 1, 1, 1, 1 };
	static const unsigned int cap[VB_NR_CLASSES] = {
		32, 32, 32, 32, 32, 16, 8, 0, 0, 0, 0, 0, 0, 0 };
	struct vb_dev *vd = mkdev(0, 0);
	bool ok = false;
	unsigned int i;

	CHECK(vd);
	CHECK_EQ(vd->max_shift, 22);
	CHECK_EQ(vb_size_class(vd, 0), 0);
	CHECK_EQ(vb_size_class(vd, 1), 0);
	for (i = 0; i < VB_NR_CLASSES; i++) {
		size_t size = 512UL << i;

		CHECK_EQ(vb_size_class(vd, size), i);
		if (i)
			CHECK_EQ(vb_size_class(vd, size / 2 + 1), i);
		if (i + 1 < VB_NR_CLASSES)
			CHECK_EQ(vb_size_class(vd, size + 1), i + 1);
		CHECK_EQ(vd->cls[i].shift, 9 + i);
		CHECK_EQ(vd->cls[i].idx, i);
		CHECK_EQ(vd->cls[i].slots_per_chunk, spc[i]);
		CHECK_EQ(vd->cls[i].mag_cap, cap[i]);
	}
	CHECK_EQ(vb_size_class(vd, (4UL << 20) + 1), -E2BIG);
	CHECK_EQ(vb_size_class(vd, SIZE_MAX), -E2BIG);
	vd->max_shift = 16;
	CHECK_EQ(vb_size_class(vd, 64 * SZ_1K), 7);
	CHECK_EQ(vb_size_class(vd, 64 * SZ_1K + 1), -E2BIG);
	CHECK_EQ(vd->pool_bytes, 0);
	ok = true;
out:
	vbh_destroy(vd);
	return ok;
}

/*
 * Forward-progress sizing: vb_footprint() is one largest request (2R +
 * 512 N: 2 * 1284 KiB + 128 KiB) plus one chunk of every class up to
 * max_shift; vb_max_shift() is the largest class whose footprint fits.
 */
static bool test_footprint(void)
{
	size_t fp18 = 2 * (1280 + 4) * SZ_1K + 128 * SZ_1K + 10 * SZ_256K;
	bool ok = false;

	CHECK_EQ(vb_footprint(18), fp18);
	CHECK_EQ(vb_footprint(VB_CHUNK_SHIFT), fp18);
	/* Every class above 256 KiB adds one chunk of its own size. */
	CHECK_EQ(vb_footprint(19), fp18 + 512 * SZ_1K);
	CHECK_EQ(vb_footprint(22), fp18 + 512 * SZ_1K + 7 * SZ_1M);
	CHECK_EQ(vb_max_shift(VB_MAX_SHIFT, 64 * SZ_1M), 22);
	CHECK_EQ(vb_max_shift(VB_MAX_SHIFT, 8 * SZ_1M), 20);
	CHECK_EQ(vb_max_shift(VB_MAX_SHIFT, 6 * SZ_1M), 19);
	/* The bound is inclusive. */
	CHECK_EQ(vb_max_shift(VB_MAX_SHIFT, vb_footprint(20)), 20);
	CHECK_EQ(vb_max_shift(VB_MAX_SHIFT, vb_footprint(20) - 1), 19);
	/* The backend's limit, VB_MAX_SHIFT, and never below one chunk. */
	CHECK_EQ(vb_max_shift(21, 64 * SZ_1M), 21);
	CHECK_EQ(vb_max_shift(30, 64 * SZ_1M), VB_MAX_SHIFT);
	CHECK_EQ(vb_max_shift(VB_MAX_SHIFT, SZ_1M), VB_CHUNK_SHIFT);
	ok = true;
out:
	return ok;
}

/* Cleanup of the tests that hold one slot per class: free what is held. */
static void free_class_slots(struct vb_dev *vd, struct vb_slot **s)
{
	unsigned int i;

	for (i = 0; i < VB_NR_CLASSES; i++)
		if (s[i])
			vb_slot_free(vd, s[i]);
	vbh_destroy(vd);
}

/* One slot of every class: geometry, device address, lookup, memory. */
static bool test_every_class(void)
{
	unsigned long maps0 = vbh_chunk_maps, unmaps0 = vbh_chunk_unmaps;
	struct vb_dev *vd = mkdev(0, 16 * SZ_1M);
	struct vb_slot *s[VB_NR_CLASSES] = { NULL };
	int probe;
	bool ok = false;
	unsigned int i;

	CHECK(vd);
	CHECK_EQ(vd->pool_bytes, 0);
	for (i = 0; i < VB_NR_CLASSES; i++) {
		size_t size = 512UL << i;
		size_t chunk = size > SZ_256K ? size : SZ_256K;
		dma_addr_t dma;

		s[i] = vbh_alloc(vd, i);
		CHECK(s[i]);
		CHECK(s[i]->chunk->cls == &vd->cls[i]);
		CHECK_EQ(PAGE_SIZE << s[i]->chunk->order, chunk);
		CHECK_EQ(s[i]->chunk->nr_slots, chunk / size);
		dma = vb_slot_dma(s[i]);
		CHECK_EQ(dma, (uintptr_t)vb_slot_vaddr(s[i]));
		CHECK(IS_ALIGNED(dma, size));
		CHECK(IS_ALIGNED(s[i]->chunk->dma, chunk));
		CHECK(vb_find_slot(vd, dma) == s[i]);
		CHECK(vb_find_slot(vd, dma + size - 1) == s[i]);
		memset(vb_slot_vaddr(s[i]), 0xa5, size);
	}
	CHECK(!vb_find_slot(vd, (uintptr_t)&probe));
	CHECK_EQ(vd->grows, VB_NR_CLASSES);
	CHECK_EQ(vbh_chunk_maps - maps0, VB_NR_CLASSES);
	/* 10 chunks of 256 KiB, then 512 KiB, 1, 2 and 4 MiB. */
	CHECK_EQ(vd->pool_bytes, 10 * SZ_256K + 7 * SZ_1M + 512 * SZ_1K);
	CHECK_CONSISTENT(vd);
	for (i = 0; i < VB_NR_CLASSES; i++) {
		vb_slot_free(vd, s[i]);
		s[i] = NULL;
	}
	CHECK_EQ(vstat(vd, VB_STAT_CACHE_HITS) + vstat(vd, VB_STAT_CACHE_MISSES) > 0, 1);
	vb_flush_caches(vd);
	for (i = 0; i < VB_NR_CLASSES; i++)
		CHECK_EQ(vd->cls[i].out, 0);
	CHECK_CONSISTENT(vd);
	vbh_destroy(vd);
	vd = NULL;
	CHECK_EQ(vbh_chunk_unmaps - unmaps0, VB_NR_CLASSES);
	ok = true;
out:
	free_class_slots(vd, s);
	return ok;
}

/*
 * The dma -> chunk cache in front of the xarray: a line owned by another
 * chunk, or empty, still finds the slot (through the xarray); released
 * chunks leave no line behind.
 */
static bool test_hot_cache(void)
{
	struct vb_dev *vd = mkdev(0, 16 * SZ_1M);
	struct vb_slot *s[VB_NR_CLASSES] = { NULL };
	unsigned int i, line;
	bool ok = false;

	CHECK(vd);
	for (i = 0; i < VB_NR_CLASSES; i++) {
		s[i] = vbh_alloc(vd, i);
		CHECK(s[i]);
	}
	for (i = 0; i < VB_NR_CLASSES; i++) {
		dma_addr_t dma = vb_slot_dma(s[i]);
		struct vb_chunk *own, *other = s[(i + 1) % VB_NR_CLASSES]->chunk;

		line = (dma >> VB_GRANULE_SHIFT) % VB_HOT_LINES;
		own = vd->hot[line];
		CHECK(own);
		vd->hot[line] = other;		/* a conflict */
		CHECK(vb_find_slot(vd, dma) == s[i]);
		vd->hot[line] = NULL;		/* an empty line */
		CHECK(vb_find_slot(vd, dma) == s[i]);
		vd->hot[line] = own;
		CHECK(vb_find_slot(vd, dma) == s[i]);
	}
	for (i = 0; i < VB_NR_CLASSES; i++) {
		vb_slot_free(vd, s[i]);
		s[i] = NULL;
	}
	vb_flush_caches(vd);
	CHECK_EQ(vb_shrink(vd, 0, -1, false), VB_NR_CLASSES);
	for (line = 0; line < VB_HOT_LINES; line++)
		CHECK(!vd->hot[line]);
	ok = true;
out:
	free_class_slots(vd, s);
	return ok;
}

/* The initial pool: 256 KiB classes within pool_min; none on the 1:1 path. */
static bool test_prefill(void)
{
	struct vbh_params p = { .pool_min = SZ_1M, .pool_max = 4 * SZ_1M };
	struct vb_dev *vd = vbh_create(&p);
	bool ok = false;
	unsigned int i;

	CHECK(vd);
	CHECK_EQ(vd->pool_bytes, SZ_1M);
	for (i = 0; i < VB_NR_CLASSES; i++)
		CHECK_EQ(vd->cls[i].nr_chunks, i < 4);
	CHECK_CONSISTENT(vd);
	vbh_destroy(vd);

	p.direct_ok = true;	/* atomic backend on the 1:1 path: grow on use */
	vd = vbh_create(&p);
	CHECK(vd);
	CHECK_EQ(vd->pool_bytes, 0);
	CHECK(list_empty(&vd->all_chunks));
	ok = true;
out:
	vbh_destroy(vd);
	return ok;
}

/* A cached class runs dry at pool_max and recovers after one free. */
static bool test_exhaustion_cached(void)
{
	struct vb_dev *vd = mkdev(0, SZ_256K);
	struct vb_slot *s[512] = { NULL }, *x = NULL;
	struct vb_class *k;
	bool ok = false;
	unsigned int i;

	CHECK(vd);
	k = &vd->cls[0];
	for (i = 0; i < 512; i++) {
		s[i] = vbh_alloc(vd, 0);
		CHECK(s[i]);
		/* Pool memory is zeroed: a set byte is a slot handed out twice. */
		CHECK_EQ(*(char *)vb_slot_vaddr(s[i]), 0);
		*(char *)vb_slot_vaddr(s[i]) = 1;
	}
	CHECK_EQ(vd->pool_bytes, SZ_256K);
	CHECK_EQ(vd->grows, 1);
	CHECK_EQ(k->out, 512);
	x = vbh_alloc(vd, 0);
	CHECK(!x);
	CHECK_EQ(vd->pool_bytes, SZ_256K);
	CHECK_EQ(vd->grow_failures, 0);		/* -ENOSPC is not a failure */
	CHECK(test_bit(0, &vd->grow_want));
	CHECK_EQ(vb_shim_pending_work(), 1);

	vb_slot_free(vd, s[100]);
	x = vbh_alloc(vd, 0);
	CHECK(x == s[100]);
	x = vbh_alloc(vd, 0);
	CHECK(!x);

	/* The worker finds nothing to reclaim: the pool stays as it is. */
	CHECK_EQ(vb_shim_run_work(), 1);
	CHECK_EQ(vd->pool_bytes, SZ_256K);
	CHECK_EQ(vd->grows, 1);
	CHECK_EQ(vd->shrinks, 0);
	CHECK(!test_bit(0, &vd->grow_want));

	for (i = 0; i < 512; i++) {
		*(char *)vb_slot_vaddr(s[i]) = 0;
		vb_slot_free(vd, s[i]);
		s[i] = NULL;
	}
	vb_flush_caches(vd);
	CHECK_EQ(k->out, 0);
	CHECK_EQ(k->depot_len, 0);
	CHECK_CONSISTENT(vd);
	ok = true;
out:
	for (i = 0; i < 512; i++)
		if (s[i])
			vb_slot_free(vd, s[i]);
	vbh_destroy(vd);
	return ok;
}

/* An uncached class (64 KiB) runs dry at pool_max and recovers. */
static bool test_exhaustion_uncached(void)
{
	struct vb_dev *vd = mkdev(0, 2 * SZ_256K);
	struct vb_slot *s[8] = { NULL }, *x;
	bool ok = false;
	unsigned int i;

	CHECK(vd);
	CHECK_EQ(vd->cls[7].mag_cap, 0);
	for (i = 0; i < 8; i++) {
		s[i] = vbh_alloc(vd, 7);
		CHECK(s[i]);
	}
	CHECK_EQ(vd->cls[7].nr_chunks, 2);
	CHECK_EQ(vd->cls[7].out, 8);
	CHECK(!vbh_alloc(vd, 7));
	vb_slot_free(vd, s[5]);
	CHECK_EQ(vd->cls[7].out, 7);
	x = vbh_alloc(vd, 7);
	CHECK(x == s[5]);
	CHECK(!vbh_alloc(vd, 7));
	CHECK_EQ(vd->cls[7].hiwater, 8);
	CHECK_EQ(vstat(vd, VB_STAT_CACHE_HITS) + vstat(vd, VB_STAT_CACHE_MISSES), 0);
	CHECK_CONSISTENT(vd);
	vb_shim_run_work();
	ok = true;
out:
	for (i = 0; i < 8; i++)
		if (s[i])
			vb_slot_free(vd, s[i]);
	vbh_destroy(vd);
	return ok;
}

/*
 * A backend that cannot grow atomically starts with VB_TOP_CHUNKS chunks of
 * its top class (here the only one); once they are used up, the worker
 * grows the class.
 */
#define GW_SLOTS	(VB_TOP_CHUNKS * 512)

static bool test_grow_worker(void)
{
	struct vbh_params p = {
		.be = &noatomic_backend, .pool_min = SZ_256K,
		.pool_max = 4 * SZ_1M, .max_shift = 9,
	};
	struct vb_dev *vd = vbh_create(&p);
	struct vb_slot **s = calloc(GW_SLOTS + 1, sizeof(*s));
	bool ok = false;
	unsigned int i;

	CHECK(vd && s);
	CHECK_EQ(vd->cls[0].nr_chunks, VB_TOP_CHUNKS);
	CHECK_EQ(vd->pool_bytes, VB_TOP_CHUNKS * SZ_256K);
	CHECK_EQ(vd->pool_min, VB_TOP_CHUNKS * SZ_256K);
	CHECK_EQ(vb_shim_pending_work(), 0);
	for (i = 0; i < GW_SLOTS; i++) {
		s[i] = vbh_alloc(vd, 0);
		CHECK(s[i]);
	}
	/* The refill that took the last slots asked for more. */
	CHECK(test_bit(0, &vd->grow_want));
	CHECK_EQ(vb_shim_pending_work(), 1);
	CHECK(!vbh_alloc(vd, 0));
	CHECK_EQ(vd->pool_bytes, VB_TOP_CHUNKS * SZ_256K);
	CHECK_EQ(vb_shim_run_work(), 1);
	CHECK_EQ(vd->cls[0].nr_chunks, VB_TOP_CHUNKS + 1);
	CHECK_EQ(vd->pool_bytes, (VB_TOP_CHUNKS + 1) * SZ_256K);
	s[GW_SLOTS] = vbh_alloc(vd, 0);
	CHECK(s[GW_SLOTS]);
	CHECK_CONSISTENT(vd);
	ok = true;
out:
	for (i = 0; s && i <= GW_SLOTS; i++)
		if (s[i])
			vb_slot_free(vd, s[i]);
	free(s);
	vb_shim_run_work();
	vbh_destroy(vd);
	return ok;
}

/* vb_slot_alloc(..., may_grow = false) takes only what is there. */
static bool test_alloc_no_grow(void)
{
	struct vb_dev *vd = mkdev(0, SZ_1M);
	struct vb_slot *s = NULL;
	bool ok = false;

	CHECK(vd);
	CHECK(!vbh_alloc_mg(vd, 0, false));
	CHECK(!vbh_alloc_mg(vd, 7, false));
	CHECK_EQ(vd->pool_bytes, 0);
	CHECK_EQ(vb_shim_pending_work(), 0);
	CHECK_EQ(vd->grow_want, 0);
	s = vbh_alloc(vd, 0);
	CHECK(s);
	CHECK_EQ(vd->pool_bytes, SZ_256K);
	vb_slot_free(vd, s);
	s = vbh_alloc_mg(vd, 0, false);
	CHECK(s);
	ok = true;
out:
	if (s)
		vb_slot_free(vd, s);
	vb_shim_run_work();
	vbh_destroy(vd);
	return ok;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Per-CPU magazines, 512 B class (32 slots a magazine), one CPU:
 *  96 allocs: misses at 1, 33 and 65 carve 32 slots each; 93 hits.
 *  96 frees: 32 fill the loaded magazine, the 33rd swaps it with the
 *	empty prev, the 65th finds both full and flushes one to the depot.
 *  96 allocs: 64 hits from the two magazines, then one miss refilled from
 *	the depot (no carving) and 31 more hits.
 */
static bool test_pcpu_cache(void)
{
	struct vb_dev *vd = mkdev(SZ_256K, SZ_1M);
	uintptr_t a[96], b[96];
	struct vb_slot *s[96] = { NULL };
	struct vb_cpu_class *pc;
	struct vb_class *k;
	bool ok = false;
	unsigned int i;

	CHECK(vd);
	k = &vd->cls[0];
	pc = &per_cpu_ptr(vd->pcpu, 0)->c[0];
	CHECK_EQ(k->mag_cap, 32);
	CHECK_EQ(k->nr_chunks, 1);

	for (i = 0; i < 96; i++) {
		s[i] = vbh_alloc(vd, 0);
		CHECK(s[i]);
		a[i] = (uintptr_t)s[i];
	}
	CHECK_EQ(vstat(vd, VB_STAT_CACHE_HITS), 93);
	CHECK_EQ(vstat(vd, VB_STAT_CACHE_MISSES), 3);
	CHECK_EQ(vstat(vd, VB_STAT_DEPOT_REFILLS), 0);
	CHECK_EQ(vstat(vd, VB_STAT_DEPOT_FLUSHES), 0);
	CHECK_EQ(k->out, 96);
	CHECK_EQ(pc->loaded->n, 0);
	CHECK_EQ(pc->prev->n, 0);

	for (i = 0; i < 96; i++) {
		vb_slot_free(vd, s[i]);
		s[i] = NULL;
	}
	CHECK_EQ(vstat(vd, VB_STAT_DEPOT_FLUSHES), 1);
	CHECK_EQ(vstat(vd, VB_STAT_DEPOT_REFILLS), 0);
	CHECK_EQ(vstat(vd, VB_STAT_CACHE_MISSES), 3);
	CHECK_EQ(k->depot_len, 1);
	CHECK_EQ(pc->loaded->n, 32);
	CHECK_EQ(pc->prev->n, 32);
	CHECK_EQ(k->out, 96);		/* cached slots stay out of the chunk */

	for (i = 0; i < 96; i++) {
		s[i] = vbh_alloc(vd, 0);
		CHECK(s[i]);
		b[i] = (uintptr_t)s[i];
	}
	CHECK_EQ(vstat(vd, VB_STAT_CACHE_HITS), 93 + 95);
	CHECK_EQ(vstat(vd, VB_STAT_CACHE_MISSES), 3 + 1);
	CHECK_EQ(vstat(vd, VB_STAT_DEPOT_REFILLS), 1);
	CHECK_EQ(vstat(vd, VB_STAT_DEPOT_FLUSHES), 1);
	CHECK_EQ(k->depot_len, 0);
	CHECK_EQ(k->out, 96);
	CHECK_EQ(k->hiwater, 96);
	CHECK_EQ(k->nr_chunks, 1);
	/* The same 96 slots came back, none carved anew. */
	qsort(a, 96, sizeof(a[0]), cmp_ptr);
	qsort(b, 96, sizeof(b[0]), cmp_ptr);
	CHECK(!memcmp(a, b, sizeof(a)));
	/* Only CPU 0 counted anything. */
	for (i = 1; i < NR_CPUS; i++)
		CHECK_EQ(per_cpu_ptr(vd->stats, i)->v[VB_STAT_CACHE_HITS] +
			 per_cpu_ptr(vd->stats, i)->v[VB_STAT_CACHE_MISSES], 0);

	for (i = 0; i < 96; i++) {
		vb_slot_free(vd, s[i]);
		s[i] = NULL;
	}
	vb_flush_caches(vd);
	CHECK_EQ(k->out, 0);
	CHECK_EQ(k->depot_len, 0);
	CHECK_EQ(pc->loaded->n + pc->prev->n, 0);
	CHECK_CONSISTENT(vd);
	ok = true;
out:
	for (i = 0; i < 96; i++)
		if (s[i])
			vb_slot_free(vd, s[i]);
	vbh_destroy(vd);
	return ok;
}

/* No empty magazine to be had on a flush: the slots go to their chunk. */
static bool test_flush_nomem(void)
{
	struct vb_dev *vd = mkdev(SZ_256K, SZ_1M);
	struct vb_slot *s[96] = { NULL };
	struct vb_class *k;
	bool ok = false;
	unsigned int i;

	CHECK(vd);
	k = &vd->cls[0];
	for (i = 0; i < 96; i++) {
		s[i] = vbh_alloc(vd, 0);
		CHECK(s[i]);
	}
	for (i = 0; i < 64; i++) {
		vb_slot_free(vd, s[i]);
		s[i] = NULL;
	}
	CHECK_EQ(k->out, 96);
	vb_shim_fail_kmalloc = 1;
	vb_slot_free(vd, s[64]);
	s[64] = NULL;
	CHECK_EQ(vb_shim_fail_kmalloc, 0);
	CHECK_EQ(vstat(vd, VB_STAT_DEPOT_FLUSHES), 1);
	CHECK_EQ(k->depot_len, 0);
	CHECK_EQ(k->out, 64);
	CHECK_EQ(list_first_entry(&k->partial, struct vb_chunk, node)->nr_free,
		 512 - 64);
	CHECK_CONSISTENT(vd);
	ok = true;
out:
	vb_shim_fail_kmalloc = 0;
	for (i = 0; i < 96; i++)
		if (s[i])
			vb_slot_free(vd, s[i]);
	vbh_destroy(vd);
	return ok;
}

/* Shrink to pool_min, not below, and never a chunk with a slot out. */
static bool test_shrink(void)
{
	unsigned long unmaps0 = vbh_chunk_unmaps;
	struct vbh_params p = {
		.pool_min = 2 * SZ_256K, .pool_max = 4 * SZ_1M,
		.shrink_interval = 100,
	};
	struct vb_dev *vd = vbh_create(&p);
	struct vb_slot *s = NULL;
	bool ok = false;
	unsigned int i;

	CHECK(vd);
	CHECK_EQ(vd->pool_bytes, 2 * SZ_256K);
	CHECK(delayed_work_pending(&vd->shrink_work));
	for (i = 0; i < 6; i++)
		CHECK_EQ(vb_grow(vd, 0, GFP_KERNEL), 0);
	CHECK_EQ(vd->pool_bytes, 2 * SZ_1M);
	CHECK_EQ(vd->cls[0].nr_chunks, 7);
	s = vbh_alloc(vd, 1);
	CHECK(s);

	CHECK_EQ(vb_shrink(vd, vd->pool_min, -1, false), 6);
	CHECK_EQ(vd->pool_bytes, vd->pool_min);
	CHECK_EQ(vd->cls[0].nr_chunks, 1);
	CHECK_EQ(vd->cls[1].nr_chunks, 1);
	CHECK_EQ(vd->shrinks, 6);
	CHECK_EQ(vbh_chunk_unmaps - unmaps0, 6);
	CHECK_CONSISTENT(vd);
	CHECK_EQ(vb_shrink(vd, vd->pool_min, -1, false), 0);

	/* Below pool_min: class 1's chunk has a slot mapped, it stays. */
	CHECK_EQ(vb_shrink(vd, 0, -1, false), 1);
	CHECK_EQ(vd->pool_bytes, SZ_256K);
	CHECK_EQ(vd->cls[1].nr_chunks, 1);
	vb_slot_free(vd, s);
	s = NULL;
	/* Its slots now sit in this CPU's magazine: still out. */
	CHECK_EQ(vb_shrink(vd, 0, -1, false), 0);
	vb_flush_caches(vd);
	CHECK_EQ(vb_shrink(vd, 0, -1, false), 1);
	CHECK_EQ(vd->pool_bytes, 0);
	CHECK(list_empty(&vd->all_chunks));
	CHECK(xa_empty(&vd->chunks));

	/* The periodic worker shrinks to pool_min and re-arms itself. */
	for (i = 0; i < 3; i++)
		CHECK_EQ(vb_grow(vd, 0, GFP_KERNEL), 0);
	CHECK_EQ(vd->pool_bytes, 3 * SZ_256K);
	CHECK(vb_shim_run_delayed(&vd->shrink_work));
	CHECK_EQ(vd->pool_bytes, vd->pool_min);
	CHECK(delayed_work_pending(&vd->shrink_work));
	CHECK_EQ(vd->grows, 2 + 6 + 3);
	CHECK_EQ(vd->shrinks, 6 + 1 + 1 + 1);
	CHECK_CONSISTENT(vd);
	ok = true;
out:
	if (s)
		vb_slot_free(vd, s);
	vbh_destroy(vd);
	return ok;
}

/*
 * vb_reclaim() empties every CPU's cache (a flush work item run on each
 * CPU) and releases an idle chunk of another class; then the grow worker
 * does the same by itself.
 */
static bool test_reclaim(void)
{
	struct vb_dev *vd = mkdev(2 * SZ_256K, 2 * SZ_256K);
	struct vb_slot *s[40] = { NULL };
	unsigned long ran[NR_CPUS];
	dma_addr_t dma0;
	bool ok = false;
	unsigned int i, cpu;

	CHECK(vd);
	CHECK_EQ(vd->cls[0].nr_chunks, 1);
	CHECK_EQ(vd->cls[1].nr_chunks, 1);
	/* Fill the class 0 magazines of CPUs 1 and 0. */
	for (cpu = 2; cpu-- > 0;) {
		vb_shim_set_cpu(cpu);
		for (i = 0; i < (cpu ? 40 : 10); i++) {
			s[i] = vbh_alloc(vd, 0);
			CHECK(s[i]);
		}
		for (i = 0; i < 40; i++) {
			if (s[i])
				vb_slot_free(vd, s[i]);
			s[i] = NULL;
		}
	}
	CHECK_EQ(vd->cls[0].out, 96);
	CHECK_EQ(mag_slots(vd, 1, 0), 64);
	dma0 = list_first_entry(&vd->cls[0].partial, struct vb_chunk, node)->dma;

	CHECK_EQ(vb_grow(vd, 2, GFP_KERNEL), -ENOSPC);
	memcpy(ran, vb_shim_work_ran, sizeof(ran));
	CHECK_EQ(vb_reclaim(vd, 2), 1);
	CHECK_EQ(vb_shim_cpu, 0);
	/* One flush on each CPU, waited for; nothing left queued. */
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		CHECK_EQ(ran_since(ran, cpu), 1);
	CHECK_EQ(vb_shim_pending_work(), 0);
	CHECK_EQ(vd->cls[0].out, 0);
	CHECK_EQ(vd->cls[0].nr_chunks, 0);
	CHECK_EQ(vd->cls[1].nr_chunks, 1);
	CHECK_EQ(vd->shrinks, 1);
	CHECK_EQ(vd->pool_bytes, SZ_256K);
	CHECK(!xa_load(&vd->chunks, dma0 >> VB_GRANULE_SHIFT));
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		CHECK_EQ(mag_slots(vd, cpu, 0), 0);
	CHECK_EQ(vb_grow(vd, 2, GFP_KERNEL), 0);
	CHECK_EQ(vd->cls[2].nr_chunks, 1);
	CHECK_EQ(vd->pool_bytes, 2 * SZ_256K);

	/* Class 0 is dry and the pool full: the worker reclaims class 1. */
	CHECK(!vbh_alloc(vd, 0));
	CHECK(test_bit(0, &vd->grow_want));
	memcpy(ran, vb_shim_work_ran, sizeof(ran));
	CHECK_EQ(vb_shim_run_work(), 1);
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		CHECK_EQ(ran_since(ran, cpu), 1);
	CHECK_EQ(vd->cls[0].nr_chunks, 1);
	CHECK_EQ(vd->cls[1].nr_chunks, 0);
	CHECK_EQ(vd->cls[2].nr_chunks, 1);
	CHECK_EQ(vd->shrinks, 2);
	s[0] = vbh_alloc(vd, 0);
	CHECK(s[0]);
	CHECK_CONSISTENT(vd);
	ok = true;
out:
	vb_shim_set_cpu(0);
	for (i = 0; i < 40; i++)
		if (s[i])
			vb_slot_free(vd, s[i]);
	vb_shim_run_work();
	vbh_destroy(vd);
	return ok;
}

/*
 * Reclaim may release an idle chunk bigger than the room it needs
 * (overshoot): the pool is at pool_max with a busy 256 KiB chunk of class
 * 0 and two idle 1 MiB chunks of class 11; a 256 KiB chunk of class 1
 * fits only once a 1 MiB chunk goes.  With overshoot exactly one goes;
 * without, none (the idle scan never goes below its floor).
 */
static bool test_reclaim_overshoot(void)
{
	struct vb_dev *vd = mkdev(0, 2 * SZ_1M + SZ_256K);
	struct vb_slot *s = NULL;
	size_t floor;
	bool ok = false;

	CHECK(vd);
	floor = vd->pool_max - SZ_256K;
	s = vbh_alloc(vd, 0);
	CHECK(s);
	CHECK_EQ(vb_grow(vd, 11, GFP_KERNEL), 0);
	CHECK_EQ(vb_grow(vd, 11, GFP_KERNEL), 0);
	CHECK_EQ(vd->pool_bytes, vd->pool_max);
	CHECK_EQ(vd->cls[11].nr_chunks, 2);
	CHECK_EQ(vb_grow(vd, 1, GFP_KERNEL), -ENOSPC);

	CHECK_EQ(vb_shrink(vd, floor, 1, false), 0);
	CHECK_EQ(vd->pool_bytes, vd->pool_max);
	CHECK_EQ(vd->cls[11].nr_chunks, 2);
	CHECK_EQ(vb_shrink(vd, floor, 1, true), 1);
	CHECK_EQ(vd->pool_bytes, SZ_1M + SZ_256K);
	CHECK_EQ(vd->cls[11].nr_chunks, 1);
	CHECK_EQ(vd->cls[0].nr_chunks, 1);	/* busy (1 mapped, 31 cached) */
	CHECK_EQ(vd->shrinks, 1);
	/* At or below the floor, overshoot releases nothing. */
	CHECK_EQ(vb_shrink(vd, floor, 1, true), 0);
	CHECK_EQ(vb_shrink(vd, vd->pool_bytes, 1, true), 0);

	/* Back at pool_max; the same through vb_reclaim(). */
	CHECK_EQ(vb_grow(vd, 11, GFP_KERNEL), 0);
	CHECK_EQ(vd->pool_bytes, vd->pool_max);
	CHECK_EQ(vb_reclaim(vd, 1), 1);
	CHECK_EQ(vd->pool_bytes, SZ_1M + SZ_256K);
	CHECK_EQ(vd->cls[11].nr_chunks, 1);
	CHECK_EQ(vd->cls[0].nr_chunks, 1);
	CHECK_EQ(vd->cls[0].out, 1);		/* the flush returned the cached 31 */
	CHECK_EQ(vd->shrinks, 2);
	CHECK_EQ(vb_grow(vd, 1, GFP_KERNEL), 0);
	CHECK_EQ(vd->pool_bytes, SZ_1M + 2 * SZ_256K);
	CHECK_CONSISTENT(vd);
	ok = true;
out:
	if (s)
		vb_slot_free(vd, s);
	vbh_destroy(vd);
	return ok;
}

/*
 * A CPU dies with slots in its magazines.  CPU 3 maps 41 slots of class 0
 * (32 a magazine: two misses carve 64) and 17 of class 5 (16 a magazine:
 * two misses carve 32), and unmaps all but one of each: 63 and 31 slots
 * sit in its magazines.  CPU 0 maps and unmaps 10 of each, which leaves
 * one magazine carved there (32 and 16).  The hotplug "dead" callback,
 * called through the shim's instance list, returns exactly CPU 3's; then
 * vb_flush_caches() runs its work on every online CPU but CPU 3.
 */
static bool test_cpu_dead(void)
{
	static const unsigned int cls[2] = { 0, 5 };
	static const unsigned int cached3[2] = { 63, 31 }, cached0[2] = { 32, 16 };
	const unsigned int dead = 3;
	struct vb_dev *vd = mkdev(0, SZ_1M);
	struct vb_slot *s[41] = { NULL }, *held[2] = { NULL };
	unsigned long ran[NR_CPUS];
	unsigned int i, j, cpu;
	bool down = false, ok = false;

	CHECK(vd);
	for (j = 0; j < 2; j++) {
		unsigned int n = j ? 17 : 41;

		vb_shim_set_cpu(dead);
		for (i = 0; i < n; i++) {
			s[i] = vbh_alloc(vd, cls[j]);
			CHECK(s[i]);
		}
		held[j] = s[n - 1];
		s[n - 1] = NULL;
		for (i = 0; i < n - 1; i++) {
			vb_slot_free(vd, s[i]);
			s[i] = NULL;
		}
		vb_shim_set_cpu(0);
		for (i = 0; i < 10; i++) {
			s[i] = vbh_alloc(vd, cls[j]);
			CHECK(s[i]);
		}
		for (i = 0; i < 10; i++) {
			vb_slot_free(vd, s[i]);
			s[i] = NULL;
		}
	}
	/* Class 5 ran dry at pool_max: its grow work waits (left unrun). */
	CHECK_EQ(vd->pool_bytes, SZ_1M);
	CHECK(work_pending(&vd->grow_work));
	CHECK_EQ(vb_shim_pending_work(), 1);
	for (j = 0; j < 2; j++) {
		CHECK_EQ(mag_slots(vd, dead, cls[j]), cached3[j]);
		CHECK_EQ(mag_slots(vd, 0, cls[j]), cached0[j]);
		CHECK_EQ(vd->cls[cls[j]].out, 1 + cached3[j] + cached0[j]);
		CHECK_EQ(vd->cls[cls[j]].depot_len, 0);
	}

	/* One instance on the state: this pool's. */
	CHECK_EQ(vb_shim_cpu_down(dead), 1);
	down = true;
	CHECK(!cpu_online(dead));
	for (j = 0; j < 2; j++) {
		CHECK_EQ(mag_slots(vd, dead, cls[j]), 0);
		CHECK_EQ(mag_slots(vd, 0, cls[j]), cached0[j]);
		CHECK_EQ(vd->cls[cls[j]].out, 1 + cached0[j]);
	}
	CHECK_CONSISTENT(vd);

	memcpy(ran, vb_shim_work_ran, sizeof(ran));
	vb_flush_caches(vd);
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		CHECK_EQ(ran_since(ran, cpu), cpu != dead);
	CHECK(!work_pending(&per_cpu_ptr(vd->pcpu, dead)->flush));
	CHECK_EQ(vb_shim_pending_work(), 1);	/* the grow work only */
	for (j = 0; j < 2; j++) {
		CHECK_EQ(mag_slots(vd, 0, cls[j]), 0);
		CHECK_EQ(vd->cls[cls[j]].out, 1);
	}

	/* The mapped slots are unmapped elsewhere; the CPU comes back. */
	for (j = 0; j < 2; j++) {
		vb_slot_free(vd, held[j]);
		held[j] = NULL;
	}
	CHECK_EQ(vb_shim_cpu_up(dead), 0);	/* no startup callback */
	down = false;
	memcpy(ran, vb_shim_work_ran, sizeof(ran));
	vb_flush_caches(vd);
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		CHECK_EQ(ran_since(ran, cpu), 1);
	for (j = 0; j < 2; j++)
		CHECK_EQ(vd->cls[cls[j]].out, 0);
	CHECK_CONSISTENT(vd);
	ok = true;
out:
	vb_shim_set_cpu(0);
	for (i = 0; i < ARRAY_SIZE(s); i++)
		if (s[i])
			vb_slot_free(vd, s[i]);
	for (j = 0; j < 2; j++)
		if (held[j])
			vb_slot_free(vd, held[j]);
	if (down)
		vb_shim_cpu_up(dead);
	vbh_destroy(vd);
	return ok;
}

/* Failing chunk allocations and translations leave the pool as it was. */
static bool test_grow_failures(void)
{
	unsigned long warn0 = vb_shim_nr_warnings, unmaps0;
	struct vbh_params p = { .be = &skew_backend, .pool_max = SZ_1M };
	struct vb_dev *vd = mkdev(0, SZ_1M), *vs = NULL;
	struct vb_slot *s = NULL;
	bool ok = false;

	CHECK(vd);
	vb_shim_fail_should_fail = 1;
	CHECK_EQ(vb_grow(vd, 0, GFP_KERNEL), -EIO);
	CHECK_EQ(vd->grow_failures, 1);
	CHECK(test_bit(VB_WARN_GROW, &vd->warned));
	CHECK_EQ(vb_shim_nr_warnings - warn0, 1);
	vb_shim_fail_pages = 1;
	CHECK_EQ(vb_grow(vd, 0, GFP_KERNEL), -ENOMEM);
	vb_shim_fail_kmalloc = 1;
	CHECK_EQ(vb_grow(vd, 0, GFP_KERNEL), -ENOMEM);
	CHECK_EQ(vd->grow_failures, 3);
	/* A chunk the device cannot reach (dma_capable()): mask, bus limit. */
	unmaps0 = vbh_chunk_unmaps;
	vd->dev->dma_mask = DMA_BIT_MASK(20);
	CHECK_EQ(vb_grow(vd, 0, GFP_KERNEL), -ERANGE);
	vd->dev->dma_mask = DMA_BIT_MASK(64);
	vd->dev->bus_dma_limit = DMA_BIT_MASK(20);
	CHECK_EQ(vb_grow(vd, 0, GFP_KERNEL), -ERANGE);
	vd->dev->bus_dma_limit = 0;
	CHECK_EQ(vbh_chunk_unmaps - unmaps0, 2);
	CHECK_EQ(vd->grow_failures, 5);
	CHECK_EQ(vb_shim_nr_warnings - warn0, 1);	/* warned once */
	CHECK_EQ(vd->pool_bytes, 0);
	CHECK(list_empty(&vd->all_chunks));

	/*
	 * The map path's inline grow fails; right after a failure the worker
	 * backs off (no new chunk); the next map grows inline again.
	 */
	vb_shim_fail_should_fail = 1;
	CHECK(!vbh_alloc(vd, 0));
	CHECK_EQ(vd->grow_failures, 6);
	CHECK_EQ(vb_shim_run_work(), 1);
	CHECK_EQ(vd->pool_bytes, 0);
	s = vbh_alloc(vd, 0);
	CHECK(s);
	CHECK_EQ(vd->pool_bytes, SZ_256K);
	CHECK_CONSISTENT(vd);

	/* A misaligned device address is refused and unmapped. */
	vs = vbh_create(&p);
	CHECK(vs);
	skew_unmaps = 0;
	CHECK_EQ(vb_grow(vs, 0, GFP_KERNEL), -ERANGE);
	CHECK_EQ(skew_unmaps, 1);
	CHECK_EQ(vs->pool_bytes, 0);
	CHECK_EQ(vs->grow_failures, 1);
	ok = true;
out:
	vb_shim_fail_should_fail = vb_shim_fail_pages = vb_shim_fail_kmalloc = 0;
	if (s)
		vb_slot_free(vd, s);
	vb_shim_run_work();
	vbh_destroy(vd);
	vbh_destroy(vs);
	return ok;
}

/*
 * vb_pool_init() failing half-way through the magazines: the N-th kmalloc
 * fails, for N = 1, 2, ... until init succeeds.  Each failure returns
 * -ENOMEM, frees all it allocated (vb_flush_caches() and
 * vb_pool_destroy() meet magazines never allocated) and leaves no
 * instance on the CPU hotplug state.  Without an initial pool the
 * magazines are the only kmallocs (8 CPUs x 7 cached classes x 2), so
 * N = 113 succeeds untouched; with pool_min = 1 MiB the 113th is the
 * first chunk's, whose failure vb_pool_init() tolerates (the next class
 * gets the room).
 */
#define IN_MAGS		(NR_CPUS * 7 * 2)

static bool test_init_nomem(void)
{
	struct vbh_params p = { .pool_max = 4 * SZ_1M };
	struct vb_shim_counts c0, c1;
	struct vb_dev *vd = NULL;
	int n, err, pass;
	bool hit, ok = false;

	for (pass = 0; pass < 2; pass++) {
		p.pool_min = pass ? SZ_1M : 0;
		for (n = 1; n <= IN_MAGS + 1; n++) {
			vb_shim_counts(&c0);
			vb_shim_fail_kmalloc_nth = n;
			vd = vbh_create_err(&p, &err);
			hit = !vb_shim_fail_kmalloc_nth;
			vb_shim_fail_kmalloc_nth = 0;
			if (vd)
				break;
			if (!hit || err != -ENOMEM)
				FAIL("pool_min %zu, N = %d: error %d, failure %sinjected",
				     p.pool_min, n, err, hit ? "" : "not ");
			vb_shim_counts(&c1);
			if (memcmp(&c0, &c1, sizeof(c0)))
				FAIL("pool_min %zu, N = %d: leak: %ld kmalloc, %ld percpu, %ld cpuhp instances",
				     p.pool_min, n, c1.kmalloc - c0.kmalloc,
				     c1.percpu - c0.percpu,
				     c1.cpuhp_instances - c0.cpuhp_instances);
		}
		CHECK(vd);
		CHECK_EQ(n, IN_MAGS + 1);
		CHECK_EQ(hit, pass);
		/* Class 0 failed: classes 1 to 4 share pool_min instead. */
		CHECK_EQ(vd->pool_bytes, pass ? SZ_1M : 0);
		CHECK_EQ(vd->cls[0].nr_chunks, 0);
		CHECK_EQ(vd->cls[4].nr_chunks, pass);
		CHECK_EQ(vd->grow_failures, pass);
		vb_shim_counts(&c1);
		CHECK_EQ(c1.cpuhp_instances - c0.cpuhp_instances, 1);
		CHECK(!hlist_unhashed(&vd->cpuhp));
		CHECK_CONSISTENT(vd);
		vbh_destroy(vd);
		vd = NULL;
	}
	ok = true;
out:
	vb_shim_fail_kmalloc_nth = 0;
	vbh_destroy(vd);
	return ok;
}

/*
 * Two threads, each its own simulated CPU, allocate and free slots of
 * four classes (three cached, one not) and hand some slots to each other
 * to free on the other CPU.  The first byte of a slot is its in-use flag,
 * flipped atomically: a slot handed out twice or freed twice shows.
 */
#define CC_ITERS	1000000
#define CC_HELD		48
#define CC_BOX		64

static const unsigned int cc_classes[] = { 0, 3, 6, 7 };

struct cc_box {
	spinlock_t lock;
	unsigned int n;
	struct vb_slot *q[CC_BOX];
};

struct cc_thread {
	pthread_t tid;
	struct vb_dev *vd;
	unsigned int cpu;
	struct cc_box *in, *out;
	unsigned long allocs, frees, nulls, errors;
	char err[160];
};

static pthread_barrier_t cc_barrier;

static void cc_error(struct cc_thread *t, const char *msg, struct vb_slot *s)
{
	if (!t->errors++)
		snprintf(t->err, sizeof(t->err), "cpu %u: %s (slot %p)",
			 t->cpu, msg, (void *)s);
}

static void cc_free(struct cc_thread *t, struct vb_slot *s)
{
	if (__atomic_exchange_n((char *)vb_slot_vaddr(s), 0, __ATOMIC_ACQ_REL) != 1)
		cc_error(t, "slot freed while not in use", s);
	vb_slot_free(t->vd, s);
	t->frees++;
}

static void cc_drain_box(struct cc_thread *t)
{
	struct vb_slot *q[CC_BOX];
	unsigned int i, n;

	spin_lock(&t->in->lock);
	n = t->in->n;
	memcpy(q, t->in->q, n * sizeof(q[0]));
	t->in->n = 0;
	spin_unlock(&t->in->lock);
	for (i = 0; i < n; i++)
		cc_free(t, q[i]);
}

static void *cc_main(void *arg)
{
	struct cc_thread *t = arg;
	struct vb_slot *held[CC_HELD];
	unsigned int n = 0, i, seed = 0x9e3779b9u * (t->cpu + 1);

	vb_shim_set_cpu(t->cpu);
	pthread_barrier_wait(&cc_barrier);
	for (i = 0; i < CC_ITERS; i++) {
		unsigned int r = rand_r(&seed);

		if (n < CC_HELD && (n == 0 || (r & 1))) {
			unsigned int cls = cc_classes[(r >> 1) % ARRAY_SIZE(cc_classes)];
			struct vb_slot *s = vbh_alloc(t->vd, cls);

			if (!s) {
				t->nulls++;
				continue;
			}
			t->allocs++;
			if (__atomic_exchange_n((char *)vb_slot_vaddr(s), 1,
						__ATOMIC_ACQ_REL) != 0)
				cc_error(t, "slot handed out twice", s);
			if (s->chunk->cls->idx != cls)
				cc_error(t, "slot of the wrong class", s);
			if (!(r & 0x70) && vb_find_slot(t->vd, vb_slot_dma(s)) != s)
				cc_error(t, "vb_find_slot() mismatch", s);
			held[n++] = s;
		} else {
			unsigned int j = (r >> 1) % n;
			struct vb_slot *s = held[j];

			held[j] = held[--n];
			if (!(r & 0x1c)) {
				/* Hand it to the other CPU, which frees it. */
				spin_lock(&t->out->lock);
				if (t->out->n < CC_BOX) {
					t->out->q[t->out->n++] = s;
					s = NULL;
				}
				spin_unlock(&t->out->lock);
			}
			if (s)
				cc_free(t, s);
		}
		if (!(i & 63))
			cc_drain_box(t);
	}
	while (n)
		cc_free(t, held[--n]);
	/* Nothing is handed over after this point. */
	pthread_barrier_wait(&cc_barrier);
	cc_drain_box(t);
	return NULL;
}

static bool test_concurrent(void)
{
	struct vb_dev *vd = mkdev(0, 8 * SZ_1M);
	struct cc_box box[2];
	struct cc_thread t[2];
	unsigned long allocs = 0, frees = 0;
	bool ok = false;
	unsigned int i;

	CHECK(vd);
	memset(box, 0, sizeof(box));
	memset(t, 0, sizeof(t));
	pthread_barrier_init(&cc_barrier, NULL, 2);
	for (i = 0; i < 2; i++) {
		spin_lock_init(&box[i].lock);
		t[i].vd = vd;
		t[i].cpu = i;
		t[i].in = &box[i];
		t[i].out = &box[1 - i];
	}
	for (i = 0; i < 2; i++)
		CHECK(!pthread_create(&t[i].tid, NULL, cc_main, &t[i]));
	for (i = 0; i < 2; i++)
		pthread_join(t[i].tid, NULL);
	pthread_barrier_destroy(&cc_barrier);
	for (i = 0; i < 2; i++) {
		if (t[i].errors)
			FAIL("%lu errors, first: %s", t[i].errors, t[i].err);
		allocs += t[i].allocs;
		frees += t[i].frees;
		if (verbose)
			printf("  cpu %u: %lu allocs, %lu frees, %lu exhausted\n",
			       i, t[i].allocs, t[i].frees, t[i].nulls);
	}
	CHECK_EQ(frees, allocs);
	CHECK(allocs > CC_ITERS / 2);
	/* Each thread counted on its own CPU only. */
	for (i = 0; i < NR_CPUS; i++) {
		unsigned long h = per_cpu_ptr(vd->stats, i)->v[VB_STAT_CACHE_HITS];

		CHECK_EQ(h > 0, i < 2);
	}
	CHECK_CONSISTENT(vd);
	vb_flush_caches(vd);
	for (i = 0; i < VB_NR_CLASSES; i++) {
		CHECK_EQ(vd->cls[i].out, 0);
		CHECK_EQ(vd->cls[i].depot_len, 0);
	}
	CHECK_CONSISTENT(vd);
	vb_shim_run_work();
	CHECK_EQ(vb_shrink(vd, 0, -1, false), vd->grows);
	CHECK_EQ(vd->pool_bytes, 0);
	ok = true;
out:
	vb_shim_run_work();
	vbh_destroy(vd);
	return ok;
}

/* ---- runner ------------------------------------------------------------ */

static void run(const char *name, bool (*fn)(void))
{
	unsigned long err0 = vb_shim_nr_errors, warn0 = vb_shim_nr_warn_ons;
	struct vb_shim_counts c0, c1;
	bool ok;

	why[0] = '\0';
	vb_shim_set_cpu(0);
	vb_shim_counts(&c0);
	ok = fn();
	vb_shim_counts(&c1);
	if (ok && vb_shim_nr_errors != err0) {
		ok = false;
		snprintf(why, sizeof(why), "%lu dev_err() messages",
			 vb_shim_nr_errors - err0);
	}
	if (ok && vb_shim_nr_warn_ons != warn0) {
		ok = false;
		snprintf(why, sizeof(why), "%lu WARN_ON()s",
			 vb_shim_nr_warn_ons - warn0);
	}
	if (ok && memcmp(&c0, &c1, sizeof(c0))) {
		ok = false;
		snprintf(why, sizeof(why),
			 "leak: %ld kmalloc, %ld page blocks (%ld bytes), %ld percpu, %ld cpuhp instances",
			 c1.kmalloc - c0.kmalloc, c1.pages - c0.pages,
			 c1.page_bytes - c0.page_bytes, c1.percpu - c0.percpu,
			 c1.cpuhp_instances - c0.cpuhp_instances);
	}
	if (ok && vb_shim_pending_work()) {
		ok = false;
		snprintf(why, sizeof(why), "work left queued");
	}
	if (ok) {
		n_pass++;
		printf("PASS %s\n", name);
	} else {
		n_fail++;
		printf("FAIL %s: %s\n", name, why);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	verbose = argc > 1 && !strcmp(argv[1], "-v");
	vb_shim_quiet = !verbose;

	run("size_class", test_size_class);
	run("footprint", test_footprint);
	run("every_class", test_every_class);
	run("hot_cache", test_hot_cache);
	run("prefill", test_prefill);
	run("exhaustion_cached", test_exhaustion_cached);
	run("exhaustion_uncached", test_exhaustion_uncached);
	run("grow_worker", test_grow_worker);
	if (VBH_HAS_MAY_GROW)
		run("alloc_no_grow", test_alloc_no_grow);
	run("pcpu_cache", test_pcpu_cache);
	run("flush_nomem", test_flush_nomem);
	run("shrink", test_shrink);
	run("reclaim", test_reclaim);
	run("reclaim_overshoot", test_reclaim_overshoot);
	run("cpu_dead", test_cpu_dead);
	run("grow_failures", test_grow_failures);
	run("init_nomem", test_init_nomem);
	run("concurrent_2cpu", test_concurrent);

	printf("userspace: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
