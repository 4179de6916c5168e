/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The real include/linux/virtio_bounce.h, unchanged (it only needs
 * <linux/types.h>, which resolves to the shim's).  The Makefile passes
 * its path; the fallback is where it sits relative to this file.
 */
#ifndef _VB_SHIM_LINUX_VIRTIO_BOUNCE_H
#define _VB_SHIM_LINUX_VIRTIO_BOUNCE_H

#ifdef VB_REAL_VIRTIO_BOUNCE_H
#include VB_REAL_VIRTIO_BOUNCE_H
#else
#include "../../../../../include/linux/virtio_bounce.h"
#endif

#endif /* _VB_SHIM_LINUX_VIRTIO_BOUNCE_H */
