/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * static_store.c - set store, delete all, exportpolicy, importpolicy, dump.
 */
#include "static_cmds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell.h"
#include "show.h"

int ipp_st_set_store(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		     struct ipp_error *err)
{
	const char *loc = ipp_args_get(a, "location");
	const char *domain = ipp_args_get(a, "domain");
	enum ipp_store_loc l = IPP_STORE_LOCAL;

	if (strcmp(loc, "persistent") == 0)
		l = IPP_STORE_PERSISTENT;
	else if (strcmp(loc, "domain") == 0)
		l = IPP_STORE_DOMAIN;
	if (domain && l != IPP_STORE_DOMAIN)
		return ipp_err(err, EINVAL, "domain: only valid with location=domain");
	ipp_shell_set_store(sh, l, domain);
	return 0;
}

int ipp_st_delete_all(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		      struct ipp_error *err)
{
	struct ipp_db *db;
	int r;

	if ((r = ipp_st_db(sh, &db, err)) < 0)
		return r;
	return ipp_db_delete_all(db, ipp_shell_store(sh), err);
}

/* The file name as Windows takes it: ".ipsec" is added when the name has no extension. */
static int file_name(const char *v, char *buf, size_t size, struct ipp_error *err)
{
	const char *base = strrchr(v, '/');
	int n;

	base = base ? base + 1 : v;
	if (!*base)
		return ipp_err(err, EISDIR, "file: \"%s\" names a directory, expected a file name",
			       v);
	n = snprintf(buf, size, "%s%s", v, strchr(base, '.') ? "" : ".ipsec");
	if (n < 0 || (size_t)n >= size)
		return ipp_err(err, ENAMETOOLONG, "file: the name \"%s\" is too long", v);
	return 0;
}

int ipp_st_exportpolicy(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			struct ipp_error *err)
{
	char path[4096], tmp[4200];
	struct ipp_snapshot *s = NULL;
	FILE *f;
	int fd, r;

	if ((r = file_name(ipp_args_get(a, "file"), path, sizeof(path), err)) < 0 ||
	    (r = ipp_shell_path_here(sh, "file", path, err)) < 0)
		return r;
	if ((r = ipp_shell_load(sh, ipp_shell_store(sh), &s, err)) < 0)
		return r;
	/* a script written for Windows: its drive path is a file name here */
	if (((path[0] | 0x20) >= 'a' && (path[0] | 0x20) <= 'z' && path[1] == ':') ||
	    strchr(path, '\\'))
		ipp_shell_note(sh, out, "warning",
			       "file \"%s\" is a Windows path: written as a file of that name in "
			       "the current directory",
			       path);
	/* write a temporary file next to it, then rename: never a half-written export */
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = ipp_err(err, errno, "file: cannot create \"%s\": %s", path, strerror(errno));
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		r = ipp_err(err, errno, "file: cannot write \"%s\": %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	r = ipp_export_write(s, f, err);
	if (r < 0)
		ipp_err_prefix(err, "file \"%s\"", path);
	if (fflush(f) != 0 && r >= 0)
		r = ipp_err(err, errno, "file: cannot write \"%s\": %s", path, strerror(errno));
	if (fclose(f) != 0 && r >= 0)
		r = ipp_err(err, errno, "file: cannot write \"%s\": %s", path, strerror(errno));
	if (r >= 0 && rename(tmp, path) < 0)
		r = ipp_err(err, errno, "file: cannot create \"%s\": %s", path, strerror(errno));
	if (r < 0)
		unlink(tmp);
out:
	ipp_snapshot_free(s);
	return r;
}

int ipp_st_importpolicy(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			struct ipp_error *err)
{
	const char *v = ipp_args_get(a, "file");
	struct ipp_snapshot *s = NULL;
	struct ipp_db *db;
	char path[4096];
	FILE *f;
	int r;

	if ((r = ipp_shell_path_here(sh, "file", v, err)) < 0)
		return r;
	f = fopen(v, "r");
	if (!f && errno == ENOENT) {
		if ((r = file_name(v, path, sizeof(path), err)) < 0)
			return r;
		if (strcmp(path, v) != 0)
			f = fopen(path, "r");
		else
			errno = ENOENT;
	} else {
		snprintf(path, sizeof(path), "%s", v);
	}
	if (!f)
		return ipp_err(err, errno, "file: cannot open \"%s\": %s", v, strerror(errno));
	{
		struct stat sb;

		if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
			fclose(f);
			return ipp_err(err, EISDIR, "file: \"%s\" is a directory", path);
		}
	}
	r = ipp_export_read(f, path, &s, err);
	fclose(f);
	if (r < 0)
		return r;
	if ((r = ipp_st_db(sh, &db, err)) >= 0) {
		r = ipp_db_merge(db, ipp_shell_store(sh), s, err);
		if (r < 0)
			ipp_err_prefix(err, "file \"%s\"", path);
	}
	/* an assigned policy of the file is an assignment: checked as assign=yes is */
	for (size_t i = 0; r >= 0 && i < s->npolicies; i++)
		if (s->policies[i].assigned)
			r = ipp_st_lockout_guard(sh, db, ipp_shell_store(sh), s->policies[i].name,
						 a, out, err);
	ipp_snapshot_free(s);
	return r;
}

int ipp_st_dump(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		struct ipp_error *err)
{
	struct ipp_snapshot *s = NULL;
	int r;

	size_t lost;

	if ((r = ipp_shell_load(sh, ipp_shell_store(sh), &s, err)) < 0)
		return r;
	lost = ipp_dump_store(out, s, ipp_shell_domain(sh));
	ipp_snapshot_free(s);
	/* a script that would not give the store back whole is no backup: said, not 0 */
	if (lost)
		return ipp_err(err, EUCLEAN,
			       "%zu rule%s of the store could not be written (%s a filter list or "
			       "filter action that is not in the store: see the comments of the "
			       "script): the dump is not whole",
			       lost, lost == 1 ? "" : "s", lost == 1 ? "it names" : "they name");
	return 0;
}
