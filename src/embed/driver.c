/* The embed stage driver (embed.h, rn_embed_run): three streaming passes
 * over the clustering set — count rows per Modality, draw the balanced
 * sample, then transform every row in batches into the .npy artifact. */
#include "embed/embed_internal.h"
#include "radnet/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Distinct Modality values an archive may carry (the rest is refused as
 * a broken catalogue: DICOM defines a few dozen). */
#define MAX_MODALITIES 4096u

/* What the cursor must load for each source. */
static const unsigned source_fields[] = {
    [RN_EMBED_IMAGE] = RN_CURSOR_THUMBS,
    [RN_EMBED_META] = RN_CURSOR_ELEMENTS,
    [RN_EMBED_TEXT] = RN_CURSOR_REPORTS,
};

/* ---- Modality table: open addressing, first-seen order ----------------- */

typedef struct Modalities {
    char **names;       /* by index, first-seen order */
    uint64_t *count;    /* rows per modality */
    uint64_t *quota;    /* sample rows per modality */
    size_t n;
    uint32_t slots[2 * MAX_MODALITIES]; /* index + 1, 0: empty */
} Modalities;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* Index of name, added when new; SIZE_MAX on error. */
static size_t modality_index(Modalities *m, const char *name, RnError **err)
{
    size_t mask = 2 * MAX_MODALITIES - 1;
    for (size_t h = fnv1a(name) & mask;; h = (h + 1) & mask) {
        if (m->slots[h] == 0)
            break;
        if (strcmp(m->names[m->slots[h] - 1], name) == 0)
            return m->slots[h] - 1;
    }
    if (m->n == MAX_MODALITIES) {
        rn_error_set(err, RN_ERROR_LIMIT, "more than %u distinct Modality values",
                     MAX_MODALITIES);
        return SIZE_MAX;
    }
    char *copy = rn_strdup(name, err);
    if (!copy)
        return SIZE_MAX;
    m->names[m->n] = copy;
    m->count[m->n] = 0;
    for (size_t h = fnv1a(name) & mask;; h = (h + 1) & mask)
        if (m->slots[h] == 0) {
            m->slots[h] = (uint32_t)(m->n + 1);
            break;
        }
    return m->n++;
}

static Modalities *modalities_new(RnError **err)
{
    Modalities *m = rn_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    m->names = rn_calloc(MAX_MODALITIES, sizeof *m->names, err);
    m->count = m->names ? rn_calloc(2 * MAX_MODALITIES, sizeof *m->count, err) : NULL;
    if (!m->count) {
        free(m->names);
        free(m);
        return NULL;
    }
    m->quota = m->count + MAX_MODALITIES;
    return m;
}

static void modalities_free(Modalities *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->names[i]);
    free(m->names);
    free(m->count);
    free(m);
}

typedef struct ByCount {
    uint64_t count;
    const char *name;
    size_t index;
} ByCount;

static int by_count(const void *a, const void *b)
{
    const ByCount *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

bool eb_balance_quotas(const uint64_t *count, const char *const *names, size_t n,
                       uint64_t want, uint64_t *quota, RnError **err)
{
    ByCount *order = rn_malloc((n ? n : 1) * sizeof *order, err);
    if (!order)
        return false;
    for (size_t i = 0; i < n; i++)
        order[i] = (ByCount){count[i], names[i], i};
    qsort(order, n, sizeof *order, by_count);
    uint64_t left = want;
    for (size_t k = 0; k < n; k++) { /* smallest first: unused shares move up */
        size_t i = order[k].index;
        uint64_t share = left / (n - k);
        quota[i] = count[i] < share ? count[i] : share;
        left -= quota[i];
    }
    free(order);
    return true;
}

/* ---- items copied out of the cursor ------------------------------------ */

/* A batch of rows owned by the driver (cursor rows are borrowed). */
typedef struct Batch {
    RnEmbedItem *items;
    uint8_t *thumbs;    /* cap × S² */
    size_t n, cap;
    uint32_t thumb_size;
} Batch;

static bool batch_init(Batch *b, size_t cap, uint32_t thumb_size, RnError **err)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
    b->thumb_size = thumb_size;
    size_t px = (size_t)thumb_size * thumb_size, bytes;
    b->items = rn_calloc(cap ? cap : 1, sizeof *b->items, err);
    if (b->items && px && rn_mul_size(cap, px, &bytes))
        b->thumbs = rn_malloc(bytes ? bytes : 1, err);
    return b->items && (!px || b->thumbs);
}

static void item_clear(RnEmbedItem *it)
{
    free((char *)it->sop_uid);
    free((char *)it->modality);
    free((char *)it->region);
    free((char *)it->elements_json);
    free((char *)it->report);
    memset(it, 0, sizeof *it);
}

static void batch_reset(Batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        item_clear(&b->items[i]);
    b->n = 0;
}

static void batch_free(Batch *b)
{
    batch_reset(b);
    free(b->items);
    free(b->thumbs);
}

static bool dup_opt(const char *s, const char **out, RnError **err)
{
    *out = NULL;
    return !s || (*out = rn_strdup(s, err)) != NULL;
}

static bool batch_add(Batch *b, const RnImageRow *row, RnError **err)
{
    RnEmbedItem *it = &b->items[b->n];
    size_t px = (size_t)b->thumb_size * b->thumb_size;
    memset(it, 0, sizeof *it);
    b->n++;
    if (row->thumb && px) {
        if (row->thumb_size != b->thumb_size) {
            rn_error_set(err, RN_ERROR_PARSE, "thumbnail of size %u in a workspace of %u",
                         row->thumb_size, b->thumb_size);
            return false;
        }
        uint8_t *t = b->thumbs + (b->n - 1) * px;
        memcpy(t, row->thumb, px);
        it->thumb = t;
        it->thumb_size = b->thumb_size;
    }
    return dup_opt(row->sop_uid, &it->sop_uid, err) &&
           dup_opt(row->modality, &it->modality, err) &&
           dup_opt(row->region, &it->region, err) &&
           dup_opt(row->elements_json, &it->elements_json, err) &&
           dup_opt(row->report, &it->report, err);
}

/* ---- the passes ------------------------------------------------------- */

/* Below, err is never NULL (rn_embed_run passes its own), so a cursor that
 * stops can be told apart from one that failed. */

typedef struct Run {
    RnStore *store;
    const RnEmbedRunOptions *o;
    const char *method;
    const RnEmbedMethodOps *ops;
    unsigned fields;
    uint32_t thumb_size;
    uint64_t rows;
    char rows_hash[17];
} Run;

/* Checks that the cursor yields rows 0, 1, ... in order. */
static bool row_in_order(const RnImageRow *row, uint64_t expect, RnError **err)
{
    if (row->row != expect) {
        rn_error_set(err, RN_ERROR_INTERNAL,
                     "clustering set out of order (row %llu where %llu was due)",
                     (unsigned long long)row->row, (unsigned long long)expect);
        return false;
    }
    return true;
}

static bool count_modalities(Run *r, Modalities *m, RnError **err)
{
    RnImageCursor *c = rn_image_cursor_open(r->store, 0, err);
    if (!c)
        return false;
    RnImageRow row;
    uint64_t n = 0;
    bool ok = true;
    while (ok && rn_image_cursor_next(c, &row, err)) {
        size_t i = modality_index(m, row.modality ? row.modality : "", err);
        ok = i != SIZE_MAX && row_in_order(&row, n, err);
        if (ok)
            m->count[i]++;
        n++;
    }
    ok = ok && *err == NULL;
    rn_image_cursor_close(c);
    if (ok && n != r->rows) {
        rn_error_set(err, RN_ERROR_INTERNAL,
                     "clustering set has %llu rows, rows.csv %llu",
                     (unsigned long long)n, (unsigned long long)r->rows);
        ok = false;
    }
    return ok;
}

/* Selection sampling (Knuth's Algorithm S) per Modality, one RNG stream
 * each: a uniform draw of quota rows among count, in one pass. */
static bool draw_sample(Run *r, Modalities *m, Batch *sample, RnError **err)
{
    RnImageCursor *c = rn_image_cursor_open(r->store, r->fields, err);
    uint64_t *seen = c ? rn_calloc(m->n ? m->n : 1, sizeof *seen, err) : NULL;
    uint64_t *taken = seen ? rn_calloc(m->n ? m->n : 1, sizeof *taken, err) : NULL;
    RnRng *rng = taken ? rn_malloc((m->n ? m->n : 1) * sizeof *rng, err) : NULL;
    bool ok = rng != NULL;
    for (size_t i = 0; ok && i < m->n; i++)
        rng[i] = rn_rng_split(r->o->params.seed, i);
    RnImageRow row;
    size_t known = m->n;
    while (ok && sample->n < sample->cap && rn_image_cursor_next(c, &row, err)) {
        size_t i = modality_index(m, row.modality ? row.modality : "", err);
        if (i >= known) { /* the set changed under the writer lock: a bug */
            if (i != SIZE_MAX)
                rn_error_set(err, RN_ERROR_INTERNAL, "clustering set changed");
            ok = false;
            break;
        }
        uint64_t left = m->count[i] - seen[i]++;
        if (taken[i] < m->quota[i] && rn_rng_below(&rng[i], left) < m->quota[i] - taken[i]) {
            taken[i]++;
            ok = batch_add(sample, &row, err);
        }
    }
    ok = ok && *err == NULL;
    free(rng);
    free(taken);
    free(seen);
    rn_image_cursor_close(c);
    return ok;
}

/* Streams rows [begin, end) of the clustering set through the model into
 * w, in batches of cap rows counted from row 0 (begin is a multiple of
 * cap), so every batch holds the same rows however the set is split. */
static bool write_rows(Run *r, const RnEmbedModel *model, RnNpyWriter *w, uint64_t begin,
                       uint64_t end, RnError **err)
{
    size_t dim = rn_embed_model_dim(model);
    size_t cap = r->o->batch ? r->o->batch : RN_EMBED_DEFAULT_BATCH;
    Batch b;
    float *out = NULL;
    RnImageCursor *c = NULL;
    bool ok = batch_init(&b, cap, r->thumb_size, err) &&
              (out = rn_malloc(cap * dim * sizeof *out, err)) &&
              (c = rn_image_cursor_open(r->store, r->fields, err));
    uint64_t seen = 0, done = begin;
    RnImageRow row;
    while (ok && done < end) {
        bool more = rn_image_cursor_next(c, &row, err);
        if (more) {
            ok = row_in_order(&row, seen++, err);
            if (ok && row.row >= begin)
                ok = batch_add(&b, &row, err);
        } else {
            ok = *err == NULL;
        }
        if (ok && b.n > 0 && (b.n == cap || !more || done + b.n == end)) {
            ok = rn_embed_transform(model, b.items, b.n, out, err) &&
                 rn_npy_writer_append(w, out, b.n, err);
            done += b.n;
            batch_reset(&b);
            if (ok && r->o->progress)
                r->o->progress(r->o->progress_user, done - begin, end - begin);
        }
        if (!more)
            break;
    }
    if (ok && done != end) {
        rn_error_set(err, RN_ERROR_INTERNAL, "wrote %llu of %llu rows",
                     (unsigned long long)(done - begin), (unsigned long long)(end - begin));
        ok = false;
    }
    rn_image_cursor_close(c);
    free(out);
    batch_free(&b);
    return ok;
}

static bool write_embeddings(Run *r, const RnEmbedModel *model, const char *path,
                             RnError **err)
{
    size_t dim = rn_embed_model_dim(model);
    RnNpyWriter *w = rn_npy_writer_open(path, RN_DTYPE_F32, 1, (size_t[]){dim}, err);
    bool ok = w != NULL && write_rows(r, model, w, 0, r->rows, err);
    bool closed = !w || rn_npy_writer_close(w, ok ? err : NULL);
    return ok && closed;
}

/* The parameter record of the outputs: equal records mean equal outputs. */
static bool params_json(const Run *r, RnBuf *out, RnError **err)
{
    const RnEmbedParams *p = &r->o->params;
    RnJsonWriter *w = rn_json_open(out, 0, err);
    if (!w)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_string(w, "source", rn_embed_source_name(r->o->source));
    rn_json_kv_string(w, "method", r->method);
    rn_json_kv_uint(w, "dim", p->dim);
    rn_json_kv_uint(w, "seed", p->seed);
    rn_json_kv_uint(w, "sample", r->o->sample ? r->o->sample : RN_EMBED_DEFAULT_SAMPLE);
    rn_json_kv_string(w, "options", p->options ? p->options : "");
    rn_json_kv_string(w, "rows", r->rows_hash);
    if (r->ops->revision) /* absent otherwise: records of older builds stay current */
        rn_json_kv_uint(w, "revision", r->ops->revision());
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err) && rn_buf_terminate(out, err);
    rn_json_close(w);
    return ok;
}

/* False when not current or on error (*err tells them apart). */
static bool artifact_current(RnStore *s, const char *name, const char *params,
                             RnError **err)
{
    bool same = false;
    return rn_store_artifact_current(s, name, params, &same, err) && same;
}

/* Fit on the sample, save the model artifact. */
static RnEmbedModel *fit_and_save(Run *r, int64_t run_id, const char *params,
                                  RnEmbedRunSummary *sum, RnError **err)
{
    Modalities *m = modalities_new(err);
    Batch sample = {0};
    size_t want = r->o->sample ? r->o->sample : RN_EMBED_DEFAULT_SAMPLE;
    size_t cap = want < r->rows ? want : (size_t)r->rows;
    RnEmbedModel *model = NULL;
    bool ok = m && count_modalities(r, m, err) &&
              eb_balance_quotas(m->count, (const char *const *)m->names, m->n, cap,
                                m->quota, err) &&
              batch_init(&sample, cap, r->thumb_size, err) &&
              draw_sample(r, m, &sample, err);
    if (ok)
        model = rn_embed_fit(r->o->source, r->method, sample.items, sample.n,
                             &r->o->params, err);
    sum->sample = sample.n;
    batch_free(&sample);
    modalities_free(m);
    RnArtifactWriter *a = model ? rn_store_artifact_begin(r->store, sum->model_name, err)
                                : NULL;
    if (a && !rn_embed_model_save(model, rn_artifact_tmp_path(a), err)) {
        rn_store_artifact_abort(a);
        a = NULL;
    }
    /* commit frees a, whatever its outcome */
    if (!a || !rn_store_artifact_commit(r->store, a, run_id, params, NULL, err)) {
        rn_embed_model_free(model);
        return NULL;
    }
    return model;
}

static bool run_stage(Run *r, int64_t run_id, RnEmbedRunSummary *sum, RnError **err)
{
    RnBuf params = RN_BUF_INIT;
    bool ok = rn_store_write_rows_csv(r->store, run_id, &r->rows, r->rows_hash, err) &&
              params_json(r, &params, err);
    sum->rows = r->rows;
    if (ok && r->rows == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: the clustering set is empty",
                     rn_store_path(r->store));
        ok = false;
    }
    if (ok && !r->o->force &&
        artifact_current(r->store, sum->npy_name, (const char *)params.data, err) &&
        artifact_current(r->store, sum->model_name, (const char *)params.data, err)) {
        sum->up_to_date = true;
        rn_buf_free(&params);
        return true;
    }
    ok = ok && *err == NULL;
    RnEmbedModel *model = ok ? fit_and_save(r, run_id, (const char *)params.data, sum, err)
                             : NULL;
    RnArtifactWriter *a = model ? rn_store_artifact_begin(r->store, sum->npy_name, err)
                                : NULL;
    ok = a != NULL;
    if (ok) {
        rn_embed_model_set_threads(model, r->o->params.threads);
        sum->dim = rn_embed_model_dim(model);
        if (write_embeddings(r, model, rn_artifact_tmp_path(a), err))
            /* commit frees a, whatever its outcome */
            ok = rn_store_artifact_commit(r->store, a, run_id,
                                          (const char *)params.data, NULL, err);
        else {
            rn_store_artifact_abort(a);
            ok = false;
        }
    }
    rn_embed_model_free(model);
    rn_buf_free(&params);
    return ok;
}

/* The method o names (else its source's default) and the summary's
 * names of what it writes; NULL: an unknown method. */
static const RnEmbedMethodOps *resolve_method(const RnEmbedRunOptions *o,
                                              RnEmbedRunSummary *sum, RnError **err)
{
    memset(sum, 0, sizeof *sum);
    const char *const *methods = rn_embed_methods(o->source);
    const char *method = o->method ? o->method : methods[0];
    const RnEmbedMethodOps *ops = rn_embed_method_find(o->source, method);
    if (!ops) {
        rn_error_set(err, RN_ERROR_INVALID, "unknown %s method '%s'",
                     rn_embed_source_name(o->source), method ? method : "(none)");
        return NULL;
    }
    sum->method = ops->name;
    snprintf(sum->npy_name, sizeof sum->npy_name, "embeddings/%s-%s.npy",
             rn_embed_source_name(o->source), ops->name);
    snprintf(sum->model_name, sizeof sum->model_name, "models/%s-%s.model",
             rn_embed_source_name(o->source), ops->name);
    return ops;
}

bool rn_embed_run(const char *ws, const RnEmbedRunOptions *o,
                  RnEmbedRunSummary *summary, RnError **err)
{
    RnEmbedRunSummary local;
    RnEmbedRunSummary *sum = summary ? summary : &local;
    const RnEmbedMethodOps *ops = resolve_method(o, sum, err);
    if (!ops)
        return false;
    RnStore *s = rn_store_open_wait(ws, RN_STORE_WRITE, o->lock_wait, err);
    if (!s)
        return false;
    Run r = {s, o, ops->name, ops, source_fields[o->source], rn_store_thumb_size(s), 0, ""};
    if (o->source == RN_EMBED_IMAGE && r.thumb_size == 0) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "%s: no thumbnails (a --no-pixels workspace): no image embedding",
                     ws);
        rn_store_close(s);
        return false;
    }
    int64_t run_id = 0;
    bool ok = rn_store_run_begin(s, "embed", o->command ? o->command : "embed", NULL,
                                 &run_id, err);
    if (ok) {
        RnError *failure = NULL;
        ok = run_stage(&r, run_id, sum, &failure);
        rn_store_run_end(s, run_id, ok ? RN_RUN_DONE : RN_RUN_FAILED,
                         failure ? rn_error_message(failure) : NULL, NULL);
        rn_error_propagate(err, failure);
    }
    rn_store_close(s);
    return ok;
}

/* ---- over MPI ranks ------------------------------------------------------ */

/* Rank 0 fits (on its balanced sample, as one process would: the sample is
 * a few thousand rows, its fit is cheap next to transforming millions, and
 * training data-parallel would make the model depend on the number of
 * ranks), every rank transforms its block of whole batches, rank 0 appends
 * the other blocks in rank order and commits the .npy. */

enum { PLAN_FAILED = 0, PLAN_UP_TO_DATE, PLAN_TRANSFORM };

typedef struct Plan {
    uint64_t status, rows;
} Plan;

/* Rows of rank's block: whole batches of cap, split as rn_part_begin does. */
static void block_of(const RnDist *d, int rank, uint64_t rows, size_t cap, uint64_t *b,
                     uint64_t *e)
{
    uint64_t batches = (rows + cap - 1) / cap, size = (uint64_t)rn_dist_size(d);
    uint64_t lo = rn_part_begin(batches, size, (size_t)rank);
    uint64_t hi = rn_part_begin(batches, size, (size_t)rank + 1);
    *b = lo * cap;
    *e = hi * cap < rows ? hi * cap : rows;
}

static bool shard_name(const char *ws, const RnEmbedRunSummary *sum, int rank, char *out,
                       size_t n, RnError **err)
{
    if ((size_t)snprintf(out, n, "%s/%s.rank-%d", ws, sum->npy_name, rank) >= n) {
        rn_error_set(err, RN_ERROR_LIMIT, "%s: path too long", ws);
        return false;
    }
    return true;
}

static bool all_ok(RnDist *d, bool ok, RnError **err)
{
    uint64_t v = ok;
    if (!rn_dist_allreduce_u64(d, &v, 1, RN_DIST_MIN, ok ? err : NULL))
        return false;
    if (ok && v == 0)
        rn_error_set(err, RN_ERROR_IO, "embed: another rank failed");
    return ok && v != 0;
}

/* This rank's block into its shard file (ranks > 0). */
static bool transform_shard(Run *r, RnDist *d, const RnEmbedRunSummary *sum,
                            const char *ws, RnError **err)
{
    char path[4096];
    RnEmbedModel *model = NULL;
    RnNpyWriter *w = NULL;
    bool ok = shard_name(ws, sum, rn_dist_rank(d), path, sizeof path, err);
    char model_path[4096];
    if (ok && (size_t)snprintf(model_path, sizeof model_path, "%s/%s", ws, sum->model_name) >=
                  sizeof model_path) {
        rn_error_set(err, RN_ERROR_LIMIT, "%s: path too long", ws);
        ok = false;
    }
    ok = ok && (model = rn_embed_model_load(model_path, err)) != NULL;
    uint64_t b, e;
    block_of(d, rn_dist_rank(d), r->rows, r->o->batch ? r->o->batch : RN_EMBED_DEFAULT_BATCH,
             &b, &e);
    if (ok) {
        rn_embed_model_set_threads(model, r->o->params.threads);
        size_t dim = rn_embed_model_dim(model);
        ok = (w = rn_npy_writer_open(path, RN_DTYPE_F32, 1, (size_t[]){dim}, err)) != NULL &&
             write_rows(r, model, w, b, e, err);
    }
    bool closed = !w || rn_npy_writer_close(w, ok ? err : NULL);
    rn_embed_model_free(model);
    return ok && closed;
}

/* Rank 0: its own block, then the other ranks' shards in rank order (tmp
 * NULL: rank 0 failed; the others still learn it). */
static bool gather_shards(Run *r, RnDist *d, const RnEmbedModel *model,
                          const RnEmbedRunSummary *sum, const char *ws, const char *tmp,
                          RnError **err)
{
    size_t cap = r->o->batch ? r->o->batch : RN_EMBED_DEFAULT_BATCH;
    size_t dim = rn_embed_model_dim(model);
    uint64_t b, e;
    block_of(d, 0, r->rows, cap, &b, &e);
    RnNpyWriter *w = tmp ? rn_npy_writer_open(tmp, RN_DTYPE_F32, 1, (size_t[]){dim}, err)
                         : NULL;
    bool ok = w != NULL && write_rows(r, model, w, b, e, err);
    ok = all_ok(d, ok, err);
    for (int rank = 1; ok && rank < rn_dist_size(d); rank++) {
        char path[4096];
        RnMatrixFile f = {0};
        block_of(d, rank, r->rows, cap, &b, &e);
        ok = shard_name(ws, sum, rank, path, sizeof path, err) &&
             rn_matrix_file_open(path, RN_DTYPE_F32, true, &f, err);
        if (ok && (f.m.rows != e - b || f.m.cols != dim)) {
            rn_error_set(err, RN_ERROR_PARSE, "%s: %zu x %zu where %llu x %zu were due", path,
                         f.m.rows, f.m.cols, (unsigned long long)(e - b), dim);
            ok = false;
        }
        ok = ok && (f.m.rows == 0 || rn_npy_writer_append(w, f.m.data, f.m.rows, err));
        rn_matrix_file_close(&f);
        if (ok)
            unlink(path);
    }
    bool closed = !w || rn_npy_writer_close(w, ok ? err : NULL);
    return ok && closed;
}

/* Rank 0's part: rn_embed_run's stage with the transform spread. */
static bool root_stage(Run *r, RnDist *d, int64_t run_id, RnEmbedRunSummary *sum,
                       const char *ws, RnError **err)
{
    RnBuf params = RN_BUF_INIT;
    Plan plan = {PLAN_FAILED, 0};
    bool ok = rn_store_write_rows_csv(r->store, run_id, &r->rows, r->rows_hash, err) &&
              params_json(r, &params, err);
    sum->rows = plan.rows = r->rows;
    if (ok && r->rows == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: the clustering set is empty", ws);
        ok = false;
    }
    bool current = ok && !r->o->force &&
                   artifact_current(r->store, sum->npy_name, (const char *)params.data, err) &&
                   artifact_current(r->store, sum->model_name, (const char *)params.data, err);
    ok = ok && *err == NULL;
    RnEmbedModel *model = ok && !current
                              ? fit_and_save(r, run_id, (const char *)params.data, sum, err)
                              : NULL;
    plan.status = current ? PLAN_UP_TO_DATE : model ? PLAN_TRANSFORM : PLAN_FAILED;
    sum->up_to_date = current;
    ok = rn_dist_bcast(d, &plan, sizeof plan, 0, err) && plan.status != PLAN_FAILED;
    RnArtifactWriter *a = ok && model ? rn_store_artifact_begin(r->store, sum->npy_name, err)
                                      : NULL;
    if (plan.status == PLAN_TRANSFORM) {
        rn_embed_model_set_threads(model, r->o->params.threads);
        if (model)
            sum->dim = rn_embed_model_dim(model);
        ok = gather_shards(r, d, model, sum, ws, a ? rn_artifact_tmp_path(a) : NULL, err) &&
             a != NULL;
        if (ok)
            ok = rn_store_artifact_commit(r->store, a, run_id, (const char *)params.data,
                                          NULL, err);
        else if (a)
            rn_store_artifact_abort(a);
    }
    rn_embed_model_free(model);
    rn_buf_free(&params);
    return ok;
}

/* Ranks > 0: wait for the plan, transform this block from the committed
 * model, read the catalogue beside rank 0 (the writer). */
static bool rank_stage(const RnEmbedRunOptions *o, RnDist *d, RnEmbedRunSummary *sum,
                       const RnEmbedMethodOps *ops, const char *ws, RnError **err)
{
    Plan plan = {PLAN_FAILED, 0};
    if (!rn_dist_bcast(d, &plan, sizeof plan, 0, err))
        return false;
    if (plan.status == PLAN_FAILED) {
        rn_error_set(err, RN_ERROR_IO, "embed: rank 0 failed");
        return false;
    }
    sum->rows = plan.rows;
    sum->up_to_date = plan.status == PLAN_UP_TO_DATE;
    if (sum->up_to_date)
        return true;
    RnStore *s = rn_store_open(ws, RN_STORE_READ, err);
    Run r = {s, o, ops->name, ops, source_fields[o->source], s ? rn_store_thumb_size(s) : 0,
             plan.rows, ""};
    bool ok = all_ok(d, s != NULL && transform_shard(&r, d, sum, ws, err), err);
    rn_store_close(s);
    return ok;
}

bool rn_embed_run_dist(const char *ws, const RnEmbedRunOptions *o, RnDist *d,
                       RnEmbedRunSummary *summary, RnError **err)
{
    if (rn_dist_size(d) == 1)
        return rn_embed_run(ws, o, summary, err);
    RnEmbedRunSummary local;
    RnEmbedRunSummary *sum = summary ? summary : &local;
    const RnEmbedMethodOps *ops = resolve_method(o, sum, err);
    if (!ops)
        return false;
    if (rn_dist_rank(d) != 0)
        return rank_stage(o, d, sum, ops, ws, err);
    RnStore *s = rn_store_open_wait(ws, RN_STORE_WRITE, o->lock_wait, err);
    Run r = {s, o, ops->name, ops, source_fields[o->source], s ? rn_store_thumb_size(s) : 0, 0,
             ""};
    int64_t run_id = 0;
    RnError *failure = NULL;
    bool ok = s != NULL;
    if (ok && o->source == RN_EMBED_IMAGE && r.thumb_size == 0) {
        rn_error_set(&failure, RN_ERROR_INVALID,
                     "%s: no thumbnails (a --no-pixels workspace): no image embedding", ws);
        ok = false;
    }
    ok = ok && rn_store_run_begin(s, "embed", o->command ? o->command : "embed", NULL,
                                  &run_id, &failure);
    if (ok) {
        ok = root_stage(&r, d, run_id, sum, ws, &failure);
        rn_store_run_end(s, run_id, ok ? RN_RUN_DONE : RN_RUN_FAILED,
                         failure ? rn_error_message(failure) : NULL, NULL);
    } else {
        Plan none = {PLAN_FAILED, 0}; /* the other ranks wait for a plan */
        rn_dist_bcast(d, &none, sizeof none, 0, NULL);
    }
    rn_error_propagate(err, failure);
    rn_store_close(s);
    return ok;
}
