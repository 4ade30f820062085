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
 * Every object of @d, one line each: "mmpolicy WORDS", "qmpolicy WORDS",
 * "rule WORDS", after "spd next_seq=N" (the rules' creation count).
 */
void ipp_agent_dynamic_show(const struct ipp_dynspd *d, FILE *out);

#endif
