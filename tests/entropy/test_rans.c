/* Round-trip and efficiency tests of the rANS coder (entropy/rans.c):
 * 10^6 symbols from random CDFs and 10^6 from Gaussian CDFs (scales 0.11..256)
 * with outliers; decoding must be exact and the stream within 0.5% (+8 bytes)
 * of the ideal sum of -log2 p under the quantised frequencies. */
#include "entropy_util.h"

#define NSYM_RANDOM 1000000
#define NSYM_GAUSS 1000000
#define N_RANDOM_CDFS 200

typedef struct {
    uint16_t cdf;   /* index into the CDF pool, or 0xFFFF for raw bits */
    uint8_t nbits;  /* raw bits only */
    int32_t value;
} item;

/* An int32 outside [lo, hi] (or anything when the range covers everything).
 * far: anywhere in int32; otherwise within ~2^k of the range. */
static int32_t outlier(rng_t *r, int64_t lo, int64_t hi, int far)
{
    for (;;) {
        int64_t v;
        if (far) {
            v = (int32_t)(uint32_t)rng_next(r);
        } else {
            int64_t d = (int64_t)(rng_next(r) % (1u << (rng_below(r, 20) + 1)));
            v = rng_below(r, 2) ? hi + 1 + d : lo - 1 - d;
        }
        if (v >= INT32_MIN && v <= INT32_MAX && (v < lo || v > hi || rng_below(r, 50) == 0))
            return (int32_t)v;
    }
}

/* Draws a value from c: a symbol with its quantised probability; the ESCAPE
 * symbol turns into an outlier. */
static int32_t draw(rng_t *r, const hv_cdf *c)
{
    uint32_t idx = cdf_find(c, rng_below(r, 65536));
    int64_t lo = c->offset, hi = lo + (int64_t)c->nsym - 2;
    if (idx + 1 < c->nsym)
        return (int32_t)(lo + idx);
    return outlier(r, lo, hi, rng_below(r, 4) == 0);
}

/* Encodes items, checks size against the ideal, decodes and compares. */
static void run(const char *name, const hv_cdf *pool, const item *it, size_t n)
{
    hv_rans_encoder *enc = hv_rans_encoder_new();
    REQUIRE(enc, "encoder_new");
    double ideal = 0;
    size_t escapes = 0;
    for (size_t i = 0; i < n; i++) {
        hvic_status st;
        if (it[i].cdf == 0xFFFF) {
            st = hv_rans_put_bits(enc, (uint32_t)it[i].value, it[i].nbits);
            ideal += it[i].nbits;
        } else {
            const hv_cdf *c = &pool[it[i].cdf];
            st = hv_rans_put(enc, c, it[i].value);
            ideal += ideal_bits(c, it[i].value);
            int64_t v = it[i].value;
            escapes += v < c->offset || v > (int64_t)c->offset + c->nsym - 2;
        }
        REQUIRE(st == HVIC_OK, "%s: put %zu returned %d", name, i, st);
    }
    uint8_t *buf;
    size_t len;
    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "%s: finish", name);
    CHECK(hv_rans_encoder_pending(enc) == 0, "%s: queue not emptied", name);

    double bits = 8.0 * (double)len;
    CHECK(bits <= ideal * 1.005 + 64, "%s: %zu bytes, ideal %.0f bytes (+%.3f%%)", name, len,
          ideal / 8, 100 * (bits / ideal - 1));
    CHECK(bits >= ideal - 64, "%s: %zu bytes below the ideal %.0f bytes", name, len, ideal / 8);
    printf("%s: %zu symbols (%zu escaped), %zu bytes, ideal %.1f bytes, overhead %+.4f%%\n",
           name, n, escapes, len, ideal / 8, 100 * (bits / ideal - 1));

    hv_rans_decoder dec;
    REQUIRE(hv_rans_decoder_init(&dec, buf, len) == HVIC_OK, "%s: decoder_init", name);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        hvic_status st;
        int32_t v = 0;
        uint32_t b = 0;
        if (it[i].cdf == 0xFFFF) {
            st = hv_rans_get_bits(&dec, it[i].nbits, &b);
            v = (int32_t)b;
        } else {
            st = hv_rans_get(&dec, &pool[it[i].cdf], &v);
        }
        if (st != HVIC_OK || v != it[i].value) {
            if (bad++ < 5)
                CHECK(0, "%s: symbol %zu: status %d, got %d want %d", name, i, st, v,
                      it[i].value);
        }
    }
    CHECK(bad == 0, "%s: %zu symbols decoded wrong", name, bad);
    CHECK(hv_rans_decoder_finish(&dec) == HVIC_OK, "%s: decoder_finish", name);

    /* determinism: re-encoding with the reused encoder gives the same bytes */
    for (size_t i = 0; i < n && i < 1000; i++) {
        if (it[i].cdf == 0xFFFF)
            hv_rans_put_bits(enc, (uint32_t)it[i].value, it[i].nbits);
        else
            hv_rans_put(enc, &pool[it[i].cdf], it[i].value);
    }
    uint8_t *buf2;
    size_t len2;
    REQUIRE(hv_rans_finish(enc, &buf2, &len2) == HVIC_OK, "%s: finish 2", name);
    hv_rans_encoder *enc2 = hv_rans_encoder_new();
    REQUIRE(enc2, "encoder_new");
    for (size_t i = 0; i < n && i < 1000; i++) {
        if (it[i].cdf == 0xFFFF)
            hv_rans_put_bits(enc2, (uint32_t)it[i].value, it[i].nbits);
        else
            hv_rans_put(enc2, &pool[it[i].cdf], it[i].value);
    }
    uint8_t *buf3;
    size_t len3;
    REQUIRE(hv_rans_finish(enc2, &buf3, &len3) == HVIC_OK, "%s: finish 3", name);
    CHECK(len2 == len3 && memcmp(buf2, buf3, len2) == 0, "%s: reused encoder differs", name);
    free(buf3);
    free(buf2);
    free(buf);
    hv_rans_encoder_free(enc2);
    hv_rans_encoder_free(enc);
}

static void test_random_cdfs(void)
{
    rng_t r = {0x5EED0001};
    hv_cdf pool[N_RANDOM_CDFS];
    uint32_t *counts = malloc(4095 * sizeof *counts);
    REQUIRE(counts, "oom");
    for (int p = 0; p < N_RANDOM_CDFS; p++) {
        uint32_t u = rng_below(&r, 100), n;
        if (u < 70)
            n = 1 + rng_below(&r, 64);
        else if (u < 95)
            n = 65 + rng_below(&r, 960);
        else
            n = 1025 + rng_below(&r, 3071);
        unsigned shape = rng_below(&r, 24);
        for (uint32_t i = 0; i < n; i++)
            counts[i] = rng_below(&r, 5) == 0 ? 0 : (uint32_t)(rng_next(&r) >> (40 + shape));
        counts[rng_below(&r, n)] += 1; /* never all zero */
        int32_t off = (int32_t)rng_below(&r, 2001) - 1000;
        if (p == 0)
            off = INT32_MIN; /* ranges touching the int32 limits */
        if (p == 1)
            off = INT32_MAX - (int32_t)n + 1;
        REQUIRE(hv_cdf_from_freqs(off, counts, n, &pool[p]) == HVIC_OK, "pool %d", p);
    }
    free(counts);

    item *it = malloc(NSYM_RANDOM * sizeof *it);
    REQUIRE(it, "oom");
    for (size_t i = 0; i < NSYM_RANDOM; i++) {
        uint32_t u = rng_below(&r, 1000);
        if (u < 20) { /* raw bits now and then */
            it[i].cdf = 0xFFFF;
            it[i].nbits = (uint8_t)(1 + rng_below(&r, 16));
            it[i].value = (int32_t)rng_below(&r, 1u << it[i].nbits);
            continue;
        }
        it[i].cdf = (uint16_t)rng_below(&r, N_RANDOM_CDFS);
        const hv_cdf *c = &pool[it[i].cdf];
        it[i].value = u < 21 ? outlier(&r, c->offset, (int64_t)c->offset + c->nsym - 2, 1)
                             : draw(&r, c);
    }
    run("random cdfs", pool, it, NSYM_RANDOM);
    free(it);
    for (int p = 0; p < N_RANDOM_CDFS; p++)
        hv_cdf_free(&pool[p]);
}

static void test_gaussian(void)
{
    /* 64 log-spaced scales 0.11 .. 256 */
    float scales[64];
    for (int i = 0; i < 64; i++)
        scales[i] = (float)exp(log(0.11) + i * (log(256.0) - log(0.11)) / 63);
    hv_cdf_table t;
    REQUIRE(hv_cdf_table_gaussian(scales, 64, &t) == HVIC_OK, "table");
    rng_t r = {0x5EED0002};
    item *it = malloc(NSYM_GAUSS * sizeof *it);
    REQUIRE(it, "oom");
    for (size_t i = 0; i < NSYM_GAUSS; i++) {
        it[i].cdf = (uint16_t)rng_below(&r, 64);
        const hv_cdf *c = &t.cdfs[it[i].cdf];
        it[i].value = rng_below(&r, 2000) == 0
                          ? outlier(&r, c->offset, (int64_t)c->offset + c->nsym - 2, 1)
                          : draw(&r, c);
    }
    run("gaussian", t.cdfs, it, NSYM_GAUSS);

    /* one scale at a time: small and large alphabets alone */
    const int pick[3] = {0, 20, 63};
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < 100000; i++) {
            it[i].cdf = (uint16_t)pick[k];
            it[i].value = draw(&r, &t.cdfs[pick[k]]);
        }
        char name[64];
        snprintf(name, sizeof name, "gaussian sigma=%g", scales[pick[k]]);
        run(name, t.cdfs, it, 100000);
    }
    free(it);
    hv_cdf_table_free(&t);
}

int main(void)
{
    test_random_cdfs();
    test_gaussian();
    return test_summary("test_rans");
}
