/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nldump.c - one netlink dump (nldump.h).
 */
#include "nldump.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define NL_BUFSIZE (1 << 16) /* a dump's replies come in messages of a page or two */

int ipp_nl_dump(int protocol, const void *req, size_t len, uint16_t type,
		int (*fn)(const struct nlmsghdr *nh, void *ctx), void *ctx)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	char *buf = malloc(NL_BUFSIZE);
	bool done = false;
	int fd, r = 0;

	if (!buf)
		return -ENOMEM;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (fd < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	if (sendto(fd, req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		r = -errno;
	while (r == 0 && !done) {
		ssize_t n = recv(fd, buf, NL_BUFSIZE, 0);
		const struct nlmsghdr *nh = (const struct nlmsghdr *)(void *)buf;
		unsigned int left =
		    n > 0 ? (unsigned int)n : 0; /* (NLMSG_OK compares with __u32) */

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		for (; r == 0 && NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					r = -EIO;
				else if (e->error)
					r = e->error;
				else
					done =
					    true; /* the acknowledgement of a request, not a dump */
				break;
			}
			if (nh->nlmsg_type == type)
				r = fn(nh, ctx);
		}
	}
	close(fd);
	free(buf);
	return r;
}
