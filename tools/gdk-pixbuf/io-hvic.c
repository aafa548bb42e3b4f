/* GdkPixbuf loader for .hvic files (libpixbufloader-hvic.so).
 *
 * Lets every GdkPixbuf program (image viewers, file-manager thumbnails via
 * gdk-pixbuf-thumbnailer) open hvic images. Built on libhvic's public API
 * only (codec/hvic.h). Data given incrementally is collected and decoded
 * when the file is complete: an .hvic file's latents are coded as whole
 * streams, so no rows exist before its last byte. The decoded image is 8-bit
 * RGB without alpha; the file's ICC profile, if any, is attached as the
 * pixbuf option "icc-profile" (base64, as gdk-pixbuf's PNG and JPEG loaders
 * do). Errors are GErrors in GDK_PIXBUF_ERROR with hvic's message.
 *
 * The header is read (hvic_peek) as soon as its bytes arrive, so the size
 * callback runs and a size-only request (gdk_pixbuf_get_file_info) ends
 * before anything is decoded; images over HVIC_PIXBUF_MAX_PIXELS are
 * refused there, since a file of a few kilobytes may declare 16384 x 16384
 * pixels (about 6 GiB to decode).
 *
 * The model is loaded once per process ($HVIC_MODEL, else the library's
 * default: hvic_model_default_path()) and shared by all loads:
 * hvic models are read-only and may be used by several threads at once. */
#define GDK_PIXBUF_ENABLE_BACKEND
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gdk-pixbuf/gdk-pixbuf-io.h>
#undef GDK_PIXBUF_ENABLE_BACKEND

#include <string.h>

#include <hvic.h>

/* Largest image the loader decodes (width x height). */
#define HVIC_PIXBUF_MAX_PIXELS 100000000u

typedef struct {
    GdkPixbufModuleSizeFunc size_func;
    GdkPixbufModulePreparedFunc prepared_func;
    GdkPixbufModuleUpdatedFunc updated_func;
    gpointer user_data;
    GByteArray *data;
    gboolean header_done; /* hvic_peek() succeeded and size_func ran */
} HvicContext;

static hvic_model *shared_model;
static hvic_status shared_model_status;
static const char *shared_model_path; /* NULL: none found */

static gpointer load_model_once(gpointer unused)
{
    (void)unused;
    const char *env = g_getenv("HVIC_MODEL");
    shared_model_path = env && *env ? env : hvic_model_default_path();
    shared_model_status =
        shared_model_path ? hvic_model_load(shared_model_path, &shared_model) : HVIC_ERR_IO;
    return NULL;
}

static hvic_model *get_model(GError **error)
{
    static GOnce once = G_ONCE_INIT;
    g_once(&once, load_model_once, NULL);
    if (shared_model_status != HVIC_OK) {
        const char *path = shared_model_path;
        g_set_error(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_FAILED,
                    "hvic: cannot load the model %s: %s", path ? path : "(none installed; set HVIC_MODEL)",
                    hvic_strerror(shared_model_status));
        return NULL;
    }
    return shared_model;
}

static GdkPixbufError pixbuf_error_code(hvic_status s)
{
    switch (s) {
    case HVIC_ERR_NOMEM: return GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY;
    case HVIC_ERR_UNSUPPORTED:
    case HVIC_ERR_BAD_VERSION:
    case HVIC_ERR_MODEL_MISMATCH: return GDK_PIXBUF_ERROR_UNKNOWN_TYPE;
    default: return GDK_PIXBUF_ERROR_CORRUPT_IMAGE;
    }
}

static void set_icc(GdkPixbuf *pixbuf, const hvic_image *img)
{
    if (!img->meta.icc || img->meta.icc_size == 0) return;
    gchar *b64 = g_base64_encode(img->meta.icc, img->meta.icc_size);
    gdk_pixbuf_set_option(pixbuf, "icc-profile", b64);
    g_free(b64);
}

/* Reads the header from buf (a prefix of the file will do), refuses
 * images over HVIC_PIXBUF_MAX_PIXELS and tells size_func the size. FALSE
 * with *error set when the data is not a usable .hvic file, when the header
 * does not fit in len and complete is set, or when the caller asked for
 * the size only (size_func answered 0). */
static gboolean read_header(const guint8 *buf, gsize len, gboolean complete, HvicContext *ctx,
                            gboolean *done, GError **error)
{
    hvic_file_info fi;
    hvic_status s = hvic_peek(buf, len, &fi);
    *done = FALSE;
    if (s == HVIC_ERR_TRUNCATED && !complete) return TRUE; /* wait for more bytes */
    if (s != HVIC_OK) {
        g_set_error(error, GDK_PIXBUF_ERROR, pixbuf_error_code(s), "hvic: %s", hvic_strerror(s));
        return FALSE;
    }
    if ((guint64)fi.width * fi.height > HVIC_PIXBUF_MAX_PIXELS) {
        g_set_error(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY,
                    "hvic: %u x %u pixels is more than this loader decodes (%u)", fi.width, fi.height,
                    HVIC_PIXBUF_MAX_PIXELS);
        return FALSE;
    }
    *done = TRUE;
    if (ctx && ctx->size_func) {
        gint w = (gint)fi.width, h = (gint)fi.height;
        ctx->size_func(&w, &h, ctx->user_data);
        if (w == 0 || h == 0) {  /* the caller only wanted the size */
            g_set_error_literal(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_FAILED,
                                "hvic: the image was not wanted (size request of 0)");
            return FALSE;
        }
    }
    return TRUE;
}

/* Decodes a complete file into a new pixbuf; NULL with *error set on failure. */
static GdkPixbuf *decode_buffer(const guint8 *buf, gsize len, HvicContext *ctx, GError **error)
{
    gboolean header_done = ctx && ctx->header_done;
    if (!header_done && !read_header(buf, len, TRUE, ctx, &header_done, error)) return NULL;
    hvic_model *model = get_model(error);
    if (!model) return NULL;
    hvic_decode_params dp;
    hvic_decode_params_default(&dp);
    dp.max_pixels = HVIC_PIXBUF_MAX_PIXELS;
    hvic_image img;
    hvic_status s = hvic_decode_with(model, buf, len, &dp, &img);
    if (s != HVIC_OK) {
        g_set_error(error, GDK_PIXBUF_ERROR, pixbuf_error_code(s), "hvic: %s", hvic_strerror(s));
        return NULL;
    }
    GdkPixbuf *pixbuf = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, (int)img.width, (int)img.height);
    if (!pixbuf) {
        hvic_image_free(&img);
        g_set_error_literal(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY,
                            "hvic: not enough memory for the image");
        return NULL;
    }
    guchar *dst = gdk_pixbuf_get_pixels(pixbuf);
    int dst_stride = gdk_pixbuf_get_rowstride(pixbuf);
    for (uint32_t y = 0; y < img.height; y++)
        memcpy(dst + (size_t)y * dst_stride, img.rgb + y * img.stride, (size_t)img.width * 3);
    set_icc(pixbuf, &img);
    hvic_image_free(&img);
    return pixbuf;
}

static gpointer begin_load(GdkPixbufModuleSizeFunc size_func, GdkPixbufModulePreparedFunc prepared_func,
                           GdkPixbufModuleUpdatedFunc updated_func, gpointer user_data, GError **error)
{
    (void)error;
    HvicContext *ctx = g_new0(HvicContext, 1);
    ctx->size_func = size_func;
    ctx->prepared_func = prepared_func;
    ctx->updated_func = updated_func;
    ctx->user_data = user_data;
    ctx->data = g_byte_array_new();
    return ctx;
}

static gboolean load_increment(gpointer context, const guchar *buf, guint size, GError **error)
{
    HvicContext *ctx = context;
    g_byte_array_append(ctx->data, buf, size);
    if (!ctx->header_done)
        return read_header(ctx->data->data, ctx->data->len, FALSE, ctx, &ctx->header_done, error);
    return TRUE;
}

static gboolean stop_load(gpointer context, GError **error)
{
    HvicContext *ctx = context;
    GdkPixbuf *pixbuf = decode_buffer(ctx->data->data, ctx->data->len, ctx, error);
    gboolean ok = pixbuf != NULL;
    if (ok) {
        if (ctx->prepared_func) ctx->prepared_func(pixbuf, NULL, ctx->user_data);
        if (ctx->updated_func)
            ctx->updated_func(pixbuf, 0, 0, gdk_pixbuf_get_width(pixbuf), gdk_pixbuf_get_height(pixbuf),
                              ctx->user_data);
        g_object_unref(pixbuf);
    }
    g_byte_array_unref(ctx->data);
    g_free(ctx);
    return ok;
}

static GdkPixbuf *load(FILE *f, GError **error)
{
    GByteArray *data = g_byte_array_new();
    guint8 chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) g_byte_array_append(data, chunk, (guint)n);
    GdkPixbuf *pixbuf = NULL;
    if (ferror(f))
        g_set_error_literal(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_FAILED, "hvic: cannot read the file");
    else
        pixbuf = decode_buffer(data->data, data->len, NULL, error);
    g_byte_array_unref(data);
    return pixbuf;
}

G_MODULE_EXPORT void fill_vtable(GdkPixbufModule *module);
G_MODULE_EXPORT void fill_info(GdkPixbufFormat *info);

void fill_vtable(GdkPixbufModule *module)
{
    module->load = load;
    module->begin_load = begin_load;
    module->load_increment = load_increment;
    module->stop_load = stop_load;
}

void fill_info(GdkPixbufFormat *info)
{
    static GdkPixbufModulePattern signature[] = {
        {"HVIC", NULL, 100},  /* spec/container.md: magic "HVIC" at offset 0 */
        {NULL, NULL, 0}};
    static gchar *mime_types[] = {"image/x-hvic", NULL};
    static gchar *extensions[] = {"hvic", NULL};
    info->name = "hvic";
    info->signature = signature;
    info->description = "hvic learned image codec";
    info->mime_types = mime_types;
    info->extensions = extensions;
    info->flags = GDK_PIXBUF_FORMAT_THREADSAFE;
    info->license = "other";
}
