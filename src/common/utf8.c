/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * utf8.c - UTF-8 validity (utf8.h).
 */
#include "utf8.h"

#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

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

char *ipp_utf8_repaired(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n, o = 0;
	char *out = malloc(3 * strlen(s) + 1); /* (U+FFFD is three bytes) */

	if (!out)
		return NULL;
	for (i = 0; p[i]; i += n) {
		if ((n = ipp_utf8_seq_len(p + i))) {
			memcpy(out + o, p + i, n);
			o += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		}
	}
	out[o] = '\0';
	return out;
}

int ipp_utf8_has_nonascii(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static locale_t fold_locale;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static void fold_init(void)
{
	static const char *const names[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !fold_locale; i++)
		fold_locale = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
}

size_t ipp_utf8_put(unsigned long c, char *p)
{
	if (c < 0x80) {
		p[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (char)(0xc0 | c >> 6);
		p[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (char)(0xe0 | c >> 12);
		p[1] = (char)(0x80 | (c >> 6 & 0x3f));
		p[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (char)(0xf0 | c >> 18);
	p[1] = (char)(0x80 | (c >> 12 & 0x3f));
	p[2] = (char)(0x80 | (c >> 6 & 0x3f));
	p[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

void ipp_utf8_fold(const char *s, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n, i;

	if (!len)
		return;
	pthread_once(&fold_once, fold_init);
	while (*p) {
		char buf[4];
		unsigned long c;
		size_t k;

		n = ipp_utf8_seq_len(p);
		if (n <= 1 || !fold_locale) {
			/* ASCII, or a byte that is not UTF-8 */
			buf[0] = (char)(n == 1 && *p < 0x80 ? tolower(*p) : *p);
			k = 1;
			n = 1;
		} else {
			c = n == 2 ? *p & 0x1fu : n == 3 ? *p & 0x0fu : *p & 0x07u;
			for (i = 1; i < n; i++)
				c = c << 6 | (p[i] & 0x3fu);
			k = ipp_utf8_put((unsigned long)towlower_l((wint_t)c, fold_locale), buf);
		}
		if (o + k >= len)
			break;
		for (i = 0; i < k; i++)
			out[o++] = buf[i];
		p += n;
	}
	out[o] = '\0';
}

int ipp_utf8_casecmp(const char *a, const char *b)
{
	char sa[512], sb[512], *fa = sa, *fb = sb;
	size_t na, nb;
	int r;

	if (!ipp_utf8_has_nonascii(a) && !ipp_utf8_has_nonascii(b))
		return strcasecmp(a, b);
	na = 2 * strlen(a) + 1;
	nb = 2 * strlen(b) + 1;
	if ((na > sizeof(sa) && !(fa = malloc(na))) || (nb > sizeof(sb) && !(fb = malloc(nb)))) {
		r = strcasecmp(a, b); /* out of memory: as ASCII */
		goto out;
	}
	ipp_utf8_fold(a, fa, na);
	ipp_utf8_fold(b, fb, nb);
	r = strcmp(fa, fb);
out:
	if (fa != sa)
		free(fa);
	if (fb != sb)
		free(fb);
	return r;
}
