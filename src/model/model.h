/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * model.h - ipsecpol's policy objects, their validation and the filter weight.
 *
 * Pure data and pure functions: nothing here does I/O (DNS names are resolved
 * by the caller, see ipp_addr_parse()).  Every object comes with a _clear()
 * function that frees what it owns; _clear(NULL) is a no-op, and a
 * zero-initialised object is valid input to _clear().
 *
 * The attributes, defaults and ranges are those of Windows Server 2003's
 * `netsh ipsec static` (shared reference, sections 2 and 3).
 */
#ifndef IPP_MODEL_H
#define IPP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/err.h"

#define IPP_NAME_MAX 256     /* policy, filter list, filter action, rule names (incl. NUL) */
#define IPP_DESC_MAX 1024    /* descriptions of named objects (incl. NUL) */
#define IPP_GUID_STRLEN 39   /* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" + NUL */
#define IPP_MAX_OFFERS 16    /* mmsecmethods / qmsecmethods entries */
#define IPP_MAX_AUTH 16      /* authentication methods of one rule */

/* ---------- addresses ---------- */

enum ipp_addr_kind {
	IPP_ADDR_INVALID = 0,
	IPP_ADDR_ANY,     /* any, or 0.0.0.0 with mask 0 */
	IPP_ADDR_ME,      /* every address of this host */
	IPP_ADDR_IP,      /* an address with a prefix length (host or subnet) */
	IPP_ADDR_RANGE,   /* ip .. ip_end, same family */
	IPP_ADDR_DNS,     /* the host's DNS servers ("DNS" server type) */
	IPP_ADDR_WINS,    /* the host's WINS servers */
	IPP_ADDR_DHCP,    /* the host's DHCP server */
	IPP_ADDR_GATEWAY, /* the host's default gateway */
};

struct ipp_addr {
	enum ipp_addr_kind kind;
	uint8_t family;     /* AF_INET or AF_INET6 for IP and RANGE, else 0 */
	uint8_t plen;       /* IP: prefix length, 0..32 or 0..128 */
	uint8_t ip[16];     /* network byte order; IPv4 in the first 4 bytes */
	uint8_t ip_end[16]; /* RANGE: last address, network byte order */
};

/* True for DNS, WINS, DHCP, GATEWAY. */
bool ipp_addr_is_server(enum ipp_addr_kind k);
/*
 * An IPv6 address @ip that is IPv4-mapped (::ffff:a.b.c.d, how a dual-stack
 * socket names an IPv4 peer) made the IPv4 address it stands for (in the
 * first 4 bytes): true; else false, @ip unchanged.
 */
bool ipp_ip_unmap(uint8_t ip[16]);
/*
 * Why address @a (an IP address) cannot be a tunnel's far end, one host: a
 * multicast, broadcast or reserved address (224.0.0.0/3, 0.0.0.0/8 but
 * 0.0.0.0 itself, ff00::/8, IPv4-mapped); NULL when it can be one.  A
 * static string.
 */
const char *ipp_tunnel_endpoint_bad(const struct ipp_addr *a);
/* Is the IPv6 address @ip IPv4-mapped (::ffff:0:0/96), which no packet on the wire carries? */
bool ipp_ip_is_mapped(const uint8_t ip[16]);
/* The IPv4 address @ip (its first 4 bytes) made its IPv4-mapped IPv6 address, in place. */
void ipp_ip_map(uint8_t ip[16]);
/* Is @ip the unspecified address of @family (0.0.0.0, ::), a host's before it has one? */
bool ipp_ip_is_unspecified(int family, const uint8_t ip[16]);
/* Is @ip a loopback address of @family (127.0.0.0/8, ::1)? */
bool ipp_ip_is_loopback(int family, const uint8_t ip[16]);
/* Is @ip a multicast address of @family, or IPv4's limited broadcast 255.255.255.255? */
bool ipp_ip_is_group(int family, const uint8_t ip[16]);
/* Clear the bits of the 16-byte address @ip past the prefix length @plen. */
void ipp_ip_mask(uint8_t ip[16], unsigned plen);
/* Do the first @plen bits of @x and @y agree? */
bool ipp_prefix_equal(const uint8_t *x, const uint8_t *y, unsigned plen);
/* Is @a the IPv4 address 0.0.0.0 (Windows' "this host" with mask 255.255.255.255)? */
bool ipp_addr_is_unspecified4(const struct ipp_addr *a);

/*
 * Parse an address token as netsh does: "me", "any", "dns", "wins", "dhcp",
 * "gateway" (case-insensitive), an IPv4/IPv6 address, a range "a-b".
 * An IP is returned as a host (plen 32/128); apply a mask with ipp_addr_set_mask().
 * Returns 0, -EINVAL for malformed input, or -EAGAIN when @s looks like a
 * DNS host name: the caller resolves it (one filter per address, as Windows).
 */
int ipp_addr_parse(const char *s, struct ipp_addr *ret, struct ipp_error *err);

/*
 * Parse a mask: dotted quad ("255.255.255.0") or prefix length ("24", or
 * 0..128 for IPv6).  Non-contiguous masks are refused.  @family is the
 * family of the address the mask goes with (AF_INET when unknown).
 */
int ipp_mask_parse(const char *s, int family, uint8_t *ret_plen, struct ipp_error *err);
/*
 * A mask whose family is not known yet: IPv4 when it is one, else IPv6;
 * *@ret_family (may be NULL) says which.  The message of a bad one is its
 * family's (a prefix length: both ranges).
 */
int ipp_mask_parse_any(const char *s, uint8_t *ret_plen, int *ret_family, struct ipp_error *err);

/* Apply a prefix length to an IP address.  Other kinds ignore it (as netsh). */
int ipp_addr_set_mask(struct ipp_addr *a, uint8_t plen, struct ipp_error *err);

/* Format: "me", "any", "DNS", "10.0.0.0", "10.0.0.1-10.0.0.9", "2001:db8::1". No mask. */
void ipp_addr_format(const struct ipp_addr *a, char *buf, size_t len);
/* The mask as netsh shows it: dotted quad for IPv4, "/plen" for IPv6. */
void ipp_mask_format(const struct ipp_addr *a, char *buf, size_t len);

/* Does @a contain the concrete address @ip of @family (not for ME or servers)? */
bool ipp_addr_contains(const struct ipp_addr *a, int family, const uint8_t ip[16]);

/*
 * The address part of the weight: prefix length scaled to 0..32
 * (ANY = 0, IPv4 host = 32, IPv6 prefix = plen / 4, ME and servers = 32,
 * RANGE = its smallest enclosing prefix).
 */
unsigned ipp_addr_weight(const struct ipp_addr *a);
/*
 * What the scaling of an IPv6 prefix length drops (plen % 4; 0 for IPv4
 * and the rest): the quarters of the weight's address part, so that IPv6
 * filters weigh their exact prefix lengths (/66 beats /64).
 */
unsigned ipp_addr_weight_rest(const struct ipp_addr *a);

/* ---------- protocols, ports ---------- */

#define IPP_PROTO_ANY 0
/* Parse "any", "icmp", "tcp", "udp", "raw", or 0..255. */
int ipp_proto_parse(const char *s, uint8_t *ret, struct ipp_error *err);
/* "ANY", "ICMP", "TCP", "UDP", "RAW" or the number. */
void ipp_proto_format(uint8_t proto, char *buf, size_t len);
/* Parse 0..65535 strictly. */
int ipp_port_parse(const char *s, uint16_t *ret, struct ipp_error *err);

/* ---------- security methods ---------- */

enum ipp_conf_alg { IPP_CONF_INVALID = 0, IPP_CONF_NONE, IPP_CONF_DES, IPP_CONF_3DES };
enum ipp_hash_alg { IPP_HASH_INVALID = 0, IPP_HASH_NONE, IPP_HASH_MD5, IPP_HASH_SHA1 };

/* Main mode offer: ConfAlg-HashAlg-GroupNum; group 1, 2 or 3 (3 = 2048-bit, IANA 14). */
struct ipp_mm_offer {
	enum ipp_conf_alg conf;
	enum ipp_hash_alg hash;
	uint8_t group;
};

enum ipp_qm_kind { IPP_QM_INVALID = 0, IPP_QM_ESP, IPP_QM_AH, IPP_QM_AH_ESP };

/* Quick mode offer: ESP[conf,auth], AH[hash], AH[hash]+ESP[conf,auth], optional :<kb>k/<s>s. */
struct ipp_qm_offer {
	enum ipp_qm_kind kind;
	enum ipp_hash_alg ah_hash;   /* AH, AH_ESP */
	enum ipp_conf_alg esp_conf;  /* ESP, AH_ESP */
	enum ipp_hash_alg esp_auth;  /* ESP, AH_ESP */
	uint32_t life_kb;            /* 0 = not given (default) */
	uint32_t life_sec;           /* 0 = not given (default) */
};

/* Parse a space-separated list ("3DES-SHA1-2 3DES-MD5-2"). Returns count in *ret_n. */
int ipp_mm_offers_parse(const char *s, struct ipp_mm_offer *ret, size_t max, size_t *ret_n,
			struct ipp_error *err);
/* Format back to netsh syntax (round-trips through the parser). */
void ipp_mm_offers_format(const struct ipp_mm_offer *o, size_t n, char *buf, size_t len);
int ipp_qm_offers_parse(const char *s, struct ipp_qm_offer *ret, size_t max, size_t *ret_n,
			struct ipp_error *err);
void ipp_qm_offers_format(const struct ipp_qm_offer *o, size_t n, char *buf, size_t len);

/* Windows' defaults when none are given. */
size_t ipp_mm_offers_default(struct ipp_mm_offer *ret, size_t max);
size_t ipp_qm_offers_default(struct ipp_qm_offer *ret, size_t max);

/* ---------- authentication ---------- */

enum ipp_auth_kind { IPP_AUTH_INVALID = 0, IPP_AUTH_KERBEROS, IPP_AUTH_PSK, IPP_AUTH_ROOTCA };

struct ipp_auth {
	enum ipp_auth_kind kind;
	char value[IPP_DESC_MAX]; /* PSK: the key; ROOTCA: the CA's distinguished name */
	bool certmap;             /* ROOTCA only */
	bool excludecaname;       /* ROOTCA only */
};

/* Parse a rootca value: "<DN> certmap:yes excludecaname:no" (\' = literal "). */
int ipp_rootca_parse(const char *s, struct ipp_auth *ret, struct ipp_error *err);
/* Format a rootca value in netsh syntax (quotes inside written as \'). */
void ipp_rootca_format(const struct ipp_auth *a, char *buf, size_t len);
/*
 * Does @a[i] repeat a method before it in the list?  Kerberos and a preshared
 * key are given at most once; rootca repeats, once for each CA (names
 * compared case-insensitively).  -EINVAL naming the repeat.
 */
int ipp_auth_repeat_check(const struct ipp_auth *a, size_t i, struct ipp_error *err);

/* ---------- the objects ---------- */

enum ipp_action { IPP_ACTION_INVALID = 0, IPP_ACTION_PERMIT, IPP_ACTION_BLOCK, IPP_ACTION_NEGOTIATE };
enum ipp_conntype { IPP_CONN_INVALID = 0, IPP_CONN_ALL, IPP_CONN_LAN, IPP_CONN_DIALUP };

const char *ipp_action_name(enum ipp_action a);     /* "permit", "block", "negotiate" */
const char *ipp_conntype_name(enum ipp_conntype c); /* "all", "lan", "dialup" */

/* A filter of a filter list: no name of its own; identity is its selector tuple. */
struct ipp_filter {
	int64_t id;            /* store row id; also the creation order */
	char guid[IPP_GUID_STRLEN];
	char *description;     /* owned, NULL = empty */
	char *srcdns, *dstdns; /* owned: the DNS name the address was resolved from, or NULL */
	struct ipp_addr src, dst;
	uint8_t protocol;      /* IPP_PROTO_ANY = any */
	uint16_t srcport, dstport; /* 0 = any */
	bool mirrored;
	int64_t order; /* an export file's: the filter's place in the creation order of the
			  store's filters (1 = oldest), 0 when not known */
};

struct ipp_filterlist {
	int64_t id;
	char guid[IPP_GUID_STRLEN];
	char name[IPP_NAME_MAX];
	char description[IPP_DESC_MAX];
	int64_t modified;      /* unix time of last change */
	struct ipp_filter *filters; /* owned array */
	size_t nfilters;
};

struct ipp_filteraction {
	int64_t id;
	char guid[IPP_GUID_STRLEN];
	char name[IPP_NAME_MAX];
	char description[IPP_DESC_MAX];
	int64_t modified;
	enum ipp_action action; /* default negotiate */
	bool qmpfs, inpass, soft;
	struct ipp_qm_offer qmsec[IPP_MAX_OFFERS];
	size_t nqmsec;
};

struct ipp_rule {
	int64_t id;             /* store row id */
	uint32_t number;        /* rule ID within its policy, 1.. in creation order; 0 = default rule */
	char guid[IPP_GUID_STRLEN];
	char name[IPP_NAME_MAX];
	char description[IPP_DESC_MAX];
	int64_t modified;
	int64_t policy_id;
	int64_t filterlist_id;   /* 0 for the default response rule */
	int64_t filteraction_id; /* 0 for the default response rule */
	bool has_tunnel;
	struct ipp_addr tunnel;  /* tunnel endpoint (kind IP) when has_tunnel */
	char tunneldns[IPP_NAME_MAX]; /* DNS name the endpoint came from, or "" */
	enum ipp_conntype conntype;
	bool activate;
	struct ipp_auth auth[IPP_MAX_AUTH]; /* preference order */
	size_t nauth;
	/* default response rule only: */
	bool qmpfs;
	struct ipp_qm_offer qmsec[IPP_MAX_OFFERS];
	size_t nqmsec;
};

struct ipp_policy {
	int64_t id;
	char guid[IPP_GUID_STRLEN];
	char name[IPP_NAME_MAX];
	char description[IPP_DESC_MAX];
	int64_t modified;
	bool mmpfs;
	uint32_t qmpermm;         /* 0 = unlimited */
	uint32_t mmlifetime;      /* minutes, default 480 */
	bool activatedefaultrule; /* default yes */
	uint32_t pollinginterval; /* minutes, default 180 */
	bool assigned;
	char gponame[IPP_NAME_MAX]; /* domain store: GPO it is assigned to, or "" */
	struct ipp_mm_offer mmsec[IPP_MAX_OFFERS];
	size_t nmmsec;
	struct ipp_rule defaultrule; /* the default response rule (number 0) */
	struct ipp_rule *rules;      /* owned array, ordinary rules by number */
	size_t nrules;
};

/*
 * Fill an object with Windows' defaults (name and ids empty).  The object is
 * overwritten, not freed.  A policy gets the default mm offers and a default
 * rule; a rule gets conntype all, activate yes, Kerberos as its only
 * authentication method and the default qm offers; a filter gets any -> any,
 * mirrored; a filter action gets negotiate with the default qm offers.
 */
void ipp_policy_init(struct ipp_policy *p);
void ipp_filterlist_init(struct ipp_filterlist *l);
void ipp_filter_init(struct ipp_filter *f);
void ipp_filteraction_init(struct ipp_filteraction *a);
void ipp_rule_init(struct ipp_rule *r);

void ipp_filter_clear(struct ipp_filter *f);
void ipp_filterlist_clear(struct ipp_filterlist *l);
void ipp_filteraction_clear(struct ipp_filteraction *a);
void ipp_rule_clear(struct ipp_rule *r);
void ipp_policy_clear(struct ipp_policy *p);

/* Deep copy of a filter (strings duplicated) into @dst (overwritten, owned by the
 * caller: ipp_filter_clear()); returns 0 or -ENOMEM (@dst untouched). */
int ipp_filter_copy(struct ipp_filter *dst, const struct ipp_filter *src);

/*
 * Validation: each returns 0 or -EINVAL with a message naming the offending
 * attribute and value.  Checks value ranges and combinations (ports only with
 * TCP/UDP, server types only against "me", families of both ends agree,
 * range order, names non-empty and not "all", tunnel rules' filters not
 * mirrored is checked by ipp_rule_validate against the list it names).
 * ipp_policy_validate also checks the default rule.  ipp_rule_validate takes
 * a rule with filterlist_id and filteraction_id 0 (and number 0) for a default
 * response rule (no name needed, no tunnel, at least one qm offer); @l may be
 * NULL.  Not checked here: mmpfs=yes implying qmpermm=1 (netsh sets it).
 */
int ipp_filter_validate(const struct ipp_filter *f, struct ipp_error *err);

/*
 * @name written as a DNS name is (@what names it in the message): labels of
 * letters, digits, '-' and '_' (and UTF-8 beyond ASCII), at most 63 bytes,
 * between dots (one at the end allowed).
 */
int ipp_dnsname_validate(const char *what, const char *name, struct ipp_error *err);

/*
 * The DNS names an address was resolved from (srcdns, dstdns; a rule's
 * tunneldns) only beside an address of kind IP (a tunnel) and written as
 * names are: checked where they come in (commands, imports), not in
 * ipp_filter_validate()/ipp_rule_validate(), which stores written before
 * this check meet when they are read.
 */
int ipp_filter_dnsnames_validate(const struct ipp_filter *f, struct ipp_error *err);
int ipp_rule_dnsname_validate(const struct ipp_rule *r, struct ipp_error *err);
/* Name, description and every filter of the list. */
int ipp_filterlist_validate(const struct ipp_filterlist *l, struct ipp_error *err);
int ipp_filteraction_validate(const struct ipp_filteraction *a, struct ipp_error *err);
int ipp_policy_validate(const struct ipp_policy *p, struct ipp_error *err);
int ipp_rule_validate(const struct ipp_rule *r, const struct ipp_filterlist *l,
		      struct ipp_error *err);
int ipp_name_validate(const char *what, const char *name, struct ipp_error *err);

/* Same selector tuple (addresses, masks, protocol, ports, mirroring; not the description)? */
bool ipp_filter_same(const struct ipp_filter *a, const struct ipp_filter *b);

/* A fresh random GUID in Windows' text form, upper case, with braces. */
void ipp_guid_new(char out[IPP_GUID_STRLEN]);
/* Is @s a GUID in that form (braces optional)? Normalises into @out when non-NULL. */
bool ipp_guid_parse(const char *s, char out[IPP_GUID_STRLEN]);

/* ---------- specific filters and the weight ---------- */

/* Where a filter came from; lower wins ties (persistent beats domain/local beats dynamic). */
enum ipp_origin { IPP_ORIGIN_PERSISTENT = 0, IPP_ORIGIN_ASSIGNED = 1, IPP_ORIGIN_DYNAMIC = 2 };

/*
 * A specific filter: one direction of one configured filter, with server
 * types expanded to host addresses.  src/dst kinds are ANY, ME, IP or RANGE.
 */
struct ipp_sfilter {
	struct ipp_addr src, dst;
	uint8_t protocol;
	uint16_t srcport, dstport;
	enum ipp_action action;
	enum ipp_origin origin;
	uint64_t seq;          /* creation order across the effective policy (older = smaller) */
	uint32_t weight;       /* ipp_weight() of the above */
	uint32_t rule;         /* index of its rule in the effective policy */
	uint32_t filter;       /* index of its configured filter in that rule's list */
	bool reversed;         /* the mirror image of the configured filter */
	uint8_t clear;         /* negotiate: clear packets accepted: 0 none, 1 inbound
				  (inpass=yes), 2 both ways (soft=yes) */
	uint8_t dir;	       /* the packets it decides: 0 both directions, IPP_SF_IN inbound
				  only, IPP_SF_OUT outbound only (a dynamic rule whose
				  actioninbound and actionoutbound differ) */
};

enum { IPP_SF_IN = 1, IPP_SF_OUT = 2 };

/*
 * IPv6 extension headers that the kernel's protocol match (nftables' meta
 * l4proto) looks past: hop-by-hop options (0, "any" to netsh), routing (43),
 * fragment (44), destination options (60).  A filter of one of them
 * matches no IPv6 packet.
 */
static inline bool ipp_proto_ipv6_ext(unsigned p)
{
	return p == 43 || p == 44 || p == 60;
}

/*
 * The filter weight of ../shared/DESIGN.md:
 *   (srcw + dstw) << 16 | (protocol != any) << 8 | (srcport != 0) << 1 | (dstport != 0)
 */
uint32_t ipp_weight(const struct ipp_addr *src, const struct ipp_addr *dst, uint8_t protocol,
		    uint16_t srcport, uint16_t dstport);

/* Tie-break rank of an action: block 0 < negotiate 1 < permit 2 (lower wins). */
int ipp_action_rank(enum ipp_action a);

/*
 * Total order "a beats b": higher weight, then lower action rank, then lower
 * origin, then smaller seq.  Returns <0 when a wins, >0 when b wins, 0 equal.
 */
int ipp_sfilter_cmp(const struct ipp_sfilter *a, const struct ipp_sfilter *b);

/* ---------- additions: limits, scalar parsers, helpers ---------- */

/*
 * Value ranges enforced by the validation functions.  Windows' MMC limits
 * where they are known (shared reference), else sane bounds of our own:
 *   mmlifetime       5 .. 2880 minutes (5 min .. 48 h), default 480
 *   qmpermm          0 .. 2147483647 (0 = unlimited), default 0
 *   pollinginterval  1 .. 43200 minutes (30 days), default 180
 *   QM lifetime      300 .. 172800 seconds, 20480 .. 2147483647 KB; 0 = not
 *                    given, meaning 3600 s / 100000 KB
 */
#define IPP_MMLIFETIME_MIN 5u
#define IPP_MMLIFETIME_MAX 2880u
#define IPP_MMLIFETIME_DEFAULT 480u
#define IPP_QMPERMM_MAX 2147483647u
#define IPP_POLLING_MIN 1u
#define IPP_POLLING_MAX 43200u
#define IPP_POLLING_DEFAULT 180u
#define IPP_QM_LIFE_SEC_MIN 300u
#define IPP_QM_LIFE_SEC_MAX 172800u
#define IPP_QM_LIFE_SEC_DEFAULT 3600u
#define IPP_QM_LIFE_KB_MIN 20480u
#define IPP_QM_LIFE_KB_MAX 2147483647u
#define IPP_QM_LIFE_KB_DEFAULT 100000u

/*
 * Strict decimal parse of @s into *ret within [min, max]: digits only, no
 * sign, no blanks, no overflow.  -EINVAL (also when out of range) with a
 * message naming @what and the token.
 */
int ipp_parse_u32(const char *what, const char *s, uint32_t min, uint32_t max, uint32_t *ret,
		  struct ipp_error *err);
/* "yes"/"no" or any non-empty prefix ("y", "n"), case-insensitive. */
int ipp_bool_parse(const char *what, const char *s, bool *ret, struct ipp_error *err);
/* Exact, case-insensitive names of ipp_action_name()/ipp_conntype_name(); -EINVAL. */
int ipp_action_parse(const char *s, enum ipp_action *ret, struct ipp_error *err);
int ipp_conntype_parse(const char *s, enum ipp_conntype *ret, struct ipp_error *err);
/* "kerberos", "psk", "rootca". */
const char *ipp_auth_kind_name(enum ipp_auth_kind k);

/* Same address (kind, family, prefix, addresses; unused bytes ignored)? */
bool ipp_addr_same(const struct ipp_addr *a, const struct ipp_addr *b);
/*
 * The address with its prefix in one token, parseable by ipp_addr_parse_cidr():
 * "any", "me", "DNS", "10.0.0.0/24", "2001:db8::/64", "10.0.0.1-10.0.0.9".
 */
void ipp_addr_format_cidr(const struct ipp_addr *a, char *buf, size_t len);
/* The same, a host without its prefix length ("10.0.0.1", "10.0.0.0/24"): for messages. */
void ipp_addr_format_net(const struct ipp_addr *a, char *buf, size_t len);
int ipp_addr_parse_cidr(const char *s, struct ipp_addr *ret, struct ipp_error *err);

/* Validate one authentication method / one offer (message names the attribute). */
int ipp_auth_validate(const struct ipp_auth *a, struct ipp_error *err);
int ipp_mm_offer_validate(const struct ipp_mm_offer *o, struct ipp_error *err);
int ipp_qm_offer_validate(const struct ipp_qm_offer *o, struct ipp_error *err);

/* Buffer sizes that always hold the formatted text. */
#define IPP_ADDR_STRLEN 100  /* ipp_addr_format(_cidr) */
#define IPP_OFFERS_STRLEN (IPP_MAX_OFFERS * 48)  /* ipp_mm/qm_offers_format */
#define IPP_ROOTCA_STRLEN (2 * IPP_DESC_MAX + 64) /* ipp_rootca_format */

#endif
