/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * classify.h - the reference matcher: which specific filter decides a packet.
 *
 * A plain, deliberately simple user-space implementation of the enforcement
 * semantics of ../../shared DESIGN ("Filter weight", "Enforcement"), written
 * independently of the nftables compiler so that the two can be compared:
 * every specific filter of the effective policy is tested against the
 * packet, and the winner is chosen by weight, then block > negotiate >
 * permit, then origin (persistent first), then age (older first).  The
 * weight is recomputed here from the selectors, not taken from the filter.
 *
 * What it serves:
 *   - `whatif` (one packet, or a pcap capture) explains verdicts;
 *   - the refuse-to-lock-out check of `set policy assign=yes`;
 *   - the differential test against the kernel.
 *
 * Nothing here touches the kernel.  Exemptions are those the enforcement
 * applies before any filter (../compile/compile.h): loopback traffic; IKE
 * (UDP port 500 or 4500, as source or destination port); the IPsec
 * protocols ESP and AH; IPv6 neighbour discovery (ICMPv6 types 133-136
 * with hop limit 255).
 */
#ifndef IPP_CLASSIFY_H
#define IPP_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/driverconf.h"
#include "../common/err.h"
#include "../common/paths.h"
#include "../compile/effective.h"
#include "../model/model.h"
#include "../store/store.h"

/* ---------- packets ---------- */

enum ipp_dir {
	IPP_DIR_IN = 0, /* arriving at this host (input hook) */
	IPP_DIR_OUT,    /* sent by this host (output hook) */
};

/* "inbound", "outbound". */
const char *ipp_dir_name(enum ipp_dir d);

/*
 * One IP packet as the enforcement sees it.  Addresses in network byte
 * order (IPv4 in the first 4 bytes, the rest zero); ports in host order.
 */
struct ipp_packet {
	uint8_t family;        /* AF_INET or AF_INET6 */
	uint8_t src[16];
	uint8_t dst[16];
	uint8_t proto;         /* transport protocol (after IPv6 extension headers) */
	uint16_t sport, dport; /* TCP/UDP ports; 0 for other protocols */
	uint8_t icmp_type;     /* ICMP/ICMPv6 type (0 otherwise) */
	uint8_t hoplimit;      /* IPv4 TTL / IPv6 hop limit (0 = not known) */
	enum ipp_dir dir;
	bool secpath;          /* inbound: arrived through an IPsec SA; outbound: an SA exists */
	bool loopback;         /* known to travel over the loopback interface */
	bool dialup;           /* by a dial-up interface (PPP, a layer-3 tunnel), else LAN:
				  rules of connection type lan or dialup apply by it */
	bool group;	       /* to a broadcast address of the link (the caller knows them;
				  multicast and 255.255.255.255 are told from the address) */
};

/* Format "TCP 10.0.0.5:1234 -> 10.0.0.1:80" (ports only for TCP/UDP). */
void ipp_packet_format(const struct ipp_packet *p, char *buf, size_t len);

/* ---------- this host's addresses ("me") ---------- */

struct ipp_localaddr {
	uint8_t family;
	uint8_t ip[16];
};

/* A set of local addresses; zero-initialised is empty and valid. */
struct ipp_localaddrs {
	struct ipp_localaddr *v; /* owned */
	size_t n, cap;
};

/* Add one address (duplicates are ignored).  0 or -ENOMEM / -EAFNOSUPPORT. */
int ipp_localaddrs_add(struct ipp_localaddrs *m, int family, const uint8_t ip[16]);
/* Parse and add a textual address ("10.0.0.1", "fd00::1"); -EINVAL names @s. */
int ipp_localaddrs_add_str(struct ipp_localaddrs *m, const char *s, struct ipp_error *err);
/* Add every address of every interface of the current network namespace (getifaddrs). */
int ipp_localaddrs_from_system(struct ipp_localaddrs *m, struct ipp_error *err);
bool ipp_localaddrs_has(const struct ipp_localaddrs *m, int family, const uint8_t ip[16]);
/*
 * Add the directed broadcast address of every IPv4 subnet of the current
 * network namespace (the all-ones host part, and the one an address was
 * given, when it differs).
 */
int ipp_localaddrs_broadcasts(struct ipp_localaddrs *m, struct ipp_error *err);
/*
 * Is @dst (of @family) a group address, received without being one of the
 * host's: multicast, the IPv4 limited broadcast, or one of @bcast (NULL: none)?
 */
bool ipp_group_address(int family, const uint8_t dst[16], const struct ipp_localaddrs *bcast);
/* First address of @family that is not loopback, or NULL.  Points into @m. */
const struct ipp_localaddr *ipp_localaddrs_first(const struct ipp_localaddrs *m, int family);
/* Free what @m owns and empty it.  NULL-safe. */
void ipp_localaddrs_clear(struct ipp_localaddrs *m);

/* ---------- the verdict ---------- */

enum ipp_verdict_kind {
	IPP_VERDICT_NONE = 0,	     /* no filter matched: permitted */
	IPP_VERDICT_EXEMPT_LOOPBACK, /* loopback traffic, never filtered */
	IPP_VERDICT_EXEMPT_IKE,	     /* IKE (UDP 500/4500), exempt as ipsecexempt=3 */
	IPP_VERDICT_EXEMPT_IPSEC,    /* ESP or AH: IPsec's own packets */
	IPP_VERDICT_EXEMPT_ND,	     /* IPv6 neighbour discovery */
	IPP_VERDICT_EXEMPT_KERBEROS, /* TCP or UDP from or to port 88, with ipsecexempt 0 or 2 */
	IPP_VERDICT_EXEMPT_RSVP,     /* protocol 46, with ipsecexempt 0 or 2 */
	IPP_VERDICT_EXEMPT_GROUP,    /* multicast or broadcast (not TCP), ipsecexempt 0 or 1 */
	IPP_VERDICT_MAPPED, /* IPv6 with an IPv4-mapped address (never on the wire): dropped */
	IPP_VERDICT_PERMIT,
	IPP_VERDICT_BLOCK,
	IPP_VERDICT_NEGOTIATE,
};

/*
 * "no filter matched", "exempt (loopback)", "exempt (IKE)", "exempt (IPsec)",
 * "exempt (neighbour discovery)", "exempt (Kerberos)", "exempt (RSVP)",
 * "exempt (multicast or broadcast)", "permit", "block", "negotiate".
 */
const char *ipp_verdict_kind_name(enum ipp_verdict_kind k);

/* One specific filter that matches the packet. */
struct ipp_candidate {
	size_t sf;       /* index in eff->sf */
	uint32_t weight; /* as this matcher computes it */
};

#define IPP_NO_FILTER ((size_t)-1)

struct ipp_verdict {
	enum ipp_verdict_kind kind;
	bool accepted;              /* the packet passes (as sent: clear unless pkt->secpath) */
	enum ipp_action action;     /* the winner's action; IPP_ACTION_INVALID without winner */
	size_t sf;                  /* the winner's index in eff->sf, or IPP_NO_FILTER */
	uint32_t rule;              /* the winner's index in eff->rules (when sf is valid) */
	uint32_t weight;            /* the winner's weight */
	const char *text;           /* static one-line statement of the outcome */
	struct ipp_candidate *cand; /* every matching filter, best first (owned) */
	size_t ncand;
};

/* ipp_classify_ex() flags. */
enum {
	IPP_CLASSIFY_NO_CANDIDATES = 1 << 0,   /* only the winner: no allocation, cand stays NULL */
	IPP_CLASSIFY_NO_EXEMPT_IKE = 1 << 1,   /* as ipp_copts.exempt_ike = false */
	IPP_CLASSIFY_NO_EXEMPT_IPSEC = 1 << 2, /* as ipp_copts.exempt_ipsec = false */
	IPP_CLASSIFY_NO_EXEMPT_ND = 1 << 3,    /* as ipp_copts.exempt_nd = false */
	IPP_CLASSIFY_EXEMPT_KERBEROS_RSVP = 1 << 4, /* ipsecexempt 0 or 2 (ipp_copts) */
	IPP_CLASSIFY_EXEMPT_GROUP = 1 << 5,	    /* ipsecexempt 0 or 1 */
};

/* The flags of what ipsecexempt value @v exempts beyond IKE, as the compiler emits it. */
unsigned ipp_classify_exempt_flags(unsigned v);

/*
 * Classify @pkt against @eff (NULL = nothing assigned) for a host whose
 * addresses are @me (NULL = none known; "me" then matches nothing).
 * Fills *ret (its cand array is owned by the caller: ipp_verdict_clear()).
 * Returns 0, -EAFNOSUPPORT for a packet family other than IPv4/IPv6, or
 * -ENOMEM.  *ret is untouched on failure.
 *
 * Outcomes (ret->text):
 *   no filter matched: permitted
 *   exempt: loopback traffic / exempt: IKE (UDP 500/4500)
 *   permit: permitted / block: dropped
 *   negotiate, inbound:  "negotiate: requires an IPsec SA; clear packet dropped"
 *   negotiate, outbound: "negotiate: left to IKE (dropped until an SA exists)"
 *   (with pkt->secpath a negotiate verdict accepts the packet).
 */
int ipp_classify(const struct ipp_effective *eff, const struct ipp_packet *pkt,
		 const struct ipp_localaddrs *me, struct ipp_verdict *ret);
int ipp_classify_ex(const struct ipp_effective *eff, const struct ipp_packet *pkt,
		    const struct ipp_localaddrs *me, unsigned flags, struct ipp_verdict *ret);
/* Free the candidate list.  NULL-safe; the verdict may be reused afterwards. */
void ipp_verdict_clear(struct ipp_verdict *v);

/* Does the specific filter @f match @pkt (addresses, protocol, ports)? */
bool ipp_classify_match(const struct ipp_sfilter *f, const struct ipp_packet *pkt,
			const struct ipp_localaddrs *me);

/*
 * The weight of @f from its selectors, computed by this module (see DESIGN
 * "Filter weight"): (4 * (srcw + dstw) + srcr + dstr) << 14 |
 * (proto != any) << 8 | (srcport != 0) << 1 | (dstport != 0), where an
 * address weighs its prefix length scaled to 0..32 (IPv6: plen / 4), any 0,
 * me 32, a range its smallest enclosing prefix, and srcr and dstr are what
 * the IPv6 scaling drops (plen % 4): IPv4 weighs (srcw + dstw) << 16, IPv6
 * its exact prefix lengths.
 */
uint32_t ipp_classify_weight(const struct ipp_sfilter *f);
uint32_t ipp_classify_addr_weight(const struct ipp_addr *a);
uint32_t ipp_classify_addr_rest(const struct ipp_addr *a);

/*
 * Order of two matching filters: <0 when @a beats @b (higher weight, then
 * block > negotiate > permit, then lower origin, then smaller seq, then
 * lower index ia/ib), >0 when @b wins.  Weights are the matcher's own.
 */
int ipp_classify_cmp(const struct ipp_sfilter *a, uint32_t wa, size_t ia,
		     const struct ipp_sfilter *b, uint32_t wb, size_t ib);

/*
 * Why the first candidate beats the second: "higher weight (0x00400101 >
 * 0x00200000)", "equal weight, block beats permit", "equal weight and
 * action, persistent beats domain/local", "equal weight, action and
 * origin, older filter".  Writes "" with fewer than two candidates.
 */
void ipp_verdict_why(const struct ipp_effective *eff, const struct ipp_verdict *v, char *buf,
		     size_t len);

/* "0x00400101 (addresses 32+32, protocol, dstport)"; IPv6 quarters as "16.50". */
void ipp_weight_format(const struct ipp_sfilter *f, char *buf, size_t len);

/* A specific filter in netsh terms: "10.0.0.5 -> me TCP srcport any dstport 3389". */
void ipp_sfilter_format(const struct ipp_sfilter *f, char *buf, size_t len);

/* "rule \"R\" of policy \"P\" (local store)"; "rule #N" when @rule is out of range. */
void ipp_eff_rule_format(const struct ipp_effective *eff, uint32_t rule, char *buf, size_t len);
/* "filter 2 of list \"L\" (mirror image): 10.0.0.5 -> me TCP srcport any dstport 3389". */
void ipp_eff_filter_format(const struct ipp_effective *eff, const struct ipp_sfilter *f,
			   char *buf, size_t len);

/* ---------- decoding captured packets ---------- */

enum ipp_decode_status {
	IPP_DECODE_OK = 0,
	IPP_DECODE_NOT_IP,    /* ARP, LLDP, ...: not subject to IP filtering */
	IPP_DECODE_FRAGMENT,  /* a non-first fragment (the host classifies the reassembled packet) */
	IPP_DECODE_MALFORMED, /* truncated or inconsistent headers; see the reason */
	IPP_DECODE_LINKTYPE,  /* a link type this decoder does not know */
};

/* Link-layer direction when the capture records it (Linux cooked captures). */
enum ipp_linkdir { IPP_LINKDIR_UNKNOWN = 0, IPP_LINKDIR_IN, IPP_LINKDIR_OUT };

/*
 * Decode one captured frame of pcap link type @dlt (DLT_EN10MB, DLT_LINUX_SLL,
 * DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP) of @caplen
 * bytes into *ret (family, addresses, protocol, ports; dir and flags left 0).
 * Never reads beyond @caplen.  *ret_dir gets the recorded direction (may be
 * NULL).  *ret_reason (may be NULL) gets a static description of a failure.
 * The Ethernet decoder follows up to two VLAN tags; IPv6 extension headers
 * are walked to the transport header.
 */
enum ipp_decode_status ipp_decode_frame(int dlt, const uint8_t *data, size_t caplen,
					struct ipp_packet *ret, enum ipp_linkdir *ret_dir,
					const char **ret_reason);
/*
 * The same for a frame of @wirelen bytes on the wire, as the capture
 * recorded it.  One captured whole (@wirelen equal to @caplen) is all the
 * packet there was: an IP length beyond it, or a first fragment that ends
 * before the ports, is the packet's fault (the kernel drops such a packet
 * before netfilter).  In one cut short (the capture's snapshot length)
 * what is missing is the capture's: "capture truncated before the TCP
 * ports".  ipp_decode_frame() takes every frame as possibly cut short.
 */
enum ipp_decode_status ipp_decode_frame_ex(int dlt, const uint8_t *data, size_t caplen,
					   size_t wirelen, struct ipp_packet *ret,
					   enum ipp_linkdir *ret_dir, const char **ret_reason);

/* ---------- whatif ---------- */

/* The arguments of one `whatif` command; zero-initialise, then ipp_whatif_set(). */
struct ipp_whatif {
	char *src, *dst;           /* owned: "me" or an address */
	uint8_t proto;
	bool have_proto;
	bool proto_icmp;           /* "icmp" by name: ICMPv6 for IPv6 */
	uint16_t sport, dport;
	bool have_sport, have_dport;
	char *policy;              /* owned: evaluate as if this policy were assigned */
	char *pcap;                /* owned: file to run through the matcher */
	struct ipp_localaddrs me;  /* addresses given with me= (added to the host's) */
	bool nosystem;             /* me=only: do not read the host's addresses */
	int dir;                   /* enum ipp_dir when dir_set, else from the addresses */
	bool dir_set;
	bool secpath;              /* ipsec=yes: the packet travels through an SA */
	bool dialup;               /* conntype=dialup: by a dial-up interface (default lan) */
	bool secpath_set, conntype_set; /* ipsec=, conntype= given (one packet's, not pcap's) */
	bool verbose;              /* list every matching filter, not only the first three */
	const struct ipp_dynspd *dynamic; /* the agent's dynamic rules, in force with the
					     stores' policies (borrowed; NULL: none) */
	/*
	 * The persistent policy in force alone (the domain or local one cannot be
	 * applied; ipsecpold(8)): without policy=, the verdicts are its own, and a
	 * packet none of its filters matches is treated as this fixed mode treats
	 * it, with these boot exemptions.  Set by the caller from what the kernel
	 * holds; IPP_REST_NONE: the assigned policies.
	 */
	enum ipp_whatif_rest { IPP_REST_NONE = 0, IPP_REST_STATEFUL, IPP_REST_BLOCK } rest;
	const char *rest_name; /* the fixed mode's name, for the messages */
	unsigned exempt_flags; /* ipp_classify_exempt_flags() of driver.conf's ipsecexempt */
	struct ipp_bootexempt rest_exempt[IPP_BOOTEXEMPT_MAX];
	size_t rest_nexempt;
};

/*
 * Set one argument from its tag and value, as the shell hands them over:
 * src|srcaddr, dst|dstaddr, proto|protocol, srcport, dstport, policy, pcap,
 * me (repeatable; "me=only" ignores the host's own addresses), dir
 * (in|out), ipsec (yes|no), level (normal|verbose).  Tags are matched
 * case-insensitively.  -EINVAL naming the tag and value on anything else.
 */
int ipp_whatif_set(struct ipp_whatif *w, const char *tag, const char *value,
		   struct ipp_error *err);
/* Free what @w owns; NULL-safe. */
void ipp_whatif_clear(struct ipp_whatif *w);

/*
 * Run `whatif` against the stores of @db (NULL: no database yet, empty
 * stores): the effective policy as it is now, or, with policy=NAME, as if
 * NAME of store @cur were the assigned policy of that store.  Server-type
 * addresses expand to the host's servers as ipsecpold reads them
 * (ipp_hostenv_read() with @paths; NULL: none).  Writes the explanation
 * (or the pcap summary) to @out.  Returns 0, or -errno with @err naming
 * the argument (unknown policy, unreadable capture, missing src/dst, ...).
 */
int ipp_whatif_run(const struct ipp_whatif *w, struct ipp_db *db, enum ipp_store_loc cur,
		   const struct ipp_paths *paths, FILE *out, struct ipp_error *err);

/*
 * The effective policy as if @policy (NULL: as it stands) of store @cur
 * were assigned: loads the persistent, domain and local stores of @db
 * (NULL: all empty) and builds it with @env (may be NULL).  *ret owned by
 * the caller (ipp_effective_free()), with the dynamic rules of @dyn (may be
 * NULL).  -ENOENT when @policy is not in @cur.
 */
int ipp_effective_as_assigned(struct ipp_db *db, enum ipp_store_loc cur, const char *policy,
			      const struct ipp_dynspd *dyn, const struct ipp_hostenv *env,
			      struct ipp_effective **ret, struct ipp_error *err);

/*
 * The host's server addresses (DNS, WINS, DHCP, GATEWAY) as ipsecpold
 * reads them, into *ret; @paths NULL gives none.  -errno on a read error.
 */
int ipp_classify_hostenv(const struct ipp_paths *paths, struct ipp_hostenv *ret,
			 struct ipp_error *err);

/*
 * A pcapng file read block by block (pcapng.c), each packet with the link
 * type of its own interface (libpcap takes one per file).  The reader
 * borrows @f; ipp_pcapng_close() frees what it allocated.
 */
struct ipp_pcapng;
/* Does a file that begins with @head (4 bytes) begin with a pcapng section header? */
bool ipp_pcapng_magic(const uint8_t head[4]);
int ipp_pcapng_open(FILE *f, struct ipp_pcapng **ret);
/*
 * The next packet: 1 with *dlt, *data (valid until the next call) and
 * *caplen; 0 at the end of the file; -1 when a block does not add up, or
 * the file ends inside one (@why, "the block at offset N: ..."); -ENOMEM.
 */
int ipp_pcapng_next(struct ipp_pcapng *r, int *dlt, const uint8_t **data, uint32_t *caplen,
		    char *why, size_t len);
/* The offset of the next block (0: nothing read yet). */
unsigned long long ipp_pcapng_offset(const struct ipp_pcapng *r);
/*
 * The length on the wire of the packet ipp_pcapng_next() gave last (its
 * block's original, or simple packet block's, packet length): more than
 * *caplen when the capture cut it short.
 */
uint32_t ipp_pcapng_wirelen(const struct ipp_pcapng *r);
void ipp_pcapng_close(struct ipp_pcapng *r);

/* Per-rule counts of a capture run through the matcher. */
struct ipp_pcap_stats {
	uint64_t packets;   /* frames read */
	uint64_t classified;
	uint64_t inbound, outbound;
	uint64_t not_ip, fragments, malformed, foreign, linktype;
	uint64_t none;      /* no filter matched */
	uint64_t exempt_loopback, exempt_ike, exempt_ipsec, exempt_nd;
	uint64_t exempt_default; /* Kerberos, RSVP, multicast, broadcast (ipsecexempt 0 to 2) */
	uint64_t mapped;	 /* IPv6 from (or to) an IPv4-mapped address: dropped */
	struct ipp_pcap_rule {
		uint64_t permitted, blocked;
		uint64_t negotiated;  /* negotiate: left to IKE (in the clear: dropped) */
		uint64_t clear_taken; /* negotiate: taken in the clear (inpass, soft) */
	} *rules;           /* owned, eff->nrules entries */
	size_t nrules;
	char first_malformed[256]; /* "packet 17: truncated TCP header" */
	/* the file itself could not be read on: "after packet 17: ...", "at the first
	 * packet: ..." (pcapng: "before the first packet: ...") */
	char damaged[256];
};

/*
 * Run the capture @path through the matcher.  Direction: inbound when the
 * destination is in @me, outbound when the source is, else recorded by the
 * capture when it can (Linux cooked, an Ethernet group frame), else inbound
 * to a group address (ipp_group_address(), with @bcast); packets of none of
 * these are counted as foreign.  Malformed frames are counted, never fatal.  Fills *ret (free
 * with ipp_pcap_stats_clear()); a file that cannot be read to its end (cut
 * short, a record longer than the capture allows, a pcapng block that does
 * not add up) ends the run there with ret->damaged set, which the caller
 * reports as a failure after the counts.  A pcapng file is read by
 * ipp_pcapng_next(): each interface has its own link type, and the packets
 * of one that is not decoded are counted in ret->linktype.  -errno with
 * @err when the file cannot be opened, is not a capture, or (pcap) its link
 * type is not decoded.
 */
int ipp_pcap_classify(const struct ipp_effective *eff, const char *path,
		      const struct ipp_localaddrs *me, const struct ipp_localaddrs *bcast,
		      struct ipp_pcap_stats *ret, struct ipp_error *err);
/* The same with ipp_classify_ex()'s exemption @flags (ipp_classify_exempt_flags()). */
int ipp_pcap_classify_ex(const struct ipp_effective *eff, const char *path,
			 const struct ipp_localaddrs *me, const struct ipp_localaddrs *bcast,
			 unsigned flags, struct ipp_pcap_stats *ret, struct ipp_error *err);
void ipp_pcap_stats_clear(struct ipp_pcap_stats *s);
/* The summary table of `whatif pcap=`. */
void ipp_pcap_stats_print(FILE *out, const struct ipp_effective *eff,
			  const struct ipp_pcap_stats *s);

/* ---------- refuse to lock out the administrator ---------- */

struct ipp_lockout {
	bool applicable;      /* $SSH_CONNECTION was set and understood */
	bool blocked;         /* some packet of the session would be dropped */
	struct ipp_packet in, out;      /* client->server (inbound), server->client (outbound) */
	enum ipp_verdict_kind vin, vout;
	size_t sfin, sfout;             /* deciding specific filters, or IPP_NO_FILTER */
	char msg[768];        /* explanation, names the session, rule and direction */
};

/*
 * Would @eff drop the SSH session this process runs in?  @ssh_connection is
 * "client_ip client_port server_ip server_port" (NULL: $SSH_CONNECTION).
 * The server address counts as local in addition to @me (may be NULL).
 * Fills *ret; a missing or empty variable gives applicable = false and
 * returns 0 (nothing to protect); one that cannot be read gives -EINVAL
 * with @err naming it (the caller cannot tell whether the session is cut
 * off).  Else -ENOMEM only.
 */
int ipp_lockout_check(const struct ipp_effective *eff, const struct ipp_localaddrs *me,
		      const char *ssh_connection, struct ipp_lockout *ret, struct ipp_error *err);

/*
 * For `set policy name=NAME assign=yes` in store @cur: would the effective
 * policy with @policy assigned there drop this process's SSH session?  Reads
 * the stores of @db, the host's servers (@paths) and addresses, and
 * $SSH_CONNECTION.  Fills *ret as ipp_lockout_check(); the shell refuses
 * the assignment when ret->blocked, unless told force=yes, and prints
 * ret->msg.  -errno with @err when the policy or the stores cannot be read.
 */
int ipp_lockout_check_assign(struct ipp_db *db, enum ipp_store_loc cur, const char *policy,
			     const struct ipp_paths *paths, struct ipp_lockout *ret,
			     struct ipp_error *err);
/* The same with the dynamic rules of @dyn (may be NULL) in force too. */
int ipp_lockout_check_dyn(struct ipp_db *db, enum ipp_store_loc cur, const char *policy,
			  const struct ipp_dynspd *dyn, const struct ipp_paths *paths,
			  struct ipp_lockout *ret, struct ipp_error *err);

/*
 * Could configured filter @f, added to or deleted from a policy in force,
 * decide a packet of the session @l (filled by ipp_lockout_check())?  False
 * only when none of the specific filters it stands for (with @env's servers,
 * @me and the session's server address local) matches either of its
 * packets: the session's verdicts cannot have changed then.
 */
bool ipp_lockout_filter_touches(const struct ipp_lockout *l, const struct ipp_filter *f,
				const struct ipp_hostenv *env, const struct ipp_localaddrs *me);

#endif
