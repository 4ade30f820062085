/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nlrules.c - the counters and comments of the table's rules, read over
 * nfnetlink.
 *
 * libnftables lists a chain only after reading every set element of the
 * table into its cache (a flow cache of 30,000 flows, maps of 100,000
 * elements: seconds), so the rule counters that a change must carry are
 * read here, with one NFT_MSG_GETRULE dump of the table, which holds no
 * set element.
 */
#include "nlrules.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "driver.h"

/* A netlink attribute's payload and its length. */
#define NLA_DATA(a) ((const void *)((const char *)(a) + NLA_HDRLEN))
#define NLA_LEN(a) ((int)(a)->nla_len - NLA_HDRLEN)

/* Each attribute of the @len bytes at @a, given to @fn with its type. */
static void each_attr(const void *a, int len, void (*fn)(const struct nlattr *, void *), void *ctx)
{
	const struct nlattr *at = a;

	while (len >= NLA_HDRLEN && at->nla_len >= NLA_HDRLEN && at->nla_len <= len) {
		fn(at, ctx);
		len -= NLA_ALIGN(at->nla_len);
		at = (const struct nlattr *)((const char *)at + NLA_ALIGN(at->nla_len));
	}
}

static uint64_t be64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

struct rule {
	char chain[IPP_NLRULE_NAME_MAX];
	char comment[IPP_NLRULE_COMMENT_MAX];
	bool counted;
	uint64_t packets, bytes;
};

/* NFTA_COUNTER_* of a counter expression's data. */
static void counter_attr(const struct nlattr *a, void *ctx)
{
	struct rule *r = ctx;

	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_COUNTER_PACKETS && NLA_LEN(a) == 8)
		r->packets += be64(NLA_DATA(a));
	else if ((a->nla_type & NLA_TYPE_MASK) == NFTA_COUNTER_BYTES && NLA_LEN(a) == 8)
		r->bytes += be64(NLA_DATA(a));
}

struct expr {
	bool counter;
	const struct nlattr *data;
};

static void expr_attr(const struct nlattr *a, void *ctx)
{
	struct expr *x = ctx;

	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_EXPR_NAME)
		x->counter = NLA_LEN(a) >= 8 && !memcmp(NLA_DATA(a), "counter", 8);
	else if ((a->nla_type & NLA_TYPE_MASK) == NFTA_EXPR_DATA)
		x->data = a;
}

/* One NFTA_LIST_ELEM of NFTA_RULE_EXPRESSIONS: a counter's counts into the rule. */
static void list_elem(const struct nlattr *a, void *ctx)
{
	struct rule *r = ctx;
	struct expr x = {false, NULL};

	if ((a->nla_type & NLA_TYPE_MASK) != NFTA_LIST_ELEM)
		return;
	each_attr(NLA_DATA(a), NLA_LEN(a), expr_attr, &x);
	if (x.counter && x.data) {
		r->counted = true;
		each_attr(NLA_DATA(x.data), NLA_LEN(x.data), counter_attr, r);
	}
}

/* The comment of a rule's user data: TLVs {u8 type, u8 len, value}, 0 the comment. */
static void user_comment(const uint8_t *p, int len, struct rule *r)
{
	while (len >= 2 && p[1] <= len - 2) {
		if (p[0] == 0 && p[1] > 0) {
			/* (a length byte is below the size of the buffer) */
			_Static_assert(IPP_NLRULE_COMMENT_MAX > UINT8_MAX, "comment buffer");
			memcpy(r->comment, p + 2, p[1]);
			r->comment[p[1]] = '\0';
			return;
		}
		len -= 2 + p[1];
		p += 2 + p[1];
	}
}

static void rule_attr(const struct nlattr *a, void *ctx)
{
	struct rule *r = ctx;
	int n = NLA_LEN(a);

	switch (a->nla_type & NLA_TYPE_MASK) {
	case NFTA_RULE_CHAIN:
		if (n > 0 && (size_t)n <= sizeof(r->chain)) {
			memcpy(r->chain, NLA_DATA(a), (size_t)n);
			r->chain[n - 1] = '\0';
		}
		break;
	case NFTA_RULE_EXPRESSIONS:
		each_attr(NLA_DATA(a), n, list_elem, r);
		break;
	case NFTA_RULE_USERDATA:
		user_comment(NLA_DATA(a), n, r);
		break;
	}
}

int ipp_nlrules_read(int (*fn)(const char *chain, const char *comment, uint64_t packets,
			       uint64_t bytes, void *ctx),
		     void *ctx)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg g;
		char attr[NLA_HDRLEN + NLA_ALIGN(sizeof(IPP_NFT_TABLE))];
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct nlattr *table = (struct nlattr *)req.attr;
	size_t bufsize = 1 << 16;
	char *buf = malloc(bufsize);
	bool done = false;
	int fd, r = 0;

	if (!buf)
		return -ENOMEM;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.g.nfgen_family = NFPROTO_INET;
	req.g.version = NFNETLINK_V0;
	table->nla_type = NFTA_RULE_TABLE;
	table->nla_len = (uint16_t)(NLA_HDRLEN + sizeof(IPP_NFT_TABLE));
	memcpy(req.attr + NLA_HDRLEN, IPP_NFT_TABLE, sizeof(IPP_NFT_TABLE));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		r = -errno;
	while (r == 0 && !done) {
		ssize_t n = recv(fd, buf, bufsize, 0);
		const struct nlmsghdr *nh = (const struct nlmsghdr *)(void *)buf;
		int len = (int)n;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		for (; r == 0 && NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			struct rule rule = {{0}, {0}, false, 0, 0};
			const struct nfgenmsg *g = NLMSG_DATA(nh);

			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				r = nh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error
											  : -EIO;
				break;
			}
			if (nh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE) ||
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*g)))
				continue;
			each_attr((const char *)g + NLMSG_ALIGN(sizeof(*g)),
				  (int)(nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*g)))),
				  rule_attr, &rule);
			if (rule.counted && rule.chain[0])
				r = fn(rule.chain, rule.comment, rule.packets, rule.bytes, ctx);
		}
	}
	close(fd);
	free(buf);
	return r;
}
