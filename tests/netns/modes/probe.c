/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe - countable traffic for the mode tests.
 *
 *   probe udp-count PORT FILE          count UDP datagrams arriving on PORT; the
 *                                      count is kept in FILE (rewritten on change)
 *   probe tcp-count PORT FILE          the same for accepted TCP connections
 *   probe udp-send ADDR PORT N GAP_US [SPORT [SIZE]]   send N datagrams (0 =
 *                                      until SIGTERM, then "sent N" on stderr),
 *                                      GAP_US microseconds apart, from SPORT
 *                                      (default or 0: an ephemeral port), of SIZE
 *                                      bytes (default 5; up to 65000)
 *   probe udp-ask SPORT ADDR PORT TIMEOUT_MS    send a datagram from SPORT (again
 *                                      every 100 ms) until an answer comes: exit 0 if one came
 *   probe udp-answer PORT TIMEOUT_MS   wait for a datagram on PORT, answer it from
 *                                      PORT: exit 0 if one came
 *   probe tcp-connect ADDR PORT TIMEOUT_MS      exit 0 if the connection opens
 * Exit status 1 means "did not happen", 2 a usage or system error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int s)
{
	(void)s;
	stop = 1;
}

/* A v6 socket address for @a (IPv4 as a mapped address: the sockets are dual-stack). */
static void addr_of(const char *a, int port, struct sockaddr_in6 *sa)
{
	struct in_addr v4;

	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, a, &v4) == 1) {
		sa->sin6_addr.s6_addr[10] = sa->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sa->sin6_addr.s6_addr[12], &v4, 4);
	} else if (inet_pton(AF_INET6, a, &sa->sin6_addr) != 1) {
		fprintf(stderr, "probe: bad address \"%s\"\n", a);
		exit(2);
	}
}

static int sock(int type, int port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	int fd = socket(AF_INET6, type, 0), one = 1, zero = 0;

	if (fd < 0) {
		perror("probe: socket");
		exit(2);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	sa.sin6_port = htons((uint16_t)port);
	if (port && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("probe: bind");
		exit(2);
	}
	return fd;
}

static void write_count(const char *file, unsigned long n)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%lu\n", n);
	fclose(f);
	rename(tmp, file);
}

static int count(int type, int port, const char *file)
{
	unsigned long n = 0;
	struct pollfd pfd;
	char buf[2048];
	int fd = sock(type, port), c;

	if (type == SOCK_STREAM && listen(fd, 128) < 0) {
		perror("probe: listen");
		return 2;
	}
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	write_count(file, 0);
	while (!stop) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (type == SOCK_DGRAM) {
			while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
				n++;
		} else if ((c = accept(fd, NULL, NULL)) >= 0) {
			n++;
			close(c);
		}
		write_count(file, n);
	}
	write_count(file, n);
	return 0;
}

static int udp_send(const char *addr, int port, long n, long gap, int sport, long size)
{
	static char payload[65000] = "probe";
	struct sockaddr_in6 to;
	int fd = sock(SOCK_DGRAM, sport);
	long i;

	if (size < 0 || size > (long)sizeof(payload)) {
		fprintf(stderr, "probe: bad size %ld\n", size);
		return 2;
	}
	addr_of(addr, port, &to);
	for (i = 0; (n == 0 || i < n) && !stop; i++) {
		(void)sendto(fd, payload, (size_t)size, 0, (struct sockaddr *)&to, sizeof(to));
		if (gap)
			usleep((useconds_t)gap);
	}
	if (n == 0)
		fprintf(stderr, "sent %ld\n", i);
	return 0;
}

static int wait_in(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return poll(&pfd, 1, timeout_ms) == 1 ? 0 : 1;
}

static int udp_ask(int sport, const char *addr, int port, int timeout_ms)
{
	struct sockaddr_in6 to;
	int fd = sock(SOCK_DGRAM, sport);
	char buf[64];

	int waited;

	addr_of(addr, port, &to);
	/* Ask again every 100 ms: the answering side may not be listening yet. */
	for (waited = 0; waited < timeout_ms; waited += 100) {
		(void)sendto(fd, "ask", 3, 0, (struct sockaddr *)&to, sizeof(to));
		if (wait_in(fd, 100) == 0)
			return recv(fd, buf, sizeof(buf), 0) >= 0 ? 0 : 1;
	}
	return 1;
}

static int udp_answer(int port, int timeout_ms)
{
	struct sockaddr_in6 from;
	socklen_t len = sizeof(from);
	int fd = sock(SOCK_DGRAM, port);
	char buf[64];

	if (wait_in(fd, timeout_ms))
		return 1;
	if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) < 0)
		return 1;
	(void)sendto(fd, "answer", 6, 0, (struct sockaddr *)&from, len);
	return 0;
}

static int tcp_connect(const char *addr, int port, int timeout_ms)
{
	struct pollfd pfd;
	struct sockaddr_in6 to;
	int fd = sock(SOCK_STREAM, 0), e = 0;
	socklen_t el = sizeof(e);

	addr_of(addr, port, &to);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return 1;
	pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
	if (poll(&pfd, 1, timeout_ms) != 1)
		return 1;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
	return e == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_term};
	const char *c = argc > 1 ? argv[1] : "";

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (argc == 4 && !strcmp(c, "udp-count"))
		return count(SOCK_DGRAM, atoi(argv[2]), argv[3]);
	if (argc == 4 && !strcmp(c, "tcp-count"))
		return count(SOCK_STREAM, atoi(argv[2]), argv[3]);
	if (argc >= 6 && argc <= 8 && !strcmp(c, "udp-send"))
		return udp_send(argv[2], atoi(argv[3]), atol(argv[4]), atol(argv[5]),
				argc >= 7 ? atoi(argv[6]) : 0, argc == 8 ? atol(argv[7]) : 5);
	if (argc == 6 && !strcmp(c, "udp-ask"))
		return udp_ask(atoi(argv[2]), argv[3], atoi(argv[4]), atoi(argv[5]));
	if (argc == 4 && !strcmp(c, "udp-answer"))
		return udp_answer(atoi(argv[2]), atoi(argv[3]));
	if (argc == 5 && !strcmp(c, "tcp-connect"))
		return tcp_connect(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "probe: bad arguments (see the comment at the top of probe.c)\n");
	return 2;
}
