/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lockout.c - would a policy cut off the SSH session the shell runs in?
 * The session's two directions become two packets for the reference
 * matcher; the server's address counts as local whatever else is known.
 */
#include "classify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "../common/nldump.h"
#include "../compile/compile.h"

static int parse_port(const char *v, uint16_t *ret)
{
	char *end;
	unsigned long n;

	if (!*v || *v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n == 0 || n > 65535)
		return -EINVAL;
	*ret = (uint16_t)n;
	return 0;
}

/* ---------- refuse to lock out ---------- */

/* snprintf into @buf at its current end; long texts are cut, which is fine for messages. */
static void appendf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static int parse_endpoint(const char *ip, const char *port, int *fam, uint8_t a[16],
			  uint16_t *ret_port)
{
	memset(a, 0, 16);
	if (parse_port(port, ret_port) < 0)
		return -EINVAL;
	if (inet_pton(AF_INET, ip, a) == 1) {
		*fam = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		/* a dual-stack server names an IPv4 session by IPv4-mapped addresses */
		*fam = ipp_ip_unmap(a) ? AF_INET : AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static void lockout_reason(const struct ipp_effective *eff, const char *dirname,
			   enum ipp_verdict_kind k, size_t sf, char *buf, size_t len)
{
	char rn[IPP_NAME_MAX * 2 + 64], fn[512];

	ipp_eff_rule_format(eff, eff->sf[sf].rule, rn, sizeof(rn));
	ipp_eff_filter_format(eff, &eff->sf[sf], fn, sizeof(fn));
	/* a long rule or filter text is cut at len: the message stays readable */
	if (snprintf(buf, len, "%s packets %s by %s, %s", dirname,
		     k == IPP_VERDICT_BLOCK ? "blocked" : "need IPsec (negotiate)", rn, fn) < 0)
		buf[0] = '\0';
}

/* ---------- the interface the session uses ---------- */

static int on_route(const struct nlmsghdr *nh, void *ctx)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	int len = (int)RTM_PAYLOAD(nh);

	for (const struct rtattr *a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(int))
			memcpy(ctx, RTA_DATA(a), sizeof(int));
	return 0;
}

static int on_link(const struct nlmsghdr *nh, void *ctx)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);

	*(unsigned *)ctx = ifi->ifi_type;
	return 0;
}

/*
 * Does the route to @dst leave by a dial-up interface (PPP, a layer-3
 * tunnel: conntype=dialup)?  False when it cannot be told: a LAN, as most
 * sessions arrive.
 */
static bool route_dialup(int family, const uint8_t *dst)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rtm;
		struct rtattr rta;
		uint8_t addr[16];
	} rq;
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} lq;
	size_t alen = family == AF_INET ? 4 : 16;
	unsigned type = 0;
	int oif = 0;

	memset(&rq, 0, sizeof(rq));
	rq.nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof(rq.rtm)) + RTA_LENGTH(alen));
	rq.nh.nlmsg_type = RTM_GETROUTE;
	rq.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rq.rtm.rtm_family = (uint8_t)family;
	rq.rtm.rtm_dst_len = (uint8_t)(alen * 8);
	rq.rta.rta_type = RTA_DST;
	rq.rta.rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(rq.addr, dst, alen);
	if (ipp_nl_dump(NETLINK_ROUTE, &rq, rq.nh.nlmsg_len, RTM_NEWROUTE, on_route, &oif) < 0 ||
	    oif <= 0)
		return false;
	memset(&lq, 0, sizeof(lq));
	lq.nh.nlmsg_len = NLMSG_LENGTH(sizeof(lq.ifi));
	lq.nh.nlmsg_type = RTM_GETLINK;
	lq.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	lq.ifi.ifi_family = AF_UNSPEC;
	lq.ifi.ifi_index = oif;
	if (ipp_nl_dump(NETLINK_ROUTE, &lq, lq.nh.nlmsg_len, RTM_NEWLINK, on_link, &type) < 0)
		return false;
	return ipp_iftype_dialup(type);
}

int ipp_lockout_check(const struct ipp_effective *eff, const struct ipp_localaddrs *me,
		      const char *ssh_connection, struct ipp_lockout *ret, struct ipp_error *err)
{
	char cip[INET6_ADDRSTRLEN + 32], sip[INET6_ADDRSTRLEN + 32], cport[16], sport[16], *pct;
	struct ipp_localaddrs all = {0};
	struct ipp_verdict vi, vo;
	struct ipp_lockout l;
	int cf, sf, r = 0;
	uint16_t cp, spn;
	size_t i;

	memset(&l, 0, sizeof(l));
	l.sfin = l.sfout = IPP_NO_FILTER;
	if (!ssh_connection)
		ssh_connection = getenv("SSH_CONNECTION");
	if (!ssh_connection || !*ssh_connection) {
		snprintf(l.msg, sizeof(l.msg), "not an SSH session: nothing to protect");
		*ret = l;
		return 0;
	}
	/* a session we cannot read is not one we may cut off unchecked */
	if (sscanf(ssh_connection, "%63s %15s %63s %15s", cip, cport, sip, sport) != 4)
		goto garbled;
	if ((pct = strchr(cip, '%')))
		*pct = '\0';
	if ((pct = strchr(sip, '%')))
		*pct = '\0';
	if (parse_endpoint(cip, cport, &cf, l.in.src, &cp) < 0 ||
	    parse_endpoint(sip, sport, &sf, l.in.dst, &spn) < 0 || cf != sf)
		goto garbled;
	l.applicable = true;
	l.in.family = (uint8_t)cf;
	l.in.proto = IPPROTO_TCP;
	l.in.sport = cp;
	l.in.dport = spn;
	l.in.dir = IPP_DIR_IN;
	l.out = l.in;
	memcpy(l.out.src, l.in.dst, 16);
	memcpy(l.out.dst, l.in.src, 16);
	l.out.sport = spn;
	l.out.dport = cp;
	l.out.dir = IPP_DIR_OUT;
	/* the session's packets come and go by the interface of the route to the client */
	if (eff)
		l.in.dialup = l.out.dialup = route_dialup(cf, l.in.src);

	for (i = 0; me && i < me->n && r == 0; i++)
		r = ipp_localaddrs_add(&all, me->v[i].family, me->v[i].ip);
	if (r == 0)
		r = ipp_localaddrs_add(&all, sf, l.in.dst);
	if (r == 0)
		r = ipp_classify_ex(eff, &l.in, &all, IPP_CLASSIFY_NO_CANDIDATES, &vi);
	if (r == 0)
		r = ipp_classify_ex(eff, &l.out, &all, IPP_CLASSIFY_NO_CANDIDATES, &vo);
	ipp_localaddrs_clear(&all);
	if (r < 0)
		return ipp_err(err, -r, "cannot check the SSH session against the policy");

	l.vin = vi.kind;
	l.vout = vo.kind;
	l.sfin = vi.sf;
	l.sfout = vo.sf;
	l.blocked = !vi.accepted || !vo.accepted;
	{
		char sess[160], a[600] = "", b[600] = "";

		sess[0] = '\0';
		appendf(sess, sizeof(sess), "%s%s%s port %u -> %s%s%s port %u",
			 cf == AF_INET6 ? "[" : "", cip, cf == AF_INET6 ? "]" : "", cp,
			 cf == AF_INET6 ? "[" : "", sip, cf == AF_INET6 ? "]" : "", spn);
		if (!l.blocked) {
			snprintf(l.msg, sizeof(l.msg), "the SSH session %s stays permitted", sess);
		} else {
			if (!vi.accepted)
				lockout_reason(eff, "inbound", vi.kind, vi.sf, a, sizeof(a));
			if (!vo.accepted)
				lockout_reason(eff, "outbound", vo.kind, vo.sf, b, sizeof(b));
			appendf(l.msg, sizeof(l.msg),
				"the SSH session this shell runs in (%s) would be cut off: %s%s%s",
				sess, a, *a && *b ? "; " : "", b);
		}
	}
	*ret = l;
	return 0;
garbled:
	*ret = l;
	return ipp_err(
	    err, EINVAL,
	    "SSH_CONNECTION \"%s\" not understood: expected \"CLIENT-ADDRESS CLIENT-PORT "
	    "SERVER-ADDRESS SERVER-PORT\" of one address family",
	    ssh_connection);
}

int ipp_lockout_check_assign(struct ipp_db *db, enum ipp_store_loc cur, const char *policy,
			     const struct ipp_paths *paths, struct ipp_lockout *ret,
			     struct ipp_error *err)
{
	return ipp_lockout_check_dyn(db, cur, policy, NULL, paths, ret, err);
}

int ipp_lockout_check_dyn(struct ipp_db *db, enum ipp_store_loc cur, const char *policy,
			  const struct ipp_dynspd *dyn, const struct ipp_paths *paths,
			  struct ipp_lockout *ret, struct ipp_error *err)
{
	struct ipp_localaddrs me = {0};
	struct ipp_effective *eff = NULL;
	struct ipp_hostenv env;
	int r;

	/* outside an SSH session there is nothing to read or build */
	r = ipp_lockout_check(NULL, NULL, NULL, ret, err);
	if (r < 0 || !ret->applicable)
		return r;
	r = ipp_classify_hostenv(paths, &env, err);
	if (r >= 0)
		r = ipp_effective_as_assigned(db, cur, policy, dyn, &env, &eff, err);
	if (r >= 0)
		r = ipp_localaddrs_from_system(&me, err);
	if (r >= 0)
		r = ipp_lockout_check(eff, &me, NULL, ret, err);
	ipp_localaddrs_clear(&me);
	ipp_effective_free(eff);
	return r;
}

bool ipp_lockout_filter_touches(const struct ipp_lockout *l, const struct ipp_filter *f,
				const struct ipp_hostenv *env, const struct ipp_localaddrs *me)
{
	struct ipp_eff_rule r0;
	struct ipp_effective e0 = {.rules = &r0, .nrules = 1};
	struct ipp_localaddrs all = {0};
	struct ipp_sfilter *sf = NULL;
	size_t n = 0, i;
	bool touches = false;
	int r;

	if (!l->applicable)
		return false;
	memset(&r0, 0, sizeof(r0));
	r = ipp_effective_expand(&e0, 0, 0, f, env, &sf, &n, NULL);
	for (i = 0; r == 0 && me && i < me->n; i++)
		r = ipp_localaddrs_add(&all, me->v[i].family, me->v[i].ip);
	if (r == 0)
		r = ipp_localaddrs_add(&all, l->in.family, l->in.dst);
	/* (what cannot be told might touch it) */
	touches = r < 0;
	for (i = 0; !touches && i < n; i++)
		touches = ipp_classify_match(&sf[i], &l->in, &all) ||
			  ipp_classify_match(&sf[i], &l->out, &all);
	ipp_localaddrs_clear(&all);
	free(sf);
	return touches;
}
