/* rn_report_render / rn_report_write: the report's entry points. */
#include "pages.h"
#include "radnet/cluster.h"
#include "radnet/fusion.h"
#include "radnet/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void rn_report_options_init(RnReportOptions *o)
{
    *o = (RnReportOptions){.montage_central = 16, .montage_random = 16, .map_sample = 3000,
                           .seed = 1};
}

static bool make_dir(const char *dir, RnError **err)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return true;
    }
    rn_error_set(err, RN_ERROR_IO, "cannot make the report folder %s: %s", dir, strerror(errno));
    return false;
}

bool rn_report_render(RnStore *s, const RnReportData *data, const char *out_dir,
                      const RnReportOptions *o, RnError **err)
{
    RnReportOptions defaults;
    rn_report_options_init(&defaults);
    if (!o)
        o = &defaults;
    if (!data || !data->labels || data->k == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "the report needs cluster labels and k > 0");
        return false;
    }
    if (!make_dir(out_dir, err))
        return false;
    RpContext x = {.s = s, .d = data, .o = o, .dir = out_dir};
    bool ok = rp_gather(&x.g, s, data, o->show_phi, err) && rp_write_overview(&x, err);
    for (size_t c = 0; ok && c < data->k; c++)
        ok = rp_write_cluster(&x, c, err);
    rp_gather_free(&x.g, data->k);
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

bool rn_report_write(const char *ws, const char *out_dir, const RnReportOptions *o,
                     RnError **err)
{
    RnStore *s = rn_store_open(ws, RN_STORE_READ, err);
    RnRunResults *res = s ? rn_run_results_open(s, err) : NULL;
    if (!res) {
        rn_store_close(s);
        return false;
    }
    RunData x = {.d = {.n_rows = rn_run_results_count(res), .k = rn_run_results_k(res),
                       .eval_json = rn_run_results_evaluation_json(res),
                       .choose_k_json = rn_run_results_choose_k_json(res)}};
    bool ok = fill_rows(&x, res, err) && load_models(&x, s, err) &&
              rn_report_render(s, &x.d, out_dir, o, err);
    free_run_data(&x);
    rn_run_results_close(res);
    rn_store_close(s);
    return ok;
}
