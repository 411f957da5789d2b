/* The report step of `radnet run`: the report stage's HTML pages of the
 * run just recorded (contract: run.h, report.h). */
#include "run_internal.h"
#include "radnet/cluster.h"
#include "radnet/fusion.h"
#include "radnet/report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPORT_PARAMS "report/params.json"

static bool report_params(RuRun *r, RnBuf *out, RnError **err)
{
    const char *names[] = {RN_RUN_LABELS, RN_RUN_CLUSTERS, RN_RUN_EVALUATION, RN_RUN_CHOOSE_K,
                           RN_RUN_NAMES, RN_RUN_CLUSTER_MODEL, "embeddings/fused.npy"};
    RnJsonWriter *w = rn_json_open(out, 0, err);
    if (w == NULL)
        return false;
    rn_json_begin_object(w);
    bool hashed = true;
    for (size_t i = 0; hashed && i < sizeof names / sizeof names[0]; i++) {
        char h[17];
        hashed = rn_store_artifact_hash(r->s, names[i], h, NULL, err);
        if (hashed)
            rn_json_kv_string(w, names[i], h);
    }
    rn_json_kv_uint(w, "seed", r->o->seed);
    rn_json_end_object(w);
    /* the writer's errors are sticky: rn_json_finish reports them */
    bool ok = hashed && rn_json_finish(w, err) && rn_buf_terminate(out, err);
    rn_json_close(w);
    return ok;
}

/* The last finished run's results as report data (arrays owned by the
 * caller, freed by free_run_data). */
typedef struct RunData {
    RnReportData d;
    int32_t *labels;
    double *distance, *silhouette;
    uint8_t *outlier;
    const char **names;
    RnMatrixFile fused;
    RnClusterModel *model;
} RunData;

static bool fill_rows(RunData *x, const RnRunResults *res, RnError **err)
{
    size_t n = x->d.n_rows;
    x->labels = rn_malloc((n + 1) * sizeof *x->labels, err);
    x->distance = x->labels ? rn_malloc((n + 1) * sizeof *x->distance, err) : NULL;
    x->silhouette = x->distance ? rn_malloc((n + 1) * sizeof *x->silhouette, err) : NULL;
    x->outlier = x->silhouette ? rn_malloc(n + 1, err) : NULL;
    x->names = x->outlier ? rn_calloc(x->d.k + 1, sizeof *x->names, err) : NULL;
    if (!x->names)
        return false;
    for (size_t i = 0; i < n; i++) {
        RnRunRow row;
        rn_run_results_row(res, i, &row);
        x->labels[i] = row.cluster;
        x->distance[i] = row.distance;
        x->silhouette[i] = row.silhouette;
        x->outlier[i] = row.outlier;
    }
    for (size_t c = 0; c < x->d.k; c++) {
        RnRunCluster cl;
        rn_run_results_cluster(res, c, &cl);
        x->names[c] = cl.name;
    }
    x->d.labels = x->labels;
    x->d.distance = x->distance;
    x->d.silhouette = x->silhouette;
    x->d.outlier = x->outlier;
    x->d.names = x->names;
    return true;
}

/* The fused rows (the 2-D map) and the run's centres (nearest clusters). */
static bool load_models(RunData *x, RnStore *s, RnError **err)
{
    char *fused_path = rn_store_artifact_path(s, RN_FUSION_NPY, err);
    char *model_path = fused_path ? rn_store_artifact_path(s, RN_RUN_CLUSTER_MODEL, err) : NULL;
    bool ok = model_path && rn_matrix_file_open(fused_path, RN_DTYPE_F32, true, &x->fused, err) &&
              (x->model = rn_cluster_model_load(model_path, err)) != NULL;
    free(fused_path);
    free(model_path);
    if (ok && (x->fused.m.rows != x->d.n_rows || rn_cluster_model_info(x->model)->k != x->d.k)) {
        rn_error_set(err, RN_ERROR_INVALID, "%s or %s does not match the last run: rerun "
                     "'radnet run'", RN_FUSION_NPY, RN_RUN_CLUSTER_MODEL);
        ok = false;
    }
    if (ok) {
        x->d.embedding = x->fused.m;
        x->d.centers = rn_cluster_model_centers(x->model);
    }
    return ok;
}

static void free_run_data(RunData *x)
{
    free(x->labels);
    free(x->distance);
    free(x->silhouette);
    free(x->outlier);
    free(x->names);
    rn_cluster_model_close(x->model);
    rn_matrix_file_close(&x->fused);
}

/* Renders the last finished run recorded in s. */
static bool render_last_run(RnStore *s, const char *out_dir, const RnReportOptions *o,
                            RnError **err)
{
    RnRunResults *res = rn_run_results_open(s, err);
    if (!res)
        return false;
    RunData x = {.d = {.n_rows = rn_run_results_count(res), .k = rn_run_results_k(res),
                       .eval_json = rn_run_results_evaluation_json(res),
                       .choose_k_json = rn_run_results_choose_k_json(res)}};
    bool ok = fill_rows(&x, res, err) && load_models(&x, s, err) &&
              rn_report_render(s, &x.d, out_dir, o, err);
    free_run_data(&x);
    rn_run_results_close(res);
    return ok;
}

bool rn_run_report_write(const char *ws, const char *out_dir, const RnReportOptions *o,
                         RnError **err)
{
    RnStore *s = rn_store_open(ws, RN_STORE_READ, err);
    bool ok = s && render_last_run(s, out_dir, o, err);
    rn_store_close(s);
    return ok;
}

bool ru_step_report(RuRun *r, RnError **err)
{
    char *dir = r->o->report_dir ? rn_strdup(r->o->report_dir, err)
                                 : rn_store_artifact_path(r->s, "report", err);
    RnBuf params = RN_BUF_INIT, index = RN_BUF_INIT;
    bool same = false;
    bool ok = dir && report_params(r, &params, err) &&
              rn_store_artifact_current(r->s, REPORT_PARAMS, (char *)params.data, &same,
                                        err) &&
              rn_buf_printf(&index, err, "%s/index.html", dir) && rn_buf_terminate(&index, err);
    /* another --report-dir, or pages removed by hand: render again */
    same = ok && same && !r->o->report_dir && access((char *)index.data, R_OK) == 0;
    r->sum->step_skipped[RN_STEP_REPORT] = same;
    if (ok && !same) {
        RnBuf content = RN_BUF_INIT;
        RnReportOptions ro;
        rn_report_options_init(&ro);
        ro.seed = r->o->seed;
        ru_progress(r, RN_STEP_REPORT, "pages", 0, 0);
        ok = render_last_run(r->s, dir, &ro, err) && rn_buf_append(&content, params.data, params.len, err) &&
             ru_put(r->s, REPORT_PARAMS, &content, 0, (char *)params.data, err);
        rn_buf_free(&content);
    }
    rn_buf_free(&params);
    rn_buf_free(&index);
    free(dir);
    return ok;
}
