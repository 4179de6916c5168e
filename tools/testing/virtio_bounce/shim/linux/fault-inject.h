/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim of <linux/fault-inject.h>.  should_fail() returns false
 * unless the harness armed vb_shim_fail_should_fail (number of calls
 * that fail next, whatever the attribute).
 */
#ifndef _VB_SHIM_LINUX_FAULT_INJECT_H
#define _VB_SHIM_LINUX_FAULT_INJECT_H

#include <linux/kernel.h>

struct fault_attr {
	unsigned long probability;
	unsigned long interval;
	long times;
	unsigned long count;
};

#define FAULT_ATTR_INITIALIZER	{ .interval = 1, .times = 1 }
#define DECLARE_FAULT_ATTR(name) struct fault_attr name = FAULT_ATTR_INITIALIZER

extern int vb_shim_fail_should_fail;

bool should_fail(struct fault_attr *attr, ssize_t size);

static inline int setup_fault_attr(struct fault_attr *attr, char *str)
{
	(void)attr;
	(void)str;
	return 1;
}

#endif /* _VB_SHIM_LINUX_FAULT_INJECT_H */
