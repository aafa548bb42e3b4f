/* g_s on Intel AMX (see gs_amx.h).
 *
 * Activations are bf16, channels-last: a layer's input holds its rows
 * lo .. hi-1 with a zero row above and below and a zero column left and
 * right of its width, padded to a multiple of 32 pixels, so that the 3x3
 * window of 32 consecutive pixels is 2 x 9 tiles read straight from it
 * (rows = pixels, 64 bytes = 32 channels, stride = one pixel). A layer's
 * output channels are reordered at load time to subpixel-major, ab * C + c
 * for the file's 4 c + ab, so that the pixel shuffle moves whole vectors.
 * Every 32-pixel block is finished (bias, IGDN, shuffle, bf16) while its
 * fp32 products are in cache. */
#define _GNU_SOURCE
#include "gs_amx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "mem.h"
#include "model.h"
#include "util.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HV_AMX 1
#include <immintrin.h>
#define AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bf16")))
/* gcc's tile intrinsics are asm statements without a memory clobber: keep
 * plain loads and stores on their side of tile loads and stores */
#define BARRIER() __asm__ __volatile__("" ::: "memory")
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

int hv_gs_amx_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t))
{
    m->gs_amx = NULL;
    if (!hv_cpu_features()->amx_bf16 || m->N % 32 || m->M % 32) return 1;
    hv_gs_amx *g = alloc(m, sizeof *g);
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
    m->gs_amx = g;
    return 1;
}

#ifdef HV_AMX

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

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

/* Tiles 0..7 all 16 rows of 64 bytes: A = 16 pixels x 32 bf16 channels,
 * B = 16 pairs of inputs x 16 outputs, C = 16 pixels x 16 fp32 outputs. */
AMX_TARGET static void tiles_on(void)
{
    tile_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int i = 0; i < 8; i++) {
        cfg.colsb[i] = 64;
        cfg.rows[i] = 16;
    }
    /* gcc 12 drops the stores above unless it sees cfg used */
    __asm__ __volatile__("" : : "r"(&cfg) : "memory");
    _tile_loadconfig(&cfg);
}

AMX_TARGET static void tiles_off(void)
{
    _tile_release();
}

/* One K step of the 2 x 2 tile block: A rows a0, a1 (stride sa bytes), B
 * tiles b0, b1 (64-byte rows), accumulated into C tiles 4..7
 * (a0 b0, a0 b1, a1 b0, a1 b1). */
AMX_TARGET static inline __attribute__((always_inline)) void step_2x2(const uint16_t *a0,
                                                                       const uint16_t *a1, long sa,
                                                                       const uint16_t *b0,
                                                                       const uint16_t *b1)
{
    _tile_loadd(0, a0, sa);
    _tile_loadd(1, a1, sa);
    _tile_loadd(2, b0, 64);
    _tile_loadd(3, b1, 64);
    _tile_dpbf16ps(4, 0, 2);
    _tile_dpbf16ps(5, 0, 3);
    _tile_dpbf16ps(6, 1, 2);
    _tile_dpbf16ps(7, 1, 3);
}

/* S[p][16 j + n] = sum over the 3x3 window and C channels for the 32 pixels
 * whose window starts at a (pixel (y-1, X-1); rows of pitch_el elements),
 * every output tile j < tiles of w; S rows of ld floats. */
AMX_TARGET static void conv_block(const uint16_t *a, size_t pitch_el, int C, const uint16_t *w,
                                  int tiles, float *S, int ld)
{
    const int kb = C / 32;
    const long sa = 2L * C, ss = 4L * ld;
    const size_t wt = (size_t)9 * kb * 512; /* one output tile's weights */
    BARRIER();
    int j = 0;
    for (; j + 1 < tiles; j += 2) {
        _tile_zero(4);
        _tile_zero(5);
        _tile_zero(6);
        _tile_zero(7);
        const uint16_t *w0 = w + j * wt, *w1 = w0 + wt;
        for (int t = 0; t < 9; t++) {
            const uint16_t *at = a + (t / 3) * pitch_el + (size_t)(t % 3) * C;
            for (int k = 0; k < kb; k++, w0 += 512, w1 += 512)
                step_2x2(at + 32 * k, at + 16 * (size_t)C + 32 * k, sa, w0, w1);
        }
        _tile_stored(4, S + 16 * j, ss);
        _tile_stored(5, S + 16 * j + 16, ss);
        _tile_stored(6, S + 16 * ld + 16 * j, ss);
        _tile_stored(7, S + 16 * ld + 16 * j + 16, ss);
    }
    if (j < tiles) {
        _tile_zero(4);
        _tile_zero(6);
        const uint16_t *w0 = w + j * wt;
        for (int t = 0; t < 9; t++) {
            const uint16_t *at = a + (t / 3) * pitch_el + (size_t)(t % 3) * C;
            for (int k = 0; k < kb; k++, w0 += 512) {
                _tile_loadd(0, at + 32 * k, sa);
                _tile_loadd(1, at + 16 * (size_t)C + 32 * k, sa);
                _tile_loadd(2, w0, 64);
                _tile_dpbf16ps(4, 0, 2);
                _tile_dpbf16ps(6, 1, 2);
            }
        }
        _tile_stored(4, S + 16 * j, ss);
        _tile_stored(6, S + 16 * ld + 16 * j, ss);
    }
    BARRIER();
}

/* nrm[p][c] = sum_j gamma[c][j] sq[p][j] for 32 pixels, N channels (N % 32
 * == 0; sq and nrm rows of N values). */
AMX_TARGET static void norm_block(const uint16_t *sq, const uint16_t *gamma, int N, float *nrm)
{
    const int kb = N / 32;
    const long sa = 2L * N, ss = 4L * N;
    BARRIER();
    for (int j = 0; j < N / 16; j += 2) {
        _tile_zero(4);
        _tile_zero(5);
        _tile_zero(6);
        _tile_zero(7);
        const uint16_t *g0 = gamma + (size_t)j * kb * 512, *g1 = g0 + (size_t)kb * 512;
        for (int k = 0; k < kb; k++)
            step_2x2(sq + 32 * k, sq + 16 * (size_t)N + 32 * k, sa, g0 + 512 * k, g1 + 512 * k);
        _tile_stored(4, nrm + 16 * j, ss);
        _tile_stored(5, nrm + 16 * j + 16, ss);
        _tile_stored(6, nrm + 16 * N + 16 * j, ss);
        _tile_stored(7, nrm + 16 * N + 16 * j + 16, ss);
    }
    BARRIER();
}

AMX_TARGET static void store_bf16(uint16_t *dst, __m512 v)
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
AMX_TARGET static void igdn_block(const scratch *sc, const float *bias, const uint16_t *gamma,
                                  const float *beta, int N, int y, int X, int W, act *next)
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
        norm_block(sc->sq, gamma, N, sc->nrm);
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

float *hv_g_s_band_amx(const hvic_model *m, const int32_t *q, const int32_t *mu_q8,
                       const int64_t *gy, int yh, int yw, int s, int e, int r0, int r1,
                       const int need[4], int *x0, int *xrows)
{
    const hv_gs_amx *g = m->gs_amx;
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
    tiles_on();
    for (int i = 0; i < 4; i++) {
        const int nlo = hv_imax(cur.lo, (r0 << i) - need[i]), nhi = hv_imin(cur.hi, (r1 << i) + need[i]);
        const int W = cur.W, C = cur.C;
        if (i < 3 ? !act_alloc(&next, 2 * nlo, 2 * nhi, 2 * W, N)
                  : !(xh = malloc((size_t)3 * 2 * (nhi - nlo) * 2 * W * sizeof *xh))) {
            tiles_off();
            goto done;
        }
        const size_t pitch_el = (size_t)cur.pitch * C;
        for (int y = nlo; y < nhi; y++)
            for (int X = 0; X < W; X += PX) {
                const uint16_t *a = cur.p + (size_t)(y - cur.lo) * pitch_el + (size_t)X * C;
                conv_block(a, pitch_el, C, g->w[i], g->co_tiles[i], sc.S, sc.ld);
                if (i < 3)
                    igdn_block(&sc, g->b[i], g->gamma[i], m->g_s_igdn[i].conv.b, N, y, X, W,
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
    tiles_off();
done:
    free(cur.p);
    free(next.p);
    free(sc.S);
    free(sc.nrm);
    free(sc.sq);
    return xh;
}

#else /* no AMX: the CPU never reports it, and m->gs_amx stays NULL */

float *hv_g_s_band_amx(const hvic_model *m, const int32_t *q, const int32_t *mu_q8,
                       const int64_t *gy, int yh, int yw, int s, int e, int r0, int r1,
                       const int need[4], int *x0, int *xrows)
{
    (void)m, (void)q, (void)mu_q8, (void)gy, (void)yh, (void)yw, (void)s, (void)e, (void)r0;
    (void)r1, (void)need, (void)x0, (void)xrows;
    return NULL;
}

#endif
