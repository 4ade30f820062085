/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "notify.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

const char *ipp_errno_name(int errnum)
{
	const char *n;

	if (errnum < 0)
		errnum = -errnum;
	n = strerrorname_np(errnum);
	return n ? n : "E?";
}

int ipp_errno_from_name(const char *name)
{
	const char *n;
	int i;

	for (i = 1; i < 256; i++)
		if ((n = strerrorname_np(i)) && !strcmp(n, name))
			return i;
	return 0;
}

int ipp_notify_path(const struct ipp_paths *p, char *buf, struct ipp_error *err)
{
	int r = snprintf(buf, IPP_PATH_MAX, "%s/%s", p->rundir, IPP_NOTIFY_SOCKET);

	if (r < 0 || r >= IPP_PATH_MAX)
		return ipp_err(err, ENAMETOOLONG, "path \"%s\" is too long", p->rundir);
	return 0;
}

static int sun_fill(struct sockaddr_un *sa, const char *path, struct ipp_error *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return ipp_err(err, ENAMETOOLONG,
			       "socket path \"%s\" is too long for a Unix socket (at most %zu "
			       "bytes)",
			       path, sizeof(sa->sun_path) - 1);
	strcpy(sa->sun_path, path);
	return 0;
}

int ipp_notify_agent(const struct ipp_paths *p, struct ipp_error *err)
{
	static const char msg[] = "changed\n";
	char path[IPP_PATH_MAX];
	struct sockaddr_un sa;
	int fd, r;

	if ((r = ipp_notify_path(p, path, err)) < 0 || (r = sun_fill(&sa, path, err)) < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return ipp_err(err, errno, "socket: %s", strerror(errno));
	r = (int)sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0) {
		r = errno;
		close(fd);
		/* A full queue means notifications are pending: the agent will look anyway. */
		if (r == EAGAIN)
			return 0;
		if (r == ENOENT || r == ECONNREFUSED)
			return ipp_err(err, r, "the policy agent is not running (no \"%s\")", path);
		return ipp_err(err, r, "cannot notify the policy agent at \"%s\": %s", path,
			       strerror(r));
	}
	close(fd);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait for @events on @fd until @deadline (ms); -ETIMEDOUT when it passes. */
static int wait_fd(int fd, short events, long deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* The last complete line of @buf (which ends in '\n') and its start offset. */
static const char *last_line(const char *buf, size_t len, size_t *ret_off)
{
	size_t i = len - 1; /* buf[len - 1] == '\n' */

	while (i > 0 && buf[i - 1] != '\n')
		i--;
	*ret_off = i;
	return buf + i;
}

int ipp_agent_request(const struct ipp_paths *p, const char *cmd, int timeout_ms, char **ret_body,
		      struct ipp_error *err)
{
	struct sockaddr_un sa;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, off = 0, cl;
	const char *last = NULL;
	long deadline;
	ssize_t n;
	int fd, r;

	if ((r = sun_fill(&sa, p->ctl_socket, err)) < 0)
		return r;
	if (strchr(cmd, '\n'))
		return ipp_err(err, EINVAL, "control command \"%s\" contains a newline", cmd);
	deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipp_err(err, errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = errno;
		close(fd);
		if (r == ENOENT || r == ECONNREFUSED)
			return ipp_err(err, r, "the policy agent is not running (no \"%s\")",
				       p->ctl_socket);
		return ipp_err(err, r, "cannot connect to the policy agent at \"%s\": %s",
			       p->ctl_socket, strerror(r));
	}
	cl = strlen(cmd);
	if (send(fd, cmd, cl, MSG_NOSIGNAL) != (ssize_t)cl ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		r = ipp_err(err, errno, "cannot send to the policy agent: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		if (len > 0 && buf[len - 1] == '\n') {
			last = last_line(buf, len, &off);
			if (!strncmp(last, "OK\n", 3) || !strncmp(last, "ERR ", 4))
				break;
		}
		if ((r = wait_fd(fd, POLLIN, deadline)) < 0) {
			r = ipp_err(err, -r, "no answer from the policy agent to \"%s\"%s", cmd,
				    r == -ETIMEDOUT ? " (timed out)" : "");
			goto out;
		}
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if (!(nb = realloc(buf, cap + 1))) {
				r = ipp_err(err, ENOMEM, "out of memory");
				goto out;
			}
			buf = nb;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = ipp_err(
			    err, n < 0 ? errno : EPIPE,
			    "the policy agent closed the connection before answering \"%s\"", cmd);
			goto out;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (!strncmp(last, "ERR ", 4)) {
		char name[64];
		const char *msg = last + 4;
		size_t k = strcspn(msg, " \n");
		int e;

		snprintf(name, sizeof(name), "%.*s", (int)(k < 63 ? k : 63), msg);
		e = ipp_errno_from_name(name);
		msg += k;
		while (*msg == ' ')
			msg++;
		r = ipp_err(err, e ? e : EIO, "%.*s", (int)strcspn(msg, "\n"), msg);
		goto out;
	}
	buf[off] = '\0'; /* drop the final "OK" line */
	*ret_body = buf;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}
