/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * static_filter.c - add/set/delete filterlist, add/delete filter.
 */
#include "static_cmds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "shell.h"

int ipp_st_add_filterlist(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			  struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_filterlist l;
	struct ipp_db *db;
	const char *v;
	int r;

	memset(&l, 0, sizeof(l));
	ipp_filterlist_init(&l);
	if ((r = ipp_st_copy_name(l.name, "name", ipp_args_get(a, "name"), err)) < 0)
		goto out;
	if ((v = ipp_args_get(a, "description")) &&
	    (r = ipp_st_copy(l.description, sizeof(l.description), "description", v, err)) < 0)
		goto out;
	if ((r = ipp_st_db(sh, &db, err)) < 0)
		goto out;
	r = ipp_db_filterlist_add(db, loc, &l, err);
	if (r == -EEXIST)
		r = ipp_err_ipsec(err, IPP_IPSEC_FILTERLIST_EXISTS,
				  ipp_err(err, EEXIST,
					  "a filter list named \"%s\" already exists in the %s",
					  l.name, ipp_st_store_text(loc)));
out:
	ipp_filterlist_clear(&l);
	return r;
}

int ipp_st_set_filterlist(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			  struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_filterlist l;
	struct ipp_db *db;
	const char *v;
	int r;

	memset(&l, 0, sizeof(l));
	if ((r = ipp_st_db(sh, &db, err)) < 0 ||
	    (r = ipp_st_find_filterlist(db, loc, ipp_args_get(a, "name"), ipp_args_get(a, "guid"),
					&l, err)) < 0)
		goto out;
	if ((v = ipp_args_get(a, "newname")) && (r = ipp_st_copy_name(l.name, "newname", v, err)) < 0)
		goto out;
	if ((v = ipp_args_get(a, "description")) &&
	    (r = ipp_st_copy(l.description, sizeof(l.description), "description", v, err)) < 0)
		goto out;
	r = ipp_db_filterlist_update(db, &l, err);
	if (r == -EEXIST)
		r = ipp_err_ipsec(
		    err, IPP_IPSEC_FILTERLIST_EXISTS,
		    ipp_err(err, EEXIST,
			    "newname: a filter list named \"%s\" already exists in the %s", l.name,
			    ipp_st_store_text(loc)));
out:
	ipp_filterlist_clear(&l);
	if (r >= 0)
		ipp_st_nothing_set(sh, a, out);
	return r;
}

int ipp_st_delete_filterlist(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			     struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_snapshot *s = NULL;
	struct ipp_filterlist l;
	struct ipp_db *db;
	int r;

	if ((r = ipp_st_db(sh, &db, err)) < 0)
		return r;
	if (ipp_st_all(a)) {
		if ((r = ipp_db_load(db, loc, &s, err)) < 0)
			return r;
		for (size_t i = 0; i < s->nfilterlists && r >= 0; i++)
			r = ipp_db_filterlist_delete(db, s->filterlists[i].id, err);
		ipp_snapshot_free(s);
		return r;
	}
	memset(&l, 0, sizeof(l));
	r = ipp_st_find_filterlist(db, loc, ipp_args_get(a, "name"), NULL, &l, err);
	if (r == -EUCLEAN)
		r = ipp_st_delete_damaged(sh, db, "filterlist", ipp_args_get(a, "name"),
					  ipp_db_filterlist_delete, out, err);
	else if (r >= 0)
		r = ipp_db_filterlist_delete(db, l.id, err);
	ipp_filterlist_clear(&l);
	return r;
}

/* ---------- filters ---------- */

/*
 * srcdnsname= (@tag) of add filter: the DNS name an address (@addr, of
 * @addrtag) was resolved from when the filter was first made, kept as is
 * (dump writes it, so that the filter made again is the one shown: the
 * address as it was, not the name resolved anew).  Only with an address.
 */
static int dns_name_given(const struct ipp_args *a, const char *tag, const char *addrtag,
			  const struct ipp_addr *addr, bool resolved, char **ret,
			  struct ipp_error *err)
{
	const char *v = ipp_args_get(a, tag);
	int r;

	if (!v)
		return 0;
	if ((r = ipp_st_dnsname_check(tag, v, addrtag, !resolved && addr->kind == IPP_ADDR_IP,
				      err)) < 0)
		return r;
	if (!(*ret = strdup(v)))
		return ipp_err(err, ENOMEM, "out of memory");
	return 0;
}

/* The selector of add/delete filter, with DNS names resolved. */
struct selector {
	const char *srcname, *dstname; /* as written */
	struct ipp_addr *src, *dst;    /* owned */
	size_t nsrc, ndst;
	bool srcdns, dstdns;           /* the address was a DNS name */
	const char *srcmask, *dstmask; /* as written, or NULL */
};

static void selector_clear(struct selector *s)
{
	free(s->src);
	free(s->dst);
	memset(s, 0, sizeof(*s));
}

static int selector_get(const struct ipp_args *a, struct selector *s, struct ipp_error *err)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->srcname = ipp_args_get(a, "srcaddr");
	s->dstname = ipp_args_get(a, "dstaddr");
	s->srcmask = ipp_args_get(a, "srcmask");
	s->dstmask = ipp_args_get(a, "dstmask");
	if ((r = ipp_st_resolve("srcaddr", s->srcname, &s->src, &s->nsrc, &s->srcdns, err)) < 0)
		return r;
	if ((r = ipp_st_resolve("dstaddr", s->dstname, &s->dst, &s->ndst, &s->dstdns, err)) < 0) {
		selector_clear(s);
		return r;
	}
	return 0;
}

/*
 * Apply a mask (as written, or NULL: a host) to an address; masks do not
 * apply to me, any, servers, ranges.  0.0.0.0 is Windows' encoding of this
 * host ("My IP Address") with the host mask, and of any address with mask
 * 0.0.0.0.
 */
static int apply_mask(struct ipp_addr *x, const char *tag, const char *mask, bool *narrowed,
		      struct ipp_error *err)
{
	uint8_t plen, given[sizeof(x->ip)];
	int r;

	if (x->kind == IPP_ADDR_RANGE && mask &&
	    (r = ipp_mask_parse(mask, x->family, &plen, err)) < 0) {
		/* ignored for a range, as in Windows, but it must be a mask */
		ipp_err_prefix(err, "%s", tag);
		return r;
	}
	if (x->kind != IPP_ADDR_IP)
		return 0;
	if (mask && ((r = ipp_mask_parse(mask, x->family ? x->family : AF_INET, &plen, err)) < 0 ||
		     (r = ipp_addr_set_mask(x, plen, err)) < 0)) {
		ipp_err_prefix(err, "%s", tag);
		return r;
	}
	if (ipp_addr_is_unspecified4(x) && x->plen == 32) {
		memset(x, 0, sizeof(*x));
		x->kind = IPP_ADDR_ME;
		return 0;
	}
	/* the network the mask makes of the address: bits outside it are not matched */
	memcpy(given, x->ip, sizeof(given));
	ipp_ip_mask(x->ip, x->plen);
	if (narrowed && memcmp(given, x->ip, sizeof(given)))
		*narrowed = true;
	return 0;
}

/*
 * The mask given with a DNS name (@dns), or with me or a server type (@x):
 * checked, and not applied (they stand for hosts: each resolved address is
 * a host filter, as Windows makes them); a note when it is not a host mask
 * (a script's "srcaddr=me srcmask=0" more likely meant any).
 */
static int host_mask(const struct ipp_shell *sh, const char *tag, const char *name, bool dns,
		     const struct ipp_addr *x, const char *mask, FILE *out, struct ipp_error *err)
{
	uint8_t plen;
	int fam, r;

	if (!mask || (!dns && (!x || (x->kind != IPP_ADDR_ME && !ipp_addr_is_server(x->kind)))))
		return 0;
	if ((r = ipp_mask_parse_any(mask, &plen, &fam, err)) < 0) {
		ipp_err_prefix(err, "%s", tag);
		return r;
	}
	if (plen == (fam == AF_INET6 ? 128 : 32))
		return 0;
	if (dns)
		ipp_shell_note(
		    sh, out, "note",
		    "%s=%s is not applied to the addresses of DNS name \"%s\": each is a "
		    "host filter",
		    tag, mask, name);
	else
		ipp_shell_note(
		    sh, out, "note", "%s=%s is not applied to %s: it stands for %s, each a host%s",
		    tag, mask, name,
		    x->kind == IPP_ADDR_ME ? "this host's addresses" : "this host's servers",
		    plen == 0 ? " (every address is any)" : "");
	return 0;
}

static bool families_clash(const struct ipp_addr *x, const struct ipp_addr *y)
{
	return x->family && y->family && x->family != y->family;
}

int ipp_st_add_filter(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		      struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	const char *lname = ipp_args_get(a, "filterlist");
	struct ipp_filterlist l;
	struct ipp_filter proto;
	struct selector s;
	struct ipp_db *db;
	const char *v;
	size_t added = 0, skipped = 0;
	bool snarrow = false, dnarrow = false;
	char snet[IPP_ADDR_STRLEN] = "", dnet[IPP_ADDR_STRLEN] = "";
	int r;

	memset(&l, 0, sizeof(l));
	memset(&proto, 0, sizeof(proto));
	memset(&s, 0, sizeof(s));
	ipp_filter_init(&proto);
	if ((v = ipp_args_get(a, "protocol")) && (r = ipp_proto_parse(v, &proto.protocol, err)) < 0) {
		ipp_err_prefix(err, "protocol");
		goto out;
	}
	if ((v = ipp_args_get(a, "srcport")) && (r = ipp_port_parse(v, &proto.srcport, err)) < 0) {
		ipp_err_prefix(err, "srcport");
		goto out;
	}
	if ((v = ipp_args_get(a, "dstport")) && (r = ipp_port_parse(v, &proto.dstport, err)) < 0) {
		ipp_err_prefix(err, "dstport");
		goto out;
	}
	if ((r = ipp_args_bool(a, "mirrored", &proto.mirrored, err)) < 0)
		goto out;
	if ((r = ipp_st_db(sh, &db, err)) < 0)
		goto out;
	if ((r = selector_get(a, &s, err)) < 0)
		goto out;
	if ((r = host_mask(sh, "srcmask", s.srcname, s.srcdns, s.nsrc ? &s.src[0] : NULL, s.srcmask,
			   out, err)) < 0 ||
	    (r = host_mask(sh, "dstmask", s.dstname, s.dstdns, s.ndst ? &s.dst[0] : NULL, s.dstmask,
			   out, err)) < 0)
		goto out;

	/* `add filter` creates the filter list when it does not exist */
	r = ipp_db_filterlist_find(db, loc, lname, NULL, &l, err);
	if (r == -ENOENT) {
		ipp_filterlist_init(&l);
		if ((r = ipp_st_copy_name(l.name, "filterlist", lname, err)) < 0 ||
		    (r = ipp_db_filterlist_add(db, loc, &l, err)) < 0)
			goto out;
	} else if (r < 0) {
		goto out;
	}

	for (size_t i = 0; i < s.nsrc; i++) {
		for (size_t j = 0; j < s.ndst; j++) {
			struct ipp_filter f;

			/* a DNS name's addresses pair with the other side's family only */
			if ((s.srcdns || s.dstdns) && families_clash(&s.src[i], &s.dst[j])) {
				skipped++;
				continue;
			}
			memset(&f, 0, sizeof(f));
			ipp_filter_init(&f);
			f.src = s.src[i];
			f.dst = s.dst[j];
			f.protocol = proto.protocol;
			f.srcport = proto.srcport;
			f.dstport = proto.dstport;
			f.mirrored = proto.mirrored;
			r = 0;
			if ((v = ipp_args_get(a, "description")) && !(f.description = strdup(v)))
				r = ipp_err(err, ENOMEM, "out of memory");
			if (r == 0 && s.srcdns && !(f.srcdns = strdup(s.srcname)))
				r = ipp_err(err, ENOMEM, "out of memory");
			if (r == 0 && s.dstdns && !(f.dstdns = strdup(s.dstname)))
				r = ipp_err(err, ENOMEM, "out of memory");
			if (r == 0)
				r = dns_name_given(a, "srcdnsname", "srcaddr", &s.src[i], s.srcdns,
						   &f.srcdns, err);
			if (r == 0)
				r = dns_name_given(a, "dstdnsname", "dstaddr", &s.dst[j], s.dstdns,
						   &f.dstdns, err);
			if (r == 0 && !s.srcdns)
				r = apply_mask(&f.src, "srcmask", s.srcmask, &snarrow, err);
			if (r == 0 && snarrow && !snet[0])
				ipp_addr_format_cidr(&f.src, snet, sizeof(snet));
			if (r == 0 && !s.dstdns)
				r = apply_mask(&f.dst, "dstmask", s.dstmask, &dnarrow, err);
			if (r == 0 && dnarrow && !dnet[0])
				ipp_addr_format_cidr(&f.dst, dnet, sizeof(dnet));
			if (r == 0)
				r = ipp_filter_validate(&f, err);
			if (r == 0) {
				r = ipp_db_filter_add(db, l.id, &f, err);
				if (r == -EEXIST) {
					char pr[16], sa[IPP_ADDR_STRLEN + 8],
					    da[IPP_ADDR_STRLEN + 8];

					ipp_proto_format(f.protocol, pr, sizeof(pr));
					ipp_addr_format_net(&f.src, sa, sizeof(sa));
					ipp_addr_format_net(&f.dst, da, sizeof(da));
					r = ipp_err(
					    err, EEXIST,
					    "an identical filter (srcaddr=%s%s%s%s "
					    "dstaddr=%s%s%s%s "
					    "protocol=%s srcport=%u dstport=%u) is already in "
					    "filter list \"%s\"",
					    s.srcdns ? s.srcname : "", s.srcdns ? " (" : "", sa,
					    s.srcdns ? ")" : "", s.dstdns ? s.dstname : "",
					    s.dstdns ? " (" : "", da, s.dstdns ? ")" : "", pr,
					    f.srcport, f.dstport, l.name);
				}
			}
			ipp_filter_clear(&f);
			if (r < 0)
				goto out;
			added++;
		}
	}
	if (added == 0)
		r = ipp_err(err, EINVAL,
			    "no address of \"%s\" has the address family of \"%s\" on the other side",
			    s.srcdns ? s.srcname : s.dstname, s.srcdns ? s.dstname : s.srcname);
	if (r >= 0 && added && skipped)
		ipp_shell_note(sh, out, "note",
			       "%zu address pair%s of \"%s\" and \"%s\" left out: of different "
			       "address families, they match nothing",
			       skipped, skipped == 1 ? "" : "s", s.srcname, s.dstname);
	for (int side = 0; side < 2 && r >= 0; side++)
		if (side ? dnet[0] : snet[0])
			ipp_shell_note(sh, out, "note",
				       "%s=%s has bits outside %s=%s: the filter is the network %s",
				       side ? "dstaddr" : "srcaddr", side ? s.dstname : s.srcname,
				       side ? "dstmask" : "srcmask", side ? s.dstmask : s.srcmask,
				       side ? dnet : snet);
out:
	selector_clear(&s);
	ipp_filter_clear(&proto);
	ipp_filterlist_clear(&l);
	return r;
}

/* Does configured address @x match what delete filter named (one of @v, or the DNS name)? */
static bool addr_matches(const struct ipp_addr *x, const char *xdns, const struct ipp_addr *v,
			 size_t n, bool dns, const char *name, const char *mask)
{
	if (dns && xdns && strcasecmp(xdns, name) == 0)
		goto mask;
	for (size_t i = 0; i < n; i++) {
		const struct ipp_addr *y = &v[i];

		if (x->kind != y->kind)
			continue;
		if (x->kind == IPP_ADDR_IP || x->kind == IPP_ADDR_RANGE) {
			if (x->family != y->family || memcmp(x->ip, y->ip, sizeof(x->ip)) != 0)
				continue;
			if (x->kind == IPP_ADDR_RANGE &&
			    memcmp(x->ip_end, y->ip_end, sizeof(x->ip_end)) != 0)
				continue;
		}
		goto mask;
	}
	return false;
mask:
	/* (the addresses of a DNS name are hosts: its mask is not theirs) */
	if (mask && !dns && x->kind == IPP_ADDR_IP) {
		struct ipp_error e;
		uint8_t plen;

		ipp_err_clear(&e);
		if (ipp_mask_parse(mask, x->family, &plen, &e) < 0)
			return false;
		return plen == x->plen;
	}
	return true;
}

/*
 * The text bounds (as the store writes addresses) of the configured filters a
 * side of delete filter can match: the address as written, or without a
 * mask an IP address with any prefix length ("10.0.0.0/" to "10.0.0.0/~").
 */
static void side_bounds(const struct ipp_addr *x, bool masked, char lo[IPP_ADDR_STRLEN + 1],
			char hi[IPP_ADDR_STRLEN + 1])
{
	char *slash;

	ipp_addr_format_cidr(x, lo, IPP_ADDR_STRLEN);
	if (x->kind == IPP_ADDR_IP && !masked && (slash = strchr(lo, '/'))) {
		slash[1] = '\0';
		snprintf(hi, IPP_ADDR_STRLEN + 1, "%s~", lo);
		return;
	}
	memcpy(hi, lo, IPP_ADDR_STRLEN + 1);
}

int ipp_st_delete_filter(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			 struct ipp_error *err)
{
	enum ipp_store_loc loc = ipp_shell_store(sh);
	struct ipp_filterlist l;
	struct selector s;
	struct ipp_db *db;
	uint8_t protocol = 0;
	uint16_t srcport = 0, dstport = 0;
	bool mirrored = false;
	const char *v;
	size_t deleted = 0;
	int r;

	memset(&l, 0, sizeof(l));
	memset(&s, 0, sizeof(s));
	if ((v = ipp_args_get(a, "protocol")) && (r = ipp_proto_parse(v, &protocol, err)) < 0)
		return r;
	if ((v = ipp_args_get(a, "srcport")) && (r = ipp_port_parse(v, &srcport, err)) < 0)
		return r;
	if ((v = ipp_args_get(a, "dstport")) && (r = ipp_port_parse(v, &dstport, err)) < 0)
		return r;
	if ((r = ipp_args_bool(a, "mirrored", &mirrored, err)) < 0)
		return r;
	if ((r = ipp_st_db(sh, &db, err)) < 0 ||
	    (r = ipp_st_find_filterlist(db, loc, ipp_args_get(a, "filterlist"), NULL, &l, err)) <
		0 ||
	    (r = selector_get(a, &s, err)) < 0 ||
	    /* (a mask with me, a server type or a DNS name: not matched, said as add filter
	     * says it) */
	    (r = host_mask(sh, "srcmask", s.srcname, s.srcdns, s.nsrc ? &s.src[0] : NULL, s.srcmask,
			   out, err)) < 0 ||
	    (r = host_mask(sh, "dstmask", s.dstname, s.dstdns, s.ndst ? &s.dst[0] : NULL, s.dstmask,
			   out, err)) < 0)
		goto out;
	/* addresses as add filter stores them: 0.0.0.0 this host or any address, an
	 * address and its mask the network they make */
	for (size_t i = 0; i < s.nsrc && !s.srcdns; i++)
		if (s.src[i].kind == IPP_ADDR_IP &&
		    (r = apply_mask(&s.src[i], "srcmask", s.srcmask, NULL, err)) < 0)
			goto out;
	for (size_t i = 0; i < s.ndst && !s.dstdns; i++)
		if (s.dst[i].kind == IPP_ADDR_IP &&
		    (r = apply_mask(&s.dst[i], "dstmask", s.dstmask, NULL, err)) < 0)
			goto out;
	/*
	 * One address each side: only the filters of those addresses are read (by
	 * the list's index: a list of many filters is not read whole for each
	 * delete); then matched below as any.
	 */
	if (!s.srcdns && !s.dstdns && s.nsrc == 1 && s.ndst == 1) {
		char slo[IPP_ADDR_STRLEN + 1], shi[IPP_ADDR_STRLEN + 1], dlo[IPP_ADDR_STRLEN + 1],
		    dhi[IPP_ADDR_STRLEN + 1];
		struct ipp_filter_range range = {slo, shi, dlo, dhi};

		side_bounds(&s.src[0], s.srcmask != NULL, slo, shi);
		side_bounds(&s.dst[0], s.dstmask != NULL, dlo, dhi);
		r = ipp_db_filter_select(db, l.id, &range, &l.filters, &l.nfilters, err);
	} else {
		r = ipp_db_filter_list(db, l.id, &l.filters, &l.nfilters, err);
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; i < l.nfilters; i++) {
		const struct ipp_filter *f = &l.filters[i];

		if (!addr_matches(&f->src, f->srcdns, s.src, s.nsrc, s.srcdns, s.srcname, s.srcmask) ||
		    !addr_matches(&f->dst, f->dstdns, s.dst, s.ndst, s.dstdns, s.dstname, s.dstmask))
			continue;
		if (ipp_args_has(a, "protocol") && f->protocol != protocol)
			continue;
		if (ipp_args_has(a, "srcport") && f->srcport != srcport)
			continue;
		if (ipp_args_has(a, "dstport") && f->dstport != dstport)
			continue;
		if (ipp_args_has(a, "mirrored") && f->mirrored != mirrored)
			continue;
		if ((r = ipp_db_filter_delete(db, f->id, err)) < 0)
			goto out;
		deleted++;
	}
	if (deleted == 0)
		r = ipp_err(err, ENOENT, "no filter of filter list \"%s\" matches srcaddr=%s dstaddr=%s%s",
			    l.name, s.srcname, s.dstname,
			    ipp_args_has(a, "protocol") || ipp_args_has(a, "srcport") ||
					    ipp_args_has(a, "dstport") || ipp_args_has(a, "mirrored") ||
					    s.srcmask || s.dstmask
				    ? " and the other criteria given"
				    : "");
out:
	selector_clear(&s);
	ipp_filterlist_clear(&l);
	return r;
}
