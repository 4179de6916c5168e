/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/cpu.h>: the CPU hotplug lock.  cpus_read_lock()
 * takes a pthread rwlock for reading; vb_shim_cpu_down() and
 * vb_shim_cpu_up() take it for writing, as the kernel's hotplug takes
 * cpu_hotplug_lock, so the online mask cannot change inside a read
 * section.
 */
#ifndef _VB_SHIM_LINUX_CPU_H
#define _VB_SHIM_LINUX_CPU_H

#include <linux/cpuhotplug.h>
#include <linux/percpu.h>

void cpus_read_lock(void);
void cpus_read_unlock(void);

#endif /* _VB_SHIM_LINUX_CPU_H */
