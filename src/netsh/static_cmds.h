/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * static_cmds.h - handlers of the `ipsec static` context (one file per
 * family: static_policy.c, static_filter.c, static_filteraction.c,
 * static_rule.c, static_store.c, static_show.c) and their shared helpers
 * (static_util.c).  The handler contract is in cmd.h.
 */
#ifndef IPP_NETSH_STATIC_CMDS_H
#define IPP_NETSH_STATIC_CMDS_H

#include "cmd.h"
#include "../model/model.h"

#define IPP_DECLARE_CMD(fn) \
	int fn(struct ipp_shell *sh, const struct ipp_args *a, FILE *out, struct ipp_error *err)

IPP_DECLARE_CMD(ipp_st_add_policy);
IPP_DECLARE_CMD(ipp_st_set_policy);
IPP_DECLARE_CMD(ipp_st_delete_policy);
IPP_DECLARE_CMD(ipp_st_set_defaultrule);

IPP_DECLARE_CMD(ipp_st_add_filterlist);
IPP_DECLARE_CMD(ipp_st_set_filterlist);
IPP_DECLARE_CMD(ipp_st_delete_filterlist);
IPP_DECLARE_CMD(ipp_st_add_filter);
IPP_DECLARE_CMD(ipp_st_delete_filter);

IPP_DECLARE_CMD(ipp_st_add_filteraction);
IPP_DECLARE_CMD(ipp_st_set_filteraction);
IPP_DECLARE_CMD(ipp_st_delete_filteraction);

IPP_DECLARE_CMD(ipp_st_add_rule);
IPP_DECLARE_CMD(ipp_st_set_rule);
IPP_DECLARE_CMD(ipp_st_delete_rule);

IPP_DECLARE_CMD(ipp_st_set_store);
IPP_DECLARE_CMD(ipp_st_delete_all);
IPP_DECLARE_CMD(ipp_st_exportpolicy);
IPP_DECLARE_CMD(ipp_st_importpolicy);
IPP_DECLARE_CMD(ipp_st_dump);

IPP_DECLARE_CMD(ipp_st_show_all);
IPP_DECLARE_CMD(ipp_st_show_policy);
IPP_DECLARE_CMD(ipp_st_show_filterlist);
IPP_DECLARE_CMD(ipp_st_show_filteraction);
IPP_DECLARE_CMD(ipp_st_show_rule);
IPP_DECLARE_CMD(ipp_st_show_store);
IPP_DECLARE_CMD(ipp_st_show_gpoassignedpolicy);

/* ---------- helpers shared by the static handlers (static_util.c) ---------- */

/*
 * The keyword all of `delete ... [name=]string | [all]`, given as the keyword
 * or as name=all (no object can be called "all"), as show takes it too.
 */
bool ipp_st_all(const struct ipp_args *a);

/*
 * After a set command that succeeded: when @a gave only what names the
 * object (name, guid, id, policy), a note says nothing was changed.
 */
void ipp_st_nothing_set(struct ipp_shell *sh, const struct ipp_args *a, FILE *out);

/*
 * The value @v of srcdnsname=, dstdnsname= or tunneldnsname= (@tag): the DNS
 * name an address was resolved from, given with that address as @addrtag
 * (@with_address false: not an address, or a name resolved now).  0 or
 * -EINVAL naming the tag.
 */
int ipp_st_dnsname_check(const char *tag, const char *v, const char *addrtag, bool with_address,
			 struct ipp_error *err);

/* The database for a write (created on first use). *ret borrowed. */
int ipp_st_db(struct ipp_shell *sh, struct ipp_db **ret, struct ipp_error *err);

/*
 * Before an assignment commits (add/set policy assign=yes, importpolicy of
 * an assigned policy; the change is already in the open transaction, so the
 * check sees the stores as they will be): refuse a policy that would cut
 * off the SSH session the shell runs in, or whose effect on it cannot be
 * checked, unless @a says force=yes (then a warning on @out).  Only the
 * local and persistent stores are assigned here.
 */
int ipp_st_lockout_guard(struct ipp_shell *sh, struct ipp_db *db, enum ipp_store_loc loc,
			 const char *policy, const struct ipp_args *a, FILE *out,
			 struct ipp_error *err);

/*
 * Before a change of the stores commits (one command, or a batch): when the
 * shell runs in an SSH session and the change touches a policy in force (the
 * journal since @since says so), refuse it (-EPERM) when it would cut off the
 * session that the stores as committed leave alone, or (errs closed) when
 * that cannot be checked.  Filters added that match no packet of the session
 * are not looked at further.  0 otherwise.
 */
int ipp_st_session_guard(struct ipp_shell *sh, struct ipp_db *db, uint64_t since,
			 struct ipp_error *err);

/* Copy @value into a fixed buffer; too long gives -EINVAL naming @tag. */
int ipp_st_copy(char *dst, size_t size, const char *tag, const char *value,
		struct ipp_error *err);
/* Copy a name after ipp_name_validate(). */
int ipp_st_copy_name(char *dst, const char *what, const char *value, struct ipp_error *err);

/* "local store", "persistent store", "domain store" for messages. */
const char *ipp_st_store_text(enum ipp_store_loc loc);

/* Find by name= or guid= of @a (one is present); -ENOENT message names them. *ret owned. */
/*
 * Delete the object named @name of @table ("policy", "filterlist",
 * "filteraction") whose row another program damaged (a NUL byte inside a
 * value: it cannot be read), found by its name alone, with @del; said on
 * @out.  0 or the failure.
 */
int ipp_st_delete_damaged(struct ipp_shell *sh, struct ipp_db *db, const char *table,
			  const char *name,
			  int (*del)(struct ipp_db *, int64_t, struct ipp_error *), FILE *out,
			  struct ipp_error *err);
int ipp_st_find_policy(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
		       const char *guid, struct ipp_policy *ret, struct ipp_error *err);
int ipp_st_find_filterlist(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
			   const char *guid, struct ipp_filterlist *ret, struct ipp_error *err);
int ipp_st_find_filteraction(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
			     const char *guid, struct ipp_filteraction *ret,
			     struct ipp_error *err);

/*
 * Resolve an address value: ipp_addr_parse(), or for a DNS name every
 * address getaddrinfo() gives (deduplicated, in its order).  *ret is a
 * malloc'ed array of *ret_n addresses owned by the caller (free());
 * *ret_dns is set to true when @value was a DNS name.  A name that does
 * not resolve fails naming it.
 */
int ipp_st_resolve(const char *tag, const char *value, struct ipp_addr **ret, size_t *ret_n,
		   bool *ret_dns, struct ipp_error *err);

/*
 * Build an authentication list from the kerberos/psk/rootca arguments of
 * @a in command-line order.  *ret_given tells whether any was given (the
 * caller keeps the old list otherwise).  kerberos=no only leaves Kerberos
 * out.
 */
int ipp_st_auth_list(const struct ipp_args *a, struct ipp_auth *ret, size_t *ret_n,
		     bool *ret_given, struct ipp_error *err);

/* Apply tunnel= to a rule ("none" or 0.0.0.0 clears it; DNS names resolved). */
int ipp_st_tunnel(const char *value, struct ipp_rule *r, struct ipp_error *err);

/* Load a filter list by id with its filters (for rule validation). *ret owned. */
int ipp_st_load_list(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
		     struct ipp_filterlist *ret, struct ipp_error *err);

#endif
