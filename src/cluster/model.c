/* The cluster model: k-means or k-medoids fitted from options, assignment
 * of new rows to its centres. The file format is in model_file.c. */
#include "cluster_internal.h"
#include "kmedoids_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rn_cluster_model_options_default(RnClusterModelOptions *o, RnClusterAlgo algo,
                                      size_t k)
{
    memset(o, 0, sizeof *o);
    o->algo = algo;
    o->k = k;
    o->seed = 1;
    rn_kmeans_options_default(&o->kmeans);
    rn_minibatch_options_default(&o->minibatch_options);
    rn_kmedoids_options_default(&o->kmedoids);
}

RnClusterModel *cl_model_new(RnDType dtype, size_t k, size_t d, bool medoids,
                             RnError **err)
{
    size_t cells;
    if (k == 0 || k > RN_CLUSTER_MAX_K || d == 0 || !rn_mul_size(k, d, &cells)) {
        rn_error_set(err, RN_ERROR_INVALID, "model of %zu × %zu centres", k, d);
        return NULL;
    }
    RnClusterModel *m = rn_calloc(1, sizeof *m, err);
    if (m == NULL)
        return NULL;
    m->info.dtype = dtype;
    m->info.k = k;
    m->info.d = d;
    m->centers = rn_calloc(cells, rn_dtype_size(dtype), err);
    m->medoids = medoids ? rn_calloc(k, sizeof *m->medoids, err) : NULL;
    if (m->centers == NULL || (medoids && m->medoids == NULL)) {
        rn_cluster_model_close(m);
        return NULL;
    }
    return m;
}

void rn_cluster_model_close(RnClusterModel *m)
{
    if (m == NULL)
        return;
    free(m->centers);
    free(m->medoids);
    free(m);
}

const RnClusterModelInfo *rn_cluster_model_info(const RnClusterModel *m)
{
    return &m->info;
}

const char *rn_cluster_model_method(const RnClusterModel *m)
{
    if (m->info.n_train == 0)
        return "given";
    if (m->info.algo == RN_ALGO_KMEDOIDS)
        return rn_kmedoids_method_name((RnKMedoidsMethod)m->info.method);
    return m->info.minibatch ? "minibatch"
                             : rn_kmeans_algorithm_name((RnKMeansAlgorithm)m->info.method);
}

RnMatrix rn_cluster_model_centers(const RnClusterModel *m)
{
    return (RnMatrix){m->centers, m->info.k, m->info.d, m->info.d, m->info.dtype};
}

const size_t *rn_cluster_model_medoids(const RnClusterModel *m)
{
    return m->medoids;
}

/* Takes the result's centres (and medoids) into a new model. */
static RnClusterModel *model_from_kmeans(RnKMeansResult *r, const RnClusterModelOptions *o,
                                         RnError **err)
{
    RnClusterModel *m = rn_calloc(1, sizeof *m, err);
    if (m == NULL)
        return NULL;
    m->info = (RnClusterModelInfo){RN_ALGO_KMEANS, (int)o->kmeans.algorithm, o->minibatch,
                                   RN_DISTANCE_EUCLIDEAN, r->dtype, r->k, r->d, r->n,
                                   o->seed, r->inertia, r->n_iter, r->converged, false};
    m->centers = r->centers;
    r->centers = NULL;
    return m;
}

static RnClusterModel *model_from_kmedoids(RnKMedoidsResult *r, const RnClusterModelOptions *o,
                                           RnError **err)
{
    RnClusterModel *m = rn_calloc(1, sizeof *m, err);
    if (m == NULL)
        return NULL;
    m->info = (RnClusterModelInfo){RN_ALGO_KMEDOIDS, (int)o->kmedoids.method, false,
                                   o->kmedoids.metric, r->dtype, r->k, r->d, r->n, o->seed,
                                   r->cost, r->n_iter, r->converged, r->sampled};
    m->centers = r->centers;
    m->medoids = r->medoids;
    r->centers = NULL;
    r->medoids = NULL;
    return m;
}

/* Distance of every row to the centre it is labelled with, in double. */
static bool assigned_distances(const RnClusterModel *m, const RnMatrix *X,
                               const int32_t *labels, double *dist, RnError **err)
{
    size_t stride, d = X->cols;
    RnMatrix C = rn_cluster_model_centers(m);
    ClRows centres;
    double *row = rn_malloc(d * sizeof *row, err);
    if (row == NULL || !cl_check_data(X, &stride, err) ||
        !cl_rows_double(&C, d, NULL, C.rows, &centres, err)) {
        free(row);
        return false;
    }
    for (size_t i = 0; i < X->rows; i++) {
        cl_row_double(X, stride, i, row);
        size_t c = (size_t)labels[i];
        dist[i] = cl_metric_dist(m->info.metric, row, centres.x + c * d, d,
                                 m->info.metric == RN_DISTANCE_COSINE ? cl_norm(row, d) : 0,
                                 centres.norm[c]);
    }
    cl_rows_free(&centres);
    free(row);
    return true;
}

static RnClusterModel *fit_kmeans(const RnMatrix *X, const RnClusterModelOptions *o,
                                  int32_t *labels, RnError **err)
{
    RnKMeansResult r;
    RnKMeansOptions ko = o->kmeans;
    ko.k = o->k;
    ko.seed = o->seed;
    ko.pool = o->pool;
    ko.dist = o->dist;
    bool ok;
    if (o->groups) {
        ok = cl_kmeans_grouped(X, &ko, o, &r, err);
    } else if (o->minibatch) {
        RnMiniBatchOptions mb = o->minibatch_options;
        mb.k = o->k;
        mb.seed = o->seed;
        mb.pool = o->pool;
        ok = rn_kmeans_minibatch_fit(X, &mb, &r, err);
    } else {
        ok = rn_kmeans_fit(X, &ko, &r, err);
    }
    if (!ok)
        return NULL;
    if (labels)
        memcpy(labels, r.labels, X->rows * sizeof *labels);
    RnClusterModel *m = model_from_kmeans(&r, o, err);
    rn_kmeans_result_free(&r);
    return m;
}

static RnClusterModel *fit_kmedoids(const RnMatrix *X, const RnClusterModelOptions *o,
                                    int32_t *labels, RnError **err)
{
    RnKMedoidsOptions mo = o->kmedoids;
    mo.k = o->k;
    mo.seed = o->seed;
    mo.pool = o->pool;
    mo.dist = o->dist;
    RnKMedoidsResult r;
    if (!rn_kmedoids_fit(X, &mo, &r, err))
        return NULL;
    if (labels)
        memcpy(labels, r.labels, X->rows * sizeof *labels);
    RnClusterModel *m = model_from_kmedoids(&r, o, err);
    rn_kmedoids_result_free(&r);
    return m;
}

RnClusterModel *rn_cluster_model_fit(const RnMatrix *X, const RnClusterModelOptions *o,
                                     int32_t *labels, double *dist, RnError **err)
{
    size_t stride;
    if (o == NULL || !cl_check_data(X, &stride, err)) {
        rn_error_set(err, RN_ERROR_INVALID, "no options");
        return NULL;
    }
    if (o->groups && (o->algo != RN_ALGO_KMEANS || o->minibatch)) {
        rn_error_set(err, RN_ERROR_INVALID, "groups need k-means without mini-batches");
        return NULL;
    }
    int32_t *own = labels || !dist ? NULL : rn_malloc(X->rows * sizeof *own, err);
    if (dist && !labels && own == NULL)
        return NULL;
    int32_t *lab = labels ? labels : own;
    RnClusterModel *m = o->algo == RN_ALGO_KMEDOIDS ? fit_kmedoids(X, o, lab, err)
                                                    : fit_kmeans(X, o, lab, err);
    if (m && dist && !assigned_distances(m, X, lab, dist, err)) {
        rn_cluster_model_close(m);
        m = NULL;
    }
    free(own);
    return m;
}

RnClusterModel *rn_cluster_model_from_centers(RnClusterAlgo algo, RnDistance metric,
                                              const RnMatrix *centers, RnError **err)
{
    size_t stride;
    if (!cl_check_data(centers, &stride, err))
        return NULL;
    if ((unsigned)algo > RN_ALGO_KMEDOIDS || (unsigned)metric > RN_DISTANCE_COSINE ||
        (algo == RN_ALGO_KMEANS && metric != RN_DISTANCE_EUCLIDEAN)) {
        rn_error_set(err, RN_ERROR_INVALID, "k-means centres need the Euclidean distance");
        return NULL;
    }
    RnClusterModel *m = cl_model_new(centers->dtype, centers->rows, centers->cols, false, err);
    if (m == NULL)
        return NULL;
    m->info.algo = algo;
    m->info.metric = metric;
    size_t es = rn_dtype_size(centers->dtype);
    for (size_t c = 0; c < centers->rows; c++)
        memcpy((char *)m->centers + c * centers->cols * es, rn_matrix_row(centers, c),
               centers->cols * es);
    return m;
}

/* The centres in X's dtype (a copy only when the dtypes differ). */
static void *centres_as(const RnClusterModel *m, RnDType dtype, RnError **err)
{
    size_t cells = m->info.k * m->info.d;
    void *out = rn_calloc(cells, rn_dtype_size(dtype), err);
    if (out == NULL)
        return NULL;
    RnMatrix C = rn_cluster_model_centers(m);
    for (size_t i = 0; i < cells; i++) {
        double v = rn_matrix_at(&C, i / m->info.d, i % m->info.d);
        if (dtype == RN_DTYPE_F32)
            ((float *)out)[i] = (float)v;
        else
            ((double *)out)[i] = v;
    }
    return out;
}

bool rn_cluster_model_predict(const RnClusterModel *m, const RnMatrix *X, RnPool *pool,
                              int32_t *labels, double *dist, double *objective,
                              RnError **err)
{
    size_t stride;
    if (!cl_check_data(X, &stride, err))
        return false;
    if (X->cols != m->info.d) {
        rn_error_set(err, RN_ERROR_INVALID, "data have %zu columns, the model %zu", X->cols,
                     m->info.d);
        return false;
    }
    void *copy = NULL;
    const void *centres = m->centers;
    if (X->dtype != m->info.dtype && (centres = copy = centres_as(m, X->dtype, err)) == NULL)
        return false;
    int32_t *own = labels ? NULL : rn_malloc(X->rows * sizeof *own, err);
    int32_t *lab = labels ? labels : own;
    bool ok = lab != NULL;
    if (ok && m->info.algo == RN_ALGO_KMEDOIDS) {
        ok = rn_kmedoids_predict(X, centres, m->info.k, m->info.metric, pool, lab, dist,
                                 objective, err);
    } else if (ok) {
        ok = rn_kmeans_predict(X, centres, m->info.k, pool, lab, dist, objective, err);
        for (size_t i = 0; ok && dist && i < X->rows; i++)
            dist[i] = sqrt(dist[i]);
    }
    free(own);
    free(copy);
    return ok;
}
