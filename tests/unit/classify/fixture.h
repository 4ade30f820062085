/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fixture.h - hand-built effective policies for the matcher's tests: rules
 * and specific filters are written out directly, so the tests depend on
 * nothing but the matcher itself.
 */
#ifndef IPP_TEST_CLASSIFY_FIXTURE_H
#define IPP_TEST_CLASSIFY_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "classify/classify.h"

#define FX_MAX_RULES 16
#define FX_MAX_SF 256

struct fixture {
	struct ipp_eff_rule rules[FX_MAX_RULES];
	struct ipp_sfilter sf[FX_MAX_SF];
	struct ipp_effective eff;
	uint32_t filters_in_rule[FX_MAX_RULES];
	uint64_t seq;
};

static inline void fx_init(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->eff.rules = fx->rules;
	fx->eff.sf = fx->sf;
}

static inline uint32_t fx_rule(struct fixture *fx, const char *policy, const char *name,
			       enum ipp_action action, enum ipp_origin origin)
{
	struct ipp_eff_rule *r = &fx->rules[fx->eff.nrules];

	snprintf(r->policy, sizeof(r->policy), "%s", policy);
	snprintf(r->rule, sizeof(r->rule), "%s", name);
	snprintf(r->filterlist, sizeof(r->filterlist), "%s list", name);
	snprintf(r->filteraction, sizeof(r->filteraction), "%s action", name);
	r->store = origin == IPP_ORIGIN_PERSISTENT ? IPP_STORE_PERSISTENT : IPP_STORE_LOCAL;
	r->origin = origin;
	r->fa.action = action;
	return (uint32_t)fx->eff.nrules++;
}

static inline struct ipp_addr A_ANY(void)
{
	struct ipp_addr a = {.kind = IPP_ADDR_ANY};
	return a;
}

static inline struct ipp_addr A_ME(void)
{
	struct ipp_addr a = {.kind = IPP_ADDR_ME};
	return a;
}

/* "10.0.0.0/8", "fd00::1" (host), "10.0.0.1-10.0.0.9" */
static inline struct ipp_addr A(const char *s)
{
	struct ipp_addr a = {.kind = IPP_ADDR_IP};
	char buf[128], *slash, *dash;
	int fam;

	snprintf(buf, sizeof(buf), "%s", s);
	dash = strchr(buf, '-');
	slash = strchr(buf, '/');
	if (dash) {
		*dash = '\0';
		a.kind = IPP_ADDR_RANGE;
	}
	if (slash)
		*slash = '\0';
	fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
	a.family = (uint8_t)fam;
	inet_pton(fam, buf, a.ip);
	if (dash)
		inet_pton(fam, dash + 1, a.ip_end);
	a.plen = (uint8_t)(slash ? atoi(slash + 1) : fam == AF_INET6 ? 128 : 32);
	return a;
}

/* One configured filter of rule @rule: one specific filter, two when mirrored. */
static inline void fx_filter(struct fixture *fx, uint32_t rule, struct ipp_addr src,
			     struct ipp_addr dst, uint8_t proto, uint16_t sport, uint16_t dport,
			     bool mirrored)
{
	struct ipp_sfilter f = {0};

	f.src = src;
	f.dst = dst;
	f.protocol = proto;
	f.srcport = sport;
	f.dstport = dport;
	f.action = fx->rules[rule].fa.action;
	f.origin = fx->rules[rule].origin;
	f.seq = ++fx->seq;
	f.rule = rule;
	f.filter = fx->filters_in_rule[rule]++;
	f.weight = ipp_classify_weight(&f);
	fx->sf[fx->eff.nsf++] = f;
	if (mirrored) {
		f.src = dst;
		f.dst = src;
		f.srcport = dport;
		f.dstport = sport;
		f.reversed = true;
		f.weight = ipp_classify_weight(&f);
		fx->sf[fx->eff.nsf++] = f;
	}
}

static inline struct ipp_packet P(enum ipp_dir dir, const char *src, const char *dst,
				   uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct ipp_packet p = {0};
	int fam = strchr(src, ':') ? AF_INET6 : AF_INET;

	p.family = (uint8_t)fam;
	inet_pton(fam, src, p.src);
	inet_pton(fam, dst, p.dst);
	p.proto = proto;
	p.sport = sport;
	p.dport = dport;
	p.dir = dir;
	return p;
}

#endif
