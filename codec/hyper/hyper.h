/* Integer hyper path (spec/model-format.md §3.2-3.3, 3.6): gain interpolation,
 * exp2_q16, the integer hyper-synthesis h_s and channel context, scale indices
 * and fixed-point means. Everything here is exact integer arithmetic: encoder and decoder
 * get identical results on every platform. Internal header. */
#ifndef HVIC_HYPER_H
#define HVIC_HYPER_H

#include <stdint.h>

#include "hvic.h"

/** floor(a / 2^s) for 0 <= s <= 62 (a real floor for negative a). */
static inline int64_t hv_floor_div_pow2(int64_t a, int s)
{
    int64_t d = (int64_t)1 << s, q = a / d;
    return (a % d != 0 && a < 0) ? q - 1 : q;
}

/** floor(a / b) for b > 0. */
static inline int64_t hv_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/** 2^(v/65536) in Q16 with the model's table (spec §3.2, exp2_q16).
 *  Requires floor(v / 2^16) <= 45 (the loader bounds every argument). */
int64_t hv_exp2_q16(int64_t v, const int32_t *table);

/** Interpolated log2 gains (Q16) of the C channels of G [L][C] at gain
 *  position p (0 <= p <= (L-1)*4096), spec §3.2. */
void hv_interp_log_gain(const int32_t *G, int L, int C, uint32_t p, int64_t *lg);

/** Largest valid gain position of model m: (L-1) * 4096. */
uint32_t hv_max_gain_pos(const hvic_model *m);

/** Per-channel gains of one latent layer: lg (Q16 log2) and gain_q16.
 *  which: 0 = z (N channels), 1 = y (M channels). lg/g hold C entries.
 *  Errors: HVIC_ERR_ARG (p beyond hv_max_gain_pos). */
hvic_status hv_layer_gains(const hvic_model *m, int which, uint32_t p, int64_t *lg, int64_t *g);

/** Means that reconstruct y (spec/model-format.md §3.5): out[i] = mu_q8[i] +
 *  sign(q[i]) * off, off the model's y.recon entry for (idx[i], min(|q[i]|, K))
 *  interpolated at y gain position py, Q8; exact integers. q, idx, mu_q8, out:
 *  n elements (out may be mu_q8); idx in 0..S-1, py <= hv_max_gain_pos(m).
 *  Without a y.recon table out = mu_q8. */
void hv_recon_mu(const hvic_model *m, uint32_t py, const int32_t *q, const int32_t *idx,
                 const int32_t *mu_q8, int32_t *out, size_t n);

/** Called by hv_entropy_params once the scale indices and means of the y
 *  channels c0 .. c1-1 (one channel slice) are known: it must fill q of those
 *  channels (the encoder quantises, the decoder decodes them), which the
 *  context of the next slices reads. A status other than HVIC_OK stops
 *  hv_entropy_params, which returns it. */
typedef hvic_status (*hv_slice_fn)(void *arg, int c0, int c1);

/** Entropy parameters of y (spec/model-format.md §3.3, §3.6): the integer
 *  hyper-synthesis h_s of zhat, then, slice by slice, the channel context
 *  of the slices already coded. zhat: N x zh x zw gained hyper-latent
 *  integers; pz, py: gain positions. idx, mu_q8, q: M x (4 zh) x (4 zw):
 *  scale index (0..S-1), mean of the gained y in Q8 (without the
 *  reconstruction offsets of §3.5) and the coded integers. After each slice,
 *  fn(arg, c0, c1) fills q of its channels; fn NULL: q already holds all of
 *  them (q may be NULL for a model without context). threads: hvic's own
 *  threads (>= 1) over bands or output channels through the integer
 *  kernels (best with OpenBLAS single-threaded). From h_s.2 on, the layers
 *  run in bands of `band` y rows (0: about 8 MiB of buffers per band;
 *  HV_BAND_WHOLE: one band), each with the halo its 3x3 layers need, so
 *  that the buffers beyond the outputs and h_s.2's int16 activations (C1 =
 *  3M/2 per y element) do not grow with the image. The integers depend on
 *  neither threads nor band. Errors: HVIC_ERR_ARG, HVIC_ERR_NOMEM, or fn's
 *  status. */
hvic_status hv_entropy_params(const hvic_model *m, const int32_t *zhat, int zh, int zw,
                              uint32_t pz, uint32_t py, int threads, int band, hv_slice_fn fn,
                              void *arg, int32_t *q, int32_t *idx, int32_t *mu_q8);

/** Prepares the integer layers of h_s and of the context networks for
 *  their kernels (hv_model_prepare, on first use): h_s.4's rows per slice,
 *  then with dgemm the weights as doubles per tap for the portable
 *  cblas_dgemm path, else packed in int16 pairs for hv_vnni_conv and its
 *  AVX2 twin (doubles for a layer whose cout is not a multiple of 8).
 *  alloc returns memory owned by the model, or NULL. Returns 0 when out of
 *  memory. */
int hv_hyper_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t), int dgemm);

/** Packs h_s weights w [cout][cin][3][3] (cout a multiple of 8) for
 *  hv_vnni_conv: wp [9][cout/8][ceil(cin/2)][8] int32, each the int16 pair
 *  (w of input channel 2k in the low half, 2k+1 in the high half; 0 beyond
 *  cin) of 8 output channels. */
void hv_vnni_pack_weights(const int16_t *w, int cout, int cin, int32_t *wp);

/** acc[o][j] = sum over taps t and input channels of w * x, exact int32, for
 *  output channels 8 ob0 .. 8 ob1 - 1 and columns j < n (acc rows of n).
 *  xq: the zero-bordered input as [ceil(cin/2)][plane] int32 channel pairs
 *  (int16 values, same layout as the weight pairs), rows of Wp columns; tap
 *  t = 3 ky + kx reads xq at j + ky Wp + kx, so xq must hold plane + 32 more
 *  readable entries after its last pair row. Only where the CPU has AVX-512
 *  VNNI (hv_cpu_features). */
void hv_vnni_conv(const int32_t *wp, int cout, int cin, int ob0, int ob1, const int32_t *xq,
                  size_t plane, int Wp, int n, int32_t *acc);

/** hv_vnni_conv with AVX2 (VPMADDWD and VPADDD): the same operands, layouts
 *  and exact results. Only where the CPU has AVX2 (hv_cpu_features). */
void hv_pairs_conv_avx2(const int32_t *wp, int cout, int cin, int ob0, int ob1, const int32_t *xq,
                        size_t plane, int Wp, int n, int32_t *acc);

#endif
