/* Internal data of one `hvic rd` run, shared by rd_cmd.c (sweep) and
 * rd_report.c (CSV / JSON / BD-rate output). */
#ifndef HVIC_RD_RUN_H
#define HVIC_RD_RUN_H

#include <stddef.h>

#include "hvic.h"

/** Codecs of a sweep; RD_PIXEL: hvic's pixel coder (encode --max-error);
 *  RD_AUTO: hvic at the same betas with encode --coder auto. */
typedef enum rd_codec_kind {
    RD_HVIC = 0, RD_JPEG420 = 1, RD_JPEG444 = 2, RD_PIXEL = 3, RD_AUTO = 4
} rd_codec_kind;
#define RD_KINDS 5

/** One point of a sweep: a codec and its setting. */
typedef struct rd_config {
    rd_codec_kind kind;
    int quality;             /**< JPEG 1..100; RD_PIXEL: the max error */
    double beta_y, beta_z;   /**< hvic, auto */
    int main_curve;          /**< 1: part of the hvic / JPEG curve; 0: beta grid only */
} rd_config;

/** Result of one image at one config. NaN where not applicable. */
typedef struct rd_result {
    hvic_status st;
    size_t bytes;              /**< whole file (hvic: .hvic file; JPEG: JFIF) */
    size_t bytes_y, bytes_z;   /**< hvic: YLAT, ZLAT chunk payloads; 0 for JPEG */
    double bpp, bpp_y, bpp_z;  /**< bits per pixel: file, YLAT, ZLAT (NaN for JPEG) */
    double psnr, ms_ssim;      /**< dB, 0..1 */
    double enc_s, dec_s;       /**< seconds */
} rd_result;

typedef struct rd_run {
    size_t nimages;
    char **image_paths;
    hvic_image *images;
    size_t nconfigs;
    rd_config *configs;
    rd_result *results;        /**< [config][image] */
    size_t *grid;              /**< config index of beta-grid point (i, j): grid[i * ngrid + j] */
    size_t ngrid;              /**< 0 without --beta-grid */
    const char *model_id;
} rd_run;

static inline rd_result *rd_res(const rd_run *r, size_t config, size_t image)
{
    return &r->results[config * r->nimages + image];
}

/** Write PREFIX-images.csv, the per-codec JSON files and (with a grid)
 *  PREFIX-betagrid.csv; print the summary and BD-rates on stdout.
 *  Returns 0, or 1 after printing an error. */
int rd_report(const rd_run *run, const char *prefix);

#endif /* HVIC_RD_RUN_H */
