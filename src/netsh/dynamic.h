/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic.h - handlers of the `ipsec dynamic` context.
 *
 * The grammar of these commands (parameters, usage order, types, required
 * flags, legal enumerated values) is in the command table (cmdtable.c) and
 * is checked before a handler runs.  Each handler follows cmd.h:
 *
 *     int handler(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
 *                 struct ipp_error *err);
 *
 * - @a holds the arguments as canonical tag -> value pairs in command-line
 *   order: ipp_args_get(a, "srcaddr"), ipp_args_bool(a, "mirrored", &b, err),
 *   ipp_args_u32(a, "qmpermm", &n, err).  Enumerated values arrive in their
 *   canonical spelling ("yes", "negotiate", "grpmm", "bootmode"); addresses,
 *   masks, ports, protocols and offer lists arrive as typed (their form has
 *   been checked with the model's parsers; parse them again to use them).
 * - ipp_shell_paths(sh) gives driver.conf (set config) and the agent's
 *   control socket.
 * - Output goes to @out; a failure returns -errno with @err filled, and the
 *   shell prints it with the source location and command name.
 *
 * `set config` and `show config` work on driver.conf (dynamic.c); `show
 * qmfilter | mmfilter | stats | all` read what is in force from the kernel
 * (dynamic_show.c, dynamic_kernel.c).  The other commands' state lives in
 * the running agent (dynamic.c sends them over its control socket): without
 * it they fail with "the policy agent is not running" (-ECONNREFUSED).
 */
#ifndef IPP_NETSH_DYNAMIC_H
#define IPP_NETSH_DYNAMIC_H

#include "cmd.h"

#define IPP_DYN_CMD(fn) \
	int fn(struct ipp_shell *sh, const struct ipp_args *a, FILE *out, struct ipp_error *err)

IPP_DYN_CMD(ipp_dyn_add_mmpolicy);
IPP_DYN_CMD(ipp_dyn_add_qmpolicy);
IPP_DYN_CMD(ipp_dyn_add_rule);

IPP_DYN_CMD(ipp_dyn_set_mmpolicy);
IPP_DYN_CMD(ipp_dyn_set_qmpolicy);
IPP_DYN_CMD(ipp_dyn_set_rule);
IPP_DYN_CMD(ipp_dyn_set_config);   /* property=, value= */

IPP_DYN_CMD(ipp_dyn_delete_mmpolicy);
IPP_DYN_CMD(ipp_dyn_delete_qmpolicy);
IPP_DYN_CMD(ipp_dyn_delete_rule);
IPP_DYN_CMD(ipp_dyn_delete_all);

IPP_DYN_CMD(ipp_dyn_show_all);
IPP_DYN_CMD(ipp_dyn_show_config);
IPP_DYN_CMD(ipp_dyn_show_mmpolicy);
IPP_DYN_CMD(ipp_dyn_show_qmpolicy);
IPP_DYN_CMD(ipp_dyn_show_mmfilter);
IPP_DYN_CMD(ipp_dyn_show_qmfilter);
IPP_DYN_CMD(ipp_dyn_show_rule);
IPP_DYN_CMD(ipp_dyn_show_stats);
IPP_DYN_CMD(ipp_dyn_show_mmsas);
IPP_DYN_CMD(ipp_dyn_show_qmsas);

#endif
