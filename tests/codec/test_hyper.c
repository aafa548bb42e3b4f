/* The integer h_s and channel context (codec/hyper/hyper.c) through their
 * exact kernels: the fastest this CPU has (AVX-512 VNNI, hyper_vnni.c, or
 * AVX2, hyper_avx2.c) and the portable cblas_dgemm one
 * (hvic_model_set_kernels: "dgemm")
 * must give identical scale indices and means, on 1 and 2 threads, and in
 * bands of 2, 6 and 10 y rows as in one band (the halos of the banded
 * layers), for random hyper-latents including values far beyond the clamp
 * (+-A after the input gain), at shapes with odd sizes and with several row
 * blocks in a layer (96 x 96 y positions); with the default model and with
 * a model with a channel context (argv[1]). Prints which kernels were
 * compared. hv_recon_mu (spec §3.5) against values worked
 * out by hand: level interpolation with floor rounding, the sign of q, |q|
 * beyond K, q = 0, and no table. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "harness.h"
#include "hvic.h"
#include "hyper.h"
#include "model.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static int32_t next_value(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    const int kind = (int)(rng % 16);
    const int32_t r = (int32_t)(rng >> 20);
    if (kind == 0) return r % 2 ? 2000000000 : -2000000000; /* far beyond the clamp */
    return (r % 41) - 20;                                   /* typical |z| */
}

static void check_shape(const hvic_model *m, int zh, int zw, uint32_t pz, uint32_t py)
{
    const size_t nz = (size_t)m->N * zh * zw, ny = (size_t)m->M * 16 * zh * zw;
    int32_t *zhat = malloc(nz * sizeof *zhat), *q = malloc(ny * sizeof *q);
    enum { RUNS = 6 };
    int32_t *idx[RUNS], *mu[RUNS];
    for (size_t i = 0; i < nz; i++) zhat[i] = next_value();
    /* the channel context's input: the coded y integers, as extreme as z's */
    for (size_t i = 0; i < ny; i++) q[i] = next_value();
    /* run k: kernel, threads, band (0: the default) */
    static const int threads[RUNS] = {1, 2, 2, 2, 1, 2}, band[RUNS] = {0, 0, 0, 2, 6, 10};
    for (int k = 0; k < RUNS; k++) {
        idx[k] = malloc(ny * sizeof(int32_t));
        mu[k] = malloc(ny * sizeof(int32_t));
        hvic_model run = *m; /* the same weights, on the kernel of run k */
        if (k == 2) run.kernels.hs = HV_HS_DGEMM;
        hvic_status st = hv_entropy_params(&run, zhat, zh, zw, pz, py, threads[k], band[k], NULL,
                                           NULL, q, idx[k], mu[k]);
        CHECK(st == HVIC_OK, "%dx%d: h_s run %d: %s", zh, zw, k, hvic_strerror(st));
    }
    int same = 1;
    for (int k = 1; k < RUNS; k++) {
        const int eq = memcmp(idx[0], idx[k], ny * sizeof(int32_t)) == 0 &&
                       memcmp(mu[0], mu[k], ny * sizeof(int32_t)) == 0;
        CHECK(eq, "z %dx%d: h_s run %d differs from run 0", zh, zw, k);
        same &= eq;
    }
    int32_t lo = idx[0][0], hi = idx[0][0];
    for (size_t i = 0; i < ny; i++) {
        lo = idx[0][i] < lo ? idx[0][i] : lo;
        hi = idx[0][i] > hi ? idx[0][i] : hi;
    }
    if (same)
        printf("z %dx%d: identical on both kernels, thread counts and bands (scale indices "
               "%d..%d)\n", zh, zw, lo, hi);
    for (int k = 0; k < RUNS; k++) {
        free(idx[k]);
        free(mu[k]);
    }
    free(zhat);
    free(q);
}

static void check_recon_mu(void)
{
    /* L = 2 levels, S = 2 scales, K = 2: [level][idx][|q|-1], Q8 */
    static const int16_t table[2][2][2] = {{{-40, -10}, {-7, 0}}, {{-80, -30}, {-1, 128}}};
    hvic_model m = {.L = 2, .S = 2, .recon = &table[0][0][0], .recon_k = 2};
    const int32_t q[6] = {1, -1, 2, -5, 0, 7}, idx[6] = {0, 0, 0, 1, 0, 1};
    const int32_t mu[6] = {100, 100, -3, 50, 9, 0};
    int32_t out[6];
    /* p = 1024: off = floor((r0 * 3072 + r1 * 1024 + 2048) / 4096) */
    const int32_t want[6] = {100 - 50, 100 + 50, -3 - 15, 50 - 32, 9, 0 + 32};
    hv_recon_mu(&m, 1024, q, idx, mu, out, 6);
    for (int i = 0; i < 6; i++)
        CHECK(out[i] == want[i], "recon_mu[%d] = %d, want %d", i, (int)out[i], (int)want[i]);
    hv_recon_mu(&m, 4096, q, idx, mu, out, 6); /* the last level exactly */
    CHECK(out[0] == 20 && out[1] == 180 && out[3] == -78 && out[5] == 128, "recon_mu at level 1");
    m.recon = NULL;
    hv_recon_mu(&m, 1024, q, idx, mu, out, 6);
    CHECK(memcmp(out, mu, sizeof out) == 0, "recon_mu without a table changed the means");
}

int main(int argc, char **argv)
{
    check_recon_mu();
    openblas_set_num_threads(1);
    for (int f = 0; f < 2; f++) {
        const char *path = f ? (argc > 1 ? argv[1] : NULL) : HVIC_TEST_MODEL;
        if (!path) break;
        hvic_model *m;
        hvic_status st = hvic_model_load(path, &m);
        CHECK(st == HVIC_OK, "model %s: %s", path, hvic_strerror(st));
        if (st != HVIC_OK) return 1;
        CHECK_ST(hv_model_prepare(m, HV_PREP_ALL), HVIC_OK); /* before the copies of check_shape */
        printf("%s (%d slices): kernels %s vs dgemm\n", path, m->ctx_slices,
               m->kernels.hs == HV_HS_VNNI ? "AVX-512 VNNI" : m->kernels.hs == HV_HS_AVX2 ? "AVX2" : "dgemm (no AVX2 here)");
        const uint32_t top = hv_max_gain_pos(m);
        check_shape(m, 1, 1, 0, top);
        check_shape(m, 3, 5, top / 2, top / 3);
        check_shape(m, 24, 24, top, 0);
        hvic_model_free(m);
    }
    if (failures) fprintf(stderr, "test_hyper: %d failure(s)\n", failures);
    else printf("test_hyper: all passed\n");
    return failures != 0;
}
