/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/dma-mapping.h>: masks and constants.
 * dma_get_mask() returns the fake device's u64 (all ones when unset,
 * unlike the kernel's 32-bit default: pool memory comes from the heap,
 * far above 4 GiB).
 */
#ifndef _VB_SHIM_LINUX_DMA_MAPPING_H
#define _VB_SHIM_LINUX_DMA_MAPPING_H

#include <linux/device.h>
#include <linux/dma-direction.h>

#define DMA_BIT_MASK(n)		(((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))
#define DMA_MAPPING_ERROR	(~(dma_addr_t)0)

#define DMA_ATTR_WEAK_ORDERING		(1UL << 1)
#define DMA_ATTR_WRITE_COMBINE		(1UL << 2)
#define DMA_ATTR_NO_KERNEL_MAPPING	(1UL << 4)
#define DMA_ATTR_SKIP_CPU_SYNC		(1UL << 5)
#define DMA_ATTR_FORCE_CONTIGUOUS	(1UL << 6)
#define DMA_ATTR_ALLOC_SINGLE_PAGES	(1UL << 7)
#define DMA_ATTR_NO_WARN		(1UL << 8)
#define DMA_ATTR_PRIVILEGED		(1UL << 9)

static inline u64 dma_get_mask(struct device *dev)
{
	return dev->dma_mask ? dev->dma_mask : DMA_BIT_MASK(64);
}

static inline int dma_set_mask(struct device *dev, u64 mask)
{
	dev->dma_mask = mask;
	return 0;
}

static inline unsigned int dma_get_min_align_mask(struct device *dev)
{
	(void)dev;
	return 0;
}

static inline int dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	(void)dev;
	return addr == DMA_MAPPING_ERROR ? -ENOMEM : 0;
}

#endif /* _VB_SHIM_LINUX_DMA_MAPPING_H */
