/* Shared helpers for the entropy tests: a seeded PRNG, sampling, ideal
 * costs, hashes (the checks are tests/harness.h's). */
#ifndef HVIC_TEST_ENTROPY_UTIL_H
#define HVIC_TEST_ENTROPY_UTIL_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdf.h"
#include "harness.h"
#include "rans.h"

/* splitmix64 (Steele, Lea, Flood 2014): small, seeded, portable. */
typedef struct { uint64_t s; } rng_t;

static inline uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n >= 1 (tiny modulo bias is irrelevant here). */
static inline uint32_t rng_below(rng_t *r, uint32_t n)
{
    return (uint32_t)(rng_next(r) % n);
}

/* Symbol index whose 16-bit interval contains s (linear-free binary search). */
static inline uint32_t cdf_find(const hv_cdf *c, uint32_t s)
{
    uint32_t lo = 0, hi = c->nsym;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (c->cdf[mid] <= s)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static inline uint32_t cdf_freq(const hv_cdf *c, uint32_t idx)
{
    return c->cdf[idx + 1] - c->cdf[idx];
}

/* Ideal cost in bits of coding value with c under the quantised frequencies,
 * the escape's bypass code included (6 + floor(log2(z+1)) raw bits). */
static inline double ideal_bits(const hv_cdf *c, int32_t value)
{
    int64_t lo = c->offset, hi = lo + (int64_t)c->nsym - 2, v = value;
    if (v >= lo && v <= hi)
        return 16.0 - log2((double)cdf_freq(c, (uint32_t)(v - lo)));
    uint64_t z = v > hi ? 2u * (uint64_t)(v - hi - 1) : 2u * (uint64_t)(lo - 1 - v) + 1u;
    unsigned len = 0;
    while (((z + 1) >> len) > 1)
        len++;
    return 16.0 - log2((double)cdf_freq(c, c->nsym - 1)) + 6.0 + len;
}

/* 64-bit FNV-1a. */
#define FNV_OFFSET 0xCBF29CE484222325ull
static inline uint64_t fnv1a64(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

static inline uint64_t fnv_u32(uint64_t h, uint32_t w)
{
    uint8_t b[4] = {(uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24)};
    return fnv1a64(h, b, 4);
}

/* Hash of (offset, nsym, cdf[0..nsym]) as little-endian 32-bit words. */
static inline uint64_t hash_cdf(uint64_t h, const hv_cdf *c)
{
    h = fnv_u32(h, (uint32_t)c->offset);
    h = fnv_u32(h, c->nsym);
    for (uint32_t i = 0; i <= c->nsym; i++)
        h = fnv_u32(h, c->cdf[i]);
    return h;
}


#endif /* HVIC_TEST_ENTROPY_UTIL_H */
