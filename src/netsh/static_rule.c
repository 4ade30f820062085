/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * static_rule.c - add/set/delete rule.
 */
#include "static_cmds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

static enum ipp_conntype conntype_of(const char *v)
{
	if (strcmp(v, "all") == 0)
		return IPP_CONN_ALL;
	if (strcmp(v, "lan") == 0)
		return IPP_CONN_LAN;
	if (strcmp(v, "dialup") == 0)
		return IPP_CONN_DIALUP;
	return IPP_CONN_INVALID;
}

/* The attributes add rule and set rule share (not the references). */
static int rule_attrs(const struct ipp_args *a, struct ipp_rule *r, struct ipp_error *err)
{
	struct ipp_auth *auth;
	size_t nauth = 0;
	bool given;
	const char *v;
	int rc;

	if ((v = ipp_args_get(a, "description")) &&
	    (rc = ipp_st_copy(r->description, sizeof(r->description), "description", v, err)) < 0)
		return rc;
	if ((v = ipp_args_get(a, "tunnel")) && (rc = ipp_st_tunnel(v, r, err)) < 0)
		return rc;
	/* the name an endpoint given as an address was resolved from (as dump writes it) */
	if ((v = ipp_args_get(a, "tunneldnsname")) &&
	    ((rc = ipp_st_dnsname_check(
		  "tunneldnsname", v, "tunnel",
		  ipp_args_has(a, "tunnel") && r->has_tunnel && !r->tunneldns[0], err)) < 0 ||
	     (rc = ipp_st_copy(r->tunneldns, sizeof(r->tunneldns), "tunneldnsname", v, err)) < 0))
		return rc;
	if ((v = ipp_args_get(a, "conntype")))
		r->conntype = conntype_of(v);
	if ((rc = ipp_args_bool(a, "activate", &r->activate, err)) < 0)
		return rc;
	auth = calloc(IPP_MAX_AUTH, sizeof(*auth));
	if (!auth)
		return ipp_err(err, ENOMEM, "out of memory");
	rc = ipp_st_auth_list(a, auth, &nauth, &given, err);
	if (rc == 0 && given) {
		/* the list given replaces the whole list, in command-line order */
		memcpy(r->auth, auth, nauth * sizeof(*auth));
		r->nauth = nauth;
	}
	free(auth);
	return rc;
}

int ipp_st_add_rule(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		    struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_policy p;
	struct ipp_filterlist l;
	struct ipp_filteraction fa;
	struct ipp_rule *r;
	struct ipp_db *db;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&l, 0, sizeof(l));
	memset(&fa, 0, sizeof(fa));
	r = calloc(1, sizeof(*r));
	if (!r)
		return ipp_err(err, ENOMEM, "out of memory");
	ipp_rule_init(r);
	if ((rc = ipp_st_copy_name(r->name, "name", ipp_args_get(a, "name"), err)) < 0 ||
	    (rc = ipp_st_db(sh, &db, err)) < 0 ||
	    (rc = ipp_st_find_policy(db, loc, ipp_args_get(a, "policy"), NULL, &p, err)) < 0 ||
	    (rc = ipp_st_load_list(db, loc, ipp_args_get(a, "filterlist"), &l, err)) < 0 ||
	    (rc = ipp_st_find_filteraction(db, loc, ipp_args_get(a, "filteraction"), NULL, &fa,
					   err)) < 0)
		goto out;
	r->policy_id = p.id;
	r->filterlist_id = l.id;
	r->filteraction_id = fa.id;
	if ((rc = rule_attrs(a, r, err)) < 0 || (rc = ipp_rule_validate(r, &l, err)) < 0)
		goto out;
	rc = ipp_db_rule_add(db, r, err);
	if (rc == -EEXIST)
		rc = ipp_err(err, EEXIST, "a rule named \"%s\" already exists in policy \"%s\"",
			     r->name, p.name);
out:
	ipp_rule_clear(r);
	free(r);
	ipp_filteraction_clear(&fa);
	ipp_filterlist_clear(&l);
	ipp_policy_clear(&p);
	return rc;
}

/* Find the rule that name= or id= of @a names in policy @p. */
static int find_rule(struct ipp_db *db, const struct ipp_args *a, const struct ipp_policy *p,
		     struct ipp_rule *ret, struct ipp_error *err)
{
	const char *name = ipp_args_get(a, "name");
	uint32_t id = 0;
	int rc;

	if (!name) {
		if ((rc = ipp_args_u32(a, "id", &id, err)) < 0)
			return rc;
		if (id == 0)
			return ipp_err(err, EINVAL,
				       "id: rules are numbered from 1 (use set defaultrule for the "
				       "default response rule)");
	}
	rc = ipp_db_rule_find(db, p->id, name, id, ret, err);
	if (rc == -ENOENT) {
		if (name)
			return ipp_err(err, ENOENT, "no rule named \"%s\" in policy \"%s\"", name,
				       p->name);
		return ipp_err(err, ENOENT, "no rule with ID %u in policy \"%s\"", id, p->name);
	}
	return rc;
}

int ipp_st_set_rule(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		    struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_snapshot *s = NULL;
	struct ipp_policy p;
	struct ipp_filterlist l;
	const struct ipp_filterlist *list = NULL;
	struct ipp_rule *r;
	struct ipp_db *db;
	const char *v;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&l, 0, sizeof(l));
	r = calloc(1, sizeof(*r));
	if (!r)
		return ipp_err(err, ENOMEM, "out of memory");
	if ((rc = ipp_st_db(sh, &db, err)) < 0 ||
	    (rc = ipp_st_find_policy(db, loc, ipp_args_get(a, "policy"), NULL, &p, err)) < 0 ||
	    (rc = find_rule(db, a, &p, r, err)) < 0)
		goto out;
	if ((v = ipp_args_get(a, "newname")) && (rc = ipp_st_copy_name(r->name, "newname", v, err)) < 0)
		goto out;
	if ((v = ipp_args_get(a, "filterlist"))) {
		if ((rc = ipp_st_load_list(db, loc, v, &l, err)) < 0)
			goto out;
		r->filterlist_id = l.id;
		list = &l;
	}
	if ((v = ipp_args_get(a, "filteraction"))) {
		struct ipp_filteraction fa;

		memset(&fa, 0, sizeof(fa));
		rc = ipp_st_find_filteraction(db, loc, v, NULL, &fa, err);
		r->filteraction_id = fa.id;
		ipp_filteraction_clear(&fa);
		if (rc < 0)
			goto out;
	}
	if ((rc = rule_attrs(a, r, err)) < 0)
		goto out;
	if (!list) {
		/* validate against the list the rule keeps */
		if ((rc = ipp_db_load(db, loc, &s, err)) < 0)
			goto out;
		list = ipp_snapshot_filterlist(s, r->filterlist_id);
	}
	if ((rc = ipp_rule_validate(r, list, err)) < 0)
		goto out;
	rc = ipp_db_rule_update(db, r, err);
	if (rc == -EEXIST)
		rc = ipp_err(err, EEXIST, "newname: a rule named \"%s\" already exists in policy \"%s\"",
			     r->name, p.name);
out:
	if (s)
		ipp_snapshot_free(s);
	ipp_rule_clear(r);
	free(r);
	ipp_filterlist_clear(&l);
	ipp_policy_clear(&p);
	if (rc >= 0)
		ipp_st_nothing_set(sh, a, out);
	return rc;
}

int ipp_st_delete_rule(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		       struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_snapshot *s = NULL;
	struct ipp_policy p;
	struct ipp_rule *r;
	struct ipp_db *db;
	int rc;

	memset(&p, 0, sizeof(p));
	r = calloc(1, sizeof(*r));
	if (!r)
		return ipp_err(err, ENOMEM, "out of memory");
	if ((rc = ipp_st_db(sh, &db, err)) < 0 ||
	    (rc = ipp_st_find_policy(db, loc, ipp_args_get(a, "policy"), NULL, &p, err)) < 0)
		goto out;
	if (ipp_st_all(a)) {
		if ((rc = ipp_db_load(db, loc, &s, err)) < 0)
			goto out;
		for (size_t i = 0; i < s->npolicies && rc >= 0; i++) {
			const struct ipp_policy *sp = &s->policies[i];

			if (sp->id != p.id)
				continue;
			for (size_t k = 0; k < sp->nrules && rc >= 0; k++)
				if (sp->rules[k].number != 0)
					rc = ipp_db_rule_delete(db, sp->rules[k].id, err);
		}
		goto out;
	}
	if ((rc = find_rule(db, a, &p, r, err)) < 0)
		goto out;
	rc = ipp_db_rule_delete(db, r->id, err);
	if (rc == -EPERM)
		rc = ipp_err(err, EPERM,
			     "the default response rule cannot be deleted: set defaultrule "
			     "policy=\"%s\" activate=no deactivates it",
			     p.name);
out:
	if (s)
		ipp_snapshot_free(s);
	ipp_rule_clear(r);
	free(r);
	ipp_policy_clear(&p);
	return rc;
}
