/* Helpers shared by the image extractors (image_common.h). */
#include "embed/image_common.h"

#include <math.h>
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

/* The column pass shared by both sources: dst = tmp · Wᵀ. */
static void resample_columns(const EbResample *r, const float *tmp, float *dst)
{
    uint32_t in = r->in, out = r->out;
    for (uint32_t o = 0; o < out; o++)
        for (uint32_t c = 0; c < out; c++) {
            const float *t = tmp + (size_t)o * in;
            const float *w = r->w + (size_t)c * in;
            float acc = 0;
            for (uint32_t i = r->lo[c]; i < r->hi[c]; i++)
                acc += w[i] * t[i];
            dst[(size_t)o * out + c] = acc;
        }
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
    resample_columns(r, tmp, dst);
}

void eb_resample_f32(const EbResample *r, const float *src, float *tmp, float *dst)
{
    uint32_t in = r->in, out = r->out;
    for (uint32_t o = 0; o < out; o++) {
        float *t = tmp + (size_t)o * in;
        memset(t, 0, in * sizeof *t);
        for (uint32_t i = r->lo[o]; i < r->hi[o]; i++) {
            float w = r->w[(size_t)o * in + i];
            const float *s = src + (size_t)i * in;
            for (uint32_t x = 0; x < in; x++)
                t[x] += w * s[x];
        }
    }
    resample_columns(r, tmp, dst);
}

void eb_rows_l2(float *X, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        float *x = X + i * d;
        double ss = 0.0;
        for (size_t j = 0; j < d; j++)
            ss += (double)x[j] * x[j];
        if (ss > 0.0) {
            float inv = (float)(1.0 / sqrt(ss));
            for (size_t j = 0; j < d; j++)
                x[j] *= inv;
        }
    }
}

void eb_sqrt_histogram(const uint8_t *px, size_t n, float w, float *out)
{
    uint32_t count[EB_HIST_BINS] = {0};
    for (size_t i = 0; i < n; i++)
        count[px[i] * EB_HIST_BINS / 256u]++;
    for (uint32_t b = 0; b < EB_HIST_BINS; b++)
        out[b] = w * (float)sqrt((double)count[b] / (double)n);
}

typedef struct ChunkJob {
    const void *state;
    EbChunkFn fn;
    const RnEmbedItem *items;
    size_t dim;
    float *out;
} ChunkJob;

static bool chunk_task(void *ctx, size_t part, size_t begin, size_t end,
                       RnError **err)
{
    ChunkJob *job = ctx;
    return job->fn(job->state, job->items + begin, end - begin,
                   job->out + begin * job->dim, err);
}

bool eb_for_chunks(const void *state, EbChunkFn fn, const RnEmbedItem *items,
                   size_t n, size_t dim, RnPool *pool, float *out, RnError **err)
{
    if (n == 0)
        return true;
    ChunkJob job = {state, fn, items, dim, out};
    int blas_threads = rn_blas_get_threads();
    rn_blas_set_threads(1);
    bool ok = rn_pool_for(pool, n, rn_part_count(n, EB_CHUNK, SIZE_MAX), chunk_task,
                          &job, err);
    rn_blas_set_threads(blas_threads);
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

/* ---- descriptor + optional PCA ----------------------------------------- */

#include "embed/pca.h"

size_t eb_reduced_dim(const EbReduced *r)
{
    return r->reduce ? r->pca.k : r->feat_dim;
}

void eb_reduced_free(EbReduced *r)
{
    if (r)
        eb_pca_free(&r->pca);
}

bool eb_reduced_fit(const void *state, EbReduced *r, EbChunkFn features,
                    const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                    size_t default_dim, const char *method, size_t *dim,
                    RnError **err)
{
    r->threads = p->threads;
    if (!r->reduce) {
        if (p->dim && p->dim != r->feat_dim) {
            rn_error_set(err, RN_ERROR_INVALID,
                         "%s without PCA gives %zu values, not --dim %zu", method,
                         r->feat_dim, p->dim);
            return false;
        }
        *dim = r->feat_dim;
        return true;
    }
    size_t k, nf, max = n - 1 < r->feat_dim ? n - 1 : r->feat_dim;
    float *F = NULL;
    RnPool *pool = NULL;
    bool ok = eb_pick_dim(p, default_dim, max, method, &k, err) &&
              rn_mul_size(n, r->feat_dim, &nf) &&
              (F = rn_malloc(nf * sizeof *F, err)) &&
              (pool = rn_pool_open(p->threads, err)) &&
              eb_for_chunks(state, features, sample, n, r->feat_dim, pool, F, err);
    EbPcaOptions o = {k, EB_PCA_POWER_ITERS, EB_PCA_OVERSAMPLE, p->seed, pool};
    ok = ok && eb_pca_fit(F, n, r->feat_dim, &o, &r->pca, err);
    rn_pool_close(pool);
    free(F);
    if (ok)
        *dim = k;
    return ok;
}

typedef struct ReducedJob {
    const void *state;
    const EbReduced *r;
    EbChunkFn features;
} ReducedJob;

static bool reduced_chunk(const void *ctx, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err)
{
    const ReducedJob *job = ctx;
    float *F = rn_malloc(n * job->r->feat_dim * sizeof *F, err);
    bool ok = F && job->features(job->state, items, n, F, err);
    if (ok)
        eb_pca_project(&job->r->pca, F, n, job->r->feat_dim, out, job->r->pca.k);
    free(F);
    return ok;
}

bool eb_reduced_transform(const void *state, const EbReduced *r,
                          EbChunkFn features, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err)
{
    uint32_t in;
    if (!eb_thumbs_size(items, n, &in, err))
        return false;
    RnPool *pool = rn_pool_open(r->threads, err);
    if (!pool)
        return false;
    ReducedJob job = {state, r, features};
    bool ok = r->reduce ? eb_for_chunks(&job, reduced_chunk, items, n, r->pca.k, pool,
                                        out, err)
                        : eb_for_chunks(state, features, items, n, r->feat_dim, pool,
                                        out, err);
    rn_pool_close(pool);
    return ok;
}

bool eb_reduced_save(const EbReduced *r, RnBuf *out, RnError **err)
{
    return eb_put_u64(out, r->feat_dim, err) && eb_put_u32(out, r->reduce, err) &&
           (!r->reduce || eb_pca_save(&r->pca, out, err));
}

bool eb_reduced_load(EbReader *rd, size_t feat_dim, EbReduced *r, RnError **err)
{
    size_t stored;
    uint32_t reduce;
    memset(r, 0, sizeof *r);
    if (!eb_get_size(rd, feat_dim, feat_dim, &stored, err) ||
        !eb_get_u32(rd, &reduce, err))
        return false;
    if (reduce > 1) {
        rn_error_set_at(err, RN_ERROR_PARSE, rd->pos, "model: bad PCA flag %u", reduce);
        return false;
    }
    r->feat_dim = feat_dim;
    r->reduce = reduce;
    if (reduce && !eb_pca_load(rd, feat_dim, &r->pca, err))
        return false;
    if (reduce && r->pca.d != feat_dim) {
        rn_error_set(err, RN_ERROR_PARSE, "model: PCA of %zu inputs for %zu features",
                     r->pca.d, feat_dim);
        eb_pca_free(&r->pca);
        return false;
    }
    return true;
}
