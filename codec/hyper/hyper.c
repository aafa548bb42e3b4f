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
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "model.h"
#include "parallel.h"

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
 * block of rows of an integer layer (int_conv): through hv_vnni_conv on
 * int16 pairs xq into acci, or through cblas_dgemm on doubles xp into accd. */
typedef struct {
    const hv_iconv *c;
    const double *xp;
    const int32_t *xq;
    double *accd;
    int32_t *acci;
    int64_t *v;
    size_t plane;
    int H, W, y0, rows, slices;
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
        hv_vnni_conv(c->wvnni, cout, cin, o0 / 8, o1 / 8, b->xq, b->plane, Wp, n, b->acci);
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
 * a: cin x H x W, v: cout x H x W (int64), its output channels split over
 * `threads` threads (exact, so neither the split nor the kernel matters), through
 * the VNNI kernel when vnni_ok and the layer has its weights.
 * Returns 0 on allocation failure. */
static int int_conv(int vnni_ok, const hv_iconv *c, const int32_t *a, int H, int W, int threads,
                    int64_t *v)
{
    const int Wp = W + 2, cin = c->cin, cout = c->cout, cin2 = (cin + 1) / 2;
    const int vnni = vnni_ok && c->wvnni;
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
                const int32_t *src = a + ((size_t)i * H + y) * W;
                const size_t at = (size_t)r * Wp + 1;
                if (vnni) {
                    uint16_t *dst = (uint16_t *)(xq + (i / 2) * plane + at) + (i & 1);
                    for (int x = 0; x < W; x++) dst[2 * x] = (uint16_t)(int16_t)src[x];
                } else {
                    double *dst = xp + i * plane + at;
                    for (int x = 0; x < W; x++) dst[x] = src[x];
                }
            }
        iconv_block b = {c, xp, xq, vnni ? NULL : acc, vnni ? acc : NULL, v, plane, H, W, y0,
                         rows, slices};
        hv_parallel_for(slices, slices, iconv_slice, &b);
    }
    free(xp);
    free(xq);
    free(acc);
    return 1;
}

/* a = clamp(v, 0, A) followed by pixel shuffle x2: v is (4C) x H x W,
 * out is C x 2H x 2W. */
static void relu_shuffle(const int64_t *v, int C, int H, int W, int64_t A, int32_t *out)
{
    for (int c = 0; c < C; c++)
        for (int ab = 0; ab < 4; ab++) {
            int a = ab >> 1, b = ab & 1;
            const int64_t *src = v + (size_t)(4 * c + ab) * H * W;
            for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++) {
                    int64_t x = src[(size_t)i * W + j];
                    x = x < 0 ? 0 : x > A ? A : x;
                    out[((size_t)c * 2 * H + 2 * i + a) * 2 * W + 2 * j + b] = (int32_t)x;
                }
        }
}

/* a = clamp(v, 0, A) into int32 (the ReLU of a context layer). */
static void relu_clamp(const int64_t *v, size_t n, int64_t A, int32_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = (int32_t)(v[i] < 0 ? 0 : v[i] > A ? A : v[i]);
}

/* clamp(floor_div(v * g + 2^(s-1), 2^s), -A, A) without overflow. */
static int32_t scale_act(int64_t v, int64_t g, int s, int64_t A)
{
    __int128 p = (__int128)v * g + ((__int128)1 << (s - 1));
    __int128 d = (__int128)1 << s, q = p / d;
    if (p % d != 0 && p < 0) q -= 1;
    return (int32_t)(q < -A ? -A : q > A ? A : q);
}

/* The context network of slice s (spec §3.6): its input from the decoded
 * channels 0 .. c0-1 (q, mu_q8) and slice s's h_s parameters in v, its
 * output added to those parameters in v. v: 2M x n (n = yh yw). */
static int context_slice(const hvic_model *m, int s, const int32_t *q, const int32_t *mu_q8,
                         const int64_t *lgy, int yh, int yw, int threads, int64_t *v,
                         int32_t *a, int32_t *h, int64_t *t)
{
    const hv_ctx_net *net = &m->ctx[s];
    const int M = m->M, c0 = m->ctx_c0[s], K = m->ctx_c0[s + 1] - c0, H = net->l[0].cout;
    const size_t n = (size_t)yh * yw;
    const int64_t A = m->hs_act_max, g0 = hv_exp2_q16(net->in_log2, m->exp2_table);
    for (int c = 0; c < c0; c++) {
        const int64_t g = hv_exp2_q16(net->in_log2 - lgy[c], m->exp2_table);
        const int32_t *qc = q + c * n, *mc = mu_q8 + c * n;
        int32_t *dst = a + (size_t)c * n;
        for (size_t i = 0; i < n; i++) dst[i] = scale_act((int64_t)qc[i] * 256 + mc[i], g, 24, A);
    }
    for (int k = 0; k < K; k++) {
        const int64_t *vm = v + (size_t)(c0 + k) * n, *vl = v + (size_t)(M + c0 + k) * n;
        int32_t *dm = a + (size_t)(c0 + k) * n, *dl = a + (size_t)(c0 + K + k) * n;
        for (size_t i = 0; i < n; i++) {
            dm[i] = scale_act(vm[i], g0, 24, A);
            dl[i] = scale_act(vl[i], g0, 32, A);
        }
    }
    if (!int_conv(m->kernels.hs_vnni, &net->l[0], a, yh, yw, threads, t)) return 0;
    relu_clamp(t, (size_t)H * n, A, h);
    if (!int_conv(m->kernels.hs_vnni, &net->l[1], h, yh, yw, threads, t)) return 0;
    relu_clamp(t, (size_t)H * n, A, h);
    if (!int_conv(m->kernels.hs_vnni, &net->l[2], h, yh, yw, threads, t)) return 0;
    for (int k = 0; k < K; k++) {
        int64_t *vm = v + (size_t)(c0 + k) * n, *vl = v + (size_t)(M + c0 + k) * n;
        const int64_t *dm = t + (size_t)k * n, *dl = t + (size_t)(K + k) * n;
        for (size_t i = 0; i < n; i++) {
            vm[i] += dm[i];
            vl[i] += dl[i];
        }
    }
    return 1;
}

hvic_status hv_entropy_params(const hvic_model *m, const int32_t *zhat, int zh, int zw,
                              uint32_t pz, uint32_t py, int threads, hv_slice_fn fn, void *arg,
                              int32_t *q, int32_t *idx, int32_t *mu_q8)
{
    if (!m || !zhat || !idx || !mu_q8 || zh < 1 || zw < 1) return HVIC_ERR_ARG;
    if (m->ctx_slices > 1 && !q) return HVIC_ERR_ARG;
    if (pz > hv_max_gain_pos(m) || py > hv_max_gain_pos(m)) return HVIC_ERR_ARG;
    const int N = m->N, M = m->M, C1 = 3 * M / 2, G = m->ctx_slices;
    const int64_t A = m->hs_act_max;
    const size_t pz_n = (size_t)zh * zw, py_n = 16 * pz_n;
    hvic_status st = HVIC_ERR_NOMEM;

    /* the context networks' widest input, hidden and output layers */
    int cin_max = 0, cout_max = 0;
    const int hid = G > 1 ? m->ctx[1].l[0].cout : 0; /* the same for every slice */
    for (int s = 1; s < G; s++) {
        const hv_ctx_net *n = &m->ctx[s];
        if (n->l[0].cin > cin_max) cin_max = n->l[0].cin;
        if (n->l[2].cout > cout_max) cout_max = n->l[2].cout;
    }
    int64_t *lgz = malloc((size_t)N * sizeof *lgz), *lgy = malloc((size_t)M * sizeof *lgy);
    int64_t *gy = malloc((size_t)M * sizeof *gy);
    int32_t *a0 = malloc((size_t)N * pz_n * sizeof *a0);
    int32_t *a1 = malloc((size_t)N * 4 * pz_n * sizeof *a1);
    int32_t *a2 = malloc((size_t)C1 * 16 * pz_n * sizeof *a2);
    size_t vmax = (size_t)4 * N * pz_n;
    if ((size_t)4 * C1 * 4 * pz_n > vmax) vmax = (size_t)4 * C1 * 4 * pz_n;
    if ((size_t)2 * M * 16 * pz_n > vmax) vmax = (size_t)2 * M * 16 * pz_n;
    int64_t *v = malloc(vmax * sizeof *v);
    /* context buffers: input, hidden activations, layer outputs */
    const size_t tn = (size_t)(hid > cout_max ? hid : cout_max) * py_n;
    int32_t *ca = G > 1 ? malloc((size_t)cin_max * py_n * sizeof *ca) : NULL;
    int32_t *ch = G > 1 ? malloc((size_t)hid * py_n * sizeof *ch) : NULL;
    int64_t *ct = G > 1 ? malloc(tn * sizeof *ct) : NULL;
    if (!lgz || !lgy || !gy || !a0 || !a1 || !a2 || !v || (G > 1 && (!ca || !ch || !ct)))
        goto done;

    hv_layer_gains(m, 0, pz, lgz, NULL);
    hv_layer_gains(m, 1, py, lgy, gy);

    /* a0 = clamp(floor_div(zhat * IG + 2^15, 2^16), -A, A); zhat is any
     * int32 and IG < 2^46, so the product is formed in 128 bits. */
    for (int c = 0; c < N; c++) {
        int64_t ig = hv_exp2_q16(m->hs_in_log2 - lgz[c], m->exp2_table);
        for (size_t i = 0; i < pz_n; i++) a0[c * pz_n + i] = scale_act(zhat[c * pz_n + i], ig, 16, A);
    }
    if (!int_conv(m->kernels.hs_vnni, &m->h_s[0], a0, zh, zw, threads, v)) goto done;
    relu_shuffle(v, N, zh, zw, A, a1);
    if (!int_conv(m->kernels.hs_vnni, &m->h_s[1], a1, 2 * zh, 2 * zw, threads, v)) goto done;
    relu_shuffle(v, C1, 2 * zh, 2 * zw, A, a2);
    if (!int_conv(m->kernels.hs_vnni, &m->h_s[2], a2, 4 * zh, 4 * zw, threads, v)) goto done;

    const int64_t lmin = m->log2_min, step = m->log2_step, half = hv_floor_div(step, 2);
    for (int s = 0; s < G; s++) {
        const int c0 = m->ctx_c0[s], c1 = m->ctx_c0[s + 1];
        if (s > 0 && !context_slice(m, s, q, mu_q8, lgy, 4 * zh, 4 * zw, threads, v, ca, ch, ct))
            goto done;
        for (int c = c0; c < c1; c++) {
            const int64_t *mu = v + (size_t)c * py_n, *ls = v + (size_t)(M + c) * py_n;
            for (size_t i = 0; i < py_n; i++) {
                /* |mu'| * gy < 2^46 (checked at load) */
                mu_q8[c * py_n + i] = (int32_t)hv_floor_div_pow2(mu[i] * gy[c] + 32768, 16);
                int64_t k = hv_floor_div(ls[i] + lgy[c] - lmin + half, step);
                idx[c * py_n + i] = (int32_t)(k < 0 ? 0 : k > m->S - 1 ? m->S - 1 : k);
            }
        }
        if (fn && (st = fn(arg, c0, c1)) != HVIC_OK) goto done;
    }
    st = HVIC_OK;
done:
    free(lgz);
    free(lgy);
    free(gy);
    free(a0);
    free(a1);
    free(a2);
    free(v);
    free(ca);
    free(ch);
    free(ct);
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

/* The tap-major doubles and, where cout % 8 == 0, the VNNI pairs of c. */
static int prepare_iconv(hvic_model *m, void *(*alloc)(hvic_model *, size_t), hv_iconv *c)
{
    const int cout = c->cout, cin = c->cin;
    const size_t count = (size_t)cout * cin * 9;
    double *wtap = alloc(m, count * sizeof(double));
    if (!wtap) return 0;
    for (int o = 0; o < cout; o++)
        for (int i = 0; i < cin; i++)
            for (int t = 0; t < 9; t++)
                wtap[((size_t)t * cout + o) * cin + i] = c->w[((size_t)o * cin + i) * 9 + t];
    c->wtap = wtap;
    c->wvnni = NULL;
    if (cout % 8 == 0) {
        int32_t *wv = alloc(m, (size_t)9 * cout * ((cin + 1) / 2) * sizeof(int32_t));
        if (!wv) return 0;
        hv_vnni_pack_weights(c->w, cout, cin, wv);
        c->wvnni = wv;
    }
    return 1;
}

int hv_hyper_prepare(hvic_model *m, void *(*alloc)(hvic_model *, size_t))
{
    for (int i = 0; i < 3; i++)
        if (!prepare_iconv(m, alloc, &m->h_s[i])) return 0;
    for (int s = 1; s < m->ctx_slices; s++)
        for (int i = 0; i < 3; i++)
            if (!prepare_iconv(m, alloc, &m->ctx[s].l[i])) return 0;
    return 1;
}
