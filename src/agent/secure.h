/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * secure.h - the agent's use of the enforcement code (apply.h): compute the
 * effective policy, bring the kernel to it from the compiled form in force,
 * classify failures, read the host facts.  Internal to src/agent.
 */
#ifndef IPP_AGENT_SECURE_H
#define IPP_AGENT_SECURE_H

#include <stdbool.h>

#include "../common/driverconf.h"
#include "../common/err.h"
#include "../common/paths.h"
#include "apply.h"
#include "hostenv.h"

/*
 * What the agent knows of the flow cache of the table in force: the carry
 * counters it wrote, the additions to each set since the generation began,
 * and the generation a change left behind, to fold (ipp_agent_flow_fold())
 * once the change is reported: before any other change of the table.
 */
struct ipp_flowstate {
	struct ipp_carry_book book;
	uint64_t fill[2][12];           /* additions per generation since it was emptied */
	bool pending;                   /* generation @gen is to be folded */
	unsigned gen;
	struct ipp_compiled *before;    /* owned: the form that decided its entries (NULL:
					   the form in force, before the changes @ch) */
	bool want_before;               /* ipp_agent_secure(): hand the replaced form over */
	struct ipp_patch_change *ch;    /* owned */
	size_t nch;
	const char *why;
	const struct ipp_hostaddrs *me; /* the host's addresses its entries were decided with
					   (NULL: as they are now); the caller's, for one fold */
};
void ipp_flowstate_clear(struct ipp_flowstate *fs);

/*
 * Compute the effective policy (persistent, then domain or local) with the
 * options of @c (diagnostics), against @env (NULL: read the host's), and
 * install it on @d in one transaction: element-level changes from @cur (the
 * compiled form the kernel holds, NULL when it holds something else: the
 * table is then replaced whole).  After element-level changes a fold is
 * pending (fs) and fs->want_before asks the caller to put @cur, which the
 * new form replaces, in fs->before.  On success *ret is the new form in force
 * (the caller clears it) and @st says what changed.  On failure *ret is
 * zeroed, except ret->persistent: whether a persistent policy is (or may
 * be) assigned.  @rest (ipp_agent_rest_mode(); IPP_MODE_INVALID: none):
 * when the domain or local policy cannot be built, the persistent policy is
 * put in force alone, what it does not match as mode @rest does with @c's
 * boot exemptions (ret->partial), unless @kept (the effective policy in
 * force, borrowed; NULL: none) gives the domain or local rules that stay
 * in its place (ret->kept).  @dyn (may be NULL): the dynamic rules, in force
 * with the stores' policies.
 */
int ipp_agent_secure(struct ipp_driver *d, const struct ipp_paths *p,
		     const struct ipp_driverconf *c, enum ipp_mode rest,
		     const struct ipp_effective *kept, const struct ipp_dynspd *dyn,
		     const struct ipp_hostenv *env, const struct ipp_compiled *cur,
		     struct ipp_flowstate *fs, struct ipp_apply_result *ret,
		     struct ipp_cdiff_stats *st, struct ipp_error *err);

/*
 * Replace the table by @new whole.  When the table in force needs a guard
 * (@guard: ipp_agent_guard_needed()), in three transactions, so that no
 * packet meets a moment without a policy: @new as the guard table
 * (inet ipsecpol_guard), then the replacement, then the guard's removal;
 * otherwise in one.  @extra (may be NULL): commands applied in the same
 * transaction as the replacement, after it (carry counters).  @st may be
 * NULL.
 */
int ipp_agent_install_full(struct ipp_driver *d, const struct ipp_compiled *new, bool guard,
			   const char *extra, struct ipp_cdiff_stats *st, struct ipp_error *err);

/*
 * Log (warning) what the effective policy @now warns of that @before (NULL:
 * nothing in force) did not: a filter that matches nothing, protocol 58 on
 * IPv4 ...  (the filters' numbers in their lists aside: a deletion
 * renumbers the filters after it).  The patch path (ipp_agent_patch())
 * logs those of the filters it adds itself.
 */
void ipp_agent_log_warnings(const struct ipp_effective *before, const struct ipp_effective *now);

/*
 * Did the stores change since cur->journal only in what no assigned policy
 * uses (IPP_JOURNAL_UNUSED)?  Then 1, and cur->journal and cur->generation
 * move on (*look: the state read): nothing in force or due changes,
 * whatever the mode.  0 when something else changed or the journal cannot
 * tell (pruned, schema 1); -errno when the stores cannot be read.
 */
int ipp_agent_journal_idle(struct ipp_db *db, struct ipp_apply_result *cur,
			   struct ipp_db_look *look, struct ipp_error *err);

/*
 * Follow a change of the stores that only added filters to, or deleted
 * filters from, filter lists, or changed only what no assigned policy uses
 * (the journal since cur->journal says so):
 * patch cur->compiled in place (ipp_compiled_patch()) and apply the
 * element-level commands.  On success cur->journal and cur->generation move
 * on, *look is the state read, @st says what changed.  -EAGAIN
 * when the change is anything else or does not fit in place: compute
 * everything (ipp_agent_secure()); cur is then unchanged.  Any other
 * failure leaves cur->compiled unlike the kernel: forget it.
 */
int ipp_agent_patch(struct ipp_driver *d, struct ipp_db *db, struct ipp_apply_result *cur,
		    struct ipp_flowstate *fs, struct ipp_db_look *look, struct ipp_cdiff_stats *st,
		    struct ipp_error *err);

/*
 * Does failure @r (with ret->persistent = @persistent) mean "a persistent
 * policy exists, or may exist, but cannot be applied"?  Then the agent enters
 * block mode: -ENOTRECOVERABLE, a corrupt database (-EBADMSG) or one of a
 * newer schema (-EPROTO), and any failure while a persistent policy is assigned.
 */
bool ipp_agent_persistent_failure(int r, bool persistent);

/*
 * The mode of the table in force in this network namespace, as its comment
 * says: IPP_MODE_PERMIT when there is none, IPP_MODE_INVALID when the kernel
 * cannot tell or the table is not one of ours.  *ret_rest (may be NULL): see
 * ipp_driver_table_mode().
 */
enum ipp_mode ipp_agent_kernel_mode(enum ipp_mode *ret_rest);

/*
 * What no filter matches is to get when the persistent policy goes in force
 * alone (the domain or local policy cannot be applied), the table in force
 * being of mode @in_force (@in_rest: its own, for a secure one): the boot
 * mode's meaning is kept (startup-stateful, startup-block); block mode's
 * otherwise (a host nothing filters is not left open; errs closed).
 * IPP_MODE_INVALID when a secure ruleset of the whole policy is in force: it
 * stays, the persistent policy is not put in force alone in its place.
 */
enum ipp_mode ipp_agent_rest_mode(enum ipp_mode in_force, enum ipp_mode in_rest);

/*
 * Does nothing filter the host (no table, or the startup permit mode), or
 * nothing the agent can tell of (IPP_MODE_INVALID: the kernel's table cannot
 * be read, out of memory, or is not one of ours)?  An assigned policy that
 * cannot be applied then gives block mode: the host is not left open in its
 * place (errs closed).
 */
bool ipp_agent_unfiltered(enum ipp_mode in_force);

/*
 * Fold the generation a change left behind (fs->pending), @now being the
 * form in force (ipp_driver_flow_fold()); a failure is logged.
 */
void ipp_agent_flow_fold(struct ipp_driver *d, const struct ipp_compiled *now,
			 struct ipp_flowstate *fs);

/*
 * When a flow cache set of @c (in force) has taken three quarters of its
 * size since its generation began (fs->fill, brought up to date here),
 * move the rules to the other generation and fold the one left behind;
 * true when it did.  A fold still pending is done first.
 */
bool ipp_agent_flow_evict(struct ipp_driver *d, struct ipp_compiled *c, struct ipp_flowstate *fs);

/*
 * Move the rules of @c (in force) to the other flow cache generation, emptied,
 * and fold the one left behind, logging @why; @tag names the fold in later
 * messages (static).  True when it did.  For evictions, and for outcomes the
 * cache may hold wrongly now (the host's addresses changed: "me").
 */
bool ipp_agent_flow_renew(struct ipp_driver *d, struct ipp_compiled *c, struct ipp_flowstate *fs,
			  const char *why, const char *tag);

/*
 * Apply @text, commands written for @c in force (walk chains rewritten:
 * ipp_compiled_relocal(), @deletes: walks deleted too; ipp_compiled_patch():
 * rules only added to them), with the counts of the keyless filters in the
 * chains it flushes carried over (fs->book follows), in one transaction.
 */
int ipp_agent_apply_walks(struct ipp_driver *d, const struct ipp_compiled *c, const char *text,
			  bool deletes, struct ipp_flowstate *fs, struct ipp_error *err);

/* The host facts, read as the enforcement code reads them. */
int ipp_agent_read_env(const struct ipp_paths *p, struct ipp_hostenv *ret, struct ipp_error *err);

/* The files whose changes may change the host facts (DNS servers): *ret_n paths. */
void ipp_agent_env_files(const struct ipp_paths *p, const char *ret[4], size_t *ret_n,
			 struct ipp_hostenv_src *storage);

#endif
