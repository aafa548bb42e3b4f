/* Bjøntegaard delta rate / delta quality between two rate-distortion curves.
 *
 * G. Bjøntegaard, "Calculation of average PSNR differences between RD-curves",
 * VCEG-M33, 2001, with the piecewise cubic (pchip) interpolation used by the
 * JVET common test conditions instead of the original cubic polynomial fit:
 * the log rate is interpolated as a function of quality with monotone
 * piecewise cubic Hermite interpolation (Fritsch–Carlson shape-preserving
 * slopes, computed exactly as scipy.interpolate.PchipInterpolator / MATLAB
 * pchip do: weighted harmonic mean inside, the three-point shape-preserving
 * formula at the ends, linear for two points) and integrated exactly over the
 * quality range covered by both curves. */
#ifndef HVIC_BDRATE_H
#define HVIC_BDRATE_H

#include <stddef.h>

#include "hvic.h"

/** One rate-distortion curve: n points (rate[i], quality[i]).
 *  rate in any positive unit (bpp, bits, bytes: only ratios matter);
 *  quality in dB (PSNR, or MS-SSIM as -10 log10(1 - MS-SSIM)), higher is
 *  better. Points may come in any order. */
typedef struct rd_curve {
    const double *rate;
    const double *quality;
    size_t n;
} rd_curve;

/** BD-rate of test against anchor, in percent: the average rate difference
 *  at equal quality, 100 * (exp(mean(ln R_test - ln R_anchor)) - 1), the mean
 *  taken over the overlapping quality interval. Negative: test needs fewer
 *  bits. Example: the anchor's rates times 0.8 at the same qualities give
 *  exactly -20.
 *  Errors: HVIC_ERR_ARG (NULL pointers, fewer than 2 points, a rate <= 0 or
 *  not finite, a quality not finite, two points of a curve with equal
 *  quality, quality ranges that do not overlap), HVIC_ERR_NOMEM. */
hvic_status rd_bd_rate(const rd_curve *anchor, const rd_curve *test, double *percent);

/** BD-quality (e.g. BD-PSNR) of test against anchor, in the quality's unit
 *  (dB): the mean quality difference at equal rate over the overlapping
 *  log-rate interval, quality interpolated with pchip as a function of
 *  ln(rate). Positive: test is better. Errors: as rd_bd_rate() with the
 *  roles of rate and quality exchanged (equal rates are an error). */
hvic_status rd_bd_quality(const rd_curve *anchor, const rd_curve *test, double *delta);

#endif /* HVIC_BDRATE_H */
