/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API of kernel/dma/virtio_bounce_pool.c that tools/include and
 * tools/testing/shared do not provide, for the userspace harness.  The
 * Makefile puts it in front of every harness file and the pool (-include),
 * before their own includes; the tools headers it pulls in are the real
 * ones (the xarray is lib/xarray.c, RCU is liburcu).  The out-of-line half
 * and the harness's controls (vb_shim_*) are in the .c file of that name.
 */
#ifndef _VB_KERNEL_H
#define _VB_KERNEL_H

/* As on x86_64; tools/include/linux/types.h makes phys_addr_t a u32. */
#define CONFIG_PHYS_ADDR_T_64BIT 1

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/kernel.h>	/* tools/testing/shared, then tools/include */
#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
/* tools/include/linux/kernel.h makes synchronize_rcu() empty; liburcu's. */
#undef synchronize_rcu
#include <linux/rcupdate.h>	/* tools/testing/shared: <urcu.h> */
#include <linux/xarray.h>	/* include/linux/xarray.h */

typedef u64 dma_addr_t;

#define __percpu
#ifndef __rcu
#define __rcu
#endif
/* The kernel's min()/max() take an int constant and an unsigned. */
#undef min
#undef max
#define min(x, y) ({ __auto_type __a = (x); __auto_type __b = (y);	\
		     __a < __b ? __a : __b; })
#define max(x, y) ({ __auto_type __a = (x); __auto_type __b = (y);	\
		     __a > __b ? __a : __b; })
#define swap(a, b) do {							\
	typeof(a) __tmp = (a);						\
	(a) = (b);							\
	(b) = __tmp;							\
} while (0)
#define min_not_zero(x, y) ({						\
	typeof(x) __x = (x);						\
	typeof(y) __y = (y);						\
	__x == 0 ? __y : (__y == 0 ? __x : min(__x, __y)); })

/* ---- what the tools versions get wrong for this harness ----------------- */

/*
 * Relaxed atomics, not volatile: the same code for aligned scalars, and
 * ThreadSanitizer sees them.  rcu_assign_pointer() is liburcu's barrier
 * plus a volatile store; a release store says the same to TSan.
 */
#undef READ_ONCE
#undef WRITE_ONCE
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#undef rcu_assign_pointer
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define rcu_access_pointer(p)	READ_ONCE(p)

/*
 * tools' x86 test_and_clear_bit() is a "btc": it sets a clear bit.  These
 * are fully ordered, as the kernel's, and ThreadSanitizer sees them.
 */
static inline bool vb_test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	return __atomic_fetch_or(addr + BIT_WORD(nr), BIT_MASK(nr),
				 __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static inline bool vb_test_and_clear_bit(unsigned long nr, unsigned long *addr)
{
	return __atomic_fetch_and(addr + BIT_WORD(nr), ~BIT_MASK(nr),
				  __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

#define test_and_set_bit(nr, addr)	vb_test_and_set_bit(nr, addr)
#define test_and_clear_bit(nr, addr)	vb_test_and_clear_bit(nr, addr)

/* Through kmalloc(), counted and fault-injected (tools': calloc, 1 arg). */
#define bitmap_zalloc(nbits, gfp)					\
	kcalloc(BITS_TO_LONGS(nbits), sizeof(long), gfp)
#define bitmap_free(p)		kfree(p)

static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kmalloc(n * size, flags);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}

/*
 * kvmalloc: the kernel falls back to vmalloc for a large size; here it is
 * the counted, fault-injected kmalloc(), so kvfree() of a kmalloc'ed
 * pointer (a chunk header from vb_chunk_alloc()) is kfree(), as in the
 * kernel.
 */
static inline void *kvzalloc(size_t size, gfp_t flags)
{
	return kmalloc(size, flags | __GFP_ZERO);
}
#define kvfree(p)		kfree(p)

/*
 * printk and WARN: counted, so that tests can assert on them; a WARN is a
 * kernel bug, and the test runner fails the test that hit one.
 * WARN_ON_ONCE() reports every time, so that each test sees its own.
 */
extern bool vb_shim_quiet;
extern unsigned long vb_shim_nr_warnings, vb_shim_nr_errors;
extern unsigned long vb_shim_nr_warn_ons;

#define vb_shim_log(counter, fmt, ...) do {				\
	__atomic_add_fetch(&(counter), 1, __ATOMIC_RELAXED);		\
	if (!vb_shim_quiet)						\
		fprintf(stderr, fmt, ##__VA_ARGS__);			\
} while (0)

#undef pr_err
#undef pr_info
#undef pr_debug
#define pr_err(fmt, ...)	vb_shim_log(vb_shim_nr_errors, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	vb_shim_log(vb_shim_nr_warnings, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	no_printk(fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)	no_printk(fmt, ##__VA_ARGS__)
#undef WARN_ON
#undef WARN_ON_ONCE
#define WARN_ON(cond) ({						\
	bool __c = !!(cond);						\
	if (unlikely(__c))						\
		vb_shim_log(vb_shim_nr_warn_ons, "WARN_ON(%s) at %s:%d\n", \
			    #cond, __FILE__, __LINE__);			\
	unlikely(__c); })
#define WARN_ON_ONCE(cond)	WARN_ON(cond)

/* Initcalls run before main(), by level, as at boot for built-in code. */
#define __vb_initcall(fn, level)					\
	static void __attribute__((constructor(102 + (level))))	\
	__vb_initcall_##fn(void)					\
	{								\
		int __ret = fn();					\
									\
		if (__ret)						\
			pr_err("initcall %s returned %d\n", #fn, __ret); \
	}
#define core_initcall(fn)	__vb_initcall(fn, 1)
#define late_initcall(fn)	__vb_initcall(fn, 7)

/* ---- <linux/jiffies.h>: CLOCK_MONOTONIC at HZ = 1000 -------------------- */

#define HZ			1000
#define jiffies			vb_jiffies()
#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)

/* Nonzero: jiffies reads this (a test stops the clock); 0: the real clock. */
extern unsigned long vb_shim_jiffies;

static inline unsigned long vb_jiffies(void)
{
	unsigned long fixed = __atomic_load_n(&vb_shim_jiffies, __ATOMIC_RELAXED);
	struct timespec ts;

	if (fixed)
		return fixed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * HZ + ts.tv_nsec / (1000000000 / HZ);
}

/* ---- CPUs: each harness thread is one simulated CPU --------------------- */

/*
 * vb_shim_cpu is thread-local, set by vb_shim_set_cpu() (which also
 * registers the thread with liburcu).  alloc_percpu() gives NR_CPUS
 * copies VB_PCPU_UNIT apart (no two CPUs share a cache line):
 * per_cpu_ptr(p, cpu) is p + cpu * VB_PCPU_UNIT, like the kernel's
 * p + __per_cpu_offset[cpu].
 */
#define NR_CPUS			8
#define nr_cpu_ids		NR_CPUS
#define VB_PCPU_UNIT		4096UL

extern __thread unsigned int vb_shim_cpu;
extern unsigned long vb_shim_cpu_online_mask;	/* bit n: CPU n online */

void *vb_alloc_percpu(size_t size, size_t align);
void free_percpu(void *p);

#define alloc_percpu(type) ({						\
	_Static_assert(sizeof(type) <= VB_PCPU_UNIT, "VB_PCPU_UNIT");	\
	(type *)vb_alloc_percpu(sizeof(type), __alignof__(type)); })
#define per_cpu_ptr(ptr, cpu)						\
	((typeof(ptr))((char *)(ptr) + (size_t)(cpu) * VB_PCPU_UNIT))
#define this_cpu_ptr(ptr)	per_cpu_ptr(ptr, vb_shim_cpu)
/* Only the owning thread writes a CPU's copy: plain C is enough. */
#define this_cpu_add(pcp, v)	((void)(*this_cpu_ptr(&(pcp)) += (v)))
#define smp_processor_id()	((int)vb_shim_cpu)

static inline bool cpu_online(unsigned int cpu)
{
	return cpu < NR_CPUS && (READ_ONCE(vb_shim_cpu_online_mask) >> cpu) & 1;
}

static inline unsigned int vb_next_online(int cpu)
{
	while (++cpu < NR_CPUS && !cpu_online(cpu))
		;
	return cpu;
}

#define for_each_possible_cpu(cpu)					\
	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++)
#define for_each_online_cpu(cpu)					\
	for ((cpu) = vb_next_online(-1); (cpu) < NR_CPUS;		\
	     (cpu) = vb_next_online(cpu))

/*
 * local_lock only excludes other code on the same CPU (preemption,
 * migration, interrupts).  No two harness threads share a CPU id and there
 * are no interrupts, so it is a compiler barrier.  The kernel case it
 * would exclude, a flush work item run on a CPU while a map there is
 * preempted, does not arise: the harness runs work only while the other
 * simulated CPUs are quiescent.
 */
typedef struct { } local_lock_t;
#define local_lock_init(lock)		((void)(lock))
#define local_lock(lock)		do { (void)(lock); barrier(); } while (0)
#define local_unlock(lock)		do { barrier(); (void)(lock); } while (0)
#define local_lock_irqsave(lock, flags)					\
	do { (flags) = 0; local_lock(lock); } while (0)
#define local_unlock_irqrestore(lock, flags)				\
	do { local_unlock(lock); (void)(flags); } while (0)

/*
 * CPU hotplug: cpus_read_lock() is a pthread rwlock taken for reading.
 * The dynamic PREPARE states keep their callbacks and the hlist of their
 * instances, as kernel/cpu.c does; only vb_shim_cpu_down()/_up() (taking
 * the lock for writing) change the online mask and call the callbacks.
 */
enum cpuhp_state {
	CPUHP_INVALID = -1,
	CPUHP_OFFLINE = 0,
	CPUHP_BP_PREPARE_DYN,
	CPUHP_BP_PREPARE_DYN_END = CPUHP_BP_PREPARE_DYN + 20,
	CPUHP_ONLINE,
};

void cpus_read_lock(void);
void cpus_read_unlock(void);
int cpuhp_setup_state_multi(enum cpuhp_state state, const char *name,
			    int (*startup)(unsigned int cpu,
					   struct hlist_node *node),
			    int (*teardown)(unsigned int cpu,
					    struct hlist_node *node));
int cpuhp_state_add_instance_nocalls(enum cpuhp_state state,
				     struct hlist_node *node);
int cpuhp_state_remove_instance_nocalls(enum cpuhp_state state,
					struct hlist_node *node);

/* ---- workqueues: run only when the harness says so ---------------------- */

/*
 * queue_work_on() puts the item on one pending list (at most once, like
 * the PENDING bit) and records its CPU; vb_shim_run_work() runs the list,
 * flush_work() a pending item, in the calling thread with vb_shim_cpu set
 * to the item's CPU (the caller's for an unbound one or an offline CPU).
 * Running work from queue_work() would deadlock: the pool queues its grow
 * work with a class lock held.  Delayed work is only marked pending.
 */
#define WORK_CPU_UNBOUND	NR_CPUS

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	work_func_t func;
	int pending;
	int cpu;
	struct work_struct *next;
};

struct delayed_work {
	struct work_struct work;
};

struct workqueue_struct;
extern struct workqueue_struct *system_wq, *system_unbound_wq, *system_dfl_wq;
extern struct workqueue_struct *system_highpri_wq;

#define INIT_WORK(w, f)							\
	(*(w) = (struct work_struct){ .func = (f), .cpu = WORK_CPU_UNBOUND })
#define INIT_DELAYED_WORK(dw, f)	INIT_WORK(&(dw)->work, f)
#define to_delayed_work(w)	container_of(w, struct delayed_work, work)

bool queue_work_on(int cpu, struct workqueue_struct *wq,
		   struct work_struct *work);
bool flush_work(struct work_struct *work);
bool cancel_work_sync(struct work_struct *work);
bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay);
bool cancel_delayed_work_sync(struct delayed_work *dw);

#define work_pending(w)		__atomic_load_n(&(w)->pending, __ATOMIC_ACQUIRE)
#define delayed_work_pending(dw)	work_pending(&(dw)->work)
#define queue_work(wq, w)	queue_work_on(WORK_CPU_UNBOUND, wq, w)
#define schedule_delayed_work(dw, d)	queue_delayed_work(system_wq, dw, d)

/* ---- pages: aligned_alloc(), struct page * is the address -------------- */

#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))

struct page;
struct page *alloc_pages(gfp_t gfp, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
#define page_address(page)	((void *)(page))
#define page_to_phys(page)	((phys_addr_t)(uintptr_t)(page))

/* ---- devices and DMA: dma address == physical address ------------------ */

/* The DMA mask is a u64 here, not the kernel's u64 *. */
struct device {
	const char *init_name;
	u64 dma_mask;
	u64 coherent_dma_mask;
	u64 bus_dma_limit;		/* 0: none */
	const struct dma_map_ops *dma_ops;
	bool dma_iommu;
	/* For the map benchmark (map_kernel.h): dma_parms, swiotlb. */
	unsigned int min_align_mask;
	unsigned long seg_boundary_mask;	/* 0: none */
	bool dma_skip_sync;
	struct io_tlb_mem *dma_io_tlb_mem;
	/* For virtio_bounce_dmaops.c (map benchmark): set, never read. */
	struct device *parent;
	bool dma_ops_bypass;
};

#define dev_name(dev)		((dev)->init_name)
#define dev_err(dev, fmt, ...)						\
	vb_shim_log(vb_shim_nr_errors, "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...)						\
	vb_shim_log(vb_shim_nr_warnings, "%s: " fmt, dev_name(dev), ##__VA_ARGS__)

enum dma_data_direction {
	DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_NONE,
};

#define DMA_BIT_MASK(n)		(((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))
#define DMA_MAPPING_ERROR	(~(dma_addr_t)0)

struct scatterlist;
struct sg_table;
struct vm_area_struct;

/* As 6.12's include/linux/dma-map-ops.h (the map benchmark fills them all). */
struct dma_map_ops {
	void *(*alloc)(struct device *dev, size_t size,
			dma_addr_t *dma_handle, gfp_t gfp,
			unsigned long attrs);
	void (*free)(struct device *dev, size_t size, void *vaddr,
			dma_addr_t dma_handle, unsigned long attrs);
	struct page *(*alloc_pages_op)(struct device *dev, size_t size,
			dma_addr_t *dma_handle, enum dma_data_direction dir,
			gfp_t gfp);
	void (*free_pages)(struct device *dev, size_t size, struct page *vaddr,
			dma_addr_t dma_handle, enum dma_data_direction dir);
	int (*mmap)(struct device *, struct vm_area_struct *,
			void *, dma_addr_t, size_t, unsigned long attrs);

	int (*get_sgtable)(struct device *dev, struct sg_table *sgt,
			void *cpu_addr, dma_addr_t dma_addr, size_t size,
			unsigned long attrs);

	dma_addr_t (*map_page)(struct device *dev, struct page *page,
			unsigned long offset, size_t size,
			enum dma_data_direction dir, unsigned long attrs);
	void (*unmap_page)(struct device *dev, dma_addr_t dma_handle,
			size_t size, enum dma_data_direction dir,
			unsigned long attrs);
	/*
	 * map_sg should return a negative error code on error. See
	 * dma_map_sgtable() for a list of appropriate error codes
	 * and their meanings.
	 */
	int (*map_sg)(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, unsigned long attrs);
	void (*unmap_sg)(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, unsigned long attrs);
	dma_addr_t (*map_resource)(struct device *dev, phys_addr_t phys_addr,
			size_t size, enum dma_data_direction dir,
			unsigned long attrs);
	void (*unmap_resource)(struct device *dev, dma_addr_t dma_handle,
			size_t size, enum dma_data_direction dir,
			unsigned long attrs);
	void (*sync_single_for_cpu)(struct device *dev, dma_addr_t dma_handle,
			size_t size, enum dma_data_direction dir);
	void (*sync_single_for_device)(struct device *dev,
			dma_addr_t dma_handle, size_t size,
			enum dma_data_direction dir);
	void (*sync_sg_for_cpu)(struct device *dev, struct scatterlist *sg,
			int nents, enum dma_data_direction dir);
	void (*sync_sg_for_device)(struct device *dev, struct scatterlist *sg,
			int nents, enum dma_data_direction dir);
	void (*cache_sync)(struct device *dev, void *vaddr, size_t size,
			enum dma_data_direction direction);
	int (*dma_supported)(struct device *dev, u64 mask);
	u64 (*get_required_mask)(struct device *dev);
	size_t (*max_mapping_size)(struct device *dev);
	size_t (*opt_mapping_size)(void);
	unsigned long (*get_merge_boundary)(struct device *dev);
};

static inline const struct dma_map_ops *get_dma_ops(struct device *dev)
{
	return dev->dma_ops;
}

static inline u64 dma_get_mask(struct device *dev)
{
	return dev->dma_mask ? dev->dma_mask : DMA_BIT_MASK(64);
}

/* As the kernel's: within the device's mask and its bus limit. */
static inline bool dma_capable(struct device *dev, dma_addr_t addr,
			       size_t size, bool is_ram)
{
	if (addr == DMA_MAPPING_ERROR)
		return false;
	return addr + size - 1 <= min_not_zero(dma_get_mask(dev),
					       dev->bus_dma_limit);
}

/* ---- fault injection: should_fail() is armed by the harness ------------- */

struct fault_attr {
	unsigned long count;
};

#define DECLARE_FAULT_ATTR(name)	struct fault_attr name = { 0 }
#define setup_fault_attr(attr, str)	((void)(attr), (void)(str), 1)
bool should_fail(struct fault_attr *attr, ssize_t size);

/* ---- tracepoints: compiled out, the arguments still type-checked -------- */

#define VB_TRACE(name, proto, ...)					\
	static inline void trace_virtio_bounce_##name proto { }
VB_TRACE(grow, (const char *dev, unsigned int slot_size, size_t bytes,
		phys_addr_t phys, dma_addr_t dma, int err))
VB_TRACE(shrink, (const char *dev, unsigned int slot_size, size_t bytes,
		  dma_addr_t dma))
VB_TRACE(cache, (const char *dev, unsigned int slot_size, unsigned int slots,
		 bool refill))

/* ---- the harness's controls (vb_kernel.c) ------------------------------- */

/* Make the calling thread simulated CPU @cpu, registered with liburcu. */
void vb_shim_set_cpu(unsigned int cpu);

/*
 * CPU hotplug, the calling thread as the control CPU (not @cpu): mark
 * @cpu offline and call every teardown callback for each instance, or
 * mark it online and call the startup callbacks.
 * Return: callbacks called, or -EINVAL.
 */
int vb_shim_cpu_down(unsigned int cpu);
int vb_shim_cpu_up(unsigned int cpu);

extern unsigned long vb_shim_work_ran[NR_CPUS];	/* items run on each CPU */
unsigned int vb_shim_run_work(void);	/* until none is pending */
unsigned int vb_shim_pending_work(void);
bool vb_shim_run_delayed(struct delayed_work *dw);	/* if pending */

/*
 * Fault injection: the next N calls fail; vb_shim_fail_kmalloc_nth = N
 * fails the N-th kmalloc from now, once, and reads 0 once it has.
 */
extern int vb_shim_fail_should_fail, vb_shim_fail_kmalloc, vb_shim_fail_pages;
extern int vb_shim_fail_kmalloc_nth;
/* The gfp of the last alloc_pages() call (what vb_chunk_gfp() made). */
extern gfp_t vb_shim_last_pages_gfp;

/* Live objects (allocations minus frees), for leak checks. */
struct vb_shim_counts {
	long kmalloc;
	long pages;
	long page_bytes;
	long percpu;
	long cpuhp_instances;
};

void vb_shim_counts(struct vb_shim_counts *c);

/* lib/radix-tree.c and shared/linux.c (<linux/radix-tree.h> needs percpu) */
struct kmem_cache;
extern struct kmem_cache *radix_tree_node_cachep;
void radix_tree_init(void);
void kmem_cache_set_non_kernel(struct kmem_cache *cachep, unsigned int val);

#endif /* _VB_KERNEL_H */
