// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line part of the userspace kernel API shim for the virtio_bounce
 * pool harness: allocators, per-CPU areas, the xarray, deferred work.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "vb_shim.h"

__thread unsigned int vb_shim_cpu;

bool vb_shim_quiet;
unsigned long vb_shim_nr_warnings;
unsigned long vb_shim_nr_errors;

int vb_shim_fail_should_fail;
int vb_shim_fail_kmalloc;
int vb_shim_fail_pages;

static long live_kmalloc, live_pages, live_page_bytes, live_percpu;

static void count(long *c, long delta)
{
	__atomic_add_fetch(c, delta, __ATOMIC_RELAXED);
}

/* Consume one injected failure, if any is armed. */
static bool take_failure(int *armed)
{
	int n = __atomic_load_n(armed, __ATOMIC_RELAXED);

	while (n > 0) {
		if (__atomic_compare_exchange_n(armed, &n, n - 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

void vb_shim_set_cpu(unsigned int cpu)
{
	if (cpu >= NR_CPUS) {
		fprintf(stderr, "vb_shim_set_cpu(%u): only %d CPUs\n", cpu, NR_CPUS);
		abort();
	}
	vb_shim_cpu = cpu;
}

void vb_shim_counts(struct vb_shim_counts *c)
{
	c->kmalloc = __atomic_load_n(&live_kmalloc, __ATOMIC_RELAXED);
	c->pages = __atomic_load_n(&live_pages, __ATOMIC_RELAXED);
	c->page_bytes = __atomic_load_n(&live_page_bytes, __ATOMIC_RELAXED);
	c->percpu = __atomic_load_n(&live_percpu, __ATOMIC_RELAXED);
}

/* ---- slab, pages, per-CPU ---------------------------------------------- */

void *vb_shim_kmalloc(size_t size, gfp_t flags)
{
	void *p;

	if (take_failure(&vb_shim_fail_kmalloc))
		return NULL;
	p = (flags & __GFP_ZERO) ? calloc(1, size ? size : 1) :
				   malloc(size ? size : 1);
	if (p)
		count(&live_kmalloc, 1);
	return p;
}

void vb_shim_kfree(const void *p)
{
	if (!p)
		return;
	count(&live_kmalloc, -1);
	free((void *)p);
}

struct page *vb_shim_alloc_pages(gfp_t gfp, unsigned int order)
{
	size_t bytes = PAGE_SIZE << order;
	void *p;

	if (take_failure(&vb_shim_fail_pages))
		return NULL;
	/* Naturally aligned, as the buddy allocator's blocks are. */
	p = aligned_alloc(bytes, bytes);
	if (!p)
		return NULL;
	if (gfp & __GFP_ZERO)
		memset(p, 0, bytes);
	count(&live_pages, 1);
	count(&live_page_bytes, (long)bytes);
	return (struct page *)p;
}

void vb_shim_free_pages(void *addr, unsigned int order)
{
	count(&live_pages, -1);
	count(&live_page_bytes, -(long)(PAGE_SIZE << order));
	free(addr);
}

void *vb_shim_alloc_percpu(size_t size, size_t align)
{
	void *p;

	if (size > VB_PCPU_UNIT || align > VB_PCPU_UNIT)
		return NULL;
	p = aligned_alloc(VB_PCPU_UNIT, NR_CPUS * VB_PCPU_UNIT);
	if (!p)
		return NULL;
	memset(p, 0, NR_CPUS * VB_PCPU_UNIT);
	count(&live_percpu, 1);
	return p;
}

void vb_shim_free_percpu(void *p)
{
	if (!p)
		return;
	count(&live_percpu, -1);
	free(p);
}

void on_each_cpu(smp_call_func_t func, void *info, int wait)
{
	unsigned int saved = vb_shim_cpu, cpu;

	(void)wait;
	for (cpu = 0; cpu < NR_CPUS; cpu++) {
		vb_shim_cpu = cpu;
		func(info);
	}
	vb_shim_cpu = saved;
}

bool should_fail(struct fault_attr *attr, ssize_t size)
{
	(void)size;
	if (!take_failure(&vb_shim_fail_should_fail))
		return false;
	attr->count++;
	return true;
}

/* ---- xarray ------------------------------------------------------------ */

static unsigned int xa_hash(unsigned long index)
{
	return (unsigned int)((index * 0x9E3779B97F4A7C15ULL) >> 54) %
	       VB_SHIM_XA_BUCKETS;
}

void xa_init_flags(struct xarray *xa, unsigned int flags)
{
	memset(xa, 0, sizeof(*xa));
	pthread_rwlock_init(&xa->lock, NULL);
	xa->flags = flags;
}

void xa_destroy(struct xarray *xa)
{
	unsigned int i;

	xa_lock(xa);
	for (i = 0; i < VB_SHIM_XA_BUCKETS; i++) {
		struct vb_shim_xa_node *n = xa->bucket[i];

		while (n) {
			struct vb_shim_xa_node *next = n->next;

			free(n);
			n = next;
		}
		xa->bucket[i] = NULL;
	}
	xa->count = 0;
	xa_unlock(xa);
}

static struct vb_shim_xa_node **xa_slot(struct xarray *xa, unsigned long index)
{
	struct vb_shim_xa_node **pp = &xa->bucket[xa_hash(index)];

	while (*pp && (*pp)->index != index)
		pp = &(*pp)->next;
	return pp;
}

void *xa_load(struct xarray *xa, unsigned long index)
{
	struct vb_shim_xa_node *n;
	void *entry;

	pthread_rwlock_rdlock(&xa->lock);
	n = *xa_slot(xa, index);
	entry = n ? n->entry : NULL;
	pthread_rwlock_unlock(&xa->lock);
	return entry;
}

void *__xa_store(struct xarray *xa, unsigned long index, void *entry,
		 gfp_t gfp)
{
	struct vb_shim_xa_node **pp = xa_slot(xa, index), *n = *pp;
	void *old;

	(void)gfp;
	if (!entry)
		return __xa_erase(xa, index);
	if (n) {
		old = n->entry;
		n->entry = entry;
		return old;
	}
	n = malloc(sizeof(*n));
	if (!n)
		return ERR_PTR(-ENOMEM);
	n->index = index;
	n->entry = entry;
	n->next = NULL;
	*pp = n;
	xa->count++;
	return NULL;
}

int __xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	void *old;

	if (*xa_slot(xa, index))
		return -EBUSY;
	old = __xa_store(xa, index, entry, gfp);
	return IS_ERR(old) ? (int)PTR_ERR(old) : 0;
}

void *__xa_erase(struct xarray *xa, unsigned long index)
{
	struct vb_shim_xa_node **pp = xa_slot(xa, index), *n = *pp;
	void *old;

	if (!n)
		return NULL;
	*pp = n->next;
	old = n->entry;
	free(n);
	xa->count--;
	return old;
}

/* ---- workqueues -------------------------------------------------------- */

static struct workqueue_struct *const dummy_wq;
struct workqueue_struct *system_wq = (struct workqueue_struct *)&dummy_wq;
struct workqueue_struct *system_unbound_wq = (struct workqueue_struct *)&dummy_wq;

static DEFINE_SPINLOCK(work_lock);
static struct work_struct *work_head;	/* FIFO through ->next */

bool queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	struct work_struct **pp;

	(void)wq;
	if (__atomic_exchange_n(&work->pending, 1, __ATOMIC_ACQ_REL))
		return false;
	spin_lock(&work_lock);
	for (pp = &work_head; *pp; pp = &(*pp)->next)
		;
	work->next = NULL;
	*pp = work;
	spin_unlock(&work_lock);
	return true;
}

static bool dequeue(struct work_struct *work)
{
	struct work_struct **pp;

	for (pp = &work_head; *pp; pp = &(*pp)->next) {
		if (*pp == work) {
			*pp = work->next;
			work->next = NULL;
			return true;
		}
	}
	return false;
}

bool cancel_work_sync(struct work_struct *work)
{
	bool was;

	spin_lock(&work_lock);
	was = dequeue(work);
	__atomic_store_n(&work->pending, 0, __ATOMIC_RELEASE);
	spin_unlock(&work_lock);
	return was;
}

unsigned int vb_shim_run_work(void)
{
	unsigned int ran = 0;

	for (;;) {
		struct work_struct *work;

		spin_lock(&work_lock);
		work = work_head;
		if (work) {
			work_head = work->next;
			work->next = NULL;
			/* Cleared before it runs: it may be queued again. */
			__atomic_store_n(&work->pending, 0, __ATOMIC_RELEASE);
		}
		spin_unlock(&work_lock);
		if (!work)
			return ran;
		work->func(work);
		ran++;
	}
}

unsigned int vb_shim_pending_work(void)
{
	struct work_struct *w;
	unsigned int n = 0;

	spin_lock(&work_lock);
	for (w = work_head; w; w = w->next)
		n++;
	spin_unlock(&work_lock);
	return n;
}

bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay)
{
	(void)wq;
	if (__atomic_exchange_n(&dw->work.pending, 1, __ATOMIC_ACQ_REL))
		return false;
	dw->delay = delay;
	return true;
}

bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	return __atomic_exchange_n(&dw->work.pending, 0, __ATOMIC_ACQ_REL);
}

bool vb_shim_run_delayed(struct delayed_work *dw)
{
	if (!__atomic_exchange_n(&dw->work.pending, 0, __ATOMIC_ACQ_REL))
		return false;
	dw->work.func(&dw->work);
	return true;
}
