/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/dma-direct.h>: dma address == phys address. */
#ifndef _VB_SHIM_LINUX_DMA_DIRECT_H
#define _VB_SHIM_LINUX_DMA_DIRECT_H

#include <linux/dma-map-ops.h>

static inline dma_addr_t phys_to_dma(struct device *dev, phys_addr_t paddr)
{
	(void)dev;
	return (dma_addr_t)paddr;
}

static inline phys_addr_t dma_to_phys(struct device *dev, dma_addr_t dma)
{
	(void)dev;
	return (phys_addr_t)dma;
}

/*
 * As the kernel's: the device's mask and its bus limit (the is_ram test
 * only applies without a 64-bit dma_addr_t).
 */
static inline bool dma_capable(struct device *dev, dma_addr_t addr,
			       size_t size, bool is_ram)
{
	dma_addr_t end = addr + size - 1;

	(void)is_ram;
	if (addr == DMA_MAPPING_ERROR)
		return false;
	return end <= min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);
}

#endif /* _VB_SHIM_LINUX_DMA_DIRECT_H */
