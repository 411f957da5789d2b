/* Plain O(n²) silhouette: every distance computed directly, one at a time.
 * Kept as the yardstick the blocked, threaded version is tested against. */
#include "eval/eval_internal.h"

#include <math.h>
#include <stdlib.h>

static double distance(RnDistance dist, const double *a, const double *b,
                       size_t d)
{
    double s = 0.0, na = 0.0, nb = 0.0;
    for (size_t t = 0; t < d; t++) {
        if (dist == RN_DISTANCE_EUCLIDEAN)
            s += (a[t] - b[t]) * (a[t] - b[t]);
        else if (dist == RN_DISTANCE_MANHATTAN)
            s += fabs(a[t] - b[t]);
        else {
            na += a[t] * a[t];
            nb += b[t] * b[t];
        }
    }
    /* cosine: normalise first, as sklearn (parallel rows give exactly 0) */
    if (dist == RN_DISTANCE_COSINE) {
        na = sqrt(na);
        nb = sqrt(nb);
        for (size_t t = 0; t < d; t++)
            s += (na > 0.0 ? a[t] / na : 0.0) * (nb > 0.0 ? b[t] / nb : 0.0);
        return fmin(fmax(1.0 - s, 0.0), 2.0);
    }
    if (dist == RN_DISTANCE_EUCLIDEAN)
        return sqrt(s);
    return s;
}

bool rn_silhouette_samples_reference(const RnMatrix *X,
                                     const int32_t *labels, RnDistance dist,
                                     double *samples, RnError **err)
{
    RnEvalClusters cl;
    if (!rn_eval_clusters_init(&cl, labels, X->rows, err))
        return false;
    if (!rn_eval_check_cluster_count(cl.k, X->rows, err)) {
        rn_eval_clusters_free(&cl);
        return false;
    }
    double *a = rn_calloc(X->cols, sizeof *a, err);
    double *b = rn_calloc(X->cols, sizeof *b, err);
    double *sum = rn_calloc(cl.k, sizeof *sum, err);
    bool ok = a && b && sum;
    for (size_t i = 0; ok && i < X->rows; i++) {
        for (size_t c = 0; c < cl.k; c++)
            sum[c] = 0.0;
        rn_eval_row_f64(X, i, a);
        for (size_t j = 0; j < X->rows; j++) {
            rn_eval_row_f64(X, j, b);
            sum[cl.ids[j]] += distance(dist, a, b, X->cols);
        }
        int32_t own = cl.ids[i];
        if (cl.sizes[own] == 1) {
            samples[i] = 0.0;
            continue;
        }
        double intra = sum[own] / (double)(cl.sizes[own] - 1), inter = INFINITY;
        for (size_t c = 0; c < cl.k; c++)
            if ((int32_t)c != own)
                inter = fmin(inter, sum[c] / (double)cl.sizes[c]);
        double m = fmax(intra, inter);
        samples[i] = m > 0.0 ? (inter - intra) / m : 0.0;
    }
    free(a);
    free(b);
    free(sum);
    rn_eval_clusters_free(&cl);
    return ok;
}
