/* Error reporting shared by the hvic tool's sources (tools/cli_util.c). */
#ifndef HVIC_TOOL_CLI_UTIL_H
#define HVIC_TOOL_CLI_UTIL_H

#include "hvic.h"

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

#endif
