/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * offers.c - security methods (mmsecmethods, qmsecmethods) and rootca values.
 *
 * Grammars (shared reference 2.4-2.6):
 *   mm offer  := ConfAlg-HashAlg-GroupNum        DES|3DES, MD5|SHA1, 1|2|3
 *   qm offer  := ESP[ConfAlg,AuthAlg][:life] | AH[HashAlg][:life]
 *              | AH[HashAlg]+ESP[ConfAlg,AuthAlg][:life]
 *   life      := <n>k/<n>s | <n>k | <n>s
 *   rootca    := <CA name> [certmap:(yes|no)] [excludecaname:(yes|no)]
 * Keywords are case-insensitive; lists are separated by blanks.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model.h"

#define QM_EXPECTED                                                                                \
	"expected ESP[ConfAlg,HashAlg], AH[HashAlg] or AH[HashAlg]+ESP[ConfAlg,HashAlg], "         \
	"optionally followed by :<kilobytes>k/<seconds>s"

static const char *const conf_names[] = {
	[IPP_CONF_NONE] = "None",
	[IPP_CONF_DES] = "DES",
	[IPP_CONF_3DES] = "3DES",
};

static const char *const hash_names[] = {
	[IPP_HASH_NONE] = "None",
	[IPP_HASH_MD5] = "MD5",
	[IPP_HASH_SHA1] = "SHA1",
};

static const char *conf_name(enum ipp_conf_alg c)
{
	return c > IPP_CONF_INVALID && c <= IPP_CONF_3DES ? conf_names[c] : "invalid";
}

static const char *hash_name(enum ipp_hash_alg h)
{
	return h > IPP_HASH_INVALID && h <= IPP_HASH_SHA1 ? hash_names[h] : "invalid";
}

/* Exact case-insensitive lookup of @s (length @n) in a name table; 0 when absent. */
static int lookup(const char *const *names, int first, int last, const char *s, size_t n)
{
	for (int i = first; i <= last; i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0)
			return i;
	return 0;
}

/* ---------- main mode ---------- */

int ipp_mm_offer_validate(const struct ipp_mm_offer *o, struct ipp_error *err)
{
	if (o->conf != IPP_CONF_DES && o->conf != IPP_CONF_3DES)
		return ipp_err(err, EINVAL, "mmsecmethods: encryption must be DES or 3DES");
	if (o->hash != IPP_HASH_MD5 && o->hash != IPP_HASH_SHA1)
		return ipp_err(err, EINVAL, "mmsecmethods: hash must be MD5 or SHA1");
	if (o->group < 1 || o->group > 3)
		return ipp_err(err, EINVAL, "mmsecmethods: group %u is not valid, expected 1, 2 or 3",
			       o->group);
	return 0;
}

static int mm_offer_parse(const char *tok, size_t n, struct ipp_mm_offer *ret,
			  struct ipp_error *err)
{
	const char *d1, *d2, *end = tok + n;
	struct ipp_mm_offer o = {0};
	int v;

	d1 = memchr(tok, '-', n);
	d2 = d1 ? memchr(d1 + 1, '-', (size_t)(end - d1 - 1)) : NULL;
	if (!d1 || !d2 || memchr(d2 + 1, '-', (size_t)(end - d2 - 1)))
		return ipp_err(err, EINVAL,
			       "mmsecmethods: \"%.*s\": expected ConfAlg-HashAlg-GroupNum such as "
			       "3DES-SHA1-2",
			       (int)n, tok);
	v = lookup(conf_names, IPP_CONF_DES, IPP_CONF_3DES, tok, (size_t)(d1 - tok));
	if (!v)
		return ipp_err(err, EINVAL,
			       "mmsecmethods: \"%.*s\": unknown encryption \"%.*s\", expected DES or "
			       "3DES",
			       (int)n, tok, (int)(d1 - tok), tok);
	o.conf = (enum ipp_conf_alg)v;
	v = lookup(hash_names, IPP_HASH_MD5, IPP_HASH_SHA1, d1 + 1, (size_t)(d2 - d1 - 1));
	if (!v)
		return ipp_err(err, EINVAL,
			       "mmsecmethods: \"%.*s\": unknown hash \"%.*s\", expected MD5 or SHA1",
			       (int)n, tok, (int)(d2 - d1 - 1), d1 + 1);
	o.hash = (enum ipp_hash_alg)v;
	if (end - d2 != 2 || d2[1] < '1' || d2[1] > '3')
		return ipp_err(err, EINVAL,
			       "mmsecmethods: \"%.*s\": unknown group \"%.*s\", expected 1, 2 or 3",
			       (int)n, tok, (int)(end - d2 - 1), d2 + 1);
	o.group = (uint8_t)(d2[1] - '0');
	*ret = o;
	return 0;
}

/* Next blank-separated token of *pos: sets *tok and *n, returns false at the end. */
static bool next_token(const char **pos, const char **tok, size_t *n)
{
	const char *p = *pos;

	while (*p && isspace((unsigned char)*p))
		p++;
	if (!*p)
		return false;
	*tok = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	*n = (size_t)(p - *tok);
	*pos = p;
	return true;
}

int ipp_mm_offers_parse(const char *s, struct ipp_mm_offer *ret, size_t max, size_t *ret_n,
			struct ipp_error *err)
{
	struct ipp_mm_offer tmp[IPP_MAX_OFFERS];
	const char *pos = s ? s : "", *tok;
	size_t n, count = 0;
	int r;

	if (max > IPP_MAX_OFFERS)
		max = IPP_MAX_OFFERS;
	while (next_token(&pos, &tok, &n)) {
		if (count >= max)
			return ipp_err(err, EINVAL, "mmsecmethods: \"%.*s\": more than %zu offers",
				       (int)n, tok, max);
		r = mm_offer_parse(tok, n, &tmp[count], err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < count; i++)
			if (tmp[i].conf == tmp[count].conf && tmp[i].hash == tmp[count].hash &&
			    tmp[i].group == tmp[count].group)
				return ipp_err(err, EINVAL,
					       "mmsecmethods: \"%.*s\": offer given twice", (int)n,
					       tok);
		count++;
	}
	if (count == 0)
		return ipp_err(err, EINVAL,
			       "mmsecmethods: empty list, expected offers such as \"3DES-SHA1-2 "
			       "3DES-MD5-2\"");
	memcpy(ret, tmp, count * sizeof(*ret));
	*ret_n = count;
	return 0;
}

void ipp_mm_offers_format(const struct ipp_mm_offer *o, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s-%s-%u", i ? " " : "",
				 conf_name(o[i].conf), hash_name(o[i].hash), o[i].group);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

size_t ipp_mm_offers_default(struct ipp_mm_offer *ret, size_t max)
{
	static const struct ipp_mm_offer def[] = {
		{IPP_CONF_3DES, IPP_HASH_SHA1, 2},
		{IPP_CONF_3DES, IPP_HASH_MD5, 2},
		{IPP_CONF_DES, IPP_HASH_SHA1, 1},
		{IPP_CONF_DES, IPP_HASH_MD5, 1},
	};
	size_t n = sizeof(def) / sizeof(def[0]);

	if (n > max)
		n = max;
	memcpy(ret, def, n * sizeof(*ret));
	return n;
}

/* ---------- quick mode ---------- */

int ipp_qm_offer_validate(const struct ipp_qm_offer *o, struct ipp_error *err)
{
	bool ah = o->kind == IPP_QM_AH || o->kind == IPP_QM_AH_ESP;
	bool esp = o->kind == IPP_QM_ESP || o->kind == IPP_QM_AH_ESP;

	if (!ah && !esp)
		return ipp_err(err, EINVAL, "qmsecmethods: offer kind must be ESP, AH or AH+ESP");
	if (ah && o->ah_hash != IPP_HASH_MD5 && o->ah_hash != IPP_HASH_SHA1)
		return ipp_err(err, EINVAL, "qmsecmethods: AH hash must be MD5 or SHA1");
	if (esp && (o->esp_conf < IPP_CONF_NONE || o->esp_conf > IPP_CONF_3DES))
		return ipp_err(err, EINVAL, "qmsecmethods: ESP encryption must be DES, 3DES or None");
	if (esp && (o->esp_auth < IPP_HASH_NONE || o->esp_auth > IPP_HASH_SHA1))
		return ipp_err(err, EINVAL, "qmsecmethods: ESP hash must be MD5, SHA1 or None");
	if (esp && o->esp_conf == IPP_CONF_NONE && o->esp_auth == IPP_HASH_NONE)
		return ipp_err(err, EINVAL,
			       "qmsecmethods: ESP[None,None] protects nothing, expected an "
			       "encryption or a hash");
	if (o->life_kb && (o->life_kb < IPP_QM_LIFE_KB_MIN || o->life_kb > IPP_QM_LIFE_KB_MAX))
		return ipp_err(err, EINVAL,
			       "qmsecmethods: lifetime %uk is out of range, expected %u to %u "
			       "kilobytes",
			       o->life_kb, IPP_QM_LIFE_KB_MIN, IPP_QM_LIFE_KB_MAX);
	if (o->life_sec &&
	    (o->life_sec < IPP_QM_LIFE_SEC_MIN || o->life_sec > IPP_QM_LIFE_SEC_MAX))
		return ipp_err(err, EINVAL,
			       "qmsecmethods: lifetime %us is out of range, expected %u to %u "
			       "seconds",
			       o->life_sec, IPP_QM_LIFE_SEC_MIN, IPP_QM_LIFE_SEC_MAX);
	return 0;
}

/* Case-insensitive: does [p, end) start with @lit?  Advances *p past it. */
static bool eat(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || strncasecmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

/* Strict decimal number of [*p, end) followed by a unit; advances *p. */
static bool eat_number(const char **p, const char *end, uint64_t *ret)
{
	const char *q = *p;
	uint64_t v = 0;

	if (q >= end || *q < '0' || *q > '9')
		return false;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		v = v * 10 + (uint64_t)(*q - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*ret = v;
	*p = q;
	return true;
}

static int qm_lifetime_parse(const char *tok, size_t n, const char *p, const char *end,
			     struct ipp_qm_offer *o, struct ipp_error *err)
{
	uint64_t v = 0;
	bool got = eat_number(&p, end, &v);

	if (got && p < end && (*p == 'k' || *p == 'K')) {
		p++;
		if (v == 0)
			goto bad;
		o->life_kb = (uint32_t)v;
		if (p == end)
			goto check;
		if (*p != '/')
			goto bad;
		p++;
		got = eat_number(&p, end, &v);
	}
	if (!got || p + 1 != end || (*p != 's' && *p != 'S') || v == 0)
		goto bad;
	o->life_sec = (uint32_t)v;
check:
	if (o->life_kb && (o->life_kb < IPP_QM_LIFE_KB_MIN || o->life_kb > IPP_QM_LIFE_KB_MAX))
		return ipp_err(err, EINVAL,
			       "qmsecmethods: \"%.*s\": lifetime %uk is out of range, expected %u to "
			       "%u kilobytes",
			       (int)n, tok, o->life_kb, IPP_QM_LIFE_KB_MIN, IPP_QM_LIFE_KB_MAX);
	if (o->life_sec &&
	    (o->life_sec < IPP_QM_LIFE_SEC_MIN || o->life_sec > IPP_QM_LIFE_SEC_MAX))
		return ipp_err(err, EINVAL,
			       "qmsecmethods: \"%.*s\": lifetime %us is out of range, expected %u to "
			       "%u seconds",
			       (int)n, tok, o->life_sec, IPP_QM_LIFE_SEC_MIN, IPP_QM_LIFE_SEC_MAX);
	return 0;
bad:
	return ipp_err(err, EINVAL,
		       "qmsecmethods: \"%.*s\": bad lifetime, expected :<kilobytes>k/<seconds>s, "
		       ":<kilobytes>k or :<seconds>s",
		       (int)n, tok);
}

/* The algorithm name up to one of @stops; returns its length. */
static size_t alg_len(const char *p, const char *end, const char *stops)
{
	const char *q = p;

	while (q < end && !strchr(stops, *q))
		q++;
	return (size_t)(q - p);
}

static int esp_parse(const char *tok, size_t n, const char **pp, const char *end,
		     struct ipp_qm_offer *o, struct ipp_error *err)
{
	const char *p = *pp;
	size_t l;
	int v;

	l = alg_len(p, end, ",]");
	if (p + l >= end || p[l] != ',')
		return ipp_err(err, EINVAL, "qmsecmethods: \"%.*s\": " QM_EXPECTED, (int)n, tok);
	v = lookup(conf_names, IPP_CONF_NONE, IPP_CONF_3DES, p, l);
	if (!v)
		return ipp_err(err, EINVAL,
			       "qmsecmethods: \"%.*s\": unknown encryption \"%.*s\", expected DES, "
			       "3DES or None",
			       (int)n, tok, (int)l, p);
	o->esp_conf = (enum ipp_conf_alg)v;
	p += l + 1;
	l = alg_len(p, end, ",]");
	if (p + l >= end || p[l] != ']')
		return ipp_err(err, EINVAL, "qmsecmethods: \"%.*s\": " QM_EXPECTED, (int)n, tok);
	v = lookup(hash_names, IPP_HASH_NONE, IPP_HASH_SHA1, p, l);
	if (!v)
		return ipp_err(err, EINVAL,
			       "qmsecmethods: \"%.*s\": unknown hash \"%.*s\", expected MD5, SHA1 "
			       "or None",
			       (int)n, tok, (int)l, p);
	o->esp_auth = (enum ipp_hash_alg)v;
	if (o->esp_conf == IPP_CONF_NONE && o->esp_auth == IPP_HASH_NONE)
		return ipp_err(err, EINVAL,
			       "qmsecmethods: \"%.*s\": ESP[None,None] protects nothing, expected "
			       "an encryption or a hash",
			       (int)n, tok);
	*pp = p + l + 1;
	return 0;
}

static int qm_offer_parse(const char *tok, size_t n, struct ipp_qm_offer *ret,
			  struct ipp_error *err)
{
	const char *p = tok, *end = tok + n, *colon;
	struct ipp_qm_offer o = {0};
	size_t l;
	int v, r;

	colon = memchr(tok, ':', n);
	if (colon)
		end = colon;
	if (eat(&p, end, "AH[")) {
		l = alg_len(p, end, ",]");
		if (p + l >= end || p[l] != ']')
			return ipp_err(err, EINVAL, "qmsecmethods: \"%.*s\": " QM_EXPECTED, (int)n,
				       tok);
		v = lookup(hash_names, IPP_HASH_MD5, IPP_HASH_SHA1, p, l);
		if (!v)
			return ipp_err(err, EINVAL,
				       "qmsecmethods: \"%.*s\": unknown AH hash \"%.*s\", expected "
				       "MD5 or SHA1",
				       (int)n, tok, (int)l, p);
		o.ah_hash = (enum ipp_hash_alg)v;
		o.kind = IPP_QM_AH;
		p += l + 1;
		if (p < end) {
			if (!eat(&p, end, "+ESP["))
				return ipp_err(err, EINVAL, "qmsecmethods: \"%.*s\": " QM_EXPECTED,
					       (int)n, tok);
			r = esp_parse(tok, n, &p, end, &o, err);
			if (r < 0)
				return r;
			o.kind = IPP_QM_AH_ESP;
		}
	} else if (eat(&p, end, "ESP[")) {
		r = esp_parse(tok, n, &p, end, &o, err);
		if (r < 0)
			return r;
		o.kind = IPP_QM_ESP;
	} else {
		return ipp_err(err, EINVAL, "qmsecmethods: \"%.*s\": " QM_EXPECTED, (int)n, tok);
	}
	if (p != end)
		return ipp_err(err, EINVAL, "qmsecmethods: \"%.*s\": " QM_EXPECTED, (int)n, tok);
	if (colon) {
		r = qm_lifetime_parse(tok, n, colon + 1, tok + n, &o, err);
		if (r < 0)
			return r;
	}
	*ret = o;
	return 0;
}

int ipp_qm_offers_parse(const char *s, struct ipp_qm_offer *ret, size_t max, size_t *ret_n,
			struct ipp_error *err)
{
	struct ipp_qm_offer tmp[IPP_MAX_OFFERS];
	const char *pos = s ? s : "", *tok;
	size_t n, count = 0;
	int r;

	if (max > IPP_MAX_OFFERS)
		max = IPP_MAX_OFFERS;
	while (next_token(&pos, &tok, &n)) {
		if (count >= max)
			return ipp_err(err, EINVAL, "qmsecmethods: \"%.*s\": more than %zu offers",
				       (int)n, tok, max);
		r = qm_offer_parse(tok, n, &tmp[count], err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < count; i++)
			if (memcmp(&tmp[i], &tmp[count], sizeof(tmp[i])) == 0)
				return ipp_err(err, EINVAL,
					       "qmsecmethods: \"%.*s\": offer given twice", (int)n,
					       tok);
		count++;
	}
	if (count == 0)
		return ipp_err(err, EINVAL,
			       "qmsecmethods: empty list, expected offers such as "
			       "\"ESP[3DES,SHA1] AH[MD5]:100000k/3600s\"");
	memcpy(ret, tmp, count * sizeof(*ret));
	*ret_n = count;
	return 0;
}

void ipp_qm_offers_format(const struct ipp_qm_offer *o, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		char body[64], life[32] = "";
		int w;

		switch (o[i].kind) {
		case IPP_QM_ESP:
			snprintf(body, sizeof(body), "ESP[%s,%s]", conf_name(o[i].esp_conf),
				 hash_name(o[i].esp_auth));
			break;
		case IPP_QM_AH:
			snprintf(body, sizeof(body), "AH[%s]", hash_name(o[i].ah_hash));
			break;
		case IPP_QM_AH_ESP:
			snprintf(body, sizeof(body), "AH[%s]+ESP[%s,%s]", hash_name(o[i].ah_hash),
				 conf_name(o[i].esp_conf), hash_name(o[i].esp_auth));
			break;
		default:
			snprintf(body, sizeof(body), "invalid");
			break;
		}
		if (o[i].life_kb && o[i].life_sec)
			snprintf(life, sizeof(life), ":%uk/%us", o[i].life_kb, o[i].life_sec);
		else if (o[i].life_kb)
			snprintf(life, sizeof(life), ":%uk", o[i].life_kb);
		else if (o[i].life_sec)
			snprintf(life, sizeof(life), ":%us", o[i].life_sec);
		w = snprintf(buf + off, len - off, "%s%s%s", i ? " " : "", body, life);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

size_t ipp_qm_offers_default(struct ipp_qm_offer *ret, size_t max)
{
	static const struct ipp_qm_offer def[] = {
		{.kind = IPP_QM_ESP, .esp_conf = IPP_CONF_3DES, .esp_auth = IPP_HASH_SHA1},
		{.kind = IPP_QM_ESP, .esp_conf = IPP_CONF_3DES, .esp_auth = IPP_HASH_MD5},
		{.kind = IPP_QM_ESP, .esp_conf = IPP_CONF_DES, .esp_auth = IPP_HASH_SHA1},
		{.kind = IPP_QM_ESP, .esp_conf = IPP_CONF_DES, .esp_auth = IPP_HASH_MD5},
	};
	size_t n = sizeof(def) / sizeof(def[0]);

	if (n > max)
		n = max;
	memcpy(ret, def, n * sizeof(*ret));
	return n;
}

/* ---------- rootca ---------- */

int ipp_rootca_parse(const char *s, struct ipp_auth *ret, struct ipp_error *err)
{
	struct ipp_auth a = {.kind = IPP_AUTH_ROOTCA};
	bool seen_certmap = false, seen_exclude = false;
	char later_certmap[32] = "", later_exclude[32] = "";
	char buf[IPP_ROOTCA_STRLEN];
	size_t n, o = 0;
	int r;

	if (!s)
		s = "";
	n = strlen(s);
	if (n >= sizeof(buf))
		return ipp_err(err, EINVAL, "rootca: value too long (%zu bytes of UTF-8)", n);
	memcpy(buf, s, n + 1);

	/* peel the options off the end: "... certmap:yes excludecaname:no" */
	for (;;) {
		char *word;
		bool *flag, *seen;
		const char *opt;
		char *later;

		while (n > 0 && isspace((unsigned char)buf[n - 1]))
			buf[--n] = '\0';
		word = buf + n;
		while (word > buf && !isspace((unsigned char)word[-1]))
			word--;
		if (strncasecmp(word, "certmap:", 8) == 0) {
			opt = "certmap";
			flag = &a.certmap;
			seen = &seen_certmap;
			later = later_certmap;
		} else if (strncasecmp(word, "excludecaname:", 14) == 0) {
			opt = "excludecaname";
			flag = &a.excludecaname;
			seen = &seen_exclude;
			later = later_exclude;
		} else {
			break;
		}
		/* (read from the end: the one seen first is the repetition) */
		if (*seen)
			return ipp_err(err, EINVAL, "rootca: \"%s\": %s given twice (first \"%s\")",
				       later, opt, word);
		*seen = true;
		snprintf(later, 32, "%.31s", word);
		r = ipp_bool_parse(opt, word + strlen(opt) + 1, flag, NULL);
		if (r < 0)
			return ipp_err(err, EINVAL, "rootca: \"%s\": expected %s:yes or %s:no", word,
				       opt, opt);
		n = (size_t)(word - buf);
		buf[n] = '\0';
	}
	/* an option misspelt or out of place would be taken for words of the CA name and
	   silently not applied: a word "name:yes|no" (no "=") or "cert..:"/"excl..:" is not
	   one (a name's words are "CN=..." and the like) */
	for (const char *w = buf; *w;) {
		size_t wl, nl;

		while (isspace((unsigned char)*w))
			w++;
		wl = strcspn(w, " \t\r\n");
		nl = strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
		if (wl && nl && nl < wl && w[nl] == ':' && !memchr(w, '=', wl)) {
			char val[16];
			bool b;

			snprintf(val, sizeof(val), "%.*s", (int)(wl - nl - 1), w + nl + 1);
			if (!strncasecmp(w, "cert", nl < 4 ? nl : 4) ||
			    !strncasecmp(w, "excl", nl < 4 ? nl : 4) ||
			    ipp_bool_parse("x", val, &b, NULL) == 0)
				return ipp_err(err, EINVAL,
					       "rootca: \"%.*s\": expected the CA name, then "
					       "certmap:yes|no and excludecaname:yes|no after it",
					       (int)wl, w);
		}
		w += wl;
	}
	/* the CA name: leading blanks dropped, \' is a double quote */
	{
		const char *p = buf;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return ipp_err(err, EINVAL,
				       "rootca: \"%s\": expected a CA name such as \"C=US,O=Example,"
				       "CN=Example Root\" before certmap:/excludecaname:",
				       s);
		for (; *p; p++) {
			if (o + 1 >= sizeof(a.value))
				return ipp_err(err, EINVAL,
					       "rootca: CA name too long, at most %d characters",
					       IPP_DESC_MAX - 1);
			if (p[0] == '\\' && p[1] == '\'') {
				a.value[o++] = '"';
				p++;
			} else {
				a.value[o++] = *p;
			}
		}
		a.value[o] = '\0';
	}
	*ret = a;
	return 0;
}

void ipp_rootca_format(const struct ipp_auth *a, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (const char *p = a->value; *p && p < a->value + sizeof(a->value) && o + 3 < len; p++) {
		if (*p == '"') {
			buf[o++] = '\\';
			buf[o++] = '\'';
		} else {
			buf[o++] = *p;
		}
	}
	buf[o] = '\0';
	snprintf(buf + o, len - o, " certmap:%s excludecaname:%s", a->certmap ? "yes" : "no",
		 a->excludecaname ? "yes" : "no");
}
