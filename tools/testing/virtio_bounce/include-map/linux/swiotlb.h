/* SPDX-License-Identifier: GPL-2.0 */
/* The base tree's own include/linux/swiotlb.h (path from the Makefile) */
#include VB_REAL_SWIOTLB_H
