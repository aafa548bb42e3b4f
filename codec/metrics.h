/* Image quality metrics: PSNR and MS-SSIM on 8-bit RGB images.
 *
 * Internal header until the declarations move into hvic.h; the functions
 * are exported from libhvic under these names already. */
#ifndef HVIC_METRICS_H
#define HVIC_METRICS_H

#include "hvic.h"

/** Smallest width and height hvic_ms_ssim() accepts, in pixels: after four
 *  2x2 poolings that drop an odd last row/column the coarsest scale must
 *  still hold one 11x11 window (floor(n / 16) >= 11). */
#define HVIC_MS_SSIM_MIN_DIM 176u

/** Mean squared error between two images of the same size, over all
 *  3 * width * height 8-bit samples (the mean of the per-channel MSEs),
 *  in squared 8-bit code values, accumulated in double.
 *  Errors: HVIC_ERR_ARG (NULL pointers, empty images, different sizes,
 *  stride < 3 * width). */
hvic_status hvic_mse(const hvic_image *a, const hvic_image *b, double *mse);

/** PSNR in dB of two 8-bit RGB images of the same size:
 *  10 * log10(255^2 / MSE) with MSE as hvic_mse() computes it.
 *  *psnr_db is +INFINITY when the images are identical.
 *  Errors: as hvic_mse(). */
hvic_status hvic_psnr(const hvic_image *a, const hvic_image *b, double *psnr_db);

/** Multi-scale SSIM (Wang, Simoncelli, Bovik, "Multiscale structural
 *  similarity for image quality assessment", Asilomar 2003), computed as
 *  CompressAI / pytorch-msssim do, on the 0..255 sample values:
 *  - 5 scales, weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333;
 *  - separable Gaussian window of 11 taps, sigma 1.5, normalised to sum 1,
 *    'valid' filtering (no padding);
 *  - K1 = 0.01, K2 = 0.03, data range L = 255 (C1 = (K1 L)^2, C2 = (K2 L)^2);
 *    variances as E[x^2] - E[x]^2 (and covariance likewise);
 *  - between scales 2x2 average pooling, an odd last row/column dropped;
 *  - the mean contrast-structure term cs of scales 1..4 and the mean SSIM
 *    of scale 5 are clamped at 0 (relu), raised to their weights and
 *    multiplied; this is done per channel and the 3 results averaged.
 *  Everything is computed in double. The result lies in 0..1 (1 when the
 *  images are identical).
 *  Errors: HVIC_ERR_ARG (as hvic_mse(), or a side < HVIC_MS_SSIM_MIN_DIM),
 *  HVIC_ERR_NOMEM. */
hvic_status hvic_ms_ssim(const hvic_image *a, const hvic_image *b, double *ms_ssim);

/** MS-SSIM expressed in dB as in the learned-compression literature:
 *  -10 * log10(1 - ms_ssim); +INFINITY for ms_ssim >= 1. */
double hvic_ms_ssim_db(double ms_ssim);

#endif /* HVIC_METRICS_H */
