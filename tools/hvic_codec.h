/* hvic encode / hvic decode / hvic info --latents-hash, and the OpenBLAS
 * core-type set-up of the hvic tool (tools/hvic_codec.c). */
#ifndef HVIC_TOOL_CODEC_H
#define HVIC_TOOL_CODEC_H

#include <stdio.h>

/** hvic encode IN... -o OUT.hvic|DIR/ [-q Q | --beta B | --beta BY,BZ |
 *  --target-size BYTES | --target-bpp X | --target-psnr DB] [--model FILE]
 *  [--threads N] [--jobs N] [--drop-alpha] [--strip] [-v] [--check]. argv:
 *  arguments after "encode" (`hvic encode --help` is handled by hvic.c). */
int hvic_cmd_encode(int argc, char **argv);

/** hvic decode IN.hvic... -o OUT.png|DIR/ [--model FILE] [--threads N]
 *  [--jobs N] [-v]. */
int hvic_cmd_decode(int argc, char **argv);

/** Prints "latents-hash: HEX" for the .hvic file at path, decoding its
 *  latents with the model at model_path (NULL: the default model). */
int hvic_print_latents_hash(const char *path, const char *model_path);

/** If OPENBLAS_CORETYPE is unset, pick one from the CPU's features
 *  (Cooperlake: AVX-512 BF16; SkylakeX: AVX-512 F/VL/BW; Haswell: AVX2+FMA),
 *  set it and re-execute /proc/self/exe once so that OpenBLAS, which reads
 *  the variable when it is loaded, uses it; OPENBLAS_NUM_THREADS, if unset,
 *  becomes 1 (hvic runs its own threads around single-threaded BLAS calls;
 *  without a re-exec, openblas_set_num_threads(1)). Returns only if no
 *  re-exec happened (or it failed). */
void hvic_setup_blas(char **argv);

/** One line describing the BLAS in use: core name and configuration. */
void hvic_print_blas(FILE *f);

#endif
