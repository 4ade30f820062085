/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * db.c - the policy database: opening, schema and migrations, transactions,
 * the generation counter, and the helpers the other store files share.
 *
 * Schema versions live in PRAGMA user_version; migrations[i] takes a
 * database from version i to i + 1 and runs inside the opening transaction,
 * so a migration is all or nothing.  PRAGMA application_id marks the file as
 * ours, so that another program's SQLite file is not mistaken for an empty
 * store.
 *
 * Durability: WAL with synchronous=NORMAL.  A committed change survives a
 * crash of any program; a power loss may lose the last commits but never
 * corrupts the database (SQLite's documented WAL guarantee).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../common/confile.h"
#include "../common/fnv.h"
#include "../common/grow.h"
#include "../common/utf8.h"
#include "db_internal.h"

#define IPP_APPLICATION_ID 0x49505350 /* "IPSP" */
#define BUSY_TIMEOUT_MS 10000

/*
 * Version 1.  Stores: 1 local, 2 persistent, 3 domain (enum ipp_store_loc).
 * Addresses are kept in the canonical text of ipp_addr_format_cidr(), offers
 * in netsh syntax; a unique index over a filter's selector tuple makes the
 * duplicate check of ipp_db_filter_add an index probe.
 */
/* clang-format off */
static const char schema_v1[] =
	"CREATE TABLE meta (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value INTEGER NOT NULL\n"
	");\n"
	"INSERT INTO meta (key, value) VALUES ('generation', 0);\n"
	"INSERT INTO meta (key, value) VALUES ('identity', abs(random() >> 1) + 1);\n"
	"CREATE TABLE policy (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  store INTEGER NOT NULL CHECK (store IN (1, 2, 3)),\n"
	"  guid TEXT NOT NULL,\n"
	"  name TEXT NOT NULL COLLATE NOCASE,\n"
	"  description TEXT NOT NULL DEFAULT '',\n"
	"  modified INTEGER NOT NULL,\n"
	"  mmpfs INTEGER NOT NULL,\n"
	"  qmpermm INTEGER NOT NULL,\n"
	"  mmlifetime INTEGER NOT NULL,\n"
	"  activatedefaultrule INTEGER NOT NULL,\n"
	"  pollinginterval INTEGER NOT NULL,\n"
	"  assigned INTEGER NOT NULL,\n"
	"  gponame TEXT NOT NULL DEFAULT '',\n"
	"  mmsec TEXT NOT NULL,\n"
	"  UNIQUE (store, name),\n"
	"  UNIQUE (store, guid)\n"
	");\n"
	"CREATE UNIQUE INDEX policy_assigned ON policy (store) WHERE assigned;\n"
	"CREATE TABLE filterlist (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  store INTEGER NOT NULL CHECK (store IN (1, 2, 3)),\n"
	"  guid TEXT NOT NULL,\n"
	"  name TEXT NOT NULL COLLATE NOCASE,\n"
	"  description TEXT NOT NULL DEFAULT '',\n"
	"  modified INTEGER NOT NULL,\n"
	"  UNIQUE (store, name),\n"
	"  UNIQUE (store, guid)\n"
	");\n"
	"CREATE TABLE filter (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  filterlist_id INTEGER NOT NULL REFERENCES filterlist (id) ON DELETE CASCADE,\n"
	"  guid TEXT NOT NULL,\n"
	"  description TEXT,\n"
	"  srcdns TEXT,\n"
	"  dstdns TEXT,\n"
	"  src TEXT NOT NULL,\n"
	"  dst TEXT NOT NULL,\n"
	"  protocol INTEGER NOT NULL,\n"
	"  srcport INTEGER NOT NULL,\n"
	"  dstport INTEGER NOT NULL,\n"
	"  mirrored INTEGER NOT NULL\n"
	");\n"
	"CREATE UNIQUE INDEX filter_tuple ON filter\n"
	"  (filterlist_id, src, dst, protocol, srcport, dstport, mirrored);\n"
	"CREATE INDEX filter_list ON filter (filterlist_id);\n"
	"CREATE TABLE filteraction (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  store INTEGER NOT NULL CHECK (store IN (1, 2, 3)),\n"
	"  guid TEXT NOT NULL,\n"
	"  name TEXT NOT NULL COLLATE NOCASE,\n"
	"  description TEXT NOT NULL DEFAULT '',\n"
	"  modified INTEGER NOT NULL,\n"
	"  action INTEGER NOT NULL,\n"
	"  qmpfs INTEGER NOT NULL,\n"
	"  inpass INTEGER NOT NULL,\n"
	"  soft INTEGER NOT NULL,\n"
	"  qmsec TEXT NOT NULL,\n"
	"  UNIQUE (store, name),\n"
	"  UNIQUE (store, guid)\n"
	");\n"
	"CREATE TABLE rule (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  policy_id INTEGER NOT NULL REFERENCES policy (id) ON DELETE CASCADE,\n"
	"  number INTEGER NOT NULL,\n"
	"  guid TEXT NOT NULL,\n"
	"  name TEXT NOT NULL COLLATE NOCASE,\n"
	"  description TEXT NOT NULL DEFAULT '',\n"
	"  modified INTEGER NOT NULL,\n"
	"  filterlist_id INTEGER REFERENCES filterlist (id),\n"
	"  filteraction_id INTEGER REFERENCES filteraction (id),\n"
	"  tunnel TEXT,\n"
	"  tunneldns TEXT NOT NULL DEFAULT '',\n"
	"  conntype INTEGER NOT NULL,\n"
	"  activate INTEGER NOT NULL,\n"
	"  qmpfs INTEGER NOT NULL,\n"
	"  qmsec TEXT NOT NULL,\n"
	"  UNIQUE (policy_id, number),\n"
	"  CHECK ((number = 0) = (filterlist_id IS NULL AND filteraction_id IS NULL))\n"
	");\n"
	"CREATE UNIQUE INDEX rule_name ON rule (policy_id, name) WHERE number > 0;\n"
	"CREATE INDEX rule_filterlist ON rule (filterlist_id);\n"
	"CREATE INDEX rule_filteraction ON rule (filteraction_id);\n"
	"CREATE TABLE auth (\n"
	"  rule_id INTEGER NOT NULL REFERENCES rule (id) ON DELETE CASCADE,\n"
	"  pos INTEGER NOT NULL,\n"
	"  kind INTEGER NOT NULL,\n"
	"  value TEXT NOT NULL DEFAULT '',\n"
	"  certmap INTEGER NOT NULL DEFAULT 0,\n"
	"  excludecaname INTEGER NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY (rule_id, pos)\n"
	") WITHOUT ROWID;\n";
/* clang-format on */

/*
 * Version 2: the journal.  Triggers record every change: a filter added
 * (what 1) or deleted (what 2) with its row and list, anything else (what
 * 0: any other change of a filter, of a list's name or description, of a
 * policy, rule, filter action or authentication method).  The agent reads
 * the entries after the last one it applied and, when they are only filters
 * added to or deleted from lists, changes what is in force element by
 * element without reading the stores again.  Entries older than the last
 * 4,096 are pruned (never the newest, so numbers only grow); a reader that
 * finds its place pruned reads everything.
 */
static const char schema_v2[] =
	"CREATE TABLE journal (\n"
	"  seq INTEGER PRIMARY KEY,\n"
	"  what INTEGER NOT NULL,\n"
	"  filter_id INTEGER,\n"
	"  filterlist_id INTEGER\n"
	");\n"
	"CREATE TRIGGER journal_prune AFTER INSERT ON journal WHEN NEW.seq % 1024 = 0 BEGIN\n"
	"  DELETE FROM journal WHERE seq <= NEW.seq - 4096;\n"
	"END;\n"
	"CREATE TRIGGER journal_filter_add AFTER INSERT ON filter BEGIN\n"
	"  INSERT INTO journal (what, filter_id, filterlist_id) VALUES (1, NEW.id, "
	"NEW.filterlist_id);\n"
	"END;\n"
	"CREATE TRIGGER journal_filter_del AFTER DELETE ON filter BEGIN\n"
	"  INSERT INTO journal (what, filter_id, filterlist_id) VALUES (2, OLD.id, "
	"OLD.filterlist_id);\n"
	"END;\n"
	"CREATE TRIGGER journal_filter_set AFTER UPDATE ON filter BEGIN\n"
	"  INSERT INTO journal (what) VALUES (0);\n"
	"END;\n"
	"CREATE TRIGGER journal_list_set AFTER UPDATE OF store, guid, name, description ON "
	"filterlist BEGIN\n"
	"  INSERT INTO journal (what) VALUES (0);\n"
	"END;\n"
	"CREATE TRIGGER journal_list_del AFTER DELETE ON filterlist BEGIN\n"
	"  INSERT INTO journal (what) VALUES (0);\n"
	"END;\n"
#define JOURNAL_OTHER(t)                                                                           \
	"CREATE TRIGGER journal_" t "_add AFTER INSERT ON " t " BEGIN\n"                            \
	"  INSERT INTO journal (what) VALUES (0);\n"                                               \
	"END;\n"                                                                                    \
	"CREATE TRIGGER journal_" t "_set AFTER UPDATE ON " t " BEGIN\n"                            \
	"  INSERT INTO journal (what) VALUES (0);\n"                                               \
	"END;\n"                                                                                    \
	"CREATE TRIGGER journal_" t "_del AFTER DELETE ON " t " BEGIN\n"                            \
	"  INSERT INTO journal (what) VALUES (0);\n"                                               \
	"END;\n"
	JOURNAL_OTHER("policy") JOURNAL_OTHER("filteraction") JOURNAL_OTHER("rule")
	JOURNAL_OTHER("auth");
#undef JOURNAL_OTHER

/*
 * Version 3: a change that touches no assigned policy is journaled as such
 * (what 3): a policy neither assigned before nor after, a rule of one, a
 * filter action, list, filter (added, deleted or changed) or authentication
 * method no rule of an assigned policy uses.  The agent then has nothing to
 * do for it; what becomes used later becomes so by a change that is
 * journaled as touching an assigned policy (the assignment, a rule's new
 * list or action).  A change of what one uses that filters nothing
 * differently is what 4: an update of its name, description or time of
 * change only, its authentication methods (the shell's SSH session check
 * passes it by; the agent reads it as any other).  The triggers decide
 * when the row is written, in the writer's transaction.
 */
// clang-format off
#define HOT_POLICY(row) "coalesce((SELECT assigned FROM policy WHERE id = " row "), 0)"
#define HOT_RULE(row) \
	"EXISTS (SELECT 1 FROM rule r JOIN policy p ON p.id = r.policy_id " \
	"WHERE r.id = " row " AND p.assigned)"
#define HOT_USED(col, row) \
	"EXISTS (SELECT 1 FROM rule r JOIN policy p ON p.id = r.policy_id " \
	"WHERE r." col " = " row " AND p.assigned)"
#define JOURNAL3(name, event, table, hot) \
	"DROP TRIGGER IF EXISTS journal_" name ";\n" \
	"CREATE TRIGGER journal_" name " AFTER " event " ON " table " BEGIN\n" \
	"  INSERT INTO journal (what) VALUES (CASE WHEN " hot " THEN 0 ELSE 3 END);\n" \
	"END;\n"
/* an update: 3 when not in use, 4 when only what @same leaves out changed, else 0 */
#define JOURNAL3_SET(name, table, hot, same) \
	"DROP TRIGGER IF EXISTS journal_" name ";\n" \
	"CREATE TRIGGER journal_" name " AFTER UPDATE ON " table " BEGIN\n" \
	"  INSERT INTO journal (what) VALUES (CASE WHEN NOT " hot " THEN 3 WHEN " same \
	" THEN 4 ELSE 0 END);\n" \
	"END;\n"
/* a change that filters nothing differently when in use (authentication methods) */
#define JOURNAL4(name, event, table, hot) \
	"DROP TRIGGER IF EXISTS journal_" name ";\n" \
	"CREATE TRIGGER journal_" name " AFTER " event " ON " table " BEGIN\n" \
	"  INSERT INTO journal (what) VALUES (CASE WHEN " hot " THEN 4 ELSE 3 END);\n" \
	"END;\n"
#define SAME(c) "NEW." c " IS OLD." c
static const char schema_v3[] =
	"DROP TRIGGER IF EXISTS journal_filter_add;\n"
	"CREATE TRIGGER journal_filter_add AFTER INSERT ON filter BEGIN\n"
	"  INSERT INTO journal (what, filter_id, filterlist_id) VALUES (CASE WHEN "
	HOT_USED("filterlist_id", "NEW.filterlist_id") " THEN 1 ELSE 3 END, NEW.id, "
	"NEW.filterlist_id);\n"
	"END;\n"
	"DROP TRIGGER IF EXISTS journal_filter_del;\n"
	"CREATE TRIGGER journal_filter_del AFTER DELETE ON filter BEGIN\n"
	"  INSERT INTO journal (what, filter_id, filterlist_id) VALUES (CASE WHEN "
	HOT_USED("filterlist_id", "OLD.filterlist_id") " THEN 2 ELSE 3 END, OLD.id, "
	"OLD.filterlist_id);\n"
	"END;\n"
	JOURNAL3_SET("filter_set", "filter",
		"(" HOT_USED("filterlist_id", "NEW.filterlist_id") " OR "
		HOT_USED("filterlist_id", "OLD.filterlist_id") ")",
		"(" SAME("filterlist_id") " AND " SAME("guid") " AND " SAME("src") " AND "
		SAME("dst") " AND " SAME("protocol") " AND " SAME("srcport") " AND "
		SAME("dstport") " AND " SAME("mirrored") ")")
	"DROP TRIGGER IF EXISTS journal_list_set;\n"
	"CREATE TRIGGER journal_list_set AFTER UPDATE OF store, guid, name, description ON "
	"filterlist BEGIN\n"
	"  INSERT INTO journal (what) VALUES (CASE WHEN NOT " HOT_USED("filterlist_id", "NEW.id")
	" THEN 3 WHEN " SAME("store") " AND " SAME("guid") " THEN 4 ELSE 0 END);\n"
	"END;\n"
	JOURNAL3("list_del", "DELETE", "filterlist", HOT_USED("filterlist_id", "OLD.id"))
	JOURNAL3("policy_add", "INSERT", "policy", "NEW.assigned")
	JOURNAL3_SET("policy_set", "policy", "(NEW.assigned OR OLD.assigned)",
		"(" SAME("store") " AND " SAME("guid") " AND " SAME("mmpfs") " AND "
		SAME("qmpermm") " AND " SAME("mmlifetime") " AND " SAME("activatedefaultrule")
		" AND " SAME("pollinginterval") " AND " SAME("assigned") " AND " SAME("gponame")
		" AND " SAME("mmsec") ")")
	JOURNAL3("policy_del", "DELETE", "policy", "OLD.assigned")
	JOURNAL3("rule_add", "INSERT", "rule", HOT_POLICY("NEW.policy_id"))
	JOURNAL3_SET("rule_set", "rule",
		"(" HOT_POLICY("NEW.policy_id") " OR " HOT_POLICY("OLD.policy_id") ")",
		"(" SAME("policy_id") " AND " SAME("number") " AND " SAME("guid") " AND "
		SAME("filterlist_id") " AND " SAME("filteraction_id") " AND " SAME("tunnel")
		" AND " SAME("tunneldns") " AND " SAME("conntype") " AND " SAME("activate")
		" AND " SAME("qmpfs") " AND " SAME("qmsec") ")")
	JOURNAL3("rule_del", "DELETE", "rule", HOT_POLICY("OLD.policy_id"))
	JOURNAL3("filteraction_add", "INSERT", "filteraction", HOT_USED("filteraction_id", "NEW.id"))
	JOURNAL3_SET("filteraction_set", "filteraction", HOT_USED("filteraction_id", "NEW.id"),
		"(" SAME("store") " AND " SAME("guid") " AND " SAME("action") " AND "
		SAME("qmpfs") " AND " SAME("inpass") " AND " SAME("soft") " AND "
		SAME("qmsec") ")")
	JOURNAL3("filteraction_del", "DELETE", "filteraction", HOT_USED("filteraction_id", "OLD.id"))
	JOURNAL3_SET("auth_set", "auth",
		"(" HOT_RULE("NEW.rule_id") " OR " HOT_RULE("OLD.rule_id") ")", "1")
	JOURNAL4("auth_add", "INSERT", "auth", HOT_RULE("NEW.rule_id"))
	JOURNAL4("auth_del", "DELETE", "auth", HOT_RULE("OLD.rule_id"));
#undef SAME
#undef JOURNAL4
#undef JOURNAL3_SET
#undef JOURNAL3
#undef HOT_USED
#undef HOT_RULE
#undef HOT_POLICY
// clang-format on

/*
 * The journal's triggers (schemas 2 and 3 name the same ones).  One dropped
 * by another program leaves changes unjournaled: a reader then goes without
 * the journal (every change read whole), a writer puts them back
 * (journal_repair).
 */
static const char *const journal_triggers[] = {
    "journal_prune",
    "journal_filter_add",
    "journal_filter_del",
    "journal_filter_set",
    "journal_list_set",
    "journal_list_del",
    "journal_policy_add",
    "journal_policy_set",
    "journal_policy_del",
    "journal_rule_add",
    "journal_rule_set",
    "journal_rule_del",
    "journal_filteraction_add",
    "journal_filteraction_set",
    "journal_filteraction_del",
    "journal_auth_add",
    "journal_auth_set",
    "journal_auth_del",
};
static const char journal_prune_again[] =
    "CREATE TRIGGER IF NOT EXISTS journal_prune AFTER INSERT ON journal WHEN NEW.seq % 1024 = "
    "0 BEGIN\n"
    "  DELETE FROM journal WHERE seq <= NEW.seq - 4096;\n"
    "END;\n";

/* migrations[i]: version i -> i + 1. */
static const char *const migrations[IPP_SCHEMA_VERSION] = {
    schema_v1,
    schema_v2,
    schema_v3,
};

const char *ipp_store_name(enum ipp_store_loc loc)
{
	switch (loc) {
	case IPP_STORE_LOCAL:
		return "local";
	case IPP_STORE_PERSISTENT:
		return "persistent";
	case IPP_STORE_DOMAIN:
		return "domain";
	default:
		return "invalid";
	}
}

/* ---------- errors ---------- */

static int rc_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ETIMEDOUT;
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_READONLY:
		return EROFS;
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return EBADMSG;
	case SQLITE_CANTOPEN:
		return ENOENT;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return EACCES;
	case SQLITE_CONSTRAINT:
		return EEXIST;
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
	case SQLITE_MISMATCH:
		return EINVAL;
	default:
		return EIO;
	}
}

int db_fail(struct ipp_db *db, int rc, struct ipp_error *err, const char *what)
{
	int e = rc_errno(rc);
	const char *msg = db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);

	if (e == 0)
		e = EIO;
	if (e == EBADMSG)
		return ipp_err(err, e, "policy database \"%s\" is corrupt or not a database (%s)",
			       db->path, msg);
	if (e == ETIMEDOUT)
		return ipp_err(err, e,
			       "policy database \"%s\": %s: locked by another program for more "
			       "than %d s",
			       db->path, what, BUSY_TIMEOUT_MS / 1000);
	if (e == EROFS)
		return ipp_err(err, e, "policy database \"%s\": %s: opened read-only", db->path,
			       what);
	/* an I/O error says what the system said (no space left on the device ...), and so
	 * does a file that could not be opened (too many open files is no missing file) */
	if (db->h && ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CANTOPEN) &&
	    sqlite3_system_errno(db->h))
		return ipp_err(err, sqlite3_system_errno(db->h),
			       "policy database \"%s\": %s: %s (%s)", db->path, what, msg,
			       strerror(sqlite3_system_errno(db->h)));
	return ipp_err(err, e, "policy database \"%s\": %s: %s", db->path, what, msg);
}

/* ---------- statements ---------- */

int db_prep(struct ipp_db *db, const char *sql, sqlite3_stmt **ret, struct ipp_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	for (size_t i = 0; i < db->ncache; i++)
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].st);
			sqlite3_clear_bindings(db->cache[i].st);
			*ret = db->cache[i].st;
			return 0;
		}
	rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK && rc == SQLITE_ERROR &&
	    (strstr(sqlite3_errmsg(db->h), "no such column") ||
	     strstr(sqlite3_errmsg(db->h), "no such table")))
		/* every statement is the library's own: a column or table it names is gone
		 * from the file (dropped by another program) */
		return ipp_err(err, EBADMSG, "policy database \"%s\" is damaged: %s: %s", db->path,
			       sqlite3_errmsg(db->h), IPP_DB_DAMAGED_ADVICE);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err, "preparing a statement");
	if (db->ncache < IPP_DB_STMT_CACHE) {
		db->cache[db->ncache].sql = sql;
		db->cache[db->ncache].st = st;
		db->ncache++;
	} else {
		/* the cache is sized for every statement of the library: this is a bug */
		sqlite3_finalize(st);
		return ipp_err(err, ENOMEM, "policy database: statement cache full");
	}
	*ret = st;
	return 0;
}

int db_exec_stmt(struct ipp_db *db, sqlite3_stmt *st, struct ipp_error *err, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(db, rc, err, what);
	return 0;
}

/*
 * A row of @st holds no NUL byte inside a text or blob: read as C strings,
 * such a value would be cut short there (a filter's "10.0.0.0\0/8" read as
 * the host 10.0.0.0, a name read as another).  Only another program can
 * have written one: a damaged row.
 */
static int row_nul_free(struct ipp_db *db, sqlite3_stmt *st, struct ipp_error *err,
			const char *what)
{
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < n; i++) {
		int type = sqlite3_column_type(st, i);

		if ((type == SQLITE_TEXT || type == SQLITE_BLOB) && db_nul_inside(st, i)) {
			const char *col = sqlite3_column_name(st, i);
			const char *table = sqlite3_column_table_name(st, i);

			sqlite3_reset(st);
			return ipp_err(err, EUCLEAN,
				       "policy database \"%s\": %s: a NUL byte inside the value of "
				       "%s%s%s (" DB_NUL_DAMAGE "): " DB_ROW_ADVICE,
				       db->path, what, table ? table : "", table ? "." : "",
				       col ? col : "a column");
		}
	}
	return 1;
}

bool db_nul_inside(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t && memchr(t, 0, (size_t)sqlite3_column_bytes(st, i));
}

int db_step_unchecked(struct ipp_db *db, sqlite3_stmt *st, struct ipp_error *err, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(db, rc, err, what);
}

int db_step(struct ipp_db *db, sqlite3_stmt *st, struct ipp_error *err, const char *what)
{
	int r = db_step_unchecked(db, st, err, what);

	return r > 0 ? row_nul_free(db, st, err, what) : r;
}

static int db_exec(struct ipp_db *db, const char *sql, struct ipp_error *err, const char *what)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_fail(db, rc, err, what);
	return 0;
}

void db_col_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	if (n)
		memcpy(buf, t, n);
	buf[n] = '\0';
}

int db_col_strdup(sqlite3_stmt *st, int i, char **ret)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	*ret = NULL;
	if (!t || !*t)
		return 0;
	*ret = strdup((const char *)t);
	return *ret ? 0 : -ENOMEM;
}

/* A single integer from a PRAGMA or query. */
static int db_query_int(struct ipp_db *db, const char *sql, int64_t *ret, struct ipp_error *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*ret = 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, err, sql);
	return 0;
}

/* ---------- opening ---------- */

static int set_wal(struct ipp_db *db, struct ipp_error *err)
{
	sqlite3_stmt *st;
	const unsigned char *mode;
	int rc;

	/* journal_mode is persistent in the file: only the first opener changes it */
	rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err, "reading the journal mode");
	rc = sqlite3_step(st);
	mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	if (mode && strcmp((const char *)mode, "wal") == 0) {
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, rc, err, "reading the journal mode");
	/*
	 * Two programs creating the database at once both hold a shared lock and
	 * want an exclusive one: SQLite then answers SQLITE_BUSY at once instead
	 * of calling the busy handler (that would deadlock).  Retry, jittered,
	 * up to the busy timeout; once one has switched, the others find WAL.
	 */
	for (int waited = 0;;) {
		int ms = 5 + (int)(((unsigned)getpid() * 7u + (unsigned)waited) % 20u);

		rc = sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY || waited >= BUSY_TIMEOUT_MS)
			break;
		sqlite3_sleep(ms);
		waited += ms;
	}
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err, "switching to WAL mode");
	return 0;
}

/* The file's schema version and application id. */
static int schema_ids(struct ipp_db *db, int64_t *version, int64_t *appid, struct ipp_error *err)
{
	int r = db_query_int(db, "PRAGMA user_version", version, err);

	return r < 0 ? r : db_query_int(db, "PRAGMA application_id", appid, err);
}

/*
 * The journal's triggers as they are: a hash (FNV-1a) of their names and SQL
 * in *ret, and 1 when all of journal_triggers are there (else 0), or -errno.
 */
static int journal_hash(struct ipp_db *db, int64_t *ret, struct ipp_error *err)
{
	static const char sql[] = "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' "
				  "AND name LIKE 'journal!_%' ESCAPE '!' ORDER BY name";
	uint64_t h = IPP_FNV1A_BASIS;
	size_t n = 0, want = 0;
	sqlite3_stmt *st;
	int r;

	if ((r = db_prep(db, sql, &st, err)) < 0)
		return r;
	while ((r = db_step(db, st, err, "checking the journal")) > 0) {
		for (int c = 0; c < 2; c++) {
			const unsigned char *t = sqlite3_column_text(st, c);

			if (t)
				h = ipp_fnv1a_str(h, (const char *)t);
			h = ipp_fnv1a_mix(h, 0xff);
		}
		for (size_t i = 0; i < sizeof(journal_triggers) / sizeof(journal_triggers[0]); i++)
			want +=
			    !strcmp((const char *)sqlite3_column_text(st, 0), journal_triggers[i]);
		n++;
	}
	if (r < 0)
		return r;
	*ret = (int64_t)h;
	return want == sizeof(journal_triggers) / sizeof(journal_triggers[0]) && n == want;
}

/*
 * Are the journal's triggers the ones ipsecpol wrote (their hash recorded in
 * meta when written)?  1 yes, 0 no (dropped, rewritten or added by another
 * program), or -errno.
 */
static int journal_intact(struct ipp_db *db, struct ipp_error *err)
{
	int64_t h, recorded, n;
	int r;

	if ((r = journal_hash(db, &h, err)) <= 0)
		return r;
	if ((r = db_query_int(db, "SELECT count(*) FROM meta WHERE key = 'journal_triggers'", &n,
			      err)) < 0 ||
	    n != 1)
		return r < 0 ? r : 0;
	if ((r = db_query_int(db, "SELECT value FROM meta WHERE key = 'journal_triggers'",
			      &recorded, err)) < 0)
		return r;
	return recorded == h;
}

/* The hash of the journal's triggers as they are now, recorded (a writer, in its transaction). */
static int journal_record(struct ipp_db *db, struct ipp_error *err)
{
	char sql[128];
	int64_t h;
	int r;

	if ((r = journal_hash(db, &h, err)) < 0)
		return r;
	snprintf(sql, sizeof(sql),
		 "INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_triggers', %lld)",
		 (long long)h);
	return db_exec(db, sql, err, "recording the journal");
}

/* The journal's triggers put back (a writer, in its transaction). */
static int journal_repair(struct ipp_db *db, struct ipp_error *err)
{
	static const char extra[] = "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND "
				    "name LIKE 'journal!_%' ESCAPE '!'";
	sqlite3_stmt *st;
	char **names = NULL;
	size_t n = 0;
	int r;

	/* every trigger of the journal's names goes (one added by another program too) */
	if ((r = db_prep(db, extra, &st, err)) < 0)
		return r;
	while ((r = db_step(db, st, err, "checking the journal")) > 0) {
		char **v = realloc(names, (n + 1) * sizeof(*names));

		if (!v || !(v[n] = strdup((const char *)sqlite3_column_text(st, 0)))) {
			names = v ? v : names;
			sqlite3_reset(st);
			r = ipp_err(err, ENOMEM, "out of memory");
			break;
		}
		names = v;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		char sql[160];

		if (r >= 0) {
			snprintf(sql, sizeof(sql), "DROP TRIGGER \"%s\"", names[i]);
			r = db_exec(db, sql, err, "putting the journal back");
		}
		free(names[i]);
	}
	free(names);
	if (r >= 0)
		r = db_exec(db, journal_prune_again, err, "putting the journal back");
	if (r >= 0)
		r = db_exec(db, schema_v3, err, "putting the journal back");
	return r < 0 ? r : journal_record(db, err);
}

/*
 * Every table of the schema is there: one dropped by hand leaves a store that
 * no command can change consistently (a write would half succeed), nor any
 * reader trust (@journal: schema 2 and later have the journal).
 */
static int tables_check(struct ipp_db *db, bool journal, struct ipp_error *err)
{
	static const char *const want[] = {"meta",	   "policy", "filterlist", "filter",
					   "filteraction", "rule",   "auth",	   "journal"};
	static const char sql[] = "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?";
	sqlite3_stmt *st;
	int64_t count;
	int r = 0;

	if ((r = db_prep(db, sql, &st, err)) < 0)
		return r;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]) - !journal && r >= 0; i++) {
		sqlite3_bind_text(st, 1, want[i], -1, SQLITE_STATIC);
		r = db_step(db, st, err, "checking the schema");
		sqlite3_reset(st);
		if (r == 0)
			r = ipp_err(
			    err, EBADMSG,
			    "policy database \"%s\" is damaged: its table \"%s\" is missing: "
			    "%s",
			    db->path, want[i], IPP_DB_DAMAGED_ADVICE);
	}
	if (r >= 0 &&
	    (r = db_query_int(db, "SELECT count(*) FROM meta WHERE key = 'generation'", &count,
			      err)) >= 0 &&
	    count != 1)
		r = ipp_err(err, EBADMSG,
			    "policy database \"%s\" is damaged: its generation counter (table "
			    "\"meta\") is gone: %s",
			    db->path, IPP_DB_DAMAGED_ADVICE);
	return r < 0 ? r : 0;
}

static int migrate(struct ipp_db *db, struct ipp_error *err)
{
	int64_t version, appid, tables;
	char sql[128];
	int r;

	/*
	 * A file of the current schema needs nothing written: look first, with
	 * plain reads, which in WAL mode wait for no writer (a batch open in
	 * another shell holds the write lock for as long as it lasts).  Only a
	 * schema to put in or upgrade takes the write lock, and is looked at
	 * again under it.
	 */
	r = schema_ids(db, &version, &appid, err);
	if (r < 0)
		return r;
	if (version == IPP_SCHEMA_VERSION && appid == IPP_APPLICATION_ID) {
		if ((r = tables_check(db, true, err)) < 0 || (r = journal_intact(db, err)) != 0)
			return r < 0 ? r : 0;
		/* a trigger dropped or rewritten by another program: put back under the write
		 * lock */
		if ((r = db_exec(db, "BEGIN IMMEDIATE", err, "opening")) < 0)
			return r;
		if ((r = journal_intact(db, err)) == 0)
			r = journal_repair(db, err);
		if (r < 0) {
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
		return db_exec(db, "COMMIT", err, "opening");
	}
	r = db_exec(db, "BEGIN IMMEDIATE", err, "opening");
	if (r < 0)
		return r;
	r = schema_ids(db, &version, &appid, err);
	if (r < 0)
		goto fail;
	r = db_query_int(db, "SELECT count(*) FROM sqlite_schema", &tables, err);
	if (r < 0)
		goto fail;
	if (appid != IPP_APPLICATION_ID && (appid != 0 || version != 0 || tables != 0)) {
		r = ipp_err(err, EBADMSG,
			    "\"%s\" is an SQLite database of another program, not an ipsecpol "
			    "policy database",
			    db->path);
		goto fail;
	}
	/* an SQLite file without a table that this program did not just create is not
	 * "no database yet" (the agent refuses it too): what it held cannot be told */
	if (version == 0 && tables == 0 && db->held < 0) {
		r = ipp_err(err, EBADMSG,
			    "\"%s\" is an SQLite database without any table, not an ipsecpol "
			    "policy database: it was cut short or replaced; remove it to start "
			    "with empty stores",
			    db->path);
		goto fail;
	}
	if (version > IPP_SCHEMA_VERSION) {
		r = ipp_err(err, EPROTO,
			    "policy database \"%s\" has schema version %lld, newer than version %d "
			    "of this program: upgrade ipsecpol",
			    db->path, (long long)version, IPP_SCHEMA_VERSION);
		goto fail;
	}
	/* version 0 is an empty file that gets its schema now; nothing else is below 1 */
	if (version < 0 || (version == 0 && tables != 0)) {
		r = ipp_err(err, EBADMSG,
			    "policy database \"%s\" is damaged: schema version %lld with %lld "
			    "tables (versions are 1 to %d)",
			    db->path, (long long)version, (long long)tables, IPP_SCHEMA_VERSION);
		goto fail;
	}
	for (int64_t v = version; v < IPP_SCHEMA_VERSION; v++) {
		r = db_exec(db, migrations[v], err, "migrating the schema");
		if (r < 0) {
			ipp_err_prefix(err, "migration from schema version %lld", (long long)v);
			goto fail;
		}
	}
	if (version != IPP_SCHEMA_VERSION) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
			 IPP_SCHEMA_VERSION, IPP_APPLICATION_ID);
		r = db_exec(db, sql, err, "setting the schema version");
		if (r >= 0)
			r = journal_record(db, err);
		if (r < 0)
			goto fail;
	}
	if ((r = tables_check(db, true, err)) < 0)
		goto fail;
	return db_exec(db, "COMMIT", err, "opening");
fail:
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static int check_readonly(struct ipp_db *db, struct ipp_error *err)
{
	int64_t version, appid;
	int r;

	r = db_query_int(db, "PRAGMA user_version", &version, err);
	if (r < 0)
		return r;
	r = db_query_int(db, "PRAGMA application_id", &appid, err);
	if (r < 0)
		return r;
	if (appid != IPP_APPLICATION_ID)
		return ipp_err(err, EBADMSG, "\"%s\" is not an ipsecpol policy database", db->path);
	if (version > IPP_SCHEMA_VERSION)
		return ipp_err(err, EPROTO,
			       "policy database \"%s\" has schema version %lld, newer than version "
			       "%d of this program: upgrade ipsecpol",
			       db->path, (long long)version, IPP_SCHEMA_VERSION);
	if (version < 1)
		return ipp_err(
		    err, EBADMSG,
		    "policy database \"%s\" is damaged: schema version %lld (versions are "
		    "1 to %d)",
		    db->path, (long long)version, IPP_SCHEMA_VERSION);
	/* schema 2 only added the journal: a reader of schema 1 goes without it */
	if (version == 1) {
		db->no_journal = true;
		return tables_check(db, false, err);
	}
	/* schema 3 only tells more in the journal: a file of schema 2 is read, without its
	 * journal (no hash of its triggers is recorded) until a writer upgrades it */
	if (version > 2 && version < IPP_SCHEMA_VERSION)
		return ipp_err(err, EPROTO,
			       "policy database \"%s\" has schema version %lld, older than version "
			       "%d: open it once for writing to upgrade it",
			       db->path, (long long)version, IPP_SCHEMA_VERSION);
	if ((r = tables_check(db, true, err)) < 0 || (r = journal_intact(db, err)) < 0)
		return r;
	/* a trigger dropped or rewritten by another program: the journal may miss changes,
	 * which are read whole (the next writer puts the triggers back) */
	db->no_journal = r == 0;
	return 0;
}

/*
 * The nearest directory of @path that is there as a name: a symbolic link to a
 * directory that is gone (copied to @buf, true), or a directory (false); false too
 * when none of them is there.
 */
static bool dangling_dir(const char *path, char *buf, size_t len)
{
	struct stat sb;
	char *slash;

	snprintf(buf, len, "%s", path);
	while ((slash = strrchr(buf, '/')) && slash != buf) {
		*slash = '\0';
		if (lstat(buf, &sb) < 0) {
			if (errno == ENOENT)
				continue; /* (not made yet: its parent may be) */
			return false;
		}
		return S_ISLNK(sb.st_mode) && stat(buf, &sb) < 0 && errno == ENOENT;
	}
	return false;
}

/*
 * @path is not there (ENOENT) because a symbolic link on the way points to nothing: to
 * the file, or to a directory of its path: -EIO saying which; 0 when it is simply not
 * there (no database yet).
 */
static int link_to_nothing(const char *path, struct ipp_error *err)
{
	char dir[PATH_MAX];
	struct stat sb;

	if (lstat(path, &sb) == 0)
		return ipp_err(err, EIO,
			       "policy database \"%s\": a symbolic link to a file that does not "
			       "exist",
			       path);
	if (dangling_dir(path, dir, sizeof(dir)))
		return ipp_err(err, EIO,
			       "policy database \"%s\": its directory \"%s\" is a symbolic link to "
			       "a directory that does not exist",
			       path, dir);
	return 0;
}

/*
 * Open (creating) the file of a database to be written; *held is then an
 * fd that holds a flock(2) (another family than SQLite's own locks) until
 * the caller closes it: exclusive on a file created here, until its schema
 * is in; a file found empty waits on it for its creator.  An empty file
 * that stays empty is a store cut short, not a new one: made anew here, it
 * would lose the persistent policy in silence (and lift the block mode the
 * agent keeps for it).  The file is created 0600: the store holds
 * pre-shared keys (SQLite would create it 0644).
 */
static int claim_file(const char *path, int *held, struct ipp_error *err)
{
	struct stat sb;
	int fd, i;

	*held = -1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)flock(fd, LOCK_EX);
		*held = fd;
		return 0;
	}
	if (errno != EEXIST || (fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
		int e = errno, r;

		if (e == ENOENT && (r = link_to_nothing(path, err)) < 0)
			return r;
		return ipp_err(err, e, "policy database \"%s\": cannot open: %s", path,
			       strerror(e));
	}
	/* (a creator takes its lock just after creating: look a few times) */
	for (i = 0; i < 20; i++) {
		(void)flock(fd, LOCK_SH);
		if (fstat(fd, &sb) == 0 && (!S_ISREG(sb.st_mode) || sb.st_size > 0)) {
			close(fd);
			return 0;
		}
		(void)flock(fd, LOCK_UN);
		usleep(50 * 1000);
	}
	close(fd);
	return ipp_err(err, EBADMSG,
		       "policy database \"%s\" is empty (0 bytes): it was cut short or damaged; "
		       "remove it to start with empty stores",
		       path);
}

/* SQL ipp_fold(TEXT): the text in lower case, Unicode's (ipp_utf8_fold()). */
static void fold_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	size_t n;
	char *out;

	(void)argc;
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	n = 2 * strlen(s) + 1;
	if (!(out = sqlite3_malloc64(n))) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	ipp_utf8_fold(s, out, n);
	sqlite3_result_text(ctx, out, -1, sqlite3_free);
}

/*
 * SQLite's URI for reading the file at @path as it is (immutable: no
 * write-ahead log, no locks), the path's bytes percent-encoded
 * (sqlite3_free()), or NULL.
 */
static char *immutable_uri(const char *path)
{
	static const char safe[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-";
	size_t n = strlen(path);
	char *uri = sqlite3_malloc64(3 * n + 32), *o;

	if (!uri)
		return NULL;
	/* (an absolute path after an empty authority: //host never read from it) */
	o = uri + sprintf(uri, path[0] == '/' ? "file://" : "file:");
	for (const char *p = path; *p; p++)
		o += strchr(safe, *p) ? sprintf(o, "%c", *p)
				      : sprintf(o, "%%%02X", (unsigned char)*p);
	strcpy(o, "?immutable=1");
	return uri;
}

/* The database's file and those SQLite keeps beside it: the names after its path. */
static const char *const db_files[] = {"", "-wal", "-shm", "-journal"};

/*
 * The database at @path, and the files SQLite keeps beside it, are regular
 * files when they exist: a FIFO would hold the open (a reader waits for a
 * writer that never comes), a device would read as garbage.
 */
static int check_kinds(const char *path, struct ipp_error *err)
{
	char buf[PATH_MAX];
	struct stat sb;

	for (size_t i = 0; i < sizeof(db_files) / sizeof(db_files[0]); i++) {
		if (snprintf(buf, sizeof(buf), "%s%s", path, db_files[i]) >= (int)sizeof(buf))
			return ipp_err(err, ENAMETOOLONG, "policy database \"%s\": name too long",
				       path);
		if (stat(buf, &sb) == 0 && !S_ISREG(sb.st_mode))
			return i == 0 ? ipp_err(err, EINVAL,
						"policy database \"%s\" is %s: expected a regular "
						"file",
						path, ipp_file_kind(sb.st_mode))
				      : ipp_err(err, EINVAL,
						"policy database \"%s\": \"%s\" is %s: expected a "
						"regular file",
						path, buf, ipp_file_kind(sb.st_mode));
	}
	return 0;
}

bool ipp_db_absent(const char *path)
{
	char dir[PATH_MAX];
	struct stat sb;

	return lstat(path, &sb) < 0 && errno == ENOENT && !dangling_dir(path, dir, sizeof(dir));
}

int ipp_db_open(const char *path, unsigned flags, struct ipp_db **ret, struct ipp_error *err)
{
	bool ro = flags & IPP_DB_READONLY;
	struct statvfs vfs;
	struct ipp_db *db;
	struct stat sb;
	int rc, r, held = -1;

	if (!path || !*path)
		return ipp_err(err, EINVAL, "policy database: empty path");
	if (ro && stat(path, &sb) < 0) {
		/* a link to a file that is gone (an unmounted file system?) is not "no
		 * database yet": what it held cannot be read */
		int e = errno;

		if (e == ENOENT && (r = link_to_nothing(path, err)) < 0)
			return r;
		return ipp_err(err, e, "policy database \"%s\": %s", path, strerror(e));
	}
	if ((r = check_kinds(path, err)) < 0)
		return r;
	if (!ro && (r = claim_file(path, &held, err)) < 0)
		return r;
	db = calloc(1, sizeof(*db));
	if (!db) {
		if (held >= 0)
			close(held);
		return -ENOMEM;
	}
	db->held = held;
	db->readonly = ro;
	db->path = strdup(path);
	if (!db->path) {
		ipp_db_close(db);
		return -ENOMEM;
	}
	/* on a read-only file system nothing can change the file, and SQLite has to be told
	 * so to read a WAL database there without its -shm file */
	if (ro && statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		char *uri = immutable_uri(path);

		if (!uri) {
			r = -ENOMEM;
			goto fail;
		}
		rc = sqlite3_open_v2(uri, &db->h,
				     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
				     NULL);
		sqlite3_free(uri);
	} else {
		rc = sqlite3_open_v2(
		    path, &db->h,
		    (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
			SQLITE_OPEN_NOMUTEX,
		    NULL);
	}
	if (rc != SQLITE_OK) {
		int sys = db->h ? sqlite3_system_errno(db->h) : 0;

		r = ipp_err(err, sys ? sys : rc_errno(rc), "policy database \"%s\": cannot open: %s",
			    path, sys ? strerror(sys) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	/* names that differ only in case are one, in every script (db_name_fold()) */
	rc = sqlite3_create_function(db->h, "ipp_fold", 1,
				     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				     fold_fn, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = db_fail(db, rc, err, "registering a function");
		goto fail;
	}
	sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
	r = db_exec(db, "PRAGMA foreign_keys = ON", err, "enabling foreign keys");
	if (r < 0)
		goto fail;
	/* a page cache that holds a big store (64 MiB at most, taken as pages are read):
	 * with the default 2 MiB, loading 100,000 filters reads every page 20 times */
	r = db_exec(db, "PRAGMA cache_size = -65536", err, "setting the page cache size");
	if (r < 0)
		goto fail;
	if (ro) {
		r = check_readonly(db, err);
		if (r < 0)
			goto fail;
	} else {
		int64_t dummy;

		/* the first read tells a corrupt file from a good one */
		r = db_query_int(db, "PRAGMA user_version", &dummy, err);
		if (r < 0)
			goto fail;
		r = set_wal(db, err);
		if (r < 0)
			goto fail;
		r = db_exec(db, "PRAGMA synchronous = NORMAL", err, "setting synchronous mode");
		if (r < 0)
			goto fail;
		r = migrate(db, err);
		if (r < 0)
			goto fail;
	}
	if (held >= 0)
		(void)flock(held, LOCK_UN); /* the schema is in: others may open the file now */
	*ret = db;
	return 0;
fail:
	if (held >= 0) {
		/* a database this call made and could not finish (a full disk): gone again,
		 * as it was (what is left of it would be refused as another program's) */
		char buf[PATH_MAX];

		for (size_t i = 0; i < sizeof(db_files) / sizeof(db_files[0]); i++)
			if (snprintf(buf, sizeof(buf), "%s%s", path, db_files[i]) <
			    (int)sizeof(buf))
				(void)unlink(buf);
	}
	ipp_db_close(db);
	return r;
}

void ipp_db_close(struct ipp_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->ncache; i++)
		sqlite3_finalize(db->cache[i].st);
	if (db->h) {
		if (db->depth > 0)
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close_v2(db->h);
	}
	if (db->held >= 0)
		close(db->held);
	free(db->path);
	free(db);
}

/* ---------- transactions ---------- */

static const char sql_bump[] = "UPDATE meta SET value = value + 1 WHERE key = 'generation'";
/* (a database made before it had one gets its identity at its first change) */
static const char sql_identity[] =
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('identity', abs(random() >> 1) + 1)";
/* each change its own nonce: a copy changed elsewhere is told from the file it left */
static const char sql_nonce[] =
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('nonce', abs(random() >> 1) + 1)";
/* ... and the journal's last entry of the commit names it: a reader holding the state at that
 * entry tells its own history from a copy's (ipp_db_journal_since()) */
static const char sql_mark[] = "INSERT INTO journal (what, filter_id) VALUES (5, (SELECT value "
			       "FROM meta WHERE key = 'nonce'))";

int ipp_db_begin(struct ipp_db *db, struct ipp_error *err)
{
	char sql[64];
	int r;

	if (db->depth == 0) {
		r = db_exec(db, db->readonly ? "BEGIN" : "BEGIN IMMEDIATE", err,
			    "starting a transaction");
		if (r < 0)
			return r;
		db->dirty = false;
	} else {
		snprintf(sql, sizeof(sql), "SAVEPOINT ipp%d", db->depth);
		r = db_exec(db, sql, err, "starting a nested transaction");
		if (r < 0)
			return r;
	}
	db->depth++;
	return 0;
}

int ipp_db_commit(struct ipp_db *db, struct ipp_error *err)
{
	sqlite3_stmt *st;
	char sql[64];
	int r;

	if (db->depth <= 0)
		return ipp_err(err, EINVAL, "policy database \"%s\": commit without a transaction",
			       db->path);
	if (db->depth > 1) {
		snprintf(sql, sizeof(sql), "RELEASE ipp%d", db->depth - 1);
		r = db_exec(db, sql, err, "committing a nested transaction");
		if (r < 0)
			return r;
		db->depth--;
		return 0;
	}
	if (db->dirty) {
		r = db_prep(db, sql_bump, &st, err);
		if (r == 0)
			r = db_exec_stmt(db, st, err, "counting the change");
		if (r == 0 && (r = db_prep(db, sql_identity, &st, err)) == 0)
			r = db_exec_stmt(db, st, err, "giving the database its identity");
		if (r == 0 && (r = db_prep(db, sql_nonce, &st, err)) == 0)
			r = db_exec_stmt(db, st, err, "marking the change");
		if (r == 0 && !db->no_journal && (r = db_prep(db, sql_mark, &st, err)) == 0)
			r = db_exec_stmt(db, st, err, "marking the change in the journal");
		if (r < 0) {
			ipp_db_rollback(db);
			return r;
		}
	}
	r = db_exec(db, "COMMIT", err, "committing");
	if (r < 0) {
		ipp_db_rollback(db);
		return r;
	}
	db->depth = 0;
	db->dirty = false;
	return 0;
}

void ipp_db_rollback(struct ipp_db *db)
{
	char sql[96];

	if (!db || db->depth <= 0)
		return;
	if (db->depth > 1) {
		snprintf(sql, sizeof(sql), "ROLLBACK TO ipp%d; RELEASE ipp%d", db->depth - 1,
			 db->depth - 1);
		if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) == SQLITE_OK) {
			db->depth--;
			return;
		}
		/* the savepoint is gone (SQLite rolled everything back): end it all */
	}
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	db->depth = 0;
	db->dirty = false;
}

int ipp_db_tx_depth(const struct ipp_db *db)
{
	return db->depth;
}

int db_wbegin(struct ipp_db *db, struct ipp_error *err)
{
	int r;

	if (db->readonly)
		return ipp_err(err, EROFS, "policy database \"%s\" is open read-only", db->path);
	r = ipp_db_begin(db, err);
	if (r < 0)
		return r;
	db->dirty = true;
	return 0;
}

int db_wend(struct ipp_db *db, int r, struct ipp_error *err)
{
	if (r < 0) {
		ipp_db_rollback(db);
		return r;
	}
	return ipp_db_commit(db, err);
}

static int64_t data_version(struct ipp_db *db)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t ipp_db_data_version(struct ipp_db *db)
{
	return data_version(db);
}

bool db_intact_known(struct ipp_db *db)
{
	int64_t version = data_version(db);

	return db->intact && version >= 0 && version == db->intact_version;
}

void db_set_intact(struct ipp_db *db)
{
	db->intact = true;
	db->intact_version = data_version(db);
}

/*
 * The store (enum ipp_store_loc) row @rowid of @table belongs to, through the
 * parents it still has; 0 when none tells (its own parent is the one gone).
 */
static int row_store(struct ipp_db *db, const char *table, int64_t rowid)
{
	static const struct {
		const char *table, *sql;
	} q[] = {
	    {"rule", "SELECT p.store FROM rule r JOIN policy p ON p.id = r.policy_id "
		     "WHERE r.rowid = ?"},
	    {"filter", "SELECT l.store FROM filter f JOIN filterlist l ON l.id = f.filterlist_id "
		       "WHERE f.rowid = ?"},
	};
	sqlite3_stmt *st = NULL;
	int loc = 0;

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (strcmp(table, q[i].table))
			continue;
		if (sqlite3_prepare_v2(db->h, q[i].sql, -1, &st, NULL) != SQLITE_OK)
			break;
		sqlite3_bind_int64(st, 1, rowid);
		if (sqlite3_step(st) == SQLITE_ROW)
			loc = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	return loc >= IPP_STORE_LOCAL && loc <= IPP_STORE_DOMAIN ? loc : 0;
}

/* The largest file ipp_db_file_identity() reads whole. */
#define IPP_DB_IMAGE_MAX ((sqlite3_int64)1 << 30)

int64_t ipp_db_file_identity(const struct ipp_db *db)
{
	/* (the file's bytes read through the connection's own handle and handed to an
	 * in-memory connection: a descriptor of its own opened on the file and closed,
	 * SQLite's or ours, would drop the POSIX locks this process holds on it, and
	 * another program's SQLite could then take the log and its index from under the
	 * connection) */
	sqlite3_file *fp = NULL;
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	unsigned char *img;
	sqlite3_int64 size = 0;
	int64_t id = 0;

	if (!db->h ||
	    sqlite3_file_control(db->h, "main", SQLITE_FCNTL_FILE_POINTER, &fp) != SQLITE_OK ||
	    !fp || !fp->pMethods || fp->pMethods->xFileSize(fp, &size) != SQLITE_OK || size < 100 ||
	    size > IPP_DB_IMAGE_MAX || !(img = sqlite3_malloc64((sqlite3_uint64)size)))
		return 0;
	if (fp->pMethods->xRead(fp, img, (int)size, 0) != SQLITE_OK) {
		sqlite3_free(img);
		return 0;
	}
	/* (read as a file without a log: the header's "write-ahead log" versions, 2, as 1) */
	img[18] = img[18] == 2 ? 1 : img[18];
	img[19] = img[19] == 2 ? 1 : img[19];
	if (sqlite3_open_v2(":memory:", &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close_v2(h);
		sqlite3_free(img);
		return 0;
	}
	/* (the image is SQLite's from here, freed with the connection or by a failure) */
	if (sqlite3_deserialize(h, "main", img, size, size,
				SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) !=
	    SQLITE_OK) {
		sqlite3_close_v2(h);
		return 0;
	}
	if (sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = 'identity'", -1, &st, NULL) ==
		SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close_v2(h);
	return id;
}

int db_check_intact(struct ipp_db *db, struct ipp_error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t version = data_version(db);
	char what[256] = "";
	int rc;

	db->dangling_loc = 0;
	if (db->intact && version >= 0 && version == db->intact_version)
		return 0;
	rc = sqlite3_prepare_v2(db->h, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			db_col_text(st, 0, what, sizeof(what));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, rc, err, "checking the database");
	if (strcmp(what, "ok") != 0) {
		/* (SQLite's report is lines: one line here, for logs and replies) */
		for (char *p = what; (p = strchr(p, '\n'));)
			*p = ' ';
		/* a page SQLite could not read for want of memory (SQLITE_NOMEM): the
		 * file is not damaged */
		if (strstr(what, "error code=7"))
			return ipp_err(err, ENOMEM,
				       "out of memory checking the policy database \"%s\" (%s)",
				       db->path, what);
		db->intact = false;
		return ipp_err(err, EBADMSG,
			       "policy database \"%s\" is damaged (%s): restore it from a backup "
			       "(exportpolicy) or recreate it",
			       db->path, what);
	}
	/* rows that name an object that is not there: written past the foreign keys (by
	 * hand, or by damage the check above cannot see); a filter whose list is gone is
	 * in no policy, and its rule loses a block without a word */
	rc = sqlite3_prepare_v2(db->h, "PRAGMA foreign_key_check", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		char table[64], parent[64];
		long long row = sqlite3_column_int64(st, 1);
		bool has_row = sqlite3_column_type(st, 1) != SQLITE_NULL;
		int loc;

		db_col_text(st, 0, table, sizeof(table));
		db_col_text(st, 2, parent, sizeof(parent));
		sqlite3_finalize(st);
		db->intact = false;
		/* a row of one store (a rule of a local policy naming a list that is gone):
		 * that store's damage, as a bad value of its rows is, not the whole file's */
		loc = has_row ? row_store(db, table, row) : 0;
		db->dangling_loc = loc;
		if (loc)
			return ipp_err(err, EUCLEAN,
				       "policy database \"%s\": the %s store: row %lld of table %s "
				       "names a %s that is not there (another program's doing): "
				       "repair or delete it with commands, or restore the file",
				       db->path, ipp_store_name((enum ipp_store_loc)loc), row,
				       table, parent);
		return ipp_err(err, EBADMSG,
			       "policy database \"%s\" is damaged (row %lld of table %s names a %s "
			       "that is not there): restore it from a backup (exportpolicy) or "
			       "recreate it",
			       db->path, row, table, parent);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, err, "checking the database's references");
	db->intact = true;
	db->intact_version = version;
	return 0;
}

int db_rbegin(struct ipp_db *db, struct ipp_error *err)
{
	int r;

	if (db->depth > 0)
		return 0;
	r = db_exec(db, "BEGIN", err, "starting a read transaction");
	return r;
}

void db_rend(struct ipp_db *db)
{
	if (db->depth > 0)
		return;
	sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
}

int ipp_db_generation(struct ipp_db *db, uint64_t *ret, struct ipp_error *err)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = 'generation'";
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	r = db_step(db, st, err, "reading the generation");
	if (r < 0)
		return r;
	if (r == 0)
		return ipp_err(err, EBADMSG,
			       "policy database \"%s\" is damaged: its generation counter (table "
			       "\"meta\") is gone: %s",
			       db->path, IPP_DB_DAMAGED_ADVICE);
	*ret = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int ipp_db_meta(struct ipp_db *db, const char *key, int64_t *ret, struct ipp_error *err)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = ?";
	sqlite3_stmt *st;
	int r;

	*ret = 0;
	if ((r = db_prep(db, sql, &st, err)) < 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((r = db_step(db, st, err, "reading the database's meta")) <= 0) {
		sqlite3_reset(st);
		return r;
	}
	/* (a value that is no integer, written by another program: none) */
	if (sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int ipp_db_identity(struct ipp_db *db, int64_t *ret, struct ipp_error *err)
{
	return ipp_db_meta(db, "identity", ret, err);
}

/* ---------- the journal ---------- */

int ipp_db_journal_seq(struct ipp_db *db, uint64_t *ret, struct ipp_error *err)
{
	int64_t v = 0;
	int r;

	*ret = 0;
	if (db->no_journal)
		return 0;
	r = db_query_int(db, "SELECT coalesce(max(seq), 0) FROM journal", &v, err);
	if (r == 0)
		*ret = (uint64_t)v;
	return r;
}

int ipp_db_stamp(struct ipp_db *db, struct ipp_db_stamp *ret, struct ipp_error *err)
{
	int r;

	ret->journaled = !db->no_journal;
	ret->last = 0;
	if (!db->no_journal) {
		static const char sql[] = "SELECT what, coalesce(filter_id, 0), "
					  "coalesce(filterlist_id, 0) FROM journal ORDER BY seq "
					  "DESC LIMIT 1";
		sqlite3_stmt *st;

		if ((r = db_prep(db, sql, &st, err)) < 0)
			return r;
		if ((r = db_step(db, st, err, "reading the journal")) > 0)
			ret->last = ((uint64_t)sqlite3_column_int64(st, 0) * 0x9E3779B97F4A7C15u) ^
				    ((uint64_t)sqlite3_column_int64(st, 1) * 0xC2B2AE3D27D4EB4Fu) ^
				    ((uint64_t)sqlite3_column_int64(st, 2) * 0x165667B19E3779F9u);
		sqlite3_reset(st);
		if (r < 0)
			return r;
	}
	if ((r = ipp_db_journal_seq(db, &ret->journal, err)) < 0 ||
	    (r = db_query_int(db, "PRAGMA user_version", &ret->version, err)) < 0)
		return r;
	return db_query_int(db, "PRAGMA schema_version", &ret->schema, err);
}

int ipp_db_verify(struct ipp_db *db, struct ipp_error *err)
{
	int r;

	if (db->depth > 0)
		return db_check_intact(db, err);
	if ((r = db_rbegin(db, err)) < 0)
		return r;
	r = db_check_intact(db, err);
	db_rend(db);
	return r;
}

int ipp_db_look(struct ipp_db *db, struct ipp_db_look *ret, struct ipp_error *err)
{
	int r;

	if ((r = db_rbegin(db, err)) < 0)
		return r;
	if ((r = ipp_db_generation(db, &ret->generation, err)) == 0 &&
	    (r = ipp_db_identity(db, &ret->identity, err)) == 0 &&
	    (r = ipp_db_meta(db, "nonce", &ret->nonce, err)) == 0 &&
	    (r = ipp_db_stamp(db, &ret->stamp, err)) == 0)
		ret->data_version = data_version(db);
	db_rend(db);
	return r;
}

static int journal_read(struct ipp_db *db, uint64_t after, bool checked, int64_t nonce,
			struct ipp_journal_entry **ret, size_t *ret_n, uint64_t *last,
			struct ipp_error *err)
{
	static const char sql[] =
	    "SELECT seq, what, coalesce(filter_id, 0), "
	    "coalesce(filterlist_id, 0) FROM journal WHERE seq >= ? ORDER BY seq";
	struct ipp_journal_entry *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t prev = after;
	unsigned seen = 0;
	sqlite3_stmt *st;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (last)
		*last = after;
	if (db->no_journal)
		return ipp_err(err, ESTALE, "policy database \"%s\" has no journal (schema 1)",
			       db->path);
	/* (a state read where no change had marked the journal yet: nothing ties the entries
	 * to it) */
	if (checked && (!nonce || !after))
		return ipp_err(err, ESTALE, "the change in force left no mark in the journal");
	r = db_rbegin(db, err);
	if (r < 0)
		return r;
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
	while ((r = db_step(db, st, err, "reading the journal")) > 0) {
		struct ipp_journal_entry e;

		e.seq = (uint64_t)sqlite3_column_int64(st, 0);
		e.what = (enum ipp_journal_what)sqlite3_column_int(st, 1);
		e.filter_id = sqlite3_column_int64(st, 2);
		e.filterlist_id = sqlite3_column_int64(st, 3);
		if (checked && !seen++ && e.seq != after) {
			sqlite3_reset(st);
			r = ipp_err(err, ESTALE, "journal entry %llu is gone",
				    (unsigned long long)after);
			break;
		}
		if (e.seq == after) {
			/* the entry the reader's state was read at */
			if (checked && (e.what != IPP_JOURNAL_MARK || e.filter_id != nonce)) {
				sqlite3_reset(st);
				r = ipp_err(err, ESTALE,
					    "journal entry %llu is not the change in force",
					    (unsigned long long)after);
				break;
			}
			continue;
		}
		/* each entry must follow the one before: otherwise some were pruned */
		if (e.seq != prev + 1) {
			sqlite3_reset(st);
			r = ipp_err(err, ESTALE, "journal entries after %llu were pruned",
				    (unsigned long long)after);
			break;
		}
		prev = e.seq;
		if (last)
			*last = e.seq;
		if (e.what == IPP_JOURNAL_MARK)
			continue;
		if (ipp_grow((void **)&v, &cap, n + 1, sizeof(*v)) < 0) {
			sqlite3_reset(st);
			r = ipp_err(err, ENOMEM, "out of memory");
			break;
		}
		v[n++] = e;
	}
	if (r == 0 && checked && !seen)
		r = ipp_err(err, ESTALE, "journal entry %llu is gone", (unsigned long long)after);
out:
	db_rend(db);
	if (r < 0) {
		free(v);
		if (last)
			*last = after;
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int ipp_db_journal_since(struct ipp_db *db, uint64_t after, int64_t nonce,
			 struct ipp_journal_entry **ret, size_t *ret_n, uint64_t *last,
			 struct ipp_error *err)
{
	return journal_read(db, after, true, nonce, ret, ret_n, last, err);
}

int ipp_db_journal_read(struct ipp_db *db, uint64_t after, struct ipp_journal_entry **ret,
			size_t *ret_n, struct ipp_error *err)
{
	return journal_read(db, after, false, 0, ret, ret_n, NULL, err);
}

int ipp_db_filter_pos(struct ipp_db *db, int64_t list_id, int64_t id, uint32_t *ret,
		      struct ipp_error *err)
{
	static const char sql[] = "SELECT count(*) FROM filter WHERE filterlist_id = ? AND id < ?";
	sqlite3_stmt *st;
	int r;

	r = db_prep(db, sql, &st, err);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, list_id);
	sqlite3_bind_int64(st, 2, id);
	r = db_step(db, st, err, "counting filters");
	if (r < 0)
		return r;
	*ret = r > 0 ? (uint32_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return 0;
}

int ipp_db_filter_get(struct ipp_db *db, int64_t id, struct ipp_filter *ret, int64_t *list_id,
		      uint32_t *pos, struct ipp_error *err)
{
	static const char sql[] = "SELECT " DB_FILTER_COLS " FROM filter f WHERE f.id = ?";
	sqlite3_stmt *st;
	int r;

	r = db_rbegin(db, err);
	if (r < 0)
		return r;
	r = db_prep(db, sql, &st, err);
	if (r < 0)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	r = db_step(db, st, err, "reading a filter");
	if (r == 0)
		r = ipp_err(err, ENOENT, "filter %lld not found", (long long)id);
	if (r < 0)
		goto out;
	*list_id = sqlite3_column_int64(st, 1); /* f.filterlist_id */
	r = db_row_filter(db, st, ret, err);
	sqlite3_reset(st);
	if (r == 0 && (r = ipp_db_filter_pos(db, *list_id, id, pos, err)) < 0)
		ipp_filter_clear(ret);
out:
	db_rend(db);
	return r;
}
