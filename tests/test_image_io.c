/* Image I/O: PNG/JPEG reading over the fixtures in testimages/ (made by
 * tools/make_fixtures.py; pixel values mirrored here), rejection of damaged
 * and oversized inputs, PNG write/read round trip, metadata (ICC, Exif,
 * XMP) read from PNG and JPEG and written to PNG. */
#define _POSIX_C_SOURCE 200809L /* dup, dup2 for the stdin/stdout test */
#include "harness.h"
#include "imageio.h"

#include <unistd.h>
#include <zlib.h>

#ifndef HVIC_TESTIMAGES_DIR
#error "HVIC_TESTIMAGES_DIR must be defined"
#endif
#ifndef HVIC_TEST_TMPDIR
#define HVIC_TEST_TMPDIR "."
#endif

static const char *fx(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", HVIC_TESTIMAGES_DIR, name);
    return path;
}

static hvic_status read_fx(const char *name, unsigned flags, hvic_image *img,
                           hvic_read_info *info)
{
    return hvic_image_read_file(fx(name), flags, img, info);
}

static const uint8_t *px(const hvic_image *img, uint32_t x, uint32_t y)
{
    return img->rgb + (size_t)y * img->stride + 3 * (size_t)x;
}

static int px_is(const hvic_image *img, uint32_t x, uint32_t y, int r, int g, int b)
{
    const uint8_t *p = px(img, x, y);
    if (p[0] == r && p[1] == g && p[2] == b) return 1;
    fprintf(stderr, "  pixel (%u,%u) = (%d,%d,%d), want (%d,%d,%d)\n", x, y, p[0], p[1], p[2],
            r, g, b);
    return 0;
}

static int px_near(const hvic_image *img, uint32_t x, uint32_t y, int r, int g, int b, int tol)
{
    const uint8_t *p = px(img, x, y);
    if (abs(p[0] - r) <= tol && abs(p[1] - g) <= tol && abs(p[2] - b) <= tol) return 1;
    fprintf(stderr, "  pixel (%u,%u) = (%d,%d,%d), want (%d,%d,%d) +-%d\n", x, y, p[0], p[1],
            p[2], r, g, b, tol);
    return 0;
}

static int reduce16(unsigned v) { return (int)((v * 255u + 32767u) / 65535u); }

/* Expect an error and an empty image. */
static void expect_fail(const char *name, unsigned flags, hvic_status want)
{
    hvic_image img;
    hvic_status st = read_fx(name, flags, &img, NULL);
    if (st != want)
        fprintf(stderr, "  %s: got %s, want %s\n", name, hvic_strerror(st), hvic_strerror(want));
    CHECK(st == want);
    CHECK(img.rgb == NULL && img.width == 0 && img.height == 0);
}

/* ---------------------------------------------------------------- PNG */

static void test_png_gray8(void)
{
    hvic_image img;
    hvic_read_info info;
    CHECK_ST(read_fx("gray8.png", 0, &img, &info), HVIC_OK);
    CHECK(img.width == 4 && img.height == 2 && img.stride == 12);
    CHECK(info.format == HVIC_FORMAT_PNG && info.source_bit_depth == 8);
    CHECK(info.source_channels == 1 && !info.reduced_16bit && !info.dropped_alpha);
    const int v[8] = {0, 1, 127, 128, 200, 254, 255, 64};
    for (int i = 0; i < 8; i++) CHECK(px_is(&img, i % 4, i / 4, v[i], v[i], v[i]));
    hvic_image_free(&img);
    CHECK(img.rgb == NULL);
}

static void test_png_gray1(void)
{
    hvic_image img;
    CHECK_ST(read_fx("gray1.png", 0, &img, NULL), HVIC_OK);
    CHECK(img.width == 8 && img.height == 1);
    const int bits[8] = {1, 0, 1, 1, 0, 0, 0, 1};
    for (int i = 0; i < 8; i++) CHECK(px_is(&img, i, 0, bits[i] * 255, bits[i] * 255, bits[i] * 255));
    hvic_image_free(&img);
}

/* All 65536 16-bit values: reduction must be (v*255 + 32767) / 65535. */
static void test_png_gray16_all_values(void)
{
    hvic_image img;
    hvic_read_info info;
    CHECK_ST(read_fx("gray16_all.png", 0, &img, &info), HVIC_OK);
    CHECK(img.width == 256 && img.height == 256);
    CHECK(info.reduced_16bit == 1 && info.source_bit_depth == 16);
    int bad = 0;
    for (uint32_t y = 0; y < 256 && img.rgb; y++)
        for (uint32_t x = 0; x < 256; x++) {
            int want = reduce16(y * 256 + x);
            const uint8_t *p = px(&img, x, y);
            if (p[0] != want || p[1] != want || p[2] != want) {
                if (bad++ < 5) fprintf(stderr, "  v=%u -> %d, want %d\n", y * 256 + x, p[0], want);
            }
        }
    CHECK(bad == 0);
    /* A few known values, written out. */
    CHECK(reduce16(128) == 0 && reduce16(129) == 1 && reduce16(32767) == 127);
    CHECK(reduce16(32768) == 128 && reduce16(65535) == 255);
    hvic_image_free(&img);
}

static void test_png_rgb8(void)
{
    hvic_image img;
    hvic_read_info info;
    CHECK_ST(read_fx("rgb8.png", 0, &img, &info), HVIC_OK);
    CHECK(img.width == 3 && img.height == 2 && info.source_channels == 3);
    CHECK(px_is(&img, 0, 0, 255, 0, 0) && px_is(&img, 1, 0, 0, 255, 0));
    CHECK(px_is(&img, 2, 0, 0, 0, 255) && px_is(&img, 0, 1, 10, 20, 30));
    CHECK(px_is(&img, 1, 1, 128, 128, 128) && px_is(&img, 2, 1, 250, 251, 252));
    hvic_image_free(&img);
}

static void test_png_rgb16(void)
{
    hvic_image img;
    hvic_read_info info;
    CHECK_ST(read_fx("rgb16.png", 0, &img, &info), HVIC_OK);
    CHECK(info.reduced_16bit == 1);
    CHECK(px_is(&img, 0, 0, reduce16(0), reduce16(65535), reduce16(32768)));
    CHECK(px_is(&img, 1, 0, reduce16(129), reduce16(128), reduce16(65407)));
    CHECK(px_is(&img, 2, 0, reduce16(2570), reduce16(51528), reduce16(1000)));
    /* The same, spelled out: 0,255,128 / 1,0,255 / 10,200,4 */
    CHECK(px_is(&img, 0, 0, 0, 255, 128) && px_is(&img, 1, 0, 1, 0, 255));
    CHECK(px_is(&img, 2, 0, 10, 200, 4));
    hvic_image_free(&img);
}

static void test_png_palette(void)
{
    hvic_image img;
    CHECK_ST(read_fx("palette.png", 0, &img, NULL), HVIC_OK);
    CHECK(img.width == 4 && img.height == 1);
    CHECK(px_is(&img, 0, 0, 7, 8, 9) && px_is(&img, 1, 0, 0, 0, 255));
    CHECK(px_is(&img, 2, 0, 0, 255, 0) && px_is(&img, 3, 0, 255, 0, 0));
    hvic_image_free(&img);
}

static void test_png_alpha_rejected(void)
{
    expect_fail("palette_trns.png", 0, HVIC_ERR_UNSUPPORTED);
    expect_fail("rgba.png", 0, HVIC_ERR_UNSUPPORTED);
    expect_fail("gray_alpha.png", 0, HVIC_ERR_UNSUPPORTED);
    expect_fail("rgb_trns.png", 0, HVIC_ERR_UNSUPPORTED);
}

static void test_png_drop_alpha(void)
{
    hvic_image img;
    hvic_read_info info;
    CHECK_ST(read_fx("rgba.png", HVIC_READ_DROP_ALPHA, &img, &info), HVIC_OK);
    CHECK(info.dropped_alpha == 1 && info.source_channels == 4);
    CHECK(img.width == 2 && px_is(&img, 0, 0, 1, 2, 3) && px_is(&img, 1, 0, 4, 5, 6));
    hvic_image_free(&img);

    CHECK_ST(read_fx("palette_trns.png", HVIC_READ_DROP_ALPHA, &img, &info), HVIC_OK);
    CHECK(info.dropped_alpha == 1);
    CHECK(px_is(&img, 0, 0, 7, 8, 9) && px_is(&img, 3, 0, 255, 0, 0));
    hvic_image_free(&img);

    CHECK_ST(read_fx("gray_alpha.png", HVIC_READ_DROP_ALPHA, &img, &info), HVIC_OK);
    CHECK(px_is(&img, 0, 0, 10, 10, 10) && px_is(&img, 1, 0, 200, 200, 200));
    hvic_image_free(&img);

    CHECK_ST(read_fx("rgb_trns.png", HVIC_READ_DROP_ALPHA, &img, &info), HVIC_OK);
    CHECK(px_is(&img, 0, 0, 1, 2, 3) && px_is(&img, 1, 0, 4, 5, 6));
    hvic_image_free(&img);

    /* No alpha: flag is harmless and not reported. */
    CHECK_ST(read_fx("rgb8.png", HVIC_READ_DROP_ALPHA, &img, &info), HVIC_OK);
    CHECK(info.dropped_alpha == 0);
    hvic_image_free(&img);
}

static void test_png_interlaced(void)
{
    hvic_image img;
    CHECK_ST(read_fx("rgb8_interlaced.png", 0, &img, NULL), HVIC_OK);
    CHECK(img.width == 9 && img.height == 7);
    int bad = 0;
    for (uint32_t y = 0; y < 7 && img.rgb; y++)
        for (uint32_t x = 0; x < 9; x++)
            bad += !px_is(&img, x, y, x * 20 + 5, y * 30 + 7, (x + y) * 10);
    CHECK(bad == 0);
    hvic_image_free(&img);
}

static void test_png_damaged(void)
{
    expect_fail("corrupt_crc.png", 0, HVIC_ERR_CORRUPT);
    expect_fail("garbage.png", 0, HVIC_ERR_CORRUPT);
    expect_fail("truncated.png", 0, HVIC_ERR_TRUNCATED);
}

/* Every prefix of a valid PNG is an error, never a crash or a partial image. */
static void test_png_every_truncation(void)
{
    size_t n;
    uint8_t *f = slurp(fx("rgb8_interlaced.png"), &n);
    int bad = 0;
    for (size_t len = 0; len < n; len++) {
        uint8_t *t = malloc(len ? len : 1);
        memcpy(t, f, len);
        hvic_image img;
        hvic_status st = hvic_image_read_memory(t, len, 0, &img, NULL);
        hvic_status want = len < 8 ? HVIC_ERR_FORMAT : HVIC_ERR_TRUNCATED;
        if (st != want) {
            fprintf(stderr, "  length %zu: %s\n", len, hvic_strerror(st));
            bad++;
        }
        hvic_image_free(&img);
        free(t);
    }
    CHECK(bad == 0);
    hvic_free(f);
}

static void make_ihdr_png(uint8_t out[45], uint32_t w, uint32_t h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(out, sig, 8);
    const uint8_t ihdr[8 + 13] = {0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                  (uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w,
                                  (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h,
                                  8, 2, 0, 0, 0};
    memcpy(out + 8, ihdr, sizeof ihdr);
    uint32_t crc = (uint32_t)crc32(0, ihdr + 4, 17);
    uint8_t c[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8), (uint8_t)crc};
    memcpy(out + 29, c, 4);
    const uint8_t iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    memcpy(out + 33, iend, 12);
}

static void test_png_dimensions(void)
{
    expect_fail("huge.png", 0, HVIC_ERR_TOO_LARGE); /* 20000 x 20000 */
    uint8_t b[45];
    hvic_image img;
    make_ihdr_png(b, 0x7FFFFFFF, 1);
    CHECK_ST(hvic_image_read_memory(b, sizeof b, 0, &img, NULL), HVIC_ERR_TOO_LARGE);
    make_ihdr_png(b, 1, HVIC_MAX_DIM + 1);
    CHECK_ST(hvic_image_read_memory(b, sizeof b, 0, &img, NULL), HVIC_ERR_TOO_LARGE);
    make_ihdr_png(b, 0, 10);
    CHECK_ST(hvic_image_read_memory(b, sizeof b, 0, &img, NULL), HVIC_ERR_CORRUPT);
    make_ihdr_png(b, 10, 0);
    CHECK_ST(hvic_image_read_memory(b, sizeof b, 0, &img, NULL), HVIC_ERR_CORRUPT);
    /* Within limits but no IDAT: reaches libpng and fails there. */
    make_ihdr_png(b, 10, 10);
    CHECK_ST(hvic_image_read_memory(b, sizeof b, 0, &img, NULL), HVIC_ERR_CORRUPT);
    CHECK(img.rgb == NULL);

    /* Exactly the limit is accepted. */
    hvic_image wide;
    CHECK_ST(hvic_image_alloc(&wide, HVIC_MAX_DIM, 1), HVIC_OK);
    memset(wide.rgb, 77, wide.stride);
    uint8_t *png = NULL;
    size_t len = 0;
    CHECK_ST(hvic_image_write_png_memory(&wide, &png, &len), HVIC_OK);
    CHECK_ST(hvic_image_read_memory(png, len, 0, &img, NULL), HVIC_OK);
    CHECK(img.width == HVIC_MAX_DIM && img.height == 1 && img.rgb && img.rgb[3 * 9999 + 1] == 77);
    hvic_image_free(&img);
    hvic_free(png);
    hvic_image_free(&wide);
}

/* ---------------------------------------------------------------- JPEG */

static void test_jpeg_gray(void)
{
    hvic_image img;
    hvic_read_info info;
    CHECK_ST(read_fx("gray.jpg", 0, &img, &info), HVIC_OK);
    CHECK(info.format == HVIC_FORMAT_JPEG && info.source_channels == 1);
    CHECK(img.width == 16 && img.height == 8);
    int bad = 0;
    for (uint32_t y = 0; y < 8 && img.rgb; y++)
        for (uint32_t x = 0; x < 16; x++) {
            int v = x < 8 ? 60 : 200;
            const uint8_t *p = px(&img, x, y);
            bad += !(p[0] == p[1] && p[1] == p[2]) || !px_near(&img, x, y, v, v, v, 3);
        }
    CHECK(bad == 0);
    hvic_image_free(&img);
}

static void test_jpeg_rgb(void)
{
    hvic_image img;
    hvic_read_info info;
    CHECK_ST(read_fx("rgb.jpg", 0, &img, &info), HVIC_OK);
    CHECK(info.source_channels == 3 && info.source_bit_depth == 8);
    CHECK(img.width == 16 && img.height == 8 && img.stride == 48);
    int bad = 0;
    for (uint32_t y = 0; y < 8 && img.rgb; y++)
        for (uint32_t x = 0; x < 16; x++)
            bad += x < 8 ? !px_near(&img, x, y, 200, 30, 40, 4) : !px_near(&img, x, y, 20, 180, 90, 4);
    CHECK(bad == 0);
    hvic_image_free(&img);
}

static void test_jpeg_rejected(void)
{
    expect_fail("cmyk.jpg", 0, HVIC_ERR_UNSUPPORTED);
    expect_fail("truncated.jpg", 0, HVIC_ERR_TRUNCATED);

    size_t n;
    uint8_t *f = slurp(fx("rgb.jpg"), &n);
    hvic_image img;
    /* Missing only the EOI marker: still truncated, not silently padded. */
    CHECK_ST(hvic_image_read_memory(f, n - 2, 0, &img, NULL), HVIC_ERR_TRUNCATED);
    /* Every prefix fails. */
    int bad = 0;
    for (size_t len = 0; len < n; len++) {
        uint8_t *t = malloc(len ? len : 1);
        memcpy(t, f, len);
        hvic_status st = hvic_image_read_memory(t, len, 0, &img, NULL);
        if (st == HVIC_OK || img.rgb != NULL) bad++;
        if (len >= 3 && st != HVIC_ERR_TRUNCATED) {
            fprintf(stderr, "  length %zu: %s\n", len, hvic_strerror(st));
            bad++;
        }
        hvic_image_free(&img);
        free(t);
    }
    CHECK(bad == 0);

    /* Garbage after SOI. */
    uint8_t junk[64] = {0xFF, 0xD8, 0xFF, 0x01};
    for (int i = 4; i < 64; i++) junk[i] = (uint8_t)(i * 31);
    CHECK_ST(hvic_image_read_memory(junk, sizeof junk, 0, &img, NULL), HVIC_ERR_CORRUPT);

    /* SOF claiming 20000 pixels wide: rejected before decoding. */
    uint8_t *g = malloc(n);
    memcpy(g, f, n);
    size_t sof = 0;
    for (size_t i = 2; i + 9 < n; i++)
        if (g[i] == 0xFF && g[i + 1] == 0xC0) {
            sof = i;
            break;
        }
    CHECK(sof != 0);
    if (sof) {
        g[sof + 7] = 20000 >> 8; /* FF C0 len(2) precision(1) height(2) width(2) */
        g[sof + 8] = 20000 & 0xFF;
        CHECK_ST(hvic_image_read_memory(g, n, 0, &img, NULL), HVIC_ERR_TOO_LARGE);
        g[sof + 7] = 0;
        g[sof + 8] = 0; /* zero width */
        hvic_status st = hvic_image_read_memory(g, n, 0, &img, NULL);
        CHECK(st == HVIC_ERR_CORRUPT);
    }
    free(g);
    hvic_free(f);
}

/* ---------------------------------------------------------------- misc */

static void test_unknown_format(void)
{
    expect_fail("unknown.bin", 0, HVIC_ERR_FORMAT);
    hvic_image img;
    CHECK_ST(hvic_image_read_memory((const uint8_t *)"", 0, 0, &img, NULL), HVIC_ERR_FORMAT);
    CHECK_ST(hvic_image_read_memory((const uint8_t *)"HVIC\x01", 5, 0, &img, NULL), HVIC_ERR_FORMAT);
    CHECK(hvic_image_detect((const uint8_t *)"\xFF\xD8\xFF", 3) == HVIC_FORMAT_JPEG);
    CHECK(hvic_image_detect((const uint8_t *)"\xFF\xD8", 2) == HVIC_FORMAT_UNKNOWN);
    /* Detection ignores names: a JPEG called .png still reads as JPEG. */
    size_t n;
    uint8_t *f = slurp(fx("gray.jpg"), &n);
    char path[4096];
    snprintf(path, sizeof path, "%s/jpeg_named.png", HVIC_TEST_TMPDIR);
    CHECK_ST(hvic_file_write(path, f, n), HVIC_OK);
    hvic_read_info info;
    CHECK_ST(hvic_image_read_file(path, 0, &img, &info), HVIC_OK);
    CHECK(info.format == HVIC_FORMAT_JPEG);
    hvic_image_free(&img);
    remove(path);
    hvic_free(f);
}

static void test_bad_arguments(void)
{
    hvic_image img;
    CHECK_ST(hvic_image_read_file(fx("does-not-exist.png"), 0, &img, NULL), HVIC_ERR_IO);
    CHECK_ST(hvic_image_read_file(NULL, 0, &img, NULL), HVIC_ERR_ARG);
    CHECK_ST(hvic_image_read_file(fx("rgb8.png"), 0x100, &img, NULL), HVIC_ERR_ARG);
    CHECK_ST(hvic_image_read_memory(NULL, 5, 0, &img, NULL), HVIC_ERR_ARG);
    CHECK_ST(hvic_image_alloc(&img, 0, 5), HVIC_ERR_TOO_LARGE);
    CHECK_ST(hvic_image_alloc(&img, 5, HVIC_MAX_DIM + 1), HVIC_ERR_TOO_LARGE);
    CHECK(img.rgb == NULL);
    hvic_image_free(NULL);
}

/* ---------------------------------------------------------------- PNG write */

static void test_png_write_roundtrip(void)
{
    /* 37x23 with a padded stride: rows are read at stride, written tight. */
    hvic_image src = {.width = 37, .height = 23, .stride = 37 * 3 + 5};
    src.rgb = malloc(src.stride * src.height);
    uint32_t s = 12345;
    for (size_t i = 0; i < src.stride * src.height; i++) {
        s = s * 1103515245u + 12345u;
        src.rgb[i] = (uint8_t)(s >> 16);
    }
    uint8_t *png = NULL;
    size_t len = 0;
    CHECK_ST(hvic_image_write_png_memory(&src, &png, &len), HVIC_OK);
    CHECK(len > 8 && hvic_image_detect(png, len) == HVIC_FORMAT_PNG);
    hvic_image back;
    hvic_read_info info;
    CHECK_ST(hvic_image_read_memory(png, len, 0, &back, &info), HVIC_OK);
    CHECK(back.width == 37 && back.height == 23 && back.stride == 37 * 3);
    CHECK(info.source_bit_depth == 8 && info.source_channels == 3);
    int diff = 0;
    for (uint32_t y = 0; y < 23 && back.rgb; y++)
        diff += memcmp(back.rgb + y * back.stride, src.rgb + y * src.stride, 37 * 3) != 0;
    CHECK(diff == 0);

    /* Through a file as well. */
    char path[4096];
    snprintf(path, sizeof path, "%s/roundtrip.png", HVIC_TEST_TMPDIR);
    CHECK_ST(hvic_image_write_png_file(&back, path), HVIC_OK);
    hvic_image again;
    CHECK_ST(hvic_image_read_file(path, 0, &again, NULL), HVIC_OK);
    CHECK(again.width == 37 && again.height == 23 && again.rgb &&
          memcmp(again.rgb, back.rgb, back.stride * back.height) == 0);
    remove(path);
    hvic_image_free(&again);
    hvic_image_free(&back);
    hvic_free(png);

    /* Invalid images are refused. */
    src.stride = 37 * 3 - 1;
    CHECK_ST(hvic_image_write_png_memory(&src, &png, &len), HVIC_ERR_ARG);
    CHECK(png == NULL);
    src.stride = 37 * 3;
    src.width = 0;
    CHECK_ST(hvic_image_write_png_memory(&src, &png, &len), HVIC_ERR_ARG);
    CHECK_ST(hvic_image_write_png_file(&src, "/nonexistent-dir/x.png"), HVIC_ERR_ARG);
    src.width = 37;
    CHECK_ST(hvic_image_write_png_file(&src, "/nonexistent-dir/x.png"), HVIC_ERR_IO);
    free(src.rgb);
}

/* "-" means standard input for reading and standard output for writing. */
/* ---------------------------------------------------------------- metadata */

/* As in tools/make_fixtures.py. */
static const uint8_t EXIF_TIFF[14] = {'M', 'M', 0, 0x2a, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0};
static const char XMP_PACKET[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>";
#define ICC_SIZE 588 /* Little CMS's sRGB profile */

/* The fixtures' Exif and XMP, and an RGB ICC profile of ICC_SIZE bytes. */
static int has_fixture_meta(const hvic_metadata *m)
{
    return m->icc && m->icc_size == ICC_SIZE && memcmp(m->icc + 16, "RGB ", 4) == 0 &&
           memcmp(m->icc + 36, "acsp", 4) == 0 && m->exif &&
           m->exif_size == sizeof EXIF_TIFF && memcmp(m->exif, EXIF_TIFF, sizeof EXIF_TIFF) == 0 &&
           m->xmp && m->xmp_size == strlen(XMP_PACKET) &&
           memcmp(m->xmp, XMP_PACKET, m->xmp_size) == 0;
}

static int same_meta(const hvic_metadata *a, const hvic_metadata *b)
{
    return a->icc_size == b->icc_size && a->exif_size == b->exif_size &&
           a->xmp_size == b->xmp_size &&
           (!a->icc_size || memcmp(a->icc, b->icc, a->icc_size) == 0) &&
           (!a->exif_size || memcmp(a->exif, b->exif, a->exif_size) == 0) &&
           (!a->xmp_size || memcmp(a->xmp, b->xmp, a->xmp_size) == 0);
}

static void test_metadata_read(void)
{
    hvic_image png, jpg, plain;
    hvic_read_info info;
    /* PNG: iCCP and iTXt before IDAT, eXIf after it */
    CHECK_ST(read_fx("meta.png", 0, &png, &info), HVIC_OK);
    CHECK(has_fixture_meta(&png.meta) && !info.dropped_icc);
    CHECK(png.width == 4 && png.height == 2 && px_is(&png, 3, 1, 168, 176, 184));
    /* JPEG: APP1 Exif, APP1 XMP, APP2 ICC_PROFILE; the same profile */
    CHECK_ST(read_fx("meta.jpg", 0, &jpg, &info), HVIC_OK);
    CHECK(has_fixture_meta(&jpg.meta) && !info.dropped_icc);
    CHECK(same_meta(&png.meta, &jpg.meta));
    /* a gray ICC profile does not describe RGB samples: left out, noted */
    hvic_image gray;
    CHECK_ST(read_fx("gray_icc.jpg", 0, &gray, &info), HVIC_OK);
    CHECK(info.dropped_icc == 1 && !gray.meta.icc && gray.meta.icc_size == 0);
    CHECK(gray.meta.exif_size == sizeof EXIF_TIFF && gray.meta.xmp_size == strlen(XMP_PACKET));
    /* files without metadata */
    CHECK_ST(read_fx("rgb8.png", 0, &plain, &info), HVIC_OK);
    CHECK(!plain.meta.icc && !plain.meta.exif && !plain.meta.xmp && !info.dropped_icc);
    hvic_image_free(&plain);
    CHECK_ST(read_fx("rgb.jpg", 0, &plain, NULL), HVIC_OK);
    CHECK(!plain.meta.icc && !plain.meta.exif && !plain.meta.xmp);
    hvic_image_free(&plain);
    hvic_image_free(&gray);
    hvic_image_free(&png);
    hvic_image_free(&jpg);
}

/* Every strict prefix of a file with metadata fails cleanly (ASan checks
 * that nothing leaks or is read out of bounds). */
static void test_metadata_truncated(void)
{
    const char *names[] = {"meta.png", "meta.jpg"};
    for (int f = 0; f < 2; f++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        CHECK_ST(hvic_file_read(fx(names[f]), &buf, &len), HVIC_OK);
        int ok = 0;
        for (size_t cut = 0; cut < len; cut++) {
            hvic_image img;
            ok += hvic_image_read_memory(buf, cut, 0, &img, NULL) == HVIC_OK;
            CHECK(img.rgb == NULL && img.meta.icc == NULL && img.meta.exif == NULL &&
                  img.meta.xmp == NULL);
        }
        if (ok) fprintf(stderr, "  %s: %d truncations accepted\n", names[f], ok);
        CHECK(ok == 0);
        free(buf);
    }
}

static void test_metadata_png_write(void)
{
    hvic_image src, back;
    CHECK_ST(read_fx("meta.jpg", 0, &src, NULL), HVIC_OK);
    uint8_t *png = NULL;
    size_t len = 0;
    CHECK_ST(hvic_image_write_png_memory(&src, &png, &len), HVIC_OK);
    CHECK_ST(hvic_image_read_memory(png, len, 0, &back, NULL), HVIC_OK);
    CHECK(has_fixture_meta(&back.meta) && same_meta(&src.meta, &back.meta));
    CHECK(back.rgb && memcmp(back.rgb, src.rgb, src.stride * src.height) == 0);
    hvic_image_free(&back);
    hvic_free(png);

    /* A malformed ICC profile and a non-TIFF Exif block are left out; the
     * PNG is still written, with the XMP. */
    uint8_t junk[200];
    memset(junk, 0x5a, sizeof junk);
    hvic_metadata keep = src.meta;
    src.meta.icc = junk;
    src.meta.icc_size = sizeof junk;
    src.meta.exif = junk;
    src.meta.exif_size = 20;
    CHECK_ST(hvic_image_write_png_memory(&src, &png, &len), HVIC_OK);
    CHECK_ST(hvic_image_read_memory(png, len, 0, &back, NULL), HVIC_OK);
    CHECK(!back.meta.icc && !back.meta.exif && back.meta.xmp_size == strlen(XMP_PACKET));
    hvic_image_free(&back);
    hvic_free(png);

    /* inconsistent or oversized items are argument errors */
    src.meta.icc = NULL;
    src.meta.icc_size = 10;
    CHECK_ST(hvic_image_write_png_memory(&src, &png, &len), HVIC_ERR_ARG);
    src.meta.icc = junk;
    src.meta.icc_size = (size_t)HVIC_META_MAX + 1;
    CHECK_ST(hvic_image_write_png_memory(&src, &png, &len), HVIC_ERR_TOO_LARGE);
    src.meta = keep;
    hvic_image_free(&src);
}

static void test_stdin_stdout(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/stdout.png", HVIC_TEST_TMPDIR);
    hvic_image img;
    CHECK_ST(read_fx("rgb8.png", 0, &img, NULL), HVIC_OK);

    /* Write to stdout, redirected to a file. */
    fflush(stdout);
    int saved_out = dup(1);
    CHECK(freopen(path, "wb", stdout) != NULL);
    hvic_status st = hvic_image_write_png_file(&img, "-");
    fflush(stdout);
    dup2(saved_out, 1);
    close(saved_out);
    clearerr(stdout);
    CHECK_ST(st, HVIC_OK);

    /* Read it back from stdin. */
    int saved_in = dup(0);
    CHECK(freopen(path, "rb", stdin) != NULL);
    hvic_image back;
    hvic_read_info info;
    st = hvic_image_read_file("-", 0, &back, &info);
    dup2(saved_in, 0);
    close(saved_in);
    clearerr(stdin);
    CHECK_ST(st, HVIC_OK);
    CHECK(info.format == HVIC_FORMAT_PNG);
    CHECK(back.width == 3 && back.height == 2 && back.rgb &&
          memcmp(back.rgb, img.rgb, img.stride * img.height) == 0);
    hvic_image_free(&back);
    hvic_image_free(&img);
    remove(path);
}

int main(void)
{
    RUN(test_png_gray8);
    RUN(test_png_gray1);
    RUN(test_png_gray16_all_values);
    RUN(test_png_rgb8);
    RUN(test_png_rgb16);
    RUN(test_png_palette);
    RUN(test_png_alpha_rejected);
    RUN(test_png_drop_alpha);
    RUN(test_png_interlaced);
    RUN(test_png_damaged);
    RUN(test_png_every_truncation);
    RUN(test_png_dimensions);
    RUN(test_jpeg_gray);
    RUN(test_jpeg_rgb);
    RUN(test_jpeg_rejected);
    RUN(test_unknown_format);
    RUN(test_bad_arguments);
    RUN(test_png_write_roundtrip);
    RUN(test_metadata_read);
    RUN(test_metadata_truncated);
    RUN(test_metadata_png_write);
    RUN(test_stdin_stdout);
    return test_summary("test_image_io");
}
