/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * anycast.h - the IPv6 anycast addresses of the current network namespace.
 */
#ifndef IPP_ANYCAST_H
#define IPP_ANYCAST_H

#include <stdint.h>

/*
 * Call @fn with each IPv6 anycast address of the current network namespace
 * (/proc/net/anycast6: the subnet-router anycast of an interface of a host
 * that forwards, and those programs joined), which the kernel delivers to as
 * to its own addresses.  No file (no IPv6): none.  0, or the first negative
 * value @fn returned.
 */
int ipp_anycast6_each(int (*fn)(const uint8_t ip[16], void *ctx), void *ctx);

#endif
