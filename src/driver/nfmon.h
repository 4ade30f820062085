/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfmon.h - changes that other processes make to table inet ipsecpol, from
 * nf_tables' notifications (the multicast group `nft monitor' reads).
 *
 * Every committed transaction ends with a new generation that names the
 * process that committed it; the notifications of its objects come before.
 * A transaction of another process that touched the table (the table, a
 * chain, a rule, a set or map, an element, a named object) is reported; the
 * elements of the flow cache sets, which the packet path fills, are not
 * looked at, and neither are the caller's own transactions.  The kernel
 * builds these notifications only while someone listens: the caller stops
 * listening around its own large transactions (ipp_nfmon_listen()).
 */
#ifndef IPP_NFMON_H
#define IPP_NFMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "../common/err.h"

struct ipp_nfmon; /* opaque: a netlink socket of the nf_tables group */

/* What another process did to the table (ipp_nfmon_read()). */
struct ipp_nfmon_change {
	bool lost;	/* notifications were lost (a full socket buffer): who and what unknown */
	long pid;	/* the process that committed it (0: unknown) */
	char comm[32];	/* its name ("" unknown) */
	char what[160]; /* the first thing it changed, in words ("an element of map X deleted") */
	bool elements;	/* only elements of maps and sets changed */
};

/*
 * A listener in the current network namespace; *ret owned by the caller:
 * ipp_nfmon_close().  0, or -errno (the message says why).
 */
int ipp_nfmon_open(struct ipp_nfmon **ret, struct ipp_error *err);
void ipp_nfmon_close(struct ipp_nfmon *m);
/* Its file descriptor, readable when notifications wait (for epoll). */
int ipp_nfmon_fd(const struct ipp_nfmon *m);
/*
 * Listen (@on) or not: while not, the kernel builds no notification for it
 * (what happens meanwhile is not seen).  0, or -errno.
 */
int ipp_nfmon_listen(struct ipp_nfmon *m, bool on);
/*
 * Read the notifications that wait.  1 when another process committed a
 * change to the table (*@ret says who and what: the first such transaction),
 * or notifications were lost (ret->lost); 0 when none; -errno when the
 * socket fails.
 */
int ipp_nfmon_read(struct ipp_nfmon *m, struct ipp_nfmon_change *ret);

#endif
