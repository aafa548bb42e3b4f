/* Decoder-only direct 3x3 convolution for layers with few output channels
 * (g_s.6: 12 outputs), where a GEMM spends most of its time packing the
 * large input. Vectorised over output columns with FMA; its rounding may
 * differ from the Winograd path (the decoder's float output need not be
 * bit-exact; spec/model-format.md). Compiled with -ffp-contract=fast. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "conv_gs.h"
#include "cpu.h"
#include "mem.h"

#define NV 2 /* vectors per output row segment */

/* acc[o][x0 .. x0+NV*VW) (+)= sum over channels i0 .. i0+ib and the 9 taps,
 * for OG outputs; acc rows have stride ldacc. */
#define HV_DIRECT(NAME, ATTR, VW, OG)                                                         \
    ATTR static void NAME(const float *xp, size_t plane, int Wp, int i0, int ib,             \
                          const float *wg, int y, int x0, float *accm, size_t ldacc, int first) \
    {                                                                                        \
        typedef float vt __attribute__((vector_size((VW)*4)));                               \
        vt acc[OG][NV];                                                                      \
        for (int o = 0; o < OG; o++)                                                         \
            for (int v = 0; v < NV; v++) {                                                   \
                if (first) acc[o][v] = (vt){0};                                              \
                else memcpy(&acc[o][v], accm + o * ldacc + x0 + v * (VW), sizeof(vt));       \
            }                                                                                \
        for (int i = i0; i < i0 + ib; i++) {                                                 \
            const float *row = xp + (size_t)i * plane + (size_t)y * Wp + x0;                 \
            for (int t = 0; t < 9; t++) {                                                    \
                const float *src = row + (t / 3) * Wp + t % 3;                               \
                vt in[NV];                                                                   \
                for (int v = 0; v < NV; v++) memcpy(&in[v], src + v * (VW), sizeof(vt));     \
                const float *wk = wg + ((size_t)i * 9 + t) * (OG);                           \
                for (int o = 0; o < OG; o++)                                                 \
                    for (int v = 0; v < NV; v++) acc[o][v] += in[v] * wk[o];                 \
            }                                                                                \
        }                                                                                    \
        for (int o = 0; o < OG; o++)                                                         \
            for (int v = 0; v < NV; v++)                                                     \
                memcpy(accm + o * ldacc + x0 + v * (VW), &acc[o][v], sizeof(vt));            \
    }

typedef void (*direct_fn)(const float *, size_t, int, int, int, const float *, int, int, float *,
                          size_t, int);

#define IB 16 /* input channels per pass: their 3 rows stay in cache across a row */
#define CHUNK_FLOATS ((size_t)4 << 20) /* padded input rows held at once (about) */

HV_DIRECT(direct_generic, , 4, 6)
#if defined(__x86_64__) || defined(__i386__)
HV_DIRECT(direct_avx2, __attribute__((target("avx2,fma"))), 8, 6)
HV_DIRECT(direct_avx512, __attribute__((target("avx512f,fma"))), 16, 12)
#endif

/* Adds the biases to the accumulated outputs oc0 .. oc0+og-1 (those below
 * cout) of row y, acc rows of stride ldacc, and stores them pixel-shuffled
 * into out, (cout/4) x 2H x 2W. */
static void store_row(const hv_conv *c, int oc0, int og, const float *acc, size_t ldacc, int y,
                      int H, int W, float *out)
{
    for (int o = 0; o < og && oc0 + o < c->cout; o++) {
        const int oc = oc0 + o;
        const float b = c->b[oc];
        const float *src = acc + (size_t)o * ldacc;
        float *dst = out + ((size_t)(oc >> 2) * 2 * H + 2 * y + ((oc >> 1) & 1)) * 2 * W + (oc & 1);
        for (int x = 0; x < W; x++) dst[2 * x] = src[x] + b;
    }
}

int hv_conv_direct3(const hv_conv *c, const float *in, size_t in_cs, int H, int W, float *out)
{
    direct_fn fn = direct_generic;
    int vw = 4, og = 6;
#if defined(__x86_64__) || defined(__i386__)
    const hv_cpu *cpu = hv_cpu_features();
    if (cpu->avx512) {
        fn = direct_avx512;
        vw = 16;
        og = 12;
    } else if (cpu->avx2_fma) {
        fn = direct_avx2;
        vw = 8;
    }
#endif
    const int nx = NV * vw, cin = c->cin, cout = c->cout;
    const int Wr = (W + nx - 1) / nx * nx, Wp = Wr + 2;
    const size_t fit = CHUNK_FLOATS / ((size_t)cin * Wp);
    const int R = fit < 1 ? 1 : fit > (size_t)H ? H : (int)fit; /* output rows per chunk */
    const size_t plane = (size_t)(R + 2) * Wp;
    const int groups = (cout + og - 1) / og;
    float *xp = hv_aligned_alloc(((size_t)cin * plane + 2 * (size_t)Wp) * sizeof(float));
    float *wg = hv_aligned_alloc((size_t)groups * og * cin * 9 * sizeof(float));
    float *acc = hv_aligned_alloc((size_t)og * Wr * sizeof(float));
    if (!xp || !wg || !acc) {
        hv_aligned_free(xp);
        hv_aligned_free(wg);
        hv_aligned_free(acc);
        return 0;
    }
    /* weights per group: [g][cin][9][og], zero beyond cout */
    for (int g = 0; g < groups; g++)
        for (int i = 0; i < cin; i++)
            for (int t = 0; t < 9; t++)
                for (int o = 0; o < og; o++) {
                    int oc = g * og + o;
                    wg[(((size_t)g * cin + i) * 9 + t) * og + o] =
                        oc < cout ? c->w[((size_t)oc * cin + i) * 9 + t] : 0.0f;
                }
    for (int y0 = 0; y0 < H; y0 += R) {
        const int rows = H - y0 < R ? H - y0 : R;
        /* zero-bordered input rows y0-1 .. y0+rows */
        memset(xp, 0, ((size_t)cin * plane + 2 * (size_t)Wp) * sizeof(float));
        for (int i = 0; i < cin; i++)
            for (int r = -1; r <= rows; r++) {
                const int y = y0 + r;
                if (y < 0 || y >= H) continue;
                memcpy(xp + i * plane + (size_t)(r + 1) * Wp + 1, in + (size_t)i * in_cs + (size_t)y * W,
                       (size_t)W * sizeof(float));
            }
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < groups; g++) {
                const float *w = wg + (size_t)g * og * cin * 9;
                for (int i0 = 0; i0 < cin; i0 += IB)
                    for (int x0 = 0; x0 < Wr; x0 += nx)
                        fn(xp, plane, Wp, i0, cin - i0 < IB ? cin - i0 : IB, w, r, x0, acc,
                           (size_t)Wr, i0 == 0);
                store_row(c, g * og, og, acc, Wr, y0 + r, H, W, out);
            }
    }
    hv_aligned_free(xp);
    hv_aligned_free(wg);
    hv_aligned_free(acc);
    return 1;
}
