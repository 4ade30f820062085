/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * show.h - `show` output of the static context, and `dump`.
 *
 * Every function writes to @out and reads only the snapshot it is given
 * (nothing is kept).  format=json output is produced by the same walk as the
 * text formats and is what tests assert on.
 */
#ifndef IPP_SHOW_H
#define IPP_SHOW_H

#include <stdbool.h>
#include <stdio.h>

#include "../store/store.h"

enum ipp_show_level { IPP_LEVEL_NORMAL = 0, IPP_LEVEL_VERBOSE };
enum ipp_show_format { IPP_FORMAT_LIST = 0, IPP_FORMAT_TABLE, IPP_FORMAT_JSON };

struct ipp_show_opts {
	enum ipp_show_level level;   /* netsh default: normal */
	enum ipp_show_format format; /* default: list */
	bool wide;                   /* default: yes; no = fit 80 columns */
	bool resolvedns;             /* default: no */
	bool show_keys;              /* print pre-shared keys instead of "(hidden)" */
	const char *computer;        /* host name for "Local Store <computer>" */
	const char *domain;	     /* the domain for "Domain Store <domain>" (set store) */
};

void ipp_show_opts_init(struct ipp_show_opts *o);

/* One object each; @s is the snapshot the object belongs to (to resolve references). */
void ipp_show_policies(FILE *out, const struct ipp_snapshot *s, const struct ipp_policy *const *v,
		       size_t n, const struct ipp_show_opts *o);
void ipp_show_filterlists(FILE *out, const struct ipp_snapshot *s,
			  const struct ipp_filterlist *const *v, size_t n,
			  const struct ipp_show_opts *o);
void ipp_show_filteractions(FILE *out, const struct ipp_snapshot *s,
			    const struct ipp_filteraction *const *v, size_t n,
			    const struct ipp_show_opts *o);
/* Rules of one policy (include the default response rule when it is in @v). */
void ipp_show_rules(FILE *out, const struct ipp_snapshot *s, const struct ipp_policy *p,
		    const struct ipp_rule *const *v, size_t n, const struct ipp_show_opts *o);
/* `show all`: every policy (with rules), then every filter list and filter action. */
void ipp_show_all(FILE *out, const struct ipp_snapshot *s, const struct ipp_show_opts *o);
/* `show store`. */
void ipp_show_store(FILE *out, enum ipp_store_loc loc, const struct ipp_show_opts *o);

/*
 * `dump`: a netsh script that recreates the store from empty: `set store`,
 * filter lists with their filters, filter actions, policies, rules, default
 * rule settings, then assignments.  Running it into an empty store and
 * dumping again gives identical text.  Pre-shared keys are written in full
 * (the script must recreate them).  The number of rules left out (a rule of
 * a damaged store that names a list or action it does not hold: a comment
 * says so in their place), 0 when the script is whole.
 */
size_t ipp_dump_store(FILE *out, const struct ipp_snapshot *s, const char *domain);

#endif
