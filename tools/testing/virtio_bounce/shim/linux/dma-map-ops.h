/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/dma-map-ops.h>: struct dma_map_ops (a subset
 * of its members, with the kernel's prototypes) and get_dma_ops().
 */
#ifndef _VB_SHIM_LINUX_DMA_MAP_OPS_H
#define _VB_SHIM_LINUX_DMA_MAP_OPS_H

#include <linux/dma-mapping.h>
#include <linux/mm.h>

struct scatterlist;

struct dma_map_ops {
	unsigned int flags;
	void *(*alloc)(struct device *dev, size_t size, dma_addr_t *dma_handle,
		       gfp_t gfp, unsigned long attrs);
	void (*free)(struct device *dev, size_t size, void *vaddr,
		     dma_addr_t dma_handle, unsigned long attrs);
	dma_addr_t (*map_page)(struct device *dev, struct page *page,
			       unsigned long offset, size_t size,
			       enum dma_data_direction dir, unsigned long attrs);
	void (*unmap_page)(struct device *dev, dma_addr_t dma_handle,
			   size_t size, enum dma_data_direction dir,
			   unsigned long attrs);
	int (*map_sg)(struct device *dev, struct scatterlist *sg, int nents,
		      enum dma_data_direction dir, unsigned long attrs);
	void (*unmap_sg)(struct device *dev, struct scatterlist *sg, int nents,
			 enum dma_data_direction dir, unsigned long attrs);
	void (*sync_single_for_cpu)(struct device *dev, dma_addr_t dma_handle,
				    size_t size, enum dma_data_direction dir);
	void (*sync_single_for_device)(struct device *dev,
				       dma_addr_t dma_handle, size_t size,
				       enum dma_data_direction dir);
	int (*dma_supported)(struct device *dev, u64 mask);
	size_t (*max_mapping_size)(struct device *dev);
};

static inline const struct dma_map_ops *get_dma_ops(struct device *dev)
{
	return dev->dma_ops;
}

static inline void set_dma_ops(struct device *dev,
			       const struct dma_map_ops *dma_ops)
{
	dev->dma_ops = dma_ops;
}

#endif /* _VB_SHIM_LINUX_DMA_MAP_OPS_H */
