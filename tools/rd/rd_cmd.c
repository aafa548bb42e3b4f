/* `hvic rd`: the sweep (arguments, inputs, jobs, threads). Output in
 * rd_report.c; `hvic bdrate` there too. */
#define _POSIX_C_SOURCE 200809L
#include "rd.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "imageio.h"
#include "jpeg_rd.h"
#include "rd_codec.h"
#include "rd_run.h"

#define EXIT_USAGE 2
#define MAX_LIST 64

static const char default_qualities[] = "5,10,15,20,30,40,50,60,70,80,90,95";
static const char default_pixel_errors[] = "1,2,4,8,16";

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "hvic rd: %s%s%s (see 'hvic rd --help')\n", msg, arg ? ": " : "", arg ? arg : "");
    return EXIT_USAGE;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Comma-separated positive numbers; returns the count, -1 on bad input. */
static int parse_list(const char *s, double *out, int max)
{
    int n = 0;
    while (*s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || !isfinite(v) || v <= 0 || n == max) return -1;
        out[n++] = v;
        if (*end == ',') end++;
        else if (*end) return -1;
        s = end;
    }
    return n > 0 ? n : -1;
}

/* The shortest decimal that reads back as the float v (a model's betas are
 * float): 555.6, not 555.599976. */
static double short_double(float v)
{
    char buf[32];
    for (int digits = 6; digits < 9; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, (double)v);
        if ((float)strtod(buf, NULL) == v) return strtod(buf, NULL);
    }
    return v;
}

static int has_image_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot) return 0;
    char ext[8] = {0};
    for (int i = 0; i < 7 && dot[1 + i]; i++) ext[i] = (char)tolower((unsigned char)dot[1 + i]);
    return !strcmp(ext, "png") || !strcmp(ext, "jpg") || !strcmp(ext, "jpeg");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append path, or the PNG/JPEG files of directory path (sorted). */
static int add_input(const char *path, char ***list, size_t *n, size_t *cap)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "hvic rd: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t k = 0, start = *n;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (!d) {
            fprintf(stderr, "hvic rd: %s: %s\n", path, strerror(errno));
            return -1;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || !has_image_ext(e->d_name)) continue;
            size_t len = strlen(path) + strlen(e->d_name) + 2;
            char *full = malloc(len);
            char **grown = realloc(names, (k + 1) * sizeof *names);
            if (!full || !grown) {
                free(full);
                closedir(d);
                return -1;
            }
            names = grown;
            snprintf(full, len, "%s/%s", path, e->d_name);
            names[k++] = full;
        }
        closedir(d);
        qsort(names, k, sizeof *names, cmp_str);
    } else {
        names = malloc(sizeof *names);
        if (!names || !(names[0] = strdup(path))) return -1;
        k = 1;
    }
    if (*n + k > *cap) {
        size_t nc = (*n + k) * 2;
        char **grown = realloc(*list, nc * sizeof **list);
        if (!grown) return -1;
        *list = grown;
        *cap = nc;
    }
    for (size_t i = 0; i < k; i++) (*list)[start + i] = names[i];
    *n += k;
    free(names);
    return 0;
}

/* ------------------------------------------------------------ jobs */

typedef struct {
    rd_run *run;
    const hvic_model *model;  /* shared read-only by the workers */
    int enc_threads;          /* threads of each encode and decode (0: per CPU) */
    pthread_mutex_t lock;     /* guards next, done and the progress line */
    size_t next, done, total;
    int tty;
} job_queue;

static void run_job(const rd_run *run, const hvic_model *model, int enc_threads, size_t config,
                    size_t image)
{
    const rd_config *c = &run->configs[config];
    const hvic_image *img = &run->images[image];
    rd_result *r = rd_res(run, config, image);
    double px = (double)img->width * img->height;
    hvic_image dec = {0};
    r->bpp_y = r->bpp_z = NAN;
    if (c->kind == RD_HVIC || c->kind == RD_PIXEL || c->kind == RD_AUTO) {
        const int coder = c->kind == RD_PIXEL ? HVIC_CODER_PIXEL
                          : c->kind == RD_AUTO ? HVIC_CODER_AUTO : HVIC_CODER_MODEL;
        rd_coded cd;
        r->st = rd_code_image(model, img, c->beta_y, c->beta_z, coder, c->quality, enc_threads,
                              &cd, &dec);
        if (r->st != HVIC_OK) return;
        r->bytes = cd.bytes;
        r->bytes_y = cd.ylat_bytes;
        r->bytes_z = cd.zlat_bytes;
        if (c->kind != RD_PIXEL) {
            r->bpp_y = cd.ylat_bytes * 8.0 / px;
            r->bpp_z = cd.zlat_bytes * 8.0 / px;
        }
        r->enc_s = cd.enc_s;
        r->dec_s = cd.dec_s;
    } else {
        rd_jpeg_subsampling ss = c->kind == RD_JPEG420 ? RD_JPEG_420 : RD_JPEG_444;
        uint8_t *jpg = NULL;
        size_t len = 0;
        double t0 = now_s();
        r->st = rd_jpeg_encode(img, c->quality, ss, &jpg, &len);
        double t1 = now_s();
        if (r->st == HVIC_OK) r->st = hvic_image_read_memory(jpg, len, 0, &dec, NULL);
        double t2 = now_s();
        hvic_free(jpg);
        if (r->st != HVIC_OK) return;
        r->bytes = len;
        r->enc_s = t1 - t0;
        r->dec_s = t2 - t1;
    }
    r->bpp = r->bytes * 8.0 / px;
    r->st = hvic_psnr(img, &dec, &r->psnr);
    if (r->st == HVIC_OK) r->st = hvic_ms_ssim(img, &dec, &r->ms_ssim);
    hvic_image_free(&dec);
}

/* A worker: takes jobs in image-major order (neighbouring jobs share an
 * image) until none are left, printing the progress line after each. */
static void *job_worker(void *arg)
{
    job_queue *q = arg;
    pthread_mutex_lock(&q->lock);
    while (q->next < q->total) {
        const size_t j = q->next++;
        pthread_mutex_unlock(&q->lock);
        run_job(q->run, q->model, q->enc_threads, j % q->run->nconfigs, j / q->run->nconfigs);
        pthread_mutex_lock(&q->lock);
        q->done++;
        if (q->tty || q->done == q->total || q->done % (q->total / 10 + 1) == 0)
            fprintf(stderr, "%shvic rd: %zu/%zu encode+decode done%s", q->tty ? "\r" : "",
                    q->done, q->total, q->tty && q->done < q->total ? "" : "\n");
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* jobs workers (this thread and jobs - 1 more). With one job each encode
 * and decode uses every CPU; with several, one each. */
static int run_jobs(rd_run *run, const hvic_model *model, int jobs)
{
    job_queue q = {run, model, jobs > 1 ? 1 : 0, PTHREAD_MUTEX_INITIALIZER, 0, 0,
                   run->nconfigs * run->nimages, isatty(STDERR_FILENO)};
    pthread_t tid[MAX_LIST];
    int started = 0;
    while (started < jobs - 1 && started < MAX_LIST &&
           pthread_create(&tid[started], NULL, job_worker, &q) == 0)
        started++;
    job_worker(&q);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    for (size_t c = 0; c < run->nconfigs; c++)
        for (size_t i = 0; i < run->nimages; i++) {
            const rd_result *r = rd_res(run, c, i);
            if (r->st != HVIC_OK) {
                fprintf(stderr, "hvic rd: %s: %s\n", run->image_paths[i], hvic_strerror(r->st));
                return 1;
            }
        }
    return 0;
}

/* ------------------------------------------------------------ main */

static size_t add_config(rd_config *cfg, size_t *n, rd_config c)
{
    for (size_t i = 0; i < *n; i++)
        if (c.kind == RD_HVIC && cfg[i].kind == RD_HVIC && cfg[i].beta_y == c.beta_y &&
            cfg[i].beta_z == c.beta_z) {
            cfg[i].main_curve |= c.main_curve;
            return i;
        }
    cfg[*n] = c;
    return (*n)++;
}

typedef struct {
    const char *prefix, *model_path, *betas_arg, *qual_arg, *pixel_arg;
    int jobs, beta_grid, autocoder;
} rd_opts;

/* The sweep over the images at paths[0..npaths); returns the exit status. */
static int sweep(const rd_opts *o, char *const *paths, size_t npaths)
{
    double betas[MAX_LIST], qd[MAX_LIST];
    int nbetas = 0, nq = parse_list(o->qual_arg, qd, MAX_LIST);
    if (nq < 0) return usage("bad --jpeg-qualities", o->qual_arg);
    for (int i = 0; i < nq; i++)
        if (qd[i] != floor(qd[i]) || qd[i] > 100)
            return usage("JPEG quality must be 1..100", o->qual_arg);
    if (o->betas_arg && (nbetas = parse_list(o->betas_arg, betas, MAX_LIST)) < 0)
        return usage("bad --betas", o->betas_arg);
    double pe[MAX_LIST];
    int npe = o->pixel_arg && *o->pixel_arg ? parse_list(o->pixel_arg, pe, MAX_LIST) : 0;
    for (int i = 0; i < npe; i++)
        if (pe[i] != floor(pe[i]) || pe[i] < 1 || pe[i] > HVIC_PIXEL_MAX_ERROR) npe = -1;
    if (npe < 0) return usage("--pixel-errors takes max errors 1..31 (0, lossless, has no PSNR)", o->pixel_arg);

    hvic_model *model = NULL;
    hvic_status st;
    if (!o->model_path && !cli_default_model()) {
        if (o->betas_arg || o->beta_grid) {
            fprintf(stderr, "hvic rd: --betas and --beta-grid need a model: no default model "
                            "(set HVIC_MODEL or use --model FILE)\n");
            return 1;
        }
        fprintf(stderr, "hvic rd: no model (set HVIC_MODEL or use --model FILE); "
                        "JPEG baseline only\n");
    } else {
        if (cli_load_model(o->model_path, &model) != HVIC_OK) return 1;
        if (!o->betas_arg) {  /* the model's levels */
            nbetas = hvic_model_levels(model);
            for (int i = 0; i < nbetas; i++) betas[i] = short_double(hvic_model_beta(model, i));
        }
    }
    rd_run run = {0};
    run.nimages = npaths;
    run.image_paths = (char **)paths;
    run.model_id = model ? hvic_model_id(model) : "none";
    run.ngrid = o->beta_grid ? (size_t)nbetas : 0;  /* the --betas list, else the levels */
    size_t maxcfg = (size_t)nbetas * (o->autocoder ? 2 : 1) + 2 * (size_t)nq + (size_t)npe +
                    run.ngrid * run.ngrid;
    run.configs = calloc(maxcfg, sizeof *run.configs);
    run.grid = calloc(run.ngrid * run.ngrid + 1, sizeof *run.grid);
    run.images = calloc(npaths, sizeof *run.images);
    int rc = 1;
    if (!run.configs || !run.grid || !run.images) {
        fprintf(stderr, "hvic rd: out of memory\n");
        goto out;
    }

    for (int i = 0; i < nbetas; i++)
        add_config(run.configs, &run.nconfigs, (rd_config){RD_HVIC, 0, betas[i], betas[i], 1});
    for (int k = RD_JPEG420; k <= RD_JPEG444; k++)
        for (int i = 0; i < nq; i++)
            add_config(run.configs, &run.nconfigs, (rd_config){(rd_codec_kind)k, (int)qd[i], 0, 0, 1});
    for (int i = 0; i < npe; i++)
        add_config(run.configs, &run.nconfigs, (rd_config){RD_PIXEL, (int)pe[i], 0, 0, 1});
    for (int i = 0; o->autocoder && i < nbetas; i++)
        add_config(run.configs, &run.nconfigs, (rd_config){RD_AUTO, 0, betas[i], betas[i], 1});
    for (size_t i = 0; i < run.ngrid; i++)
        for (size_t j = 0; j < run.ngrid; j++)
            run.grid[i * run.ngrid + j] = add_config(
                run.configs, &run.nconfigs,
                (rd_config){RD_HVIC, 0, betas[i], betas[j], 0});

    for (size_t i = 0; i < npaths; i++) {
        st = hvic_image_read_file(paths[i], 0, &run.images[i], NULL);
        if (st == HVIC_OK && (run.images[i].width < HVIC_MS_SSIM_MIN_DIM ||
                              run.images[i].height < HVIC_MS_SSIM_MIN_DIM)) {
            fprintf(stderr, "hvic rd: %s: smaller than %u px on a side (MS-SSIM needs 5 scales)\n",
                    paths[i], HVIC_MS_SSIM_MIN_DIM);
            goto out;
        }
        if (st != HVIC_OK) {
            fprintf(stderr, "hvic rd: %s: %s\n", paths[i], hvic_strerror(st));
            goto out;
        }
    }
    run.results = calloc(run.nconfigs * npaths, sizeof *run.results);
    if (!run.results) {
        fprintf(stderr, "hvic rd: out of memory\n");
        goto out;
    }
    fprintf(stderr, "hvic rd: %zu images x %zu settings, %d thread%s\n", npaths, run.nconfigs,
            o->jobs, o->jobs > 1 ? "s" : "");
    if (run_jobs(&run, model, o->jobs) != 0) goto out;
    rc = rd_report(&run, o->prefix);
out:
    for (size_t i = 0; run.images && i < npaths; i++) hvic_image_free(&run.images[i]);
    free(run.images);
    free(run.configs);
    free(run.grid);
    free(run.results);
    hvic_model_free(model);
    return rc;
}

static const char rd_help[] =
    "Usage: hvic rd DIR|FILES... [options]\n"
    "       hvic rd --bd A.json B.json   (BD-rate of B against anchor A)\n\n"
    "Encodes and decodes every PNG/JPEG image with hvic at each beta and with\n"
    "libjpeg-turbo (4:2:0 and 4:4:4, optimized Huffman) at each quality; prints a\n"
    "summary and the BD-rate of hvic against JPEG 4:2:0 on PSNR and MS-SSIM (dB).\n\n"
    "  --betas B1,B2,...         hvic betas (default: the model's levels; beta_y = beta_z)\n"
    "  --coder auto              also the curve 'auto': the same betas with encode\n"
    "                            --coder auto (the model or, where it is smaller and\n"
    "                            no worse, the pixel coder): PREFIX-hvic-auto.json\n"
    "  --beta-grid               also sweep beta_y x beta_z, report R_y, R_z, distortion\n"
    "  --jpeg-qualities Q1,...   JPEG qualities 1..100 (default 5..95)\n"
    "  --pixel-errors K1,...     max errors 1..31 of hvic's pixel coder (encode\n"
    "                            --max-error; default 1,2,4,8,16; '' for none)\n"
    "  --jobs N                  code N image/setting pairs at once (default 1)\n"
    "  --model FILE              model file (default: $HVIC_MODEL, else the installed one)\n"
    "  --out PREFIX              output prefix (default 'rd'): PREFIX-images.csv,\n"
    "                            PREFIX-hvic.json, PREFIX-jpeg420.json, PREFIX-jpeg444.json,\n"
    "                            PREFIX-hvic-pixel.json\n"
    "                            (CompressAI format), PREFIX-betagrid.csv with --beta-grid\n";

int hvic_cmd_rd(int argc, char **argv)
{
    if (argc >= 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
        fputs(rd_help, stdout);
        return 0;
    }
    rd_opts o = {"rd", NULL, NULL, default_qualities, default_pixel_errors, 1, 0, 0};
    char **paths = NULL;
    size_t npaths = 0, cap = 0;
    int rc = -1;

    if (argc >= 1 && strcmp(argv[0], "--bd") == 0) return hvic_cmd_bdrate(argc - 1, argv + 1);
    for (int i = 0; i < argc && rc < 0; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "--betas") && has_val) o.betas_arg = argv[++i];
        else if (!strcmp(a, "--jpeg-qualities") && has_val) o.qual_arg = argv[++i];
        else if (!strcmp(a, "--pixel-errors") && has_val) o.pixel_arg = argv[++i];
        else if (!strcmp(a, "--out") && has_val) o.prefix = argv[++i];
        else if (!strcmp(a, "--model") && has_val) o.model_path = argv[++i];
        else if (!strcmp(a, "--jobs") && has_val) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > MAX_LIST) rc = usage("--jobs takes 1..64", argv[i]);
            o.jobs = (int)v;
        } else if (!strcmp(a, "--beta-grid")) o.beta_grid = 1;
        else if (!strcmp(a, "--coder") && has_val && !strcmp(argv[i + 1], "auto")) {
            o.autocoder = 1;
            i++;
        }
        else if (a[0] == '-' && a[1]) rc = usage("unknown option or missing value", a);
        else if (add_input(a, &paths, &npaths, &cap) != 0) rc = 1;
    }
    if (rc < 0 && npaths == 0) rc = usage("rd needs a directory or image files", NULL);
    if (rc < 0) rc = sweep(&o, paths, npaths);
    for (size_t i = 0; i < npaths; i++) free(paths[i]);
    free(paths);
    return rc;
}
