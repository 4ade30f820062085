/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nlrules.h - the rules of table inet ipsecpol that count (a counter
 * statement), read over nfnetlink without libnftables' cache.
 */
#ifndef IPP_NLRULES_H
#define IPP_NLRULES_H

#include <stdint.h>

#define IPP_NLRULE_NAME_MAX 256	   /* a chain's name (NFT_NAME_MAXLEN) */
#define IPP_NLRULE_COMMENT_MAX 256 /* a rule's comment (NFT_USERDATA_MAXLEN) */

/*
 * Give @fn the chain, comment ("" when none) and summed counters of each
 * rule of the table that has a counter, in the current network namespace;
 * @fn's negative return ends the walk and is returned.  0, or -errno.
 */
int ipp_nlrules_read(int (*fn)(const char *chain, const char *comment, uint64_t packets,
			       uint64_t bytes, void *ctx),
		     void *ctx);

#endif
