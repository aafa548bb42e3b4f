/* libFuzzer harness: PNG and JPEG reading from memory (tools/imageio/png_io.c,
 * tools/imageio/jpeg_io.c through hvic_image_read_memory), then writing the image
 * back as PNG, which must read again to the same pixels.
 * The first byte chooses the flags (bit 0: HVIC_READ_DROP_ALPHA). Inputs
 * that declare more than 2^20 pixels are skipped (a PNG IHDR at its fixed
 * place, a JPEG SOF anywhere) so that each run stays fast; the readers'
 * own limit (16384 x 16384) is tested elsewhere. */
#include "fuzz_util.h"
#include "imageio.h"

#define MAX_FUZZ_PIXELS (1u << 20)

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }

static int too_large(const uint8_t *p, size_t n)
{
    if (n >= 24 && p[0] == 0x89 && memcmp(p + 12, "IHDR", 4) == 0)
        return (uint64_t)be32(p + 16) * be32(p + 20) > MAX_FUZZ_PIXELS;
    if (n >= 2 && p[0] == 0xFF && p[1] == 0xD8)
        for (size_t i = 2; i + 9 <= n; i++)  /* any SOFn marker: C0..CF but C4, C8, CC */
            if (p[i] == 0xFF && (p[i + 1] & 0xF0) == 0xC0 && p[i + 1] != 0xC4 && p[i + 1] != 0xC8 &&
                p[i + 1] != 0xCC && (uint64_t)be16(p + i + 5) * be16(p + i + 7) > MAX_FUZZ_PIXELS)
                return 1;
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const unsigned flags = data[0] & 1 ? HVIC_READ_DROP_ALPHA : 0;
    const uint8_t *p = data + 1;
    const size_t n = size - 1;
    if (too_large(p, n)) return 0;
    hvic_image img;
    hvic_read_info info;
    if (hvic_image_read_memory(p, n, flags, &img, &info) != HVIC_OK) {
        FUZZ_ASSERT(img.rgb == NULL && img.width == 0);
        return 0;
    }
    FUZZ_ASSERT(img.width >= 1 && img.height >= 1 && img.stride == 3 * (size_t)img.width);
    uint8_t *png = NULL;
    size_t len = 0;
    FUZZ_ASSERT(hvic_image_write_png_memory(&img, &png, &len) == HVIC_OK);
    hvic_image back;
    FUZZ_ASSERT(hvic_image_read_memory(png, len, 0, &back, NULL) == HVIC_OK);
    FUZZ_ASSERT(back.width == img.width && back.height == img.height);
    FUZZ_ASSERT(memcmp(back.rgb, img.rgb, (size_t)img.height * img.stride) == 0);
    hvic_image_free(&back);
    hvic_free(png);
    hvic_image_free(&img);
    return 0;
}
