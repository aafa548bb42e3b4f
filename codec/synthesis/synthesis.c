/* Synthesis (decoder): q, mu -> y-hat -> g_s -> clamp(rint(255 x))
 * (spec/model-format.md §3). g_s runs in horizontal bands of y rows, each
 * computed with a halo (HALO_S) and cropped, spread over threads; its
 * kernels: Winograd (conv_wino.c) and direct (conv_direct.c) in fp32, or
 * bf16 (gs_bf16.c: AMX or AVX512-BF16). */
#define _POSIX_C_SOURCE 200809L
#include "synthesis.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conv_gs.h"
#include "gs_bf16.h"
#include "hyper.h"
#include "mem.h"
#include "parallel.h"
#include "util.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* Decoder halo in y rows, on both sides: the 3x3 convolutions of g_s at 1, 2,
 * 4 and 8 times the y resolution reach 16 + 8 + 4 + 2 = 30 output rows, less
 * than 2 y rows (32 output rows). */
#define HALO_S 2

/* Smallest band of the decoder's default split (hv_synth_band_rows). */
#define SYNTH_MIN_BAND 8

/* yhat rows s .. e-1 as floats, (q + mu_q8/256) / (gy/65536): M x (e-s) x yw,
 * from q and mu_q8 (M x yh x yw) and the y gains gy (Q16, per channel).
 * NULL when out of memory. */
static float *yhat_rows(const int32_t *q, const int32_t *mu_q8, const int64_t *gy, int M, int yh,
                        int yw, int s, int e)
{
    const size_t n = (size_t)(e - s) * yw;
    float *a = hv_aligned_alloc((size_t)M * n * sizeof(float));
    if (!a) return NULL;
    for (int c = 0; c < M; c++) {
        const float g = (float)gy[c] / 65536.0f;
        const size_t off = ((size_t)c * yh + s) * yw;
        for (size_t i = 0; i < n; i++)
            a[c * n + i] = ((float)q[off + i] + (float)mu_q8[off + i] / 256.0f) / g;
    }
    return a;
}

/* Input rows that g_s keeps beyond those the kept output rows need, per
 * layer (see g_s_band). */
static const int synth_need[4] = {HALO_S, 2, 2, 1};

/* g_s of one band: a, yhat rows s .. e-1 (M x (e-s) x yw floats, consumed),
 * -> x-hat, 3 x *xrows x 16 yw floats on 0..1 holding the image rows *x0 ..
 * *x0 + *xrows - 1, which include the exact rows 16 r0 .. 16 r1 - 1; NULL
 * when out of memory. Each layer runs only on the input rows that the rows
 * kept in the end depend on (HALO_S at 1x; 2, 2, 1 rows beyond the kept ones
 * at the 2x, 4x, 8x inputs), not on the whole halo. */
static float *g_s_band(const hvic_model *m, float *a, int s, int e, int r0, int r1, int yw,
                       int *x0, int *xrows)
{
    const int *need = synth_need;
    int lo = s, hi = e, W = yw; /* rows of a, in the current layer's input coordinates */
    size_t cs = (size_t)(e - s) * yw; /* channel stride of a */
    for (int i = 0; i < 4; i++) {
        const hv_conv *cv = &m->g_s[i];
        const int nlo = hv_imax(lo, (r0 << i) - need[i]), nhi = hv_imin(hi, (r1 << i) + need[i]);
        const int H = nhi - nlo;
        const float *in = a + (size_t)(nlo - lo) * W;
        float *b = hv_aligned_alloc((size_t)cv->cout * H * W * sizeof(float));
        /* g_s.6, 12 outputs: a direct kernel beats the GEMM's input packing */
        int ok = b && (cv->wwino
                           ? hv_conv_wino(cv, i < 3 ? &m->g_s_igdn[i] : NULL, in, cs, H, W, b)
                           : hv_conv_direct3(cv, in, cs, H, W, b));
        hv_aligned_free(a);
        a = b;
        if (!ok) {
            hv_aligned_free(a);
            return NULL;
        }
        lo = 2 * nlo;
        hi = 2 * nhi;
        W *= 2;
        cs = (size_t)(hi - lo) * W;
    }
    *x0 = lo;
    *xrows = hi - lo;
    return a;
}

/* Writes clamp(rint(255 x)) of the rows r0 .. r0+rows-1 of x (3 x H x W on
 * 0..1), columns 0 .. width-1, to the RGB rows 0 .. rows-1 of rgb (row stride
 * in bytes). */
static void store_rgb(const float *x, int H, int W, int r0, int rows, uint32_t width, uint8_t *rgb,
                      size_t stride)
{
    for (int r = 0; r < rows; r++) {
        uint8_t *row = rgb + (size_t)r * stride;
        for (int c = 0; c < 3; c++) {
            const float *src = x + ((size_t)c * H + r0 + r) * W;
            for (uint32_t xx = 0; xx < width; xx++) {
                float v = rintf(255.0f * src[xx]);
                row[3 * xx + c] = (uint8_t)(v > 0.0f ? (v < 255.0f ? v : 255.0f) : 0.0f);
            }
        }
    }
}

/* The bands of one synthesis (hv_synthesise), one task each. */
typedef struct {
    const hvic_model *m;
    const int32_t *q, *mu_q8;
    const int64_t *gy;
    int yh, yw, used, band;
    uint32_t width, height;
    uint8_t *rgb;
    size_t stride;
    atomic_int failed;
} synth_job;

static void synth_band(void *arg, int bi)
{
    synth_job *j = arg;
    const int r0 = bi * j->band, r1 = hv_imin(j->used, r0 + j->band), s = hv_imax(0, r0 - HALO_S);
    const int e = hv_imin(j->yh, r1 + HALO_S);
    int x0, xrows;
    float *x;
    if (j->m->kernels.gs != HV_GS_FLOAT) {
        x = hv_g_s_band_bf16(j->m, j->m->kernels.gs, j->q, j->mu_q8, j->gy, j->yh, j->yw, s, e,
                             r0, r1, synth_need, &x0, &xrows);
    } else {
        float *a = yhat_rows(j->q, j->mu_q8, j->gy, j->m->M, j->yh, j->yw, s, e);
        x = a ? g_s_band(j->m, a, s, e, r0, r1, j->yw, &x0, &xrows)
              : NULL;
    }
    if (!x) {
        atomic_store(&j->failed, 1);
        return;
    }
    const int y0 = 16 * r0, y1 = hv_imin((int)j->height, 16 * r1);
    store_rgb(x, xrows, 16 * j->yw, y0 - x0, y1 - y0, j->width, j->rgb + (size_t)y0 * j->stride,
              j->stride);
    hv_aligned_free(x);
}

int hv_synth_band_rows(const hvic_model *m, uint32_t width, uint32_t height)
{
    const int used = (int)((height + 15) / 16);
    return hv_imin(hv_imax(HV_BAND_MIN, hv_band_rows(m, width) / 2), hv_imax(SYNTH_MIN_BAND, (used + 1) / 2));
}

hvic_status hv_synthesise(const hvic_model *m, const int32_t *q, const int32_t *mu_q8, int yh,
                          int yw, uint32_t py, uint32_t width, uint32_t height, int band,
                          int threads, uint8_t *rgb, size_t stride)
{
    if (!m || !q || !mu_q8 || !rgb || yh < 1 || yw < 1 || width < 1 || height < 1 ||
        width > 16u * (uint32_t)yw || height > 16u * (uint32_t)yh || stride < 3 * (size_t)width)
        return HVIC_ERR_ARG;
    if (py > hv_max_gain_pos(m)) return HVIC_ERR_ARG;
    hvic_status st = hv_model_prepare(m, hv_prep_gs(m->kernels.gs));
    if (st != HVIC_OK) return st;
    const int M = m->M, used = (int)((height + 15) / 16); /* y rows that reach the image */
    band = hv_imin(band < 1 ? hv_synth_band_rows(m, width, height) : band, used);
    int64_t *lg = malloc((size_t)M * sizeof *lg), *gy = malloc((size_t)M * sizeof *gy);
    st = HVIC_ERR_NOMEM;
    if (!lg || !gy) goto done;
    hv_layer_gains(m, 1, py, lg, gy);
    synth_job j = {.m = m, .q = q, .mu_q8 = mu_q8, .gy = gy, .yh = yh, .yw = yw, .used = used,
                   .band = band, .width = width, .height = height, .rgb = rgb, .stride = stride};
    atomic_init(&j.failed, 0);
    const int nb = (used + band - 1) / band;
    /* bands in flight hold at most about 2 BAND_BYTES */
    const int threads_cap = hv_imax(1, 2 * hv_band_rows(m, width) / band);
    hv_parallel_for(nb, hv_imin(hv_blas_caller_threads(threads), threads_cap), synth_band, &j);
    if (!atomic_load(&j.failed)) st = HVIC_OK;
done:
    free(lg);
    free(gy);
    return st;
}

int hv_synthesis_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t), int bf16)
{
    if (bf16) return !hv_gs_bf16_usable(m) || hv_gs_bf16_prepare(m, alloc);
    for (int i = 0; i < 4; i++) {
        hv_conv *c = &m->g_s[i];
        c->wwino = NULL;
        if (c->cout <= HV_DIRECT_MAX_COUT) continue; /* g_s.6: hv_conv_direct3 */
        float *wt = alloc(m, (size_t)36 * c->cout * c->cin * sizeof(float));
        if (!wt || !hv_wino_weights(c->w, c->cout, c->cin, wt)) return 0;
        c->wwino = wt;
    }
    return 1;
}
