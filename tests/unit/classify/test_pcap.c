/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_pcap.c - `whatif pcap=`: captures written here with libpcap's own
 * dump API (and damaged by hand) run through the matcher; per-rule counts,
 * directions, exemptions, skipped and malformed frames, broken files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "fixture.h"
#include "frames.h"

static char dir[64];
static struct fixture fx;
static struct ipp_localaddrs me;
static uint32_t r_block, r_rdp;

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ipp-pcap-XXXXXX");
	assert_non_null(mkdtemp(dir));
	fx_init(&fx);
	r_block = fx_rule(&fx, "Srv", "Block all", IPP_ACTION_BLOCK, IPP_ORIGIN_ASSIGNED);
	r_rdp = fx_rule(&fx, "Srv", "RDP", IPP_ACTION_PERMIT, IPP_ORIGIN_ASSIGNED);
	fx_filter(&fx, r_block, A_ANY(), A_ME(), 0, 0, 0, true);
	fx_filter(&fx, r_rdp, A("10.0.0.5"), A_ME(), IPPROTO_TCP, 0, 3389, true);
	assert_int_equal(ipp_localaddrs_add_str(&me, "10.0.0.1", NULL), 0);
	assert_int_equal(ipp_localaddrs_add_str(&me, "fd00:77::1", NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	ipp_localaddrs_clear(&me);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct writer {
	pcap_t *dead;
	pcap_dumper_t *d;
	char path[128];
};

static void w_open(struct writer *w, const char *name, int dlt)
{
	snprintf(w->path, sizeof(w->path), "%s/%s", dir, name);
	w->dead = pcap_open_dead(dlt, 65535);
	assert_non_null(w->dead);
	w->d = pcap_dump_open(w->dead, w->path);
	assert_non_null(w->d);
}

/* Write @caplen of the @n bytes of @frame. */
static void w_frame(struct writer *w, const uint8_t *frame, size_t n, size_t caplen)
{
	struct pcap_pkthdr h = {0};

	h.caplen = (bpf_u_int32)caplen;
	h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)w->d, &h, frame);
}

static void w_close(struct writer *w)
{
	pcap_dump_close(w->d);
	pcap_close(w->dead);
}

/* Clear packets of negotiate filters: left to IKE (dropped), or taken in the clear (inpass). */
static void test_negotiate_columns(void **state)
{
	static struct fixture nf;
	struct ipp_pcap_stats s;
	struct writer w;
	uint8_t f[256];
	uint32_t r_neg, r_pass;
	size_t n;
	char *text = NULL;
	size_t tlen = 0;
	FILE *out;

	(void)state;
	fx_init(&nf);
	r_neg = fx_rule(&nf, "Sec", "Neg", IPP_ACTION_NEGOTIATE, IPP_ORIGIN_ASSIGNED);
	r_pass = fx_rule(&nf, "Sec", "NegIn", IPP_ACTION_NEGOTIATE, IPP_ORIGIN_ASSIGNED);
	nf.rules[r_pass].fa.inpass = true;
	fx_filter(&nf, r_neg, A_ANY(), A_ME(), IPPROTO_UDP, 0, 5100, true);
	fx_filter(&nf, r_pass, A_ANY(), A_ME(), IPPROTO_UDP, 0, 5101, true);
	w_open(&w, "neg.pcap", DLT_EN10MB);
	n = eth(f, ip4(f, "10.0.0.5", "10.0.0.1", 17, 4000, 5100, 0, 0, 0), 0x0800);
	w_frame(&w, f, n, n);
	n = eth(f, ip4(f, "10.0.0.5", "10.0.0.1", 17, 4000, 5101, 0, 0, 0), 0x0800);
	w_frame(&w, f, n, n);
	w_close(&w);
	assert_int_equal(ipp_pcap_classify(&nf.eff, w.path, &me, NULL, &s, NULL), 0);
	assert_int_equal(s.rules[r_neg].negotiated, 1);
	assert_int_equal(s.rules[r_neg].clear_taken, 0);
	assert_int_equal(s.rules[r_pass].negotiated, 0);
	assert_int_equal(s.rules[r_pass].clear_taken, 1);
	out = open_memstream(&text, &tlen);
	assert_non_null(out);
	ipp_pcap_stats_print(out, &nf.eff, &s);
	fclose(out);
	assert_non_null(strstr(text, "negotiated   clear ok"));
	free(text);
	ipp_pcap_stats_clear(&s);
}

static void test_ethernet_capture(void **state)
{
	struct ipp_pcap_stats s;
	struct writer w;
	uint8_t f[256];
	size_t n;
	char *text = NULL;
	size_t tlen = 0;
	FILE *out;

	w_open(&w, "eth.pcap", DLT_EN10MB);
	/* 1, 2: RDP from the permitted host; 3: its answer */
	n = eth(f, ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 0), 0x0800);
	w_frame(&w, f, n, n);
	w_frame(&w, f, n, n);
	n = eth(f, ip4(f, "10.0.0.1", "10.0.0.5", 6, 3389, 40000, 0, 0, 0), 0x0800);
	w_frame(&w, f, n, n);
	/* 4: SSH from another host: blocked; 5: IPv6 to me: blocked */
	n = eth(f, ip4(f, "10.0.0.6", "10.0.0.1", 6, 40000, 22, 0, 0, 0), 0x0800);
	w_frame(&w, f, n, n);
	n = eth(f, ip6(f, "fd00:77::9", "fd00:77::1", NULL, 0, 17, 1, 2, 0, 0), 0x86dd);
	w_frame(&w, f, n, n);
	/* 6: IKE, 7: loopback */
	n = eth(f, ip4(f, "10.0.0.6", "10.0.0.1", 17, 500, 500, 0, 0, 0), 0x0800);
	w_frame(&w, f, n, n);
	n = eth(f, ip4(f, "127.0.0.1", "127.0.0.1", 6, 1, 2, 0, 0, 0), 0x0800);
	w_frame(&w, f, n, n);
	/* 8: ARP, 9: fragment, 10: foreign, 11: snapped before the ports, 12: garbage */
	memset(f, 0, 28);
	n = eth(f, 28, 0x0806);
	w_frame(&w, f, n, n);
	n = eth(f, ip4(f, "10.0.0.6", "10.0.0.1", 17, 1, 2, 64, 100, 0), 0x0800);
	w_frame(&w, f, n, n);
	n = eth(f, ip4(f, "10.0.0.7", "10.0.0.8", 6, 1, 2, 0, 0, 0), 0x0800);
	w_frame(&w, f, n, n);
	n = eth(f, ip4(f, "10.0.0.6", "10.0.0.1", 6, 1, 2, 0, 0, 0), 0x0800);
	w_frame(&w, f, n, 14 + 21);
	memset(f, 0x4f, 40); /* IHL 15: options beyond the frame */
	n = eth(f, 40, 0x0800);
	w_frame(&w, f, n, n);
	/* 13: no frame at all */
	w_frame(&w, f, 0, 0);
	w_close(&w);

	assert_int_equal(ipp_pcap_classify(&fx.eff, w.path, &me, NULL, &s, NULL), 0);
	assert_int_equal(s.packets, 13);
	assert_int_equal(s.classified, 7);
	assert_int_equal(s.inbound, 6);
	assert_int_equal(s.outbound, 1);
	assert_int_equal(s.not_ip, 1);
	assert_int_equal(s.fragments, 1);
	assert_int_equal(s.foreign, 1);
	assert_int_equal(s.malformed, 3);
	assert_string_equal(s.first_malformed, "packet 11: capture truncated before the TCP ports");
	assert_int_equal(s.exempt_ike, 1);
	assert_int_equal(s.exempt_loopback, 1);
	assert_int_equal(s.none, 0);
	assert_int_equal(s.nrules, 2);
	assert_int_equal(s.rules[r_rdp].permitted, 3);
	assert_int_equal(s.rules[r_block].blocked, 2);
	assert_int_equal(s.rules[r_block].permitted, 0);

	out = open_memstream(&text, &tlen);
	assert_non_null(out);
	ipp_pcap_stats_print(out, &fx.eff, &s);
	fclose(out);
	assert_non_null(strstr(text, "13 read, 7 classified (6 inbound, 1 outbound)"));
	assert_non_null(strstr(text, "rule \"RDP\" of policy \"Srv\""));
	assert_non_null(strstr(text, "First malformed: packet 11"));
	free(text);
	ipp_pcap_stats_clear(&s);

	/* without any policy: everything that is not exempt is "no filter matched" */
	assert_int_equal(ipp_pcap_classify(NULL, w.path, &me, NULL, &s, NULL), 0);
	assert_int_equal(s.none, 5);
	assert_null(s.rules);
	ipp_pcap_stats_clear(&s);
}

/*
 * The one frame @f of a raw IP capture, @caplen of its @n bytes captured:
 * classified (@want NULL), or the first malformed packet for @want.
 */
static void expect_one(const char *name, const uint8_t *f, size_t n, size_t caplen,
		       const char *want)
{
	struct ipp_pcap_stats s;
	struct writer w;
	char first[256];

	w_open(&w, name, DLT_RAW);
	w_frame(&w, f, n, caplen);
	w_close(&w);
	assert_int_equal(ipp_pcap_classify(&fx.eff, w.path, &me, NULL, &s, NULL), 0);
	assert_int_equal(s.packets, 1);
	snprintf(first, sizeof(first), "packet 1: %s", want ? want : "");
	if (s.classified != (want ? 0 : 1) || strcmp(s.first_malformed, want ? first : ""))
		fail_msg("%s: %llu classified, first malformed \"%s\", expected %s", name,
			 (unsigned long long)s.classified, s.first_malformed,
			 want ? first : "none");
	ipp_pcap_stats_clear(&s);
}

/*
 * A packet whose IP length claims more than its frame holds: malformed when
 * the frame was captured whole (the kernel drops it before netfilter), the
 * capture's snapshot length to blame when it was cut short; the same for a
 * first fragment or an ICMP header too short for what is matched on.
 */
static void test_whole_or_cut(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	/* IPv4: a total length 100 bytes beyond the 40 of the frame */
	n = ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 0);
	put16(f + 2, 140);
	expect_one("tot-whole.pcap", f, n, n, "IPv4 total length beyond the frame");
	expect_one("tot-cut.pcap", f, 140, n, NULL);
	/* IPv6: a payload length beyond the frame */
	n = ip6(f, "fd00:77::9", "fd00:77::1", NULL, 0, 17, 1, 2, 0, 0);
	put16(f + 4, 108);
	expect_one("plen-whole.pcap", f, n, n, "IPv6 payload length beyond the frame");
	expect_one("plen-cut.pcap", f, 148, n, NULL);

	/* a first fragment of 2 bytes of TCP: its own fault, whole; the capture's, cut */
	n = ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 1);
	expect_one("frag4-cut.pcap", f, n, 22, "capture truncated before the TCP ports");
	put16(f + 2, 22);
	expect_one("frag4-whole.pcap", f, 22, 22, "first fragment too short to hold the TCP ports");
	/* the same in IPv6: a fragment header (more follow), 2 bytes of UDP */
	n = ip6(f, "fd00:77::9", "fd00:77::1", (const uint8_t[]){44}, 1, 17, 1, 2, 0, 0);
	f[40 + 3] |= 1;
	expect_one("frag6-cut.pcap", f, n, 50, "capture truncated before the UDP ports");
	put16(f + 4, 10);
	expect_one("frag6-whole.pcap", f, 50, 50, "first fragment too short to hold the UDP ports");

	/* ICMP headers of 0 and 2 bytes, short of type, code and checksum */
	n = ip4(f, "10.0.0.5", "10.0.0.1", 1, 0, 0, 0, 0, 0);
	expect_one("icmp-cut.pcap", f, n, 22, "capture truncated inside the ICMP header");
	put16(f + 2, 20);
	expect_one("icmp-0.pcap", f, 20, 20, "ICMP header shorter than 4 bytes");
	n = ip6(f, "fd00:77::9", "fd00:77::1", NULL, 0, 58, 0, 0, 0, 0);
	expect_one("icmp6-cut.pcap", f, n, 42, "capture truncated inside the ICMPv6 header");
	put16(f + 4, 2);
	expect_one("icmp6-2.pcap", f, 42, 42, "ICMPv6 header shorter than 4 bytes");
	put16(f + 4, 4);
	expect_one("icmp6-4.pcap", f, 48, 48, NULL); /* 4 bytes of padding after the packet */
}

static void test_cooked_directions(void **state)
{
	struct ipp_pcap_stats s;
	struct writer w;
	uint8_t f[256];
	size_t n;
	struct ipp_localaddrs nobody = {0};

	w_open(&w, "sll2.pcap", DLT_LINUX_SLL2);
	n = sll2(f, ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 0), 0, 1, 0x0800);
	w_frame(&w, f, n, n);
	n = sll2(f, ip4(f, "10.0.0.1", "10.0.0.5", 6, 3389, 40000, 0, 0, 0), 4, 1, 0x0800);
	w_frame(&w, f, n, n);
	n = sll2(f, ip4(f, "10.0.0.8", "10.0.0.9", 6, 3389, 40000, 0, 0, 0), 3, 1, 0x0800);
	w_frame(&w, f, n, n);
	n = sll2(f, ip4(f, "10.0.0.1", "10.0.0.1", 6, 3389, 40000, 0, 0, 0), 4, 772, 0x0800);
	w_frame(&w, f, n, n);
	w_close(&w);

	/* the host's addresses unknown: the capture's directions still count */
	assert_int_equal(ipp_pcap_classify(&fx.eff, w.path, &nobody, NULL, &s, NULL), 0);
	assert_int_equal(s.packets, 4);
	assert_int_equal(s.inbound, 1);
	assert_int_equal(s.outbound, 2);
	assert_int_equal(s.foreign, 1);
	assert_int_equal(s.exempt_loopback, 1);
	/* without addresses "me" still matches: inbound every packet the host took (but to
	 * a group address) is to me, outbound every packet is from me: the RDP rule and its
	 * mirror image take both */
	assert_int_equal(s.none, 0);
	{
		uint64_t ruled = 0;

		for (size_t i = 0; i < s.nrules; i++)
			ruled += s.rules[i].permitted + s.rules[i].blocked + s.rules[i].negotiated +
				 s.rules[i].clear_taken;
		assert_int_equal(ruled, 2);
	}
	ipp_pcap_stats_clear(&s);
}

/*
 * A raw IP capture records no direction: a packet from elsewhere to a group
 * address (multicast, the limited broadcast, a directed broadcast of the
 * host's subnets) was received, and matches no filter of "me" (the kernel
 * delivers it under "block everything to me"); one between two other hosts
 * is foreign.
 */
static void test_group_destinations(void **state)
{
	struct ipp_localaddrs bcast = {0};
	struct ipp_pcap_stats s;
	struct writer w;
	uint8_t f[256];
	size_t n;

	(void)state;
	assert_int_equal(ipp_localaddrs_add_str(&bcast, "10.0.0.255", NULL), 0);
	w_open(&w, "group.pcap", DLT_RAW);
	n = ip4(f, "10.0.0.5", "10.0.0.255", 17, 4300, 9999, 0, 0, 0);
	w_frame(&w, f, n, n);
	n = ip4(f, "10.0.0.5", "255.255.255.255", 17, 4300, 9999, 0, 0, 0);
	w_frame(&w, f, n, n);
	n = ip4(f, "10.0.0.5", "224.0.0.1", 17, 4300, 9999, 0, 0, 0);
	w_frame(&w, f, n, n);
	n = ip6(f, "fd00:77::5", "ff02::1", NULL, 0, 17, 4300, 9999, 0, 0);
	w_frame(&w, f, n, n);
	n = ip4(f, "10.0.0.5", "10.0.0.9", 17, 4300, 9999, 0, 0, 0);
	w_frame(&w, f, n, n);
	w_close(&w);

	assert_int_equal(ipp_pcap_classify(&fx.eff, w.path, &me, &bcast, &s, NULL), 0);
	assert_int_equal(s.packets, 5);
	assert_int_equal(s.inbound, 4);
	assert_int_equal(s.foreign, 1);
	assert_int_equal(s.none, 4);
	ipp_pcap_stats_clear(&s);
	ipp_localaddrs_clear(&bcast);
}

static void test_broken_files(void **state)
{
	struct ipp_pcap_stats s;
	struct ipp_error err = {0};
	struct writer w;
	uint8_t f[256];
	size_t n;
	int i;
	char path[160];
	FILE *g;

	/* a file cut in the middle of its last record */
	w_open(&w, "cut.pcap", DLT_RAW);
	for (i = 0; i < 3; i++) {
		n = ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 20, 0, 0);
		w_frame(&w, f, n, n);
	}
	w_close(&w);
	assert_int_equal(truncate(w.path, 24 + 2 * (16 + 60) + 16 + 10), 0);
	assert_int_equal(ipp_pcap_classify(&fx.eff, w.path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.packets, 2);
	assert_int_equal(s.classified, 2);
	assert_int_equal(s.malformed, 0);
	assert_non_null(strstr(s.damaged, "after packet 2"));
	ipp_pcap_stats_clear(&s);

	/* cut inside the first record: no packet was read */
	assert_int_equal(truncate(w.path, 24 + 10), 0);
	assert_int_equal(ipp_pcap_classify(&fx.eff, w.path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.packets, 0);
	if (strncmp(s.damaged, "at the first packet: ", 21))
		fail_msg("\"%s\" does not begin with \"at the first packet: \"", s.damaged);
	ipp_pcap_stats_clear(&s);

	/* not a capture */
	snprintf(path, sizeof(path), "%s/garbage.pcap", dir);
	g = fopen(path, "w");
	assert_non_null(g);
	for (i = 0; i < 500; i++)
		fputc((i * 7919) & 0xff, g);
	fclose(g);
	assert_true(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err) < 0);
	assert_non_null(strstr(err.msg, path));

	/* absent */
	snprintf(path, sizeof(path), "%s/absent.pcap", dir);
	assert_true(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err) < 0);
	assert_non_null(strstr(err.msg, "absent.pcap"));

	/* a link type we do not decode */
	w_open(&w, "wifi.pcap", DLT_IEEE802_11);
	w_close(&w);
	assert_int_equal(ipp_pcap_classify(&fx.eff, w.path, &me, NULL, &s, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "link type 105"));
}

/* ---------- pcapng, built block by block ---------- */

struct ng {
	uint8_t b[8192];
	size_t n;
	bool be; /* the section being written is big-endian */
};

static void ng32(struct ng *g, uint32_t v)
{
	uint32_t x = g->be ? htonl(v) : v;

	memcpy(g->b + g->n, &x, 4);
	g->n += 4;
}

static void ng16(struct ng *g, uint16_t v)
{
	uint16_t x = g->be ? htons(v) : v;

	memcpy(g->b + g->n, &x, 2);
	g->n += 2;
}

/* A block: @type, @body (padded to 4), both lengths. */
static void ng_block(struct ng *g, uint32_t type, const uint8_t *body, size_t n)
{
	size_t pad = (4 - n % 4) % 4;
	uint32_t total = (uint32_t)(12 + n + pad);

	ng32(g, type);
	ng32(g, total);
	memcpy(g->b + g->n, body, n);
	memset(g->b + g->n + n, 0, pad);
	g->n += n + pad;
	ng32(g, total);
}

static void ng_shb(struct ng *g, bool be)
{
	size_t at;

	g->be = be;
	ng32(g, 0x0A0D0D0A);
	at = g->n;
	ng32(g, 28);
	ng32(g, 0x1A2B3C4D);
	ng16(g, 1);
	ng16(g, 0);
	ng32(g, 0xffffffff); /* section length: not given */
	ng32(g, 0xffffffff);
	ng32(g, 28);
	(void)at;
}

static void ng_idb(struct ng *g, uint16_t dlt)
{
	ng32(g, 1);
	ng32(g, 20);
	ng16(g, dlt);
	ng16(g, 0);
	ng32(g, 65535);
	ng32(g, 20);
}

/* An enhanced packet block of the @n bytes of @frame, @wirelen bytes on the wire. */
static void ng_epb_of(struct ng *g, uint32_t iface, const uint8_t *frame, size_t n, size_t wirelen)
{
	uint8_t body[300];
	struct ng h = {.be = g->be};

	ng32(&h, iface);
	ng32(&h, 0);
	ng32(&h, 0);
	ng32(&h, (uint32_t)n);
	ng32(&h, (uint32_t)wirelen);
	memcpy(body, h.b, 20);
	memcpy(body + 20, frame, n);
	ng_block(g, 6, body, 20 + n);
}

static void ng_epb(struct ng *g, uint32_t iface, const uint8_t *frame, size_t n)
{
	ng_epb_of(g, iface, frame, n, n);
}

static void ng_spb(struct ng *g, const uint8_t *frame, size_t n)
{
	uint8_t body[300];
	struct ng h = {.be = g->be};

	ng32(&h, (uint32_t)n);
	memcpy(body, h.b, 4);
	memcpy(body + 4, frame, n);
	ng_block(g, 3, body, 4 + n);
}

static void ng_write(const struct ng *g, const char *name, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(g->b, 1, g->n, f), g->n);
	assert_int_equal(fclose(f), 0);
}

/* Interfaces of different link types in one file, two sections of both byte orders. */
static void test_pcapng_mixed(void **state)
{
	struct ipp_pcap_stats s;
	struct ipp_error err = {0};
	static const uint8_t custom[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct ng g = {0};
	uint8_t f[256];
	char path[160];
	size_t n;

	ng_shb(&g, false);
	ng_idb(&g, DLT_EN10MB);
	ng_idb(&g, 101); /* LINKTYPE_RAW: DLT_RAW of the API */
	ng_idb(&g, 105); /* LINKTYPE_IEEE802_11 */
	/* RDP from the permitted host on the Ethernet interface: permitted */
	n = eth(f, ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 0), 0x0800);
	ng_epb(&g, 0, f, n);
	/* the same as a simple packet block (interface 0) */
	ng_spb(&g, f, n);
	/* a block this reader does not know: skipped */
	ng_block(&g, 0x00000BAD, custom, sizeof(custom));
	/* DNS from another host on the tunnel (raw IP): blocked */
	n = ip4(f, "10.0.0.9", "10.0.0.1", 17, 53, 5353, 0, 0, 0);
	ng_epb(&g, 1, f, n);
	/* a wireless frame: counted as a link type not read */
	ng_epb(&g, 2, f, n);
	/* a second section, big-endian: its interfaces are its own */
	ng_shb(&g, true);
	ng_idb(&g, 101);
	n = ip4(f, "10.0.0.6", "10.0.0.1", 6, 40000, 22, 0, 0, 0);
	ng_epb(&g, 0, f, n);
	ng_write(&g, "mixed.pcapng", path, sizeof(path));

	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.packets, 5);
	assert_int_equal(s.classified, 4);
	assert_int_equal(s.linktype, 1);
	assert_int_equal(s.inbound, 4);
	assert_int_equal(s.rules[r_rdp].permitted, 2);
	assert_int_equal(s.rules[r_block].blocked, 2);
	assert_int_equal(s.malformed, 0);
	assert_string_equal(s.damaged, "");
	ipp_pcap_stats_clear(&s);
}

/* Blocks that do not add up: what was read before is kept, the block named. */
static void test_pcapng_broken(void **state)
{
	struct ipp_pcap_stats s;
	struct ipp_error err = {0};
	struct ng g = {0};
	uint8_t f[256];
	char path[160];
	size_t n, good;

	n = eth(f, ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 0), 0x0800);

	/* a packet of an interface that was not described */
	ng_shb(&g, false);
	ng_idb(&g, DLT_EN10MB);
	ng_epb(&g, 0, f, n);
	good = g.n;
	ng_epb(&g, 5, f, n);
	ng_write(&g, "noif.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.packets, 1);
	assert_int_equal(s.rules[r_rdp].permitted, 1);
	assert_non_null(strstr(s.damaged, "after packet 1"));
	assert_non_null(strstr(s.damaged, "interface 5, which is not described"));
	ipp_pcap_stats_clear(&s);

	/* the two lengths of a block differ */
	g.n = good;
	ng_epb(&g, 0, f, n);
	g.b[g.n - 4] ^= 4;
	ng_write(&g, "lengths.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.packets, 1);
	assert_non_null(strstr(s.damaged, "its two lengths differ"));
	{
		char at[64];

		snprintf(at, sizeof(at), "the block at offset %zu:", good);
		assert_non_null(strstr(s.damaged, at));
	}
	ipp_pcap_stats_clear(&s);

	/* cut inside a block; a packet longer than its block */
	g.n = good;
	ng_epb(&g, 0, f, n);
	g.n -= 10;
	ng_write(&g, "cut.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.packets, 1);
	assert_non_null(strstr(s.damaged, "cut short"));
	ipp_pcap_stats_clear(&s);
	g.n = good;
	ng_epb(&g, 0, f, n);
	memset(g.b + good + 8 + 12, 0x7f, 1); /* its captured length */
	ng_write(&g, "long.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_non_null(strstr(s.damaged, "longer than its block"));
	ipp_pcap_stats_clear(&s);

	/* a block length that is no block's */
	g.n = good;
	ng32(&g, 6);
	ng32(&g, 6);
	ng32(&g, 6);
	ng_write(&g, "short.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_non_null(
	    strstr(s.damaged, "a block length of 6 bytes, below the minimum of 12 bytes"));
	ipp_pcap_stats_clear(&s);
	/* ... and why: not a multiple of 4, over the limit */
	g.n = good;
	ng32(&g, 6);
	ng32(&g, 87);
	ng_write(&g, "odd.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_non_null(strstr(s.damaged, "a block length of 87 bytes, not a multiple of 4"));
	ipp_pcap_stats_clear(&s);
	g.n = good;
	ng32(&g, 6);
	ng32(&g, 32U << 20);
	ng_write(&g, "huge.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_non_null(strstr(
	    s.damaged, "a block length of 33554432 bytes, over the limit of 16777216 bytes"));
	ipp_pcap_stats_clear(&s);

	/* damaged before any packet was read: said so, not "after packet 0" */
	g.n = 0;
	ng_shb(&g, false);
	ng32(&g, 1);
	ng32(&g, 87);
	ng_write(&g, "first.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_string_equal(s.damaged, "before the first packet: the block at offset 28: a block "
				       "length of 87 bytes, not a multiple of 4");
	ipp_pcap_stats_clear(&s);

	/* a section header without its byte-order magic: not a capture */
	g.n = 0;
	ng_shb(&g, false);
	g.b[8] ^= 0xff;
	ng_write(&g, "bom.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bom.pcapng"));
	assert_non_null(strstr(err.msg, "byte-order magic"));
}

/*
 * A block with @nopt bytes of options @opt after a body of @n bytes at @body
 * (padded to 4), for the option tests.
 */
static void ng_block_opt(struct ng *g, uint32_t type, const uint8_t *body, size_t n,
			 const uint8_t *opt, size_t nopt)
{
	uint8_t b[512];
	size_t pad = (4 - n % 4) % 4;

	memcpy(b, body, n);
	memset(b + n, 0, pad);
	memcpy(b + n + pad, opt, nopt);
	ng_block(g, type, b, n + pad + nopt);
}

/* Options: read past when they add up, the block refused when one runs past it. */
static void test_pcapng_options(void **state)
{
	/* shb_userappl "ipsecpol" (8 bytes), opt_comment "x" (1, padded), opt_endofopt */
	static const uint8_t good_opt[] = {4, 0, 8, 0, 'i', 'p', 's', 'e', 'c', 'p', 'o', 'l',
					   1, 0, 1, 0, 'x', 0,	 0,   0,   0,	0,   0,	  0};
	/* opt_comment of 300 bytes, 4 of them in the block */
	static const uint8_t long_opt[] = {1, 0, 0x2c, 1, 'a', 'b', 'c', 'd'};
	static const uint8_t shb[16] = {0x4d, 0x3c, 0x2b, 0x1a, 1,    0,    0,	  0,
					0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t idb[8] = {1, 0, 0, 0, 0xff, 0xff, 0, 0}; /* Ethernet */
	struct ipp_pcap_stats s;
	struct ipp_error err = {0};
	struct ng g = {0}, bad = {0};
	uint8_t f[256], epb[300];
	char path[160];
	size_t n, good;

	(void)state;
	n = eth(f, ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 0), 0x0800);
	memset(epb, 0, 20);
	epb[12] = epb[16] = (uint8_t)n; /* both lengths */
	memcpy(epb + 20, f, n);

	/* options that add up, in every block that has them */
	ng_block_opt(&g, 0x0A0D0D0A, shb, sizeof(shb), good_opt, sizeof(good_opt));
	ng_block_opt(&g, 1, idb, sizeof(idb), good_opt + 12, 8);
	ng_block_opt(&g, 6, epb, 20 + n, good_opt, sizeof(good_opt));
	good = g.n;
	ng_write(&g, "opt.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.classified, 1);
	assert_string_equal(s.damaged, "");
	ipp_pcap_stats_clear(&s);

	/* a section header's option longer than the block: the first one, not a capture */
	ng_block_opt(&bad, 0x0A0D0D0A, shb, sizeof(shb), long_opt, sizeof(long_opt));
	ng_write(&bad, "shbopt.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "shbopt.pcapng"));
	assert_non_null(strstr(err.msg, "the block at offset 0: an option of the section header "
					"(code 1, 300 bytes) runs past the end of the block (4 "
					"bytes left)"));
	/* ... of a later section: the reading stops there */
	g.n = good;
	ng_block_opt(&g, 0x0A0D0D0A, shb, sizeof(shb), long_opt, sizeof(long_opt));
	ng_write(&g, "shbopt2.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.classified, 1);
	assert_non_null(strstr(s.damaged, "after packet 1: "));
	assert_non_null(strstr(s.damaged, "an option of the section header (code 1, 300 bytes)"));
	ipp_pcap_stats_clear(&s);

	/* an interface's, a packet's */
	g.n = good;
	ng_block_opt(&g, 1, idb, sizeof(idb), long_opt, sizeof(long_opt));
	ng_write(&g, "idbopt.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_non_null(strstr(s.damaged, "an option of the interface block (code 1, 300 bytes)"));
	ipp_pcap_stats_clear(&s);
	g.n = good;
	ng_block_opt(&g, 6, epb, 20 + n, long_opt, sizeof(long_opt));
	ng_write(&g, "epbopt.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.packets, 1);
	assert_non_null(strstr(s.damaged, "an option of the packet block (code 1, 300 bytes)"));
	ipp_pcap_stats_clear(&s);
}

/*
 * pcapng records the length on the wire too (an enhanced packet block's
 * original length, a simple packet block's packet length): a frame whose IP
 * length is beyond it is malformed when captured whole only.
 */
static void test_pcapng_whole_or_cut(void **state)
{
	struct ipp_pcap_stats s;
	struct ipp_error err = {0};
	struct ng g = {0};
	uint8_t f[256];
	char path[160];
	size_t n;

	(void)state;
	n = eth(f, ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 0), 0x0800);
	put16(f + 14 + 2, 140);
	ng_shb(&g, false);
	ng_idb(&g, DLT_EN10MB);
	ng_epb_of(&g, 0, f, n, 14 + 140); /* cut short: classified */
	ng_epb(&g, 0, f, n);		  /* whole: malformed */
	ng_spb(&g, f, n);		  /* whole: malformed */
	ng_write(&g, "whole.pcapng", path, sizeof(path));
	assert_int_equal(ipp_pcap_classify(&fx.eff, path, &me, NULL, &s, &err), 0);
	assert_int_equal(s.packets, 3);
	assert_int_equal(s.classified, 1);
	assert_int_equal(s.rules[r_rdp].permitted, 1);
	assert_int_equal(s.malformed, 2);
	assert_string_equal(s.first_malformed, "packet 2: IPv4 total length beyond the frame");
	assert_string_equal(s.damaged, "");
	ipp_pcap_stats_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ethernet_capture),  cmocka_unit_test(test_negotiate_columns),
	    cmocka_unit_test(test_cooked_directions), cmocka_unit_test(test_group_destinations),
	    cmocka_unit_test(test_broken_files),      cmocka_unit_test(test_pcapng_mixed),
	    cmocka_unit_test(test_pcapng_broken),     cmocka_unit_test(test_whole_or_cut),
	    cmocka_unit_test(test_pcapng_options),    cmocka_unit_test(test_pcapng_whole_or_cut),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
