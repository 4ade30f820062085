/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostenv.h - the host facts that server-type addresses (DNS, WINS, DHCP,
 * GATEWAY) stand for, read from the system.
 *
 *   DNS      "nameserver" lines of /etc/resolv.conf (when it names only the
 *            local stub resolver 127.0.0.53 and systemd-resolved's own file
 *            /run/systemd/resolve/resolv.conf exists, the servers there)
 *   GATEWAY  the gateways of the default routes of the main table, every
 *            next hop of a multipath route, read over rtnetlink (in the
 *            caller's network namespace)
 *   DHCP     the server identifiers of the DHCP leases in force: dhclient
 *            lease files (/var/lib/dhcp, /var/lib/dhclient,
 *            /var/lib/NetworkManager), systemd-networkd's and NetworkManager's
 *            internal client's (/run/systemd/netif/leases/IFINDEX,
 *            SERVER_ADDRESS=); only leases of interfaces that exist now
 *            (dhclient's "interface", else the file's name) and, for dhclient,
 *            not expired; of one interface in a file, the last such lease
 *   WINS     ROOT/etc/ipsecpol/wins.conf: one address per line, "#"
 *            comments (Linux has no WINS client; none if absent)
 *
 * Tests point the sources elsewhere: $IPSECPOL_RESOLV_CONF,
 * $IPSECPOL_ROUTE4, $IPSECPOL_ROUTE6 (files in the format of /proc/net/route
 * and /proc/net/ipv6_route, read instead of the kernel's table) and
 * $IPSECPOL_DHCP_LEASES (a colon-separated list of glob patterns) override
 * the defaults.
 */
#ifndef IPP_AGENT_HOSTENV_H
#define IPP_AGENT_HOSTENV_H

#include <stdbool.h>
#include <stdio.h>

#include "../common/err.h"
#include "../common/paths.h"
#include "../compile/effective.h"

#define IPP_HOSTENV_MAX_LEASE_GLOBS 8

/* Where the facts are read from.  Strings are not owned (static or the caller's). */
struct ipp_hostenv_src {
	const char *resolv_conf;
	const char *resolved_conf;   /* systemd-resolved's upstream list, or NULL */
	const char *route4;          /* /proc/net/route format; NULL: rtnetlink */
	const char *route6;          /* /proc/net/ipv6_route format; NULL: rtnetlink */
	const char *wins_conf;       /* NULL: no WINS servers */
	const char *lease_globs[IPP_HOSTENV_MAX_LEASE_GLOBS]; /* NULL-terminated */
	char wins_buf[IPP_PATH_MAX]; /* storage for wins_conf */
	char lease_buf[IPP_PATH_MAX]; /* storage for an overriding lease list */
};

/* The defaults above, with the environment's overrides; @p gives ROOT (NULL: no wins.conf). */
void ipp_hostenv_src_init(struct ipp_hostenv_src *s, const struct ipp_paths *p);

/*
 * Read every fact; a missing source means none of that kind (not an
 * error).  Addresses come out as hosts (IPP_ADDR_IP, /32 or /128),
 * duplicates removed, at most IPP_MAX_SERVERS of each kind (the rest are
 * ignored).  A source that cannot be read (an existing file that is no
 * regular one, a read error, a line of a route or lease file or of
 * wins.conf that is no address; the routing table over rtnetlink) leaves
 * its kind unknown: its error, naming the file, goes to ret->dns_error,
 * wins_error, dhcp_error or gateway_error, and the other kinds are read.
 * 0 (@err is not used: kept for errors that would stop every kind).
 */
int ipp_hostenv_read(const struct ipp_hostenv_src *s, struct ipp_hostenv *ret,
		     struct ipp_error *err);

/*
 * The places whose changes can change what @path reads, each given to @fn as
 * the directory to watch and the name of the entry in it: @path's own entry,
 * every symbolic link on the way to the file it names and that file (up to
 * 8 links, relative ones taken from their own directory), and, where a
 * directory on the way does not exist (yet), the nearest ancestor that does
 * with the name of its child that would appear.  The places move with the
 * links: callers look again after each change.
 */
void ipp_hostenv_watch_points(const char *path,
			      void (*fn)(void *ctx, const char *dir, const char *name), void *ctx);

/* Same facts (in the same order)? */
bool ipp_hostenv_equal(const struct ipp_hostenv *a, const struct ipp_hostenv *b);

/*
 * "dns=10.0.0.53 ...\nwins=\ndhcp=...\ngateway=...\n", then "KIND_error=WHY"
 * for each kind whose servers are not known (the control socket's "servers").
 */
void ipp_hostenv_print(const struct ipp_hostenv *e, FILE *out);
/*
 * The text of ipp_hostenv_print() (lines "dns=A B", "wins=", ..., and
 * "wins_error=..." for the kinds not known) back into *@ret; -EINVAL when it
 * is not such a text (*@ret untouched).
 */
int ipp_hostenv_parse(const char *text, struct ipp_hostenv *ret);

#endif
