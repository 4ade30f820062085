/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * whatif.c - `whatif`: which rule, filter and action decide a packet, and
 * why; or what a capture would meet.  The arguments come in as tag/value
 * pairs (a table of parsers), the effective policy is built from the stores
 * as it is or as if another policy were assigned, and the reference
 * matcher decides.
 */
#include "../common/notify.h"
#include "../common/utf8.h"
#include "classify.h"

#include "../agent/hostenv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* ---------- the effective policy, as is or as if ---------- */

/* In store @s (of @loc), @policy the only one assigned: -ENOENT when it has none of that name. */
static int assign_only(struct ipp_snapshot *s, enum ipp_store_loc loc, const char *policy,
		       struct ipp_error *err)
{
	bool found = false;
	size_t i;

	for (i = 0; s && i < s->npolicies; i++)
		if (ipp_utf8_casecmp(s->policies[i].name, policy) == 0)
			found = true;
	if (!found)
		return ipp_err(err, ENOENT, "policy \"%s\" is not in the %s store", policy,
			       ipp_store_name(loc));
	for (i = 0; i < s->npolicies; i++)
		s->policies[i].assigned = ipp_utf8_casecmp(s->policies[i].name, policy) == 0;
	return 0;
}

int ipp_effective_as_assigned(struct ipp_db *db, enum ipp_store_loc cur, const char *policy,
			      const struct ipp_dynspd *dyn, const struct ipp_hostenv *env,
			      struct ipp_effective **ret, struct ipp_error *err)
{
	struct ipp_snapshot *pers = NULL, *dom = NULL, *loc = NULL, *mine;
	int r = 0;

	if (db) {
		/* what is enforced; with @policy all of its store, to find it there */
		unsigned f[3];

		f[0] = f[1] = f[2] = IPP_LOAD_ASSIGNED;
		if (policy)
			f[cur == IPP_STORE_PERSISTENT ? 0 : cur == IPP_STORE_DOMAIN ? 1 : 2] = 0;
		r = ipp_db_load_ex(db, IPP_STORE_PERSISTENT, f[0], &pers, err);
		if (r >= 0)
			r = ipp_db_load_ex(db, IPP_STORE_DOMAIN, f[1], &dom, err);
		if (r >= 0)
			r = ipp_db_load_ex(db, IPP_STORE_LOCAL, f[2], &loc, err);
		if (r < 0)
			goto out;
	}
	mine = cur == IPP_STORE_PERSISTENT ? pers : cur == IPP_STORE_DOMAIN ? dom : loc;
	if (policy && (r = assign_only(mine, cur, policy, err)) < 0)
		goto out;
	r = ipp_effective_build_dyn(pers, dom, loc, dyn, env, ret, err);
out:
	ipp_snapshot_free(pers);
	ipp_snapshot_free(dom);
	ipp_snapshot_free(loc);
	return r;
}

/* ---------- one packet ---------- */

/* Does boot exemption @e let @p through, in its own direction or as its reply? */
static bool exemption_matches(const struct ipp_bootexempt *e, const struct ipp_packet *p)
{
	enum ipp_direction d = p->dir == IPP_DIR_IN ? IPP_DIR_INBOUND : IPP_DIR_OUTBOUND;
	bool reply = e->dir != d;
	uint16_t sport = reply ? e->dport : e->sport, dport = reply ? e->sport : e->dport;

	if (e->proto != IPP_BOOT_PROTO_ANY) {
		bool icmp = e->proto == IPPROTO_ICMP && e->icmp;

		if (p->proto != e->proto && !(icmp && p->proto == IPPROTO_ICMPV6))
			return false;
	}
	if ((sport || dport) && p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return false;
	return (!sport || p->sport == sport) && (!dport || p->dport == dport);
}

/*
 * A packet no filter of the persistent policy alone matches: what the fixed
 * mode of the rest does with it (modes.h), into @v, its text in @buf.
 */
static void rest_verdict(const struct ipp_whatif *w, const struct ipp_packet *p,
			 struct ipp_verdict *v, char *buf, size_t len)
{
	bool in = p->dir == IPP_DIR_IN, stateful = w->rest == IPP_REST_STATEFUL;
	bool dhcp =
	    p->proto == IPPROTO_UDP &&
	    (p->family == AF_INET ? p->sport == (in ? 67 : 68) && p->dport == (in ? 68 : 67)
				  : p->sport == (in ? 547 : 546) && p->dport == (in ? 546 : 547));
	const char *mode = w->rest_name ? w->rest_name : "block";
	size_t i;

	v->accepted = false;
	if (stateful && !in) {
		v->accepted = true;
		snprintf(buf, len,
			 "no filter matched: permitted, as in %s mode (outbound traffic "
			 "passes)",
			 mode);
	} else if (dhcp) {
		v->accepted = true;
		snprintf(buf, len, "no filter matched: permitted, as in %s mode (DHCP)", mode);
	} else {
		for (i = 0; i < w->rest_nexempt && !v->accepted; i++) {
			const struct ipp_bootexempt *e = &w->rest_exempt[i];
			char t[64];

			/* stateful: an exemption's replies are the tracked ones */
			if (stateful && e->dir != IPP_DIR_INBOUND)
				continue;
			if (!exemption_matches(e, p))
				continue;
			ipp_bootexempt_format(e, t, sizeof(t));
			v->accepted = true;
			snprintf(buf, len,
				 "no filter matched: permitted, as in %s mode (boot exemption %s)",
				 mode, t);
		}
		if (!v->accepted)
			snprintf(buf, len,
				 stateful ? "no filter matched: dropped, as in %s mode, unless it "
					    "replies to traffic this host sent"
					  : "no filter matched: dropped, as in %s mode",
				 mode);
	}
	v->text = buf;
}

static const char *action_word(enum ipp_action a)
{
	switch (a) {
	case IPP_ACTION_PERMIT:
		return "permit";
	case IPP_ACTION_BLOCK:
		return "block";
	case IPP_ACTION_NEGOTIATE:
		return "negotiate";
	default:
		return "?";
	}
}

/* Resolve "me" or an address text into @ip; @want_family 0 = either. */
/*
 * @s as a filter names an address besides me and IP addresses: the first of
 * this host's DNS, WINS or DHCP servers or gateways (of @want_family, if
 * given), or a host name, resolved now (a filter's name is resolved when it
 * is added).
 */
static int by_name(const char *tag, const char *s, int want_family, const struct ipp_hostenv *env,
		   int *ret_family, uint8_t ip[16], struct ipp_error *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res = NULL, *ai;
	const struct ipp_addr *v;
	struct ipp_addr a;
	size_t k, i, n;
	int r;

	/* the words and names filters take (ipp_addr_parse(): -EAGAIN for a host name) */
	r = ipp_addr_parse(s, &a, NULL);
	if (r == 0 && ipp_addr_is_server(a.kind)) {
		n = ipp_hostenv_expand(&a, env, &v);
		for (i = 0; i < n; i++)
			if (!want_family || v[i].family == want_family) {
				memcpy(ip, v[i].ip, 16);
				*ret_family = v[i].family;
				return 0;
			}
		{
			const char *why = ipp_hostenv_unknown(env, &a, NULL);

			return ipp_err(err, ENOENT,
				       "\"%s=%s\": this host has no %s%s known now%s%s", tag, s,
				       want_family == AF_INET6	? "IPv6 "
				       : want_family == AF_INET ? "IPv4 "
								: "",
				       a.kind == IPP_ADDR_GATEWAY ? "gateway"
				       : a.kind == IPP_ADDR_DNS	  ? "DNS server"
				       : a.kind == IPP_ADDR_WINS  ? "WINS server"
								  : "DHCP server",
				       why ? ": " : "", why ? why : "");
		}
	}
	if (r == 0 && a.kind == IPP_ADDR_ANY)
		return ipp_err(err, EINVAL,
			       "\"%s=%s\": a packet has one address: give an IPv4 or IPv6 address, "
			       "me, dns, wins, dhcp, gateway or a host name",
			       tag, s);
	if (r != -EAGAIN)
		return ipp_err(err, EINVAL,
			       "\"%s=%s\": expected me, an IPv4 or IPv6 address, dns, wins, "
			       "dhcp, gateway or a host name",
			       tag, s);
	hints.ai_family = want_family ? want_family : AF_UNSPEC;
	if ((r = getaddrinfo(s, NULL, &hints, &res)) != 0)
		return ipp_err(err, r == EAI_NONAME ? ENOENT : EINVAL,
			       "\"%s=%s\": expected me, an IPv4 or IPv6 address, dns, wins, dhcp, "
			       "gateway or a host name (it does not resolve: %s)",
			       tag, s, gai_strerror(r));
	/* IPv4 first, as a filter's name gives one filter per address in that order */
	for (k = 0; k < 2; k++)
		for (ai = res; ai; ai = ai->ai_next) {
			if (ai->ai_family != (k ? AF_INET6 : AF_INET))
				continue;
			if (ai->ai_family == AF_INET)
				memcpy(ip, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
			else
				memcpy(ip, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
			*ret_family = ai->ai_family;
			freeaddrinfo(res);
			return 0;
		}
	freeaddrinfo(res);
	return ipp_err(err, ENOENT, "\"%s=%s\": the name has no IP address", tag, s);
}

static int resolve(const char *tag, const char *s, int want_family, const struct ipp_localaddrs *me,
		   const struct ipp_hostenv *env, int *ret_family, uint8_t ip[16],
		   struct ipp_error *err)
{
	char tmp[INET6_ADDRSTRLEN + 8];

	memset(ip, 0, 16);
	if (strcasecmp(s, "me") == 0) {
		int fam = want_family ? want_family : AF_INET;
		const struct ipp_localaddr *a = ipp_localaddrs_first(me, fam);

		if (!a && !want_family) {
			fam = AF_INET6;
			a = ipp_localaddrs_first(me, fam);
		}
		if (!a)
			return ipp_err(err, ENOENT,
				       "\"%s=me\": this host has no %s address; "
				       "give one with me=ADDR",
				       tag, fam == AF_INET6 ? "IPv6" : "IPv4");
		memcpy(ip, a->ip, 16);
		*ret_family = fam;
		return 0;
	}
	if (strlen(s) < sizeof(tmp)) {
		strcpy(tmp, s);
		if (inet_pton(AF_INET, tmp, ip) == 1) {
			*ret_family = AF_INET;
			return 0;
		}
		if (inet_pton(AF_INET6, tmp, ip) == 1) {
			/* an IPv4-mapped address is the IPv4 packet a dual-stack socket reports */
			*ret_family = ipp_ip_unmap(ip) ? AF_INET : AF_INET6;
			return 0;
		}
	}
	return by_name(tag, s, want_family, env, ret_family, ip, err);
}

/* Is @s written as an IPv4-mapped IPv6 address (::ffff:a.b.c.d)? */
static bool mapped_text(const char *s)
{
	uint8_t ip[16];

	return s && inet_pton(AF_INET6, s, ip) == 1 && ipp_ip_is_mapped(ip);
}

static int build_packet(const struct ipp_whatif *w, const struct ipp_localaddrs *me,
			const struct ipp_localaddrs *bcast, const struct ipp_hostenv *env,
			struct ipp_packet *p, struct ipp_error *err)
{
	bool smeta, dmeta, slocal, dlocal;
	int sf = 0, df = 0, r;

	if (!w->src || !w->dst)
		return ipp_err(err, EINVAL, "src= and dst= are required (or pcap=FILE)");
	memset(p, 0, sizeof(*p));
	smeta = strcasecmp(w->src, "me") == 0;
	dmeta = strcasecmp(w->dst, "me") == 0;
	/* a concrete side fixes the family that "me" resolves to */
	if (!smeta && (r = resolve("src", w->src, 0, me, env, &sf, p->src, err)) < 0)
		return r;
	if (!dmeta && (r = resolve("dst", w->dst, sf, me, env, &df, p->dst, err)) < 0)
		return r;
	if (smeta && (r = resolve("src", w->src, df, me, env, &sf, p->src, err)) < 0)
		return r;
	if (dmeta && (r = resolve("dst", w->dst, sf, me, env, &df, p->dst, err)) < 0)
		return r;
	/* an IPv4-mapped address with an IPv6 one: the IPv6 packet that carries it */
	if (sf == AF_INET && df == AF_INET6 && mapped_text(w->src))
		ipp_ip_map(p->src), sf = AF_INET6;
	if (df == AF_INET && sf == AF_INET6 && mapped_text(w->dst))
		ipp_ip_map(p->dst), df = AF_INET6;
	if (sf != df)
		return ipp_err(err, EINVAL,
			       "\"src=%s\" and \"dst=%s\" are of different address families",
			       w->src, w->dst);
	/* (after the addresses: a bad one is named before what is missing) */
	if (!w->have_proto)
		return ipp_err(err, EINVAL,
			       "proto= is required (tcp, udp, icmp, icmpv6, raw or 1..255)");
	/* (port 0, any port, goes with every protocol, as in filters) */
	if (((w->have_sport && w->sport) || (w->have_dport && w->dport)) &&
	    w->proto != IPPROTO_TCP && w->proto != IPPROTO_UDP)
		return ipp_err(err, EINVAL, "\"%s=%u\": ports need proto=tcp or proto=udp",
			       w->have_sport && w->sport ? "srcport" : "dstport",
			       (unsigned)(w->have_sport && w->sport ? w->sport : w->dport));
	p->family = (uint8_t)sf;
	/* "icmp" is the ICMP of the family, as in filters: ICMPv6 for IPv6 */
	p->proto = w->proto_icmp && sf == AF_INET6 ? IPPROTO_ICMPV6 : w->proto;
	if (sf == AF_INET6 && ipp_proto_ipv6_ext(p->proto))
		return ipp_err(
		    err, EINVAL,
		    "\"proto=%u\": an IPv6 extension header, which the kernel looks past "
		    "to the protocol after it (a packet with a routing header and UDP "
		    "is a UDP packet to every filter): give that protocol",
		    p->proto);
	p->sport = w->sport;
	p->dport = w->dport;
	p->secpath = w->secpath;
	p->dialup = w->dialup;
	slocal = ipp_localaddrs_has(me, sf, p->src);
	dlocal = ipp_localaddrs_has(me, df, p->dst);
	if (w->dir_set)
		p->dir = (enum ipp_dir)w->dir;
	else if (dlocal)
		p->dir = IPP_DIR_IN;
	else if (slocal)
		p->dir = IPP_DIR_OUT;
	else if (ipp_group_address(df, p->dst, bcast))
		p->dir = IPP_DIR_IN; /* (to a group: received, as a capture's packet is) */
	else
		return ipp_err(err, EINVAL,
			       "neither \"src=%s\" nor \"dst=%s\" is an address of this "
			       "host; name it with me=ADDR or give dir=in|out",
			       w->src, w->dst);
	return 0;
}

static void print_candidate(FILE *out, const struct ipp_effective *eff, size_t n,
			    const struct ipp_candidate *c)
{
	const struct ipp_sfilter *f = &eff->sf[c->sf];
	char rn[IPP_NAME_MAX * 2 + 64], fn[512];

	ipp_eff_rule_format(eff, f->rule, rn, sizeof(rn));
	ipp_eff_filter_format(eff, f, fn, sizeof(fn));
	fprintf(out, "  %2zu. weight 0x%08x  %-9s %s, %s\n", n, c->weight, action_word(f->action),
		rn, fn);
}

static void print_packet_verdict(FILE *out, const struct ipp_whatif *w,
				 const struct ipp_effective *eff, const struct ipp_packet *p,
				 const struct ipp_verdict *v)
{
	char pk[160], rn[IPP_NAME_MAX * 2 + 64], fn[512], wt[96], why[160];
	size_t i, shown;

	ipp_packet_format(p, pk, sizeof(pk));
	fprintf(out, "Packet:      %s %s%s%s%s\n", ipp_dir_name(p->dir), pk,
		p->secpath ? " (through an IPsec SA)" : "",
		p->dialup ? " (by a dial-up interface)" : "",
		/* (a port of 0 is a port a packet may have: say which was not given) */
		!(p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) ||
			(w->have_sport && w->have_dport)
		    ? ""
		: !w->have_sport && !w->have_dport
		    ? " (ports not given: 0, which only filters of any port match)"
		: !w->have_sport ? " (source port not given: 0, which only filters of any source "
				   "port match)"
				 : " (destination port not given: 0, which only filters of any "
				   "destination port match)");
	if (w->policy && w->rest)
		fprintf(out,
			"Policy:      as if \"%s\" were assigned, alone, as ipsecpold has the "
			"persistent policy in force (the domain or local policy cannot be "
			"applied)\n",
			w->policy);
	else if (w->policy)
		fprintf(out, "Policy:      as if \"%s\" were assigned\n", w->policy);
	else if (w->rest)
		fprintf(out,
			"Policy:      the persistent policy alone, as ipsecpold has it in force "
			"(the domain or local policy cannot be applied)\n");
	else
		fprintf(out, "Policy:      as assigned now\n");
	fprintf(out, "Specific filters: %zu, matching: %zu\n", eff ? eff->nsf : 0, v->ncand);
	fprintf(out, "Verdict:     %s\n", v->text);
	if (v->sf == IPP_NO_FILTER)
		return;
	ipp_eff_rule_format(eff, v->rule, rn, sizeof(rn));
	ipp_eff_filter_format(eff, &eff->sf[v->sf], fn, sizeof(fn));
	ipp_weight_format(&eff->sf[v->sf], wt, sizeof(wt));
	fprintf(out, "Rule:        %s, filter action \"%s\" (%s)\n", rn,
		eff->rules[v->rule].filteraction, action_word(v->action));
	fprintf(out, "Filter:      %s\n", fn);
	fprintf(out, "Weight:      %s\n", wt);
	if (v->ncand > 1) {
		const struct ipp_sfilter *r = &eff->sf[v->cand[1].sf];

		ipp_verdict_why(eff, v, why, sizeof(why));
		ipp_eff_rule_format(eff, r->rule, rn, sizeof(rn));
		ipp_eff_filter_format(eff, r, fn, sizeof(fn));
		ipp_weight_format(r, wt, sizeof(wt));
		fprintf(out, "Runner-up:   %s (%s), %s, weight %s\n", rn, action_word(r->action), fn,
			wt);
		fprintf(out, "Why:         %s\n", why);
	} else {
		fprintf(out, "Why:         the only matching filter\n");
	}
	shown = w->verbose ? v->ncand : (v->ncand < 3 ? v->ncand : 3);
	fprintf(out, "Matching filters, best first%s:\n",
		shown < v->ncand ? " (level=verbose lists all)" : "");
	for (i = 0; i < shown; i++)
		print_candidate(out, eff, i + 1, &v->cand[i]);
}

int ipp_classify_hostenv(const struct ipp_paths *paths, struct ipp_hostenv *ret,
			 struct ipp_error *err)
{
	struct ipp_hostenv_src src;
	struct ipp_error e = {0};
	char *body = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!paths)
		return 0;
	/* the running agent's, which it enforces (it may read other files: ENVIRONMENT of
	 * ipsecpold(8)); else as it would read them */
	r = ipp_agent_request(paths, "servers", 2000, &body, &e);
	if (r == 0 && ipp_hostenv_parse(body, ret) == 0) {
		free(body);
		return 0;
	}
	free(body);
	ipp_hostenv_src_init(&src, paths);
	return ipp_hostenv_read(&src, ret, err);
}

int ipp_whatif_run(const struct ipp_whatif *w, struct ipp_db *db, enum ipp_store_loc cur,
		   const struct ipp_paths *paths, FILE *out, struct ipp_error *err)
{
	struct ipp_localaddrs me = {0}, bcast = {0};
	struct ipp_hostenv env;
	struct ipp_effective *eff = NULL;
	struct ipp_packet pkt;
	struct ipp_verdict v;
	char rest_text[256];
	bool group = false;
	size_t i;
	int r;

	if (w->pcap && (w->src || w->dst || w->have_proto || w->have_sport || w->have_dport))
		return ipp_err(err, EINVAL,
			       "\"pcap=%s\" runs a capture; src=, dst=, proto= and ports "
			       "describe one packet: give one or the other",
			       w->pcap);
	if (w->pcap && w->dir_set)
		return ipp_err(err, EINVAL,
			       "\"pcap=%s\" runs a capture, whose packets each have their "
			       "direction (from the capture's packet type, else from the "
			       "addresses of this host or me=): direction= is for one packet",
			       w->pcap);
	if (w->pcap && ((w->secpath_set && w->secpath) || (w->conntype_set && w->dialup)))
		return ipp_err(err, EINVAL,
			       "\"pcap=%s\" runs a capture, whose packets are classified as "
			       "they were captured (on a LAN interface, without an SA: ESP is "
			       "seen as ESP): %s is for one packet",
			       w->pcap, w->secpath ? "ipsec=yes" : "conntype=dialup");
	/* the addresses given first: "me" in src= or dst= stands for the first of them */
	for (i = 0; i < w->me.n; i++)
		if ((r = ipp_localaddrs_add(&me, w->me.v[i].family, w->me.v[i].ip)) < 0) {
			ipp_err(err, -r, "out of memory");
			goto out;
		}
	if (!w->nosystem && ((r = ipp_localaddrs_from_system(&me, err)) < 0 ||
			     (r = ipp_localaddrs_broadcasts(&bcast, err)) < 0))
		goto out;
	/* (before the packet: dst=dns and the like name the host's servers) */
	if ((r = ipp_classify_hostenv(paths, &env, err)) < 0)
		goto out;
	if (!w->pcap && (r = build_packet(w, &me, &bcast, &env, &pkt, err)) < 0)
		goto out;
	/* dir=in: the destination is this host's (the input hook sees nothing else), dir=out
	 * the source; but a packet to a broadcast or multicast address is received without
	 * it being one of the host's: "me" does not match it (the kernel's fib type local) */
	group = !w->pcap && pkt.dir == IPP_DIR_IN && ipp_group_address(pkt.family, pkt.dst, &bcast);
	if (!w->pcap && w->dir_set && !group &&
	    !(pkt.dir == IPP_DIR_OUT && ipp_ip_is_unspecified(pkt.family, pkt.src)) &&
	    !ipp_localaddrs_has(&me, pkt.family, pkt.dir == IPP_DIR_IN ? pkt.dst : pkt.src) &&
	    (r = ipp_localaddrs_add(&me, pkt.family, pkt.dir == IPP_DIR_IN ? pkt.dst : pkt.src)) <
		0) {
		ipp_err(err, -r, "out of memory");
		goto out;
	}
	if (w->rest) {
		/* the persistent policy alone (or, with policy=, that one of the persistent
		 * store in its place) */
		struct ipp_snapshot *pers = NULL;

		r = db ? ipp_db_load_ex(db, IPP_STORE_PERSISTENT, w->policy ? 0 : IPP_LOAD_ASSIGNED,
					&pers, err)
		       : 0;
		if (r >= 0 && w->policy)
			r = assign_only(pers, IPP_STORE_PERSISTENT, w->policy, err);
		if (r >= 0)
			r = ipp_effective_build_dyn(pers, NULL, NULL, w->dynamic, &env, &eff, err);
		ipp_snapshot_free(pers);
	} else {
		r = ipp_effective_as_assigned(db, cur, w->policy, w->dynamic, &env, &eff, err);
	}
	if (r < 0)
		goto out;
	if (w->pcap) {
		struct ipp_pcap_stats st;

		r = ipp_pcap_classify_ex(eff, w->pcap, &me, &bcast, w->exempt_flags, &st, err);
		if (r < 0)
			goto out;
		if (w->policy)
			fprintf(out, "Policy: as if \"%s\" were assigned\n", w->policy);
		ipp_pcap_stats_print(out, eff, &st);
		if (st.damaged[0])
			r = ipp_err(err, EBADMSG,
				    "\"pcap=%s\": reading stopped %s (the counts above are of the "
				    "packets before)",
				    w->pcap, st.damaged);
		ipp_pcap_stats_clear(&st);
		goto out;
	}
	pkt.group = ipp_group_address(pkt.family, pkt.dst, &bcast);
	r = ipp_classify_ex(eff, &pkt, &me, w->exempt_flags, &v);
	if (r < 0) {
		ipp_err(err, -r, "cannot classify the packet");
		goto out;
	}
	if (v.kind == IPP_VERDICT_NONE && w->rest)
		rest_verdict(w, &pkt, &v, rest_text, sizeof(rest_text));
	print_packet_verdict(out, w, eff, &pkt, &v);
	if (group)
		fprintf(out, "Note:        the destination is a broadcast or multicast address: "
			     "received, but not one of this host's, so filters of \"me\" do not "
			     "match it\n");
	if (v.kind == IPP_VERDICT_EXEMPT_LOOPBACK && !pkt.loopback &&
	    !ipp_ip_is_loopback(pkt.family, pkt.src) && !ipp_ip_is_loopback(pkt.family, pkt.dst))
		fprintf(out, "Note:        between two of this host's addresses a packet goes over "
			     "the loopback interface; one that comes in by another interface with "
			     "the host's own address as its source (accept_local) is filtered\n");
	if (!w->pcap && pkt.family == AF_INET && (mapped_text(w->src) || mapped_text(w->dst)))
		fprintf(out,
			"Note:        %s is taken as the IPv4 address a dual-stack socket "
			"reports so; an IPv6 packet that carries it is dropped (an "
			"IPv4-mapped address is never on the wire)\n",
			mapped_text(w->src) ? w->src : w->dst);
	ipp_verdict_clear(&v);
out:
	ipp_effective_free(eff);
	ipp_localaddrs_clear(&me);
	ipp_localaddrs_clear(&bcast);
	return r < 0 ? r : 0;
}

