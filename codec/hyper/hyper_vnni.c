/* AVX-512 VNNI kernel of the integer h_s convolutions (spec/model-format.md
 * §3.3): int16 weights times int16 activations, pairs of input channels
 * summed into int32 by VPDPWSSD. Exact, like the dgemm path of hyper.c (the
 * exporter bounds every partial sum below 2^31), so both give the same
 * integers; this one does about four times the multiply-adds per
 * instruction. */
#include "hyper.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HV_HAVE_VNNI_KERNEL 1
#endif

void hv_vnni_pack_weights(const int16_t *w, int cout, int cin, int32_t *wp)
{
    const int cin2 = (cin + 1) / 2;
    for (int t = 0; t < 9; t++)
        for (int ob = 0; ob < cout / 8; ob++)
            for (int kp = 0; kp < cin2; kp++)
                for (int r = 0; r < 8; r++) {
                    const int o = 8 * ob + r, i = 2 * kp;
                    const uint16_t lo = (uint16_t)w[((size_t)o * cin + i) * 9 + t];
                    const uint16_t hi =
                        i + 1 < cin ? (uint16_t)w[((size_t)o * cin + i + 1) * 9 + t] : 0;
                    wp[(((size_t)t * (cout / 8) + ob) * cin2 + kp) * 8 + r] =
                        (int32_t)((uint32_t)lo | (uint32_t)hi << 16);
                }
}

#ifdef HV_HAVE_VNNI_KERNEL
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void
hv_vnni_conv(const int32_t *wp, int cout, int cin, int ob0, int ob1, const int32_t *xq,
             size_t plane, int Wp, int n, int32_t *acc)
{
    const int cin2 = (cin + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += 32) {
        const int left = n - j0;
        const __mmask16 m0 = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
        const __mmask16 m1 = left >= 32 ? 0xffff : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
        for (int ob = ob0; ob < ob1; ob++) {
            __m512i a0[8], a1[8];
            for (int r = 0; r < 8; r++) a0[r] = a1[r] = _mm512_setzero_si512();
            for (int t = 0; t < 9; t++) {
                const int32_t *bt = xq + (t / 3) * Wp + t % 3 + j0;
                const int32_t *wt = wp + ((size_t)t * (cout / 8) + ob) * cin2 * 8;
                for (int kp = 0; kp < cin2; kp++) {
                    const __m512i b0 = _mm512_maskz_loadu_epi32(m0, bt + kp * plane);
                    const __m512i b1 = _mm512_maskz_loadu_epi32(m1, bt + kp * plane + 16);
                    for (int r = 0; r < 8; r++) {
                        const __m512i w = _mm512_set1_epi32(wt[kp * 8 + r]);
                        a0[r] = _mm512_dpwssd_epi32(a0[r], b0, w);
                        a1[r] = _mm512_dpwssd_epi32(a1[r], b1, w);
                    }
                }
            }
            for (int r = 0; r < 8; r++) {
                int32_t *dst = acc + (size_t)(8 * ob + r) * n + j0;
                _mm512_mask_storeu_epi32(dst, m0, a0[r]);
                _mm512_mask_storeu_epi32(dst + 16, m1, a1[r]);
            }
        }
    }
}
#else
void hv_vnni_conv(const int32_t *wp, int cout, int cin, int ob0, int ob1, const int32_t *xq,
                  size_t plane, int Wp, int n, int32_t *acc)
{
    (void)wp, (void)cout, (void)cin, (void)ob0, (void)ob1, (void)xq, (void)plane, (void)Wp,
        (void)n, (void)acc;
    abort(); /* the CPU never reports AVX-512 VNNI in such a build: never called */
}
#endif
