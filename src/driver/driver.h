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

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/err.h"
#include "../compile/compile.h"
#include "../compile/modes.h"

struct ipp_compiled; /* ../compile/compile.h */
struct ipp_patch_change;
struct ipp_ctier;
struct ipp_celem;

#define IPP_NFT_TABLE "ipsecpol"
#define IPP_NFT_FAMILY "inet"

struct ipp_driver; /* opaque: a libnftables context */

/*
 * Nonzero while the driver is inside libnftables, which prints "Memory
 * allocation failure" and ends the process (exit(), or a crash) when an
 * allocation fails: what is in force is then whatever the kernel had, not
 * what the caller set out to apply.  The agent's exit and crash handlers
 * read it (ipp_failsafe_arm()).
 */
extern volatile sig_atomic_t ipp_driver_nft_busy;

/* *ret owned by the caller: ipp_driver_close(). */
int ipp_driver_open(struct ipp_driver **ret, struct ipp_error *err);
void ipp_driver_close(struct ipp_driver *d);
/*
 * Watch the changes other processes make to the table (nfmon.h): the
 * driver's own transactions are not seen (it stops listening for each).
 * 0, or -errno (not watched).  ipp_driver_unwatch() stops; the watch's file
 * descriptor (-1 when none; it changes only through these two calls) is
 * readable when notifications wait, which ipp_driver_watch_read() reads:
 * 1 when another process changed the table (*@ret says who and what), else
 * 0, or -errno.
 */
struct ipp_nfmon_change;
int ipp_driver_watch(struct ipp_driver *d, struct ipp_error *err);
void ipp_driver_unwatch(struct ipp_driver *d);
int ipp_driver_watch_fd(const struct ipp_driver *d);
int ipp_driver_watch_read(struct ipp_driver *d, struct ipp_nfmon_change *ret);
/*
 * Did another process commit a transaction while the driver did not listen
 * (during one of its own)?  Then what it did is not known: look at the
 * table whole (ipp_driver_verify()).  Cleared by the call.
 */
bool ipp_driver_watch_gap(struct ipp_driver *d);
/*
 * Does the kernel hold the elements of @c's maps and gates, and no others
 * (the flow cache aside)?  0 when it does; 1 when not (@why says what
 * differs); -errno when the kernel cannot be read.
 */
int ipp_driver_verify(struct ipp_driver *d, const struct ipp_compiled *c, char *why, size_t len);
/*
 * Drop what libnftables keeps of the last transaction (after a whole ruleset:
 * every element, memory the next command would free first); on failure @d is
 * as it was.
 */
int ipp_driver_reset(struct ipp_driver *d, struct ipp_error *err);
/*
 * Were the rules of the table changed by someone else since this driver last
 * looked (a rule replaced, added or deleted inside a chain: nft replace rule
 * keeps the handle and the count)?  The fingerprints of the chains its own
 * transactions touch are taken again right after each, so only another's
 * change sets *@changed; the first call takes them all and says no.  What
 * the kernel holds now is then taken as the reference.  0, or -errno (the
 * kernel cannot tell now).
 */
int ipp_driver_rules_check(struct ipp_driver *d, bool *changed);
/*
 * Chains touched by transactions of @d wait to be fingerprinted again: call
 * ipp_driver_rules_settle() as soon as nothing else waits (a change of
 * someone else's to them before that is taken for @d's own).
 */
bool ipp_driver_rules_pending(const struct ipp_driver *d);
void ipp_driver_rules_settle(struct ipp_driver *d);
/*
 * Close @d in a process that exits next: its memory is left to the exit
 * (freeing the cache of a large ruleset costs more than loading a small one).
 * @d is not to be used again.
 */
void ipp_driver_close_exiting(struct ipp_driver *d);

/*
 * Run @text (nft syntax) as one transaction.  With @dry_run the kernel
 * checks it and changes nothing.  On failure the kernel's messages are in
 * err->msg; nothing changed.
 */
int ipp_driver_run(struct ipp_driver *d, const char *text, bool dry_run, struct ipp_error *err);

/*
 * The same, and on failure *@ret_line is the line of @text (1-based) that
 * was refused, 0 when unknown; err->msg then holds only nft's message
 * ("Could not process rule: File exists"), for the caller to put in the
 * user's terms (ipp_compiled_explain_line()).  @ret_line may be NULL.
 */
int ipp_driver_run_ex(struct ipp_driver *d, const char *text, bool dry_run, unsigned *ret_line,
		      struct ipp_error *err);

/*
 * Run a listing command (e.g. "list table inet ipsecpol") and return its
 * output (JSON when @json).  *ret is malloc'ed, owned by the caller.
 */
int ipp_driver_query(struct ipp_driver *d, const char *cmd, bool json, char **ret,
		     struct ipp_error *err);

/*
 * Can the kernel reassemble IPv6 before the input hook for us (chain
 * defrag6 of compile.h: the nft_tproxy module)?  Asked once per driver, by
 * a transaction the kernel checks and aborts; true when it cannot be asked.
 */
bool ipp_driver_defrag6(struct ipp_driver *d);
/*
 * Ask it now, in a thread of its own, while the caller does what does not
 * need @d (reading the stores, compiling): the answer's latency is the
 * kernel's grace period, not work.  Every other call on @d, and
 * ipp_driver_defrag6(), waits for the thread first.  Without a thread the
 * question is asked when ipp_driver_defrag6() is called.
 */
void ipp_driver_probe(struct ipp_driver *d);

/* Does our table exist in this network namespace? */
int ipp_driver_table_exists(struct ipp_driver *d, bool *ret, struct ipp_error *err);

/*
 * The mode of the table in force, by its comment ("ipsecpol mode=NAME"), read
 * over nfnetlink (libnftables would read every element first): IPP_MODE_INVALID
 * for a table whose comment names none (not one ipsecpold made).  *ret_rest
 * (may be NULL): a secure ruleset's mode for what no filter matches
 * ("rest=NAME": the persistent policy in force alone), else IPP_MODE_INVALID.
 * 0, -ENOENT when there is no table, or -errno.
 */
int ipp_driver_table_mode(enum ipp_mode *ret, enum ipp_mode *ret_rest);

/* What else the listing of the table tells, beside the element counters. */
struct ipp_table_extra {
	bool flow_cache;            /* the table has flow cache sets */
	uint64_t flows;             /* 5-tuples they hold (the generation in force) */
	uint64_t flow_packets;      /* packets those count (the first of each was walked) */
	bool flow_full;             /* a set holds as many flows as its size: it takes no more */
	bool negotiate;             /* the negotiate chains' drop counters were found */
	uint64_t neg_drop_packets, neg_drop_bytes; /* clear packets they dropped, both ways */
	/* elements of the table's filter maps that the compiled form given does not
	   hold (the table was applied from stores that have changed since) */
	uint64_t unknown_elems, unknown_packets;
};

/* The packet and byte counters of one compiled element, read from the kernel. */
struct ipp_counter {
	const struct ipp_ctier *tier; /* points into the compiled form */
	const struct ipp_celem *elem; /* the element (a keyless tier: its only one) */
	uint32_t rule;                /* index into ipp_compiled.rules */
	uint32_t filter;              /* the configured filter's index in its list */
	bool reversed;                /* the mirror image of that filter */
	uint64_t packets, bytes;      /* all of them */
	/* by the verdict the element gave them (enum ipp_cverdict): an element whose action
	 * changed has counted packets under the one it had */
	uint64_t vpackets[3], vbytes[3];
	/* the kernel's element gives another verdict than the compiled one (the stores
	   changed since the table was applied): it, enum ipp_cverdict */
	bool stale;
	uint8_t kverdict;
};

/*
 * Read the counters of every element of @c from the kernel (one JSON
 * listing of the table, read one map or rule at a time) and map them back
 * to rule and filter.  A filter has one entry per map it is in (a map split
 * by hook gives two); sum by rule, filter and direction for a total.  Elements the
 * kernel does not hold (or @c does not know) are left out.  *ret is a
 * malloc'ed array of *ret_n entries in tier order, owned by the caller
 * (free()); it points into @c and is valid as long as @c is.  @extra (may be
 * NULL) gets the flow cache's and the negotiate chains' figures from the same
 * listing.  -ENOENT when the table does not exist.
 */
int ipp_driver_counters(struct ipp_driver *d, const struct ipp_compiled *c,
			struct ipp_counter **ret, size_t *ret_n, struct ipp_table_extra *extra,
			struct ipp_error *err);

/*
 * The carry counters of the table (compile.h), as the agent wrote them: it
 * is their only writer, so it need not read them back (listing a counter
 * object makes libnftables read every set element of the table).  Not
 * valid: read them from the kernel at the next fold.
 */
struct ipp_carry_entry {
	char name[24];                /* of its counter object (ipp_carry_name()) */
	char tier[IPP_CTIER_NAME_MAX];
	struct ipp_ckey key;
	int verdict;                  /* enum ipp_cverdict, -1: none given (compile.h) */
	uint64_t packets, bytes;
};
struct ipp_carry_book {
	bool valid;
	struct ipp_carry_entry *v;    /* sorted by name */
	size_t n, cap;
};
void ipp_carry_book_clear(struct ipp_carry_book *b);

/*
 * This host's addresses and IPv4 broadcast addresses (getifaddrs()), for "me"
 * where the kernel's view is not asked.
 */
struct ipp_hostaddrs {
	struct {
		int family;
		uint8_t ip[16];
		bool group; /* a broadcast address */
	} * v;		    /* owned */
	size_t n;
};
/* Read them now; on failure none.  *l is cleared by ipp_hostaddrs_clear(). */
void ipp_hostaddrs_load(struct ipp_hostaddrs *l);
void ipp_hostaddrs_clear(struct ipp_hostaddrs *l);
/* The same addresses (both sorted here)? */
bool ipp_hostaddrs_equal(struct ipp_hostaddrs *a, struct ipp_hostaddrs *b);

/*
 * Fold flow cache generation @gen, which no rule of the table uses any
 * more (compile.h): its entries' counts go to the carry counters of the
 * elements of @now that decided them, as @before decided them (the form
 * in force when they were cached: @now itself, or @now before the changes
 * @ch of a patch, or the form a difference replaced), the carry counters
 * of elements no longer in force go, and the generation is emptied; one
 * transaction.  @book (may be NULL: read the kernel's) is kept up to date.
 * *folded (may be NULL) gets the packets folded.  @me: the host's addresses
 * when the entries were decided ("me"), NULL: as they are now.
 */
int ipp_driver_flow_fold(struct ipp_driver *d, const struct ipp_compiled *now,
			 const struct ipp_compiled *before, const struct ipp_patch_change *ch,
			 size_t nch, unsigned gen, const struct ipp_hostaddrs *me,
			 struct ipp_carry_book *book, uint64_t *folded, struct ipp_error *err);

/*
 * The counts that the element-level difference @diff from @cur (what the
 * kernel holds) to @new (ipp_compiled_diff()) would reset, read now: the
 * counters of the elements it deletes and adds again (another verdict,
 * another tier of the element's group) and the rule counters of keyless
 * tiers in the walk chains it flushes.  *@ret (free()) adds them to the
 * carry counters of the elements of @new and deletes the carry counters of
 * elements @new does not hold (gone, or another rule's now: a filter that
 * takes a key over starts from zero), to be applied in the same transaction
 * as @diff; @next is then the book (of @book, or of the kernel's carry
 * counters when @book is not valid).
 * Packets counted between this reading and the transaction are not
 * carried.
 */
int ipp_driver_carry_replaced(const struct ipp_compiled *cur, const struct ipp_compiled *new,
			      const char *diff, const struct ipp_carry_book *book, char **ret,
			      struct ipp_carry_book *next, struct ipp_error *err);

/*
 * The counts of the table @cur in force (elements, carry counters and flow
 * cache, as ipp_driver_counters() reads them), read now, as carry counters
 * of the same elements of @new (the same group, key and rule): *@ret
 * (free()) is the commands that create them, to be applied in the same
 * transaction as @new's whole table, which starts every counter at zero;
 * @next is then the book of its carry counters.  Elements @new does not
 * hold keep nothing.
 */
int ipp_driver_carry_whole(struct ipp_driver *d, const struct ipp_compiled *cur,
			   const struct ipp_compiled *new, char **ret, struct ipp_carry_book *next,
			   struct ipp_error *err);

/*
 * Additions to each flow cache set of generation @gen since the last call
 * (its fill counters, read and reset: compile.h): @ret[i] for the set
 * ipp_flowcache_index() numbers i.
 */
int ipp_driver_flow_fill(unsigned gen, uint64_t ret[12], struct ipp_error *err);

#endif
