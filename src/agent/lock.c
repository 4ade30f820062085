/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lock.c - one agent per root: the lock of ROOT/run/ipsecpol/ipsecpold.pid.
 *
 * The daemon holds it for its life; --startup and --once while they change
 * the kernel, so that neither replaces the table of a running daemon behind
 * its back (its status and its in-place changes would describe a ruleset
 * that is no longer in force).  Whoever holds the lock writes its pid in the
 * file and removes the file when it lets go.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/nldump.h"
#include "agent.h"

static void pid_path(const struct ipp_paths *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/ipsecpold.pid", p->rundir);
}

/* The pid written in the file of @fd, 0 when there is none. */
static long read_pid(int fd)
{
	char buf[32], *end;
	ssize_t n;
	long pid;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, &end, 10);
	return end != buf && (*end == '\n' || *end == '\0') && pid > 0 ? pid : 0;
}

/* "1234", or "unknown" for 0. */
static void pid_text(long pid, char *buf, size_t len)
{
	if (pid)
		snprintf(buf, len, "%ld", pid);
	else
		snprintf(buf, len, "unknown");
}

/*
 * One agent per network namespace too: the table is the namespace's, whatever
 * the root.  An abstract socket name is the namespace's own, and is given up
 * when its holder exits, however it ends.  Held by the process that holds
 * the lock (one per process).  Anyone may bind such a name: one held by
 * another user than root is no agent, and does not stand in the way.
 */
#define NETNS_CLAIM "ipsecpol-agent"
static int netns_fd = -1;

struct claim_owner {
	uint32_t uid;
	bool found;
};

/* A unix socket of the dump: is it bound to the claim's name?  Its owner then. */
static int claim_sock(const struct nlmsghdr *nh, void *ctx)
{
	const struct unix_diag_msg *m = NLMSG_DATA(nh);
	struct claim_owner *o = ctx;
	const struct rtattr *a = (const struct rtattr *)(m + 1);
	int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	bool named = false;
	uint32_t uid = UINT32_MAX;

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_NAME && RTA_PAYLOAD(a) == sizeof(NETNS_CLAIM) &&
		    !memcmp((const char *)RTA_DATA(a) + 1, NETNS_CLAIM, sizeof(NETNS_CLAIM) - 1))
			named = true;
		else if (a->rta_type == UNIX_DIAG_UID && RTA_PAYLOAD(a) >= sizeof(uid))
			memcpy(&uid, RTA_DATA(a), sizeof(uid));
	}
	if (named && (!o->found || uid == 0)) {
		o->uid = uid;
		o->found = true;
	}
	return 0;
}

/* Is the claim held by root (an agent)?  Not when held by someone else or unknown. */
static bool claim_held_by_root(void)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req r;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req),
		   .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
	    .r = {.sdiag_family = AF_UNIX,
		  .udiag_states = UINT32_MAX,
		  .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_UID},
	};
	struct claim_owner o = {UINT32_MAX, false};

	if (ipp_nl_dump(NETLINK_SOCK_DIAG, &req, sizeof(req), SOCK_DIAG_BY_FAMILY, claim_sock, &o) <
	    0)
		return true; /* cannot tell: as if an agent held it */
	return o.found && o.uid == 0;
}

static int netns_claim(struct ipp_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + sizeof(NETNS_CLAIM) - 1);
	int fd;

	memcpy(sa.sun_path + 1, NETNS_CLAIM, sizeof(NETNS_CLAIM) - 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipp_err(err, errno, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		int e = errno;

		close(fd);
		if (e != EADDRINUSE)
			return ipp_err(err, e, "cannot claim the network namespace: %s",
				       strerror(e));
		if (claim_held_by_root())
			return ipp_err(err, EADDRINUSE,
				       "another ipsecpold runs in this network namespace, for "
				       "another root: the two would replace each other's table");
		/* someone else's socket of that name: no agent, and no reason to stop */
		return 0;
	}
	netns_fd = fd;
	return 0;
}

int ipp_agent_netns_claim(struct ipp_error *err)
{
	return netns_fd < 0 ? netns_claim(err) : 0;
}

bool ipp_agent_lock_held(const struct ipp_paths *p, int fd)
{
	char path[IPP_PATH_MAX + 16];
	struct stat held, named;

	pid_path(p, path, sizeof(path));
	return fd >= 0 && fstat(fd, &held) == 0 && lstat(path, &named) == 0 &&
	       held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

/*
 * The root's own lock, on its directory, held for the process's life: the
 * run directory (and the pid file in it) may be removed and made again
 * while an agent runs, and another agent of the same root (in another
 * network namespace) must still be refused meanwhile.
 */
static int root_fd = -1;

static int root_lock(const struct ipp_paths *p, const char *pidfile, long *ret_pid,
		     struct ipp_error *err)
{
	int fd, e;
	char buf[32];

	if (root_fd >= 0)
		return 0; /* (taken again: the pid file made again) */
	if ((fd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0; /* (the pid file tells, as before) */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		root_fd = fd;
		return 1;
	}
	e = errno;
	close(fd);
	if (e != EWOULDBLOCK)
		return 0;
	{
		long pid = 0;
		int pfd = open(pidfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		if (pfd >= 0) {
			pid = read_pid(pfd);
			close(pfd);
		}
		if (ret_pid)
			*ret_pid = pid;
		pid_text(pid, buf, sizeof(buf));
	}
	return ipp_err(err, EEXIST, "another ipsecpold is running for root \"%s\" (pid %s)",
		       p->root, buf);
}

int ipp_agent_root_lock(const struct ipp_paths *p, struct ipp_error *err)
{
	char path[IPP_PATH_MAX + 16];
	int r;

	pid_path(p, path, sizeof(path));
	r = root_lock(p, path, NULL, err);
	return r < 0 ? r : 0;
}

static void root_unlock(void)
{
	if (root_fd >= 0)
		close(root_fd);
	root_fd = -1;
}

static int lock_pidfile(const struct ipp_paths *p, const char *path, int *ret_fd, long *ret_pid,
			struct ipp_error *err);

int ipp_agent_lock(const struct ipp_paths *p, int *ret_fd, long *ret_pid, struct ipp_error *err)
{
	char path[IPP_PATH_MAX + 16];
	int r, took;

	pid_path(p, path, sizeof(path));
	if ((took = root_lock(p, path, ret_pid, err)) < 0)
		return took;
	r = lock_pidfile(p, path, ret_fd, ret_pid, err);
	if (r < 0 && took)
		root_unlock();
	return r;
}

static int lock_pidfile(const struct ipp_paths *p, const char *path, int *ret_fd, long *ret_pid,
			struct ipp_error *err)
{
	char buf[32];
	struct stat held, named;
	long pid;
	int fd, n, r;

	for (;;) {
		/* a link in its place is not followed (the pid would be written into its
		 * target, as root): it is replaced */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 && errno == ELOOP && unlink(path) == 0)
			continue;
		if (fd < 0)
			return ipp_err(err, errno, "cannot open \"%s\": %s", path, strerror(errno));
		if (fstat(fd, &held) == 0 && !S_ISREG(held.st_mode)) {
			close(fd);
			return ipp_err(err, EINVAL, "\"%s\" is not a regular file", path);
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			pid = read_pid(fd);
			close(fd);
			if (e != EWOULDBLOCK)
				return ipp_err(err, e, "cannot lock \"%s\": %s", path, strerror(e));
			if (ret_pid)
				*ret_pid = pid;
			pid_text(pid, buf, sizeof(buf));
			return ipp_err(err, EEXIST,
				       "another ipsecpold is running for root \"%s\" (pid %s)",
				       p->root, buf);
		}
		/* The holder before us may have removed the file between our open and lock. */
		if (fstat(fd, &held) == 0 && stat(path, &named) == 0 &&
		    held.st_dev == named.st_dev && held.st_ino == named.st_ino)
			break;
		close(fd);
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	errno = 0;
	if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)n) != n) {
		int e = errno ? errno : EIO; /* a short write sets none */

		unlink(path);
		close(fd);
		return ipp_err(err, e, "cannot write \"%s\": %s", path, strerror(e));
	}
	if (netns_fd < 0 && (r = netns_claim(err)) < 0) {
		unlink(path);
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

void ipp_agent_unlock(const struct ipp_paths *p, int fd)
{
	char path[IPP_PATH_MAX + 16];

	if (fd < 0)
		return;
	if (netns_fd >= 0) {
		close(netns_fd);
		netns_fd = -1;
	}
	/* Removed while still held: the next holder never locks a file that is gone. */
	pid_path(p, path, sizeof(path));
	unlink(path);
	close(fd);
	root_unlock();
}

int ipp_agent_lock_oneshot(const struct ipp_paths *p, const char *what, const char *advice,
			   int *ret_fd, struct ipp_error *err)
{
	struct ipp_error e = {0};
	char who[32];
	long pid = 0;
	int r;

	*ret_fd = -1;
	/* no run directory (no agent has run here since boot): made, so that a daemon
	 * starting meanwhile finds the lock held */
	if ((r = ipp_mkdir_p(p->rundir, &e)) == 0)
		r = ipp_agent_lock(p, ret_fd, &pid, &e);
	if (r < 0 && r != -EADDRINUSE && r != -EEXIST) {
		/* the run directory cannot be used (a full or read-only file system): no agent
		 * holds a pid file there, and one running without it holds the root's lock
		 * and the network namespace's claim; the boot-time filters are not given up
		 * for a pid file */
		struct ipp_error held = {0};

		if (ipp_agent_root_lock(p, &held) == -EEXIST)
			return ipp_err(
			    err, EEXIST,
			    "the policy agent of root \"%s\" is running (the run directory "
			    "cannot be used to tell its pid: %s): %s would replace the "
			    "table it enforces behind its back; nothing changed (%s)",
			    p->root, e.msg, what, advice);
		if ((r = ipp_agent_netns_claim(NULL)) == -EADDRINUSE)
			return ipp_err(
			    err, EEXIST,
			    "a policy agent runs in this network namespace (the run "
			    "directory cannot be used to tell whose: %s): %s would replace "
			    "the table it enforces behind its back; nothing changed",
			    e.msg, what);
		if (err)
			*err = e;
		return 1;
	}
	if (err && r < 0)
		*err = e;
	if (r == -EADDRINUSE)
		return ipp_err(err, EEXIST,
			       "a policy agent runs in this network namespace, for another root: "
			       "%s would replace the table it enforces behind its back; nothing "
			       "changed",
			       what);
	if (r != -EEXIST)
		return r;
	pid_text(pid, who, sizeof(who));
	return ipp_err(err, EEXIST,
		       "the policy agent of root \"%s\" is running (ipsecpold, pid %s): %s would "
		       "replace the table it enforces behind its back; nothing changed (%s)",
		       p->root, who, what, advice);
}
