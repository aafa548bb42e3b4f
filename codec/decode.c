/* hvic_decode(): container -> rANS streams -> latents -> synthesis -> RGB. */
#include <stdlib.h>
#include <string.h>

#include "hvic_advanced.h"
#include "hyper.h"
#include "image.h"
#include "model.h"
#include "parallel.h"
#include "pixel.h"
#include "synthesis.h"
#include "rans.h"

/* Decodes q of the y channels c0 .. c1-1 (hv_slice_fn). */
typedef struct {
    const hvic_model *m;
    hv_rans_decoder *dec;
    hv_latents *l;
    size_t plane;
} y_job;

static hvic_status decode_slice(void *arg, int c0, int c1)
{
    y_job *j = arg;
    hvic_status st = HVIC_OK;
    for (size_t i = (size_t)c0 * j->plane; i < (size_t)c1 * j->plane && st == HVIC_OK; i++)
        st = hv_rans_get(j->dec, &j->m->y_cdfs.cdfs[j->l->idx[i]], &j->l->q[i]);
    return st;
}

/* Reads and checks the container (and a pixel coder's stripe layout);
 * max_pixels (0 = no limit) is checked before anything the image's size
 * decides is allocated. On success *c is filled (call hvic_container_free). */
static hvic_status read_container(const uint8_t *buf, size_t len, uint64_t max_pixels,
                                  hvic_container *c)
{
    if (!buf) return HVIC_ERR_ARG;
    hvic_status st = hvic_container_read(buf, len, c);
    if (st != HVIC_OK) return st;
    if (max_pixels && (uint64_t)c->width * c->height > max_pixels) st = HVIC_ERR_TOO_LARGE;
    if (st == HVIC_OK && c->num_layers == 0) st = hv_pixel_check(c->pixl, c->pixl_size, c->height);
    if (st != HVIC_OK) hvic_container_free(c);
    return st;
}

/* After read_container (a file with latents): decodes zhat, then q slice by
 * slice with the entropy parameters from h_s and the channel context. On
 * success *l is allocated; on error *c is freed. */
static hvic_status decode_latents(const hvic_model *m, int threads, hvic_container *c,
                                  hv_latents *l, uint32_t *py)
{
    hvic_status st;
    if (!m) {
        hvic_container_free(c);
        return HVIC_ERR_ARG;
    }
    if (c->model_digest != m->digest) {
        hvic_container_free(c);
        return HVIC_ERR_MODEL_MISMATCH;
    }
    int zh, zw, yh, yw;
    hv_latent_shape(c->width, c->height, &zh, &zw, &yh, &yw);
    const hvic_layer_info *lz = &c->layers[0], *ly = &c->layers[1];
    const uint32_t pmax = hv_max_gain_pos(m);
    if (c->num_layers != HVIC_NUM_LAYERS || lz->channels != m->N || lz->height != zh ||
        lz->width != zw || ly->channels != m->M || ly->height != yh || ly->width != yw ||
        lz->gain_pos > pmax || ly->gain_pos > pmax) {
        hvic_container_free(c);
        return HVIC_ERR_CORRUPT;
    }
    *py = ly->gain_pos;
    st = hv_latents_alloc(l, m->N, m->M, zh, zw);
    if (st != HVIC_OK) {
        hvic_container_free(c);
        return st;
    }

    hv_rans_decoder dec;
    const size_t nz = (size_t)zh * zw;
    st = hv_rans_decoder_init(&dec, c->zlat, c->zlat_size);
    for (int ch = 0; ch < m->N && st == HVIC_OK; ch++)
        for (size_t i = 0; i < nz && st == HVIC_OK; i++)
            st = hv_rans_get(&dec, &m->z_cdfs[ch], &l->zhat[(size_t)ch * nz + i]);
    if (st == HVIC_OK) st = hv_rans_decoder_finish(&dec);
    /* q, slice by slice, in the stream's channel-major order: each slice's
     * parameters need the slices before it (spec/codec-streams.md) */
    y_job yj = {m, &dec, l, (size_t)yh * yw};
    if (st == HVIC_OK) st = hv_rans_decoder_init(&dec, c->ylat, c->ylat_size);
    if (st == HVIC_OK)
        st = hv_entropy_params(m, l->zhat, zh, zw, lz->gain_pos, ly->gain_pos,
                               hv_blas_caller_threads(threads), 0, decode_slice, &yj, l->q, l->idx,
                               l->mu_q8);
    if (st == HVIC_OK) st = hv_rans_decoder_finish(&dec);
    if (st != HVIC_OK) {
        hv_latents_free(l);
        hvic_container_free(c);
    }
    return st;
}

int hvic_decode_params_init(hvic_decode_params *p, int abi_version)
{
    if (!p || abi_version != HVIC_ABI_VERSION) return 0;
    memset(p, 0, sizeof *p);
    return 1;
}

/* The decoder's last steps on decoded latents: means with reconstruction
 * offsets, then g_s into rgb (3 x width bytes per row, stride apart). */
static hvic_status synthesise(const hvic_model *m, hv_latents *l, uint32_t py, const hvic_container *c,
                              int threads, uint8_t *rgb, size_t stride)
{
    hv_recon_mu(m, py, l->q, l->idx, l->mu_q8, l->mu_q8, (size_t)l->M * l->yh * l->yw);
    free(l->idx); /* not needed by the synthesis */
    l->idx = NULL;
    return hv_synthesise(m, l->q, l->mu_q8, l->yh, l->yw, py, c->width, c->height, 0, threads, rgb, stride);
}

hvic_status hvic_decode_with(const hvic_model *m, const uint8_t *buf, size_t len,
                             const hvic_decode_params *p, hvic_image *image)
{
    if (!image) return HVIC_ERR_ARG;
    memset(image, 0, sizeof *image);
    if (p && p->threads < 0) return HVIC_ERR_ARG;
    const int threads = p ? p->threads : 0;
    hvic_container c;
    hv_latents l = {0};
    uint32_t py = 0;
    hvic_status st = read_container(buf, len, p ? p->max_pixels : 0, &c);
    if (st != HVIC_OK) return st;
    const int pixel = c.num_layers == 0;
    if (!pixel) {
        st = decode_latents(m, threads, &c, &l, &py);
        if (st != HVIC_OK) return st;
    }
    st = hvic_image_alloc(image, c.width, c.height);
    if (st == HVIC_OK)
        st = hv_meta_copy(&image->meta, c.icc, c.icc_size, c.exif, c.exif_size, c.xmp,
                              c.xmp_size);
    if (st == HVIC_OK)
        st = pixel ? hv_pixel_decode(c.pixl, c.pixl_size, c.width, c.height,
                                     threads ? threads : hv_default_threads(), image->rgb, image->stride)
                   : synthesise(m, &l, py, &c, threads, image->rgb, image->stride);
    if (st != HVIC_OK) hvic_image_free(image);
    if (!pixel) hv_latents_free(&l);
    hvic_container_free(&c);
    return st;
}

hvic_status hvic_decode_into(const hvic_model *m, const uint8_t *buf, size_t len,
                             const hvic_decode_params *p, uint8_t *rgb, size_t size, size_t stride)
{
    if (!rgb) return HVIC_ERR_ARG;
    if (p && p->threads < 0) return HVIC_ERR_ARG;
    const int threads = p ? p->threads : 0;
    hvic_container c;
    hv_latents l = {0};
    uint32_t py = 0;
    hvic_status st = read_container(buf, len, p ? p->max_pixels : 0, &c);
    if (st != HVIC_OK) return st;
    const int pixel = c.num_layers == 0;
    if (!pixel) {
        st = decode_latents(m, threads, &c, &l, &py);
        if (st != HVIC_OK) return st;
    }
    /* The file is valid: a size mismatch is the caller's (checked without
     * overflow: row bytes <= stride, rows - 1 <= (size - row bytes) / stride). */
    const size_t row = 3 * (size_t)c.width;
    if (stride < row || size < row || (c.height > 1 && (size - row) / stride < c.height - 1))
        st = HVIC_ERR_ARG;
    else if (pixel)
        st = hv_pixel_decode(c.pixl, c.pixl_size, c.width, c.height,
                             threads ? threads : hv_default_threads(), rgb, stride);
    else
        st = synthesise(m, &l, py, &c, threads, rgb, stride);
    if (!pixel) hv_latents_free(&l);
    hvic_container_free(&c);
    return st;
}

hvic_status hvic_decode(const hvic_model *m, const uint8_t *buf, size_t len, hvic_image *image)
{
    return hvic_decode_with(m, buf, len, NULL, image);
}

hvic_status hvic_decode_latents_hash(const hvic_model *m, const uint8_t *buf, size_t len,
                                     uint64_t *hash)
{
    if (!hash) return HVIC_ERR_ARG;
    *hash = 0;
    hvic_container c;
    hv_latents l;
    uint32_t py;
    hvic_status st = read_container(buf, len, 0, &c);
    if (st != HVIC_OK) return st;
    if (c.num_layers == 0) { /* a pixel-coded file has no latents */
        hvic_container_free(&c);
        return HVIC_ERR_UNSUPPORTED;
    }
    st = decode_latents(m, 0, &c, &l, &py);
    if (st != HVIC_OK) return st;
    *hash = hv_latents_hash(l.zhat, (size_t)l.N * l.zh * l.zw, l.q, (size_t)l.M * l.yh * l.yw);
    hv_latents_free(&l);
    hvic_container_free(&c);
    return HVIC_OK;
}
