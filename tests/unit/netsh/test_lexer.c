/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the netsh lexer: words, quotes, comments, tag/value joining, columns. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netsh/lexer.h"

/* One expected token: tag (NULL = tagless), text, column. */
struct exp {
	const char *tag;
	const char *text;
	int col;
};

static void lex_ok(const char *line, const struct exp *e, size_t n)
{
	struct ipp_tokens t = { 0 };
	struct ipp_error err = { 0 };

	if (ipp_lex_line(line, &t, &err) < 0)
		fail_msg("lex(%s): %s", line, err.msg);
	if (t.n != n)
		fail_msg("lex(%s): %zu tokens, expected %zu", line, t.n, n);
	for (size_t i = 0; i < n; i++) {
		if ((e[i].tag == NULL) != (t.v[i].tag == NULL) ||
		    (e[i].tag && strcmp(e[i].tag, t.v[i].tag) != 0))
			fail_msg("lex(%s): token %zu tag \"%s\", expected \"%s\"", line, i,
				 t.v[i].tag ? t.v[i].tag : "(none)", e[i].tag ? e[i].tag : "(none)");
		if (strcmp(e[i].text, t.v[i].text) != 0)
			fail_msg("lex(%s): token %zu text \"%s\", expected \"%s\"", line, i,
				 t.v[i].text, e[i].text);
		if (e[i].col && e[i].col != t.v[i].col)
			fail_msg("lex(%s): token %zu column %d, expected %d", line, i, t.v[i].col,
				 e[i].col);
	}
	ipp_tokens_clear(&t);
}

static void lex_bad(const char *line, const char *needle)
{
	struct ipp_tokens t = { 0 };
	struct ipp_error err = { 0 };
	int r = ipp_lex_line(line, &t, &err);

	if (r != -EINVAL)
		fail_msg("lex(%s) = %d, expected -EINVAL", line, r);
	if (!strstr(err.msg, needle))
		fail_msg("lex(%s): message \"%s\" lacks \"%s\"", line, err.msg, needle);
	assert_int_equal(t.n, 0);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_words(void **state)
{
	static const struct exp e[] = {
		{ NULL, "add", 1 }, { NULL, "policy", 5 }, { NULL, "Block80", 12 }
	};

	lex_ok("add policy Block80", e, N(e));
	lex_ok("  \tadd   policy\tBlock80  \r\n", (const struct exp[]){
		{ NULL, "add", 4 }, { NULL, "policy", 10 }, { NULL, "Block80", 17 } }, 3);
	lex_ok("", NULL, 0);
	lex_ok("    ", NULL, 0);
}

static void test_tag_forms(void **state)
{
	static const struct exp e[] = { { NULL, "add", 1 }, { "name", "x", 5 } };

	lex_ok("add name=x", e, N(e));
	lex_ok("add name= x", e, N(e));
	lex_ok("add name =x", e, N(e));
	lex_ok("add name = x", e, N(e));
	/* the first unquoted '=' separates */
	lex_ok("description=a=b", (const struct exp[]){ { "description", "a=b", 1 } }, 1);
	/* an empty quoted value is a value */
	lex_ok("description=\"\" name=x",
	       (const struct exp[]){ { "description", "", 1 }, { "name", "x", 16 } }, 2);
	lex_ok("description = \"\"", (const struct exp[]){ { "description", "", 1 } }, 1);
}

static void test_quotes(void **state)
{
	lex_ok("add policy \"Block Port 1433\"",
	       (const struct exp[]){ { NULL, "add", 1 }, { NULL, "policy", 5 },
				     { NULL, "Block Port 1433", 12 } }, 3);
	lex_ok("name = \"Block Port 1433\"",
	       (const struct exp[]){ { "name", "Block Port 1433", 1 } }, 1);
	lex_ok("tag=\"a b\" x", (const struct exp[]){ { "tag", "a b", 1 }, { NULL, "x", 11 } }, 2);
	/* '=' inside quotes does not make a tag */
	lex_ok("\"a=b\"", (const struct exp[]){ { NULL, "a=b", 1 } }, 1);
	/* rootca's \' passes through; \" is a literal quote */
	lex_ok("rootca=\"C=US,CN=\\'A, B\\' certmap:yes\"",
	       (const struct exp[]){ { "rootca", "C=US,CN=\\'A, B\\' certmap:yes", 1 } }, 1);
	lex_ok("description=\"say \\\"hi\\\"\"",
	       (const struct exp[]){ { "description", "say \"hi\"", 1 } }, 1);
	/* backslashes are text, except a run before a quote: pairs are one */
	lex_ok("d=\"C:\\temp\\x\" e=C:\\temp\\ f=\"\\\\srv\\s\"",
	       (const struct exp[]){ { "d", "C:\\temp\\x", 1 }, { "e", "C:\\temp\\", 15 },
				     { "f", "\\\\srv\\s", 26 } },
	       3);
	lex_ok("d=\"x\\\\\" e=\"a\\\\\\\"b\" f=\"\\\\\\\\\"",
	       (const struct exp[]){ { "d", "x\\", 1 }, { "e", "a\\\"b", 9 }, { "f", "\\\\", 20 } },
	       3);
	/* Windows' lines, which a backslash before the closing quote leaves open: no escapes */
	lex_ok("name=\"Dir C:\\\" description=\"x\"",
	       (const struct exp[]){{"name", "Dir C:\\", 1}, {"description", "x", 16}}, 2);
	lex_ok("name=\"Share \\\\srv\\c$\\\" description=\"admin share\"",
	       (const struct exp[]){{"name", "Share \\\\srv\\c$\\", 1},
				    {"description", "admin share", 24}},
	       2);
	lex_ok("description=\"path C:\\temp\\\"",
	       (const struct exp[]){{"description", "path C:\\temp\\", 1}}, 1);
	lex_bad("a=\"x\\\" y\\\" z", "unterminated quote");
	lex_ok("qmsec=\"AH[MD5]:204800k/300s ESP[DES,SHA1]:30000k/480s\"",
	       (const struct exp[]){ { "qmsec", "AH[MD5]:204800k/300s ESP[DES,SHA1]:30000k/480s", 1 } },
	       1);
}

static void test_comments(void **state)
{
	lex_ok("# a comment", NULL, 0);
	lex_ok("   # indented comment = \"x", NULL, 0);
	/* only a line's first word starts a comment: later a '#' is text, as netsh reads it
	   (a script's "add filteraction FA #note action=block" blocks) */
	lex_ok("add policy x # trailing",
	       (const struct exp[]){{NULL, "add", 1},
				    {NULL, "policy", 5},
				    {NULL, "x", 12},
				    {NULL, "#", 14},
				    {NULL, "trailing", 16}},
	       5);
	/* '#' inside a word or quotes is text */
	lex_ok("psk=a#b", (const struct exp[]){ { "psk", "a#b", 1 } }, 1);
	lex_ok("psk=\"# not a comment\"", (const struct exp[]){ { "psk", "# not a comment", 1 } }, 1);
}

static void test_errors(void **state)
{
	lex_bad("add policy \"Block", "column 12: unterminated quote");
	lex_bad("=x add", "column 1: \"=x\" has no tag");
	/* "tag =value" joins, so "add =x" is the tag add */
	lex_ok("add =x", (const struct exp[]){ { "add", "x", 1 } }, 1);
	lex_bad("add name=", "column 5: missing value after \"name=\"");
	lex_bad("add name =", "missing value after \"name =\"");
	/* a lone carriage return is no blank (a terminal shows what follows over the start) */
	lex_bad("add filterlist name=A\rB", "a carriage return at column 22 with more of the line");
	lex_ok("add x\r", (const struct exp[]){{NULL, "add", 1}, {NULL, "x", 5}}, 2);
}

static void test_words_argv(void **state)
{
	char *w1[] = { "static", "add", "policy", "name=Block 80", "description", "=", "x y" };
	char *w2[] = { "tag=", "v", "t2", "=v2" };
	char *w3[] = { "name=" };
	struct ipp_tokens t = { 0 };
	struct ipp_error err = { 0 };

	assert_int_equal(ipp_lex_words(w1, N(w1), &t, &err), 0);
	assert_int_equal(t.n, 5);
	assert_string_equal(t.v[3].tag, "name");
	assert_string_equal(t.v[3].text, "Block 80");
	assert_int_equal(t.v[3].col, 4);
	assert_string_equal(t.v[4].tag, "description");
	assert_string_equal(t.v[4].text, "x y");
	ipp_tokens_clear(&t);

	assert_int_equal(ipp_lex_words(w2, N(w2), &t, &err), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0].tag, "tag");
	assert_string_equal(t.v[0].text, "v");
	assert_string_equal(t.v[1].tag, "t2");
	assert_string_equal(t.v[1].text, "v2");
	ipp_tokens_clear(&t);

	/* argv: a blank before the "=": the caller's shell had the word quoted, a value */
	{
		char *wv[] = {"add", "filteraction", "name with = sign", "description=a = b"};

		assert_int_equal(ipp_lex_words(wv, N(wv), &t, &err), 0);
		assert_int_equal(t.n, 4);
		assert_null(t.v[2].tag);
		assert_string_equal(t.v[2].text, "name with = sign");
		assert_string_equal(t.v[3].tag, "description");
		assert_string_equal(t.v[3].text, "a = b");
		ipp_tokens_clear(&t);
	}
	/* argv: the shell took the quotes of description="" away: an empty value */
	assert_int_equal(ipp_lex_words(w3, N(w3), &t, &err), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.v[0].tag, "name");
	assert_string_equal(t.v[0].text, "");
	ipp_tokens_clear(&t);
	/* a script line keeps asking for the value at its end */
	assert_int_equal(ipp_lex_line("name=", &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "missing value"));
	ipp_tokens_clear(&t);
	/* before another tag=value, an empty value in both */
	assert_int_equal(ipp_lex_line("description= assign=no", &t, &err), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0].text, "");
	ipp_tokens_clear(&t);
	{
		char *const wq[] = {"name=\"g h\"", "\"description=x=y\"", "\"help\""};

		/* argv words quoted as netsh quotes them */
		assert_int_equal(ipp_lex_words(wq, N(wq), &t, &err), 0);
		assert_int_equal(t.n, 3);
		assert_string_equal(t.v[0].tag, "name");
		assert_string_equal(t.v[0].text, "g h");
		/* (a quoted tag=value is one quoted value, as in a script: the binder reads it) */
		assert_null(t.v[1].tag);
		assert_string_equal(t.v[1].text, "description=x=y");
		assert_true(t.v[1].quoted);
		assert_null(t.v[2].tag);
		assert_string_equal(t.v[2].text, "help");
		ipp_tokens_clear(&t);
	}
	{
		/* a whole line in one quoted argument is its tokens; an open quote fails */
		char *const line[] = {"name=\"a b\" description=\"c\""};
		char *const open[] = {"name=\"a"};

		assert_int_equal(ipp_lex_words(line, N(line), &t, &err), 0);
		assert_int_equal(t.n, 2);
		assert_string_equal(t.v[0].text, "a b");
		assert_string_equal(t.v[1].tag, "description");
		assert_string_equal(t.v[1].text, "c");
		ipp_tokens_clear(&t);
		assert_int_equal(ipp_lex_words(open, N(open), &t, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "unterminated quote"));
		assert_int_equal(t.n, 0);
	}
	/* "tag =" before another tag=value: empty too */
	assert_int_equal(ipp_lex_line("description = assign=no", &t, &err), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0].tag, "description");
	assert_string_equal(t.v[0].text, "");
	ipp_tokens_clear(&t);
	ipp_tokens_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),    cmocka_unit_test(test_tag_forms),
		cmocka_unit_test(test_quotes),   cmocka_unit_test(test_comments),
		cmocka_unit_test(test_errors),   cmocka_unit_test(test_words_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
