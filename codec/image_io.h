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

/* Sets *dst to a new copy of src[0..n) followed by a NUL byte (not counted
 * in *dst_size), replacing and freeing any previous value; n == 0 clears
 * the item. Errors: HVIC_ERR_NOMEM (the item is then cleared). */
hvic_status hvic_meta_set_(uint8_t **dst, size_t *dst_size, const uint8_t *src, size_t n);

/* Copies the three metadata items into dst (see hvic_meta_set_). On error
 * dst holds nothing. */
hvic_status hvic_meta_copy_(hvic_metadata *dst, const uint8_t *icc, size_t icc_size,
                            const uint8_t *exif, size_t exif_size, const uint8_t *xmp,
                            size_t xmp_size);

/* HVIC_ERR_ARG if an item has a size but no pointer, HVIC_ERR_TOO_LARGE if
 * one is over HVIC_META_MAX, else HVIC_OK. */
hvic_status hvic_meta_check_(const hvic_metadata *m);

/* Frees the metadata buffers and zeroes *m. */
void hvic_meta_free_(hvic_metadata *m);

#endif
