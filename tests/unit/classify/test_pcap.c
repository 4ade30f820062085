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
	/* without addresses "me" matches nothing */
	assert_int_equal(s.none, 2);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ethernet_capture),  cmocka_unit_test(test_negotiate_columns),
	    cmocka_unit_test(test_cooked_directions), cmocka_unit_test(test_group_destinations),
	    cmocka_unit_test(test_broken_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
