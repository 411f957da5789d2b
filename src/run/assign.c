/* `radnet assign`: labels images added after the last finished run with
 * its frozen extractors, fusion and centres (contract: run.h). */
#include "run_internal.h"
#include "radnet/cluster.h"
#include "radnet/embed.h"
#include "radnet/fusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 256u

/* One row copied out of the cursor (its fields are borrowed). */
typedef struct Item {
    char *sop, *modality, *region, *elements, *report;
    uint8_t *thumb;
    uint32_t thumb_size;
    int32_t known;      /* the run's label (verify), -1: a new image */
} Item;

typedef struct Assign {
    RnStore *s;
    RnRunResults *res;
    RnFusionModel *fusion;
    RnEmbedModel *embed[RN_FUSION_MAX_INPUTS];
    RnClusterModel *cluster;
    RuView view;
    RuNovelty novelty;
    RnPool *pool;
    bool verify;
    RnAssignSummary *sum;
    Item items[BATCH];
    size_t n_items;
    RnBuf out;          /* assigned.csv being built */
    RnDist *dist;       /* batch b is rank b mod R's */
    size_t batch;       /* the current batch's index */
    RnBuf batch_len;    /* uint64 per batch: bytes this rank appended to out */
} Assign;

static void item_clear(Item *it)
{
    free(it->sop);
    free(it->modality);
    free(it->region);
    free(it->elements);
    free(it->report);
    free(it->thumb);
    memset(it, 0, sizeof *it);
}

static bool load_model(Assign *a, const char *name, void **out, int kind, RnError **err)
{
    char *path = rn_store_artifact_path(a->s, name, err);
    if (!path)
        return false;
    *out = kind == 0   ? (void *)rn_fusion_model_load(path, err)
           : kind == 1 ? (void *)rn_embed_model_load(path, err)
                       : (void *)rn_cluster_model_load(path, err);
    free(path);
    return *out != NULL;
}

/* The frozen models; rn_run_results_open has checked they are the run's. */
static bool load_models(Assign *a, RnError **err)
{
    if (!load_model(a, "models/fusion.model", (void **)&a->fusion, 0, err) ||
        !load_model(a, RN_RUN_CLUSTER_MODEL, (void **)&a->cluster, 2, err) ||
        !ru_view_load(a->s, &a->view, err) || !ru_novelty_load(a->s, &a->novelty, err))
        return false;
    for (size_t i = 0; i < rn_fusion_input_count(a->fusion); i++) {
        char name[96];
        snprintf(name, sizeof name, "models/%s.model", rn_fusion_input_name(a->fusion, i));
        if (!load_model(a, name, (void **)&a->embed[i], 1, err))
            return false;
        if (rn_embed_model_dim(a->embed[i]) != rn_fusion_input_dim(a->fusion, i)) {
            rn_error_set(err, RN_ERROR_INVALID, "%s does not match the fusion model", name);
            return false;
        }
        rn_embed_model_set_threads(a->embed[i], 1);
    }
    size_t d = rn_fusion_dim(a->fusion);
    if (rn_cluster_model_info(a->cluster)->d != d ||
        (a->view.view == RN_RUN_VIEW_REGION && a->view.d != d)) {
        rn_error_set(err, RN_ERROR_INVALID, "%s or %s does not match the fusion model",
                     RN_RUN_CLUSTER_MODEL, RN_RUN_VIEW_MODEL);
        return false;
    }
    /* the region view reads the tags' anatomy block (batch_regions) */
    for (size_t j = 0; j < rn_fusion_input_count(a->fusion); j++)
        if (strcmp(rn_fusion_input_name(a->fusion, j), "meta-anatomy") == 0 &&
            rn_fusion_input_dim(a->fusion, j) != rn_embed_anatomy_regions() + 1) {
            rn_error_set(err, RN_ERROR_INVALID, "meta-anatomy has %zu columns, not %zu",
                         rn_fusion_input_dim(a->fusion, j), rn_embed_anatomy_regions() + 1);
            return false;
        }
    return true;
}

static bool copy_item(Item *it, const RnImageRow *row, int32_t known, RnError **err)
{
    it->known = known;
    it->thumb_size = row->thumb ? row->thumb_size : 0;
    size_t tn = (size_t)it->thumb_size * it->thumb_size;
    it->sop = rn_strdup(row->sop_uid, err);
    it->modality = rn_strdup(row->modality, err);
    it->region = rn_strdup(row->region, err);
    it->elements = rn_strdup(row->elements_json, err);
    it->report = row->report ? rn_strdup(row->report, err) : NULL;
    it->thumb = tn ? rn_malloc(tn, err) : NULL;
    if (it->thumb)
        memcpy(it->thumb, row->thumb, tn);
    return it->sop && it->modality && it->region && it->elements &&
           (!row->report || it->report) && (!tn || it->thumb);
}

static bool mine(const Assign *a)
{
    return a->batch % (size_t)rn_dist_size(a->dist) == (size_t)rn_dist_rank(a->dist);
}

static bool label_batch(Assign *a, RnError **err);

/* Ends the current batch: labels it when it is this rank's, and notes the
 * bytes it added to a->out (0 for the other ranks' batches). */
static bool flush(Assign *a, RnError **err)
{
    if (a->n_items == 0)
        return true;
    size_t before = a->out.len;
    bool ok = label_batch(a, err);
    uint64_t len = a->out.len - before;
    a->batch++;
    return ok && rn_buf_append(&a->batch_len, &len, sizeof len, err);
}

/* Row i's block of input `name` (x: the batch's blocks), NULL when the
 * fusion has no such input. */
static const float *input_row(const Assign *a, float *const *x, const char *name, size_t i)
{
    for (size_t j = 0; j < rn_fusion_input_count(a->fusion); j++)
        if (strcmp(rn_fusion_input_name(a->fusion, j), name) == 0)
            return x[j] + i * rn_fusion_input_dim(a->fusion, j);
    return NULL;
}

/* The region view: each row's kept region, as the run found its rows'
 * (view.c): the one its tags or header name, else the nearest of its
 * modality's. */
static bool batch_regions(const Assign *a, float *const *x, const RnMatrix *X, int32_t *region,
                          RnError **err)
{
    const RuView *v = &a->view;
    double *row = rn_calloc(v->d + 1, sizeof *row, err);
    bool ok = row != NULL;
    for (size_t i = 0; ok && i < X->rows; i++) {
        const Item *it = &a->items[i];
        region[i] = ru_view_region(v, ru_anatomy_region(input_row(a, x, "meta-anatomy", i),
                                                        NULL, it->region));
        if (region[i] >= 0)
            continue;
        int32_t m = -1;
        for (size_t g = 0; g < v->n_modalities; g++)
            if (strcmp(v->modalities[g], it->modality) == 0)
                m = (int32_t)g;
        for (size_t c = 0; c < v->d; c++)
            row[c] = rn_matrix_at(X, i, c);
        region[i] = ru_view_adopt(v, m, row);
    }
    free(row);
    return ok;
}

/* Embeds, fuses and predicts the batch; appends new rows to a->out. */
static bool label_batch(Assign *a, RnError **err)
{
    size_t n = a->n_items, ni = rn_fusion_input_count(a->fusion);
    if (!mine(a)) { /* another rank's: only counted */
        a->n_items = 0;
        return true;
    }
    RnEmbedItem ei[BATCH];
    for (size_t i = 0; i < n; i++) {
        Item *it = &a->items[i];
        ei[i] = (RnEmbedItem){it->sop, it->modality, it->region, it->thumb, it->thumb_size,
                              it->elements, it->report};
    }
    float *x[RN_FUSION_MAX_INPUTS] = {0};
    RnFusionInput in[RN_FUSION_MAX_INPUTS];
    float *fused = rn_malloc(n * rn_fusion_dim(a->fusion) * sizeof *fused + 1, err);
    int32_t labels[BATCH], region[BATCH];
    double dist[BATCH];
    bool ok = fused != NULL;
    for (size_t j = 0; ok && j < ni; j++) {
        size_t d = rn_fusion_input_dim(a->fusion, j);
        const char *name = rn_fusion_input_name(a->fusion, j);
        ok = (x[j] = rn_malloc(n * d * sizeof *x[j] + 1, err)) &&
             rn_embed_transform(a->embed[j], ei, n, x[j], err);
        in[j] = (RnFusionInput){.name = name,
                                .x = {.data = x[j], .rows = n, .cols = d, .dtype = RN_DTYPE_F32},
                                .missing = rn_fusion_input_missing(name)};
    }
    RnMatrix X = {.data = fused, .rows = n, .cols = rn_fusion_dim(a->fusion),
                  .dtype = RN_DTYPE_F32};
    ok = ok && rn_fusion_transform(a->fusion, in, ni, fused, NULL, err);
    if (ok && a->view.view == RN_RUN_VIEW_REGION)
        ok = batch_regions(a, x, &X, region, err) &&
             ru_view_predict(&a->view, a->cluster, &X, region, a->pool, labels, dist, err);
    else
        ok = ok && rn_cluster_model_predict(a->cluster, &X, a->pool, labels, dist, NULL, err);
    for (size_t i = 0; ok && i < n; i++) {
        Item *it = &a->items[i];
        if (it->known >= 0) {
            a->sum->checked++;
            a->sum->agreed += labels[i] == it->known;
            continue;
        }
        RnRunCluster c;
        rn_run_results_cluster(a->res, (size_t)labels[i], &c);
        bool outlier = dist[i] > c.threshold ||
                       ru_novelty_score(&a->novelty, it->thumb, it->thumb_size) >
                           a->novelty.threshold;
        a->sum->new_images++;
        a->sum->outliers += outlier;
        ok = ru_csv_field(&a->out, it->sop, err) &&
             rn_buf_printf(&a->out, err, ",%d,%.9g,%d\n", labels[i], dist[i], outlier ? 1 : 0);
    }
    for (size_t j = 0; j < ni; j++)
        free(x[j]);
    free(fused);
    for (size_t i = 0; i < n; i++)
        item_clear(&a->items[i]);
    a->n_items = 0;
    return ok;
}

/* Every image of the catalogue the run did not label (and, to verify,
 * every one it did). */
static bool assign_rows(Assign *a, RnError **err)
{
    RnImageCursor *c = rn_image_cursor_open(a->s, RN_CURSOR_ALL, err);
    if (!c)
        return false;
    RnImageRow row;
    RnError *e = NULL;
    bool ok = true;
    while (ok && rn_image_cursor_next(c, &row, &e)) {
        int32_t known = -1;
        RnRunRow seen;
        if (ru_results_in_run(a->res, row.sop_uid, &known) ? !a->verify
                                                           : rn_run_results_find(a->res, row.sop_uid, &seen))
            continue;   /* labelled by the run (not verifying) or assigned before */
        Item *it = &a->items[a->n_items++];
        ok = (!mine(a) || copy_item(it, &row, known, err)) &&
             (a->n_items < BATCH || flush(a, err));
    }
    rn_image_cursor_close(c);
    if (e) {
        rn_error_propagate(err, e);
        return false;
    }
    return ok && flush(a, err);
}

/* Over ranks: every batch's rows into rank 0's a->out (from byte base) in
 * batch order, and the summary's totals on every rank. ok: this rank's
 * pass succeeded; every rank calls this, so that none waits in vain. */
static bool gather_batches(Assign *a, size_t base, bool ok, RnError **err)
{
    RnDist *d = a->dist;
    size_t size = (size_t)rn_dist_size(d), n_batches = a->batch_len.len / sizeof(uint64_t);
    /* all ok and the same batches on every rank: min of ok, B and -B */
    uint64_t agree[3] = {ok, n_batches, UINT64_MAX - n_batches};
    if (!rn_dist_allreduce_u64(d, agree, 3, RN_DIST_MIN, ok ? err : NULL) || !ok)
        return false;
    if (!agree[0] || agree[1] != UINT64_MAX - agree[2]) {
        rn_error_set(err, RN_ERROR_IO, "assign: another rank failed");
        return false;
    }
    uint64_t *len = (uint64_t *)a->batch_len.data; /* this rank's; 0 for the others' */
    uint64_t totals[4] = {a->sum->new_images, a->sum->outliers, a->sum->checked,
                          a->sum->agreed};
    size_t *offset = rn_calloc(size + 1, sizeof *offset, err);
    ok = offset && (n_batches == 0 || rn_dist_allreduce_u64(d, len, n_batches, RN_DIST_SUM, err)) &&
         rn_dist_allreduce_u64(d, totals, 4, RN_DIST_SUM, err);
    RnBuf all = RN_BUF_INIT;
    if (ok) {
        for (size_t b = 0; b < n_batches; b++)
            offset[b % size + 1] += len[b];
        for (size_t r = 0; r < size; r++)
            offset[r + 1] += offset[r];
        size_t rank = (size_t)rn_dist_rank(d);
        ok = rn_buf_reserve(&all, offset[size] + 1, err);
        if (ok) {
            memcpy(all.data + offset[rank], a->out.data + base, a->out.len - base);
            ok = rn_dist_allgatherv(d, all.data, offset, err);
        }
    }
    /* rank r's text holds its batches in order: take them back in batch order */
    a->out.len = base;
    for (size_t b = 0; ok && b < n_batches; b++) {
        ok = rn_buf_append(&a->out, all.data + offset[b % size], len[b], err);
        offset[b % size] += len[b];
    }
    a->sum->new_images = totals[0];
    a->sum->outliers = totals[1];
    a->sum->checked = totals[2];
    a->sum->agreed = totals[3];
    rn_buf_free(&all);
    free(offset);
    return ok;
}

static bool assign_store(Assign *a, bool ok, RnError **err)
{
    ok = ok && (a->res = rn_run_results_open(a->s, err)) != NULL && load_models(a, err);
    char params[RU_MODEL_PARAMS_SIZE];
    ok = ok && rn_buf_append_str(&a->out, "sop_instance_uid,cluster,distance,outlier\n", err);
    for (size_t i = 0; ok && i < rn_run_results_assigned_count(a->res); i++) {
        RnRunRow r;
        rn_run_results_assigned(a->res, i, &r);
        ok = ru_csv_field(&a->out, r.sop_uid, err) &&
             rn_buf_printf(&a->out, err, ",%d,%.9g,%d\n", r.cluster, r.distance,
                           r.outlier ? 1 : 0);
    }
    size_t base = a->out.len;
    ok = ok && assign_rows(a, err);
    if (rn_dist_size(a->dist) > 1)
        ok = gather_batches(a, base, ok, err);
    if (ok && a->sum->new_images && rn_dist_rank(a->dist) == 0)
        ok = ru_model_params(a->s, params, err) &&
             ru_put(a->s, RN_RUN_ASSIGNED, &a->out, rn_run_results_run_id(a->res), params, err);
    return ok;
}

bool rn_assign(const char *ws, const RnAssignOptions *o, RnAssignSummary *summary,
               RnError **err)
{
    memset(summary, 0, sizeof *summary);
    if (o->reports_path && !o->n_sources) {
        rn_error_set(err, RN_ERROR_INVALID, "--reports needs the images they belong to");
        return false;
    }
    if (o->n_sources) {
        RnIngestOptions io;
        rn_ingest_options_init(&io);
        io.sources = o->sources;
        io.n_sources = o->n_sources;
        io.reports_path = o->reports_path;
        io.threads = o->threads;
        RnIngestSummary is = {0};
        if (!rn_ingest_dist(ws, &io, o->dist, &is, err))
            return false;
    }
    int threads = o->threads;
    bool verify = o->verify;
    Assign a = {.verify = verify, .sum = summary, .dist = o->dist};
    /* rank 0 writes; the others read beside it */
    a.s = rn_store_open(ws, rn_dist_rank(o->dist) == 0 ? RN_STORE_WRITE : RN_STORE_READ, err);
    a.pool = a.s ? rn_pool_open(threads, err) : NULL;
    bool ok = assign_store(&a, a.pool != NULL, err);
    for (size_t i = 0; i < a.n_items; i++)
        item_clear(&a.items[i]);
    for (size_t i = 0; i < RN_FUSION_MAX_INPUTS; i++)
        rn_embed_model_free(a.embed[i]);
    rn_fusion_model_free(a.fusion);
    rn_cluster_model_close(a.cluster);
    ru_view_free(&a.view);
    ru_novelty_free(&a.novelty);
    rn_run_results_close(a.res);
    rn_buf_free(&a.out);
    rn_buf_free(&a.batch_len);
    rn_pool_close(a.pool);
    rn_store_close(a.s);
    return ok;
}
