// SPDX-License-Identifier: GPL-2.0
/*
 * virtio side of virtio_bounce: tell kernel/dma what only virtio knows
 * about a device (its features, its transport) and hand it the device.
 *
 * Called from virtio_dev_probe() once features are negotiated (modern and
 * legacy devices alike), before the driver probes and creates its
 * virtqueues.  Not at restore: a claimed device stays claimed over
 * suspend, and one left on its stock path at probe has live stock
 * mappings that our ops could not undo.
 */
#include <linux/device.h>
#include <linux/virtio.h>
#include <linux/virtio_bounce.h>
#include <linux/virtio_config.h>

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

/* What only the virtio core knows about @vdev, for the decision. */
static void vb_info(struct virtio_device *vdev, struct vb_attach_info *info)
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

#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
/**
 * virtio_bounce_attach() - decide for @vdev and install its map ops
 * @vdev: a virtio device whose features are final, no virtqueue yet
 *
 * Idempotent.  A transport that maps on its own (vDPA, VDUSE: vdev->map
 * set already) is left alone.  Never fails the device: if no pool can be
 * built it keeps the DMA API and the log says so.
 */
void virtio_bounce_attach(struct virtio_device *vdev)
{
	struct device *dma_dev = vdev->dev.parent;
	struct vb_attach_info info;
	struct vb_dev *vd;

	if (!dma_dev || vdev->map)
		return;
	vb_info(vdev, &info);
	vd = vb_attach(dma_dev, vdev, &info);
	if (IS_ERR(vd)) {
		dev_warn(&vdev->dev,
			 "virtio_bounce: not claimed (%ld), stock DMA path kept\n",
			 PTR_ERR(vd));
		return;
	}
	if (!vd)
		return;
	vdev->vmap.bounce = vd;
	vdev->map = &vb_virtio_map_ops;
}

/**
 * virtio_bounce_detach() - remove @vdev's map ops, its virtqueues gone
 * @vdev: a virtio device
 */
void virtio_bounce_detach(struct virtio_device *vdev)
{
	struct vb_dev *vd = vdev->vmap.bounce;

	vb_forget(vdev->index);
	if (vdev->map != &vb_virtio_map_ops)
		return;
	/* Nothing may reach the state once it is freed. */
	vdev->map = NULL;
	vdev->vmap = (union virtio_map){};
	vb_detach(vd);
}

/**
 * virtio_bounce_claimed() - does virtio_bounce map @vdev's buffers?
 * @vdev: a virtio device
 *
 * Return: true when our virtio_map_ops are installed on @vdev.
 */
bool virtio_bounce_claimed(const struct virtio_device *vdev)
{
	return vdev->map == &vb_virtio_map_ops;
}

/**
 * virtio_bounce_max_request() - the largest request @vdev's driver may send
 * @vdev: a virtio device whose driver is probing
 *
 * All the mappings of a request must fit in the bounce pool at once, and
 * the pool's progress reserve holds a request of this size per CPU
 * whatever the device advertises (e.g. virtio-blk's io_opt).
 *
 * Return: bytes; SIZE_MAX when virtio_bounce does not bounce for @vdev.
 */
size_t virtio_bounce_max_request(struct virtio_device *vdev)
{
	return virtio_bounce_claimed(vdev) ? vb_max_request(vdev->vmap.bounce) :
					     SIZE_MAX;
}
EXPORT_SYMBOL_GPL(virtio_bounce_max_request);
#else
/**
 * virtio_bounce_attach() - decide for @vdev and claim its DMA device
 * @vdev: a virtio device whose features are final
 *
 * Idempotent: a device already claimed for @vdev stays claimed.  Never
 * fails the device: if no pool can be built it keeps its stock DMA path
 * and the log says so.
 */
void virtio_bounce_attach(struct virtio_device *vdev)
{
	struct device *dma_dev = vdev->dev.parent;
	struct vb_attach_info info;
	int err;

	if (!dma_dev || vb_claimed_by(dma_dev, vdev))
		return;
	vb_info(vdev, &info);
	err = vb_attach(dma_dev, vdev, &info);
	if (err)
		dev_warn(&vdev->dev,
			 "virtio_bounce: not claimed (%d), stock DMA path kept\n",
			 err);
}

/**
 * virtio_bounce_detach() - give @vdev's DMA device its stock DMA path back
 * @vdev: a virtio device whose driver has released all its mappings
 */
void virtio_bounce_detach(struct virtio_device *vdev)
{
	vb_forget(vdev->index);
	if (vdev->dev.parent)
		vb_detach(vdev->dev.parent, vdev);
}

/**
 * virtio_bounce_claimed() - must virtio use the DMA API for @vdev?
 * @vdev: a virtio device
 *
 * Return: true when virtio_bounce owns @vdev's DMA device, so that
 * vring_use_dma_api() routes every buffer through our ops even for a
 * device without ACCESS_PLATFORM.
 */
bool virtio_bounce_claimed(const struct virtio_device *vdev)
{
	return vdev->dev.parent && vb_claimed_by(vdev->dev.parent, vdev);
}

/**
 * virtio_bounce_max_request() - the largest request @vdev's driver may send
 * @vdev: a virtio device whose driver is probing
 *
 * All the mappings of a request must fit in the bounce pool at once, and
 * the pool's progress reserve holds a request of this size per CPU
 * whatever the device advertises (e.g. virtio-blk's io_opt).
 *
 * Return: bytes; SIZE_MAX when virtio_bounce does not bounce for @vdev.
 */
size_t virtio_bounce_max_request(struct virtio_device *vdev)
{
	return virtio_bounce_claimed(vdev) ? vb_max_request(vdev->dev.parent) :
					     SIZE_MAX;
}
EXPORT_SYMBOL_GPL(virtio_bounce_max_request);
#endif
