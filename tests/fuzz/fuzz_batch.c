/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_batch.c - a batch file (.bat) run as cmd.exe runs it: expansion,
 * parsing (blocks, if, for), goto, call, set /a, pipes into find.  Its
 * netsh command lines, its netsh -f scripts' too, are lexed, not run (nothing
 * is written anywhere); it runs in an empty directory of its own (a cd of
 * the file's may leave it while the file runs: only reading), and its
 * prompts read their answers from the input itself.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netsh/shell_internal.h"

static int parse_only(struct ipp_shell *sh, const char *line, struct ipp_error *err)
{
	struct ipp_tokens t = {0};
	int r = ipp_lex_line(line, &t, err);

	(void)sh;
	ipp_tokens_clear(&t);
	return r < 0 ? r : (strlen(line) % 3 == 0 ? ipp_err(err, EINVAL, "fails") : 0);
}

static char dir[] = "/tmp/ipp-fuzz-batch.XXXXXX";

static void dir_gone(void)
{
	(void)rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct ipp_shell *sh = NULL;
	struct ipp_error err;
	FILE *in;

	if (size > 1 << 16)
		return 0;
	if (!null) {
		/* (what a line names, call x.bat, for /f in (x), netsh -f x: looked for in an
		 * empty directory of its own) */
		if (!mkdtemp(dir) || chdir(dir) < 0 || !(null = fopen("/dev/null", "w")))
			return 0;
		atexit(dir_gone);
	}
	ipp_err_clear(&err);
	if (ipp_shell_new("/nonexistent-fuzz-root", IPP_NAME_NETSH, null, &sh, &err) < 0)
		return 0;
	sh->bat_exec = parse_only;
	sh->bat_steps_max = 2000; /* (a loop without end stops soon) */
	ipp_shell_set_errors(sh, null);
	ipp_shell_script_start(sh);
	if ((in = fmemopen((void *)data, size ? size : 1, "r"))) {
		/* (the prompts, set /p and choice, read their answers from the input too) */
		FILE *answers = fmemopen((void *)data, size ? size : 1, "r");

		ipp_shell_set_answers(sh, answers);
		if (size)
			(void)ipp_shell_run_script(sh, in, "fuzz.bat", &err);
		if (answers)
			fclose(answers);
		fclose(in);
	}
	ipp_shell_free(sh, true, &err);
	return 0;
}
