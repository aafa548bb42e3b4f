/* Model loader: accepts models/default.hvicm, rejects damaged or foreign
 * files with HVIC_ERR_MODEL (HVIC_ERR_BAD_VERSION for the version), and
 * converts f16 exactly. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "harness.h"
#include "hvic.h"
#include "model.h"

static uint8_t *file, *payload;
static size_t file_len, payload_len;

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Parse `data`; expect status `want`. */
static void expect(const char *what, const uint8_t *data, size_t len, hvic_status want)
{
    hvic_model *m = (hvic_model *)1;
    hvic_status st = hv_model_parse(data, len, &m);
    CHECK(st == want, "%s: got %s (%d), want %d", what, hvic_strerror(st), st, want);
    CHECK(st == HVIC_OK ? m != NULL : m == NULL, "%s: model pointer", what);
    hvic_model_free(st == HVIC_OK ? m : NULL);
}

/* Rebuild a file around a modified payload (consistent size, CRC, frame). */
static void expect_payload(const char *what, const uint8_t *p, size_t len, hvic_status want)
{
    size_t cap = ZSTD_compressBound(len) + 20;
    uint8_t *f = malloc(cap);
    memcpy(f, file, 8); /* magic and format version of the model under test */
    put32(f + 8, (uint32_t)len);
    put32(f + 12, 0);
    put32(f + 16, (uint32_t)crc32(0, p, (uInt)len));
    size_t n = ZSTD_compress(f + 20, cap - 20, p, len, 1);
    CHECK(!ZSTD_isError(n), "zstd");
    expect(what, f, n + 20, want);
    free(f);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Offset of tensor `name`'s header (name_len byte) in the payload. */
static size_t tensor_offset(const char *name, size_t *data_off)
{
    static const unsigned sz[5] = {4, 2, 4, 2, 1};
    size_t off = 4;
    uint32_t count = rd32(payload);
    for (uint32_t i = 0; i < count; i++) {
        size_t start = off, n = payload[off];
        int match = n == strlen(name) && memcmp(payload + off + 1, name, n) == 0;
        off += 1 + n;
        unsigned dt = payload[off], nd = payload[off + 1];
        off += 2;
        uint64_t cnt = 1;
        for (unsigned d = 0; d < nd; d++) cnt *= rd32(payload + off + 4 * d);
        off += 4 * nd;
        if (match) {
            if (data_off) *data_off = off;
            return start;
        }
        off += cnt * sz[dt];
    }
    return 0;
}

static void test_f16(void)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float f = hv_f16_to_f32((uint16_t)h);
        unsigned e = (h >> 10) & 31, mt = h & 1023;
        float s = (h & 0x8000) ? -1.0f : 1.0f;
        if (e == 31) {
            CHECK(mt ? isnan(f) : isinf(f) && (f < 0) == (s < 0), "f16 %04x special", h);
            continue;
        }
        float ref = e ? s * ldexpf(1.0f + mt / 1024.0f, (int)e - 15) : s * ldexpf((float)mt, -24);
        CHECK(memcmp(&f, &ref, 4) == 0, "f16 %04x: %g vs %g", h, f, ref);
    }
}

int main(void)
{
    test_f16();

    hvic_model *m = NULL;
    hvic_status st = hvic_model_load(HVIC_TEST_MODEL, &m);
    CHECK(st == HVIC_OK, "load default: %s", hvic_strerror(st));
    if (st != HVIC_OK) return 1;
    CHECK(hvic_model_levels(m) >= 2, "levels");
    CHECK(strlen(hvic_model_id(m)) >= 1, "id");
    CHECK(hvic_model_beta(m, 0) > hvic_model_beta(m, 1), "betas decreasing");
    CHECK(hvic_file_read(HVIC_TEST_MODEL, &file, &file_len) == HVIC_OK, "read");
    CHECK(hvic_model_digest(m) == hvic_crc32(0, file, file_len), "digest = CRC-32 of the file");
    printf("model %s digest %08x levels %d\n", hvic_model_id(m), (unsigned)hvic_model_digest(m),
           hvic_model_levels(m));
    hvic_model_free(m);

    CHECK(hvic_model_load(HVIC_TEST_TMPDIR "/does-not-exist.hvicm", &m) == HVIC_ERR_IO, "missing");
    CHECK(hvic_model_load(HVIC_TESTIMAGES_DIR "/rgb8.png", &m) == HVIC_ERR_MODEL, "png");
    CHECK(m == NULL, "out cleared");

    uint8_t *f = malloc(file_len);
    expect("ok", file, file_len, HVIC_OK);
    memcpy(f, file, file_len);
    f[0] = 'X';
    expect("magic", f, file_len, HVIC_ERR_MODEL);
    memcpy(f, file, file_len);
    f[4] = HVIC_MODEL_VERSION + 1;
    expect("version newer", f, file_len, HVIC_ERR_BAD_VERSION);
    f[4] = 0;
    expect("version 0", f, file_len, HVIC_ERR_BAD_VERSION);
    if (file[4] == 1) { /* a version-2 file must carry its channel context */
        f[4] = 2;
        expect("version 2 without ctx.slices", f, file_len, HVIC_ERR_MODEL);
    }
    expect("truncated 19", file, 19, HVIC_ERR_MODEL);
    expect("truncated 100", file, 100, HVIC_ERR_MODEL);
    expect("truncated -1", file, file_len - 1, HVIC_ERR_MODEL);
    expect("empty", file, 0, HVIC_ERR_MODEL);
    memcpy(f, file, file_len);
    f[16] ^= 1;
    expect("crc field", f, file_len, HVIC_ERR_MODEL);
    memcpy(f, file, file_len);
    f[file_len / 2] ^= 0x10;
    expect("flipped frame byte", f, file_len, HVIC_ERR_MODEL);
    memcpy(f, file, file_len);
    put32(f + 8, rd32(f + 8) + 1);
    expect("payload size", f, file_len, HVIC_ERR_MODEL);
    memcpy(f, file, file_len);
    put32(f + 8, 0);
    put32(f + 12, 1); /* > 256 MiB */
    expect("payload too large", f, file_len, HVIC_ERR_MODEL);
    uint8_t *g = malloc(file_len + 8);
    memcpy(g, file, file_len);
    memset(g + file_len, 0, 8);
    expect("trailing bytes", g, file_len + 8, HVIC_ERR_MODEL);
    free(g);

    /* payload-level damage, re-wrapped consistently */
    payload_len = (size_t)ZSTD_getFrameContentSize(file + 20, file_len - 20);
    payload = malloc(payload_len + 64);
    CHECK(ZSTD_decompress(payload, payload_len, file + 20, file_len - 20) == payload_len, "unzstd");
    expect_payload("rewrapped ok", payload, payload_len, HVIC_OK);
    expect_payload("payload short", payload, payload_len - 1, HVIC_ERR_MODEL);
    memcpy(payload + payload_len, "\0\0\0\0", 4);
    expect_payload("payload trailing", payload, payload_len + 4, HVIC_ERR_MODEL);

    uint8_t *p = malloc(payload_len + 64);
    struct {
        const char *tensor, *what;
        int field; /* 0 dtype, 1 ndim, 2 dim0, 3 data0 (int32), 4 name char */
        uint32_t value;
    } cases[] = {
        {"arch", "bad dtype", 0, 9},
        {"arch", "ndim 5", 1, 5},
        {"arch", "dim overflow", 2, 0xffffffffu},
        {"arch", "N out of range", 3, 8},
        {"betas", "wrong shape", 2, 3},
        {"g_a.0.weight", "dtype i32", 0, 2},
        {"h_s.0.shift", "shift 0", 3, 0},
        {"h_s.0.shift", "shift 63", 3, 63},
        {"h_s.4.mult", "mult 0", 3, 0},
        {"h_s.act_max", "act_max 0", 3, 0},
        {"z.size", "z.size 0", 3, 0},
        {"exp2.table", "exp2 table", 3, 12345},
        {"scales.log2_step", "log2_step 0", 3, 0},
        {"gain_y.log2", "huge gain", 3, 0x7fffffff},
        {"model.id", "id charset", 3, 0x2f2f2f2f},
        {"h_a.0.weight", "renamed (missing)", 4, 'x'},
        {"g_s.1.beta", "beta not positive", 3, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t doff = 0, off = tensor_offset(cases[i].tensor, &doff);
        CHECK(off != 0, "tensor %s not found", cases[i].tensor);
        if (!off) continue;
        memcpy(p, payload, payload_len);
        size_t nlen = p[off];
        uint8_t *hdr = p + off + 1 + nlen;
        switch (cases[i].field) {
        case 0: hdr[0] = (uint8_t)cases[i].value; break;
        case 1: hdr[1] = (uint8_t)cases[i].value; break;
        case 2: put32(hdr + 2, cases[i].value); break;
        case 3: put32(p + doff, cases[i].value); break;
        case 4: p[off + 1] = (uint8_t)cases[i].value; break;
        }
        expect_payload(cases[i].what, p, payload_len, HVIC_ERR_MODEL);
    }
    /* duplicate: append a copy of the first tensor and bump the count */
    {
        size_t off1 = tensor_offset("model.id", NULL); /* second tensor */
        memcpy(p, payload, payload_len);
        uint8_t *d = malloc(payload_len + off1);
        memcpy(d, payload, payload_len);
        memcpy(d + payload_len, payload + 4, off1 - 4);
        put32(d, rd32(payload) + 1);
        expect_payload("duplicate", d, payload_len + off1 - 4, HVIC_ERR_MODEL);
        free(d);
    }
    free(p);
    free(f);
    free(payload);
    hvic_free(file);
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    else printf("test_model: all passed\n");
    return failures != 0;
}
