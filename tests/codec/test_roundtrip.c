/* Encoder/decoder round trip through the public API.
 *
 * - hvic_encode -> hvic_decode_latents_hash equals the hash of the encoder's
 *   own latents (hv_analyse), i.e. the decoder recovers zhat and q exactly;
 * - hvic_decode equals hv_synthesise of the encoder's latents, and its PSNR
 *   is within 0.1 dB of PSNR_Q75, the figure of the committed default model
 *   for rd_seeding_203x185.png at quality 75 (update it with the model);
 * - output bytes do not depend on the thread count;
 * - rate and PSNR grow with quality; beta -> position is monotonic;
 * - metadata (ICC, Exif, XMP of testimages/meta.jpg) survives encode and
 *   decode byte for byte, costs no latent bits, and is absent when not
 *   asked for;
 * - damaged files (truncations, CRC-consistent byte changes inside the
 *   latent streams, bad latent shapes, wrong digest) give errors, never a
 *   crash. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hvic_advanced.h"
#include "hyper.h"
#include "model.h"
#include "analysis.h"
#include "synthesis.h"
#include "imageio.h"

#define PSNR_Q75 39.682 /* dB, models/default.hvicm (digest 98542069) */

static double psnr(const hvic_image *a, const hvic_image *b)
{
    double se = 0;
    for (uint32_t y = 0; y < a->height; y++)
        for (size_t x = 0; x < 3 * (size_t)a->width; x++) {
            double d = (double)a->rgb[y * a->stride + x] - b->rgb[y * b->stride + x];
            se += d * d;
        }
    return 10 * log10(255.0 * 255.0 / (se / (3.0 * a->width * a->height)));
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Re-seal a modified file with a correct CRC so that the codec's own checks
 * (not the container CRC) see the damage. */
static void reseal(uint8_t *f, size_t len)
{
    put32(f + len - 4, hvic_crc32(0, f, len - 4));
}

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

int main(void)
{
    hvic_model *m;
    hvic_status st = hvic_model_load(HVIC_TEST_MODEL, &m);
    CHECK(st == HVIC_OK, "model: %s", hvic_strerror(st));
    if (st != HVIC_OK) return 1;
    hvic_image img;
    st = hvic_image_read_file(HVIC_TESTIMAGES_DIR "/rd_seeding_203x185.png", 0, &img, NULL);
    CHECK(st == HVIC_OK, "image: %s", hvic_strerror(st));
    if (st != HVIC_OK) return 1;

    /* quality -> beta -> position: monotonic, ends at the levels */
    CHECK(hvic_beta_to_gain_pos(m, hvic_quality_to_beta(m, 0)) == 0, "q0 -> position 0");
    CHECK(hvic_beta_to_gain_pos(m, hvic_quality_to_beta(m, 100)) ==
              (uint32_t)(hvic_model_levels(m) - 1) * HVIC_GAIN_POS_ONE,
          "q100 -> last level");
    for (int l = 0; l < hvic_model_levels(m); l++)
        CHECK(hvic_beta_to_gain_pos(m, hvic_model_beta(m, l)) == (uint32_t)l * HVIC_GAIN_POS_ONE,
              "beta of level %d -> its position", l);
    uint32_t prev = 0;
    for (int q = 0; q <= 100; q++) {
        uint32_t p = hvic_beta_to_gain_pos(m, hvic_quality_to_beta(m, q));
        CHECK(p >= prev, "quality %d not monotonic", q);
        prev = p;
    }
    CHECK(hvic_beta_to_gain_pos(m, 1e9f) == 0, "huge beta clamps");
    CHECK(hvic_beta_to_gain_pos(m, 1e-9f) == (uint32_t)(hvic_model_levels(m) - 1) * 4096u,
          "tiny beta clamps");

    /* encode at quality 75 with 1 and 3 threads */
    hvic_encode_params p;
    hvic_encode_params_default(&p);
    p.threads = 1;
    uint8_t *f1 = NULL, *f3 = NULL;
    size_t n1 = 0, n3 = 0;
    CHECK(hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &f1, &n1) == HVIC_OK,
          "encode");
    p.threads = 3;
    CHECK(hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &f3, &n3) == HVIC_OK,
          "encode 3 threads");
    CHECK(n1 == n3 && memcmp(f1, f3, n1) == 0, "output depends on the thread count");
    hvic_free(f3);

    /* decoder recovers exactly the encoder's latents */
    uint32_t py = hvic_beta_to_gain_pos(m, hvic_quality_to_beta(m, 75));
    hv_latents L;
    CHECK(hv_analyse(m, img.rgb, img.width, img.height, img.stride, py, py, 2, 0, &L) == HVIC_OK,
          "analyse");
    uint64_t h_enc = hv_latents_hash(L.zhat, (size_t)L.N * L.zh * L.zw, L.q,
                                     (size_t)L.M * L.yh * L.yw);
    uint64_t h_dec = 0;
    CHECK(hvic_decode_latents_hash(m, f1, n1, &h_dec) == HVIC_OK, "latents hash");
    CHECK(h_enc == h_dec, "latents differ: encoder %016llx decoder %016llx",
          (unsigned long long)h_enc, (unsigned long long)h_dec);

    hvic_image rec, ref;
    st = hvic_decode(m, f1, n1, &rec);
    CHECK(st == HVIC_OK, "decode: %s", hvic_strerror(st));
    hvic_image_alloc(&ref, img.width, img.height);
    hv_recon_mu(m, py, L.q, L.idx, L.mu_q8, L.mu_q8, (size_t)L.M * L.yh * L.yw);
    CHECK(hv_synthesise(m, L.q, L.mu_q8, L.yh, L.yw, py, img.width, img.height, 0, 0, ref.rgb,
                        ref.stride) == HVIC_OK,
          "synthesise");
    if (st == HVIC_OK) {
        CHECK(memcmp(rec.rgb, ref.rgb, (size_t)img.width * img.height * 3) == 0,
              "decode != synthesis of the encoder's latents");
        double ps = psnr(&img, &rec);
        printf("quality 75: %zu bytes, %.4f bpp, PSNR %.3f dB (committed figure %.3f +- 0.1)\n", n1,
               n1 * 8.0 / (img.width * img.height), ps, PSNR_Q75);
        CHECK(fabs(ps - PSNR_Q75) <= 0.1, "PSNR %.3f is not within 0.1 dB of %.3f", ps, PSNR_Q75);
    }
    hvic_image_free(&rec);
    hvic_image_free(&ref);
    hv_latents_free(&L);

    /* rate and distortion grow with quality */
    size_t last_size = 0;
    double last_psnr = 0;
    for (int q = 0; q <= 100; q += 50) {
        uint8_t *f;
        size_t n;
        p.quality = q;
        p.threads = 2;
        CHECK(hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &f, &n) == HVIC_OK,
              "encode q%d", q);
        CHECK(hvic_decode(m, f, n, &rec) == HVIC_OK, "decode q%d", q);
        double ps = psnr(&img, &rec);
        printf("quality %3d: %6zu bytes, PSNR %.3f dB\n", q, n, ps);
        CHECK(n > last_size && ps > last_psnr, "rate/PSNR not increasing at quality %d", q);
        last_size = n;
        last_psnr = ps;
        hvic_image_free(&rec);
        hvic_free(f);
    }

    /* argument errors */
    uint8_t *f;
    size_t n;
    p.quality = 101;
    CHECK(hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &f, &n) == HVIC_ERR_ARG,
          "quality 101");
    p.quality = 75;
    p.beta_y = -1;
    CHECK(hvic_encode(m, img.rgb, img.width, img.height, img.stride, &p, &f, &n) == HVIC_ERR_ARG,
          "negative beta");
    p.beta_y = 0;
    CHECK(hvic_encode(m, img.rgb, img.width, img.height, 2, &p, &f, &n) == HVIC_ERR_ARG, "stride");
    CHECK(hvic_encode(m, img.rgb, 0, img.height, img.stride, &p, &f, &n) == HVIC_ERR_ARG, "width 0");
    CHECK(hvic_decode(m, NULL, 10, &rec) != HVIC_OK, "NULL buffer");

    /* metadata: stored and returned byte for byte, latents unchanged */
    hvic_image mimg;
    st = hvic_image_read_file(HVIC_TESTIMAGES_DIR "/meta.jpg", 0, &mimg, NULL);
    CHECK(st == HVIC_OK && mimg.meta.icc_size == 588 && mimg.meta.exif_size == 14 &&
              mimg.meta.xmp_size == 37,
          "meta.jpg: %s", hvic_strerror(st));
    if (st == HVIC_OK) {
        uint8_t *fm = NULL, *fp = NULL;
        size_t nm = 0, np = 0;
        p.metadata = &mimg.meta;
        CHECK(hvic_encode(m, mimg.rgb, mimg.width, mimg.height, mimg.stride, &p, &fm, &nm) ==
                  HVIC_OK,
              "encode with metadata");
        p.metadata = NULL;
        CHECK(hvic_encode(m, mimg.rgb, mimg.width, mimg.height, mimg.stride, &p, &fp, &np) ==
                  HVIC_OK,
              "encode without metadata");
        hvic_container cm, cp;
        CHECK(hvic_container_read(fm, nm, &cm) == HVIC_OK && cm.num_chunks == 5, "5 chunks");
        CHECK(hvic_container_read(fp, np, &cp) == HVIC_OK && cp.num_chunks == 2, "2 chunks");
        CHECK(cm.zlat_size == cp.zlat_size && cm.ylat_size == cp.ylat_size &&
                  memcmp(cm.ylat, cp.ylat, cp.ylat_size) == 0,
              "metadata changed the latent streams");
        hvic_container_free(&cm);
        hvic_container_free(&cp);
        hvic_image dm, dp;
        CHECK(hvic_decode(m, fm, nm, &dm) == HVIC_OK && hvic_decode(m, fp, np, &dp) == HVIC_OK,
              "decode with/without metadata");
        const hvic_metadata *a = &mimg.meta, *b = &dm.meta;
        CHECK(b->icc_size == a->icc_size && b->icc && memcmp(b->icc, a->icc, a->icc_size) == 0 &&
                  b->exif_size == a->exif_size && b->exif &&
                  memcmp(b->exif, a->exif, a->exif_size) == 0 && b->xmp_size == a->xmp_size &&
                  b->xmp && memcmp(b->xmp, a->xmp, a->xmp_size) == 0,
              "decoded metadata differs");
        CHECK(dm.rgb && dp.rgb && memcmp(dm.rgb, dp.rgb, dm.stride * dm.height) == 0,
              "metadata changed the pixels");
        CHECK(!dp.meta.icc && !dp.meta.exif && !dp.meta.xmp && !dp.meta.icc_size,
              "metadata appeared from nowhere");
        printf("metadata: %zu bytes with, %zu without (ICC %zu + Exif %zu + XMP %zu)\n", nm, np,
               a->icc_size, a->exif_size, a->xmp_size);
        hvic_image_free(&dm);
        hvic_image_free(&dp);
        hvic_free(fm);
        hvic_free(fp);

        hvic_metadata bad_md = {NULL, 10, NULL, 0, NULL, 0};
        p.metadata = &bad_md;
        CHECK(hvic_encode(m, mimg.rgb, mimg.width, mimg.height, mimg.stride, &p, &fm, &nm) ==
                  HVIC_ERR_ARG,
              "NULL metadata with a size");
        bad_md.icc = mimg.meta.icc;
        bad_md.icc_size = (size_t)HVIC_META_MAX + 1; /* rejected before it is read */
        CHECK(hvic_encode(m, mimg.rgb, mimg.width, mimg.height, mimg.stride, &p, &fm, &nm) ==
                  HVIC_ERR_TOO_LARGE,
              "metadata over HVIC_META_MAX");
        p.metadata = NULL;
    }
    hvic_image_free(&mimg);

    /* damage */
    uint8_t *d = malloc(n1);
    for (size_t cut = 0; cut < n1; cut += (cut < 64 ? 1 : 97))
        CHECK(hvic_decode_latents_hash(m, f1, cut, &h_dec) != HVIC_OK, "truncated at %zu", cut);
    memcpy(d, f1, n1);
    d[n1 / 2] ^= 0x04;
    CHECK(hvic_decode(m, d, n1, &rec) == HVIC_ERR_CRC, "bit flip -> CRC error");
    hvic_container c;
    CHECK(hvic_container_read(f1, n1, &c) == HVIC_OK, "container");
    size_t zoff = (size_t)(c.zlat - f1), yoff = (size_t)(c.ylat - f1);
    size_t zlen = c.zlat_size, ylen = c.ylat_size;
    int errors = 0, oks = 0;
    for (int t = 0; t < 150; t++) {
        memcpy(d, f1, n1);
        size_t at = t % 3 == 0 ? zoff + rnd() % zlen : yoff + rnd() % ylen;
        d[at] ^= (uint8_t)(1u << (rnd() % 8));
        reseal(d, n1);
        st = hvic_decode_latents_hash(m, d, n1, &h_dec);
        if (st == HVIC_OK) oks++;
        else errors++;
        CHECK(st == HVIC_OK || st == HVIC_ERR_ENTROPY || st == HVIC_ERR_TRUNCATED,
              "damaged stream: %s", hvic_strerror(st));
    }
    printf("150 CRC-consistent stream bit flips: %d rejected, %d decoded\n", errors, oks);
    CHECK(errors > 140, "too few damaged streams detected");
    /* a full decode of damaged streams must not crash either */
    for (int t = 0; t < 4; t++) {
        memcpy(d, f1, n1);
        d[yoff + rnd() % ylen] ^= 0x10;
        reseal(d, n1);
        st = hvic_decode(m, d, n1, &rec);
        hvic_image_free(&rec);
    }
    /* wrong shapes / positions / digest, re-sealed */
    const size_t L0 = 8 + 11 + strlen(c.model_id) + 4 + 1; /* first layer record */
    struct {
        size_t off;
        uint8_t val;
        hvic_status want;
    } bad[] = {
        {L0 + 0, 7, HVIC_ERR_CORRUPT},             /* z channels */
        {L0 + 2, 9, HVIC_ERR_CORRUPT},             /* z height */
        {L0 + 14 + 4, 1, HVIC_ERR_CORRUPT},        /* y width */
        {L0 + 14 + 12, 0x10, HVIC_ERR_CORRUPT},    /* y gain position > max */
        {L0 - 5, 0x55, HVIC_ERR_MODEL_MISMATCH},   /* digest */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(d, f1, n1);
        d[bad[i].off] = bad[i].val;
        reseal(d, n1);
        st = hvic_decode(m, d, n1, &rec);
        CHECK(st == bad[i].want, "header case %zu: %s", i, hvic_strerror(st));
        hvic_image_free(&rec);
    }
    free(d);
    hvic_free(f1);
    hvic_image_free(&img);
    hvic_model_free(m);
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    else printf("test_roundtrip: all passed\n");
    return failures != 0;
}
