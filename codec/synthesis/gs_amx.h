/* The synthesis transform g_s on Intel AMX (Advanced Matrix Extensions):
 * direct 3x3 convolutions and the IGDN norms as bf16 tile products with
 * fp32 accumulation (TDPBF16PS), activations channels-last in bf16.
 *
 * bf16 keeps 8 significant bits: rounding g_s's inputs and weights to it
 * moves Kodak PSNR by at most 0.005 dB against fp32 (measured with the
 * PyTorch reference, 4 images x 3 levels), inside the decoder's 0.01 dB
 * budget; the decoder's float output need not be bit-exact
 * (spec/model-format.md §3.1). Used only where the CPU and kernel offer AMX
 * and HVIC_GS_KERNEL is not "float". Internal header. */
#ifndef HVIC_GS_AMX_H
#define HVIC_GS_AMX_H

#include <stddef.h>
#include <stdint.h>

typedef struct hvic_model hvic_model;

/** g_s weights re-laid-out for the AMX path (hv_gs_amx_prepare). */
typedef struct hv_gs_amx {
    int cin[4], co_tiles[4];   /* input channels; output tiles of 16 channels */
    const uint16_t *w[4];      /* bf16 [co_tiles][9 taps][cin/32][16][16][2] */
    const float *b[4];         /* [16 co_tiles], biases in the tiles' order */
    const uint16_t *gamma[3];  /* IGDN gamma, bf16 [N/16][N/32][16][16][2] */
} hv_gs_amx;

/** Fills m->gs_amx from m's g_s weights when the CPU has AMX-BF16
 *  (hv_cpu_features) and the channel
 *  counts are multiples of 32; memory comes from alloc(m, bytes), which is
 *  freed with the model. Returns 0 only when an allocation failed; leaves
 *  m->gs_amx NULL when the path is not used. */
int hv_gs_amx_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t));

/** g_s of one band on AMX, the counterpart of synthesis.c's float g_s_band:
 *  y-hat rows s .. e-1 from q, mu_q8 (M x yh x yw, spec §3.2) and the y
 *  gains gy (Q16) -> x-hat, 3 x *xrows x 16 yw floats on 0..1 holding the
 *  image rows *x0 .. *x0 + *xrows - 1, which include the exact rows 16 r0 ..
 *  16 r1 - 1 (need[i]: the input rows kept beyond them at layer i). NULL when
 *  out of memory. */
float *hv_g_s_band_amx(const hvic_model *m, const int32_t *q, const int32_t *mu_q8,
                       const int64_t *gy, int yh, int yw, int s, int e, int r0, int r1,
                       const int need[4], int *x0, int *xrows);

#endif
