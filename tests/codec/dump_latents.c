/* Dumps the codec's intermediate results for tests/codec/ref_match.py.
 *
 *   dump_latents MODEL analyse IMAGE PY PZ OUTDIR [THREADS]
 *       writes OUTDIR/{zhat,q,idx,mu}.i32 (int32 little-endian, C x H x W; mu
 *       as h_s gives it), OUTDIR/shape.txt ("N zh zw M yh yw width height") and
 *       OUTDIR/xhat.rgb (the decode of those latents, with the reconstruction
 *       offsets, width x height x 3 bytes); prints
 *       "hash HEX" (FNV-1a 64 of zhat then q) and the timings.
 *   dump_latents MODEL hs ZHAT.i32 ZH ZW PZ PY OUTDIR [Q.i32]   (Q: the y integers, which
 *       the channel context of a version-2 model reads)
 *       integer h_s only: writes OUTDIR/{idx,mu}.i32
 *   dump_latents MODEL synth Q.i32 MU.i32 YH YW PY WIDTH HEIGHT OUT.rgb
 *       synthesis only, from given q and mu (no reconstruction offsets)
 * Gain positions are in 1/4096 level. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hvic.h"
#include "hyper.h"
#include "model.h"
#include "analysis.h"
#include "synthesis.h"
#include "imageio.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int die(const char *what, hvic_status st)
{
    fprintf(stderr, "dump_latents: %s: %s\n", what, hvic_strerror(st));
    return 1;
}

static int write_raw(const char *dir, const char *name, const void *p, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, bytes, f) != bytes || fclose(f) != 0) {
        fprintf(stderr, "dump_latents: cannot write %s\n", path);
        return 0;
    }
    return 1;
}

static int32_t *read_i32(const char *path, size_t n)
{
    uint8_t *buf;
    size_t len;
    if (hvic_file_read(path, &buf, &len) != HVIC_OK || len != n * 4) {
        fprintf(stderr, "dump_latents: %s: expected %zu int32\n", path, n);
        return NULL;
    }
    return (int32_t *)buf;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: see the comment at the top of dump_latents.c\n");
        return 2;
    }
    hvic_model *m;
    double t0 = now();
    hvic_status st = hvic_model_load(argv[1], &m);
    if (st != HVIC_OK) return die(argv[1], st);
    double t_load = now() - t0;
    const char *mode = argv[2];
    int rc = 1;
    if (strcmp(mode, "analyse") == 0 && argc >= 7) {
        hvic_image img;
        st = hvic_image_read_file(argv[3], HVIC_READ_DROP_ALPHA, &img, NULL);
        if (st != HVIC_OK) return die(argv[3], st);
        uint32_t py = (uint32_t)strtoul(argv[4], NULL, 10), pz = (uint32_t)strtoul(argv[5], NULL, 10);
        const char *dir = argv[6];
        int threads = argc > 7 ? atoi(argv[7]) : 2;
        hv_latents L;
        t0 = now();
        st = hv_analyse(m, img.rgb, img.width, img.height, img.stride, py, pz, threads, 0, &L);
        double t_an = now() - t0;
        if (st != HVIC_OK) return die("analyse", st);
        size_t nz = (size_t)L.N * L.zh * L.zw, ny = (size_t)L.M * L.yh * L.yw;
        hvic_image rec;
        hvic_image_alloc(&rec, img.width, img.height);
        int32_t *mu_r = malloc(ny * sizeof *mu_r); /* with the reconstruction offsets */
        if (!mu_r) return die("analyse", HVIC_ERR_NOMEM);
        t0 = now();
        hv_recon_mu(m, py, L.q, L.idx, L.mu_q8, mu_r, ny);
        st = hv_synthesise(m, L.q, mu_r, L.yh, L.yw, py, img.width, img.height, 0, 0, rec.rgb,
                           rec.stride);
        free(mu_r);
        double t_syn = now() - t0;
        if (st != HVIC_OK) return die("synthesise", st);
        char shape[256];
        int n = snprintf(shape, sizeof shape, "%d %d %d %d %d %d %u %u\n", L.N, L.zh, L.zw, L.M,
                         L.yh, L.yw, (unsigned)img.width, (unsigned)img.height);
        if (write_raw(dir, "zhat.i32", L.zhat, nz * 4) && write_raw(dir, "q.i32", L.q, ny * 4) &&
            write_raw(dir, "idx.i32", L.idx, ny * 4) && write_raw(dir, "mu.i32", L.mu_q8, ny * 4) &&
            write_raw(dir, "shape.txt", shape, (size_t)n) &&
            write_raw(dir, "xhat.rgb", rec.rgb, (size_t)img.width * img.height * 3)) {
            printf("hash %016llx\n", (unsigned long long)hv_latents_hash(L.zhat, nz, L.q, ny));
            hvic_kernels kernels;
            hvic_model_get_kernels(m, &kernels);
            printf("kernel %s threads %d load %.3f s analyse %.3f s synthesise %.3f s\n",
                   kernels.analysis, threads, t_load, t_an, t_syn);
            rc = 0;
        }
        hv_latents_free(&L);
        hvic_image_free(&img);
        hvic_image_free(&rec);
    } else if (strcmp(mode, "hs") == 0 && (argc == 9 || argc == 10)) {
        int zh = atoi(argv[4]), zw = atoi(argv[5]);
        uint32_t pz = (uint32_t)strtoul(argv[6], NULL, 10), py = (uint32_t)strtoul(argv[7], NULL, 10);
        int32_t *zhat = read_i32(argv[3], (size_t)m->N * zh * zw);
        size_t ny = (size_t)m->M * 16 * zh * zw;
        int32_t *idx = malloc(ny * 4), *mu = malloc(ny * 4);
        int32_t *q = argc == 10 ? read_i32(argv[9], ny) : NULL; /* the context's input */
        if (zhat && idx && mu && (argc == 9 || q)) {
            st = hv_entropy_params(m, zhat, zh, zw, pz, py, 1, 0, NULL, NULL, q, idx, mu);
            if (st != HVIC_OK) return die("h_s", st);
            if (write_raw(argv[8], "idx.i32", idx, ny * 4) && write_raw(argv[8], "mu.i32", mu, ny * 4))
                rc = 0;
        }
        free(zhat);
        free(q);
        free(idx);
        free(mu);
    } else if (strcmp(mode, "synth") == 0 && argc == 11) {
        int yh = atoi(argv[5]), yw = atoi(argv[6]);
        uint32_t py = (uint32_t)strtoul(argv[7], NULL, 10);
        uint32_t w = (uint32_t)strtoul(argv[8], NULL, 10), h = (uint32_t)strtoul(argv[9], NULL, 10);
        size_t ny = (size_t)m->M * yh * yw;
        int32_t *q = read_i32(argv[3], ny), *mu = read_i32(argv[4], ny);
        uint8_t *rgb = malloc((size_t)w * h * 3);
        if (q && mu && rgb) {
            st = hv_synthesise(m, q, mu, yh, yw, py, w, h, 0, 0, rgb, (size_t)w * 3);
            if (st != HVIC_OK) return die("synthesise", st);
            FILE *f = fopen(argv[10], "wb");
            if (f && fwrite(rgb, 1, (size_t)w * h * 3, f) == (size_t)w * h * 3 && fclose(f) == 0)
                rc = 0;
        }
        free(q);
        free(mu);
        free(rgb);
    } else {
        fprintf(stderr, "dump_latents: bad arguments\n");
        rc = 2;
    }
    hvic_model_free(m);
    return rc;
}
