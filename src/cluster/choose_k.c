/* Choice of k: a sweep over k with silhouette (exact, or sampled with a
 * confidence interval), Davies-Bouldin, Calinski-Harabasz (eval stage) and
 * the kneedle elbow of the inertia curve. */
#include "cluster_internal.h"
#include "radnet/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t rn_kneedle(const double *x, const double *y, size_t n)
{
    if (n < 3)
        return n;
    double x0 = x[0], x1 = x[n - 1], ymin = y[0], ymax = y[0];
    for (size_t i = 1; i < n; i++) {
        ymin = y[i] < ymin ? y[i] : ymin;
        ymax = y[i] > ymax ? y[i] : ymax;
    }
    if (!(x1 > x0) || !(ymax > ymin))
        return n;
    /* kneed, curve='convex', direction='decreasing': flip y so the elbow
     * becomes a knee, then the knee is the largest gap above the
     * diagonal of the normalised curve. */
    size_t best = n;
    double best_gap = 1e-9;
    for (size_t i = 0; i < n; i++) {
        double xn = (x[i] - x0) / (x1 - x0);
        double yn = (ymax - y[i]) / (ymax - ymin);
        if (yn - xn > best_gap) {
            best_gap = yn - xn;
            best = i;
        }
    }
    return best;
}

static const RnEnumName algo_names[] = {
    {"kmeans", RN_ALGO_KMEANS}, {"kmedoids", RN_ALGO_KMEDOIDS},
    {"k-means", RN_ALGO_KMEANS}, {"k-medoids", RN_ALGO_KMEDOIDS},
};

bool rn_cluster_algo_parse(const char *name, RnClusterAlgo *out)
{
    int v;
    bool ok = rn_enum_parse(algo_names, sizeof algo_names / sizeof algo_names[0], name, &v);
    if (ok)
        *out = (RnClusterAlgo)v;
    return ok;
}

const char *rn_cluster_algo_name(RnClusterAlgo a)
{
    return rn_enum_name(algo_names, sizeof algo_names / sizeof algo_names[0], (int)a);
}

void rn_ksweep_options_default(RnKSweepOptions *o)
{
    memset(o, 0, sizeof *o);
    o->k_min = 2;
    o->k_max = 10;
    o->k_step = 1;
    o->algo = RN_ALGO_KMEANS;
    rn_kmeans_options_default(&o->kmeans);
    rn_kmedoids_options_default(&o->kmedoids);
    o->silhouette_exact_max = 20000;
    o->silhouette_sample = 2000;
    o->silhouette_repeats = 5;
}

void rn_ksweep_free(RnKSweep *s)
{
    if (s == NULL)
        return;
    free(s->rows);
    memset(s, 0, sizeof *s);
}

static RnDistance eval_distance(const RnKSweepOptions *o)
{
    return o->algo == RN_ALGO_KMEANS ? RN_DISTANCE_EUCLIDEAN : o->kmedoids.metric;
}

/* A metric that is undefined for this labelling (fewer than two clusters
 * found, or one per point) is NAN, not a failure of the sweep. */
static bool metric_or_nan(bool ok, RnError *e, double *v, RnError **err)
{
    if (ok)
        return true;
    if (rn_error_code(e) == RN_ERROR_INVALID) {
        *v = NAN;
        rn_error_free(e);
        return true;
    }
    rn_error_set(err, rn_error_code(e), "%s", rn_error_message(e));
    rn_error_free(e);
    return false;
}

static bool score_row(const RnMatrix *X, const RnKSweepOptions *o,
                      const int32_t *labels, RnKSweepRow *row, RnError **err)
{
    const RnMatrix *P = X;
    RnError *e = NULL;
    bool ok;
    if (X->rows > o->silhouette_exact_max) {
        RnSilhouetteEstimate est;
        RnSilhouetteOptions so = {eval_distance(o), o->pool, NULL, NULL, o->dist};
        ok = rn_silhouette_sampled_opt(P, labels, o->silhouette_sample,
                                       o->silhouette_repeats, o->kmeans.seed, &so, &est, &e);
        if (ok) {
            row->silhouette = est.mean;
            row->silhouette_low = est.ci_low;
            row->silhouette_high = est.ci_high;
        }
    } else {
        ok = rn_silhouette_score(P, labels, eval_distance(o), o->pool,
                                 &row->silhouette, &e);
        row->silhouette_low = row->silhouette_high = row->silhouette;
    }
    if (!metric_or_nan(ok, e, &row->silhouette, err))
        return false;
    if (isnan(row->silhouette))
        row->silhouette_low = row->silhouette_high = NAN;
    e = NULL;
    ok = rn_davies_bouldin_score(P, labels, &row->davies_bouldin, &e);
    if (!metric_or_nan(ok, e, &row->davies_bouldin, err))
        return false;
    e = NULL;
    ok = rn_calinski_harabasz_score(P, labels, &row->calinski_harabasz, &e);
    return metric_or_nan(ok, e, &row->calinski_harabasz, err);
}

static bool fit_row(const RnMatrix *X, const RnKSweepOptions *o, size_t k,
                    RnKSweepRow *row, RnError **err)
{
    row->k = k;
    bool ok;
    if (o->algo == RN_ALGO_KMEANS) {
        RnKMeansOptions ko = o->kmeans;
        ko.k = k;
        ko.pool = o->pool;
        ko.dist = o->dist;
        RnKMeansResult r;
        ok = rn_kmeans_fit(X, &ko, &r, err);
        if (ok) {
            row->inertia = r.inertia;
            ok = score_row(X, o, r.labels, row, err);
            rn_kmeans_result_free(&r);
        }
    } else {
        RnKMedoidsOptions mo = o->kmedoids;
        mo.k = k;
        mo.pool = o->pool;
        mo.dist = o->dist;
        RnKMedoidsResult r;
        ok = rn_kmedoids_fit(X, &mo, &r, err);
        if (ok) {
            row->inertia = r.cost;
            ok = score_row(X, o, r.labels, row, err);
            rn_kmedoids_result_free(&r);
        }
    }
    return ok;
}

/* Index of the best non-NAN value (sign +1: highest, -1: lowest). */
static size_t best_row(const RnKSweepRow *rows, size_t n, size_t offset,
                       double sign)
{
    size_t b = n;
    for (size_t i = 0; i < n; i++) {
        double v = *(const double *)((const char *)&rows[i] + offset);
        if (isnan(v))
            continue;
        double bv = b < n ? *(const double *)((const char *)&rows[b] + offset) : 0;
        if (b == n || sign * v > sign * bv)
            b = i;
    }
    return b;
}

bool rn_cluster_sweep_k(const RnMatrix *X, const RnKSweepOptions *o,
                        void (*progress)(void *ctx, size_t done, size_t total),
                        void *progress_ctx, RnKSweep *out, RnError **err)
{
    size_t stride;
    memset(out, 0, sizeof *out);
    if (!cl_check_data(X, &stride, err))
        return false;
    if (o->k_min < 1 || o->k_step < 1 || o->k_max < o->k_min || o->k_max > X->rows) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "k range %zu:%zu:%zu invalid for %zu points", o->k_min,
                     o->k_max, o->k_step, X->rows);
        return false;
    }
    size_t total = (o->k_max - o->k_min) / o->k_step + 1;
    out->rows = rn_calloc(total, sizeof *out->rows, err);
    if (out->rows == NULL)
        return false;
    for (size_t i = 0; i < total; i++) {
        if (!fit_row(X, o, o->k_min + i * o->k_step, &out->rows[i], err)) {
            rn_ksweep_free(out);
            return false;
        }
        out->n_rows = i + 1;
        if (progress)
            progress(progress_ctx, i + 1, total);
    }
    out->best_silhouette = best_row(out->rows, total,
                                    offsetof(RnKSweepRow, silhouette), 1);
    out->best_davies_bouldin = best_row(out->rows, total,
                                        offsetof(RnKSweepRow, davies_bouldin), -1);
    out->best_calinski_harabasz = best_row(
        out->rows, total, offsetof(RnKSweepRow, calinski_harabasz), 1);
    double *xs = rn_malloc(total * sizeof *xs, err);
    double *ys = rn_malloc(total * sizeof *ys, err);
    if (xs == NULL || ys == NULL) {
        free(xs);
        free(ys);
        rn_ksweep_free(out);
        return false;
    }
    for (size_t i = 0; i < total; i++) {
        xs[i] = (double)out->rows[i].k;
        ys[i] = out->rows[i].inertia;
    }
    out->elbow = rn_kneedle(xs, ys, total);
    free(xs);
    free(ys);
    return true;
}
