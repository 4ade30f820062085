/* SPDX-License-Identifier: GPL-2.0-or-later */
/* effective_test.c - ipp_effective_build(): which filters are in force, and how. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "testpol.h"

static struct ipp_effective *build(struct testpol *t, const char *text)
{
	struct ipp_error err = {0};
	struct ipp_effective *e = NULL;

	testpol_init(t);
	if (testpol_text(t, text, &err) < 0 || testpol_effective(t, false, &e, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return NULL;
	}
	return e;
}

static void test_rules_in_force(void **state)
{
	struct testpol t;
	struct ipp_effective *e;
	size_t i;

	(void)state;
	e = build(&t, "list L\nfilter L any me\naction B block\n"
		      "policy Other\nrule Other x L B\n"
		      "policy P assigned\nrule P on L B\nrule P off L B activate=no\n");
	assert_non_null(e);
	/* "on" and the default response rule; "off" and the unassigned policy are out */
	assert_int_equal(e->nrules, 2);
	assert_string_equal(e->rules[0].rule, "on");
	assert_int_equal(e->rules[1].number, 0);
	assert_int_equal(e->rules[1].fa.action, IPP_ACTION_NEGOTIATE);
	/* any -> me, mirrored: me -> any too */
	assert_int_equal(e->nsf, 2);
	for (i = 0; i < e->nsf; i++)
		assert_int_equal(e->sf[i].rule, 0);
	assert_true(e->sf[0].reversed != e->sf[1].reversed);
	ipp_effective_free(e);
	testpol_clear(&t);

	e = build(&t, "list L\nfilter L any me\naction B block\n"
		      "policy P assigned defaultrule=no\nrule P on L B\n");
	assert_non_null(e);
	assert_int_equal(e->nrules, 1);
	ipp_effective_free(e);
	testpol_clear(&t);
}

static void test_mirror_of_itself(void **state)
{
	struct testpol t;
	struct ipp_effective *e;

	(void)state;
	/* any <-> any, no ports: the mirror image is the same filter (ICMP: one of each
	 * family's ICMP) */
	e = build(&t, "list L\nfilter L any any proto=icmp\nfilter L me me\naction B block\n"
		      "policy P assigned\nrule P r L B\n");
	assert_non_null(e);
	assert_int_equal(e->nsf, 3);
	ipp_effective_free(e);
	testpol_clear(&t);
}

static void test_mirror_swaps_ports(void **state)
{
	struct testpol t;
	struct ipp_effective *e;
	size_t i;

	(void)state;
	e = build(&t, "list L\nfilter L me 10.0.0.0/24 proto=tcp srcport=1000 dstport=80\n"
		      "action B permit\npolicy P assigned\nrule P r L B\n");
	assert_non_null(e);
	assert_int_equal(e->nsf, 2);
	for (i = 0; i < 2; i++) {
		const struct ipp_sfilter *f = &e->sf[i];

		if (f->reversed) {
			assert_int_equal(f->src.kind, IPP_ADDR_IP);
			assert_int_equal(f->dst.kind, IPP_ADDR_ME);
			assert_int_equal(f->srcport, 80);
			assert_int_equal(f->dstport, 1000);
		} else {
			assert_int_equal(f->src.kind, IPP_ADDR_ME);
			assert_int_equal(f->srcport, 1000);
		}
		assert_int_equal(f->weight, (56u << 16) | (1u << 8) | 3u);
	}
	ipp_effective_free(e);
	testpol_clear(&t);
}

static void test_servers(void **state)
{
	struct testpol t;
	struct ipp_effective *e;

	(void)state;
	e = build(&t, "env dns 192.0.2.53\nenv dns 192.0.2.54\n"
		      "list L\nfilter L me dns proto=udp dstport=53 mirrored=no\n"
		      "filter L me wins mirrored=no\n"
		      "action B permit\npolicy P assigned\nrule P r L B\n");
	assert_non_null(e);
	/* two DNS servers, no WINS server */
	assert_int_equal(e->nsf, 2);
	assert_int_equal(e->sf[0].dst.kind, IPP_ADDR_IP);
	assert_int_equal(e->sf[0].dst.plen, 32);
	assert_int_equal(e->sf[0].weight, (64u << 16) | (1u << 8) | 1u);
	ipp_effective_free(e);
	testpol_clear(&t);
}

/* Servers that are not known (a file that cannot be read): a filter naming them fails. */
static void test_servers_unknown(void **state)
{
	static const struct {
		const char *kind, *said;
		size_t off;
	} v[] = {
	    {"wins", "the WINS servers", offsetof(struct ipp_hostenv, wins_error)},
	    {"dhcp", "the DHCP servers", offsetof(struct ipp_hostenv, dhcp_error)},
	    {"gateway", "the gateways", offsetof(struct ipp_hostenv, gateway_error)},
	};
	char text[256];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct ipp_error err = {0};
		struct ipp_effective *e = NULL;
		struct testpol t;

		snprintf(text, sizeof(text),
			 "list L\nfilter L me dns proto=udp dstport=53\nfilter L %s me\n"
			 "action B block\npolicy P assigned\nrule P r L B\n",
			 v[i].kind);
		testpol_init(&t);
		assert_int_equal(testpol_text(&t, text, &err), 0);
		snprintf((char *)&t.env + v[i].off, IPP_ERR_MSG_MAX, "f:2: \"x\" is not ...");
		assert_int_equal(testpol_effective(&t, false, &e, &err), -ENODATA);
		assert_null(e);
		if (!strstr(err.msg, "filter 2 names") || !strstr(err.msg, v[i].said) ||
		    !strstr(err.msg, "f:2: \"x\""))
			fail_msg("%s: %s", v[i].kind, err.msg);
		/* the other kinds' mistakes do not stand in its way */
		memset((char *)&t.env + v[i].off, 0, IPP_ERR_MSG_MAX);
		snprintf((char *)&t.env + v[(i + 1) % 3].off, IPP_ERR_MSG_MAX, "g:1: bad");
		assert_int_equal(testpol_effective(&t, false, &e, &err), 0);
		ipp_effective_free(e);
		testpol_clear(&t);
	}
}

static void test_store_precedence(void **state)
{
	struct testpol t;
	struct ipp_effective *e;

	(void)state;
	e = build(&t, "store persistent\nlist L\nfilter L any me proto=tcp dstport=22\n"
		      "action A permit\npolicy Keep assigned defaultrule=no\nrule Keep k L A\n"
		      "store local\nlist L\nfilter L any me proto=tcp dstport=80\naction A block\n"
		      "policy Loc assigned defaultrule=no\nrule Loc l L A\n"
		      "store domain\nlist L\nfilter L any me proto=tcp dstport=25\naction A block\n"
		      "policy Dom assigned defaultrule=no\nrule Dom d L A\n");
	assert_non_null(e);
	assert_int_equal(e->nrules, 2);
	assert_string_equal(e->rules[0].policy, "Keep");
	assert_int_equal(e->rules[0].origin, IPP_ORIGIN_PERSISTENT);
	assert_int_equal(e->rules[0].store, IPP_STORE_PERSISTENT);
	assert_string_equal(e->rules[1].policy, "Dom");
	assert_int_equal(e->rules[1].origin, IPP_ORIGIN_ASSIGNED);
	ipp_effective_free(e);
	testpol_clear(&t);
}

/*
 * ipp_effective_build_kept(): the persistent policy of now with the local rules of a policy
 * built before, which stand in for a local policy that cannot be built any more.
 */
static void test_kept(void **state)
{
	struct ipp_error err = {0};
	struct testpol t;
	struct ipp_effective *before, *e = NULL;
	size_t i, local = 0, persistent = 0;

	(void)state;
	before = build(&t, "store persistent\nlist L\nfilter L any me proto=tcp dstport=22\n"
			   "action A permit\npolicy Keep assigned defaultrule=no\nrule Keep k L A\n"
			   "store local\nlist M\nfilter M 10.0.0.0/8 me proto=udp dstport=53\n"
			   "filter M wins me\naction B block\npolicy Loc assigned\nrule Loc l M B\n"
			   "env wins 192.0.2.9\n");
	assert_non_null(before);
	/* now: a persistent filter more, a second persistent rule; the local store broken
	 * (its WINS servers unknown) */
	assert_int_equal(
	    testpol_text(&t,
			 "store persistent\nfilter L any me proto=tcp dstport=80\n"
			 "list N\nfilter N me any proto=tcp dstport=25\naction D block\n"
			 "rule Keep n N D\n",
			 &err),
	    0);
	snprintf(t.env.wins_error, sizeof(t.env.wins_error), "wins.conf:1: bad");
	t.env.nwins = 0;
	assert_int_equal(testpol_effective(&t, false, &e, &err), -ENODATA);
	assert_null(e);
	assert_int_equal(ipp_effective_build_kept(t.store[0], before, NULL, &t.env, &e, &err), 0);
	assert_non_null(e);
	/* Keep's two rules, then Loc's rule and its default response rule, as before */
	assert_int_equal(e->nrules, 4);
	assert_string_equal(e->rules[0].rule, "k");
	assert_string_equal(e->rules[1].rule, "n");
	assert_int_equal(e->rules[1].origin, IPP_ORIGIN_PERSISTENT);
	assert_string_equal(e->rules[2].rule, "l");
	assert_int_equal(e->rules[2].origin, IPP_ORIGIN_ASSIGNED);
	assert_int_equal(e->rules[3].number, 0);
	for (i = 0; i < e->nsf; i++) {
		const struct ipp_sfilter *f = &e->sf[i];

		assert_true(f->rule < e->nrules);
		assert_int_equal(e->rules[f->rule].origin, f->origin);
		if (i)
			assert_true(ipp_sfilter_cmp(&e->sf[i - 1], f) <= 0);
		if (f->origin == IPP_ORIGIN_ASSIGNED) {
			local++;
			assert_string_equal(e->rules[f->rule].rule, "l");
		} else {
			persistent++;
		}
	}
	/* the local filters as expanded before (the WINS server of then), both ways */
	assert_int_equal(local, 4);
	/* 22 and 80 both ways, 25 both ways */
	assert_int_equal(persistent, 6);
	ipp_effective_free(e);
	ipp_effective_free(before);
	testpol_clear(&t);
}

static void test_sorted_and_conflicts(void **state)
{
	struct testpol t;
	struct ipp_effective *e;
	size_t i;

	(void)state;
	e = build(&t, "list L\nfilter L any me proto=tcp dstport=22\nfilter L 10.0.0.0/8 me\n"
		      "list M\nfilter M any me proto=tcp dstport=22\n"
		      "action A permit\naction B block\n"
		      "policy P assigned\nrule P p L A\nrule P b M B\n");
	assert_non_null(e);
	for (i = 1; i < e->nsf; i++)
		assert_true(ipp_sfilter_cmp(&e->sf[i - 1], &e->sf[i]) <= 0);
	/* the identical any -> me TCP/22 pair (and its mirror) with different actions */
	assert_int_equal(e->nwarnings, 2);
	assert_non_null(strstr(e->warnings[0], "identical selectors"));
	ipp_effective_free(e);
	testpol_clear(&t);
}

/* A filter of an IPv6 extension header (routing, 43) is warned about: no IPv6 packet has it. */
static void test_ipv6_ext_protocol(void **state)
{
	struct testpol t;
	struct ipp_effective *e;

	(void)state;
	e = build(&t, "list L\nfilter L fd31::/64 me proto=43 mirrored=no\n"
		      "filter L 10.0.0.0/8 me proto=43 mirrored=no\n"
		      "filter L any me proto=60 mirrored=no\n"
		      "action A permit\npolicy P assigned\nrule P p L A\n");
	assert_non_null(e);
	assert_int_equal(e->nwarnings, 2);
	assert_non_null(strstr(e->warnings[0], "filter 1: protocol 43 is an IPv6 extension "
					       "header, which the kernel looks past"));
	assert_non_null(strstr(e->warnings[1], "filter 3: protocol 60 is an IPv6 extension "
					       "header"));
	assert_non_null(strstr(e->warnings[1], "(IPv4 packets of that protocol only)"));
	ipp_effective_free(e);
	testpol_clear(&t);
}

/*
 * ICMP is the ICMP of the packet's family: ICMPv6 for IPv6 filters, both for
 * filters of either family; ICMPv6 on IPv4 is warned about (it still compiles).
 */
static void test_icmp_family(void **state)
{
	struct testpol t;
	struct ipp_effective *e;
	unsigned per_filter[4][256] = {{0}};
	size_t i;

	(void)state;
	e = build(&t, "list L\nfilter L fd31::/64 me proto=1 mirrored=no\n"
		      "filter L 10.0.0.0/8 me proto=58 mirrored=no\n"
		      "filter L any me proto=1 mirrored=no\n"
		      "filter L fd31::/64 me proto=58 mirrored=no\n"
		      "action A permit\npolicy P assigned\nrule P p L A\n");
	assert_non_null(e);
	assert_int_equal(e->nwarnings, 1);
	assert_non_null(strstr(e->warnings[0], "filter 2: protocol 58 is ICMPv6, which IPv4 "
					       "traffic does not carry"));
	for (i = 0; i < e->nsf; i++) {
		assert_true(e->sf[i].filter < 4);
		per_filter[e->sf[i].filter][e->sf[i].protocol]++;
	}
	assert_int_equal(e->nsf, 5);
	assert_int_equal(per_filter[0][IPPROTO_ICMPV6], 1); /* fd31::/64: ICMPv6 */
	assert_int_equal(per_filter[1][IPPROTO_ICMPV6], 1); /* as given */
	assert_int_equal(per_filter[2][IPPROTO_ICMP], 1);   /* any: both */
	assert_int_equal(per_filter[2][IPPROTO_ICMPV6], 1);
	assert_int_equal(per_filter[3][IPPROTO_ICMPV6], 1);
	for (i = 0; i < e->nsf; i++) /* both ICMPs weigh as a protocol */
		if (e->sf[i].filter == 2)
			assert_int_equal(e->sf[i].weight, (32u << 16) | 0x100);
	ipp_effective_free(e);
	testpol_clear(&t);
}

static void test_missing_reference(void **state)
{
	struct ipp_error err = {0};
	struct ipp_effective *e = NULL;
	struct testpol t;

	(void)state;
	testpol_init(&t);
	assert_int_equal(testpol_text(&t, "list L\naction A permit\npolicy P assigned\n"
					  "rule P r L A\n",
				      &err),
			 0);
	/* the list disappears under the rule */
	t.store[2]->filterlists[0].id = 999;
	assert_int_equal(testpol_effective(&t, false, &e, &err), -EINVAL);
	assert_null(e);
	assert_non_null(strstr(err.msg, "policy \"P\" rule \"r\""));
	assert_non_null(strstr(err.msg, "filter list"));
	testpol_clear(&t);
}

/* A line of emitted text, explained in the user's terms (for kernel errors). */
static void test_explain_line(void **state)
{
	struct ipp_error err = {0};
	struct ipp_effective *e;
	struct ipp_compiled *c = NULL;
	struct testpol t;
	char *text = NULL, buf[512];
	const char *p;
	unsigned line = 1, elem_line = 0, rule_line = 0, map_line = 0;

	(void)state;
	e = build(&t, "list L\nfilter L 10.0.0.0/24 me proto=tcp dstport=80\n"
		      "filter L 10.0.1.0/24 me proto=tcp dstport=80 mirrored=no\n"
		      "action B block\npolicy Pol assigned\nrule Pol web L B\n");
	assert_non_null(e);
	assert_int_equal(ipp_compile(e, NULL, &c, &err), 0);
	assert_int_equal(ipp_compiled_ruleset(c, &text, &err), 0);
	for (p = text; *p; p++) {
		if (p == text || p[-1] == '\n') {
			if (!strncmp(p, "\t\t\t10.0.1.0 . 80", 16))
				elem_line = line;
			if (!strncmp(p, "\t\tfib daddr type != @fib_group ip saddr",
				     strlen("\t\tfib daddr type != @fib_group ip saddr")))
				rule_line = line;
			if (!strncmp(p, "\tmap ip_s24_dme_p6_dp {", 23))
				map_line = line;
		}
		if (*p == '\n')
			line++;
	}
	assert_true(elem_line && rule_line && map_line);
	ipp_compiled_explain_line(c, text, elem_line, buf, sizeof(buf));
	assert_string_equal(buf, "policy \"Pol\" rule \"web\" filter 2 (map ip_s24_dme_p6_dp)");
	ipp_compiled_explain_line(c, text, rule_line, buf, sizeof(buf));
	assert_string_equal(buf, "ip_s24_dme_p6_dp: policy 'Pol' rule 'web'");
	ipp_compiled_explain_line(c, text, map_line, buf, sizeof(buf));
	assert_string_equal(buf, "policy 'Pol' rule 'web' (map ip_s24_dme_p6_dp)");
	ipp_compiled_explain_line(c, text, 1, buf, sizeof(buf));
	assert_string_equal(buf, "");
	free(text);
	ipp_compiled_free(c);
	ipp_effective_free(e);
	testpol_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules_in_force),	 cmocka_unit_test(test_mirror_of_itself),
	    cmocka_unit_test(test_mirror_swaps_ports),	 cmocka_unit_test(test_servers),
	    cmocka_unit_test(test_servers_unknown),	 cmocka_unit_test(test_store_precedence),
	    cmocka_unit_test(test_sorted_and_conflicts), cmocka_unit_test(test_icmp_family),
	    cmocka_unit_test(test_ipv6_ext_protocol),	 cmocka_unit_test(test_missing_reference),
	    cmocka_unit_test(test_explain_line),	 cmocka_unit_test(test_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
