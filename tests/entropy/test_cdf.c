/* Tests of the deterministic CDF constructions (entropy/cdf.c). */
#include "scales.h"
#include "entropy_util.h"

/* FNV-1a 64 of the 70 Gaussian tables of HASH_SCALES (hash_cdf chained).
 * Recorded from this code and reproduced independently by
 * tests/entropy/hvic_entropy_ref.py; every build (gcc/clang, -O0/-O2,
 * x86-64/aarch64) must give it. */
#define GAUSS_TABLE_HASH 0xa3b138eb8b94a6daull
/* FNV-1a 64 of the bytes (little-endian binary64) of hv_cdf_gauss_q((j+0.5)/s)
 * for the 64 log-spaced scales s and j = 0..63: catches any last-bit change
 * of the floating-point path (e.g. FMA contraction), which the table hash,
 * after rounding to 40-bit fixed point, may absorb. */
#define Q_BITS_HASH 0x884e67c3d7ff5077ull
/* FNV-1a 64 of the 20 count tables of from_freqs_case(), same procedure. */
#define FREQ_TABLE_HASH 0xc1422e6f821e9be8ull

/* Invariants every table must satisfy. */
static void check_table(const hv_cdf *c, const char *what, double param)
{
    CHECK(hv_cdf_check(c) == HVIC_OK, "%s(%g): hv_cdf_check failed", what, param);
    if (!c->cdf)
        return;
    CHECK(c->cdf[0] == 0 && c->cdf[c->nsym] == 65536, "%s(%g): ends %u..%u", what, param,
          c->cdf[0], c->cdf[c->nsym]);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < c->nsym; i++) {
        uint32_t f = c->cdf[i + 1] - c->cdf[i];
        CHECK(f >= 1 && f <= 65536, "%s(%g): freq[%u] = %u", what, param, i, f);
        sum += f;
    }
    CHECK(sum == 65536, "%s(%g): sum %" PRIu64, what, param, sum);
}

static double true_tail(double t) /* libm reference for Q(t); test only */
{
    return 0.5 * erfc(t / sqrt(2.0));
}

static void test_gauss_q(void)
{
    double worst = 0, at = 0;
    for (int i = 0; i <= 100000; i++) {
        double t = i * 1e-4;
        double d = fabs(hv_cdf_gauss_q(t) - true_tail(t));
        if (d > worst) {
            worst = d;
            at = t;
        }
    }
    CHECK(worst < 4e-15, "Q(t) off libm erfc by %g at t=%g", worst, at);
    uint64_t h = FNV_OFFSET;
    for (int i = 0; i < N_LOG_SCALES; i++) {
        for (int j = 0; j < 64; j++) {
            double q = hv_cdf_gauss_q(((double)j + 0.5) / (double)HASH_SCALES[i]);
            uint64_t bits;
            memcpy(&bits, &q, sizeof bits);
            for (int b = 0; b < 8; b++) {
                uint8_t byte = (uint8_t)(bits >> (8 * b));
                h = fnv1a64(h, &byte, 1);
            }
        }
    }
    CHECK(h == Q_BITS_HASH, "Q(t) bits hash 0x%016" PRIx64 ", expected 0x%016" PRIx64
          " (floating-point path not bit-exact: FMA contraction? x87?)", h, (uint64_t)Q_BITS_HASH);
    CHECK(hv_cdf_gauss_q(0.0) == 0.5, "Q(0) = %.17g", hv_cdf_gauss_q(0.0));
    CHECK(hv_cdf_gauss_q(8.0) == 0.0 && hv_cdf_gauss_q(1e300) == 0.0, "Q(t>=8) != 0");
    printf("gauss_q: max |Q - erfc/2| = %.3g (t = %g)\n", worst, at);
}

static void test_gaussian_tables(void)
{
    uint64_t h = FNV_OFFSET;
    double worst_kl = 0;
    float worst_s = 0;
    for (int i = 0; i < N_HASH_SCALES; i++) {
        float s = HASH_SCALES[i];
        hv_cdf c;
        hvic_status st = hv_cdf_gaussian(s, &c);
        REQUIRE(st == HVIC_OK, "gaussian(%g) returned %d%s", s, st,
                st == HVIC_ERR_UNSUPPORTED ? " (floating-point path not bit-exact)" : "");
        check_table(&c, "gaussian", s);
        h = hash_cdf(h, &c);

        /* support: K = min(2047, ceil(4.33 s - 0.5)); symmetric up to the
         * tie-breaking of the quantiser (ties go to the lower index) */
        double kd = ceil(4.33 * (double)s - 0.5);
        uint32_t K = kd > 2047 ? 2047 : (uint32_t)kd;
        CHECK(c.offset == -(int32_t)K && c.nsym == 2 * K + 2, "gaussian(%g): offset %d nsym %u,"
              " want K=%u", s, c.offset, c.nsym, K);
        for (uint32_t k = 1; k <= K && c.nsym == 2 * K + 2; k++)
            CHECK(cdf_freq(&c, K + k) - cdf_freq(&c, K - k) + 1u <= 2u,
                  "gaussian(%g): f(%u) = %u, f(-%u) = %u", s, k, cdf_freq(&c, K + k), k,
                  cdf_freq(&c, K - k));
        if (kd <= 2047)
            CHECK(2 * true_tail((K + 0.5) / s) < 1.0 / 65536, "gaussian(%g): tail mass %g", s,
                  2 * true_tail((K + 0.5) / s));

        /* quality: KL(true pmf || quantised) in bits per symbol */
        if (i < N_LOG_SCALES) {
            double kl = 0;
            for (uint32_t j = 0; j < c.nsym; j++) {
                double p;
                if (j + 1 < c.nsym) {
                    double k = (double)j - K;
                    p = true_tail((k - 0.5) / s) - true_tail((k + 0.5) / s);
                } else {
                    p = 2 * true_tail((K + 0.5) / s);
                }
                if (p > 0)
                    kl += p * log2(p / (cdf_freq(&c, j) / 65536.0));
            }
            if (kl > worst_kl) {
                worst_kl = kl;
                worst_s = s;
            }
        }
        hv_cdf_free(&c);
        CHECK(c.cdf == NULL && c.nsym == 0, "hv_cdf_free did not empty the table");
    }
    CHECK(h == GAUSS_TABLE_HASH, "Gaussian table hash 0x%016" PRIx64 ", expected 0x%016" PRIx64,
          h, (uint64_t)GAUSS_TABLE_HASH);
    CHECK(worst_kl < 0.01, "quantisation loss %g bits/symbol at sigma %g", worst_kl, worst_s);
    printf("gaussian: table hash 0x%016" PRIx64 ", worst KL %.5f bits/symbol (sigma %g)\n", h,
           worst_kl, worst_s);
}

static void test_gaussian_table_helper(void)
{
    hv_cdf_table t;
    REQUIRE(hv_cdf_table_gaussian(HASH_SCALES, N_HASH_SCALES, &t) == HVIC_OK, "table failed");
    CHECK(t.count == N_HASH_SCALES, "count %u", t.count);
    uint64_t h = FNV_OFFSET;
    for (uint32_t i = 0; i < t.count; i++) {
        check_table(&t.cdfs[i], "table", HASH_SCALES[i]);
        h = hash_cdf(h, &t.cdfs[i]);
    }
    CHECK(h == GAUSS_TABLE_HASH, "table helper hash 0x%016" PRIx64 " differs", h);
    hv_cdf_table_free(&t);
    CHECK(t.cdfs == NULL && t.count == 0, "table_free did not empty");
    hv_cdf_table_free(&t); /* idempotent */

    float bad[3] = {1.0f, -1.0f, 2.0f};
    CHECK(hv_cdf_table_gaussian(bad, 3, &t) == HVIC_ERR_ARG && t.cdfs == NULL,
          "negative scale accepted in table");
    CHECK(hv_cdf_table_gaussian(bad, 0, &t) == HVIC_ERR_ARG, "count 0 accepted");
    CHECK(hv_cdf_table_gaussian(NULL, 1, &t) == HVIC_ERR_ARG, "NULL scales accepted");
}

static void test_gaussian_args(void)
{
    hv_cdf c;
    const float bad[] = {0.0f, -0.0f, -1.0f, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c.cdf = (uint32_t *)&c; /* must be reset */
        CHECK(hv_cdf_gaussian(bad[i], &c) == HVIC_ERR_ARG && c.cdf == NULL && c.nsym == 0,
              "sigma %g not rejected", bad[i]);
    }
    CHECK(hv_cdf_gaussian(1.0f, NULL) == HVIC_ERR_ARG, "NULL out accepted");
    /* extremes are valid: tiny sigma is a point mass, huge sigma hits the cap */
    REQUIRE(hv_cdf_gaussian(1e-30f, &c) == HVIC_OK, "tiny sigma");
    CHECK(c.nsym == 2 && c.offset == 0 && cdf_freq(&c, 0) == 65535, "tiny sigma: nsym %u f0 %u",
          c.nsym, cdf_freq(&c, 0));
    hv_cdf_free(&c);
    REQUIRE(hv_cdf_gaussian(3.0e38f, &c) == HVIC_OK, "huge sigma");
    check_table(&c, "gaussian", 3.0e38);
    CHECK(c.nsym == HVIC_CDF_MAX_NSYM && cdf_freq(&c, c.nsym - 1) == 65536 - 4095,
          "huge sigma: nsym %u escape %u", c.nsym, cdf_freq(&c, c.nsym - 1));
    hv_cdf_free(&c);
}

/* Deterministic count table number t (1..20), mirrored in the Python reference. */
static uint32_t from_freqs_case(uint32_t t, uint32_t *counts, int32_t *offset)
{
    uint32_t n = t == 20 ? 4095 : 1 + (t * t * 37 + 11) % 300;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = i * 2654435761u + t * 40503u;
        counts[i] = h % 5 == 0 ? 0 : (h >> t) + 1;
    }
    *offset = (int32_t)t * 1000 - 5000;
    return n;
}

static void test_from_freqs(void)
{
    hv_cdf c;
    /* exact small cases */
    const uint32_t a[2] = {3, 1};
    REQUIRE(hv_cdf_from_freqs(-7, a, 2, &c) == HVIC_OK, "from_freqs {3,1}");
    CHECK(c.offset == -7 && c.nsym == 3 && c.cdf[1] == 49151 && c.cdf[2] == 65535,
          "{3,1} -> %u %u (want 49151 65535)", c.cdf[1], c.cdf[2]);
    hv_cdf_free(&c);
    const uint32_t b[3] = {1, 1, 1}; /* 65536/3: remainders tie, lower index wins */
    REQUIRE(hv_cdf_from_freqs(0, b, 3, &c) == HVIC_OK, "from_freqs {1,1,1}");
    CHECK(cdf_freq(&c, 0) == 21845 && cdf_freq(&c, 1) == 21845 && cdf_freq(&c, 2) == 21845 &&
              cdf_freq(&c, 3) == 1,
          "{1,1,1} -> %u %u %u %u", cdf_freq(&c, 0), cdf_freq(&c, 1), cdf_freq(&c, 2),
          cdf_freq(&c, 3));
    hv_cdf_free(&c);
    /* one non-zero count among 4095: it keeps everything the minimum leaves */
    uint32_t *big = calloc(4095, sizeof *big);
    REQUIRE(big, "oom");
    big[1234] = 7;
    REQUIRE(hv_cdf_from_freqs(100, big, 4095, &c) == HVIC_OK, "sparse table");
    check_table(&c, "from_freqs sparse", 0);
    CHECK(cdf_freq(&c, 1234) == 65536 - 4095, "sparse: f = %u", cdf_freq(&c, 1234));
    hv_cdf_free(&c);
    /* huge counts do not overflow */
    for (uint32_t i = 0; i < 4095; i++)
        big[i] = 0xFFFFFFFFu - i;
    REQUIRE(hv_cdf_from_freqs(0, big, 4095, &c) == HVIC_OK, "huge counts");
    check_table(&c, "from_freqs huge", 0);
    hv_cdf_free(&c);

    /* errors */
    memset(big, 0, 4095 * sizeof *big);
    CHECK(hv_cdf_from_freqs(0, big, 10, &c) == HVIC_ERR_ARG && c.cdf == NULL, "all-zero");
    CHECK(hv_cdf_from_freqs(0, a, 0, &c) == HVIC_ERR_ARG, "n = 0 accepted");
    CHECK(hv_cdf_from_freqs(0, NULL, 2, &c) == HVIC_ERR_ARG, "NULL freq accepted");
    CHECK(hv_cdf_from_freqs(0, a, 2, NULL) == HVIC_ERR_ARG, "NULL out accepted");
    uint32_t *huge = calloc(4096, sizeof *huge);
    REQUIRE(huge, "oom");
    huge[0] = 1;
    CHECK(hv_cdf_from_freqs(0, huge, 4096, &c) == HVIC_ERR_ARG, "n = 4096 accepted");
    free(huge);

    /* deterministic tables, hash shared with the Python reference */
    uint64_t h = FNV_OFFSET;
    for (uint32_t t = 1; t <= 20; t++) {
        int32_t off;
        uint32_t n = from_freqs_case(t, big, &off);
        REQUIRE(hv_cdf_from_freqs(off, big, n, &c) == HVIC_OK, "case %u", t);
        check_table(&c, "from_freqs case", t);
        /* proportionality: every non-zero-count symbol within 1 unit of its
         * share, before the (few) steals; steals only lower frequencies */
        uint64_t T = 0;
        for (uint32_t i = 0; i < n; i++)
            T += big[i];
        for (uint32_t i = 0; i < n; i++) {
            double share = (double)big[i] * 65536.0 / (double)T;
            double f = cdf_freq(&c, i);
            CHECK(f <= floor(share) + 1 || (share < 1 && f == 1), "case %u sym %u: f %g share %g",
                  t, i, f, share);
        }
        h = hash_cdf(h, &c);
        hv_cdf_free(&c);
    }
    free(big);
    CHECK(h == FREQ_TABLE_HASH, "count table hash 0x%016" PRIx64 ", expected 0x%016" PRIx64, h,
          (uint64_t)FREQ_TABLE_HASH);
}

static void test_quantize_and_check(void)
{
    uint64_t mass[5] = {0, 0, 0, 0, 0};
    uint32_t f[5];
    CHECK(hv_cdf_quantize(mass, 5, f) == HVIC_ERR_ARG, "zero total accepted");
    mass[0] = ((uint64_t)1 << 47) + 1;
    CHECK(hv_cdf_quantize(mass, 5, f) == HVIC_ERR_ARG, "mass > 2^47 accepted");
    mass[0] = (uint64_t)1 << 46;
    mass[1] = (uint64_t)1 << 46;
    mass[2] = 1;
    CHECK(hv_cdf_quantize(mass, 5, f) == HVIC_ERR_ARG, "total > 2^47 accepted");
    mass[2] = 0;
    REQUIRE(hv_cdf_quantize(mass, 5, f) == HVIC_OK, "quantize");
    /* 32768, 32768, 0, 0, 0 -> raise 3, steal from index 0, 1, 0 */
    CHECK(f[0] == 32766 && f[1] == 32767 && f[2] == 1 && f[3] == 1 && f[4] == 1,
          "quantize -> %u %u %u %u %u", f[0], f[1], f[2], f[3], f[4]);

    uint32_t good[4] = {0, 100, 200, 65536}, bad1[4] = {0, 100, 100, 65536},
             bad2[4] = {0, 100, 200, 65535}, bad3[4] = {1, 100, 200, 65536};
    hv_cdf c = {0, 3, good};
    CHECK(hv_cdf_check(&c) == HVIC_OK, "valid table rejected");
    c.cdf = bad1;
    CHECK(hv_cdf_check(&c) == HVIC_ERR_ARG, "zero frequency accepted");
    c.cdf = bad2;
    CHECK(hv_cdf_check(&c) == HVIC_ERR_ARG, "total != 65536 accepted");
    c.cdf = bad3;
    CHECK(hv_cdf_check(&c) == HVIC_ERR_ARG, "cdf[0] != 0 accepted");
    c.cdf = good;
    c.nsym = 0;
    CHECK(hv_cdf_check(&c) == HVIC_ERR_ARG, "nsym 0 accepted");
    CHECK(hv_cdf_check(NULL) == HVIC_ERR_ARG, "NULL accepted");
}

int main(void)
{
    test_gauss_q();
    test_gaussian_tables();
    test_gaussian_table_helper();
    test_gaussian_args();
    test_from_freqs();
    test_quantize_and_check();
    return test_summary("test_cdf");
}
