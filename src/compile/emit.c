/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * emit.c - nft text from the compiled form: the whole ruleset, and the
 * element-level difference between two compiled forms.
 *
 * Both write to a FILE handed in; apply, --dry-run and the golden tests use
 * the same functions.  Walk chains and their rules are produced by one
 * function for both (nested in the table block for the full ruleset, as
 * "add rule" commands for a difference), so the two can never disagree.
 */
#include "compile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../common/fnv.h"
#include "../common/grow.h"
#include "../driver/driver.h"
#include "modes.h"

#define TABLE IPP_NFT_FAMILY " " IPP_NFT_TABLE
#define COMMENT_MAX 127 /* bytes the kernel keeps of a comment */
#define ALIVE_MAP IPP_NFT_ALIVE_MAP /* the liveness maps (emit_alive()) */
/*
 * The address types of a group (broadcast, multicast), a named set the rules
 * of "me" on input look up: an anonymous set in each such rule would be a set
 * of its own, and the kernel allocates every anonymous set's name by reading
 * all the table's set names, and binds it by reading the transaction (a
 * table with a few thousand of them took seconds more to load).
 */
#define FIB_GROUP "fib_group"

enum hook { HOOK_IN = 0, HOOK_OUT = 1 };

/*
 * A walk chain: per hook and family, per protocol (0: the family chain, for
 * protocols without tiers of their own), and per gate outcome: SUB_BASE
 * (no address passed a gate yet), SUB_S (the source passed), SUB_D (only
 * the destination passed), SUB_SD (both passed).
 */
enum sub { SUB_BASE = 0, SUB_S, SUB_D, SUB_SD };

struct walk {
	enum hook hook;
	int fam; /* 4 or 6 */
	uint8_t proto;
	enum sub sub;
	/*
	 * A walk of one local address (struct ipp_copts.local): the packets whose
	 * local address (destination on input, source on output) is @lip, the
	 * base chain's dispatch sends there; only the tiers that can match such a
	 * packet (ipp_compiled.lcov).  Its sub is the local side's gate passed
	 * (SUB_D on input, SUB_S on output), or SUB_SD.
	 */
	bool local;
	uint8_t lip[16];
	/*
	 * The walks past both gates of all the host's addresses of (hook,
	 * family, protocol) at once, as a group (lip zero, local true): what
	 * they share, the cells' map and chains, is named by it ("_xl").
	 */
	bool group;
};

#define WALK_NAME_MAX 64

static void walk_name(const struct walk *w, char *buf, size_t len)
{
	static const char *const suffix[] = {"", "_s", "_d", "_sd"};
	char x[2 + 32 + 1] = "";

	if (w->group) {
		snprintf(x, sizeof(x), "_xl");
	} else if (w->local) {
		int i, n = w->fam == 4 ? 4 : 16;

		x[0] = '_';
		x[1] = 'x';
		for (i = 0; i < n; i++)
			snprintf(x + 2 + 2 * i, 3, "%02x", w->lip[i]);
	}
	if (w->proto)
		snprintf(buf, len, "%s%d_p%u%s%s", w->hook == HOOK_IN ? "in" : "out", w->fam,
			 w->proto, x, suffix[w->sub]);
	else
		snprintf(buf, len, "%s%d%s%s", w->hook == HOOK_IN ? "in" : "out", w->fam, x,
			 suffix[w->sub]);
}

/* The group of local walk @w (struct walk: group). */
static struct walk walk_group(const struct walk *w)
{
	struct walk g = *w;

	g.group = true;
	memset(g.lip, 0, sizeof(g.lip));
	return g;
}

/* The index of the local address of walk @w in c->opts.local, or -1. */
static int walk_local(const struct ipp_compiled *c, const struct walk *w)
{
	uint8_t f = w->fam == 4 ? AF_INET : AF_INET6;

	for (size_t k = 0; k < c->opts.nlocal; k++)
		if (c->opts.local[k].family == f && !memcmp(c->opts.local[k].ip, w->lip, 16))
			return (int)k;
	return -1;
}

/* Can tier @i of @c match in local walk @w (its address index @k)? */
static bool tier_local(const struct ipp_compiled *c, size_t i, const struct walk *w, int k)
{
	return k >= 0 && c->lcov && (c->lcov[2 * i + (w->hook == HOOK_OUT)] & (1u << k));
}

static bool tier_on_hook(const struct ipp_ctier *t, enum hook h, int fam)
{
	const struct ipp_cshape *s = &t->shape;

	if (!(t->hooks & (h == HOOK_IN ? IPP_CHOOK_IN : IPP_CHOOK_OUT)))
		return false;
	if (s->family && s->family != (fam == 4 ? AF_INET : AF_INET6))
		return false;
	return true;
}

/* Address fields in the key: bit 0 source, bit 1 destination. */
static unsigned tier_keys(const struct ipp_ctier *t)
{
	const struct ipp_cshape *s = &t->shape;

	return (s->src_kind == IPP_ADDR_IP && s->src_plen ? 1u : 0u) |
	       (s->dst_kind == IPP_ADDR_IP && s->dst_plen ? 2u : 0u);
}

/* In the walk of (hook, family, protocol), whatever the gates said. */
static bool tier_in_base(const struct ipp_ctier *t, const struct walk *w)
{
	if (!tier_on_hook(t, w->hook, w->fam))
		return false;
	if (w->proto == 0)
		return t->shape.proto == 0; /* any, or pkey: the family chain walks them */
	return (t->shape.proto == 0 && !t->shape.pkey) || t->shape.proto == w->proto;
}

static bool tier_in_walk(const struct ipp_ctier *t, const struct walk *w)
{
	unsigned k = tier_keys(t);

	if (!tier_in_base(t, w))
		return false;
	switch (w->sub) {
	case SUB_BASE:
		return k == 0;
	case SUB_S:
		return !(k & 2);
	case SUB_D:
		return !(k & 1);
	default:
		return true;
	}
}

/* Key bits (as tier_keys()) used by the tiers of the walk's (hook, family, protocol). */
static unsigned walk_keys(const struct ipp_compiled *c, const struct walk *w)
{
	unsigned k = 0;
	size_t i;

	for (i = 0; i < c->ntiers && k != 3; i++)
		if (tier_in_base(&c->tiers[i], w))
			k |= tier_keys(&c->tiers[i]);
	return k;
}

/*
 * Protocols with chains of their own on (hook, family), as a bitmap: those
 * with tiers of their own, and always TCP and UDP, which the base chain
 * sends to their chains straight away (emit_base_chain()).
 */
static void walk_protos(const struct ipp_compiled *c, enum hook h, int fam, uint8_t map[32])
{
	size_t i;

	memset(map, 0, 32);
	map[IPPROTO_TCP / 8] |= (uint8_t)(1u << (IPPROTO_TCP % 8));
	map[IPPROTO_UDP / 8] |= (uint8_t)(1u << (IPPROTO_UDP % 8));
	for (i = 0; i < c->ntiers; i++) {
		const struct ipp_ctier *t = &c->tiers[i];

		if (t->shape.proto && tier_on_hook(t, h, fam))
			map[t->shape.proto / 8] |= (uint8_t)(1u << (t->shape.proto % 8));
	}
}

static bool has_proto(const uint8_t map[32], unsigned p)
{
	return map[p / 8] & (1u << (p % 8));
}

/* Protocols the base chain sends to their walk chains itself; the family chain never sees them. */
static bool base_proto(unsigned p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP;
}

/* ---------- text pieces ---------- */

/* Append @s to the comment in @buf, replacing what cannot go in an nft string. */
static void comment_add(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	for (; *s && n + 1 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			ch = '\'';
		else if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		buf[n++] = (char)ch;
	}
	buf[n] = '\0';
}

/* Cut to the kernel's limit without splitting a UTF-8 character. */
static void comment_fit(char *buf)
{
	size_t n = strlen(buf);

	if (n <= COMMENT_MAX)
		return;
	n = COMMENT_MAX - 3;
	while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80)
		n--;
	strcpy(buf + n, "...");
}

static void rule_source(const struct ipp_compiled *c, uint32_t rule, char *buf, size_t len)
{
	buf[0] = '\0';
	if (rule >= c->nrules) {
		comment_add(buf, len, "unknown rule");
		return;
	}
	comment_add(buf, len, "policy '");
	comment_add(buf, len, c->rules[rule].policy);
	comment_add(buf, len, "' rule '");
	comment_add(buf, len, c->rules[rule].rule);
	comment_add(buf, len, "'");
}

/* "policy 'P' rule 'R'" for the tier's first element's rule, "and N more rules" for the others. */
static void tier_source(const struct ipp_compiled *c, const struct ipp_ctier *t, char *buf,
			size_t len)
{
	rule_source(c, t->elems[0].rule, buf, len);
	if (t->more_rules) {
		char more[48];

		snprintf(more, sizeof(more), " and %u more rule%s", t->more_rules,
			 t->more_rules > 1 ? "s" : "");
		comment_add(buf, len, more);
	}
}

static void elem_source(const struct ipp_compiled *c, const struct ipp_celem *e, char *buf,
			size_t len)
{
	char num[48];

	rule_source(c, e->rule, buf, len);
	snprintf(num, sizeof(num), " filter %u%s", e->filter + 1, e->reversed ? " mirrored" : "");
	comment_add(buf, len, num);
}

/*
 * A verdict as nft text; negotiate depends on the hook (@hooks: IPP_CHOOK_*).
 * With the flow cache, the walk's verdicts go through the chain of their
 * outcome, which fills the cache first.
 */
static const char *verdict_text(const struct ipp_compiled *c, uint8_t v, uint8_t clear,
				unsigned hooks)
{
	bool fc = c->opts.flow_cache;

	switch (v) {
	case IPP_CV_ACCEPT:
		return fc ? "goto permit" : "accept";
	case IPP_CV_NEGOTIATE:
		if (hooks == IPP_CHOOK_OUT)
			return clear & IPP_CCLEAR_OUT ? "goto negotiate_out_clear" : "goto negotiate_out";
		return clear & IPP_CCLEAR_IN ? "goto negotiate_in_clear" : "goto negotiate_in";
	default:
		return fc ? "goto block" : c->opts.diagnostics ? "goto blocked" : "drop";
	}
}

/* The verdict of a flow cache hit: the outcome without filling the cache again. */
static const char *hit_text(const struct ipp_compiled *c, uint8_t v, enum hook h)
{
	switch (v) {
	case IPP_CV_ACCEPT:
		return "accept";
	case IPP_CV_NEGOTIATE:
		return h == HOOK_OUT ? "goto negotiate_out_sa" : "goto negotiate_in_sa";
	default:
		return c->opts.diagnostics ? "goto blocked" : "drop";
	}
}

/*
 * The key of the flow cache: the 5-tuple of TCP and UDP; addresses and
 * protocol (@pair) of the other protocols, whose filters name no ports.  Not
 * the interface: with rules of one connection type (LAN, dial-up) the flow
 * cache is not used (flow_used()).
 */
static const char *flow_key(int fam, bool pair)
{
	if (pair)
		return fam == 6 ? "ip6 saddr . ip6 daddr . meta l4proto"
				: "ip saddr . ip daddr . meta l4proto";
	return fam == 6 ? "ip6 saddr . ip6 daddr . meta l4proto . th sport . th dport"
			: "ip saddr . ip daddr . meta l4proto . th sport . th dport";
}

static void flow_set(int fam, enum hook h, unsigned v, unsigned gen, bool pair, char *buf,
		     size_t len)
{
	ipp_flowcache_name(fam == 6 ? AF_INET6 : AF_INET, h == HOOK_IN, (enum ipp_cverdict)v, gen,
			   pair, buf, len);
}

/* The protocols of the pair sets: all but TCP and UDP (the switch sets fcp_on_gG). */
#define PAIR_PROTOS "0-5, 7-16, 18-255"

/* The flow cache's chains (see fc_gen_chain() below). */
enum { FC_PERMIT, FC_BLOCK, FC_NEG_IN, FC_NEG_OUT, FC_NEG_IN_CLEAR, FC_NEG_OUT_CLEAR, FC_HIT4_IN,
       FC_HIT4_OUT, FC_HIT6_IN, FC_HIT6_OUT, FC_NCHAINS };

/*
 * Chain @i of generation @gen ("fc_permit_g0"; of the pair sets,
 * "fcp_permit_g0"); the lookup chains are one per family and hook, whatever
 * the generation ("fc_hit4_in", "fcp_hit4_in").
 */
static void fc_name(unsigned i, unsigned gen, bool pair, char *buf, size_t len)
{
	static const char *const names[] = {"permit",	       "block",
					    "negotiate_in",    "negotiate_out",
					    "negotiate_in_clear", "negotiate_out_clear",
					    "hit4_in",	       "hit4_out",
					    "hit6_in",	       "hit6_out"};

	if (i >= FC_HIT4_IN)
		snprintf(buf, len, "%s_%s", pair ? "fcp" : "fc", names[i]);
	else
		snprintf(buf, len, "%s_%s_g%u", pair ? "fcp" : "fc", names[i], gen);
}

static unsigned fc_hit_index(int fam, enum hook h)
{
	return fam == 6 ? (h == HOOK_IN ? FC_HIT6_IN : FC_HIT6_OUT)
			: (h == HOOK_IN ? FC_HIT4_IN : FC_HIT4_OUT);
}

/*
 * The rules of a verdict chain that go to the filling chain @i of the
 * generation in force: the switch sets fc_on_g0 and fc_on_g1 hold tcp and
 * udp for the generation in force and nothing for the other; with @pair,
 * to the chains of the pair sets, and fcp_on_g0 and fcp_on_g1 hold every
 * other protocol.  (The lookups need no switch: their chains name the sets
 * of the generation in force, and are rewritten when it changes.)
 */
static void fc_switch_rule(unsigned i, bool pair, const char *prefix, FILE *out)
{
	char name[WALK_NAME_MAX];
	unsigned g;

	for (g = 0; g < 2; g++) {
		fc_name(i, g, pair, name, sizeof(name));
		fprintf(out, "%smeta l4proto @%s_on_g%u jump %s\n", prefix, pair ? "fcp" : "fc", g,
			name);
	}
}

static void mask_text(uint8_t family, uint8_t plen, char *buf, size_t len)
{
	uint8_t m[16] = {0};
	unsigned i;

	for (i = 0; i < plen; i++)
		m[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, m, buf, (socklen_t)len);
}

/* The lookup expression of a tier ("ip saddr & 255.255.255.0 . th dport"). */
static void key_expr(const struct ipp_cshape *s, FILE *out)
{
	const char *ip = s->family == AF_INET6 ? "ip6" : "ip";
	unsigned full = s->family == AF_INET6 ? 128 : 32;
	bool first = true;
	char m[INET6_ADDRSTRLEN];

	if (s->src_kind == IPP_ADDR_IP && s->src_plen) {
		fprintf(out, "%s saddr", ip);
		if (s->src_plen < full) {
			mask_text(s->family, s->src_plen, m, sizeof(m));
			fprintf(out, " & %s", m);
		}
		first = false;
	}
	if (s->dst_kind == IPP_ADDR_IP && s->dst_plen) {
		fprintf(out, "%s%s daddr", first ? "" : " . ", ip);
		if (s->dst_plen < full) {
			mask_text(s->family, s->dst_plen, m, sizeof(m));
			fprintf(out, " & %s", m);
		}
		first = false;
	}
	if (s->pkey) {
		fprintf(out, "%smeta l4proto", first ? "" : " . ");
		first = false;
	}
	if (s->sport) {
		fprintf(out, "%sth sport", first ? "" : " . ");
		first = false;
	}
	if (s->dport)
		fprintf(out, "%sth dport", first ? "" : " . ");
}

static void key_type(const struct ipp_cshape *s, FILE *out)
{
	const char *ip = s->family == AF_INET6 ? "ipv6_addr" : "ipv4_addr";
	bool first = true;

	if (s->src_kind == IPP_ADDR_IP && s->src_plen) {
		fprintf(out, "%s", ip);
		first = false;
	}
	if (s->dst_kind == IPP_ADDR_IP && s->dst_plen) {
		fprintf(out, "%s%s", first ? "" : " . ", ip);
		first = false;
	}
	if (s->pkey) {
		fprintf(out, "%sinet_proto", first ? "" : " . ");
		first = false;
	}
	if (s->sport) {
		fprintf(out, "%sinet_service", first ? "" : " . ");
		first = false;
	}
	if (s->dport)
		fprintf(out, "%sinet_service", first ? "" : " . ");
}

/*
 * One element line: @indent, "KEY [comment "..."] : VERDICT" (the verdict
 * only @with_verdict), then ",\n".  Built in one buffer and written at once:
 * the emitter writes every element.
 */
static void elem_line(const struct ipp_compiled *c, const struct ipp_ctier *t,
		      const struct ipp_celem *e, bool with_verdict, const char *indent, FILE *out)
{
	char line[1024], src[512];
	size_t n = strlen(indent), m;

	memcpy(line, indent, n);
	ipp_ckey_format(&t->shape, &e->key, line + n, 256);
	n += strlen(line + n);
	if (with_verdict && c->opts.elem_comments) {
		elem_source(c, e, src, sizeof(src));
		comment_fit(src);
		n += (size_t)snprintf(line + n, sizeof(line) - n, " comment \"%s\"", src);
	}
	if (with_verdict) {
		const char *v = verdict_text(c, e->verdict, e->clear, t->hooks);

		memcpy(line + n, " : ", 3);
		n += 3;
		m = strlen(v);
		memcpy(line + n, v, m);
		n += m;
	}
	memcpy(line + n, ",\n", 2);
	fwrite(line, 1, n + 2, out);
}

static void emit_elements(const struct ipp_compiled *c, const struct ipp_ctier *t,
			  const struct ipp_celem *const *v, size_t n, bool with_verdict,
			  const char *indent, FILE *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		elem_line(c, t, v[i], with_verdict, indent, out);
}

/*
 * What a tier holds, in words: it depends only on the map's name, so the
 * comment of a map stays true while its elements change one by one (the
 * rules that use the map name the policies and rules, and are rewritten).
 */
static void shape_text(const struct ipp_ctier *t, char *buf, size_t len)
{
	const struct ipp_cshape *s = &t->shape;
	char src[16], dst[16], proto[32] = "";
	struct ipp_addr sa = {0}, da = {0};
	/* by tie-break rank (compile.c) */
	static const char *const only[] = {", block only", ", negotiate only",
					   ", negotiate (inpass) only", ", negotiate (soft) only",
					   ", permit only"};
	static const char *const late[] = {
	    "", ", negotiate overlapped by block (late)",
	    ", negotiate (inpass) overlapped by a better action (late)",
	    ", negotiate (soft) overlapped by a better action (late)",
	    ", permit overlapped by a better action (late)"};

	if (s->src_kind == IPP_ADDR_IP)
		snprintf(src, sizeof(src), "/%u", s->src_plen);
	else
		snprintf(src, sizeof(src), "%s", s->src_kind == IPP_ADDR_ME ? "me" : "any");
	if (s->dst_kind == IPP_ADDR_IP)
		snprintf(dst, sizeof(dst), "/%u", s->dst_plen);
	else
		snprintf(dst, sizeof(dst), "%s", s->dst_kind == IPP_ADDR_ME ? "me" : "any");
	if (s->proto)
		snprintf(proto, sizeof(proto), " protocol %u", s->proto);
	else if (s->pkey)
		snprintf(proto, sizeof(proto), " protocol in the key");
	sa.kind = s->src_kind;
	sa.family = s->family;
	sa.plen = s->src_plen;
	da.kind = s->dst_kind;
	da.family = s->family;
	da.plen = s->dst_plen;
	snprintf(buf, len, "%s %s -> %s%s%s%s, weight %#x%s%s",
		 s->family == AF_INET	 ? "IPv4"
		 : s->family == AF_INET6 ? "IPv6"
					 : "IPv4/IPv6",
		 src, dst, proto, s->sport ? " source port" : "",
		 s->dport ? " destination port" : "", t->weight,
		 ipp_weight(&sa, &da, ipp_cshape_proto(s), s->sport, s->dport) != t->weight
		     ? " (ranges)"
		     : "",
		 t->rank < 0 || t->rank > 4 ? ""
		 : t->late		    ? late[t->rank]
					    : only[t->rank]);
}

/* The body of a map declaration (inside "{ }"), indented by @ind. */
static void emit_map_body(const struct ipp_compiled *c, const struct ipp_ctier *t, const char *ind,
			  FILE *out)
{
	char src[512], ind2[16];
	size_t i;

	fprintf(out, "%stype ", ind);
	key_type(&t->shape, out);
	fprintf(out, " : verdict\n%scounter\n", ind);
	shape_text(t, src, sizeof(src));
	comment_fit(src);
	fprintf(out, "%scomment \"%s\"\n", ind, src);
	fprintf(out, "%selements = {\n", ind);
	snprintf(ind2, sizeof(ind2), "%s\t", ind);
	for (i = 0; i < t->nelems; i++)
		elem_line(c, t, &t->elems[i], true, ind2, out);
	fprintf(out, "%s}\n", ind);
}

/* The rule of a tier in a walk chain of hook @h, without indentation or newline. */
static void tier_rule(const struct ipp_compiled *c, const struct ipp_ctier *t, enum hook h, int fam,
		      FILE *out)
{
	char src[512], com[600];

	/* "me": inbound, every packet this host takes (to its addresses, anycast ones too,
	 * and those a local route of another table or a transparent proxy gives it) but to
	 * a broadcast or multicast address; outbound, every packet, which this host sends
	 * whatever source it claims (a socket bound with IPV6_FREEBIND or IP_TRANSPARENT, a
	 * raw socket), but from no address */
	if (h == HOOK_IN && t->shape.dst_kind == IPP_ADDR_ME)
		fputs("fib daddr type != @" FIB_GROUP " ", out);
	/* (but a packet from no address, a DHCP client's discover, is not from me: it has
	 * none yet) */
	if (h == HOOK_OUT && t->shape.src_kind == IPP_ADDR_ME)
		fputs(fam == 6 ? "ip6 saddr != :: " : "ip saddr != 0.0.0.0 ", out);
	/* (the mask keeps nft from taking "ppp" as the link layer of what follows) */
	if (t->shape.conn)
		fprintf(out, "meta %s %s ", h == HOOK_IN ? "iiftype" : "oiftype",
			t->shape.conn == IPP_CCONN_LAN ? "!= { ppp, 65534 }"
						       : "& 0xffff { 512, 65534 }");
	tier_source(c, t, src, sizeof(src));
	snprintf(com, sizeof(com), "%s: ", t->name);
	comment_add(com, sizeof(com), src);
	comment_fit(com);
	if (ipp_ctier_keyless(t)) {
		fprintf(out, "counter %s comment \"%s\"",
			verdict_text(c, t->elems[0].verdict, t->elems[0].clear,
				     h == HOOK_IN ? IPP_CHOOK_IN : IPP_CHOOK_OUT),
			com);
		return;
	}
	key_expr(&t->shape, out);
	fprintf(out, " vmap @%s comment \"%s\"", t->name, com);
}

/* The gate lookup of one side ("@nh,96,16 @gs4"). */
static void gate_expr(int fam, int side, FILE *out)
{
	/* offsets of the addresses in the IPv4 and IPv6 headers, in bits */
	static const unsigned off[2][2] = {{96, 128}, {64, 192}};

	fprintf(out, "@nh,%u,16 @g%c%d", off[fam == 6][side], side ? 'd' : 's', fam);
}

/*
 * Is the flow cache used?  Not with rules of one connection type: their
 * outcome depends on the interface too, which the key leaves out (nft
 * 1.0.6 describes keys of at most five fields).
 */
static bool flow_used(const struct ipp_compiled *c)
{
	size_t i;

	if (!c->opts.flow_cache)
		return false;
	for (i = 0; i < c->ntiers; i++)
		if (c->tiers[i].shape.conn)
			return false;
	return true;
}

/* ---------- cells: the remote address selects the tiers of a local walk ---------- */

/*
 * A local walk past both gates (struct walk: local, SUB_SD) lists every tier
 * that can match a packet of its address: at 100,000 filters, well over a
 * hundred maps, each a lookup for the first packet of a flow.  Cells cut
 * that down.  The remote address space (the source on input, the
 * destination on output) is cut at every boundary of the remote prefixes of
 * the walk's elements whose local side holds the address.  Each piece, a
 * cell, gets the tiers with an element holding it and the tiers with no
 * remote key, in walk order, up to the first that decides every packet of
 * the cell (a map keyed by addresses alone, with such an element; a rule
 * without a key).  The walk chain looks the remote address up in an
 * interval map (WALK_cells) whose elements send each cell to the chain of
 * its list (WALK_cHASH); a cell that only the tiers with no remote key can
 * match is no element: the lookup misses and the walk goes on to them.
 * Those tiers make the tails (WALK_tHASH: from one of them to the last),
 * where the cells' chains end too (a tail per place a chain goes on from,
 * not a chain per tier going to the next: the kernel refuses a path of
 * more than 16 jumps and gotos; a rule without a key is then in several
 * chains, its counts summed as over the walks).  A map's lookup is a jump
 * to a chain of its own (WALK_rHASH, by the hash of the map's name: its
 * rule is replaced in place, cells_line()).  The other chains are named by
 * the FNV-1a hash of their rules (a chain of a name is that chain), so a
 * change of the policy changes only the cells, chains and elements that differ
 * (cells_pre(), cells_post()).  Pieces next to each other become one cell
 * when the tiers of one are all among the other's (a few more lookups for
 * some addresses, a third fewer elements, no chain more); longer lists for
 * more addresses would cost more lookups.  Walks with fewer than CELLS_MIN
 * tiers keyed by the remote address list their tiers as they are.
 *
 * The cells are computed once for the walks of all the host's addresses of
 * a hook, family and protocol (a group, walk_group()), not once per
 * address: the remote boundaries are those of the elements that hold any of
 * the addresses, a cell lists the tiers with such an element, and an
 * element decides a cell only when it holds all of them.  The map and the
 * chains are the group's ("_xl"), the walks of every address look them up,
 * and the map's elements hold every local address (only the group's reach
 * it).  A host of many addresses then costs what a host of one does; its
 * packets may look up a map whose elements are another address's.
 */
#define CELLS_MIN 4

struct cchain {
	uint64_t hash; /* of @text; of the map's name for kind 'r' */
	char kind;     /* 'c' a cell's, 't' a tail, 'r' a map's rule (cells_line()) */
	char *text;    /* its rules, each ended by '\n', without prefix */
};

struct cell {
	uint8_t lo[16], hi[16]; /* network byte order; IPv4 in the first 4 bytes */
	uint32_t chain;		/* index into wcells.ch */
};

/* The cells of one walk. */
struct wcells {
	bool on;
	struct cchain *ch;
	size_t nch, chcap;
	struct cell *v; /* sorted, disjoint */
	size_t n, cap;
	long tail0;	  /* the chain of the first tail, -1: none (the walk ends there) */
	uint32_t *byname; /* indices into @ch by (hash, kind): cchain_find() */
};

static void walk_end(const struct ipp_compiled *c, const struct walk *w, bool fc,
		     const char *prefix, FILE *out);

static void cells_free(struct wcells *wc)
{
	for (size_t i = 0; i < wc->nch; i++)
		free(wc->ch[i].text);
	free(wc->ch);
	free(wc->v);
	free(wc->byname);
	memset(wc, 0, sizeof(*wc));
}

/* (the chains and map of a walk's cells are its group's: walk_group()) */
static void cchain_name(const struct walk *w, const struct cchain *ch, char *buf, size_t len)
{
	struct walk g = walk_group(w);
	char wn[WALK_NAME_MAX];

	walk_name(&g, wn, sizeof(wn));
	snprintf(buf, len, "%s_%c%016llx", wn, ch->kind, (unsigned long long)ch->hash);
}

static void cells_map_name(const struct walk *w, char *buf, size_t len)
{
	struct walk g = walk_group(w);
	char wn[WALK_NAME_MAX];

	walk_name(&g, wn, sizeof(wn));
	snprintf(buf, len, "%s" IPP_NFT_CELLS_SUFFIX, wn);
}

/* @a + 1 over its first @n bytes; false when it wrapped to zero. */
static bool addr_inc(uint8_t *a, size_t n)
{
	while (n-- > 0)
		if (++a[n])
			return true;
	return false;
}

static void addr_dec(uint8_t *a, size_t n)
{
	while (n-- > 0)
		if (a[n]--)
			return;
}

struct cevent {
	uint64_t k[2]; /* @a as two big-endian numbers: sorted as memcmp() would (cevent_key()) */
	uint8_t a[16];
	uint32_t r;   /* index into the remote-keyed tiers */
	int8_t delta; /* +1 an element's prefix starts, -1 it ended before @a */
	bool decides; /* the element decides every packet it holds */
};

static void cevent_key(struct cevent *e)
{
	for (int h = 0; h < 2; h++) {
		uint64_t v = 0;

		for (int i = 0; i < 8; i++)
			v = v << 8 | e->a[8 * h + i];
		e->k[h] = v;
	}
}

/* (the sort of some 100,000 events per walk at each change: numbers, not memcmp()) */
static int cevent_cmp(const void *x, const void *y)
{
	const struct cevent *a = x, *b = y;

	if (a->k[0] != b->k[0])
		return a->k[0] < b->k[0] ? -1 : 1;
	return a->k[1] < b->k[1] ? -1 : a->k[1] > b->k[1];
}

/* A list of tiers a cell walks: @v (tier indices) inline, then @tail. */
struct csig {
	uint64_t h;
	uint32_t *v;
	uint32_t n;
	long
	    tail; /* -2: nothing (an inline tier decides), 0..nd-1: that tail, nd: the walk's end */
	long chain; /* index in wcells.ch, once written */
};

struct cstate {
	struct csig *sig;
	size_t nsig, sigcap;
	long *slot; /* open addressing over @sig, -1 empty */
	size_t nslot;
};

static long csig_find(struct cstate *st, const uint32_t *v, uint32_t n, long tail, int *err)
{
	uint64_t h = IPP_FNV1A_BASIS;
	size_t i;

	for (i = 0; i < n; i++)
		h = ipp_fnv1a_mix(h, v[i]);
	h = ipp_fnv1a_mix(h, (uint64_t)(tail + 3));
	if (2 * (st->nsig + 1) > st->nslot) {
		size_t ns = st->nslot ? 2 * st->nslot : 256;
		long *nv = malloc(ns * sizeof(*nv));

		if (!nv) {
			*err = -ENOMEM;
			return -1;
		}
		for (i = 0; i < ns; i++)
			nv[i] = -1;
		for (i = 0; i < st->nsig; i++) {
			size_t k = st->sig[i].h & (ns - 1);

			while (nv[k] >= 0)
				k = (k + 1) & (ns - 1);
			nv[k] = (long)i;
		}
		free(st->slot);
		st->slot = nv;
		st->nslot = ns;
	}
	for (i = h & (st->nslot - 1); st->slot[i] >= 0; i = (i + 1) & (st->nslot - 1)) {
		const struct csig *s = &st->sig[st->slot[i]];

		if (s->h == h && s->n == n && s->tail == tail &&
		    (n == 0 || !memcmp(s->v, v, n * sizeof(*v))))
			return st->slot[i];
	}
	if (ipp_grow((void **)&st->sig, &st->sigcap, st->nsig + 1, sizeof(*st->sig)) < 0 ||
	    !(st->sig[st->nsig].v = malloc((n + 1) * sizeof(*v)))) {
		*err = -ENOMEM;
		return -1;
	}
	memcpy(st->sig[st->nsig].v, v, n * sizeof(*v));
	st->sig[st->nsig].h = h;
	st->sig[st->nsig].n = n;
	st->sig[st->nsig].tail = tail;
	st->sig[st->nsig].chain = -1;
	st->slot[i] = (long)st->nsig;
	return (long)st->nsig++;
}

/*
 * A chain of @kind with @text (taken) into @wc, named by the hash of @name
 * (NULL: of @text): its index, or -1 (-ENOMEM).
 */
static long cells_add_chain(struct wcells *wc, char kind, char *text, const char *name)
{
	if (!text || ipp_grow((void **)&wc->ch, &wc->chcap, wc->nch + 1, sizeof(*wc->ch)) < 0) {
		free(text);
		return -1;
	}
	wc->ch[wc->nch].kind = kind;
	wc->ch[wc->nch].text = text;
	wc->ch[wc->nch].hash = ipp_fnv1a_str(IPP_FNV1A_BASIS, name ? name : text);
	return (long)wc->nch++;
}

/*
 * Does @t, walked on @w with nothing more, decide every packet of the walk's
 * address an element of it holds?  Not with ports, a protocol or an
 * interface type to match besides; nor "me" on input, whose rule asks the
 * route of the address too (an address of this host can be a broadcast one
 * as well: tier_rule()).
 */
static bool tier_decides(const struct ipp_ctier *t, const struct walk *w)
{
	const struct ipp_cshape *s = &t->shape;

	return !s->sport && !s->dport && !s->pkey && !s->conn &&
	       !(w->hook == HOOK_IN && s->dst_kind == IPP_ADDR_ME);
}

/* The host's addresses of walk @w's family, as bits of c->opts.local. */
static uint32_t group_mask(const struct ipp_compiled *c, const struct walk *w)
{
	uint8_t f = w->fam == 4 ? AF_INET : AF_INET6;
	uint32_t m = 0;

	for (size_t k = 0; k < c->opts.nlocal && k < 32; k++)
		if (c->opts.local[k].family == f)
			m |= 1u << k;
	return m;
}

/*
 * Which of the addresses @gm (bits of c->opts.local) the local side of @e
 * (of @t, on walk @w's hook, which @t is on) holds.
 */
static uint32_t elem_holds(const struct ipp_compiled *c, const struct ipp_ctier *t,
			   const struct ipp_celem *e, const struct walk *w, uint32_t gm)
{
	return ipp_celem_cover(c, t, e, w->hook == HOOK_OUT) & gm;
}

/*
 * The line of tier @ti of @c in the chains of walk @w's cells, written into
 * @ttext[@ti] the first time it is wanted (a tier is in many cells' chains);
 * NULL: -ENOMEM.  A map's lookup is a jump to a chain of its own (kind 'r',
 * added to @wc) that holds it: the kernel walks every element of a verdict
 * map for each rule that looks it up whenever it checks the table's jumps
 * (at every transaction that adds one), and a chain it has checked once in
 * a transaction it does not check again, so the map is walked once per walk,
 * not once per cell.  A rule with no map (a keyless tier) is the line itself.
 */
static const char *cells_line(const struct ipp_compiled *c, const struct walk *w, struct wcells *wc,
			      char **ttext, uint32_t ti)
{
	char *t = NULL, *rt, name[WALK_NAME_MAX + 24];
	size_t tl = 0;
	FILE *tf;
	long ch;

	if (ttext[ti])
		return ttext[ti];
	if (!(tf = open_memstream(&t, &tl)))
		return NULL;
	tier_rule(c, &c->tiers[ti], w->hook, w->fam, tf);
	if (fclose(tf) != 0) {
		free(t);
		return NULL;
	}
	if (ipp_ctier_keyless(&c->tiers[ti]))
		return ttext[ti] = t;
	ch = asprintf(&rt, "%s\n", t) < 0 ? -1 : cells_add_chain(wc, 'r', rt, c->tiers[ti].name);
	free(t);
	if (ch < 0)
		return NULL;
	cchain_name(w, &wc->ch[ch], name, sizeof(name));
	if (asprintf(&t, "jump %s", name) < 0)
		return NULL;
	return ttext[ti] = t;
}

/*
 * The lines of tiers @v (@n indices) of @c on walk @w (cells_line()), then
 * @last, then the walk's end when @end, as one text (free()); NULL: -ENOMEM.
 */
static char *cells_text(const struct ipp_compiled *c, const struct walk *w, struct wcells *wc,
			char **ttext, const uint32_t *v, uint32_t n, const char *last, bool end)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool bad = false;

	if (!f)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		const char *l = cells_line(c, w, wc, ttext, v[i]);

		if (!l) {
			bad = true;
			break;
		}
		fputs(l, f);
		fputc('\n', f);
	}
	if (last)
		fprintf(f, "%s\n", last);
	if (end)
		walk_end(c, w, flow_used(c), "", f);
	if (fclose(f) != 0 || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * A group of pieces, @glo to @ghi, into @wc: the remote-keyed tiers @gu
 * (@gn indices into @r, in walk order) with the tiers with no remote key
 * (@d, @nd) walked before the last of them, then the tails when @gtail; no
 * element when it has no remote-keyed tier (the walk goes on to the tails).
 * A piece with fewer tiers than its group still walks them in order: the
 * others have no element holding its addresses.  @ulist: room for the list.
 * -ENOMEM.
 */
static int cells_group(struct wcells *wc, struct cstate *st, const uint32_t *r, const uint32_t *gu,
		       uint32_t gn, bool gtail, const uint32_t *d, size_t nd, const uint8_t *glo,
		       const uint8_t *ghi, size_t alen, uint32_t *ulist)
{
	uint32_t n = 0, a = 0;
	size_t b = 0;
	long sig;
	int err = 0;
	struct cell *last = wc->n ? &wc->v[wc->n - 1] : NULL;

	if (gn == 0)
		return 0;
	while (a < gn) {
		if (b < nd && d[b] < r[gu[a]])
			ulist[n++] = d[b++];
		else
			ulist[n++] = r[gu[a++]];
	}
	sig = csig_find(st, ulist, n, gtail ? (long)b : -2, &err);
	if (sig < 0)
		return -ENOMEM;
	if (last && last->chain == (uint32_t)sig) {
		uint8_t x[16];

		memcpy(x, last->hi, 16);
		if (addr_inc(x, alen) && !memcmp(x, glo, 16)) {
			memcpy(last->hi, ghi, 16);
			return 0;
		}
	}
	if (ipp_grow((void **)&wc->v, &wc->cap, wc->n + 1, sizeof(*wc->v)) < 0)
		return -ENOMEM;
	memcpy(wc->v[wc->n].lo, glo, 16);
	memcpy(wc->v[wc->n].hi, ghi, 16);
	wc->v[wc->n++].chain = (uint32_t)sig;
	return 0;
}

/* Chains in the order of their names: (hash, kind). */
static int cchain_cmp(const struct cchain *a, const struct cchain *b)
{
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return (a->kind > b->kind) - (a->kind < b->kind);
}

static int byname_cmp(const void *x, const void *y, void *ctx)
{
	const struct cchain *ch = ctx;

	return cchain_cmp(&ch[*(const uint32_t *)x], &ch[*(const uint32_t *)y]);
}

/* @wc->byname, for cchain_find(); -ENOMEM. */
static int cells_index(struct wcells *wc)
{
	if (!(wc->byname = malloc((wc->nch + 1) * sizeof(*wc->byname))))
		return -ENOMEM;
	for (size_t i = 0; i < wc->nch; i++)
		wc->byname[i] = (uint32_t)i;
	qsort_r(wc->byname, wc->nch, sizeof(*wc->byname), byname_cmp, wc->ch);
	return 0;
}

/*
 * The cells of walk @w of @c into @wc (cells_free()); wc->on false when the
 * walk lists its tiers as they are.  -ENOMEM.
 */
static int cells_compute(const struct ipp_compiled *c, const struct walk *w, struct wcells *wc)
{
	unsigned rside = w->hook == HOOK_IN ? 1u : 2u; /* tier_keys() bit of the remote side */
	size_t alen = w->fam == 4 ? 4 : 16, i, j, nd = 0, nr = 0, nev = 0, evcap = 0;
	int err = 0;
	uint32_t gm = w->local ? group_mask(c, w) : 0, held;
	uint32_t *d = NULL, *r = NULL, *cnt = NULL, *dcnt = NULL, *act = NULL, *list = NULL;
	/* the group of pieces being merged: its tiers (indices into r), whether a piece of it
	 * goes on to the tails, its addresses */
	uint32_t *gu = NULL, *stamp = NULL, *ulist = NULL, gn = 0, gen = 1;
	char **ttext = NULL; /* per tier: its line in the cells' chains (cells_line()) */
	bool gopen = false, gtail = false;
	uint8_t glo[16] = {0}, ghi[16] = {0};
	bool *ddec = NULL;
	size_t dcut = SIZE_MAX, nact = 0;
	struct cevent *ev = NULL;
	struct cstate st = {0};
	uint8_t prev[16] = {0};
	char name[WALK_NAME_MAX + 24], line[WALK_NAME_MAX + 40];

	memset(wc, 0, sizeof(*wc));
	wc->tail0 = -1;
	if (!c->opts.cells || !w->local || w->sub != SUB_SD || !gm || !c->lcov)
		return 0;
	d = calloc(c->ntiers + 1, sizeof(*d));
	r = calloc(c->ntiers + 1, sizeof(*r));
	ddec = calloc(c->ntiers + 1, sizeof(*ddec));
	if (!d || !r || !ddec)
		goto nomem;
	/* the walk's tiers: with no remote key (d, cut after the first that decides), with
	 * one (r, up to that cut) */
	for (i = 0; i < c->ntiers && dcut == SIZE_MAX; i++) {
		const struct ipp_ctier *t = &c->tiers[i];

		/* (a tier a deletion in place emptied holds nothing: not walked) */
		if (!tier_in_walk(t, w) || !(c->lcov[2 * i + (w->hook == HOOK_OUT)] & gm) ||
		    (tier_keys(t) & rside) || !t->nelems)
			continue;
		/* (a rule without a key that does not decide every packet may be in many
		 * cells' chains: its counts are summed, as over the walks it is in) */
		if (ipp_ctier_keyless(t)) {
			ddec[nd] = tier_decides(t, w);
		} else if (tier_decides(t, w)) {
			/* (for every address an element: not necessarily the same one) */
			for (j = 0, held = 0; j < t->nelems && held != gm; j++)
				held |= elem_holds(c, t, &t->elems[j], w, gm);
			ddec[nd] = held == gm;
		}
		d[nd++] = (uint32_t)i;
		if (ddec[nd - 1])
			dcut = i;
	}
	for (i = 0; i < c->ntiers && i < dcut; i++)
		if (tier_in_walk(&c->tiers[i], w) &&
		    (c->lcov[2 * i + (w->hook == HOOK_OUT)] & gm) &&
		    (tier_keys(&c->tiers[i]) & rside) && c->tiers[i].nelems)
			r[nr++] = (uint32_t)i;
	if (nr < CELLS_MIN)
		goto off;
	/* the remote prefixes of the elements that hold the local address */
	for (j = 0; j < nr; j++) {
		const struct ipp_ctier *t = &c->tiers[r[j]];
		uint8_t plen = rside == 1 ? t->shape.src_plen : t->shape.dst_plen;
		bool dec = tier_decides(t, w);

		for (i = 0; i < t->nelems; i++) {
			const struct ipp_celem *e = &t->elems[i];
			const uint8_t *k = rside == 1 ? e->key.src : e->key.dst;
			uint32_t h = elem_holds(c, t, e, w, gm);
			/* (it decides the cell for the addresses it holds: for the group, when it
			 * holds all of them) */
			struct cevent a = {.r = (uint32_t)j, .delta = 1, .decides = dec && h == gm};
			unsigned b;

			if (!h)
				continue;
			memcpy(a.a, k, alen);
			if (ipp_grow((void **)&ev, &evcap, nev + 2, sizeof(*ev)) < 0)
				goto nomem;
			cevent_key(&a);
			ev[nev++] = a;
			for (b = plen; b < 8 * alen; b++)
				a.a[b / 8] |= (uint8_t)(0x80u >> (b % 8));
			a.delta = -1;
			if (addr_inc(a.a, alen)) { /* (past the end of the space: no end) */
				cevent_key(&a);
				ev[nev++] = a;
			}
		}
	}
	if (nev > 1)
		qsort(ev, nev, sizeof(*ev), cevent_cmp);
	cnt = calloc(nr + 1, sizeof(*cnt));
	dcnt = calloc(nr + 1, sizeof(*dcnt));
	act = calloc(nr + 1, sizeof(*act));
	list = calloc(nr + nd + 1, sizeof(*list));
	gu = calloc(nr + 1, sizeof(*gu));
	ttext = calloc(c->ntiers + 1, sizeof(*ttext));
	stamp = calloc(nr + 1, sizeof(*stamp));
	ulist = calloc(nr + nd + 1, sizeof(*ulist));
	if (!cnt || !dcnt || !act || !list || !gu || !stamp || !ulist || !ttext)
		goto nomem;
	wc->on = true;
	for (i = 0; i <= nev; i++) {
		/* the piece from @prev to the next boundary: the remote-keyed tiers active now,
		 * up to the first that decides (then no tail), into the group */
		if (i == nev || memcmp(ev[i].a, prev, 16)) {
			uint32_t sn = 0, fresh = 0;
			size_t a = 0, b = 0;
			bool tail = true;
			uint8_t hi[16] = {0};

			for (;;) {
				bool ra = a < nact, db = b < nd;

				if (ra && (!db || r[act[a]] < d[b])) {
					list[sn++] = act[a];
					if (dcnt[act[a]]) {
						tail = false;
						break;
					}
					a++;
				} else if (db && !ddec[b] && a < nact) {
					b++;
				} else {
					break;
				}
			}
			if (i < nev) {
				memcpy(hi, ev[i].a, 16);
				addr_dec(hi, alen);
			} else {
				memset(hi, 0xff, alen);
			}
			for (j = 0; j < sn; j++)
				fresh += stamp[list[j]] != gen;
			/* merged when one holds the other's tiers: the cell takes the larger
			 * list, a chain there is anyway (a longer list for more cells would
			 * cost their packets more lookups) */
			if (!gopen || (gn + fresh != gn && gn + fresh != sn) || gtail != tail ||
			    (sn == 0) != (gn == 0)) {
				if (gopen && cells_group(wc, &st, r, gu, gn, gtail, d, nd, glo, ghi,
							 alen, ulist) < 0)
					goto nomem;
				gopen = true;
				gn = 0;
				gtail = false;
				gen++;
				memcpy(glo, prev, 16);
			}
			for (j = 0; j < sn; j++)
				if (stamp[list[j]] != gen) {
					size_t p = gn++;

					stamp[list[j]] = gen;
					while (p > 0 && gu[p - 1] > list[j]) {
						gu[p] = gu[p - 1];
						p--;
					}
					gu[p] = list[j];
				}
			gtail = tail;
			memcpy(ghi, hi, 16);
			if (i == nev)
				break;
			memcpy(prev, ev[i].a, 16);
		}
		/* the boundary's events */
		{
			uint32_t x = ev[i].r;

			if (ev[i].delta > 0) {
				if (cnt[x]++ == 0) {
					size_t p = nact;

					while (p > 0 && act[p - 1] > x) {
						act[p] = act[p - 1];
						p--;
					}
					act[p] = x;
					nact++;
				}
				dcnt[x] += ev[i].decides;
			} else {
				if (--cnt[x] == 0) {
					size_t p = 0;

					while (act[p] != x)
						p++;
					memmove(&act[p], &act[p + 1],
						(nact - p - 1) * sizeof(*act));
					nact--;
				}
				dcnt[x] -= ev[i].decides;
			}
		}
	}
	if (gopen && cells_group(wc, &st, r, gu, gn, gtail, d, nd, glo, ghi, alen, ulist) < 0)
		goto nomem;
	/*
	 * The tails: from each place j of the tiers with no remote key that a chain
	 * goes on from, those tiers to the end, in one chain (a chain of chains, one
	 * per tier, would be as deep as there are tiers: the kernel refuses jumps
	 * more than 16 deep, and counts gotos among them).
	 */
	{
		long *tail_ch = calloc(nd + 1, sizeof(*tail_ch));

		if (!tail_ch)
			goto nomem;
		for (j = 0; j < nd; j++)
			tail_ch[j] = j == 0 ? 1 : 0; /* (used: the walk's own miss goes to 0) */
		for (i = 0; i < st.nsig; i++)
			if (st.sig[i].tail >= 0 && st.sig[i].tail < (long)nd)
				tail_ch[st.sig[i].tail] = 1;
		for (j = 0; j < nd; j++) {
			if (!tail_ch[j]) {
				tail_ch[j] = -1;
				continue;
			}
			tail_ch[j] =
			    cells_add_chain(wc, 't',
					    cells_text(c, w, wc, ttext, &d[j], (uint32_t)(nd - j),
						       NULL, !ddec[nd - 1]),
					    NULL);
			if (tail_ch[j] < 0) {
				free(tail_ch);
				goto nomem;
			}
		}
		wc->tail0 = nd ? tail_ch[0] : -1;
		/* the cells' chains, in the order of their first cell */
		for (i = 0; i < wc->n; i++) {
			struct csig *s = &st.sig[wc->v[i].chain];
			long ch;

			if (s->chain < 0) {
				if (s->tail >= 0 && s->tail < (long)nd) {
					cchain_name(w, &wc->ch[tail_ch[s->tail]], name,
						    sizeof(name));
					snprintf(line, sizeof(line), "goto %s", name);
				}
				ch = cells_add_chain(
				    wc, 'c',
				    cells_text(c, w, wc, ttext, s->v, s->n,
					       s->tail >= 0 && s->tail < (long)nd ? line : NULL,
					       s->tail == (long)nd),
				    NULL);
				if (ch < 0) {
					free(tail_ch);
					goto nomem;
				}
				s->chain = ch;
			}
			wc->v[i].chain = (uint32_t)s->chain;
		}
		free(tail_ch);
	}
	if (cells_index(wc) < 0)
		goto nomem;
	goto out;
off:
	wc->on = false;
	goto out;
nomem:
	cells_free(wc);
	err = -ENOMEM;
out:
	for (i = 0; i < st.nsig; i++)
		free(st.sig[i].v);
	free(st.sig);
	free(st.slot);
	free(ev);
	free(d);
	free(r);
	free(ddec);
	free(cnt);
	free(dcnt);
	free(act);
	free(list);
	free(gu);
	free(stamp);
	free(ulist);
	for (i = 0; ttext && i < c->ntiers; i++)
		free(ttext[i]);
	free(ttext);
	return err;
}

/* The rules of @text (lines), each prefixed by @prefix. */
static void print_lines(const char *prefix, const char *text, FILE *out)
{
	const char *p = text, *nl;

	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		fprintf(out, "%s%.*s\n", prefix, (int)(nl - p), p);
		if (!*nl)
			break;
	}
}

/* "A" or "A-B" of the range @lo to @hi of family @fam into @buf. */
static void range_text(int fam, const uint8_t *lo, const uint8_t *hi, char *buf, size_t len)
{
	int f = fam == 4 ? AF_INET : AF_INET6;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(f, lo, a, sizeof(a));
	inet_ntop(f, hi, b, sizeof(b));
	if (!memcmp(lo, hi, fam == 4 ? 4 : 16))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s-%s", a, b);
}

/* A cell's key: its remote range, and every local address (only the group's look it up). */
static void cell_addr(const struct walk *w, const struct cell *x, char *buf, size_t len)
{
	char r[2 * INET6_ADDRSTRLEN + 2];

	range_text(w->fam, x->lo, x->hi, r, sizeof(r));
	snprintf(buf, len, "%s . %s", r,
		 w->fam == 4 ? "0.0.0.0-255.255.255.255"
			     : "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

/* Elements of the cells map: @v of @wc, each "ADDR : goto CHAIN" (or ADDR alone). */
static void cells_elements(const struct walk *w, const struct wcells *wc,
			   const struct cell *const *v, size_t n, bool verdict, const char *ind,
			   FILE *out)
{
	char a[4 * INET6_ADDRSTRLEN + 8], name[WALK_NAME_MAX + 24];

	for (size_t i = 0; i < n; i++) {
		cell_addr(w, v[i], a, sizeof(a));
		if (verdict) {
			cchain_name(w, &wc->ch[v[i]->chain], name, sizeof(name));
			fprintf(out, "%s%s : goto %s,\n", ind, a, name);
		} else {
			fprintf(out, "%s%s,\n", ind, a);
		}
	}
}

static void cells_map_head(const struct walk *w, const char *ind, FILE *out)
{
	const char *t = w->fam == 4 ? "ipv4_addr" : "ipv6_addr";

	fprintf(out,
		"%stype %s . %s : verdict\n%sflags interval\n%scomment \"cells: the tiers that "
		"can match, by the %s address and the local one\"\n",
		ind, t, t, ind, ind, w->hook == HOOK_IN ? "source" : "destination");
}

/* The cells' chains and map of @w, declared in a table block (before the walk's chain). */
static void cells_declare(const struct walk *w, const struct wcells *wc, FILE *out)
{
	char name[WALK_NAME_MAX + 24];
	size_t i;

	/* tails were added last first: each after the one it goes to */
	for (i = 0; i < wc->nch; i++) {
		cchain_name(w, &wc->ch[i], name, sizeof(name));
		fprintf(out, "\tchain %s {\n", name);
		print_lines("\t\t", wc->ch[i].text, out);
		fprintf(out, "\t}\n");
	}
	cells_map_name(w, name, sizeof(name));
	fprintf(out, "\tmap %s {\n", name);
	cells_map_head(w, "\t\t", out);
	if (wc->n) {
		fprintf(out, "\t\telements = {\n");
		for (i = 0; i < wc->n; i++) {
			const struct cell *x = &wc->v[i];

			cells_elements(w, wc, &x, 1, true, "\t\t\t", out);
		}
		fprintf(out, "\t\t}\n");
	}
	fprintf(out, "\t}\n");
}

/* The walk chain's own rules when it has cells: the lookup, then the first tail. */
static void cells_walk_rules(const struct ipp_compiled *c, const struct walk *w,
			     const struct wcells *wc, const char *prefix, FILE *out)
{
	char name[WALK_NAME_MAX + 24];

	cells_map_name(w, name, sizeof(name));
	fprintf(out, "%s%s %s . %s %s vmap @%s comment \"cells\"\n", prefix,
		w->fam == 4 ? "ip" : "ip6", w->hook == HOOK_IN ? "saddr" : "daddr",
		w->fam == 4 ? "ip" : "ip6", w->hook == HOOK_IN ? "daddr" : "saddr", name);
	if (wc->tail0 >= 0) {
		cchain_name(w, &wc->ch[wc->tail0], name, sizeof(name));
		fprintf(out, "%sgoto %s\n", prefix, name);
	} else {
		walk_end(c, w, flow_used(c), prefix, out);
	}
}

/* The chain of @wc of @ch's name, or NULL (a change compares thousands with thousands). */
static const struct cchain *cchain_find(const struct wcells *wc, const struct cchain *ch)
{
	size_t lo = 0, hi = wc && wc->on ? wc->nch : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cchain *x = &wc->ch[wc->byname[mid]];
		int cmp = cchain_cmp(x, ch);

		if (cmp == 0)
			return x;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool cchain_in(const struct wcells *wc, const struct cchain *ch)
{
	return cchain_find(wc, ch) != NULL;
}

static bool cell_same(const struct wcells *a, const struct cell *x, const struct wcells *b,
		      const struct cell *y)
{
	return !memcmp(x->lo, y->lo, 16) && !memcmp(x->hi, y->hi, 16) &&
	       a->ch[x->chain].hash == b->ch[y->chain].hash &&
	       a->ch[x->chain].kind == b->ch[y->chain].kind;
}

/*
 * A change of walk @w's cells from @o (NULL or off: none) to @n, before its
 * chain is rewritten: the new chains, the map or its elements.  -ENOMEM.
 */
static int cells_pre(const struct walk *w, const struct wcells *o, const struct wcells *n,
		     FILE *out)
{
	char name[WALK_NAME_MAX + 24], map[WALK_NAME_MAX + 24], prefix[2 * WALK_NAME_MAX + 64];
	const struct cell **del = NULL, **add = NULL;
	size_t i, j, nd = 0, na = 0;

	if (!n || !n->on)
		return 0;
	for (i = 0; i < n->nch; i++)
		if (!cchain_in(o, &n->ch[i])) {
			cchain_name(w, &n->ch[i], name, sizeof(name));
			fprintf(out, "add chain %s %s\n", TABLE, name);
		}
	for (i = 0; i < n->nch; i++) {
		const struct cchain *was = cchain_find(o, &n->ch[i]);

		/* (a map's chain is named by the map: its rule changes in place, its comment
		 * with the rules that fill the map, and no chain that jumps to it changes) */
		if (was && !strcmp(was->text, n->ch[i].text))
			continue;
		cchain_name(w, &n->ch[i], name, sizeof(name));
		if (was)
			fprintf(out, "flush chain %s %s\n", TABLE, name);
		snprintf(prefix, sizeof(prefix), "add rule %s %s ", TABLE, name);
		print_lines(prefix, n->ch[i].text, out);
	}
	cells_map_name(w, map, sizeof(map));
	if (!o || !o->on) {
		fprintf(out, "add map %s %s {\n", TABLE, map);
		cells_map_head(w, "\t", out);
		fprintf(out, "}\n");
	}
	del = calloc((o && o->on ? o->n : 0) + 1, sizeof(*del));
	add = calloc(n->n + 1, sizeof(*add));
	if (!del || !add) {
		free(del);
		free(add);
		return -ENOMEM;
	}
	/* both sorted by address: what differs */
	for (i = 0, j = 0; (o && o->on && i < o->n) || j < n->n;) {
		int cmp;

		if (!o || !o->on || i == o->n)
			cmp = 1;
		else if (j == n->n)
			cmp = -1;
		else if (cell_same(o, &o->v[i], n, &n->v[j]))
			cmp = 0;
		else
			cmp = memcmp(o->v[i].lo, n->v[j].lo, 16) <= 0 ? -1 : 1;
		if (cmp == 0) {
			i++;
			j++;
		} else if (cmp < 0) {
			del[nd++] = &o->v[i++];
		} else {
			add[na++] = &n->v[j++];
		}
	}
	if (nd) {
		fprintf(out, "delete element %s %s {\n", TABLE, map);
		cells_elements(w, o, del, nd, false, "\t", out);
		fprintf(out, "}\n");
	}
	if (na) {
		fprintf(out, "add element %s %s {\n", TABLE, map);
		cells_elements(w, n, add, na, true, "\t", out);
		fprintf(out, "}\n");
	}
	free(del);
	free(add);
	return 0;
}

/*
 * After walk @w's chain was rewritten (or deleted): the map when the walk has
 * no cells any more, the chains no cell goes to.
 */
static void cells_post(const struct walk *w, const struct wcells *o, const struct wcells *n,
		       FILE *out)
{
	char name[WALK_NAME_MAX + 24];
	size_t i;

	if (!o || !o->on)
		return;
	if (!n || !n->on) {
		cells_map_name(w, name, sizeof(name));
		/* its elements first: they hold the chains deleted below, which a kernel
		 * that releases a deleted map's references only at the commit would keep */
		if (o->n) {
			const struct cell **all = calloc(o->n, sizeof(*all));

			if (all) {
				for (i = 0; i < o->n; i++)
					all[i] = &o->v[i];
				fprintf(out, "delete element %s %s {\n", TABLE, name);
				cells_elements(w, o, all, o->n, false, "\t", out);
				fprintf(out, "}\n");
				free(all);
			}
		}
		fprintf(out, "delete map %s %s\n", TABLE, name);
	}
	/* all flushed first: a chain can only go when nothing goes to it any more (the
	 * flush also tells the counter reader which rules' counts to carry) */
	for (int k = 0; k < 2; k++)
		for (i = 0; i < o->nch; i++)
			if (!cchain_in(n, &o->ch[i])) {
				cchain_name(w, &o->ch[i], name, sizeof(name));
				fprintf(out, "%s chain %s %s\n", k ? "delete" : "flush", TABLE,
					name);
			}
}

/*
 * Every rule of walk chain @w, each line prefixed by @prefix.  @wc: its
 * cells (cells_compute()), or NULL to have them computed when it has any.
 */
static int walk_rules(const struct ipp_compiled *c, const struct walk *w, const struct wcells *wc,
		      const char *prefix, FILE *out)
{
	unsigned keys = walk_keys(c, w);
	bool fc = flow_used(c); /* every walk uses the cache, when the table has one */
	char name[WALK_NAME_MAX];
	int lk = w->local ? walk_local(c, w) : -1;
	size_t i;

	/*
	 * A walk of nothing (no gate, no filter) is not worth a look at the
	 * cache, except for TCP and UDP: the base chain has looked them up
	 * already, and once remembered as permitted their next packets cost
	 * that one lookup instead of its misses and the rest of the way here.
	 */
	if (fc && !keys && !base_proto(w->proto)) {
		fc = false;
		for (i = 0; i < c->ntiers && !fc; i++)
			fc = tier_in_walk(&c->tiers[i], w);
	}
	if (w->proto == 0 && w->sub == SUB_BASE) {
		uint8_t map[32];
		unsigned p, n = 0;

		walk_protos(c, w->hook, w->fam, map);
		for (p = 1; p < 256; p++)
			n += has_proto(map, p) && !base_proto(p);
		if (n > 0 && n <= 3) {
			for (p = 1; p < 256; p++) {
				struct walk pw = {
				    .hook = w->hook, .fam = w->fam, .proto = (uint8_t)p};

				if (!has_proto(map, p) || base_proto(p))
					continue;
				walk_name(&pw, name, sizeof(name));
				fprintf(out, "%smeta l4proto %u goto %s\n", prefix, p, name);
			}
		} else if (n > 3) {
			bool first = true;

			fprintf(out, "%smeta l4proto vmap {", prefix);
			for (p = 1; p < 256; p++) {
				struct walk pw = {
				    .hook = w->hook, .fam = w->fam, .proto = (uint8_t)p};

				if (!has_proto(map, p) || base_proto(p))
					continue;
				walk_name(&pw, name, sizeof(name));
				fprintf(out, "%s %u : goto %s", first ? "" : ",", p, name);
				first = false;
			}
			fputs(" }\n", out);
		}
	}
	/*
	 * The flow cache, before anything is walked (a protocol with its own
	 * chain has left the family chain by now): every verdict of the walk
	 * fills it, so every packet that reaches a walk must be looked up
	 * first, or the cache would count its packets a second time without
	 * ever answering them.  TCP and UDP by 5-tuple, in the base chain
	 * before they come here (fc_fast_rules()); the other protocols here, by
	 * addresses and protocol (TCP and UDP never reach the family chain).
	 */
	if (fc && w->sub == SUB_BASE && !base_proto(w->proto)) {
		fc_name(fc_hit_index(w->fam, w->hook), 0, true, name, sizeof(name));
		fprintf(out, "%sjump %s\n", prefix, name);
	}
	/*
	 * IKE is never filtered: what comes to the IKE daemon's ports, what
	 * leaves from them (a packet *from* port 500 to any other port of this
	 * host is filtered: the exemption is no way past the policy).  What
	 * leaves from them only from root's sockets, the IKE daemon's: port 4500
	 * is no privileged port, and any user's program bound to it would
	 * otherwise send past the policy.  After the cache, which never holds it
	 * (only walked packets go into it), so that cached flows skip this lookup.
	 */
	if (w->proto == IPPROTO_UDP && w->sub == SUB_BASE && c->opts.exempt_ike)
		fprintf(out, "%sudp %s { 500, 4500 }%s accept comment \"exempt: IKE\"\n", prefix,
			w->hook == HOOK_IN ? "dport" : "sport",
			w->hook == HOOK_IN ? "" : " meta skuid 0");
	/* what ipsecexempt 0 to 2 exempt besides, in either direction (Windows' default
	 * exemptions: a way past the policy that the administrator chose) */
	if (w->sub == SUB_BASE && ipp_exempt_kerberos_rsvp(c->opts.ipsecexempt) &&
	    (w->proto == IPPROTO_TCP || w->proto == IPPROTO_UDP)) {
		const char *l4 = w->proto == IPPROTO_TCP ? "tcp" : "udp";

		fprintf(out, "%s%s sport 88 accept comment \"exempt: Kerberos (ipsecexempt %u)\"\n",
			prefix, l4, c->opts.ipsecexempt);
		fprintf(out, "%s%s dport 88 accept comment \"exempt: Kerberos (ipsecexempt %u)\"\n",
			prefix, l4, c->opts.ipsecexempt);
	}
	if (w->sub == SUB_BASE && ipp_exempt_group(c->opts.ipsecexempt) && w->proto != IPPROTO_TCP)
		fprintf(
		    out,
		    "%s%s accept comment \"exempt: multicast and broadcast (ipsecexempt %u)\"\n",
		    prefix, w->fam == 4 ? "fib daddr type @" FIB_GROUP : "ip6 daddr ff00::/8",
		    c->opts.ipsecexempt);
	/*
	 * The local address: a walk of its own when it is one of this host's
	 * the table knows (the packet's other fields may still lead nowhere: the
	 * gate of the other side then, as below).  The local side passed its
	 * gate then: a tier of that walk has an element for it, or no key there.
	 */
	if (w->sub == SUB_BASE && !w->local && (keys & (w->hook == HOOK_IN ? 2u : 1u))) {
		uint8_t f = w->fam == 4 ? AF_INET : AF_INET6;
		bool first = true;
		size_t k;

		for (k = 0; k < c->opts.nlocal; k++) {
			struct walk lw = *w;
			char ip[INET6_ADDRSTRLEN];

			if (c->opts.local[k].family != f)
				continue;
			lw.local = true;
			lw.sub = w->hook == HOOK_IN ? SUB_D : SUB_S;
			memcpy(lw.lip, c->opts.local[k].ip, 16);
			walk_name(&lw, name, sizeof(name));
			inet_ntop(f, c->opts.local[k].ip, ip, sizeof(ip));
			if (first)
				fprintf(out, "%s%s %s vmap {", prefix, w->fam == 4 ? "ip" : "ip6",
					w->hook == HOOK_IN ? "daddr" : "saddr");
			fprintf(out, "%s %s : goto %s", first ? "" : ",", ip, name);
			first = false;
		}
		if (!first)
			fputs(" } comment \"local address\"\n", out);
	}
	/* a local walk: the other side's gate */
	if (w->local && w->sub == SUB_D && (keys & 1u)) {
		struct walk gw = *w;

		gw.sub = SUB_SD;
		walk_name(&gw, name, sizeof(name));
		fputs(prefix, out);
		gate_expr(w->fam, 0, out);
		fprintf(out, " goto %s\n", name);
	}
	/* the gates: X -> X_s (source passed) or X_d (destination), X_s -> X_sd */
	if (w->sub == SUB_BASE || w->sub == SUB_S) {
		static const enum sub next[2][2] = {{SUB_S, SUB_D}, {SUB_SD, SUB_SD}};
		int side;

		for (side = (w->sub == SUB_S); side < 2; side++) {
			struct walk gw = *w;

			if (!(keys & (1u << side)))
				continue;
			gw.sub = next[w->sub == SUB_S][side];
			walk_name(&gw, name, sizeof(name));
			fputs(prefix, out);
			gate_expr(w->fam, side, out);
			fprintf(out, " goto %s\n", name);
		}
	}
	if (w->local && w->sub == SUB_SD) {
		struct wcells own;

		if (!wc) {
			bool on;

			if (cells_compute(c, w, &own) < 0)
				return -ENOMEM;
			if ((on = own.on))
				cells_walk_rules(c, w, &own, prefix, out);
			cells_free(&own);
			if (on)
				return 0;
		} else if (wc->on) {
			cells_walk_rules(c, w, wc, prefix, out);
			return 0;
		}
	}
	for (i = 0; i < c->ntiers; i++) {
		if (!tier_in_walk(&c->tiers[i], w) || (w->local && !tier_local(c, i, w, lk)))
			continue;
		fputs(prefix, out);
		tier_rule(c, &c->tiers[i], w->hook, w->fam, out);
		fputc('\n', out);
	}
	walk_end(c, w, fc, prefix, out);
	return 0;
}

/* The end of walk @w: it found nothing.  @fc: the walk fills the flow cache. */
static void walk_end(const struct ipp_compiled *c, const struct walk *w, bool fc,
		     const char *prefix, FILE *out)
{
	/* the walk found nothing: permitted, and remembered as such; or what the fixed mode
	 * of the rest does with it, never remembered */
	if (c->opts.rest)
		fprintf(out, "%smeta nfproto vmap @%s comment \"no filter matches\"\n", prefix,
			w->hook == HOOK_IN ? ALIVE_MAP "_rest_in" : ALIVE_MAP "_rest_out");
	else if (fc)
		fprintf(out, "%sgoto permit comment \"no filter matches\"\n", prefix);
	else
		fprintf(out, "%smeta nfproto vmap @" ALIVE_MAP " comment \"no filter matches\"\n",
			prefix);
	if ((c->opts.rest || !fc) && c->opts.diagnostics)
		/* the liveness lookup missed: a table on its way out */
		fprintf(out, "%slog prefix \"%s %s %s replaced\" group %u snaplen %u\n", prefix,
			IPP_NFLOG_PREFIX, ipp_mode_name(IPP_MODE_SECURE),
			w->hook == HOOK_IN ? "in" : "out", IPP_NFLOG_GROUP, IPP_NFLOG_SNAPLEN);
}

/*
 * The walk chains of @c that are used, each after the chains it goes to:
 * per hook and family the protocol chains, then the family chain; per
 * chain X: X_sd, X_d, X_s, X.
 */
static size_t list_walks(const struct ipp_compiled *c, struct walk *v)
{
	static const enum hook hooks[] = {HOOK_IN, HOOK_OUT};
	static const int fams[] = {4, 6};
	size_t n = 0, i, j, k;
	unsigned p;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			uint8_t map[32];

			walk_protos(c, hooks[i], fams[j], map);
			for (p = 0; p < 256; p++) {
				/* the protocols with chains, then the family chain (0) last */
				unsigned proto = p == 255 ? 0 : p + 1;
				struct walk w = {
				    .hook = hooks[i], .fam = fams[j], .proto = (uint8_t)proto};
				unsigned keys;

				if (proto && !has_proto(map, proto))
					continue;
				keys = walk_keys(c, &w);
				if (keys == 3)
					v[n++] = (struct walk){.hook = w.hook,
							       .fam = w.fam,
							       .proto = w.proto,
							       .sub = SUB_SD};
				if (keys & 2)
					v[n++] = (struct walk){.hook = w.hook,
							       .fam = w.fam,
							       .proto = w.proto,
							       .sub = SUB_D};
				if (keys & 1)
					v[n++] = (struct walk){.hook = w.hook,
							       .fam = w.fam,
							       .proto = w.proto,
							       .sub = SUB_S};
				/* the local addresses' walks (walk_rules()) */
				for (k = 0;
				     k < c->opts.nlocal && (keys & (hooks[i] == HOOK_IN ? 2u : 1u));
				     k++) {
					struct walk lw = w;

					if (c->opts.local[k].family !=
					    (fams[j] == 4 ? AF_INET : AF_INET6))
						continue;
					lw.local = true;
					memcpy(lw.lip, c->opts.local[k].ip, 16);
					if (keys == 3) {
						lw.sub = SUB_SD;
						v[n++] = lw;
					}
					lw.sub = hooks[i] == HOOK_IN ? SUB_D : SUB_S;
					v[n++] = lw;
				}
				v[n++] = w;
			}
		}
	}
	return n;
}

#define MAX_WALKS (4 * 256 * (4 + 2 * IPP_LOCAL_MAX))

/*
 * The NFLOG statements in front of a drop (modes.h's prefix format).  @dir:
 * "in", "out", or NULL for a chain reached from both hooks, which tells the
 * direction by the interface the packet has (iif on input, oif on output).
 */
static const char *const gate_names[2][2] = {{"gs4", "gd4"}, {"gs6", "gd6"}};

static bool gate_has(const struct ipp_cgate *g, unsigned i)
{
	return g->bits[i / 8] & (1u << (i % 8));
}

/* Bucket values, eight to a line; @pick: 0 all set bits, else those set in @g and not in @o. */
static void gate_values(const struct ipp_cgate *g, const struct ipp_cgate *o, const char *ind,
			FILE *out)
{
	unsigned i, k = 0;

	for (i = 0; i < IPP_GATE_BUCKETS; i++) {
		if (!gate_has(g, i) || (o && gate_has(o, i)))
			continue;
		fprintf(out, "%s0x%04x,", k % 8 ? " " : ind, i);
		if (++k % 8 == 0)
			fputc('\n', out);
	}
	if (k % 8)
		fputc('\n', out);
}

static void emit_gates(const struct ipp_compiled *c, FILE *out)
{
	static const unsigned off[2][2] = {{96, 128}, {64, 192}};
	int f, side;

	for (f = 0; f < 2; f++) {
		for (side = 0; side < 2; side++) {
			const struct ipp_cgate *g = &c->gate[f][side];

			/* a hash, not the kernel's bitmap for 16-bit keys: inserting
			 * into a bitmap set walks all its elements, each time */
			fprintf(out, "\tset %s {\n\t\ttypeof @nh,%u,16\n\t\tflags dynamic\n",
				gate_names[f][side], off[f][side]);
			fprintf(out,
				"\t\tcomment \"gate: the first 16 bits of the IPv%d %s "
				"addresses that filters name\"\n",
				f ? 6 : 4, side ? "destination" : "source");
			if (g->n) {
				fprintf(out, "\t\telements = {\n");
				gate_values(g, NULL, "\t\t\t", out);
				fprintf(out, "\t\t}\n");
			}
			fprintf(out, "\t}\n");
		}
	}
}

/* Element changes of the gates from @old to @new. */
static void gates_diff(const struct ipp_cgate (*old)[2], const struct ipp_cgate (*new)[2],
		       FILE *out)
{
	int f, side;

	for (f = 0; f < 2; f++) {
		for (side = 0; side < 2; side++) {
			const struct ipp_cgate *o = &old[f][side], *n = &new[f][side];
			unsigned i;
			bool del = false, add = false;

			for (i = 0; i < IPP_GATE_BUCKETS / 8; i++) {
				del |= (o->bits[i] & ~n->bits[i]) != 0;
				add |= (n->bits[i] & ~o->bits[i]) != 0;
			}
			if (del) {
				fprintf(out, "delete element %s %s {\n", TABLE,
					gate_names[f][side]);
				gate_values(o, n, "\t", out);
				fprintf(out, "}\n");
			}
			if (add) {
				fprintf(out, "add element %s %s {\n", TABLE, gate_names[f][side]);
				gate_values(n, o, "\t", out);
				fprintf(out, "}\n");
			}
		}
	}
}

static void droplog(const struct ipp_compiled *c, const char *dir, const char *reason, FILE *out)
{
	if (!c->opts.diagnostics)
		return;
	if (dir) {
		ipp_nft_emit_droplog(out, c->opts.diagnostics, ipp_mode_name(IPP_MODE_SECURE), dir,
				     reason);
		return;
	}
	fprintf(out, "\t\tmeta iif != 0 log prefix \"%s %s in %s\" group %u snaplen %u\n",
		IPP_NFLOG_PREFIX, ipp_mode_name(IPP_MODE_SECURE), reason, IPP_NFLOG_GROUP,
		IPP_NFLOG_SNAPLEN);
	fprintf(out, "\t\tmeta oif != 0 log prefix \"%s %s out %s\" group %u snaplen %u\n",
		IPP_NFLOG_PREFIX, ipp_mode_name(IPP_MODE_SECURE), reason, IPP_NFLOG_GROUP,
		IPP_NFLOG_SNAPLEN);
}

/*
 * The flow cache's chains (static: the same for every policy).  Per
 * generation G: the chains fc_permit_gG, fc_block_gG, fc_negotiate_in_gG
 * ... add a packet to G's sets, counting each addition in the fill counter
 * of the set (fill4_in_permit_gG ...: the agent reads them to tell when a
 * set fills up); fcp_permit_gG ... do the same with the pair sets
 * (pair4_in_permit_gG ...) for the other protocols, counting in the same
 * fill counters.  The verdict chains reach them by a rule per generation
 * that tests the transport protocol against that generation's switch set
 * (fc_on_g0, fc_on_g1: tcp and udp in the one in force, the other empty;
 * fcp_on_g0, fcp_on_g1: the other protocols).  The lookups name the sets
 * of the generation in force, with no switch to test: per hook, the base
 * chain (input, output) looks TCP and UDP flows up by 5-tuple, so that a
 * permitted flow's packet costs one lookup; per family and hook,
 * fcp_hit4_in ... (the pair sets) are jumped to by the walk chains of the
 * other protocols.  Moving to the other generation rewrites the two base
 * chains, these four small chains and the switch sets.
 */

/*
 * The additions of verdict chain @i of generation @gen: outcome @v, hook
 * @only_hook (-1 both).  A flow is added only when its set does not hold it
 * yet: an addition counts the packet in the flow's element, as a lookup that
 * finds it does, and the element of a flow is taken to have counted one
 * walked packet (the first; the maps counted it).  Two packets of a new
 * flow walked at the same time on two CPUs both miss the cache; without the
 * test the second addition would count the second packet in the element
 * too, a packet counted twice.  The test (a lookup that does not match
 * updates no counter) leaves that only to two packets that pass it in the
 * same instant, between the test and the addition.
 *
 * With @ike (the IKE exemption), a flow leaving from port 500 or 4500 is
 * never remembered: the exemption holds for root's socket only, so such a
 * flow's outcome depends on the sender, which the 5-tuple does not say
 * (another user's packet, walked and blocked, would have the IKE daemon's
 * blocked from the cache).
 */
static void flow_adds(enum ipp_cverdict v, int only_hook, unsigned gen, bool pair, bool ike,
		      FILE *out)
{
	static const int fams[] = {4, 6};
	static const enum hook hooks[] = {HOOK_IN, HOOK_OUT};
	size_t f, h;
	char set[32], fill[32];

	for (f = 0; f < 2; f++) {
		for (h = 0; h < 2; h++) {
			/* a chain reached from both hooks tells them apart by the interfaces */
			const char *dir = only_hook >= 0	? ""
					  : hooks[h] == HOOK_IN ? "meta iif != 0 "
								: "meta oif != 0 ";

			if (only_hook >= 0 && (int)hooks[h] != only_hook)
				continue;
			flow_set(fams[f], hooks[h], v, gen, pair, set, sizeof(set));
			ipp_flowfill_name(ipp_flowcache_index(fams[f] == 6 ? AF_INET6 : AF_INET,
							      hooks[h] == HOOK_IN, v),
					  gen, fill, sizeof(fill));
			fprintf(
			    out,
			    "\t\tmeta nfproto ipv%d %s%scounter name %s %s != @%s add @%s { %s }\n",
			    fams[f], dir,
			    ike && !pair && hooks[h] == HOOK_OUT ? "th sport != { 500, 4500 } "
								 : "",
			    fill, flow_key(fams[f], pair), set, set, flow_key(fams[f], pair));
		}
	}
}

/* Filling chain @i (< FC_HIT4_IN) of generation @gen. */
static void fc_gen_chain(unsigned i, unsigned gen, bool pair, bool ike, FILE *out)
{
	static const struct {
		uint8_t v;
		int8_t hook;
	} adds[] = {{IPP_CV_ACCEPT, -1},    {IPP_CV_DROP, -1},	     {IPP_CV_NEGOTIATE, HOOK_IN},
		    {IPP_CV_NEGOTIATE, HOOK_OUT}, {IPP_CV_ACCEPT, HOOK_IN}, {IPP_CV_ACCEPT, HOOK_OUT}};
	char name[WALK_NAME_MAX];

	fc_name(i, gen, pair, name, sizeof(name));
	fprintf(out, "\tchain %s {\n", name);
	flow_adds((enum ipp_cverdict)adds[i].v, adds[i].hook, gen, pair, ike, out);
	fprintf(out, "\t}\n");
}

/* Start chain @name: its header in a table's definition, else flush it (@rewrite: the table). */
static void fc_chain_open(const char *name, const char *rewrite, FILE *out)
{
	if (rewrite)
		fprintf(out, "flush chain %s %s\n", rewrite, name);
	else
		fprintf(out, "\tchain %s {\n", name);
}

static void fc_chain_rule(const char *name, const char *rewrite, FILE *out)
{
	if (rewrite)
		fprintf(out, "add rule %s %s ", rewrite, name);
	else
		fputs("\t\t", out);
}

/* The cache's outcomes in the order they are looked up: the most frequent first. */
static const uint8_t hit_order[] = {IPP_CV_ACCEPT, IPP_CV_NEGOTIATE, IPP_CV_DROP};

/*
 * Lookup chain @i (>= FC_HIT4_IN) of the pair sets (fcp_hit4_in ...): the
 * sets of the generation in force, one rule per outcome.  @rewrite: NULL in
 * a table's definition; else the chain is flushed and filled again with
 * "add rule" commands (the generation changed), @rewrite being the table's
 * name.
 */
static void fc_hit_chain(const struct ipp_compiled *c, unsigned i, const char *rewrite, FILE *out)
{
	int fam = i < FC_HIT6_IN ? 4 : 6;
	enum hook h = (i - FC_HIT4_IN) % 2 ? HOOK_OUT : HOOK_IN;
	char name[WALK_NAME_MAX], set[WALK_NAME_MAX];
	unsigned k;

	fc_name(i, 0, true, name, sizeof(name));
	fc_chain_open(name, rewrite, out);
	for (k = 0; k < 3; k++) {
		flow_set(fam, h, hit_order[k], c->flow_gen, true, set, sizeof(set));
		fc_chain_rule(name, rewrite, out);
		fprintf(out, "%s @%s %s\n", flow_key(fam, true), set, hit_text(c, hit_order[k], h));
	}
	if (!rewrite)
		fprintf(out, "\t}\n");
}

/*
 * The first lookups of a packet, in the base chain @chain of hook @h: the
 * TCP and UDP flows of either family in the 5-tuple sets of the generation
 * in force, one rule per outcome.  Most packets are answered here, before
 * anything else is looked at; IKE, ESP, AH and neighbour discovery are
 * never in these sets (only walked packets are).  @rewrite as
 * fc_hit_chain().
 */
static void fc_fast_rules(const struct ipp_compiled *c, enum hook h, const char *chain,
			  const char *rewrite, FILE *out)
{
	char set[32];
	unsigned k;
	int fam;

	for (fam = 4; fam <= 6; fam += 2)
		for (k = 0; k < 3; k++) {
			flow_set(fam, h, hit_order[k], c->flow_gen, false, set, sizeof(set));
			fc_chain_rule(chain, rewrite, out);
			fprintf(out, "%s @%s %s\n", flow_key(fam, false), set,
				hit_text(c, hit_order[k], h));
		}
}

/* The neighbour discovery exemption of hook @h (ICMPv6, from the base chain). */
static void emit_nd_chain(const struct ipp_compiled *c, enum hook h, FILE *out)
{
	const char *dir = h == HOOK_IN ? "in" : "out";

	if (!c->opts.exempt_nd)
		return;
	fprintf(out, "\tchain nd_%s {\n", dir);
	fprintf(out, "\t\t" IPP_NFT_ND_MATCH " accept comment \"exempt: IPv6 neighbour "
		     "discovery\"\n");
	fprintf(out, "\t\t" IPP_NFT_PTB_MATCH " accept comment \"exempt: IPv6 path MTU "
		     "discovery\"\n");
	/* the multicast listening neighbour discovery needs (the solicited-node groups
	 * that switches snoop), only on the link itself */
	fprintf(out, "\t\t" IPP_NFT_MLD_MATCH " accept comment \"exempt: IPv6 neighbour "
		     "discovery (MLD)\"\n");
	fprintf(out, "\t\tgoto %s6\n\t}\n", dir);
}

/*
 * The base chain of hook @h.  After the loopback exemption, TCP and UDP
 * flows the flow cache knows get their outcome (fc_fast_rules()); then one
 * lookup sends a packet on by family and protocol: TCP and UDP to their
 * walk chains, ESP and AH accepted, ICMPv6 to the neighbour discovery
 * exemption; the other protocols go to the family chain.  IKE is exempted
 * in the UDP chains (walk_rules()), after the flow cache, which never
 * holds it.  @rewrite as fc_hit_chain(): when the flow cache's generation
 * changes, the chain is flushed and filled again in the same transaction
 * (its hook and policy stay; the counts of its IPv4-mapped drops restart).
 */
static void emit_base_chain(const struct ipp_compiled *c, enum hook h, const char *rewrite,
			    FILE *out)
{
	static const int fams[] = {4, 6};
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	bool in = h == HOOK_IN;
	const char *dir = in ? "in" : "out", *chain = in ? "input" : "output";
	char name[WALK_NAME_MAX];
	size_t f, p;

	fc_chain_open(chain, rewrite, out);
	if (!rewrite)
		fprintf(out, "\t\ttype filter hook %s priority filter; policy drop;\n", chain);
	fc_chain_rule(chain, rewrite, out);
	fprintf(out, "meta %s loopback accept comment \"exempt: loopback\"\n",
		in ? "iiftype" : "oiftype");
	/*
	 * Every packet: a test of the protocol first (comparisons, or a set)
	 * cost TCP and UDP more than what the lookups of other packets save;
	 * the lookups here, not in a chain of their own (a jump costs a cached
	 * flow's packet some 2 % of the small-packet rate: bench/datapath).
	 */
	if (flow_used(c))
		fc_fast_rules(c, h, chain, rewrite, out);
	/*
	 * An IPv4-mapped address (::ffff:0:0/96) is how a program's IPv6 socket
	 * speaks of an IPv4 peer, never an address on the wire (RFC 4291
	 * 2.5.5.2): a packet from one would reach dual-stack sockets as if the
	 * IPv4 host had sent it, past the IPv4 filters that name that host.  After
	 * the flow cache, which never holds one (cached packets skip the test).
	 */
	if (c->opts.diagnostics) {
		fc_chain_rule(chain, rewrite, out);
		fprintf(out,
			"ip6 saddr ::ffff:0.0.0.0/96 log prefix \"%s %s %s mapped\" group %u "
			"snaplen %u\n",
			IPP_NFLOG_PREFIX, ipp_mode_name(IPP_MODE_SECURE), dir, IPP_NFLOG_GROUP,
			IPP_NFLOG_SNAPLEN);
	}
	fc_chain_rule(chain, rewrite, out);
	fprintf(out, "ip6 saddr ::ffff:0.0.0.0/96 counter drop comment \"an IPv4-mapped source "
		     "address, never on the wire\"\n");
	if (!in) {
		if (c->opts.diagnostics) {
			fc_chain_rule(chain, rewrite, out);
			fprintf(out,
				"ip6 daddr ::ffff:0.0.0.0/96 log prefix \"%s %s %s mapped\" "
				"group %u snaplen %u\n",
				IPP_NFLOG_PREFIX, ipp_mode_name(IPP_MODE_SECURE), dir,
				IPP_NFLOG_GROUP, IPP_NFLOG_SNAPLEN);
		}
		fc_chain_rule(chain, rewrite, out);
		fprintf(out, "ip6 daddr ::ffff:0.0.0.0/96 counter drop comment \"an "
			     "IPv4-mapped destination address, never on the wire\"\n");
	}
	fc_chain_rule(chain, rewrite, out);
	fputs("meta nfproto . meta l4proto vmap {", out);
	for (f = 0; f < 2; f++)
		for (p = 0; p < 2; p++) {
			struct walk w = {.hook = h, .fam = fams[f], .proto = protos[p]};

			walk_name(&w, name, sizeof(name));
			fprintf(out, "%s ipv%d . %s : goto %s", f + p ? "," : "", fams[f],
				protos[p] == IPPROTO_TCP ? "tcp" : "udp", name);
		}
	if (c->opts.exempt_ipsec)
		fputs(", ipv4 . esp : accept, ipv4 . ah : accept, ipv6 . esp : accept, "
		      "ipv6 . ah : accept",
		      out);
	if (c->opts.exempt_nd)
		fprintf(out, ", ipv6 . ipv6-icmp : goto nd_%s", dir);
	if (ipp_exempt_kerberos_rsvp(c->opts.ipsecexempt))
		fputs(", ipv4 . 46 : accept, ipv6 . 46 : accept", out);
	fputs(" }", out);
	if (c->opts.exempt_ipsec || ipp_exempt_kerberos_rsvp(c->opts.ipsecexempt))
		fprintf(out, " comment \"exempt: %s%s%s\"",
			c->opts.exempt_ipsec ? "ESP and AH" : "",
			c->opts.exempt_ipsec && ipp_exempt_kerberos_rsvp(c->opts.ipsecexempt) ? ", "
											      : "",
			ipp_exempt_kerberos_rsvp(c->opts.ipsecexempt) ? "RSVP" : "");
	fputc('\n', out);
	fc_chain_rule(chain, rewrite, out);
	fprintf(out, "meta nfproto ipv4 goto %s4\n", dir);
	fc_chain_rule(chain, rewrite, out);
	fprintf(out, "meta nfproto ipv6 goto %s6\n", dir);
	if (!rewrite)
		fprintf(out, "\t}\n");
}

/* Empty every cache set of generation @gen (5-tuple and pair sets). */
static void flush_generation(unsigned gen, FILE *out)
{
	char name[WALK_NAME_MAX];
	unsigned f, h, v, k;

	for (k = 0; k < 2; k++)
		for (f = 0; f < 2; f++)
			for (h = 0; h < 2; h++)
				for (v = 0; v < 3; v++) {
					flow_set(f ? 6 : 4, (enum hook)h, v, gen, k, name, sizeof(name));
					fprintf(out, "flush set %s %s\n", TABLE, name);
				}
}

/*
 * The table's own liveness: a packet that no filter decides is permitted
 * (or goes to the fixed mode of the rest) only through a lookup in one of
 * these maps, and the base chains' policy is drop.  When the table is
 * replaced whole, the kernel makes the new rules visible and deactivates
 * the old maps' elements in one step, but a packet still walking the old
 * rules looks its elements up in the new state: its lookups miss, and it
 * would end permitted by default.  Its lookup here misses too, so it is
 * dropped instead (never let through by a table on its way out), and a
 * secure table replaces another one in a single transaction, with no
 * guard table (ipsecpold(8), MODES).
 */
static void emit_alive(const struct ipp_compiled *c, FILE *out)
{
	fprintf(out, "\tmap " ALIVE_MAP " {\n\t\ttype nf_proto : verdict\n");
	fprintf(out, "\t\telements = { ipv4 : accept, ipv6 : accept }\n");
	fprintf(out, "\t\tcomment \"no filter matches: permitted, while this table is in force\"\n"
		     "\t}\n");
	if (c->opts.rest) {
		static const char *const dirs[] = {"in", "out"};
		size_t i;

		for (i = 0; i < 2; i++) {
			fprintf(out, "\tmap " ALIVE_MAP "_rest_%s {\n\t\ttype nf_proto : verdict\n",
				dirs[i]);
			fprintf(out,
				"\t\telements = { ipv4 : goto rest_%s, ipv6 : goto rest_%s }\n",
				dirs[i], dirs[i]);
			fprintf(out,
				"\t\tcomment \"no filter matches: as in mode %s, while this "
				"table is in force\"\n\t}\n",
				ipp_mode_name(c->opts.rest));
		}
	}
}

/*
 * Move the rules of @c to generation c->flow_gen: its sets emptied, then
 * the switch sets turned to it and the lookup chains rewritten with its
 * sets, in the transaction being written.
 */
static void flow_rewire(const struct ipp_compiled *c, FILE *out)
{
	unsigned k;

	if (!flow_used(c))
		return;
	flush_generation(c->flow_gen, out);
	fprintf(out, "flush set %s fc_on_g%u\n", TABLE, c->flow_gen ^ 1u);
	fprintf(out, "flush set %s fcp_on_g%u\n", TABLE, c->flow_gen ^ 1u);
	fprintf(out, "add element %s fc_on_g%u { tcp, udp }\n", TABLE, (unsigned)c->flow_gen);
	fprintf(out, "add element %s fcp_on_g%u { " PAIR_PROTOS " }\n", TABLE,
		(unsigned)c->flow_gen);
	for (k = FC_HIT4_IN; k < FC_NCHAINS; k++)
		fc_hit_chain(c, k, TABLE, out);
	emit_base_chain(c, HOOK_IN, TABLE, out);
	emit_base_chain(c, HOOK_OUT, TABLE, out);
}

static void emit_flow_sets(const struct ipp_compiled *c, FILE *out)
{
	static const char *const what[] = {"permits", "blocks", "negotiates"};
	unsigned f, h, v, g, k;
	char set[32];

	for (k = 0; k < 2; k++)
	for (g = 0; g < 2; g++)
	for (f = 0; f < 2; f++)
		for (h = 0; h < 2; h++)
			for (v = 0; v < 3; v++) {
				flow_set(f ? 6 : 4, (enum hook)h, v, g, k, set, sizeof(set));
				fprintf(out, "\tset %s {\n", set);
				fprintf(out, "\t\ttype %s . %s . inet_proto%s\n",
					f ? "ipv6_addr" : "ipv4_addr",
					f ? "ipv6_addr" : "ipv4_addr",
					k ? "" : " . inet_service . inet_service");
				fprintf(out, "\t\tsize %u\n", (unsigned)c->opts.flow_size);
				fprintf(out, "\t\tflags dynamic\n\t\tcounter\n");
				fprintf(out,
					"\t\tcomment \"flow cache, generation %u: %s %s %s the "
					"policy %s\"\n",
					g, f ? "IPv6" : "IPv4", h ? "outbound" : "inbound",
					k ? "packets of other protocols, by addresses and protocol,"
					  : "TCP and UDP flows",
					what[v]);
				fprintf(out, "\t}\n");
			}
	for (g = 0; g < 2; g++)
		for (v = 0; v < 12; v++) {
			ipp_flowfill_name(v, g, set, sizeof(set));
			fprintf(out,
				"\tcounter %s {\n\t\tcomment \"flow cache, generation %u: additions "
				"to the set of this family, hook and outcome\"\n\t}\n",
				set, g);
		}
	if (!flow_used(c))
		return;
	for (g = 0; g < 2; g++) {
		fprintf(out, "\tset fc_on_g%u {\n\t\ttype inet_proto\n", g);
		fprintf(out, "\t\tcomment \"flow cache: tcp and udp when generation %u is in "
			     "force\"\n", g);
		if (g == c->flow_gen)
			fprintf(out, "\t\telements = { tcp, udp }\n");
		fprintf(out, "\t}\n");
		fprintf(out, "\tset fcp_on_g%u {\n\t\ttype inet_proto\n\t\tflags interval\n", g);
		fprintf(out, "\t\tcomment \"flow cache: the other protocols when generation %u "
			     "is in force\"\n", g);
		if (g == c->flow_gen)
			fprintf(out, "\t\telements = { " PAIR_PROTOS " }\n");
		fprintf(out, "\t}\n");
	}
}

static void emit_fixed_chains(const struct ipp_compiled *c, FILE *out)
{
	bool fc = c->opts.flow_cache;

	/* two chains: the kernel allows meta secpath on input only */
	if (fc) {
		static const char *const names[] = {"permit",	      "block",
						    "negotiate_in",   "negotiate_out",
						    "negotiate_in_clear", "negotiate_out_clear"};
		static const char *const verdicts[] = {
		    "meta nfproto vmap @" ALIVE_MAP,
		    NULL,
		    "goto negotiate_in_sa",
		    "goto negotiate_out_sa",
		    "accept comment \"negotiate: inbound clear packets accepted (inpass or "
		    "soft)\"",
		    "accept comment \"negotiate: outbound clear packets accepted (soft)\""};
		unsigned i, g;

		if (flow_used(c)) {
			for (g = 0; g < 2; g++)
				for (i = 0; i < FC_HIT4_IN; i++) {
					fc_gen_chain(i, g, false, c->opts.exempt_ike, out);
					fc_gen_chain(i, g, true, c->opts.exempt_ike, out);
				}
			for (i = FC_HIT4_IN; i < FC_NCHAINS; i++)
				fc_hit_chain(c, i, NULL, out);
		}
		for (i = 0; i < FC_HIT4_IN; i++) {
			fprintf(out, "\tchain %s {\n", names[i]);
			if (flow_used(c)) {
				fc_switch_rule(i, false, "\t\t", out);
				fc_switch_rule(i, true, "\t\t", out);
			}
			fprintf(out, "\t\t%s\n",
				verdicts[i]	      ? verdicts[i]
				: c->opts.diagnostics ? "goto blocked"
						      : "drop");
			if (i == 0)
				/* the liveness lookup missed: a table on its way out */
				droplog(c, NULL, "replaced", out);
			fputs("\t}\n", out);
		}
	} else {
		fprintf(out, "\tchain negotiate_in_clear {\n\t\taccept comment \"negotiate: "
			     "inbound clear packets accepted (inpass or soft)\"\n\t}\n");
		fprintf(out, "\tchain negotiate_out_clear {\n\t\taccept comment \"negotiate: "
			     "outbound clear packets accepted (soft)\"\n\t}\n");
	}
	fprintf(out, "\tchain %s {\n", fc ? "negotiate_in_sa" : "negotiate_in");
	fprintf(out, "\t\tmeta secpath exists accept comment \"negotiate: arrived through an "
		     "IPsec SA\"\n");
	droplog(c, "in", "negotiate", out);
	fprintf(out, "\t\tcounter drop comment \"" IPP_NEGOTIATE_DROP_COMMENT "\"\n\t}\n");
	fprintf(out, "\tchain %s {\n", fc ? "negotiate_out_sa" : "negotiate_out");
	fprintf(out, "\t\trt ipsec exists accept comment \"negotiate: leaves under an IPsec "
		     "policy\"\n");
	droplog(c, "out", "negotiate", out);
	fprintf(out, "\t\tcounter drop comment \"" IPP_NEGOTIATE_DROP_COMMENT "\"\n\t}\n");
	if (c->opts.diagnostics) {
		fprintf(out, "\tchain blocked {\n");
		droplog(c, NULL, "block", out);
		fprintf(out, "\t\tdrop\n\t}\n");
	}
	if (c->opts.rest) {
		struct ipp_mode_opts mo = {.exempt = c->opts.rest_exempt,
					   .nexempt = c->opts.rest_nexempt,
					   .diagnostics = c->opts.diagnostics};

		/* (the mode was checked by ipp_compile()) */
		(void)ipp_mode_emit_rest(c->opts.rest, &mo, IPP_DIR_INBOUND, "rest_in", out, NULL);
		(void)ipp_mode_emit_rest(c->opts.rest, &mo, IPP_DIR_OUTBOUND, "rest_out", out,
					 NULL);
	}
}

/* The cells of a group of local walks (walk_group(): cells_compute()). */
struct wgroup {
	struct walk g;
	struct wcells m;
	uint64_t print; /* in the cache (struct ipp_cells_cache): group_print() of @m */
};

/* The walk chains of a compiled form, with their cells. */
struct walkset {
	struct walk *v;
	size_t n;
	long *gi;	  /* per walk: its group in @g (a local walk past both gates), or -1 */
	struct wgroup *g; /* the groups of the local walks past both gates, with their cells */
	size_t ng;
};

static void walkset_free(struct walkset *ws)
{
	for (size_t i = 0; i < ws->ng; i++)
		cells_free(&ws->g[i].m);
	free(ws->g);
	free(ws->gi);
	free(ws->v);
	memset(ws, 0, sizeof(*ws));
}

static bool same_group(const struct walk *a, const struct walk *b)
{
	return a->hook == b->hook && a->fam == b->fam && a->proto == b->proto;
}

/* The group of @ws of walk @w's hook, family and protocol, or -1. */
static long group_index(const struct walkset *ws, const struct walk *w)
{
	for (size_t i = 0; i < ws->ng; i++)
		if (same_group(&ws->g[i].g, w))
			return (long)i;
	return -1;
}

/* The cells walk @i of @ws looks up (off for all but local walks past both gates). */
static const struct wcells *ws_cells(const struct walkset *ws, size_t i)
{
	static const struct wcells off = {.tail0 = -1};

	return ws->gi[i] >= 0 ? &ws->g[ws->gi[i]].m : &off;
}

static bool cache_take(struct ipp_compiled *c, const struct walk *g, struct wcells *m);

/*
 * The groups of @ws's walks (@ws->v, @ws->n) with their cells, once per
 * group however many addresses it has; from the cache of @cache (@c itself,
 * or NULL: computed) when it holds them.  -ENOMEM (@ws freed).
 */
static int walkset_cells(const struct ipp_compiled *c, struct walkset *ws,
			 struct ipp_compiled *cache)
{
	if (!(ws->gi = calloc(ws->n + 1, sizeof(*ws->gi))) ||
	    !(ws->g = calloc(ws->n + 1, sizeof(*ws->g))))
		goto nomem;
	for (size_t i = 0; i < ws->n; i++) {
		const struct walk *w = &ws->v[i];

		ws->gi[i] = -1;
		if (!c->opts.cells || !w->local || w->sub != SUB_SD)
			continue;
		if ((ws->gi[i] = group_index(ws, w)) >= 0)
			continue;
		ws->g[ws->ng].g = walk_group(w);
		if ((!cache || !cache_take(cache, &ws->g[ws->ng].g, &ws->g[ws->ng].m)) &&
		    cells_compute(c, w, &ws->g[ws->ng].m) < 0)
			goto nomem;
		ws->gi[i] = (long)ws->ng++;
	}
	return 0;
nomem:
	walkset_free(ws);
	return -ENOMEM;
}

/* The walks of @c (list_walks()) and their cells into @ws (walkset_free()).  -ENOMEM. */
static int walkset_build(const struct ipp_compiled *c, struct walkset *ws)
{
	memset(ws, 0, sizeof(*ws));
	if (!(ws->v = malloc(MAX_WALKS * sizeof(*ws->v))))
		return -ENOMEM;
	ws->n = list_walks(c, ws->v);
	return walkset_cells(c, ws, NULL);
}

/* The cells of @n's groups that differ from @o's, before the walks are rewritten. -ENOMEM. */
static int walkset_cells_pre(const struct walkset *o, const struct walkset *n, FILE *out)
{
	for (size_t i = 0; i < n->ng; i++) {
		long j = group_index(o, &n->g[i].g);

		if (cells_pre(&n->g[i].g, j >= 0 ? &o->g[j].m : NULL, &n->g[i].m, out) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* What cells of @o's groups @n has not, after the walks were rewritten and dropped. */
static void walkset_cells_post(const struct walkset *o, const struct walkset *n, FILE *out)
{
	for (size_t i = 0; i < o->ng; i++) {
		long j = group_index(n, &o->g[i].g);

		cells_post(&o->g[i].g, &o->g[i].m, j >= 0 ? &n->g[j].m : NULL, out);
	}
}

int ipp_compiled_emit(const struct ipp_compiled *c, FILE *out, struct ipp_error *err)
{
	struct walkset ws;
	bool *declared;
	size_t i;
	char name[WALK_NAME_MAX];

	if (walkset_build(c, &ws) < 0)
		return ipp_err(err, ENOMEM, "out of memory");
	if (!(declared = calloc(ws.ng + 1, sizeof(*declared)))) {
		walkset_free(&ws);
		return ipp_err(err, ENOMEM, "out of memory");
	}
	ipp_nft_emit_replace(out);
	fprintf(out, "table %s {\n", TABLE);
	if (c->opts.rest)
		fprintf(out, "\tcomment \"ipsecpol mode=%s rest=%s\"\n",
			ipp_mode_name(IPP_MODE_SECURE), ipp_mode_name(c->opts.rest));
	else
		fprintf(out, "\tcomment \"ipsecpol mode=%s\"\n", ipp_mode_name(IPP_MODE_SECURE));
	fprintf(out, "\tset " FIB_GROUP
		     " {\n\t\ttype fib_addrtype\n\t\tcomment \"group addresses: not me on "
		     "input\"\n\t\telements = { broadcast, multicast }\n\t}\n");
	for (i = 0; i < c->ntiers; i++) {
		const struct ipp_ctier *t = &c->tiers[i];

		if (ipp_ctier_keyless(t))
			continue;
		fprintf(out, "\tmap %s {\n", t->name);
		emit_map_body(c, t, "\t\t", out);
		fprintf(out, "\t}\n");
	}
	emit_gates(c, out);
	emit_alive(c, out);
	if (c->opts.flow_cache)
		emit_flow_sets(c, out);
	emit_fixed_chains(c, out);
	for (i = 0; i < ws.n; i++) {
		/* (a group's cells before the first walk that looks them up) */
		if (ws_cells(&ws, i)->on) {
			long g = ws.gi[i];

			if (!declared[g])
				cells_declare(&ws.g[g].g, &ws.g[g].m, out);
			declared[g] = true;
		}
		walk_name(&ws.v[i], name, sizeof(name));
		fprintf(out, "\tchain %s {\n", name);
		(void)walk_rules(c, &ws.v[i], ws_cells(&ws, i), "\t\t", out);
		fprintf(out, "\t}\n");
	}
	if (c->opts.defrag6)
		/* never reached: its presence has the kernel reassemble IPv6 (compile.h) */
		ipp_nft_emit_defrag6(out);
	emit_nd_chain(c, HOOK_IN, out);
	emit_nd_chain(c, HOOK_OUT, out);
	emit_base_chain(c, HOOK_IN, NULL, out);
	emit_base_chain(c, HOOK_OUT, NULL, out);
	fprintf(out, "}\n");
	free(declared);
	walkset_free(&ws);
	if (ferror(out))
		return ipp_err(err, EIO, "cannot write the ruleset");
	return 0;
}

typedef int (*emit_fn)(const struct ipp_compiled *, const struct ipp_compiled *, FILE *,
		       struct ipp_cdiff_stats *, struct ipp_error *);

static int to_string(emit_fn fn, const struct ipp_compiled *a, const struct ipp_compiled *b,
		     char **ret, struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	f = open_memstream(&buf, &len);
	if (!f)
		return ipp_err(err, ENOMEM, "out of memory");
	r = fn(a, b, f, st, err);
	if (fclose(f) != 0 && r == 0)
		r = ipp_err(err, ENOMEM, "out of memory");
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}

static int emit_adapter(const struct ipp_compiled *c, const struct ipp_compiled *unused, FILE *out,
			struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	return ipp_compiled_emit(c, out, err);
}

int ipp_compiled_ruleset(const struct ipp_compiled *c, char **ret, struct ipp_error *err)
{
	return to_string(emit_adapter, c, NULL, ret, NULL, err);
}

/* ---------- the difference ---------- */

static bool opts_equal(const struct ipp_copts *a, const struct ipp_copts *b)
{
	return a->exempt_ike == b->exempt_ike && a->exempt_ipsec == b->exempt_ipsec &&
	       a->exempt_nd == b->exempt_nd && a->ipsecexempt == b->ipsecexempt &&
	       a->elem_comments == b->elem_comments &&
	       (a->diagnostics != 0) == (b->diagnostics != 0) && a->flow_cache == b->flow_cache &&
	       a->flow_size == b->flow_size && a->cells == b->cells && a->rest == b->rest &&
	       ipp_bootexempt_list_same(a->rest_exempt, a->rest_nexempt, b->rest_exempt,
					b->rest_nexempt);
}

/* The rule an element comes from, as a change keeps it: store, policy, rule, mirror image. */
/*
 * A rule's policy (@rule false) or the rule itself, as what owns an
 * element's counts: its GUID, which a rename keeps (the name when it has
 * none).
 */
static const char *crule_id(const struct ipp_crule *r, bool rule)
{
	if (rule)
		return r->rule_guid[0] ? r->rule_guid : r->rule;
	return r->policy_guid[0] ? r->policy_guid : r->policy;
}

static void elem_owner(const struct ipp_compiled *c, const struct ipp_celem *e, char *buf,
		       size_t len)
{
	const struct ipp_crule *r = e->rule < c->nrules ? &c->rules[e->rule] : NULL;

	if (r)
		snprintf(buf, len, "%d\n%s\n%s\n%d", (int)r->store, crule_id(r, false),
			 crule_id(r, true), (int)e->reversed);
	else
		snprintf(buf, len, "-\n%d", (int)e->reversed);
}

bool ipp_celem_same_owner(const struct ipp_compiled *a, const struct ipp_celem *x,
			  const struct ipp_compiled *b, const struct ipp_celem *y)
{
	const struct ipp_crule *r = x->rule < a->nrules ? &a->rules[x->rule] : NULL;
	const struct ipp_crule *s = y->rule < b->nrules ? &b->rules[y->rule] : NULL;

	if (x->reversed != y->reversed || !r != !s)
		return false;
	if (!r)
		return true;
	if (r->store != s->store)
		return false;
	/* by GUID; by name when a form has none (compiled without a store: tests, tools) */
	if (r->rule_guid[0] && s->rule_guid[0] && r->policy_guid[0] && s->policy_guid[0])
		return !strcasecmp(r->rule_guid, s->rule_guid) &&
		       !strcasecmp(r->policy_guid, s->policy_guid);
	return !strcmp(r->rule, s->rule) && !strcmp(r->policy, s->policy);
}

/*
 * Does @b of @nc go into the kernel as @a of @oc is (the key compared by the
 * caller)?  Not when another
 * rule's filter of the same selectors takes the key over: its counter
 * starts again, the counts were the other filter's.
 */
static bool elem_same(const struct ipp_compiled *oc, const struct ipp_celem *a,
		      const struct ipp_compiled *nc, const struct ipp_celem *b)
{
	char x[512], y[512];

	if (a->verdict != b->verdict || a->clear != b->clear ||
	    !ipp_celem_same_owner(oc, a, nc, b))
		return false;
	if (!nc->opts.elem_comments)
		return true;
	elem_source(oc, a, x, sizeof(x));
	elem_source(nc, b, y, sizeof(y));
	return !strcmp(x, y);
}

bool ipp_celem_same(const struct ipp_compiled *oc, const struct ipp_celem *a,
		    const struct ipp_compiled *nc, const struct ipp_celem *b)
{
	return elem_same(oc, a, nc, b);
}

static int name_cmp(const void *x, const void *y)
{
	const struct ipp_ctier *a = *(const struct ipp_ctier *const *)x;
	const struct ipp_ctier *b = *(const struct ipp_ctier *const *)y;

	return strcmp(a->name, b->name);
}

/* Tiers sorted by name, to pair old and new ones. */
static const struct ipp_ctier **by_name(const struct ipp_compiled *c)
{
	const struct ipp_ctier **v = malloc((c->ntiers + 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < c->ntiers; i++)
		v[i] = &c->tiers[i];
	qsort(v, c->ntiers, sizeof(*v), name_cmp);
	return v;
}

struct pair {
	const struct ipp_ctier *o, *n; /* either may be NULL */
};

struct elem_ops {
	const struct ipp_celem **del, **add;
	size_t ndel, nadd;
};

/* Elements to delete from and add to an existing map, by merging the sorted arrays. */
static int elem_diff(const struct ipp_compiled *oc, const struct ipp_ctier *o,
		     const struct ipp_compiled *nc, const struct ipp_ctier *n, struct elem_ops *ops)
{
	size_t i = 0, j = 0;

	ops->del = malloc((o->nelems + 1) * sizeof(*ops->del));
	ops->add = malloc((n->nelems + 1) * sizeof(*ops->add));
	ops->ndel = ops->nadd = 0;
	if (!ops->del || !ops->add)
		return -ENOMEM;
	while (i < o->nelems || j < n->nelems) {
		int c;

		if (i == o->nelems)
			c = 1;
		else if (j == n->nelems)
			c = -1;
		else
			c = memcmp(&o->elems[i].key, &n->elems[j].key, sizeof(o->elems[i].key));
		if (c < 0) {
			ops->del[ops->ndel++] = &o->elems[i++];
		} else if (c > 0) {
			ops->add[ops->nadd++] = &n->elems[j++];
		} else {
			if (!elem_same(oc, &o->elems[i], nc, &n->elems[j])) {
				ops->del[ops->ndel++] = &o->elems[i];
				ops->add[ops->nadd++] = &n->elems[j];
			}
			i++;
			j++;
		}
	}
	return 0;
}

/* The rules of walk @w of @c with cells @wc (NULL: computed), as text (free()); NULL: -ENOMEM. */
static char *walk_text(const struct ipp_compiled *c, const struct walk *w, const struct wcells *wc,
		       const char *prefix)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return NULL;
	r = walk_rules(c, w, wc, prefix, f);
	if (fclose(f) != 0 || r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The index of walk @w in @v (@n of them), or -1. */
static long walk_index(const struct walk *v, size_t n, const struct walk *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].hook == w->hook && v[i].fam == w->fam && v[i].proto == w->proto &&
		    v[i].sub == w->sub && v[i].local == w->local &&
		    (!w->local || !memcmp(v[i].lip, w->lip, sizeof(w->lip))))
			return (long)i;
	return -1;
}

static bool walk_in(const struct walk *v, size_t n, const struct walk *w)
{
	return walk_index(v, n, w) >= 0;
}

/* The walk chains of @nw that @ow has not: added, empty (walks_fill() fills them). */
static void walks_create(const struct walk *ow, size_t nown, const struct walk *nw, size_t nnwn,
			 FILE *out)
{
	char name[WALK_NAME_MAX];

	for (size_t i = 0; i < nnwn; i++) {
		if (walk_in(ow, nown, &nw[i]))
			continue;
		walk_name(&nw[i], name, sizeof(name));
		fprintf(out, "add chain %s %s\n", TABLE, name);
	}
}

/*
 * The walk chains of @nw (of @new) whose rules differ from what @old has
 * in them (@ow), or new: flushed and refilled; *@rewritten counts them.
 * -ENOMEM.
 */
static int walks_fill(const struct ipp_compiled *old, const struct ipp_compiled *new,
		      const struct walkset *ow, const struct walkset *nw, FILE *out,
		      size_t *rewritten)
{
	char name[WALK_NAME_MAX];

	for (size_t i = 0; i < nw->n; i++) {
		char *a = NULL, *b, prefix[WALK_NAME_MAX + 32];
		long j = walk_index(ow->v, ow->n, &nw->v[i]);

		walk_name(&nw->v[i], name, sizeof(name));
		snprintf(prefix, sizeof(prefix), "add rule %s %s ", TABLE, name);
		b = walk_text(new, &nw->v[i], ws_cells(nw, i), prefix);
		if (j >= 0)
			a = walk_text(old, &nw->v[i], ws_cells(ow, (size_t)j), prefix);
		if (!b || (j >= 0 && !a)) {
			free(a);
			free(b);
			return -ENOMEM;
		}
		if (j < 0 || strcmp(a, b)) {
			if (j >= 0)
				fprintf(out, "flush chain %s %s\n", TABLE, name);
			fputs(b, out);
			++*rewritten;
		}
		free(a);
		free(b);
	}
	return 0;
}

/* The walk chains of @ow that @nw has not: deleted (after walks_fill(): nothing goes there). */
static void walks_drop(const struct walk *ow, size_t nown, const struct walk *nw, size_t nnwn,
		       FILE *out)
{
	char name[WALK_NAME_MAX];

	/* all flushed first: a chain can only go when nothing goes to it any more */
	for (int j = 0; j < 2; j++) {
		for (size_t i = 0; i < nown; i++) {
			if (walk_in(nw, nnwn, &ow[i]))
				continue;
			walk_name(&ow[i], name, sizeof(name));
			fprintf(out, "%s chain %s %s\n", j ? "delete" : "flush", TABLE, name);
		}
	}
}

int ipp_compiled_relocal(struct ipp_compiled *c, const struct ipp_laddr *v, size_t n, FILE *out)
{
	struct ipp_compiled old = *c;
	struct walkset ow = {0}, nw = {0};
	size_t rewritten = 0;
	int r = -ENOMEM;

	ipp_copts_local(&c->opts, v, n);
	if (c->opts.nlocal == old.opts.nlocal &&
	    !memcmp(c->opts.local, old.opts.local, old.opts.nlocal * sizeof(old.opts.local[0])))
		return 0;
	ipp_cells_cache_drop(c); /* (the groups' addresses change) */
	old.cells_cache = NULL;
	c->lcov = NULL; /* (old's: the walks as they are) */
	if (ipp_compiled_cover(c) < 0) {
		c->opts = old.opts;
		c->lcov = old.lcov;
		return -ENOMEM;
	}
	if (walkset_build(&old, &ow) < 0 || walkset_build(c, &nw) < 0)
		goto fail;
	walks_create(ow.v, ow.n, nw.v, nw.n, out);
	if (walkset_cells_pre(&ow, &nw, out) < 0 ||
	    walks_fill(&old, c, &ow, &nw, out, &rewritten) < 0)
		goto fail;
	walks_drop(ow.v, ow.n, nw.v, nw.n, out);
	walkset_cells_post(&ow, &nw, out);
	free(old.lcov);
	r = 0;
	goto out;
fail:
	free(c->lcov);
	c->opts = old.opts;
	c->lcov = old.lcov;
out:
	walkset_free(&ow);
	walkset_free(&nw);
	return r;
}

int ipp_patch_emit_local(const struct ipp_compiled *c, const uint32_t grown[2], FILE *out)
{
	struct walk *v = malloc(MAX_WALKS * sizeof(*v));
	char name[WALK_NAME_MAX], prefix[WALK_NAME_MAX + 32];
	size_t n, i;

	if (!v)
		return -ENOMEM;
	n = list_walks(c, v);
	for (i = 0; i < n; i++) {
		int k = v[i].local ? walk_local(c, &v[i]) : -1;
		char *text;

		/* (with cells, the walks past both gates: ipp_cells_snap_emit()) */
		if (k < 0 || !(grown[v[i].hook == HOOK_OUT] & (1u << k)) ||
		    (c->opts.cells && v[i].sub == SUB_SD))
			continue;
		walk_name(&v[i], name, sizeof(name));
		snprintf(prefix, sizeof(prefix), "add rule %s %s ", TABLE, name);
		if (!(text = walk_text(c, &v[i], NULL, prefix))) {
			free(v);
			return -ENOMEM;
		}
		fprintf(out, "flush chain %s %s\n", TABLE, name);
		fputs(text, out);
		free(text);
	}
	free(v);
	return 0;
}

/* The cells of the groups of the last change in place (struct ipp_compiled.cells_cache). */
struct ipp_cells_cache {
	struct wgroup *g;
	size_t ng, cap;
};

void ipp_cells_cache_drop(struct ipp_compiled *c)
{
	struct ipp_cells_cache *cc = c->cells_cache;

	if (!cc)
		return;
	for (size_t i = 0; i < cc->ng; i++)
		cells_free(&cc->g[i].m);
	free(cc->g);
	free(cc);
	c->cells_cache = NULL;
}

/*
 * What the cells of group @g of @c are computed from, hashed: its tiers,
 * how many elements each holds and which addresses they may match, the
 * addresses, and the options the chains' rules depend on.  An entry of the
 * cache is only used while this is what it was (a change in place adds or
 * deletes elements, never both: the counts move).
 */
static uint64_t group_print(const struct ipp_compiled *c, const struct walk *g)
{
	uint64_t h = IPP_FNV1A_BASIS;
	uint64_t v[6] = {c->ntiers,    c->opts.nlocal, c->opts.cells,
			 flow_used(c), c->opts.rest,   c->opts.diagnostics};

	for (size_t i = 0; i < 6; i++)
		h = ipp_fnv1a_mix(h, v[i]);
	for (size_t k = 0; k < c->opts.nlocal; k++)
		for (size_t b = 0; b < 16; b++)
			h = ipp_fnv1a_mix(
			    h, (uint64_t)(c->opts.local[k].ip[b] | c->opts.local[k].family << 8));
	for (size_t i = 0; i < c->ntiers; i++) {
		if (!tier_in_walk(&c->tiers[i], g))
			continue;
		h = ipp_fnv1a_mix(h, i);
		h = ipp_fnv1a_mix(h, c->tiers[i].nelems);
		h = ipp_fnv1a_mix(h, c->lcov ? c->lcov[2 * i + (g->hook == HOOK_OUT)] : 0);
	}
	return h;
}

/* The entry of group @g in @c's cache, or NULL. */
static struct wgroup *cache_entry(struct ipp_compiled *c, const struct walk *g)
{
	struct ipp_cells_cache *cc = c->cells_cache;

	for (size_t i = 0; cc && i < cc->ng; i++)
		if (same_group(&cc->g[i].g, g))
			return &cc->g[i];
	return NULL;
}

/* Group @g's entry in @c's cache, when it is up to date; an entry that is not is dropped. */
static struct wgroup *cache_valid(struct ipp_compiled *c, const struct walk *g)
{
	struct wgroup *x = cache_entry(c, g);

	if (!x || x->print == group_print(c, g))
		return x;
	cells_free(&x->m);
	x->print = 0;
	return NULL;
}

/* Group @g's cells from @c's cache into @m (taken out of it); false: none, or out of date. */
static bool cache_take(struct ipp_compiled *c, const struct walk *g, struct wcells *m)
{
	struct wgroup *x = cache_valid(c, g);

	if (!x)
		return false;
	*m = x->m;
	memset(&x->m, 0, sizeof(x->m));
	x->print = 0; /* (taken) */
	return true;
}

/* Group @w's cells @m into @c's cache (taken); when it cannot, nothing is kept. */
static void cache_put(struct ipp_compiled *c, const struct wgroup *w, struct wcells *m)
{
	struct ipp_cells_cache *cc = c->cells_cache;
	struct wgroup *x = cache_entry(c, &w->g);

	if (!x) {
		if (!cc && !(cc = c->cells_cache = calloc(1, sizeof(*cc))))
			goto drop;
		if (ipp_grow((void **)&cc->g, &cc->cap, cc->ng + 1, sizeof(*cc->g)) < 0)
			goto drop;
		x = &cc->g[cc->ng++];
		*x = (struct wgroup){.g = w->g};
	}
	cells_free(&x->m);
	x->m = *m;
	x->print = group_print(c, &w->g);
	memset(m, 0, sizeof(*m));
	return;
drop:
	cells_free(m);
	ipp_cells_cache_drop(c);
}

struct ipp_cells_snap {
	struct walkset ws; /* the walks past both gates a change touches, their cells, groups */
	char **text;	   /* each walk's rules, without prefix */
	/* groups the change does not move (no changed element holds an address of theirs)
	 * whose cells the cache holds: still valid after it */
	struct walk *keep;
	size_t nkeep;
};

void ipp_cells_snap_free(struct ipp_cells_snap *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->text && i < s->ws.n; i++)
		free(s->text[i]);
	free(s->text);
	free(s->keep);
	walkset_free(&s->ws);
	free(s);
}

int ipp_cells_snap(struct ipp_compiled *c, const struct ipp_ctouch *touched,
		   struct ipp_cells_snap **ret)
{
	struct ipp_cells_snap *s = calloc(1, sizeof(*s));
	struct walk *all = NULL;
	size_t n, i, k;

	*ret = NULL;
	if (!s)
		return -ENOMEM;
	if (!c->opts.cells) { /* (nothing to follow: ipp_patch_emit_local() rewrites them) */
		*ret = s;
		return 0;
	}
	if (!(all = malloc(MAX_WALKS * sizeof(*all))))
		goto nomem;
	n = list_walks(c, all);
	if (!(s->ws.v = calloc(n + 1, sizeof(*s->ws.v))) ||
	    !(s->keep = calloc(n + 1, sizeof(*s->keep))))
		goto nomem;
	/*
	 * (a tier is in the walks of all addresses of a group or of none: tier_in_walk()).
	 * A group's cells and walks depend on the elements that hold its addresses and on
	 * which tiers have elements: when no changed element holds one of its addresses and
	 * no tier gains its first element or loses its last, they stay as they are.
	 */
	for (i = 0; i < n; i++) {
		const struct walk *w = &all[i];
		bool changed = false, moved = false;
		uint32_t gm;

		if (!w->local || w->sub != SUB_SD)
			continue;
		gm = group_mask(c, w);
		for (k = 0; k < c->ntiers && !moved; k++)
			if (touched[k].changed && tier_in_walk(&c->tiers[k], w)) {
				changed = true;
				moved = touched[k].hold[w->hook == HOOK_OUT] & gm;
			}
		if (moved) {
			s->ws.v[s->ws.n++] = *w;
		} else if (changed) {
			struct walk g = walk_group(w);
			size_t j;

			for (j = 0; j < s->nkeep && !same_group(&s->keep[j], &g); j++)
				;
			if (j == s->nkeep && cache_valid(c, &g))
				s->keep[s->nkeep++] = g;
		}
	}
	free(all);
	all = NULL;
	if (walkset_cells(c, &s->ws, c) < 0 || !(s->text = calloc(s->ws.n + 1, sizeof(*s->text))))
		goto nomem;
	for (i = 0; i < s->ws.n; i++)
		if (!(s->text[i] = walk_text(c, &s->ws.v[i], ws_cells(&s->ws, i), "")))
			goto nomem;
	*ret = s;
	return 0;
nomem:
	free(all);
	ipp_cells_snap_free(s);
	return -ENOMEM;
}

int ipp_cells_snap_emit(struct ipp_compiled *c, struct ipp_cells_snap *s, FILE *out)
{
	char name[WALK_NAME_MAX], prefix[WALK_NAME_MAX + 32];
	struct walkset nw = {0};
	int r = -ENOMEM;

	/* (the groups the change left: their cells are those in force, for the change after) */
	for (size_t i = 0; i < s->nkeep; i++) {
		struct wgroup *x = cache_entry(c, &s->keep[i]);

		if (x)
			x->print = group_print(c, &s->keep[i]);
	}
	if (!s->ws.n)
		return 0;
	if (!(nw.v = malloc(s->ws.n * sizeof(*nw.v))))
		return -ENOMEM;
	memcpy(nw.v, s->ws.v, s->ws.n * sizeof(*nw.v));
	nw.n = s->ws.n;
	if (walkset_cells(c, &nw, NULL) < 0)
		return -ENOMEM;
	if (walkset_cells_pre(&s->ws, &nw, out) < 0)
		goto out;
	for (size_t i = 0; i < nw.n; i++) {
		const struct walk *w = &nw.v[i];
		char *text = walk_text(c, w, ws_cells(&nw, i), "");

		if (!text)
			goto out;
		if (strcmp(text, s->text[i])) {
			walk_name(w, name, sizeof(name));
			snprintf(prefix, sizeof(prefix), "add rule %s %s ", TABLE, name);
			fprintf(out, "flush chain %s %s\n", TABLE, name);
			print_lines(prefix, text, out);
		}
		free(text);
	}
	walkset_cells_post(&s->ws, &nw, out);
	/* (what is in force once this is applied: the next change starts from it; a change
	 * that fails is followed by a compile, a form of its own) */
	for (size_t i = 0; i < nw.ng; i++)
		cache_put(c, &nw.g[i], &nw.g[i].m);
	r = 0;
out:
	walkset_free(&nw);
	return r;
}

void ipp_patch_emit(const struct ipp_compiled *c, const struct ipp_ctier *t,
		    const struct ipp_celem *e, bool add, FILE *out)
{
	fprintf(out, "%s element %s %s {\n", add ? "add" : "delete", TABLE, t->name);
	elem_line(c, t, e, add, "\t", out);
	fputs("}\n", out);
}

void ipp_patch_emit_end(struct ipp_compiled *c, const struct ipp_cgate (*old_gates)[2],
			bool keep_flows, FILE *out)
{
	/* (a deletion's: the first 16 bits no element names any more go) */
	if (old_gates)
		gates_diff(old_gates, (const struct ipp_cgate(*)[2])c->gate, out);
	/* (a move deletes set elements and rewrites rules: measured, that costs a
	 * transaction on a large table more than twice what an element added does) */
	if (!keep_flows)
		ipp_flow_swap_emit(c, out);
}

bool ipp_compiled_flow_used(const struct ipp_compiled *c)
{
	return flow_used(c);
}

void ipp_flow_swap_emit(struct ipp_compiled *c, FILE *out)
{
	c->flow_gen ^= 1;
	flow_rewire(c, out);
}

void ipp_carry_name(const struct ipp_compiled *c, const struct ipp_ctier *t,
		    const struct ipp_celem *e, int verdict, char *buf, size_t len)
{
	char key[160], group[IPP_CTIER_NAME_MAX], owner[2 * IPP_NAME_MAX + 32];
	uint64_t h;

	ipp_ckey_format(&t->shape, &e->key, key, sizeof(key));
	ipp_ctier_group(t->name, group, sizeof(group));
	elem_owner(c, e, owner, sizeof(owner));
	h = ipp_fnv1a_str(IPP_FNV1A_BASIS, group);
	h = ipp_fnv1a_str(h, " ");
	h = ipp_fnv1a_str(h, key);
	h = ipp_fnv1a_str(h, "\n");
	h = ipp_fnv1a_str(h, owner);
	if (verdict >= 0) /* (without: the name a carry counter without a verdict has) */
		h = ipp_fnv1a_mix(h, 0x80u | (unsigned)verdict);
	snprintf(buf, len, "carry_%016llx", (unsigned long long)h);
}

void ipp_flow_fold_emit(const struct ipp_compiled *c, unsigned gen, const struct ipp_carry *v,
			size_t n, const char *const *stale, size_t nstale, FILE *out)
{
	flush_generation(gen, out);
	ipp_carry_emit(c, v, n, stale, nstale, out);
}

void ipp_carry_emit(const struct ipp_compiled *c, const struct ipp_carry *v, size_t n,
		    const char *const *stale, size_t nstale, FILE *out)
{
	char name[WALK_NAME_MAX], key[160], group[IPP_CTIER_NAME_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		ipp_carry_name(c, v[i].tier, v[i].elem, v[i].verdict, name, sizeof(name));
		if (v[i].existed)
			fprintf(out, "delete counter %s %s\n", TABLE, name);
		ipp_ckey_format(&v[i].tier->shape, &v[i].elem->key, key, sizeof(key));
		ipp_ctier_group(v[i].tier->name, group, sizeof(group));
		fprintf(out,
			"add counter %s %s { packets %llu bytes %llu; comment \"" IPP_CARRY_PREFIX
			"%s%s%s %s\"; }\n",
			TABLE, name, (unsigned long long)v[i].packets,
			(unsigned long long)v[i].bytes,
			v[i].verdict >= 0 ? ipp_cverdict_name((enum ipp_cverdict)v[i].verdict) : "",
			v[i].verdict >= 0 ? " " : "", group, key);
	}
	for (i = 0; i < nstale; i++)
		fprintf(out, "delete counter %s %s\n", TABLE, stale[i]);
}

int ipp_compiled_diff(const struct ipp_compiled *old, const struct ipp_compiled *new, FILE *out,
		      struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	const struct ipp_ctier **ov = NULL, **nv = NULL;
	struct walkset ow = {0}, nw = {0};
	struct ipp_cdiff_stats s = {0};
	struct pair *pairs = NULL;
	struct elem_ops *ops = NULL;
	size_t i, j, np = 0, changes = 0;
	int r = 0;

	if (!old || !opts_equal(&old->opts, &new->opts) ||
	    flow_used(old) != flow_used(new))
		goto full; /* the verdict chains differ */
	ov = by_name(old);
	nv = by_name(new);
	pairs = calloc(old->ntiers + new->ntiers + 1, sizeof(*pairs));
	if (!ov || !nv || !pairs) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0, j = 0; i < old->ntiers || j < new->ntiers;) {
		int c;

		if (i == old->ntiers)
			c = 1;
		else if (j == new->ntiers)
			c = -1;
		else
			c = strcmp(ov[i]->name, nv[j]->name);
		if (c < 0)
			pairs[np++] = (struct pair){ov[i++], NULL};
		else if (c > 0)
			pairs[np++] = (struct pair){NULL, nv[j++]};
		else
			pairs[np++] = (struct pair){ov[i++], nv[j++]};
	}
	ops = calloc(np + 1, sizeof(*ops));
	if (!ops) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < np; i++) {
		const struct pair *p = &pairs[i];

		if (p->o && p->n && !ipp_ctier_keyless(p->n)) {
			if (elem_diff(old, p->o, new, p->n, &ops[i]) < 0) {
				r = ipp_err(err, ENOMEM, "out of memory");
				goto out;
			}
			changes += ops[i].ndel + ops[i].nadd;
		} else if (p->n) {
			changes += p->n->nelems;
		} else {
			changes += p->o->nelems;
		}
	}
	if (changes > 1000 && changes > new->nelems / 2)
		goto full;

	if (walkset_build(old, &ow) < 0 || walkset_build(new, &nw) < 0) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}

	/* 1. new walk chains, empty (filled below) */
	walks_create(ow.v, ow.n, nw.v, nw.n, out);
	/* 2. new maps with their elements */
	for (i = 0; i < np; i++) {
		const struct pair *p = &pairs[i];

		if (p->o || !p->n)
			continue;
		s.tiers_added++;
		if (ipp_ctier_keyless(p->n))
			continue;
		fprintf(out, "add map %s %s {\n", TABLE, p->n->name);
		emit_map_body(new, p->n, "\t", out);
		fprintf(out, "}\n");
		s.elems_added += p->n->nelems;
	}
	/* 3. elements of the maps that stay */
	for (i = 0; i < np; i++) {
		const struct pair *p = &pairs[i];

		if (!p->o || !p->n || ipp_ctier_keyless(p->n))
			continue;
		if (ops[i].ndel) {
			fprintf(out, "delete element %s %s {\n", TABLE, p->n->name);
			emit_elements(old, p->o, ops[i].del, ops[i].ndel, false, "\t", out);
			fprintf(out, "}\n");
			s.elems_deleted += ops[i].ndel;
		}
		if (ops[i].nadd) {
			fprintf(out, "add element %s %s {\n", TABLE, p->n->name);
			emit_elements(new, p->n, ops[i].add, ops[i].nadd, true, "\t", out);
			fprintf(out, "}\n");
			s.elems_added += ops[i].nadd;
		}
	}
	/* the gates: a packet may now pass where it could not (and the reverse) */
	gates_diff((const struct ipp_cgate(*)[2])old->gate,
		   (const struct ipp_cgate(*)[2]) new->gate, out);
	/* 4. the cells of the local walks (their chains, map elements), then the walk chains
	 * whose rules changed: flushed and refilled */
	if (walkset_cells_pre(&ow, &nw, out) < 0 ||
	    walks_fill(old, new, &ow, &nw, out, &s.chains_rewritten) < 0) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	/* 5. walk chains no longer used, the cells' chains and maps no longer used, then
	 * maps no longer used */
	walks_drop(ow.v, ow.n, nw.v, nw.n, out);
	walkset_cells_post(&ow, &nw, out);
	for (i = 0; i < np; i++) {
		const struct pair *p = &pairs[i];

		if (!p->o || p->n)
			continue;
		s.tiers_deleted++;
		if (ipp_ctier_keyless(p->o))
			continue;
		fprintf(out, "delete map %s %s\n", TABLE, p->o->name);
		s.elems_deleted += p->o->nelems;
	}
	s.empty = s.elems_added == 0 && s.elems_deleted == 0 && s.chains_rewritten == 0 &&
		  s.tiers_added == 0 && s.tiers_deleted == 0;
	/* 6. the flow cache holds outcomes of the old policy: the rules move to the
	 * generation of @new (emptied), the old one is frozen for the fold (compile.h) */
	if (!s.empty)
		flow_rewire(new, out);
	goto out;
full:
	s.full = true;
	r = ipp_compiled_emit(new, out, err);
	s.elems_added = new->nelems;
	s.tiers_added = new->ntiers;
out:
	if (ops)
		for (i = 0; i < np; i++) {
			free(ops[i].del);
			free(ops[i].add);
		}
	free(ops);
	free(pairs);
	free(ov);
	free(nv);
	walkset_free(&ow);
	walkset_free(&nw);
	if (r == 0 && ferror(out))
		r = ipp_err(err, EIO, "cannot write the ruleset changes");
	if (r == 0 && st)
		*st = s;
	return r;
}

int ipp_compiled_diff_text(const struct ipp_compiled *old, const struct ipp_compiled *new,
			   char **ret, struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	return to_string(ipp_compiled_diff, old, new, ret, st, err);
}

/* ---------- what a line of emitted text stands for ---------- */

/* Line @n (1-based) of @text into @buf; false when there is no such line. */
static bool get_line(const char *text, unsigned n, char *buf, size_t len, const char **start)
{
	const char *p = text, *e;
	unsigned i;

	for (i = 1; i < n && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return false;
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	if ((size_t)(e - p) >= len)
		e = p + len - 1;
	memcpy(buf, p, (size_t)(e - p));
	buf[e - p] = '\0';
	if (start)
		*start = p;
	return true;
}

/* The map an element line belongs to: the nearest "map NAME {" or "... element ... NAME {" above.
 */
static bool enclosing_map(const char *text, const char *line_start, char *name, size_t len)
{
	const char *p = line_start;

	while (p > text) {
		const char *b = p - 1, *q;
		char l[512];
		size_t n;

		while (b > text && b[-1] != '\n')
			b--;
		n = (size_t)(p - 1 - b);
		if (n >= sizeof(l))
			n = sizeof(l) - 1;
		memcpy(l, b, n);
		l[n] = '\0';
		p = b;
		q = l;
		while (*q == '\t' || *q == ' ')
			q++;
		if (!strncmp(q, "map ", 4) || !strncmp(q, "add map ", 8) ||
		    !strncmp(q, "add element ", 12) || !strncmp(q, "delete element ", 15)) {
			const char *brace = strrchr(q, '{');
			const char *sp;

			if (!brace)
				return false;
			sp = brace;
			while (sp > q && sp[-1] == ' ')
				sp--;
			n = 0;
			while (sp > q && sp[-1] != ' ')
				sp--, n++;
			if (n == 0 || n >= len)
				return false;
			memcpy(name, sp, n);
			name[n] = '\0';
			return true;
		}
		if (!strncmp(q, "chain ", 6) || !strncmp(q, "table ", 6) || !*q || *q == '}')
			return false;
	}
	return false;
}

void ipp_compiled_explain_line(const struct ipp_compiled *c, const char *text, unsigned line,
			       char *buf, size_t len)
{
	char l[1024], mapname[IPP_CTIER_NAME_MAX], key[256];
	const char *start, *com, *q, *end;
	const struct ipp_ctier *t;
	const struct ipp_celem *e;
	struct ipp_ckey k;
	size_t n;

	buf[0] = '\0';
	if (!get_line(text, line, l, sizeof(l), &start))
		return;
	q = l;
	while (*q == '\t' || *q == ' ')
		q++;
	/* a map declaration: the map's source */
	if (!strncmp(q, "map ", 4) || !strncmp(q, "add map ", 8)) {
		const char *nm = q + (q[0] == 'm' ? 4 : 8 + strlen(TABLE) + 1);

		n = strcspn(nm, " {");
		if (n < sizeof(mapname)) {
			memcpy(mapname, nm, n);
			mapname[n] = '\0';
			if ((t = ipp_compiled_tier(c, mapname)) != NULL) {
				char src[512];

				tier_source(c, t, src, sizeof(src));
				snprintf(buf, len, "%s (map %s)", src, t->name);
				return;
			}
		}
	}
	/* an element line: the key up to " comment", " :" or "," */
	if (enclosing_map(text, start, mapname, sizeof(mapname)) &&
	    (t = ipp_compiled_tier(c, mapname)) != NULL && strncmp(q, "type ", 5) &&
	    strncmp(q, "counter", 7) && strncmp(q, "comment ", 8) && strncmp(q, "elements", 8)) {
		end = q + strcspn(q, ":,");
		com = strstr(q, " comment ");
		if (com && com < end)
			end = com;
		while (end > q && end[-1] == ' ')
			end--;
		n = (size_t)(end - q);
		if (n < sizeof(key)) {
			memcpy(key, q, n);
			key[n] = '\0';
			if (ipp_ckey_parse(&t->shape, key, &k) == 0 &&
			    (e = ipp_ctier_find(t, &k)) != NULL) {
				char d[600];

				ipp_celem_describe(c, e, d, sizeof(d));
				snprintf(buf, len, "%s (map %s)", d, t->name);
				return;
			}
		}
		snprintf(buf, len, "map %s element \"%s\"", t->name, q);
		return;
	}
	com = strstr(l, "comment \"");
	if (com) {
		com += 9;
		end = strchr(com, '"');
		n = end ? (size_t)(end - com) : strlen(com);
		if (n >= len)
			n = len - 1;
		memcpy(buf, com, n);
		buf[n] = '\0';
	}
}
