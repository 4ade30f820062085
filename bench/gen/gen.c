/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen.c - ClassBench-like filter policies (see gen.h).
 *
 * Shape of a policy, loosely after the ClassBench acl/fw seed files:
 * - prefix-length pairs from a fixed table (host/host, host/subnet,
 *   subnet/subnet, any/host, short prefixes), subnet lengths mostly /24 and
 *   /16, the others on lengths common in the acl seeds; about as many
 *   distinct prefix-length pairs as acl1 (a few hundred at 10k filters);
 * - addresses drawn from a skewed set of /16 "sites" and skewed /24s within
 *   them, so that hosts fall inside subnets that other filters name;
 * - protocol TCP/UDP/ICMP/any; TCP and UDP carry single ports or any
 *   (Windows filters have no port ranges), popular service ports first;
 * - a share of filters derived from an earlier one by widening or narrowing
 *   one selector, assigned at random to a permit or a block list, so that
 *   overlaps and conflicts are common;
 * - no two filters with the same selector tuple.
 */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---------- deterministic randomness (splitmix64) ---------- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)((rng_next(r) >> 32) * (uint64_t)n >> 32) : 0;
}

/* Per-mille draw. */
static bool rng_permille(struct rng *r, unsigned pm)
{
	return rng_below(r, 1000) < pm;
}

/* Skewed toward 0: floor(n * u^2). */
static uint32_t rng_skew(struct rng *r, uint32_t n)
{
	uint64_t u = rng_next(r) >> 40; /* 24 bits */
	return (uint32_t)((u * u >> 24) * (uint64_t)n >> 24);
}

/* ---------- address space ---------- */

/* First octets used for addresses: public-looking, never 0, 10, 127 or >= 224. */
static const uint8_t first_octets[] = {
	12,  24,  38,  45,  52,  63,  64,  66,  72,  81,  89,  92,  98,  104, 128, 130, 131,
	134, 137, 140, 141, 144, 147, 152, 155, 160, 164, 172, 176, 185, 192, 193, 194, 195,
	198, 199, 200, 202, 203, 204, 205, 206, 207, 208, 209, 210, 212, 213, 216, 217,
};
#define N_FIRST (sizeof(first_octets) / sizeof(first_octets[0]))

/* Popular service ports (IKE's 500/4500 left out: exempt by default). */
static const uint16_t popular_ports[] = {
	80,  443, 22,  25,  53,   21,   23,   110,  143,  123,  161,  389,  445,
	636, 993, 995, 135, 137,  139,  88,   1433, 1521, 3306, 3389, 5060, 8080,
	8443, 69, 514, 1723, 5432, 1812, 1813, 2049, 111,  179,  873,  6379, 11211,
};
#define N_POPULAR (sizeof(popular_ports) / sizeof(popular_ports[0]))

const uint16_t bg_bench_ports[3] = { 5201, 5202, 9000 };

struct gen {
	struct rng r;
	bool inside; /* bg_params.inside */
	uint32_t *sites; /* /16 networks, host order */
	uint32_t nsites;
	/* duplicate detection: open addressing over indexes + 1 (0 = empty) */
	uint32_t *slots;
	size_t nslots;
	struct bg_filter *f; /* filters so far (for duplicates and derivation) */
	size_t n;
};

static uint32_t mask_of(uint8_t plen)
{
	return plen ? ~(uint32_t)0 << (32 - plen) : 0;
}

/*
 * A subnet length, mostly /24 and /16, the rest on the lengths that are
 * common in the acl seeds (/30, /28, /23, /22, /20).
 */
static uint8_t subnet_len(struct rng *r)
{
	static const struct {
		uint8_t len, pct;
	} t[] = { { 24, 45 }, { 16, 15 }, { 22, 10 }, { 23, 8 }, { 20, 7 }, { 28, 5 }, { 30, 5 },
		  { 21, 3 }, { 29, 2 } };
	uint32_t x = rng_below(r, 100), acc = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		acc += t[i].pct;
		if (x < acc)
			return t[i].len;
	}
	return 24;
}

/* A shorter prefix than @plen (> 8) for widening, on a common length. */
static uint8_t wider_len(struct rng *r, uint8_t plen)
{
	static const uint8_t common[] = { 31, 30, 28, 24, 24, 23, 22, 20, 16, 16, 12, 8 };
	for (int tries = 0; tries < 16; tries++) {
		uint8_t l = common[rng_below(r, sizeof(common))];
		if (l < plen)
			return l;
	}
	return 8;
}

/* An address under prefix length @plen (0 = any), masked. */
static uint32_t gen_addr(struct gen *g, uint8_t plen)
{
	uint32_t a;
	if (plen == 0)
		return 0;
	if (plen < 16) {
		a = (uint32_t)first_octets[rng_below(&g->r, N_FIRST)] << 24 |
		    (uint32_t)(rng_next(&g->r) & 0xffffff);
	} else {
		uint32_t site = g->inside && rng_below(&g->r, 100) < BG_INSIDE_PCT
					? BG_BENCH_SITE
					: g->sites[rng_skew(&g->r, g->nsites)];
		uint32_t third = rng_skew(&g->r, 256);
		uint32_t host = 1 + rng_below(&g->r, 254);
		a = site | third << 8 | host;
	}
	return a & mask_of(plen);
}

/* Prefix-length pair classes, per mille (sum 1000). */
enum pair_kind { LEN_ANY, LEN_HOST, LEN_SUBNET, LEN_SHORT };
static const struct {
	unsigned pm;
	enum pair_kind s, d;
} pair_table[] = {
	{ 250, LEN_HOST, LEN_HOST },   { 150, LEN_HOST, LEN_SUBNET },
	{ 100, LEN_SUBNET, LEN_HOST }, { 150, LEN_SUBNET, LEN_SUBNET },
	{ 100, LEN_ANY, LEN_HOST },    { 80, LEN_HOST, LEN_ANY },
	{ 60, LEN_ANY, LEN_SUBNET },   { 50, LEN_SUBNET, LEN_ANY },
	{ 15, LEN_SHORT, LEN_HOST },   { 15, LEN_HOST, LEN_SHORT },
	{ 30, LEN_SHORT, LEN_SUBNET },
};

static uint8_t pick_len(struct rng *r, enum pair_kind k)
{
	switch (k) {
	case LEN_ANY:
		return 0;
	case LEN_HOST:
		return 32;
	case LEN_SUBNET:
		return subnet_len(r);
	case LEN_SHORT:
		return rng_below(r, 10) < 7 ? 8 : 12;
	}
	return 32;
}

static uint16_t pick_port(struct rng *r, bool popular)
{
	if (popular)
		return popular_ports[rng_below(r, N_POPULAR)];
	return (uint16_t)(1 + rng_below(r, 65535));
}

/* A fresh filter, independent of earlier ones. */
static void gen_fresh(struct gen *g, struct bg_filter *f)
{
	unsigned x = rng_below(&g->r, 1000), acc = 0;
	size_t i;
	for (i = 0; i < sizeof(pair_table) / sizeof(pair_table[0]) - 1; i++) {
		acc += pair_table[i].pm;
		if (x < acc)
			break;
	}
	f->splen = pick_len(&g->r, pair_table[i].s);
	f->dplen = pick_len(&g->r, pair_table[i].d);
	f->src = gen_addr(g, f->splen);
	f->dst = gen_addr(g, f->dplen);

	x = rng_below(&g->r, 100);
	f->proto = x < 55 ? BG_PROTO_TCP : x < 80 ? BG_PROTO_UDP : x < 88 ? BG_PROTO_ICMP
									: BG_PROTO_ANY;
	f->sport = f->dport = 0;
	if (f->proto == BG_PROTO_TCP || f->proto == BG_PROTO_UDP) {
		if (rng_permille(&g->r, 700))
			f->dport = pick_port(&g->r, rng_permille(&g->r, 650));
		if (rng_permille(&g->r, 120))
			f->sport = rng_permille(&g->r, 500) ? pick_port(&g->r, true)
							    : (uint16_t)(1024 + rng_below(&g->r, 64512));
	}
}

/* Widen or narrow one selector of @f (a copy of an earlier filter). */
static void gen_derive(struct gen *g, struct bg_filter *f)
{
	bool ported = f->proto == BG_PROTO_TCP || f->proto == BG_PROTO_UDP;
	switch (rng_below(&g->r, 6)) {
	case 0: /* widen the source (never to any, never below /8) */
	case 1: /* widen the destination */ {
		bool src = rng_below(&g->r, 2) == 0;
		uint8_t *plen = src ? &f->splen : &f->dplen;
		uint32_t *a = src ? &f->src : &f->dst;
		if (*plen == 0) {
			plen = src ? &f->dplen : &f->splen;
			a = src ? &f->dst : &f->src;
		}
		if (*plen > 8) {
			*plen = wider_len(&g->r, *plen);
			*a &= mask_of(*plen);
		}
		break;
	}
	case 2: /* narrow an address to a host inside it */ {
		bool src = rng_below(&g->r, 2) == 0;
		uint8_t *plen = src ? &f->splen : &f->dplen;
		uint32_t *a = src ? &f->src : &f->dst;
		if (*plen == 0 || *plen == 32) {
			plen = src ? &f->dplen : &f->splen;
			a = src ? &f->dst : &f->src;
		}
		if (*plen > 0 && *plen < 32) {
			*a |= (uint32_t)(rng_next(&g->r) & ~mask_of(*plen));
			*plen = 32;
		}
		break;
	}
	case 3: /* the same addresses, any protocol */
		f->proto = BG_PROTO_ANY;
		f->sport = f->dport = 0;
		break;
	case 4: /* a destination port added or removed */
		if (ported && f->dport)
			f->dport = 0;
		else if (ported)
			f->dport = pick_port(&g->r, true);
		else {
			f->proto = rng_below(&g->r, 2) ? BG_PROTO_TCP : BG_PROTO_UDP;
			f->dport = pick_port(&g->r, true);
		}
		break;
	default: /* another protocol on the same addresses */
		f->proto = f->proto == BG_PROTO_TCP ? BG_PROTO_UDP : BG_PROTO_TCP;
		if (!f->dport && !f->sport)
			f->dport = pick_port(&g->r, true);
		break;
	}
}

static uint64_t tuple_hash(const struct bg_filter *f)
{
	uint64_t h = (uint64_t)f->src * 0x9e3779b97f4a7c15ULL;
	h ^= ((uint64_t)f->dst << 1) * 0xc2b2ae3d27d4eb4fULL;
	h ^= (uint64_t)f->splen << 56 ^ (uint64_t)f->dplen << 48 ^ (uint64_t)f->proto << 40 ^
	     (uint64_t)f->sport << 16 ^ f->dport ^ (uint64_t)f->mirrored << 63;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static bool same_tuple(const struct bg_filter *a, const struct bg_filter *b)
{
	return a->src == b->src && a->dst == b->dst && a->splen == b->splen &&
	       a->dplen == b->dplen && a->proto == b->proto && a->sport == b->sport &&
	       a->dport == b->dport && a->mirrored == b->mirrored;
}

/* Is @f already among g->f?  If not and @insert, remember index g->n. */
static bool seen(struct gen *g, const struct bg_filter *f, bool insert)
{
	size_t i = tuple_hash(f) & (g->nslots - 1);
	while (g->slots[i]) {
		if (same_tuple(&g->f[g->slots[i] - 1], f))
			return true;
		i = (i + 1) & (g->nslots - 1);
	}
	if (insert)
		g->slots[i] = (uint32_t)g->n + 1;
	return false;
}

static bool bench_port(uint16_t p)
{
	for (size_t i = 0; i < sizeof(bg_bench_ports) / sizeof(bg_bench_ports[0]); i++)
		if (p == bg_bench_ports[i])
			return true;
	return false;
}

/* One direction: could it match A -> B (@to_b) or B -> A traffic of the benchmark? */
static bool hits_one(uint32_t src, uint8_t splen, uint32_t dst, uint8_t dplen, uint8_t proto,
		     uint16_t sport, uint16_t dport)
{
	if (proto != BG_PROTO_ANY && proto != BG_PROTO_TCP && proto != BG_PROTO_UDP)
		return false;
	/* A -> B: the server port is the destination; A's port may be anything */
	if ((BG_BENCH_A & mask_of(splen)) == src && (BG_BENCH_B & mask_of(dplen)) == dst &&
	    (dport == 0 || bench_port(dport)))
		return true;
	/* B -> A: the server port is the source */
	return (BG_BENCH_B & mask_of(splen)) == src && (BG_BENCH_A & mask_of(dplen)) == dst &&
	       (sport == 0 || bench_port(sport));
}

bool bg_hits_bench_flows(const struct bg_filter *f)
{
	if (hits_one(f->src, f->splen, f->dst, f->dplen, f->proto, f->sport, f->dport))
		return true;
	return f->mirrored &&
	       hits_one(f->dst, f->dplen, f->src, f->splen, f->proto, f->dport, f->sport);
}

/* A prefix in 10/8: only inside 10.77.0.0/16, and only when inside. */
static bool valid_ten(const struct gen *g, uint32_t a, uint8_t plen)
{
	return g->inside && plen >= 16 && (a & mask_of(16)) == BG_BENCH_SITE;
}

/*
 * The invariant of gen.h: never "any" on both sides, never a prefix in 10/8
 * (inside: no prefix in 10/8 but in 10.77.0.0/16, and no match with the
 * benchmark's flows).
 */
static bool valid(const struct gen *g, const struct bg_filter *f)
{
	if (f->splen == 0 && f->dplen == 0)
		return false;
	if (f->splen && (f->splen < 8 || (f->src >> 24 == 10 && !valid_ten(g, f->src, f->splen))))
		return false;
	if (f->dplen && (f->dplen < 8 || (f->dst >> 24 == 10 && !valid_ten(g, f->dst, f->dplen))))
		return false;
	return !g->inside || !bg_hits_bench_flows(f);
}

void bg_params_init(struct bg_params *p, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->seed = 1;
	p->mirror_pct = 0;
	p->overlap_pct = 20;
	p->inside = false;
}

/* Draw one filter, unique among the first g->n, derived or fresh. */
static void gen_one(struct gen *g, const struct bg_params *p, struct bg_filter *f)
{
	for (;;) {
		if (g->n > 0 && rng_below(&g->r, 100) < p->overlap_pct) {
			*f = g->f[rng_below(&g->r, (uint32_t)g->n)];
			gen_derive(g, f);
		} else {
			memset(f, 0, sizeof(*f));
			gen_fresh(g, f);
		}
		f->mirrored = rng_below(&g->r, 100) < p->mirror_pct;
		f->reversed = false;
		if (valid(g, f) && !seen(g, f, false))
			return;
	}
}

int bg_generate(const struct bg_params *p, struct bg_policy *ret)
{
	struct gen g;
	int rc = -ENOMEM;

	memset(ret, 0, sizeof(*ret));
	if (p->mirror_pct > 100 || p->overlap_pct > 100 || p->n > 10000000)
		return -EINVAL;
	memset(&g, 0, sizeof(g));
	g.r.s = p->seed ^ 0x6970736563706f6cULL; /* "ipsecpol" */
	g.inside = p->inside;

	g.nsites = (uint32_t)(p->n / 50);
	if (g.nsites < 16)
		g.nsites = 16;
	if (g.nsites > 8192)
		g.nsites = 8192;
	g.sites = malloc(g.nsites * sizeof(*g.sites));
	for (g.nslots = 64; g.nslots < 2 * (p->n + 1); g.nslots <<= 1)
		;
	g.slots = calloc(g.nslots, sizeof(*g.slots));
	g.f = calloc(p->n + 1, sizeof(*g.f));
	if (!g.sites || !g.slots || !g.f)
		goto out;
	for (uint32_t i = 0; i < g.nsites; i++)
		g.sites[i] = (uint32_t)first_octets[rng_below(&g.r, N_FIRST)] << 24 |
			     rng_below(&g.r, 256) << 16;

	ret->nlists = p->n < 2 ? (uint32_t)p->n : (uint32_t)((p->n + 999) / 1000);
	if (p->n >= 2 && ret->nlists < 2)
		ret->nlists = 2;
	if (ret->nlists > 200)
		ret->nlists = 200;
	ret->list_block = calloc(ret->nlists ? ret->nlists : 1, sizeof(bool));
	if (!ret->list_block)
		goto out;
	for (uint32_t i = 0; i < ret->nlists; i++)
		ret->list_block[i] = i == 1 || (i > 1 && rng_below(&g.r, 100) < 35);

	/* n filters, then the extra one (the one-filter change) after them. */
	for (size_t i = 0; i <= p->n; i++) {
		struct bg_filter *f = &g.f[g.n];
		if (p->inside && i == 0 && p->n > 0) {
			/* the low-weight permit that the benchmark's flows match */
			memset(f, 0, sizeof(*f));
			f->src = f->dst = BG_BENCH_SITE;
			f->splen = f->dplen = 16;
			f->seq = 0;
			f->list = 0;
			seen(&g, f, true);
			g.n++;
			continue;
		}
		gen_one(&g, p, f);
		f->seq = (uint32_t)i;
		f->list = ret->nlists ? rng_below(&g.r, ret->nlists) : 0;
		seen(&g, f, true);
		g.n++;
	}
	ret->extra = g.f[p->n];
	ret->n = p->n;
	ret->f = g.f;
	g.f = NULL;
	rc = 0;
out:
	free(g.sites);
	free(g.slots);
	free(g.f);
	if (rc < 0)
		bg_policy_free(ret);
	return rc;
}

void bg_policy_free(struct bg_policy *p)
{
	if (!p)
		return;
	free(p->f);
	free(p->list_block);
	memset(p, 0, sizeof(*p));
}

uint32_t bg_weight(const struct bg_filter *f)
{
	return (uint32_t)(f->splen + f->dplen) << 16 | (uint32_t)(f->proto != BG_PROTO_ANY) << 8 |
	       (uint32_t)(f->sport != 0) << 1 | (uint32_t)(f->dport != 0);
}

bool bg_match(const struct bg_filter *f, uint32_t src, uint32_t dst, uint8_t proto,
	      uint16_t sport, uint16_t dport)
{
	if ((src & mask_of(f->splen)) != f->src || (dst & mask_of(f->dplen)) != f->dst)
		return false;
	if (f->proto != BG_PROTO_ANY && f->proto != proto)
		return false;
	if (f->sport && f->sport != sport)
		return false;
	if (f->dport && f->dport != dport)
		return false;
	return true;
}

bool bg_is_block(const struct bg_policy *p, const struct bg_filter *f)
{
	return f->list < p->nlists && p->list_block[f->list];
}

/* qsort has no context argument: the policy being sorted. */
static const struct bg_policy *sort_policy;

static int specific_cmp(const void *pa, const void *pb)
{
	const struct bg_filter *a = pa, *b = pb;
	uint32_t wa = bg_weight(a), wb = bg_weight(b);
	bool ba = bg_is_block(sort_policy, a), bb = bg_is_block(sort_policy, b);
	if (wa != wb)
		return wa > wb ? -1 : 1;
	if (ba != bb)
		return ba ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return (int)a->reversed - (int)b->reversed;
}

int bg_specific(const struct bg_policy *p, struct bg_filter **ret, size_t *nret)
{
	size_t n = 0;
	struct bg_filter *s = malloc((2 * p->n + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		const struct bg_filter *f = &p->f[i];
		s[n++] = *f;
		if (f->mirrored) {
			struct bg_filter *m = &s[n++];
			*m = *f;
			m->src = f->dst;
			m->dst = f->src;
			m->splen = f->dplen;
			m->dplen = f->splen;
			m->sport = f->dport;
			m->dport = f->sport;
			m->reversed = true;
		}
	}
	sort_policy = p;
	qsort(s, n, sizeof(*s), specific_cmp);
	sort_policy = NULL;
	*ret = s;
	*nret = n;
	return 0;
}

/* ---------- writers ---------- */

static void fmt_ip(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case BG_PROTO_TCP:
		return "tcp";
	case BG_PROTO_UDP:
		return "udp";
	case BG_PROTO_ICMP:
		return "icmp";
	default:
		return "any";
	}
}

static const char *action_name(const struct bg_policy *p, const struct bg_filter *f)
{
	return bg_is_block(p, f) ? "block" : "permit";
}

void bg_format_netsh_filter(const struct bg_filter *f, char *buf, size_t len)
{
	char s[16], d[16], sm[16] = "", dm[16] = "", ports[48] = "";
	if (f->splen) {
		fmt_ip(f->src, s, sizeof(s));
		snprintf(sm, sizeof(sm), " srcmask=%u", f->splen);
	} else {
		snprintf(s, sizeof(s), "any");
	}
	if (f->dplen) {
		fmt_ip(f->dst, d, sizeof(d));
		snprintf(dm, sizeof(dm), " dstmask=%u", f->dplen);
	} else {
		snprintf(d, sizeof(d), "any");
	}
	if (f->sport || f->dport)
		snprintf(ports, sizeof(ports), " srcport=%u dstport=%u", f->sport, f->dport);
	snprintf(buf, len, "filterlist=fl%03u srcaddr=%s%s dstaddr=%s%s protocol=%s%s mirrored=%s",
		 f->list, s, sm, d, dm, proto_name(f->proto), ports, f->mirrored ? "yes" : "no");
}

int bg_write_netsh(FILE *out, const struct bg_policy *p, const struct bg_params *params)
{
	char buf[256];
	fprintf(out, "# ClassBench-like policy: %zu filters, %u filter lists, seed %llu\n", p->n,
		p->nlists, (unsigned long long)params->seed);
	fprintf(out, "set store location=local\n");
	fprintf(out, "set batch mode=enable\n");
	fprintf(out, "add policy name=ippbench description=\"datapath benchmark\" "
		     "activatedefaultrule=no\n");
	fprintf(out, "add filteraction name=bench-permit action=permit\n");
	fprintf(out, "add filteraction name=bench-block action=block\n");
	for (uint32_t l = 0; l < p->nlists; l++)
		fprintf(out, "add filterlist name=fl%03u\n", l);
	for (size_t i = 0; i < p->n; i++) {
		bg_format_netsh_filter(&p->f[i], buf, sizeof(buf));
		fprintf(out, "add filter %s\n", buf);
	}
	for (uint32_t l = 0; l < p->nlists; l++)
		fprintf(out, "add rule name=rule%03u policy=ippbench filterlist=fl%03u "
			     "filteraction=bench-%s\n",
			l, l, p->list_block[l] ? "block" : "permit");
	fprintf(out, "set policy name=ippbench assign=yes\n");
	fprintf(out, "set batch mode=disable\n");
	return ferror(out) ? -EIO : 0;
}

static void nft_addr(char *buf, size_t len, const char *dir, uint32_t a, uint8_t plen)
{
	char ip[16];
	fmt_ip(a, ip, sizeof(ip));
	if (plen == 0)
		buf[0] = 0;
	else if (plen == 32)
		snprintf(buf, len, "ip %s %s ", dir, ip);
	else
		snprintf(buf, len, "ip %s %s/%u ", dir, ip, plen);
}

int bg_write_nft(FILE *out, const struct bg_policy *p, const char *table, unsigned hooks)
{
	struct bg_filter *s;
	size_t n;
	int rc = bg_specific(p, &s, &n);
	if (rc < 0)
		return rc;
	fprintf(out, "# one rule per specific filter, highest weight first; %zu rules\n", n);
	fprintf(out, "table inet %s {\n\tchain filters {\n", table);
	for (size_t i = 0; i < n; i++) {
		const struct bg_filter *f = &s[i];
		char sa[40], da[40], l4[64] = "";
		nft_addr(sa, sizeof(sa), "saddr", f->src, f->splen);
		nft_addr(da, sizeof(da), "daddr", f->dst, f->dplen);
		if (f->proto != BG_PROTO_ANY) {
			const char *pn = proto_name(f->proto);
			if (f->sport && f->dport)
				snprintf(l4, sizeof(l4), "%s sport %u %s dport %u ", pn, f->sport, pn,
					 f->dport);
			else if (f->sport)
				snprintf(l4, sizeof(l4), "%s sport %u ", pn, f->sport);
			else if (f->dport)
				snprintf(l4, sizeof(l4), "%s dport %u ", pn, f->dport);
			else
				snprintf(l4, sizeof(l4), "meta l4proto %s ", pn);
		}
		fprintf(out, "\t\t%s%s%s%s\n", sa, da, l4, bg_is_block(p, f) ? "drop" : "accept");
	}
	fprintf(out, "\t}\n");
	if (hooks & BG_HOOK_INPUT)
		fprintf(out, "\tchain input {\n\t\ttype filter hook input priority filter; "
			     "policy accept;\n\t\tjump filters\n\t}\n");
	if (hooks & BG_HOOK_OUTPUT)
		fprintf(out, "\tchain output {\n\t\ttype filter hook output priority filter; "
			     "policy accept;\n\t\tjump filters\n\t}\n");
	fprintf(out, "}\n");
	free(s);
	return ferror(out) ? -EIO : 0;
}

int bg_write_classbench(FILE *out, const struct bg_policy *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct bg_filter *f = &p->f[i];
		char s[16], d[16];
		fmt_ip(f->src, s, sizeof(s));
		fmt_ip(f->dst, d, sizeof(d));
		fprintf(out, "@%s/%u\t%s/%u\t%u : %u\t%u : %u\t0x%02X/0x%02X\t0x0000/0x0000\t%s%s\n",
			s, f->splen, d, f->dplen, f->sport, f->sport ? f->sport : 65535, f->dport,
			f->dport ? f->dport : 65535, f->proto, f->proto ? 0xFF : 0x00,
			action_name(p, f), f->mirrored ? " mirrored" : "");
	}
	return ferror(out) ? -EIO : 0;
}

int bg_write_change(FILE *out, const struct bg_policy *p, bool add)
{
	char buf[256];
	if (p->nlists == 0)
		return -EINVAL;
	bg_format_netsh_filter(&p->extra, buf, sizeof(buf));
	fprintf(out, "set store location=local\n%s filter %s\n", add ? "add" : "delete", buf);
	return ferror(out) ? -EIO : 0;
}
