/* libFuzzer harness: model-file parsing from memory (spec/model-format.md).
 * First byte even: the rest is a whole .hvicm file. First byte odd: the rest
 * is an uncompressed payload (the tensor list), which the harness wraps in
 * a file with a correct header, zstd frame and CRC, so that mutations reach
 * the tensor parser and the model's checks instead of zstd's. A model that
 * loads must answer its accessors. */
#include <zstd.h>

#include "fuzz_util.h"
#include "model.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *body = data + 1;
    const size_t n = size - 1;
    uint8_t *file = NULL;
    size_t len = n;
    if (data[0] & 1) {
        const size_t bound = ZSTD_compressBound(n);
        file = malloc(20 + bound);
        if (!file) return 0;
        const size_t z = ZSTD_compress(file + 20, bound, body, n, 1);
        if (ZSTD_isError(z)) {
            free(file);
            return 0;
        }
        memcpy(file, "HVMD", 4);
        put32(file + 4, 1);
        put32(file + 8, (uint32_t)n);
        put32(file + 12, 0);
        put32(file + 16, hvic_crc32(0, body, n));
        len = 20 + z;
    } else {
        file = fuzz_copy(body, n);
        if (!file) return 0;
    }
    hvic_model *m = NULL;
    if (hv_model_parse(file, len, &m) == HVIC_OK) {
        const int L = hvic_model_levels(m);
        FUZZ_ASSERT(L >= 2 && hvic_model_id(m) != NULL);
        for (int i = 0; i < L; i++) FUZZ_ASSERT(hvic_model_beta(m, i) > 0);
        hvic_model_free(m);
    }
    free(file);
    return 0;
}
