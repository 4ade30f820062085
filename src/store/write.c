/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * write.c - changing the stores.  Every public function is one write
 * transaction level (db_wbegin/db_wend): all or nothing, nested in the
 * caller's transaction when one is open.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>

#include "db_internal.h"

#include "../common/utf8.h"

static bool loc_ok(enum ipp_store_loc loc)
{
	return loc >= IPP_STORE_LOCAL && loc <= IPP_STORE_DOMAIN;
}

static int bad_loc(struct ipp_error *err, enum ipp_store_loc loc)
{
	return ipp_err(err, EINVAL, "unknown store %d", (int)loc);
}

/* The GUID to store: @in normalised, or a new one when @in is empty. */
static int pick_guid(const char *what, const char *name, const char *in,
		     char out[IPP_GUID_STRLEN], struct ipp_error *err)
{
	if (!in || !*in) {
		ipp_guid_new(out);
		return 0;
	}
	if (!ipp_guid_parse(in, out))
		return ipp_err(err, EINVAL, "%s \"%s\": guid \"%s\" is not a GUID", what, name, in);
	return 0;
}

/* Run a one-row query binding (int64, text|NULL, int64): 1 found, 0 not, <0 error. */
static int exists3(struct ipp_db *db, const char *sql, int64_t a, const char *b, int64_t c,
		   struct ipp_error *err)
{
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, a);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c);
	r = db_step(db, st, err, "checking for a conflict");
	sqlite3_reset(st);
	return r;
}

/*
 * The GUID of a new policy, filter list or filter action (@what) named
 * @name: @in when given (refused unless a GUID, or when an object of the
 * same kind in the store @loc has it, as @sql_guid asks), else a new one.
 */
static int guid_for_new(struct ipp_db *db, const char *sql_guid, enum ipp_store_loc loc,
			const char *what, const char *name, const char *in,
			char out[IPP_GUID_STRLEN], struct ipp_error *err)
{
	int r = pick_guid(what, name, in, out, err);

	if (r < 0)
		return r;
	r = exists3(db, sql_guid, loc, out, 0, err);
	if (r > 0)
		return ipp_err(err, EEXIST, "%s \"%s\": GUID %s already exists in the %s store",
			       what, name, out, ipp_store_name(loc));
	return r < 0 ? r : 0;
}

/*
 * exists3() for a name: @sql compares it as the column's collation does
 * (ASCII letters without case), @sql_fold with every letter's case folded,
 * asked too when the name holds a letter outside ASCII (Windows compares
 * names without case in every script).
 */
static int exists_name(struct ipp_db *db, const char *sql, const char *sql_fold, int64_t a,
		       const char *name, int64_t c, struct ipp_error *err)
{
	int r = exists3(db, sql, a, name, c, err);

	if (r == 0 && ipp_utf8_has_nonascii(name))
		r = exists3(db, sql_fold, a, name, c, err);
	return r;
}

/*
 * 0 when no object of the kind @what in the store @loc but row @except is
 * named @name (exists_name() asks), else an error naming it.
 */
static int name_free(struct ipp_db *db, const char *sql, const char *sql_fold,
		     enum ipp_store_loc loc, const char *what, const char *name, int64_t except,
		     struct ipp_error *err)
{
	int r = exists_name(db, sql, sql_fold, loc, name, except, err);

	if (r > 0)
		return ipp_err(err, EEXIST, "%s \"%s\" already exists in the %s store", what, name,
			       ipp_store_name(loc));
	return r < 0 ? r : 0;
}

/*
 * Before renaming object @id: find its store with @sql_store (one int64
 * parameter) and refuse a @name another object of that kind already has
 * there (@sql_name, @sql_fold bind store, name, id: exists_name()).  @what names the kind in
 * messages.
 */
static int update_name_check(struct ipp_db *db, const char *sql_store, const char *sql_name,
			     const char *sql_fold, int64_t id, const char *name, const char *what,
			     struct ipp_error *err)
{
	char looking[64];
	sqlite3_stmt *st;
	int r, store;

	r = db_prep(db, sql_store, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	snprintf(looking, sizeof(looking), "looking up a %s", what);
	r = db_step(db, st, err, looking);
	if (r == 0)
		return ipp_err(err, ENOENT, "%s %lld not found", what, (long long)id);
	if (r < 0)
		return r;
	store = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return name_free(db, sql_name, sql_fold, (enum ipp_store_loc)store, what, name, id, err);
}

/* ---------- rules (shared by policies and rules) ---------- */

static const char sql_auth_del[] = "DELETE FROM auth WHERE rule_id = ?";
static const char sql_auth_ins[] =
	"INSERT INTO auth (rule_id, pos, kind, value, certmap, excludecaname) "
	"VALUES (?, ?, ?, ?, ?, ?)";

static int auth_write(struct ipp_db *db, int64_t rule_id, const struct ipp_rule *r,
		      struct ipp_error *err)
{
	sqlite3_stmt *st;
	int ret;

	ret = db_prep(db, sql_auth_del, &st, err);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, rule_id);
	ret = db_exec_stmt(db, st, err, "replacing authentication methods");
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < r->nauth; i++) {
		const struct ipp_auth *a = &r->auth[i];

		ret = db_prep(db, sql_auth_ins, &st, err);
		if (ret < 0)
			return ret;
		sqlite3_bind_int64(st, 1, rule_id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		sqlite3_bind_int(st, 3, a->kind);
		sqlite3_bind_text(st, 4, a->kind == IPP_AUTH_KERBEROS ? "" : a->value, -1,
				  SQLITE_STATIC);
		sqlite3_bind_int(st, 5, a->kind == IPP_AUTH_ROOTCA && a->certmap);
		sqlite3_bind_int(st, 6, a->kind == IPP_AUTH_ROOTCA && a->excludecaname);
		ret = db_exec_stmt(db, st, err, "writing authentication methods");
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Bind the rule's own attributes at @st's parameters @first.. (see rule_cols). */
static void bind_rule(sqlite3_stmt *st, int first, const struct ipp_rule *r, bool is_default,
		      char tunnel[IPP_ADDR_STRLEN])
{
	char q[IPP_OFFERS_STRLEN];

	sqlite3_bind_text(st, first, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 1, r->description, -1, SQLITE_STATIC);
	if (is_default) {
		sqlite3_bind_null(st, first + 2);
		sqlite3_bind_null(st, first + 3);
	} else {
		sqlite3_bind_int64(st, first + 2, r->filterlist_id);
		sqlite3_bind_int64(st, first + 3, r->filteraction_id);
	}
	if (r->has_tunnel) {
		ipp_addr_format_cidr(&r->tunnel, tunnel, IPP_ADDR_STRLEN);
		sqlite3_bind_text(st, first + 4, tunnel, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, first + 4);
	}
	sqlite3_bind_text(st, first + 5, r->tunneldns, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, first + 6, r->conntype);
	sqlite3_bind_int(st, first + 7, r->activate);
	sqlite3_bind_int(st, first + 8, r->qmpfs);
	ipp_qm_offers_format(r->qmsec, r->nqmsec, q, sizeof(q));
	sqlite3_bind_text(st, first + 9, q, -1, SQLITE_TRANSIENT);
}

/*
 * Checks of an ordinary rule against the database: the list and the action
 * exist in the policy's store, the name is free in the policy (other than
 * @self), a tunnel rule's list has no mirrored filter.
 */
static int rule_check(struct ipp_db *db, int64_t self, const struct ipp_rule *r,
		      struct ipp_error *err)
{
	static const char sql_store[] = "SELECT store FROM policy WHERE id = ?";
	static const char sql_list[] = "SELECT store, name FROM filterlist WHERE id = ?";
	static const char sql_action[] = "SELECT store FROM filteraction WHERE id = ?";
	static const char sql_name[] = "SELECT 1 FROM rule WHERE policy_id = ? AND name = ? "
				       "AND number > 0 AND id != ?";
	static const char sql_fold[] =
	    "SELECT 1 FROM rule WHERE policy_id = ? AND ipp_fold(name) = "
	    "ipp_fold(?) AND number > 0 AND id != ?";
	static const char sql_mirrored[] =
		"SELECT f.src, f.dst FROM filter f WHERE f.filterlist_id = ? AND f.mirrored "
		"LIMIT 1";
	char lname[IPP_NAME_MAX];
	sqlite3_stmt *st;
	int store, ret;

	ret = db_prep(db, sql_store, &st, err);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, r->policy_id);
	ret = db_step(db, st, err, "looking up the policy");
	if (ret == 0)
		return ipp_err(err, ENOENT, "rule \"%s\": policy %lld not found", r->name,
			       (long long)r->policy_id);
	if (ret < 0)
		return ret;
	store = sqlite3_column_int(st, 0);
	sqlite3_reset(st);

	ret = db_prep(db, sql_list, &st, err);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, r->filterlist_id);
	ret = db_step(db, st, err, "looking up the filter list");
	if (ret > 0 && sqlite3_column_int(st, 0) != store) {
		sqlite3_reset(st);
		ret = 0;
	}
	if (ret == 0)
		return ipp_err(err, ENOENT, "rule \"%s\": filter list %lld not found in the %s store",
			       r->name, (long long)r->filterlist_id,
			       ipp_store_name((enum ipp_store_loc)store));
	if (ret < 0)
		return ret;
	db_col_text(st, 1, lname, sizeof(lname));
	sqlite3_reset(st);

	ret = db_prep(db, sql_action, &st, err);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, r->filteraction_id);
	ret = db_step(db, st, err, "looking up the filter action");
	if (ret > 0 && sqlite3_column_int(st, 0) != store) {
		sqlite3_reset(st);
		ret = 0;
	}
	if (ret == 0)
		return ipp_err(err, ENOENT,
			       "rule \"%s\": filter action %lld not found in the %s store", r->name,
			       (long long)r->filteraction_id,
			       ipp_store_name((enum ipp_store_loc)store));
	if (ret < 0)
		return ret;
	sqlite3_reset(st);

	ret = exists_name(db, sql_name, sql_fold, r->policy_id, r->name, self, err);
	if (ret > 0)
		return ipp_err(err, EEXIST, "rule \"%s\" already exists in the policy", r->name);
	if (ret < 0)
		return ret;

	if (r->has_tunnel) {
		ret = db_prep(db, sql_mirrored, &st, err);
		if (ret < 0)
			return ret;
		sqlite3_bind_int64(st, 1, r->filterlist_id);
		ret = db_step(db, st, err, "checking the filters of a tunnel rule");
		if (ret > 0) {
			ret = ipp_err(err, EINVAL,
				      "rule \"%s\": a tunnel rule needs filters that are not "
				      "mirrored, filter list \"%s\" has a mirrored filter (%s -> %s)",
				      r->name, lname, (const char *)sqlite3_column_text(st, 0),
				      (const char *)sqlite3_column_text(st, 1));
			sqlite3_reset(st);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Insert rule @r of @policy_id with @number (0 = the default rule).  @keep:
 * keep r's GUID and timestamp (imports), else new ones.  Fills r->id, guid,
 * modified, number, policy_id.
 */
static int rule_insert(struct ipp_db *db, int64_t policy_id, struct ipp_rule *r, uint32_t number,
		       bool keep, struct ipp_error *err)
{
	static const char sql[] =
		"INSERT INTO rule (policy_id, number, guid, modified, name, description, "
		"filterlist_id, filteraction_id, tunnel, tunneldns, conntype, activate, qmpfs, "
		"qmsec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char guid[IPP_GUID_STRLEN], tunnel[IPP_ADDR_STRLEN];
	int64_t modified = keep ? r->modified : (int64_t)time(NULL);
	sqlite3_stmt *st;
	int ret;

	ret = pick_guid("rule", r->name, keep ? r->guid : NULL, guid, err);
	if (ret < 0)
		return ret;
	ret = db_prep(db, sql, &st, err);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, policy_id);
	sqlite3_bind_int64(st, 2, number);
	sqlite3_bind_text(st, 3, guid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, modified);
	bind_rule(st, 5, r, number == 0, tunnel);
	ret = db_exec_stmt(db, st, err, "adding a rule");
	if (ret == -EEXIST)
		return ipp_err(err, EEXIST, "rule \"%s\" or rule number %u already exists in the "
					    "policy",
			       r->name, number);
	if (ret < 0)
		return ret;
	r->id = sqlite3_last_insert_rowid(db->h);
	ret = auth_write(db, r->id, r, err);
	if (ret < 0)
		return ret;
	memcpy(r->guid, guid, sizeof(guid));
	r->modified = modified;
	r->number = number;
	r->policy_id = policy_id;
	return 0;
}

static int touch(struct ipp_db *db, const char *sql, int64_t id, struct ipp_error *err)
{
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
	sqlite3_bind_int64(st, 2, id);
	return db_exec_stmt(db, st, err, "updating a timestamp");
}

static const char sql_touch_policy[] = "UPDATE policy SET modified = ? WHERE id = ?";
static const char sql_touch_list[] = "UPDATE filterlist SET modified = ? WHERE id = ?";

static int rule_add_in(struct ipp_db *db, struct ipp_rule *r, bool keep, struct ipp_error *err)
{
	static const char sql_next[] =
		"SELECT coalesce(max(number), 0) + 1 FROM rule WHERE policy_id = ?";
	uint32_t number;
	int64_t next;
	sqlite3_stmt *st;
	int ret;

	if (r->filterlist_id == 0 || r->filteraction_id == 0)
		return ipp_err(err, EINVAL, "rule \"%s\": a rule needs a filter list and a filter "
					    "action",
			       r->name);
	ret = ipp_rule_validate(r, NULL, err);
	if (ret < 0)
		return ret;
	ret = rule_check(db, 0, r, err);
	if (ret < 0)
		return ret;
	if (keep && r->number > 0) {
		number = r->number;
	} else {
		ret = db_prep(db, sql_next, &st, err);
		if (ret < 0)
			return ret;
		sqlite3_bind_int64(st, 1, r->policy_id);
		ret = db_step(db, st, err, "numbering the rule");
		if (ret <= 0)
			return ret < 0 ? ret : -EIO;
		next = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (next > UINT32_MAX)
			return ipp_err(err, ENOSPC,
				       "rule \"%s\": no rule ID is left in the policy: a new rule "
				       "takes the highest ID plus one, and %lu, the highest there is, "
				       "is in use (delete that rule first)",
				       r->name, (unsigned long)UINT32_MAX);
		number = (uint32_t)next;
	}
	ret = rule_insert(db, r->policy_id, r, number, keep, err);
	if (ret < 0)
		return ret;
	return keep ? 0 : touch(db, sql_touch_policy, r->policy_id, err);
}

int ipp_db_rule_add(struct ipp_db *db, struct ipp_rule *r, struct ipp_error *err)
{
	struct ipp_rule tmp = *r;
	int ret;

	ret = db_wbegin(db, err);
	if (ret < 0)
		return ret;
	ret = db_wend(db, rule_add_in(db, &tmp, false, err), err);
	if (ret == 0)
		*r = tmp;
	return ret;
}

/* The existing rule @id: its policy, number and the policy's store. */
static int rule_lookup(struct ipp_db *db, int64_t id, int64_t *policy_id, uint32_t *number,
		       char *pname, size_t plen, struct ipp_error *err)
{
	static const char sql[] = "SELECT r.policy_id, r.number, p.name FROM rule r "
				  "JOIN policy p ON p.id = r.policy_id WHERE r.id = ?";
	sqlite3_stmt *st;
	int ret;

	ret = db_prep(db, sql, &st, err);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	ret = db_step(db, st, err, "looking up a rule");
	if (ret == 0)
		return ipp_err(err, ENOENT, "rule %lld not found", (long long)id);
	if (ret < 0)
		return ret;
	*policy_id = sqlite3_column_int64(st, 0);
	*number = (uint32_t)sqlite3_column_int64(st, 1);
	if (pname)
		db_col_text(st, 2, pname, plen);
	sqlite3_reset(st);
	return 0;
}

/* Rewrite rule @id's attributes (not its number, GUID or policy) from @r. */
static int rule_rewrite(struct ipp_db *db, int64_t id, const struct ipp_rule *r, bool is_default,
			struct ipp_error *err)
{
	static const char sql[] =
		"UPDATE rule SET name = ?, description = ?, filterlist_id = ?, "
		"filteraction_id = ?, tunnel = ?, tunneldns = ?, conntype = ?, activate = ?, "
		"qmpfs = ?, qmsec = ?, modified = ? WHERE id = ?";
	char tunnel[IPP_ADDR_STRLEN];
	sqlite3_stmt *st;
	int ret;

	ret = db_prep(db, sql, &st, err);
	if (ret < 0)
		return ret;
	bind_rule(st, 1, r, is_default, tunnel);
	sqlite3_bind_int64(st, 11, (int64_t)time(NULL));
	sqlite3_bind_int64(st, 12, id);
	ret = db_exec_stmt(db, st, err, "updating a rule");
	if (ret == -EEXIST)
		return ipp_err(err, EEXIST, "rule \"%s\" already exists in the policy", r->name);
	if (ret < 0)
		return ret;
	return auth_write(db, id, r, err);
}

static int rule_update_in(struct ipp_db *db, const struct ipp_rule *r, struct ipp_error *err)
{
	struct ipp_rule tmp = *r;
	uint32_t number;
	int64_t pid;
	int ret;

	ret = rule_lookup(db, r->id, &pid, &number, NULL, 0, err);
	if (ret < 0)
		return ret;
	tmp.policy_id = pid;
	tmp.number = number;
	if (number == 0) {
		tmp.filterlist_id = tmp.filteraction_id = 0;
		ret = ipp_rule_validate(&tmp, NULL, err);
	} else {
		if (tmp.filterlist_id == 0 || tmp.filteraction_id == 0)
			return ipp_err(err, EINVAL,
				       "rule \"%s\": a rule needs a filter list and a filter action",
				       tmp.name);
		ret = ipp_rule_validate(&tmp, NULL, err);
		if (ret == 0)
			ret = rule_check(db, r->id, &tmp, err);
	}
	if (ret < 0)
		return ret;
	ret = rule_rewrite(db, r->id, &tmp, number == 0, err);
	if (ret < 0)
		return ret;
	return touch(db, sql_touch_policy, pid, err);
}

int ipp_db_rule_update(struct ipp_db *db, const struct ipp_rule *r, struct ipp_error *err)
{
	int ret = db_wbegin(db, err);

	if (ret < 0)
		return ret;
	return db_wend(db, rule_update_in(db, r, err), err);
}

static int rule_delete_in(struct ipp_db *db, int64_t rule_id, struct ipp_error *err)
{
	static const char sql[] = "DELETE FROM rule WHERE id = ?";
	char pname[IPP_NAME_MAX];
	uint32_t number;
	sqlite3_stmt *st;
	int64_t pid;
	int ret;

	ret = rule_lookup(db, rule_id, &pid, &number, pname, sizeof(pname), err);
	if (ret < 0)
		return ret;
	if (number == 0)
		return ipp_err(err, EPERM,
			       "the default response rule of policy \"%s\" cannot be deleted: "
			       "deactivate it instead",
			       pname);
	ret = db_prep(db, sql, &st, err);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, rule_id);
	ret = db_exec_stmt(db, st, err, "deleting a rule");
	if (ret < 0)
		return ret;
	return touch(db, sql_touch_policy, pid, err);
}

int ipp_db_rule_delete(struct ipp_db *db, int64_t rule_id, struct ipp_error *err)
{
	int ret = db_wbegin(db, err);

	if (ret < 0)
		return ret;
	return db_wend(db, rule_delete_in(db, rule_id, err), err);
}

/* ---------- policies ---------- */

static const char sql_unassign[] = "UPDATE policy SET assigned = 0 WHERE store = ? AND assigned "
				   "AND id != ?";

static int unassign_others(struct ipp_db *db, enum ipp_store_loc loc, int64_t keep,
			   struct ipp_error *err)
{
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql_unassign, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int(st, 1, loc);
	sqlite3_bind_int64(st, 2, keep);
	return db_exec_stmt(db, st, err, "unassigning policies");
}

static void bind_policy(sqlite3_stmt *st, int first, const struct ipp_policy *p)
{
	char mm[IPP_OFFERS_STRLEN];

	sqlite3_bind_text(st, first, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 1, p->description, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, first + 2, p->mmpfs);
	sqlite3_bind_int64(st, first + 3, p->qmpermm);
	sqlite3_bind_int64(st, first + 4, p->mmlifetime);
	sqlite3_bind_int(st, first + 5, p->activatedefaultrule);
	sqlite3_bind_int64(st, first + 6, p->pollinginterval);
	sqlite3_bind_int(st, first + 7, p->assigned);
	sqlite3_bind_text(st, first + 8, p->gponame, -1, SQLITE_STATIC);
	ipp_mm_offers_format(p->mmsec, p->nmmsec, mm, sizeof(mm));
	sqlite3_bind_text(st, first + 9, mm, -1, SQLITE_TRANSIENT);
}

static const char sql_policy_name[] =
	"SELECT 1 FROM policy WHERE store = ? AND name = ? AND id != ?";
static const char sql_policy_fold[] =
    "SELECT 1 FROM policy WHERE store = ? AND ipp_fold(name) = ipp_fold(?) AND id != ?";
static const char sql_policy_guid[] =
	"SELECT 1 FROM policy WHERE store = ? AND guid = ? AND id != ?";

static int policy_insert(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_policy *p,
			 bool keep, struct ipp_error *err)
{
	static const char sql[] =
		"INSERT INTO policy (store, guid, modified, name, description, mmpfs, qmpermm, "
		"mmlifetime, activatedefaultrule, pollinginterval, assigned, gponame, mmsec) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char guid[IPP_GUID_STRLEN];
	int64_t modified = keep && p->modified ? p->modified : (int64_t)time(NULL);
	sqlite3_stmt *st;
	int r;

	r = ipp_policy_validate(p, err);
	if (r < 0)
		return r;
	r = name_free(db, sql_policy_name, sql_policy_fold, loc, "policy", p->name, 0, err);
	if (r < 0)
		return r;
	r = guid_for_new(db, sql_policy_guid, loc, "policy", p->name, p->guid, guid, err);
	if (r < 0)
		return r;
	if (p->assigned) {
		r = unassign_others(db, loc, 0, err);
		if (r < 0)
			return r;
	}
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int(st, 1, loc);
	sqlite3_bind_text(st, 2, guid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, modified);
	bind_policy(st, 4, p);
	r = db_exec_stmt(db, st, err, "adding a policy");
	if (r < 0)
		return r;
	p->id = sqlite3_last_insert_rowid(db->h);
	memcpy(p->guid, guid, sizeof(guid));
	p->modified = modified;
	p->defaultrule.filterlist_id = p->defaultrule.filteraction_id = 0;
	return rule_insert(db, p->id, &p->defaultrule, 0, keep, err);
}

int ipp_db_policy_add(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_policy *p,
		      struct ipp_error *err)
{
	struct ipp_policy tmp;
	int r;

	if (!loc_ok(loc))
		return bad_loc(err, loc);
	/* work on a copy so that *p is untouched on failure; rules are not added */
	tmp = *p;
	tmp.rules = NULL;
	tmp.nrules = 0;
	r = db_wbegin(db, err);
	if (r < 0)
		return r;
	r = db_wend(db, policy_insert(db, loc, &tmp, false, err), err);
	if (r < 0)
		return r;
	p->id = tmp.id;
	memcpy(p->guid, tmp.guid, sizeof(p->guid));
	p->modified = tmp.modified;
	p->defaultrule = tmp.defaultrule;
	return 0;
}

/* The store of policy @id: 0 found (*ret set), -ENOENT. */
static int policy_store(struct ipp_db *db, int64_t id, enum ipp_store_loc *ret,
			struct ipp_error *err)
{
	static const char sql[] = "SELECT store FROM policy WHERE id = ?";
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	r = db_step(db, st, err, "looking up a policy");
	if (r == 0)
		return ipp_err(err, ENOENT, "policy %lld not found", (long long)id);
	if (r < 0)
		return r;
	*ret = (enum ipp_store_loc)sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return 0;
}

static int policy_update_in(struct ipp_db *db, enum ipp_store_loc loc, const struct ipp_policy *p,
			    struct ipp_error *err)
{
	static const char sql[] =
		"UPDATE policy SET name = ?, description = ?, mmpfs = ?, qmpermm = ?, "
		"mmlifetime = ?, activatedefaultrule = ?, pollinginterval = ?, assigned = ?, "
		"gponame = ?, mmsec = ?, modified = ? WHERE id = ?";
	static const char sql_default[] = "SELECT id FROM rule WHERE policy_id = ? AND number = 0";
	enum ipp_store_loc have;
	sqlite3_stmt *st;
	int64_t rid;
	int r;

	r = ipp_policy_validate(p, err);
	if (r < 0)
		return r;
	r = policy_store(db, p->id, &have, err);
	if (r < 0)
		return r;
	if (have != loc)
		return ipp_err(err, ENOENT, "policy \"%s\" not found in the %s store", p->name,
			       ipp_store_name(loc));
	r = name_free(db, sql_policy_name, sql_policy_fold, loc, "policy", p->name, p->id, err);
	if (r < 0)
		return r;
	if (p->assigned) {
		r = unassign_others(db, loc, p->id, err);
		if (r < 0)
			return r;
	}
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	bind_policy(st, 1, p);
	sqlite3_bind_int64(st, 11, (int64_t)time(NULL));
	sqlite3_bind_int64(st, 12, p->id);
	r = db_exec_stmt(db, st, err, "updating a policy");
	if (r < 0)
		return r;

	r = db_prep(db, sql_default, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, p->id);
	r = db_step(db, st, err, "looking up the default response rule");
	if (r == 0)
		return ipp_err(err, EBADMSG, "policy \"%s\" has no default response rule", p->name);
	if (r < 0)
		return r;
	rid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rule_rewrite(db, rid, &p->defaultrule, true, err);
}

int ipp_db_policy_update(struct ipp_db *db, enum ipp_store_loc loc, const struct ipp_policy *p,
			 struct ipp_error *err)
{
	int r;

	if (!loc_ok(loc))
		return bad_loc(err, loc);
	r = db_wbegin(db, err);
	if (r < 0)
		return r;
	return db_wend(db, policy_update_in(db, loc, p, err), err);
}

static int delete_by_id(struct ipp_db *db, const char *sql, int64_t id, const char *what,
			struct ipp_error *err)
{
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	r = db_exec_stmt(db, st, err, "deleting");
	if (r < 0)
		return r;
	if (sqlite3_changes(db->h) == 0)
		return ipp_err(err, ENOENT, "%s %lld not found", what, (long long)id);
	return 0;
}

int ipp_db_policy_delete(struct ipp_db *db, int64_t policy_id, struct ipp_error *err)
{
	static const char sql[] = "DELETE FROM policy WHERE id = ?";
	int r = db_wbegin(db, err);

	if (r < 0)
		return r;
	return db_wend(db, delete_by_id(db, sql, policy_id, "policy", err), err);
}

static int assign_in(struct ipp_db *db, enum ipp_store_loc loc, int64_t policy_id,
		     struct ipp_error *err)
{
	static const char sql[] = "UPDATE policy SET assigned = 1 WHERE id = ?";
	enum ipp_store_loc have;
	sqlite3_stmt *st;
	int r;

	if (policy_id) {
		r = policy_store(db, policy_id, &have, err);
		if (r < 0)
			return r;
		if (have != loc)
			return ipp_err(err, ENOENT, "policy %lld not found in the %s store",
				       (long long)policy_id, ipp_store_name(loc));
	}
	/* unassign first: the partial unique index allows one assigned policy at a time */
	r = unassign_others(db, loc, policy_id, err);
	if (r < 0 || !policy_id)
		return r;
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, policy_id);
	return db_exec_stmt(db, st, err, "assigning a policy");
}

int ipp_db_assign(struct ipp_db *db, enum ipp_store_loc loc, int64_t policy_id,
		  struct ipp_error *err)
{
	int r;

	if (!loc_ok(loc))
		return bad_loc(err, loc);
	r = db_wbegin(db, err);
	if (r < 0)
		return r;
	return db_wend(db, assign_in(db, loc, policy_id, err), err);
}

/* ---------- filter lists and filters ---------- */

static const char sql_list_name[] =
	"SELECT 1 FROM filterlist WHERE store = ? AND name = ? AND id != ?";
static const char sql_list_fold[] =
    "SELECT 1 FROM filterlist WHERE store = ? AND ipp_fold(name) = ipp_fold(?) AND id != ?";
static const char sql_list_guid[] =
	"SELECT 1 FROM filterlist WHERE store = ? AND guid = ? AND id != ?";

static int filter_insert(struct ipp_db *db, int64_t list_id, const char *lname, bool tunnel_use,
			 struct ipp_filter *f, bool keep, struct ipp_error *err);

static int filterlist_insert(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_filterlist *l,
			     bool keep, struct ipp_error *err)
{
	static const char sql[] = "INSERT INTO filterlist (store, guid, name, description, "
				  "modified) VALUES (?, ?, ?, ?, ?)";
	char guid[IPP_GUID_STRLEN];
	int64_t modified = keep && l->modified ? l->modified : (int64_t)time(NULL);
	sqlite3_stmt *st;
	int r;

	/* the filters are validated one by one when inserted */
	struct ipp_filterlist head = *l;

	head.nfilters = 0;
	r = ipp_filterlist_validate(&head, err);
	if (r < 0)
		return r;
	r = name_free(db, sql_list_name, sql_list_fold, loc, "filter list", l->name, 0, err);
	if (r < 0)
		return r;
	r = guid_for_new(db, sql_list_guid, loc, "filter list", l->name, l->guid, guid, err);
	if (r < 0)
		return r;
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int(st, 1, loc);
	sqlite3_bind_text(st, 2, guid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, l->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, l->description, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, modified);
	r = db_exec_stmt(db, st, err, "adding a filter list");
	if (r < 0)
		return r;
	l->id = sqlite3_last_insert_rowid(db->h);
	memcpy(l->guid, guid, sizeof(guid));
	l->modified = modified;
	for (size_t i = 0; i < l->nfilters; i++) {
		r = filter_insert(db, l->id, l->name, false, &l->filters[i], keep, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int ipp_db_filterlist_add(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_filterlist *l,
			  struct ipp_error *err)
{
	struct ipp_filterlist tmp;
	int64_t *ids = NULL;
	int r;

	if (!loc_ok(loc))
		return bad_loc(err, loc);
	/* on failure *l is untouched: keep the filters' ids and GUIDs to restore them */
	tmp = *l;
	if (l->nfilters) {
		ids = malloc(l->nfilters * (sizeof(*ids) + IPP_GUID_STRLEN));
		if (!ids)
			return -ENOMEM;
		for (size_t i = 0; i < l->nfilters; i++) {
			ids[i] = l->filters[i].id;
			memcpy((char *)(ids + l->nfilters) + i * IPP_GUID_STRLEN,
			       l->filters[i].guid, IPP_GUID_STRLEN);
		}
	}
	r = db_wbegin(db, err);
	if (r == 0)
		r = db_wend(db, filterlist_insert(db, loc, &tmp, false, err), err);
	if (r < 0) {
		for (size_t i = 0; i < l->nfilters; i++) {
			l->filters[i].id = ids[i];
			memcpy(l->filters[i].guid,
			       (char *)(ids + l->nfilters) + i * IPP_GUID_STRLEN, IPP_GUID_STRLEN);
		}
	} else {
		l->id = tmp.id;
		memcpy(l->guid, tmp.guid, sizeof(l->guid));
		l->modified = tmp.modified;
	}
	free(ids);
	return r;
}

static int filterlist_update_in(struct ipp_db *db, const struct ipp_filterlist *l,
				struct ipp_error *err)
{
	static const char sql_store[] = "SELECT store FROM filterlist WHERE id = ?";
	static const char sql[] = "UPDATE filterlist SET name = ?, description = ?, modified = ? "
				  "WHERE id = ?";
	struct ipp_filterlist head = *l;
	sqlite3_stmt *st;
	int r;

	head.nfilters = 0;
	r = ipp_filterlist_validate(&head, err);
	if (r < 0)
		return r;
	r = update_name_check(db, sql_store, sql_list_name, sql_list_fold, l->id, l->name,
			      "filter list", err);
	if (r < 0)
		return r;
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, l->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, l->description, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	sqlite3_bind_int64(st, 4, l->id);
	return db_exec_stmt(db, st, err, "updating a filter list");
}

int ipp_db_filterlist_update(struct ipp_db *db, const struct ipp_filterlist *l,
			     struct ipp_error *err)
{
	int r = db_wbegin(db, err);

	if (r < 0)
		return r;
	return db_wend(db, filterlist_update_in(db, l, err), err);
}

/*
 * -EBUSY naming the first rule that uses the list or action, and how many
 * others do (@sql selects rule, policy and the object's name).
 */
static int check_unused(struct ipp_db *db, const char *sql, int64_t id, const char *what,
			struct ipp_error *err)
{
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	r = db_step(db, st, err, "checking references");
	if (r > 0) {
		char first[3 * IPP_NAME_MAX + 64];
		long more = 0;

		snprintf(first, sizeof(first), "%s \"%s\" is used by rule \"%s\" of policy \"%s\"",
			 what, (const char *)sqlite3_column_text(st, 2),
			 (const char *)sqlite3_column_text(st, 0),
			 (const char *)sqlite3_column_text(st, 1));
		/* (the others counted: all of them are to go first) */
		while (sqlite3_step(st) == SQLITE_ROW)
			more++;
		sqlite3_reset(st);
		r = more ? ipp_err(err, EBUSY, "%s and by %ld other rule%s", first, more,
				   more == 1 ? "" : "s")
			 : ipp_err(err, EBUSY, "%s", first);
	}
	return r;
}

int ipp_db_filterlist_delete(struct ipp_db *db, int64_t filterlist_id, struct ipp_error *err)
{
	static const char sql_used[] = "SELECT r.name, p.name, l.name FROM rule r "
				       "JOIN policy p ON p.id = r.policy_id "
				       "JOIN filterlist l ON l.id = r.filterlist_id "
				       "WHERE r.filterlist_id = ? ORDER BY p.name, r.number";
	static const char sql[] = "DELETE FROM filterlist WHERE id = ?";
	int r = db_wbegin(db, err);

	if (r < 0)
		return r;
	r = check_unused(db, sql_used, filterlist_id, "filter list", err);
	if (r == 0)
		r = delete_by_id(db, sql, filterlist_id, "filter list", err);
	return db_wend(db, r, err);
}

/*
 * Insert filter @f into list @list_id (named @lname, for messages).
 * @tunnel_use: the list is used by a tunnel rule (mirrored filters refused).
 */
/* A list a tunnel rule uses holds no mirrored filter (as filter_insert() refuses one). */
static int tunnel_list_check(struct ipp_db *db, int64_t list_id, const char *lname,
			     struct ipp_error *err)
{
	static const char sql[] =
	    "SELECT r.name, p.name FROM rule r JOIN policy p ON p.id = "
	    "r.policy_id WHERE r.filterlist_id = ?1 AND r.tunnel IS NOT NULL "
	    "AND EXISTS (SELECT 1 FROM filter f WHERE f.filterlist_id = ?1 AND "
	    "f.mirrored) LIMIT 1";
	sqlite3_stmt *st;
	int r;

	if ((r = db_prep(db, sql, &st, err)) < 0)
		return r;
	sqlite3_bind_int64(st, 1, list_id);
	r = db_step(db, st, err, "checking tunnel rules");
	if (r > 0)
		r = ipp_err(
		    err, EINVAL,
		    "filter list \"%s\" is used by tunnel rule \"%s\" of policy \"%s\": its "
		    "filters must not be mirrored",
		    lname, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	return r < 0 ? r : 0;
}

static int filter_insert(struct ipp_db *db, int64_t list_id, const char *lname, bool tunnel_use,
			 struct ipp_filter *f, bool keep, struct ipp_error *err)
{
	static const char sql[] =
		"INSERT INTO filter (filterlist_id, guid, description, srcdns, dstdns, src, dst, "
		"protocol, srcport, dstport, mirrored) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char guid[IPP_GUID_STRLEN], s[IPP_ADDR_STRLEN], d[IPP_ADDR_STRLEN];
	sqlite3_stmt *st;
	int r;

	r = ipp_filter_validate(f, err);
	if (r < 0) {
		ipp_err_prefix(err, "filter list \"%s\"", lname);
		return r;
	}
	if (tunnel_use && f->mirrored)
		return ipp_err(err, EINVAL,
			       "filter list \"%s\" is used by a tunnel rule: its filters must not "
			       "be mirrored",
			       lname);
	r = pick_guid("filter of list", lname, keep ? f->guid : NULL, guid, err);
	if (r < 0)
		return r;
	/* the network a mask makes of an address, as the shell stores it (bits outside it are
	 * not matched; an imported 10.0.0.7/24 is 10.0.0.0/24, and a duplicate of it) */
	if (f->src.kind == IPP_ADDR_IP)
		ipp_ip_mask(f->src.ip, f->src.plen);
	if (f->dst.kind == IPP_ADDR_IP)
		ipp_ip_mask(f->dst.ip, f->dst.plen);
	ipp_addr_format_cidr(&f->src, s, sizeof(s));
	ipp_addr_format_cidr(&f->dst, d, sizeof(d));
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, list_id);
	sqlite3_bind_text(st, 2, guid, -1, SQLITE_STATIC);
	if (f->description && *f->description)
		sqlite3_bind_text(st, 3, f->description, -1, SQLITE_STATIC);
	if (f->srcdns && *f->srcdns)
		sqlite3_bind_text(st, 4, f->srcdns, -1, SQLITE_STATIC);
	if (f->dstdns && *f->dstdns)
		sqlite3_bind_text(st, 5, f->dstdns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, s, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, d, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, f->protocol);
	sqlite3_bind_int(st, 9, f->srcport);
	sqlite3_bind_int(st, 10, f->dstport);
	sqlite3_bind_int(st, 11, f->mirrored);
	r = db_exec_stmt(db, st, err, "adding a filter");
	if (r == -EEXIST) {
		char p[16];

		ipp_proto_format(f->protocol, p, sizeof(p));
		return ipp_err(err, EEXIST,
			       "filter list \"%s\" already has the filter %s -> %s protocol %s "
			       "srcport %u dstport %u mirrored %s",
			       lname, s, d, p, f->srcport, f->dstport, f->mirrored ? "yes" : "no");
	}
	if (r < 0)
		return r;
	f->id = sqlite3_last_insert_rowid(db->h);
	memcpy(f->guid, guid, sizeof(guid));
	return 0;
}

static int filter_add_in(struct ipp_db *db, int64_t list_id, struct ipp_filter *f,
			 struct ipp_error *err)
{
	static const char sql_list[] = "SELECT name FROM filterlist WHERE id = ?";
	static const char sql_tunnel[] = "SELECT 1 FROM rule WHERE filterlist_id = ? "
					 "AND tunnel IS NOT NULL LIMIT 1";
	char lname[IPP_NAME_MAX];
	bool tunnel_use = false;
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql_list, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, list_id);
	r = db_step(db, st, err, "looking up a filter list");
	if (r == 0)
		return ipp_err(err, ENOENT, "filter list %lld not found", (long long)list_id);
	if (r < 0)
		return r;
	db_col_text(st, 0, lname, sizeof(lname));
	sqlite3_reset(st);
	if (f->mirrored) {
		r = db_prep(db, sql_tunnel, &st, err);
		if (r < 0)
			return r;
		sqlite3_bind_int64(st, 1, list_id);
		r = db_step(db, st, err, "checking tunnel rules");
		sqlite3_reset(st);
		if (r < 0)
			return r;
		tunnel_use = r > 0;
	}
	r = filter_insert(db, list_id, lname, tunnel_use, f, false, err);
	if (r < 0)
		return r;
	return touch(db, sql_touch_list, list_id, err);
}

int ipp_db_filter_add(struct ipp_db *db, int64_t filterlist_id, struct ipp_filter *f,
		      struct ipp_error *err)
{
	struct ipp_filter tmp = *f;
	int r;

	r = db_wbegin(db, err);
	if (r < 0)
		return r;
	r = db_wend(db, filter_add_in(db, filterlist_id, &tmp, err), err);
	if (r == 0) {
		f->id = tmp.id;
		memcpy(f->guid, tmp.guid, sizeof(f->guid));
	}
	return r;
}

static int filter_delete_in(struct ipp_db *db, int64_t filter_id, struct ipp_error *err)
{
	static const char sql_list[] = "SELECT filterlist_id FROM filter WHERE id = ?";
	static const char sql[] = "DELETE FROM filter WHERE id = ?";
	sqlite3_stmt *st;
	int64_t lid;
	int r;

	r = db_prep(db, sql_list, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, filter_id);
	r = db_step(db, st, err, "looking up a filter");
	if (r == 0)
		return ipp_err(err, ENOENT, "filter %lld not found", (long long)filter_id);
	if (r < 0)
		return r;
	lid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	r = delete_by_id(db, sql, filter_id, "filter", err);
	if (r < 0)
		return r;
	return touch(db, sql_touch_list, lid, err);
}

int ipp_db_filter_delete(struct ipp_db *db, int64_t filter_id, struct ipp_error *err)
{
	int r = db_wbegin(db, err);

	if (r < 0)
		return r;
	return db_wend(db, filter_delete_in(db, filter_id, err), err);
}

/* ---------- filter actions ---------- */

static const char sql_action_name[] =
	"SELECT 1 FROM filteraction WHERE store = ? AND name = ? AND id != ?";
static const char sql_action_fold[] =
    "SELECT 1 FROM filteraction WHERE store = ? AND ipp_fold(name) = ipp_fold(?) AND id != ?";
static const char sql_action_guid[] =
	"SELECT 1 FROM filteraction WHERE store = ? AND guid = ? AND id != ?";

static void bind_action(sqlite3_stmt *st, int first, const struct ipp_filteraction *a)
{
	char q[IPP_OFFERS_STRLEN];

	sqlite3_bind_text(st, first, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 1, a->description, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, first + 2, a->action);
	sqlite3_bind_int(st, first + 3, a->qmpfs);
	sqlite3_bind_int(st, first + 4, a->inpass);
	sqlite3_bind_int(st, first + 5, a->soft);
	ipp_qm_offers_format(a->qmsec, a->nqmsec, q, sizeof(q));
	sqlite3_bind_text(st, first + 6, q, -1, SQLITE_TRANSIENT);
}

static int filteraction_insert(struct ipp_db *db, enum ipp_store_loc loc,
			       struct ipp_filteraction *a, bool keep, struct ipp_error *err)
{
	static const char sql[] = "INSERT INTO filteraction (store, guid, modified, name, "
				  "description, action, qmpfs, inpass, soft, qmsec) "
				  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char guid[IPP_GUID_STRLEN];
	int64_t modified = keep && a->modified ? a->modified : (int64_t)time(NULL);
	sqlite3_stmt *st;
	int r;

	r = ipp_filteraction_validate(a, err);
	if (r < 0)
		return r;
	r = name_free(db, sql_action_name, sql_action_fold, loc, "filter action", a->name, 0, err);
	if (r < 0)
		return r;
	r = guid_for_new(db, sql_action_guid, loc, "filter action", a->name, a->guid, guid, err);
	if (r < 0)
		return r;
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int(st, 1, loc);
	sqlite3_bind_text(st, 2, guid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, modified);
	bind_action(st, 4, a);
	r = db_exec_stmt(db, st, err, "adding a filter action");
	if (r < 0)
		return r;
	a->id = sqlite3_last_insert_rowid(db->h);
	memcpy(a->guid, guid, sizeof(guid));
	a->modified = modified;
	return 0;
}

int ipp_db_filteraction_add(struct ipp_db *db, enum ipp_store_loc loc,
			    struct ipp_filteraction *a, struct ipp_error *err)
{
	struct ipp_filteraction tmp;
	int r;

	if (!loc_ok(loc))
		return bad_loc(err, loc);
	tmp = *a;
	r = db_wbegin(db, err);
	if (r < 0)
		return r;
	r = db_wend(db, filteraction_insert(db, loc, &tmp, false, err), err);
	if (r == 0)
		*a = tmp;
	return r;
}

static int filteraction_update_in(struct ipp_db *db, const struct ipp_filteraction *a,
				  struct ipp_error *err)
{
	static const char sql_store[] = "SELECT store FROM filteraction WHERE id = ?";
	static const char sql[] = "UPDATE filteraction SET name = ?, description = ?, action = ?, "
				  "qmpfs = ?, inpass = ?, soft = ?, qmsec = ?, modified = ? "
				  "WHERE id = ?";
	sqlite3_stmt *st;
	int r;

	r = ipp_filteraction_validate(a, err);
	if (r < 0)
		return r;
	r = update_name_check(db, sql_store, sql_action_name, sql_action_fold, a->id, a->name,
			      "filter action", err);
	if (r < 0)
		return r;
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	bind_action(st, 1, a);
	sqlite3_bind_int64(st, 8, (int64_t)time(NULL));
	sqlite3_bind_int64(st, 9, a->id);
	return db_exec_stmt(db, st, err, "updating a filter action");
}

int ipp_db_filteraction_update(struct ipp_db *db, const struct ipp_filteraction *a,
			       struct ipp_error *err)
{
	int r = db_wbegin(db, err);

	if (r < 0)
		return r;
	return db_wend(db, filteraction_update_in(db, a, err), err);
}

int ipp_db_filteraction_delete(struct ipp_db *db, int64_t filteraction_id,
			       struct ipp_error *err)
{
	static const char sql_used[] = "SELECT r.name, p.name, a.name FROM rule r "
				       "JOIN policy p ON p.id = r.policy_id "
				       "JOIN filteraction a ON a.id = r.filteraction_id "
				       "WHERE r.filteraction_id = ? ORDER BY p.name, r.number";
	static const char sql[] = "DELETE FROM filteraction WHERE id = ?";
	int r = db_wbegin(db, err);

	if (r < 0)
		return r;
	r = check_unused(db, sql_used, filteraction_id, "filter action", err);
	if (r == 0)
		r = delete_by_id(db, sql, filteraction_id, "filter action", err);
	return db_wend(db, r, err);
}

/* ---------- whole stores ---------- */

static int delete_all_in(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_error *err)
{
	static const char *const sqls[] = {
		"DELETE FROM policy WHERE store = ?",
		"DELETE FROM filterlist WHERE store = ?",
		"DELETE FROM filteraction WHERE store = ?",
	};
	sqlite3_stmt *st;
	int r;

	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		r = db_prep(db, sqls[i], &st, err);
		if (r < 0)
			return r;
		sqlite3_bind_int(st, 1, loc);
		r = db_exec_stmt(db, st, err, "deleting a store");
		if (r < 0)
			return r;
	}
	return 0;
}

int ipp_db_delete_all(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_error *err)
{
	int r;

	if (!loc_ok(loc))
		return bad_loc(err, loc);
	r = db_wbegin(db, err);
	if (r < 0)
		return r;
	return db_wend(db, delete_all_in(db, loc, err), err);
}

/*
 * Check a snapshot as a whole before writing any of it: every object valid,
 * names unique per kind (case-insensitive), rule references inside the
 * snapshot, rule names and numbers unique per policy, one assigned policy.
 */
static int snapshot_validate(const struct ipp_snapshot *s, struct ipp_error *err)
{
	const struct ipp_policy *assigned = NULL;
	size_t de = 0, dl = SIZE_MAX;
	int r, dk = 0;

	if ((r = snap_first_dup2(s->nfilterlists, snap_list_name_cmp, NULL, s, &dk, &de, &dl)) < 0)
		return ipp_err(err, ENOMEM, "out of memory");
	if (!r)
		dl = SIZE_MAX;
	for (size_t i = 0; i < s->nfilterlists; i++) {
		const struct ipp_filterlist *l = &s->filterlists[i];

		struct ipp_filterlist head = *l;

		head.nfilters = 0;
		r = ipp_filterlist_validate(&head, err);
		if (r < 0)
			return r;
		if (i == dl)
			return ipp_err(err, EEXIST, "filter list \"%s\" appears twice", l->name);
		for (size_t j = 0; j < l->nfilters; j++) {
			r = ipp_filter_validate(&l->filters[j], err);
			if (r < 0) {
				ipp_err_prefix(err, "filter list \"%s\"", l->name);
				return r;
			}
		}
	}
	if ((r = snap_first_dup2(s->nfilteractions, snap_action_name_cmp, NULL, s, &dk, &de, &dl)) <
	    0)
		return ipp_err(err, ENOMEM, "out of memory");
	if (!r)
		dl = SIZE_MAX;
	for (size_t i = 0; i < s->nfilteractions; i++) {
		r = ipp_filteraction_validate(&s->filteractions[i], err);
		if (r < 0)
			return r;
		if (i == dl)
			return ipp_err(err, EEXIST, "filter action \"%s\" appears twice",
				       s->filteractions[i].name);
	}
	if ((r = snap_first_dup2(s->npolicies, snap_policy_name_cmp, NULL, s, &dk, &de, &dl)) < 0)
		return ipp_err(err, ENOMEM, "out of memory");
	if (!r)
		dl = SIZE_MAX;
	for (size_t i = 0; i < s->npolicies; i++) {
		const struct ipp_policy *p = &s->policies[i];
		size_t re = 0, rl = SIZE_MAX;
		int rk = 0;

		r = ipp_policy_validate(p, err);
		if (r < 0)
			return r;
		if (i == dl)
			return ipp_err(err, EEXIST, "policy \"%s\" appears twice", p->name);
		if ((r = snap_first_dup2(p->nrules, snap_rule_name_cmp, snap_rule_number_cmp, p,
					 &rk, &re, &rl)) < 0)
			return ipp_err(err, ENOMEM, "out of memory");
		if (!r)
			rl = SIZE_MAX;
		if (p->assigned) {
			if (assigned)
				return ipp_err(err, EINVAL,
					       "policies \"%s\" and \"%s\" are both assigned",
					       assigned->name, p->name);
			assigned = p;
		}
		for (size_t j = 0; j < p->nrules; j++) {
			const struct ipp_rule *rule = &p->rules[j];
			const struct ipp_filterlist *l =
				ipp_snapshot_filterlist(s, rule->filterlist_id);

			if (!l || !ipp_snapshot_filteraction(s, rule->filteraction_id))
				return ipp_err(err, EINVAL,
					       "policy \"%s\" rule \"%s\": its filter %s is missing",
					       p->name, rule->name, l ? "action" : "list");
			r = ipp_rule_validate(rule, l, err);
			if (r < 0) {
				ipp_err_prefix(err, "policy \"%s\"", p->name);
				return r;
			}
			if (j == rl && rk == 1)
				return ipp_err(err, EEXIST,
					       "policy \"%s\": rule \"%s\" appears twice", p->name,
					       rule->name);
			if (j == rl)
				return ipp_err(err, EEXIST,
					       "policy \"%s\": rule number %u appears twice",
					       p->name, rule->number);
		}
	}
	{
		struct ipp_guid_dup d;

		if ((r = ipp_snapshot_guid_dup(s, &d)) < 0)
			return r;
		if (r > 0)
			return ipp_err(err, EEXIST, "GUID %s is given to a %s and to a %s", d.guid,
				       d.first_kind, d.second_kind);
	}
	return 0;
}

/* The GUIDs of every object of store @loc, sorted (strcasecmp): *ret owned by the caller. */
static int store_guids(struct ipp_db *db, enum ipp_store_loc loc, char **ret, size_t *n,
		       struct ipp_error *err)
{
	static const char sql[] =
	    "SELECT guid FROM filterlist WHERE store = ?1 UNION ALL "
	    "SELECT f.guid FROM filter f JOIN filterlist l ON f.filterlist_id = l.id "
	    "WHERE l.store = ?1 UNION ALL "
	    "SELECT guid FROM filteraction WHERE store = ?1 UNION ALL "
	    "SELECT guid FROM policy WHERE store = ?1 UNION ALL "
	    "SELECT r.guid FROM rule r JOIN policy p ON r.policy_id = p.id WHERE p.store = ?1";
	size_t cap = 0;
	sqlite3_stmt *st;
	char *v = NULL;
	int r;

	*ret = NULL;
	*n = 0;
	if ((r = db_prep(db, sql, &st, err)) < 0)
		return r;
	sqlite3_bind_int(st, 1, loc);
	while ((r = db_step(db, st, err, "reading the store's GUIDs")) > 0) {
		const char *g = (const char *)sqlite3_column_text(st, 0);

		if (*n == cap) {
			char *nv = realloc(v, (cap = cap ? 2 * cap : 256) * IPP_GUID_STRLEN);

			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		snprintf(v + *n * IPP_GUID_STRLEN, IPP_GUID_STRLEN, "%s", g ? g : "");
		(*n)++;
	}
	sqlite3_reset(st);
	if (r < 0) {
		free(v);
		*n = 0;
		return r;
	}
	if (*n > 1)
		qsort(v, *n, IPP_GUID_STRLEN, (int (*)(const void *, const void *))strcasecmp);
	*ret = v;
	return 0;
}

/* "line N" of an export file before @err's message, when @s came from one (@id: the line). */
static int at_line(const struct ipp_snapshot *s, int64_t id, int r, struct ipp_error *err)
{
	if (r < 0 && s->lines && id > 0)
		ipp_err_prefix(err, "line %lld", (long long)id);
	return r;
}

/* The GUIDs of a store, sorted (store_guids()). */
struct guid_set {
	char *v;
	size_t n;
	const char *store; /* its name, for messages */
};

/*
 * 0 unless @guid (of the object of @s at line/row @id, which @fmt names) is
 * in @g: then its error, "line N" first when @s came from a file.
 */
__attribute__((format(printf, 6, 7))) static int
guid_clash(const struct guid_set *g, const struct ipp_snapshot *s, int64_t id, const char *guid,
	   struct ipp_error *err, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (!*guid || !g->n ||
	    !bsearch(guid, g->v, g->n, IPP_GUID_STRLEN,
		     (int (*)(const void *, const void *))strcasecmp))
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return at_line(s, id,
		       ipp_err(err, EEXIST, "%s: GUID %s already exists in the %s store", what,
			       guid, g->store),
		       err);
}

/*
 * Is the GUID of an object of @s already an object's of the store, of any
 * kind (a GUID is an identity)?  The first such object's error, or 0.
 */
static int snapshot_guids_free(struct ipp_db *db, enum ipp_store_loc loc,
			       const struct ipp_snapshot *s, const int64_t *same_list,
			       const int64_t *same_action, struct ipp_error *err)
{
	struct guid_set g = {.store = ipp_store_name(loc)};
	int r;

	if ((r = store_guids(db, loc, &g.v, &g.n, err)) < 0)
		return r;
	for (size_t i = 0; i < s->nfilterlists && r == 0; i++) {
		const struct ipp_filterlist *l = &s->filterlists[i];

		if (!same_list[i])
			r = guid_clash(&g, s, l->id, l->guid, err, "filter list \"%s\"", l->name);
		for (size_t k = 0; k < l->nfilters && r == 0; k++)
			r = guid_clash(&g, s, l->filters[k].id, l->filters[k].guid, err,
				       "filter of list \"%s\"", l->name);
	}
	for (size_t i = 0; i < s->nfilteractions && r == 0; i++)
		if (!same_action[i])
			r = guid_clash(&g, s, s->filteractions[i].id, s->filteractions[i].guid, err,
				       "filter action \"%s\"", s->filteractions[i].name);
	for (size_t i = 0; i < s->npolicies && r == 0; i++) {
		const struct ipp_policy *p = &s->policies[i];

		r = guid_clash(&g, s, p->id, p->guid, err, "policy \"%s\"", p->name);
		if (r == 0)
			r = guid_clash(&g, s, p->defaultrule.id, p->defaultrule.guid, err,
				       "policy \"%s\" default response rule", p->name);
		for (size_t k = 0; k < p->nrules && r == 0; k++)
			r = guid_clash(&g, s, p->rules[k].id, p->rules[k].guid, err,
				       "policy \"%s\" rule \"%s\"", p->name, p->rules[k].name);
	}
	free(g.v);
	return r;
}

/* A filter of a snapshot, by list and place. */
struct filter_at {
	size_t list, filter;
	int64_t order;
};

/* By the file's creation order (struct ipp_filter.order; 0: after, in the file's order). */
static int filter_at_cmp(const void *x, const void *y)
{
	const struct filter_at *a = x, *b = y;
	uint64_t oa = a->order > 0 ? (uint64_t)a->order : UINT64_MAX;
	uint64_t ob = b->order > 0 ? (uint64_t)b->order : UINT64_MAX;

	if (oa != ob)
		return oa < ob ? -1 : 1;
	if (a->list != b->list)
		return a->list < b->list ? -1 : 1;
	return a->filter < b->filter ? -1 : a->filter > b->filter;
}

/* Write the objects of @s into @loc (keeping GUIDs, timestamps and rule numbers). */
/*
 * The row of kind @sql (SELECT id[, another column] ... WHERE store = ? AND guid = ?) with
 * @guid in *ret, or 0; its second column in *col1 (may be NULL).
 */
static int id_by_guid(struct ipp_db *db, const char *sql, enum ipp_store_loc loc, const char *guid,
		      int64_t *ret, int64_t *col1, struct ipp_error *err)
{
	sqlite3_stmt *st;
	int r;

	*ret = 0;
	if (!*guid)
		return 0;
	if ((r = db_prep(db, sql, &st, err)) < 0)
		return r;
	sqlite3_bind_int(st, 1, loc);
	sqlite3_bind_text(st, 2, guid, -1, SQLITE_STATIC);
	r = db_step(db, st, err, "looking a GUID up");
	if (r > 0) {
		*ret = sqlite3_column_int64(st, 0);
		if (col1)
			*col1 = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return r < 0 ? r : 0;
}

static int set_modified(struct ipp_db *db, const char *sql, int64_t id, int64_t modified,
			struct ipp_error *err)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_prep(db, sql, &st, err)) < 0)
		return r;
	sqlite3_bind_int64(st, 1, modified);
	sqlite3_bind_int64(st, 2, id);
	return db_exec_stmt(db, st, err, "setting the time of a change");
}

/*
 * The objects of @s the store holds already, by GUID (an identity: a restore
 * of an export brings them back as they were): a filter list's row in
 * same_list[i], its filters deleted (the file's take their place); a filter
 * action's in same_action[i]; a policy of that GUID is deleted with its rules
 * (the file's is inserted whole; was_assigned[i] says it was assigned: a
 * restore does not take the policy in force away).  Lists and actions keep their rows: rules of
 * other policies may use them.
 */
static int same_objects(struct ipp_db *db, enum ipp_store_loc loc, const struct ipp_snapshot *s,
			int64_t *same_list, int64_t *same_action, bool *was_assigned,
			struct ipp_error *err)
{
	static const char sql_list[] = "SELECT id FROM filterlist WHERE store = ? AND guid = ? "
				       "COLLATE NOCASE";
	static const char sql_action[] = "SELECT id FROM filteraction WHERE store = ? AND "
					 "guid = ? COLLATE NOCASE";
	static const char sql_policy[] = "SELECT id, assigned FROM policy WHERE store = ? AND "
					 "guid = ? COLLATE NOCASE";
	sqlite3_stmt *st;
	int64_t id, assigned = 0;
	int r = 0;

	for (size_t i = 0; i < s->nfilterlists && r == 0; i++) {
		r = id_by_guid(db, sql_list, loc, s->filterlists[i].guid, &same_list[i], NULL, err);
		if (r == 0 && same_list[i] &&
		    (r = db_prep(db, "DELETE FROM filter WHERE filterlist_id = ?", &st, err)) ==
			0) {
			sqlite3_bind_int64(st, 1, same_list[i]);
			r = db_exec_stmt(db, st, err, "replacing a filter list's filters");
		}
	}
	for (size_t i = 0; i < s->nfilteractions && r == 0; i++)
		r = id_by_guid(db, sql_action, loc, s->filteractions[i].guid, &same_action[i], NULL,
			       err);
	for (size_t i = 0; i < s->npolicies && r == 0; i++) {
		r = id_by_guid(db, sql_policy, loc, s->policies[i].guid, &id, &assigned, err);
		if (r == 0 && id) {
			was_assigned[i] = assigned != 0;
			r = delete_by_id(db, "DELETE FROM policy WHERE id = ?", id, "policy", err);
		}
	}
	return r;
}

static int snapshot_write(struct ipp_db *db, enum ipp_store_loc loc, const struct ipp_snapshot *s,
			  struct ipp_error *err)
{
	int64_t *list_ids = NULL, *action_ids = NULL, *same_list = NULL, *same_action = NULL;
	struct filter_at *fv = NULL;
	bool *was_assigned = NULL, file_assigns = false;
	size_t nf = 0;
	int r = 0;

	for (size_t i = 0; i < s->nfilterlists; i++)
		nf += s->filterlists[i].nfilters;
	list_ids = calloc(s->nfilterlists + 1, sizeof(*list_ids));
	action_ids = calloc(s->nfilteractions + 1, sizeof(*action_ids));
	same_list = calloc(s->nfilterlists + 1, sizeof(*same_list));
	same_action = calloc(s->nfilteractions + 1, sizeof(*same_action));
	was_assigned = calloc(s->npolicies + 1, sizeof(*was_assigned));
	fv = calloc(nf + 1, sizeof(*fv));
	if (!list_ids || !action_ids || !same_list || !same_action || !was_assigned || !fv) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = same_objects(db, loc, s, same_list, same_action, was_assigned, err)) < 0 ||
	    (r = snapshot_guids_free(db, loc, s, same_list, same_action, err)) < 0)
		goto out;
	for (size_t i = 0; i < s->nfilterlists && r == 0; i++) {
		struct ipp_filterlist l = s->filterlists[i];

		/* the lists first, then the filters from copies (the snapshot is const) */
		l.filters = NULL;
		l.nfilters = 0;
		if (same_list[i]) {
			/* the store's list of that GUID, rewritten (its filters went already) */
			l.id = same_list[i];
			r = filterlist_update_in(db, &l, err);
			if (r == 0 && l.modified)
				r = set_modified(db,
						 "UPDATE filterlist SET modified = ? WHERE id = ?",
						 l.id, l.modified, err);
			r = at_line(s, s->filterlists[i].id, r, err);
		} else {
			r = at_line(s, l.id, filterlist_insert(db, loc, &l, true, err), err);
		}
		list_ids[i] = l.id;
	}
	/*
	 * in their creation order: of two filters of equal weight and action,
	 * the older one decides (ipp_sfilter_cmp()), whatever their lists
	 */
	nf = 0;
	for (size_t i = 0; i < s->nfilterlists; i++)
		for (size_t j = 0; j < s->filterlists[i].nfilters; j++)
			fv[nf++] = (struct filter_at){i, j, s->filterlists[i].filters[j].order};
	qsort(fv, nf, sizeof(*fv), filter_at_cmp);
	for (size_t k = 0; k < nf && r == 0; k++) {
		struct ipp_filter f = s->filterlists[fv[k].list].filters[fv[k].filter];

		r = at_line(s, f.id,
			    filter_insert(db, list_ids[fv[k].list], s->filterlists[fv[k].list].name,
					  false, &f, true, err),
			    err);
	}
	for (size_t i = 0; i < s->nfilteractions && r == 0; i++) {
		struct ipp_filteraction a = s->filteractions[i];

		if (same_action[i]) {
			a.id = same_action[i];
			r = filteraction_update_in(db, &a, err);
			if (r == 0 && a.modified)
				r = set_modified(
				    db, "UPDATE filteraction SET modified = ? WHERE id = ?", a.id,
				    a.modified, err);
			r = at_line(s, s->filteractions[i].id, r, err);
		} else {
			r = at_line(s, a.id, filteraction_insert(db, loc, &a, true, err), err);
		}
		action_ids[i] = a.id;
	}
	for (size_t i = 0; i < s->npolicies; i++)
		file_assigns |= s->policies[i].assigned;
	for (size_t i = 0; i < s->npolicies && r == 0; i++) {
		struct ipp_policy p = s->policies[i];

		p.rules = NULL;
		p.nrules = 0;
		/* the file's assignment, else the store's: an import takes no policy out of
		 * force that the file does not put another in place of */
		p.assigned |= was_assigned[i] && !file_assigns;
		r = at_line(s, p.id, policy_insert(db, loc, &p, true, err), err);
		for (size_t j = 0; j < s->policies[i].nrules && r == 0; j++) {
			struct ipp_rule rule = s->policies[i].rules[j];
			const struct ipp_filterlist *l =
			    ipp_snapshot_filterlist(s, rule.filterlist_id);
			const struct ipp_filteraction *a =
			    ipp_snapshot_filteraction(s, rule.filteraction_id);

			/* snapshot_validate() checked both references */
			rule.policy_id = p.id;
			rule.filterlist_id = l ? list_ids[l - s->filterlists] : 0;
			rule.filteraction_id = a ? action_ids[a - s->filteractions] : 0;
			r = rule_add_in(db, &rule, true, err);
			if (r < 0)
				ipp_err_prefix(err, "policy \"%s\"", p.name);
			r = at_line(s, s->policies[i].rules[j].id, r, err);
		}
	}
	for (size_t i = 0; i < s->nfilterlists && r == 0; i++)
		if (same_list[i])
			/* a list rewritten in place may be one a tunnel rule of the store uses */
			r = at_line(s, s->filterlists[i].id,
				    tunnel_list_check(db, list_ids[i], s->filterlists[i].name, err),
				    err);
out:
	free(list_ids);
	free(action_ids);
	free(same_list);
	free(same_action);
	free(was_assigned);
	free(fv);
	return r;
}

/* A group policy object assigns the domain store's policies only. */
static int snapshot_gpo_check(enum ipp_store_loc loc, const struct ipp_snapshot *s,
			      struct ipp_error *err)
{
	for (size_t i = 0; loc != IPP_STORE_DOMAIN && i < s->npolicies; i++)
		if (s->policies[i].gponame[0])
			return at_line(
			    s, s->policies[i].id,
			    ipp_err(err, EINVAL,
				    "policy \"%s\": gponame \"%s\": only a policy of the domain "
				    "store is assigned to a group policy object, not one of the %s "
				    "store",
				    s->policies[i].name, s->policies[i].gponame,
				    ipp_store_name(loc)),
			    err);
	return 0;
}

int ipp_db_replace(struct ipp_db *db, enum ipp_store_loc loc, const struct ipp_snapshot *s,
		   struct ipp_error *err)
{
	int r;

	if (!loc_ok(loc))
		return bad_loc(err, loc);
	if ((r = snapshot_gpo_check(loc, s, err)) < 0)
		return r;
	r = snapshot_validate(s, err);
	if (r < 0)
		return r;
	r = db_wbegin(db, err);
	if (r < 0)
		return r;
	r = delete_all_in(db, loc, err);
	if (r == 0)
		r = snapshot_write(db, loc, s, err);
	return db_wend(db, r, err);
}

int ipp_db_merge(struct ipp_db *db, enum ipp_store_loc loc, const struct ipp_snapshot *s,
		 struct ipp_error *err)
{
	int r;

	if (!loc_ok(loc))
		return bad_loc(err, loc);
	if ((r = snapshot_gpo_check(loc, s, err)) < 0)
		return r;
	r = snapshot_validate(s, err);
	if (r < 0)
		return r;
	r = db_wbegin(db, err);
	if (r < 0)
		return r;
	return db_wend(db, snapshot_write(db, loc, s, err), err);
}
