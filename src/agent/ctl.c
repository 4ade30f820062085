/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.c - the control socket, ROOT/run/ipsecpol/ipsecpold.sock.
 *
 * A line protocol: the client sends one command per line; the agent answers
 * with zero or more "key=value" (or text) lines and a final line "OK" or
 * "ERR <ERRNO-NAME> <message>".  Commands:
 *   status       mode, reason, since, pid, generation, counters, how the last apply
 *                went in (last_change) and how long the last one caused by a
 *                change took (last_apply_ms, applied_at), a flow cache generation
 *                still to fold, last error
 *   mode         the mode alone
 *   reload       re-read driver.conf and the stores and apply now (as SIGHUP)
 *   show-config  the settings in use, "property=value" with netsh's names
 *   dynamic ...  a change of the dynamic SPD (dynamic.h), in force when OK
 *   dynamic-show the dynamic SPD, one object a line
 *   help         the command list
 * Replies are small; a client that does not read them is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/notify.h"
#include "daemon.h"
#include "dynamic.h"
#include "log.h"

#define MAX_CLIENTS 32
/* a client that sends no whole command for this long gives its place up */
#define CLIENT_IDLE_S 10

static void __attribute__((format(printf, 3, 4)))
reply_err(FILE *out, int errnum, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "ERR %s ", ipp_errno_name(errnum));
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* "key=value" on one line: newlines in @v (kernel messages) become "; ". */
static void kv(FILE *out, const char *k, const char *v)
{
	/* (a reply's value is one line: its lines joined by "; ", what is not text
	 * written \xHH, as every message is, ipp_visible()) */
	size_t n = strlen(v), size = 4 * (2 * n + 1) + 1, o = 0;
	char *buf = malloc(size);

	if (!buf) {
		fprintf(out, "%s=\n", k);
		return;
	}
	for (; *v; v++) {
		if (*v == '\n') {
			if (v[1]) {
				buf[o++] = ';';
				buf[o++] = ' ';
			}
		} else {
			buf[o++] = *v;
		}
	}
	buf[o] = '\0';
	ipp_visible(buf, size);
	fprintf(out, "%s=%s\n", k, buf);
	free(buf);
}

static void cmd_status(struct agent *a, FILE *out)
{
	char t[64];
	struct tm tm;

	localtime_r(&a->since, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S%z", &tm);
	fprintf(out, "mode=%s\n", ipp_mode_name(a->mode));
	kv(out, "reason", a->reason);
	fprintf(out, "since=%s\n", t);
	fprintf(out, "pid=%ld\n", (long)getpid());
	kv(out, "root", a->paths.root);
	if (a->gen_known)
		fprintf(out, "generation=%llu\n", (unsigned long long)a->gen);
	else
		fprintf(out, "generation=unknown\n");
	fprintf(out, "applies=%lu\n", a->applies);
	fprintf(out, "last_change=%s\n", a->last_change ? a->last_change : "");
	fprintf(out, "store_reads=%lu\n", a->store_reads);
	if (a->applied_at_ns) {
		fprintf(out, "last_apply_ms=%.1f\n", a->last_apply_ms);
		fprintf(out, "applied_at=%lld.%09lld\n", a->applied_at_ns / 1000000000LL,
			a->applied_at_ns % 1000000000LL);
	}
	if (a->cur_valid && a->cur.compiled && ipp_compiled_flow_used(a->cur.compiled))
		fprintf(out, "flow_generation=%u\n", (unsigned)a->cur.compiled->flow_gen);
	fprintf(out, "flow_fold_pending=%s\n", a->flows.pending ? "yes" : "no");
	fprintf(out, "failures=%lu\n", a->failures);
	fprintf(out, "diagnostics=%u\n", a->conf.diagnostics);
	kv(out, "last_error", a->last_error);
	kv(out, "config_error", a->conf_error);
}

/* (what the messages of a request that is none of them list) */
#define CTL_COMMANDS "status, mode, reload, show-config, servers, dynamic, dynamic-show or help"

void ipp_agent_ctl_command(struct agent *a, const char *line, FILE *out)
{
	char cmd[64];
	size_t n;

	while (*line == ' ' || *line == '\t')
		line++;
	n = strcspn(line, " \t\r");
	if (n == 0) {
		reply_err(out, EINVAL, "empty command: expected " CTL_COMMANDS);
		return;
	}
	/* (quoted in messages: a control character written \xHH) */
	{
		size_t o = 0;

		for (size_t i = 0; i < n && o + 5 < sizeof(cmd); i++) {
			unsigned char ch = (unsigned char)line[i];

			/* (commands are ASCII: other bytes too, whatever they would print) */
			if (ch < 0x20 || ch >= 0x7f)
				o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "\\x%02x", ch);
			else
				cmd[o++] = (char)ch;
		}
		cmd[o] = '\0';
	}
	if (!strcmp(cmd, "dynamic")) {
		/* a change of the dynamic SPD, in force when answered OK */
		struct ipp_error e = {0};
		const char *args = line + n + strspn(line + n, " \t");
		char *copy = strdup(args);

		if (!copy) {
			reply_err(out, ENOMEM, "out of memory");
			return;
		}
		copy[strcspn(copy, "\r")] = '\0';
		if (ipp_agent_dynamic(a, copy, &e) < 0) {
			reply_err(out, e.code ? e.code : EIO, "%.*s", (int)strcspn(e.msg, "\n"),
				  e.msg);
			free(copy);
			return;
		}
		free(copy);
		fprintf(out, "OK\n");
		return;
	}
	if (line[n + strspn(line + n, " \t\r")] != '\0') {
		static const char *const known[] = {
		    "status", "mode", "reload", "dynamic-show", "show-config", "servers", "help"};
		bool is = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			is = is || !strcasecmp(cmd, known[i]);
		if (is)
			reply_err(out, EINVAL, "command \"%s\" takes no arguments", cmd);
		else
			reply_err(out, EINVAL, "unknown command \"%s\": expected " CTL_COMMANDS,
				  cmd);
		return;
	}
	if (!strcasecmp(cmd, "status")) {
		cmd_status(a, out);
	} else if (!strcasecmp(cmd, "mode")) {
		fprintf(out, "%s\n", ipp_mode_name(a->mode));
	} else if (!strcasecmp(cmd, "reload")) {
		ipp_agent_reload(a, "reload requested");
		fprintf(out, "mode=%s\n", ipp_mode_name(a->mode));
		if (a->last_error[0]) {
			reply_err(out, EIO, "%.*s", (int)strcspn(a->last_error, "\n"),
				  a->last_error);
			return;
		}
		if (a->conf_error[0] && a->conf_loaded) {
			/* applied, but with the settings of the last valid driver.conf */
			reply_err(out, EINVAL,
				  "%.*s; the settings of the last valid file stay in force",
				  (int)strcspn(a->conf_error, "\n"), a->conf_error);
			return;
		}
	} else if (!strcasecmp(cmd, "dynamic-show")) {
		ipp_agent_dynamic_show(&a->dyn, out);
	} else if (!strcasecmp(cmd, "show-config")) {
		ipp_driverconf_show_kv(&a->conf, out);
	} else if (!strcasecmp(cmd, "servers")) {
		/* the servers of the policy in force (else as read now): what whatif and
		 * dynamic show expand the special addresses to */
		struct ipp_hostenv env;
		struct ipp_error e = {0};

		if (a->cur_valid) {
			ipp_hostenv_print(&a->cur.env, out);
		} else if (ipp_agent_read_env(&a->paths, &env, &e) == 0) {
			ipp_hostenv_print(&env, out);
		} else {
			reply_err(out, EIO, "%s", e.msg);
			return;
		}
	} else if (!strcasecmp(cmd, "help")) {
		fprintf(out, "status\nmode\nreload\nshow-config\nservers\ndynamic VERB OBJECT "
			     "WORDS\ndynamic-show\nhelp\n");
	} else {
		reply_err(out, EINVAL, "unknown command \"%s\": expected " CTL_COMMANDS, cmd);
		return;
	}
	fprintf(out, "OK\n");
}

static void client_close(struct agent *a, struct ctl_client *c)
{
	struct ctl_client **pp;

	for (pp = &a->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ipp_agent_client_del(a, c->fd);
	close(c->fd);
	free(c);
}

static bool send_all(int fd, const char *buf, size_t len);

/*
 * How many clients at once: MAX_CLIENTS, fewer when the process may open
 * few files (each client is one; the agent's own work, the database, the
 * kernel's sockets and libnftables, keeps CTL_FDS_KEPT for itself).
 */
#define CTL_FDS_KEPT 48
static int max_clients(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)(MAX_CLIENTS + CTL_FDS_KEPT))
		return MAX_CLIENTS;
	return rl.rlim_cur > CTL_FDS_KEPT + 1 ? (int)(rl.rlim_cur - CTL_FDS_KEPT) : 1;
}

/*
 * The process out of file descriptors: the pending connection is taken with
 * the one kept for this (@a->ctl_spare) and closed at once, or the socket
 * would stay readable and the event loop spin on it.
 */
static void refuse_one(struct agent *a)
{
	int fd;

	if (a->ctl_spare < 0)
		return;
	close(a->ctl_spare);
	if ((fd = accept4(a->ctlfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(fd);
	a->ctl_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!a->ctl_busy_logged)
		ipp_log(LOG_WARNING, "control socket: a client refused: the agent has no file "
				     "descriptor left (raise its limit of open files)");
	a->ctl_busy_logged = true;
}

void ipp_agent_ctl_accept(struct agent *a)
{
	struct ctl_client *c, *k;
	int fd, count, most = max_clients();

	for (;;) {
		if ((fd = accept4(a->ctlfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0) {
			if (errno == EMFILE || errno == ENFILE)
				refuse_one(a);
			break;
		}
		for (count = 0, k = a->clients; k; k = k->next)
			count++;
		if (count >= most) {
			static const char busy[] =
			    "ERR EBUSY too many clients: try again (each is given its place back "
			    "after 10 s without a whole command)\n";

			/* said, not a bare reset; and logged once per wave */
			(void)send_all(fd, busy, sizeof(busy) - 1);
			close(fd);
			if (!a->ctl_busy_logged)
				ipp_log(LOG_WARNING,
					"control socket: %d clients connected, more refused until "
					"some leave or are idle for %d s",
					most, CLIENT_IDLE_S);
			a->ctl_busy_logged = true;
			continue;
		}
		if (!(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->fd = fd;
		clock_gettime(CLOCK_MONOTONIC, &c->since);
		if (ipp_agent_client_add(a, fd) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = a->clients;
		a->clients = c;
	}
}

/*
 * Send the whole reply or give up on the client: one that takes nothing for
 * SEND_WAIT_MS while a long reply (dynamic-show of many rules) waits.
 */
#define SEND_WAIT_MS 2000
static bool send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			if (poll(&p, 1, SEND_WAIT_MS) > 0 && !(p.revents & (POLLERR | POLLHUP)))
				continue;
			return false;
		}
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

void ipp_agent_ctl_input(struct agent *a, int fd)
{
	struct ctl_client *c;
	char *nl, *reply = NULL;
	size_t rlen = 0;
	ssize_t n;
	FILE *out;
	bool ok;

	for (c = a->clients; c && c->fd != fd; c = c->next)
		;
	if (!c)
		return;
	if (c->discard) {
		/* refused: what it still sends is read and dropped until it hangs up (closing
		 * on unread input would reset the connection before it reads the answer) */
		char sink[4096];

		n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			client_close(a, c);
		return;
	}
	n = recv(fd, c->in + c->len, sizeof(c->in) - 1 - c->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(a, c);
		return;
	}
	/* a NUL is no end of the line: a control character, which no command has */
	for (ssize_t i = 0; i < n; i++)
		if (!c->in[c->len + (size_t)i])
			c->in[c->len + (size_t)i] = '\x01';
	c->len += (size_t)n;
	c->in[c->len] = '\0';
	while ((nl = strchr(c->in, '\n'))) {
		*nl = '\0';
		if (nl > c->in && nl[-1] == '\r')
			nl[-1] = '\0';
		out = open_memstream(&reply, &rlen);
		if (!out) {
			client_close(a, c);
			return;
		}
		ipp_agent_ctl_command(a, c->in, out);
		fclose(out);
		ok = send_all(fd, reply, rlen);
		free(reply);
		reply = NULL;
		if (!ok) {
			client_close(a, c);
			return;
		}
		c->len -= (size_t)(nl + 1 - c->in);
		memmove(c->in, nl + 1, c->len + 1);
		clock_gettime(CLOCK_MONOTONIC, &c->since);
	}
	if (c->len == sizeof(c->in) - 1) {
		/* the protocol's answer first, then the connection goes */
		out = open_memstream(&reply, &rlen);
		if (out) {
			reply_err(out, E2BIG, "command longer than %zu bytes", sizeof(c->in) - 1);
			fclose(out);
			(void)send_all(fd, reply, rlen);
			free(reply);
		}
		ipp_log(LOG_WARNING, "control socket: a command longer than %zu bytes was refused",
			sizeof(c->in) - 1);
		shutdown(fd, SHUT_WR);
		c->discard = true;
		c->len = 0;
	}
}

void ipp_agent_ctl_expire(struct agent *a)
{
	struct ctl_client *c, *next;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (c = a->clients; c; c = next) {
		next = c->next;
		if (now.tv_sec - c->since.tv_sec >= CLIENT_IDLE_S)
			client_close(a, c);
	}
	a->ctl_busy_logged = false;
}

void ipp_agent_ctl_close_all(struct agent *a)
{
	while (a->clients)
		client_close(a, a->clients);
}
