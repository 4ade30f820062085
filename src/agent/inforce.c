/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inforce.c - what kind of ruleset is in force, asked of the kernel directly.
 *
 * One nf_tables GETCHAIN request for the input base chain of our table: its
 * policy tells a secure ruleset (accept: no match means permitted) from the
 * fixed modes (drop).  libnftables would list the whole table first, which
 * takes most of a second with 100k elements; this takes microseconds.
 * Read-only: the kernel's state is only ever changed through the driver.
 */
#include <endian.h>
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

#include "../driver/driver.h"
#include "agent.h"

#define NLA_ALIGNED(n) (((n) + 3u) & ~3u)

static size_t put_attr(char *buf, size_t off, uint16_t type, const char *s)
{
	struct nlattr *a = (struct nlattr *)(buf + off);
	size_t len = strlen(s) + 1;

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(buf + off + NLA_HDRLEN, s, len);
	return off + NLA_ALIGNED(a->nla_len);
}

/*
 * The policy of base chain "input" of our table: 1 accept, 0 drop; -ENOENT
 * when there is no such chain (no table), another -errno on failure.
 */
static int input_policy(void)
{
	char req[256] __attribute__((aligned(4))) = {0};
	char resp[8192] __attribute__((aligned(4)));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct nlmsghdr *nh = (struct nlmsghdr *)req;
	struct nfgenmsg *nf;
	struct timeval tv = {.tv_sec = 2};
	size_t off;
	ssize_t n;
	int fd, r = -EIO;

	nh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETCHAIN;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = 1;
	nf = (struct nfgenmsg *)NLMSG_DATA(nh);
	nf->nfgen_family = NFPROTO_INET;
	nf->version = NFNETLINK_V0;
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nf));
	off = put_attr(req, off, NFTA_CHAIN_TABLE, IPP_NFT_TABLE);
	off = put_attr(req, off, NFTA_CHAIN_NAME, "input");
	nh->nlmsg_len = (uint32_t)off;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, req, off, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		n = recv(fd, resp, sizeof(resp), 0);
		if (n < 0) {
			r = -errno;
			goto out;
		}
		for (nh = (struct nlmsghdr *)resp; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = (struct nlmsgerr *)NLMSG_DATA(nh);

				/* The ACK (error 0) follows the chain: done. */
				if (e->error < 0 || r == -EIO)
					r = e->error < 0 ? e->error : r;
				goto out;
			}
			if (nh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN)) {
				size_t alen = nh->nlmsg_len - NLMSG_HDRLEN -
					      NLMSG_ALIGN(sizeof(struct nfgenmsg));
				struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nh) +
								     NLMSG_ALIGN(sizeof(*nf)));

				while (alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
				       a->nla_len <= alen) {
					if ((a->nla_type & NLA_TYPE_MASK) == NFTA_CHAIN_POLICY &&
					    a->nla_len >= NLA_HDRLEN + 4) {
						uint32_t v;

						memcpy(&v, (char *)a + NLA_HDRLEN, 4);
						r = be32toh(v) == NF_ACCEPT ? 1 : 0;
					}
					alen -= NLA_ALIGNED(a->nla_len) < alen
						    ? NLA_ALIGNED(a->nla_len)
						    : alen;
					a = (struct nlattr *)((char *)a + NLA_ALIGNED(a->nla_len));
				}
			}
		}
	}
out:
	close(fd);
	return r;
}

bool ipp_agent_secure_in_force(struct ipp_driver *d)
{
	char *out = NULL;
	bool secure;
	int r = input_policy();

	if (r >= 0)
		return r == 1;
	if (r == -ENOENT)
		return false; /* no table (or no input chain): nothing to slip through */
	/* The direct question failed: ask through libnftables (slow on big tables). */
	if (ipp_driver_query(d, "list chain " IPP_NFT_FAMILY " " IPP_NFT_TABLE " input", false,
			     &out, NULL) < 0)
		return true; /* unknown: guard */
	secure = strstr(out, "policy accept") != NULL;
	free(out);
	return secure;
}
