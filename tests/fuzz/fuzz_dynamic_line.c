/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic_line.c - fuzz target: the words of a dynamic rule or policy as the
 * agent's control socket takes them (model/dynspd.h), from any client.
 *
 * Input: byte 0 picks the object (rule, main mode policy, quick mode
 * policy), the rest is the line, copied NUL-terminated into a buffer of its
 * exact size.  What parses is checked, formatted and parsed again: the
 * second form must equal the first.  Seed corpus: corpus/dynamic_line/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/dynspd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char once[IPP_DYN_LINE_MAX], twice[IPP_DYN_LINE_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipp_error err = {0};
	char *line;

	if (size < 1 || size > 2 * IPP_DYN_LINE_MAX)
		return 0;
	line = malloc(size);
	if (!line)
		return 0;
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0: {
		struct ipp_dyn_rule r, b;

		ipp_dyn_rule_init(&r);
		if (ipp_dyn_rule_parse(line, &r, NULL, &err) == 0) {
			(void)ipp_dyn_rule_validate(&r, &err);
			ipp_dyn_rule_format(&r, once, sizeof(once));
			ipp_dyn_rule_init(&b);
			if (once[0] && ipp_dyn_rule_parse(once, &b, NULL, &err) != 0)
				abort(); /* a rule's own form does not read back */
			ipp_dyn_rule_format(&b, twice, sizeof(twice));
			if (strcmp(once, twice))
				abort();
		}
		break;
	}
	case 1: {
		struct ipp_dyn_mmpolicy m, b;

		ipp_dyn_mmpolicy_init(&m);
		if (ipp_dyn_mmpolicy_parse(line, &m, NULL, &err) == 0) {
			ipp_dyn_mmpolicy_format(&m, once, sizeof(once));
			ipp_dyn_mmpolicy_init(&b);
			if (once[0] && ipp_dyn_mmpolicy_parse(once, &b, NULL, &err) != 0)
				abort();
		}
		break;
	}
	default: {
		struct ipp_dyn_qmpolicy q, b;

		ipp_dyn_qmpolicy_init(&q);
		if (ipp_dyn_qmpolicy_parse(line, &q, NULL, &err) == 0) {
			ipp_dyn_qmpolicy_format(&q, once, sizeof(once));
			ipp_dyn_qmpolicy_init(&b);
			if (once[0] && ipp_dyn_qmpolicy_parse(once, &b, NULL, &err) != 0)
				abort();
		}
		break;
	}
	}
	free(line);
	return 0;
}
