/* Analysis and synthesis pipelines (spec/model-format.md §3).
 * Compiled with -ffp-contract=off: the encoder's float steps (v/255, gains,
 * rounding) must match on every platform. */
#define _POSIX_C_SOURCE 200809L
#include "pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "hyper.h"
#include "nn.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

static double hv_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void hv_latent_shape(uint32_t width, uint32_t height, int *zh, int *zw, int *yh, int *yw)
{
    int h64 = (int)((height + 63) / 64), w64 = (int)((width + 63) / 64);
    if (zh) *zh = h64;
    if (zw) *zw = w64;
    if (yh) *yh = 4 * h64;
    if (yw) *yw = 4 * w64;
}

hvic_status hv_latents_alloc(hv_latents *l, int N, int M, int zh, int zw)
{
    memset(l, 0, sizeof *l);
    l->N = N;
    l->M = M;
    l->zh = zh;
    l->zw = zw;
    l->yh = 4 * zh;
    l->yw = 4 * zw;
    size_t nz = (size_t)N * zh * zw, ny = (size_t)M * l->yh * l->yw;
    l->zhat = malloc(nz * sizeof(int32_t));
    l->q = malloc(ny * sizeof(int32_t));
    l->idx = malloc(ny * sizeof(int32_t));
    l->mu_q8 = malloc(ny * sizeof(int32_t));
    if (!l->zhat || !l->q || !l->idx || !l->mu_q8) {
        hv_latents_free(l);
        return HVIC_ERR_NOMEM;
    }
    return HVIC_OK;
}

void hv_latents_free(hv_latents *l)
{
    if (!l) return;
    free(l->zhat);
    free(l->q);
    free(l->idx);
    free(l->mu_q8);
    l->zhat = l->q = l->idx = l->mu_q8 = NULL;
}

uint64_t hv_latents_hash(const int32_t *zhat, size_t nz, const int32_t *q, size_t nq)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int pass = 0; pass < 2; pass++) {
        const int32_t *v = pass ? q : zhat;
        size_t n = pass ? nq : nz;
        for (size_t i = 0; i < n; i++) {
            uint32_t u = (uint32_t)v[i];
            for (int b = 0; b < 4; b++) {
                h ^= (u >> (8 * b)) & 0xffu;
                h *= 0x100000001b3ull;
            }
        }
    }
    return h;
}

/* Runs a deterministic conv into a new buffer; frees the input if asked. */
static float *conv_det(const hv_conv *c, float *in, int H, int W, int threads, int free_in)
{
    int Ho = hv_conv_out(H, c->k, c->stride), Wo = hv_conv_out(W, c->k, c->stride);
    float *out = hv_aligned_alloc((size_t)c->cout * Ho * Wo * sizeof(float));
    if (out && !hv_conv_det(c, in, H, W, out, threads)) {
        hv_aligned_free(out);
        out = NULL;
    }
    if (free_in) hv_aligned_free(in);
    return out;
}

/* rint(v) as int32 if |v| < 2^30, else 0 (*bad set): non-finite or absurd
 * values come only from a broken model. */
static int32_t round_checked(float v, int *bad)
{
    if (!(v > -1073741824.0f && v < 1073741824.0f)) {
        *bad = 1;
        return 0;
    }
    return (int32_t)rintf(v);
}

hvic_status hv_analyse(const hvic_model *m, const uint8_t *rgb, uint32_t width, uint32_t height,
                       size_t stride, uint32_t py, uint32_t pz, int threads, hv_latents *out)
{
    if (!m || !rgb || !out || width < 1 || height < 1 || width > HVIC_MAX_DIM ||
        height > HVIC_MAX_DIM || stride < 3 * (size_t)width)
        return HVIC_ERR_ARG;
    if (py > hv_max_gain_pos(m) || pz > hv_max_gain_pos(m)) return HVIC_ERR_ARG;
    if (threads < 1) threads = 1;
    int zh, zw, yh, yw;
    hv_latent_shape(width, height, &zh, &zw, &yh, &yw);
    const int Hp = 16 * yh, Wp = 16 * yw, N = m->N, M = m->M;
    hvic_status st = hv_latents_alloc(out, N, M, zh, zw);
    if (st != HVIC_OK) return st;
    st = HVIC_ERR_NOMEM;

    int64_t *lg = malloc((size_t)(M > N ? M : N) * sizeof *lg);
    int64_t *gy = malloc((size_t)M * sizeof *gy), *gz = malloc((size_t)N * sizeof *gz);
    float *x = hv_aligned_alloc((size_t)3 * Hp * Wp * sizeof(float)), *y = NULL, *z = NULL;
    if (!lg || !gy || !gz || !x) {
        hv_aligned_free(x);
        goto fail;
    }
    hv_layer_gains(m, 1, py, lg, gy);
    hv_layer_gains(m, 0, pz, lg, gz);
    hv_rgb_to_tensor(rgb, (int)width, (int)height, stride, Wp, Hp, x);

    /* g_a */
    int H = Hp, W = Wp;
    float *a = x;
    for (int i = 0; i < 3; i++) {
        a = conv_det(&m->g_a[i], a, H, W, threads, 1);
        H /= 2;
        W /= 2;
        if (!a || !hv_gdn_det(&m->g_a_gdn[i], a, H, W, threads)) goto fail_a;
    }
    y = conv_det(&m->g_a[3], a, H, W, threads, 1);
    a = NULL;
    if (!y) goto fail;
    /* h_a */
    a = conv_det(&m->h_a[0], y, yh, yw, threads, 0);
    if (!a) goto fail;
    hv_relu(a, (size_t)N * yh * yw);
    a = conv_det(&m->h_a[1], a, yh, yw, threads, 1);
    if (!a) goto fail;
    hv_relu(a, (size_t)N * (yh / 2) * (yw / 2));
    z = conv_det(&m->h_a[2], a, yh / 2, yw / 2, threads, 1);
    a = NULL;
    if (!z) goto fail;

    int bad = 0;
    const size_t zn = (size_t)zh * zw, yn = (size_t)yh * yw;
    for (int c = 0; c < N; c++) {
        const float g = (float)gz[c] / 65536.0f;
        for (size_t i = 0; i < zn; i++) out->zhat[c * zn + i] = round_checked(z[c * zn + i] * g, &bad);
    }
    if (bad) {
        st = HVIC_ERR_MODEL;
        goto fail;
    }
    st = hv_hyper_synthesis(m, out->zhat, zh, zw, pz, py, out->idx, out->mu_q8);
    if (st != HVIC_OK) goto fail;
    for (int c = 0; c < M; c++) {
        const float g = (float)gy[c] / 65536.0f;
        for (size_t i = 0; i < yn; i++) {
            float yg = y[c * yn + i] * g;
            float mu = (float)out->mu_q8[c * yn + i] / 256.0f;
            out->q[c * yn + i] = round_checked(yg - mu, &bad);
        }
    }
    if (bad) {
        st = HVIC_ERR_MODEL;
        goto fail;
    }
    st = HVIC_OK;
    goto done;
fail_a:
    hv_aligned_free(a);
fail:
    hv_latents_free(out);
done:
    free(lg);
    free(gy);
    free(gz);
    hv_aligned_free(y);
    hv_aligned_free(z);
    return st;
}

hvic_status hv_synthesise(const hvic_model *m, const int32_t *q, const int32_t *mu_q8, int yh,
                          int yw, uint32_t py, uint32_t width, uint32_t height, uint8_t *rgb,
                          size_t stride)
{
    if (!m || !q || !mu_q8 || !rgb || yh < 1 || yw < 1 || width < 1 || height < 1 ||
        width > 16u * (uint32_t)yw || height > 16u * (uint32_t)yh || stride < 3 * (size_t)width)
        return HVIC_ERR_ARG;
    if (py > hv_max_gain_pos(m)) return HVIC_ERR_ARG;
    const int M = m->M, N = m->N;
    const size_t yn = (size_t)yh * yw;
    hvic_status st = HVIC_ERR_NOMEM;
    int64_t *lg = malloc((size_t)M * sizeof *lg), *gy = malloc((size_t)M * sizeof *gy);
    float *a = hv_aligned_alloc((size_t)M * yn * sizeof(float)), *b = NULL;
    if (!lg || !gy || !a) goto done;
    hv_layer_gains(m, 1, py, lg, gy);
    for (int c = 0; c < M; c++) {
        const float g = (float)gy[c] / 65536.0f;
        for (size_t i = 0; i < yn; i++)
            a[c * yn + i] = ((float)q[c * yn + i] + (float)mu_q8[c * yn + i] / 256.0f) / g;
    }
    int H = yh, W = yw, C = M;
    const int prof = getenv("HVIC_PROFILE") != NULL;
    for (int i = 0; i < 4; i++) {
        const hv_conv *cv = &m->g_s[i];
        double t0 = prof ? hv_now() : 0;
        b = hv_aligned_alloc((size_t)cv->cout * H * W * sizeof(float));
        /* few outputs (g_s.6): a direct kernel beats GEMM's input packing */
        int ok = b && (cv->cout <= 16 && cv->k == 3 ? hv_conv_direct3(cv, a, H, W, b, 1)
                                                    : hv_conv_blas(cv, a, H, W, b, 1));
        if (!ok) goto done;
        hv_aligned_free(a);
        a = b;
        b = NULL;
        H *= 2;
        W *= 2;
        C = cv->cout / 4;
        double t1 = prof ? hv_now() : 0;
        if (i < 3 && !hv_igdn_blas(&m->g_s_igdn[i], a, H, W)) goto done;
        if (prof)
            fprintf(stderr, "g_s.%d conv %.4f s, igdn %.4f s (%dx%d)\n", 2 * i, t1 - t0,
                    hv_now() - t1, W, H);
    }
    (void)N;
    (void)C;
    /* a: 3 x H x W on 0..1 */
    for (uint32_t yy = 0; yy < height; yy++) {
        uint8_t *row = rgb + yy * stride;
        for (int c = 0; c < 3; c++) {
            const float *src = a + ((size_t)c * H + yy) * W;
            for (uint32_t xx = 0; xx < width; xx++) {
                float v = rintf(255.0f * src[xx]);
                row[3 * xx + c] = (uint8_t)(v > 0.0f ? (v < 255.0f ? v : 255.0f) : 0.0f);
            }
        }
    }
    st = HVIC_OK;
done:
    free(lg);
    free(gy);
    hv_aligned_free(a);
    hv_aligned_free(b);
    return st;
}
