/* Error reporting and model loading shared by the hvic tool's sources. */
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

const char *cli_default_model(void)
{
    const char *env = getenv("HVIC_MODEL");
    return env && *env ? env : hvic_model_default_path();
}

hvic_status cli_load_model(const char *path, hvic_model **m)
{
    *m = NULL;
    if (!path) path = cli_default_model();
    if (!path) {
        fprintf(stderr, "hvic: no model: set HVIC_MODEL or use --model FILE\n");
        return HVIC_ERR_IO;
    }
    errno = 0;
    hvic_status st = hvic_model_load(path, m);
    if (st != HVIC_OK) {
        fail(path, st);
        return st;
    }
    static const char *const vars[3] = {"HVIC_KERNEL", "HVIC_GS_KERNEL", "HVIC_HS_KERNEL"};
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (!v || !*v) continue;
        hvic_kernels k = {i == 0 ? v : NULL, i == 1 ? v : NULL, i == 2 ? v : NULL};
        st = hvic_model_set_kernels(*m, &k);
        if (st != HVIC_OK) {
            fprintf(stderr, "hvic: %s=%s: %s\n", vars[i], v,
                    st == HVIC_ERR_ARG ? "unknown kernel" : "this CPU cannot run that kernel");
            hvic_model_free(*m);
            *m = NULL;
            return st;
        }
    }
    return HVIC_OK;
}
