/* Stand-in for rd_codec.c while libhvic has no encoder/decoder: every call
 * fails with HVIC_ERR_UNSUPPORTED, so `hvic rd` runs the JPEG baseline only. */
#include "rd_codec.h"

hvic_status rd_model_load(const char *path, rd_model **out)
{
    (void)path;
    if (out) *out = NULL;
    return HVIC_ERR_UNSUPPORTED;
}

void rd_model_free(rd_model *m)
{
    (void)m;
}

const char *rd_model_id(const rd_model *m)
{
    (void)m;
    return "none";
}

int rd_model_levels(const rd_model *m)
{
    (void)m;
    return 0;
}

double rd_model_beta(const rd_model *m, int level)
{
    (void)m;
    (void)level;
    return 0.0;
}

hvic_status rd_code_image(const rd_model *m, const hvic_image *img, double beta_y,
                          double beta_z, rd_coded *res, hvic_image *decoded)
{
    (void)m, (void)img, (void)beta_y, (void)beta_z, (void)res, (void)decoded;
    return HVIC_ERR_UNSUPPORTED;
}
