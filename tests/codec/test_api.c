/* The embedder's API (issue 16): a model from memory, a file's header
 * without decoding, decoding into the caller's buffer with its own stride,
 * encoding from an hvic_image, and the ABI-versioned parameter init. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hvic.h"
#include "imageio.h"

int main(void)
{
    uint8_t *mbytes = NULL, *enc_a = NULL, *enc_b = NULL;
    size_t mlen = 0, na = 0, nb = 0;
    hvic_model *mf = NULL, *mm = NULL;
    if (hvic_file_read(HVIC_TEST_MODEL, &mbytes, &mlen) != HVIC_OK || hvic_model_load(HVIC_TEST_MODEL, &mf) != HVIC_OK)
        return 2;
    CHECK(hvic_model_load_memory(mbytes, mlen, &mm) == HVIC_OK, "model from memory");
    CHECK(mm && hvic_model_digest(mm) == hvic_model_digest(mf), "same digest from memory and file");
    CHECK(hvic_model_load_memory(mbytes, mlen / 2, &(hvic_model *){NULL}) == HVIC_ERR_MODEL, "half a model");

    hvic_image img;
    if (hvic_image_read_file(HVIC_TESTIMAGES_DIR "/meta.png", 0, &img, NULL) != HVIC_OK) return 2;
    hvic_image big;
    if (hvic_image_read_file(HVIC_TESTIMAGES_DIR "/rd_seeding_203x185.png", 0, &big, NULL) != HVIC_OK) return 2;

    /* encode from an hvic_image: its metadata is stored */
    hvic_encode_params ep;
    CHECK(hvic_encode_params_init(&ep, HVIC_ABI_VERSION) == 1 && ep.quality == HVIC_QUALITY_DEFAULT, "params init");
    CHECK(hvic_encode_params_init(&ep, HVIC_ABI_VERSION + 1) == 0, "other ABI version refused");
    CHECK(hvic_encode_image(mm, &img, NULL, &enc_a, &na) == HVIC_OK, "encode_image");
    ep.metadata = &img.meta;
    CHECK(hvic_encode(mf, img.rgb, img.width, img.height, img.stride, &ep, &enc_b, &nb) == HVIC_OK, "encode");
    CHECK(na == nb && memcmp(enc_a, enc_b, na) == 0, "encode_image == encode with the image's metadata");
    hvic_image dec;
    CHECK(hvic_decode(mf, enc_a, na, &dec) == HVIC_OK && dec.meta.icc_size == img.meta.icc_size,
          "the ICC profile came along");
    hvic_image_free(&dec);
    hvic_free(enc_a);
    hvic_free(enc_b);

    /* header only */
    CHECK(hvic_encode_image(mf, &big, NULL, &enc_a, &na) == HVIC_OK, "encode 203x185");
    hvic_file_info fi;
    CHECK(hvic_peek(enc_a, HVIC_PEEK_BYTES, &fi) == HVIC_OK && fi.width == 203 && fi.height == 185 &&
              fi.model_digest == hvic_model_digest(mf) && strcmp(fi.model_id, hvic_model_id(mf)) == 0 &&
              fi.beta_y > 0,
          "peek on the first %d bytes", HVIC_PEEK_BYTES);
    CHECK(hvic_peek(enc_a, 20, &fi) == HVIC_ERR_TRUNCATED, "peek on 20 bytes: truncated");
    CHECK(hvic_peek(big.rgb, 100, &fi) == HVIC_ERR_BAD_MAGIC, "peek on pixels: bad magic");

    /* into the caller's buffer, with padding at the end of each row */
    const size_t stride = 3 * 203 + 13, size = stride * 185;
    uint8_t *buf = malloc(size);
    hvic_image ref;
    CHECK(hvic_decode(mf, enc_a, na, &ref) == HVIC_OK, "decode");
    memset(buf, 0xA5, size);
    CHECK(hvic_decode_into(mf, enc_a, na, NULL, buf, size, stride) == HVIC_OK, "decode_into");
    int same = 1, pad = 1;
    for (int y = 0; y < 185; y++) {
        same &= memcmp(buf + y * stride, ref.rgb + y * ref.stride, 3 * 203) == 0;
        for (size_t x = 3 * 203; x < stride; x++) pad &= buf[y * stride + x] == 0xA5;
    }
    CHECK(same, "decode_into pixels == hvic_decode");
    CHECK(pad, "decode_into leaves the row padding alone");
    const size_t need = stride * 184 + 3 * 203; /* the last row needs no padding */
    CHECK(hvic_decode_into(mf, enc_a, na, NULL, buf, need, stride) == HVIC_OK, "buffer of exactly the size needed");
    CHECK(hvic_decode_into(mf, enc_a, na, NULL, buf, need - 1, stride) == HVIC_ERR_ARG, "buffer one byte short");
    CHECK(hvic_decode_into(mf, enc_a, na, NULL, buf, size, 3 * 203 - 1) == HVIC_ERR_ARG, "stride too small");
    CHECK(hvic_decode_into(mf, enc_a, na, NULL, buf, size, SIZE_MAX / 2) == HVIC_ERR_ARG, "huge stride: no overflow");
    enc_a[9] ^= 0x40; /* the width, inside the CRC */
    CHECK(hvic_decode_into(mf, enc_a, na, NULL, buf, size, stride) == HVIC_ERR_CRC, "damaged header: CRC, not ARG");
    enc_a[9] ^= 0x40;

    free(buf);
    hvic_image_free(&ref);
    hvic_free(enc_a);
    hvic_image_free(&img);
    hvic_image_free(&big);
    hvic_model_free(mm);
    hvic_model_free(mf);
    hvic_free(mbytes);
    if (failures) fprintf(stderr, "test_api: %d failures\n", failures);
    else printf("test_api: ok\n");
    return failures ? 1 : 0;
}
