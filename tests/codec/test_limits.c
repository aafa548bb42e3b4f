/* Decoder resource limits: hvic_decode_params.max_pixels refuses a file
 * that declares more pixels, before anything its size decides is
 * allocated. The "bomb" is a valid-looking 1.5 KB container that declares
 * 16384 x 16384 pixels (latents of that size, streams of a few bytes):
 * without a limit the decoder would need ~3 GiB. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hvic_advanced.h"
#include "imageio.h"

/* With a path argument, also writes the bomb there (testimages/bomb_16384.hvic
 * was made so; it names this model's digest, but max_pixels is checked first). */
int main(int argc, char **argv)
{
    hvic_model *m = NULL;
    if (hvic_model_load(HVIC_TEST_MODEL, &m) != HVIC_OK) {
        fprintf(stderr, "cannot load %s\n", HVIC_TEST_MODEL);
        return 2;
    }
    hvic_image img;
    if (hvic_image_read_file(HVIC_TESTIMAGES_DIR "/rd_seeding_203x185.png", 0, &img, NULL) != HVIC_OK)
        return 2;
    hvic_encode_params ep;
    hvic_encode_params_default(&ep);
    uint8_t *file = NULL;
    size_t len = 0;
    CHECK(hvic_encode(m, img.rgb, img.width, img.height, img.stride, &ep, &file, &len) == HVIC_OK, "encode");
    const uint64_t px = (uint64_t)img.width * img.height;

    hvic_decode_params dp;
    hvic_decode_params_default(&dp);
    CHECK(dp.max_pixels == 0, "default max_pixels is 0 (no limit)");
    hvic_image out;
    dp.max_pixels = px;
    CHECK(hvic_decode_with(m, file, len, &dp, &out) == HVIC_OK, "decode at exactly max_pixels");
    hvic_image_free(&out);
    dp.max_pixels = px - 1;
    CHECK(hvic_decode_with(m, file, len, &dp, &out) == HVIC_ERR_TOO_LARGE && out.rgb == NULL,
          "one pixel over max_pixels: HVIC_ERR_TOO_LARGE");

    /* The bomb: the same streams in a container that declares 16384^2. */
    hvic_container c;
    CHECK(hvic_container_read(file, len, &c) == HVIC_OK, "read container");
    c.width = c.height = HVIC_MAX_DIM;
    c.layers[0].height = c.layers[0].width = HVIC_MAX_DIM / 64;
    c.layers[1].height = c.layers[1].width = HVIC_MAX_DIM / 16;
    uint8_t *bomb = NULL;
    size_t bomb_len = 0;
    CHECK(hvic_container_write(&c, &bomb, &bomb_len) == HVIC_OK, "write the bomb");
    hvic_container_free(&c);
    CHECK(bomb_len < 4096, "bomb is small (%zu bytes)", bomb_len);
    if (argc > 1) CHECK(hvic_file_write(argv[1], bomb, bomb_len) == HVIC_OK, "write %s", argv[1]);
    dp.max_pixels = 4096u * 4096u;
    CHECK(hvic_decode_with(m, bomb, bomb_len, &dp, &out) == HVIC_ERR_TOO_LARGE && out.rgb == NULL,
          "16384 x 16384 bomb refused by max_pixels 4096^2");

    hvic_free(bomb);
    hvic_free(file);
    hvic_image_free(&img);
    hvic_model_free(m);
    if (failures) fprintf(stderr, "test_limits: %d failures\n", failures);
    else printf("test_limits: ok\n");
    return failures ? 1 : 0;
}
