/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of src/store against real SQLite databases in a temporary
 * directory: CRUD, names, assignment, references, transactions, schema
 * versions, corrupt files, export/import, concurrent writers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "common/utf8.h"
#include "store/store.h"

struct fx {
	char dir[256];
	char path[320];
	struct ipp_db *db;
};

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct ipp_error err = {0};
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/ipp-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/policy.db", fx->dir);
	if (ipp_db_open(fx->path, 0, &fx->db, &err) < 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	struct dirent *de;
	DIR *d;

	ipp_db_close(fx->db);
	d = opendir(fx->dir);
	while (d && (de = readdir(d))) {
		char p[600];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", fx->dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

#define OK(expr)                                                                                   \
	do {                                                                                       \
		struct ipp_error e_ = {0};                                                         \
		int r_ = (expr);                                                                   \
		(void)e_;                                                                          \
		if (r_ < 0)                                                                        \
			fail_msg("%s = %d", #expr, r_);                                            \
	} while (0)

/* Expect @r == -code and @needle in err.msg. */
static void expect_err(int r, int code, const struct ipp_error *err, const char *needle)
{
	if (r != -code)
		fail_msg("got %d, expected %d (%s)", r, -code, err->msg);
	if (needle && !strstr(err->msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, needle);
}

static struct ipp_addr A(const char *s)
{
	struct ipp_addr a;

	if (ipp_addr_parse_cidr(s, &a, NULL) < 0)
		fail_msg("bad address %s", s);
	return a;
}

static int64_t mk_list(struct ipp_db *db, enum ipp_store_loc loc, const char *name)
{
	struct ipp_error err = {0};
	struct ipp_filterlist l;

	ipp_filterlist_init(&l);
	snprintf(l.name, sizeof(l.name), "%s", name);
	if (ipp_db_filterlist_add(db, loc, &l, &err) < 0)
		fail_msg("filterlist_add %s: %s", name, err.msg);
	return l.id;
}

static int add_filter(struct ipp_db *db, int64_t list, const char *src, const char *dst,
		      uint8_t proto, uint16_t sport, uint16_t dport, bool mirrored,
		      struct ipp_error *err)
{
	struct ipp_filter f;

	ipp_filter_init(&f);
	f.src = A(src);
	f.dst = A(dst);
	f.protocol = proto;
	f.srcport = sport;
	f.dstport = dport;
	f.mirrored = mirrored;
	return ipp_db_filter_add(db, list, &f, err);
}

static int64_t mk_action(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
			 enum ipp_action action)
{
	struct ipp_error err = {0};
	struct ipp_filteraction a;

	ipp_filteraction_init(&a);
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.action = action;
	if (ipp_db_filteraction_add(db, loc, &a, &err) < 0)
		fail_msg("filteraction_add %s: %s", name, err.msg);
	return a.id;
}

static int64_t mk_policy(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
			 bool assigned)
{
	struct ipp_error err = {0};
	struct ipp_policy p;

	ipp_policy_init(&p);
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.assigned = assigned;
	if (ipp_db_policy_add(db, loc, &p, &err) < 0)
		fail_msg("policy_add %s: %s", name, err.msg);
	assert_true(ipp_guid_parse(p.guid, NULL));
	assert_true(p.modified > 0);
	assert_true(p.defaultrule.id > 0);
	return p.id;
}

static int add_rule(struct ipp_db *db, int64_t policy, const char *name, int64_t list,
		    int64_t action, struct ipp_rule *ret, struct ipp_error *err)
{
	struct ipp_rule r;
	int x;

	ipp_rule_init(&r);
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.policy_id = policy;
	r.filterlist_id = list;
	r.filteraction_id = action;
	x = ipp_db_rule_add(db, &r, err);
	if (ret)
		*ret = r;
	return x;
}

static struct ipp_snapshot *load(struct ipp_db *db, enum ipp_store_loc loc)
{
	struct ipp_error err = {0};
	struct ipp_snapshot *s = NULL;

	if (ipp_db_load(db, loc, &s, &err) < 0)
		fail_msg("load: %s", err.msg);
	return s;
}

static uint64_t generation(struct ipp_db *db)
{
	uint64_t g = 0;

	OK(ipp_db_generation(db, &g, NULL));
	return g;
}

/* ---------- CRUD ---------- */

static void test_crud(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_policy p;
	struct ipp_filterlist l;
	struct ipp_filteraction a;
	struct ipp_rule r, r2;
	struct ipp_filter *fv;
	size_t n;
	int64_t list, act, pol;

	list = mk_list(fx->db, IPP_STORE_LOCAL, "Web servers");
	OK(add_filter(fx->db, list, "me", "any", 6, 0, 80, true, &err));
	OK(add_filter(fx->db, list, "me", "10.0.0.0/8", 6, 0, 443, true, &err));
	OK(add_filter(fx->db, list, "2001:db8::/64", "me", 17, 0, 53, false, &err));
	act = mk_action(fx->db, IPP_STORE_LOCAL, "Block", IPP_ACTION_BLOCK);
	pol = mk_policy(fx->db, IPP_STORE_LOCAL, "Block80", false);
	OK(add_rule(fx->db, pol, "Web", list, act, &r, &err));
	assert_int_equal(r.number, 1);
	assert_true(ipp_guid_parse(r.guid, NULL));
	OK(add_rule(fx->db, pol, "Web2", list, act, &r2, &err));
	assert_int_equal(r2.number, 2);

	/* find, case-insensitive, and by GUID */
	OK(ipp_db_policy_find(fx->db, IPP_STORE_LOCAL, "BLOCK80", NULL, &p, &err));
	assert_int_equal(p.id, pol);
	assert_string_equal(p.name, "Block80");
	assert_int_equal(p.mmlifetime, 480);
	assert_int_equal(p.defaultrule.number, 0);
	assert_int_equal(p.defaultrule.nauth, 1);
	assert_int_equal(p.defaultrule.auth[0].kind, IPP_AUTH_KERBEROS);
	{
		struct ipp_policy q;
		char lower[IPP_GUID_STRLEN];

		for (size_t i = 0; i < sizeof(lower); i++)
			lower[i] = (char)((p.guid[i] >= 'A' && p.guid[i] <= 'F') ? p.guid[i] + 32
										 : p.guid[i]);
		OK(ipp_db_policy_find(fx->db, IPP_STORE_LOCAL, NULL, lower, &q, &err));
		assert_int_equal(q.id, pol);
		ipp_policy_clear(&q);
	}
	expect_err(ipp_db_policy_find(fx->db, IPP_STORE_PERSISTENT, "Block80", NULL, &p, &err),
		   ENOENT, &err, "policy \"Block80\" not found in the persistent store");
	expect_err(ipp_db_policy_find(fx->db, IPP_STORE_LOCAL, NULL, "nope", &p, &err), EINVAL,
		   &err, "\"nope\" is not a GUID");
	OK(ipp_db_filterlist_find(fx->db, IPP_STORE_LOCAL, "web SERVERS", NULL, &l, &err));
	assert_int_equal(l.id, list);
	assert_int_equal(l.nfilters, 0); /* no children */
	OK(ipp_db_filteraction_find(fx->db, IPP_STORE_LOCAL, "block", NULL, &a, &err));
	assert_int_equal(a.action, IPP_ACTION_BLOCK);
	OK(ipp_db_rule_find(fx->db, pol, "WEB", 0, &r, &err));
	assert_int_equal(r.number, 1);
	assert_int_equal(r.filterlist_id, list);
	OK(ipp_db_rule_find(fx->db, pol, NULL, 2, &r, &err));
	assert_string_equal(r.name, "Web2");
	OK(ipp_db_rule_find(fx->db, pol, NULL, 0, &r, &err)); /* the default rule */
	assert_int_equal(r.number, 0);
	expect_err(ipp_db_rule_find(fx->db, pol, NULL, 9, &r, &err), ENOENT, &err, "rule 9");

	/* filters in creation order */
	OK(ipp_db_filter_list(fx->db, list, &fv, &n, &err));
	assert_int_equal(n, 3);
	assert_int_equal(fv[0].dstport, 80);
	assert_int_equal(fv[1].dstport, 443);
	assert_int_equal(fv[2].src.family, AF_INET6);
	assert_int_equal(fv[2].src.plen, 64);
	assert_false(fv[2].mirrored);
	for (size_t i = 0; i < n; i++)
		ipp_filter_clear(&fv[i]);
	free(fv);

	/* updates */
	strcpy(p.description, "blocks port 80");
	p.mmlifetime = 60;
	p.activatedefaultrule = p.defaultrule.activate = false; /* one setting */
	p.defaultrule.auth[1].kind = IPP_AUTH_PSK;
	strcpy(p.defaultrule.auth[1].value, "k3y");
	p.defaultrule.nauth = 2;
	OK(ipp_db_policy_update(fx->db, IPP_STORE_LOCAL, &p, &err));
	ipp_policy_clear(&p);
	OK(ipp_db_policy_find(fx->db, IPP_STORE_LOCAL, "block80", NULL, &p, &err));
	assert_string_equal(p.description, "blocks port 80");
	assert_int_equal(p.mmlifetime, 60);
	assert_false(p.defaultrule.activate);
	assert_int_equal(p.defaultrule.nauth, 2);
	assert_string_equal(p.defaultrule.auth[1].value, "k3y");
	p.defaultrule.auth[2] = p.defaultrule.auth[1];
	p.defaultrule.nauth = 3;
	expect_err(ipp_db_policy_update(fx->db, IPP_STORE_LOCAL, &p, &err), EINVAL, &err,
		   "authentication: psk given twice");
	p.defaultrule.nauth = 2;
	p.mmlifetime = 1;
	expect_err(ipp_db_policy_update(fx->db, IPP_STORE_LOCAL, &p, &err), EINVAL, &err,
		   "mmlifetime");

	strcpy(l.name, "Web farm");
	OK(ipp_db_filterlist_update(fx->db, &l, &err));
	OK(ipp_db_filterlist_find(fx->db, IPP_STORE_LOCAL, "web farm", NULL, &l, &err));
	a.action = IPP_ACTION_PERMIT;
	a.soft = true;
	OK(ipp_db_filteraction_update(fx->db, &a, &err));
	OK(ipp_db_filteraction_find(fx->db, IPP_STORE_LOCAL, "Block", NULL, &a, &err));
	assert_int_equal(a.action, IPP_ACTION_PERMIT);
	assert_true(a.soft);

	r.id = r2.id;
	r = r2;
	r.conntype = IPP_CONN_LAN;
	strcpy(r.name, "Renamed");
	OK(ipp_db_rule_update(fx->db, &r, &err));
	OK(ipp_db_rule_find(fx->db, pol, "renamed", 0, &r, &err));
	assert_int_equal(r.conntype, IPP_CONN_LAN);
	assert_int_equal(r.number, 2);
	strcpy(r.name, "web");
	expect_err(ipp_db_rule_update(fx->db, &r, &err), EEXIST, &err,
		   "rule \"web\" already exists");

	/* deletes */
	OK(ipp_db_rule_delete(fx->db, r.id, &err));
	expect_err(ipp_db_rule_delete(fx->db, r.id, &err), ENOENT, &err, "not found");
	expect_err(ipp_db_rule_delete(fx->db, p.defaultrule.id, &err), EPERM, &err,
		   "default response rule of policy \"Block80\" cannot be deleted");
	OK(ipp_db_policy_delete(fx->db, pol, &err));
	expect_err(ipp_db_policy_delete(fx->db, pol, &err), ENOENT, &err, "not found");
	OK(ipp_db_filterlist_delete(fx->db, list, &err));
	OK(ipp_db_filteraction_delete(fx->db, act, &err));
	{
		struct ipp_snapshot *s = load(fx->db, IPP_STORE_LOCAL);

		assert_int_equal(s->npolicies + s->nfilterlists + s->nfilteractions, 0);
		ipp_snapshot_free(s);
	}
	ipp_policy_clear(&p);
}

static void test_names_case_insensitive(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_policy p;
	struct ipp_filterlist l;
	struct ipp_filteraction a;
	int64_t pol, list, act;

	pol = mk_policy(fx->db, IPP_STORE_LOCAL, "Block80", false);
	ipp_policy_init(&p);
	strcpy(p.name, "BLOCK80");
	expect_err(ipp_db_policy_add(fx->db, IPP_STORE_LOCAL, &p, &err), EEXIST, &err,
		   "policy \"BLOCK80\" already exists in the local store");
	assert_int_equal(p.id, 0); /* untouched */
	/* another store has its own names */
	mk_policy(fx->db, IPP_STORE_PERSISTENT, "block80", false);

	list = mk_list(fx->db, IPP_STORE_LOCAL, "Servers");
	ipp_filterlist_init(&l);
	strcpy(l.name, "servers");
	expect_err(ipp_db_filterlist_add(fx->db, IPP_STORE_LOCAL, &l, &err), EEXIST, &err,
		   "filter list \"servers\" already exists");
	mk_list(fx->db, IPP_STORE_LOCAL, "Other");
	OK(ipp_db_filterlist_find(fx->db, IPP_STORE_LOCAL, "other", NULL, &l, &err));
	strcpy(l.name, "SERVERS");
	expect_err(ipp_db_filterlist_update(fx->db, &l, &err), EEXIST, &err, "already exists");

	act = mk_action(fx->db, IPP_STORE_LOCAL, "Permit", IPP_ACTION_PERMIT);
	ipp_filteraction_init(&a);
	strcpy(a.name, "PERMIT");
	expect_err(ipp_db_filteraction_add(fx->db, IPP_STORE_LOCAL, &a, &err), EEXIST, &err,
		   "filter action \"PERMIT\" already exists");

	OK(add_rule(fx->db, pol, "Rule One", list, act, NULL, &err));
	expect_err(add_rule(fx->db, pol, "rule ONE", list, act, NULL, &err), EEXIST, &err,
		   "rule \"rule ONE\" already exists");

	/* without case in every script, as Windows compares names */
	mk_policy(fx->db, IPP_STORE_LOCAL, "Политика é", false);
	ipp_policy_init(&p);
	strcpy(p.name, "ПОЛИТИКА É");
	expect_err(ipp_db_policy_add(fx->db, IPP_STORE_LOCAL, &p, &err), EEXIST, &err,
		   "policy \"ПОЛИТИКА É\" already exists in the local store");
	OK(ipp_db_policy_find(fx->db, IPP_STORE_LOCAL, "полиТИКА É", NULL, &p, &err));
	assert_string_equal(p.name, "Политика é");
	ipp_policy_clear(&p);
	mk_list(fx->db, IPP_STORE_LOCAL, "Ünïcode");
	OK(ipp_db_filterlist_find(fx->db, IPP_STORE_LOCAL, "ÜNÏCODE", NULL, &l, &err));
	strcpy(l.name, "Other");
	OK(ipp_db_filterlist_find(fx->db, IPP_STORE_LOCAL, "other", NULL, &l, &err));
	strcpy(l.name, "üNÏcode");
	expect_err(ipp_db_filterlist_update(fx->db, &l, &err), EEXIST, &err, "already exists");
	OK(add_rule(fx->db, pol, "Règle", list, act, NULL, &err));
	expect_err(add_rule(fx->db, pol, "RÈGLE", list, act, NULL, &err), EEXIST, &err,
		   "rule \"RÈGLE\" already exists");
	assert_int_equal(ipp_utf8_casecmp("Straße", "STRAẞE"), 0);

	/* reserved and empty names */
	ipp_policy_init(&p);
	strcpy(p.name, "All");
	expect_err(ipp_db_policy_add(fx->db, IPP_STORE_LOCAL, &p, &err), EINVAL, &err,
		   "reserved");
	/* GUIDs are unique per store too */
	OK(ipp_db_policy_find(fx->db, IPP_STORE_LOCAL, "block80", NULL, &p, &err));
	strcpy(p.name, "Copy");
	expect_err(ipp_db_policy_add(fx->db, IPP_STORE_LOCAL, &p, &err), EEXIST, &err, "GUID");
	ipp_policy_clear(&p);
}

static bool assigned(struct ipp_db *db, enum ipp_store_loc loc, const char *name)
{
	struct ipp_policy p;
	bool a;

	OK(ipp_db_policy_find(db, loc, name, NULL, &p, NULL));
	a = p.assigned;
	ipp_policy_clear(&p);
	return a;
}

static void test_assign(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_policy p;
	struct ipp_snapshot *s;
	int64_t p1, p2, p3;

	p1 = mk_policy(fx->db, IPP_STORE_LOCAL, "P1", true);
	mk_policy(fx->db, IPP_STORE_PERSISTENT, "Persist", true);
	assert_true(assigned(fx->db, IPP_STORE_LOCAL, "P1"));
	p2 = mk_policy(fx->db, IPP_STORE_LOCAL, "P2", true);
	assert_false(assigned(fx->db, IPP_STORE_LOCAL, "P1"));
	assert_true(assigned(fx->db, IPP_STORE_LOCAL, "P2"));
	p3 = mk_policy(fx->db, IPP_STORE_LOCAL, "P3", false);
	OK(ipp_db_assign(fx->db, IPP_STORE_LOCAL, p1, &err));
	assert_true(assigned(fx->db, IPP_STORE_LOCAL, "P1"));
	assert_false(assigned(fx->db, IPP_STORE_LOCAL, "P2"));
	/* set policy assign=yes through an update */
	OK(ipp_db_policy_find(fx->db, IPP_STORE_LOCAL, "P3", NULL, &p, &err));
	p.assigned = true;
	OK(ipp_db_policy_update(fx->db, IPP_STORE_LOCAL, &p, &err));
	ipp_policy_clear(&p);
	assert_false(assigned(fx->db, IPP_STORE_LOCAL, "P1"));
	assert_true(assigned(fx->db, IPP_STORE_LOCAL, "P3"));
	s = load(fx->db, IPP_STORE_LOCAL);
	assert_non_null(ipp_snapshot_assigned(s));
	assert_int_equal(ipp_snapshot_assigned(s)->id, p3);
	ipp_snapshot_free(s);
	/* the persistent store keeps its own */
	assert_true(assigned(fx->db, IPP_STORE_PERSISTENT, "Persist"));
	/* unassign all */
	OK(ipp_db_assign(fx->db, IPP_STORE_LOCAL, 0, &err));
	s = load(fx->db, IPP_STORE_LOCAL);
	assert_null(ipp_snapshot_assigned(s));
	ipp_snapshot_free(s);
	/* a policy of another store */
	expect_err(ipp_db_assign(fx->db, IPP_STORE_PERSISTENT, p2, &err), ENOENT, &err,
		   "not found in the persistent store");
	assert_true(assigned(fx->db, IPP_STORE_PERSISTENT, "Persist"));
}

static void test_references(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_rule r;
	int64_t pol, list, act, other;

	pol = mk_policy(fx->db, IPP_STORE_LOCAL, "Corp", false);
	list = mk_list(fx->db, IPP_STORE_LOCAL, "All IP");
	act = mk_action(fx->db, IPP_STORE_LOCAL, "Require", IPP_ACTION_NEGOTIATE);
	OK(add_filter(fx->db, list, "me", "any", 0, 0, 0, true, &err));
	OK(add_rule(fx->db, pol, "Secure all", list, act, &r, &err));
	expect_err(ipp_db_filterlist_delete(fx->db, list, &err), EBUSY, &err,
		   "filter list \"All IP\" is used by rule \"Secure all\" of policy \"Corp\"");
	expect_err(ipp_db_filteraction_delete(fx->db, act, &err), EBUSY, &err,
		   "filter action \"Require\" is used by rule \"Secure all\" of policy \"Corp\"");
	assert_null(strstr(err.msg, "other"));
	/* the others that use it are counted (all are to go first) */
	{
		int64_t pol2 = mk_policy(fx->db, IPP_STORE_LOCAL, "Branch", false);
		struct ipp_rule r2;

		OK(add_rule(fx->db, pol2, "Secure too", list, act, &r2, &err));
		expect_err(ipp_db_filterlist_delete(fx->db, list, &err), EBUSY, &err,
			   "filter list \"All IP\" is used by rule \"Secure too\" of policy "
			   "\"Branch\" and by 1 other rule");
		OK(ipp_db_policy_delete(fx->db, pol2, &err));
	}
	/* references across stores are refused */
	other = mk_list(fx->db, IPP_STORE_PERSISTENT, "Elsewhere");
	expect_err(add_rule(fx->db, pol, "Cross", other, act, NULL, &err), ENOENT, &err,
		   "not found in the local store");
	expect_err(add_rule(fx->db, pol, "Nothing", 0, act, NULL, &err), EINVAL, &err,
		   "needs a filter list");
	/* a tunnel rule refuses mirrored filters, both ways round */
	{
		struct ipp_rule t;

		ipp_rule_init(&t);
		strcpy(t.name, "Tunnel");
		t.policy_id = pol;
		t.filterlist_id = list;
		t.filteraction_id = act;
		t.has_tunnel = true;
		t.tunnel = A("192.0.2.1");
		expect_err(ipp_db_rule_add(fx->db, &t, &err), EINVAL, &err,
			   "filter list \"All IP\" has a mirrored filter (me -> any)");
		other = mk_list(fx->db, IPP_STORE_LOCAL, "Tunnel filters");
		OK(add_filter(fx->db, other, "10.1.0.0/16", "10.2.0.0/16", 0, 0, 0, false, &err));
		t.filterlist_id = other;
		OK(ipp_db_rule_add(fx->db, &t, &err));
		expect_err(add_filter(fx->db, other, "10.1.0.0/16", "10.3.0.0/16", 0, 0, 0, true,
				      &err),
			   EINVAL, &err, "must not be mirrored");
		OK(add_filter(fx->db, other, "10.1.0.0/16", "10.3.0.0/16", 0, 0, 0, false, &err));
	}
	/* once the rule is gone, the list and action can go */
	OK(ipp_db_rule_delete(fx->db, r.id, &err));
	OK(ipp_db_filterlist_delete(fx->db, list, &err));
	/* deleting a policy deletes its rules, not the lists and actions */
	OK(ipp_db_policy_delete(fx->db, pol, &err));
	OK(ipp_db_filteraction_delete(fx->db, act, &err));
	OK(ipp_db_filterlist_delete(fx->db, other, &err));
}

static void test_filter_duplicates(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_filter f;
	int64_t list = mk_list(fx->db, IPP_STORE_LOCAL, "L");

	OK(add_filter(fx->db, list, "10.0.0.0/24", "me", 6, 0, 80, true, &err));
	expect_err(add_filter(fx->db, list, "10.0.0.0/24", "me", 6, 0, 80, true, &err), EEXIST,
		   &err, "filter list \"L\" already has the filter 10.0.0.0/24 -> me protocol TCP");
	/* any difference of the tuple makes another filter */
	OK(add_filter(fx->db, list, "10.0.0.0/24", "me", 6, 0, 80, false, &err));
	OK(add_filter(fx->db, list, "10.0.0.0/25", "me", 6, 0, 80, true, &err));
	OK(add_filter(fx->db, list, "10.0.0.0/24", "me", 17, 0, 80, true, &err));
	/* the description does not count */
	ipp_filter_init(&f);
	f.src = A("10.0.0.0/24");
	f.dst = A("me");
	f.protocol = 6;
	f.dstport = 80;
	f.description = "another";
	expect_err(ipp_db_filter_add(fx->db, list, &f, &err), EEXIST, &err, "already has");
	assert_int_equal(f.id, 0);
	/* invalid filters never reach the table */
	expect_err(add_filter(fx->db, list, "me", "any", 1, 0, 80, true, &err), EINVAL, &err,
		   "filter list \"L\": dstport");
	expect_err(add_filter(fx->db, 12345, "me", "any", 0, 0, 0, true, &err), ENOENT, &err,
		   "filter list 12345 not found");
	/* delete one */
	{
		struct ipp_filter *fv;
		size_t n;

		OK(ipp_db_filter_list(fx->db, list, &fv, &n, &err));
		assert_int_equal(n, 4);
		OK(ipp_db_filter_delete(fx->db, fv[0].id, &err));
		expect_err(ipp_db_filter_delete(fx->db, fv[0].id, &err), ENOENT, &err, "not found");
		for (size_t i = 0; i < n; i++)
			ipp_filter_clear(&fv[i]);
		free(fv);
		OK(add_filter(fx->db, list, "10.0.0.0/24", "me", 6, 0, 80, true, &err));
	}
}

/* ---------- transactions ---------- */

static void test_transactions(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_snapshot *s;
	struct ipp_filterlist l;
	struct ipp_filter f[2];
	uint64_t g0, g1;
	int64_t list;

	g0 = generation(fx->db);
	/* rollback leaves nothing */
	OK(ipp_db_begin(fx->db, &err));
	assert_int_equal(ipp_db_tx_depth(fx->db), 1);
	list = mk_list(fx->db, IPP_STORE_LOCAL, "Gone");
	OK(add_filter(fx->db, list, "me", "any", 0, 0, 0, true, &err));
	mk_policy(fx->db, IPP_STORE_LOCAL, "Gone too", true);
	mk_action(fx->db, IPP_STORE_LOCAL, "Gone three", IPP_ACTION_BLOCK);
	assert_int_equal(ipp_db_tx_depth(fx->db), 1);
	ipp_db_rollback(fx->db);
	assert_int_equal(ipp_db_tx_depth(fx->db), 0);
	s = load(fx->db, IPP_STORE_LOCAL);
	assert_int_equal(s->npolicies + s->nfilterlists + s->nfilteractions, 0);
	ipp_snapshot_free(s);
	assert_int_equal(generation(fx->db), g0);

	/* nesting: only the outermost commit writes, an inner rollback undoes only its part */
	OK(ipp_db_begin(fx->db, &err));
	mk_list(fx->db, IPP_STORE_LOCAL, "Outer");
	OK(ipp_db_begin(fx->db, &err));
	assert_int_equal(ipp_db_tx_depth(fx->db), 2);
	mk_list(fx->db, IPP_STORE_LOCAL, "Inner rolled back");
	ipp_db_rollback(fx->db);
	OK(ipp_db_begin(fx->db, &err));
	mk_list(fx->db, IPP_STORE_LOCAL, "Inner kept");
	OK(ipp_db_commit(fx->db, &err));
	assert_int_equal(ipp_db_tx_depth(fx->db), 1);
	/* a failing function leaves the open transaction usable and unchanged */
	ipp_filterlist_init(&l);
	strcpy(l.name, "Half");
	ipp_filter_init(&f[0]);
	ipp_filter_init(&f[1]); /* two identical filters: the second one fails */
	l.filters = f;
	l.nfilters = 2;
	expect_err(ipp_db_filterlist_add(fx->db, IPP_STORE_LOCAL, &l, &err), EEXIST, &err,
		   "already has");
	assert_int_equal(l.id, 0);
	assert_int_equal(f[0].id, 0);
	assert_int_equal(f[0].guid[0], '\0');
	assert_int_equal(ipp_db_tx_depth(fx->db), 1);
	/* a second connection sees nothing before the commit */
	{
		struct ipp_db *db2;
		struct ipp_snapshot *s2;

		OK(ipp_db_open(fx->path, IPP_DB_READONLY, &db2, &err));
		s2 = load(db2, IPP_STORE_LOCAL);
		assert_int_equal(s2->nfilterlists, 0);
		ipp_snapshot_free(s2);
		ipp_db_close(db2);
	}
	OK(ipp_db_commit(fx->db, &err));
	assert_int_equal(ipp_db_tx_depth(fx->db), 0);
	s = load(fx->db, IPP_STORE_LOCAL);
	assert_int_equal(s->nfilterlists, 2);
	assert_string_equal(s->filterlists[0].name, "Inner kept");
	assert_string_equal(s->filterlists[1].name, "Outer");
	ipp_snapshot_free(s);
	g1 = generation(fx->db);
	assert_int_equal(g1, g0 + 1); /* one transaction, one change */

	/* every committed write counts; failed writes and reads do not */
	mk_list(fx->db, IPP_STORE_LOCAL, "More");
	assert_int_equal(generation(fx->db), g1 + 1);
	ipp_filterlist_init(&l);
	strcpy(l.name, "more");
	assert_int_equal(ipp_db_filterlist_add(fx->db, IPP_STORE_LOCAL, &l, NULL), -EEXIST);
	s = load(fx->db, IPP_STORE_LOCAL);
	ipp_snapshot_free(s);
	assert_int_equal(generation(fx->db), g1 + 1);
	/* commit without begin */
	expect_err(ipp_db_commit(fx->db, &err), EINVAL, &err, "without a transaction");
	ipp_db_rollback(fx->db); /* no-op */
}

/* ---------- files ---------- */

static void test_schema_newer_refused(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_db *db = NULL;
	sqlite3 *h;

	ipp_db_close(fx->db);
	fx->db = NULL;
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	expect_err(ipp_db_open(fx->path, 0, &db, &err), EPROTO, &err, "schema version 99");
	assert_non_null(strstr(err.msg, fx->path));
	assert_non_null(strstr(err.msg, "newer"));
	assert_null(db);
	expect_err(ipp_db_open(fx->path, IPP_DB_READONLY, &db, &err), EPROTO, &err,
		   "schema version 99");
	/* nothing was changed by the refusal */
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 99);
		sqlite3_finalize(st);
	}
	sqlite3_exec(h, "PRAGMA user_version = " STR(IPP_SCHEMA_VERSION), NULL, NULL, NULL);
	sqlite3_close(h);
	OK(ipp_db_open(fx->path, 0, &fx->db, &err));
}

/* ---------- the journal ---------- */

static void test_journal(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_journal_entry *v;
	struct ipp_filterlist l;
	struct ipp_filter f, *fv;
	uint64_t seq0, seq;
	int64_t list, lid, nonce;
	uint32_t pos;
	size_t n;
	sqlite3 *h;

	list = mk_list(fx->db, IPP_STORE_LOCAL, "L");
	{
		/* the list in use by the assigned policy */
		int64_t pol = mk_policy(fx->db, IPP_STORE_LOCAL, "P", true);
		int64_t act = mk_action(fx->db, IPP_STORE_LOCAL, "A", IPP_ACTION_BLOCK);

		OK(add_rule(fx->db, pol, "R", list, act, NULL, &err));
	}
	OK(ipp_db_journal_seq(fx->db, &seq0, &err));
	/* a new list alone changes nothing in force: not journalled */
	OK(add_filter(fx->db, list, "10.0.0.0/24", "me", 6, 0, 80, true, &err));
	OK(add_filter(fx->db, list, "10.0.1.0/24", "me", 6, 0, 80, true, &err));
	OK(ipp_db_filter_list(fx->db, list, &fv, &n, &err));
	assert_int_equal(n, 2);
	OK(ipp_db_journal_read(fx->db, seq0, &v, &n, &err));
	assert_int_equal(n, 2);
	assert_int_equal(v[0].what, IPP_JOURNAL_FILTER_ADD);
	assert_int_equal(v[0].filter_id, fv[0].id);
	assert_int_equal(v[0].filterlist_id, list);
	assert_int_equal(v[1].filter_id, fv[1].id);
	free(v);
	/* the filter as the stores hold it, with its place in the list */
	OK(ipp_db_filter_get(fx->db, fv[1].id, &f, &lid, &pos, &err));
	assert_int_equal(lid, list);
	assert_int_equal(pos, 1);
	assert_int_equal(f.dstport, 80);
	ipp_filter_clear(&f);
	/* a deletion, then a change of anything else */
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	OK(ipp_db_meta(fx->db, "nonce", &nonce, &err));
	assert_true(nonce != 0);
	OK(ipp_db_filter_delete(fx->db, fv[0].id, &err));
	expect_err(ipp_db_filter_get(fx->db, fv[0].id, &f, &lid, &pos, &err), ENOENT, &err,
		   "not found");
	OK(ipp_db_filter_pos(fx->db, list, fv[0].id, &pos, &err));
	assert_int_equal(pos, 0);
	ipp_filterlist_init(&l);
	l.id = list;
	snprintf(l.name, sizeof(l.name), "L2");
	OK(ipp_db_filterlist_update(fx->db, &l, &err));
	OK(ipp_db_journal_read(fx->db, seq, &v, &n, &err));
	assert_true(n >= 2);
	assert_int_equal(v[0].what, IPP_JOURNAL_FILTER_DEL);
	assert_int_equal(v[0].filter_id, fv[0].id);
	assert_int_equal(v[n - 1].what, IPP_JOURNAL_NAMES); /* (a list renamed) */
	free(v);
	/* read from the change in force on: its mark (its nonce) must be where it was read;
	 * the marks are not returned; another nonce, or none, is another history */
	{
		size_t n2;
		uint64_t last, top;

		OK(ipp_db_journal_since(fx->db, seq, nonce, &v, &n2, &last, &err));
		OK(ipp_db_journal_seq(fx->db, &top, &err));
		assert_int_equal(n2, n);
		assert_int_equal(last, top);
		for (size_t i = 0; i < n2; i++)
			assert_int_not_equal(v[i].what, IPP_JOURNAL_MARK);
		free(v);
		expect_err(ipp_db_journal_since(fx->db, seq, nonce ^ 1, &v, &n2, &last, &err),
			   ESTALE, &err, "not the change in force");
		assert_int_equal(last, seq);
		expect_err(ipp_db_journal_since(fx->db, seq, 0, &v, &n2, &last, &err), ESTALE, &err,
			   "no mark");
		expect_err(ipp_db_journal_since(fx->db, seq - 1, nonce, &v, &n2, &last, &err),
			   ESTALE, &err, "not the change in force");
	}
	for (size_t i = 0; i < 2; i++)
		ipp_filter_clear(&fv[i]);
	free(fv);
	/* pruned entries: the reader is told to read everything */
	ipp_db_close(fx->db);
	fx->db = NULL;
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "DELETE FROM journal WHERE seq <= 2", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	OK(ipp_db_open(fx->path, 0, &fx->db, &err));
	expect_err(ipp_db_journal_read(fx->db, 1, &v, &n, &err), ESTALE, &err, "pruned");
	OK(ipp_db_journal_read(fx->db, 2, &v, &n, &err));
	free(v);
}

/* What the journal says of changes no assigned policy uses (schema 3). */
static void test_journal_unused(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_journal_entry *v;
	struct ipp_filteraction a;
	struct ipp_filter *fv;
	struct ipp_rule r;
	int64_t l1, l2, a1, a2, p1, p2;
	uint64_t seq;
	size_t n;

#define SINCE(s, ...)                                                                              \
	do {                                                                                       \
		const int want[] = {__VA_ARGS__};                                                  \
		OK(ipp_db_journal_read(fx->db, s, &v, &n, &err));                                  \
		assert_int_equal(n, sizeof(want) / sizeof(want[0]));                               \
		for (size_t i_ = 0; i_ < n; i_++)                                                  \
			assert_int_equal(v[i_].what, want[i_]);                                    \
		free(v);                                                                           \
	} while (0)
	l1 = mk_list(fx->db, IPP_STORE_LOCAL, "L1");
	l2 = mk_list(fx->db, IPP_STORE_LOCAL, "L2");
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	a1 = mk_action(fx->db, IPP_STORE_LOCAL, "A1", IPP_ACTION_BLOCK);
	a2 = mk_action(fx->db, IPP_STORE_LOCAL, "A2", IPP_ACTION_PERMIT);
	p1 = mk_policy(fx->db, IPP_STORE_LOCAL, "P1", false);
	/* nothing assigned: a policy being written touches nothing in force */
	OK(add_rule(fx->db, p1, "R1", l1, a1, &r, &err));
	OK(add_filter(fx->db, l1, "10.0.0.1", "me", 6, 0, 22, true, &err));
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	(void)seq;
	OK(ipp_db_journal_read(fx->db, 0, &v, &n, &err));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].what, IPP_JOURNAL_UNUSED);
	assert_true(n >= 5);
	free(v);
	/* its assignment does */
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	OK(ipp_db_assign(fx->db, IPP_STORE_LOCAL, p1, &err));
	OK(ipp_db_journal_read(fx->db, seq, &v, &n, &err));
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].what, IPP_JOURNAL_OTHER);
	free(v);
	/* then its list's filters, its action, its rule do; the others do not */
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	OK(add_filter(fx->db, l1, "10.0.0.2", "me", 6, 0, 22, true, &err));
	OK(add_filter(fx->db, l2, "10.0.0.3", "me", 6, 0, 22, true, &err));
	SINCE(seq, IPP_JOURNAL_FILTER_ADD, IPP_JOURNAL_UNUSED);
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	ipp_filteraction_init(&a);
	a.id = a2;
	snprintf(a.name, sizeof(a.name), "A2b");
	OK(ipp_db_filteraction_update(fx->db, &a, &err));
	a.id = a1;
	a.action = IPP_ACTION_PERMIT;
	snprintf(a.name, sizeof(a.name), "A1");
	OK(ipp_db_filteraction_update(fx->db, &a, &err));
	SINCE(seq, IPP_JOURNAL_UNUSED, IPP_JOURNAL_OTHER);
	/* a rule of another policy, unassigned */
	p2 = mk_policy(fx->db, IPP_STORE_LOCAL, "P2", false);
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	OK(add_rule(fx->db, p2, "R2", l2, a2, NULL, &err));
	OK(ipp_db_journal_read(fx->db, seq, &v, &n, &err));
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].what, IPP_JOURNAL_UNUSED);
	free(v);
	/* the assigned policy's rule now names l2: its filters are in use */
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	r.filterlist_id = l2;
	OK(ipp_db_rule_update(fx->db, &r, &err));
	OK(ipp_db_journal_read(fx->db, seq, &v, &n, &err));
	assert_true(n >= 1);
	{
		size_t other = 0;

		for (size_t i = 0; i < n; i++)
			other += v[i].what == IPP_JOURNAL_OTHER;
		assert_true(other >= 1);
	}
	free(v);
	/* renamed and described anew, in use: names only */
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	snprintf(r.name, sizeof(r.name), "R1b");
	snprintf(r.description, sizeof(r.description), "renamed");
	OK(ipp_db_rule_update(fx->db, &r, &err));
	OK(ipp_db_journal_read(fx->db, seq, &v, &n, &err));
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].what, IPP_JOURNAL_NAMES);
	free(v);
	OK(ipp_db_filter_list(fx->db, l1, &fv, &n, &err));
	assert_int_equal(n, 2);
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	OK(ipp_db_filter_delete(fx->db, fv[0].id, &err));
	OK(add_filter(fx->db, l2, "10.0.0.4", "me", 6, 0, 22, true, &err));
	SINCE(seq, IPP_JOURNAL_UNUSED, IPP_JOURNAL_FILTER_ADD);
	for (size_t i = 0; i < 2; i++)
		ipp_filter_clear(&fv[i]);
	free(fv);
	/* unassigned: the deletion of the policy is no change in force */
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	OK(ipp_db_assign(fx->db, IPP_STORE_LOCAL, 0, &err));
	OK(ipp_db_journal_read(fx->db, seq, &v, &n, &err));
	assert_true(n >= 1);
	assert_int_equal(v[0].what, IPP_JOURNAL_OTHER);
	free(v);
	OK(ipp_db_journal_seq(fx->db, &seq, &err));
	OK(ipp_db_policy_delete(fx->db, p1, &err));
	OK(ipp_db_journal_read(fx->db, seq, &v, &n, &err));
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].what, IPP_JOURNAL_UNUSED);
	free(v);
#undef SINCE
}

/* A journal trigger rewritten by another program: readers go without the journal, a writer
 * puts the triggers back. */
static void test_journal_tampered(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_journal_entry *v;
	size_t n;
	sqlite3 *h;
	sqlite3_stmt *st;

	ipp_db_close(fx->db);
	fx->db = NULL;
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
				      "DROP TRIGGER journal_filter_add; CREATE TRIGGER "
				      "journal_filter_add AFTER INSERT ON filter BEGIN INSERT INTO "
				      "journal (what) VALUES (3); END;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	OK(ipp_db_open(fx->path, IPP_DB_READONLY, &fx->db, &err));
	expect_err(ipp_db_journal_read(fx->db, 0, &v, &n, &err), ESTALE, &err, "journal");
	ipp_db_close(fx->db);
	fx->db = NULL;
	OK(ipp_db_open(fx->path, 0, &fx->db, &err));
	ipp_db_close(fx->db);
	fx->db = NULL;
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h,
					    "SELECT sql FROM sqlite_schema WHERE name = "
					    "'journal_filter_add'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_null(strstr((const char *)sqlite3_column_text(st, 0), "VALUES (3)"));
	sqlite3_finalize(st);
	sqlite3_close(h);
	OK(ipp_db_open(fx->path, IPP_DB_READONLY, &fx->db, &err));
	OK(ipp_db_journal_read(fx->db, 0, &v, &n, &err));
	free(v);
}

/* A database of schema version 2 is read as it is, and upgraded by a writer. */
static void test_migration_v2(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_journal_entry *v;
	int64_t list = mk_list(fx->db, IPP_STORE_LOCAL, "L");
	size_t n;
	sqlite3 *h;

	ipp_db_close(fx->db);
	fx->db = NULL;
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	/* back to version 2: the filter triggers of version 2 */
	assert_int_equal(
	    sqlite3_exec(
		h,
		"DROP TRIGGER journal_filter_add;"
		"CREATE TRIGGER journal_filter_add AFTER INSERT ON filter BEGIN"
		"  INSERT INTO journal (what, filter_id, filterlist_id) VALUES (1, NEW.id, "
		"NEW.filterlist_id);"
		"END; PRAGMA user_version = 2",
		NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	OK(ipp_db_open(fx->path, IPP_DB_READONLY, &fx->db, &err));
	ipp_db_close(fx->db);
	fx->db = NULL;
	OK(ipp_db_open(fx->path, 0, &fx->db, &err));
	OK(add_filter(fx->db, list, "10.0.0.0/24", "me", 6, 0, 80, true, &err));
	OK(ipp_db_journal_read(fx->db, 0, &v, &n, &err));
	assert_int_equal(n, 1);
	assert_int_equal(v[0].what, IPP_JOURNAL_UNUSED);
	free(v);
}

/* A database of schema version 1 gets the journal when opened for writing. */
static void test_migration_v1(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_journal_entry *v;
	int64_t list = mk_list(fx->db, IPP_STORE_LOCAL, "L");
	size_t n;
	sqlite3 *h;

	ipp_db_close(fx->db);
	fx->db = NULL;
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	{
		/* back to version 1: no journal, no triggers */
		sqlite3_stmt *st;
		char sql[200];

		assert_int_equal(sqlite3_prepare_v2(h, "SELECT name FROM sqlite_schema WHERE "
						       "type = 'trigger'", -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(sql, sizeof(sql), "DROP TRIGGER %s", sqlite3_column_text(st, 0));
			assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
		}
		sqlite3_finalize(st);
	}
	assert_int_equal(sqlite3_exec(h, "DROP TABLE journal; PRAGMA user_version = 1", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(h);
	/* a reader goes without the journal */
	OK(ipp_db_open(fx->path, IPP_DB_READONLY, &fx->db, &err));
	{
		uint64_t seq = 1;

		OK(ipp_db_journal_seq(fx->db, &seq, &err));
		assert_int_equal(seq, 0);
		expect_err(ipp_db_journal_read(fx->db, 0, &v, &n, &err), ESTALE, &err,
			   "no journal");
	}
	ipp_db_close(fx->db);
	fx->db = NULL;
	/* a writer upgrades it */
	OK(ipp_db_open(fx->path, 0, &fx->db, &err));
	OK(add_filter(fx->db, list, "10.0.0.0/24", "me", 6, 0, 80, true, &err));
	OK(ipp_db_journal_read(fx->db, 0, &v, &n, &err));
	assert_int_equal(n, 1);
	assert_int_equal(v[0].what, IPP_JOURNAL_UNUSED); /* (no policy uses the list) */
	free(v);
}

static void test_corrupt_file(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_db *db = NULL;
	char path[400], buf[8192];
	uint32_t x = 0x12345678;
	int fd;

	snprintf(path, sizeof(path), "%s/corrupt.db", fx->dir);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (char)(x >> 16);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	expect_err(ipp_db_open(path, 0, &db, &err), EBADMSG, &err, path);
	assert_non_null(strstr(err.msg, "corrupt"));
	assert_null(db);
	expect_err(ipp_db_open(path, IPP_DB_READONLY, &db, &err), EBADMSG, &err, path);

	/* another program's SQLite file is not an empty store */
	{
		sqlite3 *h;

		snprintf(path, sizeof(path), "%s/other.db", fx->dir);
		assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
		assert_int_equal(sqlite3_exec(h, "CREATE TABLE t (x)", NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(h);
		expect_err(ipp_db_open(path, 0, &db, &err), EBADMSG, &err, "another program");
		/* without any table: neither (the agent refuses it; a command that writes
		 * would make it a store) */
		snprintf(path, sizeof(path), "%s/notables.db", fx->dir);
		assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
		assert_int_equal(
		    sqlite3_exec(h, "CREATE TABLE t (x); DROP TABLE t", NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(h);
		expect_err(ipp_db_open(path, 0, &db, &err), EBADMSG, &err,
			   "an SQLite database without any table");
		expect_err(ipp_db_open(path, IPP_DB_READONLY, &db, &err), EBADMSG, &err,
			   "not an ipsecpol policy database");
	}
	/* an empty file is a store cut short: refused, not made a new empty store (that would
	 * lose the persistent policy in silence), and left as it is */
	{
		struct stat sb;

		snprintf(path, sizeof(path), "%s/cut.db", fx->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		close(fd);
		expect_err(ipp_db_open(path, 0, &db, &err), EBADMSG, &err, "is empty (0 bytes)");
		assert_null(db);
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_size, 0);
	}
	/* a FIFO in its place (or in the place of its -wal file) is refused at once, read-only
	 * too: opened, it would wait for a writer for ever */
	{
		char wal[PATH_MAX + 8];

		snprintf(path, sizeof(path), "%s/fifo.db", fx->dir);
		assert_int_equal(mkfifo(path, 0600), 0);
		expect_err(ipp_db_open(path, IPP_DB_READONLY, &db, &err), EINVAL, &err,
			   "is a FIFO: expected a regular file");
		expect_err(ipp_db_open(path, 0, &db, &err), EINVAL, &err, "is a FIFO");
		snprintf(path, sizeof(path), "%s/walfifo.db", fx->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		close(fd);
		snprintf(wal, sizeof(wal), "%s-wal", path);
		assert_int_equal(mkfifo(wal, 0600), 0);
		expect_err(ipp_db_open(path, IPP_DB_READONLY, &db, &err), EINVAL, &err,
			   "-wal\" is a FIFO");
		assert_null(db);
	}
	/* read-only open of a missing file does not create it */
	snprintf(path, sizeof(path), "%s/missing.db", fx->dir);
	expect_err(ipp_db_open(path, IPP_DB_READONLY, &db, &err), ENOENT, &err, path);
	assert_int_equal(access(path, F_OK), -1);
}

/*
 * Values a hand-edited or damaged file holds that the shell would never
 * write: refused when read, naming the row and the column, never narrowed
 * into another value (a port 70000 is not port 4464).
 */
/*
 * A record damaged in the file (its header's size byte) reads as other
 * values, or the filter query skips its row, without SQLite reporting it:
 * a whole-store read checks the file first and refuses it.
 */
static void test_damaged_record(void **state)
{
	struct fx *fx = *state;
	int64_t list = mk_list(fx->db, IPP_STORE_LOCAL, "L");
	struct ipp_error err = {0};
	struct ipp_snapshot *s = NULL;
	char guid[64], *buf;
	long size, at = -1, hdr;
	FILE *f;

	OK(add_filter(fx->db, list, "192.0.2.0/24", "me", 6, 0, 23, true, &err));
	OK(ipp_db_load(fx->db, IPP_STORE_LOCAL, &s, &err));
	assert_int_equal(s->nfilterlists, 1);
	assert_int_equal(s->filterlists[0].nfilters, 1);
	snprintf(guid, sizeof(guid), "%s", s->filterlists[0].filters[0].guid);
	ipp_snapshot_free(s);
	s = NULL;
	ipp_db_close(fx->db); /* (checkpoints the WAL into the file) */
	fx->db = NULL;
	f = fopen(fx->path, "r+b");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	buf = malloc((size_t)size);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	for (long i = 0; i + (long)strlen(guid) <= size && at < 0; i++)
		if (!memcmp(buf + i, guid, strlen(guid)))
			at = i;
	/* the filter row's record header size: the byte as far before the GUID (its first
	 * stored column) as its value says */
	for (hdr = at - 1; hdr > at - 40 && hdr >= 0; hdr--)
		if ((unsigned char)buf[hdr] == at - hdr)
			break;
	assert_true(hdr > at - 40 && hdr >= 0);
	fseek(f, hdr, SEEK_SET);
	fputc(0x1c, f);
	fclose(f);
	free(buf);
	OK(ipp_db_open(fx->path, 0, &fx->db, &err));
	assert_int_equal(ipp_db_load(fx->db, IPP_STORE_LOCAL, &s, &err), -EBADMSG);
	assert_null(s);
	if (!strstr(err.msg, "is damaged") || !strstr(err.msg, fx->path))
		fail_msg("message \"%s\"", err.msg);

	/* the loads of several stores, the check running beside them: refused too */
	{
		static const enum ipp_store_loc locs[3] = {IPP_STORE_PERSISTENT, IPP_STORE_DOMAIN,
							   IPP_STORE_LOCAL};
		struct ipp_snapshot *snaps[3] = {NULL, NULL, NULL};
		size_t failed = 9;

		ipp_db_close(fx->db);
		OK(ipp_db_open(fx->path, IPP_DB_READONLY, &fx->db, &err));
		ipp_err_clear(&err);
		assert_int_equal(
		    ipp_db_load_stores(fx->db, locs, 3, IPP_LOAD_LEAN, snaps, &failed, &err),
		    -EBADMSG);
		assert_int_equal(failed, 0);
		for (size_t i = 0; i < 3; i++)
			assert_null(snaps[i]);
		if (!strstr(err.msg, "is damaged") || !strstr(err.msg, fx->path))
			fail_msg("message \"%s\"", err.msg);
	}
}

/* Several stores in one read: the filters of each, checked once beside the reads. */
static void test_load_stores(void **state)
{
	static const enum ipp_store_loc locs[3] = {IPP_STORE_PERSISTENT, IPP_STORE_DOMAIN,
						   IPP_STORE_LOCAL};
	struct fx *fx = *state;
	int64_t list = mk_list(fx->db, IPP_STORE_LOCAL, "L");
	int64_t plist = mk_list(fx->db, IPP_STORE_PERSISTENT, "P");
	struct ipp_snapshot *snaps[3] = {NULL, NULL, NULL};
	struct ipp_error err = {0};
	size_t failed = 9;

	OK(add_filter(fx->db, list, "192.0.2.0/24", "me", 6, 0, 23, true, &err));
	OK(add_filter(fx->db, list, "192.0.2.7", "me", 17, 0, 53, true, &err));
	OK(add_filter(fx->db, plist, "198.51.100.1", "me", 0, 0, 0, true, &err));
	for (int round = 0; round < 2; round++) { /* the second: the version is known intact */
		OK(ipp_db_load_stores(fx->db, locs, 3, IPP_LOAD_LEAN, snaps, &failed, &err));
		assert_int_equal(snaps[0]->loc, IPP_STORE_PERSISTENT);
		assert_int_equal(snaps[0]->nfilterlists, 1);
		assert_int_equal(snaps[0]->filterlists[0].nfilters, 1);
		assert_int_equal(snaps[1]->nfilterlists, 0);
		assert_int_equal(snaps[2]->loc, IPP_STORE_LOCAL);
		assert_int_equal(snaps[2]->filterlists[0].nfilters, 2);
		assert_int_equal(snaps[2]->filterlists[0].filters[1].protocol, 17);
		for (size_t i = 0; i < 3; i++)
			ipp_snapshot_free(snaps[i]);
	}
}

/* A row the shell would not write: -EUCLEAN (the file itself is sound), naming it. */
/*
 * The store the damage tests write past the API into: list L (one filter),
 * block action B and assigned policy P with rule R, closed.
 */
static void damage_fixture(struct fx *fx, int64_t *list, int64_t *act)
{
	struct ipp_error err = {0};
	int64_t pol;

	*list = mk_list(fx->db, IPP_STORE_LOCAL, "L");
	OK(add_filter(fx->db, *list, "192.0.2.0/24", "me", 6, 0, 80, true, &err));
	*act = mk_action(fx->db, IPP_STORE_LOCAL, "B", IPP_ACTION_BLOCK);
	pol = mk_policy(fx->db, IPP_STORE_LOCAL, "P", true);
	OK(add_rule(fx->db, pol, "R", *list, *act, NULL, &err));
	ipp_db_close(fx->db);
	fx->db = NULL;
}

static void test_damaged_values(void **state)
{
	static const struct {
		const char *sql, *needle;
	} cases[] = {
	    {"UPDATE filter SET dstport = 70000", "bad dstport: 70000 is out of range"},
	    {"UPDATE filter SET srcport = -1", "bad srcport: -1 is out of range"},
	    {"UPDATE filter SET protocol = 999", "bad protocol: 999 is out of range"},
	    {"UPDATE filter SET protocol = 1", "needs protocol TCP or UDP"},
	    {"UPDATE filter SET dstport = 'eighty'", "bad dstport: not an integer"},
	    {"UPDATE filteraction SET action = 7", "bad action: 7 is out of range"},
	    {"UPDATE rule SET conntype = 9", "bad conntype: 9 is out of range"},
	    {"UPDATE policy SET mmlifetime = 1", "mmlifetime: \"1\" is out of range"},
	    {"UPDATE policy SET qmpermm = -1", "bad qmpermm: -1 is out of range"},
	    {"UPDATE auth SET kind = 0", "bad authentication method: 0 is out of range"},
	    /* a yes/no column: 0 or 1 only (a text "yes" read as no would unassign a policy) */
	    {"UPDATE policy SET assigned = 'yes'", "bad assigned: 'yes' is not a value"},
	    {"UPDATE policy SET assigned = 0.5", "bad assigned: 0.5 is not a value"},
	    {"UPDATE policy SET assigned = 7", "bad assigned: 7 is not a value"},
	    {"UPDATE filter SET mirrored = 5", "bad mirrored: 5 is out of range"},
	    {"UPDATE rule SET activate = 'yes'", "bad activate: not an integer"},
	    {"UPDATE filteraction SET soft = 2", "bad soft: 2 is out of range"},
	    {"UPDATE policy SET mmpfs = -1", "bad mmpfs: -1 is out of range"},
	    /* names as no command could have written them: each a key a command, a dump or
	     * an export could not give back */
	    {"UPDATE filterlist SET name = ''", "filter list 1: bad name: name: empty name"},
	    {"UPDATE filterlist SET name = 'All'", "bad name: name: \"All\" is reserved"},
	    {"UPDATE filteraction SET name = CAST(X'41FF' AS TEXT)",
	     "bad name: name: \"A\\xff\": byte 0xff at position 2 is not UTF-8"},
	    /* not UTF-8 said, not a control character (0xff shown as \xff, a line end as \n) */
	    {"UPDATE policy SET name = CAST(X'41FF0A42' AS TEXT)",
	     "bad name: name: \"A\\xff\\nB\": byte 0xff at position 2 is not UTF-8"},
	    {"UPDATE policy SET name = printf('%.300c', 'x')", "bad name: name: \"xxx"},
	    {"UPDATE rule SET name = 'a' || char(10) || 'b' WHERE number > 0",
	     "control characters are not allowed"},
	    /* a NUL byte inside a value: read as text it would be cut short there (a /24
	     * filter read as the host 192.0.2.0, a name as another) */
	    {"UPDATE filter SET src = CAST(X'3139322E302E322E30002F3234' AS TEXT)",
	     "filter 1: bad src: a NUL byte inside"},
	    {"UPDATE filter SET src = X'3139322E302E322E30002F3234'",
	     "filter 1: bad src: a NUL byte inside"},
	    {"UPDATE filteraction SET name = CAST(X'420041' AS TEXT)",
	     "a NUL byte inside the value of filteraction.name"},
	    /* a GUID an export of it could not give back */
	    {"UPDATE filter SET guid = 'xyz'", "filter 1: bad guid: \"xyz\" is not a GUID"},
	    {"UPDATE policy SET guid = ''", "policy 1: bad guid: \"\" is not a GUID"},
	};
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_snapshot *s = NULL;
	int64_t list, act;
	sqlite3 *h;

	damage_fixture(fx, &list, &act);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
		assert_int_equal(sqlite3_exec(h, "SAVEPOINT x", NULL, NULL, NULL), SQLITE_OK);
		if (sqlite3_exec(h, cases[i].sql, NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("%s: %s", cases[i].sql, sqlite3_errmsg(h));
		assert_int_equal(sqlite3_exec(h, "RELEASE x", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
		OK(ipp_db_open(fx->path, 0, &fx->db, &err));
		if (ipp_db_load(fx->db, IPP_STORE_LOCAL, &s, &err) != -EUCLEAN)
			fail_msg("%s: not refused as a bad row: %s", cases[i].sql, err.msg);
		assert_null(s);
		if (!strstr(err.msg, cases[i].needle) || !strstr(err.msg, fx->path))
			fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].sql, err.msg,
				 cases[i].needle);
		ipp_db_close(fx->db);
		fx->db = NULL;
		/* put the good value back for the next case */
		assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
		assert_int_equal(
		    sqlite3_exec(
			h,
			"UPDATE filter SET dstport = 80, srcport = 0, protocol = 6;"
			"UPDATE filteraction SET action = 2;"
			"UPDATE rule SET conntype = 1;"
			"UPDATE policy SET mmlifetime = 480, qmpermm = 0, assigned = 1, "
			"store = 1, mmpfs = 0;"
			"UPDATE filter SET mirrored = 1;"
			"UPDATE rule SET activate = 1;"
			"UPDATE filteraction SET soft = 0;"
			"UPDATE auth SET kind = 1;"
			"UPDATE filterlist SET name = 'L'; UPDATE filteraction SET name = 'B';"
			"UPDATE filter SET src = '192.0.2.0/24';"
			"UPDATE filter SET guid = '{11E6E97E-0031-49F5-AC7D-5F2FE99BABAF}';"
			"UPDATE policy SET guid = '{11E6E97E-0031-49F5-AC7D-5F2FE99BABC5}';"
			"UPDATE policy SET name = 'P'; UPDATE rule SET name = 'R' WHERE number > 0",
			NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(h);
		OK(ipp_db_open(fx->path, 0, &fx->db, &err));
		s = load(fx->db, IPP_STORE_LOCAL);
		ipp_snapshot_free(s);
		s = NULL;
		ipp_db_close(fx->db);
		fx->db = NULL;
	}
	/* a filter description that is not UTF-8 (written before they were refused): read,
	 * its bad bytes as U+FFFD, not a damaged row */
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
				      "UPDATE filter SET description = CAST(X'636166E9' AS TEXT)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	OK(ipp_db_open(fx->path, 0, &fx->db, &err));
	s = load(fx->db, IPP_STORE_LOCAL);
	assert_int_equal(s->nfilterlists, 1);
	assert_string_equal(s->filterlists[0].filters[0].description, "caf\xef\xbf\xbd");
	ipp_snapshot_free(s);
	s = NULL;
	ipp_db_close(fx->db);
	fx->db = NULL;
	/* schema versions below 1 in a file with tables: damaged, not migrated (nor crashed on) */
	for (int v = -100000; v <= 0; v += 50000) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v == -50000 ? -5 : v);
		assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
		assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
		expect_err(ipp_db_open(fx->path, 0, &fx->db, &err), EBADMSG, &err, "is damaged");
		expect_err(ipp_db_open(fx->path, IPP_DB_READONLY, &fx->db, &err), EBADMSG, &err,
			   "is damaged");
	}
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	sqlite3_exec(h, "PRAGMA user_version = " STR(IPP_SCHEMA_VERSION), NULL, NULL, NULL);
	sqlite3_close(h);
	OK(ipp_db_open(fx->path, 0, &fx->db, &err));
}

/*
 * Rows written past the foreign keys: a filter of no list (whose store nothing
 * tells: the file's damage), a rule of no filter action (its policy's store's
 * damage, as a bad value of its rows: the other stores still load).
 */
static void test_dangling_references(void **state)
{
	static const struct {
		const char *sql, *needle;
		int code;
	} cases[] = {
	    {"UPDATE filter SET filterlist_id = 999", "of table filter names a filterlist",
	     EBADMSG},
	    {"UPDATE rule SET filteraction_id = 998 WHERE number > 0",
	     "the local store: row 2 of table rule names a filteraction", EUCLEAN},
	};
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_snapshot *s = NULL;
	int64_t list, act;
	sqlite3 *h;

	damage_fixture(fx, &list, &act);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char undo[128];

		assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
		if (sqlite3_exec(h, cases[i].sql, NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("%s: %s", cases[i].sql, sqlite3_errmsg(h));
		sqlite3_close(h);
		OK(ipp_db_open(fx->path, IPP_DB_READONLY, &fx->db, &err));
		if (ipp_db_load(fx->db, IPP_STORE_LOCAL, &s, &err) != -cases[i].code)
			fail_msg("%s: not refused as damage: %s", cases[i].sql, err.msg);
		assert_null(s);
		if (!strstr(err.msg, cases[i].needle) ||
		    (cases[i].code == EBADMSG && !strstr(err.msg, "is damaged")))
			fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].sql, err.msg,
				 cases[i].needle);
		if (cases[i].code == EUCLEAN) {
			/* the persistent store is not the local store's damage: read, alone
			 * and with the others (which one failed is said) */
			static const enum ipp_store_loc locs[2] = {IPP_STORE_PERSISTENT,
								   IPP_STORE_LOCAL};
			struct ipp_snapshot *two[2] = {NULL, NULL};
			size_t failed = 9;

			s = load(fx->db, IPP_STORE_PERSISTENT);
			ipp_snapshot_free(s);
			s = NULL;
			assert_int_equal(ipp_db_load_stores(fx->db, locs, 2, 0, two, &failed, &err),
					 -EUCLEAN);
			assert_int_equal(failed, 1);
			assert_int_equal(ipp_db_load_stores(fx->db, locs, 1, 0, two, &failed, &err),
					 0);
			ipp_snapshot_free(two[0]);
		}
		ipp_db_close(fx->db);
		fx->db = NULL;
		snprintf(undo, sizeof(undo),
			 "UPDATE filter SET filterlist_id = %lld; UPDATE rule SET filteraction_id "
			 "= %lld WHERE number > 0",
			 (long long)list, (long long)act);
		assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
		if (sqlite3_exec(h, undo, NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("%s: %s", undo, sqlite3_errmsg(h));
		sqlite3_close(h);
	}
	OK(ipp_db_open(fx->path, 0, &fx->db, &err));
	s = load(fx->db, IPP_STORE_LOCAL);
	assert_int_equal(s->nfilterlists, 1);
	ipp_snapshot_free(s);
}

/* A column another program dropped: damage, said so with what to do, not SQLite's words. */
static void test_dropped_column(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_snapshot *s = NULL;
	int64_t list, act;
	sqlite3 *h;

	damage_fixture(fx, &list, &act);
	assert_int_equal(sqlite3_open(fx->path, &h), SQLITE_OK);
	if (sqlite3_exec(h, "ALTER TABLE filter DROP COLUMN srcdns", NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("drop column: %s", sqlite3_errmsg(h));
	sqlite3_close(h);
	OK(ipp_db_open(fx->path, IPP_DB_READONLY, &fx->db, &err));
	expect_err(ipp_db_load(fx->db, IPP_STORE_LOCAL, &s, &err), EBADMSG, &err,
		   "is damaged: no such column");
	assert_null(s);
	assert_non_null(strstr(err.msg, IPP_DB_DAMAGED_ADVICE));
}

static void test_readonly(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_db *ro;
	struct ipp_snapshot *s;

	mk_policy(fx->db, IPP_STORE_LOCAL, "P", false);
	OK(ipp_db_open(fx->path, IPP_DB_READONLY, &ro, &err));
	s = load(ro, IPP_STORE_LOCAL);
	assert_int_equal(s->npolicies, 1);
	ipp_snapshot_free(s);
	expect_err(ipp_db_delete_all(ro, IPP_STORE_LOCAL, &err), EROFS, &err, "read-only");
	ipp_db_close(ro);
	OK(ipp_db_delete_all(fx->db, IPP_STORE_LOCAL, &err));
	OK(ipp_db_delete_all(fx->db, IPP_STORE_LOCAL, &err)); /* empty store: fine */

	/* a link to a file that is gone is not "no database yet" (-ENOENT): unreadable */
	{
		char link[600];

		snprintf(link, sizeof(link), "%s.link", fx->path);
		assert_int_equal(symlink("/nonexistent/policy.db", link), 0);
		expect_err(ipp_db_open(link, IPP_DB_READONLY, &ro, &err), EIO, &err,
			   "a symbolic link to a file that does not exist");
		/* nor for a command that writes (it would write through the link) */
		expect_err(ipp_db_open(link, 0, &ro, &err), EIO, &err,
			   "a symbolic link to a file that does not exist");
		assert_false(ipp_db_absent(link));
		unlink(link);
		assert_true(ipp_db_absent(link));
	}
	/* nor is a path through a directory that is a link to one that is gone; directories
	 * not made yet are "no database yet" */
	{
		char dir[600], db[700];

		snprintf(dir, sizeof(dir), "%s.dir", fx->path);
		snprintf(db, sizeof(db), "%s/sub/policy.db", dir);
		assert_true(ipp_db_absent(db));
		assert_int_equal(symlink("/nonexistent/dir", dir), 0);
		assert_false(ipp_db_absent(db));
		snprintf(db, sizeof(db), "%s/policy.db", dir);
		assert_false(ipp_db_absent(db));
		expect_err(ipp_db_open(db, IPP_DB_READONLY, &ro, &err), EIO, &err,
			   "is a symbolic link to a directory that does not exist");
		expect_err(ipp_db_open(db, 0, &ro, &err), EIO, &err,
			   "is a symbolic link to a directory that does not exist");
		unlink(dir);
		assert_true(ipp_db_absent(db));
	}
}

/* ---------- export / import ---------- */

/* A store with every kind of object and attribute. */
static void build_rich(struct ipp_db *db, enum ipp_store_loc loc)
{
	struct ipp_error err = {0};
	struct ipp_filterlist l;
	struct ipp_filteraction a;
	struct ipp_policy p;
	struct ipp_rule r;
	struct ipp_filter f;
	int64_t web, tun, empty, act_neg, act_permit, pol;

	ipp_filterlist_init(&l);
	strcpy(l.name, "Web \"servers\"");
	strcpy(l.description, "tab\there, newline\nthere, backslash \\ done");
	OK(ipp_db_filterlist_add(db, loc, &l, &err));
	web = l.id;
	ipp_filter_init(&f);
	f.src = A("me");
	f.dst = A("any");
	f.protocol = 6;
	f.dstport = 80;
	f.description = "http";
	OK(ipp_db_filter_add(db, web, &f, &err));
	ipp_filter_init(&f);
	f.src = A("192.0.2.10/32");
	f.srcdns = "www.example.com";
	f.dst = A("me");
	f.protocol = 17;
	f.srcport = 53;
	OK(ipp_db_filter_add(db, web, &f, &err));
	ipp_filter_init(&f);
	f.src = A("DNS");
	f.dst = A("me");
	OK(ipp_db_filter_add(db, web, &f, &err));
	ipp_filter_init(&f);
	f.src = A("10.0.0.1-10.0.0.9");
	f.dst = A("10.1.0.0/16");
	f.protocol = 47;
	f.mirrored = false;
	OK(ipp_db_filter_add(db, web, &f, &err));
	ipp_filter_init(&f);
	f.src = A("2001:db8::/64");
	f.dst = A("fd00::1-fd00::ff");
	OK(ipp_db_filter_add(db, web, &f, &err));

	tun = mk_list(db, loc, "Tunnel");
	OK(add_filter(db, tun, "10.1.0.0/16", "10.2.0.0/16", 0, 0, 0, false, &err));
	empty = mk_list(db, loc, "Empty list");

	ipp_filteraction_init(&a);
	strcpy(a.name, "Require Security");
	OK(ipp_qm_offers_parse("AH[MD5]:204800k/300s ESP[DES,SHA1]:30000k ESP[3DES,None]:480s "
			       "AH[SHA1]+ESP[3DES,SHA1]",
			       a.qmsec, IPP_MAX_OFFERS, &a.nqmsec, &err));
	a.qmpfs = a.inpass = a.soft = true;
	OK(ipp_db_filteraction_add(db, loc, &a, &err));
	act_neg = a.id;
	ipp_filteraction_init(&a);
	strcpy(a.name, "Permit");
	a.action = IPP_ACTION_PERMIT;
	a.nqmsec = 0;
	OK(ipp_db_filteraction_add(db, loc, &a, &err));
	act_permit = a.id;
	mk_action(db, loc, "Unused block", IPP_ACTION_BLOCK);

	ipp_policy_init(&p);
	strcpy(p.name, "Corp policy");
	strcpy(p.description, "the \"main\" one");
	p.mmpfs = true;
	p.qmpermm = 1;
	p.mmlifetime = 60;
	p.pollinginterval = 30;
	p.activatedefaultrule = false;
	p.assigned = true;
	OK(ipp_mm_offers_parse("3DES-SHA1-3 DES-MD5-1", p.mmsec, IPP_MAX_OFFERS, &p.nmmsec, &err));
	p.defaultrule.activate = false;
	p.defaultrule.qmpfs = true;
	OK(ipp_qm_offers_parse("ESP[3DES,MD5]:100000k/2000s", p.defaultrule.qmsec,
			       IPP_MAX_OFFERS, &p.defaultrule.nqmsec, &err));
	p.defaultrule.auth[0].kind = IPP_AUTH_ROOTCA;
	OK(ipp_rootca_parse("C=US,O=MSFT,CN=\\'Microsoft North, South, East, and West Root "
			    "Authority\\' certmap:yes excludecaname:no",
			    &p.defaultrule.auth[0], &err));
	OK(ipp_db_policy_add(db, loc, &p, &err));
	pol = p.id;
	mk_policy(db, loc, "Second", false);

	ipp_rule_init(&r);
	strcpy(r.name, "Secure web");
	strcpy(r.description, "rule description");
	r.policy_id = pol;
	r.filterlist_id = web;
	r.filteraction_id = act_neg;
	r.conntype = IPP_CONN_LAN;
	r.auth[0].kind = IPP_AUTH_PSK;
	strcpy(r.auth[0].value, "pre \"shared\" key");
	r.auth[1].kind = IPP_AUTH_KERBEROS;
	r.auth[2].kind = IPP_AUTH_ROOTCA;
	strcpy(r.auth[2].value, "CN=Root");
	r.auth[2].excludecaname = true;
	r.nauth = 3;
	OK(ipp_db_rule_add(db, &r, &err));
	ipp_rule_init(&r);
	strcpy(r.name, "Through the tunnel");
	r.policy_id = pol;
	r.filterlist_id = tun;
	r.filteraction_id = act_neg;
	r.has_tunnel = true;
	r.tunnel = A("192.0.2.1");
	strcpy(r.tunneldns, "gw.example.com");
	r.activate = false;
	r.conntype = IPP_CONN_DIALUP;
	OK(ipp_db_rule_add(db, &r, &err));
	ipp_rule_init(&r);
	strcpy(r.name, "Deleted");
	r.policy_id = pol;
	r.filterlist_id = empty;
	r.filteraction_id = act_permit;
	OK(ipp_db_rule_add(db, &r, &err));
	ipp_rule_init(&r);
	strcpy(r.name, "Permit nothing");
	r.policy_id = pol;
	r.filterlist_id = empty;
	r.filteraction_id = act_permit;
	OK(ipp_db_rule_add(db, &r, &err));
	/* a gap in the rule numbers must survive the round trip */
	OK(ipp_db_rule_find(db, pol, "Deleted", 0, &r, &err));
	OK(ipp_db_rule_delete(db, r.id, &err));
}

static char *export_text(const struct ipp_snapshot *s)
{
	struct ipp_error err = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (ipp_export_write(s, f, &err) < 0)
		fail_msg("export: %s", err.msg);
	fclose(f);
	return buf;
}

static struct ipp_snapshot *import_text(const char *text, struct ipp_error *err, int *r)
{
	struct ipp_snapshot *s = NULL;
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	assert_non_null(f);
	*r = ipp_export_read(f, "test.ipsec", &s, err);
	fclose(f);
	return s;
}

/* IPP_LOAD_LEAN: the same filters, in the same order, without what enforcement does not read. */
static void test_load_lean(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_snapshot *a, *b = NULL;
	size_t i, k, n = 0;

	build_rich(fx->db, IPP_STORE_LOCAL);
	a = load(fx->db, IPP_STORE_LOCAL);
	OK(ipp_db_load_ex(fx->db, IPP_STORE_LOCAL, IPP_LOAD_LEAN, &b, &err));
	assert_int_equal(a->nfilterlists, b->nfilterlists);
	assert_int_equal(a->npolicies, b->npolicies);
	assert_int_equal(a->nfilteractions, b->nfilteractions);
	for (i = 0; i < a->nfilterlists; i++) {
		const struct ipp_filterlist *x = &a->filterlists[i], *y = &b->filterlists[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->nfilters, y->nfilters);
		for (k = 0; k < x->nfilters; k++) {
			const struct ipp_filter *f = &x->filters[k], *g = &y->filters[k];

			assert_int_equal(f->id, g->id);
			assert_true(ipp_addr_same(&f->src, &g->src));
			assert_true(ipp_addr_same(&f->dst, &g->dst));
			assert_int_equal(f->protocol, g->protocol);
			assert_int_equal(f->srcport, g->srcport);
			assert_int_equal(f->dstport, g->dstport);
			assert_int_equal(f->mirrored, g->mirrored);
			assert_true(f->guid[0] != '\0');
			assert_string_equal(g->guid, "");
			assert_null(g->description);
			assert_null(g->srcdns);
			assert_null(g->dstdns);
			n++;
		}
	}
	assert_true(n > 0);
	ipp_snapshot_free(a);
	ipp_snapshot_free(b);
}

static void test_export_import_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_snapshot *a, *b, *c;
	char *t1, *t2, *t3;
	struct ipp_db *db2;
	char path2[400];
	int r;

	build_rich(fx->db, IPP_STORE_LOCAL);
	a = load(fx->db, IPP_STORE_LOCAL);
	assert_int_equal(a->nfilterlists, 3);
	assert_int_equal(a->nfilteractions, 3);
	assert_int_equal(a->npolicies, 2);
	t1 = export_text(a);
	assert_memory_equal(t1, "ipsecpol-export 1\n", 18);

	/* import into an empty database, other store */
	b = import_text(t1, &err, &r);
	if (r < 0)
		fail_msg("import: %s\n%s", err.msg, t1);
	snprintf(path2, sizeof(path2), "%s/second.db", fx->dir);
	OK(ipp_db_open(path2, 0, &db2, &err));
	r = ipp_db_replace(db2, IPP_STORE_PERSISTENT, b, &err);
	if (r < 0)
		fail_msg("replace: %s", err.msg);
	c = load(db2, IPP_STORE_PERSISTENT);
	t2 = export_text(c);
	assert_string_equal(t1, t2);

	/* field by field: GUIDs, timestamps, rule numbers kept */
	for (size_t i = 0; i < a->npolicies; i++) {
		assert_string_equal(a->policies[i].guid, c->policies[i].guid);
		assert_int_equal(a->policies[i].modified, c->policies[i].modified);
		assert_string_equal(a->policies[i].defaultrule.guid,
				    c->policies[i].defaultrule.guid);
		assert_int_equal(a->policies[i].nrules, c->policies[i].nrules);
		for (size_t j = 0; j < a->policies[i].nrules; j++) {
			assert_int_equal(a->policies[i].rules[j].number,
					 c->policies[i].rules[j].number);
			assert_string_equal(a->policies[i].rules[j].guid,
					    c->policies[i].rules[j].guid);
			assert_int_equal(a->policies[i].rules[j].modified,
					 c->policies[i].rules[j].modified);
		}
	}
	assert_int_equal(c->policies[0].rules[2].number, 4); /* the gap at 3 */
	for (size_t i = 0; i < a->nfilterlists; i++) {
		assert_int_equal(a->filterlists[i].nfilters, c->filterlists[i].nfilters);
		for (size_t j = 0; j < a->filterlists[i].nfilters; j++) {
			assert_true(ipp_filter_same(&a->filterlists[i].filters[j],
						    &c->filterlists[i].filters[j]));
			assert_string_equal(a->filterlists[i].filters[j].guid,
					    c->filterlists[i].filters[j].guid);
		}
	}
	assert_non_null(ipp_snapshot_assigned(c));
	assert_string_equal(c->policies[0].defaultrule.auth[0].value,
			    "C=US,O=MSFT,CN=\"Microsoft North, South, East, and West Root "
			    "Authority\"");

	/* merging the same objects again: the same GUIDs are the same objects, rewritten as
	 * the file has them (a restore); the store is as it was */
	{
		uint64_t g = generation(db2);

		OK(ipp_db_merge(db2, IPP_STORE_PERSISTENT, b, &err));
		assert_true(generation(db2) > g);
		ipp_snapshot_free(c);
		c = load(db2, IPP_STORE_PERSISTENT);
		t3 = export_text(c);
		assert_string_equal(t1, t3);
		free(t3);
	}
	/* merge into an empty store works and keeps the GUIDs */
	OK(ipp_db_merge(db2, IPP_STORE_LOCAL, b, &err));
	ipp_snapshot_free(c);
	c = load(db2, IPP_STORE_LOCAL);
	t3 = export_text(c);
	assert_string_equal(t1, t3);
	free(t3);

	/* replace with an empty snapshot empties the store */
	{
		struct ipp_snapshot empty = {.loc = IPP_STORE_LOCAL};
		struct ipp_snapshot *d;

		OK(ipp_db_replace(db2, IPP_STORE_LOCAL, &empty, &err));
		d = load(db2, IPP_STORE_LOCAL);
		assert_int_equal(d->npolicies + d->nfilterlists + d->nfilteractions, 0);
		ipp_snapshot_free(d);
	}

	ipp_snapshot_free(a);
	ipp_snapshot_free(b);
	ipp_snapshot_free(c);
	free(t1);
	free(t2);
	ipp_db_close(db2);
}

/* Importing @text into @db's local store fails with -EEXIST and @msg; the store stays @before. */
static void merge_refused(struct ipp_db *db, const char *text, const char *msg, const char *before)
{
	struct ipp_error err = {0};
	struct ipp_snapshot *g, *u;
	char *after;
	int r;

	g = import_text(text, &err, &r);
	if (r < 0)
		fail_msg("import: %s", err.msg);
	expect_err(ipp_db_merge(db, IPP_STORE_LOCAL, g, &err), EEXIST, &err, msg);
	ipp_snapshot_free(g);
	u = load(db, IPP_STORE_LOCAL);
	after = export_text(u);
	assert_string_equal(before, after);
	free(after);
	ipp_snapshot_free(u);
}

/*
 * The import creates the filters in their creation order across lists
 * (order=), which decides between filters of equal weight and action; and
 * refuses a filter or rule GUID that an object of the store already has.
 */
static void test_import_order_and_guids(void **state)
{
	struct fx *fx = *state;
	static const char text[] =
	    "ipsecpol-export 1\n"
	    "filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB01} name=\"A\" modified=1\n"
	    "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB02} src=any dst=me protocol=TCP "
	    "srcport=0 dstport=80 mirrored=yes order=3\n"
	    "filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB03} name=\"Z\" modified=1\n"
	    "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB04} src=any dst=me protocol=TCP "
	    "srcport=0 dstport=80 mirrored=yes order=1\n"
	    "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB05} src=any dst=me protocol=TCP "
	    "srcport=0 dstport=81 mirrored=yes order=2\n"
	    "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB06} src=any dst=me protocol=TCP "
	    "srcport=0 dstport=82 mirrored=yes\n"
	    "end\n";
	struct ipp_error err = {0};
	struct ipp_snapshot *s, *t, *u;
	const struct ipp_filterlist *a, *z;
	char *before;
	int r;

	s = import_text(text, &err, &r);
	if (r < 0)
		fail_msg("import: %s", err.msg);
	OK(ipp_db_merge(fx->db, IPP_STORE_LOCAL, s, &err));
	t = load(fx->db, IPP_STORE_LOCAL);
	assert_int_equal(t->nfilterlists, 2);
	a = !strcmp(t->filterlists[0].name, "A") ? &t->filterlists[0] : &t->filterlists[1];
	z = a == &t->filterlists[0] ? &t->filterlists[1] : &t->filterlists[0];
	assert_int_equal(z->nfilters, 3);
	/* Z's first two, then A's, then the one without an order */
	assert_true(z->filters[0].id < z->filters[1].id);
	assert_true(z->filters[1].id < a->filters[0].id);
	assert_true(a->filters[0].id < z->filters[2].id);
	/* exported again, the order is the same */
	before = export_text(t);
	assert_non_null(strstr(before, "dstport=80 mirrored=yes order=3"));

	/* a filter GUID of the store again (in a list of another name): refused, nothing changed */
	merge_refused(
	    fx->db,
	    "ipsecpol-export 1\n"
	    "filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB11} name=\"B\" modified=1\n"
	    "filter guid={11e6e97e-0031-49f5-ac7d-5f2fe99bab05} src=any dst=me "
	    "protocol=UDP srcport=0 dstport=53 mirrored=yes\n"
	    "end\n",
	    "line 3: filter of list \"B\": GUID {11E6E97E-0031-49F5-AC7D-5F2FE99BAB05} "
	    "already exists in the local store",
	    before);
	/* nor a GUID that an object of another kind has: a filter list with a filter's */
	merge_refused(
	    fx->db,
	    "ipsecpol-export 1\n"
	    "filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB04} name=\"C\" modified=1\n"
	    "end\n",
	    "line 2: filter list \"C\": GUID {11E6E97E-0031-49F5-AC7D-5F2FE99BAB04} "
	    "already exists in the local store",
	    before);
	/* a list of a name the store holds under another GUID: refused, nothing changed */
	merge_refused(
	    fx->db,
	    "ipsecpol-export 1\n"
	    "filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB31} name=\"a\" modified=1\n"
	    "end\n",
	    "line 2: filter list \"a\" already exists in the local store", before);
	/* list Z of the file again, edited since (a restore): its filters are the file's, its
	 * row the same (a rule of a policy that is not in the file keeps it) */
	{
		static const char restore[] =
		    "ipsecpol-export 1\n"
		    "filterlist guid={11e6e97e-0031-49f5-ac7d-5f2fe99bab03} name=\"Z2\" "
		    "description=\"restored\" modified=7\n"
		    "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB04} src=any dst=me "
		    "protocol=TCP "
		    "srcport=0 dstport=80 mirrored=yes\n"
		    "end\n";
		struct ipp_snapshot *g = import_text(restore, &err, &r);
		const struct ipp_filterlist *z2 = NULL;

		if (r < 0)
			fail_msg("import: %s", err.msg);
		OK(ipp_db_merge(fx->db, IPP_STORE_LOCAL, g, &err));
		ipp_snapshot_free(g);
		u = load(fx->db, IPP_STORE_LOCAL);
		assert_int_equal(u->nfilterlists, 2);
		for (size_t i = 0; i < u->nfilterlists; i++)
			if (!strcmp(u->filterlists[i].name, "Z2"))
				z2 = &u->filterlists[i];
		assert_non_null(z2);
		assert_int_equal(z2->id, z->id);
		assert_string_equal(z2->description, "restored");
		assert_int_equal(z2->modified, 7);
		assert_int_equal(z2->nfilters, 1);
		assert_int_equal(z2->filters[0].dstport, 80);
		ipp_snapshot_free(u);
	}
	/* a group policy object assigns policies of the domain store only */
	{
		static const char gpo[] =
		    "ipsecpol-export 1\n"
		    "policy guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB21} name=\"G\" modified=1 "
		    "mmpfs=no qmpermm=0 mmlifetime=480 activatedefaultrule=yes "
		    "pollinginterval=180 assigned=no gponame=\"GPO1\" mmsec=\"3DES-SHA1-2\"\n"
		    "defaultrule guid={11E6E97E-0031-49F5-AC7D-5F2FE99BAB22} modified=1 "
		    "activate=yes conntype=all qmpfs=no qmsec=\"ESP[3DES,SHA1]\"\n"
		    "auth kind=kerberos\nend\n";
		struct ipp_snapshot *g = import_text(gpo, &err, &r);

		if (r < 0)
			fail_msg("import: %s", err.msg);
		expect_err(ipp_db_merge(fx->db, IPP_STORE_LOCAL, g, &err), EINVAL, &err,
			   "policy \"G\": gponame \"GPO1\": only a policy of the domain store");
		ipp_snapshot_free(g);
	}
	free(before);
	ipp_snapshot_free(s);
	ipp_snapshot_free(t);
}

static void test_export_reader_errors(void **state)
{
	static const char good_head[] =
		"ipsecpol-export 1\n"
		"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABAF} name=\"L\" modified=1\n"
		"filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB0} src=me dst=any protocol=TCP "
		"srcport=0 dstport=80 mirrored=yes\n"
		"filteraction guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB1} name=\"A\" modified=1 "
		"action=permit qmpfs=no inpass=no soft=no qmsec=\"\"\n"
		"policy guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB2} name=\"P\" modified=1 "
		"mmpfs=no qmpermm=0 mmlifetime=480 activatedefaultrule=yes pollinginterval=180 "
		"assigned=no mmsec=\"3DES-SHA1-2\"\n"
		"defaultrule guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB3} modified=1 activate=yes "
		"conntype=all qmpfs=no qmsec=\"ESP[3DES,SHA1]\"\n"
		"auth kind=kerberos\n";
	static const char good_rule[] =
		"rule number=1 guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB4} name=\"R\" modified=1 "
		"filterlist={11E6E97E-0031-49F5-AC7D-5F2FE99BABAF} "
		"filteraction={11E6E97E-0031-49F5-AC7D-5F2FE99BABB1} conntype=all activate=yes "
		"qmpfs=no qmsec=\"\"\n"
		"auth kind=psk value=\"k\"\n";
	static const struct {
		const char *text; /* after good_head (NULL: whole text given) */
		const char *msg;
	} bad[] = {
	    {"end\nextra\n", "test.ipsec:9: \"extra\" after the end line"},
	    {"", "test.ipsec:8: unexpected end of file, expected \"end\""},
	    {"bogus x=1\nend\n", "test.ipsec:8: unknown line \"bogus\""},
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\" modified=1 "
	     "color=red\nend\n",
	     "test.ipsec:8: filterlist: unknown key \"color\", expected one of guid, name"},
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\" name=\"N\" "
	     "modified=1\nend\n",
	     "test.ipsec:8: filterlist: key \"name\" given twice"},
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\"\nend\n",
	     "test.ipsec:8: filterlist: missing key \"modified\""},
	    {"filterlist guid=nope name=\"M\" modified=1\nend\n",
	     "test.ipsec:8: guid: \"nope\" is not a GUID"},
	    /* each filter's place in the creation order once (filters of any list) */
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\" modified=1\n"
	     "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC1} src=me dst=any protocol=TCP "
	     "srcport=0 dstport=81 mirrored=yes order=4\n"
	     "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC2} src=me dst=any protocol=TCP "
	     "srcport=0 dstport=82 mirrored=yes order=4\nend\n",
	     "test.ipsec:10: order: 4 already on line 9: each filter has its own"},
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\" modified=-1\n"
	     "end\n",
	     "test.ipsec:8: modified: \"-1\" is not valid"},
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\" modified=1\n"
	     "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC1} src=me dst=any protocol=TCP "
	     "srcport=0 dstport=80 mirrored=maybe\nend\n",
	     "test.ipsec:9: mirrored: \"maybe\" is not valid, expected yes or no"},
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\" modified=1\n"
	     "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC1} src=10.0.0.300 dst=any "
	     "protocol=TCP srcport=0 dstport=80 mirrored=yes\nend\n",
	     "test.ipsec:9: src: \"10.0.0.300\" is not a valid address"},
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\" modified=1\n"
	     "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC1} src=me dst=any protocol=ICMP "
	     "srcport=0 dstport=80 mirrored=yes\nend\n",
	     "test.ipsec:9: dstport: \"80\" needs protocol TCP or UDP"},
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\" modified=1\n"
	     "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC1} src=me dst=any protocol=TCP "
	     "srcport=0 dstport=80 mirrored=yes\n"
	     "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC2} src=me dst=any protocol=TCP "
	     "srcport=0 dstport=80 mirrored=yes description=\"dup\"\nend\n",
	     "test.ipsec:10: filter: the same filter as line 9"},
	    {"filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC1} src=me dst=any protocol=TCP "
	     "srcport=0 dstport=80 mirrored=yes\nend\n",
	     "test.ipsec:8: filter line outside a filterlist"},
	    {"rule number=1 guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB4} name=\"R\" modified=1 "
	     "filterlist={11E6E97E-0031-49F5-AC7D-5F2FE99BAB00} "
	     "filteraction={11E6E97E-0031-49F5-AC7D-5F2FE99BABB1} conntype=all activate=yes "
	     "qmpfs=no qmsec=\"\"\nauth kind=kerberos\nend\n",
	     "test.ipsec:8: rule \"R\": filterlist \"{11E6E97E-0031-49F5-AC7D-5F2FE99BAB00}\" "
	     "is not in the file"},
	    {"rule number=1 guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB4} name=\"R\" modified=1 "
	     "filterlist={11E6E97E-0031-49F5-AC7D-5F2FE99BABAF} "
	     "filteraction={11E6E97E-0031-49F5-AC7D-5F2FE99BABB1} conntype=all activate=yes "
	     "qmpfs=no qmsec=\"\"\nend\n",
	     "test.ipsec:8: rule \"R\": authentication: 0 methods"},
	    {"rule number=1 guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB4} name=\"R\" modified=1 "
	     "filterlist={11E6E97E-0031-49F5-AC7D-5F2FE99BABAF} "
	     "filteraction={11E6E97E-0031-49F5-AC7D-5F2FE99BABB1} conntype=wifi activate=yes "
	     "qmpfs=no qmsec=\"\"\nauth kind=kerberos\nend\n",
	     "test.ipsec:8: conntype: \"wifi\" is not valid"},
	    {"auth kind=psk value=\"unterminated\nend\n",
	     "test.ipsec:8: unterminated quoted value"},
	    {"auth kind=psk value=\"bad \\q escape\"\nend\n", "test.ipsec:8: bad escape \"\\q\""},
	    {"auth kind=psk value=\"bad \\x00 nul\"\nend\n",
	     "test.ipsec:8: bad escape \"\\x00\" in a quoted value: a NUL byte"},
	    {"auth kind=psk value=\"bad \\xZZ hex\"\nend\n",
	     "test.ipsec:8: bad escape \"\\xZZ\" in a quoted value: expected \\x and two"},
	    {"auth kind=psk value=\"cut",
	     "(the file ends in this line, without its end: cut short?)"},
	    {"auth kind=kerberos value=\"x\"\nend\n",
	     "test.ipsec:8: auth: kerberos takes no value"},
	    {"auth kind=cert\nend\n", "test.ipsec:8: kind: \"cert\" is not valid"},
	    {"policy guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC5} name=\"Q\" modified=1 "
	     "mmpfs=no qmpermm=0 mmlifetime=480 activatedefaultrule=yes pollinginterval=180 "
	     "assigned=no mmsec=\"3DES-SHA2-2\"\nend\n",
	     "test.ipsec:8: mmsec: mmsecmethods: \"3DES-SHA2-2\": unknown hash \"SHA2\""},
	    {"policy guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC5} name=\"Q\" modified=1 "
	     "mmpfs=no qmpermm=0 mmlifetime=480 activatedefaultrule=yes pollinginterval=180 "
	     "assigned=no mmsec=\"3DES-SHA1-2\"\nend\n",
	     "test.ipsec:9: expected the defaultrule line of policy \"Q\""},
	    {"policy guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC5} name=\"p\" modified=1 "
	     "mmpfs=no qmpermm=0 mmlifetime=1 activatedefaultrule=yes pollinginterval=180 "
	     "assigned=no mmsec=\"3DES-SHA1-2\"\n"
	     "defaultrule guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC6} modified=1 activate=yes "
	     "conntype=all qmpfs=no qmsec=\"ESP[3DES,SHA1]\"\nauth kind=kerberos\nend\n",
	     "test.ipsec:8: mmlifetime: \"1\" is out of range"},
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"l\" modified=1\nend\n",
	     "test.ipsec:8: filterlist \"l\" already on line 2"},
	    {"filterlist guid = {11E6E97E-0031-49F5-AC7D-5F2FE99BABC0}\nend\n",
	     "test.ipsec:8: filterlist: expected KEY=VALUE, found \"guid\""},
	    /* each authentication method once, as add rule and set defaultrule take them */
	    {"auth kind=kerberos\nend\n",
	     "test.ipsec:8: authentication: kerberos given twice, expected it at most once"},
	    {"rule number=1 guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB4} name=\"R\" modified=1 "
	     "filterlist={11E6E97E-0031-49F5-AC7D-5F2FE99BABAF} "
	     "filteraction={11E6E97E-0031-49F5-AC7D-5F2FE99BABB1} conntype=all activate=yes "
	     "qmpfs=no qmsec=\"\"\nauth kind=psk value=\"k\"\nauth kind=psk value=\"k\"\nend\n",
	     "test.ipsec:10: authentication: psk given twice"},
	    /* text is UTF-8 */
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"l\xff\" "
	     "modified=1\nend\n",
	     "test.ipsec:8: name: byte 0xff at offset 1 of the value is not UTF-8"},
	    /* rootca repeats, one for each CA */
	    {"rule number=1 guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB4} name=\"R\" modified=1 "
	     "filterlist={11E6E97E-0031-49F5-AC7D-5F2FE99BABAF} "
	     "filteraction={11E6E97E-0031-49F5-AC7D-5F2FE99BABB1} conntype=all activate=yes "
	     "qmpfs=no qmsec=\"\"\nauth kind=rootca value=\"CN=A\"\nauth kind=rootca "
	     "value=\"CN=B\"\nauth kind=rootca value=\"cn=a\"\nend\n",
	     "test.ipsec:11: authentication: rootca \"cn=a\" given twice"},
	    /* what the shell cannot make either */
	    {"policy guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC5} name=\"Q\" modified=1 "
	     "mmpfs=yes qmpermm=7 mmlifetime=480 activatedefaultrule=yes pollinginterval=180 "
	     "assigned=no mmsec=\"3DES-SHA1-2\"\n"
	     "defaultrule guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC6} modified=1 activate=yes "
	     "conntype=all qmpfs=no qmsec=\"ESP[3DES,SHA1]\"\nauth kind=kerberos\nend\n",
	     "test.ipsec:8: qmpermm: \"7\" contradicts master PFS (mmpfs=yes)"},
	    {"policy guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC5} name=\"Q\" modified=1 "
	     "mmpfs=no qmpermm=0 mmlifetime=480 activatedefaultrule=no pollinginterval=180 "
	     "assigned=no mmsec=\"3DES-SHA1-2\"\n"
	     "defaultrule guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC6} modified=1 activate=yes "
	     "conntype=all qmpfs=no qmsec=\"ESP[3DES,SHA1]\"\nauth kind=kerberos\nend\n",
	     "test.ipsec:8: activatedefaultrule: \"no\", but the default response rule is active"},
	    /* a GUID is an object's identity: two filters, or objects of two kinds, never share one
	     */
	    {"filterlist guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABC0} name=\"M\" modified=1\n"
	     "filter guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB0} src=me dst=any protocol=UDP "
	     "srcport=0 dstport=53 mirrored=yes\nend\n",
	     "test.ipsec:9: filter GUID {11E6E97E-0031-49F5-AC7D-5F2FE99BABB0} is already the GUID "
	     "of the filter on line 3"},
	    {"rule number=1 guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABB2} name=\"R\" modified=1 "
	     "filterlist={11E6E97E-0031-49F5-AC7D-5F2FE99BABAF} "
	     "filteraction={11E6E97E-0031-49F5-AC7D-5F2FE99BABB1} conntype=all activate=yes "
	     "qmpfs=no qmsec=\"\"\nauth kind=kerberos\nend\n",
	     "test.ipsec:8: rule GUID {11E6E97E-0031-49F5-AC7D-5F2FE99BABB2} is already the GUID "
	     "of the policy on line 5"},
	    {NULL, NULL},
	};
	struct ipp_error err = {0};
	struct ipp_snapshot *s;
	char text[8192];
	int r;

	/* the good file itself reads */
	snprintf(text, sizeof(text), "%s%send\n", good_head, good_rule);
	s = import_text(text, &err, &r);
	if (r < 0)
		fail_msg("good file: %s", err.msg);
	assert_int_equal(s->npolicies, 1);
	assert_int_equal(s->policies[0].nrules, 1);
	assert_int_equal(s->policies[0].rules[0].filterlist_id, s->filterlists[0].id);
	assert_int_equal(s->policies[0].rules[0].auth[0].kind, IPP_AUTH_PSK);
	ipp_snapshot_free(s);

	for (size_t i = 0; bad[i].msg; i++) {
		snprintf(text, sizeof(text), "%s%s", good_head, bad[i].text);
		memset(&err, 0, sizeof(err));
		s = (struct ipp_snapshot *)0x1;
		{
			FILE *f = fmemopen(text, strlen(text), "r");

			r = ipp_export_read(f, "test.ipsec", &s, &err);
			fclose(f);
		}
		if (r >= 0 || !strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: r=%d msg=\"%s\", expected \"%s\"", i, r, err.msg,
				 bad[i].msg);
		assert_ptr_equal(s, (struct ipp_snapshot *)0x1); /* never partially returned */
	}

	/* versions and headers */
	s = import_text("ipsecpol-export 2\nend\n", &err, &r);
	expect_err(r, EPROTO, &err, "test.ipsec:1: \"ipsecpol-export 2\": unsupported version \"2\"");
	s = import_text("ipsecpol 1\nend\n", &err, &r);
	expect_err(r, EINVAL, &err, "test.ipsec:1: \"ipsecpol 1\": not an ipsecpol export");
	/* an empty first line: refused, not read into a buffer never grown */
	s = import_text("\nipsecpol-export 1\nend\n", &err, &r);
	expect_err(r, EINVAL, &err, "test.ipsec:1: \"\": not an ipsecpol export");
	s = import_text("", &err, &r);
	expect_err(r, EINVAL, &err, "test.ipsec:1: empty file");
	/* a byte order mark (a Windows editor's) before the header is no part of it */
	s = import_text("\xef\xbb\xbfipsecpol-export 1\nend\n", &err, &r);
	assert_int_equal(r, 0);
	ipp_snapshot_free(s);
	s = import_text("ipsecpol-export 1\n# only a comment\n\nend\n", &err, &r);
	assert_int_equal(r, 0);
	assert_int_equal(s->npolicies + s->nfilterlists + s->nfilteractions, 0);
	ipp_snapshot_free(s);

	/* the highest rule ID is kept; a new rule then has none left, and says so */
	{
		struct fx *fx = *state;
		const char *num = strstr(good_rule, "number=1 ");
		struct ipp_filterlist l;
		struct ipp_filteraction a;
		struct ipp_policy p;

		snprintf(text, sizeof(text), "%s%.*snumber=4294967295 %send\n", good_head,
			 (int)(num - good_rule), good_rule, num + strlen("number=1 "));
		s = import_text(text, &err, &r);
		if (r < 0)
			fail_msg("import: %s", err.msg);
		OK(ipp_db_merge(fx->db, IPP_STORE_LOCAL, s, &err));
		ipp_snapshot_free(s);
		OK(ipp_db_policy_find(fx->db, IPP_STORE_LOCAL, "P", NULL, &p, &err));
		OK(ipp_db_filterlist_find(fx->db, IPP_STORE_LOCAL, "L", NULL, &l, &err));
		OK(ipp_db_filteraction_find(fx->db, IPP_STORE_LOCAL, "A", NULL, &a, &err));
		expect_err(add_rule(fx->db, p.id, "R9", l.id, a.id, NULL, &err), ENOSPC, &err,
			   "rule \"R9\": no rule ID is left in the policy");
		ipp_policy_clear(&p);
		ipp_filterlist_clear(&l);
		ipp_filteraction_clear(&a);
	}
}

/* An endless input of one byte (/dev/zero, a line without end), counting what is read. */
struct endless {
	char byte;
	size_t read;
};

static ssize_t endless_read(void *cookie, char *buf, size_t size)
{
	struct endless *e = cookie;

	if (e->read >= 64 * 1024 * 1024)
		return 0; /* the reader should have stopped long before */
	memset(buf, e->byte, size);
	e->read += size;
	return (ssize_t)size;
}

/* The reader stops at the first NUL byte, or once a line is too long, as it reads. */
static void test_export_reader_endless(void **state)
{
	static const char bytes[] = { '\0', 'a' };
	static const char *const msgs[] = {"test.ipsec:1: not an ipsecpol export: a binary file",
					   "test.ipsec:1: line longer than 65536 bytes"};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct endless e = { .byte = bytes[i] };
		FILE *f = fopencookie(&e, "r", (cookie_io_functions_t){ .read = endless_read });
		struct ipp_snapshot *s = NULL;
		struct ipp_error err = {0};

		assert_non_null(f);
		expect_err(ipp_export_read(f, "test.ipsec", &s, &err), EINVAL, &err, msgs[i]);
		assert_null(s);
		assert_true(e.read < 1024 * 1024);
		fclose(f);
	}
}

/* The example of docs/ipsecpol-export.5 is a valid file that exports back identically. */
static void test_export_manpage_example(void **state)
{
	const char *src = getenv("IPP_SOURCE_DIR");
	char path[1024], line[1024], text[16384] = "";
	struct ipp_error err = {0};
	struct ipp_snapshot *s;
	bool in = false, nf = false;
	char *out;
	FILE *f;
	int r;

	if (src)
		snprintf(path, sizeof(path), "%s/docs/ipsecpol-export.5", src);
	else /* run by hand: the tree this file is in */
		snprintf(path, sizeof(path), "%.*s/docs/ipsecpol-export.5",
			 (int)(strlen(__FILE__) - strlen("/tests/unit/store/test_store.c")),
			 __FILE__);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		char *p = line;

		if (strncmp(line, ".SH EXAMPLE", 11) == 0) {
			in = true;
			continue;
		}
		if (!in)
			continue;
		if (!nf) {
			nf = strncmp(line, ".nf", 3) == 0;
			continue;
		}
		if (strncmp(line, ".fi", 3) == 0)
			break;
		/* unfold "\e" continuation lines */
		if (strlen(text) && text[strlen(text) - 1] != '\n')
			while (*p == ' ')
				p++;
		if (n >= 3 && strcmp(line + n - 3, "\\e\n") == 0)
			line[n - 3] = '\0';
		strncat(text, p, sizeof(text) - strlen(text) - 1);
	}
	fclose(f);
	assert_non_null(strstr(text, "ipsecpol-export 1\n"));
	s = import_text(text, &err, &r);
	if (r < 0)
		fail_msg("man page example: %s\n%s", err.msg, text);
	assert_int_equal(s->npolicies, 1);
	out = export_text(s);
	assert_string_equal(out, text);
	free(out);
	ipp_snapshot_free(s);
}

/* ---------- concurrency ---------- */

#define WRITERS 2
#define PER_WRITER 1500

static void test_concurrent_writers(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_filter *fv;
	pid_t pids[WRITERS];
	uint64_t g0;
	int64_t list;
	size_t n;

	list = mk_list(fx->db, IPP_STORE_LOCAL, "Shared");
	g0 = generation(fx->db);
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			struct ipp_error e = {0};
			struct ipp_db *db;
			int bad = 0;

			if (ipp_db_open(fx->path, 0, &db, &e) < 0) {
				fprintf(stderr, "writer %d: %s\n", w, e.msg);
				_exit(2);
			}
			for (int i = 0; i < PER_WRITER; i++) {
				struct ipp_filter f;

				ipp_filter_init(&f);
				f.src = A("me");
				f.dst = A(w == 0 ? "10.0.0.0/8" : "172.16.0.0/12");
				f.protocol = 6;
				f.dstport = (uint16_t)(i + 1);
				if (ipp_db_filter_add(db, list, &f, &e) < 0) {
					fprintf(stderr, "writer %d filter %d: %s\n", w, i, e.msg);
					bad = 1;
					break;
				}
			}
			ipp_db_close(db);
			_exit(bad);
		}
	}
	/* reap every writer before judging, so that none outlives the test directory */
	{
		int status[WRITERS] = {0};

		for (int w = 0; w < WRITERS; w++)
			assert_int_equal(waitpid(pids[w], &status[w], 0), pids[w]);
		for (int w = 0; w < WRITERS; w++) {
			assert_true(WIFEXITED(status[w]));
			assert_int_equal(WEXITSTATUS(status[w]), 0);
		}
	}
	OK(ipp_db_filter_list(fx->db, list, &fv, &n, &err));
	assert_int_equal(n, WRITERS * PER_WRITER);
	{
		/* every filter of every writer is there, once */
		static bool seen[WRITERS][PER_WRITER + 1];

		memset(seen, 0, sizeof(seen));
		for (size_t i = 0; i < n; i++) {
			int w = fv[i].dst.ip[0] == 10 ? 0 : 1;

			assert_false(seen[w][fv[i].dstport]);
			seen[w][fv[i].dstport] = true;
			ipp_filter_clear(&fv[i]);
		}
		free(fv);
	}
	assert_int_equal(generation(fx->db), g0 + WRITERS * PER_WRITER);
}

/* A transaction held open (a batch) keeps writers waiting, not readers. */
static void test_reader_beside_open_transaction(void **state)
{
	struct fx *fx = *state;
	struct ipp_error err = {0};
	struct ipp_snapshot *s;
	struct ipp_db *db2;
	time_t t0;

	mk_list(fx->db, IPP_STORE_LOCAL, "Before");
	OK(ipp_db_begin(fx->db, &err));
	mk_list(fx->db, IPP_STORE_LOCAL, "InBatch");
	t0 = time(NULL);
	if (ipp_db_open(fx->path, 0, &db2, &err) < 0)
		fail_msg("open beside a transaction: %s", err.msg);
	s = load(db2, IPP_STORE_LOCAL);
	assert_true(time(NULL) - t0 < 3);
	assert_int_equal(s->nfilterlists, 1); /* what is committed, only */
	assert_string_equal(s->filterlists[0].name, "Before");
	ipp_snapshot_free(s);
	ipp_db_close(db2);
	ipp_db_rollback(fx->db);
}

/* Several programs creating the same new database at once all succeed. */
static void test_concurrent_first_open(void **state)
{
	struct fx *fx = *state;
	struct ipp_snapshot *s;
	struct ipp_db *db;
	char path[400];
	pid_t pids[6];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/fresh.db", fx->dir);
	for (int i = 0; i < 6; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct ipp_error e = {0};
			struct ipp_policy p;

			ipp_policy_init(&p);
			snprintf(p.name, sizeof(p.name), "P%d", i);
			if (ipp_db_open(path, 0, &db, &e) < 0 ||
			    ipp_db_policy_add(db, IPP_STORE_LOCAL, &p, &e) < 0) {
				fprintf(stderr, "opener %d: %s\n", i, e.msg);
				_exit(1);
			}
			ipp_db_close(db);
			_exit(0);
		}
	}
	{
		int status[6] = {0};

		for (int i = 0; i < 6; i++)
			assert_int_equal(waitpid(pids[i], &status[i], 0), pids[i]);
		for (int i = 0; i < 6; i++) {
			assert_true(WIFEXITED(status[i]));
			assert_int_equal(WEXITSTATUS(status[i]), 0);
		}
	}
	OK(ipp_db_open(path, IPP_DB_READONLY, &db, NULL));
	s = load(db, IPP_STORE_LOCAL);
	assert_int_equal(s->npolicies, 6);
	ipp_snapshot_free(s);
	ipp_db_close(db);
	/* the store holds keys: a new file is for its owner only */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_crud, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_names_case_insensitive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_assign, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_references, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filter_duplicates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_schema_newer_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_unused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migration_v2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_tampered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migration_v1, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_stores, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dangling_references, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dropped_column, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_lean, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_import_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_reader_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_reader_endless, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_manpage_example, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_order_and_guids, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_first_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reader_beside_open_transaction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
