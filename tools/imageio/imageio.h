/* hvic's image I/O helper library (libwebp's imageio, for hvic): reading
 * PNG and JPEG files into hvic_image, writing PNG, and MS-SSIM. The command-
 * line tools, the rate-distortion tools and the tests link it; libhvic itself
 * does not, so an embedder that brings its own pixels needs neither libpng
 * nor libjpeg. Built as the static library hvic_imageio. */
#ifndef HVIC_IMAGEIO_H
#define HVIC_IMAGEIO_H

#include "hvic.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flags for hvic_image_read_*(). */
enum {
    /** Discard an alpha channel (RGBA, gray+alpha, tRNS) instead of failing
     *  with HVIC_ERR_UNSUPPORTED. Colour samples are kept as stored (no
     *  compositing against a background). */
    HVIC_READ_DROP_ALPHA = 1u << 0
};

/** Input file formats, detected from magic bytes (never from the name). */
typedef enum hvic_image_format {
    HVIC_FORMAT_UNKNOWN = 0,
    HVIC_FORMAT_PNG = 1,   /**< starts with 89 50 4E 47 0D 0A 1A 0A */
    HVIC_FORMAT_JPEG = 2   /**< starts with FF D8 FF */
} hvic_image_format;

/** What the reader did to the input (optional output of hvic_image_read_*).
 *  A caller such as the CLI prints a notice when reduced_16bit is set. */
typedef struct hvic_read_info {
    hvic_image_format format;
    int source_bit_depth;   /**< bits per sample in the file (1..16) */
    int source_channels;    /**< samples per pixel in the file, incl. alpha
                                 (palette counts as 3, or 4 with tRNS) */
    int reduced_16bit;      /**< 1: 16-bit samples were reduced to 8 bits
                                 as (v * 255 + 32767) / 65535 */
    int dropped_alpha;      /**< 1: an alpha channel was discarded */
    int dropped_icc;        /**< 1: an ICC profile was left out because its
                                 colour space is not RGB (e.g. the profile of
                                 a gray image, which hvic stores as RGB) */
} hvic_read_info;

/** Detect the format of a buffer from its first bytes. */
hvic_image_format hvic_image_detect(const uint8_t *buf, size_t len);

/** Decode a PNG or JPEG held in memory into 8-bit RGB.
 *
 *  PNG: 1/2/4/8/16-bit gray, gray+alpha, RGB, RGBA, palette; interlaced or
 *  not. Gray and palette are expanded to RGB; 16-bit samples are reduced to
 *  8 bits as (v * 255 + 32767) / 65535. An alpha channel (RGBA, gray+alpha,
 *  or a tRNS chunk) fails with HVIC_ERR_UNSUPPORTED unless
 *  HVIC_READ_DROP_ALPHA is given. No gamma or colour-profile conversion.
 *  Metadata: img->meta receives the ICC profile (iCCP), Exif (eXIf) and
 *  XMP (iTXt "XML:com.adobe.xmp", uncompressed or zlib) wherever they lie
 *  in the file; libpng drops malformed ancillary chunks.
 *  JPEG: gray and YCbCr/RGB are converted to RGB; CMYK and YCCK fail with
 *  HVIC_ERR_UNSUPPORTED. Any libjpeg warning about damaged data is an error.
 *  Metadata: the ICC profile (APP2, reassembled from its segments), the
 *  first Exif APP1 and the first XMP APP1 (extended XMP is not read).
 *  Either format: an ICC profile whose colour space (header bytes 16..19)
 *  is not "RGB " is left out and info->dropped_icc set.
 *
 *  Dimensions are checked (IHDR / SOF) before any pixel memory is
 *  allocated. Errors: HVIC_ERR_ARG, HVIC_ERR_FORMAT (unknown magic or
 *  malformed data), HVIC_ERR_UNSUPPORTED, HVIC_ERR_TOO_LARGE (width or
 *  height > HVIC_MAX_DIM), HVIC_ERR_CORRUPT (zero size, bad CRC, damaged
 *  compressed data), HVIC_ERR_TRUNCATED (data ends early), HVIC_ERR_NOMEM.
 *  On success *img owns new memory (free with hvic_image_free); on error
 *  *img is zeroed. info may be NULL. */
hvic_status hvic_image_read_memory(const uint8_t *buf, size_t len, unsigned flags,
                                   hvic_image *img, hvic_read_info *info);

/** As hvic_image_read_memory(), reading the whole file at path first;
 *  path "-" reads standard input. Extra error: HVIC_ERR_IO (cannot open or
 *  read; errno is left as set by the failing call). */
hvic_status hvic_image_read_file(const char *path, unsigned flags,
                                 hvic_image *img, hvic_read_info *info);

/** Encode img as an 8-bit RGB PNG (non-interlaced) into a new buffer, with
 *  img->meta as iCCP (profile name "ICC profile"), eXIf and an uncompressed
 *  iTXt "XML:com.adobe.xmp", all before IDAT. An ICC profile that libpng
 *  rejects as malformed, or an Exif block not starting with "MM" or "II",
 *  is left out; XMP ends at its first NUL byte, if any.
 *  *out is released with hvic_free(). Errors: HVIC_ERR_ARG (NULL pointers,
 *  bad dimensions, stride < 3 * width, a meta pointer NULL with a non-zero
 *  size), HVIC_ERR_TOO_LARGE (a meta item over HVIC_META_MAX),
 *  HVIC_ERR_NOMEM. */
hvic_status hvic_image_write_png_memory(const hvic_image *img, uint8_t **out, size_t *len);

/** Write img as an 8-bit RGB PNG to path ("-" = standard output).
 *  Errors: as hvic_image_write_png_memory(), plus HVIC_ERR_IO. */
hvic_status hvic_image_write_png_file(const hvic_image *img, const char *path);

/* Full-reference metrics as in hvic.h (hvic_mse, hvic_psnr). */

/** Smallest width and height hvic_ms_ssim() accepts, in pixels: after four
 *  2x2 poolings that drop an odd last row/column the coarsest scale must
 *  still hold one 11x11 window (floor(n / 16) >= 11). */
#define HVIC_MS_SSIM_MIN_DIM 176u

/** Multi-scale structural similarity, 0..1 (1 when the images are
 *  identical; higher is better): Z. Wang, E. P. Simoncelli, A. C. Bovik,
 *  "Multiscale structural similarity for image quality assessment",
 *  Asilomar Conference on Signals, Systems and Computers, 2003, computed as
 *  CompressAI / pytorch-msssim do, on the 0..255 sample values:
 *  - 5 scales, weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333;
 *  - separable Gaussian window of 11 taps, sigma 1.5, normalised to sum 1,
 *    'valid' filtering (no padding);
 *  - K1 = 0.01, K2 = 0.03, data range L = 255 (C1 = (K1 L)^2, C2 = (K2 L)^2);
 *    variances as E[x^2] - E[x]^2 (and covariance likewise);
 *  - between scales 2x2 average pooling, an odd last row/column dropped;
 *  - the mean contrast-structure term cs of scales 1..4 and the mean SSIM
 *    of scale 5 are clamped at 0 (relu), raised to their weights and
 *    multiplied; this is done per channel (R, G, B) and the 3 results
 *    averaged.
 *  Errors: HVIC_ERR_ARG (as hvic_mse(), or a side smaller than
 *  HVIC_MS_SSIM_MIN_DIM), HVIC_ERR_NOMEM. */
hvic_status hvic_ms_ssim(const hvic_image *a, const hvic_image *b, double *ms_ssim);

/** MS-SSIM in dB as in the learned-compression literature:
 *  -10 * log10(1 - ms_ssim); +INFINITY for ms_ssim >= 1. */
double hvic_ms_ssim_db(double ms_ssim);

#ifdef __cplusplus
}
#endif
#endif /* HVIC_IMAGEIO_H */
