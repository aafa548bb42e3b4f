/* AVX2 kernel of the integer h_s and context convolutions (spec/model-format.md
 * §3.3), for CPUs without AVX-512 VNNI: the operands of hv_vnni_conv (int16
 * weight pairs, int16 activation pairs) multiplied and summed in pairs into
 * int32 by VPMADDWD, then accumulated by VPADDD. Exact, like the other two
 * kernels (the exporter bounds every partial sum below 2^31, and no pair of
 * products reaches 2^31), so all three give the same integers. */
#include "hyper.h"

#include <stdlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* Lanes 0 .. left-1 set (left < 8) as a mask for VPMASKMOVD. */
__attribute__((target("avx2"))) static __m256i lanes(int left)
{
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), idx);
}

__attribute__((target("avx2"))) void
hv_pairs_conv_avx2(const int32_t *wp, int cout, int cin, int ob0, int ob1, const int32_t *xq,
                   size_t plane, int Wp, int n, int32_t *acc)
{
    const int cin2 = (cin + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += 16) {
        const int left = n - j0;
        const __m256i m0 = lanes(left >= 8 ? 8 : left), m1 = lanes(left >= 16 ? 8 : left - 8);
        for (int ob = ob0; ob < ob1; ob++)
            for (int h = 0; h < 8; h += 4) { /* 4 output channels x 16 columns: 8 accumulators */
                __m256i a0[4], a1[4];
                for (int r = 0; r < 4; r++) a0[r] = a1[r] = _mm256_setzero_si256();
                for (int t = 0; t < 9; t++) {
                    const int32_t *bt = xq + (t / 3) * Wp + t % 3 + j0;
                    const int32_t *wt = wp + ((size_t)t * (cout / 8) + ob) * cin2 * 8 + h;
                    for (int kp = 0; kp < cin2; kp++) {
                        const __m256i b0 = _mm256_maskload_epi32(bt + kp * plane, m0);
                        const __m256i b1 = _mm256_maskload_epi32(bt + kp * plane + 8, m1);
                        for (int r = 0; r < 4; r++) {
                            const __m256i w = _mm256_set1_epi32(wt[kp * 8 + r]);
                            a0[r] = _mm256_add_epi32(a0[r], _mm256_madd_epi16(b0, w));
                            a1[r] = _mm256_add_epi32(a1[r], _mm256_madd_epi16(b1, w));
                        }
                    }
                }
                for (int r = 0; r < 4; r++) {
                    int32_t *dst = acc + (size_t)(8 * ob + h + r) * n + j0;
                    _mm256_maskstore_epi32(dst, m0, a0[r]);
                    _mm256_maskstore_epi32(dst + 8, m1, a1[r]);
                }
            }
    }
}
#else
void hv_pairs_conv_avx2(const int32_t *wp, int cout, int cin, int ob0, int ob1, const int32_t *xq,
                        size_t plane, int Wp, int n, int32_t *acc)
{
    (void)wp, (void)cout, (void)cin, (void)ob0, (void)ob1, (void)xq, (void)plane, (void)Wp,
        (void)n, (void)acc;
    abort(); /* the CPU never reports AVX2 in such a build: never called */
}
#endif
