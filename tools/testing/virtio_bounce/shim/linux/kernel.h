/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of the <linux/kernel.h> family: container_of, min/max,
 * swap, struct_size, fls_long, errno values, printk, init and export
 * annotations.  Everything the virtio_bounce pool uses and nothing more
 * than a few neighbours of it.
 */
#ifndef _VB_SHIM_LINUX_KERNEL_H
#define _VB_SHIM_LINUX_KERNEL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <linux/compiler.h>

#define container_of(ptr, type, member) ({				\
	void *__mptr = (void *)(ptr);					\
	((type *)((char *)__mptr - offsetof(type, member))); })

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define min(a, b) ({ __auto_type __a = (a); __auto_type __b = (b);	\
		     __a < __b ? __a : __b; })
#define max(a, b) ({ __auto_type __a = (a); __auto_type __b = (b);	\
		     __a > __b ? __a : __b; })
#define min_t(t, a, b) ({ t __a = (a); t __b = (b); __a < __b ? __a : __b; })
#define max_t(t, a, b) ({ t __a = (a); t __b = (b); __a > __b ? __a : __b; })
#define clamp(v, lo, hi)	min(max(v, lo), hi)
#define min_not_zero(x, y) ({ __auto_type __x = (x); __auto_type __y = (y); \
	__x == 0 ? __y : (__y == 0 ? __x : min(__x, __y)); })

#define swap(a, b) do {							\
	typeof(a) __tmp = (a);						\
	(a) = (b);							\
	(b) = __tmp;							\
} while (0)

/* <linux/overflow.h>: no overflow saturation, the sizes here are small. */
#define struct_size(p, member, count)					\
	(sizeof(*(p)) + sizeof(*(p)->member) * (size_t)(count))
#define array_size(a, b)	((size_t)(a) * (size_t)(b))

#define __ALIGN_MASK(x, mask)	(((x) + (mask)) & ~(mask))
#define ALIGN(x, a)		__ALIGN_MASK(x, (typeof(x))(a) - 1)
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#define BITS_PER_LONG		(8 * (int)sizeof(long))
#define BIT(nr)			(1UL << (nr))

static inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline unsigned int fls_long(unsigned long x)
{
	return x ? BITS_PER_LONG - __builtin_clzl(x) : 0;
}

/* <linux/err.h> */
#define MAX_ERRNO		4095
#define IS_ERR_VALUE(x)		unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline int PTR_ERR_OR_ZERO(const void *ptr)
{
	return IS_ERR(ptr) ? (int)PTR_ERR(ptr) : 0;
}

/* printk: warnings are counted so that the tests can assert on them. */
extern bool vb_shim_quiet;
extern unsigned long vb_shim_nr_warnings;
extern unsigned long vb_shim_nr_errors;
extern unsigned long vb_shim_nr_warn_ons;

#define vb_shim_log(counter, fmt, ...) do {				\
	__atomic_add_fetch(&(counter), 1, __ATOMIC_RELAXED);		\
	if (!vb_shim_quiet)						\
		fprintf(stderr, fmt, ##__VA_ARGS__);			\
} while (0)

#define pr_err(fmt, ...)	vb_shim_log(vb_shim_nr_errors, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	vb_shim_log(vb_shim_nr_warnings, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	do { if (!vb_shim_quiet) fprintf(stderr, fmt, ##__VA_ARGS__); } while (0)
#define pr_debug(fmt, ...)	do { if (0) fprintf(stderr, fmt, ##__VA_ARGS__); } while (0)

/*
 * A WARN is a kernel bug: counted on its own (the test runner fails a test
 * that hit one).  WARN_ON_ONCE() reports every time, so that each test
 * sees its own.
 */
#define WARN_ON(cond) ({ bool __c = !!(cond);				\
	if (unlikely(__c))						\
		vb_shim_log(vb_shim_nr_warn_ons, "WARN_ON(%s) at %s:%d\n", #cond, __FILE__, __LINE__); \
	unlikely(__c); })
#define WARN_ON_ONCE(cond)	WARN_ON(cond)
#define BUG_ON(cond) do {						\
	if (unlikely(cond)) {						\
		fprintf(stderr, "BUG_ON(%s) at %s:%d\n", #cond, __FILE__, __LINE__); \
		abort();						\
	}								\
} while (0)

/*
 * <linux/init.h>: boot parameters are never given, their handlers only
 * kept referenced.  Initcalls run before main(), by level, as at boot for
 * built-in code; one that fails is reported and otherwise ignored, as
 * do_one_initcall() does.
 */
#define early_param(str, fn)						\
	static int (*const __vb_shim_early_##fn)(char *) __used = fn
#define __setup(str, fn)	early_param(str, fn)
#define __vb_shim_initcall(fn, level)					\
	static void __attribute__((constructor(101 + (level))))		\
	__vb_shim_initcall_##fn(void)					\
	{								\
		int __ret = fn();					\
									\
		if (__ret)						\
			pr_err("initcall %s returned %d\n", #fn, __ret); \
	}
#define core_initcall(fn)	__vb_shim_initcall(fn, 1)
#define device_initcall(fn)	__vb_shim_initcall(fn, 6)
#define late_initcall(fn)	__vb_shim_initcall(fn, 7)
#define module_init(fn)		device_initcall(fn)

/* <linux/export.h> */
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

#endif /* _VB_SHIM_LINUX_KERNEL_H */
