/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * db_internal.h - what the files of src/store share: the connection, the
 * prepared-statement cache, error mapping, write transactions and the
 * column lists of every object.
 */
#ifndef IPP_DB_INTERNAL_H
#define IPP_DB_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

#define IPP_DB_STMT_CACHE 96

struct ipp_db {
	sqlite3 *h;
	char *path;
	int depth;     /* open ipp_db_begin() levels */
	bool dirty;    /* the open transaction wrote something: bump the generation */
	bool readonly;
	bool no_journal; /* read-only on a database of schema 1: no journal yet */
	int held;        /* the fd claim_file() locked the new file with, or -1: closed
			    after SQLite's connection (closing an fd of the file drops the
			    process's POSIX locks, SQLite's among them) */
	bool intact;	 /* quick_check passed at data version @intact_version */
	int dangling_loc; /* the store of a row naming what is not there, as
			     db_check_intact() found it (0: none, or not known) */
	int64_t intact_version;
	size_t ncache;
	struct {
		const char *sql; /* identity of the statement: the address of its text */
		sqlite3_stmt *st;
	} cache[IPP_DB_STMT_CACHE];
};

/*
 * A cached, reset statement for @sql (a string constant: its address is the
 * cache key).  The statement stays owned by the cache; reset it with
 * sqlite3_reset() when done so that it holds no read lock.
 */
int db_prep(struct ipp_db *db, const char *sql, sqlite3_stmt **ret, struct ipp_error *err);

/*
 * Is the database intact (SQLite's quick_check: pages, records, NOT NULL)?
 * A damaged record can read as another value, or a row that a query then
 * skips, without SQLite reporting it: whole-store reads check first.  Done
 * once per version of the file (another connection's commit makes a new
 * one).  -EBADMSG, naming the damage, when not.
 */
int db_check_intact(struct ipp_db *db, struct ipp_error *err);
/* Has the version of the file this connection sees passed the check? */
bool db_intact_known(struct ipp_db *db);
/* It has: another connection checked the same version. */
void db_set_intact(struct ipp_db *db);

/*
 * Map an SQLite result code to -errno and fill @err with a message naming the
 * database file and @what.  Corruption gives -EBADMSG.
 */
int db_fail(struct ipp_db *db, int rc, struct ipp_error *err, const char *what);

/* Step a statement that returns no row; resets it.  0 or db_fail(). */
int db_exec_stmt(struct ipp_db *db, sqlite3_stmt *st, struct ipp_error *err, const char *what);
/* Step: 1 = a row, 0 = done (statement reset), <0 = error (statement reset). */
int db_step(struct ipp_db *db, sqlite3_stmt *st, struct ipp_error *err, const char *what);
/*
 * db_step() for a caller that checks the row's text columns itself
 * (db_nul_inside()): the filters' rows, the most numerous.
 */
int db_step_unchecked(struct ipp_db *db, sqlite3_stmt *st, struct ipp_error *err, const char *what);
/* What a NUL byte inside a stored value is, and what to do about a damaged row. */
#define DB_NUL_DAMAGE "another program wrote it; read as text it would be cut short there"
#define DB_ROW_ADVICE                                                                              \
	"delete the policy, filter list or filter action that holds it (delete ... name=...), "    \
	"restore the file from a backup, "                                                         \
	"or empty that store (delete all)"
/* Does column @i of the current row hold a NUL byte inside its text or blob? */
bool db_nul_inside(sqlite3_stmt *st, int i);

/*
 * Write transactions of the store functions: one level of ipp_db_begin()
 * (a savepoint when the caller has a transaction open), so that a failed
 * function leaves the caller's transaction as it was.  db_wend() commits
 * when @r is 0, else rolls back, and returns the result.
 */
int db_wbegin(struct ipp_db *db, struct ipp_error *err);
int db_wend(struct ipp_db *db, int r, struct ipp_error *err);
/* Read transactions: a consistent view for several statements. */
int db_rbegin(struct ipp_db *db, struct ipp_error *err);
void db_rend(struct ipp_db *db);

/* Copy a text column into a fixed buffer (NULL column: ""). */
void db_col_text(sqlite3_stmt *st, int i, char *buf, size_t len);
/* A text column as a new string, NULL for NULL or "": 0 or -ENOMEM. */
int db_col_strdup(sqlite3_stmt *st, int i, char **ret);

/* Column lists, shared by the readers (read.c) and the export. */
#define DB_POLICY_COLS                                                                             \
	"p.id, p.guid, p.name, p.description, p.modified, p.mmpfs, p.qmpermm, p.mmlifetime, "     \
	"p.activatedefaultrule, p.pollinginterval, p.assigned, p.gponame, p.mmsec"
#define DB_FILTERLIST_COLS "l.id, l.guid, l.name, l.description, l.modified"
#define DB_FILTER_COLS                                                                             \
	"f.id, f.filterlist_id, f.guid, f.description, f.srcdns, f.dstdns, f.src, f.dst, "        \
	"f.protocol, f.srcport, f.dstport, f.mirrored"
#define DB_FILTERACTION_COLS                                                                       \
	"a.id, a.guid, a.name, a.description, a.modified, a.action, a.qmpfs, a.inpass, a.soft, "  \
	"a.qmsec"
#define DB_RULE_COLS                                                                               \
	"r.id, r.policy_id, r.number, r.guid, r.name, r.description, r.modified, "                \
	"r.filterlist_id, r.filteraction_id, r.tunnel, r.tunneldns, r.conntype, r.activate, "     \
	"r.qmpfs, r.qmsec"
#define DB_AUTH_COLS "u.rule_id, u.kind, u.value, u.certmap, u.excludecaname"

/*
 * Fill objects from rows selected with the column lists above (0, -EUCLEAN
 * for a row the shell would not have written, -ENOMEM).
 */
int db_row_policy(struct ipp_db *db, sqlite3_stmt *st, struct ipp_policy *p,
		  struct ipp_error *err);
int db_row_filterlist(struct ipp_db *db, sqlite3_stmt *st, struct ipp_filterlist *l,
		      struct ipp_error *err);
int db_row_filter(struct ipp_db *db, sqlite3_stmt *st, struct ipp_filter *f,
		  struct ipp_error *err);
int db_row_filteraction(struct ipp_db *db, sqlite3_stmt *st, struct ipp_filteraction *a,
			struct ipp_error *err);
int db_row_rule(struct ipp_db *db, sqlite3_stmt *st, struct ipp_rule *r, struct ipp_error *err);
/* Append an auth row to @r (columns DB_AUTH_COLS). */
int db_row_auth(struct ipp_db *db, sqlite3_stmt *st, struct ipp_rule *r, struct ipp_error *err);

/* Load the default rule (number 0) of @p->id with its auth methods into p->defaultrule. */
int db_load_defaultrule(struct ipp_db *db, struct ipp_policy *p, struct ipp_error *err);
/* Load the auth methods of rule @r->id. */
int db_load_auth(struct ipp_db *db, struct ipp_rule *r, struct ipp_error *err);

/*
 * Repeated keys of a snapshot's objects, found by sorting (ipp_first_dup()):
 * comparators over the indexes of @ctx's filter lists, filter actions and
 * policies (a struct ipp_snapshot: names folded as Unicode, GUIDs exactly),
 * and of a policy's rules (a struct ipp_policy: names, numbers; number 0
 * repeats nothing).
 */
int snap_list_name_cmp(const void *ctx, size_t a, size_t b);
int snap_list_guid_cmp(const void *ctx, size_t a, size_t b);
int snap_action_name_cmp(const void *ctx, size_t a, size_t b);
int snap_action_guid_cmp(const void *ctx, size_t a, size_t b);
int snap_policy_name_cmp(const void *ctx, size_t a, size_t b);
int snap_policy_guid_cmp(const void *ctx, size_t a, size_t b);
int snap_rule_name_cmp(const void *ctx, size_t a, size_t b);
int snap_rule_number_cmp(const void *ctx, size_t a, size_t b);
/*
 * The first repetition of either of two keys (@cmp1 checked before @cmp2 for
 * one earlier item), as a scan from the first item meets it: *@key 1 or 2,
 * *@later and *@earlier the items; 0 when none (@cmp2 NULL: one key); -ENOMEM.
 */
int snap_first_dup2(size_t n, int (*cmp1)(const void *, size_t, size_t),
		    int (*cmp2)(const void *, size_t, size_t), const void *ctx, int *key,
		    size_t *earlier, size_t *later);

#endif
