/* Float layers: deterministic encoder convolution and GDN, ReLU, image to
 * tensor. See conv_det.h for the determinism rules.
 * This file must be compiled with -ffp-contract=off and without fast-math. */
#include "conv_det.h"
#include "mem.h"
#include "parallel.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(__FAST_MATH__)
#error "conv_det.c must not be compiled with -ffast-math"
#endif

void hv_pack_weights(const float *w, int cout, int K, float *wp)
{
    int mt = (cout + HV_MR - 1) / HV_MR;
    for (int t = 0; t < mt; t++)
        for (int k = 0; k < K; k++)
            for (int r = 0; r < HV_MR; r++) {
                int o = t * HV_MR + r;
                wp[((size_t)t * K + k) * HV_MR + r] = o < cout ? w[(size_t)o * K + k] : 0.0f;
            }
}

/* Packed weights of c (gdn: its gamma) for the deterministic kernel. */
static int pack_conv(hvic_model *m, void *(*alloc)(hvic_model *, size_t), hv_conv *c)
{
    const size_t K = (size_t)c->cin * c->k * c->k, mt = ((size_t)c->cout + HV_MR - 1) / HV_MR;
    float *wp = alloc(m, mt * HV_MR * K * sizeof(float));
    if (!wp) return 0;
    hv_pack_weights(c->w, c->cout, (int)K, wp);
    c->wpack = wp;
    return 1;
}

int hv_analysis_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t))
{
    for (int i = 0; i < 4; i++)
        if (!pack_conv(m, alloc, &m->g_a[i])) return 0;
    for (int i = 0; i < 3; i++)
        if (!pack_conv(m, alloc, &m->g_a_gdn[i].conv) || !pack_conv(m, alloc, &m->h_a[i])) return 0;
    return 1;
}

/* ---------------------------------------------------------------- kernels */

/* c[m][0..VW) (+)= sum_k a[k][m] * b[k][0..VW) for m < HV_MR, k in order.
 * a: kc x HV_MR packed weights, b: kc x VW packed inputs, c: row stride ldc.
 * Each lane's arithmetic is acc = acc + (a * b) with two roundings, the
 * same at every vector width. */
#define HV_DEFINE_KERNEL(NAME, ATTR, VW)                                                 \
    ATTR static void NAME(int kc, const float *restrict a, const float *restrict b,      \
                          float *restrict c, size_t ldc, int first)                      \
    {                                                                                    \
        typedef float vt __attribute__((vector_size((VW)*4)));                           \
        vt acc[HV_MR];                                                                   \
        for (int m = 0; m < HV_MR; m++) {                                                \
            if (first) acc[m] = (vt){0};                                                 \
            else memcpy(&acc[m], c + m * ldc, sizeof(vt));                               \
        }                                                                                \
        for (int k = 0; k < kc; k++) {                                                   \
            vt bv;                                                                       \
            memcpy(&bv, b + (size_t)k * (VW), sizeof bv);                                \
            const float *ak = a + (size_t)k * HV_MR;                                     \
            for (int m = 0; m < HV_MR; m++) {                                            \
                vt prod = bv * ak[m];                                                    \
                acc[m] = acc[m] + prod;                                                  \
            }                                                                            \
        }                                                                                \
        for (int m = 0; m < HV_MR; m++) memcpy(c + m * ldc, &acc[m], sizeof(vt));        \
    }

typedef void (*det_kernel)(int, const float *, const float *, float *, size_t, int);

HV_DEFINE_KERNEL(kernel_generic, , 4)
#if defined(__x86_64__) || defined(__i386__)
HV_DEFINE_KERNEL(kernel_avx2, __attribute__((target("avx2"))), 8)
HV_DEFINE_KERNEL(kernel_avx512, __attribute__((target("avx512f"))), 16)
#endif

typedef struct kernel_choice {
    det_kernel fn;
    int vw;
} kernel_choice;

/* The kernel for HV_DET_* (model.h); generic where the build has no other. */
static kernel_choice choice(int kernel)
{
#if defined(__x86_64__) || defined(__i386__)
    if (kernel == HV_DET_AVX512) return (kernel_choice){kernel_avx512, 16};
    if (kernel == HV_DET_AVX2) return (kernel_choice){kernel_avx2, 8};
#endif
    (void)kernel;
    return (kernel_choice){kernel_generic, 4};
}

/* ---------------------------------------------------------------- det conv */

#define PB 256 /* output positions per block (multiple of every VW) */
#define KC 256 /* reduction depth per pass */
#define PHASE_BYTES ((size_t)16 << 20) /* stride phases built at once (about) */

/* One parallel pass of the deterministic kernel over np output positions. */
typedef struct det_job {
    const hv_conv *c;
    kernel_choice k;
    const float *in;  /* gdn: the tensor (== out) */
    int Wo;           /* output width */
    size_t P;         /* output channel stride: Ho * Wo */
    float *out;       /* output position 0 of the pass, channel 0 */
    int np;           /* positions in the pass */
    int nblocks;
    int gdn;          /* 1: fused GDN, in == out, panel holds x^2 */
    /* Zero-bordered stride phases of the input rows the pass reads (not for
     * gdn), see make_phases */
    const float *ph;
    int b, Hph, Wph;
    atomic_int next;
    atomic_int failed;
} det_job;

/* Stride phases of the input rows that output rows o0 .. o0+rows-1 of a
 * stride-s convolution read, with b rows/columns of border:
 * ph[ci][phy][phx][r][jx] = in[ci][(o0+r-b)*s + phy][(jx-b)*s + phx], or 0
 * outside the C x H x W input; r < rows + 2b, jx < *Wph = ceil(W/s) + 2b. */
static float *make_phases(const float *in, int C, int H, int W, int s, int b, int o0, int rows,
                          int *Wph)
{
    const int Wh = (W + s - 1) / s, Hph = rows + 2 * b;
    *Wph = Wh + 2 * b;
    const size_t plane = (size_t)Hph * *Wph;
    float *ph = hv_aligned_alloc((size_t)C * s * s * plane * sizeof(float));
    if (!ph) return NULL;
    memset(ph, 0, (size_t)C * s * s * plane * sizeof(float));
    for (int c = 0; c < C; c++)
        for (int py = 0; py < s; py++)
            for (int px = 0; px < s; px++) {
                float *dst = ph + ((size_t)(c * s + py) * s + px) * plane;
                for (int r = 0; r < Hph; r++) {
                    const int y = (o0 + r - b) * s + py;
                    if (y < 0 || y >= H) continue;
                    const float *src = in + ((size_t)c * H + y) * W + px;
                    float *d = dst + (size_t)r * *Wph + b;
                    for (int x = 0; x < Wh && x * s + px < W; x++) d[x] = src[(size_t)x * s];
                }
            }
    return ph;
}

static void *det_worker(void *arg)
{
    det_job *j = arg;
    const hv_conv *c = j->c;
    const int ks = c->k, s = c->stride, k2 = ks * ks, K = c->cin * k2, pad = ks / 2;
    const int mt = (c->cout + HV_MR - 1) / HV_MR;
    const int vw = j->k.vw, nsub = PB / vw;
    const det_kernel fn = j->k.fn;
    const size_t P = j->P, plane = (size_t)j->Hph * j->Wph;
    float *panel = hv_aligned_alloc((size_t)KC * PB * sizeof(float));
    float *cblk = hv_aligned_alloc((size_t)mt * HV_MR * PB * sizeof(float));
    int *off0 = malloc(PB * sizeof *off0);
    unsigned char contig[PB];
    if (!panel || !cblk || !off0) {
        atomic_store(&j->failed, 1);
        goto out;
    }
    for (;;) {
        int blk = atomic_fetch_add(&j->next, 1);
        if (blk >= j->nblocks) break;
        const int p0 = blk * PB, pn = j->np - p0 < PB ? j->np - p0 : PB;
        /* position offsets in a phase plane (gdn: in a channel plane); the
         * positions past the end repeat the last one (their results are
         * never stored) */
        for (int q = 0; q < PB; q++) {
            const int p = p0 + (q < pn ? q : pn - 1);
            off0[q] = j->gdn ? p : (p / j->Wo) * j->Wph + p % j->Wo;
        }
        /* sub-tiles whose positions are consecutive in memory: plain copies */
        for (int ps = 0; ps < nsub; ps++) {
            const int *o = off0 + ps * vw;
            int c1 = 1;
            for (int l = 1; l < vw; l++) c1 &= o[l] == o[0] + l;
            contig[ps] = (unsigned char)c1;
        }
        for (int kb = 0; kb < K; kb += KC) {
            const int kc = K - kb < KC ? K - kb : KC;
            /* im2col of rows kb..kb+kc into [PB/vw][kc][vw] */
            for (int kk = 0; kk < kc; kk++) {
                const int k = kb + kk, ci = k / k2, t = k % k2;
                const float *base;
                if (j->gdn) {
                    base = j->in + ci * P;
                } else {
                    const int dy = t / ks - pad, dx = t % ks - pad;
                    const int py = ((dy % s) + s) % s, px = ((dx % s) + s) % s;
                    base = j->ph + ((size_t)(ci * s + py) * s + px) * plane +
                           (size_t)((dy - py) / s + j->b) * j->Wph + (dx - px) / s + j->b;
                }
                float *dst = panel + (size_t)kk * vw;
                for (int ps = 0; ps < nsub; ps++) {
                    float *d = dst + (size_t)ps * kc * vw;
                    const int *o = off0 + ps * vw;
                    if (contig[ps]) {
                        const float *b0 = base + o[0];
                        if (j->gdn)
                            for (int l = 0; l < vw; l++) d[l] = b0[l] * b0[l];
                        else
                            memcpy(d, b0, (size_t)vw * sizeof(float));
                    } else if (j->gdn) {
                        for (int l = 0; l < vw; l++) {
                            float v = base[o[l]];
                            d[l] = v * v;
                        }
                    } else {
                        for (int l = 0; l < vw; l++) d[l] = base[o[l]];
                    }
                }
            }
            for (int ps = 0; ps < nsub; ps++)
                for (int m = 0; m < mt; m++)
                    fn(kc, c->wpack + ((size_t)m * K + kb) * HV_MR, panel + (size_t)ps * kc * vw,
                       cblk + (size_t)m * HV_MR * PB + (size_t)ps * vw, PB, kb == 0);
        }
        for (int o = 0; o < c->cout; o++) {
            const float bias = c->b[o];
            const float *src = cblk + (size_t)o * PB;
            float *dst = j->out + (size_t)o * P + p0;
            if (j->gdn) {
                /* every block reads and writes only its own positions, after
                 * its whole reduction: in place is safe */
                for (int p = 0; p < pn; p++) {
                    float norm = src[p] + bias;
                    float r = 1.0f / sqrtf(norm);
                    dst[p] = dst[p] * r;
                }
            } else {
                for (int p = 0; p < pn; p++) dst[p] = src[p] + bias;
            }
        }
    }
out:
    hv_aligned_free(panel);
    hv_aligned_free(cblk);
    free(off0);
    return NULL;
}

/* One worker: takes blocks until none are left (det_worker). */
static void det_task(void *arg, int t)
{
    (void)t;
    det_worker(arg);
}

/* Runs one pass on `threads` threads (the calling one included). Returns 0
 * on allocation failure. */
static int run_job(det_job *j, int threads)
{
    j->nblocks = (j->np + PB - 1) / PB;
    atomic_init(&j->next, 0);
    atomic_init(&j->failed, 0);
    if (threads > j->nblocks) threads = j->nblocks;
    hv_parallel_for(threads, threads, det_task, j);
    return !atomic_load(&j->failed);
}

/* Convolution in passes of output rows whose input's stride phases take
 * about PHASE_BYTES (every output element is summed in the same order
 * whatever the pass), or GDN in one pass. */
static int run_det(const hv_conv *c, int kernel, const float *in, int H, int W, float *out,
                   int threads, int gdn)
{
    const int s = c->stride, b = c->k / 2;
    const int Ho = hv_conv_out(H, c->k, s), Wo = hv_conv_out(W, c->k, s);
    det_job j = {.c = c, .k = choice(kernel), .in = in, .Wo = Wo, .P = (size_t)Ho * Wo, .gdn = gdn};
    if (gdn) {
        j.out = out;
        j.np = Ho * Wo;
        return run_job(&j, threads);
    }
    const size_t row_bytes = (size_t)c->cin * s * s * ((W + s - 1) / s + 2 * b) * sizeof(float);
    const size_t fit = PHASE_BYTES / row_bytes;
    const int rows = fit < 1 ? 1 : fit > (size_t)Ho ? Ho : (int)fit;
    for (int o0 = 0; o0 < Ho; o0 += rows) {
        const int n = Ho - o0 < rows ? Ho - o0 : rows;
        float *ph = make_phases(in, c->cin, H, W, s, b, o0, n, &j.Wph);
        if (!ph) return 0;
        j.ph = ph;
        j.b = b;
        j.Hph = n + 2 * b;
        j.out = out + (size_t)o0 * Wo;
        j.np = n * Wo;
        const int ok = run_job(&j, threads);
        hv_aligned_free(ph);
        if (!ok) return 0;
    }
    return 1;
}

int hv_conv_det(const hv_conv *c, int kernel, const float *in, int H, int W, float *out,
                int threads)
{
    return run_det(c, kernel, in, H, W, out, threads, 0);
}

int hv_gdn_det(const hv_gdn *g, int kernel, float *x, int H, int W, int threads)
{
    /* norm = beta + gamma * x^2 (x^2 formed while packing), then
     * x * (1 / sqrtf(norm)) in the block epilogue */
    return run_det(&g->conv, kernel, x, H, W, x, threads, 1);
}

/* ---------------------------------------------------------------- misc */

void hv_relu(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(x[i] > 0.0f)) x[i] = 0.0f;
}

void hv_rgb_to_tensor(const uint8_t *rgb, int w, int h, size_t stride, int Wp, int y0, int rows,
                      float *out)
{
    for (int c = 0; c < 3; c++)
        for (int r = 0; r < rows; r++) {
            const int y = y0 + r;
            const uint8_t *row = rgb + (size_t)(y < h ? y : h - 1) * stride;
            float *dst = out + ((size_t)c * rows + r) * Wp;
            for (int x = 0; x < Wp; x++) dst[x] = (float)row[3 * (x < w ? x : w - 1) + c] / 255.0f;
        }
}
