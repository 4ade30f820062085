/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynspd.h - the dynamic part of the security policy database: what
 * `netsh ipsec dynamic add|set|delete mmpolicy|qmpolicy|rule` make.
 *
 * It lives in the running agent only and is lost when the agent stops, as
 * Windows' dynamic settings are when the IPsec service stops.  A rule is a
 * filter (addresses, masks, protocol, ports, mirroring, connection type,
 * tunnel endpoint: its identity) with an action for each direction
 * (actioninbound, actionoutbound), a main mode policy, a quick mode policy
 * (needed when an action negotiates) and authentication methods.
 *
 * The shell and the agent exchange the objects as one line of
 * "tag=value" words with netsh's tags, values percent-encoded
 * (ipp_dyn_*_format(), ipp_dyn_*_parse()); no I/O here.
 */
#ifndef IPP_MODEL_DYNSPD_H
#define IPP_MODEL_DYNSPD_H

#include "model.h"

struct ipp_dyn_mmpolicy {
	char name[IPP_NAME_MAX];
	uint32_t qmpermm;	       /* 0 = unlimited */
	uint32_t mmlifetime;	       /* minutes */
	uint32_t softsaexpirationtime; /* seconds, 0 = not set */
	struct ipp_mm_offer mmsec[IPP_MAX_OFFERS];
	size_t nmmsec;
};

struct ipp_dyn_qmpolicy {
	char name[IPP_NAME_MAX];
	bool soft;	  /* fall back to clear traffic */
	char pfsgroup[8]; /* "grp1", "grp2", "grp3", "grpmm", "nopfs" */
	struct ipp_qm_offer qmsec[IPP_MAX_OFFERS];
	size_t nqmsec;
};

struct ipp_dyn_rule {
	/* identity */
	struct ipp_addr src, dst; /* kinds ANY, ME, IP (with its prefix), a server type */
	uint8_t protocol;
	uint16_t srcport, dstport;
	bool mirrored;
	enum ipp_conntype conntype;
	bool has_tunnel;
	struct ipp_addr tunnel;
	/* what can be changed */
	enum ipp_action inbound, outbound;
	char mmpolicy[IPP_NAME_MAX];
	char qmpolicy[IPP_NAME_MAX]; /* "" = none */
	struct ipp_auth auth[IPP_MAX_AUTH];
	size_t nauth;
	uint64_t seq; /* creation order in the agent (1, 2, ...) */
};

struct ipp_dynspd {
	struct ipp_dyn_mmpolicy *mm;
	size_t nmm;
	struct ipp_dyn_qmpolicy *qm;
	size_t nqm;
	struct ipp_dyn_rule *rules;
	size_t nrules;
	uint64_t next_seq;
};

/* Windows' defaults: mmlifetime 480, qmpermm 0, the default offers; soft no, nopfs. */
void ipp_dyn_mmpolicy_init(struct ipp_dyn_mmpolicy *m);
void ipp_dyn_qmpolicy_init(struct ipp_dyn_qmpolicy *q);
/* Mirrored, all connections, negotiate both ways, no policies, Kerberos. */
void ipp_dyn_rule_init(struct ipp_dyn_rule *r);

/* Free what @d holds; it is empty again. */
void ipp_dynspd_clear(struct ipp_dynspd *d);
/* Copy @src into *@dst (which holds nothing).  -ENOMEM. */
int ipp_dynspd_copy(struct ipp_dynspd *dst, const struct ipp_dynspd *src);

/* The rule's selector as a filter of a list (its id the rule's seq; it owns nothing). */
void ipp_dyn_rule_filter(const struct ipp_dyn_rule *r, struct ipp_filter *f);

/* Same identity (addresses, masks, protocol, ports, mirroring, connection type, tunnel)? */
bool ipp_dyn_rule_same(const struct ipp_dyn_rule *a, const struct ipp_dyn_rule *b);
/*
 * A rule's own checks: ports with TCP or UDP only, a server type or `me'
 * on one side with `me' or an address on the other as netsh wants it, a
 * quick mode policy when an action negotiates.  -EINVAL naming the tag.
 */
int ipp_dyn_rule_validate(const struct ipp_dyn_rule *r, struct ipp_error *err);

/*
 * One object as a line of tag=value words (no newline), values
 * percent-encoded; "" when @len is too small.  Round-trips through the
 * parsers below.
 */
void ipp_dyn_mmpolicy_format(const struct ipp_dyn_mmpolicy *m, char *buf, size_t len);
void ipp_dyn_qmpolicy_format(const struct ipp_dyn_qmpolicy *q, char *buf, size_t len);
void ipp_dyn_rule_format(const struct ipp_dyn_rule *r, char *buf, size_t len);
#define IPP_DYN_LINE_MAX 8192 /* holds any formatted object */

/*
 * Parse such a line: the tags given set their fields of *@ret, which the
 * caller has initialised (defaults, or the object being changed); *@seen
 * (may be NULL) gets the tags given as a bit mask of IPP_DYN_T_*.  Unknown
 * tags, malformed values and a tag given twice fail with -EINVAL naming the
 * tag and the value.
 */
enum {
	IPP_DYN_T_NAME = 1u << 0,
	IPP_DYN_T_SRCADDR = 1u << 1,
	IPP_DYN_T_DSTADDR = 1u << 2,
	IPP_DYN_T_PROTOCOL = 1u << 3,
	IPP_DYN_T_SRCPORT = 1u << 4,
	IPP_DYN_T_DSTPORT = 1u << 5,
	IPP_DYN_T_MIRRORED = 1u << 6,
	IPP_DYN_T_CONNTYPE = 1u << 7,
	IPP_DYN_T_TUNNEL = 1u << 8,
	IPP_DYN_T_INBOUND = 1u << 9,
	IPP_DYN_T_OUTBOUND = 1u << 10,
	IPP_DYN_T_MMPOLICY = 1u << 11,
	IPP_DYN_T_QMPOLICY = 1u << 12,
	IPP_DYN_T_AUTH = 1u << 13,
	IPP_DYN_T_OTHER = 1u << 14, /* a policy's attributes */
};
int ipp_dyn_mmpolicy_parse(const char *line, struct ipp_dyn_mmpolicy *ret, unsigned *seen,
			   struct ipp_error *err);
int ipp_dyn_qmpolicy_parse(const char *line, struct ipp_dyn_qmpolicy *ret, unsigned *seen,
			   struct ipp_error *err);
int ipp_dyn_rule_parse(const char *line, struct ipp_dyn_rule *ret, unsigned *seen,
		       struct ipp_error *err);

/*
 * The SPD @cur changed as @args says ("add|set|delete mmpolicy|qmpolicy|rule
 * WORDS", "delete all"; "all=yes" as WORDS for every policy) into *@ret
 * (which holds nothing before; owned by the caller after: ipp_dynspd_clear()),
 * @cur left alone: names unique (case aside), the policies a rule names
 * exist, a policy in use is not deleted, a rule's selector unique.  -EINVAL
 * (malformed), -EEXIST, -ENOENT, -EBUSY, naming the tag or object; *@ret then
 * holds nothing.
 */
int ipp_dynspd_apply(const struct ipp_dynspd *cur, const char *args, struct ipp_dynspd *ret,
		     struct ipp_error *err);

/* Percent-encode @s into @buf (bytes other than letters, digits and ._:/-). */
void ipp_dyn_encode(const char *s, char *buf, size_t len);

#endif
