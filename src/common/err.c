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
	char pre[IPP_ERR_MSG_MAX], old[IPP_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old);
}

void ipp_err_clear(struct ipp_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->ipsec_code = 0;
	err->msg[0] = '\0';
}
