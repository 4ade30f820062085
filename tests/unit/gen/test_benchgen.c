/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the benchmark's policy generator (bench/gen): determinism, the
 * promise that the benchmark's own traffic matches no filter, uniqueness,
 * the ClassBench-like mix, overlaps, the weight order of the naive anchor
 * and the exact text of its writers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static struct bg_policy gen_policy(size_t n, uint64_t seed, unsigned mirror)
{
	struct bg_params p;
	struct bg_policy pol;
	bg_params_init(&p, n);
	p.seed = seed;
	p.mirror_pct = mirror;
	assert_int_equal(bg_generate(&p, &pol), 0);
	assert_int_equal(pol.n, n);
	return pol;
}

static char *write_to_string(int (*fn)(FILE *, const struct bg_policy *, const void *),
			     const struct bg_policy *pol, const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(fn(f, pol, arg), 0);
	fclose(f);
	return buf;
}

static int w_nft_both(FILE *f, const struct bg_policy *p, const void *arg)
{
	return bg_write_nft(f, p, (const char *)arg, BG_HOOK_INPUT | BG_HOOK_OUTPUT);
}

static int w_netsh(FILE *f, const struct bg_policy *p, const void *arg)
{
	return bg_write_netsh(f, p, (const struct bg_params *)arg);
}

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0, plen = strlen(prefix);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, prefix, plen))
			n++;
	return n;
}

static void test_deterministic(void **state)
{
	struct bg_policy a = gen_policy(5000, 7, 30), b = gen_policy(5000, 7, 30);
	struct bg_policy c = gen_policy(5000, 8, 30);
	assert_int_equal(a.nlists, b.nlists);
	assert_memory_equal(a.f, b.f, a.n * sizeof(*a.f));
	assert_memory_equal(a.list_block, b.list_block, a.nlists * sizeof(bool));
	assert_memory_equal(&a.extra, &b.extra, sizeof(a.extra));
	assert_true(memcmp(a.f, c.f, a.n * sizeof(*a.f)) != 0);
	bg_policy_free(&a);
	bg_policy_free(&b);
	bg_policy_free(&c);
}

/* The benchmark's flows (10.77.0.1 <-> 10.77.0.2) must reach the end of every chain. */
static void test_bench_traffic_matches_nothing(void **state)
{
	struct bg_policy pol = gen_policy(20000, 1, 50);
	struct bg_filter *s;
	size_t n;
	const uint32_t a = 0x0a4d0001, b = 0x0a4d0002;
	const uint8_t protos[] = { BG_PROTO_TCP, BG_PROTO_UDP, BG_PROTO_ICMP, 47 };
	const uint16_t ports[] = { 5201, 5202, 9000, 80, 443, 40000 };

	assert_int_equal(bg_specific(&pol, &s, &n), 0);
	for (size_t i = 0; i < n; i++) {
		for (size_t p = 0; p < sizeof(protos); p++)
			for (size_t q = 0; q < sizeof(ports) / sizeof(ports[0]); q++) {
				uint16_t hi = ports[q], lo = ports[(q + 1) % 6];
				assert_false(bg_match(&s[i], a, b, protos[p], lo, hi));
				assert_false(bg_match(&s[i], b, a, protos[p], hi, lo));
			}
		/* And the reason: one non-any side, outside 10/8. */
		assert_true(s[i].splen || s[i].dplen);
		assert_true(!s[i].splen || (s[i].splen >= 8 && s[i].src >> 24 != 10));
		assert_true(!s[i].dplen || (s[i].dplen >= 8 && s[i].dst >> 24 != 10));
	}
	free(s);
	bg_policy_free(&pol);
}

/*
 * Inside (-i): the benchmark's /16 is the most populated one, and still only
 * filter 0, the low-weight permit, matches the benchmark's flows.
 */
static void test_inside(void **state)
{
	struct bg_params p;
	struct bg_policy pol;
	struct bg_filter *s;
	size_t n, in_site = 0, sides = 0, lens[33] = {0}, nlens = 0;
	const uint32_t a = BG_BENCH_A, b = BG_BENCH_B;
	const uint8_t protos[] = { BG_PROTO_TCP, BG_PROTO_UDP };
	const uint16_t ports[] = { 5201, 5202, 9000, 40000, 53000 };

	(void)state;
	bg_params_init(&p, 20000);
	p.inside = true;
	p.mirror_pct = 30;
	assert_int_equal(bg_generate(&p, &pol), 0);
	assert_false(bg_is_block(&pol, &pol.f[0]));
	assert_int_equal(pol.f[0].splen, 16);
	assert_int_equal(pol.f[0].src, BG_BENCH_SITE);
	assert_int_equal(pol.f[0].dst, BG_BENCH_SITE);
	assert_false(bg_hits_bench_flows(&pol.extra));
	assert_int_equal(bg_specific(&pol, &s, &n), 0);
	for (size_t i = 0; i < n; i++) {
		bool first = s[i].seq == 0;

		for (size_t q = 0; q < sizeof(protos); q++)
			for (size_t k = 0; k < sizeof(ports) / sizeof(ports[0]); k++)
				for (size_t m = 0; m < 3; m++) {
					uint16_t srv = bg_bench_ports[m], cli = ports[k];

					assert_true(bg_match(&s[i], a, b, protos[q], cli, srv) == first);
					assert_true(bg_match(&s[i], b, a, protos[q], srv, cli) == first);
				}
		/* the site: many filters, with various prefix lengths; nothing else in 10/8 */
		if (s[i].splen && s[i].src >> 24 == 10) {
			assert_true(s[i].splen >= 16 && (s[i].src >> 16) == (BG_BENCH_SITE >> 16));
			in_site++;
			nlens += !lens[s[i].splen]++;
		}
		if (s[i].dplen && s[i].dst >> 24 == 10) {
			assert_true(s[i].dplen >= 16 && (s[i].dst >> 16) == (BG_BENCH_SITE >> 16));
			in_site++;
			nlens += !lens[s[i].dplen]++;
		}
		sides += (s[i].splen >= 16) + (s[i].dplen >= 16);
	}
	/* BG_INSIDE_PCT of the prefixes of /16 or longer, give or take */
	assert_true(in_site * 100 > sides * (BG_INSIDE_PCT - 3));
	assert_true(in_site * 100 < sides * (BG_INSIDE_PCT + 3));
	assert_true(nlens >= 6);
	free(s);
	bg_policy_free(&pol);
}

static int tuple_cmp(const void *pa, const void *pb)
{
	const struct bg_filter *x = pa, *y = pb;
#define CMP(f)                                 \
	if (x->f != y->f)                      \
		return x->f < y->f ? -1 : 1;
	CMP(src) CMP(dst) CMP(splen) CMP(dplen) CMP(proto) CMP(sport) CMP(dport) CMP(mirrored)
#undef CMP
	return 0;
}

static void test_unique_and_extra_is_new(void **state)
{
	struct bg_policy pol = gen_policy(30000, 3, 10);
	struct bg_filter *c = malloc((pol.n + 1) * sizeof(*c));
	assert_non_null(c);
	memcpy(c, pol.f, pol.n * sizeof(*c));
	c[pol.n] = pol.extra;
	qsort(c, pol.n + 1, sizeof(*c), tuple_cmp);
	for (size_t i = 1; i <= pol.n; i++)
		assert_int_not_equal(tuple_cmp(&c[i - 1], &c[i]), 0);
	assert_true(pol.extra.list < pol.nlists);
	free(c);
	bg_policy_free(&pol);
}

static bool prefix_overlap(uint32_t a, uint8_t al, uint32_t b, uint8_t bl)
{
	uint8_t l = al < bl ? al : bl;
	uint32_t m = l ? ~(uint32_t)0 << (32 - l) : 0;
	return (a & m) == (b & m);
}

static bool overlap(const struct bg_filter *x, const struct bg_filter *y)
{
	return prefix_overlap(x->src, x->splen, y->src, y->splen) &&
	       prefix_overlap(x->dst, x->dplen, y->dst, y->dplen) &&
	       (!x->proto || !y->proto || x->proto == y->proto) &&
	       (!x->sport || !y->sport || x->sport == y->sport) &&
	       (!x->dport || !y->dport || x->dport == y->dport);
}

static void test_classbench_like_mix(void **state)
{
	struct bg_policy pol = gen_policy(4000, 1, 0);
	size_t hosthost = 0, anyside = 0, subnet = 0, tcp = 0, udp = 0, icmp = 0, anyproto = 0;
	size_t block = 0, dport = 0, conflicting = 0;

	for (size_t i = 0; i < pol.n; i++) {
		const struct bg_filter *f = &pol.f[i];
		hosthost += f->splen == 32 && f->dplen == 32;
		anyside += f->splen == 0 || f->dplen == 0;
		subnet += (f->splen > 0 && f->splen < 32) || (f->dplen > 0 && f->dplen < 32);
		tcp += f->proto == BG_PROTO_TCP;
		udp += f->proto == BG_PROTO_UDP;
		icmp += f->proto == BG_PROTO_ICMP;
		anyproto += f->proto == BG_PROTO_ANY;
		block += bg_is_block(&pol, f);
		dport += f->dport != 0;
		if ((f->sport || f->dport) && f->proto != BG_PROTO_TCP && f->proto != BG_PROTO_UDP)
			fail_msg("filter %zu has ports without TCP or UDP", i);
		for (size_t j = 0; j < i; j++)
			if (bg_is_block(&pol, f) != bg_is_block(&pol, &pol.f[j]) &&
			    overlap(f, &pol.f[j])) {
				conflicting++;
				break;
			}
	}
	/* Proportions within generous bounds of the generator's table. */
	assert_in_range(hosthost * 100 / pol.n, 15, 35);
	assert_in_range(anyside * 100 / pol.n, 15, 45);
	assert_in_range(subnet * 100 / pol.n, 30, 70);
	assert_in_range(tcp * 100 / pol.n, 35, 65);
	assert_in_range(udp * 100 / pol.n, 15, 35);
	assert_true(icmp > 0 && anyproto > 0);
	assert_in_range(block * 100 / pol.n, 20, 70);
	assert_true(dport * 100 / pol.n >= 40);
	/* Overlaps with the opposite action are common, on purpose. */
	assert_true(conflicting * 100 / pol.n >= 5);
	bg_policy_free(&pol);
}

static void test_specific_order(void **state)
{
	struct bg_policy pol = gen_policy(10000, 5, 40);
	struct bg_filter *s;
	size_t n, mirrored = 0;
	for (size_t i = 0; i < pol.n; i++)
		mirrored += pol.f[i].mirrored;
	assert_int_equal(bg_specific(&pol, &s, &n), 0);
	assert_int_equal(n, pol.n + mirrored);
	for (size_t i = 1; i < n; i++) {
		uint32_t w0 = bg_weight(&s[i - 1]), w1 = bg_weight(&s[i]);
		assert_true(w0 >= w1);
		if (w0 == w1 && bg_is_block(&pol, &s[i]))
			assert_true(bg_is_block(&pol, &s[i - 1]));
	}
	free(s);
	bg_policy_free(&pol);
}

static void test_weight_formula(void **state)
{
	struct bg_filter f = { .src = 0x01020304, .splen = 32, .dst = 0x05060000, .dplen = 16,
			       .proto = BG_PROTO_TCP, .dport = 80 };
	assert_int_equal(bg_weight(&f), (48u << 16) | 0x100 | 1);
	f.sport = 1024;
	assert_int_equal(bg_weight(&f), (48u << 16) | 0x100 | 2 | 1);
	f.proto = BG_PROTO_ANY;
	f.sport = f.dport = 0;
	f.splen = 0;
	f.src = 0;
	assert_int_equal(bg_weight(&f), 16u << 16);
}

/* A hand-made policy: exact anchor text and netsh lines. */
static void test_writers_exact(void **state)
{
	bool blocks[2] = { false, true };
	struct bg_filter f[3] = {
		{ .src = 0x0c000000, .splen = 8, .dst = 0xc0a80105, .dplen = 32, .proto = BG_PROTO_ANY,
		  .list = 0, .seq = 0 },
		{ .src = 0, .splen = 0, .dst = 0xc0a80100, .dplen = 24, .proto = BG_PROTO_TCP,
		  .dport = 445, .list = 1, .seq = 1 },
		{ .src = 0x0c000001, .splen = 32, .dst = 0xc0a80105, .dplen = 32, .proto = BG_PROTO_UDP,
		  .sport = 53, .mirrored = true, .list = 0, .seq = 2 },
	};
	struct bg_policy pol = { .f = f, .n = 3, .nlists = 2, .list_block = blocks };
	struct bg_params params;
	char *nft, *netsh, line[256];
	const char *want =
		"# one rule per specific filter, highest weight first; 4 rules\n"
		"table inet t {\n"
		"\tchain filters {\n"
		"\t\tip saddr 12.0.0.1 ip daddr 192.168.1.5 udp sport 53 accept\n"
		"\t\tip saddr 192.168.1.5 ip daddr 12.0.0.1 udp dport 53 accept\n"
		"\t\tip saddr 12.0.0.0/8 ip daddr 192.168.1.5 accept\n"
		"\t\tip daddr 192.168.1.0/24 tcp dport 445 drop\n"
		"\t}\n"
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\tjump filters\n"
		"\t}\n"
		"\tchain output {\n"
		"\t\ttype filter hook output priority filter; policy accept;\n"
		"\t\tjump filters\n"
		"\t}\n"
		"}\n";

	nft = write_to_string(w_nft_both, &pol, "t");
	assert_string_equal(nft, want);
	free(nft);

	bg_params_init(&params, 3);
	netsh = write_to_string(w_netsh, &pol, &params);
	assert_int_equal(count_lines(netsh, "add filter "), 3);
	assert_int_equal(count_lines(netsh, "add rule "), 2);
	assert_non_null(strstr(netsh, "add filter filterlist=fl001 srcaddr=any dstaddr=192.168.1.0 "
				      "dstmask=24 protocol=tcp srcport=0 dstport=445 mirrored=no\n"));
	assert_non_null(strstr(netsh, "add rule name=rule001 policy=ippbench filterlist=fl001 "
				      "filteraction=bench-block\n"));
	assert_non_null(strstr(netsh, "set batch mode=enable\n"));
	assert_non_null(strstr(netsh, "set policy name=ippbench assign=yes\nset batch mode=disable\n"));
	free(netsh);

	bg_format_netsh_filter(&f[2], line, sizeof(line));
	assert_string_equal(line, "filterlist=fl000 srcaddr=12.0.0.1 srcmask=32 dstaddr=192.168.1.5 "
				  "dstmask=32 protocol=udp srcport=53 dstport=0 mirrored=yes");
}

static void test_generated_text_counts(void **state)
{
	struct bg_params params;
	struct bg_policy pol = gen_policy(2500, 11, 20);
	struct bg_filter *s;
	size_t n;
	char *nft, *netsh;

	bg_params_init(&params, 2500);
	assert_int_equal(bg_specific(&pol, &s, &n), 0);
	nft = write_to_string(w_nft_both, &pol, "ippnaive");
	assert_int_equal(count_lines(nft, "\t\tip "), n);
	assert_int_equal(count_lines(nft, "\t\tjump filters"), 2);
	netsh = write_to_string(w_netsh, &pol, &params);
	assert_int_equal(count_lines(netsh, "add filter "), 2500);
	assert_int_equal(count_lines(netsh, "add rule "), pol.nlists);
	assert_int_equal(count_lines(netsh, "add filterlist "), pol.nlists);
	free(nft);
	free(netsh);
	free(s);
	bg_policy_free(&pol);
}

static void test_small_and_bad(void **state)
{
	struct bg_params p;
	struct bg_policy pol;
	pol = gen_policy(0, 1, 0);
	assert_int_equal(pol.nlists, 0);
	assert_int_equal(bg_write_change(stdout, &pol, true), -EINVAL);
	bg_policy_free(&pol);
	pol = gen_policy(1, 1, 0);
	assert_int_equal(pol.nlists, 1);
	bg_policy_free(&pol);
	bg_params_init(&p, 10);
	p.mirror_pct = 101;
	assert_int_equal(bg_generate(&p, &pol), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_bench_traffic_matches_nothing),
		cmocka_unit_test(test_inside),
		cmocka_unit_test(test_unique_and_extra_is_new),
		cmocka_unit_test(test_classbench_like_mix),
		cmocka_unit_test(test_specific_order),
		cmocka_unit_test(test_weight_formula),
		cmocka_unit_test(test_writers_exact),
		cmocka_unit_test(test_generated_text_counts),
		cmocka_unit_test(test_small_and_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
