/* The synthesis transform g_s in bf16: direct 3x3 convolutions and the IGDN
 * norms as bf16 dot products with fp32 sums, activations channels-last in
 * bf16, on one of two kernels (model.h, HV_GS_*):
 *   - Intel AMX tiles (TDPBF16PS), gs_amx.c;
 *   - AVX512-BF16 vectors (VDPBF16PS: AMD Zen 4 and later, Intel Cooper
 *     Lake), gs_avx512bf16.c.
 *
 * bf16 keeps 8 significant bits: rounding g_s's inputs and weights to it
 * moves Kodak PSNR by at most 0.005 dB against fp32 (measured with the
 * PyTorch reference, 4 images x 3 levels), inside the decoder's 0.01 dB
 * budget; the decoder's float output need not be bit-exact
 * (spec/model-format.md §3.1), and the two kernels' sums run in other
 * orders. Internal header. */
#ifndef HVIC_GS_BF16_H
#define HVIC_GS_BF16_H

#include <stddef.h>
#include <stdint.h>

typedef struct hvic_model hvic_model;

/** g_s weights re-laid-out for the bf16 kernels (hv_gs_bf16_prepare): one
 *  layout serves both, an AMX B tile being 16 VDPBF16PS weight vectors. */
typedef struct hv_gs_bf16 {
    int cin[4], co_tiles[4];   /* input channels; output tiles of 16 channels */
    const uint16_t *w[4];      /* bf16 [co_tiles][9 taps][cin/32][16][16][2] */
    const float *b[4];         /* [16 co_tiles], biases in the tiles' order */
    const uint16_t *gamma[3];  /* IGDN gamma, bf16 [N/16][N/32][16][16][2] */
} hv_gs_bf16;

/** 1 when the bf16 kernels can run m: the CPU has AVX512-BF16 or AMX-BF16
 *  (hv_cpu_features) and m's channel counts are multiples of 32. */
int hv_gs_bf16_usable(const hvic_model *m);

/** Fills m->gs_bf16 from m's g_s weights (hv_gs_bf16_usable(m) must hold);
 *  memory comes from alloc(m, bytes), which is freed with the model.
 *  Returns 0 when an allocation failed. */
int hv_gs_bf16_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t));

/** g_s of one band on kernel HV_GS_AMX or HV_GS_AVX512BF16 (which the CPU
 *  must have), the counterpart of synthesis.c's float g_s_band: y-hat rows
 *  s .. e-1 from q, mu_q8 (M x yh x yw, spec §3.2) and the y gains gy
 *  (Q16) -> x-hat, 3 x *xrows x 16 yw floats on 0..1 holding the image
 *  rows *x0 .. *x0 + *xrows - 1, which include the exact rows 16 r0 ..
 *  16 r1 - 1 (need[i]: the input rows kept beyond them at layer i). NULL
 *  when out of memory. */
float *hv_g_s_band_bf16(const hvic_model *m, int kernel, const int32_t *q, const int32_t *mu_q8,
                        const int64_t *gy, int yh, int yw, int s, int e, int r0, int r1,
                        const int need[4], int *x0, int *xrows);

/* The kernels' one operation, for 32 pixels: S[p][16 j + n] = sum over
 * taps t < taps and channels ci < C of a[off(t) + p C + ci] *
 * w[j][t][ci / 32][(ci % 32) / 2][n][ci & 1] for every output tile j <
 * tiles, where off(t) = (t / 3) pitch_el + (t % 3) C (the 3x3 window of
 * channels-last rows pitch_el elements apart; taps 9) or 0 (taps 1, the
 * IGDN norm). C % 32 == 0; S rows ld floats apart. */
typedef void hv_gs_dot_fn(const uint16_t *a, size_t pitch_el, int taps, int C, const uint16_t *w,
                          int tiles, float *S, int ld);

hv_gs_dot_fn hv_gs_amx_dot, hv_gs_avx512bf16_dot;

/** Configures (on) or releases (off) this thread's AMX tiles around
 *  hv_gs_amx_dot calls. */
void hv_gs_amx_tiles(int on);

#endif
