/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic.h - the agent's dynamic SPD (model/dynspd.h): the control
 * commands that change and show it.  Internal to src/agent.
 */
#ifndef IPP_AGENT_DYNAMIC_H
#define IPP_AGENT_DYNAMIC_H

#include <stdio.h>

#include "../common/err.h"
#include "../model/dynspd.h"

/*
 * The SPD @cur changed as @args says ("add|set|delete mmpolicy|qmpolicy|rule
 * WORDS", "delete all"; "all=yes" as WORDS for every policy) into *@ret
 * (which holds nothing before; owned by the caller after: ipp_dynspd_clear()).
 * @cur is left alone.  -EINVAL (malformed), -EEXIST, -ENOENT, -EBUSY (a
 * policy in use), naming the tag or object, and *@ret then holds nothing.
 */
int ipp_agent_dynamic_change(const struct ipp_dynspd *cur, const char *args, struct ipp_dynspd *ret,
			     struct ipp_error *err);

/* Every object of @d, one line each: "mmpolicy WORDS", "qmpolicy WORDS", "rule WORDS". */
void ipp_agent_dynamic_show(const struct ipp_dynspd *d, FILE *out);

#endif
