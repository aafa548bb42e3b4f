/* Encoder targets (hvic_encode_params.target_bytes / target_bpp / target_psnr)
 * on a 768x512 image (testimages/screen/valgrind_core.png, Kodak's size):
 * - a reachable size or bpp target gives a file within 2 % of it, a
 *   reachable PSNR target a decoded image within 0.1 dB of it;
 * - unreachable targets give the nearest end of the model's range;
 * - the file records the beta it was coded with and decodes as any other;
 * - conflicting settings are HVIC_ERR_ARG. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "hvic_advanced.h"
#include "imageio.h"

static hvic_model *m;
static hvic_image img;

/* Encodes with p; returns the file (caller frees) and its length. */
static uint8_t *encode(const hvic_encode_params *p, size_t *len)
{
    uint8_t *buf = NULL;
    hvic_status st = hvic_encode(m, img.rgb, img.width, img.height, img.stride, p, &buf, len);
    CHECK(st == HVIC_OK, "hvic_encode: %s", hvic_strerror(st));
    return buf;
}

static double decoded_psnr(const uint8_t *buf, size_t len)
{
    hvic_image rec;
    double db = 0;
    hvic_status st = hvic_decode(m, buf, len, &rec);
    CHECK(st == HVIC_OK, "hvic_decode: %s", hvic_strerror(st));
    if (st == HVIC_OK) hvic_psnr(&img, &rec, &db);
    hvic_image_free(&rec);
    return db;
}

static float recorded_beta(const uint8_t *buf, size_t len)
{
    hvic_container c;
    float b = 0;
    if (hvic_container_read(buf, len, &c) == HVIC_OK) {
        b = c.layers[1].beta;
        CHECK(c.layers[0].beta == b, "beta_z %g != beta_y %g", (double)c.layers[0].beta, (double)b);
        hvic_container_free(&c);
    }
    return b;
}

/* Size and PSNR at the two ends of the model's range (beta of level 0 and L-1). */
static size_t end_len[2];
static double end_psnr[2];

static void measure_ends(void)
{
    const int L = hvic_model_levels(m);
    for (int k = 0; k < 2; k++) {
        hvic_encode_params p;
        hvic_encode_params_default(&p);
        p.beta_y = hvic_model_beta(m, k ? L - 1 : 0);
        uint8_t *buf = encode(&p, &end_len[k]);
        end_psnr[k] = buf ? decoded_psnr(buf, end_len[k]) : 0;
        free(buf);
    }
    printf("range: %zu .. %zu bytes, %.2f .. %.2f dB\n", end_len[0], end_len[1], end_psnr[0],
           end_psnr[1]);
    CHECK(end_len[0] < end_len[1] && end_psnr[0] < end_psnr[1], "range not increasing");
}

static void size_targets(void)
{
    const double px = (double)img.width * img.height;
    const double goals[2] = {sqrt((double)end_len[0] * end_len[1]), 0.9 * end_len[1]};
    for (int k = 0; k < 3; k++) {
        hvic_encode_params p;
        hvic_encode_params_default(&p);
        double goal;
        if (k < 2) {
            goal = nearbyint(goals[k]);
            p.target_bytes = (uint64_t)goal;
        } else { /* the bpp form of the first goal */
            p.target_bpp = goals[0] * 8.0 / px;
            goal = goals[0];
        }
        size_t len = 0;
        uint8_t *buf = encode(&p, &len);
        printf("target %.0f bytes: %zu bytes (%+.2f %%), beta %g\n", goal, len,
               100.0 * (len / goal - 1), buf ? (double)recorded_beta(buf, len) : 0.0);
        CHECK(fabs(len / goal - 1) <= 0.02, "size %zu not within 2 %% of %.0f", len, goal);
        if (buf && k == 0) CHECK(decoded_psnr(buf, len) > end_psnr[0], "does not decode as expected");
        free(buf);
    }
}

static void psnr_targets(void)
{
    const double goals[1] = {0.5 * (end_psnr[0] + end_psnr[1])};
    for (int k = 0; k < 1; k++) {
        hvic_encode_params p;
        hvic_encode_params_default(&p);
        p.target_psnr = goals[k];
        size_t len = 0;
        uint8_t *buf = encode(&p, &len);
        double db = buf ? decoded_psnr(buf, len) : 0;
        printf("target %.2f dB: %.3f dB, %zu bytes\n", goals[k], db, len);
        CHECK(fabs(db - goals[k]) <= 0.1, "PSNR %.3f not within 0.1 dB of %.3f", db, goals[k]);
        free(buf);
    }
}

static void unreachable(void)
{
    const int L = hvic_model_levels(m);
    hvic_encode_params p;
    hvic_encode_params_default(&p);
    p.target_bytes = 10;
    size_t len = 0;
    uint8_t *buf = encode(&p, &len);
    CHECK(len == end_len[0], "tiny target: %zu bytes, want the smallest file %zu", len, end_len[0]);
    if (buf) CHECK(recorded_beta(buf, len) == hvic_model_beta(m, 0), "tiny target: beta");
    free(buf);
    hvic_encode_params_default(&p);
    p.target_bytes = 4 * end_len[1];
    buf = encode(&p, &len);
    CHECK(len == end_len[1], "huge target: %zu bytes, want the largest file %zu", len, end_len[1]);
    if (buf) CHECK(recorded_beta(buf, len) == hvic_model_beta(m, L - 1), "huge target: beta");
    free(buf);
}

static void bad_settings(void)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hvic_encode_params p;
    hvic_encode_params_default(&p);
    p.target_bytes = 20000;
    p.target_psnr = 30;
    CHECK(hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &buf, &len) == HVIC_ERR_ARG,
          "two targets accepted");
    hvic_encode_params_default(&p);
    p.target_bpp = 0.5;
    p.beta_y = 40;
    CHECK(hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &buf, &len) == HVIC_ERR_ARG,
          "target with beta accepted");
    hvic_encode_params_default(&p);
    p.target_psnr = NAN;
    CHECK(hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &buf, &len) == HVIC_ERR_ARG,
          "NaN target accepted");
    CHECK(buf == NULL && len == 0, "output set on error");
}

int main(void)
{
    hvic_status st = hvic_model_load(HVIC_TEST_MODEL, &m);
    if (st != HVIC_OK) {
        fprintf(stderr, "cannot load %s: %s\n", HVIC_TEST_MODEL, hvic_strerror(st));
        return 1;
    }
    st = hvic_image_read_file(HVIC_TESTIMAGES_DIR "/screen/valgrind_core.png", 0, &img, NULL);
    if (st != HVIC_OK) {
        fprintf(stderr, "cannot read the test image: %s\n", hvic_strerror(st));
        return 1;
    }
    measure_ends();
    size_targets();
    psnr_targets();
    unreachable();
    bad_settings();
    hvic_image_free(&img);
    hvic_model_free(m);
    printf("test_targets: %s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}
