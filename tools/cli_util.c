/* Error reporting shared by the hvic tool's sources. */
#include "cli_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fail(const char *file, hvic_status st)
{
    const char *problem = hvic_strerror(st);
    if (st == HVIC_ERR_IO && errno != 0) problem = strerror(errno);
    fprintf(stderr, "hvic: %s: %s\n", file, problem);
    return EXIT_FAILURE;
}

const char *usage_command = NULL;

int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "hvic: %s%s%s (see 'hvic %s%s--help')\n", msg, arg ? ": " : "", arg ? arg : "",
            usage_command ? usage_command : "", usage_command ? " " : "");
    return EXIT_USAGE;
}
