/* `radnet run`: ingest → embed → fuse → cluster → evaluate → report → export, each
 * step skipped when its artifacts are current (contract: run.h). */
#include "run_internal.h"
#include "radnet/embed.h"
#include "radnet/fusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const step_names[RN_STEP_COUNT] = {
    "ingest", "embed", "fuse", "cluster", "evaluate", "report", "export",
};

const char *rn_run_step_name(RnRunStep s)
{
    return (unsigned)s < RN_STEP_COUNT ? step_names[s] : "?";
}

void rn_run_options_init(RnRunOptions *o)
{
    memset(o, 0, sizeof *o);
    o->k = RN_RUN_DEFAULT_K;
    o->seed = RN_RUN_DEFAULT_SEED;
}

void ru_progress(const RuRun *r, RnRunStep step, const char *what, uint64_t done,
                 uint64_t total)
{
    if (r->o->progress)
        r->o->progress(r->o->progress_user, step, what, done, total);
}

/* ---- ingest ----------------------------------------------------------------- */

static void ingest_progress(void *user, const RnIngestProgress *p)
{
    ru_progress(user, RN_STEP_INGEST, "files", p->done, p->total);
}

static bool step_ingest(RuRun *r, RnError **err)
{
    if (r->o->n_sources == 0) {
        r->sum->step_skipped[RN_STEP_INGEST] = true;
        return true;
    }
    RnIngestOptions io;
    rn_ingest_options_init(&io);
    io.sources = r->o->sources;
    io.n_sources = r->o->n_sources;
    io.reports_path = r->o->reports_path;
    io.threads = r->o->threads;
    io.count_first = true;
    io.lock_wait = r->o->lock_wait;
    io.progress = ingest_progress;
    io.progress_user = r;
    RnIngestSummary is = {0};
    if (!rn_ingest_dist(r->ws, &io, r->o->dist, &is, err))
        return false;
    r->sum->step_skipped[RN_STEP_INGEST] = is.files_new == 0 && is.report_rows == 0;
    return true;
}

/* ---- embed and fuse ------------------------------------------------------------ */

typedef struct EmbedCtx {
    RuRun *r;
    const char *input;
} EmbedCtx;

static void embed_progress(void *user, uint64_t done, uint64_t total)
{
    EmbedCtx *e = user;
    ru_progress(e->r, RN_STEP_EMBED, e->input, done, total);
}

/* The inputs: the study's choice, else the fusion defaults. */
static bool choose_inputs(RuRun *r, RnError **err)
{
    RnStore *s = rn_store_open_wait(r->ws, RN_STORE_WRITE, r->o->lock_wait, err);
    if (!s)
        return false;
    RnFusionChoice c;
    bool found = false;
    bool ok = rn_fusion_choice_get(s, &c, &found, err);
    rn_store_close(s);
    if (!ok)
        return false;
    RnRunSummary *sum = r->sum;
    if (found) {
        for (size_t i = 0; i < c.n_inputs && i < 16; i++)
            memcpy(sum->inputs[i], c.inputs[i], 64);
        sum->n_inputs = c.n_inputs < 16 ? c.n_inputs : 16;
        return true;
    }
    /* the fusion's defaults table (fusion.h): run embeds every one of them */
    size_t n_defaults;
    const RnFusionDefault *d = rn_fusion_defaults(&n_defaults);
    for (size_t i = 0; i < n_defaults && i < 16; i++)
        snprintf(sum->inputs[sum->n_inputs++], 64, "%s", d[i].input);
    return true;
}

static bool embed_input(RuRun *r, const char *input, bool *skipped, RnError **err)
{
    char src[64];
    const char *dash = strchr(input, '-');
    RnEmbedSource source;
    size_t len = dash ? (size_t)(dash - input) : 0;
    if (!dash || len >= sizeof src) {
        rn_error_set(err, RN_ERROR_INVALID, "bad input name '%s'", input);
        return false;
    }
    memcpy(src, input, len);
    src[len] = '\0';
    if (!rn_embed_source_parse(src, &source)) {
        rn_error_set(err, RN_ERROR_INVALID, "bad input source in '%s'", input);
        return false;
    }
    EmbedCtx ctx = {r, input};
    /* seed 1: the embed command's and the study's, so their files are
     * reused; a default input with the defaults' options (every rank alike) */
    const char *options = rn_fusion_default_options(input);
    RnEmbedRunOptions eo = {.source = source, .method = dash + 1,
                            .params = {.seed = 1, .threads = r->o->threads, .options = options},
                            .lock_wait = r->o->lock_wait, .command = "run (embed)",
                            .progress = embed_progress, .progress_user = &ctx};
    RnEmbedRunSummary es;
    if (!rn_embed_run_dist(r->ws, &eo, r->o->dist, &es, err))
        return false;
    *skipped = *skipped && es.up_to_date;
    return true;
}

static bool step_embed(RuRun *r, RnError **err)
{
    bool skipped = true;
    for (size_t i = 0; i < r->sum->n_inputs; i++)
        if (!embed_input(r, r->sum->inputs[i], &skipped, err))
            return false;
    r->sum->step_skipped[RN_STEP_EMBED] = skipped;
    return true;
}

static bool step_embed_fuse(RuRun *r, RnError **err)
{
    bool chosen = choose_inputs(r, err); /* the other ranks wait for them */
    if (!ru_ranks_tell(r, chosen ? RU_RANKS_GO : RU_RANKS_FAILED, chosen ? err : NULL) ||
        !chosen || !step_embed(r, err))
        return false;
    r->ranks_waiting = true; /* for the cluster step's plan */
    ru_progress(r, RN_STEP_FUSE, "fused rows", 0, 0);
    RnFuseRunOptions fo = {.lock_wait = r->o->lock_wait, .command = "run (fuse)",
                           .threads = r->o->threads};
    RnFuseSummary fs;
    if (!rn_fuse_workspace(r->ws, &fo, &fs, err))
        return false;
    r->sum->step_skipped[RN_STEP_FUSE] = fs.up_to_date;
    r->sum->n_inputs = fs.n_inputs < 16 ? fs.n_inputs : 16;
    for (size_t i = 0; i < r->sum->n_inputs; i++)
        memcpy(r->sum->inputs[i], fs.inputs[i], 64);
    return true;
}

/* ---- the catalogue's labels and the fused rows ---------------------------------- */

/* Modality and region of every row of the clustering set (r->n of them). */
static bool load_catalogue_labels(RuRun *r, RnError **err)
{
    RnImageCursor *c = rn_image_cursor_open(r->s, 0, err);
    if (!c)
        return false;
    if (rn_image_cursor_count(c) != r->n) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "the catalogue has %llu images but %s has %zu rows",
                     (unsigned long long)rn_image_cursor_count(c), RN_FUSION_NPY, r->n);
        rn_image_cursor_close(c);
        return false;
    }
    r->modality = rn_calloc(r->n + 1, sizeof *r->modality, err);
    r->region = rn_calloc(r->n + 1, sizeof *r->region, err);
    bool ok = r->modality && r->region;
    RnImageRow row;
    RnError *e = NULL;
    for (size_t i = 0; ok && i < r->n && rn_image_cursor_next(c, &row, &e); i++) {
        r->modality[i] = rn_strdup(row.modality, err);
        r->region[i] = rn_strdup(row.region, err);
        ok = r->modality[i] && r->region[i];
    }
    rn_image_cursor_close(c);
    if (e) {
        rn_error_propagate(err, e);
        return false;
    }
    return ok;
}

static bool load_rows(RuRun *r, RnError **err)
{
    char *path = rn_store_artifact_path(r->s, RN_FUSION_NPY, err);
    bool ok = path && rn_store_artifact_hash(r->s, RN_FUSION_NPY, r->fused_hash, NULL, err) &&
              rn_matrix_file_open(path, RN_DTYPE_F32, true, &r->fused, err);
    free(path);
    if (!ok)
        return false;
    r->n = r->fused.m.rows;
    return load_catalogue_labels(r, err);
}

static void run_free(RuRun *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->modality)
            free(r->modality[i]);
        if (r->region)
            free(r->region[i]);
    }
    free(r->modality);
    free(r->region);
    for (size_t i = 0; r->modality_names && i < r->n_groups; i++)
        free(r->modality_names[i]);
    for (size_t i = 0; r->region_names && i < r->n_subgroups; i++)
        free(r->region_names[i]);
    free(r->modality_names);
    free(r->region_names);
    free(r->group);
    free(r->subgroup);
    free(r->view_region);
    free(r->view_group);
    ru_view_free(&r->view);
    free(r->labels);
    free(r->dist);
    free(r->sil);
    free(r->novelty);
    free(r->outlier);
    rn_matrix_file_close(&r->fused);
    rn_pool_close(r->pool);
    rn_store_close(r->s);
}

/* ---- the run record ----------------------------------------------------------- */

static bool run_params(RuRun *r, RnBuf *out, RnError **err)
{
    static const char *const names[] = {RN_STORE_ROWS, "embeddings/fused.npy",
                                        RN_RUN_CLUSTER_MODEL, RN_RUN_VIEW_MODEL, RN_RUN_NOVELTY,
                                        RN_RUN_LABELS, RN_RUN_CLUSTERS, RN_RUN_EVALUATION};
    RnJsonWriter *w = rn_json_open(out, 0, err);
    if (!w)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_uint(w, "k", r->k);
    rn_json_kv_uint(w, "seed", r->o->seed);
    rn_json_key(w, "inputs");
    rn_json_begin_array(w);
    for (size_t i = 0; i < r->sum->n_inputs; i++)
        rn_json_string(w, r->sum->inputs[i]);
    rn_json_end_array(w);
    rn_json_key(w, "artifacts");
    rn_json_begin_object(w);
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof names / sizeof names[0]; i++) {
        char h[17];
        ok = rn_store_artifact_hash(r->s, names[i], h, NULL, err);
        rn_json_kv_string(w, names[i], h);
    }
    /* the frozen models assign uses */
    for (size_t i = 0; ok && i <= r->sum->n_inputs; i++) {
        char name[96], h[17];
        if (i < r->sum->n_inputs)
            snprintf(name, sizeof name, "models/%s.model", r->sum->inputs[i]);
        else
            snprintf(name, sizeof name, "models/fusion.model");
        ok = rn_store_artifact_hash(r->s, name, h, NULL, err);
        rn_json_kv_string(w, name, h);
    }
    rn_json_end_object(w);
    rn_json_end_object(w);
    ok = ok && rn_json_finish(w, err);
    rn_json_close(w);
    return ok && rn_buf_terminate(out, err);
}

static bool record_run(RuRun *r, RnError **err)
{
    RnBuf params = RN_BUF_INIT;
    int64_t id = 0;
    bool ok = run_params(r, &params, err) &&
              rn_store_run_begin(r->s, "run", r->o->command, (char *)params.data, &id, err) &&
              rn_store_run_end(r->s, id, RN_RUN_DONE, NULL, err);
    rn_buf_free(&params);
    return ok;
}

static bool step_export(RuRun *r, RnError **err)
{
    char *path = r->o->labels_path ? rn_strdup(r->o->labels_path, err)
                                   : rn_store_artifact_path(r->s, "labels.csv", err);
    RnExportOptions eo = {0};
    uint64_t rows = 0;
    ru_progress(r, RN_STEP_EXPORT, "labels", 0, 0);
    bool ok = path && rn_run_export(r->s, path, &eo, &rows, err);
    free(path);
    return ok;
}

static bool run_all(RuRun *r, RnError **err)
{
    if (!step_ingest(r, err))
        return false;
    r->ranks_waiting = true; /* for the inputs */
    if (!step_embed_fuse(r, err))
        return false;
    r->s = rn_store_open_wait(r->ws, RN_STORE_WRITE, r->o->lock_wait, err);
    r->pool = r->s ? rn_pool_open(r->o->threads, err) : NULL;
    if (!r->pool || !load_rows(r, err))
        return false;
    r->sum->images = r->n;
    return ru_step_cluster(r, err) && ru_step_evaluate(r, err) && record_run(r, err) &&
           ru_step_report(r, err) && step_export(r, err);
}

/* ---- over MPI ranks ------------------------------------------------------------
 * Every rank ingests and embeds its share; rank 0 alone writes the workspace.
 * Where the others wait for rank 0 (the inputs, the cluster step's plan, the
 * novelty, the evaluation, the end) it sends one RuRanksMsg, so a failing
 * rank 0 releases them at once; a message naming a step makes every rank do
 * its share of it together. */

bool ru_ranks_tell(RuRun *r, uint64_t status, RnError **err)
{
    if (rn_dist_size(r->o->dist) == 1)
        return true;
    RuRanksMsg m = {.status = status, .k = r->k, .n_inputs = r->sum->n_inputs};
    memcpy(m.inputs, r->sum->inputs, sizeof m.inputs);
    r->ranks_waiting = false;
    return rn_dist_bcast(r->o->dist, &m, sizeof m, 0, err);
}

static bool hear_rank0(RuRun *r, RuRanksMsg *m, RnError **err)
{
    if (!rn_dist_bcast(r->o->dist, m, sizeof *m, 0, err))
        return false;
    if (m->status == RU_RANKS_FAILED || m->status > RU_RANKS_DONE || m->n_inputs > 16) {
        r->sum->rank0_failed = true;
        rn_error_set(err, RN_ERROR_IO, "run: rank 0 failed");
        return false;
    }
    r->k = m->k;
    r->sum->n_inputs = m->n_inputs;
    memcpy(r->sum->inputs, m->inputs, sizeof m->inputs);
    return true;
}

/* A rank > 0's view of the run: the fused rows rank 0 committed, the
 * catalogue's labels (the k-means groups: Modality), the per-row arrays. */
static bool load_beside_rank0(RuRun *r, RnError **err)
{
    if (r->s)
        return true;
    r->s = rn_store_open(r->ws, RN_STORE_READ, err);
    char *path = r->s ? rn_store_artifact_path(r->s, RN_FUSION_NPY, err) : NULL;
    bool ok = path && rn_matrix_file_open(path, RN_DTYPE_F32, true, &r->fused, err);
    free(path);
    if (!ok)
        return false;
    r->n = r->fused.m.rows;
    r->pool = rn_pool_open(r->o->threads, err);
    r->labels = r->pool ? rn_calloc(r->n + 1, sizeof *r->labels, err) : NULL;
    r->dist = r->labels ? rn_calloc(r->n + 1, sizeof *r->dist, err) : NULL;
    r->novelty = r->dist ? rn_calloc(r->n + 1, sizeof *r->novelty, err) : NULL;
    return r->novelty && load_catalogue_labels(r, err);
}

/* A rank > 0's share of the k-means fit. */
static bool fit_beside_rank0(RuRun *r, RnError **err)
{
    RnKSweep sw = {0};
    RnClusterModel *m = NULL;
    bool ok = load_beside_rank0(r, err) && ru_cluster_fit(r, &sw, &m, err);
    rn_cluster_model_close(m);
    rn_ksweep_free(&sw);
    return ok;
}

/* A rank > 0's share of the pixel novelty (rank 0 keeps the model). */
static bool novelty_beside_rank0(RuRun *r, RnError **err)
{
    RuNovelty nov = {0};
    bool ok = load_beside_rank0(r, err) &&
              ru_novelty_fit(r->s, r->o->dist, r->n, r->o->seed, r->pool, &nov, r->novelty,
                             err);
    ru_novelty_free(&nov);
    return ok;
}

/* Ranks > 0: the same calls as rank 0 up to the embeddings, then their
 * share of each step rank 0 names, until it says the run is done. */
static bool run_beside_rank0(RuRun *r, RnError **err)
{
    RuRanksMsg m;
    if (!step_ingest(r, err) || !hear_rank0(r, &m, err) || !step_embed(r, err))
        return false;
    for (;;) {
        if (!hear_rank0(r, &m, err))
            return false;
        bool ok = true;
        switch (m.status) {
        case RU_RANKS_FIT:
            ok = fit_beside_rank0(r, err);
            break;
        case RU_RANKS_NOVELTY:
            ok = novelty_beside_rank0(r, err);
            break;
        case RU_RANKS_EVALUATE:
            ok = load_beside_rank0(r, err) && ru_evaluate_beside_rank0(r, err);
            break;
        case RU_RANKS_DONE:
            return true;
        default: /* go on */
            break;
        }
        if (!ok)
            return false;
    }
}

bool rn_run(const char *ws, const RnRunOptions *o, RnRunSummary *summary, RnError **err)
{
    memset(summary, 0, sizeof *summary);
    RuRun r = {.ws = ws, .o = o, .sum = summary};
    bool ok;
    if (rn_dist_rank(o->dist) != 0) {
        ok = run_beside_rank0(&r, err);
    } else {
        ok = run_all(&r, err);
        if (r.ranks_waiting)
            ok = ru_ranks_tell(&r, ok ? RU_RANKS_DONE : RU_RANKS_FAILED, ok ? err : NULL) &&
                 ok;
    }
    run_free(&r);
    return ok;
}
