// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce: a per-device bounce-buffer DMA backend for virtio.
 *
 * The virtio core calls vb_attach() (through virtio_bounce_attach()) for
 * each device after feature negotiation.  The policy (vb_decide()) picks
 * a translation backend; if the device is claimed, a dedicated
 * struct dma_map_ops, embedded in the per-device state, is installed on
 * the DMA device.  Maps either go 1:1 (when the policy allows it and the
 * buffer is DMA-capable) or are copied into a slot of the device's pool.
 *
 * Design, decision table and numbers: docs/design.md in the project.
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt

#include <linux/debugfs.h>
#include <linux/dma-direct.h>
#include <linux/highmem.h>
#include <linux/indirect_call_wrapper.h>
#include <linux/iommu-dma.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swiotlb.h>

#include "direct.h"
#include "virtio_bounce_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/virtio_bounce.h>

struct vb_config vb_config = {
	.mode = VB_MODE_OFF,
	.pool_min = SZ_4M,
	.pool_max = SZ_64M,
	/* Firmware tables (ACPI DMAR/IVRS/IORT, DT) describe every IOMMU. */
	.iommu_detect = IS_ENABLED(CONFIG_X86) || IS_ENABLED(CONFIG_ARM64),
	.shrink_interval = 10 * HZ,
};

static const char * const vb_mode_names[] = {
	[VB_MODE_OFF] = "off",
	[VB_MODE_ON] = "on",
	[VB_MODE_FORCE] = "force",
};

static const char * const vb_backend_names[] = {
	[VB_BACKEND_NONE] = "none",
	[VB_BACKEND_IDENTITY] = "identity",
	[VB_BACKEND_PARENT] = "parent",
	[VB_BACKEND_XEN] = "xen",
};

/**
 * vb_mode_name() - name of a mode as virtio_bounce= spells it
 * @mode: the mode
 *
 * Return: a constant string.
 */
const char *vb_mode_name(enum vb_mode mode)
{
	return mode < ARRAY_SIZE(vb_mode_names) ? vb_mode_names[mode] : "?";
}

/**
 * vb_backend_name() - name of a translation backend
 * @backend: the backend
 *
 * Return: a constant string.
 */
const char *vb_backend_name(enum vb_backend backend)
{
	return backend < ARRAY_SIZE(vb_backend_names) ?
	       vb_backend_names[backend] : "?";
}

/* One line per decision-table row, printed in dmesg and debugfs. */
enum {
	VB_WHY_OFF,
	VB_WHY_GRANT,
	VB_WHY_SHARED,
	VB_WHY_ENCRYPTED,
	VB_WHY_FOREIGN,
	VB_WHY_MASK,
	VB_WHY_XEN_ON,
	VB_WHY_XEN_FORCE,
	VB_WHY_LEGACY_IOMMU_ON,
	VB_WHY_LEGACY_IOMMU_FORCE,
	VB_WHY_LEGACY_ON,
	VB_WHY_LEGACY_FORCE,
	VB_WHY_IOMMU,
	VB_WHY_UNDETECTABLE,
	VB_WHY_NO_IOMMU_ON,
	VB_WHY_NO_IOMMU_FORCE,
};

static const char * const vb_why[] = {
	[VB_WHY_OFF] = "virtio_bounce=off: stock DMA path",
	[VB_WHY_GRANT] = "Xen grant DMA ops own this device: left to them",
	[VB_WHY_SHARED] =
		"DMA device is not this virtio device's own (other functions map through it): left to the stock path",
	[VB_WHY_ENCRYPTED] =
		"memory-encrypted guest: the device reaches shared pages only and the pool would be private: left to swiotlb's decrypted pool",
	[VB_WHY_FOREIGN] = "device already has its own DMA ops: left to them",
	[VB_WHY_MASK] = "DMA mask below 32 bits: left to the stock path",
	[VB_WHY_XEN_ON] =
		"Xen PV: machine-contiguous buffers go direct, others bounce via the pre-translated pool",
	[VB_WHY_XEN_FORCE] = "Xen PV, force: always bounce via the pre-translated pool",
	[VB_WHY_LEGACY_IOMMU_ON] =
		"no ACCESS_PLATFORM: device bypasses the IOMMU (its domain is ignored), 1:1 fast path",
	[VB_WHY_LEGACY_IOMMU_FORCE] =
		"no ACCESS_PLATFORM: device bypasses the IOMMU (its domain is ignored), force: always bounce",
	[VB_WHY_LEGACY_ON] = "no ACCESS_PLATFORM: device uses physical addresses, 1:1 fast path",
	[VB_WHY_LEGACY_FORCE] =
		"no ACCESS_PLATFORM: device uses physical addresses, force: always bounce",
	[VB_WHY_IOMMU] =
		"IOMMU-DMA domain: pool mapped once through the IOMMU, always bounce (no per-I/O IOMMU work)",
	[VB_WHY_UNDETECTABLE] =
		"platform cannot tell whether an IOMMU translates this device: safe fallback, pool mapped through the device's own DMA path, always bounce",
	[VB_WHY_NO_IOMMU_ON] = "no IOMMU: 1:1 fast path, bounce only what is not DMA-capable",
	[VB_WHY_NO_IOMMU_FORCE] = "no IOMMU, force: always bounce",
};

/**
 * vb_decide() - the per-device decision table
 * @mode: requested mode
 * @in: facts about the device
 * @out: the decision
 *
 * Rows are tried in order; the first that matches decides.  The same
 * table is in docs/design.md and is tested row by row in KUnit.
 */
void vb_decide(enum vb_mode mode, const struct vb_policy_in *in,
	       struct vb_decision *out)
{
	bool on = mode == VB_MODE_ON;

	out->backend = VB_BACKEND_NONE;
	out->direct_ok = false;

	if (mode == VB_MODE_OFF) {
		out->why = vb_why[VB_WHY_OFF];
	} else if (in->xen_grant) {
		out->why = vb_why[VB_WHY_GRANT];
	} else if (in->shared_dma) {
		out->why = vb_why[VB_WHY_SHARED];
	} else if (in->mem_encrypted) {
		out->why = vb_why[VB_WHY_ENCRYPTED];
	} else if (in->foreign_ops) {
		out->why = vb_why[VB_WHY_FOREIGN];
	} else if (in->dma_mask < DMA_BIT_MASK(32)) {
		out->why = vb_why[VB_WHY_MASK];
	} else if (in->xen_pv) {
		out->backend = VB_BACKEND_XEN;
		out->direct_ok = on;
		out->why = vb_why[on ? VB_WHY_XEN_ON : VB_WHY_XEN_FORCE];
	} else if (!in->access_platform) {
		out->backend = VB_BACKEND_IDENTITY;
		out->direct_ok = on;
		if (in->iommu_dma)
			out->why = vb_why[on ? VB_WHY_LEGACY_IOMMU_ON :
					       VB_WHY_LEGACY_IOMMU_FORCE];
		else
			out->why = vb_why[on ? VB_WHY_LEGACY_ON :
					       VB_WHY_LEGACY_FORCE];
	} else if (in->iommu_dma) {
		out->backend = VB_BACKEND_PARENT;
		out->why = vb_why[VB_WHY_IOMMU];
	} else if (!in->iommu_detectable) {
		out->backend = VB_BACKEND_PARENT;
		out->why = vb_why[VB_WHY_UNDETECTABLE];
	} else {
		out->backend = VB_BACKEND_IDENTITY;
		out->direct_ok = on;
		out->why = vb_why[on ? VB_WHY_NO_IOMMU_ON : VB_WHY_NO_IOMMU_FORCE];
	}
}
EXPORT_SYMBOL_GPL(vb_decide);

/* ---- boot parameter --------------------------------------------------- */

/**
 * vb_parse_options() - parse virtio_bounce=<mode>[,pool=SIZE][,max=SIZE][,iommu=detect|unknown]
 * @str: the option string (modified)
 * @cfg: settings to update; left untouched on error
 *
 * Return: 0, or -EINVAL naming the bad token in the kernel log.
 */
int vb_parse_options(char *str, struct vb_config *cfg)
{
	struct vb_config c = *cfg;
	char *tok, *end;
	bool first = true;

	if (!str || !*str)
		goto bad;
	while ((tok = strsep(&str, ",")) != NULL) {
		int m = match_string(vb_mode_names, ARRAY_SIZE(vb_mode_names), tok);

		if (first && m >= 0) {
			c.mode = m;
		} else if (!strncmp(tok, "pool=", 5) || !strncmp(tok, "max=", 4)) {
			char *v = strchr(tok, '=') + 1;
			unsigned long long sz = memparse(v, &end);

			if (!*v || *end || sz < (1UL << VB_CHUNK_SHIFT) ||
			    sz > SZ_1G) {
				pr_warn("bad size '%s' (256K..1G)\n", tok);
				goto bad;
			}
			if (tok[0] == 'p')
				c.pool_min = sz;
			else
				c.pool_max = sz;
		} else if (!strcmp(tok, "iommu=detect")) {
			c.iommu_detect = true;
		} else if (!strcmp(tok, "iommu=unknown")) {
			c.iommu_detect = false;
		} else {
			pr_warn("unknown option '%s'\n", tok);
			goto bad;
		}
		first = false;
	}
	if (c.pool_min > c.pool_max) {
		pr_warn("pool=%zu is above max=%zu\n", c.pool_min, c.pool_max);
		goto bad;
	}
	/* See vb_footprint(): below this a request may never be mapped. */
	if (c.pool_max < vb_footprint(VB_CHUNK_SHIFT)) {
		pr_warn("max=%zuK is below %zuK, the smallest pool that can always hold one largest request\n",
			c.pool_max >> 10, vb_footprint(VB_CHUNK_SHIFT) >> 10);
		goto bad;
	}
	*cfg = c;
	return 0;
bad:
	return -EINVAL;
}

static int __init vb_setup(char *str)
{
	char buf[128];

	strscpy(buf, str ?: "", sizeof(buf));
	if (vb_parse_options(buf, &vb_config))
		pr_warn("ignoring 'virtio_bounce=%s', keeping the default 'virtio_bounce=%s,pool=%zuK,max=%zuK,iommu=%s'\n",
			str ?: "", vb_mode_name(vb_config.mode),
			vb_config.pool_min >> 10, vb_config.pool_max >> 10,
			vb_config.iommu_detect ? "detect" : "unknown");
	return 0;
}
early_param("virtio_bounce", vb_setup);

/**
 * vb_default_mode() - mode from the kernel command line
 *
 * Return: the mode virtio devices get.
 */
enum vb_mode vb_default_mode(void)
{
	return vb_config.mode;
}

/**
 * vb_iommu_detectable() - can this platform tell whether an IOMMU exists?
 *
 * Return: the iommu=detect|unknown policy in force.
 */
bool vb_iommu_detectable(void)
{
	return vb_config.iommu_detect;
}

/* ---- backends --------------------------------------------------------- */

static int vb_identity_chunk_map(struct vb_dev *vd, struct vb_chunk *c,
				 gfp_t gfp)
{
	c->dma = phys_to_dma(vd->dev, c->phys);
	return 0;
}

static void vb_nop_chunk_unmap(struct vb_dev *vd, struct vb_chunk *c)
{
}

static dma_addr_t vb_identity_direct(struct vb_dev *vd, phys_addr_t phys,
				     size_t size)
{
	dma_addr_t dma = phys_to_dma(vd->dev, phys);

	return dma_capable(vd->dev, dma, size, true) ? dma : DMA_MAPPING_ERROR;
}

const struct vb_backend_ops vb_identity_backend = {
	.name = "identity",
	.atomic_grow = true,
	.max_shift = VB_MAX_SHIFT,
	.chunk_map = vb_identity_chunk_map,
	.chunk_unmap = vb_nop_chunk_unmap,
	.direct = vb_identity_direct,
};

/* Map through the device's previous DMA path: once per chunk. */
static dma_addr_t vb_parent_map(struct vb_dev *vd, phys_addr_t phys,
				size_t size, enum dma_data_direction dir,
				unsigned long attrs)
{
	struct page *page = pfn_to_page(PHYS_PFN(phys));
	unsigned long off = offset_in_page(phys);

	switch (vd->parent) {
	case VB_PARENT_OPS:
		return vd->parent_ops->map_page(vd->dev, page, off, size, dir,
						attrs);
	case VB_PARENT_IOMMU:
		if (IS_ENABLED(CONFIG_IOMMU_DMA))
			return iommu_dma_map_page(vd->dev, page, off, size,
						  dir, attrs);
		fallthrough;
	default:
		return dma_direct_map_page(vd->dev, page, off, size, dir, attrs);
	}
}

static void vb_parent_unmap(struct vb_dev *vd, dma_addr_t dma, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	switch (vd->parent) {
	case VB_PARENT_OPS:
		if (vd->parent_ops->unmap_page)
			vd->parent_ops->unmap_page(vd->dev, dma, size, dir, attrs);
		break;
	case VB_PARENT_IOMMU:
		if (IS_ENABLED(CONFIG_IOMMU_DMA)) {
			iommu_dma_unmap_page(vd->dev, dma, size, dir, attrs);
			break;
		}
		fallthrough;
	default:
		dma_direct_unmap_page(vd->dev, dma, size, dir, attrs);
		break;
	}
}

static int vb_parent_chunk_map(struct vb_dev *vd, struct vb_chunk *c,
			       gfp_t gfp)
{
	size_t bytes = PAGE_SIZE << c->order;

	c->dma = vb_parent_map(vd, c->phys, bytes, DMA_BIDIRECTIONAL,
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
	if (vd->parent == VB_PARENT_DIRECT &&
	    swiotlb_find_pool(vd->dev, dma_to_phys(vd->dev, c->dma))) {
		vb_parent_unmap(vd, c->dma, bytes, DMA_BIDIRECTIONAL,
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
	vb_parent_unmap(vd, c->dma, PAGE_SIZE << c->order, DMA_BIDIRECTIONAL,
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

static void vb_parent_sync(struct vb_dev *vd, dma_addr_t dma, size_t size,
			   enum dma_data_direction dir, bool for_cpu)
{
	const struct dma_map_ops *ops = vd->parent_ops;

	/*
	 * Fallback mappings (Xen: swiotlb-xen) and, once the driver is gone,
	 * the previous path's own mappings (vb_detach()).
	 */
	if (vd->parent == VB_PARENT_OPS) {
		if (for_cpu && ops->sync_single_for_cpu)
			ops->sync_single_for_cpu(vd->dev, dma, size, dir);
		else if (!for_cpu && ops->sync_single_for_device)
			ops->sync_single_for_device(vd->dev, dma, size, dir);
	} else if (vd->parent == VB_PARENT_IOMMU && IS_ENABLED(CONFIG_IOMMU_DMA)) {
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

static dma_addr_t vb_fallback(struct vb_dev *vd, phys_addr_t phys,
			      size_t size, enum dma_data_direction dir,
			      unsigned long attrs)
{
	dma_addr_t dma = vb_parent_map(vd, phys, size, dir, attrs);

	if (dma == DMA_MAPPING_ERROR)
		return dma;
	if (vb_fb_track(vd, dma)) {
		vb_parent_unmap(vd, dma, size, dir,
				attrs | DMA_ATTR_SKIP_CPU_SYNC);
		return DMA_MAPPING_ERROR;
	}
	vb_stat_add(vd, VB_STAT_FALLBACK, 1);
	trace_virtio_bounce_fallback(vd->name, phys, dma, size, dir, false);
	if (!test_and_set_bit(VB_WARN_FALLBACK, &vd->warned))
		dev_warn(vd->dev,
			 "virtio_bounce: %s: the %s pool (%zu KiB, %lu failed grows) cannot serve a %zu-byte mapping now; mapping it through the device's previous DMA path (%ps) instead (counted as fallback in debugfs)\n",
			 vd->name, vd->be->name, vd->pool_bytes >> 10,
			 vd->grow_failures, size,
			 vd->parent == VB_PARENT_OPS ?
			 (void *)vd->parent_ops->map_page :
			 (void *)dma_direct_map_page);
	return dma;
}

/* ---- copies ------------------------------------------------------------ */

/* Copy between a caller's buffer (which may be highmem) and a slot. */
static void vb_copy(phys_addr_t orig, void *slot, size_t size, bool to_slot)
{
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

static dma_addr_t vb_bounce(struct vb_dev *vd, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	unsigned int align = dma_get_min_align_mask(vd->dev);
	unsigned int offset = phys & align;
	struct vb_slot *s;
	dma_addr_t dma;
	int cls, c;

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
	s = vb_slot_alloc(vd, cls, true);
	/* A dry class borrows a free slot of a larger one (aligned as well). */
	for (c = cls + 1; unlikely(!s) && VB_MIN_SHIFT + c <= vd->max_shift; c++)
		s = vb_slot_alloc(vd, c, false);
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
			dev_warn(vd->dev,
				 "virtio_bounce: %s: pool exhausted (%zu KiB of max %zu KiB) mapping %zu bytes; the driver will retry (further misses are counted in debugfs)\n",
				 vd->name, vd->pool_bytes >> 10,
				 vd->pool_max >> 10, size);
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
	WRITE_ONCE(s->state, VB_SLOT_MAPPED);
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
		return vb_parent_map(vd, phys, size, dir, attrs);
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
	if (!s || READ_ONCE(s->state) != VB_SLOT_MAPPED)
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
			vb_parent_unmap(vd, dma, size, dir, attrs);
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
			dma_direct_unmap_page(vd->dev, dma, size, dir, attrs);
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
			vb_parent_sync(vd, dma, size, dir, for_cpu);
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

/**
 * vb_sync_single_for_cpu() - dma_map_ops.sync_single_for_cpu
 * @dev: the DMA device
 * @dma: any address inside a mapping (partial syncs)
 * @size: bytes from @dma
 * @dir: direction of the mapping
 */
static void vb_sync_single_for_cpu(struct device *dev, dma_addr_t dma,
				   size_t size, enum dma_data_direction dir)
{
	vb_sync(to_vb_dev(dev), dma, size, dir, true);
}

/**
 * vb_sync_single_for_device() - dma_map_ops.sync_single_for_device
 * @dev: the DMA device
 * @dma: any address inside a mapping (partial syncs)
 * @size: bytes from @dma
 * @dir: direction of the mapping
 */
static void vb_sync_single_for_device(struct device *dev, dma_addr_t dma,
				      size_t size, enum dma_data_direction dir)
{
	vb_sync(to_vb_dev(dev), dma, size, dir, false);
}

/**
 * vb_unmap_sg() - dma_map_ops.unmap_sg
 * @dev: the DMA device
 * @sgl: the list given to vb_map_sg()
 * @nents: entries given to vb_map_sg()
 * @dir: direction
 * @attrs: DMA_ATTR_*
 */
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

/**
 * vb_sync_sg_for_cpu() - dma_map_ops.sync_sg_for_cpu
 * @dev: the DMA device
 * @sgl: a mapped list
 * @nents: its entries
 * @dir: direction
 */
static void vb_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl,
			       int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vb_sync(to_vb_dev(dev), sg_dma_address(sg), sg_dma_len(sg),
			dir, true);
}

/**
 * vb_sync_sg_for_device() - dma_map_ops.sync_sg_for_device
 * @dev: the DMA device
 * @sgl: a mapped list
 * @nents: its entries
 * @dir: direction
 */
static void vb_sync_sg_for_device(struct device *dev, struct scatterlist *sgl,
				  int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vb_sync(to_vb_dev(dev), sg_dma_address(sg), sg_dma_len(sg),
			dir, false);
}

/*
 * Coherent memory (virtqueue rings) is never bounced: it comes from the
 * device's previous DMA path, which knows how to make memory the device
 * can reach (machine-contiguous under Xen, IOMMU-mapped, or plain).
 */

/**
 * vb_alloc() - dma_map_ops.alloc, delegated to the previous DMA path
 * @dev: the DMA device
 * @size: bytes
 * @dma: returns the device address
 * @gfp: allocation flags
 * @attrs: DMA_ATTR_*
 *
 * Return: kernel address of the buffer, or NULL.
 */
static void *vb_alloc(struct device *dev, size_t size, dma_addr_t *dma,
		      gfp_t gfp, unsigned long attrs)
{
	struct vb_dev *vd = to_vb_dev(dev);

	switch (vd->parent) {
	case VB_PARENT_OPS:
		return vd->parent_ops->alloc(dev, size, dma, gfp, attrs);
	case VB_PARENT_IOMMU:
		if (IS_ENABLED(CONFIG_IOMMU_DMA))
			return iommu_dma_alloc(dev, size, dma, gfp, attrs);
		fallthrough;
	default:
		return dma_direct_alloc(dev, size, dma, gfp, attrs);
	}
}

/**
 * vb_free() - dma_map_ops.free
 * @dev: the DMA device
 * @size: bytes
 * @vaddr: from vb_alloc()
 * @dma: from vb_alloc()
 * @attrs: DMA_ATTR_*
 */
static void vb_free(struct device *dev, size_t size, void *vaddr,
		    dma_addr_t dma, unsigned long attrs)
{
	struct vb_dev *vd = to_vb_dev(dev);

	switch (vd->parent) {
	case VB_PARENT_OPS:
		vd->parent_ops->free(dev, size, vaddr, dma, attrs);
		break;
	case VB_PARENT_IOMMU:
		if (IS_ENABLED(CONFIG_IOMMU_DMA)) {
			iommu_dma_free(dev, size, vaddr, dma, attrs);
			break;
		}
		fallthrough;
	default:
		dma_direct_free(dev, size, vaddr, dma, attrs);
		break;
	}
}

/**
 * vb_mmap() - dma_map_ops.mmap of coherent memory
 * @dev: the DMA device
 * @vma: the user mapping
 * @cpu_addr: from vb_alloc()
 * @dma: from vb_alloc()
 * @size: bytes
 * @attrs: DMA_ATTR_*
 *
 * Return: 0 or a negative errno.
 */
static int vb_mmap(struct device *dev, struct vm_area_struct *vma,
		   void *cpu_addr, dma_addr_t dma, size_t size,
		   unsigned long attrs)
{
	struct vb_dev *vd = to_vb_dev(dev);

	switch (vd->parent) {
	case VB_PARENT_OPS:
		return vd->parent_ops->mmap ?
		       vd->parent_ops->mmap(dev, vma, cpu_addr, dma, size, attrs) :
		       -ENXIO;
	case VB_PARENT_IOMMU:
		if (IS_ENABLED(CONFIG_IOMMU_DMA))
			return iommu_dma_mmap(dev, vma, cpu_addr, dma, size,
					      attrs);
		fallthrough;
	default:
		return dma_direct_mmap(dev, vma, cpu_addr, dma, size, attrs);
	}
}

/**
 * vb_get_sgtable() - dma_map_ops.get_sgtable of coherent memory
 * @dev: the DMA device
 * @sgt: table to fill
 * @cpu_addr: from vb_alloc()
 * @dma: from vb_alloc()
 * @size: bytes
 * @attrs: DMA_ATTR_*
 *
 * Return: 0 or a negative errno.
 */
static int vb_get_sgtable(struct device *dev, struct sg_table *sgt,
			  void *cpu_addr, dma_addr_t dma, size_t size,
			  unsigned long attrs)
{
	struct vb_dev *vd = to_vb_dev(dev);

	switch (vd->parent) {
	case VB_PARENT_OPS:
		return vd->parent_ops->get_sgtable ?
		       vd->parent_ops->get_sgtable(dev, sgt, cpu_addr, dma,
						   size, attrs) : -ENXIO;
	case VB_PARENT_IOMMU:
		if (IS_ENABLED(CONFIG_IOMMU_DMA))
			return iommu_dma_get_sgtable(dev, sgt, cpu_addr, dma,
						     size, attrs);
		fallthrough;
	default:
		return dma_direct_get_sgtable(dev, sgt, cpu_addr, dma, size,
					      attrs);
	}
}

/**
 * vb_map_resource() - dma_map_ops.map_resource
 * @dev: the DMA device
 * @phys: MMIO physical address
 * @size: bytes
 * @dir: direction
 * @attrs: DMA_ATTR_*
 *
 * MMIO cannot be bounced.  It is mapped 1:1 where 1:1 maps are allowed on
 * an identity backend, and refused with a message otherwise.
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
	if (vd->d.direct_ok && vd->be == &vb_identity_backend) {
		dma = phys;
		if (dma_capable(dev, dma, size, false))
			return dma;
	}
	dev_err_ratelimited(dev,
			    "virtio_bounce: %s: map_resource of %pa refused: MMIO cannot be bounced and the %s backend has no 1:1 path\n",
			    vd->name, &phys, vd->be->name);
	return DMA_MAPPING_ERROR;
}

/**
 * vb_unmap_resource() - dma_map_ops.unmap_resource (1:1, nothing to undo)
 * @dev: the DMA device
 * @dma: from vb_map_resource()
 * @size: bytes
 * @dir: direction
 * @attrs: DMA_ATTR_*
 */
static void vb_unmap_resource(struct device *dev, dma_addr_t dma, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
}

/**
 * vb_dma_supported() - dma_map_ops.dma_supported
 * @dev: the DMA device
 * @mask: proposed mask
 *
 * Return: whether the pool (and 1:1 path) can serve @mask.
 */
static int vb_dma_supported(struct device *dev, u64 mask)
{
	struct vb_dev *vd = to_vb_dev(dev);

	if (vd->parent == VB_PARENT_OPS && vd->parent_ops->dma_supported)
		return vd->parent_ops->dma_supported(dev, mask);
	if (vd->parent == VB_PARENT_IOMMU)
		return 1;
	return mask >= DMA_BIT_MASK(32) && dma_direct_supported(dev, mask);
}

/**
 * vb_get_required_mask() - dma_map_ops.get_required_mask
 * @dev: the DMA device
 *
 * Return: the mask the previous DMA path requires.
 */
static u64 vb_get_required_mask(struct device *dev)
{
	struct vb_dev *vd = to_vb_dev(dev);

	if (vd->parent == VB_PARENT_OPS && vd->parent_ops->get_required_mask)
		return vd->parent_ops->get_required_mask(dev);
	return dma_direct_get_required_mask(dev);
}

/**
 * vb_max_mapping_size() - dma_map_ops.max_mapping_size
 * @dev: the DMA device
 *
 * Return: the largest slot less the min_align_mask padding.
 */
static size_t vb_max_mapping_size(struct device *dev)
{
	struct vb_dev *vd = to_vb_dev(dev);

	return (1UL << vd->max_shift) - dma_get_min_align_mask(dev);
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
EXPORT_SYMBOL_GPL(vb_claimed);

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
EXPORT_SYMBOL_GPL(vb_claimed_by);

/* ---- debugfs ------------------------------------------------------------ */

static struct dentry *vb_debugfs_root;

static const char * const vb_stat_names[VB_NR_STATS] = {
	[VB_STAT_UNMAPS] = "unmaps_bounced",
	[VB_STAT_BOUNCED] = "bounced",
	[VB_STAT_DIRECT] = "direct",
	[VB_STAT_FALLBACK] = "fallback",
	[VB_STAT_BYTES_TO_DEV] = "bytes_to_device",
	[VB_STAT_BYTES_FROM_DEV] = "bytes_from_device",
	[VB_STAT_SYNCS] = "syncs",
	[VB_STAT_CACHE_HITS] = "cache_hits",
	[VB_STAT_CACHE_MISSES] = "cache_misses",
	[VB_STAT_DEPOT_REFILLS] = "depot_refills",
	[VB_STAT_DEPOT_FLUSHES] = "depot_flushes",
	[VB_STAT_FAIL_EXHAUSTED] = "fail_exhausted",
	[VB_STAT_FAIL_OVERSIZE] = "fail_oversize",
	[VB_STAT_BAD_UNMAPS] = "bad_unmaps",
};

static int vb_stats_show(struct seq_file *m, void *v)
{
	struct vb_dev *vd = m->private;
	unsigned long hiwater = 0;
	unsigned int i;

	seq_printf(m, "mode %s\nbackend %s\ndirect_ok %d\nwhy %s\n",
		   vb_mode_name(vd->mode), vd->be->name, vd->d.direct_ok,
		   vd->d.why);
	seq_printf(m, "bypass %d\nmaps %lu\nfallback_live %lu\n", vb_bypass(vd),
		   vb_maps(vd), vb_fb_live(vd));
	for (i = 0; i < VB_NR_STATS; i++)
		seq_printf(m, "%s %lu\n", vb_stat_names[i], vb_stat_sum(vd, i));
	for (i = 0; i < VB_NR_CLASSES; i++)
		hiwater += vd->cls[i].hiwater << vd->cls[i].shift;
	seq_printf(m, "in_use %lu\npool_bytes %zu\npool_min %zu\npool_max %zu\n",
		   vb_pool_in_use(vd), vd->pool_bytes, vd->pool_min,
		   vd->pool_max);
	seq_printf(m, "hiwater_bytes %lu\ngrows %lu\nshrinks %lu\ngrow_failures %lu\n",
		   hiwater, vd->grows, vd->shrinks, vd->grow_failures);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vb_stats);

static int vb_pool_show(struct seq_file *m, void *v)
{
	struct vb_dev *vd = m->private;
	struct vb_chunk *c;
	unsigned long flags;
	unsigned int i;

	seq_puts(m, "slot_size chunks slots_out hiwater depot_mags cache_cap\n");
	for (i = 0; i < VB_NR_CLASSES; i++) {
		struct vb_class *k = &vd->cls[i];

		spin_lock_irqsave(&k->lock, flags);
		seq_printf(m, "%u %lu %lu %lu %u %u\n", 1U << k->shift,
			   k->nr_chunks, k->out, k->hiwater, k->depot_len,
			   k->mag_cap);
		spin_unlock_irqrestore(&k->lock, flags);
	}
	seq_puts(m, "# chunks: phys dma bytes slot_size\n");
	spin_lock_irqsave(&vd->grow_lock, flags);
	list_for_each_entry(c, &vd->all_chunks, all)
		seq_printf(m, "chunk %pa %pad %lu %u\n", &c->phys, &c->dma,
			   PAGE_SIZE << c->order, 1U << c->cls->shift);
	spin_unlock_irqrestore(&vd->grow_lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vb_pool);

static int vb_shrink_set(void *data, u64 val)
{
	struct vb_dev *vd = data;

	if (val)
		vb_shrink(vd, vd->pool_min, -1, false);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vb_shrink_fops, NULL, vb_shrink_set, "%llu\n");

static void vb_debugfs_add(struct vb_dev *vd)
{
	if (!vb_debugfs_root)
		return;
	vd->dbg = debugfs_create_dir(vd->name, vb_debugfs_root);
	debugfs_create_file("stats", 0444, vd->dbg, vd, &vb_stats_fops);
	debugfs_create_file("pool", 0444, vd->dbg, vd, &vb_pool_fops);
	debugfs_create_file_unsafe("shrink", 0200, vd->dbg, vd,
				   &vb_shrink_fops);
}

static int vb_params_show(struct seq_file *m, void *v)
{
	seq_printf(m, "mode %s\npool %zu\nmax %zu\niommu %s\n",
		   vb_mode_name(vb_config.mode), vb_config.pool_min,
		   vb_config.pool_max,
		   vb_config.iommu_detect ? "detect" : "unknown");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vb_params);

static int __init vb_debugfs_init(void)
{
	vb_debugfs_root = debugfs_create_dir("virtio_bounce", NULL);
	debugfs_create_file("params", 0444, vb_debugfs_root, NULL,
			    &vb_params_fops);
	return 0;
}
fs_initcall(vb_debugfs_init);

/* ---- attach / detach ---------------------------------------------------- */

static void vb_set_dma_iommu(struct device *dev, bool on)
{
#ifdef CONFIG_IOMMU_DMA
	dev->dma_iommu = on;
#endif
}

/* Every decision is logged once per device and traced. */
static void vb_log_decision(struct device *dev, const char *name,
			    enum vb_mode mode, const struct vb_decision *d,
			    bool bypass)
{
	dev_info(dev, "virtio_bounce: %s: mode=%s backend=%s direct=%s: %s%s\n",
		 name, vb_mode_name(mode), vb_backend_name(d->backend),
		 d->direct_ok ? "yes" : "no", d->why,
		 bypass ? " (dma_ops_bypass: the DMA core maps 1:1 as dma-direct)" : "");
	trace_virtio_bounce_decide(name, vb_mode_name(mode),
				   vb_backend_name(d->backend), d->direct_ok,
				   d->why);
}

/* Leave @dev on its stock path, saying why. */
static void vb_not_claimed(struct device *dev, const char *name,
			   enum vb_mode mode, const char *why)
{
	struct vb_decision d = { .backend = VB_BACKEND_NONE, .why = why };

	vb_log_decision(dev, name, mode, &d, false);
}

/* Give the device its previous DMA path back and free the state. */
static void vb_release(struct vb_dev *vd)
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
	debugfs_remove_recursive(vd->dbg);
	xa_destroy(&vd->fb_maps);
	vb_pool_destroy(vd);	/* chunks unmapped through the path restored above */
	dev_info(dev, "virtio_bounce: %s: released\n", vd->name);
	kfree(vd);
}

/* Mappings that would need this state to be undone. */
static unsigned long vb_live(struct vb_dev *vd)
{
	return vb_pool_in_use(vd) + vb_fb_live(vd);
}

/**
 * vb_attach_cfg() - decide for one device and claim it if the table says so
 * @dev: the DMA device
 * @owner: the virtio device it is claimed for
 * @name: name for messages and debugfs
 * @in: facts about the device
 * @cfg: settings to use
 *
 * Return: the new per-device state (or @owner's existing one), NULL when
 * the device is not claimed (stock path) or @owner is NULL, or an ERR_PTR.
 */
struct vb_dev *vb_attach_cfg(struct device *dev, const void *owner,
			     const char *name, const struct vb_policy_in *in,
			     const struct vb_config *cfg)
{
	struct vb_decision d;
	struct vb_dev *vd;
	int err;

	if (WARN_ON_ONCE(!owner))	/* NULL is vb_draining()'s mark */
		return NULL;
	if (vb_claimed(dev)) {
		vd = to_vb_dev(dev);
		if (vd->owner == owner)
			return vd;
		if (vd->owner) {
			/* A second virtio device on one DMA device. */
			vb_not_claimed(dev, name, cfg->mode,
				       "DMA device already claimed for another virtio device: it is shared, left to the stock path");
			return NULL;
		}
		if (vb_live(vd)) {
			vb_not_claimed(dev, name, cfg->mode,
				       "the previous driver's mappings are still live in the pool: left to the previous DMA path");
			return NULL;
		}
		vb_release(vd);	/* left behind by a driver, now idle */
	}

	vb_decide(cfg->mode, in, &d);
	if (d.backend == VB_BACKEND_NONE) {
		vb_log_decision(dev, name, cfg->mode, &d, false);
		return NULL;
	}
	if (!dev->dma_mask) {
		vb_not_claimed(dev, name, cfg->mode,
			       "DMA device has no DMA mask: left to the stock path");
		return NULL;
	}

	vd = kzalloc(sizeof(*vd), GFP_KERNEL);
	if (!vd)
		return ERR_PTR(-ENOMEM);
	/* Written once, before set_dma_ops() publishes it. */
	memcpy((void *)&vd->ops, &vb_ops_template, sizeof(vd->ops));
	vd->dev = dev;
	vd->owner = owner;
	strscpy(vd->name, name, sizeof(vd->name));
	vd->mode = cfg->mode;
	vd->d = d;
	vd->pool_min = cfg->pool_min;
	vd->pool_max = cfg->pool_max;
	vd->shrink_interval = cfg->shrink_interval;
	vd->parent_ops = get_dma_ops(dev);
	if (d.backend == VB_BACKEND_IDENTITY)
		vd->parent = VB_PARENT_DIRECT;	/* physical addresses */
	else if (use_dma_iommu(dev))
		vd->parent = VB_PARENT_IOMMU;
	else if (vd->parent_ops)
		vd->parent = VB_PARENT_OPS;
	else
		vd->parent = VB_PARENT_DIRECT;
	if (d.backend == VB_BACKEND_XEN && vd->parent != VB_PARENT_OPS) {
		vb_not_claimed(dev, name, cfg->mode,
			       "Xen PV without swiotlb-xen: left to the stock path");
		kfree(vd);
		return NULL;
	}

	switch (d.backend) {
	case VB_BACKEND_XEN:
		vd->be = &vb_xen_backend;
		break;
	case VB_BACKEND_PARENT:
		vd->be = &vb_parent_backend;
		break;
	default:
		vd->be = &vb_identity_backend;
		break;
	}
	xa_init_flags(&vd->fb_maps, XA_FLAGS_LOCK_IRQ);
	vd->max_shift = vb_max_shift(vd->be->max_shift, vd->pool_max);

	err = vb_pool_init(vd);
	if (err) {
		dev_warn(dev, "virtio_bounce: %s: could not set up the pool (%d), device keeps its stock DMA path\n",
			 name, err);
		goto free;
	}
	if (vb_pool_prefilled(vd) && !vd->pool_bytes) {
		/*
		 * Not one chunk could be made (e.g. a failed Xen exchange):
		 * keep the stock path rather than a device that cannot map.
		 */
		vb_pool_destroy(vd);
		vb_not_claimed(dev, name, cfg->mode,
			       "could not build any pool chunk: left to the stock path");
		dev_warn(dev, "virtio_bounce: %s: %s backend could not create its pool, device keeps its stock DMA path\n",
			 name, vd->be->name);
		kfree(vd);
		return NULL;
	}

	/*
	 * The 1:1 fast path costs what dma-direct costs because it is
	 * dma-direct: with dma_ops_bypass the DMA core maps, unmaps and
	 * syncs through dma-direct itself, with no call into these ops,
	 * whenever the device's mask covers all memory (dma_go_direct()).
	 * Everything else (a mask that does not cover all memory) still
	 * reaches vb_map_phys(): 1:1 where capable, bounced otherwise.
	 */
	vb_log_decision(dev, name, cfg->mode, &d, vb_bypass(vd));
	vb_debugfs_add(vd);
	/* Our ops only run if the DMA core does not take the IOMMU path. */
	if (use_dma_iommu(dev)) {
		vd->cleared_dma_iommu = true;
		vb_set_dma_iommu(dev, false);
	}
	set_dma_ops(dev, &vd->ops);
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
	return vd;

free:
	kfree(vd);
	return ERR_PTR(err);
}

/**
 * vb_attach() - decide for one device with the boot-time settings
 * @dma_dev: the DMA device
 * @owner: the virtio device it is claimed for
 * @name: name for messages and debugfs
 * @in: facts about the device
 *
 * Return: 0 (claimed or left on its stock path) or a negative errno; the
 * device is usable either way.
 */
int vb_attach(struct device *dma_dev, const void *owner, const char *name,
	      const struct vb_policy_in *in)
{
	return PTR_ERR_OR_ZERO(vb_attach_cfg(dma_dev, owner, name, in,
					     &vb_config));
}
EXPORT_SYMBOL_GPL(vb_attach);

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
	dev_warn(dma_dev, "virtio_bounce: %s: driver released the device with %lu mappings still live: the pool stays until they are unmapped, new mappings take the previous DMA path\n",
		 vd->name, live);
}
EXPORT_SYMBOL_GPL(vb_detach);
