/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/gfp.h>: flag values (only ever tested, never
 * acted on except __GFP_ZERO) and the page allocator: alloc_pages() is
 * aligned_alloc(PAGE_SIZE << order) aligned to its size, like the buddy
 * allocator, and "physical" address == virtual address.
 */
#ifndef _VB_SHIM_LINUX_GFP_H
#define _VB_SHIM_LINUX_GFP_H

#include <linux/kernel.h>

#define __GFP_DMA		0x01u
#define __GFP_DMA32		0x04u
#define __GFP_HIGH		0x20u
#define __GFP_IO		0x40u
#define __GFP_FS		0x80u
#define __GFP_ZERO		0x100u
#define __GFP_DIRECT_RECLAIM	0x400u
#define __GFP_KSWAPD_RECLAIM	0x800u
#define __GFP_NOWARN		0x2000u
#define __GFP_RETRY_MAYFAIL	0x4000u
#define __GFP_NOFAIL		0x8000u
#define __GFP_NORETRY		0x10000u

#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_DMA			__GFP_DMA
#define GFP_DMA32		__GFP_DMA32

#ifndef PAGE_SHIFT
#define PAGE_SHIFT		12
#endif
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))

/* Opaque: a struct page * is the address of the first byte. */
struct page;

struct page *vb_shim_alloc_pages(gfp_t gfp, unsigned int order);
void vb_shim_free_pages(void *addr, unsigned int order);

static inline struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return vb_shim_alloc_pages(gfp, order);
}

static inline void *page_address(const struct page *page)
{
	return (void *)page;
}

static inline struct page *virt_to_page(const void *addr)
{
	return (struct page *)addr;
}

static inline phys_addr_t page_to_phys(const struct page *page)
{
	return (phys_addr_t)(uintptr_t)page;
}

static inline phys_addr_t virt_to_phys(const void *addr)
{
	return (phys_addr_t)(uintptr_t)addr;
}

static inline void *phys_to_virt(phys_addr_t phys)
{
	return (void *)(uintptr_t)phys;
}

static inline unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	return (unsigned long)alloc_pages(gfp, order);
}

static inline void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		vb_shim_free_pages((void *)addr, order);
}

static inline void __free_pages(struct page *page, unsigned int order)
{
	free_pages((unsigned long)page, order);
}

#endif /* _VB_SHIM_LINUX_GFP_H */
