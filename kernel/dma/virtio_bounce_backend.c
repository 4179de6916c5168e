// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce backends.
 *
 * A backend gives each pool chunk its device address, once, when the
 * chunk is made: "identity" (the device sees physical addresses) and
 * "parent" (the chunk is mapped through the device's previous DMA path:
 * IOMMU-DMA, arch ops or dma-direct) are here, "xen" is in
 * virtio_bounce_xen.c.
 *
 * The previous DMA path (vb_prev_*(), in each seam's file) is what the
 * device had before it was claimed.  It maps the parent backend's chunks,
 * the fallback mappings and all coherent memory.
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/dma-direct.h>
#include <linux/iommu-dma.h>
#include <linux/swiotlb.h>

#include "direct.h"
#include "virtio_bounce_internal.h"

/* ---- identity: device address == physical address -------------------- */

static int vb_identity_chunk_map(struct vb_dev *vd, struct vb_chunk *c,
				 gfp_t gfp)
{
	c->dma = phys_to_dma(vd->dev, c->phys);
	return 0;
}

static void vb_nop_chunk_unmap(struct vb_dev *vd, struct vb_chunk *c)
{
}

dma_addr_t vb_identity_direct(struct vb_dev *vd, phys_addr_t phys, size_t size)
{
	dma_addr_t dma = phys_to_dma(vd->dev, phys);

	return vb_dma_capable(vd->dev, dma, size, true) ? dma : DMA_MAPPING_ERROR;
}

const struct vb_backend_ops vb_identity_backend = {
	.name = "identity",
	.atomic_grow = true,
	.phys_addressed = true,
	.max_shift = VB_MAX_SHIFT,
	.chunk_map = vb_identity_chunk_map,
	.chunk_unmap = vb_nop_chunk_unmap,
	.direct = vb_identity_direct,
};

/* ---- parent: each chunk mapped once through the previous path -------- */

static int vb_parent_chunk_map(struct vb_dev *vd, struct vb_chunk *c,
			       gfp_t gfp)
{
	size_t bytes = PAGE_SIZE << c->order;

	c->dma = vb_prev_map(vd, c->phys, bytes, DMA_BIDIRECTIONAL,
			     DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_NO_WARN);
	if (c->dma == DMA_MAPPING_ERROR)
		return -EIO;
	/*
	 * dma-direct bounces what it cannot map in place (swiotlb=force, a
	 * restricted-dma-pool, a mask below the chunk) into a swiotlb slot.
	 * With SKIP_CPU_SYNC and no sync ever made on it, nothing would copy
	 * between that slot and the chunk: the device would read and write
	 * memory we never look at.  Such a chunk is refused.
	 */
	if (vb_prev_is_direct(vd) &&
	    swiotlb_find_pool(vd->dev, dma_to_phys(vd->dev, c->dma))) {
		vb_prev_unmap(vd, c->dma, bytes, DMA_BIDIRECTIONAL,
			      DMA_ATTR_SKIP_CPU_SYNC);
		if (!test_and_set_bit(VB_WARN_SWIOTLB, &vd->warned))
			dev_warn(vd->dev,
				 "%s: a pool chunk was bounced by swiotlb (swiotlb=force or a restricted DMA pool): the device keeps swiotlb\n",
				 vd->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

static void vb_parent_chunk_unmap(struct vb_dev *vd, struct vb_chunk *c)
{
	vb_prev_unmap(vd, c->dma, PAGE_SIZE << c->order, DMA_BIDIRECTIONAL,
		      DMA_ATTR_SKIP_CPU_SYNC);
}

const struct vb_backend_ops vb_parent_backend = {
	.name = "parent",
	.atomic_grow = true,
	.max_shift = VB_MAX_SHIFT,
	.chunk_map = vb_parent_chunk_map,
	.chunk_unmap = vb_parent_chunk_unmap,
	.direct = NULL,
};
