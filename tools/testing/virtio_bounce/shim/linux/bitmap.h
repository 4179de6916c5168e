/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/bitmap.h>: the few helpers the pool uses. */
#ifndef _VB_SHIM_LINUX_BITMAP_H
#define _VB_SHIM_LINUX_BITMAP_H

#include <linux/bitops.h>
#include <linux/slab.h>

static inline unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags)
{
	return kcalloc(BITS_TO_LONGS(nbits), sizeof(unsigned long), flags);
}

static inline unsigned long *bitmap_alloc(unsigned int nbits, gfp_t flags)
{
	return kmalloc_array(BITS_TO_LONGS(nbits), sizeof(unsigned long), flags);
}

static inline void bitmap_free(const unsigned long *bitmap)
{
	kfree(bitmap);
}

static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

/* As the kernel's: whole words set, the tail of the last one cleared. */
static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	unsigned int full = nbits / BITS_PER_LONG;

	memset(dst, 0xff, full * sizeof(unsigned long));
	if (nbits % BITS_PER_LONG)
		dst[full] = ~0UL >> (BITS_PER_LONG - nbits % BITS_PER_LONG);
}

static inline unsigned int bitmap_weight(const unsigned long *src,
					 unsigned int nbits)
{
	unsigned int i, w = 0;

	for (i = 0; i < nbits; i++)
		w += test_bit(i, src);
	return w;
}

static inline bool bitmap_full(const unsigned long *src, unsigned int nbits)
{
	return bitmap_weight(src, nbits) == nbits;
}

#endif /* _VB_SHIM_LINUX_BITMAP_H */
