/* Float neural-network layers of the hvic transforms (spec/model-format.md
 * §3.1). Every tensor is C x H x W float, row-major, channels outermost.
 *
 * Two convolution paths:
 *  - hv_conv_det: hvic's own fixed-order kernel for the ENCODER (g_a, h_a).
 *    For each output element the sum over k = (cin, ky, kx) runs in one fixed
 *    order with separately rounded IEEE multiplies and adds (the file is
 *    built with -ffp-contract=off, no fast-math), and only independent output
 *    positions share a SIMD vector. Results are therefore bit-identical for
 *    every CPU, vector width, thread count, compiler and optimisation level.
 *  - hv_conv_wino: Winograd + OpenBLAS sgemm for the DECODER (g_s), faster
 *    but its rounding depends on the BLAS kernel and thread count.
 * Internal header. */
#ifndef HVIC_NN_H
#define HVIC_NN_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/** 64-byte aligned allocation (NULL on failure); release with hv_aligned_free.
 *  Blocks of 8 MiB or more are 2 MiB aligned and marked for transparent huge
 *  pages where the system has them (fewer page faults on first touch). */
void *hv_aligned_alloc(size_t bytes);
void hv_aligned_free(void *p);

/** Packs w [cout][K] into the deterministic kernel's layout
 *  [ceil(cout/HV_MR)][K][HV_MR] (missing rows are zero). */
void hv_pack_weights(const float *w, int cout, int K, float *wp);

/** Output size of a convolution with kernel k, stride s, padding k/2. */
static inline int hv_conv_out(int n, int k, int s)
{
    return (n + 2 * (k / 2) - k) / s + 1;
}

/** Deterministic convolution (needs c->wpack): in cin x H x W ->
 *  out cout x Ho x Wo. threads >= 1. Works in passes of output rows, whose
 *  re-laid-out input takes about 16 MiB besides in and out. Returns 0 on
 *  allocation failure. */
int hv_conv_det(const hv_conv *c, const float *in, int H, int W, float *out, int threads);

/** Deterministic GDN in place: x_i / sqrt(beta_i + sum_j gamma_ij x_j^2),
 *  evaluated as x_i * (1 / sqrtf(norm_i)) like PyTorch's rsqrt.
 *  Returns 0 on allocation failure. */
int hv_gdn_det(const hv_gdn *g, float *x, int H, int W, int threads);

/** Winograd F(4x4, 3x3) weights (Lavin & Gray, CVPR 2016) of a 3x3
 *  convolution w [cout][cin][3][3]: u [36][cout][cin], u[6a+b] = (G g G^T)[a][b].
 *  Returns 0 on allocation failure. */
int hv_wino_weights(const float *w, int cout, int cin, float *u);

/** Decoder (g_s) layer, nn_wino.c: 3x3 convolution, stride 1, zero padding 1
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

/** ReLU in place over n values. */
void hv_relu(float *x, size_t n);

/** Rows y0 .. y0+rows-1 of the padded image tensor of a w x h RGB 8-bit
 *  image (interleaved, row stride in bytes): out is 3 x rows x Wp floats
 *  v/255, padded right/bottom by edge replication (Wp >= w; rows >= h repeat
 *  row h-1). */
void hv_rgb_to_tensor(const uint8_t *rgb, int w, int h, size_t stride, int Wp, int y0, int rows,
                      float *out);

/** Name of the deterministic kernel in use ("avx512", "avx2", "generic").
 *  HVIC_KERNEL=generic|avx2|avx512 in the environment forces one (if the
 *  CPU supports it); all give identical results. */
const char *hv_det_kernel_name(void);

#endif
