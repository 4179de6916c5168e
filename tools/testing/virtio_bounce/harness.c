// SPDX-License-Identifier: GPL-2.0
/*
 * A backend for the pool (chunk device address == its fake physical
 * address; the kernel's are in virtio_bounce_backend.c and
 * virtio_bounce_xen.c, which the harness does not build), and device
 * setup.  Tests define other backends where they need one (test.c).
 */
#include <stdlib.h>

#include "harness.h"

unsigned long vbh_chunk_maps, vbh_chunk_unmaps;
gfp_t vbh_last_map_gfp;

static int vbh_chunk_map(struct vb_dev *vd, struct vb_chunk *c, gfp_t gfp)
{
	(void)vd;
	__atomic_store_n(&vbh_last_map_gfp, gfp, __ATOMIC_RELAXED);
	__atomic_add_fetch(&vbh_chunk_maps, 1, __ATOMIC_RELAXED);
	c->dma = c->phys;
	return 0;
}

static void vbh_chunk_unmap(struct vb_dev *vd, struct vb_chunk *c)
{
	(void)vd;
	(void)c;
	__atomic_add_fetch(&vbh_chunk_unmaps, 1, __ATOMIC_RELAXED);
}

static dma_addr_t vbh_direct(struct vb_dev *vd, phys_addr_t phys, size_t size)
{
	return phys + size - 1 <= dma_get_mask(vd->dev) ? phys :
							 DMA_MAPPING_ERROR;
}

/* The pool needs one backend; this one is the identity backend's shape. */
const struct vb_backend_ops vbh_backend = {
	.name = "harness",
	.atomic_grow = true,
	.phys_addressed = true,
	.max_shift = VB_MAX_SHIFT,
	.chunk_map = vbh_chunk_map,
	.chunk_unmap = vbh_chunk_unmap,
	.direct = vbh_direct,
};

struct vb_dev *vbh_create_err(const struct vbh_params *p, int *err)
{
	struct device *dev = calloc(1, sizeof(*dev));
	struct vb_dev *vd = calloc(1, sizeof(*vd));	/* as vb_attach's kzalloc */
	int ret = -ENOMEM;

	if (!dev || !vd)
		goto fail;
	dev->init_name = "vbh0";
	dev->dma_mask = p->dma_mask ? p->dma_mask : DMA_BIT_MASK(64);
	dev->dma_ops = &vd->ops;	/* as vb_attach does: to_vb_dev() works */
	vd->dev = dev;
	snprintf(vd->name, sizeof(vd->name), "vbh0");
	vd->mode = VB_MODE_FORCE;
	vd->be = p->be ? p->be : &vbh_backend;
	vd->d.backend = VB_BACKEND_IDENTITY;
	vd->d.direct_ok = p->direct_ok;
	vd->d.why = "userspace harness";
	vd->parent = VB_PARENT_DIRECT;
	vd->pool_min = p->pool_min;
	vd->pool_max = p->pool_max;
	vd->max_shift = p->max_shift ? p->max_shift : vd->be->max_shift;
	if (vd->max_shift > vd->be->max_shift)
		vd->max_shift = vd->be->max_shift;
	vd->shrink_interval = p->shrink_interval;
	/*
	 * As vb_dev_new(): a device that may bounce has a progress reserve,
	 * here pool_min (p->reserve when given); the 1:1 path of a backend
	 * that grows atomically stands for the bypass device, which has none.
	 */
	vd->builders = 1;
	if (!(p->direct_ok && vd->be->atomic_grow))
		vd->reserve = p->reserve ? p->reserve : p->pool_min;
	ret = vb_pool_init(vd);
	if (ret)
		goto fail;
	if (err)
		*err = 0;
	return vd;
fail:
	if (err)
		*err = ret;
	free(vd);
	free(dev);
	return NULL;
}

struct vb_dev *vbh_create(const struct vbh_params *p)
{
	return vbh_create_err(p, NULL);
}

void vbh_destroy(struct vb_dev *vd)
{
	if (!vd)
		return;
	vb_pool_destroy(vd);
	free(vd->dev);
	free(vd);
}
