/* `hvic rd` output: per-image CSV, per-codec CompressAI JSON, beta-grid CSV,
 * summary and BD-rates; and `hvic bdrate A.json B.json`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdrate.h"
#include "imageio.h"
#include "rd.h"
#include "rd_json.h"
#include "rd_run.h"

static const char *const kind_name[RD_KINDS] = {"hvic", "jpeg420", "jpeg444", "hvic-pixel", "hvic-auto"};

/* Mean over images of each measure of one config. */
typedef struct {
    double bpp, bpp_y, bpp_z, psnr, ms_ssim, enc_s, dec_s;
} rd_mean;

static rd_mean mean_of(const rd_run *run, size_t c)
{
    rd_mean m = {0};
    for (size_t i = 0; i < run->nimages; i++) {
        const rd_result *r = rd_res(run, c, i);
        m.bpp += r->bpp;
        m.bpp_y += r->bpp_y;
        m.bpp_z += r->bpp_z;
        m.psnr += r->psnr;
        m.ms_ssim += r->ms_ssim;
        m.enc_s += r->enc_s;
        m.dec_s += r->dec_s;
    }
    double n = (double)run->nimages;
    m.bpp /= n, m.bpp_y /= n, m.bpp_z /= n, m.psnr /= n, m.ms_ssim /= n, m.enc_s /= n, m.dec_s /= n;
    return m;
}

/* Empty field for NaN (not applicable). */
static void put_num(FILE *f, const char *fmt, double v)
{
    fputc(',', f);
    if (!isnan(v)) fprintf(f, fmt, v);
}

static FILE *open_out(const char *prefix, const char *suffix, char *path, size_t cap)
{
    snprintf(path, cap, "%s-%s", prefix, suffix);
    FILE *f = fopen(path, "w");
    if (!f) perror(path);
    return f;
}

static int close_out(FILE *f, const char *path)
{
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "hvic rd: %s: write failed\n", path);
        return 1;
    }
    return 0;
}

static int write_images_csv(const rd_run *run, const char *prefix)
{
    char path[4096];
    FILE *f = open_out(prefix, "images.csv", path, sizeof path);
    if (!f) return 1;
    fprintf(f, "image,codec,quality,beta_y,beta_z,width,height,bytes,bytes_y,bytes_z,bpp,bpp_y,"
               "bpp_z,psnr,ms_ssim,ms_ssim_db,enc_s,dec_s\n");
    for (size_t i = 0; i < run->nimages; i++)
        for (size_t c = 0; c < run->nconfigs; c++) {
            const rd_config *cf = &run->configs[c];
            const rd_result *r = rd_res(run, c, i);
            int hv = cf->kind == RD_HVIC || cf->kind == RD_AUTO;
            fprintf(f, "%s,%s", run->image_paths[i], kind_name[cf->kind]);
            put_num(f, "%.0f", hv ? NAN : cf->quality);
            put_num(f, "%.9g", hv ? cf->beta_y : NAN);
            put_num(f, "%.9g", hv ? cf->beta_z : NAN);
            fprintf(f, ",%u,%u,%zu", (unsigned)run->images[i].width,
                    (unsigned)run->images[i].height, r->bytes);
            put_num(f, "%.0f", hv ? (double)r->bytes_y : NAN);
            put_num(f, "%.0f", hv ? (double)r->bytes_z : NAN);
            put_num(f, "%.6f", r->bpp);
            put_num(f, "%.6f", r->bpp_y);
            put_num(f, "%.6f", r->bpp_z);
            put_num(f, "%.6f", r->psnr);
            put_num(f, "%.8f", r->ms_ssim);
            put_num(f, "%.6f", hvic_ms_ssim_db(r->ms_ssim));
            put_num(f, "%.6f", r->enc_s);
            put_num(f, "%.6f", r->dec_s);
            fputc('\n', f);
        }
    return close_out(f, path);
}

/* Curve of one codec: mean bpp / PSNR / MS-SSIM dB of its main configs. */
typedef struct {
    size_t n;
    double bpp[64], psnr[64], msdb[64];
} curve;

static int write_codec_json(const rd_run *run, rd_codec_kind kind, const char *prefix, curve *cv)
{
    size_t idx[64], n = 0;
    for (size_t c = 0; c < run->nconfigs && n < 64; c++)
        if (run->configs[c].kind == kind && run->configs[c].main_curve) idx[n++] = c;
    cv->n = n;
    if (n == 0) return 0;
    double bpp[64], psnr[64], ms[64], msdb[64], enc[64], dec[64], par[64], bz[64];
    for (size_t k = 0; k < n; k++) {
        rd_mean m = mean_of(run, idx[k]);
        const rd_config *cf = &run->configs[idx[k]];
        bpp[k] = cv->bpp[k] = m.bpp;
        psnr[k] = cv->psnr[k] = m.psnr;
        ms[k] = m.ms_ssim;
        msdb[k] = cv->msdb[k] = hvic_ms_ssim_db(m.ms_ssim);
        enc[k] = m.enc_s;
        dec[k] = m.dec_s;
        par[k] = kind == RD_HVIC || kind == RD_AUTO ? cf->beta_y : cf->quality; /* pixel: max error */
        bz[k] = cf->beta_z;
    }
    rd_series s[] = {
        {"bpp", bpp, n}, {"psnr-rgb", psnr, n}, {"ms-ssim", ms, n}, {"ms-ssim-db", msdb, n},
        {"encoding_time", enc, n}, {"decoding_time", dec, n},
        {kind == RD_HVIC || kind == RD_AUTO ? "beta_y" : kind == RD_PIXEL ? "max_error" : "quality", par, n},
        {"beta_z", bz, n},
    };
    char desc[256], path[4096], suffix[32];
    if (kind == RD_HVIC || kind == RD_AUTO)
        snprintf(desc, sizeof desc, "hvic%s, model %s; means over %zu images",
                 kind == RD_AUTO ? " --coder auto (model or pixel coder)" : "", run->model_id,
                 run->nimages);
    else if (kind == RD_PIXEL)
        snprintf(desc, sizeof desc, "hvic pixel coder (near-lossless); means over %zu images",
                 run->nimages);
    else
        snprintf(desc, sizeof desc, "libjpeg-turbo, -optimize, %s; means over %zu images",
                 kind == RD_JPEG420 ? "4:2:0" : "4:4:4", run->nimages);
    snprintf(suffix, sizeof suffix, "%s.json", kind_name[kind]);
    FILE *f = open_out(prefix, suffix, path, sizeof path);
    if (!f) return 1;
    rd_json_write(f, kind_name[kind], desc, s, kind == RD_HVIC || kind == RD_AUTO ? 8 : 7);
    return close_out(f, path);
}

static int write_grid_csv(const rd_run *run, const char *prefix)
{
    char path[4096];
    FILE *f = open_out(prefix, "betagrid.csv", path, sizeof path);
    if (!f) return 1;
    fprintf(f, "beta_y,beta_z,bpp_y,bpp_z,bpp,psnr,ms_ssim,ms_ssim_db\n");
    for (size_t i = 0; i < run->ngrid * run->ngrid; i++) {
        size_t c = run->grid[i];
        rd_mean m = mean_of(run, c);
        fprintf(f, "%.9g,%.9g,%.6f,%.6f,%.6f,%.6f,%.8f,%.6f\n", run->configs[c].beta_y,
                run->configs[c].beta_z, m.bpp_y, m.bpp_z, m.bpp, m.psnr, m.ms_ssim,
                hvic_ms_ssim_db(m.ms_ssim));
    }
    return close_out(f, path);
}

static void range_of(const double *v, size_t n, double *lo, double *hi)
{
    *lo = INFINITY, *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < *lo) *lo = v[i];
        if (v[i] > *hi) *hi = v[i];
    }
}

/* Print "LABEL: x.xx %" or "LABEL: n/a (reason)". */
static void print_bd(const char *label, const double *ra, const double *qa, size_t na,
                     const double *rb, const double *qb, size_t nb)
{
    rd_curve a = {ra, qa, na}, b = {rb, qb, nb};
    double v, alo, ahi, blo, bhi;
    range_of(qa, na, &alo, &ahi);
    range_of(qb, nb, &blo, &bhi);
    if (na < 2 || nb < 2) printf("%-44s n/a (fewer than 2 points)\n", label);
    else if (fmax(alo, blo) >= fmin(ahi, bhi))
        printf("%-44s n/a (quality ranges do not overlap: %.2f..%.2f vs %.2f..%.2f dB)\n", label,
               alo, ahi, blo, bhi);
    else if (rd_bd_rate(&a, &b, &v) != HVIC_OK)
        printf("%-44s n/a (a curve repeats a quality or has a non-finite value)\n", label);
    else printf("%-44s %+.2f %%\n", label, v);
}

int rd_report(const rd_run *run, const char *prefix)
{
    curve cv[RD_KINDS];
    int bad = write_images_csv(run, prefix);
    for (int k = 0; k < RD_KINDS; k++) bad |= write_codec_json(run, (rd_codec_kind)k, prefix, &cv[k]);
    if (run->ngrid) bad |= write_grid_csv(run, prefix);

    printf("%-10s %9s %9s %9s %9s %11s %9s %9s\n", "codec", "setting", "bpp", "PSNR", "MS-SSIM",
           "MS-SSIM dB", "enc s", "dec s");
    for (size_t c = 0; c < run->nconfigs; c++) {
        const rd_config *cf = &run->configs[c];
        if (!cf->main_curve) continue;
        rd_mean m = mean_of(run, c);
        char set[32];
        if (cf->kind == RD_HVIC || cf->kind == RD_AUTO) snprintf(set, sizeof set, "b=%g", cf->beta_y);
        else if (cf->kind == RD_PIXEL) snprintf(set, sizeof set, "e=%d", cf->quality);
        else snprintf(set, sizeof set, "q=%d", cf->quality);
        printf("%-10s %9s %9.4f %9.3f %9.5f %11.3f %9.4f %9.4f\n", kind_name[cf->kind], set, m.bpp,
               m.psnr, m.ms_ssim, hvic_ms_ssim_db(m.ms_ssim), m.enc_s, m.dec_s);
    }
    const curve *j = &cv[RD_JPEG420];
    for (int k = 0; k < RD_KINDS; k += k == 0 ? 2 : 1) {  /* hvic, jpeg444, pixel vs jpeg420 */
        if (k >= RD_PIXEL && !cv[k].n) continue;
        char label[96];
        snprintf(label, sizeof label, "BD-rate %s vs jpeg420 (PSNR):", kind_name[k]);
        print_bd(label, j->bpp, j->psnr, j->n, cv[k].bpp, cv[k].psnr, cv[k].n);
        snprintf(label, sizeof label, "BD-rate %s vs jpeg420 (MS-SSIM dB):", kind_name[k]);
        print_bd(label, j->bpp, j->msdb, j->n, cv[k].bpp, cv[k].msdb, cv[k].n);
    }
    if (fflush(stdout) != 0) bad = 1;
    return bad;
}

/* ------------------------------------------------------------ hvic bdrate */

static int load_json(const char *path, rd_json_curve *c)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hvic_status st = hvic_file_read(path, &buf, &len);
    if (st == HVIC_OK) st = rd_json_read((const char *)buf, len, c);
    hvic_free(buf);
    if (st != HVIC_OK) {
        fprintf(stderr, "hvic bdrate: %s: %s\n", path,
                st == HVIC_ERR_FORMAT ? "not a CompressAI-format RD JSON file" : hvic_strerror(st));
        return 1;
    }
    return 0;
}

int hvic_cmd_bdrate(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != 0) {
            fprintf(stderr, "hvic bdrate: unknown option: %s (see 'hvic bdrate --help')\n", argv[i]);
            return 2;
        }
    }
    if (argc != 2) {
        fprintf(stderr, "hvic bdrate: takes ANCHOR.json TEST.json (see 'hvic bdrate --help')\n");
        return 2;
    }
    rd_json_curve a, b;
    if (load_json(argv[0], &a)) return 1;
    if (load_json(argv[1], &b)) {
        rd_json_free(&a);
        return 1;
    }
    printf("anchor: %s (%zu points)\ntest:   %s (%zu points)\n", a.name, a.n, b.name, b.n);
    if (a.has_psnr && b.has_psnr) {
        print_bd("BD-rate (PSNR):", a.bpp, a.psnr, a.n, b.bpp, b.psnr, b.n);
        rd_curve ca = {a.bpp, a.psnr, a.n}, cb = {b.bpp, b.psnr, b.n};
        double d;
        if (rd_bd_quality(&ca, &cb, &d) == HVIC_OK) printf("%-44s %+.3f dB\n", "BD-PSNR:", d);
    }
    if (a.has_ms_ssim && b.has_ms_ssim) {
        for (size_t i = 0; i < a.n; i++) a.ms_ssim[i] = hvic_ms_ssim_db(a.ms_ssim[i]);
        for (size_t i = 0; i < b.n; i++) b.ms_ssim[i] = hvic_ms_ssim_db(b.ms_ssim[i]);
        print_bd("BD-rate (MS-SSIM dB):", a.bpp, a.ms_ssim, a.n, b.bpp, b.ms_ssim, b.n);
    }
    rd_json_free(&a);
    rd_json_free(&b);
    return fflush(stdout) != 0;
}
