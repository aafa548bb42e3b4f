/* Runs a libFuzzer harness over files and folders without libFuzzer, for
 * the normal and sanitizer builds: each file is given once to
 * LLVMFuzzerTestOneInput (seed corpora and the regression files of past
 * findings). Usage: fuzz_NAME_run PATH...   Exit 0 when all ran. */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz_util.h"

static int run_file(const char *path)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (hvic_file_read(path, &buf, &len) != HVIC_OK) {
        fprintf(stderr, "run_corpus: cannot read %s\n", path);
        return 0;
    }
    LLVMFuzzerTestOneInput(buf, len);
    hvic_free(buf);
    return 1;
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    int ran = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "run_corpus: no such file or folder: %s\n", argv[i]);
            failed++;
        } else if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            while (d && (e = readdir(d))) {
                if (e->d_name[0] == '.') continue;
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                if (run_file(path)) ran++; else failed++;
            }
            if (d) closedir(d);
        } else if (run_file(argv[i])) {
            ran++;
        } else {
            failed++;
        }
    }
    printf("%s: %d inputs ran, %d unreadable\n", argv[0], ran, failed);
    return failed || ran == 0 ? 1 : 0;
}
