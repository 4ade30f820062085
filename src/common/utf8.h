/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * utf8.h - UTF-8 validity, per RFC 3629, and case folding.
 */
#ifndef IPP_UTF8_H
#define IPP_UTF8_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at @s (1..4), or 0 when the bytes there
 * are not one (overlong forms, surrogates and code points above U+10FFFF
 * count as invalid).  Reads no further than a NUL at @s or within the
 * sequence.
 */
size_t ipp_utf8_seq_len(const unsigned char *s);

/* The offset of the first byte of the string @s that is not valid UTF-8, or -1. */
long ipp_utf8_bad_at(const char *s);

/*
 * @s with every character in lower case (Unicode simple case mapping, of the
 * C.UTF-8 locale; ASCII only where the system has none), into @out (@len
 * bytes; a character's lower case takes at most one byte more than itself,
 * so 2 * strlen(s) + 1 always suffice).  Bytes that are not UTF-8 are copied.
 * How names that differ only in case are told to be the same, as Windows
 * compares them.
 */
void ipp_utf8_fold(const char *s, char *out, size_t len);

/* strcasecmp() for UTF-8 names: negative, 0 or positive as @a, folded, sorts before @b. */
int ipp_utf8_casecmp(const char *a, const char *b);

/* Code point @c (below 0x110000) as UTF-8 into @p (4 bytes); its length. */
size_t ipp_utf8_put(unsigned long c, char *p);

/*
 * @s with each byte that is not UTF-8 replaced by U+FFFD, malloc'ed (owned
 * by the caller, free()); NULL when out of memory.
 */
char *ipp_utf8_repaired(const char *s);

/* Does @s hold a byte outside ASCII? */
int ipp_utf8_has_nonascii(const char *s);

#endif
