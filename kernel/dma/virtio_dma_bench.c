// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_dma_bench: time the DMA map/unmap of a virtio device's buffers
 * through whatever maps them on this boot: dma-direct, swiotlb,
 * swiotlb-xen or virtio_bounce; and a few probes for the end-to-end tests.
 *
 * Two kernel lanes, one seam (the vdb_* helpers on a struct vdb_target,
 * the rest of the file is common):
 *
 *   6.12 (the dma_map_ops seam): virtio_bounce installs
 *     dma_map_ops on the virtio device's DMA device, the PCI function, and
 *     virtio maps through the DMA API on it; so does the bench: dma_map_*()
 *     and dma_sync_*() on DEV.
 *   7.x (the virtio_map_ops seam): virtio_bounce installs struct
 *     virtio_map_ops on the virtio device (vdev->map), or nothing when it
 *     maps 1:1, and then virtio uses the DMA API on the PCI function.  The
 *     bench maps the way a virtio driver premaps its buffers: through the
 *     virtqueue_map_*() calls on the first virtqueue of the virtio device
 *     on DEV, which take vdev->map or the DMA API as virtio_ring does.  The
 *     device's driver must be bound (no virtqueue: -ENODEV), and is kept
 *     bound while a command runs (device_lock()).
 *
 * Unlike kernel/dma/map_benchmark.c it does not bind a driver (which for
 * a virtio function would bypass virtio's probe and its per-device ops),
 * it times batches of maps and of unmaps (sub-nanosecond resolution per
 * operation), and it reports every batch so that the caller can take the
 * median and the spread.
 *
 *   echo "DEV SIZE DIR THREADS BATCH BATCHES" > /sys/kernel/debug/virtio_dma_bench/run
 *   cat /sys/kernel/debug/virtio_dma_bench/run
 *
 * DEV is the name of the DMA device (the PCI function of a virtio-pci
 * device, e.g. 0000:00:05.0), DIR 0..2 (bidirectional, to device, from
 * device).  The result has one line per batch:
 *   batch THREAD MAP_PS UNMAP_PS     (picoseconds per operation)
 * and a summary line: ops, wall time, and the ops in use (DEV's
 * dma_map_ops; on 7.3 the virtio device's virtio_map_ops when it has any).
 *
 * Other commands, each with a one-line result read back from the same file:
 *
 *   xen-straddle DEV  Xen PV: a buffer across two machine-contiguous pages
 *                     must go direct, and bounce once they are not.
 *   sync DEV          a driver that syncs: map kmalloc'ed buffers
 *                     (FROM_DEVICE, BIDIRECTIONAL, TO_DEVICE, and an sg
 *                     list), play the device by writing the bytes it sees
 *                     (phys_to_virt(dma_to_phys()): only meaningful where
 *                     the device address is a physical one) and check
 *                     that a sync for the CPU hands them to the CPU and a
 *                     sync for the device hands the CPU's bytes to the
 *                     device, in full and for a range at an offset
 *                     (dma_sync_*(); virtqueue_map_sync_single_range_*()
 *                     on 7.3, which has no sg calls: each entry is mapped
 *                     and synced on its own, as virtio_ring does):
 *       sync need_sync=N for_cpu=R for_device=R sg=R partial=R unmap=R map_page=OPS
 *                     R is "ok", "bad:CASE@OFFSET" (first byte that
 *                     differs) or "err:CASE"; need_sync is dma_need_sync()
 *                     (virtqueue_map_need_sync() on 7.3) of the
 *                     FROM_DEVICE mapping.
 *   ops DEV           ops map_page=OPS skip_sync=0|1 bypass=0|1
 *                     OPS: the map_page of DEV's dma_map_ops (map_phys on
 *                     7.3), or dma-direct; on 7.3 the map_page of the
 *                     virtio device's virtio_map_ops when it has any.
 *   hold DEV          map a page to the device and never unmap it (a
 *                     driver that leaks a mapping past remove):
 *       hold dma=DMA phys=PHYS
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/kmemleak.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#endif

#if defined(CONFIG_XEN_PV) && defined(CONFIG_SWIOTLB_XEN)
#include <xen/xen.h>
#include <asm/xen/page.h>
#include <asm/xen/swiotlb-xen.h>
#endif

#define VDB_MAX_THREADS	8
#define VDB_MAX_BATCHES	1024
#define VDB_MAX_SIZE	SZ_4M

/*
 * ---- The seam: what maps the buffers, one lane each -------------------
 *
 * @dev is the PCI function named DEV: the device whose addresses the
 * device sees (dma_to_phys(), phys_to_dma()); @vq (7.3) the first
 * virtqueue of the virtio device on it, whose virtqueue_map_*() calls the
 * bench makes.  Everything below the seam maps through these helpers.
 */
struct vdb_target {
	struct device *dev;
#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	struct virtqueue *vq;
#endif
};

#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
static int vdb_match_virtio(struct device *dev, const void *data)
{
	return is_virtio_device(dev);
}

/*
 * Find DEV and the first virtqueue of its virtio device, and hold the
 * virtio device's driver bound (and so its virtqueues) until vdb_put().
 */
static int vdb_get(const char *name, struct vdb_target *t)
{
	struct virtio_device *vdev;
	struct device *child;

	t->dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	if (!t->dev)
		return -ENODEV;
	child = device_find_child(t->dev, NULL, vdb_match_virtio);
	if (!child) {
		pr_warn("%s: no virtio device on it\n", name);
		goto put_dev;
	}
	vdev = dev_to_virtio(child);
	device_lock(child);
	spin_lock(&vdev->vqs_list_lock);
	t->vq = list_first_entry_or_null(&vdev->vqs, struct virtqueue, list);
	spin_unlock(&vdev->vqs_list_lock);
	if (t->vq)
		return 0;
	pr_warn("%s: virtio device %s has no virtqueue (no driver bound?)\n",
		name, dev_name(child));
	device_unlock(child);
	put_device(child);
put_dev:
	put_device(t->dev);
	return -ENODEV;
}

static void vdb_put(struct vdb_target *t)
{
	struct device *child = &t->vq->vdev->dev;

	device_unlock(child);
	put_device(child);
	put_device(t->dev);
}

static dma_addr_t vdb_map(const struct vdb_target *t, void *buf, size_t len,
			  enum dma_data_direction dir)
{
	return virtqueue_map_single_attrs(t->vq, buf, len, dir, 0);
}

static void vdb_unmap(const struct vdb_target *t, dma_addr_t dma, size_t len,
		      enum dma_data_direction dir)
{
	virtqueue_unmap_single_attrs(t->vq, dma, len, dir, 0);
}

static int vdb_mapping_error(const struct vdb_target *t, dma_addr_t dma)
{
	return virtqueue_map_mapping_error(t->vq, dma);
}

static bool vdb_need_sync(const struct vdb_target *t, dma_addr_t dma)
{
	return virtqueue_map_need_sync(t->vq, dma);
}

/* Sync [@dma + @off, +@len) of a mapping for the CPU or for the device. */
static void vdb_sync_range(const struct vdb_target *t, dma_addr_t dma,
			   size_t off, size_t len, enum dma_data_direction dir,
			   bool for_cpu)
{
	if (for_cpu)
		virtqueue_map_sync_single_range_for_cpu(t->vq, dma, off, len,
							dir);
	else
		virtqueue_map_sync_single_range_for_device(t->vq, dma, off,
							   len, dir);
}

/*
 * virtio_map_ops has no sg calls: virtio_ring maps (vring_map_one_sg())
 * and unmaps one entry at a time, so do we.  virtqueue_map_single_attrs()
 * is its virtqueue_map_page_attrs() plus its physical address for a
 * device that does not use the DMA API; our buffers are kmalloc'ed.
 */
static void vdb_sg_unmap(const struct vdb_target *t, struct scatterlist *sgl,
			 int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vdb_unmap(t, sg_dma_address(sg), sg_dma_len(sg), dir);
}

static int vdb_sg_map(const struct vdb_target *t, struct scatterlist *sgl,
		      int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg_dma_address(sg) = vdb_map(t, sg_virt(sg), sg->length, dir);
		if (vdb_mapping_error(t, sg_dma_address(sg))) {
			vdb_sg_unmap(t, sgl, i, dir);
			return 0;
		}
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void vdb_sg_sync(const struct vdb_target *t, struct scatterlist *sgl,
			int nents, enum dma_data_direction dir, bool for_cpu)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vdb_sync_range(t, sg_dma_address(sg), 0, sg_dma_len(sg), dir,
			       for_cpu);
}

/* What maps: the virtio device's map ops, or DEV's DMA ops (NULL: direct). */
static const void *vdb_ops_ptr(const struct vdb_target *t)
{
	const struct virtio_device *vdev = t->vq->vdev;

	return vdev->map ? (const void *)vdev->map : get_dma_ops(t->dev);
}

/* The map_page of the virtio map ops, or of DEV's, or "dma-direct". */
static void vdb_ops_name(const struct vdb_target *t, char *s, size_t len)
{
	const struct virtio_map_ops *map = t->vq->vdev->map;
	const struct dma_map_ops *ops = get_dma_ops(t->dev);

	if (map)
		snprintf(s, len, "%ps", map->map_page);
	else if (ops)
		snprintf(s, len, "%ps", ops->map_phys);
	else
		strscpy(s, "dma-direct", len);
}

static int vdb_skip_sync(struct device *dev)
{
	return IS_ENABLED(CONFIG_DMA_NEED_SYNC) ? dev_dma_skip_sync(dev) : -1;
}

static int vdb_bypass(struct device *dev)
{
	return dev_dma_ops_bypass(dev);
}

#else /* !CONFIG_VIRTIO_BOUNCE_MAP_OPS */
static int vdb_get(const char *name, struct vdb_target *t)
{
	t->dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	return t->dev ? 0 : -ENODEV;
}

static void vdb_put(struct vdb_target *t)
{
	put_device(t->dev);
}

static dma_addr_t vdb_map(const struct vdb_target *t, void *buf, size_t len,
			  enum dma_data_direction dir)
{
	return dma_map_single(t->dev, buf, len, dir);
}

static void vdb_unmap(const struct vdb_target *t, dma_addr_t dma, size_t len,
		      enum dma_data_direction dir)
{
	dma_unmap_single(t->dev, dma, len, dir);
}

static int vdb_mapping_error(const struct vdb_target *t, dma_addr_t dma)
{
	return dma_mapping_error(t->dev, dma);
}

static bool vdb_need_sync(const struct vdb_target *t, dma_addr_t dma)
{
	return dma_need_sync(t->dev, dma);
}

/* Sync [@dma + @off, +@len) of a mapping for the CPU or for the device. */
static void vdb_sync_range(const struct vdb_target *t, dma_addr_t dma,
			   size_t off, size_t len, enum dma_data_direction dir,
			   bool for_cpu)
{
	if (for_cpu)
		dma_sync_single_for_cpu(t->dev, dma + off, len, dir);
	else
		dma_sync_single_for_device(t->dev, dma + off, len, dir);
}

static int vdb_sg_map(const struct vdb_target *t, struct scatterlist *sgl,
		      int nents, enum dma_data_direction dir)
{
	return dma_map_sg(t->dev, sgl, nents, dir);
}

static void vdb_sg_unmap(const struct vdb_target *t, struct scatterlist *sgl,
			 int nents, enum dma_data_direction dir)
{
	dma_unmap_sg(t->dev, sgl, nents, dir);
}

static void vdb_sg_sync(const struct vdb_target *t, struct scatterlist *sgl,
			int nents, enum dma_data_direction dir, bool for_cpu)
{
	if (for_cpu)
		dma_sync_sg_for_cpu(t->dev, sgl, nents, dir);
	else
		dma_sync_sg_for_device(t->dev, sgl, nents, dir);
}

/* What maps: DEV's DMA ops (NULL: dma-direct). */
static const void *vdb_ops_ptr(const struct vdb_target *t)
{
	return get_dma_ops(t->dev);
}

/* The map_page of DEV's ops, or "dma-direct". */
static void vdb_ops_name(const struct vdb_target *t, char *s, size_t len)
{
	const struct dma_map_ops *ops = get_dma_ops(t->dev);

	if (ops)
		snprintf(s, len, "%ps", ops->map_page);
	else
		strscpy(s, "dma-direct", len);
}

static int vdb_skip_sync(struct device *dev)
{
#ifdef CONFIG_DMA_NEED_SYNC
	return dev->dma_skip_sync;
#else
	return -1;
#endif
}

static int vdb_bypass(struct device *dev)
{
	return dev->dma_ops_bypass;
}

#endif /* CONFIG_VIRTIO_BOUNCE_MAP_OPS */

/* ---- run: timed batches of maps and unmaps ------------------------------ */

struct vdb_run {
	struct vdb_target t;
	size_t size;
	enum dma_data_direction dir;
	unsigned int threads, batch, batches;
	atomic_t ready;
	atomic_t failed;
	u64 (*res)[2];		/* [thread * batches + b] = {map_ps, unmap_ps} */
	struct completion done;
	atomic_t running;
};

struct vdb_thread {
	struct vdb_run *r;
	unsigned int id;
};

static DEFINE_MUTEX(vdb_lock);
static char *vdb_out;

/* Replace the result that reads of "run" return.  vdb_lock held. */
static __printf(1, 2) int vdb_set_out(const char *fmt, ...)
{
	va_list ap;
	char *out;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap) + 1;
	va_end(ap);
	out = vmalloc(len);
	if (!out)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(out, len, fmt, ap);
	va_end(ap);
	vfree(vdb_out);
	vdb_out = out;
	return 0;
}

static int vdb_fn(void *arg)
{
	struct vdb_thread *t = arg;
	struct vdb_run *r = t->r;
	dma_addr_t *dma = kcalloc(r->batch, sizeof(*dma), GFP_KERNEL);
	unsigned int order = get_order(r->size);
	void **buf = kcalloc(r->batch, sizeof(*buf), GFP_KERNEL);
	unsigned int b, i;

	if (!dma || !buf)
		goto fail;
	for (i = 0; i < r->batch; i++) {
		buf[i] = (void *)__get_free_pages(GFP_KERNEL, order);
		if (!buf[i])
			goto fail;
		memset(buf[i], 0x5a, r->size);
	}
	/* Start together. */
	atomic_inc(&r->ready);
	while (atomic_read(&r->ready) < r->threads)
		cpu_relax();

	for (b = 0; b < r->batches; b++) {
		u64 t0, t1, t2;

		t0 = ktime_get_ns();
		for (i = 0; i < r->batch; i++) {
			dma[i] = vdb_map(&r->t, buf[i], r->size, r->dir);
			if (vdb_mapping_error(&r->t, dma[i]))
				break;
		}
		t1 = ktime_get_ns();
		if (i < r->batch) {
			while (i--)
				vdb_unmap(&r->t, dma[i], r->size, r->dir);
			goto fail;
		}
		for (i = 0; i < r->batch; i++)
			vdb_unmap(&r->t, dma[i], r->size, r->dir);
		t2 = ktime_get_ns();
		r->res[t->id * r->batches + b][0] = div_u64((t1 - t0) * 1000, r->batch);
		r->res[t->id * r->batches + b][1] = div_u64((t2 - t1) * 1000, r->batch);
		cond_resched();
	}
	goto out;
fail:
	atomic_inc(&r->failed);
	atomic_inc(&r->ready);
out:
	for (i = 0; buf && i < r->batch; i++)
		if (buf[i])
			free_pages((unsigned long)buf[i], order);
	kfree(buf);
	kfree(dma);
	if (atomic_dec_and_test(&r->running))
		complete(&r->done);
	return 0;
}

static int vdb_run(struct vdb_run *r)
{
	struct vdb_thread th[VDB_MAX_THREADS];
	unsigned int i;
	size_t len = (r->threads * r->batches + 4) * 48;
	u64 t0, wall;
	char *out, *p;

	r->res = vcalloc(r->threads * r->batches, sizeof(*r->res));
	out = vzalloc(len);
	if (!r->res || !out) {
		vfree(r->res);
		vfree(out);
		return -ENOMEM;
	}
	init_completion(&r->done);
	atomic_set(&r->running, r->threads);
	t0 = ktime_get_ns();
	for (i = 0; i < r->threads; i++) {
		struct task_struct *k;

		th[i].r = r;
		th[i].id = i;
		k = kthread_create(vdb_fn, &th[i], "virtio_dma_bench/%u", i);
		if (IS_ERR(k)) {
			atomic_inc(&r->failed);
			atomic_inc(&r->ready);
			if (atomic_dec_and_test(&r->running))
				complete(&r->done);
			continue;
		}
		kthread_bind(k, cpumask_nth(i % num_online_cpus(),
					    cpu_online_mask));
		wake_up_process(k);
	}
	wait_for_completion(&r->done);
	wall = ktime_get_ns() - t0;

	p = out;
	p += scnprintf(p, out + len - p,
		       "summary dev=%s ops=%ps size=%zu dir=%d threads=%u batch=%u batches=%u wall_ns=%llu failed=%d\n",
		       dev_name(r->t.dev), vdb_ops_ptr(&r->t), r->size, r->dir,
		       r->threads, r->batch, r->batches, wall,
		       atomic_read(&r->failed));
	for (i = 0; i < r->threads * r->batches; i++)
		p += scnprintf(p, out + len - p, "batch %u %llu %llu\n",
			       i / r->batches, r->res[i][0], r->res[i][1]);
	vfree(r->res);
	vfree(vdb_out);
	vdb_out = out;
	return atomic_read(&r->failed) ? -EIO : 0;
}

#if defined(CONFIG_XEN_PV) && defined(CONFIG_SWIOTLB_XEN)
#define VDB_STRADDLE_FMT \
	"xen-straddle ops=%ps contig_before=%d contig_direct=%d exchange=%d contig_after=%d straddle_bounced=%d\n"

static bool vdb_mach_contig(phys_addr_t phys)
{
	return pfn_to_bfn(PHYS_PFN(phys) + 1) == pfn_to_bfn(PHYS_PFN(phys)) + 1;
}

static dma_addr_t vdb_bus(struct device *dev, phys_addr_t phys)
{
	return phys_to_dma(dev, PFN_PHYS(pfn_to_bfn(PHYS_PFN(phys))) +
			   offset_in_page(phys));
}

/*
 * Xen PV only: map a 32-byte buffer across a page boundary, once while the
 * two pages are machine-contiguous and once after the second page was
 * exchanged for another machine frame (so the buffer straddles), and say
 * whether each map went to the device directly (its bus address) or not.
 */
static int vdb_xen_straddle(const struct vdb_target *t)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 1);
	phys_addr_t p, edge;
	dma_addr_t dma, bus, h;
	int contig_direct = -1, straddle_bounced = -1, err;
	bool contig_before, contig_after = true;

	if (!xen_pv_domain())
		return -ENODEV;
	if (!pg)
		return -ENOMEM;
	p = page_to_phys(pg);
	edge = p + PAGE_SIZE - 16;
	contig_before = vdb_mach_contig(p);
	if (contig_before) {
		bus = vdb_bus(t->dev, edge);
		dma = vdb_map(t, phys_to_virt(edge), 32, DMA_TO_DEVICE);
		if (!vdb_mapping_error(t, dma)) {
			contig_direct = dma == bus;
			vdb_unmap(t, dma, 32, DMA_TO_DEVICE);
		}
	}
	/* Give the second page another machine frame. */
	err = xen_create_contiguous_region(p + PAGE_SIZE, 0, 64, &h);
	if (!err) {
		contig_after = vdb_mach_contig(p);
		if (!contig_after) {
			bus = vdb_bus(t->dev, edge);
			dma = vdb_map(t, phys_to_virt(edge), 32, DMA_TO_DEVICE);
			if (!vdb_mapping_error(t, dma)) {
				straddle_bounced = dma != bus;
				vdb_unmap(t, dma, 32, DMA_TO_DEVICE);
			}
		}
		xen_destroy_contiguous_region(p + PAGE_SIZE, 0);
	}
	__free_pages(pg, 1);
	return vdb_set_out(VDB_STRADDLE_FMT, vdb_ops_ptr(t), contig_before,
			   contig_direct, err, contig_after, straddle_bounced);
}
#else
static int vdb_xen_straddle(const struct vdb_target *t)
{
	return -ENODEV;
}
#endif

/* ---- sync: a driver that syncs ------------------------------------------ */

#define VDB_SYNC_LEN	(SZ_4K + 512)	/* more than a page */
#define VDB_PART_OFF	1000		/* partial syncs: an unaligned range */
#define VDB_PART_LEN	700
#define VDB_SG_NENTS	3

static const size_t vdb_sg_len[VDB_SG_NENTS] = { 512, SZ_4K, 1500 };

#define VDB_SYNC_FMT \
	"sync need_sync=%d for_cpu=%s for_device=%s sg=%s partial=%s unmap=%s map_page=%s\n"

struct vdb_sync_res {
	int need_sync;
	char for_cpu[32], for_device[32], sg[32], partial[32], unmap[32];
};

/* Byte @i of pattern @seed: no short period, so a shifted copy shows. */
static u8 vdb_pat(unsigned int seed, size_t i)
{
	return ((u32)(i + 1) * 2654435761U ^ seed * 40503U) >> 24;
}

static void vdb_fill(u8 *p, size_t len, unsigned int seed, size_t base)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = vdb_pat(seed, base + i);
}

/* Offset of the first byte of @p that differs from the pattern, or -1. */
static long vdb_diff(const u8 *p, size_t len, unsigned int seed, size_t base)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != vdb_pat(seed, base + i))
			return i;
	return -1;
}

/*
 * After a partial sync: [VDB_PART_OFF, +VDB_PART_LEN) of @p must hold
 * pattern @in, the rest pattern @out (nothing outside the range copied).
 */
static long vdb_diff_part(const u8 *p, unsigned int in, unsigned int out)
{
	size_t end = VDB_PART_OFF + VDB_PART_LEN;
	long d;

	d = vdb_diff(p + VDB_PART_OFF, VDB_PART_LEN, in, VDB_PART_OFF);
	if (d >= 0)
		return VDB_PART_OFF + d;
	d = vdb_diff(p, VDB_PART_OFF, out, 0);
	if (d >= 0)
		return d;
	d = vdb_diff(p + end, VDB_SYNC_LEN - end, out, end);
	return d >= 0 ? end + d : -1;
}

/* Record the first problem of a field: "bad:CASE@OFF" or "err:CASE". */
static void vdb_note(char *field, const char *what, long off, bool err)
{
	if (strcmp(field, "ok") || (!err && off < 0))
		return;
	if (err)
		snprintf(field, 32, "err:%s", what);
	else
		snprintf(field, 32, "bad:%s@%ld", what, off);
}

/*
 * What the device sees at @dma, as the CPU can reach it: the device
 * address is the physical one (no IOMMU), as for the identity backend.
 */
static u8 *vdb_dev_view(struct device *dev, dma_addr_t dma)
{
	phys_addr_t phys = dma_to_phys(dev, dma);

	return pfn_valid(PHYS_PFN(phys)) ? phys_to_virt(phys) : NULL;
}

/* FROM_DEVICE: the device writes, the CPU syncs it all, then a range. */
static void vdb_sync_from(const struct vdb_target *t,
			  struct vdb_sync_res *res)
{
	const enum dma_data_direction dir = DMA_FROM_DEVICE;
	u8 *buf = kmalloc(VDB_SYNC_LEN, GFP_KERNEL), *dv;
	dma_addr_t dma;

	if (!buf) {
		vdb_note(res->for_cpu, "from-nomem", 0, true);
		return;
	}
	memset(buf, 0xa5, VDB_SYNC_LEN);
	dma = vdb_map(t, buf, VDB_SYNC_LEN, dir);
	if (vdb_mapping_error(t, dma)) {
		vdb_note(res->for_cpu, "from-map", 0, true);
		goto out;
	}
	res->need_sync = vdb_need_sync(t, dma);
	dv = vdb_dev_view(t->dev, dma);
	if (!dv) {
		vdb_note(res->for_cpu, "from-view", 0, true);
	} else {
		vdb_fill(dv, VDB_SYNC_LEN, 1, 0);
		vdb_sync_range(t, dma, 0, VDB_SYNC_LEN, dir, true);
		vdb_note(res->for_cpu, "from",
			 vdb_diff(buf, VDB_SYNC_LEN, 1, 0), false);
		/* The device rewrites it all, the CPU takes back one range. */
		vdb_fill(dv, VDB_SYNC_LEN, 3, 0);
		vdb_sync_range(t, dma, VDB_PART_OFF, VDB_PART_LEN, dir, true);
		vdb_note(res->partial, "from", vdb_diff_part(buf, 3, 1), false);
	}
	vdb_unmap(t, dma, VDB_SYNC_LEN, dir);
	/* Unmap hands the CPU all the device wrote last. */
	if (dv)
		vdb_note(res->unmap, "from", vdb_diff(buf, VDB_SYNC_LEN, 3, 0),
			 false);
out:
	kfree(buf);
}

/* BIDIRECTIONAL: both ways, in full and for a range. */
static void vdb_sync_bidi(const struct vdb_target *t,
			  struct vdb_sync_res *res)
{
	const enum dma_data_direction dir = DMA_BIDIRECTIONAL;
	u8 *buf = kmalloc(VDB_SYNC_LEN, GFP_KERNEL), *dv;
	dma_addr_t dma;

	if (!buf) {
		vdb_note(res->for_device, "bidi-nomem", 0, true);
		return;
	}
	vdb_fill(buf, VDB_SYNC_LEN, 10, 0);
	dma = vdb_map(t, buf, VDB_SYNC_LEN, dir);
	if (vdb_mapping_error(t, dma)) {
		vdb_note(res->for_device, "bidi-map", 0, true);
		goto out;
	}
	dv = vdb_dev_view(t->dev, dma);
	if (!dv) {
		vdb_note(res->for_device, "bidi-view", 0, true);
	} else {
		vdb_note(res->for_device, "bidi-map",
			 vdb_diff(dv, VDB_SYNC_LEN, 10, 0), false);
		vdb_fill(dv, VDB_SYNC_LEN, 2, 0);
		vdb_sync_range(t, dma, 0, VDB_SYNC_LEN, dir, true);
		vdb_note(res->for_cpu, "bidi",
			 vdb_diff(buf, VDB_SYNC_LEN, 2, 0), false);
		vdb_fill(buf, VDB_SYNC_LEN, 4, 0);
		vdb_sync_range(t, dma, 0, VDB_SYNC_LEN, dir, false);
		vdb_note(res->for_device, "bidi",
			 vdb_diff(dv, VDB_SYNC_LEN, 4, 0), false);
		/* The CPU rewrites it all, the device gets one range. */
		vdb_fill(buf, VDB_SYNC_LEN, 5, 0);
		vdb_sync_range(t, dma, VDB_PART_OFF, VDB_PART_LEN, dir, false);
		vdb_note(res->partial, "bidi", vdb_diff_part(dv, 5, 4), false);
		vdb_fill(dv, VDB_SYNC_LEN, 12, 0);
	}
	vdb_unmap(t, dma, VDB_SYNC_LEN, dir);
	if (dv)
		vdb_note(res->unmap, "bidi", vdb_diff(buf, VDB_SYNC_LEN, 12, 0),
			 false);
out:
	kfree(buf);
}

/* TO_DEVICE: map hands the device the CPU's bytes, and so does a sync. */
static void vdb_sync_to(const struct vdb_target *t,
			struct vdb_sync_res *res)
{
	const enum dma_data_direction dir = DMA_TO_DEVICE;
	u8 *buf = kmalloc(VDB_SYNC_LEN, GFP_KERNEL), *dv;
	dma_addr_t dma;

	if (!buf) {
		vdb_note(res->for_device, "to-nomem", 0, true);
		return;
	}
	vdb_fill(buf, VDB_SYNC_LEN, 6, 0);
	dma = vdb_map(t, buf, VDB_SYNC_LEN, dir);
	if (vdb_mapping_error(t, dma)) {
		vdb_note(res->for_device, "to-map", 0, true);
		goto out;
	}
	dv = vdb_dev_view(t->dev, dma);
	if (!dv) {
		vdb_note(res->for_device, "to-view", 0, true);
	} else {
		vdb_note(res->for_device, "to-map",
			 vdb_diff(dv, VDB_SYNC_LEN, 6, 0), false);
		vdb_fill(buf, VDB_SYNC_LEN, 7, 0);
		vdb_sync_range(t, dma, 0, VDB_SYNC_LEN, dir, false);
		vdb_note(res->for_device, "to",
			 vdb_diff(dv, VDB_SYNC_LEN, 7, 0), false);
	}
	vdb_unmap(t, dma, VDB_SYNC_LEN, dir);
out:
	kfree(buf);
}

/*
 * Write (@to_dev) or check the device's view of a mapped sg list against
 * pattern @seed, the data laid end to end.  Return the first differing
 * offset in the data, or -1; -2 if a segment cannot be reached.
 */
static long vdb_sg_dev(struct device *dev, struct scatterlist *sgl, int n,
		       unsigned int seed, bool to_dev)
{
	struct scatterlist *sg;
	size_t pos = 0;
	long d;
	int i;

	for_each_sg(sgl, sg, n, i) {
		u8 *dv = vdb_dev_view(dev, sg_dma_address(sg));

		if (!dv)
			return -2;
		if (to_dev) {
			vdb_fill(dv, sg_dma_len(sg), seed, pos);
		} else {
			d = vdb_diff(dv, sg_dma_len(sg), seed, pos);
			if (d >= 0)
				return pos + d;
		}
		pos += sg_dma_len(sg);
	}
	return -1;
}

/* Fill (@fill) or check the CPU's buffers of an sg list, as above. */
static long vdb_sg_cpu(u8 **bufs, unsigned int seed, bool fill)
{
	size_t pos = 0;
	long d;
	int i;

	for (i = 0; i < VDB_SG_NENTS; i++) {
		if (fill) {
			vdb_fill(bufs[i], vdb_sg_len[i], seed, pos);
		} else {
			d = vdb_diff(bufs[i], vdb_sg_len[i], seed, pos);
			if (d >= 0)
				return pos + d;
		}
		pos += vdb_sg_len[i];
	}
	return -1;
}

/* An sg list, BIDIRECTIONAL: synced for the CPU and for the device. */
static void vdb_sync_sg(const struct vdb_target *t,
			struct vdb_sync_res *res)
{
	const enum dma_data_direction dir = DMA_BIDIRECTIONAL;
	struct scatterlist sgl[VDB_SG_NENTS];
	u8 *bufs[VDB_SG_NENTS] = {};
	long d;
	int i, n;

	sg_init_table(sgl, VDB_SG_NENTS);
	for (i = 0; i < VDB_SG_NENTS; i++) {
		bufs[i] = kmalloc(vdb_sg_len[i], GFP_KERNEL);
		if (!bufs[i]) {
			vdb_note(res->sg, "nomem", 0, true);
			goto out;
		}
		sg_set_buf(&sgl[i], bufs[i], vdb_sg_len[i]);
	}
	vdb_sg_cpu(bufs, 13, true);
	n = vdb_sg_map(t, sgl, VDB_SG_NENTS, dir);
	if (!n) {
		vdb_note(res->sg, "map", 0, true);
		goto out;
	}
	d = vdb_sg_dev(t->dev, sgl, n, 8, true);
	if (d == -2) {
		vdb_note(res->sg, "view", 0, true);
	} else {
		vdb_sg_sync(t, sgl, VDB_SG_NENTS, dir, true);
		vdb_note(res->sg, "cpu", vdb_sg_cpu(bufs, 8, false), false);
		vdb_sg_cpu(bufs, 9, true);
		vdb_sg_sync(t, sgl, VDB_SG_NENTS, dir, false);
		vdb_note(res->sg, "device",
			 vdb_sg_dev(t->dev, sgl, n, 9, false), false);
	}
	vdb_sg_unmap(t, sgl, VDB_SG_NENTS, dir);
out:
	for (i = 0; i < VDB_SG_NENTS; i++)
		kfree(bufs[i]);
}

static int vdb_sync(const struct vdb_target *t)
{
	struct vdb_sync_res res = { .need_sync = -1 };
	char ops[64];

	strscpy(res.for_cpu, "ok", sizeof(res.for_cpu));
	strscpy(res.for_device, "ok", sizeof(res.for_device));
	strscpy(res.sg, "ok", sizeof(res.sg));
	strscpy(res.partial, "ok", sizeof(res.partial));
	strscpy(res.unmap, "ok", sizeof(res.unmap));
	vdb_sync_from(t, &res);
	vdb_sync_bidi(t, &res);
	vdb_sync_to(t, &res);
	vdb_sync_sg(t, &res);
	vdb_ops_name(t, ops, sizeof(ops));
	return vdb_set_out(VDB_SYNC_FMT, res.need_sync, res.for_cpu,
			   res.for_device, res.sg, res.partial, res.unmap, ops);
}

static int vdb_ops(const struct vdb_target *t)
{
	char ops[64];

	vdb_ops_name(t, ops, sizeof(ops));
	return vdb_set_out("ops map_page=%s skip_sync=%d bypass=%d\n", ops,
			   vdb_skip_sync(t->dev), vdb_bypass(t->dev));
}

/*
 * hold: map one page to the device and never unmap it, as a driver that
 * leaks a mapping past remove would.  The test then removes the PCI
 * function: the device's state must stop all that runs on its own (the
 * shrink worker would unmap chunks through a device that is gone) and
 * keep the slot, and a rescan must claim the new device afresh.  The
 * buffer is leaked with the mapping, on purpose.
 */
static int vdb_hold(const struct vdb_target *t)
{
	void *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	phys_addr_t phys;
	dma_addr_t dma;

	if (!buf)
		return -ENOMEM;
	phys = virt_to_phys(buf);
	memset(buf, 0x5a, PAGE_SIZE);
	dma = vdb_map(t, buf, PAGE_SIZE, DMA_TO_DEVICE);
	if (vdb_mapping_error(t, dma)) {
		kfree(buf);
		return -EIO;
	}
	kmemleak_not_leak(buf);
	return vdb_set_out("hold dma=%pad phys=%pa\n", &dma, &phys);
}

/* "CMD DEV" commands: one device, one result line. */
static const struct {
	const char *name;
	int (*fn)(const struct vdb_target *t);
} vdb_cmds[] = {
	{ "xen-straddle", vdb_xen_straddle },
	{ "sync", vdb_sync },
	{ "ops", vdb_ops },
	{ "hold", vdb_hold },
};

/* Index of command @cmd in vdb_cmds[], or -1. */
static int vdb_find_cmd(const char *cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vdb_cmds); i++)
		if (!strcmp(cmd, vdb_cmds[i].name))
			return i;
	return -1;
}

static int vdb_dev_cmd(int i, const char *name)
{
	struct vdb_target t;
	int err;

	err = vdb_get(name, &t);
	if (err)
		return err;
	mutex_lock(&vdb_lock);
	err = vdb_cmds[i].fn(&t);
	mutex_unlock(&vdb_lock);
	vdb_put(&t);
	return err;
}

static ssize_t vdb_write(struct file *f, const char __user *ubuf, size_t n,
			 loff_t *ppos)
{
	struct vdb_run r = {};
	char buf[96], name[48], cmd[16];
	unsigned int dir;
	int err;

	if (n >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = 0;
	if (sscanf(buf, "%15s %47s", cmd, name) == 2 && vdb_find_cmd(cmd) >= 0) {
		err = vdb_dev_cmd(vdb_find_cmd(cmd), name);
		return err ? err : n;
	}
	if (sscanf(buf, "%47s %zu %u %u %u %u", name, &r.size, &dir, &r.threads,
		   &r.batch, &r.batches) != 6 || !r.size || r.size > VDB_MAX_SIZE ||
	    dir > DMA_FROM_DEVICE || !r.threads || r.threads > VDB_MAX_THREADS ||
	    !r.batch || r.batch > 1024 || !r.batches || r.batches > VDB_MAX_BATCHES)
		return -EINVAL;
	r.dir = dir;
	err = vdb_get(name, &r.t);
	if (err)
		return err;
	mutex_lock(&vdb_lock);
	err = vdb_run(&r);
	mutex_unlock(&vdb_lock);
	vdb_put(&r.t);
	return err ? err : n;
}

static ssize_t vdb_read(struct file *f, char __user *ubuf, size_t n,
			loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&vdb_lock);
	ret = vdb_out ? simple_read_from_buffer(ubuf, n, ppos, vdb_out,
						 strlen(vdb_out)) : 0;
	mutex_unlock(&vdb_lock);
	return ret;
}

static const struct file_operations vdb_fops = {
	.owner = THIS_MODULE,
	.read = vdb_read,
	.write = vdb_write,
	.llseek = default_llseek,
};

static int __init vdb_init(void)
{
	struct dentry *d = debugfs_create_dir("virtio_dma_bench", NULL);

	debugfs_create_file("run", 0600, d, NULL, &vdb_fops);
	return 0;
}
late_initcall(vdb_init);
