/* hvic command-line tool.
 *
 * Errors are reported as one line on stderr, "hvic: FILE: problem", and the
 * exit status is non-zero (1 for runtime errors, 2 for usage errors). */
#include "hvic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h" /* fail, EXIT_USAGE */
#ifdef HVIC_WITH_RD
#include "rd.h" /* hvic rd, hvic bdrate (tools/rd) */
#endif
#ifdef HVIC_WITH_CODEC
#include "hvic_codec.h" /* hvic encode, hvic decode (tools/hvic_codec.c) */
#endif

/* ---------------------------------------------------------------- info */

static int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
#ifdef HVIC_WITH_CODEC
    /* info FILE.hvic --latents-hash [--model FILE]: hash of the decoded latents */
    int latents_hash = 0;
    const char *model_path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--latents-hash") == 0) {
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
#else
    if (argc != 1) return usage_error("info takes exactly one FILE.hvic", NULL);
    path = argv[0];
#endif
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

    static const char *const layer_names[HVIC_NUM_LAYERS] = {"z", "y"};
    double pixels = (double)c.width * c.height;
    printf("file:        %s\n", path);
    printf("size:        %zu bytes\n", c.file_size);
    printf("dimensions:  %u x %u, %u channels, %u bits\n", (unsigned)c.width,
           (unsigned)c.height, (unsigned)c.channels, (unsigned)c.bit_depth);
    printf("model:       %s (digest %08x)\n", c.model_id, (unsigned)c.model_digest);
    for (int i = 0; i < HVIC_NUM_LAYERS; i++) {
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
        size_t raw = 0;
        if (strcmp(ci->type, "ICCP") == 0) raw = c.icc_size;
        else if (strcmp(ci->type, "EXIF") == 0) raw = c.exif_size;
        else if (strcmp(ci->type, "XMP_") == 0) raw = c.xmp_size;
        printf("  %s  %10u bytes", ci->type, (unsigned)ci->size);
        if (raw) printf(" (zstd; %zu bytes uncompressed)", raw);
        else if (ci->type[0] >= 'a' && ci->type[0] <= 'z') printf(" (unknown, skipped)");
        printf("\n");
    }
    printf("bpp:         %.4f (file bytes x 8 / pixels)\n", (double)c.file_size * 8.0 / pixels);

    hvic_container_free(&c);
    hvic_free(buf);
    if (fflush(stdout) != 0) return fail("<stdout>", HVIC_ERR_IO);
    return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------- main */

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv: arguments after the name */
    const char *args, *help;
} command;

/* Subcommands. `encode` and `decode` are added here by the codec issue;
 * --help lists exactly this table. */
static const command commands[] = {
#ifdef HVIC_WITH_CODEC
    {"encode", hvic_cmd_encode, "IN -o OUT.hvic", "compress a PNG or JPEG image (options below)"},
    {"decode", hvic_cmd_decode, "IN.hvic -o OUT.png", "decompress to PNG (options below)"},
#endif
    {"info", cmd_info, "FILE.hvic",
     "print dimensions, model, per-layer beta, chunk sizes and bits per pixel"},
#ifdef HVIC_WITH_RD
    {"rd", hvic_cmd_rd, "DIR|FILES...",
     "RD sweep of hvic and JPEG: CSV, JSON, BD-rate (hvic rd --help)"},
    {"bdrate", hvic_cmd_bdrate, "A.json B.json",
     "BD-rate of B against anchor A (CompressAI-format JSON)"},
#endif
};
#define NUM_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *f)
{
    fprintf(f, "hvic %s - learned lossy image codec\n\n", hvic_version());
    fprintf(f, "Usage: hvic COMMAND [ARGS]\n\nCommands:\n");
    for (size_t i = 0; i < NUM_COMMANDS; i++)
        fprintf(f, "  %-6s %-20s %s\n", commands[i].name, commands[i].args, commands[i].help);
    fprintf(f, "\nOptions:\n"
           "  -h, --help     show this help and exit\n"
           "  -V, --version  show the version and exit\n");
#ifdef HVIC_WITH_CODEC
    fprintf(f, "\nencode: [-q 0..100 (default %d) | --beta B | --beta BY,BZ] [--model FILE]\n"
               "        [--threads N] [--drop-alpha] [--strip] [-v]\n"
               "        [--check (decode back, print PSNR)]\n"
               "decode: [--model FILE] [--threads N] [-v]\n"
               "info:   [--latents-hash [--model FILE]] (hash of the decoded latents)\n"
               "'-' as IN or OUT means standard input or output. The model is --model FILE,\n"
               "else $HVIC_MODEL, else the installed default model. --threads: 0 (default)\n"
               "= one per CPU; OpenBLAS runs single-threaded unless OPENBLAS_NUM_THREADS is set.\n"
               "decode runs g_s on Intel AMX (bf16) where available; HVIC_GS_KERNEL=float\n"
               "selects the fp32 path (decode -v prints which ran).\n"
               "encode keeps the input's ICC profile (RGB only), Exif and XMP in the file and\n"
               "decode writes them to the PNG; --strip leaves them out.\n",
            HVIC_QUALITY_DEFAULT);
#endif
}

int main(int argc, char **argv)
{
#ifdef HVIC_WITH_CODEC
    hvic_setup_blas(argv); /* may re-execute the program once */
#endif
    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        print_help(stdout);
        return EXIT_SUCCESS;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("hvic %s\n", hvic_version());
#ifdef HVIC_WITH_CODEC
        hvic_print_blas(stdout);
#endif
        return EXIT_SUCCESS;
    }
    for (size_t i = 0; i < NUM_COMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].run(argc - 2, argv + 2);
    return usage_error("unknown command", cmd);
}
