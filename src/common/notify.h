/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify.h - talking to the running policy agent (ipsecpold).
 *
 * Two Unix sockets under ROOT/run/ipsecpol/:
 *   notify.sock     datagrams: "changed" after a store commit or a driver.conf
 *                   edit; the agent re-reads and applies at once.  Fire and forget.
 *   ipsecpold.sock  stream, the control protocol: one command per line, the
 *                   reply is zero or more lines followed by a final line
 *                   "OK" or "ERR <errno-name> <message>".
 * Commands: status, mode, reload, show-config, help (docs/ipsecpold.8).
 */
#ifndef IPP_NOTIFY_H
#define IPP_NOTIFY_H

#include "err.h"
#include "paths.h"

#define IPP_NOTIFY_SOCKET "notify.sock"

/* Fill @buf (IPP_PATH_MAX) with ROOT/run/ipsecpol/notify.sock. */
int ipp_notify_path(const struct ipp_paths *p, char *buf, struct ipp_error *err);

/*
 * Tell a running agent that the stores or driver.conf changed.  Returns 0
 * when the datagram was sent, -ENOENT / -ECONNREFUSED when no agent runs
 * (callers normally ignore that: the agent reads everything when it starts).
 * Never blocks.
 */
int ipp_notify_agent(const struct ipp_paths *p, struct ipp_error *err);

/*
 * Send one control command (e.g. "status") and read the whole reply.
 * On success *ret_body holds the reply lines before the final "OK" (malloc'ed,
 * owned by the caller, "" when none).  When the agent answers ERR, returns
 * the negative errno it named with its message in @err.  When no agent runs:
 * -ENOENT or -ECONNREFUSED with "the policy agent is not running".
 * @timeout_ms bounds the whole exchange (0 = 30 s).
 */
int ipp_agent_request(const struct ipp_paths *p, const char *cmd, int timeout_ms, char **ret_body,
		      struct ipp_error *err);

/* "EINVAL" for 22 (positive errno); "E?" when unknown.  Static string. */
const char *ipp_errno_name(int errnum);
/* The positive errno named @name ("EINVAL"), or 0 when unknown. */
int ipp_errno_from_name(const char *name);

#endif
