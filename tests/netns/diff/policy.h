/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.h - the random policies of the differential test: generated from a
 * seed with heavy overlap around the test's address pools, written to the
 * stores with the store API, and expanded here into specific filters by
 * the test's own code (not by ipp_effective_build), printed as a netsh
 * script for a failure report.
 */
#ifndef IPP_DIFF_POLICY_H
#define IPP_DIFF_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "classify/classify.h"

/*
 * The address plan, created by diff.sh:
 *   host H: 10.77.0.1/24, 10.77.1.1, 10.77.1.2; fd00:77::1/64, fd00:77:0:1::1, fd00:77:0:1::2
 *   peer P: 10.77.0.2/24, fd00:77::2/64
 *   remote pool, routed from H through P: 10.77.16.0/20, fd00:77:0:2::/116
 */
#define POOL4 "10.77.16.0"
#define POOL4_SIZE 4096
#define POOL6 "fd00:77:0:2::"
#define POOL6_SIZE 4096
#define PEER4 "10.77.0.2"
#define PEER6 "fd00:77::2"

struct rng {
	uint64_t s;
};
uint64_t rng_next(struct rng *r);
/* 0 .. n-1 */
uint32_t rng_below(struct rng *r, uint32_t n);

/* H's own addresses, the ones packets use. */
extern const char *const host4[3];
extern const char *const host6[3];

struct drule {
	enum ipp_action action;
	uint8_t clear;            /* negotiate: 0, 1 inpass=yes, 2 soft=yes */
	enum ipp_store_loc store; /* local or persistent */
	bool active;
};

struct dfilter {
	struct ipp_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;
	bool mirrored;
	uint32_t rule;
	int64_t id;   /* in the stores, set by dpolicy_store() and dpolicy_change() */
	uint64_t age; /* the order the stores added it in: the older wins a full tie */
};

#define DP_MAX_RULES 32

struct dpolicy {
	struct drule rules[DP_MAX_RULES];
	size_t nrules;
	struct dfilter *f; /* owned */
	size_t nf;
	uint64_t ages; /* filters added to the stores so far */
};

/* A random policy of @nfilters filters in @nrules rules. */
int dpolicy_random(struct dpolicy *p, struct rng *r, size_t nfilters, size_t nrules);
void dpolicy_free(struct dpolicy *p);

/*
 * Replace the local and persistent stores under @root by @p, keeping only
 * the filters with keep[i] (NULL: all); records each filter's id and age.
 * 0, or -1 with a message on stderr.
 */
int dpolicy_store(struct dpolicy *p, const bool *keep, const char *root);

/*
 * Stores holding @p with the filters of @from: delete the filters of @from
 * not in @to and add those of @to not in @from (as `delete filter` and
 * `add filter` would), in one transaction.  The filters added are the
 * youngest.  0, or -1 with a message on stderr.
 */
int dpolicy_change(struct dpolicy *p, const bool *from, const bool *to, const char *root);

/* Give rule @i of @p (in the stores under @root) the filter action of @action and @clear
 * (as `set rule ... filteraction=`).  0, or -1 with a message on stderr. */
int dpolicy_rule_action(struct dpolicy *p, size_t i, enum ipp_action action, uint8_t clear,
			const char *root);

/* The test's own expansion of @p (keep as above) into *eff; dpolicy_eff_free(). */
int dpolicy_effective(const struct dpolicy *p, const bool *keep, struct ipp_effective *eff);
void dpolicy_eff_free(struct ipp_effective *eff);

/* @p as a netsh script (keep as above). */
void dpolicy_print(const struct dpolicy *p, const bool *keep, FILE *out);

/* A random remote address of @family, often on the edge of some filter's address. */
void dpolicy_remote(const struct dpolicy *p, struct rng *r, int family, uint8_t ip[16]);

#endif
