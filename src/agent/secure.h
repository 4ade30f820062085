/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * secure.h - the agent's view of the enforcement code: install the secure
 * ruleset, classify failures, decide whether host changes matter.
 * Internal to src/agent.
 */
#ifndef IPP_AGENT_SECURE_H
#define IPP_AGENT_SECURE_H

#include <stdbool.h>

#include "../common/driverconf.h"
#include "../common/err.h"
#include "../common/paths.h"

/*
 * Compute the effective policy (persistent first, then domain or local) and
 * install it in one transaction replacing the table in force.
 */
int ipp_agent_apply_secure(const struct ipp_paths *p, const struct ipp_driverconf *c,
			   struct ipp_error *err);

/*
 * Does failure @r of ipp_agent_apply_secure() mean "a persistent policy
 * exists (or may exist) but cannot be applied"?  Then the agent enters block
 * mode.  True for -ENOTRECOVERABLE, a corrupt database (-EBADMSG) and a
 * database of a newer schema (-EPROTO).
 */
bool ipp_agent_persistent_failure(int r);

/*
 * After address or route changes: does the policy in force depend on host
 * facts (server addresses) that changed?  Then it is applied again.
 */
bool ipp_agent_env_changed(const struct ipp_paths *p, const struct ipp_driverconf *c);

#endif
