/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * static_policy.c - add/set/delete policy, set defaultrule.
 */
#include "static_cmds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../classify/classify.h"
#include "shell.h"

/* The attributes add policy and set policy share. */
static int policy_attrs(const struct ipp_args *a, struct ipp_policy *p, struct ipp_error *err)
{
	const char *v;
	bool b;
	int r;

	if ((v = ipp_args_get(a, "description")) &&
	    (r = ipp_st_copy(p->description, sizeof(p->description), "description", v, err)) < 0)
		return r;
	if ((r = ipp_args_bool(a, "mmpfs", &p->mmpfs, err)) < 0 ||
	    (r = ipp_args_u32(a, "qmpermm", &p->qmpermm, err)) < 0 ||
	    (r = ipp_args_u32(a, "mmlifetime", &p->mmlifetime, err)) < 0 ||
	    (r = ipp_args_u32(a, "pollinginterval", &p->pollinginterval, err)) < 0)
		return r;
	/* "If mmpfs is specified, qmpermm is set to 1." */
	if (ipp_args_has(a, "mmpfs") && p->mmpfs)
		p->qmpermm = 1;
	/* and master PFS means one quick mode per main mode: another count contradicts it */
	if (p->mmpfs && p->qmpermm != 1 && ipp_args_has(a, "qmpermm"))
		return ipp_err(
		    err, EINVAL,
		    "qmpermm: \"%u\" contradicts master PFS (mmpfs=yes), which allows one "
		    "quick mode per main mode: give mmpfs=no with it",
		    p->qmpermm);
	if (ipp_args_has(a, "activatedefaultrule")) {
		if ((r = ipp_args_bool(a, "activatedefaultrule", &b, err)) < 0)
			return r;
		p->activatedefaultrule = b;
		p->defaultrule.activate = b;
	}
	if ((v = ipp_args_get(a, "mmsecmethods"))) {
		size_t n = 0;

		if ((r = ipp_mm_offers_parse(v, p->mmsec, IPP_MAX_OFFERS, &n, err)) < 0) {
			ipp_err_prefix(err, "mmsecmethods");
			return r;
		}
		p->nmmsec = n;
	}
	return 0;
}

int ipp_st_lockout_guard(struct ipp_shell *sh, struct ipp_db *db, enum ipp_store_loc loc,
			 const char *policy, const struct ipp_args *a, FILE *out,
			 struct ipp_error *err)
{
	struct ipp_error e = { 0 };
	struct ipp_lockout l;
	bool force = false;
	int r;

	if ((r = ipp_args_bool(a, "force", &force, err)) < 0)
		return r;
	if (loc != IPP_STORE_LOCAL && loc != IPP_STORE_PERSISTENT)
		return 0;
	ipp_shell_session_checked(sh, force);
	r = ipp_lockout_check_assign(db, loc, policy, ipp_shell_paths(sh), &l, &e);
	if (r < 0) {
		if (force) {
			ipp_shell_note(sh, out, "warning",
				       "whether policy \"%s\" cuts off this SSH session could not "
				       "be checked (%s); assigned anyway (force=yes)",
				       policy, e.msg);
			return 0;
		}
		return ipp_err(err, -r,
			       "assign: cannot check whether policy \"%s\" would cut off this SSH "
			       "session: %s (force=yes assigns it unchecked)",
			       policy, e.msg);
	}
	if (!l.blocked)
		return 0;
	if (force) {
		ipp_shell_note(sh, out, "warning", "%s; policy \"%s\" assigned anyway (force=yes)",
			       l.msg, policy);
		return 0;
	}
	return ipp_err(err, EPERM,
		       "assign: refused: %s; force=yes assigns policy \"%s\" anyway", l.msg,
		       policy);
}

/*
 * Would the filters added since @since (journal entries, all but the
 * assignment's own) change what the session's packets get?  Only filters that
 * match one of them can; anything else that touches a policy in force is
 * looked at whole (1).  @session NULL: it cannot be read, every filter counts.
 */
static int session_touched(struct ipp_db *db, const struct ipp_lockout *session,
			   const struct ipp_paths *paths, uint64_t since, struct ipp_error *err)
{
	struct ipp_journal_entry *j = NULL;
	struct ipp_localaddrs me = {0};
	struct ipp_hostenv env;
	bool env_read = false;
	size_t nj = 0, i;
	int r, touched = 0;

	if ((r = ipp_db_journal_read(db, since, &j, &nj, err)) < 0)
		return r == -ESTALE ? 1 : r;
	for (i = 0; i < nj && !touched; i++) {
		struct ipp_error fe = {0};
		struct ipp_filter f;
		int64_t list;
		uint32_t pos;

		if (j[i].what == IPP_JOURNAL_UNUSED || j[i].what == IPP_JOURNAL_NAMES)
			continue; /* (nothing filtered differently) */
		if (j[i].what != IPP_JOURNAL_FILTER_ADD) {
			touched = 1;
			break;
		}
		if (!env_read && session) {
			struct ipp_error e = {0};

			if (ipp_classify_hostenv(paths, &env, &e) < 0 ||
			    ipp_localaddrs_from_system(&me, &e) < 0) {
				touched = 1;
				break;
			}
			env_read = true;
		}
		if (ipp_db_filter_get(db, j[i].filter_id, &f, &list, &pos, &fe) < 0) {
			touched = 1;
			break;
		}
		touched = !session || ipp_lockout_filter_touches(session, &f, &env, &me);
		ipp_filter_clear(&f);
	}
	ipp_localaddrs_clear(&me);
	free(j);
	return touched;
}

int ipp_st_session_guard(struct ipp_shell *sh, struct ipp_db *db, uint64_t since,
			 struct ipp_error *err)
{
	const struct ipp_paths *paths = ipp_shell_paths(sh);
	struct ipp_lockout session, after, before;
	struct ipp_error e = {0}, garbled = {0};
	struct ipp_db *ro = NULL;
	int r;

	if ((r = ipp_lockout_check(NULL, NULL, NULL, &session, &garbled)) == 0 &&
	    !session.applicable)
		return 0;
	/* (a session that cannot be read: any change of a policy in force is looked at) */
	if ((r = session_touched(db, r < 0 ? NULL : &session, paths, since, &e)) <= 0)
		return r;
	if (garbled.msg[0])
		return ipp_err(err, EINVAL,
			       "cannot check whether the change cuts off this SSH session: %s "
			       "(to change it unchecked, run it in a batch with the policy "
			       "assigned again with force=yes)",
			       garbled.msg);
	/* the stores as they will be, then as they are (committed, another connection) */
	r = ipp_lockout_check_assign(db, ipp_shell_store(sh), NULL, paths, &after, &e);
	if (r >= 0 && !after.blocked)
		return 0;
	if (r >= 0 && (r = ipp_db_open(paths->db, IPP_DB_READONLY, &ro, &e)) >= 0) {
		r = ipp_lockout_check_assign(ro, ipp_shell_store(sh), NULL, paths, &before, &e);
		ipp_db_close(ro);
		if (r >= 0 && before.blocked)
			return 0; /* cut off already: not by this change */
	}
	if (r < 0)
		return ipp_err(err, -r,
			       "cannot check whether the change cuts off this SSH session: %s "
			       "(to change it unchecked, run it in a batch with the policy "
			       "assigned again with force=yes)",
			       e.msg);
	return ipp_err(err, EPERM,
		       "refused: %s; to change it anyway, run it in a batch (set batch "
		       "mode=enable) with the policy assigned again with force=yes",
		       after.msg);
}

int ipp_st_add_policy(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		      struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_policy p;
	struct ipp_db *db;
	int r;

	memset(&p, 0, sizeof(p));
	ipp_policy_init(&p);
	if ((r = ipp_st_copy_name(p.name, "name", ipp_args_get(a, "name"), err)) < 0 ||
	    (r = policy_attrs(a, &p, err)) < 0 ||
	    (r = ipp_args_bool(a, "assign", &p.assigned, err)) < 0 ||
	    (r = ipp_policy_validate(&p, err)) < 0 || (r = ipp_st_db(sh, &db, err)) < 0)
		goto out;
	r = ipp_db_policy_add(db, loc, &p, err);
	if (r == -EEXIST)
		r = ipp_err(err, EEXIST, "a policy named \"%s\" already exists in the %s", p.name,
			    ipp_st_store_text(loc));
	if (r >= 0 && p.assigned)
		r = ipp_st_lockout_guard(sh, db, loc, p.name, a, out, err);
out:
	ipp_policy_clear(&p);
	return r;
}

int ipp_st_set_policy(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		      struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_policy p;
	struct ipp_db *db;
	const char *v;
	bool assign;
	int r;

	memset(&p, 0, sizeof(p));
	if (ipp_args_has(a, "gponame"))
		return ipp_err(err, EINVAL,
			       "gponame: a policy is assigned to a group policy object in the "
			       "domain store, which is filled from the directory");
	if ((r = ipp_st_db(sh, &db, err)) < 0 ||
	    (r = ipp_st_find_policy(db, loc, ipp_args_get(a, "name"), ipp_args_get(a, "guid"), &p,
				    err)) < 0)
		goto out;
	if ((v = ipp_args_get(a, "newname")) && (r = ipp_st_copy_name(p.name, "newname", v, err)) < 0)
		goto out;
	if ((r = policy_attrs(a, &p, err)) < 0 || (r = ipp_policy_validate(&p, err)) < 0)
		goto out;
	r = ipp_db_policy_update(db, loc, &p, err);
	if (r == -EEXIST)
		r = ipp_err(err, EEXIST, "newname: a policy named \"%s\" already exists in the %s",
			    p.name, ipp_st_store_text(loc));
	if (r < 0)
		goto out;
	if (ipp_args_has(a, "assign")) {
		assign = p.assigned;
		if ((r = ipp_args_bool(a, "assign", &assign, err)) < 0)
			goto out;
		if (assign) {
			r = ipp_db_assign(db, loc, p.id, err);
			if (r >= 0)
				r = ipp_st_lockout_guard(sh, db, loc, p.name, a, out, err);
		} else if (p.assigned)
			r = ipp_db_assign(db, loc, 0, err);
	}
out:
	ipp_policy_clear(&p);
	if (r >= 0)
		ipp_st_nothing_set(sh, a, out);
	return r;
}

int ipp_st_delete_policy(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			 struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_snapshot *s = NULL;
	struct ipp_policy p;
	struct ipp_db *db;
	int r;

	if ((r = ipp_st_db(sh, &db, err)) < 0)
		return r;
	if (ipp_st_all(a)) {
		if ((r = ipp_db_load(db, loc, &s, err)) < 0)
			return r;
		for (size_t i = 0; i < s->npolicies && r >= 0; i++)
			r = ipp_db_policy_delete(db, s->policies[i].id, err);
		ipp_snapshot_free(s);
		return r;
	}
	memset(&p, 0, sizeof(p));
	r = ipp_st_find_policy(db, loc, ipp_args_get(a, "name"), NULL, &p, err);
	if (r == -EUCLEAN)
		r = ipp_st_delete_damaged(sh, db, "policy", ipp_args_get(a, "name"),
					  ipp_db_policy_delete, out, err);
	else if (r >= 0)
		r = ipp_db_policy_delete(db, p.id, err);
	ipp_policy_clear(&p);
	return r;
}

int ipp_st_set_defaultrule(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			   struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_auth auth[IPP_MAX_AUTH];
	struct ipp_policy p;
	struct ipp_db *db;
	size_t nauth = 0;
	bool given, b;
	const char *v;
	int r;

	memset(&p, 0, sizeof(p));
	if ((r = ipp_st_db(sh, &db, err)) < 0 ||
	    (r = ipp_st_find_policy(db, loc, ipp_args_get(a, "policy"), NULL, &p, err)) < 0)
		goto out;
	if ((r = ipp_args_bool(a, "qmpfs", &p.defaultrule.qmpfs, err)) < 0)
		goto out;
	if (ipp_args_has(a, "activate")) {
		if ((r = ipp_args_bool(a, "activate", &b, err)) < 0)
			goto out;
		p.defaultrule.activate = b;
		p.activatedefaultrule = b;
	}
	if ((v = ipp_args_get(a, "qmsecmethods"))) {
		size_t n = 0;

		if ((r = ipp_qm_offers_parse(v, p.defaultrule.qmsec, IPP_MAX_OFFERS, &n, err)) < 0) {
			ipp_err_prefix(err, "qmsecmethods");
			goto out;
		}
		p.defaultrule.nqmsec = n;
	}
	if ((r = ipp_st_auth_list(a, auth, &nauth, &given, err)) < 0)
		goto out;
	if (given) {
		memcpy(p.defaultrule.auth, auth, nauth * sizeof(auth[0]));
		p.defaultrule.nauth = nauth;
	}
	if ((r = ipp_policy_validate(&p, err)) < 0)
		goto out;
	r = ipp_db_policy_update(db, loc, &p, err);
out:
	ipp_policy_clear(&p);
	if (r >= 0)
		ipp_st_nothing_set(sh, a, out);
	return r;
}
