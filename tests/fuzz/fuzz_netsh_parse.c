/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_netsh_parse.c - the netsh line parser: every line of the input is
 * lexed, its command words resolved from the `ipsec static` context, its
 * arguments bound and checked against the command table, its usage text
 * generated, and completion run on its words.  Nothing is executed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netsh/cmdtable.h"
#include "netsh/shell.h"

static FILE *sink(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	return f;
}

static void one_line(const struct ipp_node *const *ctx, size_t depth, const char *line)
{
	struct ipp_tokens t = { 0 };
	struct ipp_resolved r;
	struct ipp_error err;
	struct ipp_args *args;
	char *words[64];
	size_t nw = 0;
	int col;

	ipp_err_clear(&err);
	if (ipp_lex_line(line, &t, &err) < 0)
		return;
	if (ipp_resolve(ctx, depth, &t, &r, &err) == 0) {
		if (r.node->kind == IPP_NODE_CMD && r.node->builtin == IPP_BI_NONE) {
			args = calloc(1, sizeof(*args));
			if (args) {
				if (ipp_bind(r.node, r.name, t.v + r.consumed, t.n - r.consumed, args,
					     &col, &err) == 0) {
					for (size_t i = 0; i < args->n; i++)
						(void)ipp_args_get(args, args->v[i].tag);
				}
				free(args);
			}
			ipp_help_usage(sink(), r.name, r.node);
		}
	}
	/* completion works on the words as a shell would pass them */
	for (size_t i = 0; i < t.n && nw < 64; i++)
		words[nw++] = t.v[i].text;
	if (nw > 0)
		ipp_complete(sink(), ctx, depth, words, nw);
	ipp_tokens_clear(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ipp_node *ctx[IPP_RESOLVE_DEPTH];
	size_t depth = ipp_shell_home(IPP_NAME_IPSECPOL, ctx, IPP_RESOLVE_DEPTH);
	char *buf, *line, *save = NULL;

	if (size > 1 << 16)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		one_line(ctx, depth, line);
	free(buf);
	return 0;
}
