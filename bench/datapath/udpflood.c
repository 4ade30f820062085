/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipp-udpflood - small-packet UDP sender and counting receiver for the
 * datapath benchmark.
 *
 *   ipp-udpflood send ADDR PORT SECONDS [PAYLOAD]
 *       sends PAYLOAD-byte datagrams (default 64) to ADDR:PORT as fast as
 *       sendmmsg() allows, in batches of 64, for SECONDS; prints
 *       "sent PACKETS SECONDS PPS".
 *   ipp-udpflood sink PORT SECONDS
 *       counts datagrams arriving on UDP PORT; stops SECONDS after the first
 *       one, or 0.5 s after the last one; prints "received PACKETS SECONDS PPS"
 *       where SECONDS runs from the first to the last datagram.
 *
 * Only libc.  IPv4 only (the benchmark's addresses are 10.77.x.x).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_PAYLOAD 1472

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_num(const char *s, const char *what, long lo, long hi, long *ret)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "ipp-udpflood: %s \"%s\": expected %ld..%ld\n", what, s, lo, hi);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int do_send(const char *addr, long port, long secs, long payload)
{
	static char buf[MAX_PAYLOAD];
	struct sockaddr_in sin;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long long sent = 0;
	double t0, t1, end;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "ipp-udpflood: address \"%s\": expected an IPv4 address\n", addr);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("ipp-udpflood: socket");
		return 1;
	}
	memset(buf, 0x5a, sizeof(buf));
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = (size_t)payload;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now();
	end = t0 + (double)secs;
	do {
		int n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += (unsigned long long)n;
		else if (n < 0 && errno != ECONNREFUSED && errno != ENOBUFS && errno != EAGAIN &&
			 errno != EINTR) {
			perror("ipp-udpflood: sendmmsg");
			close(fd);
			return 1;
		}
		t1 = now();
	} while (t1 < end);
	close(fd);
	printf("sent %llu %.3f %.0f\n", sent, t1 - t0, (double)sent / (t1 - t0));
	return 0;
}

static int do_sink(long port, long secs)
{
	static char bufs[BATCH][MAX_PAYLOAD + 64];
	struct sockaddr_in sin;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long long got = 0;
	double first = 0, last = 0, start = now();
	int fd, one = 1, rcvbuf = 4 << 20;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("ipp-udpflood: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("ipp-udpflood: bind");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* Ready: the caller waits for this line before starting the sender. */
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double t = now();
		int n;
		if (got && (t - first > (double)secs || t - last > 0.5))
			break;
		if (!got && t - start > (double)secs + 30)
			break; /* nobody sent anything */
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		t = now();
		if (!got)
			first = t;
		last = t;
		got += (unsigned long long)n;
	}
	close(fd);
	printf("received %llu %.3f %.0f\n", got, last - first,
	       last > first ? (double)got / (last - first) : 0.0);
	return got ? 0 : 1;
}

int main(int argc, char **argv)
{
	long port, secs, payload = 64;
	if (argc >= 5 && argc <= 6 && !strcmp(argv[1], "send")) {
		if (parse_num(argv[3], "port", 1, 65535, &port) < 0 ||
		    parse_num(argv[4], "seconds", 1, 3600, &secs) < 0 ||
		    (argc == 6 && parse_num(argv[5], "payload", 0, MAX_PAYLOAD, &payload) < 0))
			return 2;
		return do_send(argv[2], port, secs, payload);
	}
	if (argc == 4 && !strcmp(argv[1], "sink")) {
		if (parse_num(argv[2], "port", 1, 65535, &port) < 0 ||
		    parse_num(argv[3], "seconds", 1, 3600, &secs) < 0)
			return 2;
		return do_sink(port, secs);
	}
	fprintf(stderr, "usage: ipp-udpflood send ADDR PORT SECONDS [PAYLOAD]\n"
			"       ipp-udpflood sink PORT SECONDS\n");
	return 2;
}
