/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.c - the streaming JSON writer of json.h.
 */
#include "json.h"

#include <inttypes.h>
#include <stddef.h>

#include "../common/utf8.h"

void ipp_json_init(struct ipp_json *j, FILE *out, bool pretty)
{
	j->out = out;
	j->pretty = pretty;
	j->depth = 0;
	j->empty[0] = true;
}

void ipp_json_finish(struct ipp_json *j)
{
	fputc('\n', j->out);
}

void ipp_json_write_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':
			fputs("\\\"", out);
			s++;
			continue;
		case '\\':
			fputs("\\\\", out);
			s++;
			continue;
		case '\b':
			fputs("\\b", out);
			s++;
			continue;
		case '\f':
			fputs("\\f", out);
			s++;
			continue;
		case '\n':
			fputs("\\n", out);
			s++;
			continue;
		case '\r':
			fputs("\\r", out);
			s++;
			continue;
		case '\t':
			fputs("\\t", out);
			s++;
			continue;
		default:
			break;
		}
		if (*s < 0x20) {
			fprintf(out, "\\u%04x", *s);
			s++;
			continue;
		}
		n = ipp_utf8_seq_len(s);
		if (n == 0) {
			/* Not UTF-8: keep the document valid rather than pass the byte on. */
			fputs("\\ufffd", out);
			s++;
			continue;
		}
		fwrite(s, 1, n, out);
		s += n;
	}
	fputc('"', out);
}

static void indent(struct ipp_json *j)
{
	unsigned i;

	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Separator, indentation and key before a value. */
static void member(struct ipp_json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->empty[j->depth])
			fputc(',', j->out);
		indent(j);
	}
	j->empty[j->depth] = false;
	if (key) {
		ipp_json_write_string(j->out, key);
		fputs(j->pretty ? ": " : ":", j->out);
	}
}

static void json_open(struct ipp_json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < IPP_JSON_MAX_DEPTH)
		j->depth++;
	j->empty[j->depth] = true;
}

static void json_close(struct ipp_json *j, char c)
{
	bool was_empty = j->empty[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!was_empty)
		indent(j);
	fputc(c, j->out);
}

void ipp_json_object_begin(struct ipp_json *j, const char *key)
{
	json_open(j, key, '{');
}

void ipp_json_object_end(struct ipp_json *j)
{
	json_close(j, '}');
}

void ipp_json_array_begin(struct ipp_json *j, const char *key)
{
	json_open(j, key, '[');
}

void ipp_json_array_end(struct ipp_json *j)
{
	json_close(j, ']');
}

void ipp_json_string(struct ipp_json *j, const char *key, const char *val)
{
	member(j, key);
	if (val)
		ipp_json_write_string(j->out, val);
	else
		fputs("null", j->out);
}

void ipp_json_int(struct ipp_json *j, const char *key, int64_t val)
{
	member(j, key);
	fprintf(j->out, "%" PRId64, val);
}

void ipp_json_bool(struct ipp_json *j, const char *key, bool val)
{
	member(j, key);
	fputs(val ? "true" : "false", j->out);
}

void ipp_json_null(struct ipp_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->out);
}
