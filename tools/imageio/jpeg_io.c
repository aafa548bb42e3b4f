/* JPEG read via libjpeg(-turbo): gray / YCbCr / RGB -> 8-bit RGB.
 *
 * libjpeg's default error handler calls exit(); ours longjmps back instead,
 * and warnings that mean damaged or missing data (e.g. JWRN_JPEG_EOF, which
 * libjpeg would otherwise paper over by padding the image with gray) are
 * errors too. State that must survive the longjmp lives on the heap. */
#include "imageio_internal.h"

#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

/* Bounds on hostile input, as libjpeg-turbo's djpeg -maxmemory and -maxscans
 * set them: libjpeg's own memory, which holds a progressive or multi-scan
 * image's coefficients (16384 x 16384 in 4:4:4 needs 1.5 GiB; beyond the
 * bound libjpeg fails with JERR_NO_BACKING_STORE), and the number of scans,
 * each of which may make libjpeg revisit the whole image. */
#define JPG_MAX_MEMORY ((long)1 << 31)
#define JPG_MAX_SCANS 1000

typedef struct jpg_ctx {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    struct jpeg_progress_mgr progress;
    jmp_buf jb;
    hvic_status err;
    int created;
    hvic_image *img;
    hvic_read_info *ri;
    uint8_t *pixels;
} jpg_ctx;

static void jpg_fail(jpg_ctx *c, hvic_status st)
{
    if (c->err == HVIC_OK) c->err = st;
    longjmp(c->jb, 1);
}

static void jpg_error_exit(j_common_ptr cinfo)
{
    jpg_ctx *c = cinfo->client_data;
    hvic_status st;
    switch (cinfo->err->msg_code) {
    case JERR_OUT_OF_MEMORY: st = HVIC_ERR_NOMEM; break;
    case JERR_INPUT_EMPTY: st = HVIC_ERR_TRUNCATED; break;
    case JERR_IMAGE_TOO_BIG:
    case JERR_NO_BACKING_STORE: st = HVIC_ERR_TOO_LARGE; break;
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_NOTIMPL: st = HVIC_ERR_UNSUPPORTED; break;
    default: st = HVIC_ERR_CORRUPT; break;
    }
    jpg_fail(c, st);
}

static void jpg_emit_message(j_common_ptr cinfo, int level)
{
    if (level != -1) return; /* trace messages */
    jpg_ctx *c = cinfo->client_data;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF: /* premature end: libjpeg would pad with gray */
        jpg_fail(c, HVIC_ERR_TRUNCATED);
        break;
    /* Harmless: the image data itself is intact. */
    case JWRN_ADOBE_XFORM:
    case JWRN_EXTRANEOUS_DATA:
    case JWRN_JFIF_MAJOR:
    case JWRN_BOGUS_ICC:
        break;
    default: /* bad Huffman/arithmetic code, hit marker, resync, ...: damaged */
        jpg_fail(c, HVIC_ERR_CORRUPT);
        break;
    }
}

/* Copies the ICC profile (APP2 segments, reassembled by libjpeg-turbo), the
 * first Exif APP1 and the first XMP APP1 into img->meta. */
static void jpg_take_meta(jpg_ctx *c)
{
    static const char exif_id[6] = {'E', 'x', 'i', 'f', 0, 0};
    static const char xmp_id[] = "http://ns.adobe.com/xap/1.0/"; /* + its NUL */
    hvic_metadata *m = &c->img->meta;
    hvic_status st = HVIC_OK;
    JOCTET *icc = NULL;
    unsigned int icc_len = 0;
    if (jpeg_read_icc_profile(&c->cinfo, &icc, &icc_len) && icc && icc_len)
        st = hvic_metadata_set(m, HVIC_META_ICC, icc, icc_len);
    free(icc); /* allocated with malloc() by libjpeg-turbo */
    for (jpeg_saved_marker_ptr mk = c->cinfo.marker_list; mk && st == HVIC_OK; mk = mk->next) {
        if (mk->marker != JPEG_APP0 + 1) continue;
        const size_t n = mk->data_length;
        if (!m->exif && n > sizeof exif_id && memcmp(mk->data, exif_id, sizeof exif_id) == 0)
            st = hvic_metadata_set(m, HVIC_META_EXIF, mk->data + sizeof exif_id,
                                   n - sizeof exif_id);
        else if (!m->xmp && n > sizeof xmp_id && memcmp(mk->data, xmp_id, sizeof xmp_id) == 0)
            st = hvic_metadata_set(m, HVIC_META_XMP, mk->data + sizeof xmp_id,
                                   n - sizeof xmp_id);
    }
    if (st != HVIC_OK) jpg_fail(c, st);
}

/* Progress monitor: a progressive file with too many scans is rejected. */
static void jpg_progress(j_common_ptr cinfo)
{
    j_decompress_ptr ci = (j_decompress_ptr)cinfo;
    if (ci->is_decompressor && ci->input_scan_number > JPG_MAX_SCANS)
        jpg_fail(ci->client_data, HVIC_ERR_TOO_LARGE);
}

static void jpg_decode(jpg_ctx *c, const uint8_t *buf, size_t len)
{
    struct jpeg_decompress_struct *ci = &c->cinfo;
    jpeg_create_decompress(ci);
    c->created = 1;
    ci->client_data = c;
    ci->mem->max_memory_to_use = JPG_MAX_MEMORY;
    c->progress.progress_monitor = jpg_progress;
    ci->progress = &c->progress;
    jpeg_mem_src(ci, buf, (unsigned long)len);
    jpeg_save_markers(ci, JPEG_APP0 + 1, 0xFFFF); /* Exif, XMP */
    jpeg_save_markers(ci, JPEG_APP0 + 2, 0xFFFF); /* ICC profile */
    jpeg_read_header(ci, TRUE);

    /* SOF dimensions, before anything big is allocated. */
    if (ci->image_width == 0 || ci->image_height == 0) jpg_fail(c, HVIC_ERR_CORRUPT);
    if (ci->image_width > HVIC_MAX_DIM || ci->image_height > HVIC_MAX_DIM)
        jpg_fail(c, HVIC_ERR_TOO_LARGE);
    c->ri->source_bit_depth = ci->data_precision;
    c->ri->source_channels = ci->num_components;
    switch (ci->jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB: break;
    default: jpg_fail(c, HVIC_ERR_UNSUPPORTED); /* CMYK, YCCK, unknown */
    }
    ci->out_color_space = JCS_RGB;
    jpeg_start_decompress(ci);
    if (ci->output_components != 3 || ci->output_width != ci->image_width ||
        ci->output_height != ci->image_height)
        jpg_fail(c, HVIC_ERR_UNSUPPORTED);

    hvic_status st = hvic_image_alloc(c->img, ci->output_width, ci->output_height);
    if (st != HVIC_OK) jpg_fail(c, st);
    c->pixels = c->img->rgb;
    jpg_take_meta(c); /* before jpeg_finish_decompress() frees the markers */
    while (ci->output_scanline < ci->output_height) {
        JSAMPROW row = c->pixels + (size_t)ci->output_scanline * c->img->stride;
        if (jpeg_read_scanlines(ci, &row, 1) != 1) jpg_fail(c, HVIC_ERR_TRUNCATED);
    }
    jpeg_finish_decompress(ci); /* reads to EOI: catches a missing end */
}

static hvic_status jpg_run(jpg_ctx *c, const uint8_t *buf, size_t len)
{
    if (setjmp(c->jb)) return c->err != HVIC_OK ? c->err : HVIC_ERR_CORRUPT;
    jpg_decode(c, buf, len);
    return HVIC_OK;
}

hvic_status io_read_jpeg(const uint8_t *buf, size_t len, unsigned flags, hvic_image *img,
                            hvic_read_info *ri)
{
    (void)flags; /* JPEG has no alpha */
    memset(img, 0, sizeof *img);
#if SIZE_MAX > ULONG_MAX
    if (len > ULONG_MAX) return HVIC_ERR_TOO_LARGE; /* jpeg_mem_src takes unsigned long */
#endif
    jpg_ctx *c = calloc(1, sizeof *c);
    if (!c) return HVIC_ERR_NOMEM;
    c->img = img;
    c->ri = ri;
    c->cinfo.err = jpeg_std_error(&c->jerr);
    c->jerr.error_exit = jpg_error_exit;
    c->jerr.emit_message = jpg_emit_message;
    c->cinfo.client_data = c;
    hvic_status st = jpg_run(c, buf, len);
    if (c->created) jpeg_destroy_decompress(&c->cinfo);
    if (st != HVIC_OK) {
        free(c->pixels);
        hvic_metadata_free(&img->meta);
        memset(img, 0, sizeof *img);
    }
    free(c);
    return st;
}
