/* OpenBLAS is linked into libhvic and <cblas.h> is on its include path. */
#include "harness.h"

#include <cblas.h>

static void test_sgemm(void)
{
    /* C (2x2) = A (2x3) * B (3x2), row-major. */
    const float a[6] = {1, 2, 3, 4, 5, 6};
    const float b[6] = {7, 8, 9, 10, 11, 12};
    float c[4] = {0, 0, 0, 0};
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1.0f, a, 3, b, 2, 0.0f, c, 2);
    CHECK(c[0] == 58 && c[1] == 64 && c[2] == 139 && c[3] == 154);
}

int main(void)
{
    RUN(test_sgemm);
    return test_summary("test_blas");
}
