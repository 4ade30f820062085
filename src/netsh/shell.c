/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shell.c - contexts, scripts, the interactive loop, transactions.
 */
#include "shell_internal.h"

#include <errno.h>
#include <iconv.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../common/notify.h"
#include "../common/utf8.h"
#include "static_cmds.h"

/* Is the shell run in an SSH session, whose cut-off changes of the stores are refused? */
static bool in_ssh_session(void)
{
	const char *v = getenv("SSH_CONNECTION");

	return v && *v;
}

void ipp_shell_session_checked(struct ipp_shell *sh, bool forced)
{
	sh->session_checked = true;
	sh->session_forced |= forced;
}

/*
 * While a batch is open, an interrupt (Ctrl-C) or a hangup ends the shell
 * with nothing of the batch written, as the end of an unfinished
 * transaction does: said, not silent.
 */
static void batch_interrupted(int sig)
{
	static const char msg[] = "\nipsecpol: interrupted: the open batch was discarded "
				  "(none of its changes were written)\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)w;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void batch_signals(bool open)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	static struct sigaction saved[3];
	static bool on;
	struct sigaction sa = {.sa_handler = batch_interrupted};

	if (open == on)
		return;
	for (size_t i = 0; i < 3; i++) {
		if (open)
			(void)sigaction(sigs[i], &sa, &saved[i]);
		else
			(void)sigaction(sigs[i], &saved[i], NULL);
	}
	on = open;
}

/*
 * Commit the batch open in @sh's database: after the SSH session check of all
 * it changed.  On failure the batch is rolled back and over.
 */
static int batch_commit(struct ipp_shell *sh, struct ipp_error *err)
{
	int r = 0;

	sh->batch = false;
	batch_signals(false);
	if (in_ssh_session() && !sh->session_forced)
		r = ipp_st_session_guard(sh, sh->db, sh->batch_since, err);
	if (r == 0)
		r = ipp_db_commit(sh->db, err);
	if (r < 0)
		ipp_db_rollback(sh->db);
	return r;
}

/* Scripts that exec may run inside one another. */

/*
 * After a committed store change: a running agent applies it at once.  No
 * agent is no error (it reads the stores when it starts), nor is any other
 * failure to tell it: the change itself is committed.
 */
static void notify_agent(const struct ipp_shell *sh)
{
	ipp_notify_agent(&sh->paths, NULL);
}

static const char *const domain_ro =
	"the domain store is read-only; it is filled from the directory";

size_t ipp_shell_home(enum ipp_shell_name name, const struct ipp_node **ret, size_t max)
{
	size_t n = 0;

	if (max < 3)
		return 0;
	ret[n++] = &ipp_root;
	if (name == IPP_NAME_IPSECPOL) {
		const struct ipp_node *ipsec = ipp_node_match(ipp_root.children, false, "ipsec", NULL);

		ret[n++] = ipsec;
		ret[n++] = ipp_node_match(ipsec->children, false, "static", NULL);
	}
	return n;
}

/* The `ipsec static` context, where scripts start. */
static void static_ctx(struct ctxpath *c)
{
	c->depth = ipp_shell_home(IPP_NAME_IPSECPOL, c->v, IPP_RESOLVE_DEPTH);
}

int ipp_shell_new(const char *root, enum ipp_shell_name name, FILE *out,
		  struct ipp_shell **ret, struct ipp_error *err)
{
	struct ipp_shell *sh = calloc(1, sizeof(*sh));
	int r;

	if (!sh)
		return ipp_err(err, ENOMEM, "out of memory");
	if ((r = ipp_paths_init(root, &sh->paths, err)) < 0) {
		free(sh);
		return r;
	}
	sh->name = name;
	sh->out = out;
	sh->loc = IPP_STORE_LOCAL;
	sh->home.depth = ipp_shell_home(name, sh->home.v, IPP_RESOLVE_DEPTH);
	sh->ctx = sh->home;
	sh->cp = (iconv_t)-1;
	sh->bat_exec = ipp_shell_exec_line;
	*ret = sh;
	return 0;
}

int ipp_shell_set_codepage(struct ipp_shell *sh, const char *cp, struct ipp_error *err)
{
	char name[sizeof(sh->cpname)];
	iconv_t cd;

	if (!cp || !*cp || strlen(cp) >= sizeof(name) - 2)
		return ipp_err(err, EINVAL, "\"%s\" is not a code page", cp ? cp : "");
	/* 936 is Windows' CP936; a name (GBK, WINDOWS-1252) is iconv's */
	if (strspn(cp, "0123456789") == strlen(cp)) {
		/* Windows' numbers of code pages iconv names otherwise */
		static const struct {
			const char *num, *name;
		} alias[] = {
		    {"65001", "UTF-8"},	  {"54936", "GB18030"}, {"1200", "UTF-16LE"},
		    {"1201", "UTF-16BE"}, {"20127", "ASCII"},	{"51936", "EUC-CN"},
		    {"20932", "EUC-JP"},  {"51949", "EUC-KR"},	{"10000", "MACINTOSH"},
		    {"20866", "KOI8-R"},  {"21866", "KOI8-U"},	{"50220", "ISO-2022-JP"},
		};

		snprintf(name, sizeof(name), "CP%s", cp);
		for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
			if (!strcmp(cp, alias[i].num))
				snprintf(name, sizeof(name), "%s", alias[i].name);
		/* 28591 ... 28599, 28603, 28605: ISO 8859-1 ... */
		if (strlen(cp) == 5 && !strncmp(cp, "2859", 4))
			snprintf(name, sizeof(name), "ISO-8859-%c", cp[4]);
		else if (!strcmp(cp, "28603") || !strcmp(cp, "28605"))
			snprintf(name, sizeof(name), "ISO-8859-%s", cp[4] == '3' ? "13" : "15");
	} else {
		snprintf(name, sizeof(name), "%s", cp);
	}
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return ipp_err(err, EINVAL,
			       "\"%s\" is not a code page this system converts (iconv knows no "
			       "\"%s\")",
			       cp, name);
	if (sh->cp != (iconv_t)-1)
		iconv_close(sh->cp);
	sh->cp = cd;
	snprintf(sh->cpname, sizeof(sh->cpname), "%s", name);
	return 0;
}

int ipp_shell_from_codepage(struct ipp_shell *sh, char **buf, size_t *cap, ssize_t *len)
{
	size_t inleft = (size_t)*len, outcap = 4 * (size_t)*len + 1, outleft = outcap - 1;
	char *out = malloc(outcap), *in = *buf, *o = out;

	if (!out)
		return -ENOMEM;
	iconv(sh->cp, NULL, NULL, NULL, NULL);
	if (iconv(sh->cp, &in, &inleft, &o, &outleft) == (size_t)-1) {
		free(out);
		return -EILSEQ;
	}
	*o = '\0';
	free(*buf);
	*buf = out;
	*cap = outcap;
	*len = (ssize_t)(o - out);
	return 0;
}

/* Say, once, at the end of @err, that the batch was rolled back. */
static void batch_aborted(struct ipp_error *err)
{
	static const char note[] = " (batch aborted: none of its changes were written)";
	size_t len;

	if (!err || strstr(err->msg, note))
		return;
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, "%s", note);
}

int ipp_shell_free(struct ipp_shell *sh, bool rollback, struct ipp_error *err)
{
	int r = 0;

	if (!sh)
		return 0;
	if (sh->cp != (iconv_t)-1)
		iconv_close(sh->cp);
	if (sh->batch && sh->db) {
		if (rollback) {
			ipp_db_rollback(sh->db);
		} else if ((r = batch_commit(sh, err)) < 0) {
			ipp_err_prefix(err, "set batch: committing the batch at the end");
			batch_aborted(err);
		} else {
			notify_agent(sh);
		}
	}
	ipp_db_close(sh->db);
	ipp_bat_vars_clear(sh);
	free(sh);
	return r;
}

const struct ipp_paths *ipp_shell_paths(const struct ipp_shell *sh)
{
	return &sh->paths;
}

static void flush_before(const struct ipp_shell *sh, FILE *f);

void ipp_shell_note(const struct ipp_shell *sh, FILE *out, const char *kind, const char *fmt, ...)
{
	/* a script's line: where its failures go, with its place */
	FILE *f = sh->where && sh->errf ? sh->errf : out;
	va_list ap;

	flush_before(sh, f);

	if (sh->where && sh->errf)
		fprintf(f, "%s:%u: ", sh->where, sh->where_line);
	fprintf(f, "%s: ", kind);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

enum ipp_store_loc ipp_shell_store(const struct ipp_shell *sh)
{
	return sh->loc;
}

const char *ipp_shell_domain(const struct ipp_shell *sh)
{
	return sh->domain;
}

void ipp_shell_set_store(struct ipp_shell *sh, enum ipp_store_loc loc, const char *domain)
{
	sh->loc = loc;
	snprintf(sh->domain, sizeof(sh->domain), "%s", domain ? domain : "");
}

bool ipp_shell_at_home(const struct ipp_shell *sh)
{
	return sh->ctx.depth == sh->home.depth &&
	       memcmp(sh->ctx.v, sh->home.v, sh->ctx.depth * sizeof(sh->ctx.v[0])) == 0;
}

int ipp_shell_db(struct ipp_shell *sh, bool create, struct ipp_db **ret, struct ipp_error *err)
{
	int r;

	if (sh->db && create && sh->db_ro)
		return ipp_err_ipsec(err, IPP_IPSEC_STORE_OPEN,
				     ipp_err(err, EROFS,
					     "policy database \"%s\" could only be opened for "
					     "reading: nothing can be changed",
					     sh->paths.db));
	if (sh->db) {
		*ret = sh->db;
		return 0;
	}
	if (!create && ipp_db_absent(sh->paths.db)) {
		*ret = NULL;
		return 0;
	}
	if (create && (r = ipp_paths_mkdirs(&sh->paths, err)) < 0)
		return ipp_err_ipsec(err, IPP_IPSEC_STORE_OPEN, r);
	r = ipp_db_open(sh->paths.db, 0, &sh->db, err);
	/* a read-only file system or file: the commands that only read still work */
	if (r < 0 && !create && (r == -EROFS || r == -EACCES || r == -EPERM)) {
		struct ipp_error e = {0};

		if (ipp_db_open(sh->paths.db, IPP_DB_READONLY, &sh->db, &e) == 0) {
			sh->db_ro = true;
			r = 0;
		}
	}
	if (r < 0) {
		sh->db = NULL;
		return ipp_err_ipsec(err, IPP_IPSEC_STORE_OPEN, r);
	}
	*ret = sh->db;
	return 0;
}

int ipp_shell_load(struct ipp_shell *sh, enum ipp_store_loc loc, struct ipp_snapshot **ret,
		   struct ipp_error *err)
{
	return ipp_shell_load_ex(sh, loc, 0, ret, err);
}

int ipp_shell_load_ex(struct ipp_shell *sh, enum ipp_store_loc loc, unsigned flags,
		      struct ipp_snapshot **ret, struct ipp_error *err)
{
	struct ipp_db *db;
	int r;

	if ((r = ipp_shell_db(sh, false, &db, err)) < 0)
		return r;
	if (!db) {
		struct ipp_snapshot *s = calloc(1, sizeof(*s));

		if (!s)
			return ipp_err(err, ENOMEM, "out of memory");
		s->loc = loc;
		*ret = s;
		return 0;
	}
	return ipp_db_load_ex(db, loc, flags, ret, err);
}

/* ---------- set batch ---------- */

int ipp_shell_cmd_set_batch(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			    struct ipp_error *err)
{
	const char *mode = ipp_args_get(a, "mode");
	struct ipp_db *db;
	int r;

	if (strcmp(mode, "enable") == 0) {
		if (sh->batch)
			return 0;
		/* (a script stops when its batch cannot be opened: what follows was meant to be
		 * one transaction, and is not run one command at a time) */
		sh->batch_refused = true;
		if ((r = ipp_shell_db(sh, true, &db, err)) < 0)
			return r;
		if ((r = ipp_db_begin(db, err)) < 0)
			return r;
		sh->batch_refused = false;
		sh->batch_since = 0;
		sh->session_forced = false;
		if (in_ssh_session() && (r = ipp_db_journal_seq(db, &sh->batch_since, err)) < 0) {
			ipp_db_rollback(db);
			return r;
		}
		sh->batch = true;
		batch_signals(true);
		return 0;
	}
	if (!sh->batch)
		return 0;
	if ((r = batch_commit(sh, err)) < 0) {
		ipp_err_prefix(err, "committing the batch");
		batch_aborted(err);
		return r;
	}
	notify_agent(sh);
	return 0;
}

/* ---------- running one command ---------- */

static int run_cmd(struct ipp_shell *sh, const struct ipp_node *cmd, const struct ipp_args *a,
		   struct ipp_error *err)
{
	struct ipp_db *db;
	uint64_t since = 0;
	int r;

	if (!(cmd->flags & IPP_CMD_WRITE))
		return cmd->fn(sh, a, sh->out, err);
	if (sh->loc == IPP_STORE_DOMAIN)
		return ipp_err(err, EROFS, "%s", domain_ro);
	if ((r = ipp_shell_db(sh, true, &db, err)) < 0)
		return r;
	if (sh->batch) {
		/* as netsh's batch mode: a command that fails is reported and changed nothing,
		 * the others are written together when the batch ends (its own savepoint) */
		int batch_depth = ipp_db_tx_depth(db);

		if ((r = ipp_db_begin(db, err)) == 0) {
			r = cmd->fn(sh, a, sh->out, err);
			if (r == 0 && (r = ipp_db_commit(db, err)) == 0)
				return 0;
			/* back to the batch (a handler may have rolled back what it began) */
			while (ipp_db_tx_depth(db) > batch_depth)
				ipp_db_rollback(db);
		}
		if (ipp_db_tx_depth(db) < batch_depth) {
			/* SQLite ended the whole transaction (a full disk, an I/O error) */
			sh->batch = false;
			batch_signals(false);
			batch_aborted(err);
		}
		return r;
	}
	if ((r = ipp_db_begin(db, err)) < 0)
		return r;
	if (in_ssh_session() && (r = ipp_db_journal_seq(db, &since, err)) < 0) {
		ipp_db_rollback(db);
		return r;
	}
	sh->session_checked = sh->session_forced = false;
	r = cmd->fn(sh, a, sh->out, err);
	if (r == 0 && in_ssh_session() && !sh->session_checked)
		r = ipp_st_session_guard(sh, db, since, err);
	if (r < 0) {
		ipp_db_rollback(db);
		return r;
	}
	if ((r = ipp_db_commit(db, err)) < 0) {
		ipp_db_rollback(db);
		return r;
	}
	notify_agent(sh);
	return 0;
}

static void path_name(const struct ctxpath *c, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 1; i < c->depth; i++)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", i > 1 ? " " : "",
					c->v[i]->name);
}

/* Help for the words after `help` (or before `?`), resolved from context @c. */
static int do_help(struct ipp_shell *sh, const struct ctxpath *c, const struct ipp_token *t,
		   size_t n, struct ipp_error *err)
{
	struct ipp_tokens sub = { .v = (struct ipp_token *)t, .n = n };
	const struct ipp_node *inh[IPP_RESOLVE_DEPTH + 1];
	struct ipp_resolved r;
	size_t k = 0;
	char path[256];
	int rc;

	/* "?" words are not part of the path */
	while (sub.n > 0 && !sub.v[sub.n - 1].tag &&
	       (strcmp(sub.v[sub.n - 1].text, "?") == 0 || strcmp(sub.v[sub.n - 1].text, "/?") == 0 ||
		strcmp(sub.v[sub.n - 1].text, "-?") == 0))
		sub.n--;
	if ((rc = ipp_resolve(c->v, c->depth, &sub, &r, err)) < 0)
		return rc;
	if (r.node->kind == IPP_NODE_CONTEXT) {
		for (size_t i = r.depth - 1; i-- > 0;)
			inh[k++] = r.ctx[i];
		inh[k] = NULL;
		ipp_help_node(sh->out, r.name, r.node, inh);
		return 0;
	}
	snprintf(path, sizeof(path), "%s", r.name);
	ipp_help_node(sh->out, path, r.node, NULL);
	return 0;
}

static int set_ctx_words(struct ipp_shell *sh, const struct ipp_token *t, size_t n,
			 const char *what, struct ipp_error *err)
{
	struct ipp_tokens sub = { .v = (struct ipp_token *)t, .n = n };
	struct ipp_resolved r;
	int rc;

	if ((rc = ipp_resolve(sh->ctx.v, sh->ctx.depth, &sub, &r, err)) < 0) {
		ipp_err_prefix(err, "%s", what);
		return rc;
	}
	if (r.node->kind != IPP_NODE_CONTEXT || r.consumed != n)
		return ipp_err(err, EINVAL, "%s: \"%s\" is not a context", what, r.name);
	memcpy(sh->ctx.v, r.ctx, r.depth * sizeof(r.ctx[0]));
	sh->ctx.depth = r.depth;
	return 0;
}

/*
 * exec FILE: the script runs as -f FILE does: from `ipsec static` when exec
 * is given at the root or in `ipsec`, else from the current context; the
 * context and the pushd stack are given back at the end.
 */
int ipp_shell_path_here(const struct ipp_shell *sh, const char *what, const char *path,
			struct ipp_error *err)
{
	if (sh->bat_runs && sh->bat_cwd_unknown && path[0] != '/')
		return ipp_err(
		    err, EINVAL,
		    "%s \"%s\": a relative path after the batch file went into a "
		    "directory of Windows' (cd C:\\...): where it leads is not known here",
		    what, path);
	return 0;
}

static int do_exec(struct ipp_shell *sh, const struct ipp_token *t, size_t n, struct ipp_error *err)
{
	struct ctxpath ctx = sh->ctx;
	size_t nstack = sh->nstack;
	FILE *in;
	int r;

	if (n != 1 || t[0].tag)
		return ipp_err(err, EINVAL, "exec: expected one script file name%s%s%s",
			       n > 1 ? ", not also \"" : "", n > 1 ? t[1].text : "",
			       n > 1 ? "\"" : "");
	if (sh->exec_depth >= IPP_EXEC_DEPTH)
		return ipp_err(err, ELOOP, "exec \"%s\": scripts run by exec nest %d deep",
			       t[0].text, IPP_EXEC_DEPTH);
	if ((r = ipp_shell_path_here(sh, "exec", t[0].text, err)) < 0)
		return r;
	if (!(in = fopen(t[0].text, "r")))
		return ipp_err(err, errno, "exec: cannot open \"%s\": %s", t[0].text,
			       strerror(errno));
	if (sh->ctx.depth <= 2)
		static_ctx(&sh->ctx);
	sh->exec_depth++;
	r = ipp_shell_run_script(sh, in, t[0].text, err);
	sh->exec_depth--;
	fclose(in);
	sh->ctx = ctx;
	sh->nstack = nstack;
	return r;
}

static int builtin(struct ipp_shell *sh, const struct ipp_resolved *r, const struct ipp_token *t,
		   size_t n, struct ipp_error *err)
{
	struct ctxpath c;

	memcpy(c.v, r->ctx, r->depth * sizeof(r->ctx[0]));
	c.depth = r->depth;
	switch (r->node->builtin) {
	case IPP_BI_HELP:
		return do_help(sh, &c, t, n, err);
	case IPP_BI_UP:
		if (n > 0)
			return ipp_err(err, EINVAL, "..: unexpected \"%s\"", t[0].text);
		if (sh->ctx.depth > 1)
			sh->ctx.depth--;
		return 0;
	case IPP_BI_PUSHD:
		if (sh->nstack >= IPP_PUSHD_MAX)
			return ipp_err(err, EINVAL, "pushd: the context stack is full (%d entries)",
				       IPP_PUSHD_MAX);
		sh->stack[sh->nstack] = sh->ctx;
		if (n > 0) {
			int rc = set_ctx_words(sh, t, n, "pushd", err);

			if (rc < 0)
				return rc;
		}
		sh->nstack++;
		return 0;
	case IPP_BI_POPD:
		if (n > 0)
			return ipp_err(err, EINVAL, "popd: unexpected \"%s\"", t[0].text);
		if (sh->nstack == 0)
			return ipp_err(err, EINVAL, "popd: the context stack is empty");
		sh->ctx = sh->stack[--sh->nstack];
		return 0;
	case IPP_BI_EXIT:
		sh->exit = true;
		return 0;
	case IPP_BI_EXEC:
		return do_exec(sh, t, n, err);
	case IPP_BI_NONE:
		break;
	}
	return ipp_err(err, EINVAL, "internal error: unknown built-in command");
}

int ipp_shell_exec(struct ipp_shell *sh, const struct ipp_tokens *t, struct ipp_error *err)
{
	struct ipp_resolved r;
	struct ipp_args *args;
	const struct ipp_token *rest;
	size_t nrest;
	int rc, col = 0;

	sh->err_col = 0;
	if (t->n == 0)
		return 0;
	if ((rc = ipp_resolve(sh->ctx.v, sh->ctx.depth, t, &r, err)) < 0) {
		sh->err_col = t->v[0].col;
		return rc;
	}
	rest = t->v + r.consumed;
	nrest = t->n - r.consumed;

	if (r.node->kind == IPP_NODE_CMD && r.node->builtin != IPP_BI_NONE)
		return builtin(sh, &r, rest, nrest, err);
	if (r.help) {
		struct ctxpath c;

		memcpy(c.v, r.ctx, r.depth * sizeof(r.ctx[0]));
		c.depth = r.depth;
		if (r.node->kind == IPP_NODE_CONTEXT) {
			const struct ipp_node *inh[IPP_RESOLVE_DEPTH + 1];
			size_t k = 0;

			for (size_t i = r.depth - 1; i-- > 0;)
				inh[k++] = r.ctx[i];
			inh[k] = NULL;
			ipp_help_node(sh->out, r.name, r.node, inh);
		} else {
			ipp_help_node(sh->out, r.name, r.node, NULL);
		}
		return 0;
	}
	if (r.node->kind == IPP_NODE_CONTEXT) {
		if (nrest > 0) {
			sh->err_col = rest[0].col;
			return ipp_err(err, EINVAL, "\"%s%s%s\" is not a command of the %s context",
				       rest[0].tag ? rest[0].tag : "", rest[0].tag ? "=" : "",
				       rest[0].text, r.name);
		}
		memcpy(sh->ctx.v, r.ctx, r.depth * sizeof(r.ctx[0]));
		sh->ctx.depth = r.depth;
		return 0;
	}
	if (r.node->kind == IPP_NODE_GROUP) {
		char cands[512] = "";
		size_t len = 0;

		for (const struct ipp_node *c = r.node->children; c->name; c++)
			if (!(c->flags & IPP_CMD_HIDDEN))
				len += (size_t)snprintf(cands + len,
							len < sizeof(cands) ? sizeof(cands) - len : 0,
							"%s%s", len ? ", " : "", c->name);
		if (nrest > 0) {
			sh->err_col = rest[0].col;
			return ipp_err(err, EINVAL, "%s: \"%s%s%s\" is not a command: expected one of %s",
				       r.name, rest[0].tag ? rest[0].tag : "", rest[0].tag ? "=" : "",
				       rest[0].text, cands);
		}
		/* a group alone: netsh lists its commands, as for "show ?" */
		ipp_help_node(sh->out, r.name, r.node, NULL);
		return 0;
	}

	args = calloc(1, sizeof(*args));
	if (!args)
		return ipp_err(err, ENOMEM, "out of memory");
	rc = ipp_bind(r.node, r.name, rest, nrest, args, &col, err);
	if (rc < 0) {
		sh->err_col = col;
		ipp_err_prefix(err, "%s", r.name);
		free(args);
		return rc;
	}
	rc = run_cmd(sh, r.node, args, err);
	if (rc < 0)
		ipp_err_prefix(err, "%s", r.name);
	free(args);
	return rc;
}

/*
 * A line the lexer refused: its message names the command as the others do,
 * by the line's leading words (those before the first tag or quote, without
 * the netsh, ipsec, static and dynamic that only choose the context).
 */
static void lex_error_command(const char *line, struct ipp_error *err)
{
	static const char *const skip[] = {"netsh", "netsh.exe", "ipsec", "static", "dynamic"};
	char words[64] = "";
	const char *p = line;
	bool leading = true;

	while (*p) {
		size_t n;
		bool skipped = false;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == 0 || memchr(p, '=', n) || memchr(p, '"', n) || memchr(p, '\'', n) ||
		    p[n + strspn(p + n, " \t")] == '=') /* (a tag written "tag = value") */
			break;
		for (size_t i = 0; leading && i < sizeof(skip) / sizeof(skip[0]); i++)
			skipped = skipped || (strlen(skip[i]) == n && !strncasecmp(p, skip[i], n));
		if (!skipped) {
			leading = false;
			if (strlen(words) + n + 2 > sizeof(words))
				break;
			if (*words)
				strcat(words, " ");
			strncat(words, p, n);
		}
		p += n;
	}
	if (*words)
		ipp_err_prefix(err, "%s", words);
}

/*
 * A line as a batch file calls the program, "netsh -c ipsec static add
 * ..." or "netsh -c "ipsec static" add ...": the -c goes, and a quoted
 * context is its words, so that the line reads as "netsh ipsec static add
 * ...".  -ENOMEM, or 0 (@t as it was when it is no such line).
 */
static int netsh_c_line(struct ipp_tokens *t, struct ipp_error *err)
{
	struct ipp_token *v;
	size_t words = 0, n, i, k;
	char *ctx, *save = NULL, *w;

	if (t->n < 3 || t->v[0].tag || t->v[1].tag || t->v[2].tag || t->v[1].quoted ||
	    (strcasecmp(t->v[0].text, "netsh") && strcasecmp(t->v[0].text, "netsh.exe")) ||
	    strcasecmp(t->v[1].text, "-c"))
		return 0;
	for (ctx = t->v[2].text; *ctx; ctx += strspn(ctx, " \t"), words++)
		ctx += strspn(ctx, " \t"), ctx += strcspn(ctx, " \t");
	/* (a context of no words: "-c" and "" both go) */
	n = t->n - 2 + words;
	if (!(v = calloc(n ? n : 1, sizeof(*v))))
		return ipp_err(err, ENOMEM, "out of memory");
	v[0] = t->v[0];
	k = 1;
	for (w = strtok_r(t->v[2].text, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!(v[k].text = strdup(w))) {
			while (k-- > 1)
				free(v[k].text);
			free(v);
			return ipp_err(err, ENOMEM, "out of memory");
		}
		v[k++].col = t->v[2].col;
	}
	for (i = 3; i < t->n; i++)
		v[k++] = t->v[i];
	free(t->v[1].tag);
	free(t->v[1].text);
	free(t->v[2].tag);
	free(t->v[2].text);
	free(t->v);
	t->v = v;
	t->n = k;
	t->cap = n ? n : 1;
	return 0;
}

int ipp_shell_exec_line(struct ipp_shell *sh, const char *line, struct ipp_error *err)
{
	struct ipp_tokens t = { 0 };
	int r;

	sh->err_col = 0;
	sh->summarized = 0; /* (until a script this line runs says otherwise) */
	if ((r = ipp_lex_line(line, &t, err)) < 0) {
		/* (scripts name the file and line, the interactive shell shows it) */
		lex_error_command(line, err);
		return r;
	}
	if ((r = netsh_c_line(&t, err)) < 0) {
		ipp_tokens_clear(&t);
		return r;
	}
	r = ipp_shell_exec(sh, &t, err);
	ipp_tokens_clear(&t);
	return r;
}

/* ---------- the three modes ---------- */

/*
 * A script's characters: its bytes, or, after a UTF-16 byte order mark (what
 * Windows' Notepad saves as "Unicode" and PowerShell 5's redirection of
 * `netsh ... dump` writes), UTF-16 turned into UTF-8.
 */
struct script_in {
	FILE *f;
	int utf16;    /* 0: bytes; 1: UTF-16 little-endian; 2: big-endian */
	int ahead[2]; /* bytes read while looking for the mark, given first */
	size_t nahead;
	size_t
	    bad_at; /* the line read holds what is not UTF-16: its first such character (1-based) */
};

static void script_in_start(struct script_in *s, FILE *f)
{
	int a, b;

	*s = (struct script_in){.f = f};
	if ((a = getc(f)) == EOF)
		return;
	b = getc(f);
	if ((a == 0xFF && b == 0xFE) || (a == 0xFE && b == 0xFF)) {
		s->utf16 = a == 0xFF ? 1 : 2;
		return;
	}
	s->ahead[s->nahead++] = a;
	if (b != EOF)
		s->ahead[s->nahead++] = b;
}

static int script_byte(struct script_in *s)
{
	int c;

	if (s->nahead == 0)
		return getc(s->f);
	c = s->ahead[0];
	s->ahead[0] = s->ahead[1];
	s->nahead--;
	return c;
}

/* The next UTF-16 code unit; -1 at the end, -2 for half of one. */
static long script_unit(struct script_in *s)
{
	int a = script_byte(s), b;

	if (a == EOF)
		return -1;
	if ((b = script_byte(s)) == EOF)
		return -2;
	return s->utf16 == 1 ? (long)(a | b << 8) : (long)(a << 8 | b);
}

/* The next character of a UTF-16 script as UTF-8 into @out (4 bytes): its length, 0 at the
 * end, -EILSEQ when it is not UTF-16. */
static int script_utf16_char(struct script_in *s, char *out)
{
	long u = script_unit(s), v;

	if (u == -1)
		return 0;
	if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF))
		return -EILSEQ;
	if (u >= 0xD800 && u <= 0xDBFF) {
		v = script_unit(s);
		if (v < 0xDC00 || v > 0xDFFF) {
			/* a lone surrogate: what follows it (a line's end) is read next */
			if (v >= 0) {
				s->ahead[0] = s->utf16 == 1 ? (int)(v & 0xff) : (int)(v >> 8);
				s->ahead[1] = s->utf16 == 1 ? (int)(v >> 8) : (int)(v & 0xff);
				s->nahead = 2;
			}
			return -EILSEQ;
		}
		u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
	}
	return (int)ipp_utf8_put((unsigned long)u, out);
}

/*
 * One line of @in into *@buf (grown as needed, NUL-terminated, the newline
 * kept), as getline() does, but reading no more than IPP_LINE_MAX + 1
 * characters: -E2BIG after that (an endless line, /dev/zero), with the
 * rest of the line left unread.  The length, or -1 at the end of the input
 * or on a read error (errno set).  A UTF-16 script's character that is not
 * (a lone surrogate, an odd byte at the end) is read as U+FFFD and
 * in->bad_at names the first.
 */
static ssize_t read_line(struct script_in *in, char **buf, size_t *cap)
{
	size_t n = 0, chars = 0;
	char u8[4];
	int c, k;

	in->bad_at = 0;
	for (;;) {
		if (n + 5 > *cap) {
			size_t want = *cap ? 2 * *cap : 256;
			char *p = realloc(*buf, want);

			if (!p) {
				errno = ENOMEM;
				return -1;
			}
			*buf = p;
			*cap = want;
		}
		if (in->utf16) {
			chars++;
			if ((k = script_utf16_char(in, u8)) == -EILSEQ) {
				/* the line fails, naming the character; the next one is read */
				if (!in->bad_at)
					in->bad_at = chars;
				memcpy(u8, "\xef\xbf\xbd", 3); /* U+FFFD */
				k = 3;
			}
			if (k == 0)
				break;
			memcpy(*buf + n, u8, (size_t)k);
			n += (size_t)k;
			c = k == 1 ? u8[0] : 0;
		} else {
			if ((c = script_byte(in)) == EOF)
				break;
			(*buf)[n++] = (char)c;
		}
		if (c == '\n')
			break;
		/* (one byte more: a carriage return before the line feed) */
		if (n > IPP_LINE_MAX + 1 || (n == IPP_LINE_MAX + 1 && c != '\r')) {
			(*buf)[n] = '\0';
			return -E2BIG;
		}
	}
	(*buf)[n] = '\0';
	return n == 0 && (feof(in->f) || ferror(in->f)) ? -1 : (ssize_t)n;
}

/* A line this long is no line of a script: the input is taken for a stream of bytes. */
#define LONG_LINE_MAX (64 << 20)

/* A batch file is read whole before it runs (goto, call): at most this much of it. */
#define BAT_FILE_MAX (64 << 20)

/* A script being read, line by line (script_next()). */
struct script_reader {
	struct ipp_shell *sh;
	FILE *in;
	const char *name;
	bool bat;
	struct script_in sin;
	char *line; /* the line read (owned) */
	size_t cap;
	unsigned lineno;
	bool utf8_marked; /* it began with a UTF-8 byte order mark */
	int read_errno;	  /* read_line()'s, at the end */
};

/*
 * The next line of the script: 1 and @l filled (l->text is the line,
 * borrowed until the next call, or NULL with l->fault and l->err when it
 * cannot be run, l->fatal when the script stops there), 0 at the end.
 */
static int script_next(struct script_reader *rd, struct ipp_script_line *l)
{
	struct ipp_shell *sh = rd->sh;
	struct ipp_error *err = &l->err;
	ssize_t len;
	bool cp_bad;
	const char *nul;
	unsigned first;

	*l = (struct ipp_script_line){0};
	for (;;) {
		errno = 0;
		if ((len = read_line(&rd->sin, &rd->line, &rd->cap)) == -1) {
			rd->read_errno = errno;
			return 0;
		}
		rd->lineno++;
		if (len != -E2BIG)
			break;
		{
			/* the rest of the line is read past, and the next line runs, as after any
			 * failing line (a comment is no command: nothing failed); but an input
			 * without an end of line in sight (a stream of bytes) stops the script */
			const char *q =
			    rd->line +
			    (rd->lineno == 1 && !memcmp(rd->line, "\xEF\xBB\xBF", 3) ? 3 : 0);
			ssize_t more;
			size_t past = 0;
			bool comment;

			q += strspn(q, " \t");
			comment = *q == '#';

			while ((more = read_line(&rd->sin, &rd->line, &rd->cap)) == -E2BIG &&
			       (past += IPP_LINE_MAX) < LONG_LINE_MAX)
				;
			if (more == -E2BIG) {
				l->fault = ipp_err(err, E2BIG,
						   "line longer than %d bytes, with no end in the "
						   "next %d MiB: the script stops",
						   IPP_LINE_MAX, LONG_LINE_MAX >> 20);
				l->fatal = true;
				l->lineno = rd->lineno;
				ipp_err_prefix(err, "%s:%u", rd->name, rd->lineno);
				return 1;
			}
			if (!comment)
				break;
		}
	}
	if (len > 0 && rd->line[len - 1] == '\n')
		rd->line[--len] = '\0';
	if (len > 0 && rd->line[len - 1] == '\r')
		rd->line[--len] = '\0';
	/* a batch file's line continued with ^: the next line joined on (the command is
	 * said at its first line) */
	first = rd->lineno;
	while (rd->bat && len >= 0 &&
	       ipp_bat_continued(
		   rd->line, &len,
		   sh->cp != (iconv_t)-1 && !rd->sin.utf16 ? ipp_bat_dbcs_kind(sh->cpname) : 0)) {
		char *more = NULL, *grown;
		size_t mcap = 0;
		ssize_t ml = read_line(&rd->sin, &more, &mcap);

		if (ml < 0 || len + ml > IPP_LINE_MAX ||
		    !(grown = realloc(rd->line, (size_t)(len + ml) + 1))) {
			free(more);
			break;
		}
		rd->line = grown;
		rd->cap = (size_t)(len + ml) + 1;
		rd->lineno++;
		if (ml > 0 && more[ml - 1] == '\n')
			more[--ml] = '\0';
		if (ml > 0 && more[ml - 1] == '\r')
			more[--ml] = '\0';
		memcpy(rd->line + len, more, (size_t)ml + 1);
		len += ml;
		free(more);
	}
	l->lineno = first;
	/* scripts saved by Windows editors may start with a UTF-8 byte order mark */
	if (first == 1 && len >= 3 && memcmp(rd->line, "\xEF\xBB\xBF", 3) == 0) {
		memmove(rd->line, rd->line + 3, (size_t)(len -= 3) + 1);
		rd->utf8_marked = true;
	}
	/* a script of a Windows code page (--codepage): its text into UTF-8 */
	cp_bad = sh->cp != (iconv_t)-1 && !rd->sin.utf16 && !rd->utf8_marked && len > 0 &&
		 ipp_utf8_bad_at(rd->line) >= 0 &&
		 ipp_shell_from_codepage(sh, &rd->line, &rd->cap, &len) < 0;
	if (len == -E2BIG) {
		l->fault = ipp_err(err, E2BIG, "line longer than %d bytes: not run", IPP_LINE_MAX);
	} else if (cp_bad) {
		l->fault = ipp_err(err, EILSEQ, "the line is not text of code page %s (--codepage)",
				   sh->cpname);
	} else if (rd->sin.bad_at) {
		l->fault =
		    ipp_err(err, EILSEQ,
			    "character %zu is not UTF-16, which the script's byte order mark "
			    "says it is (a lone surrogate, or an odd byte at the end)",
			    rd->sin.bad_at);
	} else if (first == 1 && len >= 2 && (!rd->line[0] || !rd->line[1]) &&
		   memchr(rd->line, '\0', (size_t)len)) {
		/* every line would fail the same way: said once, and the script stops */
		l->fault = ipp_err(err, EILSEQ,
				   "NUL bytes between the characters: UTF-16 without its byte "
				   "order mark? (save it as UTF-8, or as UTF-16 with the mark)");
		l->fatal = true;
		ipp_err_prefix(err, "%s:%u", rd->name, first);
	} else if ((nul = memchr(rd->line, '\0', (size_t)len))) {
		/* a NUL would end the line early: the rest of the command would be lost */
		l->fault = ipp_err(err, EINVAL,
				   "a NUL byte at column %zu: expected a text line (UTF-8, or "
				   "UTF-16 after its byte order mark)",
				   (size_t)(nul - rd->line) + 1);
	} else {
		l->text = rd->line;
	}
	return 1;
}

int ipp_script_failed(struct ipp_shell *sh, struct ipp_script_acct *a, int r, struct ipp_error *err,
		      unsigned lineno, bool line_fault, bool in_batch)
{
	ipp_err_prefix(err, "%s:%u", a->name, lineno);
	/* (a line that failed before any command of it ran is a batch file's last
	 * failure too: its status) */
	if (a->bat && line_fault) {
		sh->bat_last_failed = true;
		ipp_bat_el_set(sh, 1);
	}
	/*
	 * As netsh does with a script, a failing line is reported and the
	 * next one runs; the failed command itself changed nothing, inside a
	 * batch too.  A batch that could not go on (SQLite ended its
	 * transaction) stops the script there: what followed was meant to be
	 * written with it.
	 */
	if (!sh->errf || (in_batch && !sh->batch))
		return r;
	if (sh->batch_refused) {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n,
			 " (the batch was not opened: the script stops, nothing after this line "
			 "was run)");
		return r;
	}
	/* a script exec ran said what failed in it: its summary is not said again */
	if (!sh->summarized)
		ipp_shell_report(sh, sh->errf, "", err);
	if (!a->first)
		a->first = r;
	a->nfailed += (sh->summarized ? sh->summarized : 1) + sh->bat_said;
	sh->summarized = 0;
	sh->bat_said = 0;
	return 0;
}

/*
 * A batch file's lines, read whole (goto and call go back and forth): *@ret
 * (owned: each text and the array), *@n of them; a line that stops the
 * script ends them.  0, or -ENOMEM / -EFBIG (@err).
 */
static int bat_read_all(struct script_reader *rd, struct ipp_script_line **ret, size_t *n,
			struct ipp_error *err)
{
	struct ipp_script_line *v = NULL, l;
	size_t cap = 0, total = 0;
	int k;

	*n = 0;
	while ((k = script_next(rd, &l)) > 0) {
		if (*n == cap) {
			struct ipp_script_line *g =
			    realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!g)
				goto nomem;
			v = g;
		}
		if (l.text) {
			total += strlen(l.text) + 1;
			if (total > BAT_FILE_MAX) {
				k = ipp_err(err, EFBIG,
					    "%s: a batch file of more than %d MiB: not run",
					    rd->name, BAT_FILE_MAX >> 20);
				goto fail;
			}
			if (!(l.text = strdup(l.text)))
				goto nomem;
		}
		v[(*n)++] = l;
		if (l.fatal)
			break;
	}
	*ret = v;
	return 0;
nomem:
	k = ipp_err(err, ENOMEM, "%s: out of memory", rd->name);
fail:
	for (size_t i = 0; i < *n; i++)
		free(v[i].text);
	free(v);
	*n = 0;
	return k;
}

int ipp_shell_run_script(struct ipp_shell *sh, FILE *in, const char *name,
			 struct ipp_error *err)
{
	bool bat = ipp_bat_file(name);
	struct script_reader rd = {.sh = sh, .in = in, .name = name, .bat = bat};
	struct ipp_script_acct acct = {.name = name, .bat = bat};
	struct ipp_script_line l;
	int r = 0, k;
	bool outer_batch = sh->batch; /* a script run by exec inside a batch leaves it open */
	bool last_failed = sh->bat_last_failed; /* (an outer batch file's, kept) */
	long errorlevel = sh->bat_errorlevel;
	bool exit_before = sh->exit;
	bool called = bat && sh->bat_called; /* (call other.bat: its variables are the caller's;
						its exit code its errorlevel, no failure) */
	/* (a batch file's exit, called by another: not the caller's) */
	bool exit_set = sh->bat_exit_set, exited = sh->bat_exited;
	long exit_code = sh->bat_exit_code;

	script_in_start(&rd.sin, in);
	sh->bat_last_failed = false;
	sh->bat_exit_set = false;
	sh->bat_exited = false;
	if (bat) {
		struct ipp_script_line *v = NULL;
		size_t n = 0;
		sh->bat_called = false;
		if (!called) {
			ipp_bat_vars_clear(sh); /* (a batch file starts with none of another's) */
			ipp_bat_el_set(sh, 0);
		}
		if ((r = bat_read_all(&rd, &v, &n, err)) == 0)
			r = ipp_bat_run(sh, v, n, called, &acct, err);
		if (!called)
			sh->bat_exit_all = sh->bat_stopped = false; /* (what ran it goes on) */
		for (size_t i = 0; i < n; i++)
			free(v[i].text);
		free(v);
		if (!called)
			ipp_bat_vars_clear(sh);
		else
			errorlevel = sh->bat_errorlevel; /* (the caller sees the callee's) */
	}
	while (!bat && !sh->exit && (k = script_next(&rd, &l)) > 0) {
		bool in_batch = sh->batch;

		if (l.fatal) {
			*err = l.err;
			r = l.fault;
			break;
		}
		if (l.text) {
			const char *where = sh->where;
			unsigned where_line = sh->where_line;

			sh->where = name;
			sh->where_line = l.lineno;
			sh->script_ran_ok = false;
			sh->batch_refused = false;
			r = sh->bat_exec(sh, l.text, err);
			sh->where = where;
			sh->where_line = where_line;
			if (r == 0) {
				const char *c = l.text + strspn(l.text, " \t");

				acct.ran_ok |= *c && *c != '#';
				continue;
			}
			/* (a script exec ran may have run some of its commands) */
			acct.ran_ok |= sh->summarized > 0 && sh->script_ran_ok;
		} else {
			*err = l.err;
			r = l.fault;
		}
		if ((r = ipp_script_failed(sh, &acct, r, err, l.lineno, !l.text, in_batch)) != 0)
			break;
	}
	if (r == 0 && ferror(in))
		r = ipp_err(err, rd.read_errno ? rd.read_errno : EIO, "%s: cannot read: %s", name,
			    strerror(rd.read_errno ? rd.read_errno : EIO));
	free(rd.line);
	if (sh->batch && sh->db && !outer_batch) {
		if (r < 0) {
			ipp_db_rollback(sh->db);
			sh->batch = false;
			batch_signals(false);
			batch_aborted(err);
		} else {
			if ((r = batch_commit(sh, err)) < 0) {
				ipp_err_prefix(err, "%s: committing the batch", name);
				batch_aborted(err);
			} else {
				notify_agent(sh);
			}
		}
	}
	sh->summarized = 0;
	sh->script_ran_ok = acct.ran_ok;
	if (bat && r == 0 && acct.nfailed > 0 && !sh->bat_last_failed) {
		/* cmd.exe ends a batch file with the errorlevel it ends with: a cleanup that
		 * fails first (delete policy of none) is no failure of the file */
		ipp_shell_note(sh, sh->errf ? sh->errf : sh->out, "note",
			       "%s: %u command%s failed (reported above); the batch file's status "
			       "is 0, the errorlevel it ends with, as in cmd.exe",
			       name, acct.nfailed, acct.nfailed == 1 ? "" : "s");
		acct.nfailed = 0;
	}
	sh->bat_last_failed = last_failed;
	/* (a called file's errorlevel is its caller's now, known or not: no write) */
	if (!called)
		ipp_bat_el_set(sh, errorlevel);
	/* a batch file's exit ends that file, not what ran it (a script's exec, the shell) */
	if (bat)
		sh->exit = exit_before;
	if (bat && !called && r == 0 && acct.nfailed == 0 && sh->bat_exit_set &&
	    sh->bat_exit_code != 0)
		r = ipp_err(err, ECANCELED, "%s: its exit gave the status %ld, as cmd.exe ends it",
			    name, sh->bat_exit_code);
	if (bat) {
		sh->bat_exit_set = exit_set;
		sh->bat_exited = exited;
		sh->bat_exit_code = exit_code;
	}
	if (r == 0 && acct.nfailed > 0 && !acct.ran_ok) {
		if (acct.nfailed == 1)
			r = ipp_err(err, -acct.first,
				    "%s: its only command failed (reported above)", name);
		else
			r = ipp_err(err, -acct.first, "%s: all %u commands failed (reported above)",
				    name, acct.nfailed);
		sh->summarized = acct.nfailed;
	} else if (r == 0 && acct.nfailed > 0) {
		r = ipp_err(err, -acct.first,
			    "%s: %u command%s failed (reported above); the other commands were "
			    "applied",
			    name, acct.nfailed, acct.nfailed == 1 ? "" : "s");
		sh->summarized = acct.nfailed;
	}
	return r;
}

void ipp_shell_set_errors(struct ipp_shell *sh, FILE *errf)
{
	sh->errf = errf;
}

void ipp_shell_set_answers(struct ipp_shell *sh, FILE *in)
{
	sh->answers = in;
}

/*
 * @msg on one line, a control character written \xHH: a message quotes what
 * it was given, which may be anything (an escape sequence must not reach the
 * terminal as one).
 */
static void put_message(FILE *f, const char *msg)
{
	/* (room for every byte of a message written as \xHH) */
	char buf[4 * IPP_ERR_MSG_MAX + 1];

	snprintf(buf, sizeof(buf), "%s", msg);
	ipp_visible(buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
}

/* Output already written goes out before a message to another stream (one log for both). */
static void flush_before(const struct ipp_shell *sh, FILE *f)
{
	if (sh && sh->out && sh->out != f)
		fflush(sh->out);
	if (f != stdout)
		fflush(stdout);
}

void ipp_shell_report(const struct ipp_shell *sh, FILE *f, const char *prog,
		      const struct ipp_error *err)
{
	flush_before(sh, f);
	/* (a script's summary is no error of IPsec's: scripts counting those see its lines) */
	if (sh && sh->name == IPP_NAME_NETSH && !sh->summarized) {
		if (err->ipsec_code)
			fprintf(f, "ERR IPsec[%05d] : ", err->ipsec_code);
		else
			fputs("ERR IPsec : ", f);
	} else if (prog && prog[0]) {
		fprintf(f, "%s: ", prog);
	}
	put_message(f, err->msg);
}

int ipp_shell_set_context(struct ipp_shell *sh, const char *path, struct ipp_error *err)
{
	struct ipp_tokens t = {0};
	int r;

	if ((r = ipp_lex_line(path, &t, err)) < 0) {
		ipp_err_prefix(err, "-c");
		return r;
	}
	if (t.n == 1 && t.v[0].quoted && !t.v[0].tag && strchr(t.v[0].text, ' ')) {
		/* -c '"ipsec static"': the context quoted whole, as netsh's -c takes it */
		struct ipp_tokens inner = {0};

		if ((r = ipp_lex_line(t.v[0].text, &inner, err)) < 0) {
			ipp_tokens_clear(&t);
			ipp_err_prefix(err, "-c");
			return r;
		}
		ipp_tokens_clear(&t);
		t = inner;
	}
	if (t.n == 0)
		r = ipp_err(err, EINVAL, "-c: no context given");
	else
		r = set_ctx_words(sh, t.v, t.n, "-c", err);
	ipp_tokens_clear(&t);
	return r;
}

static void prompt(struct ipp_shell *sh)
{
	char buf[256];

	path_name(&sh->ctx, buf, sizeof(buf));
	fprintf(sh->out, "netsh%s%s>", buf[0] ? " " : "", buf);
	fflush(sh->out);
}

int ipp_shell_interactive(struct ipp_shell *sh, FILE *in, FILE *errf, const char *prog)
{
	struct ipp_error err;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int last = 0;

	while (!sh->exit) {
		prompt(sh);
		if ((len = getline(&line, &cap, in)) < 0) {
			fputc('\n', sh->out);
			break;
		}
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		ipp_err_clear(&err);
		/* typed in the code page given (--codepage), as a script of it is read */
		if (sh->cp != (iconv_t)-1 && len > 0 && ipp_utf8_bad_at(line) >= 0 &&
		    ipp_shell_from_codepage(sh, &line, &cap, &len) < 0) {
			ipp_err(&err, EILSEQ, "the line is not text of code page %s (--codepage)",
				sh->cpname);
			ipp_shell_report(sh, errf, prog, &err);
			last = -EILSEQ;
			continue;
		}
		last = ipp_shell_exec_line(sh, line, &err);
		fflush(sh->out);
		if (last < 0) {
			if (sh->err_col > 0 && (size_t)sh->err_col <= (size_t)len)
				fprintf(errf, "%s\n%*s^\n", line, sh->err_col - 1, "");
			ipp_shell_report(sh, errf, prog, &err);
		}
	}
	free(line);
	return last < 0 ? -EIO : 0;
}

int ipp_shell_run_words(struct ipp_shell *sh, char *const *words, size_t n, bool *ret_context,
			struct ipp_error *err)
{
	struct ipp_tokens t = { 0 };
	struct ipp_resolved r;
	int rc;

	*ret_context = false;
	if ((rc = ipp_lex_words(words, n, &t, err)) < 0) {
		char buf[96] = "";
		size_t len = 0;

		/* no command resolved yet: the words name the input */
		for (size_t w = 0; w < n && len < sizeof(buf); w++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", w ? " " : "",
						words[w]);
		ipp_err_prefix(err, "\"%s\"", buf);
		return rc;
	}
	if (ipp_resolve(sh->ctx.v, sh->ctx.depth, &t, &r, NULL) == 0 &&
	    r.node->kind == IPP_NODE_CONTEXT && r.consumed == t.n && !r.help) {
		memcpy(sh->ctx.v, r.ctx, r.depth * sizeof(r.ctx[0]));
		sh->ctx.depth = r.depth;
		*ret_context = true;
		ipp_tokens_clear(&t);
		return 0;
	}
	rc = ipp_shell_exec(sh, &t, err);
	ipp_tokens_clear(&t);
	return rc;
}

void ipp_shell_script_start(struct ipp_shell *sh)
{
	static_ctx(&sh->ctx);
}
