/* CHECK(cond, fmt, ...): on failure, count it in `failures` and print "FAIL file:line: message". */
#ifndef HVIC_TEST_CODEC_CHECK_H
#define HVIC_TEST_CODEC_CHECK_H

#include <stdio.h>

static int failures;
#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            failures++;                                                           \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                  \
            fprintf(stderr, __VA_ARGS__);                                         \
            fprintf(stderr, "\n");                                                \
        }                                                                         \
    } while (0)

#endif
