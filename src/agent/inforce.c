/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inforce.c - what kind of ruleset is in force, asked of the kernel directly.
 *
 * The table's comment and its input base chain, read over nfnetlink: the
 * comment names the mode, the chain's policy tells whether a packet whose
 * lookups miss is accepted (a secure ruleset of an earlier version, which
 * needs a guard when replaced) or dropped.  libnftables would list the
 * whole table first, which takes most of a second with 100k elements; this
 * takes microseconds.
 * Read-only: the kernel's state is only ever changed through the driver.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../driver/driver.h"
#include "../driver/nlrules.h"
#include "agent.h"

bool ipp_agent_secure_in_force(struct ipp_driver *d)
{
	enum ipp_mode m;

	(void)d;
	return ipp_driver_table_mode(&m, NULL) == 0 && m == IPP_MODE_SECURE;
}

bool ipp_agent_guard_needed(struct ipp_driver *d)
{
	char *out = NULL;
	bool accept;
	int r = ipp_nlchain_policy("input");

	if (r >= 0)
		return r == 1;
	if (r == -ENOENT)
		return false; /* no table (or no input chain): nothing to slip through */
	/* The direct question failed: ask through libnftables (slow on big tables). */
	if (ipp_driver_query(d, "list chain " IPP_NFT_FAMILY " " IPP_NFT_TABLE " input", false,
			     &out, NULL) < 0)
		return true; /* unknown: guard */
	accept = strstr(out, "policy accept") != NULL;
	free(out);
	return accept;
}
