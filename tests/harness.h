/* The test harness of every C test: checks that count failures and go on,
 * REQUIRE that stops the program, RUN per test function, a summary, and
 * reading fixtures. A test program returns test_summary(name) (0 when no
 * check failed) or its own status computed from `failures`. */
#ifndef HVIC_TEST_HARNESS_H
#define HVIC_TEST_HARNESS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvic_advanced.h"

static int failures;                   /* checks failed so far */
static int tests_passed, tests_failed; /* RUN() results */

/* Prints "FILE:LINE: CHECK(expr) failed[: message]" on stderr. */
static inline void harness_fail(const char *file, int line, const char *what, const char *expr,
                                const char *fmt, ...)
{
    fprintf(stderr, "%s:%d: %s(%s) failed", file, line, what, expr);
    if (fmt[0]) {
        va_list ap;
        va_start(ap, fmt);
        fputs(": ", stderr);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
}

/* CHECK(cond) or CHECK(cond, "printf format", ...): on failure, count it in
 * `failures`, print where and why, and go on. */
#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            harness_fail(__FILE__, __LINE__, "CHECK", #cond, "" __VA_ARGS__); \
        }                                                                     \
    } while (0)

/* As CHECK, but a failure ends the program (exit status 1): for failures
 * that make the rest meaningless. */
#define REQUIRE(cond, ...)                                                      \
    do {                                                                        \
        if (!(cond)) {                                                          \
            harness_fail(__FILE__, __LINE__, "REQUIRE", #cond, "" __VA_ARGS__); \
            exit(1);                                                            \
        }                                                                       \
    } while (0)

/* Evaluates a call returning hvic_status and compares it with the wanted
 * code, printing both (with hvic_strerror) on a mismatch. */
#define CHECK_ST(expr, want)                                                        \
    do {                                                                            \
        hvic_status got_ = (expr), want_ = (want);                                  \
        if (got_ != want_) {                                                        \
            failures++;                                                             \
            harness_fail(__FILE__, __LINE__, "CHECK_ST", #expr,                     \
                         "returned %d (%s), want %d (%s)", (int)got_,               \
                         hvic_strerror(got_), (int)want_, hvic_strerror(want_));    \
        }                                                                           \
    } while (0)

/* Runs test function fn() and prints "fn ok" or "fn FAILED". */
#define RUN(fn)                                                   \
    do {                                                          \
        int before_ = failures;                                   \
        fn();                                                     \
        int ok_ = failures == before_;                            \
        if (ok_) tests_passed++; else tests_failed++;             \
        printf("%-44s %s\n", #fn, ok_ ? "ok" : "FAILED");         \
    } while (0)

/* Prints the program's result; returns its exit status (1 if any check
 * failed). */
static inline int test_summary(const char *name)
{
    if (tests_passed + tests_failed)
        printf("%s: %d tests passed, %d failed\n", name, tests_passed, tests_failed);
    if (failures) {
        fprintf(stderr, "%s: %d check(s) FAILED\n", name, failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

/* Reads a whole fixture file; ends the program (status 2) if it cannot. */
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
