/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enforce_tool.c - the enforcement test's helper, run inside the test's
 * network namespaces:
 *
 *   store ROOT FILE        write the policies of FILE (tests/unit/compile/testpol.h
 *                          format) into ROOT's stores, replacing their content
 *   apply ROOT [dry]       ipp_apply_once(): what `ipsecpold --once [--dry-run]` does
 *   update ROOT OLDFILE    the daemon's path: the kernel holds OLDFILE's policy;
 *                          bring it to the stores' with ipp_apply_update() and
 *                          print what was done
 *   refuse ROOT OLDFILE    apply the difference from OLDFILE's policy to the stores'
 *                          to a kernel that does not hold OLDFILE's policy; the
 *                          kernel must refuse; print the error message
 *   counters ROOT          per-filter packet counters read back from the kernel
 *   diffcheck FILE         FILE has a "next" line: install the old state, apply the
 *                          element-level difference, and compare what the kernel
 *                          then holds with a fresh install of the new state
 *
 * Exit status 0 on success, 1 on failure (message on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/apply.h"
#include "agent/hostenv.h"
#include "common/paths.h"
#include "compile/compile.h"
#include "driver/driver.h"
#include "store/store.h"
#include "testpol.h"

static int die(const struct ipp_error *err, const char *what)
{
	fprintf(stderr, "enforce_tool: %s: %s\n", what, err->msg);
	return 1;
}

static int cmd_store(const char *root, const char *file)
{
	static const enum ipp_store_loc locs[3] = {IPP_STORE_PERSISTENT, IPP_STORE_DOMAIN,
						   IPP_STORE_LOCAL};
	struct ipp_error err = {0};
	struct ipp_paths p;
	struct ipp_db *db;
	struct testpol t;
	int i;

	testpol_init(&t);
	if (ipp_paths_init(root, &p, &err) < 0 || ipp_paths_mkdirs(&p, &err) < 0 ||
	    testpol_file(&t, file, &err) < 0 || ipp_db_open(p.db, 0, &db, &err) < 0)
		return die(&err, "store");
	for (i = 0; i < 3; i++) {
		if (ipp_db_replace(db, locs[i], t.store[i], &err) < 0) {
			ipp_db_close(db);
			return die(&err, "store");
		}
	}
	ipp_db_close(db);
	testpol_clear(&t);
	return 0;
}

static int cmd_apply(const char *root, bool dry)
{
	struct ipp_error err = {0};
	struct ipp_paths p;
	int r;

	if (ipp_paths_init(root, &p, &err) < 0)
		return die(&err, "apply");
	r = ipp_apply_once(&p, dry ? IPP_APPLY_DRY_RUN : 0, stdout, &err);
	if (r < 0) {
		fprintf(stderr, "enforce_tool: apply: %s (%s)\n", err.msg, strerror(-r));
		return r == -ENOTRECOVERABLE ? 3 : 1;
	}
	return 0;
}

static struct ipp_compiled *compile_file(const char *file, bool old, struct ipp_error *err)
{
	struct ipp_effective *e = NULL;
	struct ipp_compiled *c = NULL;
	struct testpol t;

	testpol_init(&t);
	if (testpol_file(&t, file, err) == 0 && testpol_effective(&t, old, &e, err) == 0)
		ipp_compile(e, &t.opts, &c, err);
	ipp_effective_free(e);
	testpol_clear(&t);
	return c;
}

static int cmd_update(const char *root, const char *oldfile)
{
	struct ipp_error err = {0};
	struct ipp_apply_result res;
	struct ipp_compiled *old;
	struct ipp_cdiff_stats st;
	struct ipp_paths p;
	int r;

	old = compile_file(oldfile, false, &err);
	if (!old)
		return die(&err, "update");
	if (ipp_paths_init(root, &p, &err) < 0 || ipp_apply_compute(&p, NULL, NULL, &res, &err) < 0)
		return die(&err, "update");
	r = ipp_apply_update(NULL, old, res.compiled, &st, &err);
	ipp_compiled_free(old);
	ipp_apply_result_clear(&res);
	if (r < 0)
		return die(&err, "update");
	printf("full=%d added=%zu deleted=%zu tiers+%zu tiers-%zu chains=%zu\n", st.full,
	       st.elems_added, st.elems_deleted, st.tiers_added, st.tiers_deleted,
	       st.chains_rewritten);
	return 0;
}

static int cmd_refuse(const char *root, const char *oldfile)
{
	struct ipp_error err = {0};
	struct ipp_apply_result res;
	struct ipp_compiled *old;
	struct ipp_paths p;
	char *text = NULL;
	int r;

	old = compile_file(oldfile, false, &err);
	if (!old)
		return die(&err, "refuse");
	if (ipp_paths_init(root, &p, &err) < 0 || ipp_apply_compute(&p, NULL, NULL, &res, &err) < 0 ||
	    ipp_compiled_diff_text(old, res.compiled, &text, NULL, &err) < 0)
		return die(&err, "refuse");
	r = ipp_apply_text(NULL, res.compiled, text, false, &err);
	free(text);
	ipp_compiled_free(old);
	ipp_apply_result_clear(&res);
	if (r == 0) {
		fprintf(stderr, "enforce_tool: refuse: the kernel accepted the changes\n");
		return 1;
	}
	printf("%s\n", err.msg);
	return 0;
}

static int cmd_counters(const char *root)
{
	struct ipp_error err = {0};
	struct ipp_apply_result res;
	struct ipp_counter *v = NULL;
	struct ipp_driver *d;
	struct ipp_paths p;
	size_t n = 0, i;

	if (ipp_paths_init(root, &p, &err) < 0 || ipp_apply_compute(&p, NULL, NULL, &res, &err) < 0 ||
	    ipp_driver_open(&d, &err) < 0)
		return die(&err, "counters");
	if (ipp_driver_counters(d, res.compiled, &v, &n, NULL, &err) < 0)
		return die(&err, "counters");
	for (i = 0; i < n; i++) {
		char desc[1024];

		ipp_celem_describe(res.compiled, v[i].elem, desc, sizeof(desc));
		printf("%s map %s packets %llu bytes %llu\n", desc, v[i].tier->name,
		       (unsigned long long)v[i].packets, (unsigned long long)v[i].bytes);
	}
	free(v);
	ipp_driver_close(d);
	ipp_apply_result_clear(&res);
	return 0;
}

/* ---------- diffcheck ---------- */

static int elem_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The listing with every "elements = { ... }" block sorted: a hash map lists
 * its elements in hash order, which differs between a map filled at once
 * and one changed element by element.
 */
static char *normalize(const char *text)
{
	char *buf = NULL, *out = NULL;
	const char *p = text;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	(void)buf;
	while (*p) {
		const char *e = strstr(p, "elements = {");
		const char *close;
		char *block, *tok, *save = NULL;
		char **items = NULL;
		size_t n = 0, i;

		if (!e) {
			fputs(p, f);
			break;
		}
		fwrite(p, 1, (size_t)(e - p), f);
		close = strchr(e, '}');
		if (!close)
			break;
		block = strndup(e + 12, (size_t)(close - e - 12));
		for (tok = strtok_r(block, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ' || *tok == '\t' || *tok == '\n')
				tok++;
			while (*tok && strchr(" \t\n", tok[strlen(tok) - 1]))
				tok[strlen(tok) - 1] = '\0';
			if (!*tok)
				continue;
			items = realloc(items, (n + 1) * sizeof(*items));
			items[n++] = tok;
		}
		qsort(items, n, sizeof(*items), elem_cmp);
		fputs("elements = {\n", f);
		for (i = 0; i < n; i++)
			fprintf(f, "\t\t\t%s\n", items[i]);
		fputs("\t\t}", f);
		free(items);
		free(block);
		p = close + 1;
	}
	fclose(f);
	return out;
}

/* The maps and chains of the table in name order (a listing shows creation order). */
static char *sort_blocks(char *text)
{
	char *out = NULL, *line, *save = NULL, **blocks = NULL, *cur = NULL;
	size_t len = 0, n = 0, i, clen = 0;
	FILE *f = open_memstream(&out, &len), *cf = NULL;

	if (!f)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "\tmap ", 5) || !strncmp(line, "\tchain ", 7)) {
			cf = open_memstream(&cur, &clen);
		}
		if (cf) {
			fprintf(cf, "%s\n", line);
			if (!strcmp(line, "\t}")) {
				fclose(cf);
				cf = NULL;
				blocks = realloc(blocks, (n + 1) * sizeof(*blocks));
				blocks[n++] = cur;
				cur = NULL;
			}
			continue;
		}
		if (!strcmp(line, "}")) {
			qsort(blocks, n, sizeof(*blocks), elem_cmp);
			for (i = 0; i < n; i++) {
				fputs(blocks[i], f);
				free(blocks[i]);
			}
			n = 0;
		}
		fprintf(f, "%s\n", line);
	}
	if (cf)
		fclose(cf);
	free(cur);
	for (i = 0; i < n; i++)
		free(blocks[i]);
	free(blocks);
	fclose(f);
	return out;
}

static int listing(struct ipp_driver *d, char **ret, struct ipp_error *err)
{
	char *raw, *norm;
	int r;

	r = ipp_driver_query(d, "list table " IPP_NFT_FAMILY " " IPP_NFT_TABLE, false, &raw, err);
	if (r < 0)
		return r;
	norm = normalize(raw);
	free(raw);
	*ret = norm ? sort_blocks(norm) : NULL;
	free(norm);
	return *ret ? 0 : -ENOMEM;
}

static int cmd_diffcheck(const char *file)
{
	struct ipp_error err = {0};
	struct ipp_compiled *oc, *nc;
	struct ipp_cdiff_stats st;
	struct ipp_driver *d;
	char *t_old = NULL, *t_diff = NULL, *t_new = NULL, *a = NULL, *b = NULL;
	int rc = 1;

	oc = compile_file(file, true, &err);
	nc = oc ? compile_file(file, false, &err) : NULL;
	if (!oc || !nc || ipp_driver_open(&d, &err) < 0)
		return die(&err, file);
	if (ipp_compiled_ruleset(oc, &t_old, &err) < 0 || ipp_compiled_ruleset(nc, &t_new, &err) < 0 ||
	    ipp_compiled_diff_text(oc, nc, &t_diff, &st, &err) < 0)
		goto out;
	if (ipp_apply_text(d, oc, t_old, false, &err) < 0 ||
	    ipp_apply_text(d, nc, t_diff, false, &err) < 0 || listing(d, &a, &err) < 0 ||
	    ipp_apply_text(d, nc, t_new, false, &err) < 0 || listing(d, &b, &err) < 0)
		goto out;
	if (strcmp(a, b)) {
		fprintf(stderr, "%s: after the difference:\n%s\nafter a full install:\n%s\n", file, a,
			b);
		goto out;
	}
	printf("%s: full=%d added=%zu deleted=%zu tiers+%zu tiers-%zu chains=%zu: same table\n",
	       file, st.full, st.elems_added, st.elems_deleted, st.tiers_added, st.tiers_deleted,
	       st.chains_rewritten);
	rc = 0;
out:
	if (rc && err.msg[0])
		die(&err, file);
	free(t_old);
	free(t_diff);
	free(t_new);
	free(a);
	free(b);
	ipp_compiled_free(oc);
	ipp_compiled_free(nc);
	ipp_driver_close(d);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "store"))
		return cmd_store(argv[2], argv[3]);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "apply"))
		return cmd_apply(argv[2], argc == 4 && !strcmp(argv[3], "dry"));
	if (argc == 4 && !strcmp(argv[1], "update"))
		return cmd_update(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "refuse"))
		return cmd_refuse(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "counters"))
		return cmd_counters(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "diffcheck"))
		return cmd_diffcheck(argv[2]);
	fprintf(stderr, "usage: enforce_tool store ROOT FILE | apply ROOT [dry] | update ROOT "
			"OLDFILE | refuse ROOT OLDFILE | counters ROOT | diffcheck FILE\n");
	return 2;
}
