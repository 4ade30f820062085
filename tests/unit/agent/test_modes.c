/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mode rulesets and their guards, compared with golden files in
 * golden/modes-*.nft and golden/modes-*.guard.nft.
 * IPP_REGEN=1 rewrites the golden files (review the diff before committing).
 * The namespace tests load the same files into a real kernel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/modes.h"

struct gcase {
	const char *name;
	enum ipp_mode mode;
	const char *exempt;
	unsigned diag;
	bool defrag6; /* the kernel can reassemble IPv6 (chain defrag6 where needed) */
};

static const struct gcase cases[] = {
    {"startup-permit", IPP_MODE_STARTUP_PERMIT, "tcp:0:3389:inbound", 1, true},
    {"permit", IPP_MODE_PERMIT, "none", 0, true},
    {"startup-block", IPP_MODE_STARTUP_BLOCK, "none", 0, false},
    /* Its port matches see whole IPv6 datagrams: chain defrag6. */
    {"startup-block-defrag6", IPP_MODE_STARTUP_BLOCK, "udp:0:7777:inbound", 0, true},
    {"startup-block-exempt", IPP_MODE_STARTUP_BLOCK,
     "tcp:0:3389:inbound udp:0:53:outbound icmp:0:0:inbound 47:0:0:outbound "
     "udp:5000:6000:inbound",
     0, false},
    {"startup-block-diag", IPP_MODE_STARTUP_BLOCK, "tcp:0:3389:inbound", 1, false},
    /* "icmp" is ICMP and ICMPv6, the number 1 ICMP alone */
    {"startup-block-icmp", IPP_MODE_STARTUP_BLOCK, "icmp:0:0:inbound 1:0:0:outbound", 0, false},
    /* Conntrack reassembles already: no chain defrag6. */
    {"startup-stateful", IPP_MODE_STARTUP_STATEFUL, "none", 0, true},
    {"startup-stateful-exempt", IPP_MODE_STARTUP_STATEFUL,
     "tcp:0:3389:inbound udp:0:53:outbound any:0:0:inbound", 0, false},
    {"startup-stateful-diag", IPP_MODE_STARTUP_STATEFUL, "tcp:0:3389:inbound", 7, false},
    /* Operational block keeps the exemptions and DHCP, as Windows' block mode does. */
    {"block", IPP_MODE_BLOCK, "tcp:0:3389:inbound", 0, true},
    {"block-diag", IPP_MODE_BLOCK, "none", 2, false},
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static void test_golden(void **state)
{
	const char *src = getenv("IPP_SOURCE_DIR");
	bool regen = getenv("IPP_REGEN") && !strcmp(getenv("IPP_REGEN"), "1");
	struct ipp_bootexempt ex[IPP_BOOTEXEMPT_MAX];
	struct ipp_error err = {0};
	char path[4096], *got, *want;
	struct ipp_mode_opts o;
	size_t i, n;
	FILE *f;

	(void)state;
	if (!src)
		src = IPP_SOURCE_DIR_DEFAULT;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    ipp_bootexempt_parse_list(cases[i].exempt, ex, IPP_BOOTEXEMPT_MAX, &n, &err),
		    0);
		o = (struct ipp_mode_opts){.exempt = ex,
					   .nexempt = n,
					   .diagnostics = cases[i].diag,
					   .defrag6 = cases[i].defrag6};
		assert_int_equal(ipp_mode_ruleset(cases[i].mode, &o, &got, &err), 0);
		snprintf(path, sizeof(path), "%s/tests/unit/agent/golden/modes-%s.nft", src,
			 cases[i].name);
		if (regen) {
			f = fopen(path, "w");
			assert_non_null(f);
			fputs(got, f);
			fclose(f);
		}
		want = slurp(path);
		if (!want)
			fail_msg("missing golden file %s (run with IPP_REGEN=1)", path);
		if (strcmp(got, want))
			fail_msg("%s differs from the emitted ruleset:\n%s", path, got);
		free(got);
		free(want);
		if (!ipp_mode_needs_guard(cases[i].mode)) {
			assert_int_equal(ipp_mode_guard_ruleset(cases[i].mode, &o, &got, &err),
					 -EINVAL);
			continue;
		}
		/* The guard: the same ruleset as table ipsecpol_guard. */
		assert_int_equal(ipp_mode_guard_ruleset(cases[i].mode, &o, &got, &err), 0);
		snprintf(path, sizeof(path), "%s/tests/unit/agent/golden/modes-%s.guard.nft", src,
			 cases[i].name);
		if (regen) {
			f = fopen(path, "w");
			assert_non_null(f);
			fputs(got, f);
			fclose(f);
		}
		want = slurp(path);
		if (!want)
			fail_msg("missing golden file %s (run with IPP_REGEN=1)", path);
		if (strcmp(got, want))
			fail_msg("%s differs from the emitted guard:\n%s", path, got);
		free(got);
		free(want);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ipp_mode_name(IPP_MODE_STARTUP_STATEFUL), "startup-stateful");
	assert_int_equal(ipp_mode_from_name("secure"), IPP_MODE_SECURE);
	assert_int_equal(ipp_mode_from_name("Block"), IPP_MODE_BLOCK);
	assert_int_equal(ipp_mode_from_name("nope"), IPP_MODE_INVALID);
	assert_int_equal(ipp_mode_from_bootmode(IPP_BOOT_PERMIT), IPP_MODE_STARTUP_PERMIT);
	assert_int_equal(ipp_mode_from_bootmode(IPP_BOOT_BLOCK), IPP_MODE_STARTUP_BLOCK);
	assert_int_equal(ipp_mode_from_bootmode(IPP_BOOT_STATEFUL), IPP_MODE_STARTUP_STATEFUL);
	/* Doubt resolves to block, never permit. */
	assert_int_equal(ipp_mode_from_bootmode(IPP_BOOT_UNSET), IPP_MODE_STARTUP_BLOCK);
	assert_int_equal(ipp_mode_from_bootmode(IPP_BOOT_INVALID), IPP_MODE_STARTUP_BLOCK);
	assert_true(ipp_mode_needs_guard(IPP_MODE_BLOCK));
	assert_true(ipp_mode_needs_guard(IPP_MODE_STARTUP_STATEFUL));
	assert_false(ipp_mode_needs_guard(IPP_MODE_PERMIT));
	assert_false(ipp_mode_needs_guard(IPP_MODE_STARTUP_PERMIT));
}

static void test_errors(void **state)
{
	struct ipp_error err = {0};
	struct ipp_bootexempt bad = {.proto = 6, .dport = 1}; /* no direction */
	struct ipp_mode_opts o = {.exempt = &bad, .nexempt = 1};
	char *text = NULL;

	(void)state;
	assert_int_equal(ipp_mode_ruleset(IPP_MODE_SECURE, NULL, &text, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "mode \"secure\" has no fixed ruleset"));
	assert_null(text);
	assert_int_equal(ipp_mode_ruleset(IPP_MODE_STARTUP_BLOCK, &o, &text, &err), -EINVAL);
	assert_int_equal(ipp_mode_ruleset(IPP_MODE_INVALID, NULL, &text, &err), -EINVAL);
	/* Every ruleset starts by replacing the table and ends by removing the guard. */
	assert_int_equal(ipp_mode_ruleset(IPP_MODE_BLOCK, NULL, &text, &err), 0);
	assert_true(!strncmp(text, "table inet ipsecpol {}\ndelete table inet ipsecpol\n", 50));
	assert_non_null(strstr(text, "}\ntable inet ipsecpol_guard {}\n"
				     "delete table inet ipsecpol_guard\n"));
	free(text);
}

static void test_droplog_statement(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	ipp_nft_emit_droplog(f, 0, "secure", "in", "block");
	ipp_nft_emit_droplog(f, 3, "secure", "in", "block");
	fclose(f);
	assert_string_equal(buf,
			    "\t\tlog prefix \"ipsecpol secure in block\" group 2003 snaplen 128\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_droplog_statement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
