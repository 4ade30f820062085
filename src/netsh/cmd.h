/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd.h - what a command handler of the shell receives.
 *
 * Every command of the table (cmdtable.c) has one handler:
 *
 *     int handler(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
 *                 struct ipp_error *err);
 *
 * - @sh: the shell (its installation paths, store database, current store).
 * - @a: the arguments, bound and checked by the table: each one has its
 *   parameter's canonical tag (abbreviations already resolved) and its
 *   value (enumerated values in their canonical lower-case spelling, e.g.
 *   "yes", "permit"; other values as typed, quotes removed).  They are in
 *   command-line order, which matters for repeatable tags (rootca) and for
 *   the preference order of authentication methods.  Required parameters
 *   are present; no tag appears twice unless the table allows it.
 * - @out: where the command writes its output.
 * - @err: filled on failure.
 *
 * It returns 0 or a negative errno with @err filled: a message naming the
 * offending tag or value in quotes and what was expected.  The shell adds
 * the source (FILE:LINE or the program name) and the command's name, and
 * runs every store-writing command in one transaction that it rolls back on
 * failure, so a handler simply returns on the first error.
 *
 * Everything a handler gets is borrowed and valid for the call only.
 */
#ifndef IPP_NETSH_CMD_H
#define IPP_NETSH_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/err.h"
#include "../common/paths.h"
#include "../store/store.h"

struct ipp_shell; /* opaque: shell.h */
struct ipp_param; /* cmdtable.h */

#define IPP_MAX_ARGS 64

struct ipp_arg {
	const struct ipp_param *param; /* the table's parameter */
	const char *tag;               /* canonical tag (== param->tag) */
	const char *value;             /* canonical value (see above) */
	const char *text;              /* the token as written, for messages */
	int col;                       /* its column (argv: word index) */
};

struct ipp_args {
	const char *cmd;               /* the command's name, e.g. "add filter" */
	struct ipp_arg v[IPP_MAX_ARGS];
	size_t n;
};

typedef int (*ipp_cmd_fn)(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			  struct ipp_error *err);

/* The value of the first argument with canonical tag @tag, or NULL. Borrowed. */
const char *ipp_args_get(const struct ipp_args *a, const char *tag);
/* Is @value UTF-8 text?  -EINVAL naming @tag and the first byte that is not. */
int ipp_value_utf8_check(const char *tag, const char *value, struct ipp_error *err);
/* The argument itself (for its text and column), or NULL. Borrowed. */
const struct ipp_arg *ipp_args_find(const struct ipp_args *a, const char *tag);
/* Is @tag given? */
bool ipp_args_has(const struct ipp_args *a, const char *tag);

/*
 * Typed getters: when @tag is absent they return 0 and leave *ret alone,
 * so the caller presets the default.  A malformed value gives -EINVAL
 * naming the tag and the value.
 */
int ipp_args_bool(const struct ipp_args *a, const char *tag, bool *ret, struct ipp_error *err);
int ipp_args_u32(const struct ipp_args *a, const char *tag, uint32_t *ret,
		 struct ipp_error *err);

/* ---------- what a handler may ask of the shell ---------- */

/* The installation's paths (--root). Borrowed, valid for the shell's life. */
const struct ipp_paths *ipp_shell_paths(const struct ipp_shell *sh);
/*
 * A note or warning (@kind) about the command being run, one line: to @out,
 * or, for a line of a script, where the script's failures go, after its
 * FILE:LINE.
 */
void ipp_shell_note(const struct ipp_shell *sh, FILE *out, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * The SSH session check ran for the command being run (an assignment):
 * the shell does not check its change again; @forced (force=yes): nor the
 * rest of the batch it is in.
 */
void ipp_shell_session_checked(struct ipp_shell *sh, bool forced);
/* The store chosen with `set store` (default local). */
enum ipp_store_loc ipp_shell_store(const struct ipp_shell *sh);
/* The domain given with `set store location=domain domain=NAME`, or "". Borrowed. */
const char *ipp_shell_domain(const struct ipp_shell *sh);

/*
 * The policy database, opened (and, with @create, created with its
 * directories) on first use.  *ret is borrowed: the shell closes it.
 * Without @create, a database that does not exist yet gives 0 and
 * *ret = NULL (read-only commands show an empty store).
 */
int ipp_shell_db(struct ipp_shell *sh, bool create, struct ipp_db **ret, struct ipp_error *err);

/*
 * A snapshot of store @loc; an empty one when the database does not exist
 * yet.  *ret owned by the caller: ipp_snapshot_free().
 */
int ipp_shell_load(struct ipp_shell *sh, enum ipp_store_loc loc, struct ipp_snapshot **ret,
		   struct ipp_error *err);
/* The same with ipp_db_load_ex()'s @flags (IPP_LOAD_ASSIGNED: what is enforced only). */
int ipp_shell_load_ex(struct ipp_shell *sh, enum ipp_store_loc loc, unsigned flags,
		      struct ipp_snapshot **ret, struct ipp_error *err);

#endif
