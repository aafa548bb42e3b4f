/* Pixel coder (pixel.h): one function codes a stripe in both directions so
 * that encoder and decoder cannot drift apart. Follows spec/pixel.md. */
#include "pixel.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "rans.h"

enum {
    NSYM = 64,   /* symbols per distribution: zig-zagged q 0..62, ESCAPE */
    NACT = 8,    /* activity classes */
    NSEC = 5,    /* classes of the neighbouring errors */
    HEAD = 2,    /* payload bytes before the stripes: max_error, variant */
};

/* One adaptive distribution: c is an hv_cdf table (c[0] = 0, c[NSYM] = 2^16,
 * every frequency >= 1), moved towards each coded symbol (spec/pixel.md §4). */
typedef struct {
    uint32_t c[NSYM + 1];
    uint32_t count;
} amodel;

typedef struct {
    amodel m[3][NACT][NSEC];
    uint32_t acc[2][NACT][2]; /* R, B: summed |error| without / with the G correction */
    uint16_t lg[256];         /* encoder's size bound: >= 256 log2(f) for f of mantissa i */
} pstate;

/* An encoder's size limit, shared by its stripes: the summed lower bound of
 * their symbols' costs, in 1/256 bit (an estimate, used only to stop early). */
typedef struct {
    _Atomic uint64_t used;
    uint64_t limit;
} budget;

static void state_init(pstate *s)
{
    /* initial frequencies proportional to 2^20 / (j + 2)^2 (spec/pixel.md §4) */
    uint64_t w[NSYM + 1];
    w[0] = 0;
    for (int j = 0; j < NSYM; j++) w[j + 1] = w[j] + (1u << 20) / (uint32_t)((j + 2) * (j + 2));
    amodel a;
    for (int i = 0; i <= NSYM; i++)
        a.c[i] = (uint32_t)i + (uint32_t)(((uint64_t)(HVIC_CDF_TOTAL - NSYM) * w[i]) / w[NSYM]);
    a.count = 0;
    for (int ch = 0; ch < 3; ch++)
        for (int k = 0; k < NACT; k++)
            for (int j = 0; j < NSEC; j++) s->m[ch][k][j] = a;
    memset(s->acc, 0, sizeof s->acc);
    for (int i = 0; i < 256; i++) s->lg[i] = (uint16_t)ceil(256.0 * log2(1.0 + (i + 1) / 256.0));
}

/* A lower bound, in 1/256 bit, of the cost 16 - log2 f of coding a symbol
 * of frequency f (1..65536 of 2^16). */
static uint32_t cost_lb(const pstate *s, uint32_t f)
{
    const int e = 31 - __builtin_clz(f); /* 2^e <= f < 2^(e+1) */
    const uint32_t frac = e >= 8 ? (f >> (e - 8)) & 255 : (f << (8 - e)) & 255;
    const uint32_t lg = ((uint32_t)e << 8) + s->lg[frac]; /* >= 256 log2 f */
    return lg < (16u << 8) ? (16u << 8) - lg : 0;
}

static void model_update(amodel *a, unsigned sym)
{
    const unsigned r = 4 + (a->count >= 16) + (a->count >= 64) + (a->count >= 256);
    if (a->count < 256) a->count++;
    for (unsigned i = 1; i < NSYM; i++) {
        uint32_t up = (HVIC_CDF_TOTAL - a->c[i] - (NSYM - i)) >> r; /* (T - e_i) >> r */
        uint32_t down = (a->c[i] - i) >> r;                         /* e_i >> r */
        a->c[i] = i > sym ? a->c[i] + up : a->c[i] - down;
    }
}

static int med(int a, int b, int c)
{
    int mx = a > b ? a : b, mn = a > b ? b : a;
    if (c >= mx) return mn;
    if (c <= mn) return mx;
    return a + b - c;
}

static int iabs(int v) { return v < 0 ? -v : v; }

static unsigned act_class(int act)
{
    static const int lim[NACT - 1] = {0, 2, 6, 14, 30, 62, 126};
    unsigned k = 0;
    while (k < NACT - 1 && act > lim[k]) k++;
    return k;
}

static unsigned sec_class(int v) { return v == 0 ? 0 : v == 1 ? 1 : v <= 3 ? 2 : v <= 7 ? 3 : 4; }

/* The quantiser (spec/pixel.md §2): levels v_u = round(255 u / (n - 1)),
 * u = 0 .. n-1, n - 1 = ceil(255 / (2k + 1)), so 0 and 255 are levels and
 * every sample is within k of its nearest level; idx maps a sample to it. */
typedef struct {
    int n;
    uint8_t level[256], idx[256];
} quantiser;

static void quantiser_init(quantiser *qz, unsigned k)
{
    const int steps = (255 + 2 * (int)k) / (2 * (int)k + 1);
    qz->n = steps + 1;
    for (int u = 0; u <= steps; u++) qz->level[u] = (uint8_t)((u * 255 + steps / 2) / steps);
    for (int x = 0, u = 0; x < 256; x++) {
        while (u < steps && qz->level[u + 1] - x < x - qz->level[u]) u++;
        qz->idx[x] = (uint8_t)u;
    }
}

/* Codes (enc != NULL: src -> stream) or decodes (dec: stream -> rec) the
 * rows of one stripe. rec: the stripe's rows of level indices, rstride apart
 * (the encoder's own buffer, the decoder's output before levels are put in);
 * qm: 2 rows of 3 * w magnitudes of the coded differences, scratch. */
static hvic_status code_stripe(hv_rans_encoder *enc, hv_rans_decoder *dec, const uint8_t *src,
                               size_t sstride, uint8_t *rec, size_t rstride, uint32_t w,
                               uint32_t rows, const quantiser *qz, uint8_t *qm, pstate *s,
                               budget *bud)
{
    static const int order[3] = {1, 0, 2}; /* G, then R and B */
    const int top = qz->n - 1, mid = top / 2;
    const size_t rw = 3 * (size_t)w;
    for (uint32_t y = 0; y < rows; y++) {
        uint8_t *cur = rec + y * rstride;
        const uint8_t *prev = y ? cur - rstride : NULL;
        const uint8_t *in = enc ? src + y * sstride : NULL;
        uint8_t *qc = qm + (y & 1) * rw, *qp = qm + ((y & 1) ^ 1) * rw;
        uint64_t row_cost = 0;
        for (uint32_t x = 0; x < w; x++) {
            int pred_g = 0, q_prev = 0;
            for (int ci = 0; ci < 3; ci++) {
                const int ch = order[ci];
                const size_t i = 3 * (size_t)x + ch;
                const int a = x ? cur[i - 3] : prev ? prev[i] : mid;
                const int b = prev ? prev[i] : a;
                const int c = x && prev ? prev[i - 3] : b;
                const int d = prev && x + 1 < w ? prev[i + 3] : b;
                const int p0 = med(a, b, c);
                const unsigned act = act_class(iabs(d - b) + iabs(b - c) + iabs(c - a));
                int p = p0, p1 = 0;
                unsigned sec;
                if (ci == 0) {
                    sec = sec_class((x ? qc[i - 3] : 0) + (prev ? qp[i] : 0));
                    pred_g = p0;
                } else {
                    const uint32_t *acc = s->acc[ci - 1][act];
                    p1 = p0 + cur[3 * (size_t)x + 1] - pred_g;
                    p1 = p1 < 0 ? 0 : p1 > top ? top : p1;
                    if (acc[1] < acc[0]) p = p1;
                    sec = sec_class(q_prev);
                }
                amodel *am = &s->m[ci][act][sec];
                const hv_cdf cdf = {0, NSYM, am->c};
                int u;
                hvic_status st;
                if (enc) {
                    u = qz->idx[in[i]];
                    const int q = u - p;
                    st = hv_rans_put(enc, &cdf, q >= 0 ? 2 * q : -2 * q - 1);
                } else {
                    int32_t z;
                    st = hv_rans_get(dec, &cdf, &z);
                    u = z < 0 || z > 2 * top ? -1 : p + (z & 1 ? -((z + 1) >> 1) : z >> 1);
                    if (st == HVIC_OK && (u < 0 || u > top)) st = HVIC_ERR_ENTROPY;
                }
                if (st != HVIC_OK) return st;
                const int q = u - p;
                const unsigned zs = (unsigned)(q >= 0 ? 2 * q : -2 * q - 1), sym = zs < NSYM - 1 ? zs : NSYM - 1;
                if (bud) row_cost += cost_lb(s, am->c[sym + 1] - am->c[sym]);
                model_update(am, sym);
                cur[i] = (uint8_t)u;
                if (ci) {
                    uint32_t *acc = s->acc[ci - 1][act];
                    acc[0] += (uint32_t)iabs(u - p0);
                    acc[1] += (uint32_t)iabs(u - p1);
                    if (acc[0] > 4096 || acc[1] > 4096) {
                        acc[0] >>= 1;
                        acc[1] >>= 1;
                    }
                }
                q_prev = iabs(q);
                qc[i] = (uint8_t)(q_prev < 255 ? q_prev : 255);
            }
        }
        if (bud && atomic_fetch_add(&bud->used, row_cost) + row_cost > bud->limit)
            return HVIC_ERR_TOO_LARGE; /* over the caller's size: stop */
    }
    return HVIC_OK;
}

void hv_pixel_sse(const uint8_t *rgb, uint32_t width, uint32_t height, size_t stride,
                  uint64_t sse[HV_PIXEL_MAX_ERROR + 1])
{
    uint64_t hist[256] = {0};
    for (uint32_t y = 0; y < height; y++)
        for (size_t i = 0; i < 3 * (size_t)width; i++) hist[rgb[y * stride + i]]++;
    for (unsigned k = 0; k <= HV_PIXEL_MAX_ERROR; k++) {
        quantiser qz;
        quantiser_init(&qz, k);
        sse[k] = 0;
        for (int x = 0; x < 256; x++) {
            const uint64_t d = (uint64_t)iabs(x - qz.level[qz.idx[x]]);
            sse[k] += hist[x] * d * d;
        }
    }
}

static uint32_t stripes_of(uint32_t height) { return (height + HV_PIXEL_STRIPE - 1) / HV_PIXEL_STRIPE; }

/* Rows of the stripe that starts at row y0 of an image of height rows. */
static uint32_t stripe_rows(uint32_t height, uint32_t y0)
{
    return height - y0 < HV_PIXEL_STRIPE ? height - y0 : HV_PIXEL_STRIPE;
}

/* ---------------------------------------------------------------- encoder */

typedef struct {
    const uint8_t *rgb;
    size_t stride;
    uint32_t w, h;
    unsigned k;
    budget *bud;    /* NULL: no size limit */
    uint8_t **out;  /* per stripe */
    size_t *len;
    hvic_status *st;
} enc_job;

static void encode_task(void *arg, int t)
{
    enc_job *j = arg;
    const uint32_t y0 = (uint32_t)t * HV_PIXEL_STRIPE, rows = stripe_rows(j->h, y0);
    const size_t rw = 3 * (size_t)j->w;
    uint8_t *rec = malloc(rw * rows), *qm = malloc(2 * rw);
    pstate *s = malloc(sizeof *s);
    hv_rans_encoder *enc = hv_rans_encoder_new();
    hvic_status st = rec && qm && s && enc ? HVIC_OK : HVIC_ERR_NOMEM;
    if (st == HVIC_OK) {
        quantiser qz;
        quantiser_init(&qz, j->k);
        state_init(s);
        st = code_stripe(enc, NULL, j->rgb + y0 * j->stride, j->stride, rec, rw, j->w, rows, &qz, qm, s,
                         j->bud);
    }
    if (st == HVIC_OK) st = hv_rans_finish(enc, &j->out[t], &j->len[t]);
    j->st[t] = st;
    hv_rans_encoder_free(enc);
    free(s);
    free(qm);
    free(rec);
}

hvic_status hv_pixel_encode(const uint8_t *rgb, uint32_t width, uint32_t height, size_t stride,
                            unsigned max_error, int threads, uint64_t max_bytes, uint8_t **out,
                            size_t *out_len)
{
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (!rgb || !out || !out_len || width == 0 || height == 0 || stride < 3 * (size_t)width ||
        max_error > HV_PIXEL_MAX_ERROR || threads < 1)
        return HVIC_ERR_ARG;
    if (width > HVIC_MAX_DIM || height > HVIC_MAX_DIM) return HVIC_ERR_TOO_LARGE;
    const uint32_t ns = stripes_of(height);
    uint8_t **parts = calloc(ns, sizeof *parts);
    size_t *lens = calloc(ns, sizeof *lens);
    hvic_status *sts = calloc(ns, sizeof *sts);
    hvic_status st = parts && lens && sts ? HVIC_OK : HVIC_ERR_NOMEM;
    /* in 1/256 bit, with room for what a stream's final state may hold (32 bits each) */
    const uint64_t limit = max_bytes + 4ull * ns;
    budget bud = {0, limit > UINT64_MAX / 2048 ? UINT64_MAX : limit * 2048};
    if (st == HVIC_OK) {
        enc_job j = {rgb, stride, width, height, max_error, max_bytes ? &bud : NULL, parts, lens, sts};
        hv_parallel_for((int)ns, threads, encode_task, &j);
    }
    int over = 0;
    for (uint32_t t = 0; t < ns && st == HVIC_OK; t++) over |= sts[t] == HVIC_ERR_TOO_LARGE;
    if (over) st = HVIC_ERR_TOO_LARGE; /* returned as OK with no output, below */
    size_t total = HEAD;
    for (uint32_t t = 0; t < ns && st == HVIC_OK; t++) {
        st = sts[t];
        if (st == HVIC_OK && lens[t] > UINT32_MAX) st = HVIC_ERR_TOO_LARGE;
        if (st == HVIC_OK && lens[t] + 4 > SIZE_MAX - total) st = HVIC_ERR_TOO_LARGE;
        if (st == HVIC_OK) total += 4 + lens[t];
    }
    uint8_t *buf = st == HVIC_OK ? malloc(total) : NULL;
    if (st == HVIC_OK && !buf) st = HVIC_ERR_NOMEM;
    if (st == HVIC_OK) {
        size_t pos = HEAD;
        buf[0] = (uint8_t)max_error;
        buf[1] = 0;
        for (uint32_t t = 0; t < ns; t++) {
            for (int b = 0; b < 4; b++) buf[pos + b] = (uint8_t)(lens[t] >> (8 * b));
            memcpy(buf + pos + 4, parts[t], lens[t]);
            pos += 4 + lens[t];
        }
        *out = buf;
        *out_len = total;
    }
    for (uint32_t t = 0; parts && t < ns; t++) free(parts[t]);
    free(parts);
    free(lens);
    free(sts);
    return over ? HVIC_OK : st;
}

/* ---------------------------------------------------------------- decoder */

/* Header and stripe layout (spec/pixel.md §1): *k, and per stripe the offset
 * and length of its stream (off, lens: NULL to check only). */
static hvic_status parse_payload(const uint8_t *buf, size_t len, uint32_t height, unsigned *k,
                                 size_t *off, size_t *lens)
{
    if (!buf && len) return HVIC_ERR_ARG;
    if (len < HEAD) return HVIC_ERR_TRUNCATED;
    if (buf[0] > HV_PIXEL_MAX_ERROR || buf[1] != 0) return HVIC_ERR_CORRUPT;
    *k = buf[0];
    size_t pos = HEAD;
    for (uint32_t t = 0; t < stripes_of(height); t++) {
        if (len - pos < 4) return HVIC_ERR_TRUNCATED;
        size_t n = (size_t)buf[pos] | (size_t)buf[pos + 1] << 8 | (size_t)buf[pos + 2] << 16 |
                   (size_t)buf[pos + 3] << 24;
        pos += 4;
        if (n > len - pos) return HVIC_ERR_TRUNCATED;
        if (off) off[t] = pos, lens[t] = n;
        pos += n;
    }
    return pos == len ? HVIC_OK : HVIC_ERR_CORRUPT;
}

hvic_status hv_pixel_check(const uint8_t *buf, size_t len, uint32_t height)
{
    unsigned k;
    return parse_payload(buf, len, height, &k, NULL, NULL);
}

typedef struct {
    const uint8_t *buf;
    const size_t *off;  /* per stripe: offset of its stream in buf */
    const size_t *len;  /* per stripe: its length */
    uint8_t *rgb;
    size_t stride;
    uint32_t w, h;
    unsigned k;
    hvic_status *st;
} dec_job;

static void decode_task(void *arg, int t)
{
    dec_job *j = arg;
    const uint32_t y0 = (uint32_t)t * HV_PIXEL_STRIPE, rows = stripe_rows(j->h, y0);
    uint8_t *qm = malloc(6 * (size_t)j->w);
    pstate *s = malloc(sizeof *s);
    hvic_status st = qm && s ? HVIC_OK : HVIC_ERR_NOMEM;
    hv_rans_decoder dec;
    if (st == HVIC_OK) st = hv_rans_decoder_init(&dec, j->buf + j->off[t], j->len[t]);
    quantiser qz;
    quantiser_init(&qz, j->k);
    uint8_t *out = j->rgb + y0 * j->stride;
    if (st == HVIC_OK) {
        state_init(s);
        st = code_stripe(NULL, &dec, NULL, 0, out, j->stride, j->w, rows, &qz, qm, s, NULL);
    }
    if (st == HVIC_OK) st = hv_rans_decoder_finish(&dec);
    for (uint32_t y = 0; y < rows && st == HVIC_OK; y++) /* level indices -> samples */
        for (size_t i = 0; i < 3 * (size_t)j->w; i++) out[y * j->stride + i] = qz.level[out[y * j->stride + i]];
    j->st[t] = st;
    free(s);
    free(qm);
}

hvic_status hv_pixel_decode(const uint8_t *buf, size_t len, uint32_t width, uint32_t height,
                            int threads, uint8_t *rgb, size_t stride)
{
    if (!rgb || width == 0 || height == 0 || stride < 3 * (size_t)width || threads < 1)
        return HVIC_ERR_ARG;
    const uint32_t ns = stripes_of(height);
    size_t *off = calloc(ns, sizeof *off), *lens = calloc(ns, sizeof *lens);
    hvic_status *sts = calloc(ns, sizeof *sts);
    unsigned k = 0;
    hvic_status st = off && lens && sts ? parse_payload(buf, len, height, &k, off, lens) : HVIC_ERR_NOMEM;
    if (st == HVIC_OK) {
        dec_job j = {buf, off, lens, rgb, stride, width, height, k, sts};
        hv_parallel_for((int)ns, threads, decode_task, &j);
        for (uint32_t t = 0; t < ns && st == HVIC_OK; t++) st = sts[t];
    }
    free(off);
    free(lens);
    free(sts);
    return st;
}
