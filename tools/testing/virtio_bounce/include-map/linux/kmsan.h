/* SPDX-License-Identifier: GPL-2.0 */
/* Provided by map_kernel.h (-include), for the map benchmark */
