/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_store - the latency of `add filter` (ipp_db_filter_add, one
 * transaction each, as one netsh command) on a store holding many filters,
 * as a ratio against the same insert into an empty store measured in the
 * same run.  Also prints the time to load the big store.  Nothing is
 * asserted: the figures are for people.
 *
 *   ipp-bench-store [-n FILTERS] [-s SAMPLES] DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The i-th distinct filter: me -> 10.x.y.z TCP, port from i. */
static void nth_filter(struct ipp_filter *f, unsigned i, unsigned salt)
{
	char a[32];

	ipp_filter_init(f);
	snprintf(a, sizeof(a), "10.%u.%u.%u", salt, (i >> 8) & 0xff, i & 0xff);
	ipp_addr_parse(a, &f->dst, NULL);
	f->src.kind = IPP_ADDR_ME;
	f->protocol = 6;
	f->dstport = (uint16_t)(1 + (i >> 16));
}

static int open_list(const char *dir, const char *name, struct ipp_db **db, int64_t *list)
{
	struct ipp_error err = {0};
	struct ipp_filterlist l;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ipp_db_open(path, 0, db, &err) < 0 ||
	    (ipp_filterlist_init(&l), snprintf(l.name, sizeof(l.name), "Bench"),
	     ipp_db_filterlist_add(*db, IPP_STORE_LOCAL, &l, &err) < 0)) {
		fprintf(stderr, "ipp-bench-store: %s\n", err.msg);
		return -1;
	}
	*list = l.id;
	return 0;
}

/* Median latency (ms) of @samples single-transaction adds, filters @first.. */
static int measure(struct ipp_db *db, int64_t list, unsigned first, unsigned samples,
		   unsigned salt, double *median, double *p95)
{
	struct ipp_error err = {0};
	double *t = calloc(samples, sizeof(*t));

	if (!t)
		return -1;
	for (unsigned i = 0; i < samples; i++) {
		struct ipp_filter f;
		double t0;

		nth_filter(&f, first + i, salt);
		t0 = now_ms();
		if (ipp_db_filter_add(db, list, &f, &err) < 0) {
			fprintf(stderr, "ipp-bench-store: %s\n", err.msg);
			free(t);
			return -1;
		}
		t[i] = now_ms() - t0;
	}
	qsort(t, samples, sizeof(*t), cmp_double);
	*median = t[samples / 2];
	*p95 = t[samples * 95 / 100];
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned nfilters = 100000, samples = 300;
	double base_med, base_p95, big_med, big_p95, t0, fill_ms, load_ms;
	struct ipp_error err = {0};
	struct ipp_db *empty, *big;
	struct ipp_snapshot *s;
	int64_t l_empty, l_big;
	int c;

	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		if (c == 'n')
			nfilters = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == 's')
			samples = (unsigned)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (optind != argc - 1 || samples == 0) {
		fprintf(stderr, "usage: ipp-bench-store [-n FILTERS] [-s SAMPLES] DIR\n");
		return 2;
	}
	if (open_list(argv[optind], "empty.db", &empty, &l_empty) < 0 ||
	    open_list(argv[optind], "big.db", &big, &l_big) < 0)
		return 1;

	/* baseline: the same adds into an empty list */
	if (measure(empty, l_empty, 0, samples, 1, &base_med, &base_p95) < 0)
		return 1;

	/* fill the big store in one transaction (as a batch script would) */
	t0 = now_ms();
	if (ipp_db_begin(big, &err) < 0)
		goto fail;
	for (unsigned i = 0; i < nfilters; i++) {
		struct ipp_filter f;

		nth_filter(&f, i, 2);
		if (ipp_db_filter_add(big, l_big, &f, &err) < 0)
			goto fail;
	}
	if (ipp_db_commit(big, &err) < 0)
		goto fail;
	fill_ms = now_ms() - t0;

	if (measure(big, l_big, nfilters, samples, 2, &big_med, &big_p95) < 0)
		return 1;

	t0 = now_ms();
	if (ipp_db_load(big, IPP_STORE_LOCAL, &s, &err) < 0)
		goto fail;
	load_ms = now_ms() - t0;
	ipp_snapshot_free(s);

	printf("store: add filter, empty list: median %.3f ms, p95 %.3f ms (baseline)\n",
	       base_med, base_p95);
	printf("store: add filter, %u filters: median %.3f ms, p95 %.3f ms, ratio %.2f "
	       "(goal: median < 5 ms)\n",
	       nfilters, big_med, big_p95, big_med / base_med);
	printf("store: fill %u filters in one transaction: %.0f ms (%.1f us per filter)\n",
	       nfilters, fill_ms, fill_ms * 1e3 / nfilters);
	printf("store: load a store of %u filters: %.0f ms\n", nfilters + samples, load_ms);
	ipp_db_close(empty);
	ipp_db_close(big);
	return 0;
fail:
	fprintf(stderr, "ipp-bench-store: %s\n", err.msg);
	return 1;
}
