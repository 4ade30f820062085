/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * show_dump.c - `dump`: the store as a netsh script that recreates it.
 *
 * The script, in this order (every line is valid `ipsec static` input, and
 * the pushd/popd pair, as netsh's dumps of its contexts have, makes it
 * replayable from any context: `netsh -f`, `exec` in `netsh ipsec dynamic>`):
 *
 *   # ipsecpol static dump
 *   pushd ipsec static
 *   set store location=<local|persistent|domain>
 *   add filterlist ...      each list by name, followed by its filters in
 *   add filter ...          creation order
 *   add filteraction ...    by name
 *   add policy ...          by name; each followed by its rules by number
 *   add rule ...            and by `set defaultrule` for its default
 *   set defaultrule ...     response rule
 *   set policy ... assign=yes / gponame=...   (assignments come last)
 *   popd
 *
 * Rules of the text:
 *   - Every attribute is written with its tag, in the order of the
 *     command's usage line, so that replaying the script into an empty
 *     store and dumping again gives the same text.  Rule numbers are not
 *     written: replaying renumbers rules 1.. in the same order.
 *   - Strings (names, descriptions, keys, CA names, security method lists)
 *     are always quoted, "" when empty.  A double quote inside is written
 *     \" and a backslash before a double quote or at the end of the value
 *     is written twice (this shell reads them back; netsh has no escape,
 *     rootca values use \', which ipp_rootca_format() writes), and the
 *     command is preceded by a "# warning:" comment saying that netsh reads
 *     it otherwise.
 *     A line cannot hold a control character: should a value carry one, it
 *     is written as a space, after the same warning.
 *   - Addresses are written as resolved: a filter made from a DNS name gets
 *     its address (the name is informational only), ranges as a-b, IPv6 as
 *     is.  srcmask/dstmask are written for single addresses and subnets only
 *     (me, any, server types and ranges take no mask): dotted quads for
 *     IPv4, the prefix length for IPv6.  Port 0 means any.
 *   - Authentication methods are written in preference order (kerberos=yes,
 *     psk="...", rootca="..."), pre-shared keys in full.
 *   - A policy is added unassigned; the assignment is a `set policy` at the
 *     end, after every rule exists.
 */
#include "show.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "show_internal.h"

/* Is @s[i] a backslash of a run that ends at a double quote or at the end? */
static bool doubled_backslash(const char *s, size_t i)
{
	if (s[i] != '\\')
		return false;
	while (s[i] == '\\')
		i++;
	return s[i] == '"' || s[i] == '\0';
}

/* A control character a line cannot hold (a tab it can, inside quotes). */
static bool unwritable(char c)
{
	return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

/* Does @s need a quote or a control character rewritten to fit on one line? */
static bool unquotable(const char *s)
{
	for (; s && *s; s++)
		if (*s == '"' || unwritable(*s))
			return true;
	return false;
}

/* Does @s have a backslash that is written twice? */
static bool has_doubled_backslash(const char *s)
{
	for (size_t i = 0; s && s[i]; i++)
		if (doubled_backslash(s, i))
			return true;
	return false;
}

/* Warn (as a comment, before the command) for each value that needs rewriting. */
static void warn_value(FILE *out, const char *what, const char *tag, const char *value)
{
	bool q = unquotable(value), b = has_doubled_backslash(value);
	char *clean;
	size_t i;

	if (!q && !b)
		return;
	clean = strdup(value);
	if (!clean)
		return;
	for (i = 0; clean[i]; i++)
		if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
			clean[i] = ' '; /* (a comment: tabs too) */
	if (q)
		fprintf(out,
			"# warning: %s: %s=%s holds a double quote (written \\\", which Windows' "
			"netsh cannot read) or a control character (written as a space)\n",
			what, tag, clean);
	if (b)
		fprintf(out,
			"# warning: %s: %s=%s ends in a backslash or has one before a double quote "
			"(written twice, which Windows' netsh reads as two)\n",
			what, tag, clean);
	free(clean);
}

/* ` tag="value"`, with the rewriting described above. */
static void qattr(FILE *out, const char *tag, const char *value)
{
	const char *s = value ? value : "";

	fprintf(out, " %s=\"", tag);
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '"')
			fputs("\\\"", out);
		else if (unwritable(s[i]))
			fputc(' ', out);
		else if (doubled_backslash(s, i))
			fputs("\\\\", out);
		else
			fputc(s[i], out);
	}
	fputc('"', out);
}

static void battr(FILE *out, const char *tag, bool v)
{
	fprintf(out, " %s=%s", tag, v ? "yes" : "no");
}

static void uattr(FILE *out, const char *tag, unsigned long v)
{
	fprintf(out, " %s=%lu", tag, v);
}

/* An address token: me, any, DNS, WINS, DHCP, GATEWAY, a.b.c.d, a-b, IPv6. */
static void addr_token(const struct ipp_addr *a, char *buf, size_t len)
{
	switch (a->kind) {
	case IPP_ADDR_ANY:
		snprintf(buf, len, "any");
		break;
	case IPP_ADDR_ME:
		snprintf(buf, len, "me");
		break;
	default:
		ipp_addr_format(a, buf, len);
		break;
	}
}

static void dump_filter(FILE *out, const struct ipp_filterlist *l, const struct ipp_filter *f)
{
	char buf[160];

	warn_value(out, "filter list", "name", l->name);
	warn_value(out, "filter", "description", f->description);
	fputs("add filter", out);
	qattr(out, "filterlist", l->name);
	addr_token(&f->src, buf, sizeof(buf));
	fprintf(out, " srcaddr=%s", buf);
	addr_token(&f->dst, buf, sizeof(buf));
	fprintf(out, " dstaddr=%s", buf);
	qattr(out, "description", f->description);
	ipp_proto_format(f->protocol, buf, sizeof(buf));
	fprintf(out, " protocol=%s", buf);
	battr(out, "mirrored", f->mirrored);
	if (f->src.kind == IPP_ADDR_IP) {
		show_mask_text(&f->src, 0, false, buf, sizeof(buf));
		fprintf(out, " srcmask=%s", buf);
	}
	if (f->dst.kind == IPP_ADDR_IP) {
		show_mask_text(&f->dst, 0, false, buf, sizeof(buf));
		fprintf(out, " dstmask=%s", buf);
	}
	uattr(out, "srcport", f->srcport);
	uattr(out, "dstport", f->dstport);
	/* the address as it was resolved, and the name it came from (not resolved again) */
	if (f->srcdns && *f->srcdns)
		qattr(out, "srcdnsname", f->srcdns);
	if (f->dstdns && *f->dstdns)
		qattr(out, "dstdnsname", f->dstdns);
	fputc('\n', out);
}

static void dump_filterlist_head(FILE *out, const struct ipp_filterlist *l)
{
	warn_value(out, "filter list", "name", l->name);
	warn_value(out, "filter list", "description", l->description);
	fputs("add filterlist", out);
	qattr(out, "name", l->name);
	qattr(out, "description", l->description);
	fputc('\n', out);
}

struct dump_filter_at {
	size_t list; /* its list's place in the dump */
	const struct ipp_filterlist *l;
	const struct ipp_filter *f;
};

/* By list, then oldest first (@by_list false: oldest first, whatever the list). */
static int filter_at_cmp(const struct dump_filter_at *a, const struct dump_filter_at *b,
			 bool by_list)
{
	if (by_list && a->list != b->list)
		return a->list < b->list ? -1 : 1;
	return a->f->id < b->f->id ? -1 : a->f->id > b->f->id;
}

static int by_list_cmp(const void *x, const void *y)
{
	return filter_at_cmp(x, y, true);
}

static int by_age_cmp(const void *x, const void *y)
{
	return filter_at_cmp(x, y, false);
}

/*
 * The filter lists and their filters.  A replay creates the filters in the
 * order they are written, and of two filters of equal weight and action the
 * older one decides: each list with its filters when that writes them
 * oldest first, else the lists and then every filter oldest first.
 */
static void dump_filterlists(FILE *out, const struct ipp_filterlist *const *lv, size_t nl)
{
	struct dump_filter_at *v;
	size_t n = 0, i, j;
	bool grouped = true;

	for (i = 0; i < nl; i++)
		n += lv[i]->nfilters;
	if (!(v = calloc(n + 1, sizeof(*v)))) {
		/* no memory to order them: each list with its filters as they are */
		for (i = 0; i < nl; i++) {
			dump_filterlist_head(out, lv[i]);
			for (j = 0; j < lv[i]->nfilters; j++)
				dump_filter(out, lv[i], &lv[i]->filters[j]);
		}
		return;
	}
	for (i = 0, n = 0; i < nl; i++)
		for (j = 0; j < lv[i]->nfilters; j++)
			v[n++] = (struct dump_filter_at){i, lv[i], &lv[i]->filters[j]};
	qsort(v, n, sizeof(*v), by_list_cmp);
	for (i = 1; i < n && grouped; i++)
		grouped = v[i].f->id > v[i - 1].f->id;
	if (grouped) {
		for (i = 0, j = 0; i < nl; i++) {
			dump_filterlist_head(out, lv[i]);
			for (; j < n && v[j].list == i; j++)
				dump_filter(out, v[j].l, v[j].f);
		}
	} else {
		for (i = 0; i < nl; i++)
			dump_filterlist_head(out, lv[i]);
		qsort(v, n, sizeof(*v), by_age_cmp);
		fputs(
		    "# the filters, oldest first: between filters of equal weight and action the\n"
		    "# older one decides\n",
		    out);
		for (i = 0; i < n; i++)
			dump_filter(out, v[i].l, v[i].f);
	}
	free(v);
}

static void qm_offers(FILE *out, const struct ipp_qm_offer *q, size_t n)
{
	char buf[IPP_MAX_OFFERS * 64];

	if (n == 0)
		return;
	ipp_qm_offers_format(q, n, buf, sizeof(buf));
	qattr(out, "qmsecmethods", buf);
}

static void dump_filteraction(FILE *out, const struct ipp_filteraction *a)
{
	warn_value(out, "filter action", "name", a->name);
	warn_value(out, "filter action", "description", a->description);
	fputs("add filteraction", out);
	qattr(out, "name", a->name);
	qattr(out, "description", a->description);
	battr(out, "qmpfs", a->qmpfs);
	battr(out, "inpass", a->inpass);
	battr(out, "soft", a->soft);
	fprintf(out, " action=%s", show_action_keyword(a->action));
	qm_offers(out, a->qmsec, a->nqmsec);
	fputc('\n', out);
}

/* kerberos=yes psk="..." rootca="..." in preference order. */
static void auth_attrs(FILE *out, const struct ipp_rule *r)
{
	size_t i;

	for (i = 0; i < r->nauth; i++) {
		const struct ipp_auth *a = &r->auth[i];
		char buf[IPP_DESC_MAX * 2 + 64];

		switch (a->kind) {
		case IPP_AUTH_KERBEROS:
			battr(out, "kerberos", true);
			break;
		case IPP_AUTH_PSK:
			qattr(out, "psk", a->value);
			break;
		case IPP_AUTH_ROOTCA:
			ipp_rootca_format(a, buf, sizeof(buf));
			qattr(out, "rootca", buf);
			break;
		default:
			break;
		}
	}
}

static void warn_auth(FILE *out, const char *what, const struct ipp_rule *r)
{
	size_t i;

	for (i = 0; i < r->nauth; i++)
		if (r->auth[i].kind == IPP_AUTH_PSK)
			warn_value(out, what, "psk", r->auth[i].value);
}

/* (false: the rule left out, a comment says why) */
static bool dump_rule(FILE *out, const struct ipp_snapshot *s, const struct ipp_policy *p,
		      const struct ipp_rule *r)
{
	const struct ipp_filterlist *l = show_find_filterlist(s, r->filterlist_id);
	const struct ipp_filteraction *a = show_find_filteraction(s, r->filteraction_id);
	char buf[160];

	if (!l || !a) {
		fprintf(out,
			"# warning: rule %u of policy \"%s\" names a %s that is not in the "
			"store; rule left out\n",
			(unsigned)r->number, p->name, !l ? "filter list" : "filter action");
		return false;
	}
	warn_value(out, "rule", "name", r->name);
	warn_value(out, "rule", "description", r->description);
	warn_auth(out, "rule", r);
	fputs("add rule", out);
	qattr(out, "name", r->name);
	qattr(out, "policy", p->name);
	qattr(out, "filterlist", l->name);
	qattr(out, "filteraction", a->name);
	if (r->has_tunnel) {
		ipp_addr_format(&r->tunnel, buf, sizeof(buf));
		fprintf(out, " tunnel=%s", buf);
	}
	fprintf(out, " conntype=%s", show_conntype_keyword(r->conntype));
	battr(out, "activate", r->activate);
	qattr(out, "description", r->description);
	auth_attrs(out, r);
	/* the endpoint's address as resolved, and the name it came from */
	if (r->has_tunnel && r->tunneldns[0])
		qattr(out, "tunneldnsname", r->tunneldns);
	fputc('\n', out);
	return true;
}

/* The number of its rules left out. */
static size_t dump_policy(FILE *out, const struct ipp_snapshot *s, const struct ipp_policy *p)
{
	const struct ipp_rule **rules;
	const struct ipp_rule *d = &p->defaultrule;
	size_t n, i, lost = 0;

	warn_value(out, "policy", "name", p->name);
	warn_value(out, "policy", "description", p->description);
	fputs("add policy", out);
	qattr(out, "name", p->name);
	qattr(out, "description", p->description);
	battr(out, "mmpfs", p->mmpfs);
	uattr(out, "qmpermm", p->qmpermm);
	uattr(out, "mmlifetime", p->mmlifetime);
	battr(out, "activatedefaultrule", p->activatedefaultrule);
	uattr(out, "pollinginterval", p->pollinginterval);
	battr(out, "assign", false);
	if (p->nmmsec > 0) {
		char buf[IPP_MAX_OFFERS * 32];

		ipp_mm_offers_format(p->mmsec, p->nmmsec, buf, sizeof(buf));
		qattr(out, "mmsecmethods", buf);
	}
	fputc('\n', out);

	rules = show_sorted_rules(p, &n);
	for (i = 0; i < n; i++)
		lost += !dump_rule(out, s, p, rules[i]);
	free(rules);

	warn_auth(out, "default response rule", d);
	fputs("set defaultrule", out);
	qattr(out, "policy", p->name);
	battr(out, "qmpfs", d->qmpfs);
	battr(out, "activate", d->activate);
	qm_offers(out, d->qmsec, d->nqmsec);
	auth_attrs(out, d);
	fputc('\n', out);
	return lost;
}

size_t ipp_dump_store(FILE *out, const struct ipp_snapshot *s, const char *domain)
{
	const struct ipp_policy **pv;
	const struct ipp_filterlist **lv;
	const struct ipp_filteraction **av;
	size_t np, nl, na, i, lost = 0;
	bool any_assign = false;
	static const struct ipp_snapshot empty = {.loc = IPP_STORE_LOCAL};

	if (!s)
		s = &empty;
	fputs("# ipsecpol static dump\n", out);
	if (s->loc == IPP_STORE_DOMAIN)
		fputs(
		    "# The domain store is a read-only cache of the directory's policy: replaying\n"
		    "# this script into it is refused; it records what the cache holds.\n",
		    out);
	fputs("pushd ipsec static\n", out);
	fprintf(out, "set store location=%s", show_store_keyword(s->loc));
	if (s->loc == IPP_STORE_DOMAIN && domain && *domain)
		qattr(out, "domain", domain);
	fputc('\n', out);

	lv = show_sorted_filterlists(s, &nl);
	av = show_sorted_filteractions(s, &na);
	pv = show_sorted_policies(s, &np);

	if (nl) {
		fputs("\n# Filter lists and their filters\n", out);
		dump_filterlists(out, lv, nl);
	}
	if (na) {
		fputs("\n# Filter actions\n", out);
		for (i = 0; i < na; i++)
			dump_filteraction(out, av[i]);
	}
	if (np) {
		fputs("\n# Policies, their rules and default response rules\n", out);
		for (i = 0; i < np; i++)
			lost += dump_policy(out, s, pv[i]);
	}
	for (i = 0; i < np; i++)
		if (pv[i]->assigned || pv[i]->gponame[0])
			any_assign = true;
	if (any_assign) {
		fputs("\n# Assignments\n", out);
		for (i = 0; i < np; i++) {
			if (pv[i]->gponame[0]) {
				warn_value(out, "policy", "gponame", pv[i]->gponame);
				fputs("set policy", out);
				qattr(out, "name", pv[i]->name);
				qattr(out, "gponame", pv[i]->gponame);
				fputc('\n', out);
			}
			if (pv[i]->assigned) {
				fputs("set policy", out);
				qattr(out, "name", pv[i]->name);
				battr(out, "assign", true);
				fputc('\n', out);
			}
		}
	}
	fputs("\npopd\n", out);
	free(pv);
	free(lv);
	free(av);
	return lost;
}
