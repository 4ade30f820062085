/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * difftest.c - the differential test: the reference matcher against what
 * the kernel does with the same packets, sent for real.
 *
 *   ipp-difftest --host-ns H --peer-ns P --peer-if IF --root DIR --bindir BIN
 *                [--seed N] [--policies N] [--filters N] [--rules N] [--cases N]
 *                [--naive | --agent]
 *
 * For each of --policies random policies (seeded; the seed is printed, and
 * --seed replays a run): write it to the stores under --root, apply it in
 * namespace H with `ipsecpold --root DIR --once` (or, with --naive, the
 * test's own one-rule-per-filter ruleset), send --cases random packets
 * through H (inbound from P, outbound to P) and compare, packet by packet,
 * delivery with the matcher's verdict over the test's own expansion of the
 * policy.  The same verdicts over ipp_effective_build()'s expansion of the
 * stores are compared too.  A mismatch is retried, then shrunk (filters
 * dropped while it persists) and printed as a netsh script with the packet
 * and the ruleset in force; the exit status is then 1.
 *
 * With --agent, the policy agent running in H on the stores under --root
 * (started by the caller) puts each policy in force, and after the cases a
 * quarter of the filters, chosen at random, is deleted from their lists
 * and then added back, then single filters, then a rule's filter action is
 * changed and changed back, one transaction of the stores each (as
 * `delete filter`, `add filter`, `set rule` do): the agent changes the
 * kernel's table, with the flow cache warm from the cases before, and the
 * cases are checked again, twice, after each change.  In policies of up to
 * --count-filters filters (0: none) each filter's packet count (`dynamic
 * show qmfilter`) must also grow by the packets the matcher says it decided;
 * across a change of a rule's action, which keeps every filter, from the
 * count before the change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "classify/classify.h"
#include "common/paths.h"
#include "compile/compile.h"
#include "compile/effective.h"
#include "naive.h"
#include "policy.h"
#include "store/store.h"
#include "wire.h"

/* Packets per specific filter, by its name in `dynamic show qmfilter` ("L3 (filter 2)"). */
struct count {
	char name[64];
	unsigned long long packets;
};

struct counts {
	struct count *v;
	size_t n, cap;
};

struct ctx {
	const char *host_ns, *peer_ns, *peer_if, *root, *bindir;
	bool naive, agent;
	struct wire *w;
	struct ipp_localaddrs me;
	unsigned long applies, cases;
	/* agent mode: how the changes went in (the agent's last_change) */
	unsigned long in_place, elementwise, unchanged, whole;
	/* agent mode: the filters' counts are checked in policies of at most this many filters */
	size_t count_filters;
	unsigned long count_checks;
	/* the filters that lost an element to another filter in the change being checked
	 * (count_lost()): they may lose its count */
	struct counts *lost;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run(const char *cmd, bool show)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (show)
			fprintf(stderr, "difftest: \"%s\" failed (status %d)\n", cmd, st);
		return -1;
	}
	return 0;
}

/* ---------- the running agent ---------- */

/* The agent's "status" over its control socket into @buf; 0 or -1. */
static int agent_status(struct ctx *c, char *buf, size_t size)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ipp_error err = {0};
	struct ipp_paths paths;
	size_t len = 0;
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if (ipp_paths_init(c->root, &paths, &err) < 0 ||
	    strlen(paths.ctl_socket) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, paths.ctl_socket, strlen(paths.ctl_socket) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write(fd, "status\n", 7) != 7) {
		close(fd);
		return -1;
	}
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\nOK\n") || strstr(buf, "ERR "))
			break;
	}
	close(fd);
	buf[len] = '\0';
	return strstr(buf, "\nOK\n") ? 0 : -1;
}

static int store_generation(struct ctx *c, uint64_t *gen)
{
	struct ipp_error err = {0};
	struct ipp_paths paths;
	struct ipp_db *db = NULL;
	int r;

	if ((r = ipp_paths_init(c->root, &paths, &err)) >= 0 &&
	    (r = ipp_db_open(paths.db, 0, &db, &err)) >= 0)
		r = ipp_db_generation(db, gen, &err);
	ipp_db_close(db);
	if (r < 0)
		fprintf(stderr, "difftest: reading the stores' generation: %s\n", err.msg);
	return r < 0 ? -1 : 0;
}

/*
 * Wait until the agent has put the stores' present generation in force
 * (status: mode=secure and generation=N), at most 30 s.
 */
static int agent_wait(struct ctx *c, char *last, size_t lastlen)
{
	char st[4096], want[64];
	uint64_t gen;
	double t0 = now();

	if (store_generation(c, &gen) < 0)
		return -1;
	snprintf(want, sizeof(want), "\ngeneration=%" PRIu64 "\n", gen);
	do {
		if (agent_status(c, st, sizeof(st)) == 0 && strncmp(st, "mode=secure\n", 12) == 0 &&
		    strstr(st, want)) {
			const char *l = strstr(st, "\nlast_change=");

			if (last && lastlen)
				snprintf(last, lastlen, "%.*s", l ? (int)strcspn(l + 13, "\n") : 0,
					 l ? l + 13 : "");
			return 0;
		}
		usleep(20000);
	} while (now() - t0 < 30);
	fprintf(stderr,
		"difftest: the agent did not put generation %" PRIu64
		" of the stores in force within 30 s; its status:\n%s\n",
		gen, st[0] ? st : "(no answer on its control socket)");
	return -1;
}

/* Put @p (filters with keep[i]) in force in the host namespace. */
static int apply(struct ctx *c, struct dpolicy *p, const bool *keep)
{
	char cmd[8192], path[4096];
	int r;

	c->applies++;
	if (dpolicy_store(p, keep, c->root) < 0)
		return -1;
	if (c->naive) {
		struct ipp_effective eff;
		FILE *f;

		snprintf(path, sizeof(path), "%s/naive.nft", c->root);
		f = fopen(path, "w");
		if (!f || dpolicy_effective(p, keep, &eff) < 0) {
			if (f)
				fclose(f);
			return -1;
		}
		r = naive_ruleset(&eff, f);
		dpolicy_eff_free(&eff);
		if (fclose(f) != 0 || r < 0)
			return -1;
		snprintf(cmd, sizeof(cmd), "ip netns exec %s nft -f %s", c->host_ns, path);
		return run(cmd, true);
	}
	if (c->agent)
		return agent_wait(c, NULL, 0);
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s %s/ipsecpold --root %s --once >%s/apply.log 2>&1 || "
		 "{ cat %s/apply.log >&2; exit 1; }",
		 c->host_ns, c->bindir, c->root, c->root, c->root);
	return run(cmd, true);
}

static void show_ruleset(struct ctx *c, FILE *out)
{
	char cmd[512];

	fflush(out);
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s nft list table inet ipsecpol | sed 's/^/    /'", c->host_ns);
	if (system(cmd) != 0)
		fprintf(out, "    (cannot list table inet ipsecpol)\n");
}

/* ---------- cases ---------- */

static const uint16_t case_ports[] = {7, 53, 80, 443, 1000, 3389, 8080, 40000};

static uint16_t random_port(struct rng *r)
{
	uint16_t p;

	if (rng_below(r, 2))
		return case_ports[rng_below(r, sizeof(case_ports) / sizeof(case_ports[0]))];
	do
		p = (uint16_t)(1024 + rng_below(r, 64000));
	while (p == 4500);
	return p;
}

static void random_case(const struct dpolicy *p, struct rng *r, struct ipp_packet *pkt)
{
	int fam = rng_below(r, 10) < 7 ? AF_INET : AF_INET6;
	uint8_t local[16] = {0}, remote[16] = {0};
	uint32_t x = rng_below(r, 100);

	memset(pkt, 0, sizeof(*pkt));
	pkt->family = (uint8_t)fam;
	pkt->dir = rng_below(r, 2) ? IPP_DIR_IN : IPP_DIR_OUT;
	inet_pton(fam, fam == AF_INET ? host4[rng_below(r, 3)] : host6[rng_below(r, 3)], local);
	dpolicy_remote(p, r, fam, remote);
	memcpy(pkt->dir == IPP_DIR_IN ? pkt->src : pkt->dst, remote, 16);
	memcpy(pkt->dir == IPP_DIR_IN ? pkt->dst : pkt->src, local, 16);
	pkt->proto = x < 35   ? IPPROTO_TCP
		     : x < 70 ? IPPROTO_UDP
		     : x < 85 ? (fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6)
		     : x < 93 ? 253
			      : 254;
	if (pkt->proto == IPPROTO_TCP || pkt->proto == IPPROTO_UDP) {
		pkt->sport = random_port(r);
		pkt->dport = random_port(r);
	}
	if (rng_below(r, 50) == 0) { /* the IKE ports: exempt to them inbound, from them outbound */
		pkt->proto = IPPROTO_UDP;
		if (rng_below(r, 2))
			pkt->sport = rng_below(r, 2) ? 500 : 4500;
		else
			pkt->dport = rng_below(r, 2) ? 500 : 4500;
	}
	pkt->icmp_type = pkt->proto == IPPROTO_ICMP ? 8 : pkt->proto == IPPROTO_ICMPV6 ? 128 : 0;
	pkt->hoplimit = 64;
}

/* ---------- one case, explained ---------- */

static void explain(const struct ipp_effective *eff, const struct ipp_packet *pkt,
		    const struct ipp_localaddrs *me, FILE *out)
{
	struct ipp_verdict v;
	char buf[640];
	size_t i;

	if (ipp_classify(eff, pkt, me, &v) < 0)
		return;
	fprintf(out, "  matcher: %s\n", v.text);
	for (i = 0; i < v.ncand; i++) {
		const struct ipp_sfilter *f = &eff->sf[v.cand[i].sf];
		char rn[600];

		ipp_eff_rule_format(eff, f->rule, rn, sizeof(rn));
		ipp_eff_filter_format(eff, f, buf, sizeof(buf));
		fprintf(out, "    %s weight 0x%08x %s: %s, %s\n", i == 0 ? "winner " : "matches",
			v.cand[i].weight,
			f->action == IPP_ACTION_PERMIT	? "permit"
			: f->action == IPP_ACTION_BLOCK ? "block"
							: "negotiate",
			rn, buf);
	}
	ipp_verdict_clear(&v);
}

/* How the matcher reached its verdicts: the coverage of a run. */
struct decided {
	size_t none, exempt, single, weight, action, later;
};

static void tally(const struct ipp_effective *eff, const struct ipp_packet *pkt,
		  const struct ipp_localaddrs *me, struct decided *d)
{
	struct ipp_verdict v;

	if (ipp_classify(eff, pkt, me, &v) < 0)
		return;
	if (v.kind == IPP_VERDICT_NONE)
		d->none++;
	else if (v.sf == IPP_NO_FILTER)
		d->exempt++;
	else if (v.ncand == 1)
		d->single++;
	else if (v.cand[0].weight != v.cand[1].weight)
		d->weight++;
	else if (eff->sf[v.cand[0].sf].action != eff->sf[v.cand[1].sf].action)
		d->action++;
	else
		d->later++;
	ipp_verdict_clear(&v);
}

static bool expected(const struct ipp_effective *eff, const struct ipp_packet *pkt,
		     const struct ipp_localaddrs *me)
{
	struct ipp_verdict v;

	if (ipp_classify_ex(eff, pkt, me, IPP_CLASSIFY_NO_CANDIDATES, &v) < 0)
		return false;
	return v.accepted;
}

/* Send @pkt alone @tries times; true when it arrived every time, false when never, else -1. */
static int delivered_alone(struct ctx *c, const struct ipp_packet *pkt, int tries)
{
	int i, got = 0;

	for (i = 0; i < tries; i++) {
		bool d = false;

		if (wire_round(c->w, pkt, 1, &d) < 0)
			return -2;
		got += d;
	}
	return got == tries ? 1 : got == 0 ? 0 : -1;
}

/* ---------- shrinking ---------- */

/* Does the mismatch on @pkt persist with only the filters in @keep?  1 yes, 0 no, <0 error. */
static int still_fails(struct ctx *c, struct dpolicy *p, const bool *keep,
		       const struct ipp_packet *pkt)
{
	struct ipp_effective eff;
	bool want;
	int got;

	if (apply(c, p, keep) < 0)
		return -1;
	if (dpolicy_effective(p, keep, &eff) < 0)
		return -1;
	want = expected(&eff, pkt, &c->me);
	dpolicy_eff_free(&eff);
	got = delivered_alone(c, pkt, 2);
	if (got == -2)
		return -1;
	return got >= 0 && (bool)got != want;
}

/* ddmin over the filters: drop chunks, then single filters, while the mismatch persists. */
static int shrink(struct ctx *c, struct dpolicy *p, bool *keep, const struct ipp_packet *pkt)
{
	size_t *idx = calloc(p->nf + 1, sizeof(*idx)), n = 0, chunks = 2, i, j;
	bool *trial = calloc(p->nf + 1, sizeof(*trial));
	int r = 0;

	if (!idx || !trial) {
		free(idx);
		free(trial);
		return -1;
	}
	for (i = 0; i < p->nf; i++)
		if (keep[i])
			idx[n++] = i;
	while (n >= 2) {
		size_t size = (n + chunks - 1) / chunks;
		bool reduced = false;

		for (i = 0; i < n && !reduced; i += size) {
			memcpy(trial, keep, p->nf * sizeof(*trial));
			for (j = i; j < i + size && j < n; j++)
				trial[idx[j]] = false;
			r = still_fails(c, p, trial, pkt);
			if (r < 0)
				goto out;
			if (r == 1) {
				size_t k = 0;

				memcpy(keep, trial, p->nf * sizeof(*keep));
				for (j = 0; j < n; j++)
					if (keep[idx[j]])
						idx[k++] = idx[j];
				n = k;
				chunks = chunks > 2 ? chunks - 1 : 2;
				reduced = true;
			}
		}
		if (!reduced) {
			if (chunks >= n)
				break;
			chunks = chunks * 2 < n ? chunks * 2 : n;
		}
	}
	/* the last one may be superfluous too: an empty policy can still differ */
	if (n == 1) {
		memcpy(trial, keep, p->nf * sizeof(*trial));
		trial[idx[0]] = false;
		r = still_fails(c, p, trial, pkt);
		if (r == 1)
			memcpy(keep, trial, p->nf * sizeof(*keep));
	}
	r = r < 0 ? r : 0;
out:
	free(idx);
	free(trial);
	return r;
}

static void report(struct ctx *c, const struct dpolicy *p, const bool *keep,
		   const struct ipp_packet *pkt, bool want, bool got)
{
	struct ipp_effective eff;
	char txt[200];
	size_t i, n = 0;

	for (i = 0; i < p->nf; i++)
		n += keep[i];
	ipp_packet_format(pkt, txt, sizeof(txt));
	printf("MISMATCH: %s %s\n", ipp_dir_name(pkt->dir), txt);
	printf("  kernel:  %s\n", got ? "delivered" : "dropped");
	if (dpolicy_effective(p, keep, &eff) == 0) {
		explain(&eff, pkt, &c->me, stdout);
		dpolicy_eff_free(&eff);
	}
	printf("  expected %s by the matcher\n", want ? "delivery" : "a drop");
	printf("Minimal policy (%zu filter%s), as a netsh script:\n", n, n == 1 ? "" : "s");
	fflush(stdout);
	{
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);

		if (m) {
			dpolicy_print(p, keep, m);
			fclose(m);
			for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
				printf("    %s\n", line);
			free(text);
		}
	}
	printf("Ruleset in force (nft list table inet ipsecpol in the host namespace):\n");
	show_ruleset(c, stdout);
}

/* ---------- the cross-check of the effective policy built from the stores ---------- */

static int built_effective(struct ctx *c, struct ipp_effective **ret)
{
	struct ipp_snapshot *s[3] = {NULL, NULL, NULL};
	static const enum ipp_store_loc locs[3] = {IPP_STORE_PERSISTENT, IPP_STORE_DOMAIN,
						   IPP_STORE_LOCAL};
	struct ipp_error err = {0};
	struct ipp_paths paths;
	struct ipp_db *db = NULL;
	int r, i;

	r = ipp_paths_init(c->root, &paths, &err);
	if (r >= 0)
		r = ipp_db_open(paths.db, 0, &db, &err);
	for (i = 0; i < 3 && r >= 0; i++)
		r = ipp_db_load(db, locs[i], &s[i], &err);
	if (r >= 0)
		r = ipp_effective_build(s[0], s[1], s[2], NULL, ret, &err);
	for (i = 0; i < 3; i++)
		ipp_snapshot_free(s[i]);
	ipp_db_close(db);
	if (r < 0)
		fprintf(stderr, "difftest: building the effective policy: %s\n", err.msg);
	return r;
}

/* ---------- main ---------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: ipp-difftest --host-ns H --peer-ns P --peer-if IF --root DIR --bindir BIN\n"
		"                    [--seed N] [--policies N] [--filters N] [--rules N] "
		"[--cases N] [--naive | --agent [--count-filters N]]\n");
}

/* ---------- packet counts per filter (agent mode) ---------- */

static struct count *count_slot(struct counts *k, const char *name)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].name, name))
			return &k->v[i];
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		struct count *nv = realloc(k->v, cap * sizeof(*nv));

		if (!nv)
			return NULL;
		k->v = nv;
		k->cap = cap;
	}
	memset(&k->v[k->n], 0, sizeof(k->v[0]));
	snprintf(k->v[k->n].name, sizeof(k->v[0].name), "%s", name);
	return &k->v[k->n++];
}

/* The agent's counts, summed per configured filter and direction; 0 or -1. */
static int read_counts_once(struct ctx *c, struct counts *k)
{
	char cmd[1024], line[512], name[64] = "";
	FILE *f;
	int st;

	k->n = 0;
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s %s/ipsecpol --root %s dynamic show qmfilter type=specific",
		 c->host_ns, c->bindir, c->root);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long n;

		/* the table in force is the stores' policy: no element of the kernel's is
		 * unknown to them (the cells' maps hold none of a filter) */
		if (strstr(line, "the kernel also enforces")) {
			fprintf(stderr, "difftest: dynamic show qmfilter: %s", line);
			pclose(f);
			return -1;
		}
		if (sscanf(line, "Filter Name : %63[^\n]", name) == 1 ||
		    sscanf(line, "Filter Name %*[ ]: %63[^\n]", name) == 1)
			continue;
		if (name[0] && (sscanf(line, "Packets : %llu", &n) == 1 ||
				sscanf(line, "Packets %*[ ]: %llu", &n) == 1)) {
			struct count *x = count_slot(k, name);

			if (!x) {
				pclose(f);
				return -1;
			}
			x->packets += n;
			name[0] = '\0';
		}
	}
	st = pclose(f);
	return st == 0 ? 0 : -1;
}

/* The flow cache generation in force and whether a fold is pending, from the agent's status. */
static int flow_state(struct ctx *c, char *gen, size_t len, bool *pending)
{
	char st[4096];
	const char *g;

	if (agent_status(c, st, sizeof(st)) < 0)
		return -1;
	g = strstr(st, "\nflow_generation=");
	snprintf(gen, len, "%.*s", g ? (int)strcspn(g + 17, "\n") : 0, g ? g + 17 : "");
	*pending = strstr(st, "\nflow_fold_pending=yes\n") != NULL;
	return 0;
}

/*
 * The counts, read when no fold is pending and no generation moved while
 * reading (a generation left behind is counted once folded: the agent
 * moves and folds in one step of its own, but a listing can fall between
 * the two transactions).
 */
static int read_counts(struct ctx *c, struct counts *k)
{
	double t0 = now();

	while (now() - t0 < 60) {
		char g0[16], g1[16];
		bool p0, p1;

		if (flow_state(c, g0, sizeof(g0), &p0) < 0)
			return -1;
		if (p0) {
			usleep(20000);
			continue;
		}
		if (read_counts_once(c, k) < 0 || flow_state(c, g1, sizeof(g1), &p1) < 0)
			return -1;
		if (!p1 && !strcmp(g0, g1))
			return 0;
	}
	fprintf(stderr, "difftest: the flow cache kept moving while the counts were read\n");
	return -1;
}

static int counts_copy(struct counts *to, const struct counts *from)
{
	to->v = malloc((from->n + 1) * sizeof(*to->v));
	if (!to->v)
		return -1;
	memcpy(to->v, from->v, from->n * sizeof(*to->v));
	to->n = to->cap = from->n;
	return 0;
}

/* The name `dynamic show qmfilter` gives specific filter @sf of the test's expansion. */
static void sf_name(const struct dpolicy *p, const bool *keep, const struct ipp_sfilter *sf,
		    char *buf, size_t len)
{
	unsigned pos = 1;
	size_t k;

	/* its place in its list, in the stores' order (by age) */
	for (k = 0; k < p->nf; k++)
		if ((!keep || keep[k]) && p->f[k].rule == sf->rule && p->f[k].age < sf->seq)
			pos++;
	snprintf(buf, len, "L%u (filter %u%s)", sf->rule, pos,
		 sf->reversed ? ", mirror image" : "");
}

/*
 * The names (sf_name()) of the specific filters of @eff that have no element
 * when compiled, into @k: a filter whose selectors another has, that wins at
 * equal weight, has none (shadowed).  A filter of protocol ICMP for both
 * families is two specific filters of one name, ICMP and ICMPv6: one may be
 * shadowed alone.  0, -1 out of memory or no compile.
 */
static int sf_order(const void *x, const void *y)
{
	return ipp_sfilter_cmp(x, y);
}

/*
 * The specific filter of @eff (sorted) that element @e of tier @t is
 * for: of its rule, filter and direction, the one of its protocol (an ICMP
 * filter is an ICMP and an ICMPv6 specific filter), else the first;
 * eff->nsf when none.
 */
static size_t elem_sf(const struct ipp_effective *eff, const struct ipp_ctier *t,
		      const struct ipp_celem *e)
{
	unsigned proto = t->shape.pkey ? e->key.proto : t->shape.proto;
	size_t first = eff->nsf, s;

	for (s = 0; s < eff->nsf; s++) {
		const struct ipp_sfilter *f = &eff->sf[s];

		if (f->rule != e->rule || f->filter != e->filter || f->reversed != e->reversed)
			continue;
		if (first == eff->nsf)
			first = s;
		if (f->protocol == proto)
			return s;
	}
	return first;
}

/*
 * @mine compiled as the agent compiles it, into *@cp (ipp_compiled_free()):
 * *@sorted is @mine with its specific filters best first, as
 * ipp_effective_build() sorts them (free sorted->sf).  0, -1.
 */
static int compile_sorted(const struct ipp_effective *mine, struct ipp_effective *sorted,
			  struct ipp_compiled **cp)
{
	struct ipp_copts o;

	*sorted = *mine;
	*cp = NULL;
	if (!(sorted->sf = malloc((mine->nsf + 1) * sizeof(*sorted->sf))))
		return -1;
	memcpy(sorted->sf, mine->sf, mine->nsf * sizeof(*sorted->sf));
	qsort(sorted->sf, mine->nsf, sizeof(*sorted->sf), sf_order);
	ipp_copts_init(&o);
	if (ipp_compile(sorted, &o, cp, NULL) < 0) {
		free(sorted->sf);
		sorted->sf = NULL;
		return -1;
	}
	return 0;
}

/* An element of a compiled policy: its tier's group and key, and the name of its filter. */
struct owner {
	char key[IPP_CTIER_NAME_MAX + 168];
	char name[64];
};

struct owners {
	struct owner *v;
	size_t n;
};

static int owner_cmp(const void *x, const void *y)
{
	return strcmp(((const struct owner *)x)->key, ((const struct owner *)y)->key);
}

/* The elements of @p (its filters of @keep) compiled, with their filters, sorted into @o. */
static int element_owners(const struct dpolicy *p, const bool *keep, struct owners *o)
{
	struct ipp_effective mine, sorted;
	struct ipp_compiled *cp = NULL;
	size_t total = 0;
	int r = -1;

	memset(o, 0, sizeof(*o));
	if (dpolicy_effective(p, keep, &mine) < 0)
		return -1;
	if (compile_sorted(&mine, &sorted, &cp) < 0)
		goto out;
	for (size_t i = 0; i < cp->ntiers; i++)
		total += cp->tiers[i].nelems;
	if (!(o->v = calloc(total + 1, sizeof(*o->v))))
		goto out;
	for (size_t i = 0; i < cp->ntiers; i++)
		for (size_t j = 0; j < cp->tiers[i].nelems; j++) {
			const struct ipp_ctier *t = &cp->tiers[i];
			size_t sf = elem_sf(&sorted, t, &t->elems[j]);
			char group[IPP_CTIER_NAME_MAX], key[160];
			struct owner *w = &o->v[o->n];

			if (sf == sorted.nsf)
				continue;
			ipp_ctier_group(t->name, group, sizeof(group));
			ipp_ckey_format(&t->shape, &t->elems[j].key, key, sizeof(key));
			snprintf(w->key, sizeof(w->key), "%s %s", group, key);
			sf_name(p, keep, &sorted.sf[sf], w->name, sizeof(w->name));
			o->n++;
		}
	qsort(o->v, o->n, sizeof(*o->v), owner_cmp);
	r = 0;
out:
	ipp_compiled_free(cp);
	free(sorted.sf);
	dpolicy_eff_free(&mine);
	return r;
}

/*
 * The filters that own an element in @before that @after gives another
 * filter or no filter, into @lost (ipsecpold(8): the counts of an element
 * another rule's filter takes over go).  0, -1.
 */
static int count_lost(const struct owners *before, const struct owners *after, struct counts *lost)
{
	for (size_t i = 0; i < before->n; i++) {
		const struct owner *a = after->n ? bsearch(&before->v[i], after->v, after->n,
							   sizeof(*after->v), owner_cmp)
						 : NULL;

		if ((!a || strcmp(a->name, before->v[i].name)) &&
		    !count_slot(lost, before->v[i].name))
			return -1;
	}
	return 0;
}

static int unplaced_names(const struct dpolicy *p, const bool *keep,
			  const struct ipp_effective *mine, struct counts *k)
{
	struct ipp_effective sorted, *eff = &sorted;
	struct ipp_compiled *cp = NULL;
	bool *placed = calloc(mine->nsf + 1, sizeof(*placed));
	char name[64];
	int r = 0;

	if (!placed || compile_sorted(mine, &sorted, &cp) < 0) {
		free(placed);
		return -1;
	}
	for (size_t i = 0; i < cp->ntiers; i++)
		for (size_t j = 0; j < cp->tiers[i].nelems; j++) {
			size_t s = elem_sf(eff, &cp->tiers[i], &cp->tiers[i].elems[j]);

			if (s < eff->nsf)
				placed[s] = true;
		}
	for (size_t s = 0; s < eff->nsf && r == 0; s++)
		if (!placed[s]) {
			sf_name(p, keep, &eff->sf[s], name, sizeof(name));
			if (!count_slot(k, name))
				r = -1;
		}
	ipp_compiled_free(cp);
	free(placed);
	free(sorted.sf);
	return r;
}

/*
 * The filter of @eff that decides @pkt (sent @sent times; none when 0), with
 * the verdict in *@v (ipp_verdict_clear() when not NULL); NULL: no filter.
 */
static const struct ipp_sfilter *decided_by(struct ctx *c, const struct ipp_effective *eff,
					    const struct ipp_packet *pkt, unsigned sent,
					    struct ipp_verdict *v)
{
	if (!sent || ipp_classify(eff, pkt, &c->me, v) < 0)
		return NULL;
	if (v->sf == IPP_NO_FILTER) {
		ipp_verdict_clear(v);
		return NULL;
	}
	return &eff->sf[v->sf];
}

/* Does candidate @j (filter @o) of @v decide alike with the winner @w (its weight, action)? */
static bool alike(const struct ipp_verdict *v, size_t j, const struct ipp_sfilter *o,
		  const struct ipp_sfilter *w)
{
	return v->cand[j].weight == v->cand[0].weight && o->action == w->action &&
	       o->clear == w->clear;
}

/*
 * The cases that filters @names (a count differs) decided or may have
 * decided, with their sends: what the failure is to be looked for in.
 */
static void count_cases(struct ctx *c, const struct dpolicy *p, const bool *keep,
			const struct ipp_effective *eff, const struct ipp_packet *pkts,
			const unsigned *sent, size_t ncases, const struct counts *names)
{
	char name[64], txt[200];

	for (size_t i = 0; i < ncases; i++) {
		struct ipp_verdict v;
		const struct ipp_sfilter *w = decided_by(c, eff, &pkts[i], sent[i], &v);

		if (!w)
			continue;
		for (size_t j = 0; j < v.ncand; j++) {
			const struct ipp_sfilter *o = &eff->sf[v.cand[j].sf];
			bool listed = false;

			if (!alike(&v, j, o, w))
				continue;
			sf_name(p, keep, o, name, sizeof(name));
			for (size_t k = 0; k < names->n && !listed; k++)
				listed = !strcmp(names->v[k].name, name);
			if (!listed)
				continue;
			ipp_packet_format(&pkts[i], txt, sizeof(txt));
			printf("  case %zu, %s %s: sent %u times, decided by %s%s\n", i,
			       ipp_dir_name(pkts[i].dir), txt, sent[i], name,
			       o == w ? "" : " (or another at equal weight)");
			break;
		}
		ipp_verdict_clear(&v);
	}
}

/*
 * Agent mode: did each filter count the packets it decided between @before
 * and now (@sent[i] sends of case i)?  A packet that several filters decide
 * alike (the same weight, action and clear-packet handling: another origin
 * or age only) may be counted by any of them, as the kernel's walk meets
 * them first: per filter, the count must lie between the packets it alone
 * decided and those it may have, and the total must be exact.  A filter that
 * another rule's filter of the same selectors shadows loses the count of what
 * it shadows (ipsecpold(8)): fewer packets than it decided are then no
 * difference, and the total is not checked.  0 yes, 1 no (reported), -1 when
 * the counts cannot be read.
 */
static int check_counts(struct ctx *c, const struct dpolicy *p, const bool *keep,
			const struct ipp_effective *eff, const struct ipp_packet *pkts,
			const unsigned *sent, size_t ncases, const struct counts *before,
			const char *phase)
{
	struct counts after = {0}, lo = {0}, hi = {0}, unplaced = {0}, differs = {0};
	unsigned long long total_want = 0, total_got = 0;
	char name[64];
	size_t i, j, bad = 0, resets = 0;
	int r = 0;

	if (read_counts(c, &after) < 0) {
		fprintf(stderr, "difftest: cannot read the agent's counts\n");
		free(after.v);
		return -1;
	}
	for (i = 0; i < ncases && r == 0; i++) {
		struct ipp_verdict v;
		const struct ipp_sfilter *w = decided_by(c, eff, &pkts[i], sent[i], &v);
		size_t ties = 0;

		if (!w)
			continue;
		total_want += sent[i];
		for (j = 0; j < v.ncand; j++) {
			const struct ipp_sfilter *o = &eff->sf[v.cand[j].sf];
			struct count *x;

			if (!alike(&v, j, o, w))
				continue;
			ties++;
			sf_name(p, keep, o, name, sizeof(name));
			if (!(x = count_slot(&hi, name))) {
				r = -1;
				break;
			}
			x->packets += sent[i];
		}
		if (r == 0 && ties == 1) {
			struct count *x;

			sf_name(p, keep, w, name, sizeof(name));
			if (!(x = count_slot(&lo, name)))
				r = -1;
			else
				x->packets += sent[i];
		}
		ipp_verdict_clear(&v);
	}
	if (r < 0)
		goto out;
	if (unplaced_names(p, keep, eff, &unplaced) < 0) {
		r = -1;
		goto out;
	}
	for (i = 0; i < after.n; i++) {
		const char *n = after.v[i].name;
		unsigned long long a = after.v[i].packets, b = 0, l = 0, h = 0, d;
		bool shadowed = false;

		for (j = 0; j < before->n; j++)
			if (!strcmp(before->v[j].name, n))
				b = before->v[j].packets;
		for (j = 0; j < unplaced.n && !shadowed; j++)
			shadowed = !strcmp(unplaced.v[j].name, n);
		for (j = 0; c->lost && j < c->lost->n && !shadowed; j++)
			shadowed = !strcmp(c->lost->v[j].name, n);
		for (j = 0; j < lo.n; j++)
			if (!strcmp(lo.v[j].name, n))
				l = lo.v[j].packets;
		if (shadowed && (a < b || a - b < l)) {
			/* (ipsecpold(8)) a filter that another rule's filter of the same
			 * selectors shadows now (its action wins at equal weight) loses the
			 * count of what is shadowed (of a filter of protocol ICMP, maybe its
			 * ICMPv6 image alone): less than it decided, by what this check
			 * cannot weigh */
			resets++;
			continue;
		}
		for (j = 0; j < hi.n; j++)
			if (!strcmp(hi.v[j].name, n))
				h = hi.v[j].packets;
		d = a - b;
		total_got += d;
		if ((a < b || d < l || d > h) && bad++ < 5) {
			printf("%s: COUNT DIFFERS: %s counted %llu packets (%llu -> %llu), the "
			       "matcher says it decided %llu to %llu of them\n",
			       phase, n, d, b, a, l, h);
			if (!count_slot(&differs, n)) {
				r = -1;
				goto out;
			}
		}
	}
	/* a filter the matcher expects that the agent does not show at all */
	for (i = 0; i < lo.n; i++) {
		for (j = 0; j < after.n && strcmp(after.v[j].name, lo.v[i].name); j++)
			;
		if (j == after.n && bad++ < 5)
			printf("%s: COUNT DIFFERS: %s is not shown, the matcher says it decided %llu "
			       "packets\n",
			       phase, lo.v[i].name, lo.v[i].packets);
	}
	if (!resets && total_got != total_want) {
		printf("%s: the filters counted %llu packets in all, the matcher says %llu\n", phase,
		       total_got, total_want);
		bad++;
	}
	if (bad) {
		printf("%s: %zu differences in the filters' counts\n", phase, bad);
		count_cases(c, p, keep, eff, pkts, sent, ncases, &differs);
		printf("Ruleset in force, with its counters:\n");
		show_ruleset(c, stdout);
		r = 1;
	}
out:
	free(after.v);
	free(lo.v);
	free(hi.v);
	free(unplaced.v);
	free(differs.v);
	return r;
}

/*
 * The cases of one policy against what is in force now (@p with the filters
 * of @keep; NULL: all): the expansions agree, and the kernel delivers each
 * packet as the matcher says, sent twice.  0, 1 on a difference (reported),
 * -1 when the test cannot go on.
 */
static int check_cases(struct ctx *c, struct dpolicy *p, const bool *keep, const char *phase,
		       const struct ipp_packet *pkts, size_t ncases, bool *prev, size_t *ret_moved,
		       size_t *ret_accepted, size_t *ret_suspects, struct decided *d,
		       const struct counts *base)
{
	struct ipp_effective mine, *built = NULL;
	bool *want = calloc(ncases, sizeof(*want)), *got = calloc(ncases, sizeof(*got));
	struct counts before = {0};
	unsigned *sent = NULL;
	size_t i, accepted = 0;
	int status = 0;

	if (!want || !got || dpolicy_effective(p, keep, &mine) < 0) {
		free(want);
		free(got);
		return -1;
	}
	if (built_effective(c, &built) < 0) {
		status = -1;
		goto out;
	}
	for (i = 0; i < ncases; i++) {
		want[i] = expected(&mine, &pkts[i], &c->me);
		accepted += want[i];
		if (d)
			tally(&mine, &pkts[i], &c->me, d);
		if (want[i] != expected(built, &pkts[i], &c->me)) {
			char txt[200];

			ipp_packet_format(&pkts[i], txt, sizeof(txt));
			printf(
			    "EFFECTIVE POLICY DIFFERS (%s): %s %s: the test's expansion says %s, "
			    "ipp_effective_build()'s says %s\n",
			    phase, ipp_dir_name(pkts[i].dir), txt, want[i] ? "accept" : "drop",
			    want[i] ? "drop" : "accept");
			printf("  over the test's expansion:\n");
			explain(&mine, &pkts[i], &c->me, stdout);
			printf("  over ipp_effective_build():\n");
			explain(built, &pkts[i], &c->me, stdout);
			status = 1;
			goto out;
		}
	}
	*ret_accepted = accepted;
	c->cases += ncases;
	/* the verdicts the change moved (@prev: those before, now these) */
	*ret_moved = 0;
	for (i = 0; prev && i < ncases; i++) {
		*ret_moved += prev[i] != want[i];
		prev[i] = want[i];
	}
	/* agent mode: the counts before, and the sends of each case from here on (the
	 * counts are read through the shell: policies up to --count-filters filters) */
	if (c->agent && p->nf <= c->count_filters &&
	    (!(sent = calloc(ncases, sizeof(*sent))) ||
	     (base ? counts_copy(&before, base) : read_counts(c, &before)) < 0)) {
		fprintf(stderr, "difftest: cannot read the agent's counts\n");
		status = -1;
		goto out;
	}
	/*
	 * Every case twice: the first packet of a TCP or UDP 5-tuple is walked
	 * and fills the flow cache, the second is answered by the cache.
	 */
	for (unsigned round = 0; round < 2 && status == 0; round++) {
		if (wire_round(c->w, pkts, ncases, got) < 0) {
			status = -1;
			break;
		}
		for (i = 0; sent && i < ncases; i++)
			sent[i]++;
		for (i = 0; i < ncases && status == 0; i++) {
			bool *small;
			int alone;

			if (got[i] == want[i])
				continue;
			(*ret_suspects)++;
			/* once more on its own, twice: a real difference is stable */
			alone = delivered_alone(c, &pkts[i], 2);
			if (sent)
				sent[i] += 2;
			if (alone == -2) {
				status = -1;
				break;
			}
			if (alone < 0 || (bool)alone == want[i])
				continue;
			status = 1;
			printf("%s: case %zu differs (%s packet of its 5-tuple)\n", phase, i,
			       round ? "second" : "first");
			if (c->agent && keep) {
				/* what the in-place change left, before full applies replace it */
				printf("Ruleset in force after the change in place:\n");
				show_ruleset(c, stdout);
			}
			printf("shrinking the policy by full applies ...\n");
			fflush(stdout);
			small = malloc(p->nf * sizeof(*small) + 1);
			if (!small) {
				status = -1;
				break;
			}
			for (size_t k = 0; k < p->nf; k++)
				small[k] = !keep || keep[k];
			if (still_fails(c, p, small, &pkts[i]) == 0)
				printf(
				    "(a full apply of the same policy agrees with the matcher: the "
				    "difference comes from the change in place; the policy is left "
				    "whole)\n");
			else if (shrink(c, p, small, &pkts[i]) < 0) {
				status = -1;
				free(small);
				break;
			}
			/* leave the minimal policy in force, so the ruleset shown is the one that
			 * failed */
			if (apply(c, p, small) == 0)
				report(c, p, small, &pkts[i], want[i], !want[i]);
			free(small);
		}
	}
	if (status == 0 && sent) {
		status = check_counts(c, p, keep, &mine, pkts, sent, ncases, &before, phase);
		c->count_checks += status == 0;
	}
out:
	ipp_effective_free(built);
	dpolicy_eff_free(&mine);
	free(want);
	free(got);
	free(sent);
	free(before.v);
	return status;
}

/*
 * Agent mode: one change of the stores in force through the agent, then
 * the cases.  @base: the counts read before the change (NULL: read them
 * after it), for a change that keeps every filter: the counts must carry
 * over, element by element or to a table replaced whole.
 */
static int after_change(struct ctx *c, struct dpolicy *p, const bool *to, const char *phase,
			const struct ipp_packet *pkts, size_t ncases, bool *prev, bool single,
			double t0, const struct counts *base)
{
	size_t accepted = 0, suspects = 0, moved = 0;
	char how[32];
	int status;

	if (agent_wait(c, how, sizeof(how)) < 0)
		return -1;
	c->applies++;
	if (!strcmp(how, "in-place"))
		c->in_place++;
	else if (!strcmp(how, "elements"))
		c->elementwise++;
	else if (!strcmp(how, "unchanged"))
		c->unchanged++;
	else
		c->whole++;
	/* a single filter is element-level, always; a quarter may be big enough to replace
	 * the table (emit.c: over 1,000 element changes and over half the new elements) */
	if (single && strcmp(how, "in-place") && strcmp(how, "elements") &&
	    strcmp(how, "unchanged")) {
		printf("%s: the agent applied the change as \"%s\", not element by element\n",
		       phase, how);
		return 1;
	}
	status =
	    check_cases(c, p, to, phase, pkts, ncases, prev, &moved, &accepted, &suspects, NULL,
			base);
	if (status == 0)
		printf("%s: %zu cases, %zu accepted and %zu dropped by the matcher (%zu changed); "
		       "the kernel agreed on every one, sent twice (%zu retried) [%.1f s]\n",
		       phase, ncases, accepted, ncases - accepted, moved, suspects, now() - t0);
	return status;
}

/* Agent mode: filters of @from and not @to deleted, of @to and not @from added; then the cases. */
static int change_step(struct ctx *c, struct dpolicy *p, const bool *from, const bool *to,
		       const char *phase, const struct ipp_packet *pkts, size_t ncases, bool *prev,
		       bool single)
{
	double t0 = now();

	if (dpolicy_change(p, from, to, c->root) < 0)
		return -1;
	return after_change(c, p, to, phase, pkts, ncases, prev, single, t0, NULL);
}

/* Agent mode: targeted cases per single filter changed, at most. */
#define TARGETED_CASES 200

/*
 * @pkts and @prev (the verdicts of @p whole), and after them up to
 * TARGETED_CASES random cases that filter @k (@rule < 0) or a filter of rule
 * @rule matches (found by drawing):
 * *ret and *ret_prev hold *ret_n, caller frees both.
 */
static int targeted_cases(struct ctx *c, struct rng *r, const struct dpolicy *p, size_t k,
			  long rule, const struct ipp_packet *pkts, size_t ncases, const bool *prev,
			  struct ipp_packet **ret, bool **ret_prev, size_t *ret_n)
{
	struct ipp_packet *tp = calloc(ncases + TARGETED_CASES, sizeof(*tp));
	bool *tprev = calloc(ncases + TARGETED_CASES, sizeof(*tprev));
	struct ipp_effective eff;
	size_t n = ncases, tries;

	if (!tp || !tprev || dpolicy_effective(p, NULL, &eff) < 0) {
		free(tp);
		free(tprev);
		return -1;
	}
	memcpy(tp, pkts, ncases * sizeof(*tp));
	memcpy(tprev, prev, ncases * sizeof(*tprev));
	for (tries = 0; tries < 30000 && n < ncases + TARGETED_CASES; tries++) {
		struct ipp_verdict v;
		bool hit = false;

		random_case(p, r, &tp[n]);
		if (ipp_classify(&eff, &tp[n], &c->me, &v) < 0)
			continue;
		for (size_t i = 0; i < v.ncand && !hit; i++)
			hit = v.cand[i].sf != IPP_NO_FILTER &&
			      eff.sf[v.cand[i].sf].seq == p->f[k].age;
		if (hit)
			tprev[n++] = v.accepted;
		ipp_verdict_clear(&v);
	}
	dpolicy_eff_free(&eff);
	*ret = tp;
	*ret_prev = tprev;
	*ret_n = n;
	return 0;
}

/*
 * Agent mode: delete a random quarter of the filters in place and add them
 * back, then the same with single filters (the change a running server
 * sees most), then give a rule another filter action and its own back,
 * checking the cases after each change.  The cases were sent
 * before: the flow cache is warm with verdicts of the policy before.
 */
static int change_cases(struct ctx *c, struct rng *r, struct dpolicy *p, unsigned idx,
			unsigned npol, const struct ipp_packet *pkts, size_t ncases, size_t nsingle,
			bool *prev)
{
	bool *all = malloc(p->nf + 1), *part = malloc(p->nf + 1);
	size_t k, n, dropped = 0;
	char phase[128];
	int status = 0;

	if (!all || !part) {
		free(all);
		free(part);
		return -1;
	}
	for (k = 0; k < p->nf; k++) {
		all[k] = true;
		part[k] = rng_below(r, 4) != 0;
		dropped += !part[k];
	}
	for (int step = 0; step < 2 && status == 0; step++) {
		snprintf(phase, sizeof(phase), "policy %u/%u, %zu filters %s", idx + 1, npol,
			 dropped, step ? "added back" : "deleted");
		status = change_step(c, p, step ? part : all, step ? all : part, phase, pkts,
				     ncases, prev, false);
	}
	for (n = 0; n < nsingle && status == 0; n++) {
		struct ipp_packet *tp = NULL;
		bool *tprev = NULL;
		size_t nt = 0;

		k = rng_below(r, (uint32_t)p->nf);
		/* the cases, and more that the filter matches: they show what its change does */
		if (targeted_cases(c, r, p, k, -1, pkts, ncases, prev, &tp, &tprev, &nt) < 0) {
			status = -1;
			break;
		}
		memcpy(part, all, p->nf);
		part[k] = false;
		for (int step = 0; step < 2 && status == 0; step++) {
			snprintf(phase, sizeof(phase),
				 "policy %u/%u, filter %zu %s (%zu cases it matches)", idx + 1,
				 npol, k, step ? "added back" : "deleted", nt - ncases);
			status = change_step(c, p, step ? part : all, step ? all : part, phase, tp,
					     nt, tprev, true);
		}
		free(tp);
		free(tprev);
	}
	/* a rule's filter action changed, then back: whole rules change verdict, the cache warm */
	if (status == 0 && p->nrules > 0) {
		static const struct {
			enum ipp_action a;
			uint8_t clear;
		} acts[] = {{IPP_ACTION_PERMIT, 0},	{IPP_ACTION_BLOCK, 0},
			    {IPP_ACTION_NEGOTIATE, 0}, {IPP_ACTION_NEGOTIATE, 1},
			    {IPP_ACTION_NEGOTIATE, 2}};
		size_t ri = rng_below(r, (uint32_t)p->nrules), pick, tries;
		struct drule was;

		/* an active rule, if one comes up */
		for (tries = 0; tries < 20 && !p->rules[ri].active; tries++)
			ri = rng_below(r, (uint32_t)p->nrules);
		was = p->rules[ri];
		struct ipp_packet *tp = NULL;
		bool *tprev = NULL;
		size_t nt = 0;

		do
			pick = rng_below(r, 5);
		while (acts[pick].a == was.action &&
		       (was.action != IPP_ACTION_NEGOTIATE || acts[pick].clear == was.clear));
		if (targeted_cases(c, r, p, 0, (long)ri, pkts, ncases, prev, &tp, &tprev, &nt) < 0)
			status = -1;
		for (int step = 0; step < 2 && status == 0; step++) {
			double t0 = now();
			/* every filter stays: their counts carry over the change, read before it */
			struct counts base = {0};
			bool counted = p->nf <= c->count_filters;

			snprintf(phase, sizeof(phase),
				 "policy %u/%u, rule R%zu %s (%zu cases its filters match)", idx + 1,
				 npol, ri, step ? "back to its action" : "given another action",
				 nt - ncases);
			struct owners ob = {0}, oa = {0};
			struct counts lost = {0};

			if (counted &&
			    (read_counts(c, &base) < 0 || element_owners(p, all, &ob) < 0)) {
				fprintf(stderr, "difftest: cannot read the agent's counts\n");
				status = -1;
			} else if (dpolicy_rule_action(p, ri, step ? was.action : acts[pick].a,
						       step ? was.clear : acts[pick].clear,
						       c->root) < 0) {
				status = -1;
			} else if (counted && (element_owners(p, all, &oa) < 0 ||
					       count_lost(&ob, &oa, &lost) < 0)) {
				fprintf(stderr, "difftest: cannot compile the policy\n");
				status = -1;
			} else {
				/* an element another rule's filter takes over (its action wins at
				 * equal weight now) takes its count from the one it had */
				c->lost = &lost;
				status = after_change(c, p, all, phase, tp, nt, tprev, false, t0,
						      counted ? &base : NULL);
				c->lost = NULL;
			}
			free(base.v);
			free(ob.v);
			free(oa.v);
			free(lost.v);
		}
		free(tp);
		free(tprev);
	}
	free(all);
	free(part);
	return status;
}

/* Agent mode: single filters deleted and added back per policy. */
#define AGENT_SINGLES 4

static int one_policy(struct ctx *c, struct rng *r, unsigned idx, unsigned npol, size_t nfilters,
		      size_t nrules, size_t ncases)
{
	struct ipp_packet *pkts = calloc(ncases, sizeof(*pkts));
	bool *prev = calloc(ncases + 1, sizeof(*prev));
	size_t i, accepted = 0, suspects = 0, moved;
	struct decided d = {0};
	struct dpolicy p;
	char phase[32];
	int status;
	double t0 = now();

	if (!pkts || !prev || dpolicy_random(&p, r, nfilters, nrules) < 0) {
		free(pkts);
		free(prev);
		return -1;
	}
	if (apply(c, &p, NULL) < 0) {
		status = -1;
		goto out;
	}
	for (i = 0; i < ncases; i++)
		random_case(&p, r, &pkts[i]);
	snprintf(phase, sizeof(phase), "policy %u/%u", idx + 1, npol);
	status =
	    check_cases(c, &p, NULL, phase, pkts, ncases, prev, &moved, &accepted, &suspects, &d,
			NULL);
	if (status == 0) {
		printf("policy %u/%u: %zu filters in %zu rules, %zu cases, %zu accepted and %zu "
		       "dropped by the matcher; the kernel agreed on every one, sent twice (the "
		       "second time from the flow cache) (%zu retried) [%.1f s]\n",
		       idx + 1, npol, p.nf, p.nrules, ncases, accepted, ncases - accepted, suspects,
		       now() - t0);
		printf(
		    "  decided by: no filter %zu, exemption %zu, the only match %zu, weight %zu, "
		    "action at equal weight %zu, origin or age %zu\n",
		    d.none, d.exempt, d.single, d.weight, d.action, d.later);
	}
	if (status == 0 && c->agent) {
		status = change_cases(c, r, &p, idx, npol, pkts, ncases, AGENT_SINGLES, prev);
	}
out:
	dpolicy_free(&p);
	free(pkts);
	free(prev);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"host-ns", required_argument, NULL, 'H'},
	    {"peer-ns", required_argument, NULL, 'P'},
	    {"peer-if", required_argument, NULL, 'I'},
	    {"root", required_argument, NULL, 'R'},
	    {"bindir", required_argument, NULL, 'B'},
	    {"seed", required_argument, NULL, 's'},
	    {"policies", required_argument, NULL, 'p'},
	    {"filters", required_argument, NULL, 'f'},
	    {"rules", required_argument, NULL, 'r'},
	    {"cases", required_argument, NULL, 'c'},
	    {"naive", no_argument, NULL, 'n'},
	    {"agent", no_argument, NULL, 'a'},
	    {"count-filters", required_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	struct ctx c = {0};
	unsigned long long seed = 0;
	unsigned long npol = 3, nfil = 300, nrul = 16, ncases = 1500;
	bool have_seed = false;
	struct rng r;
	unsigned i;
	int o, status = 0;
	double t0 = now();

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'H':
			c.host_ns = optarg;
			break;
		case 'P':
			c.peer_ns = optarg;
			break;
		case 'I':
			c.peer_if = optarg;
			break;
		case 'R':
			c.root = optarg;
			break;
		case 'B':
			c.bindir = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			have_seed = true;
			break;
		case 'p':
			npol = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			nfil = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			nrul = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			ncases = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			c.naive = true;
			break;
		case 'a':
			c.agent = true;
			break;
		case 'k':
			c.count_filters = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!c.host_ns || !c.peer_ns || !c.peer_if || !c.root || (!c.bindir && !c.naive) ||
	    (c.naive && c.agent) || nrul == 0 || ncases == 0) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!have_seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (unsigned long long)time(NULL);
	r.s = seed ? seed : 1;
	printf("difftest: seed %llu (replay with --seed %llu), %lu policies of about %lu filters "
	       "in %lu rules, %lu cases each, %s\n",
	       seed, seed, npol, nfil, nrul, ncases,
	       c.naive	 ? "naive one-rule-per-filter ruleset"
	       : c.agent ? "the running agent, changes in place"
			 : "ipsecpold --once");
	fflush(stdout);

	c.w = wire_open(c.host_ns, c.peer_ns, c.peer_if);
	if (!c.w || wire_host_addrs(c.w, &c.me) < 0) {
		wire_close(c.w);
		return 2;
	}
	for (i = 0; i < npol && status == 0; i++) {
		/* sizes vary: as given, a tenth (sparse: much matches nothing), three times */
		static const unsigned num[3] = {1, 1, 3}, den[3] = {1, 10, 1};
		unsigned long nf = nfil * num[i % 3] / den[i % 3];
		unsigned long nr = i % 3 == 1 ? (nrul + 3) / 4 : i % 3 == 2 ? nrul * 2 : nrul;

		status = one_policy(&c, &r, i, (unsigned)npol, nf ? nf : 1, nr, ncases);
	}
	if (status == 0 && c.agent) {
		printf("difftest: the agent's changes: %lu patched in place, %lu element-level "
		       "differences, %lu with nothing to change, %lu whole; the filters' counts "
		       "agreed with the matcher %lu times\n",
		       c.in_place, c.elementwise, c.unchanged, c.whole, c.count_checks);
		if (c.in_place == 0) {
			printf("difftest: no change was patched in place\n");
			status = 1;
		}
	}
	if (status == 0)
		printf("difftest: %lu cases, no difference (seed %llu, %lu applies, %.1f s)\n",
		       c.cases, seed, c.applies, now() - t0);
	else if (status > 0)
		printf("difftest: FAILED (seed %llu)\n", seed);
	else
		printf("difftest: ERROR: the test could not run to its end (seed %llu)\n", seed);
	wire_close(c.w);
	ipp_localaddrs_clear(&c.me);
	return status == 0 ? 0 : status > 0 ? 1 : 2;
}
