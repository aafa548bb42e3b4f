/* hv_gs_dot_fn on Intel AMX tiles (gs_bf16.h): TDPBF16PS products of
 * 16-pixel A tiles (rows = pixels, 64 bytes = 32 bf16 channels, stride =
 * one pixel, read straight from the channels-last activations) with the
 * weights' B tiles (16 channel pairs x 16 outputs), fp32 C tiles. */
#include "gs_bf16.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bf16")))
/* gcc's tile intrinsics are asm statements without a memory clobber: keep
 * plain loads and stores on their side of tile loads and stores */
#define BARRIER() __asm__ __volatile__("" ::: "memory")

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

/* Tiles 0..7 all 16 rows of 64 bytes: A = 16 pixels x 32 bf16 channels,
 * B = 16 pairs of inputs x 16 outputs, C = 16 pixels x 16 fp32 outputs. */
AMX_TARGET void hv_gs_amx_tiles(int on)
{
    if (!on) {
        _tile_release();
        return;
    }
    tile_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int i = 0; i < 8; i++) {
        cfg.colsb[i] = 64;
        cfg.rows[i] = 16;
    }
    /* gcc 12 drops the stores above unless it sees cfg used */
    __asm__ __volatile__("" : : "r"(&cfg) : "memory");
    _tile_loadconfig(&cfg);
}

/* One K step of the 2 x 2 tile block: A rows a0, a1 (stride sa bytes), B
 * tiles b0, b1 (64-byte rows), accumulated into C tiles 4..7
 * (a0 b0, a0 b1, a1 b0, a1 b1). */
AMX_TARGET static inline __attribute__((always_inline)) void step_2x2(const uint16_t *a0,
                                                                       const uint16_t *a1, long sa,
                                                                       const uint16_t *b0,
                                                                       const uint16_t *b1)
{
    _tile_loadd(0, a0, sa);
    _tile_loadd(1, a1, sa);
    _tile_loadd(2, b0, 64);
    _tile_loadd(3, b1, 64);
    _tile_dpbf16ps(4, 0, 2);
    _tile_dpbf16ps(5, 0, 3);
    _tile_dpbf16ps(6, 1, 2);
    _tile_dpbf16ps(7, 1, 3);
}

AMX_TARGET void hv_gs_amx_dot(const uint16_t *a, size_t pitch_el, int taps, int C,
                              const uint16_t *w, int tiles, float *S, int ld)
{
    const int kb = C / 32;
    const long sa = 2L * C, ss = 4L * ld;
    const size_t wt = (size_t)taps * kb * 512; /* one output tile's weights */
    BARRIER();
    int j = 0;
    for (; j + 1 < tiles; j += 2) {
        _tile_zero(4);
        _tile_zero(5);
        _tile_zero(6);
        _tile_zero(7);
        const uint16_t *w0 = w + j * wt, *w1 = w0 + wt;
        for (int t = 0; t < taps; t++) {
            const uint16_t *at = a + (t / 3) * pitch_el + (size_t)(t % 3) * C;
            for (int k = 0; k < kb; k++, w0 += 512, w1 += 512)
                step_2x2(at + 32 * k, at + 16 * (size_t)C + 32 * k, sa, w0, w1);
        }
        _tile_stored(4, S + 16 * j, ss);
        _tile_stored(5, S + 16 * j + 16, ss);
        _tile_stored(6, S + 16 * ld + 16 * j, ss);
        _tile_stored(7, S + 16 * ld + 16 * j + 16, ss);
    }
    if (j < tiles) {
        _tile_zero(4);
        _tile_zero(6);
        const uint16_t *w0 = w + j * wt;
        for (int t = 0; t < taps; t++) {
            const uint16_t *at = a + (t / 3) * pitch_el + (size_t)(t % 3) * C;
            for (int k = 0; k < kb; k++, w0 += 512) {
                _tile_loadd(0, at + 32 * k, sa);
                _tile_loadd(1, at + 16 * (size_t)C + 32 * k, sa);
                _tile_loadd(2, w0, 64);
                _tile_dpbf16ps(4, 0, 2);
                _tile_dpbf16ps(6, 1, 2);
            }
        }
        _tile_stored(4, S + 16 * j, ss);
        _tile_stored(6, S + 16 * ld + 16 * j, ss);
    }
    BARRIER();
}

#else /* no AMX: the CPU never reports it, so these are never called */

void hv_gs_amx_tiles(int on)
{
    (void)on;
}

void hv_gs_amx_dot(const uint16_t *a, size_t pitch_el, int taps, int C, const uint16_t *w,
                   int tiles, float *S, int ld)
{
    (void)a, (void)pitch_el, (void)taps, (void)C, (void)w, (void)tiles, (void)S, (void)ld;
}

#endif
