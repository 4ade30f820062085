/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * classify_decode.c - fuzz target: captured frames through the decoder of
 * `whatif pcap=` and, when they decode, through the reference matcher.
 *
 * Input: byte 0 picks the link type (Ethernet, Linux cooked SLL/SLL2, raw
 * IP, IPv4, IPv6, BSD loopback), byte 1 the direction (bit 0), an SA (bit 1)
 * and a frame captured whole (bit 2), the rest is the frame.  The frame is copied to a buffer of exactly its size, so that any
 * read beyond it is caught by AddressSanitizer.  Seed corpus:
 * corpus/classify_decode/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <pcap/dlt.h>

#include "classify/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
			   DLT_IPV4,   DLT_IPV6,      DLT_NULL,       DLT_LOOP};

static struct ipp_addr host(int fam, const char *s, uint8_t plen)
{
	struct ipp_addr a = {.kind = IPP_ADDR_IP, .family = (uint8_t)fam, .plen = plen};

	inet_pton(fam, s, a.ip);
	return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipp_eff_rule rules[2];
	static struct ipp_sfilter sf[4];
	static struct ipp_effective eff = {.rules = rules, .nrules = 2, .sf = sf, .nsf = 4};
	static struct ipp_localaddrs me;
	static int ready;
	struct ipp_packet p;
	struct ipp_verdict v;
	enum ipp_linkdir ld;
	const char *why;
	uint8_t *frame;

	if (!ready) {
		uint8_t ip[16] = {0};

		inet_pton(AF_INET, "10.0.0.1", ip);
		ipp_localaddrs_add(&me, AF_INET, ip);
		inet_pton(AF_INET6, "fd00::1", ip);
		ipp_localaddrs_add(&me, AF_INET6, ip);
		rules[0].fa.action = IPP_ACTION_BLOCK;
		rules[1].fa.action = IPP_ACTION_PERMIT;
		sf[0].src.kind = IPP_ADDR_ANY;
		sf[0].dst.kind = IPP_ADDR_ME;
		sf[0].action = IPP_ACTION_BLOCK;
		sf[1] = sf[0];
		sf[1].src.kind = IPP_ADDR_ME;
		sf[1].dst.kind = IPP_ADDR_ANY;
		sf[1].reversed = true;
		sf[2].src = host(AF_INET, "10.0.0.0", 8);
		sf[2].dst.kind = IPP_ADDR_ME;
		sf[2].protocol = 6;
		sf[2].dstport = 22;
		sf[2].action = IPP_ACTION_PERMIT;
		sf[2].rule = 1;
		sf[3].src = host(AF_INET6, "fd00::", 64);
		sf[3].src.kind = IPP_ADDR_RANGE;
		inet_pton(AF_INET6, "fd00::ffff", sf[3].src.ip_end);
		sf[3].dst.kind = IPP_ADDR_ANY;
		sf[3].action = IPP_ACTION_NEGOTIATE;
		sf[3].rule = 0;
		ready = 1;
	}
	if (size < 2)
		return 0;
	frame = malloc(size - 2 ? size - 2 : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 2, size - 2);
	/* byte 1's bit 2: the frame as captured whole (its length on the wire its size),
	 * else as possibly cut short by the capture */
	if (ipp_decode_frame_ex(dlts[data[0] % 8], frame, size - 2,
				data[1] & 4 ? size - 2 : SIZE_MAX, &p, &ld, &why) == IPP_DECODE_OK) {
		p.dir = data[1] & 1 ? IPP_DIR_OUT : IPP_DIR_IN;
		p.secpath = data[1] & 2;
		if (ipp_classify(&eff, &p, &me, &v) == 0) {
			char buf[256];

			ipp_verdict_why(&eff, &v, buf, sizeof(buf));
			ipp_packet_format(&p, buf, sizeof(buf));
			ipp_verdict_clear(&v);
		}
	}
	free(frame);
	return 0;
}
