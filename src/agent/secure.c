/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "secure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "apply.h"
#include "log.h"

int ipp_agent_apply_secure(const struct ipp_paths *p, const struct ipp_driverconf *c,
			   struct ipp_error *err)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *out;
	int r;

	(void)c;
	out = open_memstream(&buf, &len);
	if (!out)
		return ipp_err(err, ENOMEM, "out of memory");
	r = ipp_apply_once(p, 0, out, err);
	fclose(out);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ipp_log(LOG_DEBUG, "%s", line);
	free(buf);
	return r;
}

bool ipp_agent_persistent_failure(int r)
{
	return r == -ENOTRECOVERABLE || r == -EBADMSG || r == -EPROTO;
}

bool ipp_agent_env_changed(const struct ipp_paths *p, const struct ipp_driverconf *c)
{
	(void)p;
	(void)c;
	return true;
}

int ipp_agent_check(const struct ipp_paths *p, struct ipp_error *err)
{
	struct ipp_driverconf c;
	FILE *devnull;
	int r;

	if ((r = ipp_driverconf_load(p, &c, err)) < 0)
		return r;
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		return ipp_err(err, errno, "cannot open /dev/null: %s", strerror(errno));
	r = ipp_apply_once(p, IPP_APPLY_DRY_RUN, devnull, err);
	fclose(devnull);
	return r;
}
