/* Reading images from PNG and JPEG files and writing PNG (imageio.h):
 * format detection and dispatch; the formats live in png_io.c and
 * jpeg_io.c. */
#include "imageio_internal.h"

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
    case HVIC_FORMAT_PNG: st = io_read_png(buf, len, flags, img, info); break;
    case HVIC_FORMAT_JPEG: st = io_read_jpeg(buf, len, flags, img, info); break;
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
