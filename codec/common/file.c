/* Whole-file read/write helpers ("-" = stdin/stdout). */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_dash(const char *path) { return path[0] == '-' && path[1] == '\0'; }

hvic_status hvic_file_read(const char *path, uint8_t **out, size_t *len)
{
    if (!path || !out || !len) return HVIC_ERR_ARG;
    *out = NULL;
    *len = 0;
    FILE *f = is_dash(path) ? stdin : fopen(path, "rb");
    if (!f) return HVIC_ERR_IO;

    size_t cap = 1u << 16, n = 0;
    uint8_t *buf = malloc(cap);
    hvic_status st = buf ? HVIC_OK : HVIC_ERR_NOMEM;
    while (st == HVIC_OK) {
        if (n == cap) {
            if (cap >= HVIC_MAX_FILE_BYTES) {
                st = HVIC_ERR_TOO_LARGE;
                break;
            }
            size_t ncap = cap * 2 > HVIC_MAX_FILE_BYTES ? HVIC_MAX_FILE_BYTES : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                st = HVIC_ERR_NOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) st = HVIC_ERR_IO;
            break;
        }
    }
    int saved = errno;
    if (f != stdin) fclose(f);
    errno = saved;
    if (st != HVIC_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *len = n;
    return HVIC_OK;
}

hvic_status hvic_file_write(const char *path, const uint8_t *data, size_t len)
{
    if (!path || (!data && len)) return HVIC_ERR_ARG;
    int dash = is_dash(path);
    FILE *f = dash ? stdout : fopen(path, "wb");
    if (!f) return HVIC_ERR_IO;
    int ok = fwrite(data, 1, len, f) == len;
    int saved = errno;
    if (dash)
        ok = (fflush(f) == 0) && ok;
    else
        ok = (fclose(f) == 0) && ok;
    if (!ok && errno == 0) errno = saved ? saved : EIO;
    return ok ? HVIC_OK : HVIC_ERR_IO;
}
