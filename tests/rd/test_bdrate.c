/* BD-rate known answers; `test_bdrate --eval RA QA RB QB` prints the BD-rate
 * (%) and BD-quality (dB) of curve B against anchor A, each list given as
 * comma-separated numbers, for check_bdrate.py to compare with scipy. */
#include "harness.h"
#include "bdrate.h"

#include <math.h>

static const double ra[] = {0.12, 0.25, 0.49, 0.93, 1.61};
static const double qa[] = {27.1, 29.4, 31.9, 34.6, 37.2};

static void test_scaled_rate(void)
{
    double rb[5], pct = 0, dq = 0;
    for (int i = 0; i < 5; i++) rb[i] = ra[i] * 0.8;
    rd_curve a = {ra, qa, 5}, b = {rb, qa, 5};
    CHECK_ST(rd_bd_rate(&a, &b, &pct), HVIC_OK);
    CHECK(fabs(pct - -20.0) < 1e-9);
    CHECK_ST(rd_bd_rate(&b, &a, &pct), HVIC_OK);
    CHECK(fabs(pct - 25.0) < 1e-9);
    CHECK_ST(rd_bd_quality(&a, &b, &dq), HVIC_OK);
    CHECK(dq > 0);
}

static void test_identical(void)
{
    double pct = 1, dq = 1;
    rd_curve a = {ra, qa, 5};
    CHECK_ST(rd_bd_rate(&a, &a, &pct), HVIC_OK);
    CHECK(pct == 0.0);
    CHECK_ST(rd_bd_quality(&a, &a, &dq), HVIC_OK);
    CHECK(dq == 0.0);
}

/* Order of points does not matter; two points are linear. */
static void test_order_and_two_points(void)
{
    double rs[5] = {0.93, 0.12, 1.61, 0.49, 0.25}, qs[5] = {34.6, 27.1, 37.2, 31.9, 29.4};
    double p1, p2, rb[5];
    for (int i = 0; i < 5; i++) rb[i] = ra[i] * 1.1;
    rd_curve a = {ra, qa, 5}, s = {rs, qs, 5}, b = {rb, qa, 5};
    CHECK_ST(rd_bd_rate(&a, &b, &p1), HVIC_OK);
    CHECK_ST(rd_bd_rate(&s, &b, &p2), HVIC_OK);
    CHECK(fabs(p1 - p2) < 1e-12);
    CHECK(fabs(p1 - 10.0) < 1e-9);

    /* Two points: ln R linear in Q. Anchor ln R = Q/10, test ln R = Q/10 - 0.1
     * over the same range: exactly exp(-0.1) - 1. */
    double r2a[2] = {exp(3.0), exp(4.0)}, r2b[2] = {exp(2.9), exp(3.9)}, q2[2] = {30, 40};
    rd_curve a2 = {r2a, q2, 2}, b2 = {r2b, q2, 2};
    CHECK_ST(rd_bd_rate(&a2, &b2, &p1), HVIC_OK);
    CHECK(fabs(p1 - 100 * (exp(-0.1) - 1)) < 1e-9);
    /* Partial overlap: test covers Q 35..45 only; still a constant shift. */
    double q2b[2] = {35, 45}, r2c[2] = {exp(3.4), exp(4.4)};
    rd_curve c2 = {r2c, q2b, 2};
    CHECK_ST(rd_bd_rate(&a2, &c2, &p1), HVIC_OK);
    CHECK(fabs(p1 - 100 * (exp(-0.1) - 1)) < 1e-9);
}

static void test_errors(void)
{
    double v;
    rd_curve a = {ra, qa, 5};
    rd_curve one = {ra, qa, 1};
    CHECK_ST(rd_bd_rate(&a, &one, &v), HVIC_ERR_ARG);
    CHECK_ST(rd_bd_rate(NULL, &a, &v), HVIC_ERR_ARG);
    CHECK_ST(rd_bd_rate(&a, &a, NULL), HVIC_ERR_ARG);
    double rz[5] = {0.1, 0.2, 0, 0.4, 0.5};
    rd_curve z = {rz, qa, 5};
    CHECK_ST(rd_bd_rate(&a, &z, &v), HVIC_ERR_ARG);         /* rate 0 */
    double qd[5] = {27.1, 29.4, 29.4, 34.6, 37.2};
    rd_curve d = {ra, qd, 5};
    CHECK_ST(rd_bd_rate(&a, &d, &v), HVIC_ERR_ARG);         /* equal qualities */
    CHECK_ST(rd_bd_quality(&a, &d, &v), HVIC_OK);           /* fine by rate */
    double qf[5] = {40, 41, 42, 43, 44};
    rd_curve f = {ra, qf, 5};
    CHECK_ST(rd_bd_rate(&a, &f, &v), HVIC_ERR_ARG);         /* no overlap */
    double qi[5] = {27.1, 29.4, INFINITY, 34.6, 37.2};
    rd_curve inf = {ra, qi, 5};
    CHECK_ST(rd_bd_rate(&a, &inf, &v), HVIC_ERR_ARG);
}

static size_t parse_list(const char *s, double *out, size_t max)
{
    size_t n = 0;
    char *end;
    while (*s && n < max) {
        out[n++] = strtod(s, &end);
        if (end == s) exit(2);
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--eval") == 0) {
        double v[4][64];
        size_t n[4];
        for (int i = 0; i < 4; i++) n[i] = parse_list(argv[2 + i], v[i], 64);
        if (n[0] != n[1] || n[2] != n[3]) return 2;
        rd_curve a = {v[0], v[1], n[0]}, b = {v[2], v[3], n[2]};
        double pct, dq;
        hvic_status s1 = rd_bd_rate(&a, &b, &pct), s2 = rd_bd_quality(&a, &b, &dq);
        if (s1 != HVIC_OK || s2 != HVIC_OK) return 1;
        printf("%.17g %.17g\n", pct, dq);
        return 0;
    }
    RUN(test_scaled_rate);
    RUN(test_identical);
    RUN(test_order_and_two_points);
    RUN(test_errors);
    return test_summary("test_bdrate");
}
