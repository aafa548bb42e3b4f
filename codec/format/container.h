/* Internal constants of the container format (spec/container.md).
 * The public API (hvic_container, hvic_container_read/write) is in hvic.h. */
#ifndef HVIC_CONTAINER_H
#define HVIC_CONTAINER_H

#include "hvic_advanced.h"

#define HVIC_MAGIC "HVIC"
#define HVIC_PREAMBLE_SIZE 8u          /* magic, version, flags, header_size */
#define HVIC_LAYER_RECORD_SIZE 14u     /* u16 c, u16 h, u16 w, f32 beta, u32 gain */
#define HVIC_HEADER_FIXED_SIZE 16u     /* header bytes besides model id and layers */
#define HVIC_CRC_SIZE 4u
#define HVIC_CHUNK_HEADER_SIZE 8u      /* type + u32 size */
#define HVIC_MIN_CHUNKS 2u
/* zstd level used for metadata chunks (deterministic output). */
#define HVIC_META_ZSTD_LEVEL 9

/* Header size for a model id of id_len bytes and num_layers layers. */
static inline size_t hv_header_size(size_t id_len, size_t num_layers)
{
    return HVIC_HEADER_FIXED_SIZE + id_len + HVIC_LAYER_RECORD_SIZE * num_layers;
}

#endif
