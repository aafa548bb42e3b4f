/* .hvic container, versions 1 and 2: writer and validating reader.
 * Follows spec/container.md exactly; keep the two in step. */
#include "container.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

_Static_assert(sizeof(float) == 4, "float must be IEEE binary32");

/* ------------------------------------------------------------------ helpers */

static int model_id_char_ok(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

static int is_upper(unsigned char ch) { return ch >= 'A' && ch <= 'Z'; }
static int is_lower(unsigned char ch) { return ch >= 'a' && ch <= 'z'; }

static int chunk_type_ok(const uint8_t t[4])
{
    if (!is_upper(t[0]) && !is_lower(t[0]))
        return 0;
    for (int i = 1; i < 4; i++) {
        unsigned char ch = t[i];
        if (!is_upper(ch) && !is_lower(ch) && !(ch >= '0' && ch <= '9') && ch != '_')
            return 0;
    }
    return 1;
}

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static float get_f32(const uint8_t *p)
{
    uint32_t u = get_u32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static int layer_ok(const hvic_layer_info *l)
{
    return l->channels != 0 && l->height != 0 && l->width != 0 && isfinite(l->beta) &&
           l->beta >= 0.0f && l->gain_pos <= HVIC_GAIN_POS_MAX;
}

/* Metadata chunks, in writer order. */
enum { META_ICC, META_EXIF, META_XMP, META_COUNT };
static const char *const meta_types[META_COUNT] = {"ICCP", "EXIF", "XMP_"};

/* ------------------------------------------------------------------ writer */

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
} wbuf;

/* Capacity is reserved up front, so puts never reallocate. */
static void put_bytes(wbuf *b, const void *src, size_t n)
{
    if (n) memcpy(b->p + b->len, src, n);
    b->len += n;
}
static void put_u8(wbuf *b, uint8_t v) { b->p[b->len++] = v; }
static void put_u16(wbuf *b, uint16_t v)
{
    uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put_bytes(b, t, 2);
}
static void put_u32(wbuf *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put_bytes(b, t, 4);
}
static void put_f32(wbuf *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u32(b, u);
}

/* size += n, failing on overflow. */
static int add_size(size_t *size, size_t n)
{
    if (n > SIZE_MAX - *size) return 0;
    *size += n;
    return 1;
}

static hvic_status check_for_write(const hvic_container *c, size_t *id_len)
{
    if (c->flags != 0) return HVIC_ERR_ARG;
    if (c->width == 0 || c->height == 0) return HVIC_ERR_ARG;
    if (c->width > HVIC_MAX_DIM || c->height > HVIC_MAX_DIM) return HVIC_ERR_TOO_LARGE;
    if (c->channels != 3 || c->bit_depth != 8) return HVIC_ERR_ARG;
    size_t n = 0;
    while (n < sizeof c->model_id && c->model_id[n] != '\0') n++;
    if (n == 0 || n > HVIC_MODEL_ID_MAX) return HVIC_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        if (!model_id_char_ok((unsigned char)c->model_id[i])) return HVIC_ERR_ARG;
    *id_len = n;
    if (c->num_layers == 0) { /* version 2: the pixel coder's stream only */
        if (c->zlat_size || c->ylat_size || c->pixl_size < 2 || !c->pixl) return HVIC_ERR_ARG;
        if (c->pixl_size > UINT32_MAX) return HVIC_ERR_TOO_LARGE;
    } else {
        if (c->num_layers != HVIC_NUM_LAYERS || c->pixl_size) return HVIC_ERR_ARG;
        for (int i = 0; i < HVIC_NUM_LAYERS; i++)
            if (!layer_ok(&c->layers[i])) return HVIC_ERR_ARG;
        if ((c->zlat_size && !c->zlat) || (c->ylat_size && !c->ylat)) return HVIC_ERR_ARG;
        if (c->zlat_size > UINT32_MAX || c->ylat_size > UINT32_MAX) return HVIC_ERR_TOO_LARGE;
    }
    const uint8_t *md[META_COUNT] = {c->icc, c->exif, c->xmp};
    size_t ms[META_COUNT] = {c->icc_size, c->exif_size, c->xmp_size};
    for (int i = 0; i < META_COUNT; i++) {
        if (ms[i] && !md[i]) return HVIC_ERR_ARG;
        if (ms[i] > HVIC_META_MAX) return HVIC_ERR_TOO_LARGE;
    }
    return HVIC_OK;
}

hvic_status hvic_container_write(const hvic_container *c, uint8_t **out, size_t *len)
{
    if (!c || !out || !len) return HVIC_ERR_ARG;
    *out = NULL;
    *len = 0;

    size_t id_len = 0;
    hvic_status st = check_for_write(c, &id_len);
    if (st != HVIC_OK) return st;

    /* Compress metadata first: the output size depends on it. */
    const uint8_t *md[META_COUNT] = {c->icc, c->exif, c->xmp};
    size_t ms[META_COUNT] = {c->icc_size, c->exif_size, c->xmp_size};
    uint8_t *mz[META_COUNT] = {NULL, NULL, NULL};
    size_t mzs[META_COUNT] = {0, 0, 0};
    const int pixel = c->num_layers == 0;
    uint16_t chunk_count = pixel ? 1 : 2;
    st = HVIC_OK;
    for (int i = 0; i < META_COUNT && st == HVIC_OK; i++) {
        if (!ms[i]) continue;
        size_t bound = ZSTD_compressBound(ms[i]);
        mz[i] = malloc(bound);
        if (!mz[i]) {
            st = HVIC_ERR_NOMEM;
            break;
        }
        size_t r = ZSTD_compress(mz[i], bound, md[i], ms[i], HVIC_META_ZSTD_LEVEL);
        if (ZSTD_isError(r)) {
            st = HVIC_ERR_NOMEM; /* the only way compressing valid input fails */
            break;
        }
        mzs[i] = r;
        chunk_count++;
    }

    size_t header_size = hv_header_size(id_len, c->num_layers);
    size_t total = HVIC_PREAMBLE_SIZE + header_size + 2 + HVIC_CRC_SIZE;
    int ok = st == HVIC_OK;
    if (pixel) {
        ok = ok && add_size(&total, HVIC_CHUNK_HEADER_SIZE) && add_size(&total, c->pixl_size);
    } else {
        ok = ok && add_size(&total, HVIC_CHUNK_HEADER_SIZE) && add_size(&total, c->zlat_size);
        ok = ok && add_size(&total, HVIC_CHUNK_HEADER_SIZE) && add_size(&total, c->ylat_size);
    }
    for (int i = 0; i < META_COUNT && ok; i++)
        if (mzs[i])
            ok = mzs[i] <= UINT32_MAX && add_size(&total, HVIC_CHUNK_HEADER_SIZE) &&
                 add_size(&total, mzs[i]);
    if (st == HVIC_OK && !ok) st = HVIC_ERR_TOO_LARGE;

    wbuf b = {NULL, 0, total};
    if (st == HVIC_OK) {
        b.p = malloc(total);
        if (!b.p) st = HVIC_ERR_NOMEM;
    }
    if (st == HVIC_OK) {
        put_bytes(&b, HVIC_MAGIC, 4);
        put_u8(&b, pixel ? HVIC_CONTAINER_VERSION_PIXEL : HVIC_CONTAINER_VERSION);
        put_u8(&b, c->flags);
        put_u16(&b, (uint16_t)header_size);
        put_u32(&b, c->width);
        put_u32(&b, c->height);
        put_u8(&b, c->channels);
        put_u8(&b, c->bit_depth);
        put_u8(&b, (uint8_t)id_len);
        put_bytes(&b, c->model_id, id_len);
        put_u32(&b, c->model_digest);
        put_u8(&b, c->num_layers);
        for (int i = 0; i < c->num_layers; i++) {
            const hvic_layer_info *l = &c->layers[i];
            put_u16(&b, l->channels);
            put_u16(&b, l->height);
            put_u16(&b, l->width);
            put_f32(&b, l->beta);
            put_u32(&b, l->gain_pos);
        }
        put_u16(&b, chunk_count);
        if (pixel) {
            put_bytes(&b, "PIXL", 4);
            put_u32(&b, (uint32_t)c->pixl_size);
            put_bytes(&b, c->pixl, c->pixl_size);
        } else {
            put_bytes(&b, "ZLAT", 4);
            put_u32(&b, (uint32_t)c->zlat_size);
            put_bytes(&b, c->zlat, c->zlat_size);
            put_bytes(&b, "YLAT", 4);
            put_u32(&b, (uint32_t)c->ylat_size);
            put_bytes(&b, c->ylat, c->ylat_size);
        }
        for (int i = 0; i < META_COUNT; i++) {
            if (!mzs[i]) continue;
            put_bytes(&b, meta_types[i], 4);
            put_u32(&b, (uint32_t)mzs[i]);
            put_bytes(&b, mz[i], mzs[i]);
        }
        put_u32(&b, hvic_crc32(0, b.p, b.len));
        if (b.len != total) { /* cannot happen: sizes computed above */
            free(b.p);
            b.p = NULL;
            st = HVIC_ERR_ARG;
        }
    }
    for (int i = 0; i < META_COUNT; i++) free(mz[i]);
    if (st != HVIC_OK) return st;
    *out = b.p;
    *len = b.len;
    return HVIC_OK;
}

/* ------------------------------------------------------------------ reader */

static hvic_status read_meta(const uint8_t *p, size_t n, uint8_t **out, size_t *out_len)
{
    if (n == 0) return HVIC_ERR_CORRUPT;
    unsigned long long content = ZSTD_getFrameContentSize(p, n);
    if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN ||
        content == 0)
        return HVIC_ERR_CORRUPT;
    if (content > HVIC_META_MAX) return HVIC_ERR_TOO_LARGE;
    size_t frame = ZSTD_findFrameCompressedSize(p, n);
    if (ZSTD_isError(frame) || frame != n) return HVIC_ERR_CORRUPT;
    uint8_t *dst = malloc((size_t)content);
    if (!dst) return HVIC_ERR_NOMEM;
    size_t r = ZSTD_decompress(dst, (size_t)content, p, n);
    if (ZSTD_isError(r) || r != content) {
        free(dst);
        return HVIC_ERR_CORRUPT;
    }
    *out = dst;
    *out_len = (size_t)content;
    return HVIC_OK;
}

static int version_ok(uint8_t v) { return v == HVIC_CONTAINER_VERSION || v == HVIC_CONTAINER_VERSION_PIXEL; }

/* Bounded cursor over buf[pos..end). */
typedef struct rcur {
    const uint8_t *buf;
    size_t pos, end;
} rcur;

static int have(const rcur *r, size_t n) { return n <= r->end - r->pos; }

/* Step 5's preamble and header fields (spec/container.md) from buf[0..end),
 * after magic and version (1 or 2) were checked; *header_end: where the chunk list
 * starts. No CRC: hvic_peek() reads a prefix of a file with it. */
static hvic_status parse_header(const uint8_t *buf, size_t end, hvic_container *c, size_t *header_end)
{
    c->flags = buf[5];
    if (c->flags != 0) return HVIC_ERR_UNSUPPORTED;
    size_t header_size = get_u16(buf + 6);
    if (end < HVIC_PREAMBLE_SIZE || header_size > end - HVIC_PREAMBLE_SIZE) return HVIC_ERR_TRUNCATED;
    const size_t hend = HVIC_PREAMBLE_SIZE + header_size;
    /* Fields before the model id; the header size is validated against
     * the exact layout once the id length and layer count are known. */
    if (header_size < HVIC_HEADER_FIXED_SIZE) return HVIC_ERR_CORRUPT;
    const uint8_t *h = buf + HVIC_PREAMBLE_SIZE;
    c->width = get_u32(h);
    c->height = get_u32(h + 4);
    if (c->width == 0 || c->height == 0) return HVIC_ERR_CORRUPT;
    if (c->width > HVIC_MAX_DIM || c->height > HVIC_MAX_DIM) return HVIC_ERR_TOO_LARGE;
    c->channels = h[8];
    c->bit_depth = h[9];
    if (c->channels != 3 || c->bit_depth != 8) return HVIC_ERR_UNSUPPORTED;
    size_t id_len = h[10];
    if (id_len == 0 || id_len > HVIC_MODEL_ID_MAX) return HVIC_ERR_CORRUPT;
    /* The fixed part has room for id, digest, num_layers (16 = 11 + 4 + 1). */
    if (header_size < HVIC_HEADER_FIXED_SIZE + id_len) return HVIC_ERR_CORRUPT;
    for (size_t i = 0; i < id_len; i++) {
        if (!model_id_char_ok(h[11 + i])) return HVIC_ERR_CORRUPT;
        c->model_id[i] = (char)h[11 + i];
    }
    c->model_id[id_len] = '\0';
    c->model_digest = get_u32(h + 11 + id_len);
    c->num_layers = h[15 + id_len];
    if (c->num_layers != (buf[4] == HVIC_CONTAINER_VERSION_PIXEL ? 0 : HVIC_NUM_LAYERS))
        return HVIC_ERR_CORRUPT;
    if (header_size != hv_header_size(id_len, c->num_layers)) return HVIC_ERR_CORRUPT;
    const uint8_t *lp = h + 16 + id_len;
    for (int i = 0; i < c->num_layers; i++, lp += HVIC_LAYER_RECORD_SIZE) {
        hvic_layer_info *l = &c->layers[i];
        l->channels = get_u16(lp);
        l->height = get_u16(lp + 2);
        l->width = get_u16(lp + 4);
        l->beta = get_f32(lp + 6);
        l->gain_pos = get_u32(lp + 10);
        if (!layer_ok(l)) return HVIC_ERR_CORRUPT;
    }
    *header_end = hend;
    return HVIC_OK;
}

hvic_status hvic_peek(const uint8_t *buf, size_t len, hvic_file_info *info)
{
    if (!info || (!buf && len)) return HVIC_ERR_ARG;
    memset(info, 0, sizeof *info);
    if (!buf || len < 4) return len && memcmp(buf, HVIC_MAGIC, len) != 0 ? HVIC_ERR_BAD_MAGIC : HVIC_ERR_TRUNCATED;
    if (memcmp(buf, HVIC_MAGIC, 4) != 0) return HVIC_ERR_BAD_MAGIC;
    if (len < 5) return HVIC_ERR_TRUNCATED;
    if (!version_ok(buf[4])) return HVIC_ERR_BAD_VERSION;
    if (len < HVIC_PREAMBLE_SIZE) return HVIC_ERR_TRUNCATED;
    hvic_container c;
    memset(&c, 0, sizeof c);
    size_t header_end = 0;
    hvic_status st = parse_header(buf, len, &c, &header_end);
    if (st != HVIC_OK) return st;
    info->width = c.width;
    info->height = c.height;
    memcpy(info->model_id, c.model_id, sizeof info->model_id);
    info->model_digest = c.model_digest;
    info->beta_z = c.layers[0].beta;
    info->beta_y = c.layers[1].beta;
    return HVIC_OK;
}

static hvic_status parse(const uint8_t *buf, size_t len, hvic_container *c)
{
    /* 1-3: magic, version, minimum length. */
    if (len >= 4 ? memcmp(buf, HVIC_MAGIC, 4) != 0 : memcmp(buf, HVIC_MAGIC, len) != 0)
        return HVIC_ERR_BAD_MAGIC;
    if (len < 5) return HVIC_ERR_TRUNCATED;
    if (!version_ok(buf[4])) return HVIC_ERR_BAD_VERSION;
    if (len < HVIC_PREAMBLE_SIZE + HVIC_CRC_SIZE) return HVIC_ERR_TRUNCATED;

    /* 4: CRC over everything before the trailer. */
    size_t end = len - HVIC_CRC_SIZE;
    if (hvic_crc32(0, buf, end) != get_u32(buf + end)) return HVIC_ERR_CRC;

    /* 5: preamble and header. */
    c->file_size = len;
    size_t header_end = 0;
    hvic_status st = parse_header(buf, end, c, &header_end);
    if (st != HVIC_OK) return st;
    rcur r = {buf, header_end, end};

    /* Chunks. */
    if (!have(&r, 2)) return HVIC_ERR_TRUNCATED;
    unsigned count = get_u16(buf + r.pos);
    r.pos += 2;
    const int pixel = c->num_layers == 0;
    if (count < (pixel ? 1u : HVIC_MIN_CHUNKS)) return HVIC_ERR_CORRUPT;
    if (count > HVIC_CONTAINER_MAX_CHUNKS) return HVIC_ERR_TOO_LARGE;
    int seen_z = 0, seen_y = 0, seen_p = 0, seen_meta[META_COUNT] = {0, 0, 0};
    const uint8_t **meta_ptr[META_COUNT] = {&c->icc, &c->exif, &c->xmp};
    size_t *meta_len[META_COUNT] = {&c->icc_size, &c->exif_size, &c->xmp_size};
    for (unsigned k = 0; k < count; k++) {
        if (!have(&r, HVIC_CHUNK_HEADER_SIZE)) return HVIC_ERR_TRUNCATED;
        const uint8_t *type = buf + r.pos;
        size_t size = get_u32(buf + r.pos + 4);
        r.pos += HVIC_CHUNK_HEADER_SIZE;
        if (!chunk_type_ok(type)) return HVIC_ERR_CORRUPT;
        if (!have(&r, size)) return HVIC_ERR_TRUNCATED;
        const uint8_t *payload = buf + r.pos;
        r.pos += size;

        hvic_chunk_info *ci = &c->chunks[k];
        memcpy(ci->type, type, 4);
        ci->type[4] = '\0';
        ci->size = (uint32_t)size;
        c->num_chunks = (uint16_t)(k + 1);

        if (pixel && memcmp(type, "PIXL", 4) == 0) {
            if (seen_p++ || size < 2) return HVIC_ERR_CORRUPT;
            c->pixl = payload;
            c->pixl_size = size;
            continue;
        }
        if (memcmp(type, "ZLAT", 4) == 0 || memcmp(type, "YLAT", 4) == 0)
            if (pixel) return HVIC_ERR_CORRUPT; /* no latents in a version-2 file */
        if (memcmp(type, "ZLAT", 4) == 0) {
            if (seen_z++) return HVIC_ERR_CORRUPT;
            c->zlat = payload;
            c->zlat_size = size;
            continue;
        }
        if (memcmp(type, "YLAT", 4) == 0) {
            if (seen_y++) return HVIC_ERR_CORRUPT;
            c->ylat = payload;
            c->ylat_size = size;
            continue;
        }
        int m = -1;
        for (int i = 0; i < META_COUNT; i++)
            if (memcmp(type, meta_types[i], 4) == 0) m = i;
        if (m >= 0) {
            if (seen_meta[m]++) return HVIC_ERR_CORRUPT;
            uint8_t *data = NULL;
            size_t n = 0;
            hvic_status st = read_meta(payload, size, &data, &n);
            if (st != HVIC_OK) return st;
            c->owned_[m] = data;
            *meta_ptr[m] = data;
            *meta_len[m] = n;
            continue;
        }
        if (is_upper(type[0])) return HVIC_ERR_UNSUPPORTED; /* unknown critical */
        /* unknown ancillary: skipped */
    }
    if (r.pos != end) return HVIC_ERR_CORRUPT;
    if (pixel ? !seen_p : !seen_z || !seen_y) return HVIC_ERR_CORRUPT;
    return HVIC_OK;
}

hvic_status hvic_container_read(const uint8_t *buf, size_t len, hvic_container *c)
{
    if (!c) return HVIC_ERR_ARG;
    memset(c, 0, sizeof *c);
    if (!buf && len) return HVIC_ERR_ARG;
    if (!buf) return HVIC_ERR_TRUNCATED;
    hvic_status st = parse(buf, len, c);
    if (st != HVIC_OK) {
        hvic_container_free(c);
        memset(c, 0, sizeof *c);
    }
    return st;
}

void hvic_container_free(hvic_container *c)
{
    if (!c) return;
    for (int i = 0; i < META_COUNT; i++) {
        free(c->owned_[i]);
        c->owned_[i] = NULL;
    }
    c->icc = c->exif = c->xmp = NULL;
    c->icc_size = c->exif_size = c->xmp_size = 0;
}
