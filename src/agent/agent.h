/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent.h - ipsecpold, the policy agent: startup mode, configuration check
 * and the daemon.  main.c only parses the command line and calls these.
 */
#ifndef IPP_AGENT_H
#define IPP_AGENT_H

#include <stdbool.h>
#include <stdio.h>

#include "../common/driverconf.h"
#include "../common/err.h"
#include "../common/paths.h"
#include "../compile/modes.h"

struct ipp_driver;

/* What --startup decided. */
struct ipp_startup_result {
	enum ipp_mode mode;	       /* startup-permit, -block or -stateful */
	char warning[IPP_ERR_MSG_MAX]; /* why block was forced, or "" */
	/* the configuration or the stores could not be read: block mode loaded in place of
	   the configured mode (a failure for the exit status, the filters in place) */
	bool failsafe;
};

/*
 * Load the startup ruleset of the configured boot mode in one transaction
 * (driver.conf's OperationMode; when unset, stateful if any store has an
 * assigned policy, else permit).  A malformed driver.conf or unreadable
 * stores give block, with the reason in ret->warning and ret->failsafe set
 * (the caller's exit status says so).  With @dry_run the
 * ruleset is written to @out (may be NULL otherwise) and the kernel is not
 * touched.  Fails only when the kernel refuses the ruleset.
 */
int ipp_agent_startup(const struct ipp_paths *p, bool dry_run, FILE *out,
		      struct ipp_startup_result *ret, struct ipp_error *err);

/*
 * `ipsecpold --block`: load block mode in one transaction (everything dropped
 * both ways but loopback, DHCP, IPv6 neighbour discovery and driver.conf's
 * boot exemptions; none when driver.conf cannot be read), refused while the
 * agent of the root runs.  A message for the log in @what (may be NULL).
 */
int ipp_agent_block(const struct ipp_paths *p, char *what, size_t len, struct ipp_error *err);

/*
 * When libnftables ends the process (exit or crash) while the driver is in
 * it (ipp_driver_nft_busy): with @block the process becomes `ipsecpold --root
 * ROOT --block --failed` (failsafe.c), without it (--block itself) it says
 * that what the kernel had stays in force.  Call once, before the first
 * change to the kernel; a second call does nothing.
 */
int ipp_failsafe_arm(const struct ipp_paths *p, bool block, struct ipp_error *err);

/*
 * Is the table in force a secure ruleset of ours (its comment says so)?
 * False when there is no table or another one.  One small listing.
 */
bool ipp_agent_secure_in_force(struct ipp_driver *d);

/*
 * Does replacing the table in force need a guard (modes.h, "The guard")?
 * Only a table whose base chain accepts what its lookups miss: a secure
 * ruleset written before the liveness maps (emit.c, emit_alive()).  The
 * secure rulesets written now and every fixed mode have policy drop and
 * permit only through a lookup, which a table on its way out misses.  True
 * when it cannot be told.  One small listing.
 */
bool ipp_agent_guard_needed(struct ipp_driver *d);

/*
 * Install the ruleset of fixed mode @m (modes.h) on @d: when the table in
 * force needs a guard (ipp_agent_guard_needed()) and @m has a table, first
 * its guard, then the replacement of the table in force (which also removes
 * any guard), so that no packet slips through while the old ruleset is torn
 * down.  On failure nothing of @m is left in force (the guard is removed
 * again) and the ruleset in force stays.
 */
int ipp_agent_load_mode(struct ipp_driver *d, enum ipp_mode m, const struct ipp_mode_opts *o,
			struct ipp_error *err);

/*
 * ipp_agent_load_mode() of @m with driver.conf @c's boot exemptions and
 * diagnostics, on @d (NULL: a driver opened and closed here); IPv6 is
 * reassembled for the modes that match ports without conntrack, when the
 * kernel can (modes.h, "IPv6 fragments").
 */
int ipp_agent_load_conf_mode(struct ipp_driver *d, enum ipp_mode m, const struct ipp_driverconf *c,
			     struct ipp_error *err);

/*
 * One agent per root: take the exclusive lock of ROOT/run/ipsecpol/ipsecpold.pid
 * (the file created if missing, the run directory not) and write this
 * process's pid in it.  The daemon holds it for its life, --startup and
 * --once while they change the kernel.  On success *ret_fd is the locked
 * descriptor, for ipp_agent_unlock().  -EEXIST when another ipsecpold holds
 * it: the message names its pid, which goes to *ret_pid (may be NULL; 0
 * when the file holds none).  One per network namespace too, whatever the
 * root (the table is the namespace's): -EADDRINUSE when another ipsecpold
 * holds the lock of another root here.
 */
int ipp_agent_lock(const struct ipp_paths *p, int *ret_fd, long *ret_pid, struct ipp_error *err);
/*
 * The root's own lock alone (an flock on its directory, held for the
 * process's life; ipp_agent_lock() takes it too): -EEXIST when another
 * process of the root holds it.
 */
int ipp_agent_root_lock(const struct ipp_paths *p, struct ipp_error *err);

/*
 * The network namespace's part of ipp_agent_lock() alone, for an agent that
 * cannot take its pid file (the run directory cannot be used): -EADDRINUSE
 * when another ipsecpold runs here; 0 when this process holds the claim.
 */
int ipp_agent_netns_claim(struct ipp_error *err);

/*
 * Is the pid file of @p the one @fd (of ipp_agent_lock()) holds?  False when
 * it was removed or replaced (the run directory removed): another agent of
 * the root could then take it.
 */
bool ipp_agent_lock_held(const struct ipp_paths *p, int fd);

/* Remove the pid file and release the lock of ipp_agent_lock(); -1 is a no-op. */
void ipp_agent_unlock(const struct ipp_paths *p, int fd);

/*
 * ipp_agent_lock() for a one-shot action @what ("--startup", "--once") that
 * is about to replace the table: -EEXIST when the daemon (or another
 * ipsecpold) of the root runs, with a message naming its pid and @what and
 * ending in "(@advice)".  A run directory that cannot be used (a full or
 * read-only file system, a file in its place) holds no agent's pid file:
 * unless an agent runs in the network namespace without it (-EEXIST), 1,
 * *ret_fd -1 and why in @err (the caller goes on without the lock and says
 * so).
 */
int ipp_agent_lock_oneshot(const struct ipp_paths *p, const char *what, const char *advice,
			   int *ret_fd, struct ipp_error *err);

/*
 * -n: parse driver.conf, open the stores and compile the effective policy,
 * and have the kernel check the result without applying it.  Prints nothing
 * on success (main prints "configuration OK").
 */
int ipp_agent_check(const struct ipp_paths *p, struct ipp_error *err);

struct ipp_agent_opts {
	bool foreground; /* log to stderr as well */
	bool verbose;	 /* log debug messages too */
};

/*
 * The daemon: assumes the startup ruleset (or a previous agent's ruleset) is
 * in force and replaces it, in one transaction, by the secure ruleset, or by
 * operational block when a persistent policy exists but cannot be applied.
 * Follows store, driver.conf and address changes; serves the control socket;
 * SIGHUP reloads; SIGTERM/SIGINT remove filtering (permit) and return 0.
 */
int ipp_agent_run(const struct ipp_paths *p, const struct ipp_agent_opts *o, struct ipp_error *err);

#endif
