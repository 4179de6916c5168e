/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_bounce: a per-device bounce-buffer DMA backend for virtio devices.
 *
 * The virtio core asks virtio_bounce, once per device and once its
 * features are final, whether to install a dedicated struct dma_map_ops
 * on the device's DMA device (the transport's parent: the PCI function
 * for virtio-pci).  Boot parameter: virtio_bounce= in
 * Documentation/admin-guide/kernel-parameters.txt; per-device files in
 * /sys/bus/virtio/devices/virtioN/virtio_bounce/
 * (Documentation/ABI/testing/sysfs-bus-virtio-virtio_bounce).
 */
#ifndef _LINUX_VIRTIO_BOUNCE_H
#define _LINUX_VIRTIO_BOUNCE_H

#include <linux/limits.h>
#include <linux/types.h>

struct attribute_group;
struct device;
struct virtio_device;
struct virtio_map_ops;

/**
 * struct vb_attach_info - what the virtio core knows about a device
 * @name: name for messages and debugfs (the virtio device's)
 * @access_platform: VIRTIO_F_ACCESS_PLATFORM was negotiated, i.e. the
 *	device honours the platform's DMA translation
 * @own_dma_dev: the DMA device is this virtio device's own function
 *	(virtio-pci, virtio-mmio), not one that other functions map through
 *	(e.g. the vDPA parent of virtio_vdpa)
 * @virtio_id: the device type (VIRTIO_ID_*), for per-type rules
 * @index: the virtio device's index (virtioN): its sysfs record
 */
struct vb_attach_info {
	const char *name;
	bool access_platform;
	bool own_dma_dev;
	u32 virtio_id;
	unsigned int index;
};

#ifdef CONFIG_VIRTIO_BOUNCE
#ifdef CONFIG_VIRTIO_BOUNCE_MAP_OPS
struct vb_dev;

extern const struct virtio_map_ops vb_virtio_map_ops;
struct vb_dev *vb_attach(struct device *dma_dev, const void *owner,
			 const struct vb_attach_info *info);
void vb_detach(struct vb_dev *vd);
size_t vb_max_request(struct vb_dev *vd);
#else
int vb_attach(struct device *dma_dev, const void *owner,
	      const struct vb_attach_info *info);
void vb_detach(struct device *dma_dev, const void *owner);
bool vb_claimed_by(const struct device *dma_dev, const void *owner);
size_t vb_max_request(struct device *dma_dev);
#endif

void vb_forget(unsigned int index);
extern const struct attribute_group virtio_bounce_attr_group;

void virtio_bounce_attach(struct virtio_device *vdev);
void virtio_bounce_detach(struct virtio_device *vdev);
bool virtio_bounce_claimed(const struct virtio_device *vdev);
size_t virtio_bounce_max_request(struct virtio_device *vdev);
#else
static inline void virtio_bounce_attach(struct virtio_device *vdev) { }
static inline void virtio_bounce_detach(struct virtio_device *vdev) { }
static inline bool virtio_bounce_claimed(const struct virtio_device *vdev)
{
	return false;
}

static inline size_t virtio_bounce_max_request(struct virtio_device *vdev)
{
	return SIZE_MAX;
}
#endif

#endif /* _LINUX_VIRTIO_BOUNCE_H */
