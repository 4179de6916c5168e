/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM virtio_bounce

#if !defined(_TRACE_VIRTIO_BOUNCE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_VIRTIO_BOUNCE_H

#include <linux/tracepoint.h>
#include <linux/dma-direction.h>
#include <linux/dma-mapping.h>

TRACE_EVENT(virtio_bounce_decide,
	    TP_PROTO(const char *device, const char *mode, const char *backend,
		     bool direct_ok, const char *why),
	    TP_ARGS(device, mode, backend, direct_ok, why),
	    TP_STRUCT__entry(__string(device, device)
			     __string(mode, mode)
			     __string(backend, backend)
			     __field(bool, direct_ok)
			     __string(why, why)),
	    TP_fast_assign(__assign_str(device);
			   __assign_str(mode);
			   __assign_str(backend);
			   __entry->direct_ok = direct_ok;
			   __assign_str(why);),
	    TP_printk("device=%s mode=%s backend=%s direct_ok=%d why=\"%s\"",
		      __get_str(device), __get_str(mode), __get_str(backend),
		      __entry->direct_ok, __get_str(why))
);

/*
 * map, fallback, unmap and sync share one class, as the DMA core's own
 * events do (include/trace/events/dma.h): the virtio device's name, the
 * direction and the DMA attributes printed by name.  dma.h's decode
 * helpers live inside that trace header, which cannot be included here,
 * so the same tables are repeated: the direction's as it is, the attrs'
 * the flags that 6.12 and 7.x both define (any other bit prints as hex).
 */
TRACE_DEFINE_ENUM(DMA_BIDIRECTIONAL);
TRACE_DEFINE_ENUM(DMA_TO_DEVICE);
TRACE_DEFINE_ENUM(DMA_FROM_DEVICE);
TRACE_DEFINE_ENUM(DMA_NONE);

#define virtio_bounce_show_dir(dir)					\
	__print_symbolic(dir,						\
			 { DMA_BIDIRECTIONAL, "BIDIRECTIONAL" },	\
			 { DMA_TO_DEVICE, "TO_DEVICE" },		\
			 { DMA_FROM_DEVICE, "FROM_DEVICE" },		\
			 { DMA_NONE, "NONE" })

#define virtio_bounce_show_attrs(attrs)					\
	__print_flags(attrs, "|",					\
		      { DMA_ATTR_WEAK_ORDERING, "WEAK_ORDERING" },	\
		      { DMA_ATTR_WRITE_COMBINE, "WRITE_COMBINE" },	\
		      { DMA_ATTR_NO_KERNEL_MAPPING, "NO_KERNEL_MAPPING" }, \
		      { DMA_ATTR_SKIP_CPU_SYNC, "SKIP_CPU_SYNC" },	\
		      { DMA_ATTR_FORCE_CONTIGUOUS, "FORCE_CONTIGUOUS" }, \
		      { DMA_ATTR_ALLOC_SINGLE_PAGES, "ALLOC_SINGLE_PAGES" }, \
		      { DMA_ATTR_NO_WARN, "NO_WARN" },			\
		      { DMA_ATTR_PRIVILEGED, "PRIVILEGED" })

/*
 * @flags of the class: BOUNCED, through a pool slot (not set: a 1:1
 * mapping, a fallback, or an unmap outside the pool); FOR_CPU, a sync for
 * the CPU (not set: for the device).  @phys is the caller's buffer, 0 when
 * not known (an unmap outside the pool).  A sync has no attrs: 0.
 */
#define VB_TRACE_BOUNCED	1
#define VB_TRACE_FOR_CPU	2

#define virtio_bounce_show_flags(flags)					\
	__print_flags(flags, "|",					\
		      { VB_TRACE_BOUNCED, "BOUNCED" },			\
		      { VB_TRACE_FOR_CPU, "FOR_CPU" })

DECLARE_EVENT_CLASS(virtio_bounce_dma,
		    TP_PROTO(const char *device, phys_addr_t phys,
			     dma_addr_t dma, size_t size,
			     enum dma_data_direction dir, unsigned long attrs,
			     unsigned int flags),
		    TP_ARGS(device, phys, dma, size, dir, attrs, flags),
		    TP_STRUCT__entry(__string(device, device)
				     __field(u64, phys)
				     __field(u64, dma)
				     __field(size_t, size)
				     __field(enum dma_data_direction, dir)
				     __field(unsigned long, attrs)
				     __field(unsigned int, flags)),
		    TP_fast_assign(__assign_str(device);
				   __entry->phys = phys;
				   __entry->dma = dma;
				   __entry->size = size;
				   __entry->dir = dir;
				   __entry->attrs = attrs;
				   __entry->flags = flags;),
		    TP_printk("device=%s dir=%s dma=0x%llx size=%zu phys=0x%llx attrs=%s flags=%s",
			      __get_str(device),
			      virtio_bounce_show_dir(__entry->dir),
			      __entry->dma, __entry->size, __entry->phys,
			      virtio_bounce_show_attrs(__entry->attrs),
			      virtio_bounce_show_flags(__entry->flags))
);

#define DEFINE_VIRTIO_BOUNCE_DMA_EVENT(name)				\
DEFINE_EVENT(virtio_bounce_dma, name,					\
	     TP_PROTO(const char *device, phys_addr_t phys, dma_addr_t dma, \
		      size_t size, enum dma_data_direction dir,		\
		      unsigned long attrs, unsigned int flags),		\
	     TP_ARGS(device, phys, dma, size, dir, attrs, flags))

/* A map through our ops: 1:1 or into a pool slot (BOUNCED). */
DEFINE_VIRTIO_BOUNCE_DMA_EVENT(virtio_bounce_map);
/* A map the pool could not serve, made by the previous DMA path. */
DEFINE_VIRTIO_BOUNCE_DMA_EVENT(virtio_bounce_fallback);
/* An unmap: of a pool slot (BOUNCED), or outside the pool (1:1, fallback). */
DEFINE_VIRTIO_BOUNCE_DMA_EVENT(virtio_bounce_unmap);
/* A sync of a pool slot, for the CPU (FOR_CPU) or the device. */
DEFINE_VIRTIO_BOUNCE_DMA_EVENT(virtio_bounce_sync);

TRACE_EVENT(virtio_bounce_exhausted,
	    TP_PROTO(const char *device, size_t size, unsigned int slot_size),
	    TP_ARGS(device, size, slot_size),
	    TP_STRUCT__entry(__string(device, device)
			     __field(size_t, size)
			     __field(unsigned int, slot_size)),
	    TP_fast_assign(__assign_str(device);
			   __entry->size = size;
			   __entry->slot_size = slot_size;),
	    TP_printk("device=%s size=%zu slot_size=%u", __get_str(device),
		      __entry->size, __entry->slot_size)
);

TRACE_EVENT(virtio_bounce_grow,
	    TP_PROTO(const char *device, unsigned int slot_size, size_t bytes,
		     phys_addr_t phys, dma_addr_t dma, int err),
	    TP_ARGS(device, slot_size, bytes, phys, dma, err),
	    TP_STRUCT__entry(__string(device, device)
			     __field(unsigned int, slot_size)
			     __field(size_t, bytes)
			     __field(u64, phys)
			     __field(u64, dma)
			     __field(int, err)),
	    TP_fast_assign(__assign_str(device);
			   __entry->slot_size = slot_size;
			   __entry->bytes = bytes;
			   __entry->phys = phys;
			   __entry->dma = dma;
			   __entry->err = err;),
	    TP_printk("device=%s slot_size=%u bytes=%zu phys=0x%llx dma=0x%llx err=%d",
		      __get_str(device), __entry->slot_size, __entry->bytes,
		      __entry->phys, __entry->dma, __entry->err)
);

TRACE_EVENT(virtio_bounce_shrink,
	    TP_PROTO(const char *device, unsigned int slot_size, size_t bytes,
		     dma_addr_t dma),
	    TP_ARGS(device, slot_size, bytes, dma),
	    TP_STRUCT__entry(__string(device, device)
			     __field(unsigned int, slot_size)
			     __field(size_t, bytes)
			     __field(u64, dma)),
	    TP_fast_assign(__assign_str(device);
			   __entry->slot_size = slot_size;
			   __entry->bytes = bytes;
			   __entry->dma = dma;),
	    TP_printk("device=%s slot_size=%u bytes=%zu dma=0x%llx", __get_str(device),
		      __entry->slot_size, __entry->bytes, __entry->dma)
);

/* A per-CPU cache miss served by the depot (refill) or a flush to it. */
TRACE_EVENT(virtio_bounce_cache,
	    TP_PROTO(const char *device, unsigned int slot_size, unsigned int slots,
		     bool refill),
	    TP_ARGS(device, slot_size, slots, refill),
	    TP_STRUCT__entry(__string(device, device)
			     __field(unsigned int, slot_size)
			     __field(unsigned int, slots)
			     __field(bool, refill)),
	    TP_fast_assign(__assign_str(device);
			   __entry->slot_size = slot_size;
			   __entry->slots = slots;
			   __entry->refill = refill;),
	    TP_printk("device=%s slot_size=%u slots=%u %s", __get_str(device),
		      __entry->slot_size, __entry->slots,
		      __entry->refill ? "refill" : "flush")
);

#endif /* _TRACE_VIRTIO_BOUNCE_H */

#include <trace/define_trace.h>
