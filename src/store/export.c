/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export.c - ipsecpol's export file format, version 1 (ipsecpol-export(5)).
 *
 *   ipsecpol-export 1
 *   filterlist guid={...} name="Web" modified=1700000000
 *   filter guid={...} src=me dst=any protocol=TCP srcport=0 dstport=80 mirrored=yes
 *   filteraction guid={...} name="Permit" modified=... action=permit ...
 *   policy guid={...} name="Block80" modified=... mmsec="3DES-SHA1-2" ...
 *   defaultrule guid={...} modified=... activate=yes ...
 *   auth kind=kerberos
 *   rule number=1 guid={...} name="R" filterlist={...} filteraction={...} ...
 *   auth kind=psk value="secret"
 *   end
 *
 * One object per line: a record word, then KEY=VALUE pairs; values with
 * anything but plain characters are double-quoted with C-like escapes.
 * Filters belong to the filterlist line before them, defaultrule and rule
 * lines to the policy before them, auth lines to the rule before them.
 * Rules name their list and action by GUID.  The reader is strict: unknown
 * records and keys, repeated or missing keys, bad values, dangling
 * references, a missing "end" line are errors "FILE:LINE: ...", and nothing
 * is returned unless the whole file is good.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "../common/dup.h"
#include "../common/grow.h"
#include "../common/utf8.h"
#include "db_internal.h"
#include "store.h"

#define EXPORT_MAGIC "ipsecpol-export"
#define EXPORT_VERSION 1
#define LINE_MAX_LEN (64 * 1024)

/* ---------- writer ---------- */

/* A string value, always quoted: " and \ escaped, control characters as \n \t \r \xHH. */
static void put_str(FILE *out, const char *key, const char *v)
{
	fprintf(out, " %s=\"", key);
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\x%02X", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

static void put_auth(FILE *out, const struct ipp_rule *r)
{
	for (size_t i = 0; i < r->nauth; i++) {
		const struct ipp_auth *a = &r->auth[i];

		fprintf(out, "auth kind=%s", ipp_auth_kind_name(a->kind));
		if (a->kind == IPP_AUTH_PSK || a->kind == IPP_AUTH_ROOTCA)
			put_str(out, "value", a->value);
		if (a->kind == IPP_AUTH_ROOTCA)
			fprintf(out, " certmap=%s excludecaname=%s", yesno(a->certmap),
				yesno(a->excludecaname));
		fputc('\n', out);
	}
}

static void put_qmsec(FILE *out, const struct ipp_qm_offer *o, size_t n)
{
	char buf[IPP_OFFERS_STRLEN];

	ipp_qm_offers_format(o, n, buf, sizeof(buf));
	put_str(out, "qmsec", buf);
}

static int id_cmp(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
}

/* An object's GUID and what to call it, for the check of repeated GUIDs. */
struct guid_ref {
	const char *guid;
	const char *kind;
	const char *name; /* (a filter's: its list's) */
};

static int guid_ref_cmp(const void *ctx, size_t a, size_t b)
{
	const struct guid_ref *v = ctx;

	return strcasecmp(v[a].guid, v[b].guid);
}

/*
 * Two objects of @s with one GUID (another program wrote the store so): an import of
 * the export would refuse it, so none is written.  0, or -EINVAL naming them.
 */
static int guids_unique(const struct ipp_snapshot *s, struct ipp_error *err)
{
	struct guid_ref *v;
	size_t n = 0, i, j, x, y;
	int r;

	for (i = 0; i < s->nfilterlists; i++)
		n += 1 + s->filterlists[i].nfilters;
	for (i = 0; i < s->npolicies; i++)
		n += 2 + s->policies[i].nrules;
	n += s->nfilteractions;
	if (!(v = calloc(n + 1, sizeof(*v))))
		return -ENOMEM;
	n = 0;
	for (i = 0; i < s->nfilterlists; i++) {
		const struct ipp_filterlist *l = &s->filterlists[i];

		v[n++] = (struct guid_ref){l->guid, "filter list", l->name};
		for (j = 0; j < l->nfilters; j++)
			v[n++] = (struct guid_ref){l->filters[j].guid, "filter of list", l->name};
	}
	for (i = 0; i < s->nfilteractions; i++)
		v[n++] = (struct guid_ref){s->filteractions[i].guid, "filter action",
					   s->filteractions[i].name};
	for (i = 0; i < s->npolicies; i++) {
		const struct ipp_policy *p = &s->policies[i];

		v[n++] = (struct guid_ref){p->guid, "policy", p->name};
		v[n++] = (struct guid_ref){p->defaultrule.guid, "default response rule of policy",
					   p->name};
		for (j = 0; j < p->nrules; j++)
			v[n++] = (struct guid_ref){p->rules[j].guid, "rule", p->rules[j].name};
	}
	/* (a lean read has no filter GUIDs: nothing to compare) */
	for (i = j = 0; i < n; i++)
		if (v[i].guid && v[i].guid[0])
			v[j++] = v[i];
	r = ipp_first_dup(j, guid_ref_cmp, v, &x, &y);
	if (r > 0)
		r = ipp_err(err, EINVAL,
			    "the %s store holds two objects with GUID %s, %s \"%s\" and %s \"%s\" "
			    "(another program wrote them so): an export of it would not import; "
			    "delete one of them and add it again",
			    ipp_store_name(s->loc), v[x].guid, v[x].kind, v[x].name, v[y].kind,
			    v[y].name);
	free(v);
	return r;
}

int ipp_export_write(const struct ipp_snapshot *s, FILE *out, struct ipp_error *err)
{
	char a[IPP_ADDR_STRLEN], b[IPP_ADDR_STRLEN], buf[IPP_OFFERS_STRLEN];
	int64_t *ids = NULL;
	size_t nf = 0;
	int rc;

	if ((rc = guids_unique(s, err)) < 0)
		return rc;

	/* check the references first: nothing is written for a bad snapshot */
	for (size_t i = 0; i < s->npolicies; i++)
		for (size_t j = 0; j < s->policies[i].nrules; j++) {
			const struct ipp_rule *r = &s->policies[i].rules[j];

			if (!ipp_snapshot_filterlist(s, r->filterlist_id) ||
			    !ipp_snapshot_filteraction(s, r->filteraction_id))
				return ipp_err(err, EINVAL,
					       "policy \"%s\" rule \"%s\": its filter list or "
					       "filter action is missing",
					       s->policies[i].name, r->name);
		}

	/* each filter's place in the creation order (its id's rank): kept by the import */
	for (size_t i = 0; i < s->nfilterlists; i++)
		nf += s->filterlists[i].nfilters;
	if (nf && !(ids = malloc(nf * sizeof(*ids))))
		return -ENOMEM;
	nf = 0;
	for (size_t i = 0; i < s->nfilterlists; i++)
		for (size_t j = 0; j < s->filterlists[i].nfilters; j++)
			ids[nf++] = s->filterlists[i].filters[j].id;
	if (nf)
		qsort(ids, nf, sizeof(*ids), id_cmp);
	fprintf(out, "%s %d\n", EXPORT_MAGIC, EXPORT_VERSION);
	for (size_t i = 0; i < s->nfilterlists; i++) {
		const struct ipp_filterlist *l = &s->filterlists[i];

		fprintf(out, "filterlist guid=%s", l->guid);
		put_str(out, "name", l->name);
		put_str(out, "description", l->description);
		fprintf(out, " modified=%lld\n", (long long)l->modified);
		for (size_t j = 0; j < l->nfilters; j++) {
			const struct ipp_filter *f = &l->filters[j];

			ipp_addr_format_cidr(&f->src, a, sizeof(a));
			ipp_addr_format_cidr(&f->dst, b, sizeof(b));
			ipp_proto_format(f->protocol, buf, sizeof(buf));
			fprintf(out,
				"filter guid=%s src=%s dst=%s protocol=%s srcport=%u dstport=%u "
				"mirrored=%s",
				f->guid, a, b, buf, f->srcport, f->dstport, yesno(f->mirrored));
			if (f->description && *f->description)
				put_str(out, "description", f->description);
			if (f->srcdns && *f->srcdns)
				put_str(out, "srcdns", f->srcdns);
			if (f->dstdns && *f->dstdns)
				put_str(out, "dstdns", f->dstdns);
			fprintf(out, " order=%zu\n",
				(size_t)((const int64_t *)bsearch(&f->id, ids, nf, sizeof(*ids),
								  id_cmp) -
					 ids) +
				    1);
		}
	}
	for (size_t i = 0; i < s->nfilteractions; i++) {
		const struct ipp_filteraction *fa = &s->filteractions[i];

		fprintf(out, "filteraction guid=%s", fa->guid);
		put_str(out, "name", fa->name);
		put_str(out, "description", fa->description);
		fprintf(out, " modified=%lld action=%s qmpfs=%s inpass=%s soft=%s",
			(long long)fa->modified, ipp_action_name(fa->action), yesno(fa->qmpfs),
			yesno(fa->inpass), yesno(fa->soft));
		put_qmsec(out, fa->qmsec, fa->nqmsec);
		fputc('\n', out);
	}
	for (size_t i = 0; i < s->npolicies; i++) {
		const struct ipp_policy *p = &s->policies[i];
		const struct ipp_rule *d = &p->defaultrule;

		fprintf(out, "policy guid=%s", p->guid);
		put_str(out, "name", p->name);
		put_str(out, "description", p->description);
		fprintf(out,
			" modified=%lld mmpfs=%s qmpermm=%u mmlifetime=%u activatedefaultrule=%s "
			"pollinginterval=%u assigned=%s",
			(long long)p->modified, yesno(p->mmpfs), p->qmpermm, p->mmlifetime,
			yesno(p->activatedefaultrule), p->pollinginterval, yesno(p->assigned));
		put_str(out, "gponame", p->gponame);
		ipp_mm_offers_format(p->mmsec, p->nmmsec, buf, sizeof(buf));
		put_str(out, "mmsec", buf);
		fputc('\n', out);

		fprintf(out, "defaultrule guid=%s", d->guid);
		put_str(out, "name", d->name);
		put_str(out, "description", d->description);
		fprintf(out, " modified=%lld activate=%s conntype=%s qmpfs=%s",
			(long long)d->modified, yesno(d->activate), ipp_conntype_name(d->conntype),
			yesno(d->qmpfs));
		put_qmsec(out, d->qmsec, d->nqmsec);
		fputc('\n', out);
		put_auth(out, d);

		for (size_t j = 0; j < p->nrules; j++) {
			const struct ipp_rule *r = &p->rules[j];

			fprintf(out, "rule number=%u guid=%s", r->number, r->guid);
			put_str(out, "name", r->name);
			put_str(out, "description", r->description);
			fprintf(out, " modified=%lld filterlist=%s filteraction=%s",
				(long long)r->modified,
				ipp_snapshot_filterlist(s, r->filterlist_id)->guid,
				ipp_snapshot_filteraction(s, r->filteraction_id)->guid);
			if (r->has_tunnel) {
				ipp_addr_format_cidr(&r->tunnel, a, sizeof(a));
				fprintf(out, " tunnel=%s", a);
			}
			if (r->tunneldns[0])
				put_str(out, "tunneldns", r->tunneldns);
			fprintf(out, " conntype=%s activate=%s qmpfs=%s",
				ipp_conntype_name(r->conntype), yesno(r->activate), yesno(r->qmpfs));
			put_qmsec(out, r->qmsec, r->nqmsec);
			fputc('\n', out);
			put_auth(out, r);
		}
	}
	fputs("end\n", out);
	free(ids);
	if (fflush(out) != 0 || ferror(out))
		return ipp_err(err, EIO, "writing the export: %s", strerror(errno ? errno : EIO));
	return 0;
}

/* ---------- reader ---------- */

enum rec {
	REC_FILTERLIST,
	REC_FILTER,
	REC_FILTERACTION,
	REC_POLICY,
	REC_DEFAULTRULE,
	REC_RULE,
	REC_AUTH,
	REC_END,
};

static const char *const rec_names[] = {
	[REC_FILTERLIST] = "filterlist", [REC_FILTER] = "filter",
	[REC_FILTERACTION] = "filteraction", [REC_POLICY] = "policy",
	[REC_DEFAULTRULE] = "defaultrule", [REC_RULE] = "rule",
	[REC_AUTH] = "auth", [REC_END] = "end",
};

enum ftype {
	F_GUID,     /* char[IPP_GUID_STRLEN] */
	F_TEXT,     /* char[size] */
	F_DUP,      /* char *, owned; "" = NULL */
	F_I64,      /* int64_t >= 0 */
	F_U32,      /* uint32_t */
	F_BOOL,     /* bool, "yes" or "no" */
	F_ACTION,   /* enum ipp_action */
	F_CONNTYPE, /* enum ipp_conntype */
	F_AUTHKIND, /* enum ipp_auth_kind */
	F_ADDR,     /* struct ipp_addr, canonical ADDRESS/PREFIX text */
	F_TUNNEL,   /* struct ipp_rule: has_tunnel + tunnel */
	F_PROTO,    /* uint8_t */
	F_PORT,     /* uint16_t */
	F_MMSEC,    /* struct ipp_policy: mmsec + nmmsec */
	F_QMSEC,    /* qmsec array at off, count at off2; "" = none */
	F_REFLIST,  /* GUID of a filter list, kept aside */
	F_REFACTION /* GUID of a filter action, kept aside */
};

struct field {
	const char *key;
	enum ftype type;
	bool required;
	size_t off, size, off2;
};

#define FLD(k, t, req, st, m) {k, t, req, offsetof(st, m), sizeof(((st *)0)->m), 0}
#define QMF(k, st) {k, F_QMSEC, true, offsetof(st, qmsec), 0, offsetof(st, nqmsec)}

static const struct field filterlist_fields[] = {
	FLD("guid", F_GUID, true, struct ipp_filterlist, guid),
	FLD("name", F_TEXT, true, struct ipp_filterlist, name),
	FLD("description", F_TEXT, false, struct ipp_filterlist, description),
	FLD("modified", F_I64, true, struct ipp_filterlist, modified),
	{0},
};

static const struct field filter_fields[] = {
    FLD("guid", F_GUID, true, struct ipp_filter, guid),
    FLD("src", F_ADDR, true, struct ipp_filter, src),
    FLD("dst", F_ADDR, true, struct ipp_filter, dst),
    FLD("protocol", F_PROTO, true, struct ipp_filter, protocol),
    FLD("srcport", F_PORT, true, struct ipp_filter, srcport),
    FLD("dstport", F_PORT, true, struct ipp_filter, dstport),
    FLD("mirrored", F_BOOL, true, struct ipp_filter, mirrored),
    FLD("description", F_DUP, false, struct ipp_filter, description),
    FLD("srcdns", F_DUP, false, struct ipp_filter, srcdns),
    FLD("dstdns", F_DUP, false, struct ipp_filter, dstdns),
    FLD("order", F_I64, false, struct ipp_filter, order),
    {0},
};

static const struct field filteraction_fields[] = {
	FLD("guid", F_GUID, true, struct ipp_filteraction, guid),
	FLD("name", F_TEXT, true, struct ipp_filteraction, name),
	FLD("description", F_TEXT, false, struct ipp_filteraction, description),
	FLD("modified", F_I64, true, struct ipp_filteraction, modified),
	FLD("action", F_ACTION, true, struct ipp_filteraction, action),
	FLD("qmpfs", F_BOOL, true, struct ipp_filteraction, qmpfs),
	FLD("inpass", F_BOOL, true, struct ipp_filteraction, inpass),
	FLD("soft", F_BOOL, true, struct ipp_filteraction, soft),
	QMF("qmsec", struct ipp_filteraction),
	{0},
};

static const struct field policy_fields[] = {
	FLD("guid", F_GUID, true, struct ipp_policy, guid),
	FLD("name", F_TEXT, true, struct ipp_policy, name),
	FLD("description", F_TEXT, false, struct ipp_policy, description),
	FLD("modified", F_I64, true, struct ipp_policy, modified),
	FLD("mmpfs", F_BOOL, true, struct ipp_policy, mmpfs),
	FLD("qmpermm", F_U32, true, struct ipp_policy, qmpermm),
	FLD("mmlifetime", F_U32, true, struct ipp_policy, mmlifetime),
	FLD("activatedefaultrule", F_BOOL, true, struct ipp_policy, activatedefaultrule),
	FLD("pollinginterval", F_U32, true, struct ipp_policy, pollinginterval),
	FLD("assigned", F_BOOL, true, struct ipp_policy, assigned),
	FLD("gponame", F_TEXT, false, struct ipp_policy, gponame),
	{"mmsec", F_MMSEC, true, 0, 0, 0},
	{0},
};

static const struct field defaultrule_fields[] = {
	FLD("guid", F_GUID, true, struct ipp_rule, guid),
	FLD("name", F_TEXT, false, struct ipp_rule, name),
	FLD("description", F_TEXT, false, struct ipp_rule, description),
	FLD("modified", F_I64, true, struct ipp_rule, modified),
	FLD("activate", F_BOOL, true, struct ipp_rule, activate),
	FLD("conntype", F_CONNTYPE, true, struct ipp_rule, conntype),
	FLD("qmpfs", F_BOOL, true, struct ipp_rule, qmpfs),
	QMF("qmsec", struct ipp_rule),
	{0},
};

static const struct field rule_fields[] = {
	FLD("number", F_U32, true, struct ipp_rule, number),
	FLD("guid", F_GUID, true, struct ipp_rule, guid),
	FLD("name", F_TEXT, true, struct ipp_rule, name),
	FLD("description", F_TEXT, false, struct ipp_rule, description),
	FLD("modified", F_I64, true, struct ipp_rule, modified),
	{"filterlist", F_REFLIST, true, 0, 0, 0},
	{"filteraction", F_REFACTION, true, 0, 0, 0},
	{"tunnel", F_TUNNEL, false, 0, 0, 0},
	FLD("tunneldns", F_TEXT, false, struct ipp_rule, tunneldns),
	FLD("conntype", F_CONNTYPE, true, struct ipp_rule, conntype),
	FLD("activate", F_BOOL, true, struct ipp_rule, activate),
	FLD("qmpfs", F_BOOL, true, struct ipp_rule, qmpfs),
	QMF("qmsec", struct ipp_rule),
	{0},
};

static const struct field auth_fields[] = {
	FLD("kind", F_AUTHKIND, true, struct ipp_auth, kind),
	FLD("value", F_TEXT, false, struct ipp_auth, value),
	FLD("certmap", F_BOOL, false, struct ipp_auth, certmap),
	FLD("excludecaname", F_BOOL, false, struct ipp_auth, excludecaname),
	{0},
};

static const struct field *const rec_fields[] = {
	[REC_FILTERLIST] = filterlist_fields, [REC_FILTER] = filter_fields,
	[REC_FILTERACTION] = filteraction_fields, [REC_POLICY] = policy_fields,
	[REC_DEFAULTRULE] = defaultrule_fields, [REC_RULE] = rule_fields,
	[REC_AUTH] = auth_fields, [REC_END] = NULL,
};

/* A rule's references, resolved when the whole file is read. */
struct pending_ref {
	size_t policy, rule;
	long line;
	char list[IPP_GUID_STRLEN], action[IPP_GUID_STRLEN];
};

struct reader {
	const char *name;
	long line;
	long cut; /* the line that ends the file without its new line (0: none) */
	struct ipp_error *err;
	struct ipp_snapshot *s;
	size_t cap_lists, cap_actions, cap_policies, cap_filters, cap_rules;
	struct pending_ref *refs;
	size_t nrefs, cap_refs;
	/* context: what the next filter / rule / auth line belongs to */
	struct ipp_filterlist *cur_list;
	struct ipp_policy *cur_policy;
	struct ipp_rule *cur_rule;
	bool need_default;
	/* the value of F_REFLIST / F_REFACTION of the current line */
	char ref_list[IPP_GUID_STRLEN], ref_action[IPP_GUID_STRLEN];
	/* (owned) the file's filter lists and actions by GUID, to resolve the references */
	struct guid_id {
		const char *guid;
		int64_t id;
	} * list_guids, *action_guids;
};

static int rerr(struct reader *rd, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rerr(struct reader *rd, int code, const char *fmt, ...)
{
	char msg[IPP_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ipp_err(rd->err, code, "%s:%ld: %s%s", rd->name, rd->line, msg,
		       rd->cut ? " (the file ends in this line, without its end: cut short?)" : "");
}

/* Prefix a model error (already in rd->err) with FILE:LINE. */
static int rerr_model(struct reader *rd, long line, int r)
{
	ipp_err_prefix(rd->err, "%s:%ld", rd->name, line);
	return r;
}

/* Parse one value into @obj per @f.  @v is the decoded value. */
static int set_field(struct reader *rd, void *obj, const struct field *f, const char *v)
{
	char *dst = (char *)obj + f->off;
	struct ipp_error e = {0};
	uint32_t u;
	bool b;
	int r = 0;
	long bad;

	/* text is UTF-8, as the shell takes it: a name of a legacy code page is refused */
	if ((f->type == F_TEXT || f->type == F_DUP) && (bad = ipp_utf8_bad_at(v)) >= 0)
		return rerr(rd, EINVAL,
			    "%s: byte 0x%02x at offset %ld of the value is not UTF-8, expected "
			    "UTF-8 text",
			    f->key, (unsigned char)v[bad], bad);
	switch (f->type) {
	case F_GUID:
		if (!ipp_guid_parse(v, dst) || v[0] != '{')
			return rerr(rd, EINVAL,
				    "%s: \"%s\" is not a GUID, expected "
				    "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}",
				    f->key, v);
		return 0;
	case F_TEXT:
		if (strlen(v) >= f->size)
			return rerr(rd, EINVAL, "%s: \"%.40s...\" is too long, at most %zu characters",
				    f->key, v, f->size - 1);
		memcpy(dst, v, strlen(v) + 1);
		return 0;
	case F_DUP: {
		char **p = (char **)(void *)dst;

		free(*p);
		*p = NULL;
		if (*v && !(*p = strdup(v)))
			return -ENOMEM;
		return 0;
	}
	case F_I64: {
		int64_t x = 0;

		if (!*v)
			return rerr(rd, EINVAL, "%s: empty value, expected a number", f->key);
		for (const char *p = v; *p; p++) {
			if (*p < '0' || *p > '9' || x > (INT64_MAX - 9) / 10)
				return rerr(rd, EINVAL,
					    "%s: \"%s\" is not valid, expected a number from %d to "
					    "%lld",
					    f->key, v, !strcmp(f->key, "order"),
					    (long long)((INT64_MAX - 9) / 10));
			x = x * 10 + (*p - '0');
		}
		if (!strcmp(f->key, "order") && x == 0)
			return rerr(rd, EINVAL,
				    "order: \"%s\" is not valid: filters are counted from 1", v);
		memcpy(dst, &x, sizeof(x));
		return 0;
	}
	case F_U32:
		r = ipp_parse_u32(f->key, v, 0, UINT32_MAX, &u, &e);
		if (r == 0)
			memcpy(dst, &u, sizeof(u));
		break;
	case F_BOOL:
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return rerr(rd, EINVAL, "%s: \"%s\" is not valid, expected yes or no",
				    f->key, v);
		b = strcmp(v, "yes") == 0;
		memcpy(dst, &b, sizeof(b));
		return 0;
	case F_ACTION: {
		enum ipp_action a;

		r = ipp_action_parse(v, &a, &e);
		if (r == 0)
			memcpy(dst, &a, sizeof(a));
		break;
	}
	case F_CONNTYPE: {
		enum ipp_conntype c;

		r = ipp_conntype_parse(v, &c, &e);
		if (r == 0)
			memcpy(dst, &c, sizeof(c));
		break;
	}
	case F_AUTHKIND: {
		enum ipp_auth_kind k = IPP_AUTH_INVALID;

		for (int i = IPP_AUTH_KERBEROS; i <= IPP_AUTH_ROOTCA; i++)
			if (strcmp(v, ipp_auth_kind_name((enum ipp_auth_kind)i)) == 0)
				k = (enum ipp_auth_kind)i;
		if (k == IPP_AUTH_INVALID)
			return rerr(rd, EINVAL,
				    "kind: \"%s\" is not valid, expected kerberos, psk or rootca", v);
		memcpy(dst, &k, sizeof(k));
		return 0;
	}
	case F_ADDR: {
		struct ipp_addr a;

		r = ipp_addr_parse_cidr(v, &a, &e);
		if (r == 0)
			memcpy(dst, &a, sizeof(a));
		break;
	}
	case F_TUNNEL: {
		struct ipp_rule *rule = obj;
		const char *why;

		r = ipp_addr_parse_cidr(v, &rule->tunnel, &e);
		if (r == 0 && rule->tunnel.kind != IPP_ADDR_IP)
			r = ipp_err(&e, EINVAL, "\"%s\" is not an IP address", v);
		else if (r == 0 && (why = ipp_tunnel_endpoint_bad(&rule->tunnel)))
			r = ipp_err(&e, EINVAL,
				    "\"%s\" is %s, not the address of a tunnel's far end", v, why);
		/* the unspecified address is no tunnel, as netsh's tunnel=0.0.0.0 */
		rule->has_tunnel = r == 0 && memcmp(rule->tunnel.ip, (const uint8_t[16]){0}, 16);
		break;
	}
	case F_PROTO: {
		uint8_t p;

		r = ipp_proto_parse(v, &p, &e);
		if (r == 0)
			memcpy(dst, &p, sizeof(p));
		break;
	}
	case F_PORT: {
		uint16_t p;

		r = ipp_port_parse(v, &p, &e);
		if (r == 0)
			memcpy(dst, &p, sizeof(p));
		break;
	}
	case F_MMSEC: {
		struct ipp_policy *p = obj;

		r = ipp_mm_offers_parse(v, p->mmsec, IPP_MAX_OFFERS, &p->nmmsec, &e);
		break;
	}
	case F_QMSEC: {
		size_t n = 0;

		if (*v)
			r = ipp_qm_offers_parse(v, (struct ipp_qm_offer *)(void *)dst,
						IPP_MAX_OFFERS, &n, &e);
		if (r == 0)
			memcpy((char *)obj + f->off2, &n, sizeof(n));
		break;
	}
	case F_REFLIST:
	case F_REFACTION:
		if (!ipp_guid_parse(v, f->type == F_REFLIST ? rd->ref_list : rd->ref_action))
			return rerr(rd, EINVAL, "%s: \"%s\" is not a GUID", f->key, v);
		return 0;
	}
	if (r < 0) {
		size_t kl = strlen(f->key);

		if (r == -ENOMEM)
			return r;
		/* the model's messages often start with the attribute already */
		if (strncmp(e.msg, f->key, kl) == 0 && e.msg[kl] == ':')
			return rerr(rd, EINVAL, "%s", e.msg);
		return rerr(rd, EINVAL, "%s: %s", f->key, e.msg);
	}
	return 0;
}

/* Decode a quoted value starting after the opening quote; returns the end or NULL. */
static char *unquote(struct reader *rd, char *p, char *out, int *r)
{
	static const char hex[] = "0123456789abcdefABCDEF";

	for (;;) {
		char c = *p++;

		if (c == '\0') {
			*r = rerr(rd, EINVAL, "unterminated quoted value");
			return NULL;
		}
		if (c == '"')
			break;
		if (c != '\\') {
			*out++ = c;
			continue;
		}
		c = *p++;
		switch (c) {
		case '"':
		case '\\':
			*out++ = c;
			break;
		case 'n':
			*out++ = '\n';
			break;
		case 't':
			*out++ = '\t';
			break;
		case 'r':
			*out++ = '\r';
			break;
		case 'x':
			if (p[0] && p[1] && strchr(hex, p[0]) && strchr(hex, p[1])) {
				char h[3] = {p[0], p[1], 0};
				long x = strtol(h, NULL, 16);

				if (x != 0) {
					*out++ = (char)x;
					p += 2;
					break;
				}
				*r = rerr(
				    rd, EINVAL,
				    "bad escape \"\\x%.2s\" in a quoted value: a NUL byte, which "
				    "no value holds",
				    p);
				return NULL;
			}
			*r = rerr(rd, EINVAL,
				  "bad escape \"\\x%.2s\" in a quoted value: expected \\x and two "
				  "hexadecimal digits",
				  p);
			return NULL;
		default:
			*r = rerr(rd, EINVAL, "bad escape \"\\%c\" in a quoted value",
				  c ? c : ' ');
			return NULL;
		}
	}
	*out = '\0';
	return p;
}

/*
 * Parse the KEY=VALUE pairs of @p into @obj with @fields.  @work: scratch as
 * long as the line.
 */
static int parse_pairs(struct reader *rd, enum rec rec, char *p, void *obj, char *work)
{
	const struct field *fields = rec_fields[rec];
	bool seen[32] = {false};
	int r;

	for (;;) {
		const struct field *f = NULL;
		char *key, *val = work;
		size_t klen, i;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		key = p;
		while ((*p >= 'a' && *p <= 'z'))
			p++;
		klen = (size_t)(p - key);
		if (klen == 0 || *p != '=') {
			char *e = key;

			while (*e && *e != ' ' && *e != '\t')
				e++;
			*e = '\0';
			return rerr(rd, EINVAL, "%s: expected KEY=VALUE, found \"%s\"",
				    rec_names[rec], key);
		}
		*p++ = '\0';
		for (i = 0; fields[i].key; i++)
			if (strcmp(fields[i].key, key) == 0) {
				f = &fields[i];
				break;
			}
		if (!f) {
			char list[512] = "";

			for (size_t j = 0; fields[j].key; j++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 j ? ", " : "", fields[j].key);
			return rerr(rd, EINVAL, "%s: unknown key \"%s\", expected one of %s",
				    rec_names[rec], key, list);
		}
		if (seen[i])
			return rerr(rd, EINVAL, "%s: key \"%s\" given twice", rec_names[rec], key);
		seen[i] = true;
		if (*p == '"') {
			r = 0;
			p = unquote(rd, p + 1, val, &r);
			if (!p)
				return r;
		} else {
			char *o = val;

			while (*p && *p != ' ' && *p != '\t') {
				if (*p == '"')
					return rerr(rd, EINVAL,
						    "%s: stray quote in the value of \"%s\"",
						    rec_names[rec], key);
				*o++ = *p++;
			}
			*o = '\0';
		}
		if (*p && *p != ' ' && *p != '\t')
			return rerr(rd, EINVAL, "%s: expected a blank after the value of \"%s\"",
				    rec_names[rec], key);
		r = set_field(rd, obj, f, val);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; fields[i].key; i++)
		if (fields[i].required && !seen[i])
			return rerr(rd, EINVAL, "%s: missing key \"%s\"", rec_names[rec],
				    fields[i].key);
	return 0;
}

/* Handle one record line (after the record word). */
static int record(struct reader *rd, enum rec rec, char *p, char *work)
{
	struct ipp_snapshot *s = rd->s;
	int r;

	if (rd->need_default && rec != REC_DEFAULTRULE)
		return rerr(rd, EINVAL, "expected the defaultrule line of policy \"%s\", found %s",
			    rd->cur_policy->name, rec_names[rec]);
	switch (rec) {
	case REC_FILTERLIST: {
		struct ipp_filterlist *l;

		if (ipp_grow_zero((void **)&s->filterlists, &rd->cap_lists, s->nfilterlists + 1,
				  sizeof(*l)) < 0)
			return -ENOMEM;
		l = &s->filterlists[s->nfilterlists++];
		ipp_filterlist_init(l);
		l->id = rd->line;
		rd->cur_list = l;
		rd->cap_filters = 0;
		rd->cur_policy = NULL;
		rd->cur_rule = NULL;
		return parse_pairs(rd, rec, p, l, work);
	}
	case REC_FILTER: {
		struct ipp_filterlist *l = rd->cur_list;
		struct ipp_filter *f;

		if (!l)
			return rerr(rd, EINVAL, "filter line outside a filterlist");
		if (ipp_grow_zero((void **)&l->filters, &rd->cap_filters, l->nfilters + 1,
				  sizeof(*f)) < 0)
			return -ENOMEM;
		f = &l->filters[l->nfilters++];
		ipp_filter_init(f);
		f->id = rd->line;
		return parse_pairs(rd, rec, p, f, work);
	}
	case REC_FILTERACTION: {
		struct ipp_filteraction *a;

		if (ipp_grow_zero((void **)&s->filteractions, &rd->cap_actions,
				  s->nfilteractions + 1, sizeof(*a)) < 0)
			return -ENOMEM;
		a = &s->filteractions[s->nfilteractions++];
		ipp_filteraction_init(a);
		a->id = rd->line;
		rd->cur_list = NULL;
		rd->cur_policy = NULL;
		rd->cur_rule = NULL;
		return parse_pairs(rd, rec, p, a, work);
	}
	case REC_POLICY: {
		struct ipp_policy *pol;

		if (ipp_grow_zero((void **)&s->policies, &rd->cap_policies, s->npolicies + 1,
				  sizeof(*pol)) < 0)
			return -ENOMEM;
		pol = &s->policies[s->npolicies++];
		ipp_policy_init(pol);
		pol->id = rd->line;
		rd->cur_list = NULL;
		rd->cur_policy = pol;
		rd->cur_rule = NULL;
		rd->cap_rules = 0;
		r = parse_pairs(rd, rec, p, pol, work);
		rd->need_default = true;
		return r;
	}
	case REC_DEFAULTRULE: {
		struct ipp_rule *d;

		if (!rd->need_default)
			return rerr(rd, EINVAL, "defaultrule line not right after a policy line");
		rd->need_default = false;
		d = &rd->cur_policy->defaultrule;
		ipp_rule_init(d);
		d->nauth = 0;
		d->id = rd->line;
		d->policy_id = rd->cur_policy->id;
		rd->cur_rule = d;
		return parse_pairs(rd, rec, p, d, work);
	}
	case REC_RULE: {
		struct ipp_policy *pol = rd->cur_policy;
		struct pending_ref *ref;
		struct ipp_rule *rule;

		if (!pol)
			return rerr(rd, EINVAL, "rule line outside a policy");
		if (ipp_grow_zero((void **)&pol->rules, &rd->cap_rules, pol->nrules + 1,
				  sizeof(*rule)) < 0 ||
		    ipp_grow_zero((void **)&rd->refs, &rd->cap_refs, rd->nrefs + 1, sizeof(*ref)) <
			0)
			return -ENOMEM;
		rule = &pol->rules[pol->nrules++];
		ipp_rule_init(rule);
		rule->nauth = 0;
		rule->id = rd->line;
		rule->policy_id = pol->id;
		rd->cur_rule = rule;
		r = parse_pairs(rd, rec, p, rule, work);
		if (r < 0)
			return r;
		if (rule->number == 0)
			return rerr(rd, EINVAL, "rule: number: \"0\" is not valid, expected 1 or more");
		ref = &rd->refs[rd->nrefs++];
		ref->policy = (size_t)(pol - s->policies);
		ref->rule = pol->nrules - 1;
		ref->line = rd->line;
		memcpy(ref->list, rd->ref_list, sizeof(ref->list));
		memcpy(ref->action, rd->ref_action, sizeof(ref->action));
		return 0;
	}
	case REC_AUTH: {
		struct ipp_rule *rule = rd->cur_rule;
		struct ipp_auth *a;

		if (!rule)
			return rerr(rd, EINVAL, "auth line outside a rule or defaultrule");
		if (rule->nauth >= IPP_MAX_AUTH)
			return rerr(rd, EINVAL, "more than %d authentication methods",
				    IPP_MAX_AUTH);
		a = &rule->auth[rule->nauth++];
		memset(a, 0, sizeof(*a));
		r = parse_pairs(rd, rec, p, a, work);
		if (r < 0)
			return r;
		if (a->kind == IPP_AUTH_KERBEROS && a->value[0])
			return rerr(rd, EINVAL, "auth: kerberos takes no value");
		if (a->kind != IPP_AUTH_ROOTCA && (a->certmap || a->excludecaname))
			return rerr(rd, EINVAL,
				    "auth: certmap and excludecaname go only with rootca");
		r = ipp_auth_validate(a, rd->err);
		if (r < 0)
			return rerr_model(rd, rd->line, r);
		r = ipp_auth_repeat_check(rule->auth, rule->nauth - 1, rd->err);
		if (r < 0)
			return rerr_model(rd, rd->line, r);
		return 0;
	}
	case REC_END:
		return 0;
	}
	return -EINVAL;
}

/* ---------- whole-file checks ---------- */

static int addr_cmp(const struct ipp_addr *a, const struct ipp_addr *b)
{
	size_t n = a->family == AF_INET6 ? 16 : 4;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->kind != IPP_ADDR_IP && a->kind != IPP_ADDR_RANGE)
		return 0;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->ip, b->ip, n);
	if (c)
		return c;
	if (a->kind == IPP_ADDR_IP)
		return (int)a->plen - (int)b->plen;
	return memcmp(a->ip_end, b->ip_end, n);
}

static int filter_cmp(const void *x, const void *y)
{
	const struct ipp_filter *a = *(const struct ipp_filter *const *)x;
	const struct ipp_filter *b = *(const struct ipp_filter *const *)y;
	int c;

	c = addr_cmp(&a->src, &b->src);
	if (!c)
		c = addr_cmp(&a->dst, &b->dst);
	if (!c)
		c = (int)a->protocol - (int)b->protocol;
	if (!c)
		c = (int)a->srcport - (int)b->srcport;
	if (!c)
		c = (int)a->dstport - (int)b->dstport;
	if (!c)
		c = (int)a->mirrored - (int)b->mirrored;
	if (!c)
		c = a->id < b->id ? -1 : a->id > b->id;
	return c;
}

static int check_filters(struct reader *rd, const struct ipp_filterlist *l)
{
	const struct ipp_filter **v;
	int r;

	for (size_t i = 0; i < l->nfilters; i++) {
		r = ipp_filter_validate(&l->filters[i], rd->err);
		if (r == 0)
			r = ipp_filter_dnsnames_validate(&l->filters[i], rd->err);
		if (r < 0)
			return rerr_model(rd, (long)l->filters[i].id, r);
	}
	if (l->nfilters < 2)
		return 0;
	v = malloc(l->nfilters * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < l->nfilters; i++)
		v[i] = &l->filters[i];
	qsort(v, l->nfilters, sizeof(*v), filter_cmp);
	r = 0;
	for (size_t i = 1; i < l->nfilters; i++)
		if (ipp_filter_same(v[i - 1], v[i])) {
			rd->line = (long)v[i]->id;
			r = rerr(rd, EEXIST, "filter: the same filter as line %lld of filterlist \"%s\"",
				 (long long)v[i - 1]->id, l->name);
			break;
		}
	free(v);
	return r;
}

static int order_cmp(const void *ctx, size_t a, size_t b)
{
	const struct ipp_filter *const *v = ctx;

	return v[a]->order < v[b]->order ? -1 : v[a]->order > v[b]->order;
}

/* Each filter's place in the creation order (order=) given once in the file. */
static int check_orders(struct reader *rd)
{
	const struct ipp_snapshot *s = rd->s;
	const struct ipp_filter **v;
	size_t n = 0, e, l;
	int r;

	for (size_t i = 0; i < s->nfilterlists; i++)
		n += s->filterlists[i].nfilters;
	if (n < 2)
		return 0;
	if (!(v = malloc(n * sizeof(*v))))
		return rerr(rd, ENOMEM, "out of memory");
	n = 0;
	for (size_t i = 0; i < s->nfilterlists; i++)
		for (size_t j = 0; j < s->filterlists[i].nfilters; j++)
			if (s->filterlists[i].filters[j].order)
				v[n++] = &s->filterlists[i].filters[j];
	r = ipp_first_dup(n, order_cmp, v, &e, &l);
	if (r > 0) {
		rd->line = (long)v[l]->id;
		r = rerr(rd, EEXIST, "order: %lld already on line %lld: each filter has its own",
			 (long long)v[l]->order, (long long)v[e]->id);
	} else if (r < 0) {
		r = rerr(rd, ENOMEM, "out of memory");
	}
	free(v);
	return r;
}

static int guid_id_cmp(const void *x, const void *y)
{
	return strcmp(((const struct guid_id *)x)->guid, ((const struct guid_id *)y)->guid);
}

/* The file's filter lists and filter actions by GUID (rd->list_guids, rd->action_guids). */
static int guid_index(struct reader *rd)
{
	const struct ipp_snapshot *s = rd->s;
	size_t i;

	rd->list_guids = malloc((s->nfilterlists + 1) * sizeof(*rd->list_guids));
	rd->action_guids = malloc((s->nfilteractions + 1) * sizeof(*rd->action_guids));
	if (!rd->list_guids || !rd->action_guids)
		return rerr(rd, ENOMEM, "out of memory");
	for (i = 0; i < s->nfilterlists; i++)
		rd->list_guids[i] = (struct guid_id){s->filterlists[i].guid, s->filterlists[i].id};
	for (i = 0; i < s->nfilteractions; i++)
		rd->action_guids[i] =
		    (struct guid_id){s->filteractions[i].guid, s->filteractions[i].id};
	qsort(rd->list_guids, s->nfilterlists, sizeof(*rd->list_guids), guid_id_cmp);
	qsort(rd->action_guids, s->nfilteractions, sizeof(*rd->action_guids), guid_id_cmp);
	return 0;
}

/* The id of the object of GUID @guid in @v (@n, sorted), 0 when none. */
static int64_t guid_find(const struct guid_id *v, size_t n, const char *guid)
{
	const struct guid_id key = {guid, 0}, *hit;

	hit = n ? bsearch(&key, v, n, sizeof(*v), guid_id_cmp) : NULL;
	return hit ? hit->id : 0;
}

static int check_all(struct reader *rd)
{
	struct ipp_snapshot *s = rd->s;
	const struct ipp_policy *assigned = NULL;
	size_t de = 0, dl = SIZE_MAX;
	int r, dk = 0;

	if ((r = snap_first_dup2(s->nfilterlists, snap_list_name_cmp, snap_list_guid_cmp, s, &dk,
				 &de, &dl)) < 0)
		return rerr(rd, ENOMEM, "out of memory");
	if (!r)
		dl = SIZE_MAX;
	for (size_t i = 0; i < s->nfilterlists; i++) {
		const struct ipp_filterlist *l = &s->filterlists[i];

		struct ipp_filterlist head = *l;

		rd->line = (long)l->id;
		head.nfilters = 0; /* check_filters() names each filter's own line */
		r = ipp_filterlist_validate(&head, rd->err);
		if (r < 0)
			return rerr_model(rd, rd->line, r);
		if (i == dl && dk == 1)
			return rerr(rd, EEXIST, "filterlist \"%s\" already on line %lld", l->name,
				    (long long)s->filterlists[de].id);
		if (i == dl)
			return rerr(rd, EEXIST, "filterlist GUID %s already on line %lld", l->guid,
				    (long long)s->filterlists[de].id);
		r = check_filters(rd, l);
		if (r < 0)
			return r;
	}
	if ((r = snap_first_dup2(s->nfilteractions, snap_action_name_cmp, snap_action_guid_cmp, s,
				 &dk, &de, &dl)) < 0)
		return rerr(rd, ENOMEM, "out of memory");
	if (!r)
		dl = SIZE_MAX;
	for (size_t i = 0; i < s->nfilteractions; i++) {
		const struct ipp_filteraction *a = &s->filteractions[i];

		rd->line = (long)a->id;
		r = ipp_filteraction_validate(a, rd->err);
		if (r < 0)
			return rerr_model(rd, rd->line, r);
		if (i == dl && dk == 1)
			return rerr(rd, EEXIST, "filteraction \"%s\" already on line %lld", a->name,
				    (long long)s->filteractions[de].id);
		if (i == dl)
			return rerr(rd, EEXIST, "filteraction GUID %s already on line %lld",
				    a->guid, (long long)s->filteractions[de].id);
	}
	if ((r = check_orders(rd)) < 0)
		return r;
	/* resolve the rules' references (GUIDs of each kind are one each by now) */
	if (rd->nrefs && (r = guid_index(rd)) < 0)
		return r;
	for (size_t i = 0; i < rd->nrefs; i++) {
		const struct pending_ref *ref = &rd->refs[i];
		struct ipp_rule *rule = &s->policies[ref->policy].rules[ref->rule];

		rd->line = ref->line;
		rule->filterlist_id = guid_find(rd->list_guids, s->nfilterlists, ref->list);
		rule->filteraction_id = guid_find(rd->action_guids, s->nfilteractions, ref->action);
		if (!rule->filterlist_id)
			return rerr(rd, EINVAL, "rule \"%s\": filterlist \"%s\" is not in the file",
				    rule->name, ref->list);
		if (!rule->filteraction_id)
			return rerr(rd, EINVAL,
				    "rule \"%s\": filteraction \"%s\" is not in the file",
				    rule->name, ref->action);
	}
	if ((r = snap_first_dup2(s->npolicies, snap_policy_name_cmp, snap_policy_guid_cmp, s, &dk,
				 &de, &dl)) < 0)
		return rerr(rd, ENOMEM, "out of memory");
	if (!r)
		dl = SIZE_MAX;
	for (size_t i = 0; i < s->npolicies; i++) {
		const struct ipp_policy *p = &s->policies[i];
		size_t re = 0, rl = SIZE_MAX;
		int rk = 0;

		rd->line = (long)p->id;
		r = ipp_policy_validate(p, rd->err);
		if (r < 0)
			return rerr_model(rd, rd->line, r);
		/* one setting, which the shell changes as one (a dump could not tell them apart) */
		if (p->activatedefaultrule != p->defaultrule.activate)
			return rerr(rd, EINVAL,
				    "activatedefaultrule: \"%s\", but the default response rule is "
				    "%s: they are one setting",
				    p->activatedefaultrule ? "yes" : "no",
				    p->defaultrule.activate ? "active" : "not active");
		if (i == dl && dk == 1)
			return rerr(rd, EEXIST, "policy \"%s\" already on line %lld", p->name,
				    (long long)s->policies[de].id);
		if (i == dl)
			return rerr(rd, EEXIST, "policy GUID %s already on line %lld", p->guid,
				    (long long)s->policies[de].id);
		if ((r = snap_first_dup2(p->nrules, snap_rule_name_cmp, snap_rule_number_cmp, p,
					 &rk, &re, &rl)) < 0)
			return rerr(rd, ENOMEM, "out of memory");
		if (!r)
			rl = SIZE_MAX;
		if (p->assigned) {
			if (assigned)
				return rerr(rd, EINVAL,
					    "policy \"%s\" is assigned, and so is \"%s\" on line %lld",
					    p->name, assigned->name, (long long)assigned->id);
			assigned = p;
		}
		for (size_t j = 0; j < p->nrules; j++) {
			const struct ipp_rule *rule = &p->rules[j];

			rd->line = (long)rule->id;
			r = ipp_rule_validate(rule, ipp_snapshot_filterlist(s, rule->filterlist_id),
					      rd->err);
			if (r == 0)
				r = ipp_rule_dnsname_validate(rule, rd->err);
			if (r < 0)
				return rerr_model(rd, rd->line, r);
			if (j == rl && rk == 1)
				return rerr(rd, EEXIST, "rule \"%s\" already on line %lld",
					    rule->name, (long long)p->rules[re].id);
			if (j == rl)
				return rerr(rd, EEXIST, "rule number %u already on line %lld",
					    rule->number, (long long)p->rules[re].id);
		}
	}
	{
		struct ipp_guid_dup d;

		if ((r = ipp_snapshot_guid_dup(s, &d)) < 0)
			return r;
		if (r > 0) {
			rd->line = (long)d.second_id;
			return rerr(rd, EEXIST,
				    "%s GUID %s is already the GUID of the %s on line %lld",
				    d.second_kind, d.guid, d.first_kind, (long long)d.first_id);
		}
	}
	return 0;
}

/* Strip the line end; refuse control characters other than tab. */
static int clean_line(struct reader *rd, char *line, ssize_t n)
{
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if (n > LINE_MAX_LEN)
		return rerr(rd, EINVAL, "line longer than %d bytes", LINE_MAX_LEN);
	for (ssize_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return rerr(rd, EINVAL, "control character 0x%02X in the line", c);
	}
	return 0;
}

/*
 * Read the next line of @in into *@buf (grown as needed, without its "\n"),
 * checking as it reads, so that no input, not even /dev/zero, is loaded
 * further than one line: a NUL byte or a line longer than LINE_MAX_LEN
 * characters (and a "\r") stops the reading.  1 and the length in *@ret_n,
 * 0 at the end of the input, or a negative errno (reported).
 */
static int read_line(struct reader *rd, FILE *in, char **buf, size_t *cap, size_t *ret_n)
{
	size_t n = 0;
	int c;

	while ((c = getc(in)) != EOF && c != '\n') {
		if (c == '\0' && rd->line == 1)
			/* binary: the snap-in's own .ipsec files are */
			return rerr(rd, EINVAL,
				    "not an ipsecpol export: a binary file (the .ipsec files of "
				    "Windows' IP Security Policy Management are not read: make the "
				    "policy with a netsh script, or export it with ipsecpol)");
		if (c == '\0')
			return rerr(rd, EINVAL, "NUL byte in the line");
		if (n > LINE_MAX_LEN)
			return rerr(rd, EINVAL, "line longer than %d bytes", LINE_MAX_LEN);
		if (ipp_grow((void **)buf, cap, n + 2, 1) < 0)
			return -ENOMEM;
		(*buf)[n++] = (char)c;
	}
	if (c == EOF && n == 0)
		return 0;
	rd->cut = c == EOF ? rd->line : 0;
	/* (an empty line before any other: nothing grew the buffer yet) */
	if (ipp_grow((void **)buf, cap, n + 1, 1) < 0)
		return -ENOMEM;
	(*buf)[n] = '\0';
	*ret_n = n;
	return 1;
}

int ipp_export_read(FILE *in, const char *name, struct ipp_snapshot **ret,
		    struct ipp_error *err)
{
	struct reader rd = {.name = name ? name : "(input)", .err = err};
	char *line = NULL, *work = NULL;
	size_t cap = 0, wcap = 0;
	bool header = false, ended = false;
	size_t n = 0;
	int r = 0, more;

	rd.s = calloc(1, sizeof(*rd.s));
	if (!rd.s)
		return -ENOMEM;
	rd.s->loc = IPP_STORE_INVALID;
	rd.s->lines = true;
	for (;;) {
		char *p, *word;
		enum rec rec = REC_END;
		bool known = false;

		rd.line++;
		more = read_line(&rd, in, &line, &cap, &n);
		if (more <= 0) {
			if (more == 0)
				rd.line--;
			r = more;
			break;
		}
		p = line;
		r = clean_line(&rd, line, (ssize_t)n);
		if (r < 0)
			break;
		if (!header && rd.line == 1 && !strncmp(line, "\xef\xbb\xbf", 3)) {
			/* (saved by a Windows editor: a UTF-8 byte order mark before the header) */
			memmove(line, line + 3, strlen(line + 3) + 1);
		}
		if (!header) {
			char *v = line + strlen(EXPORT_MAGIC);

			if (strncmp(line, EXPORT_MAGIC " ", strlen(EXPORT_MAGIC) + 1) != 0) {
				r = rerr(&rd, EINVAL,
					 "\"%.60s\": not an ipsecpol export, expected \"%s %d\"",
					 line, EXPORT_MAGIC, EXPORT_VERSION);
				break;
			}
			v++;
			if (strcmp(v, "1") != 0) {
				r = rerr(&rd, EPROTO,
					 "\"%.60s\": unsupported version \"%s\", expected %d", line,
					 v, EXPORT_VERSION);
				break;
			}
			header = true;
			continue;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (ended) {
			r = rerr(&rd, EINVAL, "\"%.60s\" after the end line", p);
			break;
		}
		word = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
		for (size_t i = 0; i < sizeof(rec_names) / sizeof(rec_names[0]); i++)
			if (strcmp(word, rec_names[i]) == 0) {
				rec = (enum rec)i;
				known = true;
			}
		if (!known) {
			r = rerr(&rd, EINVAL,
				 "unknown line \"%s\", expected filterlist, filter, filteraction, "
				 "policy, defaultrule, rule, auth or end",
				 word);
			break;
		}
		if (rec == REC_END) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p) {
				r = rerr(&rd, EINVAL, "end: unexpected \"%s\"", p);
				break;
			}
			if (rd.need_default) {
				r = rerr(&rd, EINVAL, "expected the defaultrule line of policy \"%s\"",
					 rd.cur_policy->name);
				break;
			}
			ended = true;
			continue;
		}
		if (wcap < cap) {
			char *w = realloc(work, cap);

			if (!w) {
				r = -ENOMEM;
				break;
			}
			work = w;
			wcap = cap;
		}
		r = record(&rd, rec, p, work);
		if (r < 0)
			break;
	}
	if (r == 0 && ferror(in))
		r = ipp_err(err, EIO, "%s: read error", rd.name);
	if (r == 0 && !header)
		r = ipp_err(err, EINVAL, "%s:1: empty file, expected \"%s %d\"", rd.name,
			    EXPORT_MAGIC, EXPORT_VERSION);
	if (r == 0 && !ended) {
		rd.line++;
		r = rerr(&rd, EINVAL, "unexpected end of file, expected \"end\" (truncated file?)");
	}
	if (r == 0)
		r = check_all(&rd);
	free(line);
	free(work);
	free(rd.refs);
	free(rd.list_guids);
	free(rd.action_guids);
	if (r < 0) {
		if (r == -ENOMEM && err && !err->msg[0])
			ipp_err(err, ENOMEM, "%s: out of memory", rd.name);
		ipp_snapshot_free(rd.s);
		return r;
	}
	*ret = rd.s;
	return 0;
}
