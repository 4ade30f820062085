/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipp-benchgen - write a ClassBench-like policy of N filters as a netsh
 * script and as the naive nftables anchor (one rule per filter).
 *
 *   ipp-benchgen -n N [-s SEED] [-m MIRROR%] [-v OVERLAP%] [-t TABLE]
 *                [-H input|output|both] [-i] -o PREFIX
 *
 * -i: "inside": the benchmark's own /16 (10.77.0.0/16) is the most populated
 * site and its flows are permitted by a low-weight filter (gen.h).
 *
 * Files written: PREFIX.netsh (the policy), PREFIX.nft (the anchor),
 * PREFIX.rules (ClassBench format + action), PREFIX.add.netsh and
 * PREFIX.del.netsh (add / delete one more filter: the one-filter change).
 * N accepts a k suffix (10k = 10000).
 */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *to)
{
	fprintf(to, "usage: ipp-benchgen -n N [-s SEED] [-m MIRROR%%] [-v OVERLAP%%] [-t TABLE]\n"
		    "                    [-H input|output|both] [-i] -o PREFIX\n");
}

static int parse_count(const char *s, unsigned long long max, unsigned long long *ret)
{
	char *end;
	unsigned long long v;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'k' || *end == 'K') {
		v *= 1000;
		end++;
	}
	if (*end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* What every writer gets. */
struct out_ctx {
	const struct bg_policy *pol;
	const struct bg_params *params;
	const char *table;
	unsigned hooks;
};

static int w_netsh(FILE *o, const struct out_ctx *c)
{
	return bg_write_netsh(o, c->pol, c->params);
}
static int w_nft(FILE *o, const struct out_ctx *c)
{
	return bg_write_nft(o, c->pol, c->table, c->hooks);
}
static int w_rules(FILE *o, const struct out_ctx *c)
{
	return bg_write_classbench(o, c->pol);
}
static int w_add(FILE *o, const struct out_ctx *c)
{
	return c->pol->nlists ? bg_write_change(o, c->pol, true) : 0;
}
static int w_del(FILE *o, const struct out_ctx *c)
{
	return c->pol->nlists ? bg_write_change(o, c->pol, false) : 0;
}

static const struct {
	const char *suffix;
	int (*fn)(FILE *out, const struct out_ctx *c);
} outputs[] = {
	{ ".netsh", w_netsh }, { ".nft", w_nft },	  { ".rules", w_rules },
	{ ".add.netsh", w_add }, { ".del.netsh", w_del },
};

int main(int argc, char **argv)
{
	struct bg_params params;
	struct bg_policy pol;
	struct out_ctx ctx;
	const char *prefix = NULL, *table = "ippnaive";
	unsigned hooks = BG_HOOK_INPUT | BG_HOOK_OUTPUT;
	unsigned long long v;
	bool have_n = false;
	int c, rc;

	bg_params_init(&params, 0);
	while ((c = getopt(argc, argv, "n:s:m:v:t:H:o:ih")) != -1) {
		switch (c) {
		case 'n':
			if (parse_count(optarg, 10000000, &v) < 0) {
				fprintf(stderr, "ipp-benchgen: -n \"%s\": expected a count "
						"(0..10000000, k suffix allowed)\n", optarg);
				return 2;
			}
			params.n = (size_t)v;
			have_n = true;
			break;
		case 's':
			if (parse_count(optarg, ~0ULL, &v) < 0) {
				fprintf(stderr, "ipp-benchgen: -s \"%s\": expected a number\n",
					optarg);
				return 2;
			}
			params.seed = v;
			break;
		case 'm':
		case 'v':
			if (parse_count(optarg, 100, &v) < 0) {
				fprintf(stderr, "ipp-benchgen: -%c \"%s\": expected a percentage "
						"0..100\n", c, optarg);
				return 2;
			}
			if (c == 'm')
				params.mirror_pct = (unsigned)v;
			else
				params.overlap_pct = (unsigned)v;
			break;
		case 't':
			table = optarg;
			break;
		case 'H':
			if (!strcmp(optarg, "input"))
				hooks = BG_HOOK_INPUT;
			else if (!strcmp(optarg, "output"))
				hooks = BG_HOOK_OUTPUT;
			else if (!strcmp(optarg, "both"))
				hooks = BG_HOOK_INPUT | BG_HOOK_OUTPUT;
			else {
				fprintf(stderr, "ipp-benchgen: -H \"%s\": expected input, output "
						"or both\n", optarg);
				return 2;
			}
			break;
		case 'o':
			prefix = optarg;
			break;
		case 'i':
			params.inside = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_n || !prefix || optind != argc) {
		usage(stderr);
		return 2;
	}

	rc = bg_generate(&params, &pol);
	if (rc < 0) {
		fprintf(stderr, "ipp-benchgen: generating %zu filters: %s\n", params.n,
			strerror(-rc));
		return 1;
	}
	ctx.pol = &pol;
	ctx.params = &params;
	ctx.table = table;
	ctx.hooks = hooks;
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
		size_t len = strlen(prefix) + strlen(outputs[i].suffix) + 1;
		char *path = malloc(len);
		FILE *f;
		if (!path) {
			rc = -ENOMEM;
			break;
		}
		snprintf(path, len, "%s%s", prefix, outputs[i].suffix);
		f = fopen(path, "w");
		if (!f) {
			rc = -errno;
			fprintf(stderr, "ipp-benchgen: \"%s\": %s\n", path, strerror(-rc));
			free(path);
			break;
		}
		rc = outputs[i].fn(f, &ctx);
		if (fclose(f) != 0 && rc == 0)
			rc = -EIO;
		if (rc < 0)
			fprintf(stderr, "ipp-benchgen: writing \"%s\": %s\n", path, strerror(-rc));
		free(path);
		if (rc < 0)
			break;
	}
	bg_policy_free(&pol);
	return rc < 0 ? 1 : 0;
}
