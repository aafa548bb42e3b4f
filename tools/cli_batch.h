/* Many files in one call: `hvic encode a.png b.jpg -o DIR/`, `hvic decode
 * *.hvic -o DIR/ --jobs N` (tools/cli_batch.c). */
#ifndef HVIC_TOOL_CLI_BATCH_H
#define HVIC_TOOL_CLI_BATCH_H

/** Codes one file: in -> out, with ctx the command's settings; returns an
 *  exit status (0 = success) after printing its own error line. Called from
 *  several threads at once when jobs > 1. */
typedef int (*batch_fn)(const char *in, const char *out, void *ctx);

/** 1 when out names a directory: it ends with '/' or is an existing one. */
int batch_out_is_dir(const char *out);

/** Runs fn on every input, writing DIR/NAME.EXT (NAME: the input's file name
 *  without its last extension; ext with its dot, e.g. ".hvic"), on `jobs`
 *  threads. A file whose output name another input already takes, or a "-"
 *  input, gets an error line and is skipped; the others go on. On a
 *  terminal, stderr shows a progress line. Returns 0 if every file
 *  succeeded, else EXIT_FAILURE (2 if dir does not exist). */
int batch_run(char **inputs, int n, const char *dir, const char *ext, int jobs, batch_fn fn,
              void *ctx);

#endif
