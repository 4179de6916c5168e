/* SPDX-License-Identifier: GPL-2.0 */
/* Provided by vb_kernel.h (-include): not in tools/include */
