/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * effective.h - the effective policy: what the host enforces.
 *
 * The persistent store's assigned policy, plus the domain-assigned policy if
 * there is one, else the local store's assigned policy, plus the dynamic
 * rules the agent holds (model/dynspd.h).  Rules with activate=no are left out.  Every configured
 * filter becomes one specific filter per direction (mirrored filters two),
 * with the server types (DNS, WINS, DHCP, GATEWAY) expanded to the host's
 * current server addresses; "me" stays symbolic (matched by the kernel as
 * "a local address").  A pure function: the host facts come in as data.
 */
#ifndef IPP_EFFECTIVE_H
#define IPP_EFFECTIVE_H

#include "../model/dynspd.h"
#include "../model/model.h"
#include "../store/store.h"

#define IPP_MAX_SERVERS 64

/*
 * Facts about the host that symbolic addresses expand to.  Each list has
 * room for one server more than IPP_MAX_SERVERS, which tells a reader that
 * found more than those (ipp_hostenv_read(): the kind is then unknown).
 */
struct ipp_hostenv {
	struct ipp_addr dns[IPP_MAX_SERVERS + 1];
	size_t ndns;
	struct ipp_addr wins[IPP_MAX_SERVERS + 1];
	size_t nwins;
	struct ipp_addr dhcp[IPP_MAX_SERVERS + 1];
	size_t ndhcp;
	struct ipp_addr gateway[IPP_MAX_SERVERS + 1];
	size_t ngateway;
	/*
	 * Why wins.conf could not be read ("" when it was): a filter naming the
	 * WINS servers then cannot be expanded (ipp_effective_build() fails, as
	 * it would permit or block nothing); the other servers are still read.
	 */
	char wins_error[IPP_ERR_MSG_MAX];
	/* the same for the DNS servers: resolv.conf (or resolved's list) could not be read */
	char dns_error[IPP_ERR_MSG_MAX];
	/* the same for the gateways read from a route file (IPSECPOL_ROUTE4/6) and the DHCP
	   servers of the lease files: a line that cannot be read leaves them unknown */
	char gateway_error[IPP_ERR_MSG_MAX];
	char dhcp_error[IPP_ERR_MSG_MAX];
};

/*
 * The addresses one side of a filter stands for: @a itself (1), or for DNS,
 * WINS, DHCP and GATEWAY the host's servers of that kind in @env (none
 * without @env).  *ret points into @a or @env.
 */
size_t ipp_hostenv_expand(const struct ipp_addr *a, const struct ipp_hostenv *env,
			  const struct ipp_addr **ret);

/*
 * Why the servers that address @a stands for are not known (wins.conf, a
 * route file, a lease file that cannot be read), with what to call them in
 * *@what; NULL when they are known or @a names none.
 */
const char *ipp_hostenv_unknown(const struct ipp_hostenv *env, const struct ipp_addr *a,
				const char **what);

/* One rule in force, with what a message or `show` needs to name it. */
struct ipp_eff_rule {
	enum ipp_store_loc store;
	enum ipp_origin origin;
	char policy[IPP_NAME_MAX];
	char policy_guid[IPP_GUID_STRLEN];
	char rule[IPP_NAME_MAX];
	char rule_guid[IPP_GUID_STRLEN];
	uint32_t number;
	char filterlist[IPP_NAME_MAX];
	int64_t filterlist_id;      /* its store row (0: the default response rule) */
	char filteraction[IPP_NAME_MAX];
	struct ipp_filteraction fa; /* copy of the action's attributes */
	bool has_tunnel;
	struct ipp_addr tunnel;
	enum ipp_conntype conntype;
};

struct ipp_effective {
	struct ipp_eff_rule *rules;
	size_t nrules;
	struct ipp_sfilter *sf;   /* specific filters, sorted best first (ipp_sfilter_cmp) */
	size_t nsf;
	size_t sfcap; /* room in @sf (ipp_effective_reserve()); 0: nsf */
	/*
	 * Conflicts worth a log line: specific filters with identical selectors
	 * and different actions (the first in cmp order decides), and filters
	 * that can match nothing (source and destination of different
	 * families).  Owned by the effective policy, NUL-terminated strings.
	 */
	char **warnings;
	size_t nwarnings;
};

/*
 * Rules: the persistent policy's first, then the domain or local one; each
 * policy's ordinary rules by number, then its default response rule (number
 * 0, no filters, action negotiate with the rule's own offers) when it is
 * active.  Rules with activate=no are left out.
 *
 * Build the effective policy.  Any snapshot may be NULL (store empty or
 * absent).  @env may be NULL (no servers known: server-type filters expand
 * to nothing).  *ret owned by the caller: ipp_effective_free().
 * Fails with -EINVAL naming the policy, rule and reference when a rule
 * names a filter list or action that does not exist.
 */
int ipp_effective_build(const struct ipp_snapshot *persistent, const struct ipp_snapshot *domain,
			const struct ipp_snapshot *local, const struct ipp_hostenv *env,
			struct ipp_effective **ret, struct ipp_error *err);
void ipp_effective_free(struct ipp_effective *e);
/*
 * The same with the dynamic rules of @dyn (may be NULL) after the stores'
 * rules: each one a rule of origin IPP_ORIGIN_DYNAMIC and store
 * IPP_STORE_INVALID, named "rule N" (N its creation order) of policy
 * "(dynamic)", its filter the rule's selector; a rule whose inbound and
 * outbound actions differ gives specific filters of one direction each
 * (struct ipp_sfilter.dir).  Its quick mode policy gives the action's
 * offers and soft (clear packets accepted both ways).
 */
int ipp_effective_build_dyn(const struct ipp_snapshot *persistent,
			    const struct ipp_snapshot *domain, const struct ipp_snapshot *local,
			    const struct ipp_dynspd *dyn, const struct ipp_hostenv *env,
			    struct ipp_effective **ret, struct ipp_error *err);
/*
 * The same with the domain or local policy's rules of @kept (an effective
 * policy built before: its rules of origin IPP_ORIGIN_ASSIGNED and their
 * specific filters, as they were expanded then) in place of a domain or
 * local store's: what the agent keeps in force of a policy it applied while
 * the one assigned now cannot be built, with the persistent policy and the
 * dynamic rules as they are now.  @kept is only read; *ret as above.
 */
int ipp_effective_build_kept(const struct ipp_snapshot *persistent,
			     const struct ipp_effective *kept, const struct ipp_dynspd *dyn,
			     const struct ipp_hostenv *env, struct ipp_effective **ret,
			     struct ipp_error *err);
/* A configured filter deleted: its rule's index in the effective policy, its place in the list. */
struct ipp_patch_del {
	uint32_t rule, filter;
};

/*
 * Room in @e for @more specific filters more, for ipp_effective_patch():
 * -ENOMEM (@e unchanged).
 */
int ipp_effective_reserve(struct ipp_effective *e, size_t more);
/*
 * @e follows a change in place of its rules' filter lists, as
 * ipp_compiled_patch() makes the compiled form follow it: the specific
 * filters of the configured filters @del (@ndel, places before the change,
 * sorted by rule, then place) go and the later filters of their rules move
 * up one place for each; the specific filters @add (@nadd, of
 * ipp_effective_expand(), sorted as ipp_sfilter_cmp() orders them) come in,
 * each where that order puts it.  Room for @nadd must have been made
 * (ipp_effective_reserve()): nothing fails.  The warnings are the caller's.
 */
void ipp_effective_patch(struct ipp_effective *e, const struct ipp_sfilter *add, size_t nadd,
			 const struct ipp_patch_del *del, size_t ndel);
/* The name of the policy dynamic rules belong to: "(dynamic)". */
#define IPP_DYN_POLICY_NAME "(dynamic)"

/*
 * The specific filters configured filter @f stands for as filter @filter_idx
 * (0-based place in its list) of rule @rule_idx of @e, as
 * ipp_effective_build() expands it (mirror image, the host's servers from
 * @env).  *ret malloc'ed (free()), owned by the caller; *ret_n may be 0 (a
 * filter that matches nothing).  With @warnings, the warnings
 * ipp_effective_build() would give for the filter are appended to it (the
 * caller's, as e->warnings are: free() each and the array).  -ENOMEM.
 */
struct ipp_warnings {
	char **v;
	size_t n, cap;
};
int ipp_effective_expand(const struct ipp_effective *e, uint32_t rule_idx, uint32_t filter_idx,
			 const struct ipp_filter *f, const struct ipp_hostenv *env,
			 struct ipp_sfilter **ret, size_t *ret_n, struct ipp_warnings *warnings);
/* Free what @w holds; it is empty again. */
void ipp_warnings_clear(struct ipp_warnings *w);
/*
 * Add the warnings @w holds to @e's (sorted, each once); @e takes them and
 * @w is empty again.  -ENOMEM (then @w keeps them).
 */
int ipp_effective_add_warnings(struct ipp_effective *e, struct ipp_warnings *w);

#endif
