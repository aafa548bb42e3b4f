/* Small helpers shared by the codec's C files. Internal header. */
#ifndef HV_UTIL_H
#define HV_UTIL_H

static inline int hv_imin(int a, int b) { return a < b ? a : b; }
static inline int hv_imax(int a, int b) { return a > b ? a : b; }

#endif
