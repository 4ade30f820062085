/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int join(char *dst, const char *root, const char *rel, struct ipp_error *err)
{
	size_t n = strlen(root);
	int r;

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 1 && root[0] == '/')
		n = 0;
	r = snprintf(dst, IPP_PATH_MAX, "%.*s%s", (int)n, root, rel);
	if (r < 0 || r >= IPP_PATH_MAX)
		return ipp_err(err, ENAMETOOLONG, "root directory \"%s\" is too long", root);
	return 0;
}

int ipp_paths_init(const char *root, struct ipp_paths *ret, struct ipp_error *err)
{
	struct ipp_paths p;
	int r;

	if (root && !*root)
		/* (--root "$UNSET" must not mean the system's own files) */
		return ipp_err(err, EINVAL,
			       "root directory: an empty name (give a directory, or no --root "
			       "for the system's own files)");
	if (!root)
		root = getenv("IPSECPOL_ROOT");
	if (!root || !*root)
		root = "/";
	memset(&p, 0, sizeof(p));
	if (root[0] != '/') {
		/* a relative root is where the program started (a batch file's cd, a daemon's
		 * chdir do not move it) */
		char cwd[IPP_PATH_MAX];
		int n;

		if (!getcwd(cwd, sizeof(cwd)))
			return ipp_err(err, errno,
				       "root directory \"%s\": the current directory: %s", root,
				       strerror(errno));
		n = snprintf(p.root, sizeof(p.root), "%s/%s", strcmp(cwd, "/") ? cwd : "", root);
		if (n < 0 || (size_t)n >= sizeof(p.root) - 64)
			return ipp_err(err, ENAMETOOLONG, "root directory \"%s\" is too long",
				       root);
		root = p.root;
	}
	if (strlen(root) >= sizeof(p.root) - 64)
		return ipp_err(err, ENAMETOOLONG, "root directory \"%s\" is too long", root);
	if (root != p.root)
		strcpy(p.root, root);
	if ((r = join(p.etcdir, root, "/etc/ipsecpol", err)) < 0 ||
	    (r = join(p.statedir, root, "/var/lib/ipsecpol", err)) < 0 ||
	    (r = join(p.rundir, root, "/run/ipsecpol", err)) < 0 ||
	    (r = join(p.db, root, "/var/lib/ipsecpol/policy.db", err)) < 0 ||
	    (r = join(p.driver_conf, root, "/etc/ipsecpol/driver.conf", err)) < 0 ||
	    (r = join(p.ctl_socket, root, "/run/ipsecpol/ipsecpold.sock", err)) < 0 ||
	    (r = join(p.dyn_marker, root, "/run/ipsecpol/dynamic-rules", err)) < 0)
		return r;
	*ret = p;
	return 0;
}

int ipp_mkdir_p(const char *path, struct ipp_error *err)
{
	char buf[IPP_PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return ipp_err(err, ENAMETOOLONG, "path \"%s\" is too long", path);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return ipp_err(err, errno, "cannot create directory \"%s\": %s", buf,
				       strerror(errno));
		buf[i] = path[i];
	}
	return 0;
}

int ipp_paths_mkdirs(const struct ipp_paths *p, struct ipp_error *err)
{
	int r;

	if ((r = ipp_mkdir_p(p->etcdir, err)) < 0 || (r = ipp_mkdir_p(p->statedir, err)) < 0 ||
	    (r = ipp_mkdir_p(p->rundir, err)) < 0)
		return r;
	return 0;
}
