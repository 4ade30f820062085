/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic.c - the agent's dynamic SPD: what `netsh ipsec dynamic add|set|
 * delete mmpolicy|qmpolicy|rule|all` change, and `show` reads.
 *
 * The control command is "dynamic VERB OBJECT WORDS", WORDS in the line
 * form of model/dynspd.h (the shell resolves names and folds masks into
 * the addresses first); ipp_dynspd_apply() makes the change on a copy, and
 * ipp_agent_dynamic() (daemon.c) puts the copy in force.
 */
#include "dynamic.h"

#include <stdio.h>

void ipp_agent_dynamic_show(const struct ipp_dynspd *d, FILE *out)
{
	char line[IPP_DYN_LINE_MAX];
	size_t i;

	/* (what the next rule is numbered: a client that makes a change on a copy names it so) */
	fprintf(out, "spd next_seq=%llu\n", (unsigned long long)d->next_seq);
	for (i = 0; i < d->nmm; i++) {
		ipp_dyn_mmpolicy_format(&d->mm[i], line, sizeof(line));
		fprintf(out, "mmpolicy %s\n", line);
	}
	for (i = 0; i < d->nqm; i++) {
		ipp_dyn_qmpolicy_format(&d->qm[i], line, sizeof(line));
		fprintf(out, "qmpolicy %s\n", line);
	}
	for (i = 0; i < d->nrules; i++) {
		ipp_dyn_rule_format(&d->rules[i], line, sizeof(line));
		fprintf(out, "rule %s\n", line);
	}
}
