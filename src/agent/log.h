/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - the agent's log: the systemd journal (structured fields) when it
 * runs, else syslog(3); with --foreground every message also goes to stderr
 * as "ipsecpold: <level>: <message>".
 *
 * Priorities are syslog's (LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
 * LOG_DEBUG).  Messages carry their context (the object, the file, the
 * command) and put user-supplied strings in quotes.
 */
#ifndef IPP_AGENT_LOG_H
#define IPP_AGENT_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* @to_stderr: also write every message to stderr.  @max_prio: drop messages
 * with a larger (less important) priority, e.g. LOG_INFO. */
void ipp_log_init(bool to_stderr, int max_prio);

void ipp_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A structured event: @fields is a NULL-terminated array of "NAME=value"
 * strings (journal field names: upper case, digits, underscores) sent along
 * with MESSAGE and PRIORITY to the journal.  syslog and stderr get the
 * message only.  @fields and its strings are only read.
 */
void ipp_log_event(int prio, const char *const *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Tell the service manager (READY=1, STATUS=..., RELOADING=1, STOPPING=1); no-op without it. */
void ipp_sd_notify(const char *state);

#endif
