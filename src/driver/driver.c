/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * driver.c - libnftables: one text, one transaction; listings; counters.
 *
 * A text is handed to libnftables as a buffer: one nft_run_cmd_*() call
 * and one kernel batch.  A refused text is checked again from an in-memory
 * file (memfd), whose error records carry the right line number, which the
 * caller maps back to the policy, rule and filter that produced the line.
 */
#include "driver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/grow.h"
#include "../common/hostaddr.h"
#include "../compile/compile.h"
#include "json.h"
#include "nfmon.h"
#include "nlrules.h"

/* The fingerprint of a chain's rules (ipp_nlrules_fingerprints()). */
struct chain_fp {
	char name[IPP_NLRULE_NAME_MAX];
	uint64_t h;
};

struct chain_fps {
	struct chain_fp *v; /* sorted by name */
	size_t n, cap;
};

volatile sig_atomic_t ipp_driver_nft_busy;

/* A call into libnftables, which ends the process when an allocation fails. */
#define NFT_CALL(x)                                                                                \
	({                                                                                         \
		ipp_driver_nft_busy = 1;                                                           \
		__auto_type nft_call_r_ = (x);                                                     \
		ipp_driver_nft_busy = 0;                                                           \
		nft_call_r_;                                                                       \
	})

struct ipp_driver {
	struct nft_ctx *nft;
	int defrag6; /* ipp_driver_defrag6(): 0 not asked yet, 1 yes, -1 no */
	pthread_t probe; /* ipp_driver_probe(): asking it, the context the thread's */
	bool probing;
	/* the table's rules as this driver's own transactions left them (ipp_driver_rules_check()):
	   the chains a transaction touched taken again when the caller settles them */
	struct chain_fps fp;
	struct chain_fps fp_pending; /* chains its transactions touched, to be taken again */
	bool fp_valid;
	struct ipp_nfmon *mon; /* ipp_driver_watch(): others' changes to the table */
	/* another transaction may have been committed while the watch did not listen */
	bool gap;
};

int ipp_driver_open(struct ipp_driver **ret, struct ipp_error *err)
{
	struct ipp_driver *d = calloc(1, sizeof(*d));

	if (!d)
		return ipp_err(err, ENOMEM, "out of memory");
	d->nft = NFT_CALL(nft_ctx_new(NFT_CTX_DEFAULT));
	if (!d->nft) {
		free(d);
		return ipp_err(err, ENOMEM, "cannot create a libnftables context");
	}
	if (NFT_CALL(nft_ctx_buffer_output(d->nft)) || NFT_CALL(nft_ctx_buffer_error(d->nft))) {
		ipp_driver_close(d);
		return ipp_err(err, ENOMEM, "cannot buffer libnftables output");
	}
	*ret = d;
	return 0;
}

static void probe_wait(struct ipp_driver *d);

int ipp_driver_watch(struct ipp_driver *d, struct ipp_error *err)
{
	return d->mon ? 0 : ipp_nfmon_open(&d->mon, err);
}

void ipp_driver_unwatch(struct ipp_driver *d)
{
	ipp_nfmon_close(d->mon);
	d->mon = NULL;
}

int ipp_driver_watch_fd(const struct ipp_driver *d)
{
	return ipp_nfmon_fd(d->mon);
}

int ipp_driver_watch_read(struct ipp_driver *d, struct ipp_nfmon_change *ret)
{
	return d->mon ? ipp_nfmon_read(d->mon, ret) : 0;
}

bool ipp_driver_watch_gap(struct ipp_driver *d)
{
	bool g = d->gap;

	d->gap = false;
	return g;
}

void ipp_driver_close(struct ipp_driver *d)
{
	if (!d)
		return;
	probe_wait(d);
	nft_ctx_free(d->nft);
	ipp_nfmon_close(d->mon);
	free(d->fp.v);
	free(d->fp_pending.v);
	free(d);
}

/* ---------- the fingerprints of the table's chains ---------- */

static int fp_cmp(const void *x, const void *y)
{
	return strcmp(((const struct chain_fp *)x)->name, ((const struct chain_fp *)y)->name);
}

static int fp_push(const char *chain, uint64_t h, void *ctx)
{
	struct chain_fps *f = ctx;

	if (ipp_grow((void **)&f->v, &f->cap, f->n + 1, sizeof(*f->v)) < 0)
		return -ENOMEM;
	snprintf(f->v[f->n].name, sizeof(f->v[f->n].name), "%s", chain);
	f->v[f->n++].h = h;
	return 0;
}

/* Every chain's fingerprint, sorted by name, into @ret (owned by the caller). */
static int fp_read(struct chain_fps *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	if ((r = ipp_nlrules_fingerprints(NULL, fp_push, ret)) < 0) {
		free(ret->v);
		memset(ret, 0, sizeof(*ret));
		return r;
	}
	if (ret->n > 1)
		qsort(ret->v, ret->n, sizeof(*ret->v), fp_cmp);
	return 0;
}

/* Chain @name's fingerprint taken again (none: it has no rules now, or no longer exists). */
static void fp_retake(struct ipp_driver *d, const char *name)
{
	struct chain_fps one = {0};
	struct chain_fp key = {{0}, 0}, *at;

	snprintf(key.name, sizeof(key.name), "%s", name);
	int r = ipp_nlrules_fingerprints(name, fp_push, &one);

	if (r < 0 && r != -ENOENT) {
		free(one.v);
		d->fp_valid = false; /* (the next look takes them all) */
		return;
	}
	at = d->fp.n ? bsearch(&key, d->fp.v, d->fp.n, sizeof(*d->fp.v), fp_cmp) : NULL;
	if (at && one.n)
		at->h = one.v[0].h;
	else if (at)
		memmove(at, at + 1, (size_t)(d->fp.v + d->fp.n - at - 1) * sizeof(*at)), d->fp.n--;
	else if (one.n && fp_push(name, one.v[0].h, &d->fp) == 0)
		qsort(d->fp.v, d->fp.n, sizeof(*d->fp.v), fp_cmp);
	free(one.v);
}

/*
 * After a transaction of this driver: the chains of the table it touched
 * are to be fingerprinted again (ipp_driver_rules_settle(), as soon as the
 * caller has a moment: a dump per chain, not in the way of what waits for
 * the change); the table made whole, all of them at once.  So the periodic
 * look (ipp_driver_rules_check()) takes only someone else's change for one.
 */
static void fp_after(struct ipp_driver *d, const char *text)
{
	static const char *const verbs[] = {"flush chain",  "add rule",	   "insert rule",
					    "replace rule", "delete rule", "add chain",
					    "delete chain", "create chain"};
	static const char whole[] = "table " IPP_NFT_FAMILY " " IPP_NFT_TABLE " {";
	static const char whole2[] = "delete table " IPP_NFT_FAMILY " " IPP_NFT_TABLE "\n";
	const char *line, *eol;

	if (!d->fp_valid)
		return;
	for (line = text; *line; line = *eol ? eol + 1 : eol) {
		eol = line + strcspn(line, "\n");
		if (!strncmp(line, whole, sizeof(whole) - 1) ||
		    !strncmp(line, whole2, sizeof(whole2) - 1)) {
			struct chain_fps all;

			free(d->fp.v);
			memset(&d->fp, 0, sizeof(d->fp));
			d->fp_valid = fp_read(&all) == 0;
			d->fp = all;
			d->fp_pending.n = 0;
			return;
		}
	}
	{
		/* each chain once (a chain rewritten is many lines) */
		enum { NVERBS = sizeof(verbs) / sizeof(verbs[0]) };
		struct chain_fps *seen = &d->fp_pending;
		char want[NVERBS][64];
		size_t wl[NVERBS];

		for (size_t k = 0; k < NVERBS; k++) {
			snprintf(want[k], sizeof(want[k]), "%s %s %s ", verbs[k], IPP_NFT_FAMILY,
				 IPP_NFT_TABLE);
			wl[k] = strlen(want[k]);
		}
		for (line = text; *line; line = *eol ? eol + 1 : eol) {
			char name[IPP_NLRULE_NAME_MAX];
			size_t k, vl = 0, i;

			eol = line + strcspn(line, "\n");
			if (*line != 'a' && *line != 'f' && *line != 'i' && *line != 'r' &&
			    *line != 'd' && *line != 'c')
				continue; /* (an element line, indented) */
			for (k = 0; k < NVERBS; k++) {
				vl = wl[k];
				if ((size_t)(eol - line) > vl && !strncmp(line, want[k], vl))
					break;
			}
			if (k == NVERBS)
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(line + vl, " \n{"),
				 line + vl);
			for (i = 0; i < seen->n && strcmp(seen->v[i].name, name); i++)
				;
			if (i == seen->n && fp_push(name, 0, seen) < 0) {
				d->fp_valid = false; /* (the next look takes them all) */
				break;
			}
		}
	}
}

bool ipp_driver_rules_pending(const struct ipp_driver *d)
{
	return d->fp_valid && d->fp_pending.n > 0;
}

void ipp_driver_rules_settle(struct ipp_driver *d)
{
	for (size_t i = 0; i < d->fp_pending.n && d->fp_valid; i++)
		fp_retake(d, d->fp_pending.v[i].name);
	d->fp_pending.n = 0;
}

int ipp_driver_rules_check(struct ipp_driver *d, bool *changed)
{
	struct chain_fps now;
	int r;

	*changed = false;
	ipp_driver_rules_settle(d);
	if ((r = fp_read(&now)) < 0)
		return r;
	if (d->fp_valid) {
		*changed = now.n != d->fp.n;
		for (size_t i = 0; i < now.n && !*changed; i++)
			*changed =
			    now.v[i].h != d->fp.v[i].h || strcmp(now.v[i].name, d->fp.v[i].name);
	}
	free(d->fp.v);
	d->fp = now;
	d->fp_valid = true;
	return 0;
}

/*
 * libnftables keeps, after a transaction that succeeded, its cache of the
 * table with what the transaction added: after a whole ruleset, every map and
 * element (some 140 ms to free at 100,000 filters).  The cache serves no
 * later command (the kernel's generation has moved: the next one fetches its
 * own), so the context is made anew.
 */
int ipp_driver_reset(struct ipp_driver *d, struct ipp_error *err)
{
	struct nft_ctx *n;

	probe_wait(d);
	n = NFT_CALL(nft_ctx_new(NFT_CTX_DEFAULT));
	if (!n)
		return ipp_err(err, ENOMEM, "cannot create a libnftables context");
	if (NFT_CALL(nft_ctx_buffer_output(n)) || NFT_CALL(nft_ctx_buffer_error(n))) {
		nft_ctx_free(n);
		return ipp_err(err, ENOMEM, "cannot buffer libnftables output");
	}
	nft_ctx_free(d->nft);
	d->nft = n;
	return 0;
}

int ipp_driver_table_mode(enum ipp_mode *ret, enum ipp_mode *ret_rest)
{
	static const char key[] = "ipsecpol mode=", rest[] = " rest=";
	char com[IPP_NLRULE_COMMENT_MAX], *sp;
	enum ipp_mode m = IPP_MODE_INVALID, rm = IPP_MODE_INVALID;
	int r;

	*ret = IPP_MODE_INVALID;
	if (ret_rest)
		*ret_rest = IPP_MODE_INVALID;
	if ((r = ipp_nltable_comment(com, sizeof(com), NULL)) < 0)
		return r;
	if (strncmp(com, key, sizeof(key) - 1) != 0)
		return 0;
	if ((sp = strchr(com, ' ')) != NULL && (sp = strchr(sp + 1, ' ')) != NULL) {
		/* "ipsecpol mode=secure rest=NAME": nothing else after the mode */
		if (strncmp(sp, rest, sizeof(rest) - 1) != 0)
			return 0;
		rm = ipp_mode_from_name(sp + sizeof(rest) - 1);
		*sp = '\0';
	}
	m = ipp_mode_from_name(com + sizeof(key) - 1);
	if (sp && (m != IPP_MODE_SECURE || rm == IPP_MODE_INVALID))
		return 0; /* not a comment ipsecpold writes */
	*ret = m;
	if (ret_rest)
		*ret_rest = rm;
	return 0;
}

/* (reachable until the exit: not a leak to a checker; volatile, or the compiler drops a store
 * nothing reads) */
static struct ipp_driver *volatile exiting;

/* The process exits next: the exit reclaims the context's memory at no cost. */
void ipp_driver_close_exiting(struct ipp_driver *d)
{
	if (d) {
		probe_wait(d);
		exiting = d;
	}
}

/* Drop what earlier commands left in the buffers. */
static void drain(struct ipp_driver *d)
{
	nft_ctx_get_output_buffer(d->nft);
	nft_ctx_get_error_buffer(d->nft);
}

/* errno from the first "Error: " line of nft's messages. */
static int errno_of(const char *msg)
{
	static const struct {
		const char *text;
		int code;
	} tab[] = {
	    {"File exists", EEXIST},
	    {"No such file or directory", ENOENT},
	    {"Operation not permitted", EPERM},
	    {"Device or resource busy", EBUSY},
	    {"Cannot allocate memory", ENOMEM},
	    {"Numerical result out of range", ERANGE},
	    {"Operation not supported", EOPNOTSUPP},
	    {"Too many links", EMLINK},
	    {"No space left on device", ENOSPC},
	    {"syntax error", EINVAL},
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strstr(msg, tab[i].text))
			return tab[i].code;
	return EINVAL;
}

/*
 * Turn nft's error records into one message: the first record's text
 * ("Could not process rule: File exists") and its line, when it names one
 * ("NAME:LINE:COL-COL: Error: ...").
 */
static void first_error(const char *buf, const char *fname, char *msg, size_t len,
			unsigned *ret_line)
{
	const char *e = buf ? strstr(buf, "Error: ") : NULL;
	const char *eol;
	size_t flen = strlen(fname);

	*ret_line = 0;
	if (!e) {
		snprintf(msg, len, "%s", buf && *buf ? buf : "unknown error");
		eol = strchr(msg, '\n');
		if (eol)
			msg[eol - msg] = '\0';
		return;
	}
	/* the location, if any, is on the same line before "Error: " */
	{
		const char *ls = e;

		while (ls > buf && ls[-1] != '\n')
			ls--;
		if (!strncmp(ls, fname, flen) && ls[flen] == ':')
			*ret_line = (unsigned)strtoul(ls + flen + 1, NULL, 10);
	}
	e += 7;
	eol = strchr(e, '\n');
	snprintf(msg, len, "%.*s", (int)(eol ? (size_t)(eol - e) : strlen(e)), e);
}

/*
 * Where libnftables refused @text: the same text checked again (dry run),
 * read from an in-memory file, whose error records name their line.  The
 * line is taken only when the check fails with the same message @msg.
 */
static unsigned locate_error(struct ipp_driver *d, const char *text, const char *msg)
{
	char fname[64], again[IPP_ERR_MSG_MAX];
	size_t len = strlen(text), off = 0;
	unsigned line = 0;
	int fd, rc;

	fd = memfd_create("ipsecpol-ruleset", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return 0;
		}
		off += (size_t)n;
	}
	snprintf(fname, sizeof(fname), "/proc/self/fd/%d", fd);
	drain(d);
	nft_ctx_set_dry_run(d->nft, true);
	rc = NFT_CALL(nft_run_cmd_from_filename(d->nft, fname));
	nft_ctx_set_dry_run(d->nft, false);
	close(fd);
	if (rc != 0) {
		first_error(nft_ctx_get_error_buffer(d->nft), fname, again, sizeof(again), &line);
		if (strcmp(again, msg))
			line = 0;
	}
	drain(d);
	return line;
}

/*
 * The text goes to libnftables as a buffer: read from a file, nft's scanner
 * takes it a character at a time (40 ms of 850 for a 6 MB ruleset here).
 * A buffer's error records all point at its first line, so a failure is
 * located by locate_error().
 */
static int run(struct ipp_driver *d, const char *text, bool dry_run, unsigned *ret_line,
	       struct ipp_error *err)
{
	char msg[IPP_ERR_MSG_MAX];
	unsigned line = 0;
	int rc;

	if (ret_line)
		*ret_line = 0;
	drain(d);
	nft_ctx_set_dry_run(d->nft, dry_run);
	/*
	 * The kernel builds no notification of it for the watch (ipp_driver_watch()):
	 * a whole ruleset's would be one per element.  Another process's transaction
	 * committed meanwhile is not notified either, but it moves the ruleset's
	 * generation beyond the one this transaction adds: a gap, which the caller
	 * looks at (ipp_driver_watch_gap()).
	 */
	if (!dry_run && d->mon) {
		uint32_t g0 = 0, g1 = 0;
		bool known = ipp_nlgen(&g0) == 0;

		(void)ipp_nfmon_listen(d->mon, false);
		rc = NFT_CALL(nft_run_cmd_from_buffer(d->nft, text));
		if (ipp_nfmon_listen(d->mon, true) < 0) {
			ipp_driver_unwatch(d);
		} else if (!known || ipp_nlgen(&g1) < 0 || g1 != g0 + (rc == 0)) {
			/* (a refused transaction commits nothing; one that commits adds one) */
			d->gap = true;
		}
	} else {
		rc = NFT_CALL(nft_run_cmd_from_buffer(d->nft, text));
	}
	nft_ctx_set_dry_run(d->nft, false);
	if (rc == 0) {
		drain(d);
		if (!dry_run)
			fp_after(d, text);
		return 0;
	}
	first_error(nft_ctx_get_error_buffer(d->nft), "", msg, sizeof(msg), &line);
	drain(d);
	line = locate_error(d, text, msg);
	if (ret_line)
		*ret_line = line;
	return ipp_err(err, errno_of(msg), "%s", msg);
}

int ipp_driver_run_ex(struct ipp_driver *d, const char *text, bool dry_run, unsigned *ret_line,
		      struct ipp_error *err)
{
	probe_wait(d);
	return run(d, text, dry_run, ret_line, err);
}

int ipp_driver_run(struct ipp_driver *d, const char *text, bool dry_run, struct ipp_error *err)
{
	unsigned line = 0;
	int r;

	r = ipp_driver_run_ex(d, text, dry_run, &line, err);
	if (r < 0 && line && err) {
		const char *p = text, *e;
		unsigned i;

		for (i = 1; i < line && p; i++) {
			p = strchr(p, '\n');
			if (p)
				p++;
		}
		if (p) {
			e = strchr(p, '\n');
			ipp_err_prefix(err, "ruleset line %u \"%.*s\"", line,
				       (int)(e ? (size_t)(e - p) > 200 ? 200 : (size_t)(e - p)
					       : strnlen(p, 200)),
				       p);
		}
	}
	return r;
}

static int query(struct ipp_driver *d, const char *cmd, unsigned flags, char **ret,
		 struct ipp_error *err)
{
	unsigned old = nft_ctx_output_get_flags(d->nft);
	const char *out;
	int rc;

	probe_wait(d);
	drain(d);
	nft_ctx_output_set_flags(d->nft, flags);
	rc = NFT_CALL(nft_run_cmd_from_buffer(d->nft, cmd));
	nft_ctx_output_set_flags(d->nft, old);
	if (rc != 0) {
		char msg[IPP_ERR_MSG_MAX];
		unsigned line;

		first_error(nft_ctx_get_error_buffer(d->nft), "", msg, sizeof(msg), &line);
		drain(d);
		return ipp_err(err, errno_of(msg), "\"%s\": %s", cmd, msg);
	}
	out = nft_ctx_get_output_buffer(d->nft);
	*ret = strdup(out ? out : "");
	drain(d);
	if (!*ret)
		return ipp_err(err, ENOMEM, "out of memory");
	return 0;
}

/*
 * @cmd in a context of its own.  libnftables keeps a cache of the ruleset
 * in its context, refreshed when the ruleset's generation moves; elements
 * the packet path adds to a set and counter values do not move it, so a
 * context that has read them before may print what it read then (1.0.6
 * prints even "reset counter" from its cache).
 */
static int fresh_query(const char *cmd, unsigned flags, char **ret, struct ipp_error *err)
{
	struct ipp_driver *t;
	int r;

	if ((r = ipp_driver_open(&t, err)) < 0)
		return r;
	r = query(t, cmd, flags, ret, err);
	ipp_driver_close(t);
	return r;
}

int ipp_driver_query(struct ipp_driver *d, const char *cmd, bool json, char **ret,
		     struct ipp_error *err)
{
	return query(d, cmd, json ? NFT_CTX_OUTPUT_JSON : 0, ret, err);
}

/* (the kernel checks the transaction and aborts it: an RCU grace period, 10-20 ms) */
static int probe_defrag6(struct ipp_driver *d)
{
	static const char probe[] =
	    "add table inet ipsecpol_probe\n"
	    "add chain inet ipsecpol_probe defrag6\n"
	    "add rule inet ipsecpol_probe defrag6 meta l4proto udp tproxy ip6 to [::1]:1\n";
	struct ipp_error e = {0};

	return run(d, probe, true, NULL, &e) == 0 || e.code == EPERM ? 1 : -1;
}

static void *probe_thread(void *arg)
{
	struct ipp_driver *d = arg;

	d->defrag6 = probe_defrag6(d);
	return NULL;
}

void ipp_driver_probe(struct ipp_driver *d)
{
	if (d->defrag6 == 0 && !d->probing && pthread_create(&d->probe, NULL, probe_thread, d) == 0)
		d->probing = true;
}

/* The context is ours again: the probe's thread has ended. */
static void probe_wait(struct ipp_driver *d)
{
	if (d->probing) {
		pthread_join(d->probe, NULL);
		d->probing = false;
	}
}

bool ipp_driver_defrag6(struct ipp_driver *d)
{
	probe_wait(d);
	if (d->defrag6 == 0)
		d->defrag6 = probe_defrag6(d);
	return d->defrag6 > 0;
}

int ipp_driver_table_exists(struct ipp_driver *d, bool *ret, struct ipp_error *err)
{
	char com[IPP_NLRULE_COMMENT_MAX];
	int r;

	(void)d;
	/* over nfnetlink: libnftables' listing of the tables reads their elements too */
	r = ipp_nltable_comment(com, sizeof(com), NULL);
	*ret = r == 0;
	if (r < 0 && r != -ENOENT)
		return ipp_err(err, -r, "cannot list the tables: %s", strerror(-r));
	return 0;
}

/* ---------- counters ---------- */

struct counters {
	struct ipp_counter *v;
	size_t n, cap;
};

static int push_counter(struct counters *cs, const struct ipp_counter *c)
{
	if (ipp_grow((void **)&cs->v, &cs->cap, cs->n + 1, sizeof(*cs->v)) < 0)
		return -ENOMEM;
	cs->v[cs->n++] = *c;
	return 0;
}

/* Count @pk packets and @by bytes in @ct as given @verdict (enum ipp_cverdict). */
static void count_as(struct ipp_counter *ct, int verdict, uint64_t pk, uint64_t by)
{
	ct->packets += pk;
	ct->bytes += by;
	if (verdict >= 0 && verdict <= IPP_CV_NEGOTIATE) {
		ct->vpackets[verdict] += pk;
		ct->vbytes[verdict] += by;
	}
}

static bool read_counter(const struct ipp_json *cnt, uint64_t *packets, uint64_t *bytes)
{
	return cnt && ipp_json_u64(ipp_json_get(cnt, "packets"), packets) &&
	       ipp_json_u64(ipp_json_get(cnt, "bytes"), bytes);
}

/* An element key in JSON ("10.0.0.1", 80, or {"concat": [...]}) as nft text. */
static void key_text(const struct ipp_json *v, char *buf, size_t len)
{
	const struct ipp_json *cc = ipp_json_get(v, "concat");
	size_t i, used = 0;

	buf[0] = '\0';
	if (v->type == IPP_JSON_STRING || v->type == IPP_JSON_NUMBER) {
		snprintf(buf, len, "%s", v->str);
		return;
	}
	if (!cc || cc->type != IPP_JSON_ARRAY)
		return;
	for (i = 0; i < cc->n && used < len; i++) {
		const struct ipp_json *it = cc->items[i];
		int n;

		if (it->type != IPP_JSON_STRING && it->type != IPP_JSON_NUMBER)
			return;
		n = snprintf(buf + used, len - used, "%s%s", i ? " . " : "", it->str);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

/* The elements of one map object of the listing: {"name": ..., "elem": [[{"elem": ...}, V], ...]}.
 */
/*
 * The counters of map @map's elements into @cs (@t: the compiled tier of
 * that name, NULL when the compiled form has none); what @c does not know
 * is counted in @x.
 */
static int map_counters(const struct ipp_ctier *t, const struct ipp_json *map, struct counters *cs,
			struct ipp_table_extra *x)
{
	const struct ipp_json *elems = ipp_json_get(map, "elem");
	size_t i;

	if (!elems || elems->type != IPP_JSON_ARRAY)
		return 0;
	for (i = 0; i < elems->n; i++) {
		const struct ipp_json *pair = elems->items[i], *el, *val;
		const struct ipp_celem *e;
		struct ipp_counter ct = {0};
		struct ipp_ckey k;
		uint64_t pk, by;
		char key[256];

		/* [ {"elem": {"val": KEY, "counter": {...}}}, VERDICT ] */
		if (pair->type != IPP_JSON_ARRAY || pair->n != 2)
			continue;
		el = ipp_json_get(pair->items[0], "elem");
		val = ipp_json_get(el, "val");
		if (!val)
			continue;
		key_text(val, key, sizeof(key));
		if (!read_counter(ipp_json_get(el, "counter"), &pk, &by))
			continue;
		if (!t || ipp_ckey_parse(&t->shape, key, &k) < 0 || !(e = ipp_ctier_find(t, &k))) {
			x->unknown_elems++;
			x->unknown_packets += pk;
			continue;
		}
		count_as(&ct, e->verdict, pk, by);
		ct.tier = t;
		ct.elem = e;
		ct.rule = e->rule;
		ct.filter = e->filter;
		ct.reversed = e->reversed;
		if (push_counter(cs, &ct) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---------- the flow cache's share of the counters ---------- */

/* One entry more in @l (@group: a broadcast address); -ENOMEM. */
static int hostaddr_push(struct ipp_hostaddrs *l, size_t *cap, int family, const void *ip,
			 bool group)
{
	if (ipp_grow_zero((void **)&l->v, cap, l->n + 1, sizeof(*l->v)) < 0)
		return -ENOMEM;
	l->v[l->n].family = family;
	memcpy(l->v[l->n].ip, ip, family == AF_INET6 ? 16 : 4);
	l->v[l->n].group = group;
	l->n++;
	return 0;
}

/* This host's addresses and its IPv4 broadcast addresses, for ipp_compiled_match(). */
void ipp_hostaddrs_load(struct ipp_hostaddrs *l)
{
	struct ifaddrs *ifa = NULL, *i;
	size_t cap = 0, k, nb;
	uint8_t bc[2][4];
	int r = 0;

	l->v = NULL;
	l->n = 0;
	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i && r == 0; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
			continue;
		r = hostaddr_push(
		    l, &cap, sa->sa_family,
		    sa->sa_family == AF_INET
			? (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr
			: (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    false);
		nb = ipp_ifa_broadcasts(i, bc);
		for (k = 0; k < nb && r == 0; k++)
			r = hostaddr_push(l, &cap, AF_INET, bc[k], true);
	}
	freeifaddrs(ifa);
	if (r < 0)
		ipp_hostaddrs_clear(l);
}

void ipp_hostaddrs_clear(struct ipp_hostaddrs *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int hostaddr_cmp(const void *x, const void *y)
{
	return memcmp(x, y, sizeof(((struct ipp_hostaddrs *)0)->v[0]));
}

bool ipp_hostaddrs_equal(struct ipp_hostaddrs *a, struct ipp_hostaddrs *b)
{
	if (a->n != b->n)
		return false;
	if (a->n == 0)
		return true;
	qsort(a->v, a->n, sizeof(a->v[0]), hostaddr_cmp);
	qsort(b->v, b->n, sizeof(b->v[0]), hostaddr_cmp);
	return !memcmp(a->v, b->v, a->n * sizeof(a->v[0]));
}

/*
 * Is an inbound packet to @ip to "me" (ipp_compiled_match())?  As the table
 * has it: every packet this host takes, but to a multicast or broadcast
 * address.
 */
static bool hostaddrs_me(int family, const uint8_t ip[16], void *ctx)
{
	const struct ipp_hostaddrs *l = ctx;
	size_t i;

	if (ipp_ip_is_group(family, ip))
		return false;
	for (i = 0; i < l->n; i++)
		if (l->v[i].group && l->v[i].family == family && !memcmp(l->v[i].ip, ip, 4))
			return false;
	return true;
}

struct flowshare {
	const struct ipp_ctier *tier;
	const struct ipp_celem *elem;
	int verdict; /* enum ipp_cverdict the packets were given */
	uint64_t packets, bytes;
	int gen; /* the flow cache generation it was read from; -1: a carry counter */
};

/* A map the kernel holds that the compiled form has no tier for, read back. */
struct ghost {
	struct ipp_ctier t; /* its elements owned */
	size_t cap;
};

struct flowshares {
	struct flowshare *v;
	size_t n, cap;
	struct ipp_hostaddrs loc;
	bool loc_loaded;
	const struct ghost *ghosts; /* maps of the kernel's the compiled form lacks */
	size_t nghosts;
	uint64_t gone_packets; /* of flows an element the compiled form lacks decided */
};

/*
 * Did one of the kernel's maps the compiled form lacks decide the flow,
 * being walked before @e (of @et; NULL: nothing of the form matches)?
 */
static bool ghost_decides(const struct flowshares *fs, const struct ipp_ctier *et, bool inbound,
			  int family, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
			  uint16_t sport, uint16_t dport)
{
	for (size_t i = 0; i < fs->nghosts; i++) {
		const struct ipp_ctier *g = &fs->ghosts[i].t;
		struct ipp_ckey k;

		/* the walk goes by weight (of two of equal weight the compiled form's is
		 * taken first: the kernel's order between them is not known here) */
		if (et && g->weight <= et->weight)
			continue;
		if (ipp_ctier_packet_key(g, inbound, family, src, dst, proto, sport, dport,
					 hostaddrs_me, (void *)&fs->loc, &k) &&
		    ipp_ctier_decider(g, &k))
			return true;
	}
	return false;
}

/*
 * A flow cache entry's key as nfnetlink gives it: the kernel's
 * concatenation, each field padded to 4 bytes: source, destination,
 * protocol (one byte), then for TCP and UDP source and destination port
 * (network byte order).  False when it is not one of @family.
 */
static bool flow_key(int family, const uint8_t *key, size_t keylen, uint8_t src[16],
		     uint8_t dst[16], uint8_t *proto, uint16_t *sport, uint16_t *dport)
{
	size_t al = family == AF_INET6 ? 16 : 4;

	if (keylen != 2 * al + 4 && keylen != 2 * al + 12)
		return false;
	memset(src, 0, 16);
	memset(dst, 0, 16);
	memcpy(src, key, al);
	memcpy(dst, key + al, al);
	*proto = key[2 * al];
	*sport = *dport = 0;
	if (keylen == 2 * al + 12) {
		*sport = (uint16_t)(key[2 * al + 4] << 8 | key[2 * al + 5]);
		*dport = (uint16_t)(key[2 * al + 8] << 8 | key[2 * al + 9]);
	}
	return true;
}

/*
 * One flow cache entry: its counter goes to the element that decides it
 * (in @c, as it was before the changes @ch: see
 * ipp_compiled_match_before()).  The packet that created the entry was
 * counted by that element already: one packet, and the mean size, are
 * taken off.
 */
static int flow_share(const struct ipp_compiled *c, const struct ipp_patch_change *ch, size_t nch,
		      int family, bool inbound, const uint8_t src[16], const uint8_t dst[16],
		      uint8_t proto, uint16_t sport, uint16_t dport, enum ipp_cverdict verdict,
		      uint64_t pk, uint64_t by, struct flowshares *fs)
{
	const struct ipp_ctier *t = NULL;
	const struct ipp_celem *e;
	bool gone;

	if (pk < 2)
		return 0;
	if (!fs->loc_loaded) {
		ipp_hostaddrs_load(&fs->loc);
		fs->loc_loaded = true;
	}
	e = ipp_compiled_match_before(c, ch, nch, inbound, family, src, dst, proto, sport, dport,
				      hostaddrs_me, &fs->loc, &t, &gone);
	if (!gone && fs->nghosts)
		gone =
		    ghost_decides(fs, e ? t : NULL, inbound, family, src, dst, proto, sport, dport);
	if (gone) {
		/* decided by an element @c no longer has */
		fs->gone_packets += pk - 1;
		return 0;
	}
	if (!e)
		return 0; /* no filter: permitted by default, nobody to count for */
	if (ipp_grow((void **)&fs->v, &fs->cap, fs->n + 1, sizeof(*fs->v)) < 0)
		return -ENOMEM;
	/* counted as its set says the policy then decided it: an element of @c that gives
	 * another verdict now (the stores changed since: an agent starts over the table of
	 * one before it) does not rename what was done; but a negotiate filter's packets
	 * taken in the clear (inpass, soft) are flows of the permit sets, and negotiate's */
	if (verdict == IPP_CV_ACCEPT && e->verdict == IPP_CV_NEGOTIATE)
		verdict = IPP_CV_NEGOTIATE;
	fs->v[fs->n++] = (struct flowshare){t, e, (int)verdict, pk - 1, by - by / pk, 0};
	return 0;
}

/*
 * The tiers of a compiled form by group (ipp_ctier_group()): where an
 * element's carried counts are, whichever tier of its group holds it.
 */
struct group_ent {
	char name[IPP_CTIER_NAME_MAX];
	const struct ipp_ctier *t;
};

struct groups {
	const struct ipp_compiled *c;
	struct group_ent *v; /* by name, then in walk order */
	size_t n;
};

static int group_order(const void *x, const void *y)
{
	const struct group_ent *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : a->t < b->t ? -1 : a->t > b->t;
}

static int groups_build(const struct ipp_compiled *c, struct groups *g)
{
	size_t i;

	g->n = 0;
	g->c = c;
	if (!(g->v = calloc(c->ntiers + 1, sizeof(*g->v))))
		return -ENOMEM;
	for (i = 0; i < c->ntiers; i++) {
		ipp_ctier_group(c->tiers[i].name, g->v[i].name, sizeof(g->v[i].name));
		g->v[i].t = &c->tiers[i];
	}
	g->n = c->ntiers;
	qsort(g->v, g->n, sizeof(*g->v), group_order);
	return 0;
}

/* The first tier of @group, or NULL; *@at its place in @g. */
static const struct ipp_ctier *groups_first(const struct groups *g, const char *group, size_t *at)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(g->v[mid].name, group) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < g->n && !strcmp(g->v[lo].name, group) ? g->v[lo].t : NULL;
}

/* The element of @group with key @k (the first tier that has it), or NULL. */
static const struct ipp_celem *groups_find(const struct groups *g, const char *group,
					   const struct ipp_ckey *k,
					   const struct ipp_ctier **tier_ret)
{
	size_t i;

	for (groups_first(g, group, &i); i < g->n && !strcmp(g->v[i].name, group); i++) {
		const struct ipp_ctier *t = g->v[i].t;
		const struct ipp_celem *e = ipp_ctier_decider(t, k);

		if (e) {
			*tier_ret = t;
			return e;
		}
	}
	return NULL;
}

/*
 * The same element as @e of @t of compiled form @from in @g (its group and
 * key, from the same rule), or NULL.
 */
static const struct ipp_celem *groups_same(const struct groups *g, const struct ipp_compiled *from,
					   const struct ipp_ctier *t, const struct ipp_celem *e,
					   const struct ipp_ctier **tier_ret)
{
	char group[IPP_CTIER_NAME_MAX];
	const struct ipp_celem *e2;

	ipp_ctier_group(t->name, group, sizeof(group));
	e2 = groups_find(g, group, &e->key, tier_ret);
	return e2 && ipp_celem_same_owner(from, e, g->c, e2) ? e2 : NULL;
}

/*
 * A carry counter object's comment "carry [VERDICT] GROUP KEY" (compile.h)
 * into @verdict (-1 when it names none), @group and @k, the key parsed in
 * the shape of the group's tiers in @g; false when @g has no such group or
 * the key does not parse.
 */
static bool carry_comment(const struct groups *g, const char *com, int *verdict,
			  char group[IPP_CTIER_NAME_MAX], struct ipp_ckey *k)
{
	const struct ipp_ctier *t;
	size_t pl = strlen(IPP_CARRY_PREFIX), at;
	const char *sp;
	char name[IPP_CTIER_NAME_MAX];
	int v;

	if (strncmp(com, IPP_CARRY_PREFIX, pl))
		return false;
	com += pl;
	*verdict = -1;
	for (v = IPP_CV_ACCEPT; v <= IPP_CV_NEGOTIATE; v++) {
		const char *w = ipp_cverdict_name((enum ipp_cverdict)v);
		size_t wl = strlen(w);

		if (!strncmp(com, w, wl) && com[wl] == ' ') {
			*verdict = v;
			com += wl + 1;
			break;
		}
	}
	if (!(sp = strchr(com, ' ')) || (size_t)(sp - com) >= sizeof(name))
		return false;
	snprintf(name, sizeof(name), "%.*s", (int)(sp - com), com);
	ipp_ctier_group(name, group, IPP_CTIER_NAME_MAX); /* a tier's name, as written before */
	return (t = groups_first(g, group, &at)) && ipp_ckey_parse(&t->shape, sp + 1, k) == 0;
}

/*
 * The element of the form of @g that carry counter @name of @verdict,
 * @group and key @k is for, or NULL: gone, or another rule's now (its
 * carry counter has another name).
 */
static const struct ipp_celem *carry_target(const struct groups *g, int verdict, const char *group,
					    const struct ipp_ckey *k, const char *name,
					    const struct ipp_ctier **tier_ret)
{
	const struct ipp_celem *e = groups_find(g, group, k, tier_ret);
	char want[32];

	if (!e)
		return NULL;
	ipp_carry_name(g->c, *tier_ret, e, verdict, want, sizeof(want));
	return strcmp(want, name) ? NULL : e;
}

/*
 * The element (of the form of @g) that carry counter @name commented
 * @comment is for, or NULL; *@verdict the verdict its packets were given.
 */
static const struct ipp_celem *carry_elem(const struct groups *g, const char *name,
					  const char *comment, const struct ipp_ctier **tier_ret,
					  int *verdict)
{
	const struct ipp_celem *e;
	char group[IPP_CTIER_NAME_MAX];
	struct ipp_ckey k;

	if (!carry_comment(g, comment, verdict, group, &k) ||
	    !(e = carry_target(g, *verdict, group, &k, name, tier_ret)))
		return NULL;
	if (*verdict < 0) /* counted before verdicts were kept: as the element's now */
		*verdict = e->verdict;
	return e;
}

static int counter_order(const void *x, const void *y);

/* Add the flow cache's shares to the element counters (@cs sorted by counter_order()). */
static int merge_flowshares(struct counters *cs, const struct flowshares *fs)
{
	size_t i, n0 = cs->n;

	for (i = 0; i < fs->n; i++) {
		struct ipp_counter key = {0}, *hit;

		key.tier = fs->v[i].tier;
		key.elem = fs->v[i].elem;
		hit = bsearch(&key, cs->v, n0, sizeof(*cs->v), counter_order);
		if (hit) {
			count_as(hit, fs->v[i].verdict, fs->v[i].packets, fs->v[i].bytes);
			continue;
		}
		key.rule = key.elem->rule;
		key.filter = key.elem->filter;
		key.reversed = key.elem->reversed;
		count_as(&key, fs->v[i].verdict, fs->v[i].packets, fs->v[i].bytes);
		if (push_counter(cs, &key) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Keyless tiers are rules: "counter" statements whose comment starts
 * "TIER: ".  The counts @p, @b of a rule commented @com go to its tier of
 * @c (pk, by, seen: per tier), which may be the late tier's of the kernel's
 * walk under the name of its shape (ipp_compiled_rule_tier()).
 */
static void tier_rule_count(const struct ipp_compiled *c, const char *com, uint64_t p, uint64_t b,
			    uint64_t *pk, uint64_t *by, bool *seen)
{
	const struct ipp_ctier *t = ipp_compiled_rule_tier(c, com);
	size_t j;

	if (!t)
		return;
	j = (size_t)(t - c->tiers);
	pk[j] += p;
	by[j] += b;
	seen[j] = true;
}

/*
 * One listing of the whole table, read one object at a time (a map of
 * 100,000 elements is one object; the document as a tree would be ten
 * times the text).
 */
/* The table's counters, read over nfnetlink (no listing of every element as text). */
struct nlread {
	const struct ipp_compiled *c;
	struct counters *cs;
	struct flowshares *fs;
	struct ipp_table_extra *x;
	/* per generation of the flow cache: only the one in force is counted here (the
	 * other waits for the agent's fold, which gives each flow to the element that
	 * decided it then: counted now, a flow whose decider changed would go to the
	 * element that decides it under the new policy) */
	struct ipp_table_extra gx[2];
	struct groups groups;
	uint64_t *pk, *by; /* keyless tiers: their rules' counts */
	bool *seen;
	/* what the kernel holds against @c (elements of its maps that @c lacks, elements
	 * of @c the kernel lacks), as changes made to the kernel's form: the flow cache's
	 * entries were decided by the kernel's */
	size_t *elem_base; /* per tier: the index of its first element in @elem_seen */
	bool *elem_seen;
	struct ipp_patch_change *kch;
	size_t nkch, kcap;
	struct ghost *ghosts;
	size_t nghosts, gcap;
	struct ghost *g; /* the map being read, when it is one */
	/* the set being read; a map: the tiers of @c it counts for */
	struct ipp_ktiers kt;
	int family;
	bool inbound;
	unsigned gen;
	enum ipp_cverdict flow_verdict; /* a flow cache set: what the policy did with its flows */
	uint64_t n;
};

/* A set of the table: its name, flags and size. */
struct nlset {
	char name[IPP_NLRULE_NAME_MAX];
	uint32_t flags, size;
};

struct nlsets {
	struct nlset *v;
	size_t n, cap;
};

static int nl_set(const char *name, uint32_t flags, uint32_t size, void *ctx)
{
	struct nlsets *l = ctx;

	if (ipp_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) < 0)
		return -ENOMEM;
	snprintf(l->v[l->n].name, sizeof(l->v[l->n].name), "%s", name);
	l->v[l->n].flags = flags;
	l->v[l->n++].size = size;
	return 0;
}

/* The outcome (enum ipp_cverdict) a map element's verdict gives, or -1: none of ours. */
static int kernel_verdict(int code, const char *chain)
{
	if (code == NF_ACCEPT)
		return IPP_CV_ACCEPT;
	if (code == NF_DROP)
		return IPP_CV_DROP;
	if (code != NFT_GOTO && code != NFT_JUMP)
		return -1;
	if (!strcmp(chain, "permit"))
		return IPP_CV_ACCEPT;
	if (!strcmp(chain, "block") || !strcmp(chain, "blocked"))
		return IPP_CV_DROP;
	if (!strncmp(chain, "negotiate", 9))
		return IPP_CV_NEGOTIATE;
	return -1;
}

/*
 * The kernel's element of a filter map with key @k, counting @pk packets and
 * @by bytes, is element @e of @t of the compiled form: held by the kernel,
 * and its counts under the verdict the kernel's element gives (another than
 * the compiled one when the stores changed since the table was applied:
 * marked stale).
 */
static int map_elem_count(struct nlread *rd, const struct ipp_ctier *t, const struct ipp_celem *e,
			  int kv, uint64_t pk, uint64_t by)
{
	struct ipp_counter ct = {0};

	if (rd->elem_seen)
		rd->elem_seen[rd->elem_base[t - rd->c->tiers] + (size_t)(e - t->elems)] = true;
	if (kv >= 0 && kv != e->verdict) {
		ct.stale = true;
		ct.kverdict = (uint8_t)kv;
	}
	count_as(&ct, ct.stale ? kv : e->verdict, pk, by);
	ct.tier = t;
	ct.elem = e;
	ct.rule = e->rule;
	ct.filter = e->filter;
	ct.reversed = e->reversed;
	return push_counter(rd->cs, &ct);
}

/*
 * An element of a filter map: its counts to the compiled element of its key
 * (map_elem_count()), on each hook the map is walked on.  A map the kernel
 * holds whole where the compiled form has one per hook is both per-hook
 * maps' element; its counter, which counted the packets of both hooks once,
 * goes whole to the first (the input's), and the other's is listed with none:
 * a filter's count is the sum of its elements' (ipp_driver_counters()).
 */
static int nl_map_elem(const uint8_t *key, size_t keylen, int verdict, const char *chain,
		       uint64_t pk, uint64_t by, void *ctx)
{
	struct nlread *rd = ctx;
	const struct ipp_ktiers *kt = &rd->kt;
	const struct ipp_ctier *t;
	const struct ipp_celem *e, *counted = NULL;
	struct ipp_ckey k;
	int kv = kernel_verdict(verdict, chain);
	unsigned h;
	size_t i;
	int r;

	if (!kt->n && rd->g && ipp_ckey_from_kernel(&rd->g->t.shape, key, keylen, &k) == 0 &&
	    kv >= 0) {
		/* an element of a map the compiled form has no tier for */
		struct ipp_ctier *gt = &rd->g->t;

		if (ipp_grow((void **)&gt->elems, &rd->g->cap, gt->nelems + 1, sizeof(*gt->elems)) <
		    0)
			return -ENOMEM;
		gt->elems[gt->nelems++] = (struct ipp_celem){
		    .key = k, .verdict = (uint8_t)kv, .rule = UINT32_MAX, .weight = gt->weight};
	}
	/* the tiers of one group have one shape */
	if (!kt->n || ipp_ckey_from_kernel(&kt->v[0]->shape, key, keylen, &k) < 0) {
		rd->x->unknown_elems++;
		rd->x->unknown_packets += pk;
		return 0;
	}
	for (h = IPP_CHOOK_IN; h <= IPP_CHOOK_OUT; h <<= 1) {
		if (!(kt->hooks & h))
			continue;
		if ((e = ipp_ktiers_find(kt, h, &k, &t))) {
			/* the same element again: one map on both hooks in the compiled form too */
			if (e == counted)
				continue;
			r = map_elem_count(rd, t, e, kv, counted ? 0 : pk, counted ? 0 : by);
			if (r < 0)
				return r;
			counted = counted ? counted : e;
			continue;
		}
		/* the compiled form lacks it on this hook: deleted from the group's first tier
		 * walked there, for the flows it decided (ipp_compiled_match_before()) */
		for (i = 0; !(kt->v[i]->hooks & h); i++)
			; /* there is one: kt->hooks are those of its tiers */
		if (ipp_grow((void **)&rd->kch, &rd->kcap, rd->nkch + 1, sizeof(*rd->kch)) < 0)
			return -ENOMEM;
		rd->kch[rd->nkch++] =
		    (struct ipp_patch_change){(uint32_t)(kt->v[i] - rd->c->tiers), k, false};
	}
	if (!counted) {
		rd->x->unknown_elems++;
		rd->x->unknown_packets += pk;
	}
	return 0;
}

/* An entry of a flow cache set: the totals of its generation, and its share. */
static int nl_flow_elem(const uint8_t *key, size_t keylen, uint64_t pk, uint64_t by, void *ctx)
{
	struct nlread *rd = ctx;
	struct ipp_table_extra *g = &rd->gx[rd->gen & 1];
	uint8_t src[16], dst[16], proto;
	uint16_t sport, dport;
	size_t n0 = rd->fs->n;
	int r;

	g->flows++;
	g->flow_packets += pk;
	rd->n++;
	if (!flow_key(rd->family, key, keylen, src, dst, &proto, &sport, &dport))
		return 0;
	r = flow_share(rd->c, rd->kch, rd->nkch, rd->family, rd->inbound, src, dst, proto, sport,
		       dport, rd->flow_verdict, pk, by, rd->fs);
	while (n0 < rd->fs->n)
		rd->fs->v[n0++].gen = (int)(rd->gen & 1);
	return r;
}

static int nl_count_elem(const uint8_t *key, size_t keylen, uint64_t pk, uint64_t by, void *ctx)
{
	(void)key, (void)keylen, (void)pk, (void)by;
	((struct nlread *)ctx)->n++;
	return 0;
}

/* A rule that counts: a keyless tier's, or a negotiate chain's drop. */
static int nl_rule(const char *chain, const char *comment, uint64_t pk, uint64_t by, void *ctx)
{
	struct nlread *rd = ctx;

	(void)chain;
	tier_rule_count(rd->c, comment, pk, by, rd->pk, rd->by, rd->seen);
	if (!strcmp(comment, IPP_NEGOTIATE_DROP_COMMENT)) {
		rd->x->negotiate = true;
		rd->x->neg_drop_packets += pk;
		rd->x->neg_drop_bytes += by;
	}
	return 0;
}

/* A named counter: a carry counter's share, or the negotiate drops of tables replaced. */
static int nl_counter(const char *name, const char *comment, uint64_t pk, uint64_t by, void *ctx)
{
	struct nlread *rd = ctx;
	const struct ipp_ctier *t = NULL;
	const struct ipp_celem *e;
	int v = -1;

	if (!strcmp(comment, IPP_NEGOTIATE_DROP_CARRY_COMMENT)) {
		rd->x->neg_drop_packets += pk;
		rd->x->neg_drop_bytes += by;
		return 0;
	}
	if (!(e = carry_elem(&rd->groups, name, comment, &t, &v)))
		return 0;
	if (ipp_grow((void **)&rd->fs->v, &rd->fs->cap, rd->fs->n + 1, sizeof(*rd->fs->v)) < 0)
		return -ENOMEM;
	rd->fs->v[rd->fs->n++] = (struct flowshare){t, e, v, pk, by, -1};
	return 0;
}

static int elem_key_cmp(const void *x, const void *y)
{
	return memcmp(&((const struct ipp_celem *)x)->key, &((const struct ipp_celem *)y)->key,
		      sizeof(struct ipp_ckey));
}

/*
 * Each set of the table read: the filter maps and the generation switch
 * (@flows false), or the flow cache sets (@flows), which are counted against
 * the maps the kernel has.
 */
static int nl_sets(struct nlread *rd, const struct nlsets *l, bool flows, int *in_force)
{
	enum ipp_cverdict v;
	bool pair;
	size_t i;
	int r = 0;

	for (i = 0; i < l->n && r >= 0; i++) {
		const char *name = l->v[i].name;

		rd->n = 0;
		if (l->v[i].flags & NFT_SET_ANONYMOUS)
			continue; /* a rule's own ({ ... } in its text) */
		if (ipp_nft_alive_map(name) || ipp_nft_cells_map(name))
			continue; /* the table's liveness, the cells: no filter's */
		if (l->v[i].flags & NFT_SET_MAP) {
			if (flows)
				continue;
			ipp_compiled_kernel_tiers(rd->c, name, &rd->kt);
			rd->g = NULL;
			if (!rd->kt.n &&
			    ipp_grow((void **)&rd->ghosts, &rd->gcap, rd->nghosts + 1,
				     sizeof(*rd->ghosts)) == 0 &&
			    ipp_ctier_parse_name(name, &rd->ghosts[rd->nghosts].t)) {
				rd->g = &rd->ghosts[rd->nghosts++];
				rd->g->cap = 0;
			}
			r = ipp_nlmap_read(name, nl_map_elem, rd);
			if (rd->g && rd->g->t.nelems > 1)
				qsort(rd->g->t.elems, rd->g->t.nelems, sizeof(*rd->g->t.elems),
				      elem_key_cmp);
		} else if (ipp_flowcache_parse(name, &rd->family, &rd->inbound, &v, &rd->gen,
					       &pair)) {
			if (!flows)
				continue;
			rd->flow_verdict = v;
			rd->gx[rd->gen & 1].flow_cache = true;
			r = ipp_nlset_read(name, nl_flow_elem, rd);
			if (r == 0 && l->v[i].size && rd->n >= l->v[i].size)
				rd->gx[rd->gen & 1].flow_full = true;
		} else if (!flows && (!strcmp(name, "fc_on_g0") || !strcmp(name, "fc_on_g1"))) {
			/* the switch set that holds tcp and udp: the generation in force */
			r = ipp_nlset_read(name, nl_count_elem, rd);
			if (r == 0 && rd->n > 0)
				*in_force = name[7] - '0';
		}
		if (r == -ENOENT)
			r = 0; /* gone meanwhile: another apply */
	}
	return r;
}

/*
 * After the maps and rules are read: the elements of the compiled form the
 * kernel lacks go to rd->kch as added (those it has but the form lacks are
 * there as deleted), sorted for ipp_compiled_match_before().
 */
static int kernel_changes(struct nlread *rd)
{
	const struct ipp_compiled *c = rd->c;

	for (size_t j = 0; j < c->ntiers; j++) {
		const struct ipp_ctier *t = &c->tiers[j];

		for (size_t k = 0; k < t->nelems; k++) {
			bool have = ipp_ctier_keyless(t) ? rd->seen[j]
							 : rd->elem_seen[rd->elem_base[j] + k];

			if (have)
				continue;
			if (ipp_grow((void **)&rd->kch, &rd->kcap, rd->nkch + 1, sizeof(*rd->kch)) <
			    0)
				return -ENOMEM;
			rd->kch[rd->nkch++] =
			    (struct ipp_patch_change){(uint32_t)j, t->elems[k].key, true};
		}
	}
	ipp_patch_changes_sort(rd->kch, rd->nkch);
	return 0;
}

/*
 * The counters of the table's elements in @cs, the flow cache's shares in
 * @fs: of the generation in force, or with @all_gens of both (a generation
 * left behind that no agent folded: its agent stopped before it could).
 */
static int table_counters(const struct ipp_compiled *c, struct counters *cs, struct flowshares *fs,
			  struct ipp_table_extra *x, bool all_gens, struct ipp_error *err)
{
	struct nlread rd = {.c = c, .cs = cs, .fs = fs, .x = x};
	struct nlsets sets = {0};
	int in_force = -1;
	size_t j;
	int r;

	rd.pk = calloc(c->ntiers + 1, sizeof(*rd.pk));
	rd.by = calloc(c->ntiers + 1, sizeof(*rd.by));
	rd.seen = calloc(c->ntiers + 1, sizeof(*rd.seen));
	rd.elem_base = calloc(c->ntiers + 1, sizeof(*rd.elem_base));
	rd.elem_seen = calloc(c->nelems + 1, sizeof(*rd.elem_seen));
	if (!rd.pk || !rd.by || !rd.seen || !rd.elem_base || !rd.elem_seen ||
	    groups_build(c, &rd.groups) < 0) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (j = 0; j + 1 <= c->ntiers; j++)
		rd.elem_base[j + 1] = rd.elem_base[j] + c->tiers[j].nelems;
	/* the maps and rules first: the flow cache's entries are counted against them */
	if ((r = ipp_nlsets_list(nl_set, &sets)) == 0 &&
	    (r = nl_sets(&rd, &sets, false, &in_force)) == 0 &&
	    (r = ipp_nlrules_read(nl_rule, &rd)) == 0 && (r = kernel_changes(&rd)) == 0) {
		fs->ghosts = rd.ghosts;
		fs->nghosts = rd.nghosts;
		if ((r = nl_sets(&rd, &sets, true, &in_force)) == 0)
			r = ipp_nlcounters_read(nl_counter, &rd);
	}
	if (r < 0) {
		r = ipp_err(err, -r, "cannot read the counters of table %s %s: %s", IPP_NFT_FAMILY,
			    IPP_NFT_TABLE, strerror(-r));
		goto out;
	}
	/* the generation in force (both when the switch sets do not say) and the carries */
	for (int g = 0; g < 2; g++) {
		x->flow_cache |= rd.gx[g].flow_cache;
		if (in_force >= 0 && g != in_force)
			continue;
		x->flows += rd.gx[g].flows;
		x->flow_packets += rd.gx[g].flow_packets;
		x->flow_full |= rd.gx[g].flow_full;
	}
	if (in_force >= 0 && !all_gens) {
		size_t k = 0;

		for (j = 0; j < fs->n; j++)
			if (fs->v[j].gen < 0 || fs->v[j].gen == in_force)
				fs->v[k++] = fs->v[j];
		fs->n = k;
	}
	for (j = 0; j < c->ntiers && r == 0; j++) {
		const struct ipp_ctier *t = &c->tiers[j];
		struct ipp_counter ct = {0};

		if (!rd.seen[j])
			continue;
		ct.tier = t;
		ct.elem = &t->elems[0];
		ct.rule = t->elems[0].rule;
		ct.filter = t->elems[0].filter;
		ct.reversed = t->elems[0].reversed;
		count_as(&ct, t->elems[0].verdict, rd.pk[j], rd.by[j]);
		if (push_counter(cs, &ct) < 0)
			r = ipp_err(err, ENOMEM, "out of memory");
	}
	/* the packets of flows decided by elements the compiled form lacks */
	x->unknown_packets += fs->gone_packets;
out:
	free(rd.pk);
	free(rd.by);
	free(rd.seen);
	free(rd.elem_base);
	free(rd.elem_seen);
	free(rd.kch);
	for (j = 0; j < rd.nghosts; j++)
		free(rd.ghosts[j].t.elems);
	free(rd.ghosts);
	fs->ghosts = NULL;
	fs->nghosts = 0;
	free(rd.groups.v);
	free(sets.v);
	return r;
}

static int counter_order(const void *x, const void *y)
{
	const struct ipp_counter *a = x, *b = y;

	if (a->tier != b->tier)
		return a->tier < b->tier ? -1 : 1;
	return a->elem < b->elem ? -1 : a->elem > b->elem;
}

static int counters_read(struct ipp_driver *d, const struct ipp_compiled *c, bool all_gens,
			 struct ipp_counter **ret, size_t *ret_n, struct ipp_table_extra *extra,
			 struct ipp_error *err);

int ipp_driver_counters(struct ipp_driver *d, const struct ipp_compiled *c,
			struct ipp_counter **ret, size_t *ret_n, struct ipp_table_extra *extra,
			struct ipp_error *err)
{
	return counters_read(d, c, false, ret, ret_n, extra, err);
}

static int counters_read(struct ipp_driver *d, const struct ipp_compiled *c, bool all_gens,
			 struct ipp_counter **ret, size_t *ret_n, struct ipp_table_extra *extra,
			 struct ipp_error *err)
{
	struct ipp_table_extra x = {0};
	struct counters cs = {0};
	struct flowshares fs = {0};
	bool exists = false;
	int r;

	if ((r = ipp_driver_table_exists(d, &exists, err)) < 0)
		return r;
	if (!exists)
		return ipp_err(err, ENOENT, "table %s %s does not exist: no policy is enforced",
			       IPP_NFT_FAMILY, IPP_NFT_TABLE);
	/*
	 * The reads (maps, rules, flow sets, carry counters) are several dumps: a
	 * transaction between them (the agent folding a flow cache generation into the
	 * carry counters) would count its packets twice, or not at all.  Read again until
	 * the ruleset's generation is the same before and after (a few times at most).
	 */
	for (int attempt = 0;; attempt++) {
		uint32_t g0 = 0, g1 = 0;
		bool known = ipp_nlgen(&g0) == 0;

		if ((r = table_counters(c, &cs, &fs, &x, all_gens, err)) < 0)
			goto fail;
		if (!known || ipp_nlgen(&g1) < 0 || g0 == g1 || attempt == 4)
			break;
		free(fs.v);
		free(fs.loc.v);
		free(cs.v);
		memset(&fs, 0, sizeof(fs));
		memset(&cs, 0, sizeof(cs));
		memset(&x, 0, sizeof(x));
	}
	if (extra)
		*extra = x;
	if (cs.n)
		qsort(cs.v, cs.n, sizeof(*cs.v), counter_order);
	if (fs.n) {
		if (merge_flowshares(&cs, &fs) < 0) {
			r = ipp_err(err, ENOMEM, "out of memory");
			goto fail;
		}
		qsort(cs.v, cs.n, sizeof(*cs.v), counter_order);
	}
	free(fs.v);
	free(fs.loc.v);
	*ret = cs.v;
	*ret_n = cs.n;
	return 0;
fail:
	free(fs.v);
	free(fs.loc.v);
	free(cs.v);
	return r;
}


/* ---------- folding a flow cache generation ---------- */

/* Each top-level item of the JSON documents in @out (one per command), given to @fn. */
static int each_item(const char *out, int (*fn)(const struct ipp_json *item, void *ctx), void *ctx)
{
	const char *p = out;
	int r = 0;

	while ((p = strstr(p, "\"nftables\""))) {
		p = strchr(p, '[');
		if (!p)
			return -EBADMSG;
		p++;
		for (;;) {
			struct ipp_json *item = NULL;

			while (*p == ' ' || *p == '\n' || *p == '\t' || *p == ',')
				p++;
			if (*p == ']' || !*p)
				break;
			if (ipp_json_parse_next(&p, &item) < 0)
				return -EBADMSG;
			r = fn(item, ctx);
			ipp_json_free(item);
			if (r < 0)
				return r;
		}
	}
	return r;
}

void ipp_carry_book_clear(struct ipp_carry_book *b)
{
	free(b->v);
	memset(b, 0, sizeof(*b));
}

static int entry_order(const void *x, const void *y)
{
	return strcmp(((const struct ipp_carry_entry *)x)->name,
		      ((const struct ipp_carry_entry *)y)->name);
}

struct fold {
	const struct ipp_compiled *now, *before;
	const struct ipp_patch_change *ch;
	size_t nch;
	struct groups groups; /* of @now */
	struct flowshares fs;
	struct ipp_carry_book kernel; /* the carry counters read from the kernel */
};

/* A flow cache set being folded. */
struct fold_set {
	struct fold *f;
	int family;
	bool inbound;
	enum ipp_cverdict verdict; /* what the policy did with its flows */
};

/*
 * One entry of a flow cache set read over nfnetlink: its key is the
 * kernel's concatenation, each field padded to 4 bytes: source,
 * destination, protocol (one byte), then for TCP and UDP source and
 * destination port (network byte order).
 */
static int fold_elem(const uint8_t *key, size_t keylen, uint64_t packets, uint64_t bytes, void *ctx)
{
	struct fold_set *fs = ctx;
	uint8_t src[16], dst[16], proto;
	uint16_t sport, dport;

	if (!flow_key(fs->family, key, keylen, src, dst, &proto, &sport, &dport))
		return 0; /* not a flow of this family */
	return flow_share(fs->f->before, fs->f->ch, fs->f->nch, fs->family, fs->inbound, src, dst,
			  proto, sport, dport, fs->verdict, packets, bytes, &fs->f->fs);
}

/* A named counter of the table: a carry counter into f->kernel (its element may be gone). */
static int fold_carry(const char *name, const char *comment, uint64_t packets, uint64_t bytes,
		      void *ctx)
{
	struct fold *f = ctx;
	struct ipp_carry_entry en = {0};
	size_t pl = strlen(IPP_CARRY_PREFIX);

	if (strncmp(comment, IPP_CARRY_PREFIX, pl) || strlen(name) >= sizeof(en.name))
		return 0;
	snprintf(en.name, sizeof(en.name), "%s", name);
	en.packets = packets;
	en.bytes = bytes;
	/* an element the form in force does not know keeps a zero key: it goes */
	if (!carry_comment(&f->groups, comment, &en.verdict, en.tier, &en.key))
		memset(&en.key, 0, sizeof(en.key));
	if (ipp_grow((void **)&f->kernel.v, &f->kernel.cap, f->kernel.n + 1,
		     sizeof(*f->kernel.v)) < 0)
		return -ENOMEM;
	f->kernel.v[f->kernel.n++] = en;
	return 0;
}

static int carry_order(const void *x, const void *y)
{
	const struct ipp_carry *a = x, *b = y;

	if (a->tier != b->tier)
		return a->tier < b->tier ? -1 : 1;
	if (a->elem != b->elem)
		return a->elem < b->elem ? -1 : 1;
	return (a->verdict > b->verdict) - (a->verdict < b->verdict);
}

/*
 * Sort @v (@n shares) by element and verdict and add up those of one
 * element and verdict; the count left.
 */
static size_t carry_merge(struct ipp_carry *v, size_t n)
{
	size_t i, j;

	qsort(v, n, sizeof(*v), carry_order);
	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 && !carry_order(&v[j - 1], &v[i])) {
			v[j - 1].packets += v[i].packets;
			v[j - 1].bytes += v[i].bytes;
			continue;
		}
		v[j++] = v[i];
	}
	return j;
}

/* Is the element of a carry entry in force (in the form of @g)? */
static bool entry_in_force(const struct groups *g, const struct ipp_carry_entry *en)
{
	const struct ipp_ctier *t;

	return carry_target(g, en->verdict, en->tier, &en->key, en->name, &t) != NULL;
}

/* The carry counters the kernel has into f->kernel (valid once read). */
static int kernel_book(struct fold *f, struct ipp_error *err)
{
	int r = ipp_nlcounters_read(fold_carry, f);

	if (r < 0)
		return ipp_err(err, -r, "cannot read the carry counters: %s", strerror(-r));
	f->kernel.valid = true;
	return 0;
}

/*
 * The fold's transaction of generation @gen for @book's carry counters
 * (what is in the kernel) and the shares @out (one per element, sorted);
 * @book is updated to what the transaction makes of them, in @next.  With
 * @gen < 0 no set is emptied.  Carry counters whose element is not in
 * force (gone, or another rule's now) are deleted.
 */
static int fold_text(const struct groups *now, int gen, struct ipp_carry *out, size_t nout,
		     const struct ipp_carry_book *book, struct ipp_carry_book *next, char **text)
{
	const char **stale = NULL;
	size_t nstale = 0, i, tlen = 0, n0;
	FILE *mem;

	memset(next, 0, sizeof(*next));
	stale = calloc(book->n + 1, sizeof(*stale));
	next->v = calloc(book->n + nout + 1, sizeof(*next->v));
	if (!stale || !next->v) {
		free(stale);
		free(next->v);
		return -ENOMEM;
	}
	next->cap = book->n + nout + 1;
	next->valid = true;
	for (i = 0; i < book->n; i++) {
		if (entry_in_force(now, &book->v[i]))
			next->v[next->n++] = book->v[i];
		else
			stale[nstale++] = book->v[i].name;
	}
	qsort(next->v, next->n, sizeof(*next->v), entry_order);
	for (i = 0; i < nout; i++) {
		struct ipp_carry_entry key = {0}, *had;

		ipp_carry_name(now->c, out[i].tier, out[i].elem, out[i].verdict, key.name,
			       sizeof(key.name));
		had = next->n ? bsearch(&key, next->v, next->n, sizeof(*next->v), entry_order)
			      : NULL;
		out[i].existed = had != NULL;
		if (had) {
			out[i].packets += had->packets;
			out[i].bytes += had->bytes;
		}
	}
	/* the book after the transaction: totals written over, new ones at the end */
	n0 = next->n;
	for (i = 0; i < nout; i++) {
		struct ipp_carry_entry en = {0}, *had;

		ipp_carry_name(now->c, out[i].tier, out[i].elem, out[i].verdict, en.name,
			       sizeof(en.name));
		had = n0 ? bsearch(&en, next->v, n0, sizeof(*next->v), entry_order) : NULL;
		if (!had) {
			had = &next->v[next->n++];
			snprintf(had->name, sizeof(had->name), "%s", en.name);
			had->verdict = out[i].verdict;
			ipp_ctier_group(out[i].tier->name, had->tier, sizeof(had->tier));
			had->key = out[i].elem->key;
		}
		had->packets = out[i].packets;
		had->bytes = out[i].bytes;
	}
	qsort(next->v, next->n, sizeof(*next->v), entry_order);
	*text = NULL;
	if (!(mem = open_memstream(text, &tlen))) {
		free(stale);
		ipp_carry_book_clear(next);
		return -ENOMEM;
	}
	if (gen >= 0)
		ipp_flow_fold_emit(now->c, (unsigned)gen, out, nout, stale, nstale, mem);
	else
		ipp_carry_emit(now->c, out, nout, stale, nstale, mem);
	free(stale);
	if (fclose(mem) != 0) {
		free(*text);
		*text = NULL;
		ipp_carry_book_clear(next);
		return -ENOMEM;
	}
	return 0;
}

int ipp_driver_flow_fold(struct ipp_driver *d, const struct ipp_compiled *now,
			 const struct ipp_compiled *before, const struct ipp_patch_change *ch,
			 size_t nch, unsigned gen, const struct ipp_hostaddrs *me,
			 struct ipp_carry_book *book, uint64_t *folded, struct ipp_error *err)
{
	struct fold f = {now, before ? before : now, ch, nch, {0}, {0}, {0}};
	struct ipp_carry_book next = {0};
	struct ipp_carry *out = NULL;
	size_t nout = 0, i;
	uint64_t total = 0;
	char *text = NULL;
	unsigned fm, h, v, k, attempt;
	int r = 0;

	if (me && (f.fs.loc.v = calloc(me->n + 1, sizeof(*me->v)))) {
		/* "me" as it was when the generation's flows were decided */
		memcpy(f.fs.loc.v, me->v, me->n * sizeof(*me->v));
		f.fs.loc.n = me->n;
		f.fs.loc_loaded = true;
	}

	if (groups_build(now, &f.groups) < 0)
		return ipp_err(err, ENOMEM, "out of memory");
	/* the generation's sets, over nfnetlink: libnftables formats every entry (30,000
	 * flows: seconds, the agent deaf meanwhile) */
	for (k = 0; k < 2; k++)
		for (fm = 0; fm < 2; fm++)
			for (h = 0; h < 2; h++)
				for (v = 0; v < 3; v++) {
					struct fold_set fset = {&f, fm ? AF_INET6 : AF_INET, h == 0,
								(enum ipp_cverdict)v};
					char name[32];

					ipp_flowcache_name(fset.family, fset.inbound,
							   (enum ipp_cverdict)v, gen, k, name,
							   sizeof(name));
					if ((r = ipp_nlset_read(name, fold_elem, &fset)) < 0) {
						r = ipp_err(err, -r,
							    "cannot read the flow cache set %s: %s",
							    name, strerror(-r));
						goto out;
					}
				}
	/* the shares, as elements of @now (a difference replaced @before), each in the
	 * first tier of its group that holds it (the one its carry counter is read for) */
	out = calloc(f.fs.n + 1, sizeof(*out));
	if (!out) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < f.fs.n; i++) {
		const struct ipp_ctier *t = NULL;
		const struct ipp_celem *e =
		    groups_same(&f.groups, f.before, f.fs.v[i].tier, f.fs.v[i].elem, &t);

		if (!e)
			continue; /* gone with the change: its counts with it */
		out[nout++] = (struct ipp_carry){
		    t, e, f.fs.v[i].verdict, f.fs.v[i].packets, f.fs.v[i].bytes, false};
		total += f.fs.v[i].packets;
	}
	nout = carry_merge(out, nout);
	/* the book says what carry counters the kernel has; if the transaction finds
	 * otherwise (someone else replaced the table), read them and try once more */
	for (attempt = 0; attempt < 2; attempt++) {
		struct ipp_carry_book *have = book && book->valid && attempt == 0 ? book : &f.kernel;
		struct ipp_carry *try = calloc(nout + 1, sizeof(*try));

		if (!try) {
			r = ipp_err(err, ENOMEM, "out of memory");
			goto out;
		}
		memcpy(try, out, nout * sizeof(*out));
		if (have == &f.kernel && !f.kernel.valid && (r = kernel_book(&f, err)) < 0) {
			free(try);
			goto out;
		}
		if (fold_text(&f.groups, (int)gen, try, nout, have, &next, &text) < 0) {
			free(try);
			r = ipp_err(err, ENOMEM, "out of memory");
			goto out;
		}
		free(try);
		r = ipp_driver_run(d, text, false, err);
		free(text);
		text = NULL;
		if (r == 0)
			break;
		ipp_carry_book_clear(&next);
		if (have == &f.kernel)
			goto out;
		ipp_err_clear(err);
	}
	if (book) {
		ipp_carry_book_clear(book);
		*book = next;
	} else {
		ipp_carry_book_clear(&next);
	}
	if (folded)
		*folded = total;
out:
	free(text);
	free(out);
	free(f.fs.v);
	free(f.fs.loc.v);
	free(f.groups.v);
	ipp_carry_book_clear(&f.kernel);
	if (r < 0 && book)
		book->valid = false;
	return r;
}

/* ---------- counts a difference would reset ---------- */

/* The tier of the form of @g named @name, or NULL. */
static const struct ipp_ctier *groups_named(const struct groups *g, const char *name)
{
	char group[IPP_CTIER_NAME_MAX];
	size_t i;

	ipp_ctier_group(name, group, sizeof(group));
	for (groups_first(g, group, &i); i < g->n && !strcmp(g->v[i].name, group); i++)
		if (!strcmp(g->v[i].t->name, name))
			return g->v[i].t;
	return NULL;
}

/* Shapes of the same key that differ at most in the rule's connection type. */
static bool shape_same_key(const struct ipp_cshape *a, const struct ipp_cshape *b)
{
	struct ipp_cshape x = *a, y = *b;

	x.conn = y.conn = 0;
	return !memcmp(&x, &y, sizeof(x));
}

/*
 * groups_same(), and when that finds nothing, the element of the same key
 * and owner in a tier of @g whose shape differs only in the connection type
 * (the rule's changed: its tiers have other names).
 */
static const struct ipp_celem *carry_same(const struct groups *g, const struct ipp_compiled *from,
					  const struct ipp_ctier *t, const struct ipp_celem *e,
					  const struct ipp_ctier **tier_ret)
{
	const struct ipp_celem *e2 = groups_same(g, from, t, e, tier_ret);

	for (size_t i = 0; !e2 && i < g->c->ntiers; i++) {
		const struct ipp_ctier *t2 = &g->c->tiers[i];

		if (t2->shape.conn == t->shape.conn || !shape_same_key(&t2->shape, &t->shape))
			continue;
		e2 = ipp_ctier_decider(t2, &e->key);
		if (e2 && !ipp_celem_same_owner(from, e, g->c, e2))
			e2 = NULL;
		if (e2)
			*tier_ret = t2;
	}
	return e2;
}

/*
 * Element @e of tier @t (of @cur) as the difference to @new (of @g) leaves
 * it: NULL when it stays as it is or goes, else the element of @new it
 * becomes (deleted and added again, in its tier or another of its group).
 */
static const struct ipp_celem *replaced(const struct ipp_compiled *cur,
					const struct ipp_compiled *new, const struct groups *g,
					const struct ipp_ctier *t, const struct ipp_celem *e,
					const struct ipp_ctier **tier_ret)
{
	const struct ipp_ctier *same = groups_named(g, t->name);
	const struct ipp_celem *s = same ? ipp_ctier_decider(same, &e->key) : NULL;

	if (s && ipp_celem_same(cur, e, new, s))
		return NULL;
	return carry_same(g, cur, t, e, tier_ret);
}

struct replaced_read {
	const struct ipp_compiled *cur;
	struct counters cs;
	uint64_t *pk, *by; /* per tier of @cur: the keyless ones' rule counters */
	bool *seen;
	const char *diff; /* the difference: the chains it flushes are read */
};

static const char flush_chain[] = "flush chain " IPP_NFT_FAMILY " " IPP_NFT_TABLE " ";

/* Does the difference @diff flush chain @name? */
static bool flushes(const char *diff, const char *name)
{
	size_t pl = strlen(flush_chain), nl = strlen(name);
	const char *p;

	for (p = diff; (p = strstr(p, flush_chain)); p++)
		if ((p == diff || p[-1] == '\n') && !strncmp(p + pl, name, nl) &&
		    (p[pl + nl] == '\n' || !p[pl + nl]))
			return true;
	return false;
}

static int replaced_item(const struct ipp_json *item, void *ctx);

/* The element counters of map @name into @rr. */
static int replaced_map(struct replaced_read *rr, const char *name, struct ipp_error *err)
{
	char cmd[160], *listing = NULL;
	int r;

	snprintf(cmd, sizeof(cmd), "list map %s %s %s", IPP_NFT_FAMILY, IPP_NFT_TABLE, name);
	if ((r = fresh_query(cmd, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_NUMERIC_ALL, &listing,
			     err)) < 0)
		return r;
	if ((r = each_item(listing, replaced_item, rr)) < 0)
		r = ipp_err(err, -r, "cannot read the counters of map %s", name);
	free(listing);
	return r;
}

static int replaced_item(const struct ipp_json *item, void *ctx)
{
	struct replaced_read *rr = ctx;
	const struct ipp_json *m = ipp_json_get(item, "map");
	const struct ipp_json *name = m ? ipp_json_get(m, "name") : NULL;
	struct ipp_table_extra unknown = {
	    0}; /* (elements the form in force lacks: none to carry) */
	const struct ipp_ctier *t;

	if (name && name->type == IPP_JSON_STRING && (t = ipp_compiled_tier(rr->cur, name->str)))
		return map_counters(t, m, &rr->cs, &unknown);
	return 0;
}

/* A rule read over nfnetlink: its counts when the difference flushes its chain. */
static int replaced_rule(const char *chain, const char *comment, uint64_t packets, uint64_t bytes,
			 void *ctx)
{
	struct replaced_read *rr = ctx;

	if (flushes(rr->diff, chain))
		tier_rule_count(rr->cur, comment, packets, bytes, rr->pk, rr->by, rr->seen);
	return 0;
}

int ipp_driver_carry_replaced(const struct ipp_compiled *cur, const struct ipp_compiled *new,
			      const char *diff, const struct ipp_carry_book *book, char **ret,
			      struct ipp_carry_book *next, struct ipp_error *err)
{
	struct fold f = {new, cur, NULL, 0, {0}, {0}, {0}};
	struct replaced_read rr = {cur, {0}, NULL, NULL, NULL, diff};
	struct groups was = {0}; /* of @cur */
	bool *want = NULL;
	struct ipp_carry *out = NULL;
	size_t i, j, nout = 0;
	int r = 0;

	*ret = NULL;
	memset(next, 0, sizeof(*next));
	rr.pk = calloc(cur->ntiers + 1, sizeof(*rr.pk));
	rr.by = calloc(cur->ntiers + 1, sizeof(*rr.by));
	rr.seen = calloc(cur->ntiers + 1, sizeof(*rr.seen));
	if (!rr.pk || !rr.by || !rr.seen || groups_build(new, &f.groups) < 0) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	/* the maps with elements deleted and added again */
	if (!(want = calloc(cur->ntiers + 1, sizeof(*want)))) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < cur->ntiers; i++) {
		const struct ipp_ctier *t = &cur->tiers[i], *t2;

		if (ipp_ctier_keyless(t))
			continue;
		for (j = 0; j < t->nelems && !want[i]; j++)
			want[i] = replaced(cur, new, &f.groups, t, &t->elems[j], &t2) != NULL;
	}
	for (i = 0; i < cur->ntiers && r == 0; i++)
		if (want[i])
			r = replaced_map(&rr, cur->tiers[i].name, err);
	/* the walk chains the difference flushes: the rule counters of keyless tiers, over
	 * nfnetlink (libnftables lists a chain only after reading every set element of the
	 * table into its cache, flow caches included, and one chain per buffer) */
	if (r == 0 && strstr(diff, flush_chain) && (r = ipp_nlrules_read(replaced_rule, &rr)) < 0)
		r = ipp_err(err, -r, "cannot read the rule counters of the table: %s",
			    strerror(-r));
	if (r < 0)
		goto out;
	if (!book || !book->valid) {
		if ((r = kernel_book(&f, err)) < 0)
			goto out;
		book = &f.kernel;
	}
	out = calloc(rr.cs.n + cur->ntiers + book->n + 1, sizeof(*out));
	if (!out || groups_build(cur, &was) < 0) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < rr.cs.n; i++) {
		const struct ipp_ctier *t2 = NULL;
		const struct ipp_counter *ct = &rr.cs.v[i];
		const struct ipp_celem *e2 = ct->packets ? replaced(cur, new, &f.groups, ct->tier,
								  ct->elem, &t2)
							: NULL;

		if (e2) /* (an element's own counter: one verdict, the element's) */
			out[nout++] = (struct ipp_carry){t2,	      e2,	 ct->elem->verdict,
							 ct->packets, ct->bytes, false};
	}
	for (i = 0; i < cur->ntiers; i++) {
		const struct ipp_ctier *t = &cur->tiers[i], *t2 = NULL;
		const struct ipp_celem *e2;

		if (!rr.seen[i] || !rr.pk[i] || !t->nelems ||
		    !(e2 = carry_same(&f.groups, cur, t, &t->elems[0], &t2)))
			continue;
		out[nout++] =
		    (struct ipp_carry){t2, e2, t->elems[0].verdict, rr.pk[i], rr.by[i], false};
	}
	/* carry counters of elements the difference moves to maps of another connection
	 * type (their rule's changed): what they hold goes with the element */
	for (i = 0; i < book->n; i++) {
		const struct ipp_carry_entry *en = &book->v[i];
		const struct ipp_ctier *t = NULL, *t2 = NULL;
		const struct ipp_celem *e, *e2;

		if (!en->packets || entry_in_force(&f.groups, en) ||
		    !(e = carry_target(&was, en->verdict, en->tier, &en->key, en->name, &t)) ||
		    !(e2 = carry_same(&f.groups, cur, t, e, &t2)) ||
		    t2->shape.conn == t->shape.conn)
			continue;
		out[nout++] = (struct ipp_carry){
		    t2,		 e2,	    en->verdict >= 0 ? en->verdict : e->verdict,
		    en->packets, en->bytes, false};
	}
	nout = carry_merge(out, nout);
	if (fold_text(&f.groups, -1, out, nout, book, next, ret) < 0)
		r = ipp_err(err, ENOMEM, "out of memory");
out:
	free(out);
	free(want);
	free(rr.cs.v);
	free(rr.pk);
	free(rr.by);
	free(rr.seen);
	free(f.groups.v);
	free(was.v);
	ipp_carry_book_clear(&f.kernel);
	return r;
}

int ipp_driver_carry_whole(struct ipp_driver *d, const struct ipp_compiled *cur,
			   const struct ipp_compiled *new, char **ret, struct ipp_carry_book *next,
			   struct ipp_error *err)
{
	const struct ipp_carry_book none = {true, NULL, 0, 0}; /* a new table has none */
	struct ipp_table_extra x = {0};
	struct groups g = {0};
	struct ipp_counter *v = NULL;
	struct ipp_carry *out = NULL;
	size_t n = 0, i, nout = 0;
	int r;

	*ret = NULL;
	memset(next, 0, sizeof(*next));
	/* both generations of the flow cache: one an agent stopped before folding it (a
	 * restart replaces the table it left) has counts of its own; folded, it is empty */
	if ((r = counters_read(d, cur, true, &v, &n, &x, err)) < 0)
		return r;
	if (groups_build(new, &g) < 0 || !(out = calloc(3 * n + 1, sizeof(*out)))) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct ipp_ctier *t2 = NULL;
		const struct ipp_celem *e2;
		int vd;

		if (!v[i].packets || !(e2 = carry_same(&g, cur, v[i].tier, v[i].elem, &t2)))
			continue;
		for (vd = IPP_CV_ACCEPT; vd <= IPP_CV_NEGOTIATE; vd++)
			if (v[i].vpackets[vd])
				out[nout++] = (struct ipp_carry){
				    t2, e2, vd, v[i].vpackets[vd], v[i].vbytes[vd], false};
	}
	nout = carry_merge(out, nout);
	if (fold_text(&g, -1, out, nout, &none, next, ret) < 0) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	/* the negotiate chains' drops too (the new table's own count starts at 0) */
	if (x.neg_drop_packets) {
		char *all = NULL;

		if (asprintf(&all,
			     "%sadd counter " IPP_NFT_FAMILY " " IPP_NFT_TABLE
			     " " IPP_NEGOTIATE_DROP_CARRY_NAME " { packets %llu bytes %llu; "
			     "comment \"" IPP_NEGOTIATE_DROP_CARRY_COMMENT "\"; }\n",
			     *ret ? *ret : "", (unsigned long long)x.neg_drop_packets,
			     (unsigned long long)x.neg_drop_bytes) < 0) {
			r = ipp_err(err, ENOMEM, "out of memory");
			goto out;
		}
		free(*ret);
		*ret = all;
	}
out:
	free(out);
	free(v);
	free(g.v);
	return r;
}

int ipp_driver_flow_fill(unsigned gen, uint64_t ret[12], struct ipp_error *err)
{
	uint64_t bytes;
	unsigned i;
	int r;

	/* over nfnetlink, one counter at a time: libnftables would read the definition of
	 * every set of the table first, for each change (a thousand maps: tens of ms) */
	memset(ret, 0, 12 * sizeof(*ret));
	for (i = 0; i < 12; i++) {
		char name[32];

		ipp_flowfill_name(i, gen, name, sizeof(name));
		if ((r = ipp_nlcounter_reset(name, &ret[i], &bytes)) < 0)
			return ipp_err(err, -r, "cannot read the flow cache's fill counter %s: %s",
				       name, strerror(-r));
	}
	return 0;
}

/* ---------- the table's elements against the compiled form ---------- */

struct gate_read {
	uint8_t bits[IPP_GATE_BUCKETS / 8];
};

static int gate_elem(const uint8_t *key, size_t keylen, uint64_t pk, uint64_t by, void *ctx)
{
	struct gate_read *g = ctx;
	unsigned v;

	(void)pk;
	(void)by;
	if (keylen < 2)
		return 0;
	v = (unsigned)key[0] << 8 | key[1];
	g->bits[v / 8] |= (uint8_t)(1u << (v % 8));
	return 0;
}

/* A kernel map read against its tier (ipp_driver_verify()). */
struct verify_read {
	const struct ipp_ctier *t;
	size_t found, extra, stale;
};

static int verify_elem(const uint8_t *key, size_t keylen, int verdict, const char *chain,
		       uint64_t pk, uint64_t by, void *ctx)
{
	struct verify_read *v = ctx;
	const struct ipp_celem *e;
	struct ipp_ckey k;

	(void)pk;
	(void)by;
	if (ipp_ckey_from_kernel(&v->t->shape, key, keylen, &k) < 0 ||
	    !(e = ipp_ctier_find(v->t, &k))) {
		v->extra++;
		return 0;
	}
	v->found++;
	v->stale += kernel_verdict(verdict, chain) != (int)e->verdict;
	return 0;
}

int ipp_driver_verify(struct ipp_driver *d, const struct ipp_compiled *c, char *why, size_t len)
{
	static const char *const gates[2][2] = {{"gs4", "gd4"}, {"gs6", "gd6"}};
	size_t extra = 0, stale = 0, missing = 0, k;
	int r;

	(void)d;
	why[0] = '\0';
	for (int f = 0; f < 2; f++)
		for (int side = 0; side < 2; side++) {
			struct gate_read *g = calloc(1, sizeof(*g));

			if (!g)
				return -ENOMEM;
			r = ipp_nlset_read(gates[f][side], gate_elem, g);
			if (r == 0 && memcmp(g->bits, c->gate[f][side].bits, sizeof(g->bits)))
				snprintf(why, len, "set %s holds other values than the policy's",
					 gates[f][side]);
			free(g);
			if (r < 0 && r != -ENOENT)
				return r;
			if (why[0])
				return 1;
		}
	/* every map of the compiled form, read back (a keyless tier is a rule: the rules'
	 * fingerprints see it) */
	for (k = 0; k < c->ntiers; k++) {
		struct verify_read v = {.t = &c->tiers[k]};

		if (ipp_ctier_keyless(v.t))
			continue;
		r = ipp_nlmap_read(v.t->name, verify_elem, &v);
		if (r == -ENOENT && v.t->nelems == 0)
			continue;
		if (r == -ENOENT) {
			snprintf(why, len, "map %s is gone", v.t->name);
			return 1;
		}
		if (r < 0)
			return r;
		extra += v.extra;
		stale += v.stale;
		missing += v.t->nelems - (v.found < v.t->nelems ? v.found : v.t->nelems);
	}
	if (extra)
		snprintf(why, len, "its maps hold %zu element%s that the policy does not", extra,
			 extra == 1 ? "" : "s");
	else if (stale)
		snprintf(why, len,
			 "%zu element%s of its maps give%s another verdict than the policy's",
			 stale, stale == 1 ? "" : "s", stale == 1 ? "s" : "");
	else if (missing)
		snprintf(why, len, "%zu element%s of the policy %s missing from its maps", missing,
			 missing == 1 ? "" : "s", missing == 1 ? "is" : "are");
	return why[0] ? 1 : 0;
}
