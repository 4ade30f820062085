/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * compile.c - from the effective policy to tiers of exact-key verdict maps.
 *
 * pass 1: split every specific filter into keys: each side is any (no key
 *         field), me (a kernel-side condition), or prefixes (an address
 *         range becomes the prefixes that cover it exactly);
 * pass 2: group the keys by shape and weight (one group = one future map);
 *         inside a group keep, for each key, the best filter only (the
 *         specific filters arrive sorted best first);
 * pass 3: for each weight with several shapes that can match one packet,
 *         find the elements that a better action of another shape of the
 *         same weight overlaps ("late" elements): they move to late tiers
 *         walked after the other tiers of the weight, so that between tiers
 *         of equal weight block still beats negotiate beats permit;
 * pass 4: order the tiers (weight, late, rank, then shape for a stable text)
 *         and name them after shape, weight and lateness, so that the same
 *         tier keeps its name from one compilation to the next
 *         (element-level updates).
 */
#include "compile.h"

#include "../common/driverconf.h"
#include "../common/grow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_KEYS_PER_FILTER 65536

const char *ipp_cverdict_name(enum ipp_cverdict v)
{
	switch (v) {
	case IPP_CV_ACCEPT:
		return "accept";
	case IPP_CV_DROP:
		return "drop";
	case IPP_CV_NEGOTIATE:
		return "negotiate";
	}
	return "?";
}

void ipp_copts_init(struct ipp_copts *o)
{
	memset(o, 0, sizeof(*o));
	o->exempt_ike = true;
	o->exempt_ipsec = true;
	o->exempt_nd = true;
	o->ipsecexempt = 3;
	o->flow_cache = true;
	o->flow_size = IPP_FLOWCACHE_SIZE;
	o->cells = true;
	o->defrag6 = true;
}

bool ipp_exempt_kerberos_rsvp(unsigned v)
{
	return v == 0 || v == 2;
}

bool ipp_exempt_group(unsigned v)
{
	return v == 0 || v == 1;
}

void ipp_copts_from_conf(struct ipp_copts *o, const struct ipp_driverconf *conf)
{
	ipp_copts_init(o);
	o->diagnostics = conf->diagnostics;
	o->ipsecexempt = conf->no_default_exempt;
	o->flow_cache = conf->flow_cache != 0;
	o->flow_size = conf->flow_size ? conf->flow_size : IPP_FLOWCACHE_SIZE;
	o->cells = conf->cells != 0;
}

static int laddr_cmp(const void *x, const void *y)
{
	const struct ipp_laddr *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->ip, b->ip, sizeof(a->ip));
}

/* An address no packet of this host's own has on its local side. */
static bool laddr_skip(const struct ipp_laddr *a)
{
	static const uint8_t zero[16];

	if (a->family == AF_INET)
		return a->ip[0] == 127 || a->ip[0] >= 224 || !memcmp(a->ip, zero, 4);
	if (a->family == AF_INET6)
		return a->ip[0] == 0xff || !memcmp(a->ip, zero, 15); /* multicast, ::, ::1 */
	return true;
}

void ipp_copts_local(struct ipp_copts *o, const struct ipp_laddr *v, size_t n)
{
	struct ipp_laddr all[4 * IPP_LOCAL_MAX];
	size_t i, k = 0;

	/* (more than room for: the first ones; sorted, so the same ones each time) */
	for (i = 0; i < n && k < sizeof(all) / sizeof(all[0]); i++) {
		if (laddr_skip(&v[i]))
			continue;
		all[k] = v[i];
		if (all[k].family == AF_INET)
			memset(all[k].ip + 4, 0, 12);
		k++;
	}
	if (k)
		qsort(all, k, sizeof(all[0]), laddr_cmp);
	/* without duplicates; then, more than IPP_LOCAL_MAX: each family at least half of
	 * them (as many as it has), the lowest addresses of each (IPv6 global before
	 * link-local) */
	for (i = 0, n = 0; i < k; i++)
		if (i == 0 || laddr_cmp(&all[i], &all[i - 1]))
			all[n++] = all[i];
	{
		size_t n4 = 0, take4, take6;

		while (n4 < n && all[n4].family == AF_INET)
			n4++;
		take4 = n - n4 > IPP_LOCAL_MAX / 2 ? IPP_LOCAL_MAX / 2 : IPP_LOCAL_MAX - (n - n4);
		take4 = n4 < take4 ? n4 : take4;
		take6 = n - n4 < IPP_LOCAL_MAX - take4 ? n - n4 : IPP_LOCAL_MAX - take4;
		memcpy(o->local, all, take4 * sizeof(all[0]));
		memcpy(o->local + take4, all + n4, take6 * sizeof(all[0]));
		o->nlocal = take4 + take6;
	}
}

void ipp_copts_rest(struct ipp_copts *o, enum ipp_mode rest, const struct ipp_driverconf *conf)
{
	size_t n = rest ? conf->nexempt : 0;

	o->rest = rest;
	o->rest_nexempt = n < IPP_BOOTEXEMPT_MAX ? n : IPP_BOOTEXEMPT_MAX;
	memcpy(o->rest_exempt, conf->exempt, o->rest_nexempt * sizeof(o->rest_exempt[0]));
}

void ipp_compiled_free(struct ipp_compiled *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->ntiers; i++)
		free(c->tiers[i].elems);
	free(c->tiers);
	free(c->rules);
	free(c->lcov);
	ipp_cells_cache_drop(c);
	free(c);
}

bool ipp_cproto_own(unsigned proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_ICMP ||
	       proto == IPPROTO_ICMPV6;
}

bool ipp_ctier_shape_keyless(const struct ipp_cshape *s)
{
	return !(s->src_kind == IPP_ADDR_IP && s->src_plen) &&
	       !(s->dst_kind == IPP_ADDR_IP && s->dst_plen) && !s->pkey && !s->sport && !s->dport;
}

bool ipp_ctier_keyless(const struct ipp_ctier *t)
{
	return ipp_ctier_shape_keyless(&t->shape);
}

bool ipp_nft_alive_map(const char *name)
{
	return !strncmp(name, IPP_NFT_ALIVE_MAP, sizeof(IPP_NFT_ALIVE_MAP) - 1);
}

bool ipp_nft_cells_map(const char *name)
{
	size_t n = strlen(name), k = sizeof(IPP_NFT_CELLS_SUFFIX) - 1;

	return (!strncmp(name, "in", 2) || !strncmp(name, "out", 3)) && n > k &&
	       !strcmp(name + n - k, IPP_NFT_CELLS_SUFFIX);
}

/* ---------- pass 1: keys ---------- */

/* One piece of one side: the kind, and for IP a prefix. */
struct piece {
	uint8_t kind;
	uint8_t plen;
	uint8_t ip[16];
};

struct pieces {
	struct piece *v;
	size_t n, cap;
};

static int pieces_push(struct pieces *p, const struct piece *x)
{
	if (ipp_grow((void **)&p->v, &p->cap, p->n + 1, sizeof(*p->v)) < 0)
		return -ENOMEM;
	p->v[p->n++] = *x;
	return 0;
}

typedef unsigned __int128 u128;

static u128 load128(const uint8_t *ip, unsigned bytes)
{
	u128 v = 0;
	unsigned i;

	for (i = 0; i < bytes; i++)
		v = (v << 8) | ip[i];
	return v;
}

static void store128(u128 v, uint8_t *ip, unsigned bytes)
{
	unsigned i;

	memset(ip, 0, 16);
	for (i = bytes; i > 0; i--) {
		ip[i - 1] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

/*
 * The pieces of a range from @first on, each of a prefix length that is a
 * multiple of RANGE_PLEN_STEP: a piece of another length becomes the 2, 4 or
 * 8 pieces of the next such length that cover it.  A range's pieces are keys
 * of its weight, one tier per prefix length pair: with the lengths of any
 * range, policies of many ranges made thousands of tiers (and the kernel's
 * load time grows with the square of the number of maps).  Left as they are
 * when that would make more than 4 times the pieces (and over 256).
 */
#define RANGE_PLEN_STEP 4
static unsigned range_plen(unsigned p)
{
	return (p + RANGE_PLEN_STEP - 1) / RANGE_PLEN_STEP * RANGE_PLEN_STEP;
}

static int quantize_pieces(struct pieces *out, size_t first, unsigned bits)
{
	size_t n = out->n - first, more = 0, i, k;
	struct piece *v;

	for (i = first; i < out->n; i++) {
		unsigned p = out->v[i].plen, q = range_plen(p);

		if (p && q > p)
			more += ((size_t)1 << (q - p)) - 1;
	}
	if (more == 0 || (n + more > 4 * n && n + more > 256) ||
	    out->n + more > MAX_KEYS_PER_FILTER)
		return 0;
	if (!(v = malloc(n * sizeof(*v))))
		return -ENOMEM;
	memcpy(v, out->v + first, n * sizeof(*v));
	out->n = first;
	for (i = 0; i < n; i++) {
		unsigned p = v[i].plen, q = range_plen(p);
		u128 base = load128(v[i].ip, bits / 8);

		if (q > bits)
			q = bits;
		for (k = 0; k < ((size_t)1 << (q - p)); k++) {
			struct piece x = {.kind = IPP_ADDR_IP, .plen = (uint8_t)q};

			store128(base + ((u128)k << (bits - q)), x.ip, bits / 8);
			if (pieces_push(out, &x) < 0) {
				free(v);
				return -ENOMEM;
			}
		}
	}
	free(v);
	return 0;
}

/* The prefixes that cover [lo, hi] exactly, largest first from lo; see quantize_pieces(). */
static int split_range(const struct ipp_addr *a, bool quantize, struct pieces *out)
{
	unsigned bits = a->family == AF_INET6 ? 128 : 32, bytes = bits / 8;
	size_t first = out->n;
	u128 lo = load128(a->ip, bytes), hi = load128(a->ip_end, bytes);
	u128 top = bits == 128 ? ~(u128)0 : (((u128)1 << bits) - 1);

	if (lo > hi) {
		u128 t = lo;

		lo = hi;
		hi = t;
	}
	for (;;) {
		unsigned host = 0; /* host bits of the piece */
		struct piece p = {.kind = IPP_ADDR_IP};

		while (host < bits) {
			u128 size = (u128)1 << host; /* current piece size */
			u128 nsize = size << 1;

			if (host + 1 == bits) {
				/* the whole space: only when lo = 0 and hi = top */
				if (lo == 0 && hi == top)
					host++;
				break;
			}
			if (lo & (nsize - 1))
				break;
			if (lo + (nsize - 1) > hi)
				break;
			host++;
		}
		p.plen = (uint8_t)(bits - host);
		store128(lo, p.ip, bytes);
		if (pieces_push(out, &p) < 0)
			return -ENOMEM;
		if (out->n > MAX_KEYS_PER_FILTER)
			return -E2BIG;
		if (host == bits)
			break;
		{
			u128 last = lo + (((u128)1 << host) - 1);

			if (last >= hi)
				break;
			lo = last + 1;
		}
	}
	return quantize ? quantize_pieces(out, first, bits) : 0;
}

static int side_pieces(const struct ipp_addr *a, bool quantize, struct pieces *out)
{
	struct piece p = {0};

	switch (a->kind) {
	case IPP_ADDR_ANY:
		p.kind = IPP_ADDR_ANY;
		return pieces_push(out, &p);
	case IPP_ADDR_ME:
		p.kind = IPP_ADDR_ME;
		return pieces_push(out, &p);
	case IPP_ADDR_IP:
		p.kind = IPP_ADDR_IP;
		p.plen = a->plen;
		if (p.plen > (a->family == AF_INET6 ? 128 : 32))
			p.plen = a->family == AF_INET6 ? 128 : 32;
		memcpy(p.ip, a->ip, 16);
		if (a->family == AF_INET)
			memset(p.ip + 4, 0, 12);
		ipp_ip_mask(p.ip, p.plen);
		return pieces_push(out, &p);
	case IPP_ADDR_RANGE:
		return split_range(a, quantize, out);
	default:
		/* server types are expanded by the effective policy; nothing left */
		return 0;
	}
}

/* ---------- pass 2: groups ---------- */

struct cand {
	uint32_t group;
	uint32_t sf; /* order of the specific filter: lower = better */
	bool late;   /* overlapped by a better action of another shape of its weight */
	struct ipp_celem e;
};

struct group {
	struct ipp_cshape shape;
	uint32_t weight;
	size_t first, n; /* range in the sorted candidate array */
	uint8_t ranks;	 /* bit per action rank present */
	uint32_t pos;	 /* place in the walk order (group_order_cmp()) */
};

struct builder {
	struct cand *c;
	size_t nc, capc;
	struct group *g;
	size_t ng, capg;
	/* open addressing: group index + 1, 0 = empty */
	uint32_t *slot;
	size_t nslot;
};

static uint64_t shape_key(const struct ipp_cshape *s)
{
	return (uint64_t)s->family | (uint64_t)s->src_kind << 8 | (uint64_t)s->src_plen << 16 |
	       (uint64_t)s->dst_kind << 24 | (uint64_t)s->dst_plen << 32 |
	       (uint64_t)s->proto << 40 | (uint64_t)s->sport << 48 | (uint64_t)s->dport << 49 |
	       (uint64_t)s->conn << 50 | (uint64_t)s->pkey << 52 | (uint64_t)s->dir << 53;
}

/*
 * The hooks a shape is walked on: a source "me" output only, a destination
 * "me" input only; a filter of one direction on its hook only (none: its
 * packets travel over loopback, or never).
 */
static unsigned shape_hooks(const struct ipp_cshape *s)
{
	unsigned h = IPP_CHOOK_IN | IPP_CHOOK_OUT;

	if (s->src_kind == IPP_ADDR_ME)
		h = IPP_CHOOK_OUT;
	else if (s->dst_kind == IPP_ADDR_ME)
		h = IPP_CHOOK_IN;
	if (s->dir == IPP_SF_IN)
		h &= IPP_CHOOK_IN;
	else if (s->dir == IPP_SF_OUT)
		h &= IPP_CHOOK_OUT;
	return h;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static bool same_shape(const struct ipp_cshape *a, const struct ipp_cshape *b)
{
	return shape_key(a) == shape_key(b);
}

static int rehash(struct builder *b)
{
	size_t n = b->nslot ? b->nslot * 2 : 256, i;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < b->ng; i++) {
		size_t h =
		    mix(shape_key(&b->g[i].shape) ^ ((uint64_t)b->g[i].weight << 7)) & (n - 1);

		while (s[h])
			h = (h + 1) & (n - 1);
		s[h] = (uint32_t)i + 1;
	}
	free(b->slot);
	b->slot = s;
	b->nslot = n;
	return 0;
}

static int group_of(struct builder *b, const struct ipp_cshape *shape, uint32_t weight,
		    uint32_t *ret)
{
	size_t h;

	if ((b->ng + 1) * 2 > b->nslot && rehash(b) < 0)
		return -ENOMEM;
	h = mix(shape_key(shape) ^ ((uint64_t)weight << 7)) & (b->nslot - 1);
	while (b->slot[h]) {
		struct group *g = &b->g[b->slot[h] - 1];

		if (g->weight == weight && same_shape(&g->shape, shape)) {
			*ret = b->slot[h] - 1;
			return 0;
		}
		h = (h + 1) & (b->nslot - 1);
	}
	if (ipp_grow((void **)&b->g, &b->capg, b->ng + 1, sizeof(*b->g)) < 0)
		return -ENOMEM;
	memset(&b->g[b->ng], 0, sizeof(b->g[b->ng]));
	b->g[b->ng].shape = *shape;
	b->g[b->ng].weight = weight;
	b->slot[h] = (uint32_t)b->ng + 1;
	*ret = (uint32_t)b->ng++;
	return 0;
}

static int push_cand(struct builder *b, const struct cand *c)
{
	if (ipp_grow((void **)&b->c, &b->capc, b->nc + 1, sizeof(*b->c)) < 0)
		return -ENOMEM;
	b->c[b->nc++] = *c;
	return 0;
}

static enum ipp_cverdict verdict_of(enum ipp_action a)
{
	switch (a) {
	case IPP_ACTION_PERMIT:
		return IPP_CV_ACCEPT;
	case IPP_ACTION_NEGOTIATE:
		return IPP_CV_NEGOTIATE;
	default:
		return IPP_CV_DROP;
	}
}

/*
 * The tie-break rank of an element at equal weight (lower wins), as
 * ipp_sfilter_cmp() orders actions: block 0, negotiate 1, negotiate with
 * inbound clear packets accepted (inpass) 2, negotiate falling back to clear
 * both ways (soft) 3, permit 4.
 */
#define NRANKS 5
static int elem_rank(const struct ipp_celem *e)
{
	if (e->verdict == IPP_CV_DROP)
		return 0;
	if (e->verdict == IPP_CV_NEGOTIATE)
		return 1 + ((e->clear & IPP_CCLEAR_OUT) ? 2 : (e->clear & IPP_CCLEAR_IN) ? 1 : 0);
	return 4;
}

/* IPP_CCLEAR_* of a negotiate action. */
/*
 * The clear packets a negotiate filter accepts (IPP_CCLEAR_*), from the
 * specific filter's own (the effective policy's: inpass inbound, soft both
 * ways; a dynamic rule's quick mode policy, whatever its other direction does).
 */
static uint8_t clear_of(const struct ipp_sfilter *f)
{
	if (f->action != IPP_ACTION_NEGOTIATE)
		return 0;
	return f->clear == 2 ? IPP_CCLEAR_IN | IPP_CCLEAR_OUT : f->clear == 1 ? IPP_CCLEAR_IN : 0;
}

/* Called for each (shape, element) a specific filter compiles to. */
typedef int (*key_fn)(const struct ipp_cshape *s, const struct ipp_celem *e, void *ctx);

/* The keys of specific filter @f: one per pair of prefixes its sides split into. */
static int sfilter_keys(const struct ipp_sfilter *f, const struct ipp_eff_rule *er, key_fn fn,
			void *ctx)
{
	uint8_t clear = clear_of(f);
	uint8_t conn = er->conntype == IPP_CONN_LAN	 ? IPP_CCONN_LAN
		       : er->conntype == IPP_CONN_DIALUP ? IPP_CCONN_DIALUP
							 : 0;
	struct pieces src = {0}, dst = {0};
	uint8_t family = 0;
	size_t i, j;
	int r;

	/* me to me travels over loopback, which is exempt: never walked */
	if (f->src.kind == IPP_ADDR_ME && f->dst.kind == IPP_ADDR_ME)
		return 0;
	if (f->src.kind == IPP_ADDR_IP || f->src.kind == IPP_ADDR_RANGE)
		family = f->src.family;
	else if (f->dst.kind == IPP_ADDR_IP || f->dst.kind == IPP_ADDR_RANGE)
		family = f->dst.family;
	if ((r = side_pieces(&f->src, true, &src)) < 0 ||
	    (r = side_pieces(&f->dst, true, &dst)) < 0)
		goto out;
	if (src.n * dst.n > MAX_KEYS_PER_FILTER) {
		/* two ranges: their pieces as they are, fewer keys in more tiers */
		src.n = dst.n = 0;
		if ((r = side_pieces(&f->src, false, &src)) < 0 ||
		    (r = side_pieces(&f->dst, false, &dst)) < 0)
			goto out;
	}
	if (src.n * dst.n > MAX_KEYS_PER_FILTER) {
		r = -E2BIG;
		goto out;
	}
	for (i = 0; i < src.n; i++) {
		for (j = 0; j < dst.n; j++) {
			struct ipp_cshape s = {0};
			struct cand c = {0};

			s.family = family;
			s.conn = conn;
			s.dir = f->dir;
			s.src_kind = src.v[i].kind;
			s.dst_kind = dst.v[j].kind;
			if (s.src_kind == IPP_ADDR_IP) {
				s.src_plen = src.v[i].plen;
				memcpy(c.e.key.src, src.v[i].ip, 16);
			}
			if (s.dst_kind == IPP_ADDR_IP) {
				s.dst_plen = dst.v[j].plen;
				memcpy(c.e.key.dst, dst.v[j].ip, 16);
			}
			if (ipp_cproto_own(f->protocol)) {
				s.proto = f->protocol;
			} else if (f->protocol) {
				s.pkey = true;
				c.e.key.proto = f->protocol;
			}
			s.sport = f->srcport != 0;
			s.dport = f->dstport != 0;
			c.e.key.sport = f->srcport;
			c.e.key.dport = f->dstport;
			c.e.verdict = (uint8_t)verdict_of(f->action);
			c.e.clear = c.e.verdict == IPP_CV_NEGOTIATE ? clear : 0;
			c.e.reversed = f->reversed;
			c.e.rule = f->rule;
			c.e.filter = f->filter;
			c.e.weight = f->weight;
			if (!shape_hooks(&s))
				continue; /* walked on no hook */
			if ((r = fn(&s, &c.e, ctx)) < 0)
				goto out;
		}
	}
	r = 0;
out:
	free(src.v);
	free(dst.v);
	return r;
}

struct add_ctx {
	struct builder *b;
	uint32_t idx;
};

static int add_key(const struct ipp_cshape *s, const struct ipp_celem *e, void *ctx)
{
	struct add_ctx *a = ctx;
	struct cand c = {0};
	int r;

	c.e = *e;
	c.sf = a->idx;
	if ((r = group_of(a->b, s, e->weight, &c.group)) < 0)
		return r;
	return push_cand(a->b, &c);
}

static int add_sfilter(struct builder *b, const struct ipp_sfilter *f, uint32_t idx,
		       const struct ipp_eff_rule *er)
{
	struct add_ctx a = {b, idx};

	return sfilter_keys(f, er, add_key, &a);
}

/* Candidates of one group: by key, then best filter first. */
static int cand_key_cmp(const struct cand *a, const struct cand *b)
{
	int c = memcmp(&a->e.key, &b->e.key, sizeof(a->e.key));

	if (c)
		return c;
	return a->sf < b->sf ? -1 : a->sf > b->sf;
}

static int cand_idx_cmp(const void *x, const void *y, void *ctx)
{
	const struct cand *v = ctx;

	return cand_key_cmp(&v[*(const uint32_t *)x], &v[*(const uint32_t *)y]);
}

/*
 * Sort the candidates by group, then key, then best filter first: a
 * counting sort by group, then a sort of the indices of each group (small
 * sorts), then the records moved once.
 */
static int sort_cands(struct builder *b)
{
	struct cand *v;
	uint32_t *idx;
	size_t *start, i;

	if (b->nc < 2)
		return 0;
	idx = malloc(b->nc * sizeof(*idx));
	v = malloc(b->nc * sizeof(*v));
	start = calloc(b->ng + 1, sizeof(*start));
	if (!idx || !v || !start) {
		free(idx);
		free(v);
		free(start);
		return -ENOMEM;
	}
	for (i = 0; i < b->nc; i++)
		start[b->c[i].group + 1]++;
	for (i = 0; i < b->ng; i++)
		start[i + 1] += start[i];
	for (i = 0; i < b->nc; i++)
		idx[start[b->c[i].group]++] = (uint32_t)i;
	/* start[g] is now the end of group g, the beginning of group g + 1 */
	for (i = 0; i < b->ng; i++) {
		size_t first = i ? start[i - 1] : 0;

		if (start[i] - first > 1)
			qsort_r(idx + first, start[i] - first, sizeof(*idx), cand_idx_cmp, b->c);
	}
	for (i = 0; i < b->nc; i++)
		v[i] = b->c[idx[i]];
	free(b->c);
	b->c = v;
	b->capc = b->nc;
	free(idx);
	free(start);
	return 0;
}

/* ---------- pass 3: late elements ---------- */

static int kind_order(uint8_t k)
{
	return k == IPP_ADDR_IP ? 0 : k == IPP_ADDR_ME ? 1 : 2;
}

/* A fixed order of shapes, for a stable text: family, protocol, longer prefixes first. */
static int shape_cmp(const struct ipp_cshape *s, const struct ipp_cshape *t)
{
#define BY(e)                                                                                      \
	if ((e) != 0)                                                                              \
	return (e) < 0 ? -1 : 1
	BY((int)s->family - (int)t->family);
	BY((int)s->proto - (int)t->proto);
	BY((int)s->pkey - (int)t->pkey);
	BY(kind_order(s->src_kind) - kind_order(t->src_kind));
	BY((int)t->src_plen - (int)s->src_plen);
	BY(kind_order(s->dst_kind) - kind_order(t->dst_kind));
	BY((int)t->dst_plen - (int)s->dst_plen);
	BY((int)s->sport - (int)t->sport);
	BY((int)s->dport - (int)t->dport);
	BY((int)s->conn - (int)t->conn);
	BY((int)s->dir - (int)t->dir);
#undef BY
	return 0;
}

static bool families_meet(uint8_t a, uint8_t b)
{
	return a == 0 || b == 0 || a == b;
}

/*
 * Can a packet match both shapes?  Conservative: prefixes may nest.  A
 * source "me" and a destination "me" never meet: the first is walked on
 * output only, the second on input only.
 */
static bool shapes_meet(const struct ipp_cshape *a, const struct ipp_cshape *b)
{
	if (!(shape_hooks(a) & shape_hooks(b)))
		return false;
	if (a->conn && b->conn && a->conn != b->conn)
		return false; /* LAN and dial-up interfaces are different interfaces */
	return families_meet(a->family, b->family) && a->proto == b->proto && a->pkey == b->pkey;
}

static int rank_min(uint8_t ranks)
{
	int r;

	for (r = 0; r < NRANKS - 1 && !(ranks & (1u << r)); r++)
		;
	return r;
}

static int rank_max(uint8_t ranks)
{
	int r;

	for (r = NRANKS - 1; r > 0 && !(ranks & (1u << r)); r--)
		;
	return r;
}

/*
 * The walk order of the groups: by weight (higher first), then by their
 * action ranks (lowest first), then by shape.  The tiers that are not late
 * keep exactly this order (struct ipp_ctier.pos): the late elements are
 * chosen for it.
 */
static int group_order_cmp(const void *x, const void *y, void *ctx)
{
	const struct group *g = ctx;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	int c;

	if (g[a].weight != g[b].weight)
		return g[a].weight > g[b].weight ? -1 : 1;
	if (rank_min(g[a].ranks) != rank_min(g[b].ranks))
		return rank_min(g[a].ranks) < rank_min(g[b].ranks) ? -1 : 1;
	if (rank_max(g[a].ranks) != rank_max(g[b].ranks))
		return rank_max(g[a].ranks) < rank_max(g[b].ranks) ? -1 : 1;
	if ((c = shape_cmp(&g[a].shape, &g[b].shape)) != 0)
		return c;
	return a < b ? -1 : a > b;
}

/*
 * The common key of two shapes that can meet: each address field at the
 * shorter of the two prefix lengths (left out when either side is any or
 * me: it may match anything), the ports as they are (shapes of one weight
 * have the same port fields).  Elements of the two shapes overlap exactly
 * when their common keys are equal.
 */
struct common {
	uint8_t src_plen, dst_plen; /* 0: not compared */
	bool proto;		    /* both shapes have the protocol in the key */
	bool sport, dport;
};

static void common_of(const struct ipp_cshape *a, const struct ipp_cshape *b, struct common *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (a->src_kind == IPP_ADDR_IP && b->src_kind == IPP_ADDR_IP)
		ret->src_plen = a->src_plen < b->src_plen ? a->src_plen : b->src_plen;
	if (a->dst_kind == IPP_ADDR_IP && b->dst_kind == IPP_ADDR_IP)
		ret->dst_plen = a->dst_plen < b->dst_plen ? a->dst_plen : b->dst_plen;
	ret->proto = a->pkey && b->pkey;
	ret->sport = a->sport && b->sport;
	ret->dport = a->dport && b->dport;
}

static void common_key(const struct common *m, const struct ipp_ckey *k, struct ipp_ckey *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (m->src_plen) {
		memcpy(ret->src, k->src, 16);
		ipp_ip_mask(ret->src, m->src_plen);
	}
	if (m->dst_plen) {
		memcpy(ret->dst, k->dst, 16);
		ipp_ip_mask(ret->dst, m->dst_plen);
	}
	if (m->proto)
		ret->proto = k->proto;
	if (m->sport)
		ret->sport = k->sport;
	if (m->dport)
		ret->dport = k->dport;
}

static uint64_t key_hash(const struct ipp_ckey *k)
{
	uint64_t w[4], h;

	memcpy(&w[0], k->src, 8);
	memcpy(&w[1], k->src + 8, 8);
	memcpy(&w[2], k->dst, 8);
	memcpy(&w[3], k->dst + 8, 8);
	h = w[0] * 0x9e3779b97f4a7c15ULL ^ w[1] * 0xc2b2ae3d27d4eb4fULL ^
	    w[2] * 0x165667b19e3779f9ULL ^ w[3] * 0xd6e8feb86659fd93ULL ^
	    ((uint64_t)k->proto << 32 | (uint64_t)k->sport << 16 | k->dport) *
		0xff51afd7ed558ccdULL;
	return mix(h);
}

/* Common keys of one group, with the best action rank under each. */
struct ktab {
	struct ipp_ckey *keys;
	uint8_t *rank; /* 0xff: empty slot */
	size_t n;      /* slots, a power of two */
};

/* The table of the elements of @v (only the late ones with @late_only). */
static int ktab_build(struct ktab *t, const struct common *m, const struct cand *v, size_t n,
		      bool late_only)
{
	size_t i, need = 16;

	while (need < 2 * n)
		need *= 2;
	if (need > t->n) {
		struct ipp_ckey *k = realloc(t->keys, need * sizeof(*k));

		if (!k)
			return -ENOMEM;
		t->keys = k;
		free(t->rank);
		t->rank = malloc(need);
		if (!t->rank) {
			t->n = 0;
			return -ENOMEM;
		}
	}
	t->n = need;
	memset(t->rank, 0xff, need);
	for (i = 0; i < n; i++) {
		struct ipp_ckey k;
		size_t h;
		uint8_t r = (uint8_t)elem_rank(&v[i].e);

		if (late_only && !v[i].late)
			continue;
		common_key(m, &v[i].e.key, &k);
		for (h = key_hash(&k) & (need - 1); t->rank[h] != 0xff; h = (h + 1) & (need - 1))
			if (!memcmp(&t->keys[h], &k, sizeof(k)))
				break;
		if (t->rank[h] == 0xff) {
			t->keys[h] = k;
			t->rank[h] = r;
		} else if (r < t->rank[h]) {
			t->rank[h] = r;
		}
	}
	return 0;
}

/* The best rank that the table holds under common key @k (0xff: none). */
static uint8_t ktab_rank(const struct ktab *t, const struct ipp_ckey *k)
{
	size_t h;

	for (h = key_hash(k) & (t->n - 1); t->rank[h] != 0xff; h = (h + 1) & (t->n - 1))
		if (!memcmp(&t->keys[h], k, sizeof(*k)))
			return t->rank[h];
	return 0xff;
}

/*
 * Mark late the elements of @y (not late yet) that an element of @x (a late
 * one with @late_only) with a better action overlaps.  *changed is set
 * when one was marked.
 */
static int mark_late_from(struct builder *b, const struct group *x, const struct group *y,
			  bool late_only, struct ktab *tab, bool *changed)
{
	struct common m;
	size_t i;
	int r;

	common_of(&x->shape, &y->shape, &m);
	if ((r = ktab_build(tab, &m, &b->c[x->first], x->n, late_only)) < 0)
		return r;
	for (i = 0; i < y->n; i++) {
		struct cand *f = &b->c[y->first + i];
		struct ipp_ckey k;

		if (f->late)
			continue;
		common_key(&m, &f->e.key, &k);
		if (ktab_rank(tab, &k) < elem_rank(&f->e)) {
			f->late = true;
			*changed = true;
		}
	}
	return 0;
}

/*
 * Within one weight the tiers are walked by the action ranks they hold
 * (lowest first, then highest first), and a packet hits at most one
 * element per tier.  The packet gets the tie-break winner (block, then
 * negotiate, then permit) unless it matches an element of one tier and a
 * better action in a tier walked later.  So an element that a better action
 * of a later tier of its weight overlaps is "late": it goes to a late tier
 * of its shape and action, walked after all the others of the weight,
 * negotiate before permit.  Every element that a better late one overlaps
 * becomes late as well (it would now be walked before it), until nothing
 * changes.  Then a packet that hits a tier that is not late matches no
 * better action at that weight, and among the late ones the better action
 * comes first.
 */
static int mark_late(struct builder *b)
{
	struct ktab tab = {0};
	uint32_t *order;
	size_t i, j, k, l;
	bool changed;
	int r = 0;

	if (b->ng == 0)
		return 0;
	order = malloc(b->ng * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < b->ng; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, b->ng, sizeof(*order), group_order_cmp, b->g);
	for (i = 0; i < b->ng; i++)
		b->g[order[i]].pos = (uint32_t)i;
	for (i = 0; i < b->ng && r == 0; i = j) {
		uint8_t all = 0;
		bool any = false;

		for (j = i; j < b->ng && b->g[order[j]].weight == b->g[order[i]].weight; j++)
			all |= b->g[order[j]].ranks;
		if (j - i < 2 || !(all & (all - 1)))
			continue; /* one shape, or one action: nothing to order */
		/* overlapped by a better action walked later */
		for (k = i; k < j && r == 0; k++) {
			for (l = k + 1; l < j && r == 0; l++) {
				const struct group *x = &b->g[order[k]], *y = &b->g[order[l]];

				if (x->n == 0 || y->n == 0 ||
				    rank_min(y->ranks) >= rank_max(x->ranks) ||
				    !shapes_meet(&x->shape, &y->shape))
					continue;
				r = mark_late_from(b, y, x, false, &tab, &any);
			}
		}
		/* overlapped by a better late element */
		for (changed = any; changed && r == 0;) {
			changed = false;
			for (k = i; k < j && r == 0; k++) {
				for (l = i; l < j && r == 0; l++) {
					const struct group *x = &b->g[order[k]],
							   *y = &b->g[order[l]];

					if (k == l || x->n == 0 || y->n == 0 ||
					    rank_min(x->ranks) >= rank_max(y->ranks) ||
					    !shapes_meet(&x->shape, &y->shape))
						continue;
					r = mark_late_from(b, x, y, true, &tab, &changed);
				}
			}
		}
	}
	free(tab.keys);
	free(tab.rank);
	free(order);
	return r;
}

/* ---------- pass 4: tiers, order, names ---------- */

static const char *rank_suffix(int rank)
{
	switch (rank) {
	case 0:
		return "_block";
	case 1:
		return "_negotiate";
	case 2:
		return "_negotiate_inpass";
	case 3:
		return "_negotiate_soft";
	case 4:
		return "_permit";
	}
	return "";
}

static void side_addr(uint8_t kind, uint8_t family, uint8_t plen, struct ipp_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	if (kind == IPP_ADDR_IP) {
		a->family = family;
		a->plen = plen;
	}
}

static void tier_name(struct ipp_ctier *t)
{
	const struct ipp_cshape *s = &t->shape;
	struct ipp_addr sa, da;
	char src[8], dst[8], proto[8], w[16] = "";
	uint32_t natural;
	bool split;

	side_addr(s->src_kind, s->family, s->src_plen, &sa);
	side_addr(s->dst_kind, s->family, s->dst_plen, &da);
	natural = ipp_weight(&sa, &da, ipp_cshape_proto(s), s->sport, s->dport);
	if (natural != t->weight)
		snprintf(w, sizeof(w), "_w%x", t->weight);
	if (s->src_kind == IPP_ADDR_IP)
		snprintf(src, sizeof(src), "s%u", s->src_plen);
	else
		snprintf(src, sizeof(src), "%s", s->src_kind == IPP_ADDR_ME ? "sme" : "sany");
	if (s->dst_kind == IPP_ADDR_IP)
		snprintf(dst, sizeof(dst), "d%u", s->dst_plen);
	else
		snprintf(dst, sizeof(dst), "%s", s->dst_kind == IPP_ADDR_ME ? "dme" : "dany");
	if (s->proto)
		snprintf(proto, sizeof(proto), "p%u", s->proto);
	else
		snprintf(proto, sizeof(proto), "%s", s->pkey ? "pkey" : "pany");
	/* a map split by hook (no "me" side makes it single-hook by itself) */
	split = s->src_kind != IPP_ADDR_ME && s->dst_kind != IPP_ADDR_ME;
	snprintf(t->name, sizeof(t->name), "%s_%s_%s_%s%s%s%s%s%s%s%s%s",
		 s->family == AF_INET	 ? "ip"
		 : s->family == AF_INET6 ? "ip6"
					 : "inet",
		 src, dst, proto, s->sport ? "_sp" : "", s->dport ? "_dp" : "",
		 s->conn == IPP_CCONN_LAN      ? "_lan"
		 : s->conn == IPP_CCONN_DIALUP ? "_dialup"
					       : "",
		 s->dir == IPP_SF_IN	? "_dirin"
		 : s->dir == IPP_SF_OUT ? "_dirout"
					: "",
		 w, t->late ? "_late" : "", rank_suffix(t->rank),
		 !split			     ? ""
		 : t->hooks == IPP_CHOOK_IN  ? "_in"
		 : t->hooks == IPP_CHOOK_OUT ? "_out"
					     : "");
}

/* Does *@p begin with @word?  Then past it. */
static bool eat(const char **p, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*p, word, n))
		return false;
	*p += n;
	return true;
}

/* eat(), for a whole part of a name: @word followed by its end or another part. */
static bool eat_part(const char **p, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*p, word, n) || ((*p)[n] != '\0' && (*p)[n] != '_'))
		return false;
	*p += n;
	return true;
}

bool ipp_ctier_parse_name(const char *name, struct ipp_ctier *ret)
{
	struct ipp_cshape *s = &ret->shape;
	struct ipp_addr sa, da;
	const char *p = name;
	char *end;
	unsigned long v;
	bool wgiven = false;

	memset(ret, 0, sizeof(*ret));
	if (snprintf(ret->name, sizeof(ret->name), "%s", name) >= (int)sizeof(ret->name))
		return false;
	if (eat(&p, "ip6_"))
		s->family = AF_INET6;
	else if (eat(&p, "ip_"))
		s->family = AF_INET;
	else if (!eat(&p, "inet_"))
		return false;
	for (int side = 0; side < 2; side++) {
		uint8_t *kind = side ? &s->dst_kind : &s->src_kind;
		uint8_t *plen = side ? &s->dst_plen : &s->src_plen;

		if (*p != (side ? 'd' : 's'))
			return false;
		p++;
		if (eat(&p, "me_")) {
			*kind = IPP_ADDR_ME;
		} else if (eat(&p, "any_")) {
			*kind = IPP_ADDR_ANY;
		} else {
			v = strtoul(p, &end, 10);
			if (end == p || *end != '_' || v > 128)
				return false;
			*kind = IPP_ADDR_IP;
			*plen = (uint8_t)v;
			p = end + 1;
		}
	}
	if (*p++ != 'p')
		return false;
	if (eat(&p, "any")) {
		/* any protocol */
	} else if (eat(&p, "key")) {
		s->pkey = true;
	} else {
		v = strtoul(p, &end, 10);
		if (end == p || v == 0 || v > 255)
			return false;
		s->proto = (uint8_t)v;
		p = end;
	}
	s->sport = eat_part(&p, "_sp");
	s->dport = eat_part(&p, "_dp");
	if (eat(&p, "_lan"))
		s->conn = IPP_CCONN_LAN;
	else if (eat(&p, "_dialup"))
		s->conn = IPP_CCONN_DIALUP;
	if (eat(&p, "_dirin"))
		s->dir = IPP_SF_IN;
	else if (eat(&p, "_dirout"))
		s->dir = IPP_SF_OUT;
	if (!strncmp(p, "_w", 2)) {
		v = strtoul(p + 2, &end, 16);
		if (end == p + 2)
			return false;
		ret->weight = (uint32_t)v;
		wgiven = true;
		p = end;
	}
	ret->late = !strncmp(p, "_late", 5);
	side_addr(s->src_kind, s->family, s->src_plen, &sa);
	side_addr(s->dst_kind, s->family, s->dst_plen, &da);
	if (!wgiven)
		ret->weight = ipp_weight(&sa, &da, ipp_cshape_proto(s), s->sport, s->dport);
	/* the hooks: a split map says which; else a "me" side decides, or both */
	v = strlen(name);
	if (v > 3 && !strcmp(name + v - 3, "_in"))
		ret->hooks = IPP_CHOOK_IN;
	else if (v > 4 && !strcmp(name + v - 4, "_out"))
		ret->hooks = IPP_CHOOK_OUT;
	else
		ret->hooks = (uint8_t)shape_hooks(s);
	return ret->hooks != 0;
}

static int tier_cmp(const void *x, const void *y)
{
	const struct ipp_ctier *a = x, *b = y;
	const struct ipp_cshape *s = &a->shape, *t = &b->shape;

#define BY(e)                                                                                      \
	if ((e) != 0)                                                                              \
	return (e) < 0 ? -1 : 1
	BY((int64_t)b->weight - (int64_t)a->weight);
	BY((int)a->late - (int)b->late);
	/* the others in the order the late elements were chosen for; the late by action */
	if (!a->late)
		BY((int64_t)a->pos - (int64_t)b->pos);
	BY((int)a->rank_min - (int)b->rank_min);
	BY(shape_cmp(s, t));
	BY((int)a->hooks - (int)b->hooks);
#undef BY
	return 0;
}

/*
 * A tier of group @g: its elements that are not late (@late false, @rank
 * -1), or its late elements of action rank @rank.
 */
static int push_tier(struct ipp_compiled *c, size_t *cap, const struct group *g, bool late,
		     int rank, const struct cand *v, size_t n, uint8_t *seen)
{
	struct ipp_ctier *t;
	size_t i, k = 0;
	uint8_t ranks = 0;

	if (ipp_grow((void **)&c->tiers, cap, c->ntiers + 1, sizeof(*c->tiers)) < 0)
		return -ENOMEM;
	t = &c->tiers[c->ntiers];
	memset(t, 0, sizeof(*t));
	t->shape = g->shape;
	t->weight = g->weight;
	t->rank = (int8_t)rank;
	t->late = late;
	t->pos = g->pos;
	t->elems = malloc(n * sizeof(*t->elems));
	if (!t->elems)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (v[i].late != late || (rank >= 0 && elem_rank(&v[i].e) != rank))
			continue;
		t->elems[k++] = v[i].e;
		ranks |= (uint8_t)(1u << elem_rank(&v[i].e));
	}
	if (k == 0) {
		free(t->elems);
		return 0;
	}
	t->rank_min = (uint8_t)rank_min(ranks);
	t->rank_max = (uint8_t)rank_max(ranks);
	/* the other rules, for the comments (@seen: a bit per rule, all clear) */
	if (seen) {
		uint32_t r0 = t->elems[0].rule;

		for (i = 0; i < k; i++) {
			uint32_t r = t->elems[i].rule;

			if (r >= c->nrules || r == r0 || (seen[r / 8] & (1u << (r % 8))))
				continue;
			seen[r / 8] |= (uint8_t)(1u << (r % 8));
			t->more_rules++;
		}
		for (i = 0; i < k; i++)
			if (t->elems[i].rule < c->nrules)
				seen[t->elems[i].rule / 8] = 0;
	}
	t->nelems = k;
	c->nelems += k;
	t->hooks = (uint8_t)shape_hooks(&t->shape);
	if (t->hooks == (IPP_CHOOK_IN | IPP_CHOOK_OUT) && !ipp_ctier_keyless(t)) {
		bool neg = false;

		for (i = 0; i < k && !neg; i++)
			neg = t->elems[i].verdict == IPP_CV_NEGOTIATE;
		if (neg) {
			/* one map per hook: the negotiate verdict differs (see compile.h) */
			struct ipp_ctier *o = &c->tiers[c->ntiers + 1];

			if (c->ntiers + 1 == *cap) {
				if (ipp_grow((void **)&c->tiers, cap, c->ntiers + 2, sizeof(*c->tiers)) <
				    0) {
					free(t->elems);
					return -ENOMEM;
				}
				t = &c->tiers[c->ntiers];
				o = &c->tiers[c->ntiers + 1];
			}
			*o = *t;
			o->elems = malloc(k * sizeof(*o->elems));
			if (!o->elems) {
				free(t->elems);
				return -ENOMEM;
			}
			memcpy(o->elems, t->elems, k * sizeof(*o->elems));
			t->hooks = IPP_CHOOK_IN;
			o->hooks = IPP_CHOOK_OUT;
			tier_name(o);
			c->nelems += k;
			c->ntiers++;
		}
	}
	tier_name(t);
	c->ntiers++;
	return 0;
}

static void gate_add(struct ipp_cgate *g, const uint8_t *ip, unsigned plen)
{
	unsigned first = (unsigned)ip[0] << 8 | ip[1], span, i;

	if (plen >= 16) {
		span = 1;
	} else {
		span = 1u << (16 - plen);
		first &= ~(span - 1);
	}
	for (i = first; i < first + span; i++) {
		if (g->bits[i / 8] & (1u << (i % 8)))
			continue;
		g->bits[i / 8] |= (uint8_t)(1u << (i % 8));
		g->n++;
	}
}

/* The gates: every bucket of every address key of every element. */
static void fill_gates(struct ipp_compiled *c)
{
	size_t i, k;

	for (i = 0; i < c->ntiers; i++) {
		const struct ipp_ctier *t = &c->tiers[i];
		const struct ipp_cshape *s = &t->shape;
		int fam = s->family == AF_INET6 ? 1 : 0;

		for (k = 0; k < t->nelems; k++) {
			if (s->src_kind == IPP_ADDR_IP && s->src_plen)
				gate_add(&c->gate[fam][0], t->elems[k].key.src, s->src_plen);
			if (s->dst_kind == IPP_ADDR_IP && s->dst_plen)
				gate_add(&c->gate[fam][1], t->elems[k].key.dst, s->dst_plen);
		}
	}
}

int ipp_compile(const struct ipp_effective *e, const struct ipp_copts *o, struct ipp_compiled **ret,
		struct ipp_error *err)
{
	struct builder b = {0};
	struct ipp_compiled *c;
	struct cand *u;
	uint8_t *seen = NULL;
	size_t i, j, n, cap = 0;
	int r;

	if (o && o->rest && !ipp_mode_takes_rest(o->rest))
		return ipp_err(err, EINVAL, "mode \"%s\" cannot take what no filter matches",
			       ipp_mode_name(o->rest));
	if (o && o->rest_nexempt > IPP_BOOTEXEMPT_MAX)
		return ipp_err(err, EINVAL, "more than %d boot exemptions", IPP_BOOTEXEMPT_MAX);
	c = calloc(1, sizeof(*c));
	if (!c)
		return ipp_err(err, ENOMEM, "out of memory");
	if (o)
		c->opts = *o;
	else
		ipp_copts_init(&c->opts);
	if (e->nrules) {
		c->rules = calloc(e->nrules, sizeof(*c->rules));
		if (!c->rules) {
			r = -ENOMEM;
			goto fail;
		}
	}
	for (i = 0; i < e->nrules; i++) {
		struct ipp_crule *cr = &c->rules[i];

		snprintf(cr->policy, sizeof(cr->policy), "%s", e->rules[i].policy);
		snprintf(cr->rule, sizeof(cr->rule), "%s", e->rules[i].rule);
		snprintf(cr->policy_guid, sizeof(cr->policy_guid), "%s", e->rules[i].policy_guid);
		snprintf(cr->rule_guid, sizeof(cr->rule_guid), "%s", e->rules[i].rule_guid);
		cr->number = e->rules[i].number;
		cr->store = e->rules[i].store;
		cr->origin = e->rules[i].origin;
		cr->action = e->rules[i].fa.action;
	}
	c->nrules = e->nrules;
	c->nsf = e->nsf;

	/* pass 1 and 2 */
	for (i = 0; i < e->nsf; i++) {
		if ((r = add_sfilter(&b, &e->sf[i], (uint32_t)i,
				     &e->rules[e->sf[i].rule])) < 0) {
			if (r == -E2BIG) {
				const struct ipp_eff_rule *er = &e->rules[e->sf[i].rule];

				r = ipp_err(
				    err, E2BIG,
				    "policy \"%s\" rule \"%s\" filter %u: its address ranges "
				    "split into more than %d keys",
				    er->policy, er->rule, e->sf[i].filter + 1, MAX_KEYS_PER_FILTER);
				goto fail_set;
			}
			goto fail;
		}
	}
	if ((r = sort_cands(&b)) < 0)
		goto fail;
	/* keep the best filter per key: the first of each run */
	for (i = 0, n = 0; i < b.nc; i++) {
		if (n && b.c[n - 1].group == b.c[i].group &&
		    !memcmp(&b.c[n - 1].e.key, &b.c[i].e.key, sizeof(b.c[i].e.key))) {
			c->nshadowed++;
			b.c[n - 1].e.twinned = true;
			continue;
		}
		b.c[n++] = b.c[i];
	}
	b.nc = n;
	for (i = 0; i < b.nc; i = j) {
		for (j = i + 1; j < b.nc && b.c[j].group == b.c[i].group; j++)
			;
		b.g[b.c[i].group].first = i;
		b.g[b.c[i].group].n = j - i;
	}
	/* ranks present after removing shadowed keys */
	for (i = 0; i < b.ng; i++)
		b.g[i].ranks = 0;
	for (i = 0; i < b.nc; i++) {
		b.g[b.c[i].group].ranks |= (uint8_t)(1u << elem_rank(&b.c[i].e));
	}

	/* pass 3 */
	if ((r = mark_late(&b)) < 0)
		goto fail;

	/* pass 4 */
	seen = calloc(e->nrules / 8 + 1, 1); /* without it, no rule counts in the comments */
	for (i = 0; i < b.ng; i++) {
		struct group *g = &b.g[i];
		int rk;

		if (g->n == 0)
			continue;
		u = &b.c[g->first];
		if ((r = push_tier(c, &cap, g, false, -1, u, g->n, seen)) < 0)
			goto fail;
		for (rk = 1; rk < NRANKS; rk++) /* block is never late */
			if ((r = push_tier(c, &cap, g, true, rk, u, g->n, seen)) < 0)
				goto fail;
	}
	if (c->ntiers)
		qsort(c->tiers, c->ntiers, sizeof(*c->tiers), tier_cmp);
	fill_gates(c);
	if ((r = ipp_compiled_cover(c)) < 0)
		goto fail;
	free(b.c);
	free(b.g);
	free(b.slot);
	free(seen);
	*ret = c;
	return 0;
fail:
	r = ipp_err(err, -r, "compiling the effective policy: out of memory");
fail_set:
	free(b.c);
	free(b.g);
	free(b.slot);
	free(seen);
	ipp_compiled_free(c);
	return r;
}

/* ---------- lookups and formatting ---------- */

const struct ipp_ctier *ipp_compiled_tier(const struct ipp_compiled *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ntiers; i++)
		if (!strcmp(c->tiers[i].name, name))
			return &c->tiers[i];
	return NULL;
}

void ipp_compiled_kernel_tiers(const struct ipp_compiled *c, const char *name,
			       struct ipp_ktiers *ret)
{
	char group[IPP_CTIER_NAME_MAX], g[IPP_CTIER_NAME_MAX];
	size_t i, n = strlen(name), glen;
	unsigned hooks = IPP_CHOOK_IN | IPP_CHOOK_OUT, on = 0;

	/* the hook of a map split by hook, as ipp_ctier_group() strips it */
	if (n > 3 && !strcmp(name + n - 3, "_in"))
		hooks = IPP_CHOOK_IN;
	else if (n > 4 && !strcmp(name + n - 4, "_out"))
		hooks = IPP_CHOOK_OUT;
	ipp_ctier_group(name, group, sizeof(group));
	glen = strlen(group);
	ret->n = 0;
	for (i = 0; i < c->ntiers && ret->n < IPP_KTIERS_MAX; i++) {
		const struct ipp_ctier *t = &c->tiers[i];

		/* (a group is the start of its tiers' names: only those are looked at
		 * closer, once per map of a table of thousands) */
		if (!(t->hooks & hooks) || strncmp(t->name, group, glen) ||
		    (t->name[glen] && t->name[glen] != '_'))
			continue;
		ipp_ctier_group(t->name, g, sizeof(g));
		if (strcmp(g, group))
			continue;
		on |= t->hooks;
		if (strcmp(t->name, name)) {
			ret->v[ret->n++] = t;
			continue;
		}
		/* the tier of the very name first: where the names agree, as they are */
		memmove(&ret->v[1], &ret->v[0], ret->n++ * sizeof(ret->v[0]));
		ret->v[0] = t;
	}
	/* a map of a shape with a "me" side is on one hook, whatever its name says */
	ret->hooks = (uint8_t)(hooks & on);
}

const struct ipp_celem *ipp_ktiers_find(const struct ipp_ktiers *kt, unsigned hook,
					const struct ipp_ckey *k, const struct ipp_ctier **tier_ret)
{
	const struct ipp_celem *e;
	size_t i;

	for (i = 0; i < kt->n; i++) {
		if (!(kt->v[i]->hooks & hook) || !(e = ipp_ctier_find(kt->v[i], k)))
			continue;
		*tier_ret = kt->v[i];
		return e;
	}
	return NULL;
}

const struct ipp_ctier *ipp_compiled_rule_tier(const struct ipp_compiled *c, const char *comment)
{
	const char *colon = strchr(comment, ':');
	char name[IPP_CTIER_NAME_MAX];
	struct ipp_ktiers kt;

	if (!colon || (size_t)(colon - comment) >= sizeof(name))
		return NULL;
	snprintf(name, sizeof(name), "%.*s", (int)(colon - comment), comment);
	ipp_compiled_kernel_tiers(c, name, &kt);
	return kt.n && ipp_ctier_keyless(kt.v[0]) ? kt.v[0] : NULL;
}

void ipp_ctier_group(const char *name, char *buf, size_t len)
{
	/* the longer first: "_late_negotiate" is in "_late_negotiate_soft" */
	static const char *const late[] = {"_late_negotiate_inpass", "_late_negotiate_soft",
					   "_late_block", "_late_negotiate", "_late_permit"};
	char tmp[IPP_CTIER_NAME_MAX];
	size_t i, n;
	char *at;

	snprintf(tmp, sizeof(tmp), "%s", name);
	for (i = 0; i < sizeof(late) / sizeof(late[0]); i++) {
		if ((at = strstr(tmp, late[i]))) {
			n = strlen(late[i]);
			memmove(at, at + n, strlen(at + n) + 1);
			break;
		}
	}
	n = strlen(tmp);
	if (n > 3 && !strcmp(tmp + n - 3, "_in"))
		tmp[n - 3] = '\0';
	else if (n > 4 && !strcmp(tmp + n - 4, "_out"))
		tmp[n - 4] = '\0';
	snprintf(buf, len, "%s", tmp);
}

const struct ipp_celem *ipp_ctier_find(const struct ipp_ctier *t, const struct ipp_ckey *k)
{
	size_t lo = 0, hi = t->nelems;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(&t->elems[mid].key, k, sizeof(*k));

		if (c == 0)
			return &t->elems[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct ipp_celem *ipp_ctier_decider(const struct ipp_ctier *t, const struct ipp_ckey *k)
{
	if (ipp_ctier_keyless(t))
		return t->nelems ? &t->elems[0] : NULL;
	return ipp_ctier_find(t, k);
}

void ipp_celem_describe(const struct ipp_compiled *c, const struct ipp_celem *e, char *buf,
			size_t len)
{
	const struct ipp_crule *r;

	if (e->rule >= c->nrules) {
		snprintf(buf, len, "filter %u", e->filter + 1);
		return;
	}
	r = &c->rules[e->rule];
	snprintf(buf, len, "policy \"%s\" rule \"%s\" filter %u%s", r->policy, r->rule,
		 e->filter + 1, e->reversed ? " mirrored" : "");
}

/* inet_ntop, with a fast path for IPv4 (the emitter formats every element). */
static size_t fmt_ip(uint8_t family, const uint8_t *ip, char *buf, size_t len)
{
	if (family != AF_INET6 && len >= 16) {
		char *p = buf;
		int i;

		for (i = 0; i < 4; i++) {
			unsigned v = ip[i];

			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return (size_t)(p - buf - 1);
	}
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, ip, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return strlen(buf);
}

/* Append @src (n bytes) at *@used of @buf (capacity @len), keeping room for the NUL. */
static void put(char *buf, size_t len, size_t *used, const char *src, size_t n)
{
	if (*used + n >= len)
		n = len - 1 - *used;
	memcpy(buf + *used, src, n);
	*used += n;
}

static size_t fmt_u16(uint16_t v, char *out)
{
	char tmp[6];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* Called for every element the emitter writes: no printf. */
void ipp_ckey_format(const struct ipp_cshape *s, const struct ipp_ckey *k, char *buf, size_t len)
{
	char f[INET6_ADDRSTRLEN + 8];
	size_t used = 0, n;
	bool first = true;

	if (len == 0)
		return;
	if (s->src_kind == IPP_ADDR_IP && s->src_plen) {
		n = fmt_ip(s->family, k->src, f, sizeof(f));
		put(buf, len, &used, f, n);
		first = false;
	}
	if (s->dst_kind == IPP_ADDR_IP && s->dst_plen) {
		if (!first)
			put(buf, len, &used, " . ", 3);
		n = fmt_ip(s->family, k->dst, f, sizeof(f));
		put(buf, len, &used, f, n);
		first = false;
	}
	if (s->pkey) {
		if (!first)
			put(buf, len, &used, " . ", 3);
		n = fmt_u16(k->proto, f);
		put(buf, len, &used, f, n);
		first = false;
	}
	if (s->sport) {
		if (!first)
			put(buf, len, &used, " . ", 3);
		n = fmt_u16(k->sport, f);
		put(buf, len, &used, f, n);
		first = false;
	}
	if (s->dport) {
		if (!first)
			put(buf, len, &used, " . ", 3);
		n = fmt_u16(k->dport, f);
		put(buf, len, &used, f, n);
	}
	buf[used] = '\0';
}

static int parse_u16(const char *s, uint16_t *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

int ipp_ckey_parse(const struct ipp_cshape *s, const char *text, struct ipp_ckey *ret)
{
	char buf[256], *fields[4], *q = buf;
	struct ipp_ckey k;
	size_t nf = 0, want, i = 0;
	int af = s->family == AF_INET6 ? AF_INET6 : AF_INET;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	if (ipp_ctier_shape_keyless(s)) {
		/* a tier without a key (any to any, me): its one element's key is empty */
		if (*text)
			return -EINVAL;
		memset(ret, 0, sizeof(*ret));
		return 0;
	}
	strcpy(buf, text);
	/* fields are joined by " . " (IPv4 addresses have dots of their own) */
	while (q) {
		char *sep = strstr(q, " . ");

		if (nf == 4)
			return -EINVAL;
		fields[nf++] = q;
		if (sep) {
			*sep = '\0';
			q = sep + 3;
		} else {
			q = NULL;
		}
	}
	memset(&k, 0, sizeof(k));
	want = (size_t)(s->src_kind == IPP_ADDR_IP && s->src_plen) +
	       (size_t)(s->dst_kind == IPP_ADDR_IP && s->dst_plen) + s->pkey + s->sport + s->dport;
	if (nf != want)
		return -EINVAL;
	if (s->src_kind == IPP_ADDR_IP && s->src_plen && inet_pton(af, fields[i++], k.src) != 1)
		return -EINVAL;
	if (s->dst_kind == IPP_ADDR_IP && s->dst_plen && inet_pton(af, fields[i++], k.dst) != 1)
		return -EINVAL;
	if (s->pkey) {
		uint16_t p;

		if (parse_u16(fields[i++], &p) < 0 || p == 0 || p > 255)
			return -EINVAL;
		k.proto = (uint8_t)p;
	}
	if (s->sport && parse_u16(fields[i++], &k.sport) < 0)
		return -EINVAL;
	if (s->dport && parse_u16(fields[i++], &k.dport) < 0)
		return -EINVAL;
	*ret = k;
	return 0;
}

int ipp_ckey_from_kernel(const struct ipp_cshape *s, const uint8_t *key, size_t len,
			 struct ipp_ckey *ret)
{
	bool src = s->src_kind == IPP_ADDR_IP && s->src_plen;
	bool dst = s->dst_kind == IPP_ADDR_IP && s->dst_plen;
	size_t al = s->family == AF_INET6 ? 16 : 4, at = 0;
	size_t nf = (size_t)src + (size_t)dst + s->pkey + s->sport + s->dport;
	size_t plen = nf > 1 ? 4 : 2; /* a port's room: padded in a concatenation */
	size_t prlen = nf > 1 ? 4 : 1; /* the protocol's */
	struct ipp_ckey k;

	memset(&k, 0, sizeof(k));
	if (nf == 0)
		return -EINVAL; /* a keyless tier is a rule, not a map */
	if (src) {
		if (at + al > len)
			return -EINVAL;
		memcpy(k.src, key + at, al);
		at += al;
	}
	if (dst) {
		if (at + al > len)
			return -EINVAL;
		memcpy(k.dst, key + at, al);
		at += al;
	}
	if (s->pkey) {
		if (at + prlen > len)
			return -EINVAL;
		k.proto = key[at];
		at += prlen;
	}
	if (s->sport) {
		if (at + plen > len)
			return -EINVAL;
		k.sport = (uint16_t)(key[at] << 8 | key[at + 1]);
		at += plen;
	}
	if (s->dport) {
		if (at + plen > len)
			return -EINVAL;
		k.dport = (uint16_t)(key[at] << 8 | key[at + 1]);
		at += plen;
	}
	if (at != len)
		return -EINVAL;
	*ret = k;
	return 0;
}

/* ---------- what the kernel's walk decides (the flow cache's counters) ---------- */

/* (@always: "me" matches whatever the address, the source on output) */
static bool side_key(const struct ipp_cshape *s, bool src, bool always, int family,
		     const uint8_t ip[16], bool (*is_local)(int, const uint8_t[16], void *),
		     void *ctx, uint8_t out[16])
{
	uint8_t kind = src ? s->src_kind : s->dst_kind;
	uint8_t plen = src ? s->src_plen : s->dst_plen;

	memset(out, 0, 16);
	if (kind == IPP_ADDR_ME)
		/* (always: but not from no address, 0.0.0.0 or ::) */
		return always ? !ipp_ip_is_unspecified(family, ip)
			      : is_local && is_local(family, ip, ctx);
	if (kind == IPP_ADDR_IP && plen) {
		memcpy(out, ip, family == AF_INET6 ? 16 : 4);
		ipp_ip_mask(out, plen);
	}
	return true;
}

/* The key tier @t would look a packet up by; false when the packet cannot match @t. */
static bool tier_key(const struct ipp_ctier *t, unsigned hook, uint8_t conn, int family,
		     const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint16_t sport,
		     uint16_t dport, bool (*is_local)(int, const uint8_t[16], void *), void *ctx,
		     struct ipp_ckey *k)
{
	const struct ipp_cshape *s = &t->shape;
	bool ports = proto == IPPROTO_TCP || proto == IPPROTO_UDP;

	if (!(t->hooks & hook) || (s->family && s->family != family))
		return false;
	if (s->proto && s->proto != proto)
		return false;
	if (s->pkey && ipp_cproto_own(proto))
		return false;
	if (s->conn && s->conn != conn)
		return false;
	if ((s->sport || s->dport) && !ports)
		return false;
	memset(k, 0, sizeof(*k));
	if (!side_key(s, true, hook == IPP_CHOOK_OUT, family, src, is_local, ctx, k->src) ||
	    !side_key(s, false, false, family, dst, is_local, ctx, k->dst))
		return false;
	if (s->pkey)
		k->proto = proto;
	if (s->sport)
		k->sport = sport;
	if (s->dport)
		k->dport = dport;
	return true;
}

bool ipp_ctier_packet_key(const struct ipp_ctier *t, bool inbound, int family,
			  const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
			  uint16_t sport, uint16_t dport,
			  bool (*is_local)(int family, const uint8_t ip[16], void *ctx), void *ctx,
			  struct ipp_ckey *k)
{
	/* no interface in the flow cache's key: taken as a LAN's */
	return tier_key(t, inbound ? IPP_CHOOK_IN : IPP_CHOOK_OUT, IPP_CCONN_LAN, family, src, dst,
			proto, sport, dport, is_local, ctx, k);
}

static int change_cmp(const void *x, const void *y)
{
	const struct ipp_patch_change *a = x, *b = y;

	if (a->tier != b->tier)
		return a->tier < b->tier ? -1 : 1;
	return memcmp(&a->key, &b->key, sizeof(a->key));
}

void ipp_patch_changes_sort(struct ipp_patch_change *ch, size_t n)
{
	if (n > 1)
		qsort(ch, n, sizeof(*ch), change_cmp);
}

static const struct ipp_celem *
match_before(const struct ipp_compiled *c, const struct ipp_patch_change *ch, size_t nch,
	     bool inbound, int family, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
	     uint16_t sport, uint16_t dport, unsigned iftype,
	     bool (*is_local)(int family, const uint8_t ip[16], void *ctx), void *ctx,
	     const struct ipp_ctier **tier_ret, bool *ret_gone)
{
	unsigned hook = inbound ? IPP_CHOOK_IN : IPP_CHOOK_OUT;
	uint8_t conn = ipp_iftype_dialup(iftype) ? IPP_CCONN_DIALUP : IPP_CCONN_LAN;
	size_t i;

	if (ret_gone)
		*ret_gone = false;
	for (i = 0; i < c->ntiers; i++) {
		const struct ipp_ctier *t = &c->tiers[i];
		struct ipp_patch_change want = {.tier = (uint32_t)i};
		const struct ipp_celem *e;
		bool gone = false;
		size_t lo = 0, hi = nch;

		if (!tier_key(t, hook, conn, family, src, dst, proto, sport, dport, is_local, ctx,
			      &want.key))
			continue;
		e = ipp_ctier_decider(t, &want.key);
		/* the changes of this tier and key: the first, then those equal to it */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (change_cmp(&ch[mid], &want) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < nch && change_cmp(&ch[lo], &want) == 0; lo++) {
			if (ch[lo].added)
				e = NULL; /* not there before */
			else
				gone = true; /* it was there, and decided */
		}
		if (gone) {
			if (ret_gone)
				*ret_gone = true;
			return NULL;
		}
		if (!e)
			continue;
		if (tier_ret)
			*tier_ret = t;
		return e;
	}
	return NULL;
}

const struct ipp_celem *
ipp_compiled_match(const struct ipp_compiled *c, bool inbound, int family, const uint8_t src[16],
		   const uint8_t dst[16], uint8_t proto, uint16_t sport, uint16_t dport,
		   unsigned iftype, bool (*is_local)(int family, const uint8_t ip[16], void *ctx),
		   void *ctx, const struct ipp_ctier **tier_ret)
{
	return match_before(c, NULL, 0, inbound, family, src, dst, proto, sport, dport, iftype,
			    is_local, ctx, tier_ret, NULL);
}

const struct ipp_celem *
ipp_compiled_match_before(const struct ipp_compiled *c, const struct ipp_patch_change *ch,
			  size_t nch, bool inbound, int family, const uint8_t src[16],
			  const uint8_t dst[16], uint8_t proto, uint16_t sport, uint16_t dport,
			  bool (*is_local)(int family, const uint8_t ip[16], void *ctx), void *ctx,
			  const struct ipp_ctier **tier_ret, bool *gone)
{
	/* no interface in the flow cache's key: it is not used with connection types */
	return match_before(c, ch, nch, inbound, family, src, dst, proto, sport, dport,
			    1 /* ARPHRD_ETHER */, is_local, ctx, tier_ret, gone);
}

static const char *const flow_outcome[] = {"permit", "block", "negotiate"};

void ipp_flowcache_name(int family, bool inbound, enum ipp_cverdict v, unsigned gen, bool pair,
			char *buf, size_t len)
{
	snprintf(buf, len, "%s%d_%s_%s_g%u", pair ? "pair" : "flow", family == AF_INET6 ? 6 : 4,
		 inbound ? "in" : "out", flow_outcome[v <= IPP_CV_NEGOTIATE ? v : IPP_CV_DROP],
		 gen & 1);
}

unsigned ipp_flowcache_index(int family, bool inbound, enum ipp_cverdict v)
{
	return (family == AF_INET6) * 6 + !inbound * 3 + (v <= IPP_CV_NEGOTIATE ? v : IPP_CV_DROP);
}

void ipp_flowfill_name(unsigned index, unsigned gen, char *buf, size_t len)
{
	snprintf(buf, len, "fill%d_%s_%s_g%u", index >= 6 ? 6 : 4, (index / 3) % 2 ? "out" : "in",
		 flow_outcome[index % 3], gen & 1);
}

bool ipp_flowcache_parse(const char *name, int *family, bool *inbound, enum ipp_cverdict *v,
			 unsigned *gen, bool *pair)
{
	int f;
	unsigned i, g, k;

	if (strncmp(name, "flow", 4) && strncmp(name, "pair", 4))
		return false;
	for (k = 0; k < 2; k++)
		for (g = 0; g < 2; g++)
			for (f = 0; f < 2; f++)
				for (i = 0; i < 6; i++) {
					char buf[32];
					int fam = f ? AF_INET6 : AF_INET;

					ipp_flowcache_name(fam, i < 3, (enum ipp_cverdict)(i % 3),
							   g, k, buf, sizeof(buf));
					if (strcmp(buf, name))
						continue;
					*family = fam;
					*inbound = i < 3;
					*v = (enum ipp_cverdict)(i % 3);
					*gen = g;
					*pair = k;
					return true;
				}
	return false;
}

/* ---------- the local addresses' walks ---------- */

/* The bits of the local addresses of family @family (0: any). */
static uint32_t local_bits(const struct ipp_compiled *c, uint8_t family)
{
	uint32_t m = 0;

	for (size_t k = 0; k < c->opts.nlocal; k++)
		if (!family || c->opts.local[k].family == family)
			m |= 1u << k;
	return m;
}

/* Is the local side of @t on @hook (0 in: the destination, 1 out: the source) an address key? */
static bool local_keyed(const struct ipp_ctier *t, unsigned hook, uint8_t *plen)
{
	const struct ipp_cshape *s = &t->shape;

	*plen = hook ? s->src_plen : s->dst_plen;
	return (hook ? s->src_kind : s->dst_kind) == IPP_ADDR_IP && *plen;
}

static bool tier_hooked(const struct ipp_ctier *t, unsigned hook)
{
	return t->hooks & (hook ? IPP_CHOOK_OUT : IPP_CHOOK_IN);
}

uint32_t ipp_celem_cover(const struct ipp_compiled *c, const struct ipp_ctier *t,
			 const struct ipp_celem *e, unsigned hook)
{
	uint32_t m = 0;
	uint8_t plen;

	if (!tier_hooked(t, hook))
		return 0;
	if (!local_keyed(t, hook, &plen))
		return local_bits(c, t->shape.family);
	for (size_t k = 0; k < c->opts.nlocal; k++)
		if (c->opts.local[k].family == t->shape.family &&
		    ipp_prefix_equal(c->opts.local[k].ip, hook ? e->key.src : e->key.dst, plen))
			m |= 1u << k;
	return m;
}

int ipp_compiled_cover(struct ipp_compiled *c)
{
	uint32_t *v = calloc(2 * c->ntiers + 1, sizeof(*v));
	size_t i, j;
	unsigned h;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < c->ntiers && c->opts.nlocal; i++) {
		const struct ipp_ctier *t = &c->tiers[i];
		uint32_t all = local_bits(c, t->shape.family);
		uint8_t plen;

		for (h = 0; h < 2; h++) {
			if (!tier_hooked(t, h))
				continue;
			if (!local_keyed(t, h, &plen)) {
				v[2 * i + h] = all;
				continue;
			}
			for (j = 0; j < t->nelems && v[2 * i + h] != all; j++)
				v[2 * i + h] |= ipp_celem_cover(c, t, &t->elems[j], h);
		}
	}
	free(c->lcov);
	c->lcov = v;
	return 0;
}

/* ---------- small changes in place (ipp_compiled_patch) ---------- */

struct pkey {
	struct ipp_cshape shape;
	struct ipp_celem e;
};

struct pkeys {
	struct pkey *v;
	size_t n, cap;
};

static int collect_key(const struct ipp_cshape *s, const struct ipp_celem *e, void *ctx)
{
	struct pkeys *k = ctx;

	if (ipp_grow((void **)&k->v, &k->cap, k->n + 1, sizeof(*k->v)) < 0)
		return -ENOMEM;
	k->v[k->n].shape = *s;
	k->v[k->n].e = *e;
	k->n++;
	return 0;
}

static bool overlap(const struct ipp_cshape *a, const struct ipp_ckey *ka,
		    const struct ipp_cshape *b, const struct ipp_ckey *kb)
{
	struct ipp_ckey x, y;
	struct common m;

	if (!shapes_meet(a, b))
		return false;
	common_of(a, b, &m);
	common_key(&m, ka, &x);
	common_key(&m, kb, &y);
	return !memcmp(&x, &y, sizeof(x));
}

/* Does a tier of @t's weight hold, walked before (@before) or after @home, an element of a
 * better (@better) or worse action than @rank that overlaps @k? */
static bool overlapped(const struct ipp_compiled *c, const struct ipp_ctier *home,
		       const struct ipp_cshape *s, const struct ipp_ckey *k, int rank,
		       bool before, bool better)
{
	size_t i, j, h = (size_t)(home - c->tiers);

	for (i = 0; i < c->ntiers; i++) {
		const struct ipp_ctier *t = &c->tiers[i];

		if (t->weight != home->weight || i == h || (before ? i > h : i < h))
			continue;
		if (better ? t->rank_min >= rank : t->rank_max <= rank)
			continue;
		if (!shapes_meet(s, &t->shape))
			continue;
		for (j = 0; j < t->nelems; j++) {
			int r = elem_rank(&t->elems[j]);

			if ((better ? r < rank : r > rank) &&
			    overlap(s, k, &t->shape, &t->elems[j].key))
				return true;
		}
	}
	return false;
}

/* The tiers an element of @s, weight @w goes to: not late (@late false) or late of @rank. */
static size_t home_tiers(const struct ipp_compiled *c, const struct ipp_cshape *s, uint32_t w,
			 bool late, int rank, struct ipp_ctier **ret)
{
	size_t i, n = 0;

	for (i = 0; i < c->ntiers && n < 2; i++) {
		struct ipp_ctier *t = &c->tiers[i];

		if (t->weight == w && t->late == late && (!late || t->rank == rank) &&
		    !memcmp(&t->shape, s, sizeof(*s)))
			ret[n++] = t;
	}
	return n;
}

static size_t elem_pos(const struct ipp_ctier *t, const struct ipp_ckey *k, bool *found)
{
	size_t lo = 0, hi = t->nelems;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int x = memcmp(&t->elems[mid].key, k, sizeof(*k));

		if (x == 0) {
			*found = true;
			return mid;
		}
		if (x < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct place {
	struct ipp_ctier *t;
	struct ipp_celem e;
};

/* Record a changed element in p->changed. */
static int note_change(struct ipp_patch *p, size_t *cap, size_t tier, const struct ipp_celem *e,
		       bool added)
{
	if (ipp_grow((void **)&p->changed, cap, p->nchanged + 1, sizeof(*p->changed)) < 0)
		return -ENOMEM;
	p->changed[p->nchanged++] = (struct ipp_patch_change){(uint32_t)tier, e->key, added};
	return 0;
}

static bool is_deleted(const struct ipp_patch *p, const struct ipp_celem *e)
{
	for (size_t i = 0; i < p->ndel; i++)
		if (e->rule == p->del[i].rule && e->filter == p->del[i].filter)
			return true;
	return false;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Would the deletions of @p change the rules the comment of tier @t's walk
 * rule names: the first element's, and how many others (tier_source())?
 * True as well when that cannot be told (out of memory).
 */
static bool rules_named_change(const struct ipp_compiled *c, const struct ipp_ctier *t,
			       const struct ipp_patch *p)
{
	uint32_t *v = malloc((t->nelems + 1) * sizeof(*v)), first = UINT32_MAX;
	size_t n = 0, more = 0, j;

	if (!v)
		return true;
	for (j = 0; j < t->nelems; j++) {
		if (is_deleted(p, &t->elems[j]))
			continue;
		if (first == UINT32_MAX)
			first = t->elems[j].rule;
		if (t->elems[j].rule < c->nrules && t->elems[j].rule != first)
			v[n++] = t->elems[j].rule;
	}
	qsort(v, n, sizeof(*v), u32_cmp);
	for (j = 0; j < n; j++)
		more += j == 0 || v[j] != v[j - 1];
	free(v);
	return first != t->elems[0].rule || more != t->more_rules;
}

/* Element @e of tier @t added or deleted: into @x. */
static void touch(const struct ipp_compiled *c, struct ipp_ctouch *x, const struct ipp_ctier *t,
		  const struct ipp_celem *e)
{
	x->changed = true;
	for (unsigned h = 0; h < 2; h++)
		x->hold[h] |= ipp_celem_cover(c, t, e, h);
}

int ipp_compiled_patch(struct ipp_compiled *c, struct ipp_patch *p, FILE *out)
{
	struct pkeys keys = {0};
	struct place *pl = NULL;
	size_t npl = 0, i, j, k;
	struct ipp_cgate gates[2][2];
	uint64_t pl_ids[256];
	uint32_t grown[2] = {0, 0};
	struct ipp_cells_snap *snap = NULL;
	struct ipp_ctouch *touched;
	size_t chcap = 0;
	int r = 0;

	p->changed = NULL;
	p->nchanged = 0;
	p->untidy = false;

	if (c->opts.elem_comments)
		return -EAGAIN; /* element comments name the filter by its place */
	/* deletions: only the elements go; nothing else needs to move (compile.h) */
	if (p->ndel) {
		if (p->nadd)
			return -EAGAIN;
		/*
		 * Look before changing anything: a shadowed twin would have to come
		 * back, and a tier without a key is a rule of the walk, not a map
		 * element (its last element gone, the rule goes: a compile).
		 */
		for (k = 0; k < c->ntiers; k++) {
			const struct ipp_ctier *t = &c->tiers[k];
			int lo = 255, hi = -1;
			size_t left = 0;
			bool some = false;

			for (j = 0; j < t->nelems; j++) {
				const struct ipp_celem *e = &t->elems[j];

				if (!is_deleted(p, e)) {
					int rk = elem_rank(e);

					left++;
					lo = rk < lo ? rk : lo;
					hi = rk > hi ? rk : hi;
					continue;
				}
				if (e->twinned || ipp_ctier_keyless(t))
					return -EAGAIN;
				some = true;
			}
			if (!some)
				continue;
			/*
			 * Where a compile would do otherwise (the change in place is as
			 * right, but the table then differs from the compiled policy's): a
			 * tier left empty goes with its rules; one whose actions change
			 * takes another place among the tiers of its weight; an element
			 * late because of the one deleted moves back (any late tier of
			 * that weight)
			 */
			if (left == 0 || lo != t->rank_min || hi != t->rank_max)
				p->untidy = true;
			for (i = 0; i < c->ntiers && !p->untidy; i++)
				if (c->tiers[i].late && c->tiers[i].weight == t->weight)
					p->untidy = true;
			if (!p->untidy && rules_named_change(c, t, p))
				p->untidy = true; /* (the comment of its walk rule) */
		}
		/* (the tiers losing elements: their walks' cells, as they are, below) */
		if (!(touched = calloc(c->ntiers + 1, sizeof(*touched))))
			return -ENOMEM;
		for (k = 0; k < c->ntiers; k++) {
			size_t gone = 0;

			for (j = 0; j < c->tiers[k].nelems; j++) {
				const struct ipp_celem *e = &c->tiers[k].elems[j];

				if (is_deleted(p, e)) {
					ipp_patch_emit(c, &c->tiers[k], e, false, out);
					if (note_change(p, &chcap, k, e, false) < 0) {
						free(touched);
						return -ENOMEM;
					}
					touch(c, &touched[k], &c->tiers[k], e);
					gone++;
					npl++;
				}
			}
			if (gone && gone == c->tiers[k].nelems)
				touched[k].hold[0] = touched[k].hold[1] = UINT32_MAX;
		}
		if (npl == 0) {
			free(touched);
			return 0;
		}
		r = ipp_cells_snap(c, touched, &snap);
		free(touched);
		if (r < 0)
			return r;
		npl = 0; /* now: the specific filters gone, by (rule, filter, mirror) */
		for (k = 0; k < c->ntiers; k++) {
			struct ipp_ctier *t = &c->tiers[k];
			size_t n = 0;

			for (j = 0; j < t->nelems; j++) {
				struct ipp_celem e = t->elems[j];
				uint32_t shift = 0;

				for (i = 0; i < p->ndel; i++) {
					if (e.rule != p->del[i].rule)
						continue;
					if (e.filter == p->del[i].filter)
						break;
					shift += e.filter > p->del[i].filter;
				}
				if (i < p->ndel) {
					uint64_t id = (uint64_t)e.rule << 33 | (uint64_t)e.filter << 1 |
						      e.reversed;
					size_t q;

					for (q = 0; q < npl && pl_ids[q] != id; q++)
						;
					if (q == npl && npl < sizeof(pl_ids) / sizeof(pl_ids[0]))
						pl_ids[npl++] = id;
					continue;
				}
				e.filter -= shift;
				t->elems[n++] = e;
			}
			c->nelems -= t->nelems - n;
			t->nelems = n;
		}
		c->nsf -= npl < c->nsf ? npl : c->nsf;
		/* the gates again: the first 16 bits no element names any more go */
		memcpy(gates, c->gate, sizeof(gates));
		memset(c->gate, 0, sizeof(c->gate));
		fill_gates(c);
		r = ipp_cells_snap_emit(c, snap, out);
		ipp_cells_snap_free(snap);
		if (r < 0)
			return r; /* (@c changed: the caller recompiles) */
		ipp_patch_emit_end(c, (const struct ipp_cgate(*)[2])gates, p->keep_flows, out);
		return 0;
	}
	for (i = 0; i < p->nadd && r == 0; i++)
		r = sfilter_keys(&p->add[i], &p->eff->rules[p->add[i].rule], collect_key, &keys);
	if (r < 0)
		goto out;
	pl = calloc(2 * keys.n + 1, sizeof(*pl));
	if (!pl) {
		r = -ENOMEM;
		goto out;
	}
	/* plan: every key into existing tiers, nothing else moved; else -EAGAIN */
	for (i = 0; i < keys.n; i++) {
		const struct pkey *x = &keys.v[i];
		int rank = elem_rank(&x->e);
		struct ipp_ctier *home[2];
		size_t nh;
		bool late;

		nh = home_tiers(c, &x->shape, x->e.weight, false, -1, home);
		if (nh == 0)
			goto again; /* a new tier */
		/* a key of this shape and weight already there: which filter wins is a compile */
		for (k = 0; k < c->ntiers; k++) {
			const struct ipp_ctier *t = &c->tiers[k];

			if (t->weight == x->e.weight && !memcmp(&t->shape, &x->shape, sizeof(x->shape)) &&
			    ipp_ctier_find(t, &x->e.key))
				goto again;
		}
		for (k = 0; k < i; k++)
			if (!memcmp(&keys.v[k].shape, &x->shape, sizeof(x->shape)) &&
			    keys.v[k].e.weight == x->e.weight &&
			    !memcmp(&keys.v[k].e.key, &x->e.key, sizeof(x->e.key)))
				goto again;
		/* late when a better action walked after it overlaps it */
		late = overlapped(c, home[0], &x->shape, &x->e.key, rank, false, true);
		if (late) {
			if (rank == 0 || (nh = home_tiers(c, &x->shape, x->e.weight, true, rank,
							  home)) == 0)
				goto again;
			/* every worse action at this weight comes before it: they would move */
			for (k = 0; k < c->ntiers; k++) {
				const struct ipp_ctier *t = &c->tiers[k];

				if (t->weight == x->e.weight && !t->late && t->rank_max > rank)
					for (j = 0; j < t->nelems; j++)
						if (elem_rank(&t->elems[j]) > rank &&
						    overlap(&x->shape, &x->e.key, &t->shape,
							    &t->elems[j].key))
							goto again;
			}
		} else if (overlapped(c, home[0], &x->shape, &x->e.key, rank, true, false)) {
			goto again; /* a worse action walked before it would have to go late */
		}
		/* the tier's walk order and outcomes stay: its ranks must hold this one */
		if (rank < home[0]->rank_min || rank > home[0]->rank_max)
			goto again;
		/* a negotiate verdict needs the map split by hook */
		if (x->e.verdict == IPP_CV_NEGOTIATE && nh == 1 &&
		    home[0]->hooks == (IPP_CHOOK_IN | IPP_CHOOK_OUT) && !ipp_ctier_keyless(home[0]))
			goto again;
		if (ipp_ctier_keyless(home[0]))
			goto again;
		/* two new keys of one weight that meet with different actions: a compile */
		for (k = 0; k < i; k++)
			if (keys.v[k].e.weight == x->e.weight &&
			    elem_rank(&keys.v[k].e) != rank &&
			    overlap(&keys.v[k].shape, &keys.v[k].e.key, &x->shape, &x->e.key))
				goto again;
		for (k = 0; k < nh; k++) {
			pl[npl].t = home[k];
			pl[npl].e = x->e;
			npl++;
		}
	}
	/* apply: the cells of the walks with a tier taking elements, as they are, first */
	if (!(touched = calloc(c->ntiers + 1, sizeof(*touched)))) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < npl; i++) {
		struct ipp_ctouch *x = &touched[pl[i].t - c->tiers];

		touch(c, x, pl[i].t, &pl[i].e);
		if (!pl[i].t->nelems)
			x->hold[0] = x->hold[1] = UINT32_MAX;
	}
	r = ipp_cells_snap(c, touched, &snap);
	free(touched);
	if (r < 0)
		goto out;
	memcpy(gates, c->gate, sizeof(gates));
	for (i = 0; i < npl; i++) {
		size_t ti = (size_t)(pl[i].t - c->tiers);
		unsigned h;

		/* a tier that had no element for a local address now has one: the walks
		 * of that address take it in (rewritten below) */
		for (h = 0; h < 2 && c->lcov; h++) {
			uint32_t b = ipp_celem_cover(c, pl[i].t, &pl[i].e, h);

			grown[h] |= b & ~c->lcov[2 * ti + h];
			c->lcov[2 * ti + h] |= b;
		}
	}
	for (i = 0; i < npl; i++) {
		struct ipp_ctier *t = pl[i].t;
		const struct ipp_cshape *s = &t->shape;
		struct ipp_celem *nv;
		size_t at;
		bool found;
		int fam = s->family == AF_INET6 ? 1 : 0;

		at = elem_pos(t, &pl[i].e.key, &found);
		nv = realloc(t->elems, (t->nelems + 1) * sizeof(*nv));
		if (!nv) {
			r = -ENOMEM; /* @c is left changed: the caller recompiles */
			goto out;
		}
		t->elems = nv;
		memmove(&t->elems[at + 1], &t->elems[at], (t->nelems - at) * sizeof(*nv));
		t->elems[at] = pl[i].e;
		t->nelems++;
		c->nelems++;
		if (s->src_kind == IPP_ADDR_IP && s->src_plen)
			gate_add(&c->gate[fam][0], pl[i].e.key.src, s->src_plen);
		if (s->dst_kind == IPP_ADDR_IP && s->dst_plen)
			gate_add(&c->gate[fam][1], pl[i].e.key.dst, s->dst_plen);
		ipp_patch_emit(c, t, &t->elems[at], true, out);
		if (note_change(p, &chcap, (size_t)(t - c->tiers), &t->elems[at], true) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	c->nsf += p->nadd;
	if ((r = ipp_cells_snap_emit(c, snap, out)) < 0)
		goto out; /* (@c changed: the caller recompiles) */
	if ((grown[0] || grown[1]) && (r = ipp_patch_emit_local(c, grown, out)) < 0)
		goto out; /* (@c changed: the caller recompiles) */
	ipp_patch_emit_end(c, (const struct ipp_cgate(*)[2])gates, p->keep_flows, out);
	goto out;
again:
	r = -EAGAIN;
out:
	if (r == -EAGAIN) {
		free(p->changed);
		p->changed = NULL;
		p->nchanged = 0;
	}
	ipp_cells_snap_free(snap);
	free(keys.v);
	free(pl);
	return r;
}

bool ipp_iftype_dialup(unsigned arphrd)
{
	return arphrd == 512 /* ARPHRD_PPP */ || arphrd == 65534 /* ARPHRD_NONE */;
}
