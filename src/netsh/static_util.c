/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * static_util.c - helpers shared by the `ipsec static` handlers.
 */
#include "static_cmds.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "../common/utf8.h"
#include "shell.h"

int ipp_st_db(struct ipp_shell *sh, struct ipp_db **ret, struct ipp_error *err)
{
	return ipp_shell_db(sh, true, ret, err);
}

int ipp_st_copy(char *dst, size_t size, const char *tag, const char *value,
		struct ipp_error *err)
{
	size_t n = strlen(value);
	int r;

	if ((r = ipp_value_utf8_check(tag, value, err)) < 0)
		return r;
	if (n >= size)
		return ipp_err(err, EINVAL, "%s is too long (%zu bytes of UTF-8, at most %zu)", tag,
			       n, size - 1);
	memcpy(dst, value, n + 1);
	return 0;
}

int ipp_st_copy_name(char *dst, const char *what, const char *value, struct ipp_error *err)
{
	int r;

	/* (UTF-8 first: the length counts its characters) */
	if ((value && (r = ipp_value_utf8_check(what, value, err)) < 0) ||
	    (r = ipp_name_validate(what, value, err)) < 0)
		return r;
	return ipp_st_copy(dst, IPP_NAME_MAX, what, value, err);
}

const char *ipp_st_store_text(enum ipp_store_loc loc)
{
	switch (loc) {
	case IPP_STORE_LOCAL:
		return "local store";
	case IPP_STORE_PERSISTENT:
		return "persistent store";
	case IPP_STORE_DOMAIN:
		return "domain store";
	case IPP_STORE_INVALID:
		break;
	}
	return "store";
}

/* Normalise a guid= value (already checked by the table). */
static const char *norm_guid(const char *guid, char buf[IPP_GUID_STRLEN])
{
	if (!guid)
		return NULL;
	if (!ipp_guid_parse(guid, buf))
		return guid;
	return buf;
}

#define FIND_FN(fn, type, dbfn, what)                                                          \
	int fn(struct ipp_db *db, enum ipp_store_loc loc, const char *name, const char *guid,    \
	       type *ret, struct ipp_error *err)                                                 \
	{                                                                                        \
		char g[IPP_GUID_STRLEN];                                                         \
		int r = dbfn(db, loc, name, name ? NULL : norm_guid(guid, g), ret, err);         \
                                                                                                 \
		if (r == -ENOENT) {                                                              \
			if (name)                                                                \
				return ipp_err(err, ENOENT, "no " what " named \"%s\" in the %s", \
					       name, ipp_st_store_text(loc));                    \
			return ipp_err(err, ENOENT, "no " what " with GUID %s in the %s",         \
				       guid ? guid : "", ipp_st_store_text(loc));                \
		}                                                                                \
		return r;                                                                        \
	}

FIND_FN(ipp_st_find_policy, struct ipp_policy, ipp_db_policy_find, "policy")
FIND_FN(ipp_st_find_filterlist, struct ipp_filterlist, ipp_db_filterlist_find, "filter list")
FIND_FN(ipp_st_find_filteraction, struct ipp_filteraction, ipp_db_filteraction_find,
	"filter action")

static int addr_push(struct ipp_addr **v, size_t *n, const struct ipp_addr *a)
{
	struct ipp_addr *nv;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].family == a->family && memcmp((*v)[i].ip, a->ip, sizeof(a->ip)) == 0)
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = *a;
	*v = nv;
	return 0;
}

int ipp_st_resolve(const char *tag, const char *value, struct ipp_addr **ret, size_t *ret_n,
		   bool *ret_dns, struct ipp_error *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	struct ipp_addr a, *v = NULL;
	struct ipp_error e;
	size_t n = 0;
	int r;

	ipp_err_clear(&e);
	r = ipp_addr_parse(value, &a, &e);
	if (r == 0) {
		v = malloc(sizeof(*v));
		if (!v)
			return ipp_err(err, ENOMEM, "out of memory");
		*v = a;
		*ret = v;
		*ret_n = 1;
		*ret_dns = false;
		return 0;
	}
	if (r != -EAGAIN)
		return ipp_err(err, EINVAL, "%s: %s", tag, e.msg);

	r = getaddrinfo(value, NULL, &hints, &res);
	if (r != 0)
		return ipp_err(err, EHOSTUNREACH, "%s: the DNS name \"%s\" does not resolve: %s", tag,
			       value, r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		char host[NI_MAXHOST];

		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0,
				NI_NUMERICHOST) != 0)
			continue;
		ipp_err_clear(&e);
		if (ipp_addr_parse(host, &a, &e) < 0 || a.kind != IPP_ADDR_IP)
			continue;
		if (!memcmp(a.ip, (const uint8_t[16]){0}, 16)) {
			/* a name blocked by the hosts file or resolver: no host has that address,
			 * and 0.0.0.0 with a host mask means "me" */
			freeaddrinfo(res);
			free(v);
			return ipp_err(
			    err, EINVAL,
			    "%s: the DNS name \"%s\" resolves to %s, which is no host's "
			    "address (0.0.0.0 with a host mask is \"me\"): give the address "
			    "or \"me\"",
			    tag, value, host);
		}
		if (addr_push(&v, &n, &a) < 0) {
			freeaddrinfo(res);
			free(v);
			return ipp_err(err, ENOMEM, "out of memory");
		}
	}
	freeaddrinfo(res);
	if (n == 0) {
		free(v);
		return ipp_err(err, EHOSTUNREACH, "%s: the DNS name \"%s\" has no IP address", tag,
			       value);
	}
	*ret = v;
	*ret_n = n;
	*ret_dns = true;
	return 0;
}

int ipp_st_auth_list(const struct ipp_args *a, struct ipp_auth *ret, size_t *ret_n,
		     bool *ret_given, struct ipp_error *err)
{
	size_t n = 0;
	int r;

	*ret_given = false;
	for (size_t i = 0; i < a->n; i++) {
		const struct ipp_arg *x = &a->v[i];
		bool kerberos = strcmp(x->tag, "kerberos") == 0;
		bool psk = strcmp(x->tag, "psk") == 0;
		bool rootca = strcmp(x->tag, "rootca") == 0;

		if (!kerberos && !psk && !rootca)
			continue;
		*ret_given = true;
		if (kerberos && strcmp(x->value, "yes") != 0)
			continue;
		if (n >= IPP_MAX_AUTH)
			return ipp_err(err, EINVAL, "too many authentication methods (at most %d)",
				       IPP_MAX_AUTH);
		memset(&ret[n], 0, sizeof(ret[n]));
		if (kerberos) {
			ret[n].kind = IPP_AUTH_KERBEROS;
		} else if (psk) {
			if (!*x->value)
				return ipp_err(err, EINVAL, "psk: the pre-shared key is empty");
			ret[n].kind = IPP_AUTH_PSK;
			if ((r = ipp_st_copy(ret[n].value, sizeof(ret[n].value), "psk", x->value,
					     err)) < 0)
				return r;
		} else {
			if ((r = ipp_rootca_parse(x->value, &ret[n], err)) < 0) {
				ipp_err_prefix(err, "rootca");
				return r;
			}
			ret[n].kind = IPP_AUTH_ROOTCA;
		}
		n++;
	}
	if (*ret_given && n == 0)
		return ipp_err(err, EINVAL,
			       "kerberos=no leaves no authentication method: give psk= or rootca=");
	*ret_n = n;
	return 0;
}

int ipp_st_tunnel(const char *value, struct ipp_rule *r, struct ipp_error *err)
{
	struct ipp_addr *v = NULL;
	size_t n = 0;
	bool dns = false;
	int rc;

	if (strcasecmp(value, "none") == 0) {
		r->has_tunnel = false;
		memset(&r->tunnel, 0, sizeof(r->tunnel));
		r->tunneldns[0] = '\0';
		return 0;
	}
	if ((rc = ipp_st_resolve("tunnel", value, &v, &n, &dns, err)) < 0)
		return rc;
	if (v[0].kind != IPP_ADDR_IP) {
		free(v);
		return ipp_err(err, EINVAL,
			       "tunnel: invalid endpoint \"%s\": expected an IP address or a DNS name",
			       value);
	}
	if (!dns) {
		static const uint8_t zero[16];

		if (memcmp(v[0].ip, zero, sizeof(zero)) == 0) {
			/* tunnel=0.0.0.0: transport mode, as netsh */
			free(v);
			r->has_tunnel = false;
			memset(&r->tunnel, 0, sizeof(r->tunnel));
			r->tunneldns[0] = '\0';
			return 0;
		}
	}
	{
		/* the far end of a tunnel is one host */
		const char *why = ipp_tunnel_endpoint_bad(&v[0]);

		if (why) {
			char a[IPP_ADDR_STRLEN];

			ipp_addr_format(&v[0], a, sizeof(a));
			free(v);
			return ipp_err(err, EINVAL,
				       "tunnel: invalid endpoint \"%s\"%s%s%s: %s, not the address "
				       "of a tunnel's far end",
				       value, dns ? " (" : "", dns ? a : "", dns ? ")" : "", why);
		}
	}
	r->has_tunnel = true;
	r->tunnel = v[0];
	free(v);
	if (dns)
		return ipp_st_copy(r->tunneldns, sizeof(r->tunneldns), "tunnel", value, err);
	r->tunneldns[0] = '\0';
	return 0;
}

int ipp_st_load_list(struct ipp_db *db, enum ipp_store_loc loc, const char *name,
		     struct ipp_filterlist *ret, struct ipp_error *err)
{
	struct ipp_filterlist l;
	int r;

	memset(&l, 0, sizeof(l));
	if ((r = ipp_st_find_filterlist(db, loc, name, NULL, &l, err)) < 0)
		return r;
	if ((r = ipp_db_filter_list(db, l.id, &l.filters, &l.nfilters, err)) < 0) {
		ipp_filterlist_clear(&l);
		return r;
	}
	*ret = l;
	return 0;
}

bool ipp_st_all(const struct ipp_args *a)
{
	const char *name = ipp_args_get(a, "name");

	return ipp_args_has(a, "all") || (name && ipp_utf8_casecmp(name, "all") == 0);
}

void ipp_st_nothing_set(struct ipp_shell *sh, const struct ipp_args *a, FILE *out)
{
	static const char *const names[] = {"name", "guid", "id", "policy"};

	for (size_t i = 0; i < a->n; i++) {
		size_t k = 0;

		while (k < sizeof(names) / sizeof(names[0]) && strcmp(a->v[i].tag, names[k]))
			k++;
		if (k == sizeof(names) / sizeof(names[0]))
			return;
	}
	{
		const char *what = a->cmd + 4;

		what = !strcmp(what, "filterlist")     ? "filter list"
		       : !strcmp(what, "filteraction") ? "filter action"
		       : !strcmp(what, "defaultrule")  ? "default response rule"
						       : what;
		ipp_shell_note(sh, out, "note",
			       "%s: nothing to change was given: the %s is as it was", a->cmd,
			       what);
	}
}

int ipp_st_dnsname_check(const char *tag, const char *v, const char *addrtag, bool with_address,
			 struct ipp_error *err)
{
	if (!with_address)
		return ipp_err(err, EINVAL,
			       "%s: only with an address as %s (the name it was resolved from)",
			       tag, addrtag);
	if (!*v)
		return ipp_err(err, EINVAL, "%s: empty, expected a DNS name", tag);
	return ipp_dnsname_validate(tag, v, err);
}

int ipp_st_delete_damaged(struct ipp_shell *sh, struct ipp_db *db, const char *table,
			  const char *name,
			  int (*del)(struct ipp_db *, int64_t, struct ipp_error *), FILE *out,
			  struct ipp_error *err)
{
	const char *kind = !strcmp(table, "policy")	  ? "policy"
			   : !strcmp(table, "filterlist") ? "filter list"
							  : "filter action";
	int64_t id;
	int r;

	if (!name)
		return -EUCLEAN; /* (the error said already stands) */
	if ((r = ipp_db_find_damaged(db, table, ipp_shell_store(sh), name, &id, err)) < 0 ||
	    (r = del(db, id, err)) < 0)
		return r;
	ipp_shell_note(sh, out, "note",
		       "the %s \"%s\" had a damaged row (a NUL byte inside a value): deleted", kind,
		       name);
	return 0;
}
