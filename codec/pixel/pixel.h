/* hvic pixel coder: lossless and near-lossless coding of 8-bit RGB without
 * the learned model, for images the model cannot code well (text,
 * screenshots, plots) and for qualities above its top level.
 *
 * A predictive coder in the manner of LOCO-I / JPEG-LS (Weinberger, Seroussi
 * & Sapiro, IEEE TIP 2000): median edge detector prediction, JPEG-LS's
 * near-lossless quantisation of the prediction error (every decoded sample
 * is within max_error of the input), an inter-channel correction of the
 * prediction chosen per context, and adaptive 64-symbol distributions coded
 * with hvic's rANS coder (entropy/rans.h). Integer arithmetic only, so a file
 * decodes to the same bytes everywhere. The image is cut into stripes of
 * HV_PIXEL_STRIPE rows coded independently (in parallel). The payload (the
 * PIXL chunk of a version-2 container) is specified in spec/pixel.md.
 * Internal header. */
#ifndef HVIC_PIXEL_H
#define HVIC_PIXEL_H

#include <stddef.h>
#include <stdint.h>

#include "hvic.h"

/** Largest max_error (the l-infinity bound on the decoded samples). */
#define HV_PIXEL_MAX_ERROR 31
/** Rows per stripe; the last stripe has the rest. */
#define HV_PIXEL_STRIPE 128

/** Codes rgb (width x height pixels, interleaved R,G,B, rows stride bytes
 *  apart) into a PIXL payload in *out (malloc'd, caller frees) of *out_len
 *  bytes. Every decoded sample differs from the input by at most max_error
 *  (0..HV_PIXEL_MAX_ERROR; 0 = lossless). threads >= 1 stripes at once; the
 *  output does not depend on it. max_bytes > 0: a size the caller has no
 *  use for a payload over; coding stops, returning HVIC_OK with *out NULL
 *  and *out_len 0, once a lower bound of the symbols' cost passes it (so a
 *  payload of at most max_bytes is always produced, and a larger one may
 *  be). Errors: HVIC_ERR_ARG, HVIC_ERR_TOO_LARGE (dimensions over
 *  HVIC_MAX_DIM, or a stripe stream over 4 GiB), HVIC_ERR_NOMEM. */
hvic_status hv_pixel_encode(const uint8_t *rgb, uint32_t width, uint32_t height, size_t stride,
                            unsigned max_error, int threads, uint64_t max_bytes, uint8_t **out,
                            size_t *out_len);

/** sse[k], k = 0..HV_PIXEL_MAX_ERROR: the summed squared error (over all
 *  3 x width x height samples, in squared code values) of the pixel coder's
 *  reconstruction of rgb at max_error k. The reconstruction does not depend
 *  on the prediction (each sample goes to its nearest quantiser level,
 *  spec/pixel.md §2), so this is one pass over the samples and no coding. */
void hv_pixel_sse(const uint8_t *rgb, uint32_t width, uint32_t height, size_t stride,
                  uint64_t sse[HV_PIXEL_MAX_ERROR + 1]);

/** Checks a payload's layout for an image of height rows before anything
 *  is allocated for it: header, and stripe lengths that add up to len.
 *  Errors: HVIC_ERR_TRUNCATED (under 2 bytes, or a stripe running past
 *  the end), HVIC_ERR_CORRUPT (max_error over HV_PIXEL_MAX_ERROR, an
 *  unknown coder variant, bytes after the last stripe), HVIC_ERR_ARG. */
hvic_status hv_pixel_check(const uint8_t *buf, size_t len, uint32_t height);

/** Decodes a PIXL payload of an image of width x height pixels into rgb
 *  (rows stride >= 3 * width bytes apart). threads >= 1 stripes at once.
 *  Errors: those of hv_pixel_check, HVIC_ERR_TRUNCATED (a stripe stream
 *  that ends early), HVIC_ERR_ENTROPY (a
 *  stripe stream that is malformed or does not end where it should),
 *  HVIC_ERR_ARG, HVIC_ERR_NOMEM. rgb is partly written on error. */
hvic_status hv_pixel_decode(const uint8_t *buf, size_t len, uint32_t width, uint32_t height,
                            int threads, uint8_t *rgb, size_t stride);

#endif
