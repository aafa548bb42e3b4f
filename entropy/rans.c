/* hvic entropy coding: rANS coder (see rans.h and spec/entropy.md).
 *
 * Follows the design of ryg_rans's rans_byte.h (F. Giesen, public domain),
 * itself an implementation of Duda's rANS (arXiv:1311.2540, 2013): 32-bit
 * state in [L, 256*L) with L = 2^23, byte-wise renormalisation, encoder
 * writing backwards from the end of its buffer and flushing the final state
 * as 4 little-endian bytes at the front. Code written for hvic.
 */
#include "rans.h"

#include <stdlib.h>
#include <string.h>

#define PREC HVIC_CDF_PRECISION
#define PMASK (HVIC_CDF_TOTAL - 1u)
#define ESC_MAX HVIC_RANS_ESC_MAX_LEN

/* A queued rANS symbol: start in bits 0..15, freq-1 in bits 16..31
 * (freq is 1..65536, start + freq <= 65536). */
struct hv_rans_encoder {
    uint32_t *sym;
    size_t n, cap;
    hvic_status err;
};

hv_rans_encoder *hv_rans_encoder_new(void)
{
    return calloc(1, sizeof(hv_rans_encoder));
}

void hv_rans_encoder_free(hv_rans_encoder *enc)
{
    if (!enc)
        return;
    free(enc->sym);
    free(enc);
}

size_t hv_rans_encoder_pending(const hv_rans_encoder *enc)
{
    return enc ? enc->n : 0;
}

/* Makes room for `more` symbols; sets the sticky error on failure. */
static hvic_status reserve(hv_rans_encoder *enc, size_t more)
{
    if (enc->cap - enc->n >= more)
        return HVIC_OK;
    /* keep 4 + 2*n output bytes and 4*n queue bytes representable */
    size_t limit = (SIZE_MAX - 64) / 8;
    if (enc->n > limit - more) {
        enc->err = HVIC_ERR_NOMEM;
        return enc->err;
    }
    size_t cap = enc->cap ? enc->cap : 1024;
    while (cap - enc->n < more)
        cap = cap > limit / 2 ? limit : cap * 2;
    uint32_t *p = realloc(enc->sym, cap * sizeof *p);
    if (!p) {
        enc->err = HVIC_ERR_NOMEM;
        return enc->err;
    }
    enc->sym = p;
    enc->cap = cap;
    return HVIC_OK;
}

static inline void push(hv_rans_encoder *enc, uint32_t start, uint32_t freq)
{
    enc->sym[enc->n++] = start | ((freq - 1u) << 16);
}

static inline void push_bits(hv_rans_encoder *enc, uint32_t bits, unsigned nbits)
{
    unsigned sh = PREC - nbits;
    push(enc, bits << sh, 1u << sh);
}

/* Checks the table header; returns nonzero if usable. */
static inline int cdf_usable(const hv_cdf *cdf)
{
    return cdf && cdf->cdf && cdf->nsym >= 1 && cdf->nsym <= HVIC_CDF_MAX_NSYM;
}

hvic_status hv_rans_put(hv_rans_encoder *enc, const hv_cdf *cdf, int32_t value)
{
    if (!enc)
        return HVIC_ERR_ARG;
    if (enc->err)
        return enc->err;
    if (!cdf_usable(cdf)) {
        enc->err = HVIC_ERR_ARG;
        return enc->err;
    }
    const uint32_t *c = cdf->cdf;
    int64_t lo = cdf->offset;
    int64_t hi = lo + (int64_t)cdf->nsym - 2; /* hi = lo-1 when nsym == 1 */
    int64_t v = value;
    int direct = v >= lo && v <= hi;
    uint32_t idx = direct ? (uint32_t)(v - lo) : cdf->nsym - 1;
    if (!(c[idx] < c[idx + 1] && c[idx + 1] <= HVIC_CDF_TOTAL)) {
        enc->err = HVIC_ERR_ARG;
        return enc->err;
    }
    if (reserve(enc, 4) != HVIC_OK) /* ESCAPE + length + 2 chunks at most */
        return enc->err;
    push(enc, c[idx], c[idx + 1] - c[idx]);
    if (direct)
        return HVIC_OK;

    /* Bypass code: zig-zag distance z, m = z+1 = 2^len + bits. */
    uint64_t z = v > hi ? 2u * (uint64_t)(v - hi - 1) : 2u * (uint64_t)(lo - 1 - v) + 1u;
    uint64_t m = z + 1u; /* 1 .. 2^33-1 */
    unsigned len = 0;
    while ((m >> len) > 1u)
        len++;
    uint64_t bits = m - ((uint64_t)1 << len);
    push_bits(enc, len, HVIC_RANS_ESC_LEN_BITS);
    for (unsigned left = len; left > 0;) {
        unsigned k = left < 16 ? left : 16;
        push_bits(enc, (uint32_t)(bits & ((1u << k) - 1u)), k);
        bits >>= k;
        left -= k;
    }
    return HVIC_OK;
}

hvic_status hv_rans_put_bits(hv_rans_encoder *enc, uint32_t bits, unsigned nbits)
{
    if (!enc)
        return HVIC_ERR_ARG;
    if (enc->err)
        return enc->err;
    if (nbits < 1 || nbits > 16 || (bits >> nbits) != 0) {
        enc->err = HVIC_ERR_ARG;
        return enc->err;
    }
    if (reserve(enc, 1) != HVIC_OK)
        return enc->err;
    push_bits(enc, bits, nbits);
    return HVIC_OK;
}

hvic_status hv_rans_finish(hv_rans_encoder *enc, uint8_t **out, size_t *out_len)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!enc || !out || !out_len)
        return HVIC_ERR_ARG;
    hvic_status st = enc->err;
    size_t n = enc->n;
    enc->n = 0;
    enc->err = HVIC_OK;
    if (st)
        return st;

    size_t cap = 4 + 2 * n; /* a symbol emits at most 2 bytes; see reserve() */
    uint8_t *buf = malloc(cap);
    if (!buf)
        return HVIC_ERR_NOMEM;
    uint8_t *ptr = buf + cap;
    uint32_t x = HVIC_RANS_L;
    const uint32_t *sym = enc->sym;
    for (size_t i = n; i-- > 0;) {
        uint32_t start = sym[i] & PMASK;
        uint32_t freq = (sym[i] >> 16) + 1u;
        /* renormalise so that after coding x stays below 2^31 */
        uint32_t x_max = ((HVIC_RANS_L >> PREC) << 8) * freq; /* 2^15 * freq <= 2^31 */
        while (x >= x_max) {
            *--ptr = (uint8_t)(x & 0xffu);
            x >>= 8;
        }
        x = ((x / freq) << PREC) + (x % freq) + start;
    }
    ptr -= 4;
    ptr[0] = (uint8_t)(x >> 0);
    ptr[1] = (uint8_t)(x >> 8);
    ptr[2] = (uint8_t)(x >> 16);
    ptr[3] = (uint8_t)(x >> 24);

    size_t len = (size_t)(buf + cap - ptr);
    memmove(buf, ptr, len);
    uint8_t *shrunk = realloc(buf, len);
    *out = shrunk ? shrunk : buf;
    *out_len = len;
    return HVIC_OK;
}

static hvic_status fail(hv_rans_decoder *dec, hvic_status st)
{
    if (dec->err == HVIC_OK)
        dec->err = st;
    return dec->err;
}

hvic_status hv_rans_decoder_init(hv_rans_decoder *dec, const uint8_t *buf, size_t len)
{
    if (!dec)
        return HVIC_ERR_ARG;
    dec->ptr = dec->end = buf;
    dec->x = 0;
    dec->err = HVIC_OK;
    if (!buf && len > 0)
        return fail(dec, HVIC_ERR_ARG);
    if (len < 4)
        return fail(dec, HVIC_ERR_TRUNCATED);
    uint32_t x = (uint32_t)buf[0] | ((uint32_t)buf[1] << 8) | ((uint32_t)buf[2] << 16) |
                 ((uint32_t)buf[3] << 24);
    dec->ptr = buf + 4;
    dec->end = buf + len;
    dec->x = x;
    if (x < HVIC_RANS_L || x >= (1u << 31))
        return fail(dec, HVIC_ERR_ENTROPY);
    return HVIC_OK;
}

/* Removes the symbol (start, freq) from the state, whose low 16 bits lie in
 * [start, start+freq), and renormalises: at most 2 bytes (x >= 2^7 here). */
static inline hvic_status advance(hv_rans_decoder *dec, uint32_t start, uint32_t freq)
{
    uint32_t x = dec->x;
    x = freq * (x >> PREC) + (x & PMASK) - start;
    while (x < HVIC_RANS_L) {
        if (dec->ptr == dec->end) {
            dec->x = x;
            return fail(dec, HVIC_ERR_TRUNCATED);
        }
        x = (x << 8) | *dec->ptr++;
    }
    dec->x = x;
    return HVIC_OK;
}

static inline hvic_status raw_bits(hv_rans_decoder *dec, unsigned nbits, uint32_t *bits)
{
    unsigned sh = PREC - nbits;
    uint32_t b = (dec->x & PMASK) >> sh;
    *bits = b;
    return advance(dec, b << sh, 1u << sh);
}

hvic_status hv_rans_get_bits(hv_rans_decoder *dec, unsigned nbits, uint32_t *bits)
{
    if (!dec || !bits)
        return HVIC_ERR_ARG;
    *bits = 0;
    if (dec->err)
        return dec->err;
    if (nbits < 1 || nbits > 16)
        return fail(dec, HVIC_ERR_ARG);
    hvic_status st = raw_bits(dec, nbits, bits);
    if (st)
        *bits = 0;
    return st;
}

/* Reads the bypass code after an ESCAPE and rebuilds the value. */
static hvic_status get_escape(hv_rans_decoder *dec, int64_t lo, int64_t hi, int32_t *value)
{
    uint32_t len, chunk;
    hvic_status st = raw_bits(dec, HVIC_RANS_ESC_LEN_BITS, &len);
    if (st)
        return st;
    if (len > ESC_MAX)
        return fail(dec, HVIC_ERR_ENTROPY);
    uint64_t bits = 0;
    for (unsigned got = 0; got < len;) {
        unsigned k = len - got < 16 ? len - got : 16;
        st = raw_bits(dec, k, &chunk);
        if (st)
            return st;
        bits |= (uint64_t)chunk << got;
        got += k;
    }
    uint64_t z = ((uint64_t)1 << len) + bits - 1u;
    int64_t d = (int64_t)(z >> 1);
    int64_t v = (z & 1u) ? lo - 1 - d : hi + 1 + d;
    if (v < INT32_MIN || v > INT32_MAX)
        return fail(dec, HVIC_ERR_ENTROPY);
    *value = (int32_t)v;
    return HVIC_OK;
}

hvic_status hv_rans_get(hv_rans_decoder *dec, const hv_cdf *cdf, int32_t *value)
{
    if (!dec || !value)
        return HVIC_ERR_ARG;
    *value = 0;
    if (dec->err)
        return dec->err;
    if (!cdf_usable(cdf))
        return fail(dec, HVIC_ERR_ARG);
    const uint32_t *c = cdf->cdf;
    uint32_t s = dec->x & PMASK;
    /* branch-free binary search for the last idx < nsym with c[idx] <= s */
    uint32_t idx = 0, n = cdf->nsym;
    while (n > 1) {
        uint32_t half = n >> 1;
        idx = c[idx + half] <= s ? idx + half : idx;
        n -= half;
    }
    uint32_t start = c[idx], next = c[idx + 1];
    if (!(start <= s && s < next && next <= HVIC_CDF_TOTAL))
        return fail(dec, HVIC_ERR_ARG); /* cdf is not a valid table */
    hvic_status st = advance(dec, start, next - start);
    if (st)
        return st;
    int64_t lo = cdf->offset;
    if (idx + 1 < cdf->nsym) {
        *value = (int32_t)(lo + idx);
        return HVIC_OK;
    }
    st = get_escape(dec, lo, lo + (int64_t)cdf->nsym - 2, value);
    if (st)
        *value = 0;
    return st;
}

hvic_status hv_rans_decoder_finish(const hv_rans_decoder *dec)
{
    if (!dec)
        return HVIC_ERR_ARG;
    if (dec->err)
        return dec->err;
    if (dec->ptr != dec->end || dec->x != HVIC_RANS_L)
        return HVIC_ERR_ENTROPY;
    return HVIC_OK;
}
