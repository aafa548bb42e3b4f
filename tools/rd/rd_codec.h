/* The learned codec as `hvic rd` drives it: one encode + decode of an image
 * at a (beta_y, beta_z) pair on the public codec API (hvic_encode,
 * hvic_decode), with the file's per-layer sizes and the two timings. */
#ifndef HVIC_RD_CODEC_H
#define HVIC_RD_CODEC_H

#include "hvic_advanced.h"

/** One encoded/decoded point. Sizes in bytes; times in seconds (wall
 *  clock), encode and decode each timed on its own (the container parse
 *  that finds the chunk sizes is in neither). */
typedef struct rd_coded {
    size_t bytes;        /**< whole .hvic file */
    size_t ylat_bytes;   /**< YLAT chunk payload (latent y) */
    size_t zlat_bytes;   /**< ZLAT chunk payload (hyper-latent z); the rest,
                              bytes - ylat_bytes - zlat_bytes, is container
                              header, chunk headers and CRC */
    double enc_s, dec_s;
} rd_coded;

/** Encode img with beta_y for the latent y and beta_z for the hyper-latent
 *  z (both > 0; clamped by the codec to the model's range) and coder
 *  (hvic_encode_params.coder: HVIC_CODER_AUTO may give a pixel-coded file),
 *  or with coder HVIC_CODER_PIXEL at max_error (the betas and the model are
 *  then not used; sizes of ZLAT/YLAT are 0 for pixel-coded files), using `threads`
 *  threads (0: one per CPU) to encode and to decode, read the YLAT/ZLAT sizes back with
 *  hvic_container_read() and decode the file into *decoded (free with
 *  hvic_image_free()). Thread-safe: many calls may share one model.
 *  Errors: those of hvic_encode(), hvic_container_read(), hvic_decode_with();
 *  on error *decoded is empty. */
hvic_status rd_code_image(const hvic_model *model, const hvic_image *img, double beta_y,
                          double beta_z, int coder, int max_error, int threads, rd_coded *res,
                          hvic_image *decoded);

#endif /* HVIC_RD_CODEC_H */
