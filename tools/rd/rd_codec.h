/* The learned codec as `hvic rd` drives it: one encode + decode of an image
 * at a (beta_y, beta_z) pair, with per-layer sizes and timings.
 * rd_codec.c implements it on the public codec API (hvic_encode /
 * hvic_decode / hvic_model_load*); rd_codec_stub.c stands in until then. */
#ifndef HVIC_RD_CODEC_H
#define HVIC_RD_CODEC_H

#include "hvic.h"

typedef struct rd_model rd_model;

/** One encoded/decoded point. Sizes in bytes, rates in bits per pixel
 *  (bytes * 8 / (width * height)), times in seconds (wall clock). */
typedef struct rd_coded {
    size_t bytes;        /**< whole .hvic file */
    size_t ylat_bytes;   /**< YLAT chunk payload (latent y) */
    size_t zlat_bytes;   /**< ZLAT chunk payload (hyper-latent z) */
    double enc_s, dec_s;
} rd_coded;

/** Load a model file (path NULL: the default model). The model is shared
 *  read-only by all threads. Errors: those of hvic_model_load*;
 *  HVIC_ERR_UNSUPPORTED when this build has no codec. */
hvic_status rd_model_load(const char *path, rd_model **out);
void rd_model_free(rd_model *m);
const char *rd_model_id(const rd_model *m);

/** Number of beta levels and beta of a level (0 = largest beta, lowest rate). */
int rd_model_levels(const rd_model *m);
double rd_model_beta(const rd_model *m, int level);

/** Encode img with beta_y for the latent y and beta_z for the hyper-latent
 *  z, decode the file back into *decoded (free with hvic_image_free()).
 *  Thread-safe for a shared model. Errors: those of the codec. */
hvic_status rd_code_image(const rd_model *m, const hvic_image *img, double beta_y,
                          double beta_z, rd_coded *res, hvic_image *decoded);

#endif /* HVIC_RD_CODEC_H */
