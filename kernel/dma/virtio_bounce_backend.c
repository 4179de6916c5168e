// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce backends and the previous DMA path.
 *
 * A backend gives each pool chunk its device address, once, when the
 * chunk is made: "identity" (the device sees physical addresses) and
 * "parent" (the chunk is mapped through the device's previous DMA path:
 * IOMMU-DMA, arch ops or dma-direct) are here, "xen" is in
 * virtio_bounce_xen.c.
 *
 * The previous DMA path is what the device had before it was claimed.
 * It maps the parent backend's chunks, the fallback mappings, every
 * mapping once the driver is gone (draining), and all coherent memory.
 * The vb_prev_*() helpers below are the only place that chooses between
 * arch ops, IOMMU-DMA and dma-direct, as kernel/dma/mapping.c does; on
 * the map-ops seam (CONFIG_VIRTIO_BOUNCE_MAP_OPS) they call the DMA API
 * on the DMA device instead.
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt

#include <linux/dma-direct.h>
#include <linux/iommu-dma.h>
#include <linux/swiotlb.h>

#include "direct.h"
#include "virtio_bounce_internal.h"

#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
/*
 * The map-ops seam: nothing of ours is on the DMA device, so its path is
 * the DMA API there.  The identity backend's devices see physical
 * addresses whatever the DMA device has (a legacy device bypasses an
 * IOMMU), so theirs is dma-direct's, as the ring's own without the DMA
 * API.
 */
void vb_prev_init(struct vb_dev *vd)
{
	vd->parent_ops = NULL;
	vd->parent = vd->d.backend == VB_BACKEND_IDENTITY ? VB_PARENT_DIRECT :
							    VB_PARENT_API;
}

dma_addr_t vb_prev_map(struct vb_dev *vd, phys_addr_t phys, size_t size,
		       enum dma_data_direction dir, unsigned long attrs)
{
	dma_addr_t dma;

	if (vd->parent == VB_PARENT_DIRECT)
		return dma_direct_map_phys(vd->dev, phys, size, dir, attrs, true);
	dma = dma_map_phys(vd->dev, phys, size, dir, attrs);
	/*
	 * We are the DMA API's caller here: check its answer ourselves
	 * (DMA_API_DEBUG requires it; the virtio core asks our ops).
	 */
	return dma_mapping_error(vd->dev, dma) ? DMA_MAPPING_ERROR : dma;
}

void vb_prev_unmap(struct vb_dev *vd, dma_addr_t dma, size_t size,
		   enum dma_data_direction dir, unsigned long attrs)
{
	if (vd->parent == VB_PARENT_DIRECT)
		dma_direct_unmap_phys(vd->dev, dma, size, dir, attrs, true);
	else
		dma_unmap_phys(vd->dev, dma, size, dir, attrs);
}

void vb_prev_sync(struct vb_dev *vd, dma_addr_t dma, size_t size,
		  enum dma_data_direction dir, bool for_cpu)
{
	if (vd->parent == VB_PARENT_DIRECT && for_cpu)
		dma_direct_sync_single_for_cpu(vd->dev, dma, size, dir, true);
	else if (vd->parent == VB_PARENT_DIRECT)
		dma_direct_sync_single_for_device(vd->dev, dma, size, dir);
	else if (for_cpu)
		dma_sync_single_for_cpu(vd->dev, dma, size, dir);
	else
		dma_sync_single_for_device(vd->dev, dma, size, dir);
}

void *vb_prev_alloc(struct vb_dev *vd, size_t size, dma_addr_t *dma,
		    gfp_t gfp, unsigned long attrs)
{
	if (vd->parent == VB_PARENT_DIRECT)
		return dma_direct_alloc(vd->dev, size, dma, gfp, attrs);
	return dma_alloc_attrs(vd->dev, size, dma, gfp, attrs);
}

void vb_prev_free(struct vb_dev *vd, size_t size, void *vaddr, dma_addr_t dma,
		  unsigned long attrs)
{
	if (vd->parent == VB_PARENT_DIRECT)
		dma_direct_free(vd->dev, size, vaddr, dma, attrs);
	else
		dma_free_attrs(vd->dev, size, vaddr, dma, attrs);
}

/* Does the previous path end in dma-direct (and maybe swiotlb)? */
static bool vb_prev_is_direct(struct vb_dev *vd)
{
	return vd->parent == VB_PARENT_DIRECT ||
	       (!use_dma_iommu(vd->dev) && !get_dma_ops(vd->dev));
}
#else
/**
 * vb_prev_init() - record the path @vd->dev maps through before we claim it
 * @vd: the device, with its decision taken
 *
 * The identity backend's devices see physical addresses (no IOMMU
 * translates them, or they bypass it), so their previous path is
 * dma-direct whatever the device had.
 */
void vb_prev_init(struct vb_dev *vd)
{
	vd->parent_ops = get_dma_ops(vd->dev);
	if (vd->d.backend == VB_BACKEND_IDENTITY)
		vd->parent = VB_PARENT_DIRECT;
	else if (use_dma_iommu(vd->dev))
		vd->parent = VB_PARENT_IOMMU;
	else if (vd->parent_ops)
		vd->parent = VB_PARENT_OPS;
	else
		vd->parent = VB_PARENT_DIRECT;
}

/* IOMMU-DMA when built in; a kernel without it never records VB_PARENT_IOMMU. */
static bool vb_prev_iommu(const struct vb_dev *vd)
{
	return IS_ENABLED(CONFIG_IOMMU_DMA) && vd->parent == VB_PARENT_IOMMU;
}

dma_addr_t vb_prev_map(struct vb_dev *vd, phys_addr_t phys, size_t size,
		       enum dma_data_direction dir, unsigned long attrs)
{
	struct page *page = pfn_to_page(PHYS_PFN(phys));
	unsigned long off = offset_in_page(phys);

	if (vd->parent == VB_PARENT_OPS)
		return vd->parent_ops->map_page(vd->dev, page, off, size, dir,
						attrs);
	if (vb_prev_iommu(vd))
		return iommu_dma_map_page(vd->dev, page, off, size, dir, attrs);
	return dma_direct_map_page(vd->dev, page, off, size, dir, attrs);
}

void vb_prev_unmap(struct vb_dev *vd, dma_addr_t dma, size_t size,
		   enum dma_data_direction dir, unsigned long attrs)
{
	if (vd->parent == VB_PARENT_OPS) {
		if (vd->parent_ops->unmap_page)
			vd->parent_ops->unmap_page(vd->dev, dma, size, dir, attrs);
	} else if (vb_prev_iommu(vd)) {
		iommu_dma_unmap_page(vd->dev, dma, size, dir, attrs);
	} else {
		dma_direct_unmap_page(vd->dev, dma, size, dir, attrs);
	}
}

void vb_prev_sync(struct vb_dev *vd, dma_addr_t dma, size_t size,
		  enum dma_data_direction dir, bool for_cpu)
{
	const struct dma_map_ops *ops = vd->parent_ops;

	if (vd->parent == VB_PARENT_OPS) {
		if (for_cpu && ops->sync_single_for_cpu)
			ops->sync_single_for_cpu(vd->dev, dma, size, dir);
		else if (!for_cpu && ops->sync_single_for_device)
			ops->sync_single_for_device(vd->dev, dma, size, dir);
	} else if (vb_prev_iommu(vd)) {
		if (for_cpu)
			iommu_dma_sync_single_for_cpu(vd->dev, dma, size, dir);
		else
			iommu_dma_sync_single_for_device(vd->dev, dma, size, dir);
	} else if (for_cpu) {
		dma_direct_sync_single_for_cpu(vd->dev, dma, size, dir);
	} else {
		dma_direct_sync_single_for_device(vd->dev, dma, size, dir);
	}
}

void *vb_prev_alloc(struct vb_dev *vd, size_t size, dma_addr_t *dma,
		    gfp_t gfp, unsigned long attrs)
{
	if (vd->parent == VB_PARENT_OPS)
		return vd->parent_ops->alloc(vd->dev, size, dma, gfp, attrs);
	if (vb_prev_iommu(vd))
		return iommu_dma_alloc(vd->dev, size, dma, gfp, attrs);
	return dma_direct_alloc(vd->dev, size, dma, gfp, attrs);
}

void vb_prev_free(struct vb_dev *vd, size_t size, void *vaddr, dma_addr_t dma,
		  unsigned long attrs)
{
	if (vd->parent == VB_PARENT_OPS)
		vd->parent_ops->free(vd->dev, size, vaddr, dma, attrs);
	else if (vb_prev_iommu(vd))
		iommu_dma_free(vd->dev, size, vaddr, dma, attrs);
	else
		dma_direct_free(vd->dev, size, vaddr, dma, attrs);
}

int vb_prev_mmap(struct vb_dev *vd, struct vm_area_struct *vma, void *cpu_addr,
		 dma_addr_t dma, size_t size, unsigned long attrs)
{
	if (vd->parent == VB_PARENT_OPS)
		return vd->parent_ops->mmap ?
		       vd->parent_ops->mmap(vd->dev, vma, cpu_addr, dma, size,
					    attrs) : -ENXIO;
	if (vb_prev_iommu(vd))
		return iommu_dma_mmap(vd->dev, vma, cpu_addr, dma, size, attrs);
	return dma_direct_mmap(vd->dev, vma, cpu_addr, dma, size, attrs);
}

int vb_prev_get_sgtable(struct vb_dev *vd, struct sg_table *sgt,
			void *cpu_addr, dma_addr_t dma, size_t size,
			unsigned long attrs)
{
	if (vd->parent == VB_PARENT_OPS)
		return vd->parent_ops->get_sgtable ?
		       vd->parent_ops->get_sgtable(vd->dev, sgt, cpu_addr, dma,
						   size, attrs) : -ENXIO;
	if (vb_prev_iommu(vd))
		return iommu_dma_get_sgtable(vd->dev, sgt, cpu_addr, dma, size,
					     attrs);
	return dma_direct_get_sgtable(vd->dev, sgt, cpu_addr, dma, size, attrs);
}

/* Can the previous path (and so the pool it maps) serve @mask? */
int vb_prev_dma_supported(struct vb_dev *vd, u64 mask)
{
	if (vd->parent == VB_PARENT_OPS && vd->parent_ops->dma_supported)
		return vd->parent_ops->dma_supported(vd->dev, mask);
	if (vd->parent == VB_PARENT_IOMMU)
		return 1;
	return mask >= DMA_BIT_MASK(32) && dma_direct_supported(vd->dev, mask);
}

u64 vb_prev_required_mask(struct vb_dev *vd)
{
	if (vd->parent == VB_PARENT_OPS && vd->parent_ops->get_required_mask)
		return vd->parent_ops->get_required_mask(vd->dev);
	return dma_direct_get_required_mask(vd->dev);
}

static bool vb_prev_is_direct(struct vb_dev *vd)
{
	return vd->parent == VB_PARENT_DIRECT;
}
#endif /* CONFIG_VIRTIO_BOUNCE_MAP_OPS */

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
				 "virtio_bounce: %s: a pool chunk mapped through dma-direct was bounced by swiotlb (swiotlb=force or a restricted DMA pool): refusing it, the device keeps swiotlb\n",
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
