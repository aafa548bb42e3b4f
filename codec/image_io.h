/* Internal helpers shared by the image and file I/O code.
 * The public image API (hvic_image, hvic_image_read_*, hvic_image_write_png_*)
 * and the file helpers are declared in hvic.h. */
#ifndef HVIC_IMAGE_IO_H
#define HVIC_IMAGE_IO_H

#include "hvic.h"

/* Largest file hvic_file_read() accepts (bytes). */
#if SIZE_MAX > 0xFFFFFFFFu
#define HVIC_MAX_FILE_BYTES ((size_t)1 << 32)
#else
#define HVIC_MAX_FILE_BYTES ((size_t)1 << 30)
#endif

/* Decoders behind hvic_image_read_memory(); buf starts with the format's
 * magic. img is zeroed on entry and on error. */
hvic_status hvic_read_png_(const uint8_t *buf, size_t len, unsigned flags,
                           hvic_image *img, hvic_read_info *info);
hvic_status hvic_read_jpeg_(const uint8_t *buf, size_t len, unsigned flags,
                            hvic_image *img, hvic_read_info *info);

#endif
