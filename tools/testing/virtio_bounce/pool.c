// SPDX-License-Identifier: GPL-2.0
/*
 * kernel/dma/virtio_bounce_pool.c, included unchanged (as
 * tools/testing/vma/vma.c includes mm/vma.c), so that the tests can look
 * at what the pool keeps private: the per-CPU magazines.
 */
#include VB_POOL_C

#include "harness.h"

/* The harness's view must match the pool's own (VB_MAG_SIZE slots). */
static_assert(sizeof(((struct vb_mag *)0)->slot) ==
	      VB_MAG_SIZE * sizeof(struct vb_slot *));

void vbh_mags(struct vb_dev *vd, unsigned int cpu, unsigned int cls,
	      unsigned int *loaded, unsigned int *prev)
{
	struct vb_cpu_class *pc = &per_cpu_ptr(vd->pcpu, cpu)->c[cls];

	*loaded = pc->loaded->n;
	*prev = pc->prev->n;
}

bool vbh_flush_pending(struct vb_dev *vd, unsigned int cpu)
{
	return work_pending(&per_cpu_ptr(vd->pcpu, cpu)->flush);
}

size_t vbh_mag_bytes(void)
{
	return sizeof(struct vb_mag);
}
