/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * driverconf.h - the driver and agent configuration: ROOT/etc/ipsecpol/driver.conf.
 *
 * The settings Windows Server 2003 keeps in the registry under
 * Services\IPSEC and PolicyAgent\Oakley, with the same value names and
 * numbers, one "Name=Value" per line ('#' starts a comment line):
 *
 *   OperationMode=3                 boot mode: 0 permit, 1 block, 3 stateful
 *   BootExemptions=tcp:0:3389:inbound udp:0:53:outbound    (or "none")
 *   DiagnosticMode=0                0..9, 0 = off
 *   LogInterval=3600                60..86400 seconds
 *   NoDefaultExempt=3               0..3 (netsh "ipsecexempt")
 *   IkeLogging=0                    0 or 1
 *   StrongCrlCheck=1                0, 1 or 2
 *
 * Names are case-insensitive; an unknown name, a repeated name or a bad
 * value makes the whole file invalid (the caller then runs the boot in
 * block mode, never permit).  A missing file means the defaults.
 *
 * `ipsecpol dynamic set config` edits the file with the netsh property
 * names and values (ipp_driverconf_set_property, ipp_driverconf_update).
 */
#ifndef IPP_DRIVERCONF_H
#define IPP_DRIVERCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "paths.h"

/* Boot (startup) mode.  UNSET: the file does not say; see ipp_driverconf_bootmode(). */
enum ipp_bootmode {
	IPP_BOOT_INVALID = 0,
	IPP_BOOT_UNSET,
	IPP_BOOT_PERMIT,   /* OperationMode=0 */
	IPP_BOOT_BLOCK,	   /* OperationMode=1 */
	IPP_BOOT_STATEFUL, /* OperationMode=3 */
};

/* "permit", "block", "stateful" ("unset" for UNSET). */
const char *ipp_bootmode_name(enum ipp_bootmode m);

enum ipp_direction { IPP_DIR_INVALID = 0, IPP_DIR_INBOUND, IPP_DIR_OUTBOUND };

#define IPP_BOOTEXEMPT_MAX 64
/* Flows per flow cache set unless FlowCacheSize says otherwise. */
#define IPP_FLOWCACHE_SIZE_DEFAULT 65536
#define IPP_BOOT_PROTO_ANY 0   /* "any": every protocol (ports must be 0) */
#define IPP_BOOT_PROTO_RAW 255 /* "raw", as Windows numbers it */

/*
 * One boot exemption, "protocol:srcport:dstport:direction" (tcp:0:3389:inbound).
 * Ports are as seen on the packet travelling in @dir; 0 = any.  The reply
 * direction is allowed too, with the ports swapped.
 */
struct ipp_bootexempt {
	uint8_t proto;	/* IP protocol number */
	bool icmp;	/* written "icmp": protocol 1 and ICMPv6 (58); "1" is ICMP alone */
	uint16_t sport; /* 0 = any; only TCP and UDP take ports */
	uint16_t dport;
	enum ipp_direction dir;
};

struct ipp_driverconf {
	enum ipp_bootmode bootmode; /* OperationMode, IPP_BOOT_UNSET when absent */
	struct ipp_bootexempt exempt[IPP_BOOTEXEMPT_MAX]; /* BootExemptions */
	size_t nexempt;
	unsigned diagnostics;	    /* DiagnosticMode, 0..9 */
	unsigned log_interval;	    /* LogInterval, seconds, 60..86400 */
	unsigned no_default_exempt; /* NoDefaultExempt, 0..3 */
	unsigned ike_logging;	    /* IkeLogging, 0..1 */
	unsigned strong_crl_check;  /* StrongCrlCheck, 0..2 */
	unsigned flow_cache;	    /* FlowCache, 0|1 (ours: compile.h's flow cache), default 1 */
	unsigned flow_size;	    /* FlowCacheSize (ours): flows per cache set, default 65536 */
	unsigned cells;		    /* CellDispatch, 0|1 (ours: compile.h's cells), default 1 */
};

#define IPP_DIAG_MAX 9
#define IPP_LOGINTERVAL_MIN 60
#define IPP_LOGINTERVAL_MAX 86400
#define IPP_LOGINTERVAL_DEFAULT 3600

/* The defaults (a missing file): boot mode unset, no exemptions, diagnostics off,
 * LogInterval 3600, NoDefaultExempt 3, IkeLogging 0, StrongCrlCheck 1. */
void ipp_driverconf_init(struct ipp_driverconf *c);

/* What to use when the file is invalid: the defaults with OperationMode=1 (block). */
void ipp_driverconf_failsafe(struct ipp_driverconf *c);

/*
 * The boot mode to load: the configured one, or when unset, stateful if a
 * policy is assigned in any store (@policy_assigned) and permit otherwise.
 */
enum ipp_bootmode ipp_driverconf_bootmode(const struct ipp_driverconf *c, bool policy_assigned);

/*
 * Parse a driver.conf from @in; @name is used in messages ("NAME:LINE: ...").
 * On success *ret is filled (plain data, nothing to free); on failure
 * -EINVAL naming the line, the offending token in quotes and what was
 * expected, and *ret is untouched.
 */
int ipp_driverconf_parse(FILE *in, const char *name, struct ipp_driverconf *ret,
			 struct ipp_error *err);

/* The most driver.conf may hold (a few settings: a larger file is a mistake). */
#define IPP_DRIVERCONF_MAX (1024 * 1024)

/*
 * Load paths->driver_conf.  A missing file gives the defaults and 0.
 * Errors: -EINVAL (malformed, see ipp_driverconf_parse), or the errno of
 * open/read.  *ret untouched on failure: use ipp_driverconf_failsafe().
 */
int ipp_driverconf_load(const struct ipp_paths *p, struct ipp_driverconf *ret,
			struct ipp_error *err);

/* Write @c in driver.conf syntax (every value; OperationMode only when set). */
int ipp_driverconf_write(const struct ipp_driverconf *c, FILE *out);

/*
 * Write @c to paths->driver_conf atomically (temporary file, fsync, rename),
 * creating ROOT/etc/ipsecpol when needed.
 */
int ipp_driverconf_save(const struct ipp_paths *p, const struct ipp_driverconf *c,
			struct ipp_error *err);

/*
 * Set one property with netsh's names and value syntax (`dynamic set config`):
 *   ipsecdiagnostics 0..9 | ikelogging 0|1 | strongcrlcheck 0|1|2 |
 *   ipsecloginterval 60..86400 | ipsecexempt 0..3 |
 *   bootmode stateful|block|permit | bootexemptions none|"<list>"
 * Property names and the bootmode keywords match case-insensitively and may
 * be abbreviated to a unique prefix.  -EINVAL naming the property or value
 * and what was expected; @c unchanged on failure.
 */
int ipp_driverconf_set_property(struct ipp_driverconf *c, const char *name, const char *value,
				struct ipp_error *err);

/*
 * Load, set one property, save: the whole `dynamic set config` command, under
 * an exclusive lock of ROOT/etc/ipsecpol so that concurrent commands do not
 * lose updates.  A malformed existing file is refused (-EINVAL naming
 * file:line) rather than silently overwritten.  The caller then tells a
 * running agent with ipp_notify_agent() (notify.h).
 */
int ipp_driverconf_update(const struct ipp_paths *p, const char *name, const char *value,
			  struct ipp_error *err);

/*
 * Print the configuration as `dynamic show config` does, one "Label : value"
 * line per property.  @assigned says whether a policy is assigned, to show
 * the boot mode an unset OperationMode resolves to.
 */
int ipp_driverconf_show(const struct ipp_driverconf *c, bool assigned, FILE *out);

/* The same values as "property=value" lines with the netsh property names. */
int ipp_driverconf_show_kv(const struct ipp_driverconf *c, FILE *out);

/* ---------- boot exemptions ---------- */

/* Parse one "protocol:srcport:dstport:direction" item. */
int ipp_bootexempt_parse(const char *s, struct ipp_bootexempt *ret, struct ipp_error *err);
/*
 * Parse a space-separated list, or "none" / "" for the empty list.  Fills
 * @ret (capacity @max) and *ret_n; -EINVAL naming the item (or saying there are
 * more than @max).
 */
int ipp_bootexempt_parse_list(const char *s, struct ipp_bootexempt *ret, size_t max, size_t *ret_n,
			      struct ipp_error *err);
/* "tcp:0:3389:inbound". */
void ipp_bootexempt_format(const struct ipp_bootexempt *e, char *buf, size_t len);
/* Do the exemption lists @x (@nx) and @y (@ny) say the same (field by field, in order)? */
bool ipp_bootexempt_list_same(const struct ipp_bootexempt *x, size_t nx,
			      const struct ipp_bootexempt *y, size_t ny);
/* Space-separated list, "none" when @n is 0. */
void ipp_bootexempt_format_list(const struct ipp_bootexempt *e, size_t n, char *buf, size_t len);

#endif
