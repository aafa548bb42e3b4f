/* JPEG baseline for rate-distortion comparisons (libjpeg-turbo, in memory). */
#ifndef HVIC_JPEG_RD_H
#define HVIC_JPEG_RD_H

#include "hvic.h"

/** Chroma subsampling of the JPEG baseline. */
typedef enum rd_jpeg_subsampling {
    RD_JPEG_420 = 0,  /**< Cb, Cr at half width and half height (2x2 luma sampling) */
    RD_JPEG_444 = 1   /**< no chroma subsampling (1x1) */
} rd_jpeg_subsampling;

/** Encode img (8-bit RGB) as a baseline JFIF JPEG in memory, as
 *  `cjpeg -quality Q -optimize [-sample 1x1]` would: libjpeg's standard
 *  quality scaling of the Annex K tables (jpeg_set_quality, force_baseline),
 *  YCbCr, optimised Huffman tables (optimize_coding = TRUE), default
 *  (islow) DCT. quality is 1..100.
 *  *out (released with hvic_free()) holds *len bytes: the whole file.
 *  Errors: HVIC_ERR_ARG (NULL pointers, empty image, stride < 3 * width,
 *  quality out of range, unknown subsampling), HVIC_ERR_NOMEM (libjpeg
 *  failed; it only fails on allocation here). Thread-safe. */
hvic_status rd_jpeg_encode(const hvic_image *img, int quality, rd_jpeg_subsampling ss,
                           uint8_t **out, size_t *len);

/** Encode img as rd_jpeg_encode() does and decode the result back with
 *  libjpeg-turbo (hvic_image_read_memory(): islow IDCT, fancy upsampling).
 *  *bytes receives the JPEG size in bytes; *decoded a new image (free with
 *  hvic_image_free()). Errors: as rd_jpeg_encode() and
 *  hvic_image_read_memory(); on error *decoded is empty. */
hvic_status rd_jpeg_roundtrip(const hvic_image *img, int quality, rd_jpeg_subsampling ss,
                              size_t *bytes, hvic_image *decoded);

#endif /* HVIC_JPEG_RD_H */
