/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_bounce: a per-device bounce-buffer DMA backend for virtio devices.
 *
 * The virtio core calls virtio_bounce_attach() once per device, once its
 * features are final: virtio_bounce decides whether the device must
 * bounce and, if so, how its buffers are mapped (kernel/dma/virtio_bounce*.c).
 * Boot parameter: virtio_bounce= in
 * Documentation/admin-guide/kernel-parameters.txt; per-device files in
 * /sys/bus/virtio/devices/virtioN/virtio_bounce/
 * (Documentation/ABI/testing/sysfs-bus-virtio-virtio_bounce).
 */
#ifndef _LINUX_VIRTIO_BOUNCE_H
#define _LINUX_VIRTIO_BOUNCE_H

#include <linux/limits.h>
#include <linux/types.h>

struct attribute_group;
struct virtio_device;

#ifdef CONFIG_VIRTIO_BOUNCE
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
