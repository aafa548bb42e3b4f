/* Model file loader and verifier (spec/model-format.md, versions 1 and 2).
 *
 * Everything read from the file is bounds-checked before use; anything
 * damaged, foreign or outside the ranges below is HVIC_ERR_MODEL. The loader
 * also checks that the integer hyper path (spec §3.2-3.3) cannot overflow
 * int64 for any decoded input (see check_hyper_bounds), so hyper.c needs no
 * run-time overflow checks. */
#define _POSIX_C_SOURCE 200809L
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>
#include <zstd.h>

#include "conv_det.h"
#include "conv_gs.h"
#include "hyper.h"
#include "mem.h"

#define MAX_TENSORS 4096


enum { DT_F32 = 0, DT_F16 = 1, DT_I32 = 2, DT_I16 = 3, DT_U8 = 4 };
static const unsigned dtype_size[5] = {4, 2, 4, 2, 1};

typedef struct tensor {
    char name[256];
    unsigned dtype, ndim;
    uint32_t dims[4];
    uint64_t count;
    const uint8_t *data;
} tensor;

typedef struct parser {
    tensor *t;
    size_t n;
    hvic_model *m;
} parser;

/* ---------------------------------------------------------------- helpers */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

float hv_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ffu, bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { /* subnormal: normalise; value = mant * 2^-24 */
            uint32_t e = 127 - 15 + 1;
            while (!(mant & 0x400u)) {
                mant <<= 1;
                e--;
            }
            bits = sign | e << 23 | (mant & 0x3ffu) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0xffu << 23 | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static void *model_alloc(hvic_model *m, size_t bytes)
{
    if (m->nblocks == m->cap_blocks) {
        size_t cap = m->cap_blocks ? 2 * m->cap_blocks : 64;
        void **nb = realloc(m->blocks, cap * sizeof *nb);
        if (!nb) return NULL;
        m->blocks = nb;
        m->cap_blocks = cap;
    }
    void *p = hv_aligned_alloc(bytes ? bytes : 1);
    if (p) m->blocks[m->nblocks++] = p;
    return p;
}

void hvic_model_free(hvic_model *m)
{
    if (!m) return;
    hv_cdf_table_free(&m->y_cdfs);
    if (m->z_cdfs) {
        for (int c = 0; c < m->N; c++) hv_cdf_free(&m->z_cdfs[c]);
        free(m->z_cdfs);
    }
    for (size_t i = 0; i < m->nblocks; i++) hv_aligned_free(m->blocks[i]);
    free(m->blocks);
    free(m->payload);
    pthread_mutex_destroy(&m->prep_lock);
    free(m);
}

static const tensor *find(const parser *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->t[i].name, name) == 0) return &ps->t[i];
    return NULL;
}

/* The tensor `name` with exactly the shape d[0..ndim). */
static const tensor *get(const parser *ps, const char *name, unsigned ndim, const uint32_t *d)
{
    const tensor *t = find(ps, name);
    if (!t || t->ndim != ndim) return NULL;
    for (unsigned i = 0; i < ndim; i++)
        if (t->dims[i] != d[i]) return NULL;
    return t;
}

/* 1 when none of the n little-endian f16 values at p is infinite or NaN. */
static int f16_finite(const uint8_t *p, uint64_t n)
{
    uint32_t bad = 0;
    for (uint64_t i = 0; i < n; i++) bad |= (p[2 * i + 1] & 0x7c) == 0x7c;
    return !bad;
}

/* out[i] = the n little-endian f16 values at p, all finite. */
static void f16_to_f32_n(const uint8_t *p, uint64_t n, float *out)
{
    /* normal numbers in a loop the compiler vectorises: rebias the exponent
     * (15 -> 127), widen the mantissa; zeros and subnormals after */
    uint32_t odd = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint32_t h = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        const uint32_t b = (h & 0x8000u) << 16 | (((h & 0x7fffu) << 13) + 0x38000000u);
        odd |= (h & 0x7c00u) == 0;
        memcpy(out + i, &b, sizeof b);
    }
    for (uint64_t i = 0; odd && i < n; i++)
        if ((p[2 * i + 1] & 0x7c) == 0) out[i] = hv_f16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
}

/* Float tensor (f32 or f16), converted to a new f32 array; all finite. */
static float *get_f32(parser *ps, const char *name, unsigned ndim, const uint32_t *d)
{
    const tensor *t = get(ps, name, ndim, d);
    if (!t || (t->dtype != DT_F32 && t->dtype != DT_F16)) return NULL;
    if (t->dtype == DT_F16 && !f16_finite(t->data, t->count)) return NULL;
    float *out = model_alloc(ps->m, t->count * sizeof(float));
    if (!out) return NULL;
    if (t->dtype == DT_F16) {
        f16_to_f32_n(t->data, t->count, out);
        return out;
    }
    for (uint64_t i = 0; i < t->count; i++) {
        float v;
        uint32_t b = rd32(t->data + 4 * i);
        memcpy(&v, &b, sizeof v);
        if (!isfinite(v)) return NULL;
        out[i] = v;
    }
    return out;
}

static int32_t *get_i32(parser *ps, const char *name, unsigned ndim, const uint32_t *d)
{
    const tensor *t = get(ps, name, ndim, d);
    if (!t || t->dtype != DT_I32) return NULL;
    int32_t *out = model_alloc(ps->m, t->count * sizeof(int32_t));
    if (!out) return NULL;
    for (uint64_t i = 0; i < t->count; i++) out[i] = (int32_t)rd32(t->data + 4 * i);
    return out;
}

static int get_scalar_i32(parser *ps, const char *name, int32_t *v)
{
    const uint32_t one[1] = {1};
    int32_t *p = get_i32(ps, name, 1, one);
    if (!p) return 0;
    *v = p[0];
    return 1;
}

/* ---------------------------------------------------------------- payload */

static hvic_status parse_tensors(const uint8_t *p, size_t size, parser *ps)
{
    if (size < 4) return HVIC_ERR_MODEL;
    uint32_t count = rd32(p);
    if (count == 0 || count > MAX_TENSORS) return HVIC_ERR_MODEL;
    ps->t = calloc(count, sizeof *ps->t);
    if (!ps->t) return HVIC_ERR_NOMEM;
    size_t off = 4;
    for (uint32_t i = 0; i < count; i++) {
        tensor *t = &ps->t[i];
        if (size - off < 1) return HVIC_ERR_MODEL;
        size_t nlen = p[off++];
        if (nlen == 0 || size - off < nlen + 2) return HVIC_ERR_MODEL;
        for (size_t j = 0; j < nlen; j++) {
            uint8_t c = p[off + j];
            if (c < 0x21 || c > 0x7e) return HVIC_ERR_MODEL;
            t->name[j] = (char)c;
        }
        t->name[nlen] = 0;
        off += nlen;
        t->dtype = p[off++];
        t->ndim = p[off++];
        if (t->dtype > DT_U8 || t->ndim > 4) return HVIC_ERR_MODEL;
        if (size - off < 4u * t->ndim) return HVIC_ERR_MODEL;
        uint64_t cnt = 1;
        for (unsigned d = 0; d < t->ndim; d++) {
            t->dims[d] = rd32(p + off + 4 * d);
            /* cnt <= size, dims < 2^32: the product cannot overflow 2^64 */
            cnt *= t->dims[d];
            if (cnt > size) return HVIC_ERR_MODEL;
        }
        off += 4u * t->ndim;
        uint64_t bytes = cnt * dtype_size[t->dtype];
        if (bytes > size - off) return HVIC_ERR_MODEL;
        t->count = cnt;
        t->data = p + off;
        off += (size_t)bytes;
        if (find(ps, t->name)) return HVIC_ERR_MODEL; /* duplicate name */
        ps->n = i + 1;
    }
    if (off != size) return HVIC_ERR_MODEL; /* trailing bytes */
    return HVIC_OK;
}

/* ---------------------------------------------------------------- layers */

static int load_conv(parser *ps, const char *name, int cout, int cin, int k, int stride,
                     hv_conv *c)
{
    char nm[64];
    uint32_t wd[4] = {(uint32_t)cout, (uint32_t)cin, (uint32_t)k, (uint32_t)k};
    uint32_t bd[1] = {(uint32_t)cout};
    snprintf(nm, sizeof nm, "%s.weight", name);
    const tensor *wt = get(ps, nm, 4, wd);
    c->w16 = NULL;
    c->w = NULL;
    if (wt && wt->dtype == DT_F16) { /* converted on first use (conv_f32) */
        if (!f16_finite(wt->data, wt->count)) return 0;
        c->w16 = wt->data;
    } else if (!(c->w = get_f32(ps, nm, 4, wd))) {
        return 0;
    }
    snprintf(nm, sizeof nm, "%s.bias", name);
    float *b = get_f32(ps, nm, 1, bd);
    if (!b) return 0;
    c->cout = cout;
    c->cin = cin;
    c->k = k;
    c->stride = stride;
    c->b = b;
    return 1;
}

/* c->w from its f16 weights in the payload, unless made already. */
static int conv_f32(hvic_model *m, hv_conv *c)
{
    if (c->w) return 1;
    const uint64_t n = (uint64_t)c->cout * c->cin * c->k * c->k;
    float *w = model_alloc(m, n * sizeof *w);
    if (!w) return 0;
    f16_to_f32_n(c->w16, n, w);
    c->w = w;
    return 1;
}

static int load_gdn(parser *ps, const char *name, int ch, hv_gdn *g)
{
    char nm[64];
    uint32_t bd[1] = {(uint32_t)ch}, gd[2] = {(uint32_t)ch, (uint32_t)ch};
    snprintf(nm, sizeof nm, "%s.beta", name);
    float *beta = get_f32(ps, nm, 1, bd);
    snprintf(nm, sizeof nm, "%s.gamma", name);
    float *gamma = get_f32(ps, nm, 2, gd);
    if (!beta || !gamma) return 0;
    /* beta > 0 and gamma >= 0 keep the norm positive: no 0/0 or sqrt(<0). */
    for (int i = 0; i < ch; i++)
        if (!(beta[i] > 0.0f)) return 0;
    for (size_t i = 0; i < (size_t)ch * ch; i++)
        if (!(gamma[i] >= 0.0f)) return 0;
    g->c = ch;
    hv_conv *c = &g->conv;
    c->cout = c->cin = ch;
    c->k = c->stride = 1;
    c->w = gamma;
    c->b = beta;
    return 1;
}

static int load_iconv(parser *ps, const char *name, int cout, int cin, hv_iconv *c)
{
    char nm[64];
    uint32_t wd[4] = {(uint32_t)cout, (uint32_t)cin, 3, 3}, bd[1] = {(uint32_t)cout}, one[1] = {1};
    snprintf(nm, sizeof nm, "%s.weight", name);
    const tensor *wt = get(ps, nm, 4, wd);
    if (!wt || wt->dtype != DT_I16) return 0;
    snprintf(nm, sizeof nm, "%s.bias", name);
    int32_t *bias = get_i32(ps, nm, 1, bd);
    snprintf(nm, sizeof nm, "%s.mult", name);
    int32_t *mult = get_i32(ps, nm, 1, bd);
    snprintf(nm, sizeof nm, "%s.shift", name);
    int32_t *shift = get_i32(ps, nm, 1, one);
    int16_t *w = model_alloc(ps->m, wt->count * sizeof(int16_t));
    if (!bias || !mult || !shift || !w) return 0;
    if (shift[0] < 1 || shift[0] > 62) return 0;
    for (uint64_t i = 0; i < wt->count; i++) {
        w[i] = (int16_t)(wt->data[2 * i] | wt->data[2 * i + 1] << 8);
        if (w[i] < -127 || w[i] > 127) return 0;
    }
    for (int o = 0; o < cout; o++)
        if (mult[o] <= 0) return 0;
    c->cout = cout;
    c->cin = cin;
    c->w = w;
    c->bias = bias;
    c->mult = mult;
    c->shift = shift[0];
    return 1;
}

/* Bound on |v[o]| of an integer layer whose inputs satisfy |a| <= A:
 * |acc| <= |bias| + sum|w|*A (< 2^31, the exporter's guarantee, checked),
 * |v| <= (|acc|*mult + 2^(s-1)) / 2^s + 1. Returns 0 if the guarantee fails. */
static int layer_bounds(const hv_iconv *c, int64_t A, int64_t *vmax)
{
    size_t K = (size_t)c->cin * 9;
    for (int o = 0; o < c->cout; o++) {
        const int16_t *w = c->w + (size_t)o * K;
        int32_t sw = 0; /* |w| <= 127 (load_iconv), K <= 9 * 1024: no overflow */
        for (size_t k = 0; k < K; k++) sw += w[k] < 0 ? -w[k] : w[k];
        /* A <= 32767: sw * A < 2^41 */
        int64_t acc = (c->bias[o] < 0 ? -(int64_t)c->bias[o] : c->bias[o]) + (int64_t)sw * A;
        if (acc >= ((int64_t)1 << 31)) return 0;
        /* acc < 2^31, mult < 2^31: product < 2^62 fits int64 */
        int64_t v = (acc * c->mult[o] + ((int64_t)1 << (c->shift - 1))) >> c->shift;
        if (vmax) vmax[o] = v + 1;
    }
    return 1;
}

/* The optional reconstruction offsets y.recon i16 [L][S][K] (spec §3.5):
 * 1 <= K <= HVIC_RECON_K_MAX, every entry in -128..128. Absent: m->recon
 * stays NULL. 0 when present but malformed. */
static int load_recon(parser *ps)
{
    hvic_model *m = ps->m;
    const tensor *t = find(ps, "y.recon");
    if (!t) return 1;
    if (t->dtype != DT_I16 || t->ndim != 3 || t->dims[0] != (uint32_t)m->L ||
        t->dims[1] != (uint32_t)m->S || t->dims[2] < 1 || t->dims[2] > HVIC_RECON_K_MAX)
        return 0;
    int16_t *r = model_alloc(m, t->count * sizeof(int16_t));
    if (!r) return 0;
    for (uint64_t i = 0; i < t->count; i++) {
        r[i] = (int16_t)(t->data[2 * i] | t->data[2 * i + 1] << 8);
        if (r[i] < -128 || r[i] > 128) return 0;
    }
    m->recon = r;
    m->recon_k = (int)t->dims[2];
    return 1;
}

/* The channel context of a version-2 file (spec §3.6): ctx.slices i32[G]
 * (2 <= G <= HV_CTX_MAX_SLICES, positive multiples of 8 summing to M) and
 * per slice s >= 1 ctx.s.in_log2 and the layers ctx.s.0 (c0 + 2K -> H),
 * ctx.s.2 (H -> H), ctx.s.4 (H -> 2K), K the slice's channels, c0 its first
 * channel, H from ctx.1.0.weight (8 .. 1024). A version-1 file has one slice. */
static int load_ctx(parser *ps)
{
    hvic_model *m = ps->m;
    m->ctx_slices = 1;
    m->ctx_c0[0] = 0;
    m->ctx_c0[1] = m->M;
    if (m->version == 1) return !find(ps, "ctx.slices");
    const tensor *t = find(ps, "ctx.slices");
    if (!t || t->ndim != 1 || t->dims[0] < 2 || t->dims[0] > HV_CTX_MAX_SLICES) return 0;
    const int G = (int)t->dims[0];
    uint32_t dG[1] = {(uint32_t)G};
    int32_t *k = get_i32(ps, "ctx.slices", 1, dG);
    if (!k) return 0;
    int c = 0;
    for (int s = 0; s < G; s++) {
        if (k[s] < 8 || k[s] % 8 || k[s] > m->M - c) return 0;
        m->ctx_c0[s] = c;
        c += k[s];
    }
    if (c != m->M) return 0;
    m->ctx_c0[G] = c;
    m->ctx_slices = G;
    const tensor *w0 = find(ps, "ctx.1.0.weight");
    if (!w0 || w0->ndim != 4 || w0->dims[0] < 8 || w0->dims[0] > 1024) return 0;
    const int H = (int)w0->dims[0];
    for (int s = 1; s < G; s++) {
        char nm[32];
        const int K = k[s], cin = m->ctx_c0[s] + 2 * K;
        hv_ctx_net *n = &m->ctx[s];
        snprintf(nm, sizeof nm, "ctx.%d.in_log2", s);
        if (!get_scalar_i32(ps, nm, &n->in_log2)) return 0;
        if (n->in_log2 < -24 * 65536 || n->in_log2 > 24 * 65536) return 0;
        const int cins[3] = {cin, H, H}, couts[3] = {H, H, 2 * K};
        for (int i = 0; i < 3; i++) {
            snprintf(nm, sizeof nm, "ctx.%d.%d", s, 2 * i);
            if (!load_iconv(ps, nm, couts[i], cins[i], &n->l[i])) return 0;
        }
    }
    return 1;
}

/* Checks that keep every step of spec §3.2-3.3 inside int64 (and the means
 * inside int32), whatever the decoded hyper-latent values are. */
static hvic_status check_hyper_bounds(hvic_model *m)
{
    const int32_t *tab = m->exp2_table;
    for (int i = 0; i < HVIC_EXP2_TABLE_SIZE; i++) {
        double ref = nearbyint(exp2(i / 1024.0) * 1073741824.0);
        if (tab[i] < (1 << 30) || (i > 0 && tab[i] < tab[i - 1]) || fabs(tab[i] - ref) > 1.0)
            return HVIC_ERR_MODEL;
    }
    size_t ny = (size_t)m->L * m->M, nz = (size_t)m->L * m->N;
    for (size_t i = 0; i < ny; i++)
        if (m->gain_y_log2[i] < HVIC_LOG2_GAIN_MIN || m->gain_y_log2[i] > HVIC_LOG2_GAIN_MAX)
            return HVIC_ERR_MODEL;
    for (size_t i = 0; i < nz; i++)
        if (m->gain_z_log2[i] < HVIC_LOG2_GAIN_MIN || m->gain_z_log2[i] > HVIC_LOG2_GAIN_MAX)
            return HVIC_ERR_MODEL;
    /* exp2_q16 arguments: in_log2 - lgz and lgy, all within +-2^16 * 40 */
    if (m->hs_in_log2 < -24 * 65536 || m->hs_in_log2 > 24 * 65536) return HVIC_ERR_MODEL;
    if (m->hs_act_max < 1 || m->hs_act_max > 32767) return HVIC_ERR_MODEL;
    if (m->log2_step <= 0 || m->log2_step > (1 << 24)) return HVIC_ERR_MODEL;
    if (m->log2_min < -(1 << 24) || m->log2_min > (1 << 24)) return HVIC_ERR_MODEL;

    int64_t A = m->hs_act_max;
    int64_t *vmax = malloc((size_t)m->h_s[2].cout * sizeof *vmax);
    if (!vmax) return HVIC_ERR_NOMEM;
    hvic_status st = HVIC_OK;
    int64_t *dmax = malloc((size_t)2 * m->M * sizeof *dmax);
    if (!dmax) {
        free(vmax);
        return HVIC_ERR_NOMEM;
    }
    int ok = layer_bounds(&m->h_s[0], A, NULL) && layer_bounds(&m->h_s[1], A, NULL) &&
             layer_bounds(&m->h_s[2], A, vmax);
    /* a context network adds its output to h_s's parameters of its slice */
    for (int s = 1; ok && s < m->ctx_slices; s++) {
        const hv_ctx_net *n = &m->ctx[s];
        const int c0 = m->ctx_c0[s], K = m->ctx_c0[s + 1] - c0;
        ok = layer_bounds(&n->l[0], A, NULL) && layer_bounds(&n->l[1], A, NULL) &&
             layer_bounds(&n->l[2], A, dmax);
        for (int i = 0; ok && i < K; i++) {
            vmax[c0 + i] += dmax[i];
            vmax[m->M + c0 + i] += dmax[K + i];
        }
    }
    free(dmax);
    if (!ok) {
        st = HVIC_ERR_MODEL;
    } else {
        /* mu_q8 = floor_div(mu' * gy_q16 + 2^15, 2^16) must fit in int32 with
         * room: |mu'| * max gain < 2^46. */
        for (int c = 0; c < m->M && st == HVIC_OK; c++) {
            int32_t gmax = m->gain_y_log2[c];
            for (int l = 1; l < m->L; l++)
                if (m->gain_y_log2[(size_t)l * m->M + c] > gmax) gmax = m->gain_y_log2[(size_t)l * m->M + c];
            int64_t g = hv_exp2_q16(gmax, tab); /* <= 2^32 */
            unsigned __int128 prod = (unsigned __int128)vmax[c] * (uint64_t)g;
            if (prod >= ((unsigned __int128)1 << 46)) st = HVIC_ERR_MODEL;
        }
    }
    free(vmax);
    return st;
}

/* ---------------------------------------------------------------- model */

static int valid_id_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

static hvic_status build_model(parser *ps)
{
    hvic_model *m = ps->m;
    const uint32_t d4[1] = {4};
    int32_t *arch = get_i32(ps, "arch", 1, d4);
    if (!arch) return HVIC_ERR_MODEL;
    int N = arch[0], M = arch[1], L = arch[2], S = arch[3];
    if (N < 16 || N > 1024 || M < 16 || M > 1024 || (M & 1) || L < 2 || L > 64 || S < 2 ||
        S > 256)
        return HVIC_ERR_MODEL;
    m->N = N;
    m->M = M;
    m->L = L;
    m->S = S;

    const tensor *id = find(ps, "model.id");
    if (!id || id->dtype != DT_U8 || id->ndim != 1 || id->count < 1 ||
        id->count > HVIC_MODEL_ID_MAX)
        return HVIC_ERR_MODEL;
    for (uint64_t i = 0; i < id->count; i++) {
        if (!valid_id_char(id->data[i])) return HVIC_ERR_MODEL;
        m->id[i] = (char)id->data[i];
    }
    m->id[id->count] = 0;

    uint32_t dL[1] = {(uint32_t)L}, dS[1] = {(uint32_t)S}, dN[1] = {(uint32_t)N};
    uint32_t dLM[2] = {(uint32_t)L, (uint32_t)M}, dLN[2] = {(uint32_t)L, (uint32_t)N};
    uint32_t dT[1] = {HVIC_EXP2_TABLE_SIZE};
    float *betas = get_f32(ps, "betas", 1, dL);
    m->gain_y_log2 = get_i32(ps, "gain_y.log2", 2, dLM);
    m->gain_z_log2 = get_i32(ps, "gain_z.log2", 2, dLN);
    m->exp2_table = get_i32(ps, "exp2.table", 1, dT);
    float *sigma = get_f32(ps, "scales.sigma", 1, dS);
    int32_t *zoff = get_i32(ps, "z.offset", 1, dN);
    int32_t *zsize = get_i32(ps, "z.size", 1, dN);
    if (!betas || !m->gain_y_log2 || !m->gain_z_log2 || !m->exp2_table || !sigma || !zoff ||
        !zsize)
        return HVIC_ERR_MODEL;
    if (!get_scalar_i32(ps, "scales.log2_min", &m->log2_min) ||
        !get_scalar_i32(ps, "scales.log2_step", &m->log2_step) ||
        !get_scalar_i32(ps, "h_s.in_log2", &m->hs_in_log2) ||
        !get_scalar_i32(ps, "h_s.act_max", &m->hs_act_max))
        return HVIC_ERR_MODEL;
    for (int l = 0; l < L; l++)
        if (!(betas[l] > 0.0f) || (l > 0 && !(betas[l] < betas[l - 1]))) return HVIC_ERR_MODEL;
    for (int s = 0; s < S; s++)
        if (!(sigma[s] > 0.0f) || (s > 0 && !(sigma[s] > sigma[s - 1]))) return HVIC_ERR_MODEL;
    m->betas = betas;
    m->sigma = sigma;

    uint64_t total = 0;
    for (int c = 0; c < N; c++) {
        if (zsize[c] < 1 || (uint32_t)zsize[c] > HVIC_CDF_MAX_NSYM - 1) return HVIC_ERR_MODEL;
        if (zoff[c] < -(1 << 24) || zoff[c] > (1 << 24)) return HVIC_ERR_MODEL;
        total += (uint32_t)zsize[c];
    }
    uint32_t dF[1] = {(uint32_t)total};
    int32_t *zfreq = get_i32(ps, "z.freq", 1, dF);
    if (!zfreq) return HVIC_ERR_MODEL;
    for (uint64_t i = 0; i < total; i++)
        if (zfreq[i] < 0) return HVIC_ERR_MODEL;
    m->z_offset = zoff;
    m->z_size = zsize;
    m->z_freq = zfreq;

    /* float transforms */
    int ok = load_conv(ps, "g_a.0", N, 3, 5, 2, &m->g_a[0]) &&
             load_conv(ps, "g_a.2", N, N, 5, 2, &m->g_a[1]) &&
             load_conv(ps, "g_a.4", N, N, 5, 2, &m->g_a[2]) &&
             load_conv(ps, "g_a.6", M, N, 5, 2, &m->g_a[3]) &&
             load_gdn(ps, "g_a.1", N, &m->g_a_gdn[0]) &&
             load_gdn(ps, "g_a.3", N, &m->g_a_gdn[1]) &&
             load_gdn(ps, "g_a.5", N, &m->g_a_gdn[2]) &&
             load_conv(ps, "h_a.0", N, M, 3, 1, &m->h_a[0]) &&
             load_conv(ps, "h_a.2", N, N, 5, 2, &m->h_a[1]) &&
             load_conv(ps, "h_a.4", N, N, 5, 2, &m->h_a[2]) &&
             load_conv(ps, "g_s.0", 4 * N, M, 3, 1, &m->g_s[0]) &&
             load_conv(ps, "g_s.2", 4 * N, N, 3, 1, &m->g_s[1]) &&
             load_conv(ps, "g_s.4", 4 * N, N, 3, 1, &m->g_s[2]) &&
             load_conv(ps, "g_s.6", 12, N, 3, 1, &m->g_s[3]) &&
             load_gdn(ps, "g_s.1", N, &m->g_s_igdn[0]) &&
             load_gdn(ps, "g_s.3", N, &m->g_s_igdn[1]) &&
             load_gdn(ps, "g_s.5", N, &m->g_s_igdn[2]) &&
             load_iconv(ps, "h_s.0", 4 * N, N, &m->h_s[0]) &&
             load_iconv(ps, "h_s.2", 4 * (3 * M / 2), N, &m->h_s[1]) &&
             load_iconv(ps, "h_s.4", 2 * M, 3 * M / 2, &m->h_s[2]);
    if (!ok) return HVIC_ERR_MODEL; /* (an allocation failure is reported as MODEL too) */

    if (!load_recon(ps) || !load_ctx(ps)) return HVIC_ERR_MODEL;

    hvic_status st = check_hyper_bounds(m);
    if (st != HVIC_OK) return st;
    hv_kernels_choose(m); /* their layouts come on first use (hv_model_prepare) */

    /* entropy models */
    if (hv_cdf_table_gaussian(sigma, (uint32_t)S, &m->y_cdfs) != HVIC_OK) return HVIC_ERR_MODEL;
    m->z_cdfs = calloc((size_t)N, sizeof *m->z_cdfs);
    if (!m->z_cdfs) return HVIC_ERR_NOMEM;
    uint32_t *fr = malloc(HVIC_CDF_MAX_NSYM * sizeof *fr);
    if (!fr) return HVIC_ERR_NOMEM;
    size_t start = 0;
    for (int c = 0; c < N && st == HVIC_OK; c++) {
        for (int i = 0; i < zsize[c]; i++) fr[i] = (uint32_t)zfreq[start + i];
        if (hv_cdf_from_freqs(zoff[c], fr, (uint32_t)zsize[c], &m->z_cdfs[c]) != HVIC_OK)
            st = HVIC_ERR_MODEL; /* e.g. all counts zero */
        start += (size_t)zsize[c];
    }
    free(fr);
    return st;
}

hvic_status hv_model_prepare(const hvic_model *cm, unsigned what)
{
    /* the layouts are a cache: the model's meaning never changes */
    hvic_model *m = (hvic_model *)cm;
    if ((atomic_load_explicit(&m->prepared, memory_order_acquire) & what) == what) return HVIC_OK;
    pthread_mutex_lock(&m->prep_lock);
    const unsigned have = atomic_load_explicit(&m->prepared, memory_order_relaxed);
    const unsigned need = what & ~have;
    int ok = 1;
    if (need & HV_PREP_ANALYSIS)
        for (int i = 0; i < 4 && ok; i++) ok = conv_f32(m, &m->g_a[i]) && (i == 3 || conv_f32(m, &m->h_a[i]));
    if (need & (HV_PREP_GS_FLOAT | HV_PREP_GS_BF16))
        for (int i = 0; i < 4 && ok; i++) ok = conv_f32(m, &m->g_s[i]);
    ok = ok && (!(need & HV_PREP_ANALYSIS) || hv_analysis_prepare(m, model_alloc)) &&
             (!(need & HV_PREP_HS_DGEMM) || hv_hyper_prepare(m, model_alloc, 1)) &&
             (!(need & HV_PREP_HS_PAIRS) || hv_hyper_prepare(m, model_alloc, 0)) &&
             (!(need & HV_PREP_GS_FLOAT) || hv_synthesis_prepare(m, model_alloc, 0)) &&
             (!(need & HV_PREP_GS_BF16) || hv_synthesis_prepare(m, model_alloc, 1));
    /* a failed step leaves what it made in m->blocks, and a retry redoes it */
    if (ok) atomic_store_explicit(&m->prepared, have | need, memory_order_release);
    pthread_mutex_unlock(&m->prep_lock);
    return ok ? HVIC_OK : HVIC_ERR_NOMEM;
}

hvic_status hv_model_parse(const uint8_t *data, size_t len, hvic_model **out)
{
    if (!out) return HVIC_ERR_ARG;
    *out = NULL;
    if (!data && len) return HVIC_ERR_ARG;
    if (len < 20 || memcmp(data, "HVMD", 4) != 0) return HVIC_ERR_MODEL;
    const uint32_t version = rd32(data + 4);
    if (version < 1 || version > HVIC_MODEL_VERSION) return HVIC_ERR_BAD_VERSION;
    uint64_t size = rd64(data + 8);
    uint32_t crc = rd32(data + 16);
    if (size < 4 || size > HVIC_MODEL_MAX_PAYLOAD) return HVIC_ERR_MODEL;
    const uint8_t *frame = data + 20;
    size_t flen = len - 20;
    unsigned long long csize = ZSTD_getFrameContentSize(frame, flen);
    if (csize != size) return HVIC_ERR_MODEL; /* also UNKNOWN / ERROR */
    size_t fsize = ZSTD_findFrameCompressedSize(frame, flen);
    if (ZSTD_isError(fsize) || fsize != flen) return HVIC_ERR_MODEL; /* one frame, nothing after */

    uint8_t *payload = malloc((size_t)size);
    if (!payload) return HVIC_ERR_NOMEM;
    hvic_status st = HVIC_OK;
    size_t got = ZSTD_decompress(payload, (size_t)size, frame, flen);
    if (ZSTD_isError(got) || got != size || hvic_crc32(0, payload, (size_t)size) != crc) {
        free(payload);
        return HVIC_ERR_MODEL;
    }

    parser ps = {0};
    ps.m = calloc(1, sizeof *ps.m);
    if (!ps.m) {
        free(payload);
        return HVIC_ERR_NOMEM;
    }
    ps.m->payload = payload; /* freed with the model */
    ps.m->version = (int)version;
    pthread_mutex_init(&ps.m->prep_lock, NULL);
    atomic_init(&ps.m->prepared, 0u);
    st = parse_tensors(payload, (size_t)size, &ps);
    if (st == HVIC_OK) st = build_model(&ps);
    if (st == HVIC_OK) ps.m->digest = hvic_crc32(0, data, len);
    free(ps.t);
    if (st != HVIC_OK) {
        hvic_model_free(ps.m);
        return st;
    }
    *out = ps.m;
    return HVIC_OK;
}

/* Largest model file read (the payload bound plus zstd's worst-case framing). */
#define MAX_MODEL_FILE ((size_t)HVIC_MODEL_MAX_PAYLOAD + (HVIC_MODEL_MAX_PAYLOAD >> 7) + 4096)

hvic_status hvic_model_load_memory(const uint8_t *data, size_t len, hvic_model **out)
{
    if (!out) return HVIC_ERR_ARG;
    *out = NULL;
    if (!data) return HVIC_ERR_ARG;
    return len > MAX_MODEL_FILE ? HVIC_ERR_MODEL : hv_model_parse(data, len, out);
}

hvic_status hvic_model_load(const char *path, hvic_model **out)
{
    if (!path || !out) return HVIC_ERR_ARG;
    *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    hvic_status st = hvic_file_read(path, &buf, &len);
    if (st == HVIC_ERR_TOO_LARGE) return HVIC_ERR_MODEL;
    if (st != HVIC_OK) return st;
    st = len > MAX_MODEL_FILE ? HVIC_ERR_MODEL : hv_model_parse(buf, len, out);
    hvic_free(buf);
    return st;
}

#ifndef HVIC_MODEL_INSTALL_PATH
#define HVIC_MODEL_INSTALL_PATH ""
#endif
#ifndef HVIC_MODEL_SOURCE_PATH
#define HVIC_MODEL_SOURCE_PATH ""
#endif

hvic_status hvic_model_load_default(hvic_model **out)
{
    if (!out) return HVIC_ERR_ARG;
    *out = NULL;
    const char *paths[2] = {HVIC_MODEL_INSTALL_PATH, HVIC_MODEL_SOURCE_PATH};
    for (int i = 0; i < 2; i++)
        if (paths[i][0] && access(paths[i], R_OK) == 0) return hvic_model_load(paths[i], out);
    return HVIC_ERR_IO;
}

const char *hvic_model_default_path(void)
{
    const char *paths[2] = {HVIC_MODEL_INSTALL_PATH, HVIC_MODEL_SOURCE_PATH};
    for (int i = 0; i < 2; i++)
        if (paths[i][0] && access(paths[i], R_OK) == 0) return paths[i];
    return NULL;
}

const char *hvic_model_id(const hvic_model *m) { return m ? m->id : NULL; }
uint32_t hvic_model_digest(const hvic_model *m) { return m ? m->digest : 0; }
int hvic_model_levels(const hvic_model *m) { return m ? m->L : 0; }
float hvic_model_beta(const hvic_model *m, int level)
{
    return m && level >= 0 && level < m->L ? m->betas[level] : 0.0f;
}
