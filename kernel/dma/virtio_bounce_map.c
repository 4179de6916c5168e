// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce map path: the dma_map_ops installed on a claimed device,
 * and what they do for one buffer.
 *
 * A map goes 1:1 when the decision allows it and the backend finds the
 * buffer reachable (vb_backend_ops.direct), and is copied into a slot of
 * the device's pool otherwise; a slot's device address was computed when
 * its chunk was made, so a bounce is a slot allocation (per-CPU cache),
 * a copy and an add.  An unmap finds its slot from the device address
 * (vb_find_slot()), claims it, copies back and frees it.  Coherent memory
 * and what the pool cannot serve go to the previous DMA path
 * (virtio_bounce_backend.c).
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt

#include <linux/dma-direct.h>
#include <linux/highmem.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/kmsan.h>
#include <linux/kmsan-checks.h>
#include <linux/scatterlist.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>

#include "direct.h"
#include "virtio_bounce_internal.h"
#include <trace/events/virtio_bounce.h>

/* ---- per-mapping fallback ------------------------------------------------ */

/*
 * A pool that cannot grow in the map path (Xen: an exchange sleeps) can
 * run dry in a burst, and stops growing for good when the hypervisor
 * refuses exchanges.  Failing the mapping then is not enough: the driver
 * retries, and a write-back burst of 4 KiB segments can hold every slot a
 * request needs, so I/O stalls.  Such a mapping goes instead through the
 * device's previous DMA path (swiotlb-xen), the one it would have had
 * without us; the pool serves again as soon as it can.
 *
 * Fallback mappings are rare and short-lived.  They are kept in an xarray
 * keyed by device address, with a count because the previous path may
 * hand out one address twice (the same buffer mapped 1:1 twice), so that
 * an unmap finds exactly its own.  While the xarray is empty (its head
 * is NULL), the common 1:1 unmap does no lookup.
 */
static_assert(sizeof(dma_addr_t) <= sizeof(unsigned long),
	      "fb_maps is indexed by device address");

static int vb_fb_track(struct vb_dev *vd, dma_addr_t dma)
{
	unsigned long flags;
	void *old;
	int err;

	xa_lock_irqsave(&vd->fb_maps, flags);
	old = xa_load(&vd->fb_maps, dma);
	err = xa_err(__xa_store(&vd->fb_maps, dma,
				xa_mk_value(old ? xa_to_value(old) + 1 : 1),
				GFP_ATOMIC));
	xa_unlock_irqrestore(&vd->fb_maps, flags);
	return err;
}

/* Was @dma a live fallback mapping?  If so, it no longer is. */
static bool vb_fb_untrack(struct vb_dev *vd, dma_addr_t dma)
{
	unsigned long flags;
	void *old;

	if (likely(xa_empty(&vd->fb_maps)))
		return false;
	xa_lock_irqsave(&vd->fb_maps, flags);
	old = xa_load(&vd->fb_maps, dma);
	if (old && xa_to_value(old) > 1)
		__xa_store(&vd->fb_maps, dma, xa_mk_value(xa_to_value(old) - 1),
			   GFP_ATOMIC);	/* replaces: allocates nothing */
	else if (old)
		__xa_erase(&vd->fb_maps, dma);
	xa_unlock_irqrestore(&vd->fb_maps, flags);
	return old;
}

/**
 * vb_fb_live() - live fallback mappings of @vd
 * @vd: the device
 *
 * A walk of the xarray, for debugfs, detach and the tests; never on the
 * map/unmap path.
 *
 * Return: the number of fallback mappings not yet unmapped.
 */
unsigned long vb_fb_live(struct vb_dev *vd)
{
	unsigned long idx, n = 0;
	void *e;

	xa_for_each(&vd->fb_maps, idx, e)
		n += xa_to_value(e);
	return n;
}

/* Both seams' max_mapping_size: the largest slot less min_align_mask padding. */
static size_t vb_max_size(struct vb_dev *vd)
{
	return (1UL << vd->max_shift) - dma_get_min_align_mask(vd->dev);
}

/* What the previous path maps with, for messages. */
static void *vb_prev_map_fn(struct vb_dev *vd)
{
#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	const struct dma_map_ops *ops = get_dma_ops(vd->dev);

	if (vd->parent == VB_PARENT_DIRECT)
		return (void *)dma_direct_map_phys;
	/* The DMA API on the DMA device: name what it calls (swiotlb-xen). */
	return ops ? (void *)ops->map_phys : (void *)dma_map_phys;
#else
	return vd->parent == VB_PARENT_OPS ? (void *)vd->parent_ops->map_page :
					     (void *)dma_direct_map_page;
#endif
}

static dma_addr_t vb_fallback(struct vb_dev *vd, phys_addr_t phys,
			      size_t size, enum dma_data_direction dir,
			      unsigned long attrs)
{
	dma_addr_t dma = vb_prev_map(vd, phys, size, dir, attrs);

	if (dma == DMA_MAPPING_ERROR)
		return dma;
	if (vb_fb_track(vd, dma)) {
		vb_prev_unmap(vd, dma, size, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
		return DMA_MAPPING_ERROR;
	}
	vb_stat_add(vd, VB_STAT_FALLBACK, 1);
	trace_virtio_bounce_fallback(vd->name, phys, dma, size, dir, false);
	if (!test_and_set_bit(VB_WARN_FALLBACK, &vd->warned))
		dev_warn(vd->dev,
			 "virtio_bounce: %s: the %s pool (%zu KiB, %lu failed grows) cannot serve a %zu-byte mapping now; mapping it through the device's previous DMA path (%ps) instead (counted as fallback in debugfs)\n",
			 vd->name, vd->be->name, vd->pool_bytes >> 10,
			 vd->grow_failures, size,
			 vb_prev_map_fn(vd));
	return dma;
}

/* ---- copies ------------------------------------------------------------ */

/* Copy between a caller's buffer (which may be highmem) and a slot. */
static void vb_copy(phys_addr_t orig, void *slot, size_t size, bool to_slot)
{
	/* The device wrote the slot behind KMSAN's back (swiotlb_bounce()). */
	if (!to_slot)
		kmsan_unpoison_memory(slot, size);
	if (!IS_ENABLED(CONFIG_HIGHMEM) || !PageHighMem(pfn_to_page(PHYS_PFN(orig)))) {
		if (to_slot)
			memcpy(slot, phys_to_virt(orig), size);
		else
			memcpy(phys_to_virt(orig), slot, size);
		return;
	}
	while (size) {
		size_t off = offset_in_page(orig);
		size_t sz = min_t(size_t, PAGE_SIZE - off, size);
		void *p = kmap_local_page(pfn_to_page(PHYS_PFN(orig)));

		if (to_slot)
			memcpy(slot, p + off, sz);
		else
			memcpy(p + off, slot, sz);
		kunmap_local(p);
		orig += sz;
		slot += sz;
		size -= sz;
	}
}

/* ---- dma_map_ops -------------------------------------------------------- */

/*
 * Once per device (again after max is changed): what ran out, and why.
 * The driver sees DMA_MAPPING_ERROR and retries (virtio-blk requeues the
 * request), and the reserve serves it once other requests complete;
 * each miss is counted.  Only a pool at its max= is helped by a larger
 * one: when the page allocator had no chunk, say that instead.
 */
static void vb_warn_exhausted(struct vb_dev *vd, size_t size)
{
	size_t max = READ_ONCE(vd->pool_max);
	size_t more = min_t(size_t, 2 * max, SZ_1G);
	size_t bytes = READ_ONCE(vd->pool_bytes);

	if (bytes + VB_CHUNK_BYTES <= max)
		dev_warn(vd->dev,
			 "virtio_bounce: %s: pool exhausted (%zuK in the pool, max %zuK) mapping %zu bytes: no %luK chunk could be allocated (memory short or fragmented; %lu failed grows), a larger max= would not help; the driver will retry and the %zuK reserve serves it once other requests complete, misses are counted in failures\n",
			 vd->name, bytes >> 10, max >> 10, size,
			 VB_CHUNK_BYTES >> 10, READ_ONCE(vd->grow_failures),
			 vd->reserve >> 10);
	else
		dev_warn(vd->dev,
			 "virtio_bounce: %s: pool exhausted (%zuK in the pool, max %zuK) mapping %zu bytes; the driver will retry, misses are counted in failures. To give it more, boot with virtio_bounce=...,max=%zuK or above, or write that to /sys/bus/virtio/devices/%s/virtio_bounce/max\n",
			 vd->name, bytes >> 10, max >> 10, size,
			 more >> 10, vd->name);
}

static dma_addr_t vb_bounce(struct vb_dev *vd, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	unsigned int align = dma_get_min_align_mask(vd->dev);
	unsigned int offset = phys & align;
	struct vb_slot *s;
	dma_addr_t dma;
	int cls;

	cls = vb_size_class(vd, max_t(size_t, offset + size, align + 1));
	if (cls < 0) {
		trace_virtio_bounce_map(vd->name, phys, DMA_MAPPING_ERROR, size,
					dir, true);
		vb_stat_add(vd, VB_STAT_FAIL_OVERSIZE, 1);
		if (!(attrs & DMA_ATTR_NO_WARN))
			dev_err_ratelimited(vd->dev,
					    "virtio_bounce: %s: %zu-byte mapping is larger than the largest slot (%u KiB)\n",
					    vd->name, size,
					    1U << (vd->max_shift - 10));
		return DMA_MAPPING_ERROR;
	}
	/*
	 * No borrowing from a larger class: a slot is at most twice its
	 * mapping, which the progress reserve counts on (vb_footprint()).
	 * A dry class grows, or the grow worker carves it an idle chunk.
	 */
	s = vb_slot_alloc(vd, cls, true);
	if (unlikely(!s) && vd->be->fallback) {
		dma = vb_fallback(vd, phys, size, dir, attrs);
		if (dma != DMA_MAPPING_ERROR)
			return dma;
	}
	if (unlikely(!s)) {
		trace_virtio_bounce_map(vd->name, phys, DMA_MAPPING_ERROR,
					size, dir, true);
		vb_stat_add(vd, VB_STAT_FAIL_EXHAUSTED, 1);
		trace_virtio_bounce_exhausted(vd->name, size,
					      1U << (VB_MIN_SHIFT + cls));
		if (!(attrs & DMA_ATTR_NO_WARN) &&
		    !test_and_set_bit(VB_WARN_EXHAUSTED, &vd->warned))
			vb_warn_exhausted(vd, size);
		return DMA_MAPPING_ERROR;
	}
	/*
	 * A bounced mapping needs its syncs: as swiotlb does, make sure the
	 * DMA core does not skip them (dma_set_mask() may have set
	 * dma_skip_sync on a bypass device after attach).  One load here.
	 */
	dma_reset_need_sync(vd->dev);
	s->orig = phys;
	s->len = size;
	s->offset = offset;
	s->dir = dir;
	/*
	 * Publish: a stale (double) unmap of this slot's address on another
	 * CPU that sees MAPPED also sees this mapping's fields (pairs with
	 * the acquire in vb_lookup()); plain moves on x86.
	 */
	smp_store_release(&s->state, VB_SLOT_MAPPED);
	/*
	 * Copy in for every direction, DMA_FROM_DEVICE too: if the device
	 * writes less than it was given, copying the whole slot back at
	 * unmap then returns the caller's own bytes, never stale pool data.
	 */
	vb_copy(phys, vb_slot_vaddr(s) + offset, size, true);
	vb_stat_add(vd, VB_STAT_BYTES_TO_DEV, size);
	vb_stat_add(vd, VB_STAT_BOUNCED, 1);
	dma = vb_slot_dma(s) + offset;
	trace_virtio_bounce_map(vd->name, phys, dma, size, dir, true);
	return dma;
}

static dma_addr_t vb_map_phys(struct vb_dev *vd, phys_addr_t phys,
			      size_t size, enum dma_data_direction dir,
			      unsigned long attrs)
{
	dma_addr_t dma;

	/* The driver is gone but left mappings (vb_detach()): previous path. */
	if (unlikely(vb_draining(vd)))
		return vb_prev_map(vd, phys, size, dir, attrs);
	if (vd->d.direct_ok) {
		/* No retpoline on the common (identity) 1:1 path. */
		dma = INDIRECT_CALL_1(vd->be->direct, vb_identity_direct, vd,
				      phys, size);
		if (likely(dma != DMA_MAPPING_ERROR)) {
			vb_stat_add(vd, VB_STAT_DIRECT, 1);
			trace_virtio_bounce_map(vd->name, phys, dma, size, dir,
						false);
			return dma;
		}
	}
	return vb_bounce(vd, phys, size, dir, attrs);
}

#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
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

#endif

static void vb_bad_unmap(struct vb_dev *vd, const char *what, dma_addr_t dma,
			 size_t size)
{
	vb_stat_add(vd, VB_STAT_BAD_UNMAPS, 1);
	dev_warn_ratelimited(vd->dev,
			     "virtio_bounce: %s: %s: %pad (%zu bytes)\n",
			     vd->name, what, &dma, size);
}

/*
 * Find the mapped slot behind @dma.  Caller holds rcu_read_lock().
 * @exact: @dma must be the address map returned (unmap), otherwise any
 * address inside the mapping (partial syncs).  Sets *@off to the offset of
 * @dma in the mapping.
 */
static struct vb_slot *vb_lookup(struct vb_dev *vd, dma_addr_t dma,
				 bool exact, size_t *off, bool *pool)
{
	struct vb_slot *s = vb_find_slot(vd, dma);
	dma_addr_t start;

	*pool = !!s;
	/* Pairs with the store-release in vb_bounce(): the fields are its. */
	if (!s || smp_load_acquire(&s->state) != VB_SLOT_MAPPED)
		return NULL;
	start = vb_slot_dma(s) + s->offset;
	if (dma < start || dma - start >= max(s->len, 1U) ||
	    (exact && dma != start))
		return NULL;
	*off = dma - start;
	return s;
}

static void vb_unmap_one(struct vb_dev *vd, dma_addr_t dma, size_t size,
			 enum dma_data_direction dir, unsigned long attrs)
{
	struct vb_slot *s;
	size_t off;
	bool pool;

	rcu_read_lock();
	s = vb_lookup(vd, dma, true, &off, &pool);
	/*
	 * Claim the slot: of two racing unmaps of one mapping (a driver
	 * bug), only one may copy back and free it, or a slot would be
	 * handed out twice.
	 */
	if (s && cmpxchg(&s->state, VB_SLOT_MAPPED, VB_SLOT_FREE) != VB_SLOT_MAPPED)
		s = NULL;
	if (!s) {
		rcu_read_unlock();
		if (!pool && (vb_fb_untrack(vd, dma) || vb_draining(vd)))
			vb_prev_unmap(vd, dma, size, dir, attrs);
		else if (pool)
			vb_bad_unmap(vd,
				     "unmap of a free slot or not the mapped address (double unmap?), ignored",
				     dma, size);
		else if (!vd->d.direct_ok)
			vb_bad_unmap(vd, "unmap of an address this device never mapped, ignored",
				     dma, size);
		else if (vd->parent == VB_PARENT_DIRECT)
			/*
			 * A 1:1 mapping.  It may also be dma-direct's own: a
			 * bypass device's map that the DMA core sent to
			 * dma-direct before memory hotplug raised the
			 * required mask (and maybe into swiotlb), so let
			 * dma-direct undo it.
			 */
			vb_prev_unmap(vd, dma, size, dir, attrs);
		trace_virtio_bounce_unmap(vd->name, dma, size, dir, false);
		return;
	}
	if (unlikely(s->len != size || s->dir != dir)) {
		vb_bad_unmap(vd, s->len != size ?
			     "unmap with the wrong size, releasing what was mapped" :
			     "unmap with the wrong direction, releasing what was mapped",
			     dma, size);
		/* Carry on with what was mapped: never copy past it. */
		dir = s->dir;
	}
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) &&
	    (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)) {
		vb_copy(s->orig, vb_slot_vaddr(s) + s->offset, s->len, false);
		vb_stat_add(vd, VB_STAT_BYTES_FROM_DEV, s->len);
	}
	rcu_read_unlock();
	vb_stat_add(vd, VB_STAT_UNMAPS, 1);
	trace_virtio_bounce_unmap(vd->name, dma, size, dir, true);
	vb_slot_free(vd, s);
}

#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
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

#endif

static void vb_sync(struct vb_dev *vd, dma_addr_t dma, size_t size,
		    enum dma_data_direction dir, bool for_cpu)
{
	struct vb_slot *s;
	size_t off;
	bool pool;

	rcu_read_lock();
	s = vb_lookup(vd, dma, false, &off, &pool);
	if (!s) {
		rcu_read_unlock();
		/*
		 * A sync may point anywhere inside a mapping, so it cannot be
		 * matched to a fallback mapping's start: while any is live,
		 * the previous path gets every sync outside the pool (a no-op
		 * for a 1:1 address, see &vb_backend_ops.fallback).
		 */
		if (!pool && (!xa_empty(&vd->fb_maps) || vb_draining(vd) ||
			      (vd->d.direct_ok && vd->parent == VB_PARENT_DIRECT)))
			vb_prev_sync(vd, dma, size, dir, for_cpu);
		else if (pool || !vd->d.direct_ok)
			vb_bad_unmap(vd, "sync of an unmapped address, ignored",
				     dma, size);
		return;
	}
	if (unlikely(size > s->len - off)) {	/* off < s->len: no overflow */
		vb_bad_unmap(vd, "sync past the end of the mapping, truncated",
			     dma, size);
		size = s->len - off;
	}
	if (for_cpu && (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)) {
		vb_copy(s->orig + off, vb_slot_vaddr(s) + s->offset + off, size,
			false);
		vb_stat_add(vd, VB_STAT_BYTES_FROM_DEV, size);
	} else if (!for_cpu &&
		   (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)) {
		vb_copy(s->orig + off, vb_slot_vaddr(s) + s->offset + off, size,
			true);
		vb_stat_add(vd, VB_STAT_BYTES_TO_DEV, size);
	}
	rcu_read_unlock();
	vb_stat_add(vd, VB_STAT_SYNCS, 1);
	trace_virtio_bounce_sync(vd->name, dma, size, dir, for_cpu);
}

#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
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
			    "virtio_bounce: %s: map_resource of %pa refused: MMIO cannot be bounced and the %s backend has no 1:1 path\n",
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
#else /* CONFIG_VIRTIO_BOUNCE_MAP_OPS */

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
#endif /* CONFIG_VIRTIO_BOUNCE_MAP_OPS */
