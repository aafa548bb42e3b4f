/* One model shared by several threads (hvic.h: a loaded model is read-only
 * and may be used by several threads at once): each thread encodes and
 * decodes the same image, itself with 1 or 2 inner threads, and every
 * thread's file and pixels must equal a serial run's. Run under
 * ThreadSanitizer by tools/test.sh (build-tsan/, HVIC_TSAN=ON). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hvic.h"
#include "imageio.h"

enum { THREADS = 4 };

typedef struct {
    const hvic_model *m;
    const hvic_image *img;
    int inner;       /* hvic's own threads inside encode and decode */
    uint8_t *file;
    size_t len;
    hvic_image out;
    hvic_status st;
} job;

static void *run(void *arg)
{
    job *j = arg;
    hvic_encode_params ep;
    hvic_encode_params_default(&ep);
    ep.threads = j->inner;
    j->st = hvic_encode(j->m, j->img->rgb, j->img->width, j->img->height, j->img->stride, &ep, &j->file, &j->len);
    if (j->st != HVIC_OK) return NULL;
    hvic_decode_params dp;
    hvic_decode_params_default(&dp);
    dp.threads = j->inner;
    j->st = hvic_decode_with(j->m, j->file, j->len, &dp, &j->out);
    return NULL;
}

int main(void)
{
    hvic_model *m = NULL;
    hvic_image img;
    if (hvic_model_load(HVIC_TEST_MODEL, &m) != HVIC_OK ||
        hvic_image_read_file(HVIC_TESTIMAGES_DIR "/rd_seeding_203x185.png", 0, &img, NULL) != HVIC_OK) {
        fprintf(stderr, "test_threads: cannot load the model or the image\n");
        return 2;
    }
    job ref = {.m = m, .img = &img, .inner = 1};
    run(&ref);
    CHECK(ref.st == HVIC_OK, "serial encode and decode: %s", hvic_strerror(ref.st));

    job jobs[THREADS];
    pthread_t tid[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){.m = m, .img = &img, .inner = 1 + i % 2};
        if (pthread_create(&tid[i], NULL, run, &jobs[i]) != 0) {
            fprintf(stderr, "test_threads: pthread_create failed\n");
            return 2;
        }
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        job *j = &jobs[i];
        CHECK(j->st == HVIC_OK, "thread %d: %s", i, hvic_strerror(j->st));
        CHECK(j->st != HVIC_OK || (j->len == ref.len && memcmp(j->file, ref.file, ref.len) == 0),
              "thread %d: file differs from the serial run", i);
        CHECK(j->st != HVIC_OK ||
                  memcmp(j->out.rgb, ref.out.rgb, (size_t)img.height * ref.out.stride) == 0,
              "thread %d: pixels differ from the serial run", i);
        hvic_free(j->file);
        hvic_image_free(&j->out);
    }
    hvic_free(ref.file);
    hvic_image_free(&ref.out);
    hvic_image_free(&img);
    hvic_model_free(m);
    if (failures) fprintf(stderr, "test_threads: %d failures\n", failures);
    else printf("test_threads: %d threads x encode + decode on one model: identical to the serial run\n", THREADS);
    return failures ? 1 : 0;
}
