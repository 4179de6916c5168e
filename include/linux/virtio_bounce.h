/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_bounce: a per-device bounce-buffer DMA backend for virtio devices.
 *
 * The virtio core asks virtio_bounce, once per device and after feature
 * negotiation, whether to install a dedicated struct dma_map_ops on the
 * device's DMA device (the transport's parent: the PCI function for
 * virtio-pci).  See Documentation in docs/design.md of the project.
 */
#ifndef _LINUX_VIRTIO_BOUNCE_H
#define _LINUX_VIRTIO_BOUNCE_H

#include <linux/types.h>

struct device;
struct virtio_device;

/**
 * enum vb_mode - what virtio_bounce= asked for
 * @VB_MODE_OFF: stock kernel behaviour, nothing is installed
 * @VB_MODE_ON: 1:1 fast path where the device is provably not behind an
 *	IOMMU and the buffer is DMA-capable, bounce otherwise
 * @VB_MODE_FORCE: always bounce: the device only ever sees pool addresses
 */
enum vb_mode {
	VB_MODE_OFF,
	VB_MODE_ON,
	VB_MODE_FORCE,
};

/**
 * enum vb_backend - how pool chunks (and 1:1 buffers) get device addresses
 * @VB_BACKEND_NONE: device not claimed, stock DMA path
 * @VB_BACKEND_IDENTITY: device address == physical address (no IOMMU)
 * @VB_BACKEND_PARENT: each chunk mapped once through the device's previous
 *	DMA path (IOMMU-DMA, arch ops or dma-direct)
 * @VB_BACKEND_XEN: each chunk exchanged for machine-contiguous memory once
 *	(xen_create_contiguous_region); Xen PV only
 */
enum vb_backend {
	VB_BACKEND_NONE,
	VB_BACKEND_IDENTITY,
	VB_BACKEND_PARENT,
	VB_BACKEND_XEN,
};

/**
 * struct vb_policy_in - facts about one device that the policy decides on
 * @xen_pv: running as a Xen PV guest (pseudo-physical != machine)
 * @xen_grant: Xen grant DMA ops own this device
 * @shared_dma: the DMA device is not this virtio device's alone (e.g. the
 *	vDPA parent of virtio_vdpa, which other functions also map through)
 * @mem_encrypted: memory-encrypted guest (SEV, TDX):
 *	force_dma_unencrypted() is true, the device reaches shared pages only
 * @foreign_ops: the DMA device already has its own dma_map_ops
 * @iommu_dma: the DMA device is attached to an IOMMU-DMA domain
 * @iommu_detectable: the platform can tell whether an IOMMU translates
 *	this device (firmware tables describe every IOMMU)
 * @access_platform: VIRTIO_F_ACCESS_PLATFORM was negotiated, i.e. the
 *	device honours the platform's DMA translation
 * @dma_mask: the device's streaming DMA mask
 */
struct vb_policy_in {
	bool xen_pv;
	bool xen_grant;
	bool shared_dma;
	bool mem_encrypted;
	bool foreign_ops;
	bool iommu_dma;
	bool iommu_detectable;
	bool access_platform;
	u64 dma_mask;
};

/**
 * struct vb_decision - the outcome of the policy for one device
 * @backend: translation backend, %VB_BACKEND_NONE when not claimed
 * @direct_ok: 1:1 (no-copy) maps are allowed for DMA-capable buffers
 * @why: one line that says why, printed in dmesg and debugfs
 */
struct vb_decision {
	enum vb_backend backend;
	bool direct_ok;
	const char *why;
};

void vb_decide(enum vb_mode mode, const struct vb_policy_in *in,
	       struct vb_decision *out);
const char *vb_mode_name(enum vb_mode mode);
const char *vb_backend_name(enum vb_backend backend);

#ifdef CONFIG_VIRTIO_BOUNCE
enum vb_mode vb_default_mode(void);
bool vb_iommu_detectable(void);
int vb_attach(struct device *dma_dev, const void *owner, const char *name,
	      const struct vb_policy_in *in);
void vb_detach(struct device *dma_dev, const void *owner);
bool vb_claimed(const struct device *dma_dev);
bool vb_claimed_by(const struct device *dma_dev, const void *owner);

void virtio_bounce_attach(struct virtio_device *vdev);
void virtio_bounce_detach(struct virtio_device *vdev);
bool virtio_bounce_claimed(const struct virtio_device *vdev);
#else
static inline void virtio_bounce_attach(struct virtio_device *vdev) { }
static inline void virtio_bounce_detach(struct virtio_device *vdev) { }
static inline bool virtio_bounce_claimed(const struct virtio_device *vdev)
{
	return false;
}
#endif

#endif /* _LINUX_VIRTIO_BOUNCE_H */
