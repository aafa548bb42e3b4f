/* Bounds on hostile image input: a progressive JPEG with more scans than
 * the reader allows (tools/imageio/jpeg_io.c, JPG_MAX_SCANS) is rejected with
 * HVIC_ERR_TOO_LARGE, while an ordinary progressive JPEG still reads. */
#include <stdio.h> /* jpeglib.h needs FILE */

#include <jpeglib.h>

#include "harness.h"
#include "imageio.h"

enum { W = 16, H = 16 };

/* Encodes a W x H colour image as JPEG; with many_scans, a valid
 * progressive script of 2112 scans (each component, each coefficient, 11
 * successive-approximation bits), else libjpeg's simple progression. */
static unsigned long make_jpeg(int many_scans, unsigned char **out)
{
    static jpeg_scan_info script[3 * 64 * 11];
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    unsigned long len = 0;
    *out = NULL;
    jpeg_mem_dest(&ci, out, &len);
    ci.image_width = W;
    ci.image_height = H;
    ci.input_components = 3;
    ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 95, TRUE);
    if (many_scans) {
        int n = 0;
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < 64; k++)
                for (int al = 10; al >= 0; al--) {
                    jpeg_scan_info *s = &script[n++];
                    s->comps_in_scan = 1;
                    s->component_index[0] = c;
                    s->Ss = s->Se = k;
                    s->Ah = al == 10 ? 0 : al + 1;
                    s->Al = al;
                }
        ci.scan_info = script;
        ci.num_scans = n;
    } else {
        jpeg_simple_progression(&ci);
    }
    jpeg_start_compress(&ci, TRUE);
    unsigned char row[W * 3];
    while (ci.next_scanline < H) {
        for (int x = 0; x < W; x++) {
            row[3 * x] = (unsigned char)(x * 16);
            row[3 * x + 1] = (unsigned char)(ci.next_scanline * 16);
            row[3 * x + 2] = (unsigned char)((x ^ ci.next_scanline) * 16);
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    return len;
}

static void test_jpeg_scan_limit(void)
{
    unsigned char *buf = NULL;
    unsigned long len = make_jpeg(0, &buf);
    hvic_image img;
    CHECK_ST(hvic_image_read_memory(buf, len, 0, &img, NULL), HVIC_OK);
    CHECK(img.width == W && img.height == H);
    hvic_image_free(&img);
    free(buf);

    len = make_jpeg(1, &buf);
    CHECK(len > 0);
    CHECK_ST(hvic_image_read_memory(buf, len, 0, &img, NULL), HVIC_ERR_TOO_LARGE);
    CHECK(img.rgb == NULL && img.width == 0);
    free(buf);
}

int main(void)
{
    RUN(test_jpeg_scan_limit);
    return test_summary("test_image_limits");
}
