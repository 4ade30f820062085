/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "secure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "hostenv.h"

int ipp_agent_secure(struct ipp_driver *d, const struct ipp_paths *p,
		     const struct ipp_driverconf *c, const struct ipp_hostenv *env,
		     const struct ipp_compiled *cur, struct ipp_apply_result *ret,
		     struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	struct ipp_apply_result res;
	struct ipp_copts o;
	int r;

	ipp_copts_init(&o);
	o.diagnostics = c->diagnostics;
	r = ipp_apply_compute(p, env, &o, &res, err);
	if (r < 0) {
		memset(ret, 0, sizeof(*ret));
		ret->persistent = res.persistent;
		return r;
	}
	r = ipp_apply_update(d, cur, res.compiled, st, err);
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
