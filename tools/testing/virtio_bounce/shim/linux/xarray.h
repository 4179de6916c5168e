/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/xarray.h>: a chained hash table keyed by the
 * index, behind a pthread rwlock.  xa_lock*() take it for writing (the
 * __xa_*() calls expect it held, as in the kernel), xa_load() for
 * reading, so a lookup is safe against concurrent stores and erases.
 * Only the calls the pool and its users make are provided.
 */
#ifndef _VB_SHIM_LINUX_XARRAY_H
#define _VB_SHIM_LINUX_XARRAY_H

#include <pthread.h>

#include <linux/gfp.h>

#define XA_FLAGS_LOCK_IRQ	1u
#define XA_FLAGS_LOCK_BH	2u
#define XA_FLAGS_ALLOC		4u
#define VB_SHIM_XA_BUCKETS	1024

struct vb_shim_xa_node {
	struct vb_shim_xa_node *next;
	unsigned long index;
	void *entry;
};

struct xarray {
	pthread_rwlock_t lock;
	unsigned int flags;
	unsigned long count;
	struct vb_shim_xa_node *bucket[VB_SHIM_XA_BUCKETS];
};

void xa_init_flags(struct xarray *xa, unsigned int flags);
void xa_destroy(struct xarray *xa);
void *xa_load(struct xarray *xa, unsigned long index);
int __xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
void *__xa_erase(struct xarray *xa, unsigned long index);
void *__xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);

static inline void xa_init(struct xarray *xa)
{
	xa_init_flags(xa, 0);
}

static inline void vb_shim_xa_lock(struct xarray *xa)
{
	pthread_rwlock_wrlock(&xa->lock);
}

static inline void vb_shim_xa_unlock(struct xarray *xa)
{
	pthread_rwlock_unlock(&xa->lock);
}

#define xa_lock(xa)			vb_shim_xa_lock(xa)
#define xa_unlock(xa)			vb_shim_xa_unlock(xa)
#define xa_lock_irq(xa)			vb_shim_xa_lock(xa)
#define xa_unlock_irq(xa)		vb_shim_xa_unlock(xa)
#define xa_lock_bh(xa)			vb_shim_xa_lock(xa)
#define xa_unlock_bh(xa)		vb_shim_xa_unlock(xa)
#define xa_lock_irqsave(xa, flags)					\
	do { (flags) = 0; vb_shim_xa_lock(xa); } while (0)
#define xa_unlock_irqrestore(xa, flags)					\
	do { vb_shim_xa_unlock(xa); (void)(flags); } while (0)

static inline int xa_insert(struct xarray *xa, unsigned long index,
			    void *entry, gfp_t gfp)
{
	int err;

	xa_lock(xa);
	err = __xa_insert(xa, index, entry, gfp);
	xa_unlock(xa);
	return err;
}

static inline void *xa_erase(struct xarray *xa, unsigned long index)
{
	void *old;

	xa_lock(xa);
	old = __xa_erase(xa, index);
	xa_unlock(xa);
	return old;
}

static inline void *xa_store(struct xarray *xa, unsigned long index,
			     void *entry, gfp_t gfp)
{
	void *old;

	xa_lock(xa);
	old = __xa_store(xa, index, entry, gfp);
	xa_unlock(xa);
	return old;
}

static inline bool xa_empty(struct xarray *xa)
{
	return !__atomic_load_n(&xa->count, __ATOMIC_RELAXED);
}

static inline bool xa_is_err(const void *entry)
{
	return IS_ERR(entry);
}

#endif /* _VB_SHIM_LINUX_XARRAY_H */
