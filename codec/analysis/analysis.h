/* Analysis (encoder side): image -> g_a -> y, h_a -> z, quantisation to the
 * coded integers (spec/model-format.md §3). Internal header. */
#ifndef HV_ANALYSIS_H
#define HV_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "latents.h"

/** The encoder's float latents of one image, before any gain: y = g_a(x)
 *  (M x yh x yw) and z = h_a(y) (N x zh x zw), planar, 64-byte aligned. They
 *  do not depend on beta, so a rate search runs hv_transform once and
 *  hv_quantise per candidate. */
typedef struct hv_floats {
    int N, zh, zw, M, yh, yw;
    float *y, *z;
} hv_floats;

/** Encoder transforms: RGB -> x = v/255 -> pad64 -> g_a -> y; z = h_a(y).
 *  rgb: interleaved 8-bit RGB, row stride in bytes. threads >= 1.
 *  g_a runs in bands of `band` y rows (0 = hv_band_rows()), converting the
 *  image to floats band by band; y and z are the same for every band
 *  height (HV_BAND_WHOLE: one band, the plain whole-image computation) and
 *  thread count, bit for bit on every platform.
 *  Errors: HVIC_ERR_ARG, HVIC_ERR_NOMEM. On success free *out with
 *  hv_floats_free(). */
hvic_status hv_transform(const hvic_model *m, const uint8_t *rgb, uint32_t width, uint32_t height,
                         size_t stride, int threads, int band, hv_floats *out);
void hv_floats_free(hv_floats *f);

/** Quantisation at gain positions py (y) and pz (z): zhat = rint(z * gain_z);
 *  (idx, mu) = h_s(zhat); q = rint(y * gain_y - mu/256) (round half to even,
 *  like torch.round). Bit-identical on every platform. Errors: HVIC_ERR_ARG,
 *  HVIC_ERR_NOMEM, HVIC_ERR_MODEL (the model produced values outside
 *  +-2^30, e.g. non-finite). On success *out is allocated. */
hvic_status hv_quantise(const hvic_model *m, const hv_floats *f, uint32_t py, uint32_t pz,
                        int threads, hv_latents *out);

/** Encoder analysis: hv_transform then hv_quantise. */
hvic_status hv_analyse(const hvic_model *m, const uint8_t *rgb, uint32_t width, uint32_t height,
                       size_t stride, uint32_t py, uint32_t pz, int threads, int band,
                       hv_latents *out);

#endif
