/* Latent shapes, buffers and hash; the band height of the band-wise
 * transforms (common/latents.h). */
#include "latents.h"

#include <stdlib.h>
#include <string.h>

void hv_latent_shape(uint32_t width, uint32_t height, int *zh, int *zw, int *yh, int *yw)
{
    int h64 = (int)((height + 63) / 64), w64 = (int)((width + 63) / 64);
    if (zh) *zh = h64;
    if (zw) *zw = w64;
    if (yh) *yh = 4 * h64;
    if (yw) *yw = 4 * w64;
}

hvic_status hv_latents_alloc(hv_latents *l, int N, int M, int zh, int zw)
{
    memset(l, 0, sizeof *l);
    l->N = N;
    l->M = M;
    l->zh = zh;
    l->zw = zw;
    l->yh = 4 * zh;
    l->yw = 4 * zw;
    size_t nz = (size_t)N * zh * zw, ny = (size_t)M * l->yh * l->yw;
    l->zhat = malloc(nz * sizeof(int32_t));
    l->q = malloc(ny * sizeof(int32_t));
    l->idx = malloc(ny * sizeof(int32_t));
    l->mu_q8 = malloc(ny * sizeof(int32_t));
    if (!l->zhat || !l->q || !l->idx || !l->mu_q8) {
        hv_latents_free(l);
        return HVIC_ERR_NOMEM;
    }
    return HVIC_OK;
}

void hv_latents_free(hv_latents *l)
{
    if (!l) return;
    free(l->zhat);
    free(l->q);
    free(l->idx);
    free(l->mu_q8);
    l->zhat = l->q = l->idx = l->mu_q8 = NULL;
}

uint64_t hv_latents_hash(const int32_t *zhat, size_t nz, const int32_t *q, size_t nq)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int pass = 0; pass < 2; pass++) {
        const int32_t *v = pass ? q : zhat;
        size_t n = pass ? nq : nz;
        for (size_t i = 0; i < n; i++) {
            uint32_t u = (uint32_t)v[i];
            for (int b = 0; b < 4; b++) {
                h ^= (u >> (8 * b)) & 0xffu;
                h *= 0x100000001b3ull;
            }
        }
    }
    return h;
}

/* Target size of a band's largest float tensors, and the fewest y rows per
 * band (which bounds the halo's share of the work on very wide images). */
#define BAND_BYTES ((size_t)256 << 20)

int hv_band_rows(const hvic_model *m, uint32_t width)
{
    /* the largest float tensors alive at once, per image pixel of a band:
     * g_a.2's or g_s.4's input and output (N/4 + N/16), or g_s.6's (N/4 + 3);
     * the convolutions' own buffers take a few MiB more (conv_det.c, conv_wino.c) */
    const size_t px_bytes = (size_t)(5 * m->N / 16 + 3) * sizeof(float);
    const size_t row_bytes = (size_t)16 * ((width + 63) / 64 * 64) * px_bytes;
    const size_t rows = BAND_BYTES / row_bytes; /* < 2^16: row_bytes >= 2^12 */
    return rows < HV_BAND_MIN ? HV_BAND_MIN : (int)rows;
}

