/* Minimal test helpers: CHECK macros that count failures, RUN per test. */
#ifndef HVIC_TEST_UTIL_H
#define HVIC_TEST_UTIL_H

#include "hvic_advanced.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed_checks, t_passed_tests, t_failed_tests;

#define CHECK(cond)                                                               \
    do {                                                                          \
        if (!(cond)) {                                                            \
            t_failed_checks++;                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                         \
    } while (0)

/* Evaluate a call returning hvic_status and compare with the wanted code. */
#define CHECK_ST(expr, want)                                                        \
    do {                                                                            \
        hvic_status got_ = (expr), want_ = (want);                                  \
        if (got_ != want_) {                                                        \
            t_failed_checks++;                                                      \
            fprintf(stderr, "%s:%d: %s\n    returned %d (%s), want %d (%s)\n", __FILE__, \
                    __LINE__, #expr, (int)got_, hvic_strerror(got_), (int)want_,    \
                    hvic_strerror(want_));                                          \
        }                                                                           \
    } while (0)

#define RUN(fn)                                                   \
    do {                                                          \
        int before_ = t_failed_checks;                            \
        fn();                                                     \
        int ok_ = t_failed_checks == before_;                     \
        if (ok_) t_passed_tests++; else t_failed_tests++;         \
        printf("%-44s %s\n", #fn, ok_ ? "ok" : "FAILED");         \
    } while (0)

static inline int test_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, t_passed_tests, t_failed_tests);
    return t_failed_tests ? 1 : 0;
}

/* Read a whole file; aborts the test program if it cannot. */
static inline uint8_t *slurp(const char *path, size_t *len)
{
    uint8_t *buf = NULL;
    if (hvic_file_read(path, &buf, len) != HVIC_OK) {
        fprintf(stderr, "cannot read fixture %s\n", path);
        exit(2);
    }
    return buf;
}

#endif
