/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * whatif_args.c - the arguments of `whatif`, one table of tag parsers.
 * Strict: unknown tags, malformed numbers and addresses are refused with
 * the tag and value quoted.
 */
#include "classify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------- arguments ---------- */

static int set_str(char **dst, const char *tag, const char *v, struct ipp_error *err)
{
	char *s;

	if (!*v)
		return ipp_err(err, EINVAL, "\"%s=\": expected a value", tag);
	s = strdup(v);
	if (!s)
		return ipp_err(err, ENOMEM, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

static int parse_u(const char *v, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long n;

	if (!*v || *v == '-' || *v == '+' || *v == ' ')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > max)
		return -EINVAL;
	*ret = n;
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{"any", 0},  {"icmp", IPPROTO_ICMP},     {"tcp", IPPROTO_TCP},
	{"udp", IPPROTO_UDP}, {"icmpv6", IPPROTO_ICMPV6}, {"raw", IPPROTO_RAW},
};

static int w_src(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	return set_str(&w->src, tag, v, err);
}

static int w_dst(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	return set_str(&w->dst, tag, v, err);
}

static int w_proto(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	unsigned long n;
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strcasecmp(v, protos[i].name) == 0) {
			if (protos[i].proto == 0)
				return ipp_err(err, EINVAL,
					       "\"%s=%s\": a packet has one protocol; "
					       "expected tcp, udp, icmp, icmpv6, raw or 1..255",
					       tag, v);
			w->proto = protos[i].proto;
			w->have_proto = true;
			w->proto_icmp = w->proto == IPPROTO_ICMP;
			return 0;
		}
	}
	if (parse_u(v, 255, &n) < 0 || n == 0)
		return ipp_err(err, EINVAL,
			       "\"%s=%s\": expected tcp, udp, icmp, icmpv6, raw or 1..255",
			       tag, v);
	w->proto = (uint8_t)n;
	w->have_proto = true;
	w->proto_icmp = false;
	return 0;
}

static int w_port(const char *tag, const char *v, uint16_t *port, bool *have,
		  struct ipp_error *err)
{
	unsigned long n;

	if (parse_u(v, 65535, &n) < 0)
		return ipp_err(err, EINVAL, "\"%s=%s\": expected a port 0..65535", tag, v);
	*port = (uint16_t)n;
	*have = true;
	return 0;
}

static int w_sport(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	return w_port(tag, v, &w->sport, &w->have_sport, err);
}

static int w_dport(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	return w_port(tag, v, &w->dport, &w->have_dport, err);
}

static int w_policy(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	return set_str(&w->policy, tag, v, err);
}

static int w_pcap(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	return set_str(&w->pcap, tag, v, err);
}

static int w_me(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	uint8_t ip[16];
	char v4[INET_ADDRSTRLEN];

	if (strcasecmp(v, "only") == 0) {
		w->nosystem = true;
		return 0;
	}
	/* ::ffff:a.b.c.d is the IPv4 address, as a dual-stack socket reports it (and as
	 * src= and dst= take it): no interface holds the mapped form */
	if (inet_pton(AF_INET6, v, ip) == 1 && ipp_ip_is_mapped(ip) &&
	    inet_ntop(AF_INET, ip + 12, v4, sizeof(v4)))
		v = v4;
	if (ipp_localaddrs_add_str(&w->me, v, NULL) < 0)
		return ipp_err(err, EINVAL,
			       "\"%s=%s\": expected an IPv4 or IPv6 address of this host "
			       "(or \"only\")",
			       tag, v);
	return 0;
}

static int w_dir(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	if (strcasecmp(v, "in") == 0 || strcasecmp(v, "inbound") == 0)
		w->dir = IPP_DIR_IN;
	else if (strcasecmp(v, "out") == 0 || strcasecmp(v, "outbound") == 0)
		w->dir = IPP_DIR_OUT;
	else
		return ipp_err(err, EINVAL, "\"%s=%s\": expected in or out", tag, v);
	w->dir_set = true;
	return 0;
}

static int parse_yesno(const char *v, bool *ret)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "y") == 0) {
		*ret = true;
		return 0;
	}
	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "n") == 0) {
		*ret = false;
		return 0;
	}
	return -EINVAL;
}

static int w_ipsec(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	if (parse_yesno(v, &w->secpath) < 0)
		return ipp_err(err, EINVAL, "\"%s=%s\": expected yes or no", tag, v);
	w->secpath_set = true;
	return 0;
}

static int w_conntype(struct ipp_whatif *w, const char *tag, const char *v,
		      struct ipp_error *err)
{
	if (strcasecmp(v, "lan") == 0)
		w->dialup = false;
	else if (strcasecmp(v, "dialup") == 0)
		w->dialup = true;
	else
		return ipp_err(err, EINVAL, "\"%s=%s\": expected lan or dialup", tag, v);
	w->conntype_set = true;
	return 0;
}

static int w_level(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err)
{
	if (strcasecmp(v, "verbose") == 0)
		w->verbose = true;
	else if (strcasecmp(v, "normal") == 0)
		w->verbose = false;
	else
		return ipp_err(err, EINVAL, "\"%s=%s\": expected normal or verbose", tag, v);
	return 0;
}

static const struct {
	const char *tag, *alias;
	int (*parse)(struct ipp_whatif *w, const char *tag, const char *v, struct ipp_error *err);
} args[] = {
	{"src", "srcaddr", w_src},      {"dst", "dstaddr", w_dst},
	{"proto", "protocol", w_proto}, {"srcport", NULL, w_sport},
	{"dstport", NULL, w_dport},     {"policy", NULL, w_policy},
	{"pcap", NULL, w_pcap},         {"me", NULL, w_me},
	{"dir", "direction", w_dir},    {"ipsec", NULL, w_ipsec},
	{"level", NULL, w_level},       {"conntype", NULL, w_conntype},
};

int ipp_whatif_set(struct ipp_whatif *w, const char *tag, const char *value,
		   struct ipp_error *err)
{
	size_t i;

	if (!tag || !value)
		return ipp_err(err, EINVAL, "expected tag=value arguments");
	for (i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		if (strcasecmp(tag, args[i].tag) == 0 ||
		    (args[i].alias && strcasecmp(tag, args[i].alias) == 0))
			return args[i].parse(w, tag, value, err);
	return ipp_err(err, EINVAL,
		       "unknown argument \"%s\"; expected src, dst, proto, srcport, dstport, "
		       "policy, pcap, me, dir, ipsec or level",
		       tag);
}

void ipp_whatif_clear(struct ipp_whatif *w)
{
	if (!w)
		return;
	free(w->src);
	free(w->dst);
	free(w->policy);
	free(w->pcap);
	ipp_localaddrs_clear(&w->me);
	memset(w, 0, sizeof(*w));
}

