/* hvic — advanced API: the raw .hvic container, test hooks and kernel
 * diagnostics. Exported by libhvic like hvic.h, but not covered by its
 * stability promise: these may change between minor versions (the role of
 * zstd's ZSTD_STATIC_LINKING_ONLY section). Includes hvic.h.
 */
#ifndef HVIC_ADVANCED_H
#define HVIC_ADVANCED_H

#include "hvic.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ====================================================================== */
/* Container (.hvic files) — spec/container.md, versions 1 and 2          */
/* ====================================================================== */

/** Version of files coded with the model (latent layers z and y). */
#define HVIC_CONTAINER_VERSION 1
/** Version of files coded with the pixel coder (no latent layers, a PIXL
 *  chunk): older readers reject them as an unsupported version. */
#define HVIC_CONTAINER_VERSION_PIXEL 2
#define HVIC_NUM_LAYERS 2             /**< latent layers: [0] = z, [1] = y */
#define HVIC_GAIN_POS_MAX (1u << 24)  /**< largest gain position */
#define HVIC_CONTAINER_MAX_CHUNKS 64  /**< most chunks in one file */

/** One latent layer's shape and rate setting. */
typedef struct hvic_layer_info {
    uint16_t channels;   /**< 1..65535 */
    uint16_t height;     /**< latent rows, 1..65535 */
    uint16_t width;      /**< latent columns, 1..65535 */
    float beta;          /**< the user's β for this layer (display only; finite, >= 0) */
    uint32_t gain_pos;   /**< position between the model's β levels in units
                              of 1/4096 level, 0..HVIC_GAIN_POS_MAX */
} hvic_layer_info;

/** Type and payload size of a chunk as stored in a file. */
typedef struct hvic_chunk_info {
    char type[5];        /**< 4 ASCII characters + NUL */
    uint32_t size;       /**< payload bytes in the file (compressed size for metadata) */
} hvic_chunk_info;

/** Contents of an .hvic file (spec/container.md).
 *
 *  For hvic_container_write() the caller fills every field marked "in";
 *  metadata pointers may be NULL with size 0 (chunk omitted).
 *  hvic_container_read() fills every field. zlat/ylat/pixl then point INTO the
 *  buffer given to the reader (valid only while that buffer is); icc/exif/
 *  xmp point to decompressed copies owned by the struct, released by
 *  hvic_container_free(). */
typedef struct hvic_container {
    uint8_t flags;                          /**< in: 0 (reserved) */
    uint32_t width, height;                 /**< in: image pixels, 1..HVIC_MAX_DIM */
    uint8_t channels;                       /**< in: 3 */
    uint8_t bit_depth;                      /**< in: 8 */
    char model_id[HVIC_MODEL_ID_MAX + 1];   /**< in: 1..32 chars of [A-Za-z0-9._-], NUL-terminated */
    uint32_t model_digest;                  /**< in: CRC-32 of the model file bytes */
    uint8_t num_layers;                     /**< in: HVIC_NUM_LAYERS (version 1), or 0 for a
                                                 pixel-coded file (version 2: no ZLAT/YLAT,
                                                 a PIXL chunk; model id and digest unused) */
    hvic_layer_info layers[HVIC_NUM_LAYERS];/**< in: [0] = z, [1] = y (unused with 0 layers) */
    const uint8_t *zlat; size_t zlat_size;  /**< in: hyper-latent z stream (ZLAT) */
    const uint8_t *ylat; size_t ylat_size;  /**< in: latent y stream (YLAT) */
    const uint8_t *pixl; size_t pixl_size;  /**< in: pixel-coder stream (PIXL, version 2 only;
                                                 spec/pixel.md), at least 2 bytes */
    const uint8_t *icc;  size_t icc_size;   /**< in: ICC profile, uncompressed (ICCP) */
    const uint8_t *exif; size_t exif_size;  /**< in: Exif, uncompressed (EXIF) */
    const uint8_t *xmp;  size_t xmp_size;   /**< in: XMP packet, uncompressed (XMP_) */

    /* Filled by the reader only. */
    size_t file_size;                       /**< total bytes of the file */
    uint16_t num_chunks;                    /**< chunks in the file, incl. skipped ones */
    hvic_chunk_info chunks[HVIC_CONTAINER_MAX_CHUNKS]; /**< in file order */
    void *owned_[3];                        /**< private: decompressed metadata */
} hvic_container;

/** Serialise c into a new buffer (*out, *len), released with hvic_free().
 *  The version is 1 with HVIC_NUM_LAYERS layers, 2 with none.
 *  Chunks are written in the order ZLAT, YLAT (or PIXL), ICCP, EXIF, XMP_; metadata
 *  is zstd-compressed. Output is deterministic for equal input.
 *  Errors: HVIC_ERR_ARG (any field out of the ranges in spec/container.md),
 *  HVIC_ERR_TOO_LARGE (dimensions, metadata or total size), HVIC_ERR_NOMEM. */
HVIC_API hvic_status hvic_container_write(const hvic_container *c, uint8_t **out, size_t *len);

/** Parse and validate a complete .hvic file held in buf[0..len).
 *  Checks, in order: magic (HVIC_ERR_BAD_MAGIC), version
 *  (HVIC_ERR_BAD_VERSION), minimum length (HVIC_ERR_TRUNCATED), trailer
 *  CRC-32 (HVIC_ERR_CRC), then every header field and chunk: fields or
 *  chunks extending past the data (HVIC_ERR_TRUNCATED), dimensions over
 *  HVIC_MAX_DIM (HVIC_ERR_TOO_LARGE), invalid values, zeros, duplicate or
 *  missing required chunks, trailing bytes (HVIC_ERR_CORRUPT), non-zero
 *  flags, other channel counts or bit depths, unknown critical chunks
 *  (HVIC_ERR_UNSUPPORTED), bad metadata compression (HVIC_ERR_CORRUPT,
 *  or HVIC_ERR_TOO_LARGE over HVIC_META_MAX), HVIC_ERR_NOMEM.
 *  On success call hvic_container_free(c) when done; on error *c holds no
 *  memory (freeing it is harmless). */
HVIC_API hvic_status hvic_container_read(const uint8_t *buf, size_t len, hvic_container *c);


/** Release the metadata copies owned by c (after hvic_container_read) and
 *  clear the metadata pointers. Other fields are kept. NULL is allowed. */
HVIC_API void hvic_container_free(hvic_container *c);

/* ====================================================================== */
/* Test hooks and diagnostics                                              */
/* ====================================================================== */

/** Decode only the latents of a .hvic file and return their FNV-1a 64-bit
 *  hash over the little-endian int32 values of z (channel, row, column) then
 *  y's coded symbols q (same order). Identical on every platform; used by
 *  tests. Errors: as hvic_decode(). */
HVIC_API hvic_status hvic_decode_latents_hash(const hvic_model *model, const uint8_t *buf, size_t len,
                                     uint64_t *hash);

/** The kernels a model runs on. A model starts on the fastest this CPU
 *  offers; tests and benchmarks pick others to compare them. Names:
 *  - analysis (g_a, h_a: the encoder's float transforms): "avx512", "avx2"
 *    or "generic"; all give identical latents, so identical files.
 *  - synthesis (g_s, the decoder's): "amx-bf16" (Intel AMX tiles, bf16
 *    inputs, fp32 sums) where the CPU and the OS offer AMX, "avx512-bf16"
 *    (VDPBF16PS, the same arithmetic on vectors) where the CPU has
 *    AVX512-BF16 (AMD Zen 4 and later, Intel Cooper Lake on), or "float"
 *    (Winograd F(4x4, 3x3) through OpenBLAS sgemm, fp32). Decoded pixels
 *    may differ by 1 between the two (never the latents:
 *    spec/model-format.md §3.1).
 *  - hyper (h_s and the context networks, integer): "vnni" (AVX-512 VNNI),
 *    "avx2" (VPMADDWD) or "dgemm" (exact through cblas_dgemm); identical
 *    results. */
typedef struct hvic_kernels {
    const char *analysis;
    const char *synthesis;
    const char *hyper;
} hvic_kernels;

/** Switches model's kernels to those named in *k; a NULL field keeps that
 *  choice. Not to be called while another thread encodes or decodes with
 *  the model. Each kernel's weight layout is made on its first use (a few
 *  ms, once per model), not here. Errors: HVIC_ERR_ARG (NULL pointer, unknown name),
 *  HVIC_ERR_UNSUPPORTED (this CPU or build cannot run a kernel named; the
 *  model is then unchanged). */
HVIC_API hvic_status hvic_model_set_kernels(hvic_model *model, const hvic_kernels *k);

/** Fills *k with the names of the kernels model runs on (static strings).
 *  Errors: HVIC_ERR_ARG (NULL pointer). */
HVIC_API hvic_status hvic_model_get_kernels(const hvic_model *model, hvic_kernels *k);

#ifdef __cplusplus
}
#endif
#endif /* HVIC_ADVANCED_H */
