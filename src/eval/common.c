/* Shared helpers: cluster runs, label-count checks, small statistics. */
#include "eval/eval_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rn_eval_clusters_free(RnEvalClusters *cl)
{
    if (cl == NULL)
        return;
    free(cl->ids);
    free(cl->sizes);
    free(cl->start);
    free(cl->order);
    free(cl->position);
    memset(cl, 0, sizeof *cl);
}

bool rn_eval_clusters_init(RnEvalClusters *cl, const int32_t *labels, size_t n,
                           RnError **err)
{
    memset(cl, 0, sizeof *cl);
    cl->n = n;
    size_t one = n ? n : 1;
    cl->ids = rn_calloc(one, sizeof *cl->ids, err);
    cl->order = rn_calloc(one, sizeof *cl->order, err);
    cl->position = rn_calloc(one, sizeof *cl->position, err);
    if (cl->ids == NULL || cl->order == NULL || cl->position == NULL ||
        (n > 0 && labels == NULL) ||
        !rn_labels_encode_i32(labels, n, cl->ids, &cl->k, NULL, err)) {
        if (n > 0 && labels == NULL)
            rn_error_set(err, RN_ERROR_INVALID, "labels are NULL");
        rn_eval_clusters_free(cl);
        return false;
    }
    cl->sizes = rn_calloc(cl->k ? cl->k : 1, sizeof *cl->sizes, err);
    cl->start = rn_calloc(cl->k + 1, sizeof *cl->start, err);
    if (cl->sizes == NULL || cl->start == NULL) {
        rn_eval_clusters_free(cl);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        cl->sizes[cl->ids[i]]++;
    for (size_t c = 0; c < cl->k; c++)
        cl->start[c + 1] = cl->start[c] + (size_t)cl->sizes[c];
    /* counting sort; `position` doubles as the fill cursor per cluster */
    size_t *fill = cl->position;
    for (size_t c = 0; c < cl->k; c++)
        fill[c] = cl->start[c];
    for (size_t i = 0; i < n; i++)
        cl->order[fill[cl->ids[i]]++] = i;
    for (size_t p = 0; p < n; p++)
        cl->position[cl->order[p]] = p;
    return true;
}

bool rn_eval_check_cluster_count(size_t k, size_t n, RnError **err)
{
    if (k < 2 || n < 1 || k > n - 1) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "number of labels is %zu; valid values are 2 to n_samples - 1 (n_samples = %zu)",
                     k, n);
        return false;
    }
    return true;
}

double rn_eval_mean(const double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

double rn_eval_sd(const double *v, size_t n)
{
    if (n < 2)
        return 0.0;
    double mean = rn_eval_mean(v, n), ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    return sqrt(ss / (double)(n - 1));
}

void rn_eval_row_f64(const RnMatrix *X, size_t i, double *out)
{
    const void *row = rn_matrix_row(X, i);
    if (X->dtype == RN_DTYPE_F32) {
        const float *r = row;
        for (size_t t = 0; t < X->cols; t++)
            out[t] = (double)r[t];
    } else {
        memcpy(out, row, X->cols * sizeof *out);
    }
}
