/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * whatif_cmd.c - `ipsec whatif`: the packet's selector in, the deciding
 * rule and the weights compared out.
 */
#include "whatif_cmd.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../classify/classify.h"
#include "../compile/modes.h"
#include "../driver/driver.h"
#include "dynamic_internal.h"

/*
 * Usage order.  The long tags make the short forms work as abbreviations:
 * src= is srcaddr, dst= dstaddr, proto= protocol, dir= direction.
 */
static const char *const v_direction[] = { "in", "out", "inbound", "outbound", NULL };
static const char *const v_level[] = { "normal", "verbose", NULL };
static const char *const v_conntype[] = { "lan", "dialup", NULL };

const struct ipp_param ipp_whatif_params[] = {
    {"srcaddr", IPP_PT_STRING, 0, 0, NULL,
     "Source address of the packet (required without pcap): an address, me, dns, wins, dhcp, "
     "gateway or a host name."},
    {"dstaddr", IPP_PT_STRING, 0, 0, NULL,
     "Destination address of the packet (required without pcap): as srcaddr."},
    {"protocol", IPP_PT_STRING, 0, 0, NULL,
     "Protocol of the packet (required without pcap): tcp, udp, icmp, icmpv6, raw or a "
     "number 1-255."},
    {"srcport", IPP_PT_PORT, 0, 0, NULL, "Source port."},
    {"dstport", IPP_PT_PORT, 0, 0, NULL, "Destination port."},
    {"policy", IPP_PT_NAME, 0, 0, NULL, "Evaluate as if this policy of the store were assigned."},
    {"pcap", IPP_PT_FILE, 0, 0, NULL, "Classify every packet of a capture file."},
    {"me", IPP_PT_STRING, IPP_PF_MULTI, 0, NULL,
     "An address of this host (\"only\": not the host's own addresses)."},
    {"direction", IPP_PT_ENUM, 0, 0, v_direction, "in or out (default: from the addresses)."},
    {"ipsec", IPP_PT_ENUM, 0, 0, ipp_values_yesno, "yes: the packet travels through an SA."},
    {"level", IPP_PT_ENUM, 0, 0, v_level, "verbose: list every matching filter."},
    {"conntype", IPP_PT_ENUM, 0, 0, v_conntype,
     "lan (default) or dialup: the kind of interface, for rules of one connection type."},
    {NULL, IPP_PT_INVALID, 0, 0, NULL, NULL},
};

/*
 * The secure table in force against the stores: the verdicts are the stores'
 * policy's, and a table applied before the stores last changed (no agent
 * running since), or by an agent of another root, decides otherwise.
 */
static void table_note(struct ipp_shell *sh, FILE *out)
{
	struct ipp_dyn_state st;
	struct ipp_error e = {0};
	size_t stale;

	if (ipp_dyn_state_read(sh, &st, &e) < 0 || st.mode != IPP_MODE_SECURE) {
		if (e.code)
			fprintf(out,
				"Note:        the table in force could not be compared with "
				"the stores: %s\n",
				e.msg);
		ipp_dyn_state_clear(&st);
		return;
	}
	stale = ipp_dyn_state_stale(&st);
	if (st.nsf_in_force < st.nsf_expected || stale || st.extra.unknown_elems) {
		char what[256] = "";
		size_t n = 0;

		if (st.nsf_in_force < st.nsf_expected)
			n += (size_t)snprintf(what + n, sizeof(what) - n,
					      "%zu of its %zu specific filters missing",
					      st.nsf_expected - st.nsf_in_force, st.nsf_expected);
		if (stale && n < sizeof(what))
			n += (size_t)snprintf(what + n, sizeof(what) - n,
					      "%s%zu element%s with another action", n ? ", " : "",
					      stale, stale == 1 ? "" : "s");
		if (st.extra.unknown_elems && n < sizeof(what))
			snprintf(what + n, sizeof(what) - n, "%s%llu element%s it does not hold",
				 n ? ", " : "", (unsigned long long)st.extra.unknown_elems,
				 st.extra.unknown_elems == 1 ? "" : "s");
		fprintf(out,
			"Note:        the table in force is not the stores' policy (%s): the "
			"kernel may decide otherwise until the policy is applied (a running "
			"ipsecpold applies changes at once; otherwise `ipsecpold --once'; "
			"dynamic show qmfilter lists what is in force)\n",
			what);
	}
	ipp_dyn_state_clear(&st);
}

/*
 * The verdicts are the assigned policy's: when the kernel does not enforce it
 * now (boot or block mode, no table), say so.  Nothing when the kernel
 * cannot be read (without CAP_NET_ADMIN).
 */
static void mode_note(struct ipp_shell *sh, FILE *out)
{
	enum ipp_mode m, rest;
	int r = ipp_driver_table_mode(&m, &rest);
	struct ipp_error e = {0};

	if (r == -ENOENT) {
		fprintf(out,
			"Note:        no IPsec policy is in force now (no table %s %s: "
			"ipsecpold is not running, or stopped on purpose): every packet "
			"passes\n",
			IPP_NFT_FAMILY, IPP_NFT_TABLE);
		return;
	}
	if (r < 0)
		return;
	switch (m) {
	case IPP_MODE_SECURE:
		table_note(sh, out);
		/* the table without its agent: dynamic rules it held may still be in force */
		if (ipp_dyn_need_agent(sh, &e) == -ECONNREFUSED &&
		    access(ipp_shell_paths(sh)->dyn_marker, F_OK) == 0)
			fprintf(out,
				"Note:        ipsecpold is not running: the table in force still "
				"holds the dynamic rules it had, which are not known here "
				"(dynamic show stats counts them as elements not in the stores)\n");
		if (rest)
			fprintf(
			    out,
			    "Note:        the persistent policy is in force alone now (ipsecpold "
			    "cannot apply the domain or local policy: its status says why); "
			    "what it does not match is treated as in %s mode\n",
			    ipp_mode_name(rest));
		return;
	case IPP_MODE_BLOCK:
		fprintf(out, "Note:        the driver is in block mode now (ipsecpold cannot apply "
			     "the policy or its settings: its status says why): every packet is "
			     "dropped but the exemptions\n");
		return;
	case IPP_MODE_STARTUP_PERMIT:
	case IPP_MODE_STARTUP_BLOCK:
	case IPP_MODE_STARTUP_STATEFUL:
		fprintf(out,
			"Note:        the driver is in %s mode now (the boot ruleset): the "
			"verdict above is the policy's once ipsecpold applies it\n",
			ipp_mode_name(m));
		return;
	default:
		fprintf(out,
			"Note:        the table %s %s in force is not one ipsecpold made: the "
			"kernel does not decide as above\n",
			IPP_NFT_FAMILY, IPP_NFT_TABLE);
	}
}

/*
 * The persistent policy in force alone (the table's comment says what no
 * filter matches gets): the verdicts are the kernel's, not those of the
 * assigned policies, which cannot be applied.
 */
static void rest_in_force(struct ipp_shell *sh, struct ipp_whatif *w)
{
	struct ipp_driverconf conf;
	enum ipp_mode m, rest;

	if (ipp_driver_table_mode(&m, &rest) < 0 || m != IPP_MODE_SECURE || !rest)
		return;
	w->rest = rest == IPP_MODE_STARTUP_STATEFUL ? IPP_REST_STATEFUL : IPP_REST_BLOCK;
	w->rest_name = ipp_mode_name(rest);
	if (ipp_driverconf_load(ipp_shell_paths(sh), &conf, NULL) == 0) {
		memcpy(w->rest_exempt, conf.exempt, conf.nexempt * sizeof(conf.exempt[0]));
		w->rest_nexempt = conf.nexempt;
	}
}

int ipp_whatif_cmd(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		   struct ipp_error *err)
{
	struct ipp_whatif w = {0};
	struct ipp_dynspd dyn = {0};
	struct ipp_db *db = NULL;
	size_t i;
	int r = 0;

	/* the table has bound the tags; the classifier parses and checks the values */
	for (i = 0; i < a->n && r >= 0; i++)
		r = ipp_whatif_set(&w, a->v[i].tag, a->v[i].value, err);
	if (r >= 0 && (!w.policy || ipp_shell_store(sh) == IPP_STORE_PERSISTENT))
		rest_in_force(sh, &w);
	if (r >= 0) {
		/* the default exemptions driver.conf sets (the agent's; none when unreadable) */
		struct ipp_driverconf conf;

		if (ipp_driverconf_load(ipp_shell_paths(sh), &conf, NULL) == 0)
			w.exempt_flags = ipp_classify_exempt_flags(conf.no_default_exempt);
	}
	/* the agent's dynamic rules are in force with the stores' policies */
	if (r >= 0 && (r = ipp_dyn_fetch(sh, &dyn, err)) >= 0)
		w.dynamic = &dyn;
	/* no database yet: every store is empty */
	if (r >= 0)
		r = ipp_shell_db(sh, false, &db, err);
	if (r >= 0) {
		r = ipp_whatif_run(&w, db, ipp_shell_store(sh), ipp_shell_paths(sh), out, err);
		/* (what is in force then is not the stores' policy: said so) */
		if (r < 0 && !w.policy && !w.rest && r != -ENOMEM)
			ipp_dyn_kept_error(sh, err);
	}
	if (r >= 0 && !w.policy)
		mode_note(sh, out);
	ipp_whatif_clear(&w);
	ipp_dynspd_clear(&dyn);
	return r < 0 ? r : 0;
}
