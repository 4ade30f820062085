/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modes.h - the driver modes as states of the `inet ipsecpol` table, and the
 * pure emitters of the rulesets of the modes that do not come from a policy.
 *
 *   startup-permit, permit   no table: nothing is filtered
 *   startup-block            input and output dropped except loopback, DHCP
 *                            (and DHCPv6, IPv6 neighbour discovery) and the
 *                            boot exemptions, each allowed both ways, stateless
 *   startup-stateful         outbound allowed and tracked (conntrack); inbound
 *                            only replies, DHCP, neighbour discovery and the
 *                            boot exemptions; all other inbound dropped
 *   secure                   the compiled effective policy (not emitted here)
 *   block                    operational block: everything dropped both ways
 *                            except loopback; no exemptions, no DHCP
 *
 * Every text starts with "table inet ipsecpol {}" and "delete table inet
 * ipsecpol", so that applied as one buffer it replaces whatever is in force
 * in one kernel transaction.  Forwarded traffic is not filtered (host policy).
 *
 * The guard.  When a table is replaced, the kernel makes the new rules
 * visible and the old maps' elements inactive in one generation flip, but a
 * packet already walking the old rules looks their elements up against the
 * new generation: a verdict map of the old table can miss.  The secure
 * ruleset permits what no filter decides only through a lookup of its own
 * under base chains of policy drop (emit.c, emit_alive()), which such a
 * packet misses too: it is dropped.  A secure ruleset of an earlier version
 * had base chains of policy accept, which let the packet through, while the
 * new chains, not yet committed, accept too.  So a filtering mode that
 * replaces such a ruleset (ipp_agent_guard_needed()) is installed in two
 * transactions: first the same ruleset as table `inet ipsecpol_guard`
 * (added next to whatever is in force: the packet must pass both), then the
 * replacement of `inet ipsecpol`, which also deletes the guard.  (The fixed
 * modes' own base chains have policy drop: replacing them needs no guard.)  The guard's own
 * deletion is harmless: its rules only accept on a match and end in an explicit drop, so a missed
 * lookup drops.  A mode without a table needs no guard (the race can only accept).
 *
 * IPv6 fragments.  Startup-block matches ports without conntrack (DHCP,
 * DHCPv6 and the boot exemptions): with opts.defrag6 it holds the chain
 * defrag6 of the secure ruleset (compile.h, "IPv6 fragments"), so that the
 * kernel reassembles IPv6 before the input hook and a large datagram to an
 * exempted port is not dropped for the ports its non-first fragments lack.
 * Startup-stateful needs no such chain (its conntrack reassembles), block
 * and the permit modes match no ports.
 *
 * With diagnostics on (DiagnosticMode >= 1), every drop is preceded by an
 * NFLOG statement to group IPP_NFLOG_GROUP whose prefix is
 * "ipsecpol <mode> <in|out> <reason>": the agent reads it (diagnostics).
 */
#ifndef IPP_MODES_H
#define IPP_MODES_H

#include <stdbool.h>
#include <stdio.h>

#include "../common/driverconf.h"
#include "../common/err.h"

enum ipp_mode {
	IPP_MODE_INVALID = 0,
	IPP_MODE_PERMIT,
	IPP_MODE_STARTUP_PERMIT,
	IPP_MODE_STARTUP_BLOCK,
	IPP_MODE_STARTUP_STATEFUL,
	IPP_MODE_SECURE,
	IPP_MODE_BLOCK,
};

/* "permit", "startup-permit", "startup-block", "startup-stateful", "secure", "block". */
const char *ipp_mode_name(enum ipp_mode m);
/* Inverse of ipp_mode_name(); IPP_MODE_INVALID when unknown. */
enum ipp_mode ipp_mode_from_name(const char *name);
/* The startup mode of a (resolved) boot mode; UNSET and INVALID give startup-block. */
enum ipp_mode ipp_mode_from_bootmode(enum ipp_bootmode b);

/* NFLOG group of the drop log statements, and bytes of each packet copied to it. */
/* The table of the guard (see above). */
#define IPP_NFT_GUARD_TABLE "ipsecpol_guard"

#define IPP_NFLOG_GROUP 2003
#define IPP_NFLOG_SNAPLEN 128
#define IPP_NFLOG_PREFIX "ipsecpol"

struct ipp_mode_opts {
	const struct ipp_bootexempt *exempt; /* startup-block, startup-stateful, block */
	size_t nexempt;
	unsigned diagnostics; /* DiagnosticMode: >= 1 logs drops to NFLOG */
	bool defrag6;	      /* startup-block, block: chain defrag6 (above); set it from
				 ipp_driver_defrag6() */
};

/*
 * Write the ruleset of mode @m to @out.  IPP_MODE_SECURE is not a fixed
 * ruleset: -EINVAL.  Nothing is allocated; returns -EIO on a write error.
 */
int ipp_mode_emit(enum ipp_mode m, const struct ipp_mode_opts *o, FILE *out, struct ipp_error *err);

/*
 * The same into a malloc'ed NUL-terminated string (*ret owned by the caller,
 * free()).
 */
int ipp_mode_ruleset(enum ipp_mode m, const struct ipp_mode_opts *o, char **ret,
		     struct ipp_error *err);

/*
 * Chain @name (no hook) of a secure ruleset that does with a packet of
 * direction @dir what fixed mode @m (startup-stateful, startup-block or
 * block) does, with @o's boot exemptions, loopback aside: the end of the
 * walk of a packet no filter matches when the persistent policy is in force
 * alone (compile.h, struct ipp_copts.rest).  Its drops are logged as the
 * secure mode's, reason "unmatched".  -EINVAL for any other mode.
 */
int ipp_mode_emit_rest(enum ipp_mode m, const struct ipp_mode_opts *o, enum ipp_direction dir,
		       const char *name, FILE *out, struct ipp_error *err);
/* Can mode @m take what no filter matches (ipp_mode_emit_rest())? */
bool ipp_mode_takes_rest(enum ipp_mode m);

/* Does mode @m install a table, and so a guard first? */
bool ipp_mode_needs_guard(enum ipp_mode m);

/*
 * The guard of mode @m: its ruleset as table `inet ipsecpol_guard`
 * (replacing any guard left over).  Only for modes that need one (-EINVAL
 * otherwise).  *ret malloc'ed, owned by the caller (free()).
 */
int ipp_mode_guard_ruleset(enum ipp_mode m, const struct ipp_mode_opts *o, char **ret,
			   struct ipp_error *err);

/* "table inet ipsecpol {}\ndelete table inet ipsecpol\n": the start of every replacement. */
void ipp_nft_emit_replace(FILE *out);

/*
 * "table inet ipsecpol_guard {}\ndelete table inet ipsecpol_guard\n": removes
 * the guard, whether there is one or not.  Every mode ruleset ends with it.
 */
void ipp_nft_emit_guard_delete(FILE *out);

/*
 * The chain defrag6 (compile.h, "IPv6 fragments"), indented by one tab: a
 * rule no packet reaches whose presence has the kernel reassemble IPv6
 * before the input hook.  For any emitter that matches ports statelessly.
 */
void ipp_nft_emit_defrag6(FILE *out);

/*
 * One NFLOG statement for a drop, followed by a newline, indented by two tabs,
 * or nothing when @diagnostics is 0:
 *   log prefix "ipsecpol <mode> <dir> <reason>" group 2003 snaplen 128
 * @dir is "in" or "out"; @mode and @reason are single words.  For use by any
 * emitter (the secure ruleset too) in front of its drop verdicts.
 */
void ipp_nft_emit_droplog(FILE *out, unsigned diagnostics, const char *mode, const char *dir,
			  const char *reason);

#endif
