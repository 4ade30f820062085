/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynamic.c - the `ipsec dynamic` context: configuration, and the commands
 * that go to the running policy agent.
 *
 * `set config` edits ROOT/etc/ipsecpol/driver.conf whether or not the agent
 * runs, then tells a running agent; `show config` reads the file.  The show
 * commands of what is in force read the kernel (dynamic_show.c).  Dynamic
 * policies, rules and security associations live in the running agent only:
 * those commands go to its control socket, and fail with "the policy agent
 * is not running" without it.
 */
#include "dynamic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/driverconf.h"
#include "../common/notify.h"
#include "dynamic_internal.h"

/* ---------- the agent ---------- */

#define AGENT_TIMEOUT_MS 5000

enum agent_state { AGENT_ABSENT, AGENT_RUNNING, AGENT_UNREACHABLE };

/* Is the agent there?  AGENT_UNREACHABLE fills @err (e.g. permission denied). */
static enum agent_state agent_probe(struct ipp_shell *sh, struct ipp_error *err)
{
	struct ipp_error e = {0};
	char *body = NULL;
	int r;

	r = ipp_agent_request(ipp_shell_paths(sh), "mode", AGENT_TIMEOUT_MS, &body, &e);
	free(body);
	if (r == 0)
		return AGENT_RUNNING;
	if (r == -ENOENT || r == -ECONNREFUSED)
		return AGENT_ABSENT;
	ipp_err(err, -r, "%s", e.msg);
	return AGENT_UNREACHABLE;
}

static int agent_not_running(struct ipp_shell *sh, struct ipp_error *err)
{
	return ipp_err(err, ECONNREFUSED,
		       "the policy agent is not running (dynamic policies, rules and security "
		       "associations live in ipsecpold; no \"%s\")",
		       ipp_shell_paths(sh)->ctl_socket);
}

/*
 * A command whose state lives in the agent.  Its control protocol has no
 * command for dynamic policies, rules or security associations yet: with
 * the agent running the command fails saying so.
 */
static int agent_command(struct ipp_shell *sh, const struct ipp_args *a, struct ipp_error *err)
{
	switch (agent_probe(sh, err)) {
	case AGENT_ABSENT:
		return agent_not_running(sh, err);
	case AGENT_UNREACHABLE:
		return -(err && err->code ? err->code : EIO);
	case AGENT_RUNNING:
		break;
	}
	return ipp_err(err, EOPNOTSUPP,
		       "not supported by this agent yet: the running ipsecpold keeps no dynamic "
		       "policies, rules or security associations (\"%s\" needs them)",
		       a->cmd);
}

void ipp_dyn_agent_status(struct ipp_shell *sh, const char *key, char *buf, size_t len)
{
	struct ipp_error e = {0};
	size_t kl = strlen(key);
	char *body = NULL;
	const char *at;

	buf[0] = '\0';
	if (ipp_agent_request(ipp_shell_paths(sh), "status", AGENT_TIMEOUT_MS, &body, &e) < 0)
		return;
	for (at = body; at && *at; at = strchr(at, '\n') ? strchr(at, '\n') + 1 : NULL)
		if (!strncmp(at, key, kl) && at[kl] == '=') {
			snprintf(buf, len, "%.*s", (int)strcspn(at + kl + 1, "\n"), at + kl + 1);
			break;
		}
	free(body);
}

void ipp_dyn_agent_note(struct ipp_shell *sh, FILE *out)
{
	struct ipp_error e = {0};

	fprintf(out, "Dynamic policies, rules and security associations: ");
	switch (agent_probe(sh, &e)) {
	case AGENT_ABSENT:
		fprintf(out, "none (the policy agent is not running).\n");
		break;
	case AGENT_UNREACHABLE:
		fprintf(out, "unknown (%s).\n", e.msg);
		break;
	case AGENT_RUNNING:
		fprintf(out, "not supported by this agent yet.\n");
		break;
	}
}

#define AGENT_CMD(fn)                                                                              \
	int fn(struct ipp_shell *sh, const struct ipp_args *a, FILE *out, struct ipp_error *err)   \
	{                                                                                          \
		return agent_command(sh, a, err);                                                  \
	}

AGENT_CMD(ipp_dyn_add_mmpolicy)
AGENT_CMD(ipp_dyn_add_qmpolicy)
AGENT_CMD(ipp_dyn_add_rule)
AGENT_CMD(ipp_dyn_set_mmpolicy)
AGENT_CMD(ipp_dyn_set_qmpolicy)
AGENT_CMD(ipp_dyn_set_rule)
AGENT_CMD(ipp_dyn_delete_mmpolicy)
AGENT_CMD(ipp_dyn_delete_qmpolicy)
AGENT_CMD(ipp_dyn_delete_rule)
AGENT_CMD(ipp_dyn_delete_all)
AGENT_CMD(ipp_dyn_show_mmpolicy)
AGENT_CMD(ipp_dyn_show_qmpolicy)
AGENT_CMD(ipp_dyn_show_rule)
AGENT_CMD(ipp_dyn_show_mmsas)
AGENT_CMD(ipp_dyn_show_qmsas)

/* ---------- set config, show config ---------- */

int ipp_dyn_set_config(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
		       struct ipp_error *err)
{
	const struct ipp_paths *paths = ipp_shell_paths(sh);
	const char *prop = ipp_args_get(a, "property"), *value = ipp_args_get(a, "value");
	int r;

	if ((r = ipp_driverconf_update(paths, prop, value, err)) < 0)
		return r;
	/* The file is what counts: an agent that does not run reads it when it starts. */
	ipp_notify_agent(paths, NULL);
	return 0;
}

/* Is a policy assigned in any store (what an unset boot mode resolves by)? */
static int any_assigned(struct ipp_shell *sh, bool *ret, struct ipp_error *err)
{
	static const enum ipp_store_loc locs[3] = {IPP_STORE_PERSISTENT, IPP_STORE_DOMAIN,
						   IPP_STORE_LOCAL};
	struct ipp_snapshot *s;
	size_t i;
	int r;

	*ret = false;
	/* as ipsecpold --startup: the first store with an assigned policy settles it */
	for (i = 0; i < 3 && !*ret; i++) {
		if ((r = ipp_shell_load_ex(sh, locs[i], IPP_LOAD_ASSIGNED, &s, err)) < 0)
			return r;
		if (ipp_snapshot_assigned(s))
			*ret = true;
		ipp_snapshot_free(s);
	}
	return 0;
}

/* When the running agent uses other values than the file's, say which. */
static void agent_config_note(struct ipp_shell *sh, const struct ipp_driverconf *c, FILE *out)
{
	struct ipp_error e = {0};
	char *body = NULL, *mine = NULL;
	size_t len = 0;
	FILE *f;

	if (ipp_agent_request(ipp_shell_paths(sh), "show-config", AGENT_TIMEOUT_MS, &body, &e) < 0)
		return;
	f = open_memstream(&mine, &len);
	if (f) {
		ipp_driverconf_show_kv(c, f);
		fclose(f);
	}
	if (mine && strcmp(mine, body) != 0) {
		fprintf(out, "\nThe running policy agent has not read this configuration yet; it "
			     "uses:\n");
		fputs(body, out);
	}
	free(mine);
	free(body);
}

int ipp_dyn_show_config(struct ipp_shell *sh, const struct ipp_args *a, FILE *out,
			struct ipp_error *err)
{
	const struct ipp_paths *paths = ipp_shell_paths(sh);
	struct ipp_error unread = {0};
	struct ipp_driverconf c, shown;
	bool assigned;
	int r;

	if ((r = ipp_driverconf_load(paths, &c, err)) < 0) {
		if (r == -EINVAL && err) {
			size_t len = strlen(err->msg);

			snprintf(err->msg + len, sizeof(err->msg) - len,
				 " (until it is repaired, the boot runs in block mode)");
		}
		return r;
	}
	/* only an unset boot mode depends on the stores; one that cannot be read makes the
	 * boot block (as ipsecpold --startup decides), and the rest is shown all the same */
	assigned = false;
	shown = c;
	if (c.bootmode == IPP_BOOT_UNSET && any_assigned(sh, &assigned, &unread) < 0)
		shown.bootmode = IPP_BOOT_BLOCK;
	ipp_driverconf_show(&shown, assigned, out);
	if (unread.msg[0])
		fprintf(out,
			"\nThe boot mode is not set and the policy stores cannot be read (%s): the "
			"boot runs in block mode.\n",
			unread.msg);
	{
		static const char *const beyond[] = {"multicast, broadcast, RSVP and Kerberos",
						     "multicast and broadcast", "RSVP and Kerberos",
						     "nothing else"};

		fprintf(out,
			"\nIkeLogging and StrongCRLCheck are kept for IKE negotiation, which this "
			"version does not do.\n"
			"IPsecexempt %u: the filters exempt IKE, ESP and AH, loopback and IPv6 "
			"neighbour discovery, and %s.\n",
			c.no_default_exempt,
			beyond[c.no_default_exempt > 3 ? 3 : c.no_default_exempt]);
	}
	agent_config_note(sh, &c, out);
	return 0;
}
