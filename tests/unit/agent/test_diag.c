/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics: the NFLOG prefix, packet decoding, event text, the rate limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "agent/diag.h"

static void test_prefix(void **state)
{
	struct ipp_drop d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(ipp_drop_parse_prefix("ipsecpol startup-block in drop", &d), 0);
	assert_string_equal(d.mode, "startup-block");
	assert_string_equal(d.dir, "in");
	assert_string_equal(d.reason, "drop");
	assert_int_equal(ipp_drop_parse_prefix("ipsecpol secure out block", &d), 0);
	assert_string_equal(d.dir, "out");
	assert_int_equal(ipp_drop_parse_prefix("other block in drop", &d), -EINVAL);
	assert_int_equal(ipp_drop_parse_prefix("ipsecpol block sideways drop", &d), -EINVAL);
	assert_int_equal(ipp_drop_parse_prefix("ipsecpol block in", &d), -EINVAL);
	assert_int_equal(ipp_drop_parse_prefix("ipsecpol block in drop extra", &d), -EINVAL);
	assert_int_equal(ipp_drop_parse_prefix("", &d), -EINVAL);
}

/* IPv4 header + @l4 (ihl 5). */
static size_t ip4(uint8_t *p, uint8_t proto, const char *src, const char *dst, const uint8_t *l4,
		  size_t l4len, uint16_t frag)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)((20 + l4len) >> 8);
	p[3] = (uint8_t)(20 + l4len);
	p[6] = (uint8_t)(frag >> 8);
	p[7] = (uint8_t)frag;
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	memcpy(p + 20, l4, l4len);
	return 20 + l4len;
}

static void test_ipv4(void **state)
{
	static const uint8_t tcp[20] = {0x12, 0x67, 0x0d, 0x3d, 0, 0,	 0,
					1,    0,    0,	  0,	0, 0x50, 0x02 /* SYN */};
	static const uint8_t icmp[8] = {8, 0};
	struct ipp_drop d;
	uint8_t pkt[128];
	char buf[256];
	size_t n;

	(void)state;
	memset(&d, 0, sizeof(d));
	ipp_drop_parse_prefix("ipsecpol startup-block in drop", &d);
	n = ip4(pkt, 6, "10.77.1.2", "10.77.1.1", tcp, sizeof(tcp), 0);
	assert_int_equal(ipp_drop_parse_packet(pkt, n, &d), 0);
	assert_int_equal(d.family, AF_INET);
	assert_string_equal(d.src, "10.77.1.2");
	assert_string_equal(d.dst, "10.77.1.1");
	assert_int_equal(d.proto, 6);
	assert_true(d.has_ports);
	assert_int_equal(d.sport, 4711);
	assert_int_equal(d.dport, 3389);
	assert_int_equal(d.tcp_flags, 0x02);
	ipp_drop_format(&d, 1, buf, sizeof(buf));
	assert_string_equal(buf, "dropped inbound tcp 10.77.1.2:4711 -> 10.77.1.1:3389 (mode "
				 "startup-block)");
	strcpy(d.ifname, "veth0");
	ipp_drop_format(&d, 3, buf, sizeof(buf));
	assert_string_equal(buf, "dropped inbound tcp 10.77.1.2:4711 -> 10.77.1.1:3389 dev veth0 "
				 "len 40 (mode startup-block)");
	ipp_drop_format(&d, 4, buf, sizeof(buf));
	assert_string_equal(buf, "dropped inbound tcp 10.77.1.2:4711 -> 10.77.1.1:3389 dev veth0 "
				 "len 40 ttl 64 flags S (mode startup-block)");

	/* A non-first fragment has no ports. */
	n = ip4(pkt, 17, "10.0.0.1", "10.0.0.2", tcp, 8, 0x0010);
	assert_int_equal(ipp_drop_parse_packet(pkt, n, &d), 0);
	assert_false(d.has_ports);
	ipp_drop_format(&d, 1, buf, sizeof(buf));
	assert_string_equal(buf, "dropped inbound udp 10.0.0.1 -> 10.0.0.2 (mode startup-block)");

	n = ip4(pkt, 1, "10.0.0.1", "10.0.0.2", icmp, sizeof(icmp), 0);
	strcpy(d.dir, "out");
	assert_int_equal(ipp_drop_parse_packet(pkt, n, &d), 0);
	ipp_drop_format(&d, 2, buf, sizeof(buf));
	assert_string_equal(buf, "dropped outbound icmp 10.0.0.1 -> 10.0.0.2 type 8 code 0 (mode "
				 "startup-block)");

	/* Truncated packets: transport header missing, or not even an IP header. */
	n = ip4(pkt, 6, "10.0.0.1", "10.0.0.2", tcp, 2, 0);
	assert_int_equal(ipp_drop_parse_packet(pkt, n, &d), 0);
	assert_false(d.has_ports);
	assert_int_equal(ipp_drop_parse_packet(pkt, 10, &d), -EINVAL);
	pkt[0] = 0x43; /* ihl 3 */
	assert_int_equal(ipp_drop_parse_packet(pkt, n, &d), -EINVAL);
	assert_int_equal(ipp_drop_parse_packet(pkt, 0, &d), -EINVAL);
	d.family = 0;
	ipp_drop_format(&d, 1, buf, sizeof(buf));
	assert_string_equal(buf, "dropped outbound packet that could not be decoded (mode "
				 "startup-block)");
}

static void test_ipv6(void **state)
{
	uint8_t pkt[128];
	struct ipp_drop d;
	char buf[256];

	(void)state;
	memset(&d, 0, sizeof(d));
	ipp_drop_parse_prefix("ipsecpol secure in block", &d);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x60;
	pkt[5] = 16; /* payload: 8 bytes hop-by-hop + 8 bytes udp */
	pkt[6] = 0;  /* hop-by-hop */
	pkt[7] = 255;
	inet_pton(AF_INET6, "fd00:77::2", pkt + 8);
	inet_pton(AF_INET6, "fd00:77::1", pkt + 24);
	pkt[40] = 17;			/* next: udp */
	pkt[41] = 0;			/* 8 bytes */
	pkt[48] = 0x01, pkt[49] = 0x00; /* sport 256 */
	pkt[50] = 0x00, pkt[51] = 0x35; /* dport 53 */
	assert_int_equal(ipp_drop_parse_packet(pkt, 56, &d), 0);
	assert_int_equal(d.family, AF_INET6);
	assert_int_equal(d.proto, 17);
	assert_int_equal(d.sport, 256);
	assert_int_equal(d.dport, 53);
	assert_int_equal(d.len, 56);
	ipp_drop_format(&d, 1, buf, sizeof(buf));
	assert_string_equal(buf, "dropped inbound udp [fd00:77::2]:256 -> [fd00:77::1]:53 (mode "
				 "secure: a block filter)");
	ipp_drop_format(&d, 4, buf, sizeof(buf));
	assert_string_equal(buf, "dropped inbound udp [fd00:77::2]:256 -> [fd00:77::1]:53 len 56 "
				 "hoplimit 255 (mode secure: a block filter)");
	/* why, as the rule that logged it says: a clear packet of a negotiate filter (Windows'
	 * own event), what no filter matched while the persistent policy is alone */
	assert_int_equal(ipp_drop_parse_prefix("ipsecpol secure in negotiate", &d), 0);
	ipp_drop_format(&d, 1, buf, sizeof(buf));
	assert_string_equal(buf, "dropped inbound udp [fd00:77::2]:256 -> [fd00:77::1]:53 (mode "
				 "secure: a negotiate filter's packet that came in the clear, not "
				 "through a security association)");
	assert_int_equal(ipp_drop_parse_prefix("ipsecpol secure out negotiate", &d), 0);
	ipp_drop_format(&d, 1, buf, sizeof(buf));
	assert_non_null(strstr(buf, "(mode secure: a negotiate filter's packet that no security "
				    "association carries)"));
	assert_int_equal(ipp_drop_parse_prefix("ipsecpol secure in unmatched", &d), 0);
	ipp_drop_format(&d, 1, buf, sizeof(buf));
	assert_non_null(strstr(buf, "(mode secure: no filter matched while the persistent policy "
				    "is in force alone"));
	/* a packet of a table being replaced (its liveness lookup missed) says so */
	assert_int_equal(ipp_drop_parse_prefix("ipsecpol secure in replaced", &d), 0);
	ipp_drop_format(&d, 1, buf, sizeof(buf));
	assert_string_equal(buf, "dropped inbound udp [fd00:77::2]:256 -> [fd00:77::1]:53 (mode "
				 "secure, its table being replaced)");
	/* A fragment header of a later fragment: no ports. */
	pkt[6] = 44;
	pkt[40] = 17;
	pkt[42] = 0x00, pkt[43] = 0x08; /* offset 1 (in 8-byte units, shifted by 3) */
	assert_int_equal(ipp_drop_parse_packet(pkt, 56, &d), 0);
	assert_int_equal(d.proto, 17);
	assert_false(d.has_ports);
	assert_int_equal(ipp_drop_parse_packet(pkt, 39, &d), -EINVAL);
}

static void test_ratelimit(void **state)
{
	struct ipp_droplog_summary s;
	struct ipp_droplog d;
	unsigned i, logged = 0;

	(void)state;
	assert_int_equal(ipp_droplog_burst(0), 0);
	assert_int_equal(ipp_droplog_burst(1), 1);
	assert_int_equal(ipp_droplog_burst(2), 20);
	assert_int_equal(ipp_droplog_burst(9), 10000);
	assert_int_equal(ipp_droplog_burst(42), 10000);

	/* Level 1: one drop gives one event and no summary. */
	ipp_droplog_init(&d, 1);
	assert_true(ipp_droplog_admit(&d, true));
	assert_false(ipp_droplog_interval(&d, &s));
	assert_int_equal(s.in, 1);
	assert_int_equal(s.suppressed, 0);

	/* Level 1, 50 drops: one event, then "49 more" at the end of the interval. */
	for (i = 0; i < 50; i++)
		logged += ipp_droplog_admit(&d, i % 2 == 0);
	assert_int_equal(logged, 1);
	assert_true(ipp_droplog_interval(&d, &s));
	assert_int_equal(s.suppressed, 49);
	assert_int_equal(s.in, 25);
	assert_int_equal(s.out, 25);
	/* The next interval starts afresh. */
	assert_true(ipp_droplog_admit(&d, true));

	/* Level 2: twenty events per interval. */
	ipp_droplog_init(&d, 2);
	for (logged = 0, i = 0; i < 100; i++)
		logged += ipp_droplog_admit(&d, true);
	assert_int_equal(logged, 20);
	assert_true(ipp_droplog_interval(&d, &s));
	assert_int_equal(s.suppressed, 80);

	/* Lost reports alone make a summary. */
	ipp_droplog_init(&d, 3);
	d.lost = 2;
	assert_true(ipp_droplog_interval(&d, &s));
	assert_int_equal(s.lost, 2);
	assert_int_equal(s.suppressed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prefix),
	    cmocka_unit_test(test_ipv4),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_ratelimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
