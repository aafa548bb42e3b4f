/* hvic_strerror covers every status; hvic_version is set. */
#include "harness.h"

static void test_strerror_all_codes(void)
{
    const char *seen[16] = {0};
    int n = 0;
    for (int s = HVIC_OK; s >= HVIC_ERR_ENTROPY; s--) {
        const char *m = hvic_strerror((hvic_status)s);
        CHECK(m != NULL && m[0] != '\0' && strchr(m, '\n') == NULL);
        CHECK(strcmp(m, hvic_strerror((hvic_status)-1000)) != 0); /* not the fallback */
        for (int i = 0; i < n; i++) CHECK(strcmp(seen[i], m) != 0); /* distinct */
        if (n < 16) seen[n++] = m;
    }
    CHECK(strcmp(hvic_strerror(HVIC_OK), "success") == 0);
    CHECK(strcmp(hvic_strerror(HVIC_ERR_CRC), "checksum mismatch (file damaged)") == 0);
    CHECK(strcmp(hvic_strerror((hvic_status)1), "unknown hvic status") == 0);
    CHECK(strcmp(hvic_strerror((hvic_status)-99), "unknown hvic status") == 0);
}

static void test_version(void)
{
    const char *v = hvic_version();
    CHECK(v != NULL && strchr(v, '.') != NULL);
}

int main(void)
{
    RUN(test_strerror_all_codes);
    RUN(test_version);
    return test_summary("test_status");
}
