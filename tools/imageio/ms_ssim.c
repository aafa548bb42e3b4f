/* MS-SSIM (see imageio.h for the exact definition followed). */
#include "imageio.h"

#include <math.h>
#include <stdlib.h>

#define WIN 11          /* Gaussian window taps */
#define WIN_SIGMA 1.5
#define SCALES 5

static const double ms_ssim_weights[SCALES] = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};

double hvic_ms_ssim_db(double ms_ssim)
{
    return ms_ssim >= 1.0 ? INFINITY : -10.0 * log10(1.0 - ms_ssim);
}

/* Working memory for one channel: the two images at the current scale and
 * the five horizontally filtered planes (x, y, xx, yy, xy). */
typedef struct {
    double *x, *y;      /* w * h each */
    double *hf[5];      /* h * (w - WIN + 1) each */
    double *acc[5];     /* one output row each */
} ssim_work;

/* Mean SSIM and mean contrast-structure term of one scale, 'valid'
 * filtering with the separable window g (horizontal pass, then vertical). */
static void ssim_scale(ssim_work *wk, size_t w, size_t h, const double *g,
                       double *ssim_mean, double *cs_mean)
{
    const double c1 = (0.01 * 255) * (0.01 * 255);
    const double c2 = (0.03 * 255) * (0.03 * 255);
    size_t ow = w - (WIN - 1), oh = h - (WIN - 1);

    for (size_t r = 0; r < h; r++) {
        const double *xr = wk->x + r * w, *yr = wk->y + r * w;
        for (size_t c = 0; c < ow; c++) {
            double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
            for (int k = 0; k < WIN; k++) {
                double xv = xr[c + k], yv = yr[c + k], gk = g[k];
                sx += gk * xv;
                sy += gk * yv;
                sxx += gk * (xv * xv);
                syy += gk * (yv * yv);
                sxy += gk * (xv * yv);
            }
            size_t o = r * ow + c;
            wk->hf[0][o] = sx;
            wk->hf[1][o] = sy;
            wk->hf[2][o] = sxx;
            wk->hf[3][o] = syy;
            wk->hf[4][o] = sxy;
        }
    }

    double sum_ssim = 0, sum_cs = 0;
    for (size_t r = 0; r < oh; r++) {
        for (int p = 0; p < 5; p++)
            for (size_t c = 0; c < ow; c++) wk->acc[p][c] = 0;
        for (int k = 0; k < WIN; k++) {
            double gk = g[k];
            for (int p = 0; p < 5; p++) {
                const double *src = wk->hf[p] + (r + k) * ow;
                double *dst = wk->acc[p];
                for (size_t c = 0; c < ow; c++) dst[c] += gk * src[c];
            }
        }
        double row_ssim = 0, row_cs = 0;
        for (size_t c = 0; c < ow; c++) {
            double mx = wk->acc[0][c], my = wk->acc[1][c];
            double vx = wk->acc[2][c] - mx * mx;
            double vy = wk->acc[3][c] - my * my;
            double cv = wk->acc[4][c] - mx * my;
            double cs = (2 * cv + c2) / (vx + vy + c2);
            row_cs += cs;
            row_ssim += (2 * mx * my + c1) / (mx * mx + my * my + c1) * cs;
        }
        sum_ssim += row_ssim;
        sum_cs += row_cs;
    }
    double n = (double)ow * (double)oh;
    *ssim_mean = sum_ssim / n;
    *cs_mean = sum_cs / n;
}

/* 2x2 average pooling in place; an odd last row/column is dropped. */
static void pool2(double *p, size_t w, size_t h)
{
    size_t nw = w / 2, nh = h / 2;
    for (size_t r = 0; r < nh; r++) {
        const double *a = p + 2 * r * w, *b = a + w;
        double *o = p + r * nw;  /* o never overtakes a: r * nw <= 2 * r * w */
        for (size_t c = 0; c < nw; c++)
            o[c] = (a[2 * c] + a[2 * c + 1] + b[2 * c] + b[2 * c + 1]) / 4.0;
    }
}

hvic_status hvic_ms_ssim(const hvic_image *a, const hvic_image *b, double *ms_ssim)
{
    if (!ms_ssim) return HVIC_ERR_ARG;
    double mse; /* hvic_mse checks the pair */
    hvic_status st = hvic_mse(a, b, &mse);
    if (st != HVIC_OK) return st;
    if (a->width < HVIC_MS_SSIM_MIN_DIM || a->height < HVIC_MS_SSIM_MIN_DIM)
        return HVIC_ERR_ARG;

    size_t w0 = a->width, h0 = a->height;
    size_t plane = w0 * h0, hplane = h0 * (w0 - (WIN - 1));
    ssim_work wk = {0};
    double *mem = malloc(sizeof(double) * (2 * plane + 5 * hplane + 5 * w0));
    if (!mem) return HVIC_ERR_NOMEM;
    wk.x = mem;
    wk.y = wk.x + plane;
    for (int p = 0; p < 5; p++) wk.hf[p] = wk.y + plane + p * hplane;
    for (int p = 0; p < 5; p++) wk.acc[p] = wk.hf[4] + hplane + p * w0;

    double g[WIN], gsum = 0;
    for (int k = 0; k < WIN; k++) {
        double t = k - WIN / 2;
        g[k] = exp(-t * t / (2 * WIN_SIGMA * WIN_SIGMA));
        gsum += g[k];
    }
    for (int k = 0; k < WIN; k++) g[k] /= gsum;

    double total = 0;
    for (int ch = 0; ch < 3; ch++) {
        for (size_t r = 0; r < h0; r++) {
            const uint8_t *pa = a->rgb + r * a->stride + ch;
            const uint8_t *pb = b->rgb + r * b->stride + ch;
            for (size_t c = 0; c < w0; c++) {
                wk.x[r * w0 + c] = pa[3 * c];
                wk.y[r * w0 + c] = pb[3 * c];
            }
        }
        size_t w = w0, h = h0;
        double prod = 1.0;
        for (int s = 0; s < SCALES; s++) {
            double ssim, cs;
            ssim_scale(&wk, w, h, g, &ssim, &cs);
            double v = s < SCALES - 1 ? cs : ssim;
            prod *= pow(v > 0 ? v : 0.0, ms_ssim_weights[s]);
            if (s < SCALES - 1) {
                pool2(wk.x, w, h);
                pool2(wk.y, w, h);
                w /= 2;
                h /= 2;
            }
        }
        total += prod;
    }
    free(mem);
    *ms_ssim = total / 3.0;
    return HVIC_OK;
}
