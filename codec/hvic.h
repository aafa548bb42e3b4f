/* hvic — learned lossy image codec: public C API.
 *
 * Everything in this header is stable API (from version 1.0; while the
 * major version is 0, a minor release may change it, and the soname says
 * so); hvic_advanced.h has the raw container, test hooks and kernel
 * choice, which may change between minor versions. The library needs only
 * zstd, zlib and OpenBLAS: reading and writing image files (PNG, JPEG) and
 * MS-SSIM are in the tools' helper library, tools/imageio/imageio.h.
 * Functions return an hvic_status;
 * HVIC_OK is 0 and every error is negative. hvic_strerror() gives a one-line
 * English description of any status.
 */
#ifndef HVIC_H
#define HVIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this header (CMakeLists.txt takes the project version from
 *  here); hvic_version_number() gives the library's. */
#define HVIC_VERSION_MAJOR 0
#define HVIC_VERSION_MINOR 3
#define HVIC_VERSION_PATCH 0
#define HVIC_VERSION_NUMBER (HVIC_VERSION_MAJOR * 10000 + HVIC_VERSION_MINOR * 100 + HVIC_VERSION_PATCH)

/** ABI version of the public structs. It changes whenever a struct that
 *  callers allocate changes its layout; hvic_encode_params_init() and
 *  hvic_decode_params_init() refuse a version the library does not
 *  implement (they return 0 and leave the struct alone), so a program built
 *  against another layout can fail cleanly instead of corrupting memory
 *  (the _default macros ignore that result: check it where it matters).
 *  New fields take the reserved room first. */
#define HVIC_ABI_VERSION 1

/** Marks the functions libhvic.so exports; everything else in the library
 *  is built with hidden visibility. */
#if defined(__GNUC__) || defined(__clang__)
#define HVIC_API __attribute__((visibility("default")))
#else
#define HVIC_API
#endif

/** Status codes returned by every hvic function (0 = success, < 0 = error). */
typedef enum hvic_status {
    HVIC_OK = 0,
    HVIC_ERR_NOMEM = -1,          /**< memory allocation failed */
    HVIC_ERR_IO = -2,             /**< file could not be opened, read or written */
    HVIC_ERR_ARG = -3,            /**< invalid argument from the caller */
    HVIC_ERR_FORMAT = -4,         /**< input is not in a recognised format */
    HVIC_ERR_UNSUPPORTED = -5,    /**< recognised but unsupported (e.g. CMYK JPEG, alpha PNG) */
    HVIC_ERR_TOO_LARGE = -6,      /**< dimensions or sizes exceed hvic's limits */
    HVIC_ERR_TRUNCATED = -7,      /**< data ends before its declared size */
    HVIC_ERR_CORRUPT = -8,        /**< data is internally inconsistent */
    HVIC_ERR_BAD_MAGIC = -9,      /**< container magic bytes do not match */
    HVIC_ERR_BAD_VERSION = -10,   /**< container/model version not supported */
    HVIC_ERR_CRC = -11,           /**< CRC-32 check failed */
    HVIC_ERR_MODEL = -12,         /**< model file damaged or not a model file */
    HVIC_ERR_MODEL_MISMATCH = -13,/**< file was encoded with a different model */
    HVIC_ERR_ENTROPY = -14,       /**< entropy-coded stream is malformed */
} hvic_status;

/** One-line, static, English description of a status code (never NULL).
 *  Unknown values give "unknown hvic status". */
HVIC_API const char *hvic_strerror(hvic_status status);

/** Library version as "MAJOR.MINOR.PATCH" (static string). */
HVIC_API const char *hvic_version(void);

/** Library version as MAJOR * 10000 + MINOR * 100 + PATCH (compare with
 *  HVIC_VERSION_NUMBER, the version of the header a program was built with). */
HVIC_API unsigned hvic_version_number(void);

/** Release memory returned by hvic (PNG/container buffers). NULL is allowed. */
HVIC_API void hvic_free(void *p);

/** CRC-32 (zlib's crc32, polynomial 0xEDB88320, as used by PNG and gzip).
 *  Start with crc = 0; pass the previous result to continue over more data.
 *  Works for any len (chunks internally for zlib's 32-bit length). This is
 *  the checksum of container trailers and of model files (model digest). */
HVIC_API uint32_t hvic_crc32(uint32_t crc, const void *data, size_t len);

/** Read a whole file into a new buffer (*out, released with hvic_free()).
 *  path "-" reads standard input. An empty file gives *len = 0 and a
 *  non-NULL *out. Errors: HVIC_ERR_ARG, HVIC_ERR_IO (errno is left as set
 *  by the failing call), HVIC_ERR_TOO_LARGE (over 4 GiB), HVIC_ERR_NOMEM. */
HVIC_API hvic_status hvic_file_read(const char *path, uint8_t **out, size_t *len);

/** Write data[0..len) to path, replacing it; "-" writes standard output.
 *  Errors: HVIC_ERR_ARG, HVIC_ERR_IO (errno as set by the failing call). */
HVIC_API hvic_status hvic_file_write(const char *path, const uint8_t *data, size_t len);

/* ====================================================================== */
/* Images                                                                  */
/* ====================================================================== */

/** Largest accepted width and height, in pixels (inputs and containers). */
#define HVIC_MAX_DIM 16384u

/** Colour profile and descriptive metadata carried with an image, each item
 *  as raw uncompressed bytes (spec/container.md: ICCP, EXIF, XMP_ chunks). */
typedef struct hvic_metadata {
    uint8_t *icc;  size_t icc_size;   /**< ICC profile of RGB data (PNG iCCP,
                                           JPEG APP2 "ICC_PROFILE") */
    uint8_t *exif; size_t exif_size;  /**< Exif from the TIFF header on (PNG
                                           eXIf, JPEG APP1 "Exif\0\0") */
    uint8_t *xmp;  size_t xmp_size;   /**< XMP packet, UTF-8 (PNG iTXt
                                           "XML:com.adobe.xmp", JPEG APP1
                                           "http://ns.adobe.com/xap/1.0/\0") */
} hvic_metadata;

/** An 8-bit RGB image with its colour profile and metadata.
 *  Pixels are interleaved R,G,B (3 bytes per pixel, no padding between the
 *  bytes of a pixel), rows top to bottom. Row y starts at rgb + y * stride;
 *  stride is in bytes and >= 3 * width. Images made by hvic have
 *  stride == 3 * width, and rgb and the meta buffers are released with
 *  hvic_image_free(). An image built by the caller must zero meta (or point
 *  it at the caller's buffers and not call hvic_image_free). Each meta
 *  pointer is NULL with size 0 when that item is absent. */
typedef struct hvic_image {
    uint32_t width;     /**< pixels, 1..HVIC_MAX_DIM */
    uint32_t height;    /**< pixels, 1..HVIC_MAX_DIM */
    size_t stride;      /**< bytes from the start of one row to the next */
    uint8_t *rgb;       /**< interleaved 8-bit R,G,B samples */
    hvic_metadata meta; /**< ICC profile, Exif, XMP (uncompressed bytes) */
} hvic_image;

/** Allocate an image of width x height with stride 3 * width (pixels
 *  uninitialised). Errors: HVIC_ERR_ARG (NULL img), HVIC_ERR_TOO_LARGE
 *  (0 or > HVIC_MAX_DIM; img is left empty), HVIC_ERR_NOMEM. */
HVIC_API hvic_status hvic_image_alloc(hvic_image *img, uint32_t width, uint32_t height);

/** Free img->rgb and the img->meta buffers and zero the struct. NULL and
 *  empty images are allowed. */
HVIC_API void hvic_image_free(hvic_image *img);

/** The items of an hvic_metadata. */
typedef enum hvic_meta_item {
    HVIC_META_ICC = 0,
    HVIC_META_EXIF = 1,
    HVIC_META_XMP = 2
} hvic_meta_item;

/** Replaces one item of *m with a copy of data[0..size) (followed by a NUL
 *  byte that size does not count), freeing the old one; size 0 removes the
 *  item. For attaching a colour profile or metadata to an image before
 *  hvic_encode_image(). Errors: HVIC_ERR_ARG (NULL m, NULL data with a
 *  non-zero size, unknown item), HVIC_ERR_NOMEM (the item is then
 *  removed). */
HVIC_API hvic_status hvic_metadata_set(hvic_metadata *m, hvic_meta_item item, const uint8_t *data,
                                       size_t size);

/** Frees the three items of *m and zeroes it. NULL is allowed. */
HVIC_API void hvic_metadata_free(hvic_metadata *m);

/* ====================================================================== */
/* Image quality: MSE and PSNR                                             */
/* ====================================================================== */
/*
 * Full-reference metrics between two 8-bit RGB hvic_images of the same
 * width and height (any strides >= 3 * width; interleaved R,G,B rows as in
 * hvic_image), over all three channels, computed in double. Deterministic:
 * the same images give the same value on every platform. The encoder's
 * PSNR target measures with hvic_psnr(); MS-SSIM is in tools/imageio.
 * tools/train/metrics.py is the matching Python implementation.
 */

/** Mean squared error between a and b over all 3 * width * height samples
 *  (the mean of the three per-channel MSEs), in squared 8-bit code values
 *  (0..65025); 0 when the images are identical. The sum is exact.
 *  Errors: HVIC_ERR_ARG (a NULL pointer, an empty image, different sizes,
 *  stride < 3 * width). */
HVIC_API hvic_status hvic_mse(const hvic_image *a, const hvic_image *b, double *mse);

/** Peak signal-to-noise ratio in dB: 10 * log10(255^2 / MSE), with MSE as
 *  hvic_mse() computes it (over R, G and B together, no colour
 *  conversion). *psnr_db is +INFINITY when the images are identical.
 *  Errors: as hvic_mse(). */
HVIC_API hvic_status hvic_psnr(const hvic_image *a, const hvic_image *b, double *psnr_db);

/* ====================================================================== */
/* Files: the header without decoding — spec/container.md                  */
/* ====================================================================== */

#define HVIC_MODEL_ID_MAX 32          /**< bytes in a model identifier */
#define HVIC_GAIN_POS_ONE 4096u       /**< gain position units per β level */
#define HVIC_META_MAX (16u << 20)     /**< largest uncompressed metadata */

/** What hvic_peek() reads from the header of an .hvic file. */
typedef struct hvic_file_info {
    uint32_t width, height;                 /**< image size in pixels */
    char model_id[HVIC_MODEL_ID_MAX + 1];   /**< NUL-terminated model identifier */
    uint32_t model_digest;                  /**< digest of the model it needs (hvic_model_digest()) */
    float beta_y, beta_z;                   /**< the encoder's beta per layer (display only) */
} hvic_file_info;

/** Bytes at the start of an .hvic file that always hold its whole header. */
#define HVIC_PEEK_BYTES 96

/** Reads width, height, model and betas from the header of an .hvic file
 *  without decoding it, and without checking the CRC: buf may be just the
 *  file's first bytes (HVIC_PEEK_BYTES are always enough), e.g. to size a
 *  buffer for hvic_decode_into() or to pick the model. The header fields are
 *  validated as hvic_container_read() does. Errors: HVIC_ERR_ARG,
 *  HVIC_ERR_BAD_MAGIC, HVIC_ERR_BAD_VERSION, HVIC_ERR_TRUNCATED (the header
 *  does not fit in len), HVIC_ERR_CORRUPT, HVIC_ERR_UNSUPPORTED,
 *  HVIC_ERR_TOO_LARGE (spec/container.md). */
HVIC_API hvic_status hvic_peek(const uint8_t *buf, size_t len, hvic_file_info *info);

/* ====================================================================== */
/* Models and the codec — spec/model-format.md, spec/container.md         */
/* ====================================================================== */
/*
 * OpenBLAS and reproducibility. The decoder's synthesis transform and the
 * integer hyper-synthesis use OpenBLAS; the encoder's analysis transforms do
 * not (they use hvic's own fixed-order kernel), so encoded files are
 * byte-identical on every CPU, thread count, compiler and optimisation level.
 * OpenBLAS picks its kernels when the library is loaded, from the CPU or from
 * the environment variable OPENBLAS_CORETYPE (e.g. "Haswell", "SkylakeX",
 * "Cooperlake"); its thread count comes from OPENBLAS_NUM_THREADS. The
 * decoder is fastest with OpenBLAS single-threaded (OPENBLAS_NUM_THREADS=1 or
 * openblas_set_num_threads(1)): it then runs its own threads
 * (hvic_decode_params), which also parallelise the steps between the GEMMs;
 * the hvic tool does this unless OPENBLAS_NUM_THREADS is set. A program
 * embedding libhvic that wants a particular core type must set
 * OPENBLAS_CORETYPE before OpenBLAS is loaded, i.e. in the environment of the
 * process (the hvic tool does this by re-executing itself once). Decoded
 * pixels may differ in rare ±1 steps between core types; decoded latents
 * (hvic_decode_latents_hash in hvic_advanced.h) never do.
 */

/** A loaded model (opaque). Read-only after loading: one model may be used
 *  by several threads at once. */
typedef struct hvic_model hvic_model;

/** Load and verify a model file (spec/model-format.md): magic, version,
 *  payload size (<= 256 MiB), zstd frame, payload CRC-32, every tensor's
 *  bounds, the shapes implied by `arch` and sane values; then builds the
 *  entropy tables. On success *model is new (free with hvic_model_free()).
 *  Errors: HVIC_ERR_ARG, HVIC_ERR_IO (cannot read; errno as set),
 *  HVIC_ERR_BAD_VERSION (a format version this library does not read: 1
 *  and 2 are read), HVIC_ERR_MODEL (damaged, foreign or inconsistent),
 *  HVIC_ERR_NOMEM. */
HVIC_API hvic_status hvic_model_load(const char *path, hvic_model **model);

/** As hvic_model_load(), from the bytes of a model file in memory (e.g.
 *  linked into a program); the model keeps no pointer into data. */
HVIC_API hvic_status hvic_model_load_memory(const uint8_t *data, size_t len, hvic_model **model);

/** Load the default model: the installed
 *  ${datadir}/hvic/models/default.hvicm, else models/default.hvicm of the
 *  source tree the library was built from. (The library reads no
 *  environment variables; the hvic tool and the GdkPixbuf loader look at
 *  $HVIC_MODEL first.) Errors: as hvic_model_load(); HVIC_ERR_IO if none
 *  exists. */
HVIC_API hvic_status hvic_model_load_default(hvic_model **model);

/** The path hvic_model_load_default() would load, or NULL if none exists. */
HVIC_API const char *hvic_model_default_path(void);

/** Release a model. NULL is allowed. */
HVIC_API void hvic_model_free(hvic_model *model);

/** Model identifier (1..32 chars of [A-Za-z0-9._-]), as stored in files. */
HVIC_API const char *hvic_model_id(const hvic_model *model);

/** Model digest: CRC-32 of the model file's bytes, as stored in files. */
HVIC_API uint32_t hvic_model_digest(const hvic_model *model);

/** Number of beta levels L of the model (2..64). */
HVIC_API int hvic_model_levels(const hvic_model *model);

/** Beta of a level, 0 <= level < L; level 0 has the largest beta (lowest
 *  rate). 0 for an invalid level. */
HVIC_API float hvic_model_beta(const hvic_model *model, int level);

/** Largest quality accepted by hvic_encode(). */
#define HVIC_QUALITY_MAX 100
/** Quality used when none is given. */
#define HVIC_QUALITY_DEFAULT 75

/** Encoder settings. Initialise with hvic_encode_params_default(). */
typedef struct hvic_encode_params {
    /** Rate-distortion trade-off of the latent y: the weight of its rate
     *  in the training loss MSE + beta_y * rate_y + beta_z * rate_z, so a
     *  larger beta gives fewer bits. 0 = derived from quality. Values
     *  beyond the model's range
     *  (hvic_model_beta(m, L-1) .. hvic_model_beta(m, 0)) are clamped. */
    float beta_y;
    /** The same for the hyper-latent z; 0 = equal to beta_y (after
     *  quality). */
    float beta_z;
    /** 0..100, used when beta_y is 0: maps monotonically onto the model's
     *  beta range, 0 = level 0 (fewest bits), 75 = beta 40, 100 = level L-1
     *  (most bits); see hvic_quality_to_beta(). */
    int quality;
    /** Worker threads of the analysis transform; 0 = one per online CPU
     *  (at most 64). The output does not depend on it. */
    int threads;
    /** Colour profile and metadata to store with the image (ICCP, EXIF,
     *  XMP_ chunks, zstd-compressed); NULL = none. Each item is at most
     *  HVIC_META_MAX bytes. It adds to the file size, not to the latents. */
    const hvic_metadata *metadata;
    /** Targets, instead of quality or beta (0 = none; at most one, and not
     *  with beta_y or beta_z): the file size in bytes (metadata included),
     *  the same as bits per pixel of the whole file (bytes * 8 / pixels),
     *  or the PSNR-RGB in dB of the decoded image (as hvic_psnr() measures
     *  it). The encoder runs g_a and h_a once and searches the gain position
     *  (beta_y = beta_z) with at most HVIC_TARGET_PASSES passes of
     *  quantisation, h_s and coding (and, for PSNR, the decoder's g_s), and
     *  keeps the pass closest to the target: within 2 % of a size (0.1 dB
     *  of a PSNR) where the model's range reaches it, else the end of the
     *  range nearest to it. The file records the beta found. A PSNR target
     *  measures with this CPU's g_s kernel, so the beta it picks may differ
     *  by a step between CPUs with and without a bf16 g_s (AMX or
     *  AVX512-BF16). */
    uint64_t target_bytes;
    double target_bpp;
    double target_psnr;
    /** Which coder (hvic_coder): HVIC_CODER_MODEL (0, default) the model;
     *  HVIC_CODER_PIXEL the pixel coder: lossless or near-lossless
     *  predictive coding (spec/pixel.md, after JPEG-LS) for text,
     *  screenshots and plots and for qualities above the model's top level.
     *  Every decoded sample then differs from the input by at most
     *  max_error, on every platform; quality is ignored, betas and targets
     *  are not allowed, and no model is needed (hvic_encode() accepts
     *  model == NULL; hvic_decode*() decode such files with any model or
     *  none; the file is container version 2). HVIC_CODER_AUTO: the model
     *  at the given quality or beta, then the pixel coder at a few max
     *  errors (1..31, never lossless); the file with the lowest cost
     *  J = MSE + beta_y * bpp wins (the training objective: MSE per sample
     *  in squared code values, bpp of the whole file), the model's MSE as
     *  this CPU's g_s reconstructs it. On photos that is the model's file,
     *  unchanged. It costs a g_s pass and some pixel-coder passes; not with
     *  targets. */
    int32_t coder;
    /** With HVIC_CODER_PIXEL: 0..HVIC_PIXEL_MAX_ERROR, the largest difference of a
     *  decoded sample from the input, in 8-bit code values (0 = lossless).
     *  Must be 0 otherwise. */
    int32_t max_error;
    /** Zero (set by hvic_encode_params_init): room for later fields. */
    uint32_t reserved[6];
} hvic_encode_params;

/** Values of hvic_encode_params.coder. */
typedef enum hvic_coder { HVIC_CODER_MODEL = 0, HVIC_CODER_PIXEL = 1, HVIC_CODER_AUTO = 2 } hvic_coder;

/** Largest hvic_encode_params.max_error. */
#define HVIC_PIXEL_MAX_ERROR 31

/** Most encoding passes of a target search (hvic_encode_params). */
#define HVIC_TARGET_PASSES 8

/** Sets *p to the defaults (quality HVIC_QUALITY_DEFAULT, betas 0, threads
 *  0, no metadata, no target) for a caller built against abi_version (pass
 *  HVIC_ABI_VERSION). Returns 1, or 0 with *p untouched when the library
 *  does not implement that ABI version or p is NULL. */
HVIC_API int hvic_encode_params_init(hvic_encode_params *p, int abi_version);

/** hvic_encode_params_init(p, HVIC_ABI_VERSION), result ignored. */
#define hvic_encode_params_default(p) ((void)hvic_encode_params_init((p), HVIC_ABI_VERSION))

/** The beta HVIC_QUALITY_DEFAULT stands for (on photos, about the PSNR of JPEG at q 75). */
#define HVIC_QUALITY_DEFAULT_BETA 40.0

/** The beta that quality q (clamped to 0..100) stands for with this model:
 *  the position between the model's beta levels (log-linear in beta) is
 *  linear in q from the largest beta at q = 0 to HVIC_QUALITY_DEFAULT_BETA
 *  at q = HVIC_QUALITY_DEFAULT (75), and from there to the smallest beta at
 *  q = 100; so q 0..75 means the same with models whose betas reach further
 *  (e.g. down to 0.7 for screen content), and q 75..100 spans what they add. */
HVIC_API float hvic_quality_to_beta(const hvic_model *model, int quality);

/** Gain position (units of 1/HVIC_GAIN_POS_ONE level, 0..(L-1)*4096) of a
 *  beta: log-linear interpolation between the model's betas, clamped
 *  (spec/model-format.md §3.2). Non-finite or non-positive beta gives 0. */
HVIC_API uint32_t hvic_beta_to_gain_pos(const hvic_model *model, float beta);

/** Encode an 8-bit RGB image into a complete .hvic file.
 *
 *  rgb: interleaved R,G,B bytes, row y at rgb + y * stride (stride >=
 *  3 * width, in bytes); width, height: 1..HVIC_MAX_DIM. p may be NULL for
 *  the defaults. The file holds the model id and digest, the user's betas,
 *  the gain positions, the latent shapes (z: N x ceil(h/64) x ceil(w/64),
 *  y: M x 4 ceil(h/64) x 4 ceil(w/64)) and the rANS-coded latents (ZLAT,
 *  YLAT; coding order of spec/model-format.md §3.4), or with
 *  p->coder HVIC_CODER_PIXEL (or AUTO choosing it) the pixel coder's
 *  stream (PIXL, spec/pixel.md; model may be NULL for HVIC_CODER_PIXEL).
 *  The bytes are the same on every platform and for every thread count
 *  (HVIC_CODER_AUTO: see hvic_encode_params.coder).
 *  On success *out (released with hvic_free()) holds *out_len bytes.
 *  Errors: HVIC_ERR_ARG (NULL pointers, bad sizes or stride, quality out of
 *  0..100, negative or non-finite beta or target, two targets, a target
 *  with a beta, coder or max_error out of range, a NULL model without the
 *  pixel coder, betas with it, a target with it or with auto, a metadata pointer NULL with a
 *  non-zero size), HVIC_ERR_TOO_LARGE (also: a metadata item over
 *  HVIC_META_MAX), HVIC_ERR_NOMEM,
 *  HVIC_ERR_MODEL (the model produced non-finite latents). */
HVIC_API hvic_status hvic_encode(const hvic_model *model, const uint8_t *rgb, uint32_t width,
                        uint32_t height, size_t stride, const hvic_encode_params *p,
                        uint8_t **out, size_t *out_len);

/** hvic_encode() of img's pixels, storing img->meta (the ICC profile, Exif
 *  and XMP it was read with) unless p->metadata names other metadata.
 *  p may be NULL for the defaults. Errors: as hvic_encode(). */
HVIC_API hvic_status hvic_encode_image(const hvic_model *model, const hvic_image *img,
                                       const hvic_encode_params *p, uint8_t **out, size_t *out_len);

/** Decoder settings. Initialise with hvic_decode_params_default(). */
typedef struct hvic_decode_params {
    /** hvic's own threads, which split the image into bands (and h_s into
     *  channel slices) and call OpenBLAS from each: 0 = one per online CPU
     *  (at most 64). Used only when OpenBLAS runs single-threaded
     *  (OPENBLAS_NUM_THREADS=1 or openblas_set_num_threads(1)); otherwise
     *  the decoder runs on one thread and OpenBLAS parallelises each call.
     *  The decoded pixels do not depend on it. */
    int threads;
    /** Largest image accepted, in pixels (width x height); a file that
     *  declares more fails with HVIC_ERR_TOO_LARGE before any memory that
     *  depends on the image's size is allocated. For programs that open
     *  files from strangers: a file of a few kilobytes may declare
     *  16384 x 16384 pixels, which needs about 6 GiB to decode (about 20
     *  bytes per pixel plus some 130 MiB of band buffers: `hvic decode` of
     *  a 12.6-megapixel image peaks at 383 MiB). 0 = no limit beyond
     *  HVIC_MAX_DIM x HVIC_MAX_DIM. */
    uint64_t max_pixels;
    /** Zero (set by hvic_decode_params_init): room for later fields. */
    uint32_t reserved[8];
} hvic_decode_params;

/** Sets *p to the defaults (threads 0, max_pixels 0) for a caller built
 *  against abi_version (pass HVIC_ABI_VERSION). Returns 1, or 0 with *p
 *  untouched when the library does not implement that ABI version or p is
 *  NULL. */
HVIC_API int hvic_decode_params_init(hvic_decode_params *p, int abi_version);

/** hvic_decode_params_init(p, HVIC_ABI_VERSION), result ignored. */
#define hvic_decode_params_default(p) ((void)hvic_decode_params_init((p), HVIC_ABI_VERSION))

/** Decode a complete .hvic file into *image (8-bit RGB, stride 3 * width,
 *  free with hvic_image_free()); image->meta receives copies of the file's
 *  ICC profile, Exif and XMP. p may be NULL for the defaults. A file of the
 *  pixel coder (HVIC_CODER_PIXEL, container version 2) needs no model:
 *  model may then be NULL, and it decodes to the same bytes everywhere.
 *  Errors: those of hvic_container_read() (HVIC_ERR_BAD_MAGIC,
 *  HVIC_ERR_BAD_VERSION, HVIC_ERR_TRUNCATED, HVIC_ERR_CRC, HVIC_ERR_CORRUPT,
 *  HVIC_ERR_UNSUPPORTED, HVIC_ERR_TOO_LARGE), HVIC_ERR_MODEL_MISMATCH (the
 *  file names another model digest), HVIC_ERR_CORRUPT (latent shapes that do
 *  not match the image size and model, gain position out of range),
 *  HVIC_ERR_ENTROPY / HVIC_ERR_TRUNCATED (malformed latent or pixel-coder
 *  streams, or a stream that does not end exactly where its data ends),
 *  HVIC_ERR_ARG (also: negative threads, a NULL model for a file of the
 *  model), HVIC_ERR_TOO_LARGE (more than p->max_pixels),
 *  HVIC_ERR_NOMEM. On error *image is empty. */
HVIC_API hvic_status hvic_decode_with(const hvic_model *model, const uint8_t *buf, size_t len,
                             const hvic_decode_params *p, hvic_image *image);

/** Decode a complete .hvic file into the caller's buffer: 8-bit R,G,B
 *  interleaved, row y at rgb + y * stride, size bytes in all; the image's
 *  width and height come from hvic_peek() first. Metadata is not returned
 *  (hvic_decode_with() gives it). The file is checked first, so its errors
 *  are those of hvic_decode_with(); then HVIC_ERR_ARG if stride <
 *  3 * width or size < stride * (height - 1) + 3 * width. On error the
 *  buffer's contents are unspecified. */
HVIC_API hvic_status hvic_decode_into(const hvic_model *model, const uint8_t *buf, size_t len,
                                      const hvic_decode_params *p, uint8_t *rgb, size_t size,
                                      size_t stride);

/** hvic_decode_with() with the default settings. */
HVIC_API hvic_status hvic_decode(const hvic_model *model, const uint8_t *buf, size_t len,
                        hvic_image *image);

#ifdef __cplusplus
}
#endif
#endif /* HVIC_H */
