/* Damaged streams: every truncation of a small stream and some of a big one,
 * every single-bit flip of small streams and random flips of a big one,
 * trailing bytes and random garbage. The decoder must report an error, never
 * read outside its buffer (run under -fsanitize=address to prove it: each
 * stream is decoded from an exactly-sized heap copy) and never crash.
 *
 * Bit flips: a flip inside the raw bypass bits of an escape changes the
 * escaped value but cannot be detected (those bits carry no redundancy; any
 * pattern is a valid value), so streams with escapes have a small undetected
 * fraction, about the share of bypass bits in the stream. The same holds in
 * runs of equal-frequency symbols (e.g. the frequency-1 tail of a wide
 * Gaussian): a flip that moves the 16-bit slot by a multiple of the frequency
 * yields another symbol and the very same state. Every other flip perturbs
 * the rANS state and is caught by the end-of-stream state check. The
 * container's CRC is what guarantees integrity; these checks only bound how
 * much the entropy layer itself detects. */
#include "entropy_util.h"

typedef struct {
    hv_cdf_table t;
    uint8_t *which; /* CDF index of each symbol */
    int32_t *value;
    size_t n;
} message;

/* n symbols over 8 Gaussian CDFs; esc_permille of them (plus tail draws when
 * esc_permille > 0) are escaped random values. */
static void make_message(message *m, size_t n, uint64_t seed, unsigned esc_permille)
{
    float scales[8] = {0.11f, 0.3f, 1.0f, 2.5f, 7.0f, 20.0f, 60.0f, 256.0f};
    REQUIRE(hv_cdf_table_gaussian(scales, 8, &m->t) == HVIC_OK, "table");
    m->which = malloc(n);
    m->value = malloc(n * sizeof *m->value);
    REQUIRE(m->which && m->value, "oom");
    m->n = n;
    rng_t r = {seed};
    for (size_t i = 0; i < n; i++) {
        m->which[i] = (uint8_t)rng_below(&r, 8);
        const hv_cdf *c = &m->t.cdfs[m->which[i]];
        uint32_t idx = cdf_find(c, rng_below(&r, 65536));
        int esc = esc_permille && (idx + 1 == c->nsym || rng_below(&r, 1000) < esc_permille);
        if (!esc)
            m->value[i] = idx + 1 < c->nsym ? c->offset + (int32_t)idx : 0;
        else
            m->value[i] = (int32_t)(uint32_t)rng_next(&r) / (int32_t)(1u << rng_below(&r, 31));
    }
}

static void free_message(message *m)
{
    hv_cdf_table_free(&m->t);
    free(m->which);
    free(m->value);
}

static uint8_t *encode(const message *m, size_t *len)
{
    hv_rans_encoder *enc = hv_rans_encoder_new();
    REQUIRE(enc, "encoder_new");
    for (size_t i = 0; i < m->n; i++)
        REQUIRE(hv_rans_put(enc, &m->t.cdfs[m->which[i]], m->value[i]) == HVIC_OK, "put");
    uint8_t *buf;
    REQUIRE(hv_rans_finish(enc, &buf, len) == HVIC_OK, "finish");
    hv_rans_encoder_free(enc);
    return buf;
}

/* Decodes len bytes of data (copied to an exactly-sized buffer) as message m;
 * returns the first error, or HVIC_OK if the whole decode and the final check
 * passed (*same tells whether every value matched). */
static hvic_status decode(const message *m, const uint8_t *data, size_t len, int *same)
{
    uint8_t *copy = malloc(len ? len : 1);
    REQUIRE(copy, "oom");
    if (len)
        memcpy(copy, data, len);
    hv_rans_decoder dec;
    hvic_status st = hv_rans_decoder_init(&dec, copy, len);
    *same = 1;
    for (size_t i = 0; i < m->n && st == HVIC_OK; i++) {
        int32_t v;
        st = hv_rans_get(&dec, &m->t.cdfs[m->which[i]], &v);
        *same &= v == m->value[i];
    }
    hvic_status fin = hv_rans_decoder_finish(&dec);
    CHECK(st == HVIC_OK || fin == st, "finish %d does not repeat sticky error %d", fin, st);
    free(copy);
    return st ? st : fin;
}

static int is_error(hvic_status st)
{
    return st == HVIC_ERR_TRUNCATED || st == HVIC_ERR_ENTROPY;
}

static void test_truncation(const char *name, size_t n, uint64_t seed, size_t step)
{
    message m;
    make_message(&m, n, seed, 10);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    int same;
    CHECK(decode(&m, buf, len, &same) == HVIC_OK && same, "%s: intact stream fails", name);
    size_t tried = 0, detected = 0;
    for (size_t cut = 0; cut < len; cut += (cut + 8 >= len || cut < 8) ? 1 : step) {
        hvic_status st = decode(&m, buf, cut, &same);
        tried++;
        detected += is_error(st);
        CHECK(is_error(st), "%s: truncated to %zu of %zu bytes -> %d", name, cut, len, st);
    }
    /* trailing garbage is an error as well */
    uint8_t *longer = malloc(len + 1);
    REQUIRE(longer, "oom");
    memcpy(longer, buf, len);
    longer[len] = 0;
    CHECK(decode(&m, longer, len + 1, &same) == HVIC_ERR_ENTROPY, "%s: trailing byte", name);
    printf("%s: %zu-byte stream, %zu truncations, %zu detected\n", name, len, tried, detected);
    free(longer);
    free(buf);
    free_message(&m);
}

/* Flips every bit (flips == 0) or `flips` random bits; requires a detected
 * fraction >= min_frac. */
static void test_bitflips(const char *name, size_t n, uint64_t seed, unsigned esc_permille,
                          size_t flips, double min_frac)
{
    message m;
    make_message(&m, n, seed, esc_permille);
    size_t len;
    uint8_t *buf = encode(&m, &len);
    size_t bits = 8 * len, tried = 0, detected = 0, wrong_undetected = 0;
    rng_t r = {seed ^ 0xF11Fu};
    for (size_t k = 0; k < (flips ? flips : bits); k++) {
        size_t bit = flips ? (size_t)(rng_next(&r) % bits) : k;
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        int same;
        hvic_status st = decode(&m, buf, len, &same);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        tried++;
        if (st == HVIC_OK)
            wrong_undetected += !same;
        else
            detected++;
        CHECK(st == HVIC_OK || is_error(st), "%s: flip of bit %zu -> unexpected status %d", name,
              bit, st);
    }
    double frac = (double)detected / (double)tried;
    printf("%s: %zu-byte stream, %zu single-bit flips, %.4f%% detected (%zu undetected with"
           " wrong output)\n",
           name, len, tried, 100 * frac, wrong_undetected);
    CHECK(frac >= min_frac, "%s: only %.3f%% of bit flips detected", name, 100 * frac);
    free(buf);
    free_message(&m);
}

static void test_garbage(void)
{
    message m;
    make_message(&m, 64, 77, 10);
    rng_t r = {0x6A5BA6E};
    uint8_t data[96];
    size_t trials = 20000, errors = 0;
    for (size_t k = 0; k < trials; k++) {
        size_t len = rng_below(&r, sizeof data + 1);
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)rng_next(&r);
        int same;
        hvic_status st = decode(&m, data, len, &same);
        errors += st != HVIC_OK;
        CHECK(st == HVIC_OK || is_error(st), "garbage: unexpected status %d", st);
    }
    printf("garbage: %zu random buffers, %zu rejected\n", trials, errors);
    CHECK(errors >= trials - trials / 1000, "garbage: only %zu of %zu rejected", errors, trials);
    free_message(&m);
}

int main(void)
{
    test_truncation("truncate small", 300, 1, 1);
    test_truncation("truncate big", 100000, 2, 2999);
    test_bitflips("flip small, no escapes", 300, 3, 0, 0, 0.98);
    test_bitflips("flip small, 1% escapes", 2000, 5, 10, 0, 0.96);
    test_bitflips("flip big, 0.1% escapes", 100000, 4, 1, 200, 0.97);
    test_garbage();
    return test_summary("test_rans_corrupt");
}
