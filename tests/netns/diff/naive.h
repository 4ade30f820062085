/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * naive.h - one nft rule per specific filter, in the matcher's order
 * (the differential test's --naive mode).
 */
#ifndef IPP_DIFF_NAIVE_H
#define IPP_DIFF_NAIVE_H

#include <stdio.h>

#include "classify/classify.h"

/* Write a ruleset replacing table inet ipsecpol.  0 or -1. */
int naive_ruleset(const struct ipp_effective *eff, FILE *out);

#endif
