/* Small helpers shared by the codec's C files. Internal header; a file that
 * includes it defines _POSIX_C_SOURCE (or _GNU_SOURCE) first, for
 * clock_gettime. */
#ifndef HVIC_UTIL_H
#define HVIC_UTIL_H

#include <time.h>

static inline int hv_imin(int a, int b) { return a < b ? a : b; }
static inline int hv_imax(int a, int b) { return a > b ? a : b; }

/* Monotonic clock in seconds, for the optional stage profiles. */
static inline double hv_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

#endif
