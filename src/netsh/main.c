/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - ipsecpol (also installed as netsh): options, then one of the
 * shell's modes.
 *
 *   ipsecpol [--root DIR] [-c CONTEXT] [-f FILE | WORDS...]
 *   netsh    [--root DIR] [-c CONTEXT] [-f FILE | ipsec WORDS...]
 *
 * As netsh, failures are printed on standard output in netsh's
 * "ERR IPsec[NNNNN] : text" form, where scripts written for Windows look
 * for them; as ipsecpol, on standard error.
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell.h"

struct opts {
	enum ipp_shell_name name;
	const char *prog;
	const char *root;
	const char *file;
	const char *context; /* -c */
	char **words;
	size_t nwords;
	const char *codepage; /* --codepage, else $IPSECPOL_CODEPAGE */
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [--root DIR] [--codepage N] [-c CONTEXT] [-f FILE | COMMAND...]\n"
		"\n"
		"The netsh `ipsec' shell.  COMMAND is a netsh command line, %s;\n"
		"without one, an interactive shell (or a script read from standard input).\n"
		"\n"
		"  --root DIR   keep the configuration and state under DIR (also $IPSECPOL_ROOT)\n"
		"  -c CONTEXT   start in CONTEXT, e.g. -c \"ipsec static\"\n"
		"  -f FILE      run the netsh script FILE (- for standard input)\n"
		"  --codepage N scripts are text of Windows code page N (e.g. 936), as netsh\n"
		"               reads them there (also $IPSECPOL_CODEPAGE)\n"
		"  -h, --help   this text; `%s help' lists the commands\n"
		"  --version    the version\n",
		prog,
		strcmp(prog, "netsh") == 0 ? "e.g. `ipsec static show all'"
					   : "e.g. `static show all' (the ipsec context)",
		prog);
}

static int mode_complete(struct opts *o)
{
	const struct ipp_node *ctx[IPP_RESOLVE_DEPTH];
	size_t depth = ipp_shell_home(o->name, ctx, IPP_RESOLVE_DEPTH);

	ipp_complete(stdout, ctx, depth, o->words, o->nwords);
	return 0;
}

static int mode_commands(struct opts *o)
{
	ipp_help_commands(stdout);
	return 0;
}

static int mode_version(struct opts *o)
{
	printf("%s (ipsecpol) 0.1.0\n", o->prog);
	return 0;
}

static int mode_help(struct opts *o)
{
	usage(stdout, o->prog);
	return 0;
}

/* Run the shell: a script, the words, or interactive. */
static int mode_shell(struct opts *o)
{
	bool cp_from_env = false;
	struct ipp_shell *sh = NULL;
	struct ipp_error err = { 0 };
	bool script = false;
	FILE *in = stdin;
	/* netsh's failures go where Windows prints them: standard output */
	FILE *errs = o->name == IPP_NAME_NETSH ? stdout : stderr;
	int r;

	if (o->file && o->nwords) {
		fprintf(stderr, "%s: -f FILE and a command cannot be given together\n", o->prog);
		return 2;
	}
	if (o->file && strcmp(o->file, "-") != 0) {
		struct stat sb;

		in = fopen(o->file, "r");
		if (!in) {
			ipp_err(&err, errno, "cannot open \"%s\": %s", o->file, strerror(errno));
			ipp_shell_report(NULL, errs, o->prog, &err);
			return 1;
		}
		if (fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
			ipp_err(&err, EISDIR, "-f \"%s\": is a directory, expected a script file",
				o->file);
			ipp_shell_report(NULL, errs, o->prog, &err);
			fclose(in);
			return 1;
		}
	}
	if ((r = ipp_shell_new(o->root, o->name, stdout, &sh, &err)) < 0) {
		ipp_shell_report(NULL, errs, o->prog, &err);
		if (in != stdin)
			fclose(in);
		return 1;
	}
	ipp_shell_set_errors(sh, errs);
	/* (a batch file's prompts read standard input, unless the script comes from there) */
	if (in != stdin || o->nwords || isatty(fileno(stdin)))
		ipp_shell_set_answers(sh, stdin);
	if (!o->codepage && getenv("IPSECPOL_CODEPAGE") && *getenv("IPSECPOL_CODEPAGE"))
		o->codepage = getenv("IPSECPOL_CODEPAGE"), cp_from_env = true;
	if (o->codepage && (r = ipp_shell_set_codepage(sh, o->codepage, &err)) < 0) {
		ipp_err_prefix(&err, "%s", cp_from_env ? "IPSECPOL_CODEPAGE" : "--codepage");
		ipp_shell_report(sh, errs, o->prog, &err);
		ipp_shell_free(sh, true, NULL);
		if (in != stdin)
			fclose(in);
		return 2;
	}
	if (o->context && (r = ipp_shell_set_context(sh, o->context, &err)) < 0) {
		ipp_shell_report(sh, errs, o->prog, &err);
		ipp_shell_free(sh, true, NULL);
		if (in != stdin)
			fclose(in);
		return 1;
	}
	if (o->nwords) {
		bool context = false;

		r = ipp_shell_run_words(sh, o->words, o->nwords, &context, &err);
		if (r == 0 && context) {
			/* the words named a context: interactive there, or a script on stdin */
			if (isatty(fileno(stdin))) {
				r = ipp_shell_interactive(sh, stdin, errs, o->prog);
				err.msg[0] = '\0';
			} else {
				script = true;
				ipp_shell_set_answers(sh, NULL); /* (the script is there) */
				r = ipp_shell_run_script(sh, stdin, "<stdin>", &err);
			}
		}
	} else if (o->file || !isatty(fileno(stdin))) {
		script = true;
		if (!o->context)
			ipp_shell_script_start(sh);
		r = ipp_shell_run_script(sh, in, o->file && strcmp(o->file, "-") != 0 ? o->file
										: "<stdin>",
					 &err);
	} else {
		r = ipp_shell_interactive(sh, stdin, errs, o->prog);
		err.msg[0] = '\0';
	}
	if (r < 0 && err.msg[0])
		ipp_shell_report(sh, errs, script ? "" : o->prog, &err);
	if (ipp_shell_free(sh, r < 0, &err) < 0) {
		ipp_shell_report(NULL, errs, o->prog, &err);
		r = -EIO;
	}
	fflush(stdout);
	if (in != stdin)
		fclose(in);
	if (ferror(stdout)) {
		fprintf(stderr, "%s: error writing the output\n", o->prog);
		return 1;
	}
	return r < 0 ? 1 : 0;
}

/* Options that pick a mode instead of running the shell. */
static const struct {
	const char *opt;
	int (*fn)(struct opts *o);
	bool takes_words;
} modes[] = {
	{ "--complete", mode_complete, true }, /* hidden: used by the bash completion */
	{ "--commands", mode_commands, false }, /* hidden: every command path of the table */
	{ "--help", mode_help, false },
	{ "-h", mode_help, false },
	{ "--version", mode_version, false },
};

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int i;

	/* a file size limit makes writes fail (EFBIG, reported) instead of killing the
	 * program in the middle of one */
	signal(SIGXFSZ, SIG_IGN);

	o.prog = argc > 0 ? basename(argv[0]) : "ipsecpol";
	o.name = strcmp(o.prog, "netsh") == 0 ? IPP_NAME_NETSH : IPP_NAME_IPSECPOL;
	o.prog = o.name == IPP_NAME_NETSH ? "netsh" : "ipsecpol";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--root") == 0 || strcmp(a, "-f") == 0 || strcmp(a, "-c") == 0 ||
		    strcmp(a, "--codepage") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s: %s needs an argument\n", o.prog, a);
				return 2;
			}
			*(a[1] == 'f'	? &o.file
			  : a[1] == 'c' ? &o.context
			  : a[2] == 'c' ? &o.codepage
					: &o.root) = argv[++i];
			continue;
		}
		if (strncmp(a, "--codepage=", 11) == 0) {
			o.codepage = a + 11;
			continue;
		}
		/* netsh's options for other machines and alias files */
		if (strcmp(a, "-r") == 0 || strcmp(a, "-u") == 0 || strcmp(a, "-p") == 0 ||
		    strcmp(a, "-a") == 0) {
			fprintf(
			    stderr, "%s: %s: %s are not supported; run %s on the machine itself\n",
			    o.prog, a,
			    a[1] == 'a' ? "alias files" : "remote machines and their credentials",
			    o.prog);
			return 2;
		}
		if (strncmp(a, "--root=", 7) == 0) {
			o.root = a + 7;
			continue;
		}
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			if (strcmp(a, modes[m].opt) != 0)
				continue;
			if (modes[m].takes_words) {
				o.words = argv + i + 1;
				o.nwords = (size_t)(argc - i - 1);
			}
			return modes[m].fn(&o);
		}
		if (a[0] == '-' && a[1] != '\0' && a[1] != '?') {
			fprintf(stderr, "%s: unknown option \"%s\"\n", o.prog, a);
			usage(stderr, o.prog);
			return 2;
		}
		break;
	}
	o.words = argv + i;
	o.nwords = (size_t)(argc - i);
	return mode_shell(&o);
}
