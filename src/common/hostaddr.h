/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostaddr.h - what the kernel delivers to besides the addresses interfaces
 * list: IPv6 anycast addresses, IPv4 broadcast addresses.
 */
#ifndef IPP_HOSTADDR_H
#define IPP_HOSTADDR_H

#include <ifaddrs.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Call @fn with each IPv6 anycast address of the current network namespace
 * (/proc/net/anycast6: the subnet-router anycast of an interface of a host
 * that forwards, and those programs joined), which the kernel delivers to as
 * to its own addresses.  No file (no IPv6): none.  0, or the first negative
 * value @fn returned.
 */
int ipp_anycast6_each(int (*fn)(const uint8_t ip[16], void *ctx), void *ctx);

/*
 * The IPv4 broadcast addresses of interface address @i (getifaddrs()), into
 * @out (network order): the directed broadcast of its subnet (the all-ones
 * host part, which the kernel's local table names broadcast whether or not
 * the address was given one, on any kind of interface) and the one given.
 * How many (0 to 2).
 */
size_t ipp_ifa_broadcasts(const struct ifaddrs *i, uint8_t out[2][4]);

#endif
