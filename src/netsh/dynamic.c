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

#include "../classify/classify.h"
#include "../common/driverconf.h"
#include "../common/grow.h"
#include "../common/notify.h"
#include "../model/dynspd.h"
#include "dynamic_internal.h"
#include "static_cmds.h"

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
		       "associations live in ipsecpold; nothing answers at \"%s\")",
		       ipp_shell_paths(sh)->ctl_socket);
}

int ipp_dyn_need_agent(struct ipp_shell *sh, struct ipp_error *err)
{
	switch (agent_probe(sh, err)) {
	case AGENT_ABSENT:
		return agent_not_running(sh, err);
	case AGENT_UNREACHABLE:
		return -(err && err->code ? err->code : EIO);
	case AGENT_RUNNING:
		break;
	}
	return 0;
}

/*
 * The agent's dynamic SPD into *@ret (empty when no agent runs).  Owned by
 * the caller: ipp_dynspd_clear().
 */
int ipp_dyn_fetch(struct ipp_shell *sh, struct ipp_dynspd *ret, struct ipp_error *err)
{
	return ipp_dyn_fetch_ex(sh, ret, false, err);
}

int ipp_dyn_fetch_ex(struct ipp_shell *sh, struct ipp_dynspd *ret, bool need_agent,
		     struct ipp_error *err)
{
	struct ipp_error e = {0};
	char *body = NULL, *line, *save = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = ipp_agent_request(ipp_shell_paths(sh), "dynamic-show", AGENT_TIMEOUT_MS, &body, &e);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return need_agent ? agent_not_running(sh, err) : 0;
	if (r < 0) {
		free(body);
		return ipp_err(err, -r, "reading the dynamic rules of the agent: %s", e.msg);
	}
	for (line = strtok_r(body, "\n", &save); line && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "spd next_seq=", 13)) {
			ret->next_seq = strtoull(line + 13, NULL, 10);
		} else if (!strncmp(line, "mmpolicy ", 9)) {
			if ((r = ipp_grow_exact((void **)&ret->mm, ret->nmm + 1,
						sizeof(*ret->mm))) < 0)
				break;
			ipp_dyn_mmpolicy_init(&ret->mm[ret->nmm]);
			if ((r = ipp_dyn_mmpolicy_parse(line + 9, &ret->mm[ret->nmm], NULL, err)) ==
			    0)
				ret->nmm++;
		} else if (!strncmp(line, "qmpolicy ", 9)) {
			if ((r = ipp_grow_exact((void **)&ret->qm, ret->nqm + 1,
						sizeof(*ret->qm))) < 0)
				break;
			ipp_dyn_qmpolicy_init(&ret->qm[ret->nqm]);
			if ((r = ipp_dyn_qmpolicy_parse(line + 9, &ret->qm[ret->nqm], NULL, err)) ==
			    0)
				ret->nqm++;
		} else if (!strncmp(line, "rule ", 5)) {
			if ((r = ipp_grow_exact((void **)&ret->rules, ret->nrules + 1,
						sizeof(*ret->rules))) < 0)
				break;
			ipp_dyn_rule_init(&ret->rules[ret->nrules]);
			if ((r = ipp_dyn_rule_parse(line + 5, &ret->rules[ret->nrules], NULL,
						    err)) == 0)
				ret->nrules++;
		}
	}
	free(body);
	if (r == -ENOMEM)
		r = ipp_err(err, ENOMEM, "out of memory");
	if (r < 0) {
		ipp_err_prefix(err, "the agent's dynamic rules");
		ipp_dynspd_clear(ret);
	}
	return r;
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

void ipp_dyn_kept_error(struct ipp_shell *sh, struct ipp_error *err)
{
	char reason[IPP_ERR_MSG_MAX];
	size_t kl = strlen(IPP_KEPT_REASON);

	ipp_dyn_agent_status(sh, "reason", reason, sizeof(reason));
	if (strncmp(reason, IPP_KEPT_REASON, kl))
		return;
	ipp_err_prefix(err,
		       "what is in force is not what the stores give: the agent keeps what it "
		       "applied of the domain or local policy, with the persistent policy and the "
		       "dynamic rules as they are now, until this is corrected");
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
	case AGENT_RUNNING: {
		struct ipp_dynspd d;

		if (ipp_dyn_fetch(sh, &d, &e) < 0) {
			fprintf(out, "unknown (%s).\n", e.msg);
			break;
		}
		fprintf(out,
			"%zu main mode polic%s, %zu quick mode polic%s, %zu rule%s "
			"(dynamic show mmpolicy, qmpolicy, rule).\n",
			d.nmm, d.nmm == 1 ? "y" : "ies", d.nqm, d.nqm == 1 ? "y" : "ies", d.nrules,
			d.nrules == 1 ? "" : "s");
		ipp_dynspd_clear(&d);
		break;
	}
	}
}

/* Append " tag=VALUE" (encoded) to @buf. */
static int word(char *buf, size_t len, const char *tag, const char *value, struct ipp_error *err)
{
	char enc[IPP_DYN_LINE_MAX];
	size_t o = strlen(buf);
	int n;

	ipp_dyn_encode(value, enc, sizeof(enc));
	n = snprintf(buf + o, len - o, " %s=%s", tag, enc);
	if (n < 0 || (size_t)n >= len - o)
		return ipp_err(err, E2BIG, "%s: the command is too long", tag);
	return 0;
}

/*
 * An address argument as the agent takes it: a DNS name resolved (the first
 * address, as Windows' dynamic mode takes it), the mask folded in, 0.0.0.0
 * with a host mask "me".
 */
static int addr_word(struct ipp_shell *sh, FILE *out, char *buf, size_t len,
		     const struct ipp_args *a, const char *tag, const char *masktag,
		     struct ipp_error *err)
{
	const char *v = ipp_args_get(a, tag), *mask = masktag ? ipp_args_get(a, masktag) : NULL;
	struct ipp_addr *list = NULL, x;
	char text[IPP_ADDR_STRLEN];
	size_t n = 0;
	bool dns = false;
	uint8_t plen;
	int r;

	if (!v)
		return 0;
	if ((r = ipp_st_resolve(tag, v, &list, &n, &dns, err)) < 0)
		return r;
	x = list[0];
	free(list);
	if (dns && n > 1) {
		ipp_addr_format(&x, text, sizeof(text));
		ipp_shell_note(sh, out, "note",
			       "%s=%s has %zu addresses: a dynamic rule takes the first, %s", tag,
			       v, n, text);
	}
	if (x.kind == IPP_ADDR_IP && mask) {
		if ((r = ipp_mask_parse(mask, x.family, &plen, err)) < 0 ||
		    (r = ipp_addr_set_mask(&x, plen, err)) < 0) {
			ipp_err_prefix(err, "%s", masktag);
			return r;
		}
	}
	if (x.kind == IPP_ADDR_IP && ipp_addr_is_unspecified4(&x) && x.plen == 32) {
		memset(&x, 0, sizeof(x));
		x.kind = IPP_ADDR_ME;
	}
	if (x.kind == IPP_ADDR_IP) {
		uint8_t given[sizeof(x.ip)];

		memcpy(given, x.ip, sizeof(given));
		ipp_ip_mask(x.ip, x.plen);
		ipp_addr_format_cidr(&x, text, sizeof(text));
		if (memcmp(given, x.ip, sizeof(given)))
			ipp_shell_note(sh, out, "note",
				       "%s=%s has bits outside %s=%s: the filter is the network %s",
				       tag, v, masktag, mask, text);
	}
	ipp_addr_format_cidr(&x, text, sizeof(text));
	return word(buf, len, tag, text, err);
}

/*
 * Would the change @req ("VERB OBJECT WORDS") cut off the SSH session this
 * shell runs in, which the dynamic rules in force leave alone?  Refused then
 * (-EPERM), unless force=yes (a warning).  The agent makes the change
 * itself; here it is made on a copy of its rules, with the stores as
 * assigned.
 */
static int session_guard(struct ipp_shell *sh, const struct ipp_args *a, const char *req, FILE *out,
			 struct ipp_error *err)
{
	const struct ipp_paths *paths = ipp_shell_paths(sh);
	struct ipp_dynspd cur = {0}, next = {0};
	struct ipp_lockout session, after, before;
	struct ipp_error e = {0};
	struct ipp_db *db = NULL;
	bool force = false;
	int r;

	if ((r = ipp_args_bool(a, "force", &force, err)) < 0)
		return r;
	if ((r = ipp_lockout_check(NULL, NULL, NULL, &session, &e)) == 0 && !session.applicable)
		return 0;
	if (r < 0 || (r = ipp_dyn_fetch(sh, &cur, &e)) < 0)
		goto unchecked;
	if (ipp_dynspd_apply(&cur, req, &next, &e) < 0) {
		/* (the agent refuses it, saying why) */
		ipp_dynspd_clear(&cur);
		return 0;
	}
	if ((r = ipp_shell_db(sh, false, &db, &e)) < 0 ||
	    (r = ipp_lockout_check_dyn(db, ipp_shell_store(sh), NULL, &next, paths, &after, &e)) <
		0 ||
	    (after.blocked && (r = ipp_lockout_check_dyn(db, ipp_shell_store(sh), NULL, &cur, paths,
							 &before, &e)) < 0))
		goto unchecked;
	ipp_dynspd_clear(&cur);
	ipp_dynspd_clear(&next);
	if (!after.blocked || before.blocked)
		return 0; /* left alone, or cut off already: not by this change */
	if (force) {
		ipp_shell_note(sh, out, "warning", "%s; changed anyway (force=yes)", after.msg);
		return 0;
	}
	return ipp_err(err, EPERM, "refused: %s; force=yes makes the change anyway", after.msg);
unchecked:
	ipp_dynspd_clear(&cur);
	ipp_dynspd_clear(&next);
	if (force) {
		ipp_shell_note(sh, out, "warning",
			       "whether the change cuts off this SSH session could not be checked "
			       "(%s); changed anyway (force=yes)",
			       e.msg);
		return 0;
	}
	return ipp_err(err, r < 0 ? -r : EINVAL,
		       "cannot check whether the change cuts off this SSH session: %s (force=yes "
		       "makes it unchecked)",
		       e.msg);
}

/* "dynamic VERB OBJECT WORDS" to the agent; the change is in force when it answers. */
static int agent_change(struct ipp_shell *sh, const struct ipp_args *a, const char *verb,
			const char *obj, FILE *out, struct ipp_error *err)
{
	char req[IPP_DYN_LINE_MAX + 64], *body = NULL;
	size_t i;
	int r;

	if ((r = ipp_dyn_need_agent(sh, err)) < 0)
		return r;
	snprintf(req, sizeof(req), "dynamic %s %s", verb, obj);
	if ((r = addr_word(sh, out, req, sizeof(req), a, "srcaddr", "srcmask", err)) < 0 ||
	    (r = addr_word(sh, out, req, sizeof(req), a, "dstaddr", "dstmask", err)) < 0 ||
	    (r = addr_word(sh, out, req, sizeof(req), a, "tunneldstaddress", NULL, err)) < 0)
		return r;
	/* a tunnel rule's filter is not mirrored: that is its default */
	if (!strcmp(verb, "add") && !strcmp(obj, "rule") && ipp_args_has(a, "tunneldstaddress") &&
	    !ipp_args_has(a, "mirrored") && (r = word(req, sizeof(req), "mirrored", "no", err)) < 0)
		return r;
	for (i = 0; i < a->n; i++) {
		const char *t = a->v[i].tag;

		if (!strcmp(t, "srcaddr") || !strcmp(t, "dstaddr") || !strcmp(t, "srcmask") ||
		    !strcmp(t, "dstmask") || !strcmp(t, "tunneldstaddress") || !strcmp(t, "force"))
			continue;
		if ((r = word(req, sizeof(req), t, !strcmp(t, "all") ? "yes" : a->v[i].value,
			      err)) < 0)
			return r;
	}
	/* what changes what the session's packets get: rules, a quick mode policy's soft */
	if ((!strcmp(obj, "rule") || !strcmp(obj, "all") ||
	     (!strcmp(obj, "qmpolicy") && strcmp(verb, "add"))) &&
	    (r = session_guard(sh, a, req + strlen("dynamic "), out, err)) < 0)
		return r;
	r = ipp_agent_request(ipp_shell_paths(sh), req, AGENT_TIMEOUT_MS, &body, err);
	free(body);
	return r;
}

#define AGENT_CHANGE(fn, verb, obj)                                                                \
	int fn(struct ipp_shell *sh, const struct ipp_args *a, FILE *out, struct ipp_error *err)   \
	{                                                                                          \
		return agent_change(sh, a, verb, obj, out, err);                                   \
	}

AGENT_CHANGE(ipp_dyn_add_mmpolicy, "add", "mmpolicy")
AGENT_CHANGE(ipp_dyn_add_qmpolicy, "add", "qmpolicy")
AGENT_CHANGE(ipp_dyn_add_rule, "add", "rule")
AGENT_CHANGE(ipp_dyn_set_mmpolicy, "set", "mmpolicy")
AGENT_CHANGE(ipp_dyn_set_qmpolicy, "set", "qmpolicy")
AGENT_CHANGE(ipp_dyn_set_rule, "set", "rule")
AGENT_CHANGE(ipp_dyn_delete_mmpolicy, "delete", "mmpolicy")
AGENT_CHANGE(ipp_dyn_delete_qmpolicy, "delete", "qmpolicy")
AGENT_CHANGE(ipp_dyn_delete_rule, "delete", "rule")
AGENT_CHANGE(ipp_dyn_delete_all, "delete", "all")

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
		struct ipp_error e = {0};
		char *body = NULL;

		if (r == -EINVAL && err) {
			size_t len = strlen(err->msg);

			snprintf(err->msg + len, sizeof(err->msg) - len,
				 " (until it is repaired, the boot runs in block mode)");
		}
		/* what a running agent still enforces: the last valid file's settings */
		if (ipp_agent_request(paths, "show-config", AGENT_TIMEOUT_MS, &body, &e) == 0) {
			fprintf(out,
				"The running policy agent keeps the settings of the last valid "
				"file:\n");
			fputs(body, out);
		}
		free(body);
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
			"IPsecexempt %u: the filters exempt IKE, ESP and AH, loopback, IPv6 "
			"neighbour discovery and ICMPv6 packet too big, and %s.\n",
			c.no_default_exempt,
			beyond[c.no_default_exempt > 3 ? 3 : c.no_default_exempt]);
	}
	agent_config_note(sh, &c, out);
	return 0;
}
