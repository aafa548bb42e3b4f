/* CRC-32 via zlib, for lengths beyond zlib's 32-bit uInt. */
#include "hvic.h"

#include <zlib.h>

uint32_t hvic_crc32(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    uLong c = crc;
    while (len > 0) {
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        c = crc32(c, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)c;
}
