/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * grow.h - room in a growing array.
 */
#ifndef IPP_GROW_H
#define IPP_GROW_H

#include <stddef.h>

/*
 * Make room in *@v (capacity *@cap elements of @size bytes) for @need
 * elements: the capacity doubles from 16 until it does.  *@v stays owned by
 * the caller (free()).  0, or -ENOMEM with *@v unchanged.
 */
int ipp_grow(void **v, size_t *cap, size_t need, size_t size);

/* ipp_grow(), and the elements added to the capacity are zero. */
int ipp_grow_zero(void **v, size_t *cap, size_t need, size_t size);

/*
 * Room for exactly @need elements of @size bytes (realloc): for arrays that
 * keep no capacity and grow by one now and then.  0, or -ENOMEM with *@v
 * unchanged.
 */
int ipp_grow_exact(void **v, size_t need, size_t size);

#endif
