/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * compile.h - the effective policy compiled to nftables (table inet ipsecpol).
 *
 * Pure: nothing here touches the kernel.  ipp_compile() turns the effective
 * policy into a structured compiled form; the emitters write nft text from
 * it: the whole ruleset (one transaction replacing the table), or the
 * element-level difference between two compiled forms.
 *
 * The ruleset:
 *
 *   Specific filters are grouped into tiers by shape: address family
 *   (IPv4, IPv6, or both when neither side is an address), each side's kind
 *   and prefix length (any: not in the key; me: `fib daddr type != {
 *   broadcast, multicast }` on input, every packet on output; a prefix: the masked
 *   address), the protocol (any; TCP, UDP,
 *   ICMP or ICMPv6, each a shape of its own; any other protocol: a key
 *   field, meta l4proto, of shapes shared by all of them), and whether
 *   source and destination ports are given.  Within one shape
 *   prefixes are identical or disjoint, so each tier is one hash verdict map
 *   with exact keys: a packet matches at most one element of a tier.  An
 *   address range is split into prefixes, of lengths that are multiples of 4
 *   where that costs at most 4 times the keys (fewer lengths: fewer tiers),
 *   each in the tier of its length, ordered at the range's weight.  A tier holding a single element
 * with no key at all (any to any, all ports) is a plain rule.
 *
 *   Tiers are evaluated in descending weight; the first hit decides.  Tiers
 *   of one weight are walked by the actions they hold, best first (block,
 *   negotiate, permit: the tie-break of ipp_sfilter_cmp()), then by shape.
 *   An element that a better action of a tier walked after it overlaps
 *   goes to a "late" tier of its shape and action, walked after all the
 *   others of the weight, negotiate before permit (and so does every
 *   element that a better late one overlaps).  Identical keys inside a
 *   tier keep the best filter only.
 *
 *   Chains: `input` and `output` (hooks, priority filter, policy accept: no
 *   match means permitted) accept the exemptions (loopback; IKE, UDP port
 *   500 or 4500 either way; ESP and AH, the IPsec protocols themselves;
 *   IPv6 neighbour discovery) and go to one walk chain per family (in4,
 *   in6, out4, out6), which dispatches on the transport protocol to a walk
 *   chain per protocol used by the filters (in4_p6 ...), each listing the
 *   tiers that can match it in evaluation order.  Tiers with "me" as source
 *   are walked on output only, with "me" as destination on input only (a
 *   packet between two local addresses travels over loopback).
 *
 *   Gates cut the walk: the first 16 bits of the source and of the
 *   destination address are looked up in hash sets (gs4, gd4, gs6, gd6:
 *   "flags dynamic", not the kernel's bitmap type for 16-bit keys, whose
 *   every insertion walks all the elements already in it)
 *   of the values some element can match; a walk chain X goes to X_s when
 *   the source passes (X_s goes to X_sd when the destination passes too),
 *   else to X_d when the destination passes; each lists only the tiers that
 *   can still match (X itself: the tiers with no address in the key).  A
 *   packet from and to addresses no filter names costs two gate lookups.
 *
 *   Verdicts: permit accept, block drop (with diagnostics: goto `blocked`,
 *   which logs to NFLOG first), negotiate goto `negotiate_in` (accepted
 *   when it arrived through an SA: `meta secpath exists`) or
 *   `negotiate_out` (accepted when it leaves under an IPsec policy: `rt
 *   ipsec exists`), else dropped.  A negotiate filter whose action takes
 *   clear packets on that hook (inpass=yes inbound, soft=yes both ways)
 *   goes to `negotiate_in_clear` / `negotiate_out_clear`: accepted, and
 *   remembered by the flow cache as permitted.
 *
 *   The base chains.  After the loopback exemption, the flow cache's
 *   5-tuple lookups, in the base chain itself (TCP and UDP, both families,
 *   every outcome); then one lookup by family and protocol sends TCP and
 *   UDP to their walk chains (which always exist), accepts ESP and AH
 *   (exempt), sends ICMPv6 to the neighbour discovery exemption (chains
 *   nd_in, nd_out) and the other protocols to the family chain.  The UDP
 *   chains exempt IKE (the cache never holds IKE: only walked packets go
 *   in).
 *
 *   The flow cache.  A packet is first looked up: TCP and UDP by 5-tuple
 *   (source, destination, protocol, ports) in the base chain, in the cache
 *   sets of their family and hook, one per outcome (chain input: sets
 *   flow4_in_permit_gG, flow4_in_negotiate_gG, flow4_in_block_gG, ... of
 *   the generation G in force; "flags dynamic", a counter per element);
 *   the other protocols at the top of the walk chain of their protocol (of
 *   their family when the protocol has no chain of its own; not when the
 *   chain has nothing to walk), by addresses and protocol (fcp_hit4_in:
 *   pair4_in_permit_gG ...: their filters name no ports, so that is their
 *   whole selector); a hit gives the outcome at once.  The lookup chains
 *   name the sets of the generation in force and are rewritten when it
 *   changes, so a cached permitted flow costs one lookup.  Every walk that can fill the cache looks
 * it up first: an entry that a walk keeps filling without answering would count its packets twice.
 * On a miss the walk decides, and the verdict goes through a chain of its outcome (`permit`,
 * `block`, `negotiate_in`, `negotiate_out`) that adds the 5-tuple to the matching cache set before
 *   the verdict; a walk that ends without a match (permitted) does the same
 *   through `permit`.  The outcome of a 5-tuple is a function of the policy
 *   alone (negotiate still checks every packet for its SA), so the cache
 *   answers exactly what the walk would, as long as it holds entries of the
 *   policy in force: every change of the table moves the rules to the other
 *   generation G, emptied in the same transaction (IPP_CARRY_PREFIX below:
 *   what becomes of the one left behind).  A full cache set
 *   (opts.flow_size flows) takes no more entries; new flows are then walked
 *   packet by packet until the agent moves to the other generation.
 *   Per-filter counters: the element that decided counts the packet that
 *   created a cache entry; the entry counts that packet and the hits, which
 *   the counter reader (ipp_driver_counters()) gives back to the deciding
 *   element (ipp_compiled_match()).
 *
 *   IPv6 fragments.  IPv4 reaches the input hook reassembled; IPv6 is
 *   reassembled after it, so a non-first fragment would come with no ports
 *   and miss every filter that names one (a "block all, permit UDP 2049"
 *   policy would drop large datagrams of the permitted traffic).  Chain
 *   defrag6 holds a rule no packet reaches, a tproxy statement, whose
 *   presence makes the kernel reassemble IPv6 in this network namespace
 *   before any hook sees it, as it does for IPv4 (nftables has no statement
 *   that asks for reassembly alone; conntrack would, at a price for every
 *   packet).  Outbound, packets are fragmented after the output hook.
 *
 *   Cells (opts.cells; driver.conf CellDispatch, default on).  A walk of
 *   one of the host's addresses past both gates lists every tier that can
 *   match a packet of that address; with cells, it looks the remote address
 *   (the source on input, the destination on output) and its own up in an
 *   interval map (GROUP_cells, keyed "remote . local": nft's userspace reads
 *   every element of a one-field interval set before any transaction that
 *   adds an element, but not of a concatenation), which sends the packet to
 *   the chain listing the tiers with an element holding that remote
 *   address, then those with no remote key, up to the first that decides
 *   every packet there (emit.c: cells_compute()).  The cells are computed
 *   once per hook, family and protocol for all the host's addresses (a
 *   group), whose walks share the map and the chains.  The first packet of a
 *   flow then costs a handful of lookups.  The price: every chain that
 *   reaches a verdict map whose elements are gotos makes the kernel walk
 *   that map's elements whenever it checks the table's jumps (at every
 *   transaction that adds such an element), so a table with cells loads
 *   about 1.6 times as slowly and takes an element about 1.5 times as
 *   slowly; ratios to the kernel's own load of the same table stay.
 *
 *   Every rule that uses a map carries a comment naming the map and its
 *   source (policy, rule); a map's own comment describes its shape, which
 *   stays true while its elements change one by one.  Map elements carry
 *   counters, and comments only when asked (they cost a quarter more load
 *   time at 100k elements): the compiled form is the side table that maps
 *   an element back to its rule and filter.
 */
#ifndef IPP_COMPILE_H
#define IPP_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/driverconf.h"
#include "../common/err.h"
#include "effective.h"
#include "modes.h"

enum ipp_cverdict { IPP_CV_ACCEPT = 0, IPP_CV_DROP, IPP_CV_NEGOTIATE };

/*
 * Negotiate, and clear packets accepted too: inbound with inpass=yes
 * (inbound passthrough) or soft=yes (fall back to clear), outbound with
 * soft=yes.  Until IKE negotiates, a soft filter's clear traffic is taken
 * as fallen back at once.
 */
enum { IPP_CCLEAR_IN = 1 << 0, IPP_CCLEAR_OUT = 1 << 1 };

/*
 * IPv6 neighbour discovery, the counterpart of ARP (which the inet family does
 * not see): router and neighbour solicitations and advertisements, only from
 * the link itself (hop limit 255, RFC 4861), as nft text.  Not redirects: a
 * host needs none to reach anything, and the policy decides them.
 */
#define IPP_NFT_ND_MATCH                                                                           \
	"icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, "                 \
	"nd-neighbor-advert } ip6 hoplimit 255"
/*
 * ICMPv6 packet too big, which path MTU discovery needs (a router on the way
 * sends it: no filter of a peer names it; RFC 4890 says it must pass): dropped,
 * TCP over a smaller link stalls.  As nft text.
 */
#define IPP_NFT_PTB_MATCH "icmpv6 type packet-too-big"

/*
 * Multicast listener discovery, which IPv6 neighbour discovery needs (its
 * solicited-node groups, which switches snoop), exempt with it: queries,
 * reports and dones from the link itself (hop limit 1, a link-local or no
 * source address), as nft text.
 */
#define IPP_NFT_MLD_MATCH                                                                          \
	"icmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, "               \
	"mld2-listener-report } ip6 hoplimit 1 ip6 saddr { ::, fe80::/10 }"

/* The comment of the counted drop of clear packets in the negotiate chains. */
#define IPP_NEGOTIATE_DROP_COMMENT "negotiate: clear packet dropped"
/*
 * A named counter of the table holding what those drops counted in the tables
 * a whole replacement removed (the agent writes it in the replacing
 * transaction); the total is its count plus the rules'.
 */
#define IPP_NEGOTIATE_DROP_CARRY_NAME "negotiate_drop_carry"
#define IPP_NEGOTIATE_DROP_CARRY_COMMENT "negotiate: clear packets dropped by tables replaced"

/* Flows each flow cache set holds at most, unless driver.conf's FlowCacheSize says. */
#define IPP_FLOWCACHE_SIZE 65536

/*
 * The flow cache comes in two generations (sets "..._g0" and "..._g1"):
 * the table's rules look up and fill one of them, c->flow_gen.  A change
 * of the table (and the agent, when a set fills up) moves the rules to the
 * other generation, emptied in the same transaction; the generation left
 * behind is then frozen: no rule reads or fills it.  Its counts are folded
 * into "carry" counters (named counter objects of the table, one per map
 * element and verdict that has any, commented "carry VERDICT GROUP KEY":
 * ipp_cverdict_name(), ipp_ctier_group()) and it is emptied, in one more
 * transaction (ipp_flow_fold_emit()).  So an element's packets are its own
 * counter, plus the entries of both generations it decided, plus its carry
 * counters: exact across changes and evictions.  The verdict is the one
 * the element gave when the packets were counted: an element whose action
 * changes keeps what it blocked as blocked.  (A carry counter commented
 * "carry GROUP KEY", without a verdict, is taken as the element's verdict
 * of now.)
 */
#define IPP_CARRY_PREFIX "carry "

/* "accept", "drop", "negotiate". */
const char *ipp_cverdict_name(enum ipp_cverdict v);

/* One of this host's own addresses (struct ipp_copts.local). */
struct ipp_laddr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t ip[16]; /* network byte order, IPv4 in the first 4 bytes, the rest zero */
};
/* The most local addresses the walks dispatch on (ipp_copts_local()); a host's others walk every
 * tier. */
#define IPP_LOCAL_MAX 16

struct ipp_copts {
	bool exempt_ike;	/* UDP to port 500/4500 in, from it out (default yes) */
	bool exempt_ipsec;      /* ESP and AH packets (default yes) */
	bool exempt_nd;         /* IPv6 neighbour discovery, hop limit 255 (default yes) */
	/*
	 * Windows' default exemptions (driver.conf NoDefaultExempt, netsh
	 * "ipsecexempt", default 3: IKE only, as above): 0 and 2 exempt Kerberos
	 * (TCP and UDP from or to port 88) and RSVP (protocol 46), 0 and 1
	 * multicast and broadcast packets (IPv4 by the route of the destination,
	 * IPv6 ff00::/8).
	 */
	unsigned ipsecexempt;
	bool elem_comments;     /* a comment on every map element (default no) */
	unsigned diagnostics;   /* DiagnosticMode: >= 1 logs drops to NFLOG (default 0) */
	bool flow_cache;        /* the flow cache below (default yes; FlowCache=0 turns it off) */
	uint32_t flow_size;     /* flows per cache set (FlowCacheSize, default IPP_FLOWCACHE_SIZE) */
	bool cells;		/* local walks cut into cells by the remote address (default yes;
				   CellDispatch=0 turns them off) */
	bool defrag6;		/* IPv6 reassembled before the input hook (chain defrag6; default
				   yes, unless the kernel cannot: ipp_driver_defrag6()) */
	/*
	 * What a packet no filter matches gets: 0 (IPP_MODE_INVALID, the
	 * default) permitted, as Windows does; IPP_MODE_STARTUP_STATEFUL,
	 * IPP_MODE_STARTUP_BLOCK or IPP_MODE_BLOCK: what that fixed mode does
	 * with it (modes.h), with the boot exemptions below.  For the persistent
	 * policy in force alone while the local or domain one cannot be applied
	 * (ipsecpold(8), MODES).  Such packets are
	 * never remembered by the flow cache.
	 */
	enum ipp_mode rest;
	struct ipp_bootexempt rest_exempt[IPP_BOOTEXEMPT_MAX];
	size_t rest_nexempt;
	/*
	 * Not the compiler's: the dynamic rules the effective policy takes in
	 * (ipp_apply_compute(): the agent's, ipp_effective_build_dyn()); NULL
	 * none.  Borrowed.
	 */
	const struct ipp_dynspd *dynamic;
	/*
	 * Not the compiler's either: the effective policy in force, whose domain
	 * or local rules stand in for the policy assigned now when that cannot
	 * be built (ipp_apply_compute(), ipp_effective_build_kept()); NULL none.
	 * Borrowed.
	 */
	const struct ipp_effective *kept;
	/*
	 * This host's own unicast addresses (ipp_copts_local()): the walks
	 * dispatch a packet on its local address (the destination on input, the
	 * source on output) to chains that leave out the tiers with no element
	 * for that address.  Which tiers those are follows the filters alone;
	 * the addresses only choose which of them get such chains: a packet of
	 * another address walks every tier, as without them.  Not compared by
	 * ipp_compiled_diff(): addresses that come and go change chains, not the
	 * maps (ipp_compiled_relocal()).
	 */
	struct ipp_laddr local[IPP_LOCAL_MAX];
	size_t nlocal;
};

/* The defaults above. */
void ipp_copts_init(struct ipp_copts *o);

/* What ipsecexempt value @v exempts beyond IKE. */
bool ipp_exempt_kerberos_rsvp(unsigned v);
bool ipp_exempt_group(unsigned v);

struct ipp_driverconf;
/* The defaults, then what driver.conf sets: DiagnosticMode, NoDefaultExempt and FlowCache. */
void ipp_copts_from_conf(struct ipp_copts *o, const struct ipp_driverconf *conf);

/*
 * Set o->local to the @n addresses of @v (copied): sorted, without
 * duplicates, unspecified, loopback or multicast addresses; of more than
 * IPP_LOCAL_MAX, the lowest of each family, each family at least half of
 * them when it has as many.
 */
void ipp_copts_local(struct ipp_copts *o, const struct ipp_laddr *v, size_t n);

/* Set o->rest to @rest (IPP_MODE_INVALID: none) with @conf's boot exemptions. */
void ipp_copts_rest(struct ipp_copts *o, enum ipp_mode rest, const struct ipp_driverconf *conf);

/* A rule of the effective policy, as messages and counters name it. */
struct ipp_crule {
	char policy[IPP_NAME_MAX];
	char rule[IPP_NAME_MAX];
	/* its identity (a rename keeps it): what owns an element's counts */
	char policy_guid[IPP_GUID_STRLEN], rule_guid[IPP_GUID_STRLEN];
	uint32_t number;
	enum ipp_store_loc store;
	enum ipp_origin origin;
	enum ipp_action action;
};

/* One element's key; fields the tier's shape does not use are zero. */
struct ipp_ckey {
	uint8_t src[16], dst[16]; /* masked, network byte order */
	uint16_t sport, dport;
	uint8_t proto;	  /* a shape with the protocol in its key (pkey) */
	uint8_t reserved; /* zero: keys are compared as bytes */
};

struct ipp_celem {
	struct ipp_ckey key;
	uint8_t verdict;    /* enum ipp_cverdict */
	uint8_t clear;      /* negotiate: IPP_CCLEAR_* (the filter action's inpass and soft) */
	bool reversed;      /* from the mirror image of the configured filter */
	bool twinned;       /* a worse filter had the same key (shadowed: not compiled) */
	uint32_t rule;      /* index into ipp_compiled.rules */
	uint32_t filter;    /* the configured filter's index in its rule's filter list */
	uint32_t weight;    /* the specific filter's weight */
};

struct ipp_cshape {
	uint8_t family;           /* 0: both (no address in the key), AF_INET, AF_INET6 */
	uint8_t src_kind, dst_kind; /* IPP_ADDR_ANY, IPP_ADDR_ME or IPP_ADDR_IP */
	uint8_t src_plen, dst_plen; /* IPP_ADDR_IP: prefix length of the key field (0: no field) */
	uint8_t proto;		    /* 0 = any (or pkey) */
	bool pkey;		    /* a protocol without tiers of its own (ipp_cproto_own()):
				       the protocol is a key field (meta l4proto), proto is 0 */
	bool sport, dport;        /* port fields in the key */
	uint8_t conn;             /* the rule's connection type: 0 all, IPP_CCONN_LAN, _DIALUP */
	uint8_t dir;		  /* the filter's direction: 0 both, IPP_SF_IN, IPP_SF_OUT */
};

/*
 * Does protocol @proto get tiers (and a walk chain) of its own?  TCP, UDP,
 * ICMP and ICMPv6 do.  The filters of every other protocol share tiers
 * whose key holds the protocol (struct ipp_cshape.pkey), walked in the
 * family chain: however many protocols a policy names, their filters make
 * no more tiers than their address shapes do.
 */
bool ipp_cproto_own(unsigned proto);
/* The protocol a shape stands for in a weight: its own, 255 for pkey (any specific one). */
static inline uint8_t ipp_cshape_proto(const struct ipp_cshape *s)
{
	return s->pkey ? 255 : s->proto;
}

/*
 * Connection types (a rule's conntype): dial-up means the interfaces of
 * remote access, PPP (ARPHRD_PPP, 512) and layer-3 tunnels without a link
 * header (ARPHRD_NONE, 65534: tun, WireGuard); LAN every other interface.
 */
enum { IPP_CCONN_LAN = 1, IPP_CCONN_DIALUP = 2 };
bool ipp_iftype_dialup(unsigned arphrd);

#define IPP_CTIER_NAME_MAX 96

/* The hooks a tier is walked on. */
enum { IPP_CHOOK_IN = 1 << 0, IPP_CHOOK_OUT = 1 << 1 };

struct ipp_ctier {
	char name[IPP_CTIER_NAME_MAX]; /* the map's name; stable for a given shape and weight */
	struct ipp_cshape shape;
	uint32_t weight;          /* evaluation order: higher first */
	int8_t rank;              /* -1: any action; else the one ipp_action_rank() (late) */
	bool late;                /* walked after the other tiers of its weight (compile.h) */
	uint32_t pos;             /* not late: its place among the tiers of its weight */
	uint8_t rank_min, rank_max; /* the action ranks it holds */
	uint8_t hooks;            /* IPP_CHOOK_*: source me is output only, destination me
				     input only; a map with negotiate elements walked on both
				     hooks is split in two ("..._in", "..._out"), because the
				     kernel allows the inbound check (meta secpath) on input only */
	struct ipp_celem *elems;  /* sorted by key */
	size_t nelems;
	uint32_t more_rules;      /* rules of its elements other than the first element's */
};

/*
 * A gate: the values of the first 16 bits of one address field (IPv4 or
 * IPv6, source or destination) that some map element can match.  A packet
 * whose address is outside the gate skips every tier keyed on that field.
 */
#define IPP_GATE_BUCKETS 65536
struct ipp_cgate {
	uint8_t bits[IPP_GATE_BUCKETS / 8];
	size_t n; /* buckets set */
};

struct ipp_compiled {
	struct ipp_copts opts;
	uint8_t flow_gen;         /* the flow cache generation the rules use (0 or 1) */
	struct ipp_cgate gate[2][2]; /* [0 IPv4, 1 IPv6][0 source, 1 destination] */
	struct ipp_crule *rules;  /* as the effective policy's rules, same indices */
	size_t nrules;
	struct ipp_ctier *tiers;  /* in evaluation order */
	size_t ntiers;
	size_t nsf;               /* specific filters compiled */
	size_t nelems;            /* elements over all tiers */
	size_t nshadowed;         /* keys dropped because a better filter has the same key */
	/*
	 * Per tier and hook ([2 * tier + 0 input, 1 output]), bit k: the tier may
	 * match a packet whose local address is opts.local[k] (an element's local
	 * side covers it, or the tier's local side is no address key).  Owned.
	 * Changes in place only set bits (a bit left over costs a lookup, never
	 * a verdict).
	 */
	uint32_t *lcov;
	/*
	 * With cells (opts.cells): the cells of the groups the last change in
	 * place computed, as they are in force, so that the next change need not
	 * compute them again before it changes them (emit.c).  Owned; NULL: none.
	 * Whatever changes the form other than a change in place drops it
	 * (ipp_cells_cache_drop()); an entry whose tiers differ from the form's
	 * is not used.
	 */
	struct ipp_cells_cache *cells_cache;
};

/*
 * Compile @e with options @o (NULL: defaults).  *ret is owned by the
 * caller (ipp_compiled_free()) and does not point into @e.  -ENOMEM, or
 * -E2BIG when an address range pair splits into more than 65536 keys.
 */
int ipp_compile(const struct ipp_effective *e, const struct ipp_copts *o,
		struct ipp_compiled **ret, struct ipp_error *err);
void ipp_compiled_free(struct ipp_compiled *c);

/* Is the tier (or a tier of this shape) a single rule, without key fields? */
bool ipp_ctier_shape_keyless(const struct ipp_cshape *s);
bool ipp_ctier_keyless(const struct ipp_ctier *t);

/*
 * The secure ruleset's liveness maps (IPP_NFT_ALIVE_MAP and its _rest_in,
 * _rest_out): what no filter decides is permitted, or sent to the fixed mode
 * of the rest, only through them (ipsecpold(8), MODES).  No tier's name
 * starts so.
 */
#define IPP_NFT_ALIVE_MAP "alive"
bool ipp_nft_alive_map(const char *name);
/* A map of cells (opts.cells): "WALK_cells", which holds no filter's element. */
#define IPP_NFT_CELLS_SUFFIX "_cells"
bool ipp_nft_cells_map(const char *name);

/* The tier named @name, or NULL.  Points into @c. */
const struct ipp_ctier *ipp_compiled_tier(const struct ipp_compiled *c, const char *name);
/*
 * The most tiers of one group (ipp_ctier_group()): not late or late by one of
 * five actions, each one map or one per hook.
 */
#define IPP_KTIERS_MAX 18

/*
 * The tiers of a compiled form that a map the kernel holds counts for
 * (ipp_compiled_kernel_tiers()).
 */
struct ipp_ktiers {
	const struct ipp_ctier *v[IPP_KTIERS_MAX]; /* point into the form */
	size_t n;
	uint8_t hooks; /* IPP_CHOOK_*: those of the kernel's map that @v are walked on */
};

/*
 * The tiers of @c that the kernel's map, or keyless tier's rule, named @name
 * counts for, in *@ret (pointing into @c; ret->n 0 when @c has none): those
 * of its group (ipp_ctier_group()) walked on a hook the map is (the one its
 * name ends in, "_in" or "_out", else either), the one of that very name
 * first, then in walk order.  Changes in place (ipp_compiled_patch()) keep
 * the kernel's names where a compile of the same policy names the tiers
 * otherwise: a deletion leaves the elements it made late in their late tiers
 * ("X_late_permit" for "X"), and a map split by hook, or not, as it was
 * where the compile has one ("X") or two ("X_in", "X_out"): a negotiate
 * element no longer late joins its shape's map, or a shape's last one is
 * deleted.  Within a group a key is one filter's, so an element of the
 * kernel's map is the element of its key in these (ipp_ktiers_find()).
 */
void ipp_compiled_kernel_tiers(const struct ipp_compiled *c, const char *name,
			       struct ipp_ktiers *ret);
/*
 * The element with key @k of the first of @kt walked on hook @hook
 * (IPP_CHOOK_IN or IPP_CHOOK_OUT) that has one, or NULL; *@tier_ret its tier.
 * Both point into the compiled form of @kt.
 */
const struct ipp_celem *ipp_ktiers_find(const struct ipp_ktiers *kt, unsigned hook,
					const struct ipp_ckey *k,
					const struct ipp_ctier **tier_ret);
/*
 * The keyless tier of @c that a counting rule of the kernel's walk chains,
 * commented @comment ("TIER: policy ..."), is (ipp_compiled_kernel_tiers():
 * keyless tiers are never split by hook); NULL when the rule is no keyless
 * tier's.  Points into @c.
 */
const struct ipp_ctier *ipp_compiled_rule_tier(const struct ipp_compiled *c, const char *comment);
/* The element with key @k in @t, or NULL.  Points into @t. */
const struct ipp_celem *ipp_ctier_find(const struct ipp_ctier *t, const struct ipp_ckey *k);
/* The element of @t that decides key @k (a keyless tier: its first), or NULL. */
const struct ipp_celem *ipp_ctier_decider(const struct ipp_ctier *t, const struct ipp_ckey *k);
/*
 * The group of tier @name: its shape and weight, the name without the
 * late suffix and the hook of a map split by hook ("X_late_permit_in" is
 * in group "X").  A compile, or a change of another rule's action, can move
 * an element between the tiers of its group (late or not, one map or one
 * per hook); within a group a key is one filter's.  Writes to @buf.
 */
void ipp_ctier_group(const char *name, char *buf, size_t len);

/*
 * The element that decides a packet, as the kernel's walk would: the first
 * tier of @c (evaluation order) walked on the hook (@inbound: input, else
 * output) and family (@family: AF_INET or AF_INET6) whose key the packet
 * has.  Addresses in network byte order (IPv4 in the first 4 bytes), ports
 * in host order (ignored unless @proto is TCP or UDP), @iftype the type
 * (ARPHRD_*) of the interface it came in or goes out by.  @is_local tells
 * whether an inbound packet to an address is to this host ("me" on input: every
 * packet but to a broadcast or multicast address; on output every source is).  NULL when
 * no filter matches (permitted).  Points into @c; *tier_ret (may be NULL)
 * gets the tier.
 */
const struct ipp_celem *ipp_compiled_match(const struct ipp_compiled *c, bool inbound, int family,
					   const uint8_t src[16], const uint8_t dst[16],
					   uint8_t proto, uint16_t sport, uint16_t dport,
					   unsigned iftype,
					   bool (*is_local)(int family, const uint8_t ip[16], void *ctx),
					   void *ctx, const struct ipp_ctier **tier_ret);

/*
 * The flow cache sets: name of the set of @family (AF_INET, AF_INET6), hook,
 * outcome and generation (0 or 1); of TCP and UDP flows by their 5-tuple
 * ("flow4_in_permit_g0"), or with @pair of the other protocols by addresses
 * and protocol ("pair4_in_permit_g0").
 */
void ipp_flowcache_name(int family, bool inbound, enum ipp_cverdict v, unsigned gen, bool pair,
			char *buf, size_t len);
/* The reverse; false when @name is not a flow cache set. */
bool ipp_flowcache_parse(const char *name, int *family, bool *inbound, enum ipp_cverdict *v,
			 unsigned *gen, bool *pair);

/*
 * The index (0..11) of the flow cache set of @family, hook and outcome
 * (family 4: 0, 6: 1) * 6 + (hook in: 0, out: 1) * 3 + outcome; and the
 * name of the fill counter of that set of generation @gen, a named counter
 * object that the rules filling it count their additions in:
 * "fill4_in_permit_g0".
 */
unsigned ipp_flowcache_index(int family, bool inbound, enum ipp_cverdict v);
void ipp_flowfill_name(unsigned index, unsigned gen, char *buf, size_t len);

/*
 * An element added or deleted by ipp_compiled_patch(): its tier (index in
 * c->tiers) and key.  The entries of the flow cache generation a patch
 * leaves behind were decided by the form before the patch; with these,
 * ipp_compiled_match_before() tells which element that was.
 */
struct ipp_patch_change {
	uint32_t tier;
	struct ipp_ckey key;
	bool added;
};

/*
 * A map's name (tier_name()'s) back into *@ret: its shape, weight, late and
 * hooks (no elements, no rank); false when @name is not one.  For the maps a
 * kernel holds that a compiled form does not.
 */
bool ipp_ctier_parse_name(const char *name, struct ipp_ctier *ret);
/*
 * The key tier @t looks a packet up by (on the input hook when @inbound, a
 * LAN interface); false when the packet cannot match @t at all.
 */
bool ipp_ctier_packet_key(const struct ipp_ctier *t, bool inbound, int family,
			  const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
			  uint16_t sport, uint16_t dport,
			  bool (*is_local)(int family, const uint8_t ip[16], void *ctx), void *ctx,
			  struct ipp_ckey *k);

/* Sort changes by tier and key, as ipp_compiled_match_before() wants them. */
void ipp_patch_changes_sort(struct ipp_patch_change *ch, size_t n);

/*
 * As ipp_compiled_match(), for the compiled form before the changes @ch
 * (@nch of them, sorted: ipp_patch_changes_sort(); NULL, 0: @c itself) were
 * made to @c: elements added are passed over, and a tuple that a deleted
 * element decided gives NULL, with *@gone (may be NULL) set.
 */
const struct ipp_celem *
ipp_compiled_match_before(const struct ipp_compiled *c, const struct ipp_patch_change *ch,
			  size_t nch, bool inbound, int family, const uint8_t src[16],
			  const uint8_t dst[16], uint8_t proto, uint16_t sport, uint16_t dport,
			  bool (*is_local)(int family, const uint8_t ip[16], void *ctx), void *ctx,
			  const struct ipp_ctier **tier_ret, bool *gone);

/* What a generation of the flow cache counted for one element. */
struct ipp_carry {
	const struct ipp_ctier *tier; /* points into the compiled form it was counted for */
	const struct ipp_celem *elem;
	int verdict;                  /* enum ipp_cverdict they were given, -1: none */
	uint64_t packets, bytes;
	bool existed;                 /* a carry counter of the element is in the table */
};

/*
 * The transaction that ends generation @gen (which no rule uses any more):
 * its sets emptied, the carry counters of @v (each a total: what the
 * counter held, plus the generation's counts) written over, and the carry
 * counters named @stale (of elements no longer in force) deleted.
 */
void ipp_flow_fold_emit(const struct ipp_compiled *c, unsigned gen, const struct ipp_carry *v,
			size_t n, const char *const *stale, size_t nstale, FILE *out);
/* The carry counters of @v (elements of @c) written over and those named @stale deleted. */
void ipp_carry_emit(const struct ipp_compiled *c, const struct ipp_carry *v, size_t n,
		    const char *const *stale, size_t nstale, FILE *out);
/* Does the table of @c have a flow cache (FlowCache, and no connection-type rules)? */
bool ipp_compiled_flow_used(const struct ipp_compiled *c);

/*
 * The name of the carry counter object of element @e of @t in @c ("carry_"
 * and 16 hex digits) for the packets it gave @verdict (enum ipp_cverdict;
 * -1: a carry counter without a verdict), of its tier's group, its key and
 * the rule it comes from (store, policy, rule, mirror image): the counts
 * carried stay with the element when it moves to another tier of its group,
 * and are not another rule's when a filter of equal selectors takes its
 * key over.
 */
void ipp_carry_name(const struct ipp_compiled *c, const struct ipp_ctier *t,
		    const struct ipp_celem *e, int verdict, char *buf, size_t len);
/* Do @x of @a and @y of @b come from the same rule (ipp_carry_name())? */
bool ipp_celem_same_owner(const struct ipp_compiled *a, const struct ipp_celem *x,
			  const struct ipp_compiled *b, const struct ipp_celem *y);

/*
 * The transaction that moves the rules of @c to the other flow cache
 * generation (emptied first) and sets c->flow_gen to it: the agent's
 * eviction of a full cache.  The old generation is then folded.
 */
void ipp_flow_swap_emit(struct ipp_compiled *c, FILE *out);

/*
 * Make @c dispatch on the local addresses @v (@n of them, as
 * ipp_copts_local() takes them) instead of those it has, and write to @out
 * the commands that make the kernel, holding @c, follow: walk chains added,
 * rewritten or deleted, in one transaction; nothing when they are the same.
 * -ENOMEM, @c unchanged.
 */
int ipp_compiled_relocal(struct ipp_compiled *c, const struct ipp_laddr *v, size_t n, FILE *out);
/* Compute c->lcov for c->opts.local (ipp_compile() does). -ENOMEM, c->lcov unchanged. */
int ipp_compiled_cover(struct ipp_compiled *c);
/* The bits of c->opts.local that element @e of tier @t covers on hook @hook (0 in, 1 out). */
uint32_t ipp_celem_cover(const struct ipp_compiled *c, const struct ipp_ctier *t,
			 const struct ipp_celem *e, unsigned hook);

/* ---------- small changes in place ---------- */

/* struct ipp_patch_del (a configured filter gone: its rule and its place): effective.h */

/* Filters added to, or deleted from, lists that rules in force use. */
struct ipp_patch {
	const struct ipp_effective *eff;  /* the rules of @c (unchanged) */
	const struct ipp_sfilter *add;    /* specific filters added (ipp_effective_expand()) */
	size_t nadd;
	const struct ipp_patch_del *del;  /* or configured filters deleted (not both) */
	size_t ndel;
	/* the flow cache's generation in force has taken no flow since it came into use (its
	 * sets are empty, nothing the change would make stale): the rules stay on it */
	bool keep_flows;
	/* out: the elements added or deleted (owned by the caller: free()) */
	struct ipp_patch_change *changed;
	size_t nchanged;
	/* out: deletions left the table other than a compile of the policy would make it
	   (a map emptied, a map's actions changed, a late map at a weight that lost an
	   element): as right, but a compile and its difference put it in order */
	bool untidy;
};

/*
 * Change @c in place by @p and write to @out the commands that make the
 * kernel, holding @c, follow (elements added or deleted, gate values added,
 * the rules moved to the other flow cache generation, emptied: c->flow_gen
 * changes, unless p->keep_flows): one transaction, element-level; p->changed lists the elements.
 * Only when nothing else in the compiled form moves: every new key goes into an existing tier of
 * its shape and weight without making another element late or taking another's key, and its action
 * is within the tier's; a deletion only removes elements (a late element stays late, which is never
 * wrong: p->untidy says when a compile would have moved more) unless one of them shadowed a twin
 * (which would have to come back) or is in a tier without a key (a rule of the walk).  -EAGAIN, @c
 * unchanged, when that does not hold or with element comments: compile the effective policy again.
 * -ENOMEM (then @c may be half changed: discard it). Walk chain comments keep the number of rules
 * they counted.
 */
int ipp_compiled_patch(struct ipp_compiled *c, struct ipp_patch *p, FILE *out);

/* Used by ipp_compiled_patch(): one element's command; the gates added since @old_gates
 * (NULL: none) and, unless @keep_flows, the move to the other flow cache generation
 * (c->flow_gen changes). */
void ipp_patch_emit(const struct ipp_compiled *c, const struct ipp_ctier *t,
		    const struct ipp_celem *e, bool add, FILE *out);
void ipp_patch_emit_end(struct ipp_compiled *c, const struct ipp_cgate (*old_gates)[2],
			bool keep_flows, FILE *out);
/* Used by ipp_compiled_patch(): the walk chains of the local addresses of bits @grown[hook]
 * (0 input, 1 output), rewritten: a tier now has an element for them; not those past both
 * gates, which ipp_cells_snap_emit() rewrites.  -ENOMEM. */
int ipp_patch_emit_local(const struct ipp_compiled *c, const uint32_t grown[2], FILE *out);

/* What a change in place does to a tier (ipp_cells_snap()). */
struct ipp_ctouch {
	bool changed; /* elements added or deleted */
	/* per hook (0 input, 1 output): the bits of c->opts.local the local side of those
	 * elements holds (ipp_celem_cover()); all when the tier gains its first element or
	 * loses its last */
	uint32_t hold[2];
};

/*
 * Used by ipp_compiled_patch(): the walk chains of the local addresses past
 * both gates, which are cut into cells by the remote address (compile.h),
 * as they are before a change of the tiers @touched (per tier of @c) in
 * place (those of a group no changed element holds an address of stay as
 * they are); then ipp_cells_snap_emit(), with @c changed, writes what makes the
 * kernel follow (cells' chains added and deleted, map elements, the walk
 * chains rewritten).  *@ret is the caller's (ipp_cells_snap_free()).
 * -ENOMEM.
 */
struct ipp_cells_snap;
int ipp_cells_snap(struct ipp_compiled *c, const struct ipp_ctouch *touched,
		   struct ipp_cells_snap **ret);
int ipp_cells_snap_emit(struct ipp_compiled *c, struct ipp_cells_snap *s, FILE *out);
void ipp_cells_snap_free(struct ipp_cells_snap *s);
/* Drops c->cells_cache (ipp_compiled_free(), and whatever changes @c other than a change in
 * place). */
void ipp_cells_cache_drop(struct ipp_compiled *c);

/* "policy \"P\" rule \"R\" filter N[ mirrored]" for an element. */
void ipp_celem_describe(const struct ipp_compiled *c, const struct ipp_celem *e, char *buf,
			size_t len);

/* Format an element's key as it appears in the nft text ("10.0.0.0 . 80"). */
void ipp_ckey_format(const struct ipp_cshape *s, const struct ipp_ckey *k, char *buf,
		     size_t len);
/* Parse that text back (for counters and error messages); 0 or -EINVAL. */
int ipp_ckey_parse(const struct ipp_cshape *s, const char *text, struct ipp_ckey *ret);
/*
 * A key of a map of shape @s as the kernel holds it (nfnetlink: the fields
 * in key order, network byte order, each padded to 4 bytes in a
 * concatenation) into *@ret; -EINVAL when it is not one.
 */
int ipp_ckey_from_kernel(const struct ipp_cshape *s, const uint8_t *key, size_t len,
			 struct ipp_ckey *ret);

/*
 * Write the whole ruleset: "table inet ipsecpol {}", "delete table inet
 * ipsecpol" and the new table, so that one libnftables buffer replaces
 * whatever is in force in one kernel transaction.  -EIO on a write error.
 */
int ipp_compiled_emit(const struct ipp_compiled *c, FILE *out, struct ipp_error *err);
/* The same into a malloc'ed string (*ret owned by the caller: free()). */
int ipp_compiled_ruleset(const struct ipp_compiled *c, char **ret, struct ipp_error *err);

struct ipp_cdiff_stats {
	bool full;                /* the text is a full replacement */
	bool empty;               /* nothing to change (the text is empty) */
	size_t elems_added, elems_deleted;
	size_t tiers_added, tiers_deleted;
	size_t chains_rewritten;
	bool untidy; /* a change in place: ipp_patch.untidy */
};

/*
 * Does element @b of @nc go into the kernel as @a of @oc is (the same
 * verdict and comment)?  Otherwise ipp_compiled_diff() deletes and adds it
 * (its counter starts again).
 */
bool ipp_celem_same(const struct ipp_compiled *oc, const struct ipp_celem *a,
		    const struct ipp_compiled *nc, const struct ipp_celem *b);

/*
 * Write the commands that turn the table compiled as @old (which must be
 * what the kernel holds) into @new, as one transaction: elements added and
 * deleted in the maps that stay, new maps created with their elements, walk
 * chains whose list of tiers changed flushed and refilled, maps no longer
 * used deleted.  Falls back to the full ruleset when the options differ or
 * when more than half of the elements change.  @old may be NULL (full).
 * @st may be NULL.  -EIO on a write error.
 */
int ipp_compiled_diff(const struct ipp_compiled *old, const struct ipp_compiled *new, FILE *out,
		      struct ipp_cdiff_stats *st, struct ipp_error *err);
/* The same into a malloc'ed string (*ret owned by the caller: free()). */
int ipp_compiled_diff_text(const struct ipp_compiled *old, const struct ipp_compiled *new,
			   char **ret, struct ipp_cdiff_stats *st, struct ipp_error *err);

/*
 * Explain line @line (1-based) of @text, a ruleset or diff emitted for @c,
 * in the user's terms: "policy \"P\" rule \"R\" filter N (map M)" for an
 * element, the comment's source for a map or rule, "" when the line has no
 * source (table, chain, exemption).  Used to report what the kernel refused.
 */
void ipp_compiled_explain_line(const struct ipp_compiled *c, const char *text, unsigned line,
			       char *buf, size_t len);

#endif
