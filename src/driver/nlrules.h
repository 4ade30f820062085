/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nlrules.h - the rules of table inet ipsecpol that count (a counter
 * statement), its sets, their elements and its named counters, read over
 * nfnetlink without libnftables' cache.
 */
#ifndef IPP_NLRULES_H
#define IPP_NLRULES_H

#include <stddef.h>
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

/*
 * Give @fn the key (the kernel's layout: each field of a concatenation
 * padded to 4 bytes, in network byte order) and the counter of each
 * element of set @set of the table.  0, or -errno (-ENOENT: no such set).
 */
int ipp_nlset_read(const char *set,
		   int (*fn)(const uint8_t *key, size_t keylen, uint64_t packets, uint64_t bytes,
			     void *ctx),
		   void *ctx);

/*
 * ipp_nlset_read() for a verdict map: @fn gets each element's verdict too:
 * its code (NF_ACCEPT, NF_DROP, NFT_GOTO ...; INT32_MIN when it has none)
 * and the chain a jump or goto names ("" when none).
 */
int ipp_nlmap_read(const char *map,
		   int (*fn)(const uint8_t *key, size_t keylen, int verdict, const char *chain,
			     uint64_t packets, uint64_t bytes, void *ctx),
		   void *ctx);

/*
 * Give @fn the name, flags (NFT_SET_*: NFT_SET_MAP for a map) and size (0:
 * unbounded) of each set of the table.  0, or -errno.
 */
int ipp_nlsets_list(int (*fn)(const char *name, uint32_t flags, uint32_t size, void *ctx),
		    void *ctx);

/*
 * Give @fn the name, comment ("" when none) and counts of each named counter
 * object of the table.  0, or -errno.
 */
int ipp_nlcounters_read(int (*fn)(const char *name, const char *comment, uint64_t packets,
				  uint64_t bytes, void *ctx),
			void *ctx);

/*
 * Read and zero named counter @name of the table: *@packets, *@bytes get
 * what it counted.  0, -ENOENT when there is none, or -errno.
 */
int ipp_nlcounter_reset(const char *name, uint64_t *packets, uint64_t *bytes);

/*
 * The comment of the table (@buf, @len bytes; "" when it has none), and its
 * handle in *@handle (may be NULL): the kernel numbers the tables it creates
 * in a network namespace, so another table put in its place (a saved copy
 * loaded again) has another.  0, -ENOENT when there is no table, or -errno.
 */
int ipp_nltable_comment(char *buf, size_t len, uint64_t *handle);
/* The same, and the table's flags (NFT_TABLE_F_*: dormant, owner) in *@flags (may be NULL). */
int ipp_nltable_info(char *buf, size_t len, uint64_t *handle, uint32_t *flags);

/*
 * The generation of the ruleset of the network namespace, which every
 * transaction moves (@ret); 0, or -errno.
 */
int ipp_nlgen(uint32_t *ret);

/*
 * The fingerprint of the rules of each chain of the table (of @chain alone
 * when not NULL) to @fn, a chain at a time, in the kernel's order: their
 * handles, comments and expressions, without what traffic moves (counts),
 * so that a rule replaced in place (it keeps its handle and its chain's rule
 * count) changes it.  A chain without rules is not given.  0, what @fn
 * returned when not 0, or -errno.
 */
int ipp_nlrules_fingerprints(const char *chain, int (*fn)(const char *chain, uint64_t h, void *ctx),
			     void *ctx);

/* The number of rules of chain @chain of the table in *@ret; 0, or -errno (-ENOENT: none). */
int ipp_nlchain_rules(const char *chain, unsigned *ret);

/*
 * The policy of base chain @chain of the table: 1 accept, 0 drop; -ENOENT
 * when there is no such chain (no table), another -errno on failure.
 */
int ipp_nlchain_policy(const char *chain);

#endif
