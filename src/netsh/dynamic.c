/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic.c - the `ipsec dynamic` context.
 *
 * Dynamic state lives in the running policy agent; until the shell talks to
 * it, every command fails the way netsh does when the IPsec service is
 * stopped.
 */
#include "dynamic.h"

#include <errno.h>

static int agent_not_running(const struct ipp_args *a, struct ipp_error *err)
{
	return ipp_err(err, ECONNREFUSED,
		       "the policy agent is not running (dynamic commands need ipsecpold)");
}

#define NOT_RUNNING(fn)                                                                 \
	int fn(struct ipp_shell *sh, const struct ipp_args *a, FILE *out, struct ipp_error *err) \
	{                                                                                 \
		return agent_not_running(a, err);                                         \
	}

NOT_RUNNING(ipp_dyn_add_mmpolicy)
NOT_RUNNING(ipp_dyn_add_qmpolicy)
NOT_RUNNING(ipp_dyn_add_rule)
NOT_RUNNING(ipp_dyn_set_mmpolicy)
NOT_RUNNING(ipp_dyn_set_qmpolicy)
NOT_RUNNING(ipp_dyn_set_rule)
NOT_RUNNING(ipp_dyn_set_config)
NOT_RUNNING(ipp_dyn_delete_mmpolicy)
NOT_RUNNING(ipp_dyn_delete_qmpolicy)
NOT_RUNNING(ipp_dyn_delete_rule)
NOT_RUNNING(ipp_dyn_delete_all)
NOT_RUNNING(ipp_dyn_show_all)
NOT_RUNNING(ipp_dyn_show_config)
NOT_RUNNING(ipp_dyn_show_mmpolicy)
NOT_RUNNING(ipp_dyn_show_qmpolicy)
NOT_RUNNING(ipp_dyn_show_mmfilter)
NOT_RUNNING(ipp_dyn_show_qmfilter)
NOT_RUNNING(ipp_dyn_show_rule)
NOT_RUNNING(ipp_dyn_show_stats)
NOT_RUNNING(ipp_dyn_show_mmsas)
NOT_RUNNING(ipp_dyn_show_qmsas)
