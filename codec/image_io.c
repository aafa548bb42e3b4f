/* Image API: format detection, allocation, read/write dispatch.
 * PNG lives in png_io.c, JPEG in jpeg_io.c. */
#include "image_io.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

hvic_image_format hvic_image_detect(const uint8_t *buf, size_t len)
{
    if (!buf) return HVIC_FORMAT_UNKNOWN;
    if (len >= 8 && memcmp(buf, png_sig, 8) == 0) return HVIC_FORMAT_PNG;
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF) return HVIC_FORMAT_JPEG;
    return HVIC_FORMAT_UNKNOWN;
}

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
    hvic_meta_free_(&img->meta);
    memset(img, 0, sizeof *img);
}

hvic_status hvic_meta_set_(uint8_t **dst, size_t *dst_size, const uint8_t *src, size_t n)
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

hvic_status hvic_meta_copy_(hvic_metadata *dst, const uint8_t *icc, size_t icc_size,
                            const uint8_t *exif, size_t exif_size, const uint8_t *xmp,
                            size_t xmp_size)
{
    hvic_status st = hvic_meta_set_(&dst->icc, &dst->icc_size, icc, icc_size);
    if (st == HVIC_OK) st = hvic_meta_set_(&dst->exif, &dst->exif_size, exif, exif_size);
    if (st == HVIC_OK) st = hvic_meta_set_(&dst->xmp, &dst->xmp_size, xmp, xmp_size);
    if (st != HVIC_OK) hvic_meta_free_(dst);
    return st;
}

hvic_status hvic_meta_check_(const hvic_metadata *m)
{
    if ((m->icc_size && !m->icc) || (m->exif_size && !m->exif) || (m->xmp_size && !m->xmp))
        return HVIC_ERR_ARG;
    if (m->icc_size > HVIC_META_MAX || m->exif_size > HVIC_META_MAX ||
        m->xmp_size > HVIC_META_MAX)
        return HVIC_ERR_TOO_LARGE;
    return HVIC_OK;
}

void hvic_meta_free_(hvic_metadata *m)
{
    free(m->icc);
    free(m->exif);
    free(m->xmp);
    memset(m, 0, sizeof *m);
}

/* An ICC profile is kept only for RGB data: its colour space signature
 * (bytes 16..19 of the header, ICC.1 7.2.6) must be "RGB ". */
static void keep_rgb_icc(hvic_image *img, hvic_read_info *info)
{
    hvic_metadata *m = &img->meta;
    if (!m->icc || (m->icc_size >= 20 && memcmp(m->icc + 16, "RGB ", 4) == 0)) return;
    free(m->icc);
    m->icc = NULL;
    m->icc_size = 0;
    info->dropped_icc = 1;
}

hvic_status hvic_image_read_memory(const uint8_t *buf, size_t len, unsigned flags,
                                   hvic_image *img, hvic_read_info *info)
{
    if (!img) return HVIC_ERR_ARG;
    memset(img, 0, sizeof *img);
    hvic_read_info dummy;
    if (!info) info = &dummy;
    memset(info, 0, sizeof *info);
    if (!buf && len) return HVIC_ERR_ARG;
    if (flags & ~(unsigned)HVIC_READ_DROP_ALPHA) return HVIC_ERR_ARG;

    info->format = hvic_image_detect(buf, len);
    hvic_status st = HVIC_ERR_FORMAT;
    switch (info->format) {
    case HVIC_FORMAT_PNG: st = hvic_read_png_(buf, len, flags, img, info); break;
    case HVIC_FORMAT_JPEG: st = hvic_read_jpeg_(buf, len, flags, img, info); break;
    case HVIC_FORMAT_UNKNOWN: break;
    }
    if (st == HVIC_OK) keep_rgb_icc(img, info);
    return st;
}

hvic_status hvic_image_read_file(const char *path, unsigned flags, hvic_image *img,
                                 hvic_read_info *info)
{
    if (!img || !path) return HVIC_ERR_ARG;
    memset(img, 0, sizeof *img);
    uint8_t *buf = NULL;
    size_t len = 0;
    hvic_status st = hvic_file_read(path, &buf, &len);
    if (st != HVIC_OK) return st;
    st = hvic_image_read_memory(buf, len, flags, img, info);
    free(buf);
    return st;
}

hvic_status hvic_image_write_png_file(const hvic_image *img, const char *path)
{
    if (!path) return HVIC_ERR_ARG;
    uint8_t *png = NULL;
    size_t len = 0;
    hvic_status st = hvic_image_write_png_memory(img, &png, &len);
    if (st != HVIC_OK) return st;
    st = hvic_file_write(path, png, len);
    free(png);
    return st;
}
