/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rest of the kernel API that the whole map path needs, for the native
 * map benchmark (vbmap_bench): kernel/dma/virtio_bounce_{map,backend}.c
 * and the 6.12 seam (virtio_bounce_dmaops.c), the kernel's own
 * kernel/dma/swiotlb.c and the inline dma-direct map/unmap of
 * kernel/dma/direct.h, all compiled unchanged from the base tree.  Force-included after vb_kernel.h (-include); the
 * kernel headers those files name and tools/ lacks resolve to empty files
 * in include-map/.  Out-of-line half: map_kernel.c.
 *
 * As a 6.12 x86_64 guest kernel built from configs/base.config: SWIOTLB
 * (not SWIOTLB_DYNAMIC), DEBUG_FS (swiotlb then keeps its used/hiwater
 * atomics, as Debian's kernel does), no HIGHMEM, cache-coherent DMA.
 */
#ifndef _VB_MAP_KERNEL_H
#define _VB_MAP_KERNEL_H

#define CONFIG_SWIOTLB 1
#define CONFIG_DEBUG_FS 1
#define CONFIG_DMA_NEED_SYNC 1
/* virtio_bounce_xen.c's PV backend, against the p2m model below. */
#define CONFIG_XEN_PV 1
#define CONFIG_SWIOTLB_XEN 1
/*
 * include/linux/virtio_bounce.h then declares the virtio core's entry
 * points, which virtio_bounce_dmaops.c defines (not its static inlines).
 */
#define CONFIG_VIRTIO_BOUNCE 1

#include <linux/ctype.h>	/* isdigit() */
#include <limits.h>
#include <linux/kconfig.h>	/* IS_ENABLED() */
#include <linux/log2.h>		/* is_power_of_2(), roundup_pow_of_two() */
#include <linux/sizes.h>
#include <asm/barrier.h>	/* smp_store_release(), smp_load_acquire() */

/* ---- spinlocks as the kernel's --------------------------------------------- */

/*
 * tools' spinlock_t is a pthread mutex: two atomic instructions per
 * lock/unlock pair and a futex path.  The kernel's (qspinlock, x86) takes
 * the lock with one cmpxchg and releases it with a plain store; swiotlb
 * takes one on every map and unmap, the pool on magazine exchanges and
 * uncached classes, so both get this one.  Locks declared before this
 * header (the xarray's xa_lock, used by lib/xarray.c) stay pthread
 * mutexes: the lock operations pick the implementation by type.
 */
typedef struct {
	int locked;
} vbk_spinlock_t;

static inline void vbk_spin_lock(vbk_spinlock_t *l)
{
	int zero = 0;

	while (!__atomic_compare_exchange_n(&l->locked, &zero, 1, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
		zero = 0;
	}
}

static inline void vbk_spin_unlock(vbk_spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline void vbk_spin_init(vbk_spinlock_t *l)
{
	l->locked = 0;
}

#define vbk_lockop(x, kop, pop)						\
	_Generic((x), vbk_spinlock_t *: kop, default: pop)(x)
#undef spinlock_t
#undef DEFINE_SPINLOCK
#undef spin_lock_init
#undef spin_lock
#undef spin_unlock
#undef spin_lock_irqsave
#undef spin_unlock_irqrestore
#define spinlock_t		vbk_spinlock_t
#define DEFINE_SPINLOCK(x)	vbk_spinlock_t x = { 0 }
#define spin_lock_init(x)	vbk_lockop(x, vbk_spin_init, vbk_mutex_init)
#define spin_lock(x)		vbk_lockop(x, vbk_spin_lock, pthread_mutex_lock)
#define spin_unlock(x)		vbk_lockop(x, vbk_spin_unlock, pthread_mutex_unlock)
#define spin_lock_irqsave(x, f)	((void)(f), spin_lock(x))
#define spin_unlock_irqrestore(x, f) ((void)(f), spin_unlock(x))

static inline int vbk_mutex_init(pthread_mutex_t *m)
{
	return pthread_mutex_init(m, NULL);
}

#define local_irq_save(f)	((void)(f))
#define local_irq_restore(f)	((void)(f))

/* ---- atomics ------------------------------------------------------------ */

/* atomic_long_t: fully ordered read-modify-writes, as the kernel's. */
#define atomic_long_read(v)		__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic_long_set(v, i)		__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)
#define atomic_long_add_return(i, v)	__atomic_add_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_long_sub(i, v)		((void)__atomic_sub_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST))
#define atomic_long_try_cmpxchg(v, old, new)				\
	__atomic_compare_exchange_n(&(v)->counter, (old), (new), false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)
#ifndef cmpxchg
#define cmpxchg(p, o, n) ({						\
	typeof(*(p)) __o = (o);						\
	__atomic_compare_exchange_n((p), &__o, (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
	__o; })
#endif

/* ---- messages ------------------------------------------------------------ */

/* pr_info() and dev_info(): not printed (their %pa and the like unchecked). */
static inline int vb_no_printk(const char *fmt, ...)
{
	return 0;
}

#ifndef no_printk
#define no_printk(fmt, ...)	vb_no_printk(fmt, ##__VA_ARGS__)
#endif

#define dev_warn_ratelimited(dev, fmt, ...)	dev_warn(dev, fmt, ##__VA_ARGS__)
#define dev_err_ratelimited(dev, fmt, ...)	dev_err(dev, fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...)		no_printk(fmt, ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)		pr_warn(fmt, ##__VA_ARGS__)
#define pr_err_once(fmt, ...)		pr_err(fmt, ##__VA_ARGS__)
/* The message's arguments are not evaluated (some read kernel-only fields). */
#define dev_WARN_ONCE(dev, cond, fmt, ...)	WARN_ON(cond)
#undef BUG_ON
#define BUG_ON(cond)	do { if (unlikely(cond)) abort(); } while (0)
#ifndef BUG
#define BUG()		abort()
#endif

/* ---- memory ------------------------------------------------------------- */

#define PAGE_ALIGN(x)		ALIGN((x), PAGE_SIZE)
#define PHYS_PFN(x)		((unsigned long)((x) >> PAGE_SHIFT))
#define PFN_DOWN(x)		((unsigned long)(x) >> PAGE_SHIFT)
#define PFN_UP(x)		(((unsigned long)(x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_PHYS(x)		((phys_addr_t)(x) << PAGE_SHIFT)
#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)
#define pfn_to_page(pfn)	((struct page *)((unsigned long)(pfn) << PAGE_SHIFT))
#define phys_to_virt(p)		((void *)(uintptr_t)(p))
#define virt_to_phys(v)		((phys_addr_t)(uintptr_t)(v))
#define __pa(v)			virt_to_phys(v)
#define PageHighMem(page)	((void)(page), false)
#define kmap_local_page(page)	page_address(page)
#define kunmap_local(p)		((void)(p))
#define kmsan_unpoison_memory(p, n)	((void)(p), (void)(n))
#define kmsan_handle_dma(p, n, d)	((void)(p), (void)(n), (void)(d))
#define memcpy_from_page(to, page, off, n)	memcpy((to), page_address(page) + (off), (n))
#define memcpy_to_page(page, off, from, n)	memcpy(page_address(page) + (off), (from), (n))
#define array_size(a, b)	((size_t)(a) * (size_t)(b))
extern void *high_memory;

static inline unsigned int get_order(unsigned long size)
{
	unsigned int order = 0;

	size = (size - 1) >> PAGE_SHIFT;
	while (size) {
		order++;
		size >>= 1;
	}
	return order;
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
static inline int set_memory_decrypted(unsigned long addr, int numpages)
{
	return 0;
}

static inline int set_memory_encrypted(unsigned long addr, int numpages)
{
	return 0;
}

/* swiotlb's boot-time (memblock) allocation: never called here. */
#define memblock_alloc(size, align)	((void *)NULL)
#define memblock_alloc_low(size, align)	((void *)NULL)
#define memblock_free(p, size)		((void)(p))
#define memblock_free_late(p, size)	((void)(p))
#define memblock_end_of_DRAM()		((phys_addr_t)0)

#define simple_strtoul(cp, endp, base)	strtoul((cp), (endp), (base))

/* ---- CPUs ---------------------------------------------------------------- */

unsigned int vb_shim_possible_cpus(void);
#define num_possible_cpus()	vb_shim_possible_cpus()
#define raw_smp_processor_id()	smp_processor_id()

/* ---- boot parameters: registered, called by name (vb_shim_early_param) --- */

struct vb_shim_param {
	const char *name;
	int (*fn)(char *str);
	struct vb_shim_param *next;
};

void vb_shim_register_param(struct vb_shim_param *p);
int vb_shim_early_param(const char *name, const char *val);

#undef early_param
#define early_param(str, fn)						\
	static struct vb_shim_param __vb_param_##fn = { str, fn, NULL };	\
	static void __attribute__((constructor)) __vb_reg_##fn(void)	\
	{								\
		vb_shim_register_param(&__vb_param_##fn);		\
	}

/* ---- confidential computing ------------------------------------------------ */

enum cc_attr {
	CC_ATTR_MEM_ENCRYPT,
};

#define cc_platform_has(attr)	((void)(attr), false)

/* ---- debugfs: nothing is created ------------------------------------------ */

struct dentry;
struct file_operations;
#define debugfs_create_dir(name, parent)	((struct dentry *)NULL)
#define debugfs_create_file_unsafe(name, mode, parent, data, fops) \
	((void)(data), (struct dentry *)NULL)
#define debugfs_create_file(name, mode, parent, data, fops)		\
	((void)(data), (struct dentry *)NULL)
#define debugfs_create_ulong(name, mode, parent, v)	((void)(v))
#define DEFINE_DEBUGFS_ATTRIBUTE(name, get, set, fmt)			\
	static const int name __attribute__((unused)) =		\
		sizeof(get) + sizeof(set)

/* ---- the device: DMA parameters ------------------------------------------ */

/*
 * struct device (vb_kernel.h) has min_align_mask and seg_boundary_mask,
 * which the kernel keeps in dev->dma_parms: PCI devices (virtio-pci) have
 * a 4 GiB segment boundary and no min_align_mask.
 */
static inline unsigned int dma_get_min_align_mask(struct device *dev)
{
	return dev->min_align_mask;
}

static inline unsigned long dma_get_seg_boundary(struct device *dev)
{
	return dev->seg_boundary_mask ? dev->seg_boundary_mask : ULONG_MAX;
}

/* Install and release (virtio_bounce_dmaops.c): x86 has no arch ops. */
static inline void set_dma_ops(struct device *dev,
			       const struct dma_map_ops *dma_ops)
{
	dev->dma_ops = dma_ops;
}

#define get_arch_dma_ops()	((const struct dma_map_ops *)NULL)
#define put_device(dev)		((void)(dev))

/* 6.12: one load on the hot path; bounced mappings re-enable the syncs. */
static inline void dma_reset_need_sync(struct device *dev)
{
	if (unlikely(dev->dma_skip_sync))
		dev->dma_skip_sync = false;
}

/* ---- dma-direct's helpers (x86_64, no memory encryption, no offsets) ----- */

#define DMA_ATTR_SKIP_CPU_SYNC	(1UL << 5)
#define DMA_ATTR_NO_WARN	(1UL << 8)

static inline dma_addr_t phys_to_dma(struct device *dev, phys_addr_t paddr)
{
	return paddr;
}

static inline dma_addr_t phys_to_dma_unencrypted(struct device *dev,
						 phys_addr_t paddr)
{
	return paddr;
}

static inline phys_addr_t dma_to_phys(struct device *dev, dma_addr_t dma)
{
	return dma;
}

#define dev_is_dma_coherent(dev)		((void)(dev), true)
#define arch_sync_dma_for_device(p, s, d)	do { } while (0)
#define arch_sync_dma_for_cpu(p, s, d)		do { } while (0)
#define arch_sync_dma_for_cpu_all()		do { } while (0)
#define arch_dma_mark_clean(p, s)		do { } while (0)
#define is_pci_p2pdma_page(page)		((void)(page), false)
#define dma_kmalloc_needs_bounce(dev, size, dir)	false

/* ---- scatterlists and the rest of dma_map_ops' signatures ---------------- */

struct scatterlist {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
	dma_addr_t dma_address;
	unsigned int dma_length;
};

#define sg_dma_address(sg)	((sg)->dma_address)
#define sg_dma_len(sg)		((sg)->dma_length)
#define sg_phys(sg)		((phys_addr_t)(sg)->page_link + (sg)->offset)
#define sg_next(sg)		((sg) + 1)
#define for_each_sg(sglist, sg, nr, __i)				\
	for (__i = 0, sg = (sglist); __i < (nr); __i++, sg = sg_next(sg))

#define INDIRECT_CALL_1(f, f1, ...)					\
	({ likely((f) == (f1)) ? f1(__VA_ARGS__) : (f)(__VA_ARGS__); })

struct page *dma_common_alloc_pages(struct device *dev, size_t size,
			     dma_addr_t *dma_handle,
			     enum dma_data_direction dir, gfp_t gfp);
void dma_common_free_pages(struct device *dev, size_t size, struct page *vaddr,
			   dma_addr_t dma_handle, enum dma_data_direction dir);

/* The previous path's out-of-line pieces: never reached by the benchmark. */
void *dma_direct_alloc(struct device *dev, size_t size, dma_addr_t *dma,
		       gfp_t gfp, unsigned long attrs);
void dma_direct_free(struct device *dev, size_t size, void *vaddr,
		     dma_addr_t dma, unsigned long attrs);
int dma_direct_mmap(struct device *dev, struct vm_area_struct *vma,
		    void *cpu_addr, dma_addr_t dma, size_t size,
		    unsigned long attrs);
int dma_direct_get_sgtable(struct device *dev, struct sg_table *sgt,
			   void *cpu_addr, dma_addr_t dma, size_t size,
			   unsigned long attrs);
int dma_direct_supported(struct device *dev, u64 mask);
u64 dma_direct_get_required_mask(struct device *dev);
#define use_dma_iommu(dev)	((void)(dev), false)
dma_addr_t iommu_dma_map_page(struct device *dev, struct page *page,
			      unsigned long offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs);
void iommu_dma_unmap_page(struct device *dev, dma_addr_t dma, size_t size,
			  enum dma_data_direction dir, unsigned long attrs);
void iommu_dma_sync_single_for_cpu(struct device *dev, dma_addr_t dma,
				   size_t size, enum dma_data_direction dir);
void iommu_dma_sync_single_for_device(struct device *dev, dma_addr_t dma,
				      size_t size, enum dma_data_direction dir);
void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *dma,
		      gfp_t gfp, unsigned long attrs);
void iommu_dma_free(struct device *dev, size_t size, void *vaddr,
		    dma_addr_t dma, unsigned long attrs);
int iommu_dma_mmap(struct device *dev, struct vm_area_struct *vma,
		   void *cpu_addr, dma_addr_t dma, size_t size,
		   unsigned long attrs);
int iommu_dma_get_sgtable(struct device *dev, struct sg_table *sgt,
			  void *cpu_addr, dma_addr_t dma, size_t size,
			  unsigned long attrs);

/* ---- Xen PV: the p2m as arch/x86/include/asm/xen/page.h reads it --------- */

/*
 * pfn_to_bfn() is pfn_to_gfn(): with no auto-translated physmap (PV), the
 * p2m array lookup of __pfn_to_mfn() and the indicator bits cleared, as in
 * the 6.12 header (get_phys_to_machine(), the slow path for pfns beyond the
 * array or invalid entries, is not modelled: the benchmark's buffers have
 * entries).  map_kernel.c reserves the array sparse over the whole address
 * space; vb_shim_p2m_set() fills the entries of the buffers.
 */
#define INVALID_P2M_ENTRY	(~0UL)
#define FOREIGN_FRAME_BIT	(1UL << (BITS_PER_LONG - 1))
#define IDENTITY_FRAME_BIT	(1UL << (BITS_PER_LONG - 2))
#define IDENTITY_FRAME(m)	((m) | IDENTITY_FRAME_BIT)
#define XENFEAT_auto_translated_physmap	2
extern unsigned long *xen_p2m_addr;
extern unsigned long xen_p2m_size;
extern bool vb_shim_xen_auto_translated;
#define xen_feature(f)	((void)(f), vb_shim_xen_auto_translated)

unsigned long get_phys_to_machine(unsigned long pfn);
void vb_shim_p2m_set(void *start, size_t bytes);

static inline unsigned long __pfn_to_mfn(unsigned long pfn)
{
	unsigned long mfn;

	if (pfn < xen_p2m_size)
		mfn = xen_p2m_addr[pfn];
	else
		return get_phys_to_machine(pfn);
	if (unlikely(mfn == INVALID_P2M_ENTRY))
		return get_phys_to_machine(pfn);
	return mfn;
}

static inline unsigned long pfn_to_mfn(unsigned long pfn)
{
	unsigned long mfn;

	if (xen_feature(XENFEAT_auto_translated_physmap))
		return pfn;
	mfn = __pfn_to_mfn(pfn);
	if (mfn != INVALID_P2M_ENTRY)
		mfn &= ~(FOREIGN_FRAME_BIT | IDENTITY_FRAME_BIT);
	return mfn;
}

static inline unsigned long pfn_to_gfn(unsigned long pfn)
{
	if (xen_feature(XENFEAT_auto_translated_physmap))
		return pfn;
	return pfn_to_mfn(pfn);
}

#define pfn_to_bfn(pfn)		pfn_to_gfn(pfn)

/* The exchange: here the chunk's machine address is its own address. */
int xen_create_contiguous_region(phys_addr_t pstart, unsigned int order,
				 unsigned int address_bits,
				 dma_addr_t *dma_handle);
void xen_destroy_contiguous_region(phys_addr_t pstart, unsigned int order);

/* ---- tracepoints: compiled out, the arguments still type-checked --------- */

#define VB_TRACE_BOUNCED	1	/* as include/trace/events/virtio_bounce.h */
#define VB_TRACE_FOR_CPU	2
#define VB_TRACE_DMA(name)						\
	VB_TRACE(name, (const char *device, phys_addr_t phys, dma_addr_t dma, \
			size_t size, enum dma_data_direction dir,	\
			unsigned long attrs, unsigned int flags))
VB_TRACE_DMA(map)
VB_TRACE_DMA(unmap)
VB_TRACE_DMA(sync)
VB_TRACE_DMA(fallback)
VB_TRACE(exhausted, (const char *dev, size_t size, unsigned int slot_size))

static inline void trace_swiotlb_bounced(struct device *dev, dma_addr_t dma,
					 size_t size)
{
}

#endif /* _VB_MAP_KERNEL_H */
