/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "err.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

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
