// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce map engine: what a map, unmap or sync does for one buffer,
 * whichever seam's ops (virtio_bounce_vmap.c, virtio_bounce_dmaops.c)
 * called it.
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
#define dev_fmt(fmt) pr_fmt(fmt)

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
size_t vb_max_size(struct vb_dev *vd)
{
	return (1UL << vd->max_shift) - dma_get_min_align_mask(vd->dev);
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
	trace_virtio_bounce_fallback(vd->name, phys, dma, size, dir, attrs, 0);
	if (!test_and_set_bit(VB_WARN_FALLBACK, &vd->warned))
		dev_warn(vd->dev,
			 "%s: %s pool (%zuK) cannot serve %zu bytes now: mapping it through the device's previous DMA path (%ps), counted as fallback\n",
			 vd->name, vd->be->name, vd->pool_bytes >> 10, size,
			 vb_prev_map_fn(vd));
	return dma;
}

/* ---- copies ------------------------------------------------------------ */

/*
 * Copy between a caller's buffer and a slot.  No highmem: virtio_bounce
 * is built for x86-64 only (Kconfig), where every page is in the linear map.
 */
static void vb_copy(phys_addr_t orig, void *slot, size_t size, bool to_slot)
{
	/* The device wrote the slot behind KMSAN's back (swiotlb_bounce()). */
	if (!to_slot)
		kmsan_unpoison_memory(slot, size);
	if (to_slot)
		memcpy(slot, phys_to_virt(orig), size);
	else
		memcpy(phys_to_virt(orig), slot, size);
}

/* ---- map, unmap, sync ---------------------------------------------------- */

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
			 "%s: pool exhausted (%zuK in the pool, max %zuK) mapping %zu bytes: no page allocation for a chunk (%lu failed), not max=; the driver retries\n",
			 vd->name, bytes >> 10, max >> 10, size,
			 READ_ONCE(vd->grow_failures));
	else
		dev_warn(vd->dev,
			 "%s: pool exhausted (%zuK in the pool, max %zuK) mapping %zu bytes; boot with virtio_bounce=...,max=%zuK or above, or write that to /sys/bus/virtio/devices/%s/virtio_bounce/max\n",
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
					dir, attrs, VB_TRACE_BOUNCED);
		vb_stat_add(vd, VB_STAT_FAIL_OVERSIZE, 1);
		if (!(attrs & DMA_ATTR_NO_WARN))
			dev_err_ratelimited(vd->dev,
					    "%s: %zu-byte mapping is larger than the largest slot (%u KiB)\n",
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
					size, dir, attrs, VB_TRACE_BOUNCED);
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
	trace_virtio_bounce_map(vd->name, phys, dma, size, dir, attrs,
				VB_TRACE_BOUNCED);
	return dma;
}

dma_addr_t vb_map_phys(struct vb_dev *vd, phys_addr_t phys, size_t size,
		       enum dma_data_direction dir, unsigned long attrs)
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
						attrs, 0);
			return dma;
		}
	}
	return vb_bounce(vd, phys, size, dir, attrs);
}

/*
 * A driver bug caught on an unmap or a sync (double, foreign, wrongly
 * sized, past the end): warned about (ratelimited), counted in
 * bad_unmaps (syncs too), and never acted upon beyond the mapping.
 */
static void vb_bad_use(struct vb_dev *vd, const char *what, dma_addr_t dma,
		       size_t size)
{
	vb_stat_add(vd, VB_STAT_BAD_UNMAPS, 1);
	dev_warn_ratelimited(vd->dev,
			     "%s: %s: %pad (%zu bytes)\n",
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

void vb_unmap_one(struct vb_dev *vd, dma_addr_t dma, size_t size,
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
			vb_bad_use(vd,
				   "unmap of a free slot or not the mapped address (double unmap?), ignored",
				   dma, size);
		else if (!vd->d.direct_ok)
			vb_bad_use(vd, "unmap of an address this device never mapped, ignored",
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
		trace_virtio_bounce_unmap(vd->name, 0, dma, size, dir, attrs, 0);
		return;
	}
	if (unlikely(s->len != size || s->dir != dir)) {
		vb_bad_use(vd, s->len != size ?
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
	trace_virtio_bounce_unmap(vd->name, s->orig, dma, size, dir, attrs,
				  VB_TRACE_BOUNCED);
	vb_slot_free(vd, s);
}

void vb_sync(struct vb_dev *vd, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir, bool for_cpu)
{
	struct vb_slot *s;
	phys_addr_t phys;
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
			vb_bad_use(vd, "sync of an unmapped address, ignored",
				   dma, size);
		return;
	}
	if (unlikely(size > s->len - off)) {	/* off < s->len: no overflow */
		vb_bad_use(vd, "sync past the end of the mapping, truncated",
			   dma, size);
		size = s->len - off;
	}
	phys = s->orig + off;	/* the copy's and the tracepoint's */
	if (for_cpu && (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)) {
		vb_copy(phys, vb_slot_vaddr(s) + s->offset + off, size, false);
		vb_stat_add(vd, VB_STAT_BYTES_FROM_DEV, size);
	} else if (!for_cpu &&
		   (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)) {
		vb_copy(phys, vb_slot_vaddr(s) + s->offset + off, size, true);
		vb_stat_add(vd, VB_STAT_BYTES_TO_DEV, size);
	}
	rcu_read_unlock();
	vb_stat_add(vd, VB_STAT_SYNCS, 1);
	trace_virtio_bounce_sync(vd->name, phys, dma, size, dir, 0,
				 VB_TRACE_BOUNCED |
				 (for_cpu ? VB_TRACE_FOR_CPU : 0));
}

