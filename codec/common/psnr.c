/* MSE and PSNR between two images (hvic.h); the encoder's PSNR targets
 * measure with these. */
#include "hvic.h"

#include <math.h>

static hvic_status check_pair(const hvic_image *a, const hvic_image *b)
{
    if (!a || !b || !a->rgb || !b->rgb) return HVIC_ERR_ARG;
    if (a->width == 0 || a->height == 0) return HVIC_ERR_ARG;
    if (a->width != b->width || a->height != b->height) return HVIC_ERR_ARG;
    if (a->stride < 3 * (size_t)a->width || b->stride < 3 * (size_t)b->width)
        return HVIC_ERR_ARG;
    return HVIC_OK;
}

hvic_status hvic_mse(const hvic_image *a, const hvic_image *b, double *mse)
{
    if (!mse) return HVIC_ERR_ARG;
    hvic_status st = check_pair(a, b);
    if (st != HVIC_OK) return st;
    /* Exact integer sum: at most 255^2 * 3 * 16384^2 < 2^46. */
    uint64_t sum = 0;
    size_t n = 3 * (size_t)a->width;
    for (uint32_t y = 0; y < a->height; y++) {
        const uint8_t *pa = a->rgb + y * a->stride;
        const uint8_t *pb = b->rgb + y * b->stride;
        uint64_t row = 0;
        for (size_t i = 0; i < n; i++) {
            int d = (int)pa[i] - (int)pb[i];
            row += (uint64_t)(d * d);
        }
        sum += row;
    }
    *mse = (double)sum / ((double)n * a->height);
    return HVIC_OK;
}

hvic_status hvic_psnr(const hvic_image *a, const hvic_image *b, double *psnr_db)
{
    if (!psnr_db) return HVIC_ERR_ARG;
    double mse;
    hvic_status st = hvic_mse(a, b, &mse);
    if (st != HVIC_OK) return st;
    *psnr_db = mse == 0.0 ? INFINITY : 10.0 * log10(255.0 * 255.0 / mse);
    return HVIC_OK;
}
