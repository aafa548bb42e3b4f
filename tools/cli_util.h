/* Error reporting shared by the hvic tool's sources (tools/cli_util.c). */
#ifndef HVIC_TOOL_CLI_UTIL_H
#define HVIC_TOOL_CLI_UTIL_H

#include "hvic.h"

/** Exit status for usage errors (runtime errors exit with EXIT_FAILURE). */
#define EXIT_USAGE 2

/** Prints "hvic: FILE: problem" on stderr for a failed hvic call (for
 *  HVIC_ERR_IO, strerror(errno) if errno is set); returns EXIT_FAILURE. */
int fail(const char *file, hvic_status st);

#endif
