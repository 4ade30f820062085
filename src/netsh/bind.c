/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bind.c - command-word resolution, tag binding and value checks, all
 * driven by the command table.
 */
#include "cmdtable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "../common/utf8.h"
#include "../model/model.h"

static bool is_prefix(const char *word, const char *of)
{
	size_t n = strlen(word);

	return n > 0 && strncasecmp(word, of, n) == 0;
}

/* Append ", name" to a candidate list. */
static void list_add(char *buf, size_t size, const char *name)
{
	size_t len = strlen(buf);

	if (len + 2 >= size)
		return;
	snprintf(buf + len, size - len, "%s%s", len ? ", " : "", name);
}

const struct ipp_node *ipp_node_match(const struct ipp_node *children, bool generic,
				      const char *word, struct ipp_error *err)
{
	const struct ipp_node *sets[2] = { children, generic ? ipp_generic_cmds : NULL };
	const struct ipp_node *found = NULL;
	char cands[512] = "";
	size_t nprefix = 0;

	/* exact match first */
	for (size_t s = 0; s < 2; s++)
		for (const struct ipp_node *c = sets[s]; c && c->name; c++)
			if (strcasecmp(word, c->name) == 0)
				return c;
	for (size_t s = 0; s < 2; s++) {
		for (const struct ipp_node *c = sets[s]; c && c->name; c++) {
			if (c->flags & IPP_CMD_HIDDEN || !is_prefix(word, c->name))
				continue;
			if (found && found->builtin != IPP_BI_NONE && found->builtin == c->builtin)
				continue; /* exit/quit/bye are one command */
			found = c;
			nprefix++;
			list_add(cands, sizeof(cands), c->name);
		}
	}
	if (nprefix == 1)
		return found;
	if (nprefix > 1)
		ipp_err(err, EINVAL, "ambiguous command \"%s\": %s", word, cands);
	return NULL;
}

const struct ipp_param *ipp_param_match(const struct ipp_node *cmd, const char *tag)
{
	if (!cmd->params)
		return NULL;
	for (const struct ipp_param *p = cmd->params; p->tag; p++)
		if (p->type != IPP_PT_KEYWORD && strcasecmp(tag, p->tag) == 0)
			return p;
	for (const struct ipp_param *p = cmd->params; p->tag; p++)
		if (p->type != IPP_PT_KEYWORD && is_prefix(tag, p->tag))
			return p;
	return NULL;
}

static void values_list(const struct ipp_param *p, char *buf, size_t size)
{
	buf[0] = '\0';
	for (const char *const *v = p->values; v && *v; v++)
		list_add(buf, size, *v);
}

const char *ipp_enum_match(const struct ipp_param *p, const char *value, struct ipp_error *err)
{
	const char *found = NULL;
	char cands[512] = "", all[512];
	size_t n = 0;

	for (const char *const *v = p->values; v && *v; v++)
		if (strcasecmp(value, *v) == 0)
			return *v;
	for (const char *const *v = p->values; v && *v; v++) {
		if (is_prefix(value, *v)) {
			found = *v;
			n++;
			list_add(cands, sizeof(cands), *v);
		}
	}
	if (n == 1)
		return found;
	if (n > 1) {
		/* a candidate that begins every other one is its short form ("i": in, inbound) */
		for (const char *const *v = p->values; v && *v; v++) {
			size_t k = 0;

			if (!is_prefix(value, *v))
				continue;
			for (const char *const *o = p->values; *o; o++)
				k += is_prefix(value, *o) && is_prefix(*v, *o);
			if (k == n)
				return *v;
		}
		ipp_err(err, EINVAL, "ambiguous value \"%s\" for %s: %s", value, p->tag, cands);
		return NULL;
	}
	values_list(p, all, sizeof(all));
	ipp_err(err, EINVAL, "invalid value \"%s\" for %s: expected one of %s", value, p->tag, all);
	return NULL;
}

/* ---------- resolving command words ---------- */

/* ?, /?, -? (and help after a command word: netsh's help tokens; quoted, a value) */
static bool is_help_mark(const struct ipp_token *t)
{
	return !t->tag && !t->quoted &&
	       (strcmp(t->text, "?") == 0 || strcmp(t->text, "/?") == 0 || strcmp(t->text, "-?") == 0);
}

static bool is_help_word(const struct ipp_token *t)
{
	return is_help_mark(t) || (!t->tag && !t->quoted && strcasecmp(t->text, "help") == 0);
}

static void name_add(char *buf, size_t size, const char *word)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? " " : "", word);
}

/*
 * The words of @t from @from on, as netsh echoes a command it does not know
 * ("The following command was not found: advfirewall set currentprofile
 * state off."): tag=value, quotes removed, one blank between.
 */
static void words_from(const struct ipp_tokens *t, size_t from, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t k = from; k < t->n; k++) {
		char tagged[512];

		if (t->v[k].tag)
			snprintf(tagged, sizeof(tagged), "%s=%s", t->v[k].tag, t->v[k].text);
		name_add(buf, size, t->v[k].tag ? tagged : t->v[k].text);
	}
}

static void children_list(const struct ipp_node *node, char *buf, size_t size)
{
	buf[0] = '\0';
	for (const struct ipp_node *c = node->children; c && c->name; c++)
		if (!(c->flags & IPP_CMD_HIDDEN))
			list_add(buf, size, c->name);
}

int ipp_resolve(const struct ipp_node *const *ctx, size_t depth, const struct ipp_tokens *t,
		struct ipp_resolved *ret, struct ipp_error *err)
{
	struct ipp_resolved r;
	struct ipp_error e;
	const struct ipp_node *node;
	size_t i = 0, from;
	char cands[512], words[512];

	memset(&r, 0, sizeof(r));
	if (depth == 0 || depth > IPP_RESOLVE_DEPTH)
		return ipp_err(err, EINVAL, "invalid context");
	/* batch files call the program as netsh.exe */
	if (t->n > 0 && !t->v[0].tag && !t->v[0].quoted &&
	    (strcasecmp(t->v[0].text, "netsh") == 0 || strcasecmp(t->v[0].text, "netsh.exe") == 0)) {
		r.ctx[0] = &ipp_root;
		r.depth = 1;
		i = 1;
	} else {
		memcpy(r.ctx, ctx, depth * sizeof(*ctx));
		r.depth = depth;
	}
	r.node = r.ctx[r.depth - 1];
	from = i;

	/* the first word (help is the command there): the current context, then each parent */
	if (i < t->n && !t->v[i].tag && !is_help_mark(&t->v[i])) {
		const char *w = t->v[i].text;

		node = NULL;
		for (size_t lvl = r.depth; lvl-- > 0;) {
			ipp_err_clear(&e);
			node = ipp_node_match(r.ctx[lvl]->children, true, w, &e);
			if (e.code)
				return ipp_err(err, EINVAL, "%s", e.msg);
			if (node) {
				r.depth = lvl + 1;
				break;
			}
		}
		if (!node) {
			const char *foreign = ipp_netsh_foreign_context(w, strlen(w));

			children_list(r.ctx[r.depth - 1], cands, sizeof(cands));
			words_from(t, from, words, sizeof(words));
			/* (netsh's words, which scripts look for: the whole command) */
			return ipp_err(err, EINVAL,
				       "The following command was not found: %s. (valid here: %s, "
				       "help%s%s%s)",
				       words, cands, foreign ? "; \"" : "", foreign ? foreign : "",
				       foreign ? "\" is a context of Windows' netsh that ipsecpol "
						 "does not provide"
					       : "");
		}
		i++;
		for (;;) {
			if (node->kind == IPP_NODE_CONTEXT) {
				if (r.depth >= IPP_RESOLVE_DEPTH)
					return ipp_err(err, EINVAL, "contexts nested too deeply");
				r.ctx[r.depth++] = node;
				r.group = NULL;
			} else if (node->kind == IPP_NODE_GROUP) {
				r.group = node;
			}
			r.node = node;
			if (node->kind == IPP_NODE_CMD)
				break;
			if (i >= t->n || t->v[i].tag || is_help_word(&t->v[i]))
				break;
			ipp_err_clear(&e);
			if (node->kind == IPP_NODE_CONTEXT) {
				/* a context just entered inherits its parents' commands too */
				const struct ipp_node *found = NULL;

				for (size_t lvl = r.depth; lvl-- > 0 && !found;) {
					found = ipp_node_match(r.ctx[lvl]->children, true,
							       t->v[i].text, &e);
					if (e.code)
						return ipp_err(err, EINVAL, "%s", e.msg);
					if (found)
						r.depth = lvl + 1;
				}
				node = found;
			} else {
				node = ipp_node_match(node->children, false, t->v[i].text, &e);
			}
			if (e.code)
				return ipp_err(err, EINVAL, "%s", e.msg);
			if (!node) {
				children_list(r.node, cands, sizeof(cands));
				words_from(t, from, words, sizeof(words));
				return ipp_err(err, EINVAL,
					       "The following command was not found: %s. "
					       "(expected after \"%s\" one of %s)",
					       words, r.node->name, cands);
			}
			i++;
		}
	}
	/*
	 * "ipsec static help add rule" is "ipsec static add rule ?": the words
	 * after a help word that follows a context name what the help is for
	 * (as "help add rule" typed in that context does)
	 */
	if (r.node->kind == IPP_NODE_CONTEXT && i + 1 < t->n && is_help_word(&t->v[i]) &&
	    !is_help_mark(&t->v[i]) && !t->v[i + 1].tag && !is_help_word(&t->v[i + 1])) {
		struct ipp_tokens rest = {t->v + i + 1, t->n - i - 1, 0};
		int rc = ipp_resolve(r.ctx, r.depth, &rest, ret, err);

		if (rc < 0)
			return rc;
		ret->consumed += i + 1;
		ret->help = true;
		return 0;
	}
	r.consumed = i;
	for (size_t k = i; k < t->n; k++)
		if (is_help_word(&t->v[k]))
			r.help = true;

	/* the name used in messages */
	if (r.node->kind == IPP_NODE_CONTEXT) {
		for (size_t k = 1; k < r.depth; k++)
			name_add(r.name, sizeof(r.name), r.ctx[k]->name);
		if (r.depth == 1)
			name_add(r.name, sizeof(r.name), "netsh");
	} else {
		if (r.group)
			name_add(r.name, sizeof(r.name), r.group->name);
		if (r.node != r.group)
			name_add(r.name, sizeof(r.name), r.node->name);
	}
	*ret = r;
	return 0;
}

/* ---------- binding arguments ---------- */

static void tags_list(const struct ipp_node *cmd, char *buf, size_t size)
{
	buf[0] = '\0';
	for (const struct ipp_param *p = cmd->params; p && p->tag; p++)
		if (p->type != IPP_PT_KEYWORD)
			list_add(buf, size, p->tag);
}

static int parse_u32(const char *s, uint32_t *ret)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*c - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*ret = (uint32_t)v;
	return 0;
}

int ipp_value_utf8_check(const char *tag, const char *value, struct ipp_error *err)
{
	long bad = ipp_utf8_bad_at(value);

	if (bad < 0)
		return 0;
	return ipp_err(err, EINVAL,
		       "%s: byte 0x%02x at position %ld is not UTF-8: values are UTF-8 text (save "
		       "the script as UTF-8, or run it with --codepage=N, the Windows code page it "
		       "was written in, e.g. 936; the program's arguments are UTF-8)",
		       tag, (unsigned char)value[bad], bad + 1);
}

/* Check the form of one value; may replace *value by its canonical spelling. */
static int check_value(const struct ipp_param *p, const char **value, struct ipp_error *err)
{
	const char *v = *value;
	struct ipp_error e;
	uint32_t u;
	uint8_t u8;
	uint16_t u16;
	int r = 0;

	ipp_err_clear(&e);
	switch (p->type) {
	case IPP_PT_ENUM: {
		const char *c = ipp_enum_match(p, v, err);

		if (!c)
			return -EINVAL;
		*value = c;
		return 0;
	}
	case IPP_PT_INT:
		r = parse_u32(v, &u);
		if (r == -ERANGE)
			return ipp_err(err, EINVAL,
				       "invalid value \"%s\" for %s: the number is too large", v,
				       p->tag);
		if (r < 0)
			return ipp_err(err, EINVAL,
				       "invalid value \"%s\" for %s: expected a whole number", v,
				       p->tag);
		return 0;
	case IPP_PT_NAME:
	case IPP_PT_STRING:
		/* (a name looked up is refused as one written would be, not "not found") */
		return ipp_value_utf8_check(p->tag, v, err);
	case IPP_PT_FILE:
		if (!*v)
			return ipp_err(err, EINVAL, "empty file name for %s", p->tag);
		return 0;
	case IPP_PT_PORT:
		r = ipp_port_parse(v, &u16, &e);
		break;
	case IPP_PT_PROTO:
		r = ipp_proto_parse(v, &u8, &e);
		break;
	case IPP_PT_ADDR: {
		struct ipp_addr a;

		r = ipp_addr_parse(v, &a, &e);
		if (r == -EAGAIN)
			r = 0; /* a DNS name: resolved when the command runs */
		break;
	}
	case IPP_PT_HOST: {
		struct ipp_addr a;

		r = ipp_addr_parse(v, &a, &e);
		if (r == -EAGAIN || strcasecmp(v, "none") == 0)
			r = 0;
		else if (r == 0 && a.kind != IPP_ADDR_IP)
			return ipp_err(
			    err, EINVAL,
			    "invalid value \"%s\" for %s: expected one host's IP address or "
			    "DNS name, not a keyword, range or server type",
			    v, p->tag);
		break;
	}
	case IPP_PT_MASK: {
		uint8_t plen;

		/* (the address, and so the family, may come after the mask) */
		r = ipp_mask_parse_any(v, &plen, NULL, &e);
		break;
	}
	case IPP_PT_GUID:
		if (!ipp_guid_parse(v, NULL))
			return ipp_err(err, EINVAL,
				       "invalid value \"%s\" for %s: expected a GUID such as "
				       "{12345678-9ABC-DEF0-1234-56789ABCDEF0}",
				       v, p->tag);
		return 0;
	case IPP_PT_MMSEC: {
		struct ipp_mm_offer o[IPP_MAX_OFFERS];
		size_t n;

		r = ipp_mm_offers_parse(v, o, IPP_MAX_OFFERS, &n, &e);
		break;
	}
	case IPP_PT_QMSEC: {
		struct ipp_qm_offer o[IPP_MAX_OFFERS];
		size_t n;

		r = ipp_qm_offers_parse(v, o, IPP_MAX_OFFERS, &n, &e);
		break;
	}
	case IPP_PT_ROOTCA: {
		struct ipp_auth *a = calloc(1, sizeof(*a));

		if (!a)
			return ipp_err(err, ENOMEM, "out of memory");
		r = ipp_rootca_parse(v, a, &e);
		free(a);
		break;
	}
	case IPP_PT_KEYWORD:
	case IPP_PT_INVALID:
		return 0;
	}
	if (r < 0) {
		/* the value parsers name what they parse ("port: ..."): the tag replaces that */
		const char *m = e.msg, *colon = strstr(m, ": ");

		if (colon && colon - m < 24 && !memchr(m, ' ', (size_t)(colon - m)) &&
		    !memchr(m, '"', (size_t)(colon - m)))
			m = colon + 2;
		return ipp_err(err, EINVAL, "%s: %s", p->tag, *m ? m : "invalid value");
	}
	return 0;
}

int ipp_bind(const struct ipp_node *cmd, const char *cmdname, const struct ipp_token *toks,
	     size_t n, struct ipp_args *ret, int *ret_col, struct ipp_error *err)
{
	bool given[IPP_MAX_ARGS] = { false };
	const struct ipp_param *group_by[IPP_MAX_ARGS] = { NULL };
	const struct ipp_param *params = cmd->params;
	size_t nparams = 0;
	char list[512];
	int r;

	ret->cmd = cmdname;
	ret->n = 0;
	if (ret_col)
		*ret_col = 0;
	for (const struct ipp_param *p = params; p && p->tag; p++)
		nparams++;
	if (nparams > IPP_MAX_ARGS)
		return ipp_err(err, EINVAL, "command table: too many parameters");

	for (size_t i = 0; i < n; i++) {
		const struct ipp_token *t = &toks[i];
		const struct ipp_param *p = NULL;
		const char *value = t->text;
		size_t pi;

		if (ret_col)
			*ret_col = t->col;
		/*
		 * "tag=value" quoted whole: netsh takes its quotes away before it
		 * looks for tags, so this is tag=value when the part before the
		 * first "=" is a tag of the command (else a value holding "=").
		 */
		const char *eq = !t->tag && t->quoted ? strchr(t->text, '=') : NULL;

		if (eq && eq > t->text && (size_t)(eq - t->text) < 64) {
			char tag[64];

			memcpy(tag, t->text, (size_t)(eq - t->text));
			tag[eq - t->text] = '\0';
			if ((p = ipp_param_match(cmd, tag)))
				value = eq + 1;
		}
		if (!p && t->tag) {
			p = ipp_param_match(cmd, t->tag);
			if (!p) {
				tags_list(cmd, list, sizeof(list));
				if (!list[0])
					return ipp_err(err, EINVAL,
						       "unknown tag \"%s\": this command takes no parameters",
						       t->tag);
				return ipp_err(err, EINVAL, "unknown tag \"%s\" (valid tags: %s)",
					       t->tag, list);
			}
		} else if (!p) {
			for (const struct ipp_param *q = params; q && q->tag && !t->quoted; q++) {
				if (q->type == IPP_PT_KEYWORD && strcasecmp(t->text, q->tag) == 0) {
					p = q;
					value = q->tag;
					break;
				}
			}
			for (const struct ipp_param *q = params; !p && q && q->tag; q++) {
				size_t qi = (size_t)(q - params);

				if (q->type == IPP_PT_KEYWORD || (q->flags & IPP_PF_TAGGED) ||
				    given[qi] || (q->group && group_by[q->group]))
					continue;
				p = q;
			}
			if (!p) {
				if (nparams == 0)
					return ipp_err(err, EINVAL,
						       "unexpected \"%s\": this command takes no parameters",
						       t->text);
				return ipp_err(err, EINVAL,
					       "unexpected value \"%s\": every parameter is already given",
					       t->text);
			}
		}
		pi = (size_t)(p - params);
		if (given[pi] && !(p->flags & IPP_PF_MULTI))
			return ipp_err(err, EINVAL, "%s given twice (\"%s%s%s\")", p->tag,
				       t->tag ? t->tag : "", t->tag ? "=" : "", t->text);
		if (p->group && group_by[p->group] && group_by[p->group] != p)
			return ipp_err(err, EINVAL, "%s and %s cannot be given together",
				       group_by[p->group]->tag, p->tag);
		if ((r = check_value(p, &value, err)) < 0)
			return r;
		if (ret->n >= IPP_MAX_ARGS)
			return ipp_err(err, EINVAL, "too many parameters (at most %d)", IPP_MAX_ARGS);
		given[pi] = true;
		if (p->group)
			group_by[p->group] = p;
		ret->v[ret->n++] = (struct ipp_arg){
			.param = p, .tag = p->tag, .value = value, .text = t->text, .col = t->col,
		};
	}
	if (ret_col)
		*ret_col = 0;

	/* required parameters, and required groups */
	for (size_t pi = 0; pi < nparams; pi++) {
		const struct ipp_param *p = &params[pi];

		if (!(p->flags & IPP_PF_REQ) || given[pi])
			continue;
		if (!p->group)
			return ipp_err(err, EINVAL, "missing required parameter %s", p->tag);
		if (group_by[p->group])
			continue;
		list[0] = '\0';
		for (const struct ipp_param *q = params; q->tag; q++)
			if (q->group == p->group)
				list_add(list, sizeof(list), q->tag);
		return ipp_err(err, EINVAL, "missing required parameter: one of %s", list);
	}
	return 0;
}

/* ---------- getters ---------- */

const struct ipp_arg *ipp_args_find(const struct ipp_args *a, const char *tag)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].tag, tag) == 0)
			return &a->v[i];
	return NULL;
}

const char *ipp_args_get(const struct ipp_args *a, const char *tag)
{
	const struct ipp_arg *x = ipp_args_find(a, tag);

	return x ? x->value : NULL;
}

bool ipp_args_has(const struct ipp_args *a, const char *tag)
{
	return ipp_args_find(a, tag) != NULL;
}

int ipp_args_bool(const struct ipp_args *a, const char *tag, bool *ret, struct ipp_error *err)
{
	const char *v = ipp_args_get(a, tag);

	if (!v)
		return 0;
	if (strcasecmp(v, "yes") == 0)
		*ret = true;
	else if (strcasecmp(v, "no") == 0)
		*ret = false;
	else
		return ipp_err(err, EINVAL, "invalid value \"%s\" for %s: expected yes or no", v, tag);
	return 0;
}

int ipp_args_u32(const struct ipp_args *a, const char *tag, uint32_t *ret, struct ipp_error *err)
{
	const char *v = ipp_args_get(a, tag);

	if (!v)
		return 0;
	if (parse_u32(v, ret) < 0)
		return ipp_err(err, EINVAL,
			       "invalid value \"%s\" for %s: expected an integer from 0 to %u", v, tag,
			       UINT32_MAX);
	return 0;
}
