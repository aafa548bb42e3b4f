/* Container v1 (spec/container.md): round trip and rejection of damaged files. */
#include "harness.h"

#include <math.h>
#include <zstd.h>

/* Offsets for the sample's model id "hvic-test_1.0" (L = 13). */
#define L 13
#define OFF_FLAGS 5
#define OFF_HSIZE 6
#define OFF_WIDTH 8
#define OFF_HEIGHT 12
#define OFF_CHANNELS 16
#define OFF_DEPTH 17
#define OFF_IDLEN 18
#define OFF_ID 19
#define OFF_NLAYERS (23 + L)
#define OFF_LAYER0 (24 + L)
#define OFF_COUNT (52 + L)
#define OFF_CHUNK0 (54 + L)

static uint8_t zdata[100], ydata[300], icc[2000], exif[50];
static const char xmp[] = "<x:xmpmeta xmlns:x='adobe:ns:meta/'></x:xmpmeta>";

static void sample(hvic_container *c, int with_meta)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < sizeof zdata; i++) zdata[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof ydata; i++) ydata[i] = (uint8_t)(i * 13 + 5);
    for (size_t i = 0; i < sizeof icc; i++) icc[i] = (uint8_t)(i % 17);
    for (size_t i = 0; i < sizeof exif; i++) exif[i] = (uint8_t)(255 - i);
    c->width = 64;
    c->height = 48;
    c->channels = 3;
    c->bit_depth = 8;
    strcpy(c->model_id, "hvic-test_1.0");
    c->model_digest = 0xDEADBEEFu;
    c->num_layers = 2;
    c->layers[0] = (hvic_layer_info){192, 1, 1, 0.0125f, 4096};
    c->layers[1] = (hvic_layer_info){320, 4, 3, 0.5f, HVIC_GAIN_POS_MAX};
    c->zlat = zdata;
    c->zlat_size = sizeof zdata;
    c->ylat = ydata;
    c->ylat_size = sizeof ydata;
    if (with_meta) {
        c->icc = icc;
        c->icc_size = sizeof icc;
        c->exif = exif;
        c->exif_size = sizeof exif;
        c->xmp = (const uint8_t *)xmp;
        c->xmp_size = strlen(xmp);
    }
}

static uint8_t *write_sample(int with_meta, size_t *len)
{
    hvic_container c;
    sample(&c, with_meta);
    uint8_t *out = NULL;
    if (hvic_container_write(&c, &out, len) != HVIC_OK) {
        fprintf(stderr, "cannot write sample\n");
        exit(2);
    }
    return out;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void fix_crc(uint8_t *buf, size_t len) { put32(buf + len - 4, hvic_crc32(0, buf, len - 4)); }

/* Read buf after recomputing its CRC, expecting `want`. */
static hvic_status read_fixed(uint8_t *buf, size_t len)
{
    fix_crc(buf, len);
    hvic_container c;
    hvic_status st = hvic_container_read(buf, len, &c);
    hvic_container_free(&c);
    return st;
}

/* New file = file with `extra` inserted just before the CRC, chunk count
 * increased by `add_chunks`, CRC recomputed. */
static uint8_t *insert_before_crc(const uint8_t *file, size_t len, const uint8_t *extra,
                                  size_t n, int add_chunks, size_t *out_len)
{
    uint8_t *b = malloc(len + n);
    memcpy(b, file, len - 4);
    memcpy(b + len - 4, extra, n);
    *out_len = len + n;
    uint16_t count = (uint16_t)(b[OFF_COUNT] | (b[OFF_COUNT + 1] << 8));
    put16(b + OFF_COUNT, (uint16_t)(count + add_chunks));
    fix_crc(b, *out_len);
    return b;
}

static void fields_equal(const hvic_container *a, const hvic_container *b)
{
    CHECK(a->flags == b->flags);
    CHECK(a->width == b->width && a->height == b->height);
    CHECK(a->channels == b->channels && a->bit_depth == b->bit_depth);
    CHECK(strcmp(a->model_id, b->model_id) == 0);
    CHECK(a->model_digest == b->model_digest);
    CHECK(a->num_layers == b->num_layers);
    for (int i = 0; i < HVIC_NUM_LAYERS; i++) {
        CHECK(a->layers[i].channels == b->layers[i].channels);
        CHECK(a->layers[i].height == b->layers[i].height);
        CHECK(a->layers[i].width == b->layers[i].width);
        CHECK(memcmp(&a->layers[i].beta, &b->layers[i].beta, sizeof(float)) == 0);
        CHECK(a->layers[i].gain_pos == b->layers[i].gain_pos);
    }
    CHECK(a->zlat_size == b->zlat_size && memcmp(a->zlat, b->zlat, a->zlat_size) == 0);
    CHECK(a->ylat_size == b->ylat_size && memcmp(a->ylat, b->ylat, a->ylat_size) == 0);
    CHECK(a->icc_size == b->icc_size && (!a->icc_size || memcmp(a->icc, b->icc, a->icc_size) == 0));
    CHECK(a->exif_size == b->exif_size &&
          (!a->exif_size || memcmp(a->exif, b->exif, a->exif_size) == 0));
    CHECK(a->xmp_size == b->xmp_size && (!a->xmp_size || memcmp(a->xmp, b->xmp, a->xmp_size) == 0));
}

/* ------------------------------------------------------------------ tests */

static void test_roundtrip(void)
{
    for (int meta = 0; meta <= 1; meta++) {
        hvic_container in, rd, rd2;
        sample(&in, meta);
        uint8_t *f1 = NULL, *f2 = NULL;
        size_t n1 = 0, n2 = 0;
        CHECK_ST(hvic_container_write(&in, &f1, &n1), HVIC_OK);
        CHECK_ST(hvic_container_read(f1, n1, &rd), HVIC_OK);
        fields_equal(&in, &rd);
        CHECK(rd.file_size == n1);
        CHECK(rd.num_chunks == (meta ? 5 : 2));
        CHECK(strcmp(rd.chunks[0].type, "ZLAT") == 0 && rd.chunks[0].size == sizeof zdata);
        CHECK(strcmp(rd.chunks[1].type, "YLAT") == 0 && rd.chunks[1].size == sizeof ydata);
        if (meta) {
            CHECK(strcmp(rd.chunks[2].type, "ICCP") == 0 && rd.chunks[2].size < sizeof icc);
            CHECK(strcmp(rd.chunks[3].type, "EXIF") == 0);
            CHECK(strcmp(rd.chunks[4].type, "XMP_") == 0);
        }
        /* Streams point into the file buffer (documented lifetime). */
        CHECK(rd.zlat >= f1 && rd.zlat + rd.zlat_size <= f1 + n1);
        CHECK_ST(hvic_container_write(&rd, &f2, &n2), HVIC_OK);
        CHECK(n1 == n2 && memcmp(f1, f2, n1) == 0);
        CHECK_ST(hvic_container_read(f2, n2, &rd2), HVIC_OK);
        fields_equal(&rd, &rd2);
        /* Exact size: preamble 8 + header 44+L + count 2 + chunks + crc 4. */
        if (!meta) CHECK(n1 == 8 + 44 + L + 2 + 8 + sizeof zdata + 8 + sizeof ydata + 4);
        hvic_container_free(&rd);
        hvic_container_free(&rd2);
        CHECK(rd.icc == NULL && rd.icc_size == 0);
        hvic_free(f1);
        hvic_free(f2);
    }
}

static void test_layout(void)
{
    size_t n;
    uint8_t *f = write_sample(0, &n);
    CHECK(memcmp(f, "HVIC", 4) == 0);
    CHECK(f[4] == 1 && f[OFF_FLAGS] == 0);
    CHECK(f[OFF_HSIZE] == 44 + L && f[OFF_HSIZE + 1] == 0);
    CHECK(f[OFF_WIDTH] == 64 && f[OFF_HEIGHT] == 48);
    CHECK(f[OFF_CHANNELS] == 3 && f[OFF_DEPTH] == 8 && f[OFF_IDLEN] == L);
    CHECK(memcmp(f + OFF_ID, "hvic-test_1.0", L) == 0);
    CHECK(f[OFF_ID + L] == 0xEF && f[OFF_ID + L + 3] == 0xDE); /* digest LE */
    CHECK(f[OFF_NLAYERS] == 2);
    CHECK(f[OFF_LAYER0] == 192 && f[OFF_LAYER0 + 2] == 1 && f[OFF_LAYER0 + 4] == 1);
    float beta = 0.0125f;
    uint8_t le[4];
    uint32_t u;
    memcpy(&u, &beta, 4);
    put32(le, u);
    CHECK(memcmp(f + OFF_LAYER0 + 6, le, 4) == 0);
    CHECK(f[OFF_LAYER0 + 10] == 0 && f[OFF_LAYER0 + 11] == 0x10); /* 4096 */
    CHECK(f[OFF_COUNT] == 2 && f[OFF_COUNT + 1] == 0);
    CHECK(memcmp(f + OFF_CHUNK0, "ZLAT", 4) == 0 && f[OFF_CHUNK0 + 4] == 100);
    uint32_t crc = hvic_crc32(0, f, n - 4);
    CHECK(f[n - 4] == (crc & 0xFF) && f[n - 1] == (crc >> 24));
    hvic_free(f);
}

static void test_bad_magic(void)
{
    size_t n;
    uint8_t *f = write_sample(0, &n);
    hvic_container c;
    f[0] = 'X';
    CHECK_ST(hvic_container_read(f, n, &c), HVIC_ERR_BAD_MAGIC);
    /* Also with a valid CRC: magic is checked first anyway. */
    CHECK_ST(read_fixed(f, n), HVIC_ERR_BAD_MAGIC);
    const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    CHECK_ST(hvic_container_read(png, 8, &c), HVIC_ERR_BAD_MAGIC);
    CHECK_ST(hvic_container_read((const uint8_t *)"HV", 2, &c), HVIC_ERR_TRUNCATED);
    CHECK_ST(hvic_container_read((const uint8_t *)"HX", 2, &c), HVIC_ERR_BAD_MAGIC);
    hvic_free(f);
}

static void test_bad_version(void)
{
    size_t n;
    uint8_t *f = write_sample(0, &n);
    hvic_container c;
    f[4] = 3; /* 1: the model's files, 2: the pixel coder's (test_pixel) */
    CHECK_ST(hvic_container_read(f, n, &c), HVIC_ERR_BAD_VERSION);
    f[4] = 0;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_BAD_VERSION);
    hvic_free(f);
}

static void test_bad_crc(void)
{
    size_t n;
    uint8_t *f = write_sample(1, &n);
    hvic_container c;
    size_t ylat_payload = OFF_CHUNK0 + 8 + sizeof zdata + 8;
    f[ylat_payload + 17] ^= 0x01; /* a byte inside the YLAT chunk */
    CHECK_ST(hvic_container_read(f, n, &c), HVIC_ERR_CRC);
    f[ylat_payload + 17] ^= 0x01;
    CHECK_ST(hvic_container_read(f, n, &c), HVIC_OK);
    hvic_container_free(&c);
    f[n - 1] ^= 0x80; /* the CRC itself */
    CHECK_ST(hvic_container_read(f, n, &c), HVIC_ERR_CRC);
    hvic_free(f);
}

static void test_every_truncation(void)
{
    for (int meta = 0; meta <= 1; meta++) {
        size_t n;
        uint8_t *f = write_sample(meta, &n);
        int bad = 0;
        for (size_t len = 0; len < n; len++) {
            /* Fresh allocation of exactly len bytes so ASan sees overreads. */
            uint8_t *t = malloc(len ? len : 1);
            memcpy(t, f, len);
            hvic_container c;
            hvic_status st = hvic_container_read(t, len, &c);
            if (st == HVIC_OK || (st != HVIC_ERR_TRUNCATED && st != HVIC_ERR_CRC)) {
                fprintf(stderr, "  length %zu: %s\n", len, hvic_strerror(st));
                bad++;
            }
            if (st == HVIC_OK) hvic_container_free(&c);
            free(t);
        }
        CHECK(bad == 0);
        hvic_free(f);
    }
}

/* A truncated last chunk whose CRC is made valid: the size check fires. */
static void test_truncated_chunk_valid_crc(void)
{
    size_t n;
    uint8_t *f = write_sample(0, &n);
    for (size_t cut = 1; cut <= sizeof ydata + 8; cut++) {
        size_t len = n - cut;
        uint8_t *t = malloc(len);
        memcpy(t, f, len);
        CHECK_ST(read_fixed(t, len), HVIC_ERR_TRUNCATED);
        free(t);
    }
    hvic_free(f);
}

static void test_chunk_size_past_end(void)
{
    size_t n;
    uint8_t *f = write_sample(0, &n);
    size_t ylat_size_off = OFF_CHUNK0 + 8 + sizeof zdata + 4;
    put32(f + ylat_size_off, (uint32_t)sizeof ydata + 1);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TRUNCATED);
    put32(f + ylat_size_off, 0xFFFFFFFFu);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TRUNCATED);
    put32(f + OFF_CHUNK0 + 4, 0xFFFFFFF0u); /* first chunk */
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TRUNCATED);
    hvic_free(f);
}

static void test_absurd_dimensions(void)
{
    size_t n;
    uint8_t *f = write_sample(0, &n);
    put32(f + OFF_WIDTH, 20000);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TOO_LARGE);
    put32(f + OFF_WIDTH, 0xFFFFFFFFu);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TOO_LARGE);
    put32(f + OFF_WIDTH, 16385);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TOO_LARGE);
    put32(f + OFF_WIDTH, 16384);
    CHECK_ST(read_fixed(f, n), HVIC_OK);
    put32(f + OFF_HEIGHT, 1u << 31);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TOO_LARGE);
    put32(f + OFF_HEIGHT, 0);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    put32(f + OFF_HEIGHT, 48);
    put32(f + OFF_WIDTH, 0);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    hvic_free(f);
}

/* Every other header field, each with a valid CRC. */
static void test_bad_fields(void)
{
    size_t n;
    uint8_t *orig = write_sample(0, &n);
    uint8_t *f = malloc(n);
#define RESET() memcpy(f, orig, n)
    RESET(); f[OFF_FLAGS] = 1;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_UNSUPPORTED);
    RESET(); f[OFF_HSIZE] += 1;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); f[OFF_HSIZE] -= 1;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); put16(f + OFF_HSIZE, 0xFFFF);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TRUNCATED);
    RESET(); put16(f + OFF_HSIZE, 3);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); f[OFF_CHANNELS] = 4;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_UNSUPPORTED);
    RESET(); f[OFF_DEPTH] = 16;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_UNSUPPORTED);
    RESET(); f[OFF_IDLEN] = 0;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); f[OFF_IDLEN] = 33;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); f[OFF_IDLEN] = L + 1; /* header_size no longer matches */
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); f[OFF_ID + 3] = ' ';
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); f[OFF_ID] = 0x80;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); f[OFF_NLAYERS] = 3;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); f[OFF_NLAYERS] = 1;
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    for (int layer = 0; layer < 2; layer++) {
        size_t lo = OFF_LAYER0 + 14 * layer;
        for (int field = 0; field < 3; field++) {
            RESET(); put16(f + lo + 2 * field, 0);
            CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
        }
        float bad_beta[3] = {NAN, INFINITY, -1.0f};
        for (int i = 0; i < 3; i++) {
            uint32_t u;
            memcpy(&u, &bad_beta[i], 4);
            RESET(); put32(f + lo + 6, u);
            CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
        }
        RESET(); put32(f + lo + 10, HVIC_GAIN_POS_MAX + 1);
        CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
        RESET(); put32(f + lo + 10, HVIC_GAIN_POS_MAX);
        CHECK_ST(read_fixed(f, n), HVIC_OK);
    }
    RESET(); put16(f + OFF_COUNT, 0);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); put16(f + OFF_COUNT, 1);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT); /* YLAT left over as trailing data */
    RESET(); put16(f + OFF_COUNT, 3);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TRUNCATED);
    RESET(); put16(f + OFF_COUNT, 65535);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_TOO_LARGE);
    size_t ylat = OFF_CHUNK0 + 8 + sizeof zdata;
    RESET(); memcpy(f + ylat, "ZLAT", 4); /* duplicate ZLAT, no YLAT */
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); memcpy(f + ylat, "yLAT", 4); /* YLAT missing (skipped ancillary) */
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); memcpy(f + ylat, "YL T", 4);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
    RESET(); memcpy(f + ylat, "1LAT", 4);
    CHECK_ST(read_fixed(f, n), HVIC_ERR_CORRUPT);
#undef RESET
    free(f);
    hvic_free(orig);
}

static void test_unknown_chunks(void)
{
    size_t n, m;
    uint8_t *f = write_sample(0, &n);
    uint8_t anc[8 + 3] = {'t', 'E', 'S', 't', 3, 0, 0, 0, 1, 2, 3};
    uint8_t *g = insert_before_crc(f, n, anc, sizeof anc, 1, &m);
    hvic_container c;
    CHECK_ST(hvic_container_read(g, m, &c), HVIC_OK);
    CHECK(c.num_chunks == 3 && strcmp(c.chunks[2].type, "tESt") == 0 && c.chunks[2].size == 3);
    CHECK(c.ylat_size == sizeof ydata);
    hvic_container_free(&c);
    free(g);

    uint8_t crit[8 + 3] = {'T', 'E', 'S', 'T', 3, 0, 0, 0, 1, 2, 3};
    g = insert_before_crc(f, n, crit, sizeof crit, 1, &m);
    CHECK_ST(hvic_container_read(g, m, &c), HVIC_ERR_UNSUPPORTED);
    free(g);

    /* Bytes between the last chunk and the CRC. */
    g = insert_before_crc(f, n, anc, sizeof anc, 0, &m);
    CHECK_ST(hvic_container_read(g, m, &c), HVIC_ERR_CORRUPT);
    free(g);
    hvic_free(f);
}

static void test_metadata_chunks(void)
{
    size_t n, m;
    uint8_t *f = write_sample(0, &n);
    hvic_container c;
    uint8_t chunk[64];

    /* Not a zstd frame. */
    memcpy(chunk, "ICCP\x04\x00\x00\x00junk", 12);
    uint8_t *g = insert_before_crc(f, n, chunk, 12, 1, &m);
    CHECK_ST(hvic_container_read(g, m, &c), HVIC_ERR_CORRUPT);
    free(g);

    /* Empty payload. */
    memcpy(chunk, "EXIF\x00\x00\x00\x00", 8);
    g = insert_before_crc(f, n, chunk, 8, 1, &m);
    CHECK_ST(hvic_container_read(g, m, &c), HVIC_ERR_CORRUPT);
    free(g);

    /* Valid frame followed by an extra byte. */
    size_t z = ZSTD_compress(chunk + 8, sizeof chunk - 9, "hello", 5, 3);
    CHECK(!ZSTD_isError(z));
    memcpy(chunk, "XMP_", 4);
    put32(chunk + 4, (uint32_t)z);
    g = insert_before_crc(f, n, chunk, 8 + z, 1, &m);
    CHECK_ST(hvic_container_read(g, m, &c), HVIC_OK);
    CHECK(c.xmp_size == 5 && memcmp(c.xmp, "hello", 5) == 0);
    hvic_container_free(&c);
    free(g);
    chunk[8 + z] = 0;
    put32(chunk + 4, (uint32_t)z + 1);
    g = insert_before_crc(f, n, chunk, 8 + z + 1, 1, &m);
    CHECK_ST(hvic_container_read(g, m, &c), HVIC_ERR_CORRUPT);
    free(g);

    /* Duplicate metadata chunk. */
    put32(chunk + 4, (uint32_t)z);
    uint8_t two[128];
    memcpy(two, chunk, 8 + z);
    memcpy(two + 8 + z, chunk, 8 + z);
    g = insert_before_crc(f, n, two, 2 * (8 + z), 2, &m);
    CHECK_ST(hvic_container_read(g, m, &c), HVIC_ERR_CORRUPT);
    free(g);

    /* Declared content size over 16 MiB: rejected before decompressing. */
    size_t big = (size_t)HVIC_META_MAX + 1;
    uint8_t *zeros = calloc(1, big);
    size_t cap = ZSTD_compressBound(big);
    uint8_t *big_chunk = malloc(8 + cap);
    z = ZSTD_compress(big_chunk + 8, cap, zeros, big, 1);
    CHECK(!ZSTD_isError(z));
    memcpy(big_chunk, "ICCP", 4);
    put32(big_chunk + 4, (uint32_t)z);
    g = insert_before_crc(f, n, big_chunk, 8 + z, 1, &m);
    CHECK_ST(hvic_container_read(g, m, &c), HVIC_ERR_TOO_LARGE);
    free(g);
    free(big_chunk);

    /* The writer refuses it too. */
    hvic_container w;
    sample(&w, 0);
    w.icc = zeros;
    w.icc_size = big;
    uint8_t *out = NULL;
    size_t len = 0;
    CHECK_ST(hvic_container_write(&w, &out, &len), HVIC_ERR_TOO_LARGE);
    CHECK(out == NULL);
    free(zeros);
    hvic_free(f);
}

static void test_writer_rejects(void)
{
    hvic_container c;
    uint8_t *out = NULL;
    size_t len = 0;
    sample(&c, 0);
    CHECK_ST(hvic_container_write(NULL, &out, &len), HVIC_ERR_ARG);
    CHECK_ST(hvic_container_write(&c, NULL, &len), HVIC_ERR_ARG);
    sample(&c, 0); c.width = 0;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); c.height = HVIC_MAX_DIM + 1;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_TOO_LARGE);
    sample(&c, 0); c.model_id[0] = '\0';
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); strcpy(c.model_id, "bad id");
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); memset(c.model_id, 'a', sizeof c.model_id); /* no NUL within 33 */
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); c.num_layers = 1;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); c.layers[1].gain_pos = HVIC_GAIN_POS_MAX + 1;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); c.layers[0].beta = NAN;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); c.layers[0].width = 0;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); c.flags = 1;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); c.channels = 1;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    sample(&c, 0); c.ylat = NULL;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_ERR_ARG);
    CHECK(out == NULL && len == 0);
    /* Longest model id and empty streams are fine. */
    sample(&c, 0);
    memset(c.model_id, 'Z', HVIC_MODEL_ID_MAX);
    c.model_id[HVIC_MODEL_ID_MAX] = '\0';
    c.zlat = NULL;
    c.zlat_size = 0;
    CHECK_ST(hvic_container_write(&c, &out, &len), HVIC_OK);
    hvic_container r;
    CHECK_ST(hvic_container_read(out, len, &r), HVIC_OK);
    CHECK(strlen(r.model_id) == HVIC_MODEL_ID_MAX && r.zlat_size == 0);
    hvic_container_free(&r);
    hvic_free(out);
}

static void test_crc32(void)
{
    /* Standard check value of CRC-32/ISO-HDLC. */
    CHECK(hvic_crc32(0, "123456789", 9) == 0xCBF43926u);
    uint32_t part = hvic_crc32(0, "1234", 4);
    CHECK(hvic_crc32(part, "56789", 5) == 0xCBF43926u);
    CHECK(hvic_crc32(0x1234, NULL, 0) == 0x1234);
}

int main(void)
{
    RUN(test_roundtrip);
    RUN(test_layout);
    RUN(test_bad_magic);
    RUN(test_bad_version);
    RUN(test_bad_crc);
    RUN(test_every_truncation);
    RUN(test_truncated_chunk_valid_crc);
    RUN(test_chunk_size_past_end);
    RUN(test_absurd_dimensions);
    RUN(test_bad_fields);
    RUN(test_unknown_chunks);
    RUN(test_metadata_chunks);
    RUN(test_writer_rejects);
    RUN(test_crc32);
    return test_summary("test_container");
}
