/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * utf8.h - UTF-8 validity, per RFC 3629.
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

#endif
