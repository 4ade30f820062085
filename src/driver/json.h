/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h - a small JSON reader for libnftables' JSON output (internal).
 *
 * Parses a whole document into a tree.  Strings are unescaped (\uXXXX
 * escapes outside ASCII become UTF-8); numbers are kept as text and read
 * with ipp_json_u64().  Enough for `list map ... ` output; not a general
 * purpose library.
 */
#ifndef IPP_DRIVER_JSON_H
#define IPP_DRIVER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ipp_json_type {
	IPP_JSON_NULL = 0,
	IPP_JSON_BOOL,
	IPP_JSON_NUMBER,
	IPP_JSON_STRING,
	IPP_JSON_ARRAY,
	IPP_JSON_OBJECT,
};

struct ipp_json {
	enum ipp_json_type type;
	char *key;               /* member name inside an object, else NULL */
	char *str;               /* STRING, NUMBER (its text); BOOL "true"/"false" */
	struct ipp_json **items; /* ARRAY elements, OBJECT members, in order */
	size_t n;
};

/* Parse @text; *ret owned by the caller (ipp_json_free()).  -EINVAL, -ENOMEM. */
int ipp_json_parse(const char *text, struct ipp_json **ret);
void ipp_json_free(struct ipp_json *j);

/*
 * Parse the one value that starts at *@pos (after optional white space) and
 * advance *@pos past it: for walking a long array one item at a time.
 */
int ipp_json_parse_next(const char **pos, struct ipp_json **ret);

/* The member @key of object @j, or NULL (also when @j is not an object). */
const struct ipp_json *ipp_json_get(const struct ipp_json *j, const char *key);
/* A number's value; false when @j is not a non-negative integer. */
bool ipp_json_u64(const struct ipp_json *j, uint64_t *ret);

#endif
