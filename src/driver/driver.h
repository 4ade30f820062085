/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * driver.h - the only code that changes the kernel: libnftables.
 *
 * Everything ipsecpol enforces lives in one table, `inet ipsecpol`.  A
 * ruleset text is applied as one libnftables buffer, i.e. one kernel
 * transaction: all or nothing.
 */
#ifndef IPP_DRIVER_H
#define IPP_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/err.h"

#define IPP_NFT_TABLE "ipsecpol"
#define IPP_NFT_FAMILY "inet"

struct ipp_driver; /* opaque: a libnftables context */

/* *ret owned by the caller: ipp_driver_close(). */
int ipp_driver_open(struct ipp_driver **ret, struct ipp_error *err);
void ipp_driver_close(struct ipp_driver *d);

/*
 * Run @text (nft syntax) as one transaction.  With @dry_run the kernel
 * checks it and changes nothing.  On failure the kernel's messages are in
 * err->msg; nothing changed.
 */
int ipp_driver_run(struct ipp_driver *d, const char *text, bool dry_run, struct ipp_error *err);

/*
 * Run a listing command (e.g. "list table inet ipsecpol") and return its
 * output (JSON when @json).  *ret is malloc'ed, owned by the caller.
 */
int ipp_driver_query(struct ipp_driver *d, const char *cmd, bool json, char **ret,
		     struct ipp_error *err);

/* Does our table exist in this network namespace? */
int ipp_driver_table_exists(struct ipp_driver *d, bool *ret, struct ipp_error *err);

#endif
