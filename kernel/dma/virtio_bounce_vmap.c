// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce's seam on kernels with struct virtio_map_ops (7.x).
 *
 * The virtio core maps a claimed device's buffers through
 * vb_virtio_map_ops with our state as its token; nothing of ours goes on
 * the DMA device, so its previous path is the DMA API there.  This file
 * is all that differs from the dma_map_ops seam (virtio_bounce_dmaops.c):
 * the glue the virtio core calls, the ops table, the previous DMA path,
 * and install/release.  The map engine is virtio_bounce_map.c.
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/iommu-dma.h>
#include <linux/kmsan.h>
#include <linux/virtio.h>
#include <linux/virtio_bounce.h>
#include <linux/virtio_config.h>

#include "direct.h"
#include "virtio_bounce_internal.h"

/* ---- setup: the map provider installs nothing on the DMA device ------ */

/* Nothing of ours is on the DMA device: free the state. */
void vb_release(struct vb_dev *vd)
{
	vb_debugfs_del(vd);
	xa_destroy(&vd->fb_maps);
	vb_pool_destroy(vd);
	dev_info(vd->dev, "%s: released\n", vd->name);
	put_device(vd->dev);
	kfree(vd);
}

/* The state is the virtio device's own: the glue never attaches twice. */
const char *vb_take_over(struct device *dev, const void *owner,
			 struct vb_dev **mine)
{
	*mine = NULL;
	return NULL;
}

/* Does the previous path have ops (Xen PV: swiotlb-xen)? */
bool vb_prev_has_ops(struct vb_dev *vd)
{
	return get_dma_ops(vd->dev);
}

/* Device-specific DMA ops that are not ours (Xen grants). */
bool vb_foreign_ops(struct device *dma_dev)
{
#ifdef CONFIG_ARCH_HAS_DMA_OPS
	return dma_dev->dma_ops;
#else
	return false;
#endif
}

/* 1:1 is the DMA API itself: install nothing, not even a pool. */
bool vb_keeps_dma_api(const struct vb_decision *d)
{
	return d->backend == VB_BACKEND_IDENTITY && d->direct_ok;
}

/* The glue installs the virtio_map_ops; nothing goes on the DMA device. */
void vb_install(struct vb_dev *vd)
{
	vb_debugfs_add(vd);
}

/**
 * vb_attach() - decide for one device with the boot-time settings
 * @dma_dev: the DMA device
 * @owner: the virtio device
 * @info: what the virtio core knows about it
 *
 * Return: the state whose virtio_map_ops the virtio device must use, NULL
 * when it keeps the DMA API, or an ERR_PTR (it keeps the DMA API too).
 */
struct vb_dev *vb_attach(struct device *dma_dev, const void *owner,
			 const struct vb_attach_info *info)
{
	return vb_attach_dev(dma_dev, owner, info);
}

/**
 * vb_detach() - free a virtio device's state once its virtqueues are gone
 * @vd: from vb_attach()
 *
 * Every mapping goes with the virtqueues; one still live is a driver bug,
 * and its slots are leaked rather than freed under the device.
 */
void vb_detach(struct vb_dev *vd)
{
	unsigned long live = vb_live(vd);

	if (live) {
		/*
		 * Nothing can unmap them any more (the glue takes our ops off
		 * the virtio device).  Leak the pool, but stop all that runs
		 * on its own: the shrink worker would unmap idle chunks through
		 * a DMA device that may be gone by then.  The state keeps its
		 * reference to the DMA device.
		 */
		dev_warn(vd->dev, "%s: %lu mappings still live after the driver left: leaking the pool\n",
			 vd->name, live);
		vb_debugfs_del(vd);
		vb_pool_quiesce(vd);
		return;
	}
	vb_release(vd);
}

/**
 * vb_max_request() - the largest request a claimed device may be sent
 * @vd: from vb_attach()
 *
 * Return: %VB_REQ_BYTES when it may bounce, SIZE_MAX otherwise.
 */
size_t vb_max_request(struct vb_dev *vd)
{
	return vb_request_bound(vd);
}

/* ---- the virtio core's side ------------------------------------------ */

/**
 * virtio_bounce_attach() - decide for @vdev and install its map ops
 * @vdev: a virtio device whose features are final, no virtqueue yet
 *
 * Idempotent.  A transport that maps on its own (vDPA, VDUSE: vdev->map
 * set already) is left alone.  Never fails the device: if no pool can be
 * built it keeps the DMA API and the log says so.
 */
void virtio_bounce_attach(struct virtio_device *vdev)
{
	struct device *dma_dev = vdev->dev.parent;
	struct vb_attach_info info;
	struct vb_dev *vd;

	if (!dma_dev || vdev->map)
		return;
	vb_virtio_info(vdev, &info);
	vd = vb_attach(dma_dev, vdev, &info);
	if (IS_ERR(vd)) {
		dev_warn(&vdev->dev,
			 "not claimed (%ld), stock DMA path kept\n",
			 PTR_ERR(vd));
		return;
	}
	if (!vd)
		return;
	vdev->vmap.bounce = vd;
	vdev->map = &vb_virtio_map_ops;
}

/**
 * virtio_bounce_detach() - remove @vdev's map ops, its virtqueues gone
 * @vdev: a virtio device
 */
void virtio_bounce_detach(struct virtio_device *vdev)
{
	struct vb_dev *vd = vdev->vmap.bounce;

	vb_forget(vdev->index);
	if (vdev->map != &vb_virtio_map_ops)
		return;
	/* Nothing may reach the state once it is freed. */
	vdev->map = NULL;
	vdev->vmap = (union virtio_map){};
	vb_detach(vd);
}

/**
 * virtio_bounce_claimed() - does virtio_bounce map @vdev's buffers?
 * @vdev: a virtio device
 *
 * Return: true when our virtio_map_ops are installed on @vdev.
 */
bool virtio_bounce_claimed(const struct virtio_device *vdev)
{
	return vdev->map == &vb_virtio_map_ops;
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
	return virtio_bounce_claimed(vdev) ? vb_max_request(vdev->vmap.bounce) :
					     SIZE_MAX;
}
EXPORT_SYMBOL_GPL(virtio_bounce_max_request);

/* ---- the previous DMA path: the DMA API on the DMA device ------------ */

/* What the previous path maps with, for messages. */
void *vb_prev_map_fn(struct vb_dev *vd)
{
	const struct dma_map_ops *ops = get_dma_ops(vd->dev);

	if (vd->parent == VB_PARENT_DIRECT)
		return (void *)dma_direct_map_phys;
	/* The DMA API on the DMA device: name what it calls (swiotlb-xen). */
	return ops ? (void *)ops->map_phys : (void *)dma_map_phys;
}

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
bool vb_prev_is_direct(struct vb_dev *vd)
{
	return vd->parent == VB_PARENT_DIRECT ||
	       (!use_dma_iommu(vd->dev) && !get_dma_ops(vd->dev));
}

/* ---- struct virtio_map_ops ------------------------------------------- */

/*
 * struct virtio_map_ops: the virtio core maps every buffer of a claimed
 * device through these, with our state as its token.  The ring maps one
 * sg entry at a time and unmaps with attrs 0; coherent rings come from
 * the DMA device's own path.
 */
static dma_addr_t vb_vmap_map_page(union virtio_map map, struct page *page,
				   unsigned long offset, size_t size,
				   enum dma_data_direction dir,
				   unsigned long attrs)
{
	phys_addr_t phys = page_to_phys(page) + offset;

	/* What dma_map_phys() does for every mapping, the DMA API's hook. */
	kmsan_handle_dma(phys, size, dir);
	return vb_map_phys(map.bounce, phys, size, dir, attrs);
}

static void vb_vmap_unmap_page(union virtio_map map, dma_addr_t dma,
			       size_t size, enum dma_data_direction dir,
			       unsigned long attrs)
{
	vb_unmap_one(map.bounce, dma, size, dir, attrs);
}

static void vb_vmap_sync_for_cpu(union virtio_map map, dma_addr_t dma,
				 size_t size, enum dma_data_direction dir)
{
	vb_sync(map.bounce, dma, size, dir, true);
}

static void vb_vmap_sync_for_device(union virtio_map map, dma_addr_t dma,
				    size_t size, enum dma_data_direction dir)
{
	vb_sync(map.bounce, dma, size, dir, false);
}

static void *vb_vmap_alloc(union virtio_map map, size_t size,
			   dma_addr_t *dma, gfp_t gfp)
{
	return vb_prev_alloc(map.bounce, size, dma, gfp, 0);
}

static void vb_vmap_free(union virtio_map map, size_t size, void *vaddr,
			 dma_addr_t dma, unsigned long attrs)
{
	vb_prev_free(map.bounce, size, vaddr, dma, attrs);
}

/* A pool address always needs its syncs; others as their path says. */
static bool vb_vmap_need_sync(union virtio_map map, dma_addr_t dma)
{
	struct vb_dev *vd = map.bounce;
	bool pool;

	rcu_read_lock();
	pool = vb_find_slot(vd, dma);
	rcu_read_unlock();
	return pool || (vd->parent == VB_PARENT_API && dma_need_sync(vd->dev, dma));
}

static int vb_vmap_mapping_error(union virtio_map map, dma_addr_t dma)
{
	return dma == DMA_MAPPING_ERROR ? -ENOMEM : 0;
}

static size_t vb_vmap_max_mapping_size(union virtio_map map)
{
	return vb_max_size(map.bounce);
}

const struct virtio_map_ops vb_virtio_map_ops = {
	.map_page = vb_vmap_map_page,
	.unmap_page = vb_vmap_unmap_page,
	.sync_single_for_cpu = vb_vmap_sync_for_cpu,
	.sync_single_for_device = vb_vmap_sync_for_device,
	.alloc = vb_vmap_alloc,
	.free = vb_vmap_free,
	.need_sync = vb_vmap_need_sync,
	.mapping_error = vb_vmap_mapping_error,
	.max_mapping_size = vb_vmap_max_mapping_size,
};
