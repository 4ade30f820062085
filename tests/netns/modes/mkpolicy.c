/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkpolicy - writes a test policy into a store through the store API.
 *
 *   mkpolicy [-s SRC] [-d DST] DB STORE NAME ACTION PROTO PORT...
 *       add policy NAME with one rule: SRC -> DST (default any -> me; also
 *       dns, gateway, an address), PROTO (tcp|udp), each PORT as destination
 *       port, mirrored, filter action ACTION (block|permit); assigned in STORE
 *   mkpolicy DB STORE unassign                    unassign every policy of STORE
 * STORE is persistent or local.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "store/store.h"

static int die(const char *what, const struct ipp_error *e)
{
	fprintf(stderr, "mkpolicy: %s: %s\n", what, e->msg);
	return 1;
}

int main(int argc, char **argv)
{
	struct ipp_error e = {0};
	enum ipp_store_loc loc;
	struct ipp_policy p;
	struct ipp_filterlist l;
	struct ipp_filteraction fa;
	struct ipp_rule r;
	struct ipp_addr src = {.kind = IPP_ADDR_ANY}, dst = {.kind = IPP_ADDR_ME};
	struct ipp_db *db;
	int i, c;

	while ((c = getopt(argc, argv, "+s:d:")) != -1) {
		struct ipp_addr *a = c == 's' ? &src : &dst;

		if ((c != 's' && c != 'd') || ipp_addr_parse(optarg, a, &e) < 0) {
			fprintf(stderr, "mkpolicy: bad option or address: %s\n", e.msg);
			return 2;
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 4) {
		fprintf(stderr,
			"usage: mkpolicy DB STORE NAME ACTION PROTO PORT... | DB STORE unassign\n");
		return 2;
	}
	loc = !strcmp(argv[2], "persistent") ? IPP_STORE_PERSISTENT : IPP_STORE_LOCAL;
	if (ipp_db_open(argv[1], 0, &db, &e) < 0)
		return die("open", &e);
	if (!strcmp(argv[3], "unassign")) {
		if (ipp_db_assign(db, loc, 0, &e) < 0)
			return die("unassign", &e);
		ipp_db_close(db);
		return 0;
	}
	if (argc < 7)
		return 2;
	if (ipp_db_begin(db, &e) < 0)
		return die("begin", &e);
	ipp_policy_init(&p);
	snprintf(p.name, sizeof(p.name), "%s", argv[3]);
	p.activatedefaultrule = false;
	if (ipp_db_policy_add(db, loc, &p, &e) < 0)
		return die("add policy", &e);
	ipp_filterlist_init(&l);
	snprintf(l.name, sizeof(l.name), "%s-list", argv[3]);
	if (ipp_db_filterlist_add(db, loc, &l, &e) < 0)
		return die("add filterlist", &e);
	for (i = 6; i < argc; i++) {
		struct ipp_filter f;

		ipp_filter_init(&f);
		f.src = src;
		f.dst = dst;
		if (ipp_proto_parse(argv[5], &f.protocol, &e) < 0 ||
		    ipp_port_parse(argv[i], &f.dstport, &e) < 0)
			return die("filter", &e);
		f.mirrored = true;
		if (ipp_db_filter_add(db, l.id, &f, &e) < 0)
			return die("add filter", &e);
		ipp_filter_clear(&f);
	}
	ipp_filteraction_init(&fa);
	snprintf(fa.name, sizeof(fa.name), "%s-action", argv[3]);
	if (ipp_action_parse(argv[4], &fa.action, &e) < 0)
		return die("action", &e);
	if (ipp_db_filteraction_add(db, loc, &fa, &e) < 0)
		return die("add filteraction", &e);
	ipp_rule_init(&r);
	snprintf(r.name, sizeof(r.name), "%s-rule", argv[3]);
	r.policy_id = p.id;
	r.filterlist_id = l.id;
	r.filteraction_id = fa.id;
	if (ipp_db_rule_add(db, &r, &e) < 0)
		return die("add rule", &e);
	if (ipp_db_assign(db, loc, p.id, &e) < 0)
		return die("assign", &e);
	if (ipp_db_commit(db, &e) < 0)
		return die("commit", &e);
	ipp_rule_clear(&r);
	ipp_filteraction_clear(&fa);
	ipp_filterlist_clear(&l);
	ipp_policy_clear(&p);
	ipp_db_close(db);
	return 0;
}
