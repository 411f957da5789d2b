/* The report step of `radnet run`: the report stage's HTML pages of the
 * run just recorded (contract: run.h, report.h). */
#include "run_internal.h"
#include "radnet/cluster.h"
#include "radnet/report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPORT_PARAMS "report/params.json"

static bool report_params(RuRun *r, RnBuf *out, RnError **err)
{
    const char *names[] = {RN_RUN_LABELS, RN_RUN_CLUSTERS, RN_RUN_EVALUATION, RN_RUN_CHOOSE_K,
                           RN_RUN_NAMES, RN_RUN_CLUSTER_MODEL, "embeddings/fused.npy"};
    bool ok = rn_buf_append_str(out, "{", err);
    for (size_t i = 0; ok && i < sizeof names / sizeof names[0]; i++) {
        char h[17];
        ok = ru_artifact_hash(r->s, names[i], h, err) &&
             rn_buf_printf(out, err, "%s\"%s\":\"%s\"", i ? "," : "", names[i], h);
    }
    return ok && rn_buf_printf(out, err, ",\"seed\":%llu}", (unsigned long long)r->o->seed) &&
           rn_buf_terminate(out, err);
}

static bool render(RuRun *r, const char *dir, RnError **err)
{
    RnRunResults *res = rn_run_results_open(r->s, err);
    char *model_path = res ? rn_store_artifact_path(r->s, RN_RUN_CLUSTER_MODEL, err) : NULL;
    RnClusterModel *m = model_path ? rn_cluster_model_load(model_path, err) : NULL;
    free(model_path);
    const char **names = m ? rn_calloc(r->k + 1, sizeof *names, err) : NULL;
    uint8_t *outlier = names ? rn_calloc(r->n + 1, 1, err) : NULL;
    bool ok = outlier != NULL;
    if (ok) {
        for (size_t c = 0; c < r->k; c++) {
            RnRunCluster cl;
            rn_run_results_cluster(res, c, &cl);
            names[c] = cl.name;
        }
        for (size_t i = 0; i < r->n; i++)
            outlier[i] = r->outlier[i];
        RnReportData d = {.n_rows = r->n, .k = r->k, .labels = r->labels, .distance = r->dist,
                          .silhouette = r->sil, .outlier = outlier, .embedding = r->fused.m,
                          .centers = rn_cluster_model_centers(m),
                          .eval_json = rn_run_results_evaluation_json(res),
                          .choose_k_json = rn_run_results_choose_k_json(res), .names = names};
        RnReportOptions ro;
        rn_report_options_init(&ro);
        ro.seed = r->o->seed;
        ru_progress(r, RN_STEP_REPORT, "pages", 0, 0);
        ok = rn_report_render(r->s, &d, dir, &ro, err);
    }
    free(outlier);
    free(names);
    rn_cluster_model_close(m);
    rn_run_results_close(res);
    return ok;
}

bool ru_step_report(RuRun *r, RnError **err)
{
    char *dir = r->o->report_dir ? rn_strdup(r->o->report_dir, err)
                                 : rn_store_artifact_path(r->s, "report", err);
    RnBuf params = RN_BUF_INIT, index = RN_BUF_INIT;
    bool same = false;
    bool ok = dir && report_params(r, &params, err) &&
              ru_artifact_current(r->s, REPORT_PARAMS, (char *)params.data, &same, err) &&
              rn_buf_printf(&index, err, "%s/index.html", dir) && rn_buf_terminate(&index, err);
    /* another --report-dir, or pages removed by hand: render again */
    same = ok && same && !r->o->report_dir && access((char *)index.data, R_OK) == 0;
    r->sum->step_skipped[RN_STEP_REPORT] = same;
    if (ok && !same) {
        RnBuf content = RN_BUF_INIT;
        ok = render(r, dir, err) && rn_buf_append(&content, params.data, params.len, err) &&
             ru_put(r->s, REPORT_PARAMS, &content, 0, (char *)params.data, err);
        rn_buf_free(&content);
    }
    rn_buf_free(&params);
    rn_buf_free(&index);
    free(dir);
    return ok;
}
