/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/slab.h>: malloc/calloc/free, with a count of
 * live objects (leak checks) and an injectable failure count.
 */
#ifndef _VB_SHIM_LINUX_SLAB_H
#define _VB_SHIM_LINUX_SLAB_H

#include <linux/gfp.h>

void *vb_shim_kmalloc(size_t size, gfp_t flags);
void vb_shim_kfree(const void *p);

static inline void *kmalloc(size_t size, gfp_t flags)
{
	return vb_shim_kmalloc(size, flags);
}

static inline void *kzalloc(size_t size, gfp_t flags)
{
	return vb_shim_kmalloc(size, flags | __GFP_ZERO);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kmalloc(n * size, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

static inline void kfree(const void *p)
{
	vb_shim_kfree(p);
}

#endif /* _VB_SHIM_LINUX_SLAB_H */
