/* Helpers shared by the image extractors (image_common.h). */
#include "embed/image_common.h"

#include "cluster/cluster_internal.h"

#include <stdlib.h>
#include <string.h>

bool eb_thumbs_size(const RnEmbedItem *items, size_t n, uint32_t *size,
                    RnError **err)
{
    for (size_t i = 0; i < n; i++) {
        const RnEmbedItem *it = &items[i];
        if (!it->thumb || it->thumb_size == 0 || it->thumb_size > 65535) {
            rn_error_set(err, RN_ERROR_INVALID, "row %zu (%s) has no thumbnail", i,
                         it->sop_uid ? it->sop_uid : "?");
            return false;
        }
        if (it->thumb_size != items[0].thumb_size) {
            rn_error_set(err, RN_ERROR_INVALID,
                         "thumbnails of two sizes (%u and %u) in one batch",
                         items[0].thumb_size, it->thumb_size);
            return false;
        }
    }
    *size = n ? items[0].thumb_size : 0;
    return true;
}

void eb_resample_free(EbResample *r)
{
    if (!r)
        return;
    free(r->lo);
    free(r->w);
    memset(r, 0, sizeof *r);
}

bool eb_resample_init(EbResample *r, uint32_t in, uint32_t out, RnError **err)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->out = out;
    r->lo = rn_malloc(2 * (size_t)out * sizeof *r->lo, err);
    r->w = r->lo ? rn_calloc((size_t)out * in, sizeof *r->w, err) : NULL;
    if (!r->w) {
        eb_resample_free(r);
        return false;
    }
    r->hi = r->lo + out;
    /* Output pixel o covers [o·in/out, (o+1)·in/out) in input units; in
     * integer arithmetic scaled by out, so block boundaries are exact. */
    for (uint32_t o = 0; o < out; o++) {
        uint64_t a = (uint64_t)o * in, b = (uint64_t)(o + 1) * in;
        r->lo[o] = (uint32_t)(a / out);
        r->hi[o] = (uint32_t)((b + out - 1) / out);
        for (uint32_t i = r->lo[o]; i < r->hi[o]; i++) {
            uint64_t s = (uint64_t)i * out, e = (uint64_t)(i + 1) * out;
            uint64_t overlap = (e < b ? e : b) - (s > a ? s : a);
            r->w[(size_t)o * in + i] = (float)((double)overlap / (double)in);
        }
    }
    return true;
}

void eb_resample(const EbResample *r, const uint8_t *src, float *tmp, float *dst)
{
    uint32_t in = r->in, out = r->out;
    for (uint32_t o = 0; o < out; o++) { /* rows: tmp = W · src */
        float *t = tmp + (size_t)o * in;
        memset(t, 0, in * sizeof *t);
        for (uint32_t i = r->lo[o]; i < r->hi[o]; i++) {
            float w = r->w[(size_t)o * in + i] * (1.0f / 255.0f);
            const uint8_t *s = src + (size_t)i * in;
            for (uint32_t x = 0; x < in; x++)
                t[x] += w * (float)s[x];
        }
    }
    for (uint32_t o = 0; o < out; o++) /* columns: dst = tmp · Wᵀ */
        for (uint32_t c = 0; c < out; c++) {
            const float *t = tmp + (size_t)o * in;
            const float *w = r->w + (size_t)c * in;
            float acc = 0;
            for (uint32_t i = r->lo[c]; i < r->hi[c]; i++)
                acc += w[i] * t[i];
            dst[(size_t)o * out + c] = acc;
        }
}

typedef struct ChunkJob {
    const void *state;
    EbChunkFn fn;
    const RnEmbedItem *items;
    size_t n, dim;
    float *out;
    RnError **errors; /* one slot per chunk */
} ChunkJob;

static void chunk_task(void *ctx, size_t c)
{
    ChunkJob *job = ctx;
    size_t first = c * EB_CHUNK;
    size_t m = job->n - first < EB_CHUNK ? job->n - first : EB_CHUNK;
    job->fn(job->state, job->items + first, m, job->out + first * job->dim,
            &job->errors[c]);
}

bool eb_for_chunks(const void *state, EbChunkFn fn, const RnEmbedItem *items,
                   size_t n, size_t dim, int threads, float *out, RnError **err)
{
    size_t chunks = (n + EB_CHUNK - 1) / EB_CHUNK;
    if (chunks == 0)
        return true;
    ChunkJob job = {state, fn, items, n, dim, out,
                    rn_calloc(chunks, sizeof(RnError *), err)};
    if (!job.errors)
        return false;
    int blas_threads = rn_blas_get_threads();
    rn_blas_set_threads(1);
    bool ok = cl_parallel_for(chunks, cl_resolve_threads(threads), chunk_task, &job,
                              err);
    rn_blas_set_threads(blas_threads);
    for (size_t c = 0; c < chunks; c++) {
        if (job.errors[c] && ok) {
            rn_error_set(err, rn_error_code(job.errors[c]), "%s",
                         rn_error_message(job.errors[c]));
            ok = false;
        }
        rn_error_free(job.errors[c]);
    }
    free(job.errors);
    return ok;
}

bool eb_pick_dim(const RnEmbedParams *p, size_t fallback, size_t max,
                 const char *method, size_t *dim, RnError **err)
{
    if (p->dim > max) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "%s: --dim %zu exceeds what the sample allows (%zu)", method,
                     p->dim, max);
        return false;
    }
    *dim = p->dim ? p->dim : fallback < max ? fallback : max;
    if (*dim == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: the sample allows no output", method);
        return false;
    }
    return true;
}
