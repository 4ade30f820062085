/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hostenv_test.c - reading DNS, WINS, DHCP servers and gateways from files. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/hostenv.h"

static char dir[256];

static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_addr(const struct ipp_addr *a, const char *text)
{
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(a->kind, IPP_ADDR_IP);
	assert_non_null(inet_ntop(a->family, a->ip, buf, sizeof(buf)));
	assert_string_equal(buf, text);
	assert_int_equal(a->plen, a->family == AF_INET ? 32 : 128);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ipp-hostenv-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_read_all(void **state)
{
	struct ipp_hostenv_src s;
	struct ipp_hostenv e;
	struct ipp_error err = {0};
	char p[6][512];

	(void)state;
	put("resolv.conf", "# generated\nsearch example.org\nnameserver 192.0.2.53\n"
			   "nameserver fe80::1%eth0\nnameserver 192.0.2.53\noptions edns0\n");
	put("route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
		     "eth0\t00000000\t0102000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
		     "eth0\t0002000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n");
	put("ipv6_route",
	    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
	    "fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n"
	    "fd000077000000000000000000000000 40 00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00000100 00000001 00000000 00000001 eth0\n");
	put("dhclient.lo.leases", "lease {\n  interface \"lo\";\n"
				  "  option dhcp-server-identifier 10.0.2.2;\n}\n"
				  "lease {\n  option dhcp-server-identifier 10.0.2.3;\n}\n");
	put("wins.conf", "# WINS servers\n192.0.2.137  # primary\n\n");
	snprintf(p[0], sizeof(p[0]), "%s/resolv.conf", dir);
	snprintf(p[1], sizeof(p[1]), "%s/route", dir);
	snprintf(p[2], sizeof(p[2]), "%s/ipv6_route", dir);
	snprintf(p[3], sizeof(p[3]), "%s/*.leases", dir);
	snprintf(p[4], sizeof(p[4]), "%s/wins.conf", dir);
	ipp_hostenv_src_init(&s, NULL);
	s.resolv_conf = p[0];
	s.resolved_conf = NULL;
	s.route4 = p[1];
	s.route6 = p[2];
	s.lease_globs[0] = p[3];
	s.lease_globs[1] = NULL;
	s.wins_conf = p[4];
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	assert_int_equal(e.ndns, 2);
	assert_addr(&e.dns[0], "192.0.2.53");
	assert_addr(&e.dns[1], "fe80::1");
	assert_int_equal(e.ngateway, 2);
	assert_addr(&e.gateway[0], "10.0.2.1");
	assert_addr(&e.gateway[1], "fe80::1");
	assert_int_equal(e.ndhcp, 1);
	assert_addr(&e.dhcp[0], "10.0.2.3");
	assert_int_equal(e.nwins, 1);
	assert_addr(&e.wins[0], "192.0.2.137");
}

/*
 * resolv.conf read as the C library's resolver reads it: "nameserver" at the
 * start of a line only (indented or inside a long comment it is not one), any
 * line length, the first three addresses (repeats count), trailing words ignored.
 */
static void test_resolv_as_libc(void **state)
{
	struct ipp_hostenv_src s;
	struct ipp_hostenv e;
	struct ipp_error err = {0};
	char path[512], text[2048];
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "#");
	memset(text + n, 'x', 600);
	snprintf(text + n + 600, sizeof(text) - (size_t)n - 600,
		 "nameserver 192.0.2.9\n"
		 " nameserver 192.0.2.8\n"
		 "\tnameserver 192.0.2.7\n"
		 "nameservers 192.0.2.6\n"
		 "nameserver\t192.0.2.53 trailing words\n"
		 "nameserver 192.0.2.53\n"
		 "nameserver not-an-address\n"
		 "nameserver 192.0.2.54\n"
		 "nameserver 192.0.2.55\n");
	put("resolv.conf", text);
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	ipp_hostenv_src_init(&s, NULL);
	s.resolv_conf = path;
	s.resolved_conf = NULL;
	s.route4 = s.route6 = NULL;
	s.lease_globs[0] = NULL;
	s.wins_conf = NULL;
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	/* 192.0.2.53 twice and 192.0.2.54 are the resolver's three; .55 is past them */
	assert_int_equal(e.ndns, 2);
	assert_addr(&e.dns[0], "192.0.2.53");
	assert_addr(&e.dns[1], "192.0.2.54");

	/* IPv4 in the forms inet_aton() takes, as the resolver does */
	put("resolv.conf", "nameserver 10.201.1\nnameserver 010.201.000.001\nnameserver 0x0a000001\n");
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	assert_int_equal(e.ndns, 3);
	assert_addr(&e.dns[0], "10.201.0.1");
	assert_addr(&e.dns[1], "8.201.0.1");
	assert_addr(&e.dns[2], "10.0.0.1");

	/* a carriage return is part of the address (none then), and an IPv4 address with a
	 * zone is none: the resolver passes over both lines */
	put("resolv.conf", "nameserver 192.0.2.1\r\nnameserver 192.0.2.2%eth0\n"
			   "nameserver fe80::2%eth0\nnameserver 192.0.2.3\n");
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	assert_int_equal(e.ndns, 2);
	assert_addr(&e.dns[0], "fe80::2");
	assert_addr(&e.dns[1], "192.0.2.3");
}

/* Sources that do not exist (nothing to read) and no WINS file. */
static void src_nothing(struct ipp_hostenv_src *s)
{
	ipp_hostenv_src_init(s, NULL);
	s->resolv_conf = "/nonexistent/resolv.conf";
	s->resolved_conf = NULL;
	s->route4 = "/nonexistent/route";
	s->route6 = "/nonexistent/ipv6_route";
	s->lease_globs[0] = NULL;
	s->wins_conf = NULL;
}

/* wins.conf is ours: several addresses to a line, and nothing it cannot read */
static void test_wins_strict(void **state)
{
	static const struct {
		const char *text, *needle;
	} bad[] = {
	    {"10.0.0.300\n", ":1: \"10.0.0.300\" is not an IPv4 or IPv6 address"},
	    {"192.0.2.1\nwins-server.example\n", ":2: \"wins-server.example\""},
	    {"192.0.2.1 ; 192.0.2.2\n", ":1: \";\""},
	    /* what is no address is shown with its invisible bytes escaped */
	    {"192.0.2.1\n\xef\xbb\xbf"
	     "192.0.2.2\n",
	     ":2: \"\\xef\\xbb\\xbf192.0.2.2\""},
	    {"10.0.0.1\xe2\x80\x8b\n", ":1: \"10.0.0.1\\xe2\\x80\\x8b\""},
	};
	struct ipp_hostenv_src s;
	struct ipp_hostenv e;
	struct ipp_error err = {0};
	char p[512], r[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/wins.conf", dir);
	src_nothing(&s);
	s.wins_conf = p;
	put("wins.conf", "10.0.0.5, 10.0.0.6 # two\n2001:db8::7\n");
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	assert_int_equal(e.nwins, 3);
	assert_addr(&e.wins[0], "10.0.0.5");
	assert_addr(&e.wins[1], "10.0.0.6");
	assert_addr(&e.wins[2], "2001:db8::7");
	assert_string_equal(e.wins_error, "");
	/* a byte order mark at the start of the file (Notepad's) is not part of it */
	put("wins.conf", "\xef\xbb\xbf"
			 "10.0.0.9\n");
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	assert_int_equal(e.nwins, 1);
	assert_addr(&e.wins[0], "10.0.0.9");
	/* an IPv4-mapped address is the IPv4 server it names (never on the wire) */
	put("wins.conf", "::ffff:192.0.2.53\n");
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	assert_int_equal(e.nwins, 1);
	assert_addr(&e.wins[0], "192.0.2.53");
	/* 64 servers are taken; more leave the kind unknown, not fewer */
	{
		char many[66 * 16] = "";

		for (int i = 0; i < 64; i++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.1.0.%d\n",
				 i + 1);
		put("wins.conf", many);
		assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
		assert_int_equal(e.nwins, 64);
		assert_string_equal(e.wins_error, "");
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.1.1.1\n");
		put("wins.conf", many);
		assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
		assert_int_equal(e.nwins, 0);
		assert_non_null(strstr(e.wins_error, "more than 64 WINS servers"));
	}
	/* a resolv.conf that cannot be read leaves the DNS servers unknown, and no other kind */
	{
		char d[512];

		snprintf(d, sizeof(d), "%s/resolv.dir", dir);
		(void)mkdir(d, 0700);
		s.resolv_conf = d;
		put("wins.conf", "10.0.0.9\n");
		assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
		assert_int_equal(e.ndns, 0);
		assert_non_null(strstr(e.dns_error, "resolv.dir"));
		assert_int_equal(e.nwins, 1);
		assert_string_equal(e.wins_error, "");
		s.resolv_conf = NULL;
	}
	/* a mistake leaves the WINS servers unknown (said why), the other kinds are read */
	put("resolv.conf", "nameserver 192.0.2.53\n");
	snprintf(r, sizeof(r), "%s/resolv.conf", dir);
	s.resolv_conf = r;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put("wins.conf", bad[i].text);
		assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
		assert_int_equal(e.nwins, 0);
		assert_int_equal(e.ndns, 1);
		if (!strstr(e.wins_error, bad[i].needle) || !strstr(e.wins_error, p))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].text, e.wins_error,
				 bad[i].needle);
	}
}

static void test_missing_sources(void **state)
{
	struct ipp_hostenv_src s;
	struct ipp_hostenv e, z;
	struct ipp_error err = {0};

	(void)state;
	src_nothing(&s);
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	memset(&z, 0, sizeof(z));
	assert_true(ipp_hostenv_equal(&e, &z));
}

static void test_stub_resolver(void **state)
{
	struct ipp_hostenv_src s;
	struct ipp_hostenv e;
	struct ipp_error err = {0};
	char a[512], b[512];

	(void)state;
	put("stub.conf", "nameserver 127.0.0.53\n");
	put("upstream.conf", "nameserver 198.51.100.1\n");
	snprintf(a, sizeof(a), "%s/stub.conf", dir);
	snprintf(b, sizeof(b), "%s/upstream.conf", dir);
	ipp_hostenv_src_init(&s, NULL);
	s.resolv_conf = a;
	s.resolved_conf = b;
	s.route4 = s.route6 = "/nonexistent";
	s.lease_globs[0] = NULL;
	s.wins_conf = NULL;
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	assert_int_equal(e.ndns, 1);
	assert_addr(&e.dns[0], "198.51.100.1");
}

struct points {
	char v[16][600];
	size_t n;
};

static void collect(void *ctx, const char *d, const char *name)
{
	struct points *p = ctx;
	char real[512];

	/* directories as the kernel would watch them (links and .. resolved) */
	assert_non_null(realpath(d, real));
	assert_true(p->n < 16);
	snprintf(p->v[p->n++], sizeof(p->v[0]), "%s|%s", real, name);
}

static void assert_points(const struct points *p, const char *const *want, size_t n)
{
	char real[512], w[600];

	assert_non_null(realpath(dir, real));
	for (size_t i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%s%s", real, want[i]);
		if (i >= p->n || strcmp(p->v[i], w))
			fail_msg("point %zu: \"%s\", expected \"%s\"", i, i < p->n ? p->v[i] : "",
				 w);
	}
	if (p->n != n)
		fail_msg("%zu points, expected %zu", p->n, n);
}

/* resolv.conf as a link (relative, through a second link, to a missing place) */
static void test_watch_points(void **state)
{
	static const char *const plain[] = {"/etc|resolv.conf"};
	static const char *const chain[] = {"/etc|resolv.conf", "/run/resolvconf|resolv.conf",
					    "/run/nm|resolv.conf"};
	static const char *const missing[] = {"/etc|resolv.conf", "/run|resolved"};
	struct points p;
	char path[512], sub[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/resolv.conf", dir);
	for (const char *d = "etc\0run\0run/resolvconf\0run/nm\0"; *d; d += strlen(d) + 1) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, d);
		assert_int_equal(mkdir(sub, 0755), 0);
	}
	put("etc/resolv.conf", "nameserver 192.0.2.53\n");
	memset(&p, 0, sizeof(p));
	ipp_hostenv_watch_points(path, collect, &p);
	assert_points(&p, plain, 1);

	/* Debian resolvconf's relative link, to a link NetworkManager made */
	put("run/nm/resolv.conf", "nameserver 192.0.2.54\n");
	snprintf(sub, sizeof(sub), "%s/run/nm/resolv.conf", dir);
	snprintf(path, sizeof(path), "%s/run/resolvconf/resolv.conf", dir);
	assert_int_equal(symlink(sub, path), 0);
	snprintf(path, sizeof(path), "%s/etc/resolv.conf", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("../run/resolvconf/resolv.conf", path), 0);
	memset(&p, 0, sizeof(p));
	ipp_hostenv_watch_points(path, collect, &p);
	assert_points(&p, chain, 3);

	/* the target's directory is not there yet: where it will appear */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("../run/resolved/sub/resolv.conf", path), 0);
	memset(&p, 0, sizeof(p));
	ipp_hostenv_watch_points(path, collect, &p);
	assert_points(&p, missing, 2);

	/* a loop ends */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("resolv.conf", path), 0);
	memset(&p, 0, sizeof(p));
	ipp_hostenv_watch_points(path, collect, &p);
	assert_true(p.n >= 1 && p.n <= 16);
}

/*
 * Only leases of interfaces that exist now ("lo" does, "ippx9" not), not
 * expired, the last that counts of each interface of a file.
 */
static void test_dhcp_leases(void **state)
{
	static const char *const want[] = {"10.0.2.6", "10.0.2.5", "10.0.2.3", "10.0.2.8"};
	struct ipp_hostenv_src s;
	struct ipp_hostenv e;
	struct ipp_error err = {0};
	char p[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/leases", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	/* networkd: by interface index */
	put("leases/1", "# This is private data. Do not parse.\nADDRESS=10.0.2.15\n"
			"SERVER_ADDRESS=10.0.2.6\n");
	put("leases/999999", "SERVER_ADDRESS=10.0.2.7\n");
	/* dhclient: the interface from the file name when the lease has none */
	put("leases/dhclient-lo.leases", "lease {\n  fixed-address 10.0.2.15;\n"
					 "  option dhcp-server-identifier 10.0.2.5;\n"
					 "  expire epoch 4102444800; # 2100\n}\n");
	put("leases/dhclient.ippx9.leases", "lease {\n  interface \"ippx9\";\n"
					    "  option dhcp-server-identifier 10.9.0.72;\n"
					    "  expire never;\n}\n"
					    "lease {\n  option dhcp-server-identifier 10.9.0.73;\n"
					    "  expire never;\n}\n");
	/* the last lease of lo that has not expired; another interface's ignored */
	put("leases/dhclient.lo.leases",
	    "lease {\n  interface \"lo\";\n  option dhcp-server-identifier 10.0.2.2;\n"
	    "  option domain-name \"a{b\";\n  expire never;\n}\n"
	    "lease {\n  interface \"lo\";\n  option dhcp-server-identifier 10.0.2.3;\n"
	    "  renew 4 2099/01/01 00:00:00;\n  expire 4 2099/01/01 12:00:00;\n}\n"
	    "lease {\n  interface \"lo\";\n  option dhcp-server-identifier 10.0.2.4;\n"
	    "  expire 3 2019/01/02 03:04:05;\n}\n"
	    "lease {\n  interface \"ippx9\";\n  option dhcp-server-identifier 10.0.2.9;\n"
	    "  expire never;\n}\n");
	/* NetworkManager's internal client */
	put("leases/internal-0f3c-77aa-lo.lease", "SERVER_ADDRESS=10.0.2.8\n");
	/* an expired lease is no server, not even as the only one */
	put("leases/dhclient6.lo.leases", "lease {\n  interface \"lo\";\n"
					  "  option dhcp-server-identifier 10.0.2.10;\n"
					  "  expire 3 2019/01/02 03:04:05;\n}\n");
	src_nothing(&s);
	snprintf(p, sizeof(p), "%s/leases/*", dir);
	s.lease_globs[0] = p;
	s.lease_globs[1] = NULL;
	assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
	for (size_t i = 0; e.ndhcp != 4 && i < e.ndhcp; i++) {
		char buf[INET6_ADDRSTRLEN];

		inet_ntop(e.dhcp[i].family, e.dhcp[i].ip, buf, sizeof(buf));
		print_message("dhcp %s\n", buf);
	}
	assert_int_equal(e.ndhcp, 4);
	for (size_t i = 0; i < 4; i++)
		assert_addr(&e.dhcp[i], want[i]);
}

/*
 * A route or lease file with a line that cannot be read: its servers are
 * unknown (not fewer: a filter naming them would cover none), the message
 * names the file, the line and the token; the other kinds are still read.
 */
static void test_servers_strict(void **state)
{
	static const struct {
		const char *file, *text, *needle;
		bool dhcp;
	} bad[] = {
	    {"route",
	     "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
	     "eth0\t00000000\t0200C80AX\t0003\t0\t0\t0\t00000000\n",
	     "route:2: \"0200C80AX\" is not a hexadecimal number", false},
	    {"route", "eth0\t00000000\t0200C80A\n", "route:1: \"0200C80A\" is not a route line",
	     false},
	    {"ipv6_route",
	     "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
	     "fe80000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n",
	     "ipv6_route:1: \"fe80000000000000000000000000001\" is not a hexadecimal field", false},
	    {"dhclient.lo.leases",
	     "lease {\n  interface \"lo\";\n  option dhcp-server-identifier 10.0.2.3x;\n}\n",
	     "dhclient.lo.leases:3: \"10.0.2.3x\" is not an IPv4 or IPv6 address (option "
	     "dhcp-server-identifier)",
	     true},
	    {"dhclient.lo.leases", "SERVER_ADDRESS=server.example\n",
	     "dhclient.lo.leases:1: \"server.example\" is not an IPv4 or IPv6 address "
	     "(SERVER_ADDRESS)",
	     true},
	};
	struct ipp_hostenv_src s;
	struct ipp_hostenv e;
	struct ipp_error err = {0};
	char r4[512], r6[512], lg[512], rc[512];

	(void)state;
	snprintf(r4, sizeof(r4), "%s/route", dir);
	snprintf(r6, sizeof(r6), "%s/ipv6_route", dir);
	snprintf(lg, sizeof(lg), "%s/*.leases", dir);
	snprintf(rc, sizeof(rc), "%s/resolv.conf", dir);
	put("resolv.conf", "nameserver 192.0.2.53\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why;

		put("route", "eth0\t00000000\t0102000A\t0003\t0\t0\t100\t00000000\n");
		put("ipv6_route", "");
		put("dhclient.lo.leases",
		    "lease {\n  interface \"lo\";\n  option dhcp-server-identifier 10.0.2.2;\n}\n");
		put(bad[i].file, bad[i].text);
		src_nothing(&s);
		s.resolv_conf = rc;
		s.route4 = r4;
		s.route6 = r6;
		s.lease_globs[0] = lg;
		s.lease_globs[1] = NULL;
		assert_int_equal(ipp_hostenv_read(&s, &e, &err), 0);
		assert_int_equal(e.ndns, 1);
		why = bad[i].dhcp ? e.dhcp_error : e.gateway_error;
		if (!strstr(why, bad[i].needle) || !strstr(why, dir))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].file, why,
				 bad[i].needle);
		assert_int_equal(bad[i].dhcp ? e.ndhcp : e.ngateway, 0);
		assert_int_equal(bad[i].dhcp ? e.ngateway : e.ndhcp, 1);
		assert_string_equal(bad[i].dhcp ? e.gateway_error : e.dhcp_error, "");
	}
}

/* What the control socket's "servers" says, read back: the same facts. */
static void test_print_parse(void **state)
{
	struct ipp_hostenv e = {0}, back;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	e.ndns = 2;
	e.dns[0] = (struct ipp_addr){.kind = IPP_ADDR_IP, .family = AF_INET, .plen = 32};
	inet_pton(AF_INET, "192.0.2.53", e.dns[0].ip);
	e.dns[1] = (struct ipp_addr){.kind = IPP_ADDR_IP, .family = AF_INET6, .plen = 128};
	inet_pton(AF_INET6, "2001:db8::53", e.dns[1].ip);
	e.ngateway = 1;
	e.gateway[0] = (struct ipp_addr){.kind = IPP_ADDR_IP, .family = AF_INET, .plen = 32};
	inet_pton(AF_INET, "10.0.2.1", e.gateway[0].ip);
	snprintf(e.dhcp_error, sizeof(e.dhcp_error), "leases:3: \"x\" is not an address");
	f = open_memstream(&text, &len);
	assert_non_null(f);
	ipp_hostenv_print(&e, f);
	fclose(f);
	assert_non_null(strstr(text, "dns=192.0.2.53 2001:db8::53\nwins=\n"));
	assert_int_equal(ipp_hostenv_parse(text, &back), 0);
	assert_true(ipp_hostenv_equal(&e, &back));
	free(text);
	assert_int_equal(ipp_hostenv_parse("dns=192.0.2.300\n", &back), -EINVAL);
	assert_int_equal(ipp_hostenv_parse("printers=192.0.2.1\n", &back), -EINVAL);
	/* the longest lists (64 IPv6 addresses of each kind) read back whole */
	memset(&e, 0, sizeof(e));
	for (size_t i = 0; i < IPP_MAX_SERVERS; i++) {
		char a[64];

		snprintf(a, sizeof(a), "fd00:1111:2222:3333:4444:5555:6666:%zx", i + 1);
		e.dns[i] = (struct ipp_addr){.kind = IPP_ADDR_IP, .family = AF_INET6, .plen = 128};
		inet_pton(AF_INET6, a, e.dns[i].ip);
		e.gateway[i] = e.dns[i];
	}
	e.ndns = e.ngateway = IPP_MAX_SERVERS;
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	ipp_hostenv_print(&e, f);
	fclose(f);
	assert_int_equal(ipp_hostenv_parse(text, &back), 0);
	assert_int_equal(back.ndns, IPP_MAX_SERVERS);
	assert_true(ipp_hostenv_equal(&e, &back));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_all),	  cmocka_unit_test(test_resolv_as_libc),
	    cmocka_unit_test(test_wins_strict),	  cmocka_unit_test(test_missing_sources),
	    cmocka_unit_test(test_stub_resolver), cmocka_unit_test(test_watch_points),
	    cmocka_unit_test(test_dhcp_leases),	  cmocka_unit_test(test_servers_strict),
	    cmocka_unit_test(test_print_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
