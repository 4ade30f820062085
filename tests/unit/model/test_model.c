/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of src/model: parsers, formatting, validation, weights, GUIDs. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "common/dup.h"
#include "model/dynspd.h"
#include "model/model.h"

/* ---------- helpers ---------- */

static struct ipp_addr addr(const char *s)
{
	struct ipp_error err = {0};
	struct ipp_addr a;

	if (ipp_addr_parse_cidr(s, &a, &err) < 0)
		fail_msg("addr(%s): %s", s, err.msg);
	return a;
}

/* Parse an address expecting failure @code and a message containing @needle. */
static void addr_bad(const char *s, int code, const char *needle)
{
	struct ipp_error err = {0};
	struct ipp_addr a;
	int r = ipp_addr_parse(s, &a, &err);

	if (r != -code)
		fail_msg("ipp_addr_parse(\"%s\") = %d, expected %d", s, r, -code);
	if (!strstr(err.msg, needle))
		fail_msg("ipp_addr_parse(\"%s\"): message \"%s\" lacks \"%s\"", s, err.msg, needle);
}

static void expect_msg(int r, int code, const struct ipp_error *err, const char *needle)
{
	if (r != -code)
		fail_msg("got %d, expected %d (%s)", r, -code, err->msg);
	if (!strstr(err->msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, needle);
}

/* ---------- addresses ---------- */

static void test_addr_keywords(void **state)
{
	static const struct {
		const char *in;
		enum ipp_addr_kind kind;
		const char *out;
	} t[] = {
		{"me", IPP_ADDR_ME, "me"},	   {"ME", IPP_ADDR_ME, "me"},
		{"Any", IPP_ADDR_ANY, "any"},	   {"dns", IPP_ADDR_DNS, "DNS"},
		{"WINS", IPP_ADDR_WINS, "WINS"}, {"dHcP", IPP_ADDR_DHCP, "DHCP"},
		{"gateway", IPP_ADDR_GATEWAY, "GATEWAY"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ipp_addr a;
		char buf[IPP_ADDR_STRLEN];

		assert_int_equal(ipp_addr_parse(t[i].in, &a, NULL), 0);
		assert_int_equal(a.kind, t[i].kind);
		ipp_addr_format(&a, buf, sizeof(buf));
		assert_string_equal(buf, t[i].out);
	}
	assert_true(ipp_addr_is_server(IPP_ADDR_DNS));
	assert_true(ipp_addr_is_server(IPP_ADDR_GATEWAY));
	assert_false(ipp_addr_is_server(IPP_ADDR_ME));
	assert_false(ipp_addr_is_server(IPP_ADDR_IP));
}

static void test_addr_ip(void **state)
{
	struct ipp_addr a;
	char buf[IPP_ADDR_STRLEN], m[64];

	assert_int_equal(ipp_addr_parse("192.168.0.1", &a, NULL), 0);
	assert_int_equal(a.kind, IPP_ADDR_IP);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.plen, 32);
	assert_memory_equal(a.ip, "\xc0\xa8\x00\x01", 4);
	ipp_mask_format(&a, m, sizeof(m));
	assert_string_equal(m, "255.255.255.255");

	assert_int_equal(ipp_addr_set_mask(&a, 24, NULL), 0);
	ipp_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "192.168.0.1"); /* host bits kept as given */
	ipp_mask_format(&a, m, sizeof(m));
	assert_string_equal(m, "255.255.255.0");
	ipp_addr_format_cidr(&a, buf, sizeof(buf));
	assert_string_equal(buf, "192.168.0.1/24");

	assert_int_equal(ipp_addr_parse("2001:DB8::1", &a, NULL), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.plen, 128);
	ipp_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1");
	assert_int_equal(ipp_addr_set_mask(&a, 64, NULL), 0);
	ipp_mask_format(&a, m, sizeof(m));
	assert_string_equal(m, "/64");

	/* 0.0.0.0 with mask 0 is any */
	assert_int_equal(ipp_addr_parse("0.0.0.0", &a, NULL), 0);
	assert_int_equal(a.kind, IPP_ADDR_IP);
	assert_int_equal(ipp_addr_set_mask(&a, 0, NULL), 0);
	assert_int_equal(a.kind, IPP_ADDR_ANY);
	ipp_mask_format(&a, m, sizeof(m));
	assert_string_equal(m, "0.0.0.0");

	/* masks are ignored for the other kinds, as netsh does */
	assert_int_equal(ipp_addr_parse("me", &a, NULL), 0);
	assert_int_equal(ipp_addr_set_mask(&a, 8, NULL), 0);
	assert_int_equal(a.kind, IPP_ADDR_ME);

	/* too long a prefix */
	{
		struct ipp_error err = {0};

		assert_int_equal(ipp_addr_parse("10.0.0.1", &a, NULL), 0);
		expect_msg(ipp_addr_set_mask(&a, 33, &err), EINVAL, &err, "too long");
	}
}

static void test_addr_range(void **state)
{
	struct ipp_addr a;
	char buf[IPP_ADDR_STRLEN], m[64];

	assert_int_equal(ipp_addr_parse("10.0.0.1-10.0.0.9", &a, NULL), 0);
	assert_int_equal(a.kind, IPP_ADDR_RANGE);
	assert_int_equal(a.family, AF_INET);
	ipp_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.1-10.0.0.9");
	ipp_mask_format(&a, m, sizeof(m));
	assert_string_equal(m, "");
	assert_int_equal(ipp_addr_parse("fd00::1-fd00::ff", &a, NULL), 0);
	assert_int_equal(a.family, AF_INET6);
	/* a one-address range is fine */
	assert_int_equal(ipp_addr_parse("10.0.0.1-10.0.0.1", &a, NULL), 0);

	addr_bad("10.0.0.9-10.0.0.1", EINVAL, "above the last");
	addr_bad("10.0.0.1-fd00::1", EINVAL, "same family");
	addr_bad("10.0.0.1-", EINVAL, "range \"10.0.0.1-\": \"\" is not");
	addr_bad("10.0.0.1-10.0.0.300", EINVAL, "\"10.0.0.300\" is not an IPv4 or IPv6");
}

static void test_addr_bad_and_names(void **state)
{
	struct ipp_error err = {0};
	struct ipp_addr a = {.kind = IPP_ADDR_ME};

	addr_bad("10.0.0.300", EINVAL, "\"10.0.0.300\" is not a valid address");
	addr_bad("10.0.0", EINVAL, "is not a valid address");
	addr_bad("", EINVAL, "empty address");
	addr_bad("1.2.3.4/24", EINVAL, "\"1.2.3.4/24\"");
	addr_bad("fe80::1%eth0", EINVAL, "not a valid address");
	addr_bad("a b", EINVAL, "not a valid address");
	addr_bad("-host", EINVAL, "not a valid address");
	/* host names are for the caller to resolve */
	addr_bad("www.example.com", EAGAIN, "DNS name");
	addr_bad("fileserver", EAGAIN, "DNS name");
	addr_bad("my-host.corp.example.", EAGAIN, "DNS name");
	/* a failed parse leaves the result alone */
	assert_int_equal(ipp_addr_parse("10.0.0.300", &a, &err), -EINVAL);
	assert_int_equal(a.kind, IPP_ADDR_ME);
}

static void test_mask_parse(void **state)
{
	static const struct {
		const char *in;
		int family;
		int plen; /* -1: refused */
		const char *needle;
	} t[] = {
		{"255.255.255.0", AF_INET, 24, NULL},
		{"255.255.255.255", AF_INET, 32, NULL},
		{"0.0.0.0", AF_INET, 0, NULL},
		{"255.255.128.0", AF_INET, 17, NULL},
		{"24", AF_INET, 24, NULL},
		{"0", AF_INET, 0, NULL},
		{"32", AF_INET, 32, NULL},
		{"64", AF_INET6, 64, NULL},
		{"128", AF_INET6, 128, NULL},
		{"ffff:ffff::", AF_INET6, 32, NULL},
		{"255.0.255.0", AF_INET, -1, "not contiguous"},
		{"255.255.255.1", AF_INET, -1, "not contiguous"},
		{"33", AF_INET, -1, "prefix length from 0 to 32"},
		{"129", AF_INET6, -1, "from 0 to 128"},
		{"-1", AF_INET, -1, "not a valid mask"},
		{"+24", AF_INET, -1, "not a valid mask"},
		{" 24", AF_INET, -1, "not a valid mask"},
		{"24x", AF_INET, -1, "not a valid mask"},
		{"", AF_INET, -1, "empty mask"},
		{"255.255.0", AF_INET, -1, "not a valid mask"},
		{"255.255.255.0", AF_INET6, -1, "does not fit an IPv6"},
		{"ff00::1", AF_INET6, -1, "not contiguous"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ipp_error err = {0};
		uint8_t plen = 99;
		int r = ipp_mask_parse(t[i].in, t[i].family, &plen, &err);

		if (t[i].plen >= 0) {
			if (r != 0 || plen != t[i].plen)
				fail_msg("mask \"%s\": r=%d plen=%u (%s)", t[i].in, r, plen,
					 err.msg);
		} else {
			if (r != -EINVAL || !strstr(err.msg, t[i].needle) ||
			    !strstr(err.msg, t[i].in))
				fail_msg("mask \"%s\": r=%d msg=\"%s\"", t[i].in, r, err.msg);
			assert_int_equal(plen, 99);
		}
	}
}

static void test_addr_cidr_roundtrip(void **state)
{
	static const char *const t[] = {
		"any", "me", "DNS", "WINS", "DHCP", "GATEWAY", "10.0.0.0/8", "10.1.2.3/32",
		"2001:db8::/32", "::1/128", "10.0.0.1-10.0.0.9", "fd00::1-fd00::2", "10.0.0.0/0",
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ipp_addr a = addr(t[i]), b;
		char buf[IPP_ADDR_STRLEN];

		ipp_addr_format_cidr(&a, buf, sizeof(buf));
		assert_string_equal(buf, t[i]);
		b = addr(buf);
		assert_true(ipp_addr_same(&a, &b));
	}
	/* 0.0.0.0/0 is any */
	assert_int_equal(addr("0.0.0.0/0").kind, IPP_ADDR_ANY);
	{
		struct ipp_error err = {0};
		struct ipp_addr a;

		expect_msg(ipp_addr_parse_cidr("host.example/24", &a, &err), EINVAL, &err,
			   "DNS names are not allowed");
		expect_msg(ipp_addr_parse_cidr("me/24", &a, &err), EINVAL, &err,
			   "prefix length goes only with an IP");
		expect_msg(ipp_addr_parse_cidr("10.0.0.0/255.0.0.0", &a, &err), EINVAL, &err,
			   "ADDRESS/PREFIXLENGTH");
	}
}

/*
 * The store's addresses are read with a fast path for "a.b.c.d[/n]": what
 * it accepts must be what inet_pton() and the prefix length say, and odd
 * spellings must still get the general parser's answer.
 */
static void test_addr_cidr_fast(void **state)
{
	static const char alphabet[] = "0123456789./";
	static const struct {
		const char *s;
		int ok; /* 1 IPv4, 0 error */
		uint8_t plen;
	} t[] = {
	    {"1.2.3.4", 1, 32},	  {"1.2.3.4/0", 1, 0}, {"255.255.255.255/32", 1, 32},
	    {"0.0.0.0/0", 1, 0},  {"0.0.0.0", 1, 32},  {"01.2.3.4", 0, 0},
	    {"1.2.3.256", 0, 0},  {"1.2.3", 0, 0},     {"1.2.3.4.5", 0, 0},
	    {"1.2.3.4/33", 0, 0}, {"1.2.3.4/", 0, 0},  {"1.2.3.4/2x", 0, 0},
	    {"1.2.3.4 ", 0, 0},	  {"1..3.4", 0, 0},    {"1.2.3.4//8", 0, 0},
	};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned i, parsed = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ipp_addr a;
		int r = ipp_addr_parse_cidr(t[i].s, &a, NULL);

		if (!t[i].ok) {
			assert_true(r < 0);
			continue;
		}
		assert_int_equal(r, 0);
		if (!strcmp(t[i].s, "0.0.0.0/0")) {
			assert_int_equal(a.kind, IPP_ADDR_ANY);
			continue;
		}
		assert_int_equal(a.kind, IPP_ADDR_IP);
		assert_int_equal(a.plen, t[i].plen);
	}
	/* random strings: whatever parses as IPv4 agrees with inet_pton() */
	for (i = 0; i < 200000; i++) {
		char str[24], ip[24];
		uint8_t want[4];
		struct ipp_addr a;
		size_t n, k;
		const char *slash;

		/* four numbers (some too big, some with a leading zero), a prefix length
		 * now and then, and one character changed now and then */
		n = 0;
		for (k = 0; k < 5; k++) {
			unsigned v;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			v = (unsigned)(seed >> 33) % 300;
			if (k == 4 && (seed >> 50) % 2)
				break;
			n +=
			    (size_t)snprintf(str + n, sizeof(str) - n, "%s%s%u",
					     k == 0  ? ""
					     : k < 4 ? "."
						     : "/",
					     (seed >> 45) % 16 == 0 ? "0" : "", k < 4 ? v : v % 40);
		}
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if ((seed >> 40) % 4 == 0)
			str[(seed >> 20) % n] = alphabet[(seed >> 52) % 12];
		if (ipp_addr_parse_cidr(str, &a, NULL) < 0 || a.kind != IPP_ADDR_IP)
			continue;
		slash = strchr(str, '/');
		k = slash ? (size_t)(slash - str) : n;
		memcpy(ip, str, k);
		ip[k] = '\0';
		assert_int_equal(inet_pton(AF_INET, ip, want), 1);
		assert_memory_equal(a.ip, want, 4);
		assert_int_equal(a.plen, slash ? (uint8_t)atoi(slash + 1) : 32);
		parsed++;
	}
	assert_true(parsed > 500); /* the strings do reach the parser's accepting paths */
	/* and every address formatted comes back as it was */
	for (i = 0; i < 100000; i++) {
		struct ipp_addr a = {.kind = IPP_ADDR_IP, .family = AF_INET}, b;
		char buf[64];

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		memcpy(a.ip, &seed, 4);
		a.plen = (uint8_t)((seed >> 40) % 33);
		if (a.plen == 0 && !a.ip[0] && !a.ip[1] && !a.ip[2] && !a.ip[3])
			continue;
		ipp_addr_format_cidr(&a, buf, sizeof(buf));
		assert_int_equal(ipp_addr_parse_cidr(buf, &b, NULL), 0);
		assert_true(ipp_addr_same(&a, &b));
	}
}

static void test_addr_contains(void **state)
{
	uint8_t ip[16] = {10, 1, 2, 3};
	uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct ipp_addr a;

	a = addr("10.0.0.0/8");
	assert_true(ipp_addr_contains(&a, AF_INET, ip));
	a = addr("10.1.2.0/24");
	assert_true(ipp_addr_contains(&a, AF_INET, ip));
	a = addr("10.1.3.0/24");
	assert_false(ipp_addr_contains(&a, AF_INET, ip));
	a = addr("10.1.2.3/32");
	assert_true(ipp_addr_contains(&a, AF_INET, ip));
	a = addr("10.1.2.255/24"); /* host bits set: matched as the network */
	assert_true(ipp_addr_contains(&a, AF_INET, ip));
	a = addr("10.1.2.1-10.1.2.3");
	assert_true(ipp_addr_contains(&a, AF_INET, ip));
	a = addr("10.1.2.4-10.1.2.9");
	assert_false(ipp_addr_contains(&a, AF_INET, ip));
	a = addr("any");
	assert_true(ipp_addr_contains(&a, AF_INET, ip));
	assert_true(ipp_addr_contains(&a, AF_INET6, ip6));
	a = addr("me");
	assert_false(ipp_addr_contains(&a, AF_INET, ip));
	a = addr("2001:db8::/32");
	assert_true(ipp_addr_contains(&a, AF_INET6, ip6));
	assert_false(ipp_addr_contains(&a, AF_INET, ip));
	a = addr("10.0.0.0/8");
	assert_false(ipp_addr_contains(&a, AF_INET6, ip6));
}

static void test_addr_weight(void **state)
{
	struct ipp_addr a;

	a = addr("any");
	assert_int_equal(ipp_addr_weight(&a), 0);
	a = addr("me");
	assert_int_equal(ipp_addr_weight(&a), 32);
	a = addr("DNS");
	assert_int_equal(ipp_addr_weight(&a), 32);
	a = addr("10.0.0.0/8");
	assert_int_equal(ipp_addr_weight(&a), 8);
	a = addr("10.0.0.1/32");
	assert_int_equal(ipp_addr_weight(&a), 32);
	a = addr("2001:db8::1/128");
	assert_int_equal(ipp_addr_weight(&a), 32);
	a = addr("2001:db8::/64");
	assert_int_equal(ipp_addr_weight(&a), 16);
	/* 10.0.0.1-10.0.0.9 lies in 10.0.0.0/28 */
	a = addr("10.0.0.1-10.0.0.9");
	assert_int_equal(ipp_addr_weight(&a), 28);
	a = addr("10.0.0.0-10.0.255.255");
	assert_int_equal(ipp_addr_weight(&a), 16);
	a = addr("10.0.0.7-10.0.0.7");
	assert_int_equal(ipp_addr_weight(&a), 32);
}

/* ---------- scalars ---------- */

static void test_proto_port(void **state)
{
	static const struct {
		const char *in;
		int proto;
		const char *out;
	} t[] = {
		{"any", 0, "ANY"}, {"ICMP", 1, "ICMP"}, {"tcp", 6, "TCP"}, {"Udp", 17, "UDP"},
		{"raw", 255, "RAW"}, {"47", 47, "47"}, {"0", 0, "ANY"}, {"6", 6, "TCP"},
		{"256", -1, NULL}, {"tcpx", -1, NULL}, {"-1", -1, NULL}, {"", -1, NULL},
		{"0x6", -1, NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ipp_error err = {0};
		uint8_t p = 77;
		char buf[16];
		int r = ipp_proto_parse(t[i].in, &p, &err);

		if (t[i].proto < 0) {
			expect_msg(r, EINVAL, &err, "expected ANY, ICMP, TCP, UDP, RAW");
			assert_non_null(strstr(err.msg, t[i].in));
			assert_int_equal(p, 77);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(p, t[i].proto);
		ipp_proto_format(p, buf, sizeof(buf));
		assert_string_equal(buf, t[i].out);
	}

	{
		struct ipp_error err = {0};
		uint16_t port = 1;

		assert_int_equal(ipp_port_parse("0", &port, NULL), 0);
		assert_int_equal(port, 0);
		assert_int_equal(ipp_port_parse("65535", &port, NULL), 0);
		assert_int_equal(port, 65535);
		expect_msg(ipp_port_parse("65536", &port, &err), EINVAL, &err, "\"65536\" is out of range");
		expect_msg(ipp_port_parse("1e3", &port, &err), EINVAL, &err, "\"1e3\" is not a number");
		expect_msg(ipp_port_parse(" 80", &port, &err), EINVAL, &err, "not a number");
		expect_msg(ipp_port_parse("", &port, &err), EINVAL, &err, "empty");
		expect_msg(ipp_port_parse("99999999999999999999", &port, &err), EINVAL, &err,
			   "out of range");
		assert_int_equal(port, 65535);
	}
}

static void test_u32_bool(void **state)
{
	struct ipp_error err = {0};
	uint32_t v = 0;
	bool b = false;

	assert_int_equal(ipp_parse_u32("x", "4294967295", 0, UINT32_MAX, &v, NULL), 0);
	assert_int_equal(v, UINT32_MAX);
	expect_msg(ipp_parse_u32("x", "4294967296", 0, UINT32_MAX, &v, &err), EINVAL, &err,
		   "x: \"4294967296\" is out of range");
	expect_msg(ipp_parse_u32("mmlifetime", "4", 5, 2880, &v, &err), EINVAL, &err,
		   "expected 5 to 2880");
	expect_msg(ipp_parse_u32("x", "12 ", 0, 100, &v, &err), EINVAL, &err, "not a number");

	assert_int_equal(ipp_bool_parse("mirrored", "YES", &b, NULL), 0);
	assert_true(b);
	assert_int_equal(ipp_bool_parse("mirrored", "n", &b, NULL), 0);
	assert_false(b);
	assert_int_equal(ipp_bool_parse("soft", "y", &b, NULL), 0);
	assert_true(b);
	expect_msg(ipp_bool_parse("soft", "yess", &b, &err), EINVAL, &err,
		   "soft: \"yess\" is not valid, expected yes or no");
	expect_msg(ipp_bool_parse("soft", "", &b, &err), EINVAL, &err, "expected yes or no");

	{
		enum ipp_action a;
		enum ipp_conntype c;

		assert_int_equal(ipp_action_parse("PERMIT", &a, NULL), 0);
		assert_int_equal(a, IPP_ACTION_PERMIT);
		assert_string_equal(ipp_action_name(IPP_ACTION_NEGOTIATE), "negotiate");
		expect_msg(ipp_action_parse("allow", &a, &err), EINVAL, &err, "\"allow\"");
		assert_int_equal(ipp_conntype_parse("lan", &c, NULL), 0);
		assert_int_equal(c, IPP_CONN_LAN);
		assert_string_equal(ipp_conntype_name(IPP_CONN_DIALUP), "dialup");
		expect_msg(ipp_conntype_parse("wifi", &c, &err), EINVAL, &err, "\"wifi\"");
	}
}

/* ---------- offers ---------- */

static void test_mm_offers(void **state)
{
	struct ipp_mm_offer o[IPP_MAX_OFFERS];
	char buf[IPP_OFFERS_STRLEN];
	size_t n = 0;

	n = ipp_mm_offers_default(o, IPP_MAX_OFFERS);
	ipp_mm_offers_format(o, n, buf, sizeof(buf));
	assert_string_equal(buf, "3DES-SHA1-2 3DES-MD5-2 DES-SHA1-1 DES-MD5-1");

	assert_int_equal(ipp_mm_offers_parse("  3des-sha1-3   DES-MD5-3 3DES-MD5-2 ", o,
					     IPP_MAX_OFFERS, &n, NULL),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(o[0].conf, IPP_CONF_3DES);
	assert_int_equal(o[0].hash, IPP_HASH_SHA1);
	assert_int_equal(o[0].group, 3);
	ipp_mm_offers_format(o, n, buf, sizeof(buf));
	assert_string_equal(buf, "3DES-SHA1-3 DES-MD5-3 3DES-MD5-2");

	static const struct {
		const char *in, *msg;
	} bad[] = {
		{"3DES-SHA2-2", "mmsecmethods: \"3DES-SHA2-2\": unknown hash \"SHA2\", expected MD5 or SHA1"},
		{"AES-SHA1-2", "mmsecmethods: \"AES-SHA1-2\": unknown encryption \"AES\", expected DES or 3DES"},
		{"3DES-SHA1-14", "unknown group \"14\", expected 1, 2 or 3"},
		{"3DES-SHA1-0", "unknown group \"0\""},
		{"3DES-SHA1", "\"3DES-SHA1\": expected ConfAlg-HashAlg-GroupNum"},
		{"3DES-SHA1-2-1", "expected ConfAlg-HashAlg-GroupNum"},
		{"3DES-SHA1-2 DES-MD5-x", "\"DES-MD5-x\": unknown group \"x\""},
		{"3DES-SHA1-2 3des-sha1-2", "\"3des-sha1-2\": offer given twice"},
		{"", "empty list"},
		{"   ", "empty list"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ipp_error err = {0};
		size_t m = 42;

		expect_msg(ipp_mm_offers_parse(bad[i].in, o, IPP_MAX_OFFERS, &m, &err), EINVAL,
			   &err, bad[i].msg);
		assert_int_equal(m, 42);
	}
	{
		struct ipp_error err = {0};

		expect_msg(ipp_mm_offers_parse("DES-MD5-1 DES-MD5-2 DES-MD5-3", o, 2, &n, &err),
			   EINVAL, &err, "\"DES-MD5-3\": more than 2 offers");
	}
}

static void test_qm_offers(void **state)
{
	struct ipp_qm_offer o[IPP_MAX_OFFERS];
	char buf[IPP_OFFERS_STRLEN];
	size_t n = 0;

	n = ipp_qm_offers_default(o, IPP_MAX_OFFERS);
	ipp_qm_offers_format(o, n, buf, sizeof(buf));
	assert_string_equal(buf, "ESP[3DES,SHA1] ESP[3DES,MD5] ESP[DES,SHA1] ESP[DES,MD5]");

	assert_int_equal(ipp_qm_offers_parse("AH[MD5]:204800k/300s ESP[DES,SHA1]:30000k/480s", o,
					     IPP_MAX_OFFERS, &n, NULL),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(o[0].kind, IPP_QM_AH);
	assert_int_equal(o[0].ah_hash, IPP_HASH_MD5);
	assert_int_equal(o[0].life_kb, 204800);
	assert_int_equal(o[0].life_sec, 300);
	assert_int_equal(o[1].kind, IPP_QM_ESP);
	assert_int_equal(o[1].esp_conf, IPP_CONF_DES);
	assert_int_equal(o[1].esp_auth, IPP_HASH_SHA1);
	assert_int_equal(o[1].life_kb, 30000);
	assert_int_equal(o[1].life_sec, 480);

	static const struct {
		const char *in, *out;
	} good[] = {
		{"esp[3des,sha1]", "ESP[3DES,SHA1]"},
		{"ESP[3DES,SHA1]:30000k/480s", "ESP[3DES,SHA1]:30000k/480s"},
		{"ESP[3DES,MD5]:100000k", "ESP[3DES,MD5]:100000k"},
		{"ESP[3DES,MD5]:2000S", "ESP[3DES,MD5]:2000s"},
		{"ESP[None,SHA1]", "ESP[None,SHA1]"},
		{"ESP[DES,none]", "ESP[DES,None]"},
		{"AH[SHA1]+ESP[3DES,None]:20480k/172800s", "AH[SHA1]+ESP[3DES,None]:20480k/172800s"},
		{"ah[md5]+esp[des,md5] AH[SHA1]", "AH[MD5]+ESP[DES,MD5] AH[SHA1]"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct ipp_error err = {0};

		if (ipp_qm_offers_parse(good[i].in, o, IPP_MAX_OFFERS, &n, &err) < 0)
			fail_msg("\"%s\": %s", good[i].in, err.msg);
		ipp_qm_offers_format(o, n, buf, sizeof(buf));
		assert_string_equal(buf, good[i].out);
	}

	static const struct {
		const char *in, *msg;
	} bad[] = {
		{"ESP[DES,SHA2]",
		 "qmsecmethods: \"ESP[DES,SHA2]\": unknown hash \"SHA2\", expected MD5, SHA1 or None"},
		{"ESP[AES,SHA1]",
		 "qmsecmethods: \"ESP[AES,SHA1]\": unknown encryption \"AES\", expected DES, 3DES or None"},
		{"ESP[None,None]", "\"ESP[None,None]\": ESP[None,None] protects nothing"},
		{"AH[MD5]+ESP[none,NONE]", "ESP[None,None] protects nothing"},
		{"AH[None]", "\"AH[None]\": unknown AH hash \"None\", expected MD5 or SHA1"},
		{"AH[SHA256]", "unknown AH hash \"SHA256\""},
		{"ESP[DES]", "\"ESP[DES]\": expected ESP[ConfAlg,HashAlg]"},
		{"ESP[DES,MD5", "expected ESP[ConfAlg,HashAlg]"},
		{"ESP[DES,MD5]x", "\"ESP[DES,MD5]x\": expected"},
		{"ESP[DES,MD5]+AH[MD5]", "expected"},
		{"AH[MD5]ESP[DES,MD5]", "expected"},
		{"ESP(DES,MD5)", "\"ESP(DES,MD5)\": expected"},
		{"ESP[DES,MD5]:100k", "\"ESP[DES,MD5]:100k\": lifetime 100k is out of range, expected 20480 to"},
		{"ESP[DES,MD5]:30000k/100s", "lifetime 100s is out of range, expected 300 to 172800 seconds"},
		{"ESP[DES,MD5]:0s", "bad lifetime"},
		{"ESP[DES,MD5]:", "bad lifetime"},
		{"ESP[DES,MD5]:k", "bad lifetime"},
		{"ESP[DES,MD5]:s", "bad lifetime"},
		{"ESP[DES,MD5]:480s/30000k", "bad lifetime"},
		{"ESP[DES,MD5]:30000k/", "bad lifetime"},
		{"ESP[DES,MD5]:30000k480s", "bad lifetime"},
		{"ESP[DES,MD5]:99999999999k", "bad lifetime"},
		{"ESP[DES,MD5] esp[des,md5]", "\"esp[des,md5]\": offer given twice"},
		{"", "empty list"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ipp_error err = {0};
		size_t m = 42;

		expect_msg(ipp_qm_offers_parse(bad[i].in, o, IPP_MAX_OFFERS, &m, &err), EINVAL,
			   &err, bad[i].msg);
		assert_int_equal(m, 42);
	}
}

static void test_rootca(void **state)
{
	struct ipp_auth a;
	char buf[IPP_ROOTCA_STRLEN];
	struct ipp_error err = {0};

	assert_int_equal(ipp_rootca_parse("C=US,O=MSFT,CN=\\'Microsoft North, South, East, and "
					  "West Root Authority\\' certmap:yes excludecaname:no",
					  &a, &err),
			 0);
	assert_int_equal(a.kind, IPP_AUTH_ROOTCA);
	assert_string_equal(a.value, "C=US,O=MSFT,CN=\"Microsoft North, South, East, and West "
				     "Root Authority\"");
	assert_true(a.certmap);
	assert_false(a.excludecaname);
	ipp_rootca_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "C=US,O=MSFT,CN=\\'Microsoft North, South, East, and West Root "
				 "Authority\\' certmap:yes excludecaname:no");

	assert_int_equal(ipp_rootca_parse("C=US,O=MSFT,CN=Microsoft Authenticode(tm) Root Authority",
					  &a, NULL),
			 0);
	assert_string_equal(a.value, "C=US,O=MSFT,CN=Microsoft Authenticode(tm) Root Authority");
	assert_false(a.certmap);
	assert_false(a.excludecaname);

	/* options in any order, case-insensitive */
	assert_int_equal(ipp_rootca_parse("CN=Root  EXCLUDECANAME:YES   CertMap:no ", &a, NULL), 0);
	assert_string_equal(a.value, "CN=Root");
	assert_true(a.excludecaname);
	assert_false(a.certmap);

	expect_msg(ipp_rootca_parse("CN=Root certmap:maybe", &a, &err), EINVAL, &err,
		   "rootca: \"certmap:maybe\": expected certmap:yes or certmap:no");
	expect_msg(ipp_rootca_parse("CN=Root certmap:yes certmap:no", &a, &err), EINVAL, &err,
		   "certmap given twice");
	expect_msg(ipp_rootca_parse("certmap:yes", &a, &err), EINVAL, &err,
		   "expected a CA name");
	expect_msg(ipp_rootca_parse("", &a, &err), EINVAL, &err, "expected a CA name");
	/* an option misspelt, or before the name, is not taken for words of the name */
	expect_msg(ipp_rootca_parse("CN=V certmap:yes excludcaname:yes", &a, &err), EINVAL, &err,
		   "rootca: \"certmap:yes\": expected the CA name, then certmap:yes|no");
	expect_msg(ipp_rootca_parse("excludecaname:yes CN=V", &a, &err), EINVAL, &err,
		   "rootca: \"excludecaname:yes\": expected the CA name");
	expect_msg(ipp_rootca_parse("CN=V certmp:no", &a, &err), EINVAL, &err,
		   "rootca: \"certmp:no\": expected the CA name");
	/* a name's own words with a colon stay (a URL, "Dept: IT") */
	assert_int_equal(ipp_rootca_parse("CN=Root, OU=Dept: IT, O=http://x.example", &a, NULL), 0);
	assert_string_equal(a.value, "CN=Root, OU=Dept: IT, O=http://x.example");

	/* rootca repeats, one for each CA (Microsoft's add rule example gives two) */
	{
		struct ipp_auth l[4] = {{.kind = IPP_AUTH_KERBEROS}};

		assert_int_equal(ipp_rootca_parse("C=US,O=MSFT,CN=Microsoft Authenticode(tm) Root "
						  "Authority",
						  &l[1], NULL),
				 0);
		assert_int_equal(ipp_rootca_parse("C=US,O=MSFT,CN=\\'Microsoft North, South, East, "
						  "and West Root Authority\\' certmap:yes",
						  &l[2], NULL),
				 0);
		assert_int_equal(ipp_auth_repeat_check(l, 1, &err), 0);
		assert_int_equal(ipp_auth_repeat_check(l, 2, &err), 0);
		assert_int_equal(ipp_rootca_parse("c=us,o=msft,cn=microsoft authenticode(tm) root "
						  "authority certmap:yes",
						  &l[3], NULL),
				 0);
		expect_msg(ipp_auth_repeat_check(l, 3, &err), EINVAL, &err,
			   "rootca \"c=us,o=msft,cn=microsoft authenticode(tm) root authority\" "
			   "given twice");
		l[3] = (struct ipp_auth){.kind = IPP_AUTH_KERBEROS};
		expect_msg(ipp_auth_repeat_check(l, 3, &err), EINVAL, &err, "kerberos given twice");
	}
}

/* ---------- objects and validation ---------- */

static void test_defaults(void **state)
{
	struct ipp_policy p;
	struct ipp_filteraction fa;
	struct ipp_filter f;
	struct ipp_rule r;
	char buf[IPP_OFFERS_STRLEN];

	ipp_policy_init(&p);
	assert_int_equal(p.mmlifetime, 480);
	assert_int_equal(p.pollinginterval, 180);
	assert_int_equal(p.qmpermm, 0);
	assert_true(p.activatedefaultrule);
	assert_false(p.assigned);
	assert_false(p.mmpfs);
	ipp_mm_offers_format(p.mmsec, p.nmmsec, buf, sizeof(buf));
	assert_string_equal(buf, "3DES-SHA1-2 3DES-MD5-2 DES-SHA1-1 DES-MD5-1");
	assert_true(p.defaultrule.activate);
	assert_int_equal(p.defaultrule.nauth, 1);
	assert_int_equal(p.defaultrule.auth[0].kind, IPP_AUTH_KERBEROS);
	assert_int_equal(p.defaultrule.nqmsec, 4);
	strcpy(p.name, "Block80");
	assert_int_equal(ipp_policy_validate(&p, NULL), 0);
	ipp_policy_clear(&p);
	ipp_policy_clear(NULL);

	ipp_filteraction_init(&fa);
	assert_int_equal(fa.action, IPP_ACTION_NEGOTIATE);
	assert_false(fa.qmpfs || fa.inpass || fa.soft);
	assert_int_equal(fa.nqmsec, 4);

	ipp_filter_init(&f);
	assert_true(f.mirrored);
	assert_int_equal(f.protocol, IPP_PROTO_ANY);
	assert_int_equal(f.src.kind, IPP_ADDR_ANY);

	ipp_rule_init(&r);
	assert_int_equal(r.conntype, IPP_CONN_ALL);
	assert_true(r.activate);
	assert_false(r.has_tunnel);
}

static void test_name_validate(void **state)
{
	struct ipp_error err = {0};
	char longname[300];

	assert_int_equal(ipp_name_validate("name", "Block80", NULL), 0);
	assert_int_equal(ipp_name_validate("name", "Allow web traffic", NULL), 0);
	expect_msg(ipp_name_validate("name", "all", &err), EINVAL, &err,
		   "name: \"all\" is reserved");
	expect_msg(ipp_name_validate("name", "ALL", &err), EINVAL, &err, "reserved");
	expect_msg(ipp_name_validate("filterlist", "", &err), EINVAL, &err,
		   "filterlist: empty name");
	expect_msg(ipp_name_validate("name", "a\nb", &err), EINVAL, &err, "control characters");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	expect_msg(ipp_name_validate("name", longname, &err), EINVAL, &err, "too long");
}

static struct ipp_filter mkfilter(const char *src, const char *dst, uint8_t proto,
				  uint16_t sport, uint16_t dport)
{
	struct ipp_filter f;

	ipp_filter_init(&f);
	f.src = addr(src);
	f.dst = addr(dst);
	f.protocol = proto;
	f.srcport = sport;
	f.dstport = dport;
	return f;
}

static void test_filter_validate(void **state)
{
	struct ipp_error err = {0};
	struct ipp_filter f;

	f = mkfilter("me", "any", 6, 0, 80);
	assert_int_equal(ipp_filter_validate(&f, NULL), 0);
	f = mkfilter("DNS", "me", 17, 53, 0);
	assert_int_equal(ipp_filter_validate(&f, NULL), 0);
	f = mkfilter("10.0.0.0/8", "2001:db8::/32", 0, 0, 0);
	expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err,
		   "srcaddr \"10.0.0.0\" and dstaddr \"2001:db8::\" are of different address");
	f = mkfilter("me", "any", 1, 0, 80);
	expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err,
		   "dstport: \"80\" needs protocol TCP or UDP, protocol is ICMP");
	f = mkfilter("me", "any", 0, 1024, 0);
	expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err,
		   "srcport: \"1024\" needs protocol TCP or UDP, protocol is ANY");
	f = mkfilter("DNS", "10.0.0.1", 0, 0, 0);
	expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err,
		   "srcaddr: \"DNS\" is a server type: dstaddr must be me, not \"10.0.0.1\"");
	f = mkfilter("any", "WINS", 0, 0, 0);
	expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err,
		   "dstaddr: \"WINS\" is a server type: srcaddr must be me");
	f = mkfilter("DHCP", "GATEWAY", 0, 0, 0);
	expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err, "server type");
	f = mkfilter("me", "me", 0, 0, 0);
	expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err, "both \"me\"");
	{
		char bad_desc[] = "caf\xe9", good_desc[] = "caf\xc3\xa9";

		f = mkfilter("me", "any", 0, 0, 0);
		f.description = bad_desc;
		expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err,
			   "description: byte 0xe9 at position 4 is not UTF-8");
		f.description = good_desc;
		assert_int_equal(ipp_filter_validate(&f, NULL), 0);
	}
	f = mkfilter("me", "any", 0, 0, 0);
	f.dst.kind = IPP_ADDR_INVALID;
	expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err, "dstaddr: no address");
	f = mkfilter("10.0.0.1-10.0.0.9", "me", 0, 0, 0);
	assert_int_equal(ipp_filter_validate(&f, NULL), 0);
	f.src.ip[3] = 10; /* above the end */
	expect_msg(ipp_filter_validate(&f, &err), EINVAL, &err, "above the last");
}

static void test_filter_same_copy(void **state)
{
	struct ipp_filter a = mkfilter("10.0.0.0/24", "me", 6, 0, 80), b, c;

	b = a;
	b.description = "other description";
	assert_true(ipp_filter_same(&a, &b));
	b.mirrored = false;
	assert_false(ipp_filter_same(&a, &b));
	b = a;
	b.src = addr("10.0.0.0/25");
	assert_false(ipp_filter_same(&a, &b));
	b = a;
	b.dstport = 81;
	assert_false(ipp_filter_same(&a, &b));
	b = a;
	b.src.ip_end[0] = 99; /* unused bytes do not count */
	b.src.ip[10] = 7;
	assert_true(ipp_filter_same(&a, &b));

	a.description = strdup("web");
	a.srcdns = strdup("www.example.com");
	assert_int_equal(ipp_filter_copy(&c, &a), 0);
	assert_ptr_not_equal(c.description, a.description);
	assert_string_equal(c.description, "web");
	assert_string_equal(c.srcdns, "www.example.com");
	assert_null(c.dstdns);
	assert_true(ipp_filter_same(&a, &c));
	ipp_filter_clear(&c);
	ipp_filter_clear(&a);
	ipp_filter_clear(&a); /* twice is fine */
	ipp_filter_clear(NULL);
}

static void test_object_validate(void **state)
{
	struct ipp_error err = {0};
	struct ipp_policy p;
	struct ipp_filteraction fa;
	struct ipp_rule r;
	struct ipp_filterlist l;
	struct ipp_filter f[2];

	ipp_policy_init(&p);
	strcpy(p.name, "P");
	p.mmlifetime = 4;
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err,
		   "mmlifetime: \"4\" is out of range, expected 5 to 2880 minutes");
	p.mmlifetime = 2881;
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err, "mmlifetime");
	p.mmlifetime = 480;
	p.pollinginterval = 0;
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err, "pollinginterval: \"0\"");
	p.pollinginterval = 180;
	p.nmmsec = 0;
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err, "mmsecmethods");
	p.nmmsec = 1;
	p.defaultrule.nqmsec = 0;
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err,
		   "policy \"P\": default response rule: qmsecmethods");
	p.defaultrule.nqmsec = 1;
	p.defaultrule.nauth = 0;
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err, "authentication");
	p.defaultrule.nauth = 1;
	strcpy(p.name, "all");
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err, "reserved");
	strcpy(p.name, "P");
	assert_int_equal(ipp_policy_validate(&p, NULL), 0);
	/* descriptions may have several lines (as in the snap-in), not other controls */
	strcpy(p.description, "line one\r\nline\ttwo");
	assert_int_equal(ipp_policy_validate(&p, NULL), 0);
	strcpy(p.description, "bell\a");
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err,
		   "description: \"bell\\x07\": control characters");
	p.description[0] = '\0';
	strcpy(p.gponame, "gpo\nname");
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err, "gponame: \"gpo\\nname\"");
	assert_null(strchr(err.msg, '\n')); /* a message is one line */
	p.gponame[0] = '\0';
	/* names count characters; the limit in bytes is said as such; excerpts stay UTF-8 */
	strcpy(p.name, "Zo\xC3\xAB\n");
	expect_msg(ipp_policy_validate(&p, &err), EINVAL, &err, "\"Zo\xC3\xAB\\n\": control");
	{
		char big[1024] = "";

		for (int i = 0; i < 200; i++)
			strcat(big, "\xC3\xA9");
		expect_msg(ipp_name_validate("name", big, &err), EINVAL, &err,
			   "name too long (200 characters in 400 bytes of UTF-8), at most 255 bytes");
		/* 40 whole characters, then "..." */
		assert_non_null(strstr(err.msg, "\xC3\xA9\xC3\xA9...\""));
		assert_null(strstr(err.msg, "\xC3..."));
		big[0] = '\0';
		for (int i = 0; i < 256; i++)
			strcat(big, "x");
		expect_msg(ipp_name_validate("name", big, &err), EINVAL, &err,
			   "name too long (256 characters), at most 255 characters");
	}
	strcpy(p.name, "P");

	ipp_filteraction_init(&fa);
	strcpy(fa.name, "Secure");
	assert_int_equal(ipp_filteraction_validate(&fa, NULL), 0);
	fa.nqmsec = 0;
	expect_msg(ipp_filteraction_validate(&fa, &err), EINVAL, &err,
		   "filter action \"Secure\": qmsecmethods: no offer");
	fa.action = IPP_ACTION_PERMIT; /* offers only matter for negotiate */
	assert_int_equal(ipp_filteraction_validate(&fa, NULL), 0);
	fa.action = IPP_ACTION_INVALID;
	expect_msg(ipp_filteraction_validate(&fa, &err), EINVAL, &err, "action");
	fa.action = IPP_ACTION_NEGOTIATE;
	fa.nqmsec = 1;
	fa.qmsec[0].life_sec = 10;
	expect_msg(ipp_filteraction_validate(&fa, &err), EINVAL, &err, "lifetime 10s");

	ipp_rule_init(&r);
	strcpy(r.name, "R");
	r.filterlist_id = 1;
	r.filteraction_id = 1;
	assert_int_equal(ipp_rule_validate(&r, NULL, NULL), 0);
	r.auth[1].kind = IPP_AUTH_PSK;
	r.nauth = 2;
	expect_msg(ipp_rule_validate(&r, NULL, &err), EINVAL, &err, "psk: empty key");
	strcpy(r.auth[1].value, "secret");
	assert_int_equal(ipp_rule_validate(&r, NULL, NULL), 0);
	r.has_tunnel = true;
	r.tunnel = addr("10.0.0.0/24");
	expect_msg(ipp_rule_validate(&r, NULL, &err), EINVAL, &err,
		   "tunnel: \"10.0.0.0/24\" is not a single IP address");
	r.tunnel = addr("192.0.2.1");

	ipp_filterlist_init(&l);
	strcpy(l.name, "L");
	f[0] = mkfilter("10.0.0.0/24", "10.1.0.0/24", 0, 0, 0);
	f[1] = mkfilter("10.0.0.0/24", "10.2.0.0/24", 0, 0, 0);
	f[0].mirrored = false;
	l.filters = f;
	l.nfilters = 2;
	expect_msg(ipp_rule_validate(&r, &l, &err), EINVAL, &err,
		   "rule \"R\": a tunnel rule needs filters that are not mirrored, filter list "
		   "\"L\" has a mirrored filter (10.0.0.0 -> 10.2.0.0)");
	f[1].mirrored = false;
	assert_int_equal(ipp_rule_validate(&r, &l, NULL), 0);
	assert_int_equal(ipp_filterlist_validate(&l, NULL), 0);
	f[1].protocol = 1;
	f[1].dstport = 7;
	expect_msg(ipp_filterlist_validate(&l, &err), EINVAL, &err,
		   "filter list \"L\": dstport: \"7\" needs protocol TCP or UDP");
	f[1].protocol = 0;
	f[1].dstport = 0;
	strcpy(l.name, "");
	expect_msg(ipp_filterlist_validate(&l, &err), EINVAL, &err, "name: empty name");
	strcpy(l.name, "L");
	r.conntype = IPP_CONN_INVALID;
	expect_msg(ipp_rule_validate(&r, &l, &err), EINVAL, &err, "rule \"R\": conntype");
	r.conntype = IPP_CONN_LAN;
	r.name[0] = '\0';
	expect_msg(ipp_rule_validate(&r, &l, &err), EINVAL, &err, "name: empty name");
}

/* ---------- weights ---------- */

static struct ipp_sfilter sf(const char *src, const char *dst, uint8_t proto, uint16_t sport,
			     uint16_t dport, enum ipp_action action)
{
	struct ipp_sfilter s = {0};

	s.src = addr(src);
	s.dst = addr(dst);
	s.protocol = proto;
	s.srcport = sport;
	s.dstport = dport;
	s.action = action;
	s.weight = ipp_weight(&s.src, &s.dst, proto, sport, dport);
	return s;
}

static void test_weight_formula(void **state)
{
	struct ipp_addr any = addr("any"), me = addr("me"), h = addr("10.0.0.5"),
			n8 = addr("10.0.0.0/8");

	assert_int_equal(ipp_weight(&any, &any, 0, 0, 0), 0);
	assert_int_equal(ipp_weight(&any, &me, 0, 0, 0), 32u << 16);
	assert_int_equal(ipp_weight(&h, &me, 6, 0, 3389), (64u << 16) | 0x100 | 1);
	assert_int_equal(ipp_weight(&h, &me, 6, 1024, 3389), (64u << 16) | 0x100 | 2 | 1);
	assert_int_equal(ipp_weight(&n8, &me, 0, 0, 0), 40u << 16);
	assert_int_equal(ipp_weight(&any, &me, 1, 0, 0), (32u << 16) | 0x100);
}

/* IPv6 prefix lengths are scaled by 4; what that drops still orders them */
static void test_weight_ipv6(void **state)
{
	struct ipp_addr me = addr("me"), p64 = addr("fd09::/64"), p66 = addr("fd09::/66"),
			p125 = addr("fd09::/125"), p127 = addr("fd09::/127"),
			p68 = addr("fd09::/68");
	struct ipp_sfilter a, b;

	assert_int_equal(ipp_weight(&p64, &me, 0, 0, 0), 48u << 16);
	assert_int_equal(ipp_weight(&p66, &me, 0, 0, 0), (48u << 16) | (2u << 14));
	assert_true(ipp_weight(&p66, &me, 0, 0, 0) > ipp_weight(&p64, &me, 6, 1, 1));
	assert_true(ipp_weight(&p127, &me, 0, 0, 0) > ipp_weight(&p125, &me, 0, 0, 0));
	assert_true(ipp_weight(&p68, &me, 0, 0, 0) > ipp_weight(&p66, &me, 6, 1, 1));
	/* the exact sum: /67 + /67 (134 bits) beats /68 + /64 (132 bits) */
	{
		struct ipp_addr q67 = addr("fd09::/67"), h = addr("fd09::1");

		assert_true(ipp_weight(&q67, &q67, 0, 0, 0) > ipp_weight(&p68, &p64, 1, 1, 1));
		assert_true(ipp_weight(&p127, &p127, 0, 0, 0) > ipp_weight(&h, &p125, 0, 0, 0));
	}
	/* a /66 permit nested in a /64 block wins, as a /25 in a /24 does */
	a = sf("fd09::/64", "me", 0, 0, 0, IPP_ACTION_BLOCK);
	b = sf("fd09::/66", "me", 0, 0, 0, IPP_ACTION_PERMIT);
	assert_true(ipp_sfilter_cmp(&b, &a) < 0);
}

static void test_weight_examples(void **state)
{
	struct ipp_sfilter a, b;

	/* A: any<->me all -> block; B: 10.0.0.5<->me TCP/3389 -> permit: B wins */
	a = sf("any", "me", 0, 0, 0, IPP_ACTION_BLOCK);
	b = sf("10.0.0.5", "me", 6, 0, 3389, IPP_ACTION_PERMIT);
	assert_true(ipp_sfilter_cmp(&b, &a) < 0);
	assert_true(ipp_sfilter_cmp(&a, &b) > 0);

	/* A: any<->me all -> negotiate; B: any<->me ICMP -> permit: B wins */
	a = sf("any", "me", 0, 0, 0, IPP_ACTION_NEGOTIATE);
	b = sf("any", "me", 1, 0, 0, IPP_ACTION_PERMIT);
	assert_true(ipp_sfilter_cmp(&b, &a) < 0);

	/* A: 10.0.0.0/8<->me all -> permit; B: any<->me TCP/445 -> block: A wins
	 * (the address dominates the protocol and the ports) */
	a = sf("10.0.0.0/8", "me", 0, 0, 0, IPP_ACTION_PERMIT);
	b = sf("any", "me", 6, 0, 445, IPP_ACTION_BLOCK);
	assert_true(ipp_sfilter_cmp(&a, &b) < 0);

	/* equal weight: block beats negotiate beats permit */
	a = sf("any", "me", 0, 0, 0, IPP_ACTION_PERMIT);
	b = sf("any", "me", 0, 0, 0, IPP_ACTION_BLOCK);
	assert_true(ipp_sfilter_cmp(&b, &a) < 0);
	a.action = IPP_ACTION_NEGOTIATE;
	assert_true(ipp_sfilter_cmp(&b, &a) < 0);
	b.action = IPP_ACTION_PERMIT;
	assert_true(ipp_sfilter_cmp(&a, &b) < 0);
	assert_true(ipp_action_rank(IPP_ACTION_BLOCK) < ipp_action_rank(IPP_ACTION_NEGOTIATE));
	assert_true(ipp_action_rank(IPP_ACTION_NEGOTIATE) < ipp_action_rank(IPP_ACTION_PERMIT));

	/* then persistent beats assigned beats dynamic, then the older */
	a = sf("any", "me", 0, 0, 0, IPP_ACTION_PERMIT);
	b = a;
	a.origin = IPP_ORIGIN_ASSIGNED;
	b.origin = IPP_ORIGIN_PERSISTENT;
	a.seq = 1;
	b.seq = 2;
	assert_true(ipp_sfilter_cmp(&b, &a) < 0);
	b.origin = IPP_ORIGIN_DYNAMIC;
	assert_true(ipp_sfilter_cmp(&a, &b) < 0);
	b.origin = IPP_ORIGIN_ASSIGNED;
	assert_true(ipp_sfilter_cmp(&a, &b) < 0);
	assert_true(ipp_sfilter_cmp(&b, &a) > 0);
	/* total: only the reversed flag differs */
	b = a;
	b.reversed = true;
	assert_true(ipp_sfilter_cmp(&a, &b) < 0);
	assert_int_equal(ipp_sfilter_cmp(&a, &a), 0);
}

/* ---------- GUIDs ---------- */

static void test_guid(void **state)
{
	char g1[IPP_GUID_STRLEN], g2[IPP_GUID_STRLEN], n[IPP_GUID_STRLEN];

	ipp_guid_new(g1);
	ipp_guid_new(g2);
	assert_int_equal(strlen(g1), 38);
	assert_string_not_equal(g1, g2);
	assert_true(ipp_guid_parse(g1, n));
	assert_string_equal(g1, n);
	for (const char *p = g1; *p; p++)
		assert_false(*p >= 'a' && *p <= 'z');
	assert_int_equal(g1[15], '4'); /* version nibble */

	assert_true(ipp_guid_parse("11e6e97e-0031-49f5-ac7d-5f2fe99babaf", n));
	assert_string_equal(n, "{11E6E97E-0031-49F5-AC7D-5F2FE99BABAF}");
	assert_true(ipp_guid_parse("{11E6E97E-0031-49f5-AC7D-5F2FE99BABAF}", NULL));
	assert_false(ipp_guid_parse("{11E6E97E-0031-49f5-AC7D-5F2FE99BABAF", NULL));
	assert_false(ipp_guid_parse("11E6E97E-0031-49f5-AC7D-5F2FE99BABAG", NULL));
	assert_false(ipp_guid_parse("11E6E97E00031-49f5-AC7D-5F2FE99BABAF", NULL));
	assert_false(ipp_guid_parse("", NULL));
	assert_false(ipp_guid_parse(NULL, NULL));
}

/* Dynamic rules and policies: the line form round-trips; bad words are named. */
static void test_dynspd_lines(void **state)
{
	struct ipp_error err = {0};
	struct ipp_dyn_rule r, back;
	struct ipp_dyn_mmpolicy m, mb;
	struct ipp_dyn_qmpolicy q, qb;
	char line[IPP_DYN_LINE_MAX], again[IPP_DYN_LINE_MAX];
	unsigned seen = 0;

	(void)state;
	ipp_dyn_rule_init(&r);
	assert_int_equal(
	    ipp_dyn_rule_parse("srcaddr=10.1.0.0/16 dstaddr=me protocol=tcp dstport=80 "
			       "actioninbound=block actionoutbound=permit "
			       "mmpolicy=M%20one psk=se%3Dcret%25 kerberos=yes",
			       &r, &seen, &err),
	    0);
	assert_true(seen & IPP_DYN_T_INBOUND);
	assert_false(seen & IPP_DYN_T_MIRRORED);
	assert_string_equal(r.mmpolicy, "M one");
	assert_int_equal(r.nauth, 2);
	assert_string_equal(r.auth[0].value, "se=cret%");
	assert_int_equal(r.inbound, IPP_ACTION_BLOCK);
	assert_int_equal(r.outbound, IPP_ACTION_PERMIT);
	assert_int_equal(ipp_dyn_rule_validate(&r, &err), 0);
	ipp_dyn_rule_format(&r, line, sizeof(line));
	ipp_dyn_rule_init(&back);
	assert_int_equal(ipp_dyn_rule_parse(line, &back, NULL, &err), 0);
	ipp_dyn_rule_format(&back, again, sizeof(again));
	assert_string_equal(line, again);
	assert_true(ipp_dyn_rule_same(&r, &back));

	/* kerberos=no and nothing else: no method left, refused as the static context does */
	ipp_dyn_rule_init(&back);
	assert_int_equal(
	    ipp_dyn_rule_parse("srcaddr=any dstaddr=me mmpolicy=M kerberos=no", &back, NULL, &err),
	    -EINVAL);
	assert_non_null(strstr(err.msg, "kerberos=no leaves no authentication method"));

	/* negotiate needs a quick mode policy; ports TCP or UDP */
	r.inbound = IPP_ACTION_NEGOTIATE;
	assert_int_equal(ipp_dyn_rule_validate(&r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "qmpolicy"));
	ipp_dyn_rule_init(&r);
	assert_int_equal(ipp_dyn_rule_parse("srcaddr=any dstaddr=me protocol=icmp dstport=5 "
					    "mmpolicy=M actioninbound=block actionoutbound=block",
					    &r, NULL, &err),
			 0);
	assert_int_equal(ipp_dyn_rule_validate(&r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "dstport"));

	/* bad words: named */
	assert_int_equal(ipp_dyn_rule_parse("color=red", &r, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "color"));
	assert_int_equal(ipp_dyn_rule_parse("srcaddr=1.2.3.4 srcaddr=5.6.7.8", &r, NULL, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "twice"));
	assert_int_equal(ipp_dyn_rule_parse("mmpolicy=a%2", &r, NULL, &err), -EINVAL);
	assert_int_equal(ipp_dyn_rule_parse("mmpolicy=a%00b", &r, NULL, &err), -EINVAL);
	assert_int_equal(ipp_dyn_rule_parse("noequals", &r, NULL, &err), -EINVAL);

	ipp_dyn_mmpolicy_init(&m);
	assert_int_equal(
	    ipp_dyn_mmpolicy_parse("name=MM qmpermm=3 mmsecmethods=3DES-SHA1-3", &m, &seen, &err),
	    0);
	assert_int_equal(m.nmmsec, 1);
	ipp_dyn_mmpolicy_format(&m, line, sizeof(line));
	ipp_dyn_mmpolicy_init(&mb);
	assert_int_equal(ipp_dyn_mmpolicy_parse(line, &mb, NULL, &err), 0);
	assert_int_equal(mb.qmpermm, 3);
	assert_int_equal(mb.mmsec[0].group, 3);

	ipp_dyn_qmpolicy_init(&q);
	assert_int_equal(ipp_dyn_qmpolicy_parse("name=Q soft=yes pfsgroup=GRP2", &q, NULL, &err),
			 0);
	ipp_dyn_qmpolicy_format(&q, line, sizeof(line));
	ipp_dyn_qmpolicy_init(&qb);
	assert_int_equal(ipp_dyn_qmpolicy_parse(line, &qb, NULL, &err), 0);
	assert_true(qb.soft);
	assert_string_equal(qb.pfsgroup, "grp2");
	assert_int_equal(ipp_dyn_qmpolicy_parse("pfsgroup=GRP9", &qb, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "GRP9"));
}

/* The DNS name an address was resolved from, as names are written. */
static void test_dnsname(void **state)
{
	static const char *const good[] = {
	    "host", "host.example.com", "host.example.com.", "_ldap._tcp.example",
	    "xn--e1afmkfd.example",
	    /* 32 Cyrillic letters: 64 bytes of UTF-8, its ASCII form shorter */
	    "\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0"
	    "\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0"
	    "\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0"
	    "\xb0.example"};
	static const char *const bad[] = {
	    ".",
	    "..",
	    "a..",
	    "a..b",
	    ".a",
	    "a b",
	    "a;b",
	    "a/b",
	    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaa.example")};
	struct ipp_error err = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (ipp_dnsname_validate("srcdns", good[i], &err) != 0)
			fail_msg("\"%s\" refused: %s", good[i], err.msg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ipp_dnsname_validate("srcdns", bad[i], &err) != -EINVAL)
			fail_msg("\"%s\" taken", bad[i]);
}

/* A dynamic rule names its policies as they are named, whatever a command's case. */
static void test_dynspd_rule_refs(void **state)
{
	struct ipp_dynspd a = {0}, b = {0}, c = {0};
	struct ipp_error err = {0};

	(void)state;
	assert_int_equal(ipp_dynspd_apply(&a, "add mmpolicy name=My%20MM", &b, &err), 0);
	assert_int_equal(ipp_dynspd_apply(&b, "add qmpolicy name=Qm", &c, &err), 0);
	ipp_dynspd_clear(&b);
	assert_int_equal(ipp_dynspd_apply(&c,
					  "add rule srcaddr=any dstaddr=me mmpolicy=my%20mm "
					  "qmpolicy=QM",
					  &b, &err),
			 0);
	assert_int_equal(b.nrules, 1);
	assert_string_equal(b.rules[0].mmpolicy, "My MM");
	assert_string_equal(b.rules[0].qmpolicy, "Qm");
	ipp_dynspd_clear(&b);
	/* a main mode policy that is not there is said first, before the quick mode policy
	 * a negotiate action lacks */
	assert_int_equal(
	    ipp_dynspd_apply(&c, "add rule srcaddr=me dstaddr=10.0.0.2 mmpolicy=nosuch", &b, &err),
	    -ENOENT);
	assert_non_null(strstr(err.msg, "no main mode policy named \"nosuch\""));
	ipp_dynspd_clear(&c);
}

static int str_cmp_at(const void *ctx, size_t a, size_t b)
{
	const char *const *v = ctx;

	return strcmp(v[a], v[b]);
}

/* The first repetition a scan from the start meets, found by sorting. */
static void test_first_dup(void **state)
{
	static const char *const none[] = {"d", "c", "b", "a"};
	static const char *const two[] = {"x", "b", "a", "y", "a", "b", "b"};
	static const char *const late[] = {"q", "r", "s", "t", "s", "r", "q"};
	size_t e = 99, l = 99;

	(void)state;
	assert_int_equal(ipp_first_dup(0, str_cmp_at, none, &e, &l), 0);
	assert_int_equal(ipp_first_dup(1, str_cmp_at, none, &e, &l), 0);
	assert_int_equal(ipp_first_dup(4, str_cmp_at, none, &e, &l), 0);
	/* a (2, 4) is met before b (1, 5): the later index decides, then the first of the run */
	assert_int_equal(ipp_first_dup(7, str_cmp_at, two, &e, &l), 1);
	assert_int_equal(e, 2);
	assert_int_equal(l, 4);
	/* s at 4 repeats 2, before r (5) and q (6) */
	assert_int_equal(ipp_first_dup(7, str_cmp_at, late, &e, &l), 1);
	assert_int_equal(e, 2);
	assert_int_equal(l, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_keywords),
	    cmocka_unit_test(test_addr_ip),
	    cmocka_unit_test(test_addr_range),
	    cmocka_unit_test(test_addr_bad_and_names),
	    cmocka_unit_test(test_addr_cidr_fast),
	    cmocka_unit_test(test_mask_parse),
	    cmocka_unit_test(test_addr_cidr_roundtrip),
	    cmocka_unit_test(test_addr_contains),
	    cmocka_unit_test(test_addr_weight),
	    cmocka_unit_test(test_proto_port),
	    cmocka_unit_test(test_u32_bool),
	    cmocka_unit_test(test_mm_offers),
	    cmocka_unit_test(test_qm_offers),
	    cmocka_unit_test(test_rootca),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_name_validate),
	    cmocka_unit_test(test_filter_validate),
	    cmocka_unit_test(test_filter_same_copy),
	    cmocka_unit_test(test_object_validate),
	    cmocka_unit_test(test_weight_formula),
	    cmocka_unit_test(test_weight_ipv6),
	    cmocka_unit_test(test_weight_examples),
	    cmocka_unit_test(test_guid),
	    cmocka_unit_test(test_dynspd_lines),
	    cmocka_unit_test(test_first_dup),
	    cmocka_unit_test(test_dynspd_rule_refs),
	    cmocka_unit_test(test_dnsname),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
