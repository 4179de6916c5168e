/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/rcupdate.h>.
 *
 * Read-side sections are compiler barriers.  synchronize_rcu() is a full
 * barrier, not a grace period: the xarray shim's xa_load() takes a read
 * lock, so once an entry is erased no new lookup finds it, but a pointer
 * a reader obtained before the erase is not protected.  The harness only
 * shrinks the pool (the one caller that frees after synchronize_rcu())
 * while no other thread looks chunks up.
 */
#ifndef _VB_SHIM_LINUX_RCUPDATE_H
#define _VB_SHIM_LINUX_RCUPDATE_H

#include <linux/kernel.h>

#define rcu_read_lock()			barrier()
#define rcu_read_unlock()		barrier()
/*
 * The kernel's rcu_dereference() orders the loads through the pointer
 * after the pointer's (address dependency); __ATOMIC_CONSUME says so to
 * the compiler and to ThreadSanitizer (GCC makes it an acquire: a plain
 * load on x86).  A relaxed load let TSan see the fields of a chunk just
 * published by rcu_assign_pointer() as racing with their initialisation.
 */
#define rcu_dereference(p)		__atomic_load_n(&(p), __ATOMIC_CONSUME)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_access_pointer(p)		READ_ONCE(p)
#define rcu_assign_pointer(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE(p, v)

/* A full barrier (a seq_cst RMW: ThreadSanitizer does not model fences). */
static inline void synchronize_rcu(void)
{
	static unsigned long gp;

	__atomic_add_fetch(&gp, 1, __ATOMIC_SEQ_CST);
}

#endif /* _VB_SHIM_LINUX_RCUPDATE_H */
