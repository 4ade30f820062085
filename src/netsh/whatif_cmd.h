/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * whatif_cmd.h - `ipsec whatif`: which rule decides a packet, and why.
 *
 *     ipsecpol whatif src=ADDR dst=ADDR [proto=P] [srcport=N] [dstport=N]
 *                     [policy=NAME] [pcap=FILE] [me=ADDR]... [dir=in|out]
 *                     [ipsec=yes|no] [level=normal|verbose]
 *
 * The parameters (ipp_whatif_params, usage order) are part of the command
 * table; the handler follows cmd.h: canonical tag -> value pairs in @a
 * (ipp_args_get(a, "srcaddr"); src= is its abbreviation), output to @out,
 * -errno and @err on failure.
 * Until the classifier is wired in it fails with "not available".
 */
#ifndef IPP_NETSH_WHATIF_CMD_H
#define IPP_NETSH_WHATIF_CMD_H

#include "cmd.h"
#include "cmdtable.h"

extern const struct ipp_param ipp_whatif_params[];

int ipp_whatif_cmd(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		   struct ipp_error *err);

#endif
