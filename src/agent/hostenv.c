/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostenv.c - DNS, WINS, DHCP servers and default gateways of this host.
 */
#include "hostenv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/confile.h"
#include "../common/nldump.h"

#define RTF_GW 0x0002 /* RTF_GATEWAY of <linux/route.h> */

void ipp_hostenv_src_init(struct ipp_hostenv_src *s, const struct ipp_paths *p)
{
	const char *env;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->resolv_conf = "/etc/resolv.conf";
	s->resolved_conf = "/run/systemd/resolve/resolv.conf";
	if (p) {
		int w = snprintf(s->wins_buf, sizeof(s->wins_buf), "%s/wins.conf", p->etcdir);

		if (w > 0 && (size_t)w < sizeof(s->wins_buf))
			s->wins_conf = s->wins_buf;
	}
	if ((env = getenv("IPSECPOL_RESOLV_CONF")) && *env) {
		s->resolv_conf = env;
		s->resolved_conf = NULL;
	}
	if ((env = getenv("IPSECPOL_ROUTE4")) && *env)
		s->route4 = env;
	if ((env = getenv("IPSECPOL_ROUTE6")) && *env)
		s->route6 = env;
	if ((env = getenv("IPSECPOL_DHCP_LEASES")) != NULL) {
		char *save = NULL, *tok;

		snprintf(s->lease_buf, sizeof(s->lease_buf), "%s", env);
		for (tok = strtok_r(s->lease_buf, ":", &save);
		     tok && n + 1 < IPP_HOSTENV_MAX_LEASE_GLOBS; tok = strtok_r(NULL, ":", &save))
			s->lease_globs[n++] = tok;
		s->lease_globs[n] = NULL;
		return;
	}
	s->lease_globs[n++] = "/var/lib/dhcp/dhclient*.lease*";
	s->lease_globs[n++] = "/var/lib/dhclient/*.lease*";
	s->lease_globs[n++] = "/var/lib/NetworkManager/*.lease";
	s->lease_globs[n++] = "/run/systemd/netif/leases/*";
	s->lease_globs[n] = NULL;
}

/*
 * Add a textual address (an IPv6 zone "%eth0" is dropped) to a list, once.
 * false when @text is no IPv4 or IPv6 address (too long for one included).
 */
static bool add_addr(struct ipp_addr *v, size_t *n, const char *text)
{
	struct ipp_addr a = {0};
	char buf[INET6_ADDRSTRLEN + 16];
	char *pct;
	size_t i;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return false;
	pct = strchr(buf, '%');
	if (pct)
		*pct = '\0';
	a.kind = IPP_ADDR_IP;
	if (inet_pton(AF_INET, buf, a.ip) == 1) {
		a.family = AF_INET;
		a.plen = 32;
	} else if (inet_pton(AF_INET6, buf, a.ip) == 1) {
		a.family = AF_INET6;
		a.plen = 128;
	} else {
		return false;
	}
	/* an IPv4-mapped address is the IPv4 server a dual-stack socket names so (glibc
	 * sends to a "nameserver ::ffff:a.b.c.d" over IPv4): never on the wire */
	if (a.family == AF_INET6 && ipp_ip_unmap(a.ip)) {
		a.family = AF_INET;
		a.plen = 32;
	}
	for (i = 0; i < *n; i++)
		if (v[i].family == a.family && !memcmp(v[i].ip, a.ip, 16))
			return true;
	/* (one more than the list holds: ipp_hostenv_read() tells there were too many) */
	if (*n < IPP_MAX_SERVERS + 1)
		v[(*n)++] = a;
	return true;
}

static void add_raw(struct ipp_addr *v, size_t *n, int family, const uint8_t *ip)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(family, ip, buf, sizeof(buf)))
		add_addr(v, n, buf);
}

/* fopen that treats "absent" as "nothing to read": 1 opened, 0 absent, <0 error. */
static int open_opt(const char *path, FILE **ret, struct ipp_error *err)
{
	if (!path) {
		*ret = NULL;
		return 0;
	}
	/* a regular file of a bounded size: a FIFO would block the agent, a link to a
	 * device fill its memory */
	return ipp_confile_open(path, IPP_CONFILE_MAX, ret, err);
}

/*
 * The name servers of a resolv.conf, read as the C library's resolver reads
 * them (so that "dns" is the servers the host asks): lines of any length;
 * "nameserver" at the start of a line, then blanks and the address (what
 * follows it is ignored; IPv4 in any form inet_aton() takes, as the
 * resolver's); a line holding anything else, or indented, is not one.  At most @max addresses are used (the resolver's MAXNS, 3), counted
 * as the resolver counts them, repeats too.
 */
#define RESOLV_MAXNS 3
static int read_resolv(const char *path, size_t max, struct ipp_addr *v, size_t *n,
		       struct ipp_error *err)
{
	static const char kw[] = "nameserver";
	char *line = NULL;
	size_t cap = 0, used = 0;
	ssize_t len;
	FILE *f;
	int r;

	if ((r = open_opt(path, &f, err)) <= 0)
		return r;
	while (used < max && (len = getline(&line, &cap, f)) >= 0) {
		char *p = line + sizeof(kw) - 1, *end;

		if (strncmp(line, kw, sizeof(kw) - 1) || (*p != ' ' && *p != '\t'))
			continue;
		p += strspn(p, " \t");
		/* (glibc's resolver ends the address at a blank or the line's end only: a
		 * carriage return is part of it, and makes it none) */
		end = p + strcspn(p, " \t\n");
		*end = '\0';
		if (end - p >= 128)
			continue;
		{
			/* IPv4 as the resolver takes it (inet_aton: 10.1 is 10.0.0.1, 010.1.1.1
			 * is 8.1.1.1) */
			struct in_addr in;
			char canon[INET_ADDRSTRLEN];

			size_t had = *n;

			/* (the resolver counts a server listed twice as two of its three;
			 * a longer list counts each once toward the limit) */
			if (!strchr(p, ':') && !p[strspn(p, "0123456789abcdefABCDEFxX.")] &&
			    inet_aton(p, &in) && inet_ntop(AF_INET, &in, canon, sizeof(canon)) &&
			    add_addr(v, n, canon)) {
				used += max == RESOLV_MAXNS || *n > had;
				continue;
			}
		}
		if (strchr(p, ':')) {
			/* IPv6, with or without a zone; nothing else (an IPv4 address with
			 * one, "10.0.0.1%eth0", is none to the resolver) */
			size_t had = *n;

			if (add_addr(v, n, p))
				used += max == RESOLV_MAXNS || *n > had;
		}
	}
	r = ferror(f) ? ipp_err(err, EIO, "cannot read \"%s\": %s", path, strerror(errno)) : 0;
	free(line);
	fclose(f);
	return r;
}

static int read_dns(const struct ipp_hostenv_src *s, struct ipp_hostenv *e,
		    struct ipp_error *err)
{
	size_t i;
	int r;

	if ((r = read_resolv(s->resolv_conf, RESOLV_MAXNS, e->dns, &e->ndns, err)) < 0)
		return r;
	/* only the local stub resolver: the servers it forwards to are the host's */
	for (i = 0; i < e->ndns; i++)
		if (!ipp_ip_is_loopback(e->dns[i].family, e->dns[i].ip))
			return 0;
	if (e->ndns && s->resolved_conf) {
		struct ipp_addr up[IPP_MAX_SERVERS + 1];
		size_t nup = 0;

		/* systemd-resolved asks every server it lists */
		if ((r = read_resolv(s->resolved_conf, IPP_MAX_SERVERS + 1, up, &nup, err)) < 0)
			return r;
		if (nup) {
			memcpy(e->dns, up, nup * sizeof(up[0]));
			e->ndns = nup;
		}
	}
	return 0;
}

/* Is @tok @digits hexadecimal digits (0: any number of them, at least one)? */
static bool hex_field(const char *tok, size_t digits)
{
	size_t n = strspn(tok, "0123456789abcdefABCDEF");

	return n > 0 && !tok[n] && (!digits || n == digits);
}

/*
 * The first of fields @from to @to - 1 of @v that is not hexadecimal (of
 * @digits[i] digits, 0: any number), @to when all are.
 */
static size_t bad_field(char *const *v, size_t from, size_t to, const size_t *digits)
{
	while (from < to && hex_field(v[from], digits ? digits[from] : 0))
		from++;
	return from;
}

/*
 * A line of a route file split into at most @max fields (blanks between);
 * the number of fields.
 */
static size_t route_fields(char *line, char **v, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t\r\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\r\n", &save))
		v[n++] = t;
	return n;
}

/*
 * A route file (IPSECPOL_ROUTE4, IPSECPOL_ROUTE6) given in place of the
 * routing table: a line that cannot be read leaves the gateways unknown
 * (e->gateway_error names the file, the line and the token), as a gateway
 * filter that silently covers none would permit what it should block.
 */
static void route_error(struct ipp_hostenv *e, const char *path, unsigned lineno, const char *tok,
			const char *expected)
{
	if (!e->gateway_error[0])
		snprintf(e->gateway_error, sizeof(e->gateway_error), "%s:%u: \"%.64s\" is not %s",
			 path, lineno, tok, expected);
}

static int read_route4(const char *path, struct ipp_hostenv *e, struct ipp_error *err)
{
	static const char what[] = "a route line as /proc/net/route writes it";
	char line[512], *v[11];
	unsigned lineno = 0;
	FILE *f;
	int r;

	if ((r = open_opt(path, &f, err)) <= 0)
		return r;
	while (fgets(line, sizeof(line), f)) {
		unsigned long dst, gw, flags, mask;
		uint32_t g;
		size_t n, i;

		lineno++;
		n = route_fields(line, v, 11);
		if (n == 0 || (lineno == 1 && !strcmp(v[0], "Iface")))
			continue; /* a blank line, the header line */
		if (n < 8) {
			route_error(e, path, lineno, v[n - 1], what);
			break;
		}
		if ((i = bad_field(v, 1, 8, NULL)) < 8) {
			route_error(e, path, lineno, v[i],
				    "a hexadecimal number (a route line as "
				    "/proc/net/route writes it)");
			break;
		}
		dst = strtoul(v[1], NULL, 16), gw = strtoul(v[2], NULL, 16);
		flags = strtoul(v[3], NULL, 16), mask = strtoul(v[7], NULL, 16);
		if (dst != 0 || mask != 0 || !(flags & RTF_GW) || gw == 0)
			continue;
		/* the kernel prints the network-order word as a native integer */
		g = (uint32_t)gw;
		add_raw(e->gateway, &e->ngateway, AF_INET, (const uint8_t *)&g);
	}
	fclose(f);
	return 0;
}

static int hexbytes(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int read_route6(const char *path, struct ipp_hostenv *e, struct ipp_error *err)
{
	static const uint8_t zero[16];
	static const size_t digits[10] = {32, 2, 32, 2, 32, 8, 8, 8, 8, 0};
	char line[512], *v[11];
	unsigned lineno = 0;
	FILE *f;
	int r;

	if ((r = open_opt(path, &f, err)) <= 0)
		return r;
	while (fgets(line, sizeof(line), f)) {
		uint8_t d[16], g[16];
		unsigned long dplen, flags;
		size_t n, i;

		lineno++;
		if ((n = route_fields(line, v, 11)) == 0)
			continue;
		if (n < 10) {
			route_error(e, path, lineno, v[n - 1],
				    "a route line as /proc/net/ipv6_route writes it");
			break;
		}
		if ((i = bad_field(v, 0, 9, digits)) < 9) {
			route_error(e, path, lineno, v[i],
				    "a hexadecimal field of its length (a route "
				    "line as /proc/net/ipv6_route writes it)");
			break;
		}
		dplen = strtoul(v[1], NULL, 16), flags = strtoul(v[8], NULL, 16);
		if (hexbytes(v[0], d, 16) < 0 || hexbytes(v[4], g, 16) < 0)
			continue;
		if (dplen != 0 || memcmp(d, zero, 16) || !memcmp(g, zero, 16) || !(flags & RTF_GW))
			continue;
		add_raw(e->gateway, &e->ngateway, AF_INET6, g);
	}
	fclose(f);
	return 0;
}

/* The gateway in a route's (or a next hop's) attributes: RTA_GATEWAY, RTA_VIA. */
static void add_gateways(struct ipp_hostenv *e, int family, const struct rtattr *rta, int len)
{
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		const struct rtvia *via = RTA_DATA(rta);

		if (rta->rta_type == RTA_GATEWAY &&
		    RTA_PAYLOAD(rta) == (family == AF_INET ? 4u : 16u))
			add_raw(e->gateway, &e->ngateway, family, RTA_DATA(rta));
		else if (rta->rta_type == RTA_VIA && RTA_PAYLOAD(rta) >= sizeof(*via) &&
			 RTA_PAYLOAD(rta) - sizeof(*via) ==
			     (via->rtvia_family == AF_INET ? 4u : 16u))
			add_raw(e->gateway, &e->ngateway, via->rtvia_family, via->rtvia_addr);
	}
}

/* What a dump of default routes gathers: the gateways, and the next hop objects they use. */
#define MAX_NHIDS 64
struct route_ctx {
	struct ipp_hostenv *e;
	uint32_t nhid[MAX_NHIDS]; /* RTA_NH_ID of the default routes, then of group members */
	size_t nnhid;
};

static void nhid_add(struct route_ctx *rc, uint32_t id)
{
	for (size_t i = 0; i < rc->nnhid; i++)
		if (rc->nhid[i] == id)
			return;
	if (rc->nnhid < MAX_NHIDS)
		rc->nhid[rc->nnhid++] = id;
}

/* A default route of the main table: its gateway, or those of all its next hops. */
static void route_msg(const struct nlmsghdr *nh, struct route_ctx *rc)
{
	struct ipp_hostenv *e = rc->e;
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	const struct rtattr *rta = RTM_RTA(rtm);
	int len = (int)RTM_PAYLOAD(nh);
	uint32_t table = rtm->rtm_table;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST)
		return;
	uint32_t nhid = 0;

	for (const struct rtattr *a = rta; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == sizeof(table))
			memcpy(&table, RTA_DATA(a), sizeof(table));
		else if (a->rta_type == RTA_NH_ID && RTA_PAYLOAD(a) == sizeof(nhid))
			memcpy(&nhid, RTA_DATA(a), sizeof(nhid));
	}
	if (table != RT_TABLE_MAIN)
		return;
	/* a next hop object: its gateways are read from it (the route may not repeat them) */
	if (nhid)
		nhid_add(rc, nhid);
	len = (int)RTM_PAYLOAD(nh);
	add_gateways(e, rtm->rtm_family, rta, len);
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		const struct rtnexthop *hop = RTA_DATA(rta);
		int left = (int)RTA_PAYLOAD(rta);

		if (rta->rta_type != RTA_MULTIPATH)
			continue;
		while (left >= (int)sizeof(*hop) && hop->rtnh_len >= sizeof(*hop) &&
		       hop->rtnh_len <= left) {
			add_gateways(e, rtm->rtm_family, RTNH_DATA(hop),
				     hop->rtnh_len - (int)sizeof(*hop));
			left -= RTNH_ALIGN(hop->rtnh_len);
			hop = RTNH_NEXT(hop);
		}
	}
}

/*
 * The gateways of the default routes of @family in the main table, read over
 * rtnetlink: every next hop of a multipath route (/proc/net/route shows only
 * the first).
 */
static int route_reply(const struct nlmsghdr *nh, void *ctx)
{
	route_msg(nh, ctx);
	return 0;
}

/*
 * A next hop object (ip nexthop) that a default route uses: its gateway, or
 * the members of a group, whose gateways the next pass adds.  @rc->nhid
 * from @first on are the ids this pass looks for.
 */
struct nh_pass {
	struct route_ctx *rc;
	size_t first, last;
};

static int nexthop_reply(const struct nlmsghdr *nh, void *ctx)
{
	struct nh_pass *p = ctx;
	const struct nhmsg *nhm = NLMSG_DATA(nh);
	const struct rtattr *a;
	uint32_t id = 0;
	bool wanted = false;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*nhm)))
		return 0;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nhm)));
	a = (const struct rtattr *)((const char *)nhm + NLMSG_ALIGN(sizeof(*nhm)));
	for (const struct rtattr *x = a; RTA_OK(x, len); x = RTA_NEXT(x, len))
		if (x->rta_type == NHA_ID && RTA_PAYLOAD(x) == sizeof(id))
			memcpy(&id, RTA_DATA(x), sizeof(id));
	for (size_t i = p->first; i < p->last && !wanted; i++)
		wanted = p->rc->nhid[i] == id;
	if (!wanted)
		return 0;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nhm)));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NHA_GATEWAY &&
		    RTA_PAYLOAD(a) == (nhm->nh_family == AF_INET ? 4u : 16u))
			add_raw(p->rc->e->gateway, &p->rc->e->ngateway, nhm->nh_family,
				RTA_DATA(a));
		else if (a->rta_type == NHA_GROUP) {
			const struct nexthop_grp *g = RTA_DATA(a);

			for (size_t k = 0; k < RTA_PAYLOAD(a) / sizeof(*g); k++)
				nhid_add(p->rc, g[k].id);
		}
	}
	return 0;
}

/* The gateways of the next hop objects of @rc (groups: of their members). */
static int read_nexthops(struct route_ctx *rc)
{
	struct {
		struct nlmsghdr nh;
		struct nhmsg nhm;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req),
		   .nlmsg_type = RTM_GETNEXTHOP,
		   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		   .nlmsg_seq = 1},
	};
	struct nh_pass p = {rc, 0, rc->nnhid};
	int r = 0;

	/* a group's members are next hops of their own (groups do not nest) */
	for (int pass = 0; pass < 2 && p.first < p.last && r >= 0; pass++) {
		r = ipp_nl_dump(NETLINK_ROUTE, &req, sizeof(req), RTM_NEWNEXTHOP, nexthop_reply,
				&p);
		p.first = p.last;
		p.last = rc->nnhid;
	}
	return r;
}

static int read_routes(int family, struct ipp_hostenv *e, struct ipp_error *err)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rtm;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req),
		   .nlmsg_type = RTM_GETROUTE,
		   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		   .nlmsg_seq = 1},
	    .rtm = {.rtm_family = (unsigned char)family},
	};
	struct route_ctx rc = {.e = e};
	int r = ipp_nl_dump(NETLINK_ROUTE, &req, sizeof(req), RTM_NEWROUTE, route_reply, &rc);

	if (r >= 0 && rc.nnhid)
		r = read_nexthops(&rc);
	return r < 0 ? ipp_err(err, -r, "cannot read the routing table: %s", strerror(-r)) : 0;
}

static int read_gateways(const struct ipp_hostenv_src *s, struct ipp_hostenv *e,
			 struct ipp_error *err)
{
	int r = s->route4 ? read_route4(s->route4, e, err) : read_routes(AF_INET, e, err);

	if (r < 0)
		return r;
	return s->route6 ? read_route6(s->route6, e, err) : read_routes(AF_INET6, e, err);
}

/*
 * The interface a lease file is for, by its name (none that exists now:
 * false): an interface index (networkd's leases/IFINDEX), else the longest
 * tail after a "." or "-" of the name without ".lease(s)" that names an
 * interface (dhclient.eth0.leases, dhclient-eth0.leases, NetworkManager's
 * dhclient-UUID-eth0.lease and internal-UUID-eth0.lease).
 */
static bool file_ifname(const char *path, char ifname[IF_NAMESIZE])
{
	const char *slash = strrchr(path, '/');
	char base[256], *dot, *end;
	unsigned long idx;

	snprintf(base, sizeof(base), "%s", slash ? slash + 1 : path);
	dot = strrchr(base, '.');
	if (dot && (!strcmp(dot, ".lease") || !strcmp(dot, ".leases")))
		*dot = '\0';
	if (base[0] >= '0' && base[0] <= '9') {
		errno = 0;
		idx = strtoul(base, &end, 10);
		if (!*end && !errno && idx > 0 && idx <= UINT32_MAX)
			return if_indextoname((unsigned)idx, ifname) != NULL;
	}
	for (char *p = base; *p; p++) {
		if (p != base && p[-1] != '.' && p[-1] != '-')
			continue;
		if (strlen(p) < IF_NAMESIZE && if_nametoindex(p)) {
			memcpy(ifname, p, strlen(p) + 1);
			return true;
		}
	}
	return false;
}

/*
 * Has a dhclient lease with "expire @text" expired at @now?  "never", "epoch
 * N" and "W YYYY/MM/DD HH:MM:SS" (UTC); anything else is taken as unexpired.
 */
static bool expired(const char *text, time_t now)
{
	struct tm tm = {0};
	long long epoch;
	int wday;

	if (sscanf(text, "epoch %lld", &epoch) == 1)
		return epoch <= (long long)now;
	if (sscanf(text, "%d %d/%d/%d %d:%d:%d", &wday, &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 7)
		return false; /* "never;" */
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm) <= now;
}

/* The servers of one lease file, by interface (the last lease of each wins). */
struct lease_file {
	const char *path;
	bool named;		   /* file_ifname() was asked */
	char file_if[IF_NAMESIZE]; /* its answer, "" for none */
	struct {
		char ifname[IF_NAMESIZE];
		char server[128];
	} v[16];
	size_t n;
};

/* A lease of interface @ifname ("": the file's) has server @server: keep it if it is current. */
static void lease_take(struct lease_file *lf, const char *ifname, const char *server)
{
	size_t i;

	if (!server[0])
		return;
	if (!ifname[0]) {
		if (!lf->named && !file_ifname(lf->path, lf->file_if))
			lf->file_if[0] = '\0';
		lf->named = true;
		ifname = lf->file_if;
	} else if (!if_nametoindex(ifname)) {
		return;
	}
	if (!ifname[0])
		return;
	for (i = 0; i < lf->n && strcmp(lf->v[i].ifname, ifname); i++)
		;
	if (i == lf->n) {
		if (lf->n == sizeof(lf->v) / sizeof(lf->v[0]))
			return;
		lf->n++;
	}
	snprintf(lf->v[i].ifname, sizeof(lf->v[i].ifname), "%s", ifname);
	snprintf(lf->v[i].server, sizeof(lf->v[i].server), "%s", server);
}

/* The change of brace depth on one line (braces inside quotes do not count). */
static int brace_delta(const char *p)
{
	bool quoted = false;
	int d = 0;

	for (; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1])
			p++;
		else if (!quoted && *p == '{')
			d++;
		else if (!quoted && *p == '}')
			d--;
	}
	return d;
}

/*
 * One lease file.  dhclient's: "lease { ... }" blocks, appended as they come;
 * a lease counts when it has "option dhcp-server-identifier A;", is not
 * expired ("expire ...;") and its interface ("interface \"X\";", else the
 * file's) exists now; of several of one interface, the last that counts.
 * networkd's and NetworkManager's internal client's: "SERVER_ADDRESS=A", one
 * lease for the file's interface.
 */
/*
 * A server of a lease file that is no address: the DHCP servers are unknown
 * (e->dhcp_error names the file, the line and the token), as a DHCP filter
 * that silently covers none would permit what it should block.
 */
static bool lease_server_ok(struct ipp_hostenv *e, const char *path, unsigned lineno,
			    const char *server, const char *what)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, server, b) == 1 || inet_pton(AF_INET6, server, b) == 1)
		return true;
	if (!e->dhcp_error[0])
		snprintf(e->dhcp_error, sizeof(e->dhcp_error),
			 "%s:%u: \"%.64s\" is not an IPv4 or IPv6 address (%s)", path, lineno,
			 server, what);
	return false;
}

static int read_lease(const char *path, struct ipp_hostenv *e, time_t now, struct ipp_error *err)
{
	struct lease_file lf = {.path = path};
	char line[512], ifname[IF_NAMESIZE] = "", server[128] = "", kv[128] = "";
	bool in_lease = false, stale = false;
	unsigned lineno = 0;
	int depth = 0;
	FILE *f;
	int r;

	if ((r = open_opt(path, &f, err)) == -EINVAL) {
		ipp_err_clear(err); /* what a pattern matches that is no file: no lease */
		return 0;
	}
	if (r <= 0)
		return r;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		int d;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (depth == 0 && !strncmp(p, "lease", 5) && p[5] && strchr(" \t{6", p[5])) {
			in_lease = true;
			stale = false;
			ifname[0] = server[0] = '\0';
		}
		if (!in_lease) {
			if (sscanf(p, "SERVER_ADDRESS=%127[^ \t\n]", kv) == 1 &&
			    !lease_server_ok(e, path, lineno, kv, "SERVER_ADDRESS"))
				kv[0] = '\0';
		} else if (!strncmp(p, "expire ", 7)) {
			stale = expired(p + 7, now);
		} else if (sscanf(p, "interface \"%15[^\"]\"", ifname) != 1 &&
			   sscanf(p, "option dhcp-server-identifier %127[^; \t\n]", server) == 1 &&
			   !lease_server_ok(e, path, lineno, server,
					    "option dhcp-server-identifier")) {
			server[0] = '\0';
		}
		d = brace_delta(p);
		depth = depth + d < 0 ? 0 : depth + d;
		if (in_lease && depth == 0 && d < 0) {
			if (!stale)
				lease_take(&lf, ifname, server);
			in_lease = false;
		}
	}
	fclose(f);
	lease_take(&lf, "", kv);
	for (size_t i = 0; i < lf.n; i++)
		add_addr(e->dhcp, &e->ndhcp, lf.v[i].server);
	return 0;
}

static int read_dhcp(const struct ipp_hostenv_src *s, struct ipp_hostenv *e,
		     struct ipp_error *err)
{
	time_t now = time(NULL);
	size_t i, k;
	int r = 0;

	for (i = 0; i < IPP_HOSTENV_MAX_LEASE_GLOBS && s->lease_globs[i] && r == 0; i++) {
		glob_t g;

		if (glob(s->lease_globs[i], 0, NULL, &g) != 0)
			continue;
		for (k = 0; k < g.gl_pathc && r == 0; k++)
			r = read_lease(g.gl_pathv[k], e, now, err);
		globfree(&g);
	}
	return r;
}

/*
 * Our own file, so read strictly: addresses separated by blanks or commas,
 * # comments; anything else is an error naming the line and the token (a
 * WINS filter that silently covers no server would permit what it should
 * block).
 */
static int read_wins(const char *path, struct ipp_hostenv *e, struct ipp_error *err)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t len;
	FILE *f;
	int r;

	if ((r = open_opt(path, &f, err)) <= 0)
		return r;
	r = 0;
	while (r == 0 && (len = getline(&line, &cap, f)) >= 0) {
		char *hash = strchr(line, '#'), *save = NULL, *tok;

		lineno++;
		if (memchr(line, '\0', (size_t)len)) {
			r = ipp_err(err, EINVAL, "%s:%u: a NUL byte: expected text lines", path,
				    lineno);
			break;
		}
		if (hash)
			*hash = '\0';
		/* (a file saved by Notepad begins with a UTF-8 byte order mark) */
		for (tok = strtok_r(lineno == 1 && !strncmp(line, "\xef\xbb\xbf", 3) ? line + 3
										     : line,
				    " \t\r\n,", &save);
		     tok; tok = strtok_r(NULL, " \t\r\n,", &save))
			if (!add_addr(e->wins, &e->nwins, tok)) {
				/* (an address is ASCII: anything else shown as \xHH, visible) */
				char shown[4 * 64 + 1];
				size_t o = 0;

				for (const unsigned char *p = (const unsigned char *)tok;
				     *p && o + 5 < sizeof(shown); p++)
					o += (size_t)snprintf(
					    shown + o, sizeof(shown) - o,
					    *p > 0x20 && *p < 0x7f ? "%c" : "\\x%02x", *p);
				r = ipp_err(
				    err, EINVAL,
				    "%s:%u: \"%s\" is not an IPv4 or IPv6 address (WINS "
				    "servers: addresses separated by new lines, blanks or commas, "
				    "# comments)",
				    path, lineno, shown);
				break;
			}
	}
	if (r == 0 && ferror(f))
		r = ipp_err(err, EIO, "%s: read error: %s", path, strerror(errno));
	free(line);
	fclose(f);
	return r;
}

/* A list that found more than IPP_MAX_SERVERS (@what, from @where): its kind unknown. */
static void too_many(char *error, size_t *n, const char *what, const char *where)
{
	if (*n <= IPP_MAX_SERVERS || error[0])
		return;
	snprintf(error, IPP_ERR_MSG_MAX, "%s: more than %d %s, more than a policy takes", where,
		 IPP_MAX_SERVERS, what);
	*n = 0;
}

int ipp_hostenv_read(const struct ipp_hostenv_src *s, struct ipp_hostenv *ret,
		     struct ipp_error *err)
{
	struct ipp_hostenv e;
	int r;

	(void)err;
	memset(&e, 0, sizeof(e));
	/* a source that cannot be read leaves its kind unknown, not the others: a policy
	 * that names none of them does not depend on it */
	{
		struct ipp_error ke = {0};

		if ((r = read_dns(s, &e, &ke)) < 0)
			snprintf(e.dns_error, sizeof(e.dns_error), "%s", ke.msg);
		memset(&ke, 0, sizeof(ke));
		if ((r = read_gateways(s, &e, &ke)) < 0 && !e.gateway_error[0])
			snprintf(e.gateway_error, sizeof(e.gateway_error), "%s", ke.msg);
		memset(&ke, 0, sizeof(ke));
		if ((r = read_dhcp(s, &e, &ke)) < 0 && !e.dhcp_error[0])
			snprintf(e.dhcp_error, sizeof(e.dhcp_error), "%s", ke.msg);
	}
	/* more servers than a list holds: unknown, not fewer (a filter of them would leave
	 * the rest out in silence) */
	too_many(e.dns_error, &e.ndns, "DNS servers",
		 s->resolved_conf ? s->resolved_conf : s->resolv_conf);
	too_many(e.gateway_error, &e.ngateway, "gateways", "the default routes");
	too_many(e.dhcp_error, &e.ndhcp, "DHCP servers", "the DHCP leases");
	/* a file of servers with a line that cannot be read: they are unknown, not fewer */
	if (e.dns_error[0])
		e.ndns = 0;
	if (e.gateway_error[0])
		e.ngateway = 0;
	if (e.dhcp_error[0])
		e.ndhcp = 0;
	{
		/* our own file: a mistake in it leaves the WINS servers unknown, not the others */
		struct ipp_error we = {0};

		if (read_wins(s->wins_conf, &e, &we) < 0) {
			e.nwins = 0;
			snprintf(e.wins_error, sizeof(e.wins_error), "%s", we.msg);
		}
		too_many(e.wins_error, &e.nwins, "WINS servers", s->wins_conf);
	}
	*ret = e;
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Split @path at its last slash: @dir ("/" or "." when it has none) and @name. */
static void split_path(const char *path, char *dir, size_t dirsz, const char **name)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, dirsz, ".");
		*name = path;
	} else {
		snprintf(dir, dirsz, "%.*s", slash == path ? 1 : (int)(slash - path), path);
		*name = slash + 1;
	}
}

void ipp_hostenv_watch_points(const char *path,
			      void (*fn)(void *ctx, const char *dir, const char *name), void *ctx)
{
	char cur[IPP_PATH_MAX], dir[IPP_PATH_MAX], link[IPP_PATH_MAX];
	const char *name;
	ssize_t n;

	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur))
		return;
	for (int hop = 0; hop <= 8; hop++) {
		split_path(cur, dir, sizeof(dir), &name);
		if (!*name)
			return;
		if (!is_dir(dir)) {
			/* where the missing directory will appear */
			char up[IPP_PATH_MAX];

			while (strcmp(dir, "/") && strcmp(dir, ".")) {
				split_path(dir, up, sizeof(up), &name);
				if (is_dir(up)) {
					if (*name)
						fn(ctx, up, name);
					return;
				}
				memcpy(dir, up, sizeof(dir));
			}
			return;
		}
		fn(ctx, dir, name);
		n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0)
			return;
		link[n] = '\0';
		if (link[0] == '/') {
			memcpy(cur, link, (size_t)n + 1);
		} else if (snprintf(cur, sizeof(cur), "%s/%s", dir, link) >= (int)sizeof(cur)) {
			return;
		}
	}
}

static bool list_equal(const struct ipp_addr *a, size_t na, const struct ipp_addr *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].family != b[i].family || a[i].plen != b[i].plen ||
		    memcmp(a[i].ip, b[i].ip, 16))
			return false;
	return true;
}

bool ipp_hostenv_equal(const struct ipp_hostenv *a, const struct ipp_hostenv *b)
{
	return list_equal(a->dns, a->ndns, b->dns, b->ndns) &&
	       list_equal(a->wins, a->nwins, b->wins, b->nwins) &&
	       list_equal(a->dhcp, a->ndhcp, b->dhcp, b->ndhcp) &&
	       list_equal(a->gateway, a->ngateway, b->gateway, b->ngateway) &&
	       !strcmp(a->wins_error, b->wins_error) && !strcmp(a->dns_error, b->dns_error) &&
	       !strcmp(a->gateway_error, b->gateway_error) && !strcmp(a->dhcp_error, b->dhcp_error);
}

static void print_list(FILE *out, const char *kind, const struct ipp_addr *v, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	fprintf(out, "%s=", kind);
	for (i = 0; i < n; i++) {
		if (!inet_ntop(v[i].family, v[i].ip, buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "?");
		fprintf(out, "%s%s", i ? " " : "", buf);
	}
	fputc('\n', out);
}

static void print_error(FILE *out, const char *kind, const char *why)
{
	if (why[0])
		fprintf(out, "%s_error=%.*s\n", kind, (int)strcspn(why, "\n"), why);
}

void ipp_hostenv_print(const struct ipp_hostenv *e, FILE *out)
{
	print_list(out, "dns", e->dns, e->ndns);
	print_list(out, "wins", e->wins, e->nwins);
	print_list(out, "dhcp", e->dhcp, e->ndhcp);
	print_list(out, "gateway", e->gateway, e->ngateway);
	print_error(out, "dns", e->dns_error);
	print_error(out, "wins", e->wins_error);
	print_error(out, "dhcp", e->dhcp_error);
	print_error(out, "gateway", e->gateway_error);
}

int ipp_hostenv_parse(const char *text, struct ipp_hostenv *ret)
{
	static const char *const kinds[] = {"dns", "wins", "dhcp", "gateway"};
	struct ipp_hostenv e;
	/* (as ipp_hostenv_print() names them) */
	struct ipp_addr *lists[] = {e.dns, e.wins, e.dhcp, e.gateway};
	size_t *counts[] = {&e.ndns, &e.nwins, &e.ndhcp, &e.ngateway};
	char *errors[] = {e.dns_error, e.wins_error, e.dhcp_error, e.gateway_error};
	const char *line, *eol;

	memset(&e, 0, sizeof(e));
	for (line = text; *line; line = *eol ? eol + 1 : eol) {
		const char *eq = strchr(line, '=');
		/* (room for the longest list: 65 IPv6 addresses with their blanks) */
		char value[(IPP_MAX_SERVERS + 1) * (INET6_ADDRSTRLEN + 1) + IPP_ERR_MSG_MAX];
		char *save = NULL, *tok;
		size_t k, klen, nlen = 0;

		eol = line + strcspn(line, "\n");
		if (!eq || eq > eol)
			continue; /* (the final OK) */
		klen = (size_t)(eq - line);
		if ((size_t)(eol - eq - 1) >= sizeof(value))
			return -EINVAL; /* (cut, a list would be another: the caller reads itself)
					 */
		snprintf(value, sizeof(value), "%.*s", (int)(eol - eq - 1), eq + 1);
		for (k = 0; k < 4; k++) {
			nlen = strlen(kinds[k]);
			if (!strncmp(line, kinds[k], nlen) &&
			    (klen == nlen ||
			     (errors[k] && klen == nlen + 6 && !strncmp(line + nlen, "_error", 6))))
				break;
		}
		if (k == 4)
			return -EINVAL;
		if (klen != nlen) {
			snprintf(errors[k], IPP_ERR_MSG_MAX, "%.*s", IPP_ERR_MSG_MAX - 1, value);
			continue;
		}
		for (tok = strtok_r(value, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			if (!add_addr(lists[k], counts[k], tok))
				return -EINVAL;
	}
	*ret = e;
	return 0;
}
