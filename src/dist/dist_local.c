/* The world of one: built when MPI is absent. Collectives have nothing to
 * exchange. */
#include "dist_internal.h"

bool dist_impl_available(void)
{
    return false;
}

bool dist_impl_open(RnDist *d, RnError **err)
{
    (void)err;
    d->rank = 0;
    d->size = 1;
    return true;
}

bool dist_impl_close(RnDist *d, RnError **err)
{
    (void)d, (void)err;
    return true;
}

void dist_impl_abort(RnDist *d, int code)
{
    (void)d, (void)code;
}

bool dist_impl_allgatherv(RnDist *d, void *buf, const size_t *offset,
                          const char *what, RnError **err)
{
    (void)d, (void)buf, (void)offset, (void)what, (void)err;
    return true;
}

bool dist_impl_allreduce_u64(RnDist *d, uint64_t *v, size_t count, RnDistOp op,
                             RnError **err)
{
    (void)d, (void)v, (void)count, (void)op, (void)err;
    return true;
}

bool dist_impl_bcast(RnDist *d, void *buf, size_t bytes, int root, RnError **err)
{
    (void)d, (void)buf, (void)bytes, (void)root, (void)err;
    return true;
}

bool dist_impl_barrier(RnDist *d, const char *what, RnError **err)
{
    (void)d, (void)what, (void)err;
    return true;
}

bool dist_impl_pass(RnDist *d, int peer, bool send, double *value, RnError **err)
{
    (void)d, (void)peer, (void)send, (void)value;
    rn_error_set(err, RN_ERROR_INTERNAL, "no other rank in a world of one");
    return false;
}
