/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * effective.c - the effective policy: which specific filters the host enforces.
 *
 * pass 1: pick the policies: the persistent store's assigned one, then the
 *         domain store's assigned one, else the local store's;
 * pass 2: walk their active rules; resolve each rule's filter list and action;
 * pass 3: expand every configured filter into specific filters: server types
 *         become the host's current servers, "me" stays symbolic, a mirrored
 *         filter adds its reversed image; weigh each one;
 * pass 4: sort best first (ipp_sfilter_cmp) and note conflicts: identical
 *         selectors with different actions.
 */
#include "effective.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../common/grow.h"
#include "../common/utf8.h"

struct build {
	struct ipp_effective *e;
	size_t cap_rules, cap_sf, cap_warn;
};

static int add_warning(struct build *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_warning(struct build *b, const char *fmt, ...)
{
	struct ipp_effective *e = b->e;
	va_list ap;
	char *s;
	int r;

	if (ipp_grow((void **)&e->warnings, &b->cap_warn, e->nwarnings + 1, sizeof(char *)) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	e->warnings[e->nwarnings++] = s;
	return 0;
}

void ipp_effective_free(struct ipp_effective *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->nwarnings; i++)
		free(e->warnings[i]);
	free(e->warnings);
	free(e->rules);
	free(e->sf);
	free(e);
}

/* Lookups by id: only the snapshot's own arrays are read. */
static const struct ipp_filterlist *find_list(const struct ipp_snapshot *s, int64_t id)
{
	size_t i;

	for (i = 0; i < s->nfilterlists; i++)
		if (s->filterlists[i].id == id)
			return &s->filterlists[i];
	return NULL;
}

static const struct ipp_filteraction *find_action(const struct ipp_snapshot *s, int64_t id)
{
	size_t i;

	for (i = 0; i < s->nfilteractions; i++)
		if (s->filteractions[i].id == id)
			return &s->filteractions[i];
	return NULL;
}

static const struct ipp_policy *assigned_policy(const struct ipp_snapshot *s)
{
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < s->npolicies; i++)
		if (s->policies[i].assigned)
			return &s->policies[i];
	return NULL;
}

size_t ipp_hostenv_expand(const struct ipp_addr *a, const struct ipp_hostenv *env,
			  const struct ipp_addr **ret)
{
	const struct ipp_addr *v = NULL;
	size_t n = 0;

	switch (a->kind) {
	case IPP_ADDR_DNS:
		if (env)
			v = env->dns, n = env->ndns;
		break;
	case IPP_ADDR_WINS:
		if (env)
			v = env->wins, n = env->nwins;
		break;
	case IPP_ADDR_DHCP:
		if (env)
			v = env->dhcp, n = env->ndhcp;
		break;
	case IPP_ADDR_GATEWAY:
		if (env)
			v = env->gateway, n = env->ngateway;
		break;
	default:
		*ret = a;
		return 1;
	}
	if (n > IPP_MAX_SERVERS)
		n = IPP_MAX_SERVERS;
	*ret = v;
	return n;
}

static bool concrete(const struct ipp_addr *a)
{
	return a->kind == IPP_ADDR_IP || a->kind == IPP_ADDR_RANGE;
}

static bool addr_equal(const struct ipp_addr *a, const struct ipp_addr *b)
{
	if (a->kind != b->kind)
		return false;
	if (!concrete(a))
		return true;
	if (a->family != b->family)
		return false;
	if (a->kind == IPP_ADDR_IP)
		return a->plen == b->plen && !memcmp(a->ip, b->ip, sizeof(a->ip));
	return !memcmp(a->ip, b->ip, sizeof(a->ip)) && !memcmp(a->ip_end, b->ip_end,
								sizeof(a->ip_end));
}

static bool same_selectors(const struct ipp_sfilter *a, const struct ipp_sfilter *b)
{
	return a->protocol == b->protocol && a->srcport == b->srcport && a->dstport == b->dstport &&
	       a->dir == b->dir && addr_equal(&a->src, &b->src) && addr_equal(&a->dst, &b->dst);
}

static int push_sf(struct build *b, const struct ipp_sfilter *sf)
{
	struct ipp_effective *e = b->e;

	if (ipp_grow((void **)&e->sf, &b->cap_sf, e->nsf + 1, sizeof(*e->sf)) < 0)
		return -ENOMEM;
	e->sf[e->nsf++] = *sf;
	return 0;
}

/* Specific filter @sf (its weight to come), and its mirror image when @mirrored. */
static int push_both_ways(struct build *b, struct ipp_sfilter *sf, bool mirrored)
{
	struct ipp_sfilter rev;
	int r;

	sf->weight = ipp_weight(&sf->src, &sf->dst, sf->protocol, sf->srcport, sf->dstport);
	sf->reversed = false;
	if ((r = push_sf(b, sf)) < 0 || !mirrored)
		return r;
	rev = *sf;
	rev.src = sf->dst;
	rev.dst = sf->src;
	rev.srcport = sf->dstport;
	rev.dstport = sf->srcport;
	rev.reversed = true;
	rev.weight = ipp_weight(&rev.src, &rev.dst, rev.protocol, rev.srcport, rev.dstport);
	/* any<->any, me<->me with no ports: the mirror is the filter itself */
	if (same_selectors(sf, &rev))
		return 0;
	return push_sf(b, &rev);
}

const char *ipp_hostenv_unknown(const struct ipp_hostenv *env, const struct ipp_addr *a,
				const char **what)
{
	const char *why = NULL, *w = NULL;

	if (!env)
		return NULL;
	switch (a->kind) {
	case IPP_ADDR_DNS:
		why = env->dns_error, w = "the DNS servers";
		break;
	case IPP_ADDR_WINS:
		why = env->wins_error, w = "the WINS servers";
		break;
	case IPP_ADDR_DHCP:
		why = env->dhcp_error, w = "the DHCP servers";
		break;
	case IPP_ADDR_GATEWAY:
		why = env->gateway_error, w = "the gateways";
		break;
	default:
		return NULL;
	}
	if (!why[0])
		return NULL;
	if (what)
		*what = w;
	return why;
}

static int expand_filter(struct build *b, const struct ipp_eff_rule *er, uint32_t rule_idx,
			 uint32_t filter_idx, const struct ipp_filter *f, unsigned store_bits,
			 const struct ipp_hostenv *env)
{
	const struct ipp_addr *srcs, *dsts;
	bool warned_icmp = false, warned_ext = false;
	size_t ns, nd, i, j;
	int r;

	if (ipp_hostenv_unknown(env, &f->src, NULL) || ipp_hostenv_unknown(env, &f->dst, NULL))
		return -ENODATA; /* which servers it stands for is not known */
	ns = ipp_hostenv_expand(&f->src, env, &srcs);
	nd = ipp_hostenv_expand(&f->dst, env, &dsts);
	for (i = 0; i < ns; i++) {
		for (j = 0; j < nd; j++) {
			struct ipp_sfilter sf = {0};
			int fam = concrete(&srcs[i])   ? srcs[i].family
				  : concrete(&dsts[j]) ? dsts[j].family
						       : 0;

			if (concrete(&srcs[i]) && concrete(&dsts[j]) &&
			    srcs[i].family != dsts[j].family) {
				char s[64], d[64];

				ipp_addr_format(&srcs[i], s, sizeof(s));
				ipp_addr_format(&dsts[j], d, sizeof(d));
				r = add_warning(b,
						"policy \"%s\" rule \"%s\" filter %u: source \"%s\" and "
						"destination \"%s\" are of different address families: "
						"the filter matches nothing",
						er->policy, er->rule, filter_idx + 1, s, d);
				if (r < 0)
					return r;
				continue;
			}
			/* ICMPv6 (58) is never carried by IPv4 */
			if (!warned_icmp && fam == AF_INET && f->protocol == IPPROTO_ICMPV6) {
				warned_icmp = true;
				r = add_warning(
				    b,
				    "policy \"%s\" rule \"%s\" filter %u: protocol 58 is "
				    "ICMPv6, which IPv4 traffic does not carry: the filter "
				    "matches only IPv4 packets of protocol 58 (ICMP for IPv4 "
				    "is protocol 1)",
				    er->policy, er->rule, filter_idx + 1);
				if (r < 0)
					return r;
			}
			/* an IPv6 extension header is no transport protocol to the kernel */
			if (!warned_ext && fam != AF_INET && ipp_proto_ipv6_ext(f->protocol)) {
				warned_ext = true;
				r = add_warning(
				    b,
				    "policy \"%s\" rule \"%s\" filter %u: protocol %u is an IPv6 "
				    "extension header, which the kernel looks past to the protocol "
				    "after it: the filter matches no IPv6 packet%s",
				    er->policy, er->rule, filter_idx + 1, f->protocol,
				    fam == AF_INET6 ? "" : " (IPv4 packets of that protocol only)");
				if (r < 0)
					return r;
			}
			sf.src = srcs[i];
			sf.dst = dsts[j];
			sf.protocol = f->protocol;
			sf.srcport = f->srcport;
			sf.dstport = f->dstport;
			sf.action = er->fa.action;
			if (sf.action == IPP_ACTION_NEGOTIATE)
				sf.clear = er->fa.soft ? 2 : er->fa.inpass ? 1 : 0;
			sf.origin = er->origin;
			sf.seq = ((uint64_t)(f->id > 0 ? f->id : 0) << 2) | store_bits;
			sf.rule = rule_idx;
			sf.filter = filter_idx;
			/* ICMP is the ICMP of the packet's family: ICMPv6 (58) for IPv6 */
			if (f->protocol == IPPROTO_ICMP && fam == AF_INET6)
				sf.protocol = IPPROTO_ICMPV6;
			if ((r = push_both_ways(b, &sf, f->mirrored)) < 0)
				return r;
			if (f->protocol == IPPROTO_ICMP && fam == 0) {
				/* of either family: ICMPv6 as well */
				sf.protocol = IPPROTO_ICMPV6;
				if ((r = push_both_ways(b, &sf, f->mirrored)) < 0)
					return r;
			}
		}
	}
	return 0;
}

static void fill_rule(struct ipp_eff_rule *er, enum ipp_store_loc loc, enum ipp_origin origin,
		      const struct ipp_policy *p, const struct ipp_rule *rule)
{
	memset(er, 0, sizeof(*er));
	er->store = loc;
	er->origin = origin;
	snprintf(er->policy, sizeof(er->policy), "%s", p->name);
	snprintf(er->policy_guid, sizeof(er->policy_guid), "%s", p->guid);
	snprintf(er->rule, sizeof(er->rule), "%s", rule->name);
	snprintf(er->rule_guid, sizeof(er->rule_guid), "%s", rule->guid);
	er->number = rule->number;
	er->has_tunnel = rule->has_tunnel;
	er->tunnel = rule->tunnel;
	er->conntype = rule->conntype;
}

static int add_policy(struct build *b, const struct ipp_snapshot *s, const struct ipp_policy *p,
		      enum ipp_origin origin, const struct ipp_hostenv *env,
		      struct ipp_error *err)
{
	struct ipp_effective *e = b->e;
	unsigned store_bits = (unsigned)s->loc & 3;
	size_t i, k, want = 0;
	int r;

	/* room for the filters of its active rules, both ways, at once: not copied again
	 * and again as the array doubles (a host server type may make more, which grow) */
	for (i = 0; i < p->nrules; i++) {
		const struct ipp_filterlist *l =
		    p->rules[i].activate ? find_list(s, p->rules[i].filterlist_id) : NULL;

		want += l ? 2 * l->nfilters : 0;
	}
	if (want && ipp_grow((void **)&e->sf, &b->cap_sf, e->nsf + want, sizeof(*e->sf)) < 0)
		return ipp_err(err, ENOMEM, "out of memory");

	for (i = 0; i < p->nrules; i++) {
		const struct ipp_rule *rule = &p->rules[i];
		const struct ipp_filterlist *l;
		const struct ipp_filteraction *a;
		struct ipp_eff_rule *er;
		uint32_t idx;

		if (!rule->activate)
			continue;
		l = find_list(s, rule->filterlist_id);
		if (!l)
			return ipp_err(err, EINVAL,
				       "policy \"%s\" rule \"%s\": its filter list (id %lld) does "
				       "not exist in the %s store",
				       p->name, rule->name, (long long)rule->filterlist_id,
				       ipp_store_name(s->loc));
		a = find_action(s, rule->filteraction_id);
		if (!a)
			return ipp_err(err, EINVAL,
				       "policy \"%s\" rule \"%s\": its filter action (id %lld) does "
				       "not exist in the %s store",
				       p->name, rule->name, (long long)rule->filteraction_id,
				       ipp_store_name(s->loc));
		if (a->action != IPP_ACTION_PERMIT && a->action != IPP_ACTION_BLOCK &&
		    a->action != IPP_ACTION_NEGOTIATE)
			return ipp_err(err, EINVAL,
				       "policy \"%s\" rule \"%s\": filter action \"%s\" has no valid "
				       "action",
				       p->name, rule->name, a->name);
		if (ipp_grow((void **)&e->rules, &b->cap_rules, e->nrules + 1, sizeof(*e->rules)) < 0)
			return ipp_err(err, ENOMEM, "out of memory");
		idx = (uint32_t)e->nrules;
		er = &e->rules[e->nrules++];
		fill_rule(er, s->loc, origin, p, rule);
		snprintf(er->filterlist, sizeof(er->filterlist), "%s", l->name);
		er->filterlist_id = l->id;
		snprintf(er->filteraction, sizeof(er->filteraction), "%s", a->name);
		er->fa = *a;
		for (k = 0; k < l->nfilters; k++) {
			r = expand_filter(b, &e->rules[idx], idx, (uint32_t)k, &l->filters[k],
					  store_bits, env);
			if (r == -ENODATA) {
				const struct ipp_filter *f = &l->filters[k];
				const char *what = "",
					   *why = ipp_hostenv_unknown(env, &f->src, &what);

				if (!why)
					why = ipp_hostenv_unknown(env, &f->dst, &what);
				return ipp_err(err, ENODATA,
					       "policy \"%s\" rule \"%s\": filter %zu names %s, "
					       "which are not known: %s",
					       p->name, rule->name, k + 1, what, why ? why : "");
			}
			if (r < 0)
				return ipp_err(err, -r, "out of memory");
		}
	}
	if (p->activatedefaultrule && p->defaultrule.activate) {
		struct ipp_eff_rule *er;

		if (ipp_grow((void **)&e->rules, &b->cap_rules, e->nrules + 1, sizeof(*e->rules)) < 0)
			return ipp_err(err, ENOMEM, "out of memory");
		er = &e->rules[e->nrules++];
		fill_rule(er, s->loc, origin, p, &p->defaultrule);
		er->number = 0;
		ipp_filteraction_init(&er->fa);
		er->fa.action = IPP_ACTION_NEGOTIATE;
		er->fa.qmpfs = p->defaultrule.qmpfs;
		er->fa.nqmsec = p->defaultrule.nqmsec;
		memcpy(er->fa.qmsec, p->defaultrule.qmsec, sizeof(er->fa.qmsec));
	}
	return 0;
}

/*
 * The order of ipp_sfilter_cmp() as a packed key, so that sorting 100,000
 * filters compares integers: weight (higher first), action rank, origin,
 * then seq, then rule, filter and direction.  A unit test checks that the
 * two orders agree.
 */
struct sortkey {
	uint64_t k1, k2, k3;
	uint32_t i;
};

static bool sortkey_less(const struct sortkey *a, const struct sortkey *b)
{
	if (a->k1 != b->k1)
		return a->k1 < b->k1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2;
	return a->k3 < b->k3;
}

/*
 * Sort @k (@n keys) with the scratch @tmp of the same size: a bottom-up merge
 * sort with the comparison inlined, about three times qsort() (which calls
 * back for every comparison) on 100,000 keys.  The result is in *ret (@k or
 * @tmp).
 */
static void sortkeys(struct sortkey *k, struct sortkey *tmp, size_t n, struct sortkey **ret)
{
	struct sortkey *src = k, *dst = tmp, *t;
	size_t w, i;

	/* runs of 8 by insertion, then merges */
	for (i = 0; i < n; i += 8) {
		size_t end = i + 8 < n ? i + 8 : n, a, b;

		for (a = i + 1; a < end; a++) {
			struct sortkey x = src[a];

			for (b = a; b > i && sortkey_less(&x, &src[b - 1]); b--)
				src[b] = src[b - 1];
			src[b] = x;
		}
	}
	for (w = 8; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			size_t mid = i + w < n ? i + w : n, end = i + 2 * w < n ? i + 2 * w : n;
			size_t a = i, b = mid, o = i;

			while (a < mid && b < end)
				dst[o++] = sortkey_less(&src[b], &src[a]) ? src[b++] : src[a++];
			while (a < mid)
				dst[o++] = src[a++];
			while (b < end)
				dst[o++] = src[b++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	*ret = src;
}

/* Sort best first: packed keys are sorted, then the filters moved once. */
static int sort_sfilters(struct ipp_effective *e)
{
	struct ipp_sfilter *v;
	struct sortkey *k, *tmp, *sorted;
	size_t i;

	if (e->nsf < 2)
		return 0;
	k = malloc(e->nsf * sizeof(*k));
	tmp = malloc(e->nsf * sizeof(*tmp));
	v = malloc(e->nsf * sizeof(*v));
	if (!k || !tmp || !v) {
		free(k);
		free(tmp);
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < e->nsf; i++) {
		const struct ipp_sfilter *f = &e->sf[i];

		k[i].k1 = (uint64_t)(UINT32_MAX - f->weight) << 32 |
			  (uint64_t)(ipp_action_rank(f->action) & 0xff) << 16 |
			  (uint64_t)(f->clear & 0xff) << 8 | (f->origin & 0xff);
		k[i].k2 = f->seq;
		k[i].k3 = (uint64_t)f->rule << 32 | (uint64_t)(f->filter & 0x7fffffff) << 1 |
			  f->reversed;
		k[i].i = (uint32_t)i;
	}
	sortkeys(k, tmp, e->nsf, &sorted);
	for (i = 0; i < e->nsf; i++)
		v[i] = e->sf[sorted[i].i];
	free(e->sf);
	e->sf = v;
	free(k);
	free(tmp);
	return 0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static uint64_t word(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A hash of exactly what same_selectors() compares. */
static uint64_t addr_hash(uint64_t h, const struct ipp_addr *a)
{
	h = mix(h, (uint64_t)a->kind);
	if (!concrete(a))
		return h;
	h = mix(h, (uint64_t)a->family << 8 | (a->kind == IPP_ADDR_IP ? a->plen : 0));
	h = mix(mix(h, word(a->ip)), word(a->ip + 8));
	if (a->kind == IPP_ADDR_IP)
		return h;
	return mix(mix(h, word(a->ip_end)), word(a->ip_end + 8));
}

static uint64_t sel_hash(const struct ipp_sfilter *f)
{
	uint64_t h = addr_hash(addr_hash(0, &f->src), &f->dst);

	return mix(h, (uint64_t)f->protocol << 32 | (uint64_t)f->srcport << 16 | f->dstport);
}

static void describe(const struct ipp_effective *e, const struct ipp_sfilter *f, char *buf,
		     size_t len)
{
	const struct ipp_eff_rule *r = &e->rules[f->rule];

	snprintf(buf, len, "policy \"%s\" rule \"%s\" filter %u%s (%s)", r->policy, r->rule,
		 f->filter + 1, f->reversed ? " mirrored" : "", ipp_action_name(f->action));
}

/*
 * Filters with identical selectors and different actions: the first one
 * (in the order of the effective policy) decides; say so.  One pass with an
 * open-addressing table of the first filter of each selector.
 */
static int find_conflicts(struct build *b)
{
	struct ipp_effective *e = b->e;
	uint64_t *hs;
	uint32_t *tab; /* index + 1 of the first filter of a selector; 0: empty */
	size_t i, cap = 16;
	int r = 0;

	if (e->nsf < 2)
		return 0;
	while (cap < 2 * e->nsf)
		cap *= 2;
	hs = malloc(e->nsf * sizeof(*hs));
	tab = calloc(cap, sizeof(*tab));
	if (!hs || !tab) {
		free(hs);
		free(tab);
		return -ENOMEM;
	}
	for (i = 0; i < e->nsf && r == 0; i++) {
		const struct ipp_sfilter *o = &e->sf[i], *w = NULL;
		size_t pos;

		hs[i] = sel_hash(o);
		for (pos = hs[i] & (cap - 1); tab[pos]; pos = (pos + 1) & (cap - 1)) {
			size_t m = tab[pos] - 1;

			if (hs[m] == hs[i] && same_selectors(&e->sf[m], o)) {
				w = &e->sf[m];
				break;
			}
		}
		if (!w) {
			tab[pos] = (uint32_t)i + 1;
			continue;
		}
		if (w->action != o->action) {
			char a[IPP_NAME_MAX * 2 + 64], c[IPP_NAME_MAX * 2 + 64];
			char sa[64], da[64];

			describe(e, w, a, sizeof(a));
			describe(e, o, c, sizeof(c));
			ipp_addr_format_net(&w->src, sa, sizeof(sa));
			ipp_addr_format_net(&w->dst, da, sizeof(da));
			r = add_warning(b,
					"%s and %s have identical selectors (%s -> %s protocol %u "
					"ports %u -> %u): the first decides",
					a, c, sa, da, w->protocol, w->srcport, w->dstport);
		}
	}
	free(hs);
	free(tab);
	return r;
}

static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static const struct ipp_dyn_qmpolicy *find_qm(const struct ipp_dynspd *d, const char *name)
{
	for (size_t i = 0; name[0] && i < d->nqm; i++)
		if (!ipp_utf8_casecmp(d->qm[i].name, name))
			return &d->qm[i];
	return NULL;
}

/*
 * The specific filters expanded from @before on: of direction @dir; those
 * no packet of that direction can match (inbound from "me", outbound to
 * "me": the host's own traffic travels over loopback) are left out.
 */
static void set_dir(struct ipp_effective *e, size_t before, uint8_t dir)
{
	size_t i, k = before;

	for (i = before; i < e->nsf; i++) {
		struct ipp_sfilter *f = &e->sf[i];

		if ((dir == IPP_SF_IN && f->src.kind == IPP_ADDR_ME) ||
		    (dir == IPP_SF_OUT && f->dst.kind == IPP_ADDR_ME))
			continue;
		f->dir = dir;
		e->sf[k++] = *f;
	}
	e->nsf = k;
}

static int add_dynamic(struct build *b, const struct ipp_dynspd *d, const struct ipp_hostenv *env,
		       struct ipp_error *err)
{
	struct ipp_effective *e = b->e;
	size_t i;
	int r;

	for (i = 0; i < d->nrules; i++) {
		const struct ipp_dyn_rule *dr = &d->rules[i];
		const struct ipp_dyn_qmpolicy *qm = find_qm(d, dr->qmpolicy);
		struct ipp_eff_rule *er;
		struct ipp_filter f;
		uint32_t idx;
		size_t before;

		if (ipp_grow((void **)&e->rules, &b->cap_rules, e->nrules + 1, sizeof(*e->rules)) <
		    0)
			return ipp_err(err, ENOMEM, "out of memory");
		idx = (uint32_t)e->nrules;
		er = &e->rules[e->nrules++];
		memset(er, 0, sizeof(*er));
		er->store = IPP_STORE_INVALID;
		er->origin = IPP_ORIGIN_DYNAMIC;
		snprintf(er->policy, sizeof(er->policy), "%s", IPP_DYN_POLICY_NAME);
		snprintf(er->rule, sizeof(er->rule), "rule %llu", (unsigned long long)dr->seq);
		snprintf(er->rule_guid, sizeof(er->rule_guid), "%08llx-0000-0000-0000-000000000000",
			 (unsigned long long)dr->seq & 0xffffffffULL);
		er->number = (uint32_t)dr->seq;
		snprintf(er->filterlist, sizeof(er->filterlist), "dynamic rule %llu",
			 (unsigned long long)dr->seq);
		snprintf(er->filteraction, sizeof(er->filteraction), "%s",
			 dr->qmpolicy[0] ? dr->qmpolicy : "(no quick mode policy)");
		ipp_filteraction_init(&er->fa);
		er->fa.action = dr->inbound;
		if (qm) {
			er->fa.soft = qm->soft;
			er->fa.qmpfs = strcmp(qm->pfsgroup, "nopfs") != 0;
			er->fa.nqmsec = qm->nqmsec;
			memcpy(er->fa.qmsec, qm->qmsec, sizeof(er->fa.qmsec));
		}
		er->has_tunnel = dr->has_tunnel;
		er->tunnel = dr->tunnel;
		er->conntype = dr->conntype;

		ipp_dyn_rule_filter(dr, &f);
		before = e->nsf;
		r = expand_filter(b, er, idx, 0, &f, 3, env);
		if (r == 0 && dr->outbound != dr->inbound) {
			/* one direction each */
			set_dir(e, before, IPP_SF_IN);
			before = e->nsf;
			e->rules[idx].fa.action = dr->outbound;
			r = expand_filter(b, &e->rules[idx], idx, 0, &f, 3, env);
			e->rules[idx].fa.action = dr->inbound;
			if (r == 0)
				set_dir(e, before, IPP_SF_OUT);
		}
		if (r == -ENODATA) {
			const char *what = "", *why = ipp_hostenv_unknown(env, &f.src, &what);

			if (!why)
				why = ipp_hostenv_unknown(env, &f.dst, &what);
			return ipp_err(err, ENODATA,
				       "dynamic rule %llu names %s, which are not known: %s",
				       (unsigned long long)dr->seq, what, why ? why : "");
		}
		if (r < 0)
			return ipp_err(err, -r, "out of memory");
	}
	return 0;
}

int ipp_effective_build(const struct ipp_snapshot *persistent, const struct ipp_snapshot *domain,
			const struct ipp_snapshot *local, const struct ipp_hostenv *env,
			struct ipp_effective **ret, struct ipp_error *err)
{
	return ipp_effective_build_dyn(persistent, domain, local, NULL, env, ret, err);
}

/*
 * The rules of @kept of the domain or local policy, with their specific
 * filters (their rule indices moved to where the rules go in b->e).
 */
static int add_kept(struct build *b, const struct ipp_effective *kept, struct ipp_error *err)
{
	struct ipp_effective *e = b->e;
	uint32_t *to;
	size_t i, want = 0;

	if (!kept->nrules)
		return 0;
	to = malloc(kept->nrules * sizeof(*to));
	if (!to)
		return ipp_err(err, ENOMEM, "out of memory");
	for (i = 0; i < kept->nrules; i++) {
		to[i] = UINT32_MAX;
		if (kept->rules[i].origin != IPP_ORIGIN_ASSIGNED)
			continue;
		if (ipp_grow((void **)&e->rules, &b->cap_rules, e->nrules + 1, sizeof(*e->rules)) <
		    0)
			goto nomem;
		to[i] = (uint32_t)e->nrules;
		e->rules[e->nrules++] = kept->rules[i];
	}
	for (i = 0; i < kept->nsf; i++)
		want += kept->sf[i].rule < kept->nrules && to[kept->sf[i].rule] != UINT32_MAX;
	if (want && ipp_grow((void **)&e->sf, &b->cap_sf, e->nsf + want, sizeof(*e->sf)) < 0)
		goto nomem;
	for (i = 0; i < kept->nsf; i++) {
		struct ipp_sfilter f = kept->sf[i];

		if (f.rule >= kept->nrules || to[f.rule] == UINT32_MAX)
			continue;
		f.rule = to[f.rule];
		e->sf[e->nsf++] = f;
	}
	free(to);
	return 0;
nomem:
	free(to);
	return ipp_err(err, ENOMEM, "out of memory");
}

/* ipp_effective_build_dyn(), or with @kept's domain or local rules (ipp_effective_build_kept()) */
static int build(const struct ipp_snapshot *persistent, const struct ipp_snapshot *domain,
		 const struct ipp_snapshot *local, const struct ipp_effective *kept,
		 const struct ipp_dynspd *dyn, const struct ipp_hostenv *env,
		 struct ipp_effective **ret, struct ipp_error *err)
{
	const struct ipp_policy *pp, *ap;
	const struct ipp_snapshot *as;
	struct build b = {0};
	int r;

	b.e = calloc(1, sizeof(*b.e));
	if (!b.e)
		return ipp_err(err, ENOMEM, "out of memory");

	pp = assigned_policy(persistent);
	as = domain;
	ap = assigned_policy(domain);
	if (!ap) {
		as = local;
		ap = assigned_policy(local);
	}
	if (pp && (r = add_policy(&b, persistent, pp, IPP_ORIGIN_PERSISTENT, env, err)) < 0)
		goto fail;
	if (kept && (r = add_kept(&b, kept, err)) < 0)
		goto fail;
	if (!kept && ap && (r = add_policy(&b, as, ap, IPP_ORIGIN_ASSIGNED, env, err)) < 0)
		goto fail;
	if (dyn && (r = add_dynamic(&b, dyn, env, err)) < 0)
		goto fail;
	if ((r = sort_sfilters(b.e)) < 0 || (r = find_conflicts(&b)) < 0) {
		r = ipp_err(err, -r, "out of memory");
		goto fail;
	}
	if (b.e->nwarnings > 1)
		qsort(b.e->warnings, b.e->nwarnings, sizeof(*b.e->warnings), str_cmp);
	*ret = b.e;
	return 0;
fail:
	ipp_effective_free(b.e);
	return r;
}

int ipp_effective_build_dyn(const struct ipp_snapshot *persistent,
			    const struct ipp_snapshot *domain, const struct ipp_snapshot *local,
			    const struct ipp_dynspd *dyn, const struct ipp_hostenv *env,
			    struct ipp_effective **ret, struct ipp_error *err)
{
	return build(persistent, domain, local, NULL, dyn, env, ret, err);
}

int ipp_effective_build_kept(const struct ipp_snapshot *persistent,
			     const struct ipp_effective *kept, const struct ipp_dynspd *dyn,
			     const struct ipp_hostenv *env, struct ipp_effective **ret,
			     struct ipp_error *err)
{
	return build(persistent, NULL, NULL, kept, dyn, env, ret, err);
}

int ipp_effective_reserve(struct ipp_effective *e, size_t more)
{
	struct ipp_sfilter *v;
	size_t want = e->nsf + more, cap;

	if (!more || want <= e->sfcap)
		return 0;
	/* (a little more than asked: changes in place one after another move the array
	 * once in a while, not each time) */
	cap = want + e->nsf / 8 + 16;
	if (want < e->nsf || cap < want || !(v = realloc(e->sf, cap * sizeof(*v))))
		return -ENOMEM;
	e->sf = v;
	e->sfcap = cap;
	return 0;
}

/* The first of the deletions @del (sorted by rule, then place) at or after (@rule, @filter). */
static size_t del_lower(const struct ipp_patch_del *del, size_t ndel, uint32_t rule,
			uint32_t filter)
{
	size_t a = 0, b = ndel;

	while (a < b) {
		size_t m = a + (b - a) / 2;

		if (del[m].rule < rule || (del[m].rule == rule && del[m].filter < filter))
			a = m + 1;
		else
			b = m;
	}
	return a;
}

void ipp_effective_patch(struct ipp_effective *e, const struct ipp_sfilter *add, size_t nadd,
			 const struct ipp_patch_del *del, size_t ndel)
{
	size_t i, n = 0;

	for (i = 0; ndel && i < e->nsf; i++) {
		struct ipp_sfilter f = e->sf[i];
		/* the deletions of its rule at smaller places, and whether its own is one */
		size_t lo = del_lower(del, ndel, f.rule, 0),
		       a = del_lower(del, ndel, f.rule, f.filter);

		if (a < ndel && del[a].rule == f.rule && del[a].filter == f.filter)
			continue;
		f.filter -= (uint32_t)(a - lo);
		e->sf[n++] = f;
	}
	if (ndel)
		e->nsf = n;
	/* merged from the end: each filter moves once */
	if (nadd) {
		size_t k = e->nsf + nadd, j = nadd;

		i = e->nsf;
		while (j > 0) {
			if (i > 0 && ipp_sfilter_cmp(&e->sf[i - 1], &add[j - 1]) > 0)
				e->sf[--k] = e->sf[--i];
			else
				e->sf[--k] = add[--j];
		}
		e->nsf += nadd;
	}
}

int ipp_effective_expand(const struct ipp_effective *e, uint32_t rule_idx, uint32_t filter_idx,
			 const struct ipp_filter *f, const struct ipp_hostenv *env,
			 struct ipp_sfilter **ret, size_t *ret_n, struct ipp_warnings *warnings)
{
	struct ipp_effective tmp = {0};
	struct build b = {.e = &tmp};
	const struct ipp_eff_rule *er = &e->rules[rule_idx];
	size_t i;
	int r;

	r = expand_filter(&b, er, rule_idx, filter_idx, f, (unsigned)er->store & 3, env);
	for (i = 0; i < tmp.nwarnings; i++) {
		if (r == 0 && warnings &&
		    ipp_grow((void **)&warnings->v, &warnings->cap, warnings->n + 1,
			     sizeof(char *)) == 0) {
			warnings->v[warnings->n++] = tmp.warnings[i];
			continue;
		}
		free(tmp.warnings[i]);
	}
	free(tmp.warnings);
	if (r < 0) {
		free(tmp.sf);
		return r;
	}
	*ret = tmp.sf;
	*ret_n = tmp.nsf;
	return 0;
}

void ipp_warnings_clear(struct ipp_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	*w = (struct ipp_warnings){0};
}

int ipp_effective_add_warnings(struct ipp_effective *e, struct ipp_warnings *w)
{
	char **v;
	size_t i, k;

	if (w->n == 0)
		return 0;
	v = realloc(e->warnings, (e->nwarnings + w->n) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	e->warnings = v;
	for (i = 0; i < w->n; i++)
		e->warnings[e->nwarnings++] = w->v[i];
	free(w->v);
	*w = (struct ipp_warnings){0};
	qsort(e->warnings, e->nwarnings, sizeof(*e->warnings), str_cmp);
	/* (one of each) */
	for (i = k = 1; i < e->nwarnings; i++) {
		if (!strcmp(e->warnings[i], e->warnings[k - 1]))
			free(e->warnings[i]);
		else
			e->warnings[k++] = e->warnings[i];
	}
	e->nwarnings = k;
	return 0;
}
