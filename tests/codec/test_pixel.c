/* The pixel coder (codec/pixel, spec/pixel.md) and its files (container
 * version 2): lossless round trips, the max-error bound, the quantiser as
 * the spec defines it, thread and stripe independence, damaged streams,
 * and HVIC_CODER_AUTO against the model alone. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hvic_advanced.h"
#include "imageio.h"
#include "pixel.h"

static hvic_model *model;
static hvic_image screen, photo, tall; /* tall: 3 stripes and a short one, odd width */

/* spec/pixel.md §2, written out again: the level a sample decodes to. */
static int spec_level(int x, int k)
{
    const int t = (255 + 2 * k) / (2 * k + 1);
    int u = 0;
    for (int v = 0; v <= x; v++)
        while (u < t && (255 * (u + 1) + t / 2) / t - v < v - (255 * u + t / 2) / t) u++;
    return (255 * u + t / 2) / t;
}

static hvic_status pixel_file(const hvic_image *im, int k, int threads, uint8_t **out, size_t *len)
{
    hvic_encode_params p;
    hvic_encode_params_default(&p);
    p.coder = HVIC_CODER_PIXEL;
    p.max_error = k;
    p.threads = threads;
    return hvic_encode(NULL, im->rgb, im->width, im->height, im->stride, &p, out, len);
}

static void test_lossless(void)
{
    const hvic_image *ims[] = {&screen, &photo, &tall};
    for (int n = 0; n < 3; n++) {
        uint8_t *f = NULL;
        size_t len = 0;
        CHECK_ST(pixel_file(ims[n], 0, 2, &f, &len), HVIC_OK);
        hvic_image dec;
        CHECK_ST(hvic_decode(NULL, f, len, &dec), HVIC_OK); /* no model needed */
        int same = dec.width == ims[n]->width && dec.height == ims[n]->height;
        for (uint32_t y = 0; same && y < dec.height; y++)
            same = memcmp(dec.rgb + y * dec.stride, ims[n]->rgb + y * ims[n]->stride, 3 * (size_t)dec.width) == 0;
        CHECK(same, "image %d decodes bit-exactly", n);
        CHECK(len * 8.0 / ((double)dec.width * dec.height) < 24.0, "image %d: fewer than 24 bpp", n);
        hvic_file_info fi;
        CHECK(hvic_peek(f, len, &fi) == HVIC_OK && strcmp(fi.model_id, "pixel") == 0 && fi.beta_y == 0,
              "peek reads a version-2 header");
        CHECK(f[4] == HVIC_CONTAINER_VERSION_PIXEL, "container version 2");
        hvic_image_free(&dec);
        hvic_free(f);
    }
}

static void test_max_error(void)
{
    static const int ks[] = {1, 2, 3, 5, 8, 16, 31};
    size_t prev = SIZE_MAX;
    for (size_t n = 0; n < sizeof ks / sizeof *ks; n++) {
        const int k = ks[n];
        int lut[256];
        for (int x = 0; x < 256; x++) lut[x] = spec_level(x, k);
        uint8_t *f = NULL;
        size_t len = 0;
        CHECK_ST(pixel_file(&screen, k, 1, &f, &len), HVIC_OK);
        hvic_image dec;
        CHECK_ST(hvic_decode(model, f, len, &dec), HVIC_OK);
        int worst = 0, as_spec = 1;
        uint64_t sse = 0;
        for (uint32_t y = 0; y < dec.height; y++)
            for (size_t i = 0; i < 3 * (size_t)dec.width; i++) {
                const int x = screen.rgb[y * screen.stride + i], r = dec.rgb[y * dec.stride + i];
                worst = abs(x - r) > worst ? abs(x - r) : worst;
                as_spec &= r == lut[x];
                sse += (uint64_t)((x - r) * (x - r));
            }
        CHECK(worst <= k, "k %d: largest error %d", k, worst);
        CHECK(as_spec, "k %d: every sample decodes to its nearest level (spec §2)", k);
        uint64_t want[HV_PIXEL_MAX_ERROR + 1];
        hv_pixel_sse(screen.rgb, screen.width, screen.height, screen.stride, want);
        CHECK(want[k] == sse && want[0] == 0, "k %d: hv_pixel_sse %llu, decoded %llu", k,
              (unsigned long long)want[k], (unsigned long long)sse);
        CHECK(len < prev, "k %d: %zu bytes, fewer than with a smaller k", k, len);
        prev = len;
        hvic_container c;
        CHECK(hvic_container_read(f, len, &c) == HVIC_OK && c.num_layers == 0 && c.pixl_size > 2 &&
                  c.pixl[0] == k,
              "PIXL chunk with max error %d", k);
        hvic_container_free(&c);
        hvic_image_free(&dec);
        hvic_free(f);
    }
}

static void test_threads_and_sizes(void)
{
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    CHECK_ST(pixel_file(&tall, 2, 1, &a, &na), HVIC_OK);
    CHECK_ST(pixel_file(&tall, 2, 3, &b, &nb), HVIC_OK);
    CHECK(na == nb && memcmp(a, b, na) == 0, "the same bytes on 1 and 3 threads");
    hvic_container c;
    CHECK(hvic_container_read(a, na, &c) == HVIC_OK, "read");
    uint8_t *x = malloc(3 * (size_t)tall.width * tall.height), *y = malloc(3 * (size_t)tall.width * tall.height);
    const size_t st = 3 * (size_t)tall.width;
    CHECK_ST(hv_pixel_decode(c.pixl, c.pixl_size, tall.width, tall.height, 1, x, st), HVIC_OK);
    CHECK_ST(hv_pixel_decode(c.pixl, c.pixl_size, tall.width, tall.height, 4, y, st), HVIC_OK);
    CHECK(memcmp(x, y, st * tall.height) == 0, "the same pixels on 1 and 4 threads");
    hvic_container_free(&c);
    free(x);
    free(y);
    hvic_free(a);
    hvic_free(b);

    /* edge shapes: one pixel, one column, one row */
    static const uint32_t dims[][2] = {{1, 1}, {1, 300}, {300, 1}};
    for (int n = 0; n < 3; n++) {
        const uint32_t w = dims[n][0], h = dims[n][1];
        uint8_t *im = malloc(3 * (size_t)w * h), *out = malloc(3 * (size_t)w * h);
        for (size_t i = 0; i < 3 * (size_t)w * h; i++) im[i] = (uint8_t)(i * 37 + (i >> 3));
        uint8_t *p = NULL;
        size_t np = 0;
        CHECK_ST(hv_pixel_encode(im, w, h, 3 * (size_t)w, 0, 2, 0, &p, &np), HVIC_OK);
        CHECK_ST(hv_pixel_decode(p, np, w, h, 2, out, 3 * (size_t)w), HVIC_OK);
        CHECK(memcmp(im, out, 3 * (size_t)w * h) == 0, "%ux%u lossless", w, h);
        free(p);
        free(im);
        free(out);
    }
}

/* Damaged payloads: an error, never a crash (ASAN builds check the rest). */
static void test_damaged(void)
{
    uint8_t *p = NULL;
    size_t np = 0;
    const uint32_t w = tall.width, h = tall.height;
    const size_t st = 3 * (size_t)w;
    CHECK_ST(hv_pixel_encode(tall.rgb, w, h, tall.stride, 1, 1, 0, &p, &np), HVIC_OK);
    uint8_t *out = malloc(st * (h + 128)), *bad = malloc(np);
    CHECK_ST(hv_pixel_decode(p, np - 1, w, h, 1, out, st), HVIC_ERR_TRUNCATED);
    CHECK_ST(hv_pixel_decode(p, 1, w, h, 1, out, st), HVIC_ERR_TRUNCATED);
    memcpy(bad, p, np);
    bad[0] = HV_PIXEL_MAX_ERROR + 1;
    CHECK_ST(hv_pixel_decode(bad, np, w, h, 1, out, st), HVIC_ERR_CORRUPT);
    bad[0] = p[0];
    bad[1] = 1;
    CHECK_ST(hv_pixel_decode(bad, np, w, h, 1, out, st), HVIC_ERR_CORRUPT);
    /* the payload of an image with fewer stripes leaves bytes over */
    CHECK_ST(hv_pixel_decode(p, np, w, 100, 1, out, st), HVIC_ERR_CORRUPT);
    /* a taller image's stripes do not fit in this payload */
    CHECK_ST(hv_pixel_decode(p, np, w, h + 128, 1, out, st), HVIC_ERR_TRUNCATED);
    int errors = 0;
    for (size_t i = 6; i < np; i += np / 97 + 1) { /* flipped bytes inside the stripe streams */
        memcpy(bad, p, np);
        bad[i] ^= 0x5A;
        errors += hv_pixel_decode(bad, np, w, h, 1, out, st) != HVIC_OK;
    }
    CHECK(errors > 0, "some flipped bytes are detected (%d)", errors);
    free(bad);
    free(out);
    free(p);

    /* a 16384 x 16384 file of a few bytes fails on its stripe table, before the
     * decoder allocates the image (which would take 768 MiB) */
    static const uint8_t head_only[2] = {0, 0};
    hvic_container c = {.width = HVIC_MAX_DIM, .height = HVIC_MAX_DIM, .channels = 3, .bit_depth = 8,
                        .model_id = "pixel", .pixl = head_only, .pixl_size = 2};
    uint8_t *f = NULL;
    size_t len = 0;
    CHECK_ST(hvic_container_write(&c, &f, &len), HVIC_OK);
    hvic_image img;
    CHECK_ST(hvic_decode(NULL, f, len, &img), HVIC_ERR_TRUNCATED);
    uint8_t px[3];
    CHECK_ST(hvic_decode_into(NULL, f, len, NULL, px, sizeof px, 3), HVIC_ERR_TRUNCATED);
    hvic_free(f);
}

/* Version-2 containers: the rules of spec/container.md. */
static void test_container(void)
{
    uint8_t *f = NULL;
    size_t len = 0;
    CHECK_ST(pixel_file(&photo, 3, 1, &f, &len), HVIC_OK);
    hvic_container c;
    CHECK_ST(hvic_container_read(f, len, &c), HVIC_OK);
    uint8_t *g = NULL;
    size_t glen = 0;
    c.zlat_size = 1;
    c.zlat = f;
    CHECK_ST(hvic_container_write(&c, &g, &glen), HVIC_ERR_ARG); /* latents in version 2 */
    c.zlat_size = 0;
    c.pixl_size = 1;
    CHECK_ST(hvic_container_write(&c, &g, &glen), HVIC_ERR_ARG); /* PIXL under 2 bytes */
    hvic_container_free(&c);
    /* version 1 with no layers: corrupt (CRC fixed up so that the header is what fails) */
    uint8_t *v1 = malloc(len);
    memcpy(v1, f, len);
    v1[4] = 1;
    uint32_t crc = hvic_crc32(0, v1, len - 4);
    for (int b = 0; b < 4; b++) v1[len - 4 + b] = (uint8_t)(crc >> (8 * b));
    CHECK_ST(hvic_container_read(v1, len, &c), HVIC_ERR_CORRUPT);
    v1[4] = 3;
    CHECK_ST(hvic_container_read(v1, len, &c), HVIC_ERR_BAD_VERSION);
    free(v1);
    hvic_free(f);
    /* a model file relabelled version 2: two layers are corrupt there */
    hvic_encode_params p;
    hvic_encode_params_default(&p);
    CHECK_ST(hvic_encode(model, photo.rgb, photo.width, photo.height, photo.stride, &p, &f, &len), HVIC_OK);
    f[4] = 2;
    crc = hvic_crc32(0, f, len - 4);
    for (int b = 0; b < 4; b++) f[len - 4 + b] = (uint8_t)(crc >> (8 * b));
    CHECK_ST(hvic_container_read(f, len, &c), HVIC_ERR_CORRUPT);
    hvic_free(f);
    /* the model's decoder needs a model; the pixel coder's does not */
    p.coder = HVIC_CODER_PIXEL;
    p.quality = 50;
    CHECK_ST(hvic_encode(NULL, photo.rgb, photo.width, photo.height, photo.stride, &p, &f, &len), HVIC_OK);
    hvic_free(f);
    p.coder = HVIC_CODER_MODEL;
    CHECK_ST(hvic_encode(NULL, photo.rgb, photo.width, photo.height, photo.stride, &p, &f, &len), HVIC_ERR_ARG);
    p.coder = HVIC_CODER_PIXEL;
    p.beta_y = 40;
    CHECK_ST(hvic_encode(NULL, photo.rgb, photo.width, photo.height, photo.stride, &p, &f, &len), HVIC_ERR_ARG);
    p.beta_y = 0;
    p.max_error = HVIC_PIXEL_MAX_ERROR + 1;
    CHECK_ST(hvic_encode(NULL, photo.rgb, photo.width, photo.height, photo.stride, &p, &f, &len), HVIC_ERR_ARG);
    p.coder = HVIC_CODER_AUTO;
    p.max_error = 0;
    p.target_psnr = 30;
    CHECK_ST(hvic_encode(model, photo.rgb, photo.width, photo.height, photo.stride, &p, &f, &len), HVIC_ERR_ARG);
}

static uint64_t sse_of(const hvic_image *a, const uint8_t *f, size_t len)
{
    hvic_image d;
    if (hvic_decode(model, f, len, &d) != HVIC_OK) return UINT64_MAX;
    uint64_t s = 0;
    for (uint32_t y = 0; y < d.height; y++)
        for (size_t i = 0; i < 3 * (size_t)d.width; i++) {
            const int e = a->rgb[y * a->stride + i] - d.rgb[y * d.stride + i];
            s += (uint64_t)(e * e);
        }
    hvic_image_free(&d);
    return s;
}

/* HVIC_CODER_AUTO: its cost MSE + beta * bpp is no higher than the model's
 * alone; on a screenshot the pixel coder wins on both size and quality, on a
 * photo the model's file is kept. */
static void test_auto(void)
{
    const hvic_image *ims[] = {&screen, &photo};
    for (int n = 0; n < 2; n++) {
        hvic_encode_params p;
        hvic_encode_params_default(&p);
        uint8_t *fm = NULL, *fa = NULL;
        size_t nm = 0, na = 0;
        CHECK_ST(hvic_encode(model, ims[n]->rgb, ims[n]->width, ims[n]->height, ims[n]->stride, &p, &fm, &nm), HVIC_OK);
        p.coder = HVIC_CODER_AUTO;
        CHECK_ST(hvic_encode(model, ims[n]->rgb, ims[n]->width, ims[n]->height, ims[n]->stride, &p, &fa, &na), HVIC_OK);
        const double px = (double)ims[n]->width * ims[n]->height, beta = HVIC_QUALITY_DEFAULT_BETA;
        const uint64_t sa = sse_of(ims[n], fa, na), sm = sse_of(ims[n], fm, nm);
        CHECK(sa / (3 * px) + beta * 8.0 * na / px <= sm / (3 * px) + beta * 8.0 * nm / px,
              "image %d: auto costs no more than the model", n);
        if (n == 0) CHECK(fa[4] == HVIC_CONTAINER_VERSION_PIXEL && na < nm * 3 / 4 && sa < sm,
                          "screenshot: the pixel coder wins clearly (%zu vs %zu bytes)", na, nm);
        else CHECK(na == nm && memcmp(fa, fm, nm) == 0, "photo: the model's file, unchanged");
        hvic_free(fm);
        hvic_free(fa);
    }
    uint64_t hash;
    uint8_t *f = NULL;
    size_t len = 0;
    CHECK_ST(pixel_file(&photo, 0, 1, &f, &len), HVIC_OK);
    CHECK_ST(hvic_decode_latents_hash(model, f, len, &hash), HVIC_ERR_UNSUPPORTED);
    hvic_free(f);
}

int main(void)
{
    REQUIRE(hvic_model_load(HVIC_TEST_MODEL, &model) == HVIC_OK);
    REQUIRE(hvic_image_read_file(HVIC_TESTIMAGES_DIR "/screen/node_fs.png", 0, &screen, NULL) == HVIC_OK);
    REQUIRE(hvic_image_read_file(HVIC_TESTIMAGES_DIR "/train_crop_256x192.png", 0, &photo, NULL) == HVIC_OK);
    /* 203 x 420 from the screenshot: stripes of 128, 128, 128, 36 rows */
    REQUIRE(hvic_image_alloc(&tall, 203, 420) == HVIC_OK);
    for (uint32_t y = 0; y < tall.height; y++)
        memcpy(tall.rgb + y * tall.stride, screen.rgb + (y % screen.height) * screen.stride + 3 * 100, 3 * 203);
    RUN(test_lossless);
    RUN(test_max_error);
    RUN(test_threads_and_sizes);
    RUN(test_damaged);
    RUN(test_container);
    RUN(test_auto);
    hvic_image_free(&screen);
    hvic_image_free(&photo);
    hvic_image_free(&tall);
    hvic_model_free(model);
    return test_summary("test_pixel");
}
