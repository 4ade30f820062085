/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "secure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../compile/modes.h"
#include "agent.h"
#include "hostenv.h"

/*
 * @text with its table moved to the guard table: every "inet ipsecpol" that
 * names the table (followed by a character that cannot continue a name).
 */
static int guard_text(const char *text, char **ret, struct ipp_error *err)
{
	static const char name[] = IPP_NFT_FAMILY " " IPP_NFT_TABLE;
	const size_t nl = sizeof(name) - 1;
	const char *p = text, *q;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return ipp_err(err, ENOMEM, "out of memory");
	while ((q = strstr(p, name))) {
		char next = q[nl];

		fwrite(p, 1, (size_t)(q - p) + nl, f);
		if (!(next == '_' || (next >= '0' && next <= '9') || (next >= 'a' && next <= 'z') ||
		      (next >= 'A' && next <= 'Z')))
			fputs(&IPP_NFT_GUARD_TABLE[sizeof(IPP_NFT_TABLE) - 1], f);
		p = q + nl;
	}
	fputs(p, f);
	if (fclose(f) != 0) {
		free(buf);
		return ipp_err(err, ENOMEM, "out of memory");
	}
	*ret = buf;
	return 0;
}

static void guard_delete(struct ipp_driver *d)
{
	static const char text[] = "table " IPP_NFT_FAMILY " " IPP_NFT_GUARD_TABLE " {}\n"
				   "delete table " IPP_NFT_FAMILY " " IPP_NFT_GUARD_TABLE "\n";

	(void)ipp_driver_run(d, text, false, NULL);
}

/*
 * Replace the table by @new whole.  When the table in force may be a secure
 * ruleset (@secure_in_force), in three transactions: @new as the guard
 * table, then the replacement, then the guard's removal; otherwise one, and
 * the removal of a guard a crash may have left.
 */
int ipp_agent_install_full(struct ipp_driver *d, const struct ipp_compiled *new,
			   bool secure_in_force, struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	char *text = NULL, *guard = NULL;
	int r;

	if ((r = ipp_compiled_diff_text(NULL, new, &text, st, err)) < 0)
		return r;
	if (secure_in_force) {
		if ((r = guard_text(text, &guard, err)) < 0 ||
		    (r = ipp_apply_text(d, new, guard, false, err)) < 0)
			goto out;
	}
	r = ipp_apply_text(d, new, text, false, err);
	guard_delete(d);
out:
	free(guard);
	free(text);
	return r;
}

/* Bring the kernel from @cur (NULL: unknown) to @new; as ipp_apply_update(), guarded. */
static int update(struct ipp_driver *d, const struct ipp_compiled *cur,
		  const struct ipp_compiled *new, struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	char *text = NULL;
	int r;

	if (!cur)
		return ipp_agent_install_full(d, new, ipp_agent_secure_in_force(d), st, err);
	if ((r = ipp_compiled_diff_text(cur, new, &text, st, err)) < 0)
		return r;
	if (st->empty) {
		free(text);
		return 0;
	}
	if (st->full) {
		free(text);
		return ipp_agent_install_full(d, new, true, st, err);
	}
	r = ipp_apply_text(d, new, text, false, err);
	free(text);
	if (r < 0) {
		/* The kernel did not hold @cur: replace the table whole. */
		ipp_err_clear(err);
		r = ipp_agent_install_full(d, new, ipp_agent_secure_in_force(d), st, err);
	}
	return r;
}

int ipp_agent_secure(struct ipp_driver *d, const struct ipp_paths *p,
		     const struct ipp_driverconf *c, const struct ipp_hostenv *env,
		     const struct ipp_compiled *cur, struct ipp_apply_result *ret,
		     struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	struct ipp_apply_result res;
	struct ipp_copts o;
	int r;

	ipp_copts_from_conf(&o, c);
	r = ipp_apply_compute(p, env, &o, &res, err);
	if (r < 0) {
		memset(ret, 0, sizeof(*ret));
		ret->persistent = res.persistent;
		return r;
	}
	r = update(d, cur, res.compiled, st, err);
	if (r < 0) {
		bool persistent = res.persistent;

		ipp_apply_result_clear(&res);
		ret->persistent = persistent;
		return r;
	}
	*ret = res;
	return 0;
}

bool ipp_agent_persistent_failure(int r, bool persistent)
{
	return r == -ENOTRECOVERABLE || r == -EBADMSG || r == -EPROTO || (r < 0 && persistent);
}

int ipp_agent_read_env(const struct ipp_paths *p, struct ipp_hostenv *ret, struct ipp_error *err)
{
	struct ipp_hostenv_src src;

	ipp_hostenv_src_init(&src, p);
	return ipp_hostenv_read(&src, ret, err);
}

void ipp_agent_env_files(const struct ipp_paths *p, const char *ret[4], size_t *ret_n,
			 struct ipp_hostenv_src *storage)
{
	size_t n = 0;

	ipp_hostenv_src_init(storage, p);
	if (storage->resolv_conf)
		ret[n++] = storage->resolv_conf;
	if (storage->resolved_conf)
		ret[n++] = storage->resolved_conf;
	if (storage->wins_conf)
		ret[n++] = storage->wins_conf;
	*ret_n = n;
}

int ipp_agent_check(const struct ipp_paths *p, struct ipp_error *err)
{
	struct ipp_driverconf c;
	unsigned flags = IPP_APPLY_DRY_RUN;
	FILE *devnull;
	int r;

	if ((r = ipp_driverconf_load(p, &c, err)) < 0)
		return r;
	/* The kernel's own check needs CAP_NET_ADMIN; without it, compile only. */
	if (geteuid() == 0)
		flags |= IPP_APPLY_KERNEL_CHECK;
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		return ipp_err(err, errno, "cannot open /dev/null: %s", strerror(errno));
	r = ipp_apply_once(p, flags, devnull, err);
	fclose(devnull);
	return r;
}
