/* The GdkPixbuf loader (tools/gdk-pixbuf/io-hvic.c) through gdk-pixbuf itself:
 * whole-file and incremental loading give hvic_decode's pixels exactly, the
 * ICC profile comes as the "icc-profile" option, a size request scales, and
 * damaged files give a GError, never a crash.
 * A 16384 x 16384 "bomb" of 1.6 KB is refused from its header.
 * Usage: test_pixbuf IMAGE.hvic ICC_IMAGE.hvic BOMB.hvic WORKDIR
 * (GDK_PIXBUF_MODULE_FILE must list the loader; the CMake test sets it). */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdio.h>
#include <string.h>

#include <hvic.h>

static int fails;
#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        if (cond) {                                                                       \
            printf("ok    ");                                                             \
        } else {                                                                          \
            printf("FAIL  ");                                                             \
            fails++;                                                                      \
        }                                                                                 \
        printf(__VA_ARGS__);                                                              \
        printf("\n");                                                                     \
    } while (0)

static int same_pixels(GdkPixbuf *pb, const hvic_image *ref)
{
    if (!pb || gdk_pixbuf_get_width(pb) != (int)ref->width || gdk_pixbuf_get_height(pb) != (int)ref->height ||
        gdk_pixbuf_get_n_channels(pb) != 3 || gdk_pixbuf_get_has_alpha(pb) || gdk_pixbuf_get_bits_per_sample(pb) != 8)
        return 0;
    const guchar *p = gdk_pixbuf_read_pixels(pb);
    int stride = gdk_pixbuf_get_rowstride(pb);
    for (uint32_t y = 0; y < ref->height; y++)
        if (memcmp(p + (size_t)y * stride, ref->rgb + y * ref->stride, (size_t)ref->width * 3) != 0) return 0;
    return 1;
}

/* Feeds buf to a GdkPixbufLoader in pieces of `piece` bytes; returns the
 * pixbuf (a new reference) or NULL with *error set. */
static GdkPixbuf *load_incrementally(const uint8_t *buf, size_t len, size_t piece, GError **error)
{
    GdkPixbufLoader *loader = gdk_pixbuf_loader_new();
    gboolean ok = TRUE;
    for (size_t off = 0; ok && off < len; off += piece)
        ok = gdk_pixbuf_loader_write(loader, buf + off, MIN(piece, len - off), error);
    if (ok) ok = gdk_pixbuf_loader_close(loader, error);
    else gdk_pixbuf_loader_close(loader, NULL);
    GdkPixbuf *pb = ok ? gdk_pixbuf_loader_get_pixbuf(loader) : NULL;
    if (pb) g_object_ref(pb);
    g_object_unref(loader);
    return pb;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
    return hvic_file_write(path, buf, len) == HVIC_OK;
}

/* A damaged file must give NULL and a GError in GDK_PIXBUF_ERROR, by
 * gdk_pixbuf_new_from_file and by the incremental loader. */
static void expect_rejected(const char *what, const char *workdir, const uint8_t *buf, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/damaged.hvic", workdir);
    if (!write_file(path, buf, len)) {
        CHECK(0, "%s: cannot write %s", what, path);
        return;
    }
    GError *err = NULL;
    GdkPixbuf *pb = gdk_pixbuf_new_from_file(path, &err);
    CHECK(!pb && err && err->domain == GDK_PIXBUF_ERROR && strstr(err->message, "hvic"),
          "%s: rejected from a file (%s)", what, err ? err->message : "no error");
    if (pb) g_object_unref(pb);
    g_clear_error(&err);
    pb = load_incrementally(buf, len, 100, &err);
    CHECK(!pb && err && err->domain == GDK_PIXBUF_ERROR && strstr(err->message, "hvic"),
          "%s: rejected incrementally (%s)", what,
          err ? err->message : "no error");
    if (pb) g_object_unref(pb);
    g_clear_error(&err);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_pixbuf IMAGE.hvic ICC_IMAGE.hvic BOMB.hvic WORKDIR\n");
        return 2;
    }
    const char *workdir = argv[4];
    hvic_model *model = NULL;
    uint8_t *buf = NULL, *icc_buf = NULL;
    size_t len = 0, icc_len = 0;
    if (hvic_model_load_default(&model) != HVIC_OK || hvic_file_read(argv[1], &buf, &len) != HVIC_OK ||
        hvic_file_read(argv[2], &icc_buf, &icc_len) != HVIC_OK) {
        fprintf(stderr, "test_pixbuf: cannot load the model or the inputs\n");
        return 2;
    }
    hvic_image ref, icc_ref;
    if (hvic_decode(model, buf, len, &ref) != HVIC_OK || hvic_decode(model, icc_buf, icc_len, &icc_ref) != HVIC_OK) {
        fprintf(stderr, "test_pixbuf: hvic_decode failed\n");
        return 2;
    }

    GError *err = NULL;
    GdkPixbufFormat *fmt = gdk_pixbuf_get_file_info(argv[1], NULL, NULL);
    CHECK(fmt && strcmp(gdk_pixbuf_format_get_name(fmt), "hvic") == 0, "format detected as hvic");

    GdkPixbuf *pb = gdk_pixbuf_new_from_file(argv[1], &err);
    CHECK(same_pixels(pb, &ref), "whole-file load equals hvic_decode (%ux%u)%s%s", ref.width, ref.height,
          err ? ": " : "", err ? err->message : "");
    g_clear_error(&err);
    if (pb) g_object_unref(pb);

    pb = load_incrementally(buf, len, 997, &err);
    CHECK(same_pixels(pb, &ref), "incremental load (997-byte pieces) equals hvic_decode%s%s", err ? ": " : "",
          err ? err->message : "");
    g_clear_error(&err);
    if (pb) g_object_unref(pb);

    pb = gdk_pixbuf_new_from_file_at_size(argv[1], 64, 64, &err);
    CHECK(pb && gdk_pixbuf_get_width(pb) <= 64 && gdk_pixbuf_get_height(pb) <= 64 &&
              MAX(gdk_pixbuf_get_width(pb), gdk_pixbuf_get_height(pb)) == 64,
          "load at size 64x64 keeps the aspect (%dx%d)", pb ? gdk_pixbuf_get_width(pb) : 0,
          pb ? gdk_pixbuf_get_height(pb) : 0);
    g_clear_error(&err);
    if (pb) g_object_unref(pb);

    pb = gdk_pixbuf_new_from_file(argv[2], &err);
    const char *icc_opt = pb ? gdk_pixbuf_get_option(pb, "icc-profile") : NULL;
    gsize icc_size = 0;
    guchar *icc = icc_opt ? g_base64_decode(icc_opt, &icc_size) : NULL;
    CHECK(same_pixels(pb, &icc_ref) && icc_ref.meta.icc_size > 0 && icc && icc_size == icc_ref.meta.icc_size &&
              memcmp(icc, icc_ref.meta.icc, icc_size) == 0,
          "icc-profile option carries the file's ICC profile (%zu bytes)", (size_t)icc_size);
    g_free(icc);
    g_clear_error(&err);
    if (pb) g_object_unref(pb);

    expect_rejected("truncated to half", workdir, buf, len / 2);
    expect_rejected("magic only", workdir, buf, 4);
    uint8_t *bad = g_memdup2(buf, len);
    bad[len / 2] ^= 0x5a;
    expect_rejected("one byte changed", workdir, bad, len);
    g_free(bad);

    uint8_t *bomb = NULL;
    size_t bomb_len = 0;
    if (hvic_file_read(argv[3], &bomb, &bomb_len) == HVIC_OK) {
        expect_rejected("16384 x 16384 bomb", workdir, bomb, bomb_len);
        GError *e = NULL;
        GdkPixbuf *p = gdk_pixbuf_new_from_file(argv[3], &e);
        CHECK(!p && e && strstr(e->message, "more than this loader decodes"), "bomb refused from its header (%s)",
              e ? e->message : "no error");
        g_clear_error(&e);
        hvic_free(bomb);
    } else {
        CHECK(0, "cannot read %s", argv[3]);
    }

    hvic_image_free(&ref);
    hvic_image_free(&icc_ref);
    hvic_free(buf);
    hvic_free(icc_buf);
    hvic_model_free(model);
    printf(fails ? "FAIL: %d\n" : "PASS\n", fails);
    return fails ? 1 : 0;
}
