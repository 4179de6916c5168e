/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/cpuhotplug.h>: the dynamic PREPARE states and
 * multi-instance registration, with the kernel's return values.
 *
 * The shim keeps, for each state, its callbacks and the hlist of its
 * instances, as kernel/cpu.c does; cpuhp_state_remove_instance_nocalls()
 * hlist_del()s the node (poisoned, not unhashed), as the kernel does.
 * Nothing takes a CPU down by itself: the harness calls
 * vb_shim_cpu_down(cpu) (vb_shim.h), which marks the CPU offline and then
 * calls every installed teardown callback for every instance, as the
 * control CPU does for PREPARE states once the CPU is dead.
 */
#ifndef _VB_SHIM_LINUX_CPUHOTPLUG_H
#define _VB_SHIM_LINUX_CPUHOTPLUG_H

#include <linux/types.h>

/* Only the PREPARE section; the numbering is the shim's own. */
enum cpuhp_state {
	CPUHP_INVALID = -1,
	CPUHP_OFFLINE = 0,
	CPUHP_BP_PREPARE_DYN,
	CPUHP_BP_PREPARE_DYN_END = CPUHP_BP_PREPARE_DYN + 20,
	CPUHP_ONLINE,
};

/*
 * Return: the state allocated (> 0) for CPUHP_BP_PREPARE_DYN, 0 for a
 * fixed state, -EINVAL or -ENOSPC.  No callback runs: there are no
 * instances yet.
 */
int cpuhp_setup_state_multi(enum cpuhp_state state, const char *name,
			    int (*startup)(unsigned int cpu,
					   struct hlist_node *node),
			    int (*teardown)(unsigned int cpu,
					    struct hlist_node *node));
/* Return: 0, or -EINVAL if @state is not a multi-instance state. */
int cpuhp_state_add_instance_nocalls(enum cpuhp_state state,
				     struct hlist_node *node);
int cpuhp_state_remove_instance_nocalls(enum cpuhp_state state,
					struct hlist_node *node);

#endif /* _VB_SHIM_LINUX_CPUHOTPLUG_H */
