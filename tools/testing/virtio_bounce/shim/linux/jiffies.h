/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: jiffies from CLOCK_MONOTONIC at HZ = 1000. */
#ifndef _SHIM_LINUX_JIFFIES_H
#define _SHIM_LINUX_JIFFIES_H

#include <time.h>

#define HZ 1000

static inline unsigned long vb_shim_jiffies(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * HZ + ts.tv_nsec / (1000000000 / HZ);
}

#define jiffies vb_shim_jiffies()
#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)

#endif
