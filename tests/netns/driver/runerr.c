/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runerr.c - a text refused by libnftables or by the kernel is located: the
 * driver names the refused line of the text, and nothing of it is applied.
 * Run by runerr.sh in a network namespace of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/driver/driver.h"

static int failed;

static void expect(int cond, const char *what)
{
	printf("%s %s\n", cond ? "PASS" : "FAIL", what);
	if (!cond)
		failed = 1;
}

static void refused(struct ipp_driver *d, const char *name, const char *text, unsigned want_line,
		    const char *want_msg)
{
	struct ipp_error e = {0};
	unsigned line = 99;
	char what[256];
	int r = ipp_driver_run_ex(d, text, false, &line, &e);

	printf("%s: rc %d line %u: %s\n", name, r, line, e.msg);
	snprintf(what, sizeof(what), "%s: refused", name);
	expect(r < 0, what);
	snprintf(what, sizeof(what), "%s: line %u named", name, want_line);
	expect(line == want_line, what);
	snprintf(what, sizeof(what), "%s: message \"%s\"", name, want_msg);
	expect(strstr(e.msg, want_msg) != NULL, what);
}

int main(void)
{
	struct ipp_driver *d;
	struct ipp_error e = {0};
	char *out = NULL;

	if (ipp_driver_open(&d, &e) < 0) {
		fprintf(stderr, "runerr: %s\n", e.msg);
		return 1;
	}
	/* refused by libnftables' evaluation */
	refused(d, "bad address",
		"table inet ippdrvt {\n"
		"\tchain c {\n"
		"\t\tip saddr 192.0.2.1 accept\n"
		"\t\tip daddr 192.0.2.999 accept\n"
		"\t}\n"
		"}\n",
		4, "Could not resolve hostname");
	/* refused by the kernel */
	refused(d, "missing set",
		"add table inet ippdrvt\n"
		"add chain inet ippdrvt c\n"
		"add set inet ippdrvt s { type ipv4_addr; }\n"
		"add element inet ippdrvt s { 192.0.2.1 }\n"
		"add rule inet ippdrvt c ip saddr @nosuchset accept\n"
		"add rule inet ippdrvt c accept\n",
		5, "No such file or directory");
	expect(ipp_driver_query(d, "list tables", false, &out, &e) == 0 && out &&
		   !strstr(out, "ippdrvt"),
	       "nothing of the refused texts applied");
	free(out);
	out = NULL;
	/* accepted */
	e.msg[0] = '\0';
	expect(ipp_driver_run_ex(d,
				 "add table inet ippdrvt\n"
				 "add chain inet ippdrvt c\n"
				 "add rule inet ippdrvt c ip saddr 192.0.2.1 accept\n",
				 false, NULL, &e) == 0,
	       "a good text applied");
	expect(ipp_driver_query(d, "list tables", false, &out, &e) == 0 && out &&
		   strstr(out, "ippdrvt"),
	       "its table in force");
	free(out);
	ipp_driver_close(d);
	return failed;
}
