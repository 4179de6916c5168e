/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: compiler attributes, IS_ENABLED() and the annotations
 * the kernel gets from -include linux/kconfig.h and compiler_types.h.
 */
#ifndef _VB_SHIM_LINUX_COMPILER_H
#define _VB_SHIM_LINUX_COMPILER_H

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#define noinline		__attribute__((__noinline__))
#define __must_check		__attribute__((__warn_unused_result__))
#define __maybe_unused		__attribute__((__unused__))
#define __used			__attribute__((__used__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define fallthrough		__attribute__((__fallthrough__))
#define __percpu
#define __rcu
#define __iomem
#define __init
#define __exit
#define __initdata

#define barrier()		__asm__ __volatile__("" : : : "memory")
/*
 * Relaxed atomics rather than volatile accesses: the same code on x86 and
 * arm64 for aligned scalars, and ThreadSanitizer knows them (kernel code
 * pairs READ_ONCE() with WRITE_ONCE() where KCSAN would also accept it).
 * Scalars and pointers only.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* IS_ENABLED(): same trick as include/linux/kconfig.h.  No CONFIG_ is set. */
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x)			___is_defined(x)
#define ___is_defined(val)		____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk)	__take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option)		__is_defined(option)
#define IS_BUILTIN(option)		__is_defined(option)

#endif /* _VB_SHIM_LINUX_COMPILER_H */
