/* k-means front end: argument checks, centring, tolerance scaling,
 * restarts, dtype dispatch. Kernels live in kmeans_impl.h. */
#include "cluster_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const RnEnumName algorithm_names[] = {
    {"elkan", RN_KMEANS_ELKAN}, {"lloyd", RN_KMEANS_LLOYD},
    {"naive", RN_KMEANS_NAIVE}, {"hamerly", RN_KMEANS_HAMERLY},
};

static const RnEnumName init_names[] = {
    {"k-means++", RN_KMEANS_INIT_PLUSPLUS}, {"random", RN_KMEANS_INIT_RANDOM},
    {"given", RN_KMEANS_INIT_GIVEN},        {"kmeans++", RN_KMEANS_INIT_PLUSPLUS},
};

bool rn_kmeans_algorithm_parse(const char *name, RnKMeansAlgorithm *out)
{
    int v;
    bool ok = rn_enum_parse(algorithm_names, COUNT(algorithm_names), name, &v);
    if (ok)
        *out = (RnKMeansAlgorithm)v;
    return ok;
}

const char *rn_kmeans_algorithm_name(RnKMeansAlgorithm a)
{
    return rn_enum_name(algorithm_names, COUNT(algorithm_names), (int)a);
}

bool rn_kmeans_init_parse(const char *name, RnKMeansInit *out)
{
    int v;
    bool ok = rn_enum_parse(init_names, COUNT(init_names), name, &v);
    if (ok)
        *out = (RnKMeansInit)v;
    return ok;
}

const char *rn_kmeans_init_name(RnKMeansInit i)
{
    return rn_enum_name(init_names, COUNT(init_names), (int)i);
}

void rn_kmeans_options_default(RnKMeansOptions *o)
{
    memset(o, 0, sizeof *o);
    o->algorithm = RN_KMEANS_ELKAN;
    o->init = RN_KMEANS_INIT_PLUSPLUS;
    o->n_init = 10;
    o->max_iter = 300;
    o->tol = 1e-4;
    o->seed = 1;
}

void rn_minibatch_options_default(RnMiniBatchOptions *o)
{
    memset(o, 0, sizeof *o);
    o->batch_size = 1024;
    o->max_epochs = 100;
    o->max_no_improvement = 10;
    o->reassignment_ratio = 0.01;
    o->n_init = 3;
    o->seed = 1;
}

bool cl_check_data(const RnMatrix *X, size_t *stride_out, RnError **err)
{
    if (X == NULL || !rn_matrix_check(X, stride_out, err))
        return false;
    if (X->rows == 0 || X->cols == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "empty data (%zu x %zu)", X->rows, X->cols);
        return false;
    }
    return true;
}

int cl_blas_single(void)
{
    int saved = rn_blas_get_threads();
    rn_blas_set_threads(1);
    return saved;
}

void cl_blas_restore(int saved)
{
    rn_blas_set_threads(saved);
}

static bool check_k(size_t k, size_t n, RnError **err)
{
    if (k == 0 || k > RN_CLUSTER_MAX_K) {
        rn_error_set(err, RN_ERROR_INVALID, "k = %zu out of range", k);
        return false;
    }
    if (k > n) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "n_samples = %zu should be >= n_clusters = %zu", n, k);
        return false;
    }
    return true;
}

static void set_elem(void *p, RnDType dt, size_t i, double v)
{
    if (dt == RN_DTYPE_F32)
        ((float *)p)[i] = (float)v;
    else
        ((double *)p)[i] = v;
}

static double get_elem(const void *p, RnDType dt, size_t i)
{
    return dt == RN_DTYPE_F32 ? (double)((const float *)p)[i]
                              : ((const double *)p)[i];
}

/* Row i as double (rows are read whole so the loops vectorise). */
static void row_double(const RnMatrix *X, size_t stride, size_t i,
                       double *out)
{
    if (X->dtype == RN_DTYPE_F32) {
        const float *r = (const float *)X->data + i * stride;
        for (size_t t = 0; t < X->cols; t++)
            out[t] = (double)r[t];
    } else {
        memcpy(out, (const double *)X->data + i * stride, X->cols * sizeof *out);
    }
}

/* Per-feature mean and the mean of the per-feature variances, two-pass as
 * np.var (population variance). */
static bool column_stats(const RnMatrix *X, size_t stride, double *mean,
                         double *mean_var, RnError **err)
{
    size_t n = X->rows, d = X->cols;
    double *m2 = rn_calloc(d, sizeof *m2, err);
    double *row = rn_malloc(d * sizeof *row, err);
    if (m2 == NULL || row == NULL) {
        free(m2);
        free(row);
        return false;
    }
    for (size_t t = 0; t < d; t++)
        mean[t] = 0;
    for (size_t i = 0; i < n; i++) {
        row_double(X, stride, i, row);
        for (size_t t = 0; t < d; t++)
            mean[t] += row[t];
    }
    for (size_t t = 0; t < d; t++)
        mean[t] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        row_double(X, stride, i, row);
        for (size_t t = 0; t < d; t++)
            m2[t] += (row[t] - mean[t]) * (row[t] - mean[t]);
    }
    double v = 0;
    for (size_t t = 0; t < d; t++)
        v += m2[t] / (double)n;
    *mean_var = v / (double)d;
    free(m2);
    free(row);
    return true;
}

/* Contiguous copy of X minus its column means (sklearn centres too: the
 * Gram-matrix distances lose less to cancellation). */
static void *centred_copy(const RnMatrix *X, size_t stride,
                          const double *mean, RnError **err)
{
    size_t n = X->rows, d = X->cols;
    void *out = rn_malloc(n * d * rn_dtype_size(X->dtype), err);
    if (out == NULL)
        return NULL;
    if (X->dtype == RN_DTYPE_F32) {
        const float *src = X->data;
        float *dst = out;
        for (size_t i = 0; i < n; i++)
            for (size_t t = 0; t < d; t++)
                dst[i * d + t] = (float)((double)src[i * stride + t] - mean[t]);
    } else {
        const double *src = X->data;
        double *dst = out;
        for (size_t i = 0; i < n; i++)
            for (size_t t = 0; t < d; t++)
                dst[i * d + t] = src[i * stride + t] - mean[t];
    }
    return out;
}

static bool seed_centres(const RnMatrix *Xc, const RnKMeansOptions *o,
                         const double *mean, RnRng *rng, RnPool *pool,
                         void *centers, RnError **err)
{
    size_t k = o->k, d = Xc->cols;
    if (o->init == RN_KMEANS_INIT_GIVEN) {
        for (size_t j = 0; j < k * d; j++)
            set_elem(centers, Xc->dtype, j,
                     get_elem(o->init_centers, Xc->dtype, j) - mean[j % d]);
        return true;
    }
    if (o->init == RN_KMEANS_INIT_RANDOM) {
        size_t *idx = rn_malloc(k * sizeof *idx, err);
        bool ok = idx && rn_rng_sample(rng, Xc->rows, k, idx, err);
        size_t es = rn_dtype_size(Xc->dtype);
        for (size_t j = 0; ok && j < k; j++)
            memcpy((char *)centers + j * d * es,
                   (const char *)Xc->data + idx[j] * d * es, d * es);
        free(idx);
        return ok;
    }
    if (Xc->dtype == RN_DTYPE_F32)
        return cl_kmeanspp_f32(Xc->data, Xc->rows, d, d, k, o->n_local_trials, rng,
                               pool, o->dist, centers, NULL, err);
    return cl_kmeanspp_f64(Xc->data, Xc->rows, d, d, k, o->n_local_trials, rng,
                           pool, o->dist, centers, NULL, err);
}

static bool check_kmeans_options(const RnMatrix *X, const RnKMeansOptions *o,
                                 RnError **err)
{
    if (!check_k(o->k, X->rows, err))
        return false;
    if (o->max_iter < 1 || o->n_init < 1 || !(o->tol >= 0)) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "max_iter and n_init must be >= 1, tol >= 0");
        return false;
    }
    if ((unsigned)o->algorithm > RN_KMEANS_HAMERLY ||
        (unsigned)o->init > RN_KMEANS_INIT_GIVEN) {
        rn_error_set(err, RN_ERROR_INVALID, "unknown algorithm or init");
        return false;
    }
    if (o->init == RN_KMEANS_INIT_GIVEN && o->init_centers == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "init centres missing");
        return false;
    }
    size_t kd;
    if (!rn_mul_size(o->k, X->cols, &kd)) {
        rn_error_set(err, RN_ERROR_LIMIT, "k*d overflows");
        return false;
    }
    return true;
}

void rn_kmeans_result_free(RnKMeansResult *r)
{
    if (r == NULL)
        return;
    free(r->centers);
    free(r->labels);
    memset(r, 0, sizeof *r);
}

static bool alloc_result(RnKMeansResult *out, const RnMatrix *X, size_t k,
                         RnError **err)
{
    memset(out, 0, sizeof *out);
    out->dtype = X->dtype;
    out->n = X->rows;
    out->k = k;
    out->d = X->cols;
    out->centers = rn_malloc(k * X->cols * rn_dtype_size(X->dtype), err);
    out->labels = rn_malloc(X->rows * sizeof *out->labels, err);
    if (out->centers && out->labels)
        return true;
    rn_kmeans_result_free(out);
    return false;
}

typedef struct FitScratch {
    void *Xc;
    double *mean;
    void *centers;
    int32_t *labels;
} FitScratch;

static void fit_scratch_free(FitScratch *f)
{
    free(f->Xc);
    free(f->mean);
    free(f->centers);
    free(f->labels);
}

/* Runs the restarts; keeps the lowest inertia (first wins ties). */
static bool run_restarts(const RnMatrix *X, const RnKMeansOptions *o,
                         FitScratch *f, double tol, RnPool *pool,
                         RnKMeansResult *out, RnError **err)
{
    RnMatrix Xc = {f->Xc, X->rows, X->cols, X->cols, X->dtype};
    size_t kd_bytes = o->k * X->cols * rn_dtype_size(X->dtype);
    int n_init = o->init == RN_KMEANS_INIT_GIVEN ? 1 : o->n_init;
    bool have = false;
    for (int r = 0; r < n_init; r++) {
        RnRng rng = rn_rng_split(o->seed, (uint64_t)r);
        if (!seed_centres(&Xc, o, f->mean, &rng, pool, f->centers, err))
            return false;
        ClKMeansRun run = {f->Xc, X->rows, X->cols, o->k, o->algorithm, o->max_iter,
                           tol, pool, o->dist, f->centers, f->labels, 0, 0, false};
        bool ok = X->dtype == RN_DTYPE_F32 ? cl_kmeans_single_f32(&run, err)
                                           : cl_kmeans_single_f64(&run, err);
        if (!ok)
            return false;
        if (!have || run.inertia < out->inertia) {
            have = true;
            out->inertia = run.inertia;
            out->n_iter = run.n_iter;
            out->converged = run.converged;
            out->best_run = r;
            memcpy(out->centers, f->centers, kd_bytes);
            memcpy(out->labels, f->labels, X->rows * sizeof *f->labels);
        }
    }
    return true;
}

bool rn_kmeans_fit(const RnMatrix *X, const RnKMeansOptions *o,
                   RnKMeansResult *out, RnError **err)
{
    size_t stride;
    if (out == NULL || o == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "null argument");
        return false;
    }
    memset(out, 0, sizeof *out);
    if (!cl_check_data(X, &stride, err) || !check_kmeans_options(X, o, err))
        return false;
    RnPool *pool = o->pool;
    int blas = cl_blas_single(); /* the pool's threads fill the cores */
    FitScratch f = {0};
    double mean_var = 0;
    f.mean = rn_malloc(X->cols * sizeof *f.mean, err);
    bool ok = f.mean && column_stats(X, stride, f.mean, &mean_var, err) &&
              (f.Xc = centred_copy(X, stride, f.mean, err)) != NULL &&
              (f.centers = rn_malloc(o->k * X->cols * rn_dtype_size(X->dtype), err)) &&
              (f.labels = rn_malloc(X->rows * sizeof *f.labels, err)) &&
              alloc_result(out, X, o->k, err);
    double tol = o->tol == 0 ? 0 : o->tol * mean_var;
    ok = ok && run_restarts(X, o, &f, tol, pool, out, err);
    if (ok) {
        for (size_t j = 0; j < o->k * X->cols; j++)
            set_elem(out->centers, X->dtype, j,
                     get_elem(out->centers, X->dtype, j) + f.mean[j % X->cols]);
    } else {
        rn_kmeans_result_free(out);
    }
    fit_scratch_free(&f);
    cl_blas_restore(blas);
    return ok;
}

bool rn_kmeans_plusplus(const RnMatrix *X, size_t k, int n_local_trials,
                        uint64_t seed, RnPool *pool, void *centers, size_t *idx,
                        RnError **err)
{
    size_t stride;
    if (!cl_check_data(X, &stride, err) || !check_k(k, X->rows, err))
        return false;
    if (centers == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "null centres");
        return false;
    }
    int blas = cl_blas_single();
    RnRng rng = rn_rng_new(seed);
    bool ok = X->dtype == RN_DTYPE_F32
                  ? cl_kmeanspp_f32(X->data, X->rows, X->cols, stride, k, n_local_trials,
                                    &rng, pool, NULL, centers, idx, err)
                  : cl_kmeanspp_f64(X->data, X->rows, X->cols, stride, k, n_local_trials,
                                    &rng, pool, NULL, centers, idx, err);
    cl_blas_restore(blas);
    return ok;
}

bool rn_kmeans_predict(const RnMatrix *X, const void *centers, size_t k,
                       RnPool *pool, int32_t *labels, double *sq_dist,
                       double *inertia, RnError **err)
{
    size_t stride;
    if (!cl_check_data(X, &stride, err))
        return false;
    if (centers == NULL || labels == NULL || k == 0 || k > RN_CLUSTER_MAX_K) {
        rn_error_set(err, RN_ERROR_INVALID, "bad centres, labels or k");
        return false;
    }
    int blas = cl_blas_single();
    bool ok = X->dtype == RN_DTYPE_F32
                  ? cl_predict_f32(X->data, X->rows, X->cols, stride, centers, k, pool,
                                   labels, sq_dist, inertia, err)
                  : cl_predict_f64(X->data, X->rows, X->cols, stride, centers, k, pool,
                                   labels, sq_dist, inertia, err);
    cl_blas_restore(blas);
    return ok;
}

bool rn_kmeans_minibatch_fit(const RnMatrix *X,
                             const RnMiniBatchOptions *o, RnKMeansResult *out,
                             RnError **err)
{
    size_t stride;
    if (out == NULL || o == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "null argument");
        return false;
    }
    memset(out, 0, sizeof *out);
    if (!cl_check_data(X, &stride, err) || !check_k(o->k, X->rows, err))
        return false;
    if (o->batch_size == 0 || !(o->tol >= 0) || !(o->reassignment_ratio >= 0)) {
        rn_error_set(err, RN_ERROR_INVALID, "batch_size must be > 0, tol >= 0");
        return false;
    }
    if (!alloc_result(out, X, o->k, err))
        return false;
    int blas = cl_blas_single();
    RnPool *pool = o->pool;
    bool ok = X->dtype == RN_DTYPE_F32
                  ? cl_minibatch_f32(X->data, X->rows, X->cols, stride, o, pool,
                                     out->centers, &out->n_iter, &out->converged, err)
                  : cl_minibatch_f64(X->data, X->rows, X->cols, stride, o, pool,
                                     out->centers, &out->n_iter, &out->converged, err);
    ok = ok && rn_kmeans_predict(X, out->centers, o->k, pool, out->labels,
                                 NULL, &out->inertia, err);
    if (!ok)
        rn_kmeans_result_free(out);
    cl_blas_restore(blas);
    return ok;
}
