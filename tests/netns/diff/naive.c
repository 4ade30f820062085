/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * naive.c - the harness's own yardstick: the specific filters written out
 * as one nft rule each, in the matcher's order, so the first rule that
 * matches is the matcher's winner by construction.  Run with --naive, the
 * differential test then checks the harness and the matcher's matching
 * semantics against the kernel without the compiler in the loop.
 */
#include "naive.h"

#include "compile/compile.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const struct ipp_effective *sort_eff;

static int by_rank(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	const struct ipp_sfilter *fa = &sort_eff->sf[a], *fb = &sort_eff->sf[b];

	return ipp_classify_cmp(fa, ipp_classify_weight(fa), a, fb, ipp_classify_weight(fb), b);
}

static void side(FILE *out, const struct ipp_addr *a, const char *dir)
{
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];
	const char *fam = a->family == AF_INET6 ? "ip6" : "ip";
	uint8_t ip[16];
	unsigned i;

	switch (a->kind) {
	case IPP_ADDR_ME:
		/* (a source "me" is only walked on output, which sends nothing else) */
		if (strcmp(dir, "saddr"))
			fprintf(out, " fib %s type != { broadcast, multicast }", dir);
		break;
	case IPP_ADDR_IP:
		memcpy(ip, a->ip, 16);
		for (i = a->plen; i < 128; i++)
			ip[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
		inet_ntop(a->family, ip, x, sizeof(x));
		fprintf(out, " %s %s %s/%u", fam, dir, x, a->plen);
		break;
	case IPP_ADDR_RANGE:
		inet_ntop(a->family, a->ip, x, sizeof(x));
		inet_ntop(a->family, a->ip_end, y, sizeof(y));
		if (strcmp(x, y) == 0)
			fprintf(out, " %s %s %s", fam, dir, x);
		else
			fprintf(out, " %s %s %s-%s", fam, dir, x, y);
		break;
	default:
		break;
	}
}

static void chain(FILE *out, const struct ipp_effective *eff, const size_t *order, bool input)
{
	size_t i;

	fprintf(out, "\tchain %s {\n\t\ttype filter hook %s priority filter; policy accept;\n",
		input ? "input" : "output", input ? "input" : "output");
	fprintf(out, "\t\t%s \"lo\" accept\n", input ? "iifname" : "oifname");
	/* IKE: to its ports inbound, from them outbound */
	fprintf(out, "\t\tudp %s { 500, 4500 } accept\n", input ? "dport" : "sport");
	fprintf(out, "\t\tmeta l4proto { esp, ah } accept\n");
	fprintf(out, "\t\t" IPP_NFT_ND_MATCH " accept\n");
	fprintf(out, "\t\t" IPP_NFT_PTB_MATCH " accept\n");
	for (i = 0; eff && i < eff->nsf; i++) {
		const struct ipp_sfilter *f = &eff->sf[order[i]];

		/* "me" as source only leaves the host, as destination only arrives */
		if ((input && f->src.kind == IPP_ADDR_ME) || (!input && f->dst.kind == IPP_ADDR_ME))
			continue;
		fprintf(out, "\t\t");
		side(out, &f->src, "saddr");
		side(out, &f->dst, "daddr");
		if (f->protocol)
			fprintf(out, " meta l4proto %u", f->protocol);
		if (f->srcport)
			fprintf(out, " th sport %u", f->srcport);
		if (f->dstport)
			fprintf(out, " th dport %u", f->dstport);
		if (f->action == IPP_ACTION_PERMIT)
			fprintf(out, " accept\n");
		else if (f->action == IPP_ACTION_BLOCK)
			fprintf(out, " drop\n");
		else if (f->clear == 2 || (f->clear == 1 && input))
			fprintf(out, " accept\n"); /* soft both ways, inpass inbound: clear accepted */
		else
			fprintf(out, " goto negotiate_%s\n", input ? "in" : "out");
	}
	fprintf(out, "\t}\n");
}

int naive_ruleset(const struct ipp_effective *eff, FILE *out)
{
	size_t *order = calloc(eff && eff->nsf ? eff->nsf : 1, sizeof(*order));
	size_t i;

	if (!order)
		return -1;
	for (i = 0; eff && i < eff->nsf; i++)
		order[i] = i;
	sort_eff = eff;
	if (eff && eff->nsf > 1)
		qsort(order, eff->nsf, sizeof(*order), by_rank);
	fprintf(out, "table inet ipsecpol {}\ndelete table inet ipsecpol\n");
	fprintf(out, "table inet ipsecpol {\n");
	fprintf(out, "\tchain negotiate_in {\n\t\tmeta secpath exists accept\n\t\tdrop\n\t}\n");
	fprintf(out, "\tchain negotiate_out {\n\t\trt ipsec exists accept\n\t\tdrop\n\t}\n");
	chain(out, eff, order, true);
	chain(out, eff, order, false);
	fprintf(out, "}\n");
	free(order);
	return ferror(out) ? -1 : 0;
}
