/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_importpolicy.c - importpolicy's reader: ipp_export_read() on
 * arbitrary bytes; what it accepts must write back out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipp_snapshot *s = NULL;
	struct ipp_error err = { 0 };
	FILE *in, *out;

	if (size == 0)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	if (ipp_export_read(in, "fuzz.ipsec", &s, &err) == 0) {
		out = fopen("/dev/null", "w");
		if (out) {
			ipp_export_write(s, out, &err);
			fclose(out);
		}
		ipp_snapshot_free(s);
	}
	fclose(in);
	return 0;
}
