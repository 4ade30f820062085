/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * utf8.c - UTF-8 validity (utf8.h).
 */
#include "utf8.h"

size_t ipp_utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

long ipp_utf8_bad_at(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	for (; p[i]; i += n)
		if (!(n = ipp_utf8_seq_len(p + i)))
			return (long)i;
	return -1;
}
