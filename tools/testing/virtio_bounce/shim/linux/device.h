/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/device.h>: a device is a name, a DMA mask, a
 * bus limit and a dma_map_ops pointer.  The mask is a u64 here, not the
 * kernel's u64 * (never NULL).  dev_warn()/dev_err() go to stderr (unless
 * vb_shim_quiet) and are counted.
 */
#ifndef _VB_SHIM_LINUX_DEVICE_H
#define _VB_SHIM_LINUX_DEVICE_H

#include <linux/kernel.h>

struct dma_map_ops;

struct device {
	const char *init_name;
	u64 dma_mask;
	u64 coherent_dma_mask;
	u64 bus_dma_limit;		/* 0: none, as in the kernel */
	const struct dma_map_ops *dma_ops;
	bool dma_iommu;
	void *driver_data;
};

static inline const char *dev_name(const struct device *dev)
{
	return dev && dev->init_name ? dev->init_name : "(null)";
}

#define dev_err(dev, fmt, ...)						\
	vb_shim_log(vb_shim_nr_errors, "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...)						\
	vb_shim_log(vb_shim_nr_warnings, "%s: " fmt, dev_name(dev), ##__VA_ARGS__)
#define dev_info(dev, fmt, ...)						\
	do { if (!vb_shim_quiet) fprintf(stderr, "%s: " fmt, dev_name(dev), ##__VA_ARGS__); } while (0)
#define dev_dbg(dev, fmt, ...)						\
	do { if (0) fprintf(stderr, "%s: " fmt, dev_name(dev), ##__VA_ARGS__); } while (0)
#define dev_warn_once(dev, fmt, ...)	dev_warn(dev, fmt, ##__VA_ARGS__)

#endif /* _VB_SHIM_LINUX_DEVICE_H */
