/* A tiny fork-join helper: tasks are handed out through an atomic counter;
 * callers make results independent of which thread ran which task. */
#include "cluster_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

typedef struct ParJob {
    void (*fn)(void *ctx, size_t task);
    void *ctx;
    size_t n_tasks;
    atomic_size_t next;
} ParJob;

static void *par_worker(void *arg)
{
    ParJob *job = arg;
    for (;;) {
        size_t t = atomic_fetch_add(&job->next, 1);
        if (t >= job->n_tasks)
            break;
        job->fn(job->ctx, t);
    }
    return NULL;
}

int cl_resolve_threads(int threads)
{
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    return threads > RN_CLUSTER_MAX_THREADS ? RN_CLUSTER_MAX_THREADS : threads;
}

bool cl_parallel_for(size_t n_tasks, int threads,
                     void (*fn)(void *ctx, size_t task), void *ctx,
                     RnError **err)
{
    threads = cl_resolve_threads(threads);
    if ((size_t)threads > n_tasks)
        threads = (int)n_tasks;
    ParJob job = {fn, ctx, n_tasks, 0};
    if (threads <= 1) {
        par_worker(&job);
        return true;
    }
    pthread_t tids[RN_CLUSTER_MAX_THREADS];
    int started = 0;
    for (; started < threads - 1; started++)
        if (pthread_create(&tids[started], NULL, par_worker, &job) != 0)
            break;
    /* The caller works too; if some threads failed to start, fewer run. */
    par_worker(&job);
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    (void)err;
    return true;
}
