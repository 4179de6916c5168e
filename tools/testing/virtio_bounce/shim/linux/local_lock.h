/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/local_lock.h>.
 *
 * A local lock only excludes other code on the same CPU (the task on it
 * being preempted or migrated, and interrupt handlers).  In the harness
 * each thread owns its simulated CPU exclusively (vb_shim_cpu is
 * thread-local and no two threads are given the same id) and there are
 * no interrupts or migration, so the lock is a no-op.  The one kernel
 * case it would exclude, a work item queued on the CPU with
 * queue_work_on() running while a map or unmap there is preempted, cannot
 * be modelled: the shim runs such work in whichever thread calls
 * vb_shim_run_work() or flush_work(), with vb_shim_cpu set to the work's
 * CPU (see workqueue.h), so the harness does that only while the other
 * simulated CPUs are quiescent.
 */
#ifndef _VB_SHIM_LINUX_LOCAL_LOCK_H
#define _VB_SHIM_LINUX_LOCAL_LOCK_H

#include <linux/percpu.h>

typedef struct {
	char unused;
} local_lock_t;

#define INIT_LOCAL_LOCK(name)		{ 0 }
#define local_lock_init(lock)		do { (void)(lock); } while (0)
#define local_lock(lock)		do { (void)(lock); barrier(); } while (0)
#define local_unlock(lock)		do { barrier(); (void)(lock); } while (0)
#define local_lock_irq(lock)		local_lock(lock)
#define local_unlock_irq(lock)		local_unlock(lock)
#define local_lock_irqsave(lock, flags)					\
	do { (void)(lock); (flags) = 0; barrier(); } while (0)
#define local_unlock_irqrestore(lock, flags)				\
	do { barrier(); (void)(lock); (void)(flags); } while (0)

#endif /* _VB_SHIM_LINUX_LOCAL_LOCK_H */
