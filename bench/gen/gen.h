/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen.h - a ClassBench-like generator of IPv4 filter policies for the
 * datapath benchmark.
 *
 * A policy is N filters (addresses with prefix lengths, protocol, single
 * ports, mirroring) spread over filter lists, each list bound by one rule to
 * a permit or a block action.  The mix follows the shape of the ClassBench
 * acl/fw seeds: mostly host/host and host/subnet pairs, some "any", the
 * addresses clustered so that prefixes nest, and a share of filters derived
 * from earlier ones so that filters overlap on purpose (often with the
 * opposite action).  The same parameters give the same policy, byte for byte.
 *
 * No filter matches any packet whose source or destination lies in
 * 10.0.0.0/8 (every filter has at least one non-"any" side, and no prefix
 * shorter than /8 nor any prefix inside 10/8 is ever generated): the
 * benchmark's own traffic (10.77.x.x) reaches the end of every chain.
 *
 * Unless bg_params.inside is set: then the benchmark's /16, 10.77.0.0/16,
 * is the most populated site (BG_INSIDE_PCT % of the addresses of /16 or
 * longer prefixes, its /24s skewed toward 10.77.0.0/24 as in every site),
 * and its traffic has to be checked against all of it.  Filter 0 is then a
 * low-weight permit, 10.77.0.0/16 -> 10.77.0.0/16 any protocol; no other
 * filter matches the benchmark's flows (bg_hits_bench_flows()).
 *
 * Only libc.  Functions return 0 or a negative errno.
 */
#ifndef IPP_BENCHGEN_H
#define IPP_BENCHGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BG_PROTO_ANY 0
#define BG_PROTO_ICMP 1
#define BG_PROTO_TCP 6
#define BG_PROTO_UDP 17

/* One configured filter (or, after bg_specific(), one direction of one). */
struct bg_filter {
	uint32_t src, dst;     /* host byte order, masked to their prefix */
	uint8_t splen, dplen;  /* 0 = any, 32 = host */
	uint8_t proto;         /* BG_PROTO_* */
	uint16_t sport, dport; /* 0 = any; only with TCP or UDP */
	bool mirrored;
	bool reversed;         /* set by bg_specific(): the mirror image */
	uint32_t list;         /* index of its filter list */
	uint32_t seq;          /* creation order, 0-based */
};

struct bg_params {
	size_t n;              /* number of filters */
	uint64_t seed;
	unsigned mirror_pct;   /* share of mirrored filters, 0..100 */
	unsigned overlap_pct;  /* share of filters derived from an earlier one, 0..100 */
	bool inside;           /* the benchmark's /16 populated (see above) */
};

/* The benchmark's hosts and the server-side ports of its flows. */
#define BG_BENCH_A 0x0a4d0001u /* 10.77.0.1, sender */
#define BG_BENCH_B 0x0a4d0002u /* 10.77.0.2, receiver */
#define BG_BENCH_SITE 0x0a4d0000u /* 10.77.0.0/16 */
#define BG_INSIDE_PCT 10
extern const uint16_t bg_bench_ports[3]; /* iperf3 TCP 5201, iperf3 UDP 5202, flood 9000 */

struct bg_policy {
	struct bg_filter *f;   /* owned, n entries, in creation order */
	size_t n;
	uint32_t nlists;
	bool *list_block;      /* owned, nlists entries: true = the list's rule blocks */
	struct bg_filter extra; /* one more filter, unlike all of f: the one-filter change */
};

/* Default parameters (seed 1, no mirroring, 20 % derived filters, not inside). */
void bg_params_init(struct bg_params *p, size_t n);

/*
 * Generate the policy.  *ret is filled and owned by the caller:
 * bg_policy_free().  -EINVAL on bad parameters, -ENOMEM.
 */
int bg_generate(const struct bg_params *p, struct bg_policy *ret);
void bg_policy_free(struct bg_policy *p);

/* The filter weight of DESIGN.md for one direction (IPv4: host = 32). */
uint32_t bg_weight(const struct bg_filter *f);

/* Does filter @f (one direction, as written) match this packet? */
bool bg_match(const struct bg_filter *f, uint32_t src, uint32_t dst, uint8_t proto,
	      uint16_t sport, uint16_t dport);

/*
 * Could filter @f (as configured, both directions if mirrored) match a
 * packet of the benchmark's flows: TCP or UDP between BG_BENCH_A and
 * BG_BENCH_B with a bg_bench_ports port on B's side and any port on A's?
 */
bool bg_hits_bench_flows(const struct bg_filter *f);

/* Is the filter's action block (from its list)? */
bool bg_is_block(const struct bg_policy *p, const struct bg_filter *f);

/*
 * The specific filters in matching order: mirrored filters give two
 * directions; sorted by weight (highest first), then block before permit,
 * then creation order, the forward direction before its mirror image.
 * *ret is malloc'ed, owned by the caller (free()); *nret entries.
 */
int bg_specific(const struct bg_policy *p, struct bg_filter **ret, size_t *nret);

/* Output hooks for the naive ruleset. */
enum bg_hooks { BG_HOOK_INPUT = 1, BG_HOOK_OUTPUT = 2 };

/*
 * Writers.  Each returns 0 or -EIO (stream error).
 * - netsh: the whole policy as a netsh `ipsec static` script (local store,
 *   batch mode, actions, filters, rules, assignment).
 * - nft: the anchor: one rule per specific filter, in matching order, in a
 *   regular chain of table `inet @table`, jumped to from the given hooks;
 *   a packet that matches no rule reaches the end and is accepted.
 * - classbench: one ClassBench-format line per configured filter, plus its
 *   action as a last column.
 * - change: a netsh script adding (@add) or deleting the extra filter.
 */
int bg_write_netsh(FILE *out, const struct bg_policy *p, const struct bg_params *params);
int bg_write_nft(FILE *out, const struct bg_policy *p, const char *table, unsigned hooks);
int bg_write_classbench(FILE *out, const struct bg_policy *p);
int bg_write_change(FILE *out, const struct bg_policy *p, bool add);

/* Format one filter's netsh selector tags ("filterlist=... srcaddr=... ..."). */
void bg_format_netsh_filter(const struct bg_filter *f, char *buf, size_t len);

#endif
