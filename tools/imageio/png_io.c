/* PNG read (any standard type -> 8-bit RGB) and write (8-bit RGB) via libpng.
 *
 * libpng reports errors by longjmp. All state that must survive the jump
 * lives in a heap-allocated context, so no automatic variable is modified
 * between setjmp and longjmp (C11 7.13.2.1). */
#include "imageio_internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ read */

typedef struct png_rctx {
    jmp_buf jb;
    hvic_status err;          /* reason for the longjmp, if known */
    const uint8_t *buf;
    size_t len, pos;
    unsigned flags;
    png_structp png;
    png_infop info;
    uint8_t *pixels;
    png_bytep *rows;
    hvic_image *img;
    hvic_read_info *ri;
} png_rctx;

static void png_fail(png_rctx *c, hvic_status st)
{
    if (c->err == HVIC_OK) c->err = st;
    longjmp(c->jb, 1);
}

static void png_error_fn(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_rctx *c = png_get_error_ptr(png);
    png_fail(c, HVIC_ERR_CORRUPT); /* CRC errors, bad zlib data, bad chunks */
}

static void png_warning_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* ancillary problems: ignored */
}

static void png_read_fn(png_structp png, png_bytep out, size_t n)
{
    png_rctx *c = png_get_io_ptr(png);
    if (n > c->len - c->pos) png_fail(c, HVIC_ERR_TRUNCATED);
    memcpy(out, c->buf + c->pos, n);
    c->pos += n;
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Look at IHDR (it must directly follow the signature) before libpng does,
 * so oversized images are refused with HVIC_ERR_TOO_LARGE up front. */
static hvic_status precheck_ihdr(const uint8_t *buf, size_t len)
{
    if (len < 8 + 8 + 8) return HVIC_ERR_TRUNCATED; /* sig, chunk head, w, h */
    if (be32(buf + 8) != 13 || memcmp(buf + 12, "IHDR", 4) != 0) return HVIC_ERR_CORRUPT;
    uint32_t w = be32(buf + 16), h = be32(buf + 20);
    if (w == 0 || h == 0) return HVIC_ERR_CORRUPT;
    if (w > HVIC_MAX_DIM || h > HVIC_MAX_DIM) return HVIC_ERR_TOO_LARGE;
    return HVIC_OK;
}

/* Walk the chunk list before libpng does: a chunk whose declared length
 * runs past the end of the data is refused here (HVIC_ERR_TRUNCATED), since
 * libpng allocates a buffer of the declared length (up to 2 GiB) before it
 * reads the chunk (found by tests/fuzz/fuzz_image). */
static hvic_status precheck_chunks(const uint8_t *buf, size_t len)
{
    size_t pos = 8;
    while (len - pos >= 12) {
        const uint32_t n = be32(buf + pos);
        if (n > len - pos - 12) return HVIC_ERR_TRUNCATED;
        if (memcmp(buf + pos + 4, "IEND", 4) == 0) return HVIC_OK;
        pos += 12 + (size_t)n;
    }
    return HVIC_OK; /* no IEND: libpng reports what is missing */
}

static const char xmp_key[] = "XML:com.adobe.xmp";

/* Copies iCCP, eXIf and the first XMP text chunk from info into img->meta. */
static void png_take_meta(png_rctx *c)
{
    hvic_metadata *m = &c->img->meta;
    hvic_status st = HVIC_OK;
    png_charp name = NULL;
    int comp = 0;
    png_bytep prof = NULL;
    png_uint_32 plen = 0;
    if (png_get_iCCP(c->png, c->info, &name, &comp, &prof, &plen) && prof && plen)
        st = hvic_metadata_set(m, HVIC_META_ICC, prof, plen);
    png_bytep exif = NULL;
    png_uint_32 elen = 0;
    if (st == HVIC_OK && png_get_eXIf_1(c->png, c->info, &elen, &exif) && exif && elen)
        st = hvic_metadata_set(m, HVIC_META_EXIF, exif, elen);
    png_textp text = NULL;
    int nt = 0;
    (void)png_get_text(c->png, c->info, &text, &nt);
    for (int i = 0; i < nt && st == HVIC_OK && !m->xmp; i++)
        if (text[i].key && text[i].text && strcmp(text[i].key, xmp_key) == 0)
            st = hvic_metadata_set(m, HVIC_META_XMP, (const uint8_t *)text[i].text,
                                   strlen(text[i].text));
    if (st != HVIC_OK) png_fail(c, st);
}

/* Runs under setjmp in png_read_run(); returns normally on success or on a
 * detected error (c->err set), or longjmps out on a libpng error. */
static void png_decode(png_rctx *c)
{
    png_structp png = c->png;
    png_infop info = c->info;
    png_set_read_fn(png, c, png_read_fn);
    png_set_user_limits(png, HVIC_MAX_DIM, HVIC_MAX_DIM);
    /* Bounds for hostile files: the memory libpng gives one ancillary chunk
     * (also a compressed iCCP, zTXt or iTXt once inflated), and the number
     * of ancillary chunks kept. Metadata over HVIC_META_MAX could not be
     * stored anyway (spec/container.md). */
    png_set_chunk_malloc_max(png, HVIC_META_MAX + 4096);
    png_set_chunk_cache_max(png, 1000);
    png_read_info(png, info);

    png_uint_32 w = 0, h = 0;
    int depth = 0, ctype = 0;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, NULL, NULL, NULL);
    if (w == 0 || h == 0) png_fail(c, HVIC_ERR_CORRUPT);
    if (w > HVIC_MAX_DIM || h > HVIC_MAX_DIM) png_fail(c, HVIC_ERR_TOO_LARGE);

    int trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    int alpha = (ctype & PNG_COLOR_MASK_ALPHA) != 0 || trns;
    c->ri->source_bit_depth = depth;
    c->ri->source_channels = (ctype == PNG_COLOR_TYPE_PALETTE ? 3 : png_get_channels(png, info)) +
                             (trns ? 1 : 0);
    if (alpha && !(c->flags & HVIC_READ_DROP_ALPHA)) png_fail(c, HVIC_ERR_UNSUPPORTED);

    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (trns) png_set_tRNS_to_alpha(png);
    /* libpng's scale_16 computes exactly (v * 255 + 32767) / 65535
     * (checked exhaustively by the tests). */
    if (depth == 16) png_set_scale_16(png);
    if (!(ctype & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    if (alpha) png_set_strip_alpha(png);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);

    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)w * 3)
        png_fail(c, HVIC_ERR_UNSUPPORTED);

    hvic_status st = hvic_image_alloc(c->img, w, h);
    if (st != HVIC_OK) png_fail(c, st);
    c->pixels = c->img->rgb;
    c->rows = malloc(sizeof *c->rows * h);
    if (!c->rows) png_fail(c, HVIC_ERR_NOMEM);
    for (png_uint_32 y = 0; y < h; y++) c->rows[y] = c->pixels + (size_t)y * c->img->stride;
    png_read_image(png, c->rows);
    png_read_end(png, info); /* verifies the rest up to IEND, incl. CRCs */
    png_take_meta(c);
    c->ri->reduced_16bit = depth == 16;
    c->ri->dropped_alpha = alpha;
}

static hvic_status png_read_run(png_rctx *c)
{
    if (setjmp(c->jb)) return c->err != HVIC_OK ? c->err : HVIC_ERR_CORRUPT;
    png_decode(c);
    return HVIC_OK;
}

hvic_status io_read_png(const uint8_t *buf, size_t len, unsigned flags, hvic_image *img,
                           hvic_read_info *ri)
{
    memset(img, 0, sizeof *img);
    hvic_status st = precheck_ihdr(buf, len);
    if (st == HVIC_OK) st = precheck_chunks(buf, len);
    if (st != HVIC_OK) return st;

    png_rctx *c = calloc(1, sizeof *c);
    if (!c) return HVIC_ERR_NOMEM;
    c->buf = buf;
    c->len = len;
    c->flags = flags;
    c->img = img;
    c->ri = ri;
    c->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_error_fn, png_warning_fn);
    if (c->png) c->info = png_create_info_struct(c->png);
    if (!c->png || !c->info)
        st = HVIC_ERR_NOMEM;
    else
        st = png_read_run(c);

    png_destroy_read_struct(c->png ? &c->png : NULL, c->info ? &c->info : NULL, NULL);
    free(c->rows);
    if (st != HVIC_OK) {
        free(c->pixels);
        hvic_metadata_free(&img->meta);
        memset(img, 0, sizeof *img);
        ri->reduced_16bit = ri->dropped_alpha = 0;
    }
    free(c);
    return st;
}

/* ------------------------------------------------------------------ write */

typedef struct png_wctx {
    jmp_buf jb;
    hvic_status err;
    png_structp png;
    png_infop info;
    const hvic_image *img;
    uint8_t *out;
    size_t len, cap;
    char *xmp; /* NUL-terminated copy for png_set_text */
} png_wctx;

static void png_werror_fn(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_wctx *c = png_get_error_ptr(png);
    if (c->err == HVIC_OK) c->err = HVIC_ERR_ARG;
    longjmp(c->jb, 1);
}

static void png_write_fn(png_structp png, png_bytep data, size_t n)
{
    png_wctx *c = png_get_io_ptr(png);
    if (n > c->cap - c->len) {
        size_t ncap = c->cap ? c->cap : 4096;
        while (n > ncap - c->len) {
            if (ncap > SIZE_MAX / 2) {
                c->err = HVIC_ERR_NOMEM;
                png_error(png, "output too large");
            }
            ncap *= 2;
        }
        uint8_t *p = realloc(c->out, ncap);
        if (!p) {
            c->err = HVIC_ERR_NOMEM;
            png_error(png, "out of memory");
        }
        c->out = p;
        c->cap = ncap;
    }
    memcpy(c->out + c->len, data, n);
    c->len += n;
}

static void png_flush_fn(png_structp png) { (void)png; }

static void png_encode(png_wctx *c)
{
    const hvic_image *img = c->img;
    png_set_write_fn(c->png, c, png_write_fn, png_flush_fn);
    /* zlib level 3, not libpng's default 6: on decoded Kodak images 3-4x
     * faster (0.05-0.08 s instead of 0.15-0.27 s at 768x512) for files
     * within -7..+6 % of the size */
    png_set_compression_level(c->png, 3);
    png_set_IHDR(c->png, c->info, img->width, img->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* A malformed ICC profile is then a warning (profile left out), not an
     * error. */
    png_set_benign_errors(c->png, 1);
    const hvic_metadata *m = &img->meta;
    if (m->icc && m->icc_size)
        png_set_iCCP(c->png, c->info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, m->icc,
                     (png_uint_32)m->icc_size);
    if (m->exif && m->exif_size >= 2 &&
        (memcmp(m->exif, "MM", 2) == 0 || memcmp(m->exif, "II", 2) == 0))
        png_set_eXIf_1(c->png, c->info, (png_uint_32)m->exif_size, m->exif);
    if (m->xmp && m->xmp_size) {
        c->xmp = malloc(m->xmp_size + 1);
        if (!c->xmp) {
            c->err = HVIC_ERR_NOMEM;
            png_error(c->png, "out of memory");
        }
        memcpy(c->xmp, m->xmp, m->xmp_size);
        c->xmp[m->xmp_size] = 0;
        png_text t;
        memset(&t, 0, sizeof t);
        t.compression = PNG_ITXT_COMPRESSION_NONE;
        t.key = (png_charp)xmp_key;
        t.text = c->xmp;
        png_set_text(c->png, c->info, &t, 1);
    }
    png_write_info(c->png, c->info);
    for (uint32_t y = 0; y < img->height; y++)
        png_write_row(c->png, img->rgb + (size_t)y * img->stride);
    png_write_end(c->png, NULL);
}

static hvic_status png_write_run(png_wctx *c)
{
    if (setjmp(c->jb)) return c->err != HVIC_OK ? c->err : HVIC_ERR_ARG;
    png_encode(c);
    return HVIC_OK;
}

hvic_status hvic_image_write_png_memory(const hvic_image *img, uint8_t **out, size_t *len)
{
    if (!out || !len) return HVIC_ERR_ARG;
    *out = NULL;
    *len = 0;
    if (!img || !img->rgb || img->width == 0 || img->height == 0 ||
        img->width > HVIC_MAX_DIM || img->height > HVIC_MAX_DIM ||
        img->stride < (size_t)img->width * 3)
        return HVIC_ERR_ARG;
    const hvic_metadata *md = &img->meta;
    if ((md->icc_size && !md->icc) || (md->exif_size && !md->exif) || (md->xmp_size && !md->xmp))
        return HVIC_ERR_ARG;
    if (md->icc_size > HVIC_META_MAX || md->exif_size > HVIC_META_MAX ||
        md->xmp_size > HVIC_META_MAX)
        return HVIC_ERR_TOO_LARGE;
    hvic_status st;

    png_wctx *c = calloc(1, sizeof *c);
    if (!c) return HVIC_ERR_NOMEM;
    c->img = img;
    c->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, c, png_werror_fn, png_warning_fn);
    if (c->png) c->info = png_create_info_struct(c->png);
    if (!c->png || !c->info)
        st = HVIC_ERR_NOMEM;
    else
        st = png_write_run(c);
    png_destroy_write_struct(c->png ? &c->png : NULL, c->info ? &c->info : NULL);
    free(c->xmp);
    if (st == HVIC_OK) {
        *out = c->out;
        *len = c->len;
    } else {
        free(c->out);
    }
    free(c);
    return st;
}
