/* SPDX-License-Identifier: GPL-2.0-or-later */
/* confile.c - a configuration file opened as a regular file of a bounded size. */
#include "confile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

const char *ipp_file_kind(mode_t m)
{
	return S_ISDIR(m)    ? "a directory"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISSOCK(m) ? "a socket"
			     : "not a regular file";
}

int ipp_confile_open(const char *path, size_t max, FILE **ret, struct ipp_error *err)
{
	struct stat st;
	int fd, flags, e;

	*ret = NULL;
	/* (O_NONBLOCK: a FIFO opens at once, to be refused below) */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENOTDIR)
			return 0;
		return ipp_err(err, e, "cannot open \"%s\": %s", path, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return ipp_err(err, e, "cannot read \"%s\": %s", path, strerror(e));
	}
	/* (/dev/null reads as an empty file: "none") */
	if (!S_ISREG(st.st_mode) && !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))) {
		close(fd);
		return ipp_err(err, EINVAL, "\"%s\" is %s: expected a regular file", path,
			       ipp_file_kind(st.st_mode));
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return ipp_err(err, EFBIG, "\"%s\" is %lld bytes: more than the %zu it may have",
			       path, (long long)st.st_size, max);
	}
	if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
	    !(*ret = fdopen(fd, "r"))) {
		e = errno;
		close(fd);
		return ipp_err(err, e, "cannot read \"%s\": %s", path, strerror(e));
	}
	return 1;
}
