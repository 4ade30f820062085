/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic_internal.h - what the files of the `ipsec dynamic` context share:
 * the state in force read from the kernel (dynamic_kernel.c) and the
 * agent's control socket (dynamic.c).  Not a public interface.
 */
#ifndef IPP_NETSH_DYNAMIC_INTERNAL_H
#define IPP_NETSH_DYNAMIC_INTERNAL_H

#include "../model/dynspd.h"
#include <stdbool.h>
#include <stddef.h>

#include "../agent/apply.h"
#include "../compile/modes.h"
#include "../driver/driver.h"
#include "cmd.h"

/* What the kernel enforces, and what it means in the stores' terms. */
struct ipp_dyn_state {
	bool table;	    /* table inet ipsecpol exists */
	enum ipp_mode mode; /* from the table's comment; PERMIT without a table,
			       INVALID when the table carries no ipsecpol mode */
	enum ipp_mode rest; /* secure: what no filter matches gets, when the persistent
			       policy is in force alone (INVALID: permitted) */
	/* secure mode only: */
	struct ipp_apply_result res; /* the effective policy and its compiled form */
	struct ipp_counter *cnt;     /* the compiled elements the kernel holds, in tier order */
	size_t ncnt;
	/* the specific filter (index into res.eff->sf) each of cnt[] was compiled from, SIZE_MAX
	   when none is found: an address range is several elements, one specific filter */
	size_t *csf;
	size_t nsf_in_force; /* specific filters with an element in the kernel */
	size_t nsf_expected; /* specific filters with an element in the compiled form */
	/* per specific filter of res.eff: an element of the compiled form is its (false:
	   shadowed, a better filter has its selectors and decides its packets) */
	bool *sf_placed;
	size_t nsf_shadowed; /* specific filters not placed */
	/* (an ICMP filter is two, ICMP and ICMPv6: ipp_dyn_spec_slot()) */
	struct ipp_table_extra extra; /* the flow cache, the negotiate drops */
	struct ipp_snapshot *snap[3]; /* persistent, domain, local (for generic filters) */
	struct ipp_dynspd dyn;	      /* the agent's dynamic rules (ipp_dyn_fetch()) */
};

/*
 * Read the state in force: whether the table exists, its mode, and in
 * secure mode the effective policy of the stores compiled as ipsecpold
 * compiles it, with the kernel's counter of every element it holds.  Fills
 * *ret (ipp_dyn_state_clear() frees it).  Errors: the kernel cannot be read
 * (-EPERM without CAP_NET_ADMIN), or the stores cannot be read or compiled.
 */
int ipp_dyn_state_read(struct ipp_shell *sh, struct ipp_dyn_state *ret, struct ipp_error *err);
void ipp_dyn_state_clear(struct ipp_dyn_state *s);
/* The elements in force whose verdict is another than the compiled one's (stale). */
size_t ipp_dyn_state_stale(const struct ipp_dyn_state *s);

/*
 * Where the elements of specific filter @sf in tier @t are counted: 2 * @sf,
 * plus one for ICMPv6 (a filter of protocol ICMP is compiled to ICMP and
 * ICMPv6 elements, shown as two specific filters).
 */
size_t ipp_dyn_spec_slot(size_t sf, const struct ipp_ctier *t);

/* The snapshot of store @loc in @s (NULL when absent).  Borrowed. */
const struct ipp_snapshot *ipp_dyn_snapshot(const struct ipp_dyn_state *s, enum ipp_store_loc loc);

/*
 * One line saying what the mode in force filters, for modes without filters;
 * in block mode with the reason the running agent of @sh gives.
 */
void ipp_dyn_mode_text(struct ipp_shell *sh, const struct ipp_dyn_state *s, FILE *out);

/*
 * The value of @key ("reason": why the running agent is in the mode it is
 * in; "last_error") of the running agent's status, into @buf; "" when it
 * does not run or says nothing.
 */
void ipp_dyn_agent_status(struct ipp_shell *sh, const char *key, char *buf, size_t len);
/*
 * The stores' policy failed to build (@err says why): when the agent keeps what it
 * applied of the domain or local policy instead (its status, IPP_KEPT_REASON), @err
 * says that first.
 */
void ipp_dyn_kept_error(struct ipp_shell *sh, struct ipp_error *err);

/*
 * One line on the state only the running agent holds (dynamic policies,
 * rules and security associations): whether it runs and can show it.
 */
void ipp_dyn_agent_note(struct ipp_shell *sh, FILE *out);
/*
 * The running agent's dynamic policies and rules into *@ret (empty when no
 * agent runs).  Owned by the caller: ipp_dynspd_clear().
 */
int ipp_dyn_fetch(struct ipp_shell *sh, struct ipp_dynspd *ret, struct ipp_error *err);
/* Fails with "the policy agent is not running" when it is not (or its error reaching it). */
int ipp_dyn_need_agent(struct ipp_shell *sh, struct ipp_error *err);
/* The same; with @need_agent, no agent fails with "the policy agent is not running". */
int ipp_dyn_fetch_ex(struct ipp_shell *sh, struct ipp_dynspd *ret, bool need_agent,
		     struct ipp_error *err);

/* "no IPsec policy is in force (the table inet ipsecpol does not exist)" */
extern const char ipp_dyn_no_table[];

#endif
