/* The evaluate step of `radnet run`: every metric against the archive's
 * own Modality and region, seed stability, and a one-input baseline
 * (run/evaluation.json, contract: run.h). */
#include "run_internal.h"
#include "radnet/cluster.h"
#include "radnet/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool eval_params(RuRun *r, RnBuf *out, RnError **err)
{
    char lh[17];
    RnJsonWriter *w = rn_store_artifact_hash(r->s, RN_RUN_LABELS, lh, NULL, err)
                          ? rn_json_open(out, 0, err) : NULL;
    if (w == NULL)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_string(w, "labels", lh);
    rn_json_kv_string(w, "fused", r->fused_hash);
    rn_json_kv_uint(w, "seed", r->o->seed);
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err) && rn_buf_terminate(out, err);
    rn_json_close(w);
    return ok;
}

/* Labels as text ("0".."k-1") for rn_eval_labels_encode. */
static bool encode_ints(const int32_t *labels, size_t n, RnEvalLabels *out, RnError **err)
{
    char **text = rn_calloc(n + 1, sizeof *text, err);
    char *store = text ? rn_malloc(n * 12 + 1, err) : NULL;
    bool ok = store != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        text[i] = store + i * 12;
        snprintf(text[i], 12, "%d", labels[i]);
    }
    ok = ok && rn_eval_labels_encode(text, NULL, n, out, err);
    free(store);
    free(text);
    return ok;
}

/* k-means with the run's k on X over the ranks of r->o->dist; labels out.
 * As the cluster step does (within the view's groups) when `as_run`, else one
 * k-means of all rows at the paper's settings. */
static bool fit_labels(RuRun *r, const RnMatrix *X, uint64_t seed, bool as_run,
                       int32_t *labels, RnError **err)
{
    RnClusterModelOptions co;
    if (as_run && !ru_cluster_options(r, r->k, seed, &co, err))
        return false;
    if (!as_run) {
        rn_cluster_model_options_default(&co, RN_ALGO_KMEANS, r->k);
        co.seed = seed;
        co.pool = r->pool;
        co.dist = r->o->dist;
    }
    RnClusterModel *m = rn_cluster_model_fit(X, &co, labels, NULL, err);
    rn_cluster_model_close(m);
    return m != NULL;
}

/* Seed stability: the run's fit again with seed + s. */
static bool stability_fit(RuRun *r, uint64_t s, int32_t *labels, RnError **err)
{
    ru_progress(r, RN_STEP_EVALUATE, "seed stability", s, RN_RUN_STABILITY_SEEDS - 1);
    return fit_labels(r, &r->fused.m, r->o->seed + s, true, labels, err);
}

/* The baseline's input: the first image input, when there are others. */
static const char *baseline_input(const RuRun *r)
{
    if (r->sum->n_inputs < 2)
        return NULL;
    for (size_t i = 0; i < r->sum->n_inputs; i++)
        if (strncmp(r->sum->inputs[i], "image-", 6) == 0)
            return r->sum->inputs[i];
    return NULL;
}

/* The baseline input alone, clustered at the paper's settings. */
static bool baseline_fit(RuRun *r, const char *input, int32_t *labels, RnError **err)
{
    char name[96];
    snprintf(name, sizeof name, "embeddings/%s.npy", input);
    char *path = rn_store_artifact_path(r->s, name, err);
    RnMatrixFile f = {0};
    bool ok = path && rn_matrix_file_open(path, RN_DTYPE_F32, true, &f, err);
    if (ok && f.m.rows != r->n) {
        rn_error_set(err, RN_ERROR_INVALID, "%s has %zu rows, the fused rows %zu", name,
                     f.m.rows, r->n);
        ok = false;
    }
    ru_progress(r, RN_STEP_EVALUATE, "baseline", 0, 0);
    ok = ok && rn_matrix_check_finite(&f.m, err) &&
         fit_labels(r, &f.m, r->o->seed, false, labels, err);
    rn_matrix_file_close(&f);
    free(path);
    return ok;
}

static bool baseline(RuRun *r, RnJsonWriter *w, RnError **err)
{
    const char *input = baseline_input(r);
    if (!input)
        return true;
    int32_t *labels = rn_calloc(r->n + 1, sizeof *labels, err);
    RnEvalLabels mod = {0}, reg = {0};
    double nm = NAN, nr = NAN;
    bool ok = labels && baseline_fit(r, input, labels, err) &&
              rn_eval_labels_encode(r->modality, NULL, r->n, &mod, err) &&
              rn_eval_labels_encode(r->region, NULL, r->n, &reg, err) &&
              rn_normalized_mutual_info(mod.ids, labels, r->n, RN_AVERAGE_ARITHMETIC, &nm, err) &&
              rn_normalized_mutual_info(reg.ids, labels, r->n, RN_AVERAGE_ARITHMETIC, &nr, err);
    if (ok) {
        snprintf(r->sum->baseline, sizeof r->sum->baseline, "%s", input);
        r->sum->baseline_nmi_modality = nm;
        r->sum->baseline_nmi_region = nr;
        rn_json_key(w, "baseline");
        rn_json_begin_object(w);
        rn_json_kv_string(w, "input", input);
        rn_json_kv_double(w, "nmi_modality", nm);
        rn_json_kv_double(w, "nmi_region", nr);
        rn_json_end_object(w);
    }
    rn_eval_labels_free(&mod);
    rn_eval_labels_free(&reg);
    free(labels);
    return ok;
}

bool ru_evaluate_beside_rank0(RuRun *r, RnError **err)
{
    int32_t *labels = rn_calloc(r->n + 1, sizeof *labels, err);
    bool ok = labels != NULL;
    for (uint64_t s = 1; ok && s < RN_RUN_STABILITY_SEEDS; s++)
        ok = stability_fit(r, s, labels, err);
    const char *input = baseline_input(r);
    ok = ok && (!input || baseline_fit(r, input, labels, err));
    free(labels);
    return ok;
}

static void summary_json(const RnRunSummary *s, RnJsonWriter *w)
{
    rn_json_key(w, "summary");
    rn_json_begin_object(w);
    rn_json_kv_double(w, "nmi_modality", s->nmi_modality);
    rn_json_kv_double(w, "nmi_region", s->nmi_region);
    rn_json_kv_double(w, "silhouette", s->silhouette);
    rn_json_kv_uint(w, "outliers", s->outliers);
    rn_json_kv_string(w, "view", rn_run_view_name(s->view));
    rn_json_end_object(w);
}

typedef struct Eval {
    RnEvalLabels pred, mod, reg;
    RnEvalLabels others[RN_RUN_STABILITY_SEEDS];
    const RnEvalLabels *other_ptr[RN_RUN_STABILITY_SEEDS];
    size_t n_others;
    RnEvalReport rm, rr;
} Eval;

static bool compute(RuRun *r, Eval *e, RnError **err)
{
    int32_t *tmp = rn_calloc(r->n + 1, sizeof *tmp, err);
    bool ok = tmp && encode_ints(r->labels, r->n, &e->pred, err) &&
              rn_eval_labels_encode(r->modality, NULL, r->n, &e->mod, err) &&
              rn_eval_labels_encode(r->region, NULL, r->n, &e->reg, err);
    for (uint64_t s = 1; ok && s < RN_RUN_STABILITY_SEEDS; s++) {
        ok = stability_fit(r, s, tmp, err) && encode_ints(tmp, r->n, &e->others[e->n_others], err);
        if (ok)
            e->other_ptr[e->n_others] = &e->others[e->n_others], e->n_others++;
    }
    free(tmp);
    RnEvalReportOptions eo;
    rn_eval_report_options_default(&eo);
    eo.pool = r->pool;
    eo.seed = r->o->seed;
    if (r->n > RN_RUN_SILHOUETTE_EXACT_MAX)
        eo.silhouette_sample = 2000;
    ru_progress(r, RN_STEP_EVALUATE, "metrics", 0, 0);
    ok = ok && rn_eval_report_compute(&e->pred, &e->mod, &r->fused.m, e->other_ptr, e->n_others,
                                      &eo, &e->rm, err) &&
         rn_eval_report_compute(&e->pred, &e->reg, NULL, NULL, 0, &eo, &e->rr, err);
    if (ok) {
        r->sum->nmi_modality = e->rm.scores.nmi[RN_AVERAGE_ARITHMETIC];
        r->sum->nmi_region = e->rr.scores.nmi[RN_AVERAGE_ARITHMETIC];
        r->sum->silhouette = e->rm.data_defined ? e->rm.silhouette : NAN;
    }
    return ok;
}

static void eval_free(Eval *e)
{
    rn_eval_report_free(&e->rm);
    rn_eval_report_free(&e->rr);
    rn_eval_labels_free(&e->pred);
    rn_eval_labels_free(&e->mod);
    rn_eval_labels_free(&e->reg);
    for (size_t i = 0; i < e->n_others; i++)
        rn_eval_labels_free(&e->others[i]);
}

static bool evaluate_and_commit(RuRun *r, int64_t run, const char *params, RnError **err)
{
    Eval e = {0};
    RnBuf b = RN_BUF_INIT;
    RnJsonWriter *w = NULL;
    bool ok = compute(r, &e, err) && (w = rn_json_open(&b, 1, err)) != NULL;
    if (ok) {
        rn_json_begin_object(w);
        rn_json_kv_uint(w, "k", r->k);
        rn_json_kv_uint(w, "rows", r->n);
        rn_json_key(w, "inputs");
        rn_json_begin_array(w);
        for (size_t i = 0; i < r->sum->n_inputs; i++)
            rn_json_string(w, r->sum->inputs[i]);
        rn_json_end_array(w);
        ok = baseline(r, w, err);
        summary_json(r->sum, w);
        rn_json_key(w, "modality");
        rn_eval_report_json(&e.rm, 10000, w);
        rn_json_key(w, "region");
        rn_eval_report_json(&e.rr, 10000, w);
        rn_json_end_object(w);
        ok = ok && rn_json_finish(w, err) && ru_put(r->s, RN_RUN_EVALUATION, &b, run, params, err);
    }
    rn_json_close(w);
    rn_buf_free(&b);
    eval_free(&e);
    return ok;
}

/* The summary figures of an up-to-date evaluation.json. */
static bool load_summary(RuRun *r, RnError **err)
{
    char *path = rn_store_artifact_path(r->s, RN_RUN_EVALUATION, err);
    uint8_t *data = NULL;
    size_t n = 0;
    bool ok = path && rn_file_read_all(path, (size_t)1 << 30, &data, &n, err);
    free(path);
    RnJson *doc = ok ? rn_json_parse((const char *)data, n, err) : NULL;
    free(data);
    if (!doc)
        return false;
    RnJsonRef root = rn_json_root(doc), s = rn_json_get(doc, root, "summary"),
              b = rn_json_get(doc, root, "baseline");
    r->sum->nmi_modality = rn_json_number(doc, rn_json_get(doc, s, "nmi_modality"));
    r->sum->nmi_region = rn_json_number(doc, rn_json_get(doc, s, "nmi_region"));
    r->sum->silhouette = rn_json_type(doc, rn_json_get(doc, s, "silhouette")) == RN_JSON_NUMBER
                             ? rn_json_number(doc, rn_json_get(doc, s, "silhouette"))
                             : NAN;
    const char *view = rn_json_str(doc, rn_json_get(doc, s, "view"), NULL);
    if (view == NULL || !rn_run_view_parse(view, &r->sum->view))
        r->sum->view = RN_RUN_VIEW_AUTO; /* unknown: an evaluation older than views */
    const char *in = rn_json_str(doc, rn_json_get(doc, b, "input"), NULL);
    if (in) {
        snprintf(r->sum->baseline, sizeof r->sum->baseline, "%s", in);
        r->sum->baseline_nmi_modality = rn_json_number(doc, rn_json_get(doc, b, "nmi_modality"));
        r->sum->baseline_nmi_region = rn_json_number(doc, rn_json_get(doc, b, "nmi_region"));
    }
    rn_json_free(doc);
    return true;
}

bool ru_step_evaluate(RuRun *r, RnError **err)
{
    RnBuf params = RN_BUF_INIT;
    bool same = false;
    bool ok = eval_params(r, &params, err) &&
              rn_store_artifact_current(r->s, RN_RUN_EVALUATION, (char *)params.data, &same,
                                        err);
    if (ok && same) {
        r->sum->step_skipped[RN_STEP_EVALUATE] = true;
        ok = load_summary(r, err);
    } else if (ok) {
        int64_t run = 0;
        ok = rn_store_run_begin(r->s, "evaluate", "run (evaluate)", (char *)params.data, &run,
                                err);
        if (ok) {
            /* the other ranks fit beside rank 0, then wait again (after a
             * failure inside, the ranks are out of step: the CLI ends the job) */
            RnError *e = NULL;
            ok = ru_ranks_tell(r, RU_RANKS_EVALUATE, &e) &&
                 evaluate_and_commit(r, run, (char *)params.data, &e);
            r->ranks_waiting = ok;
            rn_store_run_end(r->s, run, ok ? RN_RUN_DONE : RN_RUN_FAILED,
                             ok ? NULL : rn_error_message(e), NULL);
            if (!ok)
                rn_error_propagate(err, e);
        }
    }
    rn_buf_free(&params);
    return ok;
}
