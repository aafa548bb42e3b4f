/* Helpers shared by the libFuzzer harnesses in tests/fuzz. */
#ifndef HVIC_FUZZ_UTIL_H
#define HVIC_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hvic_advanced.h"

/* The libFuzzer entry points each harness defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A private copy of data, so a harness may repair it (CRCs, digests). */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    if (p && size) memcpy(p, data, size);
    return p;
}

/* Rewrites an .hvic file's trailing CRC-32 (spec/container.md, trailer) so
 * that mutations get past the CRC check to the fields and streams. */
static inline void fuzz_fix_container_crc(uint8_t *p, size_t size)
{
    if (size < 12) return;
    uint32_t crc = hvic_crc32(0, p, size - 4);
    for (int i = 0; i < 4; i++) p[size - 4 + i] = (uint8_t)(crc >> (8 * i));
}

/* Trap on a broken invariant: libFuzzer reports it as a crash. */
#define FUZZ_ASSERT(cond) \
    do {                  \
        if (!(cond)) __builtin_trap(); \
    } while (0)

#endif
