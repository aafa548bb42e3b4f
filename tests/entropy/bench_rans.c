/* Throughput benchmark of the rANS coder (not a test).
 *
 * For a few Gaussian scales, and for a mix of 64 scales chosen per symbol as
 * a codec would, codes N symbols drawn from the quantised distribution and
 * prints encode/decode speed in MB/s of coded bytes and Msymbols/s.
 * Usage: bench_rans [N]   (default 10^7). */
#include <time.h>

#include "entropy_util.h"

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void bench(const char *name, const hv_cdf *cdfs, const uint8_t *which,
                  const int32_t *value, size_t n)
{
    hv_rans_encoder *enc = hv_rans_encoder_new();
    REQUIRE(enc, "encoder_new");
    double t0 = now();
    for (size_t i = 0; i < n; i++)
        hv_rans_put(enc, &cdfs[which[i]], value[i]);
    uint8_t *buf;
    size_t len;
    REQUIRE(hv_rans_finish(enc, &buf, &len) == HVIC_OK, "finish");
    double t1 = now();
    hv_rans_decoder dec;
    REQUIRE(hv_rans_decoder_init(&dec, buf, len) == HVIC_OK, "init");
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t v;
        hv_rans_get(&dec, &cdfs[which[i]], &v);
        bad += v != value[i];
    }
    double t2 = now();
    REQUIRE(bad == 0 && hv_rans_decoder_finish(&dec) == HVIC_OK, "%s: decode failed", name);
    double mb = (double)len / 1e6, ms = (double)n / 1e6;
    printf("%-14s %6.3f bits/sym  encode %7.1f MB/s %7.1f Msym/s   decode %7.1f MB/s %7.1f "
           "Msym/s\n",
           name, 8.0 * (double)len / (double)n, mb / (t1 - t0), ms / (t1 - t0), mb / (t2 - t1),
           ms / (t2 - t1));
    free(buf);
    hv_rans_encoder_free(enc);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;
    float scales[64];
    for (int i = 0; i < 64; i++)
        scales[i] = (float)exp(log(0.11) + i * (log(256.0) - log(0.11)) / 63);
    hv_cdf_table t;
    double t0 = now();
    REQUIRE(hv_cdf_table_gaussian(scales, 64, &t) == HVIC_OK, "table");
    printf("built 64 Gaussian CDFs (0.11 .. 256) in %.2f ms\n", 1e3 * (now() - t0));
    printf("%zu symbols per run\n", n);

    uint8_t *which = malloc(n);
    int32_t *value = malloc(n * sizeof *value);
    REQUIRE(which && value, "oom");
    rng_t r = {42};
    const int single[4] = {12, 29, 46, 63}; /* sigma 0.48, 3.90, 31.6, 256 */
    for (int k = 0; k <= 4; k++) {
        for (size_t i = 0; i < n; i++) {
            which[i] = (uint8_t)(k < 4 ? single[k] : (int)rng_below(&r, 64));
            const hv_cdf *c = &t.cdfs[which[i]];
            uint32_t idx = cdf_find(c, rng_below(&r, 65536));
            value[i] = idx + 1 < c->nsym ? c->offset + (int32_t)idx : -c->offset + 1;
        }
        char name[32];
        if (k < 4)
            snprintf(name, sizeof name, "sigma=%.3g", scales[single[k]]);
        else
            snprintf(name, sizeof name, "mixed 64");
        bench(name, t.cdfs, which, value, n);
    }
    free(which);
    free(value);
    hv_cdf_table_free(&t);
    return 0;
}
