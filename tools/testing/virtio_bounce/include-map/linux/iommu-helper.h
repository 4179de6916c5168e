/* SPDX-License-Identifier: GPL-2.0 */
/* The base tree's own include/linux/iommu-helper.h (path from the Makefile) */
#include VB_REAL_IOMMU_HELPER_H
