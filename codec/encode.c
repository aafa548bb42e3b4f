/* hvic_encode(): image -> latents (analysis/) -> rANS streams -> container.
 * Also the encoder-side rate controls: quality -> beta -> gain position. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvic_advanced.h"
#include "hyper.h"
#include "image.h"
#include "model.h"
#include "parallel.h"
#include "pixel.h"
#include "analysis.h"
#include "synthesis.h"
#include "rans.h"

int hvic_encode_params_init(hvic_encode_params *p, int abi_version)
{
    if (!p || abi_version != HVIC_ABI_VERSION) return 0;
    memset(p, 0, sizeof *p);
    p->quality = HVIC_QUALITY_DEFAULT;
    return 1;
}

/* The beta at fractional level position t (0..L-1): log-linear between levels. */
static float level_beta(const hvic_model *m, double t)
{
    int l = (int)t;
    if (l > m->L - 2) l = m->L - 2;
    double f = t - l;
    return (float)exp((1.0 - f) * log(m->betas[l]) + f * log(m->betas[l + 1]));
}

/* Continuous level position of beta (log-linear between levels, clamped). */
static double beta_level(const hvic_model *m, double beta)
{
    const int L = m->L;
    double b = log(beta);
    if (b >= log((double)m->betas[0])) return 0.0;
    if (b <= log((double)m->betas[L - 1])) return L - 1;
    int l = 0; /* last level whose beta is >= beta */
    while (l + 1 < L - 1 && log((double)m->betas[l + 1]) >= b) l++;
    double l0 = log((double)m->betas[l]), l1 = log((double)m->betas[l + 1]);
    return l + (l0 - b) / (l0 - l1);
}

float hvic_quality_to_beta(const hvic_model *m, int quality)
{
    if (!m) return 0.0f;
    if (quality < 0) quality = 0;
    if (quality > HVIC_QUALITY_MAX) quality = HVIC_QUALITY_MAX;
    /* Two linear pieces in level position: 0 -> the largest beta,
     * HVIC_QUALITY_DEFAULT -> HVIC_QUALITY_DEFAULT_BETA, HVIC_QUALITY_MAX ->
     * the smallest, so that a quality means about the same with models of
     * other beta ranges. */
    const double q = quality, qd = HVIC_QUALITY_DEFAULT, qm = HVIC_QUALITY_MAX;
    const double pd = beta_level(m, HVIC_QUALITY_DEFAULT_BETA), pm = m->L - 1;
    const double t = q <= qd ? q * pd / qd : pd + (q - qd) * (pm - pd) / (qm - qd);
    return level_beta(m, t);
}

uint32_t hvic_beta_to_gain_pos(const hvic_model *m, float beta)
{
    if (!m || !(beta > 0.0f) || !isfinite(beta)) return 0;
    const int L = m->L;
    double b = log((double)beta);
    if (b >= log((double)m->betas[0])) return 0;
    if (b <= log((double)m->betas[L - 1])) return (uint32_t)(L - 1) * HVIC_GAIN_POS_ONE;
    double pos = nearbyint(beta_level(m, beta) * HVIC_GAIN_POS_ONE);
    double max = (double)(L - 1) * HVIC_GAIN_POS_ONE;
    return (uint32_t)(pos < 0 ? 0 : pos > max ? max : pos);
}

/* Codes zhat (N channels, each with its own CDF) into *out. */
static hvic_status code_z(const hvic_model *m, const hv_latents *l, uint8_t **out, size_t *len)
{
    hv_rans_encoder *enc = hv_rans_encoder_new();
    if (!enc) return HVIC_ERR_NOMEM;
    const size_t n = (size_t)l->zh * l->zw;
    hvic_status st = HVIC_OK;
    for (int c = 0; c < l->N && st == HVIC_OK; c++)
        for (size_t i = 0; i < n && st == HVIC_OK; i++)
            st = hv_rans_put(enc, &m->z_cdfs[c], l->zhat[(size_t)c * n + i]);
    if (st == HVIC_OK) st = hv_rans_finish(enc, out, len);
    hv_rans_encoder_free(enc);
    return st;
}

/* Codes q with the Gaussian CDF of each element's scale index. */
static hvic_status code_y(const hvic_model *m, const hv_latents *l, uint8_t **out, size_t *len)
{
    hv_rans_encoder *enc = hv_rans_encoder_new();
    if (!enc) return HVIC_ERR_NOMEM;
    const size_t n = (size_t)l->M * l->yh * l->yw;
    hvic_status st = HVIC_OK;
    for (size_t i = 0; i < n && st == HVIC_OK; i++)
        st = hv_rans_put(enc, &m->y_cdfs.cdfs[l->idx[i]], l->q[i]);
    if (st == HVIC_OK) st = hv_rans_finish(enc, out, len);
    hv_rans_encoder_free(enc);
    return st;
}

/* A container of a width x height RGB image with metadata md (or none),
 * its streams and model still to fill in. */
static void container_init(hvic_container *c, uint32_t width, uint32_t height, const hvic_metadata *md)
{
    memset(c, 0, sizeof *c);
    c->width = width;
    c->height = height;
    c->channels = 3;
    c->bit_depth = 8;
    if (md) {
        c->icc = md->icc;
        c->icc_size = md->icc_size;
        c->exif = md->exif;
        c->exif_size = md->exif_size;
        c->xmp = md->xmp;
        c->xmp_size = md->xmp_size;
    }
}

/* The complete file of latents l: z and y streams in a container. */
static hvic_status write_file(const hvic_model *m, uint32_t width, uint32_t height,
                              const hv_latents *l, float by, float bz, uint32_t py, uint32_t pz,
                              const hvic_metadata *md, uint8_t **out, size_t *out_len)
{
    uint8_t *zs = NULL, *ys = NULL;
    size_t zlen = 0, ylen = 0;
    hvic_status st = code_z(m, l, &zs, &zlen);
    if (st == HVIC_OK) st = code_y(m, l, &ys, &ylen);
    if (st == HVIC_OK) {
        hvic_container c;
        container_init(&c, width, height, md);
        memcpy(c.model_id, m->id, sizeof c.model_id);
        c.model_digest = m->digest;
        c.num_layers = HVIC_NUM_LAYERS;
        c.layers[0] = (hvic_layer_info){(uint16_t)l->N, (uint16_t)l->zh, (uint16_t)l->zw, bz, pz};
        c.layers[1] = (hvic_layer_info){(uint16_t)l->M, (uint16_t)l->yh, (uint16_t)l->yw, by, py};
        c.zlat = zs;
        c.zlat_size = zlen;
        c.ylat = ys;
        c.ylat_size = ylen;
        st = hvic_container_write(&c, out, out_len);
    }
    free(zs);
    free(ys);
    return st;
}

/* The pixel coder's file (container version 2): PIXL and the metadata.
 * max_bytes > 0: stop early, with *out NULL, if the payload will not fit
 * (hv_pixel_encode). */
static hvic_status encode_pixel(const uint8_t *rgb, uint32_t width, uint32_t height, size_t stride,
                                unsigned max_error, int threads, uint64_t max_bytes,
                                const hvic_metadata *md, uint8_t **out, size_t *out_len)
{
    uint8_t *ps = NULL;
    size_t plen = 0;
    *out = NULL;
    *out_len = 0;
    hvic_status st = hv_pixel_encode(rgb, width, height, stride, max_error, threads, max_bytes, &ps, &plen);
    if (st == HVIC_OK && ps) {
        hvic_container c;
        container_init(&c, width, height, md);
        memcpy(c.model_id, "pixel", 6);
        c.pixl = ps;
        c.pixl_size = plen;
        st = hvic_container_write(&c, out, out_len);
    }
    free(ps);
    return st;
}

/* HVIC_CODER_AUTO after the model's file *out (latents l, beta_y by): the
 * mode decision of the training objective, J = MSE + beta_y * bpp (MSE per
 * sample in squared code values, bpp of the whole file). The model's J comes
 * from the decoder's reconstruction (this CPU's g_s); the pixel coder's from
 * its exact squared error (hv_pixel_sse) and coded size, searched downhill
 * over a grid of max errors 1..31 from 8. The pixel file replaces *out if
 * its J is lower. */
/* The pixel files of try_pixel's search: their costs, the cheapest kept. */
typedef struct {
    const uint8_t *rgb;
    uint32_t width, height;
    size_t stride;
    const hvic_metadata *md;
    int threads;
    const uint64_t *sse;  /* hv_pixel_sse */
    double by, px, n;     /* beta_y, pixels, samples */
    double bound;         /* the lowest J so far: the model's, then the best pixel file's */
    uint8_t *best;
    size_t best_len;
    int best_g;
} pixel_search;

/* Codes grid point g unless it cannot beat the cheapest so far (s->bound):
 * J = MSE + beta_y * bpp < bound needs fewer than (bound - MSE) px / (8 beta)
 * bytes, the pixel coder's early stop. */
static hvic_status pixel_try(pixel_search *s, const unsigned *grid, int g)
{
    const double mse = (double)s->sse[grid[g]] / s->n;
    const double room = (s->bound - mse) * s->px / (8.0 * s->by); /* bytes */
    if (!(room >= 1.0)) return HVIC_OK;
    uint8_t *f = NULL;
    size_t len = 0;
    hvic_status st = encode_pixel(s->rgb, s->width, s->height, s->stride, grid[g], s->threads,
                                  room < 1e18 ? (uint64_t)room : 0, s->md, &f, &len);
    if (st != HVIC_OK || !f) return st;
    const double cost = mse + s->by * (8.0 * (double)len / s->px);
    if (cost < s->bound) {
        free(s->best);
        s->best = f;
        s->best_len = len;
        s->best_g = g;
        s->bound = cost;
    } else {
        free(f);
    }
    return HVIC_OK;
}

static hvic_status try_pixel(const hvic_model *m, hv_latents *l, uint32_t py, float by,
                             const uint8_t *rgb, uint32_t width, uint32_t height, size_t stride,
                             const hvic_metadata *md, int threads, uint8_t **out, size_t *out_len)
{
    static const unsigned grid[] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 31}; /* lossless: on request only */
    enum { NG = sizeof grid / sizeof *grid, START = 5 };
    const double px = (double)width * height, n = 3.0 * px;
    hvic_image rec = {0};
    hv_recon_mu(m, py, l->q, l->idx, l->mu_q8, l->mu_q8, (size_t)l->M * l->yh * l->yw);
    hvic_status st = hvic_image_alloc(&rec, width, height);
    if (st == HVIC_OK)
        st = hv_synthesise(m, l->q, l->mu_q8, l->yh, l->yw, py, width, height, 0, threads, rec.rgb,
                           rec.stride);
    uint64_t sse = 0;
    for (uint32_t y = 0; y < height && st == HVIC_OK; y++)
        for (size_t i = 0; i < 3 * (size_t)width; i++) {
            const int d = rgb[y * stride + i] - rec.rgb[y * rec.stride + i];
            sse += (uint64_t)(d * d);
        }
    hvic_image_free(&rec);
    if (st != HVIC_OK) return st;
    uint64_t psse[HV_PIXEL_MAX_ERROR + 1];
    hv_pixel_sse(rgb, width, height, stride, psse);

    const double model_cost = (double)sse / n + by * (8.0 * (double)*out_len / px);
    pixel_search ps = {rgb, width, height, stride, md, threads, psse, by, px, n, model_cost, NULL, 0, -1};
    st = pixel_try(&ps, grid, START);
    /* downhill from START: smaller errors while they pay; else larger ones
     * (fewer bits), past any that cannot beat the model, while they pay */
    for (int g = START - 1; g >= 0 && st == HVIC_OK && ps.best_g == g + 1; g--) st = pixel_try(&ps, grid, g);
    if (ps.best_g == START || ps.best_g < 0)
        for (int g = START + 1; g < NG && st == HVIC_OK; g++) {
            const int had = ps.best_g;
            st = pixel_try(&ps, grid, g);
            if (had >= 0 && ps.best_g != g) break;
        }
    if (st == HVIC_OK && ps.best) {
        free(*out);
        *out = ps.best;
        *out_len = ps.best_len;
    } else {
        free(ps.best);
    }
    return st;
}

/* One pass of a target search: the file at gain position pos (beta_y = beta_z)
 * and the value the target measures: log(bytes), or the PSNR in dB of the
 * decoder's reconstruction (its latents, reconstruction offsets and g_s, as
 * hvic_decode computes them, without the entropy decoding). */
typedef struct target_pass {
    uint32_t pos;
    double value;
    uint8_t *file;
    size_t len;
} target_pass;

static hvic_status target_try(const hvic_model *m, const hv_floats *f, const uint8_t *rgb,
                              uint32_t width, uint32_t height, size_t stride, int psnr,
                              const hvic_metadata *md, int threads, target_pass *t)
{
    const float beta = level_beta(m, t->pos / (double)HVIC_GAIN_POS_ONE);
    hv_latents l;
    hvic_status st = hv_quantise(m, f, t->pos, t->pos, threads, &l);
    if (st != HVIC_OK) return st;
    st = write_file(m, width, height, &l, beta, beta, t->pos, t->pos, md, &t->file, &t->len);
    t->value = log((double)t->len);
    if (st == HVIC_OK && psnr) {
        hvic_image src = {width, height, stride, (uint8_t *)rgb, {0}}, rec = {0};
        hv_recon_mu(m, t->pos, l.q, l.idx, l.mu_q8, l.mu_q8, (size_t)l.M * l.yh * l.yw);
        st = hvic_image_alloc(&rec, width, height);
        if (st == HVIC_OK)
            st = hv_synthesise(m, l.q, l.mu_q8, l.yh, l.yw, t->pos, width, height, 0, threads,
                               rec.rgb, rec.stride);
        if (st == HVIC_OK) st = hvic_psnr(&src, &rec, &t->value);
        if (st == HVIC_OK && !isfinite(t->value)) t->value = 1000.0; /* lossless */
        hvic_image_free(&rec);
    }
    hv_latents_free(&l);
    return st;
}

/* Search of the gain position whose file meets the target (log bytes or PSNR,
 * both increasing with the position): the two ends of the range, then
 * regula falsi (Illinois) on the value, at most HVIC_TARGET_PASSES passes;
 * the pass closest to the target wins (ties: the smaller file). */
/* Keeps t's file in *best if t is closer to goal (ties: the smaller file),
 * else frees it; t keeps its position and value, not the file. */
static void keep_closer(target_pass *best, target_pass *t, double goal)
{
    double d = fabs(t->value - goal), db = fabs(best->value - goal);
    if (!best->file || d < db || (d == db && t->len < best->len)) {
        free(best->file);
        *best = *t;
    } else {
        free(t->file);
    }
    t->file = NULL;
}

static hvic_status target_search(const hvic_model *m, const hv_floats *f, const uint8_t *rgb,
                                 uint32_t width, uint32_t height, size_t stride, int psnr,
                                 double goal, const hvic_metadata *md, int threads,
                                 uint8_t **out, size_t *out_len)
{
    target_pass lo = {0, 0, NULL, 0}, hi = {hv_max_gain_pos(m), 0, NULL, 0}, best = lo;
    const double tol = psnr ? 0.02 : 0.005; /* dB, or log(bytes): 0.5 % */
    hvic_status st = target_try(m, f, rgb, width, height, stride, psnr, md, threads, &lo);
    int passes = 1, side = 0;
    if (st == HVIC_OK) keep_closer(&best, &lo, goal);
    if (st == HVIC_OK && lo.value < goal) {
        st = target_try(m, f, rgb, width, height, stride, psnr, md, threads, &hi);
        passes++;
        if (st == HVIC_OK) keep_closer(&best, &hi, goal);
    }
    double wlo = 1.0, whi = 1.0; /* Illinois weights */
    while (st == HVIC_OK && hi.pos > lo.pos + 1 && lo.value < goal && hi.value > goal &&
           fabs(best.value - goal) > tol && passes < HVIC_TARGET_PASSES) {
        double a = (goal - lo.value) * wlo, b = (hi.value - goal) * whi;
        target_pass t = {(uint32_t)nearbyint(lo.pos + (hi.pos - lo.pos) * (a / (a + b))), 0, NULL, 0};
        if (t.pos <= lo.pos) t.pos = lo.pos + 1;
        if (t.pos >= hi.pos) t.pos = hi.pos - 1;
        st = target_try(m, f, rgb, width, height, stride, psnr, md, threads, &t);
        passes++;
        if (st != HVIC_OK) break;
        keep_closer(&best, &t, goal);
        if (t.value < goal) {
            lo = t;
            whi = side == -1 ? whi * 0.5 : 1.0;
            side = -1;
        } else {
            hi = t;
            wlo = side == 1 ? wlo * 0.5 : 1.0;
            side = 1;
        }
    }
    if (st != HVIC_OK) {
        free(best.file);
        return st;
    }
    *out = best.file;
    *out_len = best.len;
    return HVIC_OK;
}

hvic_status hvic_encode(const hvic_model *m, const uint8_t *rgb, uint32_t width, uint32_t height,
                        size_t stride, const hvic_encode_params *p, uint8_t **out, size_t *out_len)
{
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    hvic_encode_params def;
    if (!p) {
        hvic_encode_params_default(&def);
        p = &def;
    }
    if ((!m && p->coder != HVIC_CODER_PIXEL) || !rgb || !out || !out_len) return HVIC_ERR_ARG;
    if (width < 1 || height < 1 || stride < 3 * (size_t)width) return HVIC_ERR_ARG;
    if (width > HVIC_MAX_DIM || height > HVIC_MAX_DIM) return HVIC_ERR_TOO_LARGE;
    if (!(p->beta_y >= 0.0f) || !isfinite(p->beta_y) || !(p->beta_z >= 0.0f) ||
        !isfinite(p->beta_z) || p->threads < 0)
        return HVIC_ERR_ARG;
    if (!(p->target_bpp >= 0.0) || !(p->target_psnr >= 0.0) || !isfinite(p->target_bpp) ||
        !isfinite(p->target_psnr))
        return HVIC_ERR_ARG;
    const int targets = (p->target_bytes > 0) + (p->target_bpp > 0) + (p->target_psnr > 0);
    if (targets > 1 || (targets && (p->beta_y > 0.0f || p->beta_z > 0.0f))) return HVIC_ERR_ARG;
    if (p->coder < HVIC_CODER_MODEL || p->coder > HVIC_CODER_AUTO || p->max_error < 0 ||
        p->max_error > HVIC_PIXEL_MAX_ERROR || (p->coder != HVIC_CODER_PIXEL && p->max_error) ||
        (p->coder == HVIC_CODER_PIXEL && (p->beta_y > 0.0f || p->beta_z > 0.0f)) ||
        (p->coder && targets))
        return HVIC_ERR_ARG;
    const hvic_metadata *md = p->metadata;
    if (md) { /* before the slow analysis, not only in hvic_container_write */
        hvic_status mst = hv_meta_check(md);
        if (mst != HVIC_OK) return mst;
    }
    if (p->coder == HVIC_CODER_PIXEL)
        return encode_pixel(rgb, width, height, stride, (unsigned)p->max_error,
                            p->threads ? p->threads : hv_default_threads(), 0, md, out, out_len);
    float by = p->beta_y, bz = p->beta_z;
    if (by == 0.0f) {
        if (p->quality < 0 || p->quality > HVIC_QUALITY_MAX) return HVIC_ERR_ARG;
        by = hvic_quality_to_beta(m, p->quality);
    }
    if (bz == 0.0f) bz = by;
    const uint32_t py = hvic_beta_to_gain_pos(m, by), pz = hvic_beta_to_gain_pos(m, bz);
    const int threads = p->threads ? p->threads : hv_default_threads();

    hv_floats f;
    hvic_status st = hv_transform(m, rgb, width, height, stride, threads, 0, &f);
    if (st != HVIC_OK) return st;
    if (targets) {
        double bytes = p->target_bpp > 0 ? p->target_bpp * width * height / 8.0 : (double)p->target_bytes;
        int psnr = p->target_psnr > 0;
        st = target_search(m, &f, rgb, width, height, stride, psnr,
                           psnr ? p->target_psnr : log(bytes < 1.0 ? 1.0 : bytes), md, threads,
                           out, out_len);
    } else {
        hv_latents l;
        st = hv_quantise(m, &f, py, pz, threads, &l);
        if (st == HVIC_OK) {
            st = write_file(m, width, height, &l, by, bz, py, pz, md, out, out_len);
            if (st == HVIC_OK && p->coder == HVIC_CODER_AUTO)
                st = try_pixel(m, &l, py, by, rgb, width, height, stride, md, threads, out, out_len);
            if (st != HVIC_OK) {
                free(*out);
                *out = NULL;
                *out_len = 0;
            }
            hv_latents_free(&l);
        }
    }
    hv_floats_free(&f);
    return st;
}

hvic_status hvic_encode_image(const hvic_model *m, const hvic_image *img, const hvic_encode_params *p,
                              uint8_t **out, size_t *out_len)
{
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (!img) return HVIC_ERR_ARG;
    hvic_encode_params q;
    if (p) q = *p;
    else hvic_encode_params_default(&q);
    if (!q.metadata) q.metadata = &img->meta;
    return hvic_encode(m, img->rgb, img->width, img->height, img->stride, &q, out, out_len);
}
