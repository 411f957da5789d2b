/* radnet dist: the same commands over MPI ranks (`mpirun -n R radnet ...`).
 *
 * One RnDist per process: rank, size, a deterministic partition of the
 * inputs and the few collectives the stages need. Built on OpenMPI when
 * meson found it (-Dmpi=auto|enabled|disabled) and the process was started
 * by mpirun; otherwise a single-process world of size 1 whose collectives
 * are copies, so callers have one code path.
 *
 * Results never depend on R: work is split into partitions that depend on
 * the problem size only (core's rn_part_begin), each rank computes a
 * contiguous block of them, every rank receives every partition's partial
 * result (allgather) and reduces them in partition order itself.
 *
 * A collective fails when the ranks have shown no sign of life for the
 * timeout given to rn_dist_open: every rank runs a heartbeat thread, so a
 * rank waits as long as the others are alive (however long rank 0 works
 * alone), while a rank that died or is stopped makes the others fail with
 * RN_ERROR_IO naming the collective, never hang. After such a failure the
 * world is broken: the caller (the CLI) ends the job with rn_dist_abort.
 * Only the thread that opened the world calls these functions (MPI is
 * initialised MPI_THREAD_MULTIPLE for the heartbeat's own thread).
 */
#ifndef RADNET_DIST_H
#define RADNET_DIST_H

#include "radnet/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct RnDist RnDist;

/* Default for collective waits, seconds. */
#define RN_DIST_TIMEOUT_DEFAULT 600.0

/* True when this binary was built with MPI. */
bool rn_dist_available(void);

/* Joins the MPI job when started by mpirun (and built with MPI), else a
 * world of one. timeout_s > 0: how long a collective waits after the last
 * sign of life of every rank. */
RnDist *rn_dist_open(double timeout_s, RnError **err);
/* Leaves the job (MPI_Finalize after a barrier); NULL is a no-op. Returns
 * false (err set) when another rank did not reach the end in time. */
bool rn_dist_close(RnDist *d, RnError **err);
/* Ends the whole job at once (MPI_Abort) with exit code `code`: for the
 * CLI when this rank failed, so that no rank waits for it. In a world of
 * one it only frees d. */
void rn_dist_abort(RnDist *d, int code);

/* A NULL d is the world of one. */
int rn_dist_rank(const RnDist *d);
int rn_dist_size(const RnDist *d);

/* ---- partitions ------------------------------------------------------- */

/* Contiguous block [*lo, *hi) of `parts` partitions that this rank owns
 * (may be empty when parts < size). */
void rn_dist_parts(const RnDist *d, size_t parts, size_t *lo, size_t *hi);
/* Rank that owns input `key` (e.g. a file path): FNV-1a 64 of the bytes
 * modulo size — the same on every rank and every run. */
int rn_dist_owner(const RnDist *d, const char *key);

/* rn_pool_for restricted to the partitions this rank owns: task(ctx, p,
 * begin, end) for p in rn_dist_parts(d, parts), same boundaries as
 * rn_pool_for(pool, n, parts, ...). */
bool rn_dist_pool_for(const RnDist *d, RnPool *pool, size_t n, size_t parts,
                      RnPoolTask task, void *ctx, RnError **err);

/* ---- collectives (every rank calls them in the same order) ------------ */

/* buf holds `parts` records of `bytes` each; this rank's block (from
 * rn_dist_parts) is sent, the others are received into place. */
bool rn_dist_allgather_parts(RnDist *d, void *buf, size_t parts, size_t bytes,
                             RnError **err);
/* buf holds n rows of `bytes` each split into `parts` partitions as
 * rn_part_begin does; this rank's rows are sent, the others received. */
bool rn_dist_allgather_rows(RnDist *d, void *buf, size_t n, size_t parts,
                            size_t bytes, RnError **err);

/* The general form: rank r's bytes are buf[offset[r], offset[r + 1])
 * (offset has size + 1 entries, non-decreasing). */
bool rn_dist_allgatherv(RnDist *d, void *buf, const size_t *offset, RnError **err);

typedef enum RnDistOp { RN_DIST_MIN = 0, RN_DIST_MAX, RN_DIST_SUM } RnDistOp;
/* Element-wise reduction of count values over the ranks, result on all.
 * Integer operations: the result does not depend on the order. */
bool rn_dist_allreduce_u64(RnDist *d, uint64_t *v, size_t count, RnDistOp op,
                           RnError **err);
/* bytes from root to every rank. */
bool rn_dist_bcast(RnDist *d, void *buf, size_t bytes, int root, RnError **err);
bool rn_dist_barrier(RnDist *d, RnError **err);

/* A running value passed rank to rank in rank order (an exclusive scan
 * that keeps the exact sequence of floating-point operations): recv gives
 * rank r the value rank r - 1 sent (rank 0 keeps *value), then rank r
 * updates it and sends it on. */
bool rn_dist_chain_recv(RnDist *d, double *value, RnError **err);
bool rn_dist_chain_send(RnDist *d, double value, RnError **err);

#ifdef __cplusplus
}
#endif

#endif
