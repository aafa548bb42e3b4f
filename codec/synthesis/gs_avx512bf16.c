/* hv_gs_dot_fn on AVX512-BF16 vectors (gs_bf16.h): VDPBF16PS with fp32
 * sums, for CPUs with AVX512-BF16 but no AMX (AMD Zen 4 and later, Intel
 * Cooper Lake). A weight vector is one row of the AMX B tile (one channel
 * pair x 16 outputs), a pixel's channel pair is broadcast to all 16 lanes;
 * blocks of 8 pixels x 32 outputs keep 16 sums in registers, enough to
 * hide VDPBF16PS's latency. */
#include "gs_bf16.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BF16_TARGET __attribute__((target("avx512f,avx512bf16")))

enum { PB = 8 }; /* pixels per register block */

/* The 32-bit channel pair at p, broadcast. */
BF16_TARGET static inline __attribute__((always_inline)) __m512bh pair(const uint16_t *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return (__m512bh)_mm512_set1_epi32(v);
}

/* PB pixels (a: the first, pixels C apart) x V output tiles (w: the first
 * tile's weights, tiles wt apart) into S (rows ld floats apart). */
BF16_TARGET static inline __attribute__((always_inline)) void block(
    const uint16_t *a, size_t pitch_el, int taps, int C, const uint16_t *w, size_t wt, float *S,
    int ld, const int V)
{
    __m512 acc[PB][2];
#pragma GCC unroll 8
    for (int p = 0; p < PB; p++) {
        acc[p][0] = _mm512_setzero_ps();
        acc[p][1] = _mm512_setzero_ps();
    }
    const int pairs = C / 2;
    for (int t = 0; t < taps; t++) {
        const uint16_t *at = a + (t / 3) * pitch_el + (size_t)(t % 3) * C;
        const uint16_t *w0 = w + (size_t)t * pairs * 32, *w1 = w0 + wt;
        for (int k = 0; k < pairs; k++) {
            const __m512bh b0 = (__m512bh)_mm512_loadu_si512(w0 + 32 * k);
            const __m512bh b1 = V > 1 ? (__m512bh)_mm512_loadu_si512(w1 + 32 * k) : b0;
#pragma GCC unroll 8
            for (int p = 0; p < PB; p++) {
                const __m512bh x = pair(at + (size_t)p * C + 2 * k);
                acc[p][0] = _mm512_dpbf16_ps(acc[p][0], x, b0);
                if (V > 1) acc[p][1] = _mm512_dpbf16_ps(acc[p][1], x, b1);
            }
        }
    }
#pragma GCC unroll 8
    for (int p = 0; p < PB; p++) {
        _mm512_storeu_ps(S + (size_t)p * ld, acc[p][0]);
        if (V > 1) _mm512_storeu_ps(S + (size_t)p * ld + 16, acc[p][1]);
    }
}

BF16_TARGET void hv_gs_avx512bf16_dot(const uint16_t *a, size_t pitch_el, int taps, int C,
                                      const uint16_t *w, int tiles, float *S, int ld)
{
    const size_t wt = (size_t)taps * C * 16; /* one output tile's weights */
    for (int j = 0; j < tiles; j += 2)
        for (int p = 0; p < 32; p += PB) {
            const uint16_t *ap = a + (size_t)p * C;
            float *sp = S + (size_t)p * ld + 16 * j;
            if (j + 1 < tiles) block(ap, pitch_el, taps, C, w + j * wt, wt, sp, ld, 2);
            else block(ap, pitch_el, taps, C, w + j * wt, wt, sp, ld, 1);
        }
}

#else /* not x86-64: the CPU never reports AVX512-BF16, so this is never called */

void hv_gs_avx512bf16_dot(const uint16_t *a, size_t pitch_el, int taps, int C, const uint16_t *w,
                          int tiles, float *S, int ld)
{
    (void)a, (void)pitch_el, (void)taps, (void)C, (void)w, (void)tiles, (void)S, (void)ld;
}

#endif
