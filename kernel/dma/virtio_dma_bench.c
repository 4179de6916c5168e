// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_dma_bench: time dma_map/unmap through the DMA ops actually
 * installed on a virtio device's DMA device: dma-direct, swiotlb,
 * swiotlb-xen or virtio_bounce, whatever the boot chose.
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
 *   echo "xen-straddle DEV" > .../run   (Xen PV: direct vs straddling buffer)
 *
 * DEV is the name of the DMA device (the PCI function of a virtio-pci
 * device, e.g. 0000:00:05.0), DIR 0..2 (bidirectional, to device, from
 * device).  The result has one line per batch:
 *   batch THREAD MAP_PS UNMAP_PS     (picoseconds per operation)
 * and a summary line: ops, wall time, and the ops in use.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#if defined(CONFIG_XEN_PV) && defined(CONFIG_SWIOTLB_XEN)
#include <xen/xen.h>
#include <asm/xen/page.h>
#include <asm/xen/swiotlb-xen.h>
#endif

#define VDB_MAX_THREADS	8
#define VDB_MAX_BATCHES	1024
#define VDB_MAX_SIZE	SZ_4M

struct vdb_run {
	struct device *dev;
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
			dma[i] = dma_map_single(r->dev, buf[i], r->size, r->dir);
			if (dma_mapping_error(r->dev, dma[i]))
				break;
		}
		t1 = ktime_get_ns();
		if (i < r->batch) {
			while (i--)
				dma_unmap_single(r->dev, dma[i], r->size, r->dir);
			goto fail;
		}
		for (i = 0; i < r->batch; i++)
			dma_unmap_single(r->dev, dma[i], r->size, r->dir);
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
		       dev_name(r->dev), get_dma_ops(r->dev), r->size, r->dir,
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
static int vdb_xen_straddle(struct device *dev)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 1);
	phys_addr_t p, edge;
	dma_addr_t dma, bus, h;
	int contig_direct = -1, straddle_bounced = -1, err;
	bool contig_before, contig_after = true;
	char *out;

	if (!xen_pv_domain())
		return -ENODEV;
	if (!pg)
		return -ENOMEM;
	p = page_to_phys(pg);
	edge = p + PAGE_SIZE - 16;
	contig_before = vdb_mach_contig(p);
	if (contig_before) {
		bus = vdb_bus(dev, edge);
		dma = dma_map_single(dev, phys_to_virt(edge), 32, DMA_TO_DEVICE);
		if (!dma_mapping_error(dev, dma)) {
			contig_direct = dma == bus;
			dma_unmap_single(dev, dma, 32, DMA_TO_DEVICE);
		}
	}
	/* Give the second page another machine frame. */
	err = xen_create_contiguous_region(p + PAGE_SIZE, 0, 64, &h);
	if (!err) {
		contig_after = vdb_mach_contig(p);
		if (!contig_after) {
			bus = vdb_bus(dev, edge);
			dma = dma_map_single(dev, phys_to_virt(edge), 32,
					     DMA_TO_DEVICE);
			if (!dma_mapping_error(dev, dma)) {
				straddle_bounced = dma != bus;
				dma_unmap_single(dev, dma, 32, DMA_TO_DEVICE);
			}
		}
		xen_destroy_contiguous_region(p + PAGE_SIZE, 0);
	}
	__free_pages(pg, 1);
	out = kasprintf(GFP_KERNEL,
			"xen-straddle ops=%ps contig_before=%d contig_direct=%d exchange=%d contig_after=%d straddle_bounced=%d\n",
			get_dma_ops(dev), contig_before, contig_direct, err,
			contig_after, straddle_bounced);
	if (!out)
		return -ENOMEM;
	vfree(vdb_out);
	vdb_out = vmalloc(strlen(out) + 1);
	if (vdb_out)
		strscpy(vdb_out, out, strlen(out) + 1);
	kfree(out);
	return 0;
}
#else
static int vdb_xen_straddle(struct device *dev)
{
	return -ENODEV;
}
#endif

static ssize_t vdb_write(struct file *f, const char __user *ubuf, size_t n,
			 loff_t *ppos)
{
	struct vdb_run r = {};
	char buf[96], name[48];
	unsigned int dir;
	struct device *dev;
	int err;

	if (n >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = 0;
	if (sscanf(buf, "xen-straddle %47s", name) == 1) {
		dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
		if (!dev)
			return -ENODEV;
		mutex_lock(&vdb_lock);
		err = vdb_xen_straddle(dev);
		mutex_unlock(&vdb_lock);
		put_device(dev);
		return err ? err : n;
	}
	if (sscanf(buf, "%47s %zu %u %u %u %u", name, &r.size, &dir, &r.threads,
		   &r.batch, &r.batches) != 6 || !r.size || r.size > VDB_MAX_SIZE ||
	    dir > DMA_FROM_DEVICE || !r.threads || r.threads > VDB_MAX_THREADS ||
	    !r.batch || r.batch > 1024 || !r.batches || r.batches > VDB_MAX_BATCHES)
		return -EINVAL;
	r.dir = dir;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	if (!dev)
		return -ENODEV;
	r.dev = dev;
	mutex_lock(&vdb_lock);
	err = vdb_run(&r);
	mutex_unlock(&vdb_lock);
	put_device(dev);
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
