/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include "../common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#ifdef IPP_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif

#define IDENT "ipsecpold"
#define MAX_FIELDS 24

static bool log_stderr;
static int log_max = LOG_INFO;
static bool syslog_open;
#ifdef IPP_HAVE_SYSTEMD
static int journal_state; /* 0 unknown, 1 works, -1 absent: use syslog */
#endif

void ipp_log_init(bool to_stderr, int max_prio)
{
	log_stderr = to_stderr;
	log_max = max_prio;
}

static const char *prio_name(int prio)
{
	static const char *const names[] = {"emerg",   "alert",	 "crit", "error",
					    "warning", "notice", "info", "debug"};

	return names[prio & 7];
}

static void to_syslog(int prio, const char *msg)
{
	if (!syslog_open) {
		openlog(IDENT, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		syslog_open = true;
	}
	syslog(prio, "%s", msg);
}

static void emit(int prio, const char *const *fields, char *msg, size_t size)
{
	if (prio > log_max)
		return;
	/* (a process name, a file's value: nothing in a log line a terminal acts on) */
	ipp_visible(msg, size);
	if (log_stderr)
		fprintf(stderr, IDENT ": %s: %s\n", prio_name(prio), msg);
#ifdef IPP_HAVE_SYSTEMD
	if (journal_state >= 0) {
		struct iovec iov[MAX_FIELDS + 3];
		char m[8192], p[16];
		int n = 0;

		snprintf(m, sizeof(m), "MESSAGE=%s", msg);
		snprintf(p, sizeof(p), "PRIORITY=%d", prio & 7);
		iov[n++] = (struct iovec){m, strlen(m)};
		iov[n++] = (struct iovec){p, strlen(p)};
		iov[n++] = (struct iovec){(char *)"SYSLOG_IDENTIFIER=" IDENT,
					  strlen("SYSLOG_IDENTIFIER=" IDENT)};
		for (; fields && *fields && n < MAX_FIELDS + 3; fields++)
			iov[n++] = (struct iovec){(char *)*fields, strlen(*fields)};
		if (sd_journal_sendv(iov, n) >= 0) {
			journal_state = 1;
			return;
		}
		if (journal_state == 0)
			journal_state = -1; /* no journal here: syslog from now on */
	}
#endif
	to_syslog(prio, msg);
}

void ipp_log(int prio, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	if (prio > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(prio, NULL, msg, sizeof(msg));
}

void ipp_log_event(int prio, const char *const *fields, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	if (prio > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(prio, fields, msg, sizeof(msg));
}

void ipp_sd_notify(const char *state)
{
#ifdef IPP_HAVE_SYSTEMD
	(void)sd_notify(0, state);
#else
	(void)state;
#endif
}
