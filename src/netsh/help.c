/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * help.c - help, `?` and completion, generated from the command table.
 */
#include "cmdtable.h"

#include <string.h>
#include <strings.h>

static const char *type_text(const struct ipp_param *p, char *buf, size_t size)
{
	switch (p->type) {
	case IPP_PT_STRING:
	case IPP_PT_NAME:
		return "<string>";
	case IPP_PT_INT:
		return "<integer>";
	case IPP_PT_ENUM: {
		size_t len = 0;

		buf[0] = '\0';
		for (const char *const *v = p->values; v && *v; v++)
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
						v == p->values ? "(" : "|", *v);
		if (len < size)
			snprintf(buf + len, size - len, ")");
		return buf;
	}
	case IPP_PT_KEYWORD:
		return "";
	case IPP_PT_ADDR:
		return "(me|any|<address>|<range>|<dns name>|dns|wins|dhcp|gateway)";
	case IPP_PT_MASK:
		return "(<mask>|<prefix length>)";
	case IPP_PT_PROTO:
		return "(any|icmp|tcp|udp|raw|<integer>)";
	case IPP_PT_PORT:
		return "<port>";
	case IPP_PT_GUID:
		return "<guid>";
	case IPP_PT_MMSEC:
		return "\"<ConfAlg-HashAlg-GroupNum> ...\"";
	case IPP_PT_QMSEC:
		return "\"<offer> ...\"";
	case IPP_PT_ROOTCA:
		return "\"<certificate> certmap:(yes|no) excludecaname:(yes|no)\"";
	case IPP_PT_FILE:
		return "<file>";
	case IPP_PT_HOST:
		return "(<address>|<dns name>)";
	case IPP_PT_INVALID:
		break;
	}
	return "";
}

/* One parameter as the usage line shows it, without the optional brackets. */
static void param_text(const struct ipp_param *p, char *buf, size_t size)
{
	char tbuf[256];

	if (p->type == IPP_PT_KEYWORD)
		snprintf(buf, size, "[%s]", p->tag);
	else
		snprintf(buf, size, "[%s=]%s", p->tag, type_text(p, tbuf, sizeof(tbuf)));
}

/* Print @word wrapped at 78 columns with continuation lines indented by @indent. */
static void emit(FILE *out, const char *word, size_t *col, size_t indent)
{
	size_t len = strlen(word);

	if (*col > indent && *col + 1 + len > 78) {
		fprintf(out, "\n%*s", (int)indent, "");
		*col = indent;
	} else if (*col > 0) {
		fputc(' ', out);
		(*col)++;
	}
	fputs(word, out);
	*col += len;
}

/* Write @text from column @col, wrapped at 78 columns, continuation lines indented by @indent. */
static void wrap(FILE *out, const char *text, size_t col, size_t indent)
{
	const char *p = text;
	bool first = true;

	for (;;) {
		size_t len;

		while (*p == ' ' || *p == '\n')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " \n");
		if (!first) {
			if (col > indent && col + 1 + len > 78) {
				fprintf(out, "\n%*s", (int)indent, "");
				col = indent;
			} else {
				fputc(' ', out);
				col++;
			}
		}
		fwrite(p, 1, len, out);
		col += len;
		p += len;
		first = false;
	}
	fputc('\n', out);
}

void ipp_help_usage(FILE *out, const char *path, const struct ipp_node *cmd)
{
	const struct ipp_param *params = cmd->params;
	size_t col = 0, indent = strlen(path) + 1;
	char buf[512], one[384];

	if (indent > 30)
		indent = 8;
	emit(out, path, &col, indent);
	for (const struct ipp_param *p = params; p && p->tag;) {
		if (p->group) {
			/* alternatives: "[name=]<string> | [guid=]<guid>" */
			const struct ipp_param *q = p;
			bool req = p->flags & IPP_PF_REQ;
			size_t len = 0;

			buf[0] = '\0';
			for (; q->tag && q->group == p->group; q++) {
				param_text(q, one, sizeof(one));
				len += (size_t)snprintf(buf + len, len < sizeof(buf) ? sizeof(buf) - len : 0,
							"%s%s%s", q == p && !req ? "[" : "",
							q == p ? "" : " | ", one);
			}
			if (!req && len < sizeof(buf))
				snprintf(buf + len, sizeof(buf) - len, "]");
			emit(out, buf, &col, indent);
			p = q;
			continue;
		}
		param_text(p, one, sizeof(one));
		if (p->flags & IPP_PF_REQ || p->type == IPP_PT_KEYWORD)
			snprintf(buf, sizeof(buf), "%s%s", one, p->flags & IPP_PF_MULTI ? "..." : "");
		else
			snprintf(buf, sizeof(buf), "[%s]%s", one, p->flags & IPP_PF_MULTI ? "..." : "");
		emit(out, buf, &col, indent);
		p++;
	}
	fputc('\n', out);
}

static void list_nodes(FILE *out, const char *prefix, const struct ipp_node *nodes, bool ctxs)
{
	char name[128];

	for (const struct ipp_node *c = nodes; c && c->name; c++) {
		if (c->flags & IPP_CMD_HIDDEN || (c->kind == IPP_NODE_CONTEXT) != ctxs)
			continue;
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? " " : "", c->name);
		fprintf(out, "%-24s - %s\n", name, c->help);
	}
}

static bool has_child(const struct ipp_node *node, const char *name)
{
	for (const struct ipp_node *c = node->children; c && c->name; c++)
		if (strcasecmp(c->name, name) == 0)
			return true;
	return false;
}

/*
 * Is command @c of inherited context @inherited[@i] listed in @node's help?
 * Not when @node or a nearer inherited context has a command of that name
 * (the nearer one is what the name runs).
 */
static bool inherited_shown(const struct ipp_node *node, const struct ipp_node *const *inherited,
			    size_t i, const struct ipp_node *c)
{
	if (c->kind == IPP_NODE_CONTEXT || (c->flags & IPP_CMD_HIDDEN) || has_child(node, c->name))
		return false;
	for (size_t k = 0; k < i; k++)
		if (has_child(inherited[k], c->name))
			return false;
	return true;
}

static bool has_contexts(const struct ipp_node *nodes)
{
	for (const struct ipp_node *c = nodes; c && c->name; c++)
		if (c->kind == IPP_NODE_CONTEXT)
			return true;
	return false;
}

void ipp_help_node(FILE *out, const char *path, const struct ipp_node *node,
		   const struct ipp_node *const *inherited)
{
	if (node->kind == IPP_NODE_CMD) {
		if (node->builtin != IPP_BI_NONE) {
			fprintf(out, "%s - %s\n", node->name, node->help);
			if (node->remarks)
				fprintf(out, "\n%s\n", node->remarks);
			return;
		}
		fprintf(out, "\nUsage:\n  ");
		ipp_help_usage(out, path, node);
		fprintf(out, "\n%s\n", node->help);
		if (node->params && node->params->tag) {
			fprintf(out, "\nParameters:\n\n  %-16s Value\n", "Tag");
			for (const struct ipp_param *p = node->params; p->tag; p++) {
				char text[1024];

				snprintf(text, sizeof(text), "%s%s%s",
					 p->flags & IPP_PF_REQ
						 ? (p->group ? "Required (or an alternative). " : "Required. ")
						 : "",
					 p->help ? p->help : "",
					 p->flags & IPP_PF_MULTI ? " May be given several times." : "");
				fprintf(out, "  %-16s - ", p->tag);
				wrap(out, text, 21, 21);
			}
			fprintf(out, "\nTags may be abbreviated and left out: values without a tag are\n"
				     "taken in the order above.\n");
		}
		if (node->remarks) {
			fprintf(out, "\nRemarks:\n  ");
			wrap(out, node->remarks, 2, 2);
		}
		fputc('\n', out);
		return;
	}

	fprintf(out, "\nThe following commands are available:\n\n");
	if (node->kind == IPP_NODE_GROUP) {
		list_nodes(out, path, node->children, false);
		fputc('\n', out);
		return;
	}
	fprintf(out, "Commands in this context:\n");
	/* the context's own commands and the generic ones, in one sorted list */
	{
		const struct ipp_node *a = node->children, *b = ipp_generic_cmds;

		while ((a && a->name) || b->name) {
			const struct ipp_node *c;

			if (a && a->name && a->kind == IPP_NODE_CONTEXT) {
				a++;
				continue;
			}
			if (a && a->name && (!b->name || strcasecmp(a->name, b->name) < 0))
				c = a++;
			else
				c = b++;
			if (c->flags & IPP_CMD_HIDDEN)
				continue;
			fprintf(out, "%-24s - %s\n", c->name, c->help);
		}
	}
	for (size_t i = 0; inherited && inherited[i]; i++) {
		bool any = false;

		for (const struct ipp_node *c = inherited[i]->children; c && c->name; c++)
			if (inherited_shown(node, inherited, i, c))
				any = true;
		if (!any)
			continue;
		fprintf(out, "\nCommands inherited from the `%s' context:\n", inherited[i]->name);
		for (const struct ipp_node *c = inherited[i]->children; c && c->name; c++)
			if (inherited_shown(node, inherited, i, c))
				fprintf(out, "%-24s - %s\n", c->name, c->help);
	}
	if (has_contexts(node->children)) {
		fprintf(out, "\nThe following sub-contexts are available:\n");
		for (const struct ipp_node *c = node->children; c->name; c++)
			if (c->kind == IPP_NODE_CONTEXT)
				fprintf(out, " %s", c->name);
		fputc('\n', out);
	}
	fprintf(out, "\nTo view help for a command, type the command, followed by a space, "
		     "and then ?.\n\n");
}

/* ---------- completion ---------- */

static bool starts(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Print @name unless an earlier candidate had it. */
static void cand(FILE *out, const char *name, const char *prefix, const char **seen,
		 size_t *nseen, size_t max)
{
	if (!starts(name, prefix))
		return;
	for (size_t i = 0; i < *nseen; i++)
		if (strcasecmp(seen[i], name) == 0)
			return;
	if (*nseen < max)
		seen[(*nseen)++] = name;
	fprintf(out, "%s\n", name);
}

static void complete_args(FILE *out, const struct ipp_node *cmd, const struct ipp_tokens *t,
			  size_t from, const char *last)
{
	const char *eq = strchr(last, '=');
	const char *seen[128];
	size_t nseen = 0;

	if (!cmd->params)
		return;
	if (eq) {
		char tag[128];
		const struct ipp_param *p;
		size_t n = (size_t)(eq - last);

		if (n >= sizeof(tag))
			return;
		memcpy(tag, last, n);
		tag[n] = '\0';
		p = ipp_param_match(cmd, tag);
		if (!p || p->type != IPP_PT_ENUM)
			return;
		for (const char *const *v = p->values; *v; v++)
			if (starts(*v, eq + 1))
				fprintf(out, "%s=%s\n", tag, *v);
		return;
	}
	for (const struct ipp_param *p = cmd->params; p->tag; p++) {
		bool given = false;
		char buf[160];

		for (size_t i = from; i < t->n; i++) {
			const struct ipp_param *q = NULL;

			if (t->v[i].tag)
				q = ipp_param_match(cmd, t->v[i].tag);
			else if (p->type == IPP_PT_KEYWORD && strcasecmp(t->v[i].text, p->tag) == 0)
				q = p;
			if (q == p || (q && p->group && q->group == p->group))
				given = true;
		}
		if (given && !(p->flags & IPP_PF_MULTI))
			continue;
		if (p->type == IPP_PT_KEYWORD) {
			cand(out, p->tag, last, seen, &nseen, 128);
			continue;
		}
		snprintf(buf, sizeof(buf), "%s=", p->tag);
		if (starts(buf, last))
			fprintf(out, "%s\n", buf);
	}
}

void ipp_complete(FILE *out, const struct ipp_node *const *ctx, size_t depth,
		  char *const *words, size_t n)
{
	struct ipp_tokens t = { 0 };
	struct ipp_resolved r;
	struct ipp_error err;
	const char *last = n ? words[n - 1] : "";
	const char *seen[256];
	size_t nseen = 0;

	if (n <= 1) {
		/* first word: every level from the current context up, and help */
		for (size_t lvl = depth; lvl-- > 0;)
			for (const struct ipp_node *c = ctx[lvl]->children; c && c->name; c++)
				if (!(c->flags & IPP_CMD_HIDDEN))
					cand(out, c->name, last, seen, &nseen, 256);
		cand(out, "help", last, seen, &nseen, 256);
		return;
	}
	ipp_err_clear(&err);
	if (ipp_lex_words(words, n - 1, &t, &err) < 0)
		return;
	if (ipp_resolve(ctx, depth, &t, &r, &err) < 0)
		goto out;
	if (r.node->kind == IPP_NODE_CMD) {
		if (r.node->builtin == IPP_BI_NONE)
			complete_args(out, r.node, &t, r.consumed, last);
		goto out;
	}
	if (r.consumed == t.n)
		for (const struct ipp_node *c = r.node->children; c && c->name; c++)
			if (!(c->flags & IPP_CMD_HIDDEN))
				cand(out, c->name, last, seen, &nseen, 256);
out:
	ipp_tokens_clear(&t);
}

static void walk(FILE *out, const struct ipp_node *node, char *path, size_t size)
{
	size_t len = strlen(path);

	for (const struct ipp_node *c = node->children; c && c->name; c++) {
		if (c->flags & IPP_CMD_HIDDEN)
			continue;
		snprintf(path + len, size - len, "%s%s", len ? " " : "", c->name);
		if (c->kind == IPP_NODE_CMD)
			fprintf(out, "%s\n", path);
		else
			walk(out, c, path, size);
		path[len] = '\0';
	}
}

void ipp_help_commands(FILE *out)
{
	char path[256] = "";

	walk(out, &ipp_root, path, sizeof(path));
}
