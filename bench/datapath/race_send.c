/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * race_send.c - the first packets of N address pairs sent by two threads,
 * one per CPU, in lock step: both send the packet of pair i at the same
 * moment, so that both are walked before either is in the flow cache.
 *
 *   race_send N BASE DST    sources 10.78.16.0 + BASE + i, protocol 253, to DST
 *
 * Run inside the sending namespace (race.sh).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long n, base;
static struct in_addr dst;
static atomic_long ready[2];

static void *sender(void *arg)
{
	int me = (int)(long)arg, s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	struct sockaddr_in d = {.sin_family = AF_INET, .sin_addr = dst};
	cpu_set_t cs;

	if (s < 0) {
		perror("race_send: socket");
		exit(1);
	}
	CPU_ZERO(&cs);
	CPU_SET(me, &cs);
	if (pthread_setaffinity_np(pthread_self(), sizeof(cs), &cs) != 0)
		fprintf(stderr, "race_send: cannot pin thread %d to CPU %d\n", me, me);
	for (long i = 0; i < n; i++) {
		uint8_t p[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 253};
		uint32_t src = htonl(0x0a4e1000u + (uint32_t)(base + i));

		memcpy(p + 12, &src, 4);
		memcpy(p + 16, &dst, 4);
		atomic_fetch_add(&ready[me], 1);
		while (atomic_load(&ready[!me]) < i + 1)
			;
		if (sendto(s, p, sizeof(p), 0, (struct sockaddr *)&d, sizeof(d)) < 0) {
			perror("race_send: sendto");
			exit(1);
		}
	}
	close(s);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	if (argc != 4 || (n = atol(argv[1])) <= 0 || (base = atol(argv[2])) < 0 ||
	    n + base > 4096 || inet_pton(AF_INET, argv[3], &dst) != 1) {
		fprintf(stderr, "usage: race_send N BASE DST (N + BASE <= 4096)\n");
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "race_send: one CPU: nothing can race\n");
		return 77;
	}
	pthread_create(&a, NULL, sender, (void *)0L);
	pthread_create(&b, NULL, sender, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
