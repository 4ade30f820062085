/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int ipp_grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *nv;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (c > SIZE_MAX / size)
		return -ENOMEM;
	nv = realloc(*v, c * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

int ipp_grow_zero(void **v, size_t *cap, size_t need, size_t size)
{
	size_t old = *cap;
	int r = ipp_grow(v, cap, need, size);

	if (r == 0 && *cap > old)
		memset((char *)*v + old * size, 0, (*cap - old) * size);
	return r;
}

int ipp_grow_exact(void **v, size_t need, size_t size)
{
	void *n;

	if (need && size > SIZE_MAX / need)
		return -ENOMEM;
	n = realloc(*v, need && size ? need * size : 1);
	if (!n)
		return -ENOMEM;
	*v = n;
	return 0;
}
