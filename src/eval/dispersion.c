/* Davies–Bouldin and Calinski–Harabasz indices (Euclidean), as sklearn,
 * accumulated in double whatever the dtype of X. */
#include "eval/eval_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* np.allclose(v, 0): every |v| <= 1e-8 */
#define RN_ALLCLOSE_ATOL 1e-8

static bool check_input(const RnMatrix *X, const int32_t *labels,
                        RnEvalClusters *cl, RnError **err)
{
    if (X == NULL || (X->dtype != RN_DTYPE_F32 && X->dtype != RN_DTYPE_F64) ||
        (X->rows > 0 && (X->data == NULL || X->cols == 0))) {
        rn_error_set(err, RN_ERROR_INVALID, "points must be a float32/float64 n×d matrix");
        return false;
    }
    if (!rn_eval_clusters_init(cl, labels, X->rows, err))
        return false;
    if (!rn_eval_check_cluster_count(cl->k, X->rows, err)) {
        rn_eval_clusters_free(cl);
        return false;
    }
    return true;
}

/* Cluster means (k×d) and, when `mean` is given, the overall mean (d). */
static bool centroids_of(const RnMatrix *X, const RnEvalClusters *cl,
                         double **centroids, double *mean, double *row,
                         RnError **err)
{
    size_t d = X->cols;
    double *c = rn_calloc(cl->k * d, sizeof *c, err);
    if (c == NULL)
        return false;
    for (size_t i = 0; i < X->rows; i++) {
        rn_eval_row_f64(X, i, row);
        double *ci = c + (size_t)cl->ids[i] * d;
        for (size_t t = 0; t < d; t++)
            ci[t] += row[t];
    }
    if (mean) {
        for (size_t k = 0; k < cl->k; k++)
            for (size_t t = 0; t < d; t++)
                mean[t] += c[k * d + t];
        for (size_t t = 0; t < d; t++)
            mean[t] /= (double)X->rows;
    }
    for (size_t k = 0; k < cl->k; k++)
        for (size_t t = 0; t < d; t++)
            c[k * d + t] /= (double)cl->sizes[k];
    *centroids = c;
    return true;
}

static double squared_distance(const double *a, const double *b, size_t d)
{
    double s = 0.0;
    for (size_t t = 0; t < d; t++)
        s += (a[t] - b[t]) * (a[t] - b[t]);
    return s;
}

bool rn_calinski_harabasz_score(const RnMatrix *X, const int32_t *labels,
                                double *score, RnError **err)
{
    RnEvalClusters cl;
    if (!check_input(X, labels, &cl, err))
        return false;
    size_t d = X->cols;
    double *row = rn_calloc(d, sizeof *row, err);
    double *mean = rn_calloc(d, sizeof *mean, err);
    double *centroids = NULL;
    bool ok = row && mean && centroids_of(X, &cl, &centroids, mean, row, err);
    if (ok) {
        double extra = 0.0, intra = 0.0;
        for (size_t k = 0; k < cl.k; k++)
            extra += (double)cl.sizes[k] * squared_distance(centroids + k * d, mean, d);
        for (size_t i = 0; i < X->rows; i++) {
            rn_eval_row_f64(X, i, row);
            intra += squared_distance(row, centroids + (size_t)cl.ids[i] * d, d);
        }
        *score = intra == 0.0 ? 1.0
                              : extra * (double)(X->rows - cl.k) /
                                    (intra * ((double)cl.k - 1.0));
    }
    free(row);
    free(mean);
    free(centroids);
    rn_eval_clusters_free(&cl);
    return ok;
}

/* Mean distance of each cluster's members to its centroid. */
static void intra_distances(const RnMatrix *X, const RnEvalClusters *cl,
                            const double *centroids, double *row, double *intra)
{
    size_t d = X->cols;
    for (size_t i = 0; i < X->rows; i++) {
        rn_eval_row_f64(X, i, row);
        intra[cl->ids[i]] += sqrt(squared_distance(row, centroids + (size_t)cl->ids[i] * d, d));
    }
    for (size_t k = 0; k < cl->k; k++)
        intra[k] /= (double)cl->sizes[k];
}

static bool all_near_zero(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(v[i]) > RN_ALLCLOSE_ATOL)
            return false;
    return true;
}

/* mean over clusters of max_j (s_i + s_j) / d(c_i, c_j); coinciding
 * centroids count as infinitely far apart (as sklearn). */
static double davies_bouldin_from(const double *centroids, const double *intra,
                                  size_t k, size_t d)
{
    bool separated = false;
    for (size_t i = 0; i < k && !separated; i++)
        for (size_t j = i + 1; j < k && !separated; j++)
            separated = sqrt(squared_distance(centroids + i * d, centroids + j * d, d)) >
                        RN_ALLCLOSE_ATOL;
    if (all_near_zero(intra, k) || !separated)
        return 0.0;
    double total = 0.0;
    for (size_t i = 0; i < k; i++) {
        double worst = 0.0;
        for (size_t j = 0; j < k; j++) {
            double cd = sqrt(squared_distance(centroids + i * d, centroids + j * d, d));
            if (j == i || cd == 0.0)
                continue;
            double r = (intra[i] + intra[j]) / cd;
            worst = r > worst ? r : worst;
        }
        total += worst;
    }
    return total / (double)k;
}

bool rn_davies_bouldin_score(const RnMatrix *X, const int32_t *labels,
                             double *score, RnError **err)
{
    RnEvalClusters cl;
    if (!check_input(X, labels, &cl, err))
        return false;
    size_t d = X->cols;
    double *row = rn_calloc(d, sizeof *row, err);
    double *intra = rn_calloc(cl.k, sizeof *intra, err);
    double *centroids = NULL;
    bool ok = row && intra && centroids_of(X, &cl, &centroids, NULL, row, err);
    if (ok) {
        intra_distances(X, &cl, centroids, row, intra);
        *score = davies_bouldin_from(centroids, intra, cl.k, d);
    }
    free(row);
    free(intra);
    free(centroids);
    rn_eval_clusters_free(&cl);
    return ok;
}
