/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/atomic.h>: only atomic_long_t, on GCC builtins. */
#ifndef _VB_SHIM_LINUX_ATOMIC_H
#define _VB_SHIM_LINUX_ATOMIC_H

typedef struct {
	long counter;
} atomic_long_t;

static inline long atomic_long_read(const atomic_long_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline void atomic_long_inc(atomic_long_t *v)
{
	__atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);
}

static inline void atomic_long_dec(atomic_long_t *v)
{
	__atomic_sub_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);
}

#endif /* _VB_SHIM_LINUX_ATOMIC_H */
