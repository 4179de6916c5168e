// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce's seam on kernels without struct virtio_map_ops (6.12).
 *
 * A claimed device's DMA device gets a struct dma_map_ops of its own,
 * embedded in our state (to_vb_dev()), so virtio's DMA API calls reach
 * the map engine (virtio_bounce_map.c).  This file is all that differs
 * from the virtio_map_ops seam (virtio_bounce_vmap.c): the glue the
 * virtio core calls, the ops table, the previous DMA path (arch ops,
 * IOMMU-DMA or dma-direct, chosen as kernel/dma/mapping.c does), and
 * install/release.
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/iommu-dma.h>
#include <linux/scatterlist.h>
#include <linux/swiotlb.h>
#include <linux/virtio.h>
#include <linux/virtio_bounce.h>

#include "direct.h"
#include "virtio_bounce_internal.h"

/* ---- setup: our dma_map_ops on the DMA device ------------------------ */

static void vb_set_dma_iommu(struct device *dev, bool on)
{
#ifdef CONFIG_IOMMU_DMA
	dev->dma_iommu = on;
#endif
}

/* Give the device its previous DMA path back and free the state. */
void vb_release(struct vb_dev *vd)
{
	struct device *dev = vd->dev;

	dev->dma_ops_bypass = false;
	set_dma_ops(dev, vd->parent_ops == get_arch_dma_ops() ? NULL :
			 vd->parent_ops);
	if (vd->cleared_dma_iommu)
		vb_set_dma_iommu(dev, true);
	/*
	 * dma_skip_sync stays false, as swiotlb leaves it: syncs then reach
	 * the previous path, which is always correct, and the next
	 * dma_set_mask() computes it afresh.
	 */
	vb_debugfs_del(vd);
	xa_destroy(&vd->fb_maps);
	vb_pool_destroy(vd);	/* chunks unmapped through the path restored above */
	dev_info(dev, "%s: released\n", vd->name);
	put_device(dev);
	kfree(vd);
}

/*
 * A DMA device that carries our ops already.  Its owner keeps them
 * (*@mine), another live owner means the DMA device is shared, and a
 * state left draining by a driver gives way once its mappings are gone.
 * Return: NULL when @dev may be decided for, or why it is left alone.
 */
const char *vb_take_over(struct device *dev, const void *owner,
			 struct vb_dev **mine)
{
	struct vb_dev *vd;

	*mine = NULL;
	if (!vb_claimed(dev))
		return NULL;
	vd = to_vb_dev(dev);
	if (vd->owner == owner) {
		*mine = vd;
		return NULL;
	}
	if (vd->owner)
		return vb_why[VB_WHY_TAKEN];
	if (vb_live(vd))
		return vb_why[VB_WHY_LIVE];
	vb_release(vd);	/* left behind by a driver, now idle */
	return NULL;
}

/* Does the previous path have ops (Xen PV: swiotlb-xen)? */
bool vb_prev_has_ops(struct vb_dev *vd)
{
	return vd->parent == VB_PARENT_OPS;
}

/* Device-specific DMA ops that are not ours (Xen grants). */
bool vb_foreign_ops(struct device *dma_dev)
{
	return dma_dev->dma_ops && !vb_claimed(dma_dev);
}

/* Claimed 1:1 devices get our ops too, with dma_ops_bypass. */
bool vb_keeps_dma_api(const struct vb_decision *d)
{
	return false;
}

/* Install our ops: from here on every map of @vd->dev reaches them. */
void vb_install(struct vb_dev *vd)
{
	struct device *dev = vd->dev;

	vb_ops_init(vd);
	vb_debugfs_add(vd);
	/* Our ops only run if the DMA core does not take the IOMMU path. */
	if (use_dma_iommu(dev)) {
		vd->cleared_dma_iommu = true;
		vb_set_dma_iommu(dev, false);
	}
	set_dma_ops(dev, &vd->ops);
	/*
	 * The 1:1 fast path costs what dma-direct costs because it is
	 * dma-direct: with dma_ops_bypass the DMA core maps, unmaps and
	 * syncs through dma-direct itself, with no call into our ops,
	 * whenever the device's mask covers all memory (dma_go_direct()).
	 * Everything else (a mask that does not cover all memory) still
	 * reaches vb_map_phys(): 1:1 where capable, bounced otherwise.
	 */
	dev->dma_ops_bypass = vb_bypass(vd);
	/*
	 * The transport set the DMA mask before we came (virtio-pci probes
	 * first), and dma_set_mask() then set dma_skip_sync for a coherent
	 * device with no ops: every dma_sync_*() and dma_need_sync() would
	 * skip our ops.  A device that bounces must see its syncs; a bypass
	 * device keeps dma-direct's value until its first bounce
	 * (vb_bounce(), as swiotlb does).
	 */
	if (!vb_bypass(vd))
		dma_reset_need_sync(dev);
}

/**
 * vb_attach() - decide for one device with the boot-time settings
 * @dma_dev: the DMA device
 * @owner: the virtio device it is claimed for
 * @info: what the virtio core knows about it
 *
 * Return: 0 (claimed or left on its stock path) or a negative errno; the
 * device is usable either way.
 */
int vb_attach(struct device *dma_dev, const void *owner,
	      const struct vb_attach_info *info)
{
	return PTR_ERR_OR_ZERO(vb_attach_dev(dma_dev, owner, info));
}

/**
 * vb_detach() - give the device its previous DMA path back
 * @dma_dev: the DMA device
 * @owner: the virtio device it was claimed for; another owner's detach
 *	changes nothing
 *
 * If mappings made through the pool are still live (a driver that maps on
 * the DMA device and keeps them past remove, e.g. GEM objects), the state
 * stays: our ops remain installed to copy back and free those slots, and
 * every new mapping takes the previous DMA path.  The state is released
 * when the device is next attached with no mapping left.
 */
void vb_detach(struct device *dma_dev, const void *owner)
{
	struct vb_dev *vd;
	unsigned long live;

	if (!vb_claimed_by(dma_dev, owner))
		return;
	vd = to_vb_dev(dma_dev);
	live = vb_live(vd);
	if (!live) {
		vb_release(vd);
		return;
	}
	WRITE_ONCE(vd->owner, NULL);	/* vb_draining() from now on */
	cancel_delayed_work_sync(&vd->shrink_work);
	vb_flush_caches(vd);
	vb_shrink(vd, 0, -1, false);	/* idle chunks go now */
	dev_warn(dma_dev, "%s: driver released the device with %lu mappings still live: the pool stays until they are unmapped\n",
		 vd->name, live);
}

/**
 * vb_max_request() - the largest request a claimed device may be sent
 * @dma_dev: a DMA device vb_claimed_by() its virtio device
 *
 * Return: %VB_REQ_BYTES when it may bounce, SIZE_MAX on the 1:1 bypass.
 */
size_t vb_max_request(struct device *dma_dev)
{
	return vb_request_bound(to_vb_dev(dma_dev));
}

/* ---- the virtio core's side ------------------------------------------ */

/**
 * virtio_bounce_attach() - decide for @vdev and claim its DMA device
 * @vdev: a virtio device whose features are final
 *
 * Idempotent: a device already claimed for @vdev stays claimed.  Never
 * fails the device: if no pool can be built it keeps its stock DMA path
 * and the log says so.
 */
void virtio_bounce_attach(struct virtio_device *vdev)
{
	struct device *dma_dev = vdev->dev.parent;
	struct vb_attach_info info;
	int err;

	if (!dma_dev || vb_claimed_by(dma_dev, vdev))
		return;
	vb_virtio_info(vdev, &info);
	err = vb_attach(dma_dev, vdev, &info);
	if (err)
		dev_warn(&vdev->dev,
			 "not claimed (%d), stock DMA path kept\n",
			 err);
}

/**
 * virtio_bounce_detach() - give @vdev's DMA device its stock DMA path back
 * @vdev: a virtio device whose driver has released all its mappings
 */
void virtio_bounce_detach(struct virtio_device *vdev)
{
	vb_forget(vdev->index);
	if (vdev->dev.parent)
		vb_detach(vdev->dev.parent, vdev);
}

/**
 * virtio_bounce_claimed() - must virtio use the DMA API for @vdev?
 * @vdev: a virtio device
 *
 * Return: true when virtio_bounce owns @vdev's DMA device, so that
 * vring_use_dma_api() routes every buffer through our ops even for a
 * device without ACCESS_PLATFORM.
 */
bool virtio_bounce_claimed(const struct virtio_device *vdev)
{
	return vdev->dev.parent && vb_claimed_by(vdev->dev.parent, vdev);
}

/**
 * virtio_bounce_max_request() - the largest request @vdev's driver may send
 * @vdev: a virtio device whose driver is probing
 *
 * All the mappings of a request must fit in the bounce pool at once, and
 * the pool's progress reserve holds a request of this size per CPU
 * whatever the device advertises (e.g. virtio-blk's io_opt).
 *
 * Return: bytes; SIZE_MAX when virtio_bounce does not bounce for @vdev.
 */
size_t virtio_bounce_max_request(struct virtio_device *vdev)
{
	return virtio_bounce_claimed(vdev) ? vb_max_request(vdev->dev.parent) :
					     SIZE_MAX;
}
EXPORT_SYMBOL_GPL(virtio_bounce_max_request);

/* ---- the previous DMA path: arch ops, IOMMU-DMA or dma-direct -------- */

/* What the previous path maps with, for messages. */
void *vb_prev_map_fn(struct vb_dev *vd)
{
	return vd->parent == VB_PARENT_OPS ? (void *)vd->parent_ops->map_page :
					     (void *)dma_direct_map_page;
}

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

bool vb_prev_is_direct(struct vb_dev *vd)
{
	return vd->parent == VB_PARENT_DIRECT;
}

/* ---- struct dma_map_ops ---------------------------------------------- */

/**
 * vb_map_page() - dma_map_ops.map_page
 * @dev: the DMA device
 * @page: first page of the buffer
 * @offset: offset of the buffer in @page
 * @size: bytes
 * @dir: DMA direction
 * @attrs: DMA_ATTR_*
 *
 * Return: the device address, 1:1 or of a bounce slot, or
 * %DMA_MAPPING_ERROR.
 */
static dma_addr_t vb_map_page(struct device *dev, struct page *page,
			      unsigned long offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	return vb_map_phys(to_vb_dev(dev), page_to_phys(page) + offset, size,
			   dir, attrs);
}

/**
 * vb_unmap_page() - dma_map_ops.unmap_page
 * @dev: the DMA device
 * @dma: address returned by vb_map_page()
 * @size: size given to vb_map_page()
 * @dir: direction given to vb_map_page()
 * @attrs: DMA_ATTR_*
 *
 * A double, foreign or wrongly sized unmap is counted, warned about and
 * never copies more than was mapped.
 */
static void vb_unmap_page(struct device *dev, dma_addr_t dma, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	vb_unmap_one(to_vb_dev(dev), dma, size, dir, attrs);
}

/* Syncs: any address inside a mapping (partial syncs), as swiotlb. */
static void vb_sync_single_for_cpu(struct device *dev, dma_addr_t dma,
				   size_t size, enum dma_data_direction dir)
{
	vb_sync(to_vb_dev(dev), dma, size, dir, true);
}

static void vb_sync_single_for_device(struct device *dev, dma_addr_t dma,
				      size_t size, enum dma_data_direction dir)
{
	vb_sync(to_vb_dev(dev), dma, size, dir, false);
}

static void vb_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct vb_dev *vd = to_vb_dev(dev);
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vb_unmap_one(vd, sg_dma_address(sg), sg_dma_len(sg), dir, attrs);
}

/**
 * vb_map_sg() - dma_map_ops.map_sg
 * @dev: the DMA device
 * @sgl: the list
 * @nents: entries
 * @dir: direction
 * @attrs: DMA_ATTR_*
 *
 * Entries are mapped one by one, never merged.
 *
 * Return: @nents, or -ENOMEM (pool exhausted) / -EINVAL (oversize entry)
 * with nothing left mapped.
 */
static int vb_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		     enum dma_data_direction dir, unsigned long attrs)
{
	struct vb_dev *vd = to_vb_dev(dev);
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = vb_map_phys(vd, sg_phys(sg), sg->length, dir,
					      attrs);
		if (sg->dma_address == DMA_MAPPING_ERROR) {
			int err = vb_size_class(vd, sg->length) < 0 ?
				  -EINVAL : -ENOMEM;

			vb_unmap_sg(dev, sgl, i, dir,
				    attrs | DMA_ATTR_SKIP_CPU_SYNC);
			return err;
		}
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

/* The same, entry by entry. */
static void vb_sync_sg(struct device *dev, struct scatterlist *sgl, int nents,
		       enum dma_data_direction dir, bool for_cpu)
{
	struct vb_dev *vd = to_vb_dev(dev);
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vb_sync(vd, sg_dma_address(sg), sg_dma_len(sg), dir, for_cpu);
}

static void vb_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl,
			       int nents, enum dma_data_direction dir)
{
	vb_sync_sg(dev, sgl, nents, dir, true);
}

static void vb_sync_sg_for_device(struct device *dev, struct scatterlist *sgl,
				  int nents, enum dma_data_direction dir)
{
	vb_sync_sg(dev, sgl, nents, dir, false);
}

/*
 * Coherent memory (virtqueue rings) is never bounced: it comes from the
 * device's previous DMA path, which knows how to make memory the device
 * can reach (machine-contiguous under Xen, IOMMU-mapped, or plain); so do
 * the masks.
 */

static void *vb_alloc(struct device *dev, size_t size, dma_addr_t *dma,
		      gfp_t gfp, unsigned long attrs)
{
	return vb_prev_alloc(to_vb_dev(dev), size, dma, gfp, attrs);
}

static void vb_free(struct device *dev, size_t size, void *vaddr,
		    dma_addr_t dma, unsigned long attrs)
{
	vb_prev_free(to_vb_dev(dev), size, vaddr, dma, attrs);
}

static int vb_mmap(struct device *dev, struct vm_area_struct *vma,
		   void *cpu_addr, dma_addr_t dma, size_t size,
		   unsigned long attrs)
{
	return vb_prev_mmap(to_vb_dev(dev), vma, cpu_addr, dma, size, attrs);
}

static int vb_get_sgtable(struct device *dev, struct sg_table *sgt,
			  void *cpu_addr, dma_addr_t dma, size_t size,
			  unsigned long attrs)
{
	return vb_prev_get_sgtable(to_vb_dev(dev), sgt, cpu_addr, dma, size,
				   attrs);
}

/**
 * vb_map_resource() - dma_map_ops.map_resource
 * @dev: the DMA device
 * @phys: MMIO physical address
 * @size: bytes
 * @dir: direction
 * @attrs: DMA_ATTR_*
 *
 * MMIO cannot be bounced.  It is mapped 1:1 where 1:1 maps are allowed
 * and the backend's device addresses are physical addresses, and refused
 * with a message otherwise.
 *
 * Return: device address or %DMA_MAPPING_ERROR.
 */
static dma_addr_t vb_map_resource(struct device *dev, phys_addr_t phys,
				  size_t size, enum dma_data_direction dir,
				  unsigned long attrs)
{
	struct vb_dev *vd = to_vb_dev(dev);
	dma_addr_t dma;

	/* As dma_direct_map_resource(): MMIO addresses are used as they are. */
	if (vd->d.direct_ok && vd->be->phys_addressed) {
		dma = phys;
		if (dma_capable(dev, dma, size, false))
			return dma;
	}
	dev_err_ratelimited(dev,
			    "%s: map_resource of %pa refused: MMIO cannot be bounced and the %s backend has no 1:1 path\n",
			    vd->name, &phys, vd->be->name);
	return DMA_MAPPING_ERROR;
}

/* 1:1, nothing to undo. */
static void vb_unmap_resource(struct device *dev, dma_addr_t dma, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
}

static int vb_dma_supported(struct device *dev, u64 mask)
{
	return vb_prev_dma_supported(to_vb_dev(dev), mask);
}

static u64 vb_get_required_mask(struct device *dev)
{
	return vb_prev_required_mask(to_vb_dev(dev));
}

/**
 * vb_max_mapping_size() - dma_map_ops.max_mapping_size
 * @dev: the DMA device
 *
 * Return: the largest slot less the min_align_mask padding.
 */
static size_t vb_max_mapping_size(struct device *dev)
{
	return vb_max_size(to_vb_dev(dev));
}

/**
 * vb_opt_mapping_size() - dma_map_ops.opt_mapping_size
 *
 * Return: the largest size the per-CPU caches serve; larger mappings take
 * their class's lock on every map and unmap.
 */
static size_t vb_opt_mapping_size(void)
{
	return 1UL << VB_CACHE_MAX_SHIFT;
}

static const struct dma_map_ops vb_ops_template = {
	.alloc = vb_alloc,
	.free = vb_free,
	/*
	 * dma_alloc_pages() and dma_alloc_noncoherent(): pages mapped through
	 * vb_map_page(), so bounced like any streaming mapping and kept in
	 * step by the syncs their users must make (as swiotlb-xen does).
	 */
	.alloc_pages_op = dma_common_alloc_pages,
	.free_pages = dma_common_free_pages,
	.mmap = vb_mmap,
	.get_sgtable = vb_get_sgtable,
	.map_page = vb_map_page,
	.unmap_page = vb_unmap_page,
	.map_sg = vb_map_sg,
	.unmap_sg = vb_unmap_sg,
	.map_resource = vb_map_resource,
	.unmap_resource = vb_unmap_resource,
	.sync_single_for_cpu = vb_sync_single_for_cpu,
	.sync_single_for_device = vb_sync_single_for_device,
	.sync_sg_for_cpu = vb_sync_sg_for_cpu,
	.sync_sg_for_device = vb_sync_sg_for_device,
	.dma_supported = vb_dma_supported,
	.get_required_mask = vb_get_required_mask,
	.max_mapping_size = vb_max_mapping_size,
	.opt_mapping_size = vb_opt_mapping_size,
};

/**
 * vb_claimed() - does virtio_bounce own this DMA device?
 * @dma_dev: the DMA device
 *
 * Return: true if our dma_map_ops are installed.
 */
bool vb_claimed(const struct device *dma_dev)
{
	const struct dma_map_ops *ops = get_dma_ops((struct device *)dma_dev);

	return ops && ops->map_page == vb_map_page;
}

/**
 * vb_claimed_by() - does virtio_bounce own this DMA device for @owner?
 * @dma_dev: the DMA device
 * @owner: the virtio device it was claimed for
 *
 * Return: true if our ops are installed for @owner (not for another
 * device, and not left behind by a driver that is gone).
 */
bool vb_claimed_by(const struct device *dma_dev, const void *owner)
{
	return owner && vb_claimed(dma_dev) &&
	       READ_ONCE(to_vb_dev((struct device *)dma_dev)->owner) == owner;
}

/**
 * vb_ops_init() - give @vd its own copy of the dma_map_ops
 * @vd: a new device state, not yet installed
 *
 * The ops are embedded in the state so that the hot path finds the state
 * with container_of() (to_vb_dev()); written once, before set_dma_ops()
 * publishes them.
 */
void vb_ops_init(struct vb_dev *vd)
{
	memcpy((void *)&vd->ops, &vb_ops_template, sizeof(vd->ops));
}
