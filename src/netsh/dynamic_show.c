/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic_show.c - `dynamic show qmfilter | mmfilter | stats | all`: what is
 * in force, read from the kernel (dynamic_kernel.c).
 *
 * Generic filters are the filters as configured, those of the rules of the
 * effective policy; specific filters are what the kernel holds: one map
 * element (or rule) per direction of a generic filter, with "me" matched by
 * the kernel and the server types expanded to addresses, each with its
 * weight and its packet and byte counters.  A generic filter's counters are
 * the sums of its specific filters'.
 *
 * Main mode filters are those of the rules that negotiate: addresses only,
 * with the rule's authentication methods.
 */
#include "../common/utf8.h"
#include "dynamic.h"
#include <ctype.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dynamic_internal.h"
#include "show_internal.h"

#define LABEL_W 26

enum ftype { FT_BOTH = 0, FT_GENERIC, FT_SPECIFIC };

/* The selectors of show qmfilter / mmfilter. */
struct sel {
	const char *name;
	enum ftype type;
	bool has_src, has_dst, has_smask, has_dmask;
	struct ipp_addr src, dst;
	uint8_t smask, dmask;
	bool has_proto, has_sport, has_dport;
	uint8_t proto;
	uint16_t sport, dport;
	enum ipp_action in, out; /* INVALID: not given */
	bool resolvedns;
};

/* ---------- output ---------- */

static void __attribute__((format(printf, 3, 4)))
field(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%-*s : ", LABEL_W, label);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static void heading(FILE *out, const char *text)
{
	size_t i, n = strlen(text);

	fprintf(out, "\n%s\n", text);
	for (i = 0; i < n; i++)
		fputc('-', out);
	fputc('\n', out);
}

static void port_text(uint16_t port, char *buf, size_t len)
{
	if (port == 0)
		snprintf(buf, len, "ANY");
	else
		snprintf(buf, len, "%u", (unsigned)port);
}

/* The protocol and port fields of a filter. */
static void proto_fields(FILE *out, uint8_t proto, uint16_t sport, uint16_t dport)
{
	char buf[64];

	ipp_proto_format(proto, buf, sizeof(buf));
	field(out, "Protocol", "%s", buf);
	port_text(sport, buf, sizeof(buf));
	field(out, "Source Port", "%s", buf);
	port_text(dport, buf, sizeof(buf));
	field(out, "Destination Port", "%s", buf);
}

static const char *conntype_label(enum ipp_conntype t)
{
	switch (t) {
	case IPP_CONN_LAN:
		return "LAN";
	case IPP_CONN_DIALUP:
		return "DIALUP";
	default:
		return "ALL";
	}
}

static const char *store_word(enum ipp_store_loc loc)
{
	switch (loc) {
	case IPP_STORE_INVALID:
		return "dynamic";
	case IPP_STORE_PERSISTENT:
		return "persistent";
	case IPP_STORE_DOMAIN:
		return "domain";
	default:
		return "local";
	}
}

/* The policy a rule of the policy in force is of, and its store (dynamic rules: none). */
static void policy_field(const struct ipp_eff_rule *r, FILE *out)
{
	if (r->origin == IPP_ORIGIN_DYNAMIC)
		field(out, "Policy Name", "%s", r->policy);
	else
		field(out, "Policy Name", "%s (%s store)", r->policy, store_word(r->store));
}

/* The reverse lookup of a host address (resolvedns=yes), or "". */
/*
 * Names found by reverse lookups, for one command: an address shown in many
 * filters (and both images of each) is asked once, and an unreachable
 * resolver's timeout is paid once per address, not once per field.
 */
#define RDNS_CACHE 256
static struct {
	struct ipp_addr a;
	char name[256]; /* a DNS name has at most 253 characters */
} rdns_cache[RDNS_CACHE];
static size_t rdns_n;

static void rdns(const struct ipp_addr *a, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t i;

	buf[0] = '\0';
	if (a->kind != IPP_ADDR_IP)
		return;
	for (i = 0; i < rdns_n; i++)
		if (ipp_addr_same(&rdns_cache[i].a, a)) {
			snprintf(buf, len, "%s", rdns_cache[i].name);
			return;
		}
	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET && a->plen == 32) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->ip, 4);
		sl = sizeof(*sin);
	} else if (a->family == AF_INET6 && a->plen == 128) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->ip, 16);
		sl = sizeof(*sin6);
	} else {
		return;
	}
	if (getnameinfo((struct sockaddr *)&ss, sl, buf, len, NULL, 0, NI_NAMEREQD) != 0)
		buf[0] = '\0';
	if (rdns_n < RDNS_CACHE) {
		rdns_cache[rdns_n].a = *a;
		snprintf(rdns_cache[rdns_n].name, sizeof(rdns_cache[rdns_n].name), "%s", buf);
		rdns_n++;
	}
}

static void addr_fields(FILE *out, const char *side, const struct ipp_addr *a, int family,
			const char *dns, bool resolvedns)
{
	char label[64], buf[IPP_ADDR_STRLEN + IPP_NAME_MAX];

	show_addr_label(a, buf, sizeof(buf));
	snprintf(label, sizeof(label), "%s Address", side);
	field(out, label, "%s", buf);
	show_mask_text(a, family, true, buf, sizeof(buf));
	snprintf(label, sizeof(label), "%s Mask", side);
	field(out, label, "%s", buf);
	if (dns && *dns) {
		snprintf(label, sizeof(label), "%s DNS Name", side);
		field(out, label, "%s", dns);
	} else if (resolvedns) {
		rdns(a, buf, sizeof(buf));
		snprintf(label, sizeof(label), "%s DNS Name", side);
		field(out, label, "%s", buf);
	}
}

/* ---------- selectors ---------- */

static int parse_addr(const struct ipp_args *a, const char *tag, const char *masktag, bool *has,
		      struct ipp_addr *ret, bool *has_mask, uint8_t *mask, struct ipp_error *err)
{
	const char *v = ipp_args_get(a, tag), *m = ipp_args_get(a, masktag);
	int r;

	if (v) {
		r = ipp_addr_parse(v, ret, err);
		if (r == -EAGAIN)
			return ipp_err(err, EINVAL,
				       "%s \"%s\": a DNS name is not accepted here: expected an "
				       "address, me, any or a server type",
				       tag, v);
		if (r < 0) {
			ipp_err_prefix(err, "%s", tag);
			return r;
		}
		*has = true;
	}
	if (m) {
		if ((r = ipp_mask_parse(m, v && ret->family ? ret->family : AF_INET, mask, err)) <
		    0) {
			ipp_err_prefix(err, "%s", masktag);
			return r;
		}
		*has_mask = true;
		if (v && ret->kind == IPP_ADDR_IP) {
			if ((r = ipp_addr_set_mask(ret, *mask, err)) < 0)
				return r;
			/* 10.66.0.5 with mask 8 is 10.0.0.0/8, as a filter's address is */
			if (ret->kind == IPP_ADDR_IP)
				ipp_ip_mask(ret->ip, ret->plen);
		}
	}
	return 0;
}

static int parse_sel(const struct ipp_args *a, struct sel *s, struct ipp_error *err)
{
	const char *v;
	int r;

	memset(s, 0, sizeof(*s));
	rdns_n = 0; /* a new command asks the resolver again */
	s->name = ipp_args_get(a, "name");
	if ((v = ipp_args_get(a, "type")))
		s->type = strcmp(v, "generic") == 0 ? FT_GENERIC : FT_SPECIFIC;
	if ((r = parse_addr(a, "srcaddr", "srcmask", &s->has_src, &s->src, &s->has_smask, &s->smask,
			    err)) < 0 ||
	    (r = parse_addr(a, "dstaddr", "dstmask", &s->has_dst, &s->dst, &s->has_dmask, &s->dmask,
			    err)) < 0)
		return r;
	if ((v = ipp_args_get(a, "protocol"))) {
		if ((r = ipp_proto_parse(v, &s->proto, err)) < 0)
			return r;
		s->has_proto = true;
	}
	if ((v = ipp_args_get(a, "srcport"))) {
		if ((r = ipp_port_parse(v, &s->sport, err)) < 0)
			return r;
		s->has_sport = true;
	}
	if ((v = ipp_args_get(a, "dstport"))) {
		if ((r = ipp_port_parse(v, &s->dport, err)) < 0)
			return r;
		s->has_dport = true;
	}
	if ((v = ipp_args_get(a, "actioninbound")) && (r = ipp_action_parse(v, &s->in, err)) < 0)
		return r;
	if ((v = ipp_args_get(a, "actionoutbound")) && (r = ipp_action_parse(v, &s->out, err)) < 0)
		return r;
	return ipp_args_bool(a, "resolvedns", &s->resolvedns, err);
}

/*
 * Does filter address @f answer the selector?  An IP without a mask: the
 * filters whose address (subnet, range) contains it; with a mask: exactly
 * that subnet; a range: the filters containing all of it; me, any and the
 * server types: filters written so.  A mask
 * alone: filters of that prefix length.
 */
static bool addr_match(const struct ipp_addr *f, bool has, const struct ipp_addr *s, bool has_mask,
		       uint8_t mask)
{
	if (has) {
		/* a range: the filters whose address contains all of it */
		if (s->kind == IPP_ADDR_RANGE)
			return (f->kind == IPP_ADDR_IP || f->kind == IPP_ADDR_RANGE) &&
			       ipp_addr_contains(f, s->family, s->ip) &&
			       ipp_addr_contains(f, s->family, s->ip_end);
		if (s->kind != IPP_ADDR_IP)
			return f->kind == s->kind;
		if (has_mask)
			return f->kind == IPP_ADDR_IP && ipp_addr_same(f, s);
		return (f->kind == IPP_ADDR_IP || f->kind == IPP_ADDR_RANGE) &&
		       f->family == s->family && ipp_addr_contains(f, s->family, s->ip);
	}
	if (has_mask)
		return f->kind == IPP_ADDR_IP && f->plen == mask;
	return true;
}

static bool name_match(const struct sel *s, const struct ipp_eff_rule *r)
{
	return !s->name || ipp_utf8_casecmp(s->name, r->filterlist) == 0 ||
	       ipp_utf8_casecmp(s->name, r->rule) == 0;
}

/* The selectors every filter kind has: name and addresses. */
static bool sel_addrs(const struct sel *s, const struct ipp_eff_rule *r, const struct ipp_addr *src,
		      const struct ipp_addr *dst)
{
	return name_match(s, r) && addr_match(src, s->has_src, &s->src, s->has_smask, s->smask) &&
	       addr_match(dst, s->has_dst, &s->dst, s->has_dmask, s->dmask);
}

/* (protocol=ICMP selects the ICMPv6 specific filters an ICMP filter gives too) */
static bool sel_ports(const struct sel *s, uint8_t proto, uint16_t sport, uint16_t dport)
{
	return (!s->has_proto || s->proto == proto ||
		(s->proto == IPPROTO_ICMP && proto == IPPROTO_ICMPV6)) &&
	       (!s->has_sport || s->sport == sport) && (!s->has_dport || s->dport == dport);
}

/* ---------- specific filters from the compiled elements ---------- */

static enum ipp_action verdict_action(uint8_t v)
{
	switch (v) {
	case IPP_CV_ACCEPT:
		return IPP_ACTION_PERMIT;
	case IPP_CV_DROP:
		return IPP_ACTION_BLOCK;
	default:
		return IPP_ACTION_NEGOTIATE;
	}
}

static void side_addr(const struct ipp_cshape *sh, uint8_t kind, uint8_t plen, const uint8_t ip[16],
		      struct ipp_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (kind == IPP_ADDR_ME) {
		ret->kind = IPP_ADDR_ME;
		return;
	}
	if (kind != IPP_ADDR_IP || plen == 0) {
		ret->kind = IPP_ADDR_ANY;
		return;
	}
	ret->kind = IPP_ADDR_IP;
	ret->family = sh->family;
	ret->plen = plen;
	memcpy(ret->ip, ip, 16);
}

/* A compiled element as a specific filter. */
struct spec {
	const struct ipp_counter *c;
	const struct ipp_eff_rule *rule;
	struct ipp_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;
	enum ipp_action action;
	bool in, out; /* the hooks it is walked on */
};

static void spec_of(const struct ipp_dyn_state *st, const struct ipp_counter *c, struct spec *ret)
{
	const struct ipp_cshape *sh = &c->tier->shape;

	memset(ret, 0, sizeof(*ret));
	ret->c = c;
	ret->rule = c->rule < st->res.eff->nrules ? &st->res.eff->rules[c->rule] : NULL;
	side_addr(sh, sh->src_kind, sh->src_plen, c->elem->key.src, &ret->src);
	side_addr(sh, sh->dst_kind, sh->dst_plen, c->elem->key.dst, &ret->dst);
	ret->proto = sh->pkey ? c->elem->key.proto : sh->proto;
	ret->sport = sh->sport ? c->elem->key.sport : 0;
	ret->dport = sh->dport ? c->elem->key.dport : 0;
	/* what the kernel does with it: another action than the stores' when they changed */
	ret->action = verdict_action(c->stale ? c->kverdict : c->elem->verdict);
	ret->in = c->tier->hooks & IPP_CHOOK_IN;
	ret->out = c->tier->hooks & IPP_CHOOK_OUT;
}

static bool spec_match(const struct sel *s, const struct spec *f)
{
	if (!f->rule || !sel_addrs(s, f->rule, &f->src, &f->dst) ||
	    !sel_ports(s, f->proto, f->sport, f->dport))
		return false;
	if (s->in && !(f->in && f->action == s->in))
		return false;
	if (s->out && !(f->out && f->action == s->out))
		return false;
	return true;
}

static const char *direction_label(bool in, bool out)
{
	return in && out ? "Inbound and outbound" : in ? "Inbound" : "Outbound";
}

/* What is in force and what the stores say differ: the kernel's table is older. */
static void not_in_force_note(const struct ipp_dyn_state *st, FILE *out)
{
	static const char why[] =
	    "the policy in force was applied before the stores, or the host's addresses and "
	    "servers that me, DNS, WINS, DHCP and GATEWAY stand for, last changed (a running "
	    "ipsecpold applies changes at once; otherwise run `ipsecpold --once')";

	if (st->rest)
		fprintf(out,
			"Note: the persistent policy is in force alone: ipsecpold cannot apply the "
			"domain or local policy (its status says why); what no filter "
			"matches is treated as in %s mode.\n",
			ipp_mode_name(st->rest));
	if (st->nsf_in_force < st->nsf_expected)
		fprintf(
		    out,
		    "Note: %zu of the %zu specific filters of the stores are not in force: %s.\n",
		    st->nsf_expected - st->nsf_in_force, st->nsf_expected, why);
	{
		size_t stale = ipp_dyn_state_stale(st);

		if (stale)
			fprintf(
			    out,
			    "Note: %zu filter element%s in force give%s another action than the "
			    "stores do (shown as in force, and counted by the action the kernel "
			    "gave): %s.\n",
			    stale, stale == 1 ? "" : "s", stale == 1 ? "s" : "", why);
	}
	if (st->extra.unknown_elems)
		fprintf(out,
			"Note: the kernel also enforces %llu filter element%s that the stores no "
			"longer hold (%llu packet%s so far), not listed here: %s.\n",
			(unsigned long long)st->extra.unknown_elems,
			st->extra.unknown_elems == 1 ? "" : "s",
			(unsigned long long)st->extra.unknown_packets,
			st->extra.unknown_packets == 1 ? "" : "s", why);
}

static const struct ipp_filterlist *find_list(const struct ipp_dyn_state *st,
					      const struct ipp_eff_rule *r);
static const struct ipp_dyn_rule *dyn_of(const struct ipp_dyn_state *st,
					 const struct ipp_eff_rule *r);

/*
 * A side of a specific filter that its configured filter names by a server
 * type (dns, wins, dhcp, gateway) is selected as written: dstaddr=dns lists
 * the specific filters of the filters written so, as me does.  @src and
 * @dst (the specific filter's, expanded) are replaced by the server type
 * where the configured filter (of rule @rule, filter @filter; its mirror
 * image when @reversed) has one.
 */
static void as_written(const struct ipp_dyn_state *st, uint32_t rule, uint32_t filter,
		       bool reversed, struct ipp_addr *src, struct ipp_addr *dst)
{
	const struct ipp_effective *eff = st->res.eff;
	const struct ipp_addr *ws = NULL, *wd = NULL;
	const struct ipp_eff_rule *r = rule < eff->nrules ? &eff->rules[rule] : NULL;
	const struct ipp_dyn_rule *d = r ? dyn_of(st, r) : NULL;
	const struct ipp_filterlist *fl = r && !d ? find_list(st, r) : NULL;

	if (d) {
		ws = &d->src, wd = &d->dst;
	} else if (fl && filter < fl->nfilters) {
		ws = &fl->filters[filter].src, wd = &fl->filters[filter].dst;
	} else {
		return;
	}
	if (reversed) {
		const struct ipp_addr *t = ws;

		ws = wd, wd = t;
	}
	if (ipp_addr_is_server(ws->kind))
		*src = *ws;
	if (ipp_addr_is_server(wd->kind))
		*dst = *wd;
}

/* Does the selection name a server type (as_written() then matters)? */
static bool sel_servers(const struct sel *s)
{
	return (s->has_src && ipp_addr_is_server(s->src.kind)) ||
	       (s->has_dst && ipp_addr_is_server(s->dst.kind));
}

/*
 * The kernel's elements of one specific filter (an address range is split
 * into prefixes, each an element; a map split by hook holds one twice):
 * the first of them, and what they add up to.
 */
struct specgroup {
	size_t first; /* index into st->cnt */
	size_t sf;    /* index into st->res.eff->sf, SIZE_MAX: the element alone */
	bool match;   /* one of them matches the selection */
	bool in, out; /* the hooks they are walked on */
	uint64_t packets, bytes;
	char maps[512]; /* the kernel maps that hold them */
};

/* Group the counters of @st by specific filter, in the order of their first element. */
static struct specgroup *spec_groups(const struct ipp_dyn_state *st, const struct sel *s,
				     size_t *ret_n)
{
	struct specgroup *g = calloc(st->ncnt + 1, sizeof(*g));
	size_t *at = calloc(2 * st->res.eff->nsf + 1, sizeof(*at)); /* slot -> group + 1 */
	size_t i, n = 0;
	struct spec f;

	if (!g || !at) {
		free(g);
		free(at);
		return NULL;
	}
	for (i = 0; i < st->ncnt; i++) {
		size_t sf = st->csf[i];
		size_t slot = sf != SIZE_MAX ? ipp_dyn_spec_slot(sf, st->cnt[i].tier) : 0;
		struct specgroup *x;
		size_t used;

		if (sf != SIZE_MAX && at[slot]) {
			x = &g[at[slot] - 1];
		} else {
			x = &g[n++];
			x->first = i;
			x->sf = sf;
			if (sf != SIZE_MAX)
				at[slot] = n;
		}
		spec_of(st, &st->cnt[i], &f);
		/* selected by the specific filter's addresses (a range whole), not a prefix's */
		if (sf != SIZE_MAX) {
			const struct ipp_sfilter *of = &st->res.eff->sf[sf];

			if (f.src.kind == IPP_ADDR_IP)
				f.src = of->src;
			if (f.dst.kind == IPP_ADDR_IP)
				f.dst = of->dst;
			if (sel_servers(s))
				as_written(st, of->rule, of->filter, of->reversed, &f.src, &f.dst);
		}
		x->match |= spec_match(s, &f);
		x->in |= f.in;
		x->out |= f.out;
		x->packets += st->cnt[i].packets;
		x->bytes += st->cnt[i].bytes;
		if (!strstr(x->maps, st->cnt[i].tier->name)) {
			used = strlen(x->maps);
			snprintf(x->maps + used, sizeof(x->maps) - used, "%s%s", used ? ", " : "",
				 st->cnt[i].tier->name);
		}
	}
	free(at);
	*ret_n = n;
	return g;
}

/* One specific filter as listed: in force (its maps and counts) or shadowed (@maps NULL). */
struct spec_shown {
	const struct ipp_eff_rule *rule;
	uint32_t filter, weight;
	bool reversed, in, out;
	const struct ipp_addr *src, *dst;
	int fam;
	uint8_t proto;
	uint16_t sport, dport;
	enum ipp_action action;
	const char *maps;
	uint64_t packets, bytes;
};

static void spec_fields(const struct sel *s, const struct spec_shown *x, FILE *out)
{
	field(out, "Filter Name", "%s (filter %u%s)", x->rule->filterlist, x->filter + 1,
	      x->reversed ? ", mirror image" : "");
	policy_field(x->rule, out);
	field(out, "Rule Name", "%s", x->rule->rule);
	field(out, "Connection Type", "%s", conntype_label(x->rule->conntype));
	field(out, "Weight", "%u (0x%x)", x->weight, x->weight);
	field(out, "Direction", "%s", direction_label(x->in, x->out));
	addr_fields(out, "Source", x->src, x->fam, NULL, s->resolvedns);
	addr_fields(out, "Destination", x->dst, x->fam, NULL, s->resolvedns);
	proto_fields(out, x->proto, x->sport, x->dport);
	field(out, "Inbound Action", "%s", x->in ? show_action_label(x->action) : "-");
	field(out, "Outbound Action", "%s", x->out ? show_action_label(x->action) : "-");
	if (!x->maps)
		field(out, "Kernel Map",
		      "none: shadowed (a better filter, or an equal one that wins the tie, "
		      "matches every packet it matches and decides them; whatif names it)");
	else
		field(out, strchr(x->maps, ',') ? "Kernel Maps" : "Kernel Map", "%s", x->maps);
	field(out, "Packets", "%llu", (unsigned long long)x->packets);
	field(out, "Bytes", "%llu", (unsigned long long)x->bytes);
}

/*
 * The specific filters that have no element: a better one (of equal weight:
 * the tie broken as whatif shows) has their selectors and decides their
 * packets.  Listed after those in force (@n of them), as Windows lists every
 * specific filter; the number listed.
 */
static size_t show_shadowed_qm(const struct ipp_dyn_state *st, const struct sel *s, size_t n,
			       FILE *out)
{
	const struct ipp_effective *eff = st->res.eff;
	size_t i, listed = 0;

	for (i = 0; st->sf_placed && i < eff->nsf; i++) {
		const struct ipp_sfilter *sf = &eff->sf[i];
		const struct ipp_eff_rule *r =
		    sf->rule < eff->nrules ? &eff->rules[sf->rule] : NULL;
		int fam = sf->src.kind == IPP_ADDR_IP	? sf->src.family
			  : sf->dst.kind == IPP_ADDR_IP ? sf->dst.family
							: 0;

		/* its direction as its map's would be: from me outbound, to me inbound */
		bool hin = sf->src.kind != IPP_ADDR_ME || sf->dst.kind == IPP_ADDR_ME;
		bool hout = sf->dst.kind != IPP_ADDR_ME || sf->src.kind == IPP_ADDR_ME;
		struct ipp_addr ws = sf->src, wd = sf->dst;

		if (sel_servers(s))
			as_written(st, sf->rule, sf->filter, sf->reversed, &ws, &wd);
		if (st->sf_placed[i] || !r || !sel_addrs(s, r, &ws, &wd) ||
		    !sel_ports(s, sf->protocol, sf->srcport, sf->dstport) ||
		    (s->in && !(hin && sf->action == s->in)) ||
		    (s->out && !(hout && sf->action == s->out)))
			continue;
		if (n + listed++)
			fputc('\n', out);
		spec_fields(s,
			    &(struct spec_shown){r, sf->filter, sf->weight, sf->reversed, hin, hout,
						 &sf->src, &sf->dst, fam, sf->protocol, sf->srcport,
						 sf->dstport, sf->action, NULL, 0, 0},
			    out);
	}
	return listed;
}

static size_t show_specific_qm(const struct ipp_dyn_state *st, const struct sel *s, FILE *out)
{
	struct specgroup *g;
	size_t i, n = 0, ng = 0;
	struct spec f;

	heading(out, "Specific Quick Mode Filters");
	g = spec_groups(st, s, &ng);
	for (i = 0; g && i < ng; i++) {
		const struct ipp_sfilter *sf =
		    g[i].sf != SIZE_MAX ? &st->res.eff->sf[g[i].sf] : NULL;

		if (!g[i].match)
			continue;
		spec_of(st, &st->cnt[g[i].first], &f);
		if (n++)
			fputc('\n', out);
		/* the specific filter's addresses (a range whole), else the element's */
		spec_fields(s,
			    &(struct spec_shown){
				f.rule, f.c->filter, f.c->elem->weight, f.c->reversed, g[i].in,
				g[i].out, sf && f.src.kind == IPP_ADDR_IP ? &sf->src : &f.src,
				sf && f.dst.kind == IPP_ADDR_IP ? &sf->dst : &f.dst,
				f.c->tier->shape.family, f.proto, f.sport, f.dport, f.action,
				g[i].maps, g[i].packets, g[i].bytes},
			    out);
	}
	free(g);
	n += show_shadowed_qm(st, s, n, out);
	fprintf(out, "\n%zu Specific Filter%s\n", n, n == 1 ? "" : "s");
	return n;
}

/* ---------- generic filters: the configured filters of the rules in force ---------- */

/* Counters summed per (rule, filter), sorted, for lookups. */
struct sum {
	uint32_t rule, filter;
	uint64_t packets, bytes;
	size_t n;  /* specific filters in force */
	size_t sf; /* while summing: the element's specific filter (SIZE_MAX: none known) */
};

static int sum_cmp(const void *x, const void *y)
{
	const struct sum *a = x, *b = y;

	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return a->filter < b->filter ? -1 : a->filter > b->filter;
}

/* sum_cmp(), then by specific filter: the elements of one (a range's prefixes) side by side. */
static int sum_sf_cmp(const void *x, const void *y)
{
	const struct sum *a = x, *b = y;
	int r = sum_cmp(a, b);

	return r ? r : a->sf < b->sf ? -1 : a->sf > b->sf;
}

static int sums_build(const struct ipp_dyn_state *st, struct sum **ret, size_t *ret_n,
		      struct ipp_error *err)
{
	struct sum *v;
	size_t i, n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!st->ncnt)
		return 0;
	v = calloc(st->ncnt, sizeof(*v));
	if (!v)
		return ipp_err(err, ENOMEM, "out of memory");
	for (i = 0; i < st->ncnt; i++) {
		v[i].rule = st->cnt[i].rule;
		v[i].filter = st->cnt[i].filter;
		v[i].packets = st->cnt[i].packets;
		v[i].bytes = st->cnt[i].bytes;
		v[i].n = 1;
		v[i].sf = st->csf[i];
	}
	qsort(v, st->ncnt, sizeof(*v), sum_sf_cmp);
	for (i = 0; i < st->ncnt; i++) {
		if (n && sum_cmp(&v[n - 1], &v[i]) == 0) {
			v[n - 1].packets += v[i].packets;
			v[n - 1].bytes += v[i].bytes;
			/* one specific filter's elements count once */
			if (v[i].sf == SIZE_MAX || v[i].sf != v[n - 1].sf)
				v[n - 1].n++;
			v[n - 1].sf = v[i].sf;
		} else {
			v[n++] = v[i];
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static const struct sum *sums_find(const struct sum *v, size_t n, uint32_t rule, uint32_t filter)
{
	struct sum k = {.rule = rule, .filter = filter};

	return v ? bsearch(&k, v, n, sizeof(*v), sum_cmp) : NULL;
}

static const struct ipp_filterlist *find_list(const struct ipp_dyn_state *st,
					      const struct ipp_eff_rule *r)
{
	const struct ipp_snapshot *s = ipp_dyn_snapshot(st, r->store);
	size_t i;

	for (i = 0; s && i < s->nfilterlists; i++)
		if (ipp_utf8_casecmp(s->filterlists[i].name, r->filterlist) == 0)
			return &s->filterlists[i];
	return NULL;
}

static const struct ipp_rule *find_rule(const struct ipp_dyn_state *st,
					const struct ipp_eff_rule *r)
{
	const struct ipp_snapshot *s = ipp_dyn_snapshot(st, r->store);
	size_t i, j;

	for (i = 0; s && i < s->npolicies; i++) {
		const struct ipp_policy *p = &s->policies[i];

		if (ipp_utf8_casecmp(p->name, r->policy) != 0)
			continue;
		for (j = 0; j < p->nrules; j++)
			if (p->rules[j].number == r->number)
				return &p->rules[j];
	}
	return NULL;
}

/* The agent's dynamic rule that rule @r of the policy in force is, or NULL. */
static const struct ipp_dyn_rule *dyn_of(const struct ipp_dyn_state *st,
					 const struct ipp_eff_rule *r)
{
	for (size_t i = 0; r->origin == IPP_ORIGIN_DYNAMIC && i < st->dyn.nrules; i++)
		if (st->dyn.rules[i].seq == r->number)
			return &st->dyn.rules[i];
	return NULL;
}

static void dyn_auth_fields(const struct ipp_dyn_rule *r, FILE *out);

/* Print one configured filter when it answers the selectors, counting it in *@n. */
typedef void (*generic_fn)(const struct ipp_dyn_state *st, const struct sel *s,
			   const struct ipp_eff_rule *r, uint32_t idx, const struct ipp_filter *f,
			   const struct sum *sum, FILE *out, size_t *n);

static void counters_fields(const struct sum *sum, FILE *out)
{
	field(out, "Specific Filters In Force", "%zu", sum ? sum->n : 0);
	field(out, "Packets", "%llu", (unsigned long long)(sum ? sum->packets : 0));
	field(out, "Bytes", "%llu", (unsigned long long)(sum ? sum->bytes : 0));
}

static void tunnel_field(const struct ipp_eff_rule *r, FILE *out)
{
	char buf[IPP_ADDR_STRLEN];

	if (!r->has_tunnel) {
		field(out, "Tunnel Destination", "None (transport mode)");
		return;
	}
	ipp_addr_format(&r->tunnel, buf, sizeof(buf));
	field(out, "Tunnel Destination", "%s", buf);
}

static void generic_qm(const struct ipp_dyn_state *st, const struct sel *s,
		       const struct ipp_eff_rule *r, uint32_t idx, const struct ipp_filter *f,
		       const struct sum *sum, FILE *out, size_t *n)
{
	const struct ipp_dyn_rule *d = dyn_of(st, r);
	enum ipp_action act = r->fa.action, outa = d ? d->outbound : act;

	if (d)
		act = d->inbound;
	if (!sel_addrs(s, r, &f->src, &f->dst) ||
	    !sel_ports(s, f->protocol, f->srcport, f->dstport) || (s->in && s->in != act) ||
	    (s->out && s->out != outa))
		return;
	if ((*n)++)
		fputc('\n', out);
	field(out, "Filter Name", "%s (filter %u)", r->filterlist, idx + 1);
	policy_field(r, out);
	field(out, "Rule Name", "%s", r->rule);
	field(out, "Filter Action", "%s", r->filteraction);
	field(out, "Connection Type", "%s", conntype_label(r->conntype));
	tunnel_field(r, out);
	field(out, "Mirrored", "%s", f->mirrored ? "YES" : "NO");
	addr_fields(out, "Source", &f->src, show_filter_family(&f->src, &f->dst), f->srcdns,
		    s->resolvedns);
	addr_fields(out, "Destination", &f->dst, show_filter_family(&f->src, &f->dst), f->dstdns,
		    s->resolvedns);
	proto_fields(out, f->protocol, f->srcport, f->dstport);
	field(out, "Inbound Action", "%s", show_action_label(act));
	field(out, "Outbound Action", "%s", show_action_label(outa));
	counters_fields(sum, out);
}

static void auth_fields(const struct ipp_rule *rule, FILE *out)
{
	char buf[IPP_ROOTCA_STRLEN];
	size_t i;

	if (!rule || rule->nauth == 0) {
		field(out, "Authentication Methods", "Kerberos");
		return;
	}
	for (i = 0; i < rule->nauth; i++) {
		const struct ipp_auth *a = &rule->auth[i];

		switch (a->kind) {
		case IPP_AUTH_PSK:
			snprintf(buf, sizeof(buf), "Preshared key");
			break;
		case IPP_AUTH_ROOTCA:
			snprintf(buf, sizeof(buf), "Root CA: %s", a->value);
			break;
		default:
			snprintf(buf, sizeof(buf), "Kerberos");
			break;
		}
		if (i == 0)
			field(out, "Authentication Methods", "%s", buf);
		else
			fprintf(out, "%*s%s\n", LABEL_W + 3, "", buf);
	}
}

static void generic_mm(const struct ipp_dyn_state *st, const struct sel *s,
		       const struct ipp_eff_rule *r, uint32_t idx, const struct ipp_filter *f,
		       const struct sum *sum, FILE *out, size_t *n)
{
	const struct ipp_dyn_rule *d = dyn_of(st, r);
	bool negotiates =
	    d ? d->inbound == IPP_ACTION_NEGOTIATE || d->outbound == IPP_ACTION_NEGOTIATE
	      : r->fa.action == IPP_ACTION_NEGOTIATE;

	if (!negotiates || !sel_addrs(s, r, &f->src, &f->dst))
		return;
	if ((*n)++)
		fputc('\n', out);
	field(out, "Filter Name", "%s (filter %u)", r->filterlist, idx + 1);
	policy_field(r, out);
	field(out, "Rule Name", "%s", r->rule);
	field(out, "Connection Type", "%s", conntype_label(r->conntype));
	tunnel_field(r, out);
	field(out, "Mirrored", "%s", f->mirrored ? "YES" : "NO");
	addr_fields(out, "Source", &f->src, show_filter_family(&f->src, &f->dst), f->srcdns,
		    s->resolvedns);
	addr_fields(out, "Destination", &f->dst, show_filter_family(&f->src, &f->dst), f->dstdns,
		    s->resolvedns);
	if (d)
		dyn_auth_fields(d, out);
	else
		auth_fields(find_rule(st, r), out);
	counters_fields(sum, out);
}

static int show_generic(const struct ipp_dyn_state *st, const struct sel *s, const char *title,
			generic_fn fn, FILE *out, struct ipp_error *err)
{
	const struct ipp_effective *e = st->res.eff;
	struct sum *sums;
	size_t i, k, nsums, n = 0;
	int r;

	if ((r = sums_build(st, &sums, &nsums, err)) < 0)
		return r;
	heading(out, title);
	for (i = 0; i < e->nrules; i++) {
		const struct ipp_eff_rule *rule = &e->rules[i];
		const struct ipp_filterlist *l;

		if (rule->origin == IPP_ORIGIN_DYNAMIC) {
			/* the agent's rule: its selector is its one filter */
			const struct ipp_dyn_rule *d = dyn_of(st, rule);
			struct ipp_filter f;

			if (d) {
				ipp_dyn_rule_filter(d, &f);
				fn(st, s, rule, 0, &f, sums_find(sums, nsums, (uint32_t)i, 0), out,
				   &n);
			}
			continue;
		}
		if (rule->number == 0) /* a default response rule has no filters */
			continue;
		if (!(l = find_list(st, rule)))
			continue;
		for (k = 0; k < l->nfilters; k++)
			fn(st, s, rule, (uint32_t)k, &l->filters[k],
			   sums_find(sums, nsums, (uint32_t)i, (uint32_t)k), out, &n);
	}
	fprintf(out, "\n%zu Generic Filter%s\n", n, n == 1 ? "" : "s");
	free(sums);
	return 0;
}

/* ---------- specific main mode filters: the address pairs that negotiate ---------- */

struct mmspec {
	struct spec f;
	uint64_t packets, bytes;
};

static int mmspec_cmp(const void *x, const void *y)
{
	const struct mmspec *a = x, *b = y;
	int c;

	if (a->f.c->rule != b->f.c->rule)
		return a->f.c->rule < b->f.c->rule ? -1 : 1;
	if ((c = memcmp(&a->f.src, &b->f.src, sizeof(a->f.src))) != 0)
		return c;
	return memcmp(&a->f.dst, &b->f.dst, sizeof(a->f.dst));
}

static int show_specific_mm(const struct ipp_dyn_state *st, const struct sel *s, FILE *out,
			    struct ipp_error *err)
{
	struct mmspec *v;
	size_t i, n = 0, shown = 0;

	heading(out, "Specific Main Mode Filters");
	v = calloc(st->ncnt ? st->ncnt : 1, sizeof(*v));
	if (!v)
		return ipp_err(err, ENOMEM, "out of memory");
	for (i = 0; i < st->ncnt; i++) {
		struct spec f;

		spec_of(st, &st->cnt[i], &f);
		if (f.action != IPP_ACTION_NEGOTIATE || !f.rule ||
		    !sel_addrs(s, f.rule, &f.src, &f.dst))
			continue;
		/* the addresses of its specific filter: a range whole, not its prefixes */
		if (st->csf[i] != SIZE_MAX) {
			const struct ipp_sfilter *sf = &st->res.eff->sf[st->csf[i]];

			if (f.src.kind == IPP_ADDR_IP)
				f.src = sf->src;
			if (f.dst.kind == IPP_ADDR_IP)
				f.dst = sf->dst;
		}
		v[n].f = f;
		v[n].packets = f.c->packets;
		v[n].bytes = f.c->bytes;
		n++;
	}
	qsort(v, n, sizeof(*v), mmspec_cmp);
	for (i = 0; i < n; i++) {
		const struct mmspec *m = &v[i];
		uint64_t packets = m->packets, bytes = m->bytes;
		uint32_t weight = m->f.c->elem->weight & 0xffff0000u;

		/* one main mode filter per address pair of a rule */
		while (i + 1 < n && mmspec_cmp(&v[i], &v[i + 1]) == 0) {
			i++;
			packets += v[i].packets;
			bytes += v[i].bytes;
		}
		if (shown++)
			fputc('\n', out);
		field(out, "Filter Name", "%s", m->f.rule->filterlist);
		policy_field(m->f.rule, out);
		field(out, "Rule Name", "%s", m->f.rule->rule);
		field(out, "Connection Type", "%s", conntype_label(m->f.rule->conntype));
		field(out, "Weight", "%u (0x%x)", weight, weight);
		addr_fields(out, "Source", &m->f.src, m->f.c->tier->shape.family, NULL,
			    s->resolvedns);
		addr_fields(out, "Destination", &m->f.dst, m->f.c->tier->shape.family, NULL,
			    s->resolvedns);
		auth_fields(find_rule(st, m->f.rule), out);
		field(out, "Packets", "%llu", (unsigned long long)packets);
		field(out, "Bytes", "%llu", (unsigned long long)bytes);
	}
	fprintf(out, "\n%zu Specific Filter%s\n", shown, shown == 1 ? "" : "s");
	free(v);
	return 0;
}

/* ---------- the commands ---------- */

/* Read the state; prints the mode and returns 1 when there are no filters to show. */
static int state_for_filters(struct ipp_shell *sh, struct ipp_dyn_state *st, FILE *out,
			     struct ipp_error *err)
{
	int r = ipp_dyn_state_read(sh, st, err);

	if (r < 0)
		return r;
	if (!st->table) {
		fprintf(out, "%s.\n", ipp_dyn_no_table);
		return 1;
	}
	if (st->mode != IPP_MODE_SECURE) {
		ipp_dyn_mode_text(sh, st, out);
		return 1;
	}
	not_in_force_note(st, out);
	return 0;
}

static int show_filters(struct ipp_shell *sh, const struct ipp_args *a, FILE *out, bool qm,
			struct ipp_error *err)
{
	struct ipp_dyn_state st;
	struct sel s;
	int r;

	if ((r = parse_sel(a, &s, err)) < 0)
		return r;
	if ((r = state_for_filters(sh, &st, out, err)) != 0)
		return r < 0 ? r : 0;
	if (s.type != FT_SPECIFIC)
		r = show_generic(&st, &s,
				 qm ? "Generic Quick Mode Filters" : "Generic Main Mode Filters",
				 qm ? generic_qm : generic_mm, out, err);
	if (r == 0 && s.type != FT_GENERIC) {
		if (qm)
			show_specific_qm(&st, &s, out);
		else
			r = show_specific_mm(&st, &s, out, err);
	}
	ipp_dyn_state_clear(&st);
	return r;
}

int ipp_dyn_show_qmfilter(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			  struct ipp_error *err)
{
	return show_filters(sh, a, out, true, err);
}

int ipp_dyn_show_mmfilter(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			  struct ipp_error *err)
{
	return show_filters(sh, a, out, false, err);
}

/* ---------- stats ---------- */

static const char *const ike_counters[] = {
    "Active Acquire",
    "Active Receive",
    "Acquire Failures",
    "Receive Failures",
    "Send Failures",
    "Acquire Heap Size",
    "Receive Heap Size",
    "Authentication Failures",
    "Negotiation Failures",
    "Invalid Cookies Received",
    "Total Acquire",
    "Total Get SPI",
    "Key Additions",
    "Key Updates",
    "Get SPI Failures",
    "Key Addition Failures",
    "Key Update Failures",
    "ISADB List Size",
    "Connection List Size",
    "Main Modes",
    "Quick Modes",
    "Soft Associations",
    "Invalid Packets Received",
    NULL,
};

static const char *const sa_counters[] = {
    "Active Security Associations",
    "Offloaded SAs",
    "Pending Key Operations",
    "Key Additions",
    "Key Deletions",
    "Rekeys",
    "Active Tunnels",
    "Bad SPI Packets",
    "Packets Not Decrypted",
    "Packets Not Authenticated",
    "Packets With Replay Detection",
    "Confidential Bytes Sent",
    "Confidential Bytes Received",
    "Authenticated Bytes Sent",
    "Authenticated Bytes Received",
    "Transport Bytes Sent",
    "Transport Bytes Received",
    "Bytes Sent In Tunnels",
    "Bytes Received In Tunnels",
    "Offloaded Bytes Sent",
    "Offloaded Bytes Received",
    NULL,
};

#define STATS_W 36

static void stat_line(FILE *out, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void stat_line(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%-*s : ", STATS_W, label);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static void stats_ike(FILE *out)
{
	size_t i;

	heading(out, "IKE Main Mode and Quick Mode Statistics");
	for (i = 0; ike_counters[i]; i++)
		stat_line(out, ike_counters[i], "not available");
	fprintf(out, "(IKE negotiation is not part of this version: it keeps no IKE counters.)\n");
}

static void stats_ipsec(const struct ipp_dyn_state *st, FILE *out)
{
	uint64_t pk[3] = {0, 0, 0}, by[3] = {0, 0, 0};
	size_t i;
	int v;

	heading(out, "IPsec Statistics");
	if (st->mode == IPP_MODE_SECURE && st->rest)
		stat_line(out, "Driver Mode",
			  "secure (the persistent policy alone; what it does not match as in %s "
			  "mode)",
			  ipp_mode_name(st->rest));
	else
		stat_line(out, "Driver Mode", "%s", st->table ? ipp_mode_name(st->mode) : "permit");
	if (st->mode == IPP_MODE_SECURE) {
		/* by the verdict each packet was given (a filter's action may have changed since)
		 */
		for (i = 0; i < st->ncnt; i++)
			for (v = IPP_CV_ACCEPT; v <= IPP_CV_NEGOTIATE; v++) {
				pk[v] += st->cnt[i].vpackets[v];
				by[v] += st->cnt[i].vbytes[v];
			}
		stat_line(out, "Specific Filters In Force", "%zu", st->nsf_in_force);
		if (st->nsf_shadowed)
			stat_line(out, "Specific Filters Shadowed",
				  "%zu (a better filter decides every packet they "
				  "match)",
				  st->nsf_shadowed);
		if (st->extra.unknown_elems)
			stat_line(out, "Elements In Force Not In The Stores", "%llu (%llu packet%s)",
				  (unsigned long long)st->extra.unknown_elems,
				  (unsigned long long)st->extra.unknown_packets,
				  st->extra.unknown_packets == 1 ? "" : "s");
		stat_line(out, "Packets Permitted", "%llu", (unsigned long long)pk[IPP_CV_ACCEPT]);
		stat_line(out, "Bytes Permitted", "%llu", (unsigned long long)by[IPP_CV_ACCEPT]);
		stat_line(out, "Packets Blocked", "%llu", (unsigned long long)pk[IPP_CV_DROP]);
		stat_line(out, "Bytes Blocked", "%llu", (unsigned long long)by[IPP_CV_DROP]);
		stat_line(out, "Packets Matching Negotiate Filters", "%llu",
			  (unsigned long long)pk[IPP_CV_NEGOTIATE]);
		stat_line(out, "Bytes Matching Negotiate Filters", "%llu",
			  (unsigned long long)by[IPP_CV_NEGOTIATE]);
		if (st->extra.negotiate) {
			stat_line(out, "Clear Packets Dropped By Negotiate", "%llu",
				  (unsigned long long)st->extra.neg_drop_packets);
			stat_line(out, "Clear Bytes Dropped By Negotiate", "%llu",
				  (unsigned long long)st->extra.neg_drop_bytes);
		}
		if (st->extra.flow_cache) {
			stat_line(out, "Flows In The Flow Cache", "%llu%s",
				  (unsigned long long)st->extra.flows,
				  st->extra.flow_full ? " (a set is full: new flows are walked packet by "
						"packet until the agent empties it)"
					      : "");
			stat_line(out, "Packets Of Cached Flows", "%llu",
				  (unsigned long long)st->extra.flow_packets);
		} else {
			stat_line(out, "Flows In The Flow Cache", "not used");
		}
	} else {
		stat_line(out, "Packets Permitted", "not available");
		stat_line(out, "Packets Blocked", "not available");
		stat_line(out, "Packets Matching Negotiate Filters", "not available");
	}
	for (i = 0; sa_counters[i]; i++)
		stat_line(out, sa_counters[i], "not available");
	if (st->mode == IPP_MODE_SECURE)
		fprintf(out,
			"(Packets are counted by the filter that decided them; exempt traffic "
			"(loopback, IKE, ESP/AH, IPv6 neighbour discovery) and packets no "
			"filter matches are not counted.  A packet of a negotiate filter "
			"passes only through an IPsec SA (or in the clear with inpass or soft); "
			"the clear ones dropped are counted apart, for every negotiate filter "
			"since the ruleset was loaded whole (those deleted since too), not per "
			"filter.  SA counters are not available.)\n");
	else
		fprintf(out, "(The driver counts packets per filter in secure mode only.  SA "
			     "counters are not available.)\n");
}

int ipp_dyn_show_stats(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		       struct ipp_error *err)
{
	const char *type = ipp_args_get(a, "type");
	struct ipp_dyn_state st;
	int r;

	if (!type || strcmp(type, "ike") == 0)
		stats_ike(out);
	if (type && strcmp(type, "ike") == 0)
		return 0;
	if ((r = ipp_dyn_state_read(sh, &st, err)) < 0)
		return r;
	if (!st.table)
		fprintf(out, "\n%s.\n", ipp_dyn_no_table);
	stats_ipsec(&st, out);
	ipp_dyn_state_clear(&st);
	return 0;
}

/* ---------- show all ---------- */

int ipp_dyn_show_all(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		     struct ipp_error *err)
{
	struct ipp_error conf_err = {0};
	struct ipp_dyn_state st;
	struct sel s;
	int r, conf_r;

	memset(&s, 0, sizeof(s));
	rdns_n = 0;
	if ((r = ipp_args_bool(a, "resolvedns", &s.resolvedns, err)) < 0)
		return r;
	/* a configuration that cannot be read (the agent is then in block mode) fails the
	 * command, after what is in force: that is what the administrator needs to see */
	if ((conf_r = ipp_dyn_show_config(sh, a, out, &conf_err)) < 0)
		fprintf(out, "The driver configuration cannot be shown: %s\n", conf_err.msg);
	fputc('\n', out);
	if ((r = ipp_dyn_state_read(sh, &st, err)) < 0)
		return r;
	if (st.mode == IPP_MODE_SECURE) {
		not_in_force_note(&st, out);
		r = show_generic(&st, &s, "Generic Main Mode Filters", generic_mm, out, err);
		if (r == 0)
			r = show_specific_mm(&st, &s, out, err);
		if (r == 0)
			r = show_generic(&st, &s, "Generic Quick Mode Filters", generic_qm, out,
					 err);
		if (r == 0)
			show_specific_qm(&st, &s, out);
	} else {
		ipp_dyn_mode_text(sh, &st, out);
	}
	if (r == 0) {
		stats_ike(out);
		stats_ipsec(&st, out);
		fputc('\n', out);
		ipp_dyn_agent_note(sh, out);
	}
	ipp_dyn_state_clear(&st);
	if (r == 0 && conf_r < 0) {
		*err = conf_err;
		r = conf_r;
	}
	return r;
}

/* ---------- the agent's dynamic policies and rules ---------- */

/* One offer a line, the first beside @label. */
static void offers_fields(FILE *out, const char *label, const char *text)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		size_t n = strcspn(p, " ");

		if (first)
			field(out, label, "%.*s", (int)n, p);
		else
			fprintf(out, "%*s%.*s\n", LABEL_W + 3, "", (int)n, p);
		first = false;
		p += n;
		p += strspn(p, " ");
	}
	if (first)
		field(out, label, "None");
}

/* After @n policies of @kind shown: none is an error for name=, a line for all. */
static int none_shown(const struct ipp_args *a, size_t n, const char *kind, FILE *out,
		      struct ipp_error *err)
{
	if (n == 0 && ipp_args_get(a, "name"))
		return ipp_err(err, ENOENT, "no %s policy named \"%s\" in the SPD", kind,
			       ipp_args_get(a, "name"));
	if (n == 0)
		fprintf(out, "There are no dynamic %s policies.\n", kind);
	return 0;
}

static bool name_wanted(const struct ipp_args *a, const char *name)
{
	const char *want = ipp_args_get(a, "name");

	return !want || ipp_utf8_casecmp(want, name) == 0;
}

int ipp_dyn_show_mmpolicy(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			  struct ipp_error *err)
{
	char offers[IPP_OFFERS_STRLEN];
	struct ipp_dynspd d;
	size_t i, n = 0;
	int r;

	if ((r = ipp_dyn_fetch_ex(sh, &d, true, err)) < 0)
		return r;
	for (i = 0; i < d.nmm; i++) {
		const struct ipp_dyn_mmpolicy *m = &d.mm[i];

		if (!name_wanted(a, m->name))
			continue;
		if (n++)
			fputc('\n', out);
		field(out, "Main Mode Policy Name", "%s", m->name);
		field(out, "Main Mode Lifetime", "%u minutes", m->mmlifetime);
		field(out, "QM Limit", "%u%s", m->qmpermm, m->qmpermm ? "" : " (unlimited)");
		field(out, "Soft SA Expiration Time", "%u seconds", m->softsaexpirationtime);
		ipp_mm_offers_format(m->mmsec, m->nmmsec, offers, sizeof(offers));
		field(out, "No. of Security Methods", "%zu", m->nmmsec);
		offers_fields(out, "Security Methods", offers);
	}
	ipp_dynspd_clear(&d);
	return none_shown(a, n, "main mode", out, err);
}

int ipp_dyn_show_qmpolicy(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			  struct ipp_error *err)
{
	char offers[IPP_OFFERS_STRLEN];
	struct ipp_dynspd d;
	size_t i, n = 0;
	int r;

	if ((r = ipp_dyn_fetch_ex(sh, &d, true, err)) < 0)
		return r;
	for (i = 0; i < d.nqm; i++) {
		const struct ipp_dyn_qmpolicy *q = &d.qm[i];
		char pfs[8];

		if (!name_wanted(a, q->name))
			continue;
		if (n++)
			fputc('\n', out);
		for (size_t k = 0; k < sizeof(pfs); k++)
			pfs[k] = (char)toupper((unsigned char)q->pfsgroup[k]);
		field(out, "Quick Mode Policy Name", "%s", q->name);
		field(out, "Soft Associations", "%s", q->soft ? "YES" : "NO");
		field(out, "PFS Group", "%s", pfs);
		ipp_qm_offers_format(q->qmsec, q->nqmsec, offers, sizeof(offers));
		field(out, "No. of Security Methods", "%zu", q->nqmsec);
		offers_fields(out, "Security Methods", offers);
	}
	ipp_dynspd_clear(&d);
	return none_shown(a, n, "quick mode", out, err);
}

static void dyn_auth_fields(const struct ipp_dyn_rule *r, FILE *out)
{
	struct ipp_rule tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.nauth = r->nauth;
	memcpy(tmp.auth, r->auth, sizeof(tmp.auth));
	auth_fields(&tmp, out);
}

int ipp_dyn_show_rule(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		      struct ipp_error *err)
{
	const char *type = ipp_args_get(a, "type");
	struct ipp_dynspd d;
	struct sel s;
	size_t i, n = 0;
	int r;

	memset(&s, 0, sizeof(s));
	if ((r = parse_sel(a, &s, err)) < 0)
		return r;
	if ((r = ipp_dyn_fetch_ex(sh, &d, true, err)) < 0)
		return r;
	for (i = 0; i < d.nrules; i++) {
		const struct ipp_dyn_rule *x = &d.rules[i];
		struct ipp_eff_rule er;

		memset(&er, 0, sizeof(er));
		er.has_tunnel = x->has_tunnel;
		er.tunnel = x->tunnel;
		if (type && !strcmp(type, "tunnel") != x->has_tunnel)
			continue;
		if (!sel_addrs(&s, &er, &x->src, &x->dst) ||
		    !sel_ports(&s, x->protocol, x->srcport, x->dstport))
			continue;
		if (n++ == 0)
			heading(out, "Dynamic Rules");
		else
			fputc('\n', out);
		field(out, "Rule", "%llu (%s)", (unsigned long long)x->seq,
		      x->has_tunnel ? "tunnel" : "transport");
		field(out, "Connection Type", "%s", conntype_label(x->conntype));
		tunnel_field(&er, out);
		field(out, "Mirrored", "%s", x->mirrored ? "YES" : "NO");
		addr_fields(out, "Source", &x->src, show_filter_family(&x->src, &x->dst), NULL,
			    s.resolvedns);
		addr_fields(out, "Destination", &x->dst, show_filter_family(&x->src, &x->dst), NULL,
			    s.resolvedns);
		proto_fields(out, x->protocol, x->srcport, x->dstport);
		field(out, "Inbound Action", "%s", show_action_label(x->inbound));
		field(out, "Outbound Action", "%s", show_action_label(x->outbound));
		field(out, "Main Mode Policy", "%s", x->mmpolicy);
		field(out, "Quick Mode Policy", "%s", x->qmpolicy[0] ? x->qmpolicy : "None");
		dyn_auth_fields(x, out);
	}
	if (n == 0)
		fprintf(out, "There are no dynamic rules%s.\n",
			d.nrules ? " that match the selectors" : "");
	ipp_dynspd_clear(&d);
	return 0;
}

/* Security associations come from IKE, which no one runs for this host yet. */
static int show_sas(struct ipp_shell *sh, const struct ipp_args *a, FILE *out, const char *what,
		    struct ipp_error *err)
{
	const char *format = ipp_args_get(a, "format");
	int r;

	/* (the agent must run: its SAs are asked of it) */
	if ((r = ipp_dyn_need_agent(sh, err)) < 0)
		return r;
	if (format && !strcasecmp(format, "json")) {
		fprintf(out, "[]\n"); /* (a program reads it: none, as JSON) */
		return 0;
	}
	fprintf(out,
		"There are no %s security associations (no IKE daemon negotiates for this "
		"host yet).\n",
		what);
	return 0;
}

int ipp_dyn_show_mmsas(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		       struct ipp_error *err)
{
	return show_sas(sh, a, out, "main mode", err);
}

int ipp_dyn_show_qmsas(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		       struct ipp_error *err)
{
	return show_sas(sh, a, out, "quick mode", err);
}
