/* Backend-independent part of the dist stage: the handle, partitions,
 * ownership of inputs, the partition-restricted pool loop and the typed
 * collectives over partitions and rows. */
#include "dist_internal.h"

#include <stdlib.h>
#include <string.h>

bool rn_dist_available(void)
{
    return dist_impl_available();
}

RnDist *rn_dist_open(double timeout_s, RnError **err)
{
    if (!(timeout_s > 0)) {
        rn_error_set(err, RN_ERROR_INVALID, "dist timeout must be > 0 s");
        return NULL;
    }
    RnDist *d = rn_calloc(1, sizeof *d, err);
    if (d == NULL)
        return NULL;
    d->timeout = timeout_s;
    if (!dist_impl_open(d, err)) {
        free(d);
        return NULL;
    }
    return d;
}

bool rn_dist_close(RnDist *d, RnError **err)
{
    if (d == NULL)
        return true;
    bool ok = dist_impl_close(d, err);
    free(d);
    return ok;
}

void rn_dist_abort(RnDist *d, int code)
{
    if (d == NULL)
        return;
    dist_impl_abort(d, code);
    free(d);
}

int rn_dist_rank(const RnDist *d)
{
    return d ? d->rank : 0;
}

int rn_dist_size(const RnDist *d)
{
    return d ? d->size : 1;
}

void rn_dist_parts(const RnDist *d, size_t parts, size_t *lo, size_t *hi)
{
    size_t size = (size_t)rn_dist_size(d), rank = (size_t)rn_dist_rank(d);
    *lo = rn_part_begin(parts, size, rank);
    *hi = rn_part_begin(parts, size, rank + 1);
}

int rn_dist_owner(const RnDist *d, const char *key)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a 64 */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 0x100000001b3u;
    return (int)(h % (uint64_t)rn_dist_size(d));
}

typedef struct OwnedLoop {
    RnPoolTask task;
    void *ctx;
    size_t n, parts, lo;
} OwnedLoop;

static bool owned_part(void *ctx, size_t i, size_t b, size_t e, RnError **err)
{
    (void)b, (void)e;
    OwnedLoop *l = ctx;
    size_t p = l->lo + i;
    return l->task(l->ctx, p, rn_part_begin(l->n, l->parts, p),
                   rn_part_begin(l->n, l->parts, p + 1), err);
}

bool rn_dist_pool_for(const RnDist *d, RnPool *pool, size_t n, size_t parts,
                      RnPoolTask task, void *ctx, RnError **err)
{
    OwnedLoop l = {task, ctx, n, parts, 0};
    size_t hi;
    rn_dist_parts(d, parts, &l.lo, &hi);
    if (hi == l.lo)
        return true;
    return rn_pool_for(pool, hi - l.lo, hi - l.lo, owned_part, &l, err);
}

/* Byte offsets of every rank's block: rank r's partitions span elements
 * [unit_begin(r's first partition), unit_begin(its end)). */
static bool gather_blocks(RnDist *d, void *buf, size_t n, size_t parts, size_t bytes,
                          const char *what, RnError **err)
{
    if (d == NULL || d->size == 1)
        return true;
    size_t *offset = rn_malloc(((size_t)d->size + 1) * sizeof *offset, err);
    if (offset == NULL)
        return false;
    for (int r = 0; r <= d->size; r++) {
        size_t p = rn_part_begin(parts, (size_t)d->size, (size_t)r);
        offset[r] = rn_part_begin(n, parts, p) * bytes;
    }
    bool ok = dist_impl_allgatherv(d, buf, offset, what, err);
    free(offset);
    return ok;
}

bool rn_dist_allgatherv(RnDist *d, void *buf, const size_t *offset, RnError **err)
{
    return d == NULL || dist_impl_allgatherv(d, buf, offset, "allgather", err);
}

bool rn_dist_allgather_parts(RnDist *d, void *buf, size_t parts, size_t bytes,
                             RnError **err)
{
    return gather_blocks(d, buf, parts, parts, bytes, "allgather (partitions)", err);
}

bool rn_dist_allgather_rows(RnDist *d, void *buf, size_t n, size_t parts,
                            size_t bytes, RnError **err)
{
    return gather_blocks(d, buf, n, parts, bytes, "allgather (rows)", err);
}

bool rn_dist_allreduce_u64(RnDist *d, uint64_t *v, size_t count, RnDistOp op,
                           RnError **err)
{
    return d == NULL || dist_impl_allreduce_u64(d, v, count, op, err);
}

bool rn_dist_bcast(RnDist *d, void *buf, size_t bytes, int root, RnError **err)
{
    return d == NULL || dist_impl_bcast(d, buf, bytes, root, err);
}

bool rn_dist_barrier(RnDist *d, RnError **err)
{
    return d == NULL || dist_impl_barrier(d, "barrier", err);
}

bool rn_dist_chain_recv(RnDist *d, double *value, RnError **err)
{
    return d == NULL || d->rank == 0 || dist_impl_pass(d, d->rank - 1, false, value, err);
}

bool rn_dist_chain_send(RnDist *d, double value, RnError **err)
{
    return d == NULL || d->rank == d->size - 1 ||
           dist_impl_pass(d, d->rank + 1, true, &value, err);
}
