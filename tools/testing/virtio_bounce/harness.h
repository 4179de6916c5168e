/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by test.c and bench.c: create a struct vb_dev around the real
 * pool code (kernel/dma/virtio_bounce_pool.c) and call into it.
 */
#ifndef _VB_HARNESS_H
#define _VB_HARNESS_H

#include <linux/bitmap.h>

#include "virtio_bounce_internal.h"
/* vb_kernel.h: -include on the command line */

#ifndef SZ_1K
#define SZ_1K		1024UL
#define SZ_256K		(256 * SZ_1K)
#define SZ_1M		(1024 * SZ_1K)
#endif

struct vbh_params {
	const struct vb_backend_ops *be;	/* default &vbh_backend */
	size_t pool_min;
	size_t pool_max;
	size_t reserve;				/* 0: pool_min (none when 1:1 + atomic) */
	unsigned int max_shift;			/* 0: the backend's */
	bool direct_ok;				/* 1:1 path (empty start if atomic) */
	unsigned long shrink_interval;
	u64 dma_mask;				/* 0: 64 bits */
};

struct vb_dev *vbh_create(const struct vbh_params *p);
/* The same; on failure *@err is vb_pool_init()'s error (0 on success). */
struct vb_dev *vbh_create_err(const struct vbh_params *p, int *err);
void vbh_destroy(struct vb_dev *vd);

/*
 * What the pool keeps private (pool.c, which includes it): the slots in
 * @cpu's loaded and previous magazines of class @cls, whether @cpu's
 * flush work item is pending, and the size of a magazine.
 */
void vbh_mags(struct vb_dev *vd, unsigned int cpu, unsigned int cls,
	      unsigned int *loaded, unsigned int *prev);
bool vbh_flush_pending(struct vb_dev *vd, unsigned int cpu);
size_t vbh_mag_bytes(void);

extern const struct vb_backend_ops vbh_backend;

/* Calls made to the harness backends' chunk_map / chunk_unmap. */
extern unsigned long vbh_chunk_maps, vbh_chunk_unmaps;
/* The gfp the pool passed to the last vbh_backend chunk_map call. */
extern gfp_t vbh_last_map_gfp;

/*
 * vb_slot_alloc() with may_grow = true.  The working tree has had both
 * vb_slot_alloc(vd, cls) and vb_slot_alloc(vd, cls, may_grow); _Generic
 * on the function's type picks the caller that matches the prototype in
 * virtio_bounce_internal.h, so the harness builds against either (the
 * two-argument one ignores @may_grow).
 */
typedef struct vb_slot *(*vbh_alloc2_t)(struct vb_dev *, unsigned int);
typedef struct vb_slot *(*vbh_alloc3_t)(struct vb_dev *, unsigned int, bool);

static __always_inline struct vb_slot *
vbh_call2(void *fn, struct vb_dev *vd, unsigned int cls, bool may_grow)
{
	return ((vbh_alloc2_t)fn)(vd, cls);
}

static __always_inline struct vb_slot *
vbh_call3(void *fn, struct vb_dev *vd, unsigned int cls, bool may_grow)
{
	return ((vbh_alloc3_t)fn)(vd, cls, may_grow);
}

#define VBH_HAS_MAY_GROW						\
	_Generic(&vb_slot_alloc, vbh_alloc3_t: 1, default: 0)
#define vbh_alloc_mg(vd, cls, may_grow)					\
	_Generic(&vb_slot_alloc, vbh_alloc3_t: vbh_call3, default: vbh_call2) \
		((void *)vb_slot_alloc, (vd), (cls), (may_grow))
#define vbh_alloc(vd, cls)	vbh_alloc_mg(vd, cls, true)

#endif /* _VB_HARNESS_H */
