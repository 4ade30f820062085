/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the command table: its consistency, command-word
 * abbreviation and ambiguity, tag binding (the reference's examples), value
 * checks, and the help and completion generated from it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "netsh/cmdtable.h"
#include "netsh/shell.h"

/* ---------- helpers ---------- */

struct parsed {
	struct ipp_tokens t;
	struct ipp_resolved r;
	struct ipp_args a;
	int col;
};

/* The context a line is typed in: "static" (ipsec static), "dynamic", "ipsec" or "root". */
static size_t context(const char *name, const struct ipp_node **ctx)
{
	size_t d = ipp_shell_home(IPP_NAME_IPSECPOL, ctx, IPP_RESOLVE_DEPTH);

	if (strcmp(name, "static") == 0)
		return d;
	if (strcmp(name, "dynamic") == 0) {
		ctx[d - 1] = ipp_node_match(ctx[d - 2]->children, false, "dynamic", NULL);
		return d;
	}
	if (strcmp(name, "ipsec") == 0)
		return d - 1;
	return 1;
}

/* Lex, resolve and (for a command with parameters) bind; returns the result code. */
static int parse(const char *ctxname, const char *line, struct parsed *p, struct ipp_error *err)
{
	const struct ipp_node *ctx[IPP_RESOLVE_DEPTH];
	size_t depth = context(ctxname, ctx);
	int r;

	memset(p, 0, sizeof(*p));
	ipp_err_clear(err);
	if ((r = ipp_lex_line(line, &p->t, err)) < 0)
		return r;
	if ((r = ipp_resolve(ctx, depth, &p->t, &p->r, err)) < 0)
		return r;
	if (p->r.node->kind != IPP_NODE_CMD || p->r.node->builtin != IPP_BI_NONE)
		return 0;
	return ipp_bind(p->r.node, p->r.name, p->t.v + p->r.consumed, p->t.n - p->r.consumed,
			&p->a, &p->col, err);
}

static void parsed_clear(struct parsed *p)
{
	ipp_tokens_clear(&p->t);
}

/* Parse @line in @ctx, expect command @name and the arguments "tag=value;tag=value". */
static void bind_ok(const char *ctx, const char *line, const char *name, const char *expect)
{
	struct ipp_error err;
	struct parsed p;
	char got[2048] = "";
	size_t len = 0;

	if (parse(ctx, line, &p, &err) < 0)
		fail_msg("%s: %s", line, err.msg);
	if (strcmp(p.r.name, name) != 0)
		fail_msg("%s: command \"%s\", expected \"%s\"", line, p.r.name, name);
	for (size_t i = 0; i < p.a.n; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s=%s", i ? ";" : "",
					p.a.v[i].tag, p.a.v[i].value);
	if (strcmp(got, expect) != 0)
		fail_msg("%s:\n  bound    %s\n  expected %s", line, got, expect);
	parsed_clear(&p);
}

static void parse_bad(const char *ctx, const char *line, const char *needle)
{
	struct ipp_error err;
	struct parsed p;
	int r = parse(ctx, line, &p, &err);

	if (r >= 0)
		fail_msg("%s: accepted, expected an error with \"%s\"", line, needle);
	if (!strstr(err.msg, needle))
		fail_msg("%s: message \"%s\" lacks \"%s\"", line, err.msg, needle);
	parsed_clear(&p);
}

/* ---------- the table itself ---------- */

static void check_params(const char *path, const struct ipp_param *params)
{
	for (const struct ipp_param *p = params; p && p->tag; p++) {
		for (const char *c = p->tag; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				fail_msg("%s: tag \"%s\" is not lower case", path, p->tag);
		if (p->type == IPP_PT_INVALID)
			fail_msg("%s: tag \"%s\" has no type", path, p->tag);
		if (p->type == IPP_PT_ENUM && (!p->values || !p->values[0]))
			fail_msg("%s: enumerated tag \"%s\" has no values", path, p->tag);
		if (!p->help || !*p->help)
			fail_msg("%s: tag \"%s\" has no help text", path, p->tag);
		for (const struct ipp_param *q = p + 1; q->tag; q++)
			if (strcasecmp(p->tag, q->tag) == 0)
				fail_msg("%s: tag \"%s\" listed twice", path, p->tag);
		/* alternatives are contiguous, so usage lines read "a | b" */
		if (p->group && p != params && p[-1].group != p->group)
			for (const struct ipp_param *q = params; q < p - 1; q++)
				if (q->group == p->group)
					fail_msg("%s: alternatives of \"%s\" are not contiguous", path,
						 p->tag);
	}
}

static size_t walk(const struct ipp_node *node, const char *path)
{
	size_t n = 0;

	for (const struct ipp_node *c = node->children; c && c->name; c++) {
		char sub[256];

		snprintf(sub, sizeof(sub), "%s %s", path, c->name);
		if (!c->help || !*c->help)
			fail_msg("%s has no help text", sub);
		for (const struct ipp_node *d = c + 1; d->name; d++)
			if (strcasecmp(c->name, d->name) == 0)
				fail_msg("%s listed twice", sub);
		for (const struct ipp_node *g = ipp_generic_cmds; g->name; g++)
			if (strcasecmp(c->name, g->name) == 0)
				fail_msg("%s hides the generic command %s", sub, g->name);
		switch (c->kind) {
		case IPP_NODE_CMD:
			if (!c->fn || c->builtin != IPP_BI_NONE)
				fail_msg("%s: a command needs a handler", sub);
			if (!c->params)
				fail_msg("%s: a command needs a parameter list (maybe empty)", sub);
			check_params(sub, c->params);
			n++;
			break;
		case IPP_NODE_CONTEXT:
		case IPP_NODE_GROUP:
			if (!c->children || !c->children->name)
				fail_msg("%s: empty", sub);
			n += walk(c, sub);
			break;
		default:
			fail_msg("%s: invalid node kind", sub);
		}
	}
	return n;
}

static void test_table_consistent(void **state)
{
	size_t n = walk(&ipp_root, "netsh");

	/* static: 5 add + 6 delete + 8 set (config too) + 7 show + dump/export/import;
	 * dynamic: 21; ipsec: dump, whatif; the root: dump */
	assert_int_equal(n, 29 + 21 + 2 + 1);
	for (const struct ipp_node *g = ipp_generic_cmds; g->name; g++)
		assert_int_not_equal(g->builtin, IPP_BI_NONE);
}

static void test_static_commands_present(void **state)
{
	static const char *const cmds[] = {
		"add policy", "add filterlist", "add filter", "add filteraction", "add rule",
		"set policy", "set filterlist", "set filteraction", "set rule", "set defaultrule",
		"set store", "set batch", "delete all", "delete policy", "delete filterlist",
		"delete filter", "delete filteraction", "delete rule", "show all", "show policy",
		"show filterlist", "show filteraction", "show rule", "show store",
		"show gpoassignedpolicy", "exportpolicy", "importpolicy", "dump",
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct ipp_error err;
		struct parsed p;

		if (parse("static", cmds[i], &p, &err) < 0 &&
		    !strstr(err.msg, "missing required parameter"))
			fail_msg("%s: %s", cmds[i], err.msg);
		if (p.r.node->kind != IPP_NODE_CMD || strcmp(p.r.name, cmds[i]) != 0)
			fail_msg("%s resolves to \"%s\"", cmds[i], p.r.name);
		parsed_clear(&p);
	}
}

/* ---------- command words ---------- */

static void resolves(const char *ctx, const char *line, const char *name, enum ipp_node_kind kind)
{
	struct ipp_error err;
	struct parsed p;

	memset(&p, 0, sizeof(p));
	ipp_err_clear(&err);
	{
		const struct ipp_node *c[IPP_RESOLVE_DEPTH];
		size_t d = context(ctx, c);

		if (ipp_lex_line(line, &p.t, &err) < 0 || ipp_resolve(c, d, &p.t, &p.r, &err) < 0)
			fail_msg("%s: %s", line, err.msg);
	}
	if (strcmp(p.r.name, name) != 0 || p.r.node->kind != kind)
		fail_msg("%s: resolved to \"%s\" (kind %d), expected \"%s\" (kind %d)", line, p.r.name,
			 p.r.node->kind, name, kind);
	parsed_clear(&p);
}

static void test_abbreviation(void **state)
{
	resolves("static", "add policy", "add policy", IPP_NODE_CMD);
	resolves("static", "ADD POLICY", "add policy", IPP_NODE_CMD);
	resolves("static", "a p", "add policy", IPP_NODE_CMD);
	resolves("static", "sh pol", "show policy", IPP_NODE_CMD);
	resolves("static", "se sto", "set store", IPP_NODE_CMD);
	resolves("static", "del filterl", "delete filterlist", IPP_NODE_CMD);
	resolves("static", "add filter", "add filter", IPP_NODE_CMD); /* exact beats prefix */
	resolves("static", "q", "quit", IPP_NODE_CMD);
	resolves("static", "add", "add", IPP_NODE_GROUP);
	/* a parent's command is valid in a sub-context; a leading netsh starts at the root */
	resolves("static", "dynamic show config", "show config", IPP_NODE_CMD);
	resolves("static", "st add rule", "add rule", IPP_NODE_CMD);
	resolves("static", "ipsec static add rule", "add rule", IPP_NODE_CMD);
	resolves("static", "netsh ipsec static add rule", "add rule", IPP_NODE_CMD);
	resolves("static", "NETSH.EXE ipsec static add rule", "add rule", IPP_NODE_CMD);
	resolves("root", "ipsec static add rule", "add rule", IPP_NODE_CMD);
	resolves("root", "ipsec", "ipsec", IPP_NODE_CONTEXT);
	resolves("root", "i s", "ipsec static", IPP_NODE_CONTEXT);
	resolves("static", "dyn", "ipsec dynamic", IPP_NODE_CONTEXT);
	resolves("static", "", "ipsec static", IPP_NODE_CONTEXT);
	resolves("dynamic", "set config", "set config", IPP_NODE_CMD);
	resolves("ipsec", "whatif", "whatif", IPP_NODE_CMD);
}

static void test_ambiguity(void **state)
{
	parse_bad("static", "s policy", "ambiguous command \"s\": set, show");
	parse_bad("static", "d", "ambiguous command \"d\": delete, dump");
	parse_bad("static", "e", "ambiguous command \"e\": exportpolicy, exec, exit");
	parse_bad("static", "p", "ambiguous command \"p\": popd, pushd");
	parse_bad("static", "add filt x", "ambiguous command \"filt\": filter, filteraction, filterlist");
	parse_bad("dynamic", "show mm", "ambiguous command \"mm\": mmfilter, mmpolicy, mmsas");
	parse_bad("static", "frobnicate", "The following command was not found: frobnicate.");
	parse_bad("static", "add frob",
		  "The following command was not found: add frob. (expected after \"add\" one of "
		  "filter, filteraction");
}

/* ---------- binding ---------- */

static void test_bind_reference_examples(void **state)
{
	/* reference 1.2: tagless srcaddr then dstaddr after a tagged filterlist */
	bind_ok("static", "add filter filterlist=Filter1 192.145.168.0 192.145.168.45 srcmask=24 dstmask=32",
		"add filter",
		"filterlist=Filter1;srcaddr=192.145.168.0;dstaddr=192.145.168.45;srcmask=24;dstmask=32");
	bind_ok("static", "add filterlist Filter1", "add filterlist", "name=Filter1");
	bind_ok("static", "add policy Policy1 mmpfs= yes assign=yes mmsec=\"3DES-SHA1-3 DES-MD5-3 3DES-MD5-2\"",
		"add policy",
		"name=Policy1;mmpfs=yes;assign=yes;mmsecmethods=3DES-SHA1-3 DES-MD5-3 3DES-MD5-2");
	bind_ok("static", "add filter filterlist=Filter1 srcaddr=DHCP dstaddr=0.0.0.0 protocol=ICMP "
			  "srcmask=255.255.255.255 dstmask=255.255.255.255",
		"add filter",
		"filterlist=Filter1;srcaddr=DHCP;dstaddr=0.0.0.0;protocol=ICMP;"
		"srcmask=255.255.255.255;dstmask=255.255.255.255");
	bind_ok("static", "add filteraction name=FilterA qmpfs=yes soft=y action=negotiate "
			  "qmsec=\"AH[MD5]:204800k/300s ESP[DES,SHA1]:30000k/480s\"",
		"add filteraction",
		"name=FilterA;qmpfs=yes;soft=yes;action=negotiate;"
		"qmsecmethods=AH[MD5]:204800k/300s ESP[DES,SHA1]:30000k/480s");
	/* rootca repeats, and the auth order is the command line's */
	bind_ok("static", "add rule name=Rule policy=Policy filterlist=Filterlist filteraction=FilterAction "
			  "kerberos=yes psk=\"my key\" rootca=\"C=US,O=MSFT,CN=Microsoft Authenticode(tm) Root Authority\" "
			  "rootca=\"C=US,O=MSFT,CN=\\'Microsoft North, South, East, and West Root Authority\\' certmap:yes excludecaname:no\"",
		"add rule",
		"name=Rule;policy=Policy;filterlist=Filterlist;filteraction=FilterAction;kerberos=yes;"
		"psk=my key;rootca=C=US,O=MSFT,CN=Microsoft Authenticode(tm) Root Authority;"
		"rootca=C=US,O=MSFT,CN=\\'Microsoft North, South, East, and West Root Authority\\' "
		"certmap:yes excludecaname:no");
	/* the tagless form of set config, and the dynamic set rule abbreviations */
	bind_ok("dynamic", "set config ikelogging 1", "set config", "property=ikelogging;value=1");
	bind_ok("dynamic", "set config property=bootmode value=stateful", "set config",
		"property=bootmode;value=stateful");
	bind_ok("dynamic", "set rule srca=WINS dsta=0.0.0.0 srcmask=32 dstmask=32 "
			   "tunneldst=192.168.145.1 proto=tcp srcport=80 dstport=80 mir=no con=lan qmp=QM1",
		"set rule",
		"srcaddr=WINS;dstaddr=0.0.0.0;srcmask=32;dstmask=32;tunneldstaddress=192.168.145.1;"
		"protocol=tcp;srcport=80;dstport=80;mirrored=no;conntype=lan;qmpolicy=QM1");
	bind_ok("static", "set filteraction guid={11E6E97E-0031-49f5-AC7D-5F2FE99BABAF} inpass=y",
		"set filteraction", "guid={11E6E97E-0031-49f5-AC7D-5F2FE99BABAF};inpass=yes");
}

static void test_bind_rules(void **state)
{
	/* an abbreviated tag is the first tag in usage order it prefixes */
	bind_ok("static", "add rule n=R p=P filter=FL filtera=FA", "add rule",
		"name=R;policy=P;filterlist=FL;filteraction=FA");
	bind_ok("static", "add filter F me any srcm=1 de=x", "add filter",
		"filterlist=F;srcaddr=me;dstaddr=any;srcmask=1;description=x");
	parse_bad("static", "add filter F me any src=1", "srcaddr given twice (\"src=1\")");
	parse_bad("static", "add filter F me any d=x", "dstaddr given twice");
	bind_ok("static", "add filter FILTERLIST=F SRCA=me DSTA=any P=TCP MIR=N", "add filter",
		"filterlist=F;srcaddr=me;dstaddr=any;protocol=TCP;mirrored=no");
	/* "tag=value" quoted whole is tag=value (netsh drops the quotes before it looks for
	 * tags); a quoted value whose text before "=" is no tag stays a value */
	bind_ok("static", "add policy \"name=Quoted Two\" \"desc=a = b\"", "add policy",
		"name=Quoted Two;description=a = b");
	bind_ok("static", "add policy name=P \"x=y\"", "add policy", "name=P;description=x=y");
	/* tagless values fill the first parameters not yet given */
	bind_ok("static", "add filter srcaddr=me F any \"web\" TCP", "add filter",
		"srcaddr=me;filterlist=F;dstaddr=any;description=web;protocol=TCP");
	/* alternatives count as given once one of them is; keywords are words */
	bind_ok("static", "delete rule R1 P1", "delete rule", "name=R1;policy=P1");
	bind_ok("static", "delete rule all P1", "delete rule", "all=all;policy=P1");
	bind_ok("static", "delete policy ALL", "delete policy", "all=all");
	bind_ok("static", "delete policy \"all\"", "delete policy", "name=all");
	bind_ok("static", "show rule default policy=P", "show rule", "default=default;policy=P");
	bind_ok("static", "set policy Pol assign=y", "set policy", "name=Pol;assign=yes");
	bind_ok("static", "show policy level=v format=j wide=n", "show policy",
		"level=verbose;format=json;wide=no");
	bind_ok("static", "add filteraction x action=perm", "add filteraction",
		"name=x;action=permit");
	bind_ok("static", "set store persistent", "set store", "location=persistent");
	bind_ok("static", "set batch mode=e", "set batch", "mode=enable");
	bind_ok("static", "add filter F 10.0.0.0-10.0.0.9 host.example srcport=0", "add filter",
		"filterlist=F;srcaddr=10.0.0.0-10.0.0.9;dstaddr=host.example;srcport=0");
	bind_ok("ipsec", "whatif src=10.0.0.1 dst=me proto=tcp dstport=80", "whatif",
		"srcaddr=10.0.0.1;dstaddr=me;protocol=tcp;dstport=80");
	bind_ok("static", "show all", "show all", "");
}

static void test_bind_errors(void **state)
{
	struct ipp_error err;
	struct parsed p;

	parse_bad("static", "add policy name=a name=b", "name given twice (\"name=b\")");
	parse_bad("static", "add policy a n=b", "name given twice");
	parse_bad("static", "add policy name=a frob=1",
		  "unknown tag \"frob\" (valid tags: name, description, mmpfs, qmpermm");
	parse_bad("static", "delete policy all=yes", "unknown tag \"all\"");
	parse_bad("static", "add filter filterlist=F srcaddr=me", "missing required parameter dstaddr");
	parse_bad("static", "add rule R P FL", "missing required parameter filteraction");
	parse_bad("static", "set policy assign=yes", "missing required parameter: one of name, guid");
	parse_bad("static", "set policy name=a guid={11E6E97E-0031-49F5-AC7D-5F2FE99BABAF}",
		  "name and guid cannot be given together");
	parse_bad("static", "delete policy x all", "name and all cannot be given together");
	parse_bad("static", "add filterlist a b c", "unexpected value \"c\"");
	parse_bad("static", "show store x", "this command takes no parameters");
	parse_bad("static", "add policy a mmpfs=maybe", "invalid value \"maybe\" for mmpfs: expected one of yes, no");
	parse_bad("static", "add policy a qmpermm=-1", "invalid value \"-1\" for qmpermm");
	parse_bad("static", "add policy a qmpermm=4294967296", "invalid value \"4294967296\" for qmpermm");
	parse_bad("static", "add policy a mmlifetime=12x", "invalid value \"12x\"");
	parse_bad("dynamic", "add qmpolicy q pfsgroup=grp", "ambiguous value \"grp\" for pfsgroup: grp1, grp2, grp3, grpmm");
	parse_bad("static", "add filter F me any dstport=65536", "dstport");
	parse_bad("static", "add filter F me any protocol=frob", "protocol");
	parse_bad("static", "add filter F me 300.1.1.1", "dstaddr");
	parse_bad("static", "add filter F me any srcmask=255.0.255.0", "srcmask");
	parse_bad("static", "set policy guid=nonsense", "expected a GUID");
	parse_bad("static", "add policy a mmsec=\"3DES-SHA1-9\"", "mmsecmethods");
	parse_bad("static", "add filteraction a qmsec=\"ESP[FOO,SHA1]\"", "qmsecmethods");
	parse_bad("static", "add rule R P FL FA rootca=\"CN=x certmap:maybe\"", "rootca");
	parse_bad("static", "add rule R P FL FA tunnel=any", "tunnel");

	/* the error points at the offending token */
	assert_true(parse("static", "add policy name=a frob=1", &p, &err) < 0);
	assert_int_equal(p.col, 19);
	parsed_clear(&p);
}

/* ---------- help and completion ---------- */

static char *capture_usage(const char *ctx, const char *line)
{
	struct ipp_error err;
	struct parsed p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (parse(ctx, line, &p, &err) < 0 && !strstr(err.msg, "missing"))
		fail_msg("%s: %s", line, err.msg);
	ipp_help_usage(f, p.r.name, p.r.node);
	fclose(f);
	parsed_clear(&p);
	return buf;
}

/* An abbreviation of a value and of its longer synonym is the short one. */
static void test_enum_synonyms(void **state)
{
	static const char *const dir[] = {"in", "out", "inbound", "outbound", NULL};
	static const char *const grp[] = {"grp1", "grp2", NULL};
	const struct ipp_param p = {"direction", IPP_PT_ENUM, 0, 0, dir, ""};
	const struct ipp_param q = {"pfsgroup", IPP_PT_ENUM, 0, 0, grp, ""};
	struct ipp_error err = {0};

	(void)state;
	assert_string_equal(ipp_enum_match(&p, "i", &err), "in");
	assert_string_equal(ipp_enum_match(&p, "OU", &err), "out");
	assert_string_equal(ipp_enum_match(&p, "inb", &err), "inbound");
	assert_null(ipp_enum_match(&q, "grp", &err));
	assert_non_null(strstr(err.msg, "ambiguous value \"grp\""));
}

static void test_help(void **state)
{
	char *u = capture_usage("static", "add filter");
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(strstr(u, "add filter [filterlist=]<string>"));
	assert_non_null(strstr(u, "[[description=]<string>]"));
	assert_non_null(strstr(u, "[[mirrored=](yes|no)]"));
	assert_non_null(strstr(u, "[[dstport=]<port>]"));
	free(u);
	u = capture_usage("static", "set policy");
	assert_non_null(strstr(u, "[name=]<string> | [guid=]<guid>"));
	free(u);
	u = capture_usage("static", "delete rule");
	assert_non_null(strstr(u, "[name=]<string> | [id=]<integer> | [all]"));
	free(u);
	u = capture_usage("static", "add rule");
	assert_non_null(strstr(u, "excludecaname:(yes|no)\"]..."));
	free(u);

	/* a context's help lists its commands, the generic ones and its sub-contexts */
	f = open_memstream(&buf, &len);
	{
		const struct ipp_node *inh[] = { NULL };

		ipp_help_node(f, "ipsec", ipp_node_match(ipp_root.children, false, "ipsec", NULL), inh);
	}
	fclose(f);
	assert_non_null(strstr(buf, "whatif "));
	assert_non_null(strstr(buf, "pushd "));
	assert_non_null(strstr(buf, " dynamic static"));
	free(buf);

	/* every command path, once */
	buf = NULL;
	f = open_memstream(&buf, &len);
	ipp_help_commands(f);
	fclose(f);
	assert_non_null(strstr(buf, "ipsec static add filter\n"));
	assert_non_null(strstr(buf, "ipsec dynamic set config\n"));
	assert_non_null(strstr(buf, "ipsec whatif\n"));
	free(buf);
}

static char *complete(const char *ctx, const char *const *words, size_t n)
{
	const struct ipp_node *c[IPP_RESOLVE_DEPTH];
	size_t d = context(ctx, c);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ipp_complete(f, c, d, (char *const *)words, n);
	fclose(f);
	return buf;
}

static void test_complete(void **state)
{
	char *s;

	s = complete("static", (const char *const[]){ "add", "" }, 2);
	assert_string_equal(s, "filter\nfilteraction\nfilterlist\npolicy\nrule\n");
	free(s);
	s = complete("static", (const char *const[]){ "add", "filter", "filterlist=F", "mir" }, 4);
	assert_string_equal(s, "mirrored=\n");
	free(s);
	s = complete("static", (const char *const[]){ "add", "filteraction", "action=" }, 3);
	assert_string_equal(s, "action=permit\naction=block\naction=negotiate\n");
	free(s);
	/* given tags and alternatives are not offered again */
	s = complete("static", (const char *const[]){ "set", "policy", "name=x", "" }, 4);
	assert_null(strstr(s, "guid="));
	assert_null(strstr(s, "\nname="));
	assert_true(strncmp(s, "name=", 5) != 0);
	assert_non_null(strstr(s, "newname="));
	free(s);
	s = complete("static", (const char *const[]){ "s" }, 1);
	assert_string_equal(s, "set\nshow\nstatic\n");
	free(s);
	s = complete("root", (const char *const[]){ "ipsec", "dyn" }, 2);
	assert_string_equal(s, "dynamic\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_consistent),
	    cmocka_unit_test(test_static_commands_present),
	    cmocka_unit_test(test_abbreviation),
	    cmocka_unit_test(test_ambiguity),
	    cmocka_unit_test(test_bind_reference_examples),
	    cmocka_unit_test(test_bind_rules),
	    cmocka_unit_test(test_bind_errors),
	    cmocka_unit_test(test_enum_synonyms),
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
