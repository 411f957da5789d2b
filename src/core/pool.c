/* The one thread pool: persistent workers that sleep between jobs. A job
 * is a fixed set of partitions handed out in increasing order through an
 * atomic counter; the caller's thread works too. */
#include "radnet/core.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct WorkerStart {
    RnPool *pool;
    int index;
} WorkerStart;

struct RnPool {
    int threads;              /* workers + the caller */
    int started;              /* workers actually running */
    pthread_t *tids;
    WorkerStart *starts;
    pthread_mutex_t call_lock; /* one job at a time */
    pthread_mutex_t lock;     /* guards everything below */
    pthread_cond_t wake, done;
    uint64_t generation;      /* bumped for every job */
    bool shutdown;
    int active;               /* workers still inside the current job */
    /* the current job */
    RnPoolTask task;
    void *ctx;
    size_t n, parts;
    atomic_size_t next;
    atomic_bool failed;
    RnError *error;           /* of the lowest failing partition */
    size_t error_part;
};

/* The pool whose task this thread is running, to run nested calls inline. */
static _Thread_local const RnPool *running_in;
/* 0 for callers of rn_pool_for, 1.. for workers (see rn_pool_worker). */
static _Thread_local int worker_index;

int rn_pool_worker(void)
{
    return worker_index;
}

static void record_failure(RnPool *p, size_t part, RnError *e)
{
    if (e == NULL)
        rn_error_set(&e, RN_ERROR_INTERNAL, "task of partition %zu failed without an error", part);
    pthread_mutex_lock(&p->lock);
    if (p->error == NULL || part < p->error_part) {
        rn_error_free(p->error);
        p->error = e;
        p->error_part = part;
    } else {
        rn_error_free(e);
    }
    pthread_mutex_unlock(&p->lock);
    atomic_store(&p->failed, true);
}

static void run_parts(RnPool *p)
{
    const RnPool *outer = running_in;
    running_in = p;
    for (;;) {
        /* A partition once taken always runs, so the lowest failing one
         * is always seen: the reported error does not depend on timing. */
        if (atomic_load(&p->failed))
            break;
        size_t part = atomic_fetch_add(&p->next, 1);
        if (part >= p->parts)
            break;
        RnError *e = NULL;
        size_t begin = rn_part_begin(p->n, p->parts, part);
        size_t end = rn_part_begin(p->n, p->parts, part + 1);
        if (!p->task(p->ctx, part, begin, end, &e))
            record_failure(p, part, e);
        else
            rn_error_free(e); /* a task that set an error but succeeded */
    }
    running_in = outer;
}

static void *worker_main(void *arg)
{
    WorkerStart *start = arg;
    RnPool *p = start->pool;
    worker_index = start->index;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->shutdown && p->generation == seen)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->shutdown)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->lock);
        run_parts(p);
        pthread_mutex_lock(&p->lock);
        if (--p->active == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static int resolve_threads(int threads)
{
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (int)(cpus < RN_POOL_MAX_THREADS ? cpus : RN_POOL_MAX_THREADS) : 1;
    }
    return threads > RN_POOL_MAX_THREADS ? RN_POOL_MAX_THREADS : threads;
}

RnPool *rn_pool_open(int threads, RnError **err)
{
    RnPool *p = rn_calloc(1, sizeof *p, err);
    if (p == NULL)
        return NULL;
    p->threads = resolve_threads(threads);
    p->tids = rn_calloc((size_t)p->threads, sizeof *p->tids, err);
    p->starts = rn_calloc((size_t)p->threads, sizeof *p->starts, err);
    if (p->tids == NULL || p->starts == NULL) {
        free(p->tids);
        free(p->starts);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->call_lock, NULL);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->next, 0);
    atomic_init(&p->failed, false);
    /* If the OS refuses a thread, fewer workers share the partitions:
     * results do not depend on how many run. */
    for (; p->started < p->threads - 1; p->started++) {
        p->starts[p->started] = (WorkerStart){p, p->started + 1};
        if (pthread_create(&p->tids[p->started], NULL, worker_main,
                           &p->starts[p->started]) != 0)
            break;
    }
    return p;
}

void rn_pool_close(RnPool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->shutdown = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->tids[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->call_lock);
    free(p->tids);
    free(p->starts);
    free(p);
}

int rn_pool_threads(const RnPool *p)
{
    return p ? p->started + 1 : 1;
}

size_t rn_part_count(size_t n, size_t grain, size_t max_parts)
{
    size_t parts = grain ? n / grain + (n % grain != 0) : n;
    if (parts > max_parts)
        parts = max_parts;
    return parts ? parts : 1;
}

static bool run_inline(size_t n, size_t parts, RnPoolTask task, void *ctx,
                       RnError **err)
{
    for (size_t part = 0; part < parts; part++) {
        RnError *e = NULL;
        if (!task(ctx, part, rn_part_begin(n, parts, part),
                  rn_part_begin(n, parts, part + 1), &e)) {
            if (e == NULL)
                rn_error_set(&e, RN_ERROR_INTERNAL,
                             "task of partition %zu failed without an error", part);
            rn_error_propagate(err, e);
            return false;
        }
        rn_error_free(e);
    }
    return true;
}

bool rn_pool_for(RnPool *p, size_t n, size_t parts, RnPoolTask task, void *ctx,
                 RnError **err)
{
    if (p == NULL || p->started == 0 || parts <= 1 || running_in == p)
        return run_inline(n, parts, task, ctx, err);
    pthread_mutex_lock(&p->call_lock);
    pthread_mutex_lock(&p->lock);
    p->task = task;
    p->ctx = ctx;
    p->n = n;
    p->parts = parts;
    p->error = NULL;
    atomic_store(&p->next, 0);
    atomic_store(&p->failed, false);
    p->active = p->started;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    run_parts(p);

    pthread_mutex_lock(&p->lock);
    while (p->active > 0)
        pthread_cond_wait(&p->done, &p->lock);
    RnError *e = p->error;
    p->error = NULL;
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_unlock(&p->call_lock);
    if (e == NULL)
        return true;
    rn_error_propagate(err, e);
    return false;
}
