/* JPEG baseline encoder/decoder round trip (see jpeg_rd.h). */
#include "jpeg_rd.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "imageio.h"

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
} rd_jpeg_err;

static void on_error(j_common_ptr ci)
{
    rd_jpeg_err *e = (rd_jpeg_err *)ci->err;
    longjmp(e->jb, 1);
}

static void on_message(j_common_ptr ci)
{
    (void)ci; /* never print from a library */
}

hvic_status rd_jpeg_encode(const hvic_image *img, int quality, rd_jpeg_subsampling ss,
                           uint8_t **out, size_t *len)
{
    if (!img || !img->rgb || !out || !len) return HVIC_ERR_ARG;
    *out = NULL;
    *len = 0;
    if (img->width == 0 || img->height == 0 || img->stride < 3 * (size_t)img->width)
        return HVIC_ERR_ARG;
    if (img->width > HVIC_MAX_DIM || img->height > HVIC_MAX_DIM) return HVIC_ERR_ARG;
    if (quality < 1 || quality > 100) return HVIC_ERR_ARG;
    if (ss != RD_JPEG_420 && ss != RD_JPEG_444) return HVIC_ERR_ARG;

    struct jpeg_compress_struct ci;
    rd_jpeg_err err;
    /* Volatile: modified between setjmp and a possible longjmp. */
    unsigned char *volatile mem = NULL;
    unsigned long volatile mem_len = 0;
    memset(&ci, 0, sizeof ci);
    ci.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    err.pub.output_message = on_message;
    if (setjmp(err.jb)) {
        jpeg_destroy_compress(&ci);
        free(mem);
        return HVIC_ERR_NOMEM;
    }
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, (unsigned char **)&mem, (unsigned long *)&mem_len);
    ci.image_width = img->width;
    ci.image_height = img->height;
    ci.input_components = 3;
    ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, quality, TRUE);
    ci.optimize_coding = TRUE;
    int h = ss == RD_JPEG_420 ? 2 : 1;
    ci.comp_info[0].h_samp_factor = h;
    ci.comp_info[0].v_samp_factor = h;
    for (int k = 1; k < 3; k++) {
        ci.comp_info[k].h_samp_factor = 1;
        ci.comp_info[k].v_samp_factor = 1;
    }
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = (JSAMPROW)(img->rgb + (size_t)ci.next_scanline * img->stride);
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    *out = mem;
    *len = mem_len;
    return HVIC_OK;
}

hvic_status rd_jpeg_roundtrip(const hvic_image *img, int quality, rd_jpeg_subsampling ss,
                              size_t *bytes, hvic_image *decoded)
{
    if (decoded) memset(decoded, 0, sizeof *decoded);
    if (!bytes || !decoded) return HVIC_ERR_ARG;
    uint8_t *buf = NULL;
    size_t len = 0;
    hvic_status st = rd_jpeg_encode(img, quality, ss, &buf, &len);
    if (st != HVIC_OK) return st;
    st = hvic_image_read_memory(buf, len, 0, decoded, NULL);
    hvic_free(buf);
    if (st == HVIC_OK) *bytes = len;
    return st;
}
