/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/percpu.h> and <linux/smp.h>.
 *
 * Each harness thread plays one CPU: vb_shim_cpu is thread-local, set by
 * the harness with vb_shim_set_cpu(), and is what smp_processor_id() and
 * this_cpu_*() use.  There are NR_CPUS possible CPUs, all online unless
 * the harness takes one down (vb_shim_cpu_down(), see linux/cpuhotplug.h).
 *
 * alloc_percpu() returns the copy of CPU 0 in an area of NR_CPUS copies
 * spaced VB_PCPU_UNIT bytes apart (so no two CPUs share a cache line);
 * per_cpu_ptr(p, cpu) is p + cpu * VB_PCPU_UNIT, like the kernel's
 * p + __per_cpu_offset[cpu].  The __percpu pointer is thus the address
 * of CPU 0's copy, which is what `&vd->pcpu->lock` in the pool refers to
 * before local_lock() applies this_cpu_ptr() (a no-op here: see
 * local_lock.h).
 */
#ifndef _VB_SHIM_LINUX_PERCPU_H
#define _VB_SHIM_LINUX_PERCPU_H

#include <linux/kernel.h>

#ifndef NR_CPUS
#define NR_CPUS			8
#endif
#define nr_cpu_ids		NR_CPUS
#define VB_PCPU_UNIT		4096UL
#define SMP_CACHE_BYTES		64

extern __thread unsigned int vb_shim_cpu;

void *vb_shim_alloc_percpu(size_t size, size_t align);
void vb_shim_free_percpu(void *p);

#define alloc_percpu(type) ({						\
	_Static_assert(sizeof(type) <= VB_PCPU_UNIT,			\
		       "per-CPU object larger than VB_PCPU_UNIT");	\
	(type *)vb_shim_alloc_percpu(sizeof(type), __alignof__(type)); })
#define alloc_percpu_gfp(type, gfp)	alloc_percpu(type)
#define free_percpu(p)			vb_shim_free_percpu((void *)(p))

#define per_cpu_ptr(ptr, cpu)						\
	((typeof(ptr))((char *)(ptr) + (size_t)(cpu) * VB_PCPU_UNIT))
#define this_cpu_ptr(ptr)	per_cpu_ptr(ptr, vb_shim_cpu)
#define raw_cpu_ptr(ptr)	this_cpu_ptr(ptr)
#define per_cpu(var, cpu)	(*per_cpu_ptr(&(var), cpu))

/* Only the owning thread writes a CPU's copy, so plain C is enough. */
#define this_cpu_read(pcp)	(*this_cpu_ptr(&(pcp)))
#define this_cpu_write(pcp, v)	do { *this_cpu_ptr(&(pcp)) = (v); } while (0)
#define this_cpu_add(pcp, v)	do { *this_cpu_ptr(&(pcp)) += (v); } while (0)
#define this_cpu_sub(pcp, v)	do { *this_cpu_ptr(&(pcp)) -= (v); } while (0)
#define this_cpu_inc(pcp)	this_cpu_add(pcp, 1)
#define this_cpu_dec(pcp)	this_cpu_sub(pcp, 1)
#define __this_cpu_add(pcp, v)	this_cpu_add(pcp, v)
#define __this_cpu_inc(pcp)	this_cpu_inc(pcp)
#define raw_cpu_add(pcp, v)	this_cpu_add(pcp, v)

#define for_each_possible_cpu(cpu)					\
	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++)

/* <linux/cpumask.h>: bit n set while CPU n is online. */
extern unsigned long vb_shim_cpu_online_mask;

static inline bool cpu_online(unsigned int cpu)
{
	return cpu < NR_CPUS &&
	       (__atomic_load_n(&vb_shim_cpu_online_mask, __ATOMIC_RELAXED) >> cpu) & 1;
}

static inline int vb_shim_next_online(int cpu)
{
	while (++cpu < NR_CPUS && !cpu_online(cpu))
		;
	return cpu;
}

#define for_each_online_cpu(cpu)					\
	for ((cpu) = vb_shim_next_online(-1); (cpu) < NR_CPUS;		\
	     (cpu) = vb_shim_next_online(cpu))

/* <linux/smp.h> */
#define smp_processor_id()		((int)vb_shim_cpu)
#define raw_smp_processor_id()		smp_processor_id()
#define get_cpu()			smp_processor_id()
#define put_cpu()			do { } while (0)
#define preempt_disable()		barrier()
#define preempt_enable()		barrier()

#endif /* _VB_SHIM_LINUX_PERCPU_H */
