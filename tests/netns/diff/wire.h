/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wire.h - real packets between the two namespaces of the differential
 * test: the host under test (H) and its peer (P).
 *
 * Inbound cases are sent by P with a raw socket (any source address of the
 * peer's pool) and recorded on H by raw sockets, which the kernel feeds only
 * after the input hook: a case that shows up there was accepted.  Outbound
 * cases are sent by H with a raw socket (a local source address, so the
 * output hook sees a packet of this host) and recorded on P by a packet
 * socket on its veth.  Every payload carries a tag, a round nonce and the
 * case number, so replies, ICMP errors and late packets of earlier rounds
 * are never mistaken for a case.
 */
#ifndef IPP_DIFF_WIRE_H
#define IPP_DIFF_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"

struct wire; /* opaque */

/*
 * Open the sockets: @host_ns and @peer_ns are names under /run/netns,
 * @peer_if the peer's veth.  Returns NULL with a message on stderr.
 */
struct wire *wire_open(const char *host_ns, const char *peer_ns, const char *peer_if);
void wire_close(struct wire *w);

/* The local addresses of the host namespace (getifaddrs there). */
int wire_host_addrs(struct wire *w, struct ipp_localaddrs *ret);

/*
 * Send every packet of @pkts (n of them) for real and set delivered[i] when
 * case i arrived on the other side.  Returns 0, or -1 when sending failed
 * for a reason other than the local filter (message on stderr).
 */
int wire_round(struct wire *w, const struct ipp_packet *pkts, size_t n, bool *delivered);

#endif
