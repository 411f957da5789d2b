/* Helper of test_wait.py, run under mpirun with a 2 s timeout:
 *   lone  rank 0 works alone for 3.5 timeouts while the others wait in a
 *         barrier: every rank must pass it (the heartbeat keeps them
 *         waiting while rank 0 is alive), then agree on a broadcast;
 *   stop  rank 1 stops itself (SIGSTOP) before the barrier: the others must
 *         fail it with the timeout error, then end the job (MPI_Abort);
 *   kill  rank 1 kills itself (SIGKILL) before the barrier: the job must
 *         end, failed.
 * Every rank prints one line saying what it saw (the driver checks them). */
#include "radnet/dist.h"
#include "rn_test.h"

#include <signal.h>
#include <time.h>

#define TIMEOUT_S 2.0

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void lone(RnDist *d)
{
    int rank = rn_dist_rank(d);
    if (rank == 0) {
        struct timespec work = {3, 500000000}; /* 3.5 × TIMEOUT_S */
        nanosleep(&work, NULL);
    }
    RnError *err = NULL;
    double t0 = now();
    bool passed = rn_dist_barrier(d, &err);
    CHECK_MSG(passed, "rank %d: %s", rank, rn_error_message(err));
    uint64_t v = rank == 0 ? 4242 : 0;
    CHECK(passed && rn_dist_bcast(d, &v, sizeof v, 0, &err));
    CHECK_EQ_INT(v, 4242);
    printf("rank %d: waited %.1f s in the barrier: %s\n", rank, now() - t0,
           passed ? "passed" : "failed");
    rn_error_free(err);
    CHECK(rn_dist_close(d, NULL));
}

static void lost(RnDist *d, int sig)
{
    int rank = rn_dist_rank(d);
    if (rank == 1) {
        printf("rank 1: raising signal %d\n", sig);
        fflush(stdout);
        raise(sig);
        _Exit(0); /* resumed by mpirun's abort: nothing left to check here */
    }
    RnError *err = NULL;
    double t0 = now();
    bool passed = rn_dist_barrier(d, &err);
    CHECK(!passed);
    CHECK(rn_error_code(err) == RN_ERROR_IO);
    printf("rank %d: barrier failed cleanly after %.1f s: %s\n", rank, now() - t0,
           rn_error_message(err));
    fflush(stdout);
    rn_error_free(err);
    rn_dist_abort(d, 3); /* ends the job, the stopped rank included */
}

int main(int argc, char **argv)
{
    RnError *err = NULL;
    RnDist *d = rn_dist_open(TIMEOUT_S, &err);
    CHECK(d != NULL && argc == 2);
    if (d == NULL || argc != 2)
        TEST_DONE();
    if (strcmp(argv[1], "lone") == 0)
        lone(d);
    else if (strcmp(argv[1], "stop") == 0 || strcmp(argv[1], "kill") == 0)
        lost(d, strcmp(argv[1], "stop") == 0 ? SIGSTOP : SIGKILL);
    else
        CHECK_MSG(false, "unknown mode %s", argv[1]);
    TEST_DONE();
}
