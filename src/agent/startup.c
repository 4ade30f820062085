/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * startup.c - `ipsecpold --startup`: the boot-time ruleset, as fast as possible.
 *
 * Reads driver.conf only; touches the stores only when OperationMode is not
 * set (to know whether a policy is assigned).  Every doubt resolves to block.
 */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../driver/driver.h"
#include "../store/store.h"

/* Is a policy assigned in any store?  No database at all means no. */
static int any_assigned(const struct ipp_paths *p, bool *ret, struct ipp_error *err)
{
	static const enum ipp_store_loc locs[] = {IPP_STORE_PERSISTENT, IPP_STORE_DOMAIN,
						  IPP_STORE_LOCAL};
	struct ipp_snapshot *s;
	struct ipp_db *db;
	bool found = false;
	size_t i;
	int r;

	if (ipp_db_absent(p->db)) {
		*ret = false;
		return 0;
	}
	if ((r = ipp_db_open(p->db, IPP_DB_READONLY, &db, err)) < 0)
		return r;
	for (i = 0; i < sizeof(locs) / sizeof(locs[0]) && !found; i++) {
		/* (what the assigned policy uses: a bad row of another stands in no way) */
		if ((r = ipp_db_load_ex(db, locs[i], IPP_LOAD_ASSIGNED, &s, err)) < 0)
			break;
		found = ipp_snapshot_assigned(s) != NULL;
		ipp_snapshot_free(s);
	}
	ipp_db_close(db);
	if (r < 0)
		return r;
	*ret = found;
	return 0;
}

int ipp_agent_load_mode(struct ipp_driver *d, enum ipp_mode m, const struct ipp_mode_opts *o,
			struct ipp_error *err)
{
	char *guard = NULL, *text = NULL;
	int r;

	if ((r = ipp_mode_ruleset(m, o, &text, err)) < 0)
		return r;
	if (ipp_mode_needs_guard(m) && ipp_agent_guard_needed(d)) {
		if ((r = ipp_mode_guard_ruleset(m, o, &guard, err)) < 0 ||
		    (r = ipp_driver_run(d, guard, false, err)) < 0)
			goto out;
	}
	r = ipp_driver_run(d, text, false, err);
	if (r < 0 && guard) {
		/* Leave things as they were: the old ruleset alone. */
		char *del = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&del, &len);

		if (f) {
			ipp_nft_emit_guard_delete(f);
			fclose(f);
			(void)ipp_driver_run(d, del, false, NULL);
			free(del);
		}
	}
out:
	free(guard);
	free(text);
	return r;
}

int ipp_agent_load_conf_mode(struct ipp_driver *d, enum ipp_mode m, const struct ipp_driverconf *c,
			     struct ipp_error *err)
{
	struct ipp_mode_opts o = {
	    .exempt = c->exempt, .nexempt = c->nexempt, .diagnostics = c->diagnostics};
	struct ipp_driver *own = NULL;
	int r;

	if (!d) {
		if ((r = ipp_driver_open(&own, err)) < 0)
			return r;
		d = own;
	}
	/* the probe costs a transaction: only where the chain goes */
	o.defrag6 = (m == IPP_MODE_STARTUP_BLOCK || m == IPP_MODE_BLOCK) && ipp_driver_defrag6(d);
	r = ipp_agent_load_mode(d, m, &o, err);
	ipp_driver_close(own);
	return r;
}

int ipp_agent_startup(const struct ipp_paths *p, bool dry_run, FILE *out,
		      struct ipp_startup_result *ret, struct ipp_error *err)
{
	struct ipp_startup_result res = {.mode = IPP_MODE_STARTUP_BLOCK};
	struct ipp_driverconf c;
	struct ipp_mode_opts o;
	struct ipp_error e = {0};
	bool assigned = false;
	char *text = NULL;
	int lockfd = -1, r;

	/* the daemon of this root owns the table: not replaced behind its back */
	if (!dry_run &&
	    (r = ipp_agent_lock_oneshot(p, "--startup", "stop it first: systemctl stop ipsecpold",
					&lockfd, err)) != 0) {
		if (r == -EEXIST)
			return r;
		/* the lock cannot be had (a run directory that is not one): at boot no agent
		 * runs, and a boot without its ruleset would be open; loaded without it */
		snprintf(res.warning, sizeof(res.warning), "%.900s: loaded without the lock",
			 err ? err->msg : "");
		ipp_err_clear(err);
		lockfd = -1;
	}
	if (ipp_driverconf_load(p, &c, &e) < 0) {
		snprintf(res.warning, sizeof(res.warning), "%.960s: booting in block mode", e.msg);
		res.failsafe = true;
		ipp_driverconf_failsafe(&c);
	}
	if (c.bootmode == IPP_BOOT_UNSET && any_assigned(p, &assigned, &e) < 0) {
		snprintf(res.warning, sizeof(res.warning),
			 "cannot tell whether a policy is assigned (%.900s): booting in block mode",
			 e.msg);
		res.failsafe = true;
		c.bootmode = IPP_BOOT_BLOCK;
	}
	res.mode = ipp_mode_from_bootmode(ipp_driverconf_bootmode(&c, assigned));
	/* defrag6 as the kernel would have it unless it cannot (as --once --dry-run prints) */
	o = (struct ipp_mode_opts){.exempt = c.exempt,
				   .nexempt = c.nexempt,
				   .diagnostics = c.diagnostics,
				   .defrag6 = true};
	if (dry_run) {
		/* The ruleset that replaces the table (the guard goes first, unprinted). */
		r = ipp_mode_ruleset(res.mode, &o, &text, err);
		if (r == 0 && out)
			fputs(text, out);
		free(text);
	} else {
		r = ipp_agent_load_conf_mode(NULL, res.mode, &c, err);
		if (r < 0)
			ipp_err_prefix(err, "cannot load the %s ruleset", ipp_mode_name(res.mode));
	}
	ipp_agent_unlock(p, lockfd);
	if (r == 0)
		*ret = res;
	return r;
}

int ipp_agent_block(const struct ipp_paths *p, char *what, size_t len, struct ipp_error *err)
{
	struct ipp_driverconf c;
	struct ipp_error e = {0};
	const char *conf_note = "";
	int lockfd = -1, r;

	if ((r = ipp_agent_lock_oneshot(p, "--block", "stop it first: systemctl stop ipsecpold",
					&lockfd, err)) != 0) {
		if (r == -EEXIST)
			return r;
		/* (as --startup: block mode matters more than the lock) */
		ipp_err_clear(err);
		lockfd = -1;
	}
	if (ipp_driverconf_load(p, &c, &e) < 0) {
		ipp_driverconf_failsafe(&c);
		conf_note = " (driver.conf cannot be read: no boot exemptions)";
	}
	r = ipp_agent_load_conf_mode(NULL, IPP_MODE_BLOCK, &c, err);
	ipp_agent_unlock(p, lockfd);
	if (r < 0) {
		ipp_err_prefix(err, "cannot load block mode");
		if (err)
			snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
				 ": what the kernel had stays in force");
		return r;
	}
	if (what)
		snprintf(what, len,
			 "block mode: all inbound and outbound traffic is dropped except loopback, "
			 "DHCP, IPv6 neighbour discovery%s%s",
			 c.nexempt ? " and the boot exemptions" : "", conf_note);
	return 0;
}
