// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce debugfs: /sys/kernel/debug/virtio_bounce/params, and per
 * claimed device stats (the decision and counters), pool (classes and
 * chunks) and shrink (write 1: release idle chunks now).
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "virtio_bounce_internal.h"

static struct dentry *vb_debugfs_root;

static const char * const vb_stat_names[VB_NR_STATS] = {
	[VB_STAT_UNMAPS] = "unmaps_bounced",
	[VB_STAT_BOUNCED] = "bounced",
	[VB_STAT_DIRECT] = "direct",
	[VB_STAT_FALLBACK] = "fallback",
	[VB_STAT_BYTES_TO_DEV] = "bytes_to_device",
	[VB_STAT_BYTES_FROM_DEV] = "bytes_from_device",
	[VB_STAT_SYNCS] = "syncs",
	[VB_STAT_CACHE_HITS] = "cache_hits",
	[VB_STAT_CACHE_MISSES] = "cache_misses",
	[VB_STAT_DEPOT_REFILLS] = "depot_refills",
	[VB_STAT_DEPOT_FLUSHES] = "depot_flushes",
	[VB_STAT_FAIL_EXHAUSTED] = "fail_exhausted",
	[VB_STAT_FAIL_OVERSIZE] = "fail_oversize",
	[VB_STAT_BAD_UNMAPS] = "bad_unmaps",
};

static int vb_stats_show(struct seq_file *m, void *v)
{
	struct vb_dev *vd = m->private;
	unsigned long hiwater = 0;
	unsigned int i;

	seq_printf(m, "mode %s\nrule %s\nbackend %s\ndirect_ok %d\nwhy %s\n",
		   vb_mode_name(vd->mode), vd->d.rule, vd->be->name,
		   vd->d.direct_ok, vd->d.why);
	seq_printf(m, "bypass %d\nmaps %lu\nfallback_live %lu\n", vb_bypass(vd),
		   vb_maps(vd), vb_fb_live(vd));
	for (i = 0; i < VB_NR_STATS; i++)
		seq_printf(m, "%s %lu\n", vb_stat_names[i], vb_stat_sum(vd, i));
	/*
	 * Each class's peak of slots out, in bytes, summed: the classes peak
	 * at different times, so this may exceed pool_max; pool_peak_bytes
	 * is the pool's own peak.
	 */
	for (i = 0; i < VB_NR_CLASSES; i++)
		hiwater += vd->cls[i].hiwater << vd->cls[i].shift;
	/* Signed: an unmap counted twice must show as -1, not as 2^64 - 1. */
	seq_printf(m, "in_use %ld\npool_bytes %zu\npool_min %zu\npool_max %zu\npool_peak_bytes %zu\n",
		   (long)vb_pool_in_use(vd), vd->pool_bytes, vd->pool_min,
		   READ_ONCE(vd->pool_max), vd->pool_peak);
	seq_printf(m, "hiwater_bytes %lu\ngrows %lu\nshrinks %lu\ngrow_failures %lu\n",
		   hiwater, vd->grows, vd->shrinks, vd->grow_failures);
	seq_printf(m, "recarves %lu\nreserve_bytes %zu\nbuilders %u\nscarce %d\n",
		   vd->recarves, vd->reserve, vd->builders, !!READ_ONCE(vd->scarce));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vb_stats);

static int vb_pool_show(struct seq_file *m, void *v)
{
	struct vb_dev *vd = m->private;
	struct vb_chunk *c;
	unsigned long flags;
	unsigned int i;

	seq_puts(m, "slot_size chunks slots_out hiwater depot_mags cache_cap\n");
	for (i = 0; i < VB_NR_CLASSES; i++) {
		struct vb_class *k = &vd->cls[i];

		spin_lock_irqsave(&k->lock, flags);
		seq_printf(m, "%u %lu %lu %lu %u %u\n", 1U << k->shift,
			   k->nr_chunks, k->out, k->hiwater, k->depot_len,
			   k->mag_cap);
		spin_unlock_irqrestore(&k->lock, flags);
	}
	seq_puts(m, "# chunks: phys dma bytes slot_size\n");
	spin_lock_irqsave(&vd->grow_lock, flags);
	list_for_each_entry(c, &vd->all_chunks, all)
		seq_printf(m, "chunk %pa %pad %lu %u\n", &c->phys, &c->dma,
			   PAGE_SIZE << c->order, 1U << c->cls->shift);
	spin_unlock_irqrestore(&vd->grow_lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vb_pool);

static int vb_shrink_set(void *data, u64 val)
{
	struct vb_dev *vd = data;

	if (val)
		vb_shrink(vd, vd->pool_min, -1, false);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vb_shrink_fops, NULL, vb_shrink_set, "%llu\n");

/*
 * Give every online CPU's cached slots back to their chunks, so that the
 * pool file's slots_out counts mapped slots only (tests, and operators
 * reading occupancy).
 */
static int vb_flush_set(void *data, u64 val)
{
	struct vb_dev *vd = data;

	if (val)
		vb_flush_caches(vd);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vb_flush_fops, NULL, vb_flush_set, "%llu\n");

void vb_debugfs_add(struct vb_dev *vd)
{
	if (!vb_debugfs_root)
		return;
	vd->dbg = debugfs_create_dir(vd->name, vb_debugfs_root);
	debugfs_create_file("stats", 0444, vd->dbg, vd, &vb_stats_fops);
	debugfs_create_file("pool", 0444, vd->dbg, vd, &vb_pool_fops);
	debugfs_create_file_unsafe("shrink", 0200, vd->dbg, vd,
				   &vb_shrink_fops);
	debugfs_create_file_unsafe("flush", 0200, vd->dbg, vd, &vb_flush_fops);
}

static int vb_params_show(struct seq_file *m, void *v)
{
	seq_printf(m, "mode %s\npool %zu\nmax %zu\niommu %s\n",
		   vb_mode_name(vb_config.mode), vb_config.pool_min,
		   vb_config.pool_max,
		   vb_config.iommu_detect ? "detect" : "unknown");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vb_params);

static int __init vb_debugfs_init(void)
{
	vb_debugfs_root = debugfs_create_dir("virtio_bounce", NULL);
	debugfs_create_file("params", 0444, vb_debugfs_root, NULL,
			    &vb_params_fops);
	return 0;
}
fs_initcall(vb_debugfs_init);

void vb_debugfs_del(struct vb_dev *vd)
{
	debugfs_remove_recursive(vd->dbg);
	vd->dbg = NULL;
}
