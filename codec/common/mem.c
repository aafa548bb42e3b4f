/* Aligned tensor buffers (common/mem.h). */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "mem.h"

#include <stdlib.h>
#include <sys/mman.h>

void *hv_aligned_alloc(size_t bytes)
{
    enum { HUGE_PAGE = 2 << 20 };
    const int huge = bytes >= 4 * (size_t)HUGE_PAGE;
    void *p = NULL;
    if (posix_memalign(&p, huge ? HUGE_PAGE : 64, bytes ? bytes : 1) != 0) return NULL;
#ifdef MADV_HUGEPAGE
    if (huge) (void)madvise(p, bytes / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE); /* a hint only */
#endif
    return p;
}

void hv_aligned_free(void *p)
{
    free(p);
}
