/* The decoder's float layers (codec/synthesis/conv_wino.c, conv_direct.c) against a
 * plain double-precision 3x3 convolution + pixel shuffle (+ IGDN), on random
 * weights and inputs: sizes that are no multiple of the 4x4 Winograd tile,
 * a 1x1 input, and a wide input that the Winograd kernel splits into several
 * chunks of tile rows. The float results must agree to 1e-4 of the largest
 * output (F(4x4, 3x3) in binary32 errs by about 1e-6 here). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "model.h"
#include "conv_gs.h"
#include "mem.h"

static double urand(unsigned *s) /* uniform -1..1 */
{
    *s = *s * 1103515245u + 12345u;
    return ((*s >> 8) & 0xffff) / 32767.5 - 1.0;
}

/* Reference: (cout/4) x 2H x 2W, shuffled, IGDN when gamma != NULL. */
static void reference(const float *w, const float *b, int cin, int cout, const float *x, int H,
                      int W, const float *gamma, const float *beta, double *out)
{
    const int C = cout / 4;
    for (int o = 0; o < cout; o++)
        for (int y = 0; y < H; y++)
            for (int xx = 0; xx < W; xx++) {
                double acc = b[o];
                for (int i = 0; i < cin; i++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            const int yy = y + ky - 1, xs = xx + kx - 1;
                            if (yy < 0 || yy >= H || xs < 0 || xs >= W) continue;
                            acc += (double)w[((size_t)o * cin + i) * 9 + ky * 3 + kx] *
                                   x[((size_t)i * H + yy) * W + xs];
                        }
                out[((size_t)(o / 4) * 2 * H + 2 * y + (o / 2) % 2) * 2 * W + 2 * xx + o % 2] = acc;
            }
    if (!gamma) return;
    const size_t P = (size_t)4 * H * W;
    double *norm = malloc(C * sizeof *norm);
    for (size_t p = 0; p < P; p++) {
        for (int i = 0; i < C; i++) {
            norm[i] = beta[i];
            for (int j = 0; j < C; j++) norm[i] += (double)gamma[i * C + j] * out[j * P + p] * out[j * P + p];
        }
        for (int i = 0; i < C; i++) out[i * P + p] *= sqrt(norm[i]);
    }
    free(norm);
}

static void check_layer(int cin, int cout, int H, int W, int with_igdn, unsigned seed)
{
    const int C = cout / 4;
    const size_t nw = (size_t)cout * cin * 9, nx = (size_t)cin * H * W, ny = (size_t)cout * H * W;
    float *w = malloc(nw * sizeof *w), *b = malloc(cout * sizeof *b), *x = malloc(nx * sizeof *x);
    float *gamma = malloc((size_t)C * C * sizeof *gamma), *beta = malloc(C * sizeof *beta);
    float *u = malloc(36 * (size_t)cout * cin * sizeof *u), *y = malloc(ny * sizeof *y);
    double *ref = malloc(ny * sizeof *ref);
    const double ws = 1.0 / sqrt(9.0 * cin);
    for (size_t i = 0; i < nw; i++) w[i] = (float)(ws * urand(&seed));
    for (int i = 0; i < cout; i++) b[i] = (float)(0.1 * urand(&seed));
    for (size_t i = 0; i < nx; i++) x[i] = (float)urand(&seed);
    for (int i = 0; i < C * C; i++) gamma[i] = (float)(0.05 * (1.0 + urand(&seed)) / C);
    for (int i = 0; i < C; i++) beta[i] = (float)(0.5 + 0.25 * urand(&seed));
    hv_conv c = {.cout = cout, .cin = cin, .k = 3, .stride = 1, .w = w, .b = b};
    hv_gdn g = {.c = C, .conv = {.cout = C, .cin = C, .k = 1, .stride = 1, .w = gamma, .b = beta}};
    int ok;
    if (cout > HV_DIRECT_MAX_COUT) {
        c.wwino = u;
        ok = hv_wino_weights(w, cout, cin, u) &&
             hv_conv_wino(&c, with_igdn ? &g : NULL, x, (size_t)H * W, H, W, y);
    } else {
        ok = !with_igdn && hv_conv_direct3(&c, x, (size_t)H * W, H, W, y);
    }
    reference(w, b, cin, cout, x, H, W, with_igdn ? gamma : NULL, beta, ref);
    double maxref = 0, maxerr = 0;
    for (size_t i = 0; i < ny; i++) {
        maxref = fmax(maxref, fabs(ref[i]));
        maxerr = fmax(maxerr, fabs(ref[i] - y[i]));
    }
    printf("%s cin %d cout %d %dx%d%s: max |error| %.3g of max |output| %.3g\n",
           cout > HV_DIRECT_MAX_COUT ? "winograd" : "direct", cin, cout, H, W,
           with_igdn ? " + IGDN" : "", maxerr, maxref);
    CHECK(ok, "layer cin %d cout %d %dx%d failed", cin, cout, H, W);
    CHECK(maxerr <= 1e-4 * maxref, "cin %d cout %d %dx%d: error %.3g of %.3g", cin, cout, H, W,
          maxerr, maxref);
    free(w), free(b), free(x), free(gamma), free(beta), free(u), free(y), free(ref);
}

int main(void)
{
    check_layer(5, 20, 1, 1, 1, 1);      /* one pixel: a tile of padding */
    check_layer(7, 24, 5, 7, 0, 2);      /* partial tiles, no IGDN */
    check_layer(16, 32, 13, 9, 1, 3);
    check_layer(32, 256, 21, 600, 1, 4); /* several chunks of tile rows */
    check_layer(16, 12, 11, 37, 0, 5);   /* the direct kernel (g_s.6) */
    if (failures) fprintf(stderr, "test_wino: %d failure(s)\n", failures);
    else printf("test_wino: all passed\n");
    return failures != 0;
}
