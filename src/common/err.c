/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "err.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The character at @p: its length in bytes (a UTF-8 sequence whole, a byte
 * that begins none alone), *@ctl whether it is written as \xHH: what a
 * terminal would act on (C0, DEL, C1: U+0080..U+009F, C2 80..9F) and a byte
 * that is not UTF-8 (0x80..0x9f is C1 to an 8-bit terminal; the others make
 * a message that is not text).
 */
static size_t char_at(const unsigned char *p, bool *ctl)
{
	size_t n = *p >= 0xc2 && *p <= 0xdf   ? 2
		   : *p >= 0xe0 && *p <= 0xef ? 3
		   : *p >= 0xf0 && *p <= 0xf4 ? 4
					      : 1;

	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			n = 1; /* (not a whole sequence: its first byte alone) */
	*ctl =
	    n == 1 ? *p < 0x20 || *p == 0x7f || *p >= 0x80 : n == 2 && p[0] == 0xc2 && p[1] <= 0x9f;
	return n;
}

void ipp_visible(char *msg, size_t size)
{
	const unsigned char *p;
	char *buf;
	size_t o = 0, k;
	bool ctl = false;

	for (p = (const unsigned char *)msg; *p; p += k)
		if ((k = char_at(p, &ctl)) && ctl)
			break;
	if (!*p || size == 0)
		return;
	if (!(buf = malloc(size))) {
		/* (no room to write them out: blanks, still nothing a terminal acts on) */
		for (unsigned char *q = (unsigned char *)msg; *q; q += k)
			if ((k = char_at(q, &ctl)) && ctl)
				memset(q, ' ', k);
		return;
	}
	for (p = (const unsigned char *)msg; *p; p += k) {
		k = char_at(p, &ctl);
		if (o + (ctl ? 4 * k : k) + 1 > size)
			break; /* (cut between characters) */
		if (ctl)
			for (size_t j = 0; j < k; j++)
				o += (size_t)snprintf(buf + o, size - o, "\\x%02x", p[j]);
		else
			memcpy(buf + o, p, k), o += k;
	}
	buf[o] = '\0';
	memcpy(msg, buf, o + 1);
	free(buf);
}

int ipp_verr(struct ipp_error *err, int errnum, const char *fmt, va_list ap)
{
	if (errnum < 0)
		errnum = -errnum;
	if (errnum == 0)
		errnum = EINVAL;
	if (err) {
		err->code = errnum;
		err->ipsec_code = 0;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		ipp_visible(err->msg, sizeof(err->msg));
	}
	return -errnum;
}

int ipp_err(struct ipp_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = ipp_verr(err, errnum, fmt, ap);
	va_end(ap);
	return r;
}

void ipp_err_prefix(struct ipp_error *err, const char *fmt, ...)
{
	char buf[IPP_ERR_MSG_MAX];
	size_t n;
	va_list ap;
	int r;

	if (!err)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n = strlen(buf);
	if (n + 2 < sizeof(buf)) {
		memcpy(buf + n, ": ", 3);
		n += 2;
		/* keep as much of the old message as fits */
		size_t old = strnlen(err->msg, sizeof(err->msg));
		if (old > sizeof(buf) - n - 1)
			old = sizeof(buf) - n - 1;
		memcpy(buf + n, err->msg, old);
		buf[n + old] = '\0';
	}
	memcpy(err->msg, buf, sizeof(err->msg));
	ipp_visible(err->msg, sizeof(err->msg));
}

int ipp_err_ipsec(struct ipp_error *err, enum ipp_ipsec_code code, int r)
{
	if (err)
		err->ipsec_code = (int)code;
	return r;
}

void ipp_err_clear(struct ipp_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->ipsec_code = 0;
	err->msg[0] = '\0';
}
