/* rn_report_render / rn_report_write: the report's entry points. */
#include "pages.h"
#include "radnet/cluster.h"
#include "radnet/fusion.h"

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

/* Labels of the fused rows by the saved cluster model. */
static bool label_rows(RnStore *s, const RnReportOptions *o, RnReportData *d,
                       RnMatrixFile *fused, RnClusterModel **model, RnError **err)
{
    char *fused_path = rn_store_artifact_path(s, RN_FUSION_NPY, err);
    char *model_path = o->model_path ? rn_strdup(o->model_path, err)
                                     : rn_store_artifact_path(s, "models/cluster.model", err);
    bool ok = fused_path && model_path &&
              rn_matrix_file_open(fused_path, RN_DTYPE_F32, true, fused, err) &&
              (*model = rn_cluster_model_load(model_path, err)) != NULL;
    free(fused_path);
    free(model_path);
    if (!ok)
        return false;
    d->embedding = fused->m;
    d->n_rows = fused->m.rows;
    d->k = rn_cluster_model_info(*model)->k;
    d->centers = rn_cluster_model_centers(*model);
    int32_t *labels = rn_malloc((d->n_rows + 1) * sizeof *labels, err);
    double *dist = labels ? rn_malloc((d->n_rows + 1) * sizeof *dist, err) : NULL;
    d->labels = labels;
    d->distance = dist;
    return dist && rn_cluster_model_predict(*model, &fused->m, NULL, labels, dist, NULL, err);
}

bool rn_report_write(const char *ws, const char *out_dir, const RnReportOptions *o,
                     RnError **err)
{
    RnReportOptions defaults;
    rn_report_options_init(&defaults);
    if (!o)
        o = &defaults;
    RnStore *s = rn_store_open(ws, RN_STORE_READ, err);
    if (!s)
        return false;
    RnReportData d = {0};
    RnMatrixFile fused = {0};
    RnClusterModel *model = NULL;
    bool ok = label_rows(s, o, &d, &fused, &model, err) && rn_report_render(s, &d, out_dir, o, err);
    free((void *)d.labels);
    free((void *)d.distance);
    rn_cluster_model_close(model);
    rn_matrix_file_close(&fused);
    rn_store_close(s);
    return ok;
}
