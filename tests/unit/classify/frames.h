/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * frames.h - hand-made frames for the decoder and capture tests.
 */
#ifndef IPP_TEST_CLASSIFY_FRAMES_H
#define IPP_TEST_CLASSIFY_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

static inline void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Transport header (TCP 20 bytes, UDP 8, ICMP 8, other 0) and @paylen bytes of payload. */
static inline size_t l4(uint8_t *p, uint8_t proto, unsigned sport, unsigned dport, size_t paylen)
{
	size_t h = proto == 6 ? 20 : (proto == 17 || proto == 1 || proto == 58) ? 8 : 0;

	memset(p, 0, h + paylen);
	if (proto == 6 || proto == 17) {
		put16(p, sport);
		put16(p + 2, dport);
	}
	if (proto == 6)
		p[12] = 5 << 4;
	if (proto == 17)
		put16(p + 4, (unsigned)(8 + paylen));
	if (proto == 1 || proto == 58)
		p[0] = proto == 1 ? 8 : 128; /* echo request */
	memset(p + h, 'x', paylen);
	return h + paylen;
}

/* IPv4 packet; @fragoff in 8-byte units, @mf the more-fragments flag. */
static inline size_t ip4(uint8_t *p, const char *src, const char *dst, uint8_t proto,
			 unsigned sport, unsigned dport, size_t paylen, unsigned fragoff, int mf)
{
	size_t n = l4(p + 20, proto, sport, dport, paylen) + 20;

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (unsigned)n);
	put16(p + 6, (mf ? 0x2000 : 0) | fragoff);
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	return n;
}

/*
 * IPv6 packet with the extension headers @ext (0 hop-by-hop, 60 destination,
 * 43 routing, 44 fragment with offset @fragoff, 51 AH), @next ending the chain.
 */
static inline size_t ip6(uint8_t *p, const char *src, const char *dst, const uint8_t *ext,
			 size_t next, uint8_t proto, unsigned sport, unsigned dport, size_t paylen,
			 unsigned fragoff)
{
	size_t off = 40, i;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[6] = next ? ext[0] : proto;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	for (i = 0; i < next; i++) {
		uint8_t nh = i + 1 < next ? ext[i + 1] : proto;
		size_t len = ext[i] == 51 ? 16 : ext[i] == 44 ? 8 : 16;

		memset(p + off, 0, len);
		p[off] = nh;
		if (ext[i] == 51)
			p[off + 1] = (uint8_t)(len / 4 - 2);
		else if (ext[i] == 44)
			put16(p + off + 2, fragoff << 3);
		else
			p[off + 1] = (uint8_t)(len / 8 - 1);
		off += len;
	}
	off += l4(p + off, proto, sport, dport, paylen);
	put16(p + 4, (unsigned)(off - 40));
	return off;
}

/* Prepend @hlen bytes of link header @h to the @n bytes at @p (buffer must have room). */
static inline size_t wrap(uint8_t *p, size_t n, const uint8_t *h, size_t hlen)
{
	memmove(p + hlen, p, n);
	memcpy(p, h, hlen);
	return n + hlen;
}

static inline size_t eth(uint8_t *p, size_t n, unsigned type)
{
	uint8_t h[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

	put16(h + 12, type);
	return wrap(p, n, h, sizeof(h));
}

static inline size_t sll(uint8_t *p, size_t n, unsigned pkttype, unsigned hatype, unsigned type)
{
	uint8_t h[16] = {0};

	put16(h, pkttype);
	put16(h + 2, hatype);
	put16(h + 4, 6);
	put16(h + 14, type);
	return wrap(p, n, h, sizeof(h));
}

static inline size_t sll2(uint8_t *p, size_t n, unsigned pkttype, unsigned hatype, unsigned type)
{
	uint8_t h[20] = {0};

	put16(h, type);
	h[7] = 3; /* ifindex */
	put16(h + 8, hatype);
	h[10] = (uint8_t)pkttype;
	h[11] = 6;
	return wrap(p, n, h, sizeof(h));
}

#endif
