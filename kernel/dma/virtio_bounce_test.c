// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for virtio_bounce: policy, boot parameter, pool, per-CPU
 * caches and the seam's ops, on a KUnit device.  With dma_map_ops on the
 * DMA device (the 6.12 seam) they go through the real DMA API, so that
 * CONFIG_DMA_API_DEBUG checks every call; with virtio_map_ops they call
 * the ops with the device's token, as the virtio core does (the vbt_*()
 * helpers below are the only difference).
 *
 * The tests use the identity backend: a device address is a physical
 * address, so "the device" reads and writes a slot at phys_to_virt(dma).
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_config.h>

#include "virtio_bounce_internal.h"

struct vb_test_ctx {
	struct device *dev;
	struct vb_dev *vd;
	struct device_dma_parameters parms;
};

/* vb_attach_cfg() without the decision's details. */
static struct vb_dev *vbt_attach_cfg(struct device *dev, const void *owner,
				     const char *name,
				     const struct vb_policy_in *in,
				     const struct vb_config *cfg)
{
	struct vb_decision d;
	enum vb_mode mode;

	return vb_attach_cfg(dev, owner, name, in, cfg, &mode, &d);
}

/*
 * The seam under test.  A device claimed through virtio_map_ops is mapped
 * by the virtio core calling vb_virtio_map_ops with its token, one sg
 * entry at a time; anything else (a device left on the stock path) goes
 * through the DMA API, as virtio_ring does.
 */
#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
static struct vb_dev *vbt_claimed_vd;	/* the tests claim one at a time */

static struct vb_dev *vbt_vd(struct device *dev)
{
	struct vb_dev *vd = READ_ONCE(vbt_claimed_vd);

	return vd && vd->dev == dev ? vd : NULL;
}

static union virtio_map vbt_token(struct vb_dev *vd)
{
	return (union virtio_map){ .bounce = vd };
}

static dma_addr_t vbt_raw_map(struct device *dev, struct page *page,
			      unsigned long off, size_t len,
			      enum dma_data_direction dir, unsigned long attrs)
{
	return vb_virtio_map_ops.map_page(vbt_token(vbt_vd(dev)), page, off,
					  len, dir, attrs);
}

static void vbt_raw_unmap(struct device *dev, dma_addr_t dma, size_t len,
			  enum dma_data_direction dir, unsigned long attrs)
{
	vb_virtio_map_ops.unmap_page(vbt_token(vbt_vd(dev)), dma, len, dir,
				     attrs);
}

static void vbt_raw_sync_for_cpu(struct device *dev, dma_addr_t dma,
				 size_t len, enum dma_data_direction dir)
{
	vb_virtio_map_ops.sync_single_for_cpu(vbt_token(vbt_vd(dev)), dma, len,
					      dir);
}

static dma_addr_t vbt_map_attrs(struct device *dev, void *buf, size_t len,
				enum dma_data_direction dir,
				unsigned long attrs)
{
	if (!vbt_vd(dev))
		return dma_map_single_attrs(dev, buf, len, dir, attrs);
	return vbt_raw_map(dev, virt_to_page(buf), offset_in_page(buf), len,
			   dir, attrs);
}

static dma_addr_t vbt_map(struct device *dev, void *buf, size_t len,
			  enum dma_data_direction dir)
{
	return vbt_map_attrs(dev, buf, len, dir, 0);
}

static void vbt_unmap(struct device *dev, dma_addr_t dma, size_t len,
		      enum dma_data_direction dir)
{
	if (!vbt_vd(dev))
		dma_unmap_single(dev, dma, len, dir);
	else
		vbt_raw_unmap(dev, dma, len, dir, 0);
}

static int vbt_mapping_error(struct device *dev, dma_addr_t dma)
{
	if (!vbt_vd(dev))
		return dma_mapping_error(dev, dma);
	return vb_virtio_map_ops.mapping_error(vbt_token(vbt_vd(dev)), dma);
}

static void vbt_sync_for_cpu(struct device *dev, dma_addr_t dma, size_t len,
			     enum dma_data_direction dir)
{
	if (!vbt_vd(dev))
		dma_sync_single_for_cpu(dev, dma, len, dir);
	else
		vbt_raw_sync_for_cpu(dev, dma, len, dir);
}

static void vbt_sync_for_device(struct device *dev, dma_addr_t dma,
				size_t len, enum dma_data_direction dir)
{
	if (!vbt_vd(dev))
		dma_sync_single_for_device(dev, dma, len, dir);
	else
		vb_virtio_map_ops.sync_single_for_device(vbt_token(vbt_vd(dev)),
							 dma, len, dir);
}

static bool vbt_need_sync(struct device *dev, dma_addr_t dma)
{
	if (!vbt_vd(dev))
		return dma_need_sync(dev, dma);
	return vb_virtio_map_ops.need_sync(vbt_token(vbt_vd(dev)), dma);
}

/* virtio_map_ops has no sg calls: the ring maps entry by entry. */
static int vbt_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		      enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i, j;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = vbt_raw_map(dev, sg_page(sg), sg->offset,
					      sg->length, dir, 0);
		if (sg->dma_address == DMA_MAPPING_ERROR)
			goto unwind;
		sg_dma_len(sg) = sg->length;
	}
	return nents;
unwind:
	for_each_sg(sgl, sg, i, j)
		vbt_raw_unmap(dev, sg->dma_address, sg->length, dir, 0);
	return 0;
}

static void vbt_unmap_sg(struct device *dev, struct scatterlist *sgl,
			 int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vbt_raw_unmap(dev, sg->dma_address, sg_dma_len(sg), dir, 0);
}

static void vbt_sync_sg_for_device(struct device *dev, struct scatterlist *sgl,
				   int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vbt_sync_for_device(dev, sg->dma_address, sg_dma_len(sg), dir);
}

static void *vbt_alloc_coherent(struct device *dev, size_t len,
				dma_addr_t *dma, gfp_t gfp)
{
	if (!vbt_vd(dev))
		return dma_alloc_coherent(dev, len, dma, gfp);
	return vb_virtio_map_ops.alloc(vbt_token(vbt_vd(dev)), len, dma, gfp);
}

static void vbt_free_coherent(struct device *dev, size_t len, void *p,
			      dma_addr_t dma)
{
	if (!vbt_vd(dev))
		dma_free_coherent(dev, len, p, dma);
	else
		vb_virtio_map_ops.free(vbt_token(vbt_vd(dev)), len, p, dma, 0);
}

static size_t vbt_max_mapping_size(struct device *dev)
{
	if (!vbt_vd(dev))
		return dma_max_mapping_size(dev);
	return vb_virtio_map_ops.max_mapping_size(vbt_token(vbt_vd(dev)));
}

static void vbt_claimed(struct vb_dev *vd)
{
	WRITE_ONCE(vbt_claimed_vd, vd);
}

static bool vbt_is_claimed(struct device *dev)
{
	return vbt_vd(dev);
}

static void vbt_detach(struct kunit *test, struct vb_test_ctx *ctx)
{
	if (ctx->vd)
		vb_detach(ctx->vd);
	WRITE_ONCE(vbt_claimed_vd, NULL);
}
#else
/* dma_map_ops on the DMA device: the DMA API is the seam. */
#define vbt_map			dma_map_single
#define vbt_map_attrs		dma_map_single_attrs
#define vbt_unmap		dma_unmap_single
#define vbt_mapping_error	dma_mapping_error
#define vbt_sync_for_cpu	dma_sync_single_for_cpu
#define vbt_sync_for_device	dma_sync_single_for_device
#define vbt_need_sync		dma_need_sync
#define vbt_map_sg		dma_map_sg
#define vbt_unmap_sg		dma_unmap_sg
#define vbt_sync_sg_for_device	dma_sync_sg_for_device
#define vbt_alloc_coherent	dma_alloc_coherent
#define vbt_free_coherent	dma_free_coherent
#define vbt_max_mapping_size	dma_max_mapping_size
/* Called on the ops directly: DMA_API_DEBUG would flag these calls first. */
static dma_addr_t vbt_raw_map(struct device *dev, struct page *page,
			      unsigned long off, size_t len,
			      enum dma_data_direction dir, unsigned long attrs)
{
	return get_dma_ops(dev)->map_page(dev, page, off, len, dir, attrs);
}

static void vbt_raw_unmap(struct device *dev, dma_addr_t dma, size_t len,
			  enum dma_data_direction dir, unsigned long attrs)
{
	get_dma_ops(dev)->unmap_page(dev, dma, len, dir, attrs);
}

static void vbt_raw_sync_for_cpu(struct device *dev, dma_addr_t dma,
				 size_t len, enum dma_data_direction dir)
{
	get_dma_ops(dev)->sync_single_for_cpu(dev, dma, len, dir);
}

static void vbt_claimed(struct vb_dev *vd)
{
}

static bool vbt_is_claimed(struct device *dev)
{
	return vb_claimed(dev);
}

static void vbt_detach(struct kunit *test, struct vb_test_ctx *ctx)
{
	vb_detach(ctx->dev, ctx);
	KUNIT_EXPECT_FALSE(test, ctx->dev->dma_ops_bypass);
}
#endif

static const struct vb_policy_in vb_plain_in = {
	.access_platform = true,
	.iommu_detectable = true,
	.dma_mask = DMA_BIT_MASK(64),
};

/* Claim the fresh KUnit device with @cfg for a device described by @in. */
static struct vb_dev *vb_test_claim_cfg(struct kunit *test,
					const struct vb_config *cfg,
					const struct vb_policy_in *in)
{
	struct vb_test_ctx *ctx = test->priv;
	struct vb_dev *vd;

	vd = vbt_attach_cfg(ctx->dev, ctx, "vbtest", in, cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vd);
	vbt_claimed(vd);
	KUNIT_ASSERT_TRUE(test, vbt_is_claimed(ctx->dev));
	ctx->vd = vd;
	return vd;
}

/* Claim a fresh KUnit device with the given mode and pool bounds. */
static struct vb_dev *vb_test_claim(struct kunit *test, enum vb_mode mode,
				    size_t pool_min, size_t pool_max)
{
	struct vb_config cfg = {
		.mode = mode,
		.pool_min = pool_min,
		.pool_max = pool_max,
		.iommu_detect = true,
		.shrink_interval = 0,	/* tests shrink by hand */
	};

	return vb_test_claim_cfg(test, &cfg, &vb_plain_in);
}

/*
 * Test only: give up @vd's progress reserve for a pool of @bytes whose
 * chunks stay in class @cls, to see what happens when it runs out.  The
 * peak starts again from there.
 */
static void vbt_small_pool(struct kunit *test, struct vb_dev *vd,
			   size_t bytes, int cls)
{
	vb_flush_caches(vd);
	vd->pool_min = bytes;
	WRITE_ONCE(vd->pool_max, bytes);
	vb_shrink(vd, bytes, cls, false);	/* the other classes first */
	vb_shrink(vd, bytes, -1, false);
	KUNIT_ASSERT_EQ(test, vd->pool_bytes, bytes);
	vd->pool_peak = bytes;
}

static int vb_test_init(struct kunit *test)
{
	struct vb_test_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->dev = kunit_device_register(test, "virtio_bounce_test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->dev);
	ctx->dev->dma_parms = &ctx->parms;
	/*
	 * As virtio-pci does before virtio_bounce sees the device: the mask
	 * is set with no ops installed, so dma_set_mask() sets dma_skip_sync
	 * on a coherent device (unless DMA_API_DEBUG forces every sync).
	 */
	ctx->dev->dma_mask = &ctx->dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(ctx->dev, DMA_BIT_MASK(64)), 0);
	dma_set_max_seg_size(ctx->dev, SZ_4M);
	test->priv = ctx;
	return 0;
}

static void vb_test_exit(struct kunit *test)
{
	struct vb_test_ctx *ctx = test->priv;

	if (ctx->vd)
		KUNIT_EXPECT_EQ(test, vb_pool_in_use(ctx->vd), 0UL);
	vbt_detach(test, ctx);
	KUNIT_EXPECT_FALSE(test, vbt_is_claimed(ctx->dev));
	ctx->dev->dma_parms = NULL;
}

static unsigned long st(struct vb_dev *vd, enum vb_stat s)
{
	return vb_stat_sum(vd, s);
}

/* What the device sees at @dma (identity backend). */
static u8 *dev_view(dma_addr_t dma)
{
	return phys_to_virt(dma);
}

static void fill(void *p, size_t n, u32 seed)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (u8)(seed + i * 7 + (i >> 8));
}

static bool check(const void *p, size_t n, u32 seed)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != (u8)(seed + i * 7 + (i >> 8)))
			return false;
	return true;
}

static bool in_pool(struct vb_dev *vd, dma_addr_t dma)
{
	bool r;

	rcu_read_lock();
	r = !!vb_find_slot(vd, dma);
	rcu_read_unlock();
	return r;
}

/* Map 512 bytes to the device through @vd's pool: the device sees them. */
static void vb_bounce_one(struct kunit *test, struct vb_dev *vd, u8 *buf,
			  u32 seed)
{
	struct device *dev = vd->dev;
	dma_addr_t dma;

	fill(buf, 512, seed);
	dma = vbt_map(dev, buf, 512, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	KUNIT_EXPECT_TRUE(test, in_pool(vd, dma));
	KUNIT_EXPECT_TRUE(test, check(dev_view(dma), 512, seed));
	vbt_unmap(dev, dma, 512, DMA_TO_DEVICE);
}

/* ---- policy and parameters ------------------------------------------- */

/* A row's inputs as flags, to keep the table readable. */
#define XPV	BIT(0)	/* xen_pv */
#define GRANT	BIT(1)	/* xen_grant */
#define FOPS	BIT(2)	/* foreign_ops */
#define IDMA	BIT(3)	/* iommu_dma */
#define DETECT	BIT(4)	/* iommu_detectable */
#define AP	BIT(5)	/* access_platform */
#define SHARED	BIT(6)	/* shared_dma */
#define ENC	BIT(7)	/* mem_encrypted */
#define M64	DMA_BIT_MASK(64)
#define M32	DMA_BIT_MASK(32)
#define M31	DMA_BIT_MASK(31)

struct vb_policy_case {
	const char *name;
	enum vb_mode mode;
	unsigned int in;
	u64 mask;
	enum vb_backend backend;
	bool direct_ok;
};

static const struct vb_policy_case vb_policy_cases[] = {
	{ "off",               VB_MODE_OFF,   AP | DETECT,        M64, VB_BACKEND_NONE,     false },
	{ "on plain",          VB_MODE_ON,    AP | DETECT,        M64, VB_BACKEND_IDENTITY, true },
	{ "force plain",       VB_MODE_FORCE, AP | DETECT,        M64, VB_BACKEND_IDENTITY, false },
	{ "on legacy",         VB_MODE_ON,    DETECT,             M64, VB_BACKEND_IDENTITY, true },
	{ "on legacy+iommu",   VB_MODE_ON,    IDMA | DETECT,      M64, VB_BACKEND_IDENTITY, true },
	{ "on iommu",          VB_MODE_ON,    AP | IDMA | DETECT, M64, VB_BACKEND_PARENT,   false },
	{ "force iommu",       VB_MODE_FORCE, AP | IDMA | DETECT, M64, VB_BACKEND_PARENT,   false },
	{ "on undetectable",   VB_MODE_ON,    AP,                 M64, VB_BACKEND_PARENT,   false },
	{ "on undetect. leg.", VB_MODE_ON,    0,                  M64, VB_BACKEND_IDENTITY, true },
	{ "on xen pv",         VB_MODE_ON,    XPV | DETECT,       M64, VB_BACKEND_XEN,      true },
	{ "force xen pv",      VB_MODE_FORCE, XPV | AP,           M64, VB_BACKEND_XEN,      false },
	{ "on xen grant",      VB_MODE_ON,    XPV | GRANT | AP,   M64, VB_BACKEND_NONE,     false },
	{ "force foreign ops", VB_MODE_FORCE, FOPS | AP,          M64, VB_BACKEND_NONE,     false },
	{ "on 31-bit mask",    VB_MODE_ON,    AP | DETECT,        M31, VB_BACKEND_NONE,     false },
	{ "on 32-bit mask",    VB_MODE_ON,    AP | DETECT,        M32, VB_BACKEND_IDENTITY, true },
	{ "force shared dma",  VB_MODE_FORCE, SHARED | AP | DETECT, M64, VB_BACKEND_NONE,   false },
	{ "on encrypted",      VB_MODE_ON,    ENC | AP | DETECT,  M64, VB_BACKEND_NONE,     false },
	{ "force encrypted",   VB_MODE_FORCE, ENC | DETECT,       M64, VB_BACKEND_NONE,     false },
	{ "force enc. iommu",  VB_MODE_FORCE, ENC | AP | IDMA,    M64, VB_BACKEND_NONE,     false },
};

static void vb_test_policy(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vb_policy_cases); i++) {
		const struct vb_policy_case *c = &vb_policy_cases[i];
		struct vb_policy_in in = {
			.xen_pv = c->in & XPV,
			.xen_grant = c->in & GRANT,
			.foreign_ops = c->in & FOPS,
			.iommu_dma = c->in & IDMA,
			.iommu_detectable = c->in & DETECT,
			.access_platform = c->in & AP,
			.shared_dma = c->in & SHARED,
			.mem_encrypted = c->in & ENC,
			.dma_mask = c->mask,
		};
		struct vb_decision d;

		vb_decide(c->mode, &in, &d);
		KUNIT_EXPECT_EQ_MSG(test, d.backend, c->backend, "row '%s'", c->name);
		KUNIT_EXPECT_EQ_MSG(test, d.direct_ok, c->direct_ok, "row '%s'", c->name);
		KUNIT_EXPECT_NOT_NULL_MSG(test, d.why, "row '%s'", c->name);
	}
	/* virtio-balloon: never claimed, forced or not. */
	{
		struct vb_policy_in in = {
			.access_platform = true,
			.iommu_detectable = true,
			.dma_mask = DMA_BIT_MASK(64),
			.virtio_id = VIRTIO_ID_BALLOON,
		};
		struct vb_decision d;

		vb_decide(VB_MODE_FORCE, &in, &d);
		KUNIT_EXPECT_EQ(test, d.backend, VB_BACKEND_NONE);
		KUNIT_EXPECT_NOT_NULL(test, strstr(d.why, "balloon"));
		in.virtio_id = VIRTIO_ID_BLOCK;
		vb_decide(VB_MODE_FORCE, &in, &d);
		KUNIT_EXPECT_EQ(test, d.backend, VB_BACKEND_IDENTITY);
	}
}

static void vb_test_parse(struct kunit *test)
{
	static const struct vb_config def = {
		.mode = VB_MODE_OFF, .pool_min = SZ_4M, .pool_max = SZ_64M,
		.iommu_detect = true,
	};
	struct vb_config c = def;
	char buf[64];

	strscpy(buf, "on", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), 0);
	KUNIT_EXPECT_EQ(test, c.mode, VB_MODE_ON);

	strscpy(buf, "force,pool=8M,max=32M,iommu=unknown", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), 0);
	KUNIT_EXPECT_EQ(test, c.mode, VB_MODE_FORCE);
	KUNIT_EXPECT_EQ(test, c.pool_min, (size_t)SZ_8M);
	KUNIT_EXPECT_EQ(test, c.pool_max, (size_t)SZ_32M);
	KUNIT_EXPECT_FALSE(test, c.iommu_detect);

	/* Bad input changes nothing. */
	c = def;
	strscpy(buf, "junk", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), -EINVAL);
	strscpy(buf, "on,pool=1", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), -EINVAL);
	strscpy(buf, "on,max=1M,pool=2M", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), -EINVAL);
	strscpy(buf, "on,frobnicate", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), -EINVAL);
	/* memparse() would wrap these around to 1 GiB and to 0. */
	strscpy(buf, "on,max=17179869185G", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), -EINVAL);
	strscpy(buf, "on,max=18446744073709551617", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), -EINVAL);
	strscpy(buf, "", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), -EINVAL);
	KUNIT_EXPECT_EQ(test, c.mode, VB_MODE_OFF);
	KUNIT_EXPECT_EQ(test, c.pool_min, (size_t)SZ_4M);
	KUNIT_EXPECT_EQ(test, c.pool_max, (size_t)SZ_64M);

	{
		unsigned long long v = 0;
		char *end;

		KUNIT_EXPECT_EQ(test, vb_parse_size("1G", &end, &v), 0);
		KUNIT_EXPECT_EQ(test, v, (unsigned long long)SZ_1G);
		KUNIT_EXPECT_EQ(test, vb_parse_size("1048577K", &end, &v), -ERANGE);
		KUNIT_EXPECT_EQ(test, vb_parse_size("17179869185G", &end, &v), -ERANGE);
		KUNIT_EXPECT_EQ(test, vb_parse_size("x", &end, &v), -EINVAL);
		KUNIT_EXPECT_EQ(test, vb_parse_size("32m\n", &end, &v), 0);
		KUNIT_EXPECT_EQ(test, v, (unsigned long long)SZ_32M);
		KUNIT_EXPECT_EQ(test, *end, '\n');
	}
	strscpy(buf, "force,pool=512K,max=6M", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), 0);
	KUNIT_EXPECT_EQ(test, c.pool_max, (size_t)SZ_4M + SZ_2M);
	/*
	 * A max= below the progress reserve keeps the mode: it is taken
	 * here and raised per device (vb_test_footprint), never dropped.
	 */
	strscpy(buf, "force,pool=256K,max=1M", sizeof(buf));
	KUNIT_EXPECT_EQ(test, vb_parse_options(buf, &c), 0);
	KUNIT_EXPECT_EQ(test, c.mode, VB_MODE_FORCE);
	KUNIT_EXPECT_EQ(test, c.pool_max, (size_t)SZ_1M);
}

/* Per-device rules: parsed, matched by DMA device over type, junk refused. */
static void vb_test_rules(struct kunit *test)
{
	static const struct vb_config def = {
		.mode = VB_MODE_OFF, .pool_min = SZ_4M, .pool_max = SZ_64M,
		.iommu_detect = true,
	};
	static const char * const junk[] = {
		"on,bogus:force",		/* neither a type nor a device name */
		"on,net:sideways",		/* not a mode */
		"on,:force",			/* no selector */
		"on,net:",			/* no mode */
		"on,0000:00:20.0:on",		/* slot 0x20: no such PCI function */
		"on,0000:100:04.0:on",		/* bus 0x100 */
		"on,00:04.0x:on",		/* trailing junk */
		"on,a000000:on",		/* no platform device name without a dot */
		"on,virtio mmio.0:on",		/* a space */
		"on,0000:00:04.0:on:",
		"on,blk:on,blk:on,blk:on,blk:on,blk:on,blk:on,blk:on,blk:on,blk:on",
	};
	const struct vb_rule *r;
	struct vb_config c = def;
	char buf[96];
	unsigned int i;

	strscpy(buf, "on,net:force,blk:off,0000:00:05.0:on,blk:force", sizeof(buf));
	KUNIT_ASSERT_EQ(test, vb_parse_options(buf, &c), 0);
	KUNIT_EXPECT_EQ(test, c.mode, VB_MODE_ON);
	KUNIT_EXPECT_EQ(test, c.nr_rules, 4U);
	r = vb_rule_for(&c, VIRTIO_ID_NET, "0000:00:04.0");
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->mode, VB_MODE_FORCE);
	KUNIT_EXPECT_STREQ(test, r->text, "net:force");
	/* The DMA device's rule beats the type's. */
	r = vb_rule_for(&c, VIRTIO_ID_NET, "0000:00:05.0");
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_STREQ(test, r->text, "0000:00:05.0:on");
	/* Of two rules for one type, the last one written wins. */
	r = vb_rule_for(&c, VIRTIO_ID_BLOCK, "0000:00:06.0");
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->mode, VB_MODE_FORCE);
	KUNIT_EXPECT_NULL(test, vb_rule_for(&c, VIRTIO_ID_RNG, "0000:00:07.0"));

	/*
	 * Device names: the kernel's PCI syntax, stored as dev_name() spells
	 * it, and platform devices (virtio-mmio) by their name.
	 */
	c = def;
	strscpy(buf, "on,00:4.0:force,1:2:3.1:off,a000000.virtio_mmio:force,virtio-mmio.1:off",
		sizeof(buf));
	KUNIT_ASSERT_EQ(test, vb_parse_options(buf, &c), 0);
	KUNIT_ASSERT_EQ(test, c.nr_rules, 4U);
	KUNIT_EXPECT_STREQ(test, c.rules[0].dma_dev, "0000:00:04.0");
	KUNIT_EXPECT_STREQ(test, c.rules[1].dma_dev, "0001:02:03.1");
	r = vb_rule_for(&c, VIRTIO_ID_NET, "0000:00:04.0");
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_STREQ(test, r->text, "00:4.0:force");
	r = vb_rule_for(&c, VIRTIO_ID_BLOCK, "a000000.virtio_mmio");
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->mode, VB_MODE_FORCE);
	r = vb_rule_for(&c, VIRTIO_ID_BLOCK, "virtio-mmio.1");
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->mode, VB_MODE_OFF);
	KUNIT_EXPECT_NULL(test, vb_rule_for(&c, VIRTIO_ID_BLOCK, "virtio-mmio.2"));

	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		c = def;
		strscpy(buf, junk[i], sizeof(buf));
		KUNIT_EXPECT_EQ_MSG(test, vb_parse_options(buf, &c), -EINVAL,
				    "'%s'", junk[i]);
		KUNIT_EXPECT_EQ_MSG(test, c.nr_rules, 0U, "'%s'", junk[i]);
		KUNIT_EXPECT_EQ_MSG(test, c.mode, VB_MODE_OFF, "'%s'", junk[i]);
	}
	/* A new virtio_bounce= replaces the rules of the last one. */
	strscpy(buf, "net:force", sizeof(buf));
	KUNIT_ASSERT_EQ(test, vb_parse_options(buf, &c), 0);
	strscpy(buf, "on", sizeof(buf));
	KUNIT_ASSERT_EQ(test, vb_parse_options(buf, &c), 0);
	KUNIT_EXPECT_EQ(test, c.nr_rules, 0U);
}

/*
 * The progress reserve (docs/design.md, "Forward progress"): per builder
 * 2R + R/16 + 1088 bytes of slots (R = 1280 KiB), plus a chunk per class,
 * in whole chunks; a device gets it for nr_cpu_ids builders whatever
 * max= says, and is told what it holds.
 */
static void vb_test_footprint(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd;

	KUNIT_EXPECT_EQ(test, (size_t)VB_REQ_BYTES, (size_t)1280 * SZ_1K);
	/* 1: 2704448 + 2621440 -> 21 chunks; 2: 31; 4: 52. */
	KUNIT_EXPECT_EQ(test, vb_footprint(1), (size_t)21 * SZ_256K);
	KUNIT_EXPECT_EQ(test, vb_footprint(2), (size_t)31 * SZ_256K);
	KUNIT_EXPECT_EQ(test, vb_footprint(4), (size_t)52 * SZ_256K);
	KUNIT_EXPECT_EQ(test, vb_builders(), nr_cpu_ids);

	/* max=1M, pool=256K: the mode stays force, max is the reserve. */
	vd = vb_test_claim(test, VB_MODE_FORCE, SZ_256K, SZ_1M);
	KUNIT_EXPECT_EQ(test, vd->mode, VB_MODE_FORCE);
	KUNIT_EXPECT_EQ(test, vd->reserve, vb_footprint(nr_cpu_ids));
	KUNIT_EXPECT_EQ(test, vd->pool_max, vd->reserve);
	KUNIT_EXPECT_EQ(test, vd->pool_min, vd->reserve);
	/* Built at attach, all of it, one 256 KiB chunk per class at least. */
	KUNIT_EXPECT_EQ(test, vd->pool_bytes, vd->reserve);
	KUNIT_EXPECT_EQ(test, vd->cls[0].nr_chunks, 1UL);
	KUNIT_EXPECT_EQ(test, vd->cls[VB_NR_CLASSES - 1].nr_chunks,
			vd->reserve / SZ_256K - (VB_NR_CLASSES - 1));
	KUNIT_EXPECT_EQ(test, vd->max_shift, (unsigned int)VB_CHUNK_SHIFT);
	KUNIT_EXPECT_EQ(test, vbt_max_mapping_size(dev), (size_t)SZ_256K);
	/* The idle scan keeps the reserve. */
	KUNIT_EXPECT_EQ(test, vb_shrink(vd, vd->pool_min, -1, false), 0UL);
	KUNIT_EXPECT_EQ(test, vd->pool_bytes, vd->reserve);
}

/* ---- mapping ------------------------------------------------------------ */

static DEFINE_SPINLOCK(vb_test_lock);

static void vb_test_size_classes(struct kunit *test)
{
	static const size_t sizes[] = { 1, 64, 512, 513, 2048, 4096, 4097,
					16384, 65536, SZ_128K + 1, SZ_256K };
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_32M);
	unsigned int i;
	void *buf;

	buf = (void *)__get_free_pages(GFP_KERNEL | __GFP_NOWARN, get_order(SZ_512K));
	KUNIT_ASSERT_NOT_NULL(test, buf);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t sz = sizes[i];
		unsigned long flags = 0;
		struct vb_slot *s;
		dma_addr_t dma;
		bool atomic = sz <= SZ_256K;

		fill(buf, sz, i);
		/*
		 * Small classes are mapped (and grown) under a driver's
		 * IRQ-disabling lock, as virtio-blk's vq lock (a sleeping
		 * lock on PREEMPT_RT, as there).
		 */
		if (atomic) {
			spin_lock_irqsave(&vb_test_lock, flags);
			dma = vbt_map(dev, buf, sz, DMA_TO_DEVICE);
			spin_unlock_irqrestore(&vb_test_lock, flags);
		} else {
			dma = vbt_map(dev, buf, sz, DMA_TO_DEVICE);
		}
		KUNIT_ASSERT_FALSE_MSG(test, vbt_mapping_error(dev, dma), "size %zu", sz);
		KUNIT_EXPECT_TRUE_MSG(test, in_pool(vd, dma), "size %zu", sz);
		rcu_read_lock();
		s = vb_find_slot(vd, dma);
		KUNIT_EXPECT_EQ_MSG(test, 1UL << s->chunk->cls->shift,
				    max_t(unsigned long, 512, roundup_pow_of_two(sz)),
				    "size %zu", sz);
		rcu_read_unlock();
		KUNIT_EXPECT_TRUE_MSG(test, check(dev_view(dma), sz, i), "size %zu", sz);
		vbt_unmap(dev, dma, sz, DMA_TO_DEVICE);
	}
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BOUNCED), ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_UNMAPS), ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_DIRECT), 0UL);

	/* Larger than the largest class (a chunk): a clean error. */
	KUNIT_EXPECT_EQ(test, vb_size_class(vd, SZ_256K + 1), -E2BIG);
	KUNIT_EXPECT_EQ(test, vbt_raw_map(dev, virt_to_page(buf), 0,
					  SZ_256K + 1, DMA_TO_DEVICE,
							 DMA_ATTR_NO_WARN),
			DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_FAIL_OVERSIZE), 1UL);
	free_pages((unsigned long)buf, get_order(SZ_512K));
}

static void vb_test_directions(struct kunit *test)
{
	static const enum dma_data_direction dirs[] = {
		DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL };
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	const size_t len = 3000, off = 100;
	u8 *page = kunit_kmalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	u8 *buf = page + off;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	/* kunit_kmalloc() does not zero: the canaries are ours. */
	memset(page, 0x5a, 2 * PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		enum dma_data_direction dir = dirs[i];
		bool from = dir != DMA_TO_DEVICE;
		dma_addr_t dma;

		fill(buf, len, 1);
		dma = vbt_map(dev, buf, len, dir);
		KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
		KUNIT_EXPECT_NE(test, dma, (dma_addr_t)virt_to_phys(buf));
		/* Copied in for every direction (no stale pool data). */
		KUNIT_EXPECT_TRUE_MSG(test, check(dev_view(dma), len, 1), "dir %d", dir);
		fill(dev_view(dma), len, 2);	/* the device writes */
		vbt_unmap(dev, dma, len, dir);
		KUNIT_EXPECT_TRUE_MSG(test, check(buf, len, from ? 2 : 1), "dir %d", dir);
		KUNIT_EXPECT_EQ(test, page[off - 1], (u8)0x5a);
		KUNIT_EXPECT_EQ(test, page[off + len], (u8)0x5a);
	}

	/* Short write: the device fills 1000 of 3000 bytes. */
	fill(buf, len, 1);
	{
		dma_addr_t dma = vbt_map(dev, buf, len, DMA_FROM_DEVICE);

		KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
		fill(dev_view(dma), 1000, 3);
		vbt_unmap(dev, dma, len, DMA_FROM_DEVICE);
		KUNIT_EXPECT_TRUE(test, check(buf, 1000, 3));
		fill(page + PAGE_SIZE, len, 1);	/* expected tail, built aside */
		KUNIT_EXPECT_EQ(test, memcmp(buf + 1000, page + PAGE_SIZE + 1000,
					     len - 1000), 0);
	}
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BYTES_TO_DEV), 4 * len);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BYTES_FROM_DEV), 3 * len);
}

static void vb_test_partial_sync(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	const size_t len = 8192;
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);
	u8 *ref = kunit_kmalloc(test, len, GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, ref);

	/* for_cpu of [1000, 1500) copies exactly that range back. */
	fill(buf, len, 5);
	dma = vbt_map(dev, buf, len, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	fill(dev_view(dma), len, 6);
	vbt_sync_for_cpu(dev, dma + 1000, 500, DMA_FROM_DEVICE);
	fill(ref, len, 6);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 1000, ref + 1000, 500), 0);
	fill(ref, len, 5);
	KUNIT_EXPECT_EQ(test, memcmp(buf, ref, 1000), 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 1500, ref + 1500, len - 1500), 0);
	vbt_sync_for_device(dev, dma + 1000, 500, DMA_FROM_DEVICE);
	vbt_unmap(dev, dma, len, DMA_FROM_DEVICE);
	fill(ref, len, 6);
	KUNIT_EXPECT_EQ(test, memcmp(buf, ref, len), 0);

	/* for_device of [2000, 2100) pushes exactly that range. */
	fill(buf, len, 7);
	dma = vbt_map(dev, buf, len, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	vbt_sync_for_cpu(dev, dma, len, DMA_BIDIRECTIONAL);
	memset(buf + 2000, 0xab, 200);
	vbt_sync_for_device(dev, dma + 2000, 100, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, dev_view(dma)[2000], (u8)0xab);
	KUNIT_EXPECT_EQ(test, dev_view(dma)[2099], (u8)0xab);
	fill(ref, len, 7);
	KUNIT_EXPECT_EQ(test, dev_view(dma)[2100], ref[2100]);
	KUNIT_EXPECT_EQ(test, memcmp(dev_view(dma) + 2100, ref + 2100, len - 2100), 0);
	vbt_unmap(dev, dma, len, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_SYNCS), 4UL);
}

static void vb_test_sg(struct kunit *test)
{
	static const unsigned int lens[] = { 100, 4096, 9000, 70000 };
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	struct scatterlist sgl[ARRAY_SIZE(lens)], *sg;
	void *bufs[ARRAY_SIZE(lens)];
	int i, n;

	sg_init_table(sgl, ARRAY_SIZE(lens));
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		bufs[i] = kunit_kmalloc(test, lens[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, bufs[i]);
		fill(bufs[i], lens[i], 10 + i);
		sg_set_buf(&sgl[i], bufs[i], lens[i]);
	}
	n = vbt_map_sg(dev, sgl, ARRAY_SIZE(lens), DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_EQ(test, n, (int)ARRAY_SIZE(lens));
	for_each_sg(sgl, sg, n, i) {
		KUNIT_EXPECT_EQ(test, sg_dma_len(sg), lens[i]);
		KUNIT_EXPECT_TRUE(test, in_pool(vd, sg_dma_address(sg)));
		KUNIT_EXPECT_TRUE(test, check(dev_view(sg_dma_address(sg)), lens[i], 10 + i));
		fill(dev_view(sg_dma_address(sg)), lens[i], 20 + i);
	}
	vbt_unmap_sg(dev, sgl, ARRAY_SIZE(lens), DMA_BIDIRECTIONAL);
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		KUNIT_EXPECT_TRUE_MSG(test, check(bufs[i], lens[i], 20 + i), "entry %d", i);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BOUNCED), 4UL);
}

static void vb_test_coherent(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	dma_addr_t dma;
	u8 *p;

	p = vbt_alloc_coherent(dev, 16384, &dma, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* Rings are not bounced: the device sees the buffer itself. */
	KUNIT_EXPECT_EQ(test, dma, (dma_addr_t)virt_to_phys(p));
	KUNIT_EXPECT_FALSE(test, in_pool(vd, dma));
	KUNIT_EXPECT_EQ(test, p[0], (u8)0);
	KUNIT_EXPECT_EQ(test, p[16383], (u8)0);
	fill(p, 16384, 30);
	KUNIT_EXPECT_TRUE(test, check(dev_view(dma), 16384, 30));
	vbt_free_coherent(dev, 16384, p, dma);
	KUNIT_EXPECT_EQ(test, vb_maps(vd), 0UL);
}

static void vb_test_min_align(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_16M);
	u8 *page = kunit_kmalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);
	static const struct { unsigned int off, len; } c[] = {
		{ 0x234, 100 }, { 0x800, 6000 }, { 0xfff, 1 }, { 0, 4096 },
	};
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	dma_set_min_align_mask(dev, 0xfff);
	KUNIT_ASSERT_EQ(test, dma_get_min_align_mask(dev), 0xfffU);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		u8 *buf = PTR_ALIGN(page, PAGE_SIZE) + c[i].off;
		dma_addr_t dma;

		fill(buf, c[i].len, 40 + i);
		dma = vbt_map(dev, buf, c[i].len, DMA_TO_DEVICE);
		KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
		KUNIT_EXPECT_TRUE(test, in_pool(vd, dma));
		KUNIT_EXPECT_EQ_MSG(test, dma & 0xfff, virt_to_phys(buf) & 0xfff,
				    "offset %#x", c[i].off);
		KUNIT_EXPECT_TRUE(test, check(dev_view(dma), c[i].len, 40 + i));
		vbt_unmap(dev, dma, c[i].len, DMA_TO_DEVICE);
	}
	KUNIT_EXPECT_EQ(test, vbt_max_mapping_size(dev), (size_t)(SZ_256K - 0xfff));
#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	/* Above 32 KiB a map takes its class's lock: not optimal. */
	KUNIT_EXPECT_EQ(test, dma_opt_mapping_size(dev), (size_t)SZ_32K);
#endif
	/* Without a min_align_mask, a 4 KiB map goes to a 4 KiB-aligned slot. */
	dma_set_min_align_mask(dev, 0);
	{
		u8 *buf = PTR_ALIGN(page, PAGE_SIZE) + 8;
		dma_addr_t dma = vbt_map(dev, buf, 4096, DMA_TO_DEVICE);

		KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
		KUNIT_EXPECT_EQ(test, dma & 0xfff, (dma_addr_t)0);
		vbt_unmap(dev, dma, 4096, DMA_TO_DEVICE);
	}
}

#define VB_EXH_SLOTS	512	/* one 256 KiB chunk of 512 B slots */

/* Map @buf into 512 B slots until the map fails; returns how many. */
static unsigned int vb_fill_slots(struct device *dev, dma_addr_t *dma,
				  void *buf)
{
	unsigned int i;

	for (i = 0; i < VB_EXH_SLOTS; i++) {
		dma[i] = vbt_map(dev, buf, 512, DMA_TO_DEVICE);
		if (vbt_mapping_error(dev, dma[i]))
			break;
	}
	return i;
}

static void vb_test_exhaustion(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_256K, SZ_256K);
	dma_addr_t *dma = kunit_kcalloc(test, VB_EXH_SLOTS + 1, sizeof(*dma), GFP_KERNEL);
	u8 *buf = kunit_kmalloc(test, 1024, GFP_KERNEL);
	dma_addr_t other;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, dma);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	vbt_small_pool(test, vd, SZ_256K, 0);
	fill(buf, 512, 50);
	/* Stay on one CPU so that no slot waits in another CPU's cache. */
	migrate_disable();
	KUNIT_EXPECT_EQ(test, vb_fill_slots(dev, dma, buf), VB_EXH_SLOTS);
	dma[VB_EXH_SLOTS] = vbt_map_attrs(dev, buf, 512, DMA_TO_DEVICE,
					  DMA_ATTR_NO_WARN);
	KUNIT_EXPECT_TRUE(test, vbt_mapping_error(dev, dma[VB_EXH_SLOTS]));
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_FAIL_EXHAUSTED), 1UL);
	/* Another class cannot grow past max either. */
	other = vbt_map_attrs(dev, buf, 1000, DMA_TO_DEVICE,
			      DMA_ATTR_NO_WARN);
	KUNIT_EXPECT_TRUE(test, vbt_mapping_error(dev, other));
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_FAIL_EXHAUSTED), 2UL);
	KUNIT_EXPECT_EQ(test, vd->pool_bytes, (size_t)SZ_256K);
	KUNIT_EXPECT_EQ(test, vd->pool_peak, (size_t)SZ_256K);
	/* Freeing one slot makes one map succeed again, with intact data. */
	vbt_unmap(dev, dma[0], 512, DMA_TO_DEVICE);
	dma[0] = vbt_map(dev, buf, 512, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, vbt_mapping_error(dev, dma[0]));
	KUNIT_EXPECT_TRUE(test, check(dev_view(dma[0]), 512, 50));
	for (i = 0; i < VB_EXH_SLOTS; i++)
		if (!vbt_mapping_error(dev, dma[i]))
			vbt_unmap(dev, dma[i], 512, DMA_TO_DEVICE);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 0UL);
}

#ifdef CONFIG_ARCH_HAS_DMA_OPS
/*
 * A stand-in for swiotlb-xen as the device's previous DMA path: maps the
 * device only reads are 1:1 (two maps of one buffer share an address),
 * maps the device writes bounce through a buffer of its own, so that a
 * sync or unmap that does not reach it shows up as missing data.
 */
#define VB_FAKE_MAX	4

static struct {
	void *buf[VB_FAKE_MAX];
	phys_addr_t orig[VB_FAKE_MAX];
	size_t size[VB_FAKE_MAX];
	unsigned int maps, unmaps, syncs;
} vb_fake;

static int vb_fake_find(dma_addr_t dma)
{
	int i;

	for (i = 0; i < VB_FAKE_MAX; i++)
		if (vb_fake.buf[i] && dma >= virt_to_phys(vb_fake.buf[i]) &&
		    dma < virt_to_phys(vb_fake.buf[i]) + vb_fake.size[i])
			return i;
	return -1;
}

static dma_addr_t vb_fake_map_phys(struct device *dev, phys_addr_t phys,
				   size_t size, enum dma_data_direction dir,
				   unsigned long attrs)
{
	int i;

	vb_fake.maps++;
	if (dir == DMA_TO_DEVICE)
		return phys;
	for (i = 0; i < VB_FAKE_MAX && vb_fake.buf[i]; i++)
		;
	if (i == VB_FAKE_MAX)
		return DMA_MAPPING_ERROR;
	vb_fake.buf[i] = kmemdup(phys_to_virt(phys), size, GFP_ATOMIC);
	if (!vb_fake.buf[i])
		return DMA_MAPPING_ERROR;
	vb_fake.orig[i] = phys;
	vb_fake.size[i] = size;
	return virt_to_phys(vb_fake.buf[i]);
}

static void vb_fake_sync_for_cpu(struct device *dev, dma_addr_t dma,
				 size_t size, enum dma_data_direction dir)
{
	int i = vb_fake_find(dma);
	size_t off;

	vb_fake.syncs++;
	if (i < 0)
		return;
	off = dma - virt_to_phys(vb_fake.buf[i]);
	memcpy(phys_to_virt(vb_fake.orig[i] + off), vb_fake.buf[i] + off, size);
}

static void vb_fake_unmap(struct device *dev, dma_addr_t dma, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	int i = vb_fake_find(dma);

	vb_fake.unmaps++;
	if (i < 0)
		return;
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC))
		memcpy(phys_to_virt(vb_fake.orig[i]), vb_fake.buf[i],
		       vb_fake.size[i]);
	kfree(vb_fake.buf[i]);
	vb_fake.buf[i] = NULL;
}

#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
static const struct dma_map_ops vb_fake_ops = {
	.map_phys = vb_fake_map_phys,
	.unmap_phys = vb_fake_unmap,
	.sync_single_for_cpu = vb_fake_sync_for_cpu,
};

/*
 * The previous path is the DMA API on the DMA device: give that device
 * the stand-in as its ops, as swiotlb-xen's devices have theirs.
 */
static void vb_fake_prev(struct vb_dev *vd, bool on)
{
	set_dma_ops(vd->dev, on ? &vb_fake_ops : NULL);
	vd->parent = on ? VB_PARENT_API : VB_PARENT_DIRECT;
	if (on)
		dma_reset_need_sync(vd->dev);
}
#else
static dma_addr_t vb_fake_map_page(struct device *dev, struct page *page,
				   unsigned long off, size_t size,
				   enum dma_data_direction dir,
				   unsigned long attrs)
{
	return vb_fake_map_phys(dev, page_to_phys(page) + off, size, dir,
				attrs);
}

static const struct dma_map_ops vb_fake_ops = {
	.map_page = vb_fake_map_page,
	.unmap_page = vb_fake_unmap,
	.sync_single_for_cpu = vb_fake_sync_for_cpu,
};

/* The previous path is what vd->parent_ops says: the stand-in. */
static void vb_fake_prev(struct vb_dev *vd, bool on)
{
	vd->parent = on ? VB_PARENT_OPS : VB_PARENT_DIRECT;
	vd->parent_ops = on ? &vb_fake_ops : NULL;
}
#endif

/* The identity backend with the fallback on, as the Xen backend has it. */
static struct vb_backend_ops vb_fb_backend;

/* A full pool that cannot grow hands mappings to the previous path. */
static void vb_test_fallback(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_256K, SZ_256K);
	const struct vb_backend_ops *be = vd->be;
	dma_addr_t *dma = kunit_kcalloc(test, VB_EXH_SLOTS, sizeof(*dma), GFP_KERNEL);
	u8 *buf = kunit_kmalloc(test, 512, GFP_KERNEL);
	u8 *in = kunit_kmalloc(test, 512, GFP_KERNEL);
	dma_addr_t rx, tx1, tx2;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, dma);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, in);
	vbt_small_pool(test, vd, SZ_256K, 0);
	memset(&vb_fake, 0, sizeof(vb_fake));
	/* As the Xen backend is set up: previous path "swiotlb-xen". */
	vb_fb_backend = *vd->be;
	vb_fb_backend.fallback = true;
	vd->be = &vb_fb_backend;
	KUNIT_ASSERT_EQ(test, vd->parent, VB_PARENT_DIRECT);
	vb_fake_prev(vd, true);
	migrate_disable();
	KUNIT_EXPECT_EQ(test, vb_fill_slots(dev, dma, buf), VB_EXH_SLOTS);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_FALLBACK), 0UL);

	/* The pool is full: the next map is the previous path's, tracked. */
	fill(in, 512, 70);
	rx = vbt_map(dev, in, 512, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, vbt_mapping_error(dev, rx));
	KUNIT_EXPECT_FALSE(test, in_pool(vd, rx));
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_FALLBACK), 1UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_FAIL_EXHAUSTED), 0UL);
	KUNIT_EXPECT_EQ(test, vb_fake.maps, 1U);
	KUNIT_EXPECT_EQ(test, vb_fb_live(vd), 1UL);

	/* A partial sync inside it reaches the previous path: half comes back. */
	fill(dev_view(rx), 512, 71);
	vbt_sync_for_cpu(dev, rx + 256, 256, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, vb_fake.syncs, 1U);
	KUNIT_EXPECT_EQ(test, memcmp(in + 256, dev_view(rx) + 256, 256), 0);
	KUNIT_EXPECT_TRUE(test, check(in, 256, 70));

	/* One buffer mapped 1:1 twice: one address, two live mappings. */
	tx1 = vbt_map(dev, buf, 512, DMA_TO_DEVICE);
	tx2 = vbt_map(dev, buf, 512, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, vbt_mapping_error(dev, tx1));
	KUNIT_EXPECT_FALSE(test, vbt_mapping_error(dev, tx2));
	KUNIT_EXPECT_EQ(test, tx1, (dma_addr_t)virt_to_phys(buf));
	KUNIT_EXPECT_EQ(test, tx2, tx1);
	KUNIT_EXPECT_EQ(test, vb_fb_live(vd), 3UL);
	vbt_unmap(dev, tx1, 512, DMA_TO_DEVICE);
	vbt_unmap(dev, tx2, 512, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, vb_fake.unmaps, 2U);
	KUNIT_EXPECT_EQ(test, vb_fb_live(vd), 1UL);
	/* A third unmap of it is foreign: flagged, not passed on. */
	vbt_raw_unmap(dev, tx1, 512, DMA_TO_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 1UL);
	KUNIT_EXPECT_EQ(test, vb_fake.unmaps, 2U);

	/* Unmap copies the device's bytes back through the previous path. */
	fill(dev_view(rx), 512, 72);
	vbt_unmap(dev, rx, 512, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE(test, check(in, 512, 72));
	KUNIT_EXPECT_EQ(test, vb_fake.unmaps, 3U);
	KUNIT_EXPECT_EQ(test, vb_fb_live(vd), 0UL);
	KUNIT_EXPECT_EQ(test, vb_fake_find(rx), -1);

	/* A slot freed: the pool serves the next map again. */
	vbt_unmap(dev, dma[0], 512, DMA_TO_DEVICE);
	dma[0] = vbt_map(dev, buf, 512, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, vbt_mapping_error(dev, dma[0]));
	KUNIT_EXPECT_TRUE(test, in_pool(vd, dma[0]));
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_FALLBACK), 3UL);
	for (i = 0; i < VB_EXH_SLOTS; i++)
		if (!vbt_mapping_error(dev, dma[i]))
			vbt_unmap(dev, dma[i], 512, DMA_TO_DEVICE);
	migrate_enable();
	vb_fake_prev(vd, false);
	vd->be = be;
}
#endif /* the fallback test */

static void vb_test_bad_unmaps(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	u8 *buf = kunit_kmalloc(test, 1000, GFP_KERNEL);
	dma_addr_t dma, other;

	/* Called on the ops directly: DMA_API_DEBUG would flag them first. */
	KUNIT_ASSERT_NOT_NULL(test, buf);
	fill(buf, 1000, 60);
	dma = vbt_raw_map(dev, virt_to_page(buf), offset_in_page(buf), 1000,
			  DMA_FROM_DEVICE, 0);
	KUNIT_ASSERT_NE(test, dma, DMA_MAPPING_ERROR);
	fill(dev_view(dma), 1000, 61);

	/* A sync whose end wraps around: warned, cut at the mapping's end. */
	vbt_raw_sync_for_cpu(dev, dma + 10, SIZE_MAX - 4, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 1UL);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 10, dev_view(dma) + 10, 990), 0);

	/* Wrong size: warned, and only the 1000 mapped bytes come back. */
	vbt_raw_unmap(dev, dma, 4000, DMA_FROM_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 2UL);
	KUNIT_EXPECT_TRUE(test, check(buf, 1000, 61));
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 0UL);

	/* Double unmap: warned, nothing freed twice. */
	vbt_raw_unmap(dev, dma, 1000, DMA_FROM_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 3UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_UNMAPS), 1UL);

	/* Foreign address: warned, ignored. */
	vbt_raw_unmap(dev, virt_to_phys(buf), 1000, DMA_FROM_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 4UL);

	/* An address inside a live mapping is not the mapping. */
	dma = vbt_raw_map(dev, virt_to_page(buf), offset_in_page(buf), 1000,
			  DMA_TO_DEVICE, 0);
	KUNIT_ASSERT_NE(test, dma, DMA_MAPPING_ERROR);
	vbt_raw_unmap(dev, dma + 8, 992, DMA_TO_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 5UL);
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 1UL);
	/* The live mapping is still intact and unmaps cleanly. */
	other = vbt_raw_map(dev, virt_to_page(buf), offset_in_page(buf), 1000,
			    DMA_TO_DEVICE, 0);
	KUNIT_ASSERT_NE(test, other, DMA_MAPPING_ERROR);
	KUNIT_EXPECT_NE(test, other, dma);
	KUNIT_EXPECT_TRUE(test, check(dev_view(dma), 1000, 61));
	vbt_raw_unmap(dev, dma, 1000, DMA_TO_DEVICE, 0);
	vbt_raw_unmap(dev, other, 1000, DMA_TO_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 5UL);
}

#define VB_CACHE_N	(3 * VB_MAG_SIZE)

static void vb_test_cache(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	dma_addr_t *dma = kunit_kcalloc(test, VB_CACHE_N, sizeof(*dma), GFP_KERNEL);
	u8 *buf = kunit_kmalloc(test, 256, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, dma);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	migrate_disable();
	/* 96 maps: 3 magazines carved from the chunk (misses), 93 hits. */
	for (i = 0; i < VB_CACHE_N; i++) {
		dma[i] = vbt_map(dev, buf, 256, DMA_TO_DEVICE);
		KUNIT_EXPECT_FALSE(test, vbt_mapping_error(dev, dma[i]));
	}
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_CACHE_MISSES), 3UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_CACHE_HITS), (unsigned long)VB_CACHE_N - 3);
	/* 96 unmaps: loaded and prev fill up, the third magazine goes to the depot. */
	for (i = 0; i < VB_CACHE_N; i++)
		vbt_unmap(dev, dma[i], 256, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_DEPOT_FLUSHES), 1UL);
	KUNIT_EXPECT_EQ(test, vd->cls[0].depot_len, 1U);
	/* 96 maps again: 64 hits from this CPU, then one refill from the depot. */
	for (i = 0; i < VB_CACHE_N; i++) {
		dma[i] = vbt_map(dev, buf, 256, DMA_TO_DEVICE);
		KUNIT_EXPECT_FALSE(test, vbt_mapping_error(dev, dma[i]));
	}
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_DEPOT_REFILLS), 1UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_CACHE_MISSES), 4UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_CACHE_HITS), 2UL * VB_CACHE_N - 4);
	for (i = 0; i < VB_CACHE_N; i++)
		vbt_unmap(dev, dma[i], 256, DMA_TO_DEVICE);
	migrate_enable();
	/* All 96 slots are back: the chunk's 512 slots are all free once flushed. */
	vb_flush_caches(vd);
	KUNIT_EXPECT_EQ(test, vd->cls[0].out, 0UL);
	KUNIT_EXPECT_EQ(test, vd->cls[0].hiwater, (unsigned long)VB_CACHE_N);
}

#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
/*
 * 1:1 is the DMA API itself on the map-ops seam: nothing is installed
 * (no state, no pool) and the device maps exactly as dma-direct.
 */
static void vb_test_direct(struct kunit *test)
{
	struct vb_test_ctx *ctx = test->priv;
	struct device *dev = ctx->dev;
	struct vb_config cfg = { .mode = VB_MODE_ON, .pool_min = SZ_1M,
				 .pool_max = SZ_8M, .iommu_detect = true };
	u8 *buf = kunit_kmalloc(test, 4096, GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_NULL(test, vbt_attach_cfg(dev, ctx, "vbtest", &vb_plain_in, &cfg));
	KUNIT_EXPECT_FALSE(test, vbt_is_claimed(dev));
	dma = vbt_map(dev, buf, 4096, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	KUNIT_EXPECT_EQ(test, dma, (dma_addr_t)virt_to_phys(buf));
	vbt_unmap(dev, dma, 4096, DMA_BIDIRECTIONAL);
}
#else
static void vb_test_direct(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_ON, SZ_1M, SZ_8M);
	u8 *buf = kunit_kmalloc(test, 4096, GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* The mask covers all memory: the DMA core maps 1:1 itself. */
	KUNIT_EXPECT_TRUE(test, vb_bypass(vd));
	KUNIT_EXPECT_TRUE(test, dev->dma_ops_bypass);
	dma = vbt_map(dev, buf, 4096, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	KUNIT_EXPECT_EQ(test, dma, (dma_addr_t)virt_to_phys(buf));
	vbt_sync_for_cpu(dev, dma, 4096, DMA_BIDIRECTIONAL);
	vbt_unmap(dev, dma, 4096, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, vb_maps(vd), 0UL);

	/* Without the bypass (a narrower mask), our ops map 1:1. */
	dev->dma_ops_bypass = false;
	dma = vbt_map(dev, buf, 4096, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	KUNIT_EXPECT_EQ(test, dma, (dma_addr_t)virt_to_phys(buf));
	vbt_sync_for_cpu(dev, dma, 4096, DMA_BIDIRECTIONAL);
	vbt_unmap(dev, dma, 4096, DMA_BIDIRECTIONAL);
	dev->dma_ops_bypass = true;
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_DIRECT), 1UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BOUNCED), 0UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 0UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BYTES_TO_DEV), 0UL);
	KUNIT_EXPECT_EQ(test, vd->pool_bytes, (size_t)0);
}
#endif

static void vb_test_shrink(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_256K, SZ_8M);
	dma_addr_t dma[20];
	void *buf = kunit_kmalloc(test, SZ_64K, GFP_KERNEL);
	unsigned long shrinks;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	vbt_small_pool(test, vd, SZ_256K, 0);
	WRITE_ONCE(vd->pool_max, SZ_8M);
	/* 64 KiB slots, 4 per chunk, uncached: 20 maps grow 5 chunks. */
	for (i = 0; i < ARRAY_SIZE(dma); i++) {
		dma[i] = vbt_map(dev, buf, SZ_64K, DMA_TO_DEVICE);
		KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma[i]));
	}
	KUNIT_EXPECT_EQ(test, vd->pool_bytes, (size_t)(6 * SZ_256K));
	KUNIT_EXPECT_EQ(test, vd->cls[7].nr_chunks, 5UL);
	/* While mapped, only the idle 512 B chunk can go. */
	shrinks = vd->shrinks;
	KUNIT_EXPECT_EQ(test, vb_shrink(vd, vd->pool_min, -1, false), 1UL);
	KUNIT_EXPECT_EQ(test, vd->cls[0].nr_chunks, 0UL);
	KUNIT_EXPECT_EQ(test, vd->cls[7].nr_chunks, 5UL);
	for (i = 0; i < ARRAY_SIZE(dma); i++)
		vbt_unmap(dev, dma[i], SZ_64K, DMA_TO_DEVICE);
	/* Then down to pool_min (one chunk), never below. */
	KUNIT_EXPECT_EQ(test, vb_shrink(vd, vd->pool_min, -1, false), 4UL);
	KUNIT_EXPECT_EQ(test, vd->shrinks - shrinks, 5UL);
	KUNIT_EXPECT_EQ(test, vd->pool_bytes, (size_t)SZ_256K);
	/* The pool's peak stays what it reached. */
	KUNIT_EXPECT_EQ(test, vd->pool_peak, (size_t)(6 * SZ_256K));
	KUNIT_EXPECT_EQ(test, vd->cls[7].nr_chunks, 1UL);
	/* And it grows again on demand. */
	dma[0] = vbt_map(dev, buf, SZ_64K, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, vbt_mapping_error(dev, dma[0]));
	vbt_unmap(dev, dma[0], SZ_64K, DMA_TO_DEVICE);
}

/* ---- stress --------------------------------------------------------------- */

struct vb_stress {
	struct device *dev;
	atomic_t errors;
	atomic_t iters;
	atomic_t running;
	struct completion done;
};

#define VB_STRESS_ITERS	1500
#define VB_STRESS_MAX	20000

static int vb_stress_fn(void *arg)
{
	struct vb_stress *s = arg;
	u8 *buf = kmalloc(VB_STRESS_MAX, GFP_KERNEL);
	unsigned int i;

	if (!buf) {
		atomic_inc(&s->errors);
		goto out;
	}
	for (i = 0; i < VB_STRESS_ITERS; i++) {
		size_t len = 1 + get_random_u32_below(VB_STRESS_MAX);
		size_t off = get_random_u32_below(VB_STRESS_MAX - len + 1);
		enum dma_data_direction dir = get_random_u32_below(3);
		u32 seed = get_random_u32();
		dma_addr_t dma;

		fill(buf + off, len, seed);
		dma = vbt_map(s->dev, buf + off, len, dir);
		if (vbt_mapping_error(s->dev, dma)) {
			atomic_inc(&s->errors);
			continue;
		}
		if (!check(dev_view(dma), len, seed))
			atomic_inc(&s->errors);
		if (dir != DMA_TO_DEVICE)
			fill(dev_view(dma), len, seed + 1);
		vbt_unmap(s->dev, dma, len, dir);
		if (!check(buf + off, len, dir != DMA_TO_DEVICE ? seed + 1 : seed))
			atomic_inc(&s->errors);
		atomic_inc(&s->iters);
		if (!(i & 63))
			cond_resched();
	}
	kfree(buf);
out:
	if (atomic_dec_and_test(&s->running))
		complete(&s->done);
	return 0;
}

static void vb_test_stress(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_32M);
	struct vb_stress s = { .dev = dev };
	unsigned int n = 0;
	int cpu;

	init_completion(&s.done);
	atomic_set(&s.running, 1);
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		t = kthread_create(vb_stress_fn, &s, "vb_stress/%d", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, cpu);
		atomic_inc(&s.running);
		wake_up_process(t);
		n++;
	}
	if (atomic_dec_and_test(&s.running))
		complete(&s.done);
	wait_for_completion(&s.done);
	KUNIT_EXPECT_EQ(test, atomic_read(&s.errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s.iters), (int)(n * VB_STRESS_ITERS));
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BOUNCED), (unsigned long)n * VB_STRESS_ITERS);
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 0UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 0UL);
	kunit_info(test, "%u threads, %d maps, %lu cache hits, %lu misses\n", n,
		   atomic_read(&s.iters), st(vd, VB_STAT_CACHE_HITS),
		   st(vd, VB_STAT_CACHE_MISSES));
}

/* ---- lifetimes, sharing and misuse -------------------------------------- */

/*
 * The test device went through dma_set_mask() with no ops, which
 * sets dma_skip_sync on a coherent device.  Syncs must still reach the
 * pool and vbt_need_sync() must say so; without DMA_API_DEBUG the DMA
 * core skipped them.
 */
static void vb_test_need_sync(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	const size_t len = 2048;
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);
	u8 *sgbuf = kunit_kmalloc(test, len, GFP_KERNEL);
	struct scatterlist sg;
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, sgbuf);
	fill(buf, len, 80);
	dma = vbt_map(dev, buf, len, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	KUNIT_EXPECT_TRUE(test, in_pool(vd, dma));
	KUNIT_EXPECT_TRUE(test, vbt_need_sync(dev, dma));
	fill(dev_view(dma), len, 81);	/* the device writes */
	vbt_sync_for_cpu(dev, dma, len, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE(test, check(buf, len, 81));
	vbt_sync_for_device(dev, dma, len, DMA_FROM_DEVICE);
	vbt_unmap(dev, dma, len, DMA_FROM_DEVICE);

	/* The same through a scatterlist, to the device this time. */
	fill(sgbuf, len, 82);
	sg_init_one(&sg, sgbuf, len);
	KUNIT_ASSERT_EQ(test, vbt_map_sg(dev, &sg, 1, DMA_TO_DEVICE), 1);
	fill(sgbuf, len, 83);		/* the CPU writes after the map */
	vbt_sync_sg_for_device(dev, &sg, 1, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, check(dev_view(sg_dma_address(&sg)), len, 83));
	vbt_unmap_sg(dev, &sg, 1, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_SYNCS), 3UL);
}

/* A DMA device with no mask: dma_capable() could not even be asked. */
static void vb_test_no_mask(struct kunit *test)
{
	struct vb_test_ctx *ctx = test->priv;
	struct vb_config cfg = { .mode = VB_MODE_FORCE, .pool_min = SZ_1M,
				 .pool_max = SZ_8M, .iommu_detect = true };
	u64 *mask = ctx->dev->dma_mask;

	ctx->dev->dma_mask = NULL;
	KUNIT_EXPECT_NULL(test, vbt_attach_cfg(ctx->dev, ctx, "vbtest", &vb_plain_in, &cfg));
	KUNIT_EXPECT_FALSE(test, vbt_is_claimed(ctx->dev));
	ctx->dev->dma_mask = mask;
}

/*
 * Two virtio devices on one DMA device.  The second is left on
 * the stock path and its detach must not free the first one's state.
 */
#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
/*
 * On the map-ops seam nothing of ours is on the DMA device: a second
 * virtio device on it gets its own state, and each one's detach frees
 * only its own.
 */
static void vb_test_shared_dma_dev(struct kunit *test)
{
	struct vb_test_ctx *ctx = test->priv;
	struct device *dev = ctx->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	struct vb_config cfg = { .mode = VB_MODE_FORCE, .pool_min = SZ_1M,
				 .pool_max = SZ_8M, .iommu_detect = true };
	static int other;	/* a second virtio device's identity */
	u8 *buf = kunit_kmalloc(test, 512, GFP_KERNEL);
	struct vb_dev *vd2;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	vd2 = vbt_attach_cfg(dev, &other, "vbtest2", &vb_plain_in, &cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vd2);
	KUNIT_EXPECT_PTR_NE(test, vd2, vd);
	KUNIT_EXPECT_NULL(test, get_dma_ops(dev));
	vb_detach(vd2);
	vb_bounce_one(test, vd, buf, 84);
}

/*
 * On the map-ops seam: the virtio core frees the state after the
 * virtqueues, so a mapping still live is a driver bug.  The state is
 * kept (leaked, with a warning) and the mapping's bytes still come back.
 */
static void vb_test_detach_live(struct kunit *test)
{
	struct vb_test_ctx *ctx = test->priv;
	struct device *dev = ctx->dev;
	struct vb_config cfg = { .mode = VB_MODE_FORCE, .pool_min = SZ_1M,
				 .pool_max = SZ_8M, .iommu_detect = true,
				 .shrink_interval = HZ };
	unsigned int refs = kref_read(&dev->kobj.kref);
	struct vb_dev *vd = vb_test_claim_cfg(test, &cfg, &vb_plain_in);
	const size_t len = 1500;
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&vd->shrink_work));
	fill(buf, len, 85);
	dma = vbt_map(dev, buf, len, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	KUNIT_ASSERT_TRUE(test, in_pool(vd, dma));

	/*
	 * The driver is gone with a mapping live: the pool is leaked, and
	 * nothing of it may run on its own any more (the shrink worker would
	 * unmap chunks through a DMA device that may be removed next); the
	 * state holds its DMA device.
	 */
	vb_detach(vd);
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 1UL);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&vd->shrink_work));
	KUNIT_EXPECT_FALSE(test, work_pending(&vd->grow_work));
	KUNIT_EXPECT_TRUE(test, hlist_unhashed(&vd->cpuhp));
	KUNIT_EXPECT_NULL(test, vd->dbg);
	KUNIT_EXPECT_EQ(test, kref_read(&dev->kobj.kref), refs + 1);
	msleep(2 * jiffies_to_msecs(HZ));	/* no shrink ran, none re-armed */
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&vd->shrink_work));

	/* Test only: undo the mapping so that the exit handler frees it. */
	vbt_unmap(dev, dma, len, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 0UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 0UL);
}
#else
static void vb_test_shared_dma_dev(struct kunit *test)
{
	struct vb_test_ctx *ctx = test->priv;
	struct device *dev = ctx->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	struct vb_config cfg = { .mode = VB_MODE_FORCE, .pool_min = SZ_1M,
				 .pool_max = SZ_8M, .iommu_detect = true };
	static int other;	/* a second virtio device's identity */
	u8 *buf = kunit_kmalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_NULL(test, vbt_attach_cfg(dev, &other, "vbtest2", &vb_plain_in, &cfg));
	KUNIT_EXPECT_TRUE(test, vb_claimed_by(dev, ctx));
	KUNIT_EXPECT_FALSE(test, vb_claimed_by(dev, &other));
	vb_detach(dev, &other);
	KUNIT_ASSERT_TRUE(test, vb_claimed_by(dev, ctx));
	KUNIT_EXPECT_PTR_EQ(test, to_vb_dev(dev), vd);
	vb_bounce_one(test, vd, buf, 84);
}

/*
 * The driver goes (detach) while a mapping it made on the DMA
 * device is still live.  Its unmap must still copy the device's bytes
 * back and free the slot; new maps take the previous path meanwhile.
 */
static void vb_test_detach_live(struct kunit *test)
{
	struct vb_test_ctx *ctx = test->priv;
	struct device *dev = ctx->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	const size_t len = 1500;
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);
	u8 *other = kunit_kmalloc(test, len, GFP_KERNEL);
	dma_addr_t dma, dma2;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, other);
	fill(buf, len, 85);
	dma = vbt_map(dev, buf, len, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	KUNIT_ASSERT_TRUE(test, in_pool(vd, dma));
	fill(dev_view(dma), len, 86);	/* the device writes */

	vb_detach(dev, ctx);		/* driver removed, mapping alive */
	KUNIT_EXPECT_TRUE(test, vb_claimed(dev));
	KUNIT_EXPECT_FALSE(test, vb_claimed_by(dev, ctx));
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 1UL);
	/* A new map meanwhile goes the previous (here: direct) way. */
	dma2 = vbt_map(dev, other, len, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma2));
	KUNIT_EXPECT_EQ(test, dma2, (dma_addr_t)virt_to_phys(other));
	vbt_unmap(dev, dma2, len, DMA_TO_DEVICE);

	vbt_unmap(dev, dma, len, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE(test, check(buf, len, 86));
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 0UL);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), 0UL);

	/* The next probe releases the idle state and claims afresh. */
	ctx->vd = NULL;
	vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	KUNIT_EXPECT_TRUE(test, vb_claimed_by(dev, ctx));
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BOUNCED), 0UL);
}
#endif

/*
 * A class that runs dry in a pool that cannot grow gets an idle chunk of
 * another class, carved again: the same memory at the same device
 * address, no chunk allocated; a chunk with a slot out is never taken.
 */
static void vb_test_recarve(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_256K, SZ_8M);
	u8 *buf = kunit_kmalloc(test, SZ_256K, GFP_KERNEL);
	dma_addr_t before[2], after[2], dma, busy;
	unsigned long grows;
	struct vb_chunk *c;
	struct vb_slot *s;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	vbt_small_pool(test, vd, 2 * SZ_256K, VB_NR_CLASSES - 1);
	KUNIT_ASSERT_EQ(test, vd->cls[VB_NR_CLASSES - 1].nr_chunks, 2UL);
	i = 0;
	list_for_each_entry(c, &vd->all_chunks, all)
		before[i++] = c->dma;
	grows = vd->grows;

	KUNIT_EXPECT_TRUE(test, vb_recarve(vd, 5));
	KUNIT_EXPECT_EQ(test, vd->cls[5].nr_chunks, 1UL);
	KUNIT_EXPECT_EQ(test, vd->cls[VB_NR_CLASSES - 1].nr_chunks, 1UL);
	KUNIT_EXPECT_EQ(test, vd->pool_bytes, (size_t)(2 * SZ_256K));
	KUNIT_EXPECT_EQ(test, vd->grows, grows);
	KUNIT_EXPECT_EQ(test, vd->recarves, 1UL);
	i = 0;
	list_for_each_entry(c, &vd->all_chunks, all)
		after[i++] = c->dma;
	KUNIT_EXPECT_TRUE(test,
			  (after[0] == before[0] && after[1] == before[1]) ||
			  (after[0] == before[1] && after[1] == before[0]));

	/* The lookup finds the new slot table; the data goes through it. */
	fill(buf, SZ_16K, 90);
	dma = vbt_map(dev, buf, SZ_16K, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, dma));
	rcu_read_lock();
	s = vb_find_slot(vd, dma);
	KUNIT_EXPECT_PTR_EQ(test, s ? s->chunk->cls : NULL, &vd->cls[5]);
	rcu_read_unlock();
	KUNIT_EXPECT_TRUE(test, check(dev_view(dma), SZ_16K, 90));

	/* Both chunks have a slot out: nothing to carve. */
	busy = vbt_map(dev, buf, SZ_256K, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, vbt_mapping_error(dev, busy));
	KUNIT_EXPECT_FALSE(test, vb_recarve(vd, 3));
	KUNIT_EXPECT_EQ(test, vd->recarves, 1UL);
	vbt_unmap(dev, busy, SZ_256K, DMA_TO_DEVICE);
	vbt_unmap(dev, dma, SZ_16K, DMA_TO_DEVICE);
	/* Idle again: either may go. */
	KUNIT_EXPECT_TRUE(test, vb_recarve(vd, 3));
	KUNIT_EXPECT_EQ(test, vd->cls[3].nr_chunks, 1UL);
	KUNIT_EXPECT_EQ(test, vd->grows, grows);
}

/*
 * One request as a driver maps it: every mapping or none.  On a failure
 * it undoes what it mapped and, as the driver's retry would find the
 * worker done, waits for the grow worker; at most @rounds tries.
 * Returns the tries it took, or 0 when it never mapped.
 */
static unsigned int vbt_map_request(struct device *dev, struct vb_dev *vd,
				    u8 *buf, const size_t *lens, unsigned int n,
				    dma_addr_t *dma, unsigned int rounds)
{
	unsigned int i, round;

	for (round = 1; round <= rounds; round++) {
		for (i = 0; i < n; i++) {
			dma[i] = vbt_map_attrs(dev, buf, lens[i],
					       DMA_TO_DEVICE,
					       DMA_ATTR_NO_WARN);
			if (vbt_mapping_error(dev, dma[i]))
				break;
		}
		if (i == n)
			return round;
		while (i--)
			vbt_unmap(dev, dma[i], lens[i], DMA_TO_DEVICE);
		flush_work(&vd->grow_work);
	}
	return 0;
}

#define VBT_SMALL_SEGS	2560	/* R / 512: the most segments of a request */

/*
 * Forward progress by construction (docs/design.md): in a pool that can
 * never grow (max= raised to the reserve and no more), one largest
 * request per CPU maps at once, all held together, whatever shape an
 * earlier load left the pool in: five 256 KiB segments, then 2560 of
 * 512 B (their classes made by carving idle chunks), then large again.
 */
static void vb_test_progress(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_256K, SZ_1M);
	static const size_t large[] = { 16, SZ_256K, SZ_256K, SZ_256K,
					SZ_256K, SZ_256K, 1, 16 * 7 };
	unsigned int q, nq = vd->builders, shape, i, tries, n;
	size_t *small = kunit_kcalloc(test, VBT_SMALL_SEGS + 3, sizeof(*small),
				      GFP_KERNEL);
	dma_addr_t **dma = kunit_kcalloc(test, nq, sizeof(*dma), GFP_KERNEL);
	u8 *buf = kunit_kmalloc(test, SZ_256K, GFP_KERNEL);
	unsigned long grows = vd->grows;
	const size_t *lens;

	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, dma);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, vd->pool_bytes, vd->pool_max);
	small[0] = 16;
	for (i = 1; i <= VBT_SMALL_SEGS; i++)
		small[i] = 512;
	small[VBT_SMALL_SEGS + 1] = 1;
	small[VBT_SMALL_SEGS + 2] = 16 * (VBT_SMALL_SEGS + 2);
	for (q = 0; q < nq; q++) {
		dma[q] = kunit_kcalloc(test, VBT_SMALL_SEGS + 3, sizeof(**dma),
				       GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, dma[q]);
	}
	fill(buf, SZ_256K, 95);
	for (shape = 0; shape < 3; shape++) {
		lens = shape == 1 ? small : large;
		n = shape == 1 ? VBT_SMALL_SEGS + 3 : ARRAY_SIZE(large);
		for (q = 0; q < nq; q++) {
			tries = vbt_map_request(dev, vd, buf, lens, n, dma[q], 64);
			KUNIT_ASSERT_GT_MSG(test, tries, 0U,
					    "shape %u: request %u of %u never mapped (pool %zuK, %lu recarves)",
					    shape, q + 1, nq, vd->pool_bytes >> 10,
					    vd->recarves);
		}
		/* All held at once; the device reads what was mapped. */
		for (q = 0; q < nq; q++)
			KUNIT_EXPECT_TRUE(test, check(dev_view(dma[q][1]),
						      lens[1], 95));
		for (q = 0; q < nq; q++)
			for (i = 0; i < n; i++)
				vbt_unmap(dev, dma[q][i], lens[i],
					  DMA_TO_DEVICE);
	}
	/* No chunk was allocated: the reserve did it all, by carving. */
	KUNIT_EXPECT_EQ(test, vd->grows, grows);
	KUNIT_EXPECT_GT(test, vd->recarves, 0UL);
	KUNIT_EXPECT_EQ(test, vd->pool_bytes, vd->pool_max);
}

/*
 * The isolation model (docs/design.md): a pool is one device's.  No chunk
 * of one device's pool is ever another's, and a chunk comes zeroed, so
 * the bytes another device left in freed memory never reach this one.
 */
static void vb_test_isolation(struct kunit *test)
{
	struct vb_test_ctx *ctx = test->priv;
	struct vb_dev *a = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	struct vb_config cfg = { .mode = VB_MODE_FORCE, .pool_min = SZ_1M,
				 .pool_max = SZ_8M, .iommu_detect = true };
	struct vb_test_ctx other = { };
	struct vb_chunk *ca, *cb;
	struct vb_dev *b;
	bool zero = true;
	size_t i;

	other.dev = kunit_device_register(test, "virtio_bounce_test2");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other.dev);
	other.dev->dma_parms = &other.parms;
	other.dev->dma_mask = &other.dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(other.dev, DMA_BIT_MASK(64)), 0);

	/* Stale bytes in every chunk of the first pool... */
	list_for_each_entry(ca, &a->all_chunks, all)
		memset(ca->vaddr, 0xa5, PAGE_SIZE << ca->order);
	b = vbt_attach_cfg(other.dev, &other, "vbtest2", &vb_plain_in, &cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	other.vd = b;
	KUNIT_EXPECT_PTR_NE(test, a, b);
	list_for_each_entry(cb, &b->all_chunks, all) {
		list_for_each_entry(ca, &a->all_chunks, all)
			KUNIT_EXPECT_TRUE(test,
					  ca->phys + VB_CHUNK_BYTES <= cb->phys ||
					  cb->phys + VB_CHUNK_BYTES <= ca->phys);
		for (i = 0; i < (PAGE_SIZE << cb->order); i++)
			zero &= !((u8 *)cb->vaddr)[i];
	}
	KUNIT_EXPECT_TRUE(test, zero);
	/* ...and freed: a second pool made now gets them back zeroed. */
	vbt_detach(test, &other);
	vbt_claimed(a);
	vbt_detach(test, ctx);
	ctx->vd = NULL;
	other.vd = NULL;
	b = vbt_attach_cfg(other.dev, &other, "vbtest2", &vb_plain_in, &cfg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	other.vd = b;
	zero = true;
	list_for_each_entry(cb, &b->all_chunks, all)
		for (i = 0; i < (PAGE_SIZE << cb->order); i++)
			zero &= !((u8 *)cb->vaddr)[i];
	KUNIT_EXPECT_TRUE(test, zero);
	vbt_detach(test, &other);
}

/*
 * A chunk being made is counted in pool_bytes from its reservation on;
 * a reader of sysfs or debugfs must never see pool_bytes above
 * pool_peak.  The backend's chunk_map runs in that window: look there.
 */
static const struct vb_backend_ops *vbt_real_be;
static struct vb_backend_ops vbt_peek_be;
static size_t vbt_seen_bytes, vbt_seen_peak;

static int vbt_peek_chunk_map(struct vb_dev *vd, struct vb_chunk *c,
			      gfp_t gfp)
{
	vbt_seen_bytes = READ_ONCE(vd->pool_bytes);
	vbt_seen_peak = READ_ONCE(vd->pool_peak);
	return vbt_real_be->chunk_map(vd, c, gfp);
}

static void vb_test_peak_covers_pool(struct kunit *test)
{
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_256K, SZ_64M);
	size_t before = vd->pool_bytes;

	vbt_real_be = vd->be;
	vbt_peek_be = *vd->be;
	vbt_peek_be.chunk_map = vbt_peek_chunk_map;
	vd->be = &vbt_peek_be;
	KUNIT_EXPECT_EQ(test, vb_grow(vd, 1, GFP_KERNEL), 0);
	vd->be = vbt_real_be;
	KUNIT_EXPECT_EQ(test, vbt_seen_bytes, before + SZ_256K);
	KUNIT_EXPECT_GE(test, vbt_seen_peak, vbt_seen_bytes);
	KUNIT_EXPECT_EQ(test, vd->pool_peak, vd->pool_bytes);
}

struct vb_on_cpu {
	struct device *dev;
	void *buf;
	int err;
};

static long vb_map_unmap_here(void *arg)
{
	struct vb_on_cpu *o = arg;
	dma_addr_t dma = vbt_map(o->dev, o->buf, 256, DMA_TO_DEVICE);

	if (vbt_mapping_error(o->dev, dma))
		return -ENOMEM;
	vbt_unmap(o->dev, dma, 256, DMA_TO_DEVICE);	/* cached there */
	return 0;
}

/*
 * Slots cached by a CPU that goes offline come back to the pool
 * (a CPU hotplug "dead" callback); on_each_cpu() never reached it.
 */
static void vb_test_cpu_offline(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	struct vb_on_cpu o = { .dev = dev };
	unsigned int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	cpu = cpumask_last(cpu_online_mask);
	o.buf = kunit_kmalloc(test, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o.buf);
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, vb_map_unmap_here, &o), 0L);
	/* One magazine was carved for that CPU and sits in its cache. */
	KUNIT_ASSERT_EQ(test, vd->cls[0].out, (unsigned long)VB_MAG_SIZE);
	KUNIT_ASSERT_EQ(test, remove_cpu(cpu), 0);
	KUNIT_EXPECT_EQ(test, vd->cls[0].out, 0UL);
	/* Nor does a flush, which only reaches online CPUs, lose count. */
	vb_flush_caches(vd);
	KUNIT_EXPECT_EQ(test, vd->cls[0].out, 0UL);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
	KUNIT_EXPECT_EQ(test, work_on_cpu(cpu, vb_map_unmap_here, &o), 0L);
	vb_flush_caches(vd);
	KUNIT_EXPECT_EQ(test, vd->cls[0].out, 0UL);
}

#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
/*
 * Dma_alloc_noncoherent() works on a claimed device, with syncs.
 * (virtio_map_ops has no noncoherent allocation: the 6.12 seam only.)
 */
static void vb_test_noncoherent(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	dma_addr_t dma;
	u8 *p;

	p = dma_alloc_noncoherent(dev, SZ_8K, &dma, DMA_BIDIRECTIONAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, in_pool(vd, dma));
	fill(p, SZ_8K, 87);
	vbt_sync_for_device(dev, dma, SZ_8K, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_TRUE(test, check(dev_view(dma), SZ_8K, 87));
	fill(dev_view(dma), SZ_8K, 88);
	vbt_sync_for_cpu(dev, dma, SZ_8K, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_TRUE(test, check(p, SZ_8K, 88));
	dma_free_noncoherent(dev, SZ_8K, p, dma, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 0UL);
}
#endif

/*
 * Two racing unmaps of one mapping (a driver bug).  Exactly one
 * may copy back and free the slot; before, both could pass the state
 * check during the copy and free it twice.
 */
struct vb_race {
	struct device *dev;
	void *buf;
	dma_addr_t dma;
	atomic_t go, done, running, errors;
	struct completion finished;
};

#define VB_RACE_LEN	SZ_256K	/* a long copy back: a wide window */
#define VB_RACE_ROUNDS	300

/*
 * Two threads on two CPUs, nothing else runnable there (the test thread
 * sleeps): thread 0 maps, then both unmap that mapping at once.
 */
static int vb_race_fn(void *arg)
{
	struct vb_race *r = arg;
	bool mapper = atomic_inc_return(&r->running) == 1;
	int round;

	for (round = 1; round <= VB_RACE_ROUNDS; round++) {
		if (mapper) {
			dma_addr_t dma = vbt_raw_map(r->dev, virt_to_page(r->buf),
						       offset_in_page(r->buf),
						       VB_RACE_LEN, DMA_FROM_DEVICE, 0);

			if (dma == DMA_MAPPING_ERROR)
				atomic_inc(&r->errors);
			WRITE_ONCE(r->dma, dma);
			atomic_set_release(&r->go, round);
		} else {
			while (atomic_read_acquire(&r->go) < round)
				cpu_relax();
		}
		vbt_raw_unmap(r->dev, READ_ONCE(r->dma), VB_RACE_LEN,
			      DMA_FROM_DEVICE, 0);
		atomic_inc(&r->done);
		while (atomic_read(&r->done) < 2 * round)
			cpu_relax();
	}
	complete(&r->finished);
	return 0;
}

static void vb_test_unmap_race(struct kunit *test)
{
	struct device *dev = ((struct vb_test_ctx *)test->priv)->dev;
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	struct vb_race r = { .dev = dev };
	unsigned int cpus[2];
	int i;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	r.buf = (void *)__get_free_pages(GFP_KERNEL, get_order(VB_RACE_LEN));
	KUNIT_ASSERT_NOT_NULL(test, r.buf);
	atomic_set(&r.go, 0);
	atomic_set(&r.done, 0);
	atomic_set(&r.running, 0);
	atomic_set(&r.errors, 0);
	init_completion(&r.finished);
	cpus[0] = cpumask_first(cpu_online_mask);
	cpus[1] = cpumask_next(cpus[0], cpu_online_mask);
	for (i = 0; i < 2; i++) {
		struct task_struct *t = kthread_create(vb_race_fn, &r, "vb_race/%u",
						       cpus[i]);

		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, cpus[i]);
		wake_up_process(t);
	}
	wait_for_completion(&r.finished);
	wait_for_completion(&r.finished);
	free_pages((unsigned long)r.buf, get_order(VB_RACE_LEN));
	KUNIT_EXPECT_EQ(test, atomic_read(&r.errors), 0);
	/* Each mapping freed once: one good and one refused unmap a round. */
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_UNMAPS), (unsigned long)VB_RACE_ROUNDS);
	KUNIT_EXPECT_EQ(test, st(vd, VB_STAT_BAD_UNMAPS), (unsigned long)VB_RACE_ROUNDS);
	KUNIT_EXPECT_EQ(test, vb_pool_in_use(vd), 0UL);
}

/* A type rule picks the mode the table decides with, and says so. */
static void vb_test_rule_decides(struct kunit *test)
{
	struct vb_config cfg = {
		.mode = VB_MODE_ON, .pool_min = SZ_1M, .pool_max = SZ_8M,
		.iommu_detect = true, .nr_rules = 1,
		.rules[0] = { .mode = VB_MODE_FORCE, .virtio_id = VIRTIO_ID_NET,
			      .text = "net:force" },
	};
	struct vb_policy_in in = vb_plain_in;
	struct vb_dev *vd;

	in.virtio_id = VIRTIO_ID_NET;
	vd = vb_test_claim_cfg(test, &cfg, &in);
	KUNIT_EXPECT_EQ(test, vd->mode, VB_MODE_FORCE);
	KUNIT_EXPECT_STREQ(test, vd->d.rule, "net:force");
	KUNIT_EXPECT_FALSE(test, vd->d.direct_ok);
	KUNIT_EXPECT_FALSE(test, vb_bypass(vd));
}

/* The sysfs max: validated as max= is, and growth follows it. */
static void vb_test_set_max(struct kunit *test)
{
	struct vb_dev *vd = vb_test_claim(test, VB_MODE_FORCE, SZ_1M, SZ_8M);
	unsigned int top = vd->max_shift - VB_MIN_SHIFT;
	size_t need = vd->reserve, max0 = vd->pool_max;
	int i;

	/* Bad values change nothing. */
	KUNIT_EXPECT_EQ(test, vb_set_max(vd, SZ_128K), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb_set_max(vd, SZ_1G + SZ_4K), -EINVAL);
	KUNIT_EXPECT_EQ(test, vb_set_max(vd, SZ_1M - SZ_4K), -EINVAL);	/* < pool */
	/* Below the progress reserve. */
	KUNIT_EXPECT_EQ(test, vb_set_max(vd, need - SZ_4K), -EINVAL);
	KUNIT_EXPECT_EQ(test, vd->pool_max, max0);

	/* Raised: the pool grows past the old limit, up to the new one. */
	KUNIT_ASSERT_EQ(test, vb_set_max(vd, max0 + SZ_8M), 0);
	for (i = 0; i < 64 && !vb_grow(vd, top, GFP_KERNEL); i++)
		;
	KUNIT_EXPECT_EQ(test, vb_grow(vd, top, GFP_KERNEL), -ENOSPC);
	KUNIT_EXPECT_GT(test, vd->pool_bytes, max0);
	KUNIT_EXPECT_LE(test, vd->pool_bytes, max0 + SZ_8M);

	/* Lowered: idle chunks go at once, and growth stops at the limit. */
	KUNIT_ASSERT_EQ(test, vb_set_max(vd, need), 0);
	flush_delayed_work(&vd->shrink_work);
	KUNIT_EXPECT_LE(test, vd->pool_bytes, need);
	KUNIT_EXPECT_EQ(test, vd->max_shift, top + VB_MIN_SHIFT);
	for (i = 0; i < 64 && !vb_grow(vd, top, GFP_KERNEL); i++)
		;
	KUNIT_EXPECT_LE(test, vd->pool_bytes, need);
}

static struct kunit_case vb_test_cases[] = {
	KUNIT_CASE(vb_test_policy),
	KUNIT_CASE(vb_test_parse),
	KUNIT_CASE(vb_test_rules),
	KUNIT_CASE(vb_test_rule_decides),
	KUNIT_CASE(vb_test_set_max),
	KUNIT_CASE(vb_test_size_classes),
	KUNIT_CASE(vb_test_directions),
	KUNIT_CASE(vb_test_partial_sync),
	KUNIT_CASE(vb_test_sg),
	KUNIT_CASE(vb_test_coherent),
	KUNIT_CASE(vb_test_min_align),
	KUNIT_CASE(vb_test_exhaustion),
#ifdef CONFIG_ARCH_HAS_DMA_OPS
	KUNIT_CASE(vb_test_fallback),
#endif
	KUNIT_CASE(vb_test_bad_unmaps),
	KUNIT_CASE(vb_test_cache),
	KUNIT_CASE(vb_test_direct),
	KUNIT_CASE(vb_test_shrink),
	KUNIT_CASE(vb_test_stress),
	KUNIT_CASE(vb_test_footprint),
	KUNIT_CASE(vb_test_need_sync),
	KUNIT_CASE(vb_test_no_mask),
	KUNIT_CASE(vb_test_shared_dma_dev),
	KUNIT_CASE(vb_test_detach_live),
	KUNIT_CASE(vb_test_recarve),
	KUNIT_CASE(vb_test_progress),
	KUNIT_CASE(vb_test_isolation),
	KUNIT_CASE(vb_test_peak_covers_pool),
	KUNIT_CASE(vb_test_cpu_offline),
#ifndef CONFIG_VIRTIO_BOUNCE_MAP_OPS
	KUNIT_CASE(vb_test_noncoherent),
#endif
	KUNIT_CASE(vb_test_unmap_race),
	{}
};

static struct kunit_suite vb_test_suite = {
	.name = "virtio_bounce",
	.init = vb_test_init,
	.exit = vb_test_exit,
	.test_cases = vb_test_cases,
};

kunit_test_suite(vb_test_suite);

MODULE_DESCRIPTION("KUnit tests for virtio_bounce");
MODULE_LICENSE("GPL");
