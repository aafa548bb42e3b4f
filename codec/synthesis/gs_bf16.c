/* g_s in bf16 (see gs_bf16.h): weight layout, activations and the band
 * driver shared by the AMX and AVX512-BF16 kernels.
 *
 * Activations are bf16, channels-last: a layer's input holds its rows
 * lo .. hi-1 with a zero row above and below and a zero column left and
 * right of its width, padded to a multiple of 32 pixels, so that the 3x3
 * window of 32 consecutive pixels is read straight from it (an AMX A tile
 * is 16 pixels of 32 channels, stride one pixel). A layer's output channels
 * are reordered at load time to subpixel-major, ab * C + c for the file's
 * 4 c + ab, so that the pixel shuffle moves whole vectors. Every 32-pixel
 * block is finished (bias, IGDN, shuffle, bf16) while its fp32 products are
 * in cache. */
#define _GNU_SOURCE
#include "gs_bf16.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "mem.h"
#include "model.h"
#include "util.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HV_BF16 1
#include <immintrin.h>
#define BF16_TARGET __attribute__((target("avx512f,avx512bf16")))
#endif

#define PX 32 /* pixels per block: two A tiles of 16 */

/* float -> bf16, rounding to nearest even (as VCVTNEPS2BF16 and PyTorch). */
static uint16_t to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

int hv_gs_bf16_usable(const hvic_model *m)
{
    const hv_cpu *cpu = hv_cpu_features();
    return (cpu->amx_bf16 || cpu->avx512_bf16) && m->N % 32 == 0 && m->M % 32 == 0;
}

int hv_gs_bf16_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t))
{
    hv_gs_bf16 *g = alloc(m, sizeof *g);
    if (!g) return 0;
    for (int i = 0; i < 4; i++) {
        const hv_conv *c = &m->g_s[i];
        const int cin = c->cin, kb = cin / 32, cg = c->cout / 4, tiles = (c->cout + 15) / 16;
        uint16_t *w = alloc(m, (size_t)tiles * 9 * kb * 512 * sizeof *w);
        float *b = alloc(m, (size_t)tiles * 16 * sizeof *b);
        if (!w || !b) return 0;
        for (int o2 = 0; o2 < 16 * tiles; o2++) {
            const int valid = o2 < c->cout, o = valid ? 4 * (o2 % cg) + o2 / cg : 0;
            b[o2] = valid ? c->b[o] : 0.0f;
            for (int t = 0; t < 9; t++)
                for (int ci = 0; ci < cin; ci++)
                    w[((size_t)(o2 / 16 * 9 + t) * kb + ci / 32) * 512 + (ci % 32) / 2 * 32 +
                      (o2 % 16) * 2 + (ci & 1)] =
                        valid ? to_bf16(c->w[((size_t)o * cin + ci) * 9 + t]) : 0;
        }
        g->cin[i] = cin;
        g->co_tiles[i] = tiles;
        g->w[i] = w;
        g->b[i] = b;
    }
    const int N = m->N, kb = N / 32;
    for (int i = 0; i < 3; i++) {
        uint16_t *gp = alloc(m, (size_t)N * N * sizeof *gp);
        if (!gp) return 0;
        const float *gamma = m->g_s_igdn[i].conv.w; /* [out c][in j] */
        for (int c = 0; c < N; c++)
            for (int j = 0; j < N; j++)
                gp[((size_t)(c / 16) * kb + j / 32) * 512 + (j % 32) / 2 * 32 + (c % 16) * 2 +
                   (j & 1)] = to_bf16(gamma[(size_t)c * N + j]);
        g->gamma[i] = gp;
    }
    m->gs_bf16 = g;
    return 1;
}

#ifdef HV_BF16

/* One layer's bf16 activations: rows lo .. hi-1 of a W-wide tensor of C
 * channels, pixel (r, x) at p + ((r - lo + 1) pitch + x + 1) C. */
typedef struct {
    uint16_t *p;
    int lo, hi, W, pitch, C;
} act;

static int act_alloc(act *a, int lo, int hi, int W, int C)
{
    a->lo = lo;
    a->hi = hi;
    a->W = W;
    a->pitch = (W + PX - 1) / PX * PX + 2;
    a->C = C;
    a->p = calloc((size_t)(hi - lo + 2) * a->pitch * C, sizeof *a->p);
    return a->p != NULL;
}

static uint16_t *act_px(const act *a, int r, int x)
{
    return a->p + ((size_t)(r - a->lo + 1) * a->pitch + x + 1) * a->C;
}

BF16_TARGET static void store_bf16(uint16_t *dst, __m512 v)
{
    __m256bh h = _mm512_cvtneps_pbh(v);
    memcpy(dst, &h, sizeof h);
}

/* Scratch of one band: conv products, squares, norms. */
typedef struct {
    float *S, *nrm;
    uint16_t *sq;
    int ld;
} scratch;

/* Bias, IGDN (x sqrt(beta + gamma x^2)) and pixel shuffle of the block of
 * output row y, pixels X .. X+31 (those below the width), into next. */
BF16_TARGET static void igdn_block(hv_gs_dot_fn *dot, const scratch *sc, const float *bias,
                                   const uint16_t *gamma, const float *beta, int N, int y, int X, int W, act *next)
{
    const int np = W - X < PX ? W - X : PX;
    for (int ab = 0; ab < 4; ab++) {
        float *xs = sc->S + ab * N;
        const float *bs = bias + ab * N;
        for (int p = 0; p < PX; p++)
            for (int c = 0; c < N; c += 16) {
                __m512 v = _mm512_add_ps(_mm512_loadu_ps(xs + (size_t)p * sc->ld + c),
                                         _mm512_loadu_ps(bs + c));
                _mm512_storeu_ps(xs + (size_t)p * sc->ld + c, v);
                store_bf16(sc->sq + (size_t)p * N + c, _mm512_mul_ps(v, v));
            }
        dot(sc->sq, 0, 1, N, gamma, N / 16, sc->nrm, N);
        const int a = ab >> 1, b = ab & 1;
        for (int p = 0; p < np; p++) {
            uint16_t *dst = act_px(next, 2 * y + a, 2 * (X + p) + b);
            for (int c = 0; c < N; c += 16) {
                __m512 n = _mm512_add_ps(_mm512_loadu_ps(sc->nrm + (size_t)p * N + c),
                                         _mm512_loadu_ps(beta + c));
                store_bf16(dst + c, _mm512_mul_ps(_mm512_loadu_ps(xs + (size_t)p * sc->ld + c),
                                                  _mm512_sqrt_ps(n)));
            }
        }
    }
}

/* Bias and pixel shuffle of g_s.6's block (12 outputs ab * 3 + c) into x-hat,
 * 3 x xrows x 2W floats holding the image rows from x0. */
static void rgb_block(const scratch *sc, const float *bias, int y, int X, int W, float *xh,
                      int x0, int xrows)
{
    const int np = W - X < PX ? W - X : PX;
    const size_t plane = (size_t)xrows * 2 * W;
    for (int p = 0; p < np; p++)
        for (int ab = 0; ab < 4; ab++) {
            float *dst = xh + (size_t)(2 * y + (ab >> 1) - x0) * 2 * W + 2 * (X + p) + (ab & 1);
            for (int c = 0; c < 3; c++)
                dst[c * plane] = sc->S[(size_t)p * sc->ld + 3 * ab + c] + bias[3 * ab + c];
        }
}

float *hv_g_s_band_bf16(const hvic_model *m, int kernel, const int32_t *q, const int32_t *mu_q8,
                        const int64_t *gy, int yh, int yw, int s, int e, int r0, int r1,
                        const int need[4], int *x0, int *xrows)
{
    const hv_gs_bf16 *g = m->gs_bf16;
    const int amx = kernel == HV_GS_AMX;
    hv_gs_dot_fn *dot = amx ? hv_gs_amx_dot : hv_gs_avx512bf16_dot;
    const int M = m->M, N = m->N;
    act cur, next = {0};
    float *xh = NULL;
    scratch sc = {0};
    sc.ld = 4 * N > 16 * g->co_tiles[3] ? 4 * N : 16 * g->co_tiles[3];
    sc.S = malloc((size_t)PX * sc.ld * sizeof *sc.S);
    sc.nrm = malloc((size_t)PX * N * sizeof *sc.nrm);
    sc.sq = malloc((size_t)PX * N * sizeof *sc.sq);
    if (!sc.S || !sc.nrm || !sc.sq || !act_alloc(&cur, s, e, yw, M)) {
        cur.p = NULL;
        goto done;
    }
    /* y-hat = (q + mu_q8 / 256) / gain, as synthesis.c's yhat_rows, in bf16 */
    for (int c = 0; c < M; c++) {
        const float gc = (float)gy[c] / 65536.0f;
        for (int r = s; r < e; r++) {
            const size_t off = ((size_t)c * yh + r) * yw;
            uint16_t *dst = act_px(&cur, r, 0) + c;
            for (int x = 0; x < yw; x++)
                dst[(size_t)x * M] =
                    to_bf16(((float)q[off + x] + (float)mu_q8[off + x] / 256.0f) / gc);
        }
    }
    if (amx) hv_gs_amx_tiles(1);
    for (int i = 0; i < 4; i++) {
        const int nlo = hv_imax(cur.lo, (r0 << i) - need[i]), nhi = hv_imin(cur.hi, (r1 << i) + need[i]);
        const int W = cur.W, C = cur.C;
        if (i < 3 ? !act_alloc(&next, 2 * nlo, 2 * nhi, 2 * W, N)
                  : !(xh = malloc((size_t)3 * 2 * (nhi - nlo) * 2 * W * sizeof *xh))) {
            if (amx) hv_gs_amx_tiles(0);
            goto done;
        }
        const size_t pitch_el = (size_t)cur.pitch * C;
        for (int y = nlo; y < nhi; y++)
            for (int X = 0; X < W; X += PX) {
                const uint16_t *a = cur.p + (size_t)(y - cur.lo) * pitch_el + (size_t)X * C;
                dot(a, pitch_el, 9, C, g->w[i], g->co_tiles[i], sc.S, sc.ld);
                if (i < 3)
                    igdn_block(dot, &sc, g->b[i], g->gamma[i], m->g_s_igdn[i].conv.b, N, y, X, W,
                               &next);
                else
                    rgb_block(&sc, g->b[3], y, X, W, xh, 2 * nlo, 2 * (nhi - nlo));
            }
        free(cur.p);
        cur = next;
        next.p = NULL;
        *x0 = 2 * nlo;
        *xrows = 2 * (nhi - nlo);
    }
    if (amx) hv_gs_amx_tiles(0);
done:
    free(cur.p);
    free(next.p);
    free(sc.S);
    free(sc.nrm);
    free(sc.sq);
    return xh;
}

#else /* not x86-64: the CPU never reports bf16, and m->gs_bf16 stays NULL */

float *hv_g_s_band_bf16(const hvic_model *m, int kernel, const int32_t *q, const int32_t *mu_q8,
                        const int64_t *gy, int yh, int yw, int s, int e, int r0, int r1,
                        const int need[4], int *x0, int *xrows)
{
    (void)m, (void)kernel, (void)q, (void)mu_q8, (void)gy, (void)yh, (void)yw, (void)s, (void)e, (void)r0;
    (void)r1, (void)need, (void)x0, (void)xrows;
    return NULL;
}

#endif
