/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/mm.h>: the page allocator lives in gfp.h. */
#ifndef _VB_SHIM_LINUX_MM_H
#define _VB_SHIM_LINUX_MM_H

#include <linux/gfp.h>

#define PFN_PHYS(pfn)		((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PHYS_PFN(phys)		((unsigned long)((phys) >> PAGE_SHIFT))
#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)

static inline int get_order(unsigned long size)
{
	return size <= PAGE_SIZE ? 0 : (int)fls_long((size - 1) >> PAGE_SHIFT);
}

#endif /* _VB_SHIM_LINUX_MM_H */
