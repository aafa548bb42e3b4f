/* Bjøntegaard delta with pchip interpolation (see bdrate.h). */
#include "bdrate.h"

#include <math.h>
#include <stdlib.h>

/* A pchip interpolant through n points (x strictly increasing). */
typedef struct {
    double *x, *y, *d;  /* knots, values, slopes */
    size_t n;
} pchip;

static int sgn(double v)
{
    return (v > 0) - (v < 0);
}

/* End slope: three-point formula, made shape-preserving (scipy _edge_case). */
static double edge_slope(double h0, double h1, double m0, double m1)
{
    double d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1);
    if (sgn(d) != sgn(m0)) return 0.0;
    if (sgn(m0) != sgn(m1) && fabs(d) > 3 * fabs(m0)) return 3 * m0;
    return d;
}

static void pchip_slopes(pchip *p)
{
    size_t n = p->n;
    double *x = p->x, *y = p->y, *d = p->d;
    if (n == 2) {
        d[0] = d[1] = (y[1] - y[0]) / (x[1] - x[0]);
        return;
    }
    for (size_t k = 1; k + 1 < n; k++) {
        double h0 = x[k] - x[k - 1], h1 = x[k + 1] - x[k];
        double m0 = (y[k] - y[k - 1]) / h0, m1 = (y[k + 1] - y[k]) / h1;
        if (sgn(m0) != sgn(m1) || m0 == 0 || m1 == 0) {
            d[k] = 0;
        } else {
            double w1 = 2 * h1 + h0, w2 = h1 + 2 * h0;
            d[k] = (w1 + w2) / (w1 / m0 + w2 / m1);
        }
    }
    double h0 = x[1] - x[0], h1 = x[2] - x[1];
    d[0] = edge_slope(h0, h1, (y[1] - y[0]) / h0, (y[2] - y[1]) / h1);
    h0 = x[n - 1] - x[n - 2];
    h1 = x[n - 2] - x[n - 3];
    d[n - 1] = edge_slope(h0, h1, (y[n - 1] - y[n - 2]) / h0, (y[n - 2] - y[n - 3]) / h1);
}

/* Integral of the Hermite cubic of interval k from x[k] to x[k] + t * h. */
static double piece_integral(const pchip *p, size_t k, double t)
{
    double h = p->x[k + 1] - p->x[k];
    double t2 = t * t, t3 = t2 * t, t4 = t3 * t;
    double i00 = t4 / 2 - t3 + t;            /* ∫ 2t³ - 3t² + 1 */
    double i10 = t4 / 4 - 2 * t3 / 3 + t2 / 2; /* ∫ t³ - 2t² + t */
    double i01 = -t4 / 2 + t3;               /* ∫ -2t³ + 3t² */
    double i11 = t4 / 4 - t3 / 3;            /* ∫ t³ - t² */
    return h * (i00 * p->y[k] + i10 * h * p->d[k] + i01 * p->y[k + 1] + i11 * h * p->d[k + 1]);
}

/* ∫ from x[0] to v (x[0] <= v <= x[n-1]). */
static double pchip_primitive(const pchip *p, double v)
{
    double s = 0;
    for (size_t k = 0; k + 1 < p->n; k++) {
        double h = p->x[k + 1] - p->x[k];
        if (v >= p->x[k + 1]) {
            s += h * (p->y[k] + p->y[k + 1]) / 2 + h * h * (p->d[k] - p->d[k + 1]) / 12;
        } else {
            if (v > p->x[k]) s += piece_integral(p, k, (v - p->x[k]) / h);
            break;
        }
    }
    return s;
}

typedef struct {
    double x, y;
} point;

static int cmp_point(const void *a, const void *b)
{
    double u = ((const point *)a)->x, v = ((const point *)b)->x;
    return (u > v) - (u < v);
}

/* Build p from a curve: x = quality, y = ln(rate) when by_quality, else
 * x = ln(rate), y = quality. Sorted by x; x must be strictly increasing. */
static hvic_status pchip_build(pchip *p, const rd_curve *c, int by_quality)
{
    p->x = NULL;
    if (!c || !c->rate || !c->quality || c->n < 2) return HVIC_ERR_ARG;
    size_t n = c->n;
    point *pts = malloc(n * sizeof *pts);
    double *mem = malloc(3 * n * sizeof *mem);
    if (!pts || !mem) {
        free(pts);
        free(mem);
        return HVIC_ERR_NOMEM;
    }
    hvic_status st = HVIC_OK;
    for (size_t i = 0; i < n; i++) {
        double r = c->rate[i], q = c->quality[i];
        if (!isfinite(r) || !(r > 0) || !isfinite(q)) st = HVIC_ERR_ARG;
        pts[i].x = by_quality ? q : log(r);
        pts[i].y = by_quality ? log(r) : q;
    }
    if (st == HVIC_OK) {
        qsort(pts, n, sizeof *pts, cmp_point);
        for (size_t i = 1; i < n; i++)
            if (!(pts[i].x > pts[i - 1].x)) st = HVIC_ERR_ARG;
    }
    if (st != HVIC_OK) {
        free(pts);
        free(mem);
        return st;
    }
    p->x = mem;
    p->y = mem + n;
    p->d = mem + 2 * n;
    p->n = n;
    for (size_t i = 0; i < n; i++) {
        p->x[i] = pts[i].x;
        p->y[i] = pts[i].y;
    }
    free(pts);
    pchip_slopes(p);
    return HVIC_OK;
}

/* Mean of (test - anchor) over the common x interval. */
static hvic_status bd_mean_diff(const rd_curve *anchor, const rd_curve *test, int by_quality,
                                double *out)
{
    pchip a, b;
    hvic_status st = pchip_build(&a, anchor, by_quality);
    if (st != HVIC_OK) return st;
    st = pchip_build(&b, test, by_quality);
    if (st != HVIC_OK) {
        free(a.x);
        return st;
    }
    double lo = fmax(a.x[0], b.x[0]);
    double hi = fmin(a.x[a.n - 1], b.x[b.n - 1]);
    if (!(hi > lo)) {
        st = HVIC_ERR_ARG;
    } else {
        double ia = pchip_primitive(&a, hi) - pchip_primitive(&a, lo);
        double ib = pchip_primitive(&b, hi) - pchip_primitive(&b, lo);
        *out = (ib - ia) / (hi - lo);
    }
    free(a.x);
    free(b.x);
    return st;
}

hvic_status rd_bd_rate(const rd_curve *anchor, const rd_curve *test, double *percent)
{
    if (!percent) return HVIC_ERR_ARG;
    double m;
    hvic_status st = bd_mean_diff(anchor, test, 1, &m);
    if (st == HVIC_OK) *percent = expm1(m) * 100.0;
    return st;
}

hvic_status rd_bd_quality(const rd_curve *anchor, const rd_curve *test, double *delta)
{
    if (!delta) return HVIC_ERR_ARG;
    return bd_mean_diff(anchor, test, 0, delta);
}
