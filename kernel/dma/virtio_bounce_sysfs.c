// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce sysfs: /sys/bus/virtio/devices/virtioN/virtio_bounce/,
 * one value per file, for operators on kernels without debugfs.  The
 * group is one of the virtio bus's device groups, so it exists from
 * device_add() on; its values come from the record of the device's last
 * decision, made when its driver probed and dropped when it is removed.
 * Documentation/ABI/testing/sysfs-bus-virtio-virtio_bounce.
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/xarray.h>

#include "virtio_bounce_internal.h"

/**
 * struct vb_rec - what was decided for one virtio device
 * @mode: the mode in force for it
 * @d: the decision (and the rule that chose the mode)
 * @vd: its state when virtio_bounce maps for it, else NULL (off, left to
 *	the stock path, or 1:1 through the DMA API on the map-ops seam)
 */
struct vb_rec {
	enum vb_mode mode;
	struct vb_decision d;
	struct vb_dev *vd;
};

/*
 * virtio device index -> record.  vb_rec_lock orders readers (sysfs, in
 * process context) against vb_forget(), after which @vd may be freed.
 */
static DEFINE_XARRAY(vb_recs);
static DEFINE_MUTEX(vb_rec_lock);

/**
 * struct vb_kept_max - a max an operator wrote, kept across rebinds
 * @node: in vb_kept_maxes
 * @dma_dev: the DMA device's name (stable across unbind/bind and a PCI
 *	remove/rescan of the same function, unlike the virtio index)
 * @pool_max: what was written
 *
 * A list: it holds only the devices an operator tuned, a handful at most,
 * looked up once per probe; under vb_rec_lock.
 */
struct vb_kept_max {
	struct list_head node;
	char dma_dev[32];
	size_t pool_max;
};

static LIST_HEAD(vb_kept_maxes);

static struct vb_kept_max *vb_kept_max_of(const char *dma_dev)
{
	struct vb_kept_max *k;

	list_for_each_entry(k, &vb_kept_maxes, node)
		if (!strcmp(k->dma_dev, dma_dev))
			return k;
	return NULL;
}

/* Remember @vd's max for its next probe; without memory it is not kept. */
static void vb_keep_max(struct vb_dev *vd, size_t pool_max)
{
	struct vb_kept_max *k = vb_kept_max_of(dev_name(vd->dev));

	if (!k) {
		k = vb_kzalloc_obj(k, GFP_KERNEL);
		if (!k)
			return;
		strscpy(k->dma_dev, dev_name(vd->dev), sizeof(k->dma_dev));
		list_add(&k->node, &vb_kept_maxes);
	}
	k->pool_max = pool_max;
}

/**
 * vb_rec_set() - remember the decision taken for virtio device @index
 * @index: the virtio device's index
 * @mode: the mode in force
 * @d: the decision
 * @vd: the state, or NULL when nothing of ours maps for the device
 *
 * Process context.  Without memory for the record the device works as
 * decided; its sysfs files then read -ENODEV.
 */
void vb_rec_set(unsigned int index, enum vb_mode mode,
		const struct vb_decision *d, struct vb_dev *vd)
{
	struct vb_rec *rec = vb_kzalloc_obj(rec, GFP_KERNEL);
	void *old = NULL;

	if (rec)
		*rec = (struct vb_rec){ .mode = mode, .d = *d, .vd = vd };
	mutex_lock(&vb_rec_lock);
	if (rec)
		old = xa_store(&vb_recs, index, rec, GFP_KERNEL);
	if (!rec || xa_is_err(old)) {
		/* No record is better than a stale one. */
		kfree(rec);
		old = xa_erase(&vb_recs, index);
	}
	kfree(old);
	mutex_unlock(&vb_rec_lock);
}

/**
 * vb_max_restore() - give a newly claimed device the max written for it
 * @vd: the device, claimed and installed
 *
 * A max written in sysfs outlives the driver's unbind and bind (and a
 * remove/rescan of the same DMA device); it is validated again for the
 * new state (its reserve may differ) and refused with a message if it
 * no longer fits.  Process context.
 */
void vb_max_restore(struct vb_dev *vd)
{
	struct vb_kept_max *k;

	mutex_lock(&vb_rec_lock);
	k = vb_kept_max_of(dev_name(vd->dev));
	if (k && k->pool_max != vd->pool_max && vb_set_max(vd, k->pool_max))
		dev_warn(vd->dev, "%s: the max written before (%zuK) does not fit this probe, keeping %zuK\n",
			 vd->name, k->pool_max >> 10, vd->pool_max >> 10);
	mutex_unlock(&vb_rec_lock);
}

/**
 * vb_forget() - drop virtio device @index's record, before its detach
 * @index: the virtio device's index
 */
void vb_forget(unsigned int index)
{
	mutex_lock(&vb_rec_lock);
	kfree(xa_erase(&vb_recs, index));
	mutex_unlock(&vb_rec_lock);
}

/**
 * vb_set_max() - change a device's pool limit at run time (sysfs max)
 * @vd: the device
 * @pool_max: the new limit, in bytes
 *
 * Validated as virtio_bounce=max= is, and never below the device's
 * progress reserve (vb_footprint()): what its driver was promised at
 * probe (max_mapping_size, the largest request) stays true.  A higher limit
 * lets the pool grow again at once; a lower one has the shrink worker
 * release idle chunks at once (down to pool_min, as the idle scan does)
 * and the pool does not grow until it is below the limit.  Process
 * context.
 *
 * Return: 0, or -EINVAL with nothing changed.
 */
int vb_set_max(struct vb_dev *vd, size_t pool_max)
{
	unsigned long flags;
	size_t old;

	if (vb_check_max(vd->pool_min, pool_max, vd->reserve))
		return -EINVAL;
	spin_lock_irqsave(&vd->grow_lock, flags);
	old = vd->pool_max;
	WRITE_ONCE(vd->pool_max, pool_max);
	spin_unlock_irqrestore(&vd->grow_lock, flags);
	dev_info(vd->dev, "%s: max %zuK -> %zuK\n", vd->name,
		 old >> 10, pool_max >> 10);
	/* The next exhaustion or failed growth is worth saying again. */
	clear_bit(VB_WARN_EXHAUSTED, &vd->warned);
	clear_bit(VB_WARN_GROW, &vd->warned);
	/*
	 * Lowered: the shrink worker releases idle chunks now (its caller
	 * holds vb_rec_lock, which must not wait for a flush on every CPU
	 * and an RCU grace period).
	 */
	if (pool_max < old)
		mod_delayed_work(system_dfl_wq, &vd->shrink_work, 0);
	return 0;
}

/* The record of @dev (a virtio device); caller holds vb_rec_lock. */
static struct vb_rec *vb_rec_of(struct device *dev)
{
	return xa_load(&vb_recs, dev_to_virtio(dev)->index);
}

/* Counters of a device with no state of ours read 0: nothing of ours ran. */
static unsigned long vb_rec_stat(const struct vb_rec *rec, enum vb_stat s)
{
	return rec->vd ? vb_stat_sum(rec->vd, s) : 0;
}

enum vb_attr {
	VB_A_MODE,
	VB_A_RULE,
	VB_A_BACKEND,
	VB_A_WHY,
	VB_A_ONE_TO_ONE,
	VB_A_POOL_BYTES,
	VB_A_IN_USE,
	VB_A_PEAK_BYTES,
	VB_A_MAX,
	VB_A_MAPS,
	VB_A_BOUNCED,
	VB_A_DIRECT,
	VB_A_FALLBACK,
	VB_A_FAILURES,
	VB_A_BYTES_TO_DEV,
	VB_A_BYTES_FROM_DEV,
};

struct vb_attribute {
	struct device_attribute attr;
	enum vb_attr what;
};

static ssize_t vb_show_rec(const struct vb_rec *rec, enum vb_attr what,
			   char *buf)
{
	struct vb_dev *vd = rec->vd;

	switch (what) {
	case VB_A_MODE:
		return sysfs_emit(buf, "%s\n", vb_mode_name(rec->mode));
	case VB_A_RULE:
		return sysfs_emit(buf, "%s\n", rec->d.rule);
	case VB_A_BACKEND:
		return sysfs_emit(buf, "%s\n", vb_backend_name(rec->d.backend));
	case VB_A_WHY:
		return sysfs_emit(buf, "%s\n", vb_why_token(rec->d.why));
	case VB_A_ONE_TO_ONE:
		return sysfs_emit(buf, "%d\n", rec->d.direct_ok);
	case VB_A_POOL_BYTES:
		return sysfs_emit(buf, "%zu\n", vd ? READ_ONCE(vd->pool_bytes) : 0);
	case VB_A_IN_USE:
		return sysfs_emit(buf, "%ld\n", vd ? (long)vb_pool_in_use(vd) : 0L);
	case VB_A_PEAK_BYTES:
		return sysfs_emit(buf, "%zu\n", vd ? READ_ONCE(vd->pool_peak) : 0);
	case VB_A_MAX:
		return sysfs_emit(buf, "%zu\n", vd ? READ_ONCE(vd->pool_max) : 0);
	case VB_A_MAPS:
		return sysfs_emit(buf, "%lu\n", vd ? vb_maps(vd) : 0);
	case VB_A_BOUNCED:
		return sysfs_emit(buf, "%lu\n", vb_rec_stat(rec, VB_STAT_BOUNCED));
	case VB_A_DIRECT:
		return sysfs_emit(buf, "%lu\n", vb_rec_stat(rec, VB_STAT_DIRECT));
	case VB_A_FALLBACK:
		return sysfs_emit(buf, "%lu\n", vb_rec_stat(rec, VB_STAT_FALLBACK));
	case VB_A_FAILURES:
		return sysfs_emit(buf, "%lu\n",
				  vb_rec_stat(rec, VB_STAT_FAIL_EXHAUSTED) +
				  vb_rec_stat(rec, VB_STAT_FAIL_OVERSIZE));
	case VB_A_BYTES_TO_DEV:
		return sysfs_emit(buf, "%lu\n",
				  vb_rec_stat(rec, VB_STAT_BYTES_TO_DEV));
	case VB_A_BYTES_FROM_DEV:
		return sysfs_emit(buf, "%lu\n",
				  vb_rec_stat(rec, VB_STAT_BYTES_FROM_DEV));
	}
	return -EINVAL;
}

static ssize_t vb_attr_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct vb_attribute *a = container_of(attr, struct vb_attribute, attr);
	struct vb_rec *rec;
	ssize_t ret = -ENODEV;	/* no decision: no driver bound */

	mutex_lock(&vb_rec_lock);
	rec = vb_rec_of(dev);
	if (rec)
		ret = vb_show_rec(rec, a->what, buf);
	mutex_unlock(&vb_rec_lock);
	return ret;
}

/*
 * max: the limit the pool grows to, validated as virtio_bounce=max= is,
 * and never below the device's progress reserve.
 */
static ssize_t max_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	unsigned long long v;
	struct vb_rec *rec;
	char *end;
	int ret;

	if (vb_parse_size(buf, &end, &v) || (*end && *end != '\n')) {
		dev_warn(dev, "max: '%.*s' is not a size (256K..1G)\n",
			 (int)min_t(size_t, count, 32), buf);
		return -EINVAL;
	}
	mutex_lock(&vb_rec_lock);
	rec = vb_rec_of(dev);
	ret = -ENXIO;		/* nothing of ours maps for this device */
	if (rec && rec->vd) {
		ret = vb_set_max(rec->vd, v);
		if (!ret)
			vb_keep_max(rec->vd, v);
	}
	mutex_unlock(&vb_rec_lock);
	return ret ?: count;
}

#define VB_ATTR_RO(_name, _what)					\
	static struct vb_attribute vb_attr_##_name = {			\
		.attr = __ATTR(_name, 0444, vb_attr_show, NULL),	\
		.what = _what,						\
	}

VB_ATTR_RO(mode, VB_A_MODE);
VB_ATTR_RO(rule, VB_A_RULE);
VB_ATTR_RO(backend, VB_A_BACKEND);
VB_ATTR_RO(why, VB_A_WHY);
VB_ATTR_RO(one_to_one, VB_A_ONE_TO_ONE);
VB_ATTR_RO(pool_bytes, VB_A_POOL_BYTES);
VB_ATTR_RO(in_use, VB_A_IN_USE);
VB_ATTR_RO(peak_bytes, VB_A_PEAK_BYTES);
VB_ATTR_RO(maps, VB_A_MAPS);
VB_ATTR_RO(bounced, VB_A_BOUNCED);
VB_ATTR_RO(direct, VB_A_DIRECT);
VB_ATTR_RO(fallback, VB_A_FALLBACK);
VB_ATTR_RO(failures, VB_A_FAILURES);
VB_ATTR_RO(bytes_to_device, VB_A_BYTES_TO_DEV);
VB_ATTR_RO(bytes_from_device, VB_A_BYTES_FROM_DEV);

static struct vb_attribute vb_attr_max = {
	.attr = __ATTR(max, 0644, vb_attr_show, max_store),
	.what = VB_A_MAX,
};

static struct attribute *vb_attrs[] = {
	&vb_attr_mode.attr.attr,
	&vb_attr_rule.attr.attr,
	&vb_attr_backend.attr.attr,
	&vb_attr_why.attr.attr,
	&vb_attr_one_to_one.attr.attr,
	&vb_attr_pool_bytes.attr.attr,
	&vb_attr_in_use.attr.attr,
	&vb_attr_peak_bytes.attr.attr,
	&vb_attr_max.attr.attr,
	&vb_attr_maps.attr.attr,
	&vb_attr_bounced.attr.attr,
	&vb_attr_direct.attr.attr,
	&vb_attr_fallback.attr.attr,
	&vb_attr_failures.attr.attr,
	&vb_attr_bytes_to_device.attr.attr,
	&vb_attr_bytes_from_device.attr.attr,
	NULL,
};

/* One of the virtio bus's dev_groups (drivers/virtio/virtio.c). */
const struct attribute_group virtio_bounce_attr_group = {
	.name = "virtio_bounce",
	.attrs = vb_attrs,
};
