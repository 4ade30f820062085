/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the shell against a real store in a temporary root:
 * contexts and pushd/popd, set store, one transaction per command, batch
 * mode, the read-only domain store, script errors with FILE:LINE.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "netsh/shell.h"
#include "store/store.h"

struct fixture {
	char root[64];
	char *out;
	size_t outlen;
	FILE *f;
	struct ipp_shell *sh;
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	struct ipp_error err = { 0 };

	snprintf(x->root, sizeof(x->root), "/tmp/ipp-netsh-XXXXXX");
	if (!mkdtemp(x->root))
		return -1;
	x->f = open_memstream(&x->out, &x->outlen);
	if (ipp_shell_new(x->root, IPP_NAME_IPSECPOL, x->f, &x->sh, &err) < 0)
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	char cmd[128];

	ipp_shell_free(x->sh, true, NULL);
	fclose(x->f);
	free(x->out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->root);
	if (system(cmd) != 0)
		return -1;
	free(x);
	return 0;
}

static void run(struct fixture *x, const char *line)
{
	struct ipp_error err = { 0 };

	if (ipp_shell_exec_line(x->sh, line, &err) < 0)
		fail_msg("%s: %s", line, err.msg);
}

static void run_bad(struct fixture *x, const char *line, const char *needle)
{
	struct ipp_error err = { 0 };

	if (ipp_shell_exec_line(x->sh, line, &err) >= 0)
		fail_msg("%s: accepted, expected \"%s\"", line, needle);
	if (!strstr(err.msg, needle))
		fail_msg("%s: message \"%s\" lacks \"%s\"", line, err.msg, needle);
}

/* The output of @line (the memstream is reset first). */
static const char *output(struct fixture *x, const char *line)
{
	fflush(x->f);
	rewind(x->f);
	x->out[0] = '\0';
	run(x, line);
	fputc('\0', x->f);
	fflush(x->f);
	return x->out;
}

static void test_fresh_store_reads_empty(void **state)
{
	struct fixture *x = *state;
	char path[256];

	/* reading creates nothing */
	output(x, "show all");
	snprintf(path, sizeof(path), "%s/var/lib/ipsecpol/policy.db", x->root);
	assert_int_equal(access(path, F_OK), -1);
	run(x, "add policy P");
	assert_int_equal(access(path, F_OK), 0);
}

static void test_failed_command_changes_nothing(void **state)
{
	struct fixture *x = *state;
	char *before;

	run(x, "add filterlist FL");
	run(x, "add filter FL 10.0.0.1 any");
	before = strdup(output(x, "dump"));
	/* add filter creates FL2, then the filter is refused: FL2 is not left behind */
	run_bad(x, "add filter FL2 me any srcport=80", "");
	output(x, "dump");
	assert_string_equal(before, x->out);
	/* a DNS name resolving to two addresses makes two filters or none */
	run_bad(x, "add filter FL me no-such-host.invalid", "does not resolve");
	run_bad(x, "add filter FL 10.0.0.1 any", "identical filter");
	output(x, "dump");
	assert_string_equal(before, x->out);
	free(before);
}

/* Windows' address encodings and the masks of names, ranges and IPv6 */
static void test_address_forms(void **state)
{
	struct fixture *x = *state;
	const char *out;

	run(x, "add filterlist FL");
	/* Microsoft's own help example: 0.0.0.0 with the host mask is this host */
	run(x, "add filter filterlist=FL srcaddr=DHCP dstaddr=0.0.0.0 protocol=ICMP "
	       "srcmask=255.255.255.255 dstmask=255.255.255.255");
	run(x, "add filter FL 10.9.0.5 0.0.0.0");
	run(x, "add filter FL 10.9.0.6 0.0.0.0 dstmask=0.0.0.0");
	out = output(x, "dump");
	assert_non_null(strstr(out, "srcaddr=DHCP dstaddr=me description=\"\" protocol=ICMP"));
	assert_non_null(strstr(out, "srcaddr=10.9.0.5 dstaddr=me "));
	assert_non_null(strstr(out, "srcaddr=10.9.0.6 dstaddr=any "));
	/* and delete filter names them the same way */
	run(x, "delete filter FL 10.9.0.5 0.0.0.0");
	run_bad(x, "delete filter FL 10.9.0.5 0.0.0.0", "no filter");
	/* a DNS name's addresses are hosts, whatever mask comes with it */
	out = output(x, "add filter FL localhost me srcmask=24");
	assert_non_null(strstr(out, "srcmask=24 is not applied to the addresses of DNS name"));
	out = output(x, "dump");
	assert_null(strstr(out, "srcaddr=127.0.0.0"));
	run(x, "delete filter FL localhost me srcmask=24");
	run_bad(x, "add filter FL localhost me srcmask=33x", "srcmask");
	/* me and the server types too: a note for a mask that is not a host's, checked */
	out = output(x, "add filter FL me any srcmask=0 protocol=udp dstport=5");
	assert_non_null(strstr(out, "srcmask=0 is not applied to me: it stands for this host's "
				    "addresses, each a host (every address is any)"));
	out = output(x, "add filter FL me wins dstmask=16 protocol=udp dstport=6");
	assert_non_null(strstr(out, "dstmask=16 is not applied to wins"));
	out = output(x, "add filter FL me dns dstmask=255.255.255.255 protocol=udp dstport=7");
	assert_null(strstr(out, "not applied"));
	run_bad(x, "add filter FL me dns dstmask=bogus protocol=udp dstport=8", "dstmask");
	/* masks of the other family, ranges, and legacy or mapped addresses */
	run_bad(x, "add filter FL fd09::1 me srcmask=ffff::ffff",
		"not contiguous, expected leading one bits only (such as ffff:ffff:ffff:ffff::)");
	run_bad(x, "add filter FL 10.9.0.1-10.9.0.5 me srcmask=33", "srcmask");
	run_bad(x, "add filter FL 0x0a000001 me", "four decimal numbers");
	/* an address with bits outside its mask is the network they make, said so */
	out = output(x, "add filter FL me 10.66.0.0 dstmask=8");
	assert_non_null(strstr(out, "dstaddr=10.66.0.0 has bits outside dstmask=8: the filter is "
				    "the network 10.0.0.0/8"));
	run_bad(x, "add filter FL me 10.0.0.0 dstmask=8", "identical filter");
	run(x, "delete filter FL me 10.66.0.0 dstmask=8");
	run_bad(x, "add filter FL ::ffff:10.0.0.1 me", "give the IPv4 address 10.0.0.1");
	/* names and descriptions are UTF-8 (a script saved in a legacy code page is refused) */
	run_bad(x, "add policy name=\xb9\xd8\xb1\xd5",
		"name: byte 0xb9 at position 1 is not UTF-8");
	run_bad(x, "add policy name=P8 description=caf\xe9",
		"description: byte 0xe9 at position 4");
	run_bad(x, "add policy name=\xc0\xaf", "byte 0xc0 at position 1"); /* overlong */
	run(x, "add policy name=\xe6\x88\x91\xe7\x9a\x84");
	run_bad(x, "add filter FL ::ffff:10.0.0.0-::ffff:10.255.255.255 me",
		"give the IPv4 address 10.0.0.0");
}

static void test_contexts(void **state)
{
	struct fixture *x = *state;

	assert_true(ipp_shell_at_home(x->sh));
	run(x, "..");
	assert_false(ipp_shell_at_home(x->sh));
	run_bad(x, "add policy P", "The following command was not found: add policy P.");
	run(x, "static");
	assert_true(ipp_shell_at_home(x->sh));
	run(x, "pushd ipsec dynamic");
	assert_false(ipp_shell_at_home(x->sh));
	run_bad(x, "show mmpolicy", "the policy agent is not running");
	run(x, "popd");
	assert_true(ipp_shell_at_home(x->sh));
	run_bad(x, "popd", "the context stack is empty");
	run_bad(x, "pushd add", "\"add\" is not a context");
	run(x, "netsh");
	run(x, "ipsec static add policy P1");
	assert_false(ipp_shell_at_home(x->sh)); /* a command with its path does not move */
	run(x, "netsh ipsec static");
	assert_true(ipp_shell_at_home(x->sh));
	/* a group alone lists its commands, as netsh does (and as "add ?") */
	output(x, "add");
	assert_non_null(strstr(x->out, "The following commands are available:"));
	assert_non_null(strstr(x->out, "add filteraction"));
	output(x, "add ?");
	assert_non_null(strstr(x->out, "add policy"));
	output(x, "help add policy");
	assert_non_null(strstr(x->out, "Usage:"));
	output(x, "add policy ?");
	assert_non_null(strstr(x->out, "[[mmsecmethods=]"));
}

static void test_store_selection(void **state)
{
	struct fixture *x = *state;

	run(x, "add policy Local1");
	run(x, "set store location=persistent");
	assert_int_equal(ipp_shell_store(x->sh), IPP_STORE_PERSISTENT);
	run(x, "add policy Pers1");
	output(x, "show policy format=table");
	assert_non_null(strstr(x->out, "Pers1"));
	assert_null(strstr(x->out, "Local1"));
	run(x, "set store local");
	output(x, "show policy format=table");
	assert_non_null(strstr(x->out, "Local1"));
	assert_null(strstr(x->out, "Pers1"));
	run_bad(x, "set store location=local domain=example.org", "only valid with location=domain");
	run(x, "set store location=domain domain=example.org");
	run_bad(x, "add policy D", "the domain store is read-only; it is filled from the directory");
	run_bad(x, "delete all", "read-only");
	output(x, "show all");
	output(x, "show gpoassignedpolicy");
	assert_non_null(strstr(x->out, "No IPsec policy is assigned"));
}

static void test_assign_one_per_store(void **state)
{
	struct fixture *x = *state;

	run(x, "add policy A assign=yes");
	run(x, "add policy B");
	run(x, "set policy B assign=y");
	output(x, "show policy A format=json");
	assert_non_null(strstr(x->out, "\"assigned\": false"));
	output(x, "show policy B format=json");
	assert_non_null(strstr(x->out, "\"assigned\": true"));
}

/* master PFS means one quick mode per main mode */
static void test_mmpfs_qmpermm(void **state)
{
	struct fixture *x = *state;

	run(x, "add policy P mmpfs=yes qmpermm=3");
	output(x, "show policy P format=json");
	assert_non_null(strstr(x->out, "\"qmpermm\": 1,"));
	run_bad(x, "set policy P qmpermm=5", "qmpermm: \"5\" contradicts master PFS");
	run(x, "set policy P qmpermm=5 mmpfs=no");
	output(x, "show policy P format=json");
	assert_non_null(strstr(x->out, "\"qmpermm\": 5,"));
	assert_non_null(strstr(x->out, "\"mmpfs\": false,"));
	/* the rule tables of several policies each say whose they are */
	run(x, "add policy Q2");
	output(x, "show rule format=table");
	assert_non_null(strstr(x->out, "Rules of policy \"P\":\n"));
	assert_non_null(strstr(x->out, "\nRules of policy \"Q2\":\n"));
}

static void test_batch(void **state)
{
	struct fixture *x = *state;
	char *before;

	run(x, "add policy Before");
	before = strdup(output(x, "dump"));
	run(x, "set batch mode=enable");
	run(x, "add policy InBatch1");
	run(x, "add policy InBatch2");
	/* as netsh's batch mode: a failing command changed nothing, and the batch goes on */
	run_bad(x, "add policy InBatch1", "already exists");
	assert_null(strstr(x->out, "batch aborted"));
	run(x, "add filterlist InBatchList");
	run_bad(x, "add filter InBatchList me any dstport=x", "dstport");
	run(x, "add filter InBatchList me any protocol=tcp dstport=80");
	/* its changes are the store's when it ends, not before */
	{
		struct ipp_snapshot *s = NULL;
		struct ipp_db *other = NULL;
		struct ipp_error e = {0};

		char path[128];

		snprintf(path, sizeof(path), "%s/var/lib/ipsecpol/policy.db", x->root);
		assert_int_equal(ipp_db_open(path, IPP_DB_READONLY, &other, &e), 0);
		assert_int_equal(ipp_db_load(other, IPP_STORE_LOCAL, &s, &e), 0);
		assert_int_equal(s->npolicies, 1);
		ipp_snapshot_free(s);
		ipp_db_close(other);
	}
	run(x, "set batch disable");
	output(x, "show policy format=table");
	assert_non_null(strstr(x->out, "InBatch1"));
	assert_non_null(strstr(x->out, "InBatch2"));
	output(x, "show filterlist InBatchList level=verbose");
	assert_non_null(strstr(x->out, "No. of Filters         : 1"));
	assert_string_not_equal(before, output(x, "dump"));
	/* batch mode has ended: the next command is its own transaction again */
	run(x, "add policy After");
	output(x, "show policy format=table");
	assert_non_null(strstr(x->out, "After"));
	free(before);
}

static void test_script_errors(void **state)
{
	struct fixture *x = *state;
	struct ipp_error err = { 0 };
	const char *script = "# comment\n"
			     "\n"
			     "netsh ipsec static add policy name=S1\r\n"
			     "add policy name=S2 frob=yes\n"
			     "add policy name=S3\n";
	FILE *in = fmemopen((void *)script, strlen(script), "r");

	ipp_shell_script_start(x->sh);
	assert_int_equal(ipp_shell_run_script(x->sh, in, "s.txt", &err), -EINVAL);
	fclose(in);
	assert_non_null(strstr(err.msg, "s.txt:4: add policy: unknown tag \"frob\""));
	output(x, "show policy format=table");
	assert_non_null(strstr(x->out, "S1"));
	assert_null(strstr(x->out, "S3")); /* the script stopped */

	/* with an error stream, a failing line is reported and the script goes on */
	{
		char *rep = NULL;
		size_t replen = 0;
		FILE *ef = open_memstream(&rep, &replen);

		script = "add policy name=C1\nadd policy name=C2 frob=yes\nadd policy name=C3\n";
		in = fmemopen((void *)script, strlen(script), "r");
		ipp_shell_set_errors(x->sh, ef);
		assert_int_equal(ipp_shell_run_script(x->sh, in, "c.txt", &err), -EINVAL);
		ipp_shell_set_errors(x->sh, NULL);
		fclose(in);
		fclose(ef);
		assert_non_null(strstr(rep, "c.txt:2: add policy: unknown tag \"frob\""));
		assert_non_null(strstr(err.msg, "1 command failed"));
		free(rep);
		output(x, "show policy format=table");
		assert_non_null(strstr(x->out, "C1"));
		assert_non_null(strstr(x->out, "C3"));
		assert_null(strstr(x->out, "C2"));
	}

	/* a UTF-8 byte order mark and CRLF line ends, as Windows editors write them */
	script = "\xEF\xBB\xBF" "add policy name=BOM\r\nadd policy name=CRLF\r\n";
	in = fmemopen((void *)script, strlen(script), "r");
	assert_int_equal(ipp_shell_run_script(x->sh, in, "w.txt", &err), 0);
	fclose(in);
	output(x, "show policy format=table");
	assert_non_null(strstr(x->out, "BOM"));
	assert_non_null(strstr(x->out, "CRLF"));

	/* UTF-16 after its byte order mark, either order (Notepad's "Unicode", PowerShell 5's
	 * redirection): "add policy name=\"Ü 𝄞\"" CRLF "add policy U2" */
	{
		static const char le[] = "\xFF\xFE"
					 "a\0d\0d\0 \0p\0o\0l\0i\0c\0y\0 \0n\0a\0m\0"
					 "e\0=\0\"\0\xDC\0 \0\x34\xD8\x1E\xDD\"\0\r\0\n\0"
					 "a\0d\0d\0 \0p\0o\0l\0i\0c\0y\0 \0U\0\x32\0";
		static const char be[] = "\xFE\xFF"
					 "\0a\0d\0d\0 \0p\0o\0l\0i\0c\0y\0 \0U\0\x33";
		static const char odd[] = "\xFF\xFE"
					  "a\0d\0d\0 \0p\0\x00\xD8";

		in = fmemopen((void *)le, sizeof(le) - 1, "r");
		assert_int_equal(ipp_shell_run_script(x->sh, in, "le.txt", &err), 0);
		fclose(in);
		in = fmemopen((void *)be, sizeof(be) - 1, "r");
		assert_int_equal(ipp_shell_run_script(x->sh, in, "be.txt", &err), 0);
		fclose(in);
		output(x, "show policy format=table");
		assert_non_null(strstr(x->out, "\xC3\x9C \xF0\x9D\x84\x9E"));
		assert_non_null(strstr(x->out, "U2"));
		assert_non_null(strstr(x->out, "U3"));
		/* a lone surrogate: the script stops, naming the line */
		in = fmemopen((void *)odd, sizeof(odd) - 1, "r");
		assert_int_equal(ipp_shell_run_script(x->sh, in, "odd.txt", &err), -EILSEQ);
		fclose(in);
		if (!strstr(err.msg, "odd.txt:1: character 6 is not UTF-16"))
			fail_msg("%s", err.msg);
		/* the lines after one that is not UTF-16 run, as after any failing line */
		{
			static const char mid[] = "\xFF\xFE"
						  "a\0d\0d\0 \0p\0o\0l\0i\0c\0y\0 \0U\0"
						  "\x34\xD8\n\0a\0d\0d\0 \0p\0o\0l\0i\0c\0y\0 "
						  "\0U\0\x35\0";
			static const char nobom[] = "a\0d\0d\0 \0p\0o\0l\0i\0c\0y\0 \0U\0\x36\0"
						    "\n\0";
			char *rep = NULL;
			size_t replen = 0;
			FILE *ef = open_memstream(&rep, &replen);

			in = fmemopen((void *)mid, sizeof(mid) - 1, "r");
			ipp_shell_set_errors(x->sh, ef);
			assert_int_equal(ipp_shell_run_script(x->sh, in, "mid.txt", &err), -EILSEQ);
			ipp_shell_set_errors(x->sh, NULL);
			fclose(in);
			fclose(ef);
			if (!strstr(rep, "mid.txt:1: character 13 is not UTF-16") ||
			    !strstr(err.msg, "mid.txt: 1 command failed"))
				fail_msg("%s / %s", rep, err.msg);
			free(rep);
			output(x, "show policy format=table");
			assert_non_null(strstr(x->out, "U5"));
			in = fmemopen((void *)nobom, sizeof(nobom) - 1, "r");
			assert_int_equal(ipp_shell_run_script(x->sh, in, "nobom.txt", &err),
					 -EILSEQ);
			fclose(in);
			if (!strstr(err.msg,
				    "nobom.txt:1: NUL bytes between the characters: UTF-16 "
				    "without its byte order mark?"))
				fail_msg("%s", err.msg);
		}
	}

	/* a script exec runs reports its own failures: its summary is not reported again,
	 * and the failures count in the outer summary */
	{
		char inner[512], outer[512], *rep = NULL;
		size_t replen = 0;
		FILE *ef = open_memstream(&rep, &replen), *sf;

		snprintf(inner, sizeof(inner), "%s/inner.txt", x->root);
		snprintf(outer, sizeof(outer), "%s/outer.txt", x->root);
		sf = fopen(inner, "w");
		fputs("add policy N1 frob=1\nadd policy N2 frob=2\n", sf);
		fclose(sf);
		sf = fopen(outer, "w");
		fprintf(sf, "exec %s\nadd policy N3 frob=3\n", inner);
		fclose(sf);
		sf = fopen(outer, "r");
		ipp_shell_set_errors(x->sh, ef);
		assert_int_equal(ipp_shell_run_script(x->sh, sf, "outer.txt", &err), -EINVAL);
		ipp_shell_set_errors(x->sh, NULL);
		fclose(sf);
		fclose(ef);
		if (!strstr(rep, "inner.txt:1: add policy") ||
		    !strstr(rep, "inner.txt:2: add policy") ||
		    !strstr(rep, "outer.txt:2: add policy") || strstr(rep, "command failed") ||
		    strstr(rep, "commands failed"))
			fail_msg("reported:\n%s", rep);
		if (!strstr(err.msg, "outer.txt: all 3 commands failed (reported above)"))
			fail_msg("%s", err.msg);
		free(rep);

		/* as typed at the prompt, twice: each run reports its lines and counts its own */
		rep = NULL;
		replen = 0;
		ef = open_memstream(&rep, &replen);
		ipp_shell_set_errors(x->sh, ef);
		for (int k = 0; k < 2; k++) {
			char line[600];

			snprintf(line, sizeof(line), "exec %s", inner);
			assert_int_equal(ipp_shell_exec_line(x->sh, line, &err), -EINVAL);
			if (!strstr(err.msg, "inner.txt: all 2 commands failed"))
				fail_msg("run %d: %s", k, err.msg);
		}
		ipp_shell_set_errors(x->sh, NULL);
		fclose(ef);
		{
			const char *p = rep;
			int n = 0;

			while ((p = strstr(p, "inner.txt:1: add policy"))) {
				n++;
				p++;
			}
			if (n != 2)
				fail_msg("line 1 reported %d times:\n%s", n, rep);
		}
		free(rep);
	}

	/* a directory is not a script, and the message says so */
	{
		char line[128];

		snprintf(line, sizeof(line), "exec %s", x->root);
		run_bad(x, line, "cannot read: Is a directory");
	}

	/* exit ends a script successfully */
	script = "add policy E1\nexit\nadd policy E2 frob=1\n";
	in = fmemopen((void *)script, strlen(script), "r");
	assert_int_equal(ipp_shell_run_script(x->sh, in, "e.txt", &err), 0);
	fclose(in);
}

/*
 * The script pattern of netsh's batch mode, run again and again: the policy
 * deleted first (which fails the first time), then made anew.  The failing
 * lines are reported and changed nothing; the rest is written when the batch
 * ends.
 */
static void test_batch_script_goes_on(void **state)
{
	struct fixture *x = *state;
	struct ipp_error err = { 0 };
	const char *script = "set batch mode=enable\n"
			     "delete policy name=B1\n"
			     "add policy B1\n"
			     "show policy NoSuchPolicy\n"
			     "add policy \"B2\n"
			     "add filter FL me any dstport=x\n"
			     "add filter FL me any protocol=tcp dstport=80\n"
			     "set batch mode=disable\n";
	FILE *in;

	/* asking for all of nothing fails, with the code netsh gives it; as JSON, a program
	 * reads none */
	assert_int_equal(ipp_shell_exec_line(x->sh, "show policy all", &err), -ENOENT);
	assert_int_equal(err.ipsec_code, IPP_IPSEC_NO_POLICIES);
	assert_non_null(strstr(output(x, "show policy all format=json"), "\"policies\": []"));
	assert_non_null(strstr(output(x, "show filterlist format=json"), "\"filterlists\": []"));
	for (int round = 0; round < 2; round++) {
		char *errs = NULL;
		size_t errlen = 0;
		FILE *ef = open_memstream(&errs, &errlen);

		in = fmemopen((void *)script, strlen(script), "r");
		memset(&err, 0, sizeof(err));
		ipp_shell_set_errors(x->sh, ef);
		/* (the failing lines reported, the script goes on; its result says so) */
		assert_true(ipp_shell_run_script(x->sh, in, "b.txt", &err) < 0);
		ipp_shell_set_errors(x->sh, NULL);
		fclose(in);
		fclose(ef);
		if (strstr(err.msg, "batch aborted") || strstr(errs, "batch aborted"))
			fail_msg("round %d: %s / %s", round, err.msg, errs);
		if (!strstr(errs, round ? "b.txt:7: add filter" : "b.txt:2: delete policy") ||
		    !strstr(errs, "b.txt:4: show policy") || !strstr(errs, "b.txt:6: add filter"))
			fail_msg("round %d: the failing lines are not reported: %s", round, errs);
		free(errs);
		output(x, "show policy format=table");
		assert_non_null(strstr(x->out, "B1"));
		output(x, "show filterlist FL level=verbose");
		assert_non_null(strstr(x->out, "No. of Filters         : 1"));
		/* the second round deletes B1 and makes it again; the filter exists: fails */
	}
	/* an unfinished batch is committed at the end of a good script */
	script = "set batch mode=enable\nadd policy B2\n";
	in = fmemopen((void *)script, strlen(script), "r");
	assert_int_equal(ipp_shell_run_script(x->sh, in, "b2.txt", &err), 0);
	fclose(in);
	output(x, "show policy format=table");
	assert_non_null(strstr(x->out, "B2"));
}

static void test_rules_and_auth(void **state)
{
	struct fixture *x = *state;

	run(x, "add policy P");
	run(x, "add filterlist FL");
	run(x, "add filteraction FA action=negotiate");
	run_bad(x, "add rule R P NoList FA", "no filter list named \"NoList\"");
	run(x, "add rule R P FL FA psk=\"k1\" kerberos=yes");
	output(x, "show rule name=R policy=P format=json");
	{
		char *psk = strstr(x->out, "psk"), *krb = strstr(x->out, "erberos");

		assert_non_null(psk);
		assert_non_null(krb);
		assert_true(psk < krb); /* command-line order is the preference order */
	}
	/* set rule replaces the whole list */
	run(x, "set rule name=R policy=P kerberos=yes");
	output(x, "show rule name=R policy=P format=json");
	assert_null(strstr(x->out, "psk"));
	run_bad(x, "set rule name=R policy=P kerberos=no", "leaves no authentication method");
	run(x, "set rule id=1 policy=P newname=R2 activate=no");
	run_bad(x, "set rule name=R policy=P", "no rule named \"R\" in policy \"P\"");
	run_bad(x, "set rule id=0 policy=P", "set defaultrule");
	run_bad(x, "delete filterlist FL", "");
	run(x, "delete rule R2 P");
	run(x, "delete filterlist FL");
	run_bad(x, "delete rule name=NoRule policy=P", "no rule named");
}

/* dump, delete all, run the dump: the same dump (backslashes, quotes) */
static void test_dump_replays(void **state)
{
	struct fixture *x = *state;
	struct ipp_error err = { 0 };
	char *before;
	FILE *in;

	run(x, "add filterlist name=trail\\ description=C:\\temp\\");
	run(x, "add filterlist name=\"q\\\"\" description=\"\\\\server\\share\\\\\"");
	run(x, "add filterlist name=\"C:\\temp\\x\" description=C:\\temp\\x");
	run(x, "add filteraction FA action=negotiate");
	run(x, "add policy P");
	run(x, "add rule R P trail\\ FA psk=\"k\\\\\"");
	before = strdup(output(x, "dump"));
	assert_non_null(strstr(before, " name=\"trail\\\\\" description=\"C:\\temp\\\\\"\n"));
	assert_non_null(strstr(before, " name=\"C:\\temp\\x\" description=\"C:\\temp\\x\"\n"));
	assert_non_null(strstr(before, " name=\"q\\\"\" description=\"\\\\server\\share\\\\\"\n"));
	run(x, "delete all");
	in = fmemopen(before, strlen(before), "r");
	if (ipp_shell_run_script(x->sh, in, "dump.txt", &err) < 0)
		fail_msg("%s", err.msg);
	fclose(in);
	output(x, "dump");
	assert_string_equal(before, x->out);
	/* a quoted value can end in a backslash: pairs before the quote are one */
	run(x, "add policy name=\"x\\\\\"");
	output(x, "show policy name=x\\ format=table");
	assert_non_null(strstr(x->out, "x\\"));
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_fresh_store_reads_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_command_changes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_address_forms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_contexts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_selection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_assign_one_per_store, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mmpfs_qmpermm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_script_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_script_goes_on, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rules_and_auth, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dump_replays, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
