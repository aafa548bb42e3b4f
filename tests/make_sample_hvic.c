/* Writes a small valid .hvic container (dummy streams, with metadata) to
 * argv[1], for the CLI test. Not an encoded image: `hvic info` only. */
#include "hvic_advanced.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_sample_hvic OUT.hvic\n");
        return 2;
    }
    static uint8_t z[40], y[600], icc[3000];
    for (size_t i = 0; i < sizeof z; i++) z[i] = (uint8_t)(i * 3);
    for (size_t i = 0; i < sizeof y; i++) y[i] = (uint8_t)(i * 11);
    for (size_t i = 0; i < sizeof icc; i++) icc[i] = (uint8_t)(i % 7);
    hvic_container c;
    memset(&c, 0, sizeof c);
    c.width = 64;
    c.height = 48;
    c.channels = 3;
    c.bit_depth = 8;
    strcpy(c.model_id, "sample-model.v1");
    c.model_digest = 0x0badf00du;
    c.num_layers = HVIC_NUM_LAYERS;
    c.layers[0] = (hvic_layer_info){192, 1, 1, 0.25f, 8192};
    c.layers[1] = (hvic_layer_info){320, 4, 3, 0.0125f, 6144};
    c.zlat = z;
    c.zlat_size = sizeof z;
    c.ylat = y;
    c.ylat_size = sizeof y;
    c.icc = icc;
    c.icc_size = sizeof icc;
    uint8_t *out = NULL;
    size_t len = 0;
    hvic_status st = hvic_container_write(&c, &out, &len);
    if (st == HVIC_OK) st = hvic_file_write(argv[1], out, len);
    hvic_free(out);
    if (st != HVIC_OK) {
        fprintf(stderr, "make_sample_hvic: %s: %s\n", argv[1], hvic_strerror(st));
        return 1;
    }
    return 0;
}
