/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lexer.c - split netsh lines into words, then join tag/value tokens.
 */
#include "lexer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A word before joining. */
struct word {
	char *text;    /* owned until moved into a token */
	int col;
	int eq;        /* index in text of the first unquoted '=', -1 if none */
	bool tail;     /* something (even "") was written after that '=' */
	bool quoted;
};

struct words {
	struct word *v;
	size_t n, cap;
};

static void words_clear(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].text);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static int words_push(struct words *w, const struct word *x)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct word *v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = *x;
	return 0;
}

void ipp_tokens_clear(struct ipp_tokens *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].tag);
		free(t->v[i].text);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int tokens_push(struct ipp_tokens *t, char *tag, char *text, int col, bool quoted)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct ipp_token *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct ipp_token){ .tag = tag, .text = text, .col = col, .quoted = quoted };
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/*
 * Split @line into words (quotes, comments).  With @escapes, a run of
 * backslashes before a double quote inside quotes is halved (an odd one left
 * makes the quote text); *escaped tells whether one was.  Without, every
 * backslash is text, as Windows' netsh reads it.
 */
static int split(const char *line, bool escapes, bool *escaped, struct words *ret,
		 struct ipp_error *err)
{
	size_t len = strlen(line);
	size_t i = 0;
	int r;

	if (len > IPP_LINE_MAX)
		return ipp_err(err, EINVAL, "line is longer than %d bytes", IPP_LINE_MAX);
	while (i < len) {
		struct word w = { .eq = -1 };
		size_t o = 0;
		bool inq = false;
		int qcol = 0;

		while (i < len && is_blank(line[i]))
			i++;
		if (i >= len)
			break;
		if (line[i] == '#' && ret->n == 0)
			break; /* a comment line (elsewhere a # is text, as netsh reads it) */
		w.col = (int)i + 1;
		w.text = malloc(len - i + 1);
		if (!w.text)
			return -ENOMEM;
		while (i < len && (inq || !is_blank(line[i]))) {
			char c = line[i];

			if (c == '"') {
				if (!inq)
					qcol = (int)i + 1;
				inq = !inq;
				w.quoted = true;
				if (w.eq >= 0)
					w.tail = true;
				i++;
				continue;
			}
			if (escapes && inq && c == '\\') {
				/*
				 * Backslashes are text, except a run of them
				 * before a double quote: each pair is one
				 * backslash, and an odd one left makes the
				 * quote text (2n+1 before '"': n and '"'; 2n: n,
				 * and the quote closes).
				 */
				size_t k = 0;

				while (i + k < len && line[i + k] == '\\')
					k++;
				if (i + k < len && line[i + k] == '"') {
					*escaped = true;
					for (size_t j = 0; j < k / 2; j++)
						w.text[o++] = '\\';
					if (k % 2)
						w.text[o++] = '"';
					i += k + k % 2;
				} else {
					memset(w.text + o, '\\', k);
					o += k;
					i += k;
				}
				if (w.eq >= 0)
					w.tail = true;
				continue;
			}
			if (!inq && c == '=' && w.eq < 0) {
				w.eq = (int)o;
			} else if (w.eq >= 0) {
				w.tail = true;
			}
			w.text[o++] = c;
			i++;
		}
		w.text[o] = '\0';
		if (inq) {
			free(w.text);
			return ipp_err(err, EINVAL, "column %d: unterminated quote", qcol);
		}
		if ((r = words_push(ret, &w)) < 0) {
			free(w.text);
			return r;
		}
	}
	return 0;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/*
 * Join words into tokens; consumes the words' texts.  @argv: the words are
 * a program's arguments, whose quotes the shell has taken away, so that
 * `description=""` arrives as "description=": a tag with nothing after it
 * (at the end, or before another tag=value) is then an empty value.
 */
static int join(struct words *w, struct ipp_tokens *ret, bool argv, struct ipp_error *err)
{
	size_t i = 0;

	while (i < w->n) {
		struct word *x = &w->v[i];
		char *tag = NULL, *text = NULL;
		int col = x->col;
		bool quoted = x->quoted;
		size_t used = 1;

		if (x->eq < 0 && i + 1 < w->n && w->v[i + 1].eq == 0) {
			/* "tag =value" or "tag = value" */
			struct word *y = &w->v[i + 1];

			if (!y->tail &&
			    ((argv && i + 2 >= w->n) || (i + 2 < w->n && w->v[i + 2].eq > 0))) {
				/* "tag =" before another tag=value (or, in argv, at the end):
				 * an empty value, as "tag=" */
				tag = x->text;
				text = strdup("");
				if (!text)
					return -ENOMEM;
				quoted = true;
				used = 2;
			} else if (!y->tail) {
				if (i + 2 >= w->n || w->v[i + 2].eq >= 0)
					return ipp_err(err, EINVAL,
						       "column %d: missing value after \"%s =\"", col,
						       x->text);
				tag = x->text;
				text = w->v[i + 2].text;
				quoted = w->v[i + 2].quoted;
				w->v[i + 2].text = NULL;
				used = 3;
			} else {
				tag = x->text;
				text = strdup(y->text + 1);
				if (!text)
					return -ENOMEM;
				quoted = y->quoted;
				free(y->text);
				y->text = NULL;
				used = 2;
			}
			x->text = NULL;
		} else if (x->eq == 0) {
			return ipp_err(err, EINVAL, "column %d: \"%s\" has no tag before \"=\"", col,
				       x->text);
		} else if (x->eq > 0) {
			tag = dup_n(x->text, (size_t)x->eq);
			if (!tag)
				return -ENOMEM;
			if (!x->tail) {
				/* "tag= value" */
				if ((argv && i + 1 >= w->n) ||
				    (i + 1 < w->n && w->v[i + 1].eq > 0)) {
					/* another tag=value follows (or, in argv, nothing: the
					 * caller's shell took the quotes of tag="" away): an
					 * empty value */
					text = strdup("");
					if (!text) {
						free(tag);
						return -ENOMEM;
					}
					quoted = true;
				} else if (i + 1 >= w->n || w->v[i + 1].eq >= 0) {
					int r = ipp_err(err, EINVAL,
							"column %d: missing value after \"%s\"", col,
							x->text);
					free(tag);
					return r;
				} else {
					text = w->v[i + 1].text;
					quoted = w->v[i + 1].quoted;
					w->v[i + 1].text = NULL;
					used = 2;
				}
			} else {
				text = strdup(x->text + x->eq + 1);
				if (!text) {
					free(tag);
					return -ENOMEM;
				}
			}
		} else {
			text = x->text;
			x->text = NULL;
		}
		if (tokens_push(ret, tag, text, col, quoted) < 0) {
			free(tag);
			free(text);
			return -ENOMEM;
		}
		i += used;
	}
	return 0;
}

int ipp_lex_line(const char *line, struct ipp_tokens *ret, struct ipp_error *err)
{
	struct words w = { 0 };
	struct ipp_tokens t = { 0 };
	bool escaped = false;
	const char *cr = strchr(line, '\r');
	int r;

	/* a carriage return with more after it (not a CRLF's): a terminal shows the rest
	 * over the start, and read as a blank it would join what the eye takes apart */
	if (cr && cr[strspn(cr, "\r\n")])
		return ipp_err(err, EINVAL,
			       "a carriage return at column %zu with more of the line after it "
			       "(a line end of another system?): the line is not run",
			       (size_t)(cr - line) + 1);
	r = split(line, true, &escaped, &w, err);
	if (r == -EINVAL && escaped) {
		/*
		 * A quote left open after a backslash made one text: the line is
		 * Windows' ("C:\" closes after the backslash), read as netsh does.
		 */
		words_clear(&w);
		ipp_err_clear(err);
		r = split(line, false, &escaped, &w, err);
	}
	if (r >= 0)
		r = join(&w, &t, false, err);
	words_clear(&w);
	if (r < 0) {
		if (r == -ENOMEM)
			ipp_err(err, ENOMEM, "out of memory");
		ipp_tokens_clear(&t);
		return r;
	}
	*ret = t;
	return 0;
}

int ipp_lex_words(char *const *words, size_t n, struct ipp_tokens *ret, struct ipp_error *err)
{
	struct words w = { 0 };
	struct ipp_tokens t = { 0 };
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		struct word x = { .col = (int)i + 1, .eq = -1 };
		const char *eq = strchr(words[i], '=');
		struct ipp_tokens one = {0};
		struct ipp_error e = {0};

		if (strchr(words[i], '"')) {
			/* a word quoted as netsh quotes (name="a b", "name=a b", a whole
			 * line in one argument): as a script line reads it */
			if ((r = ipp_lex_line(words[i], &one, &e)) < 0) {
				r = ipp_err(err, -r, "argument %zu: %s", i + 1, e.msg);
				break;
			}
			for (size_t j = 0; j < one.n && r >= 0; j++) {
				struct ipp_token *k = &one.v[j];
				struct word y = {.col = (int)i + 1, .eq = -1, .quoted = k->quoted};

				if (k->tag) {
					if (asprintf(&y.text, "%s=%s", k->tag, k->text) < 0)
						y.text = NULL;
					y.eq = (int)strlen(k->tag);
					y.tail = true;
				} else {
					y.text = strdup(k->text);
				}
				if (!y.text)
					r = -ENOMEM;
				else if ((r = words_push(&w, &y)) < 0)
					free(y.text);
			}
			ipp_tokens_clear(&one);
			if (r < 0)
				break;
			continue;
		}
		x.text = strdup(words[i]);
		if (!x.text) {
			r = -ENOMEM;
			break;
		}
		if (eq && strcspn(words[i], " \t") < (size_t)(eq - words[i])) {
			/* a blank before the "=": the caller's shell had the word quoted
			 * ('name with = sign'), a value, as in a script line */
			x.quoted = true;
		} else if (eq) {
			x.eq = (int)(eq - words[i]);
			x.tail = eq[1] != '\0';
		}
		if ((r = words_push(&w, &x)) < 0)
			free(x.text);
	}
	if (r >= 0)
		r = join(&w, &t, true, err);
	words_clear(&w);
	if (r < 0) {
		if (r == -ENOMEM)
			ipp_err(err, ENOMEM, "out of memory");
		ipp_tokens_clear(&t);
		return r;
	}
	*ret = t;
	return 0;
}
