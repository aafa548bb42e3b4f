/* Latent shapes and buffers shared by the encoder and the decoder
 * (spec/model-format.md §3), and the band height of the band-wise
 * transforms. Internal header. */
#ifndef HV_LATENTS_H
#define HV_LATENTS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/** Quantised latents of one image. Shapes: zhat N x zh x zw;
 *  q, idx, mu_q8 M x yh x yw with yh = 4 zh, yw = 4 zw. */
typedef struct hv_latents {
    int N, zh, zw, M, yh, yw;
    int32_t *zhat;   /* gained hyper-latent integers */
    int32_t *q;      /* round(y_g - mu), the coded y symbols */
    int32_t *idx;    /* scale index per y element (0..S-1) */
    int32_t *mu_q8;  /* mean of the gained y, Q8 */
} hv_latents;

/** Latent shapes for an image of width x height: yh = ceil(h/64)*4 etc. */
void hv_latent_shape(uint32_t width, uint32_t height, int *zh, int *zw, int *yh, int *yw);

/** Allocates the arrays of *l for the given shapes (contents undefined).
 *  Returns HVIC_ERR_NOMEM or HVIC_OK. */
hvic_status hv_latents_alloc(hv_latents *l, int N, int M, int zh, int zw);
void hv_latents_free(hv_latents *l);

/** Band height for g_a and g_s: y rows (16 image rows each) per band whose
 *  largest float tensors take about 256 MiB, but at least 4 rows (a band
 *  also computes a halo of 3 (g_a) or 4 (g_s) more rows). A function of the
 *  model's N and the image width only; the results do not depend on it
 *  anyway (see hv_analyse, hv_synthesise). */
int hv_band_rows(const hvic_model *m, uint32_t width);

/** A band height that makes the whole image one band. */
#define HV_BAND_WHOLE INT_MAX

/** Fewest y rows per band of g_a or g_s. */
#define HV_BAND_MIN 4

/** FNV-1a 64 over the little-endian int32 bytes of zhat then q. */
uint64_t hv_latents_hash(const int32_t *zhat, size_t nz, const int32_t *q, size_t nq);

#endif
