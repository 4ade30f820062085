/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_classify.c - the reference matcher on DESIGN's worked examples,
 * mirrored and one-way filters, "me", subnets, ranges, IPv6, ports, ties
 * and exemptions; plus a randomised check of the winner against the full
 * candidate order and of the weights against the model's ipp_weight().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

static struct ipp_localaddrs me;

static int setup(void **state)
{
	ipp_localaddrs_clear(&me);
	assert_int_equal(ipp_localaddrs_add_str(&me, "10.0.0.1", NULL), 0);
	assert_int_equal(ipp_localaddrs_add_str(&me, "192.168.7.1", NULL), 0);
	assert_int_equal(ipp_localaddrs_add_str(&me, "fd00:77::1", NULL), 0);
	assert_int_equal(ipp_localaddrs_add_str(&me, "127.0.0.1", NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	ipp_localaddrs_clear(&me);
	return 0;
}

/* Classify, check kind and (when @rule >= 0) the winning rule, return the verdict. */
static struct ipp_verdict check(const struct fixture *fx, struct ipp_packet p,
				enum ipp_verdict_kind kind, int rule)
{
	struct ipp_verdict v, fast;

	assert_int_equal(ipp_classify(&fx->eff, &p, &me, &v), 0);
	if (v.kind != kind) {
		char buf[160];

		ipp_packet_format(&p, buf, sizeof(buf));
		fail_msg("%s %s: expected %s, got %s", ipp_dir_name(p.dir), buf,
			 ipp_verdict_kind_name(kind), ipp_verdict_kind_name(v.kind));
	}
	if (rule >= 0) {
		assert_true(v.sf != IPP_NO_FILTER);
		assert_int_equal(v.rule, rule);
	}
	/* the allocation-free path agrees */
	assert_int_equal(ipp_classify_ex(&fx->eff, &p, &me, IPP_CLASSIFY_NO_CANDIDATES, &fast), 0);
	assert_int_equal(fast.kind, v.kind);
	assert_true(fast.sf == v.sf);
	assert_null(fast.cand);
	if (v.ncand)
		assert_true(v.cand[0].sf == v.sf);
	return v;
}

/* DESIGN example 1: any<->me block; 10.0.0.5<->me TCP 3389 permit. */
static void test_example_rdp(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;
	char why[160];

	fx_init(&fx);
	uint32_t blk = fx_rule(&fx, "Srv", "Block all", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	uint32_t rdp = fx_rule(&fx, "Srv", "RDP", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, blk, A_ANY(), A_ME(), 0, 0, 0, true);
	fx_filter(&fx, rdp, A("10.0.0.5"), A_ME(), IPPROTO_TCP, 0, 3389, true);

	v = check(&fx, P(IPP_DIR_IN, "10.0.0.5", "10.0.0.1", IPPROTO_TCP, 40000, 3389),
		  IPP_VERDICT_PERMIT, (int)rdp);
	assert_true(v.accepted);
	assert_int_equal(v.ncand, 2);
	assert_int_equal(v.weight, (64u << 16) | 0x101);
	ipp_verdict_why(&fx.eff, &v, why, sizeof(why));
	assert_string_equal(why, "higher weight (0x00400101 > 0x00200000)");
	ipp_verdict_clear(&v);

	/* another host, or another port: the block */
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.6", "10.0.0.1", IPPROTO_TCP, 40000, 3389),
		  IPP_VERDICT_BLOCK, (int)blk);
	assert_false(v.accepted);
	assert_string_equal(v.text, "block: dropped");
	ipp_verdict_clear(&v);
	ipp_verdict_clear(&(struct ipp_verdict){0});
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.5", "10.0.0.1", IPPROTO_TCP, 40000, 3390),
		  IPP_VERDICT_BLOCK, (int)blk);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.5", "10.0.0.1", IPPROTO_UDP, 40000, 3389),
		  IPP_VERDICT_BLOCK, (int)blk);
	ipp_verdict_clear(&v);

	/* the reply leaves through the mirror image (source port 3389) */
	v = check(&fx, P(IPP_DIR_OUT, "10.0.0.1", "10.0.0.5", IPPROTO_TCP, 3389, 40000),
		  IPP_VERDICT_PERMIT, (int)rdp);
	assert_true(fx.sf[v.sf].reversed);
	ipp_verdict_clear(&v);
	/* but this host connecting to 10.0.0.5:3389 is not covered */
	v = check(&fx, P(IPP_DIR_OUT, "10.0.0.1", "10.0.0.5", IPPROTO_TCP, 40000, 3389),
		  IPP_VERDICT_BLOCK, (int)blk);
	ipp_verdict_clear(&v);
	/* "me" means every address of the host */
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.5", "192.168.7.1", IPPROTO_TCP, 1, 3389),
		  IPP_VERDICT_PERMIT, (int)rdp);
	ipp_verdict_clear(&v);
	/* inbound, a destination not among the host's addresses is "me" all the same (the
	 * host took the packet: a local route of another table, a transparent proxy) */
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.5", "10.0.0.2", IPPROTO_TCP, 1, 3389),
		  IPP_VERDICT_PERMIT, (int)rdp);
	ipp_verdict_clear(&v);
	/* outbound from no address (0.0.0.0: a host that has none yet) is not from "me" */
	{
		struct fixture f2;

		fx_init(&f2);
		uint32_t out = fx_rule(&f2, "P", "Out", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
		fx_filter(&f2, out, A_ME(), A_ANY(), 0, 0, 0, false);
		v = check(&f2, P(IPP_DIR_OUT, "10.9.0.77", "10.0.0.5", IPPROTO_UDP, 68, 67),
			  IPP_VERDICT_BLOCK, (int)out);
		ipp_verdict_clear(&v);
		v = check(&f2, P(IPP_DIR_OUT, "0.0.0.0", "255.255.255.255", IPPROTO_UDP, 68, 67),
			  IPP_VERDICT_NONE, -1);
		ipp_verdict_clear(&v);
	}
	/* but a multicast destination is not */
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.5", "224.0.0.9", IPPROTO_UDP, 1, 3389),
		  IPP_VERDICT_NONE, -1);
	assert_true(v.accepted);
	assert_string_equal(v.text, "no filter matched: permitted");
	ipp_verdict_clear(&v);
}

/* DESIGN example 2: any<->me negotiate; any<->me ICMP permit. */
static void test_example_icmp_exempt(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;

	fx_init(&fx);
	uint32_t neg = fx_rule(&fx, "P", "Secure", IPP_ACTION_NEGOTIATE, IPP_ORIGIN_ASSIGNED);
	uint32_t icmp = fx_rule(&fx, "P", "ICMP", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, neg, A_ANY(), A_ME(), 0, 0, 0, true);
	fx_filter(&fx, icmp, A_ANY(), A_ME(), IPPROTO_ICMP, 0, 0, true);

	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_ICMP, 0, 0),
		  IPP_VERDICT_PERMIT, (int)icmp);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_OUT, "10.0.0.1", "10.9.9.9", IPPROTO_ICMP, 0, 0),
		  IPP_VERDICT_PERMIT, (int)icmp);
	ipp_verdict_clear(&v);

	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_TCP, 1000, 80),
		  IPP_VERDICT_NEGOTIATE, (int)neg);
	assert_false(v.accepted);
	assert_string_equal(v.text, "negotiate: requires an IPsec SA; clear packet dropped");
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_OUT, "10.0.0.1", "10.9.9.9", IPPROTO_TCP, 80, 1000),
		  IPP_VERDICT_NEGOTIATE, (int)neg);
	assert_false(v.accepted);
	assert_string_equal(v.text, "negotiate: left to IKE (dropped until an SA exists)");
	ipp_verdict_clear(&v);

	/* through an SA the same packets pass */
	struct ipp_packet p = P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_TCP, 1000, 80);
	p.secpath = true;
	v = check(&fx, p, IPP_VERDICT_NEGOTIATE, (int)neg);
	assert_true(v.accepted);
	ipp_verdict_clear(&v);
	p = P(IPP_DIR_OUT, "10.0.0.1", "10.9.9.9", IPPROTO_UDP, 53, 1000);
	p.secpath = true;
	v = check(&fx, p, IPP_VERDICT_NEGOTIATE, (int)neg);
	assert_true(v.accepted);
	ipp_verdict_clear(&v);

	/* ICMPv6 is not ICMP: protocol numbers are matched as given */
	v = check(&fx, P(IPP_DIR_IN, "fd00:77::9", "fd00:77::1", IPPROTO_ICMPV6, 0, 0),
		  IPP_VERDICT_NEGOTIATE, (int)neg);
	ipp_verdict_clear(&v);
}

/* DESIGN example 3: 10.0.0.0/8<->me permit beats any<->me TCP 445 block (address dominates). */
static void test_example_address_dominates(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;

	fx_init(&fx);
	uint32_t lan = fx_rule(&fx, "P", "LAN", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	uint32_t smb = fx_rule(&fx, "P", "SMB", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, lan, A("10.0.0.0/8"), A_ME(), 0, 0, 0, true);
	fx_filter(&fx, smb, A_ANY(), A_ME(), IPPROTO_TCP, 0, 445, true);

	v = check(&fx, P(IPP_DIR_IN, "10.1.1.1", "10.0.0.1", IPPROTO_TCP, 5000, 445),
		  IPP_VERDICT_PERMIT, (int)lan);
	assert_int_equal(v.weight, 40u << 16);
	assert_int_equal(v.cand[1].weight, (32u << 16) | 0x101);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "172.16.1.1", "10.0.0.1", IPPROTO_TCP, 5000, 445),
		  IPP_VERDICT_BLOCK, (int)smb);
	ipp_verdict_clear(&v);
}

static void test_one_way(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;

	fx_init(&fx);
	uint32_t r = fx_rule(&fx, "P", "Out", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, r, A_ME(), A("10.5.0.0/16"), IPPROTO_UDP, 0, 53, false);

	v = check(&fx, P(IPP_DIR_OUT, "10.0.0.1", "10.5.3.3", IPPROTO_UDP, 3333, 53),
		  IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	/* the answer is not covered: the filter is not mirrored */
	v = check(&fx, P(IPP_DIR_IN, "10.5.3.3", "10.0.0.1", IPPROTO_UDP, 53, 3333),
		  IPP_VERDICT_NONE, -1);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.5.3.3", "10.0.0.1", IPPROTO_UDP, 3333, 53),
		  IPP_VERDICT_NONE, -1);
	ipp_verdict_clear(&v);
}

static void test_me_unknown(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;
	struct ipp_packet p = P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_TCP, 1, 2);

	fx_init(&fx);
	uint32_t r = fx_rule(&fx, "P", "R", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, r, A_ANY(), A_ME(), 0, 0, 0, false);
	/* the host's addresses unknown: inbound, what the host takes is to "me" all the same */
	assert_int_equal(ipp_classify(&fx.eff, &p, NULL, &v), 0);
	assert_int_equal(v.kind, IPP_VERDICT_BLOCK);
	ipp_verdict_clear(&v);
	assert_int_equal(ipp_classify(&fx.eff, &p, &me, &v), 0);
	assert_int_equal(v.kind, IPP_VERDICT_BLOCK);
	ipp_verdict_clear(&v);
	/* no policy at all */
	assert_int_equal(ipp_classify(NULL, &p, &me, &v), 0);
	assert_int_equal(v.kind, IPP_VERDICT_NONE);
	assert_true(v.accepted);
	assert_int_equal(v.ncand, 0);
	ipp_verdict_clear(&v);
	/* a family the matcher does not know */
	p.family = 99;
	assert_int_equal(ipp_classify(&fx.eff, &p, &me, &v), -EAFNOSUPPORT);
}

static void test_subnets_and_host_bits(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;

	fx_init(&fx);
	uint32_t a = fx_rule(&fx, "P", "A", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	uint32_t b = fx_rule(&fx, "P", "B", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	/* host bits set under the mask: matched as the masked network */
	fx_filter(&fx, a, A("10.1.2.3/8"), A_ANY(), 0, 0, 0, false);
	fx_filter(&fx, b, A("10.1.0.0/23"), A_ANY(), 0, 0, 0, false);

	v = check(&fx, P(IPP_DIR_IN, "10.200.1.1", "10.0.0.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_BLOCK, (int)a);
	assert_int_equal(v.weight, 8u << 16);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.1.1.255", "10.0.0.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_PERMIT, (int)b);
	assert_int_equal(v.weight, 23u << 16);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.1.2.0", "10.0.0.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_BLOCK, (int)a);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "11.0.0.0", "10.0.0.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_NONE, -1);
	ipp_verdict_clear(&v);
}

static void test_ranges(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;
	struct ipp_addr r1 = A("10.0.0.1-10.0.0.9"), r2 = A("10.0.0.0-10.0.255.255");

	assert_int_equal(ipp_classify_addr_weight(&r1), 28);
	assert_int_equal(ipp_classify_addr_weight(&r2), 16);
	struct ipp_addr r6 = A("fd00::1-fd00::ff");
	assert_int_equal(ipp_classify_addr_weight(&r6), 120 / 4);

	fx_init(&fx);
	uint32_t a = fx_rule(&fx, "P", "A", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	uint32_t b = fx_rule(&fx, "P", "B", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, a, r1, A_ME(), 0, 0, 0, false);
	fx_filter(&fx, b, A("10.0.0.0/24"), A_ME(), 0, 0, 0, false);

	v = check(&fx, P(IPP_DIR_IN, "10.0.0.1", "10.0.0.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_EXEMPT_LOOPBACK, -1);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.9", "192.168.7.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_BLOCK, (int)a);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.2", "192.168.7.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_BLOCK, (int)a);
	ipp_verdict_clear(&v);
	/* just outside the range: the /24 */
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.10", "192.168.7.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_PERMIT, (int)b);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.0.0.0", "192.168.7.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_PERMIT, (int)b);
	ipp_verdict_clear(&v);
}

static void test_ipv6(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;

	fx_init(&fx);
	uint32_t all = fx_rule(&fx, "P", "All", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	uint32_t net = fx_rule(&fx, "P", "Net6", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	uint32_t host = fx_rule(&fx, "P", "Host6", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	uint32_t v4 = fx_rule(&fx, "P", "V4", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, all, A_ANY(), A_ANY(), 0, 0, 0, false);
	fx_filter(&fx, net, A("fd00:77::/64"), A_ME(), 0, 0, 0, true);
	fx_filter(&fx, host, A("fd00:77::5"), A_ME(), IPPROTO_TCP, 0, 22, true);
	fx_filter(&fx, v4, A("0.0.0.0/1"), A_ANY(), 0, 0, 0, false);

	v = check(&fx, P(IPP_DIR_IN, "fd00:77::9", "fd00:77::1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_BLOCK, (int)net);
	assert_int_equal(v.weight, (16u + 32u) << 16);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "fd00:77::5", "fd00:77::1", IPPROTO_TCP, 999, 22),
		  IPP_VERDICT_PERMIT, (int)host);
	assert_int_equal(v.weight, (64u << 16) | 0x101);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_OUT, "fd00:77::1", "fd00:77::5", IPPROTO_TCP, 22, 999),
		  IPP_VERDICT_PERMIT, (int)host);
	ipp_verdict_clear(&v);
	/* outside the /64: only any-any; IPv4 filters never match IPv6 */
	v = check(&fx, P(IPP_DIR_IN, "fd00:78::9", "fd00:77::1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_PERMIT, (int)all);
	assert_int_equal(v.ncand, 1);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_BLOCK, (int)v4);
	ipp_verdict_clear(&v);
	/* ::1 is loopback */
	v = check(&fx, P(IPP_DIR_IN, "::1", "::1", IPPROTO_UDP, 1, 2),
		  IPP_VERDICT_EXEMPT_LOOPBACK, -1);
	ipp_verdict_clear(&v);
}

static void test_ports(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;

	fx_init(&fx);
	uint32_t any = fx_rule(&fx, "P", "Any port", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	uint32_t sp = fx_rule(&fx, "P", "Src port", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	uint32_t dp = fx_rule(&fx, "P", "Dst port", IPP_ACTION_NEGOTIATE, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, any, A_ANY(), A_ME(), IPPROTO_UDP, 0, 0, false);
	fx_filter(&fx, sp, A_ANY(), A_ME(), IPPROTO_UDP, 7000, 0, false);
	fx_filter(&fx, dp, A_ANY(), A_ME(), IPPROTO_UDP, 0, 8000, false);

	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 1, 1),
		  IPP_VERDICT_BLOCK, (int)any);
	ipp_verdict_clear(&v);
	/* port 0 in a packet is matched by "any port" only */
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 0, 0),
		  IPP_VERDICT_BLOCK, (int)any);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 7000, 1),
		  IPP_VERDICT_PERMIT, (int)sp);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 1, 8000),
		  IPP_VERDICT_NEGOTIATE, (int)dp);
	ipp_verdict_clear(&v);
	/* srcport weighs more than dstport */
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 7000, 8000),
		  IPP_VERDICT_PERMIT, (int)sp);
	assert_int_equal(v.ncand, 3);
	assert_int_equal(v.cand[1].sf, 2);
	ipp_verdict_clear(&v);
	/* TCP on the same ports: nothing */
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_TCP, 7000, 8000),
		  IPP_VERDICT_NONE, -1);
	ipp_verdict_clear(&v);
}

static void test_ties(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;
	char why[160];
	struct ipp_packet p = P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_TCP, 1, 80);

	/* equal weight: block beats negotiate beats permit, whatever the order */
	fx_init(&fx);
	uint32_t pe = fx_rule(&fx, "P", "Permit", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	uint32_t ne = fx_rule(&fx, "P", "Negotiate", IPP_ACTION_NEGOTIATE, IPP_ORIGIN_ASSIGNED);
	uint32_t bl = fx_rule(&fx, "P", "Block", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, pe, A_ANY(), A_ME(), IPPROTO_TCP, 0, 80, false);
	fx_filter(&fx, ne, A_ANY(), A_ME(), IPPROTO_TCP, 0, 80, false);
	v = check(&fx, p, IPP_VERDICT_NEGOTIATE, (int)ne);
	ipp_verdict_why(&fx.eff, &v, why, sizeof(why));
	assert_string_equal(why, "equal weight 0x00200101, negotiate beats permit");
	ipp_verdict_clear(&v);
	fx_filter(&fx, bl, A_ANY(), A_ME(), IPPROTO_TCP, 0, 80, false);
	v = check(&fx, p, IPP_VERDICT_BLOCK, (int)bl);
	assert_int_equal(v.ncand, 3);
	assert_int_equal(v.cand[1].sf, 1);
	assert_int_equal(v.cand[2].sf, 0);
	ipp_verdict_clear(&v);

	/* equal weight and action: persistent beats local, then the older filter */
	fx_init(&fx);
	uint32_t l1 = fx_rule(&fx, "L", "Local old", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	uint32_t pr = fx_rule(&fx, "Pers", "Persistent", IPP_ACTION_PERMIT,
			      IPP_ORIGIN_PERSISTENT);
	uint32_t l2 = fx_rule(&fx, "L", "Local new", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, l1, A_ANY(), A_ME(), IPPROTO_TCP, 0, 80, false);
	fx_filter(&fx, l2, A_ANY(), A_ME(), IPPROTO_TCP, 0, 80, false);
	v = check(&fx, p, IPP_VERDICT_PERMIT, (int)l1);
	ipp_verdict_why(&fx.eff, &v, why, sizeof(why));
	assert_string_equal(why, "equal weight, action and origin: the older filter wins");
	ipp_verdict_clear(&v);
	fx_filter(&fx, pr, A_ANY(), A_ME(), IPPROTO_TCP, 0, 80, false);
	v = check(&fx, p, IPP_VERDICT_PERMIT, (int)pr);
	ipp_verdict_why(&fx.eff, &v, why, sizeof(why));
	assert_string_equal(why, "equal weight and action, persistent beats domain/local");
	ipp_verdict_clear(&v);

	/* a persistent permit still loses to a local block of equal weight */
	uint32_t lb = fx_rule(&fx, "L", "Local block", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, lb, A_ANY(), A_ME(), IPPROTO_TCP, 0, 80, false);
	v = check(&fx, p, IPP_VERDICT_BLOCK, (int)lb);
	ipp_verdict_clear(&v);
	/* and a more specific persistent permit wins */
	fx_filter(&fx, pr, A("10.9.9.9"), A_ME(), IPPROTO_TCP, 0, 80, false);
	v = check(&fx, p, IPP_VERDICT_PERMIT, (int)pr);
	ipp_verdict_clear(&v);
}

static void test_exemptions(void **state)
{
	struct fixture fx;
	struct ipp_verdict v;
	struct ipp_packet p;

	fx_init(&fx);
	uint32_t r = fx_rule(&fx, "P", "Block everything", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, r, A_ANY(), A_ANY(), 0, 0, 0, false);

	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 500, 500),
		  IPP_VERDICT_EXEMPT_IKE, -1);
	assert_true(v.accepted);
	assert_int_equal(v.ncand, 0);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_OUT, "10.0.0.1", "10.9.9.9", IPPROTO_UDP, 4500, 33000),
		  IPP_VERDICT_EXEMPT_IKE, -1);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 33000, 4500),
		  IPP_VERDICT_EXEMPT_IKE, -1);
	ipp_verdict_clear(&v);
	/* the IKE ports are no way past the policy: from port 500 in, to it out, filtered */
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 500, 53),
		  IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 4500, 33000),
		  IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_OUT, "10.0.0.1", "10.9.9.9", IPPROTO_UDP, 33000, 4500),
		  IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	/* TCP 500 and UDP 501 are ordinary traffic */
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_TCP, 500, 500),
		  IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 501, 4501),
		  IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	/* loopback: 127/8, ::1, between two local addresses, or known */
	v = check(&fx, P(IPP_DIR_OUT, "127.0.0.1", "127.0.0.53", IPPROTO_UDP, 1, 53),
		  IPP_VERDICT_EXEMPT_LOOPBACK, -1);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_OUT, "10.0.0.1", "192.168.7.1", IPPROTO_TCP, 1, 2),
		  IPP_VERDICT_EXEMPT_LOOPBACK, -1);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_IN, "192.168.7.1", "10.0.0.1", IPPROTO_TCP, 1, 2),
		  IPP_VERDICT_EXEMPT_LOOPBACK, -1);
	ipp_verdict_clear(&v);
	p = P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_TCP, 1, 2);
	p.loopback = true;
	v = check(&fx, p, IPP_VERDICT_EXEMPT_LOOPBACK, -1);
	ipp_verdict_clear(&v);

	/* IPsec's own protocols */
	v = check(&fx, P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_ESP, 0, 0),
		  IPP_VERDICT_EXEMPT_IPSEC, -1);
	ipp_verdict_clear(&v);
	v = check(&fx, P(IPP_DIR_OUT, "fd00:77::1", "fd00:77::9", IPPROTO_AH, 0, 0),
		  IPP_VERDICT_EXEMPT_IPSEC, -1);
	ipp_verdict_clear(&v);

	/* neighbour discovery: ICMPv6 133..136 with hop limit 255 only (not redirects) */
	p = P(IPP_DIR_OUT, "fd00:77::1", "ff02::1:ff00:9", IPPROTO_ICMPV6, 0, 0);
	p.icmp_type = 135;
	p.hoplimit = 255;
	v = check(&fx, p, IPP_VERDICT_EXEMPT_ND, -1);
	assert_true(v.accepted);
	ipp_verdict_clear(&v);
	p.hoplimit = 64;
	v = check(&fx, p, IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	p.hoplimit = 255;
	p.icmp_type = 128; /* echo request */
	v = check(&fx, p, IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	p.icmp_type = 137; /* redirect */
	v = check(&fx, p, IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	/* packet too big, from any router on the way, whatever its hop limit: path MTU
	 * discovery (RFC 4890) */
	p = P(IPP_DIR_IN, "fd00:99::1", "fd00:77::1", IPPROTO_ICMPV6, 0, 0);
	p.icmp_type = 2;
	p.hoplimit = 61;
	v = check(&fx, p, IPP_VERDICT_EXEMPT_ND, -1);
	assert_true(v.accepted);
	ipp_verdict_clear(&v);
	p = P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_ICMP, 0, 0);
	p.icmp_type = 135;
	p.hoplimit = 255;
	v = check(&fx, p, IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);
	/* the multicast listener discovery it needs: hop limit 1, from a link-local or no
	 * address (an MLDv2 report to ff02::16) */
	p = P(IPP_DIR_OUT, "fe80::1", "ff02::16", IPPROTO_ICMPV6, 0, 0);
	p.icmp_type = 143;
	p.hoplimit = 1;
	v = check(&fx, p, IPP_VERDICT_EXEMPT_ND, -1);
	ipp_verdict_clear(&v);
	p = P(IPP_DIR_OUT, "::", "ff02::16", IPPROTO_ICMPV6, 0, 0);
	p.icmp_type = 143;
	p.hoplimit = 1;
	v = check(&fx, p, IPP_VERDICT_EXEMPT_ND, -1);
	ipp_verdict_clear(&v);
	p = P(IPP_DIR_OUT, "fd00:77::1", "ff02::16", IPPROTO_ICMPV6, 0, 0);
	p.icmp_type = 143;
	p.hoplimit = 1; /* a global source: not the link's own */
	v = check(&fx, p, IPP_VERDICT_BLOCK, (int)r);
	ipp_verdict_clear(&v);

	/* each exemption can be switched off, as the compiler's options can */
	p = P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_UDP, 500, 500);
	assert_int_equal(ipp_classify_ex(&fx.eff, &p, &me, IPP_CLASSIFY_NO_EXEMPT_IKE, &v), 0);
	assert_int_equal(v.kind, IPP_VERDICT_BLOCK);
	ipp_verdict_clear(&v);
	p = P(IPP_DIR_IN, "10.9.9.9", "10.0.0.1", IPPROTO_ESP, 0, 0);
	assert_int_equal(ipp_classify_ex(&fx.eff, &p, &me, IPP_CLASSIFY_NO_EXEMPT_IPSEC, &v), 0);
	assert_int_equal(v.kind, IPP_VERDICT_BLOCK);
	ipp_verdict_clear(&v);
	p = P(IPP_DIR_IN, "fd00:77::9", "fd00:77::1", IPPROTO_ICMPV6, 0, 0);
	p.icmp_type = 136;
	p.hoplimit = 255;
	assert_int_equal(ipp_classify_ex(&fx.eff, &p, &me, IPP_CLASSIFY_NO_EXEMPT_ND, &v), 0);
	assert_int_equal(v.kind, IPP_VERDICT_BLOCK);
	ipp_verdict_clear(&v);
}

static void test_weights_match_model(void **state)
{
	/* the matcher's own weights agree with the model's on random selectors */
	uint32_t seed = 12345;
	int i;

	for (i = 0; i < 20000; i++) {
		struct ipp_sfilter f = {0};
		struct ipp_addr *ends[2] = {&f.src, &f.dst};
		int k;

		for (k = 0; k < 2; k++) {
			struct ipp_addr *a = ends[k];
			int fam;

			seed = seed * 1103515245u + 12345u;
			fam = (seed >> 20) & 1 ? AF_INET6 : AF_INET;
			switch ((seed >> 16) % 4) {
			case 0:
				a->kind = IPP_ADDR_ANY;
				break;
			case 1:
				a->kind = IPP_ADDR_ME;
				break;
			case 2:
				a->kind = IPP_ADDR_IP;
				a->family = (uint8_t)fam;
				a->plen = (uint8_t)((seed >> 8) % (fam == AF_INET6 ? 129 : 33));
				a->ip[0] = (uint8_t)seed;
				break;
			default:
				a->kind = IPP_ADDR_RANGE;
				a->family = (uint8_t)fam;
				a->ip[0] = 10;
				a->ip[3] = (uint8_t)(seed >> 3);
				a->ip_end[0] = 10;
				a->ip_end[1] = (uint8_t)((seed >> 9) & 3);
				a->ip_end[3] = 255;
				break;
			}
		}
		seed = seed * 1103515245u + 12345u;
		f.protocol = (seed >> 16) & 1 ? IPPROTO_TCP : 0;
		f.srcport = f.protocol && ((seed >> 17) & 1) ? 1234 : 0;
		f.dstport = f.protocol && ((seed >> 18) & 1) ? 80 : 0;
		assert_int_equal(ipp_classify_weight(&f),
				 ipp_weight(&f.src, &f.dst, f.protocol, f.srcport, f.dstport));
	}
}

/* Random filters and packets: the winner beats every other candidate, and the scan agrees. */
static void test_random_consistency(void **state)
{
	static const char *nets[] = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3",
				     "10.1.2.0-10.1.2.20", "10.2.0.0/15"};
	uint32_t seed = 777;
	struct fixture fx;
	int round, i;

	for (round = 0; round < 50; round++) {
		fx_init(&fx);
		for (i = 0; i < 8; i++) {
			seed = seed * 1103515245u + 12345u;
			fx_rule(&fx, "P", "R", (enum ipp_action)(1 + (seed >> 16) % 3),
				(seed >> 20) & 1 ? IPP_ORIGIN_PERSISTENT : IPP_ORIGIN_ASSIGNED);
		}
		for (i = 0; i < 60; i++) {
			struct ipp_addr s, d;
			uint8_t proto;

			seed = seed * 1103515245u + 12345u;
			s = (seed >> 8) % 7 == 6 ? A_ANY() : A(nets[(seed >> 8) % 7 % 6]);
			d = (seed >> 12) % 3 == 0 ? A_ME() : (seed >> 12) % 3 == 1 ? A_ANY()
										   : A("10.0.0.1");
			proto = (seed >> 14) & 1 ? IPPROTO_TCP : 0;
			fx_filter(&fx, (seed >> 16) % 8, s, d, proto,
				  proto && ((seed >> 19) & 1) ? 1000 : 0,
				  proto && ((seed >> 20) & 1) ? 80 : 0, (seed >> 21) & 1);
		}
		for (i = 0; i < 200; i++) {
			struct ipp_verdict v, fast;
			struct ipp_packet p;
			char src[32];
			size_t k, n = 0;

			seed = seed * 1103515245u + 12345u;
			snprintf(src, sizeof(src), "10.%u.2.%u", (seed >> 8) % 3, (seed >> 16) % 25);
			p = P(IPP_DIR_IN, src, "10.0.0.1", (seed >> 24) & 1 ? IPPROTO_TCP : IPPROTO_UDP,
			      (seed >> 25) & 1 ? 1000 : 5, (seed >> 26) & 1 ? 80 : 6);
			assert_int_equal(ipp_classify(&fx.eff, &p, &me, &v), 0);
			for (k = 0; k < fx.eff.nsf; k++)
				n += ipp_classify_match(&fx.sf[k], &p, &me);
			assert_int_equal(v.ncand, n);
			for (k = 1; k < v.ncand; k++)
				assert_true(ipp_classify_cmp(&fx.sf[v.cand[k - 1].sf], v.cand[k - 1].weight,
							     v.cand[k - 1].sf, &fx.sf[v.cand[k].sf],
							     v.cand[k].weight, v.cand[k].sf) < 0);
			if (n == 0) {
				assert_int_equal(v.kind, IPP_VERDICT_NONE);
			} else {
				assert_true(v.sf == v.cand[0].sf);
				assert_int_equal(v.action, fx.sf[v.sf].action);
				assert_int_equal(v.accepted, v.action == IPP_ACTION_PERMIT);
			}
			assert_int_equal(
				ipp_classify_ex(&fx.eff, &p, &me, IPP_CLASSIFY_NO_CANDIDATES, &fast), 0);
			assert_true(fast.sf == v.sf);
			ipp_verdict_clear(&v);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_rdp),
		cmocka_unit_test(test_example_icmp_exempt),
		cmocka_unit_test(test_example_address_dominates),
		cmocka_unit_test(test_one_way),
		cmocka_unit_test(test_me_unknown),
		cmocka_unit_test(test_subnets_and_host_bits),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_exemptions),
		cmocka_unit_test(test_weights_match_model),
		cmocka_unit_test(test_random_consistency),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
