/* rd_code_image(): hvic_encode + hvic_decode of one image, timed, with the
 * per-layer sizes from the container. */
#define _POSIX_C_SOURCE 200809L
#include "rd_codec.h"

#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

hvic_status rd_code_image(const hvic_model *model, const hvic_image *img, double beta_y,
                          double beta_z, int coder, int max_error, int threads, rd_coded *res,
                          hvic_image *decoded)
{
    if (!decoded) return HVIC_ERR_ARG;
    memset(decoded, 0, sizeof *decoded);
    const int pixel = coder == HVIC_CODER_PIXEL;
    if (!img || !res || (!pixel && (!model || !(beta_y > 0) || !(beta_z > 0)))) return HVIC_ERR_ARG;
    memset(res, 0, sizeof *res);

    hvic_encode_params p;
    hvic_encode_params_default(&p);
    p.coder = coder;
    if (pixel) {
        p.max_error = max_error;
    } else {
        p.beta_y = (float)beta_y;
        p.beta_z = (float)beta_z;
    }
    p.threads = threads;
    uint8_t *buf = NULL;
    size_t len = 0;
    double t0 = now_s();
    hvic_status st = hvic_encode(model, img->rgb, img->width, img->height, img->stride, &p,
                                 &buf, &len);
    double t1 = now_s();
    if (st != HVIC_OK) return st;

    hvic_container c;
    st = hvic_container_read(buf, len, &c);
    if (st == HVIC_OK) {
        res->bytes = len;
        res->ylat_bytes = c.ylat_size;
        res->zlat_bytes = c.zlat_size;
        res->enc_s = t1 - t0;
        hvic_container_free(&c);
        t0 = now_s();
        hvic_decode_params dp;
        hvic_decode_params_default(&dp);
        dp.threads = threads;
        st = hvic_decode_with(model, buf, len, &dp, decoded);
        res->dec_s = now_s() - t0;
    }
    hvic_free(buf);
    return st;
}
