/* Banded g_a / g_s (codec/analysis/analysis.c, codec/synthesis/synthesis.c) against the whole-image computation.
 *
 * - hv_analyse in bands of 1 y row (with 1 thread) and of 5 y rows (3
 *   threads; bands that end inside z rows, the last one shorter) gives the
 *   latents hash of one whole-image band (HV_BAND_WHOLE), for images whose
 *   heights (333, 1 pixels) are no multiple of 64; also with the default
 *   height (one band of the 1-pixel-high image);
 * - hv_synthesise with the same band heights gives the pixels of one
 *   whole-image band, up to the rounding of OpenBLAS kernels whose sgemm
 *   results depend on the matrix sizes (e.g. OPENBLAS_CORETYPE=Haswell;
 *   SkylakeX gives identical bytes): no pixel may differ by more than 1 and
 *   the PSNR against the source by 0.001 dB or more. Prints how many
 *   samples differ;
 * - the same for bands of 3 rows of a 1536x100 image, wide enough that the
 *   convolutions of conv_det.c and conv_wino.c also split their buffers into row chunks (g_a.2's
 *   stride phases, g_s.6's padded input), at other rows in each band;
 * - hv_synthesise with its default bands (two for the 333-pixel-high
 *   image) gives the same bytes on 1 and 2 threads (OpenBLAS
 *   single-threaded, as the hvic tool runs it);
 * - hv_band_rows: one band for Kodak-sized images, at least 4 rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "harness.h"
#include "hvic.h"
#include "hyper.h"
#include "model.h"
#include "analysis.h"
#include "synthesis.h"

/* A smooth colour pattern with some deterministic noise. */
static void make_image(hvic_image *img, uint32_t w, uint32_t h)
{
    uint32_t s = 12345u;
    hvic_image_alloc(img, w, h);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                s = s * 1664525u + 1013904223u;
                double v = 128 + 90 * sin(x / (5.0 + 3 * c) + y / (9.0 - 2 * c)) +
                           (double)(s >> 27) - 16;
                img->rgb[y * img->stride + 3 * x + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
}

static uint64_t hash_of(const hv_latents *L)
{
    return hv_latents_hash(L->zhat, (size_t)L->N * L->zh * L->zw, L->q,
                           (size_t)L->M * L->yh * L->yw);
}

/* PSNR of the n bytes b against a (dB; infinite when equal). */
static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++) se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return se ? 10 * log10(255.0 * 255.0 / (se / n)) : INFINITY;
}

/* Largest absolute difference of the n bytes of a and b; *count: how many
 * differ. */
static int max_diff(const uint8_t *a, const uint8_t *b, size_t n, size_t *count)
{
    int md = 0;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)a[i] - (int)b[i]);
        md = d > md ? d : md;
        *count += d != 0;
    }
    return md;
}

/* Banded analysis and synthesis of img, in bands of each of the nb heights
 * (y rows) of bands[], against one whole-image band. */
static void check_image(const hvic_model *m, const hvic_image *img, const char *name,
                        const int *bands, size_t nb)
{
    const uint32_t pos = hvic_beta_to_gain_pos(m, hvic_quality_to_beta(m, 75));
    const size_t bytes = (size_t)img->width * img->height * 3;
    hv_latents whole;
    hvic_status st = hv_analyse(m, img->rgb, img->width, img->height, img->stride, pos, pos, 2,
                                HV_BAND_WHOLE, &whole);
    CHECK(st == HVIC_OK, "%s: analyse: %s", name, hvic_strerror(st));
    if (st != HVIC_OK) return;
    const uint64_t h_whole = hash_of(&whole);
    uint8_t *ref = malloc(bytes), *out = malloc(bytes);
    st = hv_synthesise(m, whole.q, whole.mu_q8, whole.yh, whole.yw, pos, img->width, img->height,
                       HV_BAND_WHOLE, 1, ref, 3 * (size_t)img->width);
    CHECK(st == HVIC_OK, "%s: synthesise: %s", name, hvic_strerror(st));
    /* the image is packed (stride 3 * width) like ref and out */
    const double ps_whole = psnr(img->rgb, ref, bytes);
    size_t differ = 0;
    for (size_t i = 0; i < nb; i++) {
        const int threads = i % 2 ? 3 : 1;
        hv_latents L;
        st = hv_analyse(m, img->rgb, img->width, img->height, img->stride, pos, pos, threads,
                        bands[i], &L);
        CHECK(st == HVIC_OK && hash_of(&L) == h_whole,
              "%s: bands of %d y rows, %d thread(s): latents %016llx, whole image %016llx", name,
              bands[i], threads, st == HVIC_OK ? (unsigned long long)hash_of(&L) : 0ull,
              (unsigned long long)h_whole);
        if (st == HVIC_OK) hv_latents_free(&L);
        st = hv_synthesise(m, whole.q, whole.mu_q8, whole.yh, whole.yw, pos, img->width,
                           img->height, bands[i], threads, out, 3 * (size_t)img->width);
        size_t n = 0;
        const int md = st == HVIC_OK ? max_diff(ref, out, bytes, &n) : 256;
        const double dps = psnr(img->rgb, out, bytes) - ps_whole;
        CHECK(md <= 1 && fabs(dps) < 0.001,
              "%s: synthesis in bands of %d y rows: %zu samples differ, by up to %d; PSNR "
              "changes by %.6f dB",
              name, bands[i], n, md, dps);
        differ += n;
    }
    /* the default bands (at least two here) on 1 and 2 threads: same bytes */
    st = hv_synthesise(m, whole.q, whole.mu_q8, whole.yh, whole.yw, pos, img->width, img->height,
                       0, 1, ref, 3 * (size_t)img->width);
    hvic_status st2 = hv_synthesise(m, whole.q, whole.mu_q8, whole.yh, whole.yw, pos, img->width,
                                    img->height, 0, 2, out, 3 * (size_t)img->width);
    CHECK(st == HVIC_OK && st2 == HVIC_OK && memcmp(ref, out, bytes) == 0,
          "%s: default bands (%d y rows) on 1 and 2 threads differ", name,
          hv_synth_band_rows(m, img->width, img->height));
    printf("%s (%ux%u, %d y rows): latents %016llx in all bands; banded synthesis: %zu samples "
           "differ by 1 over %zu band heights\n",
           name, img->width, img->height, whole.yh, (unsigned long long)h_whole, differ, nb);
    free(ref);
    free(out);
    hv_latents_free(&whole);
}

int main(void)
{
    openblas_set_num_threads(1); /* as the hvic tool: the decoder's own threads then run */
    hvic_model *m;
    hvic_status st = hvic_model_load(HVIC_TEST_MODEL, &m);
    CHECK(st == HVIC_OK, "model: %s", hvic_strerror(st));
    if (st != HVIC_OK) return 1;

    const int kodak = hv_band_rows(m, 768);
    printf("band rows: width 768 -> %d, 6000 -> %d, 16384 -> %d\n", kodak, hv_band_rows(m, 6000),
           hv_band_rows(m, 16384));
    CHECK(kodak >= 32, "768x512 should be one band (%d y rows per band)", kodak);
    CHECK(hv_band_rows(m, 16384) >= 4, "at least 4 rows per band");

    const int bands[] = {1, 5}, one[] = {1, 0}, three = 3;
    hvic_image img;
    make_image(&img, 64, 333);
    check_image(m, &img, "synthetic", bands, 2);
    hvic_image_free(&img);
    make_image(&img, 40, 1);
    check_image(m, &img, "one row", one, 2);
    hvic_image_free(&img);
    make_image(&img, 1536, 100);
    check_image(m, &img, "wide", &three, 1);
    hvic_image_free(&img);

    hvic_model_free(m);
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    else printf("test_bands: all passed\n");
    return failures != 0;
}
