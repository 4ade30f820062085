/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * classify.c - the reference matcher: a linear scan over every specific
 * filter, the winner chosen by DESIGN's order.  Deliberately simple: it is
 * the yardstick the compiled ruleset is measured against, so it shares no
 * code with the compiler, and recomputes weights from the selectors.
 */
#include "classify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../common/hostaddr.h"

#define IKE_PORT 500
#define IKE_NATT_PORT 4500
#define KERBEROS_PORT 88

const char *ipp_dir_name(enum ipp_dir d)
{
	return d == IPP_DIR_OUT ? "outbound" : "inbound";
}

static size_t alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* ---------- local addresses ---------- */

int ipp_localaddrs_add(struct ipp_localaddrs *m, int family, const uint8_t ip[16])
{
	struct ipp_localaddr *v;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (ipp_localaddrs_has(m, family, ip))
		return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;

		v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	v = &m->v[m->n++];
	memset(v, 0, sizeof(*v));
	v->family = (uint8_t)family;
	memcpy(v->ip, ip, alen(family));
	return 0;
}

/* Parse a bare IPv4 or IPv6 address (an IPv6 zone "%eth0" is dropped) into @ip. */
static int parse_ip(const char *s, int *ret_family, uint8_t ip[16])
{
	char tmp[INET6_ADDRSTRLEN + 32];
	char *pct;

	if (!s || strlen(s) >= sizeof(tmp))
		return -EINVAL;
	strcpy(tmp, s);
	pct = strchr(tmp, '%');
	if (pct)
		*pct = '\0';
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, tmp, ip) == 1) {
		*ret_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, ip) == 1) {
		*ret_family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int ipp_localaddrs_add_str(struct ipp_localaddrs *m, const char *s, struct ipp_error *err)
{
	uint8_t ip[16];
	int family, r;

	if (parse_ip(s, &family, ip) < 0)
		return ipp_err(err, EINVAL, "\"%s\" is not an IPv4 or IPv6 address", s ? s : "");
	r = ipp_localaddrs_add(m, family, ip);
	if (r < 0)
		return ipp_err(err, -r, "cannot add local address \"%s\"", s);
	return 0;
}

/* The addresses of interface address @i: its own. */
static int ifa_own(struct ipp_localaddrs *m, const struct ifaddrs *i)
{
	uint8_t ip[16] = {0};

	if (!i->ifa_addr)
		return 0;
	if (i->ifa_addr->sa_family == AF_INET) {
		memcpy(ip, &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr, 4);
		return ipp_localaddrs_add(m, AF_INET, ip);
	}
	if (i->ifa_addr->sa_family == AF_INET6) {
		memcpy(ip, &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr,
		       16);
		return ipp_localaddrs_add(m, AF_INET6, ip);
	}
	return 0;
}

/* The IPv4 broadcast addresses of interface address @i (ipp_ifa_broadcasts()). */
static int ifa_broadcasts(struct ipp_localaddrs *m, const struct ifaddrs *i)
{
	uint8_t bc[2][4], ip[16] = {0};
	size_t n = ipp_ifa_broadcasts(i, bc), k;
	int r = 0;

	for (k = 0; k < n && r == 0; k++) {
		memcpy(ip, bc[k], 4);
		r = ipp_localaddrs_add(m, AF_INET, ip);
	}
	return r;
}

/* What @fn gives of every interface address of the current network namespace, into @m. */
static int from_ifaddrs(struct ipp_localaddrs *m,
			int (*fn)(struct ipp_localaddrs *, const struct ifaddrs *),
			const char *what, struct ipp_error *err)
{
	struct ifaddrs *ifa, *i;
	int r = 0;

	if (getifaddrs(&ifa) < 0)
		return ipp_err(err, errno, "cannot list the host's addresses: %s", strerror(errno));
	for (i = ifa; i && r == 0; i = i->ifa_next)
		r = fn(m, i);
	freeifaddrs(ifa);
	if (r < 0)
		return ipp_err(err, -r, "cannot record the host's %s", what);
	return 0;
}

static int add_anycast(const uint8_t ip[16], void *ctx)
{
	return ipp_localaddrs_add(ctx, AF_INET6, ip);
}

int ipp_localaddrs_from_system(struct ipp_localaddrs *m, struct ipp_error *err)
{
	int r = from_ifaddrs(m, ifa_own, "addresses", err);

	/* (the anycast addresses too: the kernel delivers to them, "me" matches them) */
	if (r == 0 && (r = ipp_anycast6_each(add_anycast, m)) < 0)
		r = ipp_err(err, -r, "cannot record the host's anycast addresses");
	return r;
}

int ipp_localaddrs_broadcasts(struct ipp_localaddrs *m, struct ipp_error *err)
{
	return from_ifaddrs(m, ifa_broadcasts, "broadcast addresses", err);
}

bool ipp_group_address(int family, const uint8_t dst[16], const struct ipp_localaddrs *bcast)
{
	return ipp_ip_is_group(family, dst) ||
	       (family == AF_INET && ipp_localaddrs_has(bcast, AF_INET, dst));
}

bool ipp_localaddrs_has(const struct ipp_localaddrs *m, int family, const uint8_t ip[16])
{
	size_t i;

	if (!m)
		return false;
	for (i = 0; i < m->n; i++)
		if (m->v[i].family == family && memcmp(m->v[i].ip, ip, alen(family)) == 0)
			return true;
	return false;
}

const struct ipp_localaddr *ipp_localaddrs_first(const struct ipp_localaddrs *m, int family)
{
	size_t i;

	if (!m)
		return NULL;
	for (i = 0; i < m->n; i++)
		if (m->v[i].family == family && !ipp_ip_is_loopback(family, m->v[i].ip))
			return &m->v[i];
	return NULL;
}

void ipp_localaddrs_clear(struct ipp_localaddrs *m)
{
	if (!m)
		return;
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

/* ---------- matching ---------- */

static bool addr_match(const struct ipp_addr *a, int family, const uint8_t ip[16],
		       const struct ipp_localaddrs *me)
{
	unsigned maxlen = family == AF_INET6 ? 128 : 32;

	switch (a->kind) {
	case IPP_ADDR_ANY:
		return true;
	case IPP_ADDR_ME:
		return ipp_localaddrs_has(me, family, ip);
	case IPP_ADDR_IP:
		if (a->family != family)
			return false;
		return ipp_prefix_equal(a->ip, ip, a->plen > maxlen ? maxlen : a->plen);
	case IPP_ADDR_RANGE:
		if (a->family != family)
			return false;
		return memcmp(ip, a->ip, alen(family)) >= 0 &&
		       memcmp(ip, a->ip_end, alen(family)) <= 0;
	default:
		/* server types are expanded before filters reach the matcher */
		return false;
	}
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

bool ipp_classify_match(const struct ipp_sfilter *f, const struct ipp_packet *pkt,
			const struct ipp_localaddrs *me)
{
	if (f->protocol != IPP_PROTO_ANY && f->protocol != pkt->proto)
		return false;
	/* a filter of one direction (a dynamic rule's actioninbound or actionoutbound) */
	if ((f->dir == IPP_SF_IN && pkt->dir != IPP_DIR_IN) ||
	    (f->dir == IPP_SF_OUT && pkt->dir != IPP_DIR_OUT))
		return false;
	if ((f->srcport || f->dstport) && !has_ports(pkt->proto))
		return false;
	if (f->srcport && f->srcport != pkt->sport)
		return false;
	if (f->dstport && f->dstport != pkt->dport)
		return false;
	/* outbound, every packet is from me, whatever source it claims (the output hook
	 * sees only what this host sends), but one from no address; inbound, every packet is to me
	 * (the input hook sees only what this host takes: a local route of another table, a
	 * transparent proxy) but one to a broadcast or multicast address */
	return ((f->src.kind == IPP_ADDR_ME && pkt->dir == IPP_DIR_OUT &&
		 !ipp_ip_is_unspecified(pkt->family, pkt->src)) ||
		addr_match(&f->src, pkt->family, pkt->src, me)) &&
	       ((f->dst.kind == IPP_ADDR_ME && pkt->dir == IPP_DIR_IN && !pkt->group &&
		 !ipp_group_address(pkt->family, pkt->dst, NULL)) ||
		addr_match(&f->dst, pkt->family, pkt->dst, me));
}

/* ---------- weights and order ---------- */

/* Number of leading bits @a and @b of @n bytes have in common. */
static unsigned common_prefix(const uint8_t *a, const uint8_t *b, size_t n)
{
	unsigned bits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t x = a[i] ^ b[i];

		if (x == 0) {
			bits += 8;
			continue;
		}
		while (!(x & 0x80)) {
			bits++;
			x <<= 1;
		}
		break;
	}
	return bits;
}

uint32_t ipp_classify_addr_weight(const struct ipp_addr *a)
{
	unsigned plen;

	switch (a->kind) {
	case IPP_ADDR_ANY:
		return 0;
	case IPP_ADDR_IP:
		plen = a->plen;
		break;
	case IPP_ADDR_RANGE:
		plen = common_prefix(a->ip, a->ip_end, alen(a->family));
		break;
	default: /* me and server types expand to hosts */
		return 32;
	}
	if (a->family == AF_INET6)
		return (plen > 128 ? 128 : plen) / 4;
	return plen > 32 ? 32 : plen;
}

uint32_t ipp_classify_addr_rest(const struct ipp_addr *a)
{
	unsigned plen;

	if (a->family != AF_INET6)
		return 0;
	if (a->kind == IPP_ADDR_IP)
		plen = a->plen;
	else if (a->kind == IPP_ADDR_RANGE)
		plen = common_prefix(a->ip, a->ip_end, alen(a->family));
	else
		return 0;
	return (plen > 128 ? 128 : plen) % 4;
}

uint32_t ipp_classify_weight(const struct ipp_sfilter *f)
{
	uint32_t w;

	/* in quarters of a scaled prefix length: IPv6 lengths exactly */
	w = (4 * (ipp_classify_addr_weight(&f->src) + ipp_classify_addr_weight(&f->dst)) +
	     ipp_classify_addr_rest(&f->src) + ipp_classify_addr_rest(&f->dst))
	    << 14;
	if (f->protocol != IPP_PROTO_ANY)
		w |= 1u << 8;
	if (f->srcport)
		w |= 1u << 1;
	if (f->dstport)
		w |= 1u;
	return w;
}

/* block 0, negotiate 1, permit 2: lower wins a tie (errs closed). */
static const char *clear_word(uint8_t clear)
{
	return clear == 0 ? "negotiate without clear packets"
	       : clear == 1 ? "negotiate with inbound passthrough"
			    : "negotiate with fallback to clear";
}

static int rank(enum ipp_action a)
{
	switch (a) {
	case IPP_ACTION_BLOCK:
		return 0;
	case IPP_ACTION_NEGOTIATE:
		return 1;
	default:
		return 2;
	}
}

int ipp_classify_cmp(const struct ipp_sfilter *a, uint32_t wa, size_t ia,
		     const struct ipp_sfilter *b, uint32_t wb, size_t ib)
{
	if (wa != wb)
		return wa > wb ? -1 : 1;
	if (rank(a->action) != rank(b->action))
		return rank(a->action) < rank(b->action) ? -1 : 1;
	/* negotiate: stricter first (inpass accepts clear packets in, soft both ways) */
	if (a->clear != b->clear)
		return a->clear < b->clear ? -1 : 1;
	if (a->origin != b->origin)
		return a->origin < b->origin ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (ia != ib)
		return ia < ib ? -1 : 1;
	return 0;
}

static int cand_cmp(const void *x, const void *y, void *ctx)
{
	const struct ipp_effective *eff = ctx;
	const struct ipp_candidate *a = x, *b = y;

	return ipp_classify_cmp(&eff->sf[a->sf], a->weight, a->sf, &eff->sf[b->sf], b->weight,
				b->sf);
}

/* ---------- the verdict ---------- */

const char *ipp_verdict_kind_name(enum ipp_verdict_kind k)
{
	switch (k) {
	case IPP_VERDICT_NONE:
		return "no filter matched";
	case IPP_VERDICT_EXEMPT_LOOPBACK:
		return "exempt (loopback)";
	case IPP_VERDICT_EXEMPT_IKE:
		return "exempt (IKE)";
	case IPP_VERDICT_EXEMPT_IPSEC:
		return "exempt (IPsec)";
	case IPP_VERDICT_EXEMPT_ND:
		return "exempt (neighbour discovery)";
	case IPP_VERDICT_EXEMPT_KERBEROS:
		return "exempt (Kerberos)";
	case IPP_VERDICT_EXEMPT_RSVP:
		return "exempt (RSVP)";
	case IPP_VERDICT_EXEMPT_GROUP:
		return "exempt (multicast or broadcast)";
	case IPP_VERDICT_MAPPED:
		return "IPv4-mapped address";
	case IPP_VERDICT_PERMIT:
		return "permit";
	case IPP_VERDICT_BLOCK:
		return "block";
	case IPP_VERDICT_NEGOTIATE:
		return "negotiate";
	}
	return "?";
}

/*
 * An IPv6 packet from an IPv4-mapped address (::ffff:0:0/96), or outbound to
 * one: no such packet is on the wire; the table drops it (a dual-stack
 * socket would take it for the IPv4 host's).
 */
static bool is_mapped(const struct ipp_packet *p)
{
	return p->family == AF_INET6 &&
	       (ipp_ip_is_mapped(p->src) || (p->dir == IPP_DIR_OUT && ipp_ip_is_mapped(p->dst)));
}

static bool is_loopback_packet(const struct ipp_packet *p, const struct ipp_localaddrs *me)
{
	if (p->loopback)
		return true;
	if (ipp_ip_is_loopback(p->family, p->src) || ipp_ip_is_loopback(p->family, p->dst))
		return true;
	/* a packet between two local addresses is routed over the loopback interface */
	if (p->dir == IPP_DIR_OUT)
		return ipp_localaddrs_has(me, p->family, p->dst);
	return ipp_localaddrs_has(me, p->family, p->src);
}

/* To the IKE daemon's ports inbound, from them outbound; nothing else. */
static bool is_ike(const struct ipp_packet *p)
{
	uint16_t port = p->dir == IPP_DIR_IN ? p->dport : p->sport;

	if (p->proto != IPPROTO_UDP)
		return false;
	return port == IKE_PORT || port == IKE_NATT_PORT;
}

unsigned ipp_classify_exempt_flags(unsigned v)
{
	/* Windows' NoDefaultExempt: 0 all, 1 not Kerberos and RSVP, 2 not multicast and
	 * broadcast, 3 IKE only (written apart from the compiler's reading, as the rest) */
	return (v == 0 || v == 2 ? IPP_CLASSIFY_EXEMPT_KERBEROS_RSVP : 0u) |
	       (v == 0 || v == 1 ? IPP_CLASSIFY_EXEMPT_GROUP : 0u);
}

static bool is_kerberos(const struct ipp_packet *p)
{
	return (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) &&
	       (p->sport == KERBEROS_PORT || p->dport == KERBEROS_PORT);
}

/* (TCP is never sent to a group: the kernel's exemption is not in the TCP walk) */
static bool is_group(const struct ipp_packet *p)
{
	return p->proto != IPPROTO_TCP && (p->group || ipp_group_address(p->family, p->dst, NULL));
}

static bool is_ipsec(const struct ipp_packet *p)
{
	return p->proto == IPPROTO_ESP || p->proto == IPPROTO_AH;
}

/*
 * Router and neighbour solicitations and advertisements, and the multicast
 * listener discovery they need (queries 130, reports 131 and 143, dones 132:
 * hop limit 1, a link-local or no source address), only from the link
 * itself.
 */
static bool is_nd(const struct ipp_packet *p)
{
	static const uint8_t unspec[16];
	bool mld_src =
	    (p->src[0] == 0xfe && (p->src[1] & 0xc0) == 0x80) || !memcmp(p->src, unspec, 16);

	if (p->family != AF_INET6 || p->proto != IPPROTO_ICMPV6)
		return false;
	/* (packet too big: path MTU discovery, from any router on the way) */
	if (p->icmp_type == 2)
		return true;
	if (p->icmp_type >= 133 && p->icmp_type <= 136)
		return p->hoplimit == 255;
	return (p->icmp_type == 130 || p->icmp_type == 131 || p->icmp_type == 132 ||
		p->icmp_type == 143) &&
	       p->hoplimit == 1 && mld_src;
}

static void set_outcome(const struct ipp_effective *eff, struct ipp_verdict *v,
			const struct ipp_packet *p)
{
	const struct ipp_filteraction *fa = NULL;
	bool clear = false;

	if (v->kind == IPP_VERDICT_NEGOTIATE && v->rule < eff->nrules) {
		fa = &eff->rules[v->rule].fa;
		/* inbound passthrough takes clear packets in; soft falls back to clear */
		clear = p->dir == IPP_DIR_IN ? fa->inpass || fa->soft : fa->soft;
	}
	switch (v->kind) {
	case IPP_VERDICT_NONE:
		v->accepted = true;
		v->text = "no filter matched: permitted";
		break;
	case IPP_VERDICT_EXEMPT_LOOPBACK:
		v->accepted = true;
		v->text = "exempt: loopback traffic is never filtered";
		break;
	case IPP_VERDICT_EXEMPT_IKE:
		v->accepted = true;
		v->text = "exempt: IKE (UDP to port 500/4500 inbound, from it outbound) is never "
			  "filtered";
		break;
	case IPP_VERDICT_EXEMPT_IPSEC:
		v->accepted = true;
		v->text = "exempt: the IPsec protocols (ESP, AH) are never filtered";
		break;
	case IPP_VERDICT_EXEMPT_ND:
		v->accepted = true;
		v->text = "exempt: IPv6 neighbour discovery and path MTU discovery are never "
			  "filtered";
		break;
	case IPP_VERDICT_EXEMPT_KERBEROS:
		v->accepted = true;
		v->text = "exempt: Kerberos (TCP or UDP from or to port 88) is not filtered "
			  "(ipsecexempt 0 or 2)";
		break;
	case IPP_VERDICT_EXEMPT_RSVP:
		v->accepted = true;
		v->text = "exempt: RSVP (protocol 46) is not filtered (ipsecexempt 0 or 2)";
		break;
	case IPP_VERDICT_EXEMPT_GROUP:
		v->accepted = true;
		v->text = "exempt: multicast and broadcast packets are not filtered (ipsecexempt "
			  "0 or 1)";
		break;
	case IPP_VERDICT_MAPPED:
		v->accepted = false;
		v->text = "dropped: an IPv4-mapped address (::ffff:0:0/96) is never on the wire";
		break;
	case IPP_VERDICT_PERMIT:
		v->accepted = true;
		v->text = "permit: permitted";
		break;
	case IPP_VERDICT_BLOCK:
		v->accepted = false;
		v->text = "block: dropped";
		break;
	case IPP_VERDICT_NEGOTIATE:
		v->accepted = p->secpath || clear;
		if (!p->secpath && clear)
			v->text = p->dir == IPP_DIR_IN
					  ? (fa->inpass ? "negotiate: inbound passthrough (inpass=yes): "
							  "clear packet accepted"
							: "negotiate: soft=yes: clear packet accepted "
							  "(fallback to clear)")
					  : "negotiate: soft=yes: sent in the clear (fallback to clear)";
		else if (p->dir == IPP_DIR_IN)
			v->text = p->secpath ? "negotiate: arrived through an IPsec SA: accepted"
					     : "negotiate: requires an IPsec SA; clear packet dropped";
		else
			v->text = p->secpath ? "negotiate: protected by an IPsec SA: sent"
					     : "negotiate: left to IKE (dropped until an SA exists)";
		break;
	}
}

int ipp_classify_ex(const struct ipp_effective *eff, const struct ipp_packet *pkt,
		    const struct ipp_localaddrs *me, unsigned flags, struct ipp_verdict *ret)
{
	struct ipp_verdict v = {.sf = IPP_NO_FILTER};
	bool want = !(flags & IPP_CLASSIFY_NO_CANDIDATES);
	size_t i, cap = 0;

	if (pkt->family != AF_INET && pkt->family != AF_INET6)
		return -EAFNOSUPPORT;

	if (is_loopback_packet(pkt, me)) {
		v.kind = IPP_VERDICT_EXEMPT_LOOPBACK;
	} else if (is_mapped(pkt)) {
		v.kind = IPP_VERDICT_MAPPED;
	} else if (!(flags & IPP_CLASSIFY_NO_EXEMPT_IKE) && is_ike(pkt)) {
		v.kind = IPP_VERDICT_EXEMPT_IKE;
	} else if (!(flags & IPP_CLASSIFY_NO_EXEMPT_IPSEC) && is_ipsec(pkt)) {
		v.kind = IPP_VERDICT_EXEMPT_IPSEC;
	} else if (!(flags & IPP_CLASSIFY_NO_EXEMPT_ND) && is_nd(pkt)) {
		v.kind = IPP_VERDICT_EXEMPT_ND;
	} else if ((flags & IPP_CLASSIFY_EXEMPT_KERBEROS_RSVP) && pkt->proto == IPPROTO_RSVP) {
		v.kind = IPP_VERDICT_EXEMPT_RSVP;
	} else if ((flags & IPP_CLASSIFY_EXEMPT_KERBEROS_RSVP) && is_kerberos(pkt)) {
		v.kind = IPP_VERDICT_EXEMPT_KERBEROS;
	} else if ((flags & IPP_CLASSIFY_EXEMPT_GROUP) && is_group(pkt)) {
		v.kind = IPP_VERDICT_EXEMPT_GROUP;
	} else {
		for (i = 0; eff && i < eff->nsf; i++) {
			const struct ipp_sfilter *f = &eff->sf[i];
			uint32_t w;

			if (!ipp_classify_match(f, pkt, me))
				continue;
			/* the rule's connection type: all, or the kind of interface */
			if (f->rule < eff->nrules &&
			    ((eff->rules[f->rule].conntype == IPP_CONN_LAN && pkt->dialup) ||
			     (eff->rules[f->rule].conntype == IPP_CONN_DIALUP && !pkt->dialup)))
				continue;
			w = ipp_classify_weight(f);
			if (want) {
				if (v.ncand == cap) {
					struct ipp_candidate *c;

					cap = cap ? cap * 2 : 8;
					c = realloc(v.cand, cap * sizeof(*c));
					if (!c) {
						free(v.cand);
						return -ENOMEM;
					}
					v.cand = c;
				}
				v.cand[v.ncand].sf = i;
				v.cand[v.ncand].weight = w;
				v.ncand++;
			}
			if (v.sf == IPP_NO_FILTER ||
			    ipp_classify_cmp(f, w, i, &eff->sf[v.sf], v.weight, v.sf) < 0) {
				v.sf = i;
				v.weight = w;
			}
		}
		if (v.ncand > 1)
			qsort_r(v.cand, v.ncand, sizeof(*v.cand), cand_cmp, (void *)eff);
		if (v.sf == IPP_NO_FILTER) {
			v.kind = IPP_VERDICT_NONE;
		} else {
			v.action = eff->sf[v.sf].action;
			v.rule = eff->sf[v.sf].rule;
			v.kind = v.action == IPP_ACTION_BLOCK       ? IPP_VERDICT_BLOCK
				 : v.action == IPP_ACTION_NEGOTIATE ? IPP_VERDICT_NEGOTIATE
								    : IPP_VERDICT_PERMIT;
		}
	}
	set_outcome(eff, &v, pkt);
	*ret = v;
	return 0;
}

int ipp_classify(const struct ipp_effective *eff, const struct ipp_packet *pkt,
		 const struct ipp_localaddrs *me, struct ipp_verdict *ret)
{
	return ipp_classify_ex(eff, pkt, me, 0, ret);
}

void ipp_verdict_clear(struct ipp_verdict *v)
{
	if (!v)
		return;
	free(v->cand);
	v->cand = NULL;
	v->ncand = 0;
}

/* ---------- explanations ---------- */

static const char *origin_name(enum ipp_origin o)
{
	switch (o) {
	case IPP_ORIGIN_PERSISTENT:
		return "persistent";
	case IPP_ORIGIN_ASSIGNED:
		return "domain/local";
	default:
		return "dynamic";
	}
}

void ipp_verdict_why(const struct ipp_effective *eff, const struct ipp_verdict *v, char *buf,
		     size_t len)
{
	const struct ipp_sfilter *a, *b;
	uint32_t wa, wb;

	if (len)
		buf[0] = '\0';
	if (!eff || v->ncand < 2)
		return;
	a = &eff->sf[v->cand[0].sf];
	b = &eff->sf[v->cand[1].sf];
	wa = v->cand[0].weight;
	wb = v->cand[1].weight;
	if (wa != wb)
		snprintf(buf, len, "higher weight (0x%08x > 0x%08x)", wa, wb);
	else if (rank(a->action) != rank(b->action))
		snprintf(buf, len, "equal weight 0x%08x, %s beats %s", wa,
			 ipp_action_name(a->action), ipp_action_name(b->action));
	else if (a->clear != b->clear)
		snprintf(buf, len, "equal weight, both negotiate: %s beats %s", clear_word(a->clear),
			 clear_word(b->clear));
	else if (a->origin != b->origin)
		snprintf(buf, len, "equal weight and action, %s beats %s", origin_name(a->origin),
			 origin_name(b->origin));
	else if (a->seq != b->seq)
		snprintf(buf, len, "equal weight, action and origin: the older filter wins");
	else
		snprintf(buf, len, "identical filters: the first listed wins");
}

/* An address's weight, IPv6 quarters included ("16", "16.50"). */
static void addr_weight_format(const struct ipp_addr *a, char *buf, size_t len)
{
	uint32_t rest = ipp_classify_addr_rest(a);

	if (rest)
		snprintf(buf, len, "%u.%02u", ipp_classify_addr_weight(a), rest * 25);
	else
		snprintf(buf, len, "%u", ipp_classify_addr_weight(a));
}

void ipp_weight_format(const struct ipp_sfilter *f, char *buf, size_t len)
{
	uint32_t w = ipp_classify_weight(f);
	char s[16], d[16];

	addr_weight_format(&f->src, s, sizeof(s));
	addr_weight_format(&f->dst, d, sizeof(d));
	snprintf(buf, len, "0x%08x (addresses %s+%s%s%s%s)", w, s, d,
		 f->protocol ? ", protocol" : "", f->srcport ? ", srcport" : "",
		 f->dstport ? ", dstport" : "");
}

static void ip_format(int family, const uint8_t ip[16], char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, ip, tmp, sizeof(tmp)))
		strcpy(tmp, "?");
	snprintf(buf, len, "%s", tmp);
}

static void addr_format(const struct ipp_addr *a, char *buf, size_t len)
{
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];

	switch (a->kind) {
	case IPP_ADDR_ANY:
		snprintf(buf, len, "any");
		break;
	case IPP_ADDR_ME:
		snprintf(buf, len, "me");
		break;
	case IPP_ADDR_IP:
		ip_format(a->family, a->ip, x, sizeof(x));
		if (a->plen == (a->family == AF_INET6 ? 128 : 32))
			snprintf(buf, len, "%s", x);
		else
			snprintf(buf, len, "%s/%u", x, a->plen);
		break;
	case IPP_ADDR_RANGE:
		ip_format(a->family, a->ip, x, sizeof(x));
		ip_format(a->family, a->ip_end, y, sizeof(y));
		snprintf(buf, len, "%s-%s", x, y);
		break;
	case IPP_ADDR_DNS:
		snprintf(buf, len, "DNS");
		break;
	case IPP_ADDR_WINS:
		snprintf(buf, len, "WINS");
		break;
	case IPP_ADDR_DHCP:
		snprintf(buf, len, "DHCP");
		break;
	case IPP_ADDR_GATEWAY:
		snprintf(buf, len, "GATEWAY");
		break;
	default:
		snprintf(buf, len, "?");
	}
}

static void proto_format(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case IPP_PROTO_ANY:
		snprintf(buf, len, "ANY");
		break;
	case IPPROTO_ICMP:
		snprintf(buf, len, "ICMP");
		break;
	case IPPROTO_TCP:
		snprintf(buf, len, "TCP");
		break;
	case IPPROTO_UDP:
		snprintf(buf, len, "UDP");
		break;
	case IPPROTO_ICMPV6:
		snprintf(buf, len, "ICMPv6");
		break;
	case IPPROTO_ESP:
		snprintf(buf, len, "ESP");
		break;
	case IPPROTO_AH:
		snprintf(buf, len, "AH");
		break;
	case IPPROTO_RAW:
		snprintf(buf, len, "RAW");
		break;
	default:
		snprintf(buf, len, "%u", p);
	}
}

void ipp_sfilter_format(const struct ipp_sfilter *f, char *buf, size_t len)
{
	char s[2 * INET6_ADDRSTRLEN + 8], d[2 * INET6_ADDRSTRLEN + 8], pr[16];

	addr_format(&f->src, s, sizeof(s));
	addr_format(&f->dst, d, sizeof(d));
	proto_format(f->protocol, pr, sizeof(pr));
	if (has_ports(f->protocol) || f->srcport || f->dstport) {
		char sp[8] = "any", dp[8] = "any";

		if (f->srcport)
			snprintf(sp, sizeof(sp), "%u", f->srcport);
		if (f->dstport)
			snprintf(dp, sizeof(dp), "%u", f->dstport);
		snprintf(buf, len, "%s -> %s %s srcport %s dstport %s", s, d, pr, sp, dp);
	} else {
		snprintf(buf, len, "%s -> %s %s", s, d, pr);
	}
}

void ipp_packet_format(const struct ipp_packet *p, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pr[16];
	bool v6 = p->family == AF_INET6;

	ip_format(p->family, p->src, s, sizeof(s));
	ip_format(p->family, p->dst, d, sizeof(d));
	proto_format(p->proto, pr, sizeof(pr));
	/* the ICMP of each family by its name; the other's number is a protocol like any */
	if ((p->proto == IPPROTO_ICMPV6 && !v6) || (p->proto == IPPROTO_ICMP && v6))
		snprintf(pr, sizeof(pr), "protocol %u", p->proto);
	if (has_ports(p->proto))
		snprintf(buf, len, "%s %s%s%s:%u -> %s%s%s:%u", pr, v6 ? "[" : "", s, v6 ? "]" : "",
			 p->sport, v6 ? "[" : "", d, v6 ? "]" : "", p->dport);
	else
		snprintf(buf, len, "%s %s -> %s", pr, s, d);
}

static const char *store_word(enum ipp_store_loc s)
{
	switch (s) {
	case IPP_STORE_LOCAL:
		return "local";
	case IPP_STORE_PERSISTENT:
		return "persistent";
	case IPP_STORE_DOMAIN:
		return "domain";
	default:
		return "dynamic";
	}
}

void ipp_eff_rule_format(const struct ipp_effective *eff, uint32_t rule, char *buf, size_t len)
{
	const struct ipp_eff_rule *r;

	if (!eff || rule >= eff->nrules) {
		snprintf(buf, len, "rule #%u", rule);
		return;
	}
	r = &eff->rules[rule];
	snprintf(buf, len, "rule \"%s\" of policy \"%s\" (%s store)", r->rule, r->policy,
		 store_word(r->store));
}

void ipp_eff_filter_format(const struct ipp_effective *eff, const struct ipp_sfilter *f,
			   char *buf, size_t len)
{
	char sel[256];
	const char *list = "?";

	if (eff && f->rule < eff->nrules)
		list = eff->rules[f->rule].filterlist;
	ipp_sfilter_format(f, sel, sizeof(sel));
	snprintf(buf, len, "filter %u of list \"%s\"%s: %s", f->filter + 1, list,
		 f->reversed ? " (mirror image)" : "", sel);
}
