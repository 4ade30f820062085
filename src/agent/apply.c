/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apply.c - stores -> effective policy -> compiled form -> one transaction.
 */
#include "apply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/driverconf.h"
#include "../store/store.h"
#include "agent.h"
#include "hostenv.h"
#include "secure.h"

void ipp_apply_result_clear(struct ipp_apply_result *r)
{
	if (!r)
		return;
	ipp_effective_free(r->eff);
	ipp_compiled_free(r->compiled);
	memset(r, 0, sizeof(*r));
}

static bool has_assigned(const struct ipp_snapshot *s)
{
	size_t i;

	for (i = 0; s && i < s->npolicies; i++)
		if (s->policies[i].assigned)
			return true;
	return false;
}

static const char cannot_enforce[] = "the persistent policy cannot be enforced";

int ipp_apply_compute(const struct ipp_paths *paths, const struct ipp_hostenv *env,
		      const struct ipp_copts *o, struct ipp_apply_result *ret,
		      struct ipp_error *err)
{
	struct ipp_snapshot *snap[3] = {NULL, NULL, NULL};
	static const enum ipp_store_loc locs[3] = {IPP_STORE_PERSISTENT, IPP_STORE_DOMAIN,
						   IPP_STORE_LOCAL};
	struct ipp_apply_result res;
	struct ipp_error others_err = {0};
	struct ipp_db *db = NULL;
	size_t i;
	int r, others = 0;

	memset(&res, 0, sizeof(res));
	memset(ret, 0, sizeof(*ret));
	r = ipp_db_open(paths->db, IPP_DB_READONLY, &db, err);
	if (r == -ENOENT && ipp_db_absent(paths->db)) {
		/* no database yet: every store is empty */
		db = NULL;
		ipp_err_clear(err);
	} else if (r < 0) {
		/* a store we cannot read may hold a persistent policy */
		ret->persistent = true;
		ret->unreadable = true;
		return r;
	}
	if (db) {
		/* one read transaction: the generation, the journal and the stores agree */
		if ((r = ipp_db_begin(db, err)) == 0 &&
		    (r = ipp_db_generation(db, &res.generation, err)) == 0 &&
		    (r = ipp_db_identity(db, &res.identity, err)) == 0 &&
		    (r = ipp_db_meta(db, "nonce", &res.nonce, err)) == 0)
			r = ipp_db_journal_seq(db, &res.journal, err);
		if (r < 0) {
			/* not a store that can be read (a table missing): it may hold a persistent
			 * policy, as any store that cannot be read */
			res.persistent = true;
			res.unreadable = true;
		} else if ((r = ipp_db_load_stores(db, locs, 3, IPP_LOAD_LEAN | IPP_LOAD_ASSIGNED,
						   snap, &i, err)) < 0) {
			ipp_err_prefix(err, "reading the %s store", ipp_store_name(locs[i]));
			if (locs[i] == IPP_STORE_PERSISTENT) {
				/* a bad row (not a damaged file): commands can repair or
				 * unassign the policy that holds it */
				res.persistent = true;
				res.unreadable = r != -EUCLEAN;
			} else {
				/* the persistent store was read: what it assigns decides; a
				 * bad row of another store is an invalid policy that commands
				 * can correct, which may be the one assigned.  The persistent
				 * store again, alone (the failed load kept nothing): its
				 * policy may be in force without the others (below) */
				size_t j;

				res.assigned = true;
				if (r == -EBADMSG || r == -EPROTO || r == -EUCLEAN)
					r = -EINVAL;
				if (ipp_db_load_stores(db, locs, 1,
						       IPP_LOAD_LEAN | IPP_LOAD_ASSIGNED, snap, &j,
						       NULL) == 0 &&
				    has_assigned(snap[0])) {
					others = r;
					if (err)
						others_err = *err;
					r = 0;
				}
			}
		}
		ipp_db_rollback(db);
		if (r < 0)
			goto out;
	}
	res.persistent = has_assigned(snap[0]);
	res.assigned =
	    res.assigned || res.persistent || has_assigned(snap[1]) || has_assigned(snap[2]);
	if (env) {
		res.env = *env;
	} else {
		struct ipp_hostenv_src src;

		ipp_hostenv_src_init(&src, paths);
		if ((r = ipp_hostenv_read(&src, &res.env, err)) < 0)
			goto out;
	}
	if (others < 0) {
		/* the domain or local store could not be read */
		r = others;
		if (err)
			*err = others_err;
	} else {
		r = ipp_effective_build_dyn(snap[0], snap[1], snap[2], o ? o->dynamic : NULL,
					    &res.env, &res.eff, err);
	}
	if (r < 0 && o && o->kept &&
	    ipp_effective_build_kept(snap[0], o->kept, o->dynamic, &res.env, &res.eff, NULL) == 0) {
		/* the domain or local policy in force stays, the persistent policy and the
		 * dynamic rules as they are now with it (when they fail, the failure is
		 * theirs: as below) */
		res.kept = true;
		snprintf(res.partial_error, sizeof(res.partial_error), "%s",
			 err ? err->msg : "the policy cannot be built");
		ipp_err_clear(err);
		r = 0;
	}
	if (r < 0 && res.persistent) {
		/* the persistent policy stays in force whether or not the others apply: when it
		 * builds alone, the failure is theirs (not block mode); in force alone if the
		 * caller said what becomes of the rest, else the ruleset in force stays */
		struct ipp_effective *alone = NULL;

		if (ipp_effective_build_dyn(snap[0], NULL, NULL, o ? o->dynamic : NULL, &res.env,
					    &alone, NULL) == 0) {
			res.persistent = false;
			if (o && o->rest) {
				res.eff = alone;
				alone = NULL;
				res.partial = true;
				snprintf(res.partial_error, sizeof(res.partial_error), "%s",
					 err ? err->msg : "the policy cannot be built");
				ipp_err_clear(err);
				r = 0;
			} else if (o && err) {
				/* the whole policy in force stays (MODES): said, as what the
				 * persistent policy is now may not be what is in force */
				size_t n = strlen(err->msg);

				snprintf(err->msg + n, sizeof(err->msg) - n,
					 " (the policy applied before stays in force whole: a "
					 "change of the persistent policy since then is not in "
					 "force until this is corrected, unless a running agent "
					 "keeps the domain or local part of it with the persistent "
					 "policy as it is now)");
			}
		}
		ipp_effective_free(alone);
	}
	/* the stores are in the effective policy now: their memory serves the compile */
	for (i = 0; i < 3; i++) {
		ipp_snapshot_free(snap[i]);
		snap[i] = NULL;
	}
	if (r == 0) {
		struct ipp_copts oo;

		if (o)
			oo = *o;
		else
			ipp_copts_init(&oo);
		if (!res.partial)
			oo.rest = IPP_MODE_INVALID; /* the whole policy: Windows' permit */
		oo.kept = NULL; /* (borrowed for the build only: the compiled form keeps none) */
		r = ipp_compile(res.eff, &oo, &res.compiled, err);
	}
out:
	for (i = 0; i < 3; i++)
		ipp_snapshot_free(snap[i]);
	ipp_db_close(db);
	if (r < 0) {
		bool persistent = res.persistent, unreadable = res.unreadable;
		bool assigned = res.assigned;

		ipp_apply_result_clear(&res);
		ret->persistent = persistent;
		ret->unreadable = unreadable;
		ret->assigned = assigned;
		if (persistent && r != -EBADMSG && r != -EPROTO && r != -ENOTRECOVERABLE) {
			ipp_err_prefix(err, "%s", cannot_enforce);
			r = -ENOTRECOVERABLE;
			if (err)
				err->code = ENOTRECOVERABLE;
		}
		return r;
	}
	*ret = res;
	return 0;
}

void ipp_apply_local(struct ipp_copts *o, const struct ipp_hostaddrs *l)
{
	struct ipp_laddr v[4 * IPP_LOCAL_MAX];
	struct ipp_hostaddrs now = {0};
	size_t i, n = 0;

	if (!l) {
		ipp_hostaddrs_load(&now);
		l = &now;
	}
	for (i = 0; i < l->n && n < sizeof(v) / sizeof(v[0]); i++) {
		if (l->v[i].group)
			continue;
		v[n].family = (uint8_t)l->v[i].family;
		memcpy(v[n].ip, l->v[i].ip, sizeof(v[n].ip));
		n++;
	}
	ipp_copts_local(o, v, n);
	ipp_hostaddrs_clear(&now);
}

int ipp_apply_text(struct ipp_driver *d, const struct ipp_compiled *c, const char *text,
		   bool dry_run, struct ipp_error *err)
{
	struct ipp_driver *own = NULL;
	unsigned line = 0;
	int r;

	if (!d) {
		if ((r = ipp_driver_open(&own, err)) < 0)
			return r;
		d = own;
	}
	r = ipp_driver_run_ex(d, text, dry_run, &line, err);
	if (r < 0 && err) {
		char where[IPP_ERR_MSG_MAX] = "";

		if (line && c)
			ipp_compiled_explain_line(c, text, line, where, sizeof(where));
		if (where[0])
			ipp_err_prefix(err, "%s", where);
		else if (line)
			ipp_err_prefix(err, "ruleset line %u", line);
		ipp_err_prefix(err, "the kernel refused the ruleset");
	}
	ipp_driver_close(own);
	return r;
}

int ipp_apply_update(struct ipp_driver *d, const struct ipp_compiled *old,
		     const struct ipp_compiled *new, struct ipp_cdiff_stats *st,
		     struct ipp_error *err)
{
	struct ipp_cdiff_stats s;
	char *text = NULL;
	int r;

	if ((r = ipp_compiled_diff_text(old, new, &text, &s, err)) < 0)
		return r;
	if (s.empty) {
		free(text);
		if (st)
			*st = s;
		return 0;
	}
	r = ipp_apply_text(d, new, text, false, err);
	free(text);
	if (r < 0 && !s.full) {
		/* the kernel did not hold @old: replace the table whole */
		ipp_err_clear(err);
		if ((r = ipp_compiled_diff_text(NULL, new, &text, &s, err)) < 0)
			return r;
		r = ipp_apply_text(d, new, text, false, err);
		free(text);
	}
	if (r == 0 && st)
		*st = s;
	return r;
}

/* The failure of a policy the persistent one is in force without (@res->partial). */
static int partial_error(const struct ipp_apply_result *res, bool dry, struct ipp_error *err)
{
	int r = ipp_err(err, EINVAL, "%s", res->partial_error);

	ipp_err_prefix(err,
		       "the policy cannot be applied whole (the persistent policy %s in force "
		       "alone)",
		       dry ? "would be put" : "was put");
	return r;
}

/* How ipp_agent_unfiltered() @km is said. */
static const char *unfiltered_what(enum ipp_mode km)
{
	return km == IPP_MODE_INVALID ? "what filters the host cannot be read from the kernel"
				      : "nothing filters the host";
}

int ipp_apply_once(const struct ipp_paths *paths, unsigned flags, FILE *out, struct ipp_error *err)
{
	bool dry = flags & IPP_APPLY_DRY_RUN;
	const char *wp = dry ? "# warning: " : "warning: ";
	struct ipp_apply_result res = {0};
	struct ipp_driverconf conf;
	struct ipp_driver *d = NULL;
	struct ipp_copts o;
	char *text = NULL;
	int lockfd = -1, r;
	bool unfiltered = false, conf_bad = false;
	size_t i;

	/* the daemon of this root owns the table: not replaced behind its back */
	if (!dry && (r = ipp_agent_lock_oneshot(paths, "--once",
						"it applies the stores itself: systemctl reload "
						"ipsecpold",
						&lockfd, err)) < 0)
		return r;
	if (!dry && r > 0) {
		/* the run directory cannot be used, and no agent runs here */
		if (out)
			fprintf(out, "%s%s: going on without the lock\n", wp, err ? err->msg : "");
		ipp_err_clear(err);
	}
	/* settings the administrator did not ask for are not applied in their place; but
	 * a host nothing filters is not left open: block mode, as the daemon loads */
	if ((r = ipp_driverconf_load(paths, &conf, err)) < 0) {
		enum ipp_mode km = ipp_agent_kernel_mode(NULL);

		if (!ipp_agent_unfiltered(km)) {
			ipp_err_prefix(err, "nothing applied");
			ipp_agent_unlock(paths, lockfd);
			return r;
		}
		ipp_err_prefix(err, "%s and its settings cannot be read", unfiltered_what(km));
		memset(&conf, 0, sizeof(conf));
		conf_bad = true;
		goto out;
	}
	ipp_copts_init(&o);
	ipp_copts_from_conf(&o, &conf);
	ipp_apply_local(&o, NULL);
	if (!dry) {
		if ((r = ipp_driver_open(&d, err)) < 0)
			goto out;
		/* asked while the stores are read (its answer only changes the text) */
		ipp_driver_probe(d);
	}
	{
		/* the persistent policy alone if the domain or local one cannot be built, as
		 * the daemon does */
		enum ipp_mode krest = IPP_MODE_INVALID, in_force = ipp_agent_kernel_mode(&krest);

		ipp_copts_rest(&o, ipp_agent_rest_mode(in_force, krest), &conf);
	}
	if ((r = ipp_apply_compute(paths, NULL, &o, &res, err)) < 0)
		goto out;
	if (out)
		for (i = 0; i < res.eff->nwarnings; i++)
			fprintf(out, "%s%s\n", wp, res.eff->warnings[i]);
	if (out) {
		/* a source of the host's servers that cannot be read: what it stands for
		 * is unknown; applied, as no filter in force names them */
		static const char *const kinds[] = {"DNS servers", "WINS servers", "DHCP servers",
						    "gateways"};
		const char *why[] = {res.env.dns_error, res.env.wins_error, res.env.dhcp_error,
				     res.env.gateway_error};

		for (i = 0; i < 4; i++)
			if (why[i][0] && !res.partial)
				fprintf(
				    out,
				    "%sthe %s are unknown (%s); no filter in force names them\n",
				    wp, kinds[i], why[i]);
	}
	if (out && res.partial)
		fprintf(out,
			"%sthe persistent policy %s in force alone, what it does not match as in "
			"mode %s: %s\n",
			wp, dry ? "would be" : "is put", ipp_mode_name(res.compiled->opts.rest),
			res.partial_error);
	if (dry) {
		if ((r = ipp_compiled_ruleset(res.compiled, &text, err)) < 0)
			goto out;
		if (flags & IPP_APPLY_KERNEL_CHECK) {
			r = ipp_apply_text(NULL, res.compiled, text, true, err);
			if (r < 0)
				goto out;
		}
		if (out)
			fputs(text, out);
		if (res.partial)
			r = partial_error(&res, dry, err);
		goto out;
	}
	res.compiled->opts.defrag6 = ipp_driver_defrag6(d);
	/* the compiled form holds what the rest needs: the effective policy's memory
	 * serves libnftables (fewer pages for the kernel to fault in) */
	ipp_effective_free(res.eff);
	res.eff = NULL;
	/* as the agent replaces a secure table: through the guard table */
	{
		struct ipp_cdiff_stats st;

		r = ipp_agent_install_full(d, res.compiled, ipp_agent_guard_needed(d), NULL, &st,
					   err);
	}
	if (r < 0)
		goto out;
	if (out)
		fprintf(out,
			"applied: %zu rules, %zu specific filters, %zu nftables elements in %zu "
			"maps\n",
			res.compiled->nrules, res.compiled->nsf, res.compiled->nelems,
			res.compiled->ntiers);
	if (res.partial)
		r = partial_error(&res, dry, err);
out:
	if (r < 0 && (res.assigned || r == -ENOMEM) &&
	    !ipp_agent_persistent_failure(r, res.persistent)) {
		enum ipp_mode km = ipp_agent_kernel_mode(NULL);

		/* nothing filters the host, or nothing it can be told of: it is not left
		 * open instead of the policy (nor when memory ran out before the stores
		 * told whether one is assigned) */
		if (ipp_agent_unfiltered(km)) {
			if (res.assigned)
				ipp_err_prefix(err, "the assigned policy cannot be applied and %s",
					       km == IPP_MODE_INVALID
						   ? unfiltered_what(km)
						   : "nothing else filters the host");
			else
				ipp_err_prefix(err, "%s", unfiltered_what(km));
			unfiltered = true;
		}
	}
	if (r < 0 && (conf_bad || unfiltered || ipp_agent_persistent_failure(r, res.persistent))) {
		/* (said once: ipp_apply_compute() may have said it) */
		if (err && !unfiltered && !conf_bad &&
		    strncmp(err->msg, cannot_enforce, strlen(cannot_enforce)) != 0)
			ipp_err_prefix(err, "%s", cannot_enforce);
		r = -ENOTRECOVERABLE;
		if (err)
			err->code = ENOTRECOVERABLE;
		/* errs closed, as the daemon does: block mode (printed, when only printing) */
		if (dry) {
			struct ipp_mode_opts mo = {.exempt = conf.exempt,
						   .nexempt = conf.nexempt,
						   .diagnostics = conf.diagnostics,
						   .defrag6 = true};
			struct ipp_error e = {0};
			size_t n = err ? strlen(err->msg) : 0;

			free(text);
			text = NULL;
			if (ipp_mode_ruleset(IPP_MODE_BLOCK, &mo, &text, &e) == 0) {
				if (out)
					fputs(text, out);
				if (err)
					snprintf(err->msg + n, sizeof(err->msg) - n,
						 "; block mode would be loaded (printed)");
			} else if (err) {
				snprintf(err->msg + n, sizeof(err->msg) - n,
					 "; block mode would be loaded, but its ruleset cannot be "
					 "made: %s",
					 e.msg);
			}
		} else {
			struct ipp_error e = {0};
			bool blocked = ipp_agent_load_conf_mode(d, IPP_MODE_BLOCK, &conf, &e) == 0;
			size_t n = err ? strlen(err->msg) : 0;

			if (err && blocked)
				snprintf(
				    err->msg + n, sizeof(err->msg) - n,
				    "; block mode loaded: every packet is dropped until it can "
				    "be, except %s",
				    conf.nexempt ? "loopback, DHCP, IPv6 neighbour discovery and "
						   "the boot exemptions"
						 : "loopback, DHCP and IPv6 neighbour discovery");
			else if (err)
				snprintf(err->msg + n, sizeof(err->msg) - n,
					 "; block mode could not be loaded either (%s): what the "
					 "kernel had stays in force",
					 e.msg);
		}
	}
	ipp_driver_close_exiting(d); /* (the process exits next) */
	ipp_agent_unlock(paths, lockfd);
	free(text);
	ipp_apply_result_clear(&res);
	if (r == 0 && out && ferror(out))
		r = ipp_err(err, EIO, "cannot write the output");
	return r;
}
