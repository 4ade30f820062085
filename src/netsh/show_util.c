/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * show_util.c - lookups, ordering and value texts shared by show and dump.
 */
#include "../common/utf8.h"
#include "show_internal.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

/* ---------- lookups ---------- */

const struct ipp_filterlist *show_find_filterlist(const struct ipp_snapshot *s, int64_t id)
{
	size_t i;

	for (i = 0; s && i < s->nfilterlists; i++)
		if (s->filterlists[i].id == id)
			return &s->filterlists[i];
	return NULL;
}

const struct ipp_filteraction *show_find_filteraction(const struct ipp_snapshot *s, int64_t id)
{
	size_t i;

	for (i = 0; s && i < s->nfilteractions; i++)
		if (s->filteractions[i].id == id)
			return &s->filteractions[i];
	return NULL;
}

/* ---------- order ---------- */

static int name_cmp(const char *a, const char *b)
{
	int r = ipp_utf8_casecmp(a, b);

	return r ? r : strcmp(a, b);
}

static int policy_cmp(const void *a, const void *b)
{
	const struct ipp_policy *x = *(const struct ipp_policy *const *)a;
	const struct ipp_policy *y = *(const struct ipp_policy *const *)b;

	return name_cmp(x->name, y->name);
}

static int filterlist_cmp(const void *a, const void *b)
{
	const struct ipp_filterlist *x = *(const struct ipp_filterlist *const *)a;
	const struct ipp_filterlist *y = *(const struct ipp_filterlist *const *)b;

	return name_cmp(x->name, y->name);
}

static int filteraction_cmp(const void *a, const void *b)
{
	const struct ipp_filteraction *x = *(const struct ipp_filteraction *const *)a;
	const struct ipp_filteraction *y = *(const struct ipp_filteraction *const *)b;

	return name_cmp(x->name, y->name);
}

static int rule_cmp(const void *a, const void *b)
{
	const struct ipp_rule *x = *(const struct ipp_rule *const *)a;
	const struct ipp_rule *y = *(const struct ipp_rule *const *)b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return name_cmp(x->name, y->name);
}

static int filter_cmp(const void *a, const void *b)
{
	const struct ipp_filter *x = *(const struct ipp_filter *const *)a;
	const struct ipp_filter *y = *(const struct ipp_filter *const *)b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* Pointers to the @n elements of @base (each @size bytes), sorted with @cmp. */
static const void **sorted(const void *base, size_t n, size_t size,
			   int (*cmp)(const void *, const void *), size_t *ret_n)
{
	const void **v;
	size_t i;

	*ret_n = 0;
	if (!base || n == 0)
		return NULL;
	v = calloc(n, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = (const char *)base + i * size;
	qsort(v, n, sizeof(*v), cmp);
	*ret_n = n;
	return v;
}

const struct ipp_policy **show_sorted_policies(const struct ipp_snapshot *s, size_t *n)
{
	return (const struct ipp_policy **)sorted(s->policies, s->npolicies, sizeof(*s->policies),
						  policy_cmp, n);
}

const struct ipp_filterlist **show_sorted_filterlists(const struct ipp_snapshot *s, size_t *n)
{
	return (const struct ipp_filterlist **)sorted(s->filterlists, s->nfilterlists,
						      sizeof(*s->filterlists), filterlist_cmp, n);
}

const struct ipp_filteraction **show_sorted_filteractions(const struct ipp_snapshot *s, size_t *n)
{
	return (const struct ipp_filteraction **)sorted(
	    s->filteractions, s->nfilteractions, sizeof(*s->filteractions), filteraction_cmp, n);
}

const struct ipp_rule **show_sorted_rules(const struct ipp_policy *p, size_t *n)
{
	return (const struct ipp_rule **)sorted(p->rules, p->nrules, sizeof(*p->rules), rule_cmp,
						n);
}

const struct ipp_filter **show_sorted_filters(const struct ipp_filterlist *l, size_t *n)
{
	return (const struct ipp_filter **)sorted(l->filters, l->nfilters, sizeof(*l->filters),
						  filter_cmp, n);
}

/* ---------- text ---------- */

void show_store_label(enum ipp_store_loc loc, const char *computer, const char *domain, char *buf,
		      size_t len)
{
	switch (loc) {
	case IPP_STORE_LOCAL:
		if (computer && *computer)
			snprintf(buf, len, "Local Store <%s>", computer);
		else
			snprintf(buf, len, "Local Store");
		break;
	case IPP_STORE_PERSISTENT:
		snprintf(buf, len, "Persistent Store");
		break;
	case IPP_STORE_DOMAIN:
		if (domain && *domain)
			snprintf(buf, len, "Domain Store <%s>", domain);
		else
			snprintf(buf, len, "Domain Store");
		break;
	default:
		snprintf(buf, len, "Unknown Store");
		break;
	}
}

const char *show_store_keyword(enum ipp_store_loc loc)
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

void show_time_local(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || !localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
}

void show_time_utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%s", "");
}

const char *show_conf_name(enum ipp_conf_alg a)
{
	switch (a) {
	case IPP_CONF_NONE:
		return "None";
	case IPP_CONF_DES:
		return "DES";
	case IPP_CONF_3DES:
		return "3DES";
	default:
		return "?";
	}
}

const char *show_hash_name(enum ipp_hash_alg h)
{
	switch (h) {
	case IPP_HASH_NONE:
		return "None";
	case IPP_HASH_MD5:
		return "MD5";
	case IPP_HASH_SHA1:
		return "SHA1";
	default:
		return "?";
	}
}

const char *show_dh_name(unsigned group)
{
	switch (group) {
	case 1:
		return "Low, 768-bit";
	case 2:
		return "Medium, 1024-bit";
	case 3:
		return "DH2048, 2048-bit";
	default:
		return "?";
	}
}

const char *show_action_label(enum ipp_action a)
{
	switch (a) {
	case IPP_ACTION_PERMIT:
		return "Permit";
	case IPP_ACTION_BLOCK:
		return "Block";
	case IPP_ACTION_NEGOTIATE:
		return "Negotiate Security";
	default:
		return "?";
	}
}

const char *show_action_keyword(enum ipp_action a)
{
	switch (a) {
	case IPP_ACTION_PERMIT:
		return "permit";
	case IPP_ACTION_BLOCK:
		return "block";
	case IPP_ACTION_NEGOTIATE:
		return "negotiate";
	default:
		return "?";
	}
}

const char *show_conntype_keyword(enum ipp_conntype c)
{
	switch (c) {
	case IPP_CONN_ALL:
		return "all";
	case IPP_CONN_LAN:
		return "lan";
	case IPP_CONN_DIALUP:
		return "dialup";
	default:
		return "?";
	}
}

const char *show_addr_keyword(enum ipp_addr_kind k)
{
	switch (k) {
	case IPP_ADDR_ANY:
		return "any";
	case IPP_ADDR_ME:
		return "me";
	case IPP_ADDR_IP:
		return "ip";
	case IPP_ADDR_RANGE:
		return "range";
	case IPP_ADDR_DNS:
		return "dns";
	case IPP_ADDR_WINS:
		return "wins";
	case IPP_ADDR_DHCP:
		return "dhcp";
	case IPP_ADDR_GATEWAY:
		return "gateway";
	default:
		return "invalid";
	}
}

void show_qm_offer_text(const struct ipp_qm_offer *o, char *buf, size_t len)
{
	switch (o->kind) {
	case IPP_QM_ESP:
		snprintf(buf, len, "ESP[%s,%s]", show_conf_name(o->esp_conf),
			 show_hash_name(o->esp_auth));
		break;
	case IPP_QM_AH:
		snprintf(buf, len, "AH[%s]", show_hash_name(o->ah_hash));
		break;
	case IPP_QM_AH_ESP:
		snprintf(buf, len, "AH[%s]+ESP[%s,%s]", show_hash_name(o->ah_hash),
			 show_conf_name(o->esp_conf), show_hash_name(o->esp_auth));
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

unsigned long show_qm_life_kb(const struct ipp_qm_offer *o)
{
	return o->life_kb ? o->life_kb : IPP_QM_LIFE_KB_DEFAULT;
}

unsigned long show_qm_life_sec(const struct ipp_qm_offer *o)
{
	return o->life_sec ? o->life_sec : IPP_QM_LIFE_SEC_DEFAULT;
}

int show_filter_family(const struct ipp_addr *a, const struct ipp_addr *b)
{
	if ((a->kind == IPP_ADDR_IP || a->kind == IPP_ADDR_RANGE) && a->family)
		return a->family;
	if ((b->kind == IPP_ADDR_IP || b->kind == IPP_ADDR_RANGE) && b->family)
		return b->family;
	return 0;
}

void show_mask_text(const struct ipp_addr *a, int family, bool v6_slash, char *buf, size_t len)
{
	const char *sl = v6_slash ? "/" : "";

	switch (a->kind) {
	case IPP_ADDR_ANY:
		if (family == AF_INET6)
			snprintf(buf, len, "%s0", sl);
		else
			snprintf(buf, len, "0.0.0.0");
		return;
	case IPP_ADDR_IP:
		break;
	case IPP_ADDR_RANGE:
		snprintf(buf, len, "%s", "");
		return;
	default:
		/* me and the server types stand for host addresses */
		if (family == AF_INET6)
			snprintf(buf, len, "%s128", sl);
		else
			snprintf(buf, len, "255.255.255.255");
		return;
	}
	if (a->family == AF_INET6) {
		snprintf(buf, len, "%s%u", v6_slash ? "/" : "", (unsigned)a->plen);
	} else {
		unsigned plen = a->plen > 32 ? 32 : a->plen;
		uint32_t m = plen ? 0xffffffffu << (32 - plen) : 0;

		snprintf(buf, len, "%u.%u.%u.%u", m >> 24, (m >> 16) & 0xff, (m >> 8) & 0xff,
			 m & 0xff);
	}
}

void show_addr_cell(const struct ipp_addr *a, char *buf, size_t len)
{
	char ip[128];

	switch (a->kind) {
	case IPP_ADDR_ANY:
		snprintf(buf, len, "any");
		return;
	case IPP_ADDR_ME:
		snprintf(buf, len, "me");
		return;
	case IPP_ADDR_IP:
		ipp_addr_format(a, ip, sizeof(ip));
		if (a->plen != (a->family == AF_INET6 ? 128 : 32))
			snprintf(buf, len, "%s/%u", ip, (unsigned)a->plen);
		else
			snprintf(buf, len, "%s", ip);
		return;
	default:
		ipp_addr_format(a, buf, len);
		return;
	}
}

/* Bytes of the UTF-8 sequence starting with @c (1 for stray bytes). */
static size_t seq_len(unsigned char c)
{
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	return 1;
}

/* Length of the code point at @s, not running past the terminating NUL. */
static size_t cp_len(const char *s)
{
	size_t n = seq_len((unsigned char)*s), i;

	for (i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* The code point of the @n-byte sequence at @s (cp_len()). */
static unsigned long cp_value(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	switch (n) {
	case 2:
		return (u[0] & 0x1fUL) << 6 | (u[1] & 0x3f);
	case 3:
		return (u[0] & 0x0fUL) << 12 | (u[1] & 0x3fUL) << 6 | (u[2] & 0x3f);
	case 4:
		return (u[0] & 0x07UL) << 18 | (u[1] & 0x3fUL) << 12 | (u[2] & 0x3fUL) << 6 |
		       (u[3] & 0x3f);
	default:
		return u[0];
	}
}

/*
 * The columns a code point takes on a terminal: 0 for combining marks and
 * zero-width characters, 2 for East Asian wide and fullwidth ones (CJK,
 * Hangul, kana, fullwidth forms, emoji), else 1.
 */
static size_t cp_columns(unsigned long c)
{
	static const unsigned long zero[][2] = {
	    {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x0610, 0x061a},
	    {0x064b, 0x065f}, {0x0e31, 0x0e31}, {0x0e34, 0x0e3a}, {0x1ab0, 0x1aff},
	    {0x1dc0, 0x1dff}, {0x200b, 0x200f}, {0x202a, 0x202e}, {0x2060, 0x2064},
	    {0x20d0, 0x20ff}, {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f}, {0xfeff, 0xfeff},
	};
	static const unsigned long wide[][2] = {
	    {0x1100, 0x115f},	{0x231a, 0x231b},   {0x2329, 0x232a},	{0x23e9, 0x23ec},
	    {0x2614, 0x2615},	{0x2648, 0x2653},   {0x26aa, 0x26ab},	{0x26bd, 0x26be},
	    {0x2705, 0x2705},	{0x270a, 0x270b},   {0x2728, 0x2728},	{0x274c, 0x274c},
	    {0x2b1b, 0x2b1c},	{0x2b50, 0x2b50},   {0x2e80, 0x303e},	{0x3041, 0x33ff},
	    {0x3400, 0x4dbf},	{0x4e00, 0x9fff},   {0xa000, 0xa4cf},	{0xa960, 0xa97f},
	    {0xac00, 0xd7a3},	{0xf900, 0xfaff},   {0xfe10, 0xfe19},	{0xfe30, 0xfe6f},
	    {0xff00, 0xff60},	{0xffe0, 0xffe6},   {0x1f300, 0x1f64f}, {0x1f900, 0x1f9ff},
	    {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
	};

	if (c < 0x300)
		return 1;
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (c >= zero[i][0] && c <= zero[i][1])
			return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (c >= wide[i][0] && c <= wide[i][1])
			return 2;
	return 1;
}

size_t show_text_width(const char *s)
{
	size_t w = 0;

	while (*s) {
		size_t n = cp_len(s);

		w += cp_columns(cp_value(s, n));
		s += n;
	}
	return w;
}

void show_fit(const char *s, size_t width, char *buf, size_t len)
{
	size_t total = show_text_width(s), keep, used = 0, w = 0;
	bool cut = total > width;

	if (len == 0)
		return;
	if (cut)
		keep = width > 3 ? width - 3 : 0;
	else
		keep = total;
	while (*s) {
		size_t n = cp_len(s), cw = cp_columns(cp_value(s, n));

		if (w + cw > keep || used + n >= len)
			break;
		if (n == 1 && ((unsigned char)*s < 0x20 || *s == 0x7f))
			buf[used] = ' ';
		else
			memcpy(buf + used, s, n);
		used += n;
		s += n;
		w += cw;
	}
	if (cut) {
		size_t dots = width < 3 ? width : 3;

		if (used + dots < len) {
			memcpy(buf + used, SHOW_ELLIPSIS, dots);
			used += dots;
		}
	}
	buf[used] = '\0';
}

void show_addr_label(const struct ipp_addr *a, char *buf, size_t len)
{
	switch (a->kind) {
	case IPP_ADDR_ANY:
		snprintf(buf, len, "<Any IP Address>");
		break;
	case IPP_ADDR_ME:
		snprintf(buf, len, "<My IP Address>");
		break;
	case IPP_ADDR_DNS:
		snprintf(buf, len, "<DNS Servers>");
		break;
	case IPP_ADDR_WINS:
		snprintf(buf, len, "<WINS Servers>");
		break;
	case IPP_ADDR_DHCP:
		snprintf(buf, len, "<DHCP Server>");
		break;
	case IPP_ADDR_GATEWAY:
		snprintf(buf, len, "<Default Gateway>");
		break;
	default:
		ipp_addr_format(a, buf, len);
		break;
	}
}
