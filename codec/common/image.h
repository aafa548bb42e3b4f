/* Internal helpers of the image, metadata and file code (common/image.c,
 * common/file.c). The public image API is in hvic.h. */
#ifndef HV_IMAGE_H
#define HV_IMAGE_H

#include "hvic.h"

/* Largest file hvic_file_read() accepts (bytes). */
#if SIZE_MAX > 0xFFFFFFFFu
#define HVIC_MAX_FILE_BYTES ((size_t)1 << 32)
#else
#define HVIC_MAX_FILE_BYTES ((size_t)1 << 30)
#endif

/* Copies the three metadata items into dst (each as hvic_metadata_set),
 * replacing what it held. On error dst holds nothing. */
hvic_status hv_meta_copy(hvic_metadata *dst, const uint8_t *icc, size_t icc_size,
                         const uint8_t *exif, size_t exif_size, const uint8_t *xmp,
                         size_t xmp_size);

/* HVIC_ERR_ARG if an item has a size but no pointer, HVIC_ERR_TOO_LARGE if
 * one is over HVIC_META_MAX, else HVIC_OK. */
hvic_status hv_meta_check(const hvic_metadata *m);

#endif
