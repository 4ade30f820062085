/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lexer.h - netsh command lines to tokens.
 *
 * A line is split on blanks into words.  Double quotes group blanks into a
 * word and are removed ("a b", tag="a b"); inside quotes a run of
 * backslashes before a double quote is halved and an odd one left makes the
 * quote text (\" is a literal quote, "x\\" is x\; every other backslash is
 * kept, so rootca's \' passes through).  A line that this leaves with a quote
 * open is one of Windows' netsh, which has no escapes ("C:\" is C:\): it is
 * read again with every backslash as text.  An unquoted '#' that starts a
 * word starts a comment that runs to the end of the line.
 *
 * Words are then joined into tag/value tokens: "tag=value", "tag= value",
 * "tag =value" and "tag = value" all give the tag "tag" and the value
 * "value"; the first unquoted '=' of a word separates tag and value, so
 * description=a=b has the value "a=b" and "a=b" (quoted) is a tagless value.
 * A word without an unquoted '=' is a tagless value.
 *
 * Every token keeps the column where it starts (argv mode: the index of its
 * word, 1-based) so that errors can point at it.
 */
#ifndef IPP_NETSH_LEXER_H
#define IPP_NETSH_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/err.h"

#define IPP_LINE_MAX 65536 /* longest command line accepted */

struct ipp_token {
	char *tag;   /* the tag as written (tag=value), NULL for a tagless value */
	char *text;  /* the value, quotes removed; never NULL */
	int col;     /* 1-based column of the token's first character (argv: word index) */
	bool quoted; /* some part of the value was quoted */
};

struct ipp_tokens {
	struct ipp_token *v; /* owned, with every tag and text */
	size_t n;
	size_t cap;
};

/*
 * Split and join one line.  On success *ret holds the tokens (possibly none:
 * blank line or comment) and is owned by the caller (ipp_tokens_clear).
 * Errors (-EINVAL): unterminated quote, "=" without a tag, "tag=" without a
 * value, a line longer than IPP_LINE_MAX; the message names the column.
 * *ret is left empty on failure.
 */
int ipp_lex_line(const char *line, struct ipp_tokens *ret, struct ipp_error *err);

/*
 * Join already split words (a program's argv, split by the caller's shell):
 * only the tag=value joining above, and a word holding a double quote is
 * read as a script line reads it (name="a b" is name=a b; a whole line in
 * one word is its tokens; an open quote fails); no comment processing.
 * Ownership and errors as ipp_lex_line.
 */
int ipp_lex_words(char *const *words, size_t n, struct ipp_tokens *ret, struct ipp_error *err);

/* Free every token and reset @t to empty. NULL-safe. */
void ipp_tokens_clear(struct ipp_tokens *t);

#endif
