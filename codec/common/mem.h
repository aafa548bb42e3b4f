/* Aligned buffers for the float tensors of the transforms, and their
 * shapes. Internal header. */
#ifndef HV_MEM_H
#define HV_MEM_H

#include <stddef.h>

/** 64-byte aligned allocation (NULL on failure); release with hv_aligned_free.
 *  Blocks of 8 MiB or more are 2 MiB aligned and marked for transparent huge
 *  pages where the system has them (fewer page faults on first touch). */
void *hv_aligned_alloc(size_t bytes);
void hv_aligned_free(void *p);

/** Output size of a convolution with kernel k, stride s, padding k/2. */
static inline int hv_conv_out(int n, int k, int s)
{
    return (n + 2 * (k / 2) - k) / s + 1;
}

#endif
