/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shell.h - the netsh shell: one-shot commands, scripts, interactive use.
 *
 * The three modes run every line through one function (ipp_shell_exec):
 * tokens -> command (relative to the current context, searching the
 * parent contexts too, as netsh's command inheritance does; a leading
 * `netsh` word starts at the root) -> bound arguments -> handler, inside
 * one store transaction for commands that write.
 *
 * State kept for the life of a shell: the current context and the pushd
 * stack, the store chosen with `set store` (default local), and batch mode
 * (`set batch mode=enable` opens one outer transaction that `disable`, or
 * the end of the script or shell, commits; a command failing inside a batch
 * rolls the whole batch back and ends batch mode).
 *
 * Output goes to the FILE *out given at creation; the shell itself never
 * writes to stderr: failures come back in struct ipp_error, except in the
 * interactive loop, which writes them to the FILE *errf it is given.
 */
#ifndef IPP_NETSH_SHELL_H
#define IPP_NETSH_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#include "cmd.h"
#include "cmdtable.h"

#define IPP_CTX_DEPTH 8
#define IPP_PUSHD_MAX 32

/* What the program was called as: the words start at the ipsec context or at netsh's root. */
enum ipp_shell_name { IPP_NAME_IPSECPOL = 0, IPP_NAME_NETSH };

/*
 * A new shell for the installation under @root (NULL: $IPSECPOL_ROOT or /).
 * Its home context (where one-shot words, scripts and the interactive
 * prompt start) is `ipsec static` for ipsecpol and the root for netsh;
 * scripts of both start in `ipsec static` (ipp_shell_script_start).  Nothing is opened yet.  @out is
 * borrowed for the shell's life.  *ret owned by the caller: ipp_shell_free().
 */
int ipp_shell_new(const char *root, enum ipp_shell_name name, FILE *out,
		  struct ipp_shell **ret, struct ipp_error *err);

/*
 * Scripts (-f, exec, standard input) are text of Windows code page @cp ("936",
 * or an iconv name such as "GBK"), as netsh reads them on a Windows of that
 * code page: their lines that are not UTF-8 are turned into UTF-8.  -EINVAL
 * when the system cannot convert from it.
 */
int ipp_shell_set_codepage(struct ipp_shell *sh, const char *cp, struct ipp_error *err);

/*
 * End the shell: commits an open batch (unless @rollback), closes the
 * database.  Returns the commit's result; the shell is freed either way.
 * NULL-safe.
 */
int ipp_shell_free(struct ipp_shell *sh, bool rollback, struct ipp_error *err);

/*
 * Run one command line (already split into tokens).  The tokens are only
 * read.  On failure err->msg reads "<command>: <message>" and the store is
 * as before the command.
 */
int ipp_shell_exec(struct ipp_shell *sh, const struct ipp_tokens *t, struct ipp_error *err);

/* Lex and run one line (a script line or an interactive line). */
int ipp_shell_exec_line(struct ipp_shell *sh, const char *line, struct ipp_error *err);

/*
 * The one-shot mode: @words (argv after the options) are the command.
 * Words that only name a context (`ipsecpol dynamic`, `netsh ipsec`) move
 * the shell there and set *ret_context: the caller then runs the
 * interactive loop or a script in that context.
 */
int ipp_shell_run_words(struct ipp_shell *sh, char *const *words, size_t n, bool *ret_context,
			struct ipp_error *err);

/*
 * Run a script from @in, named @name in messages.  With an error stream set
 * (ipp_shell_set_errors), a failing line is reported there as
 * "NAME:LINE: <command>: <message>" and the script goes on, as netsh does;
 * the result is then an error counting the failed lines.  Without one, or
 * when the failing command is inside a batch (one transaction, undone
 * whole), the script stops: err->msg then reads "NAME:LINE: ...".
 * exit/quit/bye end the script successfully.  An open batch is committed at
 * the end of a successful script and rolled back after a failure.
 */
int ipp_shell_run_script(struct ipp_shell *sh, FILE *in, const char *name,
			 struct ipp_error *err);

/*
 * A file @path that a netsh command (@what) of a batch file names: -EINVAL, said
 * in @err, when it is relative and the batch file went into a directory of
 * Windows' (where it leads is not known); else 0.
 */
int ipp_shell_path_here(const struct ipp_shell *sh, const char *what, const char *path,
			struct ipp_error *err);

/* Where scripts report failing lines and go on; NULL (the default): stop at the first. */
void ipp_shell_set_errors(struct ipp_shell *sh, FILE *errf);

/*
 * Where a batch file's prompts (set /p, choice, pause) read their answers, as
 * cmd.exe reads them from its standard input: @in (borrowed), or NULL (the
 * default: nobody answers; a prompt without a default stops the file).
 */
void ipp_shell_set_answers(struct ipp_shell *sh, FILE *in);

/*
 * Print a failure on @f, as the program's name wants it: as netsh,
 * "ERR IPsec[NNNNN] : <message>" (err->ipsec_code; "ERR IPsec : <message>"
 * without one), the form scripts written against Windows look for; as
 * ipsecpol, "<prog>: <message>" (@prog NULL or "": the message alone).
 * A script's summary of the failures its lines reported goes as ipsecpol's
 * either way.  @sh may be NULL (treated as ipsecpol).
 */
void ipp_shell_report(const struct ipp_shell *sh, FILE *f, const char *prog,
		      const struct ipp_error *err);

/* netsh -c CONTEXT: move to the context @path names ("ipsec static"), from the current one. */
int ipp_shell_set_context(struct ipp_shell *sh, const char *path, struct ipp_error *err);

/*
 * The interactive loop: prompt "netsh ipsec static>" on the shell's output,
 * read lines from @in until EOF or exit; failures are written to @errf
 * (ipp_shell_report(): "<prog>: <command>: <message>" as ipsecpol) and the
 * loop goes on.  Returns 0, or
 * -EIO when the last command failed (for the exit status).
 */
int ipp_shell_interactive(struct ipp_shell *sh, FILE *in, FILE *errf, const char *prog);

/* Move to the context where scripts start: `ipsec static`, whatever the program's name. */
void ipp_shell_script_start(struct ipp_shell *sh);

/* Is the shell in its home context (words that were only a context move it)? */
bool ipp_shell_at_home(const struct ipp_shell *sh);

/* ---------- for the handlers and the table ---------- */

/* `set store`: select @loc for the following commands; @domain may be NULL. */
void ipp_shell_set_store(struct ipp_shell *sh, enum ipp_store_loc loc, const char *domain);

/* `set batch` (run by the shell: it owns the transaction). */
int ipp_shell_cmd_set_batch(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			    struct ipp_error *err);

/* The home context path of @name (for completion): fills @ret, returns its depth. */
size_t ipp_shell_home(enum ipp_shell_name name, const struct ipp_node **ret, size_t max);

#endif
