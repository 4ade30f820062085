/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h - a small streaming JSON writer.
 *
 * The writer keeps only the nesting state; every call writes straight to the
 * FILE it was given.  Inside an object every value call takes the member's
 * key; inside an array (and at the top level) @key must be NULL.  Strings are
 * escaped as RFC 8259 requires: '"', '\\' and control characters are escaped,
 * valid UTF-8 passes through unchanged and every byte that is not part of a
 * valid UTF-8 sequence becomes U+FFFD, so the output is always valid JSON.
 *
 * Nothing is allocated; the struct lives wherever the caller puts it.
 */
#ifndef IPP_JSON_H
#define IPP_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define IPP_JSON_MAX_DEPTH 32

struct ipp_json {
	FILE *out;
	bool pretty;			/* newlines and two-space indentation */
	unsigned depth;			/* open objects and arrays */
	bool empty[IPP_JSON_MAX_DEPTH]; /* nothing written yet at that depth */
};

/* Start a document on @out.  @pretty: one member per line, indented. */
void ipp_json_init(struct ipp_json *j, FILE *out, bool pretty);
/* After the top-level value: write the final newline. */
void ipp_json_finish(struct ipp_json *j);

void ipp_json_object_begin(struct ipp_json *j, const char *key);
void ipp_json_object_end(struct ipp_json *j);
void ipp_json_array_begin(struct ipp_json *j, const char *key);
void ipp_json_array_end(struct ipp_json *j);

/* A string member or element; @val NULL writes null. */
void ipp_json_string(struct ipp_json *j, const char *key, const char *val);
void ipp_json_int(struct ipp_json *j, const char *key, int64_t val);
void ipp_json_bool(struct ipp_json *j, const char *key, bool val);
void ipp_json_null(struct ipp_json *j, const char *key);

/* Write @s as a quoted, escaped JSON string (also used for keys). */
void ipp_json_write_string(FILE *out, const char *s);

#endif
