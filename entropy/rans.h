/* hvic entropy coding: rANS coder with 16-bit probabilities.
 *
 * Range asymmetric numeral systems (J. Duda, "Asymmetric numeral systems:
 * entropy coding combining speed of Huffman coding with compression rate of
 * arithmetic coding", arXiv:1311.2540, 2013), in the 32-bit-state, byte-wise
 * renormalising form of F. Giesen's ryg_rans (rans_byte.h): state
 * x in [2^23, 2^31), probabilities of 16 bits, one byte emitted/consumed per
 * renormalisation step. The exact stream format is in spec/entropy.md.
 *
 * Each symbol is coded with the hv_cdf (cdf.h) the caller passes for it; the
 * decoder must pass the same CDFs in the same order. Any int32 value can be
 * coded: a value outside the CDF's direct range is sent as the ESCAPE symbol
 * followed by an Elias-gamma-like bypass code (6-bit length, then raw bits in
 * uniform-probability chunks of <= 16 bits) inside the same rANS stream.
 *
 * Encoding runs in reverse, so the encoder buffers (start, frequency) pairs
 * and produces the stream at hv_rans_finish. Cost: 4 bytes of memory per
 * coded symbol until finish (more for escapes), plus at most 2 output bytes.
 */
#ifndef HVIC_ENTROPY_RANS_H
#define HVIC_ENTROPY_RANS_H

#include <stddef.h>
#include <stdint.h>

#include "cdf.h"
#include "hvic.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Lower bound of the normalised rANS state (ryg_rans RANS_BYTE_L); the state
 * lives in [HVIC_RANS_L, 2^31). It is also the encoder's initial state, which
 * the decoder must end in. */
#define HVIC_RANS_L (1u << 23)

/** Width in bits of the bypass length field that follows an ESCAPE symbol. */
#define HVIC_RANS_ESC_LEN_BITS 6
/** Largest valid bypass length: m = z+1 < 2^33 for every int32 value. */
#define HVIC_RANS_ESC_MAX_LEN 32

/** Opaque encoder. */
typedef struct hv_rans_encoder hv_rans_encoder;

/** Creates an empty encoder; NULL if out of memory. */
hv_rans_encoder *hv_rans_encoder_new(void);

/** Frees an encoder and its buffered symbols (NULL-safe). */
void hv_rans_encoder_free(hv_rans_encoder *enc);

/** Queues value for coding with distribution cdf (which must stay valid only
 * for this call: its start/frequency are copied).
 *
 * value in [cdf->offset, cdf->offset + cdf->nsym - 2] costs
 * -log2(freq/65536) bits; any other int32 (INT32_MIN .. INT32_MAX) is sent as
 * ESCAPE plus a bypass code of 6 + floor(log2(z+1)) bits, where z is the
 * zig-zagged distance to the direct range (z = 2*(value-hi-1) above it,
 * 2*(lo-1-value)+1 below it; see spec/entropy.md).
 * The CDF is checked only at the entries used (nsym range and a non-zero
 * frequency); call hv_cdf_check once on tables of unknown origin.
 *
 * Returns HVIC_ERR_ARG (NULL enc/cdf/cdf->cdf, nsym out of range, zero or
 * negative frequency at the used entry) or HVIC_ERR_NOMEM. Errors are sticky:
 * after one, every put returns it again and hv_rans_finish fails with it. */
hvic_status hv_rans_put(hv_rans_encoder *enc, const hv_cdf *cdf, int32_t value);

/** Queues nbits (1..16) raw bits: bits must be < 2^nbits, coded with uniform
 * probability 2^-nbits (exactly nbits bits of output). Same errors as
 * hv_rans_put (HVIC_ERR_ARG for nbits out of range or bits too large). */
hvic_status hv_rans_put_bits(hv_rans_encoder *enc, uint32_t bits, unsigned nbits);

/** Number of rANS symbols queued so far (an escaped value counts 2 to 4). */
size_t hv_rans_encoder_pending(const hv_rans_encoder *enc);

/** Encodes every queued symbol and returns the stream in *out (malloc'd,
 * caller frees with free()) of *out_len bytes (>= 4; an empty encoder gives
 * the 4-byte stream 00 00 80 00). The encoder is then empty and reusable.
 * Returns the sticky error of an earlier put, HVIC_ERR_ARG (NULL pointers)
 * or HVIC_ERR_NOMEM; on error *out = NULL, *out_len = 0 and the queue is
 * cleared (the sticky error too). */
hvic_status hv_rans_finish(hv_rans_encoder *enc, uint8_t **out, size_t *out_len);

/** Decoder state. Fill with hv_rans_decoder_init; treat fields as private.
 * It borrows buf, which must stay valid while decoding. */
typedef struct hv_rans_decoder {
    const uint8_t *ptr;  /**< next byte to read */
    const uint8_t *end;  /**< one past the last byte */
    uint32_t x;          /**< rANS state */
    hvic_status err;     /**< first error met (sticky), HVIC_OK if none */
} hv_rans_decoder;

/** Starts decoding the len-byte stream buf (never reads outside
 * [buf, buf+len)). Returns HVIC_ERR_ARG (NULL dec, or NULL buf with len > 0),
 * HVIC_ERR_TRUNCATED (len < 4) or HVIC_ERR_ENTROPY (initial state outside
 * [2^23, 2^31)). The error is also stored in dec (sticky). */
hvic_status hv_rans_decoder_init(hv_rans_decoder *dec, const uint8_t *buf, size_t len);

/** Decodes one value coded with cdf (the same CDF the encoder used) into
 * *value. Returns HVIC_ERR_ARG (NULL pointers, invalid cdf entries met),
 * HVIC_ERR_TRUNCATED (the stream ended early), HVIC_ERR_ENTROPY (malformed
 * escape: length > 32 or value outside int32). Errors are sticky: once one
 * occurred, every call returns it and *value is set to 0. */
hvic_status hv_rans_get(hv_rans_decoder *dec, const hv_cdf *cdf, int32_t *value);

/** Decodes nbits (1..16) raw bits written by hv_rans_put_bits. Errors as
 * hv_rans_get. */
hvic_status hv_rans_get_bits(hv_rans_decoder *dec, unsigned nbits, uint32_t *bits);

/** Checks that the stream ended exactly where the encoder's began: every byte
 * consumed and the state back to HVIC_RANS_L. Returns the sticky error if
 * any, else HVIC_ERR_ENTROPY if the check fails, else HVIC_OK. Detects
 * truncation, trailing bytes and almost every corruption. */
hvic_status hv_rans_decoder_finish(const hv_rans_decoder *dec);

#ifdef __cplusplus
}
#endif
#endif /* HVIC_ENTROPY_RANS_H */
