/* A minimal parallel-for over pthreads for the codec's own threading
 * (decoder bands, h_s output slices). Internal header. */
#ifndef HVIC_PARALLEL_H
#define HVIC_PARALLEL_H

/** Runs fn(ctx, t) for every task t in 0 .. tasks-1 on up to `threads`
 *  threads (the calling one included; at most 64), each thread taking the
 *  next task in turn. fn must make its tasks independent. Falls back to
 *  fewer threads if a thread cannot be started. */
void hv_parallel_for(int tasks, int threads, void (*fn)(void *ctx, int task), void *ctx);

/** Online CPUs, 1..64: the default thread count. */
int hv_default_threads(void);

/** Threads for hvic's own parallel loops around BLAS calls: `threads`
 *  (< 1: hv_default_threads()) when OpenBLAS runs single-threaded
 *  (openblas_get_num_threads() == 1), else 1, leaving the parallelism to
 *  OpenBLAS inside each call; running both oversubscribes the CPUs. */
int hv_blas_caller_threads(int threads);

#endif
