/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modes.c - rulesets of the startup and operational block/permit modes.
 *
 * Layout of a filtering mode: one input and one output base chain at the
 * filter priority, policy drop, then in order
 *   1. loopback accepted (the host talking to itself is never filtered);
 *   2. stateful only: replies to tracked outbound traffic (input);
 *   3. startup only: DHCP client traffic (udp 68->67 out, 67->68 in; DHCPv6
 *      546->547 out, 547->546 in) and IPv6 neighbour discovery with hop limit
 *      255 (the IPv6 counterpart of ARP, which nftables' inet family does
 *      not see: without it no IPv6 address, DHCPv6 included, would work);
 *   4. startup only: the boot exemptions, each in its own direction and, in
 *      startup-block, its reply direction with the ports swapped (stateless,
 *      as Windows; startup-stateful has the tracked replies of 2);
 *   5. with diagnostics: an NFLOG statement, then the drop.
 * Startup-block with opts.defrag6 also holds the chain defrag6 (modes.h).
 */
#include "modes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../driver/driver.h"

static const char *const mode_names[] = {
    [IPP_MODE_INVALID] = "invalid",
    [IPP_MODE_PERMIT] = "permit",
    [IPP_MODE_STARTUP_PERMIT] = "startup-permit",
    [IPP_MODE_STARTUP_BLOCK] = "startup-block",
    [IPP_MODE_STARTUP_STATEFUL] = "startup-stateful",
    [IPP_MODE_SECURE] = "secure",
    [IPP_MODE_BLOCK] = "block",
};

const char *ipp_mode_name(enum ipp_mode m)
{
	if ((unsigned)m >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "invalid";
	return mode_names[m];
}

enum ipp_mode ipp_mode_from_name(const char *name)
{
	size_t i;

	for (i = 1; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcasecmp(name, mode_names[i]))
			return (enum ipp_mode)i;
	return IPP_MODE_INVALID;
}

enum ipp_mode ipp_mode_from_bootmode(enum ipp_bootmode b)
{
	switch (b) {
	case IPP_BOOT_PERMIT:
		return IPP_MODE_STARTUP_PERMIT;
	case IPP_BOOT_STATEFUL:
		return IPP_MODE_STARTUP_STATEFUL;
	default:
		return IPP_MODE_STARTUP_BLOCK;
	}
}

static void emit_replace_table(FILE *out, const char *table)
{
	fprintf(out, "table %s %s {}\ndelete table %s %s\n", IPP_NFT_FAMILY, table, IPP_NFT_FAMILY,
		table);
}

void ipp_nft_emit_replace(FILE *out)
{
	emit_replace_table(out, IPP_NFT_TABLE);
}

void ipp_nft_emit_guard_delete(FILE *out)
{
	emit_replace_table(out, IPP_NFT_GUARD_TABLE);
}

bool ipp_mode_needs_guard(enum ipp_mode m)
{
	return m == IPP_MODE_STARTUP_BLOCK || m == IPP_MODE_STARTUP_STATEFUL || m == IPP_MODE_BLOCK;
}

void ipp_nft_emit_droplog(FILE *out, unsigned diagnostics, const char *mode, const char *dir,
			  const char *reason)
{
	if (diagnostics == 0)
		return;
	fprintf(out, "\t\tlog prefix \"%s %s %s %s\" group %u snaplen %u\n", IPP_NFLOG_PREFIX, mode,
		dir, reason, IPP_NFLOG_GROUP, IPP_NFLOG_SNAPLEN);
}

void ipp_nft_emit_defrag6(FILE *out)
{
	fputs("\tchain defrag6 {\n"
	      "\t\tmeta l4proto udp tproxy ip6 to [::1]:1 comment \"never reached: IPv6 is "
	      "reassembled before the input hook, as IPv4 is\"\n"
	      "\t}\n",
	      out);
}

/* The protocol match of an exemption, "" for any protocol. */
static void proto_match(const struct ipp_bootexempt *e, char *buf, size_t len)
{
	switch (e->proto) {
	case IPP_BOOT_PROTO_ANY:
		buf[0] = '\0';
		break;
	case 1:
		snprintf(buf, len,
			 e->icmp ? "meta l4proto { icmp, ipv6-icmp } " : "meta l4proto icmp ");
		break;
	case 6:
		snprintf(buf, len, "meta l4proto tcp ");
		break;
	case 17:
		snprintf(buf, len, "meta l4proto udp ");
		break;
	default:
		snprintf(buf, len, "meta l4proto %u ", e->proto);
		break;
	}
}

/*
 * The rule for exemption @e in chain direction @chain_dir: its own direction
 * (ports as given) or the reply direction (ports swapped).
 */
static void emit_exemption(FILE *out, const struct ipp_bootexempt *e, enum ipp_direction chain_dir)
{
	bool reply = e->dir != chain_dir;
	uint16_t sport = reply ? e->dport : e->sport;
	uint16_t dport = reply ? e->sport : e->dport;
	char proto[64], text[64];

	proto_match(e, proto, sizeof(proto));
	ipp_bootexempt_format(e, text, sizeof(text));
	fprintf(out, "\t\t%s", proto);
	if (sport)
		fprintf(out, "th sport %u ", sport);
	if (dport)
		fprintf(out, "th dport %u ", dport);
	fprintf(out, "accept comment \"boot exemption %s%s\"\n", text, reply ? " (reply)" : "");
}

/*
 * The rules of fixed mode @m's chain of direction @dir after loopback: the
 * packets it lets through, then the drop (logged as @logmode's, reason
 * @reason).
 */
static void emit_body(FILE *out, enum ipp_mode m, const struct ipp_mode_opts *o,
		      enum ipp_direction dir, const char *logmode, const char *reason)
{
	bool in = dir == IPP_DIR_INBOUND;
	/* block mode, as Windows' (event 4292): what the boot exemptions and DHCP permit */
	bool exempting =
	    m == IPP_MODE_STARTUP_BLOCK || m == IPP_MODE_STARTUP_STATEFUL || m == IPP_MODE_BLOCK;
	size_t i;

	if (m == IPP_MODE_STARTUP_STATEFUL && in)
		/* (the reply direction: a connection the peer opened, let in by a filter
		 * since gone, is no reply to this host's traffic) */
		fprintf(out, "\t\tct direction reply ct state established,related accept comment "
			     "\"replies to outbound traffic\"\n");
	if (exempting) {
		fprintf(out,
			"\t\tmeta nfproto ipv4 udp sport %u udp dport %u accept comment \"DHCP\"\n",
			in ? 67 : 68, in ? 68 : 67);
		fprintf(
		    out,
		    "\t\tmeta nfproto ipv6 udp sport %u udp dport %u accept comment \"DHCPv6\"\n",
		    in ? 547 : 546, in ? 546 : 547);
		fprintf(out,
			"\t\t" IPP_NFT_ND_MATCH " accept comment \"IPv6 neighbour discovery\"\n");
		fprintf(out,
			"\t\t" IPP_NFT_PTB_MATCH " accept comment \"IPv6 path MTU discovery\"\n");
		fprintf(out, "\t\t" IPP_NFT_MLD_MATCH " accept comment \"IPv6 neighbour discovery "
			     "(MLD)\"\n");
		for (i = 0; i < o->nexempt; i++) {
			/* stateful: the replies are the tracked ones above, not any packet
			 * from the exempted port (an outbound udp:0:53 would let every
			 * datagram from port 53 in, to any port) */
			if (m == IPP_MODE_STARTUP_STATEFUL && o->exempt[i].dir != dir)
				continue;
			emit_exemption(out, &o->exempt[i], dir);
		}
	}
	ipp_nft_emit_droplog(out, o->diagnostics, logmode, in ? "in" : "out", reason);
	fprintf(out, "\t\tdrop\n");
}

static void emit_chain(FILE *out, enum ipp_mode m, const struct ipp_mode_opts *o,
		       enum ipp_direction dir)
{
	bool in = dir == IPP_DIR_INBOUND;

	fprintf(out, "\tchain %s {\n", in ? "input" : "output");
	fprintf(out, "\t\ttype filter hook %s priority filter; policy drop;\n",
		in ? "input" : "output");
	fprintf(out, "\t\tmeta %s loopback accept comment \"loopback\"\n",
		in ? "iiftype" : "oiftype");
	emit_body(out, m, o, dir, ipp_mode_name(m), "drop");
	fprintf(out, "\t}\n");
}

bool ipp_mode_takes_rest(enum ipp_mode m)
{
	return m == IPP_MODE_STARTUP_STATEFUL || m == IPP_MODE_STARTUP_BLOCK || m == IPP_MODE_BLOCK;
}

int ipp_mode_emit_rest(enum ipp_mode m, const struct ipp_mode_opts *o, enum ipp_direction dir,
		       const char *name, FILE *out, struct ipp_error *err)
{
	if (!ipp_mode_takes_rest(m))
		return ipp_err(err, EINVAL, "mode \"%s\" cannot take what no filter matches",
			       ipp_mode_name(m));
	fprintf(out, "\tchain %s {\n", name);
	fprintf(out, "\t\tcomment \"no filter matches: as in mode %s\"\n", ipp_mode_name(m));
	if (m == IPP_MODE_STARTUP_STATEFUL && dir == IPP_DIR_OUTBOUND)
		/* stateful mode allows every outbound packet (tracked: its replies pass) */
		fprintf(out, "\t\taccept\n");
	else
		emit_body(out, m, o, dir, ipp_mode_name(IPP_MODE_SECURE), "unmatched");
	fprintf(out, "\t}\n");
	return ferror(out) ? ipp_err(err, EIO, "cannot write the ruleset") : 0;
}

/* The ruleset of @m as table @table; @guard: the guard's text (no guard deletion). */
static int emit_mode(enum ipp_mode m, const struct ipp_mode_opts *o, const char *table, bool guard,
		     FILE *out, struct ipp_error *err)
{
	static const struct ipp_mode_opts none;
	size_t i;

	if (!o)
		o = &none;
	for (i = 0; i < o->nexempt; i++)
		if (o->exempt[i].dir != IPP_DIR_INBOUND && o->exempt[i].dir != IPP_DIR_OUTBOUND)
			return ipp_err(err, EINVAL, "boot exemption %zu has no direction", i + 1);
	switch (m) {
	case IPP_MODE_PERMIT:
	case IPP_MODE_STARTUP_PERMIT:
		if (guard)
			return ipp_err(err, EINVAL, "mode \"%s\" has no guard", ipp_mode_name(m));
		emit_replace_table(out, table);
		break;
	case IPP_MODE_STARTUP_BLOCK:
	case IPP_MODE_STARTUP_STATEFUL:
	case IPP_MODE_BLOCK:
		emit_replace_table(out, table);
		fprintf(out, "table %s %s {\n", IPP_NFT_FAMILY, table);
		fprintf(out, "\tcomment \"ipsecpol %smode=%s\"\n", guard ? "guard " : "",
			ipp_mode_name(m));
		/* its port matches see whole IPv6 datagrams (modes.h, "IPv6 fragments") */
		if ((m == IPP_MODE_STARTUP_BLOCK || m == IPP_MODE_BLOCK) && o->defrag6)
			ipp_nft_emit_defrag6(out);
		emit_chain(out, m, o, IPP_DIR_INBOUND);
		/* Stateful mode allows every outbound packet: no output chain at all. */
		if (m != IPP_MODE_STARTUP_STATEFUL)
			emit_chain(out, m, o, IPP_DIR_OUTBOUND);
		fprintf(out, "}\n");
		break;
	default:
		return ipp_err(err, EINVAL, "mode \"%s\" has no fixed ruleset", ipp_mode_name(m));
	}
	if (!guard)
		ipp_nft_emit_guard_delete(out);
	if (ferror(out))
		return ipp_err(err, EIO, "cannot write the %s ruleset", ipp_mode_name(m));
	return 0;
}

int ipp_mode_emit(enum ipp_mode m, const struct ipp_mode_opts *o, FILE *out, struct ipp_error *err)
{
	return emit_mode(m, o, IPP_NFT_TABLE, false, out, err);
}

static int to_string(enum ipp_mode m, const struct ipp_mode_opts *o, bool guard, char **ret,
		     struct ipp_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	f = open_memstream(&buf, &len);
	if (!f)
		return ipp_err(err, ENOMEM, "out of memory");
	r = emit_mode(m, o, guard ? IPP_NFT_GUARD_TABLE : IPP_NFT_TABLE, guard, f, err);
	if (fclose(f) != 0 && r == 0)
		r = ipp_err(err, ENOMEM, "out of memory");
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}

int ipp_mode_ruleset(enum ipp_mode m, const struct ipp_mode_opts *o, char **ret,
		     struct ipp_error *err)
{
	return to_string(m, o, false, ret, err);
}

int ipp_mode_guard_ruleset(enum ipp_mode m, const struct ipp_mode_opts *o, char **ret,
			   struct ipp_error *err)
{
	return to_string(m, o, true, ret, err);
}
