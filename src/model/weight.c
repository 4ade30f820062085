/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * weight.c - the filter weight and the order of specific filters
 * (../shared/DESIGN.md, "Filter weight"):
 *
 *   weight = (srcw + dstw) << 16 | (protocol != any) << 8
 *          | (srcport != 0) << 1 | (dstport != 0)
 *
 * Address weights are prefix lengths scaled to 0..32 (ipp_addr_weight()),
 * so the address part dominates the protocol, which dominates the ports.
 * An IPv6 prefix length is divided by 4, in quarters: the address part is
 * 4 * (srcw + dstw) + (srcr + dstr) << 14 (srcr, dstr: what the division
 * drops, ipp_addr_weight_rest(), 0 for IPv4), the same for IPv4, and the
 * exact sum of the prefix lengths for IPv6 (/66 beats /64, /67 + /67 beats
 * /68 + /64).
 */
#include "model.h"

uint32_t ipp_weight(const struct ipp_addr *src, const struct ipp_addr *dst, uint8_t protocol,
		    uint16_t srcport, uint16_t dstport)
{
	uint32_t quarters = 4 * (ipp_addr_weight(src) + ipp_addr_weight(dst)) +
			    ipp_addr_weight_rest(src) + ipp_addr_weight_rest(dst);
	uint32_t w = quarters << 14;

	if (protocol != IPP_PROTO_ANY)
		w |= 1u << 8;
	if (srcport != 0)
		w |= 1u << 1;
	if (dstport != 0)
		w |= 1u;
	return w;
}

int ipp_action_rank(enum ipp_action a)
{
	switch (a) {
	case IPP_ACTION_BLOCK:
		return 0;
	case IPP_ACTION_NEGOTIATE:
		return 1;
	case IPP_ACTION_PERMIT:
		return 2;
	default:
		return 3;
	}
}

#define CMP(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)

int ipp_sfilter_cmp(const struct ipp_sfilter *a, const struct ipp_sfilter *b)
{
	int c;

	/* higher weight wins */
	c = CMP(b->weight, a->weight);
	if (c)
		return c;
	/* equal weight: block beats negotiate beats permit (errs closed) */
	c = CMP(ipp_action_rank(a->action), ipp_action_rank(b->action));
	if (c)
		return c;
	/* two negotiate filters: the one that accepts fewer clear packets (errs closed) */
	c = CMP(a->clear, b->clear);
	if (c)
		return c;
	/* persistent beats domain/local beats dynamic */
	c = CMP((int)a->origin, (int)b->origin);
	if (c)
		return c;
	/* the older filter */
	c = CMP(a->seq, b->seq);
	if (c)
		return c;
	/* only to make the order total (qsort gives the same result every time) */
	c = CMP(a->rule, b->rule);
	if (c)
		return c;
	c = CMP(a->filter, b->filter);
	if (c)
		return c;
	return CMP((int)a->reversed, (int)b->reversed);
}
