/* The MPI backend (OpenMPI). Every collective is the non-blocking form,
 * polled until it completes or the timeout passes: a dead or hung rank
 * turns into an error on the others instead of a hang. Errors return
 * (MPI_ERRORS_RETURN) rather than abort inside the library. */
#include "dist_internal.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <time.h>

#define CHAIN_TAG 7301

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

bool dist_impl_open(RnDist *d, RnError **err)
{
    d->rank = 0;
    d->size = 1;
    if (!started_by_mpirun())
        return true;
    int provided = 0, inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        rn_error_set(err, RN_ERROR_IO, "MPI_Init_thread failed");
        return false;
    }
    d->impl = d; /* marks "MPI initialised here" */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return mpi_ok(d, MPI_Comm_rank(MPI_COMM_WORLD, &d->rank), "MPI_Comm_rank", err) &&
           mpi_ok(d, MPI_Comm_size(MPI_COMM_WORLD, &d->size), "MPI_Comm_size", err);
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Polls req until done or d->timeout; sleeps up to 1 ms between polls so
 * waiting ranks leave the cores to the working ones. */
static bool wait_request(RnDist *d, MPI_Request *req, const char *what, RnError **err)
{
    double deadline = now_seconds() + d->timeout;
    long pause_ns = 1000;
    for (;;) {
        int done = 0;
        if (!mpi_ok(d, MPI_Test(req, &done, MPI_STATUS_IGNORE), what, err))
            return false;
        if (done)
            return true;
        if (now_seconds() > deadline) {
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
    if (d->broken || !dist_impl_barrier(d, "finalize", err))
        return false;
    MPI_Finalize();
    return true;
}

void dist_impl_abort(RnDist *d, int code)
{
    if (d->impl != NULL && d->size > 1)
        MPI_Abort(MPI_COMM_WORLD, code);
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
