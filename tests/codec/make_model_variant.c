/* make_model_variant IN.hvicm OUT.hvicm: writes a valid copy of a model file
 * whose model.id has its last character changed (so its digest differs),
 * for the model-mismatch tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "hvic.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    uint8_t *f;
    size_t len;
    if (hvic_file_read(argv[1], &f, &len) != HVIC_OK || len < 20) return 1;
    size_t plen = (size_t)ZSTD_getFrameContentSize(f + 20, len - 20);
    uint8_t *p = malloc(plen);
    if (!p || ZSTD_decompress(p, plen, f + 20, len - 20) != plen) return 1;
    /* find model.id */
    static const unsigned sz[5] = {4, 2, 4, 2, 1};
    size_t off = 4;
    int done = 0;
    for (uint32_t i = 0, n = rd32(p); i < n && !done; i++) {
        size_t nl = p[off];
        int match = nl == 8 && memcmp(p + off + 1, "model.id", 8) == 0;
        off += 1 + nl;
        unsigned dt = p[off], nd = p[off + 1];
        off += 2;
        size_t cnt = 1;
        for (unsigned d = 0; d < nd; d++) cnt *= rd32(p + off + 4 * d);
        off += 4 * nd;
        if (match) {
            uint8_t *last = p + off + cnt - 1;
            *last = *last == 'x' ? 'y' : 'x';
            done = 1;
        }
        off += cnt * sz[dt];
    }
    if (!done) return 1;
    size_t cap = ZSTD_compressBound(plen) + 20;
    uint8_t *o = malloc(cap);
    if (o) {
        memcpy(o, f, 20);
        uint32_t crc = hvic_crc32(0, p, plen);
        for (int i = 0; i < 4; i++) o[16 + i] = (uint8_t)(crc >> (8 * i));
    }
    size_t n = o ? ZSTD_compress(o + 20, cap - 20, p, plen, 3) : 0;
    int rc = !o || ZSTD_isError(n) || hvic_file_write(argv[2], o, n + 20) != HVIC_OK;
    free(o);
    free(p);
    hvic_free(f);
    return rc;
}
