// SPDX-License-Identifier: GPL-2.0
/*
 * virtio side of virtio_bounce: gather what the policy needs to know
 * about a virtio device and hand its DMA device to kernel/dma.
 *
 * Called from virtio_features_ok(), i.e. once features are negotiated,
 * before the driver probes (or restores) and creates its virtqueues.
 */
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/iommu-dma.h>
#include <linux/virtio.h>
#include <linux/virtio_bounce.h>
#include <linux/virtio_config.h>
#include <xen/xen.h>
#include <xen/xen-ops.h>

/**
 * virtio_bounce_attach() - decide for @vdev and claim its DMA device
 * @vdev: a virtio device whose features are final
 *
 * Idempotent: a device that is already claimed (restore) stays claimed.
 * Never fails the device: if no pool can be built it keeps its stock
 * DMA path and the log says so.
 */
void virtio_bounce_attach(struct virtio_device *vdev)
{
	struct device *dma_dev = vdev->dev.parent;
	struct vb_policy_in in = {};
	int err;

	if (!dma_dev || vb_claimed(dma_dev))
		return;
	in.xen_pv = xen_pv_domain();
	in.xen_grant = IS_ENABLED(CONFIG_XEN_GRANT_DMA_OPS) &&
		       xen_virtio_restricted_mem_acc(vdev);
	in.foreign_ops = dma_dev->dma_ops;
	in.iommu_dma = use_dma_iommu(dma_dev);
	in.iommu_detectable = vb_iommu_detectable();
	in.access_platform = virtio_has_feature(vdev, VIRTIO_F_ACCESS_PLATFORM);
	in.dma_mask = dma_get_mask(dma_dev);

	err = vb_attach(dma_dev, dev_name(&vdev->dev), &in);
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
	if (vdev->dev.parent)
		vb_detach(vdev->dev.parent);
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
	return vdev->dev.parent && vb_claimed(vdev->dev.parent);
}
