/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dup.c - the first repeated key of a collection, found by sorting: the
 * duplicate checks of an import or of a whole store are not quadratic in
 * the number of objects.
 */
#include "dup.h"

#include <errno.h>
#include <stdlib.h>

struct dup_sort {
	ipp_dup_cmp cmp;
	const void *ctx;
};

static int by_key_then_index(const void *x, const void *y, void *arg)
{
	const struct dup_sort *d = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = d->cmp(d->ctx, a, b);

	return c ? c : a < b ? -1 : a > b;
}

int ipp_first_dup(size_t n, ipp_dup_cmp cmp, const void *ctx, size_t *earlier, size_t *later)
{
	struct dup_sort d = {cmp, ctx};
	size_t *v, i;
	int found = 0;

	if (n < 2)
		return 0;
	if (!(v = malloc(n * sizeof(*v))))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = i;
	qsort_r(v, n, sizeof(*v), by_key_then_index, &d);
	/* in each run of equal keys (by index) its first two: the scan meets the second
	 * with the first before it; of all runs, the one whose second comes first */
	for (i = 1; i < n; i++) {
		if (cmp(ctx, v[i - 1], v[i]) != 0 || (i >= 2 && cmp(ctx, v[i - 2], v[i]) == 0))
			continue;
		if (!found || v[i] < *later) {
			*earlier = v[i - 1];
			*later = v[i];
			found = 1;
		}
	}
	free(v);
	return found;
}
