/* Float layers of the encoder's transforms g_a and h_a (spec/model-format.md
 * §3.1). Every tensor is C x H x W float, row-major, channels outermost.
 *
 * hv_conv_det is hvic's own fixed-order kernel: for each output element the
 * sum over k = (cin, ky, kx) runs in one fixed order with separately rounded
 * IEEE multiplies and adds (the file is built with -ffp-contract=off, no
 * fast-math), and only independent output positions share a SIMD vector.
 * Results are therefore bit-identical for every CPU, vector width, thread
 * count, compiler and optimisation level. Internal header. */
#ifndef HV_CONV_DET_H
#define HV_CONV_DET_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/** Packs w [cout][K] into the deterministic kernel's layout
 *  [ceil(cout/HV_MR)][K][HV_MR] (missing rows are zero). */
void hv_pack_weights(const float *w, int cout, int K, float *wp);

/** Deterministic convolution (needs c->wpack) with kernel HV_DET_* (model.h;
 *  every kernel gives the same bits): in cin x H x W ->
 *  out cout x Ho x Wo. threads >= 1. Works in passes of output rows, whose
 *  re-laid-out input takes about 16 MiB besides in and out. Returns 0 on
 *  allocation failure. */
int hv_conv_det(const hv_conv *c, int kernel, const float *in, int H, int W, float *out,
                int threads);

/** Deterministic GDN in place: x_i / sqrt(beta_i + sum_j gamma_ij x_j^2),
 *  evaluated as x_i * (1 / sqrtf(norm_i)) like PyTorch's rsqrt.
 *  Returns 0 on allocation failure. */
int hv_gdn_det(const hv_gdn *g, int kernel, float *x, int H, int W, int threads);

/** ReLU in place over n values. */
void hv_relu(float *x, size_t n);

/** Rows y0 .. y0+rows-1 of the padded image tensor of a w x h RGB 8-bit
 *  image (interleaved, row stride in bytes): out is 3 x rows x Wp floats
 *  v/255, padded right/bottom by edge replication (Wp >= w; rows >= h repeat
 *  row h-1). */
void hv_rgb_to_tensor(const uint8_t *rgb, int w, int h, size_t stride, int Wp, int y0, int rows,
                      float *out);


/** Packs the weights of g_a, its GDNs and h_a for hv_conv_det (on first
 *  use, hv_model_prepare). alloc returns memory owned by the model, or NULL. Returns 0 when
 *  out of memory. */
int hv_analysis_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t));

#endif
