/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostaddr.c - IPv6 anycast addresses, IPv4 broadcast addresses.
 */
#include "hostaddr.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int ipp_anycast6_each(int (*fn)(const uint8_t ip[16], void *ctx), void *ctx)
{
	FILE *f = fopen("/proc/net/anycast6", "re");
	char line[256], hex[40];
	int r = 0;

	if (!f)
		return 0;
	/* "ifindex name address refcount", the address in 32 hex digits */
	while (r == 0 && fgets(line, sizeof(line), f)) {
		uint8_t ip[16];
		unsigned i, b;

		if (sscanf(line, "%*d %*s %32[0-9a-fA-F]", hex) != 1 || strlen(hex) != 32)
			continue;
		for (i = 0; i < 16 && sscanf(hex + 2 * i, "%2x", &b) == 1; i++)
			ip[i] = (uint8_t)b;
		if (i == 16)
			r = fn(ip, ctx);
	}
	fclose(f);
	return r;
}

size_t ipp_ifa_broadcasts(const struct ifaddrs *i, uint8_t out[2][4])
{
	uint32_t addr, mask, bc;
	size_t n = 0;

	/* (the kernel's local table has the all-ones host part of every address's
	 * subnet as a broadcast route, of a point-to-point interface too) */
	if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask)
		return 0;
	addr = ((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr.s_addr;
	mask = ((const struct sockaddr_in *)(const void *)i->ifa_netmask)->sin_addr.s_addr;
	if (ntohl(mask) < 0xfffffffeu) {
		bc = addr | ~mask;
		memcpy(out[n++], &bc, 4);
	}
	if (i->ifa_broadaddr && i->ifa_broadaddr->sa_family == AF_INET) {
		bc = ((const struct sockaddr_in *)(const void *)i->ifa_broadaddr)->sin_addr.s_addr;
		/* an address given without a broadcast address: the C library puts the
		 * address itself there (or nothing): not a broadcast address */
		if (bc != addr && bc != 0 && (n == 0 || memcmp(out[0], &bc, 4)))
			memcpy(out[n++], &bc, 4);
	}
	return n;
}
