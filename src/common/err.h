/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * err.h - the one error convention of ipsecpol.
 *
 * Library functions return 0 or a negative errno.  When they fail they may
 * also fill an error object, handed in by the caller (NULL is allowed and
 * means "I only want the errno").  Only the programs' top levels print.
 */
#ifndef IPP_ERR_H
#define IPP_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define IPP_ERR_MSG_MAX 1024

struct ipp_error {
	int code;                  /* positive errno of the failure, 0 if none */
	int ipsec_code;            /* ERR IPsec[NNNNN] code for netsh output, 0 if none */
	char msg[IPP_ERR_MSG_MAX]; /* human text: names the offending token in quotes */
};

/*
 * Record a failure in @err (may be NULL) and return -@errnum, so that
 * callers can write `return ipp_err(err, EINVAL, "bad \"%s\"", tok);`.
 */
int ipp_err(struct ipp_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ipp_verr(struct ipp_error *err, int errnum, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Prefix the message already in @err with "prefix: " (context on the way up). */
void ipp_err_prefix(struct ipp_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reset @err to "no error". NULL-safe. */
void ipp_err_clear(struct ipp_error *err);

#endif
