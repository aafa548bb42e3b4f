/* hvic_encode(): image -> latents (pipeline.c) -> rANS streams -> container.
 * Also the encoder-side rate controls: quality -> beta -> gain position. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvic.h"
#include "hyper.h"
#include "image_io.h"
#include "model.h"
#include "parallel.h"
#include "pipeline.h"
#include "rans.h"

void hvic_encode_params_default(hvic_encode_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->quality = HVIC_QUALITY_DEFAULT;
}

float hvic_quality_to_beta(const hvic_model *m, int quality)
{
    if (!m) return 0.0f;
    if (quality < 0) quality = 0;
    if (quality > HVIC_QUALITY_MAX) quality = HVIC_QUALITY_MAX;
    double t = quality / (double)HVIC_QUALITY_MAX * (m->L - 1);
    int l = (int)t;
    if (l > m->L - 2) l = m->L - 2;
    double f = t - l;
    return (float)exp((1.0 - f) * log(m->betas[l]) + f * log(m->betas[l + 1]));
}

uint32_t hvic_beta_to_gain_pos(const hvic_model *m, float beta)
{
    if (!m || !(beta > 0.0f) || !isfinite(beta)) return 0;
    const int L = m->L;
    double b = log((double)beta);
    if (b >= log((double)m->betas[0])) return 0;
    if (b <= log((double)m->betas[L - 1])) return (uint32_t)(L - 1) * HVIC_GAIN_POS_ONE;
    int l = 0; /* last level whose beta is >= beta */
    while (l + 1 < L - 1 && log((double)m->betas[l + 1]) >= b) l++;
    double l0 = log((double)m->betas[l]), l1 = log((double)m->betas[l + 1]);
    double t = (l0 - b) / (l0 - l1);
    double pos = nearbyint((l + t) * HVIC_GAIN_POS_ONE);
    double max = (double)(L - 1) * HVIC_GAIN_POS_ONE;
    return (uint32_t)(pos < 0 ? 0 : pos > max ? max : pos);
}

/* Codes zhat (N channels, each with its own CDF) into *out. */
static hvic_status code_z(const hvic_model *m, const hv_latents *l, uint8_t **out, size_t *len)
{
    hvic_rans_encoder *enc = hvic_rans_encoder_new();
    if (!enc) return HVIC_ERR_NOMEM;
    const size_t n = (size_t)l->zh * l->zw;
    hvic_status st = HVIC_OK;
    for (int c = 0; c < l->N && st == HVIC_OK; c++)
        for (size_t i = 0; i < n && st == HVIC_OK; i++)
            st = hvic_rans_put(enc, &m->z_cdfs[c], l->zhat[(size_t)c * n + i]);
    if (st == HVIC_OK) st = hvic_rans_finish(enc, out, len);
    hvic_rans_encoder_free(enc);
    return st;
}

/* Codes q with the Gaussian CDF of each element's scale index. */
static hvic_status code_y(const hvic_model *m, const hv_latents *l, uint8_t **out, size_t *len)
{
    hvic_rans_encoder *enc = hvic_rans_encoder_new();
    if (!enc) return HVIC_ERR_NOMEM;
    const size_t n = (size_t)l->M * l->yh * l->yw;
    hvic_status st = HVIC_OK;
    for (size_t i = 0; i < n && st == HVIC_OK; i++)
        st = hvic_rans_put(enc, &m->y_cdfs.cdfs[l->idx[i]], l->q[i]);
    if (st == HVIC_OK) st = hvic_rans_finish(enc, out, len);
    hvic_rans_encoder_free(enc);
    return st;
}

hvic_status hvic_encode(const hvic_model *m, const uint8_t *rgb, uint32_t width, uint32_t height,
                        size_t stride, const hvic_encode_params *p, uint8_t **out, size_t *out_len)
{
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (!m || !rgb || !out || !out_len) return HVIC_ERR_ARG;
    if (width < 1 || height < 1 || stride < 3 * (size_t)width) return HVIC_ERR_ARG;
    if (width > HVIC_MAX_DIM || height > HVIC_MAX_DIM) return HVIC_ERR_TOO_LARGE;
    hvic_encode_params def;
    if (!p) {
        hvic_encode_params_default(&def);
        p = &def;
    }
    if (!(p->beta_y >= 0.0f) || !isfinite(p->beta_y) || !(p->beta_z >= 0.0f) ||
        !isfinite(p->beta_z) || p->threads < 0)
        return HVIC_ERR_ARG;
    const hvic_metadata *md = p->metadata;
    if (md) { /* before the slow analysis, not only in hvic_container_write */
        hvic_status mst = hvic_meta_check_(md);
        if (mst != HVIC_OK) return mst;
    }
    float by = p->beta_y, bz = p->beta_z;
    if (by == 0.0f) {
        if (p->quality < 0 || p->quality > HVIC_QUALITY_MAX) return HVIC_ERR_ARG;
        by = hvic_quality_to_beta(m, p->quality);
    }
    if (bz == 0.0f) bz = by;
    const uint32_t py = hvic_beta_to_gain_pos(m, by), pz = hvic_beta_to_gain_pos(m, bz);

    hv_latents l;
    hvic_status st = hv_analyse(m, rgb, width, height, stride, py, pz,
                                p->threads ? p->threads : hv_default_threads(), 0, &l);
    if (st != HVIC_OK) return st;
    uint8_t *zs = NULL, *ys = NULL;
    size_t zlen = 0, ylen = 0;
    st = code_z(m, &l, &zs, &zlen);
    if (st == HVIC_OK) st = code_y(m, &l, &ys, &ylen);
    if (st == HVIC_OK) {
        hvic_container c;
        memset(&c, 0, sizeof c);
        c.width = width;
        c.height = height;
        c.channels = 3;
        c.bit_depth = 8;
        memcpy(c.model_id, m->id, sizeof c.model_id);
        c.model_digest = m->digest;
        c.num_layers = HVIC_NUM_LAYERS;
        c.layers[0] = (hvic_layer_info){(uint16_t)l.N, (uint16_t)l.zh, (uint16_t)l.zw, bz, pz};
        c.layers[1] = (hvic_layer_info){(uint16_t)l.M, (uint16_t)l.yh, (uint16_t)l.yw, by, py};
        c.zlat = zs;
        c.zlat_size = zlen;
        c.ylat = ys;
        c.ylat_size = ylen;
        if (md) {
            c.icc = md->icc;
            c.icc_size = md->icc_size;
            c.exif = md->exif;
            c.exif_size = md->exif_size;
            c.xmp = md->xmp;
            c.xmp_size = md->xmp_size;
        }
        st = hvic_container_write(&c, out, out_len);
    }
    free(zs);
    free(ys);
    hv_latents_free(&l);
    return st;
}
