/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic_kernel.c - what is in force, read from the kernel.
 *
 * The table inet ipsecpol says its mode in its comment ("ipsecpol
 * mode=secure").  In secure mode the elements of its maps are the specific
 * filters of the effective policy: the stores are compiled again exactly as
 * ipsecpold compiles them, and the kernel's element counters are mapped back
 * to rule and filter through that compiled form.  An element the kernel does
 * not hold (the stores changed after the policy was applied) is left out.
 */
#include "dynamic_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../classify/classify.h"
#include "../common/driverconf.h"
#include "../driver/nlrules.h"
#include "shell.h"

const char ipp_dyn_no_table[] =
    "no IPsec policy is in force (the table " IPP_NFT_FAMILY " " IPP_NFT_TABLE " does not exist)";

/* The mode of the table in force: its comment says it. */
static int read_mode(enum ipp_mode *ret, enum ipp_mode *ret_rest, struct ipp_error *err)
{
	int r = ipp_driver_table_mode(ret, ret_rest);

	if (r < 0)
		return ipp_err(err, -r, "cannot read the table %s %s: %s", IPP_NFT_FAMILY,
			       IPP_NFT_TABLE, strerror(-r));
	return 0;
}

/* Errors of the kernel's listings, in the user's terms. */
static int kernel_error(int r, struct ipp_error *err)
{
	if (r == -EPERM || (err && strstr(err->msg, "Operation not permitted"))) {
		ipp_err_prefix(err, "cannot read the kernel's ruleset");
		if (err) {
			size_t len = strlen(err->msg);

			snprintf(err->msg + len, sizeof(err->msg) - len,
				 " (reading table %s %s needs CAP_NET_ADMIN: run as root)",
				 IPP_NFT_FAMILY, IPP_NFT_TABLE);
			err->code = EPERM;
		}
		return -EPERM;
	}
	ipp_err_prefix(err, "cannot read the kernel's ruleset");
	return r;
}

size_t ipp_dyn_spec_slot(size_t sf, const struct ipp_ctier *t)
{
	return 2 * sf + (t->shape.proto == IPPROTO_ICMPV6);
}

/* The specific filters of an effective policy by configured filter and image. */
struct sfkey {
	uint32_t rule, filter;
	bool reversed;
	size_t sf;
};

static int sfkey_cmp(const void *x, const void *y)
{
	const struct sfkey *a = x, *b = y;

	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	if (a->filter != b->filter)
		return a->filter < b->filter ? -1 : 1;
	if (a->reversed != b->reversed)
		return a->reversed ? 1 : -1;
	return a->sf < b->sf ? -1 : a->sf > b->sf;
}

/* Does side @a of a specific filter hold the key field (@kind, @plen, @ip) of @family? */
static bool side_holds(const struct ipp_addr *a, uint8_t kind, uint8_t plen, int family,
		       const uint8_t ip[16])
{
	if (kind != IPP_ADDR_IP || plen == 0)
		return true; /* any, me: nothing in the key to tell specific filters apart */
	if (a->kind != IPP_ADDR_IP && a->kind != IPP_ADDR_RANGE)
		return true;
	return !(a->kind == IPP_ADDR_IP && a->plen > plen) && ipp_addr_contains(a, family, ip);
}

/* The specific filter element @e of tier @t was compiled from (@k: sorted keys), or SIZE_MAX. */
/* The first of @k (sorted) of (@rule, @filter, @reversed), or where it would be. */
static size_t sfkey_first(const struct sfkey *k, size_t n, uint32_t rule, uint32_t filter,
			  bool reversed)
{
	struct sfkey want = {rule, filter, reversed, 0};
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sfkey_cmp(&k[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t elem_sf(const struct ipp_effective *eff, const struct sfkey *k, size_t n,
		      const struct ipp_ctier *t, const struct ipp_celem *e)
{
	size_t lo = sfkey_first(k, n, e->rule, e->filter, e->reversed);

	for (; lo < n && k[lo].rule == e->rule && k[lo].filter == e->filter &&
	       k[lo].reversed == e->reversed;
	     lo++) {
		const struct ipp_sfilter *f = &eff->sf[k[lo].sf];

		/* a rule of two actions has a specific filter per direction: the one of the
		 * hooks the map is walked on */
		if ((f->dir == IPP_SF_IN && !(t->hooks & IPP_CHOOK_IN)) ||
		    (f->dir == IPP_SF_OUT && !(t->hooks & IPP_CHOOK_OUT)))
			continue;
		if (side_holds(&f->src, t->shape.src_kind, t->shape.src_plen, t->shape.family,
			       e->key.src) &&
		    side_holds(&f->dst, t->shape.dst_kind, t->shape.dst_plen, t->shape.family,
			       e->key.dst))
			return k[lo].sf;
	}
	return SIZE_MAX;
}

/*
 * The specific filter that element @e of tier @t stands for, given the one
 * elem_sf() found (@sf): an element of ICMPv6 stands for the ICMPv6 image of
 * a filter of protocol ICMP for both families, which is a specific filter of
 * its own (elem_sf() gives the ICMP one, and the slot tells them apart).
 */
static size_t placed_sf(const struct ipp_effective *eff, const struct sfkey *k, size_t n,
			const struct ipp_ctier *t, size_t sf)
{
	const struct ipp_sfilter *f = &eff->sf[sf];

	if (t->shape.proto != IPPROTO_ICMPV6 || f->protocol != IPPROTO_ICMP)
		return sf;
	for (size_t i = sfkey_first(k, n, f->rule, f->filter, f->reversed);
	     i < n && k[i].rule == f->rule && k[i].filter == f->filter &&
	     k[i].reversed == f->reversed;
	     i++) {
		const struct ipp_sfilter *g = &eff->sf[k[i].sf];

		if (g->protocol == IPPROTO_ICMPV6 && !memcmp(&g->src, &f->src, sizeof(g->src)) &&
		    !memcmp(&g->dst, &f->dst, sizeof(g->dst)))
			return k[i].sf;
	}
	return sf;
}

/*
 * Which specific filter each counter is for, and how many specific filters
 * are in force and compiled.  -ENOMEM.
 */
static int specific_filters(struct ipp_dyn_state *st)
{
	const struct ipp_effective *eff = st->res.eff;
	const struct ipp_compiled *c = st->res.compiled;
	struct sfkey *k = calloc(eff->nsf + 1, sizeof(*k));
	bool *seen = calloc(2 * eff->nsf + 1, sizeof(*seen)); /* by ipp_dyn_spec_slot() */
	size_t i, j, sf;
	int r = 0;

	st->csf = calloc(st->ncnt + 1, sizeof(*st->csf));
	st->sf_placed = calloc(eff->nsf + 1, sizeof(*st->sf_placed));
	if (!k || !seen || !st->csf || !st->sf_placed) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < eff->nsf; i++)
		k[i] = (struct sfkey){eff->sf[i].rule, eff->sf[i].filter, eff->sf[i].reversed, i};
	qsort(k, eff->nsf, sizeof(*k), sfkey_cmp);
	for (i = 0; i < c->ntiers; i++)
		for (j = 0; j < c->tiers[i].nelems; j++) {
			sf = elem_sf(eff, k, eff->nsf, &c->tiers[i], &c->tiers[i].elems[j]);
			if (sf != SIZE_MAX)
				st->sf_placed[placed_sf(eff, k, eff->nsf, &c->tiers[i], sf)] = true;
			if (sf != SIZE_MAX && !seen[ipp_dyn_spec_slot(sf, &c->tiers[i])]) {
				seen[ipp_dyn_spec_slot(sf, &c->tiers[i])] = true;
				st->nsf_expected++;
			}
		}
	for (i = 0; i < eff->nsf; i++)
		st->nsf_shadowed += !st->sf_placed[i];
	memset(seen, 0, (2 * eff->nsf + 1) * sizeof(*seen));
	for (i = 0; i < st->ncnt; i++) {
		st->csf[i] = elem_sf(eff, k, eff->nsf, st->cnt[i].tier, st->cnt[i].elem);
		if (st->csf[i] != SIZE_MAX &&
		    !seen[ipp_dyn_spec_slot(st->csf[i], st->cnt[i].tier)]) {
			seen[ipp_dyn_spec_slot(st->csf[i], st->cnt[i].tier)] = true;
			st->nsf_in_force++;
		}
	}
out:
	free(k);
	free(seen);
	return r;
}

int ipp_dyn_state_read(struct ipp_shell *sh, struct ipp_dyn_state *ret, struct ipp_error *err)
{
	static const enum ipp_store_loc locs[3] = {IPP_STORE_PERSISTENT, IPP_STORE_DOMAIN,
						   IPP_STORE_LOCAL};
	const struct ipp_paths *paths = ipp_shell_paths(sh);
	struct ipp_driver *d = NULL;
	struct ipp_driverconf conf;
	struct ipp_hostenv env;
	struct ipp_copts o;
	size_t i;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->mode = IPP_MODE_PERMIT;
	if ((r = ipp_driver_open(&d, err)) < 0)
		return r;
	if ((r = ipp_driver_table_exists(d, &ret->table, err)) < 0) {
		r = kernel_error(r, err);
		goto out;
	}
	if (!ret->table)
		goto out;
	if ((r = read_mode(&ret->mode, &ret->rest, err)) < 0) {
		r = kernel_error(r, err);
		goto out;
	}
	if (ret->mode != IPP_MODE_SECURE)
		goto out;
	/* The compile options of ipsecpold: the defaults and DiagnosticMode. */
	ipp_copts_init(&o);
	if (ipp_driverconf_load(paths, &conf, NULL) == 0) {
		ipp_copts_from_conf(&o, &conf);
		/* the persistent policy alone, as the agent put it in force */
		ipp_copts_rest(&o, ret->rest, &conf);
	} else {
		o.rest = ret->rest;
	}
	/* the agent's dynamic rules are in force with the stores' policies */
	if ((r = ipp_dyn_fetch(sh, &ret->dyn, err)) < 0)
		goto out;
	o.dynamic = &ret->dyn;
	/* the host's servers as the agent has them, else as it would read them */
	if ((r = ipp_classify_hostenv(paths, &env, err)) < 0 ||
	    (r = ipp_apply_compute(paths, &env, &o, &ret->res, err)) < 0) {
		if (!o.rest)
			ipp_dyn_kept_error(sh, err);
		ipp_err_prefix(err, "reading the policy in force");
		goto out;
	}
	if ((r = ipp_driver_counters(d, ret->res.compiled, &ret->cnt, &ret->ncnt, &ret->extra,
				     err)) < 0) {
		r = kernel_error(r, err);
		goto out;
	}
	if ((r = specific_filters(ret)) < 0) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	/* (the persistent policy alone: the others, which cannot be read or built, are not
	 * in force) */
	for (i = 0; i < (ret->res.partial ? 1 : 3); i++)
		if ((r = ipp_shell_load_ex(sh, locs[i], IPP_LOAD_ASSIGNED, &ret->snap[i], err)) <
		    0) {
			ipp_err_prefix(err, "reading the %s store", ipp_store_name(locs[i]));
			goto out;
		}
out:
	ipp_driver_close(d);
	if (r < 0)
		ipp_dyn_state_clear(ret);
	return r;
}

size_t ipp_dyn_state_stale(const struct ipp_dyn_state *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->ncnt; i++)
		n += s->cnt[i].stale;
	return n;
}

void ipp_dyn_state_clear(struct ipp_dyn_state *s)
{
	size_t i;

	if (!s)
		return;
	ipp_apply_result_clear(&s->res);
	free(s->cnt);
	free(s->csf);
	free(s->sf_placed);
	for (i = 0; i < 3; i++)
		ipp_snapshot_free(s->snap[i]);
	ipp_dynspd_clear(&s->dyn);
	memset(s, 0, sizeof(*s));
	s->mode = IPP_MODE_PERMIT;
}

const struct ipp_snapshot *ipp_dyn_snapshot(const struct ipp_dyn_state *s, enum ipp_store_loc loc)
{
	switch (loc) {
	case IPP_STORE_PERSISTENT:
		return s->snap[0];
	case IPP_STORE_DOMAIN:
		return s->snap[1];
	case IPP_STORE_LOCAL:
		return s->snap[2];
	default:
		return NULL;
	}
}

/* A startup ruleset the running agent keeps: why it has not applied the policy. */
static void startup_why(struct ipp_shell *sh, FILE *out)
{
	char err[IPP_ERR_MSG_MAX];

	ipp_dyn_agent_status(sh, "last_error", err, sizeof(err));
	if (err[0])
		fprintf(out, "The policy agent cannot apply the assigned policy: %s.\n", err);
}

void ipp_dyn_mode_text(struct ipp_shell *sh, const struct ipp_dyn_state *s, FILE *out)
{
	char why[512];

	if (!s->table) {
		fprintf(out, "%s: nothing is filtered.\n", ipp_dyn_no_table);
		return;
	}
	switch (s->mode) {
	case IPP_MODE_STARTUP_BLOCK:
		fprintf(out,
			"The IPsec driver is in startup mode \"block\": every packet is dropped "
			"except loopback, DHCP, IPv6 neighbour discovery and the boot exemptions; "
			"no policy filters are in force yet.\n");
		startup_why(sh, out);
		break;
	case IPP_MODE_STARTUP_STATEFUL:
		fprintf(out, "The IPsec driver is in startup mode \"stateful\": outbound traffic "
			     "and its replies pass, other inbound traffic is dropped except DHCP, "
			     "IPv6 neighbour discovery and the boot exemptions; no policy filters "
			     "are in force yet.\n");
		startup_why(sh, out);
		break;
	case IPP_MODE_BLOCK:
		ipp_dyn_agent_status(sh, "reason", why, sizeof(why));
		fprintf(out,
			"The IPsec driver is in block mode: the policy agent could not apply what "
			"it should (%s), and every packet is dropped except loopback, DHCP, IPv6 "
			"neighbour discovery and the boot exemptions driver.conf gives (when it "
			"can be read); no policy filters are in force.\n",
			why[0] ? why : "the system log says why");
		break;
	case IPP_MODE_SECURE:
		fprintf(out, "The IPsec driver is in secure mode: the assigned policies are "
			     "enforced.\n");
		break;
	case IPP_MODE_PERMIT:
	case IPP_MODE_STARTUP_PERMIT:
		fprintf(out, "The IPsec driver is in permit mode: nothing is filtered.\n");
		break;
	default:
		fprintf(out,
			"The table %s %s was not made by ipsecpol (its comment names no "
			"mode): its filters are not shown.\n",
			IPP_NFT_FAMILY, IPP_NFT_TABLE);
		break;
	}
}
