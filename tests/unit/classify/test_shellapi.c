/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_shellapi.c - what the shell calls: the `whatif` argument table and
 * the refuse-to-lock-out check of `set policy assign=yes`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fixture.h"

static void test_whatif_args(void **state)
{
	struct ipp_whatif w = {0};
	struct ipp_error err = {0};

	assert_int_equal(ipp_whatif_set(&w, "src", "10.0.0.5", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "DSTADDR", "me", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "proto", "TCP", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "dstport", "80", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "srcport", "0", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "policy", "Block80", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "me", "10.0.0.1", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "me", "fd00::1", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "me", "only", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "dir", "out", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "ipsec", "yes", &err), 0);
	assert_int_equal(ipp_whatif_set(&w, "level", "verbose", &err), 0);
	assert_string_equal(w.src, "10.0.0.5");
	assert_string_equal(w.dst, "me");
	assert_int_equal(w.proto, IPPROTO_TCP);
	assert_true(w.have_dport && w.dport == 80);
	assert_true(w.have_sport && w.sport == 0);
	assert_string_equal(w.policy, "Block80");
	assert_int_equal(w.me.n, 2);
	assert_true(w.nosystem);
	assert_true(w.dir_set && w.dir == IPP_DIR_OUT);
	assert_true(w.secpath);
	assert_true(w.verbose);
	/* a repeated tag replaces */
	assert_int_equal(ipp_whatif_set(&w, "src", "10.0.0.6", &err), 0);
	assert_string_equal(w.src, "10.0.0.6");
	assert_int_equal(ipp_whatif_set(&w, "protocol", "47", &err), 0);
	assert_int_equal(w.proto, 47);
	ipp_whatif_clear(&w);
	assert_null(w.src);
	ipp_whatif_clear(NULL);
}

static void bad(const char *tag, const char *value, const char *want)
{
	struct ipp_whatif w = {0};
	struct ipp_error err = {0};

	assert_int_equal(ipp_whatif_set(&w, tag, value, &err), -EINVAL);
	if (!strstr(err.msg, want))
		fail_msg("\"%s=%s\": message \"%s\" lacks \"%s\"", tag, value, err.msg, want);
	ipp_whatif_clear(&w);
}

static void test_whatif_args_refused(void **state)
{
	bad("srcport", "65536", "\"srcport=65536\": expected a port 0..65535");
	bad("dstport", "-1", "\"dstport=-1\"");
	bad("dstport", "8o", "\"dstport=8o\"");
	bad("dstport", "", "\"dstport=\"");
	bad("proto", "any", "a packet has one protocol");
	bad("proto", "256", "\"proto=256\": expected tcp, udp");
	bad("proto", "0", "\"proto=0\"");
	bad("me", "host.example", "\"me=host.example\": expected an IPv4 or IPv6 address");
	bad("dir", "sideways", "\"dir=sideways\": expected in or out");
	bad("ipsec", "maybe", "expected yes or no");
	bad("level", "loud", "expected normal or verbose");
	bad("conntype", "wifi", "\"conntype=wifi\": expected lan or dialup");
	bad("src", "", "\"src=\": expected a value");
	bad("colour", "blue", "unknown argument \"colour\"");
}

static struct fixture fx;
static uint32_t r_block, r_ssh;

static void policy(bool with_ssh, enum ipp_action all)
{
	fx_init(&fx);
	r_block = fx_rule(&fx, "Lockdown", "All", all, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, r_block, A_ANY(), A_ME(), 0, 0, 0, true);
	if (with_ssh) {
		r_ssh = fx_rule(&fx, "Lockdown", "SSH", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
		fx_filter(&fx, r_ssh, A_ANY(), A_ME(), IPPROTO_TCP, 0, 22, true);
	}
}

static void test_lockout(void **state)
{
	struct ipp_lockout l;
	struct ipp_error err = {0};

	policy(false, IPP_ACTION_BLOCK);
	assert_int_equal(ipp_lockout_check(&fx.eff, NULL, "10.0.0.5 51000 10.0.0.1 22", &l, &err),
			 0);
	assert_true(l.applicable);
	assert_true(l.blocked);
	assert_int_equal(l.vin, IPP_VERDICT_BLOCK);
	assert_int_equal(l.vout, IPP_VERDICT_BLOCK);
	assert_int_equal(l.in.sport, 51000);
	assert_int_equal(l.in.dport, 22);
	assert_int_equal(l.out.sport, 22);
	assert_int_equal(l.out.dir, IPP_DIR_OUT);
	assert_non_null(strstr(l.msg, "10.0.0.5 port 51000 -> 10.0.0.1 port 22"));
	assert_non_null(strstr(l.msg, "would be cut off"));
	assert_non_null(strstr(l.msg, "inbound packets blocked by rule \"All\" of policy "
				      "\"Lockdown\""));
	assert_non_null(strstr(l.msg, "outbound packets blocked"));

	/* a more specific permit for SSH keeps the session */
	policy(true, IPP_ACTION_BLOCK);
	assert_int_equal(ipp_lockout_check(&fx.eff, NULL, "10.0.0.5 51000 10.0.0.1 22", &l, &err),
			 0);
	assert_true(l.applicable);
	assert_false(l.blocked);
	assert_int_equal(l.vin, IPP_VERDICT_PERMIT);
	assert_int_equal(l.vout, IPP_VERDICT_PERMIT);
	assert_non_null(strstr(l.msg, "stays permitted"));

	/* SSH on another port is not covered by it */
	assert_int_equal(ipp_lockout_check(&fx.eff, NULL, "10.0.0.5 51000 10.0.0.1 2222", &l,
					   &err),
			 0);
	assert_true(l.blocked);

	/* negotiate drops the clear session too */
	policy(false, IPP_ACTION_NEGOTIATE);
	assert_int_equal(ipp_lockout_check(&fx.eff, NULL, "fe80::5%eth0 51000 fe80::1%eth0 22", &l,
					   &err),
			 0);
	assert_true(l.applicable);
	assert_true(l.blocked);
	assert_int_equal(l.in.family, AF_INET6);
	assert_non_null(strstr(l.msg, "need IPsec (negotiate)"));
	assert_non_null(strstr(l.msg, "[fe80::5] port 51000"));

	/* from the host itself: loopback is never filtered */
	policy(false, IPP_ACTION_BLOCK);
	assert_int_equal(ipp_lockout_check(&fx.eff, NULL, "::1 51000 ::1 22", &l, &err), 0);
	assert_false(l.blocked);
	assert_int_equal(l.vin, IPP_VERDICT_EXEMPT_LOOPBACK);

	/* nothing assigned */
	assert_int_equal(ipp_lockout_check(NULL, NULL, "10.0.0.5 51000 10.0.0.1 22", &l, &err), 0);
	assert_false(l.blocked);
}

static void test_lockout_not_ssh(void **state)
{
	struct ipp_lockout l;

	policy(false, IPP_ACTION_BLOCK);
	unsetenv("SSH_CONNECTION");
	assert_int_equal(ipp_lockout_check(&fx.eff, NULL, NULL, &l, NULL), 0);
	assert_false(l.applicable);
	assert_false(l.blocked);

	setenv("SSH_CONNECTION", "10.0.0.5 51000 10.0.0.1 22", 1);
	assert_int_equal(ipp_lockout_check(&fx.eff, NULL, NULL, &l, NULL), 0);
	assert_true(l.applicable);
	assert_true(l.blocked);
	unsetenv("SSH_CONNECTION");

	static const char *garbled[] = {"10.0.0.5",
					"10.0.0.5 51000 10.0.0.1",
					"10.0.0.5 0 10.0.0.1 22",
					"10.0.0.5 51000 10.0.0.1 65536",
					"10.0.0.5 51000 fd00::1 22",
					"host 1 host 2"};
	struct ipp_error err = {0};
	size_t i;

	assert_int_equal(ipp_lockout_check(&fx.eff, NULL, "", &l, NULL), 0);
	assert_false(l.applicable);
	/* set but unreadable: the check cannot be made, which is an error, not a pass */
	for (i = 0; i < sizeof(garbled) / sizeof(garbled[0]); i++) {
		assert_int_equal(ipp_lockout_check(&fx.eff, NULL, garbled[i], &l, &err), -EINVAL);
		assert_non_null(strstr(err.msg, garbled[i]));
		assert_non_null(strstr(err.msg, "not understood"));
		assert_false(l.blocked);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whatif_args),
		cmocka_unit_test(test_whatif_args_refused),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_lockout_not_ssh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
