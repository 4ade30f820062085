/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * static_show.c - the static `show` commands: select objects, then print
 * them with show.h.
 */
#include "../common/utf8.h"
#include "static_cmds.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "shell.h"
#include "show.h"

struct show_ctx {
	struct ipp_show_opts o;
	char host[256];
	struct ipp_snapshot *s;
};

static int show_begin(struct ipp_shell *sh, const struct ipp_args *a, enum ipp_store_loc loc,
		      struct show_ctx *c, struct ipp_error *err)
{
	const char *v;
	bool b;
	int r;

	memset(c, 0, sizeof(*c));
	ipp_show_opts_init(&c->o);
	if ((v = ipp_args_get(a, "level")))
		c->o.level = strcmp(v, "verbose") == 0 ? IPP_LEVEL_VERBOSE : IPP_LEVEL_NORMAL;
	if ((v = ipp_args_get(a, "format"))) {
		if (strcmp(v, "table") == 0)
			c->o.format = IPP_FORMAT_TABLE;
		else if (strcmp(v, "json") == 0)
			c->o.format = IPP_FORMAT_JSON;
		else
			c->o.format = IPP_FORMAT_LIST;
	}
	if (ipp_args_has(a, "wide")) {
		if ((r = ipp_args_bool(a, "wide", &b, err)) < 0)
			return r;
		c->o.wide = b;
	}
	if (ipp_args_has(a, "resolvedns")) {
		if ((r = ipp_args_bool(a, "resolvedns", &b, err)) < 0)
			return r;
		c->o.resolvedns = b;
	}
	if (gethostname(c->host, sizeof(c->host) - 1) == 0)
		c->o.computer = c->host;
	if (loc == IPP_STORE_DOMAIN)
		c->o.domain = ipp_shell_domain(sh);
	return ipp_shell_load(sh, loc, &c->s, err);
}

static void show_end(struct show_ctx *c)
{
	if (c->s)
		ipp_snapshot_free(c->s);
	c->s = NULL;
}

static const struct ipp_policy *policy_named(const struct ipp_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->npolicies; i++)
		if (ipp_utf8_casecmp(s->policies[i].name, name) == 0)
			return &s->policies[i];
	return NULL;
}

int ipp_st_show_all(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		    struct ipp_error *err)
{
	struct show_ctx c;
	int r;

	if ((r = show_begin(sh, a, ipp_shell_store(sh), &c, err)) >= 0)
		ipp_show_all(out, c.s, &c.o);
	show_end(&c);
	return r;
}

int ipp_st_show_store(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		      struct ipp_error *err)
{
	struct ipp_show_opts o;
	char host[256] = "";

	ipp_show_opts_init(&o);
	if (ipp_shell_store(sh) == IPP_STORE_DOMAIN && ipp_shell_domain(sh)[0]) {
		/* the domain named by set store, as netsh names the directory's store */
		fprintf(out, "Current store is: Domain Store <%s>\n", ipp_shell_domain(sh));
		return 0;
	}
	if (gethostname(host, sizeof(host) - 1) == 0)
		o.computer = host;
	ipp_show_store(out, ipp_shell_store(sh), &o);
	return 0;
}

/*
 * @name, or NULL for name=all, which netsh's usage (`[name=]string | [all]`)
 * shares with the keyword: every object, unless one of the @n objects at @v
 * (each @size bytes, its name at @name_off) is called "all".
 */
static const char *name_or_all(const char *name, const void *v, size_t n, size_t size,
			       size_t name_off)
{
	if (!name || ipp_utf8_casecmp(name, "all") != 0)
		return name;
	for (size_t i = 0; i < n; i++)
		if (ipp_utf8_casecmp((const char *)v + i * size + name_off, name) == 0)
			return name;
	return NULL;
}

int ipp_st_show_policy(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		       struct ipp_error *err)
{
	const char *name = ipp_args_get(a, "name");
	enum ipp_store_loc loc = ipp_shell_store(sh);
	const struct ipp_policy **v = NULL;
	struct show_ctx c;
	size_t n = 0;
	int r;

	if ((r = show_begin(sh, a, loc, &c, err)) < 0)
		goto out;
	name = name_or_all(name, c.s->policies, c.s->npolicies, sizeof(*c.s->policies),
			   offsetof(struct ipp_policy, name));
	v = calloc(c.s->npolicies + 1, sizeof(*v));
	if (!v) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	if (name) {
		if (!(v[0] = policy_named(c.s, name))) {
			r = ipp_err(err, ENOENT, "no policy named \"%s\" in the %s", name,
				    ipp_st_store_text(loc));
			goto out;
		}
		n = 1;
	} else {
		for (; n < c.s->npolicies; n++)
			v[n] = &c.s->policies[n];
		if (n == 0 && c.o.format != IPP_FORMAT_JSON) {
			/* as netsh: asking for all of nothing is an error scripts test for (as
			 * JSON, a program reads none: an empty list) */
			r = ipp_err_ipsec(err, IPP_IPSEC_NO_POLICIES,
					  ipp_err(err, ENOENT, "there are no policies in the %s",
						  ipp_st_store_text(loc)));
			goto out;
		}
	}
	ipp_show_policies(out, c.s, v, n, &c.o);
out:
	free(v);
	show_end(&c);
	return r;
}

/*
 * Whether show filterlist/filteraction lists the object @obj_name (row @id):
 * every object when neither name= nor rule= is given, else the one named, and
 * the one each rule called @rule (in any policy) uses; @by_action picks the
 * rule's filter action rather than its filter list.
 */
static bool show_wanted(const struct ipp_snapshot *s, const char *name, const char *rule,
			const char *obj_name, int64_t id, bool by_action)
{
	if (!name && !rule)
		return true;
	if (name && ipp_utf8_casecmp(obj_name, name) == 0)
		return true;
	if (!rule)
		return false;
	for (size_t i = 0; i < s->npolicies; i++)
		for (size_t k = 0; k < s->policies[i].nrules; k++) {
			const struct ipp_rule *rv = &s->policies[i].rules[k];

			if (ipp_utf8_casecmp(rv->name, rule) == 0 &&
			    (by_action ? rv->filteraction_id : rv->filterlist_id) == id)
				return true;
		}
	return false;
}

/* The error of a show filterlist/filteraction that selected nothing; @what is "filter list" or
 * "filter action". */
static int show_none(struct ipp_error *err, enum ipp_store_loc loc, const char *what,
		     const char *name, const char *rule, enum ipp_ipsec_code ipsec_code)
{
	if (name)
		return ipp_err(err, ENOENT, "no %s named \"%s\" in the %s", what, name,
			       ipp_st_store_text(loc));
	if (rule)
		return ipp_err(err, ENOENT, "no rule named \"%s\" in the %s", rule,
			       ipp_st_store_text(loc));
	return ipp_err_ipsec(
	    err, ipsec_code,
	    ipp_err(err, ENOENT, "there are no %ss in the %s", what, ipp_st_store_text(loc)));
}

int ipp_st_show_filterlist(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			   struct ipp_error *err)
{
	const char *name = ipp_args_get(a, "name"), *rule = ipp_args_get(a, "rule");
	enum ipp_store_loc loc = ipp_shell_store(sh);
	const struct ipp_filterlist **v = NULL;
	struct show_ctx c;
	size_t n = 0;
	int r;

	if ((r = show_begin(sh, a, loc, &c, err)) < 0)
		goto out;
	v = calloc(c.s->nfilterlists + 1, sizeof(*v));
	if (!v) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	name = name_or_all(name, c.s->filterlists, c.s->nfilterlists, sizeof(*c.s->filterlists),
			   offsetof(struct ipp_filterlist, name));
	for (size_t i = 0; i < c.s->nfilterlists; i++) {
		const struct ipp_filterlist *l = &c.s->filterlists[i];

		if (show_wanted(c.s, name, rule, l->name, l->id, false))
			v[n++] = l;
	}
	if (n == 0 && (name || rule || c.o.format != IPP_FORMAT_JSON)) {
		r = show_none(err, loc, "filter list", name, rule, IPP_IPSEC_NO_FILTERLISTS);
		goto out;
	}
	ipp_show_filterlists(out, c.s, v, n, &c.o);
out:
	free(v);
	show_end(&c);
	return r;
}

int ipp_st_show_filteraction(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			     struct ipp_error *err)
{
	const char *name = ipp_args_get(a, "name"), *rule = ipp_args_get(a, "rule");
	enum ipp_store_loc loc = ipp_shell_store(sh);
	const struct ipp_filteraction **v = NULL;
	struct show_ctx c;
	size_t n = 0;
	int r;

	if ((r = show_begin(sh, a, loc, &c, err)) < 0)
		goto out;
	v = calloc(c.s->nfilteractions + 1, sizeof(*v));
	if (!v) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	name = name_or_all(name, c.s->filteractions, c.s->nfilteractions,
			   sizeof(*c.s->filteractions), offsetof(struct ipp_filteraction, name));
	for (size_t i = 0; i < c.s->nfilteractions; i++) {
		const struct ipp_filteraction *fa = &c.s->filteractions[i];

		if (show_wanted(c.s, name, rule, fa->name, fa->id, true))
			v[n++] = fa;
	}
	if (n == 0 && (name || rule || c.o.format != IPP_FORMAT_JSON)) {
		r = show_none(err, loc, "filter action", name, rule, IPP_IPSEC_NO_FILTERACTIONS);
		goto out;
	}
	ipp_show_filteractions(out, c.s, v, n, &c.o);
out:
	free(v);
	show_end(&c);
	return r;
}

/* Select the rules of one policy for show rule; returns how many. */
static size_t select_rules(const struct ipp_args *a, const struct ipp_policy *p,
			   const struct ipp_rule **v)
{
	const char *name = ipp_args_get(a, "name"), *type = ipp_args_get(a, "type");
	uint32_t id = 0;
	size_t n = 0;

	name = name_or_all(name, p->rules, p->nrules, sizeof(*p->rules),
			   offsetof(struct ipp_rule, name));

	if (ipp_args_has(a, "id"))
		ipp_args_u32(a, "id", &id, NULL);
	if (ipp_args_has(a, "default")) {
		v[n++] = &p->defaultrule;
		return n;
	}
	for (size_t k = 0; k < p->nrules; k++) {
		const struct ipp_rule *r = &p->rules[k];

		if (name && ipp_utf8_casecmp(r->name, name) != 0)
			continue;
		if (ipp_args_has(a, "id") && r->number != id)
			continue;
		if (type && (strcmp(type, "tunnel") == 0) != r->has_tunnel)
			continue;
		v[n++] = r;
	}
	/* `all` (or nothing) includes the default response rule, which is a transport rule */
	if (!name && !ipp_args_has(a, "id") && (!type || strcmp(type, "transport") == 0))
		v[n++] = &p->defaultrule;
	return n;
}

int ipp_st_show_rule(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		     struct ipp_error *err)
{
	const char *pname = ipp_args_get(a, "policy");
	enum ipp_store_loc loc = ipp_shell_store(sh);
	const struct ipp_rule **v = NULL;
	struct show_ctx c;
	/* (name=all is the keyword all, as for policies and lists: no rule is called so) */
	const char *rname = ipp_args_get(a, "name");
	bool one = (rname && ipp_utf8_casecmp(rname, "all") != 0) || ipp_args_has(a, "id") ||
		   ipp_args_has(a, "default");
	unsigned titled = 0;
	int r;

	if (one && !pname)
		return ipp_err(err, EINVAL, "missing required parameter policy (rules are named "
					    "within their policy)");
	if ((r = show_begin(sh, a, loc, &c, err)) < 0)
		goto out;
	for (size_t i = 0; i < c.s->npolicies; i++) {
		const struct ipp_policy *p = &c.s->policies[i];
		size_t n;

		if (pname && ipp_utf8_casecmp(p->name, pname) != 0)
			continue;
		free(v);
		v = calloc(p->nrules + 2, sizeof(*v));
		if (!v) {
			r = ipp_err(err, ENOMEM, "out of memory");
			goto out;
		}
		n = select_rules(a, p, v);
		if (one && n == 0) {
			if (ipp_args_has(a, "name"))
				r = ipp_err(err, ENOENT, "no rule named \"%s\" in policy \"%s\"",
					    ipp_args_get(a, "name"), p->name);
			else
				r = ipp_err(err, ENOENT, "no rule with ID %s in policy \"%s\"",
					    ipp_args_get(a, "id"), p->name);
			goto out;
		}
		/* the tables of several policies, one after the other: say whose each is */
		if (!pname && c.o.format == IPP_FORMAT_TABLE && n > 0)
			fprintf(out, "%sRules of policy \"%s\":\n", titled++ ? "\n" : "", p->name);
		else if (!pname && c.o.format == IPP_FORMAT_LIST && n > 0 && titled++)
			fputc('\n', out); /* (the blank line between rules, as within a policy) */
		if (pname && n == 0 && c.o.format != IPP_FORMAT_JSON) {
			/* (type= or the default keyword left none) */
			fprintf(out, "No rule of policy \"%s\" matches.\n", p->name);
			goto out;
		}
		ipp_show_rules(out, c.s, p, v, n, &c.o);
		if (pname)
			goto out;
	}
	if (pname)
		r = ipp_err(err, ENOENT, "no policy named \"%s\" in the %s", pname,
			    ipp_st_store_text(loc));
out:
	free(v);
	show_end(&c);
	return r;
}

int ipp_st_show_gpoassignedpolicy(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
				  struct ipp_error *err)
{
	const char *gpo = ipp_args_get(a, "name");
	const struct ipp_policy *p;
	struct show_ctx c;
	int r;

	if ((r = show_begin(sh, a, IPP_STORE_DOMAIN, &c, err)) < 0)
		goto out;
	p = ipp_snapshot_assigned(c.s);
	if (p && gpo && strcasecmp(p->gponame, gpo) != 0)
		p = NULL;
	if (!p) {
		if (gpo)
			fprintf(out, "No IPsec policy is assigned to the group policy object \"%s\".\n",
				gpo);
		else
			fprintf(out, "No IPsec policy is assigned through group policy.\n");
		goto out;
	}
	ipp_show_policies(out, c.s, &p, 1, &c.o);
out:
	show_end(&c);
	return r;
}
