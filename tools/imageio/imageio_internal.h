/* Format readers behind hvic_image_read_memory() (image_read.c).
 * Internal header of tools/imageio. */
#ifndef HVIC_IMAGEIO_INTERNAL_H
#define HVIC_IMAGEIO_INTERNAL_H

#include "imageio.h"

/* Decode a PNG (png_io.c) or JPEG (jpeg_io.c); buf starts with the
 * format's magic. img is zeroed on entry and on error. */
hvic_status io_read_png(const uint8_t *buf, size_t len, unsigned flags, hvic_image *img,
                        hvic_read_info *info);
hvic_status io_read_jpeg(const uint8_t *buf, size_t len, unsigned flags, hvic_image *img,
                         hvic_read_info *info);

#endif
