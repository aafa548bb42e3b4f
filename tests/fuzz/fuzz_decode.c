/* libFuzzer harness: full decoding of .hvic files with the default model
 * (hvic_model_load_default: the installed or else the source tree's
 * models/default.hvicm). Before decoding, the harness writes the loaded
 * model's digest into the header and repairs the trailing CRC, so that
 * mutations reach the entropy decoder, h_s and g_s rather than stopping at
 * HVIC_ERR_MODEL_MISMATCH or HVIC_ERR_CRC; images over 96 x 96 pixels are
 * refused through max_pixels so that each input stays fast. A file that
 * decodes must decode to the same pixels a second time. */
#include <stdio.h>

#include "fuzz_util.h"

#define MAX_FUZZ_PIXELS (96u * 96u)

static hvic_model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    hvic_status st = hvic_model_load_default(&model);
    if (st != HVIC_OK) {
        fprintf(stderr, "fuzz_decode: cannot load the default model: %s\n", hvic_strerror(st));
        exit(2);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = fuzz_copy(data, size);
    if (!p) return 0;
    const size_t L = size > 18 ? p[18] : 0;  /* model_id_len (spec/container.md, header) */
    if (size >= 12 && 23 + L <= size - 4) {
        const uint32_t d = hvic_model_digest(model);
        for (int i = 0; i < 4; i++) p[19 + L + i] = (uint8_t)(d >> (8 * i));
    }
    fuzz_fix_container_crc(p, size);
    hvic_decode_params dp;
    hvic_decode_params_default(&dp);
    dp.threads = 1;
    dp.max_pixels = MAX_FUZZ_PIXELS;
    hvic_image a, b;
    if (hvic_decode_with(model, p, size, &dp, &a) == HVIC_OK) {
        FUZZ_ASSERT(hvic_decode_with(model, p, size, &dp, &b) == HVIC_OK);
        FUZZ_ASSERT(a.width == b.width && a.height == b.height &&
                    memcmp(a.rgb, b.rgb, (size_t)a.height * a.stride) == 0);
        hvic_image_free(&b);
        hvic_image_free(&a);
    } else {
        FUZZ_ASSERT(a.rgb == NULL);
    }
    free(p);
    return 0;
}
