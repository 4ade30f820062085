/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdtable.h - the one command table of the shell, and what it drives.
 *
 * The netsh grammar is a tree: contexts (netsh -> ipsec -> static, dynamic)
 * hold groups (add, set, delete, show) and commands; a command lists its
 * parameters in Windows' usage order, each with a type, a required flag and
 * whether it may repeat.  The same tree drives parsing (command-word
 * abbreviation, tag binding, value checks), the generated help and `?`
 * text, and shell completion; there is no second list anywhere.
 *
 * Matching rules (reference section 1.3, DESIGN.md "netsh behaviours"):
 * - command and context words: case-insensitive; an exact match wins, else
 *   a unique prefix; a prefix of several words is an error listing them;
 * - tags: an exact match wins, else the first tag in usage order of which
 *   the written tag is a prefix (`srca=` is srcaddr, `filter=` in add rule
 *   is filterlist);
 * - a tagless value binds to the first parameter, in usage order, not yet
 *   given (alternatives such as "name | guid" count as given once one of
 *   them is), except that a word equal to a keyword parameter of the command
 *   (`all`, `default`) is that keyword;
 * - enumerated values: exact, else unique prefix (`y` = yes, `perm` =
 *   permit), else an error listing the legal values.
 *
 * All tables are static data; nothing here allocates except where stated.
 */
#ifndef IPP_NETSH_CMDTABLE_H
#define IPP_NETSH_CMDTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cmd.h"
#include "lexer.h"

#define IPP_RESOLVE_DEPTH 8

enum ipp_ptype {
	IPP_PT_INVALID = 0,
	IPP_PT_STRING,  /* any text */
	IPP_PT_NAME,    /* an object name (string; "all" reserved) */
	IPP_PT_INT,     /* unsigned decimal, 0..4294967295 */
	IPP_PT_ENUM,    /* one of param->values, prefix-matched */
	IPP_PT_KEYWORD, /* a bare word such as `all`: no value, never tagged */
	IPP_PT_ADDR,    /* me, any, server type, IP, range or DNS name */
	IPP_PT_MASK,    /* dotted mask or prefix length */
	IPP_PT_PROTO,   /* any, icmp, tcp, udp, raw or 0..255 */
	IPP_PT_PORT,    /* 0..65535 */
	IPP_PT_GUID,    /* {XXXXXXXX-...} */
	IPP_PT_MMSEC,   /* main mode offers list */
	IPP_PT_QMSEC,   /* quick mode offers list */
	IPP_PT_ROOTCA,  /* "<DN> certmap:yes|no excludecaname:yes|no" */
	IPP_PT_FILE,    /* a path */
	IPP_PT_HOST,    /* an IP address or a DNS name */
};

/* Parameter flags. */
#define IPP_PF_REQ 0x1   /* required (for a group: one of the group is required) */
#define IPP_PF_MULTI 0x2 /* may be given several times (rootca) */
/* only with its tag: a value without one never binds to it (beyond netsh's usage: a stray
   word at the end of a Windows script line is not taken for it) */
#define IPP_PF_TAGGED 0x4

struct ipp_param {
	const char *tag;
	enum ipp_ptype type;
	unsigned flags;
	unsigned group;            /* non-zero: alternatives of one slot ("name | guid | all") */
	const char *const *values; /* IPP_PT_ENUM: legal values, canonical spelling, NULL-ended */
	const char *help;          /* one line for the help text */
};

enum ipp_node_kind {
	IPP_NODE_INVALID = 0,
	IPP_NODE_CONTEXT, /* netsh, ipsec, static, dynamic: changes the prompt */
	IPP_NODE_GROUP,   /* add, set, delete, show: holds commands */
	IPP_NODE_CMD,     /* a command with parameters and a handler */
};

/* Built-in shell commands, run by the shell itself on the raw words. */
enum ipp_builtin {
	IPP_BI_NONE = 0,
	IPP_BI_HELP, /* help, ? */
	IPP_BI_UP,   /* .. */
	IPP_BI_PUSHD,
	IPP_BI_POPD,
	IPP_BI_EXIT, /* exit, quit, bye */
	IPP_BI_EXEC, /* exec FILE: run a script */
};

/* Command flags. */
#define IPP_CMD_WRITE 0x1  /* changes the current store: one transaction; refused on domain */
#define IPP_CMD_HIDDEN 0x2 /* not listed in help or completion */
#define IPP_CMD_BATCH 0x4  /* set batch: the shell handles the transaction itself */

struct ipp_node {
	const char *name;
	enum ipp_node_kind kind;
	const char *help;               /* one line */
	const struct ipp_node *children; /* CONTEXT, GROUP: ended by a NULL name */
	const struct ipp_param *params;  /* CMD: usage order, ended by a NULL tag */
	ipp_cmd_fn fn;                   /* CMD */
	enum ipp_builtin builtin;        /* CMD run by the shell */
	unsigned flags;
	const char *remarks;             /* extra help text, or NULL */
};

/* The root of the tree: the `netsh` context. */
extern const struct ipp_node ipp_root;
/* Commands every context inherits: ?, help, .., pushd, popd, exit, quit, bye. */
extern const struct ipp_node ipp_generic_cmds[];

/*
 * The context of Windows Server 2003's netsh that @word (@len bytes) names at
 * netsh's root, as netsh resolves it there (exact, else a prefix no other
 * word of its root starts), when it is one ipsecpol does not provide
 * (interface, firewall, ras, winsock ...): its name (static); else NULL.
 */
const char *ipp_netsh_foreign_context(const char *word, size_t len);

/* Legal values shared by several parameters. */
extern const char *const ipp_values_yesno[];

/*
 * Find @word among @children (and, with @generic, the generic commands too):
 * exact match, else unique prefix.  Returns the node, or NULL with @err
 * filled: "ambiguous command "s": set, show" (-EINVAL) or nothing when no
 * word matches (err->code left 0, so the caller can search a parent).
 */
const struct ipp_node *ipp_node_match(const struct ipp_node *children, bool generic,
				      const char *word, struct ipp_error *err);

/*
 * Resolve a tag written @tag for command @cmd: exact, else the first tag in
 * usage order of which @tag is a prefix.  NULL when none (keywords never
 * match a tag).
 */
const struct ipp_param *ipp_param_match(const struct ipp_node *cmd, const char *tag);

/*
 * Match @value against an enumerated parameter's legal values.  Returns the
 * canonical spelling (static storage) or NULL with @err filled (unknown or
 * ambiguous value, listing the legal ones).
 */
const char *ipp_enum_match(const struct ipp_param *p, const char *value, struct ipp_error *err);

/*
 * Bind @n tokens to @cmd's parameters (the rules above) and check every
 * value's form.  @ret->v point into @toks (and static tables): valid while
 * @toks lives.  @cmdname is copied by pointer into ret->cmd.  On failure
 * returns -EINVAL, fills @err naming the token, and sets *ret_col (when
 * non-NULL) to the offending token's column.
 */
int ipp_bind(const struct ipp_node *cmd, const char *cmdname, const struct ipp_token *toks,
	     size_t n, struct ipp_args *ret, int *ret_col, struct ipp_error *err);

/* ---------- resolving the command words of a line ---------- */

/* Where a line's command words lead. */
struct ipp_resolved {
	const struct ipp_node *ctx[IPP_RESOLVE_DEPTH]; /* contexts from the root */
	size_t depth;
	const struct ipp_node *group;  /* the group (add, set, ...) or NULL */
	const struct ipp_node *node;   /* the last word's node: context, group or command */
	size_t consumed;               /* tokens used by the command words */
	bool help;                     /* a "?" (or "/?", "-?") word follows */
	char name[128];                /* "add filter", "dump", "ipsec static" */
};

/*
 * Resolve the command words of @t, typed in context @ctx (contexts from the
 * root, @depth long).  A leading "netsh" (or "netsh.exe") word starts at the
 * root.  The first word is looked up in the current context and the generic
 * commands, then in each parent context in turn (netsh's command
 * inheritance); the following words go down from there.  Stops at the first tagged token, at a command,
 * or at the end.  A line with no words resolves to the context it started
 * in; words that end on a group (`add`) resolve to the group, which the
 * caller refuses unless help was asked.  Errors (-EINVAL) name the word:
 * not found, or ambiguous (listing the candidates).
 */
int ipp_resolve(const struct ipp_node *const *ctx, size_t depth, const struct ipp_tokens *t,
		struct ipp_resolved *ret, struct ipp_error *err);

/* ---------- generated help and completion (help.c) ---------- */

/* The usage line of a command: "add filter [filterlist=]<string> ...". */
void ipp_help_usage(FILE *out, const char *path, const struct ipp_node *cmd);
/*
 * Help for a node: a context or group lists its commands with their one-line
 * help (@path is how the user reaches it, e.g. "add"); a command prints
 * its usage, a table of its parameters and its remarks.  @inherited lists
 * the contexts above (innermost first, NULL-ended) whose commands are also
 * valid here; may be NULL.
 */
void ipp_help_node(FILE *out, const char *path, const struct ipp_node *node,
		   const struct ipp_node *const *inherited);

/*
 * Completion: the candidates for the last of @n words (it may be ""), when
 * the words are typed in context @ctx (a path of nodes from the root,
 * @depth long).  Candidates are written one per line; tags are offered
 * as "tag=", enumerated values as "tag=value".
 */
void ipp_complete(FILE *out, const struct ipp_node *const *ctx, size_t depth,
		  char *const *words, size_t n);

/* Every command path of the tree, one per line ("ipsec static add filter"). */
void ipp_help_commands(FILE *out);

#endif
