/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness-side controls of the kernel API shim (shim.c): which simulated
 * CPU the calling thread is, running deferred work, fault injection and
 * allocation counters for leak checks.
 */
#ifndef _VB_SHIM_H
#define _VB_SHIM_H

#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>

/* Make the calling thread simulated CPU @cpu (0 .. NR_CPUS - 1). */
void vb_shim_set_cpu(unsigned int cpu);

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

/* Live-object counters (allocations minus frees). */
struct vb_shim_counts {
	long kmalloc;
	long pages;
	long page_bytes;
	long percpu;
};
void vb_shim_counts(struct vb_shim_counts *c);

#endif /* _VB_SHIM_H */
