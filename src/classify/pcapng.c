/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapng.c - the packets of a pcapng file, each with the link type of its
 * own interface.  libpcap reads one link type per file and stops at the
 * description of an interface of another type; a capture taken on an
 * Ethernet interface and a tunnel (raw IP) at once is common on the hosts
 * whatif serves.  Blocks are read as the pcapng specification
 * (draft-ietf-opsawg-pcapng) lays them out: section headers (either byte
 * order), interface descriptions, enhanced, simple and (obsolete) packet
 * blocks; other blocks are skipped.  Every length, an option's too, is
 * checked against the block that holds it; a block that does not add up
 * ends the reading with its offset named.
 */
#include "classify.h"

#include <errno.h>
#include <pcap/dlt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0AU
#define BT_IDB 1U
#define BT_PB 2U /* obsolete packet block */
#define BT_SPB 3U
#define BT_EPB 6U
#define BOM 0x1A2B3C4DU
#define BLOCK_MIN 12U	      /* type, two lengths */
#define BLOCK_MAX (16U << 20) /* as libpcap: a longer block is not a capture's */
#define SHB_MIN 28U	      /* and byte-order magic, version, section length */
#define IDB_MIN 20U	      /* and link type, reserved, snapshot length */
#define PB_MIN 32U	      /* and interface, time stamp, both lengths */
#define SPB_MIN 16U	      /* and the packet's length */

struct ipp_pcapng {
	FILE *f;
	unsigned long long off; /* of the next block */
	bool swap;		/* the section's byte order is not ours */
	bool section;		/* a section header was read */
	struct {
		int dlt;
		uint32_t snaplen;
	} * ifs;
	size_t nifs, capifs;
	uint8_t *buf;
	size_t cap;
	uint32_t wirelen; /* of the packet given last */
};

bool ipp_pcapng_magic(const uint8_t head[4])
{
	uint32_t t;

	memcpy(&t, head, 4);
	return t == BT_SHB;
}

static uint32_t u32(const struct ipp_pcapng *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint16_t u16(const struct ipp_pcapng *r, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return r->swap ? __builtin_bswap16(v) : v;
}

int ipp_pcapng_open(FILE *f, struct ipp_pcapng **ret)
{
	struct ipp_pcapng *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->f = f;
	*ret = r;
	return 0;
}

unsigned long long ipp_pcapng_offset(const struct ipp_pcapng *r)
{
	return r->off;
}

uint32_t ipp_pcapng_wirelen(const struct ipp_pcapng *r)
{
	return r->wirelen;
}

void ipp_pcapng_close(struct ipp_pcapng *r)
{
	if (!r)
		return;
	free(r->ifs);
	free(r->buf);
	free(r);
}

static int damaged(const struct ipp_pcapng *r, char *why, size_t len, const char *what)
{
	snprintf(why, len, "the block at offset %llu: %s", r->off, what);
	return -1;
}

static int __attribute__((format(printf, 4, 5)))
damagedf(const struct ipp_pcapng *r, char *why, size_t len, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return damaged(r, why, len, what);
}

/*
 * The options of a block (@kind: "section header"), the @n bytes at @p:
 * each a code, a length and a value padded to 4 bytes, up to the
 * end-of-options or the end of the block.  A value that runs past the block
 * means its lengths cannot be trusted: the block does not add up.  (The
 * options area of every block read is a multiple of 4 bytes long: its
 * block's length is, and what comes before it is padded.)
 */
static int options(const struct ipp_pcapng *r, const char *kind, const uint8_t *p, size_t n,
		   char *why, size_t len)
{
	while (n >= 4) {
		unsigned code = u16(r, p), olen = u16(r, p + 2);
		size_t padded = ((size_t)olen + 3) & ~(size_t)3;

		if (code == 0) /* opt_endofopt */
			return 0;
		if (padded > n - 4)
			return damagedf(r, why, len,
					"an option of the %s (code %u, %u bytes) runs past the end "
					"of the block (%zu bytes left)",
					kind, code, olen, n - 4);
		p += 4 + padded;
		n -= 4 + padded;
	}
	return 0;
}

/* Read @n bytes: 1, 0 at the end of the file before the first byte, -1 cut short. */
static int read_all(struct ipp_pcapng *r, void *p, size_t n)
{
	size_t got = fread(p, 1, n, r->f);

	if (got == n)
		return 1;
	return got == 0 && feof(r->f) ? 0 : -1;
}

/*
 * A file's link type (LINKTYPE_*) as libpcap's programs know it (DLT_*):
 * equal but for the few that differ between systems.
 */
static int dlt_of(unsigned linktype)
{
	switch (linktype) {
	case 101: /* LINKTYPE_RAW */
		return DLT_RAW;
	case 108: /* LINKTYPE_LOOP */
		return DLT_LOOP;
	default:
		return (int)linktype;
	}
}

static int add_if(struct ipp_pcapng *r, int dlt, uint32_t snaplen)
{
	if (r->nifs == r->capifs) {
		size_t c = r->capifs ? r->capifs * 2 : 4;
		void *n = realloc(r->ifs, c * sizeof(*r->ifs));

		if (!n)
			return -ENOMEM;
		r->ifs = n;
		r->capifs = c;
	}
	r->ifs[r->nifs].dlt = dlt;
	r->ifs[r->nifs].snaplen = snaplen;
	r->nifs++;
	return 0;
}

int ipp_pcapng_next(struct ipp_pcapng *r, int *dlt, const uint8_t **data, uint32_t *caplen,
		    char *why, size_t len)
{
	uint8_t head[12];
	int k;

	for (;;) {
		uint32_t type, total, body, iface, n;
		const uint8_t *b;

		k = read_all(r, head, 8);
		if (k == 0)
			return 0;
		if (k < 0)
			return damaged(r, why, len, "cut short in its header");
		memcpy(&type, head, 4);
		if (type == BT_SHB) {
			uint32_t bom;

			/* the byte order is the section's own: read before its length */
			if (read_all(r, head + 8, 4) <= 0)
				return damaged(r, why, len, "a section header cut short");
			memcpy(&bom, head + 8, 4);
			if (bom == BOM)
				r->swap = false;
			else if (bom == __builtin_bswap32(BOM))
				r->swap = true;
			else
				return damaged(r, why, len,
					       "a section header without the byte-order magic");
			r->section = true;
			r->nifs = 0; /* interfaces are numbered per section */
		} else if (!r->section) {
			return damaged(r, why, len, "not a section header (not a pcapng file)");
		} else {
			type = u32(r, head);
		}
		total = u32(r, head + 4);
		if (total < BLOCK_MIN)
			return damagedf(r, why, len,
					"a block length of %u bytes, below the minimum of %u bytes",
					total, BLOCK_MIN);
		if (total % 4)
			return damagedf(r, why, len,
					"a block length of %u bytes, not a multiple of 4", total);
		if (total > BLOCK_MAX)
			return damagedf(r, why, len,
					"a block length of %u bytes, over the limit of %u bytes",
					total, BLOCK_MAX);
		if (r->cap < total) {
			uint8_t *nb = realloc(r->buf, total);

			if (!nb)
				return -ENOMEM;
			r->buf = nb;
			r->cap = total;
		}
		memcpy(r->buf, head, type == BT_SHB ? 12 : 8);
		if (type == BT_SHB && total < SHB_MIN)
			return damagedf(
			    r, why, len,
			    "a section header of %u bytes, below the minimum of %u bytes", total,
			    SHB_MIN);
		if (read_all(r, r->buf + (type == BT_SHB ? 12 : 8),
			     total - (type == BT_SHB ? 12 : 8)) <= 0)
			return damaged(r, why, len, "cut short");
		if (u32(r, r->buf + total - 4) != total)
			return damaged(r, why, len, "its two lengths differ");
		b = r->buf + 8;
		body = total - 12;
		if (type == BT_SHB && u16(r, b + 4) != 1) {
			char what[96];

			snprintf(what, sizeof(what), "a section of pcapng version %u (1 is read)",
				 u16(r, b + 4));
			return damaged(r, why, len, what);
		}
		switch (type) {
		case BT_SHB:
			if (options(r, "section header", b + 16, body - 16, why, len) < 0)
				return -1;
			r->off += total;
			continue;
		case BT_IDB:
			if (total < IDB_MIN)
				return damagedf(r, why, len,
						"an interface block of %u bytes, below the minimum "
						"of %u bytes",
						total, IDB_MIN);
			if (options(r, "interface block", b + 8, body - 8, why, len) < 0)
				return -1;
			if (add_if(r, dlt_of(u16(r, b)), u32(r, b + 4)) < 0)
				return -ENOMEM;
			r->off += total;
			continue;
		case BT_EPB:
		case BT_PB:
			if (total < PB_MIN)
				return damagedf(r, why, len,
						"a packet block of %u bytes, below the minimum of "
						"%u bytes",
						total, PB_MIN);
			iface = type == BT_EPB ? u32(r, b) : u16(r, b);
			n = u32(r, b + 12);
			if (n > body - 20)
				return damagedf(r, why, len,
						"a packet of %u bytes longer than its block (%u "
						"bytes of room)",
						n, body - 20);
			/* the packet is padded to 4 bytes; the options follow */
			if (options(r, "packet block", b + 20 + ((n + 3) & ~3U),
				    body - 20 - ((n + 3) & ~3U), why, len) < 0)
				return -1;
			r->wirelen = u32(r, b + 16);
			b += 20;
			break;
		case BT_SPB:
			if (total < SPB_MIN)
				return damagedf(r, why, len,
						"a packet block of %u bytes, below the minimum of "
						"%u bytes",
						total, SPB_MIN);
			iface = 0;
			n = u32(r, b); /* the length on the wire: what was kept is the block's */
			r->wirelen = n;
			if (n > body - 4)
				n = body - 4;
			if (r->nifs && r->ifs[0].snaplen && n > r->ifs[0].snaplen)
				n = r->ifs[0].snaplen;
			b += 4;
			break;
		default:
			/* statistics, name resolution, custom blocks */
			r->off += total;
			continue;
		}
		if (iface >= r->nifs) {
			char what[96];

			snprintf(what, sizeof(what),
				 "a packet of interface %u, which is not described", iface);
			return damaged(r, why, len, what);
		}
		r->off += total;
		*dlt = r->ifs[iface].dlt;
		*data = b;
		*caplen = n;
		return 1;
	}
}
