/* Edge cases of the rANS coder: escapes over the whole int32 range, malformed
 * escapes, known byte-exact streams, raw bits, and argument/sticky errors. */
#include "entropy_util.h"

/* Encodes values with c, one stream; decodes and compares. Returns bytes. */
static size_t roundtrip(const char *name, const hv_cdf *c, const int32_t *v, size_t n)
{
    hv_rans_encoder *enc = hv_rans_encoder_new();
    REQUIRE(enc, "encoder_new");
    double ideal = 0;
    for (size_t i = 0; i < n; i++) {
        hvic_status st = hv_rans_put(enc, c, v[i]);
        CHECK(st == HVIC_OK, "%s: put(%d) -> %d", name, v[i], st);
        ideal += ideal_bits(c, v[i]);
    }
    uint8_t *buf;
    size_t len;
    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "%s: finish", name);
    CHECK(8.0 * len <= ideal * 1.005 + 64, "%s: %zu bytes for ideal %.1f", name, len, ideal / 8);
    hv_rans_decoder dec;
    REQUIRE(hv_rans_decoder_init(&dec, buf, len) == HVIC_OK, "%s: init", name);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t got;
        hvic_status st = hv_rans_get(&dec, c, &got);
        if ((st != HVIC_OK || got != v[i]) && bad++ < 5)
            CHECK(0, "%s: value %zu: status %d, got %d want %d", name, i, st, got, v[i]);
    }
    CHECK(bad == 0, "%s: %zu wrong values", name, bad);
    CHECK(hv_rans_decoder_finish(&dec) == HVIC_OK, "%s: finish", name);
    free(buf);
    hv_rans_encoder_free(enc);
    return len;
}

static void test_escapes(void)
{
    static uint32_t one[2] = {0, 65536};
    uint32_t cnt[5] = {5, 1, 3, 0, 9};
    hv_cdf cdfs[7];
    const char *names[7] = {"nsym=1 off=0", "nsym=1 off=INT32_MIN", "nsym=1 off=INT32_MAX",
                            "gauss 1.0", "freqs off=INT32_MAX-2", "freqs off=INT32_MIN",
                            "gauss 256"};
    cdfs[0] = (hv_cdf){0, 1, one};
    cdfs[1] = (hv_cdf){INT32_MIN, 1, one};
    cdfs[2] = (hv_cdf){INT32_MAX, 1, one};
    REQUIRE(hv_cdf_gaussian(1.0f, &cdfs[3]) == HVIC_OK, "gauss");
    REQUIRE(hv_cdf_from_freqs(INT32_MAX - 2, cnt, 5, &cdfs[4]) == HVIC_OK, "freqs"); /* hi > INT32_MAX */
    REQUIRE(hv_cdf_from_freqs(INT32_MIN, cnt, 5, &cdfs[5]) == HVIC_OK, "freqs");
    REQUIRE(hv_cdf_gaussian(256.0f, &cdfs[6]) == HVIC_OK, "gauss");

    enum { NV = 20000 };
    int32_t *v = malloc(NV * sizeof *v);
    REQUIRE(v, "oom");
    rng_t r = {0xE5CA9E};
    for (int k = 0; k < 7; k++) {
        const hv_cdf *c = &cdfs[k];
        size_t n = 0;
        const int32_t fixed[] = {INT32_MIN, INT32_MIN + 1, INT32_MIN + 2, -2147483647, 2147483647,
                                 INT32_MAX - 1, 0, 1, -1, 65535, -65536, 65536, -65537};
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
            v[n++] = fixed[i];
        int64_t lo = c->offset, hi = lo + (int64_t)c->nsym - 2;
        for (int64_t d = -3; d <= 3; d++) { /* around both ends of the direct range */
            if (lo + d >= INT32_MIN && lo + d <= INT32_MAX)
                v[n++] = (int32_t)(lo + d);
            if (hi + d >= INT32_MIN && hi + d <= INT32_MAX)
                v[n++] = (int32_t)(hi + d);
        }
        for (int b = 0; b < 31; b++) { /* +-2^b, +-(2^b - 1) */
            int32_t p = (int32_t)(1u << b);
            v[n++] = p;
            v[n++] = -p;
            v[n++] = p - 1;
            v[n++] = 1 - p;
        }
        while (n < NV)
            v[n++] = (int32_t)(uint32_t)rng_next(&r);
        roundtrip(names[k], c, v, n);
    }

    /* exact costs: INT32_MAX with a lone ESCAPE at INT32_MIN is the longest
     * bypass code (6 + 32 bits); its stream is 4 + 5 bytes at most */
    int32_t one_v[1] = {INT32_MAX};
    size_t len = roundtrip("longest escape", &cdfs[1], one_v, 1);
    CHECK(len <= 4 + 5, "longest escape took %zu bytes", len);
    free(v);
    hv_cdf_free(&cdfs[3]);
    hv_cdf_free(&cdfs[4]);
    hv_cdf_free(&cdfs[5]);
    hv_cdf_free(&cdfs[6]);
}

/* Decodes one value with an nsym=1 CDF from a stream built of raw bits. */
static hvic_status decode_crafted(const uint32_t *bits, const unsigned *nbits, int n,
                                  int32_t offset, int32_t *value)
{
    static uint32_t one[2] = {0, 65536};
    hv_cdf c = {offset, 1, one};
    hv_rans_encoder *enc = hv_rans_encoder_new();
    REQUIRE(enc, "encoder_new");
    for (int i = 0; i < n; i++)
        REQUIRE(hv_rans_put_bits(enc, bits[i], nbits[i]) == HVIC_OK, "put_bits");
    uint8_t *buf;
    size_t len;
    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "finish");
    hv_rans_decoder dec;
    REQUIRE(hv_rans_decoder_init(&dec, buf, len) == HVIC_OK, "init");
    hvic_status st = hv_rans_get(&dec, &c, value);
    if (st == HVIC_OK)
        st = hv_rans_decoder_finish(&dec);
    else
        CHECK(hv_rans_decoder_finish(&dec) == st, "finish does not repeat the sticky error");
    free(buf);
    hv_rans_encoder_free(enc);
    return st;
}

static void test_malformed_escapes(void)
{
    int32_t v;
    /* the nsym=1 CDF makes the ESCAPE free, so the stream is the bypass code */
    for (uint32_t len = 33; len < 64; len++) {
        uint32_t b[3] = {len, 0, 0};
        unsigned nb[3] = {6, 16, 16};
        CHECK(decode_crafted(b, nb, 3, 0, &v) == HVIC_ERR_ENTROPY && v == 0,
              "escape length %u accepted", len);
    }
    /* length 32, all ones: d = 2^32-1, valid only from offset INT32_MIN */
    uint32_t b[3] = {32, 0xFFFF, 0xFFFF};
    unsigned nb[3] = {6, 16, 16};
    CHECK(decode_crafted(b, nb, 3, 0, &v) == HVIC_ERR_ENTROPY, "value 2^32-1 accepted");
    CHECK(decode_crafted(b, nb, 3, INT32_MIN, &v) == HVIC_OK && v == INT32_MAX,
          "INT32_MAX from INT32_MIN: got %d", v);
    /* odd z below offset INT32_MAX: INT32_MAX-1-d, d = 2^32-1 is below INT32_MIN */
    uint32_t b2[3] = {32, 0xFFFE, 0xFFFF}; /* m = 2^33-2, z odd */
    CHECK(decode_crafted(b2, nb, 3, INT32_MAX, &v) == HVIC_OK && v == INT32_MIN,
          "INT32_MIN from INT32_MAX: got %d", v);
    CHECK(decode_crafted(b2, nb, 3, INT32_MAX - 1, &v) == HVIC_ERR_ENTROPY,
          "value below INT32_MIN accepted");
    /* escape whose bypass bits are missing: stream ends early */
    uint32_t b3[1] = {20};
    unsigned nb3[1] = {6};
    hvic_status st = decode_crafted(b3, nb3, 1, 0, &v);
    CHECK(st == HVIC_ERR_TRUNCATED || st == HVIC_ERR_ENTROPY, "missing bypass bits: %d", st);
}

/* Byte-exact streams that spec/entropy.md quotes. */
static void test_known_streams(void)
{
    static uint32_t half[3] = {0, 32768, 65536};
    hv_cdf c = {0, 2, half}; /* value 0: p = 1/2; anything else: ESCAPE */
    hv_rans_encoder *enc = hv_rans_encoder_new();
    REQUIRE(enc, "encoder_new");
    uint8_t *buf;
    size_t len;

    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "empty finish");
    const uint8_t e0[4] = {0x00, 0x00, 0x80, 0x00};
    CHECK(len == 4 && memcmp(buf, e0, 4) == 0, "empty stream");
    hv_rans_decoder dec;
    CHECK(hv_rans_decoder_init(&dec, buf, len) == HVIC_OK &&
              hv_rans_decoder_finish(&dec) == HVIC_OK,
          "empty stream does not decode");
    free(buf);

    hv_rans_put(enc, &c, 0); /* x = (2^23 / 2^15) << 16 = 2^24 */
    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "finish");
    const uint8_t e1[4] = {0x00, 0x00, 0x00, 0x01};
    CHECK(len == 4 && memcmp(buf, e1, 4) == 0, "stream of {0}: %zu bytes %02x %02x %02x %02x",
          len, buf[0], buf[1], buf[2], buf[3]);
    free(buf);

    hv_rans_put(enc, &c, 1); /* ESCAPE, len 0 (z = 0): 2^24+32768, then 6 bits 0 */
    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "finish");
    /* encode backwards: bits(0,6): x = 2^23/1024 << 16 = 2^29;
     * ESCAPE: x_max = 2^30 > x, x = (2^29/2^15 << 16) + 0 + 32768 = 2^30 + 2^15 */
    const uint8_t e2[4] = {0x00, 0x80, 0x00, 0x40};
    CHECK(len == 4 && memcmp(buf, e2, 4) == 0, "stream of {1}: %zu bytes %02x %02x %02x %02x",
          len, buf[0], buf[1], buf[2], buf[3]);
    free(buf);

    REQUIRE(hv_rans_put_bits(enc, 0xABCD, 16) == HVIC_OK, "put_bits");
    REQUIRE(hv_rans_put_bits(enc, 0x1234, 16) == HVIC_OK, "put_bits");
    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "finish");
    /* 0x1234 (freq 1): x = 2^23 >= 2^15 -> emit 00, 00 (x = 0x80), x = 0x80_1234;
     * 0xABCD: emit 34, 12 (x = 0x80), x = 0x80_ABCD; flushed LE */
    const uint8_t e3[8] = {0xCD, 0xAB, 0x80, 0x00, 0x12, 0x34, 0x00, 0x00};
    CHECK(len == 8 && memcmp(buf, e3, 8) == 0, "stream of bits: %zu bytes", len);
    uint32_t b1, b2;
    REQUIRE(hv_rans_decoder_init(&dec, buf, len) == HVIC_OK, "init");
    CHECK(hv_rans_get_bits(&dec, 16, &b1) == HVIC_OK && b1 == 0xABCD, "bits 1: %x", b1);
    CHECK(hv_rans_get_bits(&dec, 16, &b2) == HVIC_OK && b2 == 0x1234, "bits 2: %x", b2);
    CHECK(hv_rans_decoder_finish(&dec) == HVIC_OK, "bits finish");
    free(buf);
    hv_rans_encoder_free(enc);
}

static void test_bits(void)
{
    hv_rans_encoder *enc = hv_rans_encoder_new();
    REQUIRE(enc, "encoder_new");
    rng_t r = {0xB175};
    enum { N = 50000 };
    static uint32_t val[N];
    static uint8_t nb[N];
    uint64_t total = 0;
    for (int i = 0; i < N; i++) {
        nb[i] = (uint8_t)(1 + rng_below(&r, 16));
        val[i] = rng_below(&r, 1u << nb[i]);
        total += nb[i];
        REQUIRE(hv_rans_put_bits(enc, val[i], nb[i]) == HVIC_OK, "put_bits");
    }
    uint8_t *buf;
    size_t len;
    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "finish");
    CHECK(len <= (total + 7) / 8 + 4, "raw bits: %zu bytes for %" PRIu64 " bits", len, total);
    hv_rans_decoder dec;
    REQUIRE(hv_rans_decoder_init(&dec, buf, len) == HVIC_OK, "init");
    int bad = 0;
    for (int i = 0; i < N; i++) {
        uint32_t b;
        bad += hv_rans_get_bits(&dec, nb[i], &b) != HVIC_OK || b != val[i];
    }
    CHECK(bad == 0 && hv_rans_decoder_finish(&dec) == HVIC_OK, "raw bits: %d wrong", bad);
    free(buf);
    hv_rans_encoder_free(enc);
}

static void test_api_errors(void)
{
    static uint32_t good[3] = {0, 100, 65536}, zero_f[3] = {0, 0, 65536},
                    over[3] = {0, 100, 70000};
    hv_cdf c = {0, 2, good}, cz = {0, 2, zero_f}, co = {0, 2, over}, cn = {0, 0, good},
             cnull = {0, 2, NULL};
    uint8_t *buf = (uint8_t *)&c;
    size_t len = 99;

    CHECK(hv_rans_put(NULL, &c, 0) == HVIC_ERR_ARG, "put NULL enc");
    CHECK(hv_rans_finish(NULL, &buf, &len) == HVIC_ERR_ARG && buf == NULL && len == 0,
          "finish NULL enc");
    hv_rans_encoder_free(NULL);
    CHECK(hv_rans_encoder_pending(NULL) == 0, "pending NULL");

    const hv_cdf *bad[4] = {NULL, &cz, &cn, &cnull};
    for (int k = 0; k < 4; k++) {
        hv_rans_encoder *enc = hv_rans_encoder_new();
        REQUIRE(enc, "encoder_new");
        CHECK(hv_rans_put(enc, &c, 1) == HVIC_OK, "put ok");
        CHECK(hv_rans_put(enc, bad[k], 0) == HVIC_ERR_ARG, "bad cdf %d accepted", k);
        CHECK(hv_rans_put(enc, &c, 0) == HVIC_ERR_ARG, "error not sticky (%d)", k);
        CHECK(hv_rans_put_bits(enc, 1, 1) == HVIC_ERR_ARG, "put_bits not sticky (%d)", k);
        CHECK(hv_rans_finish(enc, &buf, &len) == HVIC_ERR_ARG && buf == NULL && len == 0,
              "finish after error (%d)", k);
        /* finish cleared the error: the encoder works again */
        CHECK(hv_rans_put(enc, &c, 0) == HVIC_OK, "encoder not reusable after error");
        /* one symbol of frequency 100: one renormalisation byte + 4 */
        CHECK(hv_rans_finish(enc, &buf, &len) == HVIC_OK && len == 5, "reuse finish");
        free(buf);
        hv_rans_encoder_free(enc);
    }
    hv_rans_encoder *enc = hv_rans_encoder_new();
    REQUIRE(enc, "encoder_new");
    CHECK(hv_rans_put(enc, &co, 1) == HVIC_ERR_ARG, "cdf entry > 65536 accepted");
    hv_rans_finish(enc, &buf, &len);
    CHECK(hv_rans_put_bits(enc, 0, 0) == HVIC_ERR_ARG, "nbits 0 accepted");
    hv_rans_finish(enc, &buf, &len);
    CHECK(hv_rans_put_bits(enc, 0, 17) == HVIC_ERR_ARG, "nbits 17 accepted");
    hv_rans_finish(enc, &buf, &len);
    CHECK(hv_rans_put_bits(enc, 4, 2) == HVIC_ERR_ARG, "bits >= 2^nbits accepted");
    CHECK(hv_rans_finish(enc, NULL, &len) == HVIC_ERR_ARG, "finish NULL out");
    hv_rans_encoder_free(enc);

    /* decoder */
    const uint8_t ok4[4] = {0x00, 0x00, 0x80, 0x00};
    const uint8_t low[4] = {0xFF, 0xFF, 0x7F, 0x00}, high[4] = {0x00, 0x00, 0x00, 0x80};
    hv_rans_decoder dec;
    int32_t v;
    uint32_t b;
    CHECK(hv_rans_decoder_init(NULL, ok4, 4) == HVIC_ERR_ARG, "init NULL dec");
    CHECK(hv_rans_decoder_init(&dec, NULL, 4) == HVIC_ERR_ARG, "init NULL buf");
    CHECK(hv_rans_decoder_init(&dec, NULL, 0) == HVIC_ERR_TRUNCATED, "init empty");
    CHECK(hv_rans_decoder_init(&dec, ok4, 3) == HVIC_ERR_TRUNCATED, "init 3 bytes");
    CHECK(hv_rans_get(&dec, &c, &v) == HVIC_ERR_TRUNCATED && v == 0, "get after failed init");
    CHECK(hv_rans_decoder_init(&dec, low, 4) == HVIC_ERR_ENTROPY, "state < 2^23 accepted");
    CHECK(hv_rans_decoder_init(&dec, high, 4) == HVIC_ERR_ENTROPY, "state >= 2^31 accepted");
    CHECK(hv_rans_decoder_finish(&dec) == HVIC_ERR_ENTROPY, "finish after bad init");
    CHECK(hv_rans_decoder_finish(NULL) == HVIC_ERR_ARG, "finish NULL");

    /* state 2^23: its low 16 bits s = 0 fall before cdf[0] = 5 */
    static uint32_t start5[3] = {5, 100, 65536};
    hv_cdf c5 = {0, 2, start5};
    const hv_cdf *bad_dec[4] = {NULL, &c5, &cn, &cnull};
    for (int k = 0; k < 4; k++) {
        REQUIRE(hv_rans_decoder_init(&dec, ok4, 4) == HVIC_OK, "init");
        hvic_status st = hv_rans_get(&dec, bad_dec[k], &v);
        CHECK(st == HVIC_ERR_ARG, "get with bad cdf %d -> %d", k, st);
        CHECK(hv_rans_get(&dec, &c, &v) == HVIC_ERR_ARG, "decoder error not sticky");
        CHECK(hv_rans_get_bits(&dec, 3, &b) == HVIC_ERR_ARG && b == 0, "get_bits not sticky");
    }
    REQUIRE(hv_rans_decoder_init(&dec, ok4, 4) == HVIC_OK, "init");
    CHECK(hv_rans_get(&dec, &c, NULL) == HVIC_ERR_ARG, "get NULL value");
    CHECK(hv_rans_get_bits(&dec, 0, &b) == HVIC_ERR_ARG, "get_bits 0");
    REQUIRE(hv_rans_decoder_init(&dec, ok4, 4) == HVIC_OK, "init");
    CHECK(hv_rans_get_bits(&dec, 17, &b) == HVIC_ERR_ARG, "get_bits 17");
    /* a state whose low 16 bits are >= 100 meets the 70000 entry */
    const uint8_t s200[4] = {0xC8, 0x00, 0x80, 0x00};
    REQUIRE(hv_rans_decoder_init(&dec, s200, 4) == HVIC_OK, "init");
    CHECK(hv_rans_get(&dec, &co, &v) == HVIC_ERR_ARG, "cdf entry > 65536 accepted by get");
}

int main(void)
{
    test_escapes();
    test_malformed_escapes();
    test_known_streams();
    test_bits();
    test_api_errors();
    return test_summary("test_rans_edge");
}
