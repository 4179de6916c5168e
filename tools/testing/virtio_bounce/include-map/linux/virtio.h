/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What virtio_bounce_dmaops.c's virtio core glue reads of a virtio device
 * (never called by the map benchmark); the rest in map_kernel.h.
 */
#ifndef _VB_MAP_LINUX_VIRTIO_H
#define _VB_MAP_LINUX_VIRTIO_H

struct virtio_device {
	unsigned int index;
	struct device dev;
};

#endif
