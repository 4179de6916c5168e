/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of include/trace/events/virtio_bounce.h: every
 * tracepoint is an empty inline function with the TP_PROTO of the real
 * one, so the arguments are still type-checked, as with tracing
 * compiled out in the kernel.
 */
#ifndef _VB_SHIM_TRACE_VIRTIO_BOUNCE_H
#define _VB_SHIM_TRACE_VIRTIO_BOUNCE_H

#include <linux/types.h>
#include <linux/dma-direction.h>

static inline void trace_virtio_bounce_decide(const char *dev, const char *mode,
					      const char *backend,
					      bool direct_ok, const char *why)
{
}

static inline void trace_virtio_bounce_map(const char *dev, phys_addr_t phys,
					   dma_addr_t dma, size_t size,
					   enum dma_data_direction dir,
					   bool bounced)
{
}

static inline void trace_virtio_bounce_unmap(const char *dev, dma_addr_t dma,
					     size_t size,
					     enum dma_data_direction dir,
					     bool bounced)
{
}

static inline void trace_virtio_bounce_sync(const char *dev, dma_addr_t dma,
					    size_t size,
					    enum dma_data_direction dir,
					    bool for_cpu)
{
}

static inline void trace_virtio_bounce_exhausted(const char *dev, size_t size,
						 unsigned int slot_size)
{
}

static inline void trace_virtio_bounce_grow(const char *dev,
					    unsigned int slot_size,
					    size_t bytes, phys_addr_t phys,
					    dma_addr_t dma, int err)
{
}

static inline void trace_virtio_bounce_shrink(const char *dev,
					      unsigned int slot_size,
					      size_t bytes, dma_addr_t dma)
{
}

static inline void trace_virtio_bounce_cache(const char *dev,
					     unsigned int slot_size,
					     unsigned int slots, bool refill)
{
}

#endif /* _VB_SHIM_TRACE_VIRTIO_BOUNCE_H */
