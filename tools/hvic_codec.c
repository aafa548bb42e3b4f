/* hvic encode / decode / info --latents-hash, and the OpenBLAS core-type
 * set-up (see hvic_codec.h). Errors: one line "hvic: FILE: problem" on
 * stderr, exit status 1 (2 for usage errors). */
#define _GNU_SOURCE /* realpath, mkstemp, fchmod */
#include "hvic_codec.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "cli_batch.h"
#include "cli_util.h" /* fail, EXIT_USAGE */
#include "hvic_advanced.h"
#include "imageio.h"

static int fail_msg(const char *file, const char *msg)
{
    fprintf(stderr, "hvic: %s: %s\n", file, msg);
    return EXIT_FAILURE;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- BLAS */

void hvic_setup_blas(char **argv)
{
    if (!getenv("OPENBLAS_CORETYPE") && !getenv("HVIC_BLAS_REEXEC")) {
        const char *core = NULL;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
            __builtin_cpu_supports("avx512bw")) {
            core = "SkylakeX";
            unsigned a, b, c, d;
            if (__get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5))) core = "Cooperlake";
        } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            core = "Haswell";
        }
#endif
        if (core) {
            setenv("OPENBLAS_CORETYPE", core, 1);
            /* see below; set now, OpenBLAS starts no idle worker threads */
            if (!getenv("OPENBLAS_NUM_THREADS")) setenv("OPENBLAS_NUM_THREADS", "1", 1);
            setenv("HVIC_BLAS_REEXEC", "1", 1); /* once only */
            execv("/proc/self/exe", argv);
            /* exec failed: carry on with OpenBLAS's own choice */
        }
    }
    /* hvic runs its own threads around single-threaded BLAS calls */
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
}

void hvic_print_blas(FILE *f)
{
    const char *env = getenv("OPENBLAS_CORETYPE");
    fprintf(f, "BLAS: OpenBLAS core %s (OPENBLAS_CORETYPE=%s), %d thread(s); %s\n",
            openblas_get_corename(), env ? env : "unset", openblas_get_num_threads(),
            openblas_get_config());
}

/* ---------------------------------------------------------------- files */

/* 1 if a and b name the same existing file. */
static int same_file(const char *a, const char *b)
{
    if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0) return 0;
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static mode_t process_umask;
static void read_umask(void)
{
    process_umask = umask(0);
    umask(process_umask);
}

/* Writes data to path atomically: a temporary file in the same directory,
 * then rename(). "-" writes standard output. errno is kept on failure. */
static hvic_status write_atomic(const char *path, const uint8_t *data, size_t len)
{
    if (strcmp(path, "-") == 0) return hvic_file_write("-", data, len);
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) return HVIC_ERR_NOMEM;
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    memcpy(tmp, path, dirlen);
    snprintf(tmp + dirlen, n + 16 - dirlen, ".hvic-XXXXXX");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return HVIC_ERR_IO;
    }
    /* The process umask, read once: umask() can only be read by setting it,
     * which would race between the threads of --jobs. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, read_umask);
    int ok = fchmod(fd, 0666 & ~process_umask) == 0;
    for (size_t off = 0; ok && off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) ok = 0;
        else off += (size_t)w;
    }
    int err = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        err = errno;
    }
    if (!ok) unlink(tmp);
    free(tmp);
    errno = err;
    return ok ? HVIC_OK : HVIC_ERR_IO;
}

/* ---------------------------------------------------------------- encode */

static int parse_int(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi) return 0;
    *v = x;
    return 1;
}

static int parse_beta(const char *s, float *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || !(x > 0) || !isfinite(x) || x > 1e30) return 0;
    *v = (float)x;
    return 1;
}

/* A positive finite number (no unit suffix). */
static int parse_positive(const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = s ? strtod(s, &end) : 0;
    if (!s || errno || end == s || *end || !(x > 0) || !isfinite(x) || x > 1e18) return 0;
    *v = x;
    return 1;
}

/* After a target search: a note on stderr when the file misses the target
 * by more than the documented tolerance (2 % of a size, 0.1 dB of a PSNR). */
static void target_note(const char *out, const hvic_encode_params *p, size_t len, double px,
                        double psnr)
{
    double bytes = p->target_bpp > 0 ? p->target_bpp * px / 8.0 : (double)p->target_bytes;
    if (p->target_psnr > 0 && fabs(psnr - p->target_psnr) > 0.1)
        fprintf(stderr, "hvic: %s: note: PSNR target %.2f dB not reachable with this model; "
                "closest: %.2f dB (%zu bytes)\n", out, p->target_psnr, psnr, len);
    else if (p->target_psnr <= 0 && fabs(len - bytes) > 0.02 * bytes)
        fprintf(stderr, "hvic: %s: note: size target %.0f bytes not reachable with this model; "
                "closest: %zu bytes\n", out, bytes, len);
}

/* Settings of one `hvic encode` call, shared by the files it codes. */
typedef struct enc_job {
    hvic_model *m;
    hvic_encode_params p;
    unsigned flags;
    int strip, verbose, check, have_target;
    double t_load;
} enc_job;

static int encode_one(const char *in, const char *out, void *ctx)
{
    const enc_job *j = ctx;
    if (same_file(in, out)) return fail_msg(out, "output file is the input file; refusing to overwrite it");
    hvic_encode_params p = j->p;
    hvic_image img;
    hvic_read_info info;
    errno = 0;
    hvic_status st = hvic_image_read_file(in, j->flags, &img, &info);
    if (st == HVIC_ERR_UNSUPPORTED && info.format == HVIC_FORMAT_PNG &&
        (info.source_channels == 2 || info.source_channels == 4))
        return fail_msg(in, "image has an alpha channel (use --drop-alpha to ignore it)");
    if (st != HVIC_OK) return fail(in, st);
    if (info.reduced_16bit) fprintf(stderr, "hvic: %s: note: 16-bit samples reduced to 8 bits\n", in);
    if (info.dropped_icc && !j->strip)
        fprintf(stderr, "hvic: %s: note: ICC profile left out (not an RGB profile)\n", in);
    if (!j->strip) p.metadata = &img.meta;

    const hvic_model *m = j->m;
    uint8_t *buf = NULL;
    size_t len = 0;
    double t0 = now();
    st = hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &buf, &len);
    double t_enc = now() - t0;
    int rc = EXIT_SUCCESS;
    if (st != HVIC_OK) {
        rc = fail(in, st);
        goto done;
    }
    errno = 0;
    st = write_atomic(out, buf, len);
    if (st != HVIC_OK) {
        rc = fail(out, st);
        goto done;
    }
    const double px = (double)img.width * img.height;
    if (j->have_target) {
        double db = 0;
        if (p.target_psnr > 0) { /* the PSNR the search found, as the decoder gives it */
            hvic_image rec;
            if (hvic_decode(m, buf, len, &rec) == HVIC_OK) {
                hvic_psnr(&img, &rec, &db);
                hvic_image_free(&rec);
            }
        }
        target_note(out, &p, len, px, db);
    }
    if (j->verbose) {
        hvic_container c;
        if (hvic_container_read(buf, len, &c) == HVIC_OK && c.num_layers == 0) {
            fprintf(stderr, "hvic: %s: %ux%u -> %zu bytes, %.4f bpp; pixel coder, max error %d%s\n",
                    out, (unsigned)img.width, (unsigned)img.height, len, len * 8.0 / px,
                    (int)c.pixl[0], c.pixl[0] ? "" : " (lossless)");
            hvic_container_free(&c);
        } else if (c.num_layers) {
            fprintf(stderr,
                    "hvic: %s: %ux%u -> %zu bytes, %.4f bpp (z %zu, y %zu bytes); model %s; "
                    "beta_y %g (position %u), beta_z %g (position %u)\n",
                    out, (unsigned)img.width, (unsigned)img.height, len, len * 8.0 / px,
                    c.zlat_size, c.ylat_size, c.model_id, (double)c.layers[1].beta,
                    (unsigned)c.layers[1].gain_pos, (double)c.layers[0].beta,
                    (unsigned)c.layers[0].gain_pos);
            if (c.icc_size || c.exif_size || c.xmp_size)
                fprintf(stderr, "hvic: %s: metadata: ICC %zu, Exif %zu, XMP %zu bytes (uncompressed)\n",
                        out, c.icc_size, c.exif_size, c.xmp_size);
            hvic_container_free(&c);
        }
        fprintf(stderr, "hvic: model load %.3f s, encode %.3f s (%.2f MP/s)\n", j->t_load, t_enc,
                px / 1e6 / t_enc);
        fprintf(stderr, "hvic: ");
        hvic_print_blas(stderr);
    }
    if (j->check) {
        hvic_image rec;
        t0 = now();
        hvic_decode_params dp;
        hvic_decode_params_default(&dp);
        dp.threads = p.threads;
        st = hvic_decode_with(m, buf, len, &dp, &rec);
        double t_dec = now() - t0;
        if (st != HVIC_OK) {
            rc = fail(out, st);
            goto done;
        }
        double db = 0;
        st = hvic_psnr(&img, &rec, &db);
        hvic_image_free(&rec);
        if (st != HVIC_OK) {
            rc = fail(out, st);
            goto done;
        }
        fprintf(stderr, "hvic: %s: check: decode %.3f s, PSNR %.3f dB\n", out, t_dec, db);
    }
done:
    hvic_free(buf);
    hvic_image_free(&img);
    return rc;
}

/* Loads the model (unless model_path is NO_MODEL: the pixel coder) and codes
 * the inputs: one file to out, or with several inputs (or out a directory)
 * each to out/NAME.ext, `jobs` at a time; with jobs > 1 and *threads 0,
 * each file gets an equal share of the CPUs. */
static const char NO_MODEL[] = "";
static int run_files(char **inputs, int n, const char *out, const char *model_path,
                     const char *ext, int jobs, int *threads, hvic_model **m, double *t_load,
                     batch_fn fn, void *ctx)
{
    const int many = n > 1 || batch_out_is_dir(out);
    if (!many && same_file(inputs[0], out))
        return fail_msg(out, "output file is the input file; refusing to overwrite it");
    if (many && !batch_out_is_dir(out)) {
        fprintf(stderr, "hvic: %s: with several inputs, -o names a directory\n", out);
        return EXIT_USAGE;
    }
    double t0 = now();
    if (model_path != NO_MODEL && cli_load_model(model_path, m) != HVIC_OK) return EXIT_FAILURE;
    *t_load = now() - t0;
    if (jobs > 1 && *threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        *threads = cpus > jobs ? (int)(cpus / jobs) : 1;
    }
    int rc = many ? batch_run(inputs, n, out, ext, jobs, fn, ctx) : fn(inputs[0], out, ctx);
    hvic_model_free(*m);
    *m = NULL;
    return rc;
}

/* --jobs N: 1..64. */
static int parse_jobs(const char *val, int *jobs)
{
    long v;
    if (!val || !parse_int(val, 1, 64, &v)) return usage_error("jobs must be an integer 1..64", val);
    *jobs = (int)v;
    return -1;
}

int hvic_cmd_encode(int argc, char **argv)
{
    const char *out = NULL, *model_path = NULL;
    int have_q = 0, have_beta = 0, have_pixel = 0, auto_coder = 0, jobs = 1, n = 0;
    enc_job j = {0};
    hvic_encode_params_default(&j.p);
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (!inputs) return fail_msg("hvic", "out of memory");
    int rc = -1; /* -1: parsing went through */
    for (int i = 0; i < argc && rc < 0; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        long v;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!val) rc = usage_error("missing value for", a);
            else out = argv[++i];
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quality") == 0) {
            if (!val || !parse_int(val, 0, HVIC_QUALITY_MAX, &v)) {
                rc = usage_error("quality must be an integer 0..100", val);
            } else {
                j.p.quality = (int)v;
                have_q = 1;
                i++;
            }
        } else if (strcmp(a, "--beta") == 0) {
            char buf[128];
            snprintf(buf, sizeof buf, "%s", val ? val : "");
            char *comma = strchr(buf, ',');
            if (comma) *comma = 0;
            if (!val || !parse_beta(buf, &j.p.beta_y) || (comma && !parse_beta(comma + 1, &j.p.beta_z)))
                rc = usage_error("beta must be B or BY,BZ with positive numbers", val);
            have_beta = 1;
            i++;
        } else if (strcmp(a, "--target-size") == 0 || strcmp(a, "--target-bpp") == 0 ||
                   strcmp(a, "--target-psnr") == 0) {
            double x = 0;
            if (!parse_positive(val, &x)) rc = usage_error("a target must be a positive number", val);
            else if (a[9] == 's' && x != floor(x)) rc = usage_error("--target-size takes whole bytes", val);
            else if (a[9] == 's') j.p.target_bytes = (uint64_t)x;
            else if (a[9] == 'b') j.p.target_bpp = x;
            else j.p.target_psnr = x;
            j.have_target++;
            i++;
        } else if (strcmp(a, "--coder") == 0) {
            if (!val || (strcmp(val, "auto") != 0 && strcmp(val, "model") != 0))
                rc = usage_error("coder must be auto or model (--lossless, --max-error: the pixel coder)", val);
            else auto_coder = strcmp(val, "auto") == 0;
            i++;
        } else if (strcmp(a, "--lossless") == 0) {
            j.p.coder = HVIC_CODER_PIXEL;
            have_pixel = 1;
        } else if (strcmp(a, "--max-error") == 0) {
            if (!val || !parse_int(val, 0, HVIC_PIXEL_MAX_ERROR, &v)) {
                rc = usage_error("max-error must be an integer 0..31", val);
            } else {
                j.p.coder = HVIC_CODER_PIXEL;
                j.p.max_error = (int)v;
                have_pixel = 1;
                i++;
            }
        } else if (strcmp(a, "--model") == 0) {
            if (!val) rc = usage_error("missing value for", a);
            else model_path = argv[++i];
        } else if (strcmp(a, "--threads") == 0) {
            if (!val || !parse_int(val, 0, 64, &v)) rc = usage_error("threads must be an integer 0..64", val);
            else j.p.threads = (int)v;
            i++;
        } else if (strcmp(a, "--jobs") == 0) {
            rc = parse_jobs(val, &jobs);
            i++;
        } else if (strcmp(a, "--drop-alpha") == 0) {
            j.flags |= HVIC_READ_DROP_ALPHA;
        } else if (strcmp(a, "--strip") == 0) {
            j.strip = 1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            j.verbose = 1;
        } else if (strcmp(a, "--check") == 0) {
            j.check = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            rc = usage_error("unknown option", a);
        } else {
            inputs[n++] = argv[i];
        }
    }
    if (rc < 0 && n == 0) rc = usage_error("encode needs an input image", NULL);
    if (rc < 0 && !out) rc = usage_error("encode needs -o OUT.hvic (or -o DIR/)", NULL);
    if (rc < 0 && auto_coder && (j.have_target || have_pixel))
        rc = usage_error("--coder auto is not for targets, --lossless or --max-error", NULL);
    if (auto_coder) j.p.coder = HVIC_CODER_AUTO;
    if (rc < 0 && have_q + have_beta + j.have_target + have_pixel > 1)
        rc = usage_error("give one of -q, --beta, --target-size, --target-bpp, --target-psnr, "
                         "--lossless, --max-error", NULL);
    if (rc < 0)
        rc = run_files(inputs, n, out, j.p.coder == HVIC_CODER_PIXEL ? NO_MODEL : model_path, ".hvic",
                       jobs, &j.p.threads, &j.m, &j.t_load,
                       encode_one, &j);
    free(inputs);
    return rc;
}

/* ---------------------------------------------------------------- decode */

typedef struct dec_job {
    hvic_model *m;
    hvic_decode_params dp;
    int verbose;
    double t_load;
    const char *model_path;  /* loaded at the first file that needs it */
    pthread_mutex_t lock;
    int load_tried;
    hvic_status load_st;
} dec_job;

/* The model, loaded once (under j->lock) when the first file coded with
 * one comes: pixel-coded files (container version 2) need none. *said: the
 * load failed in this call, and said so. */
static hvic_status decode_model(dec_job *j, int *said)
{
    pthread_mutex_lock(&j->lock);
    *said = !j->load_tried;
    if (!j->load_tried) {
        j->load_tried = 1;
        double t0 = now();
        j->load_st = cli_load_model(j->model_path, &j->m);
        j->t_load = now() - t0;
    }
    hvic_status st = j->load_st;
    pthread_mutex_unlock(&j->lock);
    return st;
}

static int decode_one(const char *in, const char *out, void *ctx)
{
    dec_job *j = ctx;
    if (same_file(in, out)) return fail_msg(out, "output file is the input file; refusing to overwrite it");
    uint8_t *buf = NULL, *png = NULL;
    size_t len = 0, png_len = 0;
    errno = 0;
    hvic_status st = hvic_file_read(in, &buf, &len);
    if (st != HVIC_OK) return fail(in, st);
    hvic_image img = {0};
    int rc = EXIT_SUCCESS;
    const int pixel = len > 4 && buf[4] == HVIC_CONTAINER_VERSION_PIXEL;
    int said = 0;
    if (!pixel && decode_model(j, &said) != HVIC_OK) {
        rc = said ? EXIT_FAILURE : fail_msg(in, "needs a model, and none could be loaded");
        goto done;
    }
    double t0 = now();
    st = hvic_decode_with(pixel ? NULL : j->m, buf, len, &j->dp, &img);
    double t_dec = now() - t0;
    if (st == HVIC_ERR_TOO_LARGE && j->dp.max_pixels) {
        rc = fail_msg(in, "the image has more pixels than --max-pixels allows");
        goto done;
    }
    if (st != HVIC_OK) {
        rc = fail(in, st);
        goto done;
    }
    st = hvic_image_write_png_memory(&img, &png, &png_len);
    if (st == HVIC_OK) {
        errno = 0;
        st = write_atomic(out, png, png_len);
    }
    if (st != HVIC_OK) {
        rc = fail(out, st);
        goto done;
    }
    if (j->verbose) {
        const double px = (double)img.width * img.height;
        fprintf(stderr, "hvic: %s: %ux%u, %.4f bpp; model load %.3f s, decode %.3f s (%.2f MP/s)\n",
                in, (unsigned)img.width, (unsigned)img.height, len * 8.0 / px, j->t_load, t_dec,
                px / 1e6 / t_dec);
        if (pixel) {
            fprintf(stderr, "hvic: pixel coder (no model, no BLAS)\n");
        } else {
            hvic_kernels k;
            hvic_model_get_kernels(j->m, &k);
            fprintf(stderr, "hvic: kernels: h_s %s, g_s %s; ", k.hyper, k.synthesis);
            hvic_print_blas(stderr);
        }
    }
done:
    hvic_free(png);
    hvic_image_free(&img);
    hvic_free(buf);
    return rc;
}

int hvic_cmd_decode(int argc, char **argv)
{
    const char *out = NULL, *model_path = NULL;
    int jobs = 1, n = 0;
    dec_job j = {0};
    pthread_mutex_init(&j.lock, NULL);
    hvic_decode_params_default(&j.dp);
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (!inputs) return fail_msg("hvic", "out of memory");
    int rc = -1;
    for (int i = 0; i < argc && rc < 0; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        long v;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strcmp(a, "--model") == 0) {
            if (!val) rc = usage_error("missing value for", a);
            else if (strcmp(a, "--model") == 0) model_path = argv[++i];
            else out = argv[++i];
        } else if (strcmp(a, "--threads") == 0) {
            if (!val || !parse_int(val, 0, 64, &v)) rc = usage_error("threads must be an integer 0..64", val);
            else j.dp.threads = (int)v;
            i++;
        } else if (strcmp(a, "--max-pixels") == 0) {
            if (!val || !parse_int(val, 1, (long)HVIC_MAX_DIM * HVIC_MAX_DIM, &v))
                rc = usage_error("max-pixels must be an integer 1..268435456", val);
            else j.dp.max_pixels = (uint64_t)v;
            i++;
        } else if (strcmp(a, "--jobs") == 0) {
            rc = parse_jobs(val, &jobs);
            i++;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            j.verbose = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            rc = usage_error("unknown option", a);
        } else {
            inputs[n++] = argv[i];
        }
    }
    if (rc < 0 && n == 0) rc = usage_error("decode needs an input .hvic file", NULL);
    if (rc < 0 && !out) rc = usage_error("decode needs -o OUT.png (or -o DIR/)", NULL);
    j.model_path = model_path;
    if (rc < 0) /* the model: decode_model */
        rc = run_files(inputs, n, out, NO_MODEL, ".png", jobs, &j.dp.threads, &j.m, &j.t_load,
                       decode_one, &j);
    pthread_mutex_destroy(&j.lock);
    free(inputs);
    return rc;
}

/* ---------------------------------------------------------------- info */

int hvic_print_latents_hash(const char *path, const char *model_path)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    errno = 0;
    hvic_status st = hvic_file_read(path, &buf, &len);
    if (st != HVIC_OK) return fail(path, st);
    hvic_model *m = NULL;
    if (cli_load_model(model_path, &m) != HVIC_OK) {
        hvic_free(buf);
        return EXIT_FAILURE;
    }
    uint64_t h = 0;
    st = hvic_decode_latents_hash(m, buf, len, &h);
    hvic_model_free(m);
    hvic_free(buf);
    if (st != HVIC_OK) return fail(path, st);
    printf("latents-hash: %016llx\n", (unsigned long long)h);
    return EXIT_SUCCESS;
}
