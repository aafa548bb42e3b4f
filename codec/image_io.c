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
    memset(img, 0, sizeof *img);
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
    switch (info->format) {
    case HVIC_FORMAT_PNG: return hvic_read_png_(buf, len, flags, img, info);
    case HVIC_FORMAT_JPEG: return hvic_read_jpeg_(buf, len, flags, img, info);
    case HVIC_FORMAT_UNKNOWN: break;
    }
    return HVIC_ERR_FORMAT;
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
