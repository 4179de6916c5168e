// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce Xen PV backend.
 *
 * In a PV guest a pseudo-physical frame is not a machine frame.  Each
 * pool chunk is exchanged once for machine-contiguous memory below the
 * device's DMA mask (xen_create_contiguous_region(), one XENMEM_exchange
 * hypercall), and the machine address it returns is the chunk's device
 * address for as long as the chunk lives: mapping into the pool never
 * walks the p2m.  A caller's buffer goes to the device directly when its
 * frames are machine-contiguous and below the mask (one p2m lookup per
 * page, as swiotlb-xen does), and is bounced otherwise.
 *
 * xen_create_contiguous_region() zaps and rewrites page tables and may
 * not run in atomic context, so this backend grows only from the pool's
 * worker (process context).
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/dma-direct.h>
#include <linux/mm.h>

#include "virtio_bounce_internal.h"

#if defined(CONFIG_XEN_PV) && defined(CONFIG_SWIOTLB_XEN)
#include <asm/xen/page.h>
#include <asm/xen/swiotlb-xen.h>

static int vb_xen_chunk_map(struct vb_dev *vd, struct vb_chunk *c, gfp_t gfp)
{
	unsigned int bits = fls64(dma_get_mask(vd->dev));
	dma_addr_t mach;
	int err;

	/* Never from the map path: the worker and attach run in process context. */
	if (!gfpflags_allow_blocking(gfp))
		return -EAGAIN;
	err = xen_create_contiguous_region(c->phys, c->order, bits, &mach);
	if (err)
		return err;
	c->dma = phys_to_dma(vd->dev, mach);
	return 0;
}

static void vb_xen_chunk_unmap(struct vb_dev *vd, struct vb_chunk *c)
{
	xen_destroy_contiguous_region(c->phys, c->order);
}

static dma_addr_t vb_xen_direct(struct vb_dev *vd, phys_addr_t phys,
				size_t size)
{
	unsigned long pfn = PFN_DOWN(phys);
	unsigned long nr = PFN_UP(offset_in_page(phys) + size);
	unsigned long bfn = pfn_to_bfn(pfn);
	unsigned long i;
	dma_addr_t dma;

	for (i = 1; i < nr; i++)
		if (pfn_to_bfn(pfn + i) != bfn + i)
			return DMA_MAPPING_ERROR;
	dma = phys_to_dma(vd->dev, PFN_PHYS(bfn) + offset_in_page(phys));
	return vb_dma_capable(vd->dev, dma, size, true) ? dma : DMA_MAPPING_ERROR;
}

const struct vb_backend_ops vb_xen_backend = {
	.name = "xen",
	.atomic_grow = false,
	.any_zone = true,
	/*
	 * 256 KiB slots at most, as swiotlb-xen's segments: the pool cannot
	 * grow in the map path, so it must hold a whole request of such
	 * segments from the start (see vb_pool_init()).
	 */
	.max_shift = VB_CHUNK_SHIFT,
	/*
	 * What the pool cannot serve goes to swiotlb-xen: the fixed pool must
	 * never stall I/O, and a 1:1 address from vb_xen_direct() is what
	 * swiotlb-xen would have returned, so its syncs of one are no-ops.
	 */
	.fallback = true,
	.chunk_map = vb_xen_chunk_map,
	.chunk_unmap = vb_xen_chunk_unmap,
	.direct = vb_xen_direct,
};
#else
static int vb_xen_chunk_map(struct vb_dev *vd, struct vb_chunk *c, gfp_t gfp)
{
	return -ENODEV;
}

static void vb_xen_chunk_unmap(struct vb_dev *vd, struct vb_chunk *c)
{
}

/* Not built with Xen PV: the policy never picks this backend. */
const struct vb_backend_ops vb_xen_backend = {
	.name = "xen",
	.max_shift = VB_CHUNK_SHIFT,
	.chunk_map = vb_xen_chunk_map,
	.chunk_unmap = vb_xen_chunk_unmap,
};
#endif
