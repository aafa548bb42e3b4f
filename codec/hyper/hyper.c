/* Integer hyper path, spec/model-format.md §3.2-3.3 and §3.6.
 *
 * The 3x3 integer convolutions of h_s are evaluated as nine cblas_dgemm
 * calls on integer-valued doubles (one per tap, on shifted views of a
 * zero-bordered input). This is exact: every product and every partial sum
 * is an integer of magnitude below 2^31 (the loader verifies the exporter's
 * bound |bias| + sum|w|*A < 2^31), far below 2^53, so any summation order,
 * FMA, thread count or BLAS kernel gives the same integers. */
#include "hyper.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "model.h"
#include "parallel.h"
#include "util.h"

int64_t hv_exp2_q16(int64_t v, const int32_t *table)
{
    int64_t k = hv_floor_div_pow2(v, 16);
    int64_t i = (v - k * 65536) >> 6; /* 0 <= v - k*2^16 < 2^16: non-negative */
    int64_t t = table[i];
    if (k >= 14) return t << (k - 14);
    if (14 - k > 62) return 0;
    int s = (int)(14 - k);
    return hv_floor_div_pow2(t + ((int64_t)1 << (s - 1)), s);
}

/* The level l and fraction f (0..4096) of gain position p among L levels
 * (spec §3.2): l = min(p >> 12, L - 2), f = p - 4096 l. */
static int64_t gain_level(int L, uint32_t p, int64_t *f)
{
    int64_t l = p >> 12;
    if (l > L - 2) l = L - 2;
    *f = (int64_t)p - 4096 * l;
    return l;
}

void hv_interp_log_gain(const int32_t *G, int L, int C, uint32_t p, int64_t *lg)
{
    int64_t f;
    const int64_t l = gain_level(L, p, &f);
    const int32_t *g0 = G + (size_t)l * C, *g1 = g0 + C;
    for (int c = 0; c < C; c++) lg[c] = g0[c] + hv_floor_div_pow2(((int64_t)g1[c] - g0[c]) * f, 12);
}

uint32_t hv_max_gain_pos(const hvic_model *m)
{
    return (uint32_t)(m->L - 1) * 4096u;
}

hvic_status hv_layer_gains(const hvic_model *m, int which, uint32_t p, int64_t *lg, int64_t *g)
{
    if (p > hv_max_gain_pos(m)) return HVIC_ERR_ARG;
    int C = which ? m->M : m->N;
    hv_interp_log_gain(which ? m->gain_y_log2 : m->gain_z_log2, m->L, C, p, lg);
    if (g)
        for (int c = 0; c < C; c++) g[c] = hv_exp2_q16(lg[c], m->exp2_table);
    return HVIC_OK;
}

/* Rows of one block: keeps the double buffers near 16 MB for any image. */
static int block_rows(int H, int W, int cmax)
{
    long r = (2L << 20) / ((long)(W + 2) * cmax);
    if (r < 1) r = 1;
    return r > H ? H : (int)r;
}

/* The products and requantization of output channels o0 .. o1-1 of one
 * block of rows of an integer layer (int_conv): through hv_vnni_conv or
 * hv_pairs_conv_avx2 on int16 pairs xq into acci, or through cblas_dgemm on
 * doubles xp into accd. */
typedef struct {
    const hv_iconv *c;
    const double *xp;
    const int32_t *xq;
    double *accd;
    int32_t *acci;
    int64_t *v;
    size_t plane;
    int H, W, y0, rows, slices;
    int avx2; /* the pairs through hv_pairs_conv_avx2 rather than hv_vnni_conv */
} iconv_block;

static void iconv_slice(void *arg, int s)
{
    const iconv_block *b = arg;
    const hv_iconv *c = b->c;
    const int cin = c->cin, cout = c->cout, Wp = b->W + 2, n = b->rows * Wp;
    /* slices of whole groups of 8 channels (the VNNI kernel's blocks) */
    const int o0 = 8 * (int)((long)(cout / 8) * s / b->slices);
    const int o1 = s + 1 == b->slices ? cout : 8 * (int)((long)(cout / 8) * (s + 1) / b->slices);
    if (o1 <= o0) return;
    if (b->xq) {
        (b->avx2 ? hv_pairs_conv_avx2 : hv_vnni_conv)(c->wvnni, cout, cin, o0 / 8, o1 / 8, b->xq,
                                                       b->plane, Wp, n, b->acci);
    } else {
        for (int t = 0; t < 9; t++) {
            int ky = t / 3, kx = t % 3;
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, o1 - o0, n, cin, 1.0,
                        c->wtap + (size_t)t * cout * cin + (size_t)o0 * cin, cin,
                        b->xp + ky * Wp + kx, (int)b->plane, t ? 1.0 : 0.0,
                        b->accd + (size_t)o0 * n, n);
        }
    }
    for (int o = o0; o < o1; o++) {
        const int64_t bias = c->bias[o], mlt = c->mult[o], rnd = (int64_t)1 << (c->shift - 1);
        for (int r = 0; r < b->rows; r++) {
            const size_t off = (size_t)o * n + (size_t)r * Wp;
            int64_t *dst = b->v + ((size_t)o * b->H + b->y0 + r) * b->W;
            for (int x = 0; x < b->W; x++) {
                /* both sums are exact integers */
                int64_t sum = (b->xq ? b->acci[off + x] : (int64_t)b->accd[off + x]) + bias;
                dst[x] = hv_floor_div_pow2(sum * mlt + rnd, c->shift);
            }
        }
    }
}

/* One integer layer: v = floor_div((bias + W*a) * mult + 2^(s-1), 2^s),
 * a: cin x H x W (channel stride a_cs >= H W, so that a may be a band of rows
 * of a taller tensor; rows beyond it are zero padding), v: cout x H x W (int64), its output channels split over
 * `threads` threads (exact, so neither the split nor the kernel matters), through
 * kernel HV_HS_* (model.h; the pair kernels need the layer's packed pairs,
 * else dgemm).
 * Returns 0 on allocation failure. */
static int int_conv(int kernel, const hv_iconv *c, const int16_t *a, size_t a_cs, int H, int W,
                    int threads, int64_t *v)
{
    const int Wp = W + 2, cin = c->cin, cout = c->cout, cin2 = (cin + 1) / 2;
    const int vnni = kernel != HV_HS_DGEMM && c->wvnni; /* int16 pairs */
    const int R = block_rows(H, W, cin > cout ? cin : cout);
    const size_t plane = (size_t)(R + 2) * Wp;
    /* input: VNNI channel pairs, or doubles; +32 / +2 for the shifted taps */
    double *xp = vnni ? NULL : malloc((cin * plane + 2) * sizeof *xp);
    int32_t *xq = vnni ? malloc((cin2 * plane + 32) * sizeof *xq) : NULL;
    void *acc = malloc((size_t)cout * R * Wp * (vnni ? sizeof(int32_t) : sizeof(double)));
    if (!(vnni ? (void *)xq : (void *)xp) || !acc) {
        free(xp);
        free(xq);
        free(acc);
        return 0;
    }
    int slices = threads; /* of at least 32 channels each */
    if (slices > cout / 32) slices = cout / 32;
    if (slices < 1) slices = 1;
    for (int y0 = 0; y0 < H; y0 += R) {
        int rows = H - y0 < R ? H - y0 : R;
        /* zero-bordered input rows y0-1 .. y0+rows: VNNI channel pairs or doubles */
        if (vnni) memset(xq, 0, (cin2 * plane + 32) * sizeof *xq);
        else memset(xp, 0, (cin * plane + 2) * sizeof *xp);
        for (int i = 0; i < cin; i++)
            for (int r = 0; r < rows + 2; r++) {
                int y = y0 + r - 1;
                if (y < 0 || y >= H) continue;
                const int16_t *src = a + (size_t)i * a_cs + (size_t)y * W;
                const size_t at = (size_t)r * Wp + 1;
                if (vnni) {
                    uint16_t *dst = (uint16_t *)(xq + (i / 2) * plane + at) + (i & 1);
                    for (int x = 0; x < W; x++) dst[2 * x] = (uint16_t)src[x];
                } else {
                    double *dst = xp + i * plane + at;
                    for (int x = 0; x < W; x++) dst[x] = src[x];
                }
            }
        iconv_block b = {c, xp, xq, vnni ? NULL : acc, vnni ? acc : NULL, v, plane, H, W, y0,
                         rows, slices, kernel == HV_HS_AVX2};
        hv_parallel_for(slices, slices, iconv_slice, &b);
    }
    free(xp);
    free(xq);
    free(acc);
    return 1;
}

/* Rows r0 .. r1-1 of out = pixel shuffle x2 of clamp(v, 0, A): v is (4C) x H x W
 * holding the rows h0 .. h0+H-1 of the layer's output, out is C x OH x 2W. */
static void relu_shuffle_rows(const int64_t *v, int C, int H, int W, int h0, int64_t A, int r0,
                              int r1, int OH, int16_t *out)
{
    const size_t OW = 2 * (size_t)W;
    for (int c = 0; c < C; c++)
        for (int ab = 0; ab < 4; ab++) {
            const int a = ab >> 1, b = ab & 1;
            const int64_t *src = v + (size_t)(4 * c + ab) * H * W;
            for (int i = 0; i < H; i++) {
                const int r = 2 * (h0 + i) + a;
                if (r < r0 || r >= r1) continue;
                int16_t *dst = out + ((size_t)c * OH + r) * OW + b;
                for (int x = 0; x < W; x++) {
                    const int64_t t = src[(size_t)i * W + x];
                    dst[2 * (size_t)x] = (int16_t)(t < 0 ? 0 : t > A ? A : t);
                }
            }
        }
}

/* a = clamp(v, 0, A) (the ReLU of a context layer). */
static void relu_clamp(const int64_t *v, size_t n, int64_t A, int16_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = (int16_t)(v[i] < 0 ? 0 : v[i] > A ? A : v[i]);
}

/* clamp(floor_div(v * g + 2^(s-1), 2^s), -A, A) without overflow. */
static int16_t scale_act(int64_t v, int64_t g, int s, int64_t A)
{
    __int128 p = (__int128)v * g + ((__int128)1 << (s - 1));
    __int128 d = (__int128)1 << s, q = p / d;
    if (p % d != 0 && p < 0) q -= 1;
    return (int16_t)(q < -A ? -A : q > A ? A : q);
}

/* Rows of y per band of the banded h_s.4 and context networks: their band
 * buffers stay near 8 MiB whatever the image size (results are exact, so
 * the band height changes nothing). At least 8 rows, a multiple of 2. */
static int param_band_rows(int yh, int yw, size_t bytes_per_elem)
{
    long r = (8L << 20) / ((long)yw * (long)bytes_per_elem);
    r = r < 8 ? 8 : r & ~1L;
    return r > yh ? yh : (int)r;
}

/* The work of hv_entropy_params, split in bands of rows. */
typedef struct {
    const hvic_model *m;
    const int32_t *zhat, *q;
    int32_t *idx, *mu_q8;
    const int64_t *lgy, *gy;
    int16_t *a1;        /* N x yh/2 x yw/2: h_s.0's activations after shuffle */
    int16_t *a2;        /* C1 x yh x yw: h_s.2's, 0..A */
    int yh, yw, band, slice, inner;
    atomic_int failed;
} params_job;

/* Rows bi*band .. of a2 from a1 through h_s.2 (h_s[1]), a1 read with one
 * row of halo each side. */
static void a2_band(void *arg, int bi)
{
    params_job *j = arg;
    const hvic_model *m = j->m;
    const int C1 = 3 * m->M / 2, h1 = j->yh / 2, w1 = j->yw / 2;
    const int r0 = bi * j->band, r1 = hv_imin(j->yh, r0 + j->band); /* even */
    const int s0 = hv_imax(0, r0 / 2 - 1), s1 = hv_imin(h1, r1 / 2 + 1);
    int64_t *v = malloc((size_t)4 * C1 * (s1 - s0) * w1 * sizeof *v);
    if (!v || !int_conv(m->kernels.hs, &m->h_s[1], j->a1 + (size_t)s0 * w1,
                        (size_t)h1 * w1, s1 - s0, w1, j->inner, v))
        atomic_store(&j->failed, 1);
    else
        relu_shuffle_rows(v, C1, s1 - s0, w1, s0, m->hs_act_max, r0, r1, j->yh, j->a2);
    free(v);
}

/* Rows bi*band .. of slice j->slice's means (Q8) and scale indices: h_s.4
 * (hs_slice) on a2, plus, for s >= 1, the context network (spec §3.6) over
 * the decoded channels 0 .. c0-1 (q, mu_q8) and those h_s outputs; three
 * rows of halo for the context's three 3x3 layers, one more for h_s.4. */
static void slice_band(void *arg, int bi)
{
    params_job *j = arg;
    const hvic_model *m = j->m;
    const int s = j->slice, yh = j->yh, yw = j->yw;
    const int c0 = m->ctx_c0[s], K = m->ctx_c0[s + 1] - c0, hc = s > 0 ? 3 : 0;
    const size_t n_img = (size_t)yh * yw;
    const int64_t A = m->hs_act_max;
    const int r0 = bi * j->band, r1 = hv_imin(yh, r0 + j->band);
    const int v0 = hv_imax(0, r0 - hc), v1 = hv_imin(yh, r1 + hc); /* rows of vs */
    const int x0 = hv_imax(0, v0 - 1), x1 = hv_imin(yh, v1 + 1);   /* rows of a2 read */
    const size_t nx = (size_t)(x1 - x0) * yw, nv = (size_t)(v1 - v0) * yw;
    int64_t *vs = malloc((size_t)2 * K * nx * sizeof *vs);
    int16_t *ca = NULL, *ch = NULL;
    int64_t *ct = NULL;
    int ok = vs && int_conv(m->kernels.hs, &m->hs_slice[s], j->a2 + (size_t)x0 * yw, n_img, x1 - x0,
                            yw, j->inner, vs);
    /* vs rows v0 .. v1-1 (exact) start at row v0 - x0 of each channel */
    const size_t vo = (size_t)(v0 - x0) * yw;
    if (ok && s > 0) {
        const hv_ctx_net *net = &m->ctx[s];
        const int H = net->l[0].cout, cin = net->l[0].cin;
        const int64_t g0 = hv_exp2_q16(net->in_log2, m->exp2_table);
        ca = malloc((size_t)cin * nv * sizeof *ca);
        ch = calloc((size_t)H * nv, sizeof *ch);
        ct = malloc((size_t)(H > 2 * K ? H : 2 * K) * nv * sizeof *ct);
        ok = ca && ch && ct;
        for (int c = 0; ok && c < c0; c++) {
            const int64_t g = hv_exp2_q16(net->in_log2 - j->lgy[c], m->exp2_table);
            const int32_t *qc = j->q + c * n_img + (size_t)v0 * yw;
            const int32_t *mc = j->mu_q8 + c * n_img + (size_t)v0 * yw;
            int16_t *dst = ca + (size_t)c * nv;
            for (size_t i = 0; i < nv; i++) dst[i] = scale_act((int64_t)qc[i] * 256 + mc[i], g, 24, A);
        }
        for (int k = 0; ok && k < K; k++) {
            const int64_t *vm = vs + (size_t)k * nx + vo, *vl = vs + (size_t)(K + k) * nx + vo;
            int16_t *dm = ca + (size_t)(c0 + k) * nv, *dl = ca + (size_t)(c0 + K + k) * nv;
            for (size_t i = 0; i < nv; i++) {
                dm[i] = scale_act(vm[i], g0, 24, A);
                dl[i] = scale_act(vl[i], g0, 32, A);
            }
        }
        const int kern = m->kernels.hs, rows = v1 - v0;
        ok = ok && int_conv(kern, &net->l[0], ca, nv, rows, yw, j->inner, ct);
        if (ok) relu_clamp(ct, (size_t)H * nv, A, ch);
        ok = ok && int_conv(kern, &net->l[1], ch, nv, rows, yw, j->inner, ct);
        if (ok) relu_clamp(ct, (size_t)H * nv, A, ch);
        ok = ok && int_conv(kern, &net->l[2], ch, nv, rows, yw, j->inner, ct);
        for (int k = 0; ok && k < 2 * K; k++) {
            int64_t *dst = vs + (size_t)k * nx + vo;
            const int64_t *add = ct + (size_t)k * nv;
            for (size_t i = 0; i < nv; i++) dst[i] += add[i];
        }
    }
    if (ok) {
        const int64_t lmin = m->log2_min, step = m->log2_step, half = hv_floor_div(step, 2);
        const size_t ro = (size_t)(r0 - x0) * yw, nr = (size_t)(r1 - r0) * yw;
        for (int k = 0; k < K; k++) {
            const int c = c0 + k;
            const int64_t *mu = vs + (size_t)k * nx + ro, *ls = vs + (size_t)(K + k) * nx + ro;
            int32_t *mo = j->mu_q8 + c * n_img + (size_t)r0 * yw, *io = j->idx + c * n_img + (size_t)r0 * yw;
            for (size_t i = 0; i < nr; i++) {
                /* |mu'| * gy < 2^46 (checked at load) */
                mo[i] = (int32_t)hv_floor_div_pow2(mu[i] * j->gy[c] + 32768, 16);
                const int64_t t = hv_floor_div(ls[i] + j->lgy[c] - lmin + half, step);
                io[i] = (int32_t)(t < 0 ? 0 : t > m->S - 1 ? m->S - 1 : t);
            }
        }
    }
    if (!ok) atomic_store(&j->failed, 1);
    free(vs);
    free(ca);
    free(ch);
    free(ct);
}

/* Runs task over nb bands: the bands in parallel when there are enough of
 * them, else one after another, each on all the threads. */
static int run_bands(params_job *j, int nb, int threads, void (*task)(void *, int))
{
    j->inner = nb >= threads ? 1 : threads;
    hv_parallel_for(nb, nb >= threads ? threads : 1, task, j);
    return !atomic_load(&j->failed);
}

hvic_status hv_entropy_params(const hvic_model *m, const int32_t *zhat, int zh, int zw,
                              uint32_t pz, uint32_t py, int threads, int band, hv_slice_fn fn,
                              void *arg, int32_t *q, int32_t *idx, int32_t *mu_q8)
{
    if (!m || !zhat || !idx || !mu_q8 || zh < 1 || zw < 1) return HVIC_ERR_ARG;
    if (m->ctx_slices > 1 && !q) return HVIC_ERR_ARG;
    if (pz > hv_max_gain_pos(m) || py > hv_max_gain_pos(m)) return HVIC_ERR_ARG;
    hvic_status st = hv_model_prepare(m, hv_prep_hs(m->kernels.hs));
    if (st != HVIC_OK) return st;
    if (threads < 1) threads = 1;
    const int N = m->N, M = m->M, C1 = 3 * M / 2, G = m->ctx_slices, yh = 4 * zh, yw = 4 * zw;
    const int64_t A = m->hs_act_max;
    const size_t pz_n = (size_t)zh * zw;
    st = HVIC_ERR_NOMEM;

    int64_t *lgz = malloc((size_t)N * sizeof *lgz), *lgy = malloc((size_t)M * sizeof *lgy);
    int64_t *gy = malloc((size_t)M * sizeof *gy);
    int16_t *a0 = calloc((size_t)N * pz_n, sizeof *a0);
    int64_t *v0 = malloc((size_t)4 * N * pz_n * sizeof *v0);
    int16_t *a1 = malloc((size_t)N * 4 * pz_n * sizeof *a1);
    int16_t *a2 = malloc((size_t)C1 * 16 * pz_n * sizeof *a2);
    if (!lgz || !lgy || !gy || !a0 || !v0 || !a1 || !a2) goto done;

    hv_layer_gains(m, 0, pz, lgz, NULL);
    hv_layer_gains(m, 1, py, lgy, gy);

    /* a0 = clamp(floor_div(zhat * IG + 2^15, 2^16), -A, A); zhat is any
     * int32 and IG < 2^46, so the product is formed in 128 bits. */
    for (int c = 0; c < N; c++) {
        int64_t ig = hv_exp2_q16(m->hs_in_log2 - lgz[c], m->exp2_table);
        for (size_t i = 0; i < pz_n; i++) a0[c * pz_n + i] = scale_act(zhat[c * pz_n + i], ig, 16, A);
    }
    /* h_s.0 on the whole ẑ (1/64 of the pixels); h_s.2 and on in bands of
     * y rows, so that no buffer but a2 (C1 int16 per y element) grows with
     * the image */
    if (!int_conv(m->kernels.hs, &m->h_s[0], a0, pz_n, zh, zw, threads, v0)) goto done;
    relu_shuffle_rows(v0, N, zh, zw, 0, A, 0, 2 * zh, 2 * zh, a1);
    params_job j = {.m = m, .zhat = zhat, .q = q, .idx = idx, .mu_q8 = mu_q8, .lgy = lgy, .gy = gy,
                    .a1 = a1, .a2 = a2, .yh = yh, .yw = yw};
    atomic_init(&j.failed, 0);
    /* bytes per y element of a band's buffers: h_s.2's output (4 C1 int64 per
     * 4 y elements), then a slice's h_s.4 outputs and context layers */
    j.band = band > 0 ? hv_imin(yh, (int)(((long)band + 1) & ~1L))
                      : param_band_rows(yh, yw, (size_t)C1 * 8);
    if (!run_bands(&j, (yh + j.band - 1) / j.band, threads, a2_band)) goto done;
    size_t per = (size_t)2 * M * 8;
    for (int s = 1; s < G; s++) {
        const int K = m->ctx_c0[s + 1] - m->ctx_c0[s], H = m->ctx[s].l[0].cout;
        const size_t w = (size_t)2 * K * 8 + (size_t)(m->ctx[s].l[0].cin + H) * 2 +
                         (size_t)(H > 2 * K ? H : 2 * K) * 8;
        if (w > per) per = w;
    }
    j.band = band > 0 ? hv_imin(yh, band) : param_band_rows(yh, yw, per);
    const int nb = (yh + j.band - 1) / j.band;
    for (int s = 0; s < G; s++) {
        j.slice = s;
        if (!run_bands(&j, nb, threads, slice_band)) goto done;
        if (fn && (st = fn(arg, m->ctx_c0[s], m->ctx_c0[s + 1])) != HVIC_OK) goto done;
    }
    st = HVIC_OK;
done:
    free(lgz);
    free(lgy);
    free(gy);
    free(a0);
    free(v0);
    free(a1);
    free(a2);
    return st;
}

void hv_recon_mu(const hvic_model *m, uint32_t py, const int32_t *q, const int32_t *idx,
                 const int32_t *mu_q8, int32_t *out, size_t n)
{
    if (!m->recon) {
        if (out != mu_q8) memcpy(out, mu_q8, n * sizeof *out);
        return;
    }
    const int K = m->recon_k, S = m->S;
    int64_t f;
    const int64_t l = gain_level(m->L, py, &f);
    const int16_t *r0 = m->recon + (size_t)l * S * K, *r1 = r0 + (size_t)S * K;
    int32_t off[256 * HVIC_RECON_K_MAX];
    for (int i = 0; i < S * K; i++)
        off[i] = (int32_t)hv_floor_div_pow2(r0[i] * (4096 - f) + r1[i] * f + 2048, 12);
    for (size_t i = 0; i < n; i++) {
        const int32_t v = q[i];
        if (v == 0) {
            out[i] = mu_q8[i];
            continue;
        }
        const int64_t a = v > 0 ? (int64_t)v : -(int64_t)v;
        const int32_t o = off[(size_t)idx[i] * K + (a < K ? (int)a : K) - 1];
        out[i] = v > 0 ? mu_q8[i] + o : mu_q8[i] - o;
    }
}

/* The VNNI pairs of c (where cout % 8 == 0, unless dgemm) or its tap-major
 * doubles, unless made already. */
static int prepare_iconv(hvic_model *m, void *(*alloc)(hvic_model *, size_t), hv_iconv *c,
                         int dgemm)
{
    const int cout = c->cout, cin = c->cin;
    if (!dgemm && cout % 8 == 0) {
        if (c->wvnni) return 1;
        int32_t *wv = alloc(m, (size_t)9 * cout * ((cin + 1) / 2) * sizeof(int32_t));
        if (!wv) return 0;
        hv_vnni_pack_weights(c->w, cout, cin, wv);
        c->wvnni = wv;
        return 1;
    }
    if (c->wtap) return 1;
    double *wtap = alloc(m, (size_t)cout * cin * 9 * sizeof(double));
    if (!wtap) return 0;
    for (int o = 0; o < cout; o++)
        for (int i = 0; i < cin; i++)
            for (int t = 0; t < 9; t++)
                wtap[((size_t)t * cout + o) * cin + i] = c->w[((size_t)o * cin + i) * 9 + t];
    c->wtap = wtap;
    return 1;
}

/* hs_slice[s]: the rows of h_s.4 (h_s[2]) that give the means and the
 * log-scales of slice s's channels c0 .. c1-1, in that order. */
static int slice_iconv(hvic_model *m, void *(*alloc)(hvic_model *, size_t), int s)
{
    const hv_iconv *f = &m->h_s[2];
    const int c0 = m->ctx_c0[s], K = m->ctx_c0[s + 1] - c0, cin = f->cin;
    if (K == m->M) { /* one slice: h_s.4 itself */
        m->hs_slice[s] = *f;
        return 1;
    }
    int16_t *w = alloc(m, (size_t)2 * K * cin * 9 * sizeof *w);
    int32_t *bias = alloc(m, (size_t)2 * K * sizeof *bias), *mult = alloc(m, (size_t)2 * K * sizeof *mult);
    if (!w || !bias || !mult) return 0;
    for (int o = 0; o < 2 * K; o++) {
        const int from = o < K ? c0 + o : m->M + c0 + o - K;
        memcpy(w + (size_t)o * cin * 9, f->w + (size_t)from * cin * 9, (size_t)cin * 9 * sizeof *w);
        bias[o] = f->bias[from];
        mult[o] = f->mult[from];
    }
    hv_iconv *c = &m->hs_slice[s];
    *c = (hv_iconv){.cout = 2 * K, .cin = cin, .w = w, .bias = bias, .mult = mult, .shift = f->shift};
    return 1;
}

int hv_hyper_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t), int dgemm)
{
    for (int s = 0; s < m->ctx_slices; s++)
        if ((!m->hs_slice[s].w && !slice_iconv(m, alloc, s)) ||
            !prepare_iconv(m, alloc, &m->hs_slice[s], dgemm))
            return 0;
    for (int i = 0; i < 2; i++)
        if (!prepare_iconv(m, alloc, &m->h_s[i], dgemm)) return 0;
    for (int s = 1; s < m->ctx_slices; s++)
        for (int i = 0; i < 3; i++)
            if (!prepare_iconv(m, alloc, &m->ctx[s].l[i], dgemm)) return 0;
    return 1;
}
