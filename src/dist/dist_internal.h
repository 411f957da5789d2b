/* The dist stage's backends: MPI (dist_mpi.c) or a world of one
 * (dist_local.c); meson compiles exactly one. dist.c holds what does not
 * depend on the backend. */
#ifndef RN_DIST_INTERNAL_H
#define RN_DIST_INTERNAL_H

#include "radnet/dist.h"

struct RnDist {
    int rank, size;
    double timeout;   /* seconds, > 0 */
    bool broken;      /* a collective failed: no further MPI call */
    void *impl;
};

bool dist_impl_available(void);
/* Fills rank and size (joins the job when there is one). */
bool dist_impl_open(RnDist *d, RnError **err);
bool dist_impl_close(RnDist *d, RnError **err);
void dist_impl_abort(RnDist *d, int code);
/* In place: rank r's bytes are buf[offset[r], offset[r + 1]). */
bool dist_impl_allgatherv(RnDist *d, void *buf, const size_t *offset,
                          const char *what, RnError **err);
bool dist_impl_allreduce_u64(RnDist *d, uint64_t *v, size_t count, RnDistOp op,
                             RnError **err);
bool dist_impl_bcast(RnDist *d, void *buf, size_t bytes, int root, RnError **err);
bool dist_impl_barrier(RnDist *d, const char *what, RnError **err);
/* One double to (send) or from (!send) rank peer. */
bool dist_impl_pass(RnDist *d, int peer, bool send, double *value, RnError **err);

#endif
