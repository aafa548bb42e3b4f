/* Codec benchmark (not a test).
 *
 *   bench_codec [--model FILE] [--images DIR] [-q Q] [--threads N] [--limit K]
 *
 * For every *.png in DIR (default ../shared/data/kodak next to the source
 * tree): encode and decode through the public API, plus the decoder's
 * synthesis transform g_s and the integer h_s alone. Prints per-image
 * rate/PSNR/times, then medians, megapixels per second, peak RSS, threads,
 * the OpenBLAS core and the deterministic kernel in use. Threads: --threads
 * for the encoder's analysis (0 = one per CPU); BLAS threads come from
 * OPENBLAS_NUM_THREADS. */
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

#include "hvic.h"
#include "hyper.h"
#include "model.h"
#include "nn.h"
#include "pipeline.h"

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

static int is_png(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && strcmp(e->d_name + n - 4, ".png") == 0;
}

int main(int argc, char **argv)
{
    const char *model_path = HVIC_TEST_MODEL, *dir = HVIC_TESTIMAGES_DIR "/../../shared/data/kodak";
    int quality = HVIC_QUALITY_DEFAULT, threads = 0, limit = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) model_path = argv[++i];
        else if (strcmp(argv[i], "--images") == 0 && i + 1 < argc) dir = argv[++i];
        else if (strcmp(argv[i], "-q") == 0 && i + 1 < argc) quality = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) limit = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_codec [--model FILE] [--images DIR] [-q Q] [--threads N] [--limit K]\n");
            return 2;
        }
    }
    hvic_model *m;
    double t0 = now();
    hvic_status st = hvic_model_load(model_path, &m);
    if (st != HVIC_OK) {
        fprintf(stderr, "bench_codec: %s: %s\n", model_path, hvic_strerror(st));
        return 1;
    }
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
    int eff_threads = threads ? threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    printf("model %s (load %.3f s), quality %d, analysis threads %d, OPENBLAS_NUM_THREADS=%s\n",
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
        st = hvic_decode(m, buf, len, &rec);
        dec[i] = now() - t0;
        if (st != HVIC_OK) return 1;
        /* the decoder's stages alone, on the encoder's latents */
        uint32_t pos = hvic_beta_to_gain_pos(m, hvic_quality_to_beta(m, quality));
        hv_latents L;
        hv_analyse(m, img.rgb, img.width, img.height, img.stride, pos, pos, eff_threads, &L);
        t0 = now();
        hv_hyper_synthesis(m, L.zhat, L.zh, L.zw, pos, pos, L.idx, L.mu_q8);
        hs[i] = now() - t0;
        t0 = now();
        hv_synthesise(m, L.q, L.mu_q8, L.yh, L.yw, pos, img.width, img.height, rec.rgb, rec.stride);
        gs[i] = now() - t0;
        hv_latents_free(&L);
        double se = 0, px = (double)img.width * img.height;
        hvic_image_free(&rec);
        hvic_decode(m, buf, len, &rec);
        for (size_t k = 0; k < (size_t)img.height * img.stride; k++) {
            double d = (double)img.rgb[k] - rec.rgb[k];
            se += d * d;
        }
        double psnr = 10 * log10(255.0 * 255.0 / (se / (3 * px)));
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
    printf("images %d: mean %.4f bpp, mean PSNR %.3f dB\n", n, sum_bpp / n, sum_psnr / n);
    printf("median encode %.3f s (%.2f MP/s), decode %.3f s (%.2f MP/s), h_s %.3f s, g_s %.3f s\n",
           median(enc, n), median(mpe, n), median(dec, n), median(mpd, n), median(hs, n),
           median(gs, n));
    printf("peak RSS %.1f MiB; deterministic kernel %s; OpenBLAS core %s, %d thread(s)\n",
           ru.ru_maxrss / 1024.0, hv_det_kernel_name(), openblas_get_corename(),
           openblas_get_num_threads());
    hvic_model_free(m);
    return 0;
}
