/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VB_SHIM_LINUX_SMP_H
#define _VB_SHIM_LINUX_SMP_H
#include <linux/percpu.h>
#endif
