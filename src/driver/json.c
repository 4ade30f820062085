/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.c - recursive-descent JSON reader for libnftables output.
 */
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct parser {
	const char *p;
	int depth;
};

void ipp_json_free(struct ipp_json *j)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->n; i++)
		ipp_json_free(j->items[i]);
	free(j->items);
	free(j->key);
	free(j->str);
	free(j);
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static int hex4(const char *s, unsigned *ret)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string starting at the opening quote; *ret malloc'ed. */
static int parse_string(struct parser *ps, char **ret)
{
	const char *s = ps->p + 1, *e;
	char *out, *o;

	/* the unescaped text is never longer than the escaped one */
	for (e = s; *e && *e != '"'; e++)
		if (*e == '\\' && e[1])
			e++;
	if (*e != '"')
		return -EINVAL;
	out = malloc((size_t)(e - s) + 1);
	if (!out)
		return -ENOMEM;
	for (o = out; s < e; s++) {
		unsigned cp, lo;

		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u':
			if (hex4(s + 1, &cp) < 0)
				goto bad;
			s += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && s[1] == '\\' && s[2] == 'u' &&
			    hex4(s + 3, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			o += put_utf8(o, cp);
			break;
		default:
			*o++ = *s;
			break;
		}
	}
	*o = '\0';
	ps->p = e + 1;
	*ret = out;
	return 0;
bad:
	free(out);
	return -EINVAL;
}

static int parse_value(struct parser *ps, struct ipp_json **ret);

static int push(struct ipp_json *j, struct ipp_json *item, size_t *cap)
{
	if (j->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct ipp_json **v = realloc(j->items, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		j->items = v;
		*cap = ncap;
	}
	j->items[j->n++] = item;
	return 0;
}

static int parse_container(struct parser *ps, struct ipp_json *j, bool object)
{
	char close = object ? '}' : ']';
	size_t cap = 0;
	int r;

	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct ipp_json *item;
		char *key = NULL;

		skip_ws(ps);
		if (object) {
			if (*ps->p != '"')
				return -EINVAL;
			if ((r = parse_string(ps, &key)) < 0)
				return r;
			skip_ws(ps);
			if (*ps->p != ':') {
				free(key);
				return -EINVAL;
			}
			ps->p++;
		}
		if ((r = parse_value(ps, &item)) < 0) {
			free(key);
			return r;
		}
		item->key = key;
		if ((r = push(j, item, &cap)) < 0) {
			ipp_json_free(item);
			return r;
		}
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return 0;
		}
		return -EINVAL;
	}
}

static int parse_value(struct parser *ps, struct ipp_json **ret)
{
	struct ipp_json *j;
	int r = 0;

	if (++ps->depth > MAX_DEPTH)
		return -EINVAL;
	skip_ws(ps);
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	switch (*ps->p) {
	case '{':
		j->type = IPP_JSON_OBJECT;
		r = parse_container(ps, j, true);
		break;
	case '[':
		j->type = IPP_JSON_ARRAY;
		r = parse_container(ps, j, false);
		break;
	case '"':
		j->type = IPP_JSON_STRING;
		r = parse_string(ps, &j->str);
		break;
	default:
		if (!strncmp(ps->p, "null", 4)) {
			j->type = IPP_JSON_NULL;
			ps->p += 4;
		} else if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "false", 5)) {
			bool t = ps->p[0] == 't';

			j->type = IPP_JSON_BOOL;
			j->str = strdup(t ? "true" : "false");
			ps->p += t ? 4 : 5;
			if (!j->str)
				r = -ENOMEM;
		} else if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
			const char *s = ps->p;

			while (*ps->p && strchr("+-0123456789.eE", *ps->p))
				ps->p++;
			j->type = IPP_JSON_NUMBER;
			j->str = strndup(s, (size_t)(ps->p - s));
			if (!j->str)
				r = -ENOMEM;
		} else {
			r = -EINVAL;
		}
	}
	ps->depth--;
	if (r < 0) {
		ipp_json_free(j);
		return r;
	}
	*ret = j;
	return 0;
}

int ipp_json_parse(const char *text, struct ipp_json **ret)
{
	struct parser ps = {text, 0};
	struct ipp_json *j;
	int r;

	if ((r = parse_value(&ps, &j)) < 0)
		return r;
	skip_ws(&ps);
	if (*ps.p) {
		ipp_json_free(j);
		return -EINVAL;
	}
	*ret = j;
	return 0;
}

int ipp_json_parse_next(const char **pos, struct ipp_json **ret)
{
	struct parser ps = {*pos, 0};
	int r;

	if ((r = parse_value(&ps, ret)) < 0)
		return r;
	*pos = ps.p;
	return 0;
}

const struct ipp_json *ipp_json_get(const struct ipp_json *j, const char *key)
{
	size_t i;

	if (!j || j->type != IPP_JSON_OBJECT)
		return NULL;
	for (i = 0; i < j->n; i++)
		if (j->items[i]->key && !strcmp(j->items[i]->key, key))
			return j->items[i];
	return NULL;
}

bool ipp_json_u64(const struct ipp_json *j, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!j || j->type != IPP_JSON_NUMBER || !j->str || j->str[0] == '-')
		return false;
	errno = 0;
	v = strtoull(j->str, &end, 10);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}
