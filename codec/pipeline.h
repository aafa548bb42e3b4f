/* Analysis (encoder) and synthesis (decoder) pipelines: image <-> latents
 * (spec/model-format.md §3). Internal header. */
#ifndef HVIC_PIPELINE_H
#define HVIC_PIPELINE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/** Quantised latents of one image. Shapes: zhat N x zh x zw;
 *  q, idx, mu_q8 M x yh x yw with yh = 4 zh, yw = 4 zw. */
typedef struct hv_latents {
    int N, zh, zw, M, yh, yw;
    int32_t *zhat;   /* gained hyper-latent integers */
    int32_t *q;      /* round(y_g - mu), the coded y symbols */
    int32_t *idx;    /* scale index per y element (0..S-1) */
    int32_t *mu_q8;  /* mean of the gained y, Q8 */
} hv_latents;

/** Latent shapes for an image of width x height: yh = ceil(h/64)*4 etc. */
void hv_latent_shape(uint32_t width, uint32_t height, int *zh, int *zw, int *yh, int *yw);

/** Allocates the arrays of *l for the given shapes (contents undefined).
 *  Returns HVIC_ERR_NOMEM or HVIC_OK. */
hvic_status hv_latents_alloc(hv_latents *l, int N, int M, int zh, int zw);
void hv_latents_free(hv_latents *l);

/** Band height for g_a and g_s: y rows (16 image rows each) per band whose
 *  largest float tensors take about 256 MiB, but at least 4 rows (a band
 *  also computes a halo of 3 (g_a) or 4 (g_s) more rows). A function of the
 *  model's N and the image width only; the results do not depend on it
 *  anyway (see hv_analyse, hv_synthesise). */
int hv_band_rows(const hvic_model *m, uint32_t width);

/** A band height that makes the whole image one band. */
#define HV_BAND_WHOLE INT_MAX

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

/** Default band height of hv_synthesise, in y rows: half of hv_band_rows()
 *  (about 128 MiB of band buffers; at least 4 rows), but at most half the y
 *  rows that reach the image (at least 8), so that two threads share even a
 *  small image. A function of the image size only, so decoded pixels do not
 *  depend on the thread count. */
int hv_synth_band_rows(const hvic_model *m, uint32_t width, uint32_t height);

/** Decoder synthesis: yhat = (q + mu/256) / gain_y -> g_s -> clamp(rint(255 x))
 *  (the decoder passes the means with the reconstruction offsets, hv_recon_mu)
 *  -> crop to width x height, written to rgb (row stride in bytes).
 *  q, mu_q8: M x yh x yw. g_s runs in bands of `band` y rows (0 =
 *  hv_synth_band_rows(); HV_BAND_WHOLE: one band), each converted from q
 *  and mu on its own, the bands spread over `threads` threads (0 = one per
 *  CPU; 1 when OpenBLAS is multi-threaded: hv_blas_caller_threads; at most
 *  as many as keep the bands in flight within about 512 MiB). The
 *  thread count does not change the pixels; the band height may, by rare
 *  +-1 steps (Winograd tiles start at each band's first row), and so may the
 *  BLAS kernel (tests/codec/test_bands.c).
 *  Errors: HVIC_ERR_ARG, HVIC_ERR_NOMEM. */
hvic_status hv_synthesise(const hvic_model *m, const int32_t *q, const int32_t *mu_q8, int yh,
                          int yw, uint32_t py, uint32_t width, uint32_t height, int band,
                          int threads, uint8_t *rgb, size_t stride);

/** FNV-1a 64 over the little-endian int32 bytes of zhat then q. */
uint64_t hv_latents_hash(const int32_t *zhat, size_t nz, const int32_t *q, size_t nq);

#endif
