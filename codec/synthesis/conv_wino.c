/* Decoder-only Winograd convolution for g_s: F(4x4, 3x3) of Lavin & Gray,
 * "Fast algorithms for convolutional neural networks" (CVPR 2016). Each
 * 4x4 block of outputs is A^T [ (G g G^T) . (B^T d B) ] A over a 6x6 input
 * tile d: 36 multiplies per output block instead of 144, done as 36 GEMMs
 * (OpenBLAS sgemm) of the transformed weights by the transformed tiles.
 *
 * Buffers hold a chunk of tile rows at a time, with columns split into the
 * four phases x mod 4 so that every transform loop runs over contiguous
 * tiles. The bias, the following IGDN and the pixel shuffle are applied to
 * each chunk while it is in cache.
 *
 * Float rounding differs from a direct convolution (relative error ~1e-6
 * here); the decoder's float output need not be bit-exact
 * (spec/model-format.md). Compiled with -ffp-contract=fast. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "conv_gs.h"
#include "mem.h"

/* Floats of the chunk buffers (transformed tiles and GEMM products) to aim
 * for: large enough for efficient GEMMs, small enough to stay near cache. */
#define CHUNK_FLOATS ((size_t)8 << 20)

/* Not under sanitizers: their runtimes are not ready when the loader runs
 * the clones' ifunc resolvers (ThreadSanitizer crashes there). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HV_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HV_SANITIZED 1
#endif
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(HV_SANITIZED)
#define HV_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HV_CLONES
#endif

int hv_wino_weights(const float *w, int cout, int cin, float *u)
{
    static const double G[6][3] = {{1.0 / 4, 0, 0},
                                   {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                   {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                   {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                   {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                   {0, 0, 1}};
    const size_t plane = (size_t)cout * cin;
    /* one output channel's 36 rows of cin at a time, then copied row by row:
     * writing the 36 planes (power-of-two apart) element by element would
     * thrash the cache sets */
    float *rows = malloc(36 * (size_t)cin * sizeof *rows);
    if (!rows) return 0;
    for (int o = 0; o < cout; o++) {
        for (int i = 0; i < cin; i++) {
            const float *g = w + ((size_t)o * cin + i) * 9;
            double t[6][3];
            for (int a = 0; a < 6; a++)
                for (int kx = 0; kx < 3; kx++)
                    t[a][kx] = G[a][0] * g[kx] + G[a][1] * g[3 + kx] + G[a][2] * g[6 + kx];
            for (int a = 0; a < 6; a++)
                for (int b = 0; b < 6; b++)
                    rows[(size_t)(6 * a + b) * cin + i] =
                        (float)(t[a][0] * G[b][0] + t[a][1] * G[b][1] + t[a][2] * G[b][2]);
        }
        for (int k = 0; k < 36; k++)
            memcpy(u + k * plane + (size_t)o * cin, rows + (size_t)k * cin, cin * sizeof *rows);
    }
    free(rows);
    return 1;
}

/* The six rows of B^T applied to d0..d5 (F(4x4, 3x3), interpolation points
 * 0, +-1, +-2 and infinity). */
#define BT0(d0, d1, d2, d3, d4, d5) (4 * (d0) - 5 * (d2) + (d4))
#define BT1(d0, d1, d2, d3, d4, d5) (-4 * (d1) - 4 * (d2) + (d3) + (d4))
#define BT2(d0, d1, d2, d3, d4, d5) (4 * (d1) - 4 * (d2) - (d3) + (d4))
#define BT3(d0, d1, d2, d3, d4, d5) (-2 * (d1) - (d2) + 2 * (d3) + (d4))
#define BT4(d0, d1, d2, d3, d4, d5) (2 * (d1) - (d2) - 2 * (d3) + (d4))
#define BT5(d0, d1, d2, d3, d4, d5) (4 * (d1) - 5 * (d3) + (d5))

/* Input transform of one channel's tile row: xq, 6 padded input rows of 4
 * phases of tw+1 columns (row r, phase p, column t holds input column
 * 4t+p-1) -> v[(6k+l) * vs + t] for the tw tiles t. r: 6 x 4 x (tw+1)
 * scratch. */
HV_CLONES static void input_tiles(const float *restrict xq, int tw, float *restrict r,
                                  float *restrict v, size_t vs)
{
    const int n1 = tw + 1;
    const size_t rs = 4 * (size_t)n1; /* one padded row */
    for (int p = 0; p < 4; p++) {
        const float *d0 = xq + p * n1, *d1 = d0 + rs, *d2 = d1 + rs, *d3 = d2 + rs, *d4 = d3 + rs,
                    *d5 = d4 + rs;
        float *r0 = r + p * n1, *r1 = r0 + rs, *r2 = r1 + rs, *r3 = r2 + rs, *r4 = r3 + rs,
              *r5 = r4 + rs;
        for (int t = 0; t < n1; t++) {
            r0[t] = BT0(d0[t], d1[t], d2[t], d3[t], d4[t], d5[t]);
            r1[t] = BT1(d0[t], d1[t], d2[t], d3[t], d4[t], d5[t]);
            r2[t] = BT2(d0[t], d1[t], d2[t], d3[t], d4[t], d5[t]);
            r3[t] = BT3(d0[t], d1[t], d2[t], d3[t], d4[t], d5[t]);
            r4[t] = BT4(d0[t], d1[t], d2[t], d3[t], d4[t], d5[t]);
            r5[t] = BT5(d0[t], d1[t], d2[t], d3[t], d4[t], d5[t]);
        }
    }
    for (int k = 0; k < 6; k++) {
        /* tile t's columns 0..5 are phases 0..3 at t and phases 0, 1 at t+1 */
        const float *c0 = r + k * rs, *c1 = c0 + n1, *c2 = c1 + n1, *c3 = c2 + n1, *c4 = c0 + 1,
                    *c5 = c1 + 1;
        float *v0 = v + (size_t)(6 * k) * vs, *v1 = v0 + vs, *v2 = v1 + vs, *v3 = v2 + vs,
              *v4 = v3 + vs, *v5 = v4 + vs;
        for (int t = 0; t < tw; t++) {
            v0[t] = BT0(c0[t], c1[t], c2[t], c3[t], c4[t], c5[t]);
            v1[t] = BT1(c0[t], c1[t], c2[t], c3[t], c4[t], c5[t]);
            v2[t] = BT2(c0[t], c1[t], c2[t], c3[t], c4[t], c5[t]);
            v3[t] = BT3(c0[t], c1[t], c2[t], c3[t], c4[t], c5[t]);
            v4[t] = BT4(c0[t], c1[t], c2[t], c3[t], c4[t], c5[t]);
            v5[t] = BT5(c0[t], c1[t], c2[t], c3[t], c4[t], c5[t]);
        }
    }
}

/* Output transform of one channel's tile row: m[(6k+l) * ms + t] for the tw
 * tiles -> y, 4 rows of 4 phases of tw columns (row i, phase j, column t is
 * output column 4t+j), plus bias; and their squares into sq (same layout)
 * unless sq is NULL. s: 6 x 4 x tw scratch. */
HV_CLONES static void output_tiles(const float *restrict m, size_t ms, int tw, float bias,
                                   float *restrict s, float *restrict y, float *restrict sq)
{
    const size_t ss = 4 * (size_t)tw;
    for (int k = 0; k < 6; k++) {
        const float *m0 = m + (size_t)(6 * k) * ms, *m1 = m0 + ms, *m2 = m1 + ms, *m3 = m2 + ms,
                    *m4 = m3 + ms, *m5 = m4 + ms;
        float *s0 = s + k * ss, *s1 = s0 + tw, *s2 = s1 + tw, *s3 = s2 + tw;
        for (int t = 0; t < tw; t++) {
            const float a = m1[t] + m2[t], b = m1[t] - m2[t], c = m3[t] + m4[t], d = m3[t] - m4[t];
            s0[t] = m0[t] + a + c;
            s1[t] = b + 2 * d;
            s2[t] = a + 4 * c;
            s3[t] = b + 8 * d + m5[t];
        }
    }
    for (int j = 0; j < 4; j++) {
        const float *e0 = s + j * tw, *e1 = e0 + ss, *e2 = e1 + ss, *e3 = e2 + ss, *e4 = e3 + ss,
                    *e5 = e4 + ss;
        float *y0 = y + j * tw, *y1 = y0 + ss, *y2 = y1 + ss, *y3 = y2 + ss;
        for (int t = 0; t < tw; t++) {
            const float a = e1[t] + e2[t], b = e1[t] - e2[t], c = e3[t] + e4[t], d = e3[t] - e4[t];
            y0[t] = e0[t] + a + c + bias;
            y1[t] = b + 2 * d + bias;
            y2[t] = a + 4 * c + bias;
            y3[t] = b + 8 * d + e5[t] + bias;
        }
        if (sq) /* the squares for IGDN, while the rows are in cache */
            for (int i = 0; i < 4; i++) {
                const float *yi = y0 + i * ss;
                float *qi = sq + j * tw + i * ss;
                for (int t = 0; t < tw; t++) qi[t] = yi[t] * yi[t];
            }
    }
}

/* Padded input rows 4*tr0-1 .. 4*tr0+4*ntr of channel ci (zero outside
 * 0..H-1), split into column phases: xq[row][p][t] = in[ci][.][4t+p-1]. */
static void pad_phases(const float *in, int H, int W, int tr0, int ntr, int tw, float *xq)
{
    const int n1 = tw + 1, rows = 4 * ntr + 2;
    for (int r = 0; r < rows; r++) {
        float *dst = xq + (size_t)r * 4 * n1;
        const int y = 4 * tr0 - 1 + r;
        memset(dst, 0, 4 * (size_t)n1 * sizeof(float));
        if (y < 0 || y >= H) continue;
        const float *src = in + (size_t)y * W;
        for (int p = 0; p < 4; p++)
            for (int t = p ? 0 : 1, x = 4 * t + p - 1; x < W; t++, x += 4) dst[p * n1 + t] = src[x];
    }
}

/* Output rows y0 .. y0+rows-1 of IGDN channel group c (chunk channels 4c ..
 * 4c+3, i.e. subpixels ab = 0..3; each 4ntr rows x 4 phases x tw columns,
 * channel stride cs) into out, pixel-shuffled: chunk channel 4c+2a+b ->
 * (c, 2y+a, 2x+b) of C x 2H x 2W. With norm, x is first multiplied by
 * sqrtf(norm + beta) (IGDN). u: 2 x 4 tw scratch. */
HV_CLONES static void store_group(const float *restrict p, const float *restrict norm, float beta,
                                  size_t cs, int tw, int y0, int rows, int H, int W, int c,
                                  float *restrict u, float *restrict out)
{
    const size_t rs = 4 * (size_t)tw;
    const int full = W / 4;
    for (int a = 0; a < 2; a++)
        for (int r = 0; r < rows; r++) {
            float *dst = out + ((size_t)c * 2 * H + 2 * (y0 + r) + a) * 2 * W;
            for (int b = 0; b < 2; b++) {
                const float *x = p + (size_t)(2 * a + b) * cs + r * rs;
                float *ub = u + b * rs;
                if (norm) {
                    const float *nr = norm + (size_t)(2 * a + b) * cs + r * rs;
                    for (size_t i = 0; i < rs; i++) ub[i] = x[i] * sqrtf(nr[i] + beta);
                } else {
                    memcpy(ub, x, rs * sizeof(float));
                }
            }
            const float *u0 = u, *u1 = u + rs;
            for (int t = 0; t < full; t++)
                for (int j = 0; j < 4; j++) {
                    dst[8 * t + 2 * j] = u0[j * tw + t];
                    dst[8 * t + 2 * j + 1] = u1[j * tw + t];
                }
            for (int x = 4 * full; x < W; x++) {
                dst[2 * x] = u0[(x & 3) * tw + (x >> 2)];
                dst[2 * x + 1] = u1[(x & 3) * tw + (x >> 2)];
            }
        }
}
int hv_conv_wino(const hv_conv *c, const hv_gdn *igdn, const float *in, size_t in_cs, int H,
                 int W, float *out)
{
    const int cin = c->cin, cout = c->cout, tw = (W + 3) / 4, th = (H + 3) / 4;
    /* floats per tile row: transformed input and products (36 (cin + cout)
     * tw), outputs and squares (2 x 16 cout tw), padded input (16 cin (tw+1)) */
    const size_t per_row = (size_t)tw * (36 * (size_t)(cin + cout) + 32 * cout) +
                           (size_t)16 * cin * (tw + 1);
    const size_t fit = CHUNK_FLOATS / per_row;
    const int tr = fit < 1 ? 1 : fit > (size_t)th ? th : (int)fit;
    const size_t T = (size_t)tr * tw, rs = 4 * (size_t)(tw + 1);
    float *xq = hv_aligned_alloc((size_t)cin * (4 * tr + 2) * rs * sizeof(float));
    float *v = hv_aligned_alloc(36 * (size_t)cin * T * sizeof(float));
    float *mb = hv_aligned_alloc(36 * (size_t)cout * T * sizeof(float));
    float *p = hv_aligned_alloc(16 * (size_t)cout * T * sizeof(float));
    float *sq = igdn ? hv_aligned_alloc(16 * (size_t)cout * T * sizeof(float)) : NULL;
    float *scratch = hv_aligned_alloc(24 * (size_t)(tw + 1) * sizeof(float));
    const int ok = xq && v && mb && p && scratch && (sq || !igdn);
    for (int tr0 = 0; ok && tr0 < th; tr0 += tr) {
        const int ntr = th - tr0 < tr ? th - tr0 : tr, n = ntr * tw;
        const size_t plane = (size_t)(4 * ntr + 2) * rs, cs = (size_t)16 * n;
        for (int ci = 0; ci < cin; ci++) {
            float *xc = xq + ci * plane;
            pad_phases(in + (size_t)ci * in_cs, H, W, tr0, ntr, tw, xc);
            for (int ty = 0; ty < ntr; ty++)
                input_tiles(xc + 4 * ty * rs, tw, scratch, v + (size_t)ci * n + (size_t)ty * tw,
                            (size_t)cin * n);
        }
        for (int xi = 0; xi < 36; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, n, cin, 1.0f,
                        c->wwino + (size_t)xi * cout * cin, cin, v + (size_t)xi * cin * n, n,
                        0.0f, mb + (size_t)xi * cout * n, n);
        /* chunk outputs p: cout x 4ntr rows x 4 phases x tw */
        for (int o = 0; o < cout; o++) {
            float *y = p + o * cs;
            for (int ty = 0; ty < ntr; ty++)
                output_tiles(mb + (size_t)o * n + (size_t)ty * tw, (size_t)cout * n, tw, c->b[o],
                             scratch, y + (size_t)ty * 16 * tw,
                             igdn ? sq + o * cs + (size_t)ty * 16 * tw : NULL);
        }
        if (igdn) /* chunk channel 4i+ab is IGDN channel i at subpixel ab; norm - beta into mb */
            for (int ab = 0; ab < 4; ab++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout / 4, (int)cs, cout / 4,
                            1.0f, igdn->conv.w, cout / 4, sq + ab * cs, (int)(4 * cs), 0.0f,
                            mb + ab * cs, (int)(4 * cs));
        const int y0 = 4 * tr0, rows = H - y0 < 4 * ntr ? H - y0 : 4 * ntr;
        for (int g = 0; g < cout / 4; g++)
            store_group(p + 4 * g * cs, igdn ? mb + 4 * g * cs : NULL,
                        igdn ? igdn->conv.b[g] : 0.0f, cs, tw, y0, rows, H, W, g, scratch, out);
    }
    hv_aligned_free(xq);
    hv_aligned_free(v);
    hv_aligned_free(mb);
    hv_aligned_free(p);
    hv_aligned_free(sq);
    hv_aligned_free(scratch);
    return ok;
}
