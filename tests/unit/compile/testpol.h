/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * testpol.h - policies for the compiler's tests, in a small line format.
 *
 *   # comment
 *   store local|persistent|domain      objects below go to this store (default local)
 *   action NAME permit|block|negotiate
 *   list NAME
 *   filter LIST SRC DST [proto=P] [srcport=N] [dstport=N] [mirrored=yes|no]
 *          SRC, DST: any, me, dns, wins, dhcp, gateway, A, A/PLEN, A-B (a range)
 *   policy NAME [assigned] [defaultrule=no]
 *   rule POLICY NAME LIST ACTION [activate=no]
 *   env dns|wins|dhcp|gateway ADDRESS  a fact of the host
 *   option comments | diagnostics N | noike | noipsec | nond
 *   next                               what came before is the old state of a diff
 *   unfilter LIST N                    delete filter N (1-based) of LIST
 *   unrule POLICY NAME                 delete a rule
 *
 * Objects get ids in creation order, one counter for all of them.
 */
#ifndef IPP_TEST_TESTPOL_H
#define IPP_TEST_TESTPOL_H

#include <stdbool.h>
#include <stdio.h>

#include "compile/compile.h"
#include "compile/effective.h"
#include "store/store.h"

struct testpol {
	struct ipp_snapshot *store[3]; /* persistent, domain, local */
	struct ipp_hostenv env;
	struct ipp_copts opts;
	int64_t next_id;
	enum ipp_store_loc cur;
	bool has_next;                 /* a "next" line was seen */
	/* the state at "next" */
	struct ipp_snapshot *old_store[3];
};

/* Empty stores, default options. */
void testpol_init(struct testpol *t);
void testpol_clear(struct testpol *t);

/* One line; 0 or -EINVAL with a message naming @name:@lineno. */
int testpol_line(struct testpol *t, const char *line, const char *name, unsigned lineno,
		 struct ipp_error *err);
/* A whole file. */
int testpol_file(struct testpol *t, const char *path, struct ipp_error *err);

/* The effective policy of the current (or, @old, the saved) state. */
int testpol_effective(const struct testpol *t, bool old, struct ipp_effective **ret,
		      struct ipp_error *err);

/* Convenience for C-built tests: the same, from a string of lines. */
int testpol_text(struct testpol *t, const char *text, struct ipp_error *err);

#endif
