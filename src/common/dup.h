/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPP_DUP_H
#define IPP_DUP_H

#include <stddef.h>

/*
 * Compare items @a and @b of the caller's collection @ctx by the key that
 * must not repeat (<0, 0, >0: a total order).
 */
typedef int (*ipp_dup_cmp)(const void *ctx, size_t a, size_t b);

/*
 * Among items 0..@n-1, the first repetition a scan from the start finds,
 * in O(n log n): *@later the smallest index whose key an item before it
 * has, *@earlier the first of those.  1 and the indexes when there is one,
 * 0 when the keys all differ, -ENOMEM.
 */
int ipp_first_dup(size_t n, ipp_dup_cmp cmp, const void *ctx, size_t *earlier, size_t *later);

#endif
