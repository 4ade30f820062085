/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nldump.h - one netlink dump: a request sent on a socket of its own, the
 * replies read to NLMSG_DONE (or, for a request that is not a dump, to its
 * acknowledgement).
 */
#ifndef IPP_NLDUMP_H
#define IPP_NLDUMP_H

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Send the dump request @req (@len bytes) on a new netlink socket of
 * @protocol (NETLINK_ROUTE, NETLINK_NETFILTER) in the current network
 * namespace and give each reply of message type @type to @fn, until
 * NLMSG_DONE, or the acknowledgement (an NLMSG_ERROR of 0) of a request
 * sent with NLM_F_ACK instead of NLM_F_DUMP.  0, @fn's negative return (which
 * ends the dump), or -errno: the socket's, or the kernel's for an
 * NLMSG_ERROR (-EIO when the input ends early).
 */
int ipp_nl_dump(int protocol, const void *req, size_t len, uint16_t type,
		int (*fn)(const struct nlmsghdr *nh, void *ctx), void *ctx);

#endif
