/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness-side controls of the kernel API shim (shim.c): which simulated
 * CPU the calling thread is, CPU hotplug, running deferred work, fault
 * injection and allocation counters for leak checks.
 */
#ifndef _VB_SHIM_H
#define _VB_SHIM_H

#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>

/* Make the calling thread simulated CPU @cpu (0 .. NR_CPUS - 1). */
void vb_shim_set_cpu(unsigned int cpu);

/*
 * CPU hotplug, with the calling thread as the control CPU (it must not be
 * @cpu).  vb_shim_cpu_down() marks @cpu offline, then calls the teardown
 * callback of every state for each of its instances (PREPARE states: the
 * CPU is dead by then); vb_shim_cpu_up() marks it online and calls the
 * startup callbacks.  Both hold the hotplug lock for writing.
 * Return: callbacks called, or -EINVAL (bad, already down/up, the last
 * online CPU, or the caller's own CPU).
 */
int vb_shim_cpu_down(unsigned int cpu);
int vb_shim_cpu_up(unsigned int cpu);

/* Work items run bound to each CPU (queue_work_on() to an online CPU). */
extern unsigned long vb_shim_work_ran[NR_CPUS];

/* Run queued work items until none is pending; returns how many ran. */
unsigned int vb_shim_run_work(void);
/* Items queued and not yet run. */
unsigned int vb_shim_pending_work(void);
/* Run @dw now if it is pending (it may re-arm itself); false if not. */
bool vb_shim_run_delayed(struct delayed_work *dw);

/* Fault injection: the next N calls of each kind fail. */
extern int vb_shim_fail_should_fail;
extern int vb_shim_fail_kmalloc;
extern int vb_shim_fail_pages;
/*
 * Like the kernel's /proc/self/fail-nth for kmalloc: N > 0 makes the N-th
 * kmalloc()/kzalloc() from now fail, once.  It counts down on each call
 * and reads 0 once the failure was injected (still > 0: fewer calls).
 */
extern int vb_shim_fail_kmalloc_nth;

/* Live-object counters (allocations minus frees). */
struct vb_shim_counts {
	long kmalloc;
	long pages;
	long page_bytes;
	long percpu;
	long cpuhp_instances;		/* on any CPU hotplug state */
};
void vb_shim_counts(struct vb_shim_counts *c);

#endif /* _VB_SHIM_H */
