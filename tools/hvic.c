/* hvic command-line tool.
 *
 * Errors are reported as one line on stderr, "hvic: FILE: problem", and the
 * exit status is non-zero (1 for runtime errors, 2 for usage errors). */
#include "hvic_advanced.h"
#include "imageio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h" /* fail, EXIT_USAGE */
#include "rd.h" /* hvic rd, hvic bdrate (tools/rd) */
#include "hvic_codec.h" /* hvic encode, hvic decode (tools/hvic_codec.c) */

/* ---------------------------------------------------------------- info */

/* s as a JSON string (RFC 8259): quotes, backslash and control characters
 * escaped; other bytes as they are (file names are UTF-8 or bytes). */
static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

static size_t chunk_raw_size(const hvic_container *c, const hvic_chunk_info *ci)
{
    if (strcmp(ci->type, "ICCP") == 0) return c->icc_size;
    if (strcmp(ci->type, "EXIF") == 0) return c->exif_size;
    if (strcmp(ci->type, "XMP_") == 0) return c->xmp_size;
    return 0;
}

static void print_info_json(const char *path, const hvic_container *c)
{
    static const char *const layer_names[HVIC_NUM_LAYERS] = {"z", "y"};
    printf("{\"file\": ");
    json_string(path);
    printf(", \"size\": %zu, \"width\": %u, \"height\": %u, \"channels\": %u, \"bit_depth\": %u,\n",
           c->file_size, (unsigned)c->width, (unsigned)c->height, (unsigned)c->channels,
           (unsigned)c->bit_depth);
    if (c->num_layers == 0) /* pixel coder: byte 0 of PIXL is the max error (spec/pixel.md) */
        printf(" \"coder\": \"pixel\", \"max_error\": %u,\n \"layers\": [", (unsigned)c->pixl[0]);
    else
        printf(" \"coder\": \"model\", \"model\": {\"id\": ");
    if (c->num_layers) {
        json_string(c->model_id);
        printf(", \"digest\": \"%08x\"},\n \"layers\": [", (unsigned)c->model_digest);
    }
    for (int i = 0; i < c->num_layers; i++) {
        const hvic_layer_info *l = &c->layers[i];
        printf("%s\n  {\"name\": \"%s\", \"channels\": %u, \"height\": %u, \"width\": %u, "
               "\"beta\": %.7g, \"gain_pos\": %u, \"level\": %.6f}",
               i ? "," : "", layer_names[i], (unsigned)l->channels, (unsigned)l->height,
               (unsigned)l->width, (double)l->beta, (unsigned)l->gain_pos,
               l->gain_pos / (double)HVIC_GAIN_POS_ONE);
    }
    printf("],\n \"chunks\": [");
    for (unsigned k = 0; k < c->num_chunks; k++) {
        const hvic_chunk_info *ci = &c->chunks[k];
        printf("%s\n  {\"type\": ", k ? "," : "");
        json_string(ci->type);
        printf(", \"size\": %u", (unsigned)ci->size);
        size_t raw = chunk_raw_size(c, ci);
        if (raw) printf(", \"uncompressed\": %zu", raw);
        printf("}");
    }
    printf("],\n \"bpp\": %.6f}\n", (double)c->file_size * 8.0 / ((double)c->width * c->height));
}

static int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    /* info FILE.hvic --latents-hash [--model FILE]: hash of the decoded latents */
    int latents_hash = 0;
    const char *model_path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--latents-hash") == 0) {
            latents_hash = 1;
        } else if (strcmp(argv[i], "--model") == 0) {
            if (i + 1 >= argc) return usage_error("missing value for", argv[i]);
            model_path = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != 0) {
            return usage_error("unknown option", argv[i]);
        } else if (path) {
            return usage_error("info takes exactly one FILE.hvic", NULL);
        } else {
            path = argv[i];
        }
    }
    if (!path) return usage_error("info takes exactly one FILE.hvic", NULL);
    if (latents_hash) return hvic_print_latents_hash(path, model_path);
    uint8_t *buf = NULL;
    size_t len = 0;
    errno = 0;
    hvic_status st = hvic_file_read(path, &buf, &len);
    if (st != HVIC_OK) return fail(path, st);

    hvic_container c;
    st = hvic_container_read(buf, len, &c);
    if (st != HVIC_OK) {
        hvic_free(buf);
        return fail(path, st);
    }

    if (json) {
        print_info_json(path, &c);
        goto done;
    }
    static const char *const layer_names[HVIC_NUM_LAYERS] = {"z", "y"};
    double pixels = (double)c.width * c.height;
    printf("file:        %s\n", path);
    printf("size:        %zu bytes\n", c.file_size);
    printf("dimensions:  %u x %u, %u channels, %u bits\n", (unsigned)c.width,
           (unsigned)c.height, (unsigned)c.channels, (unsigned)c.bit_depth);
    if (c.num_layers == 0)
        printf("coder:       pixel (no model), max error %u%s\n", (unsigned)c.pixl[0],
               c.pixl[0] ? "" : " (lossless)");
    else
        printf("model:       %s (digest %08x)\n", c.model_id, (unsigned)c.model_digest);
    for (int i = 0; i < c.num_layers; i++) {
        const hvic_layer_info *l = &c.layers[i];
        printf("layer %s:     %u x %u x %u (channels x height x width), beta %g, "
               "gain position %u (%.4f levels)\n",
               layer_names[i], (unsigned)l->channels, (unsigned)l->height,
               (unsigned)l->width, (double)l->beta, (unsigned)l->gain_pos,
               l->gain_pos / (double)HVIC_GAIN_POS_ONE);
    }
    printf("chunks:      %u\n", (unsigned)c.num_chunks);
    for (unsigned k = 0; k < c.num_chunks; k++) {
        const hvic_chunk_info *ci = &c.chunks[k];
        size_t raw = chunk_raw_size(&c, ci);
        printf("  %s  %10u bytes", ci->type, (unsigned)ci->size);
        if (raw) printf(" (zstd; %zu bytes uncompressed)", raw);
        else if (ci->type[0] >= 'a' && ci->type[0] <= 'z') printf(" (unknown, skipped)");
        printf("\n");
    }
    printf("bpp:         %.4f (file bytes x 8 / pixels)\n", (double)c.file_size * 8.0 / pixels);
done:
    hvic_container_free(&c);
    hvic_free(buf);
    if (fflush(stdout) != 0) return fail("<stdout>", HVIC_ERR_IO);
    return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------- compare */

static int cmd_compare(int argc, char **argv)
{
    const char *path[2] = {NULL, NULL};
    int n = 0;
    unsigned flags = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--drop-alpha") == 0) flags |= HVIC_READ_DROP_ALPHA;
        else if (argv[i][0] == '-' && argv[i][1] != 0) return usage_error("unknown option", argv[i]);
        else if (n == 2) return usage_error("compare takes exactly two images", argv[i]);
        else path[n++] = argv[i];
    }
    if (n != 2) return usage_error("compare takes exactly two images", NULL);
    if (strcmp(path[0], "-") == 0 && strcmp(path[1], "-") == 0)
        return usage_error("only one of the two images can be standard input", NULL);
    hvic_image img[2] = {{0}, {0}};
    int rc = EXIT_SUCCESS;
    for (int k = 0; k < 2 && rc == EXIT_SUCCESS; k++) {
        errno = 0;
        hvic_status st = hvic_image_read_file(path[k], flags, &img[k], NULL);
        if (st != HVIC_OK) rc = fail(path[k], st);
    }
    if (rc == EXIT_SUCCESS && (img[0].width != img[1].width || img[0].height != img[1].height)) {
        fprintf(stderr, "hvic: %s: %u x %u, but %s is %u x %u\n", path[1], (unsigned)img[1].width,
                (unsigned)img[1].height, path[0], (unsigned)img[0].width, (unsigned)img[0].height);
        rc = EXIT_FAILURE;
    }
    if (rc == EXIT_SUCCESS) {
        double psnr, msssim = 0;
        int have_ms = img[0].width >= HVIC_MS_SSIM_MIN_DIM && img[0].height >= HVIC_MS_SSIM_MIN_DIM;
        hvic_status st = hvic_psnr(&img[0], &img[1], &psnr);
        if (st == HVIC_OK && have_ms) st = hvic_ms_ssim(&img[0], &img[1], &msssim);
        if (st != HVIC_OK) {
            rc = fail(path[1], st);
        } else {
            printf("psnr-rgb:    %.4f dB\n", psnr);
            if (have_ms)
                printf("ms-ssim:     %.6f (%.4f dB)\n", msssim, hvic_ms_ssim_db(msssim));
            else
                printf("ms-ssim:     - (images under %u px on a side)\n", HVIC_MS_SSIM_MIN_DIM);
            if (fflush(stdout) != 0) rc = fail("<stdout>", HVIC_ERR_IO);
        }
    }
    hvic_image_free(&img[0]);
    hvic_image_free(&img[1]);
    return rc;
}

/* ---------------------------------------------------------------- main */

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv: arguments after the name */
    const char *args, *help;
    const char *usage; /* `hvic NAME --help`; NULL: the command prints its own */
} command;

#define STR_(x) #x
#define STR(x) STR_(x)
static const char encode_usage[] =
    "Compresses PNG or JPEG images into .hvic files.\n\n"
    "  -o, --output OUT     output file ('-': standard output); written atomically,\n"
    "                       never over the input. With several inputs, or OUT a\n"
    "                       directory (DIR/), each IN goes to DIR/NAME.hvic\n"
    "  --jobs N             with several inputs, code N files at once (1..64,\n"
    "                       default 1); a bad file gets its own error line and the\n"
    "                       others go on; the exit status is 1 if any failed\n"
    "  -q N                 quality 0..100 (default " STR(HVIC_QUALITY_DEFAULT) "), mapped onto the model's\n"
    "                       beta levels; higher is better quality and more bits\n"
    "  --beta B | BY,BZ     beta directly (larger = fewer bits), or beta_y and beta_z\n"
    "                       apart; not with -q\n"
    "  --target-size BYTES  aim at this file size (within 2 %), like cwebp -size\n"
    "  --target-bpp X       aim at X bits per pixel (file bytes x 8 / pixels)\n"
    "  --target-psnr DB     aim at this PSNR-RGB in dB (within 0.1 dB), like cwebp -psnr\n"
    "                       (targets: g_a runs once, then at most " STR(HVIC_TARGET_PASSES) " passes of\n"
    "                       quantisation and coding; -v prints the beta found; a note\n"
    "                       says when the model cannot reach the target)\n"
    "  --lossless           code every pixel exactly, with the pixel coder (a\n"
    "                       predictive coder after JPEG-LS, no model: for text,\n"
    "                       screenshots and plots, or archiving)\n"
    "  --max-error K        near-lossless: the pixel coder with every decoded sample\n"
    "                       within K (0..31) of the input; on screen content K 1..4\n"
    "                       gives 44..50 dB at a fraction of the bits of the model's\n"
    "                       top quality. Not with -q, --beta or a target\n"
    "  --coder auto         with -q or --beta: also try the pixel coder at the largest\n"
    "                       max error with no more squared error than the model's\n"
    "                       result, and keep the smaller file (wins on text, plots\n"
    "                       and screenshots; costs a decode and a pixel-coder pass).\n"
    "                       --coder model (default): the model only\n"
    "  --model FILE         model file (default: $HVIC_MODEL, else the installed one)\n"
    "  --threads N          0..64, 0 (default) = one per CPU; the bytes do not depend\n"
    "                       on it (with --coder auto, the choice may differ between\n"
    "                       CPUs with and without a bf16 g_s in borderline cases)\n"
    "  --drop-alpha         discard an alpha channel instead of failing\n"
    "  --strip              leave out the ICC profile, Exif and XMP (kept by default)\n"
    "  --check              decode the result back and print its PSNR\n"
    "  -v, --verbose        print bpp, times and the OpenBLAS core in use\n"
    "IN '-' reads standard input. HVIC_KERNEL=generic|avx2|avx512 picks the kernel of\n"
    "g_a and h_a (the bytes are the same with each).\n";
static const char decode_usage[] =
    "Decompresses .hvic files to PNG (with the ICC profile, Exif and XMP they hold).\n\n"
    "  -o, --output OUT     output PNG ('-': standard output); written atomically,\n"
    "                       never over the input. With several inputs, or OUT a\n"
    "                       directory (DIR/), each IN goes to DIR/NAME.png\n"
    "  --jobs N             with several inputs, decode N files at once (1..64)\n"
    "  --model FILE         model file (default: $HVIC_MODEL, else the installed one)\n"
    "  --threads N          0..64, 0 (default) = one per CPU; pixels do not depend on it\n"
    "  --max-pixels N       refuse images of more than N pixels (width x height)\n"
    "                       before allocating for them (default: up to 16384 x 16384)\n"
    "  -v, --verbose        print times and the kernels that ran\n"
    "IN '-' reads standard input. g_s runs in bf16 on Intel AMX or AVX512-BF16 where\n"
    "available; HVIC_GS_KERNEL=float|amx-bf16|avx512-bf16 picks one (float: the fp32\n"
    "path; pixels may differ by 1). HVIC_HS_KERNEL=dgemm|avx2|vnni picks\n"
    "the kernel of the integer h_s (the latents are the same with each).\n";
static const char info_usage[] =
    "Prints a .hvic file's dimensions, model, per-layer beta, chunk sizes and bpp\n"
    "without decoding it.\n\n"
    "  --json               the same as one JSON object (sizes in bytes, beta, the\n"
    "                       gain position and its level, chunks, bpp)\n"
    "  --latents-hash       decode the latents and print their hash instead\n"
    "  --model FILE         model for --latents-hash\n"
    "FILE '-' reads standard input.\n";
static const char compare_usage[] =
    "Prints PSNR-RGB (dB) and MS-SSIM (and in dB) of B against reference A, two\n"
    "PNG or JPEG images of the same size, as `hvic rd` measures them.\n\n"
    "  --drop-alpha         discard alpha channels instead of failing\n"
    "One of A and B may be '-' (standard input).\n";
static const char bdrate_usage[] =
    "Prints the BD-rate (pchip in log-rate) of B against anchor A on PSNR and on\n"
    "MS-SSIM (dB), from two CompressAI-format JSON files (as `hvic rd` writes).\n";

/* Subcommands; `hvic --help` lists exactly this table. */
static const command commands[] = {
    {"encode", hvic_cmd_encode, "IN... -o OUT.hvic|DIR/", "compress PNG or JPEG images", encode_usage},
    {"decode", hvic_cmd_decode, "IN.hvic... -o OUT.png|DIR/", "decompress to PNG", decode_usage},
    {"info", cmd_info, "FILE.hvic",
     "print dimensions, model, per-layer beta, chunk sizes and bits per pixel", info_usage},
    {"compare", cmd_compare, "A B", "PSNR and MS-SSIM of image B against image A", compare_usage},
    {"rd", hvic_cmd_rd, "DIR|FILES...", "RD sweep of hvic and JPEG: CSV, JSON, BD-rate", NULL},
    {"bdrate", hvic_cmd_bdrate, "A.json B.json",
     "BD-rate of B against anchor A (CompressAI-format JSON)", bdrate_usage},
};
#define NUM_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *f)
{
    fprintf(f, "hvic %s - learned lossy image codec\n\n", hvic_version());
    fprintf(f, "Usage: hvic COMMAND [ARGS]\n\nCommands:\n");
    for (size_t i = 0; i < NUM_COMMANDS; i++)
        fprintf(f, "  %-7s %-26s %s\n", commands[i].name, commands[i].args, commands[i].help);
    fprintf(f, "\n'hvic COMMAND --help' describes a command's options.\n"
               "\nOptions:\n"
               "  -h, --help     show this help and exit\n"
               "  -V, --version  show the version (and the OpenBLAS core in use) and exit\n");
}

static int is_help(const char *a) { return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0; }

int main(int argc, char **argv)
{
    hvic_setup_blas(argv); /* may re-execute the program once */
    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (is_help(cmd) || strcmp(cmd, "help") == 0) {
        print_help(stdout);
        return EXIT_SUCCESS;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("hvic %s\n", hvic_version());
        hvic_print_blas(stdout);
        return EXIT_SUCCESS;
    }
    for (size_t i = 0; i < NUM_COMMANDS; i++) {
        const command *c = &commands[i];
        if (strcmp(cmd, c->name) != 0) continue;
        for (int k = 2; k < argc && c->usage; k++) {
            if (!is_help(argv[k])) continue;
            printf("Usage: hvic %s %s [options]\n\n%s", c->name, c->args, c->usage);
            return fflush(stdout) == 0 ? EXIT_SUCCESS : fail("<stdout>", HVIC_ERR_IO);
        }
        usage_command = c->name;
        return c->run(argc - 2, argv + 2);
    }
    return usage_error("unknown command", cmd);
}
