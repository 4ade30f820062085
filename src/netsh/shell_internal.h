/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shell_internal.h - the shell's state, shared by shell.c (contexts,
 * scripts, transactions) and batch.c (batch files as cmd.exe runs them).
 */
#ifndef IPP_NETSH_SHELL_INTERNAL_H
#define IPP_NETSH_SHELL_INTERNAL_H

#include <iconv.h>
#include <stdint.h>
#include <sys/types.h>

#include "shell.h"

/* A variable of a batch file, as its set command gave it. */
struct bat_var {
	char *name; /* (cmd.exe's names are not case-sensitive) */
	char *value;
};

struct ctxpath {
	const struct ipp_node *v[IPP_RESOLVE_DEPTH];
	size_t depth;
};

/* A batch file's directory kept to go back to (pushd, setlocal): its path (NULL: unknown). */
struct ipp_bat_dir {
	char *path;
	bool unknown;
};

struct ipp_shell {
	struct ipp_paths paths;
	enum ipp_shell_name name;
	FILE *out;
	struct ipp_db *db;
	bool db_ro; /* opened read-only: the file could not be opened for writing */
	enum ipp_store_loc loc;
	char domain[256];
	bool batch;	    /* an outer transaction is open */
	bool batch_refused; /* the last line's set batch mode=enable failed */
	struct ctxpath ctx; /* current context */
	struct ctxpath home;
	struct ctxpath stack[IPP_PUSHD_MAX];
	size_t nstack;
	bool exit;	     /* exit, quit or bye was given */
	int err_col;	     /* column of the token an error is about, 0 if none */
	FILE *errf;	     /* scripts: report failing lines here and go on (NULL: stop) */
	FILE *answers;	     /* a batch file's prompts read here (borrowed; NULL: none) */
	unsigned exec_depth; /* scripts being run by exec */
	unsigned summarized; /* the error returned is a script's summary of this many failures
				its lines reported already (0: not a summary) */
	const char *where;   /* the script and line being run (NULL: none), for notes */
	unsigned where_line;
	/* the SSH session check of store changes (ipp_st_session_guard()) */
	uint64_t batch_since; /* the journal's last entry when the batch began */
	bool session_checked; /* the command checked its own change (an assignment) */
	bool session_forced;  /* ... with force=yes: the batch it is in is not checked */
	bool script_ran_ok;   /* the last script run had a command that did not fail */
	unsigned bat_said;    /* failures of a batch file's line said before its last */
	bool bat_ok;	      /* a command of the batch file's line did not fail */
	bool bat_last_failed; /* the last command a batch file ran failed (its status) */
	long bat_exit_code;   /* the code an exit of a batch file gave, when bat_exit_set */
	bool bat_exit_set;
	bool bat_exited;	  /* an exit (not a stop) ended the batch file */
	struct bat_var *bat_vars; /* what the batch file's set commands gave (owned) */
	size_t bat_nvars;
	long bat_errorlevel; /* cmd.exe's errorlevel in the batch file being run: set it with
				ipp_bat_el_set() */
	unsigned long bat_el_writes; /* ... how many times it was set (a value known again) */
	/* the errorlevel is what find or findstr said of a program's output (unknown) while
	   bat_el_writes is still bat_el_unknown_at (a called file's too: its caller's then) */
	bool bat_el_unknown;
	unsigned long bat_el_unknown_at;
	unsigned bat_el_line; /* ... the line of that find */
	/* how a script's or batch file's netsh command line runs: ipp_shell_exec_line()
	 * (the batch fuzzer gives one that only parses) */
	int (*bat_exec)(struct ipp_shell *sh, const char *line, struct ipp_error *err);
	unsigned long bat_steps_max; /* commands a batch file may run (0: BAT_STEPS_MAX) */
	bool bat_called; /* the next batch file run is called by another: its variables */
	const char *bat_call_args; /* ... and its arguments (borrowed) */
	bool bat_call_delayed;	   /* ... and the caller's delayed expansion */
	bool bat_stopped;	   /* a batch file stopped (what cannot be followed): its
				      callers stop too */
	bool bat_exit_all; /* exit (without /b) in a called batch file: cmd.exe ends, its
			      callers too */
	/* a batch file's current directory (cd, pushd, popd): followed into a directory
	 * here, unknown after one of Windows' (relative paths are then Windows' too) */
	unsigned bat_runs;    /* batch files being run */
	int bat_home_fd;      /* the directory the first began in (put back at its end) */
	bool bat_cwd_unknown; /* a cd to a directory of Windows' */
	struct ipp_bat_dir *bat_pushd; /* pushd's directories (owned) */
	size_t bat_npushd, bat_pushd_cap;
	iconv_t cp; /* scripts' code page into UTF-8 ((iconv_t)-1: none) */
	char cpname[32];
};

/* Set the batch file's errorlevel (a value known from now on: batch.c). */
static inline void ipp_bat_el_set(struct ipp_shell *sh, long v)
{
	sh->bat_errorlevel = v;
	sh->bat_el_writes++;
}

/*
 * A script line of the code page set (ipp_shell_set_codepage()) into UTF-8,
 * in place (*@buf, malloc'ed, replaced by a new one: the caller's to free).
 * -EILSEQ when it holds what that code page does not, -ENOMEM.
 */
int ipp_shell_from_codepage(struct ipp_shell *sh, char **buf, size_t *cap, ssize_t *len);

#define IPP_EXEC_DEPTH 8 /* scripts run by scripts (exec, netsh -f, call other.bat) */

/* One line of a script as read: its text, or why it cannot be run. */
struct ipp_script_line {
	char *text;	      /* the line (CR LF gone, ^ continuations joined); NULL: see fault */
	unsigned lineno;      /* its place (the first line of a continued one) */
	int fault;	      /* text NULL: the failure (-errno) ... */
	bool fatal;	      /* ... which stops the script there */
	struct ipp_error err; /* ... and its message */
};

/* What a script's run counts, for its summary. */
struct ipp_script_acct {
	const char *name; /* the script, for messages */
	bool bat;	  /* a batch file */
	unsigned nfailed; /* failing commands reported */
	int first;	  /* the first failure */
	bool ran_ok;	  /* some command did not fail */
};

/*
 * Line @lineno of a script failed (@r < 0, @err says why; @line_fault: it
 * could not be run at all; @in_batch: a batch of netsh's was open when it
 * began): said and counted, 0 (the script goes on), or @r when the script
 * stops there (no error stream, or a batch could not go on).
 */
int ipp_script_failed(struct ipp_shell *sh, struct ipp_script_acct *a, int r, struct ipp_error *err,
		      unsigned lineno, bool line_fault, bool in_batch);

/* Is @name a Windows batch file (.bat, .cmd)? */
bool ipp_bat_file(const char *name);
/* Is @cp a double-byte code page (a character's second byte may be 0x5e)? 2 Shift_JIS, 1 others, 0
 * no. */
int ipp_bat_dbcs_kind(const char *cp);
/*
 * A batch file's line continued (a ^ at its end, outside double quotes, as
 * cmd.exe reads it): the caret goes (*@len one less), true; the caller joins the
 * next line on.  @dbcs: ipp_bat_dbcs_kind() of the script's code page.
 */
bool ipp_bat_continued(char *line, ssize_t *len, int dbcs);
/*
 * Run a batch file's lines @v (@n of them, borrowed) as cmd.exe runs them
 * (@called: by another batch file's call, whose variables it shares);
 * failing lines are said and counted in @a.  0, or the failure that stopped
 * the file (@err).
 */
int ipp_bat_run(struct ipp_shell *sh, const struct ipp_script_line *v, size_t n, bool called,
		struct ipp_script_acct *a, struct ipp_error *err);
/* Forget the batch file's variables. */
void ipp_bat_vars_clear(struct ipp_shell *sh);

#endif
