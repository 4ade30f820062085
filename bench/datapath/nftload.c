/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftload.c - load an nft ruleset file in one libnftables transaction, the
 * way ipsecpold hands its text over: read whole, then nft_run_cmd_from_buffer()
 * (`nft -f` has nft's scanner read the file a character at a time).  The
 * benchmark's second floor of a full apply.  Exit 1 when nft refuses it.
 */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct nft_ctx *nft;
	char *text = NULL;
	size_t len = 0, n;
	char buf[65536];
	FILE *f;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: ipp-nftload FILE\n");
		return 2;
	}
	if (!(f = fopen(argv[1], "r"))) {
		perror(argv[1]);
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		char *t = realloc(text, len + n + 1);

		if (!t) {
			fprintf(stderr, "ipp-nftload: out of memory\n");
			return 1;
		}
		text = t;
		memcpy(text + len, buf, n);
		len += n;
	}
	fclose(f);
	if (!text) {
		fprintf(stderr, "ipp-nftload: %s is empty\n", argv[1]);
		return 1;
	}
	text[len] = '\0';
	if (!(nft = nft_ctx_new(NFT_CTX_DEFAULT)))
		return 1;
	rc = nft_run_cmd_from_buffer(nft, text);
	nft_ctx_free(nft);
	free(text);
	return rc ? 1 : 0;
}
