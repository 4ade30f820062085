/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decode.c - captured frames to struct ipp_packet.
 *
 * Every read is checked against the captured length: captures come from
 * anywhere and must never make us read past a buffer.  The decoder extracts
 * what the enforcement matches on (addresses, transport protocol, ports)
 * and nothing else; it does not verify checksums (captures of outgoing
 * packets usually carry offloaded, unfinished ones).
 */
#include "classify.h"

#include <netinet/in.h>
#include <pcap/dlt.h>
#include <string.h>
#include <sys/socket.h>

#define ETH_HLEN 14
#define SLL_HLEN 16
#define SLL2_HLEN 20
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ARPHRD_LOOPBACK_ 772
#define SLL_HOST 0
#define SLL_BROADCAST 1
#define SLL_MULTICAST 2
#define SLL_OUTGOING 4
#define MAX_EXT_HEADERS 16

struct frame {
	const uint8_t *p;
	size_t len;
	bool whole; /* captured whole: what the packet lacks is its own fault, not the capture's */
	const char *why;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static enum ipp_decode_status bad(struct frame *f, const char *why)
{
	f->why = why;
	return IPP_DECODE_MALFORMED;
}

/*
 * What a transport header must hold: its fixed part, and why it is refused
 * when the packet's length leaves less, when the capture cut it before the
 * first 4 bytes (the ports, or the ICMP type, code and checksum), or when a
 * first fragment ends before them.
 */
static const struct l4_need {
	uint8_t proto;
	size_t min;
	const char *shorter, *cut, *fragment;
} l4_needs[] = {
    {IPPROTO_TCP, 20, "TCP header shorter than 20 bytes", "capture truncated before the TCP ports",
     "first fragment too short to hold the TCP ports"},
    {IPPROTO_UDP, 8, "UDP header shorter than 8 bytes", "capture truncated before the UDP ports",
     "first fragment too short to hold the UDP ports"},
    {IPPROTO_ICMP, 4, "ICMP header shorter than 4 bytes",
     "capture truncated inside the ICMP header",
     "first fragment too short to hold the ICMP header"},
    {IPPROTO_ICMPV6, 4, "ICMPv6 header shorter than 4 bytes",
     "capture truncated inside the ICMPv6 header",
     "first fragment too short to hold the ICMPv6 header"},
};

/*
 * The transport header at @l4 of which @have bytes were captured and
 * @claimed belong to the packet by its IP length (SIZE_MAX: a first
 * fragment, the datagram goes on).  @cut: the packet goes on beyond what the
 * capture kept, which is then to blame for what is missing.
 */
static enum ipp_decode_status transport(struct frame *f, uint8_t proto, const uint8_t *l4,
					size_t have, size_t claimed, bool cut,
					struct ipp_packet *ret)
{
	const struct l4_need *need = NULL;
	size_t i;

	for (i = 0; i < sizeof(l4_needs) / sizeof(l4_needs[0]); i++)
		if (l4_needs[i].proto == proto)
			need = &l4_needs[i];
	if (!need)
		return IPP_DECODE_OK;
	if (claimed < need->min)
		return bad(f, need->shorter);
	if (proto == IPPROTO_TCP && have >= 13 && (l4[12] >> 4) < 5)
		return bad(f, "TCP data offset below 5");
	/* a datagram the capture did not cut holds what its length claims: only a
	 * first fragment can end this early */
	if (have < 4)
		return bad(f, cut ? need->cut : need->fragment);
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		ret->sport = get16(l4);
		ret->dport = get16(l4 + 2);
	} else {
		ret->icmp_type = l4[0];
	}
	return IPP_DECODE_OK;
}

static enum ipp_decode_status ipv4(struct frame *f, struct ipp_packet *ret)
{
	const uint8_t *h = f->p;
	size_t ihl, tot, have;
	uint16_t frag;

	if (f->len >= 1 && (h[0] >> 4) != 4)
		return bad(f, "IP version is not 4");
	if (f->len < 20)
		return bad(f, "IPv4 header truncated");
	ihl = (size_t)(h[0] & 0x0f) * 4;
	if (ihl < 20)
		return bad(f, "IPv4 header length below 20 bytes");
	if (ihl > f->len)
		return bad(f, "IPv4 options truncated");
	tot = get16(h + 2);
	if (tot < ihl)
		return bad(f, "IPv4 total length shorter than its header");
	/* the kernel drops it before netfilter (ip_rcv); in a frame cut short it is
	 * the capture's snapshot length that ends it */
	if (tot > f->len && f->whole)
		return bad(f, "IPv4 total length beyond the frame");
	ret->family = AF_INET;
	memset(ret->src, 0, sizeof(ret->src));
	memset(ret->dst, 0, sizeof(ret->dst));
	memcpy(ret->src, h + 12, 4);
	memcpy(ret->dst, h + 16, 4);
	ret->proto = h[9];
	ret->hoplimit = h[8];
	frag = get16(h + 6);
	if (frag & 0x1fff)
		return IPP_DECODE_FRAGMENT;
	have = (tot < f->len ? tot : f->len) - ihl;
	/* a first fragment (more follow): the datagram is longer than it, and only the
	 * ports are needed (the kernel sees the datagram reassembled) */
	return transport(f, ret->proto, h + ihl, have, frag & 0x2000 ? SIZE_MAX : tot - ihl,
			 tot > f->len, ret);
}

static enum ipp_decode_status ipv6(struct frame *f, struct ipp_packet *ret)
{
	const uint8_t *h = f->p;
	size_t off = 40, end, plen;
	uint8_t nh;
	bool more = false; /* a first fragment: more follow */
	int n;

	if (f->len >= 1 && (h[0] >> 4) != 6)
		return bad(f, "IP version is not 6");
	if (f->len < 40)
		return bad(f, "IPv6 header truncated");
	ret->family = AF_INET6;
	memcpy(ret->src, h + 8, 16);
	memcpy(ret->dst, h + 24, 16);
	ret->hoplimit = h[7];
	plen = get16(h + 4);
	/* payload length 0 is a jumbogram (or garbage): take what was captured */
	end = plen ? 40 + plen : f->len;
	/* as for IPv4: dropped by the kernel (ipv6_rcv) unless the capture cut it */
	if (end > f->len && f->whole)
		return bad(f, "IPv6 payload length beyond the frame");
	nh = h[6];
	for (n = 0;; n++) {
		size_t hl;

		if (n == MAX_EXT_HEADERS)
			return bad(f, "too many IPv6 extension headers");
		/* (AH ends the walk: the kernel takes it as the transport protocol, as
		 * nftables' meta l4proto does, and ESP and AH are exempt) */
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		if (off + 8 > end)
			return bad(f, "IPv6 extension header beyond the payload length");
		if (off + 8 > f->len)
			return bad(f, "capture truncated inside IPv6 extension headers");
		if (nh == 44) {
			if (get16(h + off + 2) & 0xfff8) {
				ret->proto = h[off];
				return IPP_DECODE_FRAGMENT;
			}
			more = get16(h + off + 2) & 1;
			hl = 8;
		} else {
			hl = ((size_t)h[off + 1] + 1) * 8;
		}
		nh = h[off];
		off += hl;
	}
	if (off > end)
		return bad(f, "IPv6 extension header beyond the payload length");
	ret->proto = nh;
	if (off > f->len)
		return bad(f, "capture truncated inside IPv6 extension headers");
	/* (a jumbogram's length is not read: cut when its frame was) */
	return transport(f, nh, h + off, (end < f->len ? end : f->len) - off,
			 more ? SIZE_MAX : end - off, plen ? end > f->len : !f->whole, ret);
}

static enum ipp_decode_status ip_any(struct frame *f, struct ipp_packet *ret)
{
	if (f->len < 1)
		return bad(f, "empty IP packet");
	switch (f->p[0] >> 4) {
	case 4:
		return ipv4(f, ret);
	case 6:
		return ipv6(f, ret);
	default:
		return bad(f, "IP version is neither 4 nor 6");
	}
}

static enum ipp_decode_status by_ethertype(struct frame *f, uint16_t type, struct ipp_packet *ret)
{
	if (type == ETHERTYPE_IPV4)
		return ipv4(f, ret);
	if (type == ETHERTYPE_IPV6)
		return ipv6(f, ret);
	return IPP_DECODE_NOT_IP;
}

static void skip(struct frame *f, size_t n)
{
	f->p += n;
	f->len -= n;
}

static enum ipp_decode_status ether(struct frame *f, struct ipp_packet *ret)
{
	uint16_t type;
	int tags = 0;

	if (f->len < ETH_HLEN)
		return bad(f, "Ethernet header truncated");
	type = get16(f->p + 12);
	skip(f, ETH_HLEN);
	while ((type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) && tags < 2) {
		if (f->len < 4)
			return bad(f, "VLAN tag truncated");
		type = get16(f->p + 2);
		skip(f, 4);
		tags++;
	}
	return by_ethertype(f, type, ret);
}

static enum ipp_linkdir sll_dir(unsigned pkttype)
{
	switch (pkttype) {
	case SLL_HOST:
	case SLL_BROADCAST:
	case SLL_MULTICAST:
		return IPP_LINKDIR_IN;
	case SLL_OUTGOING:
		return IPP_LINKDIR_OUT;
	default:
		return IPP_LINKDIR_UNKNOWN;
	}
}

enum ipp_decode_status ipp_decode_frame(int dlt, const uint8_t *data, size_t caplen,
					struct ipp_packet *ret, enum ipp_linkdir *ret_dir,
					const char **ret_reason)
{
	return ipp_decode_frame_ex(dlt, data, caplen, SIZE_MAX, ret, ret_dir, ret_reason);
}

enum ipp_decode_status ipp_decode_frame_ex(int dlt, const uint8_t *data, size_t caplen,
					   size_t wirelen, struct ipp_packet *ret,
					   enum ipp_linkdir *ret_dir, const char **ret_reason)
{
	struct frame f = {.p = data, .len = data ? caplen : 0, .whole = wirelen == caplen};
	enum ipp_linkdir dir = IPP_LINKDIR_UNKNOWN;
	enum ipp_decode_status st;
	struct ipp_packet pkt;
	uint32_t fam;

	memset(&pkt, 0, sizeof(pkt));
	switch (dlt) {
	case DLT_EN10MB:
		/* a frame to a group address (broadcast, multicast) was received: this host
		 * sends to it too, but then from one of its own addresses, which decides first */
		if (f.len >= ETH_HLEN && (f.p[0] & 1))
			dir = IPP_LINKDIR_IN;
		st = ether(&f, &pkt);
		break;
	case DLT_LINUX_SLL:
		if (f.len < SLL_HLEN) {
			st = bad(&f, "Linux cooked header truncated");
			break;
		}
		dir = sll_dir(get16(f.p));
		pkt.loopback = get16(f.p + 2) == ARPHRD_LOOPBACK_;
		fam = get16(f.p + 14);
		skip(&f, SLL_HLEN);
		st = by_ethertype(&f, (uint16_t)fam, &pkt);
		break;
	case DLT_LINUX_SLL2:
		if (f.len < SLL2_HLEN) {
			st = bad(&f, "Linux cooked v2 header truncated");
			break;
		}
		fam = get16(f.p);
		pkt.loopback = get16(f.p + 8) == ARPHRD_LOOPBACK_;
		dir = sll_dir(f.p[10]);
		skip(&f, SLL2_HLEN);
		st = by_ethertype(&f, (uint16_t)fam, &pkt);
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		st = ip_any(&f, &pkt);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (f.len < 4) {
			st = bad(&f, "loopback header truncated");
			break;
		}
		/* DLT_NULL: host byte order of the capturing machine, either order here */
		fam = (uint32_t)f.p[0] << 24 | (uint32_t)f.p[1] << 16 | (uint32_t)f.p[2] << 8 | f.p[3];
		if (dlt == DLT_NULL && (fam & 0xffff) == 0)
			fam >>= 24;
		skip(&f, 4);
		pkt.loopback = true;
		/* AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 depending on the OS */
		if (fam == 2 || fam == 10 || fam == 24 || fam == 28 || fam == 30)
			st = ip_any(&f, &pkt);
		else
			st = IPP_DECODE_NOT_IP;
		break;
	default:
		f.why = "unsupported link type";
		st = IPP_DECODE_LINKTYPE;
	}
	if (ret_dir)
		*ret_dir = dir;
	if (ret_reason)
		*ret_reason = f.why;
	if (st == IPP_DECODE_OK || st == IPP_DECODE_FRAGMENT)
		*ret = pkt;
	return st;
}
