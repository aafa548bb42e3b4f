/* Codec benchmark (not a test).
 *
 *   bench_codec [--model FILE] [--images DIR] [-q Q] [--threads N] [--limit K]
 *               [--big WxH]
 *
 * For every *.png in DIR (default ../shared/data/kodak next to the source
 * tree), or the first K: encode and decode through the public API, plus the
 * decoder's synthesis transform g_s and the integer h_s alone. Prints
 * per-image rate/PSNR/times, then medians, megapixels per second, peak RSS,
 * threads, the OpenBLAS core and the kernels in use (as the hvic tool, from
 * HVIC_KERNEL, HVIC_GS_KERNEL, HVIC_HS_KERNEL when set). Threads:
 * --threads for the encoder and the decoder (0 = one per CPU); like the hvic
 * tool, OpenBLAS runs single-threaded unless OPENBLAS_NUM_THREADS is set
 * (then the decoder leaves the parallelism to OpenBLAS). BLAS threads come
 * from OPENBLAS_NUM_THREADS.
 *
 * --big WxH then encodes and decodes a W x H image made by mirror-tiling
 * the first image (e.g. --big 6000x4000, 24 megapixels) and prints the
 * times and the peak RSS of the encode and of the decode, each measured
 * from a reset of the high-water mark (Linux /proc/self/clear_refs) and
 * including what the process holds already (model, images). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "hvic_advanced.h"
#include "hyper.h"
#include "model.h"
#include "parallel.h"
#include "analysis.h"
#include "synthesis.h"
#include "imageio.h"
#include "cli_util.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Peak resident set size so far, MiB. */
static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* Current resident set size, MiB (0 if unknown). */
static double rss_mib(void)
{
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%*s %ld", &pages) != 1) pages = 0;
    if (f) fclose(f);
    return pages * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

/* Resets the peak RSS to the current RSS; 0 where that is not possible. */
static int reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return 0;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* Mean squared error of two images of the same size, over all samples. */
static double mse(const hvic_image *a, const hvic_image *b)
{
    double se = 0;
    for (uint32_t y = 0; y < a->height; y++)
        for (size_t x = 0; x < 3 * (size_t)a->width; x++) {
            double d = (double)a->rgb[y * a->stride + x] - b->rgb[y * b->stride + x];
            se += d * d;
        }
    return se / (3.0 * a->width * a->height);
}

/* v reflected into 0 .. n-1: 0, 1, .., n-1, n-1, .., 1, 0, 0, 1, .. */
static uint32_t mirror(uint32_t v, uint32_t n)
{
    v %= 2 * n;
    return v < n ? v : 2 * n - 1 - v;
}

/* Encodes and decodes a w x h image mirror-tiled from src; prints rate,
 * PSNR, times and the peak RSS of each step. Returns 0 on success. */
static int bench_big(const hvic_model *m, const hvic_image *src, uint32_t w, uint32_t h,
                     const hvic_encode_params *p)
{
    hvic_image img, rec;
    if (hvic_image_alloc(&img, w, h) != HVIC_OK) return 1;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            memcpy(img.rgb + y * img.stride + 3 * x,
                   src->rgb + mirror(y, src->height) * src->stride + 3 * mirror(x, src->width), 3);
    uint8_t *buf;
    size_t len;
    const double base = rss_mib();
    const int reset = reset_peak_rss();
    double t0 = now();
    hvic_status st = hvic_encode(m, img.rgb, w, h, img.stride, p, &buf, &len);
    const double t_enc = now() - t0, peak_enc = peak_rss_mib();
    if (st != HVIC_OK) {
        fprintf(stderr, "bench_codec: encode %ux%u: %s\n", w, h, hvic_strerror(st));
        return 1;
    }
    reset_peak_rss();
    t0 = now();
    hvic_decode_params dp;
    hvic_decode_params_default(&dp);
    dp.threads = p->threads;
    st = hvic_decode_with(m, buf, len, &dp, &rec);
    const double t_dec = now() - t0, peak_dec = peak_rss_mib();
    if (st != HVIC_OK) {
        fprintf(stderr, "bench_codec: decode %ux%u: %s\n", w, h, hvic_strerror(st));
        return 1;
    }
    const double px = (double)w * h;
    printf("%ux%u (%.1f MP, y rows per band: analysis %d, synthesis %d): %zu bytes, %.4f bpp, "
           "PSNR %.3f dB\n",
           w, h, px / 1e6, hv_band_rows(m, w), hv_synth_band_rows(m, w, h), len, len * 8.0 / px,
           10 * log10(255.0 * 255.0 / mse(&img, &rec)));
    printf("  encode %.2f s (%.2f MP/s), decode %.2f s (%.2f MP/s)\n", t_enc, px / 1e6 / t_enc,
           t_dec, px / 1e6 / t_dec);
    printf("  peak RSS%s: encode %.0f MiB, decode %.0f MiB (the process held %.0f MiB before: "
           "model, %.0f MiB source image)\n",
           reset ? "" : " (cumulative: no /proc/self/clear_refs)", peak_enc, peak_dec, base,
           px * 3 / 1048576.0);
    hvic_free(buf);
    hvic_image_free(&img);
    hvic_image_free(&rec);
    return 0;
}

static int is_png(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && strcmp(e->d_name + n - 4, ".png") == 0;
}

int main(int argc, char **argv)
{
    const char *model_path = HVIC_TEST_MODEL, *dir = HVIC_TESTIMAGES_DIR "/../../shared/data/kodak";
    int quality = HVIC_QUALITY_DEFAULT, threads = 0, limit = 0;
    unsigned big_w = 0, big_h = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) model_path = argv[++i];
        else if (strcmp(argv[i], "--images") == 0 && i + 1 < argc) dir = argv[++i];
        else if (strcmp(argv[i], "-q") == 0 && i + 1 < argc) quality = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) limit = atoi(argv[++i]);
        else if (strcmp(argv[i], "--big") == 0 && i + 1 < argc &&
                 sscanf(argv[++i], "%ux%u", &big_w, &big_h) == 2 && big_w && big_h)
            continue;
        else {
            fprintf(stderr, "usage: bench_codec [--model FILE] [--images DIR] [-q Q] [--threads N] "
                            "[--limit K] [--big WxH]\n");
            return 2;
        }
    }
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
    hvic_model *m;
    double t0 = now();
    hvic_status st = cli_load_model(model_path, &m); /* with the tool's HVIC_*_KERNEL */
    if (st != HVIC_OK) return 1;
    double t_load = now() - t0;
    struct dirent **names;
    int n = scandir(dir, &names, is_png, alphasort);
    if (n <= 0) {
        fprintf(stderr, "bench_codec: no PNG files in %s\n", dir);
        return 1;
    }
    if (limit > 0 && n > limit) n = limit;
    double *enc = calloc((size_t)n, sizeof *enc), *dec = calloc((size_t)n, sizeof *dec);
    double *gs = calloc((size_t)n, sizeof *gs), *hs = calloc((size_t)n, sizeof *hs);
    double *mpe = calloc((size_t)n, sizeof *mpe), *mpd = calloc((size_t)n, sizeof *mpd);
    double sum_bpp = 0, sum_psnr = 0;
    hvic_encode_params p;
    hvic_encode_params_default(&p);
    p.quality = quality;
    p.threads = threads;
    hvic_decode_params dp;
    hvic_decode_params_default(&dp);
    dp.threads = threads;
    int eff_threads = threads ? threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    printf("model %s (load %.3f s), quality %d, hvic threads %d, OPENBLAS_NUM_THREADS=%s\n",
           hvic_model_id(m), t_load, quality, eff_threads,
           getenv("OPENBLAS_NUM_THREADS") ? getenv("OPENBLAS_NUM_THREADS") : "unset");
    printf("%-14s %9s %7s %7s %8s %8s %8s %8s\n", "image", "bytes", "bpp", "PSNR", "enc s",
           "dec s", "h_s s", "g_s s");
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        hvic_image img, rec;
        if (hvic_image_read_file(path, 0, &img, NULL) != HVIC_OK) {
            fprintf(stderr, "bench_codec: cannot read %s\n", path);
            return 1;
        }
        uint8_t *buf;
        size_t len;
        t0 = now();
        st = hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &buf, &len);
        enc[i] = now() - t0;
        if (st != HVIC_OK) return 1;
        t0 = now();
        st = hvic_decode_with(m, buf, len, &dp, &rec);
        dec[i] = now() - t0;
        if (st != HVIC_OK) return 1;
        /* the decoder's stages alone, on the encoder's latents */
        uint32_t pos = hvic_beta_to_gain_pos(m, hvic_quality_to_beta(m, quality));
        hv_latents L;
        hv_analyse(m, img.rgb, img.width, img.height, img.stride, pos, pos, eff_threads, 0, &L);
        t0 = now();
        hv_entropy_params(m, L.zhat, L.zh, L.zw, pos, pos, hv_blas_caller_threads(threads), 0, NULL,
                          NULL, L.q, L.idx, L.mu_q8);
        hs[i] = now() - t0;
        t0 = now();
        hv_synthesise(m, L.q, L.mu_q8, L.yh, L.yw, pos, img.width, img.height, 0, threads,
                      rec.rgb, rec.stride);
        gs[i] = now() - t0;
        hv_latents_free(&L);
        double px = (double)img.width * img.height;
        hvic_image_free(&rec);
        hvic_decode_with(m, buf, len, &dp, &rec);
        double psnr = 10 * log10(255.0 * 255.0 / mse(&img, &rec));
        double bpp = len * 8.0 / px;
        sum_bpp += bpp;
        sum_psnr += psnr;
        mpe[i] = px / 1e6 / enc[i];
        mpd[i] = px / 1e6 / dec[i];
        printf("%-14s %9zu %7.4f %7.3f %8.3f %8.3f %8.3f %8.3f\n", names[i]->d_name, len, bpp, psnr,
               enc[i], dec[i], hs[i], gs[i]);
        fflush(stdout);
        hvic_free(buf);
        hvic_image_free(&img);
        hvic_image_free(&rec);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    hvic_kernels kernels;
    hvic_model_get_kernels(m, &kernels);
    printf("images %d: mean %.4f bpp, mean PSNR %.3f dB\n", n, sum_bpp / n, sum_psnr / n);
    printf("median encode %.3f s (%.2f MP/s), decode %.3f s (%.2f MP/s), h_s %.3f s, g_s %.3f s\n",
           median(enc, n), median(mpe, n), median(dec, n), median(mpd, n), median(hs, n),
           median(gs, n));
    char cpu[256] = "unknown CPU";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    for (char line[512]; ci && fgets(line, sizeof line, ci);) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(cpu, sizeof cpu, "%s", colon + 2);
            cpu[strcspn(cpu, "\n")] = 0;
            break;
        }
    }
    if (ci) fclose(ci);
    printf("peak RSS %.1f MiB; CPU %s; kernels: g_a/h_a %s, h_s %s, g_s %s; OpenBLAS core %s, "
           "%d thread(s)\n",
           ru.ru_maxrss / 1024.0, cpu, kernels.analysis, kernels.hyper, kernels.synthesis,
           openblas_get_corename(), openblas_get_num_threads());
    int rc = 0;
    if (big_w) {
        char path[4096];
        hvic_image src;
        snprintf(path, sizeof path, "%s/%s", dir, names[0]->d_name);
        rc = hvic_image_read_file(path, 0, &src, NULL) != HVIC_OK ||
             bench_big(m, &src, big_w, big_h, &p);
        hvic_image_free(&src);
    }
    hvic_model_free(m);
    return rc;
}
