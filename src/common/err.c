/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ipp_visible(char *msg, size_t size)
{
	const unsigned char *p;
	char *buf;
	size_t o = 0;

	for (p = (const unsigned char *)msg; *p && *p >= 0x20 && *p != 0x7f; p++)
		;
	if (!*p || size == 0)
		return;
	if (!(buf = malloc(size))) {
		/* (no room to write them out: blanks, still nothing a terminal acts on) */
		for (char *q = msg; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = ' ';
		return;
	}
	for (p = (const unsigned char *)msg; *p && o + 5 < size; p++)
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *p);
		else
			buf[o++] = (char)*p;
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
