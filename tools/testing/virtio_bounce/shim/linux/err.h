/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of <linux/err.h>: see linux/kernel.h. */
#include <linux/kernel.h>
