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
 *         split its groups by action rank, so that between tiers of equal
 *         weight block still beats negotiate beats permit;
 * pass 4: order the tiers (weight, rank, then shape for a stable text) and
 *         name them after shape and weight, so that the same tier keeps its
 *         name from one compilation to the next (element-level updates).
 */
#include "compile.h"

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
	free(c);
}

bool ipp_ctier_keyless(const struct ipp_ctier *t)
{
	const struct ipp_cshape *s = &t->shape;

	return !(s->src_kind == IPP_ADDR_IP && s->src_plen) &&
	       !(s->dst_kind == IPP_ADDR_IP && s->dst_plen) && !s->sport && !s->dport;
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
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 8;
		struct piece *nv = realloc(p->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		p->v = nv;
		p->cap = ncap;
	}
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

static void mask_ip(uint8_t *ip, unsigned plen)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		ip[i] &= (uint8_t)(0xff << (8 - plen));
		plen = 0;
	}
}

/* The prefixes that cover [lo, hi] exactly, largest first from lo. */
static int split_range(const struct ipp_addr *a, struct pieces *out)
{
	unsigned bits = a->family == AF_INET6 ? 128 : 32, bytes = bits / 8;
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
	return 0;
}

static int side_pieces(const struct ipp_addr *a, struct pieces *out)
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
		mask_ip(p.ip, p.plen);
		return pieces_push(out, &p);
	case IPP_ADDR_RANGE:
		return split_range(a, out);
	default:
		/* server types are expanded by the effective policy; nothing left */
		return 0;
	}
}

/* ---------- pass 2: groups ---------- */

struct cand {
	uint32_t group;
	uint32_t sf;     /* order of the specific filter: lower = better */
	struct ipp_celem e;
};

struct group {
	struct ipp_cshape shape;
	uint32_t weight;
	size_t first, n;  /* range in the sorted candidate array */
	uint8_t ranks;    /* bit per action rank present */
	bool split;
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
	       (uint64_t)s->proto << 40 | (uint64_t)s->sport << 48 | (uint64_t)s->dport << 49;
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
		size_t h = mix(shape_key(&b->g[i].shape) ^ ((uint64_t)b->g[i].weight << 7)) & (n - 1);

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
	if (b->ng == b->capg) {
		size_t ncap = b->capg ? b->capg * 2 : 32;
		struct group *ng = realloc(b->g, ncap * sizeof(*ng));

		if (!ng)
			return -ENOMEM;
		b->g = ng;
		b->capg = ncap;
	}
	memset(&b->g[b->ng], 0, sizeof(b->g[b->ng]));
	b->g[b->ng].shape = *shape;
	b->g[b->ng].weight = weight;
	b->slot[h] = (uint32_t)b->ng + 1;
	*ret = (uint32_t)b->ng++;
	return 0;
}

static int push_cand(struct builder *b, const struct cand *c)
{
	if (b->nc == b->capc) {
		size_t ncap = b->capc ? b->capc * 2 : 256;
		struct cand *nc = realloc(b->c, ncap * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		b->c = nc;
		b->capc = ncap;
	}
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

/* The action rank (ipp_action_rank()) of a verdict. */
static int verdict_rank(uint8_t v)
{
	return v == IPP_CV_DROP ? 0 : v == IPP_CV_NEGOTIATE ? 1 : 2;
}

static int add_sfilter(struct builder *b, const struct ipp_sfilter *f, uint32_t idx)
{
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
	if ((r = side_pieces(&f->src, &src)) < 0 || (r = side_pieces(&f->dst, &dst)) < 0)
		goto out;
	if (src.n * dst.n > MAX_KEYS_PER_FILTER) {
		r = -E2BIG;
		goto out;
	}
	for (i = 0; i < src.n; i++) {
		for (j = 0; j < dst.n; j++) {
			struct ipp_cshape s = {0};
			struct cand c = {0};

			s.family = family;
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
			s.proto = f->protocol;
			s.sport = f->srcport != 0;
			s.dport = f->dstport != 0;
			c.e.key.sport = f->srcport;
			c.e.key.dport = f->dstport;
			c.e.verdict = (uint8_t)verdict_of(f->action);
			c.e.reversed = f->reversed;
			c.e.rule = f->rule;
			c.e.filter = f->filter;
			c.e.weight = f->weight;
			c.sf = idx;
			if ((r = group_of(b, &s, f->weight, &c.group)) < 0)
				goto out;
			if ((r = push_cand(b, &c)) < 0)
				goto out;
		}
	}
	r = 0;
out:
	free(src.v);
	free(dst.v);
	return r;
}

/* Candidates by group, then key, then best filter first. */
static int cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	int c;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if ((c = memcmp(&a->e.key, &b->e.key, sizeof(a->e.key))) != 0)
		return c;
	return a->sf < b->sf ? -1 : a->sf > b->sf;
}

static int cand_idx_cmp(const void *x, const void *y, void *ctx)
{
	const struct cand *v = ctx;

	return cand_cmp(&v[*(const uint32_t *)x], &v[*(const uint32_t *)y]);
}

/* Sort the candidates: indices are sorted, then the records moved once. */
static int sort_cands(struct builder *b)
{
	struct cand *v;
	uint32_t *idx;
	size_t i;

	if (b->nc < 2)
		return 0;
	idx = malloc(b->nc * sizeof(*idx));
	v = malloc(b->nc * sizeof(*v));
	if (!idx || !v) {
		free(idx);
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < b->nc; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, b->nc, sizeof(*idx), cand_idx_cmp, b->c);
	for (i = 0; i < b->nc; i++)
		v[i] = b->c[idx[i]];
	free(b->c);
	b->c = v;
	b->capc = b->nc;
	free(idx);
	return 0;
}

/* ---------- pass 3: which weights need the split by action ---------- */

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
	if ((a->src_kind == IPP_ADDR_ME && b->dst_kind == IPP_ADDR_ME) ||
	    (a->dst_kind == IPP_ADDR_ME && b->src_kind == IPP_ADDR_ME))
		return false;
	return families_meet(a->family, b->family) && a->proto == b->proto;
}

static int rank_min(uint8_t ranks)
{
	return (ranks & 1) ? 0 : (ranks & 2) ? 1 : 2;
}

static int rank_max(uint8_t ranks)
{
	return (ranks & 4) ? 2 : (ranks & 2) ? 1 : 0;
}

/* Groups by weight (higher first), then by their action ranks (lowest first). */
static int group_order_cmp(const void *x, const void *y, void *ctx)
{
	const struct group *g = ctx;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	if (g[a].weight != g[b].weight)
		return g[a].weight > g[b].weight ? -1 : 1;
	if (rank_min(g[a].ranks) != rank_min(g[b].ranks))
		return rank_min(g[a].ranks) < rank_min(g[b].ranks) ? -1 : 1;
	if (rank_max(g[a].ranks) != rank_max(g[b].ranks))
		return rank_max(g[a].ranks) < rank_max(g[b].ranks) ? -1 : 1;
	return a < b ? -1 : a > b;
}

/*
 * Within one weight, the groups are walked by (lowest rank, highest rank).
 * That order gives every packet the tie-break winner as long as, for any two
 * groups X before Y that can match one packet, every action of X beats or
 * equals every action of Y (max rank of X <= min rank of Y).  Where that
 * fails, the weight's groups are split by action (one tier per action).
 */
static void mark_splits(struct builder *b)
{
	uint32_t *order;
	size_t i, j, k, l;

	if (b->ng == 0)
		return;
	order = malloc(b->ng * sizeof(*order));
	if (!order) {
		/* without memory to decide, split everything: always correct */
		for (i = 0; i < b->ng; i++)
			b->g[i].split = true;
		return;
	}
	for (i = 0; i < b->ng; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, b->ng, sizeof(*order), group_order_cmp, b->g);
	for (i = 0; i < b->ng; i = j) {
		bool split = false;

		for (j = i + 1; j < b->ng && b->g[order[j]].weight == b->g[order[i]].weight; j++)
			;
		for (k = i; k < j && !split; k++) {
			const struct group *x = &b->g[order[k]];

			for (l = k + 1; l < j && !split; l++) {
				const struct group *y = &b->g[order[l]];

				split = rank_max(x->ranks) > rank_min(y->ranks) &&
					shapes_meet(&x->shape, &y->shape);
			}
		}
		if (!split)
			continue;
		for (k = i; k < j; k++)
			b->g[order[k]].split = true;
	}
	free(order);
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
	natural = ipp_weight(&sa, &da, s->proto, s->sport, s->dport);
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
		snprintf(proto, sizeof(proto), "pany");
	/* a map split by hook (no "me" side makes it single-hook by itself) */
	split = s->src_kind != IPP_ADDR_ME && s->dst_kind != IPP_ADDR_ME;
	snprintf(t->name, sizeof(t->name), "%s_%s_%s_%s%s%s%s%s%s",
		 s->family == AF_INET ? "ip" : s->family == AF_INET6 ? "ip6" : "inet", src, dst,
		 proto, s->sport ? "_sp" : "", s->dport ? "_dp" : "", w, rank_suffix(t->rank),
		 !split			    ? ""
		 : t->hooks == IPP_CHOOK_IN  ? "_in"
		 : t->hooks == IPP_CHOOK_OUT ? "_out"
					     : "");
}

static int kind_order(uint8_t k)
{
	return k == IPP_ADDR_IP ? 0 : k == IPP_ADDR_ME ? 1 : 2;
}

static int tier_cmp(const void *x, const void *y)
{
	const struct ipp_ctier *a = x, *b = y;
	const struct ipp_cshape *s = &a->shape, *t = &b->shape;

#define BY(e) \
	if ((e) != 0) \
		return (e) < 0 ? -1 : 1
	BY((int64_t)b->weight - (int64_t)a->weight);
	BY((int)a->rank_min - (int)b->rank_min);
	BY((int)a->rank_max - (int)b->rank_max);
	BY((int)s->family - (int)t->family);
	BY((int)s->proto - (int)t->proto);
	BY(kind_order(s->src_kind) - kind_order(t->src_kind));
	BY((int)t->src_plen - (int)s->src_plen);
	BY(kind_order(s->dst_kind) - kind_order(t->dst_kind));
	BY((int)t->dst_plen - (int)s->dst_plen);
	BY((int)s->sport - (int)t->sport);
	BY((int)s->dport - (int)t->dport);
	BY((int)a->hooks - (int)b->hooks);
#undef BY
	return 0;
}

static int push_tier(struct ipp_compiled *c, size_t *cap, const struct group *g, int rank,
		     const struct cand *v, size_t n)
{
	struct ipp_ctier *t;
	size_t i, k = 0;

	if (c->ntiers == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct ipp_ctier *nt = realloc(c->tiers, ncap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		c->tiers = nt;
		*cap = ncap;
	}
	t = &c->tiers[c->ntiers];
	memset(t, 0, sizeof(*t));
	t->shape = g->shape;
	t->weight = g->weight;
	t->rank = (int8_t)rank;
	t->rank_min = (uint8_t)(rank >= 0 ? rank : rank_min(g->ranks));
	t->rank_max = (uint8_t)(rank >= 0 ? rank : rank_max(g->ranks));
	t->elems = malloc(n * sizeof(*t->elems));
	if (!t->elems)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (rank >= 0 && verdict_rank(v[i].e.verdict) != rank)
			continue;
		t->elems[k++] = v[i].e;
	}
	if (k == 0) {
		free(t->elems);
		return 0;
	}
	t->nelems = k;
	c->nelems += k;
	t->hooks = IPP_CHOOK_IN | IPP_CHOOK_OUT;
	if (t->shape.src_kind == IPP_ADDR_ME)
		t->hooks = IPP_CHOOK_OUT;
	else if (t->shape.dst_kind == IPP_ADDR_ME)
		t->hooks = IPP_CHOOK_IN;
	if (t->hooks == (IPP_CHOOK_IN | IPP_CHOOK_OUT) && !ipp_ctier_keyless(t)) {
		bool neg = false;

		for (i = 0; i < k && !neg; i++)
			neg = t->elems[i].verdict == IPP_CV_NEGOTIATE;
		if (neg) {
			/* one map per hook: the negotiate verdict differs (see compile.h) */
			struct ipp_ctier *o = &c->tiers[c->ntiers + 1];

			if (c->ntiers + 1 == *cap) {
				size_t ncap = *cap * 2;
				struct ipp_ctier *nt = realloc(c->tiers, ncap * sizeof(*nt));

				if (!nt) {
					free(t->elems);
					return -ENOMEM;
				}
				c->tiers = nt;
				*cap = ncap;
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

int ipp_compile(const struct ipp_effective *e, const struct ipp_copts *o,
		struct ipp_compiled **ret, struct ipp_error *err)
{
	struct builder b = {0};
	struct ipp_compiled *c;
	struct cand *u;
	size_t i, j, n, cap = 0;
	int r;

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
		cr->number = e->rules[i].number;
		cr->store = e->rules[i].store;
		cr->origin = e->rules[i].origin;
		cr->action = e->rules[i].fa.action;
	}
	c->nrules = e->nrules;
	c->nsf = e->nsf;

	/* pass 1 and 2 */
	for (i = 0; i < e->nsf; i++) {
		if ((r = add_sfilter(&b, &e->sf[i], (uint32_t)i)) < 0) {
			if (r == -E2BIG) {
				const struct ipp_eff_rule *er = &e->rules[e->sf[i].rule];

				r = ipp_err(err, E2BIG,
					    "policy \"%s\" rule \"%s\" filter %u: its address ranges "
					    "split into more than %d keys",
					    er->policy, er->rule, e->sf[i].filter + 1,
					    MAX_KEYS_PER_FILTER);
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
		b.g[b.c[i].group].ranks |= (uint8_t)(1u << verdict_rank(b.c[i].e.verdict));
	}

	/* pass 3 */
	mark_splits(&b);

	/* pass 4 */
	for (i = 0; i < b.ng; i++) {
		struct group *g = &b.g[i];
		int rk;

		if (g->n == 0)
			continue;
		u = &b.c[g->first];
		if (!g->split) {
			if ((r = push_tier(c, &cap, g, -1, u, g->n)) < 0)
				goto fail;
			continue;
		}
		for (rk = 0; rk < 3; rk++) {
			if (!(g->ranks & (1u << rk)))
				continue;
			if ((r = push_tier(c, &cap, g, rk, u, g->n)) < 0)
				goto fail;
		}
	}
	if (c->ntiers)
		qsort(c->tiers, c->ntiers, sizeof(*c->tiers), tier_cmp);
	fill_gates(c);
	free(b.c);
	free(b.g);
	free(b.slot);
	*ret = c;
	return 0;
fail:
	r = ipp_err(err, -r, "compiling the effective policy: out of memory");
fail_set:
	free(b.c);
	free(b.g);
	free(b.slot);
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

static size_t fmt_port(uint16_t v, char *out)
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
void ipp_ckey_format(const struct ipp_cshape *s, const struct ipp_ckey *k, char *buf,
		     size_t len)
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
	if (s->sport) {
		if (!first)
			put(buf, len, &used, " . ", 3);
		n = fmt_port(k->sport, f);
		put(buf, len, &used, f, n);
		first = false;
	}
	if (s->dport) {
		if (!first)
			put(buf, len, &used, " . ", 3);
		n = fmt_port(k->dport, f);
		put(buf, len, &used, f, n);
	}
	buf[used] = '\0';
}

static int parse_port(const char *s, uint16_t *ret)
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
	       (size_t)(s->dst_kind == IPP_ADDR_IP && s->dst_plen) + s->sport + s->dport;
	if (nf != want)
		return -EINVAL;
	if (s->src_kind == IPP_ADDR_IP && s->src_plen && inet_pton(af, fields[i++], k.src) != 1)
		return -EINVAL;
	if (s->dst_kind == IPP_ADDR_IP && s->dst_plen && inet_pton(af, fields[i++], k.dst) != 1)
		return -EINVAL;
	if (s->sport && parse_port(fields[i++], &k.sport) < 0)
		return -EINVAL;
	if (s->dport && parse_port(fields[i++], &k.dport) < 0)
		return -EINVAL;
	*ret = k;
	return 0;
}
