/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_whatif.c - `whatif` and the lock-out check over a real store: a
 * policy written with the store API into a scratch database, the effective
 * policy as it is and as if the policy were assigned, server-type
 * addresses from the host facts, the explanation text, a capture, errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "fixture.h"
#include "frames.h"

static char dir[64];
static struct ipp_paths paths;
static struct ipp_db *db;

static int64_t add_action(const char *name, enum ipp_action act)
{
	struct ipp_filteraction fa;
	int64_t id;

	ipp_filteraction_init(&fa);
	snprintf(fa.name, sizeof(fa.name), "%s", name);
	fa.action = act;
	assert_int_equal(ipp_db_filteraction_add(db, IPP_STORE_LOCAL, &fa, NULL), 0);
	id = fa.id;
	ipp_filteraction_clear(&fa);
	return id;
}

static void add_rule(int64_t policy, const char *name, int64_t action, struct ipp_filter *f,
		     size_t n)
{
	struct ipp_filterlist l;
	struct ipp_rule r;
	size_t i;

	ipp_filterlist_init(&l);
	snprintf(l.name, sizeof(l.name), "%s list", name);
	assert_int_equal(ipp_db_filterlist_add(db, IPP_STORE_LOCAL, &l, NULL), 0);
	for (i = 0; i < n; i++) {
		struct ipp_error err = {0};

		if (ipp_db_filter_add(db, l.id, &f[i], &err) < 0)
			fail_msg("adding a filter to \"%s\": %s", l.name, err.msg);
	}
	ipp_rule_init(&r);
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.policy_id = policy;
	r.filterlist_id = l.id;
	r.filteraction_id = action;
	{
		struct ipp_error err = {0};

		if (ipp_db_rule_add(db, &r, &err) < 0)
			fail_msg("adding rule \"%s\": %s", name, err.msg);
	}
	ipp_rule_clear(&r);
	ipp_filterlist_clear(&l);
}

static struct ipp_filter F(struct ipp_addr src, struct ipp_addr dst, uint8_t proto,
			   uint16_t sport, uint16_t dport)
{
	struct ipp_filter f;

	ipp_filter_init(&f);
	f.src = src;
	f.dst = dst;
	f.protocol = proto;
	f.srcport = sport;
	f.dstport = dport;
	return f;
}

static int setup(void **state)
{
	struct ipp_policy p;
	struct ipp_addr dns = {.kind = IPP_ADDR_DNS};
	char resolv[128];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/ipp-whatif-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ipp_paths_init(dir, &paths, NULL), 0);
	assert_int_equal(ipp_paths_mkdirs(&paths, NULL), 0);
	/* the host's DNS server, as ipsecpold would read it */
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir);
	f = fopen(resolv, "w");
	assert_non_null(f);
	fprintf(f, "nameserver 10.9.9.53\n");
	fclose(f);
	setenv("IPSECPOL_RESOLV_CONF", resolv, 1);
	setenv("IPSECPOL_ROUTE4", "/dev/null", 1);
	setenv("IPSECPOL_ROUTE6", "/dev/null", 1);
	setenv("IPSECPOL_DHCP_LEASES", "/nonexistent/*", 1);

	assert_int_equal(ipp_db_open(paths.db, 0, &db, NULL), 0);
	int64_t block = add_action("Block", IPP_ACTION_BLOCK);
	int64_t permit = add_action("Permit", IPP_ACTION_PERMIT);
	ipp_policy_init(&p);
	snprintf(p.name, sizeof(p.name), "Srv");
	assert_int_equal(ipp_db_policy_add(db, IPP_STORE_LOCAL, &p, NULL), 0);

	struct ipp_filter all[] = {F(A_ANY(), A_ME(), 0, 0, 0)};
	struct ipp_filter rdp[] = {F(A("10.0.0.5"), A_ME(), IPPROTO_TCP, 0, 3389)};
	struct ipp_filter ssh[] = {F(A("10.0.0.0/8"), A_ME(), IPPROTO_TCP, 0, 22)};
	struct ipp_filter dnsf[] = {F(A_ME(), dns, IPPROTO_UDP, 0, 53)};
	add_rule(p.id, "Block all", block, all, 1);
	add_rule(p.id, "RDP", permit, rdp, 1);
	add_rule(p.id, "SSH", permit, ssh, 1);
	add_rule(p.id, "DNS", permit, dnsf, 1);
	ipp_policy_clear(&p);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	ipp_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Run whatif with "tag=value" words; its output in *out (free it). */
static int whatif(char **out, struct ipp_error *err, ...)
{
	struct ipp_whatif w = {0};
	const char *word;
	size_t len = 0;
	va_list ap;
	FILE *m;
	int r = 0;

	*out = NULL;
	va_start(ap, err);
	while (r == 0 && (word = va_arg(ap, const char *))) {
		char tag[64];
		const char *eq = strchr(word, '=');

		assert_non_null(eq);
		snprintf(tag, sizeof(tag), "%.*s", (int)(eq - word), word);
		r = ipp_whatif_set(&w, tag, eq + 1, err);
	}
	va_end(ap);
	m = open_memstream(out, &len);
	assert_non_null(m);
	if (r == 0)
		r = ipp_whatif_run(&w, db, IPP_STORE_LOCAL, &paths, m, err);
	fclose(m);
	ipp_whatif_clear(&w);
	return r;
}

static void has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("output lacks \"%s\":\n%s", want, text);
}

static void test_not_assigned(void **state)
{
	char *out;

	assert_int_equal(whatif(&out, NULL, "srcaddr=10.0.0.6", "dstaddr=me", "protocol=tcp",
				"dstport=3389", "me=10.0.0.1", "me=only", NULL),
			 0);
	has(out, "Packet:      inbound TCP 10.0.0.6:0 -> 10.0.0.1:3389 (source port not given: 0, "
		 "which only filters of any source port match)");
	has(out, "Policy:      as assigned now");
	has(out, "Verdict:     no filter matched: permitted");
	free(out);
}

static void test_as_if_assigned(void **state)
{
	char *out;

	assert_int_equal(whatif(&out, NULL, "src=10.0.0.5", "dst=me", "proto=tcp", "dstport=3389",
				"me=10.0.0.1", "me=only", "policy=srv", NULL),
			 0);
	has(out, "Policy:      as if \"srv\" were assigned");
	has(out, "Verdict:     permit: permitted");
	has(out, "Rule:        rule \"RDP\" of policy \"Srv\" (local store), filter action "
		 "\"Permit\" (permit)");
	has(out, "Filter:      filter 1 of list \"RDP list\": 10.0.0.5 -> me TCP srcport any "
		 "dstport 3389");
	has(out, "Weight:      0x00400101 (addresses 32+32, protocol, dstport)");
	has(out, "Runner-up:   rule \"Block all\" of policy \"Srv\" (local store) (block)");
	has(out, "Why:         higher weight (0x00400101 > 0x00200000)");
	free(out);

	/* dir=in: the destination is this host's, whatever addresses me= gave */
	assert_int_equal(whatif(&out, NULL, "src=10.0.0.7", "dst=10.0.0.9", "proto=tcp",
				"dstport=80", "me=10.0.0.1", "me=only", "dir=in", "policy=srv",
				NULL),
			 0);
	has(out, "Packet:      inbound TCP 10.0.0.7:0 -> 10.0.0.9:80");
	has(out, "Rule:        rule \"Block all\" of policy \"Srv\"");
	free(out);

	/* but to a broadcast or multicast address: received, not the host's, so "any -> me"
	 * does not match it (as the kernel's fib type != { broadcast, multicast } does not) */
	static const char *const groups[] = {"255.255.255.255", "224.0.0.5", NULL};
	for (const char *const *g = groups; *g; g++) {
		char dst[64];

		snprintf(dst, sizeof(dst), "dst=%s", *g);
		assert_int_equal(whatif(&out, NULL, "src=10.0.0.7", dst, "proto=udp",
					"dstport=9600", "me=10.0.0.1", "me=only", "dir=in",
					"policy=srv", NULL),
				 0);
		has(out, "Verdict:     no filter matched: permitted");
		has(out, "Note:        the destination is a broadcast or multicast address");
		free(out);
	}
	assert_int_equal(whatif(&out, NULL, "src=fe80::7", "dst=ff02::1", "proto=udp",
				"dstport=9600", "me=fe80::1", "me=only", "dir=in", "policy=srv",
				NULL),
			 0);
	has(out, "Verdict:     no filter matched: permitted");
	free(out);
	/* to a group address without dir=: inbound, as a capture's packet is taken */
	assert_int_equal(whatif(&out, NULL, "src=10.0.0.7", "dst=224.0.0.5", "proto=udp",
				"dstport=9600", "me=10.0.0.1", "me=only", "policy=srv", NULL),
			 0);
	has(out, "Packet:      inbound UDP 10.0.0.7:0 -> 224.0.0.5:9600");
	has(out, "Note:        the destination is a broadcast or multicast address");
	free(out);

	/* from this host's address to itself: over the loopback interface, said so */
	assert_int_equal(whatif(&out, NULL, "src=10.0.0.1", "dst=10.0.0.1", "proto=udp",
				"dstport=9600", "me=10.0.0.1", "me=only", "dir=in", "policy=srv",
				NULL),
			 0);
	has(out, "Verdict:     exempt: loopback traffic is never filtered");
	has(out, "Note:        between two of this host's addresses a packet goes over the "
		 "loopback interface");
	free(out);
	/* an IPv4-mapped address with an IPv6 one: the IPv6 packet, dropped */
	assert_int_equal(whatif(&out, NULL, "src=::ffff:10.0.0.5", "dst=fd00::1", "proto=tcp",
				"dstport=3389", "me=fd00::1", "me=only", "dir=in", "policy=srv",
				NULL),
			 0);
	has(out, "Verdict:     dropped: an IPv4-mapped address (::ffff:0:0/96) is never on the "
		 "wire");
	free(out);

	/* another host: blocked; the answer from this host leaves through the mirror */
	assert_int_equal(whatif(&out, NULL, "src=10.0.0.6", "dst=me", "proto=tcp", "dstport=3389",
				"me=10.0.0.1", "me=only", "policy=Srv", NULL),
			 0);
	has(out, "Verdict:     block: dropped");
	has(out, "Why:         the only matching filter");
	free(out);
	assert_int_equal(whatif(&out, NULL, "src=me", "dst=10.0.0.5", "proto=tcp", "srcport=3389",
				"dstport=50000", "me=10.0.0.1", "me=only", "policy=Srv", NULL),
			 0);
	has(out, "Packet:      outbound TCP 10.0.0.1:3389 -> 10.0.0.5:50000\n");
	has(out, "(mirror image): me -> 10.0.0.5 TCP srcport 3389 dstport any");
	free(out);

	/* the DNS server of the host facts: me -> DNS expanded to 10.9.9.53 */
	assert_int_equal(whatif(&out, NULL, "src=me", "dst=10.9.9.53", "proto=udp", "dstport=53",
				"me=10.0.0.1", "me=only", "policy=Srv", NULL),
			 0);
	has(out, "Verdict:     permit: permitted");
	has(out, "rule \"DNS\"");
	free(out);
	assert_int_equal(whatif(&out, NULL, "src=me", "dst=10.9.9.54", "proto=udp", "dstport=53",
				"me=10.0.0.1", "me=only", "policy=Srv", NULL),
			 0);
	has(out, "Verdict:     block: dropped");
	free(out);

	/* IPv6: "me" takes the family of the other side */
	assert_int_equal(whatif(&out, NULL, "src=fd00::9", "dst=me", "proto=icmpv6", "me=10.0.0.1",
				"me=fd00::1", "me=only", "policy=Srv", "level=verbose", NULL),
			 0);
	has(out, "Packet:      inbound ICMPv6 fd00::9 -> fd00::1");
	has(out, "Verdict:     block: dropped");
	free(out);

	/* through an SA, and a negotiate-free policy: still the filters' verdict */
	assert_int_equal(whatif(&out, NULL, "src=10.0.0.6", "dst=10.0.0.1", "proto=udp",
				"dstport=500", "me=10.0.0.1", "me=only", "policy=Srv", NULL),
			 0);
	has(out, "Verdict:     exempt: IKE (UDP to port 500/4500 inbound, from it outbound) is "
		 "never filtered");
	free(out);
}

static void test_errors(void **state)
{
	struct ipp_error err = {0};
	char *out;

	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "dst=me", "proto=tcp", "me=10.0.0.1",
				"me=only", "policy=Nope", NULL),
			 -ENOENT);
	has(err.msg, "policy \"Nope\" is not in the local store");
	free(out);
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "proto=tcp", "me=only", NULL), -EINVAL);
	has(err.msg, "src= and dst= are required");
	free(out);
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "dst=me", "me=10.0.0.1", "me=only",
				NULL),
			 -EINVAL);
	has(err.msg, "proto= is required");
	free(out);
	/* a bad address is named before what is missing */
	assert_int_equal(whatif(&out, &err, "src=10.0.0", "dst=me", "me=10.0.0.1", "me=only", NULL),
			 -EINVAL);
	has(err.msg, "\"src=10.0.0\": expected me, an IPv4 or IPv6 address, dns, wins, dhcp, "
		     "gateway or a host name");
	free(out);
	/* the host's servers as filters name them, and host names */
	assert_int_equal(whatif(&out, &err, "src=me", "dst=DNS", "proto=udp", "dstport=53",
				"me=10.0.0.1", "me=only", NULL),
			 0);
	has(out, "Packet:      outbound UDP 10.0.0.1:0 -> 10.9.9.53:53");
	free(out);
	assert_int_equal(whatif(&out, &err, "src=me", "dst=gateway", "proto=udp", "me=10.0.0.1",
				"me=only", NULL),
			 -ENOENT);
	has(err.msg, "\"dst=gateway\": this host has no gateway known now");
	free(out);
	assert_int_equal(whatif(&out, &err, "src=localhost", "dst=me", "proto=tcp", "dstport=22",
				"me=10.0.0.1", "me=only", NULL),
			 0);
	has(out, "Packet:      inbound TCP 127.0.0.1:0 -> 10.0.0.1:22");
	free(out);
	assert_int_equal(
	    whatif(&out, &err, "src=me", "dst=Any", "proto=udp", "me=10.0.0.1", "me=only", NULL),
	    -EINVAL);
	has(err.msg, "\"dst=Any\": a packet has one address");
	free(out);
	assert_int_equal(whatif(&out, &err, "src=no-such-host.invalid", "dst=me", "proto=tcp",
				"me=10.0.0.1", "me=only", NULL),
			 -ENOENT);
	has(err.msg, "\"src=no-such-host.invalid\": expected me, an IPv4 or IPv6 address");
	has(err.msg, "it does not resolve");
	free(out);
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "dst=me", "proto=icmp", "dstport=80",
				"me=10.0.0.1", "me=only", NULL),
			 -EINVAL);
	has(err.msg, "\"dstport=80\": ports need proto=tcp or proto=udp");
	free(out);
	/* port 0 is any port: it goes with every protocol */
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "dst=me", "proto=icmp", "srcport=0",
				"me=10.0.0.1", "me=only", NULL),
			 0);
	free(out);
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "dst=me", "proto=tcp", "me=only",
				NULL),
			 -ENOENT);
	has(err.msg, "\"dst=me\": this host has no IPv4 address; give one with me=ADDR");
	free(out);
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "dst=fd00::1", "proto=tcp",
				"me=fd00::1", "me=only", NULL),
			 -EINVAL);
	has(err.msg, "different address families");
	free(out);
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "dst=10.0.0.7", "proto=tcp",
				"me=10.0.0.1", "me=only", NULL),
			 -EINVAL);
	has(err.msg, "neither \"src=10.0.0.6\" nor \"dst=10.0.0.7\" is an address of this host");
	free(out);
	/* dir= says it anyway */
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "dst=10.0.0.7", "proto=tcp",
				"me=10.0.0.1", "me=only", "dir=in", NULL),
			 0);
	has(out, "Packet:      inbound TCP");
	free(out);
	/* me= in the IPv4-mapped form is the IPv4 address, as src= and dst= take it */
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "dst=10.0.0.7", "proto=tcp",
				"me=::ffff:10.0.0.7", "me=only", NULL),
			 0);
	has(out, "Packet:      inbound TCP 10.0.0.6:0 -> 10.0.0.7:");
	free(out);
	assert_int_equal(whatif(&out, &err, "src=10.0.0.6", "pcap=/x.pcap", "me=only", NULL),
			 -EINVAL);
	has(err.msg, "\"pcap=/x.pcap\" runs a capture");
	free(out);
	/* a capture's packets have their own directions */
	assert_int_equal(whatif(&out, &err, "pcap=/x.pcap", "dir=out", "me=only", NULL), -EINVAL);
	has(err.msg, "direction= is for one packet");
	free(out);
	/* and are taken as captured: ipsec= and conntype= are one packet's too */
	assert_int_equal(whatif(&out, &err, "pcap=/x.pcap", "ipsec=yes", "me=only", NULL), -EINVAL);
	has(err.msg, "ipsec=yes is for one packet");
	free(out);
	assert_int_equal(whatif(&out, &err, "pcap=/x.pcap", "conntype=dialup", "me=only", NULL),
			 -EINVAL);
	has(err.msg, "conntype=dialup is for one packet");
	free(out);
	/* (what a capture's packets are anyway is no contradiction) */
	assert_int_equal(
	    whatif(&out, &err, "pcap=/x.pcap", "ipsec=no", "conntype=lan", "me=only", NULL),
	    -ENOENT);
	has(err.msg, "/x.pcap");
	free(out);
}

static void test_pcap(void **state)
{
	char path[128], arg[160], *out;
	struct pcap_pkthdr h = {0};
	pcap_dumper_t *d;
	pcap_t *dead;
	uint8_t f[256];
	size_t n;

	snprintf(path, sizeof(path), "%s/c.pcap", dir);
	dead = pcap_open_dead(DLT_RAW, 65535);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	n = ip4(f, "10.0.0.5", "10.0.0.1", 6, 40000, 3389, 0, 0, 0);
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)d, &h, f);
	n = ip4(f, "10.0.0.7", "10.0.0.1", 6, 40000, 22, 0, 0, 0);
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)d, &h, f);
	pcap_dump((u_char *)d, &h, f);
	n = ip4(f, "10.0.0.7", "10.0.0.1", 17, 1, 2, 0, 0, 0);
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)d, &h, f);
	pcap_dump_close(d);
	pcap_close(dead);

	snprintf(arg, sizeof(arg), "pcap=%s", path);
	assert_int_equal(whatif(&out, NULL, arg, "me=10.0.0.1", "me=only", "policy=Srv", NULL), 0);
	has(out, "Policy: as if \"Srv\" were assigned");
	has(out, "Packets:     4 read, 4 classified (4 inbound, 0 outbound)");
	has(out, "rule \"RDP\" of policy \"Srv\"");
	has(out, "rule \"SSH\" of policy \"Srv\"");
	has(out, "rule \"Block all\" of policy \"Srv\"");
	free(out);

	/* a file whose first record is cut: nothing was read, and the message says so */
	assert_int_equal(truncate(path, 24 + 10), 0);
	{
		struct ipp_error err = {0};
		char want[256];

		assert_int_equal(whatif(&out, &err, arg, "me=10.0.0.1", "me=only", NULL), -EBADMSG);
		snprintf(want, sizeof(want),
			 "\"pcap=%s\": reading stopped at the first packet: ", path);
		has(err.msg, want);
		has(out, "Packets:     0 read");
		free(out);
	}
}

static void test_lockout_assign(void **state)
{
	struct ipp_lockout l;
	struct ipp_error err = {0};

	unsetenv("SSH_CONNECTION");
	assert_int_equal(ipp_lockout_check_assign(db, IPP_STORE_LOCAL, "Srv", &paths, &l, &err), 0);
	assert_false(l.applicable);

	/* SSH from 10.x: the SSH rule keeps the session */
	setenv("SSH_CONNECTION", "10.1.2.3 50000 10.0.0.1 22", 1);
	assert_int_equal(ipp_lockout_check_assign(db, IPP_STORE_LOCAL, "Srv", &paths, &l, &err), 0);
	assert_true(l.applicable);
	assert_false(l.blocked);

	/* from elsewhere, the any<->me block cuts it */
	setenv("SSH_CONNECTION", "192.168.5.5 50000 10.0.0.1 22", 1);
	assert_int_equal(ipp_lockout_check_assign(db, IPP_STORE_LOCAL, "Srv", &paths, &l, &err), 0);
	assert_true(l.blocked);
	has(l.msg, "rule \"Block all\" of policy \"Srv\"");

	/* as things stand (nothing assigned) nothing is blocked */
	assert_int_equal(ipp_lockout_check_assign(db, IPP_STORE_LOCAL, NULL, &paths, &l, &err), 0);
	assert_false(l.blocked);

	assert_int_equal(ipp_lockout_check_assign(db, IPP_STORE_LOCAL, "Nope", &paths, &l, &err),
			 -ENOENT);
	unsetenv("SSH_CONNECTION");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_assigned), cmocka_unit_test(test_as_if_assigned),
		cmocka_unit_test(test_errors),       cmocka_unit_test(test_pcap),
		cmocka_unit_test(test_lockout_assign),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
