/* SPDX-License-Identifier: GPL-2.0 */
/* Provided by vb_kernel.h (-include): shadows tools/testing/shared's */
