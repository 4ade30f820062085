/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fnv.h - the 64-bit FNV-1a hash, for names and fingerprints (not for
 * anything an attacker may choose to collide).
 */
#ifndef IPP_FNV_H
#define IPP_FNV_H

#include <stddef.h>
#include <stdint.h>

/* The offset basis: the hash of nothing, where every hash starts. */
#define IPP_FNV1A_BASIS 0xcbf29ce484222325ULL

/* One step of FNV-1a: @x mixed into @h. */
static inline uint64_t ipp_fnv1a_mix(uint64_t h, uint64_t x)
{
	return (h ^ x) * 0x100000001b3ULL;
}

/* FNV-1a over the @n bytes at @p, from @h. */
static inline uint64_t ipp_fnv1a_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = ipp_fnv1a_mix(h, b[i]);
	return h;
}

/* FNV-1a over the bytes of the string @s (its terminating NUL left out), from @h. */
static inline uint64_t ipp_fnv1a_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = ipp_fnv1a_mix(h, (uint8_t)*s);
	return h;
}

#endif
