/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.c - see policy.h.
 */
#include "policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/paths.h"
#include "store/store.h"

const char *const host4[3] = {"10.77.0.1", "10.77.1.1", "10.77.1.2"};
const char *const host6[3] = {"fd00:77::1", "fd00:77:0:1::1", "fd00:77:0:1::2"};

static const char *const local_nets4[] = {"10.77.1.0/24", "10.77.0.0/23", "10.77.0.0/16",
					  "10.77.1.0/31", "10.77.0.0/24"};
static const char *const local_nets6[] = {"fd00:77:0:1::/64", "fd00:77::/62", "fd00:77:0:1::/127",
					  "fd00:77::/64", "fd00:77::/48"};
static const char *const local_ranges4[][2] = {{"10.77.1.1", "10.77.1.2"},
					       {"10.77.0.1", "10.77.1.1"},
					       {"10.77.0.0", "10.77.0.1"}};
static const char *const local_ranges6[][2] = {{"fd00:77:0:1::1", "fd00:77:0:1::2"},
					       {"fd00:77::1", "fd00:77:0:1::1"},
					       {"fd00:77::", "fd00:77::1"}};
static const uint16_t ports[] = {7, 53, 80, 443, 1000, 3389, 8080, 40000};

uint64_t rng_next(struct rng *r)
{
	/* xorshift64*: small, seedable, the same sequence on every machine */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1Dull;
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

static int alen(int fam)
{
	return fam == AF_INET6 ? 16 : 4;
}

static struct ipp_addr a_kind(enum ipp_addr_kind k)
{
	struct ipp_addr a = {.kind = k};
	return a;
}

static void pool_ip(int fam, uint32_t k, uint8_t ip[16])
{
	memset(ip, 0, 16);
	inet_pton(fam, fam == AF_INET ? POOL4 : POOL6, ip);
	if (fam == AF_INET) {
		k += (uint32_t)ip[2] << 8;
		ip[2] = (uint8_t)(k >> 8);
		ip[3] = (uint8_t)k;
	} else {
		ip[14] = (uint8_t)(k >> 8);
		ip[15] = (uint8_t)k;
	}
}

static bool in_pool(int fam, const uint8_t ip[16])
{
	uint8_t base[16] = {0}, peer[16] = {0};

	inet_pton(fam, fam == AF_INET ? POOL4 : POOL6, base);
	inet_pton(fam, fam == AF_INET ? PEER4 : PEER6, peer);
	if (memcmp(ip, peer, (size_t)alen(fam)) == 0)
		return true;
	if (fam == AF_INET)
		return memcmp(ip, base, 2) == 0 && (ip[2] & 0xf0) == base[2];
	return memcmp(ip, base, 14) == 0 && (ip[14] & 0xf0) == 0;
}

static struct ipp_addr a_parse(const char *s)
{
	struct ipp_addr a = {.kind = IPP_ADDR_IP};
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	a.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	inet_pton(a.family, buf, a.ip);
	a.plen = (uint8_t)(slash ? atoi(slash + 1) : a.family == AF_INET6 ? 128 : 32);
	return a;
}

static void mask(uint8_t ip[16], unsigned plen)
{
	unsigned i;

	for (i = plen; i < 128; i++)
		ip[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

static struct ipp_addr remote_addr(struct rng *r, int fam)
{
	struct ipp_addr a = {.kind = IPP_ADDR_IP, .family = (uint8_t)fam};
	uint32_t x = rng_below(r, 100), k = rng_below(r, fam == AF_INET ? POOL4_SIZE : POOL6_SIZE);

	if (x < 15)
		return a_kind(IPP_ADDR_ANY);
	pool_ip(fam, k, a.ip);
	a.plen = (uint8_t)(fam == AF_INET ? 32 : 128);
	if (x < 40) {
		if (rng_below(r, 20) == 0)
			inet_pton(fam, fam == AF_INET ? PEER4 : PEER6, a.ip);
		return a;
	}
	if (x < 85) {
		if (fam == AF_INET)
			a.plen = (uint8_t)(16 + rng_below(r, 16));
		else
			a.plen = (uint8_t)(rng_below(r, 10) == 0 ? 64 : 100 + rng_below(r, 28));
		/* now and then host bits under the mask, matched as the masked network */
		if (rng_below(r, 10) != 0)
			mask(a.ip, a.plen);
		return a;
	}
	a.kind = IPP_ADDR_RANGE;
	{
		uint32_t last = (fam == AF_INET ? POOL4_SIZE : POOL6_SIZE) - 1;
		uint32_t e = k + 1 + rng_below(r, 100);

		pool_ip(fam, e > last ? last : e, a.ip_end);
	}
	return a;
}

static struct ipp_addr local_addr(struct rng *r, int fam)
{
	uint32_t x = rng_below(r, 100);
	struct ipp_addr a;

	if (x < 35)
		return a_kind(IPP_ADDR_ME);
	if (x < 50)
		return a_kind(IPP_ADDR_ANY);
	if (x < 70)
		return a_parse(fam == AF_INET ? host4[rng_below(r, 3)] : host6[rng_below(r, 3)]);
	if (x < 85)
		return a_parse(fam == AF_INET ? local_nets4[rng_below(r, 5)]
					      : local_nets6[rng_below(r, 5)]);
	x = rng_below(r, 3);
	a = a_parse(fam == AF_INET ? local_ranges4[x][0] : local_ranges6[x][0]);
	a.kind = IPP_ADDR_RANGE;
	inet_pton(fam, fam == AF_INET ? local_ranges4[x][1] : local_ranges6[x][1], a.ip_end);
	return a;
}

static bool concrete(const struct ipp_addr *a)
{
	return a->kind == IPP_ADDR_IP || a->kind == IPP_ADDR_RANGE;
}

static bool addr_same(const struct ipp_addr *a, const struct ipp_addr *b)
{
	if (a->kind != b->kind)
		return false;
	if (!concrete(a))
		return true;
	if (a->kind == IPP_ADDR_IP) {
		/* the network: the store keeps an address with host bits as its network */
		uint8_t x[16], y[16];

		memcpy(x, a->ip, 16);
		memcpy(y, b->ip, 16);
		ipp_ip_mask(x, a->plen);
		ipp_ip_mask(y, b->plen);
		return a->family == b->family && a->plen == b->plen && !memcmp(x, y, 16);
	}
	return a->family == b->family && a->plen == b->plen && !memcmp(a->ip, b->ip, 16) &&
	       (a->kind != IPP_ADDR_RANGE || !memcmp(a->ip_end, b->ip_end, 16));
}

static bool filter_same(const struct dfilter *a, const struct dfilter *b)
{
	return addr_same(&a->src, &b->src) && addr_same(&a->dst, &b->dst) &&
	       a->proto == b->proto && a->sport == b->sport && a->dport == b->dport &&
	       a->mirrored == b->mirrored;
}

static void random_filter(struct rng *r, struct dfilter *f)
{
	int fam = rng_below(r, 10) < 7 ? AF_INET : AF_INET6;
	uint32_t x;

	memset(f, 0, sizeof(*f));
	if (rng_below(r, 20) == 0) {
		f->src = a_kind(IPP_ADDR_ANY);
		f->dst = a_kind(IPP_ADDR_ANY);
	} else if (rng_below(r, 2)) {
		f->src = local_addr(r, fam);
		f->dst = remote_addr(r, fam);
	} else {
		f->src = remote_addr(r, fam);
		f->dst = local_addr(r, fam);
	}
	if (f->src.kind == IPP_ADDR_ME && f->dst.kind == IPP_ADDR_ME)
		f->dst = a_kind(IPP_ADDR_ANY);
	if (!concrete(&f->src) && !concrete(&f->dst))
		fam = rng_below(r, 2) ? AF_INET : AF_INET6;
	x = rng_below(r, 100);
	f->proto = x < 30   ? IPP_PROTO_ANY
		   : x < 55 ? IPPROTO_TCP
		   : x < 80 ? IPPROTO_UDP
		   : x < 92 ? (fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6)
		   : x < 96 ? 253
			    : 254;
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		if (rng_below(r, 10) >= 6)
			f->sport = ports[rng_below(r, sizeof(ports) / sizeof(ports[0]))];
		if (rng_below(r, 2))
			f->dport = ports[rng_below(r, sizeof(ports) / sizeof(ports[0]))];
	}
	f->mirrored = rng_below(r, 2);
}

int dpolicy_random(struct dpolicy *p, struct rng *r, size_t nfilters, size_t nrules)
{
	size_t i, j;

	memset(p, 0, sizeof(*p));
	if (nrules > DP_MAX_RULES)
		nrules = DP_MAX_RULES;
	p->nrules = nrules;
	for (i = 0; i < nrules; i++) {
		uint32_t x = rng_below(r, 100);

		p->rules[i].action = x < 40   ? IPP_ACTION_PERMIT
				     : x < 85 ? IPP_ACTION_BLOCK
					      : IPP_ACTION_NEGOTIATE;
		/* negotiate that takes clear packets in (inpass) or both ways (soft) */
		if (p->rules[i].action == IPP_ACTION_NEGOTIATE)
			p->rules[i].clear = (uint8_t)rng_below(r, 3);
		p->rules[i].store = rng_below(r, 4) == 0 ? IPP_STORE_PERSISTENT : IPP_STORE_LOCAL;
		p->rules[i].active = i == 0 || rng_below(r, 10) != 0;
	}
	p->f = calloc(nfilters ? nfilters : 1, sizeof(*p->f));
	if (!p->f)
		return -ENOMEM;
	for (i = 0; i < nfilters; i++) {
		struct dfilter *f = &p->f[i];
		bool dup;

		do {
			if (i > 0 && rng_below(r, 20) == 0) /* the same selectors in another rule */
				*f = p->f[rng_below(r, (uint32_t)i)];
			else
				random_filter(r, f);
			f->rule = rng_below(r, (uint32_t)nrules);
			dup = false;
			for (j = 0; j < i && !dup; j++)
				dup = p->f[j].rule == f->rule && filter_same(&p->f[j], f);
		} while (dup);
	}
	p->nf = nfilters;
	return 0;
}

void dpolicy_free(struct dpolicy *p)
{
	free(p->f);
	p->f = NULL;
	p->nf = 0;
}

/* ---------- the stores ---------- */

/* The filter actions of the tests: 1 permit, 2 block, 3 negotiate, 4 with inpass, 5 soft. */
#define NKINDS 6
static unsigned kind_of(const struct drule *r)
{
	return r->action == IPP_ACTION_NEGOTIATE ? 3u + r->clear : (unsigned)r->action;
}

static const char *fa_name(unsigned k)
{
	static const char *const n[NKINDS] = {"", "fa-permit", "fa-block", "fa-negotiate",
					      "fa-negotiate-inpass", "fa-negotiate-soft"};

	return k < NKINDS ? n[k] : "";
}

static const char *action_word(unsigned k)
{
	static const char *const n[NKINDS] = {"", "permit", "block", "negotiate",
					      "negotiate inpass=yes", "negotiate soft=yes"};

	return k < NKINDS ? n[k] : "";
}

static enum ipp_action kind_action(unsigned k)
{
	return k >= 3 ? IPP_ACTION_NEGOTIATE : (enum ipp_action)k;
}

static const char *policy_name(enum ipp_store_loc s)
{
	return s == IPP_STORE_PERSISTENT ? "diff-persistent" : "diff-local";
}

static int add_filter(struct ipp_db *db, struct dpolicy *p, size_t k, int64_t list_id,
		      struct ipp_error *err)
{
	struct dfilter *df = &p->f[k];
	struct ipp_filter f;
	int r;

	ipp_filter_init(&f);
	f.src = df->src;
	f.dst = df->dst;
	f.protocol = df->proto;
	f.srcport = df->sport;
	f.dstport = df->dport;
	f.mirrored = df->mirrored;
	r = ipp_db_filter_add(db, list_id, &f, err);
	if (r < 0)
		ipp_err_prefix(err, "filter %zu", k);
	df->id = f.id;
	df->age = ++p->ages;
	ipp_filter_clear(&f);
	return r;
}

static int store_one(struct ipp_db *db, struct dpolicy *p, const bool *keep, enum ipp_store_loc loc,
		     struct ipp_error *err)
{
	int64_t fa_id[NKINDS] = {0};
	struct ipp_policy pol;
	size_t i, k;
	bool any = false;
	int r;

	for (i = 0; i < p->nrules; i++)
		any |= p->rules[i].store == loc;
	if (!any)
		return 0;
	for (k = 1; k < NKINDS; k++) {
		struct ipp_filteraction fa;

		ipp_filteraction_init(&fa);
		snprintf(fa.name, sizeof(fa.name), "%s", fa_name((unsigned)k));
		fa.action = kind_action((unsigned)k);
		fa.inpass = k == 4;
		fa.soft = k == 5;
		r = ipp_db_filteraction_add(db, loc, &fa, err);
		fa_id[k] = fa.id;
		ipp_filteraction_clear(&fa);
		if (r < 0)
			return r;
	}
	ipp_policy_init(&pol);
	snprintf(pol.name, sizeof(pol.name), "%s", policy_name(loc));
	pol.assigned = true;
	r = ipp_db_policy_add(db, loc, &pol, err);
	if (r < 0) {
		ipp_policy_clear(&pol);
		return r;
	}
	for (i = 0; i < p->nrules && r >= 0; i++) {
		struct ipp_filterlist l;
		struct ipp_rule rule;

		if (p->rules[i].store != loc)
			continue;
		ipp_filterlist_init(&l);
		snprintf(l.name, sizeof(l.name), "L%zu", i);
		r = ipp_db_filterlist_add(db, loc, &l, err);
		for (k = 0; k < p->nf && r >= 0; k++)
			if (p->f[k].rule == i && (!keep || keep[k]))
				r = add_filter(db, p, k, l.id, err);
		if (r >= 0) {
			ipp_rule_init(&rule);
			snprintf(rule.name, sizeof(rule.name), "R%zu", i);
			rule.policy_id = pol.id;
			rule.filterlist_id = l.id;
			rule.filteraction_id = fa_id[kind_of(&p->rules[i])];
			rule.activate = p->rules[i].active;
			r = ipp_db_rule_add(db, &rule, err);
			ipp_rule_clear(&rule);
		}
		ipp_filterlist_clear(&l);
	}
	ipp_policy_clear(&pol);
	return r < 0 ? r : 0;
}

/*
 * The end of a change of the stores: commit when @r is 0 (and a transaction is open),
 * else roll back; close; say what failed.  0 or -1.
 */
static int finish(struct ipp_db *db, int r, struct ipp_error *err, const char *what)
{
	if (db && ipp_db_tx_depth(db) > 0) {
		if (r >= 0)
			r = ipp_db_commit(db, err);
		else
			ipp_db_rollback(db);
	}
	ipp_db_close(db);
	if (r < 0)
		fprintf(stderr, "difftest: %s: %s\n", what, err->msg);
	return r < 0 ? -1 : 0;
}

int dpolicy_store(struct dpolicy *p, const bool *keep, const char *root)
{
	struct ipp_error err = {0};
	struct ipp_paths paths;
	struct ipp_db *db = NULL;
	int r;

	if ((r = ipp_paths_init(root, &paths, &err)) < 0 ||
	    (r = ipp_paths_mkdirs(&paths, &err)) < 0 ||
	    (r = ipp_db_open(paths.db, 0, &db, &err)) < 0)
		goto out;
	if ((r = ipp_db_begin(db, &err)) < 0)
		goto out;
	if ((r = ipp_db_delete_all(db, IPP_STORE_LOCAL, &err)) >= 0 &&
	    (r = ipp_db_delete_all(db, IPP_STORE_PERSISTENT, &err)) >= 0 &&
	    (r = store_one(db, p, keep, IPP_STORE_LOCAL, &err)) >= 0)
		r = store_one(db, p, keep, IPP_STORE_PERSISTENT, &err);
out:
	return finish(db, r, &err, "writing the stores");
}

int dpolicy_change(struct dpolicy *p, const bool *from, const bool *to, const char *root)
{
	struct ipp_error err = {0};
	struct ipp_paths paths;
	struct ipp_db *db = NULL;
	size_t k;
	int r;

	if ((r = ipp_paths_init(root, &paths, &err)) < 0 ||
	    (r = ipp_db_open(paths.db, 0, &db, &err)) < 0 || (r = ipp_db_begin(db, &err)) < 0)
		goto out;
	for (k = 0; k < p->nf && r >= 0; k++)
		if (from[k] && !to[k]) {
			r = ipp_db_filter_delete(db, p->f[k].id, &err);
			if (r < 0)
				ipp_err_prefix(&err, "deleting filter %zu", k);
		}
	for (k = 0; k < p->nf && r >= 0; k++)
		if (to[k] && !from[k]) {
			struct ipp_filterlist l;
			char name[32];

			snprintf(name, sizeof(name), "L%" PRIu32, p->f[k].rule);
			ipp_filterlist_init(&l);
			r = ipp_db_filterlist_find(db, p->rules[p->f[k].rule].store, name, NULL, &l,
						   &err);
			if (r >= 0)
				r = add_filter(db, p, k, l.id, &err);
			ipp_filterlist_clear(&l);
		}
out:
	return finish(db, r, &err, "changing the stores");
}

int dpolicy_rule_action(struct dpolicy *p, size_t i, enum ipp_action action, uint8_t clear,
			const char *root)
{
	struct drule want = p->rules[i];
	struct ipp_error err = {0};
	struct ipp_paths paths;
	struct ipp_db *db = NULL;
	struct ipp_policy pol;
	struct ipp_rule rule;
	struct ipp_filteraction fa;
	char name[32];
	int r;

	want.action = action;
	want.clear = action == IPP_ACTION_NEGOTIATE ? clear : 0;
	ipp_policy_init(&pol);
	ipp_rule_init(&rule);
	ipp_filteraction_init(&fa);
	snprintf(name, sizeof(name), "R%zu", i);
	if ((r = ipp_paths_init(root, &paths, &err)) < 0 ||
	    (r = ipp_db_open(paths.db, 0, &db, &err)) < 0 || (r = ipp_db_begin(db, &err)) < 0)
		goto out;
	if ((r = ipp_db_policy_find(db, want.store, policy_name(want.store), NULL, &pol, &err)) >=
		0 &&
	    (r = ipp_db_rule_find(db, pol.id, name, 0, &rule, &err)) >= 0 &&
	    (r = ipp_db_filteraction_find(db, want.store, fa_name(kind_of(&want)), NULL, &fa,
					  &err)) >= 0) {
		rule.filteraction_id = fa.id;
		r = ipp_db_rule_update(db, &rule, &err);
	}
	if (r >= 0)
		p->rules[i] = want;
out:
	ipp_policy_clear(&pol);
	ipp_rule_clear(&rule);
	ipp_filteraction_clear(&fa);
	return finish(db, r, &err, "changing a rule's action");
}

/* ---------- the test's own expansion ---------- */

/* Specific filter @sf (its weight to come) and, when @mirrored, its mirror image. */
static void push_both(struct ipp_effective *eff, const struct ipp_sfilter *sf, bool mirrored)
{
	struct ipp_sfilter x = *sf;

	x.weight = ipp_classify_weight(&x);
	eff->sf[eff->nsf++] = x;
	if (!mirrored)
		return;
	x.src = sf->dst;
	x.dst = sf->src;
	x.srcport = sf->dstport;
	x.dstport = sf->srcport;
	x.reversed = true;
	x.weight = ipp_classify_weight(&x);
	eff->sf[eff->nsf++] = x;
}

int dpolicy_effective(const struct dpolicy *p, const bool *keep, struct ipp_effective *eff)
{
	uint32_t nfil[DP_MAX_RULES] = {0};
	size_t i;

	memset(eff, 0, sizeof(*eff));
	eff->rules = calloc(p->nrules ? p->nrules : 1, sizeof(*eff->rules));
	eff->sf = calloc(4 * p->nf + 1, sizeof(*eff->sf)); /* both ways, ICMP twice */
	if (!eff->rules || !eff->sf) {
		dpolicy_eff_free(eff);
		return -ENOMEM;
	}
	for (i = 0; i < p->nrules; i++) {
		struct ipp_eff_rule *er = &eff->rules[i];

		er->store = p->rules[i].store;
		er->origin = er->store == IPP_STORE_PERSISTENT ? IPP_ORIGIN_PERSISTENT
							       : IPP_ORIGIN_ASSIGNED;
		snprintf(er->policy, sizeof(er->policy), "%s", policy_name(er->store));
		snprintf(er->rule, sizeof(er->rule), "R%zu", i);
		snprintf(er->filterlist, sizeof(er->filterlist), "L%zu", i);
		snprintf(er->filteraction, sizeof(er->filteraction), "%s",
			 fa_name(kind_of(&p->rules[i])));
		er->fa.action = p->rules[i].action;
		er->fa.inpass = p->rules[i].clear == 1;
		er->fa.soft = p->rules[i].clear == 2;
	}
	eff->nrules = p->nrules;
	for (i = 0; i < p->nf; i++) {
		const struct dfilter *df = &p->f[i];
		struct ipp_sfilter sf = {0};

		if (keep && !keep[i])
			continue;
		if (!p->rules[df->rule].active) {
			nfil[df->rule]++;
			continue;
		}
		sf.src = df->src;
		sf.dst = df->dst;
		sf.protocol = df->proto;
		sf.srcport = df->sport;
		sf.dstport = df->dport;
		sf.action = p->rules[df->rule].action;
		sf.clear = p->rules[df->rule].clear;
		sf.origin = eff->rules[df->rule].origin;
		sf.seq = df->age;
		sf.rule = df->rule;
		sf.filter = nfil[df->rule]++;
		/* ICMP is the ICMP of the packet's family: ICMPv6 for IPv6, both when the
		 * filter is of either family */
		if (sf.protocol == IPPROTO_ICMP &&
		    ((concrete(&sf.src) && sf.src.family == AF_INET6) ||
		     (concrete(&sf.dst) && sf.dst.family == AF_INET6)))
			sf.protocol = IPPROTO_ICMPV6;
		push_both(eff, &sf, df->mirrored);
		if (sf.protocol == IPPROTO_ICMP && !concrete(&sf.src) && !concrete(&sf.dst)) {
			sf.protocol = IPPROTO_ICMPV6;
			push_both(eff, &sf, df->mirrored);
		}
	}
	return 0;
}

void dpolicy_eff_free(struct ipp_effective *eff)
{
	free(eff->rules);
	free(eff->sf);
	memset(eff, 0, sizeof(*eff));
}

/* ---------- printing ---------- */

static void print_addr(FILE *out, const char *which, const struct ipp_addr *a)
{
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];

	switch (a->kind) {
	case IPP_ADDR_ANY:
		fprintf(out, " %saddr=any", which);
		return;
	case IPP_ADDR_ME:
		fprintf(out, " %saddr=me", which);
		return;
	case IPP_ADDR_RANGE:
		inet_ntop(a->family, a->ip, x, sizeof(x));
		inet_ntop(a->family, a->ip_end, y, sizeof(y));
		fprintf(out, " %saddr=%s-%s", which, x, y);
		return;
	default:
		inet_ntop(a->family, a->ip, x, sizeof(x));
		fprintf(out, " %saddr=%s %smask=%u", which, x, which, a->plen);
	}
}

void dpolicy_print(const struct dpolicy *p, const bool *keep, FILE *out)
{
	static const enum ipp_store_loc locs[] = {IPP_STORE_LOCAL, IPP_STORE_PERSISTENT};
	size_t i, k, s;

	for (s = 0; s < 2; s++) {
		bool used[DP_MAX_RULES] = {false}, acts[NKINDS] = {false}, any = false;

		for (k = 0; k < p->nf; k++)
			if ((!keep || keep[k]) && p->rules[p->f[k].rule].store == locs[s]) {
				used[p->f[k].rule] = any = true;
				acts[kind_of(&p->rules[p->f[k].rule])] = true;
			}
		if (!any)
			continue;
		fprintf(out, "set store location=%s\n",
			locs[s] == IPP_STORE_LOCAL ? "local" : "persistent");
		fprintf(out, "add policy name=%s\n", policy_name(locs[s]));
		for (k = 1; k < NKINDS; k++)
			if (acts[k])
				fprintf(out, "add filteraction name=%s action=%s\n",
					fa_name((unsigned)k), action_word((unsigned)k));
		for (i = 0; i < p->nrules; i++) {
			if (!used[i])
				continue;
			for (k = 0; k < p->nf; k++) {
				const struct dfilter *f = &p->f[k];

				if (f->rule != i || (keep && !keep[k]))
					continue;
				fprintf(out, "add filter filterlist=L%zu", i);
				print_addr(out, "src", &f->src);
				print_addr(out, "dst", &f->dst);
				fprintf(out, " protocol=%u", f->proto);
				if (f->sport || f->dport)
					fprintf(out, " srcport=%u dstport=%u", f->sport, f->dport);
				fprintf(out, " mirrored=%s\n", f->mirrored ? "yes" : "no");
			}
			fprintf(out, "add rule name=R%zu policy=%s filterlist=L%zu filteraction=%s%s\n",
				i, policy_name(locs[s]), i, fa_name(kind_of(&p->rules[i])),
				p->rules[i].active ? "" : " activate=no");
		}
		fprintf(out, "set policy name=%s assign=yes\n", policy_name(locs[s]));
	}
}

/* ---------- packets' remote addresses ---------- */

static void add1(int fam, uint8_t ip[16], int delta)
{
	int i = alen(fam) - 1;

	if (delta > 0) {
		while (i >= 0 && ++ip[i] == 0)
			i--;
	} else {
		while (i >= 0 && ip[i]-- == 0)
			i--;
	}
}

void dpolicy_remote(const struct dpolicy *p, struct rng *r, int fam, uint8_t ip[16])
{
	if (p->nf && rng_below(r, 2)) {
		const struct dfilter *f = &p->f[rng_below(r, (uint32_t)p->nf)];
		const struct ipp_addr *a = rng_below(r, 2) ? &f->src : &f->dst;

		if (!concrete(a) || a->family != fam)
			a = a == &f->src ? &f->dst : &f->src;
		if (concrete(a) && a->family == fam) {
			uint32_t x = rng_below(r, 4);

			memcpy(ip, a->kind == IPP_ADDR_RANGE && x >= 2 ? a->ip_end : a->ip, 16);
			if (a->kind == IPP_ADDR_IP) {
				unsigned i;

				mask(ip, a->plen);
				if (x >= 2) /* the last address of the prefix */
					for (i = a->plen; i < (unsigned)alen(fam) * 8; i++)
						ip[i / 8] |= (uint8_t)(0x80 >> (i % 8));
			}
			if (x == 1)
				add1(fam, ip, -1);
			else if (x == 3)
				add1(fam, ip, 1);
			if (in_pool(fam, ip))
				return;
		}
	}
	if (rng_below(r, 20) == 0) {
		memset(ip, 0, 16);
		inet_pton(fam, fam == AF_INET ? PEER4 : PEER6, ip);
		return;
	}
	pool_ip(fam, rng_below(r, fam == AF_INET ? POOL4_SIZE : POOL6_SIZE), ip);
}
