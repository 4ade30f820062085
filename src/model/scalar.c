/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scalar.c - strict parsers for the small values of netsh: integers,
 * yes/no, protocols, ports, actions, connection types.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model.h"

int ipp_parse_u32(const char *what, const char *s, uint32_t min, uint32_t max, uint32_t *ret,
		  struct ipp_error *err)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return ipp_err(err, EINVAL, "%s: empty value, expected a number from %u to %u",
			       what, min, max);
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return ipp_err(err, EINVAL,
				       "%s: \"%s\" is not a number, expected %u to %u", what, s,
				       min, max);
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			break;
	}
	if (v < min || v > max)
		return ipp_err(err, EINVAL, "%s: \"%s\" is out of range, expected %u to %u", what,
			       s, min, max);
	*ret = (uint32_t)v;
	return 0;
}

/* Case-insensitive: is @s a non-empty prefix of @word? */
static bool is_prefix_of(const char *s, const char *word)
{
	size_t n = strlen(s);

	return n > 0 && n <= strlen(word) && strncasecmp(s, word, n) == 0;
}

int ipp_bool_parse(const char *what, const char *s, bool *ret, struct ipp_error *err)
{
	if (s && is_prefix_of(s, "yes")) {
		*ret = true;
		return 0;
	}
	if (s && is_prefix_of(s, "no")) {
		*ret = false;
		return 0;
	}
	return ipp_err(err, EINVAL, "%s: \"%s\" is not valid, expected yes or no", what,
		       s ? s : "");
}

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{"ANY", IPP_PROTO_ANY}, {"ICMP", 1}, {"TCP", 6}, {"UDP", 17}, {"RAW", 255},
};

int ipp_proto_parse(const char *s, uint8_t *ret, struct ipp_error *err)
{
	uint32_t v;

	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (s && strcasecmp(s, proto_names[i].name) == 0) {
			*ret = proto_names[i].proto;
			return 0;
		}
	if (s && *s >= '0' && *s <= '9' && ipp_parse_u32("protocol", s, 0, 255, &v, NULL) == 0) {
		*ret = (uint8_t)v;
		return 0;
	}
	return ipp_err(err, EINVAL,
		       "protocol: \"%s\" is not valid, expected ANY, ICMP, TCP, UDP, RAW or a "
		       "number from 0 to 255",
		       s ? s : "");
}

void ipp_proto_format(uint8_t proto, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].proto == proto) {
			snprintf(buf, len, "%s", proto_names[i].name);
			return;
		}
	snprintf(buf, len, "%u", proto);
}

int ipp_port_parse(const char *s, uint16_t *ret, struct ipp_error *err)
{
	uint32_t v;
	int r;

	r = ipp_parse_u32("port", s, 0, 65535, &v, err);
	if (r < 0)
		return r;
	*ret = (uint16_t)v;
	return 0;
}

static const char *const action_names[] = {
	[IPP_ACTION_PERMIT] = "permit",
	[IPP_ACTION_BLOCK] = "block",
	[IPP_ACTION_NEGOTIATE] = "negotiate",
};

static const char *const conntype_names[] = {
	[IPP_CONN_ALL] = "all",
	[IPP_CONN_LAN] = "lan",
	[IPP_CONN_DIALUP] = "dialup",
};

static const char *const auth_names[] = {
	[IPP_AUTH_KERBEROS] = "kerberos",
	[IPP_AUTH_PSK] = "psk",
	[IPP_AUTH_ROOTCA] = "rootca",
};

const char *ipp_action_name(enum ipp_action a)
{
	if (a > IPP_ACTION_INVALID && a <= IPP_ACTION_NEGOTIATE)
		return action_names[a];
	return "invalid";
}

const char *ipp_conntype_name(enum ipp_conntype c)
{
	if (c > IPP_CONN_INVALID && c <= IPP_CONN_DIALUP)
		return conntype_names[c];
	return "invalid";
}

const char *ipp_auth_kind_name(enum ipp_auth_kind k)
{
	if (k > IPP_AUTH_INVALID && k <= IPP_AUTH_ROOTCA)
		return auth_names[k];
	return "invalid";
}

int ipp_action_parse(const char *s, enum ipp_action *ret, struct ipp_error *err)
{
	for (int i = IPP_ACTION_PERMIT; i <= IPP_ACTION_NEGOTIATE; i++)
		if (s && strcasecmp(s, action_names[i]) == 0) {
			*ret = (enum ipp_action)i;
			return 0;
		}
	return ipp_err(err, EINVAL, "action: \"%s\" is not valid, expected permit, block or negotiate",
		       s ? s : "");
}

int ipp_conntype_parse(const char *s, enum ipp_conntype *ret, struct ipp_error *err)
{
	for (int i = IPP_CONN_ALL; i <= IPP_CONN_DIALUP; i++)
		if (s && strcasecmp(s, conntype_names[i]) == 0) {
			*ret = (enum ipp_conntype)i;
			return 0;
		}
	return ipp_err(err, EINVAL, "conntype: \"%s\" is not valid, expected lan, dialup or all",
		       s ? s : "");
}
