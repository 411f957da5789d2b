/* The MPI backend (OpenMPI). Every collective is the non-blocking form,
 * polled until it completes or the timeout passes: a dead or hung rank
 * turns into an error on the others instead of a hang. Errors return
 * (MPI_ERRORS_RETURN) rather than abort inside the library.
 *
 * The timeout counts from the last sign of life of every rank, not from the
 * start of the wait: a heartbeat thread per rank joins a small allreduce on
 * its own communicator every timeout / 8 s, whatever the rank's main thread
 * is doing. While every rank is alive the rounds complete, so a rank may
 * wait for rank 0's long lone steps (an hour at 10^6 images) however short
 * the timeout; a rank that died or is stopped ends the rounds, and the
 * waits fail timeout seconds later. Needs MPI_THREAD_MULTIPLE; without it
 * the timeout counts from the start of each wait. */
#include "dist_internal.h"

#include <limits.h>
#include <mpi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define CHAIN_TAG 7301

typedef struct Heart {
    MPI_Comm comm;             /* the heartbeat's own communicator */
    pthread_t thread;
    double period, timeout;    /* seconds */
    _Atomic int64_t last_ns;   /* when the last round completed */
    atomic_bool stop;          /* end after a round every rank agrees on */
    atomic_bool quit;          /* end at once (the world is broken) */
    bool running;
} Heart;

bool dist_impl_available(void)
{
    return true;
}

/* mpirun (ORTE/PMIx) exports these to every rank it starts. Without them
 * the binary runs alone and never touches MPI (a singleton MPI_Init
 * would start a daemon for nothing). */
static bool started_by_mpirun(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") ||
           getenv("PMI_RANK");
}

static bool mpi_ok(RnDist *d, int rc, const char *what, RnError **err)
{
    if (rc == MPI_SUCCESS)
        return true;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    d->broken = true;
    rn_error_set(err, RN_ERROR_IO, "%s: MPI error: %.*s", what, len, msg);
    return false;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static double now_seconds(void)
{
    return 1e-9 * (double)now_ns();
}

static void pause_seconds(double s)
{
    struct timespec p = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&p, NULL);
}

/* Polls one heartbeat round; false when the world is broken, the process
 * quits, or no round completed for the timeout (the thread then ends: the
 * waits of the main thread time out by themselves). */
static bool beat_once(Heart *h, uint8_t *all)
{
    uint8_t mine = atomic_load(&h->stop);
    MPI_Request req;
    if (MPI_Iallreduce(&mine, all, 1, MPI_UINT8_T, MPI_MAX, h->comm, &req) != MPI_SUCCESS)
        return false;
    double pause = 1e-4, since = now_seconds();
    for (;;) {
        int done = 0;
        if (atomic_load(&h->quit) || MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return false;
        if (done)
            return true;
        if (now_seconds() - since > h->timeout)
            return false;
        pause_seconds(pause);
        pause = pause < 0.01 ? 2 * pause : 0.01;
    }
}

static void *heart_run(void *arg)
{
    Heart *h = arg;
    for (;;) {
        uint8_t all = 0;
        if (!beat_once(h, &all))
            return NULL;
        atomic_store(&h->last_ns, now_ns());
        if (all) /* every rank is closing */
            return NULL;
        for (double slept = 0; slept < h->period && !atomic_load(&h->stop) &&
                               !atomic_load(&h->quit); slept += 0.01)
            pause_seconds(0.01);
    }
}

/* Starts the heartbeat (collective: every rank calls it at open). */
static bool heart_start(RnDist *d, Heart *h, RnError **err)
{
    h->timeout = d->timeout;
    h->period = d->timeout / 8 < 0.01 ? 0.01 : d->timeout / 8 > 10 ? 10 : d->timeout / 8;
    atomic_store(&h->last_ns, now_ns());
    if (!mpi_ok(d, MPI_Comm_dup(MPI_COMM_WORLD, &h->comm), "heartbeat", err))
        return false;
    MPI_Comm_set_errhandler(h->comm, MPI_ERRORS_RETURN);
    if (pthread_create(&h->thread, NULL, heart_run, h) != 0) {
        rn_error_set(err, RN_ERROR_IO, "heartbeat: cannot start a thread");
        return false;
    }
    h->running = true;
    return true;
}

/* Ends the heartbeat: after a last round every rank agrees on (`agreed`:
 * all ranks are closing), else at once. */
static void heart_end(Heart *h, bool agreed)
{
    if (!h->running)
        return;
    atomic_store(agreed ? &h->stop : &h->quit, true);
    pthread_join(h->thread, NULL);
    h->running = false;
    if (agreed)
        MPI_Comm_free(&h->comm);
}

bool dist_impl_open(RnDist *d, RnError **err)
{
    d->rank = 0;
    d->size = 1;
    if (!started_by_mpirun())
        return true;
    int provided = 0, inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
        rn_error_set(err, RN_ERROR_IO, "MPI_Init_thread failed");
        return false;
    }
    if (inited)
        MPI_Query_thread(&provided);
    Heart *h = rn_calloc(1, sizeof *h, err);
    if (h == NULL)
        return false;
    d->impl = h; /* also marks "MPI initialised here" */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    bool ok = mpi_ok(d, MPI_Comm_rank(MPI_COMM_WORLD, &d->rank), "MPI_Comm_rank", err) &&
              mpi_ok(d, MPI_Comm_size(MPI_COMM_WORLD, &d->size), "MPI_Comm_size", err) &&
              (provided < MPI_THREAD_MULTIPLE || d->size == 1 || heart_start(d, h, err));
    if (!ok) {
        free(h);
        d->impl = NULL;
    }
    return ok;
}

/* Seconds since the last sign of life of every rank: the last heartbeat
 * round, or the start of the wait if later (or without a heartbeat). */
static double silent_for(const RnDist *d, double wait_start)
{
    const Heart *h = d->impl;
    double beat = h->running ? 1e-9 * (double)atomic_load(&h->last_ns) : wait_start;
    double now = now_seconds();
    return now - (beat > wait_start ? beat : wait_start);
}

/* The longest pause between two polls of a wait: waking a thousand times a
 * second cost a rank waiting through rank 0's lone steps (minutes at 10^6
 * images) a few per cent of a core, taken from the ranks that work. */
#define MAX_POLL_PAUSE_NS 16000000L

/* After the first millisecond: a 16th of the time waited, 1 ms to the most. */
static long poll_pause_ns(double waited)
{
    double ns = waited * 1e9 / 16.0;
    return ns < 1e6 ? 1000000L : ns > (double)MAX_POLL_PAUSE_NS ? MAX_POLL_PAUSE_NS : (long)ns;
}

/* Polls req until done or the ranks have been silent for d->timeout. The
 * pause between polls doubles from 1 µs to 1 ms, then grows with the wait
 * (a 16th of the time waited, at most MAX_POLL_PAUSE_NS): a short wait
 * still ends within microseconds, a long one later by at most ~6 %. */
static bool wait_request(RnDist *d, MPI_Request *req, const char *what, RnError **err)
{
    double start = now_seconds();
    long pause_ns = 1000;
    for (;;) {
        int done = 0;
        if (!mpi_ok(d, MPI_Test(req, &done, MPI_STATUS_IGNORE), what, err))
            return false;
        if (done)
            return true;
        if (silent_for(d, start) > d->timeout) {
            d->broken = true;
            rn_error_set(err, RN_ERROR_IO,
                         "%s: no answer from the other ranks in %.0f s "
                         "(a rank died or hangs)", what, d->timeout);
            return false;
        }
        struct timespec p = {0, pause_ns};
        nanosleep(&p, NULL);
        if (pause_ns < 1000000)
            pause_ns *= 2;
        else
            pause_ns = poll_pause_ns(now_seconds() - start);
    }
}

static bool usable(RnDist *d, const char *what, RnError **err)
{
    if (!d->broken)
        return true;
    rn_error_set(err, RN_ERROR_IO, "%s: an earlier collective failed", what);
    return false;
}

bool dist_impl_barrier(RnDist *d, const char *what, RnError **err)
{
    if (d->size == 1)
        return true;
    MPI_Request req;
    return usable(d, what, err) &&
           mpi_ok(d, MPI_Ibarrier(MPI_COMM_WORLD, &req), what, err) &&
           wait_request(d, &req, what, err);
}

bool dist_impl_close(RnDist *d, RnError **err)
{
    if (d->impl == NULL)
        return true;
    /* MPI_Finalize is collective: after a failure (or without the others)
     * it would wait for ever. mpirun then ends the job as failed. */
    bool ok = !d->broken && dist_impl_barrier(d, "finalize", err);
    heart_end(d->impl, ok);
    free(d->impl);
    d->impl = NULL;
    if (ok)
        MPI_Finalize();
    return ok;
}

void dist_impl_abort(RnDist *d, int code)
{
    if (d->impl != NULL && d->size > 1)
        MPI_Abort(MPI_COMM_WORLD, code); /* ends this process too */
    if (d->impl != NULL)
        heart_end(d->impl, false);
    free(d->impl);
}

static bool fits_int(size_t v)
{
    return v <= (size_t)INT_MAX;
}

bool dist_impl_allgatherv(RnDist *d, void *buf, const size_t *offset,
                          const char *what, RnError **err)
{
    if (d->size == 1)
        return true;
    if (!usable(d, what, err))
        return false;
    int *counts = rn_malloc((size_t)d->size * sizeof *counts, err);
    int *displs = rn_malloc((size_t)d->size * sizeof *displs, err);
    bool ok = counts && displs;
    if (ok && !fits_int(offset[d->size])) {
        rn_error_set(err, RN_ERROR_LIMIT, "%s: %zu bytes exceed one MPI message",
                     what, offset[d->size]);
        ok = false;
    }
    for (int r = 0; ok && r < d->size; r++) {
        counts[r] = (int)(offset[r + 1] - offset[r]);
        displs[r] = (int)offset[r];
    }
    MPI_Request req;
    ok = ok && mpi_ok(d, MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts,
                                         displs, MPI_BYTE, MPI_COMM_WORLD, &req),
                      what, err) &&
         wait_request(d, &req, what, err);
    free(counts);
    free(displs);
    return ok;
}

bool dist_impl_allreduce_u64(RnDist *d, uint64_t *v, size_t count, RnDistOp op,
                             RnError **err)
{
    if (d->size == 1)
        return true;
    static const MPI_Op ops[] = {MPI_MIN, MPI_MAX, MPI_SUM};
    if (!usable(d, "allreduce", err))
        return false;
    if (!fits_int(count)) {
        rn_error_set(err, RN_ERROR_LIMIT, "allreduce: %zu values", count);
        return false;
    }
    MPI_Request req;
    return mpi_ok(d, MPI_Iallreduce(MPI_IN_PLACE, v, (int)count, MPI_UINT64_T, ops[op],
                                    MPI_COMM_WORLD, &req), "allreduce", err) &&
           wait_request(d, &req, "allreduce", err);
}

bool dist_impl_bcast(RnDist *d, void *buf, size_t bytes, int root, RnError **err)
{
    if (d->size == 1)
        return true;
    if (!usable(d, "broadcast", err))
        return false;
    if (!fits_int(bytes)) {
        rn_error_set(err, RN_ERROR_LIMIT, "broadcast: %zu bytes", bytes);
        return false;
    }
    MPI_Request req;
    return mpi_ok(d, MPI_Ibcast(buf, (int)bytes, MPI_BYTE, root, MPI_COMM_WORLD, &req),
                  "broadcast", err) &&
           wait_request(d, &req, "broadcast", err);
}

bool dist_impl_pass(RnDist *d, int peer, bool send, double *value, RnError **err)
{
    const char *what = send ? "chain send" : "chain receive";
    if (!usable(d, what, err))
        return false;
    MPI_Request req;
    int rc = send ? MPI_Isend(value, 1, MPI_DOUBLE, peer, CHAIN_TAG, MPI_COMM_WORLD, &req)
                  : MPI_Irecv(value, 1, MPI_DOUBLE, peer, CHAIN_TAG, MPI_COMM_WORLD, &req);
    return mpi_ok(d, rc, what, err) && wait_request(d, &req, what, err);
}
