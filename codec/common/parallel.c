/* hv_parallel_for: tasks handed out through an atomic counter. */
#define _POSIX_C_SOURCE 200809L
#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <cblas.h>

typedef struct {
    void (*fn)(void *, int);
    void *ctx;
    int tasks;
    atomic_int next;
} pf_job;

static void *pf_worker(void *arg)
{
    pf_job *j = arg;
    for (int t; (t = atomic_fetch_add(&j->next, 1)) < j->tasks;) j->fn(j->ctx, t);
    return NULL;
}

void hv_parallel_for(int tasks, int threads, void (*fn)(void *ctx, int task), void *ctx)
{
    pf_job j = {.fn = fn, .ctx = ctx, .tasks = tasks};
    atomic_init(&j.next, 0);
    if (threads > tasks) threads = tasks;
    if (threads > 64) threads = 64;
    pthread_t tid[64];
    int started = 0;
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[started], NULL, pf_worker, &j) != 0) break;
        started++;
    }
    pf_worker(&j);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
}

int hv_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int hv_blas_caller_threads(int threads)
{
    if (openblas_get_num_threads() > 1) return 1;
    return threads < 1 ? hv_default_threads() : threads > 64 ? 64 : threads;
}
