/* PSNR / MS-SSIM unit checks, and the distorted-image dump that
 * check_metrics.py compares against tools/train/metrics.py.
 *
 *   test_metrics                       unit checks
 *   test_metrics --dump DIR IMG.png..  write distorted versions of each image
 *                                      to DIR and DIR/metrics.tsv with lines
 *                                      "REF\tDIST\tPSNR\tMSSSIM" (%.17g) */
#include "harness.h"
#include "jpeg_rd.h"
#include "imageio.h"

#include <math.h>

static void fill_pattern(hvic_image *img, uint32_t seed)
{
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++)
            for (int c = 0; c < 3; c++) {
                uint32_t v = (x * 7 + y * 13 + c * 50 + seed) ^ (x * y);
                img->rgb[y * img->stride + 3 * x + c] = (uint8_t)(v % 251);
            }
}

static void copy_image(hvic_image *dst, const hvic_image *src)
{
    if (hvic_image_alloc(dst, src->width, src->height) != HVIC_OK) exit(2);
    for (uint32_t y = 0; y < src->height; y++)
        memcpy(dst->rgb + y * dst->stride, src->rgb + y * src->stride, 3 * (size_t)src->width);
}

static void test_identical(void)
{
    hvic_image a = {0};
    CHECK_ST(hvic_image_alloc(&a, 200, 190), HVIC_OK);
    fill_pattern(&a, 1);
    double p = 0, m = 0, mse = -1;
    CHECK_ST(hvic_mse(&a, &a, &mse), HVIC_OK);
    CHECK(mse == 0.0);
    CHECK_ST(hvic_psnr(&a, &a, &p), HVIC_OK);
    CHECK(isinf(p) && p > 0);
    CHECK_ST(hvic_ms_ssim(&a, &a, &m), HVIC_OK);
    CHECK(m == 1.0);
    CHECK(isinf(hvic_ms_ssim_db(m)));
    hvic_image_free(&a);
}

static void test_known_psnr(void)
{
    hvic_image a = {0}, b = {0};
    CHECK_ST(hvic_image_alloc(&a, 17, 9), HVIC_OK);
    fill_pattern(&a, 3);
    copy_image(&b, &a);
    for (size_t i = 0; i < 3 * 17 * 9; i++) b.rgb[i] = (uint8_t)(a.rgb[i] ^ 1); /* |d| = 1 */
    double p = 0, mse = 0;
    CHECK_ST(hvic_mse(&a, &b, &mse), HVIC_OK);
    CHECK(mse == 1.0);
    CHECK_ST(hvic_psnr(&a, &b, &p), HVIC_OK);
    CHECK(fabs(p - 20 * log10(255.0)) < 1e-12);
    /* one channel off by 3 everywhere, others equal: MSE = 9 / 3 = 3 */
    for (size_t i = 0; i < 3 * 17 * 9; i++) b.rgb[i] = a.rgb[i];
    for (size_t i = 0; i < 17 * 9; i++) b.rgb[3 * i + 1] = (uint8_t)(a.rgb[3 * i + 1] < 128 ? a.rgb[3 * i + 1] + 3 : a.rgb[3 * i + 1] - 3);
    CHECK_ST(hvic_mse(&a, &b, &mse), HVIC_OK);
    CHECK(mse == 3.0);
    CHECK_ST(hvic_psnr(&a, &b, &p), HVIC_OK);
    CHECK(fabs(p - 10 * log10(255.0 * 255.0 / 3.0)) < 1e-12);
    hvic_image_free(&a);
    hvic_image_free(&b);
}

static void test_errors(void)
{
    hvic_image a = {0}, b = {0}, c = {0};
    double v;
    CHECK_ST(hvic_image_alloc(&a, HVIC_MS_SSIM_MIN_DIM, HVIC_MS_SSIM_MIN_DIM), HVIC_OK);
    CHECK_ST(hvic_image_alloc(&b, HVIC_MS_SSIM_MIN_DIM - 1, HVIC_MS_SSIM_MIN_DIM), HVIC_OK);
    CHECK_ST(hvic_image_alloc(&c, HVIC_MS_SSIM_MIN_DIM - 1, HVIC_MS_SSIM_MIN_DIM), HVIC_OK);
    fill_pattern(&a, 0);
    fill_pattern(&b, 0);
    fill_pattern(&c, 9);
    CHECK_ST(hvic_ms_ssim(&a, &a, &v), HVIC_OK);        /* smallest accepted */
    CHECK_ST(hvic_ms_ssim(&b, &c, &v), HVIC_ERR_ARG);   /* one side too small */
    CHECK_ST(hvic_psnr(&b, &c, &v), HVIC_OK);           /* PSNR has no minimum */
    CHECK_ST(hvic_psnr(&a, &b, &v), HVIC_ERR_ARG);      /* size mismatch */
    CHECK_ST(hvic_ms_ssim(&a, &b, &v), HVIC_ERR_ARG);
    CHECK_ST(hvic_psnr(NULL, &b, &v), HVIC_ERR_ARG);
    CHECK_ST(hvic_psnr(&a, &a, NULL), HVIC_ERR_ARG);
    CHECK_ST(hvic_ms_ssim(&a, NULL, &v), HVIC_ERR_ARG);
    hvic_image_free(&a);
    hvic_image_free(&b);
    hvic_image_free(&c);
}

/* Padded stride must give the same numbers as a packed image. */
static void test_stride(void)
{
    hvic_image a = {0}, b = {0};
    CHECK_ST(hvic_image_alloc(&a, 180, 181), HVIC_OK);
    fill_pattern(&a, 4);
    copy_image(&b, &a);
    for (size_t i = 0; i < 3 * 180 * 181; i += 7) b.rgb[i] = (uint8_t)(b.rgb[i] / 2);
    hvic_image pa = a, pb = b;
    pa.stride = pb.stride = 3 * 180 + 5;
    pa.rgb = calloc(pa.stride * 181, 1);
    pb.rgb = calloc(pb.stride * 181, 1);
    if (!pa.rgb || !pb.rgb) exit(2);
    for (uint32_t y = 0; y < 181; y++) {
        memcpy(pa.rgb + y * pa.stride, a.rgb + y * a.stride, 3 * 180);
        memcpy(pb.rgb + y * pb.stride, b.rgb + y * b.stride, 3 * 180);
    }
    double p1, p2, m1, m2;
    CHECK_ST(hvic_psnr(&a, &b, &p1), HVIC_OK);
    CHECK_ST(hvic_psnr(&pa, &pb, &p2), HVIC_OK);
    CHECK_ST(hvic_ms_ssim(&a, &b, &m1), HVIC_OK);
    CHECK_ST(hvic_ms_ssim(&pa, &pb, &m2), HVIC_OK);
    CHECK(p1 == p2 && m1 == m2);
    CHECK(m1 > 0 && m1 < 1);
    free(pa.rgb);
    free(pb.rgb);
    hvic_image_free(&a);
    hvic_image_free(&b);
}

/* ------------------------------------------------------------ dump mode */

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static uint8_t clamp8(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Uniform noise in [-amp, amp], fixed seed. */
static void add_noise(hvic_image *img, int amp, uint32_t seed)
{
    for (uint32_t y = 0; y < img->height; y++)
        for (size_t i = 0; i < 3 * (size_t)img->width; i++) {
            uint8_t *p = img->rgb + y * img->stride + i;
            *p = clamp8(*p + (int)(lcg(&seed) % (uint32_t)(2 * amp + 1)) - amp);
        }
}

/* (2r+1)^2 box blur, edges clamped. */
static void box_blur(hvic_image *dst, const hvic_image *src, int r)
{
    int w = (int)src->width, h = (int)src->height, n = (2 * r + 1) * (2 * r + 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                int s = 0;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++) {
                        int yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
                        int xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
                        s += src->rgb[(size_t)yy * src->stride + 3 * (size_t)xx + c];
                    }
                dst->rgb[(size_t)y * dst->stride + 3 * (size_t)x + c] = (uint8_t)((s + n / 2) / n);
            }
}

static int dump_one(FILE *tsv, const char *dir, const char *ref_path, const char *stem,
                    const char *name, const hvic_image *ref, const hvic_image *dist)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s_%s.png", dir, stem, name);
    double p, m;
    if (hvic_image_write_png_file(dist, path) != HVIC_OK ||
        hvic_psnr(ref, dist, &p) != HVIC_OK || hvic_ms_ssim(ref, dist, &m) != HVIC_OK) {
        fprintf(stderr, "test_metrics: %s: failed\n", path);
        return 1;
    }
    fprintf(tsv, "%s\t%s\t%.17g\t%.17g\n", ref_path, path, p, m);
    return 0;
}

static int dump(const char *dir, int n, char **images)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    FILE *tsv = fopen(path, "w");
    if (!tsv) return 2;
    int bad = 0;
    for (int k = 0; k < n; k++) {
        hvic_image ref = {0}, d = {0};
        if (hvic_image_read_file(images[k], 0, &ref, NULL) != HVIC_OK) return 2;
        char stem[64];
        snprintf(stem, sizeof stem, "img%d", k);

        bad |= dump_one(tsv, dir, images[k], stem, "same", &ref, &ref);
        static const int amps[] = {2, 8, 24, 96};
        for (int i = 0; i < 4; i++) {
            char name[32];
            copy_image(&d, &ref);
            add_noise(&d, amps[i], 1234u + (uint32_t)i);
            snprintf(name, sizeof name, "noise%d", amps[i]);
            bad |= dump_one(tsv, dir, images[k], stem, name, &ref, &d);
            hvic_image_free(&d);
        }
        for (int r = 1; r <= 3; r += 2) {
            char name[32];
            copy_image(&d, &ref);
            box_blur(&d, &ref, r);
            snprintf(name, sizeof name, "blur%d", r);
            bad |= dump_one(tsv, dir, images[k], stem, name, &ref, &d);
            hvic_image_free(&d);
        }
        static const int qs[] = {5, 30, 75, 95};
        for (int i = 0; i < 4; i++)
            for (int ss = 0; ss < 2; ss++) {
                char name[32];
                size_t bytes;
                uint8_t *jpg = NULL;
                size_t jlen = 0;
                if (rd_jpeg_roundtrip(&ref, qs[i], (rd_jpeg_subsampling)ss, &bytes, &d) != HVIC_OK ||
                    rd_jpeg_encode(&ref, qs[i], (rd_jpeg_subsampling)ss, &jpg, &jlen) != HVIC_OK ||
                    jlen != bytes) {
                    bad = 1;
                    continue;
                }
                snprintf(name, sizeof name, "jpeg%s_q%d", ss ? "444" : "420", qs[i]);
                snprintf(path, sizeof path, "%s/%s_%s.jpg", dir, stem, name);
                if (hvic_file_write(path, jpg, jlen) != HVIC_OK) bad = 1;
                hvic_free(jpg);
                bad |= dump_one(tsv, dir, images[k], stem, name, &ref, &d);
                hvic_image_free(&d);
            }
        /* Inverted: negative covariance, exercises the relu. Shifted by 3
         * pixels: low but positive structure. */
        copy_image(&d, &ref);
        for (uint32_t y = 0; y < d.height; y++)
            for (size_t i = 0; i < 3 * (size_t)d.width; i++) d.rgb[y * d.stride + i] ^= 0xFF;
        bad |= dump_one(tsv, dir, images[k], stem, "inverted", &ref, &d);
        for (uint32_t y = 0; y < d.height; y++)
            for (uint32_t x = 0; x < d.width; x++)
                memcpy(d.rgb + y * d.stride + 3 * x,
                       ref.rgb + y * ref.stride + 3 * (size_t)((x + 3) % d.width), 3);
        bad |= dump_one(tsv, dir, images[k], stem, "shift3", &ref, &d);
        hvic_image_free(&d);
        hvic_image_free(&ref);
    }
    if (fclose(tsv) != 0) return 2;
    return bad;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--dump") == 0) return dump(argv[2], argc - 3, argv + 3);
    RUN(test_identical);
    RUN(test_known_psnr);
    RUN(test_errors);
    RUN(test_stride);
    return test_summary("test_metrics");
}
