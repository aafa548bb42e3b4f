/* libFuzzer harness: .hvic container parsing (spec/container.md).
 * The trailing CRC is repaired first so that mutations reach every field,
 * chunk and the metadata decompression. A file that parses is written
 * again and must parse to the same fields. */
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = fuzz_copy(data, size);
    if (!p) return 0;
    fuzz_fix_container_crc(p, size);
    hvic_container c;
    if (hvic_container_read(p, size, &c) == HVIC_OK) {
        uint8_t *out = NULL;
        size_t len = 0;
        FUZZ_ASSERT(hvic_container_write(&c, &out, &len) == HVIC_OK);
        hvic_container d;
        FUZZ_ASSERT(hvic_container_read(out, len, &d) == HVIC_OK);
        FUZZ_ASSERT(d.width == c.width && d.height == c.height && d.model_digest == c.model_digest);
        FUZZ_ASSERT(d.zlat_size == c.zlat_size && d.ylat_size == c.ylat_size && d.icc_size == c.icc_size &&
                    d.exif_size == c.exif_size && d.xmp_size == c.xmp_size);
        for (int i = 0; i < HVIC_NUM_LAYERS; i++)
            FUZZ_ASSERT(d.layers[i].channels == c.layers[i].channels && d.layers[i].height == c.layers[i].height &&
                        d.layers[i].width == c.layers[i].width && d.layers[i].beta == c.layers[i].beta &&
                        d.layers[i].gain_pos == c.layers[i].gain_pos);
        FUZZ_ASSERT(!c.zlat_size || memcmp(d.zlat, c.zlat, c.zlat_size) == 0);
        FUZZ_ASSERT(!c.ylat_size || memcmp(d.ylat, c.ylat, c.ylat_size) == 0);
        FUZZ_ASSERT(!c.icc_size || memcmp(d.icc, c.icc, c.icc_size) == 0);
        hvic_container_free(&d);
        hvic_free(out);
        hvic_container_free(&c);
    }
    free(p);
    return 0;
}
