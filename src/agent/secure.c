/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "secure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/grow.h"
#include "../compile/modes.h"
#include "../driver/nlrules.h"
#include "agent.h"
#include "hostenv.h"
#include "log.h"

/*
 * @text with its table moved to the guard table: every "inet ipsecpol" that
 * names the table (followed by a character that cannot continue a name).
 */
static int guard_text(const char *text, char **ret, struct ipp_error *err)
{
	static const char name[] = IPP_NFT_FAMILY " " IPP_NFT_TABLE;
	const size_t nl = sizeof(name) - 1;
	const char *p = text, *q;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return ipp_err(err, ENOMEM, "out of memory");
	while ((q = strstr(p, name))) {
		char next = q[nl];

		fwrite(p, 1, (size_t)(q - p) + nl, f);
		if (!(next == '_' || (next >= '0' && next <= '9') || (next >= 'a' && next <= 'z') ||
		      (next >= 'A' && next <= 'Z')))
			fputs(&IPP_NFT_GUARD_TABLE[sizeof(IPP_NFT_TABLE) - 1], f);
		p = q + nl;
	}
	fputs(p, f);
	if (fclose(f) != 0) {
		free(buf);
		return ipp_err(err, ENOMEM, "out of memory");
	}
	*ret = buf;
	return 0;
}

static void guard_delete(struct ipp_driver *d)
{
	static const char text[] = "table " IPP_NFT_FAMILY " " IPP_NFT_GUARD_TABLE " {}\n"
				   "delete table " IPP_NFT_FAMILY " " IPP_NFT_GUARD_TABLE "\n";

	(void)ipp_driver_run(d, text, false, NULL);
}

/* @a followed by @b (malloc'ed), or NULL when out of memory. */
static char *join(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	char *all = malloc(n + m + 1);

	if (all) {
		memcpy(all, a, n);
		memcpy(all + n, b, m + 1);
	}
	return all;
}

/*
 * Does @text write rules of keyless filters (a rule counter of their own, not
 * the flow cache's named counters) into walk chains?  A change in place only
 * adds rules to the walks it rewrites: without such rules, no count is lost
 * (and the counters need not be read, some tens of milliseconds at 100,000
 * filters).
 */
static bool keyless_rewritten(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		size_t n = strcspn(l, "\n");
		const char *q;

		if (strncmp(l, "add rule ", 9) || !(q = memmem(l, n, "counter ", 8)))
			continue;
		if (strncmp(q + 8, "name ", 5))
			return true;
	}
	return false;
}

/*
 * Apply @text, which takes the kernel from @cur to @new, with the counts it
 * would reset (ipp_driver_carry_replaced()) carried over in the same
 * transaction (fs->book follows); if the carry counters are not as the book
 * says, @text alone.
 */
static int apply_carried(struct ipp_driver *d, const struct ipp_compiled *cur,
			 const struct ipp_compiled *new, const char *text, struct ipp_flowstate *fs,
			 struct ipp_error *err)
{
	struct ipp_carry_book next = {0};
	struct ipp_error e = {0};
	char *carry = NULL, *all = NULL;
	int r;

	if (ipp_driver_carry_replaced(cur, new, text, &fs->book, &carry, &next, &e) < 0)
		ipp_log(LOG_WARNING,
			"the counts of the filters the change replaces are not carried over: %s",
			e.msg);
	if (carry && *carry && (all = join(text, carry))) {
		r = ipp_apply_text(d, new, all, false, err);
		free(all);
		if (r == 0) {
			ipp_carry_book_clear(&fs->book);
			fs->book = next;
			free(carry);
			return 0;
		}
		/* the carry counters are not as the book says: the change alone */
		ipp_log(LOG_WARNING,
			"the counts of the filters the change replaces are not carried over: %s",
			err->msg);
		ipp_err_clear(err);
		fs->book.valid = false;
	}
	free(carry);
	ipp_carry_book_clear(&next);
	return ipp_apply_text(d, new, text, false, err);
}

int ipp_agent_apply_walks(struct ipp_driver *d, const struct ipp_compiled *c, const char *text,
			  bool deletes, struct ipp_flowstate *fs, struct ipp_error *err)
{
	if (!strstr(text, "flush chain ") || (!deletes && !keyless_rewritten(text)))
		return ipp_apply_text(d, c, text, false, err);
	/* (the same form before and after: only its walks change) */
	return apply_carried(d, c, c, text, fs, err);
}

/*
 * Replace the table by @new whole.  When the table in force needs a guard
 * (@guard), in three transactions: @new as the guard table, then the
 * replacement, then the guard's removal; otherwise one, and the removal of
 * a guard a crash may have left.
 */
int ipp_agent_install_full(struct ipp_driver *d, const struct ipp_compiled *new, bool guard,
			   const char *extra, struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	/* no guard of ours: one a crash may have left goes in the same transaction (at the
	 * end, so that the kernel's line numbers still name lines of the ruleset) */
	static const char tail[] = "table " IPP_NFT_FAMILY " " IPP_NFT_GUARD_TABLE " {}\n"
				   "delete table " IPP_NFT_FAMILY " " IPP_NFT_GUARD_TABLE "\n";
	char *text = NULL, *gtext = NULL, *all = NULL;
	int r;

	if ((r = ipp_compiled_diff_text(NULL, new, &text, st, err)) < 0)
		return r;
	if (guard && ((r = guard_text(text, &gtext, err)) < 0 ||
		      (r = ipp_apply_text(d, new, gtext, false, err)) < 0))
		goto out;
	if (extra) {
		if (!(all = join(text, extra))) {
			r = ipp_err(err, ENOMEM, "out of memory");
			goto out;
		}
		free(text);
		text = all;
	}
	if (guard) {
		r = ipp_apply_text(d, new, text, false, err);
		guard_delete(d);
		goto out;
	}
	if (!(all = join(text, tail))) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	r = ipp_apply_text(d, new, all, false, err);
	free(all);
out:
	free(gtext);
	free(text);
	return r;
}

/*
 * Replace the table by @new whole (ipp_agent_install_full()).  With @cur
 * (what the kernel holds), the filters' counts go over to @new's carry
 * counters in the same transaction; @fs->book is then the book of the new
 * table.
 */
static int full(struct ipp_driver *d, const struct ipp_compiled *cur,
		const struct ipp_compiled *new, struct ipp_flowstate *fs,
		struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	struct ipp_carry_book next = {0};
	struct ipp_error e = {0};
	bool guard = ipp_agent_guard_needed(d);
	char *carry = NULL;
	int r;

	if (cur && ipp_driver_carry_whole(d, cur, new, &carry, &next, &e) < 0)
		ipp_log(LOG_WARNING,
			"the filters' counts are not carried over to the new table: %s", e.msg);
	r = ipp_agent_install_full(d, new, guard, carry && *carry ? carry : NULL, st, err);
	if (r < 0 && carry && *carry) {
		ipp_log(LOG_WARNING, "the filters' counts are not carried over to the new table: %s",
			err ? err->msg : "");
		ipp_err_clear(err);
		ipp_carry_book_clear(&next);
		r = ipp_agent_install_full(d, new, guard, NULL, st, err);
	}
	free(carry);
	ipp_carry_book_clear(&fs->book);
	if (r < 0) {
		/* the kernel has what it had: read its carry counters next time */
		ipp_carry_book_clear(&next);
		return r;
	}
	/* the new table has the carry counters written, or none */
	fs->book = next.valid ? next : (struct ipp_carry_book){true, NULL, 0, 0};
	return 0;
}

/*
 * Replace whole a table whose compiled form is not known (the agent starts,
 * or the kernel did not hold what was thought): when it is a secure table
 * of ours (one an agent before this one left, killed), its counts are read
 * through @new's names, which are the same for every filter the stores did
 * not change, and carried over; else none.
 */
static int full_unknown(struct ipp_driver *d, const struct ipp_compiled *new,
			struct ipp_flowstate *fs, struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	bool secure = ipp_agent_secure_in_force(d);

	/* (why it is not known, the caller says: the agent starts, a reload takes nothing
	 * on trust, the table was changed behind it) */
	if (secure)
		ipp_log(LOG_INFO, "the secure table in force is replaced whole, its filters' "
				  "counts carried over");
	return full(d, secure ? new : NULL, new, fs, st, err);
}

/*
 * Bring the kernel from @cur (NULL: unknown) to @new; as ipp_apply_update(),
 * guarded.  The counts an element-level difference resets (elements added
 * again, rules of the walk chains it rewrites) go to carry counters in the
 * same transaction (@fs->book follows).
 */
static int update(struct ipp_driver *d, const struct ipp_compiled *cur,
		  const struct ipp_compiled *new, struct ipp_flowstate *fs,
		  struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	char *text = NULL;
	int r;

	if (!cur)
		return full_unknown(d, new, fs, st, err);
	if ((r = ipp_compiled_diff_text(cur, new, &text, st, err)) < 0)
		return r;
	if (st->empty) {
		free(text);
		return 0;
	}
	if (st->full) {
		free(text);
		return full(d, cur, new, fs, st, err);
	}
	r = apply_carried(d, cur, new, text, fs, err);
	free(text);
	if (r < 0) {
		/* The kernel did not hold @cur: replace the table whole. */
		ipp_err_clear(err);
		r = full_unknown(d, new, fs, st, err);
	}
	return r;
}

/* Forget a pending fold (its generation is then emptied, uncounted, when next used). */
static void pending_clear(struct ipp_flowstate *fs)
{
	ipp_compiled_free(fs->before);
	free(fs->ch);
	fs->before = NULL;
	fs->ch = NULL;
	fs->nch = 0;
	fs->pending = false;
	fs->want_before = false;
}

void ipp_flowstate_clear(struct ipp_flowstate *fs)
{
	pending_clear(fs);
	ipp_carry_book_clear(&fs->book);
	memset(fs->fill, 0, sizeof(fs->fill));
}

int ipp_agent_secure(struct ipp_driver *d, const struct ipp_paths *p,
		     const struct ipp_driverconf *c, enum ipp_mode rest,
		     const struct ipp_effective *kept, const struct ipp_dynspd *dyn,
		     const struct ipp_hostenv *env, const struct ipp_compiled *cur,
		     struct ipp_flowstate *fs, struct ipp_apply_result *ret,
		     struct ipp_cdiff_stats *st, struct ipp_error *err)
{
	struct ipp_apply_result res;
	struct ipp_copts o;
	int r;

	ipp_copts_from_conf(&o, c);
	o.defrag6 = ipp_driver_defrag6(d);
	ipp_copts_rest(&o, rest, c);
	ipp_apply_local(&o, NULL);
	o.dynamic = dyn;
	o.kept = kept;
	r = ipp_apply_compute(p, env, &o, &res, err);
	if (r < 0) {
		memset(ret, 0, sizeof(*ret));
		ret->persistent = res.persistent;
		ret->unreadable = res.unreadable;
		ret->assigned = res.assigned;
		return r;
	}
	/* a difference moves the rules to the other flow cache generation (compile.h) */
	if (cur)
		res.compiled->flow_gen = cur->flow_gen ^ 1;
	r = update(d, cur, res.compiled, fs, st, err);
	if (r < 0) {
		bool persistent = res.persistent, assigned = res.assigned;

		ipp_apply_result_clear(&res);
		ret->persistent = persistent;
		ret->assigned = assigned;
		return r;
	}
	if (cur && st->empty)
		res.compiled->flow_gen = cur->flow_gen; /* nothing moved */
	if (st->full) {
		/* a new table: empty sets, the carry counters full() wrote (fs->book) */
		pending_clear(fs);
		memset(fs->fill, 0, sizeof(fs->fill));
	} else if (cur && !st->empty && ipp_compiled_flow_used(cur)) {
		pending_clear(fs);
		memset(fs->fill[res.compiled->flow_gen], 0, sizeof(fs->fill[0]));
		fs->pending = true;
		fs->want_before = true;
		fs->gen = cur->flow_gen;
		fs->why = "policy change";
	}
	*ret = res;
	return 0;
}

/*
 * The additions generation @gen's sets took since the last read (its fill
 * counters, read and reset), added to fs->fill[@gen]: what it took since it
 * came into use.  -errno when the counters cannot be read.
 */
static int fill_read(struct ipp_flowstate *fs, unsigned gen, struct ipp_error *err)
{
	uint64_t add[12];
	unsigned i;
	int r;

	if ((r = ipp_driver_flow_fill(gen, add, err)) < 0)
		return r;
	for (i = 0; i < 12; i++)
		fs->fill[gen][i] += add[i];
	return 0;
}

void ipp_agent_flow_fold(struct ipp_driver *d, const struct ipp_compiled *now,
			 struct ipp_flowstate *fs)
{
	struct ipp_error e = {0};
	uint64_t folded = 0, adds = 0;
	unsigned i;

	if (!fs->pending)
		return;
	if (!ipp_compiled_flow_used(now) ||
	    (fs->want_before && !fs->before)) {
		pending_clear(fs);
		return;
	}
	/* nothing to fold when the generation took no flows (it was emptied when it
	 * came into use, and it is frozen now: its fill counters are final) */
	if (fill_read(fs, fs->gen, &e) == 0) {
		for (i = 0; i < 12; i++)
			adds += fs->fill[fs->gen][i];
		if (adds == 0) {
			pending_clear(fs);
			return;
		}
	}
	ipp_err_clear(&e);
	if (ipp_driver_flow_fold(d, now, fs->before, fs->ch, fs->nch, fs->gen, fs->me, &fs->book,
				 &folded, &e) < 0)
		ipp_log(LOG_WARNING,
			"flow cache (%s): cannot fold generation %u into the filters' counters: %s; "
			"its counts are lost when it is next used",
			fs->why, fs->gen, e.msg);
	else
		ipp_log(LOG_DEBUG, "flow cache (%s): generation %u folded, %llu packets", fs->why,
			fs->gen, (unsigned long long)folded);
	pending_clear(fs);
}

bool ipp_agent_flow_evict(struct ipp_driver *d, struct ipp_compiled *c, struct ipp_flowstate *fs)
{
	struct ipp_error e = {0};
	uint64_t fill = 0;
	char why[128];
	unsigned i;
	int r;

	if (!ipp_compiled_flow_used(c))
		return false;
	ipp_agent_flow_fold(d, c, fs);
	if ((r = fill_read(fs, c->flow_gen, &e)) < 0) {
		ipp_log(LOG_DEBUG, "flow cache: cannot read how full it is: %s", e.msg);
		return false;
	}
	for (i = 0; i < 12; i++)
		if (fs->fill[c->flow_gen][i] > fill)
			fill = fs->fill[c->flow_gen][i];
	if (fill < (uint64_t)c->opts.flow_size * 3 / 4)
		return false;
	snprintf(why, sizeof(why), "a set is (nearly) full (%llu additions tried, size %u)",
		 (unsigned long long)fill, (unsigned)c->opts.flow_size);
	return ipp_agent_flow_renew(d, c, fs, why, "eviction");
}

bool ipp_agent_flow_renew(struct ipp_driver *d, struct ipp_compiled *c, struct ipp_flowstate *fs,
			  const char *why, const char *tag)
{
	struct ipp_error e = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!ipp_compiled_flow_used(c))
		return false;
	ipp_agent_flow_fold(d, c, fs);
	if (!(f = open_memstream(&text, &len)))
		return false;
	ipp_flow_swap_emit(c, f);
	if (fclose(f) != 0) {
		c->flow_gen ^= 1;
		free(text);
		return false;
	}
	r = ipp_driver_run(d, text, false, &e);
	free(text);
	if (r < 0) {
		c->flow_gen ^= 1; /* the kernel did not move */
		ipp_log(LOG_WARNING, "flow cache: cannot move to a fresh generation: %s", e.msg);
		return false;
	}
	memset(fs->fill[c->flow_gen], 0, sizeof(fs->fill[0]));
	ipp_log(LOG_INFO,
		"flow cache: %s: new flows go to generation %u, generation %u is folded into "
		"the filters' counters",
		why, c->flow_gen, c->flow_gen ^ 1);
	fs->pending = true;
	fs->gen = c->flow_gen ^ 1;
	fs->why = tag;
	ipp_agent_flow_fold(d, c, fs);
	return true;
}

enum ipp_mode ipp_agent_kernel_mode(enum ipp_mode *ret_rest)
{
	enum ipp_mode m, rest;
	int r = ipp_driver_table_mode(&m, &rest);

	if (ret_rest)
		*ret_rest = r < 0 ? IPP_MODE_INVALID : rest;
	return r == -ENOENT ? IPP_MODE_PERMIT : r < 0 ? IPP_MODE_INVALID : m;
}

enum ipp_mode ipp_agent_rest_mode(enum ipp_mode in_force, enum ipp_mode in_rest)
{
	switch (in_force) {
	case IPP_MODE_SECURE:
		return in_rest;
	case IPP_MODE_STARTUP_STATEFUL:
	case IPP_MODE_STARTUP_BLOCK:
		return in_force;
	default:
		return IPP_MODE_BLOCK;
	}
}

bool ipp_agent_unfiltered(enum ipp_mode in_force)
{
	return in_force == IPP_MODE_PERMIT || in_force == IPP_MODE_STARTUP_PERMIT ||
	       in_force == IPP_MODE_INVALID;
}

bool ipp_agent_persistent_failure(int r, bool persistent)
{
	return r == -ENOTRECOVERABLE || r == -EBADMSG || r == -EPROTO || (r < 0 && persistent);
}

int ipp_agent_read_env(const struct ipp_paths *p, struct ipp_hostenv *ret, struct ipp_error *err)
{
	struct ipp_hostenv_src src;

	ipp_hostenv_src_init(&src, p);
	return ipp_hostenv_read(&src, ret, err);
}

void ipp_agent_env_files(const struct ipp_paths *p, const char *ret[4], size_t *ret_n,
			 struct ipp_hostenv_src *storage)
{
	size_t n = 0;

	ipp_hostenv_src_init(storage, p);
	if (storage->resolv_conf)
		ret[n++] = storage->resolv_conf;
	if (storage->resolved_conf)
		ret[n++] = storage->resolved_conf;
	if (storage->wins_conf)
		ret[n++] = storage->wins_conf;
	*ret_n = n;
}

int ipp_agent_check(const struct ipp_paths *p, struct ipp_error *err)
{
	struct ipp_driverconf c;
	unsigned flags = IPP_APPLY_DRY_RUN;
	FILE *devnull;
	int r;

	if ((r = ipp_driverconf_load(p, &c, err)) < 0)
		return r;
	/* The kernel's own check needs CAP_NET_ADMIN; without it, compile only. */
	if (geteuid() == 0)
		flags |= IPP_APPLY_KERNEL_CHECK;
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		return ipp_err(err, errno, "cannot open /dev/null: %s", strerror(errno));
	r = ipp_apply_once(p, flags, devnull, err);
	fclose(devnull);
	return r;
}

/* ---------- filters added or deleted: the compiled form patched ---------- */

/*
 * A warning without its filters' numbers ("filter 12" -> "filter #"),
 * malloc'ed: a filter deleted before others in its list renumbers them, and
 * the same conflict is not news for it.  NULL when out of memory.
 */
static char *warning_key(const char *w)
{
	static const char word[] = "filter ";
	const char *p = w, *q;
	char *out = malloc(strlen(w) + 1), *o = out;

	if (!out)
		return NULL;
	while ((q = strstr(p, word))) {
		q += sizeof(word) - 1;
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q;
		if (*p >= '0' && *p <= '9') {
			*o++ = '#';
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	strcpy(o, p);
	return out;
}

static int key_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

void ipp_agent_log_warnings(const struct ipp_effective *before, const struct ipp_effective *now)
{
	size_t i, n = before ? before->nwarnings : 0;
	char **keys = n ? calloc(n, sizeof(*keys)) : NULL;

	for (i = 0; keys && i < n; i++)
		if (!(keys[i] = warning_key(before->warnings[i]))) {
			while (i > 0)
				free(keys[--i]);
			free(keys);
			keys = NULL; /* (out of memory: every warning is said) */
		}
	if (keys)
		qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 0; now && i < now->nwarnings; i++) {
		char *k = keys ? warning_key(now->warnings[i]) : NULL;

		if (!k || !bsearch(&k, keys, n, sizeof(*keys), key_cmp))
			ipp_log(LOG_WARNING, "%s", now->warnings[i]);
		free(k);
	}
	for (i = 0; keys && i < n; i++)
		free(keys[i]);
	free(keys);
}

struct sfv {
	struct ipp_sfilter *v;
	size_t n, cap;
};

static int sfv_push(struct sfv *s, const struct ipp_sfilter *x, size_t n)
{
	if (n == 0)
		return 0;
	if (ipp_grow((void **)&s->v, &s->cap, s->n + n, sizeof(*s->v)) < 0)
		return -ENOMEM;
	memcpy(s->v + s->n, x, n * sizeof(*x));
	s->n += n;
	return 0;
}

int ipp_agent_journal_idle(struct ipp_db *db, struct ipp_apply_result *cur,
			   struct ipp_db_look *look, struct ipp_error *err)
{
	struct ipp_journal_entry *j = NULL;
	size_t nj = 0, i;
	uint64_t last;
	int r;

	if ((r = ipp_db_begin(db, err)) < 0)
		return r;
	if ((r = ipp_db_look(db, look, err)) < 0)
		goto out;
	if (look->identity != cur->identity || look->generation < cur->generation) {
		/* another database put in the place of the one read (a backup restored):
		 * its journal tells nothing of what is in force */
		r = 0;
		goto out;
	}
	/* (from the change in force on: another history, a copy written over the file, is
	 * read whole) */
	if ((r = ipp_db_journal_since(db, cur->journal, cur->nonce, &j, &nj, &last, err)) < 0) {
		r = r == -ESTALE ? 0 : r;
		goto out;
	}
	for (i = 0; i < nj && j[i].what == IPP_JOURNAL_UNUSED; i++)
		;
	/* (no entry at all: a commit of nothing journaled, a list created empty) */
	r = i == nj;
	if (r) {
		cur->journal = last;
		cur->nonce = look->nonce;
		cur->generation = look->generation;
	}
out:
	ipp_db_rollback(db);
	free(j);
	return r;
}

/*
 * Flows the generation in force of @c's flow cache has taken since it came
 * into use (its fill counters, read and added to fs->fill); UINT64_MAX when
 * they cannot be read, 0 without a flow cache.
 */
static uint64_t flows_taken(const struct ipp_compiled *c, struct ipp_flowstate *fs)
{
	struct ipp_error e = {0};
	uint64_t n = 0;
	unsigned i;

	if (!ipp_compiled_flow_used(c))
		return 0;
	if (fill_read(fs, c->flow_gen, &e) < 0)
		return UINT64_MAX;
	for (i = 0; i < 12; i++)
		n += fs->fill[c->flow_gen][i];
	return n;
}

static int sfilter_qcmp(const void *a, const void *b)
{
	return ipp_sfilter_cmp(a, b);
}

static int del_qcmp(const void *x, const void *y)
{
	const struct ipp_patch_del *a = x, *b = y;

	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return (a->filter > b->filter) - (a->filter < b->filter);
}

int ipp_agent_patch(struct ipp_driver *d, struct ipp_db *db, struct ipp_apply_result *cur,
		    struct ipp_flowstate *fs, struct ipp_db_look *look, struct ipp_cdiff_stats *st,
		    struct ipp_error *err)
{
	struct ipp_journal_entry *j = NULL;
	struct ipp_patch_del *del = NULL;
	struct sfv add = {0};
	struct ipp_patch p = {0};
	struct ipp_warnings warn = {0};
	const struct ipp_effective *e = cur->eff;
	size_t nj = 0, ndel = 0, i, k, before = cur->compiled->nelems;
	uint64_t last;
	bool adds = false, dels = false;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	memset(st, 0, sizeof(*st));
	/* one read transaction: the generation, the journal and the filters agree */
	if ((r = ipp_db_begin(db, err)) < 0)
		return r;
	if ((r = ipp_db_look(db, look, err)) < 0)
		goto out;
	if (look->identity != cur->identity || look->generation < cur->generation) {
		/* another database in the place of the one read: applied whole */
		r = -EAGAIN;
		goto out;
	}
	/* (from the change in force on: another history, a copy written over the file whose
	 * journal went its own way since a common past, is applied whole) */
	if ((r = ipp_db_journal_since(db, cur->journal, cur->nonce, &j, &nj, &last, err)) < 0) {
		if (r == -ESTALE)
			r = -EAGAIN;
		goto out;
	}
	/* changes of what no assigned policy uses ask for nothing (schema 3) */
	for (i = k = 0; i < nj; i++)
		if (j[i].what != IPP_JOURNAL_UNUSED)
			j[k++] = j[i];
	for (i = 0, nj = k; i < nj; i++) {
		adds |= j[i].what == IPP_JOURNAL_FILTER_ADD;
		dels |= j[i].what == IPP_JOURNAL_FILTER_DEL;
		if (j[i].what != IPP_JOURNAL_FILTER_ADD && j[i].what != IPP_JOURNAL_FILTER_DEL)
			break;
	}
	/* (no entry at all: a commit of nothing journaled, a list created empty) */
	if (i < nj || (adds && dels)) {
		r = -EAGAIN;
		goto out;
	}
	del = calloc(nj * (e->nrules + 1) + 1, sizeof(*del));
	if (!del) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nj; i++) {
		struct ipp_filter flt;
		int64_t list = j[i].filterlist_id;
		uint32_t pos;

		if (dels) {
			/* its place before the batch: the filters still there with a smaller id,
			 * and the ones deleted with it */
			if ((r = ipp_db_filter_pos(db, list, j[i].filter_id, &pos, err)) < 0)
				goto out;
			for (k = 0; k < nj; k++)
				pos += j[k].filterlist_id == list && j[k].filter_id < j[i].filter_id;
			for (k = 0; k < e->nrules; k++)
				if (e->rules[k].filterlist_id == list)
					del[ndel++] = (struct ipp_patch_del){(uint32_t)k, pos};
			continue;
		}
		if ((r = ipp_db_filter_get(db, j[i].filter_id, &flt, &list, &pos, err)) < 0)
			goto out;
		for (k = 0; k < e->nrules && r == 0; k++) {
			struct ipp_sfilter *sf = NULL;
			size_t n = 0;

			if (e->rules[k].filterlist_id != list)
				continue;
			r = ipp_effective_expand(e, (uint32_t)k, pos, &flt, &cur->env, &sf, &n,
						 &warn);
			if (r == 0)
				r = sfv_push(&add, sf, n);
			free(sf);
		}
		ipp_filter_clear(&flt);
		if (r < 0) {
			r = ipp_err(err, -r, "out of memory");
			goto out;
		}
	}
	/* several deletions of one list: the highest place first */
	for (i = 1; i < ndel; i++)
		for (k = i; k > 0 && del[k - 1].filter < del[k].filter; k--) {
			struct ipp_patch_del t = del[k];

			del[k] = del[k - 1];
			del[k - 1] = t;
		}
	p.eff = e;
	p.add = add.v;
	p.nadd = add.n;
	p.del = del;
	p.ndel = ndel;
	p.keep_flows = flows_taken(cur->compiled, fs) == 0;
	/* (room for the filters added in the effective policy, which follows the change
	 * once the kernel has taken it: nothing can fail then) */
	if (ipp_effective_reserve(cur->eff, p.nadd) < 0 || !(f = open_memstream(&text, &len))) {
		r = ipp_err(err, ENOMEM, "out of memory");
		goto out;
	}
	if (p.nadd || p.ndel)
		r = ipp_compiled_patch(cur->compiled, &p, f);
	if (fclose(f) != 0 && r == 0)
		r = ipp_err(err, ENOMEM, "out of memory");
	if (r == -EAGAIN)
		goto out;
	if (r < 0) {
		r = ipp_err(err, -r, "changing the compiled policy: out of memory");
		goto out;
	}
	if (len && (r = ipp_agent_apply_walks(d, cur->compiled, text, false, fs, err)) < 0)
		goto out;
	/* the effective policy in force follows: what stands in for a domain or local policy
	 * that cannot be built later (ipp_effective_build_kept()) is what the kernel holds
	 * (the changes sorted as it takes them, in one pass) */
	if (add.n > 1)
		qsort(add.v, add.n, sizeof(*add.v), sfilter_qcmp);
	if (ndel > 1)
		qsort(del, ndel, sizeof(*del), del_qcmp);
	ipp_effective_patch(cur->eff, add.v, add.n, del, ndel);
	if (len && p.keep_flows && flows_taken(cur->compiled, fs) != 0)
		/* flows were remembered between the look and the change, some perhaps
		 * by the policy before it: to a fresh generation at once */
		(void)ipp_agent_flow_renew(d, cur->compiled, fs,
					   "flows remembered while the policy changed",
					   "policy change in place");
	else if (len && !p.keep_flows && ipp_compiled_flow_used(cur->compiled)) {
		pending_clear(fs);
		memset(fs->fill[cur->compiled->flow_gen], 0, sizeof(fs->fill[0]));
		fs->pending = true;
		fs->gen = cur->compiled->flow_gen ^ 1;
		fs->ch = p.changed;
		fs->nch = p.nchanged;
		ipp_patch_changes_sort(fs->ch, fs->nch);
		p.changed = NULL;
		fs->why = "policy change in place";
	}
	/* what a whole apply says of the filters added (ipp_agent_log_warnings()), kept with
	 * the effective policy in force so that the next whole apply does not say it again */
	for (i = 0; i < warn.n; i++)
		ipp_log(LOG_WARNING, "%s", warn.v[i]);
	(void)ipp_effective_add_warnings(cur->eff, &warn);
	cur->journal = last;
	cur->nonce = look->nonce;
	cur->generation = look->generation;
	st->empty = len == 0;
	st->untidy = p.untidy;
	if (cur->compiled->nelems >= before)
		st->elems_added = cur->compiled->nelems - before;
	else
		st->elems_deleted = before - cur->compiled->nelems;
out:
	ipp_db_rollback(db);
	ipp_warnings_clear(&warn);
	free(p.changed);
	free(text);
	free(j);
	free(del);
	free(add.v);
	return r;
}
