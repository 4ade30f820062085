/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "testpol.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int store_index(enum ipp_store_loc loc)
{
	return loc == IPP_STORE_PERSISTENT ? 0 : loc == IPP_STORE_DOMAIN ? 1 : 2;
}

static struct ipp_snapshot *new_snap(enum ipp_store_loc loc)
{
	struct ipp_snapshot *s = calloc(1, sizeof(*s));

	if (s)
		s->loc = loc;
	return s;
}

void testpol_init(struct testpol *t)
{
	memset(t, 0, sizeof(*t));
	t->store[0] = new_snap(IPP_STORE_PERSISTENT);
	t->store[1] = new_snap(IPP_STORE_DOMAIN);
	t->store[2] = new_snap(IPP_STORE_LOCAL);
	ipp_copts_init(&t->opts);
	t->next_id = 1;
	t->cur = IPP_STORE_LOCAL;
}

void testpol_clear(struct testpol *t)
{
	int i;

	for (i = 0; i < 3; i++) {
		ipp_snapshot_free(t->store[i]);
		ipp_snapshot_free(t->old_store[i]);
	}
	memset(t, 0, sizeof(*t));
}

static struct ipp_snapshot *copy_snap(const struct ipp_snapshot *s)
{
	struct ipp_snapshot *c = new_snap(s->loc);
	size_t i, k;

	if (!c)
		return NULL;
	c->policies = calloc(s->npolicies + 1, sizeof(*c->policies));
	c->filterlists = calloc(s->nfilterlists + 1, sizeof(*c->filterlists));
	c->filteractions = calloc(s->nfilteractions + 1, sizeof(*c->filteractions));
	if (!c->policies || !c->filterlists || !c->filteractions)
		goto fail;
	for (i = 0; i < s->npolicies; i++) {
		c->policies[i] = s->policies[i];
		c->policies[i].rules = calloc(s->policies[i].nrules + 1, sizeof(struct ipp_rule));
		if (!c->policies[i].rules) {
			c->policies[i].nrules = 0;
			c->npolicies = i + 1;
			goto fail;
		}
		if (s->policies[i].nrules)
			memcpy(c->policies[i].rules, s->policies[i].rules,
			       s->policies[i].nrules * sizeof(struct ipp_rule));
		c->npolicies = i + 1;
	}
	for (i = 0; i < s->nfilterlists; i++) {
		c->filterlists[i] = s->filterlists[i];
		c->filterlists[i].filters =
			calloc(s->filterlists[i].nfilters + 1, sizeof(struct ipp_filter));
		c->filterlists[i].nfilters = 0;
		c->nfilterlists = i + 1;
		if (!c->filterlists[i].filters)
			goto fail;
		for (k = 0; k < s->filterlists[i].nfilters; k++) {
			if (ipp_filter_copy(&c->filterlists[i].filters[k], &s->filterlists[i].filters[k]))
				goto fail;
			c->filterlists[i].nfilters = k + 1;
		}
	}
	if (s->nfilteractions)
		memcpy(c->filteractions, s->filteractions,
		       s->nfilteractions * sizeof(*s->filteractions));
	c->nfilteractions = s->nfilteractions;
	return c;
fail:
	ipp_snapshot_free(c);
	return NULL;
}

static struct ipp_filterlist *find_list(struct ipp_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nfilterlists; i++)
		if (!strcasecmp(s->filterlists[i].name, name))
			return &s->filterlists[i];
	return NULL;
}

static struct ipp_filteraction *find_action(struct ipp_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nfilteractions; i++)
		if (!strcasecmp(s->filteractions[i].name, name))
			return &s->filteractions[i];
	return NULL;
}

static struct ipp_policy *find_policy(struct ipp_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->npolicies; i++)
		if (!strcasecmp(s->policies[i].name, name))
			return &s->policies[i];
	return NULL;
}

#define MAXTOK 16

static int grow(void **v, size_t n, size_t size)
{
	void *p = realloc(*v, (n + 1) * size);

	if (!p)
		return -ENOMEM;
	*v = p;
	return 0;
}

static int parse_addr(const char *tok, struct ipp_addr *a, struct ipp_error *err)
{
	if (!strcasecmp(tok, "dns")) {
		memset(a, 0, sizeof(*a));
		a->kind = IPP_ADDR_DNS;
		return 0;
	}
	if (!strcasecmp(tok, "wins")) {
		memset(a, 0, sizeof(*a));
		a->kind = IPP_ADDR_WINS;
		return 0;
	}
	if (!strcasecmp(tok, "dhcp")) {
		memset(a, 0, sizeof(*a));
		a->kind = IPP_ADDR_DHCP;
		return 0;
	}
	if (!strcasecmp(tok, "gateway")) {
		memset(a, 0, sizeof(*a));
		a->kind = IPP_ADDR_GATEWAY;
		return 0;
	}
	return ipp_addr_parse_cidr(tok, a, err);
}

static int add_env(struct testpol *t, const char *kind, const char *addr, struct ipp_error *err)
{
	struct ipp_addr a, *v;
	size_t *n;
	int r;

	if ((r = ipp_addr_parse_cidr(addr, &a, err)) < 0)
		return r;
	if (!strcmp(kind, "dns"))
		v = t->env.dns, n = &t->env.ndns;
	else if (!strcmp(kind, "wins"))
		v = t->env.wins, n = &t->env.nwins;
	else if (!strcmp(kind, "dhcp"))
		v = t->env.dhcp, n = &t->env.ndhcp;
	else if (!strcmp(kind, "gateway"))
		v = t->env.gateway, n = &t->env.ngateway;
	else
		return ipp_err(err, EINVAL, "unknown host fact \"%s\"", kind);
	if (*n >= IPP_MAX_SERVERS)
		return ipp_err(err, E2BIG, "too many %s servers", kind);
	v[(*n)++] = a;
	return 0;
}

static int do_filter(struct testpol *t, struct ipp_snapshot *s, char **tok, int ntok,
		     struct ipp_error *err)
{
	struct ipp_filterlist *l;
	struct ipp_filter f;
	int i, r;

	if (ntok < 4)
		return ipp_err(err, EINVAL, "filter: expected LIST SRC DST");
	l = find_list(s, tok[1]);
	if (!l)
		return ipp_err(err, EINVAL, "no filter list \"%s\"", tok[1]);
	ipp_filter_init(&f);
	if ((r = parse_addr(tok[2], &f.src, err)) < 0 || (r = parse_addr(tok[3], &f.dst, err)) < 0)
		return r;
	for (i = 4; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');

		if (!eq)
			return ipp_err(err, EINVAL, "\"%s\": expected key=value", tok[i]);
		*eq++ = '\0';
		if (!strcmp(tok[i], "proto"))
			r = ipp_proto_parse(eq, &f.protocol, err);
		else if (!strcmp(tok[i], "srcport"))
			r = ipp_port_parse(eq, &f.srcport, err);
		else if (!strcmp(tok[i], "dstport"))
			r = ipp_port_parse(eq, &f.dstport, err);
		else if (!strcmp(tok[i], "mirrored"))
			r = ipp_bool_parse("mirrored", eq, &f.mirrored, err);
		else
			r = ipp_err(err, EINVAL, "unknown filter attribute \"%s\"", tok[i]);
		if (r < 0)
			return r;
	}
	f.id = t->next_id++;
	if (grow((void **)&l->filters, l->nfilters, sizeof(*l->filters)) < 0)
		return -ENOMEM;
	l->filters[l->nfilters++] = f;
	return 0;
}

static int do_rule(struct testpol *t, struct ipp_snapshot *s, char **tok, int ntok,
		   struct ipp_error *err)
{
	struct ipp_policy *p;
	struct ipp_filterlist *l;
	struct ipp_filteraction *a;
	struct ipp_rule r;
	int i;

	if (ntok < 5)
		return ipp_err(err, EINVAL, "rule: expected POLICY NAME LIST ACTION");
	p = find_policy(s, tok[1]);
	l = find_list(s, tok[3]);
	a = find_action(s, tok[4]);
	if (!p || !l || !a)
		return ipp_err(err, EINVAL, "rule \"%s\": unknown policy, list or action", tok[2]);
	ipp_rule_init(&r);
	snprintf(r.name, sizeof(r.name), "%s", tok[2]);
	r.id = t->next_id++;
	r.number = (uint32_t)p->nrules + 1;
	r.policy_id = p->id;
	r.filterlist_id = l->id;
	r.filteraction_id = a->id;
	for (i = 5; i < ntok; i++) {
		if (!strcmp(tok[i], "activate=no"))
			r.activate = false;
		else if (!strcmp(tok[i], "conntype=lan"))
			r.conntype = IPP_CONN_LAN;
		else if (!strcmp(tok[i], "conntype=dialup"))
			r.conntype = IPP_CONN_DIALUP;
		else
			return ipp_err(err, EINVAL, "unknown rule attribute \"%s\"", tok[i]);
	}
	if (grow((void **)&p->rules, p->nrules, sizeof(*p->rules)) < 0)
		return -ENOMEM;
	p->rules[p->nrules++] = r;
	return 0;
}

int testpol_line(struct testpol *t, const char *line, const char *name, unsigned lineno,
		 struct ipp_error *err)
{
	char buf[1024], *tok[MAXTOK], *save = NULL, *p;
	struct ipp_snapshot *s = t->store[store_index(t->cur)];
	int ntok = 0, r = 0, i;

	snprintf(buf, sizeof(buf), "%s", line);
	p = strchr(buf, '#');
	if (p)
		*p = '\0';
	for (p = strtok_r(buf, " \t\r\n", &save); p && ntok < MAXTOK;
	     p = strtok_r(NULL, " \t\r\n", &save))
		tok[ntok++] = p;
	if (ntok == 0)
		return 0;
	if (!strcmp(tok[0], "store") && ntok == 2) {
		if (!strcmp(tok[1], "local"))
			t->cur = IPP_STORE_LOCAL;
		else if (!strcmp(tok[1], "persistent"))
			t->cur = IPP_STORE_PERSISTENT;
		else if (!strcmp(tok[1], "domain"))
			t->cur = IPP_STORE_DOMAIN;
		else
			r = ipp_err(err, EINVAL, "unknown store \"%s\"", tok[1]);
	} else if (!strcmp(tok[0], "action") && ntok >= 3 && ntok <= 5) {
		struct ipp_filteraction a;
		int k;

		ipp_filteraction_init(&a);
		snprintf(a.name, sizeof(a.name), "%s", tok[1]);
		a.id = t->next_id++;
		r = ipp_action_parse(tok[2], &a.action, err);
		/* "action NAME negotiate [inpass] [soft]" */
		for (k = 3; k < ntok && r == 0; k++) {
			if (!strcmp(tok[k], "inpass"))
				a.inpass = true;
			else if (!strcmp(tok[k], "soft"))
				a.soft = true;
			else
				r = ipp_err(err, EINVAL, "unknown action flag \"%s\"", tok[k]);
		}
		if (r == 0 && (r = grow((void **)&s->filteractions, s->nfilteractions,
					sizeof(a))) == 0)
			s->filteractions[s->nfilteractions++] = a;
	} else if (!strcmp(tok[0], "list") && ntok == 2) {
		struct ipp_filterlist l;

		ipp_filterlist_init(&l);
		snprintf(l.name, sizeof(l.name), "%s", tok[1]);
		l.id = t->next_id++;
		if ((r = grow((void **)&s->filterlists, s->nfilterlists, sizeof(l))) == 0)
			s->filterlists[s->nfilterlists++] = l;
	} else if (!strcmp(tok[0], "filter")) {
		r = do_filter(t, s, tok, ntok, err);
	} else if (!strcmp(tok[0], "policy") && ntok >= 2) {
		struct ipp_policy pol;

		ipp_policy_init(&pol);
		snprintf(pol.name, sizeof(pol.name), "%s", tok[1]);
		snprintf(pol.defaultrule.name, sizeof(pol.defaultrule.name), "Default Response");
		pol.id = t->next_id++;
		for (i = 2; i < ntok && r == 0; i++) {
			if (!strcmp(tok[i], "assigned"))
				pol.assigned = true;
			else if (!strcmp(tok[i], "defaultrule=no"))
				pol.activatedefaultrule = false;
			else
				r = ipp_err(err, EINVAL, "unknown policy attribute \"%s\"", tok[i]);
		}
		if (r == 0 && (r = grow((void **)&s->policies, s->npolicies, sizeof(pol))) == 0)
			s->policies[s->npolicies++] = pol;
	} else if (!strcmp(tok[0], "rule")) {
		r = do_rule(t, s, tok, ntok, err);
	} else if (!strcmp(tok[0], "env") && ntok == 3) {
		r = add_env(t, tok[1], tok[2], err);
	} else if (!strcmp(tok[0], "option") && ntok >= 2) {
		if (!strcmp(tok[1], "comments"))
			t->opts.elem_comments = true;
		else if (!strcmp(tok[1], "cells"))
			t->opts.cells = true;
		else if (!strcmp(tok[1], "local") && ntok >= 3 && ntok - 2 <= IPP_LOCAL_MAX) {
			/* option local ADDRESS...: this host's addresses, which get walks */
			struct ipp_laddr v[IPP_LOCAL_MAX];
			size_t n = 0;

			memset(v, 0, sizeof(v));
			for (i = 2; i < ntok && r == 0; i++, n++) {
				v[n].family = strchr(tok[i], ':') ? AF_INET6 : AF_INET;
				if (inet_pton(v[n].family, tok[i], v[n].ip) != 1)
					r = ipp_err(err, EINVAL, "not an address: \"%s\"", tok[i]);
			}
			if (r == 0)
				ipp_copts_local(&t->opts, v, n);
		} else if (!strcmp(tok[1], "diagnostics") && ntok == 3)
			t->opts.diagnostics = (unsigned)atoi(tok[2]);
		else if (!strcmp(tok[1], "noike"))
			t->opts.exempt_ike = false;
		else if (!strcmp(tok[1], "noipsec"))
			t->opts.exempt_ipsec = false;
		else if (!strcmp(tok[1], "nond"))
			t->opts.exempt_nd = false;
		else if (!strcmp(tok[1], "ipsecexempt") && ntok == 3)
			t->opts.ipsecexempt = (unsigned)atoi(tok[2]);
		else if (!strcmp(tok[1], "rest") && ntok >= 3) {
			/* option rest MODE [EXEMPTION...]: the persistent policy alone */
			struct ipp_driverconf conf;

			ipp_driverconf_init(&conf);
			t->opts.rest = ipp_mode_from_name(tok[2]);
			for (i = 3; i < ntok && r == 0 && conf.nexempt < IPP_BOOTEXEMPT_MAX; i++)
				r = ipp_bootexempt_parse(tok[i], &conf.exempt[conf.nexempt++], err);
			if (r == 0)
				ipp_copts_rest(&t->opts, t->opts.rest, &conf);
		} else
			r = ipp_err(err, EINVAL, "unknown option \"%s\"", tok[1]);
	} else if (!strcmp(tok[0], "next") && ntok == 1) {
		for (i = 0; i < 3; i++) {
			ipp_snapshot_free(t->old_store[i]);
			t->old_store[i] = copy_snap(t->store[i]);
			if (!t->old_store[i])
				r = -ENOMEM;
		}
		t->has_next = true;
	} else if (!strcmp(tok[0], "unfilter") && ntok == 3) {
		struct ipp_filterlist *l = find_list(s, tok[1]);
		long k = strtol(tok[2], NULL, 10);

		if (!l || k < 1 || (size_t)k > l->nfilters) {
			r = ipp_err(err, EINVAL, "no filter %s in \"%s\"", tok[2], tok[1]);
		} else {
			ipp_filter_clear(&l->filters[k - 1]);
			memmove(&l->filters[k - 1], &l->filters[k],
				(l->nfilters - (size_t)k) * sizeof(*l->filters));
			l->nfilters--;
		}
	} else if (!strcmp(tok[0], "unrule") && ntok == 3) {
		struct ipp_policy *pol = find_policy(s, tok[1]);
		size_t k;

		r = ipp_err(err, EINVAL, "no rule \"%s\" in \"%s\"", tok[2], tok[1]);
		for (k = 0; pol && k < pol->nrules; k++) {
			if (strcasecmp(pol->rules[k].name, tok[2]))
				continue;
			memmove(&pol->rules[k], &pol->rules[k + 1],
				(pol->nrules - k - 1) * sizeof(*pol->rules));
			pol->nrules--;
			r = 0;
			break;
		}
	} else {
		r = ipp_err(err, EINVAL, "unknown line \"%s\"", line);
	}
	if (r < 0 && err)
		ipp_err_prefix(err, "%s:%u", name, lineno);
	return r;
}

int testpol_file(struct testpol *t, const char *path, struct ipp_error *err)
{
	char line[1024];
	unsigned n = 0;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return ipp_err(err, errno, "cannot open \"%s\"", path);
	while (r == 0 && fgets(line, sizeof(line), f))
		r = testpol_line(t, line, path, ++n, err);
	fclose(f);
	return r;
}

int testpol_text(struct testpol *t, const char *text, struct ipp_error *err)
{
	const char *p = text;
	unsigned n = 0;
	int r = 0;

	while (r == 0 && *p) {
		const char *e = strchr(p, '\n');
		char line[1024];
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len >= sizeof(line))
			return ipp_err(err, EINVAL, "line too long");
		memcpy(line, p, len);
		line[len] = '\0';
		r = testpol_line(t, line, "text", ++n, err);
		p = e ? e + 1 : p + len;
	}
	return r;
}

int testpol_effective(const struct testpol *t, bool old, struct ipp_effective **ret,
		      struct ipp_error *err)
{
	struct ipp_snapshot *const *s = old ? t->old_store : t->store;

	return ipp_effective_build(s[0], s[1], s[2], &t->env, ret, err);
}
