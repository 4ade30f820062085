/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * diag.h - diagnostic mode: dropped packets reported through NFLOG.
 *
 * With DiagnosticMode >= 1 every ruleset logs its drops to NFLOG group
 * IPP_NFLOG_GROUP (modes.h) with the prefix "ipsecpol <mode> <in|out> <reason>".
 * The agent binds that group, turns each packet into a structured event and
 * rate-limits the events per LogInterval:
 *
 *   level 1    the first drop of each interval, then a summary at the end of
 *              the interval: "K more packets dropped in the last interval"
 *   level 2    up to 20 drops per interval, then the summary
 *   level 3    as 2, plus interface and length, and processing errors
 *              (log messages lost by the kernel, packets that cannot be decoded)
 *   level 4,5  up to 100 per interval, plus TTL / hop limit and TCP flags
 *   level 6    up to 1000 per interval
 *   level 7-9  up to 10000 per interval
 *
 * The packet decoding and the rate limiter are pure and tested on their own.
 */
#ifndef IPP_AGENT_DIAG_H
#define IPP_AGENT_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/err.h"

/* ---------- one dropped packet ---------- */

struct ipp_drop {
	char mode[32];	 /* from the prefix: "startup-block", "secure", ... */
	char dir[8];	 /* "in" or "out" */
	char reason[32]; /* "drop", or the emitter's reason word */
	int family;	 /* AF_INET, AF_INET6, 0 when the packet could not be decoded */
	char src[46], dst[46];
	uint8_t proto;
	bool has_ports;
	uint16_t sport, dport;
	bool is_icmp;
	uint8_t icmp_type, icmp_code;
	uint16_t len; /* IP total length */
	uint8_t ttl;  /* TTL or hop limit */
	uint8_t tcp_flags;
	char ifname[16]; /* "" when unknown */
};

/* Parse "ipsecpol <mode> <dir> <reason>" into @d; -EINVAL when it is not ours. */
int ipp_drop_parse_prefix(const char *prefix, struct ipp_drop *d);

/* Decode the IPv4/IPv6 packet @p (@len bytes, possibly truncated by snaplen). */
int ipp_drop_parse_packet(const uint8_t *p, size_t len, struct ipp_drop *d);

/*
 * The event text for @level: "dropped inbound tcp 10.0.0.2:4711 -> 10.0.0.1:80
 * (mode startup-block)", with interface and length from level 3, TTL and TCP
 * flags from level 4.
 */
void ipp_drop_format(const struct ipp_drop *d, unsigned level, char *buf, size_t len);

/* ---------- the rate limiter ---------- */

struct ipp_droplog {
	unsigned level;
	uint64_t logged;     /* events written this interval */
	uint64_t suppressed; /* drops counted but not written this interval */
	uint64_t in, out;    /* drops this interval, by direction */
	uint64_t lost;	     /* log messages the kernel could not deliver this interval */
};

/* How many drops per interval level @level writes one by one (0 for level 0). */
unsigned ipp_droplog_burst(unsigned level);

void ipp_droplog_init(struct ipp_droplog *d, unsigned level);

/* Count one drop; true when it is to be written as its own event. */
bool ipp_droplog_admit(struct ipp_droplog *d, bool inbound);

struct ipp_droplog_summary {
	uint64_t suppressed, in, out, lost;
};

/*
 * End of an interval: fill *ret with what was counted and not written, reset
 * the counters; true when there is something to report (suppressed or lost > 0).
 */
bool ipp_droplog_interval(struct ipp_droplog *d, struct ipp_droplog_summary *ret);

/* ---------- the NFLOG listener ---------- */

struct ipp_diag; /* opaque */

/*
 * Bind NFLOG group IPP_NFLOG_GROUP in the current network namespace.
 * -EOPNOTSUPP when built without libnetfilter_log.  *ret owned by the
 * caller: ipp_diag_close().
 */
int ipp_diag_open(unsigned level, struct ipp_diag **ret, struct ipp_error *err);
/* Flush the pending summary (as at the end of an interval), unbind, free. NULL-safe. */
void ipp_diag_close(struct ipp_diag *g);
int ipp_diag_fd(const struct ipp_diag *g);
void ipp_diag_set_level(struct ipp_diag *g, unsigned level);
/* Read what is pending on the fd and log the events it admits. */
void ipp_diag_dispatch(struct ipp_diag *g);
/* The interval ended: log the summary if there is one. */
void ipp_diag_interval(struct ipp_diag *g);

#endif
