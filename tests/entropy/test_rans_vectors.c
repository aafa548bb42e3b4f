/* Cross-implementation stream vector: a deterministic message over the 70
 * Gaussian tables of scales.h, raw bits and escapes, encoded to a stream whose
 * length and FNV-1a 64 hash are recorded below. tests/entropy/hvic_entropy_ref.py
 * builds the same message with its own tables and coder and must produce the
 * same bytes, so both sides implement spec/entropy.md identically. */
#include "scales.h"
#include "entropy_util.h"

#define VEC_N 20000
#define VEC_SEED 12345u
#define VEC_LEN 12940u
#define VEC_HASH 0xbc3fdb35418ebe6bull

typedef struct {
    int table;      /* -1: raw bits */
    unsigned nbits; /* raw bits only */
    int32_t value;
} vec_item;

/* The message: splitmix64 from VEC_SEED; see vector_message() in the Python
 * reference, which is the same procedure line by line. */
static void vector_message(const hv_cdf_table *t, vec_item *it)
{
    rng_t r = {VEC_SEED};
    for (int i = 0; i < VEC_N; i++) {
        uint64_t a = rng_next(&r);
        if (a % 17 == 0) {
            it[i].table = -1;
            it[i].nbits = 1 + (unsigned)((a >> 8) % 16);
            it[i].value = (int32_t)((a >> 20) & ((1u << it[i].nbits) - 1));
            continue;
        }
        it[i].table = (int)((a >> 8) % N_HASH_SCALES);
        const hv_cdf *c = &t->cdfs[it[i].table];
        uint64_t u = rng_next(&r);
        uint32_t idx = cdf_find(c, (uint32_t)((u >> 16) & 0xFFFF));
        if (u % 251 == 0) {
            it[i].value = (int32_t)(uint32_t)(u >> 32); /* far outlier (two's complement) */
        } else if (idx + 1 < c->nsym) {
            it[i].value = c->offset + (int32_t)idx;
        } else { /* tail: just outside the support, either side */
            int32_t d = (int32_t)((u >> 40) % 1000);
            int32_t K = -c->offset;
            it[i].value = (u >> 39) & 1 ? K + 1 + d : -K - 1 - d;
        }
    }
}

int main(void)
{
    hv_cdf_table t;
    REQUIRE(hv_cdf_table_gaussian(HASH_SCALES, N_HASH_SCALES, &t) == HVIC_OK, "table");
    vec_item *it = malloc(VEC_N * sizeof *it);
    REQUIRE(it, "oom");
    vector_message(&t, it);

    hv_rans_encoder *enc = hv_rans_encoder_new();
    REQUIRE(enc, "encoder_new");
    for (int i = 0; i < VEC_N; i++) {
        hvic_status st = it[i].table < 0
                             ? hv_rans_put_bits(enc, (uint32_t)it[i].value, it[i].nbits)
                             : hv_rans_put(enc, &t.cdfs[it[i].table], it[i].value);
        REQUIRE(st == HVIC_OK, "put %d", i);
    }
    uint8_t *buf;
    size_t len;
    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "finish");
    uint64_t h = fnv1a64(FNV_OFFSET, buf, len);
    printf("vector: %zu bytes, hash 0x%016" PRIx64 "\n", len, h);
    CHECK(len == VEC_LEN, "vector length %zu, expected %u", len, VEC_LEN);
    CHECK(h == VEC_HASH, "vector hash 0x%016" PRIx64 ", expected 0x%016" PRIx64, h,
          (uint64_t)VEC_HASH);

    hv_rans_decoder dec;
    REQUIRE(hv_rans_decoder_init(&dec, buf, len) == HVIC_OK, "init");
    int bad = 0;
    for (int i = 0; i < VEC_N; i++) {
        int32_t v = 0;
        uint32_t b = 0;
        hvic_status st;
        if (it[i].table < 0) {
            st = hv_rans_get_bits(&dec, it[i].nbits, &b);
            v = (int32_t)b;
        } else {
            st = hv_rans_get(&dec, &t.cdfs[it[i].table], &v);
        }
        bad += st != HVIC_OK || v != it[i].value;
    }
    CHECK(bad == 0, "vector: %d values decoded wrong", bad);
    CHECK(hv_rans_decoder_finish(&dec) == HVIC_OK, "vector: finish");
    free(buf);
    free(it);
    hv_rans_encoder_free(enc);
    hv_cdf_table_free(&t);
    return test_summary("test_rans_vectors");
}
