/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * read.c - reading the stores: rows into model objects, finding one object,
 * loading a whole store into a snapshot.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/dup.h"
#include "../common/grow.h"
#include "db_internal.h"

#include "../common/utf8.h"

/* ---------- rows ---------- */

/*
 * A row the shell would not have written (edited by hand, a bug): -EUCLEAN,
 * which tells it from a file SQLite finds damaged (-EBADMSG): commands can
 * still read the store around it, and delete or unassign what holds it.
 */
static int bad_row(struct ipp_db *db, struct ipp_error *err, const char *what, int64_t id,
		   const char *col, struct ipp_error *why)
{
	return ipp_err(err, EUCLEAN, "policy database \"%s\": %s %lld: bad %s: %s", db->path, what,
		       (long long)id, col, why->msg);
}

/*
 * A name column: what the shell could have written, else a bad row (names
 * are keys: one cut short, reserved or not UTF-8 could not be named by a
 * command, and a dump or export of it could not be restored).
 */
static int name_col(struct ipp_db *db, sqlite3_stmt *st, int i, const char *what, int64_t id,
		    char *buf, size_t len, struct ipp_error *err)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	struct ipp_error why = {0};

	/* (ipp_name_validate() says "not UTF-8" before it looks for control characters) */
	if (ipp_name_validate("name", t ? t : "", &why) < 0)
		return bad_row(db, err, what, id, "name", &why);
	snprintf(buf, len, "%s", t);
	return 0;
}

/*
 * A GUID column: Windows' form, as every command writes it (NULL: a lean
 * read that does not ask for it), else a bad row (an export of it could not
 * be imported again).
 */
static int guid_col(struct ipp_db *db, sqlite3_stmt *st, int i, const char *what, int64_t id,
		    char *buf, size_t len, struct ipp_error *err)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	struct ipp_error why = {0};

	if (!t) {
		db_col_text(st, i, buf, len);
		return 0;
	}
	if (!ipp_guid_parse(t, NULL)) {
		ipp_err(&why, EINVAL,
			"\"%.40s\" is not a GUID (another program wrote it): " DB_ROW_ADVICE, t);
		return bad_row(db, err, what, id, "guid", &why);
	}
	db_col_text(st, i, buf, len);
	return 0;
}

/*
 * An integer column that must lie in [@lo, @hi] (the model's type is
 * narrower than SQLite's: a value out of range would silently wrap into
 * another one, a port 70000 into 4464).
 */
static int int_col(struct ipp_db *db, sqlite3_stmt *st, int i, int64_t lo, int64_t hi,
		   const char *what, int64_t id, const char *col, int64_t *v, struct ipp_error *err)
{
	*v = sqlite3_column_int64(st, i);
	if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
		return ipp_err(err, EUCLEAN,
			       "policy database \"%s\": %s %lld: bad %s: not an integer", db->path,
			       what, (long long)id, col);
	if (*v < lo || *v > hi)
		return ipp_err(
		    err, EUCLEAN,
		    "policy database \"%s\": %s %lld: bad %s: %lld is out of range, expected "
		    "%lld to %lld",
		    db->path, what, (long long)id, col, (long long)*v, (long long)lo,
		    (long long)hi);
	return 0;
}

/* A yes/no column: the integer 0 or 1, nothing else (a text "yes" is no row the shell wrote). */
static int bool_col(struct ipp_db *db, sqlite3_stmt *st, int i, const char *what, int64_t id,
		    const char *col, bool *ret, struct ipp_error *err)
{
	int64_t v;

	if (int_col(db, st, i, 0, 1, what, id, col, &v, err) < 0)
		return -EUCLEAN;
	*ret = v != 0;
	return 0;
}

int db_row_policy(struct ipp_db *db, sqlite3_stmt *st, struct ipp_policy *p,
		  struct ipp_error *err)
{
	struct ipp_error why = {0};
	const char *mmsec;
	int64_t v;

	ipp_policy_init(p);
	p->id = sqlite3_column_int64(st, 0);
	if (guid_col(db, st, 1, "policy", p->id, p->guid, sizeof(p->guid), err) < 0)
		return -EUCLEAN;
	if (name_col(db, st, 2, "policy", p->id, p->name, sizeof(p->name), err) < 0)
		return -EUCLEAN;
	db_col_text(st, 3, p->description, sizeof(p->description));
	p->modified = sqlite3_column_int64(st, 4);
	if (bool_col(db, st, 5, "policy", p->id, "mmpfs", &p->mmpfs, err) < 0)
		return -EUCLEAN;
	if (int_col(db, st, 6, 0, UINT32_MAX, "policy", p->id, "qmpermm", &v, err) < 0)
		return -EUCLEAN;
	p->qmpermm = (uint32_t)v;
	if (int_col(db, st, 7, 0, UINT32_MAX, "policy", p->id, "mmlifetime", &v, err) < 0)
		return -EUCLEAN;
	p->mmlifetime = (uint32_t)v;
	if (bool_col(db, st, 8, "policy", p->id, "activatedefaultrule", &p->activatedefaultrule,
		     err) < 0)
		return -EUCLEAN;
	if (int_col(db, st, 9, 0, UINT32_MAX, "policy", p->id, "pollinginterval", &v, err) < 0)
		return -EUCLEAN;
	p->pollinginterval = (uint32_t)v;
	if (bool_col(db, st, 10, "policy", p->id, "assigned", &p->assigned, err) < 0)
		return -EUCLEAN;
	db_col_text(st, 11, p->gponame, sizeof(p->gponame));
	mmsec = (const char *)sqlite3_column_text(st, 12);
	if (ipp_mm_offers_parse(mmsec, p->mmsec, IPP_MAX_OFFERS, &p->nmmsec, &why) < 0)
		return bad_row(db, err, "policy", p->id, "mmsecmethods", &why);
	/* the default rule comes from its own row */
	memset(&p->defaultrule, 0, sizeof(p->defaultrule));
	return 0;
}

int db_row_filterlist(struct ipp_db *db, sqlite3_stmt *st, struct ipp_filterlist *l,
		      struct ipp_error *err)
{
	ipp_filterlist_init(l);
	l->id = sqlite3_column_int64(st, 0);
	if (guid_col(db, st, 1, "filter list", l->id, l->guid, sizeof(l->guid), err) < 0)
		return -EUCLEAN;
	if (name_col(db, st, 2, "filter list", l->id, l->name, sizeof(l->name), err) < 0)
		return -EUCLEAN;
	db_col_text(st, 3, l->description, sizeof(l->description));
	l->modified = sqlite3_column_int64(st, 4);
	return 0;
}

int db_row_filter(struct ipp_db *db, sqlite3_stmt *st, struct ipp_filter *f,
		  struct ipp_error *err)
{
	struct ipp_error why = {0};
	const char *src, *dst;
	int64_t v;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	/* (its rows come through db_step_unchecked(): its text columns looked at here; the
	 * addresses' lengths as read against their lengths as stored) */
	src = (const char *)sqlite3_column_text(st, 6);
	dst = (const char *)sqlite3_column_text(st, 7);
	for (int c = 2; c <= 7; c++)
		if (c < 6 ? db_nul_inside(st, c)
			  : (c == 6 ? src : dst) &&
				strlen(c == 6 ? src : dst) != (size_t)sqlite3_column_bytes(st, c)) {
			ipp_err(&why, EINVAL,
				"a NUL byte inside (" DB_NUL_DAMAGE "): " DB_ROW_ADVICE);
			return bad_row(db, err, "filter", f->id, sqlite3_column_name(st, c), &why);
		}
	if (guid_col(db, st, 2, "filter", f->id, f->guid, sizeof(f->guid), err) < 0)
		return -EUCLEAN;
	if (ipp_addr_parse_cidr(src, &f->src, &why) < 0)
		return bad_row(db, err, "filter", f->id, "srcaddr", &why);
	if (ipp_addr_parse_cidr(dst, &f->dst, &why) < 0)
		return bad_row(db, err, "filter", f->id, "dstaddr", &why);
	if (int_col(db, st, 8, 0, 255, "filter", f->id, "protocol", &v, err) < 0)
		return -EUCLEAN;
	f->protocol = (uint8_t)v;
	if (int_col(db, st, 9, 0, 65535, "filter", f->id, "srcport", &v, err) < 0)
		return -EUCLEAN;
	f->srcport = (uint16_t)v;
	if (int_col(db, st, 10, 0, 65535, "filter", f->id, "dstport", &v, err) < 0)
		return -EUCLEAN;
	f->dstport = (uint16_t)v;
	if (bool_col(db, st, 11, "filter", f->id, "mirrored", &f->mirrored, err) < 0)
		return -EUCLEAN;
	if (db_col_strdup(st, 3, &f->description) < 0 || db_col_strdup(st, 4, &f->srcdns) < 0 ||
	    db_col_strdup(st, 5, &f->dstdns) < 0) {
		ipp_filter_clear(f);
		return -ENOMEM;
	}
	if (f->description && ipp_utf8_bad_at(f->description) >= 0) {
		/* written before such descriptions were refused: shown, exported as text */
		char *fixed = ipp_utf8_repaired(f->description);

		if (!fixed) {
			ipp_filter_clear(f);
			return -ENOMEM;
		}
		free(f->description);
		f->description = fixed;
	}
	if (ipp_filter_validate(f, &why) < 0) {
		int64_t id = f->id;

		ipp_filter_clear(f);
		return bad_row(db, err, "filter", id, "value", &why);
	}
	return 0;
}

/* Offers in netsh syntax; "" is no offer. */
static int qmsec_col(sqlite3_stmt *st, int i, struct ipp_qm_offer *o, size_t *n,
		     struct ipp_error *why)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	*n = 0;
	if (!t || !*t)
		return 0;
	return ipp_qm_offers_parse((const char *)t, o, IPP_MAX_OFFERS, n, why);
}

int db_row_filteraction(struct ipp_db *db, sqlite3_stmt *st, struct ipp_filteraction *a,
			struct ipp_error *err)
{
	struct ipp_error why = {0};
	int64_t v;

	ipp_filteraction_init(a);
	a->id = sqlite3_column_int64(st, 0);
	if (guid_col(db, st, 1, "filter action", a->id, a->guid, sizeof(a->guid), err) < 0)
		return -EUCLEAN;
	if (name_col(db, st, 2, "filter action", a->id, a->name, sizeof(a->name), err) < 0)
		return -EUCLEAN;
	db_col_text(st, 3, a->description, sizeof(a->description));
	a->modified = sqlite3_column_int64(st, 4);
	if (int_col(db, st, 5, IPP_ACTION_PERMIT, IPP_ACTION_NEGOTIATE, "filter action", a->id,
		    "action", &v, err) < 0)
		return -EUCLEAN;
	a->action = (enum ipp_action)v;
	if (bool_col(db, st, 6, "filter action", a->id, "qmpfs", &a->qmpfs, err) < 0 ||
	    bool_col(db, st, 7, "filter action", a->id, "inpass", &a->inpass, err) < 0 ||
	    bool_col(db, st, 8, "filter action", a->id, "soft", &a->soft, err) < 0)
		return -EUCLEAN;
	if (qmsec_col(st, 9, a->qmsec, &a->nqmsec, &why) < 0)
		return bad_row(db, err, "filter action", a->id, "qmsecmethods", &why);
	if (ipp_filteraction_validate(a, &why) < 0)
		return bad_row(db, err, "filter action", a->id, "value", &why);
	return 0;
}

int db_row_rule(struct ipp_db *db, sqlite3_stmt *st, struct ipp_rule *r, struct ipp_error *err)
{
	struct ipp_error why = {0};
	const unsigned char *tunnel;
	int64_t v;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->policy_id = sqlite3_column_int64(st, 1);
	/* (0: the default response rule; never wrapped into another's number) */
	if (int_col(db, st, 2, 0, UINT32_MAX, "rule", r->id, "number", &v, err) < 0)
		return -EUCLEAN;
	r->number = (uint32_t)v;
	if (guid_col(db, st, 3, "rule", r->id, r->guid, sizeof(r->guid), err) < 0)
		return -EUCLEAN;
	/* (the default response rule has no name of its own) */
	if (r->number == 0)
		db_col_text(st, 4, r->name, sizeof(r->name));
	else if (name_col(db, st, 4, "rule", r->id, r->name, sizeof(r->name), err) < 0)
		return -EUCLEAN;
	db_col_text(st, 5, r->description, sizeof(r->description));
	r->modified = sqlite3_column_int64(st, 6);
	r->filterlist_id = sqlite3_column_int64(st, 7);
	r->filteraction_id = sqlite3_column_int64(st, 8);
	tunnel = sqlite3_column_text(st, 9);
	if (tunnel) {
		r->has_tunnel = true;
		if (ipp_addr_parse_cidr((const char *)tunnel, &r->tunnel, &why) < 0)
			return bad_row(db, err, "rule", r->id, "tunnel", &why);
	}
	db_col_text(st, 10, r->tunneldns, sizeof(r->tunneldns));
	if (int_col(db, st, 11, IPP_CONN_ALL, IPP_CONN_DIALUP, "rule", r->id, "conntype", &v, err) <
	    0)
		return -EUCLEAN;
	r->conntype = (enum ipp_conntype)v;
	if (bool_col(db, st, 12, "rule", r->id, "activate", &r->activate, err) < 0 ||
	    bool_col(db, st, 13, "rule", r->id, "qmpfs", &r->qmpfs, err) < 0)
		return -EUCLEAN;
	if (qmsec_col(st, 14, r->qmsec, &r->nqmsec, &why) < 0)
		return bad_row(db, err, "rule", r->id, "qmsecmethods", &why);
	return 0;
}

int db_row_auth(struct ipp_db *db, sqlite3_stmt *st, struct ipp_rule *r, struct ipp_error *err)
{
	struct ipp_auth *a;
	int64_t v;

	if (r->nauth >= IPP_MAX_AUTH)
		return ipp_err(err, EUCLEAN,
			       "policy database \"%s\": rule %lld: more than %d authentication "
			       "methods",
			       db->path, (long long)r->id, IPP_MAX_AUTH);
	a = &r->auth[r->nauth++];
	memset(a, 0, sizeof(*a));
	if (int_col(db, st, 1, IPP_AUTH_KERBEROS, IPP_AUTH_ROOTCA, "rule", r->id,
		    "authentication method", &v, err) < 0)
		return -EUCLEAN;
	a->kind = (enum ipp_auth_kind)v;
	db_col_text(st, 2, a->value, sizeof(a->value));
	if (bool_col(db, st, 3, "rule", r->id, "certmap", &a->certmap, err) < 0 ||
	    bool_col(db, st, 4, "rule", r->id, "excludecaname", &a->excludecaname, err) < 0)
		return -EUCLEAN;
	return 0;
}

int db_load_auth(struct ipp_db *db, struct ipp_rule *r, struct ipp_error *err)
{
	static const char sql[] = "SELECT " DB_AUTH_COLS " FROM auth u WHERE u.rule_id = ? "
				  "ORDER BY u.pos";
	sqlite3_stmt *st;
	int ret;

	ret = db_prep(db, sql, &st, err);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, r->id);
	r->nauth = 0;
	while ((ret = db_step(db, st, err, "reading authentication methods")) > 0) {
		ret = db_row_auth(db, st, r, err);
		if (ret < 0) {
			sqlite3_reset(st);
			return ret;
		}
	}
	return ret;
}

int db_load_defaultrule(struct ipp_db *db, struct ipp_policy *p, struct ipp_error *err)
{
	static const char sql[] = "SELECT " DB_RULE_COLS " FROM rule r WHERE r.policy_id = ? "
				  "AND r.number = 0";
	sqlite3_stmt *st;
	int ret;

	ret = db_prep(db, sql, &st, err);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, p->id);
	ret = db_step(db, st, err, "reading the default response rule");
	if (ret < 0)
		return ret;
	if (ret == 0)
		return ipp_err(err, EUCLEAN,
			       "policy database \"%s\": policy \"%s\" has no default response rule",
			       db->path, p->name);
	ret = db_row_rule(db, st, &p->defaultrule, err);
	sqlite3_reset(st);
	if (ret < 0)
		return ret;
	return db_load_auth(db, &p->defaultrule, err);
}

/* ---------- finding one object ---------- */

/* Normalised GUID of @guid or -EINVAL. */
static int want_guid(const char *guid, char out[IPP_GUID_STRLEN], struct ipp_error *err)
{
	if (!guid || !ipp_guid_parse(guid, out))
		return ipp_err(err, EINVAL,
			       "guid: \"%s\" is not a GUID, expected "
			       "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}",
			       guid ? guid : "");
	return 0;
}

static int not_found(struct ipp_error *err, const char *what, const char *name, const char *guid,
		     enum ipp_store_loc loc)
{
	if (name)
		return ipp_err(err, ENOENT, "%s \"%s\" not found in the %s store", what, name,
			       ipp_store_name(loc));
	return ipp_err(err, ENOENT, "%s with GUID %s not found in the %s store", what, guid,
		       ipp_store_name(loc));
}

/*
 * Bind (@key, @name) to @by_name and step once (@what: what a failure says
 * was being done): 1 found, 0 not, <0 error.  A
 * name holding letters outside ASCII, not found as the column's collation
 * compares (ASCII letters without case), is looked up again with @by_fold,
 * every letter's case folded (Windows compares names without case in every
 * script).
 */
static int find_name(struct ipp_db *db, const char *by_name, const char *by_fold, int64_t key,
		     const char *name, const char *what, sqlite3_stmt **ret, struct ipp_error *err)
{
	sqlite3_stmt *st;
	int r, pass;

	for (pass = 0; pass < 2; pass++) {
		r = db_prep(db, pass ? by_fold : by_name, &st, err);
		if (r < 0)
			return r;
		sqlite3_bind_int64(st, 1, key);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		r = db_step(db, st, err, what);
		if (r != 0 || !ipp_utf8_has_nonascii(name))
			break;
	}
	*ret = st;
	return r;
}

/* Bind (store, name-or-guid) and step once: 1 found, 0 not, <0 error (find_name()). */
static int find_row(struct ipp_db *db, const char *by_name, const char *by_fold,
		    const char *by_guid, enum ipp_store_loc loc, const char *name, const char *guid,
		    char g[IPP_GUID_STRLEN], sqlite3_stmt **ret, struct ipp_error *err)
{
	sqlite3_stmt *st;
	int r;

	if (name)
		return find_name(db, by_name, by_fold, loc, name, "looking up an object", ret, err);
	r = want_guid(guid, g, err);
	if (r < 0)
		return r;
	r = db_prep(db, by_guid, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int(st, 1, loc);
	sqlite3_bind_text(st, 2, g, -1, SQLITE_STATIC);
	r = db_step(db, st, err, "looking up an object");
	*ret = st;
	return r;
}

int ipp_db_find_damaged(struct ipp_db *db, const char *table, enum ipp_store_loc loc,
			const char *name, int64_t *ret, struct ipp_error *err)
{
	char by_name[128], by_fold[128];
	sqlite3_stmt *st;
	int r;

	if (strcmp(table, "policy") && strcmp(table, "filterlist") && strcmp(table, "filteraction"))
		return ipp_err(err, EINVAL, "no such table: %s", table);
	snprintf(by_name, sizeof(by_name), "SELECT id FROM %s WHERE store = ? AND name = ?", table);
	snprintf(by_fold, sizeof(by_fold),
		 "SELECT id FROM %s WHERE store = ? AND ipp_fold(name) = ipp_fold(?)", table);
	if ((r = db_rbegin(db, err)) < 0)
		return r;
	r = find_name(db, by_name, by_fold, loc, name, "looking up an object", &st, err);
	if (r > 0) {
		*ret = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	} else if (r == 0) {
		r = ipp_err(err, ENOENT, "no %s named \"%s\"", table, name);
	}
	db_rend(db);
	return r < 0 ? r : 0;
}

int ipp_db_policy_find(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
		       const char *guid, struct ipp_policy *ret, struct ipp_error *err)
{
	static const char by_name[] =
		"SELECT " DB_POLICY_COLS " FROM policy p WHERE p.store = ? AND p.name = ?";
	static const char by_fold[] =
	    "SELECT " DB_POLICY_COLS " FROM policy p WHERE p.store = ? AND ipp_fold(p.name) = "
	    "ipp_fold(?)";
	static const char by_guid[] =
		"SELECT " DB_POLICY_COLS " FROM policy p WHERE p.store = ? AND p.guid = ?";
	char g[IPP_GUID_STRLEN];
	struct ipp_policy p;
	sqlite3_stmt *st;
	int r;

	r = db_rbegin(db, err);
	if (r < 0)
		return r;
	r = find_row(db, by_name, by_fold, by_guid, loc, name, guid, g, &st, err);
	if (r == 0)
		r = not_found(err, "policy", name, g, loc);
	if (r < 0)
		goto out;
	r = db_row_policy(db, st, &p, err);
	sqlite3_reset(st);
	if (r == 0)
		r = db_load_defaultrule(db, &p, err);
	if (r < 0) {
		ipp_policy_clear(&p);
		goto out;
	}
	*ret = p;
out:
	db_rend(db);
	return r;
}

int ipp_db_filterlist_find(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
			   const char *guid, struct ipp_filterlist *ret, struct ipp_error *err)
{
	static const char by_name[] = "SELECT " DB_FILTERLIST_COLS
				      " FROM filterlist l WHERE l.store = ? AND l.name = ?";
	static const char by_fold[] = "SELECT " DB_FILTERLIST_COLS
				      " FROM filterlist l WHERE l.store = ? AND ipp_fold(l.name) = "
				      "ipp_fold(?)";
	static const char by_guid[] = "SELECT " DB_FILTERLIST_COLS
				      " FROM filterlist l WHERE l.store = ? AND l.guid = ?";
	char g[IPP_GUID_STRLEN];
	sqlite3_stmt *st;
	int r;

	r = find_row(db, by_name, by_fold, by_guid, loc, name, guid, g, &st, err);
	if (r == 0)
		r = not_found(err, "filter list", name, g, loc);
	if (r < 0)
		return r;
	r = db_row_filterlist(db, st, ret, err);
	sqlite3_reset(st);
	return r;
}

int ipp_db_filteraction_find(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
			     const char *guid, struct ipp_filteraction *ret,
			     struct ipp_error *err)
{
	static const char by_name[] = "SELECT " DB_FILTERACTION_COLS
				      " FROM filteraction a WHERE a.store = ? AND a.name = ?";
	static const char by_fold[] =
	    "SELECT " DB_FILTERACTION_COLS
	    " FROM filteraction a WHERE a.store = ? AND ipp_fold(a.name) = "
	    "ipp_fold(?)";
	static const char by_guid[] = "SELECT " DB_FILTERACTION_COLS
				      " FROM filteraction a WHERE a.store = ? AND a.guid = ?";
	char g[IPP_GUID_STRLEN];
	struct ipp_filteraction a;
	sqlite3_stmt *st;
	int r;

	r = find_row(db, by_name, by_fold, by_guid, loc, name, guid, g, &st, err);
	if (r == 0)
		r = not_found(err, "filter action", name, g, loc);
	if (r < 0)
		return r;
	r = db_row_filteraction(db, st, &a, err);
	sqlite3_reset(st);
	if (r < 0)
		return r;
	*ret = a;
	return 0;
}

int ipp_db_rule_find(struct ipp_db *db, int64_t policy_id, const char *name, uint32_t number,
		     struct ipp_rule *ret, struct ipp_error *err)
{
	static const char by_name[] = "SELECT " DB_RULE_COLS
				      " FROM rule r WHERE r.policy_id = ? AND r.name = ? "
				      "AND r.number > 0";
	static const char by_fold[] =
	    "SELECT " DB_RULE_COLS " FROM rule r WHERE r.policy_id = ? AND ipp_fold(r.name) = "
	    "ipp_fold(?) AND r.number > 0";
	static const char by_number[] =
		"SELECT " DB_RULE_COLS " FROM rule r WHERE r.policy_id = ? AND r.number = ?";
	struct ipp_rule rule;
	sqlite3_stmt *st;
	int r;

	r = db_rbegin(db, err);
	if (r < 0)
		return r;
	if (name) {
		r = find_name(db, by_name, by_fold, policy_id, name, "looking up a rule", &st, err);
	} else if ((r = db_prep(db, by_number, &st, err)) == 0) {
		sqlite3_bind_int64(st, 1, policy_id);
		sqlite3_bind_int64(st, 2, number);
		r = db_step(db, st, err, "looking up a rule");
	}
	if (r == 0) {
		if (name)
			r = ipp_err(err, ENOENT, "rule \"%s\" not found in the policy", name);
		else if (number)
			r = ipp_err(err, ENOENT, "rule %u not found in the policy", number);
		else
			r = ipp_err(err, ENOENT, "policy %lld not found", (long long)policy_id);
	}
	if (r < 0)
		goto out;
	r = db_row_rule(db, st, &rule, err);
	sqlite3_reset(st);
	if (r == 0)
		r = db_load_auth(db, &rule, err);
	if (r == 0)
		*ret = rule;
out:
	db_rend(db);
	return r;
}

/* ---------- filters ---------- */

/* Append a filter to a growing array (capacity doubles). */
static int push_filter(struct ipp_filter **v, size_t *n, size_t *cap, struct ipp_filter *f)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct ipp_filter *nv = realloc(*v, c * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = *f;
	return 0;
}

/* The filter of the current row, appended to @v. */
static int push_row_filter(struct ipp_db *db, sqlite3_stmt *st, struct ipp_filter **v, size_t *n,
			   size_t *cap, struct ipp_error *err)
{
	struct ipp_filter f;
	int r = db_row_filter(db, st, &f, err);

	if (r == 0 && (r = push_filter(v, n, cap, &f)) < 0)
		ipp_filter_clear(&f);
	return r;
}

int ipp_db_filter_list(struct ipp_db *db, int64_t filterlist_id, struct ipp_filter **ret,
		       size_t *ret_n, struct ipp_error *err)
{
	return ipp_db_filter_select(db, filterlist_id, NULL, ret, ret_n, err);
}

int ipp_db_filter_select(struct ipp_db *db, int64_t filterlist_id,
			 const struct ipp_filter_range *range, struct ipp_filter **ret,
			 size_t *ret_n, struct ipp_error *err)
{
	static const char sql_list[] = "SELECT 1 FROM filterlist WHERE id = ?";
	static const char sql_all[] = "SELECT " DB_FILTER_COLS " FROM filter f "
				      "WHERE f.filterlist_id = ? ORDER BY f.id";
	/* (the unique index on the list, source and destination serves it) */
	static const char sql_range[] = "SELECT " DB_FILTER_COLS " FROM filter f "
					"WHERE f.filterlist_id = ? AND f.src BETWEEN ? AND ? "
					"AND f.dst BETWEEN ? AND ? ORDER BY f.id";
	const char *sql = range ? sql_range : sql_all;
	struct ipp_filter *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int r;

	r = db_rbegin(db, err);
	if (r < 0)
		return r;
	r = db_prep(db, sql_list, &st, err);
	if (r < 0)
		goto out;
	sqlite3_bind_int64(st, 1, filterlist_id);
	r = db_step(db, st, err, "looking up a filter list");
	sqlite3_reset(st);
	if (r == 0)
		r = ipp_err(err, ENOENT, "filter list %lld not found", (long long)filterlist_id);
	if (r < 0)
		goto out;
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		goto out;
	sqlite3_bind_int64(st, 1, filterlist_id);
	if (range) {
		sqlite3_bind_text(st, 2, range->src_lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, range->src_hi, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, range->dst_lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, range->dst_hi, -1, SQLITE_STATIC);
	}
	while ((r = db_step_unchecked(db, st, err, "reading filters")) > 0) {
		r = push_row_filter(db, st, &v, &n, &cap, err);
		if (r < 0) {
			sqlite3_reset(st);
			break;
		}
	}
out:
	db_rend(db);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			ipp_filter_clear(&v[i]);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* ---------- whole store ---------- */

void ipp_snapshot_free(struct ipp_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npolicies; i++)
		ipp_policy_clear(&s->policies[i]);
	free(s->policies);
	for (size_t i = 0; i < s->nfilterlists; i++)
		ipp_filterlist_clear(&s->filterlists[i]);
	free(s->filterlists);
	for (size_t i = 0; i < s->nfilteractions; i++)
		ipp_filteraction_clear(&s->filteractions[i]);
	free(s->filteractions);
	free(s);
}

/*
 * The index of the object of id @id among @n objects of @size bytes whose
 * int64_t id is at offset @off: halving first (an import holds its objects
 * in the order of their ids, its lines), then every one (a store's snapshot
 * holds them by name); @n when none.
 */
static size_t by_id(const void *v, size_t n, size_t size, size_t off, int64_t id)
{
	const char *b = v;
	size_t lo = 0, hi = n;

#define ID_AT(i) (*(const int64_t *)(const void *)(b + (i)*size + off))
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ID_AT(mid) == id)
			return mid;
		if (ID_AT(mid) < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < n; i++)
		if (ID_AT(i) == id)
			return i;
#undef ID_AT
	return n;
}

const struct ipp_filterlist *ipp_snapshot_filterlist(const struct ipp_snapshot *s, int64_t id)
{
	size_t i;

	if (!s)
		return NULL;
	i = by_id(s->filterlists, s->nfilterlists, sizeof(*s->filterlists),
		  offsetof(struct ipp_filterlist, id), id);
	return i < s->nfilterlists ? &s->filterlists[i] : NULL;
}

const struct ipp_filteraction *ipp_snapshot_filteraction(const struct ipp_snapshot *s, int64_t id)
{
	size_t i;

	if (!s)
		return NULL;
	i = by_id(s->filteractions, s->nfilteractions, sizeof(*s->filteractions),
		  offsetof(struct ipp_filteraction, id), id);
	return i < s->nfilteractions ? &s->filteractions[i] : NULL;
}

struct guid_ref {
	const char *guid;
	int64_t id;
	const char *kind;
};

static int guid_ref_cmp(const void *x, const void *y)
{
	const struct guid_ref *a = x, *b = y;
	int c = strcasecmp(a->guid, b->guid);

	return c ? c : a->id < b->id ? -1 : a->id > b->id;
}

static void guid_push(struct guid_ref *v, size_t *n, const char *guid, int64_t id, const char *kind)
{
	if (!*guid)
		return; /* none yet: one is made when it is stored */
	v[*n].guid = guid;
	v[*n].id = id;
	v[*n].kind = kind;
	(*n)++;
}

int ipp_snapshot_guid_dup(const struct ipp_snapshot *s, struct ipp_guid_dup *ret)
{
	struct guid_ref *v;
	size_t n = 0, cap = s->nfilterlists + s->nfilteractions, i, j;
	int r = 0;

	for (i = 0; i < s->nfilterlists; i++)
		cap += s->filterlists[i].nfilters;
	for (i = 0; i < s->npolicies; i++)
		cap += 2 + s->policies[i].nrules;
	if (cap == 0)
		return 0;
	if (!(v = malloc(cap * sizeof(*v))))
		return -ENOMEM;
	for (i = 0; i < s->nfilterlists; i++) {
		const struct ipp_filterlist *l = &s->filterlists[i];

		guid_push(v, &n, l->guid, l->id, "filter list");
		for (j = 0; j < l->nfilters; j++)
			guid_push(v, &n, l->filters[j].guid, l->filters[j].id, "filter");
	}
	for (i = 0; i < s->nfilteractions; i++)
		guid_push(v, &n, s->filteractions[i].guid, s->filteractions[i].id, "filter action");
	for (i = 0; i < s->npolicies; i++) {
		const struct ipp_policy *p = &s->policies[i];

		guid_push(v, &n, p->guid, p->id, "policy");
		guid_push(v, &n, p->defaultrule.guid, p->defaultrule.id, "default response rule");
		for (j = 0; j < p->nrules; j++)
			guid_push(v, &n, p->rules[j].guid, p->rules[j].id, "rule");
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), guid_ref_cmp);
	for (i = 1; i < n; i++)
		if (strcasecmp(v[i - 1].guid, v[i].guid) == 0) {
			ret->guid = v[i].guid;
			ret->first_id = v[i - 1].id;
			ret->first_kind = v[i - 1].kind;
			ret->second_id = v[i].id;
			ret->second_kind = v[i].kind;
			r = 1;
			break;
		}
	free(v);
	return r;
}

/* ---------- repeated names and GUIDs, found by sorting (ipp_first_dup()) ---------- */

int snap_list_name_cmp(const void *ctx, size_t a, size_t b)
{
	const struct ipp_snapshot *s = ctx;

	return ipp_utf8_casecmp(s->filterlists[a].name, s->filterlists[b].name);
}

int snap_list_guid_cmp(const void *ctx, size_t a, size_t b)
{
	const struct ipp_snapshot *s = ctx;

	return strcmp(s->filterlists[a].guid, s->filterlists[b].guid);
}

int snap_action_name_cmp(const void *ctx, size_t a, size_t b)
{
	const struct ipp_snapshot *s = ctx;

	return ipp_utf8_casecmp(s->filteractions[a].name, s->filteractions[b].name);
}

int snap_action_guid_cmp(const void *ctx, size_t a, size_t b)
{
	const struct ipp_snapshot *s = ctx;

	return strcmp(s->filteractions[a].guid, s->filteractions[b].guid);
}

int snap_policy_name_cmp(const void *ctx, size_t a, size_t b)
{
	const struct ipp_snapshot *s = ctx;

	return ipp_utf8_casecmp(s->policies[a].name, s->policies[b].name);
}

int snap_policy_guid_cmp(const void *ctx, size_t a, size_t b)
{
	const struct ipp_snapshot *s = ctx;

	return strcmp(s->policies[a].guid, s->policies[b].guid);
}

int snap_rule_name_cmp(const void *ctx, size_t a, size_t b)
{
	const struct ipp_policy *p = ctx;

	return strcasecmp(p->rules[a].name, p->rules[b].name);
}

int snap_rule_number_cmp(const void *ctx, size_t a, size_t b)
{
	const struct ipp_policy *p = ctx;
	unsigned x = p->rules[a].number, y = p->rules[b].number;

	/* (number 0, not given yet, repeats nothing) */
	if (!x && !y)
		return a < b ? -1 : a > b;
	return x < y ? -1 : x > y;
}

/* (declared in db_internal.h) */
int snap_first_dup2(size_t n, ipp_dup_cmp cmp1, ipp_dup_cmp cmp2, const void *ctx, int *key,
		    size_t *earlier, size_t *later)
{
	size_t e1 = 0, l1 = 0, e2 = 0, l2 = 0;
	int f1 = ipp_first_dup(n, cmp1, ctx, &e1, &l1), f2;

	if (f1 < 0 || (f2 = cmp2 ? ipp_first_dup(n, cmp2, ctx, &e2, &l2) : 0) < 0)
		return -ENOMEM;
	if (!f1 && !f2)
		return 0;
	if (f1 && (!f2 || l1 < l2 || (l1 == l2 && e1 <= e2)))
		*key = 1, *earlier = e1, *later = l1;
	else
		*key = 2, *earlier = e2, *later = l2;
	return 1;
}

const struct ipp_policy *ipp_snapshot_assigned(const struct ipp_snapshot *s)
{
	for (size_t i = 0; s && i < s->npolicies; i++)
		if (s->policies[i].assigned)
			return &s->policies[i];
	return NULL;
}

struct id_index {
	int64_t id;
	size_t idx;
};

static int cmp_id_index(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Sorted id -> index map of @n objects whose id is at @ids[i * stride]. */
static struct id_index *index_ids(const void *base, size_t n, size_t stride, size_t id_off)
{
	struct id_index *m = malloc((n ? n : 1) * sizeof(*m));

	if (!m)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		memcpy(&m[i].id, (const char *)base + i * stride + id_off, sizeof(int64_t));
		m[i].idx = i;
	}
	qsort(m, n, sizeof(*m), cmp_id_index);
	return m;
}

static const struct id_index *find_id(const struct id_index *m, size_t n, int64_t id)
{
	struct id_index key = {.id = id};

	return bsearch(&key, m, n, sizeof(*m), cmp_id_index);
}

/*
 * The filters of a store: one scan of the filter table in rowid (creation)
 * order, far faster than a query per list, whose index lookups visit the
 * table's pages out of order; the store's lists as a set, not a join (no
 * table lookup per filter).  The lean form leaves out what enforcement does
 * not read (GUID, description, DNS names).
 */
/*
 * ?1 the store, ?2 1 to read only what its assigned policy uses
 * (IPP_LOAD_ASSIGNED), else 0: the rows whose @col is the @what (filterlist_id,
 * filteraction_id) of a rule of that policy.
 */
#define ASSIGNED_USE(col, what)                                                                    \
	"(?2 = 0 OR " col " IN (SELECT r." what " FROM rule r JOIN policy p ON p.id = "            \
	"r.policy_id WHERE p.store = ?1 AND p.assigned))"
#define STORE_FILTERS                                                                              \
	" FROM filter f WHERE +f.filterlist_id IN (SELECT l.id FROM filterlist l WHERE l.store = " \
	"?1 AND " ASSIGNED_USE("l.id", "filterlist_id") ") ORDER BY f.id"
static const char sql_filters[] = "SELECT " DB_FILTER_COLS STORE_FILTERS;
static const char sql_filters_lean[] = "SELECT f.id, f.filterlist_id, NULL, NULL, NULL, NULL, "
				       "f.src, f.dst, f.protocol, f.srcport, f.dstport, "
				       "f.mirrored" STORE_FILTERS;

static int load_filterlists(struct ipp_db *db, struct ipp_snapshot *s, unsigned flags,
			    struct ipp_error *err)
{
	static const char sql_lists[] =
	    "SELECT " DB_FILTERLIST_COLS " FROM filterlist l WHERE "
	    "l.store = ?1 AND " ASSIGNED_USE("l.id", "filterlist_id") " ORDER BY l.name, l.id";
	int only = !!(flags & IPP_LOAD_ASSIGNED);
	struct id_index *idx = NULL;
	size_t cap = 0, *fcap = NULL;
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql_lists, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int(st, 1, s->loc);
	sqlite3_bind_int(st, 2, only);
	while ((r = db_step(db, st, err, "reading filter lists")) > 0) {
		if (ipp_grow_zero((void **)&s->filterlists, &cap, s->nfilterlists + 1,
				  sizeof(*s->filterlists)) < 0) {
			sqlite3_reset(st);
			return -ENOMEM;
		}
		if (db_row_filterlist(db, st, &s->filterlists[s->nfilterlists++], err) < 0) {
			sqlite3_reset(st);
			return -EUCLEAN;
		}
	}
	if (r < 0 || s->nfilterlists == 0)
		return r;

	idx = index_ids(s->filterlists, s->nfilterlists, sizeof(*s->filterlists),
			offsetof(struct ipp_filterlist, id));
	fcap = calloc(s->nfilterlists, sizeof(*fcap));
	if (!idx || !fcap) {
		r = -ENOMEM;
		goto out;
	}
	r = db_prep(db, flags & IPP_LOAD_LEAN ? sql_filters_lean : sql_filters, &st, err);
	if (r < 0)
		goto out;
	sqlite3_bind_int(st, 1, s->loc);
	sqlite3_bind_int(st, 2, only);
	while ((r = db_step_unchecked(db, st, err, "reading filters")) > 0) {
		const struct id_index *m = find_id(idx, s->nfilterlists, sqlite3_column_int64(st, 1));
		struct ipp_filterlist *l;

		if (!m)
			continue; /* cannot happen: the query names lists of this store */
		l = &s->filterlists[m->idx];
		r = push_row_filter(db, st, &l->filters, &l->nfilters, &fcap[m->idx], err);
		if (r < 0) {
			sqlite3_reset(st);
			break;
		}
	}
out:
	free(idx);
	free(fcap);
	return r < 0 ? r : 0;
}

static int load_filteractions(struct ipp_db *db, struct ipp_snapshot *s, unsigned flags,
			      struct ipp_error *err)
{
	static const char sql[] =
	    "SELECT " DB_FILTERACTION_COLS " FROM filteraction a WHERE "
	    "a.store = ?1 AND " ASSIGNED_USE("a.id", "filteraction_id") " ORDER BY a.name, a.id";
	size_t cap = 0;
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int(st, 1, s->loc);
	sqlite3_bind_int(st, 2, !!(flags & IPP_LOAD_ASSIGNED));
	while ((r = db_step(db, st, err, "reading filter actions")) > 0) {
		if (ipp_grow_zero((void **)&s->filteractions, &cap, s->nfilteractions + 1,
				  sizeof(*s->filteractions)) < 0)
			r = -ENOMEM;
		else
			r = db_row_filteraction(db, st, &s->filteractions[s->nfilteractions++],
						err);
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	return r;
}

struct rule_ref {
	int64_t id;
	struct ipp_rule *rule;
};

static int cmp_rule_ref(const void *a, const void *b)
{
	const struct rule_ref *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int load_policies(struct ipp_db *db, struct ipp_snapshot *s, unsigned flags,
			 struct ipp_error *err)
{
#define POLICIES_READ "p.store = ?1 AND (?2 = 0 OR p.assigned)"
	static const char sql_pol[] = "SELECT " DB_POLICY_COLS " FROM policy p "
				      "WHERE " POLICIES_READ " ORDER BY p.name, p.id";
	static const char sql_rules[] = "SELECT " DB_RULE_COLS " FROM rule r "
					"JOIN policy p ON p.id = r.policy_id "
					"WHERE " POLICIES_READ " ORDER BY r.policy_id, r.number";
	static const char sql_auth[] = "SELECT " DB_AUTH_COLS " FROM auth u "
				       "JOIN rule r ON r.id = u.rule_id "
				       "JOIN policy p ON p.id = r.policy_id "
				       "WHERE " POLICIES_READ " ORDER BY u.rule_id, u.pos";
#undef POLICIES_READ
	static const char sql_odd[] =
	    "SELECT id, CASE WHEN typeof(store) != 'integer' OR store NOT IN (1, 2, 3) "
	    "THEN 'store' ELSE 'assigned' END, "
	    "CASE WHEN typeof(store) != 'integer' OR store NOT IN (1, 2, 3) THEN quote(store) "
	    "ELSE quote(assigned) END FROM policy "
	    "WHERE typeof(store) != 'integer' OR store NOT IN (1, 2, 3) "
	    "OR (store = ?1 AND (typeof(assigned) != 'integer' OR assigned NOT IN (0, 1))) LIMIT 1";
	int only = !!(flags & IPP_LOAD_ASSIGNED);
	size_t cap = 0, *rcap = NULL, nrefs = 0, nrules = 0;
	struct rule_ref *refs = NULL;
	struct id_index *m = NULL;
	const struct id_index *cur = NULL;
	sqlite3_stmt *st;
	int r;

	/* a policy row whose store or assignment is no value the shell writes: which
	 * policies are assigned, and where, cannot be told (read as unassigned, a persistent
	 * policy would silently drop out of force) */
	r = db_prep(db, sql_odd, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int(st, 1, s->loc);
	if ((r = db_step(db, st, err, "reading policies")) > 0) {
		r = ipp_err(err, EUCLEAN,
			    "policy database \"%s\": policy %lld: bad %s: %s is not a value of "
			    "that column",
			    db->path, (long long)sqlite3_column_int64(st, 0),
			    (const char *)sqlite3_column_text(st, 1),
			    sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2)
						       : "NULL");
		sqlite3_reset(st);
		return r;
	}
	sqlite3_reset(st);
	if (r < 0)
		return r;
	r = db_prep(db, sql_pol, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int(st, 1, s->loc);
	sqlite3_bind_int(st, 2, only);
	while ((r = db_step(db, st, err, "reading policies")) > 0) {
		if (ipp_grow_zero((void **)&s->policies, &cap, s->npolicies + 1,
				  sizeof(*s->policies)) < 0)
			r = -ENOMEM;
		else
			r = db_row_policy(db, st, &s->policies[s->npolicies++], err);
		if (r < 0) {
			sqlite3_reset(st);
			return r;
		}
	}
	if (r < 0)
		return r;
	{
		/* one assigned policy a store (an index keeps it so): two, and which one is in
		 * force cannot be told */
		const struct ipp_policy *first = NULL;
		size_t i;

		for (i = 0; i < s->npolicies; i++) {
			if (!s->policies[i].assigned)
				continue;
			if (first)
				return ipp_err(
				    err, EUCLEAN,
				    "policy database \"%s\": the %s store has two "
				    "assigned policies, \"%s\" (policy %lld) and \"%s\" "
				    "(policy %lld): which one is in force cannot be told",
				    db->path, ipp_store_name(s->loc), first->name,
				    (long long)first->id, s->policies[i].name,
				    (long long)s->policies[i].id);
			first = &s->policies[i];
		}
	}

	m = index_ids(s->policies, s->npolicies, sizeof(*s->policies),
		      offsetof(struct ipp_policy, id));
	rcap = calloc(s->npolicies ? s->npolicies : 1, sizeof(*rcap));
	if (!m || !rcap) {
		r = -ENOMEM;
		goto out;
	}
	r = db_prep(db, sql_rules, &st, err);
	if (r < 0)
		goto out;
	sqlite3_bind_int(st, 1, s->loc);
	sqlite3_bind_int(st, 2, only);
	while ((r = db_step(db, st, err, "reading rules")) > 0) {
		int64_t pid = sqlite3_column_int64(st, 1);
		struct ipp_policy *p;
		struct ipp_rule *rule;

		if (!cur || cur->id != pid)
			cur = find_id(m, s->npolicies, pid);
		if (!cur)
			continue;
		p = &s->policies[cur->idx];
		if (sqlite3_column_int64(st, 2) == 0) {
			rule = &p->defaultrule;
		} else {
			if (ipp_grow_zero((void **)&p->rules, &rcap[cur->idx], p->nrules + 1,
					  sizeof(*p->rules)) < 0) {
				sqlite3_reset(st);
				r = -ENOMEM;
				goto out;
			}
			rule = &p->rules[p->nrules++];
		}
		r = db_row_rule(db, st, rule, err);
		if (r < 0) {
			sqlite3_reset(st);
			goto out;
		}
		nrules++;
	}
	if (r < 0)
		goto out;

	/* rules are in place now: map their ids for the auth rows */
	refs = malloc((nrules ? nrules : 1) * sizeof(*refs));
	if (!refs) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->npolicies; i++) {
		struct ipp_policy *p = &s->policies[i];

		if (p->defaultrule.id)
			refs[nrefs++] = (struct rule_ref){p->defaultrule.id, &p->defaultrule};
		for (size_t j = 0; j < p->nrules; j++)
			refs[nrefs++] = (struct rule_ref){p->rules[j].id, &p->rules[j]};
	}
	qsort(refs, nrefs, sizeof(*refs), cmp_rule_ref);
	r = db_prep(db, sql_auth, &st, err);
	if (r < 0)
		goto out;
	sqlite3_bind_int(st, 1, s->loc);
	sqlite3_bind_int(st, 2, only);
	while ((r = db_step(db, st, err, "reading authentication methods")) > 0) {
		struct rule_ref key = {.id = sqlite3_column_int64(st, 0)};
		struct rule_ref *ref = bsearch(&key, refs, nrefs, sizeof(*refs), cmp_rule_ref);

		if (!ref)
			continue;
		r = db_row_auth(db, st, ref->rule, err);
		if (r < 0) {
			sqlite3_reset(st);
			goto out;
		}
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; i < s->npolicies; i++)
		if (s->policies[i].defaultrule.id == 0) {
			r = ipp_err(err, EUCLEAN,
				    "policy database \"%s\": policy \"%s\" has no default response "
				    "rule",
				    db->path, s->policies[i].name);
			goto out;
		}
	/* whole now: what the shell would refuse to write is refused when read */
	for (size_t i = 0; i < s->npolicies; i++) {
		const struct ipp_policy *p = &s->policies[i];
		struct ipp_error why = {0};

		if (ipp_policy_validate(p, &why) < 0) {
			r = bad_row(db, err, "policy", p->id, "value", &why);
			goto out;
		}
		for (size_t j = 0; j < p->nrules; j++)
			if (ipp_rule_validate(&p->rules[j], NULL, &why) < 0) {
				r = bad_row(db, err, "rule", p->rules[j].id, "value", &why);
				goto out;
			}
	}
out:
	free(m);
	free(rcap);
	free(refs);
	return r;
}

int ipp_db_load(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_snapshot **ret,
		struct ipp_error *err)
{
	return ipp_db_load_ex(db, loc, 0, ret, err);
}

/* A store's snapshot; the file's integrity checked first when @check. */
static int load_one(struct ipp_db *db, enum ipp_store_loc loc, unsigned flags, bool check,
		    struct ipp_snapshot **ret, struct ipp_error *err)
{
	struct ipp_snapshot *s;
	int r;

	if (loc < IPP_STORE_LOCAL || loc > IPP_STORE_DOMAIN)
		return ipp_err(err, EINVAL, "unknown store %d", (int)loc);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loc = loc;
	r = db_rbegin(db, err);
	if (r < 0) {
		free(s);
		return r;
	}
	r = check ? db_check_intact(db, err) : 0;
	if (r == -EUCLEAN && db->dangling_loc && db->dangling_loc != (int)loc) {
		/* another store's row names what is not there: not this store's damage */
		ipp_err_clear(err);
		r = 0;
	}
	if (r == 0)
		r = load_filterlists(db, s, flags, err);
	if (r == 0)
		r = load_filteractions(db, s, flags, err);
	if (r == 0)
		r = load_policies(db, s, flags, err);
	db_rend(db);
	if (r < 0) {
		ipp_snapshot_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int ipp_db_load_ex(struct ipp_db *db, enum ipp_store_loc loc, unsigned flags,
		   struct ipp_snapshot **ret, struct ipp_error *err)
{
	return load_one(db, loc, flags, true, ret, err);
}

/* The integrity check of a second connection to the file, and what it saw. */
struct check_job {
	const char *path;
	uint64_t generation; /* the version it checked */
	int r;
	int dangling_loc; /* ipp_db::dangling_loc of its connection */
	struct ipp_error err;
};

static void *check_thread(void *arg)
{
	struct check_job *j = arg;
	struct ipp_db *db = NULL;

	j->r = ipp_db_open(j->path, IPP_DB_READONLY, &db, &j->err);
	if (j->r == 0)
		j->r = ipp_db_begin(db, &j->err);
	if (j->r == 0)
		j->r = ipp_db_generation(db, &j->generation, &j->err);
	if (j->r == 0) {
		j->r = db_check_intact(db, &j->err);
		j->dangling_loc = db->dangling_loc;
	}
	ipp_db_close(db); /* (ends its read transaction) */
	return NULL;
}

/* The index in @locs of store @loc (0: not known, or not among them: @dflt). */
static size_t dangling_index(int loc, const enum ipp_store_loc *locs, size_t n, size_t dflt)
{
	for (size_t i = 0; loc && i < n; i++)
		if ((int)locs[i] == loc)
			return i;
	return dflt;
}

/*
 * db_check_intact() for the stores @locs: the whole file damaged fails them
 * all (*@failed 0); a row of one store naming what is not there fails that
 * store (*@failed its index) when it is among them, else none.
 */
static int checked(struct ipp_db *db, const enum ipp_store_loc *locs, size_t n, size_t *failed,
		   struct ipp_error *err)
{
	int r;

	db->dangling_loc = 0;
	r = db_check_intact(db, err);
	if (r == -EUCLEAN && db->dangling_loc) {
		if (dangling_index(db->dangling_loc, locs, n, n) == n) {
			ipp_err_clear(err);
			return 0;
		}
		*failed = dangling_index(db->dangling_loc, locs, n, 0);
		return r;
	}
	if (r < 0)
		*failed = 0;
	return r;
}

int ipp_db_load_stores(struct ipp_db *db, const enum ipp_store_loc *locs, size_t n, unsigned flags,
		       struct ipp_snapshot **ret, size_t *failed, struct ipp_error *err)
{
	struct check_job job = {.path = db->path};
	bool began = false, threaded = false;
	uint64_t generation = 0;
	pthread_t th;
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		ret[i] = NULL;
	*failed = 0;
	/* one read transaction: the version the thread checks must be the one read here */
	if (db->depth == 0) {
		if ((r = ipp_db_begin(db, err)) < 0)
			return r;
		began = true;
	}
	if (!db_intact_known(db) && ipp_db_generation(db, &generation, err) == 0 &&
	    pthread_create(&th, NULL, check_thread, &job) == 0)
		threaded = true;
	ipp_err_clear(err);
	/* without the thread, the check first */
	r = threaded ? 0 : checked(db, locs, n, failed, err);
	for (i = 0; i < n && r == 0; i++)
		if ((r = load_one(db, locs[i], flags, false, &ret[i], err)) < 0)
			*failed = i;
	if (threaded) {
		pthread_join(th, NULL);
		if (job.r == -EBADMSG || (job.r == -EUCLEAN && job.dangling_loc &&
					  dangling_index(job.dangling_loc, locs, n, n) < n)) {
			/* damage explains whatever the loads said: the whole file's, or one
			 * store's (a row of it naming what is not there) */
			*failed = dangling_index(job.dangling_loc, locs, n, 0);
			if (err)
				*err = job.err;
			r = job.r;
		} else if (r == 0 && job.r == -EUCLEAN && job.dangling_loc) {
			/* another store's damage: not these stores' (the check is not
			 * taken as passed) */
		} else if (r == 0 && job.r == 0 && job.generation == generation) {
			db_set_intact(db);
		} else if (r == 0) {
			/* the thread saw another version of the file, or could not check it */
			r = checked(db, locs, n, failed, err);
		}
	}
	if (began)
		ipp_db_rollback(db);
	if (r < 0)
		for (i = 0; i < n; i++) {
			ipp_snapshot_free(ret[i]);
			ret[i] = NULL;
		}
	return r;
}
