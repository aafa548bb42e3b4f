/* RD-curve files in CompressAI's JSON format:
 *   {"name": "...", "description": "...",
 *    "results": {"bpp": [...], "psnr-rgb": [...], "ms-ssim": [...],
 *                "encoding_time": [...], "decoding_time": [...], ...}}
 * bpp in bits per pixel, psnr-rgb in dB, ms-ssim in 0..1 (linear, not dB),
 * times in seconds per image; list i of every key belongs to one RD point. */
#ifndef HVIC_RD_JSON_H
#define HVIC_RD_JSON_H

#include <stdio.h>

#include "hvic.h"

#define RD_JSON_MAX_SERIES 16

/** One named list of numbers of "results". */
typedef struct rd_series {
    const char *key;
    const double *v;
    size_t n;
} rd_series;

/** Write {"name", "description", "results": {key: [v...] ...}} to f with
 *  %.17g numbers (non-finite values as null). Returns 0, or -1 if f fails. */
int rd_json_write(FILE *f, const char *name, const char *description,
                  const rd_series *series, size_t nseries);

/** A curve read back: name and the three lists BD-rate needs. */
typedef struct rd_json_curve {
    char name[128];
    double *bpp, *psnr, *ms_ssim;  /* one allocation, released by rd_json_free */
    size_t n;                      /* points (length of "bpp") */
    int has_psnr, has_ms_ssim;     /* list present with n entries */
} rd_json_curve;

/** Parse a JSON document (strict RFC 8259 syntax, any nesting) and take
 *  "name" and, from the "results" object, "bpp", "psnr-rgb" (or "psnr") and
 *  "ms-ssim" (or "ms-ssim-rgb"): arrays of numbers; other keys are skipped.
 *  Errors: HVIC_ERR_FORMAT (syntax error, no "results"/"bpp", a list with a
 *  non-number or a length different from "bpp"), HVIC_ERR_NOMEM.
 *  On success free with rd_json_free(). */
hvic_status rd_json_read(const char *text, size_t len, rd_json_curve *out);

void rd_json_free(rd_json_curve *c);

#endif /* HVIC_RD_JSON_H */
