/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcap.c - `whatif pcap=FILE`: a capture through the reference matcher,
 * counted per rule.  Frames that cannot be decoded are counted, the first
 * one named, and never stop the run; a file that cannot be read on ends
 * the run with what was read, and the command fails after printing it.
 */
#include "classify.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static bool dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

static void note_malformed(struct ipp_pcap_stats *s, const char *why)
{
	s->malformed++;
	if (!s->first_malformed[0])
		snprintf(s->first_malformed, sizeof(s->first_malformed), "packet %llu: %s",
			 (unsigned long long)s->packets, why ? why : "malformed");
}

/*
 * Decide direction: the host's addresses first, then what the capture
 * recorded, then a group destination (received); loopback traffic is the
 * host's own whatever its addresses.
 */
static bool direction(struct ipp_packet *p, enum ipp_linkdir ld, const struct ipp_localaddrs *me,
		      const struct ipp_localaddrs *bcast)
{
	if ((p->loopback || ipp_ip_is_loopback(p->family, p->dst)) && ld != IPP_LINKDIR_OUT)
		p->dir = IPP_DIR_IN;
	else if (ipp_localaddrs_has(me, p->family, p->dst))
		p->dir = IPP_DIR_IN;
	else if (ipp_localaddrs_has(me, p->family, p->src))
		p->dir = IPP_DIR_OUT;
	else if (ld == IPP_LINKDIR_IN)
		p->dir = IPP_DIR_IN;
	else if (ld == IPP_LINKDIR_OUT)
		p->dir = IPP_DIR_OUT;
	else if (ipp_group_address(p->family, p->dst, bcast))
		p->dir = IPP_DIR_IN;
	else
		return false;
	return true;
}

static void count(struct ipp_pcap_stats *s, const struct ipp_verdict *v)
{
	struct ipp_pcap_rule *r = NULL;

	if (v->sf != IPP_NO_FILTER && v->rule < s->nrules)
		r = &s->rules[v->rule];
	switch (v->kind) {
	case IPP_VERDICT_NONE:
		s->none++;
		break;
	case IPP_VERDICT_EXEMPT_LOOPBACK:
		s->exempt_loopback++;
		break;
	case IPP_VERDICT_EXEMPT_IKE:
		s->exempt_ike++;
		break;
	case IPP_VERDICT_EXEMPT_IPSEC:
		s->exempt_ipsec++;
		break;
	case IPP_VERDICT_EXEMPT_ND:
		s->exempt_nd++;
		break;
	case IPP_VERDICT_EXEMPT_KERBEROS:
	case IPP_VERDICT_EXEMPT_RSVP:
	case IPP_VERDICT_EXEMPT_GROUP:
		s->exempt_default++;
		break;
	case IPP_VERDICT_MAPPED:
		s->mapped++;
		break;
	case IPP_VERDICT_PERMIT:
		if (r)
			r->permitted++;
		break;
	case IPP_VERDICT_BLOCK:
		if (r)
			r->blocked++;
		break;
	case IPP_VERDICT_NEGOTIATE:
		/* in the clear: dropped, or taken (inpass, soft) */
		if (r && v->accepted)
			r->clear_taken++;
		else if (r)
			r->negotiated++;
		break;
	}
}

int ipp_pcap_classify(const struct ipp_effective *eff, const char *path,
		      const struct ipp_localaddrs *me, const struct ipp_localaddrs *bcast,
		      struct ipp_pcap_stats *ret, struct ipp_error *err)
{
	return ipp_pcap_classify_ex(eff, path, me, bcast, 0, ret, err);
}

/*
 * One frame of link type @dlt through the matcher, counted in @s: @caplen
 * bytes captured of the @wirelen it had on the wire.
 */
static void frame(struct ipp_pcap_stats *s, int dlt, const uint8_t *data, uint32_t caplen,
		  uint32_t wirelen, const struct ipp_effective *eff,
		  const struct ipp_localaddrs *me, const struct ipp_localaddrs *bcast,
		  unsigned flags)
{
	enum ipp_decode_status st;
	enum ipp_linkdir ld;
	struct ipp_packet p;
	struct ipp_verdict v;
	const char *why;

	s->packets++;
	st = ipp_decode_frame_ex(dlt, data, caplen, wirelen, &p, &ld, &why);
	switch (st) {
	case IPP_DECODE_OK:
		break;
	case IPP_DECODE_NOT_IP:
		s->not_ip++;
		return;
	case IPP_DECODE_FRAGMENT:
		s->fragments++;
		return;
	case IPP_DECODE_LINKTYPE:
		s->linktype++;
		return;
	case IPP_DECODE_MALFORMED:
		note_malformed(s, why);
		return;
	}
	if (!direction(&p, ld, me, bcast)) {
		s->foreign++;
		return;
	}
	p.group = ipp_group_address(p.family, p.dst, bcast);
	if (ipp_classify_ex(eff, &p, me, IPP_CLASSIFY_NO_CANDIDATES | flags, &v) < 0) {
		note_malformed(s, "address family not classifiable");
		return;
	}
	s->classified++;
	if (p.dir == IPP_DIR_IN)
		s->inbound++;
	else
		s->outbound++;
	count(s, &v);
}

/*
 * Where the reading of a file stopped, and why: "after packet 17: ...", or,
 * with nothing read, "@first the first packet: ..." (a pcap file's first
 * record is its first packet's; a pcapng file's block may be an interface's
 * before it).
 */
static void stopped(struct ipp_pcap_stats *s, const char *first, const char *why)
{
	if (s->packets)
		snprintf(s->damaged, sizeof(s->damaged), "after packet %llu: %s",
			 (unsigned long long)s->packets, why);
	else
		snprintf(s->damaged, sizeof(s->damaged), "%s the first packet: %s", first, why);
}

static int rules_alloc(struct ipp_pcap_stats *s, const struct ipp_effective *eff,
		       struct ipp_error *err)
{
	if (eff && eff->nrules) {
		s->rules = calloc(eff->nrules, sizeof(*s->rules));
		if (!s->rules)
			return ipp_err(err, ENOMEM, "out of memory");
		s->nrules = eff->nrules;
	}
	return 0;
}

/* A pcapng file, read here: its interfaces may have link types of their own. */
static int run_pcapng(FILE *f, const struct ipp_effective *eff, const char *path,
		      const struct ipp_localaddrs *me, const struct ipp_localaddrs *bcast,
		      unsigned flags, struct ipp_pcap_stats *ret, struct ipp_error *err)
{
	struct ipp_pcap_stats s;
	struct ipp_pcapng *r = NULL;
	const uint8_t *data;
	uint32_t caplen;
	unsigned long long at;
	char why[200];
	int dlt, n;

	memset(&s, 0, sizeof(s));
	if ((n = rules_alloc(&s, eff, err)) < 0)
		return n;
	if (ipp_pcapng_open(f, &r) < 0) {
		ipp_pcap_stats_clear(&s);
		return ipp_err(err, ENOMEM, "out of memory");
	}
	while ((n = ipp_pcapng_next(r, &dlt, &data, &caplen, why, sizeof(why))) == 1)
		frame(&s, dlt, data, caplen, ipp_pcapng_wirelen(r), eff, me, bcast, flags);
	at = ipp_pcapng_offset(r);
	ipp_pcapng_close(r);
	if (n == -ENOMEM) {
		ipp_pcap_stats_clear(&s);
		return ipp_err(err, ENOMEM, "\"pcap=%s\": out of memory", path);
	}
	if (n < 0 && at == 0) {
		/* its first block is not a section header that can be read: not a capture */
		ipp_pcap_stats_clear(&s);
		return ipp_err(err, EINVAL, "\"pcap=%s\": %s", path, why);
	}
	if (n < 0)
		stopped(&s, "before", why);
	*ret = s;
	return 0;
}

int ipp_pcap_classify_ex(const struct ipp_effective *eff, const char *path,
			 const struct ipp_localaddrs *me, const struct ipp_localaddrs *bcast,
			 unsigned flags, struct ipp_pcap_stats *ret, struct ipp_error *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct ipp_pcap_stats s;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t head[4];
	pcap_t *pc;
	FILE *f;
	int dlt, n;

	memset(&s, 0, sizeof(s));
	errno = 0;
	f = fopen(path, "rb");
	if (f && fread(head, 1, sizeof(head), f) == sizeof(head) && ipp_pcapng_magic(head)) {
		rewind(f);
		n = run_pcapng(f, eff, path, me, bcast, flags, ret, err);
		fclose(f);
		return n;
	}
	if (f)
		fclose(f);
	errno = 0;
	pc = pcap_open_offline(path, errbuf);
	if (!pc)
		return ipp_err(err, errno ? errno : EINVAL, "\"pcap=%s\": %s", path, errbuf);
	dlt = pcap_datalink(pc);
	if (!dlt_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);

		pcap_close(pc);
		return ipp_err(err, ENOTSUP,
			       "\"pcap=%s\": link type %d (%s) not supported; expected "
			       "Ethernet, Linux cooked (SLL, SLL2), raw IP or BSD loopback",
			       path, dlt, name ? name : "unknown");
	}
	if ((n = rules_alloc(&s, eff, err)) < 0) {
		pcap_close(pc);
		return n;
	}
	while ((n = pcap_next_ex(pc, &h, &data)) == 1)
		frame(&s, dlt, data, h->caplen, h->len, eff, me, bcast, flags);
	if (n == PCAP_ERROR)
		/* cut short, or a record libpcap refuses: keep what was read, say where */
		stopped(&s, "at", pcap_geterr(pc));
	pcap_close(pc);
	*ret = s;
	return 0;
}

void ipp_pcap_stats_clear(struct ipp_pcap_stats *s)
{
	if (!s)
		return;
	free(s->rules);
	s->rules = NULL;
	s->nrules = 0;
}

static void row(FILE *out, const char *name, uint64_t p, uint64_t b, uint64_t n, uint64_t c)
{
	fprintf(out, "  %-60s %10llu %10llu %10llu %10llu\n", name, (unsigned long long)p,
		(unsigned long long)b, (unsigned long long)n, (unsigned long long)c);
}

void ipp_pcap_stats_print(FILE *out, const struct ipp_effective *eff,
			  const struct ipp_pcap_stats *s)
{
	uint64_t tp = 0, tb = 0, tn = 0, tc = 0;
	size_t i;

	fprintf(out, "Packets:     %llu read, %llu classified (%llu inbound, %llu outbound)\n",
		(unsigned long long)s->packets, (unsigned long long)s->classified,
		(unsigned long long)s->inbound, (unsigned long long)s->outbound);
	fprintf(out,
		"Skipped:     %llu not IP, %llu non-first fragments, %llu neither from nor to this "
		"host, %llu malformed\n",
		(unsigned long long)s->not_ip, (unsigned long long)s->fragments,
		(unsigned long long)s->foreign, (unsigned long long)s->malformed);
	if (s->linktype)
		fprintf(out, "Skipped:     %llu of an interface whose link type is not read\n",
			(unsigned long long)s->linktype);
	if (s->first_malformed[0])
		fprintf(out, "First malformed: %s\n", s->first_malformed);
	/* negotiated: left to IKE, dropped in the clear; clear ok: taken in the clear (inpass
	 * inbound, soft) */
	fprintf(out, "  %-60s %10s %10s %10s %10s\n", "", "permitted", "blocked", "negotiated",
		"clear ok");
	row(out, "no filter matched", s->none, 0, 0, 0);
	row(out, "exempt: loopback", s->exempt_loopback, 0, 0, 0);
	row(out, "exempt: IKE (UDP 500/4500)", s->exempt_ike, 0, 0, 0);
	row(out, "exempt: IPsec (ESP, AH)", s->exempt_ipsec, 0, 0, 0);
	row(out, "exempt: IPv6 neighbour discovery, packet too big", s->exempt_nd, 0, 0, 0);
	if (s->exempt_default)
		row(out, "exempt: ipsecexempt (Kerberos, RSVP, group)", s->exempt_default, 0, 0, 0);
	if (s->mapped)
		row(out, "IPv4-mapped address (never on the wire)", 0, s->mapped, 0, 0);
	tp = s->none + s->exempt_loopback + s->exempt_ike + s->exempt_ipsec + s->exempt_nd +
	     s->exempt_default;
	tb = s->mapped;
	for (i = 0; i < s->nrules && eff; i++) {
		const struct ipp_pcap_rule *r = &s->rules[i];
		char name[IPP_NAME_MAX * 2 + 32];

		if (!r->permitted && !r->blocked && !r->negotiated && !r->clear_taken)
			continue;
		snprintf(name, sizeof(name), "rule \"%s\" of policy \"%s\"", eff->rules[i].rule,
			 eff->rules[i].policy);
		row(out, name, r->permitted, r->blocked, r->negotiated, r->clear_taken);
		tp += r->permitted;
		tb += r->blocked;
		tn += r->negotiated;
		tc += r->clear_taken;
	}
	row(out, "total", tp, tb, tn, tc);
}
