/* g_s in bf16 (codec/synthesis/gs_bf16.c) on each kernel this CPU has, AMX tiles
 * and AVX512-BF16 vectors, against the float path (Winograd + OpenBLAS,
 * conv_wino.c / conv_direct.c) on the same latents.
 *
 * For two test images and a wide synthetic one (widths whose layers are
 * and are not multiples of the 32-pixel blocks), at qualities 10, 50 and
 * 95 and in default bands: no decoded sample may differ by more than 2,
 * and the PSNR against the source by 0.01 dB or more (the decoder's budget
 * against the Python reference, issue "Codec"). Also the same bytes on 1
 * and 2 threads, and from bands of 1 y row. Prints the largest differences.
 * Skipped (exit 77) where the CPU has neither (or the OS grants no AMX
 * state and the CPU lacks AVX512-BF16). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "harness.h"
#include "hvic.h"
#include "model.h"
#include "analysis.h"
#include "synthesis.h"
#include "imageio.h"

/* PSNR of the n bytes b against a (dB; infinite when equal). */
static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++) se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return se ? 10 * log10(255.0 * 255.0 / (se / n)) : INFINITY;
}

static double worst_dps;
static int worst_diff;

static void check_image(const char *kernel, const hvic_model *amx, const hvic_model *flt, const hvic_image *img,
                        const char *name)
{
    const size_t bytes = (size_t)img->width * img->height * 3, stride = 3 * (size_t)img->width;
    uint8_t *a = malloc(bytes), *f = malloc(bytes), *o = malloc(bytes);
    CHECK(a && f && o, "out of memory");
    for (int qi = 0; a && f && o && qi < 3; qi++) {
        static const int quality[3] = {10, 50, 95};
        const uint32_t pos = hvic_beta_to_gain_pos(amx, hvic_quality_to_beta(amx, quality[qi]));
        hv_latents L;
        hvic_status st = hv_analyse(amx, img->rgb, img->width, img->height, img->stride, pos, pos,
                                    2, 0, &L);
        CHECK(st == HVIC_OK, "%s: analyse: %s", name, hvic_strerror(st));
        if (st != HVIC_OK) continue;
        hvic_status sa = hv_synthesise(amx, L.q, L.mu_q8, L.yh, L.yw, pos, img->width,
                                       img->height, 0, 2, a, stride);
        hvic_status sf = hv_synthesise(flt, L.q, L.mu_q8, L.yh, L.yw, pos, img->width,
                                       img->height, 0, 2, f, stride);
        CHECK(sa == HVIC_OK && sf == HVIC_OK, "%s: synthesise: %s / %s", name,
              hvic_strerror(sa), hvic_strerror(sf));
        int md = 0;
        for (size_t i = 0; i < bytes; i++) {
            int d = abs((int)a[i] - (int)f[i]);
            md = d > md ? d : md;
        }
        /* the image is packed (stride 3 * width) like a and f */
        const double pa = psnr(img->rgb, a, bytes), pf = psnr(img->rgb, f, bytes);
        CHECK(md <= 2 && fabs(pa - pf) < 0.01,
              "%s %s q %d: vs float: samples differ by up to %d, PSNR %.4f vs %.4f dB", kernel,
              name, quality[qi], md, pa, pf);
        printf("%s %s q %2d: PSNR %.4f dB, float %.4f dB; samples differ by up to %d\n", kernel,
               name, quality[qi], pa, pf, md);
        worst_diff = md > worst_diff ? md : worst_diff;
        worst_dps = fabs(pa - pf) > worst_dps ? fabs(pa - pf) : worst_dps;
        /* thread count and band height leave the bf16 bytes unchanged */
        sa = hv_synthesise(amx, L.q, L.mu_q8, L.yh, L.yw, pos, img->width, img->height, 0, 1, o,
                           stride);
        CHECK(sa == HVIC_OK && memcmp(a, o, bytes) == 0, "%s %s q %d: 1 and 2 threads differ",
              kernel, name, quality[qi]);
        sa = hv_synthesise(amx, L.q, L.mu_q8, L.yh, L.yw, pos, img->width, img->height, 1, 2, o,
                           stride);
        CHECK(sa == HVIC_OK && memcmp(a, o, bytes) == 0,
              "%s %s q %d: bands of 1 y row differ from the default bands", kernel, name,
              quality[qi]);
        hv_latents_free(&L);
    }
    free(a);
    free(f);
    free(o);
}

static void check_images(const char *kernel, const hvic_model *bf, const hvic_model *flt)
{
    static const char *files[] = {"train_crop_256x192.png", "rd_seeding_203x185.png"};
    for (int i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", HVIC_TESTIMAGES_DIR, files[i]);
        hvic_image img;
        hvic_status st = hvic_image_read_file(path, 0, &img, NULL);
        CHECK(st == HVIC_OK, "%s: %s", path, hvic_strerror(st));
        if (st != HVIC_OK) continue;
        check_image(kernel, bf, flt, &img, files[i]);
        hvic_image_free(&img);
    }
    hvic_image wide; /* 1536 x 40: a smooth pattern with noise */
    hvic_status st = hvic_image_alloc(&wide, 1536, 40);
    CHECK(st == HVIC_OK, "alloc");
    if (st != HVIC_OK) return;
    uint32_t s = 1u;
    for (uint32_t y = 0; y < wide.height; y++)
        for (uint32_t x = 0; x < 3 * wide.width; x++) {
            s = s * 1664525u + 1013904223u;
            double v = 128 + 80 * sin(x / 37.0 + y / 11.0) + (double)(s >> 28) - 8;
            wide.rgb[y * wide.stride + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    check_image(kernel, bf, flt, &wide, "wide 1536x40");
    hvic_image_free(&wide);
}

int main(void)
{
    openblas_set_num_threads(1); /* as the hvic tool */
    hvic_model *m;
    hvic_status st = hvic_model_load(HVIC_TEST_MODEL, &m);
    CHECK(st == HVIC_OK, "model: %s", hvic_strerror(st));
    if (st != HVIC_OK) return 1;
    CHECK_ST(hv_model_prepare(m, HV_PREP_ALL), HVIC_OK); /* before the copies */
    hvic_model flt = *m; /* the same model on the float path */
    CHECK_ST(hvic_model_set_kernels(&flt, &(hvic_kernels){.synthesis = "float"}), HVIC_OK);
    int tested = 0;
    static const char *kernels[] = {"amx-bf16", "avx512-bf16"};
    for (int k = 0; k < 2; k++) {
        hvic_model bf = *m;
        if (hvic_model_set_kernels(&bf, &(hvic_kernels){.synthesis = kernels[k]}) != HVIC_OK) {
            printf("%s: not on this CPU\n", kernels[k]);
            continue;
        }
        tested++;
        check_images(kernels[k], &bf, &flt);
    }
    if (!tested) {
        printf("SKIP: g_s runs in bf16 only on CPUs with AMX or AVX512-BF16\n");
        hvic_model_free(m);
        return 77;
    }
    hvic_model_free(m);
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    else printf("test_gs_bf16: all passed (largest sample difference %d, PSNR %.4f dB)\n",
                worst_diff, worst_dps);
    return failures != 0;
}
