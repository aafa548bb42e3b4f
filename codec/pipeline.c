/* Analysis and synthesis pipelines (spec/model-format.md §3).
 * Compiled with -ffp-contract=off: the encoder's float steps (v/255, gains,
 * rounding) must match on every platform.
 *
 * g_a and g_s run in horizontal bands of y rows (hv_band_rows), each
 * computed with a halo of extra rows and cropped, so that their memory
 * does not grow with the image height; the results equal those of the
 * whole image bit for bit (see HALO_A_TOP, HALO_S). h_a and h_s, at 1/16
 * and 1/64 of the resolution, run on the whole latents. */
#define _POSIX_C_SOURCE 200809L
#include "pipeline.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "gs_amx.h"
#include "hyper.h"
#include "nn.h"
#include "parallel.h"
#include "util.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

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

/* Target size of a band's largest float tensors, and the fewest y rows per
 * band (which bounds the halo's share of the work on very wide images). */
#define BAND_BYTES ((size_t)256 << 20)
#define BAND_MIN 4

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

/* Decoder halo in y rows, on both sides: the 3x3 convolutions of g_s at 1, 2,
 * 4 and 8 times the y resolution reach 16 + 8 + 4 + 2 = 30 output rows, less
 * than 2 y rows (32 output rows). */
#define HALO_S 2

/* Smallest band of the decoder's default split (hv_synth_band_rows). */
#define SYNTH_MIN_BAND 8

int hv_band_rows(const hvic_model *m, uint32_t width)
{
    /* the largest float tensors alive at once, per image pixel of a band:
     * g_a.2's or g_s.4's input and output (N/4 + N/16), or g_s.6's (N/4 + 3);
     * the convolutions' own buffers take a few MiB more (nn.c) */
    const size_t px_bytes = (size_t)(5 * m->N / 16 + 3) * sizeof(float);
    const size_t row_bytes = (size_t)16 * ((width + 63) / 64 * 64) * px_bytes;
    const size_t rows = BAND_BYTES / row_bytes; /* < 2^16: row_bytes >= 2^12 */
    return rows < BAND_MIN ? BAND_MIN : (int)rows;
}

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
        a = conv_det(&m->g_a[i], a, H, W, threads, 1);
        H /= 2;
        W /= 2;
        if (!a) return NULL;
        if (i < 3 && !hv_gdn_det(&m->g_a_gdn[i], a, H, W, threads)) {
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
    float *a = conv_det(&m->h_a[0], y, yh, yw, threads, 0);
    if (!a) return NULL;
    hv_relu(a, (size_t)m->N * yh * yw);
    a = conv_det(&m->h_a[1], a, yh, yw, threads, 1);
    if (!a) return NULL;
    hv_relu(a, (size_t)m->N * (yh / 2) * (yw / 2));
    return conv_det(&m->h_a[2], a, yh / 2, yw / 2, threads, 1);
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
    st = hv_entropy_params(m, out->zhat, zh, zw, pz, py, hv_blas_caller_threads(threads),
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
 * at the 2x, 4x, 8x inputs), not on the whole halo. prof, when not NULL,
 * accumulates each layer's (conv + IGDN) seconds. */
static float *g_s_band(const hvic_model *m, float *a, int s, int e, int r0, int r1, int yw,
                       int *x0, int *xrows, double prof[4])
{
    const int *need = synth_need;
    int lo = s, hi = e, W = yw; /* rows of a, in the current layer's input coordinates */
    size_t cs = (size_t)(e - s) * yw; /* channel stride of a */
    for (int i = 0; i < 4; i++) {
        double t0 = prof ? hv_now() : 0;
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
        if (prof) prof[i] += hv_now() - t0;
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
    pthread_mutex_t lock;
    double prof[4]; /* per layer, summed over bands (HVIC_PROFILE) */
    int profile;
} synth_job;

static void synth_band(void *arg, int bi)
{
    synth_job *j = arg;
    const int r0 = bi * j->band, r1 = hv_imin(j->used, r0 + j->band), s = hv_imax(0, r0 - HALO_S);
    const int e = hv_imin(j->yh, r1 + HALO_S);
    double prof[4] = {0};
    int x0, xrows;
    float *x;
    if (j->m->gs_amx) {
        x = hv_g_s_band_amx(j->m, j->q, j->mu_q8, j->gy, j->yh, j->yw, s, e, r0, r1, synth_need,
                            &x0, &xrows, j->profile ? prof : NULL);
    } else {
        float *a = yhat_rows(j->q, j->mu_q8, j->gy, j->m->M, j->yh, j->yw, s, e);
        x = a ? g_s_band(j->m, a, s, e, r0, r1, j->yw, &x0, &xrows, j->profile ? prof : NULL)
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
    if (j->profile) {
        pthread_mutex_lock(&j->lock);
        for (int i = 0; i < 4; i++) j->prof[i] += prof[i];
        pthread_mutex_unlock(&j->lock);
    }
}

int hv_synth_band_rows(const hvic_model *m, uint32_t width, uint32_t height)
{
    const int used = (int)((height + 15) / 16);
    return hv_imin(hv_imax(BAND_MIN, hv_band_rows(m, width) / 2), hv_imax(SYNTH_MIN_BAND, (used + 1) / 2));
}

hvic_status hv_synthesise(const hvic_model *m, const int32_t *q, const int32_t *mu_q8, int yh,
                          int yw, uint32_t py, uint32_t width, uint32_t height, int band,
                          int threads, uint8_t *rgb, size_t stride)
{
    if (!m || !q || !mu_q8 || !rgb || yh < 1 || yw < 1 || width < 1 || height < 1 ||
        width > 16u * (uint32_t)yw || height > 16u * (uint32_t)yh || stride < 3 * (size_t)width)
        return HVIC_ERR_ARG;
    if (py > hv_max_gain_pos(m)) return HVIC_ERR_ARG;
    const int M = m->M, used = (int)((height + 15) / 16); /* y rows that reach the image */
    band = hv_imin(band < 1 ? hv_synth_band_rows(m, width, height) : band, used);
    int64_t *lg = malloc((size_t)M * sizeof *lg), *gy = malloc((size_t)M * sizeof *gy);
    hvic_status st = HVIC_ERR_NOMEM;
    if (!lg || !gy) goto done;
    hv_layer_gains(m, 1, py, lg, gy);
    synth_job j = {.m = m, .q = q, .mu_q8 = mu_q8, .gy = gy, .yh = yh, .yw = yw, .used = used,
                   .band = band, .width = width, .height = height, .rgb = rgb, .stride = stride,
                   .profile = getenv("HVIC_PROFILE") != NULL};
    atomic_init(&j.failed, 0);
    pthread_mutex_init(&j.lock, NULL);
    const int nb = (used + band - 1) / band;
    /* bands in flight hold at most about 2 BAND_BYTES */
    const int threads_cap = hv_imax(1, 2 * hv_band_rows(m, width) / band);
    hv_parallel_for(nb, hv_imin(hv_blas_caller_threads(threads), threads_cap), synth_band, &j);
    pthread_mutex_destroy(&j.lock);
    for (int i = 0; j.profile && i < 4; i++)
        fprintf(stderr, "g_s.%d conv + igdn %.4f s (%d bands of %d y rows, summed)\n", 2 * i,
                j.prof[i], nb, band);
    if (!atomic_load(&j.failed)) st = HVIC_OK;
done:
    free(lg);
    free(gy);
    return st;
}
