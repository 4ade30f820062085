/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.c - the policy agent's event loop.
 *
 * One thread, one epoll set:
 *   signalfd      SIGTERM/SIGINT: stop (filtering removed); SIGHUP: reload
 *   inotify       the state directory (policy.db and its -wal), driver.conf, and
 *                 the files of the host's servers with the links leading to them
 *   notify.sock   datagrams from the shell after a commit
 *   ipsecpold.sock  the control protocol (ctl.c)
 *   rtnetlink     address and route changes (server addresses may move)
 *   NFLOG         dropped packets, in diagnostic mode (diag.c)
 *   timerfds      the diagnostic log interval, retries, the address debounce
 *
 * Every change of the kernel's state is one transaction replacing the
 * `inet ipsecpol` table: there is never an instant without the old or the
 * new ruleset.  The table is never deleted at start (a previous instance
 * that crashed left its ruleset in force, and it stays until replaced).
 */
#include "daemon.h"
#include "dynamic.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/notify.h"
#include "../driver/driver.h"
#include "../driver/nfmon.h"
#include "../driver/nlrules.h"
#include "../store/store.h"
#include "hostenv.h"
#include "log.h"
#include "secure.h"
#include <linux/netfilter/nf_tables.h>

enum {
	EV_SIGNAL = 1,
	EV_INOTIFY,
	EV_NOTIFY,
	EV_CTL,
	EV_CLIENT,
	EV_RTNL,
	EV_DIAG,
	EV_NFMON,
	EV_T_INTERVAL,
	EV_T_RETRY,
	EV_T_ENV,
	EV_T_STORE,
	EV_T_FLOW,
	EV_T_FOLD,
	EV_T_TIDY,
	EV_T_GAP,
};

#define RETRY_MAX_S 60
#define ENV_DEBOUNCE_MS 200
#define ADDR_RENEW_MS 2000 /* at most one flow cache renewal for addresses in this time */
/*
 * A write to policy.db-wal is seen before SQLite publishes the commit in the
 * WAL index (shared memory, no file event): look at the generation a moment
 * later, and again while it has not moved yet, at growing intervals (a
 * writer descheduled between the write and the publication, on a busy
 * machine, was seen to take over half a second): some 4 s in all, each
 * look one small query.
 */
#define STORE_SETTLE_MS 20
static const unsigned store_recheck_ms[] = {250, 1000, 3000};
#define STORE_RECHECKS (1 + sizeof(store_recheck_ms) / sizeof(store_recheck_ms[0]))
/* How often the flow cache's fill is looked at (ipp_agent_flow_evict()). */
#define FLOW_CHECK_MS 2000
/* How often a state or configuration directory that went is looked for. */
#define DIR_REWATCH_MS 1000

/* How long after a change the generation it left behind is folded. */
#define FOLD_DELAY_MS 100
/*
 * How long after the last deletion in place that left the table other than
 * a compile would make it (ipp_patch.untidy) the policy is compiled and the
 * difference applied, which puts it in order.
 */
#define TIDY_DELAY_MS 1000

static uint64_t ev_key(int kind, int fd)
{
	return (uint64_t)kind << 32 | (uint32_t)fd;
}

static int ep_add(struct agent *a, int kind, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ev_key(kind, fd)};

	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void ep_del(struct agent *a, int fd)
{
	(void)epoll_ctl(a->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void timer_arm(int fd, long ms, bool periodic)
{
	struct itimerspec its = {0};

	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (ms % 1000) * 1000000L;
	if (periodic)
		its.it_interval = its.it_value;
	(void)timerfd_settime(fd, 0, &its, NULL);
}

static void timer_drain(int fd)
{
	uint64_t n;

	(void)!read(fd, &n, sizeof(n));
}

/* ---------- status ---------- */

static void notify_status(struct agent *a)
{
	char st[IPP_ERR_MSG_MAX + 64];

	if (a->mode == IPP_MODE_BLOCK || a->reason[0])
		snprintf(st, sizeof(st), "STATUS=mode: %s (%s)", ipp_mode_name(a->mode), a->reason);
	else
		snprintf(st, sizeof(st), "STATUS=mode: %s", ipp_mode_name(a->mode));
	ipp_sd_notify(st);
}

static void set_mode(struct agent *a, enum ipp_mode m, const char *reason)
{
	if (m != a->mode)
		a->since = time(NULL);
	a->mode = m;
	snprintf(a->reason, sizeof(a->reason), "%s", reason ? reason : "");
	notify_status(a);
}

/* The next apply reads the stores whole (no change in place), for the reason @fmt says. */
__attribute__((format(printf, 2, 3))) static void force_whole(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	a->force_apply = true;
	va_start(ap, fmt);
	vsnprintf(a->force_why, sizeof(a->force_why), fmt, ap);
	va_end(ap);
}

/* ---------- the database generation ---------- */

static ino_t file_ino(const char *path);

static void db_close(struct agent *a)
{
	ipp_db_close(a->db);
	a->db = NULL;
	a->dv_seen = a->dv_applied = -1;
	memset(a->db_ino, 0, sizeof(a->db_ino));
}

/* The database's files: policy.db, its write-ahead log, its shared memory index. */
static void db_file(const struct agent *a, int i, char *buf, size_t len)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};

	snprintf(buf, len, "%s%s", a->paths.db, suffix[i]);
}

/*
 * Are the files of the database the agent holds open still the ones at
 * their paths?  One removed or replaced under it (policy.db-shm deleted, a
 * copy moved in) leaves SQLite's view of the process behind: every
 * connection the agent opens, for a whole apply too, would read the old
 * state, and changes would go unseen.  Closed then (said), to be opened
 * again.  A write-ahead log that appears is a writer's, not a replacement.
 */
static void db_check_files(struct agent *a)
{
	char path[IPP_PATH_MAX + 8];

	if (!a->db)
		return;
	for (int i = 0; i < 3; i++) {
		ino_t now;

		db_file(a, i, path, sizeof(path));
		now = file_ino(path);
		if (!a->db_ino[i] || now == a->db_ino[i])
			continue;
		ipp_log(LOG_WARNING,
			"\"%s\" was %s under the agent: the policy database is opened again", path,
			now ? "replaced" : "removed");
		db_close(a);
		return;
	}
}

/* The store generation; -ENOENT when there is no database (yet). */
static int db_generation(struct agent *a, uint64_t *ret)
{
	char path[IPP_PATH_MAX + 8];
	struct ipp_error e = {0};
	struct ipp_db_look look;
	int r;

	db_check_files(a);
	if (!a->db) {
		/* (a link to a file that is gone is not "removed": opening it says what it is) */
		bool absent = ipp_db_absent(a->paths.db);

		if (absent || (access(a->paths.db, F_OK) < 0 && errno != ENOENT)) {
			r = absent ? -ENOENT : -errno;
			if (r == -ENOENT && a->db_had && !a->db_gone_said) {
				/* all the stores are empty now, the persistent one too */
				ipp_log(LOG_WARNING,
					"the policy database \"%s\" was removed: its stores are "
					"empty now, no policy is assigned",
					a->paths.db);
				a->db_gone_said = true;
			}
			return r;
		}
		if ((r = ipp_db_open(a->paths.db, IPP_DB_READONLY, &a->db, &e)) < 0) {
			a->db = NULL;
			return r;
		}
		a->db_gone_said = false;
		a->db_had = true;
	}
	if ((r = ipp_db_look(a->db, &look, &e)) < 0) {
		db_close(a); /* reopen next time: the file may have been replaced */
		return r;
	}
	*ret = look.generation;
	a->ident_seen = look.identity;
	a->nonce_seen = look.nonce;
	a->dv_seen = look.data_version;
	a->stamp_seen = look.stamp;
	if (a->dv_applied < 0)
		a->dv_applied = a->dv_seen; /* (a new connection: its own numbering) */
	/* the stamp is the file's, whatever the connection: kept across a reopening */
	if (!a->stamp_known) {
		a->stamp_applied = a->stamp_seen;
		a->stamp_known = true;
	}
	/* (after a read: the shared memory index exists, the one this connection maps) */
	if (!a->db_ino[0])
		for (int i = 0; i < 3; i++) {
			db_file(a, i, path, sizeof(path));
			a->db_ino[i] = file_ino(path);
		}
	return r;
}

/* ---------- applying ---------- */

static void arm_retry(struct agent *a)
{
	a->retry_s = a->retry_s ? a->retry_s * 2 : 1;
	if (a->retry_s > RETRY_MAX_S)
		a->retry_s = RETRY_MAX_S;
	timer_arm(a->tfd_retry, (long)a->retry_s * 1000, false);
}

static void cur_forget(struct agent *a)
{
	if (a->cur_valid && a->cur.eff) {
		ipp_effective_free(a->said);
		a->said = a->cur.eff;
		a->cur.eff = NULL;
	}
	ipp_apply_result_clear(&a->cur);
	a->cur_valid = false;
}

/* The rules of the table's base chains (those the hooks run), -1 when they cannot be read. */
static long base_rules(void)
{
	unsigned in = 0, out = 0;

	if (ipp_nlchain_rules("input", &in) < 0 || ipp_nlchain_rules("output", &out) < 0)
		return -1;
	return (long)in + out;
}

/*
 * Remember which table the agent made (table_check()): its handle, which a
 * table loaded in its place (a saved copy of it, its comment and all) does
 * not have, and the rules of its base chains, which a flush of the table
 * empties and a ruleset loaded into it adds to.  (The fingerprints of all its
 * rules the driver keeps: ipp_driver_rules_check().)
 */
static void table_mark(struct agent *a)
{
	char com[IPP_NLRULE_COMMENT_MAX];

	if (ipp_nltable_comment(com, sizeof(com), &a->table_handle) < 0)
		a->table_handle = 0;
	a->table_rules = a->table_handle ? base_rules() : -1;
}

/*
 * A fixed ruleset the agent keeps in force and puts back when another program
 * removes or changes it: block mode's, and a startup mode's that filters (the
 * agent in it while the policy cannot be applied).
 */
static bool fixed_watched(enum ipp_mode m)
{
	return m == IPP_MODE_BLOCK || m == IPP_MODE_STARTUP_BLOCK || m == IPP_MODE_STARTUP_STATEFUL;
}

/* Does the agent keep the table of the mode it is in (table_check())? */
static bool table_watched(const struct agent *a)
{
	return a->mode == IPP_MODE_SECURE || fixed_watched(a->mode);
}

static int load_fixed(struct agent *a, enum ipp_mode m, struct ipp_error *err)
{
	/* block mode lets the boot exemptions and DHCP through, as Windows' does */
	return ipp_agent_load_conf_mode(a->drv, m, &a->conf, err);
}

/* What put block mode in force: how the log explains it and what undoes it. */
enum block_cause {
	BLOCK_PERSISTENT,
	BLOCK_UNREADABLE,
	BLOCK_RESOURCES,
	BLOCK_CONF,
	BLOCK_UNFILTERED
};

static const struct {
	const char *what, *remedy;
} block_causes[] = {
    [BLOCK_PERSISTENT] = {"the persistent policy could not be applied",
			  "repair or unassign the persistent policy (ipsecpol static set store "
			  "location=persistent, then fix it or set policy name=NAME assign=no), "
			  "which takes effect at once"},
    /* the database itself could not be read (damaged, an unknown schema): no command can
     * repair or unassign the policy in it */
    [BLOCK_UNREADABLE] = {"the persistent policy could not be applied and the policy database "
			  "cannot be read, so no command can change it",
			  "restore the database from a backup or move it aside, with its -wal "
			  "and -shm files (every store then starts empty, with no persistent "
			  "policy), which takes effect at the next retry"},
    /* the memory, file descriptors or disk space to read or apply it were not there:
     * nothing to repair in the stores */
    [BLOCK_RESOURCES] = {"the persistent policy could not be applied for want of resources "
			 "(memory, open files or disk space)",
			 "free them or raise the agent's limits (the policy database is not "
			 "damaged: keep it), which takes effect at the next retry"},
    /* nothing filtered the host before: it is not left open instead of the policy */
    [BLOCK_UNFILTERED] = {"the assigned policy could not be applied and nothing else filters "
			  "the host",
			  "correct what the message names, or unassign the policy (ipsecpol "
			  "static set policy name=NAME assign=no), which takes effect at once"},
    [BLOCK_CONF] = {"driver.conf cannot be used and the agent has no settings of its own",
		    "correct driver.conf by hand (ipsecpol dynamic set config does not rewrite "
		    "a file it cannot read), which takes effect at once"},
};

static void enter_block(struct agent *a, enum block_cause cause, const char *why)
{
	struct ipp_error e = {0};
	bool again = a->mode == IPP_MODE_BLOCK;
	bool logs = a->conf.diagnostics > 0;

	/* Already in force as needed (a retry that failed the same way, with the same
	 * settings): keep it. */
	if (again && a->block_logs == logs &&
	    ipp_bootexempt_list_same(a->block_exempt, a->nblock_exempt, a->conf.exempt,
				     a->conf.nexempt)) {
		if (strcmp(a->reason, why))
			ipp_log(LOG_ERR, "still in block mode: %s", why);
		snprintf(a->reason, sizeof(a->reason), "%s", why);
		notify_status(a);
		arm_retry(a);
		return;
	}
	if (load_fixed(a, IPP_MODE_BLOCK, &e) < 0) {
		ipp_log(LOG_CRIT,
			"%s (%s) and the block ruleset was refused too (%s): the ruleset in force "
			"(mode %s) stays",
			block_causes[cause].what, why, e.msg, ipp_mode_name(a->mode));
		snprintf(a->last_error, sizeof(a->last_error), "%s", e.msg);
		arm_retry(a);
		return;
	}
	cur_forget(a);
	table_mark(a);
	a->rest = IPP_MODE_INVALID;
	a->kept = false;
	a->table_lost = false;
	a->block_logs = logs;
	memcpy(a->block_exempt, a->conf.exempt, a->conf.nexempt * sizeof(a->conf.exempt[0]));
	a->nblock_exempt = a->conf.nexempt;
	if (!again || strcmp(a->reason, why)) {
		static const char *const fields[] = {"IPSECPOL_EVENT=block-mode", NULL};

		ipp_log_event(LOG_CRIT, fields,
			      "entered block mode: %s: %s. All inbound and outbound traffic is "
			      "dropped except %s. To "
			      "regain connectivity, %s, or stop the policy agent (systemctl stop "
			      "ipsecpold), which removes filtering",
			      block_causes[cause].what, why,
			      a->nblock_exempt ? "loopback, DHCP, IPv6 neighbour discovery and the "
						 "boot exemptions"
					       : "loopback, DHCP and IPv6 neighbour discovery",
			      block_causes[cause].remedy);
	}
	set_mode(a, IPP_MODE_BLOCK, why);
	arm_retry(a);
}

/*
 * The generation a change left behind is folded a moment after the change
 * is in force (and reported), or before the next change of the table.
 */
static void flow_fold_now(struct agent *a)
{
	if (a->flows.pending && a->cur_valid)
		ipp_agent_flow_fold(a->drv, a->cur.compiled, &a->flows);
	timer_arm(a->tfd_fold, 0, false);
}

static void flow_fold_later(struct agent *a)
{
	if (a->flows.pending)
		timer_arm(a->tfd_fold, FOLD_DELAY_MS, false);
}

/*
 * Compute and install the secure ruleset (against @env, NULL: read the
 * host's); on failure go to block mode (the persistent policy cannot be
 * applied) or keep what is in force and retry.
 */
static int agent_apply_once(struct agent *a, const char *why, const struct ipp_hostenv *env);
static void note_failure(char *slot, int prio, const struct ipp_error *e, const char *before,
			 const char *after);
static void env_keep_wins(struct agent *a, struct ipp_hostenv *env);

/*
 * Apply, then give the memory of the computation back (main.c keeps it until
 * trimmed), with what libnftables kept of a whole ruleset: the next change
 * would free it first, in its own time.
 */
static int agent_apply(struct agent *a, const char *why, const struct ipp_hostenv *env)
{
	int r = agent_apply_once(a, why, env);
	struct ipp_error e = {0};

	if (r == 0 && strcmp(a->last_change, "whole") == 0 && ipp_driver_reset(a->drv, &e) < 0)
		ipp_log(LOG_WARNING, "%s", e.msg);
	malloc_trim(0);
	return r;
}

static bool conf_reload(struct agent *a);
/* How closely table_check() looks. */
enum look {
	LOOK_CHEAP,    /* the table's handle and mode, its base chains */
	LOOK_PERIODIC, /* and the fingerprint of all its rules, when its time has come */
	LOOK_NOW,      /* and that fingerprint now */
};
static bool table_check(struct agent *a, enum look look);

static bool agent_patch(struct agent *a);

/*
 * A change seen: in place when only the stores changed (@stores_only) and
 * that is possible, else whole; status tells how long it took and when it
 * ended (last_apply_ms, applied_at).
 */
static void apply_timed(struct agent *a, const char *why, const struct ipp_hostenv *env,
			bool stores_only)
{
	struct timespec t0, t1, end;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!stores_only || !agent_patch(a))
		agent_apply(a, why, env);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_REALTIME, &end);
	a->last_apply_ms =
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	a->applied_at_ns = (long long)end.tv_sec * 1000000000LL + end.tv_nsec;
}

/*
 * Secure mode with a policy that cannot be applied whole in force (@st: what the
 * apply changed): the persistent policy alone, what it does not match as mode @rest
 * does, or (@kept) what was applied of the domain or local policy with it; tried
 * again later.  @reason: the status's.
 */
static void in_force_failing(struct agent *a, const struct ipp_cdiff_stats *st, enum ipp_mode rest,
			     bool kept, const char *reason)
{
	a->rest = rest;
	a->kept = kept;
	a->put_in_force++;
	a->table_lost = false;
	a->startup_stale = false;
	if (!st->empty || !a->table_handle)
		table_mark(a);
	set_mode(a, IPP_MODE_SECURE, reason);
	arm_retry(a);
}

static int agent_apply_once(struct agent *a, const char *why, const struct ipp_hostenv *env)
{
	enum ipp_mode in_force, rest, krest = IPP_MODE_INVALID;
	struct ipp_apply_result res;
	struct ipp_hostenv own;
	struct ipp_cdiff_stats st = {0};
	struct ipp_error e = {0};
	int r;

	/* a retry reads driver.conf again: a correction may have gone unseen */
	if (a->conf_block)
		(void)conf_reload(a);
	if (a->conf_block) {
		/* no settings to apply the policy with: errs closed (DESIGN, "Modes") */
		a->applies++;
		a->failures++;
		a->gen_known = false;
		snprintf(a->last_error, sizeof(a->last_error), "%s", a->conf_error);
		enter_block(a, BLOCK_CONF, a->conf_error);
		return -EINVAL;
	}
	ipp_log(LOG_DEBUG, "applying the policy (%s)", why);
	db_check_files(a); /* (its view of the files would be the new connection's too) */
	if (a->cur_valid)
		table_check(
		    a, LOOK_CHEAP); /* an element-level difference only from the table it made */
	flow_fold_now(a);
	if (!env) {
		/* the host's servers as env_check() takes them (WINS kept across a mistake) */
		struct ipp_error ee = {0};

		if (ipp_agent_read_env(&a->paths, &own, &ee) == 0) {
			env_keep_wins(a, &own);
			env = &own;
		}
	}
	/* what the kernel holds (an agent before may have left it), and what becomes of the
	 * rest if the persistent policy must go in force alone (a whole policy in force
	 * stays: a->rest is none) */
	in_force = a->mode == IPP_MODE_INVALID ? ipp_agent_kernel_mode(&krest) : a->mode;
	if (a->mode == IPP_MODE_SECURE && a->table_lost && !a->rest)
		/* the whole policy was in force, but another program removed or changed its
		 * table: none of it is left to stay (block mode's guard holds the host):
		 * what cannot be built is treated as nothing filtering the host */
		in_force = IPP_MODE_PERMIT;
	rest = a->mode == IPP_MODE_SECURE && in_force == IPP_MODE_SECURE
		   ? a->rest
		   : ipp_agent_rest_mode(in_force, krest);
	a->store_reads++;
	r = ipp_agent_secure(a->drv, &a->paths, &a->conf, rest,
			     a->mode != IPP_MODE_SECURE || a->rest ? NULL
			     : a->cur_valid			   ? a->cur.eff
								   : a->said,
			     &a->dyn, env, a->cur_valid ? a->cur.compiled : NULL, &a->flows, &res,
			     &st, &e);
	a->applies++;
	if (r == 0) {
		const struct ipp_compiled *c = res.compiled;
		bool was_partial;

		if (a->flows.want_before && a->cur_valid) {
			/* the replaced form decided the entries of the generation left behind */
			a->flows.before = a->cur.compiled;
			a->cur.compiled = NULL;
		}
		flow_fold_later(a);
		ipp_agent_log_warnings(a->cur_valid ? a->cur.eff : a->said, res.eff);
		ipp_effective_free(a->said);
		a->said = NULL;
		if (res.env.wins_error[0]) {
			/* applied: no filter in force names the WINS servers (the policy that
			 * names them, when it is one the persistent one stands in for, is said
			 * apart: not called harmless here) */
			snprintf(e.msg, sizeof(e.msg), "%s", res.env.wins_error);
			note_failure(a->wins_note, LOG_WARNING, &e, "",
				     res.partial || res.kept
					 ? ""
					 : " (no filter in force names the WINS servers)");
		}
		if (res.env.dns_error[0]) {
			snprintf(e.msg, sizeof(e.msg), "%s", res.env.dns_error);
			note_failure(a->dns_note, LOG_WARNING, &e, "",
				     res.partial || res.kept
					 ? ""
					 : " (the DNS servers are unknown; no filter in "
					   "force names them)");
		}
		if (res.env.gateway_error[0] || res.env.dhcp_error[0]) {
			/* the same of a route or lease file */
			snprintf(e.msg, sizeof(e.msg), "%s",
				 res.env.gateway_error[0] ? res.env.gateway_error
							  : res.env.dhcp_error);
			note_failure(
			    a->server_note, LOG_WARNING, &e, "",
			    res.partial || res.kept ? ""
			    : res.env.gateway_error[0]
				? " (the gateways are unknown; no filter in force names them)"
				: " (the DHCP servers are unknown; no filter in force names "
				  "them)");
		} else {
			a->server_note[0] = '\0';
		}
		was_partial = a->mode == IPP_MODE_SECURE && (a->rest || a->kept);
		cur_forget(a);
		a->cur = res;
		a->cur_valid = true;
		a->gen = res.generation;
		a->gen_known = true;
		a->applied_ino = file_ino(a->paths.db); /* (the file it was read from) */
		a->last_change = st.empty ? "unchanged" : st.full ? "whole" : "elements";
		if (res.partial) {
			/* errs closed: the persistent policy, and nothing let in that it does not
			 * let in and the mode of the rest does not */
			struct ipp_error why_alone = {0};
			const char *reason = why_alone.msg;

			a->failures++;
			snprintf(a->last_error, sizeof(a->last_error), "%s", res.partial_error);
			snprintf(why_alone.msg, sizeof(why_alone.msg), "%s", res.partial_error);
			ipp_err_prefix(&why_alone,
				       "the persistent policy alone; what it does not match as in "
				       "mode %s",
				       ipp_mode_name(c->opts.rest));
			if (!st.empty || strcmp(a->reason, reason) != 0)
				ipp_log(
				    LOG_ERR,
				    "cannot apply the policy (%s): %s; the persistent policy is "
				    "in force alone (%zu rules, %zu specific filters), what it "
				    "does not match as in mode %s (%s): correct the policy, which "
				    "the agent then applies",
				    why, res.partial_error, c->nrules, c->nsf,
				    ipp_mode_name(c->opts.rest),
				    c->opts.rest == IPP_MODE_STARTUP_STATEFUL
					? "outbound allowed, inbound only its replies, DHCP and "
					  "the inbound boot exemptions"
					: "loopback, DHCP, IPv6 neighbour discovery and the boot "
					  "exemptions pass, the rest is dropped");
			in_force_failing(a, &st, c->opts.rest, false, reason);
			return 0;
		}
		if (res.kept) {
			/* errs closed: the domain or local policy applied before stays, not
			 * dropped for a change that cannot be applied; the persistent policy
			 * and the dynamic rules as they are now with it */
			struct ipp_error why_kept = {0};
			const char *reason = why_kept.msg, *kept = NULL;
			size_t i;

			for (i = 0; i < res.eff->nrules && !kept; i++)
				if (res.eff->rules[i].origin == IPP_ORIGIN_ASSIGNED)
					kept = res.eff->rules[i].policy;
			a->failures++;
			snprintf(a->last_error, sizeof(a->last_error), "%s", res.partial_error);
			snprintf(why_kept.msg, sizeof(why_kept.msg), "%s", res.partial_error);
			ipp_err_prefix(&why_kept, "%s", IPP_KEPT_REASON);
			if (!st.empty || strcmp(a->reason, reason) != 0) {
				char what[IPP_NAME_MAX + 32] = "no domain or local policy";

				if (kept)
					snprintf(what, sizeof(what), "policy \"%s\"", kept);
				ipp_log(
				    LOG_ERR,
				    "cannot apply the policy (%s): %s; what was applied of the "
				    "domain or local store (%s) stays in force, with the "
				    "persistent policy and the dynamic rules as they are now "
				    "(%zu rules, %zu specific filters): correct the policy, which "
				    "the agent then applies",
				    why, res.partial_error, what, c->nrules, c->nsf);
			}
			in_force_failing(a, &st, IPP_MODE_INVALID, true, reason);
			return 0;
		}
		if (was_partial)
			ipp_log(LOG_NOTICE,
				"the policy is in force whole again (%s): %zu rules, %zu specific "
				"filters, %zu elements in %zu maps",
				why, c->nrules, c->nsf, c->nelems, c->ntiers);
		else if (a->mode != IPP_MODE_SECURE)
			ipp_log(
			    LOG_NOTICE,
			    "secure mode%s: the policy is in force (%s): %zu rules, %zu specific "
			    "filters, %zu elements in %zu maps",
			    a->mode == IPP_MODE_BLOCK ? " (block mode left)" : "", why, c->nrules,
			    c->nsf, c->nelems, c->ntiers);
		else if (st.empty)
			ipp_log(LOG_DEBUG, "policy unchanged (%s)", why);
		else if (st.full)
			ipp_log(LOG_INFO,
				"policy re-applied whole (%s): %zu rules, %zu specific "
				"filters",
				why, c->nrules, c->nsf);
		else if (st.tiers_added || st.tiers_deleted)
			/* (a filter without an address or port is a rule of its own, no element) */
			ipp_log(LOG_INFO,
				"policy updated (%s): %zu elements added, %zu deleted; %zu maps or "
				"rules added, %zu removed",
				why, st.elems_added, st.elems_deleted, st.tiers_added,
				st.tiers_deleted);
		else
			ipp_log(LOG_INFO, "policy updated (%s): %zu elements added, %zu deleted",
				why, st.elems_added, st.elems_deleted);
		a->last_error[0] = '\0';
		a->retry_s = 0;
		timer_arm(a->tfd_retry, 0, false);
		a->rest = IPP_MODE_INVALID;
		a->kept = false;
		a->put_in_force++;
		a->table_lost = false;
		a->startup_stale = false;
		if (!st.empty || !a->table_handle)
			table_mark(a);
		set_mode(a, IPP_MODE_SECURE, "");
		return 0;
	}
	a->failures++;
	a->gen_known = false;
	snprintf(a->last_error, sizeof(a->last_error), "%s", e.msg);
	if (ipp_agent_persistent_failure(r, res.persistent)) {
		enter_block(a,
			    e.code == ENOMEM || e.code == EMFILE || e.code == ENFILE ||
				    e.code == ENOSPC || e.code == EFBIG
				? BLOCK_RESOURCES
			    : res.unreadable ? BLOCK_UNREADABLE
					     : BLOCK_PERSISTENT,
			    e.msg);
		return r;
	}
	if (a->mode == IPP_MODE_SECURE && a->rest) {
		/* the persistent policy was in force alone and none can be any more (it was
		 * unassigned): not kept without it, the mode of the rest takes its place */
		enum ipp_mode m = a->rest;
		struct ipp_error le = {0};

		a->rest = IPP_MODE_INVALID;
		if (m == IPP_MODE_BLOCK) {
			enter_block(a, BLOCK_UNFILTERED, e.msg);
			return r;
		}
		if (load_fixed(a, m, &le) == 0) {
			cur_forget(a);
			table_mark(a);
			ipp_log(LOG_ERR,
				"cannot apply the policy (%s): %s; no persistent policy can be in "
				"force alone any more: the %s ruleset is loaded in its place",
				why, e.msg, ipp_mode_name(m));
			set_mode(a, m, "");
			arm_retry(a);
			return r;
		}
		ipp_log(LOG_ERR, "cannot load the %s ruleset: %s", ipp_mode_name(m), le.msg);
		a->rest = m; /* (what is in force is unchanged) */
	}
	/* (the table lost: only block mode's guard holds the host, whatever failed: block
	 * mode says so, not a secure mode with nothing of the policy in force) */
	if ((res.assigned || a->table_lost) && ipp_agent_unfiltered(in_force)) {
		enter_block(a, BLOCK_UNFILTERED, e.msg);
		return r;
	}
	ipp_log(LOG_ERR, "cannot apply the policy (%s): %s; the ruleset in force (mode %s) stays",
		why, e.msg, ipp_mode_name(in_force));
	if (a->startup_stale && a->mode == in_force) {
		/* driver.conf's boot exemptions or logging changed since it was loaded */
		struct ipp_error le = {0};

		a->startup_stale = false;
		if (load_fixed(a, in_force, &le) < 0)
			ipp_log(LOG_ERR,
				"cannot load the %s ruleset again with driver.conf's "
				"settings: %s",
				ipp_mode_name(in_force), le.msg);
		else {
			table_mark(a);
			ipp_log(LOG_NOTICE,
				"the %s ruleset is loaded again with driver.conf's boot "
				"exemptions and logging",
				ipp_mode_name(in_force));
		}
	}
	if (a->mode == IPP_MODE_INVALID) {
		set_mode(a, in_force, ""); /* what the kernel holds (an agent before left it) */
		if (fixed_watched(in_force))
			table_mark(a); /* (kept from now on: put back if removed or changed) */
	} else if (a->mode == IPP_MODE_BLOCK)
		set_mode(a, IPP_MODE_BLOCK, e.msg); /* kept, for what fails now */
	arm_retry(a);
	return r;
}

/* The state of the stores in @look is what is in force now (a change in place or none). */
static void look_applied(struct agent *a, const struct ipp_db_look *look)
{
	a->gen = look->generation;
	a->gen_known = true;
	a->dv_seen = a->dv_applied = look->data_version;
	a->stamp_seen = a->stamp_applied = look->stamp;
}

/*
 * The stores changed: when only filters were added to or deleted from
 * lists, change what is in force in place; false when a full apply is due.
 */
static bool agent_patch(struct agent *a)
{
	struct ipp_cdiff_stats st;
	struct ipp_error e = {0};
	struct ipp_db_look look;
	int r;

	/* changes in place only to the table the agent made (a saved copy may have been
	 * put in its place since the last look) */
	table_check(a, LOOK_CHEAP);
	db_check_files(a);
	if (!a->cur_valid || !a->db)
		return false;
	if (a->mode != IPP_MODE_SECURE || a->cur.partial || a->kept) {
		/* no change in place (the persistent policy alone: the whole is tried again),
		 * but what no assigned policy uses changed (a policy being written) needs
		 * nothing; in secure mode the change in place below tells it */
		r = ipp_agent_journal_idle(a->db, &a->cur, &look, &e);
		if (r <= 0)
			return false;
		/* (what was read is applied: a commit since is seen as such next time) */
		look_applied(a, &look);
		a->applies++;
		a->last_change = "unchanged";
		ipp_log(LOG_DEBUG,
			"policy unchanged (the stores changed in what no assigned policy uses)");
		return true;
	}
	flow_fold_now(a);
	r = ipp_agent_patch(a->drv, a->db, &a->cur, &a->flows, &look, &st, &e);
	if (r == -EAGAIN) {
		/* reopened at the next look: a store upgraded to the journal since is then seen */
		db_close(a);
		return false;
	}
	if (r < 0) {
		ipp_log(LOG_WARNING, "cannot change the policy in place: %s; applying it whole",
			e.msg);
		cur_forget(a);
		return false;
	}
	a->applies++;
	look_applied(a, &look);
	flow_fold_later(a);
	a->last_change = st.empty ? "unchanged" : "in-place";
	if (st.untidy)
		timer_arm(a->tfd_tidy, TIDY_DELAY_MS, false);
	if (st.empty)
		ipp_log(LOG_DEBUG, "policy unchanged (the policy stores changed)");
	else
		ipp_log(LOG_INFO,
			"policy updated (the policy stores changed): %zu elements added, %zu "
			"deleted (in place: only the filters changed were compiled)",
			st.elems_added, st.elems_deleted);
	return true;
}

/*
 * A failure that keeps what is in force: logged (@before, the message,
 * @after) when it differs from the one @slot (IPP_ERR_MSG_MAX) holds, then
 * kept there for the status, so that a failure repeated on every event is
 * logged once.
 */
static void note_failure(char *slot, int prio, const struct ipp_error *e, const char *before,
			 const char *after)
{
	if (strcmp(slot, e->msg))
		ipp_log(prio, "%s%s%s", before, e->msg, after);
	snprintf(slot, IPP_ERR_MSG_MAX, "%s", e->msg);
}

/*
 * A mistake in wins.conf, or a resolv.conf that cannot be read
 * (env->wins_error, dns_error), under a policy in force whose servers of
 * that kind were read: they stay as they were, the others follow.
 */
static void env_keep_kind(struct agent *a, char *note, char *error, struct ipp_addr *v, size_t *n,
			  const char *cur_error, const struct ipp_addr *cur_v, size_t cur_n,
			  const char *what)
{
	struct ipp_error e = {0};
	char after[96];

	if (!error[0]) {
		note[0] = '\0';
		return;
	}
	if (!a->cur_valid || cur_error[0])
		return;
	snprintf(e.msg, sizeof(e.msg), "%s", error);
	snprintf(after, sizeof(after), "; the %s read before are kept", what);
	note_failure(note, LOG_WARNING, &e, "", after);
	memcpy(v, cur_v, cur_n * sizeof(*v));
	*n = cur_n;
	error[0] = '\0';
}

static void env_keep_wins(struct agent *a, struct ipp_hostenv *env)
{
	const struct ipp_hostenv *cur = &a->cur.env;

	env_keep_kind(a, a->wins_note, env->wins_error, env->wins, &env->nwins, cur->wins_error,
		      cur->wins, cur->nwins, "WINS servers");
	env_keep_kind(a, a->dns_note, env->dns_error, env->dns, &env->ndns, cur->dns_error,
		      cur->dns, cur->ndns, "DNS servers");
}

/* The host's servers may have moved: apply again if they did. */
static void env_check(struct agent *a)
{
	struct ipp_hostenv env;
	struct ipp_error e = {0};

	if (!a->cur_valid || a->mode != IPP_MODE_SECURE) {
		/* nothing in force depends on them; but an apply that failed (perhaps for
		 * them: wins.conf) is tried again now, not at the next retry */
		if (a->last_error[0] || a->mode == IPP_MODE_BLOCK) {
			force_whole(a, "the host's servers or gateways changed");
		}
		return;
	}
	if (ipp_agent_read_env(&a->paths, &env, &e) < 0) {
		note_failure(a->last_error, LOG_WARNING, &e, "cannot read the host's servers: ",
			     "; the policy in force keeps the servers read before");
		return;
	}
	env_keep_wins(a, &env);
	if (ipp_hostenv_equal(&env, &a->cur.env) && !a->last_error[0])
		return;
	apply_timed(a, "the host's servers or gateways changed", &env, false);
}

/* ---------- driver.conf ---------- */

/* Diagnostics as driver.conf says; @interval_changed: LogInterval moved. */
static void diag_update(struct agent *a, bool interval_changed)
{
	struct ipp_error e = {0};
	unsigned level = a->conf.diagnostics;

	if (level == 0) {
		if (a->diag) {
			ep_del(a, ipp_diag_fd(a->diag));
			ipp_diag_close(a->diag);
			a->diag = NULL;
			timer_arm(a->tfd_interval, 0, false);
			ipp_log(LOG_INFO, "diagnostics off");
		}
		return;
	}
	if (!a->diag) {
		if (ipp_diag_open(level, &a->diag, &e) < 0) {
			a->diag = NULL;
			ipp_log(LOG_ERR, "diagnostics (DiagnosticMode=%u) unavailable: %s", level,
				e.msg);
			return;
		}
		ep_add(a, EV_DIAG, ipp_diag_fd(a->diag));
		ipp_log(LOG_INFO, "diagnostics on: level %u, summaries every %u s", level,
			a->conf.log_interval);
		interval_changed = true;
	} else {
		if (level != a->diag_level)
			ipp_log(LOG_INFO, "diagnostics: level %u (was %u)", level, a->diag_level);
		if (interval_changed) {
			/* what the interval in progress holds, said now: a summary covers one
			 * interval, not what is left of the old one and a whole new one */
			ipp_diag_interval(a->diag);
			ipp_log(LOG_INFO, "diagnostics: summaries every %u s",
				a->conf.log_interval);
		}
	}
	a->diag_level = level;
	ipp_diag_set_level(a->diag, level);
	/* A reload that leaves the interval alone must not restart it. */
	if (interval_changed)
		timer_arm(a->tfd_interval, (long)a->conf.log_interval * 1000, true);
}

/*
 * Re-read driver.conf; true when what the ruleset depends on changed.  A
 * file that cannot be used keeps the settings of the last valid one; when
 * there is none yet (the agent starts), the failsafe settings are taken and
 * block mode is due (a->conf_block: agent_apply_once() loads it), as
 * --startup does, until the file is valid.
 */
/* Does the ruleset in force hold the boot exemptions? */
static bool exempting(const struct agent *a)
{
	switch (a->mode) {
	case IPP_MODE_BLOCK:
	case IPP_MODE_STARTUP_BLOCK:
	case IPP_MODE_STARTUP_STATEFUL:
		return true;
	case IPP_MODE_SECURE:
		return a->rest != IPP_MODE_INVALID; /* the rest of the persistent policy alone */
	default:
		return false;
	}
}

static bool conf_reload(struct agent *a)
{
	struct ipp_driverconf c;
	struct ipp_error e = {0};
	bool changed, interval, was_block = a->conf_block;

	if (ipp_driverconf_load(&a->paths, &c, &e) < 0) {
		if (!a->conf_loaded) {
			/* enter_block() logs it, with what to do; a new reason at once */
			changed = !was_block || strcmp(a->conf_error, e.msg);
			snprintf(a->conf_error, sizeof(a->conf_error), "%s", e.msg);
			if (!was_block) {
				ipp_driverconf_failsafe(&a->conf);
				diag_update(a, false);
			}
			a->conf_block = true;
			return changed;
		}
		note_failure(a->conf_error, LOG_ERR, &e, "",
			     a->conf_present
				 ? "; the settings of the last valid file stay in force (a restart "
				   "of the agent, or the next boot, would use block mode)"
				 : "; the built-in settings stay in force (the file was removed "
				   "before; a restart of the agent, or the next boot, would use "
				   "block mode)");
		return false;
	}
	if (a->conf_error[0])
		ipp_log(LOG_NOTICE, "driver.conf is valid again: its settings are in force");
	{
		/* a file removed: the built-in settings replace the administrator's, said */
		bool present = access(a->paths.driver_conf, F_OK) == 0;

		if (a->conf_present && !present)
			ipp_log(LOG_WARNING,
				"\"%s\" was removed: the built-in settings are in force in its "
				"place (no boot exemptions, diagnostics off, the default "
				"exemptions and flow cache)",
				a->paths.driver_conf);
		a->conf_present = present;
	}
	a->conf_error[0] = '\0';
	a->conf_loaded = true;
	a->conf_block = false;
	/* The rulesets carry log statements only with diagnostics on, and the flow cache;
	 * the secure one the default exemptions; the block ruleset the boot exemptions. */
	changed =
	    (c.diagnostics == 0) != (a->conf.diagnostics == 0) ||
	    (c.flow_cache == 0) != (a->conf.flow_cache == 0) || c.flow_size != a->conf.flow_size ||
	    (a->mode == IPP_MODE_SECURE && c.no_default_exempt != a->conf.no_default_exempt) ||
	    (exempting(a) &&
	     !ipp_bootexempt_list_same(c.exempt, c.nexempt, a->conf.exempt, a->conf.nexempt));
	/* the startup ruleset the agent keeps while the policy fails: loaded again with them */
	if (changed && (a->mode == IPP_MODE_STARTUP_BLOCK || a->mode == IPP_MODE_STARTUP_STATEFUL))
		a->startup_stale = true;
	interval = c.log_interval != a->conf.log_interval;
	a->conf = c;
	diag_update(a, interval);
	/* leaving block mode for the policy */
	return changed || was_block;
}

/* ---------- events ---------- */

/* A database file changed: check the generation once the commit is visible. */
static void store_event(struct agent *a)
{
	a->store_rechecks = STORE_RECHECKS;
	timer_arm(a->tfd_store, STORE_SETTLE_MS, false);
}

static void on_inotify(struct agent *a)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	for (;;) {
		n = read(a->inofd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				a->store_dirty = a->conf_dirty = true;
				timer_arm(a->tfd_env, ENV_DEBOUNCE_MS, false);
				continue;
			}
			if ((ev->mask & IN_MOVE_SELF) &&
			    (ev->wd == a->wd_state || ev->wd == a->wd_etc)) {
				/* moved away: the directory at the path is watched instead */
				timer_arm(a->tfd_env, DIR_REWATCH_MS, false);
				continue;
			}
			if ((ev->mask & IN_IGNORED) &&
			    (ev->wd == a->wd_state || ev->wd == a->wd_etc)) {
				/* the directory is gone (removed, or its file system): watched
				 * again once it is back (dirs_watch()) */
				if (ev->wd == a->wd_state)
					a->wd_state = -1;
				else
					a->wd_etc = -1;
				timer_arm(a->tfd_env, DIR_REWATCH_MS, false);
				continue;
			}
			/* (a watch of a file itself: no name; its entry's name is "") */
			for (size_t k = 0; k < a->nenvw; k++)
				if (ev->wd == a->envw[k].wd &&
				    !strcmp(ev->len ? ev->name : "", a->envw[k].name))
					timer_arm(a->tfd_env, ENV_DEBOUNCE_MS, false);
			if (!ev->len)
				continue;
			if (ev->wd == a->wd_state) {
				if (!strcmp(ev->name, "policy.db")) {
					store_event(a);
					if (ev->mask & IN_MODIFY)
						a->db_touched = true;
					if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && a->db)
						ipp_log(LOG_WARNING,
							"\"%s\" was replaced under the agent: the "
							"policy database is opened again",
							a->paths.db);
					if (ev->mask &
					    (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM))
						db_close(a);
				} else if (!strcmp(ev->name, "policy.db-wal") ||
					   !strcmp(ev->name, "policy.db-journal")) {
					store_event(a);
				}
			} else if (ev->wd == a->wd_etc && !strcmp(ev->name, "driver.conf")) {
				a->conf_dirty = true;
			}
		}
	}
}

static void on_notify(struct agent *a)
{
	char buf[256];

	/* Sent after the commit: the generation is already visible. */
	while (recv(a->notifyfd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		a->store_dirty = a->conf_dirty = true;
}

static void on_rtnl(struct agent *a)
{
	char buf[16384];
	ssize_t n;
	bool any = false;

	for (;;) {
		n = recv(a->rtnlfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			/* missed some: the addresses are compared with what the host has now
			 * (addr_check(); a route of the local table lost so is not: taken for
			 * a move, a host whose routes churn would renew the flow cache all
			 * the time) */
			any = true;
			a->addr_changed = true;
			continue;
		}
		if (n <= 0)
			break;
		any = true;
		for (const struct nlmsghdr *nh = (const struct nlmsghdr *)buf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			const struct rtmsg *rt = NLMSG_DATA(nh);

			if (nh->nlmsg_type == RTM_NEWADDR || nh->nlmsg_type == RTM_DELADDR)
				a->addr_changed = true;
			/* a route of the local table (an address made local, or broadcast,
			 * without an address of an interface: ip route add local ...): what
			 * "me" (fib daddr type local) matches changed, the addresses alone
			 * may not have */
			else if ((nh->nlmsg_type == RTM_NEWROUTE ||
				  nh->nlmsg_type == RTM_DELROUTE) &&
				 nh->nlmsg_len >= NLMSG_LENGTH(sizeof(*rt)) &&
				 (rt->rtm_table == RT_TABLE_LOCAL || rt->rtm_type == RTN_LOCAL ||
				  rt->rtm_type == RTN_BROADCAST || rt->rtm_type == RTN_ANYCAST ||
				  rt->rtm_type == RTN_MULTICAST))
				a->addr_changed = a->addr_moved = true;
		}
	}
	if (any)
		timer_arm(a->tfd_env, ENV_DEBOUNCE_MS, false);
}

/* Does a tier of @c match "me" (fib ... type local)? */
static bool uses_me(const struct ipp_compiled *c)
{
	for (size_t i = 0; i < c->ntiers; i++)
		if (c->tiers[i].shape.src_kind == IPP_ADDR_ME ||
		    c->tiers[i].shape.dst_kind == IPP_ADDR_ME)
			return true;
	return false;
}

/*
 * The host's addresses changed: the flow cache may hold outcomes decided by
 * "me" as it was (a flow from an address that has become local, cached as
 * permitted, would pass a filter from me): its rules move to a fresh
 * generation.
 */
/* Milliseconds of CLOCK_MONOTONIC. */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The walks of the host's own addresses follow them (compile.h,
 * ipp_compiled_relocal()): a packet of an address without one walks every
 * tier, so this changes no verdict, only what a first packet costs.  If the
 * kernel refuses, the form in force is forgotten and the whole policy
 * applied again (its walks are no longer what the kernel holds).
 */
static void local_renew(struct agent *a, const struct ipp_hostaddrs *now)
{
	struct ipp_compiled *c = a->cur.compiled;
	struct ipp_copts o = c->opts;
	struct ipp_error e = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	ipp_apply_local(&o, now);
	if (!(f = open_memstream(&text, &len)))
		return; /* (out of memory: the walks of the addresses as they were) */
	if ((r = ipp_compiled_relocal(c, o.local, o.nlocal, f)) < 0) {
		fclose(f); /* (@c unchanged: the walks of the addresses as they were) */
		free(text);
		return;
	}
	if (fclose(f) != 0) {
		r = -ENOMEM;
		snprintf(e.msg, sizeof(e.msg), "out of memory");
	} else if (len) {
		r = ipp_agent_apply_walks(a->drv, c, text, true, &a->flows, &e);
	}
	free(text);
	if (r < 0) {
		ipp_log(LOG_WARNING, "the walks of the host's addresses: %s", e.msg);
		cur_forget(a);
		force_whole(a, "the host's addresses changed and their walks could not follow");
	}
}

static void addr_check(struct agent *a)
{
	struct ipp_hostaddrs now;
	long long ms;

	if (!a->addr_changed)
		return;
	/* one renewal per ADDR_RENEW_MS at most: addresses that come and go all the time
	 * (a flapping link) would otherwise change the table several times a second, and
	 * a listing of a large table (nft list) would never finish */
	ms = mono_ms();
	ipp_hostaddrs_load(&now);
	if (a->addr_renewed_ms && ms - a->addr_renewed_ms < ADDR_RENEW_MS) {
		/* held back; an address that comes and goes meanwhile still counts: flows
		 * may have been decided while it was the host's */
		a->addr_moved |= !ipp_hostaddrs_equal(&now, &a->addrs);
		ipp_hostaddrs_clear(&now);
		timer_arm(a->tfd_env, (long)(ADDR_RENEW_MS - (ms - a->addr_renewed_ms)), false);
		return;
	}
	a->addr_changed = false;
	/* (a lifetime refreshed by a router advertisement tells of an address too) */
	if (!a->addr_moved && ipp_hostaddrs_equal(&now, &a->addrs)) {
		ipp_hostaddrs_clear(&now);
		return;
	}
	a->addr_moved = false;
	if (a->cur_valid && a->mode == IPP_MODE_SECURE)
		local_renew(a, &now);
	if (a->cur_valid && a->mode == IPP_MODE_SECURE && uses_me(a->cur.compiled)) {
		/* the generation left behind is counted with "me" as it decided it */
		a->flows.me = &a->addrs;
		(void)ipp_agent_flow_renew(a->drv, a->cur.compiled, &a->flows,
					   "the host's addresses changed (me)",
					   "addresses changed");
		a->flows.me = NULL;
		a->addr_renewed_ms = ms;
	}
	ipp_hostaddrs_clear(&a->addrs);
	a->addrs = now;
}

/* Everything that piled up during one epoll round. */
static void process_pending(struct agent *a)
{
	bool ruleset_changed = false;
	uint64_t gen;
	int r;

	if (a->conf_dirty) {
		a->conf_dirty = false;
		ruleset_changed = conf_reload(a);
	}
	if (a->store_dirty || a->force_apply || ruleset_changed) {
		bool need = a->force_apply || ruleset_changed;

		/* (read in every case: the data version goes with it) */
		r = db_generation(a, &gen);
		if (r == 0 && a->db_touched) {
			/* the file itself written: a checkpoint of the log, or a write past
			 * SQLite (the file truncated or overwritten in place), which the
			 * connection's cached pages hide; a new connection reads the file
			 * afresh */
			db_close(a);
			r = db_generation(a, &gen);
		}
		if (!need) {
			/* Unknown generation (no or broken database): look again. */
			need = r < 0 || !a->gen_known || gen != a->gen;
			/* a commit that counted no change: not made through the stores
			 * (sqlite3 on the file): its rows are in the journal (the triggers
			 * are the file's), a table or trigger dropped moves the schema's
			 * version; a checkpoint of the log moves the data version alone */
			if (!need && r == 0 && a->db_touched) {
				/* the file itself written and nothing changed that the look
				 * reads */
				struct ipp_error e = {0};

				/* damage in pages the look did not read: the whole file checked
				 * (a checkpoint costs that check too, not an apply) */
				if (!need && a->db && ipp_db_verify(a->db, &e) == -EBADMSG) {
					/* read whole: the stores' journal says nothing changed */
					force_whole(a, "the database was written in place");
					need = true;
				}
			}
			if (r == 0 && a->cur_valid && a->db_ino[0] && a->applied_ino &&
			    a->db_ino[0] != a->applied_ino) {
				/* another file in the place of the one read (moved in, made
				 * again): its journal says nothing of what is in force */
				force_whole(a,
					    "another policy database file was put in place of the "
					    "one in force");
				need = true;
			}
			if (r == 0 && a->cur_valid && a->db_touched && !a->force_apply &&
			    gen <= a->gen && a->cur.nonce && a->nonce_seen != a->cur.nonce) {
				/* the file itself written (not through its log), its generation
				 * not past the one in force, and yet another change's: a copy
				 * written over it, whose journal went its own way since a
				 * common past; read whole (a checkpoint of the log writes the
				 * file too, with the generation its commits moved on) */
				force_whole(a, "the policy database was written over in place");
				need = true;
			}
			if (!need && r == 0 && a->cur_valid && a->db_touched && a->db &&
			    a->ident_seen == a->cur.identity) {
				/* the file itself written, holding another database than its
				 * write-ahead log: copied over it while the log held changes
				 * (SQLite reads pages of both), or a restore through SQLite's
				 * backup not yet checkpointed; what SQLite reads, read whole */
				int64_t fid = ipp_db_file_identity(a->db);

				if (fid && fid != a->ident_seen && fid != a->file_ident_seen) {
					a->file_ident_seen = fid;
					ipp_log(LOG_WARNING,
						"the policy database file \"%s\" holds another "
						"database than its write-ahead log: SQLite reads "
						"pages of both (a copy written over the file while "
						"the log held changes?); applied as read; stop the "
						"programs before copying a backup over it, or move "
						"the copy in (mv)",
						a->paths.db);
					force_whole(a, "the policy database file was written over "
						       "while its log held changes");
					need = true;
				} else if (fid == a->ident_seen) {
					a->file_ident_seen = 0;
				}
			}
			if (!need && r == 0 && a->cur_valid && a->ident_seen != a->cur.identity) {
				/* another database in the place of the one in force, written
				 * over it in place (a backup copied back): read whole */
				force_whole(a,
					    "another policy database was put in place of the one "
					    "in force");
				need = true;
			}
			if (!need && r == 0 &&
			    (a->stamp_seen.journal != a->stamp_applied.journal ||
			     a->stamp_seen.last != a->stamp_applied.last ||
			     a->stamp_seen.schema != a->stamp_applied.schema ||
			     a->stamp_seen.version != a->stamp_applied.version ||
			     (!a->stamp_seen.journaled && a->dv_seen >= 0 &&
			      a->dv_seen != a->dv_applied))) {
				if (a->stamp_seen.schema != a->stamp_applied.schema ||
				    a->stamp_seen.version != a->stamp_applied.version)
					db_close(a); /* (opened again: its schema checked) */
				force_whole(a, "the database was changed by another program");
				need = true;
			}
		}
		a->dv_applied = a->dv_seen;
		a->stamp_applied = a->stamp_seen;
		a->store_dirty = false;
		a->db_touched = false;
		if (need)
			a->store_rechecks = 0;
		else if (a->store_rechecks > 0)
			timer_arm(a->tfd_store,
				  store_recheck_ms[STORE_RECHECKS - 1 - a->store_rechecks], false);
		if (need) {
			const char *why = a->force_apply    ? a->force_why
					  : ruleset_changed ? "driver.conf changed"
							    : "the policy stores changed";

			bool stores_only = !a->force_apply && !ruleset_changed;

			a->force_apply = false;
			apply_timed(a, why, NULL, stores_only);
		}
	}
}

/*
 * Were the table's rules changed by someone else (ipp_driver_rules_check())?
 * The next look not before 250 times what this one took (at least
 * FP_LOOK_MS): the rules of a large table are megabytes to read (some 40 ms
 * at 100,000 filters), and the looks take at most 0.4% of the time.  False
 * when the kernel cannot tell now.
 */
#define FP_LOOK_MS 2000
static bool rules_changed(struct agent *a)
{
	long long t0 = mono_ms(), took;
	bool changed = false;
	int r = ipp_driver_rules_check(a->drv, &changed);

	took = mono_ms() - t0;
	a->fp_next_ms = t0 + (took * 250 > FP_LOOK_MS ? took * 250 : FP_LOOK_MS) - FP_LOOK_MS / 2;
	return r == 0 && changed;
}

/*
 * The agent's ruleset put back over what another program did to the table:
 * the block ruleset loaded again in block mode; in secure mode the policy
 * applied whole at the next apply (@why), the kernel's table no longer
 * taken for the compiled form.  @lost: the table was seen removed or changed
 * (not merely doubted): in secure mode block mode's ruleset guards the host
 * until then, and nothing of the table is taken as in force.
 */
static void put_back(struct agent *a, const char *why, bool lost)
{
	if (fixed_watched(a->mode)) {
		struct ipp_error e = {0};

		if (load_fixed(a, a->mode, &e) < 0)
			ipp_log(LOG_CRIT, "cannot put the %s ruleset back: %s",
				ipp_mode_name(a->mode), e.msg);
		else
			table_mark(a);
		return;
	}
	/*
	 * Errs closed meanwhile: the policy is applied whole at the next apply, which
	 * takes the time of reading and loading it (seconds for a large policy); until
	 * then block mode's ruleset guards the host (a table of its own, which that apply
	 * removes in its transaction), not nothing.
	 */
	if (a->mode == IPP_MODE_SECURE && lost) {
		struct ipp_mode_opts o = {.exempt = a->conf.exempt,
					  .nexempt = a->conf.nexempt,
					  .diagnostics = a->conf.diagnostics,
					  .defrag6 = ipp_driver_defrag6(a->drv)};
		struct ipp_error e = {0};
		char *guard = NULL;

		if (ipp_mode_guard_ruleset(IPP_MODE_BLOCK, &o, &guard, &e) < 0 ||
		    ipp_driver_run(a->drv, guard, false, &e) < 0)
			ipp_log(LOG_ERR,
				"cannot guard the host with the block ruleset until the "
				"policy is back: %s",
				e.msg);
		else
			ipp_log(LOG_NOTICE, "the block ruleset guards the host until the policy is "
					    "back in force");
		free(guard);
		a->table_lost = true;
	}
	cur_forget(a);
	force_whole(a, "%s", why ? why : "put back");
}

/*
 * Is the table in force the one of the mode the agent is in?  Someone may
 * have removed it or put another in its place (nft flush ruleset, a script
 * that loads its own): it is put back, closed as before, the policy applied
 * whole in secure mode (at the next apply, asked for here), the block
 * ruleset in block mode.  The rules of its base chains are counted too: a
 * table flushed or loaded into in place.  @look beyond LOOK_CHEAP (the
 * periodic look, another program's change seen): the fingerprint of all its
 * rules as well, which a rule replaced inside a chain changes (one dump of
 * the table's rules; a look before a change leaves it out, the change being
 * in a hurry).  True when it put the table back or asked for that.
 */
static bool table_check(struct agent *a, enum look look)
{
	char com[IPP_NLRULE_COMMENT_MAX], want[64];
	uint64_t handle = 0;
	uint32_t tflags = 0;
	int r;

	if (!table_watched(a))
		return false;
	if (a->mode == IPP_MODE_SECURE && a->rest)
		snprintf(want, sizeof(want), "ipsecpol mode=%s rest=%s", ipp_mode_name(a->mode),
			 ipp_mode_name(a->rest));
	else
		snprintf(want, sizeof(want), "ipsecpol mode=%s", ipp_mode_name(a->mode));
	r = ipp_nltable_info(com, sizeof(com), &handle, &tflags);
	if (r < 0 && r != -ENOENT)
		return false; /* the kernel cannot tell now: the next look */
	if (r == 0 && !strcmp(com, want) && (!a->table_handle || handle == a->table_handle)) {
		bool known = a->table_handle && a->table_rules >= 0;
		long rules = known ? base_rules() : -1;

		if (!known || rules < 0)
			return false; /* the kernel cannot tell now */
		if (tflags & NFT_TABLE_F_DORMANT) {
			ipp_log(LOG_WARNING,
				"table %s %s was made dormant (its chains no longer see a packet): "
				"the %s ruleset is put back",
				IPP_NFT_FAMILY, IPP_NFT_TABLE, ipp_mode_name(a->mode));
		} else if (ipp_nlchain_policy("input") == 1 || ipp_nlchain_policy("output") == 1) {
			/* (every table of the agent's drops what its rules let fall through) */
			ipp_log(LOG_WARNING,
				"table %s %s was changed in place (a base chain's policy made "
				"accept): the %s ruleset is put back",
				IPP_NFT_FAMILY, IPP_NFT_TABLE, ipp_mode_name(a->mode));
		} else if (rules != a->table_rules) {
			ipp_log(LOG_WARNING,
				"table %s %s was changed in place (its base chains hold %ld rules, "
				"not %ld: flushed, or a ruleset loaded into it): the %s ruleset is "
				"put back",
				IPP_NFT_FAMILY, IPP_NFT_TABLE, rules, a->table_rules,
				ipp_mode_name(a->mode));
		} else if (look == LOOK_CHEAP ||
			   (look == LOOK_PERIODIC && mono_ms() < a->fp_next_ms) ||
			   !rules_changed(a)) {
			return false; /* in force, or the kernel cannot tell now */
		} else {
			ipp_log(LOG_WARNING,
				"table %s %s was changed in place (a rule of it replaced, added or "
				"deleted): the %s ruleset is put back",
				IPP_NFT_FAMILY, IPP_NFT_TABLE, ipp_mode_name(a->mode));
		}
	} else {
		ipp_log(LOG_WARNING, "table %s %s %s: the %s ruleset is put back", IPP_NFT_FAMILY,
			IPP_NFT_TABLE,
			r == -ENOENT	     ? "was removed"
			: !strcmp(com, want) ? "was replaced by another of the same mode (a "
					       "saved copy, or another root's ipsecpold --once)"
					     : "was replaced by another",
			ipp_mode_name(a->mode));
	}
	put_back(a, "the table was removed, replaced or changed in place", true);
	return true;
}

/*
 * What another program did to the table is not known (it committed while
 * the agent did not listen, during the agent's own transaction; or
 * notifications were lost): the table looked at whole, its elements read
 * and compared with the policy in force (which, unlike applying it again,
 * opens no new moment of not listening); put back when they differ.
 */
static void table_verify(struct agent *a, const char *cause)
{
	char why[256];
	long long t0;
	int r;

	if (!table_watched(a))
		return;
	if (table_check(a, LOOK_NOW))
		return;
	if (fixed_watched(a->mode)) {
		/* (small: loaded again rather than read) */
		put_back(a, NULL, true);
		return;
	}
	if (!a->cur_valid || a->force_apply)
		return; /* applied whole next anyway */
	t0 = mono_ms();
	r = ipp_driver_verify(a->drv, a->cur.compiled, why, sizeof(why));
	if (r == 0) {
		ipp_log(LOG_DEBUG, "table %s %s looked at whole in %lld ms (%s): as applied",
			IPP_NFT_FAMILY, IPP_NFT_TABLE, mono_ms() - t0, cause);
		return;
	}
	ipp_log(LOG_WARNING,
		"table %s %s was changed in place (%s; %s): the %s ruleset is put back",
		IPP_NFT_FAMILY, IPP_NFT_TABLE, cause, r > 0 ? why : "its elements cannot be read",
		ipp_mode_name(a->mode));
	put_back(a, "the table was changed in place", true);
}

/*
 * Another program committed a transaction while the agent applied its own
 * and did not listen (ipp_driver_watch_gap()), or notifications were lost
 * (@cause says which).  What can be seen is looked
 * at at once (table_verify()); but a rule put into a chain the agent has
 * just written cannot be told from its own (its fingerprint is taken after
 * the transaction), so the policy is applied whole again all the same,
 * at once, then, while this goes on, after 1, 2, 4 ... up to 30 seconds:
 * a host whose other tables change all the time does not keep the agent
 * applying.
 */
static void on_gap(struct agent *a, const char *cause)
{
	struct itimerspec pending;
	long delay;

	if (!table_watched(a))
		return;
	table_verify(a, cause);
	if (fixed_watched(a->mode) || a->force_apply)
		return; /* (the fixed ruleset is loaded again there), or put back */
	/* one already due keeps its time: a later doubt does not put it off */
	if (timerfd_gettime(a->tfd_gap, &pending) == 0 &&
	    (pending.it_value.tv_sec || pending.it_value.tv_nsec))
		return;
	delay = a->gap_streak == 0 ? 1 : 1000L << (a->gap_streak < 5 ? a->gap_streak - 1 : 5);
	if (delay > 30000)
		delay = 30000;
	a->gap_streak++;
	ipp_log(a->gap_streak > 1 ? LOG_DEBUG : LOG_NOTICE,
		"%s: what was done to the table cannot all be told from the agent's own; the %s "
		"ruleset is applied whole again%s",
		cause, ipp_mode_name(a->mode), delay > 1 ? " after a pause" : "");
	timer_arm(a->tfd_gap, delay, false);
}

/*
 * Another program committed a change to the table (nf_tables' notification,
 * ipp_driver_watch()): looked at at once, the fingerprint of its rules
 * included; what that look cannot see (the elements of its maps and sets)
 * is put back all the same, the policy applied whole.
 */
static void on_nfmon(struct agent *a)
{
	struct ipp_nfmon_change ch;
	char who[96];
	int r = ipp_driver_watch_read(a->drv, &ch);

	if (r < 0) {
		ipp_log(LOG_WARNING,
			"cannot read nf_tables' notifications (%s): other programs' changes to "
			"table %s %s are seen at the periodic looks only",
			strerror(-r), IPP_NFT_FAMILY, IPP_NFT_TABLE);
		ipp_driver_unwatch(a->drv);
		return;
	}
	if (r == 0 || !table_watched(a))
		return;
	if (ch.lost && !ch.what[0]) {
		/* whose they were is not known: as a transaction unseen (the looks do not
		 * read everything of the table: its liveness map, a chain added) */
		on_gap(a, "nf_tables' notifications were lost, too many at once");
		return;
	}
	snprintf(who, sizeof(who), "changed by process %ld (%s)", ch.pid,
		 ch.comm[0] ? ch.comm : "?");
	ipp_log(LOG_NOTICE, "table %s %s: %s%s%s", IPP_NFT_FAMILY, IPP_NFT_TABLE, who,
		ch.what[0] ? ": " : "", ch.what);
	if (table_check(a, LOOK_NOW))
		return;
	ipp_log(LOG_WARNING, "table %s %s was changed in place (%s): the %s ruleset is put back",
		IPP_NFT_FAMILY, IPP_NFT_TABLE,
		ch.lost	      ? "perhaps: notifications were lost"
		: ch.elements ? "elements of its maps or sets added or deleted"
			      : "a map, set or object of it changed",
		ipp_mode_name(a->mode));
	put_back(a, "the table was changed in place", !ch.lost);
}

void ipp_agent_reload(struct agent *a, const char *why)
{
	/* applied whole: what the kernel holds is not taken on trust (a rule changed in
	 * place that the periodic look cannot see is put right; the filters' counts are
	 * carried over from it) */
	table_check(a, LOOK_CHEAP);
	cur_forget(a);
	db_close(a); /* (opened again: files replaced under it are read as they are now) */
	a->conf_dirty = true;
	force_whole(a, "%s", why);
	process_pending(a);
}

/*
 * ROOT/run/ipsecpol/dynamic-rules holds how many dynamic rules are in force,
 * while there are: a table this agent leaves behind (killed) may hold them,
 * which whatif then says.
 */
static void dyn_marker(struct agent *a)
{
	FILE *f;

	if (!a->dyn.nrules) {
		unlink(a->paths.dyn_marker);
		return;
	}
	if ((f = fopen(a->paths.dyn_marker, "w"))) {
		fprintf(f, "%zu\n", a->dyn.nrules);
		fclose(f);
	}
}

int ipp_agent_dynamic(struct agent *a, const char *args, struct ipp_error *err)
{
	struct ipp_dynspd next, old;
	struct ipp_effective *eff = NULL;
	struct ipp_compiled *c = NULL;
	struct ipp_hostenv env;
	struct ipp_copts o;
	unsigned long gen;
	int r;

	if ((r = ipp_dynspd_apply(&a->dyn, args, &next, err)) < 0)
		return r;
	/* the rules alone first: a server type not known, a selector that cannot compile */
	if (a->cur_valid)
		env = a->cur.env;
	else if ((r = ipp_agent_read_env(&a->paths, &env, err)) < 0)
		goto out;
	ipp_copts_from_conf(&o, &a->conf);
	if ((r = ipp_effective_build_dyn(NULL, NULL, NULL, &next, &env, &eff, err)) < 0 ||
	    (r = ipp_compile(eff, &o, &c, err)) < 0)
		goto out;
	old = a->dyn;
	a->dyn = next;
	memset(&next, 0, sizeof(next));
	gen = a->put_in_force;
	apply_timed(a, "the dynamic rules changed", NULL, false);
	/* (in force with the policy, also with what is kept of a domain or local policy that
	 * cannot be built, or with the persistent policy alone) */
	if (a->mode != IPP_MODE_SECURE || a->put_in_force == gen) {
		/* not in force: as it was (Windows refuses a rule the driver does not take) */
		r = ipp_err(err, EIO, "the policy with the change cannot be applied: %s",
			    a->last_error[0] ? a->last_error : ipp_mode_name(a->mode));
		next = a->dyn;
		a->dyn = old;
		apply_timed(a, "the dynamic rules changed back", NULL, false);
	} else {
		ipp_dynspd_clear(&old);
	}
	dyn_marker(a);
out:
	ipp_compiled_free(c);
	ipp_effective_free(eff);
	ipp_dynspd_clear(&next);
	return r;
}

static void on_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			ipp_sd_notify("RELOADING=1");
			ipp_log(LOG_INFO, "SIGHUP: reloading");
			ipp_agent_reload(a, "SIGHUP");
			ipp_sd_notify("READY=1");
			notify_status(a);
			break;
		case SIGTERM:
		case SIGINT:
			a->stop = true;
			break;
		}
	}
}

/* ---------- setup and teardown ---------- */

static int unix_socket(const char *path, int type, struct ipp_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return ipp_err(err, ENAMETOOLONG, "socket path \"%s\" is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return ipp_err(err, errno, "socket: %s", strerror(errno));
	/* The pid file lock guarantees no other agent owns a socket here. */
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0)) {
		int r = ipp_err(err, errno, "cannot listen on \"%s\": %s", path, strerror(errno));

		close(fd);
		return r;
	}
	return fd;
}

/* The inode of the file at @path, 0 when there is none. */
static ino_t file_ino(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_ino : 0;
}

/*
 * A socket of the agent's made again at @path when its file is gone or
 * another (@ino: the one made); @fd, @ino and the epoll entry follow.
 */
static int socket_again(struct agent *a, int kind, const char *path, int type, int *fd, ino_t *ino,
			struct ipp_error *err)
{
	int nfd;

	if (*ino && file_ino(path) == *ino)
		return 0;
	if ((nfd = unix_socket(path, type, err)) < 0)
		return nfd;
	if (*fd >= 0) {
		ep_del(a, *fd);
		close(*fd);
	}
	*fd = nfd;
	*ino = file_ino(path);
	if (ep_add(a, kind, nfd) < 0)
		ipp_log(LOG_ERR, "cannot watch \"%s\": %s", path, strerror(errno));
	return 0;
}

/*
 * The run directory cannot be used (@why): the agent enforces all the same,
 * without what lives there; said once per reason.
 */
static void run_down(struct agent *a, const char *why)
{
	if (!strcmp(a->run_error, why))
		return;
	ipp_log(LOG_ERR,
		"the run directory \"%s\" cannot be used: %s; the policy is enforced all the "
		"same, but the shell cannot reach the agent (dynamic commands, status) until it "
		"can: tried again every %d s",
		a->paths.rundir, why, FLOW_CHECK_MS / 1000);
	snprintf(a->run_error, sizeof(a->run_error), "%s", why);
}

/*
 * The run directory: the pid file the agent holds locked, its control and
 * notification sockets.  Removed (ROOT/run emptied) or replaced, another
 * agent of the root could start and the shell would reach neither: they are
 * made again (the lock taken again; refused when another agent has taken
 * the root meanwhile, which is said).  Also how an agent that started
 * without them (run_start()) gets them once the directory can be used.
 */
static void run_check(struct agent *a)
{
	struct ipp_error e = {0};
	int fd, r;

	if (ipp_agent_lock_held(&a->paths, a->pidfd) && a->ctl_ino &&
	    file_ino(a->paths.ctl_socket) == a->ctl_ino && a->notify_ino &&
	    file_ino(a->notify_path) == a->notify_ino)
		return;
	if (!a->run_error[0])
		ipp_log(LOG_WARNING,
			"the run directory \"%s\" or a file of it was removed or replaced: the "
			"pid file and the sockets are made again",
			a->paths.rundir);
	if (ipp_paths_mkdirs(&a->paths, &e) < 0) {
		run_down(a, e.msg);
		return;
	}
	if (!ipp_agent_lock_held(&a->paths, a->pidfd)) {
		if ((r = ipp_agent_lock(&a->paths, &fd, NULL, &e)) < 0) {
			/* (the sockets are the holder's: not made over) */
			if (r == -EEXIST)
				ipp_err_prefix(&e, "cannot take the pid file again");
			run_down(a, e.msg);
			return;
		}
		if (a->pidfd >= 0)
			close(a->pidfd);
		a->pidfd = fd;
	}
	if (socket_again(a, EV_CTL, a->paths.ctl_socket, SOCK_STREAM, &a->ctlfd, &a->ctl_ino, &e) <
		0 ||
	    socket_again(a, EV_NOTIFY, a->notify_path, SOCK_DGRAM, &a->notifyfd, &a->notify_ino,
			 &e) < 0) {
		run_down(a, e.msg);
		return;
	}
	if (a->run_error[0]) {
		ipp_log(LOG_NOTICE,
			"the run directory \"%s\" can be used: the shell reaches the "
			"agent again",
			a->paths.rundir);
		a->run_error[0] = '\0';
	}
}

/*
 * The run directory at the start.  When it cannot be used (a full or
 * read-only file system, a file in its place), the agent still enforces:
 * the network namespace's claim alone keeps a second agent out, the shell
 * cannot reach it meanwhile, and run_check() tries again.  Another agent
 * running is the only refusal.
 */
static int run_start(struct agent *a, struct ipp_error *err)
{
	struct ipp_error e = {0};
	int r;

	/* the root's own lock first: held whether or not the run directory can be used */
	if ((r = ipp_agent_root_lock(&a->paths, err)) < 0)
		return r;
	if (ipp_paths_mkdirs(&a->paths, &e) == 0) {
		r = ipp_agent_lock(&a->paths, &a->pidfd, NULL, &e);
		if (r == -EEXIST || r == -EADDRINUSE) {
			if (err)
				*err = e;
			return r;
		}
		if (r == 0 && (r = unix_socket(a->notify_path, SOCK_DGRAM, &e)) >= 0) {
			a->notifyfd = r;
			r = unix_socket(a->paths.ctl_socket, SOCK_STREAM, &e);
			a->ctlfd = r >= 0 ? r : -1;
		}
		if (r >= 0) {
			a->notify_ino = file_ino(a->notify_path);
			a->ctl_ino = file_ino(a->paths.ctl_socket);
			return 0;
		}
	}
	if (a->pidfd < 0 && (r = ipp_agent_netns_claim(err)) < 0) {
		if (r == -EADDRINUSE)
			ipp_err(err, EADDRINUSE,
				"another ipsecpold runs in this network namespace (of this root or "
				"another: the run directory \"%s\" cannot be used to tell, %s): "
				"the two "
				"would replace each other's table",
				a->paths.rundir, e.msg);
		return r;
	}
	run_down(a, e.msg);
	return 0;
}

#define ENV_WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM)

static void env_watch_add(void *ctx, const char *dir, const char *name)
{
	struct agent *a = ctx;
	int wd;

	if (a->nenvw == sizeof(a->envw) / sizeof(a->envw[0]) ||
	    strlen(name) >= sizeof(a->envw[0].name))
		return;
	wd = inotify_add_watch(a->inofd, dir, IN_MASK_ADD | ENV_WATCH_MASK);
	if (wd < 0)
		return; /* gone since it was looked at: the next event looks again */
	for (size_t k = 0; k < a->nenvw; k++)
		if (a->envw[k].wd == wd && !strcmp(a->envw[k].name, name))
			return;
	a->envw[a->nenvw].wd = wd;
	snprintf(a->envw[a->nenvw].name, sizeof(a->envw[0].name), "%s", name);
	a->nenvw++;
}

/*
 * The file itself too (the inode the links lead to), named "": one written in
 * place where its directory sees nothing, a bind mount over /etc/resolv.conf
 * (ip netns exec, containers) written from outside.
 */
static void env_file_watch_add(struct agent *a, const char *path)
{
	int wd;

	if (a->nenvw == sizeof(a->envw) / sizeof(a->envw[0]))
		return;
	wd = inotify_add_watch(a->inofd, path, IN_MASK_ADD | IN_CLOSE_WRITE | IN_MODIFY);
	if (wd < 0)
		return; /* none (yet): its directory's watch sees it come */
	for (size_t k = 0; k < a->nenvw; k++)
		if (a->envw[k].wd == wd && !a->envw[k].name[0])
			return;
	a->envw[a->nenvw].wd = wd;
	a->envw[a->nenvw].name[0] = '\0';
	a->nenvw++;
}

/*
 * Follow the files the host's servers are read from (resolv.conf, wins.conf)
 * and the symbolic links on the way to them (resolv.conf is often a link into
 * the resolver's run directory).  Looked at again after each change: a link
 * may now point elsewhere.  Directories no longer on any way are unwatched.
 */
static void env_rewatch(struct agent *a)
{
	struct ipp_hostenv_src src;
	const char *files[4];
	int old[sizeof(a->envw) / sizeof(a->envw[0])];
	size_t i, k, n, nold = a->nenvw;

	for (i = 0; i < nold; i++)
		old[i] = a->envw[i].wd;
	a->nenvw = 0;
	ipp_agent_env_files(&a->paths, files, &n, &src);
	for (i = 0; i < n; i++) {
		ipp_hostenv_watch_points(files[i], env_watch_add, a);
		env_file_watch_add(a, files[i]);
	}
	for (i = 0; i < nold; i++) {
		bool kept = old[i] == a->wd_state || old[i] == a->wd_etc;

		for (k = 0; k < a->nenvw && !kept; k++)
			kept = a->envw[k].wd == old[i];
		for (k = 0; k < i && !kept; k++)
			kept = old[k] == old[i]; /* removed already */
		if (!kept)
			(void)inotify_rm_watch(a->inofd, old[i]);
	}
}

#define STATE_WATCH_MASK                                                                           \
	(IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_MOVE_SELF)
#define ETC_WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_MOVE_SELF)

/*
 * The state and configuration directories watched again after they went
 * (removed and made again): what they hold now is read afresh.  Looked for
 * every DIR_REWATCH_MS while one is missing.
 */
static void dirs_watch(struct agent *a)
{
	if (a->wd_state < 0 &&
	    (a->wd_state = inotify_add_watch(a->inofd, a->paths.statedir, STATE_WATCH_MASK)) >= 0) {
		a->state_ino = file_ino(a->paths.statedir);
		ipp_log(LOG_NOTICE, "\"%s\" is there again: the policy database is read afresh",
			a->paths.statedir);
		db_close(a);
		a->store_dirty = true;
		force_whole(a, "the state directory was made again");
	}
	if (a->wd_etc < 0 &&
	    (a->wd_etc = inotify_add_watch(a->inofd, a->paths.etcdir, ETC_WATCH_MASK)) >= 0) {
		a->etc_ino = file_ino(a->paths.etcdir);
		ipp_log(LOG_NOTICE, "\"%s\" is there again: driver.conf is read afresh",
			a->paths.etcdir);
		a->conf_dirty = true;
	}
	if (a->wd_state < 0 || a->wd_etc < 0)
		timer_arm(a->tfd_env, DIR_REWATCH_MS, false);
}

/*
 * Are the directories watched still the ones at their paths?  One moved
 * away (renamed, a symbolic link pointed elsewhere) is watched no more: the
 * directory now at the path is (dirs_watch()).
 */
static void dirs_check(struct agent *a)
{
	bool again = false;

	if (a->wd_state >= 0 && file_ino(a->paths.statedir) != a->state_ino) {
		(void)inotify_rm_watch(a->inofd, a->wd_state);
		a->wd_state = -1;
		again = true;
	}
	if (a->wd_etc >= 0 && file_ino(a->paths.etcdir) != a->etc_ino) {
		(void)inotify_rm_watch(a->inofd, a->wd_etc);
		a->wd_etc = -1;
		again = true;
	}
	if (again)
		dirs_watch(a);
}

static int setup(struct agent *a, struct ipp_error *err)
{
	struct sockaddr_nl snl = {.nl_family = AF_NETLINK};
	sigset_t ss;
	int r;

	if ((r = ipp_notify_path(&a->paths, a->notify_path, err)) < 0 ||
	    (r = run_start(a, err)) < 0)
		return r;
	unlink(a->paths.dyn_marker); /* (an agent before may have left it: none are held now) */
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	a->sigfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	a->inofd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	a->tfd_interval = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a->tfd_retry = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a->tfd_env = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a->tfd_store = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a->tfd_flow = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a->tfd_fold = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a->tfd_tidy = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a->tfd_gap = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (a->epfd < 0 || a->sigfd < 0 || a->inofd < 0 || a->tfd_interval < 0 ||
	    a->tfd_retry < 0 || a->tfd_env < 0 || a->tfd_store < 0 || a->tfd_flow < 0 ||
	    a->tfd_fold < 0 || a->tfd_tidy < 0 || a->tfd_gap < 0)
		return ipp_err(err, errno, "cannot set up the event loop: %s", strerror(errno));
	a->wd_state = inotify_add_watch(a->inofd, a->paths.statedir, STATE_WATCH_MASK);
	a->wd_etc = inotify_add_watch(a->inofd, a->paths.etcdir, ETC_WATCH_MASK);
	a->state_ino = file_ino(a->paths.statedir);
	a->etc_ino = file_ino(a->paths.etcdir);
	if (a->wd_state < 0 || a->wd_etc < 0)
		return ipp_err(err, errno, "cannot watch \"%s\" and \"%s\": %s", a->paths.statedir,
			       a->paths.etcdir, strerror(errno));
	env_rewatch(a);
	a->rtnlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	snl.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
			RTMGRP_IPV6_ROUTE | RTMGRP_LINK;
	if (a->rtnlfd < 0 || bind(a->rtnlfd, (struct sockaddr *)&snl, sizeof(snl)) < 0)
		return ipp_err(err, errno, "cannot listen to address changes: %s", strerror(errno));
	{
		/* next hop objects a default route uses (ip nexthop replace changes no route) */
		int g = RTNLGRP_NEXTHOP, sz = 1 << 20;

		(void)setsockopt(a->rtnlfd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g));
		/* room for a burst of route changes (a routing daemon's): fewer lost */
		if (setsockopt(a->rtnlfd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
			(void)setsockopt(a->rtnlfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if ((r = ep_add(a, EV_SIGNAL, a->sigfd)) < 0 || (r = ep_add(a, EV_INOTIFY, a->inofd)) < 0 ||
	    (a->notifyfd >= 0 && (r = ep_add(a, EV_NOTIFY, a->notifyfd)) < 0) ||
	    (a->ctlfd >= 0 && (r = ep_add(a, EV_CTL, a->ctlfd)) < 0) ||
	    (r = ep_add(a, EV_RTNL, a->rtnlfd)) < 0 ||
	    (r = ep_add(a, EV_T_INTERVAL, a->tfd_interval)) < 0 ||
	    (r = ep_add(a, EV_T_RETRY, a->tfd_retry)) < 0 ||
	    (r = ep_add(a, EV_T_ENV, a->tfd_env)) < 0 ||
	    (r = ep_add(a, EV_T_STORE, a->tfd_store)) < 0 ||
	    (r = ep_add(a, EV_T_FLOW, a->tfd_flow)) < 0 ||
	    (r = ep_add(a, EV_T_FOLD, a->tfd_fold)) < 0 ||
	    (r = ep_add(a, EV_T_TIDY, a->tfd_tidy)) < 0 ||
	    (r = ep_add(a, EV_T_GAP, a->tfd_gap)) < 0)
		return ipp_err(err, -r, "epoll: %s", strerror(-r));
	/* how full the flow cache is, looked at now and then (six small chains listed) */
	timer_arm(a->tfd_flow, FLOW_CHECK_MS, true);
	ipp_hostaddrs_load(&a->addrs);
	if ((r = ipp_driver_open(&a->drv, err)) < 0)
		return r;
	{
		struct ipp_error e = {0};

		if (ipp_driver_watch(a->drv, &e) < 0 ||
		    ep_add(a, EV_NFMON, ipp_driver_watch_fd(a->drv)) < 0) {
			ipp_log(LOG_WARNING,
				"%s: other programs' changes to table %s %s are seen at the "
				"periodic looks only",
				e.msg[0] ? e.msg : "cannot watch nf_tables' notifications",
				IPP_NFT_FAMILY, IPP_NFT_TABLE);
			ipp_driver_unwatch(a->drv);
		}
	}
	return 0;
}

static int *loop_fds(struct agent *a, size_t i)
{
	int *fds[] = {&a->epfd,	     &a->sigfd,	  &a->inofd,	 &a->rtnlfd,   &a->tfd_interval,
		      &a->tfd_retry, &a->tfd_env, &a->tfd_store, &a->tfd_flow, &a->tfd_fold,
		      &a->tfd_tidy,  &a->tfd_gap, NULL};

	return fds[i];
}

static void close_fds(struct agent *a)
{
	int *fd;

	for (size_t i = 0; (fd = loop_fds(a, i)); i++)
		if (*fd >= 0)
			close(*fd);
}

static void teardown(struct agent *a)
{
	ipp_agent_ctl_close_all(a);
	cur_forget(a);
	ipp_flowstate_clear(&a->flows);
	ipp_effective_free(a->said);
	ipp_hostaddrs_clear(&a->addrs);
	ipp_diag_close(a->diag);
	a->diag = NULL;
	db_close(a);
	ipp_driver_close(a->drv);
	if (a->ctlfd >= 0) {
		close(a->ctlfd);
		unlink(a->paths.ctl_socket);
	}
	if (a->ctl_spare >= 0)
		close(a->ctl_spare);
	if (a->notifyfd >= 0) {
		close(a->notifyfd);
		unlink(a->notify_path);
	}
	unlink(a->paths.dyn_marker);
	ipp_agent_unlock(&a->paths, a->pidfd);
	close_fds(a);
}

static int stop(struct agent *a, struct ipp_error *err)
{
	int r;

	ipp_sd_notify("STOPPING=1");
	/* Flush the pending diagnostic summary before the last drops are forgotten. */
	ipp_diag_close(a->diag);
	a->diag = NULL;
	r = load_fixed(a, IPP_MODE_PERMIT, err);
	if (r < 0) {
		ipp_log(LOG_ERR, "stopping: cannot remove filtering: %s", err->msg);
		return r;
	}
	cur_forget(a);
	ipp_log(LOG_NOTICE, "stopped by the administrator: filtering removed (permit mode)");
	return 0;
}

int ipp_agent_run(const struct ipp_paths *p, const struct ipp_agent_opts *o, struct ipp_error *err)
{
	struct agent a;
	struct epoll_event evs[32];
	int n, i, r;

	memset(&a, 0, sizeof(a));
	a.dv_seen = a.dv_applied = -1;
	a.paths = *p;
	a.mode = IPP_MODE_INVALID; /* unknown: whatever --startup or a previous run left */
	for (size_t k = 0; loop_fds(&a, k); k++)
		*loop_fds(&a, k) = -1;
	a.ctlfd = a.notifyfd = a.pidfd = -1;
	/* (taken first: a client refused when no file descriptor is left, ctl.c) */
	a.ctl_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ipp_log_init(o && o->foreground, o && o->verbose ? LOG_DEBUG : LOG_INFO);
	ipp_driverconf_init(&a.conf);
	if ((r = setup(&a, err)) < 0)
		goto out;
	a.since = time(NULL);
	conf_reload(&a);
	/* Before the first apply: the startup ruleset (or a crashed run's) is in force. */
	agent_apply(&a, "start", NULL);
	ipp_sd_notify("READY=1");
	notify_status(&a);
	ipp_log(LOG_INFO, "running (pid %ld, root \"%s\", mode %s)", (long)getpid(), p->root,
		ipp_mode_name(a.mode));
	while (!a.stop) {
		n = 0;
		/* the fingerprints of the chains its last change touched, once nothing waits
		 * (a client waiting for that change is answered first) */
		if (ipp_driver_rules_pending(a.drv) && (n = epoll_wait(a.epfd, evs, 32, 0)) == 0)
			ipp_driver_rules_settle(a.drv);
		if (n == 0)
			n = epoll_wait(a.epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = ipp_err(err, errno, "epoll_wait: %s", strerror(errno));
			goto out;
		}
		for (i = 0; i < n; i++) {
			int kind = (int)(evs[i].data.u64 >> 32);
			int fd = (int)(uint32_t)evs[i].data.u64;

			switch (kind) {
			case EV_SIGNAL:
				on_signal(&a);
				break;
			case EV_INOTIFY:
				on_inotify(&a);
				break;
			case EV_NOTIFY:
				on_notify(&a);
				break;
			case EV_CTL:
				ipp_agent_ctl_accept(&a);
				break;
			case EV_CLIENT:
				ipp_agent_ctl_input(&a, fd);
				break;
			case EV_RTNL:
				on_rtnl(&a);
				break;
			case EV_NFMON:
				on_nfmon(&a);
				break;
			case EV_DIAG:
				if (a.diag)
					ipp_diag_dispatch(a.diag);
				break;
			case EV_T_INTERVAL:
				timer_drain(fd);
				ipp_diag_interval(a.diag);
				break;
			case EV_T_RETRY:
				timer_drain(fd);
				force_whole(&a, "retry");
				break;
			case EV_T_STORE:
				timer_drain(fd);
				if (a.store_rechecks > 0)
					a.store_rechecks--;
				a.store_dirty = true;
				break;
			case EV_T_ENV:
				timer_drain(fd);
				dirs_check(&a);
				dirs_watch(&a);
				env_rewatch(&a); /* before the read: a change after it is seen */
				env_check(&a);
				addr_check(&a);
				break;
			case EV_T_FOLD:
				timer_drain(fd);
				flow_fold_now(&a);
				break;
			case EV_T_GAP:
				timer_drain(fd);
				if (a.mode == IPP_MODE_SECURE || a.mode == IPP_MODE_BLOCK)
					/* (a doubt, not a table seen changed: applied whole
					 * again, no guard meanwhile) */
					put_back(&a,
						 "another program committed a transaction "
						 "while the agent applied its own",
						 false);
				break;
			case EV_T_TIDY:
				timer_drain(fd);
				/* compiled whole, the difference applied (not replaced whole) */
				if (a.cur_valid && a.mode == IPP_MODE_SECURE) {
					force_whole(&a, "put in order after deletions in place");
				}
				break;
			case EV_T_FLOW:
				timer_drain(fd);
				dirs_check(&a); /* (a symbolic link on the way pointed elsewhere) */
				table_check(&a, LOOK_PERIODIC);
				run_check(&a);
				ipp_agent_ctl_expire(&a);
				if (a.cur_valid && a.mode == IPP_MODE_SECURE)
					(void)ipp_agent_flow_evict(a.drv, a.cur.compiled,
								   &a.flows);
				break;
			}
		}
		if (!a.stop)
			process_pending(&a);
		/* another program's transaction during one of the agent's own */
		if (!a.stop && ipp_driver_watch_gap(a.drv))
			on_gap(&a, "another program committed a transaction while the agent "
				   "applied its own");
		else if (a.applies != a.gap_applies)
			a.gap_streak = 0; /* an apply of its own, none beside it */
		a.gap_applies = a.applies;
	}
	r = stop(&a, err);
out:
	teardown(&a);
	return r;
}

int ipp_agent_client_add(struct agent *a, int fd)
{
	return ep_add(a, EV_CLIENT, fd);
}

void ipp_agent_client_del(struct agent *a, int fd)
{
	ep_del(a, fd);
}
