// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_bounce: a per-device bounce-buffer DMA backend for virtio.
 *
 * This file sets devices up: the boot parameter, the decision table, and
 * the attach both seams share (vb_attach_dev()).  The virtio core calls
 * virtio_bounce_attach() for each device once its features are final;
 * the policy (vb_decide()) picks a translation backend, and a claimed
 * device gets its mapping path from the seam of this kernel:
 * virtio_bounce_vmap.c (struct virtio_map_ops) or virtio_bounce_dmaops.c
 * (struct dma_map_ops).  The map engine is in virtio_bounce_map.c, the
 * backends in virtio_bounce_backend.c and virtio_bounce_xen.c, the pool
 * in virtio_bounce_pool.c, sysfs and debugfs in their own files.
 */
#define pr_fmt(fmt) "virtio_bounce: " fmt
#define dev_fmt(fmt) pr_fmt(fmt)

#include <linux/ctype.h>
#include <linux/dma-direct.h>
#include <linux/iommu-dma.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <xen/xen.h>

#include "virtio_bounce_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/virtio_bounce.h>

struct vb_config vb_config = {
	.mode = VB_MODE_OFF,
	.pool_min = SZ_4M,
	.pool_max = SZ_64M,
	/* Firmware tables (ACPI DMAR/IVRS on x86) describe every IOMMU. */
	.iommu_detect = true,
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

const char * const vb_why[] = {
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

/* The same rows as short tokens: sysfs and the decision line (why=). */
static const char * const vb_why_tokens[] = {
	[VB_WHY_OFF] = "off",
	[VB_WHY_GRANT] = "xen-grant",
	[VB_WHY_SHARED] = "shared-dma-dev",
	[VB_WHY_ENCRYPTED] = "mem-encrypted",
	[VB_WHY_FOREIGN] = "foreign-ops",
	[VB_WHY_MASK] = "mask-below-32",
	[VB_WHY_XEN_ON] = "xen-pv-on",
	[VB_WHY_XEN_FORCE] = "xen-pv-force",
	[VB_WHY_LEGACY_IOMMU_ON] = "legacy-iommu-on",
	[VB_WHY_LEGACY_IOMMU_FORCE] = "legacy-iommu-force",
	[VB_WHY_LEGACY_ON] = "legacy-on",
	[VB_WHY_LEGACY_FORCE] = "legacy-force",
	[VB_WHY_IOMMU] = "iommu-dma",
	[VB_WHY_UNDETECTABLE] = "iommu-unknown",
	[VB_WHY_NO_IOMMU_ON] = "no-iommu-on",
	[VB_WHY_NO_IOMMU_FORCE] = "no-iommu-force",
	[VB_WHY_TAKEN] = "dma-dev-taken",
	[VB_WHY_LIVE] = "dma-dev-live",
	[VB_WHY_NO_MASK] = "no-dma-mask",
	[VB_WHY_NO_SWIOTLB_XEN] = "no-swiotlb-xen",
	[VB_WHY_NO_CHUNK] = "no-chunk",
	[VB_WHY_NO_POOL] = "no-pool",
	[VB_WHY_BALLOON] = "balloon",
};

static_assert(ARRAY_SIZE(vb_why_tokens) == VB_WHY_BALLOON + 1);

/**
 * vb_why_token() - the short token of a decision's reason
 * @why: one of vb_why[]
 *
 * Return: a constant string, "?" for a reason not in the table.
 */
const char *vb_why_token(const char *why)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vb_why_tokens); i++)
		if (vb_why[i] == why)
			return vb_why_tokens[i];
	return "?";
}

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

/*
 * The DMA device a rule names, as dev_name() spells it, into @out: a PCI
 * function in the kernel's PCI device syntax ([<domain>:]<bus>:<slot>.<fn>,
 * hex, as pci= takes it), or a platform device's name as the kernel gives
 * it (a000000.virtio_mmio, virtio-mmio.0).
 */
static bool vb_dev_selector(const char *sel, char *out, size_t len)
{
	unsigned int dom = 0, bus, slot, fn;
	size_t i;
	int n = 0;

	/* Hex digits only: the kernel's %x would take a "0x" prefix too. */
	if (!sel[strspn(sel, "0123456789abcdefABCDEF:.")] &&
	    (sscanf(sel, "%x:%x:%x.%x%n", &dom, &bus, &slot, &fn, &n) == 4 ||
	     sscanf(sel, "%x:%x.%x%n", &bus, &slot, &fn, &n) == 3) && !sel[n]) {
		if (dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7)
			return false;
		snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
		return true;
	}
	if (!strchr(sel, '.') || strchr(sel, ':'))
		return false;
	for (i = 0; sel[i]; i++)
		if (!isalnum(sel[i]) && !strchr("._-", sel[i]))
			return false;
	return strscpy(out, sel, len) > 0;
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
		pr_warn("bad rule '%s' (<type>:<mode> or <device>:<mode>, mode off|on|force)\n",
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
	if (vb_dev_selector(sel, r->dma_dev, sizeof(r->dma_dev)))
		return true;
	pr_warn("rule '%s': '%s' is neither a virtio device type (blk, net, ...) nor a device name (0000:00:04.0, 00:04.0, a000000.virtio_mmio)\n",
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
	size_t lo = max_t(size_t, 1UL << VB_CHUNK_SHIFT, floor);

	/* See vb_footprint(): below the floor a request may never be mapped. */
	if (pool_max < lo || pool_max > SZ_1G) {
		pr_warn("bad size max=%zuK (%zuK..1G%s)\n", pool_max >> 10, lo >> 10,
			lo > (1UL << VB_CHUNK_SHIFT) ?
			": not below the progress reserve, a largest request per CPU" : "");
		return -EINVAL;
	}
	if (pool_min > pool_max) {
		pr_warn("pool=%zuK is above max=%zuK\n", pool_min >> 10,
			pool_max >> 10);
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

/*
 * Every decision is traced and recorded in sysfs, and logged once per
 * device: at info level unless it is the default off, which a kernel
 * built with virtio_bounce but booted without it would otherwise print
 * for every virtio device on every boot.
 */
static void vb_log_decision(struct device *dev, const char *name,
			    enum vb_mode mode, const struct vb_decision *d,
			    bool bypass)
{
	if (mode == VB_MODE_OFF && !strcmp(d->rule, "default"))
		dev_dbg(dev, "%s: mode=off rule=default: %s\n",
			name, d->why);
	else
		dev_info(dev, "%s: mode=%s backend=%s direct=%s rule=%s why=%s: %s%s\n",
			 name, vb_mode_name(mode), vb_backend_name(d->backend),
			 d->direct_ok ? "yes" : "no", d->rule,
			 vb_why_token(d->why), d->why,
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

/* Mappings that would need this state to be undone. */
unsigned long vb_live(struct vb_dev *vd)
{
	return vb_pool_in_use(vd) + vb_fb_live(vd);
}

static struct vb_dev *vb_dev_new(struct device *dev, const void *owner,
				 const char *name, const struct vb_config *cfg,
				 enum vb_mode mode, const struct vb_decision *d)
{
	struct vb_dev *vd = kzalloc(sizeof(*vd), GFP_KERNEL);

	if (!vd)
		return NULL;
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
		dev_warn(dev, "%s: max=%zuK raised to %zuK, the progress reserve (%u requests of %luK)\n",
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

/**
 * vb_attach_cfg() - decide for one device and claim it if the table says so
 * @dev: the DMA device
 * @owner: the virtio device it is claimed for
 * @name: name for messages and debugfs
 * @in: facts about the device
 * @cfg: settings to use (the device's rule, if any, picks the mode)
 * @mode: set to the mode in force for the device
 * @d: set to the decision (d->backend is VB_BACKEND_NONE when not claimed)
 *
 * Return: the new per-device state (or @owner's existing one), NULL when
 * the device is not claimed (stock path) or @owner is NULL, or an ERR_PTR.
 */
struct vb_dev *vb_attach_cfg(struct device *dev, const void *owner,
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
	if (vb_keeps_dma_api(d)) {
		vb_log_decision(dev, name, *mode, d, true);
		return NULL;
	}

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
		dev_warn(dev, "%s: could not set up the pool (%d), device keeps its stock DMA path\n",
			 name, err);
		goto free;
	}
	if (vb_pool_prefilled(vd) && !vd->pool_bytes) {
		/*
		 * Not one chunk could be made (e.g. a failed Xen exchange):
		 * keep the stock path rather than a device that cannot map.
		 */
		dev_warn(dev, "%s: %s backend could not create its pool, device keeps its stock DMA path\n",
			 name, vd->be->name);
		why = vb_why[VB_WHY_NO_CHUNK];
		vb_pool_destroy(vd);
		goto free;
	}
	if (vb_pool_prefilled(vd) && vd->pool_bytes < vd->reserve)
		dev_warn(dev, "%s: only %zuK of the %zuK progress reserve could be allocated: requests may wait for the pool to grow\n",
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

/*
 * Transports whose DMA device is a function of their own, used by this
 * one virtio device and nothing else.  virtio_vdpa, for one, maps through
 * the vDPA parent (e.g. an mlx5 PF that the NIC, RDMA and the firmware
 * use too): claiming that would reroute everyone's DMA.
 */
static bool vb_dma_dev_own(struct device *dma_dev)
{
	const char *drv = dma_dev->driver ? dma_dev->driver->name : NULL;

	return drv && (!strcmp(drv, "virtio-pci") || !strcmp(drv, "virtio-mmio"));
}

/**
 * vb_virtio_info() - what only the virtio core knows about @vdev
 * @vdev: a virtio device whose features are final
 * @info: filled in for the decision
 */
void vb_virtio_info(struct virtio_device *vdev, struct vb_attach_info *info)
{
	*info = (struct vb_attach_info){
		.name = dev_name(&vdev->dev),
		.access_platform = virtio_has_feature(vdev,
						      VIRTIO_F_ACCESS_PLATFORM),
		.own_dma_dev = vb_dma_dev_own(vdev->dev.parent),
		.virtio_id = vdev->id.device,
		.index = vdev->index,
	};
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
	in->foreign_ops = vb_foreign_ops(dma_dev);
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
size_t vb_request_bound(const struct vb_dev *vd)
{
	return vb_pool_prefilled(vd) ? VB_REQ_BYTES : SIZE_MAX;
}

/**
 * vb_attach_dev() - decide for one device with the boot-time settings
 * @dma_dev: the DMA device
 * @owner: the virtio device it is claimed for
 * @info: what the virtio core knows about it
 *
 * Both seams' vb_attach(): the decision is recorded for sysfs.
 *
 * Return: the device's state when claimed, NULL when it keeps its stock
 * path, or an ERR_PTR (it keeps its stock path too).
 */
struct vb_dev *vb_attach_dev(struct device *dma_dev, const void *owner,
			     const struct vb_attach_info *info)
{
	struct vb_policy_in in = {};
	struct vb_decision d;
	enum vb_mode mode;
	struct vb_dev *vd;

	vb_facts(dma_dev, info, &in);
	vd = vb_attach_cfg(dma_dev, owner, info->name, &in, &vb_config, &mode,
			   &d);
	if (!IS_ERR_OR_NULL(vd))
		vb_max_restore(vd);
	vb_rec_set(info->index, mode, &d, IS_ERR(vd) ? NULL : vd);
	return vd;
}
