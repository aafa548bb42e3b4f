/* Synthesis (decoder side): coded y -> y-hat -> g_s -> 8-bit RGB
 * (spec/model-format.md §3). Internal header. */
#ifndef HV_SYNTHESIS_H
#define HV_SYNTHESIS_H

#include <stddef.h>
#include <stdint.h>

#include "latents.h"

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

#endif
