/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * paths.h - where an installation keeps its files.
 *
 * Everything lives under one root (default "/"): config in ROOT/etc/ipsecpol/,
 * state in ROOT/var/lib/ipsecpol/, the control socket in ROOT/run/ipsecpol/.
 * The root comes from --root DIR, else the IPSECPOL_ROOT environment
 * variable, else "/".
 */
#ifndef IPP_PATHS_H
#define IPP_PATHS_H

#include "err.h"

#define IPP_PATH_MAX 4096

struct ipp_paths {
	char root[IPP_PATH_MAX];
	char etcdir[IPP_PATH_MAX];     /* ROOT/etc/ipsecpol */
	char statedir[IPP_PATH_MAX];   /* ROOT/var/lib/ipsecpol */
	char rundir[IPP_PATH_MAX];     /* ROOT/run/ipsecpol */
	char db[IPP_PATH_MAX];         /* statedir/policy.db */
	char driver_conf[IPP_PATH_MAX];/* etcdir/driver.conf */
	char ctl_socket[IPP_PATH_MAX]; /* rundir/ipsecpold.sock */
	char dyn_marker[IPP_PATH_MAX]; /* rundir/dynamic-rules: the running agent's count of
					  dynamic rules in force (absent: none) */
};

/* Fill @ret for @root (NULL: $IPSECPOL_ROOT, else "/"; "" refused; a relative one from the current
 * directory). Creates nothing. */
int ipp_paths_init(const char *root, struct ipp_paths *ret, struct ipp_error *err);

/* mkdir -p of etcdir, statedir and rundir (mode 0755). */
int ipp_paths_mkdirs(const struct ipp_paths *p, struct ipp_error *err);

/* Create the directory @path and its missing parents (mode 0755); 0 or -errno. */
int ipp_mkdir_p(const char *path, struct ipp_error *err);

#endif
