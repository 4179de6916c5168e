/* SPDX-License-Identifier: GPL-2.0 */
/* The real include/linux/virtio_bounce.h (its path from the Makefile). */
#include VB_REAL_VIRTIO_BOUNCE_H
