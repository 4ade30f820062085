/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * anycast.c - the IPv6 anycast addresses of the current network namespace.
 */
#include "anycast.h"

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
