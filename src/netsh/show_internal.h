/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * show_internal.h - helpers shared by show.c, show_table.c and show_dump.c.
 * Not a public interface.
 */
#ifndef IPP_SHOW_INTERNAL_H
#define IPP_SHOW_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "show.h"

#define SHOW_COLUMNS 80 /* wide=no fits lines into this many columns */
#define SHOW_ELLIPSIS "..."

/* ---------- lookups and order (show_util.c) ---------- */

/* By store row id; NULL when absent.  Points into @s. */
const struct ipp_filterlist *show_find_filterlist(const struct ipp_snapshot *s, int64_t id);
const struct ipp_filteraction *show_find_filteraction(const struct ipp_snapshot *s, int64_t id);

/*
 * Arrays of pointers into @s sorted the way show all and dump list objects:
 * by name, case-insensitively, then byte-wise.  Caller frees the array
 * (not the objects); NULL with *n == 0 for an empty store or when memory
 * runs out (the caller then prints nothing for that kind).
 */
const struct ipp_policy **show_sorted_policies(const struct ipp_snapshot *s, size_t *n);
const struct ipp_filterlist **show_sorted_filterlists(const struct ipp_snapshot *s, size_t *n);
const struct ipp_filteraction **show_sorted_filteractions(const struct ipp_snapshot *s, size_t *n);
/* A policy's ordinary rules by number (default rule not included); caller frees. */
const struct ipp_rule **show_sorted_rules(const struct ipp_policy *p, size_t *n);
/* A list's filters in creation order (by id); caller frees. */
const struct ipp_filter **show_sorted_filters(const struct ipp_filterlist *l, size_t *n);

/* ---------- text ---------- */

/* "Local Store <computer>", "Persistent Store", "Domain Store". */
void show_store_label(enum ipp_store_loc loc, const char *computer, const char *domain, char *buf,
		      size_t len);
/* "local", "persistent", "domain" (the `set store location=` keyword). */
const char *show_store_keyword(enum ipp_store_loc loc);
/* Local time "YYYY-MM-DD HH:MM:SS"; "-" when @t is 0. */
void show_time_local(int64_t t, char *buf, size_t len);
/* UTC "YYYY-MM-DDTHH:MM:SSZ"; "" when @t is 0. */
void show_time_utc(int64_t t, char *buf, size_t len);

const char *show_conf_name(enum ipp_conf_alg a); /* "None", "DES", "3DES" */
const char *show_hash_name(enum ipp_hash_alg h); /* "None", "MD5", "SHA1" */
/* "Low, 768-bit", "Medium, 1024-bit", "DH2048, 2048-bit" */
const char *show_dh_name(unsigned group);
const char *show_action_label(enum ipp_action a);   /* "Permit", "Block", "Negotiate Security" */
const char *show_action_keyword(enum ipp_action a); /* "permit", "block", "negotiate" */
const char *show_conntype_keyword(enum ipp_conntype c); /* "all", "lan", "dialup" */
const char *show_addr_keyword(enum ipp_addr_kind k);	/* "any", "me", "ip", "range", "dns", ... */

/* One quick mode offer without its lifetime: "ESP[3DES,SHA1]", "AH[MD5]+ESP[DES,None]". */
void show_qm_offer_text(const struct ipp_qm_offer *o, char *buf, size_t len);
/* Its lifetimes, with Windows' defaults for values not given. */
unsigned long show_qm_life_kb(const struct ipp_qm_offer *o);
unsigned long show_qm_life_sec(const struct ipp_qm_offer *o);

/*
 * Mask of an address: dotted quad for IPv4, the prefix length for IPv6
 * ("64", "/64" with @v6_slash); me, the server types and any as a host or
 * empty mask of @family, the filter's (show_filter_family(); 0: IPv4's).
 */
/* The address family of a filter of sides @a and @b: AF_INET6, AF_INET, 0 (me, any, servers). */
int show_filter_family(const struct ipp_addr *a, const struct ipp_addr *b);
void show_mask_text(const struct ipp_addr *a, int family, bool v6_slash, char *buf, size_t len);
/*
 * An address as one short table cell: "me", "any", "DNS", "10.0.0.0/24",
 * "10.0.0.1", "10.0.0.1-10.0.0.9", "fd00::/64".
 */
void show_addr_cell(const struct ipp_addr *a, char *buf, size_t len);
/* An address as show filterlist and dynamic show write it: "<My IP Address>", "<DNS Servers>",
 * "10.0.0.1". */
void show_addr_label(const struct ipp_addr *a, char *buf, size_t len);

/* Display columns of a UTF-8 string (code points; invalid bytes count one each). */
size_t show_text_width(const char *s);
/*
 * Copy @s into @buf cut to at most @width columns; when cut, the last three
 * columns are "...".  Never splits a UTF-8 sequence.  Control characters
 * become spaces (show output is one line per field).
 */
void show_fit(const char *s, size_t width, char *buf, size_t len);

/* ---------- tables (show_table.c) ---------- */

#define SHOW_TABLE_MAXCOLS 12

struct show_table {
	size_t ncols;
	const char *hdr[SHOW_TABLE_MAXCOLS];
	char **cells; /* nrows * ncols, each owned */
	size_t nrows, cap;
};

void show_table_init(struct show_table *t, size_t ncols, const char *const *headers);
/* Append a row of t->ncols strings (copied; NULL = ""). Rows are dropped when memory runs out. */
void show_table_row(struct show_table *t, const char *const *cells);
/*
 * Print the header, a dashed underline and the rows.  @wide false: columns
 * shrink (widest first) so that lines fit SHOW_COLUMNS; cut cells end in "...".
 */
void show_table_print(FILE *out, const struct show_table *t, bool wide);
void show_table_free(struct show_table *t);

#endif
