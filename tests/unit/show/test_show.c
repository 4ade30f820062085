/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_show.c - golden tests of `show` (list, table, json) and `dump`.
 *
 * The snapshot is built by hand (no store involved).  Each output is
 * compared byte for byte with tests/unit/show/golden/<name>.txt; run with
 * IPP_UPDATE_GOLDEN=1 to rewrite the golden files, then review the diff.
 * Besides the golden comparison every test checks properties that do not
 * depend on the layout: keys hidden, 80 columns, valid JSON carrying the
 * exact strings, dump values that parse back to the same objects.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "netsh/show.h"
#include "netsh/show_internal.h"

#ifndef IPP_SHOW_GOLDEN_DIR
#define IPP_SHOW_GOLDEN_DIR "tests/unit/show/golden"
#endif

/* ---------- the fixture ---------- */

#define T0 1714564800 /* 2024-05-01 12:00:00 UTC */

static const char *const DESC_TRICKY =
    "Tab\there \"quoted\" back\\slash Z\xc3\xbcrich \xe2\x80\x94 ok";
static const char *const PSK = "s3cret key";

static struct ipp_addr addr(const char *s, int plen)
{
	struct ipp_addr a;

	assert_int_equal(ipp_addr_parse(s, &a, NULL), 0);
	if (plen >= 0)
		assert_int_equal(ipp_addr_set_mask(&a, (uint8_t)plen, NULL), 0);
	return a;
}

static void add_filter(struct ipp_filterlist *l, int64_t id, const char *src, int splen,
		       const char *dst, int dplen, uint8_t proto, uint16_t sp, uint16_t dp,
		       bool mirrored, const char *desc)
{
	struct ipp_filter *f;

	l->filters = realloc(l->filters, (l->nfilters + 1) * sizeof(*l->filters));
	assert_non_null(l->filters);
	f = &l->filters[l->nfilters++];
	ipp_filter_init(f);
	f->id = id;
	snprintf(f->guid, sizeof(f->guid), "{00000000-0000-0000-0002-%012lld}", (long long)id);
	f->description = desc ? strdup(desc) : NULL;
	f->src = addr(src, splen);
	f->dst = addr(dst, dplen);
	f->protocol = proto;
	f->srcport = sp;
	f->dstport = dp;
	f->mirrored = mirrored;
}

static void set_obj(char *guid, char *name, char *description, int64_t *modified, int kind, int n,
		    const char *nm, const char *desc)
{
	snprintf(guid, IPP_GUID_STRLEN, "{00000000-0000-0000-%04d-%012d}", kind, n);
	snprintf(name, IPP_NAME_MAX, "%s", nm);
	snprintf(description, IPP_DESC_MAX, "%s", desc);
	*modified = T0 + kind * 100 + n;
}

static void qm(struct ipp_qm_offer *o, size_t *n, const char *text)
{
	assert_int_equal(ipp_qm_offers_parse(text, o, IPP_MAX_OFFERS, n, NULL), 0);
}

/*
 * Three filter lists (given out of name order), three filter actions, two
 * policies: Block80 (assigned) and "Corp Secure" (tunnel, PSK, root CA,
 * an inactive rule, rule numbers with a gap, a customised default rule).
 */
static struct ipp_snapshot *fixture(enum ipp_store_loc loc)
{
	struct ipp_snapshot *s = calloc(1, sizeof(*s));
	struct ipp_filterlist *l;
	struct ipp_filteraction *a;
	struct ipp_policy *p;
	struct ipp_rule *r;
	struct ipp_filter *f;

	assert_non_null(s);
	s->loc = loc;

	s->nfilterlists = 3;
	s->filterlists = calloc(3, sizeof(*s->filterlists));
	l = &s->filterlists[0];
	ipp_filterlist_init(l);
	l->id = 11;
	set_obj(l->guid, l->name, l->description, &l->modified, 1, 1, "Web Servers",
		"HTTP and HTTPS to this host");
	add_filter(l, 101, "any", -1, "me", -1, 6, 0, 80, true, "HTTP");
	add_filter(l, 102, "any", -1, "me", -1, 6, 0, 443, true, NULL);
	add_filter(l, 105, "10.77.0.0", 16, "me", -1, 17, 53, 0, false,
		   "a rather long description that does not fit in eighty columns at all, "
		   "not even close");
	add_filter(l, 103, "192.0.2.10", -1, "me", -1, 0, 0, 0, true, "from a DNS name");
	f = &l->filters[3];
	f->srcdns = strdup("www.example.com");
	l = &s->filterlists[1];
	ipp_filterlist_init(l);
	l->id = 12;
	set_obj(l->guid, l->name, l->description, &l->modified, 1, 2, "All ICMP", "");
	add_filter(l, 104, "me", -1, "any", -1, 1, 0, 0, true, NULL);
	add_filter(l, 106, "fd00:77::1-fd00:77::9", -1, "fd00:78::", 64, 58, 0, 0, true, "v6");
	add_filter(l, 108, "10.77.1.1-10.77.1.9", -1, "any", -1, 1, 0, 0, false, "range");
	add_filter(l, 107, "dns", -1, "me", -1, 17, 0, 0, true, "");
	l = &s->filterlists[2];
	ipp_filterlist_init(l);
	l->id = 13;
	set_obj(l->guid, l->name, l->description, &l->modified, 1, 3, "Empty", "nothing yet");

	s->nfilteractions = 3;
	s->filteractions = calloc(3, sizeof(*s->filteractions));
	a = &s->filteractions[0];
	ipp_filteraction_init(a);
	a->id = 21;
	set_obj(a->guid, a->name, a->description, &a->modified, 2, 1, "Block", "Drop it");
	a->action = IPP_ACTION_BLOCK;
	a = &s->filteractions[1];
	ipp_filteraction_init(a);
	a->id = 22;
	set_obj(a->guid, a->name, a->description, &a->modified, 2, 2, "Permit", "");
	a->action = IPP_ACTION_PERMIT;
	a->nqmsec = 0;
	a = &s->filteractions[2];
	ipp_filteraction_init(a);
	a->id = 23;
	set_obj(a->guid, a->name, a->description, &a->modified, 2, 3, "Require Security",
		"Negotiate, inbound pass-through");
	a->qmpfs = true;
	a->inpass = true;
	qm(a->qmsec, &a->nqmsec,
	   "ESP[3DES,SHA1]:100000k/3600s AH[MD5]+ESP[DES,MD5]:50000k/900s "
	   "AH[SHA1] ESP[None,SHA1]:20480k");

	s->npolicies = 2;
	s->policies = calloc(2, sizeof(*s->policies));
	/* Given out of name order: the show and dump sort "Block80" first. */
	p = &s->policies[1];
	ipp_policy_init(p);
	p->id = 31;
	set_obj(p->guid, p->name, p->description, &p->modified, 3, 1, "Block80",
		"Block inbound web traffic");
	p->assigned = true;
	p->defaultrule.id = 40;
	p->defaultrule.policy_id = 31;
	set_obj(p->defaultrule.guid, p->defaultrule.name, p->defaultrule.description,
		&p->defaultrule.modified, 4, 0, "", "");
	p->nrules = 1;
	p->rules = calloc(1, sizeof(*p->rules));
	r = &p->rules[0];
	ipp_rule_init(r);
	r->id = 41;
	r->number = 1;
	r->policy_id = 31;
	set_obj(r->guid, r->name, r->description, &r->modified, 4, 1, "Block web", "");
	r->filterlist_id = 11;
	r->filteraction_id = 21;

	p = &s->policies[0];
	ipp_policy_init(p);
	p->id = 32;
	set_obj(p->guid, p->name, p->description, &p->modified, 3, 2, "Corp Secure", DESC_TRICKY);
	p->mmpfs = true;
	p->qmpermm = 1;
	p->mmlifetime = 120;
	p->pollinginterval = 60;
	assert_int_equal(ipp_mm_offers_parse("3DES-SHA1-3 3DES-MD5-2 DES-MD5-1", p->mmsec,
					     IPP_MAX_OFFERS, &p->nmmsec, NULL),
			 0);
	p->activatedefaultrule = false;
	r = &p->defaultrule;
	r->id = 50;
	r->policy_id = 32;
	set_obj(r->guid, r->name, r->description, &r->modified, 5, 0, "", "");
	r->activate = false;
	r->qmpfs = true;
	qm(r->qmsec, &r->nqmsec, "ESP[3DES,SHA1]:30000k/480s");
	r->auth[0].kind = IPP_AUTH_PSK;
	snprintf(r->auth[0].value, sizeof(r->auth[0].value), "%s", PSK);
	r->nauth = 1;
	p->nrules = 2;
	p->rules = calloc(2, sizeof(*p->rules));
	/* Stored out of order, with a gap (rule 2 was deleted). */
	r = &p->rules[0];
	ipp_rule_init(r);
	r->id = 53;
	r->number = 3;
	r->policy_id = 32;
	set_obj(r->guid, r->name, r->description, &r->modified, 5, 3, "Ping out", "inactive");
	r->filterlist_id = 12;
	r->filteraction_id = 22;
	r->activate = false;
	r->conntype = IPP_CONN_DIALUP;
	r = &p->rules[1];
	ipp_rule_init(r);
	r->id = 51;
	r->number = 1;
	r->policy_id = 32;
	set_obj(r->guid, r->name, r->description, &r->modified, 5, 1, "Tunnel to HQ",
		"web through the tunnel");
	r->filterlist_id = 11;
	r->filteraction_id = 23;
	r->has_tunnel = true;
	r->tunnel = addr("10.77.0.1", -1);
	snprintf(r->tunneldns, sizeof(r->tunneldns), "hq.example.com");
	r->conntype = IPP_CONN_LAN;
	r->nauth = 3;
	r->auth[0].kind = IPP_AUTH_ROOTCA;
	assert_int_equal(
	    ipp_rootca_parse("C=US,O=Example,CN=\\'Example Root\\' certmap:yes excludecaname:no",
			     &r->auth[0], NULL),
	    0);
	r->auth[1].kind = IPP_AUTH_PSK;
	snprintf(r->auth[1].value, sizeof(r->auth[1].value), "%s", PSK);
	r->auth[2].kind = IPP_AUTH_KERBEROS;
	return s;
}

static void fixture_free(struct ipp_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->npolicies; i++)
		ipp_policy_clear(&s->policies[i]);
	for (i = 0; i < s->nfilterlists; i++)
		ipp_filterlist_clear(&s->filterlists[i]);
	for (i = 0; i < s->nfilteractions; i++)
		ipp_filteraction_clear(&s->filteractions[i]);
	free(s->policies);
	free(s->filterlists);
	free(s->filteractions);
	free(s);
}

static const struct ipp_policy *policy(const struct ipp_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->npolicies; i++)
		if (strcmp(s->policies[i].name, name) == 0)
			return &s->policies[i];
	fail_msg("no policy %s", name);
	return NULL;
}

/* ---------- capture and golden files ---------- */

struct cap {
	FILE *f;
	char *buf;
	size_t len;
};

static FILE *cap_open(struct cap *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

static char *cap_close(struct cap *c)
{
	fclose(c->f);
	return c->buf;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void golden(const char *name, const char *actual)
{
	const char *dir = getenv("IPP_SOURCE_DIR");
	const char *upd = getenv("IPP_UPDATE_GOLDEN");
	char path[4096];
	char *expect;

	if (dir)
		snprintf(path, sizeof(path), "%s/tests/unit/show/golden/%s.txt", dir, name);
	else
		snprintf(path, sizeof(path), "%s/%s.txt", IPP_SHOW_GOLDEN_DIR, name);
	if (upd && strcmp(upd, "1") == 0) {
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		fputs(actual, f);
		fclose(f);
		return;
	}
	expect = read_file(path);
	if (!expect)
		fail_msg("golden file %s missing (regenerate with IPP_UPDATE_GOLDEN=1)", path);
	if (strcmp(expect, actual) != 0) {
		const char *e = expect, *a = actual;
		int lineno = 1;

		while (*e && *e == *a) {
			if (*e == '\n')
				lineno++;
			e++;
			a++;
		}
		fprintf(stderr, "--- %s differs at line %d\n--- actual output:\n%s\n", path, lineno,
			actual);
		free(expect);
		fail_msg("output differs from %s (line %d)", path, lineno);
	}
	free(expect);
}

/* ---------- a tiny JSON validator (RFC 8259 grammar) ---------- */

static void ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool jvalue(const char **p, int depth);

static bool jstring(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;

	if (*s != '"')
		return false;
	s++;
	while (*s != '"') {
		if (*s < 0x20)
			return false; /* raw control character (or end of text) */
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
						return false;
				s += 5;
				continue;
			}
			if (!*s || !strchr("\"\\/bfnrt", *s))
				return false;
			s++;
			continue;
		}
		if (*s >= 0x80) {
			int n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc2 ? 2 : 0, i;

			if (n == 0 || *s > 0xf4)
				return false;
			for (i = 1; i < n; i++)
				if ((s[i] & 0xc0) != 0x80)
					return false;
			s += n;
			continue;
		}
		s++;
	}
	*p = (const char *)s + 1;
	return true;
}

static bool jnumber(const char **p)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	*p = s;
	return true;
}

static bool jcontainer(const char **p, int depth, char close, bool object)
{
	(*p)++;
	ws(p);
	if (**p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		ws(p);
		if (object) {
			if (!jstring(p))
				return false;
			ws(p);
			if (**p != ':')
				return false;
			(*p)++;
		}
		if (!jvalue(p, depth + 1))
			return false;
		ws(p);
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (**p != close)
			return false;
		(*p)++;
		return true;
	}
}

static bool jvalue(const char **p, int depth)
{
	if (depth > 64)
		return false;
	ws(p);
	switch (**p) {
	case '{':
		return jcontainer(p, depth, '}', true);
	case '[':
		return jcontainer(p, depth, ']', false);
	case '"':
		return jstring(p);
	case 't':
		return strncmp(*p, "true", 4) == 0 ? (*p += 4, true) : false;
	case 'f':
		return strncmp(*p, "false", 5) == 0 ? (*p += 5, true) : false;
	case 'n':
		return strncmp(*p, "null", 4) == 0 ? (*p += 4, true) : false;
	default:
		return jnumber(p);
	}
}

static bool json_valid(const char *doc)
{
	const char *p = doc;

	if (!jvalue(&p, 0))
		return false;
	ws(&p);
	return *p == '\0';
}

/*
 * Run python3 on @doc with the expression @expr (over the parsed document
 * `d`) and return what it prints, or NULL when python3 is not available.
 */
static char *python_eval(const char *doc, const char *expr)
{
	char path[] = "/tmp/ipp-show-json-XXXXXX";
	char cmd[8192];
	int fd = mkstemp(path);
	FILE *p;
	char *out = NULL;
	size_t len = 0;
	struct cap c;
	int st;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding=\"utf-8\")); "
		 "sys.stdout.buffer.write((%s).encode(\"utf-8\"))' %s 2>/dev/null",
		 expr, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	cap_open(&c);
	for (;;) {
		char buf[4096];
		size_t n = fread(buf, 1, sizeof(buf), p);

		if (n == 0)
			break;
		fwrite(buf, 1, n, c.f);
	}
	out = cap_close(&c);
	len = c.len;
	st = pclose(p);
	unlink(path);
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 127) {
		free(out);
		return NULL;
	}
	if (WEXITSTATUS(st) != 0) {
		free(out);
		fail_msg("python3 rejected the JSON document (expression %s)", expr);
	}
	(void)len;
	return out;
}

/* ---------- helpers ---------- */

static struct ipp_show_opts opts(enum ipp_show_level level, enum ipp_show_format fmt, bool wide)
{
	struct ipp_show_opts o;

	ipp_show_opts_init(&o);
	o.level = level;
	o.format = fmt;
	o.wide = wide;
	o.computer = "host1";
	return o;
}

static void check_width(const char *text, size_t max)
{
	const char *line = text;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t w = 0;
		const char *q;

		if (!end)
			end = line + strlen(line);
		for (q = line; q < end; q++)
			if (((unsigned char)*q & 0xc0) != 0x80)
				w++;
		if (w > max)
			fail_msg("line wider than %zu columns: %.*s", max, (int)(end - line), line);
		line = *end ? end + 1 : end;
	}
}

static int setup(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	*state = fixture(IPP_STORE_LOCAL);
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

/* ---------- tests ---------- */

/* Table cells are measured in terminal columns: wide CJK characters take two, marks none. */
static void test_text_columns(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(show_text_width("abc"), 3);
	assert_int_equal(show_text_width("R\xc3\xa8gle"), 5);		  /* Règle */
	assert_int_equal(show_text_width("e\xcc\x81"), 1);		  /* e + combining acute */
	assert_int_equal(show_text_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本 */
	assert_int_equal(show_text_width("\xef\xbc\xa1"), 2);		  /* fullwidth A */
	/* cut to 6 columns: "日" (2) + "..." (3), the next wide one would make 7 */
	show_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae", 6, buf, sizeof(buf));
	assert_true(show_text_width(buf) <= 6);
	assert_string_equal(buf, "\xe6\x97\xa5...");
}

static void test_opts_defaults(void **state)
{
	struct ipp_show_opts o;

	memset(&o, 0x5a, sizeof(o));
	ipp_show_opts_init(&o);
	assert_int_equal(o.level, IPP_LEVEL_NORMAL);
	assert_int_equal(o.format, IPP_FORMAT_LIST);
	assert_true(o.wide);
	assert_false(o.resolvedns);
	assert_false(o.show_keys);
	assert_null(o.computer);
}

static void test_list_normal(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_NORMAL, IPP_FORMAT_LIST, true);
	const struct ipp_policy *pv[2] = {policy(s, "Block80"), policy(s, "Corp Secure")};
	const struct ipp_filterlist *lv[3] = {&s->filterlists[0], &s->filterlists[1],
					      &s->filterlists[2]};
	const struct ipp_filteraction *av[3] = {&s->filteractions[0], &s->filteractions[1],
						&s->filteractions[2]};
	struct cap c;
	char *out;

	cap_open(&c);
	ipp_show_policies(c.f, s, pv, 2, &o);
	fputs("=====\n", c.f);
	ipp_show_filterlists(c.f, s, lv, 3, &o);
	fputs("=====\n", c.f);
	ipp_show_filteractions(c.f, s, av, 3, &o);
	out = cap_close(&c);
	golden("list_normal", out);
	/* normal: Windows' six summary fields of a policy, no rules, no filters */
	assert_non_null(strstr(out, "Policy Name            : Corp Secure\n"
				    "Description            : Tab here"));
	assert_non_null(strstr(out, "Assigned               : NO\n"
				    "Master PFS             : YES\n"
				    "Polling Interval       : 60 minutes\n=====\n"));
	assert_null(strstr(out, "Rule Details"));
	assert_null(strstr(out, "Main Mode Life Time"));
	assert_null(strstr(out, "Source IP Address"));
	/* lists and actions: their store, "NONE" for no description */
	assert_non_null(strstr(out, "Store                  : Local Store <host1>\n"));
	assert_non_null(strstr(out, "FilterList Name        : All ICMP\n"
				    "Description            : NONE\n"));
	free(out);
}

static void test_list_verbose(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_VERBOSE, IPP_FORMAT_LIST, true);
	const struct ipp_policy *pv[1] = {policy(s, "Corp Secure")};
	struct cap c;
	char *out;
	const char *t1, *t3, *dflt;

	cap_open(&c);
	ipp_show_policies(c.f, s, pv, 1, &o);
	out = cap_close(&c);
	golden("list_verbose", out);
	/* rules by number, the default response rule last, with lists and actions in full */
	t1 = strstr(out, "Rule Name              : Tunnel to HQ");
	t3 = strstr(out, "Rule Name              : Ping out");
	dflt = strstr(out, "Rule Name              : Default Response Rule");
	assert_non_null(t1);
	assert_non_null(t3);
	assert_non_null(dflt);
	assert_true(t1 < t3 && t3 < dflt);
	assert_non_null(strstr(out, "Filter List Details"));
	assert_non_null(strstr(out, "Source DNS Name        : www.example.com\n"));
	/* a list's filters under "Filter(s)", each ended by a blank line, as Windows' */
	assert_non_null(strstr(out, "Filter(s)\n---------\nDescription            : "));
	assert_null(strstr(out, "Filter 1"));
	/* further values under their own field's value column */
	assert_non_null(strstr(out, "Main Mode Security Methods : 3DES SHA1 DH group 3"));
	assert_non_null(strstr(out, "\n                             3DES MD5  DH group 2"));
	assert_non_null(strstr(out, "Preshared Key: (hidden)"));
	assert_null(strstr(out, PSK));
	/* control characters never reach the terminal */
	assert_null(strchr(out, '\t'));
	free(out);
}

static void test_show_keys(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_VERBOSE, IPP_FORMAT_LIST, true);
	const struct ipp_policy *pv[1] = {policy(s, "Corp Secure")};
	struct cap c;
	char *out;

	o.show_keys = true;
	cap_open(&c);
	ipp_show_policies(c.f, s, pv, 1, &o);
	out = cap_close(&c);
	assert_non_null(strstr(out, "Preshared Key: s3cret key\n"));
	assert_null(strstr(out, "(hidden)"));
	free(out);

	o.format = IPP_FORMAT_JSON;
	cap_open(&c);
	ipp_show_policies(c.f, s, pv, 1, &o);
	out = cap_close(&c);
	assert_non_null(strstr(out, "\"key\": \"s3cret key\""));
	free(out);
}

static void test_rules(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_NORMAL, IPP_FORMAT_LIST, true);
	const struct ipp_policy *p = policy(s, "Corp Secure");
	const struct ipp_rule *rv[2] = {&p->rules[1], &p->defaultrule};
	struct cap c;
	char *out;

	cap_open(&c);
	ipp_show_rules(c.f, s, p, rv, 2, &o);
	fputs("=====\n", c.f);
	o.format = IPP_FORMAT_TABLE;
	ipp_show_rules(c.f, s, p, rv, 2, &o);
	out = cap_close(&c);
	golden("rules", out);
	assert_non_null(strstr(out, "Tunnel Endpoint        : 10.77.0.1 (hq.example.com)\n"));
	assert_non_null(strstr(out, "Authentication Methods : Root CA: "
				    "C=US,O=Example,CN=\"Example Root\" (certmap: YES, "
				    "excludecaname: NO)\n"));
	assert_non_null(strstr(out, "Filter List            : <Dynamic>\n"));
	assert_null(strstr(out, PSK));
	free(out);
}

static void test_table(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_VERBOSE, IPP_FORMAT_TABLE, true);
	struct cap c;
	char *out;

	cap_open(&c);
	ipp_show_all(c.f, s, &o);
	out = cap_close(&c);
	golden("table_wide", out);
	/* wide=yes never cuts */
	assert_non_null(strstr(out, "not even close"));
	assert_null(strstr(out, "..."));
	free(out);
}

static void test_table_narrow(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_VERBOSE, IPP_FORMAT_TABLE, false);
	struct cap c;
	char *out;

	cap_open(&c);
	ipp_show_all(c.f, s, &o);
	out = cap_close(&c);
	golden("table_narrow", out);
	check_width(out, 80);
	assert_non_null(strstr(out, "..."));
	assert_null(strstr(out, "not even close"));
	free(out);

	/* list format with wide=no fits too */
	o.format = IPP_FORMAT_LIST;
	cap_open(&c);
	ipp_show_all(c.f, s, &o);
	out = cap_close(&c);
	golden("list_narrow", out);
	check_width(out, 80);
	assert_non_null(strstr(out, "Description            : a rather long description that does "
				    "not fit in eight...\n"));
	free(out);
}

/* wide=no: an empty column's header is cut before an address is */
static void test_table_empty_column(void **state)
{
	static const char *const hdr[] = {"No.",   "Mirror",  "Source",	 "Destination",
					  "Proto", "SrcPort", "DstPort", "Description"};
	static const char *const row[] = {
	    "1", "YES", "192.145.168.0/24", "192.145.168.45", "TCP", "ANY", "80", ""};
	struct show_table t;
	struct cap c;
	char *out;

	(void)state;
	show_table_init(&t, 8, hdr);
	show_table_row(&t, row);
	show_table_row(&t, (const char *const[]){"2", "YES", "2001:db8:1234:5678::1", "me", "UDP",
						 "ANY", "ANY", ""});
	cap_open(&c);
	show_table_print(c.f, &t, false);
	out = cap_close(&c);
	check_width(out, 80);
	assert_non_null(strstr(out, "192.145.168.0/24 "));
	assert_non_null(strstr(out, "De..."));
	free(out);
	show_table_free(&t);
}

static void test_resolvedns(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_VERBOSE, IPP_FORMAT_LIST, true);
	struct ipp_filterlist *l = &s->filterlists[2];
	const struct ipp_filterlist *lv[1] = {l};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	char host[1025], want[1200];
	struct cap c;
	char *out;

	/* table: the address, or with resolvedns=yes the name it was added by */
	{
		struct ipp_show_opts t = opts(IPP_LEVEL_VERBOSE, IPP_FORMAT_TABLE, true);
		const struct ipp_filterlist *web[1] = {&s->filterlists[0]};

		cap_open(&c);
		ipp_show_filterlists(c.f, s, web, 1, &t);
		out = cap_close(&c);
		assert_non_null(strstr(out, "192.0.2.10"));
		assert_null(strstr(out, "www.example.com"));
		free(out);
		t.resolvedns = true;
		cap_open(&c);
		ipp_show_filterlists(c.f, s, web, 1, &t);
		out = cap_close(&c);
		assert_non_null(strstr(out, "www.example.com"));
		assert_null(strstr(out, "192.0.2.10"));
		free(out);
	}
	add_filter(l, 109, "127.0.0.1", -1, "me", -1, 0, 0, 0, true, NULL);
	cap_open(&c);
	ipp_show_filterlists(c.f, s, lv, 1, &o);
	out = cap_close(&c);
	/* no name: the address, as Windows lists it */
	assert_non_null(strstr(out, "Source DNS Name        : 127.0.0.1\n"));
	free(out);

	if (getnameinfo((struct sockaddr *)&sin, sizeof(sin), host, sizeof(host), NULL, 0,
			NI_NAMEREQD) != 0) {
		print_message("127.0.0.1 has no name here: resolvedns=yes not checked\n");
		return;
	}
	o.resolvedns = true;
	cap_open(&c);
	ipp_show_filterlists(c.f, s, lv, 1, &o);
	out = cap_close(&c);
	snprintf(want, sizeof(want), "Source DNS Name        : %s\n", host);
	assert_non_null(strstr(out, want));
	/* "me" is never looked up */
	assert_non_null(strstr(out, "Destination DNS Name   : <My IP Address>\n"));
	free(out);
}

static void test_show_all_list(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_NORMAL, IPP_FORMAT_LIST, true);
	struct cap c;
	char *out;
	const char *b, *cs;

	cap_open(&c);
	ipp_show_all(c.f, s, &o);
	out = cap_close(&c);
	golden("show_all", out);
	/* a blank line first: the first policy's name on the second line, as Windows' */
	assert_non_null(strstr(out, "\nPolicy Name            : Block80\n"));
	assert_ptr_equal(strstr(out, "\nPolicy Name            : Block80\n"), out);
	b = strstr(out, "Policy Name            : Block80");
	cs = strstr(out, "Policy Name            : Corp Secure");
	assert_true(b && cs && b < cs);
	free(out);
}

static void test_store(void **state)
{
	struct ipp_show_opts o = opts(IPP_LEVEL_NORMAL, IPP_FORMAT_LIST, true);
	struct cap c;
	char *out;

	cap_open(&c);
	ipp_show_store(c.f, IPP_STORE_LOCAL, &o);
	ipp_show_store(c.f, IPP_STORE_PERSISTENT, &o);
	ipp_show_store(c.f, IPP_STORE_DOMAIN, &o);
	o.computer = NULL;
	ipp_show_store(c.f, IPP_STORE_LOCAL, &o);
	ipp_show_store(c.f, IPP_STORE_LOCAL, NULL);
	out = cap_close(&c);
	assert_string_equal(out, "Current store is: Local Store <host1>\n"
				 "Current store is: Persistent Store\n"
				 "Current store is: Domain Store\n"
				 "Current store is: Local Store\n"
				 "Current store is: Local Store\n");
	free(out);
	o.format = IPP_FORMAT_JSON;
	cap_open(&c);
	ipp_show_store(c.f, IPP_STORE_PERSISTENT, &o);
	out = cap_close(&c);
	assert_true(json_valid(out));
	assert_non_null(strstr(out, "\"store\": \"persistent\""));
	free(out);
}

static void test_json(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_NORMAL, IPP_FORMAT_JSON, false);
	const struct ipp_policy *pv[2] = {policy(s, "Block80"), policy(s, "Corp Secure")};
	struct cap c;
	char *out, *py;

	cap_open(&c);
	ipp_show_all(c.f, s, &o);
	out = cap_close(&c);
	golden("json_all", out);
	assert_true(json_valid(out));
	assert_null(strstr(out, PSK));
	py = python_eval(out, "d[\"policies\"][1][\"description\"]");
	if (py) {
		assert_string_equal(py, DESC_TRICKY);
		free(py);
		py = python_eval(out, "\",\".join(f[\"name\"] for f in d[\"filterlists\"])");
		assert_non_null(py);
		assert_string_equal(py, "All ICMP,Empty,Web Servers");
		free(py);
		py = python_eval(out, "str(d[\"filterlists\"][2][\"filters\"][3][\"srcaddr\"]"
				      "[\"prefix\"])");
		assert_non_null(py);
		assert_string_equal(py, "16");
		free(py);
	} else {
		print_message(
		    "python3 not available: JSON checked by the built-in validator only\n");
	}
	free(out);

	/* show policy: rules carry their filter list and action in full */
	cap_open(&c);
	ipp_show_policies(c.f, s, pv, 2, &o);
	out = cap_close(&c);
	golden("json_policies", out);
	assert_true(json_valid(out));
	py = python_eval(out, "d[\"policies\"][1][\"rules\"][0][\"filterlist_details\"]"
			      "[\"filters\"][2][\"srcaddr\"][\"dnsname\"] + \"|\" + "
			      "d[\"policies\"][1][\"rules\"][2][\"name\"] + \"|\" + "
			      "str(len(d[\"policies\"][1][\"rules\"]))");
	if (py) {
		assert_string_equal(py, "www.example.com|Default Response Rule|3");
		free(py);
	}
	free(out);

	/* empty selections are still one valid document */
	cap_open(&c);
	ipp_show_policies(c.f, s, pv, 0, &o);
	ipp_show_filterlists(c.f, s, NULL, 0, &o);
	out = cap_close(&c);
	assert_string_equal(out, "{\n  \"store\": \"local\",\n  \"store_label\": \"Local Store "
				 "<host1>\",\n  \"policies\": []\n}\n"
				 "{\n  \"store\": \"local\",\n  \"store_label\": \"Local Store "
				 "<host1>\",\n  \"filterlists\": []\n}\n");
	free(out);
}

static void test_json_escaping(void **state)
{
	struct ipp_snapshot *s = *state;
	struct ipp_show_opts o = opts(IPP_LEVEL_NORMAL, IPP_FORMAT_JSON, true);
	struct ipp_filteraction a = s->filteractions[0];
	const struct ipp_filteraction *av[1] = {&a};
	struct cap c;
	char *out, *py;

	/* every control character, quote, backslash, UTF-8 and one invalid byte */
	snprintf(a.name, sizeof(a.name), "\x01\x1f\b\f\n\r\t\"\\/ \xc3\xa9\xf0\x9f\x94\x92 \xff!");
	cap_open(&c);
	ipp_show_filteractions(c.f, s, av, 1, &o);
	out = cap_close(&c);
	assert_true(json_valid(out));
	assert_non_null(strstr(out, "\"name\": \"\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\/ "
				    "\xc3\xa9\xf0\x9f\x94\x92 \\ufffd!\""));
	py = python_eval(out, "d[\"filteractions\"][0][\"name\"]");
	if (py) {
		assert_string_equal(py, "\x01\x1f\b\f\n\r\t\"\\/ \xc3\xa9\xf0\x9f\x94\x92 "
					"\xef\xbf\xbd!");
		free(py);
	}
	free(out);
}

/* ---------- dump ---------- */

/* Split a dump line into tokens: words and tag="quoted value" (quotes removed). */
static size_t tokens(const char *line, char tok[][2048], size_t max)
{
	size_t n = 0;

	while (*line && n < max) {
		size_t k = 0;
		bool q = false;

		while (*line == ' ')
			line++;
		if (!*line)
			break;
		while (*line && (q || *line != ' ') && k + 1 < 2048) {
			if (*line == '"')
				q = !q;
			else
				tok[n][k++] = *line;
			line++;
		}
		tok[n][k] = '\0';
		n++;
	}
	return n;
}

static const char *tag(char tok[][2048], size_t n, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < n; i++)
		if (strncmp(tok[i], name, len) == 0 && tok[i][len] == '=')
			return tok[i] + len + 1;
	return NULL;
}

static void filter_from_dump(char tok[][2048], size_t n, struct ipp_filter *f)
{
	const char *v;
	uint8_t plen;

	ipp_filter_init(f);
	assert_int_equal(ipp_addr_parse(tag(tok, n, "srcaddr"), &f->src, NULL), 0);
	assert_int_equal(ipp_addr_parse(tag(tok, n, "dstaddr"), &f->dst, NULL), 0);
	if ((v = tag(tok, n, "srcmask"))) {
		assert_int_equal(
		    ipp_mask_parse(v, f->src.family ? f->src.family : AF_INET, &plen, NULL), 0);
		assert_int_equal(ipp_addr_set_mask(&f->src, plen, NULL), 0);
	}
	if ((v = tag(tok, n, "dstmask"))) {
		assert_int_equal(
		    ipp_mask_parse(v, f->dst.family ? f->dst.family : AF_INET, &plen, NULL), 0);
		assert_int_equal(ipp_addr_set_mask(&f->dst, plen, NULL), 0);
	}
	assert_int_equal(ipp_proto_parse(tag(tok, n, "protocol"), &f->protocol, NULL), 0);
	assert_int_equal(ipp_port_parse(tag(tok, n, "srcport"), &f->srcport, NULL), 0);
	assert_int_equal(ipp_port_parse(tag(tok, n, "dstport"), &f->dstport, NULL), 0);
	assert_int_equal(ipp_bool_parse("mirrored", tag(tok, n, "mirrored"), &f->mirrored, NULL),
			 0);
}

static void test_dump(void **state)
{
	struct ipp_snapshot *s = *state;
	struct cap c;
	char *out, *again, *line, *save = NULL;
	static char tok[32][2048];
	const struct ipp_filterlist *web = &s->filterlists[0];
	size_t nweb = 0, nlines = 0;

	cap_open(&c);
	ipp_dump_store(c.f, s, NULL);
	out = cap_close(&c);
	golden("dump", out);
	cap_open(&c);
	ipp_dump_store(c.f, s, NULL);
	again = cap_close(&c);
	assert_string_equal(out, again);
	free(again);

	{
		static const char head[] =
		    "# ipsecpol static dump\npushd ipsec static\nset store location=local\n";

		assert_int_equal(strncmp(out, head, strlen(head)), 0);
		assert_non_null(strstr(out, "\npopd\n"));
		assert_string_equal(strstr(out, "\npopd\n"), "\npopd\n");
	}
	/* keys are written in full: the script must recreate them */
	assert_non_null(strstr(out, " psk=\"s3cret key\""));
	/* order: lists by name, actions, policies by name, rules by number, assignment last */
	assert_true(strstr(out, "add filterlist name=\"All ICMP\"") <
		    strstr(out, "add filterlist name=\"Empty\""));
	assert_true(strstr(out, "add filterlist name=\"Web Servers\"") <
		    strstr(out, "add filteraction name=\"Block\""));
	assert_true(strstr(out, "add policy name=\"Block80\"") <
		    strstr(out, "add policy name=\"Corp Secure\""));
	assert_true(strstr(out, "add rule name=\"Tunnel to HQ\"") <
		    strstr(out, "add rule name=\"Ping out\""));
	assert_true(strstr(out, "set defaultrule policy=\"Corp Secure\"") <
		    strstr(out, "set policy name=\"Block80\" assign=yes"));

	/* every value parses back to what the snapshot holds */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n;

		nlines++;
		if (line[0] == '#' || !strcmp(line, "pushd ipsec static") || !strcmp(line, "popd"))
			continue;
		assert_true(strncmp(line, "add ", 4) == 0 || strncmp(line, "set ", 4) == 0);
		n = tokens(line, tok, 32);
		if (strcmp(tok[1], "filter") == 0 &&
		    strcmp(tag(tok, n, "filterlist"), "Web Servers") == 0) {
			struct ipp_filter f;
			const struct ipp_filter *orig = NULL;
			size_t i;

			/* creation order = id order: 101, 102, 103, 105 */
			static const int64_t order[] = {101, 102, 103, 105};

			for (i = 0; i < web->nfilters; i++)
				if (web->filters[i].id == order[nweb])
					orig = &web->filters[i];
			assert_non_null(orig);
			filter_from_dump(tok, n, &f);
			assert_true(ipp_filter_same(&f, orig));
			assert_string_equal(tag(tok, n, "description"),
					    orig->description ? orig->description : "");
			ipp_filter_clear(&f);
			nweb++;
		}
		if (strcmp(tok[1], "filteraction") == 0 &&
		    strcmp(tag(tok, n, "name"), "Require Security") == 0) {
			struct ipp_qm_offer q[IPP_MAX_OFFERS];
			size_t nq;

			assert_int_equal(ipp_qm_offers_parse(tag(tok, n, "qmsecmethods"), q,
							     IPP_MAX_OFFERS, &nq, NULL),
					 0);
			assert_int_equal(nq, s->filteractions[2].nqmsec);
			for (size_t i = 0; i < nq; i++) {
				const struct ipp_qm_offer *o = &s->filteractions[2].qmsec[i];

				assert_int_equal(q[i].kind, o->kind);
				assert_int_equal(q[i].ah_hash, o->ah_hash);
				assert_int_equal(q[i].esp_conf, o->esp_conf);
				assert_int_equal(q[i].esp_auth, o->esp_auth);
				assert_int_equal(q[i].life_kb, o->life_kb);
				assert_int_equal(q[i].life_sec, o->life_sec);
			}
		}
		if (strcmp(tok[1], "policy") == 0 && strcmp(tok[0], "add") == 0 &&
		    strcmp(tag(tok, n, "name"), "Corp Secure") == 0) {
			struct ipp_mm_offer m[IPP_MAX_OFFERS];
			const struct ipp_policy *p = policy(s, "Corp Secure");
			size_t nm;

			assert_int_equal(ipp_mm_offers_parse(tag(tok, n, "mmsecmethods"), m,
							     IPP_MAX_OFFERS, &nm, NULL),
					 0);
			assert_int_equal(nm, p->nmmsec);
			for (size_t i = 0; i < nm; i++) {
				assert_int_equal(m[i].conf, p->mmsec[i].conf);
				assert_int_equal(m[i].hash, p->mmsec[i].hash);
				assert_int_equal(m[i].group, p->mmsec[i].group);
			}
			assert_string_equal(tag(tok, n, "assign"), "no");
		}
		if (strcmp(tok[1], "rule") == 0 &&
		    strcmp(tag(tok, n, "name"), "Tunnel to HQ") == 0) {
			struct ipp_auth ca = {0};
			const char *v = tag(tok, n, "rootca");

			assert_non_null(v);
			assert_int_equal(ipp_rootca_parse(v, &ca, NULL), 0);
			assert_string_equal(ca.value,
					    policy(s, "Corp Secure")->rules[1].auth[0].value);
			assert_true(ca.certmap);
			assert_string_equal(tag(tok, n, "tunnel"), "10.77.0.1");
			/* preference order: rootca, psk, kerberos */
			assert_true(strstr(line, " rootca=") < strstr(line, " psk=") &&
				    strstr(line, " psk=") < strstr(line, " kerberos=yes"));
		}
	}
	assert_int_equal(nweb, 4);
	assert_true(nlines > 10);
	free(out);
}

static void test_dump_domain_and_quotes(void **state)
{
	struct ipp_snapshot *s = fixture(IPP_STORE_DOMAIN);
	struct ipp_policy *p = &s->policies[1];
	struct cap c;
	char *out;

	snprintf(p->gponame, sizeof(p->gponame), "Default Domain Policy");
	snprintf(s->filterlists[2].description, IPP_DESC_MAX, "say \"hi\"\nbye");
	cap_open(&c);
	ipp_dump_store(c.f, s, NULL);
	out = cap_close(&c);
	golden("dump_domain", out);
	assert_non_null(strstr(out, "set store location=domain\n"));
	assert_non_null(strstr(out, "# The domain store is a read-only cache"));
	assert_non_null(
	    strstr(out, "set policy name=\"Block80\" gponame=\"Default Domain Policy\"\n"));
	assert_non_null(strstr(out, "# warning: filter list: description="));
	assert_non_null(
	    strstr(out, "add filterlist name=\"Empty\" description=\"say \\\"hi\\\" bye\"\n"));
	free(out);
	fixture_free(s);
}

static void test_empty(void **state)
{
	struct ipp_snapshot s = {.loc = IPP_STORE_PERSISTENT};
	struct ipp_show_opts o = opts(IPP_LEVEL_VERBOSE, IPP_FORMAT_LIST, true);
	struct cap c;
	char *out;

	cap_open(&c);
	ipp_dump_store(c.f, &s, NULL);
	out = cap_close(&c);
	assert_string_equal(
	    out,
	    "# ipsecpol static dump\npushd ipsec static\nset store location=persistent\n\npopd\n");
	free(out);

	cap_open(&c);
	ipp_show_all(c.f, &s, &o);
	o.format = IPP_FORMAT_TABLE;
	ipp_show_all(c.f, &s, &o);
	ipp_show_policies(c.f, &s, NULL, 0, &o);
	o.format = IPP_FORMAT_LIST;
	ipp_show_policies(c.f, &s, NULL, 0, &o);
	out = cap_close(&c);
	/* an empty store's list and table both say which store it is */
	assert_string_equal(out, "Current store is: Persistent Store\n"
				 "Current store is: Persistent Store\n");
	free(out);

	o.format = IPP_FORMAT_JSON;
	cap_open(&c);
	ipp_show_all(c.f, &s, &o);
	out = cap_close(&c);
	assert_true(json_valid(out));
	assert_non_null(strstr(out, "\"policies\": []"));
	free(out);
}

static void test_json_validator(void **state)
{
	/* the validator itself must reject what is not JSON */
	assert_true(json_valid("{\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\"]}"));
	assert_false(json_valid("{\"a\": [1,]}"));
	assert_false(json_valid("{\"a\" 1}"));
	assert_false(json_valid("\"raw\ttab\""));
	assert_false(json_valid("\"bad \\x escape\""));
	assert_false(json_valid("{} {}"));
	assert_false(json_valid("[01]"));
	assert_false(json_valid("\"\xff\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_validator),
	    cmocka_unit_test(test_opts_defaults),
	    cmocka_unit_test(test_text_columns),
	    cmocka_unit_test_setup_teardown(test_list_normal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_verbose, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_show_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table_narrow, setup, teardown),
	    cmocka_unit_test(test_table_empty_column),
	    cmocka_unit_test_setup_teardown(test_show_all_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolvedns, setup, teardown),
	    cmocka_unit_test(test_store),
	    cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_escaping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dump_domain_and_quotes, setup, teardown),
	    cmocka_unit_test(test_empty),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
