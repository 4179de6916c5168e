/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/workqueue.h>.
 *
 * Work is never run behind the harness's back: queue_work() puts the
 * item on one global pending list (at most once, like the kernel's
 * PENDING bit) and vb_shim_run_work() runs the list in the calling
 * thread.  Running it synchronously from queue_work() would deadlock,
 * since the pool queues its grow work with a class lock held.
 * Delayed work is only marked pending; vb_shim_run_delayed() runs one.
 * cancel_*_sync() take an item off the list.
 *
 * queue_work_on(cpu, ...) records @cpu in the item: whoever runs it
 * (vb_shim_run_work(), or flush_work(), which runs a pending item at once
 * in the calling thread, as if waiting for the kworker) sets vb_shim_cpu
 * to @cpu for the call, so smp_processor_id() and this_cpu_ptr() in it
 * see that CPU, as in a per-CPU kworker.  If @cpu went offline in the
 * meantime the item runs on the caller's CPU, as the kernel runs the
 * work of a dead CPU's (now unbound) pool elsewhere.  queue_work() is
 * queue_work_on(WORK_CPU_UNBOUND, ...): the item runs on the caller's CPU.
 */
#ifndef _VB_SHIM_LINUX_WORKQUEUE_H
#define _VB_SHIM_LINUX_WORKQUEUE_H

#include <linux/kernel.h>
#include <linux/percpu.h>

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

/* The kernel's value: NR_CPUS means "any CPU". */
#define WORK_CPU_UNBOUND	NR_CPUS

struct work_struct {
	work_func_t func;
	int pending;
	int cpu;			/* queue_work_on()'s, or WORK_CPU_UNBOUND */
	struct work_struct *next;
};

struct delayed_work {
	struct work_struct work;
	unsigned long delay;
};

struct workqueue_struct;
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_unbound_wq;
extern struct workqueue_struct *system_highpri_wq;

#define INIT_WORK(w, f) do {						\
	(w)->func = (f);						\
	(w)->pending = 0;						\
	(w)->cpu = WORK_CPU_UNBOUND;					\
	(w)->next = NULL;						\
} while (0)
#define INIT_DELAYED_WORK(dw, f) do {					\
	INIT_WORK(&(dw)->work, (f));					\
	(dw)->delay = 0;						\
} while (0)

static inline struct delayed_work *to_delayed_work(struct work_struct *work)
{
	return container_of(work, struct delayed_work, work);
}

bool queue_work_on(int cpu, struct workqueue_struct *wq,
		   struct work_struct *work);
/* True if @work was pending (it then ran, here, before the return). */
bool flush_work(struct work_struct *work);
bool cancel_work_sync(struct work_struct *work);
bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay);
bool cancel_delayed_work_sync(struct delayed_work *dw);

static inline bool queue_work(struct workqueue_struct *wq,
			      struct work_struct *work)
{
	return queue_work_on(WORK_CPU_UNBOUND, wq, work);
}

static inline bool schedule_work(struct work_struct *work)
{
	return queue_work(system_wq, work);
}

static inline bool schedule_delayed_work(struct delayed_work *dw,
					 unsigned long delay)
{
	return queue_delayed_work(system_wq, dw, delay);
}

static inline bool work_pending(const struct work_struct *work)
{
	return __atomic_load_n(&work->pending, __ATOMIC_ACQUIRE);
}

static inline bool delayed_work_pending(const struct delayed_work *dw)
{
	return work_pending(&dw->work);
}

#endif /* _VB_SHIM_LINUX_WORKQUEUE_H */
