/* Analysis (encoder): RGB -> g_a -> y, h_a -> z, quantisation
 * (spec/model-format.md §3). Compiled with -ffp-contract=off: the encoder's
 * float steps (v/255, gains, rounding) must match on every platform.
 *
 * g_a runs in horizontal bands of y rows (hv_band_rows), each computed with
 * a halo of extra rows and cropped, so that its memory does not grow with
 * the image height; the results equal those of the whole image bit for bit
 * (see HALO_A_TOP). h_a, at 1/4 of y's resolution, runs on the whole y. */
#define _POSIX_C_SOURCE 200809L
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv_det.h"
#include "hyper.h"
#include "mem.h"
#include "parallel.h"
#include "util.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* Encoder halo in y rows (16 image rows each). The four 5x5 stride-2
 * convolutions of g_a reach 2, 4, 8 and 16 image rows further, so y row r
 * reads the padded image rows 16r-30 .. 16r+30. A band computed on the image
 * rows 16s .. 16e-1, zero-padded at its edges like the whole image, thus
 * holds exact y rows from s+2 (from s when s = 0, where the padding is the
 * image's own) to e-2 (to e-1 when e = yh): keeping y rows r0 .. r1-1 needs
 * s = r0-2 and e = r1+1. hv_conv_det sums every output element in one fixed
 * order, whatever the tensor's height, so these rows equal the whole-image
 * ones bit for bit. */
#define HALO_A_TOP 2
#define HALO_A_BOTTOM 1

/* Copies rows s0 .. s0+rows-1 of src (C x sh x W floats) to rows
 * d0 .. d0+rows-1 of dst (C x dh x W). */
static void copy_rows(const float *src, int sh, int s0, float *dst, int dh, int d0, int C,
                      int rows, int W)
{
    for (int c = 0; c < C; c++)
        memcpy(dst + ((size_t)c * dh + d0) * W, src + ((size_t)c * sh + s0) * W,
               (size_t)rows * W * sizeof(float));
}

/* Runs a deterministic conv into a new buffer; frees the input if asked. */
static float *conv_det(const hvic_model *m, const hv_conv *c, float *in, int H, int W, int threads,
                       int free_in)
{
    int Ho = hv_conv_out(H, c->k, c->stride), Wo = hv_conv_out(W, c->k, c->stride);
    float *out = hv_aligned_alloc((size_t)c->cout * Ho * Wo * sizeof(float));
    if (out && !hv_conv_det(c, m->kernels.det, in, H, W, out, threads)) {
        hv_aligned_free(out);
        out = NULL;
    }
    if (free_in) hv_aligned_free(in);
    return out;
}

/* g_a on the padded image rows 16s .. 16e-1 (s < e, in y rows) of a w x h
 * RGB image (row stride in bytes) padded to width Wp: returns the band's y,
 * M x (e-s) x Wp/16 floats (exact rows: see HALO_A_TOP), or NULL when out of
 * memory. */
static float *g_a_band(const hvic_model *m, const uint8_t *rgb, int w, int h, size_t stride,
                       int Wp, int s, int e, int threads)
{
    int H = 16 * (e - s), W = Wp;
    float *a = hv_aligned_alloc((size_t)3 * H * W * sizeof(float));
    if (!a) return NULL;
    hv_rgb_to_tensor(rgb, w, h, stride, Wp, 16 * s, H, a);
    for (int i = 0; i < 4; i++) {
        a = conv_det(m, &m->g_a[i], a, H, W, threads, 1);
        H /= 2;
        W /= 2;
        if (!a) return NULL;
        if (i < 3 && !hv_gdn_det(&m->g_a_gdn[i], m->kernels.det, a, H, W, threads)) {
            hv_aligned_free(a);
            return NULL;
        }
    }
    return a;
}

/* y = g_a(x) of the whole w x h image in bands of `band` y rows (1 .. yh);
 * y is M x yh x yw floats. Returns 0 when out of memory. */
static int g_a_bands(const hvic_model *m, const uint8_t *rgb, int w, int h, size_t stride, int yh,
                     int yw, int band, int threads, float *y)
{
    for (int r0 = 0; r0 < yh; r0 += band) {
        const int r1 = hv_imin(yh, r0 + band), s = hv_imax(0, r0 - HALO_A_TOP);
        const int e = hv_imin(yh, r1 + HALO_A_BOTTOM);
        float *b = g_a_band(m, rgb, w, h, stride, 16 * yw, s, e, threads);
        if (!b) return 0;
        copy_rows(b, e - s, r0 - s, y, yh, r0, m->M, r1 - r0, yw);
        hv_aligned_free(b);
    }
    return 1;
}

/* z = h_a(y): y M x yh x yw -> N x yh/4 x yw/4 floats, or NULL when out of
 * memory. */
static float *h_a(const hvic_model *m, float *y, int yh, int yw, int threads)
{
    float *a = conv_det(m, &m->h_a[0], y, yh, yw, threads, 0);
    if (!a) return NULL;
    hv_relu(a, (size_t)m->N * yh * yw);
    a = conv_det(m, &m->h_a[1], a, yh, yw, threads, 1);
    if (!a) return NULL;
    hv_relu(a, (size_t)m->N * (yh / 2) * (yw / 2));
    return conv_det(m, &m->h_a[2], a, yh / 2, yw / 2, threads, 1);
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

hvic_status hv_transform(const hvic_model *m, const uint8_t *rgb, uint32_t width, uint32_t height,
                         size_t stride, int threads, int band, hv_floats *out)
{
    if (!m || !rgb || !out || width < 1 || height < 1 || width > HVIC_MAX_DIM ||
        height > HVIC_MAX_DIM || stride < 3 * (size_t)width)
        return HVIC_ERR_ARG;
    memset(out, 0, sizeof *out);
    hvic_status st = hv_model_prepare(m, HV_PREP_ANALYSIS);
    if (st != HVIC_OK) return st;
    if (threads < 1) threads = 1;
    if (band < 1) band = hv_band_rows(m, width);
    hv_latent_shape(width, height, &out->zh, &out->zw, &out->yh, &out->yw);
    out->N = m->N;
    out->M = m->M;
    band = hv_imin(band, out->yh);
    out->y = hv_aligned_alloc((size_t)m->M * out->yh * out->yw * sizeof(float));
    if (out->y && g_a_bands(m, rgb, (int)width, (int)height, stride, out->yh, out->yw, band,
                            threads, out->y))
        out->z = h_a(m, out->y, out->yh, out->yw, threads);
    if (!out->z) {
        hv_floats_free(out);
        return HVIC_ERR_NOMEM;
    }
    return HVIC_OK;
}

void hv_floats_free(hv_floats *f)
{
    if (!f) return;
    hv_aligned_free(f->y);
    hv_aligned_free(f->z);
    memset(f, 0, sizeof *f);
}

/* q = rint(y * gain_y - mu/256) of one channel slice (hv_slice_fn). */
typedef struct {
    const hv_floats *f;
    hv_latents *l;
    const int64_t *gy;
    int bad;
} quant_job;

static hvic_status quant_slice(void *arg, int c0, int c1)
{
    quant_job *j = arg;
    const size_t yn = (size_t)j->f->yh * j->f->yw;
    for (int c = c0; c < c1; c++) {
        const float g = (float)j->gy[c] / 65536.0f;
        const float *y = j->f->y + c * yn;
        const int32_t *mu_q8 = j->l->mu_q8 + c * yn;
        int32_t *q = j->l->q + c * yn;
        for (size_t i = 0; i < yn; i++) q[i] = round_checked(y[i] * g - (float)mu_q8[i] / 256.0f, &j->bad);
    }
    return HVIC_OK;
}

hvic_status hv_quantise(const hvic_model *m, const hv_floats *f, uint32_t py, uint32_t pz,
                        int threads, hv_latents *out)
{
    if (!m || !f || !f->y || !f->z || !out || f->N != m->N || f->M != m->M) return HVIC_ERR_ARG;
    if (py > hv_max_gain_pos(m) || pz > hv_max_gain_pos(m)) return HVIC_ERR_ARG;
    if (threads < 1) threads = 1;
    const int N = m->N, M = m->M, zh = f->zh, zw = f->zw;
    hvic_status st = hv_latents_alloc(out, N, M, zh, zw);
    if (st != HVIC_OK) return st;
    st = HVIC_ERR_NOMEM;

    int64_t *lg = malloc((size_t)(M > N ? M : N) * sizeof *lg);
    int64_t *gy = malloc((size_t)M * sizeof *gy), *gz = malloc((size_t)N * sizeof *gz);
    if (!lg || !gy || !gz) goto fail;
    hv_layer_gains(m, 1, py, lg, gy);
    hv_layer_gains(m, 0, pz, lg, gz);

    int bad = 0;
    const float *z = f->z;
    const size_t zn = (size_t)zh * zw;
    for (int c = 0; c < N; c++) {
        const float g = (float)gz[c] / 65536.0f;
        for (size_t i = 0; i < zn; i++) out->zhat[c * zn + i] = round_checked(z[c * zn + i] * g, &bad);
    }
    if (bad) {
        st = HVIC_ERR_MODEL;
        goto fail;
    }
    quant_job qj = {f, out, gy, 0};
    st = hv_entropy_params(m, out->zhat, zh, zw, pz, py, hv_blas_caller_threads(threads), 0,
                           quant_slice, &qj, out->q, out->idx, out->mu_q8);
    if (st == HVIC_OK && qj.bad) st = HVIC_ERR_MODEL;
    if (st != HVIC_OK) goto fail;
    st = HVIC_OK;
    goto done;
fail:
    hv_latents_free(out);
done:
    free(lg);
    free(gy);
    free(gz);
    return st;
}

hvic_status hv_analyse(const hvic_model *m, const uint8_t *rgb, uint32_t width, uint32_t height,
                       size_t stride, uint32_t py, uint32_t pz, int threads, int band,
                       hv_latents *out)
{
    if (!m || !out) return HVIC_ERR_ARG;
    if (py > hv_max_gain_pos(m) || pz > hv_max_gain_pos(m)) return HVIC_ERR_ARG;
    hv_floats f;
    hvic_status st = hv_transform(m, rgb, width, height, stride, threads, band, &f);
    if (st != HVIC_OK) return st;
    st = hv_quantise(m, &f, py, pz, threads, out);
    hv_floats_free(&f);
    return st;
}

