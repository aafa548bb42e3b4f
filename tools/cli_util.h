/* Error reporting shared by the hvic tool's sources (tools/cli_util.c). */
#ifndef HVIC_TOOL_CLI_UTIL_H
#define HVIC_TOOL_CLI_UTIL_H

#include "hvic_advanced.h"

/** Exit status for usage errors (runtime errors exit with EXIT_FAILURE). */
#define EXIT_USAGE 2

/** Prints "hvic: FILE: problem" on stderr for a failed hvic call (for
 *  HVIC_ERR_IO, strerror(errno) if errno is set); returns EXIT_FAILURE. */
int fail(const char *file, hvic_status st);

/** The subcommand being run (set by main before it runs one), or NULL. */
extern const char *usage_command;

/** Prints "hvic: MSG[: ARG] (see 'hvic [COMMAND ]--help')" on stderr for a
 *  bad command line (ARG may be NULL), COMMAND being usage_command; returns
 *  EXIT_USAGE. */
int usage_error(const char *msg, const char *arg);

/** The model file used without --model: $HVIC_MODEL when set and not
 *  empty, else the library's default (hvic_model_default_path: the
 *  installed model, else the source tree's); NULL when there is none. */
const char *cli_default_model(void);

/** Loads the model at path (NULL: cli_default_model()) and applies the
 *  kernel overrides of the environment: HVIC_KERNEL (g_a, h_a: generic,
 *  avx2, avx512), HVIC_GS_KERNEL (g_s: float, amx-bf16,
 *  avx512-bf16) and HVIC_HS_KERNEL
 *  (h_s: dgemm, avx2, vnni); see hvic_model_set_kernels(). Prints "hvic: ...: problem"
 *  on stderr on failure and returns its status (HVIC_ERR_IO when there is
 *  no model at all). */
hvic_status cli_load_model(const char *path, hvic_model **m);

#endif
