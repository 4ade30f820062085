/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * golden.c - golden tests of the compiler: golden/NNN-name.in (testpol.h
 * format) against golden/NNN-name.ok, the exact nft text:
 *   - "# warning: ..." lines for the effective policy's warnings,
 *   - the whole ruleset,
 *   - when the input has a "next" line: "# diff ..." and the element-level
 *     difference from the state before "next" to the final state.
 * IPP_UPDATE_GOLDEN=1 rewrites the .ok files (review the git diff).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testpol.h"

/* IPP_GOLDEN_KERNEL_DIR: where render() also writes NAME.new.nft, and for cases with a
 * "next", NAME.old.nft and NAME.diff.nft, for tests/netns/golden to load into a kernel. */
static void dump(const char *name, const char *what, const struct ipp_compiled *c,
		 const char *text)
{
	const char *dir = getenv("IPP_GOLDEN_KERNEL_DIR");
	char path[4300];
	struct ipp_error err = {0};
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.%s.nft", dir, name, what);
	f = fopen(path, "we");
	assert_non_null(f);
	if (c)
		assert_int_equal(ipp_compiled_emit(c, f, &err), 0);
	else
		fputs(text, f);
	fclose(f);
}

static char *render(const char *path, const char *name, struct ipp_error *err)
{
	struct ipp_effective *eff = NULL, *old_eff = NULL;
	struct ipp_compiled *c = NULL, *oc = NULL;
	struct ipp_cdiff_stats st;
	struct testpol t;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *out;
	int r;

	testpol_init(&t);
	t.opts.cells = false; /* (the walks as they are, unless "option cells") */
	out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	r = testpol_file(&t, path, err);
	if (r == 0)
		r = testpol_effective(&t, false, &eff, err);
	if (r == 0)
		r = ipp_compile(eff, &t.opts, &c, err);
	if (r == 0) {
		for (i = 0; i < eff->nwarnings; i++)
			fprintf(out, "# warning: %s\n", eff->warnings[i]);
		r = ipp_compiled_emit(c, out, err);
		dump(name, "new", c, NULL);
	}
	if (r == 0 && t.has_next) {
		r = testpol_effective(&t, true, &old_eff, err);
		if (r == 0)
			r = ipp_compile(old_eff, &t.opts, &oc, err);
		if (r == 0) {
			char *d = NULL;

			/* as the agent does: the rules move to the other flow cache generation */
			c->flow_gen = oc->flow_gen ^ 1;
			r = ipp_compiled_diff_text(oc, c, &d, &st, err);
			if (r == 0) {
				dump(name, "old", oc, NULL);
				dump(name, "diff", NULL, d);
				fprintf(out,
					"# diff from the state at \"next\": full=%d added=%zu "
					"deleted=%zu tiers+%zu tiers-%zu chains=%zu\n",
					st.full, st.elems_added, st.elems_deleted, st.tiers_added,
					st.tiers_deleted, st.chains_rewritten);
				fputs(d, out);
			}
			free(d);
		}
	}
	if (r < 0)
		fprintf(out, "# error: %s\n", err->msg);
	fclose(out);
	ipp_compiled_free(c);
	ipp_compiled_free(oc);
	ipp_effective_free(eff);
	ipp_effective_free(old_eff);
	testpol_clear(&t);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *out;

	if (!f)
		return NULL;
	out = open_memstream(&buf, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, out);
	fclose(out);
	fclose(f);
	return buf;
}

static void report_first_difference(const char *name, const char *want, const char *got)
{
	unsigned line = 1;
	const char *a = want, *b = got;

	while (*a && *a == *b) {
		if (*a == '\n')
			line++;
		a++;
		b++;
	}
	while (a > want && a[-1] != '\n')
		a--;
	while (b > got && b[-1] != '\n')
		b--;
	fprintf(stderr, "%s: differs at line %u\n  expected: %.*s\n  got:      %.*s\n", name, line,
		(int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden(void **state)
{
	const char *src = getenv("IPP_SOURCE_DIR");
	bool update = getenv("IPP_UPDATE_GOLDEN") && !strcmp(getenv("IPP_UPDATE_GOLDEN"), "1");
	char dir[4096];
	char *names[512];
	size_t n = 0, i, failed = 0;
	struct dirent *de;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/unit/compile/golden", src ? src : ".");
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) && n < 512) {
		size_t l = strlen(de->d_name);

		if (l > 3 && !strcmp(de->d_name + l - 3, ".in"))
			names[n++] = strndup(de->d_name, l - 3);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		char in[4200], ok[4200];
		struct ipp_error err = {0};
		char *got, *want;

		snprintf(in, sizeof(in), "%s/%s.in", dir, names[i]);
		snprintf(ok, sizeof(ok), "%s/%s.ok", dir, names[i]);
		got = render(in, names[i], &err);
		assert_non_null(got);
		if (update) {
			FILE *f = fopen(ok, "we");

			assert_non_null(f);
			fputs(got, f);
			fclose(f);
			printf("updated %s\n", ok);
		} else {
			want = slurp(ok);
			if (!want) {
				fprintf(stderr, "%s: no %s (run with IPP_UPDATE_GOLDEN=1)\n", names[i], ok);
				failed++;
			} else if (strcmp(want, got)) {
				report_first_difference(names[i], want, got);
				failed++;
			}
			free(want);
		}
		free(got);
		free(names[i]);
	}
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
