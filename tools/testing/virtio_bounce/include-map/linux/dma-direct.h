/* SPDX-License-Identifier: GPL-2.0 */
/* map_kernel.h (-include) has the rest; the kernel's includes swiotlb.h */
#include <linux/swiotlb.h>
