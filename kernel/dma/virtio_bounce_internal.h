/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_bounce internals shared by setup, the map path, the backends,
 * the pool, debugfs and the KUnit tests.  Not a kernel API: the virtio
 * core sees include/linux/virtio_bounce.h only.
 */
#ifndef _KERNEL_DMA_VIRTIO_BOUNCE_INTERNAL_H
#define _KERNEL_DMA_VIRTIO_BOUNCE_INTERNAL_H

#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/list.h>
#include <linux/cpuhotplug.h>
#include <linux/local_lock.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/virtio_bounce.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

/**
 * enum vb_mode - what virtio_bounce= asked for
 * @VB_MODE_OFF: stock kernel behaviour, nothing is installed
 * @VB_MODE_ON: 1:1 fast path where the device is provably not behind an
 *	IOMMU and the buffer is DMA-capable, bounce otherwise
 * @VB_MODE_FORCE: always bounce: the device only ever sees pool addresses
 */
enum vb_mode {
	VB_MODE_OFF,
	VB_MODE_ON,
	VB_MODE_FORCE,
};

/**
 * enum vb_backend - how pool chunks (and 1:1 buffers) get device addresses
 * @VB_BACKEND_NONE: device not claimed, stock DMA path
 * @VB_BACKEND_IDENTITY: device address == physical address (no IOMMU)
 * @VB_BACKEND_PARENT: each chunk mapped once through the device's previous
 *	DMA path (IOMMU-DMA, arch ops or dma-direct)
 * @VB_BACKEND_XEN: each chunk exchanged for machine-contiguous memory once
 *	(xen_create_contiguous_region); Xen PV only
 */
enum vb_backend {
	VB_BACKEND_NONE,
	VB_BACKEND_IDENTITY,
	VB_BACKEND_PARENT,
	VB_BACKEND_XEN,
};

/**
 * struct vb_policy_in - facts about one device that the policy decides on
 * @xen_pv: running as a Xen PV guest (pseudo-physical != machine)
 * @xen_grant: Xen grant DMA ops own this device
 * @shared_dma: the DMA device is not this virtio device's alone (e.g. the
 *	vDPA parent of virtio_vdpa, which other functions also map through)
 * @mem_encrypted: memory-encrypted guest (SEV, TDX):
 *	force_dma_unencrypted() is true, the device reaches shared pages only
 * @foreign_ops: the DMA device already has its own dma_map_ops
 * @iommu_dma: the DMA device is attached to an IOMMU-DMA domain
 * @iommu_detectable: the platform can tell whether an IOMMU translates
 *	this device (firmware tables describe every IOMMU)
 * @access_platform: VIRTIO_F_ACCESS_PLATFORM was negotiated
 * @dma_mask: the device's streaming DMA mask
 * @virtio_id: the virtio device ID (VIRTIO_ID_*); picks the per-device
 *	rule (vb_rule_for()), not a row of the table
 */
struct vb_policy_in {
	bool xen_pv;
	bool xen_grant;
	bool shared_dma;
	bool mem_encrypted;
	bool foreign_ops;
	bool iommu_dma;
	bool iommu_detectable;
	bool access_platform;
	u64 dma_mask;
	u32 virtio_id;
};

/**
 * struct vb_decision - the outcome of the policy for one device
 * @backend: translation backend, %VB_BACKEND_NONE when not claimed
 * @direct_ok: 1:1 (no-copy) maps are allowed for DMA-capable buffers
 * @why: one line that says why, printed in dmesg and debugfs
 * @rule: the virtio_bounce= rule that chose the mode ("default": the
 *	global mode), set by vb_attach_cfg()
 */
struct vb_decision {
	enum vb_backend backend;
	bool direct_ok;
	const char *why;
	const char *rule;
};

void vb_decide(enum vb_mode mode, const struct vb_policy_in *in,
	       struct vb_decision *out);
const char *vb_mode_name(enum vb_mode mode);
const char *vb_backend_name(enum vb_backend backend);

/*
 * Size classes: 512 B << i, i = 0 .. VB_NR_CLASSES - 1 (512 B .. 256 KiB).
 * The largest slot is one chunk, swiotlb's segment size: no mapping ever
 * needs memory of a higher order than a chunk, and a chunk of any class
 * can be carved again into any other (vb_recarve()).
 */
#define VB_MIN_SHIFT		9
#define VB_NR_CLASSES		10
#define VB_MAX_SHIFT		(VB_MIN_SHIFT + VB_NR_CLASSES - 1)
/* Every chunk is this big (256 KiB), whatever its class. */
#define VB_CHUNK_SHIFT		18
#define VB_CHUNK_BYTES		BIT(VB_CHUNK_SHIFT)
/*
 * The largest request a driver is told it may send (virtio-blk's
 * max_hw_sectors, virtio_bounce_max_request()): the block layer's default
 * cap, BLK_DEF_MAX_SECTORS_CAP (1280 KiB), which a device's io_opt could
 * otherwise raise without bound.
 */
#define VB_REQ_BYTES		(2560UL * 512)
/* Granule of the dma address -> chunk lookup (every chunk is a multiple). */
#define VB_GRANULE_SHIFT	VB_CHUNK_SHIFT
/* Classes above this bypass the per-CPU caches (the copy dominates). */
#define VB_CACHE_MAX_SHIFT	15
/*
 * Slots per magazine, at most: 62 makes struct vb_mag (a link, a count
 * and the slots) 512 bytes, exactly the kmalloc-512 object it lands in
 * (virtio_bounce_pool.c asserts a power of two, as iova.c does for its
 * magazine).
 */
#define VB_MAG_SIZE		62
/* Lines of the direct-mapped dma -> chunk cache in front of the xarray. */
#define VB_HOT_LINES		64

struct vb_dev;
struct vb_chunk;
struct virtio_device;

/**
 * struct vb_attach_info - what the virtio core knows about a device
 * @name: name for messages and debugfs (the virtio device's)
 * @access_platform: VIRTIO_F_ACCESS_PLATFORM was negotiated, i.e. the
 *	device honours the platform's DMA translation
 * @own_dma_dev: the DMA device is this virtio device's own function
 *	(virtio-pci, virtio-mmio), not one that other functions map through
 *	(e.g. the vDPA parent of virtio_vdpa)
 * @virtio_id: the device type (VIRTIO_ID_*), for per-type rules
 * @index: the virtio device's index (virtioN): its sysfs record
 */
struct vb_attach_info {
	const char *name;
	bool access_platform;
	bool own_dma_dev;
	u32 virtio_id;
	unsigned int index;
};

enum vb_slot_state {
	VB_SLOT_FREE,
	VB_SLOT_MAPPED,
};

/**
 * struct vb_slot - one bounce slot and what is mapped in it
 * @chunk: the chunk the slot lives in
 * @orig: physical address of the caller's buffer
 * @len: mapped length
 * @offset: where the data starts inside the slot (min_align_mask)
 * @idx: index of the slot in its chunk
 * @dir: DMA direction of the mapping
 * @state: &enum vb_slot_state
 */
struct vb_slot {
	struct vb_chunk *chunk;
	phys_addr_t orig;
	u32 len;
	u32 offset;
	u16 idx;
	u8 dir;
	u8 state;
};

/**
 * struct vb_chunk - a contiguous, pre-translated piece of the pool
 * @node: on the class's list of chunks with free slots (@nr_free > 0)
 * @all: on the device's list of all chunks
 * @cls: size class the chunk is carved into
 * @vaddr: kernel virtual address
 * @phys: physical (pseudo-physical under Xen) address
 * @dma: device address of the first byte, computed once by the backend
 * @order: page order of the allocation
 * @nr_slots: slots in the chunk
 * @nr_free: slots whose bit is set in @free (not counting per-CPU caches)
 * @free: bitmap of free slots
 * @slots: per-slot metadata
 */
struct vb_chunk {
	struct list_head node;
	struct list_head all;
	struct vb_class *cls;
	void *vaddr;
	phys_addr_t phys;
	dma_addr_t dma;
	unsigned int order;
	unsigned int nr_slots;
	unsigned int nr_free;
	unsigned long *free;
	struct vb_slot slots[];
};

/* Magazines and per-CPU caches: private to virtio_bounce_pool.c. */
struct vb_mag;
struct vb_pcpu;

/**
 * struct vb_class - one size class of one device's pool
 * @lock: protects everything below; taken only on cache misses/flushes
 * @shift: log2 of the slot size
 * @idx: index of the class
 * @slots_per_chunk: slots in one chunk of this class
 * @mag_cap: magazine capacity for this class (0: no per-CPU caching)
 * @caching: @mag_cap while frees go to the per-CPU caches, 0 while the
 *	pool is scarce (vb_set_scarce()): the one field a free reads
 * @partial: chunks with free slots
 * @depot: full magazines
 * @spare: empty magazines
 * @depot_len: magazines in @depot
 * @nr_chunks: chunks in the class
 * @out: slots taken out of the chunks (mapped or cached)
 * @hiwater: highest @out seen
 */
struct vb_class {
	spinlock_t lock;	/* see kernel-doc above */
	unsigned int shift;
	unsigned int idx;
	unsigned int slots_per_chunk;
	unsigned int mag_cap;
	unsigned int caching;
	struct list_head partial;
	struct vb_mag *depot;
	struct vb_mag *spare;
	unsigned int depot_len;
	unsigned long nr_chunks;
	unsigned long out;
	unsigned long hiwater;
};

/* Per-CPU event counters: no shared cache line is written on the hot path. */
enum vb_stat {
	VB_STAT_UNMAPS,
	VB_STAT_BOUNCED,
	VB_STAT_DIRECT,
	VB_STAT_FALLBACK,
	VB_STAT_BYTES_TO_DEV,
	VB_STAT_BYTES_FROM_DEV,
	VB_STAT_SYNCS,
	VB_STAT_CACHE_HITS,
	VB_STAT_CACHE_MISSES,
	VB_STAT_DEPOT_REFILLS,
	VB_STAT_DEPOT_FLUSHES,
	VB_STAT_FAIL_EXHAUSTED,
	VB_STAT_FAIL_OVERSIZE,
	VB_STAT_BAD_UNMAPS,
	VB_NR_STATS,
};

struct vb_stats {
	unsigned long v[VB_NR_STATS];
};

/**
 * struct vb_backend_ops - a translation backend
 * @name: shown in dmesg and debugfs
 * @atomic_grow: chunk_map may be called in atomic context
 * @phys_addressed: device addresses are CPU physical addresses
 *	(phys_to_dma()), so MMIO can be mapped 1:1 (map_resource)
 * @any_zone: chunk memory may come from any zone: chunk_map itself puts it
 *	where the device reaches it (Xen exchanges it below the mask)
 * @max_shift: largest chunk (log2 bytes) the backend can translate
 * @chunk_map: give @c a device address (@c->dma); may fail
 * @chunk_unmap: undo chunk_map
 * @direct: device address for a 1:1 map of a caller's buffer, or
 *	%DMA_MAPPING_ERROR when it has to bounce; NULL: always bounce
 * @fallback: a mapping the pool cannot serve goes through the device's
 *	previous DMA path instead of failing (for a pool that cannot grow in
 *	the map path); that path must take syncs of the backend's 1:1
 *	addresses as no-ops, as swiotlb-xen and dma-direct do
 */
struct vb_backend_ops {
	const char *name;
	bool atomic_grow;
	bool phys_addressed;
	bool any_zone;
	bool fallback;
	unsigned int max_shift;
	int (*chunk_map)(struct vb_dev *vd, struct vb_chunk *c, gfp_t gfp);
	void (*chunk_unmap)(struct vb_dev *vd, struct vb_chunk *c);
	dma_addr_t (*direct)(struct vb_dev *vd, phys_addr_t phys, size_t size);
};

/*
 * The DMA path the device had before we claimed it: physical addresses
 * (the identity backend, and 6.12 devices with no ops) or, per seam, the
 * DMA API on the DMA device (7.x: nothing of ours is there), IOMMU-DMA
 * or the device's own ops (6.12).
 */
enum vb_parent {
	VB_PARENT_DIRECT,
#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	VB_PARENT_API,
#else
	VB_PARENT_IOMMU,
	VB_PARENT_OPS,
#endif
};

/**
 * struct vb_dev - one claimed device
 * @ops: this device's copy of the dma_map_ops; dev->dma_ops points here,
 *	so the hot path finds its state with container_of() and no lookup
 * @dev: the DMA device
 * @owner: the virtio device it was claimed for; NULL once its driver left
 *	with mappings still live (vb_detach()): then new mappings take the
 *	previous DMA path and our ops only undo what the pool still holds
 * @name: name used in messages and debugfs (the virtio device's)
 * @mode: mode in force for this device
 * @d: the decision taken
 * @be: translation backend
 * @parent: the device's previous DMA path
 * @parent_ops: its ops when @parent is %VB_PARENT_OPS
 * @fb_maps: device address of a live fallback mapping -> number of live
 *	fallback mappings at that address (xa_mk_value()); empty: unmaps and
 *	syncs do no lookup (see vb_fallback())
 * @cleared_dma_iommu: we cleared dev->dma_iommu and restore it on detach
 * @chunks: dma address >> %VB_GRANULE_SHIFT -> chunk (RCU lookups)
 * @hot: direct-mapped cache of @chunks, line = granule % %VB_HOT_LINES;
 *	written under the xarray's lock, read under RCU (vb_find_slot())
 * @cls: size classes
 * @pcpu: per-CPU caches
 * @stats: per-CPU counters
 * @grow_lock: protects the pool size and @all_chunks
 * @all_chunks: every chunk of the pool
 * @pool_lo: lowest device address of any chunk made so far
 * @pool_hi: end of the highest chunk made so far (never shrinks)
 * @pool_bytes: bytes in the pool
 * @pool_min: the pool never shrinks below this: pool= or @reserve,
 *	whichever is larger
 * @reserve: the progress reserve: vb_footprint(@builders) bytes, built
 *	when the device is claimed and never released while it is
 * @pool_max: the pool never grows above this
 * @pool_peak: the largest @pool_bytes has been, raised with it when a
 *	chunk's bytes are reserved (so it may count a grow that then failed);
 *	never below @pool_bytes, and above @pool_max only if max was lowered
 * @max_shift: largest class usable on this device
 * @builders: requests that may be mapped at once on this device (one per
 *	CPU: a driver maps a request under its virtqueue's lock)
 * @scarce: jiffies when a map last found its class dry with the pool
 *	full or unable to grow (0: never, or long enough ago): per-CPU
 *	caching is off meanwhile (frees go straight to their chunk, a refill
 *	takes one slot); the idle scan turns it back on one interval later
 * @grows: chunks added
 * @shrinks: chunks released
 * @recarves: idle chunks carved again for another class
 * @grow_failures: chunk allocations or translations that failed
 * @grow_fail_at: jiffies of the last failure (0: none); the worker waits
 *	a little after one before asking the backend again
 * @grow_work: grows the classes in @grow_want in process context
 * @grow_want: bitmap of classes that ran low
 * @starved: bitmap of classes in which a map failed: the worker gets them
 *	a chunk even if the failed request has given its slots back by then
 * @shrink_work: periodic release of idle chunks
 * @shrink_interval: jiffies between two runs of @shrink_work, 0: never
 * @dbg: debugfs directory
 * @cpuhp: on the CPU hotplug state whose "dead" callback empties a dead
 *	CPU's magazines
 * @warned: one-time warnings already given
 */
struct vb_dev {
#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	const struct dma_map_ops ops;
#endif
	struct device *dev;
	const void *owner;
	char name[32];
	enum vb_mode mode;
	struct vb_decision d;
	const struct vb_backend_ops *be;
	enum vb_parent parent;
	const struct dma_map_ops *parent_ops;
	struct xarray fb_maps;
	bool cleared_dma_iommu;
	struct xarray chunks;
	struct vb_chunk __rcu *hot[VB_HOT_LINES];
	struct vb_class cls[VB_NR_CLASSES];
	struct vb_pcpu __percpu *pcpu;
	struct vb_stats __percpu *stats;
	spinlock_t grow_lock;	/* see kernel-doc above */
	struct list_head all_chunks;
	dma_addr_t pool_lo;
	dma_addr_t pool_hi;
	size_t pool_bytes;
	size_t pool_min;
	size_t reserve;
	size_t pool_max;
	size_t pool_peak;
	unsigned int max_shift;
	unsigned int builders;
	unsigned long scarce;
	unsigned long grows;
	unsigned long shrinks;
	unsigned long recarves;
	unsigned long grow_failures;
	unsigned long grow_fail_at;
	struct work_struct grow_work;
	unsigned long grow_want;
	unsigned long starved;
	struct delayed_work shrink_work;
	unsigned long shrink_interval;
	struct dentry *dbg;
	struct hlist_node cpuhp;
	unsigned long warned;
};

/* Bits of vb_dev.warned */
#define VB_WARN_GROW		0
#define VB_WARN_EXHAUSTED	1
#define VB_WARN_FALLBACK	2
#define VB_WARN_SWIOTLB		3

/* Per-device rules virtio_bounce= may carry. */
#define VB_MAX_RULES		8

/**
 * struct vb_rule - one per-device rule of virtio_bounce=: <selector>:<mode>
 * @mode: the mode it gives
 * @virtio_id: VIRTIO_ID_* for a device-type selector (blk, net, ...), 0
 *	for a DMA-device selector
 * @dma_dev: the DMA device's name as dev_name() spells it, when @virtio_id
 *	is 0
 * @text: the rule as written, for the decision line and sysfs
 */
struct vb_rule {
	enum vb_mode mode;
	u32 virtio_id;
	char dma_dev[32];
	char text[40];
};

/**
 * struct vb_config - global settings from virtio_bounce=
 * @mode: default mode for virtio devices
 * @pool_min: initial (and minimum) pool size per device
 * @pool_max: maximum pool size per device
 * @iommu_detect: the platform can detect IOMMUs (iommu=detect|unknown)
 * @shrink_interval: jiffies between idle-chunk scans, 0 for none
 * @nr_rules: entries in @rules
 * @rules: per-device rules; a DMA-device rule beats a type rule, which
 *	beats @mode; among rules of one kind the last one written wins
 */
struct vb_config {
	enum vb_mode mode;
	size_t pool_min;
	size_t pool_max;
	bool iommu_detect;
	unsigned long shrink_interval;
	unsigned int nr_rules;
	struct vb_rule rules[VB_MAX_RULES];
};

extern struct vb_config vb_config;
extern const struct vb_backend_ops vb_identity_backend;
extern const struct vb_backend_ops vb_parent_backend;
extern const struct vb_backend_ops vb_xen_backend;

static inline void vb_stat_add(struct vb_dev *vd, enum vb_stat s,
			       unsigned long v)
{
	this_cpu_add(vd->stats->v[s], v);
}

unsigned long vb_stat_sum(struct vb_dev *vd, enum vb_stat s);

/* Maps are not counted on the hot path: every map ends in one of these. */
static inline unsigned long vb_maps(struct vb_dev *vd)
{
	return vb_stat_sum(vd, VB_STAT_DIRECT) + vb_stat_sum(vd, VB_STAT_BOUNCED) +
	       vb_stat_sum(vd, VB_STAT_FALLBACK) +
	       vb_stat_sum(vd, VB_STAT_FAIL_EXHAUSTED) +
	       vb_stat_sum(vd, VB_STAT_FAIL_OVERSIZE);
}

/*
 * 1:1 maps bypass these ops (dev->dma_ops_bypass): the DMA core maps
 * through dma-direct whenever the device's mask covers all memory.
 */
static inline bool vb_bypass(const struct vb_dev *vd)
{
	return vd->d.backend == VB_BACKEND_IDENTITY && vd->d.direct_ok;
}

/*
 * Is the pool filled at attach?  Every device that may bounce has a
 * progress reserve (vb_dev_new()); only one whose maps never reach us
 * (dma_ops_bypass with a mask that covers all memory) has none.
 */
static inline bool vb_pool_prefilled(const struct vb_dev *vd)
{
	return vd->reserve;
}

/* Pool (virtio_bounce_pool.c) */
int vb_pool_init(struct vb_dev *vd);
void vb_pool_destroy(struct vb_dev *vd);
void vb_pool_quiesce(struct vb_dev *vd);
int vb_size_class(struct vb_dev *vd, size_t size);
struct vb_slot *vb_slot_alloc(struct vb_dev *vd, unsigned int cls,
			      bool may_grow);
void vb_slot_free(struct vb_dev *vd, struct vb_slot *slot);
int vb_grow(struct vb_dev *vd, unsigned int cls, gfp_t gfp);
unsigned long vb_shrink(struct vb_dev *vd, size_t floor, int keep,
			bool overshoot);
size_t vb_footprint(unsigned int builders);
unsigned int vb_builders(void);
bool vb_recarve(struct vb_dev *vd, unsigned int cls);
void vb_flush_caches(struct vb_dev *vd);
unsigned long vb_pool_in_use(struct vb_dev *vd);

static inline dma_addr_t vb_slot_dma(const struct vb_slot *s)
{
	return s->chunk->dma + ((dma_addr_t)s->idx << s->chunk->cls->shift);
}

static inline void *vb_slot_vaddr(const struct vb_slot *s)
{
	return s->chunk->vaddr + ((size_t)s->idx << s->chunk->cls->shift);
}

static inline bool vb_chunk_has(const struct vb_chunk *c, dma_addr_t dma)
{
	return c && dma >= c->dma && dma - c->dma < (PAGE_SIZE << c->order);
}

/*
 * Find the slot holding device address @dma.  Caller holds
 * rcu_read_lock().  Returns NULL when @dma is not pool memory.
 *
 * An xarray walk costs about a third of an unmap's instructions, so a
 * small direct-mapped cache of the xarray comes first: one load and a
 * range check; the xarray only when another chunk owns the line (never
 * within one 16 MiB span of device addresses).
 */
static inline struct vb_slot *vb_find_slot(struct vb_dev *vd, dma_addr_t dma)
{
	unsigned long g = dma >> VB_GRANULE_SHIFT;
	struct vb_chunk *c;

	/* 1:1 mappings outside every chunk ever made skip the lookup. */
	if (dma < READ_ONCE(vd->pool_lo) || dma >= READ_ONCE(vd->pool_hi))
		return NULL;
	c = rcu_dereference(vd->hot[g % VB_HOT_LINES]);
	if (unlikely(!vb_chunk_has(c, dma))) {
		c = xa_load(&vd->chunks, g);
		if (!vb_chunk_has(c, dma))
			return NULL;
	}
	return &c->slots[(dma - c->dma) >> c->cls->shift];
}

/* One line per decision-table row, printed in dmesg and debugfs. */
enum vb_why {
	VB_WHY_OFF,
	VB_WHY_GRANT,
	VB_WHY_SHARED,
	VB_WHY_ENCRYPTED,
	VB_WHY_FOREIGN,
	VB_WHY_MASK,
	VB_WHY_XEN_ON,
	VB_WHY_XEN_FORCE,
	VB_WHY_LEGACY_IOMMU_ON,
	VB_WHY_LEGACY_IOMMU_FORCE,
	VB_WHY_LEGACY_ON,
	VB_WHY_LEGACY_FORCE,
	VB_WHY_IOMMU,
	VB_WHY_UNDETECTABLE,
	VB_WHY_NO_IOMMU_ON,
	VB_WHY_NO_IOMMU_FORCE,
	/* Found at attach, after the table */
	VB_WHY_TAKEN,
	VB_WHY_LIVE,
	VB_WHY_NO_MASK,
	VB_WHY_NO_SWIOTLB_XEN,
	VB_WHY_NO_CHUNK,
	VB_WHY_NO_POOL,
	VB_WHY_BALLOON,
};

extern const char * const vb_why[];
const char *vb_why_token(const char *why);

/* Setup (virtio_bounce.c) */
int vb_parse_size(const char *str, char **end, unsigned long long *val);
int vb_parse_options(char *str, struct vb_config *cfg);
const struct vb_rule *vb_rule_for(const struct vb_config *cfg, u32 virtio_id,
				  const char *dma_dev);
int vb_check_max(size_t pool_min, size_t pool_max, size_t floor);
struct vb_dev *vb_attach_cfg(struct device *dev, const void *owner,
			     const char *name, const struct vb_policy_in *in,
			     const struct vb_config *cfg, enum vb_mode *mode,
			     struct vb_decision *d);

/* Setup shared by both seams (virtio_bounce.c) */
void vb_virtio_info(struct virtio_device *vdev, struct vb_attach_info *info);
struct vb_dev *vb_attach_dev(struct device *dma_dev, const void *owner,
			     const struct vb_attach_info *info);
unsigned long vb_live(struct vb_dev *vd);
size_t vb_request_bound(const struct vb_dev *vd);

/* The map engine (virtio_bounce_map.c): what each seam's ops call */
dma_addr_t vb_map_phys(struct vb_dev *vd, phys_addr_t phys, size_t size,
		       enum dma_data_direction dir, unsigned long attrs);
void vb_unmap_one(struct vb_dev *vd, dma_addr_t dma, size_t size,
		  enum dma_data_direction dir, unsigned long attrs);
void vb_sync(struct vb_dev *vd, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir, bool for_cpu);
size_t vb_max_size(struct vb_dev *vd);
unsigned long vb_fb_live(struct vb_dev *vd);

/* Backends and the previous DMA path (virtio_bounce_backend.c) */
void vb_prev_init(struct vb_dev *vd);
dma_addr_t vb_prev_map(struct vb_dev *vd, phys_addr_t phys, size_t size,
		       enum dma_data_direction dir, unsigned long attrs);
void vb_prev_unmap(struct vb_dev *vd, dma_addr_t dma, size_t size,
		   enum dma_data_direction dir, unsigned long attrs);
void vb_prev_sync(struct vb_dev *vd, dma_addr_t dma, size_t size,
		  enum dma_data_direction dir, bool for_cpu);
void *vb_prev_alloc(struct vb_dev *vd, size_t size, dma_addr_t *dma,
		    gfp_t gfp, unsigned long attrs);
void vb_prev_free(struct vb_dev *vd, size_t size, void *vaddr, dma_addr_t dma,
		  unsigned long attrs);
bool vb_prev_is_direct(struct vb_dev *vd);
void *vb_prev_map_fn(struct vb_dev *vd);
dma_addr_t vb_identity_direct(struct vb_dev *vd, phys_addr_t phys, size_t size);

/* sysfs (virtio_bounce_sysfs.c) */
void vb_forget(unsigned int index);
int vb_set_max(struct vb_dev *vd, size_t pool_max);
void vb_max_restore(struct vb_dev *vd);
void vb_rec_set(unsigned int index, enum vb_mode mode,
		const struct vb_decision *d, struct vb_dev *vd);

/* debugfs (virtio_bounce_debugfs.c) */
void vb_debugfs_add(struct vb_dev *vd);
void vb_debugfs_del(struct vb_dev *vd);

/*
 * The seam: the one place where a kernel with struct virtio_map_ops (7.x,
 * virtio_bounce_vmap.c) and one without (6.12, virtio_bounce_dmaops.c)
 * differ.  Each seam file provides the functions below; every other file
 * is the same in both.  The lane's tree gets this header with the other
 * branch removed (scripts/prepare-kernel.sh runs unifdef).
 */
bool vb_keeps_dma_api(const struct vb_decision *d);
bool vb_foreign_ops(struct device *dma_dev);
bool vb_prev_has_ops(struct vb_dev *vd);
const char *vb_take_over(struct device *dev, const void *owner,
			 struct vb_dev **mine);
void vb_install(struct vb_dev *vd);
void vb_release(struct vb_dev *vd);

#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
#define VB_BYPASS_MSG " (1:1: nothing installed, the DMA API maps it as dma-direct)"

extern const struct virtio_map_ops vb_virtio_map_ops;
struct vb_dev *vb_attach(struct device *dma_dev, const void *owner,
			 const struct vb_attach_info *info);
void vb_detach(struct vb_dev *vd);
size_t vb_max_request(struct vb_dev *vd);

/* The state is the virtio device's own: never left behind by a driver. */
static inline bool vb_draining(const struct vb_dev *vd)
{
	return false;
}

#define vb_kzalloc_obj(p, gfp)	kzalloc_obj(*(p), gfp)

static inline bool vb_dma_capable(struct device *dev, dma_addr_t dma,
				  size_t size, bool is_ram)
{
	return dma_capable(dev, dma, size, is_ram, 0);
}
#else
#define VB_BYPASS_MSG " (dma_ops_bypass: the DMA core maps 1:1 as dma-direct)"

int vb_attach(struct device *dma_dev, const void *owner,
	      const struct vb_attach_info *info);
void vb_detach(struct device *dma_dev, const void *owner);
size_t vb_max_request(struct device *dma_dev);
void vb_ops_init(struct vb_dev *vd);
bool vb_claimed(const struct device *dma_dev);
bool vb_claimed_by(const struct device *dma_dev, const void *owner);
int vb_prev_mmap(struct vb_dev *vd, struct vm_area_struct *vma, void *cpu_addr,
		 dma_addr_t dma, size_t size, unsigned long attrs);
int vb_prev_get_sgtable(struct vb_dev *vd, struct sg_table *sgt,
			void *cpu_addr, dma_addr_t dma, size_t size,
			unsigned long attrs);
int vb_prev_dma_supported(struct vb_dev *vd, u64 mask);
u64 vb_prev_required_mask(struct vb_dev *vd);

/* Our dma_map_ops live in the state they serve. */
static inline struct vb_dev *to_vb_dev(struct device *dev)
{
	return container_of(get_dma_ops(dev), struct vb_dev, ops);
}

/* The driver is gone, mappings it made are still live (vb_detach()). */
static inline bool vb_draining(const struct vb_dev *vd)
{
	return !READ_ONCE(vd->owner);
}

#define vb_kzalloc_obj(p, gfp)	kzalloc(sizeof(*(p)), gfp)

static inline bool vb_dma_capable(struct device *dev, dma_addr_t dma,
				  size_t size, bool is_ram)
{
	return dma_capable(dev, dma, size, is_ram);
}
#endif

#endif /* _KERNEL_DMA_VIRTIO_BOUNCE_INTERNAL_H */
