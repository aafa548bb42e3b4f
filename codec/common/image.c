/* Images and their metadata in memory (hvic.h). Reading and writing image
 * files is not the codec's: see tools/imageio. */
#include "image.h"

#include <stdlib.h>
#include <string.h>

hvic_status hvic_image_alloc(hvic_image *img, uint32_t width, uint32_t height)
{
    if (!img) return HVIC_ERR_ARG;
    memset(img, 0, sizeof *img);
    if (width == 0 || height == 0 || width > HVIC_MAX_DIM || height > HVIC_MAX_DIM)
        return HVIC_ERR_TOO_LARGE;
    size_t stride = (size_t)width * 3;
    if ((size_t)height > SIZE_MAX / stride) return HVIC_ERR_TOO_LARGE;
    uint8_t *p = malloc(stride * height);
    if (!p) return HVIC_ERR_NOMEM;
    img->width = width;
    img->height = height;
    img->stride = stride;
    img->rgb = p;
    return HVIC_OK;
}

void hvic_image_free(hvic_image *img)
{
    if (!img) return;
    free(img->rgb);
    hvic_metadata_free(&img->meta);
    memset(img, 0, sizeof *img);
}

static hvic_status meta_set(uint8_t **dst, size_t *dst_size, const uint8_t *src, size_t n)
{
    free(*dst);
    *dst = NULL;
    *dst_size = 0;
    if (n == 0) return HVIC_OK;
    if (n == SIZE_MAX) return HVIC_ERR_NOMEM;
    uint8_t *p = malloc(n + 1);
    if (!p) return HVIC_ERR_NOMEM;
    memcpy(p, src, n);
    p[n] = 0;
    *dst = p;
    *dst_size = n;
    return HVIC_OK;
}

hvic_status hv_meta_copy(hvic_metadata *dst, const uint8_t *icc, size_t icc_size,
                            const uint8_t *exif, size_t exif_size, const uint8_t *xmp,
                            size_t xmp_size)
{
    hvic_status st = meta_set(&dst->icc, &dst->icc_size, icc, icc_size);
    if (st == HVIC_OK) st = meta_set(&dst->exif, &dst->exif_size, exif, exif_size);
    if (st == HVIC_OK) st = meta_set(&dst->xmp, &dst->xmp_size, xmp, xmp_size);
    if (st != HVIC_OK) hvic_metadata_free(dst);
    return st;
}

hvic_status hv_meta_check(const hvic_metadata *m)
{
    if ((m->icc_size && !m->icc) || (m->exif_size && !m->exif) || (m->xmp_size && !m->xmp))
        return HVIC_ERR_ARG;
    if (m->icc_size > HVIC_META_MAX || m->exif_size > HVIC_META_MAX ||
        m->xmp_size > HVIC_META_MAX)
        return HVIC_ERR_TOO_LARGE;
    return HVIC_OK;
}

void hvic_metadata_free(hvic_metadata *m)
{
    free(m->icc);
    free(m->exif);
    free(m->xmp);
    memset(m, 0, sizeof *m);
}

hvic_status hvic_metadata_set(hvic_metadata *m, hvic_meta_item item, const uint8_t *data,
                              size_t size)
{
    if (!m || (!data && size)) return HVIC_ERR_ARG;
    switch (item) {
    case HVIC_META_ICC: return meta_set(&m->icc, &m->icc_size, data, size);
    case HVIC_META_EXIF: return meta_set(&m->exif, &m->exif_size, data, size);
    case HVIC_META_XMP: return meta_set(&m->xmp, &m->xmp_size, data, size);
    }
    return HVIC_ERR_ARG;
}
