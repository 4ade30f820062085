/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr.c - filter addresses: parsing, masks, formatting, containment and
 * the address part of the filter weight.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "model.h"

#define ADDR_EXPECTED                                                                              \
	"expected an IPv4 or IPv6 address, a range a-b, a DNS name, me, any, dns, wins, dhcp "    \
	"or gateway"

static const struct {
	const char *name;
	const char *shown;
	enum ipp_addr_kind kind;
} addr_keywords[] = {
	{"me", "me", IPP_ADDR_ME},
	{"any", "any", IPP_ADDR_ANY},
	{"dns", "DNS", IPP_ADDR_DNS},
	{"wins", "WINS", IPP_ADDR_WINS},
	{"dhcp", "DHCP", IPP_ADDR_DHCP},
	{"gateway", "GATEWAY", IPP_ADDR_GATEWAY},
};

bool ipp_addr_is_server(enum ipp_addr_kind k)
{
	return k == IPP_ADDR_DNS || k == IPP_ADDR_WINS || k == IPP_ADDR_DHCP ||
	       k == IPP_ADDR_GATEWAY;
}

void ipp_ip_mask(uint8_t ip[16], unsigned plen)
{
	unsigned full = plen / 8;

	if (full >= 16)
		return;
	ip[full] &= (uint8_t)(0xff << (8 - plen % 8));
	memset(ip + full + 1, 0, 15 - full);
}

bool ipp_addr_is_unspecified4(const struct ipp_addr *a)
{
	static const uint8_t zero[4];

	return a->kind == IPP_ADDR_IP && a->family == AF_INET && !memcmp(a->ip, zero, 4);
}

static size_t family_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static unsigned family_bits(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* A single IPv4 or IPv6 address; 0 or -EINVAL (no message). */
static int parse_ip(const char *s, struct ipp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->ip) == 1) {
		a->family = AF_INET;
		a->plen = 32;
	} else if (inet_pton(AF_INET6, s, a->ip) == 1) {
		a->family = AF_INET6;
		a->plen = 128;
	} else {
		return -EINVAL;
	}
	a->kind = IPP_ADDR_IP;
	return 0;
}

/*
 * RFC 1123 host name syntax: labels of letters, digits and hyphens, 1..63
 * characters, not starting or ending with a hyphen, at most 253 characters,
 * an optional final dot, and a last label that is not all digits (so that
 * "10.0.0.300" is a bad address, not a name).
 */
static bool looks_like_hostname(const char *s)
{
	size_t n = strlen(s), lablen = 0;
	bool alldigits = true;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';

		if (c == '.') {
			if (lablen == 0 || lablen > 63 || s[i - 1] == '-')
				return false;
			if (i == n && alldigits)
				return false;
			lablen = 0;
			alldigits = true;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
		if (c == '-' && lablen == 0)
			return false;
		if (c < '0' || c > '9')
			alldigits = false;
		lablen++;
	}
	return true;
}

static const uint8_t mapped_prefix[12] = {[10] = 0xff, [11] = 0xff};

const char *ipp_tunnel_endpoint_bad(const struct ipp_addr *a)
{
	const uint8_t *ip = a->ip;
	static const uint8_t zero[16];

	if (a->kind != IPP_ADDR_IP || !memcmp(ip, zero, sizeof(zero)))
		return NULL;
	if (a->family == AF_INET)
		return ip[0] >= 224 && ip[0] < 240 ? "a multicast address"
		       : ip[0] >= 240		   ? "a broadcast or reserved address"
		       : ip[0] == 0		   ? "an address of this network (0.0.0.0/8)"
						   : NULL;
	if (ip[0] == 0xff)
		return "a multicast address";
	if (ipp_ip_is_mapped(ip))
		return "an IPv4-mapped address";
	return NULL;
}

bool ipp_ip_is_mapped(const uint8_t ip[16])
{
	return !memcmp(ip, mapped_prefix, sizeof(mapped_prefix));
}

void ipp_ip_map(uint8_t ip[16])
{
	memmove(ip + 12, ip, 4);
	memcpy(ip, mapped_prefix, sizeof(mapped_prefix));
}

bool ipp_ip_is_unspecified(int family, const uint8_t ip[16])
{
	static const uint8_t zero[16];

	return !memcmp(ip, zero, family == AF_INET6 ? 16 : 4);
}

bool ipp_ip_is_loopback(int family, const uint8_t ip[16])
{
	static const uint8_t lo6[16] = {[15] = 1};

	return family == AF_INET6 ? !memcmp(ip, lo6, 16) : ip[0] == 127;
}

bool ipp_ip_is_group(int family, const uint8_t ip[16])
{
	if (family == AF_INET6)
		return ip[0] == 0xff;
	return (ip[0] & 0xf0) == 0xe0 || !memcmp(ip, "\xff\xff\xff\xff", 4);
}

/* Is @a an IPv4-mapped IPv6 address (::ffff:0:0/96), which no packet carries? */
static bool mapped4(const struct ipp_addr *a)
{
	return a->family == AF_INET6 && ipp_ip_is_mapped(a->ip);
}

bool ipp_ip_unmap(uint8_t ip[16])
{
	if (!ipp_ip_is_mapped(ip))
		return false;
	memmove(ip, ip + 12, 4);
	memset(ip + 4, 0, 12);
	return true;
}

static int refuse_mapped(const char *s, const struct ipp_addr *a, struct ipp_error *err)
{
	return ipp_err(err, EINVAL,
		       "\"%s\" is an IPv4-mapped IPv6 address, which no packet carries: give the "
		       "IPv4 address %u.%u.%u.%u",
		       s, a->ip[12], a->ip[13], a->ip[14], a->ip[15]);
}

int ipp_addr_parse(const char *s, struct ipp_addr *ret, struct ipp_error *err)
{
	struct ipp_addr a, b;
	struct in_addr legacy;
	char buf[INET6_ADDRSTRLEN * 2 + 2];
	const char *dash;

	if (!s || !*s)
		return ipp_err(err, EINVAL, "empty address, " ADDR_EXPECTED);
	/* keywords start with a letter; addresses mostly do not */
	for (size_t i = 0; isalpha((unsigned char)s[0]) &&
			   i < sizeof(addr_keywords) / sizeof(addr_keywords[0]);
	     i++)
		if (strcasecmp(s, addr_keywords[i].name) == 0) {
			memset(ret, 0, sizeof(*ret));
			ret->kind = addr_keywords[i].kind;
			return 0;
		}
	if (parse_ip(s, &a) == 0) {
		if (mapped4(&a))
			return refuse_mapped(s, &a, err);
		*ret = a;
		return 0;
	}
	if (inet_aton(s, &legacy))
		return ipp_err(
		    err, EINVAL,
		    "\"%s\" is not a valid address: write an IPv4 address as four decimal "
		    "numbers (such as 10.0.0.1)",
		    s);
	if (looks_like_hostname(s))
		return ipp_err(err, EAGAIN, "\"%s\" is a DNS name: it must be resolved", s);

	dash = strchr(s, '-');
	if (!dash || strlen(s) >= sizeof(buf))
		return ipp_err(err, EINVAL, "\"%s\" is not a valid address, " ADDR_EXPECTED, s);
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (parse_ip(buf, &a) < 0 && parse_ip(dash + 1, &b) < 0)
		return ipp_err(err, EINVAL, "\"%s\" is not a valid address, " ADDR_EXPECTED, s);
	if (parse_ip(buf, &a) < 0)
		return ipp_err(err, EINVAL,
			       "range \"%s\": \"%s\" is not an IPv4 or IPv6 address, expected "
			       "first-last",
			       s, buf);
	if (parse_ip(dash + 1, &b) < 0)
		return ipp_err(err, EINVAL,
			       "range \"%s\": \"%s\" is not an IPv4 or IPv6 address, expected "
			       "first-last",
			       s, dash + 1);
	if (mapped4(&a))
		return refuse_mapped(buf, &a, err);
	if (mapped4(&b))
		return refuse_mapped(dash + 1, &b, err);
	if (a.family != b.family)
		return ipp_err(err, EINVAL,
			       "range \"%s\": both ends must be of the same family (IPv4 or IPv6)",
			       s);
	if (memcmp(a.ip, b.ip, family_len(a.family)) > 0)
		return ipp_err(err, EINVAL,
			       "range \"%s\": the first address is above the last one", s);
	a.kind = IPP_ADDR_RANGE;
	a.plen = 0;
	memcpy(a.ip_end, b.ip, sizeof(a.ip_end));
	*ret = a;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Prefix length of a contiguous mask of @n bytes, or -1. */
static int mask_to_plen(const uint8_t *m, size_t n)
{
	int plen = 0;
	size_t i = 0;

	for (; i < n && m[i] == 0xff; i++)
		plen += 8;
	if (i < n) {
		uint8_t b = m[i];

		while (b & 0x80) {
			plen++;
			b = (uint8_t)(b << 1);
		}
		if (b)
			return -1;
		for (i++; i < n; i++)
			if (m[i])
				return -1;
	}
	return plen;
}

int ipp_mask_parse(const char *s, int family, uint8_t *ret_plen, struct ipp_error *err)
{
	uint8_t m[16];
	uint32_t v;
	int plen;

	if (family != AF_INET6)
		family = AF_INET;
	if (!s || !*s)
		return ipp_err(err, EINVAL, "empty mask, expected a dotted mask or a prefix length");
	if (strchr(s, '.') || strchr(s, ':')) {
		int f = strchr(s, ':') ? AF_INET6 : AF_INET;

		if (inet_pton(f, s, m) != 1)
			return ipp_err(err, EINVAL,
				       "\"%s\" is not a valid mask, expected a dotted mask such as "
				       "255.255.255.0 or a prefix length",
				       s);
		if (f != family)
			return ipp_err(err, EINVAL, "mask \"%s\" does not fit an %s address", s,
				       family == AF_INET ? "IPv4" : "IPv6");
		plen = mask_to_plen(m, family_len(f));
		if (plen < 0)
			return ipp_err(err, EINVAL,
				       "mask \"%s\" is not contiguous, expected leading one bits "
				       "only (such as %s)",
				       s,
				       f == AF_INET6 ? "ffff:ffff:ffff:ffff::" : "255.255.255.0");
		*ret_plen = (uint8_t)plen;
		return 0;
	}
	if (ipp_parse_u32("mask", s, 0, family_bits(family), &v, NULL) < 0)
		return ipp_err(err, EINVAL,
			       "\"%s\" is not a valid mask, expected a dotted mask or a prefix "
			       "length from 0 to %u",
			       s, family_bits(family));
	*ret_plen = (uint8_t)v;
	return 0;
}

int ipp_mask_parse_any(const char *s, uint8_t *ret_plen, int *ret_family, struct ipp_error *err)
{
	struct ipp_error e6;
	int r;

	if ((r = ipp_mask_parse(s, AF_INET, ret_plen, err)) == 0) {
		if (ret_family)
			*ret_family = AF_INET;
		return 0;
	}
	ipp_err_clear(&e6);
	if (ipp_mask_parse(s, AF_INET6, ret_plen, &e6) == 0) {
		ipp_err_clear(err);
		if (ret_family)
			*ret_family = AF_INET6;
		return 0;
	}
	if (s && strchr(s, ':'))
		*err = e6; /* an IPv6 mask: its own message */
	else if (s && *s && !strchr(s, '.'))
		ipp_err(err, EINVAL,
			"\"%s\" is not a valid mask, expected a dotted mask or a prefix length (0 "
			"to 32 for IPv4, 0 to 128 for IPv6)",
			s);
	return r;
}

int ipp_addr_set_mask(struct ipp_addr *a, uint8_t plen, struct ipp_error *err)
{
	if (a->kind != IPP_ADDR_IP)
		return 0;
	if (plen > family_bits(a->family))
		return ipp_err(err, EINVAL, "prefix length %u is too long for an %s address", plen,
			       a->family == AF_INET6 ? "IPv6" : "IPv4");
	if (a->family == AF_INET && plen == 0 && all_zero(a->ip, 4)) {
		/* 0.0.0.0 with mask 0.0.0.0 is Windows' "any" */
		memset(a, 0, sizeof(*a));
		a->kind = IPP_ADDR_ANY;
		return 0;
	}
	a->plen = plen;
	return 0;
}

static const char *keyword_shown(enum ipp_addr_kind k)
{
	for (size_t i = 0; i < sizeof(addr_keywords) / sizeof(addr_keywords[0]); i++)
		if (addr_keywords[i].kind == k)
			return addr_keywords[i].shown;
	return NULL;
}

void ipp_addr_format(const struct ipp_addr *a, char *buf, size_t len)
{
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];
	const char *kw;

	if (len == 0)
		return;
	kw = keyword_shown(a->kind);
	if (kw) {
		snprintf(buf, len, "%s", kw);
		return;
	}
	if ((a->kind != IPP_ADDR_IP && a->kind != IPP_ADDR_RANGE) ||
	    (a->family != AF_INET && a->family != AF_INET6)) {
		snprintf(buf, len, "invalid");
		return;
	}
	inet_ntop(a->family, a->ip, x, sizeof(x));
	if (a->kind == IPP_ADDR_IP) {
		snprintf(buf, len, "%s", x);
		return;
	}
	inet_ntop(a->family, a->ip_end, y, sizeof(y));
	snprintf(buf, len, "%s-%s", x, y);
}

void ipp_mask_format(const struct ipp_addr *a, char *buf, size_t len)
{
	uint8_t m[4] = {0};
	char x[INET_ADDRSTRLEN];
	unsigned plen;

	if (len == 0)
		return;
	switch (a->kind) {
	case IPP_ADDR_ANY:
		snprintf(buf, len, "0.0.0.0");
		return;
	case IPP_ADDR_IP:
		if (a->family == AF_INET6) {
			snprintf(buf, len, "/%u", a->plen);
			return;
		}
		plen = a->plen > 32 ? 32 : a->plen;
		for (unsigned i = 0; i < plen; i++)
			m[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		inet_ntop(AF_INET, m, x, sizeof(x));
		snprintf(buf, len, "%s", x);
		return;
	case IPP_ADDR_RANGE:
	case IPP_ADDR_INVALID:
		/* a range has no mask */
		buf[0] = '\0';
		return;
	default:
		/* me and the server types are host addresses */
		snprintf(buf, len, "255.255.255.255");
		return;
	}
}

void ipp_addr_format_cidr(const struct ipp_addr *a, char *buf, size_t len)
{
	char x[IPP_ADDR_STRLEN];

	ipp_addr_format(a, x, sizeof(x));
	if (a->kind == IPP_ADDR_IP && (a->family == AF_INET || a->family == AF_INET6))
		snprintf(buf, len, "%s/%u", x, a->plen);
	else
		snprintf(buf, len, "%s", x);
}

void ipp_addr_format_net(const struct ipp_addr *a, char *buf, size_t len)
{
	if (a->kind == IPP_ADDR_IP && a->plen == (a->family == AF_INET6 ? 128 : 32))
		ipp_addr_format(a, buf, len);
	else
		ipp_addr_format_cidr(a, buf, len);
}

/*
 * The common case of the stores, "a.b.c.d" or "a.b.c.d/n" written the way
 * ipp_addr_format() writes it (no leading zeros), without inet_pton() and
 * the general parser; false for anything else, which the general parser
 * then takes (and explains when wrong).
 */
static bool parse_cidr4_fast(const char *s, struct ipp_addr *ret)
{
	struct ipp_addr a = {.kind = IPP_ADDR_IP, .family = AF_INET, .plen = 32};
	unsigned i, n, v;

	for (i = 0; i < 4; i++) {
		for (n = 0, v = 0; n < 4 && s[n] >= '0' && s[n] <= '9'; n++)
			v = v * 10 + (unsigned)(s[n] - '0');
		if (n == 0 || n > 3 || v > 255 || (n > 1 && s[0] == '0'))
			return false;
		a.ip[i] = (uint8_t)v;
		s += n;
		if (i < 3 && *s++ != '.')
			return false;
	}
	if (*s == '/') {
		s++;
		for (n = 0, v = 0; n < 3 && s[n] >= '0' && s[n] <= '9'; n++)
			v = v * 10 + (unsigned)(s[n] - '0');
		if (n == 0 || n > 2 || v > 32 || (n > 1 && s[0] == '0'))
			return false;
		s += n;
		if (v == 0 && !a.ip[0] && !a.ip[1] && !a.ip[2] && !a.ip[3])
			return false; /* Windows' "any": the general path says so */
		a.plen = (uint8_t)v;
	}
	if (*s != '\0')
		return false;
	*ret = a;
	return true;
}

int ipp_addr_parse_cidr(const char *s, struct ipp_addr *ret, struct ipp_error *err)
{
	char buf[IPP_ADDR_STRLEN];
	const char *slash;
	struct ipp_addr a;
	uint8_t plen;
	size_t n;
	int r;

	if (!s)
		s = "";
	if (parse_cidr4_fast(s, ret))
		return 0;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(buf))
		return ipp_err(err, EINVAL, "\"%s\" is not a valid address", s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	r = ipp_addr_parse(buf, &a, err);
	if (r == -EAGAIN)
		return ipp_err(err, EINVAL, "\"%s\" is not an address (DNS names are not allowed here)",
			       s);
	if (r < 0)
		return r;
	if (slash) {
		if (a.kind != IPP_ADDR_IP)
			return ipp_err(err, EINVAL,
				       "\"%s\": a prefix length goes only with an IP address", s);
		if (!slash[1] || strchr(slash + 1, '.') || strchr(slash + 1, ':'))
			return ipp_err(err, EINVAL, "\"%s\": expected ADDRESS/PREFIXLENGTH", s);
		r = ipp_mask_parse(slash + 1, a.family, &plen, err);
		if (r < 0)
			return r;
		r = ipp_addr_set_mask(&a, plen, err);
		if (r < 0)
			return r;
	}
	*ret = a;
	return 0;
}

bool ipp_addr_same(const struct ipp_addr *a, const struct ipp_addr *b)
{
	size_t n;

	if (a->kind != b->kind)
		return false;
	if (a->kind != IPP_ADDR_IP && a->kind != IPP_ADDR_RANGE)
		return true;
	if (a->family != b->family)
		return false;
	n = family_len(a->family);
	if (memcmp(a->ip, b->ip, n) != 0)
		return false;
	if (a->kind == IPP_ADDR_IP)
		return a->plen == b->plen;
	return memcmp(a->ip_end, b->ip_end, n) == 0;
}

bool ipp_prefix_equal(const uint8_t *x, const uint8_t *y, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(x, y, full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		return (x[full] & m) == (y[full] & m);
	}
	return true;
}

bool ipp_addr_contains(const struct ipp_addr *a, int family, const uint8_t ip[16])
{
	size_t n;

	switch (a->kind) {
	case IPP_ADDR_ANY:
		return true;
	case IPP_ADDR_IP:
		if (a->family != family)
			return false;
		return ipp_prefix_equal(
		    a->ip, ip, a->plen > family_bits(family) ? family_bits(family) : a->plen);
	case IPP_ADDR_RANGE:
		if (a->family != family)
			return false;
		n = family_len(family);
		return memcmp(a->ip, ip, n) <= 0 && memcmp(ip, a->ip_end, n) <= 0;
	default:
		return false;
	}
}

/* Length of the common leading bits of @x and @y over @n bytes. */
static unsigned common_prefix(const uint8_t *x, const uint8_t *y, size_t n)
{
	unsigned len = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t d = x[i] ^ y[i];

		if (!d) {
			len += 8;
			continue;
		}
		while (!(d & 0x80)) {
			len++;
			d = (uint8_t)(d << 1);
		}
		break;
	}
	return len;
}

/* The prefix length a weight is of (me and servers: a host), or -1 for any. */
static int weight_plen(const struct ipp_addr *a)
{
	switch (a->kind) {
	case IPP_ADDR_ANY:
	case IPP_ADDR_INVALID:
		return -1;
	case IPP_ADDR_IP:
		return a->plen;
	case IPP_ADDR_RANGE:
		return (int)common_prefix(a->ip, a->ip_end, family_len(a->family));
	default:
		return -1;
	}
}

unsigned ipp_addr_weight_rest(const struct ipp_addr *a)
{
	int plen = weight_plen(a);

	return a->family == AF_INET6 && plen > 0 ? (unsigned)plen % 4 : 0;
}

unsigned ipp_addr_weight(const struct ipp_addr *a)
{
	unsigned plen;

	switch (a->kind) {
	case IPP_ADDR_ANY:
	case IPP_ADDR_INVALID:
		return 0;
	case IPP_ADDR_IP:
		plen = a->plen;
		break;
	case IPP_ADDR_RANGE:
		plen = common_prefix(a->ip, a->ip_end, family_len(a->family));
		break;
	default:
		/* me and server types expand to host addresses */
		return 32;
	}
	if (a->family == AF_INET6)
		return plen / 4;
	return plen > 32 ? 32 : plen;
}
