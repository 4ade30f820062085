/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "diag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../compile/modes.h"
#include "log.h"

#ifdef IPP_HAVE_NFLOG
#include <libnetfilter_log/libnetfilter_log.h>
#endif

/* ---------- decoding ---------- */

int ipp_drop_parse_prefix(const char *prefix, struct ipp_drop *d)
{
	char tag[16], mode[32], dir[8], reason[32], extra[2];

	if (sscanf(prefix, "%15s %31s %7s %31s %1s", tag, mode, dir, reason, extra) != 4)
		return -EINVAL;
	if (strcmp(tag, IPP_NFLOG_PREFIX) || (strcmp(dir, "in") && strcmp(dir, "out")))
		return -EINVAL;
	strcpy(d->mode, mode);
	strcpy(d->dir, dir);
	strcpy(d->reason, reason);
	return 0;
}

static void parse_l4(const uint8_t *p, size_t len, struct ipp_drop *d)
{
	switch (d->proto) {
	case 6:	  /* tcp */
	case 17:  /* udp */
	case 132: /* sctp */
	case 33:  /* dccp */
	case 136: /* udplite */
		if (len < 4)
			return;
		d->has_ports = true;
		d->sport = (uint16_t)(p[0] << 8 | p[1]);
		d->dport = (uint16_t)(p[2] << 8 | p[3]);
		if (d->proto == 6 && len >= 14)
			d->tcp_flags = p[13];
		return;
	case 1:
	case 58:
		if (len < 2)
			return;
		d->is_icmp = true;
		d->icmp_type = p[0];
		d->icmp_code = p[1];
		return;
	}
}

int ipp_drop_parse_packet(const uint8_t *p, size_t len, struct ipp_drop *d)
{
	size_t hl;

	d->family = 0;
	d->has_ports = d->is_icmp = false;
	d->tcp_flags = 0;
	if (len < 1)
		return -EINVAL;
	if ((p[0] >> 4) == 4) {
		if (len < 20 || (hl = (size_t)(p[0] & 0x0f) * 4) < 20 || hl > len)
			return -EINVAL;
		d->family = AF_INET;
		d->len = (uint16_t)(p[2] << 8 | p[3]);
		d->ttl = p[8];
		d->proto = p[9];
		inet_ntop(AF_INET, p + 12, d->src, sizeof(d->src));
		inet_ntop(AF_INET, p + 16, d->dst, sizeof(d->dst));
		/* Only the first fragment carries the transport header. */
		if ((((p[6] & 0x1f) << 8) | p[7]) == 0)
			parse_l4(p + hl, len - hl, d);
		return 0;
	}
	if ((p[0] >> 4) == 6) {
		uint8_t nh;
		size_t off = 40;
		int hops = 0;

		if (len < 40)
			return -EINVAL;
		d->family = AF_INET6;
		d->len = (uint16_t)((p[4] << 8 | p[5]) + 40);
		d->ttl = p[7];
		inet_ntop(AF_INET6, p + 8, d->src, sizeof(d->src));
		inet_ntop(AF_INET6, p + 24, d->dst, sizeof(d->dst));
		nh = p[6];
		/* Walk the extension headers (hop-by-hop, routing, fragment, destination). */
		while ((nh == 0 || nh == 43 || nh == 44 || nh == 60) && hops++ < 8) {
			if (off + 8 > len) {
				d->proto = nh;
				return 0;
			}
			if (nh == 44) {
				if ((((p[off + 2] << 8) | p[off + 3]) & 0xfff8) != 0) {
					d->proto = p[off];
					return 0; /* not the first fragment: no ports */
				}
				nh = p[off];
				off += 8;
				continue;
			}
			nh = p[off];
			off += ((size_t)p[off + 1] + 1) * 8;
		}
		d->proto = nh;
		if (off < len)
			parse_l4(p + off, len - off, d);
		return 0;
	}
	return -EINVAL;
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 51:
		return "ah";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	default:
		snprintf(buf, len, "proto %u", p);
		return buf;
	}
}

static void endpoint(char *buf, size_t len, int family, const char *addr, bool ports, uint16_t port)
{
	if (!ports)
		snprintf(buf, len, "%s", addr);
	else if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
}

/*
 * Why, as the rule that logged it says (the prefix's last word): a block
 * filter, a negotiate filter's packet in the clear (Windows' own event for
 * clear packets that should have been secured), what no filter matched while
 * the persistent policy is in force alone, a packet still walking a table
 * being replaced; a mode's own drops say nothing more.
 */
static const char *why_dropped(const struct ipp_drop *d)
{
	bool in = !strcmp(d->dir, "in");

	if (!strcmp(d->reason, "block"))
		return ": a block filter";
	if (!strcmp(d->reason, "negotiate"))
		return in ? ": a negotiate filter's packet that came in the clear, not through a "
			    "security association"
			  : ": a negotiate filter's packet that no security association carries";
	if (!strcmp(d->reason, "unmatched"))
		return ": no filter matched while the persistent policy is in force alone, and "
		       "what it does not match is dropped (the mode of the rest: dynamic show all)";
	if (!strcmp(d->reason, "replaced"))
		return ", its table being replaced";
	if (!strcmp(d->reason, "mapped"))
		return ": an IPv4-mapped address (::ffff:0:0/96), which no packet on the wire "
		       "carries";
	return "";
}

void ipp_drop_format(const struct ipp_drop *d, unsigned level, char *buf, size_t len)
{
	const char *dir = strcmp(d->dir, "in") ? "outbound" : "inbound";
	char pb[16], s[64], t[64], extra[128] = "";
	size_t n = 0;

	if (!d->family) {
		snprintf(buf, len, "dropped %s packet that could not be decoded (mode %s)", dir,
			 d->mode);
		return;
	}
	endpoint(s, sizeof(s), d->family, d->src, d->has_ports, d->sport);
	endpoint(t, sizeof(t), d->family, d->dst, d->has_ports, d->dport);
	if (d->is_icmp)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, " type %u code %u",
				      d->icmp_type, d->icmp_code);
	if (level >= 3) {
		if (d->ifname[0])
			n += (size_t)snprintf(extra + n, sizeof(extra) - n, " dev %s", d->ifname);
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, " len %u", d->len);
	}
	if (level >= 4) {
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, " %s %u",
				      d->family == AF_INET6 ? "hoplimit" : "ttl", d->ttl);
		if (d->proto == 6 && d->has_ports) {
			static const char fl[] = "FSRPAUEC";
			char f[9];
			int i, k = 0;

			for (i = 0; i < 8; i++)
				if (d->tcp_flags & (1u << i))
					f[k++] = fl[i];
			f[k] = '\0';
			snprintf(extra + n, sizeof(extra) - n, " flags %s", k ? f : "none");
		}
	}
	snprintf(buf, len, "dropped %s %s %s -> %s%s (mode %s%s)", dir,
		 proto_name(d->proto, pb, sizeof(pb)), s, t, extra, d->mode, why_dropped(d));
}

/* ---------- rate limiting ---------- */

unsigned ipp_droplog_burst(unsigned level)
{
	static const unsigned burst[] = {0, 1, 20, 20, 100, 100, 1000, 10000, 10000, 10000};

	return level < sizeof(burst) / sizeof(burst[0]) ? burst[level] : 10000;
}

void ipp_droplog_init(struct ipp_droplog *d, unsigned level)
{
	memset(d, 0, sizeof(*d));
	d->level = level;
}

bool ipp_droplog_admit(struct ipp_droplog *d, bool inbound)
{
	if (inbound)
		d->in++;
	else
		d->out++;
	if (d->logged < ipp_droplog_burst(d->level)) {
		d->logged++;
		return true;
	}
	d->suppressed++;
	return false;
}

bool ipp_droplog_interval(struct ipp_droplog *d, struct ipp_droplog_summary *ret)
{
	ret->suppressed = d->suppressed;
	ret->in = d->in;
	ret->out = d->out;
	ret->lost = d->lost;
	ipp_droplog_init(d, d->level);
	return ret->suppressed > 0 || ret->lost > 0;
}

/* ---------- the NFLOG listener ---------- */

struct ipp_diag {
	struct ipp_droplog rl;
#ifdef IPP_HAVE_NFLOG
	struct nflog_handle *h;
	struct nflog_g_handle *gh;
#endif
	int fd;
};

int ipp_diag_fd(const struct ipp_diag *g)
{
	return g->fd;
}

void ipp_diag_set_level(struct ipp_diag *g, unsigned level)
{
	g->rl.level = level;
}

void ipp_diag_interval(struct ipp_diag *g)
{
	struct ipp_droplog_summary s;
	char f[4][48];
	const char *fields[6];

	if (!g || !ipp_droplog_interval(&g->rl, &s))
		return;
	snprintf(f[0], sizeof(f[0]), "IPSECPOL_EVENT=drop-summary");
	snprintf(f[1], sizeof(f[1]), "IPSECPOL_SUPPRESSED=%llu", (unsigned long long)s.suppressed);
	snprintf(f[2], sizeof(f[2]), "IPSECPOL_INBOUND=%llu", (unsigned long long)s.in);
	snprintf(f[3], sizeof(f[3]), "IPSECPOL_OUTBOUND=%llu", (unsigned long long)s.out);
	fields[0] = f[0], fields[1] = f[1], fields[2] = f[2], fields[3] = f[3], fields[4] = NULL;
	/* reports the kernel could not deliver are not counted: the figures are then
	 * lower bounds, at every level (the filters' counters have the truth) */
	if (s.suppressed)
		ipp_log_event(LOG_NOTICE, fields,
			      "%llu more packets dropped in the last interval (%llu inbound, %llu "
			      "outbound dropped in all%s)",
			      (unsigned long long)s.suppressed, (unsigned long long)s.in,
			      (unsigned long long)s.out, s.lost ? ", at least" : "");
	if (s.lost)
		ipp_log(LOG_WARNING,
			"diagnostics: reports of dropped packets were lost in the last interval "
			"(the kernel's log buffer overflowed %llu times): the counts above are "
			"lower bounds; dynamic show stats counts every packet",
			(unsigned long long)s.lost);
}

#ifdef IPP_HAVE_NFLOG
static void log_drop(struct ipp_diag *g, const struct ipp_drop *d)
{
	char msg[640], f[10][80];
	const char *fields[11];
	int n = 0;

	ipp_drop_format(d, g->rl.level, msg, sizeof(msg));
	snprintf(f[n], sizeof(f[n]), "IPSECPOL_EVENT=drop"), n++;
	snprintf(f[n], sizeof(f[n]), "IPSECPOL_MODE=%s", d->mode), n++;
	snprintf(f[n], sizeof(f[n]), "IPSECPOL_REASON=%s", d->reason), n++;
	snprintf(f[n], sizeof(f[n]), "IPSECPOL_DIRECTION=%s",
		 strcmp(d->dir, "in") ? "outbound" : "inbound"),
	    n++;
	if (d->family) {
		snprintf(f[n], sizeof(f[n]), "IPSECPOL_SRC=%s", d->src), n++;
		snprintf(f[n], sizeof(f[n]), "IPSECPOL_DST=%s", d->dst), n++;
		snprintf(f[n], sizeof(f[n]), "IPSECPOL_PROTO=%u", d->proto), n++;
		if (d->has_ports) {
			snprintf(f[n], sizeof(f[n]), "IPSECPOL_SPORT=%u", d->sport), n++;
			snprintf(f[n], sizeof(f[n]), "IPSECPOL_DPORT=%u", d->dport), n++;
		}
	}
	for (int i = 0; i < n; i++)
		fields[i] = f[i];
	fields[n] = NULL;
	ipp_log_event(LOG_NOTICE, fields, "%s", msg);
}

static int on_packet(struct nflog_g_handle *gh, struct nfgenmsg *nfmsg, struct nflog_data *nfa,
		     void *data)
{
	struct ipp_diag *g = data;
	struct ipp_drop d;
	char *payload = NULL, *prefix;
	uint32_t dev;
	int len;

	(void)gh;
	(void)nfmsg;
	memset(&d, 0, sizeof(d));
	prefix = nflog_get_prefix(nfa);
	if (!prefix || ipp_drop_parse_prefix(prefix, &d) < 0)
		return 0; /* not one of ours (someone else logs to this group) */
	if (!ipp_droplog_admit(&g->rl, !strcmp(d.dir, "in")))
		return 0;
	len = nflog_get_payload(nfa, &payload);
	if (len <= 0 || ipp_drop_parse_packet((const uint8_t *)payload, (size_t)len, &d) < 0) {
		d.family = 0;
		if (g->rl.level >= 3)
			ipp_log(LOG_WARNING,
				"diagnostics: a dropped packet (%d bytes) could not be "
				"decoded",
				len);
	}
	dev = !strcmp(d.dir, "in") ? nflog_get_indev(nfa) : nflog_get_outdev(nfa);
	if (dev && !if_indextoname(dev, d.ifname))
		d.ifname[0] = '\0';
	log_drop(g, &d);
	return 0;
}

int ipp_diag_open(unsigned level, struct ipp_diag **ret, struct ipp_error *err)
{
	struct ipp_diag *g;
	int r;

	g = calloc(1, sizeof(*g));
	if (!g)
		return ipp_err(err, ENOMEM, "out of memory");
	ipp_droplog_init(&g->rl, level);
	g->h = nflog_open();
	if (!g->h) {
		r = ipp_err(err, errno ? errno : EIO, "cannot open NFLOG: %s", strerror(errno));
		free(g);
		return r;
	}
	/* Older kernels want the families bound; newer ones ignore this. */
	(void)nflog_bind_pf(g->h, AF_INET);
	(void)nflog_bind_pf(g->h, AF_INET6);
	g->gh = nflog_bind_group(g->h, IPP_NFLOG_GROUP);
	if (!g->gh) {
		r = ipp_err(err, errno ? errno : EBUSY,
			    "cannot bind NFLOG group %u (is another program using it?): %s",
			    IPP_NFLOG_GROUP, strerror(errno ? errno : EBUSY));
		nflog_close(g->h);
		free(g);
		return r;
	}
	if (nflog_set_mode(g->gh, NFULNL_COPY_PACKET, IPP_NFLOG_SNAPLEN) < 0 ||
	    nflog_set_qthresh(g->gh, 1) < 0) {
		r = ipp_err(err, errno ? errno : EIO, "cannot configure NFLOG group %u: %s",
			    IPP_NFLOG_GROUP, strerror(errno));
		nflog_unbind_group(g->gh);
		nflog_close(g->h);
		free(g);
		return r;
	}
	nflog_callback_register(g->gh, on_packet, g);
	g->fd = nflog_fd(g->h);
	*ret = g;
	return 0;
}

void ipp_diag_dispatch(struct ipp_diag *g)
{
	char buf[65536] __attribute__((aligned));
	ssize_t n;

	for (;;) {
		n = recv(g->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) { /* the kernel dropped reports: count them */
				g->rl.lost++;
				continue;
			}
			return; /* EAGAIN: all read */
		}
		if (n == 0)
			return;
		nflog_handle_packet(g->h, buf, (int)n);
	}
}

void ipp_diag_close(struct ipp_diag *g)
{
	if (!g)
		return;
	ipp_diag_interval(g);
	if (g->gh)
		nflog_unbind_group(g->gh);
	if (g->h)
		nflog_close(g->h);
	free(g);
}

#else /* !IPP_HAVE_NFLOG */

int ipp_diag_open(unsigned level, struct ipp_diag **ret, struct ipp_error *err)
{
	(void)level;
	(void)ret;
	return ipp_err(err, EOPNOTSUPP,
		       "diagnostics need libnetfilter_log, which this build does not have");
}

void ipp_diag_dispatch(struct ipp_diag *g)
{
	(void)g;
}

void ipp_diag_close(struct ipp_diag *g)
{
	free(g);
}

#endif
