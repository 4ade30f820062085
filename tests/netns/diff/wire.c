/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wire.c - see wire.h.  One process holds sockets in both namespaces: a
 * socket stays in the namespace it was created in, so we enter each
 * namespace once (setns) to open them, then return.
 */
#include "wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "IPPD"
#define PAYLOAD_LEN 16
#define MAX_PKT 128
#define NRECV 10
/* "use for experimentation and testing" (RFC 3692): two, which share tiers (compile.h) */
#define OTHER_PROTO 253
#define OTHER_PROTO2 254

struct wire {
	int orig_ns, host_ns, peer_ns;
	int h_send4, h_send6; /* in H: outbound cases */
	int p_send4, p_send6; /* in P: inbound cases */
	int h_recv[NRECV];    /* in H: raw sockets, inbound cases */
	int h_fam[NRECV];
	uint8_t h_proto[NRECV];
	int p_recv;           /* in P: packet socket, outbound cases */
	uint32_t nonce;
	/* the round in progress */
	bool *delivered;
	size_t n;
	unsigned long stray;
};

static int open_ns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "difftest: cannot open namespace \"%s\": %s\n", path,
			strerror(errno));
	return fd;
}

static int enter(int fd)
{
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "difftest: setns: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int raw(int fam, int proto)
{
	int fd = socket(fam, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int sz = 8 << 20;

	if (fd < 0) {
		fprintf(stderr, "difftest: raw socket (%d, %d): %s\n", fam, proto, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	return fd;
}

struct wire *wire_open(const char *host_ns, const char *peer_ns, const char *peer_if)
{
	static const uint8_t protos[5] = {IPPROTO_TCP, IPPROTO_UDP, 0 /* ICMP */, OTHER_PROTO,
					  OTHER_PROTO2};
	struct wire *w = calloc(1, sizeof(*w));
	struct sockaddr_ll ll = {0};
	int i, k = 0, sz = 8 << 20;

	if (!w)
		return NULL;
	w->host_ns = w->peer_ns = w->h_send4 = w->h_send6 = w->p_send4 = w->p_send6 = -1;
	w->p_recv = -1;
	for (i = 0; i < NRECV; i++)
		w->h_recv[i] = -1;
	w->orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	w->host_ns = open_ns(host_ns);
	w->peer_ns = open_ns(peer_ns);
	if (w->orig_ns < 0 || w->host_ns < 0 || w->peer_ns < 0)
		goto fail;

	if (enter(w->host_ns) < 0)
		goto fail;
	w->h_send4 = raw(AF_INET, IPPROTO_RAW);
	w->h_send6 = raw(AF_INET6, IPPROTO_RAW);
	for (i = 0; i < NRECV; i++) {
		int fam = i < 5 ? AF_INET : AF_INET6;
		uint8_t proto = protos[i % 5];

		if (!proto)
			proto = fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		w->h_fam[k] = fam;
		w->h_proto[k] = proto;
		w->h_recv[k++] = raw(fam, proto);
	}
	if (enter(w->peer_ns) < 0)
		goto fail;
	w->p_send4 = raw(AF_INET, IPPROTO_RAW);
	w->p_send6 = raw(AF_INET6, IPPROTO_RAW);
	w->p_recv = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (w->p_recv < 0) {
		fprintf(stderr, "difftest: packet socket: %s\n", strerror(errno));
		goto fail;
	}
	setsockopt(w->p_recv, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = (int)if_nametoindex(peer_if);
	if (!ll.sll_ifindex || bind(w->p_recv, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		fprintf(stderr, "difftest: cannot bind to \"%s\" in \"%s\": %s\n", peer_if, peer_ns,
			strerror(errno));
		goto fail;
	}
	if (enter(w->orig_ns) < 0)
		goto fail;
	if (w->h_send4 < 0 || w->h_send6 < 0 || w->p_send4 < 0 || w->p_send6 < 0)
		goto fail;
	for (i = 0; i < k; i++)
		if (w->h_recv[i] < 0)
			goto fail;
	return w;
fail:
	wire_close(w);
	return NULL;
}

void wire_close(struct wire *w)
{
	int i;

	if (!w)
		return;
	if (w->orig_ns >= 0)
		setns(w->orig_ns, CLONE_NEWNET);
	int fds[] = {w->orig_ns, w->host_ns, w->peer_ns, w->h_send4, w->h_send6,
		     w->p_send4, w->p_send6, w->p_recv};
	for (i = 0; i < (int)(sizeof(fds) / sizeof(fds[0])); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (i = 0; i < NRECV; i++)
		if (w->h_recv[i] >= 0)
			close(w->h_recv[i]);
	free(w);
}

int wire_host_addrs(struct wire *w, struct ipp_localaddrs *ret)
{
	struct ipp_error err = {0};
	int r;

	if (enter(w->host_ns) < 0)
		return -1;
	r = ipp_localaddrs_from_system(ret, &err);
	if (enter(w->orig_ns) < 0)
		return -1;
	if (r < 0)
		fprintf(stderr, "difftest: %s\n", err.msg);
	return r;
}

/* ---------- packets ---------- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static size_t l4_hdr(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 20;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

/* The whole IP packet of case @id into @buf; returns its length. */
static size_t build(const struct ipp_packet *p, uint32_t nonce, uint32_t id, uint8_t *buf)
{
	bool v6 = p->family == AF_INET6;
	size_t iph = v6 ? 40 : 20, th = l4_hdr(p->proto), l4len = th + PAYLOAD_LEN;
	uint8_t *t = buf + iph, *pl = t + th;
	uint32_t s = 0;

	memset(buf, 0, iph + l4len);
	memcpy(pl, MAGIC, 4);
	pl[4] = p->dir == IPP_DIR_IN ? 'I' : 'O';
	put32(pl + 8, nonce);
	put32(pl + 12, id);

	if (v6) {
		buf[0] = 0x60;
		put16(buf + 4, (unsigned)l4len);
		buf[6] = p->proto;
		buf[7] = 64;
		memcpy(buf + 8, p->src, 16);
		memcpy(buf + 24, p->dst, 16);
	} else {
		buf[0] = 0x45;
		put16(buf + 2, (unsigned)(iph + l4len));
		put16(buf + 4, id & 0xffff);
		put16(buf + 6, 0x4000);
		buf[8] = 64;
		buf[9] = p->proto;
		memcpy(buf + 12, p->src, 4);
		memcpy(buf + 16, p->dst, 4);
		put16(buf + 10, fold(sum16(buf, 20, 0)));
	}

	switch (p->proto) {
	case IPPROTO_TCP:
		put16(t, p->sport);
		put16(t + 2, p->dport);
		put32(t + 4, id);
		t[12] = 5 << 4;
		t[13] = 0x02; /* SYN */
		put16(t + 14, 1024);
		break;
	case IPPROTO_UDP:
		put16(t, p->sport);
		put16(t + 2, p->dport);
		put16(t + 4, (unsigned)l4len);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		t[0] = p->proto == IPPROTO_ICMP ? 8 : 128; /* echo request */
		put16(t + 4, 0x7070);
		put16(t + 6, id & 0xffff);
		break;
	default:
		break;
	}
	/* checksums: TCP, UDP and ICMPv6 over a pseudo-header, ICMP over itself */
	if (p->proto == IPPROTO_ICMP) {
		put16(t + 2, fold(sum16(t, l4len, 0)));
	} else if (th) {
		if (v6) {
			s = sum16(buf + 8, 32, 0);
			s += (uint32_t)l4len + p->proto;
		} else {
			s = sum16(buf + 12, 8, 0);
			s += p->proto + (uint32_t)l4len;
		}
		s = sum16(t, l4len, s);
		put16(t + (p->proto == IPPROTO_TCP ? 16 : p->proto == IPPROTO_UDP ? 6 : 2),
		      fold(s) ? fold(s) : 0xffff);
	}
	return iph + l4len;
}

/* A payload at @pl (@len bytes) of a case: mark it. */
static void note(struct wire *w, const uint8_t *pl, size_t len, char tag)
{
	uint32_t id;

	if (len < PAYLOAD_LEN || memcmp(pl, MAGIC, 4) != 0 || pl[4] != tag) {
		w->stray++;
		return;
	}
	if (get32(pl + 8) != w->nonce) {
		w->stray++;
		return;
	}
	id = get32(pl + 12);
	if (id < w->n)
		w->delivered[id] = true;
}

/* The payload of a transport segment at @t (@len bytes) of protocol @proto, or NULL. */
static const uint8_t *payload(uint8_t proto, const uint8_t *t, size_t len, size_t *ret_len)
{
	size_t h = l4_hdr(proto);

	if (proto == IPPROTO_TCP && len >= 13)
		h = (size_t)(t[12] >> 4) * 4;
	if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && len >= 1 &&
	    t[0] != (proto == IPPROTO_ICMP ? 8 : 128))
		return NULL; /* replies and errors quote our payload: not a case */
	if (len < h)
		return NULL;
	*ret_len = len - h;
	return t + h;
}

static void drain(struct wire *w)
{
	uint8_t buf[2048];
	ssize_t n;
	int i;

	for (i = 0; i < NRECV; i++) {
		while ((n = recv(w->h_recv[i], buf, sizeof(buf), 0)) > 0) {
			const uint8_t *t = buf, *pl;
			size_t len = (size_t)n, plen;

			if (w->h_fam[i] == AF_INET) { /* IPv4 raw sockets include the header */
				size_t ihl = (size_t)(buf[0] & 15) * 4;

				if (len < ihl)
					continue;
				t += ihl;
				len -= ihl;
			}
			pl = payload(w->h_proto[i], t, len, &plen);
			if (pl)
				note(w, pl, plen, 'I');
		}
	}
	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		const uint8_t *pl;
		size_t off, plen;
		uint8_t proto;

		n = recvfrom(w->p_recv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			break;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (from.sll_protocol == htons(ETH_P_IP) && n >= 20) {
			off = (size_t)(buf[0] & 15) * 4;
			proto = buf[9];
		} else if (from.sll_protocol == htons(ETH_P_IPV6) && n >= 40) {
			off = 40;
			proto = buf[6];
		} else {
			continue;
		}
		if ((size_t)n < off)
			continue;
		pl = payload(proto, buf + off, (size_t)n - off, &plen);
		if (pl)
			note(w, pl, plen, 'O');
	}
}

/* Wait until nothing has arrived for @quiet_ms (at most @max_ms). */
static void settle(struct wire *w, int quiet_ms, int max_ms)
{
	struct pollfd pf[NRECV + 1];
	struct timespec t0, t1;
	int i;

	for (i = 0; i < NRECV; i++) {
		pf[i].fd = w->h_recv[i];
		pf[i].events = POLLIN;
	}
	pf[NRECV].fd = w->p_recv;
	pf[NRECV].events = POLLIN;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int r = poll(pf, NRECV + 1, quiet_ms);

		drain(w);
		if (r <= 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 > max_ms)
			break;
	}
}

int wire_round(struct wire *w, const struct ipp_packet *pkts, size_t n, bool *delivered)
{
	uint8_t buf[MAX_PKT];
	size_t i;
	int bad = 0;

	if (getrandom(&w->nonce, sizeof(w->nonce), 0) != sizeof(w->nonce))
		w->nonce = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	settle(w, 20, 1000); /* leftovers of an earlier round */
	w->delivered = delivered;
	w->n = n;
	memset(delivered, 0, n * sizeof(*delivered));
	for (i = 0; i < n; i++) {
		const struct ipp_packet *p = &pkts[i];
		size_t len = build(p, w->nonce, (uint32_t)i, buf);
		struct sockaddr_storage ss = {0};
		socklen_t sl;
		int fd;

		if (p->family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, p->dst, 16);
			sl = sizeof(*s6);
			fd = p->dir == IPP_DIR_IN ? w->p_send6 : w->h_send6;
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, p->dst, 4);
			sl = sizeof(*s4);
			fd = p->dir == IPP_DIR_IN ? w->p_send4 : w->h_send4;
		}
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0 && errno != EPERM) {
			/* EPERM: the host's output hook dropped it, which is a verdict */
			char txt[160];

			ipp_packet_format(p, txt, sizeof(txt));
			fprintf(stderr, "difftest: sending case %zu (%s %s): %s\n", i,
				ipp_dir_name(p->dir), txt, strerror(errno));
			bad = -1;
		}
		if ((i & 63) == 63)
			drain(w);
	}
	settle(w, 100, 3000);
	w->delivered = NULL;
	w->n = 0;
	return bad;
}
