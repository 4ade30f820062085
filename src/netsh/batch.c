/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * batch.c - Windows batch files (.bat, .cmd) run as cmd.exe runs them.
 *
 * A line is expanded first (bat_phase1(): %NAME%, %1, %~dp0, %ERRORLEVEL%,
 * %DATE%; %% is %), then parsed (parse_seq(): ^, double quotes, &, &&, ||,
 * |, redirections, blocks in parentheses over several lines, if ... else,
 * for), then its commands run (exec_seq()): goto, call :label, call
 * other.bat, exit [/b], shift, setlocal/endlocal, set, set /a and for
 * (lists, /l, /f) are followed, and the prompts (set /p, choice, pause) read
 * their answers from standard input, as cmd.exe's do; for's variables and !NAME! are put in
 * as a command runs (bat_late()).  netsh's commands run as the shell runs
 * them (netsh -f FILE too); find and findstr search what netsh, echo or ver
 * printed; cmd.exe's commands that change nothing of netsh's (cls, title
 * ...) are no commands; other programs are noted, not run, and count as
 * succeeded (as run by an administrator: `net session` of an administrator
 * check).
 *
 * What is not known here (a variable of Windows' environment the file does
 * not set, an argument of a file run without any) is kept between two
 * marks, MK_ON and MK_OFF, as written: a netsh command naming it is not
 * run (its value would be a guess), a condition reads it as cmd.exe reads
 * an undefined variable, empty (a few of Windows' own, %OS%, %SystemRoot%,
 * as Windows Server 2003 gives them).  What cannot be told at all (whether
 * a Windows file exists, the answer to a prompt nobody answers, what
 * another program prints) stops the file, said so; so do hostile lines past the bounds
 * (nesting, variables, a million commands).
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/grow.h"
#include "../common/utf8.h"

#define MK_ON '\x01'  /* an unknown variable's reference begins ... */
#define MK_OFF '\x02' /* ... and ends */

#define BAT_VARS_MAX 8192
#define BAT_CMDS_MAX 256	     /* commands of one line (cmd.exe's lines hold fewer) */
#define BAT_CALL_MAX 256	     /* call :label nesting */
#define BAT_LOCAL_MAX 32	     /* setlocal nesting (cmd.exe's limit) */
#define BAT_NEST_MAX 200	     /* blocks, if, for, set /a parentheses nested */
#define BAT_FORV_MAX 64		     /* for variables at once (for /f gives several) */
#define BAT_STEPS_MAX 1000000	     /* commands a file may run (a loop without end) */
#define BAT_FILE_TEXT_MAX (16 << 20) /* a line expanded, with its block */
#define BAT_PUSHD_MAX 10000	     /* pushd's directories kept at once */

/* ---------- words and keywords ---------- */

bool ipp_bat_file(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 4 && (!strcasecmp(name + n - 4, ".bat") || !strcasecmp(name + n - 4, ".cmd"));
}

/* The first word of @p is @w (case-insensitive), followed by a blank or the end. */
static bool first_word(const char *p, const char *w)
{
	size_t n = strlen(w);

	return !strncasecmp(p, w, n) && (!p[n] || p[n] == ' ' || p[n] == '\t');
}

/*
 * Is the first word of @p cmd.exe's keyword @w, as cmd.exe reads one: followed
 * by a blank, the end, or what ends a keyword without a blank (goto:eof,
 * exit/b, if/i, call:label, if(...)?
 */
static bool bat_keyword(const char *p, const char *w)
{
	size_t n = strlen(w);

	return !strncasecmp(p, w, n) && (!p[n] || strchr(" \t:/(\"\n", p[n]));
}

/* Is @p a rem comment ("rem", "rem text", "rem.", "rem/" ...: cmd.exe's)? */
static bool is_rem(const char *p)
{
	return !strncasecmp(p, "rem", 3) && (!p[3] || strchr(" \t.:(,;/=+[]\n", p[3]));
}

/* cmd.exe's delimiters between the words of a command (and of for's list) */
static bool is_delim(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '=';
}

int ipp_bat_dbcs_kind(const char *cp)
{
	static const char *const sjis[] = {"932",   "sjis",	   "shift_jis", "shift-jis",
					   "cp932", "windows-31j", "ms_kanji"};
	static const char *const dbl[] = {"936",	"950",	  "949",   "gbk",   "gb2312",
					  "gb18030",	"cp936",  "cp950", "cp949", "big5",
					  "big5-hkscs", "euc-kr", "uhc",   "euc-cn"};

	for (size_t i = 0; i < sizeof(sjis) / sizeof(sjis[0]); i++)
		if (!strcasecmp(cp, sjis[i]))
			return 2;
	for (size_t i = 0; i < sizeof(dbl) / sizeof(dbl[0]); i++)
		if (!strcasecmp(cp, dbl[i]))
			return 1;
	return 0;
}

bool ipp_bat_continued(char *line, ssize_t *len, int dbcs)
{
	bool quoted = false;
	ssize_t i, carets = 0;

	for (i = 0; i < *len; i++)
		if (line[i] == '"')
			quoted = !quoted;
	if (quoted || *len == 0 || line[*len - 1] != '^')
		return false;
	{
		/* (a rem line's caret is part of the comment) */
		const char *p = line + strspn(line, " \t@");

		if (is_rem(p) || !strncmp(p, "::", 2))
			return false;
	}
	/* the carets that end the line, as characters: in a double-byte code page the
	 * second byte of a character may be 0x5e (Shift_JIS "タ", Big5 "回", GBK "區"),
	 * which is no caret */
	for (i = 0; i < *len;) {
		unsigned char b = (unsigned char)line[i];
		bool lead = dbcs == 2 ? (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc)
				      : dbcs && b >= 0x81 && b <= 0xfe;

		if (lead && i + 1 < *len) {
			carets = 0;
			i += 2;
			continue;
		}
		carets = b == '^' ? carets + 1 : 0;
		i++;
	}
	if (carets % 2 == 0)
		return false; /* (^^ is a plain caret; none, a character's second byte) */
	line[--(*len)] = '\0';
	return true;
}

/* ---------- variables ---------- */

void ipp_bat_vars_clear(struct ipp_shell *sh)
{
	for (size_t i = 0; i < sh->bat_nvars; i++) {
		free(sh->bat_vars[i].name);
		free(sh->bat_vars[i].value);
	}
	free(sh->bat_vars);
	sh->bat_vars = NULL;
	sh->bat_nvars = 0;
}

static struct bat_var *bat_var_find(struct ipp_shell *sh, const char *name, size_t len)
{
	for (size_t i = 0; i < sh->bat_nvars; i++)
		if (strlen(sh->bat_vars[i].name) == len &&
		    !strncasecmp(sh->bat_vars[i].name, name, len))
			return &sh->bat_vars[i];
	return NULL;
}

/*
 * Windows' own variables as Windows Server 2003 gives them, for conditions
 * only (if "%OS%"=="Windows_NT"): a netsh command naming one is not run.
 */
/* Windows' own variables, as Windows Server 2003 gives them (name, value). */
static const char *const windows_vars[][2] = {
    {"OS", "Windows_NT"},	   {"PROCESSOR_ARCHITECTURE", "x86"},
    {"SystemRoot", "C:\\WINDOWS"}, {"windir", "C:\\WINDOWS"},
    {"SystemDrive", "C:"},	   {"ComSpec", "C:\\WINDOWS\\system32\\cmd.exe"},
};
#define NWINDOWS_VARS (sizeof(windows_vars) / sizeof(windows_vars[0]))

static const char *windows_var(const char *name, size_t len)
{
	for (size_t i = 0; i < NWINDOWS_VARS; i++)
		if (strlen(windows_vars[i][0]) == len &&
		    !strncasecmp(windows_vars[i][0], name, len))
			return windows_vars[i][1];
	return NULL;
}

/* A growing string. */
struct sbuf {
	char *s;
	size_t n, cap;
	bool bad; /* out of memory, or longer than a line may be */
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = 2 * (b->n + n + 1);
		char *g = b->n + n + 1 > (size_t)BAT_FILE_TEXT_MAX ? NULL : realloc(b->s, cap);

		if (!g) {
			b->bad = true;
			return;
		}
		b->s = g;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_chr(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

/* The string built (owned by the caller), or NULL (and nothing owned) when it went bad. */
static char *sb_done(struct sbuf *b)
{
	if (b->bad) {
		free(b->s);
		return NULL;
	}
	return b->s ? b->s : strdup("");
}

/* ---------- the state of a run ---------- */

/* The file, or a subroutine (call :label) with its arguments. */
struct bat_frame {
	char **argv; /* %0 %1 ... (owned) */
	size_t argc;
	size_t shift;  /* shift's count */
	char *all;     /* %*, as given (owned) */
	bool unknown;  /* the file's own: run without arguments here, what it was given is
			  not known (a netsh command naming %1 is not run) */
	size_t locals; /* setlocal's depth when it began (endlocal at its end) */
};

/* What setlocal keeps, for its endlocal. */
struct bat_local {
	struct bat_var *vars;
	size_t n;
	bool delayed;
	struct ipp_bat_dir dir; /* endlocal goes back there, as cmd.exe's does */
};

struct bat {
	struct ipp_shell *sh;
	const struct ipp_script_line *v;
	size_t n;
	size_t *labels; /* the lines that are labels (:name), in order (owned) */
	size_t nlabels;

	struct ipp_script_acct *acct;
	const char *name;
	char *path; /* the file's absolute path (%~f0), or NULL */
	char *jump; /* goto's label (owned): the line after it runs next */
	bool ret;   /* goto :eof or exit /b: the frame ends */
	int halt;   /* != 0: the script stops with this failure (halt_err) */
	struct ipp_error halt_err;
	size_t after;	     /* the line after the one being run (and its block) */
	size_t exit_after;   /* ... when an exit ended the file */
	bool delayed;	     /* setlocal enabledelayedexpansion */
	bool echo_off;	     /* echo off */
	bool cmd_file;	     /* a .cmd file (set succeeding sets errorlevel 0) */
	bool el_asked;	     /* the line being expanded asked for it */
	char bad_tilde[40];  /* the line being expanded has %~ without a parameter: which */
	bool out_unknown;    /* a command ran whose output is not known (a program not run) */
	char last_note[160]; /* the last note said, and its line: a loop says it once */
	unsigned last_note_line;
	unsigned depth;	  /* call nesting */
	unsigned in_forf; /* for /f's commands being run for what they print */
	size_t line_pc;	  /* the line being run (bat_line()) */
	unsigned fail_line; /* ... the line of its last failure (a block's lines: its own) */
	FILE *redir_in;	  /* a block's input, ( ... ) <file, when redir_set (NULL: nul) */
	bool redir_set;
	bool in_block_from; /* exec_block_from() runs its block (its input opened) */
	unsigned long steps;
	struct bat_frame *fr;
	struct {
		char letter;
		const char *value;
	} forv[BAT_FORV_MAX];
	size_t nforv;
	struct bat_local locals[BAT_LOCAL_MAX];
	size_t nlocals;
};

/* A note on the command being run; the same note again on the same line (a loop) is not said. */
__attribute__((format(printf, 2, 3))) static void bat_note(struct bat *b, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (b->last_note_line == b->sh->where_line &&
	    !strncmp(b->last_note, buf, sizeof(b->last_note) - 1))
		return;
	memcpy(b->last_note, buf, sizeof(b->last_note) - 1);
	b->last_note[sizeof(b->last_note) - 1] = '\0';
	b->last_note_line = b->sh->where_line;
	ipp_shell_note(b->sh, b->sh->out, "note", "%s", buf);
}

/* ---------- phase 1: %-expansion of a line as read ---------- */

/* The unknown reference @ref (@len bytes, as written) between the marks. */
static void sb_unknown(struct sbuf *o, const char *ref, size_t len)
{
	sb_chr(o, MK_ON);
	sb_add(o, ref, len);
	sb_chr(o, MK_OFF);
}

/* The path @p with cmd.exe's modifiers @mods (f d p n x s, of %~dp0) applied. */
static void path_mods(struct sbuf *o, const char *p, const char *mods, size_t nm)
{
	const char *slash = strrchr(p, '/'), *base = slash ? slash + 1 : p;
	const char *dot = strrchr(base, '.');
	bool f = false, d = false, pa = false, nn = false, x = false;

	for (size_t i = 0; i < nm; i++)
		switch (mods[i] | 0x20) {
		case 'f':
		case 's':
			f = true;
			break;
		case 'd':
			d = true;
			break;
		case 'p':
			pa = true;
			break;
		case 'n':
			nn = true;
			break;
		case 'x':
			x = true;
			break;
		default:
			break;
		}
	if (f || (!d && !pa && !nn && !x)) {
		sb_str(o, p);
		return;
	}
	(void)d; /* (no drive letters here) */
	if (pa)
		sb_add(o, p, (size_t)(base - p));
	if (nn)
		sb_add(o, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
	if (x && dot && dot != base)
		sb_str(o, dot);
}

/* @s without the double quotes around it (%~1). */
static void sb_dequoted(struct sbuf *o, const char *s)
{
	size_t n = strlen(s);

	if (n >= 1 && s[0] == '"') {
		s++;
		n--;
		if (n && s[n - 1] == '"')
			n--;
	}
	sb_add(o, s, n);
}

/* %N, %~modsN: argument @d of the frame (written @ref, @len bytes). */
static void arg_ref(struct bat *b, struct sbuf *o, unsigned d, const char *mods, size_t nm,
		    const char *ref, size_t len)
{
	struct bat_frame *fr = b->fr;
	size_t i = fr->shift + d;

	if (i == 0 && !fr->unknown && fr->argv[0][0] == ':' && nm == 0) {
		/* a subroutine's %0: its label */
		sb_str(o, fr->argv[0]);
		return;
	}
	if (i == 0) {
		if (!b->path) {
			sb_unknown(o, ref, len);
		} else if (nm == 0) {
			sb_str(o, b->name);
		} else if (nm == 1 && mods[0] == '~') {
			sb_str(o, b->name);
		} else {
			path_mods(o, b->path, mods + 1, nm - 1);
		}
		return;
	}
	if (fr->unknown) {
		sb_unknown(o, ref, len);
		return;
	}
	if (i >= fr->argc)
		return; /* (an argument not given is empty) */
	if (nm == 0)
		sb_str(o, fr->argv[i]);
	else if (nm == 1)
		sb_dequoted(o, fr->argv[i]);
	else
		path_mods(o, fr->argv[i], mods + 1, nm - 1);
}

/* Is the errorlevel what find or findstr said of a program's output (nothing set it since)? */
static bool el_unknown(const struct bat *b)
{
	const struct ipp_shell *sh = b->sh;

	return sh->bat_el_unknown && sh->bat_el_unknown_at == sh->bat_el_writes;
}

/* The value of variable @name (@len bytes), or NULL: the file's, then cmd.exe's dynamic ones. */
static const char *var_value(struct bat *b, const char *name, size_t len, char *num, size_t size)
{
	struct bat_var *v = bat_var_find(b->sh, name, len);

	if (v)
		return v->value;
	if (len == 10 && !strncasecmp(name, "ERRORLEVEL", 10)) {
		if (el_unknown(b)) {
			b->el_asked = true;
			return NULL;
		}
		snprintf(num, size, "%ld", b->sh->bat_errorlevel);
		return num;
	}
	if (len == 2 && !strncasecmp(name, "CD", 2))
		return b->sh->bat_cwd_unknown || !getcwd(num, size) ? NULL : num;
	if ((len == 4 && (!strncasecmp(name, "DATE", 4) || !strncasecmp(name, "TIME", 4))) ||
	    (len == 6 && !strncasecmp(name, "RANDOM", 6)) ||
	    (len == 12 && !strncasecmp(name, "COMPUTERNAME", 12))) {
		/* cmd.exe's dynamic variables, as an English Windows Server 2003 writes them:
		 * DATE "Thu 12/03/2026", TIME "14:05:09.27" (a blank before a single-digit
		 * hour), RANDOM 0..32767, COMPUTERNAME the host's name in capitals */
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		if ((name[0] | 0x20) == 'd')
			strftime(num, size, "%a %m/%d/%Y", &tm);
		else if ((name[0] | 0x20) == 't')
			snprintf(num, size, "%2d:%02d:%02d.%02ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
				 ts.tv_nsec / 10000000);
		else if ((name[0] | 0x20) == 'r')
			snprintf(num, size, "%ld", random() % 32768);
		else if (gethostname(num, size - 1) == 0) {
			num[size - 1] = '\0';
			for (char *c = num; *c; c++)
				*c = *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c;
		} else {
			return NULL;
		}
		return num;
	}
	return NULL;
}

/* %NAME:~start,len% and %NAME:old=new% of @val (cmd.exe's substring and replacement). */
static void var_modified(struct sbuf *o, const char *val, const char *mod, size_t ml)
{
	long n = (long)strlen(val);

	if (ml && mod[0] == '~') {
		char buf[64];
		long s, l = LONG_MAX;
		char *e;

		snprintf(buf, sizeof(buf), "%.*s", (int)(ml - 1), mod + 1);
		s = strtol(buf, &e, 10);
		if (*e == ',')
			l = strtol(e + 1, NULL, 10);
		if (s < 0)
			s = s + n < 0 ? 0 : s + n;
		if (s > n)
			s = n;
		if (l < 0)
			l = n - s + l < 0 ? 0 : n - s + l;
		if (l > n - s)
			l = n - s;
		sb_add(o, val + s, (size_t)l);
		return;
	}
	{
		const char *eq = memchr(mod, '=', ml);
		size_t fl = eq ? (size_t)(eq - mod) : ml;
		const char *to = eq ? eq + 1 : "";
		size_t tl = eq ? ml - fl - 1 : 0;

		if (fl && mod[0] == '*') {
			/* %NAME:*str=new%: what comes up to str, and str, become new */
			const char *at = NULL;

			for (const char *p = val; *p && !at; p++)
				if (!strncasecmp(p, mod + 1, fl - 1))
					at = p;
			if (!at || fl == 1) {
				sb_str(o, val);
				return;
			}
			sb_add(o, to, tl);
			sb_str(o, at + fl - 1);
			return;
		}
		if (fl == 0) {
			sb_str(o, val);
			return;
		}
		for (const char *p = val; *p;) {
			if (!strncasecmp(p, mod, fl)) {
				sb_add(o, to, tl);
				p += fl;
			} else {
				sb_chr(o, *p++);
			}
		}
	}
}

/*
 * Phase 1: @line with %NAME%, %N, %~dp0, %* in place and %% a percent
 * sign, as cmd.exe expands a line it reads; what is not known kept between
 * the marks.  A new string (free()), or NULL when it grew too long (or
 * memory ran out).
 */
static char *bat_phase1(struct bat *b, const char *line)
{
	struct sbuf o = {0};
	const char *p = line;

	while (*p) {
		const char *q, *close;
		char num[PATH_MAX];

		if (*p == MK_ON && (q = strchr(p, MK_OFF))) {
			/* (unknown already: call's second expansion keeps it as it is) */
			sb_add(&o, p, (size_t)(q + 1 - p));
			p = q + 1;
			continue;
		}
		if (*p != '%') {
			sb_chr(&o, *p++);
			continue;
		}
		if (p[1] == '%') {
			sb_chr(&o, '%');
			p += 2;
			continue;
		}
		q = p + 1;
		if (*q == '~') {
			while (*q && strchr("~fdpnxsatzFDPNXSATZ", *q))
				q++;
			if (*q >= '0' && *q <= '9') {
				arg_ref(b, &o, (unsigned)(*q - '0'), p + 1, (size_t)(q - p - 1), p,
					(size_t)(q + 1 - p));
				p = q + 1;
				continue;
			}
			if (*q == '$') {
				/* %~$NAME:N: parameter N searched for in the directories that
				 * variable NAME lists (PATH): empty when the parameter is, else
				 * not known here (Windows' directories) */
				const char *colon = strchr(q, ':');

				if (colon && colon > q + 1 && colon[1] >= '0' && colon[1] <= '9' &&
				    !memchr(q, '%', (size_t)(colon - q))) {
					size_t i = b->fr->shift + (size_t)(colon[1] - '0');

					if (b->fr->unknown ||
					    (i < b->fr->argc && b->fr->argv[i][0]) || i == 0)
						sb_unknown(&o, p, (size_t)(colon + 2 - p));
					p = colon + 2;
					continue;
				}
			}
			if (!b->bad_tilde[0]) {
				/* cmd.exe: "The following usage of the path operator in
				 * batch-parameter substitution is invalid", and the file ends
				 * (bat_line()) */
				size_t l = (size_t)(q - p) + (*q ? 1 : 0);

				if (l > sizeof(b->bad_tilde) - 1)
					l = sizeof(b->bad_tilde) - 1;
				while (l > 2 && ((unsigned char)p[l] & 0xC0) == 0x80)
					l--;
				memcpy(b->bad_tilde, p, l);
				b->bad_tilde[l] = '\0';
			}
		} else if (*q >= '0' && *q <= '9') {
			arg_ref(b, &o, (unsigned)(*q - '0'), q, 0, p, 2);
			p += 2;
			continue;
		} else if (*q == '*') {
			if (b->fr->unknown)
				sb_unknown(&o, p, 2);
			else if (b->fr->all)
				sb_str(&o, b->fr->all);
			p += 2;
			continue;
		}
		close = strchr(p + 1, '%');
		if (!close) {
			/* a percent sign that opens no variable: cmd.exe drops it in a batch
			 * file (echo 50% prints 50) */
			p++;
			continue;
		}
		if (close == p + 1) {
			sb_chr(&o, *p++);
			continue;
		}
		{
			const char *name = p + 1,
				   *colon = memchr(name, ':', (size_t)(close - name));
			size_t nl = (size_t)((colon ? colon : close) - name);
			const char *val = var_value(b, name, nl, num, sizeof(num));

			if (!val)
				sb_unknown(&o, p, (size_t)(close + 1 - p));
			else if (colon)
				var_modified(&o, val, colon + 1, (size_t)(close - colon - 1));
			else
				sb_str(&o, val);
			p = close + 1;
		}
	}
	return sb_done(&o);
}

/*
 * @s as a condition reads it: an unknown reference is empty, as an
 * undefined variable is, or Windows' value of its own (with its substring
 * or replacement; an undefined variable's leaves the text after its colon,
 * as cmd.exe reads it).  A new string.
 */
static char *cond_text(const char *s)
{
	struct sbuf o = {0};

	while (*s) {
		if (*s == MK_ON) {
			const char *e = strchr(s, MK_OFF);
			const char *w;

			if (!e)
				break;
			if (s[1] == '%' && e - s > 3 && e[-1] == '%') {
				const char *name = s + 2;
				size_t len = (size_t)(e - s - 3);
				const char *colon = memchr(name, ':', len);
				size_t nl = colon ? (size_t)(colon - name) : len;

				if ((w = windows_var(name, nl)) && colon)
					var_modified(&o, w, colon + 1,
						     (size_t)(name + len - colon - 1));
				else if (w)
					sb_str(&o, w);
				else if (colon)
					/* an undefined variable with a substring or a
					 * replacement: cmd.exe drops "%NAME:" and the lone
					 * closing "%" (echo /%X:a=b%/ prints /a=b/) */
					sb_add(&o, colon + 1, (size_t)(name + len - colon - 1));
			}
			s = e + 1;
			continue;
		}
		sb_chr(&o, *s++);
	}
	return sb_done(&o);
}

/*
 * Is @p a path of Windows' (a drive, \\server, \\ at its start: the root of a
 * drive; an unknown reference), or a relative one after a cd to a directory
 * of Windows' (where it leads is not known here)?  Otherwise it is a path
 * here, its backslashes turned into slashes in place (rules\\list.txt,
 * %~dp0rules\\list.txt).
 */
static bool windows_path(const struct bat *b, char *p)
{
	if ((((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':') || p[0] == '\\' ||
	    strchr(p, MK_ON) || (b->sh->bat_cwd_unknown && p[0] != '/'))
		return true;
	for (; *p; p++)
		if (*p == '\\')
			*p = '/';
	return false;
}

/* @s for a message: an unknown reference as written, without the marks.  In place. */
static char *plain(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++)
		if (*p != MK_ON && *p != MK_OFF)
			*o++ = *p;
	*o = '\0';
	return s;
}

/*
 * Phases 4 and 5, as a command runs: for's variables (%x, %~x) and, after
 * setlocal enabledelayedexpansion, !NAME!.  A new string, or NULL.
 */
static char *bat_late(struct bat *b, const char *s)
{
	struct sbuf o = {0};
	/* delayed expansion of a command that holds a "!": each caret, quoted or not, makes
	 * the next character plain and goes (cmd.exe's phase 5: echo Hello^^! prints Hello!) */
	bool carets = b->delayed && strchr(s, '!');

	while (*s) {
		if (carets && *s == '^' && s[1] && s[1] != MK_ON) {
			sb_chr(&o, s[1]);
			s += 2;
			continue;
		}
		if (*s == MK_ON) {
			const char *e = strchr(s, MK_OFF);
			size_t l = e ? (size_t)(e + 1 - s) : strlen(s);

			sb_add(&o, s, l);
			s += l;
			continue;
		}
		if (*s == '%' && b->nforv) {
			/* %x, %~x (without quotes), %~nx, %~dpx ... (a path's parts) */
			bool dq = s[1] == '~';
			size_t nm = dq ? strspn(s + 2, "fdpnxsFDPNXS") : 0, i = 0;

			for (size_t m = nm + 1; m-- > 0 && !i;) {
				/* (the longest modifiers that leave a variable's letter after them)
				 */
				char letter = s[1 + dq + m];

				for (i = b->nforv; i > 0 && b->forv[i - 1].letter != letter; i--)
					;
				if (i > 0 && letter) {
					const char *val = b->forv[i - 1].value;

					if (!dq)
						sb_str(&o, val);
					else if (!m)
						sb_dequoted(&o, val);
					else {
						struct sbuf d = {0};

						sb_dequoted(&d, val);
						path_mods(&o, d.s ? d.s : "", s + 2, m);
						free(d.s);
					}
					s += 2 + dq + m;
					break;
				}
				i = 0;
			}
			if (i)
				continue;
		}
		if (*s == '!' && b->delayed) {
			const char *e = strchr(s + 1, '!');
			char num[PATH_MAX];
			const char *val;

			if (e && e > s + 1) {
				/* !NAME!, !NAME:~s,l!, !NAME:a=b! as %NAME...% */
				const char *colon = memchr(s + 1, ':', (size_t)(e - s - 1));
				size_t nl = (size_t)((colon ? colon : e) - (s + 1));

				val = var_value(b, s + 1, nl, num, sizeof(num));
				if (!val)
					sb_unknown(&o, s, (size_t)(e + 1 - s));
				else if (colon)
					var_modified(&o, val, colon + 1, (size_t)(e - colon - 1));
				else
					sb_str(&o, val);
				s = e + 1;
				continue;
			}
			if (!e) {
				s++; /* (a lone ! goes, as cmd.exe drops it) */
				continue;
			}
		}
		sb_chr(&o, *s++);
	}
	return sb_done(&o);
}

/* ---------- phase 2: the line parsed ---------- */

enum bn_kind { BN_CMD, BN_BLOCK, BN_IF, BN_FOR };
enum bn_cond { C_CMP, C_ERRORLEVEL, C_EXIST, C_DEFINED, C_CMDEXT };
enum bn_op { OP_EQ2, OP_EQU, OP_NEQ, OP_LSS, OP_LEQ, OP_GTR, OP_GEQ };

/* A command of a parsed line. */
struct bn {
	enum bn_kind kind;
	char join;	 /* what joins it to the next: '&', 'A' (&&), 'O' (||), '|', 0 */
	int next;	 /* the next command of its sequence, or -1 */
	char *text;	 /* BN_CMD: the command (carets resolved, redirections gone);
			    BN_IF: the first operand (the number, the path, the name);
			    BN_FOR: its list */
	char *text2;	 /* BN_IF: the second operand */
	bool redirected; /* its standard output goes elsewhere (>nul, >file) */
	bool err_redirected; /* ... its standard error (2>nul, 2>&1) */
	char *input;	 /* BN_CMD: the file its standard input comes from (<file), or NULL */
	unsigned lofs;	 /* the line it is on, counted from the line the parse began at */
	bool has_line;	 /* lofs tells its line (a parse of the file's lines, not a for /f's) */
	int body, alt;	 /* BN_BLOCK, BN_FOR: the commands in it; BN_IF: then, else */
	bool not_, icase;
	int cond, op;
	char letter; /* BN_FOR: its variable */
	char fkind;  /* BN_FOR: 0 a list, 'l' numbers; 'f', 'd', 'r' (not followed) */
};

struct bp {
	struct bn *v;
	size_t n, cap;
	const char *p;	 /* where the parse is */
	int depth;	 /* blocks open */
	int nest;	 /* blocks, ifs and fors being parsed (each one a call deeper) */
	bool more;	 /* a block is open at the end: the next line belongs to it */
	const char *start, *seen; /* the file's lines parsed (NULL: other text), and how far */
	unsigned line;		  /* ... their line breaks were counted */
	const char *bad; /* a syntax error: what was expected */
	const char *bad_at;
	bool nomem;
};

static void bp_free(struct bp *P)
{
	for (size_t i = 0; i < P->n; i++) {
		free(P->v[i].text);
		free(P->v[i].text2);
		free(P->v[i].input);
	}
	free(P->v);
	*P = (struct bp){0};
}

static int bp_node(struct bp *P, enum bn_kind kind)
{
	if (P->n == P->cap) {
		struct bn *g = realloc(P->v, (P->cap = P->cap ? 2 * P->cap : 16) * sizeof(*g));

		if (!g) {
			P->nomem = true;
			return -1;
		}
		P->v = g;
	}
	P->v[P->n] = (struct bn){.kind = kind, .next = -1, .body = -1, .alt = -1};
	if (P->start) {
		/* (its line: the breaks before where the parse is, counted once) */
		for (; P->seen < P->p; P->seen++)
			P->line += *P->seen == '\n';
		P->v[P->n].lofs = P->line;
		P->v[P->n].has_line = true;
	}
	return (int)P->n++;
}

static int bp_bad(struct bp *P, const char *what)
{
	if (!P->bad) {
		P->bad = what;
		P->bad_at = P->p;
	}
	return -1;
}

static void skip_blanks(struct bp *P)
{
	while (*P->p == ' ' || *P->p == '\t')
		P->p++;
}

/*
 * A redirection at @in (an optional handle number, then >, >> or <, then &N
 * or a word, perhaps quoted)?  Its end, *@to_out whether it takes standard
 * output; NULL when there is none.
 */
static const char *redirection(const char *in, const char *word_start, bool in_block, bool *to_out)
{
	char c = *in;
	bool handle = c >= '0' && c <= '9';

	if (!(c == '>' || c == '<' ||
	      (handle && (in[1] == '>' || in[1] == '<') &&
	       (in == word_start || in[-1] == ' ' || in[-1] == '\t'))))
		return NULL;
	*to_out = (c == '>' || c == '1') && in[handle] == '>';
	if (handle)
		in++;
	if (*in == '>' && in[1] == '>')
		in++;
	in++;
	if (*in == '&') {
		/* another handle: 2>&1 */
		in++;
		in += strspn(in, "0123456789");
		*to_out = false;
	} else {
		/* the target: a word, perhaps quoted */
		in += strspn(in, " \t");
		if (*in == '"') {
			const char *e = strchr(in + 1, '"');

			in = e ? e + 1 : in + strlen(in);
		} else {
			in += strcspn(in, in_block ? " \t&|<>\n)" : " \t&|<>\n");
		}
	}
	return in;
}

/* Does the redirection from @r to @e (redirection()) name no file (echo x >, a <b>)? */
static bool redir_no_target(const char *r, const char *e)
{
	if (*r >= '0' && *r <= '9')
		r++;
	r += *r == '>' && r[1] == '>' ? 2 : 1;
	if (*r == '&')
		return !(r[1] >= '0' && r[1] <= '9'); /* another handle (>&, without one: none) */
	r += strspn(r, " \t");
	return r >= e;
}

/*
 * The redirection from @r to @e (redirection()), when it is of standard input
 * (<file, 0<file): its target, quotes gone, in *@input (the last one given
 * counts; freed before).  0, or -1 out of memory (P->nomem).
 */
static int redir_input(struct bp *P, const char *r, const char *e, char **input)
{
	const char *t = r + (*r == '0');
	size_t q;

	if (*t != '<' || t[1] == '&')
		return 0;
	t += 1 + strspn(t + 1, " \t");
	q = *t == '"';
	free(*input);
	if (!(*input = strndup(t + q, (size_t)(e - t) - q - (q && e > t + 1 && e[-1] == '"')))) {
		P->nomem = true;
		return -1;
	}
	return 0;
}

/*
 * A simple command, as cmd.exe reads one: outside double quotes ^ makes the
 * next character plain, &, | and (in a block) ) end it, and a redirection
 * is cmd.exe's, never part of it.
 */
static int parse_simple(struct bp *P)
{
	struct sbuf o = {0};
	const char *in = P->p;
	bool quoted = false, redirected = false, err_redirected = false;
	char *input = NULL;
	int nd;

	while (*in && *in != '\n') {
		char c = *in;
		const char *e;
		bool to_out;

		if (c == '"') {
			quoted = !quoted;
			sb_chr(&o, *in++);
			continue;
		}
		if (quoted || c == MK_ON || c == MK_OFF) {
			sb_chr(&o, *in++);
			continue;
		}
		if (c == '^' && in[1] && in[1] != '\n') {
			sb_chr(&o, in[1]);
			in += 2;
			continue;
		}
		if (c == '&' || c == '|' || (c == ')' && P->depth > 0))
			break;
		if ((e = redirection(in, o.n ? in - (o.s[o.n - 1] == ' ' ? 0 : 1) : in,
				     P->depth > 0, &to_out))) {
			redirected |= to_out;
			err_redirected |= in[0] == '2' && in[1] == '>';
			if (redir_no_target(in, e)) {
				/* (cmd.exe: "The syntax of the command is incorrect.") */
				free(o.s);
				free(input);
				P->p = in;
				return bp_bad(P, "a file after the redirection");
			}
			if (redir_input(P, in, e, &input) < 0) {
				free(o.s);
				return -1;
			}
			in = e;
			continue;
		}
		sb_chr(&o, *in++);
	}
	P->p = in;
	if ((nd = bp_node(P, BN_CMD)) < 0) {
		free(o.s);
		free(input);
		return -1;
	}
	P->v[nd].input = input;
	if (!(P->v[nd].text = sb_done(&o))) {
		P->nomem = true;
		return -1;
	}
	P->v[nd].redirected = redirected;
	P->v[nd].err_redirected = err_redirected;
	return nd;
}

static int parse_cmd(struct bp *P);

/*
 * A sequence of commands joined by &, &&, || and |, from @first (parsed
 * already, or -1): to the end of the line (@block: of the block, whose lines
 * are joined as by &).  Its first command, or -1 (none, or a failure).
 */
static int parse_seq(struct bp *P, bool block, int first)
{
	int prev = first;

	if (first >= 0)
		goto joined;
	for (;;) {
		int nd;

		skip_blanks(P);
		while (block && *P->p == '\n') {
			P->p++;
			skip_blanks(P);
		}
		if (!*P->p || *P->p == '\n' || (*P->p == ')' && P->depth > 0))
			break;
		if ((nd = parse_cmd(P)) < 0)
			return -1;
		if (prev >= 0)
			P->v[prev].next = nd;
		else
			first = nd;
		prev = nd;
	joined:
		skip_blanks(P);
		if (P->p[0] == '&' && P->p[1] == '&') {
			P->v[prev].join = 'A';
			P->p += 2;
		} else if (P->p[0] == '|' && P->p[1] == '|') {
			P->v[prev].join = 'O';
			P->p += 2;
		} else if (P->p[0] == '&') {
			P->v[prev].join = '&';
			P->p++;
		} else if (P->p[0] == '|') {
			P->v[prev].join = '|';
			P->p++;
		} else if (block && P->p[0] == '\n') {
			P->v[prev].join = '&';
		} else {
			break;
		}
	}
	return first;
}

/* An operand of if: a word (double quotes keep blanks in it), carets resolved. */
static char *parse_operand(struct bp *P)
{
	struct sbuf o = {0};
	bool quoted = false;

	while (*P->p && *P->p != '\n') {
		char c = *P->p;

		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (is_delim(c) || c == '(' || c == ')' || c == '&' || c == '|'))
			break;
		if (!quoted && c == '^' && P->p[1] && P->p[1] != '\n')
			c = *++P->p;
		sb_chr(&o, c);
		P->p++;
	}
	return sb_done(&o);
}

/* if [/i] [not] (errorlevel N | exist P | defined V | A==B | A op B) command [else command] */
static int parse_if(struct bp *P)
{
	static const char *const ops[] = {"==", "EQU", "NEQ", "LSS", "LEQ", "GTR", "GEQ"};
	int nd = bp_node(P, BN_IF), then;
	struct bn *n;

	if (nd < 0)
		return -1;
	P->p += 2;
	skip_blanks(P);
	n = &P->v[nd];
	if (!strncasecmp(P->p, "/i", 2) && strchr(" \t", P->p[2])) {
		n->icase = true;
		P->p += 2;
		skip_blanks(P);
	}
	if (!strncasecmp(P->p, "not", 3) && strchr(" \t", P->p[3])) {
		n->not_ = true;
		P->p += 3;
		skip_blanks(P);
	}
	if (bat_keyword(P->p, "errorlevel") && P->p[10] != ':')
		n->cond = C_ERRORLEVEL, P->p += 10;
	else if (bat_keyword(P->p, "exist"))
		n->cond = C_EXIST, P->p += 5;
	else if (bat_keyword(P->p, "defined"))
		n->cond = C_DEFINED, P->p += 7;
	else if (bat_keyword(P->p, "cmdextversion"))
		n->cond = C_CMDEXT, P->p += 13;
	else
		n->cond = C_CMP;
	skip_blanks(P);
	if (!(n->text = parse_operand(P)))
		return P->nomem = true, -1;
	if (!*n->text)
		return bp_bad(P, "a condition after if");
	if (n->cond == C_CMP) {
		size_t k;

		skip_blanks(P);
		for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			size_t l = strlen(ops[k]);

			if (!strncasecmp(P->p, ops[k], l) && (k == 0 || strchr(" \t", P->p[l])))
				break;
		}
		if (k == sizeof(ops) / sizeof(ops[0]))
			return bp_bad(P, "== or a comparison (EQU, NEQ, LSS, LEQ, GTR, GEQ) in if");
		n->op = (int)k;
		P->p += strlen(ops[k]);
		while (k == 0 && *P->p == '=')
			P->p++;
		skip_blanks(P);
		if (!(n->text2 = parse_operand(P)))
			return P->nomem = true, -1;
		if (!*n->text2)
			return bp_bad(P, "a second operand in if");
	}
	skip_blanks(P);
	if (!*P->p || *P->p == '\n' || *P->p == ')')
		return bp_bad(P, "a command after if's condition");
	if (*P->p == '(') {
		if ((then = parse_cmd(P)) < 0)
			return -1;
		skip_blanks(P);
		if (bat_keyword(P->p, "else")) {
			P->p += 4;
			skip_blanks(P);
			int alt = parse_seq(P, false, -1); /* (it may move P->v) */

			if ((P->v[nd].alt = alt) < 0)
				return P->bad || P->nomem || P->more
					   ? -1
					   : bp_bad(P, "a command after else");
		} else if ((then = parse_seq(P, false, then)) < 0) {
			return -1;
		}
	} else if ((then = parse_seq(P, false, -1)) < 0) {
		return -1;
	}
	P->v[nd].body = then;
	return nd;
}

/* for [/l | /f [options] | /d | /r [path]] %x in (list) do command */
static int parse_for(struct bp *P)
{
	int nd = bp_node(P, BN_FOR), body;
	struct sbuf o = {0};
	bool quoted = false;

	if (nd < 0)
		return -1;
	P->p += 3;
	skip_blanks(P);
	while (*P->p == '/') {
		char k = (char)(P->p[1] | 0x20);

		if (!strchr("lfdr", k))
			return bp_bad(P, "/l, /f, /d or /r after for");
		P->v[nd].fkind = k;
		P->p += 2;
		skip_blanks(P);
		if ((k == 'f' && *P->p == '"') || (k == 'r' && *P->p != '%')) {
			char *opts = parse_operand(P); /* (for /f's options are kept) */

			if (!opts)
				return P->nomem = true, -1;
			free(P->v[nd].text2);
			P->v[nd].text2 = opts;
			skip_blanks(P);
		}
	}
	if (P->p[0] != '%' || !P->p[1] || is_delim(P->p[1]) || P->p[1] == '\n')
		return bp_bad(P, "for's variable (%%x)");
	P->v[nd].letter = P->p[1];
	P->p += 2;
	skip_blanks(P);
	if (!bat_keyword(P->p, "in"))
		return bp_bad(P, "in after for's variable");
	P->p += 2;
	skip_blanks(P);
	if (*P->p != '(')
		return bp_bad(P, "( after for's in");
	++P->p;
	/* (^ makes the next character plain outside double quotes: a^&b, a^)b) */
	while (*P->p && *P->p != '\n' && (quoted || *P->p != ')')) {
		if (*P->p == '"')
			quoted = !quoted;
		else if (!quoted && *P->p == '^' && P->p[1] && P->p[1] != '\n')
			P->p++;
		sb_chr(&o, *P->p++);
	}
	if (*P->p != ')') {
		free(o.s);
		return bp_bad(P, ") ending for's list");
	}
	if (!(P->v[nd].text = sb_done(&o)))
		return P->nomem = true, -1;
	P->p++;
	skip_blanks(P);
	if (!bat_keyword(P->p, "do"))
		return bp_bad(P, "do after for's list");
	P->p += 2;
	skip_blanks(P);
	if ((body = parse_seq(P, false, -1)) < 0)
		return P->bad || P->nomem || P->more ? -1 : bp_bad(P, "a command after do");
	P->v[nd].body = body;
	return nd;
}

static int parse_cmd_in(struct bp *P);

/*
 * One command: a block, if, for, a comment, or a simple command.  (Blocks,
 * ifs and fors nest by recursion: bounded, hostile lines are no stack's end.)
 */
static int parse_cmd(struct bp *P)
{
	int nd;

	if (P->nest >= BAT_NEST_MAX)
		return bp_bad(P, "blocks, if and for nested no deeper than 200");
	P->nest++;
	nd = parse_cmd_in(P);
	P->nest--;
	return nd;
}

static int parse_cmd_in(struct bp *P)
{
	int nd, body;

	skip_blanks(P);
	while (*P->p == '@') {
		P->p++;
		skip_blanks(P);
	}
	if (*P->p == '(') {
		P->p++;
		P->depth++;
		if ((nd = bp_node(P, BN_BLOCK)) < 0)
			return -1;
		body = parse_seq(P, true, -1); /* (it may move P->v) */
		P->v[nd].body = body;
		if (P->bad || P->nomem || P->more)
			return -1;
		if (*P->p != ')') {
			P->more = true;
			return -1;
		}
		P->p++;
		P->depth--;
		/* (a redirection after the block is the block's: >nul) */
		for (;;) {
			const char *e;
			bool to_out;

			skip_blanks(P);
			if (!(e = redirection(P->p, P->p, P->depth > 0, &to_out)))
				break;
			P->v[nd].redirected |= to_out;
			P->v[nd].err_redirected |= P->p[0] == '2' && P->p[1] == '>';
			if (redir_no_target(P->p, e))
				return bp_bad(P, "a file after the redirection");
			if (redir_input(P, P->p, e, &P->v[nd].input) < 0)
				return -1;
			P->p = e;
		}
		return nd;
	}
	if (is_rem(P->p) || !strncmp(P->p, "::", 2) || (*P->p == ':' && P->depth > 0) ||
	    (*P->p == ')' && P->depth == 0)) {
		/* a comment (a label in a block is one too; so is a command that begins with a
		 * ")" outside any block, as cmd.exe reads one), to the end of its line */
		P->p += strcspn(P->p, "\n");
		if ((nd = bp_node(P, BN_CMD)) >= 0 && !(P->v[nd].text = strdup("")))
			return P->nomem = true, -1;
		return nd;
	}
	if (bat_keyword(P->p, "if"))
		return parse_if(P);
	if (bat_keyword(P->p, "for"))
		return parse_for(P);
	return parse_simple(P);
}

/* ---------- running the commands ---------- */

/* The failures of the commands of one line of a batch file. */
struct bat_fail {
	int r;		     /* the last one (0: none) */
	unsigned summarized; /* its ipp_shell::summarized */
	unsigned said;	     /* failures before it on the line, said already */
	unsigned line;	     /* the line of the file it is on (a block's lines: its own) */
};

/*
 * A command of a batch file's line failed (@rc < 0; @e says why): kept, to
 * be returned for the line; a failure before it on the same line (a & b) is
 * said now, as the script's lines are, so that every failing command is
 * reported.  A script that stops at its first failure (no error stream)
 * keeps the first.
 */
static void bat_failed(struct ipp_shell *sh, int rc, const struct ipp_error *e, struct bat_fail *f,
		       struct ipp_error *err)
{
	if (rc >= 0)
		return;
	sh->bat_last_failed = true;
	if (f->r < 0) {
		struct ipp_error prev = {0};

		if (!sh->errf || !err)
			return;
		prev = *err;
		ipp_err_prefix(&prev, "%s:%u", sh->where ? sh->where : "-",
			       f->line ? f->line : sh->where_line);
		if (!f->summarized) {
			unsigned s = sh->summarized;

			sh->summarized = 0; /* (ipp_shell_report() reads it) */
			ipp_shell_report(sh, sh->errf, "", &prev);
			sh->summarized = s;
		}
		f->said += f->summarized ? f->summarized : 1;
	}
	f->r = rc;
	f->summarized = sh->summarized;
	f->line = sh->where_line;
	if (err)
		*err = *e;
}

/* The batch file stops (what cannot be followed): and a batch file that called it. */
static void bat_halt(struct bat *b)
{
	b->sh->exit = true;
	b->sh->bat_stopped = true;
}

/* The batch file stops at its command @c: @why (what cannot be followed); its failure. */
static int bat_stop(struct bat *b, const char *c, const char *why, struct bat_fail *f,
		    struct ipp_error *err)
{
	struct ipp_error e = {0};
	char shown[80];
	size_t n = strcspn(c, "\n");
	int rc;

	/* (a long command cut at a character's start, said so) */
	if (n > 64) {
		n = 60;
		while (n > 0 && ((unsigned char)c[n] & 0xC0) == 0x80)
			n--;
		snprintf(shown, sizeof(shown), "%.*s...", (int)n, c);
	} else {
		snprintf(shown, sizeof(shown), "%.*s", (int)n, c);
	}
	rc = ipp_err(&e, EINVAL, "\"%s\": %s: the batch file stops here", plain(shown), why);
	bat_halt(b);
	bat_failed(b->sh, rc, &e, f, err);
	return rc;
}

static int bat_nomem(struct bat *b, struct bat_fail *f, struct ipp_error *err)
{
	struct ipp_error e = {0};
	int rc = ipp_err(&e, ENOMEM, "out of memory");

	bat_halt(b);
	bat_failed(b->sh, rc, &e, f, err);
	return rc;
}

/* Has the file run more commands than it may (a loop without end)?  Said, and it stops. */
static bool too_many_steps(struct bat *b, const char *c, struct bat_fail *f, struct ipp_error *err,
			   int *rc)
{
	if (++b->steps <= (b->sh->bat_steps_max ? b->sh->bat_steps_max : BAT_STEPS_MAX))
		return false;
	*rc = bat_stop(
	    b, c, "the batch file ran more than a million commands (a loop without end?)", f, err);
	return true;
}

/* Room for @n more for variables?  Otherwise said, and the file stops. */
static bool forv_room(struct bat *b, size_t n, struct bat_fail *f, struct ipp_error *err, int *rc)
{
	if (b->nforv + n <= BAT_FORV_MAX)
		return true;
	*rc = bat_stop(b, "for", "for loops (and their variables) nested deeper than are followed",
		       f, err);
	return false;
}

/* What a command writes, caught (a pipe, for /f, a redirection): the shell's output is @c's. */
struct capture {
	FILE *mem, *saved;
	char *buf;
	size_t len;
};

static bool capture_start(struct ipp_shell *sh, struct capture *c)
{
	*c = (struct capture){0};
	if (!(c->mem = open_memstream(&c->buf, &c->len)))
		return false;
	c->saved = sh->out;
	sh->out = c->mem;
	return true;
}

/* The output back where it was; what was caught (a new string, or NULL), to free(). */
static char *capture_end(struct ipp_shell *sh, struct capture *c)
{
	sh->out = c->saved;
	fclose(c->mem);
	return c->buf;
}

/*
 * The program a command of a batch file's line runs, its first word: 1
 * netsh (netsh, netsh.exe, or a path to it, quoted or not, rewritten in @c
 * to the word netsh; *@wlen its length as written), -1 a word netsh takes
 * first that cmd.exe knows no program by (add, delete, show ...: a netsh
 * script saved as a batch file), 0 anything else (del, set, sc, net ...:
 * a command of cmd.exe's or another program).
 */
static int bat_program(char *c, size_t *wlen)
{
	static const char *const netsh_only[] = {
	    "add",  "delete",  "show",	 "dump",   "exec",  "ipsec", "static", "dynamic", "bye",
	    "quit", "offline", "online", "commit", "abort", "flush", "alias",  "unalias", "?"};
	size_t n, i;
	char *base, *w = c;

	if (*c == '"') {
		char *e = strchr(c + 1, '"');

		n = e ? (size_t)(e - c) + 1 : strlen(c);
	} else {
		n = strcspn(c, " \t");
	}
	*wlen = n;
	for (base = c + n; base > c + (*c == '"') && base[-1] != '\\' && base[-1] != '/' &&
			   base[-1] != ':' && base[-1] != MK_OFF;
	     base--)
		;
	{
		size_t bl = (size_t)(c + n - base) - (*c == '"' && c[n - 1] == '"' && n > 1);

		if ((bl == 5 && !strncasecmp(base, "netsh", 5)) ||
		    (bl == 9 && !strncasecmp(base, "netsh.exe", 9))) {
			if (base != c || bl != n) {
				memset(c, ' ', n);
				memcpy(c, "netsh", 5);
			}
			return 1;
		}
	}
	for (i = 0; i < sizeof(netsh_only) / sizeof(netsh_only[0]); i++)
		if (strlen(netsh_only[i]) == n && !strncasecmp(w, netsh_only[i], n))
			return -1;
	return 0;
}

/*
 * A set command of a batch file (@c, its text): "set NAME=value" or
 * set "NAME=value" gives NAME for the lines after it (an empty value takes
 * it away), as cmd.exe's does.  1 done, 0 no such command (set /a, /p, a
 * listing), -ENOMEM, -E2BIG (more variables than BAT_VARS_MAX).
 */
/* Variable @name (@nlen bytes) set to @value (@vlen bytes, not empty): 1, or -ENOMEM, -E2BIG. */
static int bat_var_put(struct ipp_shell *sh, const char *name, size_t nlen, const char *value,
		       size_t vlen)
{
	struct bat_var *v = bat_var_find(sh, name, nlen);
	char *copy = strndup(value, vlen);

	if (!copy)
		return -ENOMEM;
	if (v) {
		free(v->value);
		v->value = copy;
		return 1;
	}
	if (sh->bat_nvars == BAT_VARS_MAX) {
		free(copy);
		return -E2BIG;
	}
	if (!(v = realloc(sh->bat_vars, (sh->bat_nvars + 1) * sizeof(*v))) ||
	    !(v[sh->bat_nvars].name = strndup(name, nlen))) {
		if (v)
			sh->bat_vars = v;
		free(copy);
		return -ENOMEM;
	}
	sh->bat_vars = v;
	v[sh->bat_nvars++].value = copy;
	return 1;
}

static int bat_set(struct ipp_shell *sh, const char *c)
{
	const char *a = c + 3 + strspn(c + 3, " \t"), *eq, *end;
	struct bat_var *v;

	if (*a == '/' || !*a)
		return 0;
	if (*a == '"') {
		a++;
		end = strrchr(a, '"');
		if (!end)
			end = a + strlen(a);
	} else {
		end = a + strlen(a);
	}
	if (!(eq = memchr(a, '=', (size_t)(end - a))) || eq == a)
		return 0;
	v = bat_var_find(sh, a, (size_t)(eq - a));
	{
		/* (a value of unknown references only, set x=%TEMP%: as cmd.exe sets one
		 * that expands to nothing, none; where it is used it is unknown again) */
		const char *q = eq + 1;

		/* (a substring or replacement of an undefined variable leaves its text: no) */
		while (q < end && *q == MK_ON) {
			const char *e = memchr(q, MK_OFF, (size_t)(end - q));

			if (!e || memchr(q, ':', (size_t)(e - q)))
				break;
			q = e + 1;
		}
		if (q == end)
			eq = end - 1;
	}
	if (eq + 1 == end) {
		if (v) {
			free(v->name);
			free(v->value);
			*v = sh->bat_vars[--sh->bat_nvars];
		}
		return 1;
	}
	return bat_var_put(sh, a, (size_t)(eq - a), eq + 1, (size_t)(end - eq - 1));
}

/* Is @c a set that lists variables (set, set PREFIX: no "=", no switch)? */
static bool set_lists(const char *c)
{
	const char *a = c + 3 + strspn(c + 3, " \t");

	return *a != '/' && !strchr(a, '=') && !strchr(a, MK_ON);
}

/* Windows' order of its environment: names compared in upper case (AB before A_1). */
static int name_icmp(const void *x, const void *y)
{
	const unsigned char *a = *(const unsigned char *const *)x;
	const unsigned char *b = *(const unsigned char *const *)y;

	while (*a && toupper(*a) == toupper(*b))
		a++, b++;
	return toupper(*a) - toupper(*b);
}

/*
 * set or set PREFIX: the file's variables whose names start so, and Windows'
 * own that windows_var() gives, as NAME=value lines sorted by name, as
 * cmd.exe lists them (the rest of Windows' environment is not known here);
 * none: cmd.exe's "Environment variable PREFIX not defined" and errorlevel 1
 * (1 returned, for && and ||).  -ENOMEM.
 */
static int bat_set_list(struct bat *b, const struct bn *n, const char *c)
{
	struct ipp_shell *sh = b->sh;
	const char *a = c + 3 + strspn(c + 3, " \t");
	size_t pl = strlen(a), nn = 0, i;
	const char **names;

	if (*a == '"') {
		a++;
		pl = strcspn(a, "\"");
	}
	while (pl && (a[pl - 1] == ' ' || a[pl - 1] == '\t'))
		pl--;
	if (!(names = calloc(sh->bat_nvars + NWINDOWS_VARS + 1, sizeof(*names))))
		return -ENOMEM;
	for (i = 0; i < sh->bat_nvars; i++)
		if (!strncasecmp(sh->bat_vars[i].name, a, pl))
			names[nn++] = sh->bat_vars[i].name;
	for (i = 0; i < NWINDOWS_VARS; i++) {
		const char *w = windows_vars[i][0];

		if (!strncasecmp(w, a, pl) && !bat_var_find(sh, w, strlen(w)))
			names[nn++] = w;
	}
	qsort(names, nn, sizeof(*names), name_icmp);
	for (i = 0; i < nn && !n->redirected; i++) {
		const struct bat_var *v = bat_var_find(sh, names[i], strlen(names[i]));

		if (v && (strchr(v->value, MK_ON) || strchr(v->value, MK_OFF)))
			b->out_unknown = true; /* (a value not known here: what find finds in it
						  neither) */
		fprintf(sh->out, "%s=", names[i]);
		/* (a reference not known here as written: %PATH%) */
		for (const char *q = v ? v->value : windows_var(names[i], strlen(names[i])); *q;
		     q++)
			if (*q != MK_ON && *q != MK_OFF)
				fputc(*q, sh->out);
		fputc('\n', sh->out);
	}
	free(names);
	if (nn)
		return 0;
	/* (cmd.exe's message goes to standard error: 2>nul hides it) */
	if (!n->err_redirected)
		fprintf(sh->errf ? sh->errf : stderr, "Environment variable %.*s not defined\n",
			(int)pl, a);
	ipp_bat_el_set(sh, 1);
	return 1;
}

/* A copy of the batch file's variables (setlocal), or false when memory ran out. */
static bool vars_copy(const struct bat_var *from, size_t n, struct bat_var **to)
{
	struct bat_var *v = n ? calloc(n, sizeof(*v)) : NULL;

	if (n && !v)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!(v[i].name = strdup(from[i].name)) || !(v[i].value = strdup(from[i].value))) {
			for (size_t k = 0; k <= i; k++) {
				free(v[k].name);
				free(v[k].value);
			}
			free(v);
			return false;
		}
	}
	*to = v;
	return true;
}

/*
 * Is @c cd, chdir, pushd or popd (cd.. and cd\\ too, as cmd.exe reads them)?  The
 * keyword's length, 0 when it is none.
 */
static size_t dir_keyword(const char *c)
{
	static const char *const kw[] = {"cd", "chdir", "pushd", "popd"};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		size_t l = strlen(kw[i]);

		if (bat_keyword(c, kw[i]) ||
		    (i < 2 && !strncasecmp(c, kw[i], l) && (c[l] == '.' || c[l] == '\\')))
			return l;
	}
	return 0;
}

/* The directory the batch file is in now, kept in @d to go back to (dir_back()). */
static void dir_keep(struct ipp_shell *sh, struct ipp_bat_dir *d)
{
	d->unknown = sh->bat_cwd_unknown;
	d->path = d->unknown ? NULL : getcwd(NULL, 0);
	if (!d->path)
		d->unknown = true; /* (gone, or memory: where it was is not known) */
}

/* Back into @d (dir_keep()), freed; a directory gone since makes where paths lead unknown. */
static void dir_back(struct bat *b, struct ipp_bat_dir *d)
{
	struct ipp_shell *sh = b->sh;

	sh->bat_cwd_unknown = d->unknown;
	if (d->path && chdir(d->path) < 0) {
		bat_note(b, "\"%s\": %s: where relative paths lead is not known from here on",
			 d->path, strerror(errno));
		sh->bat_cwd_unknown = true;
	}
	free(d->path);
	d->path = NULL;
}

/*
 * cd, chdir, pushd and popd (@c; its words after the command's @klen
 * bytes): into a directory here, followed (relative paths lead there, as in
 * cmd.exe); into one of Windows' (C:\..., \, a drive alone), where relative
 * paths lead is not known from there on, said so.  cd alone writes the
 * directory.  0, 1 a directory that cannot be entered (cmd.exe's errorlevel
 * 1), -ENOMEM, or -E2BIG pushd nested past bounds.
 */
static int bat_cd(struct bat *b, const char *c, size_t klen, bool push, bool pop, bool redirected)
{
	struct ipp_shell *sh = b->sh;
	const char *a = c + klen;
	char *x, *path;
	size_t l;

	if (pop) {
		if (sh->bat_npushd)
			dir_back(b, &sh->bat_pushd[--sh->bat_npushd]);
		return 0;
	}
	a += strspn(a, " \t");
	if (!push && !strncasecmp(a, "/d", 2) &&
	    (!a[2] || a[2] == ' ' || a[2] == '\t' || a[2] == '"'))
		a += 2 + strspn(a + 2, " \t");
	if (!*a) {
		/* (cd alone writes where it is: a pushd alone, nothing) */
		char *here = push || sh->bat_cwd_unknown ? NULL : getcwd(NULL, 0);

		if (here && !redirected)
			fprintf(sh->out, "%s\n", here);
		b->out_unknown |= !push && !here;
		free(here);
		return 0;
	}
	if (!(x = cond_text(a)))
		return -ENOMEM;
	path = x + (*x == '"');
	l = strlen(path);
	while (l && (path[l - 1] == '"' || path[l - 1] == ' ' || path[l - 1] == '\t'))
		path[--l] = '\0';
	if (push) {
		if (sh->bat_npushd == BAT_PUSHD_MAX) {
			free(x);
			return -E2BIG;
		}
		if (ipp_grow((void **)&sh->bat_pushd, &sh->bat_pushd_cap, sh->bat_npushd + 1,
			     sizeof(*sh->bat_pushd)) < 0) {
			free(x);
			return -ENOMEM;
		}
		dir_keep(sh, &sh->bat_pushd[sh->bat_npushd++]);
	}
	if (strchr(a, MK_ON) || windows_path(b, path)) {
		if (!sh->bat_cwd_unknown)
			bat_note(b,
				 "%s: a directory of Windows' (\"%s\"): where relative paths "
				 "lead is not known from here on",
				 push ? "pushd" : "cd", plain(path));
		sh->bat_cwd_unknown = true;
		free(x);
		return 0;
	}
	if (chdir(path) < 0) {
		bat_note(b, "%s: \"%s\": %s (cmd.exe: the system cannot find the path specified)",
			 push ? "pushd" : "cd", path, strerror(errno));
		free(x);
		if (push)
			(void)bat_cd(b, c, klen, false, true, redirected);
		return 1;
	}
	sh->bat_cwd_unknown = false;
	free(x);
	return 0;
}

/* endlocal: the variables (and delayed expansion) as setlocal found them. */
static void bat_endlocal(struct bat *b)
{
	struct bat_local *l;

	if (b->nlocals == 0)
		return;
	l = &b->locals[--b->nlocals];
	ipp_bat_vars_clear(b->sh);
	b->sh->bat_vars = l->vars;
	b->sh->bat_nvars = l->n;
	b->delayed = l->delayed;
	dir_back(b, &l->dir);
}

/* A line of the file is a label (:name): its name's length, 0 when it is none. */
static size_t label_len(const char *p)
{
	return strcspn(p, " \t:;,=+&<>|\n");
}

/* The line that holds label @name (searched from @from to the end, then from the top), or -1. */
/* The place among b->labels of the first label at or after line @line (nlabels: none). */
static size_t label_at(const struct bat *b, size_t line)
{
	size_t lo = 0, hi = b->nlabels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->labels[mid] < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static long find_label(const struct bat *b, size_t from, const char *name)
{
	size_t nl = strlen(name);

	/* (the file's label lines, in order, listed once: a loop's goto is no scan) */
	for (size_t k = 0; k < b->nlabels; k++) {
		size_t i = b->labels[(label_at(b, from) + k) % b->nlabels];
		const char *p = b->v[i].text;

		p += strspn(p, " \t") + 1;
		p += strspn(p, " \t"); /* ": name" is label "name" too, as cmd.exe finds it */
		if (label_len(p) == nl && !strncasecmp(p, name, nl))
			return (long)i;
	}
	return -1;
}

/* What frame_args() gave, freed. */
static void frame_free(struct bat_frame *fr)
{
	if (fr->argv)
		for (size_t i = 0; i <= fr->argc; i++)
			free(fr->argv[i]);
	free(fr->argv);
	free(fr->all);
	fr->argv = NULL;
	fr->all = NULL;
	fr->argc = 0;
}

/* Does the run leave the commands it is in (goto, goto :eof or exit /b, a stop, exit)? */
static bool bat_leaving(const struct bat *b)
{
	return b->jump || b->ret || b->halt || b->sh->exit;
}

static int bat_frame(struct bat *b, size_t pc, struct ipp_error *err);
/* The arguments of a frame: %0 (@zero, @nz bytes) and the words of @a. 0, or -ENOMEM (*fr freed).
 */
static int frame_args(struct bat_frame *fr, const char *zero, size_t nz, const char *a)
{
	a += strspn(a, " \t,;=");
	fr->argc = 0;
	if (!(fr->all = strdup(a)) || !(fr->argv = calloc(2, sizeof(char *))) ||
	    !(fr->argv[0] = strndup(zero, nz)))
		goto nomem;
	fr->argc = 1;
	while (*a) {
		const char *s = a;
		bool quoted = false;
		char **g;

		while (*a && (quoted || !is_delim(*a))) {
			if (*a == '"')
				quoted = !quoted;
			a++;
		}
		if (!(g = realloc(fr->argv, (fr->argc + 2) * sizeof(char *))))
			goto nomem;
		fr->argv = g;
		fr->argv[fr->argc + 1] = NULL;
		if (!(fr->argv[fr->argc] = strndup(s, (size_t)(a - s))))
			goto nomem;
		fr->argc++;
		a += strspn(a, " \t,;=");
	}
	return 0;
nomem:
	frame_free(fr);
	return -ENOMEM;
}

static int exec_seq(struct bat *b, struct bp *P, int nd, struct bat_fail *f, struct ipp_error *err);

/*
 * call :label [arguments]: the subroutine runs to its end (goto :eof, exit
 * /b, the end of the file) with arguments of its own; then the command
 * after the call.  Its status is the errorlevel it left.
 */
static int bat_call(struct bat *b, const char *c, struct bat_fail *f, struct ipp_error *err)
{
	struct ipp_shell *sh = b->sh;
	struct bat_frame fr = {0}, *outer = b->fr;
	const char *lab = c + 1;
	size_t ll = label_len(lab);
	char name[256];
	long at;
	int r;
	const char *where = sh->where;
	unsigned where_line = sh->where_line;
	size_t after = b->after;

	snprintf(name, sizeof(name), "%.*s", (int)(ll < 200 ? ll : 200), lab);
	if (memchr(lab, MK_ON, ll))
		return bat_stop(b, c,
				"a call to a label a variable names that the file does not "
				"set is not followed",
				f, err);
	if (b->depth >= BAT_CALL_MAX)
		return bat_stop(b, c, "calls nested deeper than 256 (a subroutine calling itself?)",
				f, err);
	if ((at = find_label(b, b->after, name)) < 0) {
		struct ipp_error e = {0};

		/* cmd.exe says so, and the file goes on with an errorlevel of 1 */
		r = ipp_err(&e, ENOENT, "call: the batch file has no label \":%s\"", name);
		bat_failed(sh, r, &e, f, err);
		ipp_bat_el_set(sh, 1);
		return r;
	}
	/* the arguments: words (double quotes keep blanks), as cmd.exe gives them */
	if (frame_args(&fr, c, ll + 1, lab + ll) < 0)
		goto nomem;
	fr.locals = b->nlocals;
	b->fr = &fr;
	b->depth++;
	r = bat_frame(b, (size_t)at + 1, err);
	b->depth--;
	while (b->nlocals > fr.locals)
		bat_endlocal(b);
	b->fr = outer;
	b->ret = false;
	b->after = after;
	sh->where = where;
	sh->where_line = where_line;
	frame_free(&fr);
	if (r) {
		b->halt = r;
		b->halt_err = *err;
		return r;
	}
	return sh->bat_errorlevel ? 1 : 0;
nomem:
	frame_free(&fr);
	return bat_nomem(b, f, err);
}

/* The output of ver here: Windows Server 2003's. */
static const char ver_text[] = "Microsoft Windows [Version 5.2.3790]";

/* findstr's regular expressions, a pattern and its text. */
struct fsre {
	const char *pat; /* the pattern (@np bytes) */
	size_t np;
	const char *line; /* the line (for \< and ^) */
	bool icase;
};

static char fs_low(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

static bool fs_same(const struct fsre *R, char a, char b)
{
	return R->icase ? fs_low(a) == fs_low(b) : a == b;
}

/* Is @c a word character (\< \>)? */
static bool fs_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || (unsigned char)c >= 0x80;
}

/*
 * The element of the pattern at @i (a character, \x, ., [class]): its end
 * (the next element), and whether text character @c matches it (@c NUL:
 * none does).  *@ok false: the pattern is not one findstr takes (an open [).
 */
static size_t fs_elem(const struct fsre *R, size_t i, char c, bool *match, bool *ok)
{
	const char *p = R->pat;

	*ok = true;
	if (p[i] == '\\' && i + 1 < R->np) {
		*match = c && fs_same(R, p[i + 1], c);
		return i + 2;
	}
	if (p[i] == '.') {
		*match = c != '\0';
		return i + 1;
	}
	if (p[i] == '[') {
		size_t k = i + 1;
		bool neg = k < R->np && p[k] == '^', in = false;

		k += neg;
		for (bool first = true; k < R->np && (first || p[k] != ']'); first = false) {
			char lo = p[k], hi = lo;

			if (k + 2 < R->np && p[k + 1] == '-' && p[k + 2] != ']') {
				hi = p[k + 2];
				k += 3;
			} else {
				k++;
			}
			if (c && ((c >= lo && c <= hi) ||
				  (R->icase && fs_low(c) >= fs_low(lo) && fs_low(c) <= fs_low(hi))))
				in = true;
		}
		if (k >= R->np) {
			*ok = false;
			*match = false;
			return R->np;
		}
		*match = c && in != neg;
		return k + 1;
	}
	*match = c && fs_same(R, p[i], c);
	return i + 1;
}

/* Does the pattern from @i match the text at @t (backtracking over x*)?  -1: no pattern. */
static int fs_here(const struct fsre *R, size_t i, const char *t)
{
	bool m, ok;
	size_t next;

	if (i == R->np)
		return 1;
	if (R->pat[i] == '$' && i + 1 == R->np)
		return *t == '\0';
	if (R->pat[i] == '\\' && i + 1 < R->np && (R->pat[i + 1] == '<' || R->pat[i + 1] == '>')) {
		bool before = t > R->line && fs_word(t[-1]), after = fs_word(*t);

		if (R->pat[i + 1] == '<' ? !before && after : before && !after)
			return fs_here(R, i + 2, t);
		return 0;
	}
	next = fs_elem(R, i, *t, &m, &ok);
	if (!ok)
		return -1;
	if (next < R->np && R->pat[next] == '*') {
		/* zero or more, the fewest first: every length is tried */
		for (const char *u = t;; u++) {
			int r = fs_here(R, next + 1, u);
			bool mu;

			if (r != 0)
				return r;
			fs_elem(R, i, *u, &mu, &ok);
			if (!mu)
				return 0;
		}
	}
	return m ? fs_here(R, next, t + 1) : 0;
}

/*
 * Does findstr's pattern @pat (@np bytes: . any character, [class] [^class]
 * [a-z], x* repeats, \x the character, \< \> a word's ends, ^ $ the line's)
 * match @t?  -1 when it is no pattern findstr takes.
 */
static int findstr_match(const char *pat, size_t np, const char *t, bool icase)
{
	struct fsre R = {pat, np, t, icase};
	bool anchored = np && pat[0] == '^';

	for (const char *s = t;; s++) {
		int r = fs_here(&R, anchored, s);

		if (r != 0 || anchored || !*s)
			return r;
	}
}

/*
 * Does @pat (@np bytes) match @line: literally (a substring), or as
 * findstr's pattern; @at_start, @at_end: only at the line's beginning, end
 * (findstr /b /e; both: /x, the whole line).  1, 0, or -1 (no pattern findstr
 * takes).
 */
static int search_one(const char *pat, size_t np, const char *line, bool literal, bool icase,
		      bool at_start, bool at_end)
{
	size_t ll = strlen(line);

	if (literal) {
		if (at_start && at_end)
			return ll == np && !(icase ? strncasecmp : strncmp)(line, pat, np);
		if (at_start)
			return ll >= np && !(icase ? strncasecmp : strncmp)(line, pat, np);
		if (at_end)
			return ll >= np &&
			       !(icase ? strncasecmp : strncmp)(line + ll - np, pat, np);
		return (icase ? strcasestr(line, pat) : strstr(line, pat)) != NULL;
	}
	{
		char anch[520];

		snprintf(anch, sizeof(anch), "%s%.*s%s", at_start && pat[0] != '^' ? "^" : "",
			 (int)np, pat, at_end && (!np || pat[np - 1] != '$') ? "$" : "");
		return findstr_match(anch, strlen(anch), line, icase);
	}
}

/*
 * One argument of a program's command line at @s, as Windows programs read
 * theirs (the C runtime's rules): blanks end it outside double quotes, which
 * are dropped; 2n backslashes before a double quote are n, the quote then
 * quoting; 2n+1 are n and a plain double quote ("\"[ynd]\"" is "[ynd]").
 * Its length (written to @out, @cap bytes, NUL-terminated; 0 none), or
 * (size_t)-1 when it does not fit; *@end: where it ends.
 */
static size_t crt_arg(const char *s, char *out, size_t cap, const char **end)
{
	size_t n = 0;
	bool quoted = false;

	while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
		size_t bs = strspn(s, "\\"), k;

		if (s[bs] == '"') {
			for (k = 0; k < bs / 2; k++)
				if (n + 1 < cap)
					out[n++] = '\\';
				else
					return (size_t)-1;
			if (bs % 2) {
				if (n + 1 >= cap)
					return (size_t)-1;
				out[n++] = '"';
			} else {
				quoted = !quoted;
			}
			s += bs + 1;
			continue;
		}
		if (bs) {
			if (n + bs >= cap)
				return (size_t)-1;
			memcpy(out + n, s, bs);
			n += bs;
			s += bs;
			continue;
		}
		if (n + 1 >= cap)
			return (size_t)-1;
		out[n++] = *s++;
	}
	out[n] = '\0';
	*end = s;
	return n;
}

/*
 * What find or findstr (@c, the command) says of @text, the output of the
 * command that feeds it: 0 a line found (the lines found written to @out,
 * unless NULL), 1 none, -1 not a search this follows (a file named, an
 * option it does not know).
 */
static int text_search(const char *c, const char *text, FILE *out)
{
	bool fstr = bat_keyword(c, "findstr"), icase = false, invert = false, literal = false;
	bool at_start = false, at_end = false;
	bool one = !fstr; /* find's string, findstr's /c: one string, blanks and all */
	bool count = false; /* find /c: the number of lines found, not the lines */
	unsigned long nfound = 0;
	const char *p;
	char pat[512];
	size_t np = 0;
	int found = 1;

	if (!fstr && !bat_keyword(c, "find"))
		return -1;
	p = c + (fstr ? 7 : 4);
	for (;;) {
		p += strspn(p, " \t");
		if (*p != '/')
			break;
		switch (p[1] | 0x20) {
		case 'i':
			icase = true;
			break;
		case 'v':
			invert = true;
			break;
		case 'l':
			literal = true;
			break;
		case 'r':
			literal = false;
			break;
		case 'b':
			at_start = fstr;
			break;
		case 'e':
			at_end = fstr;
			break;
		case 'x':
			at_start = at_end = fstr;
			break;
		case 'c':
			if (!fstr) {
				count = true;
				break;
			}
			if (p[2] != ':')
				return -1;
			one = true;
			p += 1;
			break;
		default:
			if (!fstr || !strchr("nmo", p[1] | 0x20))
				return -1;
			break;
		}
		p += 2;
		if (one && fstr && p[-1] == ':')
			break;
	}
	if ((np = crt_arg(p, pat, sizeof(pat), &p)) == 0 || np == (size_t)-1)
		return -1;
	if (*(p + strspn(p, " \t")))
		return -1; /* (a file to search: not the pipe's output) */
	for (const char *line = text; *line;) {
		size_t ll = strcspn(line, "\n");
		char buf[4096];
		bool hit;
		int hr = 0;

		snprintf(buf, sizeof(buf), "%.*s", (int)ll, line);
		buf[strcspn(buf, "\r")] = '\0';
		if (one) {
			hr = search_one(pat, np, buf, !fstr || literal, icase, at_start, at_end);
		} else {
			/* findstr's words: any of them */
			for (const char *w = pat; *w && hr == 0;) {
				size_t wl = strcspn(w, " ");
				char word[512];

				snprintf(word, sizeof(word), "%.*s", (int)wl, w);
				hr =
				    wl ? search_one(word, wl, buf, literal, icase, at_start, at_end)
				       : 0;
				w += wl + strspn(w + wl, " ");
			}
		}
		if (hr < 0)
			return -1;
		hit = hr > 0;
		if (hit != invert) {
			found = 0;
			nfound++;
			if (out && !count)
				fprintf(out, "%s\n", buf);
		}
		line += ll + (line[ll] == '\n');
	}
	/* (find /c of what a pipe gives: the number alone; errorlevel 1 when it is 0) */
	if (count && out)
		fprintf(out, "%lu\n", nfound);
	return found;
}

/* Is @s an integer as cmd.exe's comparisons read one (decimal, 0x hex, 0 octal)? */
static bool bat_number(const char *s, long *v)
{
	char *e;

	if (!*s)
		return false;
	errno = 0;
	*v = strtol(s, &e, 0);
	return !*e && !errno;
}

/*
 * Would the commands from @nd change nothing here, run or not (programs
 * not run, echo, cmd.exe's quiet commands: no netsh, no control flow, no
 * variables)?
 */
static bool seq_inert(const struct bp *P, int nd)
{
	static const char *const live[] = {"goto",     "call",	   "exit",   "set", "shift",
					   "setlocal", "endlocal", "choice", "if",  "for"};

	for (; nd >= 0; nd = P->v[nd].next) {
		const struct bn *n = &P->v[nd];

		if (n->kind == BN_BLOCK) {
			if (!seq_inert(P, n->body))
				return false;
		} else if (n->kind != BN_CMD) {
			return false;
		} else {
			char *c = strdup(n->text + strspn(n->text, " \t@"));
			size_t wl = 0;
			bool netsh = !c || bat_program(c, &wl) != 0;

			free(c);
			if (netsh)
				return false;
			for (size_t k = 0; k < sizeof(live) / sizeof(live[0]); k++)
				if (bat_keyword(n->text + strspn(n->text, " \t@"), live[k]))
					return false;
		}
	}
	return true;
}

/* if's condition: 1 true, 0 false, -2 neither branch to run, or the failure that stops the file. */
/*
 * Is if's operand @op (as parsed) nothing but %-references to variables not
 * set here (nor Windows' own that windows_var() gives), unquoted: empty when
 * cmd.exe reads the line, so that the operand is gone from it?
 */
static bool if_operand_gone(const char *op)
{
	bool unknown = false;

	if (!op || strchr(op, '"'))
		return false;
	while (*op) {
		const char *e, *name = op + 2;

		if (*op != MK_ON || op[1] != '%' || !(e = strchr(op, MK_OFF)))
			return false;
		/* (one of Windows' own that Windows Server 2003 gives: %OS%, %SystemRoot%;
		 * a substring or replacement, which leaves text when undefined) */
		if (windows_var(name, strcspn(name, "%:\x02")) ||
		    memchr(name, ':', (size_t)(e - name)))
			return false;
		unknown = true;
		op = e + 1;
	}
	return unknown;
}

static int eval_if(struct bat *b, const struct bp *P, const struct bn *n, struct bat_fail *f,
		   struct ipp_error *err)
{
	char *a = bat_late(b, n->text), *x = a ? cond_text(a) : NULL;
	char *b2 = NULL, *y = NULL;
	int res = 0;
	long na, nb;

	if (!x)
		goto nomem;
	if (if_operand_gone(n->text) || (n->cond == C_CMP && if_operand_gone(n->text2))) {
		/* if %x%==n with x not set: cmd.exe reads "if ==n", a syntax error, and stops
		 * the batch file there (a variable of Windows' environment instead: its value
		 * cannot be told) */
		res = bat_stop(b, "if",
			       "an operand that is only a variable not set here (cmd.exe: a syntax "
			       "error when it is not set, which ends the batch file; quote it: "
			       "\"%x%\"==\"n\")",
			       f, err);
		goto out;
	}
	switch (n->cond) {
	case C_ERRORLEVEL:
		if (el_unknown(b)) {
			res = bat_stop(b, "if errorlevel",
				       "the errorlevel find or findstr left, searching what a "
				       "program printed, cannot be told",
				       f, err);
			goto out;
		}
		res = bat_number(x, &na) && b->sh->bat_errorlevel >= na;
		break;
	case C_CMDEXT:
		res = bat_number(x, &na) && na <= 2;
		break;
	case C_DEFINED:
		res = bat_var_find(b->sh, x, strlen(x)) || windows_var(x, strlen(x));
		break;
	case C_EXIST: {
		char *path = x + (*x == '"');
		size_t l = strlen(path);

		if (l && path[l - 1] == '"')
			path[--l] = '\0';
		if (windows_path(b, path) || strpbrk(path, "*?") || strchr(a, MK_ON)) {
			if (seq_inert(P, n->body) && seq_inert(P, n->alt)) {
				/* (what it guards changes nothing here, run or not) */
				bat_note(b, "if exist: whether a file of Windows' exists cannot be "
					    "told here; what it guards is no command of netsh's: "
					    "not run");
				res = -2;
				goto out;
			}
			res = bat_stop(b, "if exist",
				       "whether a file of Windows' exists cannot be told here", f,
				       err);
			goto out;
		}
		res = access(path, F_OK) == 0;
		break;
	}
	default:
		if (!(b2 = bat_late(b, n->text2)) || !(y = cond_text(b2)))
			goto nomem;
		if (n->op == OP_EQ2) {
			res = n->icase ? !strcasecmp(x, y) : !strcmp(x, y);
		} else {
			int cmp;

			if (bat_number(x, &na) && bat_number(y, &nb))
				cmp = na < nb ? -1 : na > nb;
			else
				cmp = n->icase ? strcasecmp(x, y) : strcmp(x, y);
			res = n->op == OP_EQU	? cmp == 0
			      : n->op == OP_NEQ ? cmp != 0
			      : n->op == OP_LSS ? cmp < 0
			      : n->op == OP_LEQ ? cmp <= 0
			      : n->op == OP_GTR ? cmp > 0
						: cmp >= 0;
		}
		break;
	}
	if (n->not_)
		res = !res;
out:
	free(a);
	free(x);
	free(b2);
	free(y);
	return res;
nomem:
	free(a);
	free(x);
	free(b2);
	free(y);
	return bat_nomem(b, f, err);
}

/* for /f's options: tokens=, delims=, eol=, skip=, usebackq. */
struct for_opts {
	char delims[64];
	char eol;
	long skip;
	bool usebackq;
	unsigned char want[32]; /* token numbers (1-based), in order */
	size_t nwant;
	bool star; /* the rest of the line after the last one, to the next variable */
};

/* @o from the options text @t ("tokens=1,3* delims=,"); false when they are not cmd.exe's. */
static bool for_opts_parse(const char *t, struct for_opts *o)
{
	char buf[256];
	size_t l;
	char *p;

	*o = (struct for_opts){.delims = " \t", .eol = ';', .want = {1}, .nwant = 1};
	if (!t)
		return true;
	l = strlen(t);
	if (l >= sizeof(buf))
		return false;
	memcpy(buf, t + (t[0] == '"'), l + 1 - (t[0] == '"'));
	l = strlen(buf);
	if (l && buf[l - 1] == '"')
		buf[--l] = '\0';
	for (p = buf; *p;) {
		p += strspn(p, " ");
		if (!strncasecmp(p, "usebackq", 8)) {
			o->usebackq = true;
			p += 8;
		} else if (!strncasecmp(p, "skip=", 5)) {
			o->skip = strtol(p + 5, &p, 10);
		} else if (!strncasecmp(p, "eol=", 4)) {
			o->eol = p[4];
			p += 4 + (p[4] != '\0');
		} else if (!strncasecmp(p, "delims=", 7)) {
			/* to the next blank, unless the blanks end the options: then they are
			 * delimiters too (delims=, tokens=2 / tokens=2 delims=, ) */
			size_t dl = strcspn(p + 7, " ");

			if (!p[7 + dl + strspn(p + 7 + dl, " ")])
				dl = strlen(p + 7);
			snprintf(o->delims, sizeof(o->delims), "%.*s", (int)dl, p + 7);
			p += 7 + dl;
		} else if (!strncasecmp(p, "tokens=", 7)) {
			o->nwant = 0;
			for (p += 7; *p && *p != ' ';) {
				long a, z;

				if (*p == '*') {
					o->star = true;
					p++;
					continue;
				}
				a = strtol(p, &p, 10);
				z = a;
				if (*p == '-')
					z = strtol(p + 1, &p, 10);
				for (long k = a; k <= z && k >= 1 && k <= 31 && o->nwant < 31; k++)
					o->want[o->nwant++] = (unsigned char)k;
				if (*p == ',')
					p++;
				else if (*p && *p != ' ' && *p != '*')
					return false;
			}
			if (o->nwant == 0 && !o->star)
				return false;
			/* the variables take the tokens in ascending order, whatever the order
			 * they are listed in (tokens=2,1: %%a the first), each once */
			for (size_t i = 1; i < o->nwant; i++)
				for (size_t j = i; j > 0 && o->want[j - 1] > o->want[j]; j--) {
					unsigned char w = o->want[j];

					o->want[j] = o->want[j - 1];
					o->want[j - 1] = w;
				}
			{
				size_t n = 0;

				for (size_t i = 0; i < o->nwant; i++)
					if (!n || o->want[n - 1] != o->want[i])
						o->want[n++] = o->want[i];
				o->nwant = n;
			}
		} else if (*p) {
			return false;
		}
	}
	return true;
}

/* The for /f values of line @line into @v (@max of them): how many variables it gives. */
static size_t for_tokens(const struct for_opts *o, char *line, char **v, size_t max)
{
	size_t nv = 0, k = 0;
	char *p = line;

	for (size_t i = 0; i < o->nwant && nv < max; i++)
		v[nv++] = NULL;
	if (o->star && nv < max)
		v[nv++] = NULL;
	for (unsigned tok = 1; *p; tok++) {
		char *s;

		p += strspn(p, o->delims);
		if (!*p)
			break;
		s = p;
		if (o->star && k == o->nwant) {
			v[o->nwant] = s; /* the rest of the line */
			break;
		}
		p += strcspn(p, o->delims);
		if (*p)
			*p++ = '\0';
		for (size_t i = 0; i < o->nwant; i++)
			if (o->want[i] == tok) {
				v[i] = s;
				k = i + 1;
			}
		if (k == o->nwant && o->star) {
			p += strspn(p, o->delims);
			if (*p)
				v[o->nwant] = p;
			break;
		}
	}
	return nv;
}

/*
 * for /f: its command for each line of a file (a path here), a string, or
 * what a command prints (netsh, echo or ver: what another program prints is
 * not known, and the file stops).
 */
static int exec_for_f(struct bat *b, struct bp *P, int nd, struct bat_fail *f,
		      struct ipp_error *err)
{
	const struct bn *n = &P->v[nd];
	struct for_opts o;
	char *src = NULL, *text = NULL, *opts = NULL;
	size_t len = 0;
	int last = 0;
	long lineno = 0;

	if (!(opts = n->text2 ? bat_late(b, n->text2) : strdup("")) ||
	    !(src = bat_late(b, n->text))) {
		free(opts);
		return bat_nomem(b, f, err);
	}
	if (!for_opts_parse(n->text2 ? opts : NULL, &o)) {
		last = bat_stop(b, "for /f",
				"for /f's options are not cmd.exe's (tokens=, delims=, "
				"eol=, skip=, usebackq)",
				f, err);
		goto out;
	}
	{
		char *x = cond_text(src), *q;
		size_t l;

		free(src);
		src = x;
		if (!src) {
			last = bat_nomem(b, f, err);
			goto out;
		}
		q = src + strspn(src, " \t");
		l = strlen(q);
		while (l && (q[l - 1] == ' ' || q[l - 1] == '\t'))
			q[--l] = '\0';
		if (l >= 2 && ((!o.usebackq && q[0] == '\'') || (o.usebackq && q[0] == '`')) &&
		    q[l - 1] == q[0]) {
			/* what a command prints */
			struct bp C = {0};
			struct capture cap;
			int root;

			q[l - 1] = '\0';
			C.p = q + 1;
			root = parse_seq(&C, false, -1);
			if (C.bad && !C.nomem && !strcmp(C.bad, "a file after the redirection")) {
				/* (cmd.exe runs it in a cmd of its own, which says the syntax is
				 * wrong: the loop has no line, the file goes on) */
				bat_note(b,
					 "for /f: \"%s\": a redirection without a file: cmd.exe's "
					 "syntax error in the command, the loop gets no line",
					 plain(q + 1));
				bp_free(&C);
				goto out;
			}
			if (C.bad || C.more || C.nomem || !capture_start(b->sh, &cap)) {
				bp_free(&C);
				last = bat_stop(b, q + 1, "for /f over a command it cannot read", f,
						err);
				goto out;
			}
			b->out_unknown = false;
			b->in_forf++;
			exec_seq(b, &C, root, f, err);
			b->in_forf--;
			text = capture_end(b->sh, &cap);
			bp_free(&C);
			if (b->out_unknown) {
				last = bat_stop(
				    b, q + 1,
				    "for /f over what a program prints (not netsh's, echo's "
				    "or ver's) cannot be told",
				    f, err);
				goto out;
			}
			if (bat_leaving(b))
				goto out;
		} else if (l >= 2 && q[0] == (o.usebackq ? '\'' : '"') && q[l - 1] == q[0]) {
			/* a string */
			q[l - 1] = '\0';
			if (!(text = strdup(q + 1))) {
				last = bat_nomem(b, f, err);
				goto out;
			}
		} else {
			/* a file (a path here; usebackq: double quotes may surround it) */
			FILE *in;

			if (o.usebackq && l >= 2 && q[0] == '"' && q[l - 1] == '"') {
				q[l - 1] = '\0';
				q++;
			}
			if (windows_path(b, q)) {
				/* (said as written: %TEMP%\\out.csv) */
				last = bat_stop(b, n->text + strspn(n->text, " \t"),
						"for /f over a file of Windows' is not followed", f,
						err);
				goto out;
			}
			if (!(in = fopen(q, "r"))) {
				/* cmd.exe says so, and the loop runs no command */
				bat_note(b,
					 "for /f: cannot open \"%s\": %s: its command is not run",
					 q, strerror(errno));
				ipp_bat_el_set(b->sh, 1);
				goto out;
			}
			{
				FILE *mem = open_memstream(&text, &len);
				char buf[4096];
				size_t k, total = 0;

				while (mem && (k = fread(buf, 1, sizeof(buf), in)) > 0 &&
				       (total += k) <= BAT_FILE_TEXT_MAX)
					fwrite(buf, 1, k, mem);
				if (mem)
					fclose(mem);
				fclose(in);
				if (!mem) {
					last = bat_nomem(b, f, err);
					goto out;
				}
				if (total > BAT_FILE_TEXT_MAX) {
					last = bat_stop(
					    b, q,
					    "for /f over a file of more than 16 MiB is not "
					    "followed",
					    f, err);
					goto out;
				}
			}
		}
	}
	if (!forv_room(b, 1, f, err, &last))
		goto out;
	if (text && (strchr(text, MK_ON) || strchr(text, MK_OFF))) {
		last = bat_stop(b, "for /f",
				"a control character (U+0001 or U+0002) in the lines for /f reads",
				f, err);
		goto out;
	}
	for (char *line = text, *next; line && *line; line = next) {
		char *v[33] = {0};
		size_t nv, base = b->nforv;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		/* (eol is the first token's first character: after the leading delimiters) */
		if (++lineno <= o.skip || !*line || line[strspn(line, o.delims)] == o.eol)
			continue;
		nv = for_tokens(&o, line, v, 33);
		if (!v[0])
			continue; /* (no first token: cmd.exe runs nothing for the line) */
		if (!forv_room(b, nv, f, err, &last))
			break;
		for (size_t i = 0; i < nv; i++) {
			b->forv[base + i].letter = (char)(n->letter + (char)i);
			b->forv[base + i].value = v[i] ? v[i] : "";
		}
		b->nforv = base + nv;
		last = exec_seq(b, P, n->body, f, err);
		b->nforv = base;
		if (bat_leaving(b))
			break;
	}
out:
	free(opts);
	free(src);
	free(text);
	return last;
}

/* for's command run once, its variable @value (room checked by the caller: forv_room()). */
static int for_body(struct bat *b, struct bp *P, const struct bn *n, const char *value,
		    struct bat_fail *f, struct ipp_error *err)
{
	int last;

	b->forv[b->nforv].letter = n->letter;
	b->forv[b->nforv++].value = value;
	last = exec_seq(b, P, n->body, f, err);
	b->nforv--;
	return last;
}

/*
 * for's word @pat holding a wildcard: its command for each file (not
 * directory) the pattern names, in order, as cmd.exe's plain for lists
 * them; none, no command.  A Windows path (C:\..., \) cannot be listed: the
 * file stops.
 */
static int for_files(struct bat *b, struct bp *P, int nd, const char *pat, struct bat_fail *f,
		     struct ipp_error *err)
{
	const struct bn *n = &P->v[nd];
	char *x = cond_text(pat), *q;
	glob_t g = {0};
	size_t l;
	int last = 0, r;

	if (!x)
		return bat_nomem(b, f, err);
	q = x + (*x == '"');
	l = strlen(q);
	if (l && q[l - 1] == '"')
		q[--l] = '\0';
	if (windows_path(b, q) || strchr(pat, MK_ON)) {
		free(x);
		return bat_stop(b, "for", "for over Windows' files (a wildcard) is not followed", f,
				err);
	}
	r = glob(q, 0, NULL, &g);
	free(x);
	if (r == GLOB_NOMATCH || r == GLOB_ABORTED) {
		globfree(&g);
		return 0; /* (none, or a directory that cannot be read: no command) */
	}
	if (r != 0) {
		globfree(&g);
		return bat_nomem(b, f, err);
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct stat st;

		if (stat(g.gl_pathv[i], &st) < 0 || !S_ISREG(st.st_mode))
			continue; /* (files only, as cmd.exe's for lists them) */
		last = for_body(b, P, n, g.gl_pathv[i], f, err);
		if (bat_leaving(b))
			break;
	}
	globfree(&g);
	return last;
}

/* for: its command for each word of its list (or number of /l). */
static int exec_for(struct bat *b, struct bp *P, int nd, struct bat_fail *f, struct ipp_error *err)
{
	const struct bn *n = &P->v[nd];
	char *list = NULL, *w = NULL;
	int last = 0;

	if (n->fkind == 'f')
		return exec_for_f(b, P, nd, f, err);
	if (n->fkind && n->fkind != 'l')
		return bat_stop(b, n->fkind == 'd' ? "for /d" : "for /r",
				"for over Windows' directories is not followed", f, err);
	if (!forv_room(b, 1, f, err, &last))
		return last;
	if (!(list = bat_late(b, n->text)))
		return bat_nomem(b, f, err);
	if (n->fkind == 'l') {
		/* (cmd.exe's numbers are 32-bit: the loop ends where they end) */
		long long v[3] = {0, 0, 0};
		char *p = list, *e;
		char num[32];

		for (int k = 0; k < 3; k++) {
			p += strspn(p, " \t,;=");
			v[k] = strtoll(p, &e, 0);
			v[k] = v[k] < INT32_MIN ? INT32_MIN : v[k] > INT32_MAX ? INT32_MAX : v[k];
			p = e;
		}
		for (long long i = v[0];
		     (v[1] >= 0 ? i <= v[2] : i >= v[2]) && i >= INT32_MIN && i <= INT32_MAX;
		     i += v[1]) {
			snprintf(num, sizeof(num), "%lld", i);
			last = for_body(b, P, n, num, f, err);
			if (bat_leaving(b))
				break;
			if (too_many_steps(b, "for /l", f, err, &last))
				break;
		}
		free(list);
		return last;
	}
	for (char *p = list; *p;) {
		const char *s;
		bool quoted = false;

		p += strspn(p, " \t,;=");
		if (!*p)
			break;
		s = p;
		while (*p && (quoted || !is_delim(*p))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		if (!(w = strndup(s, (size_t)(p - s)))) {
			free(list);
			return bat_nomem(b, f, err);
		}
		if (w[0] == MK_ON && strchr(w, MK_OFF) == w + strlen(w) - 1) {
			/* only a variable not set here: Windows' value of one of its own;
			 * another (its environment's, the caller's) stays unknown: a netsh
			 * command of the loop naming the item is not run */
			char *v = cond_text(w);

			if (!v) {
				free(w);
				free(list);
				return bat_nomem(b, f, err);
			}
			if (*v) {
				free(w);
				w = v;
			} else {
				free(v);
			}
		}
		if (strpbrk(w, "*?")) {
			/* a wildcard: the files it names, in order (a path here: %~dp0*.txt) */
			last = for_files(b, P, nd, w, f, err);
			free(w);
			if (last < 0 || bat_leaving(b))
				break;
			continue;
		}
		last = for_body(b, P, n, w, f, err);
		free(w);
		if (bat_leaving(b))
			break;
	}
	free(list);
	return last;
}

/* Variable @name (@nl bytes) given @value: 0, or -ENOMEM. */
static int var_put(struct ipp_shell *sh, const char *name, size_t nl, const char *value)
{
	struct sbuf o = {0};
	char *t;
	int r;

	sb_str(&o, "set \"");
	sb_add(&o, name, nl);
	sb_chr(&o, '=');
	sb_str(&o, value);
	sb_chr(&o, '"');
	if (!(t = sb_done(&o)))
		return -ENOMEM;
	r = bat_set(sh, t);
	free(t);
	return r < 0 ? r : 0;
}

/*
 * set /a's arithmetic, as cmd.exe's: 32-bit integers that wrap, variables by
 * name, unary - ! ~, then * / %, + -, << >>, &, ^, | (cmd.exe's order),
 * parentheses (nested no deeper than BAT_NEST_MAX).
 */
struct arith {
	struct bat *b;
	const char *p;
	const char *bad; /* what went wrong */
	int nest;
};

static int32_t ar_or(struct arith *A);

static void ar_blanks(struct arith *A)
{
	A->p += strspn(A->p, " \t\"");
}

static bool ar_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '$' || (unsigned char)c >= 0x80;
}

/* @v as cmd.exe's 32 bits keep it (wrapping). */
static int32_t ar_wrap(long long v)
{
	return (int32_t)(uint32_t)(unsigned long long)v;
}

/* A number as set /a reads one (decimal, 0x hex, 0 octal): wrapped to 32 bits. */
static int32_t ar_number(const char *p, char **end)
{
	errno = 0;
	return ar_wrap((long long)strtoull(p, end, 0));
}

/* a op b, wrapping; division by 0 and INT32_MIN / -1 are refused (@A->bad). */
static int32_t ar_op(struct arith *A, char op, int32_t a, int32_t b)
{
	switch (op) {
	case '+':
		return ar_wrap((long long)a + b);
	case '-':
		return ar_wrap((long long)a - b);
	case '*':
		return ar_wrap((long long)a * b);
	case '<':
		return (int32_t)((uint32_t)a << (b & 31));
	case '>':
		return a >> (b & 31);
	case '&':
		return a & b;
	case '^':
		return a ^ b;
	case '|':
		return a | b;
	default:
		if (b == 0 || (a == INT32_MIN && b == -1)) {
			A->bad = b == 0 ? "a divisor other than 0" : "a quotient within 32 bits";
			return 0;
		}
		return op == '/' ? a / b : a % b;
	}
}

/* A variable's value as a number (0 when it has none), out of ar_unary()'s frames. */
__attribute__((noinline)) static int32_t ar_var(struct bat *b, const char *n, size_t len)
{
	char num[PATH_MAX];
	const char *val = var_value(b, n, len, num, sizeof(num));

	return val ? ar_number(val, NULL) : 0;
}

static int32_t ar_unary(struct arith *A)
{
	int32_t v = 0;

	ar_blanks(A);
	if (A->nest >= BAT_NEST_MAX) {
		A->bad = "operators or parentheses nested no deeper than 200";
		return 0;
	}
	if (*A->p == '-' || *A->p == '+' || *A->p == '!' || *A->p == '~') {
		char op = *A->p++;

		A->nest++;
		v = ar_unary(A);
		A->nest--;
		return op == '-' ? ar_wrap(-(long long)v) : op == '!' ? !v : op == '~' ? ~v : v;
	}
	if (*A->p == '(') {
		A->p++;
		A->nest++;
		v = ar_or(A);
		A->nest--;
		ar_blanks(A);
		if (*A->p != ')') {
			A->bad = "a \")\"";
			return 0;
		}
		A->p++;
		return v;
	}
	if (*A->p >= '0' && *A->p <= '9') {
		char *e;

		v = ar_number(A->p, &e);
		/* a digit or letter right after it: no number (08, 09 are no octal ones,
		 * 12ab none at all): cmd.exe's "Invalid number", nothing assigned */
		if (ar_name_char(*e) || (*e >= '0' && *e <= '9')) {
			A->bad = "a number: decimal (17), hexadecimal (0x11) or octal (021)";
			return 0;
		}
		A->p = e;
		return v;
	}
	if (ar_name_char(*A->p)) {
		const char *n = A->p;

		while (ar_name_char(*A->p))
			A->p++;
		return ar_var(A->b, n, (size_t)(A->p - n));
	}
	A->bad = "a number or a variable";
	return 0;
}

/* The binary operators of each level, loosest first: | ^ & << >> + - * / % */
static const char *const ar_levels[] = {"|", "^", "&", "<>", "+-", "*/%"};

/* An expression of level @level and tighter (then the unary operators). */
static int32_t ar_level(struct arith *A, size_t level)
{
	int32_t v;

	if (level == sizeof(ar_levels) / sizeof(ar_levels[0]))
		return ar_unary(A);
	v = ar_level(A, level + 1);
	for (;;) {
		char op;
		size_t w = level == 3 ? 2 : 1; /* (<< and >> are two characters) */

		ar_blanks(A);
		op = *A->p;
		if (!op || !strchr(ar_levels[level], op) || (w == 2 && A->p[1] != op) ||
		    A->p[w] == '=' || A->bad)
			return v;
		A->p += w;
		v = ar_op(A, op, v, ar_level(A, level + 1));
	}
}

static int32_t ar_or(struct arith *A)
{
	return ar_level(A, 0);
}

/* set /a EXPR[, EXPR...]: NAME= and NAME op= give variables; 0, or the failure. */
static int bat_set_a(struct bat *b, const char *c, struct bat_fail *f, struct ipp_error *err)
{
	const char *a = c + 3 + strspn(c + 3, " \t");
	char *x = cond_text(a + 2 + strspn(a + 2, " \t"));
	struct arith A = {.b = b};

	if (!x)
		return bat_nomem(b, f, err);
	A.p = x;
	for (;;) {
		const char *name, *q;
		size_t nl;
		char op = 0;
		int32_t v;

		ar_blanks(&A);
		if (!*A.p)
			break;
		name = A.p;
		for (q = name; ar_name_char(*q); q++)
			;
		nl = (size_t)(q - name);
		q += strspn(q, " \t");
		if (nl && *q == '=' && q[1] != '=') {
			op = '=';
			A.p = q + 1;
		} else if (nl && *q && strchr("+-*/%&^|", *q) && q[1] == '=') {
			op = *q;
			A.p = q + 2;
		} else if (nl && (*q == '<' || *q == '>') && q[1] == *q && q[2] == '=') {
			op = *q;
			A.p = q + 3;
		}
		v = ar_or(&A);
		if (!A.bad && op) {
			char num[32], nb[PATH_MAX];
			const char *old = var_value(b, name, nl, nb, sizeof(nb));

			if (op != '=')
				v = ar_op(&A, op, old ? ar_number(old, NULL) : 0, v);
			if (A.bad)
				break;
			snprintf(num, sizeof(num), "%d", (int)v);
			if (var_put(b->sh, name, nl, num) < 0) {
				free(x);
				return bat_nomem(b, f, err);
			}
		}
		ar_blanks(&A);
		if (A.bad || !*A.p)
			break;
		if (*A.p != ',') {
			A.bad = "an operator";
			break;
		}
		A.p++;
	}
	if (A.bad) {
		struct ipp_error e = {0};
		int rc = *A.p ? ipp_err(&e, EINVAL, "set /a \"%.40s\": expected %s at \"%.20s\"", x,
					A.bad, A.p)
			      : ipp_err(&e, EINVAL, "set /a \"%.40s\": expected %s at its end", x,
					A.bad);

		free(x);
		bat_failed(b->sh, rc, &e, f, err);
		ipp_bat_el_set(b->sh, 1);
		return rc;
	}
	free(x);
	return 0;
}

/* ---------- prompts: set /p, choice, pause ---------- */

#define BAT_ANSWER_MAX 1023 /* characters set /p takes of a line (cmd.exe's) */
#define BAT_ANSWER_BYTES (4 * BAT_ANSWER_MAX + 1) /* ... in UTF-8, at most */
#define BAT_ANSWER_SKIP (1 << 20)		  /* bytes of a longer line read past, at most */

/*
 * An answer to a prompt, read from @in as cmd.exe reads one from its standard
 * input or a file: a line, its CR LF gone, its first BAT_ANSWER_MAX characters
 * (the rest of a longer line read past), into UTF-8 from the code page set
 * (--codepage), in @buf (BAT_ANSWER_BYTES bytes).  @wait_s >= 0 at a terminal:
 * that many seconds at most (0: only what was typed already).  1 read, 0 none
 * (the input at its end, the time up), -EINVAL a control character in it,
 * -EILSEQ not of the code page, -E2BIG a line with no end in sight, -ENOMEM.
 */
static int bat_answer(struct ipp_shell *sh, FILE *in, int wait_s, char *buf)
{
	bool tty = isatty(fileno(in)), storing = false, cp = sh->cp != (iconv_t)-1;
	size_t n = 0, chars = 0, past = 0;
	int c;

	fflush(NULL);
	if (wait_s >= 0 && tty) {
		struct pollfd pfd = {.fd = fileno(in), .events = POLLIN};

		if (poll(&pfd, 1, wait_s > 99999 ? 99999000 : wait_s * 1000) <= 0)
			return 0;
	}
	while ((c = getc(in)) != EOF && c != '\n') {
		/* (a character's first byte; in a code page of the script's, each byte) */
		if (cp || ((unsigned)c & 0xC0) != 0x80) {
			storing = chars < BAT_ANSWER_MAX;
			chars += storing;
		}
		if (storing && n + 1 < BAT_ANSWER_BYTES)
			buf[n++] = (char)c;
		else if (++past > BAT_ANSWER_SKIP)
			return -E2BIG;
	}
	if (c == EOF && n == 0 && past == 0) {
		if (tty)
			clearerr(in); /* (Ctrl-D answers nothing; the terminal reads on) */
		return 0;
	}
	while (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	/* (text of the script's code page into UTF-8; UTF-8 already, a terminal's, kept) */
	if (cp && n && ipp_utf8_bad_at(buf) >= 0) {
		char *line = strdup(buf);
		size_t cap = n + 1;
		ssize_t len = (ssize_t)n;
		int r;

		if (!line)
			return -ENOMEM;
		if ((r = ipp_shell_from_codepage(sh, &line, &cap, &len)) < 0) {
			free(line);
			return r;
		}
		snprintf(buf, BAT_ANSWER_BYTES, "%s", line);
		free(line);
		n = strlen(buf);
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			return -EINVAL;
	return 1;
}

/*
 * The batch file stops at prompt @c, which got no answer (@got, from
 * bat_answer(); @from_stdin: it read standard input; @prompted: its prompt was written).
 */
static int bat_no_answer(struct bat *b, const char *c, int got, bool from_stdin, bool prompted,
			 struct bat_fail *f, struct ipp_error *err)
{
	const char *why = got == -EINVAL   ? "the answer holds a control character"
			  : got == -EILSEQ ? "the answer is not text of the script's code page"
			  : got == -E2BIG  ? "the answer's line has no end in the next MiB"
			  : got == -ENOMEM ? "out of memory"
			  : !from_stdin	   ? "cmd.exe's prompt for an answer gets none"
			  : b->sh->answers
			      ? "cmd.exe's prompt for an answer gets none: standard input is at "
				"its end"
			      : "cmd.exe's prompt for an answer gets none: nobody answers (the "
				"script comes from standard input)";

	/* (the prompt's line ended before the message) */
	if (prompted)
		fputc('\n', b->sh->out);
	return bat_stop(b, c, why, f, err);
}

/* Where a prompt reads its answers. */
struct prompt_in {
	FILE *f;	 /* NULL: nothing (<nul, or nobody answers) */
	bool from_stdin; /* standard input: no answer there stops the file */
	bool opened;	 /* a file opened for it (closed by the prompt) */
};

/*
 * The file a redirection @target (<file: as parsed, for's variables and
 * !NAME! not yet put in) names, opened for reading in *@in (NULL: nul).  0, 1
 * when it cannot be opened (said, errorlevel 1, as cmd.exe does), or a
 * failure that stops the file (a file of Windows').
 */
static int redir_open(struct bat *b, const char *target, const char *c, FILE **in,
		      struct bat_fail *f, struct ipp_error *err)
{
	char *path = bat_late(b, target);
	int r = 0;

	*in = NULL;
	if (!path)
		return bat_nomem(b, f, err);
	if (!strcasecmp(path, "nul") || !strcasecmp(path, "nul:")) {
		free(path);
		return 0;
	}
	if (windows_path(b, path)) {
		r = bat_stop(b, c,
			     "its input comes from a file of Windows', which cannot be read here",
			     f, err);
	} else if (!(*in = fopen(path, "r"))) {
		bat_note(b, "\"%s\": %s (cmd.exe: the system cannot find the file specified)",
			 plain(path), strerror(errno));
		ipp_bat_el_set(b->sh, 1);
		r = 1;
	}
	free(path);
	return r;
}

/* Where the prompt of command @n reads (prompt_done() after): 0, or redir_open()'s. */
static int prompt_in(struct bat *b, const struct bn *n, const char *c, struct prompt_in *pi,
		     struct bat_fail *f, struct ipp_error *err)
{
	int r;

	*pi = (struct prompt_in){0};
	if (n->input) {
		r = redir_open(b, n->input, c, &pi->f, f, err);
		pi->opened = pi->f != NULL;
		return r;
	}
	if (b->redir_set) {
		pi->f = b->redir_in; /* (a block's: ( ... ) <file) */
		return 0;
	}
	pi->f = b->sh->answers;
	pi->from_stdin = true;
	return 0;
}

static void prompt_done(struct prompt_in *pi)
{
	if (pi->opened)
		fclose(pi->f);
	pi->f = NULL;
	pi->opened = false;
}

/*
 * set /p NAME=PROMPT: the prompt written (enclosing double quotes gone), a
 * line read (standard input; <file or a block's ( ... ) <file: the file's
 * lines; <nul: nothing, the prompt alone written, as scripts write a line
 * without its end); NAME set to it.  An empty answer, or none from a file,
 * leaves NAME as it was, errorlevel 1 (a failure for || and &&), as
 * cmd.exe does.  No answer on standard input (at its end, or nobody
 * answering) stops the file: what follows would test an answer nobody gave.
 */
static int bat_set_p(struct bat *b, const struct bn *n, const char *c, struct bat_fail *f,
		     struct ipp_error *err)
{
	struct ipp_shell *sh = b->sh;
	const char *a = c + 3, *end, *eq, *pr;
	char *prompt = NULL, buf[BAT_ANSWER_BYTES];
	struct prompt_in pi;
	int got = 0, rc;
	size_t pl;

	a += strspn(a, " \t") + 2;
	a += strspn(a, " \t");
	end = a + strlen(a);
	if (*a == '"' && strrchr(a + 1, '"'))
		end = strrchr(++a, '"');
	if (!(eq = memchr(a, '=', (size_t)(end - a))))
		return bat_stop(b, c, "set /p without NAME=: cmd.exe's syntax error", f, err);
	pr = eq + 1;
	pl = (size_t)(end - pr);
	if (pl && *pr == '"') {
		pr++, pl--;
		if (pl && pr[pl - 1] == '"')
			pl--;
	}
	{
		char *raw = strndup(pr, pl);

		prompt = raw ? cond_text(raw) : NULL;
		free(raw);
		if (!prompt)
			return bat_nomem(b, f, err);
	}
	if ((rc = prompt_in(b, n, c, &pi, f, err)) != 0) {
		free(prompt);
		return rc;
	}
	if (!n->redirected)
		fputs(prompt, sh->out);
	free(prompt);
	if (pi.f)
		got = bat_answer(sh, pi.f, -1, buf);
	prompt_done(&pi);
	if (got < 0 || (got == 0 && pi.from_stdin))
		return bat_no_answer(b, c, got, pi.from_stdin, !n->redirected, f, err);
	/* (what the console shows: the answer typed after the prompt) */
	if (got > 0 && pi.from_stdin && !n->redirected && !isatty(fileno(sh->answers)))
		fprintf(sh->out, "%s\n", buf);
	if (got == 0 || !buf[0]) {
		ipp_bat_el_set(sh, 1);
		return 1;
	}
	if (eq == a)
		return 0;
	rc = bat_var_put(sh, a, (size_t)(eq - a), buf, strlen(buf));
	if (rc == -E2BIG)
		return bat_stop(b, c, "more than 8192 variables are not followed", f, err);
	return rc < 0 ? bat_nomem(b, f, err) : 0;
}

/*
 * pause: reading a terminal, "Press any key to continue . . . " and the
 * answer waited for (a line: the terminal gives no single keys here);
 * elsewhere (<nul, a file, a pipe) no command: it takes no line a later
 * prompt would read.
 */
static void bat_pause(struct bat *b, const struct bn *n)
{
	struct ipp_shell *sh = b->sh;
	char buf[BAT_ANSWER_BYTES];

	if (n->input || b->redir_set || !sh->answers || !isatty(fileno(sh->answers)))
		return;
	if (!n->redirected)
		fputs("Press any key to continue . . . ", sh->out);
	(void)bat_answer(sh, sh->answers, -1, buf);
}

/* The place of @x among the choices @keys, or their number when it is none of them. */
static size_t choice_at(const char *keys, char x, bool cs)
{
	size_t i;

	for (i = 0; x && keys[i] && (cs ? keys[i] != x : fs_low(keys[i]) != fs_low(x)); i++)
		;
	return x ? i : strlen(keys);
}

/* @k as choice writes it: in capitals without /cs. */
static char choice_shown(char k, bool cs)
{
	return !cs && k >= 'a' && k <= 'z' ? (char)(k - 32) : k;
}

/*
 * choice: its prompt written as choice.exe writes it ("MSG [Y,N]?"), the
 * answer read (standard input; a file with <file), a line whose first
 * character is one of the choices (/c, YN by default; another line is read
 * after one that is not, as choice.exe waits for a valid key); errorlevel its
 * place among the choices (a failure for && and ||, as choice.exe's exit
 * code).  With a default and a time (/d X /t N) the default is taken when no
 * answer comes (the input at its end; the time up at a terminal).  Without a
 * default, no answer stops the file.
 */
static int bat_choice(struct bat *b, const struct bn *n, const char *c, struct bat_fail *f,
		      struct ipp_error *err)
{
	struct ipp_shell *sh = b->sh;
	char keys[64] = "YN", def = 0, msg[256] = "", buf[BAT_ANSWER_BYTES];
	bool timed = false, no_list = false, cs = false, typed = false, has_def;
	char *x = cond_text(c); /* (an unknown reference is empty, as cmd.exe reads it) */
	struct prompt_in pi;
	const char *p;
	long secs = 0;
	size_t i, k;
	int got = 0, rc;

	if (!x)
		return bat_nomem(b, f, err);
	p = x + 6;
	while (*(p += strspn(p, " \t")) == '/' && p[1]) {
		char o = (char)(p[1] | 0x20);
		const char *v = p + 2;
		size_t l, q;

		if (o == 'c' && (p[2] | 0x20) == 's' && (!p[3] || p[3] == ' ' || p[3] == '\t')) {
			cs = true; /* /cs: the choices are case-sensitive */
			p += 3;
			continue;
		}
		v += strspn(v, " \t:");
		l = *v == '"'
			? (size_t)((strchr(v + 1, '"') ? strchr(v + 1, '"') + 1 : v + strlen(v)) -
				   v)
			: strcspn(v, " \t");
		/* (the value without its double quotes) */
		q = *v == '"' && l >= 2 && v[l - 1] == '"';
		if (o == 'c' && l > 2 * q && l - 2 * q < sizeof(keys))
			snprintf(keys, sizeof(keys), "%.*s", (int)(l - 2 * q), v + q);
		else if (o == 'd' && l > 2 * q)
			def = v[q];
		else if (o == 't' && l)
			timed = true, secs = strtol(v + q, NULL, 10);
		else if (o == 'm' && l)
			snprintf(msg, sizeof(msg), "%.*s", (int)(l - 2 * q), v + q);
		else if (o == 'n' || o == 's' || o == 'c')
			l = 0;
		no_list |= o == 'n';
		p = o == 'n' || o == 's' ? p + 2 : v + l;
	}
	free(x);
	secs = secs < 0 ? 0 : secs > 9999 ? 9999 : secs; /* (choice.exe's bounds, in seconds) */
	i = choice_at(keys, def, cs);
	has_def = timed && def && keys[i];
	if ((rc = prompt_in(b, n, c, &pi, f, err)) != 0)
		return rc;
	if (pi.from_stdin && !pi.f && !has_def)
		return bat_no_answer(b, c, 0, true, false, f, err);
	if (!n->redirected) {
		fprintf(sh->out, "%s%s", msg, msg[0] && !no_list ? " " : "");
		if (!no_list) {
			fputc('[', sh->out);
			for (k = 0; keys[k]; k++)
				fprintf(sh->out, "%s%c", k ? "," : "", choice_shown(keys[k], cs));
			fputs("]?", sh->out);
		}
	}
	i = strlen(keys);
	while (pi.f && (got = bat_answer(sh, pi.f, has_def ? (int)secs : -1, buf)) > 0) {
		i = choice_at(keys, buf[0], cs);
		if (buf[0] && keys[i]) {
			typed = isatty(fileno(pi.f));
			break;
		}
	}
	prompt_done(&pi);
	if (got < 0 || (!keys[i] && !has_def))
		return bat_no_answer(b, c, got, pi.from_stdin, !n->redirected, f, err);
	if (!keys[i])
		i = choice_at(keys, def, cs);
	ipp_bat_el_set(sh, (long)i + 1);
	/* (the answer after the prompt, as the console shows it) */
	if (!n->redirected && !typed)
		fprintf(sh->out, "%c\n", choice_shown(keys[i], cs));
	if (got <= 0)
		bat_note(b, "choice: its default, \"%c\", taken (no answer)", def);
	return 1;
}

/*
 * Another script run from a batch file's line: @path (a batch file, called
 * with its variables shared, or a netsh script of netsh -f, in a context of
 * its own: @netsh_ctx, NULL for ipsec static); its failures are said as its
 * lines'.  0, or its summary failure.
 */
static int run_other(struct bat *b, const char *path, bool batch, const char *args,
		     const char *netsh_ctx, struct bat_fail *f, struct ipp_error *err)
{
	struct ipp_shell *sh = b->sh;
	struct ctxpath ctx = sh->ctx; /* (the context and the pushd stack, put back) */
	size_t nstack = sh->nstack;
	const char *where = sh->where;
	unsigned where_line = sh->where_line;
	bool exit_before = sh->exit;
	struct ipp_error e = {0};
	char *here = NULL; /* (@path as a path here) */
	FILE *in;
	int r;

	if (sh->exec_depth >= IPP_EXEC_DEPTH) {
		r = ipp_err(&e, ELOOP, "\"%s\": scripts run by scripts nest %d deep", path,
			    IPP_EXEC_DEPTH);
		bat_failed(sh, r, &e, f, err);
		return r;
	}
	if (!(here = strdup(path)))
		return bat_nomem(b, f, err);
	if (windows_path(b, here)) {
		free(here);
		return bat_stop(b, path, "a script of Windows' cannot be read here", f, err);
	}
	path = here;
	in = fopen(path, "r");
	if (!in) {
		r = ipp_err(&e, errno, "cannot open \"%s\": %s", path, strerror(errno));
		bat_failed(sh, r, &e, f, err);
		ipp_bat_el_set(sh, 1);
		free(here);
		return r;
	}
	if (!batch) {
		ipp_shell_script_start(sh);
		if (netsh_ctx && (r = ipp_shell_set_context(sh, netsh_ctx, &e)) < 0) {
			fclose(in);
			sh->ctx = ctx;
			sh->nstack = nstack;
			bat_failed(sh, r, &e, f, err);
			free(here);
			return r;
		}
	}
	sh->bat_called = batch;
	sh->bat_call_args = args;
	sh->bat_call_delayed = b->delayed;
	sh->exec_depth++;
	r = ipp_shell_run_script(sh, in, path, &e);
	sh->exec_depth--;
	sh->bat_called = false;
	sh->bat_call_args = NULL;
	fclose(in);
	sh->ctx = ctx;
	sh->nstack = nstack;
	/* (its exit /b, quit or bye ended it, not this file; exit ends cmd.exe) */
	sh->exit = exit_before || (batch && (sh->bat_exit_all || sh->bat_stopped));
	sh->where = where;
	sh->where_line = where_line;
	if (!batch)
		ipp_bat_el_set(sh, r < 0);
	if (r < 0)
		bat_failed(sh, r, &e, f, err);
	free(here);
	return r;
}

/*
 * netsh [-c CONTEXT] -f FILE on a batch file's line (@c, netsh's word first):
 * the script run as that netsh process runs it.  1 done (*@rc its result), 0
 * not such a line.
 */
static int netsh_f(struct bat *b, const char *c, struct bat_fail *f, struct ipp_error *err, int *rc)
{
	struct ipp_tokens t = {0};
	struct ipp_error e = {0};
	const char *file = NULL, *ctx = NULL;

	if (ipp_lex_line(c, &t, &e) < 0)
		return 0;
	for (size_t i = 1; i + 1 < t.n && !t.v[i].tag && !t.v[i].quoted && t.v[i].text[0] == '-';
	     i += 2) {
		if (!strcasecmp(t.v[i].text, "-f"))
			file = t.v[i + 1].text;
		else if (!strcasecmp(t.v[i].text, "-c"))
			ctx = t.v[i + 1].text;
		else
			break;
	}
	if (file) {
		char *fc = strdup(file), *cc = ctx ? strdup(ctx) : NULL;

		ipp_tokens_clear(&t);
		if (!fc || (ctx && !cc)) {
			free(fc);
			free(cc);
			*rc = bat_nomem(b, f, err);
			return 1;
		}
		*rc = run_other(b, fc, false, NULL, cc, f, err);
		free(fc);
		free(cc);
		return 1;
	}
	ipp_tokens_clear(&t);
	return 0;
}

/*
 * The context of Windows' netsh other than ipsec that netsh command line @c
 * (netsh and its words) works in (netsh interface ip ..., netsh -c
 * firewall ..., netsh winsock reset): its name, or NULL.
 */
static const char *netsh_foreign(const char *c)
{
	struct ipp_tokens t = {0};
	struct ipp_error e = {0};
	const char *w = NULL, *foreign = NULL;
	size_t i;

	if (ipp_lex_line(c, &t, &e) < 0)
		return NULL;
	for (i = 1; i < t.n && !t.v[i].tag && !t.v[i].quoted && t.v[i].text[0] == '-'; i += 2) {
		if (!strcasecmp(t.v[i].text, "-f") || i + 1 >= t.n)
			break;
		if (!strcasecmp(t.v[i].text, "-c"))
			w = t.v[i + 1].text; /* (a context and its words, "interface ip") */
	}
	if (!w && i < t.n && !t.v[i].tag && t.v[i].text[0] != '-')
		w = t.v[i].text;
	if (w)
		foreign = ipp_netsh_foreign_context(w + strspn(w, " \t"),
						    strcspn(w + strspn(w, " \t"), " \t"));
	ipp_tokens_clear(&t);
	return foreign;
}

/* @word (the program of a command, perhaps quoted) names a batch file here: its path (a new
 * string, backslashes turned into slashes), or NULL. */
static char *batch_path(const struct bat *b, const char *word, size_t len)
{
	char *p;

	if (len >= 2 && word[0] == '"') {
		word++;
		len -= 1 + (word[len - 2] == '"');
	}
	if (!(p = strndup(word, len)))
		return NULL;
	if (!ipp_bat_file(p) || windows_path(b, p) || access(p, R_OK) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* The command is cmd.exe's date /t or time /t ("date/t" too). */
static bool date_time_t(const char *c)
{
	if (strncasecmp(c, "date", 4) && strncasecmp(c, "time", 4))
		return false;
	c += 4;
	c += strspn(c, " \t");
	if (c[0] != '/' || (c[1] | 0x20) != 't')
		return false;
	c += 2;
	return !c[strspn(c, " \t")];
}

/* cmd.exe's commands that change nothing of netsh's: no commands here (pause waits at a terminal)
 */
static const char *const quiet_cmds[] = {"pause", "cls",    "title",  "color", "chcp",
					 "mode",  "verify", "prompt", "break"};

/*
 * One simple command of a batch file (its text @text): 0 succeeded, 1
 * failed as cmd.exe counts it (&&, ||) with nothing to report, or a
 * failure (kept in @f).
 */
static int exec_simple(struct bat *b, const struct bn *n, struct bat_fail *f, struct ipp_error *err)
{
	struct ipp_shell *sh = b->sh;
	char *t = bat_late(b, n->text), *c, *other = NULL, *again = NULL;
	const char *foreign;
	size_t k, dk, wlen = 0;
	int rc = 0, prog;

	if (!t)
		return bat_nomem(b, f, err);
	c = t + strspn(t, " \t");
	sh->summarized = 0; /* (only a script exec runs says it summarizes) */
	if (!*c)
		goto out;
	if (too_many_steps(b, c, f, err, &rc))
		goto out;
	for (k = 0; k < sizeof(quiet_cmds) / sizeof(quiet_cmds[0]) && !first_word(c, quiet_cmds[k]);
	     k++)
		;
	if (bat_keyword(c, "goto")) {
		char *lab = c + 4 + strspn(c + 4, " \t");
		size_t ll;

		lab += *lab == ':';
		ll = label_len(lab);
		if (memchr(lab, MK_ON, ll) || !ll) {
			rc = bat_stop(b, c,
				      ll ? "a goto to a label a variable names that the file does "
					   "not set is not followed"
					 : "goto names no label",
				      f, err);
		} else if (ll == 3 && !strncasecmp(lab, "eof", 3)) {
			b->ret = true;
		} else if (!(b->jump = strndup(lab, ll))) {
			rc = bat_nomem(b, f, err);
		}
	} else if (bat_keyword(c, "call")) {
		char *rest = c + 4 + strspn(c + 4, " \t");
		size_t wl;

		/* call expands its line once more (call echo %%x%%: x's value) */
		if (!(again = bat_phase1(b, rest))) {
			rc = bat_nomem(b, f, err);
			goto out;
		}
		rest = again;
		while (bat_keyword(rest, "call") && rest[4] != ':') /* (call call x: one call) */
			rest += 4 + strspn(rest + 4, " \t");
		wl = strcspn(rest, " \t");
		if (*rest == '"') {
			const char *q = strchr(rest + 1, '"');

			wl = q ? (size_t)(q + 1 - rest) : strlen(rest);
		}
		other = *rest == ':' ? NULL : batch_path(b, rest, wl);
		if (*rest == ':') {
			rc = bat_call(b, rest, f, err);
		} else if (other) {
			/* call other.bat: it runs, with this file's variables, and this file goes
			 * on after it */
			rc = run_other(b, other, true, rest + wl, NULL, f, err);
			free(other);
			if (rc >= 0)
				rc = sh->bat_errorlevel ? 1 : 0;
		} else {
			struct bn sub = *n;

			sub.text = rest;
			rc = *rest ? exec_simple(b, &sub, f, err) : 0;
		}
	} else if (bat_keyword(c, "exit")) {
		/* exit, exit /b [code]: the batch file ends (exit /b in a subroutine: the
		 * subroutine); a code given is its status (errorlevel), as in cmd.exe */
		const char *code = c + 4 + strspn(c + 4, " \t");
		bool slash_b = !strncasecmp(code, "/b", 2);
		bool given;
		long xc = 0;

		if (slash_b)
			code += 2 + strspn(code + 2, " \t");
		given = (*code >= '0' && *code <= '9') ||
			(*code == '-' && code[1] >= '0' && code[1] <= '9');
		if (given)
			xc = strtol(code, NULL, 10);
		if (slash_b && b->depth > 0) {
			if (given)
				ipp_bat_el_set(sh, xc);
			b->ret = true;
		} else {
			if (given) {
				sh->bat_last_failed = xc != 0;
				sh->bat_exit_code = xc;
				sh->bat_exit_set = true;
				ipp_bat_el_set(sh, xc);
			}
			sh->exit = true;
			sh->bat_exited = true;
			sh->bat_exit_all |= !slash_b;
			b->exit_after = b->after;
		}
	} else if (bat_keyword(c, "shift")) {
		const char *o = c + 5 + strspn(c + 5, " \t");
		struct bat_frame *fr = b->fr;

		if (o[0] == '/' && o[1] >= '1' && o[1] <= '8') { /* (shift /0 is shift) */
			/* shift /n: %n on move down one, those before it stay */
			size_t i = fr->shift + (size_t)(o[1] - '0');

			if (!fr->unknown && i < fr->argc) {
				free(fr->argv[i]);
				memmove(&fr->argv[i], &fr->argv[i + 1],
					(fr->argc - i) * sizeof(fr->argv[0]));
				fr->argc--;
			}
		} else if (fr->shift < fr->argc || fr->unknown) {
			fr->shift++;
		}
	} else if (bat_keyword(c, "setlocal")) {
		struct bat_local *l = &b->locals[b->nlocals];

		if (b->nlocals == BAT_LOCAL_MAX) {
			/* cmd.exe says so and goes on */
			bat_note(b, "setlocal: the maximum setlocal level (32) is reached: the "
				    "variables are not kept for an endlocal");
		} else if (!vars_copy(sh->bat_vars, sh->bat_nvars, &l->vars)) {
			rc = bat_nomem(b, f, err);
		} else {
			l->n = sh->bat_nvars;
			l->delayed = b->delayed;
			dir_keep(sh, &l->dir);
			b->nlocals++;
			if (strcasestr(c, "enabledelayedexpansion"))
				b->delayed = true;
			else if (strcasestr(c, "disabledelayedexpansion"))
				b->delayed = false;
			/* with an argument setlocal sets the errorlevel: 0 (cmd.exe's setlocal
			 * /?, its arguments known to it) */
			if (strcasestr(c, "delayedexpansion") || strcasestr(c, "extensions")) {
				ipp_bat_el_set(sh, 0);
			}
		}
	} else if ((dk = dir_keyword(c)) != 0) {
		bool push = bat_keyword(c, "pushd"), pop = bat_keyword(c, "popd");

		rc = bat_cd(b, c, dk, push, pop, n->redirected);
		if (rc == -E2BIG)
			rc = bat_stop(b, c, "pushd nested past 10,000 directories is not followed",
				      f, err);
		else if (rc < 0)
			rc = bat_nomem(b, f, err);
		else
			ipp_bat_el_set(sh, rc);
	} else if (bat_keyword(c, "endlocal")) {
		if (b->nlocals > b->fr->locals)
			bat_endlocal(b);
	} else if (bat_keyword(c, "choice")) {
		rc = bat_choice(b, n, c, f, err);
	} else if (bat_keyword(c, "set") && !strncasecmp(c + 3 + strspn(c + 3, " \t"), "/p", 2)) {
		rc = bat_set_p(b, n, c, f, err);
	} else if (bat_keyword(c, "set") && !strncasecmp(c + 3 + strspn(c + 3, " \t"), "/a", 2)) {
		rc = bat_set_a(b, c, f, err);
	} else if (first_word(c, "set") && set_lists(c)) {
		if ((rc = bat_set_list(b, n, c)) < 0)
			rc = bat_nomem(b, f, err);
		else if (rc == 0 && b->cmd_file)
			ipp_bat_el_set(sh, 0);
	} else if (first_word(c, "set") && (rc = bat_set(sh, c)) != 0) {
		rc = rc == -E2BIG
			 ? bat_stop(b, c, "more than 8192 variables are not followed", f, err)
		     : rc < 0 ? bat_nomem(b, f, err)
			      : 0;
		/* (in a .cmd file set succeeding sets errorlevel 0, as cmd.exe does there; a
		 * .bat file's keeps it) */
		if (rc == 0 && b->cmd_file)
			ipp_bat_el_set(sh, 0);
	} else if (k < sizeof(quiet_cmds) / sizeof(quiet_cmds[0])) {
		if (!strcmp(quiet_cmds[k], "pause"))
			bat_pause(b, n);
		rc = 0;
	} else if (!strncasecmp(c, "echo", 4) && (!c[4] || strchr(" \t.:(,;/=+[]", c[4]))) {
		char *x = cond_text(c + 4 + (c[4] != '\0'));
		size_t tl;

		if (!x) {
			rc = bat_nomem(b, f, err);
			goto out;
		}
		tl = strlen(x);
		while (tl && (x[tl - 1] == ' ' || x[tl - 1] == '\t'))
			tl--;
		/* (echo off and on take a blank: echo.off prints "off"; echo alone says
		 * which it is) */
		if ((c[4] == ' ' || c[4] == '\t') && ((tl == 3 && !strncasecmp(x, "off", 3)) ||
						      (tl == 2 && !strncasecmp(x, "on", 2))))
			b->echo_off = tl == 3;
		else if (n->redirected)
			;
		else if (!tl && (!c[4] || c[4] == ' ' || c[4] == '\t'))
			fprintf(sh->out, "ECHO is %s.\n", b->echo_off ? "off" : "on");
		else /* (its trailing blanks too, as cmd.exe's) */
			fprintf(sh->out, "%s\n", x);
		free(x);
	} else if (first_word(c, "ver")) {
		if (!n->redirected)
			fprintf(sh->out, "\n%s\n", ver_text);
	} else if (date_time_t(c)) {
		/* date /t, time /t: print the date or time, as an English Windows Server 2003
		 * does ("Thu 12/03/2026", "02:05 PM"); without /t they ask for a new one */
		if (!n->redirected) {
			char when[64];
			time_t now = time(NULL);
			struct tm tm;

			localtime_r(&now, &tm);
			strftime(when, sizeof(when),
				 (c[0] | 0x20) == 'd' ? "%a %m/%d/%Y" : "%I:%M %p", &tm);
			fprintf(sh->out, "%s\n", when);
		}
	} else if (first_word(c, "else")) {
		/* an else on a line of its own (not after the if's closing parenthesis): a
		 * command cmd.exe does not know */
		struct ipp_error e = {0};

		rc = ipp_err(&e, EINVAL,
			     "\"else\": cmd.exe knows no such command (an else belongs on the line "
			     "of its if's closing parenthesis: \") else (\"): not run");
		bat_failed(sh, rc, &e, f, err);
		ipp_bat_el_set(sh, 9009);
	} else if ((prog = bat_program(c, &wlen)) < 0) {
		struct ipp_error e = {0};

		rc = ipp_err(&e, EINVAL,
			     "\"%.*s\": cmd.exe knows no such command (netsh's commands need the "
			     "word netsh before them in a batch file; a netsh script is one whose "
			     "name does not end in .bat or .cmd): not run",
			     (int)wlen, c);
		bat_failed(sh, rc, &e, f, err);
		ipp_bat_el_set(sh, 9009); /* (cmd.exe's for a command it does not know) */
	} else if (prog == 0 && (other = batch_path(b, c, wlen))) {
		/* another batch file, without call: cmd.exe goes on there and does not come
		 * back */
		rc = run_other(b, other, true, c + wlen, NULL, f, err);
		free(other);
		sh->exit = true;
	} else if (prog == 0) {
		/* cmd.exe's or another program's: what it would do is not done, and it
		 * succeeded (an administrator's net session, cacls) */
		char word[128];

		snprintf(word, sizeof(word), "%.*s", (int)(wlen < 100 ? wlen : 100), c);
		/* (not said under for /f, which stops at what the program would print) */
		if (!b->in_forf)
			bat_note(b,
				 "\"%s\" is a command of cmd.exe's or another program, not netsh: "
				 "not run%s",
				 plain(word),
				 strcasestr(c, "policyagent")
				     ? " (the IPsec service here is ipsecpold: systemctl)"
				     : "");
		ipp_bat_el_set(sh, 0);
		b->out_unknown = true;
	} else if ((foreign = netsh_foreign(c))) {
		/* another part of Windows' netsh: as another program, not run, and it
		 * succeeded (netsh interface ip set dns, netsh firewall set opmode) */
		bat_note(b, "\"netsh %s\": a context of Windows' netsh other than ipsec: not run",
			 foreign);
		ipp_bat_el_set(sh, 0);
		b->out_unknown = true;
	} else if (strchr(c + wlen, MK_ON)) {
		const char *at = strchr(c + wlen, MK_ON) + 1;
		struct ipp_error e = {0};

		rc = ipp_err(&e, EINVAL,
			     "\"%.*s\": cmd.exe would put the value of a batch variable here "
			     "that the file does not set (an argument, or one of Windows' "
			     "environment): not run",
			     (int)strcspn(at, "\x02"), at);
		bat_failed(sh, rc, &e, f, err);
		ipp_bat_el_set(sh, 1);
	} else {
		struct ipp_error e = {0};

		/* each netsh line of a batch file is a netsh of its own, which starts in
		 * the local store (a set store of an earlier line ended with its process) */
		struct capture cap;
		bool redirected;

		plain(c);
		sh->loc = IPP_STORE_LOCAL;
		sh->domain[0] = '\0';
		if (netsh_f(b, c, f, err, &rc)) {
			sh->bat_ok |= rc == 0;
			sh->bat_last_failed = rc < 0;
			goto out;
		}
		/* (its output redirected, >nul or >file: not printed) */
		redirected = n->redirected && capture_start(sh, &cap);
		rc = sh->bat_exec(sh, c, &e);
		if (redirected)
			free(capture_end(sh, &cap));
		bat_failed(sh, rc, &e, f, err);
		sh->bat_ok |= rc == 0 && *c != '#';
		if (*c != '#') {
			sh->bat_last_failed = rc < 0;
			ipp_bat_el_set(sh, rc < 0);
		}
	}
out:
	free(again);
	free(t);
	return rc;
}

static int exec_node(struct bat *b, struct bp *P, int nd, struct bat_fail *f,
		     struct ipp_error *err);

/*
 * Block @nd with its standard input from a file, ( ... ) <file: its prompts
 * read the file's lines one after another, as in cmd.exe.
 */
static int exec_block_from(struct bat *b, struct bp *P, int nd, struct bat_fail *f,
			   struct ipp_error *err)
{
	FILE *saved = b->redir_in, *in;
	bool was_set = b->redir_set;
	int r;

	if ((r = redir_open(b, P->v[nd].input, "( ... ) <", &in, f, err)) != 0)
		return r;
	b->redir_in = in;
	b->redir_set = true;
	b->in_block_from = true; /* (the block itself next, as without its input) */
	r = exec_node(b, P, nd, f, err);
	b->redir_in = saved;
	b->redir_set = was_set;
	if (in)
		fclose(in);
	return r;
}

static int exec_node(struct bat *b, struct bp *P, int nd, struct bat_fail *f, struct ipp_error *err)
{
	const struct bn *n = &P->v[nd];
	int r;

	/* (a command of a block said at its own line) */
	if (n->has_line && b->line_pc + n->lofs < b->n)
		b->sh->where_line = b->v[b->line_pc + n->lofs].lineno;
	switch (n->kind) {
	case BN_BLOCK:
		if (n->input && !b->in_block_from)
			return exec_block_from(b, P, nd, f, err);
		b->in_block_from = false;
		if (n->redirected) {
			/* (its output redirected, (...) >nul: not printed) */
			struct capture cap;

			if (!capture_start(b->sh, &cap))
				return bat_nomem(b, f, err);
			r = exec_seq(b, P, n->body, f, err);
			free(capture_end(b->sh, &cap));
			return r;
		}
		return exec_seq(b, P, n->body, f, err);
	case BN_IF:
		if ((r = eval_if(b, P, n, f, err)) == -2)
			return 0;
		if (r < 0)
			return r;
		if (r)
			return exec_seq(b, P, n->body, f, err);
		return n->alt >= 0 ? exec_seq(b, P, n->alt, f, err) : 0;
	case BN_FOR:
		return exec_for(b, P, nd, f, err);
	case BN_CMD:
	default:
		return exec_simple(b, n, f, err);
	}
}

/* The program word of command @nd, if it is a simple one (NULL otherwise). */
static const char *simple_word(const struct bp *P, int nd)
{
	const char *c;

	if (nd < 0 || P->v[nd].kind != BN_CMD)
		return NULL;
	c = P->v[nd].text;
	c += strspn(c, " \t@");
	return c;
}

/*
 * A sequence of commands from @nd: && runs the next when the one before
 * succeeded, || when it failed (left to right), & in any case; what a pipe
 * feeds is not run (find or findstr fed by ver excepted: ver says Windows
 * Server 2003's version).  The last status.
 */
static int exec_seq(struct bat *b, struct bp *P, int nd, struct bat_fail *f, struct ipp_error *err)
{
	int last = 0;
	bool run = true;

	for (; nd >= 0; nd = P->v[nd].next) {
		const struct bn *n = &P->v[nd];

		if (run && n->join == '|') {
			/* a pipe: the command before it runs, its output going to the one after */
			int cons = n->next;
			const char *cw = simple_word(P, cons);
			bool search = cw && (bat_keyword(cw, "find") || bat_keyword(cw, "findstr"));
			bool ao = cons >= 0 && (P->v[cons].join == 'A' || P->v[cons].join == 'O');

			if (search) {
				/* find or findstr searching what netsh, echo or ver printed: done
				 * here (netsh show ... | findstr NAME, ver | find "5.2") */
				struct capture cap;
				char *buf, *what = bat_late(b, cw),
					   *pat = what ? cond_text(what) : NULL;
				int found;

				free(what);
				if (!pat || !capture_start(b->sh, &cap)) {
					free(pat);
					last = bat_nomem(b, f, err);
					break;
				}
				b->out_unknown = false;
				last = exec_node(b, P, nd, f, err);
				buf = capture_end(b->sh, &cap);
				found =
				    b->out_unknown || !buf
					? -1
					: text_search(pat, buf,
						      P->v[cons].redirected ? NULL : b->sh->out);
				if (found < 0 && !b->out_unknown && buf) {
					/* (a pattern or an option it does not take, a file named)
					 */
					free(buf);
					last = bat_stop(b, pat,
							"this search (its options, its pattern, a "
							"file it names) is not followed",
							f, err);
					free(pat);
					break;
				}
				free(buf);
				free(pat);
				if (bat_leaving(b))
					break;
				if (found >= 0) {
					ipp_bat_el_set(b->sh, found);
					last = found;
				} else if (ao) {
					last =
					    bat_stop(b, cw,
						     "what find or findstr would find in what a "
						     "program prints (for && or ||) cannot be told",
						     f, err);
					break;
				} else {
					b->sh->bat_el_unknown = true;
					b->sh->bat_el_unknown_at = b->sh->bat_el_writes;
					b->sh->bat_el_line = b->sh->where_line;
				}
			} else {
				last = exec_node(b, P, nd, f, err);
				if (bat_leaving(b))
					break;
				if (cw) {
					char *cc = strdup(cw);
					size_t nl = 0;

					if (cc && bat_program(cc, &nl) == 1)
						bat_note(b,
							 "\"%.40s\": netsh fed by a pipe (its "
							 "answers to prompts) is not run",
							 cw);
					free(cc);
				}
				if (ao) {
					last =
					    bat_stop(b, cw ? cw : "|",
						     "what the command a pipe feeds would say (for "
						     "&& or ||) cannot be told",
						     f, err);
					break;
				}
			}
			/* (the consumer is done) */
			if (cons < 0)
				break;
			nd = cons;
			n = &P->v[nd];
		} else if (run) {
			last = exec_node(b, P, nd, f, err);
		}
		if (bat_leaving(b))
			break;
		switch (n->join) {
		case 'A':
			run = last == 0;
			break;
		case 'O':
			run = last != 0;
			break;
		case '|':
			/* (a pipe after a command that did not run: neither does its consumer) */
			run = false;
			break;
		default:
			run = true;
			break;
		}
	}
	return last;
}

/* The line being expanded has %~ without a parameter number: cmd.exe's syntax error. */
static int bad_tilde(struct bat *b, struct ipp_error *err)
{
	b->sh->bat_last_failed = true;
	bat_halt(b);
	return ipp_err(err, EINVAL,
		       "\"%s\": the usage of the path operator in batch-parameter substitution is "
		       "invalid (%%~ and its modifiers need a parameter number after them, as in "
		       "%%~dp0): the batch file stops here",
		       plain(b->bad_tilde));
}

/*
 * The line @pc of the file (with the lines of a block it opens) run: *@next
 * the line after it.  0, or the last failure of its commands (those before
 * it said already: sh->bat_said counts them).
 */
static int bat_line(struct bat *b, size_t pc, size_t *next, struct ipp_error *err)
{
	struct ipp_shell *sh = b->sh;
	const char *p = b->v[pc].text + strspn(b->v[pc].text, " \t");
	struct bat_fail f = {0};
	struct bp P = {0};
	struct sbuf text = {0};
	char *x;
	int root;
	size_t end = pc;

	*next = pc + 1;
	sh->bat_said = 0;
	sh->bat_ok = false;
	if (*p == '@')
		p += 1 + strspn(p + 1, " \t");
	if (is_rem(p)) {
		/* (expanded before it is read as a comment: a %~ without a parameter number
		 * ends the file there too, as in cmd.exe) */
		b->bad_tilde[0] = '\0';
		free(bat_phase1(b, p));
		if (b->bad_tilde[0])
			return bad_tilde(b, err);
	}
	if (*p == ':' || is_rem(p))
		return 0; /* (a comment takes the whole line, & and all) */
	if (p[0] == '%' && (p[1] == '*' || (p[1] >= '1' && p[1] <= '9') ||
			    (p[1] == '~' && p[2] >= '1' && p[2] <= '9'))) {
		/* "%1 mshta vbscript:...ShellExecute(\"cmd.exe\",\"/c %~s0 ::\",...)&&exit":
		 * run as administrator, cmd.exe starts the file again with the argument
		 * "::", which makes this line a comment in the copy that runs the rest */
		bat_note(b,
			 "\"%.*s\" begins with a batch parameter: the line the copy of the "
			 "file that runs as administrator reads as a comment (its %%1 is "
			 "::), not run",
			 (int)strcspn(p, " \t"), p);
		return 0;
	}
	if (strchr(p, MK_ON) || strchr(p, MK_OFF)) {
		sh->bat_last_failed = true;
		return ipp_err(err, EINVAL,
			       "a control character (U+0001 or U+0002) in a batch file's line: "
			       "not run");
	}
	/* the line expanded (and the lines of a block it opens, each expanded as cmd.exe
	 * reads it), then parsed */
	b->el_asked = false;
	b->bad_tilde[0] = '\0';
	for (;;) {
		bool may_close;

		if (!(x = bat_phase1(b, end == pc ? p : b->v[end].text)))
			goto toolong;
		if (end > pc)
			sb_chr(&text, '\n');
		sb_str(&text, x);
		may_close = end == pc || strchr(x, ')');
		free(x);
		if (text.bad)
			goto toolong;
		if (!may_close) {
			/* (a line without ")" closes no block: parsed with the one that does) */
			P.more = true;
			goto next_line;
		}
		/* (freed, or never filled: a line skipped) */
		P = (struct bp){.p = text.s, .start = text.s, .seen = text.s};
		root = parse_seq(&P, false, -1);
		if (!P.more)
			break;
		bp_free(&P);
	next_line:
		if (end + 1 >= b->n || !b->v[end + 1].text) {
			free(text.s);
			sh->bat_last_failed = true;
			bat_halt(b);
			if (end + 1 < b->n && !b->v[end + 1].text)
				return ipp_err(err, EINVAL,
					       "the block opened here goes on to line %u, which "
					       "cannot be read (%s): the batch file stops here",
					       b->v[end + 1].lineno, b->v[end + 1].err.msg);
			return ipp_err(err, EINVAL,
				       "the block opened here (a \"(\") is not closed by the end "
				       "of the file: the batch file stops here");
		}
		end++;
	}
	*next = end + 1;
	b->after = end + 1;
	if (P.nomem) {
		bp_free(&P);
		free(text.s);
		sh->bat_last_failed = true;
		return ipp_err(err, ENOMEM, "out of memory");
	}
	if (P.bad || (*P.p && root < 0) || *P.p == ')') {
		/* cmd.exe says the syntax is wrong and ends the batch file */
		const char *what = P.bad ? P.bad : "a command, not \")\"";
		char at[48];

		snprintf(at, sizeof(at), "%.40s", P.bad ? P.bad_at : P.p);
		at[strcspn(at, "\n")] = '\0';
		bp_free(&P);
		free(text.s);
		sh->bat_last_failed = true;
		bat_halt(b);
		return ipp_err(err, EINVAL,
			       "\"%s\": expected %s (cmd.exe's syntax): the batch file stops here",
			       plain(at), what);
	}
	if (b->bad_tilde[0]) {
		bp_free(&P);
		free(text.s);
		return bad_tilde(b, err);
	}
	if (b->el_asked) {
		bp_free(&P);
		free(text.s);
		sh->bat_last_failed = true;
		bat_halt(b);
		return ipp_err(err, EINVAL,
			       "\"%%ERRORLEVEL%%\": what find or findstr left (line %u), searching "
			       "what a program printed, cannot be told: the batch file stops here",
			       b->sh->bat_el_line);
	}
	{
		size_t outer = b->line_pc; /* (a call :label runs lines of its own) */

		b->line_pc = pc;
		exec_seq(b, &P, root, &f, err);
		b->line_pc = outer;
	}
	bp_free(&P);
	free(text.s);
	sh->bat_said = f.said;
	sh->summarized = f.r < 0 ? f.summarized : 0;
	b->fail_line = f.r < 0 ? f.line : 0;
	return f.r;
toolong:
	bp_free(&P);
	free(text.s);
	sh->bat_last_failed = true;
	return ipp_err(err, E2BIG,
		       "the line with the values of the batch file's variables in place (and "
		       "the block it opens) is longer than %d MiB (or memory ran out): not run",
		       BAT_FILE_TEXT_MAX >> 20);
}

/*
 * Run the file's lines from @pc to the end of the frame (its end, goto
 * :eof, exit): 0, or the failure that stops the script (@err).
 */
static int bat_frame(struct bat *b, size_t pc, struct ipp_error *err)
{
	struct ipp_shell *sh = b->sh;

	while (pc < b->n && !sh->exit && !b->ret) {
		const struct ipp_script_line *l = &b->v[pc];
		bool in_batch = sh->batch;
		struct ipp_error e = {0};
		size_t next;
		int r;

		if (!l->text) {
			e = l->err;
			if (l->fatal) {
				*err = e;
				return l->fault;
			}
			if ((r = ipp_script_failed(sh, b->acct, l->fault, &e, l->lineno, true,
						   in_batch))) {
				*err = e;
				return r;
			}
			pc++;
			continue;
		}
		sh->where = b->name;
		sh->where_line = l->lineno;
		sh->script_ran_ok = false;
		sh->batch_refused = false;
		b->after = pc + 1;
		b->fail_line = 0;
		r = bat_line(b, pc, &next, &e);
		sh->where = b->name;
		sh->where_line = l->lineno;
		if (b->halt) {
			*err = b->halt_err;
			return b->halt;
		}
		if (r == 0) {
			const char *c = l->text + strspn(l->text, " \t");

			b->acct->ran_ok |= *c && *c != '#';
		} else {
			b->acct->ran_ok |= sh->bat_ok;
			if ((r = ipp_script_failed(sh, b->acct, r, &e,
						   b->fail_line ? b->fail_line : l->lineno, false,
						   in_batch))) {
				*err = e;
				return r;
			}
		}
		pc = next;
		if (b->jump) {
			long at = find_label(b, next, b->jump);

			if (at < 0) {
				struct ipp_error g = {0};

				/* cmd.exe says so and ends the batch file */
				r = ipp_err(&g, ENOENT,
					    "goto: the batch file has no label \":%s\": the batch "
					    "file stops here",
					    b->jump);
				free(b->jump);
				b->jump = NULL;
				bat_halt(b);
				sh->bat_last_failed = true;
				if ((r = ipp_script_failed(sh, b->acct, r, &g, l->lineno, false,
							   in_batch))) {
					*err = g;
					return r;
				}
				break;
			}
			free(b->jump);
			b->jump = NULL;
			pc = (size_t)at + 1;
		}
	}
	return 0;
}

static int bat_run(struct ipp_shell *sh, const struct ipp_script_line *v, size_t n, bool called,
		   struct ipp_script_acct *a, struct ipp_error *err)
{
	struct bat b = {.sh = sh, .v = v, .n = n, .acct = a, .name = a->name};
	char *argv0 = (char *)a->name;
	struct bat_frame top = {.argv = &argv0, .argc = 1, .unknown = true};
	const char *where = sh->where;
	unsigned where_line = sh->where_line;
	int r;

	if (sh->bat_call_args) {
		/* called by another batch file, with arguments: %1 ... are known */
		const char *args = sh->bat_call_args;

		sh->bat_call_args = NULL;
		top = (struct bat_frame){0};
		if (frame_args(&top, a->name, strlen(a->name), args) < 0)
			return ipp_err(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const char *q = v[i].text ? v[i].text + strspn(v[i].text, " \t") : "";

		if (*q == ':') {
			size_t *g = realloc(b.labels, (b.nlabels + 1) * sizeof(*g));

			if (!g) {
				free(b.labels);
				if (top.argv != &argv0)
					frame_free(&top);
				return ipp_err(err, ENOMEM, "out of memory");
			}
			b.labels = g;
			b.labels[b.nlabels++] = i;
		}
	}
	b.fr = &top;
	b.path = strcmp(a->name, "-") ? realpath(a->name, NULL) : NULL;
	{
		size_t nl = strlen(a->name);

		b.cmd_file = nl > 4 && !strcasecmp(a->name + nl - 4, ".cmd");
	}
	if (!called) {
		sh->bat_exit_all = false;
		sh->bat_stopped = false;
	} else {
		b.delayed = sh->bat_call_delayed; /* (the caller's setlocal) */
	}
	r = bat_frame(&b, 0, err);
	while (b.nlocals > 0)
		bat_endlocal(&b);
	/* the file's status is the errorlevel it ends with, as cmd.exe gives it (not after a
	 * stop, whose failure it is, nor after an exit that gave a code) */
	if (!sh->bat_stopped && !sh->bat_exit_set)
		sh->bat_last_failed = sh->bat_errorlevel != 0;
	free(b.jump);
	if (r == 0 && sh->bat_exited && b.exit_after > 0) {
		/* exit ended the batch file: what follows is not run, as in cmd.exe; said when
		 * a command follows (not a label: a subroutine's, reached by call or goto) */
		for (size_t i = b.exit_after; i < n; i++) {
			const char *q = v[i].text ? v[i].text + strspn(v[i].text, " \t@") : "";

			if (!*q || is_rem(q) || !strncmp(q, "::", 2))
				continue;
			if (*q != ':') {
				sh->where = a->name;
				sh->where_line = v[b.exit_after - 1].lineno;
				ipp_shell_note(
				    sh, sh->errf ? sh->errf : sh->out, "note",
				    "exit ends the batch file: the lines after it (%s:%u "
				    "and on) are not run",
				    a->name, v[i].lineno);
			}
			break;
		}
	}
	free(b.path);
	free(b.labels);
	if (top.argv != &argv0)
		frame_free(&top);
	sh->where = where;
	sh->where_line = where_line;
	return r;
}

int ipp_bat_run(struct ipp_shell *sh, const struct ipp_script_line *v, size_t n, bool called,
		struct ipp_script_acct *a, struct ipp_error *err)
{
	int r;

	if (sh->bat_runs == 0) {
		/* (where the first began: put back at its end, whatever cd did; a batch file
		 * cannot leave a directory it could not come back to) */
		sh->bat_home_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (sh->bat_home_fd < 0)
			return ipp_err(err, errno,
				       "%s: the current directory cannot be kept to come back to: "
				       "%s",
				       a->name, strerror(errno));
		sh->bat_cwd_unknown = false;
		sh->bat_npushd = 0;
	}
	sh->bat_runs++;
	r = bat_run(sh, v, n, called, a, err);
	if (--sh->bat_runs == 0) {
		while (sh->bat_npushd > 0)
			free(sh->bat_pushd[--sh->bat_npushd].path);
		free(sh->bat_pushd);
		sh->bat_pushd = NULL;
		sh->bat_pushd_cap = 0;
		(void)!fchdir(sh->bat_home_fd);
		close(sh->bat_home_fd);
		sh->bat_home_fd = -1;
		sh->bat_cwd_unknown = false;
	}
	return r;
}
