// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce pool: pre-translated chunks carved into size-class slots,
 * with per-CPU magazine caches in front of a per-class depot.
 *
 * Layout: every chunk is 2^order pages, at least 256 KiB, naturally
 * aligned in device address space, carved into slots of one class
 * (512 B << i).  Its device address is computed once, by the backend,
 * when the chunk is created; the hot path only adds an offset.
 *
 * Locking:
 *  - per-CPU cache: local_lock (IRQs off on !RT), no shared cache line
 *    written when a map or unmap hits the cache.  Only its own CPU edits
 *    it: a flush runs as a work item on each CPU (vb_flush_caches()), which
 *    is also correct on PREEMPT_RT, where local_lock is a per-CPU sleeping
 *    lock that does not disable IRQs; a dead CPU's magazines are emptied
 *    by the CPU hotplug "dead" callback, when nothing can run there;
 *  - class->lock: depot, spare magazines, chunk bitmaps; taken once per
 *    magazine (up to VB_MAG_SIZE maps) on a miss or a flush, and on every
 *    map of the large classes that bypass the caches;
 *  - vd->grow_lock: pool size and the list of all chunks;
 *  - vd->chunks (xarray): its own lock for stores, RCU for lookups.  A
 *    chunk leaves the xarray before an RCU grace period and only then is
 *    freed.
 *
 * Ordering of what the unmap and sync paths read without a lock:
 *  - vd->pool_lo/pool_hi (vb_find_slot()'s quick reject): WRITE_ONCE()
 *    under grow_lock in vb_grow(), before the chunk goes on its class's
 *    list; READ_ONCE() in vb_find_slot().  No barrier of their own: a
 *    slot of the chunk is only handed out after a vb_carve() under
 *    k->lock, whose acquire pairs with the release of k->lock in
 *    vb_class_add(), which comes after the widening.  The mapping's
 *    address then reaches the CPU that unmaps or syncs it through the
 *    caller's own ordering (its locks, the virtqueue's barriers), the
 *    same chain that orders the slot's fields.  Both only widen, and
 *    dma_addr_t is a native word (X86_64), so a racing reader sees
 *    either bound, never a torn one; vb_pool_init() sets them before
 *    any map can run;
 *  - a chunk and its slot table: published with rcu_assign_pointer()
 *    (vd->hot) and the xarray's stores, both release, read with
 *    rcu_dereference()/xa_load() (vb_find_slot());
 *  - s->state: the map path publishes a mapping with
 *    smp_store_release(MAPPED), paired with the smp_load_acquire() of
 *    vb_lookup(); an unmap claims the slot with cmpxchg() (full barrier)
 *    before vb_slot_free().  The pool never reads or writes s->state: a
 *    slot changes hands only under k->lock (chunk bitmap, depot) or on
 *    one CPU under its local lock (magazines), so the unmap's copy back
 *    from the slot is ordered before the next owner's writes to it.  A
 *    new slot table is zeroed (VB_SLOT_FREE) before it is published.
 *
 * Why magazines and not a library: lib/objpool.c has a fixed capacity set
 * at init and cannot grow or shrink; sbitmap is one bitmap of a fixed
 * maximum depth with per-CPU hints, so a growing set of chunks would need
 * one sbitmap per chunk and still a way to find a chunk with free bits.
 * The magazine/depot scheme of drivers/iommu/iova.c fits (bounded per-CPU
 * hoard, batched transfers, unbounded backing store) but is private to
 * iova.c and stores pfns, so the same idea is written here for slots.
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/dma-direct.h>
#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "virtio_bounce_internal.h"
#include <trace/events/virtio_bounce.h>

/*
 * A magazine: a bounded stack of free slots, the unit that moves between
 * a CPU and its class's depot (the scheme of drivers/iommu/iova.c's
 * rcache, which is private to iova.c and keyed by pfn, so it is rebuilt
 * here).  VB_MAG_SIZE is chosen, as IOVA_MAG_SIZE is, so that the whole
 * struct is a power of two, the size of the kmalloc slab it comes from:
 * 512 bytes (62 slots), nothing of the object wasted.
 */
struct vb_mag {
	struct vb_mag *next;	/* in the depot or the spares, k->lock */
	unsigned int n;
	struct vb_slot *slot[VB_MAG_SIZE];
};

static_assert(!(sizeof(struct vb_mag) & (sizeof(struct vb_mag) - 1)));

struct vb_cpu_class {
	struct vb_mag *loaded;
	struct vb_mag *prev;
};

/**
 * struct vb_pcpu - per-CPU cache of one device
 * @lock: protects @c; taken on this CPU only (IRQs off on !PREEMPT_RT)
 * @c: two magazines per cached class
 * @flush: empties @c on this CPU, in process context (vb_flush_caches())
 * @vd: the device, for @flush
 */
struct vb_pcpu {
	local_lock_t lock;
	struct vb_cpu_class c[VB_NR_CLASSES];
	struct work_struct flush;
	struct vb_dev *vd;
};

static DECLARE_FAULT_ATTR(fail_vb_chunk);

/* Into the early command line copy, which lives until init memory goes. */
static char *fail_vb_chunk_arg __initdata;

static int __init setup_fail_vb_chunk(char *str)
{
	fail_vb_chunk_arg = str;
	return 0;
}
early_param("fail_virtio_bounce_chunk", setup_fail_vb_chunk);

/*
 * Not from early_param: setup_fault_attr() seeds its PRNG once through
 * DO_ONCE, which kmallocs and schedules work; that early a Xen PV dom0
 * dies before its console is up.  Pools are built long after this.
 */
static int __init fail_vb_chunk_init(void)
{
	if (!fail_vb_chunk_arg)
		return 0;
	/* setup_fault_attr() returns 1 on success. */
	if (!setup_fault_attr(&fail_vb_chunk, fail_vb_chunk_arg))
		return -EINVAL;
#ifdef CONFIG_FAULT_INJECTION
	fail_vb_chunk.verbose = 1;	/* a ratelimited line, no stack dumps */
#endif
	return 0;
}
core_initcall(fail_vb_chunk_init);

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static int __init fail_vb_chunk_debugfs(void)
{
	return PTR_ERR_OR_ZERO(fault_create_debugfs_attr("fail_virtio_bounce_chunk",
							 NULL, &fail_vb_chunk));
}
late_initcall(fail_vb_chunk_debugfs);
#endif

unsigned long vb_stat_sum(struct vb_dev *vd, enum vb_stat s)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(vd->stats, cpu)->v[s];
	return sum;
}

/**
 * vb_size_class() - size class for a mapping of @size bytes
 * @vd: the device
 * @size: bytes, alignment padding included
 *
 * Return: class index, or -E2BIG when no class is large enough.
 */
int vb_size_class(struct vb_dev *vd, size_t size)
{
	unsigned int shift;

	if (size <= (1U << VB_MIN_SHIFT))
		return 0;
	shift = fls_long(size - 1);
	if (shift > vd->max_shift)
		return -E2BIG;
	return shift - VB_MIN_SHIFT;
}

/* Every chunk is VB_CHUNK_BYTES, whatever its class: one page order. */
static unsigned int chunk_order(void)
{
	return VB_CHUNK_SHIFT - PAGE_SHIFT;
}

/*
 * Forward progress (docs/design.md, "Forward progress").  A driver cannot
 * complete a request unless all of its mappings succeed at once
 * (virtio-blk: header, data segments, status and the indirect table,
 * each its own map); one that fails gives back what it had and retries.
 * So the pool must hold every request that may be being mapped at the
 * same time, with nothing else mapped, from memory it already has:
 *
 *  - a request carries at most R = VB_REQ_BYTES of data: virtio-blk is
 *    told so (virtio_bounce_max_request()), whatever io_opt the device
 *    advertises; every data segment is at least 512 B (the block layer's
 *    DMA alignment), so there are at most R / 512 of them, and a slot is
 *    at most twice its mapping: 2R bytes of data slots;
 *  - the indirect table has 16 B per segment plus header and status, at
 *    most 2 (R / 32 + 32) bytes of slot; header and status one 512 B
 *    slot each.  Per request: 2R + R / 16 + 1088 bytes of slots;
 *  - a driver maps a request under its virtqueue's lock, so at most one
 *    request per CPU is being mapped at once: nr_cpu_ids builders;
 *  - every class may hold one partly used chunk: VB_NR_CLASSES chunks.
 *
 * Chunks are all VB_CHUNK_BYTES and an idle chunk is carved again for a
 * class that runs dry (vb_recarve()), so what the classes need adds up;
 * no chunk has to be allocated.  While the pool is short (vd->scarce) the
 * per-CPU caches hoard nothing, so their magazines add no slack.
 */
#define VB_REQ_SLOT_BYTES	(2 * VB_REQ_BYTES + VB_REQ_BYTES / 16 + 1088)

/**
 * vb_footprint() - the progress reserve: pool bytes that always serve
 *	@builders largest requests mapped at once
 * @builders: requests being mapped at the same time
 *
 * Return: @builders * (2R + R/16 + 1088) + VB_NR_CLASSES chunks, rounded
 * up to whole chunks.
 */
size_t vb_footprint(unsigned int builders)
{
	size_t bytes = (size_t)builders * VB_REQ_SLOT_BYTES +
		       VB_NR_CLASSES * VB_CHUNK_BYTES;

	return round_up(bytes, VB_CHUNK_BYTES);
}

/**
 * vb_builders() - requests that may be mapped at once on one device
 *
 * Return: nr_cpu_ids: a driver maps a request with its virtqueue's lock
 * held, so one per CPU.
 */
unsigned int vb_builders(void)
{
	return nr_cpu_ids;
}

static gfp_t vb_chunk_gfp(struct vb_dev *vd, gfp_t gfp)
{
	u64 mask = dma_get_mask(vd->dev);

	/* Unless the backend places the memory itself, honour the DMA mask. */
	if (!vd->be->any_zone && IS_ENABLED(CONFIG_ZONE_DMA32) &&
	    mask <= DMA_BIT_MASK(32))
		gfp |= GFP_DMA32;
	/* Only the reserve, built at attach, asks the allocator to try hard. */
	if (!(gfp & __GFP_RETRY_MAYFAIL))
		gfp |= __GFP_NORETRY;
	return gfp | __GFP_ZERO | __GFP_NOWARN;
}

static void vb_chunk_free_mem(struct vb_chunk *c)
{
	if (c->vaddr)
		free_pages((unsigned long)c->vaddr, c->order);
	bitmap_free(c->free);
	kvfree(c);
}

/* Memory and metadata of a chunk of class @k, not yet translated. */
static struct vb_chunk *vb_chunk_alloc(struct vb_dev *vd, struct vb_class *k,
				       gfp_t gfp)
{
	unsigned int order = chunk_order();
	struct vb_chunk *c;
	struct page *page;
	unsigned int i;

	c = kzalloc(struct_size(c, slots, k->slots_per_chunk), gfp);
	if (!c)
		return NULL;
	c->order = order;
	c->cls = k;
	c->nr_slots = k->slots_per_chunk;
	c->free = bitmap_zalloc(c->nr_slots, gfp);
	page = c->free ? alloc_pages(vb_chunk_gfp(vd, gfp), order) : NULL;
	if (!page) {
		vb_chunk_free_mem(c);
		return NULL;
	}
	c->vaddr = page_address(page);
	c->phys = page_to_phys(page);
	for (i = 0; i < c->nr_slots; i++) {
		c->slots[i].chunk = c;
		c->slots[i].idx = i;
	}
	return c;
}

/* Give @c its device address through the backend, and check it. */
static int vb_chunk_map(struct vb_dev *vd, struct vb_chunk *c, gfp_t gfp)
{
	size_t bytes = PAGE_SIZE << c->order;
	int err;

	err = should_fail(&fail_vb_chunk, bytes) ? -EIO :
	      vd->be->chunk_map(vd, c, gfp);
	if (err)
		return err;
	/* dma_capable(): the mask and the bus limit (bus_dma_limit) */
	if (!IS_ALIGNED(c->dma, bytes) ||
	    !vb_dma_capable(vd->dev, c->dma, bytes, true)) {
		vd->be->chunk_unmap(vd, c);
		return -ERANGE;
	}
	return 0;
}

/*
 * Make @c findable by device address: the xarray (one entry per granule)
 * and its lines of the lookup cache, which the newest chunk wins.
 * irqsave: the map path may run under a driver's IRQ-disabling lock
 * (virtio-blk's vq lock), so the _irq variants would re-enable IRQs.
 */
static int vb_chunk_publish(struct vb_dev *vd, struct vb_chunk *c, gfp_t gfp)
{
	unsigned long first = c->dma >> VB_GRANULE_SHIFT;
	unsigned long i, nr = (PAGE_SIZE << c->order) >> VB_GRANULE_SHIFT;
	unsigned long flags;
	int err = 0;

	xa_lock_irqsave(&vd->chunks, flags);
	for (i = 0; i < nr; i++) {
		err = __xa_insert(&vd->chunks, first + i, c, gfp);
		if (err) {
			while (i--)
				__xa_erase(&vd->chunks, first + i);
			break;
		}
	}
	for (i = 0; !err && i < nr && i < VB_HOT_LINES; i++)
		rcu_assign_pointer(vd->hot[(first + i) % VB_HOT_LINES], c);
	xa_unlock_irqrestore(&vd->chunks, flags);
	return err;
}

/*
 * Undo vb_chunk_publish().  A lookup of a stale address may still see @c
 * until an RCU grace period has passed.
 */
static void vb_chunk_unpublish(struct vb_dev *vd, struct vb_chunk *c)
{
	unsigned long first = c->dma >> VB_GRANULE_SHIFT;
	unsigned long i, nr = (PAGE_SIZE << c->order) >> VB_GRANULE_SHIFT;
	unsigned long flags;

	xa_lock_irqsave(&vd->chunks, flags);
	for (i = 0; i < nr; i++) {
		__xa_erase(&vd->chunks, first + i);
		if (rcu_access_pointer(vd->hot[(first + i) % VB_HOT_LINES]) == c)
			RCU_INIT_POINTER(vd->hot[(first + i) % VB_HOT_LINES], NULL);
	}
	xa_unlock_irqrestore(&vd->chunks, flags);
}

/*
 * Reserve @bytes of the pool's maximum; false when it is reached.  The
 * chunk counts in pool_bytes from here on, so the peak is raised here,
 * under the same lock: no reader sees pool_bytes above pool_peak.
 */
static bool vb_reserve(struct vb_dev *vd, size_t bytes)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&vd->grow_lock, flags);
	ok = vd->pool_bytes + bytes <= vd->pool_max;
	if (ok) {
		/* WRITE_ONCE: the map path and sysfs read it unlocked. */
		WRITE_ONCE(vd->pool_bytes, vd->pool_bytes + bytes);
		vd->pool_peak = max(vd->pool_peak, vd->pool_bytes);
	}
	spin_unlock_irqrestore(&vd->grow_lock, flags);
	return ok;
}

/* A chunk could not be added: give its reservation back, say so once. */
static int vb_grow_failed(struct vb_dev *vd, struct vb_class *k, size_t bytes,
			  int err)
{
	unsigned long flags;

	spin_lock_irqsave(&vd->grow_lock, flags);
	WRITE_ONCE(vd->pool_bytes, vd->pool_bytes - bytes);
	vd->grow_failures++;
	WRITE_ONCE(vd->grow_fail_at, jiffies ?: 1);	/* vb_grow_backoff() */
	spin_unlock_irqrestore(&vd->grow_lock, flags);
	trace_virtio_bounce_grow(vd->name, 1U << k->shift, bytes, 0, 0, err);
	if (!test_and_set_bit(VB_WARN_GROW, &vd->warned))
		dev_warn(vd->dev,
			 "%s: cannot add a %zu KiB chunk to the %s pool (%d); the pool stays at %zu KiB\n",
			 vd->name, bytes >> 10, vd->be->name, err,
			 READ_ONCE(vd->pool_bytes) >> 10);
	return err;
}

/* Put a chunk whose slots are all free on class @k's list. */
static void vb_class_add(struct vb_class *k, struct vb_chunk *c)
{
	unsigned long flags;

	spin_lock_irqsave(&k->lock, flags);
	list_add(&c->node, &k->partial);
	WRITE_ONCE(k->nr_chunks, k->nr_chunks + 1);	/* vb_take_idle() */
	spin_unlock_irqrestore(&k->lock, flags);
}

/**
 * vb_grow() - add one chunk to a class
 * @vd: the device
 * @cls: class index
 * @gfp: allocation flags; GFP_ATOMIC from the map path
 *
 * Return: 0, -ENOSPC when the pool is at its maximum, -ENOMEM or the
 * backend's error otherwise.
 */
int vb_grow(struct vb_dev *vd, unsigned int cls, gfp_t gfp)
{
	struct vb_class *k = &vd->cls[cls];
	size_t bytes = PAGE_SIZE << chunk_order();
	struct vb_chunk *c;
	unsigned long flags;
	int err;

	if (!vb_reserve(vd, bytes))
		return -ENOSPC;
	c = vb_chunk_alloc(vd, k, gfp);
	if (!c)
		return vb_grow_failed(vd, k, bytes, -ENOMEM);
	err = vb_chunk_map(vd, c, gfp);
	if (!err) {
		err = vb_chunk_publish(vd, c, gfp);
		if (err)
			vd->be->chunk_unmap(vd, c);
	}
	if (err) {
		vb_chunk_free_mem(c);
		return vb_grow_failed(vd, k, bytes, err);
	}

	bitmap_fill(c->free, c->nr_slots);
	c->nr_free = c->nr_slots;
	spin_lock_irqsave(&vd->grow_lock, flags);
	/*
	 * Widen the quick-reject range before any slot of @c is handed out:
	 * ordered before vb_carve() by k->lock (vb_class_add() below); read
	 * with READ_ONCE() by vb_find_slot() (see "Ordering" at the top).
	 */
	if (c->dma < vd->pool_lo)
		WRITE_ONCE(vd->pool_lo, c->dma);
	if (c->dma + bytes > vd->pool_hi)
		WRITE_ONCE(vd->pool_hi, c->dma + bytes);
	list_add_tail(&c->all, &vd->all_chunks);
	vd->grows++;
	spin_unlock_irqrestore(&vd->grow_lock, flags);

	vb_class_add(k, c);
	trace_virtio_bounce_grow(vd->name, 1U << k->shift, bytes, c->phys,
				 c->dma, 0);
	return 0;
}

/* Magazine stack operations, as iova_magazine_{pop,push}(). */
static struct vb_slot *vb_mag_pop(struct vb_mag *m)
{
	return m->slot[--m->n];
}

static void vb_mag_push(struct vb_mag *m, struct vb_slot *s)
{
	m->slot[m->n++] = s;
}

/*
 * Take one free slot out of the class's chunks; NULL when there is none.
 * k->lock held.  A chunk is on @partial exactly while it has a free slot.
 */
static struct vb_slot *vb_carve_one(struct vb_class *k)
{
	struct vb_chunk *c;
	unsigned long bit;

	c = list_first_entry_or_null(&k->partial, struct vb_chunk, node);
	if (!c)
		return NULL;
	bit = find_first_bit(c->free, c->nr_slots);
	__clear_bit(bit, c->free);
	if (!--c->nr_free)
		list_del_init(&c->node);
	return &c->slots[bit];
}

/* Fill @m up to @want slots from the class's chunks.  k->lock held. */
static unsigned int vb_carve(struct vb_class *k, struct vb_mag *m,
			     unsigned int want)
{
	struct vb_slot *s;

	while (m->n < want && (s = vb_carve_one(k)))
		vb_mag_push(m, s);
	return m->n;
}

/* Give one slot back to its chunk.  k->lock held. */
static void vb_return(struct vb_class *k, struct vb_slot *s)
{
	struct vb_chunk *c = s->chunk;

	__set_bit(s->idx, c->free);
	if (!c->nr_free++)
		list_add(&c->node, &k->partial);
}

static void vb_note_out(struct vb_class *k, long delta)
{
	k->out += delta;
	if (k->out > k->hiwater)
		k->hiwater = k->out;
}

/* Give every slot of @m back to its chunk.  k->lock held; @m may be NULL. */
static void vb_mag_empty(struct vb_class *k, struct vb_mag *m)
{
	if (!m)
		return;
	vb_note_out(k, -(long)m->n);
	while (m->n)
		vb_return(k, vb_mag_pop(m));
}

/*
 * The depot: a stack of full magazines per class, as iova_depot_{pop,push}().
 * k->lock held.  The spares are a stack of empty ones, linked the same way.
 */
static struct vb_mag *vb_depot_pop(struct vb_class *k)
{
	struct vb_mag *m = k->depot;

	if (m) {
		k->depot = m->next;
		k->depot_len--;
	}
	return m;
}

static void vb_depot_push(struct vb_class *k, struct vb_mag *m)
{
	m->next = k->depot;
	k->depot = m;
	k->depot_len++;
}

static void vb_spare_push(struct vb_class *k, struct vb_mag *m)
{
	m->next = k->spare;
	k->spare = m;
}

/*
 * Empty one CPU's magazines into the chunks: from that CPU under its
 * local lock, or for a CPU that is offline.  The magazines may be
 * unallocated (an attach that failed half-way).
 */
static void vb_empty_cpu(struct vb_dev *vd, struct vb_pcpu *p)
{
	unsigned int i;

	for (i = 0; i < VB_NR_CLASSES; i++) {
		struct vb_class *k = &vd->cls[i];
		unsigned long flags;

		if (!k->mag_cap)
			continue;
		spin_lock_irqsave(&k->lock, flags);
		vb_mag_empty(k, p->c[i].loaded);
		vb_mag_empty(k, p->c[i].prev);
		spin_unlock_irqrestore(&k->lock, flags);
	}
}

/*
 * Short of slots, the per-CPU caches hoard nothing (vb_footprint()): a
 * refill takes one slot, a free goes straight back to its chunk.  The
 * free path reads only its class's @caching, as it read @mag_cap.
 */
static void vb_set_scarce(struct vb_dev *vd, bool on)
{
	unsigned long at = on ? (jiffies ?: 1) : 0;
	unsigned int i;

	WRITE_ONCE(vd->scarce, at);
	for (i = 0; i < VB_NR_CLASSES; i++)
		WRITE_ONCE(vd->cls[i].caching, on ? 0 : vd->cls[i].mag_cap);
}

/*
 * A chunk allocation failed a moment ago: do not ask the page allocator
 * again on every map (the map path) or every run (the worker).
 */
static bool vb_grow_backoff(struct vb_dev *vd)
{
	unsigned long at = READ_ONCE(vd->grow_fail_at);

	return at && time_before(jiffies, at + HZ / 10);
}

/* Ask the grow worker for more of class @cls. */
static void vb_want_grow(struct vb_dev *vd, unsigned int cls)
{
	if (!test_and_set_bit(cls, &vd->grow_want))
		queue_work(system_dfl_wq, &vd->grow_work);
}

/* Slow path of an uncached class: one slot straight from the chunks. */
static struct vb_slot *vb_alloc_uncached(struct vb_dev *vd, struct vb_class *k)
{
	struct vb_slot *s;
	unsigned long flags;

	spin_lock_irqsave(&k->lock, flags);
	s = vb_carve_one(k);
	if (s)
		vb_note_out(k, 1);
	spin_unlock_irqrestore(&k->lock, flags);
	return s;
}

/*
 * Refill @pc->loaded (empty, as is @pc->prev) from the depot or the chunks.
 * Called with the per-CPU lock held.  Returns false if the class is dry.
 */
static bool vb_refill(struct vb_dev *vd, struct vb_class *k,
		      struct vb_cpu_class *pc, bool may_grow)
{
	struct vb_mag *full;
	bool ok;

	spin_lock(&k->lock);
	full = vb_depot_pop(k);
	if (full) {
		vb_spare_push(k, pc->loaded);
		pc->loaded = full;
		vb_stat_add(vd, VB_STAT_DEPOT_REFILLS, 1);
		trace_virtio_bounce_cache(vd->name, 1U << k->shift, full->n,
					  true);
	} else {
		/* Short of slots: take one, leave the rest to other CPUs. */
		unsigned int n = vb_carve(k, pc->loaded,
					  READ_ONCE(vd->scarce) ? 1 : k->mag_cap);

		vb_note_out(k, n);
		trace_virtio_bounce_cache(vd->name, 1U << k->shift, n, true);
	}
	ok = pc->loaded->n;
	/* Running low: let the worker grow the class before it runs dry. */
	if (may_grow && !k->depot && list_empty(&k->partial))
		vb_want_grow(vd, k->idx);
	spin_unlock(&k->lock);
	return ok;
}

/*
 * A slot of cached class @k from this CPU's magazines, as iova_rcache_get():
 * the loaded magazine, else the previous one, else a refill.
 */
static struct vb_slot *vb_cache_get(struct vb_dev *vd, unsigned int cls,
				    bool may_grow)
{
	struct vb_class *k = &vd->cls[cls];
	struct vb_slot *s = NULL;
	struct vb_cpu_class *pc;
	unsigned long flags;

	local_lock_irqsave(&vd->pcpu->lock, flags);
	pc = &this_cpu_ptr(vd->pcpu)->c[cls];
	if (likely(pc->loaded->n)) {
		s = vb_mag_pop(pc->loaded);
		vb_stat_add(vd, VB_STAT_CACHE_HITS, 1);
	} else if (pc->prev->n) {
		swap(pc->loaded, pc->prev);
		s = vb_mag_pop(pc->loaded);
		vb_stat_add(vd, VB_STAT_CACHE_HITS, 1);
	} else {
		vb_stat_add(vd, VB_STAT_CACHE_MISSES, 1);
		if (vb_refill(vd, k, pc, may_grow))
			s = vb_mag_pop(pc->loaded);
	}
	local_unlock_irqrestore(&vd->pcpu->lock, flags);
	return s;
}

/**
 * vb_slot_alloc() - take a free slot of class @cls
 * @vd: the device
 * @cls: class index
 * @may_grow: grow the class if it is dry (false: only take what is there)
 *
 * Callable in any context.  Grows the pool in place when the backend
 * can do so atomically, otherwise asks the grow worker and fails.
 *
 * Return: the slot, or NULL when the pool is exhausted.
 */
struct vb_slot *vb_slot_alloc(struct vb_dev *vd, unsigned int cls,
			      bool may_grow)
{
	struct vb_class *k = &vd->cls[cls];
	struct vb_slot *s;
	int tries;

	for (tries = 0; ; tries++) {
		s = k->mag_cap ? vb_cache_get(vd, cls, may_grow) :
				 vb_alloc_uncached(vd, k);
		if (likely(s))
			return s;
		if (tries || !may_grow || !vd->be->atomic_grow ||
		    vb_grow_backoff(vd) || vb_grow(vd, cls, GFP_ATOMIC))
			break;
	}
	if (may_grow) {
		size_t bytes = READ_ONCE(vd->pool_bytes);

		/* It cannot grow now: hoard nothing per CPU (vb_footprint()). */
		if (vb_grow_backoff(vd) ||
		    bytes + VB_CHUNK_BYTES > READ_ONCE(vd->pool_max))
			vb_set_scarce(vd, true);
		/*
		 * The driver gives back what it mapped and retries, likely
		 * before the worker runs: it must not find the class full
		 * again and do nothing.
		 */
		set_bit(cls, &vd->starved);
		vb_want_grow(vd, cls);
	}
	return NULL;
}

/*
 * Push a full magazine to the depot and get an empty one in exchange.
 * k->lock held.  If no empty magazine can be had, the slots go back to
 * their chunks instead and @m is reused.
 */
static struct vb_mag *vb_flush_mag(struct vb_dev *vd, struct vb_class *k,
				   struct vb_mag *m)
{
	struct vb_mag *e = k->spare;

	if (e)
		k->spare = e->next;
	else
		e = kmalloc(sizeof(*e), GFP_ATOMIC | __GFP_NOWARN);
	vb_stat_add(vd, VB_STAT_DEPOT_FLUSHES, 1);
	trace_virtio_bounce_cache(vd->name, 1U << k->shift, m->n, false);
	if (!e) {
		vb_mag_empty(k, m);
		return m;
	}
	vb_depot_push(k, m);
	e->n = 0;
	return e;
}

/*
 * Put @slot in this CPU's magazines, as iova_rcache_insert(): the loaded
 * one, else swap in an empty previous one, else trade the full one for
 * an empty one at the depot.
 */
static void vb_cache_put(struct vb_dev *vd, struct vb_class *k,
			 struct vb_slot *slot)
{
	struct vb_cpu_class *pc;
	unsigned long flags;

	local_lock_irqsave(&vd->pcpu->lock, flags);
	pc = &this_cpu_ptr(vd->pcpu)->c[k->idx];
	if (pc->loaded->n == k->mag_cap) {
		if (!pc->prev->n) {
			swap(pc->loaded, pc->prev);
		} else {
			spin_lock(&k->lock);
			pc->loaded = vb_flush_mag(vd, k, pc->loaded);
			spin_unlock(&k->lock);
		}
	}
	vb_mag_push(pc->loaded, slot);
	local_unlock_irqrestore(&vd->pcpu->lock, flags);
}

/**
 * vb_slot_free() - give a slot back
 * @vd: the device
 * @slot: a slot from vb_slot_alloc(), no longer mapped
 */
void vb_slot_free(struct vb_dev *vd, struct vb_slot *slot)
{
	struct vb_class *k = slot->chunk->cls;
	unsigned long flags;

	if (likely(READ_ONCE(k->caching))) {
		vb_cache_put(vd, k, slot);
		return;
	}
	spin_lock_irqsave(&k->lock, flags);
	vb_return(k, slot);
	vb_note_out(k, -1);
	spin_unlock_irqrestore(&k->lock, flags);
}

/* Empty the depot of @k back into the chunks.  k->lock held. */
static void vb_drain_depot(struct vb_class *k)
{
	struct vb_mag *m;

	while ((m = vb_depot_pop(k))) {
		vb_mag_empty(k, m);
		vb_spare_push(k, m);
	}
}

/**
 * vb_shrink() - release chunks with no slot in use
 * @vd: the device
 * @floor: keep at least this many bytes in the pool (pool_min for the
 *	idle scan, 0 at detach, just enough room for one chunk in reclaim)
 * @keep: class whose chunks stay (the one reclaim makes room for), or -1
 * @overshoot: release while the pool is above @floor, even a chunk that
 *	takes it below (reclaim: an idle 1 MiB chunk must be able to make
 *	room for a 256 KiB one); false: never go below @floor
 *
 * Process context.  Slots held in per-CPU magazines keep their chunk;
 * the depot is drained first.
 *
 * Return: number of chunks released.
 */
unsigned long vb_shrink(struct vb_dev *vd, size_t floor, int keep,
			bool overshoot)
{
	struct vb_chunk *c, *tmp;
	unsigned long flags, n = 0;
	LIST_HEAD(victims);
	unsigned int i;

	for (i = 0; i < VB_NR_CLASSES; i++) {
		struct vb_class *k = &vd->cls[i];

		if (i == keep)
			continue;
		spin_lock_irqsave(&k->lock, flags);
		vb_drain_depot(k);
		list_for_each_entry_safe(c, tmp, &k->partial, node) {
			size_t bytes = PAGE_SIZE << c->order;

			if (c->nr_free != c->nr_slots)
				continue;
			/* A class that cannot regrow in the map path keeps one. */
			if (floor && !vd->be->atomic_grow && k->nr_chunks == 1)
				break;
			spin_lock(&vd->grow_lock);
			if (overshoot ? vd->pool_bytes <= floor :
					vd->pool_bytes < floor + bytes) {
				spin_unlock(&vd->grow_lock);
				break;
			}
			WRITE_ONCE(vd->pool_bytes, vd->pool_bytes - bytes);
			vd->shrinks++;
			list_del(&c->all);
			spin_unlock(&vd->grow_lock);
			list_move(&c->node, &victims);
			WRITE_ONCE(k->nr_chunks, k->nr_chunks - 1);
		}
		spin_unlock_irqrestore(&k->lock, flags);
	}
	list_for_each_entry(c, &victims, node)
		vb_chunk_unpublish(vd, c);
	if (list_empty(&victims))
		return 0;
	synchronize_rcu();
	list_for_each_entry_safe(c, tmp, &victims, node) {
		trace_virtio_bounce_shrink(vd->name, 1U << c->cls->shift,
					   PAGE_SIZE << c->order, c->dma);
		vd->be->chunk_unmap(vd, c);
		vb_chunk_free_mem(c);
		n++;
	}
	return n;
}

/**
 * vb_pool_in_use() - slots currently mapped, over all classes
 * @vd: the device
 *
 * Return: bounced maps minus released slots (a snapshot).
 */
unsigned long vb_pool_in_use(struct vb_dev *vd)
{
	return vb_stat_sum(vd, VB_STAT_BOUNCED) - vb_stat_sum(vd, VB_STAT_UNMAPS);
}

/*
 * Work item on one CPU: give its cached slots back to their chunks.  The
 * local lock excludes a map or unmap preempted half-way on this CPU, also
 * on PREEMPT_RT (an IPI handler could do neither there).
 */
static void vb_flush_cpu(struct work_struct *w)
{
	struct vb_pcpu *p = container_of(w, struct vb_pcpu, flush);
	struct vb_dev *vd = p->vd;
	unsigned long flags;

	local_lock_irqsave(&vd->pcpu->lock, flags);
	/*
	 * Run elsewhere: queued for a CPU that then went offline
	 * (vb_flush_unlocked()); vb_cpu_dead() empties that one.
	 */
	if (p == this_cpu_ptr(vd->pcpu))
		vb_empty_cpu(vd, p);
	local_unlock_irqrestore(&vd->pcpu->lock, flags);
}

/* Empty every class's depot into the chunks. */
static void vb_drain_depots(struct vb_dev *vd)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < VB_NR_CLASSES; i++) {
		spin_lock_irqsave(&vd->cls[i].lock, flags);
		vb_drain_depot(&vd->cls[i]);
		spin_unlock_irqrestore(&vd->cls[i].lock, flags);
	}
}

/**
 * vb_flush_caches() - give every cached slot back to its chunk
 * @vd: the device
 *
 * Empties every CPU's cache and the depots, so that a CPU whose class ran
 * dry can use slots idling in another CPU's magazines, and so that the
 * pool can be torn down.  An online CPU empties its own (a work item on
 * each, waited for); an offline one cannot run a map or unmap while the
 * hotplug lock is held, and was emptied when it died unless the hotplug
 * state could not be set up, so it is emptied from here.  Process
 * context.
 */
void vb_flush_caches(struct vb_dev *vd)
{
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		queue_work_on(cpu, system_highpri_wq,
			      &per_cpu_ptr(vd->pcpu, cpu)->flush);
	for_each_possible_cpu(cpu) {
		if (cpu_online(cpu))
			flush_work(&per_cpu_ptr(vd->pcpu, cpu)->flush);
		else
			vb_empty_cpu(vd, per_cpu_ptr(vd->pcpu, cpu));
	}
	cpus_read_unlock();
	vb_drain_depots(vd);
}

static int vb_cpuhp_state;

/*
 * The grow worker's flush, without cpus_read_lock(): a CPU going offline
 * holds the hotplug lock for write while blk-mq waits for its queue's
 * requests to complete (blk_mq_hctx_notify_offline()), and one of them
 * may be waiting for this very flush to map.  Each online CPU empties its
 * own cache; one that goes offline meanwhile is emptied by vb_cpu_dead()
 * (its work item, run elsewhere, leaves the other CPU's cache alone), and
 * offline ones were emptied when they died.  Without the hotplug state,
 * the locked flush.
 */
static void vb_flush_unlocked(struct vb_dev *vd)
{
	int cpu;

	if (vb_cpuhp_state <= 0 || hlist_unhashed(&vd->cpuhp)) {
		vb_flush_caches(vd);
		return;
	}
	for_each_online_cpu(cpu)
		queue_work_on(cpu, system_highpri_wq,
			      &per_cpu_ptr(vd->pcpu, cpu)->flush);
	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(vd->pcpu, cpu)->flush);
	vb_drain_depots(vd);
}

/*
 * Take an idle chunk (no slot out) away from a class other than @not,
 * trying the classes with the most chunks first.  Its slots are free in
 * its bitmap, so no map or cache can reach it once it is off the class's
 * list.  NULL when every chunk has a slot out.
 */
static struct vb_chunk *vb_take_idle(struct vb_dev *vd, unsigned int not)
{
	unsigned int order[VB_NR_CLASSES], n = 0, i, j;
	unsigned long flags;
	struct vb_chunk *c;

	/* Ten classes: an insertion sort by a snapshot of their sizes. */
	for (i = 0; i < VB_NR_CLASSES; i++) {
		if (i == not || !READ_ONCE(vd->cls[i].nr_chunks))
			continue;
		for (j = n++; j && READ_ONCE(vd->cls[order[j - 1]].nr_chunks) <
				   READ_ONCE(vd->cls[i].nr_chunks); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (i = 0; i < n; i++) {
		struct vb_class *k = &vd->cls[order[i]];

		spin_lock_irqsave(&k->lock, flags);
		vb_drain_depot(k);
		list_for_each_entry(c, &k->partial, node) {
			if (c->nr_free == c->nr_slots) {
				list_del_init(&c->node);
				WRITE_ONCE(k->nr_chunks, k->nr_chunks - 1);
				spin_unlock_irqrestore(&k->lock, flags);
				return c;
			}
		}
		spin_unlock_irqrestore(&k->lock, flags);
	}
	return NULL;
}

/**
 * vb_recarve() - carve an idle chunk of another class into class @cls
 * @vd: the device
 * @cls: the class that ran dry
 *
 * The chunk keeps its memory and its device address (no page
 * allocation, no backend call: no Xen exchange, no IOMMU mapping); only
 * its slot table is made anew, for @cls, and takes its place in the
 * lookup.  This is what makes the progress reserve enough on its own
 * (vb_footprint()): the classes share one set of chunks.  Process
 * context.
 *
 * Return: true when @cls got a chunk.
 */
bool vb_recarve(struct vb_dev *vd, unsigned int cls)
{
	struct vb_class *k = &vd->cls[cls];
	unsigned long g, flags;
	struct vb_chunk *c, *n;
	unsigned int i;

	c = vb_take_idle(vd, cls);
	if (!c)
		return false;
	/* Order <= 3 for the slot table (kvzalloc: never a high order). */
	n = kvzalloc(struct_size(n, slots, k->slots_per_chunk), GFP_KERNEL);
	if (n)
		n->free = bitmap_zalloc(k->slots_per_chunk, GFP_KERNEL);
	if (!n || !n->free) {
		if (n)
			kvfree(n);
		vb_class_add(c->cls, c);	/* back where it was */
		return false;
	}
	n->cls = k;
	n->vaddr = c->vaddr;
	n->phys = c->phys;
	n->dma = c->dma;
	n->order = c->order;
	n->nr_slots = k->slots_per_chunk;
	n->nr_free = n->nr_slots;
	bitmap_fill(n->free, n->nr_slots);
	for (i = 0; i < n->nr_slots; i++) {
		n->slots[i].chunk = n;
		n->slots[i].idx = i;
	}

	/* The lookup finds @n from here on; replacing allocates nothing. */
	g = n->dma >> VB_GRANULE_SHIFT;
	xa_lock_irqsave(&vd->chunks, flags);
	__xa_store(&vd->chunks, g, n, GFP_ATOMIC);
	if (rcu_access_pointer(vd->hot[g % VB_HOT_LINES]) == c)
		rcu_assign_pointer(vd->hot[g % VB_HOT_LINES], n);
	xa_unlock_irqrestore(&vd->chunks, flags);

	spin_lock_irqsave(&vd->grow_lock, flags);
	list_replace(&c->all, &n->all);
	vd->recarves++;
	spin_unlock_irqrestore(&vd->grow_lock, flags);

	vb_class_add(k, n);

	/* A lookup of a stale address may still read the old table. */
	synchronize_rcu();
	c->vaddr = NULL;	/* the pages are @n's now */
	vb_chunk_free_mem(c);
	return true;
}

/* Has class @k no free slot outside the per-CPU caches? */
static bool vb_class_low(struct vb_class *k)
{
	unsigned long flags;
	bool low;

	spin_lock_irqsave(&k->lock, flags);
	low = !k->depot && list_empty(&k->partial);
	spin_unlock_irqrestore(&k->lock, flags);
	return low;
}

/*
 * A class ran dry.  Growing is the fast way out, but only an
 * optimisation: when the pool is at its max or the page allocator has no
 * chunk, the slots other CPUs hoard are freed and an idle chunk of
 * another class is carved for this one.  Progress never waits for an
 * allocation.
 */
static void vb_grow_worker(struct work_struct *w)
{
	struct vb_dev *vd = container_of(w, struct vb_dev, grow_work);
	unsigned int i;

	for (i = 0; i < VB_NR_CLASSES; i++) {
		struct vb_class *k = &vd->cls[i];
		bool starved;

		if (!test_and_clear_bit(i, &vd->grow_want))
			continue;
		starved = test_and_clear_bit(i, &vd->starved);
		/* Only running low: the map path may have grown it since. */
		if (!starved && !vb_class_low(k))
			continue;
		if (!vb_grow_backoff(vd) && !vb_grow(vd, i, GFP_KERNEL))
			continue;
		vb_flush_unlocked(vd);
		if (starved || vb_class_low(k))
			vb_recarve(vd, i);
	}
}

static void vb_shrink_worker(struct work_struct *w)
{
	struct vb_dev *vd = container_of(to_delayed_work(w), struct vb_dev,
					 shrink_work);

	/* Above a lowered max (vb_set_max()): what CPUs hoard may go too. */
	if (READ_ONCE(vd->pool_bytes) > READ_ONCE(vd->pool_max))
		vb_flush_caches(vd);
	vb_shrink(vd, vd->pool_min, -1, false);
	/* Caching comes back once no map has found its class dry for a while. */
	if (READ_ONCE(vd->scarce) &&
	    time_after(jiffies, READ_ONCE(vd->scarce) + vd->shrink_interval))
		vb_set_scarce(vd, false);
	if (vd->shrink_interval)
		queue_delayed_work(system_dfl_wq, &vd->shrink_work, vd->shrink_interval);
}

/* CPU hotplug: a dead CPU's magazines would hoard their slots for good. */

static int vb_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct vb_dev *vd = hlist_entry(node, struct vb_dev, cpuhp);

	vb_empty_cpu(vd, per_cpu_ptr(vd->pcpu, cpu));
	return 0;
}

static int __init vb_cpuhp_init(void)
{
	int ret;

	/* A PREPARE state: its teardown runs once the CPU is dead. */
	ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN,
				      "dma/virtio_bounce:dead", NULL,
				      vb_cpu_dead);
	if (ret < 0) {
		pr_warn("no CPU hotplug state (%d): slots cached by a CPU that goes offline stay out until the pool is destroyed\n",
			ret);
		return ret;
	}
	vb_cpuhp_state = ret;
	return 0;
}
core_initcall(vb_cpuhp_init);

static void vb_free_mags(struct vb_mag *m)
{
	while (m) {
		struct vb_mag *next = m->next;

		kfree(m);
		m = next;
	}
}

static void vb_init_classes(struct vb_dev *vd)
{
	unsigned int i;

	for (i = 0; i < VB_NR_CLASSES; i++) {
		struct vb_class *k = &vd->cls[i];

		spin_lock_init(&k->lock);
		INIT_LIST_HEAD(&k->partial);
		k->idx = i;
		k->shift = VB_MIN_SHIFT + i;
		k->slots_per_chunk = 1U << (chunk_order() + PAGE_SHIFT -
					    k->shift);
		k->mag_cap = k->shift <= VB_CACHE_MAX_SHIFT ?
			     min(VB_MAG_SIZE, k->slots_per_chunk) : 0;
		k->caching = k->mag_cap;
	}
}

/* Per-CPU caches (two magazines per cached class) and counters. */
static int vb_init_pcpu(struct vb_dev *vd)
{
	unsigned int i;
	int cpu;

	vd->pcpu = alloc_percpu(struct vb_pcpu);
	if (!vd->pcpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct vb_pcpu *p = per_cpu_ptr(vd->pcpu, cpu);

		/* Before anything can fail: vb_pool_destroy() flushes them. */
		local_lock_init(&p->lock);
		INIT_WORK(&p->flush, vb_flush_cpu);
		p->vd = vd;
	}
	vd->stats = alloc_percpu(struct vb_stats);
	if (!vd->stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct vb_pcpu *p = per_cpu_ptr(vd->pcpu, cpu);

		for (i = 0; i < VB_NR_CLASSES; i++) {
			if (!vd->cls[i].mag_cap)
				continue;
			p->c[i].loaded = vb_kzalloc_obj(p->c[i].loaded, GFP_KERNEL);
			p->c[i].prev = vb_kzalloc_obj(p->c[i].prev, GFP_KERNEL);
			if (!p->c[i].loaded || !p->c[i].prev)
				return -ENOMEM;
		}
	}
	return 0;
}

/* Failed chunks in a row after which the initial pool is left short. */
#define VB_PREFILL_MISSES	8

/* The initial chunks: see vb_pool_init(). */
static void vb_prefill(struct vb_dev *vd)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_RETRY_MAYFAIL;
	unsigned int top = vd->max_shift - VB_MIN_SHIFT;
	unsigned int i, misses = 0;

	/* A chunk for every class, then the rest of the reserve and pool=. */
	for (i = 0; i <= top; i++)
		if (vd->pool_bytes + VB_CHUNK_BYTES <= vd->pool_min)
			vb_grow(vd, i, gfp);
	/*
	 * The rest in the top class (vb_recarve() reshapes it), through a
	 * few failed chunks in a row: a Xen exchange may fail now and then.
	 */
	while (vd->pool_bytes + VB_CHUNK_BYTES <= vd->pool_min &&
	       misses < VB_PREFILL_MISSES) {
		int err = vb_grow(vd, top, gfp);

		if (err == -ENOSPC)
			break;
		misses = err ? misses + 1 : 0;
	}
}

/**
 * vb_pool_init() - set up classes and caches, and the initial pool
 * @vd: the device, with @be, @pool_min, @reserve, @pool_max and
 *	@max_shift set
 *
 * Every device that may bounce gets its whole progress reserve here, in
 * process context, with allocations allowed to try hard: one chunk per
 * class, the rest in the top class; growth past it is an optimisation.
 * A device whose maps never reach us (dma_ops_bypass) has no pool.
 *
 * Return: 0 or -ENOMEM.  A failing backend is not an error here: the
 * caller checks vd->pool_bytes.
 */
int vb_pool_init(struct vb_dev *vd)
{
	xa_init_flags(&vd->chunks, XA_FLAGS_LOCK_IRQ);
	/* Empty range; no map or unmap reaches @vd before it is installed. */
	vd->pool_lo = DMA_MAPPING_ERROR;
	vd->pool_hi = 0;
	spin_lock_init(&vd->grow_lock);
	INIT_LIST_HEAD(&vd->all_chunks);
	INIT_WORK(&vd->grow_work, vb_grow_worker);
	INIT_DELAYED_WORK(&vd->shrink_work, vb_shrink_worker);
	vb_init_classes(vd);
	if (vb_init_pcpu(vd)) {
		vb_pool_destroy(vd);
		return -ENOMEM;
	}
	if (vb_cpuhp_state > 0)
		cpuhp_state_add_instance_nocalls(vb_cpuhp_state, &vd->cpuhp);
	if (vb_pool_prefilled(vd))
		vb_prefill(vd);
	if (vd->shrink_interval)
		queue_delayed_work(system_dfl_wq, &vd->shrink_work, vd->shrink_interval);
	return 0;
}

/**
 * vb_pool_quiesce() - stop everything of the pool that runs on its own
 * @vd: the device
 *
 * The grow and shrink workers (the shrink worker re-arms itself) and the
 * CPU hotplug callback: after this nothing but a map or unmap touches the
 * pool.  For a pool that is about to be destroyed, and for one that is
 * leaked with mappings live (7.3 vb_detach()).  Process context; may run
 * twice.
 */
void vb_pool_quiesce(struct vb_dev *vd)
{
	cancel_work_sync(&vd->grow_work);
	cancel_delayed_work_sync(&vd->shrink_work);
	if (!hlist_unhashed(&vd->cpuhp)) {
		cpuhp_state_remove_instance_nocalls(vb_cpuhp_state, &vd->cpuhp);
		INIT_HLIST_NODE(&vd->cpuhp);
	}
}

/**
 * vb_pool_destroy() - free everything; no mapping may be left
 * @vd: the device
 */
void vb_pool_destroy(struct vb_dev *vd)
{
	unsigned int i;
	int cpu;

	vb_pool_quiesce(vd);
	if (vd->pcpu) {
		vb_flush_caches(vd);
		for_each_possible_cpu(cpu) {
			struct vb_pcpu *p = per_cpu_ptr(vd->pcpu, cpu);

			for (i = 0; i < VB_NR_CLASSES; i++) {
				kfree(p->c[i].loaded);
				kfree(p->c[i].prev);
			}
		}
	}
	vb_shrink(vd, 0, -1, false);
	for (i = 0; i < VB_NR_CLASSES; i++) {
		vb_free_mags(vd->cls[i].spare);
		vd->cls[i].spare = NULL;
		if (vd->cls[i].nr_chunks)
			dev_err(vd->dev,
				"%s: %lu chunks of %u B slots still mapped at teardown, leaking them\n",
				vd->name, vd->cls[i].nr_chunks,
				1U << vd->cls[i].shift);
	}
	xa_destroy(&vd->chunks);
	free_percpu(vd->pcpu);
	free_percpu(vd->stats);
	vd->pcpu = NULL;
	vd->stats = NULL;
}
