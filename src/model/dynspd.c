/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynspd.c - dynamic policies and rules: defaults, identity, checks, and
 * the one-line form the shell and the agent exchange.
 */
#include "dynspd.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/grow.h"
#include "../common/utf8.h"

void ipp_dyn_mmpolicy_init(struct ipp_dyn_mmpolicy *m)
{
	memset(m, 0, sizeof(*m));
	m->mmlifetime = 480;
	m->nmmsec = ipp_mm_offers_default(m->mmsec, IPP_MAX_OFFERS);
}

void ipp_dyn_qmpolicy_init(struct ipp_dyn_qmpolicy *q)
{
	memset(q, 0, sizeof(*q));
	snprintf(q->pfsgroup, sizeof(q->pfsgroup), "nopfs");
	q->nqmsec = ipp_qm_offers_default(q->qmsec, IPP_MAX_OFFERS);
}

void ipp_dyn_rule_init(struct ipp_dyn_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->src.kind = IPP_ADDR_ANY;
	r->dst.kind = IPP_ADDR_ANY;
	r->mirrored = true;
	r->conntype = IPP_CONN_ALL;
	r->inbound = r->outbound = IPP_ACTION_NEGOTIATE;
	r->nauth = 1;
	r->auth[0].kind = IPP_AUTH_KERBEROS;
}

void ipp_dynspd_clear(struct ipp_dynspd *d)
{
	free(d->mm);
	free(d->qm);
	free(d->rules);
	memset(d, 0, sizeof(*d));
}

static int dup_array(void **dst, const void *src, size_t n, size_t size)
{
	*dst = NULL;
	if (!n)
		return 0;
	if (!(*dst = malloc(n * size)))
		return -ENOMEM;
	memcpy(*dst, src, n * size);
	return 0;
}

int ipp_dynspd_copy(struct ipp_dynspd *dst, const struct ipp_dynspd *src)
{
	memset(dst, 0, sizeof(*dst));
	if (dup_array((void **)&dst->mm, src->mm, src->nmm, sizeof(*src->mm)) < 0 ||
	    dup_array((void **)&dst->qm, src->qm, src->nqm, sizeof(*src->qm)) < 0 ||
	    dup_array((void **)&dst->rules, src->rules, src->nrules, sizeof(*src->rules)) < 0) {
		ipp_dynspd_clear(dst);
		return -ENOMEM;
	}
	dst->nmm = src->nmm;
	dst->nqm = src->nqm;
	dst->nrules = src->nrules;
	dst->next_seq = src->next_seq;
	return 0;
}

bool ipp_dyn_rule_same(const struct ipp_dyn_rule *a, const struct ipp_dyn_rule *b)
{
	return ipp_addr_same(&a->src, &b->src) && ipp_addr_same(&a->dst, &b->dst) &&
	       a->protocol == b->protocol && a->srcport == b->srcport && a->dstport == b->dstport &&
	       a->mirrored == b->mirrored && a->conntype == b->conntype &&
	       a->has_tunnel == b->has_tunnel &&
	       (!a->has_tunnel || ipp_addr_same(&a->tunnel, &b->tunnel));
}

void ipp_dyn_rule_filter(const struct ipp_dyn_rule *r, struct ipp_filter *f)
{
	ipp_filter_init(f);
	f->id = (int64_t)r->seq;
	f->src = r->src;
	f->dst = r->dst;
	f->protocol = r->protocol;
	f->srcport = r->srcport;
	f->dstport = r->dstport;
	f->mirrored = r->mirrored;
}

int ipp_dyn_rule_validate(const struct ipp_dyn_rule *r, struct ipp_error *err)
{
	struct ipp_filter f;
	size_t i;
	int rc;

	ipp_dyn_rule_filter(r, &f);
	if ((rc = ipp_filter_validate(&f, err)) < 0)
		return rc;
	if (r->src.kind == IPP_ADDR_RANGE || r->dst.kind == IPP_ADDR_RANGE)
		return ipp_err(err, EINVAL, "%s: an address range is not a dynamic rule's address",
			       r->src.kind == IPP_ADDR_RANGE ? "srcaddr" : "dstaddr");
	if (!r->mmpolicy[0])
		return ipp_err(err, EINVAL, "mmpolicy: a rule needs a main mode policy");
	if ((r->inbound == IPP_ACTION_NEGOTIATE || r->outbound == IPP_ACTION_NEGOTIATE) &&
	    !r->qmpolicy[0])
		return ipp_err(
		    err, EINVAL, "qmpolicy: %s is negotiate, which needs a quick mode policy",
		    r->inbound == IPP_ACTION_NEGOTIATE ? "actioninbound" : "actionoutbound");
	if (r->has_tunnel && r->tunnel.kind != IPP_ADDR_IP)
		return ipp_err(err, EINVAL, "tunneldstaddress: a tunnel endpoint is one address");
	if (r->has_tunnel && r->mirrored)
		return ipp_err(
		    err, EINVAL,
		    "mirrored: a tunnel rule's filter is not mirrored (each direction of "
		    "a tunnel is a rule of its own): give mirrored=no");
	if (r->has_tunnel && ((r->src.kind == IPP_ADDR_IP && r->src.family != r->tunnel.family) ||
			      (r->dst.kind == IPP_ADDR_IP && r->dst.family != r->tunnel.family)))
		return ipp_err(
		    err, EINVAL,
		    "tunneldstaddress: the tunnel endpoint and the filter's addresses are "
		    "of different address families");
	for (i = 0; i < r->nauth; i++)
		if ((rc = ipp_auth_validate(&r->auth[i], err)) < 0 ||
		    (rc = ipp_auth_repeat_check(r->auth, i, err)) < 0)
			return rc;
	return 0;
}

/* ---------- the line form ---------- */

void ipp_dyn_encode(const char *s, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (!len)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = isalnum(c) || c == '.' || c == '_' || c == ':' || c == '/' || c == '-';

		if (o + (plain ? 1 : 3) >= len)
			break;
		if (plain) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode @n bytes of @s into @buf; false when malformed or too long. */
static bool decode(const char *s, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return false;
			h = hexval(s[i + 1]);
			l = hexval(s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return false;
			c = (char)(h << 4 | l);
			i += 2;
		}
		if (o + 1 >= len)
			return false;
		buf[o++] = c;
	}
	buf[o] = '\0';
	return true;
}

struct out {
	char *buf;
	size_t len, o;
	bool full;
};

static void put(struct out *w, const char *tag, const char *value)
{
	char enc[IPP_DYN_LINE_MAX];
	int n;

	ipp_dyn_encode(value, enc, sizeof(enc));
	n = snprintf(w->buf + w->o, w->len - w->o, "%s%s=%s", w->o ? " " : "", tag, enc);
	if (n < 0 || (size_t)n >= w->len - w->o)
		w->full = true;
	else
		w->o += (size_t)n;
}

static void putf(struct out *w, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void putf(struct out *w, const char *tag, const char *fmt, ...)
{
	char v[IPP_DYN_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	put(w, tag, v);
}

static void out_init(struct out *w, char *buf, size_t len)
{
	w->buf = buf;
	w->len = len;
	w->o = 0;
	w->full = false;
	if (len)
		buf[0] = '\0';
}

static void out_end(struct out *w)
{
	if (w->full && w->len)
		w->buf[0] = '\0';
}

void ipp_dyn_mmpolicy_format(const struct ipp_dyn_mmpolicy *m, char *buf, size_t len)
{
	char offers[IPP_OFFERS_STRLEN];
	struct out w;

	out_init(&w, buf, len);
	if (m->name[0])
		put(&w, "name", m->name);
	putf(&w, "qmpermm", "%u", m->qmpermm);
	putf(&w, "mmlifetime", "%u", m->mmlifetime);
	putf(&w, "softsaexpirationtime", "%u", m->softsaexpirationtime);
	ipp_mm_offers_format(m->mmsec, m->nmmsec, offers, sizeof(offers));
	put(&w, "mmsecmethods", offers);
	out_end(&w);
}

void ipp_dyn_qmpolicy_format(const struct ipp_dyn_qmpolicy *q, char *buf, size_t len)
{
	char offers[IPP_OFFERS_STRLEN];
	struct out w;

	out_init(&w, buf, len);
	if (q->name[0])
		put(&w, "name", q->name);
	put(&w, "soft", q->soft ? "yes" : "no");
	put(&w, "pfsgroup", q->pfsgroup);
	ipp_qm_offers_format(q->qmsec, q->nqmsec, offers, sizeof(offers));
	put(&w, "qmsecmethods", offers);
	out_end(&w);
}

void ipp_dyn_rule_format(const struct ipp_dyn_rule *r, char *buf, size_t len)
{
	char a[IPP_ADDR_STRLEN], ca[IPP_ROOTCA_STRLEN];
	struct out w;
	size_t i;

	out_init(&w, buf, len);
	ipp_addr_format_cidr(&r->src, a, sizeof(a));
	put(&w, "srcaddr", a);
	ipp_addr_format_cidr(&r->dst, a, sizeof(a));
	put(&w, "dstaddr", a);
	putf(&w, "protocol", "%u", r->protocol);
	putf(&w, "srcport", "%u", r->srcport);
	putf(&w, "dstport", "%u", r->dstport);
	put(&w, "mirrored", r->mirrored ? "yes" : "no");
	put(&w, "conntype", ipp_conntype_name(r->conntype));
	if (r->has_tunnel) {
		ipp_addr_format(&r->tunnel, a, sizeof(a));
		put(&w, "tunneldstaddress", a);
	}
	put(&w, "actioninbound", ipp_action_name(r->inbound));
	put(&w, "actionoutbound", ipp_action_name(r->outbound));
	if (r->mmpolicy[0])
		put(&w, "mmpolicy", r->mmpolicy);
	if (r->qmpolicy[0])
		put(&w, "qmpolicy", r->qmpolicy);
	for (i = 0; i < r->nauth; i++) {
		switch (r->auth[i].kind) {
		case IPP_AUTH_KERBEROS:
			put(&w, "kerberos", "yes");
			break;
		case IPP_AUTH_PSK:
			put(&w, "psk", r->auth[i].value);
			break;
		case IPP_AUTH_ROOTCA:
			ipp_rootca_format(&r->auth[i], ca, sizeof(ca));
			put(&w, "rootca", ca);
			break;
		default:
			break;
		}
	}
	if (r->seq)
		putf(&w, "seq", "%llu", (unsigned long long)r->seq);
	out_end(&w);
}

/* The next word of @line at *@pos: tag and decoded value; 0 at the end, 1 a word, <0 bad. */
static int next_word(const char **pos, char *tag, size_t tlen, char *val, size_t vlen,
		     struct ipp_error *err)
{
	long bad;

	const char *p = *pos, *eq, *end;

	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	end = p + strcspn(p, " ");
	eq = memchr(p, '=', (size_t)(end - p));
	if (!eq || eq == p || (size_t)(eq - p) >= tlen)
		return ipp_err(err, EINVAL, "\"%.*s\" is not tag=value", (int)(end - p), p);
	memcpy(tag, p, (size_t)(eq - p));
	tag[eq - p] = '\0';
	if (!decode(eq + 1, (size_t)(end - eq - 1), val, vlen))
		return ipp_err(err, EINVAL, "%s: the value \"%.*s\" is malformed or too long", tag,
			       (int)(end - eq - 1), eq + 1);
	/* values are UTF-8 text, as the shell checks them */
	if ((bad = ipp_utf8_bad_at(val)) >= 0)
		return ipp_err(
		    err, EINVAL,
		    "%s: byte 0x%02x at position %ld is not UTF-8: values are UTF-8 text", tag,
		    (unsigned char)val[bad], bad + 1);
	*pos = end;
	return 1;
}

static int copy_name(char *dst, const char *tag, const char *v, struct ipp_error *err)
{
	int r;

	size_t n = strlen(v);

	if ((r = ipp_name_validate(tag, v, err)) < 0)
		return r;
	if (n >= IPP_NAME_MAX)
		return ipp_err(err, EINVAL, "%s: the name is too long", tag);
	memcpy(dst, v, n + 1);
	return 0;
}

static int seen_once(unsigned *seen, unsigned bit, const char *tag, struct ipp_error *err)
{
	if (bit != IPP_DYN_T_AUTH && bit != IPP_DYN_T_OTHER && (*seen & bit))
		return ipp_err(err, EINVAL, "%s: given twice", tag);
	*seen |= bit;
	return 0;
}

/*
 * An attribute of a policy: @tag's value @v into *@p, its bit (each tag
 * once) in *@bit; -ENOENT for a tag that is not one of its.
 */
typedef int (*attr_fn)(const char *tag, const char *v, void *p, unsigned *bit,
		       struct ipp_error *err);

/* The words of a policy (@what, "main mode policy"): its name into @name, the rest by @fn. */
static int pol_parse(const char *line, const char *what, char *name, attr_fn fn, void *p,
		     unsigned *seen, struct ipp_error *err)
{
	char tag[32], v[IPP_DYN_LINE_MAX];
	unsigned s = 0, other = 0;
	int r;

	while ((r = next_word(&line, tag, sizeof(tag), v, sizeof(v), err)) > 0) {
		unsigned bit = 0;

		if (!strcmp(tag, "name")) {
			if ((r = seen_once(&s, IPP_DYN_T_NAME, tag, err)) < 0 ||
			    (r = copy_name(name, tag, v, err)) < 0)
				return r;
			continue;
		}
		r = fn(tag, v, p, &bit, err);
		if (r == -ENOENT)
			return ipp_err(err, EINVAL, "\"%s\" is not a tag of a %s", tag, what);
		if (r < 0)
			return r;
		if (other & bit)
			return ipp_err(err, EINVAL, "%s: given twice", tag);
		other |= bit;
		s |= IPP_DYN_T_OTHER;
	}
	if (r < 0)
		return r;
	if (seen)
		*seen = s;
	return 0;
}

static int mm_attr(const char *tag, const char *v, void *p, unsigned *bit, struct ipp_error *err)
{
	struct ipp_dyn_mmpolicy *m = p;

	if (!strcmp(tag, "qmpermm"))
		return *bit = 1, ipp_parse_u32(tag, v, 0, UINT32_MAX, &m->qmpermm, err);
	if (!strcmp(tag, "mmlifetime"))
		return *bit = 2, ipp_parse_u32(tag, v, 1, UINT32_MAX / 60, &m->mmlifetime, err);
	if (!strcmp(tag, "softsaexpirationtime"))
		return *bit = 4,
		       ipp_parse_u32(tag, v, 0, UINT32_MAX, &m->softsaexpirationtime, err);
	if (!strcmp(tag, "mmsecmethods"))
		return *bit = 8, ipp_mm_offers_parse(v, m->mmsec, IPP_MAX_OFFERS, &m->nmmsec, err);
	return -ENOENT;
}

int ipp_dyn_mmpolicy_parse(const char *line, struct ipp_dyn_mmpolicy *ret, unsigned *seen,
			   struct ipp_error *err)
{
	return pol_parse(line, "main mode policy", ret->name, mm_attr, ret, seen, err);
}

static int qm_attr(const char *tag, const char *v, void *p, unsigned *bit, struct ipp_error *err)
{
	static const char *const pfs[] = {"grp1", "grp2", "grp3", "grpmm", "nopfs"};
	struct ipp_dyn_qmpolicy *q = p;

	if (!strcmp(tag, "soft"))
		return *bit = 1, ipp_bool_parse(tag, v, &q->soft, err);
	if (!strcmp(tag, "qmsecmethods"))
		return *bit = 4, ipp_qm_offers_parse(v, q->qmsec, IPP_MAX_OFFERS, &q->nqmsec, err);
	if (strcmp(tag, "pfsgroup"))
		return -ENOENT;
	*bit = 2;
	for (size_t i = 0; i < sizeof(pfs) / sizeof(pfs[0]); i++)
		if (!strcasecmp(v, pfs[i])) {
			snprintf(q->pfsgroup, sizeof(q->pfsgroup), "%s", pfs[i]);
			return 0;
		}
	return ipp_err(err, EINVAL, "pfsgroup: \"%s\" is not GRP1, GRP2, GRP3, GRPMM or NOPFS", v);
}

int ipp_dyn_qmpolicy_parse(const char *line, struct ipp_dyn_qmpolicy *ret, unsigned *seen,
			   struct ipp_error *err)
{
	return pol_parse(line, "quick mode policy", ret->name, qm_attr, ret, seen, err);
}

static int parse_addr(const char *tag, const char *v, struct ipp_addr *ret, struct ipp_error *err)
{
	int r = ipp_addr_parse_cidr(v, ret, err);

	if (r < 0) {
		ipp_err_prefix(err, "%s", tag);
	} else if (ret->kind == IPP_ADDR_IP) {
		/* the network (bits outside it match nothing), read as its own text reads
		 * (0.1.0.0/0 is any) */
		char net[IPP_ADDR_STRLEN];

		ipp_ip_mask(ret->ip, ret->plen);
		ipp_addr_format_cidr(ret, net, sizeof(net));
		r = ipp_addr_parse_cidr(net, ret, err);
	}
	return r;
}

int ipp_dyn_rule_parse(const char *line, struct ipp_dyn_rule *ret, unsigned *seen,
		       struct ipp_error *err)
{
	char tag[32], v[IPP_DYN_LINE_MAX];
	unsigned s = 0;
	bool auth_given = false;
	int r;

	while ((r = next_word(&line, tag, sizeof(tag), v, sizeof(v), err)) > 0) {
		if (!strcmp(tag, "srcaddr")) {
			r = seen_once(&s, IPP_DYN_T_SRCADDR, tag, err);
			if (r == 0)
				r = parse_addr(tag, v, &ret->src, err);
		} else if (!strcmp(tag, "dstaddr")) {
			r = seen_once(&s, IPP_DYN_T_DSTADDR, tag, err);
			if (r == 0)
				r = parse_addr(tag, v, &ret->dst, err);
		} else if (!strcmp(tag, "protocol")) {
			r = seen_once(&s, IPP_DYN_T_PROTOCOL, tag, err);
			if (r == 0 && (r = ipp_proto_parse(v, &ret->protocol, err)) < 0)
				ipp_err_prefix(err, "%s", tag);
		} else if (!strcmp(tag, "srcport")) {
			r = seen_once(&s, IPP_DYN_T_SRCPORT, tag, err);
			if (r == 0 && (r = ipp_port_parse(v, &ret->srcport, err)) < 0)
				ipp_err_prefix(err, "%s", tag);
		} else if (!strcmp(tag, "dstport")) {
			r = seen_once(&s, IPP_DYN_T_DSTPORT, tag, err);
			if (r == 0 && (r = ipp_port_parse(v, &ret->dstport, err)) < 0)
				ipp_err_prefix(err, "%s", tag);
		} else if (!strcmp(tag, "mirrored")) {
			r = seen_once(&s, IPP_DYN_T_MIRRORED, tag, err);
			if (r == 0)
				r = ipp_bool_parse(tag, v, &ret->mirrored, err);
		} else if (!strcmp(tag, "conntype")) {
			r = seen_once(&s, IPP_DYN_T_CONNTYPE, tag, err);
			if (r == 0 && (r = ipp_conntype_parse(v, &ret->conntype, err)) < 0)
				ipp_err_prefix(err, "%s", tag);
		} else if (!strcmp(tag, "tunneldstaddress")) {
			r = seen_once(&s, IPP_DYN_T_TUNNEL, tag, err);
			if (r == 0 && (r = parse_addr(tag, v, &ret->tunnel, err)) == 0) {
				ret->has_tunnel = !(ret->tunnel.kind == IPP_ADDR_IP &&
						    ipp_addr_is_unspecified4(&ret->tunnel));
			}
		} else if (!strcmp(tag, "actioninbound")) {
			r = seen_once(&s, IPP_DYN_T_INBOUND, tag, err);
			if (r == 0 && (r = ipp_action_parse(v, &ret->inbound, err)) < 0)
				ipp_err_prefix(err, "%s", tag);
		} else if (!strcmp(tag, "actionoutbound")) {
			r = seen_once(&s, IPP_DYN_T_OUTBOUND, tag, err);
			if (r == 0 && (r = ipp_action_parse(v, &ret->outbound, err)) < 0)
				ipp_err_prefix(err, "%s", tag);
		} else if (!strcmp(tag, "mmpolicy")) {
			r = seen_once(&s, IPP_DYN_T_MMPOLICY, tag, err);
			if (r == 0)
				r = copy_name(ret->mmpolicy, tag, v, err);
		} else if (!strcmp(tag, "qmpolicy")) {
			r = seen_once(&s, IPP_DYN_T_QMPOLICY, tag, err);
			if (r == 0)
				r = v[0] ? copy_name(ret->qmpolicy, tag, v, err)
					 : (ret->qmpolicy[0] = '\0', 0);
		} else if (!strcmp(tag, "kerberos") || !strcmp(tag, "psk") ||
			   !strcmp(tag, "rootca")) {
			struct ipp_auth a = {0};

			if (!auth_given) {
				/* the list given replaces the whole list */
				auth_given = true;
				ret->nauth = 0;
			}
			r = seen_once(&s, IPP_DYN_T_AUTH, tag, err);
			if (r == 0 && !strcmp(tag, "kerberos")) {
				bool yes;

				if ((r = ipp_bool_parse(tag, v, &yes, err)) == 0 && !yes)
					continue;
				a.kind = IPP_AUTH_KERBEROS;
			} else if (r == 0 && !strcmp(tag, "psk")) {
				a.kind = IPP_AUTH_PSK;
				size_t n = strlen(v);

				if (n >= sizeof(a.value))
					return ipp_err(err, EINVAL, "psk: the key is too long");
				memcpy(a.value, v, n + 1);
			} else if (r == 0) {
				r = ipp_rootca_parse(v, &a, err);
			}
			if (r == 0 && ret->nauth >= IPP_MAX_AUTH)
				return ipp_err(err, EINVAL,
					       "%s: more than %d authentication methods", tag,
					       IPP_MAX_AUTH);
			if (r == 0)
				ret->auth[ret->nauth++] = a;
		} else if (!strcmp(tag, "seq")) {
			unsigned long long q;
			char *end;

			errno = 0;
			q = strtoull(v, &end, 10);
			if (errno || *end || !v[0])
				return ipp_err(err, EINVAL, "seq: \"%s\" is not a number", v);
			ret->seq = q;
		} else {
			return ipp_err(err, EINVAL, "\"%s\" is not a tag of a dynamic rule", tag);
		}
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (auth_given && ret->nauth == 0)
		/* as the static context refuses it: a rule authenticates some way */
		return ipp_err(err, EINVAL,
			       "kerberos=no leaves no authentication method: give psk= or rootca=");
	{
		/* its written form must fit what holds it (the agent's list of dynamic
		 * rules, a reply): escapes and defaults can make it longer than the line
		 * given */
		char check[IPP_DYN_LINE_MAX];

		ipp_dyn_rule_format(ret, check, sizeof(check));
		if (!check[0])
			return ipp_err(err, E2BIG,
				       "the rule written out is longer than %d characters (too "
				       "many or too long authentication methods?)",
				       IPP_DYN_LINE_MAX - 1);
	}
	if (seen)
		*seen = s;
	return 0;
}

/* ---------- changes ---------- */

/* Main and quick mode policies alike: their name first, then what their parser reads. */
struct pol_kind {
	const char *what; /* "main mode policy" */
	bool mm;	  /* rules name it as mmpolicy (else qmpolicy) */
	size_t size;
	void (*init)(void *p);
	int (*parse)(const char *line, void *p, unsigned *seen, struct ipp_error *err);
};

_Static_assert(offsetof(struct ipp_dyn_mmpolicy, name) == 0, "a policy's name comes first");
_Static_assert(offsetof(struct ipp_dyn_qmpolicy, name) == 0, "a policy's name comes first");

static void mm_init(void *p)
{
	ipp_dyn_mmpolicy_init(p);
}

static int mm_parse(const char *line, void *p, unsigned *seen, struct ipp_error *err)
{
	return ipp_dyn_mmpolicy_parse(line, p, seen, err);
}

static void qm_init(void *p)
{
	ipp_dyn_qmpolicy_init(p);
}

static int qm_parse(const char *line, void *p, unsigned *seen, struct ipp_error *err)
{
	return ipp_dyn_qmpolicy_parse(line, p, seen, err);
}

static const struct pol_kind mm_kind = {"main mode policy", true, sizeof(struct ipp_dyn_mmpolicy),
					mm_init, mm_parse};
static const struct pol_kind qm_kind = {"quick mode policy", false, sizeof(struct ipp_dyn_qmpolicy),
					qm_init, qm_parse};

/* The policy of @v (@n of kind @k) named @name, or NULL. */
static char *find_pol(const struct pol_kind *k, char *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!ipp_utf8_casecmp(v + i * k->size, name))
			return v + i * k->size;
	return NULL;
}

static const struct ipp_dyn_qmpolicy *find_qm(const struct ipp_dynspd *d, const char *name)
{
	return (const struct ipp_dyn_qmpolicy *)find_pol(&qm_kind, (char *)d->qm, d->nqm, name);
}

static struct ipp_dyn_rule *find_rule(struct ipp_dynspd *d, const struct ipp_dyn_rule *like)
{
	for (size_t i = 0; i < d->nrules; i++)
		if (ipp_dyn_rule_same(&d->rules[i], like))
			return &d->rules[i];
	return NULL;
}

/*
 * The policies rule @r names exist (the main mode one alone when @mm_only);
 * the names are then written as the policies have them (a rule links to its
 * policies, not to how a command spelled them).
 */
static int rule_refs(struct ipp_dynspd *d, struct ipp_dyn_rule *r, bool mm_only,
		     struct ipp_error *err)
{
	const char *mm = find_pol(&mm_kind, (char *)d->mm, d->nmm, r->mmpolicy);
	const struct ipp_dyn_qmpolicy *qm = NULL;

	if (!mm)
		return ipp_err(err, ENOENT, "mmpolicy: no main mode policy named \"%s\" in the SPD",
			       r->mmpolicy);
	if (!mm_only && r->qmpolicy[0] && !(qm = find_qm(d, r->qmpolicy)))
		return ipp_err(err, ENOENT,
			       "qmpolicy: no quick mode policy named \"%s\" in the SPD",
			       r->qmpolicy);
	snprintf(r->mmpolicy, sizeof(r->mmpolicy), "%s", mm);
	if (qm)
		snprintf(r->qmpolicy, sizeof(r->qmpolicy), "%s", qm->name);
	return 0;
}

/* A rule that names policy @name (any policy of that kind: NULL) of kind @mm, or NULL. */
static const struct ipp_dyn_rule *user_of(const struct ipp_dynspd *d, bool mm, const char *name)
{
	for (size_t i = 0; i < d->nrules; i++) {
		const char *n = mm ? d->rules[i].mmpolicy : d->rules[i].qmpolicy;

		if (n[0] && (!name || !ipp_utf8_casecmp(n, name)))
			return &d->rules[i];
	}
	return NULL;
}

static void describe_rule(const struct ipp_dyn_rule *r, char *buf, size_t len)
{
	char s[IPP_ADDR_STRLEN], t[IPP_ADDR_STRLEN], tun[IPP_ADDR_STRLEN + 16] = "", p[16];

	ipp_addr_format_cidr(&r->src, s, sizeof(s));
	ipp_addr_format_cidr(&r->dst, t, sizeof(t));
	ipp_proto_format(r->protocol, p, sizeof(p));
	if (r->has_tunnel) {
		ipp_addr_format(&r->tunnel, tun + 8, sizeof(tun) - 8);
		memcpy(tun, " tunnel ", 8);
	}
	snprintf(buf, len, "the rule %s -> %s protocol %s srcport %u dstport %u mirrored %s%s%s%s",
		 s, t, p, r->srcport, r->dstport, r->mirrored ? "yes" : "no",
		 r->conntype == IPP_CONN_ALL ? "" : " conntype ",
		 r->conntype == IPP_CONN_ALL ? "" : ipp_conntype_name(r->conntype), tun);
}

/* "all=yes" alone, or first (then *@rest is what follows it). */
static bool want_all(const char *words, const char **rest)
{
	if (strncmp(words, "all=yes", 7) || (words[7] != ' ' && words[7]))
		return false;
	if (rest)
		*rest = words + 7;
	return true;
}

/* add, set or delete a policy of kind @k, held in *@vp (*@np of them). */
static int pol_change(struct ipp_dynspd *d, const struct pol_kind *k, void **vp, size_t *np,
		      const char *verb, const char *words, struct ipp_error *err)
{
	char tmp[sizeof(struct ipp_dyn_mmpolicy) > sizeof(struct ipp_dyn_qmpolicy)
		     ? sizeof(struct ipp_dyn_mmpolicy)
		     : sizeof(struct ipp_dyn_qmpolicy)] __attribute__((aligned(8)));
	char what[IPP_ADDR_STRLEN * 3 + 160], *v = *vp, *cur;
	const struct ipp_dyn_rule *user;
	const char *attrs;
	unsigned seen = 0;
	size_t i;
	int r;

	if (!strcmp(verb, "set") && want_all(words, &attrs)) {
		if (!attrs[strspn(attrs, " ")])
			return ipp_err(err, EINVAL, "nothing to change of the %ss", k->what);
		if (*np == 0)
			return ipp_err(err, ENOENT, "there is no %s in the SPD", k->what);
		for (i = 0; i < *np; i++)
			if ((r = k->parse(attrs, v + i * k->size, NULL, err)) < 0)
				return r;
		return 0;
	}
	if (!strcmp(verb, "delete") && want_all(words, NULL)) {
		if ((user = user_of(d, k->mm, NULL))) {
			describe_rule(user, what, sizeof(what));
			return ipp_err(err, EBUSY,
				       "%s \"%s\" is used by %s: delete the rules first", k->what,
				       k->mm ? user->mmpolicy : user->qmpolicy, what);
		}
		*np = 0;
		return 0;
	}
	k->init(tmp);
	if ((r = k->parse(words, tmp, &seen, err)) < 0)
		return r;
	if (!(seen & IPP_DYN_T_NAME))
		return ipp_err(err, EINVAL, "name: a %s needs a name", k->what);
	cur = find_pol(k, v, *np, tmp);
	if (!strcmp(verb, "add")) {
		if (cur)
			return ipp_err(err, EEXIST, "a %s named \"%s\" already exists in the SPD",
				       k->what, tmp);
		if (ipp_grow_exact(vp, *np + 1, k->size) < 0)
			return ipp_err(err, ENOMEM, "out of memory");
		memcpy((char *)*vp + *np * k->size, tmp, k->size);
		(*np)++;
		return 0;
	}
	if (!cur)
		return ipp_err(err, ENOENT, "no %s named \"%s\" in the SPD", k->what, tmp);
	if (!strcmp(verb, "set")) {
		if (!(seen & IPP_DYN_T_OTHER))
			return ipp_err(err, EINVAL, "%s \"%s\": nothing to change", k->what, cur);
		return k->parse(words, cur, NULL, err);
	}
	if ((user = user_of(d, k->mm, cur))) {
		describe_rule(user, what, sizeof(what));
		return ipp_err(err, EBUSY, "%s \"%s\" is used by %s: delete the rule first",
			       k->what, cur, what);
	}
	memmove(cur, cur + k->size, (size_t)(v + *np * k->size - cur - k->size));
	(*np)--;
	return 0;
}

/* ---------- rules ---------- */

static int rule_change(struct ipp_dynspd *d, const char *verb, const char *words,
		       struct ipp_error *err)
{
	struct ipp_dyn_rule x, *cur;
	unsigned seen = 0;
	int r;

	ipp_dyn_rule_init(&x);
	if ((r = ipp_dyn_rule_parse(words, &x, &seen, err)) < 0)
		return r;
	if (!strcmp(verb, "add")) {
		/* (a main mode policy named but not there is said before what else it lacks) */
		if ((x.mmpolicy[0] && (r = rule_refs(d, &x, true, err)) < 0) ||
		    (r = ipp_dyn_rule_validate(&x, err)) < 0 ||
		    (r = rule_refs(d, &x, false, err)) < 0)
			return r;
		if (find_rule(d, &x))
			return ipp_err(err, EEXIST,
				       "a rule with the same filter (addresses, masks, protocol, "
				       "ports, mirroring, connection type, tunnel) already exists "
				       "in the SPD");
		if (ipp_grow_exact((void **)&d->rules, d->nrules + 1, sizeof(*d->rules)) < 0)
			return ipp_err(err, ENOMEM, "out of memory");
		x.seq = ++d->next_seq;
		d->rules[d->nrules++] = x;
		return 0;
	}
	if (!(cur = find_rule(d, &x))) {
		char what[IPP_ADDR_STRLEN * 3 + 160];

		describe_rule(&x, what, sizeof(what));
		return ipp_err(err, ENOENT, "no rule with that filter in the SPD (%s)", what);
	}
	if (!strcmp(verb, "set")) {
		struct ipp_dyn_rule n = *cur;

		if (!(seen & (IPP_DYN_T_INBOUND | IPP_DYN_T_OUTBOUND | IPP_DYN_T_MMPOLICY |
			      IPP_DYN_T_QMPOLICY | IPP_DYN_T_AUTH)))
			return ipp_err(err, EINVAL,
				       "nothing to change (mmpolicy, qmpolicy, actioninbound, "
				       "actionoutbound or the authentication methods)");
		if (seen & IPP_DYN_T_INBOUND)
			n.inbound = x.inbound;
		if (seen & IPP_DYN_T_OUTBOUND)
			n.outbound = x.outbound;
		if (seen & IPP_DYN_T_MMPOLICY)
			memcpy(n.mmpolicy, x.mmpolicy, sizeof(n.mmpolicy));
		if (seen & IPP_DYN_T_QMPOLICY)
			memcpy(n.qmpolicy, x.qmpolicy, sizeof(n.qmpolicy));
		if (seen & IPP_DYN_T_AUTH) {
			n.nauth = x.nauth;
			memcpy(n.auth, x.auth, sizeof(n.auth));
		}
		if ((r = ipp_dyn_rule_validate(&n, err)) < 0 ||
		    (r = rule_refs(d, &n, false, err)) < 0)
			return r;
		*cur = n;
		return 0;
	}
	memmove(cur, cur + 1, (size_t)(d->rules + d->nrules - cur - 1) * sizeof(*cur));
	d->nrules--;
	return 0;
}

int ipp_dynspd_apply(const struct ipp_dynspd *cur, const char *args, struct ipp_dynspd *ret,
		     struct ipp_error *err)
{
	char verb[16], obj[16];
	const char *p = args, *words;
	size_t n;
	int r;

	n = strcspn(p, " ");
	if (n == 0 || n >= sizeof(verb))
		return ipp_err(err, EINVAL, "dynamic: expected add, set or delete");
	memcpy(verb, p, n);
	verb[n] = '\0';
	p += n + strspn(p + n, " ");
	n = strcspn(p, " ");
	if (n >= sizeof(obj))
		return ipp_err(err, EINVAL, "dynamic %s: expected mmpolicy, qmpolicy, rule or all",
			       verb);
	memcpy(obj, p, n);
	obj[n] = '\0';
	words = p + n + strspn(p + n, " ");
	if (strcmp(verb, "add") && strcmp(verb, "set") && strcmp(verb, "delete"))
		return ipp_err(err, EINVAL, "dynamic: \"%s\" is not add, set or delete", verb);
	if ((r = ipp_dynspd_copy(ret, cur)) < 0)
		return ipp_err(err, ENOMEM, "out of memory");
	if (!strcmp(obj, "mmpolicy"))
		r = pol_change(ret, &mm_kind, (void **)&ret->mm, &ret->nmm, verb, words, err);
	else if (!strcmp(obj, "qmpolicy"))
		r = pol_change(ret, &qm_kind, (void **)&ret->qm, &ret->nqm, verb, words, err);
	else if (!strcmp(obj, "rule"))
		r = rule_change(ret, verb, words, err);
	else if (!strcmp(obj, "all") && !strcmp(verb, "delete") && !*words)
		ipp_dynspd_clear(ret);
	else
		r = ipp_err(err, EINVAL, "dynamic %s: \"%s\" is not mmpolicy, qmpolicy or rule%s",
			    verb, obj, !strcmp(verb, "delete") ? " or all" : "");
	if (r < 0)
		ipp_dynspd_clear(ret);
	return r;
}
