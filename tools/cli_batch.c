/* Many files in one call (see cli_batch.h). */
#include "cli_batch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int batch_out_is_dir(const char *out)
{
    size_t n = strlen(out);
    if (n > 0 && out[n - 1] == '/') return 1;
    struct stat st;
    return stat(out, &st) == 0 && S_ISDIR(st.st_mode);
}

typedef struct batch {
    char **inputs, **outputs; /* outputs[i] NULL: skipped (error printed) */
    int n, progress;
    batch_fn fn;
    void *ctx;
    atomic_int next, done, failed;
    pthread_mutex_t lock; /* progress line */
} batch;

static void *worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        int i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n) break;
        int rc = b->outputs[i] ? b->fn(b->inputs[i], b->outputs[i], b->ctx) : 1;
        if (rc != 0) atomic_fetch_add(&b->failed, 1);
        int done = atomic_fetch_add(&b->done, 1) + 1;
        if (b->progress) {
            pthread_mutex_lock(&b->lock);
            fprintf(stderr, "\rhvic: %d/%d files, %d failed\033[K", done, b->n,
                    atomic_load(&b->failed));
            if (done == b->n) fputc('\n', stderr);
            pthread_mutex_unlock(&b->lock);
        }
    }
    return NULL;
}

/* DIR/NAME.EXT for input path in; NULL when out of memory. */
static char *output_name(const char *dir, const char *in, const char *ext)
{
    const char *base = strrchr(in, '/');
    base = base ? base + 1 : in;
    const char *dot = strrchr(base, '.');
    size_t blen = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    size_t dlen = strlen(dir);
    int slash = dlen > 0 && dir[dlen - 1] != '/';
    char *p = malloc(dlen + slash + blen + strlen(ext) + 1);
    if (!p) return NULL;
    sprintf(p, "%s%s%.*s%s", dir, slash ? "/" : "", (int)blen, base, ext);
    return p;
}

int batch_run(char **inputs, int n, const char *dir, const char *ext, int jobs, batch_fn fn,
              void *ctx)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "hvic: %s: not a directory (create it first)\n", dir);
        return 2;
    }
    batch b = {inputs, calloc((size_t)n, sizeof(char *)), n, isatty(2), fn, ctx, 0, 0, 0,
               PTHREAD_MUTEX_INITIALIZER};
    if (!b.outputs) {
        fprintf(stderr, "hvic: out of memory\n");
        return EXIT_FAILURE;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(inputs[i], "-") == 0) {
            fprintf(stderr, "hvic: -: standard input cannot be one of several inputs\n");
            continue;
        }
        char *out = output_name(dir, inputs[i], ext);
        if (!out) {
            fprintf(stderr, "hvic: %s: out of memory\n", inputs[i]);
            continue;
        }
        for (int k = 0; k < i && out; k++) {
            if (b.outputs[k] && strcmp(b.outputs[k], out) == 0) {
                fprintf(stderr, "hvic: %s: output %s is already that of %s; skipped\n", inputs[i],
                        out, inputs[k]);
                free(out);
                out = NULL;
            }
        }
        b.outputs[i] = out;
    }
    if (jobs < 1) jobs = 1;
    if (jobs > n) jobs = n;
    pthread_t *t = calloc((size_t)jobs, sizeof *t);
    int started = 0;
    for (; t && started < jobs - 1; started++)
        if (pthread_create(&t[started], NULL, worker, &b) != 0) break;
    worker(&b); /* this thread works too */
    for (int k = 0; k < started; k++) pthread_join(t[k], NULL);
    free(t);
    for (int i = 0; i < n; i++) free(b.outputs[i]);
    free(b.outputs);
    return atomic_load(&b.failed) ? EXIT_FAILURE : 0;
}
