/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfmon.c - other processes' changes to table inet ipsecpol, read from
 * nf_tables' notifications (NFNLGRP_NFTABLES).
 */
#include "nfmon.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../compile/compile.h"
#include "driver.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Room for a burst of notifications: an element's is about 100 bytes. */
#define NFMON_RCVBUF (8 << 20)

struct ipp_nfmon {
	int fd;
	bool listening;
	/* the transaction being read: did it touch the table, and what first */
	bool touched, only_elements;
	char what[160];
	/* the first foreign transaction seen by this read */
	bool have;
	struct ipp_nfmon_change ch;
	char buf[1 << 16] __attribute__((aligned(NLMSG_ALIGNTO)));
};

int ipp_nfmon_open(struct ipp_nfmon **ret, struct ipp_error *err)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct ipp_nfmon *m;
	int sz = NFMON_RCVBUF;

	if (!(m = calloc(1, sizeof(*m))))
		return ipp_err(err, ENOMEM, "out of memory");
	m->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
	if (m->fd < 0 || bind(m->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = ipp_err(err, errno,
				"cannot open a netlink socket for nf_tables' "
				"notifications: %s",
				strerror(errno));

		ipp_nfmon_close(m);
		return r;
	}
	/* (root may go beyond net.core.rmem_max; others keep what they get) */
	if (setsockopt(m->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(m->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (ipp_nfmon_listen(m, true) < 0) {
		int r = ipp_err(err, errno, "cannot join nf_tables' notification group: %s",
				strerror(errno));

		ipp_nfmon_close(m);
		return r;
	}
	*ret = m;
	return 0;
}

void ipp_nfmon_close(struct ipp_nfmon *m)
{
	if (!m)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

int ipp_nfmon_fd(const struct ipp_nfmon *m)
{
	return m ? m->fd : -1;
}

int ipp_nfmon_listen(struct ipp_nfmon *m, bool on)
{
	int grp = NFNLGRP_NFTABLES;

	if (!m || m->listening == on)
		return 0;
	if (setsockopt(m->fd, SOL_NETLINK, on ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP,
		       &grp, sizeof(grp)) < 0)
		return -errno;
	m->listening = on;
	return 0;
}

/* The string attribute of type @type among the @len bytes at @a, or NULL. */
static const char *attr_str(const struct nlattr *a, int len, unsigned type, char *buf, size_t blen)
{
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		int n = (int)a->nla_len - NLA_HDRLEN;

		if ((a->nla_type & NLA_TYPE_MASK) == type && n > 0) {
			if ((size_t)n > blen)
				n = (int)blen;
			memcpy(buf, (const char *)a + NLA_HDRLEN, (size_t)n);
			buf[n - 1] = '\0';
			return buf;
		}
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

static bool attr_u32(const struct nlattr *a, int len, unsigned type, uint32_t *ret)
{
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == type && a->nla_len == NLA_HDRLEN + 4) {
			const uint8_t *b = (const uint8_t *)a + NLA_HDRLEN;

			*ret = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
			       b[3];
			return true;
		}
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return false;
}

/* What a notification of the table says, in words: "an element of map X added". */
static void describe(unsigned msg, const char *name, char *buf, size_t len)
{
	static const struct {
		unsigned msg;
		const char *fmt;
	} words[] = {
	    {NFT_MSG_NEWTABLE, "the table added or changed"},
	    {NFT_MSG_DELTABLE, "the table deleted"},
	    {NFT_MSG_NEWCHAIN, "chain %s added or changed"},
	    {NFT_MSG_DELCHAIN, "chain %s deleted"},
	    {NFT_MSG_NEWRULE, "a rule of chain %s added or replaced"},
	    {NFT_MSG_DELRULE, "a rule of chain %s deleted"},
	    {NFT_MSG_NEWSET, "set or map %s added"},
	    {NFT_MSG_DELSET, "set or map %s deleted"},
	    {NFT_MSG_NEWSETELEM, "an element of %s added"},
	    {NFT_MSG_DELSETELEM, "an element of %s deleted"},
	    {NFT_MSG_NEWOBJ, "object %s added or changed"},
	    {NFT_MSG_DELOBJ, "object %s deleted"},
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].msg == msg) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(buf, len, words[i].fmt, name);
#pragma GCC diagnostic pop
			return;
		}
	snprintf(buf, len, "something of it changed (notification %u)", msg);
}

/* One nf_tables notification. */
static void on_msg(struct ipp_nfmon *m, const struct nlmsghdr *nh)
{
	const struct nfgenmsg *g = NLMSG_DATA(nh);
	const struct nlattr *a = (const void *)((const char *)g + NLMSG_ALIGN(sizeof(*g)));
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*g)));
	unsigned msg = NFNL_MSG_TYPE(nh->nlmsg_type);
	char table[256], name[256];
	uint32_t pid = 0;

	if (NFNL_SUBSYS_ID(nh->nlmsg_type) != NFNL_SUBSYS_NFTABLES || len < 0)
		return;
	if (msg == NFT_MSG_NEWGEN) {
		/* (the caller's own, should it have listened meanwhile: left out too) */
		if (m->touched && !m->have &&
		    !(attr_u32(a, len, NFTA_GEN_PROC_PID, &pid) && (pid_t)pid == getpid())) {
			m->have = true;
			memset(&m->ch, 0, sizeof(m->ch));
			m->ch.pid = (long)pid;
			(void)attr_str(a, len, NFTA_GEN_PROC_NAME, m->ch.comm, sizeof(m->ch.comm));
			snprintf(m->ch.what, sizeof(m->ch.what), "%s", m->what);
			m->ch.elements = m->only_elements;
		}
		m->touched = false;
		return;
	}
	/* every object's first attribute names its table (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE,
	 * NFTA_RULE_TABLE, NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE) */
	if (g->nfgen_family != NFPROTO_INET || !attr_str(a, len, 1, table, sizeof(table)) ||
	    strcmp(table, IPP_NFT_TABLE) != 0)
		return;
	name[0] = '\0';
	switch (msg) {
	case NFT_MSG_NEWCHAIN:
	case NFT_MSG_DELCHAIN:
		(void)attr_str(a, len, NFTA_CHAIN_NAME, name, sizeof(name));
		break;
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE:
		(void)attr_str(a, len, NFTA_RULE_CHAIN, name, sizeof(name));
		break;
	case NFT_MSG_NEWSET:
	case NFT_MSG_DELSET:
		(void)attr_str(a, len, NFTA_SET_NAME, name, sizeof(name));
		break;
	case NFT_MSG_NEWSETELEM:
	case NFT_MSG_DELSETELEM: {
		int fam;
		bool in, pair;
		enum ipp_cverdict v;
		unsigned gen;

		(void)attr_str(a, len, NFTA_SET_ELEM_LIST_SET, name, sizeof(name));
		/* the packet path fills the flow cache; what is added by hand there is
		 * forgotten at the cache's next generation */
		if (ipp_flowcache_parse(name, &fam, &in, &v, &gen, &pair))
			return;
		break;
	}
	case NFT_MSG_NEWOBJ:
	case NFT_MSG_DELOBJ:
		(void)attr_str(a, len, NFTA_OBJ_NAME, name, sizeof(name));
		break;
	default:
		break;
	}
	if (!m->touched) {
		m->touched = true;
		m->only_elements = true;
		describe(msg, name, m->what, sizeof(m->what));
	}
	if (msg != NFT_MSG_NEWSETELEM && msg != NFT_MSG_DELSETELEM)
		m->only_elements = false;
}

int ipp_nfmon_read(struct ipp_nfmon *m, struct ipp_nfmon_change *ret)
{
	bool lost = false;

	m->have = false;
	for (;;) {
		ssize_t n = recv(m->fd, m->buf, sizeof(m->buf), MSG_DONTWAIT);
		unsigned int left; /* (NLMSG_OK compares with __u32) */

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* what was lost may have been the end of a transaction */
				lost = true;
				m->touched = false;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		if (n == 0)
			break;
		left = (unsigned int)n;
		for (const struct nlmsghdr *nh = (const void *)m->buf; NLMSG_OK(nh, left);
		     nh = NLMSG_NEXT(nh, left))
			on_msg(m, nh);
	}
	if (!m->have && !lost)
		return 0;
	if (!m->have)
		memset(&m->ch, 0, sizeof(m->ch));
	m->ch.lost = lost;
	*ret = m->ch;
	return 1;
}
