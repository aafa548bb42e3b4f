/* Float convolutions of the decoder's g_s (spec/model-format.md §3.1):
 * Winograd + OpenBLAS sgemm, and a direct kernel for the last layer. Faster
 * than the encoder's fixed-order kernel, but their rounding depends on the
 * BLAS kernel and thread count. Tensors are C x H x W float, row-major.
 * Internal header. */
#ifndef HV_CONV_GS_H
#define HV_CONV_GS_H

#include <stddef.h>

#include "model.h"

/** Winograd F(4x4, 3x3) weights (Lavin & Gray, CVPR 2016) of a 3x3
 *  convolution w [cout][cin][3][3]: u [36][cout][cin], u[6a+b] = (G g G^T)[a][b].
 *  Returns 0 on allocation failure. */
int hv_wino_weights(const float *w, int cout, int cin, float *u);

/** Decoder (g_s) layer, conv_wino.c: 3x3 convolution, stride 1, zero padding 1
 *  (needs c->wwino), in cin x H x W (channel stride in_cs >= H W floats,
 *  so that `in` may be a band of rows of a taller tensor) -> pixel-shuffled
 *  (cout/4) x 2H x 2W,
 *  then IGDN x_i * sqrtf(beta_i + sum_j gamma_ij x_j^2) when igdn is not
 *  NULL. Winograd F(4x4, 3x3) through OpenBLAS sgemm; not bit-exact.
 *  Returns 0 on allocation failure. */
int hv_conv_wino(const hv_conv *c, const hv_gdn *igdn, const float *in, size_t in_cs, int H,
                 int W, float *out);

/** Largest cout of a g_s layer run by hv_conv_direct3 (g_s.6) rather than
 *  hv_conv_wino; the model loader transforms the weights of the others. */
#define HV_DIRECT_MAX_COUT 16

/** Direct 3x3 convolution, stride 1, for few output channels (decoder only,
 *  FMA, not bit-exact; c->w is used): in cin x H x W (channel stride in_cs
 *  >= H W) -> out pixel-shuffled,
 *  (cout/4) x 2H x 2W. Pads the input in chunks of rows of about 16 MiB.
 *  Returns 0 on allocation failure. */
int hv_conv_direct3(const hv_conv *c, const float *in, size_t in_cs, int H, int W, float *out);

/** Transforms g_s's weights for hv_conv_wino (bf16 0) or re-lays them out
 *  for the bf16 kernels (bf16 1, gs_bf16.h; nothing where they cannot run
 *  m: hv_gs_bf16_usable), on first use
 *  (hv_model_prepare). alloc returns memory owned by the model, or NULL.
 *  Returns 0 when out of memory. */
int hv_synthesis_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t), int bf16);

#endif
