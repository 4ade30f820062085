/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apply.h - from the stores to the kernel: the effective policy, compiled
 * and installed in one transaction.
 *
 * Two levels:
 *   - ipp_apply_once(): everything, for `ipsecpold --once [--dry-run]` and
 *     checks;
 *   - ipp_apply_compute() / ipp_apply_text() / ipp_apply_update(): the
 *     steps, for the daemon, which keeps the compiled form in force and
 *     turns small policy changes into element-level transactions.
 *
 * Failure codes: -ENOTRECOVERABLE when a persistent policy is assigned and
 * cannot be compiled or installed (the daemon then enters block mode);
 * otherwise the -errno of the step that failed (-EBADMSG, -EPROTO from the
 * database, -EEXIST ... from the kernel) with a message in err->msg that
 * names the policy, rule and filter concerned where there is one.
 */
#ifndef IPP_AGENT_APPLY_H
#define IPP_AGENT_APPLY_H

#include <stdbool.h>
#include <stdio.h>

#include "../common/err.h"
#include "../common/paths.h"
#include "../compile/compile.h"
#include "../compile/effective.h"
#include "../driver/driver.h"

enum {
	IPP_APPLY_DRY_RUN = 1 << 0,      /* write the ruleset to @out; do not touch the kernel */
	IPP_APPLY_KERNEL_CHECK = 1 << 1, /* with DRY_RUN: libnftables' check mode too (needs
					    CAP_NET_ADMIN): the kernel processes every command and
					    then aborts; the checks it makes only at commit (which
					    expressions a hook allows) are not made */
};

/*
 * Open the stores (ROOT/var/lib/ipsecpol/policy.db, read-only; a missing
 * database means empty stores), read the host's servers, build the
 * effective policy, compile it and install it in one transaction that
 * replaces table inet ipsecpol.  Diagnostics (DiagnosticMode) and the flow
 * cache come from driver.conf; a driver.conf that cannot be read is an
 * error, and nothing is applied.  When a persistent policy is assigned (or
 * may be: a damaged database) and cannot be applied, the failure is
 * -ENOTRECOVERABLE and, unless IPP_APPLY_DRY_RUN, block mode is loaded, as
 * the daemon does (err->msg says whether it could be).  @out (may be NULL)
 * gets the warnings of the effective policy as "warning: ..." lines and a
 * summary line; with IPP_APPLY_DRY_RUN it gets the ruleset instead, warnings
 * as "# warning: ..." comment lines in front (the text stays valid nft
 * input).  For a process that exits next: what libnftables keeps of the
 * ruleset is left to the exit (ipp_driver_close_exiting()).
 */
int ipp_apply_once(const struct ipp_paths *paths, unsigned flags, FILE *out,
		   struct ipp_error *err);

/* What ipp_apply_compute() produced; ipp_apply_result_clear() frees it. */
struct ipp_apply_result {
	struct ipp_effective *eff;      /* owned */
	struct ipp_compiled *compiled;  /* owned */
	struct ipp_hostenv env;         /* the host facts used */
	bool persistent;		/* a persistent policy is assigned (on failure: and
					   may be what failed: it did not build alone) */
	bool assigned;			/* a policy is assigned in some store */
	bool unreadable;                /* failed: the database could not be read */
	uint64_t generation;            /* ipp_db_generation() when the stores were read */
	int64_t identity;		/* ipp_db_identity() of the database they were read from */
	int64_t nonce;			/* its last change's nonce (ipp_db_meta()) */
	uint64_t journal;               /* ipp_db_journal_seq() then: what the stores held */
	/* the persistent policy alone (@o->rest asked for it): the domain or local policy
	   cannot be built, for the reason in partial_error */
	bool partial;
	char partial_error[IPP_ERR_MSG_MAX];
	/* the domain or local policy cannot be built (partial_error says why): @o->kept's
	   rules of it stand in for it, with the persistent policy and dynamic rules of now */
	bool kept;
};

void ipp_apply_result_clear(struct ipp_apply_result *r);

/*
 * How the agent's status (its reason) begins while what it applied of the domain
 * or local policy stands in for one that cannot be built (ipp_apply_result.kept).
 */
#define IPP_KEPT_REASON "the domain or local policy applied before stays"

/*
 * Read the stores and compile.  @env: the host facts to use (NULL: read the
 * host's with ipp_hostenv_read()).  @o: compile options (NULL: defaults).
 * On success *ret is filled (the caller clears it); on failure it is left
 * zeroed.  -ENOTRECOVERABLE when a persistent policy is assigned and the
 * compilation fails, unless the persistent policy builds alone (the domain or
 * local policy failed): then, when @o->rest names a mode for what no filter
 * matches, the persistent policy alone is compiled with it and 0 returned,
 * ret->partial set and the failure in ret->partial_error; without @o->rest
 * the failure is returned (the ruleset in force stays).  Before that, with
 * @o->kept (the effective policy in force), the domain or local rules of
 * @o->kept stand in for the policy that fails, with the persistent policy and
 * dynamic rules of now (ret->kept, the failure in ret->partial_error).
 * @o->rest and @o->kept are ignored when the whole policy builds.  ret->persistent tells the
 * daemon whether block mode is
 * due even when the store itself cannot be read (-EBADMSG, -EPROTO: unknown,
 * treat as persistent).
 */
int ipp_apply_compute(const struct ipp_paths *paths, const struct ipp_hostenv *env,
		      const struct ipp_copts *o, struct ipp_apply_result *ret,
		      struct ipp_error *err);

/* Set o->local (ipp_copts_local()) to the unicast addresses of @l (NULL: read them now). */
void ipp_apply_local(struct ipp_copts *o, const struct ipp_hostaddrs *l);

/*
 * Run @text (emitted for @c) as one transaction on @d (NULL: a context of
 * its own).  A refusal is reported in the user's terms: the policy, rule
 * and filter (or the map) of the line the kernel refused, then nft's
 * message.  With @dry_run the kernel only checks.
 */
int ipp_apply_text(struct ipp_driver *d, const struct ipp_compiled *c, const char *text,
		   bool dry_run, struct ipp_error *err);

/*
 * Bring the kernel from @old (the compiled form in force, or NULL for
 * unknown) to @new in one transaction: element-level changes when possible
 * (ipp_compiled_diff()), the full ruleset otherwise.  If the incremental
 * transaction is refused (the kernel no longer holds @old), the full
 * ruleset is tried once more.  @st (may be NULL) says what was done.
 */
int ipp_apply_update(struct ipp_driver *d, const struct ipp_compiled *old,
		     const struct ipp_compiled *new, struct ipp_cdiff_stats *st,
		     struct ipp_error *err);

#endif
