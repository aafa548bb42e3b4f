/* hvic entropy coding: deterministic CDF construction (see cdf.h and
 * spec/entropy.md, sections "Gaussian CDF", "CDF from counts", "Quantisation").
 *
 * Why the Gaussian tables are bit-identical on every platform
 * ------------------------------------------------------------
 * The only floating-point operations used are IEEE-754 binary64 +, -, *, /
 * (which IEEE-754 requires to be correctly rounded, round-to-nearest-even by
 * default), the exact conversions int <-> double and double -> integer
 * truncation of in-range values, and exact scalings by powers of two built
 * from their bit pattern. No libm function (exp, erf, erfc, ceil, ...) is
 * called, because libms differ in their last bits. Every expression is written
 * in one fixed evaluation order, and:
 *   - FMA contraction is disabled (-ffp-contract=off on this file, plus the
 *     STDC FP_CONTRACT pragma for clang), so a*b+c is always two roundings;
 *   - FLT_EVAL_METHOD must be 0 (no x87 excess precision): true for x86-64
 *     (SSE2) and aarch64; checked below at compile time;
 *   - -ffast-math (which allows reassociation and reciprocal tricks) is
 *     refused at compile time;
 *   - no intermediate result is subnormal (|t| < 8, exp argument >= -32), so
 *     flush-to-zero modes cannot change anything.
 * Under these conditions each operation has exactly one permitted result, so
 * gcc and clang, -O0 and -O2, x86-64 and aarch64 all produce the same doubles;
 * these are rounded to 40-bit integers and the rest is integer arithmetic.
 * tests/entropy/test_cdf.c checks hashes of the exact bits of Q(t) and of 70
 * tables against constants that tests/entropy/hvic_entropy_ref.py reproduces
 * in Python, and fp_path_ok() below re-checks a few bits at run time.
 */
#include "cdf.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(__FAST_MATH__)
#error "entropy/cdf.c must not be compiled with -ffast-math (tables would not be deterministic)"
#endif
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "entropy/cdf.c needs FLT_EVAL_METHOD == 0 (IEEE double without excess precision, e.g. SSE2)"
#endif

/* Constants as exact binary64 values (spec/entropy.md lists the same hex). */
static const double INV_SQRT_2PI = 0x1.9884533d43651p-2; /* 1/sqrt(2*pi) */
static const double INV_LN2 = 0x1.71547652b82fep+0;      /* 1/ln 2 */
static const double LN2_HI = 0x1.62e42feep-1;            /* ln 2, high part (32 zero low bits) */
static const double LN2_LO = 0x1.a39ef35793c76p-33;      /* ln 2 - LN2_HI */
static const double FIX40 = 0x1p40;                       /* fixed-point scale of the masses */

/* 2^k for -1022 <= k <= 1023, built exactly from its bit pattern. */
static double pow2i(int k)
{
    uint64_t bits = (uint64_t)(1023 + k) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* exp(y) for -32.5 <= y <= 0: Cody-Waite reduction y = k*ln2 + r with
 * |r| <= ~0.347, then a degree-14 Taylor polynomial in nested (Horner) form
 * p = 1 + r/n * p for n = 14..1 (relative error < 1e-16). */
static double exp_nonpos(double y)
{
    double q = y * INV_LN2;
    int k = (int)(q - 0.5); /* q <= 0: round to nearest, ties away from zero */
    double r = (y - (double)k * LN2_HI) - (double)k * LN2_LO;
    double p = 1.0;
    for (int n = 14; n >= 1; n--)
        p = 1.0 + (p * r) / (double)n;
    return p * pow2i(k);
}

double hv_cdf_gauss_q(double t)
{
    if (!(t > 0.0))
        return 0.5;
    if (t >= 8.0)
        return 0.0; /* Q(8) < 7e-16: rounds to 0 in 40-bit fixed point anyway */
    /* Phi(t) - 1/2 = phi(t) * sum_{n>=0} t^(2n+1) / (1*3*...*(2n+1))
     * (Abramowitz & Stegun 26.2.11); all terms are positive, so the sum is
     * accurate to a few ulps, and Q = 1/2 - phi*sum has absolute error
     * ~1e-16 (only absolute accuracy matters: masses are fixed point). */
    double tt = t * t;
    double term = t, sum = t;
    for (int n = 1; n <= 400; n++) {
        term = (term * tt) / (double)(2 * n + 1);
        sum = sum + term;
        if (term <= sum * 0x1p-60)
            break;
    }
    double phi = exp_nonpos(-0.5 * tt) * INV_SQRT_2PI;
    return 0.5 - phi * sum;
}

/* Build self-check: the exact bits of Q at a few points (the Python reference
 * gives the same). A build that contracts to FMA or keeps excess precision
 * gets other bits here (tried with gcc and clang -march=native
 * -ffp-contract=fast), and then refuses to build Gaussian tables instead of
 * silently producing tables that differ from other platforms'. The volatile
 * read keeps the compiler from evaluating the probes at compile time. */
static int fp_path_ok(void)
{
    static const struct {
        double t;
        uint64_t bits;
    } probe[4] = {
        {0.3, 0x3fd87423a677e90full},
        {0.7, 0x3fcef8aa3a8f355eull},
        {2.5, 0x3f796f4e57e49d00ull},
        {6.0, 0x3e10f30f10000000ull},
    };
    for (int i = 0; i < 4; i++) {
        volatile double t = probe[i].t;
        double q = hv_cdf_gauss_q(t);
        uint64_t bits;
        memcpy(&bits, &q, sizeof bits);
        if (bits != probe[i].bits)
            return 0;
    }
    return 1;
}

hvic_status hv_cdf_check(const hv_cdf *cdf)
{
    if (!cdf || !cdf->cdf || cdf->nsym < 1 || cdf->nsym > HVIC_CDF_MAX_NSYM)
        return HVIC_ERR_ARG;
    if (cdf->cdf[0] != 0 || cdf->cdf[cdf->nsym] != HVIC_CDF_TOTAL)
        return HVIC_ERR_ARG;
    for (uint32_t i = 0; i < cdf->nsym; i++)
        if (cdf->cdf[i + 1] <= cdf->cdf[i])
            return HVIC_ERR_ARG;
    return HVIC_OK;
}

void hv_cdf_free(hv_cdf *cdf)
{
    if (!cdf)
        return;
    free(cdf->cdf);
    cdf->cdf = NULL;
    cdf->nsym = 0;
    cdf->offset = 0;
}

typedef struct rem_entry {
    uint64_t rem;
    uint32_t idx;
} rem_entry;

/* Larger remainder first, then lower index: a total order, so qsort's lack of
 * stability cannot matter. */
static int rem_cmp(const void *a, const void *b)
{
    const rem_entry *x = a, *y = b;
    if (x->rem != y->rem)
        return x->rem > y->rem ? -1 : 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

#define MASS_MAX ((uint64_t)1 << 47)

hvic_status hv_cdf_quantize(const uint64_t *mass, uint32_t n, uint32_t *freq)
{
    if (!mass || !freq || n < 1 || n > HVIC_CDF_MAX_NSYM)
        return HVIC_ERR_ARG;
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (mass[i] > MASS_MAX)
            return HVIC_ERR_ARG;
        total += mass[i];
        if (total > MASS_MAX)
            return HVIC_ERR_ARG;
    }
    if (total == 0)
        return HVIC_ERR_ARG;

    rem_entry *rem = malloc((size_t)n * sizeof *rem);
    if (!rem)
        return HVIC_ERR_NOMEM;

    /* 1. Largest remainder (Hamilton) apportionment of 65536 units. */
    uint64_t used = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t num = mass[i] << HVIC_CDF_PRECISION; /* < 2^63 */
        freq[i] = (uint32_t)(num / total);
        rem[i].rem = num % total;
        rem[i].idx = i;
        used += freq[i];
    }
    /* sum of remainders = (65536 - used) * total, and each is < total */
    uint32_t left = HVIC_CDF_TOTAL - (uint32_t)used; /* 0 <= left < n */
    if (left > 0) {
        qsort(rem, n, sizeof *rem, rem_cmp);
        for (uint32_t j = 0; j < left; j++)
            freq[rem[j].idx]++;
    }
    free(rem);

    /* 2. Give every symbol at least 1, stealing from the largest. Before each
     * steal the n <= 4096 frequencies sum to more than 65536, so the largest
     * is > 16 and stays >= 1 after the steal. */
    uint32_t raised = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (freq[i] == 0) {
            freq[i] = 1;
            raised++;
        }
    }
    for (; raised > 0; raised--) {
        uint32_t best = 0;
        for (uint32_t i = 1; i < n; i++)
            if (freq[i] > freq[best])
                best = i;
        freq[best]--;
    }
    return HVIC_OK;
}

/* Fills cdf[0..nsym] from freq[0..nsym-1]. */
static void freqs_to_cdf(const uint32_t *freq, uint32_t nsym, uint32_t *cdf)
{
    cdf[0] = 0;
    for (uint32_t i = 0; i < nsym; i++)
        cdf[i + 1] = cdf[i] + freq[i];
}

hvic_status hv_cdf_from_freqs(int32_t offset, const uint32_t *freq, uint32_t n, hv_cdf *out)
{
    if (!out)
        return HVIC_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!freq || n < 1 || n > HVIC_CDF_MAX_NSYM - 1)
        return HVIC_ERR_ARG;
    uint32_t nsym = n + 1;
    uint64_t *mass = malloc((size_t)nsym * sizeof *mass);
    uint32_t *q = malloc((size_t)nsym * sizeof *q);
    uint32_t *cdf = malloc(((size_t)nsym + 1) * sizeof *cdf);
    hvic_status st = HVIC_ERR_NOMEM;
    if (mass && q && cdf) {
        for (uint32_t i = 0; i < n; i++)
            mass[i] = freq[i];
        mass[n] = 0; /* ESCAPE */
        st = hv_cdf_quantize(mass, nsym, q); /* ARG if all counts are zero */
    }
    if (st == HVIC_OK) {
        freqs_to_cdf(q, nsym, cdf);
        out->offset = offset;
        out->nsym = nsym;
        out->cdf = cdf;
        cdf = NULL;
    }
    free(mass);
    free(q);
    free(cdf);
    return st;
}

/* Support half-width K for a valid sigma: min(MAX_K, ceil(4.33*sigma - 0.5)). */
static uint32_t gauss_k(double sigma)
{
    double v = HVIC_CDF_GAUSS_TAIL * sigma - 0.5; /* > -0.5 */
    if (v >= (double)HVIC_CDF_GAUSS_MAX_K)
        return HVIC_CDF_GAUSS_MAX_K;
    int k = (int)v; /* truncation; v > -0.5 so k >= 0 */
    if ((double)k < v)
        k++;
    return (uint32_t)k;
}

static int sigma_ok(float sigma)
{
    double s = (double)sigma;
    return s > 0.0 && s <= DBL_MAX; /* false for NaN and +inf */
}

/* Builds the Gaussian CDF of scale sigma with support [-K, K] into
 * cdf[0 .. 2K+2]; mass and freq are scratch arrays of 2K+2 entries. */
static hvic_status gauss_fill(double sigma, uint32_t K, uint64_t *mass, uint32_t *freq,
                              uint32_t *cdf)
{
    /* U[j] = round(Q((j+0.5)/sigma) * 2^40), made non-increasing in j;
     * stored in mass[K+j] temporarily (then overwritten below, high to low). */
    uint64_t *U = mass + K; /* U[0..K] */
    uint64_t prev = (uint64_t)1 << 39;
    for (uint32_t j = 0; j <= K; j++) {
        double t = ((double)j + 0.5) / sigma;
        double q = hv_cdf_gauss_q(t);
        if (q < 0.0)
            q = 0.0;
        uint64_t u = (uint64_t)(q * FIX40 + 0.5);
        if (u > prev)
            u = prev;
        U[j] = u;
        prev = u;
    }
    /* Masses, index i = k + K for k = -K..K, ESCAPE at 2K+1:
     *   k = 0: 2^40 - 2*U[0];  |k| >= 1: U[|k|-1] - U[|k|];  ESCAPE: 2*U[K].
     * They sum to exactly 2^40. Written from the top index down so that the
     * U values still needed are not yet overwritten (U[j] lives at K+j). */
    uint64_t uK = U[K], u0 = U[0];
    mass[2 * K + 1] = 2 * uK;
    for (uint32_t j = K; j >= 1; j--) {
        uint64_t m = U[j - 1] - U[j];
        mass[K + j] = m;  /* k = +j  (overwrites U[j], no longer needed) */
        mass[K - j] = m;  /* k = -j  (below U[0], never part of U) */
    }
    mass[K] = ((uint64_t)1 << 40) - 2 * u0;
    hvic_status st = hv_cdf_quantize(mass, 2 * K + 2, freq);
    if (st == HVIC_OK)
        freqs_to_cdf(freq, 2 * K + 2, cdf);
    return st;
}

hvic_status hv_cdf_gaussian(float sigma, hv_cdf *out)
{
    if (!out)
        return HVIC_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!sigma_ok(sigma))
        return HVIC_ERR_ARG;
    if (!fp_path_ok())
        return HVIC_ERR_UNSUPPORTED;
    uint32_t K = gauss_k((double)sigma);
    uint32_t nsym = 2 * K + 2;
    uint64_t *mass = malloc((size_t)nsym * sizeof *mass);
    uint32_t *freq = malloc((size_t)nsym * sizeof *freq);
    uint32_t *cdf = malloc(((size_t)nsym + 1) * sizeof *cdf);
    hvic_status st = HVIC_ERR_NOMEM;
    if (mass && freq && cdf)
        st = gauss_fill((double)sigma, K, mass, freq, cdf);
    if (st == HVIC_OK) {
        out->offset = -(int32_t)K;
        out->nsym = nsym;
        out->cdf = cdf;
        cdf = NULL;
    }
    free(mass);
    free(freq);
    free(cdf);
    return st;
}

void hv_cdf_table_free(hv_cdf_table *table)
{
    if (!table)
        return;
    if (table->cdfs)
        free(table->cdfs[0].cdf); /* the shared allocation starts at cdfs[0] */
    free(table->cdfs);
    table->cdfs = NULL;
    table->count = 0;
}

hvic_status hv_cdf_table_gaussian(const float *scales, uint32_t count, hv_cdf_table *out)
{
    if (!out)
        return HVIC_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!scales || count < 1)
        return HVIC_ERR_ARG;
    size_t entries = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (!sigma_ok(scales[i]))
            return HVIC_ERR_ARG;
        entries += 2 * (size_t)gauss_k((double)scales[i]) + 3;
    }
    if (!fp_path_ok())
        return HVIC_ERR_UNSUPPORTED;
    hv_cdf *cdfs = calloc(count, sizeof *cdfs);
    uint32_t *store = malloc(entries * sizeof *store);
    uint64_t *mass = malloc(HVIC_CDF_MAX_NSYM * sizeof *mass);
    uint32_t *freq = malloc(HVIC_CDF_MAX_NSYM * sizeof *freq);
    hvic_status st = HVIC_ERR_NOMEM;
    if (cdfs && store && mass && freq) {
        size_t pos = 0;
        st = HVIC_OK;
        for (uint32_t i = 0; i < count && st == HVIC_OK; i++) {
            uint32_t K = gauss_k((double)scales[i]);
            cdfs[i].offset = -(int32_t)K;
            cdfs[i].nsym = 2 * K + 2;
            cdfs[i].cdf = store + pos;
            pos += 2 * (size_t)K + 3;
            st = gauss_fill((double)scales[i], K, mass, freq, cdfs[i].cdf);
        }
    }
    free(mass);
    free(freq);
    if (st != HVIC_OK) {
        free(cdfs);
        free(store);
        return st;
    }
    out->count = count;
    out->cdfs = cdfs;
    return HVIC_OK;
}
