/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timing and order statistics shared by the pool benchmark (bench.c) and
 * the map-path benchmark (mapbench.c).
 */
#ifndef _VB_BENCH_STATS_H
#define _VB_BENCH_STATS_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct dist {
	double p10, p50, p90;
};

/* Nearest rank on the sorted samples. */
static inline struct dist distribution(const double *v, int n)
{
	double *s = malloc(n * sizeof(*s));
	struct dist d;

	if (!s)
		abort();
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	d.p10 = s[(int)(0.1 * (n - 1) + 0.5)];
	d.p50 = s[(int)(0.5 * (n - 1) + 0.5)];
	d.p90 = s[(int)(0.9 * (n - 1) + 0.5)];
	free(s);
	return d;
}

#endif /* _VB_BENCH_STATS_H */
