/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapng.c - fuzz target: a pcapng file through the block reader of
 * `whatif pcap=` (pcapng.c), each packet it gives through the decoder.
 *
 * Input: the file.  It is read from an in-memory file; each packet is
 * copied to a buffer of exactly its size before it is decoded, so that a
 * length the reader got wrong is caught by AddressSanitizer.  Seed corpus:
 * corpus/pcapng/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipp_pcapng *r = NULL;
	const uint8_t *pkt;
	uint32_t caplen;
	char why[200];
	FILE *f;
	int dlt, n, k = 0;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	if (ipp_pcapng_open(f, &r) == 0) {
		while ((n = ipp_pcapng_next(r, &dlt, &pkt, &caplen, why, sizeof(why))) == 1 &&
		       k++ < 10000) {
			uint8_t *copy = malloc(caplen ? caplen : 1);
			struct ipp_packet p;
			enum ipp_linkdir ld;
			const char *w;

			if (!copy)
				break;
			memcpy(copy, pkt, caplen);
			(void)ipp_decode_frame(dlt, copy, caplen, &p, &ld, &w);
			free(copy);
		}
		if (n < 0 && n != -12 && !strstr(why, "the block at offset "))
			abort(); /* a failure names the block */
		ipp_pcapng_close(r);
	}
	fclose(f);
	return 0;
}
