/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * order.c - the compiled tiers decide every packet as the weighted order of
 * the specific filters does.
 *
 * Random policies with heavy overlap (nested prefixes, ranges, me, any,
 * ports, several protocols, all three actions, equal weights of different
 * shapes) are compiled; random packets are then decided twice: by walking
 * the compiled form as the emitted chains do (first hit of the tiers in
 * order, one exact lookup per tier), and by brute force over the effective
 * policy's specific filters, best first.  The verdicts must agree, and the
 * hit must have the winner's weight.  The walk takes the gates as the
 * emitted chains do (a tier keyed on an address whose gate fails is
 * skipped), so unsound gates fail the test too.  A failure prints the seed, the policy
 * and the packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "testpol.h"

struct pkt {
	int family;
	uint8_t src[16], dst[16];
	uint8_t proto;
	uint16_t sport, dport;
	bool out; /* output hook */
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static const char *const local4[] = {"10.0.0.1", "10.0.0.2"};
static const char *const local6[] = {"fd00::1"};

static bool is_local(int family, const uint8_t *ip)
{
	uint8_t a[16] = {0};
	size_t i;

	if (family == AF_INET) {
		for (i = 0; i < 2; i++)
			if (inet_pton(AF_INET, local4[i], a) == 1 && !memcmp(a, ip, 4))
				return true;
		return false;
	}
	return inet_pton(AF_INET6, local6[0], a) == 1 && !memcmp(a, ip, 16);
}

/*
 * The compile options of the tests: the defaults, and local addresses for the
 * walks to dispatch on (two of them no local address of the brute force:
 * which tiers a local walk takes follows the filters alone).
 */
/* The tests' *_cells variants: the local walks cut into cells (CellDispatch=1). */
static bool opt_cells;

static const struct ipp_copts *test_opts(void)
{
	static const char *const a[] = {"10.0.0.1", "10.0.0.2", "10.0.0.130",
					"10.0.1.7", "fd00::1",	"fd00::5"};
	static struct ipp_copts o, oc;
	static bool done;
	struct ipp_laddr v[6];

	if (done)
		return opt_cells ? &oc : &o;
	memset(v, 0, sizeof(v));
	for (size_t i = 0; i < 6; i++) {
		v[i].family = strchr(a[i], ':') ? AF_INET6 : AF_INET;
		assert_int_equal(inet_pton(v[i].family, a[i], v[i].ip), 1);
	}
	ipp_copts_init(&o);
	ipp_copts_local(&o, v, 6);
	assert_int_equal(o.nlocal, 6);
	o.cells = false;
	oc = o;
	oc.cells = true;
	done = true;
	return opt_cells ? &oc : &o;
}

/* ---------- the brute force ---------- */

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full))
		return false;
	return !rest || ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

/*
 * "me" as the table has it: outbound, the source of every packet but one from
 * no address; inbound, the destination of every packet but one to a group
 * address; else (a packet the hooks never see so) this host's addresses.
 */
static bool me_out(int family, const uint8_t *ip)
{
	static const uint8_t zero[16];

	return memcmp(ip, zero, family == AF_INET ? 4 : 16) != 0;
}

static bool me_in(int family, const uint8_t *ip)
{
	if (family == AF_INET6)
		return ip[0] != 0xff;
	return (ip[0] & 0xf0) != 0xe0 && memcmp(ip, "\xff\xff\xff\xff", 4) != 0;
}

/* (@me: what "me" is for this side of this packet) */
static bool addr_match(const struct ipp_addr *a, int family, const uint8_t *ip, bool me)
{
	size_t n = family == AF_INET ? 4 : 16;

	switch (a->kind) {
	case IPP_ADDR_ANY:
		return true;
	case IPP_ADDR_ME:
		return me;
	case IPP_ADDR_IP:
		return a->family == family && prefix_match(a->ip, ip, a->plen);
	case IPP_ADDR_RANGE:
		return a->family == family && memcmp(ip, a->ip, n) >= 0 &&
		       memcmp(ip, a->ip_end, n) <= 0;
	default:
		return false;
	}
}

static const struct ipp_sfilter *brute(const struct ipp_effective *e, const struct pkt *p)
{
	size_t i;

	for (i = 0; i < e->nsf; i++) {
		const struct ipp_sfilter *f = &e->sf[i];

		if (f->protocol && f->protocol != p->proto)
			continue;
		if ((f->dir == IPP_SF_IN && p->out) || (f->dir == IPP_SF_OUT && !p->out))
			continue;
		if (f->srcport && f->srcport != p->sport)
			continue;
		if (f->dstport && f->dstport != p->dport)
			continue;
		if (addr_match(&f->src, p->family, p->src,
			       p->out ? me_out(p->family, p->src) : is_local(p->family, p->src)) &&
		    addr_match(&f->dst, p->family, p->dst,
			       p->out ? is_local(p->family, p->dst) : me_in(p->family, p->dst)))
			return f;
	}
	return NULL;
}

/* ---------- the compiled walk, as the emitted chains do it ---------- */

static bool in_walk(const struct ipp_ctier *t, const struct pkt *p, uint8_t chain_proto)
{
	const struct ipp_cshape *s = &t->shape;

	if (!(t->hooks & (p->out ? IPP_CHOOK_OUT : IPP_CHOOK_IN)))
		return false;
	if (s->family && s->family != p->family)
		return false;
	if (chain_proto == 0)
		return s->proto == 0; /* any protocol, or the protocol in the key */
	return (s->proto == 0 && !s->pkey) || s->proto == chain_proto;
}

static void mask(uint8_t *ip, unsigned plen)
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

static unsigned keys_of(const struct ipp_ctier *t)
{
	return (t->shape.src_kind == IPP_ADDR_IP && t->shape.src_plen ? 1u : 0u) |
	       (t->shape.dst_kind == IPP_ADDR_IP && t->shape.dst_plen ? 2u : 0u);
}

static bool gate_pass(const struct ipp_compiled *c, int family, int side, const uint8_t *ip)
{
	unsigned v = (unsigned)ip[0] << 8 | ip[1];

	return c->gate[family == AF_INET6][side].bits[v / 8] & (1u << (v % 8));
}

static const struct ipp_celem *walk(const struct ipp_compiled *c, const struct pkt *p)
{
	uint8_t chain_proto = 0;
	unsigned keys = 0, need_absent = 0;
	int lk = -1;
	bool sp, dp;
	size_t i;

	/* the family chain dispatches to a protocol chain when that protocol has tiers */
	for (i = 0; i < c->ntiers; i++) {
		const struct ipp_cshape *s = &c->tiers[i].shape;

		if (s->proto == p->proto && in_walk(&c->tiers[i], p, p->proto))
			chain_proto = p->proto;
	}
	/* the gates of that chain: which address keys its tiers use, which ones pass */
	for (i = 0; i < c->ntiers; i++)
		if (in_walk(&c->tiers[i], p, chain_proto))
			keys |= keys_of(&c->tiers[i]);
	sp = (keys & 1) && gate_pass(c, p->family, 0, p->src);
	dp = (keys & 2) && gate_pass(c, p->family, 1, p->dst);
	/* the local address's walk, when the chain's tiers key on the local side: its
	 * gate is not looked at, its tiers are those of c->lcov */
	if (keys & (p->out ? 1u : 2u)) {
		const uint8_t *ip = p->out ? p->src : p->dst;

		for (i = 0; i < c->opts.nlocal; i++)
			if (c->opts.local[i].family == p->family &&
			    !memcmp(c->opts.local[i].ip, ip, 16)) {
				lk = (int)i;
				if (p->out)
					sp = true;
				else
					dp = true;
			}
	}
	/* tiers keyed on a side whose gate failed are not in the chain taken */
	if (!sp)
		need_absent |= 1;
	if (!dp)
		need_absent |= 2;
	for (i = 0; i < c->ntiers; i++) {
		const struct ipp_ctier *t = &c->tiers[i];
		const struct ipp_cshape *s = &t->shape;
		const struct ipp_celem *e;
		struct ipp_ckey k;

		if (!in_walk(t, p, chain_proto) || (keys_of(t) & need_absent))
			continue;
		if (lk >= 0 && !(c->lcov[2 * i + p->out] & (1u << lk)))
			continue;
		if (!p->out && s->dst_kind == IPP_ADDR_ME && !me_in(p->family, p->dst))
			continue;
		if (p->out && s->src_kind == IPP_ADDR_ME && !me_out(p->family, p->src))
			continue;
		memset(&k, 0, sizeof(k));
		if (s->src_kind == IPP_ADDR_IP && s->src_plen) {
			memcpy(k.src, p->src, 16);
			mask(k.src, s->src_plen);
		}
		if (s->dst_kind == IPP_ADDR_IP && s->dst_plen) {
			memcpy(k.dst, p->dst, 16);
			mask(k.dst, s->dst_plen);
		}
		if (s->pkey)
			k.proto = p->proto;
		if (s->sport)
			k.sport = p->sport;
		if (s->dport)
			k.dport = p->dport;
		e = ipp_ctier_find(t, &k);
		if (e)
			return e;
	}
	return NULL;
}

/* ---------- random policies and packets ---------- */

static const char *const pool4[] = {"10.0.0.0/8",  "10.0.0.0/16", "10.0.0.0/24", "10.0.0.0/25",
				    "10.0.0.128/25", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.1",
				    "10.0.0.2",   "10.0.0.5",    "10.0.0.9",    "10.0.1.0/24",
				    "10.1.0.0/16", "10.0.0.3-10.0.0.9", "10.0.0.0-10.0.1.255",
				    "me",          "any"};
static const char *const pool6[] = {"fd00::/64", "fd00::/120", "fd00::/126", "fd00::1",
				    "fd00::5",   "fd00::4-fd00::11", "me", "any"};
static const char *const protos[] = {"any", "tcp", "udp", "icmp", "47"};
static const char *const ports[] = {"0", "22", "80", "443"};
static const char *const actions[] = {"permit", "block", "negotiate"};

/* A random policy; @big: more rules and filters, so that shapes of one weight hold both
 * actions more often. */
static void random_policy(char *buf, size_t len, bool big)
{
	size_t used = 0, nr = big ? 3 + rnd(5) : 1 + rnd(4), r, f;

#define ADD(...) used += (size_t)snprintf(buf + used, len - used, __VA_ARGS__)
#define ACTIONS                                                                                    \
	"action A0 permit\naction A1 block\naction A2 negotiate\naction A3 negotiate inpass\n"       \
	"action A4 negotiate soft\n"
	ADD(ACTIONS);
	ADD("store persistent\n" ACTIONS);
#undef ACTIONS
	ADD("list PL\npolicy Keep assigned\n");
	ADD("rule Keep k PL A%u\nstore local\n", rnd(5));
	ADD("policy P assigned\n");
	for (r = 0; r < nr; r++) {
		size_t nf = big ? 3 + rnd(10) : 1 + rnd(5);

		ADD("list L%zu\n", r);
		for (f = 0; f < nf; f++) {
			bool v6 = rnd(4) == 0;
			const char *const *pool = v6 ? pool6 : pool4;
			size_t np = v6 ? sizeof(pool6) / sizeof(*pool6) : sizeof(pool4) / sizeof(*pool4);
			const char *s = pool[rnd((uint32_t)np)], *d = pool[rnd((uint32_t)np)];
			const char *pr = protos[rnd(5)];
			bool portable = !strcmp(pr, "tcp") || !strcmp(pr, "udp");

			if (!strcmp(s, "me") && !strcmp(d, "me"))
				d = "any";
			ADD("filter L%zu %s %s proto=%s", r, s, d, pr);
			if (portable) {
				ADD(" srcport=%s dstport=%s", ports[rnd(2) ? 0 : rnd(4)], ports[rnd(4)]);
			}
			ADD(" mirrored=%s\n", rnd(2) ? "yes" : "no");
		}
		ADD("rule P r%zu L%zu A%u\n", r, r, rnd(5));
	}
	/* a few filters in the persistent policy too */
	ADD("store persistent\n");
	if (rnd(2))
		ADD("filter PL 10.0.0.0/24 me proto=tcp dstport=%s\n", ports[rnd(4)]);
	if (rnd(2))
		ADD("filter PL any 10.0.0.5 mirrored=yes\n");
#undef ADD
	(void)actions;
}

static void random_addr(int family, uint8_t *ip)
{
	static const char *const a4[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5",
					 "10.0.0.8", "10.0.0.9", "10.0.0.130", "10.0.1.7",
					 "10.1.2.3", "10.2.0.1", "192.0.2.1"};
	static const char *const a6[] = {"fd00::1", "fd00::2", "fd00::5", "fd00::11", "fd00::12",
					 "fd00::1:0", "2001:db8::1"};

	memset(ip, 0, 16);
	if (family == AF_INET)
		inet_pton(AF_INET, a4[rnd(sizeof(a4) / sizeof(*a4))], ip);
	else
		inet_pton(AF_INET6, a6[rnd(sizeof(a6) / sizeof(*a6))], ip);
}

static void random_packet(struct pkt *p)
{
	static const uint8_t pr[] = {6, 17, 1, 47, 58};
	static const uint16_t pt[] = {22, 80, 443, 1234, 5000};

	memset(p, 0, sizeof(*p));
	p->family = rnd(4) == 0 ? AF_INET6 : AF_INET;
	p->out = rnd(2);
	do {
		random_addr(p->family, p->src);
		random_addr(p->family, p->dst);
		/* a packet between local addresses travels over loopback (exempt) */
	} while ((p->out ? is_local(p->family, p->dst) : is_local(p->family, p->src)));
	p->proto = pr[rnd(sizeof(pr))];
	if (p->proto == 6 || p->proto == 17) {
		p->sport = pt[rnd(5)];
		p->dport = pt[rnd(5)];
	}
}

/* The compiled clear flags (IPP_CCLEAR_*) of a specific filter's action. */
static int clear_of_sf(const struct ipp_sfilter *w)
{
	return w->clear == 2 ? (IPP_CCLEAR_IN | IPP_CCLEAR_OUT) : w->clear == 1 ? IPP_CCLEAR_IN : 0;
}

static int verdict_of_action(enum ipp_action a)
{
	return a == IPP_ACTION_PERMIT ? IPP_CV_ACCEPT
	       : a == IPP_ACTION_BLOCK ? IPP_CV_DROP
				       : IPP_CV_NEGOTIATE;
}

static bool agree(const struct ipp_effective *e, const struct ipp_compiled *c, const char *what,
		  unsigned i, const char *text);

/*
 * The flow cache in the emitted walk chains: every verdict of a walk fills
 * the cache, so each walk chain a packet enters first (X, X_pN: not the
 * gated X_s, X_d, X_sd) that has anything to walk must look the packet up
 * before it: TCP and UDP by 5-tuple in the base chain (every outcome,
 * both families) before it sends them to their own chains; the other
 * protocols by pair (fcp_hit) in theirs, the family chain too, as TCP and
 * UDP never reach it.  False
 * (reported) when a chain walks or fills without looking up first, or a
 * base chain does not send TCP and UDP on by itself, after the lookup.
 */
#define STARTS(l, lit) (!strncmp((l), (lit), sizeof(lit) - 1))
static bool lookups_first(const char *text, unsigned n, const char *policy)
{
	const char *p = text;

	static const char *const sent[] = {"ipv4 . tcp : goto in4_p6,", "ipv4 . udp : goto in4_p17,",
					   "ipv6 . tcp : goto in6_p6,", "ipv6 . udp : goto in6_p17",
					   "ipv4 . tcp : goto out4_p6,", "ipv6 . udp : goto out6_p17"};

	for (size_t k = 0; k < sizeof(sent) / sizeof(sent[0]); k++)
		if (!strstr(text, sent[k])) {
			fprintf(stderr, "case %u: no base chain has \"%s\"\n%s", n, sent[k], policy);
			return false;
		}
	if (!strstr(text, "\tset fc_on_g0 {"))
		return true; /* no flow cache (rules of one connection type) */
	for (int h = 0; h < 2; h++) {
		static const char *const base[2] = {"\tchain input {", "\tchain output {"};
		const char *b = strstr(text, base[h]), *v, *end;
		char set[64];
		int outcomes = 0;

		end = b ? strstr(b, "\n\t}") : NULL;
		v = b ? strstr(b, "meta nfproto . meta l4proto vmap") : NULL;
		for (const char *q = b; q && v && (q = strstr(q, " @flow")) && q < v; q++)
			if (sscanf(q + 2, "%63s", set) == 1 && strstr(set, h ? "_out_" : "_in_"))
				outcomes++;
		if (!b || !v || v > end || outcomes != 6) {
			fprintf(stderr,
				"case %u: base chain %s does not look TCP and UDP up in the 6 sets of "
				"its hook first (%d)\n%s",
				n, base[h] + 7, outcomes, policy);
			return false;
		}
	}
	while ((p = strstr(p, "\n\tchain "))) {
		char name[64], proto[8] = "";
		const char *body = strchr(p + 8, '\n'), *end;
		bool pair = false, walked = false, before = true;
		int fam;

		p += 8;
		if (sscanf(p, "%63[^ ]", name) != 1 || !body || !(end = strstr(body, "\n\t}")))
			return false;
		if (sscanf(name, "%*[inout]%d_p%7[0-9]", &fam, proto) < 1 ||
		    (strncmp(name, "in", 2) && strncmp(name, "out", 3)) || strstr(name, "_s") ||
		    strstr(name, "_d"))
			continue;
		for (const char *l = body + 1; l && l < end;
		     l = strchr(l, '\n'), l = l ? l + 1 : l) {
			if (STARTS(l, "\t\tjump fcp_hit"))
				pair = before ? true : pair;
			else if (STARTS(l, "\t\tudp sport {") || STARTS(l, "\t\tudp dport {"))
				continue; /* the IKE exemption */
			else if (STARTS(l, "\t\tmeta nfproto vmap @alive "))
				continue; /* nothing walked: permitted, not remembered */
			else if (!STARTS(l, "\t\tmeta l4proto ") || !strstr(l, "goto "))
				walked = true,
				before = false; /* a gate, a tier or the fill at the end */
		}
		if (walked && !pair && strcmp(proto, "6") && strcmp(proto, "17")) {
			fprintf(stderr,
				"case %u: walk chain %s walks without looking at the flow cache "
				"first\n%s",
				n, name, policy);
			return false;
		}
	}
	return true;
}
#undef STARTS

/*
 * Case @i of a test: the random policy of seed @seed * (@i + 1) into @text and
 * @t (testpol_clear()), and its effective policy (ipp_effective_free()).
 */
static struct ipp_effective *random_effective(unsigned i, uint64_t seed, char *text, size_t len,
					      struct testpol *t)
{
	struct ipp_error err = {0};
	struct ipp_effective *e = NULL;

	rng_state = seed * (i + 1);
	random_policy(text, len, i % 2 == 1);
	testpol_init(t);
	if (testpol_text(t, text, &err) < 0 || testpol_effective(t, false, &e, &err) < 0) {
		fprintf(stderr, "case %u: %s\n%s", i, err.msg, text);
		fail();
	}
	return e;
}

/*
 * With IPP_PATCH_KERNEL_DIR set, @text into DIR/KINDnnnn.EXT.nft (case @i),
 * which tests/netns/golden applies in the kernel: the ruleset before ("old"),
 * then the change ("patch").
 */
static void kernel_dir_put(const char *kind, unsigned i, const char *ext, const char *text)
{
	const char *dir = getenv("IPP_PATCH_KERNEL_DIR");
	char path[4200];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s%s%04u.%s.nft", dir, kind, opt_cells ? "-cells" : "", i,
		 ext);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The whole ruleset of @c (free()). */
static char *emit_text(const struct ipp_compiled *c)
{
	struct ipp_error err = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(ipp_compiled_emit(c, f, &err), 0);
	fclose(f);
	return text;
}

static void test_random_policies(void **state)
{
	const char *env = getenv("IPP_ORDER_CASES");
	unsigned cases = env ? (unsigned)atoi(env) : 300, i, k, checked = 0;

	(void)state;
	for (i = 0; i < cases; i++) {
		struct ipp_error err = {0};
		struct ipp_effective *e = NULL;
		struct ipp_compiled *c = NULL;
		struct testpol t;
		char text[16384];

		e = random_effective(i, 0x9e3779b97f4a7c15ULL, text, sizeof(text), &t);
		if (i % 3 == 2) {
			/* filters of one direction, as dynamic rules whose inbound and outbound
			 * actions differ make them */
			for (k = 0; k < e->nsf; k++)
				e->sf[k].dir = (uint8_t)rnd(3);
			snprintf(text + strlen(text), sizeof(text) - strlen(text),
				 "(with random directions)\n");
		}
		if (ipp_compile(e, test_opts(), &c, &err) < 0) {
			fprintf(stderr, "case %u: %s\n%s", i, err.msg, text);
			fail();
		}
		/* the effective policy is sorted as ipp_sfilter_cmp() orders */
		for (k = 1; k < e->nsf; k++)
			if (ipp_sfilter_cmp(&e->sf[k - 1], &e->sf[k]) > 0) {
				fprintf(stderr, "case %u: specific filters %u and %u out of order\n%s",
					i, k - 1, k, text);
				fail();
			}
		if (!agree(e, c, "compiled", i, text))
			fail();
		/* every map's name reads back as its shape, weight, place and hooks (what a
		 * kernel holds that a compiled form lacks is read so) */
		for (k = 0; k < c->ntiers; k++) {
			const struct ipp_ctier *tk = &c->tiers[k];
			struct ipp_ctier back;

			if (!ipp_ctier_parse_name(tk->name, &back) ||
			    memcmp(&back.shape, &tk->shape, sizeof(tk->shape)) ||
			    back.weight != tk->weight || back.late != tk->late ||
			    back.hooks != tk->hooks) {
				fprintf(stderr, "case %u: map %s does not read back\n%s", i,
					tk->name, text);
				fail();
			}
		}
		{
			char *ruleset = emit_text(c);

			if (!lookups_first(ruleset, i, text)) {
				if (getenv("IPP_ORDER_DUMP"))
					fputs(ruleset, stderr);
				fail();
			}
			free(ruleset);
		}
		checked += 400;
		ipp_compiled_free(c);
		ipp_effective_free(e);
		testpol_clear(&t);
	}
	assert_true(checked > 0);
}

static struct ipp_compiled *compile_text(const char *text, struct ipp_effective **ret_e)
{
	struct ipp_error err = {0};
	struct ipp_effective *e = NULL;
	struct ipp_compiled *c = NULL;
	struct testpol t;

	testpol_init(&t);
	if (testpol_text(&t, text, &err) < 0 || testpol_effective(&t, false, &e, &err) < 0 ||
	    ipp_compile(e, test_opts(), &c, &err) < 0)
		fprintf(stderr, "%s\n", err.msg);
	testpol_clear(&t);
	*ret_e = e;
	return c;
}

/* A random subset of a pool of addresses, as ipp_copts_local() takes them. */
static size_t random_locals(struct ipp_laddr *v)
{
	static const char *const pool[] = {"10.0.0.1", "10.0.0.2", "10.0.0.130", "10.0.1.7",
					   "10.0.0.3", "fd00::1",  "fd00::5",	 "fd00::11"};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(pool) / sizeof(pool[0]); i++) {
		if (rnd(2))
			continue;
		memset(&v[n], 0, sizeof(v[n]));
		v[n].family = strchr(pool[i], ':') ? AF_INET6 : AF_INET;
		assert_int_equal(inet_pton(v[n].family, pool[i], v[n].ip), 1);
		n++;
	}
	return n;
}

/*
 * ipp_compiled_relocal(): the host's addresses change under a compiled form;
 * the form after is what a compile with the new addresses makes (the same
 * ruleset), it decides every packet as before, and the commands written apply
 * to the ruleset before in the kernel (IPP_PATCH_KERNEL_DIR: tests/netns/golden).
 */
static void test_relocal(void **state)
{
	unsigned i, cases = 60, changed = 0;

	(void)state;
	for (i = 0; i < cases; i++) {
		struct ipp_error err = {0};
		struct ipp_effective *e = NULL;
		struct ipp_compiled *c = NULL, *c2 = NULL;
		struct ipp_copts o, o2;
		struct ipp_laddr a[8], b[8];
		size_t na, nb;
		struct testpol t;
		char text[16384], *before, *after, *fresh, *cmds = NULL;
		size_t clen = 0;
		FILE *out;

		e = random_effective(i, 0x2545f4914f6cdd1dULL, text, sizeof(text), &t);
		na = random_locals(a);
		nb = random_locals(b);
		ipp_copts_init(&o);
		o.cells = opt_cells;
		ipp_copts_local(&o, a, na);
		o2 = o;
		ipp_copts_local(&o2, b, nb);
		assert_int_equal(ipp_compile(e, &o, &c, &err), 0);
		assert_int_equal(ipp_compile(e, &o2, &c2, &err), 0);
		before = emit_text(c);
		out = open_memstream(&cmds, &clen);
		assert_int_equal(ipp_compiled_relocal(c, b, nb, out), 0);
		fclose(out);
		after = emit_text(c);
		fresh = emit_text(c2);
		if (strcmp(after, fresh)) {
			fprintf(stderr,
				"case %u: the ruleset after the addresses changed is not a "
				"compile's\n%s",
				i, text);
			fail();
		}
		if (strcmp(before, after) && clen == 0) {
			fprintf(stderr, "case %u: the walks changed, no command says so\n%s", i,
				text);
			fail();
		}
		changed += clen > 0;
		if (!agree(e, c, "addresses changed", i, text))
			fail();
		if (clen) {
			kernel_dir_put("reloc", i, "old", before);
			kernel_dir_put("reloc", i, "patch", cmds);
		}
		free(before);
		free(after);
		free(fresh);
		free(cmds);
		ipp_compiled_free(c);
		ipp_compiled_free(c2);
		ipp_effective_free(e);
		testpol_clear(&t);
	}
	fprintf(stderr, "relocal: %u of %u changed the walks\n", changed, cases);
	assert_true(changed * 2 > cases);
}

/* ipp_copts_local(): what is left out, duplicates, and each family's share of the room. */
static void test_copts_local(void **state)
{
	struct ipp_laddr v[64];
	struct ipp_copts o;
	size_t n = 0, i, n4 = 0;
	const char *const skip[] = {"127.0.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "ff02::1"};

	(void)state;
	memset(v, 0, sizeof(v));
	for (i = 0; i < 20; i++, n++) {
		v[n].family = AF_INET;
		v[n].ip[0] = 10, v[n].ip[3] = (uint8_t)(20 - i); /* (not sorted) */
	}
	v[n++] = v[0]; /* a duplicate */
	for (i = 0; i < 4; i++, n++) {
		v[n].family = AF_INET6;
		v[n].ip[0] = 0xfd, v[n].ip[15] = (uint8_t)(i + 1);
	}
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++, n++) {
		v[n].family = strchr(skip[i], ':') ? AF_INET6 : AF_INET;
		assert_int_equal(inet_pton(v[n].family, skip[i], v[n].ip), 1);
	}
	ipp_copts_init(&o);
	ipp_copts_local(&o, v, n);
	assert_int_equal(o.nlocal, IPP_LOCAL_MAX);
	for (i = 0; i < o.nlocal; i++)
		n4 += o.local[i].family == AF_INET;
	assert_int_equal(n4, IPP_LOCAL_MAX - 4); /* IPv6 all 4, IPv4 the rest, lowest first */
	assert_int_equal(o.local[0].ip[3], 1);
	assert_int_equal(o.local[n4 - 1].ip[3], n4);
	/* many IPv6 addresses: IPv4 keeps what it has, IPv6 the rest */
	for (i = 3; i < 34; i++) {
		v[i].family = AF_INET6;
		memset(v[i].ip, 0, 16);
		v[i].ip[0] = 0x20, v[i].ip[1] = 0x01, v[i].ip[15] = (uint8_t)i;
	}
	ipp_copts_local(&o, v, 34);
	assert_int_equal(o.nlocal, IPP_LOCAL_MAX);
	for (i = 0, n4 = 0; i < o.nlocal; i++)
		n4 += o.local[i].family == AF_INET;
	assert_int_equal(n4, 3);
	/* both many: half each */
	for (i = 0; i < 40; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].family = i < 20 ? AF_INET : AF_INET6;
		v[i].ip[0] = i < 20 ? 10 : 0xfd;
		v[i].ip[i < 20 ? 3 : 15] = (uint8_t)(i + 1);
	}
	ipp_copts_local(&o, v, 40);
	for (i = 0, n4 = 0; i < o.nlocal; i++)
		n4 += o.local[i].family == AF_INET;
	assert_int_equal(o.nlocal, IPP_LOCAL_MAX);
	assert_int_equal(n4, IPP_LOCAL_MAX / 2);
}

/* The tie-break between equal weights of different shapes, by hand. */
static void test_equal_weight_block_wins(void **state)
{
	struct ipp_effective *e;
	struct ipp_compiled *c;
	struct pkt p = {.family = AF_INET, .proto = 6, .sport = 1000, .dport = 80};
	const struct ipp_celem *h;

	(void)state;
	/* 24 + 16 = 16 + 24, disjoint: no late tier */
	c = compile_text("list A\nfilter A 10.1.2.0/24 10.2.0.0/16 mirrored=no\n"
			 "list B\nfilter B 10.5.0.0/16 10.6.3.0/24 mirrored=no\n"
			 "action Permit permit\naction Block block\n"
			 "policy P assigned\nrule P a A Permit\nrule P b B Block\n",
			 &e);
	assert_non_null(c);
	assert_int_equal(c->ntiers, 2);
	assert_false(c->tiers[0].late || c->tiers[1].late);
	ipp_compiled_free(c);
	ipp_effective_free(e);

	/* overlapping: the block's tier is walked first, no late tier */
	c = compile_text("list A\nfilter A 10.1.2.0/24 10.2.0.0/16 mirrored=no\n"
			 "list B\nfilter B 10.1.0.0/16 10.2.3.0/24 mirrored=no\n"
			 "action Permit permit\naction Block block\n"
			 "policy P assigned\nrule P a A Permit\nrule P b B Block\n",
			 &e);
	assert_non_null(c);
	assert_int_equal(c->ntiers, 2);
	assert_false(c->tiers[0].late || c->tiers[1].late);
	assert_int_equal(c->tiers[0].rank_min, 0);
	inet_pton(AF_INET, "10.1.2.3", p.src);
	inet_pton(AF_INET, "10.2.3.4", p.dst);
	h = walk(c, &p);
	assert_non_null(h);
	assert_int_equal(h->verdict, IPP_CV_DROP);
	ipp_compiled_free(c);
	ipp_effective_free(e);

	/* both shapes hold a block that overlaps a permit of the other: no order of the two
	 * tiers serves both, the permit of the first goes to a late tier */
	c = compile_text("list A\nfilter A 10.1.2.0/24 10.2.0.0/16 mirrored=no\n"
			 "list X\nfilter X 10.5.5.0/24 10.6.0.0/16 mirrored=no\n"
			 "list B\nfilter B 10.1.0.0/16 10.2.3.0/24 mirrored=no\n"
			 "list Y\nfilter Y 10.5.0.0/16 10.6.7.0/24 mirrored=no\n"
			 "action Permit permit\naction Block block\n"
			 "policy P assigned\nrule P a A Permit\nrule P x X Block\n"
			 "rule P b B Block\nrule P y Y Permit\n",
			 &e);
	assert_non_null(c);
	assert_int_equal(c->ntiers, 3);
	assert_false(c->tiers[0].late || c->tiers[1].late);
	assert_true(c->tiers[2].late);
	assert_int_equal(c->tiers[2].rank, 4); /* permit */
	assert_int_equal(c->tiers[2].nelems, 1);
	assert_non_null(strstr(c->tiers[2].name, "_late_permit"));
	h = walk(c, &p);
	assert_non_null(h);
	assert_int_equal(h->verdict, IPP_CV_DROP);
	inet_pton(AF_INET, "10.5.5.3", p.src);
	inet_pton(AF_INET, "10.6.7.4", p.dst);
	h = walk(c, &p);
	assert_non_null(h);
	assert_int_equal(h->verdict, IPP_CV_DROP);
	/* outside the overlaps the permits still decide */
	inet_pton(AF_INET, "10.1.2.3", p.src);
	inet_pton(AF_INET, "10.2.9.4", p.dst);
	h = walk(c, &p);
	assert_non_null(h);
	assert_int_equal(h->verdict, IPP_CV_ACCEPT);
	ipp_compiled_free(c);
	ipp_effective_free(e);

	/* both shapes keep a block and a permit in their tiers: the walk must follow the order
	 * in which the overlaps were checked, whatever the shapes */
	c = compile_text("list X\nfilter X 10.1.0.0/16 10.2.3.0/24 mirrored=no\n"
			 "filter X 10.9.9.0/24 10.8.0.0/16 mirrored=no\n"
			 "list P\nfilter P 10.5.0.0/16 10.6.7.0/24 mirrored=no\n"
			 "filter P 10.1.2.0/24 10.2.0.0/16 mirrored=no\n"
			 "action Permit permit\naction Block block\n"
			 "policy P assigned\nrule P x X Block\nrule P p P Permit\n",
			 &e);
	assert_non_null(c);
	inet_pton(AF_INET, "10.1.2.3", p.src);
	inet_pton(AF_INET, "10.2.3.4", p.dst);
	h = walk(c, &p);
	assert_non_null(h);
	assert_int_equal(h->verdict, IPP_CV_DROP);
	ipp_compiled_free(c);
	ipp_effective_free(e);

	/* a negotiate made late by a later block drags the permit of that later tier that it
	 * overlaps along: otherwise the permit would be walked first */
	c = compile_text("list A\nfilter A 10.9.9.0/24 10.8.0.0/16 mirrored=no\n"
			 "list N\nfilter N 10.1.2.0/24 10.2.0.0/16 mirrored=no\n"
			 "list B\nfilter B 10.1.0.0/16 10.2.3.0/24 mirrored=no\n"
			 "list C\nfilter C 10.1.0.0/16 10.2.5.0/24 mirrored=no\n"
			 "action Permit permit\naction Block block\naction Neg negotiate\n"
			 "policy P assigned\nrule P a A Block\nrule P n N Neg\n"
			 "rule P b B Block\nrule P c C Permit\n",
			 &e);
	assert_non_null(c);
	inet_pton(AF_INET, "10.1.2.3", p.src);
	inet_pton(AF_INET, "10.2.5.4", p.dst);
	h = walk(c, &p);
	assert_non_null(h);
	assert_int_equal(h->verdict, IPP_CV_NEGOTIATE);
	inet_pton(AF_INET, "10.2.3.4", p.dst);
	h = walk(c, &p);
	assert_non_null(h);
	assert_int_equal(h->verdict, IPP_CV_DROP);
	ipp_compiled_free(c);
	ipp_effective_free(e);

	/* one shape holds block and permit, the other negotiate: only the overlapped permit
	 * is late; the negotiate map is one per hook */
	c = compile_text("list A\nfilter A 10.1.2.0/24 10.2.0.0/16 mirrored=no\n"
			 "list X\nfilter X 10.9.9.0/24 10.8.0.0/16 mirrored=no\n"
			 "list B\nfilter B 10.1.0.0/16 10.2.3.0/24 mirrored=no\n"
			 "action Permit permit\naction Block block\naction Neg negotiate\n"
			 "policy P assigned\nrule P a A Permit\nrule P x X Block\n"
			 "rule P b B Neg\n",
			 &e);
	assert_non_null(c);
	assert_int_equal(c->ntiers, 4);
	assert_false(c->tiers[0].late);
	assert_int_equal(c->tiers[0].nelems, 1);
	assert_int_equal(c->tiers[0].elems[0].verdict, IPP_CV_DROP);
	assert_int_equal(c->tiers[1].hooks, IPP_CHOOK_IN);
	assert_int_equal(c->tiers[1].elems[0].verdict, IPP_CV_NEGOTIATE);
	assert_int_equal(c->tiers[2].hooks, IPP_CHOOK_OUT);
	assert_true(c->tiers[3].late);
	assert_int_equal(c->tiers[3].elems[0].verdict, IPP_CV_ACCEPT);
	inet_pton(AF_INET, "10.1.2.3", p.src);
	inet_pton(AF_INET, "10.2.3.4", p.dst);
	h = walk(c, &p);
	assert_non_null(h);
	assert_int_equal(h->verdict, IPP_CV_NEGOTIATE);
	ipp_compiled_free(c);
	ipp_effective_free(e);
}

/*
 * Two wide IPv6 ranges: their pieces at lengths that are multiples of 4 would
 * make too many keys for one filter (their product), so they are kept as
 * they are; the filter compiles and matches as before.
 */
static void test_range_pair_wide(void **state)
{
	struct ipp_error err = {0};
	struct ipp_effective *e = NULL;
	struct ipp_compiled *c = NULL;
	struct testpol t;
	struct pkt p = {.family = AF_INET6, .proto = 17, .sport = 1, .dport = 53};
	size_t i, keys = 0;

	(void)state;
	testpol_init(&t);
	assert_int_equal(testpol_text(&t,
				      "list R\nfilter R fd00::1-fd00::ffff:ffff:ffff:fffe "
				      "fd01::3-fd01::ffff:ffff:ffff:fffd proto=udp mirrored=no\n"
				      "action Block block\npolicy P assigned\nrule P r R Block\n",
				      &err),
			 0);
	assert_int_equal(testpol_effective(&t, false, &e, &err), 0);
	if (ipp_compile(e, test_opts(), &c, &err) < 0)
		fail_msg("compile: %s", err.msg);
	for (i = 0; i < c->ntiers; i++)
		keys += c->tiers[i].nelems;
	assert_true(keys <= 65536);
	inet_pton(AF_INET6, "fd00::1:2:3", p.src);
	inet_pton(AF_INET6, "fd01::ffff:ffff:ffff:fffd", p.dst);
	assert_non_null(walk(c, &p));
	inet_pton(AF_INET6, "fd01::ffff:ffff:ffff:fffe", p.dst);
	assert_null(walk(c, &p));
	ipp_compiled_free(c);
	ipp_effective_free(e);
	testpol_clear(&t);
}

/* A range splits into exact prefixes; both ends and nothing beyond them match. */
static void test_range_split(void **state)
{
	struct ipp_error err = {0};
	struct ipp_effective *e = NULL;
	struct ipp_compiled *c = NULL;
	struct testpol t;
	struct pkt p = {.family = AF_INET, .proto = 6, .sport = 1, .dport = 22};
	const char *in[] = {"10.0.0.3", "10.0.0.4", "10.0.0.8", "10.0.0.9"};
	const char *outside[] = {"10.0.0.2", "10.0.0.10"};
	size_t i, pieces = 0;

	(void)state;
	testpol_init(&t);
	assert_int_equal(testpol_text(&t,
				      "list R\nfilter R 10.0.0.3-10.0.0.9 me proto=tcp dstport=22 "
				      "mirrored=no\naction Block block\npolicy P assigned\n"
				      "rule P r R Block\n",
				      &err),
			 0);
	assert_int_equal(testpol_effective(&t, false, &e, &err), 0);
	assert_int_equal(ipp_compile(e, test_opts(), &c, &err), 0);
	for (i = 0; i < c->ntiers; i++)
		pieces += c->tiers[i].nelems;
	/*
	 * 10.0.0.3/32, 10.0.0.4/30, 10.0.0.8/31, each at a prefix length that is a
	 * multiple of 4: seven /32, in one tier
	 */
	assert_int_equal(pieces, 7);
	assert_int_equal(c->ntiers, 1);
	inet_pton(AF_INET, "10.0.0.1", p.dst);
	for (i = 0; i < 4; i++) {
		inet_pton(AF_INET, in[i], p.src);
		assert_non_null(walk(c, &p));
	}
	for (i = 0; i < 2; i++) {
		inet_pton(AF_INET, outside[i], p.src);
		assert_null(walk(c, &p));
	}
	ipp_compiled_free(c);
	ipp_effective_free(e);
	testpol_clear(&t);
}

/* The packets of @e and the compiled form @c agree (400 random packets); false prints why. */
static bool agree(const struct ipp_effective *e, const struct ipp_compiled *c, const char *what,
		  unsigned i, const char *text)
{
	unsigned k;

	for (k = 0; k < 400; k++) {
		struct pkt p;
		const struct ipp_sfilter *w;
		const struct ipp_celem *h;
		char s[64], d[64];
		int want, got;

		random_packet(&p);
		w = brute(e, &p);
		h = walk(c, &p);
		want = w ? verdict_of_action(w->action) * 4 + clear_of_sf(w) : -1;
		got = h ? h->verdict * 4 + h->clear : -1;
		if (want == got && (!w || w->weight == h->weight))
			continue;
		inet_ntop(p.family, p.src, s, sizeof(s));
		inet_ntop(p.family, p.dst, d, sizeof(d));
		fprintf(stderr,
			"%s, case %u packet %u: %s %s -> %s proto %u ports %u -> %u: expected %d "
			"(weight %x), got %d (weight %x)\n%s",
			what, i, k, p.out ? "out" : "in", s, d, p.proto, p.sport, p.dport, want,
			w ? w->weight : 0, got, h ? h->weight : 0, text);
		return false;
	}
	return true;
}

/* @line with one address or port swapped for another of the same length ("" if none). */
static void sibling(const char *line, char *buf, size_t len)
{
	static const char *const pairs[][2] = {
	    {" 10.0.0.0/24 ", " 10.0.1.0/24 "}, {" 10.0.0.1 ", " 10.0.0.9 "},
	    {" 10.0.0.2 ", " 10.0.0.5 "},       {" 10.0.0.0/25 ", " 10.0.0.128/25 "},
	    {" 10.0.0.0/30 ", " 10.0.0.4/30 "}, {" fd00::1 ", " fd00::5 "},
	    {" 10.0.0.0/16 ", " 10.1.0.0/16 "}, {"dstport=80", "dstport=443"},
	    {"dstport=22", "dstport=80"},       {"dstport=443", "dstport=22"},
	};
	size_t i, j;

	buf[0] = '\0';
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		for (j = 0; j < 2; j++) {
			const char *at = strstr(line, pairs[i][j]);

			if (!at)
				continue;
			snprintf(buf, len, "%.*s%s%s", (int)(at - line), line, pairs[i][!j],
				 at + strlen(pairs[i][j]));
			return;
		}
}

static bool no_local(int family, const uint8_t ip[16], void *ctx)
{
	(void)family;
	(void)ip;
	(void)ctx;
	return false;
}

/*
 * The flow cache entries a patch leaves behind were decided by the form
 * before it: ipp_compiled_match_before() on the patched form, with the
 * changes the patch lists, names the filter the form compiled from the
 * policy before (@text) names, for every packet.
 */
static bool decided_before(const char *text, const struct ipp_compiled *patched,
			   const struct ipp_patch *pt, unsigned i)
{
	struct ipp_effective *e0 = NULL;
	struct ipp_compiled *c0 = compile_text(text, &e0);
	bool ok = c0 != NULL;
	unsigned k;

	ipp_patch_changes_sort(pt->changed, pt->nchanged); /* as the agent keeps them */

	for (k = 0; ok && k < 400; k++) {
		struct pkt p;
		const struct ipp_celem *a, *b;
		uint8_t proto;

		random_packet(&p);
		/* the cache keys TCP and UDP flows; only they are folded */
		proto = p.proto == IPPROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
		a = ipp_compiled_match(c0, !p.out, p.family, p.src, p.dst, proto, p.sport, p.dport,
				       1, no_local, NULL, NULL);
		b = ipp_compiled_match_before(patched, pt->changed, pt->nchanged, !p.out, p.family,
					      p.src, p.dst, proto, p.sport, p.dport, no_local, NULL,
					      NULL, NULL);
		/* what a filter deleted decided is counted for nobody: it is gone */
		if (a && pt->ndel && a->rule == pt->del[0].rule && a->filter == pt->del[0].filter)
			a = NULL;
		if (!a != !b || (a && (a->rule != b->rule || a->reversed != b->reversed ||
				       a->verdict != b->verdict || a->weight != b->weight))) {
			fprintf(stderr, "case %u packet %u: before the patch %s, matched before %s\n%s",
				i, k, a ? "a filter" : "no filter", b ? "a filter" : "no filter", text);
			ok = false;
		}
	}
	ipp_compiled_free(c0);
	ipp_effective_free(e0);
	return ok;
}

static bool same_addr(const struct ipp_addr *a, const struct ipp_addr *b)
{
	return a->kind == b->kind && a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->ip, b->ip, sizeof(a->ip)) &&
	       !memcmp(a->ip_end, b->ip_end, sizeof(a->ip_end));
}

/*
 * ipp_compiled_patch(): one filter added to (or deleted from) a list of a
 * random policy, patched into the compiled form in place, decides every
 * packet as the effective policy with (without) the filter does; when it
 * declines (-EAGAIN) the form is unchanged.
 */
/*
 * Every local address whose walk gained a map in a change in place (its bit
 * in c->lcov set now, not before) has its walk chains flushed and written
 * again by @cmds.
 */
static bool local_walks_rewritten(const struct ipp_compiled *c, const uint32_t *before,
				  size_t ntiers, const char *cmds)
{
	for (size_t t = 0; t < ntiers && t < c->ntiers; t++)
		for (unsigned h = 0; h < 2; h++) {
			uint32_t grown = c->lcov[2 * t + h] & ~before[2 * t + h];

			for (size_t k = 0; k < c->opts.nlocal; k++) {
				const struct ipp_laddr *l = &c->opts.local[k];
				char want[64];
				int n;

				if (!(grown & (1u << k)))
					continue;
				/* (with cells, the walk past both gates changes by its cells: the
				 * chains of the cells and the elements of their map) */
				n = snprintf(want, sizeof(want), "%s inet ipsecpol %s%d",
					     c->opts.cells ? "" : "flush chain", h ? "out" : "in",
					     l->family == AF_INET ? 4 : 6);
				for (const char *q = cmds ? strstr(cmds, want) : NULL; q;
				     q = strstr(q + 1, want)) {
					char hex[40] = "_x", line[256];
					int m = l->family == AF_INET ? 4 : 16;

					for (int b = 0; b < m; b++)
						snprintf(hex + 2 + 2 * b, 3, "%02x", l->ip[b]);
					snprintf(line, sizeof(line), "%.*s", (int)strcspn(q, "\n"),
						 q);
					if (strstr(line + n, hex))
						goto found;
				}
				return false;
			found:;
			}
		}
	return true;
}

/*
 * With cells: @c's cells followed through a change of nothing, every tier
 * touched: no command (nothing differs), and c->cells_cache then holds every
 * group's cells, as a change in place leaves them for the next.
 */
static void warm_cells(struct ipp_compiled *c, unsigned i)
{
	struct ipp_ctouch *all = calloc(c->ntiers + 1, sizeof(*all));
	struct ipp_cells_snap *s = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(all);
	assert_non_null(f);
	for (size_t k = 0; k < c->ntiers; k++)
		all[k] = (struct ipp_ctouch){true, {UINT32_MAX, UINT32_MAX}};
	assert_int_equal(ipp_cells_snap(c, all, &s), 0);
	assert_int_equal(ipp_cells_snap_emit(c, s, f), 0);
	ipp_cells_snap_free(s);
	fclose(f);
	if (len) {
		fprintf(stderr, "case %u: the cells of an unchanged policy change:\n%s", i, buf);
		fail();
	}
	free(buf);
	free(all);
}

static void test_patch(void **state)
{
	uint32_t *lcov_before;
	size_t ntiers_before;
	const char *env = getenv("IPP_ORDER_CASES");
	unsigned cases = env ? (unsigned)atoi(env) : 300, i, patched[2] = {0, 0}, tried[2] = {0, 0};

	(void)state;
	for (i = 0; i < cases; i++) {
		bool del = i % 3 == 2;
		struct ipp_error err = {0};
		struct ipp_effective *e = NULL, *e2 = NULL;
		struct ipp_compiled *c = NULL;
		char text[16384], text2[16640], before[4096], *line, *save = NULL, copy[16384];
		unsigned nlines = 0, pick, n = 0, pos = 0;
		char list[16] = "";
		size_t used = 0, k;
		struct ipp_sfilter *sf = NULL;
		size_t nsf = 0;
		struct ipp_patch pt = {0}, p0;
		struct ipp_patch_del pd;
		struct ipp_compiled *c0 = NULL;
		struct ipp_effective *e0 = NULL;
		FILE *out;
		char *cmds = NULL;
		size_t clen = 0;
		int r;

		rng_state = 0x51ed270b27a1c4e3ULL * (i + 1);
		random_policy(text, sizeof(text), i % 2 == 1);
		/* the local filter lines (before "store persistent" comes back) */
		snprintf(copy, sizeof(copy), "%s", text);
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (!strncmp(line, "filter L", 8))
				nlines++;
		if (nlines == 0)
			continue;
		pick = rnd(nlines);
		snprintf(copy, sizeof(copy), "%s", text);
		text2[0] = '\0';
		save = NULL;
		before[0] = '\0';
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (!strncmp(line, "filter L", 8) && n++ == pick) {
				sscanf(line, "filter %15s", list);
				if (del)
					continue; /* the deleted filter */
				sibling(line, before, sizeof(before));
			}
			used += (size_t)snprintf(text2 + used, sizeof(text2) - used, "%s\n", line);
		}
		if (!del && before[0] && rnd(4)) {
			/* a sibling of the picked filter (same shape, another key) at the end */
			used += (size_t)snprintf(text2 + used, sizeof(text2) - used,
						 "store local\n%s\n", before);
		} else if (!del) {
			/* a new filter at the end of the list of the picked line */
			static const char *const src[] = {"10.0.0.0/24", "10.0.0.9", "10.0.1.0/24",
							  "any", "10.2.0.0/16", "fd00::5"};
			static const char *const dst[] = {"me", "10.0.0.5", "any", "10.0.0.0/25",
							  "fd00::/120"};
			const char *s = src[rnd(6)], *d = dst[rnd(5)];

			if (strchr(s, ':') != strchr(d, ':') && strcmp(d, "me") && strcmp(d, "any") &&
			    strcmp(s, "any"))
				d = "any";
			snprintf(before, sizeof(before), "store local\nfilter %s %s %s proto=%s%s\n",
				 list, s, d, rnd(2) ? "tcp" : "any",
				 rnd(2) ? " dstport=80 mirrored=no" : "");
			if (strstr(before, "proto=any dstport"))
				snprintf(before, sizeof(before), "store local\nfilter %s %s %s\n", list,
					 s, d);
			used += (size_t)snprintf(text2 + used, sizeof(text2) - used, "%s", before);
		}
		c = compile_text(text, &e);
		assert_non_null(c);
		if (opt_cells) {
			/* a twin that computes every group's cells before the change; @c takes
			 * them from the cache of a change before (twice: taken, put back) */
			c0 = compile_text(text, &e0);
			assert_non_null(c0);
			warm_cells(c, i);
			warm_cells(c, i);
		}
		{
			struct testpol t;

			testpol_init(&t);
			if (testpol_text(&t, text2, &err) < 0 ||
			    testpol_effective(&t, false, &e2, &err) < 0) {
				fprintf(stderr, "case %u: %s\n%s", i, err.msg, text2);
				fail();
			}
			testpol_clear(&t);
		}
		assert_int_equal(e->nrules, e2->nrules);
		pt.eff = e2;
		if (del) {
			/* the rule of the list in the local policy; the filter's place in it */
			for (k = 0; k < e->nrules; k++)
				if (e->rules[k].store == IPP_STORE_LOCAL &&
				    !strcmp(e->rules[k].filterlist, list))
					break;
			if (k == e->nrules)
				goto next; /* a list no rule uses */
			snprintf(copy, sizeof(copy), "%s", text);
			save = NULL;
			n = 0;
			for (line = strtok_r(copy, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				char l[16];

				if (strncmp(line, "filter L", 8))
					continue;
				if (n++ == pick)
					break;
				if (sscanf(line, "filter %15s", l) == 1 && !strcmp(l, list))
					pos++;
			}
			pd.rule = (uint32_t)k;
			pd.filter = pos;
			pt.del = &pd;
			pt.ndel = 1;
		} else {
			/* the new filter's specific filters: the last place of its list */
			uint32_t last = 0;
			bool any = false;

			for (k = 0; k < e2->nsf; k++)
				if (!strcmp(e2->rules[e2->sf[k].rule].filterlist, list) &&
				    e2->rules[e2->sf[k].rule].store == IPP_STORE_LOCAL &&
				    (!any || e2->sf[k].filter > last))
					last = e2->sf[k].filter, any = true;
			sf = calloc(e2->nsf + 1, sizeof(*sf));
			for (k = 0; any && k < e2->nsf; k++)
				if (!strcmp(e2->rules[e2->sf[k].rule].filterlist, list) &&
				    e2->rules[e2->sf[k].rule].store == IPP_STORE_LOCAL &&
				    e2->sf[k].filter == last)
					sf[nsf++] = e2->sf[k];
			if (nsf == 0)
				goto next;
			pt.add = sf;
			pt.nadd = nsf;
		}
		tried[del]++;
		/* IPP_PATCH_KERNEL_DIR: the ruleset before and the patch, for tests/netns/golden */
		if (getenv("IPP_PATCH_KERNEL_DIR")) {
			char *old = emit_text(c);

			kernel_dir_put("patch", i, "old", old);
			free(old);
		}
		lcov_before = malloc((2 * c->ntiers + 1) * sizeof(*lcov_before));
		assert_non_null(lcov_before);
		memcpy(lcov_before, c->lcov, 2 * c->ntiers * sizeof(*lcov_before));
		ntiers_before = c->ntiers;
		p0 = pt;
		out = open_memstream(&cmds, &clen);
		r = ipp_compiled_patch(c, &pt, out);
		fclose(out);
		if (c0) {
			char *cmds0 = NULL;
			size_t clen0 = 0;
			FILE *out0 = open_memstream(&cmds0, &clen0);

			assert_int_equal(ipp_compiled_patch(c0, &p0, out0), r);
			fclose(out0);
			if (strcmp(cmds ? cmds : "", cmds0 ? cmds0 : "")) {
				fprintf(stderr,
					"case %u: %s: with the cells of the change before, the "
					"commands differ:\n%s\nfrom those computing them:\n%s\n%s",
					i, del ? "deleted" : "added", cmds, cmds0, text2);
				fail();
			}
			free(cmds0);
			free(p0.changed);
			/* the cells the change leaves for the next, those it moved and those
			 * it left (every group's, warmed before it): as a compute gives them */
			if (r == 0)
				warm_cells(c, i);
		}
		if (r == 0 && !local_walks_rewritten(c, lcov_before, ntiers_before, cmds)) {
			fprintf(stderr,
				"case %u: %s: a local address's walk gained a map, its chain "
				"is not rewritten\n%s",
				i, del ? "deleted" : "added", text2);
			fail();
		}
		free(lcov_before);
		if (r == -EAGAIN) {
			/* declined: untouched, still the policy before */
			assert_int_equal(clen, 0);
			if (!agree(e, c, "declined patch", i, text))
				fail();
		} else {
			assert_int_equal(r, 0);
			patched[del]++;
			kernel_dir_put("patch", i, "patch", cmds ? cmds : "");
			/* every element written has a key (a keyless tier is a rule, not a map) */
			if (cmds && strstr(cmds, "{\n\t,\n")) {
				fprintf(stderr, "case %u: an element without a key:\n%s", i, cmds);
				fail();
			}
			if (!agree(e2, c, del ? "deleted" : "added", i, text2))
				fail();
			{
				/* the gates are those of a compile of the policy after the
				 * change: a deletion takes out what no element names any more */
				struct ipp_compiled *c2 = NULL;

				assert_int_equal(ipp_compile(e2, test_opts(), &c2, &err), 0);
				if (memcmp(c2->gate, c->gate, sizeof(c->gate))) {
					fprintf(stderr,
						"case %u: %s: gates differ from a compile\n%s", i,
						del ? "deleted" : "added", text2);
					fail();
				}
				/* the local addresses' walks take every tier a compile's
				 * take (a deletion may leave more) */
				for (k = 0; k < c2->ntiers; k++) {
					const struct ipp_ctier *t2 = &c2->tiers[k], *t1;

					t1 = ipp_compiled_tier(c, t2->name);
					if (t1 && (~c->lcov[2 * (size_t)(t1 - c->tiers)] &
						       c2->lcov[2 * k] ||
						   ~c->lcov[2 * (size_t)(t1 - c->tiers) + 1] &
						       c2->lcov[2 * k + 1])) {
						fprintf(stderr,
							"case %u: %s: map %s lacks a local address "
							"a compile gives it\n%s",
							i, del ? "deleted" : "added", t2->name,
							text2);
						fail();
					}
				}
				ipp_compiled_free(c2);
			}
			if (!decided_before(text, c, &pt, i))
				fail();
			/* the effective policy follows the same change (ipp_effective_patch()):
			 * as the one built of the policy after it, but for the filters'
			 * creation numbers (one less after the deleted one) */
			assert_int_equal(ipp_effective_reserve(e, pt.nadd), 0);
			ipp_effective_patch(e, pt.add, pt.nadd, pt.del, pt.ndel);
			assert_int_equal(e->nsf, e2->nsf);
			for (k = 0; k < e->nsf; k++) {
				const struct ipp_sfilter *a = &e->sf[k], *b = &e2->sf[k];

				if (!same_addr(&a->src, &b->src) || !same_addr(&a->dst, &b->dst) ||
				    a->protocol != b->protocol || a->srcport != b->srcport ||
				    a->dstport != b->dstport || a->action != b->action ||
				    a->origin != b->origin || a->weight != b->weight ||
				    a->rule != b->rule || a->filter != b->filter ||
				    a->reversed != b->reversed || a->clear != b->clear ||
				    a->dir != b->dir) {
					fprintf(stderr,
						"case %u: %s: specific filter %zu of the patched "
						"effective policy differs from a build\n%s",
						i, del ? "deleted" : "added", k, text2);
					fail();
				}
			}
		}
next:
		free(pt.changed);
		pt.changed = NULL;
		pt.nchanged = 0;
		free(cmds);
		free(sf);
		ipp_compiled_free(c);
		ipp_compiled_free(c0);
		ipp_effective_free(e);
		ipp_effective_free(e0);
		ipp_effective_free(e2);
	}
	fprintf(stderr, "patch: added %u of %u, deleted %u of %u in place\n", patched[0], tried[0],
		patched[1], tried[1]);
	/* most single changes go in place */
	assert_true(patched[0] * 2 > tried[0]);
	assert_true(patched[1] * 2 > tried[1]);
}

/*
 * Deletions in place: a filter whose key has no field (any to any) is a rule
 * of the walk, not a map element, and one that hid a twin's key would have
 * to bring it back: both go to a compile (-EAGAIN, nothing written); a
 * plain deletion goes in place even when another key was shadowed.
 */
static void test_patch_delete_limits(void **state)
{
	static const char pol[] = "list A\nfilter A any any mirrored=no\n"
				  "filter A 10.1.2.0/24 10.2.0.0/16 mirrored=no\n"
				  "filter A 10.9.0.0/16 10.8.0.0/16 mirrored=no\n"
				  "list B\nfilter B 10.1.2.0/24 10.2.0.0/16 mirrored=no\n"
				  "action Block block\naction Block2 block\n"
				  "policy P assigned\nrule P a A Block\nrule P b B Block2\n";
	struct ipp_effective *e;
	struct ipp_compiled *c;
	struct ipp_patch_del del;
	struct ipp_patch pt = {0};
	char *cmds = NULL;
	size_t len = 0;
	FILE *out;
	int r;

	(void)state;
	for (unsigned which = 0; which < 3; which++) {
		c = compile_text(pol, &e);
		assert_non_null(c);
		assert_true(c->nshadowed > 0); /* B's filter has A's second filter's key */
		pt = (struct ipp_patch){.eff = e, .del = &del, .ndel = 1};
		del = (struct ipp_patch_del){0, which}; /* rule a, filter 0, 1 or 2 */
		out = open_memstream(&cmds, &len);
		r = ipp_compiled_patch(c, &pt, out);
		fclose(out);
		if (which < 2) {
			/* any -> any (keyless), then the twin of B's filter */
			assert_int_equal(r, -EAGAIN);
			assert_int_equal(len, 0);
		} else {
			assert_int_equal(r, 0);
			assert_non_null(strstr(cmds, "delete element"));
			assert_non_null(strstr(cmds, "10.9.0.0 . 10.8.0.0"));
		}
		free(cmds);
		cmds = NULL;
		free(pt.changed);
		ipp_compiled_free(c);
		ipp_effective_free(e);
	}
}

/*
 * A deletion in place that changes the rules a walk rule's comment names
 * (the first element's, and how many others) leaves the table untidy (the
 * agent compiles it a moment later); one that does not, tidy.
 */
static void test_patch_untidy_comment(void **state)
{
	static const char pol[] = "list A\nfilter A 10.1.0.1 10.2.0.1 mirrored=no\n"
				  "filter A 10.1.0.2 10.2.0.2 mirrored=no\n"
				  "list B\nfilter B 10.1.0.9 10.2.0.9 mirrored=no\n"
				  "action Block block\naction Block2 block\n"
				  "policy P assigned\nrule P a A Block\nrule P b B Block2\n";
	struct ipp_effective *e;
	struct ipp_compiled *c;
	struct ipp_patch_del del;
	struct ipp_patch pt;
	char *cmds = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	/* A's second filter: A is still named first, B still the one more */
	c = compile_text(pol, &e);
	assert_non_null(c);
	del = (struct ipp_patch_del){0, 1};
	pt = (struct ipp_patch){.eff = e, .del = &del, .ndel = 1};
	out = open_memstream(&cmds, &len);
	assert_int_equal(ipp_compiled_patch(c, &pt, out), 0);
	fclose(out);
	assert_false(pt.untidy);
	free(cmds);
	free(pt.changed);
	/* then A's first: the map is B's alone, which a compile would say */
	del = (struct ipp_patch_del){0, 0};
	pt = (struct ipp_patch){.eff = e, .del = &del, .ndel = 1};
	cmds = NULL;
	out = open_memstream(&cmds, &len);
	assert_int_equal(ipp_compiled_patch(c, &pt, out), 0);
	fclose(out);
	assert_true(pt.untidy);
	free(cmds);
	free(pt.changed);
	ipp_compiled_free(c);
	ipp_effective_free(e);
}

/*
 * Another rule's action moves an element out of its late tier: its carry
 * counter (the counts of its cached flows) is the same object.
 */
/* The policy of test_carry_follows_group() with rule x's action @X (a string literal). */
#define CARRY_POLICY(X)                                                                            \
	"list A\nfilter A 10.1.2.0/24 10.2.0.0/16 mirrored=no\n"                                   \
	"list X\nfilter X 10.5.5.0/24 10.6.0.0/16 mirrored=no\n"                                   \
	"list B\nfilter B 10.1.0.0/16 10.2.3.0/24 mirrored=no\n"                                   \
	"list Y\nfilter Y 10.5.0.0/16 10.6.7.0/24 mirrored=no\n"                                   \
	"action Permit permit\naction Block block\n"                                               \
	"policy P assigned\nrule P a A Permit\nrule P x X " X "\n"                                 \
	"rule P b B Block\nrule P y Y Permit\n"

static void test_carry_follows_group(void **state)
{
	static const struct {
		const char *name, *group;
	} names[] = {
	    {"ip_s24_d16_pany_late_permit", "ip_s24_d16_pany"},
	    {"ip_s24_d16_pany_late_negotiate_inpass_in", "ip_s24_d16_pany"},
	    {"ip_s24_d16_pany_late_negotiate_out", "ip_s24_d16_pany"},
	    {"ip6_s128_dany_pany_out", "ip6_s128_dany_pany"},
	    {"ip_s32_d32_p6_dp_w3d0000", "ip_s32_d32_p6_dp_w3d0000"},
	    {"inet_sme_dany_pany", "inet_sme_dany_pany"},
	};
	struct ipp_effective *e1, *e2;
	struct ipp_compiled *c1, *c2;
	const struct ipp_ctier *late = NULL, *t2 = NULL;
	const struct ipp_celem *el, *e = NULL;
	char g1[IPP_CTIER_NAME_MAX], g2[IPP_CTIER_NAME_MAX], n1[32], n2[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ipp_ctier_group(names[i].name, g1, sizeof(g1));
		assert_string_equal(g1, names[i].group);
	}
	c1 = compile_text(CARRY_POLICY("Block"), &e1);
	c2 = compile_text(CARRY_POLICY("Permit"), &e2);
	assert_non_null(c1);
	assert_non_null(c2);
	for (i = 0; i < c1->ntiers; i++)
		if (c1->tiers[i].late)
			late = &c1->tiers[i];
	assert_non_null(late);
	el = &late->elems[0];
	ipp_ctier_group(late->name, g1, sizeof(g1));
	for (i = 0; i < c2->ntiers && !e; i++) {
		ipp_ctier_group(c2->tiers[i].name, g2, sizeof(g2));
		if (!strcmp(g1, g2) && (e = ipp_ctier_find(&c2->tiers[i], &el->key)))
			t2 = &c2->tiers[i];
	}
	assert_non_null(e);
	assert_false(t2->late);
	assert_string_not_equal(late->name, t2->name);
	ipp_carry_name(c1, late, el, el->verdict, n1, sizeof(n1));
	ipp_carry_name(c2, t2, e, el->verdict, n2, sizeof(n2));
	assert_string_equal(n1, n2);
	/* what it gave another verdict, or before verdicts were kept, is counted apart */
	ipp_carry_name(c2, t2, e, el->verdict == IPP_CV_DROP ? IPP_CV_ACCEPT : IPP_CV_DROP, n2,
		       sizeof(n2));
	assert_string_not_equal(n1, n2);
	ipp_carry_name(c2, t2, e, -1, n2, sizeof(n2));
	assert_string_not_equal(n1, n2);
	ipp_compiled_free(c1);
	ipp_compiled_free(c2);
	ipp_effective_free(e1);
	ipp_effective_free(e2);
}

/* A keyless tier's element key is written empty (carry comments): it reads back. */
static void test_keyless_key_parse(void **state)
{
	struct ipp_cshape keyless = {.family = AF_INET, .src_kind = IPP_ADDR_ME,
				     .dst_kind = IPP_ADDR_ANY, .proto = 17};
	struct ipp_cshape keyed = {.family = AF_INET, .src_kind = IPP_ADDR_IP, .src_plen = 24,
				   .dst_kind = IPP_ADDR_ANY};
	struct ipp_ckey k, zero = {0};
	char text[64];

	(void)state;
	ipp_ckey_format(&keyless, &zero, text, sizeof(text));
	assert_string_equal(text, "");
	memset(&k, 0xff, sizeof(k));
	assert_int_equal(ipp_ckey_parse(&keyless, text, &k), 0);
	assert_memory_equal(&k, &zero, sizeof(k));
	assert_int_equal(ipp_ckey_parse(&keyless, "10.0.0.0", &k), -EINVAL);
	assert_int_equal(ipp_ckey_parse(&keyed, "", &k), -EINVAL);
	assert_int_equal(ipp_ckey_parse(&keyed, "10.1.2.0", &k), 0);
}

/*
 * Every element of map @t of @c (as the kernel holds it) is found in @c2, on
 * each hook the map is walked on, as the same filter's: where the counter
 * reader (ipp_driver_counters()) gives its counts.
 */
static void assert_kernel_map_found(const struct ipp_compiled *c, const struct ipp_ctier *t,
				    const struct ipp_compiled *c2)
{
	struct ipp_ktiers kt;
	size_t j;

	ipp_compiled_kernel_tiers(c2, t->name, &kt);
	if (!kt.n)
		fprintf(stderr, "map %s of the patched form: none in the compile\n", t->name);
	assert_true(kt.n > 0);
	assert_int_equal(kt.hooks, t->hooks);
	for (j = 0; j < t->nelems; j++) {
		for (unsigned h = IPP_CHOOK_IN; h <= IPP_CHOOK_OUT; h <<= 1) {
			const struct ipp_ctier *t2 = NULL;
			const struct ipp_celem *x;

			if (!(t->hooks & h))
				continue;
			x = ipp_ktiers_find(&kt, h, &t->elems[j].key, &t2);
			if (!x)
				fprintf(stderr,
					"map %s of the patched form, element %zu: none on %s\n",
					t->name, j, h == IPP_CHOOK_IN ? "input" : "output");
			assert_non_null(x);
			assert_true(t2->hooks & h);
			assert_true(ipp_celem_same_owner(c, &t->elems[j], c2, x));
		}
	}
}

/* The policy of test_patch_late_keyless(), with list B's first filter (@B0) or without. */
#define LATE_POLICY(B0)                                                                            \
	"list K\nfilter K any me proto=udp mirrored=no\n"                                          \
	"list N\nfilter N 10.1.0.0/16 10.2.0.0/16 proto=udp mirrored=no\n"                         \
	"filter N 10.5.5.0/24 10.0.0.0/8 proto=udp mirrored=no\n"                                  \
	"list B\n" B0 "filter B 10.1.2.0/24 10.0.0.0/8 proto=udp mirrored=no\n"                    \
	"action Permit permit\naction Block block\naction Neg negotiate\n"                         \
	"policy P assigned\nrule P k K Permit\nrule P n N Neg\nrule P b B Block\n"

/*
 * A filter deleted in place leaves the elements it made late in their late
 * tiers (a late element stays late), where a compile of the policy without
 * it has them in the tier of their shape.  The shell reads the kernel's
 * counters against such a compile (ipp_driver_counters()): every late map
 * and every rule of a keyless tier the patched ruleset has must be found
 * there, as the same filter's.  Here a keyless element (any to me, UDP: a
 * rule of the walk, no map) is late behind a late negotiate that a block of
 * list B makes late; B's block deleted, nothing is late.
 */
static void test_patch_late_keyless(void **state)
{
	struct ipp_effective *e, *e2;
	struct ipp_compiled *c, *c2;
	const struct ipp_ctier *k = NULL, *t2;
	struct ipp_error err = {0};
	struct ipp_patch_del del = {0, 0};
	struct ipp_patch pt = {0};
	char *cmds = NULL, *text = NULL, want[IPP_CTIER_NAME_MAX + 16];
	const char *at;
	size_t len = 0, i;
	FILE *out;

	(void)state;
	c = compile_text(LATE_POLICY("filter B 10.5.0.0/16 10.6.0.0/16 proto=udp mirrored=no\n"),
			 &e);
	c2 = compile_text(LATE_POLICY(""), &e2);
	assert_non_null(c);
	assert_non_null(c2);
	for (i = 0; i < c->ntiers; i++)
		if (ipp_ctier_keyless(&c->tiers[i]))
			k = &c->tiers[i];
	assert_non_null(k);
	assert_true(k->late);
	for (i = 0; i < c2->ntiers; i++)
		assert_false(c2->tiers[i].late);
	/* B's first filter deleted in place: the elements it made late stay late */
	for (del.rule = 0; del.rule < e->nrules; del.rule++)
		if (!strcmp(e->rules[del.rule].filterlist, "B"))
			break;
	assert_true(del.rule < e->nrules);
	pt = (struct ipp_patch){.eff = e, .del = &del, .ndel = 1};
	out = open_memstream(&cmds, &len);
	assert_int_equal(ipp_compiled_patch(c, &pt, out), 0);
	fclose(out);
	assert_true(k->late);
	/* the patched ruleset, as the kernel then holds it */
	out = open_memstream(&text, &len);
	assert_int_equal(ipp_compiled_emit(c, out, &err), 0);
	fclose(out);
	for (i = 0; i < c->ntiers; i++) {
		const struct ipp_ctier *t = &c->tiers[i];

		if (t->nelems == 0 || (!t->late && !ipp_ctier_keyless(t)))
			continue;
		if (ipp_ctier_keyless(t)) {
			/* the rule's comment, as the counters are read back */
			snprintf(want, sizeof(want), "comment \"%s: ", t->name);
			at = strstr(text, want);
			assert_non_null(at);
			t2 = ipp_compiled_rule_tier(c2, at + strlen("comment \""));
			assert_non_null(t2);
			assert_true(ipp_celem_same_owner(c, &t->elems[0], c2, &t2->elems[0]));
		} else {
			assert_kernel_map_found(c, t, c2);
		}
	}
	/* a rule of no keyless tier */
	assert_null(ipp_compiled_rule_tier(c2, "exempt: IKE"));
	free(text);
	free(cmds);
	free(pt.changed);
	ipp_compiled_free(c);
	ipp_compiled_free(c2);
	ipp_effective_free(e);
	ipp_effective_free(e2);
}

/*
 * The policy of test_patch_hook_split(), with the filters deleted in place
 * (@B0: list B's first, @N2: list N's third) or without.
 */
#define SPLIT_POLICY(B0, N2)                                                                       \
	"list N\nfilter N 10.1.0.0/16 10.2.0.0/16 proto=udp mirrored=no\n"                         \
	"filter N 10.5.5.0/24 10.0.0.0/8 proto=udp mirrored=no\n" N2 "list B\n" B0                 \
	"filter B 10.1.2.0/24 10.0.0.0/8 proto=udp mirrored=no\n"                                  \
	"list Q\nfilter Q 10.9.0.0/16 10.8.0.0/16 proto=tcp mirrored=no\n"                         \
	"action Permit permit\naction Block block\naction Neg negotiate\n"                         \
	"policy P assigned\nrule P n N Neg\nrule P b B Block\nrule P q Q Permit\n"

/*
 * Deletions in place keep the maps the kernel has, split by hook or not,
 * where a compile of the same policy splits them otherwise: a negotiate
 * element no longer late joins the map of its shape, which a compile splits
 * in two ("X_in", "X_out") while the kernel keeps "X"; the last negotiate
 * element of a shape gone, a compile has one map "Y" where the kernel keeps
 * "Y_in" and "Y_out".  The shell reads the kernel's counters against such a
 * compile (ipp_driver_counters()): every element of every map of the patched
 * form, on each hook it is walked on, must be found there as the same
 * filter's.
 */
static void test_patch_hook_split(void **state)
{
	struct ipp_effective *e, *e2;
	struct ipp_compiled *c, *c2;
	struct ipp_patch_del del[2];
	struct ipp_patch pt = {0};
	char *cmds = NULL;
	size_t len = 0, i, n = 0;
	FILE *out;

	(void)state;
	c = compile_text(SPLIT_POLICY("filter B 10.5.0.0/16 10.6.0.0/16 proto=udp mirrored=no\n",
				      "filter N 10.7.0.0/16 10.8.0.0/16 proto=tcp mirrored=no\n"),
			 &e);
	c2 = compile_text(SPLIT_POLICY("", ""), &e2);
	assert_non_null(c);
	assert_non_null(c2);
	/* B's first filter and N's third deleted in place */
	for (i = 0; i < e->nrules && n < 2; i++) {
		if (!strcmp(e->rules[i].filterlist, "B"))
			del[n++] = (struct ipp_patch_del){(uint32_t)i, 0};
		else if (!strcmp(e->rules[i].filterlist, "N"))
			del[n++] = (struct ipp_patch_del){(uint32_t)i, 2};
	}
	assert_int_equal(n, 2);
	pt = (struct ipp_patch){.eff = e, .del = del, .ndel = 2};
	out = open_memstream(&cmds, &len);
	assert_int_equal(ipp_compiled_patch(c, &pt, out), 0);
	fclose(out);
	/* the split differs both ways */
	assert_non_null(ipp_compiled_tier(c, "ip_s24_d8_p17"));
	assert_null(ipp_compiled_tier(c2, "ip_s24_d8_p17"));
	assert_non_null(ipp_compiled_tier(c2, "ip_s24_d8_p17_in"));
	assert_non_null(ipp_compiled_tier(c2, "ip_s24_d8_p17_out"));
	assert_non_null(ipp_compiled_tier(c, "ip_s16_d16_p6_in"));
	assert_non_null(ipp_compiled_tier(c, "ip_s16_d16_p6_out"));
	assert_null(ipp_compiled_tier(c2, "ip_s16_d16_p6_in"));
	assert_non_null(ipp_compiled_tier(c2, "ip_s16_d16_p6"));
	for (i = 0; i < c->ntiers; i++)
		if (c->tiers[i].nelems && !ipp_ctier_keyless(&c->tiers[i]))
			assert_kernel_map_found(c, &c->tiers[i], c2);
	free(cmds);
	free(pt.changed);
	ipp_compiled_free(c);
	ipp_compiled_free(c2);
	ipp_effective_free(e);
	ipp_effective_free(e2);
}

static void with_cells(void (*test)(void **), void **state)
{
	opt_cells = true;
	test(state);
	opt_cells = false;
}

static void test_patch_cells(void **state)
{
	with_cells(test_patch, state);
}

static void test_relocal_cells(void **state)
{
	with_cells(test_relocal, state);
}

static void test_random_policies_cells(void **state)
{
	with_cells(test_random_policies, state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_patch),
	    cmocka_unit_test(test_patch_cells),
	    cmocka_unit_test(test_relocal),
	    cmocka_unit_test(test_relocal_cells),
	    cmocka_unit_test(test_copts_local),
	    cmocka_unit_test(test_patch_delete_limits),
	    cmocka_unit_test(test_patch_untidy_comment),
	    cmocka_unit_test(test_patch_late_keyless),
	    cmocka_unit_test(test_patch_hook_split),
	    cmocka_unit_test(test_keyless_key_parse),
	    cmocka_unit_test(test_carry_follows_group),
	    cmocka_unit_test(test_equal_weight_block_wins),
	    cmocka_unit_test(test_range_split),
	    cmocka_unit_test(test_range_pair_wide),
	    cmocka_unit_test(test_random_policies),
	    cmocka_unit_test(test_random_policies_cells),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
