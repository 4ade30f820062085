/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * static_filteraction.c - add/set/delete filteraction.
 */
#include "static_cmds.h"

#include <errno.h>
#include <string.h>

#include "shell.h"

static enum ipp_action action_of(const char *v)
{
	if (strcmp(v, "permit") == 0)
		return IPP_ACTION_PERMIT;
	if (strcmp(v, "block") == 0)
		return IPP_ACTION_BLOCK;
	if (strcmp(v, "negotiate") == 0)
		return IPP_ACTION_NEGOTIATE;
	return IPP_ACTION_INVALID;
}

static int fa_attrs(const struct ipp_args *a, struct ipp_filteraction *fa, struct ipp_error *err)
{
	const char *v;
	int r;

	if ((v = ipp_args_get(a, "description")) &&
	    (r = ipp_st_copy(fa->description, sizeof(fa->description), "description", v, err)) < 0)
		return r;
	if ((r = ipp_args_bool(a, "qmpfs", &fa->qmpfs, err)) < 0 ||
	    (r = ipp_args_bool(a, "inpass", &fa->inpass, err)) < 0 ||
	    (r = ipp_args_bool(a, "soft", &fa->soft, err)) < 0)
		return r;
	if ((v = ipp_args_get(a, "action")))
		fa->action = action_of(v);
	if ((v = ipp_args_get(a, "qmsecmethods"))) {
		size_t n = 0;

		if ((r = ipp_qm_offers_parse(v, fa->qmsec, IPP_MAX_OFFERS, &n, err)) < 0) {
			ipp_err_prefix(err, "qmsecmethods");
			return r;
		}
		fa->nqmsec = n;
	}
	return ipp_filteraction_validate(fa, err);
}

int ipp_st_add_filteraction(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			    struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_filteraction fa;
	struct ipp_db *db;
	int r;

	memset(&fa, 0, sizeof(fa));
	ipp_filteraction_init(&fa);
	if ((r = ipp_st_copy_name(fa.name, "name", ipp_args_get(a, "name"), err)) < 0 ||
	    (r = fa_attrs(a, &fa, err)) < 0 || (r = ipp_st_db(sh, &db, err)) < 0)
		goto out;
	r = ipp_db_filteraction_add(db, loc, &fa, err);
	if (r == -EEXIST)
		r = ipp_err_ipsec(err, IPP_IPSEC_FILTERACTION_EXISTS,
				  ipp_err(err, EEXIST,
					  "a filter action named \"%s\" already exists in the %s",
					  fa.name, ipp_st_store_text(loc)));
out:
	ipp_filteraction_clear(&fa);
	return r;
}

int ipp_st_set_filteraction(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			    struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_filteraction fa;
	struct ipp_db *db;
	const char *v;
	int r;

	memset(&fa, 0, sizeof(fa));
	if ((r = ipp_st_db(sh, &db, err)) < 0 ||
	    (r = ipp_st_find_filteraction(db, loc, ipp_args_get(a, "name"), ipp_args_get(a, "guid"),
					  &fa, err)) < 0)
		goto out;
	if ((v = ipp_args_get(a, "newname")) && (r = ipp_st_copy_name(fa.name, "newname", v, err)) < 0)
		goto out;
	if ((r = fa_attrs(a, &fa, err)) < 0)
		goto out;
	r = ipp_db_filteraction_update(db, &fa, err);
	if (r == -EEXIST)
		r = ipp_err_ipsec(
		    err, IPP_IPSEC_FILTERACTION_EXISTS,
		    ipp_err(err, EEXIST,
			    "newname: a filter action named \"%s\" already exists in the %s",
			    fa.name, ipp_st_store_text(loc)));
out:
	ipp_filteraction_clear(&fa);
	if (r >= 0)
		ipp_st_nothing_set(sh, a, out);
	return r;
}

int ipp_st_delete_filteraction(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			       struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_snapshot *s = NULL;
	struct ipp_filteraction fa;
	struct ipp_db *db;
	int r;

	if ((r = ipp_st_db(sh, &db, err)) < 0)
		return r;
	if (ipp_st_all(a)) {
		if ((r = ipp_db_load(db, loc, &s, err)) < 0)
			return r;
		for (size_t i = 0; i < s->nfilteractions && r >= 0; i++)
			r = ipp_db_filteraction_delete(db, s->filteractions[i].id, err);
		ipp_snapshot_free(s);
		return r;
	}
	memset(&fa, 0, sizeof(fa));
	r = ipp_st_find_filteraction(db, loc, ipp_args_get(a, "name"), NULL, &fa, err);
	if (r == -EUCLEAN)
		r = ipp_st_delete_damaged(sh, db, "filteraction", ipp_args_get(a, "name"),
					  ipp_db_filteraction_delete, out, err);
	else if (r >= 0)
		r = ipp_db_filteraction_delete(db, fa.id, err);
	ipp_filteraction_clear(&fa);
	return r;
}
