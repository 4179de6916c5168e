/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM virtio_bounce

#if !defined(_TRACE_VIRTIO_BOUNCE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_VIRTIO_BOUNCE_H

#include <linux/tracepoint.h>
#include <linux/dma-direction.h>

TRACE_EVENT(virtio_bounce_decide,
	    TP_PROTO(const char *dev, const char *mode, const char *backend,
		     bool direct_ok, const char *why),
	    TP_ARGS(dev, mode, backend, direct_ok, why),
	    TP_STRUCT__entry(__string(dev, dev)
			     __string(mode, mode)
			     __string(backend, backend)
			     __field(bool, direct_ok)
			     __string(why, why)),
	    TP_fast_assign(__assign_str(dev);
			   __assign_str(mode);
			   __assign_str(backend);
			   __entry->direct_ok = direct_ok;
			   __assign_str(why);),
	    TP_printk("dev=%s mode=%s backend=%s direct_ok=%d why=\"%s\"",
		      __get_str(dev), __get_str(mode), __get_str(backend),
		      __entry->direct_ok, __get_str(why))
);

DECLARE_EVENT_CLASS(virtio_bounce_map_class,
		    TP_PROTO(const char *dev, phys_addr_t phys, dma_addr_t dma,
			     size_t size, enum dma_data_direction dir, bool bounced),
		    TP_ARGS(dev, phys, dma, size, dir, bounced),
		    TP_STRUCT__entry(__string(dev, dev)
				     __field(u64, phys)
				     __field(u64, dma)
				     __field(size_t, size)
				     __field(int, dir)
				     __field(bool, bounced)),
		    TP_fast_assign(__assign_str(dev);
				   __entry->phys = phys;
				   __entry->dma = dma;
				   __entry->size = size;
				   __entry->dir = dir;
				   __entry->bounced = bounced;),
		    TP_printk("dev=%s phys=0x%llx dma=0x%llx size=%zu dir=%d bounced=%d",
			      __get_str(dev), __entry->phys, __entry->dma,
			      __entry->size, __entry->dir, __entry->bounced)
);

/* A map through our ops: 1:1 (bounced=0) or into a pool slot. */
DEFINE_EVENT(virtio_bounce_map_class, virtio_bounce_map,
	     TP_PROTO(const char *dev, phys_addr_t phys, dma_addr_t dma,
		      size_t size, enum dma_data_direction dir, bool bounced),
	     TP_ARGS(dev, phys, dma, size, dir, bounced)
);

/* A map the pool could not serve, made by the previous DMA path. */
DEFINE_EVENT(virtio_bounce_map_class, virtio_bounce_fallback,
	     TP_PROTO(const char *dev, phys_addr_t phys, dma_addr_t dma,
		      size_t size, enum dma_data_direction dir, bool bounced),
	     TP_ARGS(dev, phys, dma, size, dir, bounced)
);

TRACE_EVENT(virtio_bounce_unmap,
	    TP_PROTO(const char *dev, dma_addr_t dma, size_t size,
		     enum dma_data_direction dir, bool bounced),
	    TP_ARGS(dev, dma, size, dir, bounced),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u64, dma)
			     __field(size_t, size)
			     __field(int, dir)
			     __field(bool, bounced)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->dma = dma;
			   __entry->size = size;
			   __entry->dir = dir;
			   __entry->bounced = bounced;),
	    TP_printk("dev=%s dma=0x%llx size=%zu dir=%d bounced=%d",
		      __get_str(dev), __entry->dma, __entry->size, __entry->dir,
		      __entry->bounced)
);

TRACE_EVENT(virtio_bounce_sync,
	    TP_PROTO(const char *dev, dma_addr_t dma, size_t size,
		     enum dma_data_direction dir, bool for_cpu),
	    TP_ARGS(dev, dma, size, dir, for_cpu),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u64, dma)
			     __field(size_t, size)
			     __field(int, dir)
			     __field(bool, for_cpu)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->dma = dma;
			   __entry->size = size;
			   __entry->dir = dir;
			   __entry->for_cpu = for_cpu;),
	    TP_printk("dev=%s dma=0x%llx size=%zu dir=%d for_cpu=%d",
		      __get_str(dev), __entry->dma, __entry->size, __entry->dir,
		      __entry->for_cpu)
);

TRACE_EVENT(virtio_bounce_exhausted,
	    TP_PROTO(const char *dev, size_t size, unsigned int slot_size),
	    TP_ARGS(dev, size, slot_size),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(size_t, size)
			     __field(unsigned int, slot_size)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->size = size;
			   __entry->slot_size = slot_size;),
	    TP_printk("dev=%s size=%zu slot_size=%u", __get_str(dev),
		      __entry->size, __entry->slot_size)
);

TRACE_EVENT(virtio_bounce_grow,
	    TP_PROTO(const char *dev, unsigned int slot_size, size_t bytes,
		     phys_addr_t phys, dma_addr_t dma, int err),
	    TP_ARGS(dev, slot_size, bytes, phys, dma, err),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned int, slot_size)
			     __field(size_t, bytes)
			     __field(u64, phys)
			     __field(u64, dma)
			     __field(int, err)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->slot_size = slot_size;
			   __entry->bytes = bytes;
			   __entry->phys = phys;
			   __entry->dma = dma;
			   __entry->err = err;),
	    TP_printk("dev=%s slot_size=%u bytes=%zu phys=0x%llx dma=0x%llx err=%d",
		      __get_str(dev), __entry->slot_size, __entry->bytes,
		      __entry->phys, __entry->dma, __entry->err)
);

TRACE_EVENT(virtio_bounce_shrink,
	    TP_PROTO(const char *dev, unsigned int slot_size, size_t bytes,
		     dma_addr_t dma),
	    TP_ARGS(dev, slot_size, bytes, dma),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned int, slot_size)
			     __field(size_t, bytes)
			     __field(u64, dma)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->slot_size = slot_size;
			   __entry->bytes = bytes;
			   __entry->dma = dma;),
	    TP_printk("dev=%s slot_size=%u bytes=%zu dma=0x%llx", __get_str(dev),
		      __entry->slot_size, __entry->bytes, __entry->dma)
);

/* A per-CPU cache miss served by the depot (refill) or a flush to it. */
TRACE_EVENT(virtio_bounce_cache,
	    TP_PROTO(const char *dev, unsigned int slot_size, unsigned int slots,
		     bool refill),
	    TP_ARGS(dev, slot_size, slots, refill),
	    TP_STRUCT__entry(__string(dev, dev)
			     __field(unsigned int, slot_size)
			     __field(unsigned int, slots)
			     __field(bool, refill)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->slot_size = slot_size;
			   __entry->slots = slots;
			   __entry->refill = refill;),
	    TP_printk("dev=%s slot_size=%u slots=%u %s", __get_str(dev),
		      __entry->slot_size, __entry->slots,
		      __entry->refill ? "refill" : "flush")
);

#endif /* _TRACE_VIRTIO_BOUNCE_H */

#include <trace/define_trace.h>
