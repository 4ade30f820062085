/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol: the agent's command handler, and the client side
 * (ipp_agent_request, ipp_notify_agent) against a real Unix socket served by
 * a child process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/daemon.h"
#include "common/notify.h"

static char *run_cmd(struct agent *a, const char *line)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ipp_agent_ctl_command(a, line, f);
	fclose(f);
	return buf;
}

static void test_commands(void **state)
{
	struct agent a;
	char *r;

	(void)state;
	memset(&a, 0, sizeof(a));
	ipp_driverconf_init(&a.conf);
	a.mode = IPP_MODE_BLOCK;
	strcpy(a.reason, "database disk image is malformed\nsecond line");
	strcpy(a.paths.root, "/x");

	r = run_cmd(&a, "mode");
	assert_string_equal(r, "block\nOK\n");
	free(r);
	r = run_cmd(&a, "  STATUS \r");
	assert_non_null(strstr(r, "mode=block\n"));
	assert_non_null(strstr(r, "reason=database disk image is malformed; second line\n"));
	assert_non_null(strstr(r, "root=/x\n"));
	assert_non_null(strstr(r, "generation=unknown\n"));
	assert_true(strlen(r) > 3 && !strcmp(r + strlen(r) - 3, "OK\n"));
	free(r);
	r = run_cmd(&a, "show-config");
	assert_string_equal(r, "ipsecdiagnostics=0\nikelogging=0\nstrongcrlcheck=1\n"
			       "ipsecloginterval=3600\nipsecexempt=3\nbootmode=unset\n"
			       "bootexemptions=none\nOK\n");
	free(r);
	r = run_cmd(&a, "frobnicate");
	assert_string_equal(r, "ERR EINVAL unknown command \"frobnicate\": expected status, mode, "
			       "reload, show-config, servers, dynamic, dynamic-show or help\n");
	free(r);
	/* what a message quotes: a control character written \xHH */
	r = run_cmd(&a, "\x1b[2Jmode\x01");
	assert_string_equal(r,
			    "ERR EINVAL unknown command \"\\x1b[2Jmode\\x01\": expected "
			    "status, mode, reload, show-config, servers, dynamic, dynamic-show or "
			    "help\n");
	free(r);
	r = run_cmd(&a, "mode now");
	assert_string_equal(r, "ERR EINVAL command \"mode\" takes no arguments\n");
	free(r);
	/* an unknown command with words after it is unknown, not one that takes none; a
	 * byte that is not ASCII is quoted \xHH too */
	r = run_cmd(&a, "frob\xff now");
	assert_string_equal(r, "ERR EINVAL unknown command \"frob\\xff\": expected status, mode, "
			       "reload, show-config, servers, dynamic, dynamic-show or help\n");
	free(r);
	r = run_cmd(&a, "");
	assert_non_null(strstr(r, "ERR EINVAL empty command"));
	free(r);
}

/* A one-shot server: accepts one connection, reads one line, writes @reply. */
static pid_t serve_once(const char *path, const char *reply)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, c;
	pid_t pid;
	char buf[256];

	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t n = 0;

		c = accept(fd, NULL, NULL);
		while (n < sizeof(buf) - 1 && read(c, buf + n, 1) == 1 && buf[n] != '\n')
			n++;
		/* Split the reply to exercise reassembly. */
		(void)!write(c, reply, strlen(reply) / 2);
		usleep(20000);
		(void)!write(c, reply + strlen(reply) / 2, strlen(reply) - strlen(reply) / 2);
		close(c);
		_exit(0);
	}
	close(fd);
	return pid;
}

static void test_client(void **state)
{
	struct ipp_error err = {0};
	struct ipp_paths p;
	char dir[] = "/tmp/ipp-ctl-XXXXXX", *body = NULL, cmd[128];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char npath[IPP_PATH_MAX], buf[64];
	pid_t pid;
	int st, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ipp_paths_init(dir, &p, &err), 0);
	assert_int_equal(ipp_paths_mkdirs(&p, &err), 0);

	/* No agent. */
	assert_int_equal(ipp_agent_request(&p, "status", 1000, &body, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "the policy agent is not running"));
	assert_int_equal(ipp_notify_agent(&p, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "the policy agent is not running"));

	pid = serve_once(p.ctl_socket, "mode=secure\nx=1\nOK\n");
	assert_int_equal(ipp_agent_request(&p, "status", 5000, &body, &err), 0);
	assert_string_equal(body, "mode=secure\nx=1\n");
	free(body);
	body = NULL;
	waitpid(pid, &st, 0);
	unlink(p.ctl_socket);

	pid =
	    serve_once(p.ctl_socket, "mode=block\nERR ENOTRECOVERABLE persistent policy broken\n");
	assert_int_equal(ipp_agent_request(&p, "reload", 5000, &body, &err), -ENOTRECOVERABLE);
	assert_string_equal(err.msg, "persistent policy broken");
	assert_null(body);
	waitpid(pid, &st, 0);
	unlink(p.ctl_socket);

	/* The server closes without a final line. */
	pid = serve_once(p.ctl_socket, "mode=block\n");
	assert_true(ipp_agent_request(&p, "mode", 5000, &body, &err) < 0);
	assert_non_null(strstr(err.msg, "closed the connection"));
	waitpid(pid, &st, 0);
	unlink(p.ctl_socket);

	assert_int_equal(ipp_agent_request(&p, "a\nb", 1000, &body, &err), -EINVAL);

	/* A notification datagram arrives. */
	assert_int_equal(ipp_notify_path(&p, npath, &err), 0);
	strcpy(sa.sun_path, npath);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(ipp_notify_agent(&p, &err), 0);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 8);
	assert_memory_equal(buf, "changed\n", 8);
	close(fd);

	assert_string_equal(ipp_errno_name(EINVAL), "EINVAL");
	assert_int_equal(ipp_errno_from_name("ENOTRECOVERABLE"), ENOTRECOVERABLE);
	assert_int_equal(ipp_errno_from_name("EBOGUS"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commands),
	    cmocka_unit_test(test_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
