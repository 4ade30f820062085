/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_decode.c - captured frames to packets: every supported link type,
 * IPv6 extension headers, fragments, and frames that are cut short,
 * inconsistent or random bytes (which must be refused, never read past).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <pcap/dlt.h>

#include "classify/classify.h"
#include "frames.h"

static uint8_t buf[2048];

static struct ipp_packet ok(int dlt, size_t n, enum ipp_linkdir want_dir)
{
	struct ipp_packet p;
	enum ipp_linkdir d;
	const char *why = NULL;

	assert_int_equal(ipp_decode_frame(dlt, buf, n, &p, &d, &why), IPP_DECODE_OK);
	assert_null(why);
	assert_int_equal(d, want_dir);
	return p;
}

static void assert_ip(int fam, const uint8_t *a, const char *s)
{
	uint8_t x[16] = {0};

	inet_pton(fam, s, x);
	assert_memory_equal(a, x, 16);
}

static void test_ethernet(void **state)
{
	struct ipp_packet p;
	size_t n;

	n = eth(buf, ip4(buf, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 10, 0, 0), 0x0800);
	p = ok(DLT_EN10MB, n, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.family, AF_INET);
	assert_ip(AF_INET, p.src, "10.0.0.5");
	assert_ip(AF_INET, p.dst, "10.0.0.1");
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 3389);
	assert_false(p.loopback);

	/* Ethernet padding after a short IP packet is ignored */
	n = eth(buf, ip4(buf, "10.0.0.5", "10.0.0.1", 17, 53, 5353, 0, 0, 0), 0x0800);
	memset(buf + n, 0xee, 60 - n);
	p = ok(DLT_EN10MB, 60, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.dport, 5353);

	/* VLAN and QinQ */
	n = ip6(buf, "fd00::5", "fd00::1", NULL, 0, 17, 1, 2, 4, 0);
	n = wrap(buf, n, (const uint8_t[]){0, 5, 0x86, 0xdd}, 4);
	n = wrap(buf, n, (const uint8_t[]){0, 7, 0x81, 0x00}, 4);
	n = eth(buf, n, 0x88a8);
	p = ok(DLT_EN10MB, n, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.sport, 1);
	assert_int_equal(p.dport, 2);

	/* to the broadcast or a multicast MAC address: received */
	n = eth(buf, ip4(buf, "10.0.0.5", "10.0.0.255", 17, 53, 54, 0, 0, 0), 0x0800);
	memset(buf, 0xff, 6);
	p = ok(DLT_EN10MB, n, IPP_LINKDIR_IN);
	n = eth(buf, ip6(buf, "fd00::5", "ff02::1:3", NULL, 0, 17, 1, 54, 4, 0), 0x86dd);
	memcpy(buf, (const uint8_t[]){0x33, 0x33, 0, 1, 0, 3}, 6);
	p = ok(DLT_EN10MB, n, IPP_LINKDIR_IN);
	assert_int_equal(p.dport, 54);

	/* ARP and an 802.3 length field are not IP */
	memset(buf, 0, 60);
	n = eth(buf, 28, 0x0806);
	assert_int_equal(ipp_decode_frame(DLT_EN10MB, buf, n, &p, NULL, NULL), IPP_DECODE_NOT_IP);
	n = eth(buf, 28, 0x0030);
	assert_int_equal(ipp_decode_frame(DLT_EN10MB, buf, n, &p, NULL, NULL), IPP_DECODE_NOT_IP);
}

static void test_cooked(void **state)
{
	struct ipp_packet p;
	size_t n;

	n = sll(buf, ip4(buf, "10.0.0.1", "10.0.0.9", 1, 0, 0, 8, 0, 0), 4, 1, 0x0800);
	p = ok(DLT_LINUX_SLL, n, IPP_LINKDIR_OUT);
	assert_int_equal(p.proto, 1);
	assert_int_equal(p.sport, 0);
	assert_false(p.loopback);

	n = sll(buf, ip6(buf, "::1", "::1", NULL, 0, 6, 5, 6, 0, 0), 0, 772, 0x86dd);
	p = ok(DLT_LINUX_SLL, n, IPP_LINKDIR_IN);
	assert_true(p.loopback);

	n = sll2(buf, ip4(buf, "10.0.0.9", "10.0.0.1", 17, 7, 8, 3, 0, 0), 0, 1, 0x0800);
	p = ok(DLT_LINUX_SLL2, n, IPP_LINKDIR_IN);
	assert_int_equal(p.dport, 8);
	n = sll2(buf, ip4(buf, "10.0.0.1", "10.0.0.9", 17, 8, 7, 3, 0, 0), 4, 1, 0x0800);
	ok(DLT_LINUX_SLL2, n, IPP_LINKDIR_OUT);
	n = sll2(buf, ip4(buf, "10.0.0.8", "10.0.0.9", 17, 8, 7, 3, 0, 0), 3, 1, 0x0800);
	ok(DLT_LINUX_SLL2, n, IPP_LINKDIR_UNKNOWN); /* another host's packet */
}

static void test_raw_and_null(void **state)
{
	struct ipp_packet p;
	size_t n;

	n = ip4(buf, "192.0.2.1", "192.0.2.2", 47, 0, 0, 20, 0, 0);
	p = ok(DLT_RAW, n, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.proto, 47);
	n = ip6(buf, "fd00::1", "fd00::2", NULL, 0, 58, 0, 0, 8, 0);
	p = ok(DLT_IPV6, n, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.proto, 58);
	assert_int_equal(p.icmp_type, 128);
	assert_int_equal(p.hoplimit, 64);
	n = ip4(buf, "192.0.2.1", "192.0.2.2", 6, 1, 2, 0, 0, 0);
	ok(DLT_IPV4, n, IPP_LINKDIR_UNKNOWN);
	n = ip4(buf, "192.0.2.1", "192.0.2.2", 1, 0, 0, 0, 0, 0);
	p = ok(DLT_IPV4, n, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.hoplimit, 64);

	/* BSD loopback: family in either byte order; 24/28/30 are IPv6 */
	n = wrap(buf, ip4(buf, "127.0.0.1", "127.0.0.1", 6, 1, 2, 0, 0, 0),
		 (const uint8_t[]){2, 0, 0, 0}, 4);
	p = ok(DLT_NULL, n, IPP_LINKDIR_UNKNOWN);
	assert_true(p.loopback);
	n = wrap(buf, ip6(buf, "::1", "::1", NULL, 0, 6, 1, 2, 0, 0), (const uint8_t[]){0, 0, 0, 30},
		 4);
	ok(DLT_LOOP, n, IPP_LINKDIR_UNKNOWN);
	n = wrap(buf, ip4(buf, "127.0.0.1", "127.0.0.1", 6, 1, 2, 0, 0, 0),
		 (const uint8_t[]){7, 0, 0, 0}, 4);
	assert_int_equal(ipp_decode_frame(DLT_NULL, buf, n, &p, NULL, NULL), IPP_DECODE_NOT_IP);

	assert_int_equal(ipp_decode_frame(DLT_IEEE802_11, buf, n, &p, NULL, NULL),
			 IPP_DECODE_LINKTYPE);
}

static void test_ipv6_extensions(void **state)
{
	static const uint8_t chain[] = {0, 60, 43, 44};
	static const uint8_t ah[] = {0, 51};
	struct ipp_packet p;
	size_t n;

	n = ip6(buf, "fd00::5", "fd00::1", chain, 4, 6, 1234, 22, 0, 0);
	p = ok(DLT_RAW, n, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.sport, 1234);
	assert_int_equal(p.dport, 22);
	/* AH is the protocol, as nftables' meta l4proto takes it (and exempt), not what it
	 * protects */
	n = ip6(buf, "fd00::5", "fd00::1", ah, 2, 17, 1111, 5000, 0, 0);
	p = ok(DLT_RAW, n, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.proto, 51);

	/* a non-first fragment has no transport header */
	n = ip6(buf, "fd00::5", "fd00::1", chain + 3, 1, 17, 1, 2, 0, 100);
	assert_int_equal(ipp_decode_frame(DLT_RAW, buf, n, &p, NULL, NULL), IPP_DECODE_FRAGMENT);
	assert_int_equal(p.proto, 17);

	/* no next header */
	n = ip6(buf, "fd00::5", "fd00::1", NULL, 0, 59, 0, 0, 0, 0);
	p = ok(DLT_RAW, n, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.proto, 59);

	/* seventeen hop-by-hop headers: refused */
	{
		uint8_t many[17];

		memset(many, 60, sizeof(many));
		n = ip6(buf, "fd00::5", "fd00::1", many, sizeof(many), 6, 1, 2, 0, 0);
		assert_int_equal(ipp_decode_frame(DLT_RAW, buf, n, &p, NULL, NULL),
				 IPP_DECODE_MALFORMED);
	}
}

static void expect_bad(int dlt, size_t n, const char *why_part)
{
	struct ipp_packet p;
	const char *why = NULL;

	assert_int_equal(ipp_decode_frame(dlt, buf, n, &p, NULL, &why), IPP_DECODE_MALFORMED);
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("reason \"%s\" does not mention \"%s\"", why, why_part);
}

static void test_ipv4_fragments(void **state)
{
	struct ipp_packet p;
	size_t n;

	n = ip4(buf, "10.0.0.5", "10.0.0.1", 17, 9, 10, 100, 0, 1);
	p = ok(DLT_RAW, n, IPP_LINKDIR_UNKNOWN); /* the first fragment carries the ports */
	assert_int_equal(p.dport, 10);
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 17, 9, 10, 100, 185, 0);
	assert_int_equal(ipp_decode_frame(DLT_RAW, buf, n, &p, NULL, NULL), IPP_DECODE_FRAGMENT);
	/* a tiny first fragment: 8 bytes of TCP header, the rest in the next fragment; the
	 * kernel sees the datagram whole, and its ports are here */
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 6, 9, 22, 0, 0, 1);
	put16(buf + 2, 28);
	p = ok(DLT_RAW, 28, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.dport, 22);
	/* the same without "more fragments": a datagram with a cut TCP header */
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 6, 9, 22, 0, 0, 0);
	put16(buf + 2, 28);
	expect_bad(DLT_RAW, 28, "TCP header shorter");
}

static void test_inconsistent(void **state)
{
	size_t n;

	n = ip4(buf, "10.0.0.5", "10.0.0.1", 6, 1, 2, 0, 0, 0);
	buf[0] = 0x44;
	expect_bad(DLT_RAW, n, "header length");
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 6, 1, 2, 0, 0, 0);
	put16(buf + 2, 12);
	expect_bad(DLT_RAW, n, "total length");
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 6, 1, 2, 0, 0, 0);
	put16(buf + 2, 30); /* claims a 10-byte TCP header */
	expect_bad(DLT_RAW, n, "TCP header shorter");
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 6, 1, 2, 0, 0, 0);
	buf[20 + 12] = 0x30;
	expect_bad(DLT_RAW, n, "data offset");
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 17, 1, 2, 0, 0, 0);
	put16(buf + 2, 24);
	expect_bad(DLT_RAW, n, "UDP header shorter");
	n = eth(buf, ip4(buf, "10.0.0.5", "10.0.0.1", 17, 1, 2, 0, 0, 0), 0x86dd);
	expect_bad(DLT_EN10MB, n, "IP version is not 6");
	n = ip6(buf, "fd00::5", "fd00::1", (const uint8_t[]){0}, 1, 6, 1, 2, 0, 0);
	put16(buf + 4, 4); /* payload length ends inside the extension header */
	expect_bad(DLT_RAW, n, "beyond the payload length");
	buf[0] = 0x20;
	expect_bad(DLT_RAW, n, "neither 4 nor 6");
	expect_bad(DLT_RAW, 0, "empty");
}

/* Every prefix of valid frames: refused or decoded, never read beyond (ASan watches). */
static void test_truncated(void **state)
{
	static const uint8_t chain[] = {0, 44};
	uint8_t frame[512];
	size_t n, cut;
	int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL};
	size_t k;

	for (k = 0; k < sizeof(dlts) / sizeof(dlts[0]); k++) {
		int v6;

		for (v6 = 0; v6 < 2; v6++) {
			n = v6 ? ip6(frame, "fd00::5", "fd00::1", chain, 2, 6, 1, 2, 4, 0)
			       : ip4(frame, "10.0.0.5", "10.0.0.1", 6, 1, 2, 4, 0, 0);
			switch (dlts[k]) {
			case DLT_EN10MB:
				n = eth(frame, n, v6 ? 0x86dd : 0x0800);
				break;
			case DLT_LINUX_SLL:
				n = sll(frame, n, 0, 1, v6 ? 0x86dd : 0x0800);
				break;
			case DLT_LINUX_SLL2:
				n = sll2(frame, n, 0, 1, v6 ? 0x86dd : 0x0800);
				break;
			case DLT_NULL:
				n = wrap(frame, n, (const uint8_t[]){v6 ? 10 : 2, 0, 0, 0}, 4);
				break;
			}
			for (cut = 0; cut <= n; cut++) {
				struct ipp_packet p;
				enum ipp_decode_status st;
				uint8_t *copy = malloc(cut ? cut : 1);

				assert_non_null(copy);
				memcpy(copy, frame, cut);
				st = ipp_decode_frame(dlts[k], copy, cut, &p, NULL, NULL);
				free(copy);
				/* the ports are the last thing needed: everything shorter is refused */
				if (st == IPP_DECODE_OK)
					assert_int_equal(p.dport, 2);
				else
					assert_int_equal(st, IPP_DECODE_MALFORMED);
			}
		}
	}
}

/* Decoded with @wirelen recorded; MALFORMED for @why_part, or OK when NULL. */
static void expect_ex(int dlt, size_t n, size_t wirelen, const char *why_part)
{
	struct ipp_packet p;
	const char *why = NULL;
	enum ipp_decode_status st = ipp_decode_frame_ex(dlt, buf, n, wirelen, &p, NULL, &why);

	if (!why_part && st != IPP_DECODE_OK)
		fail_msg("%zu of %zu bytes: status %d (\"%s\"), expected decoded", n, wirelen, st,
			 why ? why : "");
	if (why_part && (st != IPP_DECODE_MALFORMED || !why || !strstr(why, why_part)))
		fail_msg("%zu of %zu bytes: status %d (\"%s\"), expected malformed for \"%s\"", n,
			 wirelen, st, why ? why : "", why_part);
}

/*
 * A frame captured whole is all the packet there was: an IP length beyond
 * it is the packet's fault (the kernel drops it before netfilter), and so
 * is a first fragment too short for the ports; in a frame cut short the
 * capture is to blame.
 */
static void test_whole_frames(void **state)
{
	static const uint8_t chain[] = {0, 44};
	size_t n, cut;

	(void)state;
	/* IPv4 total length beyond the frame: 40 bytes captured of 140 claimed */
	n = eth(buf, ip4(buf, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 0), 0x0800);
	put16(buf + 14 + 2, 140);
	expect_ex(DLT_EN10MB, n, n, "IPv4 total length beyond the frame");
	expect_ex(DLT_EN10MB, n, 14 + 140, NULL);
	assert_int_equal(ipp_decode_frame(DLT_EN10MB, buf, n, &(struct ipp_packet){0}, NULL, NULL),
			 IPP_DECODE_OK); /* the length on the wire not known: as cut */
	/* Ethernet padding after a packet captured whole is no fault */
	n = eth(buf, ip4(buf, "10.0.0.5", "10.0.0.1", 17, 53, 5353, 0, 0, 0), 0x0800);
	memset(buf + n, 0xee, 60 - n);
	expect_ex(DLT_EN10MB, 60, 60, NULL);
	/* a non-first fragment too: the kernel drops it before reassembly */
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 17, 53, 5353, 16, 10, 0);
	put16(buf + 2, 100);
	expect_ex(DLT_RAW, n, n, "IPv4 total length beyond the frame");

	/* IPv6 payload length beyond the frame, even inside the extension headers */
	n = ip6(buf, "fd00::5", "fd00::1", chain, 2, 17, 1, 2, 0, 0);
	put16(buf + 4, 200);
	expect_ex(DLT_RAW, n, n, "IPv6 payload length beyond the frame");
	expect_ex(DLT_RAW, n, 240, NULL);
	expect_ex(DLT_RAW, 44, 44, "IPv6 payload length beyond the frame");
	expect_ex(DLT_RAW, 44, 240, "capture truncated inside IPv6 extension headers");
	/* payload length 0 (a jumbogram) takes the frame */
	put16(buf + 4, 0);
	expect_ex(DLT_RAW, n, n, NULL);

	/* first fragments of 2 bytes of TCP, UDP */
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 6, 9, 22, 0, 0, 1);
	expect_ex(DLT_RAW, 22, n, "capture truncated before the TCP ports");
	put16(buf + 2, 22);
	expect_ex(DLT_RAW, 22, 22, "first fragment too short to hold the TCP ports");
	/* cut short, but after the packet's end: still the packet's fault */
	expect_ex(DLT_RAW, 22, n, "first fragment too short to hold the TCP ports");
	n = ip6(buf, "fd00::5", "fd00::1", chain + 1, 1, 17, 1, 2, 0, 0);
	buf[40 + 3] |= 1; /* more fragments */
	expect_ex(DLT_RAW, 50, n, "capture truncated before the UDP ports");
	put16(buf + 4, 10);
	expect_ex(DLT_RAW, 50, 50, "first fragment too short to hold the UDP ports");

	/* every prefix of a valid frame: whole, the packet is malformed; cut, never its length */
	n = eth(buf, ip4(buf, "10.0.0.5", "10.0.0.1", 6, 1, 2, 4, 0, 0), 0x0800);
	for (cut = 0; cut < n; cut++) {
		struct ipp_packet p;
		const char *why = NULL;

		assert_int_equal(ipp_decode_frame_ex(DLT_EN10MB, buf, cut, cut, &p, NULL, &why),
				 IPP_DECODE_MALFORMED);
		if (ipp_decode_frame_ex(DLT_EN10MB, buf, cut, n, &p, NULL, &why) ==
			IPP_DECODE_MALFORMED &&
		    strstr(why, "beyond the frame"))
			fail_msg("%zu of %zu bytes, cut short: \"%s\"", cut, n, why);
	}
}

/* ICMP and ICMPv6 headers shorter than type, code and checksum: as short TCP, UDP. */
static void test_icmp_short(void **state)
{
	struct ipp_packet p;
	size_t n;

	(void)state;
	n = ip4(buf, "10.0.0.5", "10.0.0.1", 1, 0, 0, 0, 0, 0);
	put16(buf + 2, 20);
	expect_bad(DLT_RAW, 20, "ICMP header shorter than 4 bytes");
	put16(buf + 2, 22);
	expect_bad(DLT_RAW, 22, "ICMP header shorter than 4 bytes");
	put16(buf + 2, 24);
	p = ok(DLT_RAW, 24, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.icmp_type, 8);
	put16(buf + 2, (unsigned)n);
	expect_bad(DLT_RAW, 22, "capture truncated inside the ICMP header");
	expect_ex(DLT_RAW, 22, n, "capture truncated inside the ICMP header");
	buf[7] = 0; /* a first fragment (more follow) of 2 bytes */
	buf[6] = 0x20;
	put16(buf + 2, 22);
	expect_bad(DLT_RAW, 22, "first fragment too short to hold the ICMP header");

	n = ip6(buf, "fd00::5", "fd00::1", NULL, 0, 58, 0, 0, 0, 0);
	put16(buf + 4, 2);
	expect_bad(DLT_RAW, 42, "ICMPv6 header shorter than 4 bytes");
	put16(buf + 4, 8);
	expect_bad(DLT_RAW, 42, "capture truncated inside the ICMPv6 header");
	p = ok(DLT_RAW, n, IPP_LINKDIR_UNKNOWN);
	assert_int_equal(p.icmp_type, 128);
}

static void test_garbage(void **state)
{
	int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV6, DLT_NULL};
	uint32_t seed = 99;
	int i;

	for (i = 0; i < 30000; i++) {
		size_t n, j;
		uint8_t *g;
		struct ipp_packet p;
		enum ipp_decode_status st;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 120;
		g = malloc(n ? n : 1);
		assert_non_null(g);
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			g[j] = (uint8_t)(seed >> 16);
		}
		/* make some of them look like IP, so the deeper decoders see garbage too */
		if (n > 20 && (i & 1))
			g[(i & 2) ? 14 : 0] = (i & 4) ? 0x45 : 0x60;
		st = ipp_decode_frame(dlts[i % 6], g, n, &p, NULL, NULL);
		assert_true(st <= IPP_DECODE_LINKTYPE);
		free(g);
	}
	/* NULL data is an empty frame */
	{
		struct ipp_packet p;

		assert_int_equal(ipp_decode_frame(DLT_RAW, NULL, 100, &p, NULL, NULL),
				 IPP_DECODE_MALFORMED);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet),       cmocka_unit_test(test_cooked),
		cmocka_unit_test(test_raw_and_null),   cmocka_unit_test(test_ipv6_extensions),
		cmocka_unit_test(test_ipv4_fragments), cmocka_unit_test(test_inconsistent),
		cmocka_unit_test(test_truncated),      cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_whole_frames),   cmocka_unit_test(test_icmp_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
