/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver.conf: parsing (good and bad files), the netsh properties, save/load, update. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/driverconf.h"

static int parse_text(const char *text, struct ipp_driverconf *c, struct ipp_error *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(f);
	r = ipp_driverconf_parse(f, "driver.conf", c, err);
	fclose(f);
	return r;
}

/* Write @c as a file, check that it holds @line, and read it back into @c. */
static void rewrite(struct ipp_driverconf *c, const char *line)
{
	struct ipp_error err = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ipp_driverconf_write(c, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, line));
	assert_int_equal(parse_text(buf, c, &err), 0);
	free(buf);
}

static void test_defaults(void **state)
{
	struct ipp_driverconf c;
	struct ipp_error err = {0};

	(void)state;
	assert_int_equal(parse_text("", &c, &err), 0);
	assert_int_equal(c.bootmode, IPP_BOOT_UNSET);
	assert_int_equal(c.nexempt, 0);
	assert_int_equal(c.diagnostics, 0);
	assert_int_equal(c.log_interval, 3600);
	assert_int_equal(c.no_default_exempt, 3);
	assert_int_equal(c.ike_logging, 0);
	assert_int_equal(c.strong_crl_check, 1);
	assert_int_equal(c.flow_cache, 1);
	/* Unset boot mode: stateful once a policy is assigned, else permit. */
	assert_int_equal(ipp_driverconf_bootmode(&c, false), IPP_BOOT_PERMIT);
	assert_int_equal(ipp_driverconf_bootmode(&c, true), IPP_BOOT_STATEFUL);
	ipp_driverconf_failsafe(&c);
	assert_int_equal(ipp_driverconf_bootmode(&c, false), IPP_BOOT_BLOCK);
	assert_int_equal(ipp_driverconf_bootmode(&c, true), IPP_BOOT_BLOCK);
}

static void test_good_file(void **state)
{
	static const char text[] =
	    "# a comment\n"
	    "\n"
	    "  operationmode = 1\r\n"
	    "BootExemptions=\"TCP:0:3389:inbound udp:0:53:outbound 47:0:0:Inbound\"\n"
	    "; another comment\n"
	    "DiagnosticMode=9\n"
	    "LogInterval=60\n"
	    "NoDefaultExempt=0\n"
	    "IkeLogging=1\n"
	    "StrongCrlCheck=2\n";
	struct ipp_driverconf c;
	struct ipp_error err = {0};
	char buf[256];

	(void)state;
	assert_int_equal(parse_text(text, &c, &err), 0);
	assert_int_equal(c.bootmode, IPP_BOOT_BLOCK);
	assert_int_equal(c.nexempt, 3);
	assert_int_equal(c.exempt[0].proto, 6);
	assert_int_equal(c.exempt[0].sport, 0);
	assert_int_equal(c.exempt[0].dport, 3389);
	assert_int_equal(c.exempt[0].dir, IPP_DIR_INBOUND);
	assert_int_equal(c.exempt[1].proto, 17);
	assert_int_equal(c.exempt[1].dport, 53);
	assert_int_equal(c.exempt[1].dir, IPP_DIR_OUTBOUND);
	assert_int_equal(c.exempt[2].proto, 47);
	ipp_bootexempt_format_list(c.exempt, c.nexempt, buf, sizeof(buf));
	assert_string_equal(buf, "tcp:0:3389:inbound udp:0:53:outbound 47:0:0:inbound");
	assert_int_equal(c.diagnostics, 9);
	assert_int_equal(c.log_interval, 60);
	assert_int_equal(c.no_default_exempt, 0);
	assert_int_equal(c.ike_logging, 1);
	assert_int_equal(c.strong_crl_check, 2);

	/* "icmp" is ICMP and ICMPv6, the number 1 ICMP alone: each written back as given */
	assert_int_equal(parse_text("BootExemptions=icmp:0:0:inbound 1:0:0:outbound\n", &c, &err),
			 0);
	assert_true(c.exempt[0].icmp && !c.exempt[1].icmp);
	ipp_bootexempt_format_list(c.exempt, c.nexempt, buf, sizeof(buf));
	assert_string_equal(buf, "icmp:0:0:inbound 1:0:0:outbound");

	assert_int_equal(parse_text("OperationMode=0\nBootExemptions=none\n", &c, &err), 0);
	assert_int_equal(c.bootmode, IPP_BOOT_PERMIT);
	assert_int_equal(c.nexempt, 0);
	assert_int_equal(parse_text("OperationMode=3\nBootExemptions=\n", &c, &err), 0);
	assert_int_equal(c.bootmode, IPP_BOOT_STATEFUL);
	assert_int_equal(ipp_driverconf_bootmode(&c, false), IPP_BOOT_STATEFUL);
}

/* Each malformed file fails with a message naming file:line and the token. */
static void test_bad_files(void **state)
{
	static const struct {
		const char *text;
		const char *msg; /* substring expected in the message */
	} cases[] = {
	    {"OperationMode=2\n", "driver.conf:1: OperationMode \"2\" is not valid: expected 0 "
				  "(permit), 1 (block) or 3 (stateful)"},
	    {"OperationMode=\n", "driver.conf:1: OperationMode \"\" is not valid"},
	    {"OperationMode=01x\n", "OperationMode \"01x\""},
	    {"# c\nDiagnosticMode=10\n",
	     "driver.conf:2: DiagnosticMode \"10\" is not valid: expected 0..9"},
	    {"DiagnosticMode=-1\n", "DiagnosticMode \"-1\""},
	    {"LogInterval=59\n", "LogInterval \"59\" is not valid: expected 60..86400"},
	    {"LogInterval=86401\n", "LogInterval \"86401\""},
	    {"LogInterval=99999999999999999999\n", "LogInterval \"99999999999999999999\""},
	    {"NoDefaultExempt=4\n", "NoDefaultExempt \"4\" is not valid: expected 0..3"},
	    {"IkeLogging=2\n", "IkeLogging \"2\""},
	    {"StrongCrlCheck=3\n", "StrongCrlCheck \"3\""},
	    {"Bootmode=1\n", "driver.conf:1: unknown setting \"Bootmode\""},
	    {"OperationMode 1\n", "driver.conf:1: \"OperationMode 1\": expected Name=Value"},
	    {"IkeLogging=1\nikelogging=0\n",
	     "driver.conf:2: \"ikelogging\" is set twice (first on line 1)"},
	    {"BootExemptions=tcp:0:3389\n", "boot exemption \"tcp:0:3389\" is not valid: expected "
					    "protocol:srcport:dstport:direction"},
	    {"BootExemptions=tcp:0:3389:inbound:x\n",
	     "boot exemption \"tcp:0:3389:inbound:x\" is not valid"},
	    {"BootExemptions=tpc:0:3389:inbound\n", "protocol \"tpc\" is not valid"},
	    {"BootExemptions=tcp:0:65536:inbound\n", "destination port \"65536\" is not valid"},
	    {"BootExemptions=tcp:x:1:inbound\n", "source port \"x\" is not valid"},
	    {"BootExemptions=tcp:0:3389:in\n",
	     "direction \"in\" is not valid: expected inbound or outbound"},
	    {"BootExemptions=icmp:8:0:inbound\n", "ports must be 0 for protocol \"icmp\""},
	    {"BootExemptions=tcp:0:22:inbound none\n", "\"none\" cannot be combined"},
	    {"BootExemptions=256:0:0:inbound\n", "protocol \"256\" is not valid"},
	    /* control characters of the file written out, nothing a terminal or log acts on */
	    {"OperationMode=1\x1b[2J\rX\n", "OperationMode \"1\\x1b[2J\\x0dX\" is not valid"},
	};
	struct ipp_driverconf c, before;
	struct ipp_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		memset(&c, 0x5a, sizeof(c));
		before = c;
		assert_int_equal(parse_text(cases[i].text, &c, &err), -EINVAL);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
		for (const char *m = err.msg; *m; m++)
			if ((unsigned char)*m < 0x20 || *m == 0x7f)
				fail_msg("case %zu: a control character in \"%s\"", i, err.msg);
		/* The result is untouched on failure. */
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

/* Messages write control characters out: C0, DEL and C1 (raw or as UTF-8), not UTF-8 text. */
static void test_visible(void **state)
{
	char m[64];

	(void)state;
	snprintf(m, sizeof(m), "a\x1b[2Jb\rc");
	ipp_visible(m, sizeof(m));
	assert_string_equal(m, "a\\x1b[2Jb\\x0dc");
	/* U+009B (CSI to a UTF-8 terminal) and a stray 0x9b; Chinese text is left whole */
	snprintf(m, sizeof(m),
		 "\xc2\x9b"
		 "2J \x9b \xe4\xb8\x80");
	ipp_visible(m, sizeof(m));
	assert_string_equal(m, "\\xc2\\x9b2J \\x9b \xe4\xb8\x80");
	/* cut to the buffer between characters, never inside one */
	{
		char small[8];

		snprintf(small, sizeof(small), "ab\x01\xe4\xb8\x80");
		ipp_visible(small, sizeof(small));
		assert_string_equal(small, "ab\\x01");
	}
}

static void test_too_many_exemptions(void **state)
{
	char text[IPP_BOOTEXEMPT_MAX * 24 + 64];
	struct ipp_driverconf c;
	struct ipp_error err = {0};
	size_t i, n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "BootExemptions=");
	for (i = 0; i <= IPP_BOOTEXEMPT_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "tcp:0:%zu:inbound ", i + 1);
	snprintf(text + n, sizeof(text) - n, "\n");
	assert_int_equal(parse_text(text, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more than 64 items"));
}

static void test_set_property(void **state)
{
	static const struct {
		const char *name, *value;
		int r;
		const char *msg;
	} cases[] = {
	    {"ipsecdiagnostics", "7", 0, NULL},
	    {"IPSECDIAGNOSTICS", "9", 0, NULL},
	    {"ipsecdiagnostics", "10", -EINVAL,
	     "value \"10\" for ipsecdiagnostics is not valid: expected 0..9"},
	    {"ikelogging", "1", 0, NULL},
	    {"ikelogging", "yes", -EINVAL, "value \"yes\" for ikelogging"},
	    {"strongcrlcheck", "2", 0, NULL},
	    {"ipsecloginterval", "120", 0, NULL},
	    {"ipsecloginterval", "30", -EINVAL, "expected 60..86400"},
	    {"ipsecexempt", "0", 0, NULL},
	    {"bootmode", "block", 0, NULL},
	    {"bootmode", "STATEFUL", 0, NULL},
	    {"bootmode", "perm", 0, NULL},
	    {"bootmode", "open", -EINVAL,
	     "value \"open\" for bootmode is not valid: expected stateful, block or permit"},
	    {"bootexemptions", "tcp:0:3389:inbound udp:0:53:outbound", 0, NULL},
	    {"bootexemptions", "tcp:0:3389", -EINVAL, "boot exemption \"tcp:0:3389\""},
	    {"bootexemptions", "none", 0, NULL},
	    {"bootm", "block", 0, NULL},
	    {"ikel", "0", 0, NULL},
	    {"ipsec", "1", -EINVAL,
	     "property \"ipsec\" is ambiguous: ipsecdiagnostics, ipsecloginterval, ipsecexempt"},
	    {"boot", "1", -EINVAL, "ambiguous: bootmode, bootexemptions"},
	    {"operationmode", "1", -EINVAL,
	     "property \"operationmode\" is not valid: expected one of ipsecdiagnostics, "
	     "ikelogging"},
	};
	struct ipp_driverconf c, before;
	struct ipp_error err;
	size_t i;

	(void)state;
	ipp_driverconf_init(&c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		before = c;
		assert_int_equal(
		    ipp_driverconf_set_property(&c, cases[i].name, cases[i].value, &err),
		    cases[i].r);
		if (cases[i].r < 0) {
			if (!strstr(err.msg, cases[i].msg))
				fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg,
					 cases[i].msg);
			assert_memory_equal(&c, &before, sizeof(c));
		}
	}
	assert_int_equal(c.diagnostics, 9);
	assert_int_equal(c.ike_logging, 0);
	assert_int_equal(c.strong_crl_check, 2);
	assert_int_equal(c.log_interval, 120);
	assert_int_equal(c.no_default_exempt, 0);
	assert_int_equal(c.bootmode, IPP_BOOT_BLOCK);
	assert_int_equal(c.nexempt, 0);
}

static void make_root(char *dir, struct ipp_paths *p)
{
	struct ipp_error err = {0};

	strcpy(dir, "/tmp/ipp-driverconf-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ipp_paths_init(dir, p, &err), 0);
}

static void rm_root(const struct ipp_paths *p, const char *dir)
{
	char cmd[IPP_PATH_MAX + 16];

	(void)p;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_save_load_update(void **state)
{
	struct ipp_driverconf c, d;
	struct ipp_error err = {0};
	struct ipp_paths p;
	char dir[64], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	make_root(dir, &p);
	/* Missing file: the defaults. */
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), 0);
	assert_int_equal(c.bootmode, IPP_BOOT_UNSET);
	/* Update creates the directory and the file; an unset OperationMode stays unset. */
	assert_int_equal(ipp_driverconf_update(&p, "ipsecdiagnostics", "3", &err), 0);
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), 0);
	assert_int_equal(c.diagnostics, 3);
	assert_int_equal(c.bootmode, IPP_BOOT_UNSET);
	assert_int_equal(ipp_driverconf_update(&p, "bootmode", "block", &err), 0);
	assert_int_equal(ipp_driverconf_update(&p, "bootexemptions", "tcp:0:3389:inbound", &err),
			 0);
	assert_int_equal(ipp_driverconf_update(&p, "bootmode", "bogus", &err), -EINVAL);
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), 0);
	assert_int_equal(c.bootmode, IPP_BOOT_BLOCK);
	assert_int_equal(c.nexempt, 1);
	assert_int_equal(c.diagnostics, 3);
	/* Write then parse gives the same configuration. */
	f = open_memstream(&text, &len);
	assert_int_equal(ipp_driverconf_write(&c, f), 0);
	fclose(f);
	assert_int_equal(parse_text(text, &d, &err), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	free(text);
	/* A malformed file: load fails naming the line, update refuses to overwrite it. */
	f = fopen(p.driver_conf, "w");
	assert_non_null(f);
	fputs("OperationMode=3\nDiagnosticMode=x\n", f);
	fclose(f);
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "driver.conf:2: DiagnosticMode \"x\""));
	assert_int_equal(ipp_driverconf_update(&p, "bootmode", "permit", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "driver.conf:2:"));
	f = fopen(p.driver_conf, "r");
	assert_non_null(f);
	assert_int_equal(ipp_driverconf_parse(f, "x", &c, &err), -EINVAL);
	fclose(f);
	/* a link to a file that is gone is a configuration that cannot be read, not none */
	assert_int_equal(unlink(p.driver_conf), 0);
	assert_int_equal(symlink("/nonexistent/driver.conf", p.driver_conf), 0);
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "a symbolic link to a file that does not exist"));
	assert_int_equal(unlink(p.driver_conf), 0);
	rm_root(&p, dir);
}

/* FlowCache: ours, beyond Windows; 0 or 1, kept by a rewrite of the file. */
/*
 * driver.conf is a regular file of a bounded size: a FIFO in its place is
 * refused at once (not waited on), a link to /dev/zero is not read, a file
 * too large is refused; each message names the file.
 */
static void test_not_a_file(void **state)
{
	struct ipp_driverconf c;
	struct ipp_error err = {0};
	struct ipp_paths p;
	char dir[64];
	FILE *f;

	(void)state;
	make_root(dir, &p);
	{
		char cmd[IPP_PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p.etcdir);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(mkfifo(p.driver_conf, 0644), 0);
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "is a FIFO: expected a regular file"));
	assert_non_null(strstr(err.msg, p.driver_conf));
	assert_int_equal(unlink(p.driver_conf), 0);
	assert_int_equal(symlink("/dev/zero", p.driver_conf), 0);
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "is a character device"));
	assert_int_equal(unlink(p.driver_conf), 0);
	assert_int_equal(mkdir(p.driver_conf, 0755), 0);
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "is a directory"));
	assert_int_equal(rmdir(p.driver_conf), 0);
	f = fopen(p.driver_conf, "w");
	assert_non_null(f);
	for (size_t i = 0; i < IPP_DRIVERCONF_MAX / 16 + 1; i++)
		fputs("# a comment ...\n", f);
	fclose(f);
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "bytes: more than the"));
	assert_int_equal(unlink(p.driver_conf), 0);
	assert_int_equal(ipp_driverconf_load(&p, &c, &err), 0);
	rm_root(&p, dir);
}

static void test_flow_cache(void **state)
{
	struct ipp_driverconf c;
	struct ipp_error err = {0};

	(void)state;
	assert_int_equal(parse_text("flowcache=0\n", &c, &err), 0);
	assert_int_equal(c.flow_cache, 0);
	assert_int_equal(parse_text("FlowCache=1\n", &c, &err), 0);
	assert_int_equal(c.flow_cache, 1);
	assert_int_equal(parse_text("FlowCache=yes\n", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "FlowCache=\"yes\": expected 0 (off) or 1 (on)"));
	assert_int_equal(parse_text("FlowCache=0\nFlowCache=1\n", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "set twice (first on line 1)"));
	assert_int_equal(parse_text("FlowCache=0\n", &c, &err), 0);
	rewrite(&c, "\nFlowCache=0\n");
	assert_int_equal(c.flow_cache, 0);
}

/* CellDispatch: ours, on unless 0; its own "set twice"; kept by a rewrite. */
static void test_cell_dispatch(void **state)
{
	struct ipp_driverconf c;
	struct ipp_error err = {0};

	(void)state;
	assert_int_equal(parse_text("FlowCache=0\n", &c, &err), 0);
	assert_int_equal(c.cells, 1);
	assert_int_equal(parse_text("celldispatch=0\n", &c, &err), 0);
	assert_int_equal(c.cells, 0);
	assert_int_equal(parse_text("CellDispatch=on\n", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "CellDispatch=\"on\": expected 0 (off) or 1 (on)"));
	assert_int_equal(parse_text("FlowCache=0\nCellDispatch=1\nFlowCache=1\n", &c, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, ":3: \"FlowCache\" is set twice (first on line 1)"));
	assert_int_equal(parse_text("CellDispatch=1\ncelldispatch=0\n", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ":2: \"celldispatch\" is set twice (first on line 1)"));
	assert_int_equal(parse_text("CellDispatch=0\n", &c, &err), 0);
	rewrite(&c, "\nCellDispatch=0\n");
	assert_int_equal(c.cells, 0);
}

/* FlowCacheSize: flows per cache set, 16 to 16777216, kept by a rewrite of the file. */
static void test_flow_cache_size(void **state)
{
	struct ipp_driverconf c;
	struct ipp_error err = {0};

	(void)state;
	assert_int_equal(parse_text("OperationMode=0\n", &c, &err), 0);
	assert_int_equal(c.flow_size, IPP_FLOWCACHE_SIZE_DEFAULT);
	assert_int_equal(parse_text("flowcachesize=16\n", &c, &err), 0);
	assert_int_equal(c.flow_size, 16);
	assert_int_equal(parse_text("FlowCacheSize=16777216\n", &c, &err), 0);
	assert_int_equal(c.flow_size, 16777216);
	assert_int_equal(parse_text("FlowCacheSize=15\n", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "FlowCacheSize=\"15\": expected a number of flows"));
	assert_int_equal(parse_text("FlowCacheSize=1e6\n", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"1e6\""));
	assert_int_equal(parse_text("FlowCacheSize=-5\n", &c, &err), -EINVAL);
	assert_int_equal(parse_text("FlowCacheSize=99999999999999999999\n", &c, &err), -EINVAL);
	assert_int_equal(parse_text("FlowCacheSize=\n", &c, &err), -EINVAL);
	assert_int_equal(parse_text("FlowCacheSize=64\nFlowCacheSize=64\n", &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "set twice (first on line 1)"));
	assert_int_equal(parse_text("FlowCacheSize=1024\n", &c, &err), 0);
	rewrite(&c, "\nFlowCacheSize=1024\n");
	assert_int_equal(c.flow_size, 1024);
}

static void test_show(void **state)
{
	struct ipp_driverconf c;
	struct ipp_error err = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	ipp_driverconf_init(&c);
	assert_int_equal(ipp_driverconf_set_property(&c, "bootexemptions",
						     "tcp:0:3389:inbound udp:0:53:outbound", &err),
			 0);
	f = open_memstream(&text, &len);
	assert_int_equal(ipp_driverconf_show(&c, true, f), 0);
	assert_int_equal(ipp_driverconf_show_kv(&c, f), 0);
	fclose(f);
	assert_string_equal(text,
			    "IPsec Configuration Parameters\n"
			    "------------------------------\n"
			    "IpsecDiagnostics     : 0\n"
			    "IkeLogging           : 0\n"
			    "StrongCRLCheck       : 1\n"
			    "IPsecloginterval     : 3600\n"
			    "IPsecexempt          : 3\n"
			    "BootMode             : STATEFUL (not set: a policy is assigned)\n"
			    "BootExemptions       : tcp:0:3389:inbound\n"
			    "                       udp:0:53:outbound\n"
			    "ipsecdiagnostics=0\n"
			    "ikelogging=0\n"
			    "strongcrlcheck=1\n"
			    "ipsecloginterval=3600\n"
			    "ipsecexempt=3\n"
			    "bootmode=unset\n"
			    "bootexemptions=tcp:0:3389:inbound udp:0:53:outbound\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_good_file),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_visible),
	    cmocka_unit_test(test_too_many_exemptions),
	    cmocka_unit_test(test_set_property),
	    cmocka_unit_test(test_save_load_update),
	    cmocka_unit_test(test_show),
	    cmocka_unit_test(test_flow_cache),
	    cmocka_unit_test(test_cell_dispatch),
	    cmocka_unit_test(test_flow_cache_size),
	    cmocka_unit_test(test_not_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
