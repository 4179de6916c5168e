// SPDX-License-Identifier: GPL-2.0
/*
 * What claiming a slot atomically at unmap costs, natively.
 *
 * vb_unmap_one() used to check the slot's state and later store
 * VB_SLOT_FREE; two racing unmaps of one mapping could both pass the
 * check and free the slot twice.  It now claims the slot with one
 * cmpxchg() of the state byte.  This times both forms on a slot-sized
 * structure in this CPU's cache, as in an unmap that follows its map on
 * the same CPU, and prints ns per operation, medians and p10..p90 over
 * repetitions, and the difference.
 *
 * Built against tools/include and run by `make bench-claim`.
 */
#include <linux/compiler.h>	/* tools/include: READ_ONCE(), __aligned() */
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define OPS	16777216
#define REPS	15
#define NSLOTS	64	/* slots of 32 bytes, as struct vb_slot */

struct slot {
	u64 orig;
	u32 len, offset;
	u16 idx;
	u8 dir;
	u8 state;
	u8 pad[12];
};

static struct slot slots[NSLOTS] __aligned(64);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Before: check, then a plain store (the map stores MAPPED again). */
static unsigned long run_plain(void)
{
	unsigned long bad = 0;
	int i;

	for (i = 0; i < OPS; i++) {
		struct slot *s = &slots[i & (NSLOTS - 1)];

		if (READ_ONCE(s->state) != 1)
			bad++;
		WRITE_ONCE(s->state, 0);
		WRITE_ONCE(s->state, 1);
	}
	return bad;
}

/* After: one cmpxchg claims the slot (the map stores MAPPED again). */
static unsigned long run_claim(void)
{
	unsigned long bad = 0;
	int i;

	for (i = 0; i < OPS; i++) {
		struct slot *s = &slots[i & (NSLOTS - 1)];

		if (__sync_val_compare_and_swap(&s->state, 1, 0) != 1)
			bad++;
		WRITE_ONCE(s->state, 1);
	}
	return bad;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	double plain[REPS], claim[REPS], diff[REPS];
	unsigned long bad = 0;
	int r, i;

	for (i = 0; i < NSLOTS; i++)
		WRITE_ONCE(slots[i].state, 1);
	for (r = 0; r < REPS; r++) {	/* interleaved, side by side */
		double t0 = now();

		bad += run_plain();
		plain[r] = (now() - t0) / OPS;
		t0 = now();
		bad += run_claim();
		claim[r] = (now() - t0) / OPS;
		diff[r] = claim[r] - plain[r];
	}
	if (bad) {
		printf("unmap_claim: %lu unexpected states, no result\n", bad);
		return 1;
	}
	qsort(plain, REPS, sizeof(double), cmp);
	qsort(claim, REPS, sizeof(double), cmp);
	qsort(diff, REPS, sizeof(double), cmp);
	printf("ns per unmap state change, median (p10..p90) over %d runs of %d\n",
	       REPS, OPS);
	printf("check + store (before): %.2f (%.2f..%.2f)\n", plain[REPS / 2],
	       plain[1], plain[REPS - 2]);
	printf("cmpxchg claim (after):  %.2f (%.2f..%.2f)\n", claim[REPS / 2],
	       claim[1], claim[REPS - 2]);
	printf("cost of the claim:      %.2f (%.2f..%.2f) ns per unmap\n",
	       diff[REPS / 2], diff[1], diff[REPS - 2]);
	return 0;
}
