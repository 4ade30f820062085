/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipp-nftwalk - how many set and map lookups a packet costs in a ruleset
 * that ipsecpol emitted (`ipsecpold --once --dry-run`), and which verdict
 * the ruleset gives it.
 *
 *   ipp-nftwalk RULESET hook=in|out src=A dst=B proto=N [sport=P] [dport=P] ...
 *
 * Each packet argument group is "hook=... src=... dst=... proto=... sport=...
 * dport=..." (IPv4 only); a new "hook=" starts the next packet.  For each
 * packet one line: "lookups N cached C rules R verdict V at M", where N
 * counts every set or map lookup of the packet's first passage (anonymous
 * sets of the exemptions, gates, flow cache misses, verdict maps, the
 * insertion into the flow cache), C the lookups of the next packet of the
 * same 5-tuple, answered by the flow cache (= N without a flow cache), R the
 * rules evaluated, V the verdict (accept, drop, negotiate, or the base
 * chain's policy, "accept (policy)" or "drop (policy)", when no rule
 * decided) and M the map or rule that decided (for a walk that ends in the
 * liveness map, the map before it).
 *
 * It reads only the dialect the emitter writes (maps and sets declared with
 * their elements, walk chains of gate, protocol and map-lookup rules); a line
 * it does not know stops it with an error, so a change of the emitter
 * cannot go unnoticed.  It evaluates the text, independently of the
 * compiler: a packet whose verdict differs from the reference matcher's
 * points at the emitter.  libc only.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 4

struct elem {
	uint32_t key[MAX_FIELDS];
	uint32_t hi[MAX_FIELDS]; /* an interval map's: the end of each field's range */
	char *verdict;
};

struct map {
	char *name;
	bool is_set;           /* a gate: typeof @nh,OFF,16 */
	bool interval;	       /* flags interval: fields "A-B" (the cells of a local walk) */
	unsigned nh_off;       /* gate: bit offset in the network header */
	struct elem *e;
	size_t n, cap;
};

struct chain {
	char *name;
	const char *policy; /* a base chain's: "accept (policy)" or "drop (policy)" */
	char **rules;
	size_t n, cap;
};

static struct map *maps;
static size_t nmaps, capmaps;
static struct chain *chains;
static size_t nchains, capchains;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		fprintf(stderr, "ipp-nftwalk: out of memory\n");
		exit(1);
	}
	return q;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "ipp-nftwalk: out of memory\n");
		exit(1);
	}
	return d;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int die_line(unsigned line, const char *what, const char *text)
{
	fprintf(stderr, "ipp-nftwalk: line %u: %s: \"%s\"\n", line, what, text);
	exit(2);
}

/* A key field: IPv4 address, port number or hex gate value. */
static uint32_t field(const char *s, unsigned line)
{
	struct in_addr a;
	char *end;
	unsigned long v;

	if (inet_pton(AF_INET, s, &a) == 1)
		return ntohl(a.s_addr);
	if (!strcmp(s, "tcp"))
		return 6;
	if (!strcmp(s, "udp"))
		return 17;
	if (!strcmp(s, "ipv4")) /* meta nfproto: NFPROTO_IPV4 */
		return 2;
	if (!strcmp(s, "ipv6")) /* NFPROTO_IPV6 */
		return 10;
	if (!strcmp(s, "broadcast")) /* fib_addrtype: RTN_BROADCAST */
		return 3;
	if (!strcmp(s, "multicast")) /* RTN_MULTICAST */
		return 5;
	v = strtoul(s, &end, 0);
	if (end == s || *end)
		die_line(line, "unknown key field", s);
	return (uint32_t)v;
}

/* @hi (NULL: no ranges) gets the end of a field "A-B", else the field itself. */
static void parse_key(char *text, uint32_t *key, uint32_t *hi, unsigned line)
{
	size_t i = 0;
	char *p = text, *sep, *dash;

	memset(key, 0, MAX_FIELDS * sizeof(*key));
	for (;;) {
		sep = strstr(p, " . ");
		if (sep)
			*sep = '\0';
		if (i == MAX_FIELDS)
			die_line(line, "too many key fields", text);
		p = trim(p);
		dash = hi ? strchr(p, '-') : NULL;
		if (dash)
			*dash = '\0';
		key[i] = field(trim(p), line);
		if (hi)
			hi[i] = dash ? field(trim(dash + 1), line) : key[i];
		i++;
		if (!sep)
			break;
		p = sep + 3;
	}
}

static void add_elem(struct map *m, char *text, unsigned line)
{
	char *colon = strstr(text, " : ");
	struct elem *e;
	unsigned long lo, hi;
	char *dash, *end;

	/* a range of a one-field set of small numbers ("7-16": the protocols of the
	 * flow cache's switch sets), one element per value */
	if (!colon && !strstr(text, " . ") && (dash = strchr(text, '-')) && dash != text) {
		*dash = '\0';
		lo = strtoul(text, &end, 10);
		if (*end || !(hi = strtoul(dash + 1, &end, 10)) || *end || hi < lo || hi > 65535)
			die_line(line, "unknown range", text);
		for (; lo <= hi; lo++) {
			char v[16];

			snprintf(v, sizeof(v), "%lu", lo);
			add_elem(m, v, line);
		}
		return;
	}

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->e = xrealloc(m->e, m->cap * sizeof(*m->e));
	}
	e = &m->e[m->n++];
	e->verdict = NULL;
	if (colon) {
		*colon = '\0';
		e->verdict = xstrdup(trim(colon + 3));
	}
	memset(e->hi, 0, sizeof(e->hi));
	parse_key(trim(text), e->key, m->interval ? e->hi : NULL, line);
}

static int elem_cmp(const void *a, const void *b)
{
	return memcmp(((const struct elem *)a)->key, ((const struct elem *)b)->key,
		      sizeof(((const struct elem *)a)->key));
}

static void load(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[65536];
	unsigned line = 0;
	struct map *m = NULL;
	struct chain *c = NULL;
	bool in_elems = false, in_obj = false;

	if (!f) {
		fprintf(stderr, "ipp-nftwalk: \"%s\": %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(buf, sizeof(buf), f)) {
		char *l = trim(buf), name[256];

		line++;
		if (!*l || *l == '#')
			continue;
		if (in_obj) {
			in_obj = strcmp(l, "}") != 0;
			continue;
		}
		if (m) {
			if (in_elems) {
				if (!strcmp(l, "}")) {
					in_elems = false;
					continue;
				}
				/* one element per line (maps), or several hex values (gates) */
				if (m->is_set) {
					char *tok, *save = NULL;

					for (tok = strtok_r(l, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
						add_elem(m, tok, line);
				} else {
					size_t n = strlen(l);

					if (n && l[n - 1] == ',')
						l[n - 1] = '\0';
					add_elem(m, l, line);
				}
				continue;
			}
			if (!strcmp(l, "}")) {
				qsort(m->e, m->n, sizeof(*m->e), elem_cmp);
				m = NULL;
				continue;
			}
			if (!strcmp(l, "flags interval")) {
				m->interval = true;
			} else if (!strncmp(l, "typeof @nh,", 11)) {
				m->is_set = true;
				m->nh_off = (unsigned)strtoul(l + 11, NULL, 10);
			} else if (!strcmp(l, "elements = {")) {
				in_elems = true;
			} else if (!strncmp(l, "elements = { ", 13) && l[strlen(l) - 1] == '}') {
				/* a small map on one line: "elements = { K : V, K : V }" */
				char *tok, *save = NULL;

				l[strlen(l) - 1] = '\0';
				for (tok = strtok_r(l + 13, ",", &save); tok;
				     tok = strtok_r(NULL, ",", &save))
					add_elem(m, trim(tok), line);
			}
			continue; /* type, flags, counter, comment */
		}
		if (c) {
			if (!strcmp(l, "}")) {
				c = NULL;
				continue;
			}
			if (!strncmp(l, "type filter hook", 16)) {
				/* the policy of a base chain: what a packet no rule decides gets */
				c->policy =
				    strstr(l, "policy drop") ? "drop (policy)" : "accept (policy)";
				continue;
			}
			if (c->n == c->cap) {
				c->cap = c->cap ? 2 * c->cap : 16;
				c->rules = xrealloc(c->rules, c->cap * sizeof(*c->rules));
			}
			c->rules[c->n++] = xstrdup(l);
			continue;
		}
		if (sscanf(l, "map %255s {", name) == 1 || sscanf(l, "set %255s {", name) == 1) {
			if (nmaps == capmaps) {
				capmaps = capmaps ? 2 * capmaps : 256;
				maps = xrealloc(maps, capmaps * sizeof(*maps));
			}
			m = &maps[nmaps++];
			memset(m, 0, sizeof(*m));
			m->name = xstrdup(name);
			continue;
		}
		if (sscanf(l, "counter %255s {", name) == 1) {
			in_obj = true; /* a named counter: its contents do not matter here */
			continue;
		}
		if (sscanf(l, "chain %255s {", name) == 1) {
			if (nchains == capchains) {
				capchains = capchains ? 2 * capchains : 64;
				chains = xrealloc(chains, capchains * sizeof(*chains));
			}
			c = &chains[nchains++];
			memset(c, 0, sizeof(*c));
			c->name = xstrdup(name);
			continue;
		}
		/* table lines, the replacement preamble, comments of the table */
		if (!strncmp(l, "table ", 6) || !strncmp(l, "delete table ", 13) ||
		    !strncmp(l, "comment ", 8) || !strcmp(l, "}"))
			continue;
		die_line(line, "unknown line", l);
	}
	fclose(f);
}

static struct map *find_map(const char *name)
{
	size_t i;

	for (i = 0; i < nmaps; i++)
		if (!strcmp(maps[i].name, name))
			return &maps[i];
	return NULL;
}

static struct chain *find_chain(const char *name)
{
	size_t i;

	for (i = 0; i < nchains; i++)
		if (!strcmp(chains[i].name, name))
			return &chains[i];
	return NULL;
}

static const struct elem *lookup(const struct map *m, const uint32_t *key)
{
	struct elem k;

	if (m->interval) { /* (disjoint ranges: the first that holds the key) */
		for (size_t i = 0; i < m->n; i++) {
			size_t f;

			for (f = 0; f < MAX_FIELDS; f++)
				if (key[f] < m->e[i].key[f] || key[f] > m->e[i].hi[f])
					break;
			if (f == MAX_FIELDS)
				return &m->e[i];
		}
		return NULL;
	}
	memcpy(k.key, key, sizeof(k.key));
	return bsearch(&k, m->e, m->n, sizeof(*m->e), elem_cmp);
}

struct pkt {
	bool out;
	uint32_t src, dst;
	unsigned proto, sport, dport;
};

static uint32_t mask_of(const char *m)
{
	struct in_addr a;

	if (inet_pton(AF_INET, m, &a) != 1)
		return 0;
	return ntohl(a.s_addr);
}

/* The key of "ip saddr & M . ip daddr . th dport" for @p; false when a part is unknown. */
static bool key_of(char *expr, const struct pkt *p, uint32_t *key)
{
	size_t i = 0;
	char *q = expr, *sep;

	memset(key, 0, MAX_FIELDS * sizeof(*key));
	for (;;) {
		char *part, *amp;
		uint32_t v;

		sep = strstr(q, " . ");
		if (sep)
			*sep = '\0';
		part = trim(q);
		amp = strstr(part, " & ");
		if (amp)
			*amp = '\0';
		if (!strcmp(part, "meta l4proto"))
			v = p->proto;
		else if (!strcmp(part, "meta nfproto"))
			v = 2; /* IPv4 */
		else if (!strcmp(part, "ip saddr"))
			v = p->src;
		else if (!strcmp(part, "ip daddr"))
			v = p->dst;
		else if (!strcmp(part, "th sport"))
			v = p->sport;
		else if (!strcmp(part, "th dport"))
			v = p->dport;
		else
			return false;
		if (amp)
			v &= mask_of(trim(amp + 3));
		if (i == MAX_FIELDS)
			return false;
		key[i++] = v;
		if (!sep)
			return true;
		q = sep + 3;
	}
}

struct result {
	unsigned lookups, rules;
	const char *verdict;
	char at[256];
	char added[64]; /* the flow cache set the packet was added to */
};

/* The flow cache set that holds the packet's 5-tuple (NULL: empty cache). */
static const char *cached_set;

static void decided(struct result *r, const char *verdict, const char *at)
{
	if (!strncmp(verdict, "goto negotiate", 14))
		r->verdict = "negotiate";
	else if (!strcmp(verdict, "goto blocked"))
		r->verdict = "drop";
	else
		r->verdict = verdict;
	if (at != r->at)
		snprintf(r->at, sizeof(r->at), "%s", at);
}

static bool in_list(const char *list, unsigned v, const char *const *names, const unsigned *vals,
		    size_t nnames)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, "{}, ", &save); tok; tok = strtok_r(NULL, "{}, ", &save)) {
		size_t i;

		for (i = 0; i < nnames; i++)
			if (!strcmp(tok, names[i]) && vals[i] == v)
				return true;
		if (isdigit((unsigned char)*tok) && strtoul(tok, NULL, 10) == v)
			return true;
	}
	return false;
}

/* Where a jump returns to: the chain and the rule after the jump. */
struct frame {
	const struct chain *c;
	size_t i;
};

static void push_return(struct frame *stack, size_t *sp, size_t max, const struct chain *c,
			size_t i)
{
	if (*sp == max)
		die_line(0, "jumps nested too deep at", c->name);
	stack[*sp].c = c;
	stack[(*sp)++].i = i;
}

/* Walk from chain @start; fills @r. */
static void walk(const char *start, const struct pkt *p, struct result *r)
{
	static const char *const l4names[] = {"esp", "ah", "tcp", "udp", "icmp"};
	static const unsigned l4vals[] = {50, 51, 6, 17, 1};
	const struct chain *c = find_chain(start), *base = c;
	struct frame stack[16]; /* where a jump returns to */
	size_t i, from = 0, sp = 0;
	unsigned depth = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->at, sizeof(r->at), "-");
	while (c) {
		const struct chain *next = NULL;

		for (i = from; i < c->n && !next; i++) {
			char rule[4096], *l = rule, *v;
			unsigned off;
			char name[256], target[256];

			snprintf(rule, sizeof(rule), "%s", c->rules[i]);
			r->rules++;
			/* drop the comment */
			if ((v = strstr(l, " comment \"")))
				*v = '\0';
			l = trim(l);
			if (!strncmp(l, "meta iiftype loopback", 21) || !strncmp(l, "meta oiftype loopback", 21))
				continue; /* not a loopback packet */
			if (!strncmp(l, "icmpv6 ", 7) || !strncmp(l, "ip6 ", 4))
				continue; /* IPv4: the family is compared first */
			if (!strncmp(l, "udp sport {", 11) || !strncmp(l, "udp dport {", 11)) {
				/* the protocol is compared first: a lookup only for UDP */
				if (p->proto != 17)
					continue;
				r->lookups++;
				if (in_list(strchr(l, '{'), l[4] == 's' ? p->sport : p->dport, NULL, NULL, 0)) {
					decided(r, "accept", "exemption");
					return;
				}
				continue;
			}
			if (!strncmp(l, "meta l4proto {", 14) && !strstr(l, " add @")) {
				r->lookups++;
				if (in_list(strchr(l, '{'), p->proto, l4names, l4vals, 5)) {
					decided(r, "accept", "exemption");
					return;
				}
				continue;
			}
			if (sscanf(l, "meta nfproto ipv4 goto %255s", target) == 1) {
				next = find_chain(target);
				break;
			}
			if (!strncmp(l, "meta nfproto ipv6 ", 18))
				continue;
			/* the base chain's dispatch: "meta nfproto . meta l4proto vmap { ipv4 . udp :
			 * goto in4_p17, ipv4 . esp : accept, ... }" (the packets here are IPv4) */
			if (!strncmp(l, "meta nfproto . meta l4proto vmap {", 34)) {
				char *q = l + 34, *tok, *save = NULL, pname[32], verdict[300];

				r->lookups++;
				for (tok = strtok_r(q, ",}", &save); tok; tok = strtok_r(NULL, ",}", &save)) {
					unsigned pr = 0, k;

					if (sscanf(tok, " ipv4 . %31s : %299[^\n]", pname, verdict) != 2)
						continue;
					for (k = 0; k < 5; k++)
						if (!strcmp(pname, l4names[k]))
							pr = l4vals[k];
					if (!pr && sscanf(pname, "%u", &pr) != 1)
						continue;
					if (pr != p->proto)
						continue;
					if (sscanf(verdict, "goto %255s", target) == 1) {
						next = find_chain(target);
						if (!next)
							die_line(0, "unknown chain", target);
						break;
					}
					decided(r, trim(verdict), "exemption");
					return;
				}
				if (next)
					break;
				continue;
			}
			if (!strncmp(l, "meta l4proto vmap {", 19)) {
				char *q = l + 19, *tok, *save = NULL;

				r->lookups++;
				for (tok = strtok_r(q, ",}", &save); tok; tok = strtok_r(NULL, ",}", &save)) {
					unsigned pr;

					if (sscanf(tok, " %u : goto %255s", &pr, target) == 2 && pr == p->proto) {
						next = find_chain(target);
						break;
					}
				}
				if (next)
					break;
				continue;
			}
			{
				unsigned pr;

				if (sscanf(l, "meta l4proto %u goto %255s", &pr, target) == 2) {
					if (pr == p->proto) {
						next = find_chain(target);
						break;
					}
					continue;
				}
			}
			/* the local address's walk: "ip daddr vmap { A : goto CHAIN, ... }" (saddr
			 * on output), one lookup */
			if (!strncmp(l, "ip daddr vmap {", 15) ||
			    !strncmp(l, "ip saddr vmap {", 15)) {
				uint32_t want = l[3] == 'd' ? p->dst : p->src;
				char *tok, *save = NULL, list[4096];

				r->lookups++;
				snprintf(list, sizeof(list), "%s", strchr(l, '{') + 1);
				for (tok = strtok_r(list, ",}", &save); tok && !next;
				     tok = strtok_r(NULL, ",}", &save)) {
					char a[64];
					struct in_addr ia;

					if (sscanf(tok, " %63s : goto %255s", a, target) != 2)
						continue;
					if (inet_pton(AF_INET, a, &ia) != 1)
						die_line(0, "a local address that is not one", tok);
					if (ntohl(ia.s_addr) == want)
						next = find_chain(target);
				}
				if (next)
					break;
				continue;
			}
			if (sscanf(l, "@nh,%u,16 @%255s goto %255s", &off, name, target) == 3) {
				const struct map *g = find_map(name);
				uint32_t key[MAX_FIELDS] = {0};

				r->lookups++;
				if (!g)
					die_line(0, "unknown gate", name);
				key[0] = (off == 96 ? p->src : p->dst) >> 16;
				if (off != 96 && off != 128)
					die_line(0, "gate of an unknown field", l);
				if (lookup(g, key)) {
					next = find_chain(target);
					break;
				}
				continue;
			}
			if (!strncmp(l, "counter ", 8)) {
				char *vt = trim(l + 8);

				if (!strncmp(vt, "goto ", 5) && find_chain(vt + 5)) {
					snprintf(r->at, sizeof(r->at), "%s", c->name);
					next = find_chain(vt + 5);
					break;
				}
				decided(r, vt, c->name);
				return;
			}
			/* the flow cache: "KEY @flowF_DIR_OUTCOME VERDICT" (@pair...: other
			 * protocols, by addresses and protocol) */
			if (!strstr(l, " add @") &&
			    ((v = strstr(l, " @flow")) || (v = strstr(l, " @pair"))) &&
			    sscanf(v + 2, "%255s", name) == 1) {
				char *vt = v + 2 + strlen(name);

				r->lookups++;
				if (cached_set && !strcmp(cached_set, name)) {
					vt = trim(vt);
					if (!strncmp(vt, "goto ", 5) && find_chain(vt + 5)) {
						snprintf(r->at, sizeof(r->at), "%s", name);
						next = find_chain(vt + 5);
						break;
					}
					decided(r, vt, name);
					return;
				}
				continue;
			}
			/* the flow cache's chains of a generation: "meta nfproto ipvF [meta iif|oif
			 * != 0 ]counter name FILL add @SET { ... }" */
			if (!strncmp(l, "meta nfproto ipv", 16) && (v = strstr(l, "add @"))) {
				bool want_out = strstr(l, "meta oif != 0") || strstr(l, "meta oiftype");
				bool dir_any = !want_out && !strstr(l, "meta iif != 0") &&
					       !strstr(l, "meta iiftype");

				if (l[16] != '4' || (!dir_any && want_out != p->out))
					continue;
				r->lookups++; /* the insertion */
				if (strstr(l, " != @"))
					r->lookups++; /* and the test before it */
				sscanf(v + 5, "%63s", r->added);
				continue;
			}
			if (!strncmp(l, "meta secpath exists accept", 26) ||
			    !strncmp(l, "rt ipsec exists accept", 22)) {
				/* a clear packet: the negotiate chain drops it */
				decided(r, "goto negotiate", r->at);
				return;
			}
			if (strstr(l, " log prefix "))
				continue; /* diagnostics */
			if (!strcmp(l, "accept")) {
				decided(r, "accept", r->at);
				return;
			}
			if (sscanf(l, "goto %255s", target) == 1 && find_chain(target)) {
				next = find_chain(target);
				break;
			}
			/* the flow cache's switch: "meta l4proto @fc_on_gG jump CHAIN" */
			if (sscanf(l, "meta l4proto @%255s jump %255s", name, target) == 2) {
				const struct map *sw = find_map(name);
				uint32_t key[MAX_FIELDS] = {p->proto};

				if (!sw || !find_chain(target))
					die_line(0, "unknown switch set or chain", l);
				r->lookups++;
				if (!lookup(sw, key))
					continue;
				push_return(stack, &sp, sizeof(stack) / sizeof(stack[0]), c, i + 1);
				next = find_chain(target);
				break;
			}
			if (sscanf(l, "jump %255s", target) == 1 && find_chain(target)) {
				push_return(stack, &sp, sizeof(stack) / sizeof(stack[0]), c, i + 1);
				next = find_chain(target);
				break;
			}
			if ((v = strstr(l, " vmap @"))) {
				const struct map *m;
				uint32_t key[MAX_FIELDS];
				const struct elem *e;
				char *expr = l;

				snprintf(name, sizeof(name), "%s", v + 7);
				*v = '\0';
				/* "me" on input, "fib daddr type != @fib_group ": a route lookup,
				 * its type looked up in the set; the benchmark's packets go to
				 * unicast addresses: the condition holds, then the map */
				if (!strncmp(expr, "fib daddr type != @", 19)) {
					r->lookups++;
					if (!(expr = strchr(expr + 19, ' ')))
						die_line(0, "unknown rule", c->rules[i]);
					expr++;
				} else if (!strncmp(expr, "fib ", 4)) {
					die_line(0, "unknown rule", c->rules[i]);
				}
				m = find_map(name);
				if (!m)
					die_line(0, "unknown map", name);
				if (!key_of(expr, p, key))
					die_line(0, "unknown key expression", c->rules[i]);
				r->lookups++;
				e = lookup(m, key);
				if (e && !strncmp(e->verdict, "jump ", 5) && find_chain(e->verdict + 5)) {
					/* the flow cache's switch maps: to the chains of a generation */
					push_return(stack, &sp, sizeof(stack) / sizeof(stack[0]), c,
						    i + 1);
					next = find_chain(e->verdict + 5);
					break;
				}
				if (e && !strncmp(e->verdict, "goto ", 5) && find_chain(e->verdict + 5)) {
					/* a verdict chain (flow cache, negotiate) */
					snprintf(r->at, sizeof(r->at), "%s", m->name);
					next = find_chain(e->verdict + 5);
					break;
				}
				if (e) {
					/* the liveness map ends a walk the map before it decided */
					decided(r, e->verdict,
						strncmp(m->name, "alive", 5) || !strcmp(r->at, "-")
						    ? m->name
						    : r->at);
					return;
				}
				continue;
			}
			if (!strcmp(l, "drop")) {
				decided(r, "drop", strcmp(r->at, "-") ? r->at : c->name);
				return;
			}
			die_line(0, "unknown rule", c->rules[i]);
		}
		from = 0;
		if (!next && sp > 0) {
			/* the end of a chain reached by jump: back to the rule after it */
			sp--;
			c = stack[sp].c;
			from = stack[sp].i;
			continue;
		}
		if (!next)
			break; /* end of a chain reached by goto: the base chain's policy */
		c = next;
		if (++depth > 64)
			die_line(0, "chain loop at", c->name);
	}
	decided(r, base->policy ? base->policy : "accept (policy)", "-");
}

static int parse_pkt(int argc, char **argv, int *i, struct pkt *p)
{
	bool have_hook = false;

	memset(p, 0, sizeof(*p));
	for (; *i < argc; (*i)++) {
		char *a = argv[*i], *eq = strchr(a, '=');
		struct in_addr ad;

		if (!eq)
			return -EINVAL;
		*eq = '\0';
		if (!strcmp(a, "hook")) {
			if (have_hook) {
				*eq = '=';
				return 0;
			}
			have_hook = true;
			p->out = !strcmp(eq + 1, "out");
		} else if (!strcmp(a, "src") || !strcmp(a, "dst")) {
			if (inet_pton(AF_INET, eq + 1, &ad) != 1)
				return -EINVAL;
			*(a[0] == 's' ? &p->src : &p->dst) = ntohl(ad.s_addr);
		} else if (!strcmp(a, "proto")) {
			p->proto = (unsigned)strtoul(eq + 1, NULL, 10);
		} else if (!strcmp(a, "sport")) {
			p->sport = (unsigned)strtoul(eq + 1, NULL, 10);
		} else if (!strcmp(a, "dport")) {
			p->dport = (unsigned)strtoul(eq + 1, NULL, 10);
		} else {
			*eq = '=';
			return -EINVAL;
		}
		*eq = '=';
	}
	return have_hook ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	int i = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: ipp-nftwalk RULESET hook=in|out src=A dst=B proto=N "
				"[sport=P] [dport=P] [hook=...]\n");
		return 2;
	}
	load(argv[1]);
	while (i < argc) {
		struct pkt p;
		struct result r;

		if (parse_pkt(argc, argv, &i, &p) < 0) {
			fprintf(stderr, "ipp-nftwalk: bad packet argument \"%s\"\n",
				i < argc ? argv[i] : "");
			return 2;
		}
		struct result rc;

		cached_set = NULL;
		walk(p.out ? "output" : "input", &p, &r);
		cached_set = r.added[0] ? r.added : NULL;
		walk(p.out ? "output" : "input", &p, &rc);
		printf("lookups %u cached %u rules %u verdict %s at %s\n", r.lookups, rc.lookups,
		       r.rules, r.verdict, r.at);
	}
	return 0;
}
