/* Minimal JSON writer / reader for CompressAI-style RD files (rd_json.h). */
#include "rd_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

int rd_json_write(FILE *f, const char *name, const char *description,
                  const rd_series *series, size_t nseries)
{
    fprintf(f, "{\n  \"name\": ");
    put_string(f, name);
    fprintf(f, ",\n  \"description\": ");
    put_string(f, description ? description : "");
    fprintf(f, ",\n  \"results\": {");
    for (size_t s = 0; s < nseries; s++) {
        fprintf(f, "%s\n    ", s ? "," : "");
        put_string(f, series[s].key);
        fprintf(f, ": [");
        for (size_t i = 0; i < series[s].n; i++) {
            double v = series[s].v[i];
            if (i) fprintf(f, ", ");
            if (isfinite(v)) fprintf(f, "%.17g", v);
            else fprintf(f, "null");
        }
        fprintf(f, "]");
    }
    fprintf(f, "\n  }\n}\n");
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------ reader */

typedef struct {
    const char *p, *end;
    int depth;
} parser;

enum { MAX_DEPTH = 64, MAX_LIST = 4096 };

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int lit(parser *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0) return -1;
    ps->p += n;
    return 0;
}

/* String; copies up to cap-1 bytes of the raw (escaped) text into buf if
 * buf is non-NULL. Escapes are validated, not decoded (keys we look for
 * contain none). */
static int parse_string(parser *ps, char *buf, size_t cap)
{
    if (ps->p >= ps->end || *ps->p != '"') return -1;
    ps->p++;
    size_t k = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) return -1;
        size_t step = 1;
        if (c == '\\') {
            if (ps->end - ps->p < 2) return -1;
            char e = ps->p[1];
            step = 2;
            if (e == 'u') {
                if (ps->end - ps->p < 6) return -1;
                for (int i = 2; i < 6; i++)
                    if (!strchr("0123456789abcdefABCDEF", ps->p[i]) || !ps->p[i]) return -1;
                step = 6;
            } else if (!strchr("\"\\/bfnrt", e) || !e) {
                return -1;
            }
        }
        for (size_t i = 0; i < step; i++)
            if (buf && k + 1 < cap) buf[k++] = ps->p[i];
        ps->p += step;
    }
    if (ps->p >= ps->end) return -1;
    ps->p++;
    if (buf) buf[k] = 0;
    return 0;
}

static int parse_number(parser *ps, double *v)
{
    const char *s = ps->p;
    if (s < ps->end && *s == '-') s++;
    if (s >= ps->end) return -1;
    if (*s == '0') s++;
    else if (*s >= '1' && *s <= '9') while (s < ps->end && *s >= '0' && *s <= '9') s++;
    else return -1;
    if (s < ps->end && *s == '.') {
        s++;
        if (s >= ps->end || *s < '0' || *s > '9') return -1;
        while (s < ps->end && *s >= '0' && *s <= '9') s++;
    }
    if (s < ps->end && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < ps->end && (*s == '+' || *s == '-')) s++;
        if (s >= ps->end || *s < '0' || *s > '9') return -1;
        while (s < ps->end && *s >= '0' && *s <= '9') s++;
    }
    char tmp[64];
    size_t n = (size_t)(s - ps->p);
    if (n >= sizeof tmp) return -1;
    memcpy(tmp, ps->p, n);
    tmp[n] = 0;
    if (v) *v = strtod(tmp, NULL);
    ps->p = s;
    return 0;
}

static int parse_value(parser *ps);

/* Array of numbers (null allowed: stored as NaN) into out[0..*n). */
static int parse_number_list(parser *ps, double *out, size_t *n)
{
    *n = 0;
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '[') return -1;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return 0;
    }
    for (;;) {
        skip_ws(ps);
        if (*n >= MAX_LIST) return -1;
        if (ps->p < ps->end && *ps->p == 'n') {
            if (lit(ps, "null")) return -1;
            out[(*n)++] = NAN;
        } else if (parse_number(ps, &out[(*n)++])) {
            return -1;
        }
        skip_ws(ps);
        if (ps->p >= ps->end) return -1;
        if (*ps->p == ']') {
            ps->p++;
            return 0;
        }
        if (*ps->p++ != ',') return -1;
    }
}

/* Object; for each member calls on_member (which must consume the value)
 * when given, else skips values. */
typedef int (*member_fn)(parser *ps, const char *key, void *ctx);

static int parse_object(parser *ps, member_fn on_member, void *ctx)
{
    if (++ps->depth > MAX_DEPTH) return -1;
    ps->p++; /* '{' */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        ps->depth--;
        return 0;
    }
    for (;;) {
        char key[64];
        skip_ws(ps);
        if (parse_string(ps, key, sizeof key)) return -1;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p++ != ':') return -1;
        skip_ws(ps);
        if (on_member ? on_member(ps, key, ctx) : parse_value(ps)) return -1;
        skip_ws(ps);
        if (ps->p >= ps->end) return -1;
        if (*ps->p == '}') {
            ps->p++;
            ps->depth--;
            return 0;
        }
        if (*ps->p++ != ',') return -1;
    }
}

static int parse_value(parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end) return -1;
    switch (*ps->p) {
    case '{':
        return parse_object(ps, NULL, NULL);
    case '[':
        if (++ps->depth > MAX_DEPTH) return -1;
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            ps->depth--;
            return 0;
        }
        for (;;) {
            if (parse_value(ps)) return -1;
            skip_ws(ps);
            if (ps->p >= ps->end) return -1;
            if (*ps->p == ']') {
                ps->p++;
                ps->depth--;
                return 0;
            }
            if (*ps->p++ != ',') return -1;
        }
    case '"':
        return parse_string(ps, NULL, 0);
    case 't':
        return lit(ps, "true");
    case 'f':
        return lit(ps, "false");
    case 'n':
        return lit(ps, "null");
    default:
        return parse_number(ps, NULL);
    }
}

typedef struct {
    double *lists[3];   /* bpp, psnr, ms-ssim; MAX_LIST each */
    size_t n[3];
    int seen[3];
    int have_results;
    rd_json_curve *out;
} read_ctx;

static int on_result(parser *ps, const char *key, void *vctx)
{
    read_ctx *c = vctx;
    int which = -1;
    if (strcmp(key, "bpp") == 0) which = 0;
    else if (strcmp(key, "psnr-rgb") == 0 || (strcmp(key, "psnr") == 0 && !c->seen[1])) which = 1;
    else if (strcmp(key, "ms-ssim") == 0 || (strcmp(key, "ms-ssim-rgb") == 0 && !c->seen[2])) which = 2;
    if (which < 0) return parse_value(ps);
    c->seen[which] = 1;
    return parse_number_list(ps, c->lists[which], &c->n[which]);
}

static int on_top(parser *ps, const char *key, void *vctx)
{
    read_ctx *c = vctx;
    if (strcmp(key, "name") == 0 && ps->p < ps->end && *ps->p == '"')
        return parse_string(ps, c->out->name, sizeof c->out->name);
    if (strcmp(key, "results") == 0 && ps->p < ps->end && *ps->p == '{') {
        c->have_results = 1;
        return parse_object(ps, on_result, c);
    }
    return parse_value(ps);
}

hvic_status rd_json_read(const char *text, size_t len, rd_json_curve *out)
{
    memset(out, 0, sizeof *out);
    if (!text) return HVIC_ERR_ARG;
    double *mem = malloc(3 * MAX_LIST * sizeof *mem);
    if (!mem) return HVIC_ERR_NOMEM;
    read_ctx c = {{mem, mem + MAX_LIST, mem + 2 * MAX_LIST}, {0}, {0}, 0, out};
    parser ps = {text, text + len, 0};
    skip_ws(&ps);
    int bad = ps.p >= ps.end || *ps.p != '{' || parse_object(&ps, on_top, &c);
    skip_ws(&ps);
    if (ps.p != ps.end) bad = 1;
    if (!bad && (!c.have_results || !c.seen[0] || c.n[0] == 0)) bad = 1;
    for (int k = 1; k < 3 && !bad; k++)
        if (c.seen[k] && c.n[k] != c.n[0]) bad = 1;
    if (bad) {
        free(mem);
        memset(out, 0, sizeof *out);
        return HVIC_ERR_FORMAT;
    }
    size_t n = c.n[0];
    memmove(mem + n, c.lists[1], n * sizeof *mem);
    memmove(mem + 2 * n, c.lists[2], n * sizeof *mem);
    out->bpp = mem;
    out->psnr = mem + n;
    out->ms_ssim = mem + 2 * n;
    out->n = n;
    out->has_psnr = c.seen[1];
    out->has_ms_ssim = c.seen[2];
    return HVIC_OK;
}

void rd_json_free(rd_json_curve *c)
{
    if (!c) return;
    free(c->bpp);
    memset(c, 0, sizeof *c);
}
