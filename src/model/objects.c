/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * objects.c - policy objects: defaults, freeing, copying, validation, GUIDs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/utf8.h"
#include "model.h"

/* ---------- defaults ---------- */

void ipp_rule_init(struct ipp_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->conntype = IPP_CONN_ALL;
	r->activate = true;
	/* no method given: Kerberos, as Windows' dynamic default */
	r->auth[0].kind = IPP_AUTH_KERBEROS;
	r->nauth = 1;
	r->nqmsec = ipp_qm_offers_default(r->qmsec, IPP_MAX_OFFERS);
}

void ipp_policy_init(struct ipp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->mmpfs = false;
	p->qmpermm = 0;
	p->mmlifetime = IPP_MMLIFETIME_DEFAULT;
	p->activatedefaultrule = true;
	p->pollinginterval = IPP_POLLING_DEFAULT;
	p->assigned = false;
	p->nmmsec = ipp_mm_offers_default(p->mmsec, IPP_MAX_OFFERS);
	ipp_rule_init(&p->defaultrule);
}

void ipp_filterlist_init(struct ipp_filterlist *l)
{
	memset(l, 0, sizeof(*l));
}

void ipp_filter_init(struct ipp_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->src.kind = IPP_ADDR_ANY;
	f->dst.kind = IPP_ADDR_ANY;
	f->protocol = IPP_PROTO_ANY;
	f->mirrored = true;
}

void ipp_filteraction_init(struct ipp_filteraction *a)
{
	memset(a, 0, sizeof(*a));
	a->action = IPP_ACTION_NEGOTIATE;
	a->nqmsec = ipp_qm_offers_default(a->qmsec, IPP_MAX_OFFERS);
}

/* ---------- freeing and copying ---------- */

void ipp_filter_clear(struct ipp_filter *f)
{
	if (!f)
		return;
	free(f->description);
	free(f->srcdns);
	free(f->dstdns);
	memset(f, 0, sizeof(*f));
}

void ipp_filterlist_clear(struct ipp_filterlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nfilters; i++)
		ipp_filter_clear(&l->filters[i]);
	free(l->filters);
	memset(l, 0, sizeof(*l));
}

void ipp_filteraction_clear(struct ipp_filteraction *a)
{
	if (!a)
		return;
	memset(a, 0, sizeof(*a));
}

void ipp_rule_clear(struct ipp_rule *r)
{
	if (!r)
		return;
	memset(r, 0, sizeof(*r));
}

void ipp_policy_clear(struct ipp_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++)
		ipp_rule_clear(&p->rules[i]);
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int ipp_filter_copy(struct ipp_filter *dst, const struct ipp_filter *src)
{
	struct ipp_filter f = *src;

	f.description = f.srcdns = f.dstdns = NULL;
	if (dup_str(&f.description, src->description) < 0 ||
	    dup_str(&f.srcdns, src->srcdns) < 0 || dup_str(&f.dstdns, src->dstdns) < 0) {
		ipp_filter_clear(&f);
		return -ENOMEM;
	}
	*dst = f;
	return 0;
}

/* ---------- validation ---------- */

/* Characters of UTF-8 text @s (bytes that do not continue a sequence). */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/*
 * The first @max characters of @s for a message, into @buf: control
 * characters escaped (\n, \t, \r, \xHH, so a message stays one line), never
 * cut inside a UTF-8 sequence, "..." when cut.
 */
static const char *excerpt(const char *s, size_t max, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	for (size_t chars = 0; *p && chars < max; chars++) {
		size_t k = 1, need;
		char esc[8] = "";

		while ((p[k] & 0xC0) == 0x80)
			k++; /* the rest of a UTF-8 sequence */
		if (*p == '\n')
			strcpy(esc, "\\n");
		else if (*p == '\t')
			strcpy(esc, "\\t");
		else if (*p == '\r')
			strcpy(esc, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02X", *p);
		need = esc[0] ? strlen(esc) : k;
		if (o + need + 4 > len) /* room for "..." and the NUL */
			break;
		memcpy(buf + o, esc[0] ? esc : (const char *)p, need);
		o += need;
		p += k;
	}
	if (*p) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

int ipp_name_validate(const char *what, const char *name, struct ipp_error *err)
{
	char x[IPP_NAME_MAX + 64];
	size_t n, chars;
	long bad;

	if (!name || !*name)
		return ipp_err(err, EINVAL, "%s: empty name, expected a name", what);
	n = strlen(name);
	chars = utf8_chars(name);
	if (chars >= IPP_NAME_MAX)
		return ipp_err(err, EINVAL,
			       "%s: \"%s\": name too long (%zu characters), at most %d characters",
			       what, excerpt(name, 40, x, sizeof(x)), chars, IPP_NAME_MAX - 1);
	if (n >= IPP_NAME_MAX)
		return ipp_err(err, EINVAL,
			       "%s: \"%s\": name too long (%zu characters in %zu bytes of UTF-8), at "
			       "most %d bytes",
			       what, excerpt(name, 40, x, sizeof(x)), chars, n, IPP_NAME_MAX - 1);
	if (strcasecmp(name, "all") == 0)
		return ipp_err(err, EINVAL, "%s: \"%s\" is reserved, expected another name", what,
			       name);
	if ((bad = ipp_utf8_bad_at(name)) >= 0)
		return ipp_err(err, EINVAL,
			       "%s: \"%s\": byte 0x%02x at position %ld is not UTF-8: names are "
			       "UTF-8 text",
			       what, excerpt(name, 80, x, sizeof(x)), (unsigned char)name[bad],
			       bad + 1);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ipp_err(err, EINVAL,
				       "%s: \"%s\": control characters are not allowed in names",
				       what, excerpt(name, 80, x, sizeof(x)));
	return 0;
}

/*
 * A NUL-terminated text of at most @max - 1 characters without control
 * characters other than tab, and newline and carriage return when @multiline
 * (descriptions are multi-line in Windows' snap-in).
 */
static int text_check(const char *what, const char *s, size_t max, bool multiline,
		      struct ipp_error *err)
{
	char x[256];

	if (!s)
		return 0;
	if (strnlen(s, max) >= max)
		return ipp_err(err, EINVAL, "%s: \"%s\": too long, at most %zu bytes", what,
			       excerpt(s, 40, x, sizeof(x)), max - 1);
	for (const char *p = s; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t' &&
		     !(multiline && (*p == '\n' || *p == '\r'))) ||
		    *p == 0x7f)
			return ipp_err(err, EINVAL, "%s: \"%s\": control characters are not allowed",
				       what, excerpt(s, 40, x, sizeof(x)));
	return 0;
}

static int text_validate(const char *what, const char *s, size_t max, struct ipp_error *err)
{
	return text_check(what, s, max, strcmp(what, "description") == 0, err);
}

int ipp_dnsname_validate(const char *what, const char *name, struct ipp_error *err)
{
	size_t label = 0;
	bool ascii = true;

	for (const char *p = name;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.' || !c) {
			/* (one dot may end the name: the root's empty label) */
			if (!label && (c || p == name || p - 1 == name))
				return ipp_err(err, EINVAL, "%s: \"%s\": an empty label", what,
					       name);
			/* (a label beyond ASCII is counted in its ASCII form, not here) */
			if (ascii && label > 63)
				return ipp_err(err, EINVAL,
					       "%s: \"%s\": a label longer than 63 characters",
					       what, name);
			if (!c)
				return 0;
			label = 0;
			ascii = true;
			continue;
		}
		if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return ipp_err(err, EINVAL, "%s: \"%s\" is not a DNS name (its byte %zu)",
				       what, name, (size_t)(p - name) + 1);
		ascii &= c < 0x80;
		label++;
	}
}

/*
 * @name (@what: srcdns, dstdns, tunneldns), the DNS name an address was
 * resolved from: kept only beside an address of kind IP (@with_address, else
 * @addrtag is named), and written as a name is.
 */
static int dnsname_validate(const char *what, const char *name, bool with_address,
			    const char *addrtag, struct ipp_error *err)
{
	if (!name || !*name)
		return 0;
	if (!with_address)
		return ipp_err(err, EINVAL,
			       "%s: \"%s\": only with an address as %s (the name it was resolved "
			       "from)",
			       what, name, addrtag);
	return ipp_dnsname_validate(what, name, err);
}

int ipp_filter_dnsnames_validate(const struct ipp_filter *f, struct ipp_error *err)
{
	int r = dnsname_validate("srcdns", f->srcdns, f->src.kind == IPP_ADDR_IP, "srcaddr", err);

	return r < 0 ? r
		     : dnsname_validate("dstdns", f->dstdns, f->dst.kind == IPP_ADDR_IP, "dstaddr",
					err);
}

int ipp_rule_dnsname_validate(const struct ipp_rule *r, struct ipp_error *err)
{
	return dnsname_validate("tunneldns", r->tunneldns, r->has_tunnel, "tunnel", err);
}

static int addr_validate(const char *what, const struct ipp_addr *a, struct ipp_error *err)
{
	char x[IPP_ADDR_STRLEN];

	switch (a->kind) {
	case IPP_ADDR_ANY:
	case IPP_ADDR_ME:
	case IPP_ADDR_DNS:
	case IPP_ADDR_WINS:
	case IPP_ADDR_DHCP:
	case IPP_ADDR_GATEWAY:
		return 0;
	case IPP_ADDR_IP:
	case IPP_ADDR_RANGE:
		break;
	default:
		return ipp_err(err, EINVAL, "%s: no address given", what);
	}
	if (a->family != AF_INET && a->family != AF_INET6)
		return ipp_err(err, EINVAL, "%s: unknown address family %u", what, a->family);
	/* (formatted for the messages only: stores are checked as they are read) */
	if (a->kind == IPP_ADDR_IP && a->plen > (a->family == AF_INET ? 32 : 128)) {
		ipp_addr_format(a, x, sizeof(x));
		return ipp_err(err, EINVAL, "%s: \"%s\": prefix length %u is too long", what, x,
			       a->plen);
	}
	if (a->kind == IPP_ADDR_RANGE &&
	    memcmp(a->ip, a->ip_end, a->family == AF_INET ? 4 : 16) > 0) {
		ipp_addr_format(a, x, sizeof(x));
		return ipp_err(err, EINVAL,
			       "%s: range \"%s\": the first address is above the last one", what,
			       x);
	}
	return 0;
}

static bool has_family(const struct ipp_addr *a)
{
	return a->kind == IPP_ADDR_IP || a->kind == IPP_ADDR_RANGE;
}

int ipp_filter_validate(const struct ipp_filter *f, struct ipp_error *err)
{
	char s[IPP_ADDR_STRLEN], d[IPP_ADDR_STRLEN], p[16];
	long bad;
	int r;

	/* (as every other text value: what is stored is exported and imported back) */
	if (f->description && (bad = ipp_utf8_bad_at(f->description)) >= 0)
		return ipp_err(err, EINVAL,
			       "description: byte 0x%02x at position %ld is not UTF-8: values are "
			       "UTF-8 text (save the script as UTF-8)",
			       (unsigned char)f->description[bad], bad + 1);

	r = addr_validate("srcaddr", &f->src, err);
	if (r < 0)
		return r;
	r = addr_validate("dstaddr", &f->dst, err);
	if (r < 0)
		return r;
	if ((ipp_addr_is_server(f->src.kind) && f->dst.kind != IPP_ADDR_ME) ||
	    (ipp_addr_is_server(f->dst.kind) && f->src.kind != IPP_ADDR_ME) ||
	    (has_family(&f->src) && has_family(&f->dst) && f->src.family != f->dst.family)) {
		ipp_addr_format(&f->src, s, sizeof(s));
		ipp_addr_format(&f->dst, d, sizeof(d));
	}
	if (ipp_addr_is_server(f->src.kind) && f->dst.kind != IPP_ADDR_ME)
		return ipp_err(err, EINVAL,
			       "srcaddr: \"%s\" is a server type: dstaddr must be me, not \"%s\"", s,
			       d);
	if (ipp_addr_is_server(f->dst.kind) && f->src.kind != IPP_ADDR_ME)
		return ipp_err(err, EINVAL,
			       "dstaddr: \"%s\" is a server type: srcaddr must be me, not \"%s\"", d,
			       s);
	if (f->src.kind == IPP_ADDR_ME && f->dst.kind == IPP_ADDR_ME)
		return ipp_err(err, EINVAL, "srcaddr and dstaddr are both \"me\"");
	if (has_family(&f->src) && has_family(&f->dst) && f->src.family != f->dst.family)
		return ipp_err(err, EINVAL,
			       "srcaddr \"%s\" and dstaddr \"%s\" are of different address families",
			       s, d);
	if ((f->srcport || f->dstport) && f->protocol != 6 && f->protocol != 17) {
		ipp_proto_format(f->protocol, p, sizeof(p));
		return ipp_err(err, EINVAL, "%s: \"%u\" needs protocol TCP or UDP, protocol is %s",
			       f->srcport ? "srcport" : "dstport",
			       f->srcport ? f->srcport : f->dstport, p);
	}
	r = text_validate("description", f->description, IPP_DESC_MAX, err);
	if (r < 0)
		return r;
	r = text_validate("srcdns", f->srcdns, IPP_NAME_MAX, err);
	if (r < 0)
		return r;
	return text_validate("dstdns", f->dstdns, IPP_NAME_MAX, err);
}

int ipp_filterlist_validate(const struct ipp_filterlist *l, struct ipp_error *err)
{
	int r;

	r = ipp_name_validate("name", l->name, err);
	if (r < 0)
		return r;
	r = text_validate("description", l->description, sizeof(l->description), err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l->nfilters; i++) {
		r = ipp_filter_validate(&l->filters[i], err);
		if (r < 0) {
			ipp_err_prefix(err, "filter list \"%s\"", l->name);
			return r;
		}
	}
	return 0;
}

static int qm_offers_validate(const struct ipp_qm_offer *o, size_t n, bool need,
			      struct ipp_error *err)
{
	int r;

	if (n > IPP_MAX_OFFERS)
		return ipp_err(err, EINVAL, "qmsecmethods: %zu offers, at most %d", n,
			       IPP_MAX_OFFERS);
	if (need && n == 0)
		return ipp_err(err, EINVAL,
			       "qmsecmethods: no offer, negotiation needs at least one");
	for (size_t i = 0; i < n; i++) {
		r = ipp_qm_offer_validate(&o[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int ipp_filteraction_validate(const struct ipp_filteraction *a, struct ipp_error *err)
{
	int r;

	r = ipp_name_validate("name", a->name, err);
	if (r < 0)
		return r;
	r = text_validate("description", a->description, sizeof(a->description), err);
	if (r < 0)
		return r;
	if (a->action < IPP_ACTION_PERMIT || a->action > IPP_ACTION_NEGOTIATE)
		return ipp_err(err, EINVAL, "action: expected permit, block or negotiate");
	r = qm_offers_validate(a->qmsec, a->nqmsec, a->action == IPP_ACTION_NEGOTIATE, err);
	if (r < 0)
		ipp_err_prefix(err, "filter action \"%s\"", a->name);
	return r;
}

int ipp_auth_validate(const struct ipp_auth *a, struct ipp_error *err)
{
	size_t n = strnlen(a->value, sizeof(a->value));

	if (n >= sizeof(a->value))
		return ipp_err(err, EINVAL, "%s: value too long", ipp_auth_kind_name(a->kind));
	switch (a->kind) {
	case IPP_AUTH_KERBEROS:
		return 0;
	case IPP_AUTH_PSK:
		if (n == 0)
			return ipp_err(err, EINVAL, "psk: empty key, expected a pre-shared key");
		return text_validate("psk", a->value, sizeof(a->value), err);
	case IPP_AUTH_ROOTCA:
		if (n == 0)
			return ipp_err(err, EINVAL, "rootca: empty CA name");
		return text_validate("rootca", a->value, sizeof(a->value), err);
	default:
		return ipp_err(err, EINVAL,
			       "authentication method: expected kerberos, psk or rootca");
	}
}

/* What rules and default rules share. */
static int rule_common_validate(const struct ipp_rule *r, bool is_default, struct ipp_error *err)
{
	char x[IPP_ADDR_STRLEN];
	int ret;

	ret = text_validate("description", r->description, sizeof(r->description), err);
	if (ret < 0)
		return ret;
	if (r->conntype < IPP_CONN_ALL || r->conntype > IPP_CONN_DIALUP)
		return ipp_err(err, EINVAL, "conntype: expected lan, dialup or all");
	if (r->nauth == 0 || r->nauth > IPP_MAX_AUTH)
		return ipp_err(err, EINVAL, "authentication: %zu methods, expected 1 to %d",
			       r->nauth, IPP_MAX_AUTH);
	for (size_t i = 0; i < r->nauth; i++) {
		ret = ipp_auth_validate(&r->auth[i], err);
		if (ret < 0)
			return ret;
		ret = ipp_auth_repeat_check(r->auth, i, err);
		if (ret < 0)
			return ret;
	}
	ret = text_validate("tunnel", r->tunneldns, sizeof(r->tunneldns), err);
	if (ret < 0)
		return ret;
	if (r->has_tunnel) {
		if (is_default)
			return ipp_err(err, EINVAL, "tunnel: the default response rule has no tunnel");
		ipp_addr_format_net(&r->tunnel, x, sizeof(x));
		if (r->tunnel.kind != IPP_ADDR_IP ||
		    (r->tunnel.family != AF_INET && r->tunnel.family != AF_INET6) ||
		    r->tunnel.plen != (r->tunnel.family == AF_INET ? 32 : 128))
			return ipp_err(err, EINVAL,
				       "tunnel: \"%s\" is not a single IP address, expected the "
				       "tunnel endpoint's address",
				       x);
	}
	return qm_offers_validate(r->qmsec, r->nqmsec, is_default, err);
}

int ipp_policy_validate(const struct ipp_policy *p, struct ipp_error *err)
{
	int r;

	r = ipp_name_validate("name", p->name, err);
	if (r < 0)
		return r;
	r = text_validate("description", p->description, sizeof(p->description), err);
	if (r < 0)
		return r;
	if (p->mmlifetime < IPP_MMLIFETIME_MIN || p->mmlifetime > IPP_MMLIFETIME_MAX)
		return ipp_err(err, EINVAL,
			       "mmlifetime: \"%u\" is out of range, expected %u to %u minutes",
			       p->mmlifetime, IPP_MMLIFETIME_MIN, IPP_MMLIFETIME_MAX);
	if (p->qmpermm > IPP_QMPERMM_MAX)
		return ipp_err(err, EINVAL, "qmpermm: \"%u\" is out of range, expected 0 to %u",
			       p->qmpermm, IPP_QMPERMM_MAX);
	if (p->mmpfs && p->qmpermm != 1)
		return ipp_err(
		    err, EINVAL,
		    "qmpermm: \"%u\" contradicts master PFS (mmpfs=yes), which allows one "
		    "quick mode per main mode",
		    p->qmpermm);
	if (p->pollinginterval < IPP_POLLING_MIN || p->pollinginterval > IPP_POLLING_MAX)
		return ipp_err(err, EINVAL,
			       "pollinginterval: \"%u\" is out of range, expected %u to %u minutes",
			       p->pollinginterval, IPP_POLLING_MIN, IPP_POLLING_MAX);
	r = text_validate("gponame", p->gponame, sizeof(p->gponame), err);
	if (r < 0)
		return r;
	if (p->nmmsec == 0 || p->nmmsec > IPP_MAX_OFFERS)
		return ipp_err(err, EINVAL, "mmsecmethods: %zu offers, expected 1 to %d", p->nmmsec,
			       IPP_MAX_OFFERS);
	for (size_t i = 0; i < p->nmmsec; i++) {
		r = ipp_mm_offer_validate(&p->mmsec[i], err);
		if (r < 0)
			return r;
	}
	r = rule_common_validate(&p->defaultrule, true, err);
	if (r < 0)
		ipp_err_prefix(err, "policy \"%s\": default response rule", p->name);
	return r;
}

int ipp_auth_repeat_check(const struct ipp_auth *a, size_t i, struct ipp_error *err)
{
	for (size_t j = 0; j < i; j++) {
		if (a[j].kind != a[i].kind)
			continue;
		if (a[i].kind != IPP_AUTH_ROOTCA)
			return ipp_err(err, EINVAL,
				       "authentication: %s given twice, expected it at most once "
				       "(only rootca repeats, one for each CA)",
				       ipp_auth_kind_name(a[i].kind));
		if (strcasecmp(a[j].value, a[i].value) == 0)
			return ipp_err(err, EINVAL, "authentication: rootca \"%s\" given twice",
				       a[i].value);
	}
	return 0;
}

int ipp_rule_validate(const struct ipp_rule *r, const struct ipp_filterlist *l,
		      struct ipp_error *err)
{
	bool is_default = r->number == 0 && r->filterlist_id == 0 && r->filteraction_id == 0;
	int ret;

	if (!is_default) {
		ret = ipp_name_validate("name", r->name, err);
		if (ret < 0)
			return ret;
	}
	ret = rule_common_validate(r, is_default, err);
	if (ret < 0) {
		if (!is_default)
			ipp_err_prefix(err, "rule \"%s\"", r->name);
		return ret;
	}
	if (r->has_tunnel && l) {
		for (size_t i = 0; i < l->nfilters; i++) {
			char s[IPP_ADDR_STRLEN], d[IPP_ADDR_STRLEN];

			if (!l->filters[i].mirrored)
				continue;
			ipp_addr_format(&l->filters[i].src, s, sizeof(s));
			ipp_addr_format(&l->filters[i].dst, d, sizeof(d));
			return ipp_err(err, EINVAL,
				       "rule \"%s\": a tunnel rule needs filters that are not "
				       "mirrored, filter list \"%s\" has a mirrored filter (%s -> %s)",
				       r->name, l->name, s, d);
		}
	}
	return 0;
}

bool ipp_filter_same(const struct ipp_filter *a, const struct ipp_filter *b)
{
	return ipp_addr_same(&a->src, &b->src) && ipp_addr_same(&a->dst, &b->dst) &&
	       a->protocol == b->protocol && a->srcport == b->srcport &&
	       a->dstport == b->dstport && a->mirrored == b->mirrored;
}

/* ---------- GUIDs ---------- */

/* Last resort when the kernel gives no randomness: splitmix64 over time and pid. */
static void weak_random(uint8_t *buf, size_t n)
{
	static uint64_t state;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	state += (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
	for (size_t i = 0; i < n; i++) {
		uint64_t z = (state += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		buf[i] = (uint8_t)(z ^ (z >> 31));
	}
}

static void random_bytes(uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)r;
	}
	if (got < n) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		while (fd >= 0 && got < n) {
			ssize_t r = read(fd, buf + got, n - got);

			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (fd >= 0)
			close(fd);
	}
	if (got < n)
		weak_random(buf + got, n - got);
}

void ipp_guid_new(char out[IPP_GUID_STRLEN])
{
	uint8_t b[16];

	random_bytes(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4: random */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, IPP_GUID_STRLEN,
		 "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[0],
		 b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
}

bool ipp_guid_parse(const char *s, char out[IPP_GUID_STRLEN])
{
	char buf[IPP_GUID_STRLEN];
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 38) {
		if (s[0] != '{' || s[37] != '}')
			return false;
		s++;
	} else if (n != 36) {
		return false;
	}
	buf[0] = '{';
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (c >= 'a' && c <= 'f') {
			c = (char)(c - 'a' + 'A');
		} else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
			return false;
		}
		buf[i + 1] = c;
	}
	buf[37] = '}';
	buf[38] = '\0';
	if (out)
		memcpy(out, buf, IPP_GUID_STRLEN);
	return true;
}
