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

/*
 * The codes of netsh's "ERR IPsec[NNNNN] : text" lines that scripts and
 * wrappers written against Windows test for; only these are given out, an
 * error without one is printed "ERR IPsec : text" (netsh(8) name only).
 */
enum ipp_ipsec_code {
	IPP_IPSEC_FILTERLIST_EXISTS = 5010,   /* a filter list of that name exists */
	IPP_IPSEC_FILTERACTION_EXISTS = 5014, /* a filter action of that name exists */
	IPP_IPSEC_NO_FILTERLISTS = 5067,      /* the store holds no filter list */
	IPP_IPSEC_NO_FILTERACTIONS = 5068,    /* the store holds no filter action */
	IPP_IPSEC_NO_POLICIES = 5072,	      /* the store holds no policy */
	IPP_IPSEC_STORE_OPEN = 5073,	      /* the policy store cannot be opened */
};

/* Give the failure recorded in @err (may be NULL) netsh's code @code; returns @r. */
int ipp_err_ipsec(struct ipp_error *err, enum ipp_ipsec_code code, int r);

/*
 * The control characters of @msg (a C string in a buffer of @size bytes)
 * written as \xHH, cut to the buffer: a message names its input as given,
 * which may hold a hostile file's escape sequences or carriage returns, and
 * no terminal or log that shows it is to act on them.  ipp_err() and
 * ipp_err_prefix() do it to every message.
 */
void ipp_visible(char *msg, size_t size);

/* Reset @err to "no error". NULL-safe. */
void ipp_err_clear(struct ipp_error *err);

#endif
