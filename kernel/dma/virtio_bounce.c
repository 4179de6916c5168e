// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce: a per-device bounce-buffer DMA backend for virtio.
 *
 * This file sets devices up: the boot parameter, the decision table, and
 * attach/detach.  The virtio core calls vb_attach() (through
 * virtio_bounce_attach()) for each device once its features are final.
 * The policy (vb_decide()) picks a translation backend; if the device is
 * claimed, a dedicated struct dma_map_ops, embedded in the per-device
 * state, is installed on its DMA device.  The map path is in
 * virtio_bounce_map.c, the backends and the previous DMA path in
 * virtio_bounce_backend.c and virtio_bounce_xen.c, the pool in
 * virtio_bounce_pool.c, debugfs in virtio_bounce_debugfs.c.
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt

#include <linux/ctype.h>
#include <linux/dma-direct.h>
#include <linux/iommu-dma.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/virtio.h>
#include <linux/virtio_ids.h>
#include <xen/xen.h>

#include "virtio_bounce_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/virtio_bounce.h>

struct vb_config vb_config = {
	.mode = VB_MODE_OFF,
	.pool_min = SZ_4M,
	.pool_max = SZ_64M,
	/* Firmware tables (ACPI DMAR/IVRS/IORT, DT) describe every IOMMU. */
	.iommu_detect = IS_ENABLED(CONFIG_X86) || IS_ENABLED(CONFIG_ARM64),
	.shrink_interval = 10 * HZ,
};

static const char * const vb_mode_names[] = {
	[VB_MODE_OFF] = "off",
	[VB_MODE_ON] = "on",
	[VB_MODE_FORCE] = "force",
};

static const char * const vb_backend_names[] = {
	[VB_BACKEND_NONE] = "none",
	[VB_BACKEND_IDENTITY] = "identity",
	[VB_BACKEND_PARENT] = "parent",
	[VB_BACKEND_XEN] = "xen",
};

/**
 * vb_mode_name() - name of a mode as virtio_bounce= spells it
 * @mode: the mode
 *
 * Return: a constant string.
 */
const char *vb_mode_name(enum vb_mode mode)
{
	return mode < ARRAY_SIZE(vb_mode_names) ? vb_mode_names[mode] : "?";
}

/**
 * vb_backend_name() - name of a translation backend
 * @backend: the backend
 *
 * Return: a constant string.
 */
const char *vb_backend_name(enum vb_backend backend)
{
	return backend < ARRAY_SIZE(vb_backend_names) ?
	       vb_backend_names[backend] : "?";
}

/* One line per decision-table row, printed in dmesg and debugfs. */
enum {
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

static const char * const vb_why[] = {
	[VB_WHY_OFF] = "virtio_bounce=off: stock DMA path",
	[VB_WHY_GRANT] = "Xen grant DMA ops own this device: left to them",
	[VB_WHY_SHARED] =
		"DMA device is not this virtio device's own (other functions map through it): left to the stock path",
	[VB_WHY_ENCRYPTED] =
		"memory-encrypted guest: the device reaches shared pages only and the pool would be private: left to swiotlb's decrypted pool",
	[VB_WHY_FOREIGN] = "device already has its own DMA ops: left to them",
	[VB_WHY_MASK] = "DMA mask below 32 bits: left to the stock path",
	[VB_WHY_XEN_ON] =
		"Xen PV: machine-contiguous buffers go direct, others bounce via the pre-translated pool",
	[VB_WHY_XEN_FORCE] = "Xen PV, force: always bounce via the pre-translated pool",
	[VB_WHY_LEGACY_IOMMU_ON] =
		"no ACCESS_PLATFORM: device bypasses the IOMMU (its domain is ignored), 1:1 fast path",
	[VB_WHY_LEGACY_IOMMU_FORCE] =
		"no ACCESS_PLATFORM: device bypasses the IOMMU (its domain is ignored), force: always bounce",
	[VB_WHY_LEGACY_ON] = "no ACCESS_PLATFORM: device uses physical addresses, 1:1 fast path",
	[VB_WHY_LEGACY_FORCE] =
		"no ACCESS_PLATFORM: device uses physical addresses, force: always bounce",
	[VB_WHY_IOMMU] =
		"IOMMU-DMA domain: pool mapped once through the IOMMU, always bounce (no per-I/O IOMMU work)",
	[VB_WHY_UNDETECTABLE] =
		"platform cannot tell whether an IOMMU translates this device: safe fallback, pool mapped through the device's own DMA path, always bounce",
	[VB_WHY_NO_IOMMU_ON] = "no IOMMU: 1:1 fast path, bounce only what is not DMA-capable",
	[VB_WHY_NO_IOMMU_FORCE] = "no IOMMU, force: always bounce",
	[VB_WHY_TAKEN] =
		"DMA device already claimed for another virtio device: it is shared, left to the stock path",
	[VB_WHY_LIVE] =
		"the previous driver's mappings are still live in the pool: left to the previous DMA path",
	[VB_WHY_NO_MASK] = "DMA device has no DMA mask: left to the stock path",
	[VB_WHY_NO_SWIOTLB_XEN] = "Xen PV without swiotlb-xen: left to the stock path",
	[VB_WHY_NO_CHUNK] = "could not build any pool chunk: left to the stock path",
	[VB_WHY_NO_POOL] = "could not set up the pool: left to the stock path",
	[VB_WHY_BALLOON] =
		"virtio-balloon hands the device guest pages by address (inflate, free page reporting), not buffers: a bounce slot would be reported instead, left to the stock path",
};

/**
 * vb_decide() - the per-device decision table
 * @mode: requested mode
 * @in: facts about the device
 * @out: the decision
 *
 * Rows are tried in order; the first that matches decides.  Each row has
 * its KUnit case.
 */
void vb_decide(enum vb_mode mode, const struct vb_policy_in *in,
	       struct vb_decision *out)
{
	bool on = mode == VB_MODE_ON;

	out->backend = VB_BACKEND_NONE;
	out->direct_ok = false;

	if (mode == VB_MODE_OFF) {
		out->why = vb_why[VB_WHY_OFF];
	} else if (in->virtio_id == VIRTIO_ID_BALLOON) {
		out->why = vb_why[VB_WHY_BALLOON];
	} else if (in->xen_grant) {
		out->why = vb_why[VB_WHY_GRANT];
	} else if (in->shared_dma) {
		out->why = vb_why[VB_WHY_SHARED];
	} else if (in->mem_encrypted) {
		out->why = vb_why[VB_WHY_ENCRYPTED];
	} else if (in->foreign_ops) {
		out->why = vb_why[VB_WHY_FOREIGN];
	} else if (in->dma_mask < DMA_BIT_MASK(32)) {
		out->why = vb_why[VB_WHY_MASK];
	} else if (in->xen_pv) {
		out->backend = VB_BACKEND_XEN;
		out->direct_ok = on;
		out->why = vb_why[on ? VB_WHY_XEN_ON : VB_WHY_XEN_FORCE];
	} else if (!in->access_platform) {
		out->backend = VB_BACKEND_IDENTITY;
		out->direct_ok = on;
		if (in->iommu_dma)
			out->why = vb_why[on ? VB_WHY_LEGACY_IOMMU_ON :
					       VB_WHY_LEGACY_IOMMU_FORCE];
		else
			out->why = vb_why[on ? VB_WHY_LEGACY_ON :
					       VB_WHY_LEGACY_FORCE];
	} else if (in->iommu_dma) {
		out->backend = VB_BACKEND_PARENT;
		out->why = vb_why[VB_WHY_IOMMU];
	} else if (!in->iommu_detectable) {
		out->backend = VB_BACKEND_PARENT;
		out->why = vb_why[VB_WHY_UNDETECTABLE];
	} else {
		out->backend = VB_BACKEND_IDENTITY;
		out->direct_ok = on;
		out->why = vb_why[on ? VB_WHY_NO_IOMMU_ON : VB_WHY_NO_IOMMU_FORCE];
	}
}

/* ---- boot parameter --------------------------------------------------- */

/* Virtio device types a rule may name, as include/uapi/linux/virtio_ids.h. */
static const struct {
	const char *name;
	u32 id;
} vb_types[] = {
	{ "net", VIRTIO_ID_NET },	{ "blk", VIRTIO_ID_BLOCK },
	{ "console", VIRTIO_ID_CONSOLE }, { "rng", VIRTIO_ID_RNG },
	{ "balloon", VIRTIO_ID_BALLOON }, { "scsi", VIRTIO_ID_SCSI },
	{ "9p", VIRTIO_ID_9P },		{ "gpu", VIRTIO_ID_GPU },
	{ "input", VIRTIO_ID_INPUT },	{ "vsock", VIRTIO_ID_VSOCK },
	{ "crypto", VIRTIO_ID_CRYPTO },	{ "iommu", VIRTIO_ID_IOMMU },
	{ "mem", VIRTIO_ID_MEM },	{ "sound", VIRTIO_ID_SOUND },
	{ "fs", VIRTIO_ID_FS },		{ "pmem", VIRTIO_ID_PMEM },
	{ "scmi", VIRTIO_ID_SCMI },	{ "i2c", VIRTIO_ID_I2C_ADAPTER },
	{ "gpio", VIRTIO_ID_GPIO },	{ "bt", VIRTIO_ID_BT },
};

/* A PCI address as dev_name() spells it: DDDD:BB:SS.F, lower-case hex. */
static bool vb_pci_name(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.x";
	unsigned int i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'x' ? !isxdigit(s[i]) || isupper(s[i]) :
				      s[i] != shape[i])
			return false;
	return true;
}

/* Parse "<selector>:<mode>" into @r; false (with a warning) if it is junk. */
static bool vb_parse_rule(const char *tok, struct vb_rule *r)
{
	const char *colon = strrchr(tok, ':');
	char sel[sizeof(r->dma_dev)];
	unsigned int i;
	int m;

	m = match_string(vb_mode_names, ARRAY_SIZE(vb_mode_names), colon + 1);
	if (m < 0 || colon == tok || (size_t)(colon - tok) >= sizeof(sel)) {
		pr_warn("bad rule '%s' (<type>:<mode> or <PCI address>:<mode>, mode off|on|force)\n",
			tok);
		return false;
	}
	memset(r, 0, sizeof(*r));
	strscpy(sel, tok, colon - tok + 1);
	r->mode = m;
	strscpy(r->text, tok, sizeof(r->text));
	for (i = 0; i < ARRAY_SIZE(vb_types); i++) {
		if (!strcmp(sel, vb_types[i].name)) {
			r->virtio_id = vb_types[i].id;
			return true;
		}
	}
	if (vb_pci_name(sel)) {
		strscpy(r->dma_dev, sel, sizeof(r->dma_dev));
		return true;
	}
	pr_warn("rule '%s': '%s' is neither a virtio device type (blk, net, scsi, console, rng, ...) nor a PCI address (0000:00:04.0)\n",
		tok, sel);
	return false;
}

/**
 * vb_check_max() - may a device's pool be limited to @pool_max bytes?
 * @pool_min: the pool's minimum
 * @pool_max: the limit asked for
 * @floor: the least a device's pool may be limited to: its progress
 *	reserve (sysfs), 0 for the boot parameter, whose max= is raised per
 *	device to the reserve instead (vb_dev_new())
 *
 * The one validation of max=, for virtio_bounce= and the sysfs max file.
 *
 * Return: 0, or -EINVAL with a warning saying why.
 */
int vb_check_max(size_t pool_min, size_t pool_max, size_t floor)
{
	if (pool_max < (1UL << VB_CHUNK_SHIFT) || pool_max > SZ_1G) {
		pr_warn("bad size max=%zuK (256K..1G)\n", pool_max >> 10);
		return -EINVAL;
	}
	if (pool_min > pool_max) {
		pr_warn("pool=%zu is above max=%zu\n", pool_min, pool_max);
		return -EINVAL;
	}
	/* See vb_footprint(): below this a request may never be mapped. */
	if (pool_max < floor) {
		pr_warn("max=%zuK is below %zuK, the progress reserve (the smallest pool that always holds a largest request per CPU)\n",
			pool_max >> 10, floor >> 10);
		return -EINVAL;
	}
	return 0;
}

/**
 * vb_parse_size() - a size of at most 1 GiB, as virtio_bounce= spells it
 * @str: decimal digits and an optional K, M or G (either case)
 * @end: set to the first character after the size
 * @val: the size in bytes
 *
 * memparse() wraps around silently ("17179869185G" is 1 GiB to it); this
 * refuses anything above 1 GiB before it can overflow.
 *
 * Return: 0, -EINVAL when @str does not start with a digit, -ERANGE when
 * the size is above 1 GiB.
 */
int vb_parse_size(const char *str, char **end, unsigned long long *val)
{
	unsigned long long n = 0;
	unsigned int shift = 0;
	const char *p = str;

	if (!isdigit(*p))
		return -EINVAL;
	for (; isdigit(*p); p++) {
		if (n > SZ_1G)
			return -ERANGE;
		n = n * 10 + (*p - '0');
	}
	switch (*p) {
	case 'G':
	case 'g':
		shift += 10;
		fallthrough;
	case 'M':
	case 'm':
		shift += 10;
		fallthrough;
	case 'K':
	case 'k':
		shift += 10;
		p++;
	}
	if (n > (SZ_1G >> shift))
		return -ERANGE;
	*val = n << shift;
	*end = (char *)p;
	return 0;
}

/**
 * vb_parse_options() - parse virtio_bounce=
 * @str: the option string (modified):
 *	[<mode>][,pool=SIZE][,max=SIZE][,iommu=detect|unknown][,<sel>:<mode>]...
 *	where <sel> is a virtio device type (blk, net, ...) or the DMA
 *	device's name (a PCI address such as 0000:00:04.0)
 * @cfg: settings to update; left untouched on error
 *
 * Return: 0, or -EINVAL naming the bad token in the kernel log.
 */
int vb_parse_options(char *str, struct vb_config *cfg)
{
	struct vb_config c = *cfg;
	char *tok, *end;
	bool first = true;

	if (!str || !*str)
		goto bad;
	c.nr_rules = 0;
	while ((tok = strsep(&str, ",")) != NULL) {
		int m = match_string(vb_mode_names, ARRAY_SIZE(vb_mode_names), tok);

		if (first && m >= 0) {
			c.mode = m;
		} else if (!strncmp(tok, "pool=", 5) || !strncmp(tok, "max=", 4)) {
			char *v = strchr(tok, '=') + 1;
			unsigned long long sz = 0;

			if (vb_parse_size(v, &end, &sz) || *end ||
			    sz < (1UL << VB_CHUNK_SHIFT)) {
				pr_warn("bad size '%s' (256K..1G)\n", tok);
				goto bad;
			}
			if (tok[0] == 'p')
				c.pool_min = sz;
			else
				c.pool_max = sz;
		} else if (!strcmp(tok, "iommu=detect")) {
			c.iommu_detect = true;
		} else if (!strcmp(tok, "iommu=unknown")) {
			c.iommu_detect = false;
		} else if (strchr(tok, ':')) {
			if (c.nr_rules == VB_MAX_RULES) {
				pr_warn("rule '%s': at most %d rules\n", tok,
					VB_MAX_RULES);
				goto bad;
			}
			if (!vb_parse_rule(tok, &c.rules[c.nr_rules]))
				goto bad;
			c.nr_rules++;
		} else {
			pr_warn("unknown option '%s'\n", tok);
			goto bad;
		}
		first = false;
	}
	if (vb_check_max(c.pool_min, c.pool_max, 0))
		goto bad;
	*cfg = c;
	return 0;
bad:
	return -EINVAL;
}

/**
 * vb_rule_for() - the rule of virtio_bounce= that applies to a device
 * @cfg: settings
 * @virtio_id: the virtio device's type (VIRTIO_ID_*)
 * @dma_dev: its DMA device's name
 *
 * Return: the last rule naming @dma_dev, else the last naming the type,
 * else NULL (the global mode applies).
 */
const struct vb_rule *vb_rule_for(const struct vb_config *cfg, u32 virtio_id,
				  const char *dma_dev)
{
	const struct vb_rule *by_type = NULL;
	int i;

	for (i = cfg->nr_rules - 1; i >= 0; i--) {
		const struct vb_rule *r = &cfg->rules[i];

		if (!r->virtio_id && !strcmp(r->dma_dev, dma_dev))
			return r;
		if (r->virtio_id && r->virtio_id == virtio_id && !by_type)
			by_type = r;
	}
	return by_type;
}

static int __init vb_setup(char *str)
{
	char buf[256];

	strscpy(buf, str ?: "", sizeof(buf));
	if (vb_parse_options(buf, &vb_config))
		pr_warn("ignoring 'virtio_bounce=%s', keeping the default 'virtio_bounce=%s,pool=%zuK,max=%zuK,iommu=%s'\n",
			str ?: "", vb_mode_name(vb_config.mode),
			vb_config.pool_min >> 10, vb_config.pool_max >> 10,
			vb_config.iommu_detect ? "detect" : "unknown");
	return 0;
}
early_param("virtio_bounce", vb_setup);

/* ---- attach / detach ---------------------------------------------------- */

static const struct vb_backend_ops *const vb_backends[] = {
	[VB_BACKEND_IDENTITY] = &vb_identity_backend,
	[VB_BACKEND_PARENT] = &vb_parent_backend,
	[VB_BACKEND_XEN] = &vb_xen_backend,
};

#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
static void vb_set_dma_iommu(struct device *dev, bool on)
{
#ifdef CONFIG_IOMMU_DMA
	dev->dma_iommu = on;
#endif
}
#endif

#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
#define VB_BYPASS_MSG " (1:1: nothing installed, the DMA API maps it as dma-direct)"
#else
#define VB_BYPASS_MSG " (dma_ops_bypass: the DMA core maps 1:1 as dma-direct)"
#endif

/* Every decision is logged once per device and traced. */
static void vb_log_decision(struct device *dev, const char *name,
			    enum vb_mode mode, const struct vb_decision *d,
			    bool bypass)
{
	dev_info(dev, "virtio_bounce: %s: mode=%s backend=%s direct=%s rule=%s: %s%s\n",
		 name, vb_mode_name(mode), vb_backend_name(d->backend),
		 d->direct_ok ? "yes" : "no", d->rule, d->why,
		 bypass ? VB_BYPASS_MSG : "");
	trace_virtio_bounce_decide(name, vb_mode_name(mode),
				   vb_backend_name(d->backend), d->direct_ok,
				   d->why);
}

/* Leave @dev on its stock path, saying why. */
static void vb_not_claimed(struct device *dev, const char *name,
			   enum vb_mode mode, struct vb_decision *d,
			   const char *why)
{
	d->backend = VB_BACKEND_NONE;
	d->direct_ok = false;
	d->why = why;
	vb_log_decision(dev, name, mode, d, false);
}

#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
/* Give the device its previous DMA path back and free the state. */
static void vb_release(struct vb_dev *vd)
{
	struct device *dev = vd->dev;

	dev->dma_ops_bypass = false;
	set_dma_ops(dev, vd->parent_ops == get_arch_dma_ops() ? NULL :
			 vd->parent_ops);
	if (vd->cleared_dma_iommu)
		vb_set_dma_iommu(dev, true);
	/*
	 * dma_skip_sync stays false, as swiotlb leaves it: syncs then reach
	 * the previous path, which is always correct, and the next
	 * dma_set_mask() computes it afresh.
	 */
	vb_debugfs_del(vd);
	xa_destroy(&vd->fb_maps);
	vb_pool_destroy(vd);	/* chunks unmapped through the path restored above */
	dev_info(dev, "virtio_bounce: %s: released\n", vd->name);
	put_device(dev);
	kfree(vd);
}
#else
/* Nothing of ours is on the DMA device: free the state. */
static void vb_release(struct vb_dev *vd)
{
	vb_debugfs_del(vd);
	xa_destroy(&vd->fb_maps);
	vb_pool_destroy(vd);
	dev_info(vd->dev, "virtio_bounce: %s: released\n", vd->name);
	put_device(vd->dev);
	kfree(vd);
}
#endif

/* Mappings that would need this state to be undone. */
static unsigned long vb_live(struct vb_dev *vd)
{
	return vb_pool_in_use(vd) + vb_fb_live(vd);
}

#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
/*
 * A DMA device that carries our ops already.  Its owner keeps them
 * (*@mine), another live owner means the DMA device is shared, and a
 * state left draining by a driver gives way once its mappings are gone.
 * Return: NULL when @dev may be decided for, or why it is left alone.
 */
static const char *vb_take_over(struct device *dev, const void *owner,
				struct vb_dev **mine)
{
	struct vb_dev *vd;

	*mine = NULL;
	if (!vb_claimed(dev))
		return NULL;
	vd = to_vb_dev(dev);
	if (vd->owner == owner) {
		*mine = vd;
		return NULL;
	}
	if (vd->owner)
		return vb_why[VB_WHY_TAKEN];
	if (vb_live(vd))
		return vb_why[VB_WHY_LIVE];
	vb_release(vd);	/* left behind by a driver, now idle */
	return NULL;
}

#else
/* The state is the virtio device's own: the glue never attaches twice. */
static const char *vb_take_over(struct device *dev, const void *owner,
				struct vb_dev **mine)
{
	*mine = NULL;
	return NULL;
}
#endif

/* Does the previous path have arch or device ops (Xen PV: swiotlb-xen)? */
static bool vb_prev_has_ops(struct vb_dev *vd)
{
#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	return get_dma_ops(vd->dev);
#else
	return vd->parent == VB_PARENT_OPS;
#endif
}

static struct vb_dev *vb_dev_new(struct device *dev, const void *owner,
				 const char *name, const struct vb_config *cfg,
				 enum vb_mode mode, const struct vb_decision *d)
{
	struct vb_dev *vd = kzalloc(sizeof(*vd), GFP_KERNEL);

	if (!vd)
		return NULL;
#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	vb_ops_init(vd);
#endif
	vd->dev = get_device(dev);	/* a leaked state may outlive a driver */
	vd->owner = owner;
	strscpy(vd->name, name, sizeof(vd->name));
	vd->mode = mode;
	vd->d = *d;
	vd->be = vb_backends[d->backend];
	vd->pool_min = cfg->pool_min;
	vd->pool_max = cfg->pool_max;
	vd->shrink_interval = cfg->shrink_interval;
	vd->max_shift = min_t(unsigned int, vd->be->max_shift, VB_MAX_SHIFT);
	vd->builders = vb_builders();
	if (!vb_bypass(vd) ||
	    dma_get_mask(dev) < dma_direct_get_required_mask(dev))
		vd->reserve = vb_footprint(vd->builders);
	/*
	 * A max= below the reserve keeps the mode asked for: the pool is
	 * as small as progress allows, never none (that would fail open).
	 */
	if (vb_pool_prefilled(vd) && vd->pool_max < vd->reserve) {
		dev_warn(dev, "virtio_bounce: %s: max=%zuK raised to %zuK, the progress reserve: the smallest pool that always holds %u largest requests (%luK each, one per CPU) at once\n",
			 name, vd->pool_max >> 10, vd->reserve >> 10,
			 vd->builders, VB_REQ_BYTES >> 10);
		vd->pool_max = vd->reserve;
	}
	if (vb_pool_prefilled(vd))
		vd->pool_min = min(max(vd->pool_min, vd->reserve), vd->pool_max);
	xa_init_flags(&vd->fb_maps, XA_FLAGS_LOCK_IRQ);
	vb_prev_init(vd);
	return vd;
}

#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
/* Install our ops: from here on every map of @vd->dev reaches them. */
static void vb_install(struct vb_dev *vd)
{
	struct device *dev = vd->dev;

	vb_debugfs_add(vd);
	/* Our ops only run if the DMA core does not take the IOMMU path. */
	if (use_dma_iommu(dev)) {
		vd->cleared_dma_iommu = true;
		vb_set_dma_iommu(dev, false);
	}
	set_dma_ops(dev, &vd->ops);
	/*
	 * The 1:1 fast path costs what dma-direct costs because it is
	 * dma-direct: with dma_ops_bypass the DMA core maps, unmaps and
	 * syncs through dma-direct itself, with no call into our ops,
	 * whenever the device's mask covers all memory (dma_go_direct()).
	 * Everything else (a mask that does not cover all memory) still
	 * reaches vb_map_phys(): 1:1 where capable, bounced otherwise.
	 */
	dev->dma_ops_bypass = vb_bypass(vd);
	/*
	 * The transport set the DMA mask before we came (virtio-pci probes
	 * first), and dma_set_mask() then set dma_skip_sync for a coherent
	 * device with no ops: every dma_sync_*() and dma_need_sync() would
	 * skip our ops.  A device that bounces must see its syncs; a bypass
	 * device keeps dma-direct's value until its first bounce
	 * (vb_bounce(), as swiotlb does).
	 */
	if (!vb_bypass(vd))
		dma_reset_need_sync(dev);
}

#else
/* The glue installs the virtio_map_ops; nothing goes on the DMA device. */
static void vb_install(struct vb_dev *vd)
{
	vb_debugfs_add(vd);
}
#endif

/*
 * Decide for one device and claim it if the table says so; *@mode and *@d
 * say what was decided (d->backend is VB_BACKEND_NONE when not claimed).
 */
static struct vb_dev *vb_choose(struct device *dev, const void *owner,
				const char *name, const struct vb_policy_in *in,
				const struct vb_config *cfg, enum vb_mode *mode,
				struct vb_decision *d)
{
	const struct vb_rule *rule = vb_rule_for(cfg, in->virtio_id,
						 dev_name(dev));
	struct vb_dev *vd;
	const char *why;
	int err = 0;

	*mode = rule ? rule->mode : cfg->mode;
	d->rule = rule ? rule->text : "default";
	if (WARN_ON_ONCE(!owner))	/* NULL is vb_draining()'s mark */
		return NULL;
	why = vb_take_over(dev, owner, &vd);
	if (vd) {
		*mode = vd->mode;
		*d = vd->d;
		return vd;
	}
	if (why)
		goto not_claimed;

	vb_decide(*mode, in, d);
	if (d->backend == VB_BACKEND_NONE) {
		vb_log_decision(dev, name, *mode, d, false);
		return NULL;
	}
	why = vb_why[VB_WHY_NO_MASK];
	if (!dev->dma_mask)
		goto not_claimed;
#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	/* 1:1 is the DMA API itself: install nothing, not even a pool. */
	if (d->backend == VB_BACKEND_IDENTITY && d->direct_ok) {
		vb_log_decision(dev, name, *mode, d, true);
		return NULL;
	}
#endif

	vd = vb_dev_new(dev, owner, name, cfg, *mode, d);
	err = -ENOMEM;
	if (!vd)
		goto free;
	err = 0;
	why = vb_why[VB_WHY_NO_SWIOTLB_XEN];
	if (d->backend == VB_BACKEND_XEN && !vb_prev_has_ops(vd))
		goto free;
	err = vb_pool_init(vd);
	if (err) {
		dev_warn(dev, "virtio_bounce: %s: could not set up the pool (%d), device keeps its stock DMA path\n",
			 name, err);
		goto free;
	}
	if (vb_pool_prefilled(vd) && !vd->pool_bytes) {
		/*
		 * Not one chunk could be made (e.g. a failed Xen exchange):
		 * keep the stock path rather than a device that cannot map.
		 */
		dev_warn(dev, "virtio_bounce: %s: %s backend could not create its pool, device keeps its stock DMA path\n",
			 name, vd->be->name);
		why = vb_why[VB_WHY_NO_CHUNK];
		vb_pool_destroy(vd);
		goto free;
	}
	if (vb_pool_prefilled(vd) && vd->pool_bytes < vd->reserve)
		dev_warn(dev, "virtio_bounce: %s: only %zuK of the %zuK progress reserve could be allocated: requests may wait for the pool to grow\n",
			 name, vd->pool_bytes >> 10, vd->reserve >> 10);
	vb_log_decision(dev, name, *mode, d, vb_bypass(vd));
	vb_install(vd);
	return vd;

free:
	if (vd)
		put_device(vd->dev);
	kfree(vd);
	if (err) {
		d->backend = VB_BACKEND_NONE;
		d->direct_ok = false;
		d->why = vb_why[VB_WHY_NO_POOL];
		return ERR_PTR(err);
	}
not_claimed:
	vb_not_claimed(dev, name, *mode, d, why);
	return NULL;
}

/**
 * vb_attach_cfg() - decide for one device and claim it if the table says so
 * @dev: the DMA device
 * @owner: the virtio device it is claimed for
 * @name: name for messages and debugfs
 * @in: facts about the device
 * @cfg: settings to use (the device's rule, if any, picks the mode)
 *
 * Return: the new per-device state (or @owner's existing one), NULL when
 * the device is not claimed (stock path) or @owner is NULL, or an ERR_PTR.
 */
struct vb_dev *vb_attach_cfg(struct device *dev, const void *owner,
			     const char *name, const struct vb_policy_in *in,
			     const struct vb_config *cfg)
{
	struct vb_decision d;
	enum vb_mode mode;

	return vb_choose(dev, owner, name, in, cfg, &mode, &d);
}

/* What the DMA side knows about @dma_dev; the virtio side told us @info. */
static void vb_facts(struct device *dma_dev, const struct vb_attach_info *info,
		     struct vb_policy_in *in)
{
	in->xen_pv = xen_pv_domain();
	/*
	 * Only ask: under Xen, per-device DMA ops on a virtio device's DMA
	 * device are the grant ops that virtio_features_ok() had
	 * xen_virtio_restricted_mem_acc() install (calling that again would
	 * set them up twice: "Xen grant DMA data is already created").
	 */
#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	in->foreign_ops = dma_dev->dma_ops && !vb_claimed(dma_dev);
#elif defined(CONFIG_ARCH_HAS_DMA_OPS)
	in->foreign_ops = dma_dev->dma_ops;
#endif
	in->xen_grant = xen_domain() && in->foreign_ops;
	in->shared_dma = !info->own_dma_dev;
	in->mem_encrypted = force_dma_unencrypted(dma_dev);
	in->iommu_dma = use_dma_iommu(dma_dev);
	in->iommu_detectable = vb_config.iommu_detect;
	in->access_platform = info->access_platform;
	in->dma_mask = dma_get_mask(dma_dev);
	in->virtio_id = info->virtio_id;
}

/* The request bound behind the progress reserve (vb_footprint()). */
static size_t vb_request_bound(const struct vb_dev *vd)
{
	return vb_pool_prefilled(vd) ? VB_REQ_BYTES : SIZE_MAX;
}

#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
/**
 * vb_attach() - decide for one device with the boot-time settings
 * @dma_dev: the DMA device
 * @owner: the virtio device it is claimed for
 * @info: what the virtio core knows about it
 *
 * Return: 0 (claimed or left on its stock path) or a negative errno; the
 * device is usable either way.
 */
int vb_attach(struct device *dma_dev, const void *owner,
	      const struct vb_attach_info *info)
{
	struct vb_policy_in in = {};
	struct vb_decision d;
	enum vb_mode mode;
	struct vb_dev *vd;

	vb_facts(dma_dev, info, &in);
	vd = vb_choose(dma_dev, owner, info->name, &in, &vb_config, &mode, &d);
	vb_rec_set(info->index, mode, &d, IS_ERR(vd) ? NULL : vd);
	return PTR_ERR_OR_ZERO(vd);
}

/**
 * vb_detach() - give the device its previous DMA path back
 * @dma_dev: the DMA device
 * @owner: the virtio device it was claimed for; another owner's detach
 *	changes nothing
 *
 * If mappings made through the pool are still live (a driver that maps on
 * the DMA device and keeps them past remove, e.g. GEM objects), the state
 * stays: our ops remain installed to copy back and free those slots, and
 * every new mapping takes the previous DMA path.  The state is released
 * when the device is next attached with no mapping left.
 */
void vb_detach(struct device *dma_dev, const void *owner)
{
	struct vb_dev *vd;
	unsigned long live;

	if (!vb_claimed_by(dma_dev, owner))
		return;
	vd = to_vb_dev(dma_dev);
	live = vb_live(vd);
	if (!live) {
		vb_release(vd);
		return;
	}
	WRITE_ONCE(vd->owner, NULL);	/* vb_draining() from now on */
	cancel_delayed_work_sync(&vd->shrink_work);
	vb_flush_caches(vd);
	vb_shrink(vd, 0, -1, false);	/* idle chunks go now */
	dev_warn(dma_dev, "virtio_bounce: %s: driver released the device with %lu mappings still live: the pool stays until they are unmapped, new mappings take the previous DMA path\n",
		 vd->name, live);
}

/**
 * vb_max_request() - the largest request a claimed device may be sent
 * @dma_dev: a DMA device vb_claimed_by() its virtio device
 *
 * Return: %VB_REQ_BYTES when it may bounce, SIZE_MAX on the 1:1 bypass.
 */
size_t vb_max_request(struct device *dma_dev)
{
	return vb_request_bound(to_vb_dev(dma_dev));
}
#else
/**
 * vb_attach() - decide for one device with the boot-time settings
 * @dma_dev: the DMA device
 * @owner: the virtio device
 * @info: what the virtio core knows about it
 *
 * Return: the state whose virtio_map_ops the virtio device must use, NULL
 * when it keeps the DMA API, or an ERR_PTR (it keeps the DMA API too).
 */
struct vb_dev *vb_attach(struct device *dma_dev, const void *owner,
			 const struct vb_attach_info *info)
{
	struct vb_policy_in in = {};
	struct vb_decision d;
	enum vb_mode mode;
	struct vb_dev *vd;

	vb_facts(dma_dev, info, &in);
	vd = vb_choose(dma_dev, owner, info->name, &in, &vb_config, &mode, &d);
	vb_rec_set(info->index, mode, &d, IS_ERR(vd) ? NULL : vd);
	return vd;
}

/**
 * vb_detach() - free a virtio device's state once its virtqueues are gone
 * @vd: from vb_attach()
 *
 * Every mapping goes with the virtqueues; one still live is a driver bug,
 * and its slots are leaked rather than freed under the device.
 */
void vb_detach(struct vb_dev *vd)
{
	unsigned long live = vb_live(vd);

	if (live) {
		/*
		 * Nothing can unmap them any more (the glue takes our ops off
		 * the virtio device).  Leak the pool, but stop all that runs
		 * on its own: the shrink worker would unmap idle chunks through
		 * a DMA device that may be gone by then.  The state keeps its
		 * reference to the DMA device.
		 */
		dev_warn(vd->dev, "virtio_bounce: %s: %lu mappings still live after the driver left: leaking the pool\n",
			 vd->name, live);
		vb_debugfs_del(vd);
		vb_pool_quiesce(vd);
		return;
	}
	vb_release(vd);
}

/**
 * vb_max_request() - the largest request a claimed device may be sent
 * @vd: from vb_attach()
 *
 * Return: %VB_REQ_BYTES when it may bounce, SIZE_MAX otherwise.
 */
size_t vb_max_request(struct vb_dev *vd)
{
	return vb_request_bound(vd);
}
#endif
