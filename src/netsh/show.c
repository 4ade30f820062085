/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * show.c - `show` of the static context: format=list, table and json.
 *
 * The layout of format=list (stable; scripts and tests rely on it):
 *
 * Windows' own layout where published output shows it (netsh of later
 * Windows, whose static context is the same): labels padded to 22 columns,
 * " : ", the value ("Destination IP Address : 445"); an empty description
 * is "NONE"; a filter list's filters follow "Filter(s)" underlined, each
 * followed by a blank line; a filter's DNS name is its address when it was
 * not given by name; level=normal shows a policy's six summary fields.
 *
 *   - One field per line: the label left-aligned and padded to 22 columns,
 *     " : ", the value; a longer label pushes its value right; an empty
 *     value ends the line at the colon.  Fields with several values
 *     (security methods, authentication methods) put one value per line,
 *     the following lines indented to that field's value column.
 *   - Yes/no attributes print YES or NO, port 0 prints ANY, times are local
 *     "YYYY-MM-DD HH:MM:SS" ("-" when unknown).
 *   - Objects are separated by one blank line; `show all` starts with one.
 *     Nested blocks (a policy's rules, a rule's filter list and filter
 *     action) start with a blank line and an underlined heading: "Rule
 *     Details", "Filter List Details", "Filter Action Details".
 *   - policy:       Policy Name, Description, Last Modified, Assigned,
 *                   Master PFS, Polling Interval (level=normal, as
 *                   Windows; GPO Name after Assigned for a policy assigned
 *                   through group policy); level=verbose and `show all` put
 *                   Store and GUID after Description, and after Polling
 *                   Interval: Main Mode Life Time, Quick Modes per Main
 *                   Mode, Activate Default Rule, Main Mode Security
 *                   Methods, No. of Rules, then every rule (default
 *                   response rule last), in full with its filter list and
 *                   action at level=verbose.
 *   - rule:         Rule ID, Rule Name, Policy Name, Description,
 *                   Last Modified, GUID, Activated, Tunnel Endpoint,
 *                   Connection Type, Authentication Methods (preference
 *                   order; pre-shared keys "(hidden)" unless show_keys),
 *                   Filter List, Filter Action; the default response rule
 *                   adds QMPFS and Security Methods.  level=verbose adds the
 *                   filter list (with filters) and the filter action.
 *   - filter list:  FilterList Name, Description, Store, Last Modified,
 *                   GUID, No. of Filters; level=verbose adds "Filter(s)"
 *                   and every filter: Description, Mirrored, Source IP Address, Source Mask,
 *                   Source DNS Name, Destination IP Address, Destination
 *                   Mask, Destination DNS Name, Protocol, Source Port,
 *                   Destination Port.
 *   - filter action: FilterAction Name, Description, Store, Last Modified,
 *                   GUID, Action, QMPFS, Inbound Passthru, AllowUnsecured,
 *                   Security Methods (one offer per line with its lifetimes).
 *
 * wide=no cuts every line (list) or column (table) so that lines fit 80
 * columns; a cut value ends in "...".  format=json ignores level and wide
 * and always carries everything that level=verbose shows.
 */
#include "show.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "json.h"
#include "show_internal.h"

#define LABEL_W 22

struct ctx {
	FILE *out;
	const struct ipp_snapshot *s;
	struct ipp_show_opts o;
	bool sep;      /* something was printed: the next block starts with a blank line */
	bool blank;    /* the last line printed was blank */
	size_t valcol; /* the value column of the last field (for its further values) */
};

void ipp_show_opts_init(struct ipp_show_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->level = IPP_LEVEL_NORMAL;
	o->format = IPP_FORMAT_LIST;
	o->wide = true;
	o->resolvedns = false;
	o->show_keys = false;
	o->computer = NULL;
	o->domain = NULL;
}

static void ctx_init(struct ctx *c, FILE *out, const struct ipp_snapshot *s,
		     const struct ipp_show_opts *o)
{
	c->out = out;
	c->s = s;
	if (o)
		c->o = *o;
	else
		ipp_show_opts_init(&c->o);
	c->sep = false;
	c->blank = false;
	c->valcol = LABEL_W + 3;
}

static enum ipp_store_loc ctx_loc(const struct ctx *c)
{
	return c->s ? c->s->loc : IPP_STORE_LOCAL;
}

/* ---------- list: lines, fields, headings ---------- */

/* Print one line, cut to 80 columns for wide=no, control characters blanked. */
static void line(struct ctx *c, const char *text)
{
	size_t len = strlen(text) + 4;
	char *buf = malloc(len);

	if (!buf)
		return;
	show_fit(text, c->o.wide ? SIZE_MAX : SHOW_COLUMNS, buf, len);
	/* No trailing blanks (a label padded for an empty value). */
	len = strlen(buf);
	while (len > 0 && buf[len - 1] == ' ')
		buf[--len] = '\0';
	fputs(buf, c->out);
	fputc('\n', c->out);
	c->blank = !buf[0];
	free(buf);
}

__attribute__((format(printf, 3, 0))) static void vfield(struct ctx *c, const char *label,
							 const char *fmt, va_list ap)
{
	char *value = NULL, *text = NULL;

	if (vasprintf(&value, fmt, ap) < 0)
		return;
	if (asprintf(&text, "%-*s : %s", LABEL_W, label, value) >= 0) {
		c->valcol =
		    show_text_width(label) > LABEL_W ? show_text_width(label) + 3 : LABEL_W + 3;
		line(c, text);
		free(text);
	}
	free(value);
}

__attribute__((format(printf, 3, 4))) static void field(struct ctx *c, const char *label,
							const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfield(c, label, fmt, ap);
	va_end(ap);
}

/* A further value of a multi-value field, indented to the value column. */
__attribute__((format(printf, 2, 3))) static void cont(struct ctx *c, const char *fmt, ...)
{
	char *value = NULL, *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&value, fmt, ap) < 0)
		value = NULL;
	va_end(ap);
	if (!value)
		return;
	if (asprintf(&text, "%*s%s", (int)c->valcol, "", value) >= 0) {
		line(c, text);
		free(text);
	}
	free(value);
}

static const char *yesno(bool b)
{
	return b ? "YES" : "NO";
}

/* Start a top-level object: a blank line after whatever came before. */
static void block(struct ctx *c)
{
	if (c->sep && !c->blank)
		fputc('\n', c->out);
	c->sep = true;
	c->blank = false;
}

/* A blank line (ends a filter under "Filter(s)"). */
static void blank_line(struct ctx *c)
{
	fputc('\n', c->out);
	c->blank = true;
}

/* A description as Windows shows it: "NONE" when there is none. */
static const char *desc(const char *d)
{
	return d && d[0] ? d : "NONE";
}

/* An underlined heading right under the fields before it ("Filter(s)"). */
static void subheading(struct ctx *c, const char *text)
{
	size_t i, w = show_text_width(text);

	line(c, text);
	for (i = 0; i < w && (c->o.wide || i < SHOW_COLUMNS); i++)
		fputc('-', c->out);
	fputc('\n', c->out);
	c->blank = false;
}

/* An underlined heading after a blank line ("Rule Details"). */
static void heading(struct ctx *c, const char *text)
{
	if (!c->blank)
		fputc('\n', c->out);
	subheading(c, text);
}

/* ---------- value texts ---------- */

static void store_label(const struct ctx *c, char *buf, size_t len)
{
	show_store_label(ctx_loc(c), c->o.computer, c->o.domain, buf, len);
}

/*
 * The DNS name of a filter end: the name it was resolved from when it was
 * added, else (resolvedns=yes) the reverse lookup of a host address, else "".
 */
static void dns_name(const struct ctx *c, const struct ipp_addr *a, const char *stored, char *buf,
		     size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	snprintf(buf, len, "%s", stored ? stored : "");
	if (*buf || !c->o.resolvedns || a->kind != IPP_ADDR_IP)
		return;
	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET && a->plen == 32) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->ip, 4);
		sl = sizeof(*sin);
	} else if (a->family == AF_INET6 && a->plen == 128) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->ip, 16);
		sl = sizeof(*sin6);
	} else {
		return;
	}
	if (getnameinfo((struct sockaddr *)&ss, sl, buf, len, NULL, 0, NI_NAMEREQD) != 0)
		buf[0] = '\0';
}

/* "DNS Name" as Windows lists it: the address itself when no name is known. */
static void dns_field(struct ctx *c, const char *label, const struct ipp_addr *a,
		      const char *stored)
{
	char buf[IPP_NAME_MAX + 64];

	dns_name(c, a, stored, buf, sizeof(buf));
	if (!buf[0])
		show_addr_label(a, buf, sizeof(buf));
	field(c, label, "%s", buf);
}

static void port_text(uint16_t port, char *buf, size_t len)
{
	if (port == 0)
		snprintf(buf, len, "ANY");
	else
		snprintf(buf, len, "%u", (unsigned)port);
}

static const char *conntype_label(enum ipp_conntype t)
{
	switch (t) {
	case IPP_CONN_ALL:
		return "ALL";
	case IPP_CONN_LAN:
		return "LAN";
	case IPP_CONN_DIALUP:
		return "DIALUP";
	default:
		return "?";
	}
}

static const char *rule_name(const struct ipp_rule *r)
{
	if (r->number == 0 && !r->name[0])
		return "Default Response Rule";
	return r->name;
}

static void tunnel_text(const struct ipp_rule *r, char *buf, size_t len)
{
	char ip[128];

	if (!r->has_tunnel) {
		snprintf(buf, len, "NONE");
		return;
	}
	ipp_addr_format(&r->tunnel, ip, sizeof(ip));
	if (r->tunneldns[0])
		snprintf(buf, len, "%s (%s)", ip, r->tunneldns);
	else
		snprintf(buf, len, "%s", ip);
}

static const char *psk_text(const struct ctx *c, const struct ipp_auth *a)
{
	return c->o.show_keys ? a->value : "(hidden)";
}

/* ---------- list: objects ---------- */

static void list_mm_offers(struct ctx *c, const struct ipp_mm_offer *m, size_t n)
{
	size_t i;

	if (n == 0) {
		field(c, "Main Mode Security Methods", "NONE");
		return;
	}
	for (i = 0; i < n; i++) {
		char text[128];

		snprintf(text, sizeof(text), "%-4s %-4s DH group %u (%s)",
			 show_conf_name(m[i].conf), show_hash_name(m[i].hash), (unsigned)m[i].group,
			 show_dh_name(m[i].group));
		if (i == 0)
			field(c, "Main Mode Security Methods", "%s", text);
		else
			cont(c, "%s", text);
	}
}

static void list_qm_offers(struct ctx *c, const struct ipp_qm_offer *q, size_t n)
{
	size_t i;

	if (n == 0) {
		field(c, "Security Methods", "NONE");
		return;
	}
	for (i = 0; i < n; i++) {
		char offer[64], text[160];

		show_qm_offer_text(&q[i], offer, sizeof(offer));
		snprintf(text, sizeof(text), "%-23s %lu KB / %lu s", offer, show_qm_life_kb(&q[i]),
			 show_qm_life_sec(&q[i]));
		if (i == 0)
			field(c, "Security Methods", "%s", text);
		else
			cont(c, "%s", text);
	}
}

static void list_auth(struct ctx *c, const struct ipp_rule *r)
{
	const char *label = "Authentication Methods";
	size_t i;

	if (r->nauth == 0) {
		field(c, label, "NONE");
		return;
	}
	for (i = 0; i < r->nauth; i++) {
		const struct ipp_auth *a = &r->auth[i];
		char *text = NULL;
		int rc;

		switch (a->kind) {
		case IPP_AUTH_KERBEROS:
			rc = asprintf(&text, "Kerberos");
			break;
		case IPP_AUTH_PSK:
			rc = asprintf(&text, "Preshared Key: %s", psk_text(c, a));
			break;
		case IPP_AUTH_ROOTCA:
			rc = asprintf(&text, "Root CA: %s (certmap: %s, excludecaname: %s)",
				      a->value, yesno(a->certmap), yesno(a->excludecaname));
			break;
		default:
			rc = asprintf(&text, "?");
			break;
		}
		if (rc < 0)
			continue;
		if (i == 0)
			field(c, label, "%s", text);
		else
			cont(c, "%s", text);
		free(text);
	}
}

static void list_filter(struct ctx *c, const struct ipp_filter *f)
{
	char buf[IPP_NAME_MAX + 64];
	char proto[32];

	field(c, "Description", "%s", desc(f->description));
	field(c, "Mirrored", "%s", yesno(f->mirrored));
	show_addr_label(&f->src, buf, sizeof(buf));
	field(c, "Source IP Address", "%s", buf);
	show_mask_text(&f->src, show_filter_family(&f->src, &f->dst), true, buf, sizeof(buf));
	field(c, "Source Mask", "%s", buf);
	dns_field(c, "Source DNS Name", &f->src, f->srcdns);
	show_addr_label(&f->dst, buf, sizeof(buf));
	field(c, "Destination IP Address", "%s", buf);
	show_mask_text(&f->dst, show_filter_family(&f->src, &f->dst), true, buf, sizeof(buf));
	field(c, "Destination Mask", "%s", buf);
	dns_field(c, "Destination DNS Name", &f->dst, f->dstdns);
	ipp_proto_format(f->protocol, proto, sizeof(proto));
	field(c, "Protocol", "%s", proto);
	port_text(f->srcport, buf, sizeof(buf));
	field(c, "Source Port", "%s", buf);
	port_text(f->dstport, buf, sizeof(buf));
	field(c, "Destination Port", "%s", buf);
}

static void list_filterlist(struct ctx *c, const struct ipp_filterlist *l, bool verbose)
{
	char buf[128];

	field(c, "FilterList Name", "%s", l->name);
	field(c, "Description", "%s", desc(l->description));
	store_label(c, buf, sizeof(buf));
	field(c, "Store", "%s", buf);
	show_time_local(l->modified, buf, sizeof(buf));
	field(c, "Last Modified", "%s", buf);
	field(c, "GUID", "%s", l->guid);
	field(c, "No. of Filters", "%zu", l->nfilters);
	if (verbose) {
		size_t n, i;
		const struct ipp_filter **f = show_sorted_filters(l, &n);

		if (n)
			subheading(c, "Filter(s)");
		for (i = 0; i < n; i++) {
			list_filter(c, f[i]);
			blank_line(c);
		}
		free(f);
	}
}

static void list_filteraction(struct ctx *c, const struct ipp_filteraction *a)
{
	char buf[128];

	field(c, "FilterAction Name", "%s", a->name);
	field(c, "Description", "%s", desc(a->description));
	store_label(c, buf, sizeof(buf));
	field(c, "Store", "%s", buf);
	show_time_local(a->modified, buf, sizeof(buf));
	field(c, "Last Modified", "%s", buf);
	field(c, "GUID", "%s", a->guid);
	field(c, "Action", "%s", show_action_label(a->action));
	field(c, "QMPFS", "%s", yesno(a->qmpfs));
	field(c, "Inbound Passthru", "%s", yesno(a->inpass));
	field(c, "AllowUnsecured", "%s", yesno(a->soft));
	list_qm_offers(c, a->qmsec, a->nqmsec);
}

static void list_rule(struct ctx *c, const struct ipp_policy *p, const struct ipp_rule *r,
		      bool verbose)
{
	const struct ipp_filterlist *l = NULL;
	const struct ipp_filteraction *a = NULL;
	char buf[IPP_NAME_MAX + 160];

	field(c, "Rule ID", "%u", (unsigned)r->number);
	field(c, "Rule Name", "%s", rule_name(r));
	field(c, "Policy Name", "%s", p ? p->name : "");
	field(c, "Description", "%s", desc(r->description));
	show_time_local(r->modified, buf, sizeof(buf));
	field(c, "Last Modified", "%s", buf);
	field(c, "GUID", "%s", r->guid);
	field(c, "Activated", "%s", yesno(r->activate));
	tunnel_text(r, buf, sizeof(buf));
	field(c, "Tunnel Endpoint", "%s", buf);
	field(c, "Connection Type", "%s", conntype_label(r->conntype));
	list_auth(c, r);
	if (r->number == 0) {
		field(c, "Filter List", "<Dynamic>");
		field(c, "Filter Action", "Default Response");
		field(c, "QMPFS", "%s", yesno(r->qmpfs));
		list_qm_offers(c, r->qmsec, r->nqmsec);
		return;
	}
	l = show_find_filterlist(c->s, r->filterlist_id);
	a = show_find_filteraction(c->s, r->filteraction_id);
	if (l)
		field(c, "Filter List", "%s", l->name);
	else
		field(c, "Filter List", "<missing filter list %lld>", (long long)r->filterlist_id);
	if (a)
		field(c, "Filter Action", "%s", a->name);
	else
		field(c, "Filter Action", "<missing filter action %lld>",
		      (long long)r->filteraction_id);
	if (!verbose)
		return;
	if (l) {
		heading(c, "Filter List Details");
		list_filterlist(c, l, true);
	}
	if (a) {
		heading(c, "Filter Action Details");
		list_filteraction(c, a);
	}
}

/* RULES_NONE: Windows' summary (level=normal); the others every field and the rules */
enum rules_mode { RULES_NONE, RULES_NORMAL, RULES_VERBOSE };

static void list_policy(struct ctx *c, const struct ipp_policy *p, enum rules_mode mode)
{
	const struct ipp_rule **rules;
	char buf[128];
	size_t n, i;

	field(c, "Policy Name", "%s", p->name);
	field(c, "Description", "%s", desc(p->description));
	if (mode != RULES_NONE) {
		store_label(c, buf, sizeof(buf));
		field(c, "Store", "%s", buf);
	}
	show_time_local(p->modified, buf, sizeof(buf));
	field(c, "Last Modified", "%s", buf);
	if (mode != RULES_NONE)
		field(c, "GUID", "%s", p->guid);
	field(c, "Assigned", "%s", yesno(p->assigned));
	if (p->gponame[0]) /* (show gpoassignedpolicy: the group policy object it comes from) */
		field(c, "GPO Name", "%s", p->gponame);
	field(c, "Master PFS", "%s", yesno(p->mmpfs));
	field(c, "Polling Interval", "%u minutes", (unsigned)p->pollinginterval);
	if (mode == RULES_NONE)
		return;
	field(c, "Main Mode Life Time", "%u minutes", (unsigned)p->mmlifetime);
	if (p->qmpermm == 0)
		field(c, "Quick Modes per Main Mode", "0 (unlimited)");
	else
		field(c, "Quick Modes per Main Mode", "%u", (unsigned)p->qmpermm);
	field(c, "Activate Default Rule", "%s", yesno(p->activatedefaultrule));
	list_mm_offers(c, p->mmsec, p->nmmsec);
	field(c, "No. of Rules", "%zu", p->nrules);

	rules = show_sorted_rules(p, &n);
	for (i = 0; i < n; i++) {
		heading(c, "Rule Details");
		list_rule(c, p, rules[i], mode == RULES_VERBOSE);
	}
	heading(c, "Rule Details");
	list_rule(c, p, &p->defaultrule, mode == RULES_VERBOSE);
	free(rules);
}

/* ---------- table ---------- */

static void auth_cell(const struct ipp_rule *r, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < r->nauth && used < len; i++) {
		const char *n = r->auth[i].kind == IPP_AUTH_KERBEROS ? "Kerberos"
				: r->auth[i].kind == IPP_AUTH_PSK    ? "PSK"
				: r->auth[i].kind == IPP_AUTH_ROOTCA ? "RootCA"
								     : "?";
		int k = snprintf(buf + used, len - used, "%s%s", i ? "," : "", n);

		if (k < 0)
			break;
		used += (size_t)k;
	}
	if (r->nauth == 0)
		snprintf(buf, len, "NONE");
}

static void table_rules(struct ctx *c, const struct ipp_policy *p, const struct ipp_rule *const *v,
			size_t n)
{
	static const char *const hdr[] = {"ID",	    "Rule Name", "Filter List", "Filter Action",
					  "Tunnel", "Conn",	 "Auth",	"Active"};
	struct show_table t;
	size_t i;

	show_table_init(&t, 8, hdr);
	for (i = 0; i < n; i++) {
		const struct ipp_rule *r = v[i];
		const struct ipp_filterlist *l = show_find_filterlist(c->s, r->filterlist_id);
		const struct ipp_filteraction *a = show_find_filteraction(c->s, r->filteraction_id);
		char id[16], tun[IPP_NAME_MAX + 160], auth[128];
		const char *cells[8];

		snprintf(id, sizeof(id), "%u", (unsigned)r->number);
		tunnel_text(r, tun, sizeof(tun));
		auth_cell(r, auth, sizeof(auth));
		cells[0] = id;
		cells[1] = rule_name(r);
		cells[2] = r->number == 0 ? "<Dynamic>" : l ? l->name : "?";
		cells[3] = r->number == 0 ? "Default Response" : a ? a->name : "?";
		cells[4] = tun;
		cells[5] = conntype_label(r->conntype);
		cells[6] = auth;
		cells[7] = yesno(r->activate);
		show_table_row(&t, cells);
	}
	show_table_print(c->out, &t, c->o.wide);
	show_table_free(&t);
}

/* A policy's rules, ordinary ones by number then the default response rule. */
static void table_policy_rules(struct ctx *c, const struct ipp_policy *p)
{
	size_t n, i;
	const struct ipp_rule **r = show_sorted_rules(p, &n);
	const struct ipp_rule **all = calloc(n + 1, sizeof(*all));

	if (all) {
		for (i = 0; i < n; i++)
			all[i] = r[i];
		all[n] = &p->defaultrule;
		table_rules(c, p, all, n + 1);
	}
	free(all);
	free(r);
}

static void table_filters(struct ctx *c, const struct ipp_filterlist *l);

/* The filters of the lists a policy's rules use, each list once, in the order of the rules. */
static void table_policy_filters(struct ctx *c, const struct ipp_policy *p)
{
	size_t n, i, j;
	const struct ipp_rule **r = show_sorted_rules(p, &n);

	for (i = 0; r && i < n; i++) {
		const struct ipp_filterlist *l = show_find_filterlist(c->s, r[i]->filterlist_id);
		char *title = NULL;

		for (j = 0; l && j < i; j++)
			if (r[j]->filterlist_id == r[i]->filterlist_id)
				break;
		if (!l || j < i || asprintf(&title, "Filters of filter list \"%s\":", l->name) < 0)
			continue;
		fputc('\n', c->out);
		line(c, title);
		free(title);
		table_filters(c, l);
	}
	free(r);
}

static void table_policies(struct ctx *c, const struct ipp_policy *const *v, size_t n,
			   bool with_rules)
{
	static const char *const hdr[] = {"Policy Name", "Assigned", "Rules", "Last Modified",
					  "Description"};
	struct show_table t;
	size_t i;

	if (n == 0)
		return;
	show_table_init(&t, 5, hdr);
	for (i = 0; i < n; i++) {
		char rules[24], mod[64];
		const char *cells[5];

		snprintf(rules, sizeof(rules), "%zu", v[i]->nrules);
		show_time_local(v[i]->modified, mod, sizeof(mod));
		cells[0] = v[i]->name;
		cells[1] = yesno(v[i]->assigned);
		cells[2] = rules;
		cells[3] = mod;
		cells[4] = v[i]->description;
		show_table_row(&t, cells);
	}
	block(c);
	show_table_print(c->out, &t, c->o.wide);
	show_table_free(&t);
	if (!with_rules)
		return;
	for (i = 0; i < n; i++) {
		char *title = NULL;

		if (asprintf(&title, "Rules of policy \"%s\":", v[i]->name) < 0)
			continue;
		fputc('\n', c->out);
		line(c, title);
		free(title);
		table_policy_rules(c, v[i]);
		table_policy_filters(c, v[i]);
	}
}

static void table_filters(struct ctx *c, const struct ipp_filterlist *l)
{
	static const char *const hdr[] = {"No.",   "Mirror",  "Source",	 "Destination",
					  "Proto", "SrcPort", "DstPort", "Description"};
	struct show_table t;
	size_t n, i;
	const struct ipp_filter **f = show_sorted_filters(l, &n);

	show_table_init(&t, 8, hdr);
	for (i = 0; i < n; i++) {
		char no[24], src[160], dst[160], proto[32], sp[16], dp[16];
		const char *cells[8];

		snprintf(no, sizeof(no), "%zu", i + 1);
		show_addr_cell(&f[i]->src, src, sizeof(src));
		show_addr_cell(&f[i]->dst, dst, sizeof(dst));
		if (c->o.resolvedns) {
			/* the name of a host end in its cell: the one it was added by, else the
			 * reverse lookup's (none found: the address stays) */
			char name[sizeof(src)];

			dns_name(c, &f[i]->src, f[i]->srcdns, name, sizeof(name));
			if (*name)
				snprintf(src, sizeof(src), "%s", name);
			dns_name(c, &f[i]->dst, f[i]->dstdns, name, sizeof(name));
			if (*name)
				snprintf(dst, sizeof(dst), "%s", name);
		}
		ipp_proto_format(f[i]->protocol, proto, sizeof(proto));
		port_text(f[i]->srcport, sp, sizeof(sp));
		port_text(f[i]->dstport, dp, sizeof(dp));
		cells[0] = no;
		cells[1] = yesno(f[i]->mirrored);
		cells[2] = src;
		cells[3] = dst;
		cells[4] = proto;
		cells[5] = sp;
		cells[6] = dp;
		cells[7] = f[i]->description ? f[i]->description : "";
		show_table_row(&t, cells);
	}
	show_table_print(c->out, &t, c->o.wide);
	show_table_free(&t);
	free(f);
}

static void table_filterlists(struct ctx *c, const struct ipp_filterlist *const *v, size_t n,
			      bool with_filters)
{
	static const char *const hdr[] = {"FilterList Name", "Filters", "Last Modified",
					  "Description"};
	struct show_table t;
	size_t i;

	if (n == 0)
		return;
	show_table_init(&t, 4, hdr);
	for (i = 0; i < n; i++) {
		char nf[24], mod[64];
		const char *cells[4];

		snprintf(nf, sizeof(nf), "%zu", v[i]->nfilters);
		show_time_local(v[i]->modified, mod, sizeof(mod));
		cells[0] = v[i]->name;
		cells[1] = nf;
		cells[2] = mod;
		cells[3] = v[i]->description;
		show_table_row(&t, cells);
	}
	block(c);
	show_table_print(c->out, &t, c->o.wide);
	show_table_free(&t);
	if (!with_filters)
		return;
	for (i = 0; i < n; i++) {
		char *title = NULL;

		if (asprintf(&title, "Filters of filter list \"%s\":", v[i]->name) < 0)
			continue;
		fputc('\n', c->out);
		line(c, title);
		free(title);
		table_filters(c, v[i]);
	}
}

static void table_filteractions(struct ctx *c, const struct ipp_filteraction *const *v, size_t n)
{
	static const char *const hdr[] = {
	    "FilterAction Name", "Action",	 "QMPFS", "InPass", "Soft",
	    "Security Methods",	 "Last Modified"};
	struct show_table t;
	size_t i, k;

	if (n == 0)
		return;
	show_table_init(&t, 7, hdr);
	for (i = 0; i < n; i++) {
		char sec[IPP_MAX_OFFERS * 32] = "", mod[64];
		const char *cells[7];
		size_t used = 0;

		for (k = 0; k < v[i]->nqmsec && k < IPP_MAX_OFFERS; k++) {
			char one[32];

			show_qm_offer_text(&v[i]->qmsec[k], one, sizeof(one));
			used += (size_t)snprintf(sec + used, sizeof(sec) - used, "%s%s",
						 k ? " " : "", one);
			if (used >= sizeof(sec))
				break;
		}
		show_time_local(v[i]->modified, mod, sizeof(mod));
		cells[0] = v[i]->name;
		cells[1] = show_action_label(v[i]->action);
		cells[2] = yesno(v[i]->qmpfs);
		cells[3] = yesno(v[i]->inpass);
		cells[4] = yesno(v[i]->soft);
		cells[5] = sec;
		cells[6] = mod;
		show_table_row(&t, cells);
	}
	block(c);
	show_table_print(c->out, &t, c->o.wide);
	show_table_free(&t);
}

/* ---------- json ---------- */

static void json_time(struct ipp_json *j, int64_t t)
{
	char buf[64];

	ipp_json_int(j, "modified", t);
	show_time_utc(t, buf, sizeof(buf));
	ipp_json_string(j, "last_modified", t ? buf : NULL);
}

static void json_mm_offers(struct ipp_json *j, const struct ipp_mm_offer *m, size_t n)
{
	size_t i;

	ipp_json_array_begin(j, "mmsecmethods");
	for (i = 0; i < n; i++) {
		char text[64];

		snprintf(text, sizeof(text), "%s-%s-%u", show_conf_name(m[i].conf),
			 show_hash_name(m[i].hash), (unsigned)m[i].group);
		ipp_json_object_begin(j, NULL);
		ipp_json_string(j, "text", text);
		ipp_json_string(j, "encryption", show_conf_name(m[i].conf));
		ipp_json_string(j, "integrity", show_hash_name(m[i].hash));
		ipp_json_int(j, "dhgroup", m[i].group);
		ipp_json_object_end(j);
	}
	ipp_json_array_end(j);
}

static void json_qm_offers(struct ipp_json *j, const struct ipp_qm_offer *q, size_t n)
{
	size_t i;

	ipp_json_array_begin(j, "qmsecmethods");
	for (i = 0; i < n; i++) {
		char text[64];
		bool ah = q[i].kind == IPP_QM_AH || q[i].kind == IPP_QM_AH_ESP;
		bool esp = q[i].kind == IPP_QM_ESP || q[i].kind == IPP_QM_AH_ESP;

		show_qm_offer_text(&q[i], text, sizeof(text));
		ipp_json_object_begin(j, NULL);
		ipp_json_string(j, "text", text);
		ipp_json_string(j, "ah", ah ? show_hash_name(q[i].ah_hash) : NULL);
		ipp_json_string(j, "esp_encryption", esp ? show_conf_name(q[i].esp_conf) : NULL);
		ipp_json_string(j, "esp_integrity", esp ? show_hash_name(q[i].esp_auth) : NULL);
		ipp_json_int(j, "lifetime_kb", (int64_t)show_qm_life_kb(&q[i]));
		ipp_json_int(j, "lifetime_sec", (int64_t)show_qm_life_sec(&q[i]));
		ipp_json_object_end(j);
	}
	ipp_json_array_end(j);
}

static void json_addr(struct ctx *c, struct ipp_json *j, const char *key, const struct ipp_addr *a,
		      const char *dns)
{
	char buf[IPP_NAME_MAX + 64];

	ipp_json_object_begin(j, key);
	ipp_json_string(j, "type", show_addr_keyword(a->kind));
	if (a->kind == IPP_ADDR_IP || a->kind == IPP_ADDR_RANGE) {
		ipp_addr_format(a, buf, sizeof(buf));
		ipp_json_string(j, "address", buf);
		ipp_json_string(j, "family", a->family == AF_INET6 ? "ipv6" : "ipv4");
	} else {
		ipp_json_null(j, "address");
		ipp_json_null(j, "family");
	}
	if (a->kind == IPP_ADDR_IP) {
		show_mask_text(a, 0, false, buf, sizeof(buf));
		ipp_json_string(j, "mask", buf);
		ipp_json_int(j, "prefix", a->plen);
	} else {
		ipp_json_null(j, "mask");
		ipp_json_null(j, "prefix");
	}
	dns_name(c, a, dns, buf, sizeof(buf));
	ipp_json_string(j, "dnsname", buf[0] ? buf : NULL);
	ipp_json_object_end(j);
}

static void json_filter(struct ctx *c, struct ipp_json *j, const struct ipp_filter *f)
{
	char proto[32];

	ipp_json_object_begin(j, NULL);
	ipp_json_string(j, "guid", f->guid);
	ipp_json_string(j, "description", f->description ? f->description : "");
	ipp_json_bool(j, "mirrored", f->mirrored);
	json_addr(c, j, "srcaddr", &f->src, f->srcdns);
	json_addr(c, j, "dstaddr", &f->dst, f->dstdns);
	ipp_proto_format(f->protocol, proto, sizeof(proto));
	ipp_json_string(j, "protocol", proto);
	ipp_json_int(j, "protocol_number", f->protocol);
	ipp_json_int(j, "srcport", f->srcport);
	ipp_json_int(j, "dstport", f->dstport);
	ipp_json_object_end(j);
}

static void json_filterlist(struct ctx *c, struct ipp_json *j, const char *key,
			    const struct ipp_filterlist *l)
{
	const struct ipp_filter **f;
	size_t n, i;

	ipp_json_object_begin(j, key);
	ipp_json_string(j, "name", l->name);
	ipp_json_string(j, "description", l->description);
	ipp_json_string(j, "guid", l->guid);
	json_time(j, l->modified);
	ipp_json_array_begin(j, "filters");
	f = show_sorted_filters(l, &n);
	for (i = 0; i < n; i++)
		json_filter(c, j, f[i]);
	free(f);
	ipp_json_array_end(j);
	ipp_json_object_end(j);
}

static void json_filteraction(struct ipp_json *j, const char *key, const struct ipp_filteraction *a)
{
	ipp_json_object_begin(j, key);
	ipp_json_string(j, "name", a->name);
	ipp_json_string(j, "description", a->description);
	ipp_json_string(j, "guid", a->guid);
	json_time(j, a->modified);
	ipp_json_string(j, "action", show_action_keyword(a->action));
	ipp_json_bool(j, "qmpfs", a->qmpfs);
	ipp_json_bool(j, "inpass", a->inpass);
	ipp_json_bool(j, "soft", a->soft);
	json_qm_offers(j, a->qmsec, a->nqmsec);
	ipp_json_object_end(j);
}

static void json_auth(struct ctx *c, struct ipp_json *j, const struct ipp_rule *r)
{
	size_t i;

	ipp_json_array_begin(j, "auth");
	for (i = 0; i < r->nauth; i++) {
		const struct ipp_auth *a = &r->auth[i];

		ipp_json_object_begin(j, NULL);
		switch (a->kind) {
		case IPP_AUTH_KERBEROS:
			ipp_json_string(j, "method", "kerberos");
			break;
		case IPP_AUTH_PSK:
			ipp_json_string(j, "method", "psk");
			ipp_json_string(j, "key", psk_text(c, a));
			break;
		case IPP_AUTH_ROOTCA:
			ipp_json_string(j, "method", "rootca");
			ipp_json_string(j, "ca", a->value);
			ipp_json_bool(j, "certmap", a->certmap);
			ipp_json_bool(j, "excludecaname", a->excludecaname);
			break;
		default:
			ipp_json_string(j, "method", "invalid");
			break;
		}
		ipp_json_object_end(j);
	}
	ipp_json_array_end(j);
}

/* @details: nest the rule's filter list and filter action in full. */
static void json_rule(struct ctx *c, struct ipp_json *j, const struct ipp_policy *p,
		      const struct ipp_rule *r, bool details)
{
	char buf[128];

	ipp_json_object_begin(j, NULL);
	ipp_json_int(j, "id", r->number);
	ipp_json_bool(j, "default", r->number == 0);
	ipp_json_string(j, "name", rule_name(r));
	ipp_json_string(j, "policy", p ? p->name : NULL);
	ipp_json_string(j, "description", r->description);
	ipp_json_string(j, "guid", r->guid);
	json_time(j, r->modified);
	ipp_json_bool(j, "activate", r->activate);
	if (r->has_tunnel) {
		ipp_addr_format(&r->tunnel, buf, sizeof(buf));
		ipp_json_string(j, "tunnel", buf);
	} else {
		ipp_json_null(j, "tunnel");
	}
	ipp_json_string(j, "tunneldns", r->has_tunnel && r->tunneldns[0] ? r->tunneldns : NULL);
	ipp_json_string(j, "conntype", show_conntype_keyword(r->conntype));
	json_auth(c, j, r);
	if (r->number == 0) {
		ipp_json_null(j, "filterlist");
		ipp_json_null(j, "filteraction");
		ipp_json_bool(j, "qmpfs", r->qmpfs);
		json_qm_offers(j, r->qmsec, r->nqmsec);
	} else {
		const struct ipp_filterlist *l = show_find_filterlist(c->s, r->filterlist_id);
		const struct ipp_filteraction *a = show_find_filteraction(c->s, r->filteraction_id);

		ipp_json_string(j, "filterlist", l ? l->name : NULL);
		ipp_json_string(j, "filteraction", a ? a->name : NULL);
		if (details) {
			if (l)
				json_filterlist(c, j, "filterlist_details", l);
			else
				ipp_json_null(j, "filterlist_details");
			if (a)
				json_filteraction(j, "filteraction_details", a);
			else
				ipp_json_null(j, "filteraction_details");
		}
	}
	ipp_json_object_end(j);
}

static void json_policy(struct ctx *c, struct ipp_json *j, const struct ipp_policy *p, bool details)
{
	const struct ipp_rule **rules;
	size_t n, i;

	ipp_json_object_begin(j, NULL);
	ipp_json_string(j, "name", p->name);
	ipp_json_string(j, "description", p->description);
	ipp_json_string(j, "guid", p->guid);
	json_time(j, p->modified);
	ipp_json_bool(j, "assigned", p->assigned);
	ipp_json_string(j, "gponame", p->gponame[0] ? p->gponame : NULL);
	ipp_json_bool(j, "mmpfs", p->mmpfs);
	ipp_json_int(j, "qmpermm", p->qmpermm);
	ipp_json_int(j, "mmlifetime", p->mmlifetime);
	ipp_json_bool(j, "activatedefaultrule", p->activatedefaultrule);
	ipp_json_int(j, "pollinginterval", p->pollinginterval);
	json_mm_offers(j, p->mmsec, p->nmmsec);
	ipp_json_array_begin(j, "rules");
	rules = show_sorted_rules(p, &n);
	for (i = 0; i < n; i++)
		json_rule(c, j, p, rules[i], details);
	free(rules);
	json_rule(c, j, p, &p->defaultrule, details);
	ipp_json_array_end(j);
	ipp_json_object_end(j);
}

static void json_begin(struct ctx *c, struct ipp_json *j)
{
	char label[128];

	ipp_json_init(j, c->out, true);
	ipp_json_object_begin(j, NULL);
	ipp_json_string(j, "store", show_store_keyword(ctx_loc(c)));
	store_label(c, label, sizeof(label));
	ipp_json_string(j, "store_label", label);
}

static void json_end(struct ipp_json *j)
{
	ipp_json_object_end(j);
	ipp_json_finish(j);
}

/* ---------- public ---------- */

void ipp_show_policies(FILE *out, const struct ipp_snapshot *s, const struct ipp_policy *const *v,
		       size_t n, const struct ipp_show_opts *o)
{
	struct ctx c;
	size_t i;

	ctx_init(&c, out, s, o);
	switch (c.o.format) {
	case IPP_FORMAT_JSON: {
		struct ipp_json j;

		json_begin(&c, &j);
		ipp_json_array_begin(&j, "policies");
		for (i = 0; i < n; i++)
			json_policy(&c, &j, v[i], true);
		ipp_json_array_end(&j);
		json_end(&j);
		break;
	}
	case IPP_FORMAT_TABLE:
		table_policies(&c, v, n, c.o.level == IPP_LEVEL_VERBOSE);
		break;
	default:
		for (i = 0; i < n; i++) {
			block(&c);
			list_policy(&c, v[i],
				    c.o.level == IPP_LEVEL_VERBOSE ? RULES_VERBOSE : RULES_NONE);
		}
		break;
	}
}

void ipp_show_filterlists(FILE *out, const struct ipp_snapshot *s,
			  const struct ipp_filterlist *const *v, size_t n,
			  const struct ipp_show_opts *o)
{
	struct ctx c;
	size_t i;

	ctx_init(&c, out, s, o);
	switch (c.o.format) {
	case IPP_FORMAT_JSON: {
		struct ipp_json j;

		json_begin(&c, &j);
		ipp_json_array_begin(&j, "filterlists");
		for (i = 0; i < n; i++)
			json_filterlist(&c, &j, NULL, v[i]);
		ipp_json_array_end(&j);
		json_end(&j);
		break;
	}
	case IPP_FORMAT_TABLE:
		table_filterlists(&c, v, n, c.o.level == IPP_LEVEL_VERBOSE);
		break;
	default:
		for (i = 0; i < n; i++) {
			block(&c);
			list_filterlist(&c, v[i], c.o.level == IPP_LEVEL_VERBOSE);
		}
		break;
	}
}

void ipp_show_filteractions(FILE *out, const struct ipp_snapshot *s,
			    const struct ipp_filteraction *const *v, size_t n,
			    const struct ipp_show_opts *o)
{
	struct ctx c;
	size_t i;

	ctx_init(&c, out, s, o);
	switch (c.o.format) {
	case IPP_FORMAT_JSON: {
		struct ipp_json j;

		json_begin(&c, &j);
		ipp_json_array_begin(&j, "filteractions");
		for (i = 0; i < n; i++)
			json_filteraction(&j, NULL, v[i]);
		ipp_json_array_end(&j);
		json_end(&j);
		break;
	}
	case IPP_FORMAT_TABLE:
		table_filteractions(&c, v, n);
		break;
	default:
		for (i = 0; i < n; i++) {
			block(&c);
			list_filteraction(&c, v[i]);
		}
		break;
	}
}

void ipp_show_rules(FILE *out, const struct ipp_snapshot *s, const struct ipp_policy *p,
		    const struct ipp_rule *const *v, size_t n, const struct ipp_show_opts *o)
{
	struct ctx c;
	size_t i;

	ctx_init(&c, out, s, o);
	switch (c.o.format) {
	case IPP_FORMAT_JSON: {
		struct ipp_json j;

		json_begin(&c, &j);
		ipp_json_string(&j, "policy", p ? p->name : NULL);
		ipp_json_array_begin(&j, "rules");
		for (i = 0; i < n; i++)
			json_rule(&c, &j, p, v[i], true);
		ipp_json_array_end(&j);
		json_end(&j);
		break;
	}
	case IPP_FORMAT_TABLE:
		if (n == 0)
			break;
		block(&c);
		table_rules(&c, p, v, n);
		break;
	default:
		for (i = 0; i < n; i++) {
			block(&c);
			list_rule(&c, p, v[i], c.o.level == IPP_LEVEL_VERBOSE);
		}
		break;
	}
}

void ipp_show_all(FILE *out, const struct ipp_snapshot *s, const struct ipp_show_opts *o)
{
	const struct ipp_policy **pv;
	const struct ipp_filterlist **lv;
	const struct ipp_filteraction **av;
	size_t np, nl, na, i;
	struct ctx c;
	static const struct ipp_snapshot empty = {.loc = IPP_STORE_LOCAL};

	if (!s)
		s = &empty;
	ctx_init(&c, out, s, o);
	pv = show_sorted_policies(s, &np);
	lv = show_sorted_filterlists(s, &nl);
	av = show_sorted_filteractions(s, &na);
	switch (c.o.format) {
	case IPP_FORMAT_JSON: {
		struct ipp_json j;

		json_begin(&c, &j);
		ipp_json_array_begin(&j, "policies");
		for (i = 0; i < np; i++)
			json_policy(&c, &j, pv[i], false);
		ipp_json_array_end(&j);
		ipp_json_array_begin(&j, "filterlists");
		for (i = 0; i < nl; i++)
			json_filterlist(&c, &j, NULL, lv[i]);
		ipp_json_array_end(&j);
		ipp_json_array_begin(&j, "filteractions");
		for (i = 0; i < na; i++)
			json_filteraction(&j, NULL, av[i]);
		ipp_json_array_end(&j);
		json_end(&j);
		break;
	}
	case IPP_FORMAT_TABLE:
		ipp_show_store(out, ctx_loc(&c), &c.o);
		c.sep = true;
		if (np)
			table_policies(&c, pv, np, true);
		if (nl)
			table_filterlists(&c, lv, nl, c.o.level == IPP_LEVEL_VERBOSE);
		if (na)
			table_filteractions(&c, av, na);
		break;
	default:
		/* Each object once: rules name their list and action, which follow in full;
		 * a blank line first, as Windows' (its first policy's name on the second line).
		 * A store without any: its name, as show store says it */
		if (!np && !nl && !na) {
			ipp_show_store(out, ctx_loc(&c), &c.o);
			break;
		}
		c.sep = true;
		for (i = 0; i < np; i++) {
			block(&c);
			list_policy(&c, pv[i], RULES_NORMAL);
		}
		for (i = 0; i < nl; i++) {
			block(&c);
			list_filterlist(&c, lv[i], true);
		}
		for (i = 0; i < na; i++) {
			block(&c);
			list_filteraction(&c, av[i]);
		}
		break;
	}
	free(pv);
	free(lv);
	free(av);
}

void ipp_show_store(FILE *out, enum ipp_store_loc loc, const struct ipp_show_opts *o)
{
	struct ipp_show_opts d;
	char label[128];

	if (!o) {
		ipp_show_opts_init(&d);
		o = &d;
	}
	show_store_label(loc, o->computer, o->domain, label, sizeof(label));
	if (o->format == IPP_FORMAT_JSON) {
		struct ipp_json j;

		ipp_json_init(&j, out, true);
		ipp_json_object_begin(&j, NULL);
		ipp_json_string(&j, "store", show_store_keyword(loc));
		ipp_json_string(&j, "store_label", label);
		ipp_json_object_end(&j);
		ipp_json_finish(&j);
		return;
	}
	fprintf(out, "Current store is: %s\n", label);
}
