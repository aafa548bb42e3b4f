/* hvic entropy coding: cumulative frequency tables (CDFs) for the rANS coder.
 *
 * A table gives every symbol a 16-bit probability: frequencies are integers
 * >= 1 that sum to exactly 2^16 (HVIC_CDF_TOTAL), so symbol i has probability
 * (cdf[i+1] - cdf[i]) / 65536 and costs -log2 of that in bits.
 *
 * Two deterministic constructions are provided; both are specified bit-exactly
 * in spec/entropy.md so that an independent implementation (for instance the
 * Python reference of the model, tests/entropy/hvic_entropy_ref.py) builds
 * identical tables on any platform:
 *   - hv_cdf_gaussian(): a discretised zero-mean Gaussian of scale sigma;
 *   - hv_cdf_from_freqs(): a stored table of non-negative integer counts.
 */
#ifndef HVIC_ENTROPY_CDF_H
#define HVIC_ENTROPY_CDF_H

#include <stdint.h>

#include "hvic.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Total frequency of every table: probabilities have 16 bits of precision. */
#define HVIC_CDF_PRECISION 16
#define HVIC_CDF_TOTAL (1u << HVIC_CDF_PRECISION)

/** Largest number of symbols in a table, the ESCAPE symbol included. */
#define HVIC_CDF_MAX_NSYM 4096u

/** Gaussian support: K = ceil(HVIC_CDF_GAUSS_TAIL * sigma - 0.5), so the mass
 * outside [-K, K] is 2*Q((K+0.5)/sigma) <= 2*Q(4.33) < 2^-16 (Q is the upper
 * tail of the standard normal), unless K is capped at HVIC_CDF_GAUSS_MAX_K. */
#define HVIC_CDF_GAUSS_TAIL 4.33
#define HVIC_CDF_GAUSS_MAX_K 2047

/** One coding distribution.
 *
 * Symbol indices 0 .. nsym-2 stand for the values offset .. offset+nsym-2
 * ("direct" values); index nsym-1 is the ESCAPE symbol, which the coder uses for
 * any value outside that range (see rans.h). cdf has nsym+1 entries with
 * cdf[0] = 0, cdf[nsym] = 65536 and cdf strictly increasing, i.e. every
 * frequency cdf[i+1]-cdf[i] is >= 1. nsym is 1 .. HVIC_CDF_MAX_NSYM (nsym = 1
 * means every value is escaped). */
typedef struct hv_cdf {
    int32_t offset;  /**< value coded by symbol index 0 */
    uint32_t nsym;   /**< number of symbols, ESCAPE included */
    uint32_t *cdf;   /**< nsym+1 cumulative frequencies (owned, free with hv_cdf_free) */
} hv_cdf;

/** A table of CDFs, one per scale (see hv_cdf_table_gaussian). */
typedef struct hv_cdf_table {
    uint32_t count;  /**< number of CDFs */
    hv_cdf *cdfs;  /**< count CDFs; their cdf arrays share one allocation */
} hv_cdf_table;

/** Checks the invariants stated on hv_cdf (O(nsym)).
 * Returns HVIC_OK, or HVIC_ERR_ARG if cdf is NULL or any invariant fails. */
hvic_status hv_cdf_check(const hv_cdf *cdf);

/** Builds the CDF of a discretised zero-mean Gaussian of scale sigma
 * (spec/entropy.md, "Gaussian CDF").
 *
 * pmf(k) = Phi((k+0.5)/sigma) - Phi((k-0.5)/sigma) for k in [-K, K] with
 * K = min(HVIC_CDF_GAUSS_MAX_K, ceil(4.33*sigma - 0.5)); the ESCAPE symbol gets
 * the tail mass 2*Q((K+0.5)/sigma) (< 2^-16 unless K was capped). The masses are
 * evaluated in IEEE-754 double with only + - * / in a fixed order (no libm),
 * rounded to 40-bit fixed point, then quantised to 16-bit frequencies by
 * hv_cdf_quantize's rule. The result is bit-identical on every conforming
 * platform (needs FLT_EVAL_METHOD == 0 and no FMA contraction; see cdf.c).
 *
 * sigma: scale in quantisation steps (the model uses 0.11 .. 256); any finite
 * sigma > 0 is accepted. On success out->offset = -K, out->nsym = 2K+2 and
 * out->cdf is allocated (release with hv_cdf_free). On error *out is set to
 * an empty table. Returns HVIC_ERR_ARG (NULL out, sigma not finite or <= 0),
 * HVIC_ERR_NOMEM, or HVIC_ERR_UNSUPPORTED if a run-time probe finds that this
 * build does not evaluate the floating-point path bit-exactly (cdf.c compiled
 * with FMA contraction or excess precision): tables are then refused rather
 * than made incompatible. */
hvic_status hv_cdf_gaussian(float sigma, hv_cdf *out);

/** Builds one Gaussian CDF per scale: out->cdfs[i] = hv_cdf_gaussian(scales[i]).
 * count >= 1. Release with hv_cdf_table_free. Returns HVIC_ERR_ARG (NULL
 * pointers, count 0, an invalid scale), HVIC_ERR_NOMEM or
 * HVIC_ERR_UNSUPPORTED (as hv_cdf_gaussian); on error *out is empty. */
hvic_status hv_cdf_table_gaussian(const float *scales, uint32_t count, hv_cdf_table *out);

/** Releases a table built by hv_cdf_table_gaussian and empties it (NULL-safe). */
void hv_cdf_table_free(hv_cdf_table *table);

/** Builds a CDF from a stored table of non-negative integer counts
 * (spec/entropy.md, "CDF from counts").
 *
 * freq[i] is the (unnormalised) weight of the value offset+i, i = 0 .. n-1.
 * The table must NOT contain an ESCAPE entry: the ESCAPE symbol is appended
 * as index n with weight 0, so it gets the minimum frequency 1 (probability
 * 2^-16). Normalisation uses integer arithmetic only (hv_cdf_quantize):
 * every symbol, zero-count ones included, gets a frequency >= 1.
 *
 * n: 1 .. HVIC_CDF_MAX_NSYM-1; out->nsym = n+1. The counts must not all be
 * zero. Returns HVIC_ERR_ARG (NULL pointers, n out of range, all counts zero)
 * or HVIC_ERR_NOMEM; on error *out is empty. Release with hv_cdf_free. */
hvic_status hv_cdf_from_freqs(int32_t offset, const uint32_t *freq, uint32_t n, hv_cdf *out);

/** Releases out->cdf of a CDF built by this module and empties *cdf (NULL-safe).
 * Do not call it on the members of an hv_cdf_table. */
void hv_cdf_free(hv_cdf *cdf);

/** Quantises integer masses to 16-bit frequencies (the rule shared by both
 * constructions; spec/entropy.md, "Quantisation").
 *
 * mass[0..n-1]: non-negative weights with total T = sum(mass) in 1 .. 2^47.
 * freq[0..n-1] receives frequencies >= 1 that sum to exactly 65536:
 *  1. freq[i] = floor(mass[i]*65536 / T); the 65536 - sum(freq) leftover units
 *     go, one each, to the symbols with the largest remainders
 *     (mass[i]*65536 mod T), ties to the lower index (largest remainder method);
 *  2. every freq[i] == 0 is set to 1; if Z symbols were raised, then Z times
 *     one unit is taken from the symbol with the largest frequency (ties to
 *     the lower index).
 * n: 1 .. HVIC_CDF_MAX_NSYM. Returns HVIC_ERR_ARG (NULL pointers, bad n, T out
 * of range) or HVIC_ERR_NOMEM. */
hvic_status hv_cdf_quantize(const uint64_t *mass, uint32_t n, uint32_t *freq);

/** Upper tail of the standard normal, Q(t) = 1 - Phi(t), for t >= 0, as
 * computed by the deterministic Gaussian construction (absolute error below
 * 1e-15; Q = 0 for t >= 8). Exposed for tests and reference comparisons. */
double hv_cdf_gauss_q(double t);

#ifdef __cplusplus
}
#endif
#endif /* HVIC_ENTROPY_CDF_H */
