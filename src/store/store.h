/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.h - the SQLite policy stores.
 *
 * One database per installation (paths.db) holds three stores: local,
 * persistent and domain (a read-only cache for the shell; written by the
 * directory code).  Names are unique per store and per kind, compared
 * case-insensitively as Windows does.  WAL mode and a busy timeout let
 * several shells and the agent use the database at once.
 *
 * Transactions: every write function runs inside the caller's transaction
 * when one is open (ipp_db_begin), else in its own.  ipp_db_begin nests:
 * only the outermost commit writes; an inner level is a savepoint, so
 * ipp_db_rollback() of an inner level undoes only what was done since its
 * ipp_db_begin().  A failed function leaves the open transaction usable and
 * as it was before the call; the caller decides to roll back (the shell does,
 * so a failed command changes nothing).
 *
 * Errors, besides those named per function: -ETIMEDOUT when another program
 * holds the write lock for more than 10 s, -EROFS on a read-only handle,
 * -EBADMSG when the file is corrupt, -EUCLEAN when a store holds a row the
 * shell would not have written (the file itself sound); messages name the
 * database file.
 * A handle is used by one thread at a time (each thread opens its own).
 *
 * Objects passed in are only read; objects returned through ret_ parameters
 * are owned by the caller, who frees them with the model's _clear() or
 * ipp_snapshot_free().
 */
#ifndef IPP_STORE_H
#define IPP_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/err.h"
#include "../model/model.h"

enum ipp_store_loc {
	IPP_STORE_INVALID = 0,
	IPP_STORE_LOCAL,
	IPP_STORE_PERSISTENT,
	IPP_STORE_DOMAIN,
};

/* "local", "persistent", "domain". */
const char *ipp_store_name(enum ipp_store_loc loc);

#define IPP_SCHEMA_VERSION 3

/* What to do with a damaged policy database (it is said after the damage). */
#define IPP_DB_DAMAGED_ADVICE                                                                      \
	"restore the file from a backup, or move it aside with its -wal and -shm files "           \
	"(every store then starts empty)"

struct ipp_db; /* opaque */

enum {
	IPP_DB_READONLY = 1 << 0, /* open without creating or migrating (on a read-only file
				     system too) */
};

/*
 * Open (create, migrate forward) the database at @path.  A database written by a
 * newer schema version is refused (-EPROTO) with a message naming both versions;
 * a corrupt file gives -EBADMSG.  *ret is owned by the caller: ipp_db_close().
 */
int ipp_db_open(const char *path, unsigned flags, struct ipp_db **ret, struct ipp_error *err);
void ipp_db_close(struct ipp_db *db);

/*
 * Is there no database at @path yet (no file and no symbolic link by that name:
 * every store empty)?  A link to a file that is gone, or a name that cannot be
 * looked at, is not "no database": what it held cannot be read; nor is a path
 * through a directory that is a symbolic link to one that is gone (its
 * directories not made yet are).
 */
bool ipp_db_absent(const char *path);

int ipp_db_begin(struct ipp_db *db, struct ipp_error *err);
int ipp_db_commit(struct ipp_db *db, struct ipp_error *err);
void ipp_db_rollback(struct ipp_db *db);
/* Depth of open transactions (0 = none).  Commit without begin: -EINVAL. */
int ipp_db_tx_depth(const struct ipp_db *db);

/*
 * A counter that grows with every committed change to any store: the agent
 * compares it to know whether to recompute.  Stored in the database.
 */
int ipp_db_generation(struct ipp_db *db, uint64_t *ret, struct ipp_error *err);

/*
 * SQLite's data version of @db's connection: it changes when another
 * connection commits a change to the file, through the stores or not (a
 * program that writes the file directly bumps no generation).  -1 when it
 * cannot be read.  Only comparable between calls on the same connection.
 */
int64_t ipp_db_data_version(struct ipp_db *db);

/*
 * What tells a change made without the stores (a program writing the file:
 * its data version moves, the generation does not) from none at all: the
 * journal's last entry (the triggers record row changes whoever makes them)
 * and SQLite's schema version (a table dropped).  A WAL checkpoint moves the
 * data version but neither of these.  Read it in the transaction that reads
 * the generation.
 */
struct ipp_db_stamp {
	uint64_t journal;
	uint64_t last; /* the last journal entry's contents, mixed: two files whose journals
			  end at the same number told apart */
	int64_t schema;
	int64_t version; /* PRAGMA user_version: the stores' schema version */
	bool journaled; /* false: no journal (schema 1, a trigger dropped): only the data
			   version tells a foreign write */
};
int ipp_db_stamp(struct ipp_db *db, struct ipp_db_stamp *ret, struct ipp_error *err);

/* One look at the database, of one read transaction (the caller's, or its own). */
struct ipp_db_look {
	uint64_t generation;
	int64_t identity;     /* the database's own (meta "identity"; 0: none yet): another
				 file put in its place has another */
	int64_t nonce;	      /* its last change's (meta "nonce"; 0: none yet) */
	int64_t data_version; /* ipp_db_data_version() */
	struct ipp_db_stamp stamp;
};
int ipp_db_look(struct ipp_db *db, struct ipp_db_look *ret, struct ipp_error *err);
/*
 * The database's identity, a random number given when it was made (or at
 * its first change since it has one): 0 when it has none yet.
 */
int ipp_db_identity(struct ipp_db *db, int64_t *ret, struct ipp_error *err);
/*
 * The identity (meta) of @db's file itself, its write-ahead log left out (0:
 * none to tell).  It differs from ipp_db_identity() while the log holds the
 * pages of another database (a restore through SQLite's backup, not yet
 * checkpointed), or when another database was copied over the file while the
 * log held changes (SQLite then reads pages of both).
 */
int64_t ipp_db_file_identity(const struct ipp_db *db);

/* The integer meta row @key ("identity", "nonce": each change gives a new one); 0 when none. */
int ipp_db_meta(struct ipp_db *db, const char *key, int64_t *ret, struct ipp_error *err);

/*
 * The whole file checked as every load checks it (SQLite's quick check, then
 * rows that name an object that is not there), in a read transaction of its
 * own: -EBADMSG with a message when it is damaged.  Some 40 ms at 100,000
 * filters; nothing when this connection checked the same version already.
 */
int ipp_db_verify(struct ipp_db *db, struct ipp_error *err);

/* ---------- the journal (schema version 2, db.c) ---------- */

enum ipp_journal_what {
	IPP_JOURNAL_OTHER = 0,	    /* any change but the four below */
	IPP_JOURNAL_FILTER_ADD = 1, /* a filter added to a list */
	IPP_JOURNAL_FILTER_DEL = 2, /* a filter deleted from a list */
	IPP_JOURNAL_UNUSED = 3,	    /* a change of what no assigned policy uses (schema 3) */
	IPP_JOURNAL_NAMES = 4,	    /* ... of what one uses that filters nothing differently:
				       names, descriptions, authentication methods (schema 3) */
	IPP_JOURNAL_MARK = 5,	    /* the end of a commit, its nonce in filter_id (never
				       returned by the readers below) */
};

struct ipp_journal_entry {
	uint64_t seq;
	enum ipp_journal_what what;
	int64_t filter_id, filterlist_id; /* filters: the row and its list */
};

/* The last journal entry's number (0: none yet).  Read it in the transaction that reads the
 * stores (ipp_db_begin()) to know what they hold. */
int ipp_db_journal_seq(struct ipp_db *db, uint64_t *ret, struct ipp_error *err);

/*
 * The entries after @after, oldest first, commit marks left out: *ret
 * malloc'ed (free()), owned by the caller.  -ESTALE when entries after
 * @after were pruned: the reader must read the stores whole.
 */
int ipp_db_journal_read(struct ipp_db *db, uint64_t after, struct ipp_journal_entry **ret,
			size_t *ret_n, struct ipp_error *err);

/*
 * As ipp_db_journal_read(), for a reader that holds what the stores were at
 * entry @after, the commit whose nonce was @nonce: -ESTALE also when entry
 * @after is not that commit's mark (a copy of the file written over it,
 * whose journal went its own way since a common past; or a commit of another
 * program, which marks none), and when @after or @nonce is 0 (read before
 * any change marked the journal: nothing ties its entries to that state).
 * *@last: the last entry read, marks included (@after when there is none),
 * the place to read from next time.
 */
int ipp_db_journal_since(struct ipp_db *db, uint64_t after, int64_t nonce,
			 struct ipp_journal_entry **ret, size_t *ret_n, uint64_t *last,
			 struct ipp_error *err);

/*
 * Filter @id as the stores hold it (*ret cleared with ipp_filter_clear() by
 * the caller), its list in *list_id, and its place in that list (0-based, the
 * list's order: creation) in *pos.  -ENOENT when it is gone.
 */
int ipp_db_filter_get(struct ipp_db *db, int64_t id, struct ipp_filter *ret, int64_t *list_id,
		      uint32_t *pos, struct ipp_error *err);

/* The place @id had or has in list @list_id: the filters of the list with a smaller id. */
int ipp_db_filter_pos(struct ipp_db *db, int64_t list_id, int64_t id, uint32_t *ret,
		      struct ipp_error *err);

/* ---------- whole-store reads ---------- */

/* A consistent copy of one store, read in one transaction. */
struct ipp_snapshot {
	enum ipp_store_loc loc;
	struct ipp_policy *policies;         /* with rules and default rule, by name */
	size_t npolicies;
	struct ipp_filterlist *filterlists;  /* with filters (in creation order), by name */
	size_t nfilterlists;
	struct ipp_filteraction *filteractions; /* by name */
	size_t nfilteractions;
	bool lines; /* the objects' ids are their lines in an export file (ipp_export_read()) */
};

/* *ret owned by the caller: ipp_snapshot_free(). */
int ipp_db_load(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_snapshot **ret,
		struct ipp_error *err);

/* ipp_db_load() with flags: */
enum {
	/* filters without what enforcement does not read: guid "", no description and no
	 * DNS names (NULL); everything else as ipp_db_load() */
	IPP_LOAD_LEAN = 1 << 0,
	/* only the assigned policy (none: no policy) and the filter lists and actions its
	 * rules use: what is not enforced is not read, nor can a bad row of it fail the load */
	IPP_LOAD_ASSIGNED = 1 << 1,
};
int ipp_db_load_ex(struct ipp_db *db, enum ipp_store_loc loc, unsigned flags,
		   struct ipp_snapshot **ret, struct ipp_error *err);
void ipp_snapshot_free(struct ipp_snapshot *s);
/*
 * The stores @locs[0..@n), as ipp_db_load_ex() each, in one read transaction
 * (the caller's if one is open).  The file's integrity check runs meanwhile
 * on a second connection of a thread of its own, and the snapshots are given
 * only when it passed for the version they were read from.  On success ret[i]
 * are owned by the caller (ipp_snapshot_free()); on failure all are NULL and
 * *failed is the index of the store whose read failed (0 for damage).
 */
int ipp_db_load_stores(struct ipp_db *db, const enum ipp_store_loc *locs, size_t n, unsigned flags,
		       struct ipp_snapshot **ret, size_t *failed, struct ipp_error *err);

/* Lookups in a snapshot; the result points into @s (valid until it is freed), or NULL. */
const struct ipp_filterlist *ipp_snapshot_filterlist(const struct ipp_snapshot *s, int64_t id);
const struct ipp_filteraction *ipp_snapshot_filteraction(const struct ipp_snapshot *s, int64_t id);
const struct ipp_policy *ipp_snapshot_assigned(const struct ipp_snapshot *s);

/* Two objects of a snapshot with one GUID: their ids (a file's: line numbers) and kinds. */
struct ipp_guid_dup {
	const char *guid;		      /* points into the snapshot */
	int64_t first_id, second_id;	      /* first_id <= second_id */
	const char *first_kind, *second_kind; /* "filter list", "filter", "rule" ... (static) */
};
/*
 * Does a GUID name two objects of @s, of any kinds (GUIDs are identities)?
 * 1 and *ret filled, 0 when not, -ENOMEM.  Objects without a GUID yet are
 * left out.
 */
int ipp_snapshot_guid_dup(const struct ipp_snapshot *s, struct ipp_guid_dup *ret);

/* ---------- finding one object ---------- */

/*
 * The id of the object named @name in store @loc of @table ("policy",
 * "filterlist", "filteraction"), read from its name alone: an object whose
 * row is damaged (a NUL byte inside a value) can still be deleted.  -ENOENT
 * when there is none.
 */
int ipp_db_find_damaged(struct ipp_db *db, const char *table, enum ipp_store_loc loc,
			const char *name, int64_t *ret, struct ipp_error *err);

/*
 * By name (case-insensitive) when @name is non-NULL, else by @guid (braces
 * optional, any case; -EINVAL when not a GUID).
 * Fill *ret (without children: no rules, no filters; a policy comes with its
 * default rule).  -ENOENT when absent.  *ret is owned by the caller (_clear()).
 */
int ipp_db_policy_find(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
		       const char *guid, struct ipp_policy *ret, struct ipp_error *err);
int ipp_db_filterlist_find(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
			   const char *guid, struct ipp_filterlist *ret, struct ipp_error *err);
int ipp_db_filteraction_find(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
			     const char *guid, struct ipp_filteraction *ret,
			     struct ipp_error *err);
/* A rule of policy @policy_id by name (non-NULL) or by @number (>0; 0 = the
 * default response rule).  With its authentication methods. */
int ipp_db_rule_find(struct ipp_db *db, int64_t policy_id, const char *name, uint32_t number,
		     struct ipp_rule *ret, struct ipp_error *err);

/* The filters of a list, in creation order.  *ret: array of *ret_n filters, caller frees
 * each with ipp_filter_clear() and the array with free(). */
int ipp_db_filter_list(struct ipp_db *db, int64_t filterlist_id, struct ipp_filter **ret,
		       size_t *ret_n, struct ipp_error *err);

/*
 * The filters of a list whose source and destination, as the store writes
 * them (ipp_addr_format_cidr(): "10.0.0.0/24", "me", "10.0.0.1-10.0.0.9"),
 * are between the bounds given (text order, both included); NULL: all.  As
 * ipp_db_filter_list() otherwise; a lookup in the list's index, not a scan.
 */
struct ipp_filter_range {
	const char *src_lo, *src_hi, *dst_lo, *dst_hi;
};
int ipp_db_filter_select(struct ipp_db *db, int64_t filterlist_id,
			 const struct ipp_filter_range *range, struct ipp_filter **ret,
			 size_t *ret_n, struct ipp_error *err);

/* ---------- writes ---------- */

/*
 * Add a policy (and its default response rule from p->defaultrule).  Fills
 * p->id, p->guid (a new one when empty), p->modified.  -EEXIST if the name is
 * taken.  If p->assigned, the store's other policies are unassigned.
 */
int ipp_db_policy_add(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_policy *p,
		      struct ipp_error *err);
/* Rewrite a policy's own attributes and its default rule (by p->id); rules untouched. */
int ipp_db_policy_update(struct ipp_db *db, enum ipp_store_loc loc, const struct ipp_policy *p,
			 struct ipp_error *err);
/* Delete a policy and its rules (filter lists and actions stay). */
int ipp_db_policy_delete(struct ipp_db *db, int64_t policy_id, struct ipp_error *err);

/* Fills l->id, guid (a new one when empty), modified; also adds l->filters
 * (filling their id and guid).  -EEXIST if the name is taken. */
int ipp_db_filterlist_add(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_filterlist *l,
			  struct ipp_error *err);
/* Name and description only; filters are changed with the filter functions. */
int ipp_db_filterlist_update(struct ipp_db *db, const struct ipp_filterlist *l,
			     struct ipp_error *err);
/* -EBUSY (message names the rule) when a rule still uses it. Deletes its filters. */
int ipp_db_filterlist_delete(struct ipp_db *db, int64_t filterlist_id, struct ipp_error *err);

/* Add a filter to a list; -EEXIST when an ipp_filter_same() one is there. Fills f->id, guid.
 * -EINVAL for a mirrored filter in a list that a tunnel rule uses. */
int ipp_db_filter_add(struct ipp_db *db, int64_t filterlist_id, struct ipp_filter *f,
		      struct ipp_error *err);
int ipp_db_filter_delete(struct ipp_db *db, int64_t filter_id, struct ipp_error *err);

int ipp_db_filteraction_add(struct ipp_db *db, enum ipp_store_loc loc,
			    struct ipp_filteraction *a, struct ipp_error *err);
int ipp_db_filteraction_update(struct ipp_db *db, const struct ipp_filteraction *a,
			       struct ipp_error *err);
/* -EBUSY when a rule still uses it. */
int ipp_db_filteraction_delete(struct ipp_db *db, int64_t filteraction_id,
			       struct ipp_error *err);

/* Add an ordinary rule to r->policy_id; fills r->id, r->number (highest + 1), guid,
 * modified.  The list and the action must be of the policy's store (-ENOENT). */
int ipp_db_rule_add(struct ipp_db *db, struct ipp_rule *r, struct ipp_error *err);
int ipp_db_rule_update(struct ipp_db *db, const struct ipp_rule *r, struct ipp_error *err);
/* The default response rule (number 0) cannot be deleted: -EPERM. */
int ipp_db_rule_delete(struct ipp_db *db, int64_t rule_id, struct ipp_error *err);

/* Assign @policy_id (0 = unassign all) in @loc: at most one assigned policy per store. */
int ipp_db_assign(struct ipp_db *db, enum ipp_store_loc loc, int64_t policy_id,
		  struct ipp_error *err);

/* Delete every policy, rule, filter list and filter action of @loc. */
int ipp_db_delete_all(struct ipp_db *db, enum ipp_store_loc loc, struct ipp_error *err);

/*
 * Replace the whole content of @loc by @s (keeping GUIDs, timestamps, rule numbers):
 * used by importpolicy and by the domain cache.  Validates everything first.
 */
int ipp_db_replace(struct ipp_db *db, enum ipp_store_loc loc, const struct ipp_snapshot *s,
		   struct ipp_error *err);
/*
 * Add the objects of @s to @loc (importpolicy).  An object whose GUID @loc
 * holds for an object of its kind is that object: a filter list or action is
 * rewritten as @s has it (a list's filters replaced; the rows stay, rules of
 * other policies keep using them), a policy replaced with its rules (a
 * restore of an export).  Other GUIDs already present, and names held by
 * other objects, fail with -EEXIST, nothing written.  An assigned policy of
 * @s unassigns the store's.
 */
int ipp_db_merge(struct ipp_db *db, enum ipp_store_loc loc, const struct ipp_snapshot *s,
		 struct ipp_error *err);

/* ---------- export / import files (src/store/export.c) ---------- */
/*
 * The export format is ipsecpol's own, versioned, line-oriented text
 * (docs/ipsecpol-export.5): every object with its GUID and attributes.
 * Export then import into an empty store gives an identical store.
 */
int ipp_export_write(const struct ipp_snapshot *s, FILE *out, struct ipp_error *err);
/*
 * Parse an export file; @name is used in messages ("FILE:LINE: ...").
 * *ret owned by the caller (ipp_snapshot_free).  Never partially returns.
 * In the result, loc is IPP_STORE_INVALID and every object's id is the line
 * it was read from (rules refer to their list and action by those ids).
 */
int ipp_export_read(FILE *in, const char *name, struct ipp_snapshot **ret,
		    struct ipp_error *err);

#endif
