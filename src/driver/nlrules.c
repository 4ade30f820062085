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

#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../common/fnv.h"
#include "../common/nldump.h"
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

/* A string attribute into @buf (@len bytes, NUL-terminated); left alone when it does not fit. */
static void attr_str(const struct nlattr *a, char *buf, size_t len)
{
	int n = NLA_LEN(a);

	if (n > 0 && (size_t)n <= len) {
		memcpy(buf, NLA_DATA(a), (size_t)n);
		buf[n - 1] = '\0';
	}
}

static uint32_t be32(const void *p);

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
		attr_str(a, r->chain, sizeof(r->chain));
		break;
	case NFTA_RULE_EXPRESSIONS:
		each_attr(NLA_DATA(a), n, list_elem, r);
		break;
	case NFTA_RULE_USERDATA:
		user_comment(NLA_DATA(a), n, r);
		break;
	}
}

/* A reply of the nftables subsystem: its attributes, after the nfgenmsg, to @fn. */
struct reply {
	int (*fn)(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx);
	void *ctx;
};

static int nft_reply(const struct nlmsghdr *nh, void *ctx)
{
	const struct reply *rp = ctx;
	const struct nfgenmsg *g = NLMSG_DATA(nh);

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*g)))
		return 0;
	return rp->fn(nh, (const char *)g + NLMSG_ALIGN(sizeof(*g)),
		      (int)(nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*g)))), rp->ctx);
}

/* A string attribute at @p (NUL included); the bytes written. */
static size_t put_str(char *p, uint16_t type, const char *v)
{
	struct nlattr *a = (struct nlattr *)(void *)p;
	size_t n = strlen(v) + 1;

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy(p + NLA_HDRLEN, v, n);
	return NLA_ALIGN(NLA_HDRLEN + n);
}

struct rules_ctx {
	int (*fn)(const char *chain, const char *comment, uint64_t packets, uint64_t bytes,
		  void *ctx);
	void *ctx;
};

static int one_rule(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	struct rules_ctx *rc = ctx;
	struct rule rule = {{0}, {0}, false, 0, 0};

	(void)nh;
	each_attr(attrs, alen, rule_attr, &rule);
	return rule.counted && rule.chain[0]
		   ? rc->fn(rule.chain, rule.comment, rule.packets, rule.bytes, rc->ctx)
		   : 0;
}

/* An nfnetlink dump request of the nftables subsystem for the inet family. */
struct request {
	struct nlmsghdr nh;
	struct nfgenmsg g;
	char attr[2 * (NLA_HDRLEN + 256)];
};

static void request_init(struct request *req, uint16_t msg)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | msg);
	req->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req->nh.nlmsg_seq = 1;
	req->g.nfgen_family = NFPROTO_INET;
	req->g.version = NFNETLINK_V0;
}

/*
 * Send @req with its @alen bytes of attributes and give each reply of
 * message @reply to @fn; 0 or -errno.
 */
static int request_dump(struct request *req, size_t alen, uint16_t reply,
			int (*fn)(const struct nlmsghdr *nh, const void *attrs, int alen,
				  void *ctx),
			void *ctx)
{
	struct reply rp = {fn, ctx};

	req->nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof(req->g)) + alen);
	return ipp_nl_dump(NETLINK_NETFILTER, req, req->nh.nlmsg_len,
			   (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | reply), nft_reply, &rp);
}

/* A dump of message @msg for the objects of our table (@table_attr names it). */
static int table_dump(uint16_t msg, uint16_t table_attr, uint16_t reply,
		      int (*fn)(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx),
		      void *ctx)
{
	struct request req;

	request_init(&req, msg);
	return request_dump(&req, put_str(req.attr, table_attr, IPP_NFT_TABLE), reply, fn, ctx);
}

int ipp_nlrules_read(int (*fn)(const char *chain, const char *comment, uint64_t packets,
			       uint64_t bytes, void *ctx),
		     void *ctx)
{
	struct rules_ctx rc = {fn, ctx};

	return table_dump(NFT_MSG_GETRULE, NFTA_RULE_TABLE, NFT_MSG_NEWRULE, one_rule, &rc);
}

static int count_rule(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	(void)nh, (void)attrs, (void)alen;
	++*(unsigned *)ctx;
	return 0;
}

int ipp_nlchain_rules(const char *chain, unsigned *ret)
{
	struct request req;
	size_t n;

	*ret = 0;
	request_init(&req, NFT_MSG_GETRULE);
	n = put_str(req.attr, NFTA_RULE_TABLE, IPP_NFT_TABLE);
	n += put_str(req.attr + n, NFTA_RULE_CHAIN, chain);
	return request_dump(&req, n, NFT_MSG_NEWRULE, count_rule, ret);
}

/* ---------- the ruleset's generation ---------- */

static void gen_attr(const struct nlattr *a, void *ctx)
{
	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_GEN_ID && NLA_LEN(a) == 4)
		*(uint32_t *)ctx = be32(NLA_DATA(a));
}

static int gen_reply(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	(void)nh;
	each_attr(attrs, alen, gen_attr, ctx);
	return 0;
}

int ipp_nlgen(uint32_t *ret)
{
	struct request req;

	*ret = 0;
	request_init(&req, NFT_MSG_GETGEN);
	/* (not a dump: one answer, then the acknowledgement) */
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.g.nfgen_family = NFPROTO_UNSPEC;
	return request_dump(&req, 0, NFT_MSG_NEWGEN, gen_reply, ret);
}

/* ---------- the rules' fingerprint ---------- */

/* FNV-1a over the @n bytes at @p, into *@h. */
static void fnv(uint64_t *h, const void *p, size_t n)
{
	*h = ipp_fnv1a_bytes(*h, p, n);
}

struct fp_expr {
	const struct nlattr *name, *data;
};

static void fp_expr_attr(const struct nlattr *a, void *ctx)
{
	struct fp_expr *x = ctx;

	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_EXPR_NAME)
		x->name = a;
	else if ((a->nla_type & NLA_TYPE_MASK) == NFTA_EXPR_DATA)
		x->data = a;
}

/*
 * One expression: its name and its data, except what moves with the traffic:
 * a counter's counts, and the state a dynset keeps with its set (the
 * set and the operation stay).
 */
static void fp_list_elem(const struct nlattr *a, void *ctx)
{
	struct fp_expr x = {NULL, NULL};

	if ((a->nla_type & NLA_TYPE_MASK) != NFTA_LIST_ELEM)
		return;
	each_attr(NLA_DATA(a), NLA_LEN(a), fp_expr_attr, &x);
	if (!x.name)
		return;
	fnv(ctx, NLA_DATA(x.name), (size_t)NLA_LEN(x.name));
	if (!x.data || !strncmp(NLA_DATA(x.name), "counter", (size_t)NLA_LEN(x.name)))
		return;
	if (!strncmp(NLA_DATA(x.name), "dynset", (size_t)NLA_LEN(x.name))) {
		const struct nlattr *at = NLA_DATA(x.data);
		int len = NLA_LEN(x.data);

		while (len >= NLA_HDRLEN && at->nla_len >= NLA_HDRLEN && at->nla_len <= len) {
			unsigned t = at->nla_type & NLA_TYPE_MASK;

			if (t == NFTA_DYNSET_SET_NAME || t == NFTA_DYNSET_OP ||
			    t == NFTA_DYNSET_SREG_KEY || t == NFTA_DYNSET_SREG_DATA)
				fnv(ctx, at, at->nla_len);
			len -= NLA_ALIGN(at->nla_len);
			at = (const struct nlattr *)((const char *)at + NLA_ALIGN(at->nla_len));
		}
		return;
	}
	fnv(ctx, NLA_DATA(x.data), (size_t)NLA_LEN(x.data));
}

static void fp_rule_attr(const struct nlattr *a, void *ctx)
{
	switch (a->nla_type & NLA_TYPE_MASK) {
	case NFTA_RULE_CHAIN:
	case NFTA_RULE_HANDLE:
	case NFTA_RULE_USERDATA:
		fnv(ctx, a, a->nla_len);
		break;
	case NFTA_RULE_EXPRESSIONS:
		each_attr(NLA_DATA(a), NLA_LEN(a), fp_list_elem, ctx);
		break;
	}
}

/* The fingerprints of a dump, a chain at a time (the kernel gives a chain's rules together). */
struct fp_dump {
	char chain[IPP_NLRULE_NAME_MAX];
	uint64_t h;
	bool open;
	int (*fn)(const char *chain, uint64_t h, void *ctx);
	void *ctx;
	int r;
};

static void fp_chain_name(const struct nlattr *a, void *ctx)
{
	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_RULE_CHAIN)
		attr_str(a, ctx, IPP_NLRULE_NAME_MAX);
}

static int fp_rule(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	struct fp_dump *f = ctx;
	char chain[IPP_NLRULE_NAME_MAX] = "";

	(void)nh;
	each_attr(attrs, alen, fp_chain_name, chain);
	if (f->open && strcmp(chain, f->chain)) {
		if (f->r == 0)
			f->r = f->fn(f->chain, f->h, f->ctx);
		f->open = false;
	}
	if (!f->open) {
		snprintf(f->chain, sizeof(f->chain), "%s", chain);
		f->h = IPP_FNV1A_BASIS;
		f->open = true;
	}
	each_attr(attrs, alen, fp_rule_attr, &f->h);
	fnv(&f->h, "\n", 1); /* (one rule ends) */
	return 0;
}

int ipp_nlrules_fingerprints(const char *chain, int (*fn)(const char *chain, uint64_t h, void *ctx),
			     void *ctx)
{
	struct fp_dump f = {.fn = fn, .ctx = ctx};
	struct request req;
	size_t n;
	int r;

	request_init(&req, NFT_MSG_GETRULE);
	n = put_str(req.attr, NFTA_RULE_TABLE, IPP_NFT_TABLE);
	if (chain)
		n += put_str(req.attr + n, NFTA_RULE_CHAIN, chain);
	r = request_dump(&req, n, NFT_MSG_NEWRULE, fp_rule, &f);
	if (r == 0 && f.open && f.r == 0)
		f.r = fn(f.chain, f.h, ctx);
	return r < 0 ? r : f.r;
}

/* ---------- set elements ---------- */

struct elem {
	const uint8_t *key;
	size_t keylen;
	struct rule counts; /* (its packets and bytes; a map's element: its verdict chain) */
	int32_t verdict;    /* a map's element: its verdict code (NF_ACCEPT, NFT_GOTO ...) */
	bool has_verdict;
};

static void key_attr(const struct nlattr *a, void *ctx)
{
	struct elem *e = ctx;

	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_DATA_VALUE) {
		e->key = NLA_DATA(a);
		e->keylen = (size_t)NLA_LEN(a);
	}
}

/* One expression of an element: a counter's counts. */
static void elem_expr(const struct nlattr *a, struct elem *e)
{
	struct expr x = {false, NULL};

	each_attr(NLA_DATA(a), NLA_LEN(a), expr_attr, &x);
	if (x.counter && x.data) {
		e->counts.counted = true;
		each_attr(NLA_DATA(x.data), NLA_LEN(x.data), counter_attr, &e->counts);
	}
}

static void elem_exprs(const struct nlattr *a, void *ctx)
{
	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_LIST_ELEM)
		elem_expr(a, ctx);
}

/* NFTA_VERDICT_* of a map element's verdict. */
static void verdict_attr(const struct nlattr *a, void *ctx)
{
	struct elem *e = ctx;
	int n = NLA_LEN(a);

	switch (a->nla_type & NLA_TYPE_MASK) {
	case NFTA_VERDICT_CODE:
		if (n == 4) {
			e->verdict = (int32_t)be32(NLA_DATA(a));
			e->has_verdict = true;
		}
		break;
	case NFTA_VERDICT_CHAIN:
		attr_str(a, e->counts.chain, sizeof(e->counts.chain));
		break;
	}
}

static void data_attr(const struct nlattr *a, void *ctx)
{
	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_DATA_VERDICT)
		each_attr(NLA_DATA(a), NLA_LEN(a), verdict_attr, ctx);
}

static void elem_attr(const struct nlattr *a, void *ctx)
{
	struct elem *e = ctx;

	switch (a->nla_type & NLA_TYPE_MASK) {
	case NFTA_SET_ELEM_KEY:
		each_attr(NLA_DATA(a), NLA_LEN(a), key_attr, e);
		break;
	case NFTA_SET_ELEM_DATA:
		each_attr(NLA_DATA(a), NLA_LEN(a), data_attr, e);
		break;
	case NFTA_SET_ELEM_EXPR:
		elem_expr(a, e);
		break;
	case NFTA_SET_ELEM_EXPRESSIONS:
		each_attr(NLA_DATA(a), NLA_LEN(a), elem_exprs, e);
		break;
	}
}

struct elems_ctx {
	int (*fn)(const uint8_t *key, size_t keylen, uint64_t packets, uint64_t bytes, void *ctx);
	int (*mapfn)(const uint8_t *key, size_t keylen, int verdict, const char *chain,
		     uint64_t packets, uint64_t bytes, void *ctx);
	void *ctx;
	int r;
};

static void one_elem(const struct nlattr *a, void *ctx)
{
	struct elems_ctx *ec = ctx;
	struct elem e = {NULL, 0, {{0}, {0}, false, 0, 0}, 0, false};

	if (ec->r < 0 || (a->nla_type & NLA_TYPE_MASK) != NFTA_LIST_ELEM)
		return;
	each_attr(NLA_DATA(a), NLA_LEN(a), elem_attr, &e);
	if (!e.key)
		return;
	if (ec->mapfn)
		ec->r = ec->mapfn(e.key, e.keylen, e.has_verdict ? e.verdict : INT32_MIN,
				  e.counts.chain, e.counts.packets, e.counts.bytes, ec->ctx);
	else
		ec->r = ec->fn(e.key, e.keylen, e.counts.packets, e.counts.bytes, ec->ctx);
}

static void elem_list(const struct nlattr *a, void *ctx)
{
	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_SET_ELEM_LIST_ELEMENTS)
		each_attr(NLA_DATA(a), NLA_LEN(a), one_elem, ctx);
}

static int one_elem_msg(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	struct elems_ctx *ec = ctx;

	(void)nh;
	each_attr(attrs, alen, elem_list, ec);
	return ec->r;
}

static int set_read(const char *set, struct elems_ctx *ec)
{
	struct request req;
	size_t n;

	if (strlen(set) >= 256)
		return -ENAMETOOLONG;
	request_init(&req, NFT_MSG_GETSETELEM);
	n = put_str(req.attr, NFTA_SET_ELEM_LIST_TABLE, IPP_NFT_TABLE);
	n += put_str(req.attr + n, NFTA_SET_ELEM_LIST_SET, set);
	return request_dump(&req, n, NFT_MSG_NEWSETELEM, one_elem_msg, ec);
}

int ipp_nlmap_read(const char *map,
		   int (*fn)(const uint8_t *key, size_t keylen, int verdict, const char *chain,
			     uint64_t packets, uint64_t bytes, void *ctx),
		   void *ctx)
{
	struct elems_ctx ec = {NULL, fn, ctx, 0};

	return set_read(map, &ec);
}

int ipp_nlset_read(const char *set,
		   int (*fn)(const uint8_t *key, size_t keylen, uint64_t packets, uint64_t bytes,
			     void *ctx),
		   void *ctx)
{
	struct elems_ctx ec = {fn, NULL, ctx, 0};

	return set_read(set, &ec);
}

/* ---------- sets ---------- */

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

struct set {
	char name[IPP_NLRULE_NAME_MAX];
	uint32_t flags, size;
};

static void desc_attr(const struct nlattr *a, void *ctx)
{
	struct set *st = ctx;

	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_SET_DESC_SIZE && NLA_LEN(a) == 4)
		st->size = be32(NLA_DATA(a));
}

static void set_attr(const struct nlattr *a, void *ctx)
{
	struct set *st = ctx;
	int n = NLA_LEN(a);

	switch (a->nla_type & NLA_TYPE_MASK) {
	case NFTA_SET_NAME:
		attr_str(a, st->name, sizeof(st->name));
		break;
	case NFTA_SET_FLAGS:
		if (n == 4)
			st->flags = be32(NLA_DATA(a));
		break;
	case NFTA_SET_DESC:
		each_attr(NLA_DATA(a), n, desc_attr, st);
		break;
	}
}

struct sets_ctx {
	int (*fn)(const char *name, uint32_t flags, uint32_t size, void *ctx);
	void *ctx;
};

static int one_set(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	struct sets_ctx *sc = ctx;
	struct set st = {{0}, 0, 0};

	(void)nh;
	each_attr(attrs, alen, set_attr, &st);
	return st.name[0] ? sc->fn(st.name, st.flags, st.size, sc->ctx) : 0;
}

int ipp_nlsets_list(int (*fn)(const char *name, uint32_t flags, uint32_t size, void *ctx),
		    void *ctx)
{
	struct sets_ctx sc = {fn, ctx};

	return table_dump(NFT_MSG_GETSET, NFTA_SET_TABLE, NFT_MSG_NEWSET, one_set, &sc);
}

/* ---------- named counters ---------- */

struct obj {
	struct rule counts; /* its name as the chain, its comment, packets and bytes */
	bool counter;
};

static void obj_attr(const struct nlattr *a, void *ctx)
{
	struct obj *o = ctx;
	int n = NLA_LEN(a);

	switch (a->nla_type & NLA_TYPE_MASK) {
	case NFTA_OBJ_NAME:
		attr_str(a, o->counts.chain, sizeof(o->counts.chain));
		break;
	case NFTA_OBJ_TYPE:
		o->counter = n == 4 && be32(NLA_DATA(a)) == NFT_OBJECT_COUNTER;
		break;
	case NFTA_OBJ_DATA:
		each_attr(NLA_DATA(a), n, counter_attr, &o->counts);
		break;
	case NFTA_OBJ_USERDATA:
		user_comment(NLA_DATA(a), n, &o->counts);
		break;
	}
}

static int one_obj(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	struct rules_ctx *cc = ctx; /* (a counter: its name as the chain) */
	struct obj o = {{{0}, {0}, false, 0, 0}, false};

	(void)nh;
	each_attr(attrs, alen, obj_attr, &o);
	return o.counter && o.counts.chain[0] ? cc->fn(o.counts.chain, o.counts.comment,
						       o.counts.packets, o.counts.bytes, cc->ctx)
					      : 0;
}

int ipp_nlcounters_read(int (*fn)(const char *name, const char *comment, uint64_t packets,
				  uint64_t bytes, void *ctx),
			void *ctx)
{
	struct rules_ctx cc = {fn, ctx};

	return table_dump(NFT_MSG_GETOBJ, NFTA_OBJ_TABLE, NFT_MSG_NEWOBJ, one_obj, &cc);
}

/* ---------- the table ---------- */

struct table {
	bool ours;
	struct rule udata; /* its comment */
	uint64_t handle;
	uint32_t flags;
};

static void table_attr(const struct nlattr *a, void *ctx)
{
	struct table *t = ctx;
	int n = NLA_LEN(a);

	switch (a->nla_type & NLA_TYPE_MASK) {
	case NFTA_TABLE_NAME:
		t->ours =
		    n == sizeof(IPP_NFT_TABLE) && !memcmp(NLA_DATA(a), IPP_NFT_TABLE, (size_t)n);
		break;
	case NFTA_TABLE_USERDATA:
		user_comment(NLA_DATA(a), n, &t->udata);
		break;
	case NFTA_TABLE_HANDLE:
		if (n == 8) {
			uint64_t be;

			memcpy(&be, NLA_DATA(a), 8);
			t->handle = be64toh(be);
		}
		break;
	case NFTA_TABLE_FLAGS:
		if (n == 4)
			t->flags = be32(NLA_DATA(a));
		break;
	}
}

struct table_ctx {
	bool found;
	char *buf;
	size_t len;
	uint64_t handle;
	uint32_t flags;
};

static int one_table(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	struct table_ctx *tc = ctx;
	struct table t = {false, {{0}, {0}, false, 0, 0}, 0, 0};

	(void)nh;
	each_attr(attrs, alen, table_attr, &t);
	if (t.ours) {
		tc->found = true;
		tc->handle = t.handle;
		tc->flags = t.flags;
		snprintf(tc->buf, tc->len, "%s", t.udata.comment);
	}
	return 0;
}

int ipp_nltable_info(char *buf, size_t len, uint64_t *handle, uint32_t *flags)
{
	struct table_ctx tc = {false, buf, len, 0, 0};
	struct request req;
	int r;

	if (len)
		buf[0] = '\0';
	request_init(&req, NFT_MSG_GETTABLE);
	if ((r = request_dump(&req, 0, NFT_MSG_NEWTABLE, one_table, &tc)) < 0)
		return r;
	if (handle)
		*handle = tc.handle;
	if (flags)
		*flags = tc.flags;
	return tc.found ? 0 : -ENOENT;
}

int ipp_nltable_comment(char *buf, size_t len, uint64_t *handle)
{
	return ipp_nltable_info(buf, len, handle, NULL);
}

/* ---------- a base chain's policy ---------- */

struct chain_ctx {
	const char *name;
	int policy; /* -ENOENT until found */
};

struct chain {
	bool named, ours;
	int policy;
	const char *want;
};

static void chain_attr(const struct nlattr *a, void *ctx)
{
	struct chain *c = ctx;
	int n = NLA_LEN(a);

	switch (a->nla_type & NLA_TYPE_MASK) {
	case NFTA_CHAIN_TABLE:
		/* (the kernel's chain dump does not keep to the table asked for) */
		c->ours =
		    n == sizeof(IPP_NFT_TABLE) && !memcmp(NLA_DATA(a), IPP_NFT_TABLE, (size_t)n);
		break;
	case NFTA_CHAIN_NAME:
		c->named =
		    n == (int)strlen(c->want) + 1 && !memcmp(NLA_DATA(a), c->want, (size_t)n);
		break;
	case NFTA_CHAIN_POLICY:
		if (n == 4)
			c->policy = be32(NLA_DATA(a)) == NF_ACCEPT ? 1 : 0;
		break;
	}
}

static int one_chain(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	struct chain_ctx *cc = ctx;
	struct chain c = {false, false, -ENOENT, cc->name};

	(void)nh;
	each_attr(attrs, alen, chain_attr, &c);
	if (c.named && c.ours && c.policy >= 0)
		cc->policy = c.policy;
	return 0;
}

int ipp_nlchain_policy(const char *chain)
{
	struct chain_ctx cc = {chain, -ENOENT};
	int r;

	if ((r = table_dump(NFT_MSG_GETCHAIN, NFTA_CHAIN_TABLE, NFT_MSG_NEWCHAIN, one_chain, &cc)) <
	    0)
		return r;
	return cc.policy;
}

/* ---------- a named counter read and zeroed ---------- */

static void put_u32(char *p, uint16_t type, uint32_t v, size_t *at)
{
	struct nlattr *a = (struct nlattr *)(void *)(p + *at);
	uint8_t *b = (uint8_t *)(p + *at + NLA_HDRLEN);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + 4;
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	*at += NLA_ALIGN(NLA_HDRLEN + 4);
}

static int reset_obj(const struct nlmsghdr *nh, const void *attrs, int alen, void *ctx)
{
	struct obj *o = ctx;

	(void)nh;
	each_attr(attrs, alen, obj_attr, o);
	return 0;
}

int ipp_nlcounter_reset(const char *name, uint64_t *packets, uint64_t *bytes)
{
	struct obj o = {{{0}, {0}, false, 0, 0}, false};
	struct request req;
	size_t n;
	int r;

	if (strlen(name) >= 256)
		return -ENAMETOOLONG;
	request_init(&req, NFT_MSG_GETOBJ_RESET);
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK; /* this one object, not a dump */
	n = put_str(req.attr, NFTA_OBJ_TABLE, IPP_NFT_TABLE);
	n += put_str(req.attr + n, NFTA_OBJ_NAME, name);
	put_u32(req.attr, NFTA_OBJ_TYPE, NFT_OBJECT_COUNTER, &n);
	if ((r = request_dump(&req, n, NFT_MSG_NEWOBJ, reset_obj, &o)) < 0)
		return r;
	if (!o.counter)
		return -ENOENT;
	*packets = o.counts.packets;
	*bytes = o.counts.bytes;
	return 0;
}
