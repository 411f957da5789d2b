/* k-medoids front end: exact methods on the n×n matrix for moderate n,
 * CLARA-style sampling beyond (no n×n matrix), predict. */
#include "kmedoids_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const RnEnumName method_names[] = {
    {"alternate", RN_KMEDOIDS_ALTERNATE},
    {"fasterpam", RN_KMEDOIDS_FASTERPAM},
    {"pam", RN_KMEDOIDS_PAM},
};

static const RnEnumName init_names[] = {
    {"k-medoids++", RN_KMEDOIDS_INIT_PLUSPLUS}, {"build", RN_KMEDOIDS_INIT_BUILD},
    {"random", RN_KMEDOIDS_INIT_RANDOM},        {"given", RN_KMEDOIDS_INIT_GIVEN},
    {"kmedoids++", RN_KMEDOIDS_INIT_PLUSPLUS},
};

bool rn_kmedoids_method_parse(const char *name, RnKMedoidsMethod *out)
{
    int v;
    bool ok = rn_enum_parse(method_names, COUNT(method_names), name, &v);
    if (ok)
        *out = (RnKMedoidsMethod)v;
    return ok;
}

const char *rn_kmedoids_method_name(RnKMedoidsMethod m)
{
    return rn_enum_name(method_names, COUNT(method_names), (int)m);
}

bool rn_kmedoids_init_parse(const char *name, RnKMedoidsInit *out)
{
    int v;
    bool ok = rn_enum_parse(init_names, COUNT(init_names), name, &v);
    if (ok)
        *out = (RnKMedoidsInit)v;
    return ok;
}

const char *rn_kmedoids_init_name(RnKMedoidsInit i)
{
    return rn_enum_name(init_names, COUNT(init_names), (int)i);
}

void rn_kmedoids_options_default(RnKMedoidsOptions *o)
{
    memset(o, 0, sizeof *o);
    o->metric = RN_DISTANCE_MANHATTAN;
    o->method = RN_KMEDOIDS_ALTERNATE;
    o->init = RN_KMEDOIDS_INIT_PLUSPLUS;
    o->max_iter = 300;
    o->seed = 1;
    o->max_exact_n = 20000;
    o->n_samples = 5;
}

void rn_kmedoids_result_free(RnKMedoidsResult *r)
{
    if (r == NULL)
        return;
    free(r->medoids);
    free(r->centers);
    free(r->labels);
    memset(r, 0, sizeof *r);
}

static bool check_options(const RnKMedoidsOptions *o, size_t n, RnError **err)
{
    if (o->k == 0 || o->k > n || o->k > RN_CLUSTER_MAX_K) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "k = %zu must be in [1, n_samples = %zu]", o->k, n);
        return false;
    }
    if ((unsigned)o->metric > RN_DISTANCE_COSINE ||
        (unsigned)o->method > RN_KMEDOIDS_PAM ||
        (unsigned)o->init > RN_KMEDOIDS_INIT_GIVEN || o->max_iter < 1) {
        rn_error_set(err, RN_ERROR_INVALID, "bad k-medoids options");
        return false;
    }
    if (o->init == RN_KMEDOIDS_INIT_GIVEN) {
        if (o->init_medoids == NULL) {
            rn_error_set(err, RN_ERROR_INVALID, "init medoids missing");
            return false;
        }
        for (size_t i = 0; i < o->k; i++) {
            if (o->init_medoids[i] >= n) {
                rn_error_set(err, RN_ERROR_INVALID, "init medoid %zu out of range",
                             o->init_medoids[i]);
                return false;
            }
            for (size_t j = 0; j < i; j++)
                if (o->init_medoids[j] == o->init_medoids[i]) {
                    rn_error_set(err, RN_ERROR_INVALID, "init medoids repeat");
                    return false;
                }
        }
    }
    return true;
}

static bool init_medoids(const float *D, size_t n, const RnKMedoidsOptions *o,
                         RnRng *rng, size_t *med, RnError **err)
{
    switch (o->init) {
    case RN_KMEDOIDS_INIT_GIVEN:
        memcpy(med, o->init_medoids, o->k * sizeof *med);
        return true;
    case RN_KMEDOIDS_INIT_BUILD:
        return cl_pam_build(D, n, o->k, med, err);
    case RN_KMEDOIDS_INIT_RANDOM:
        return rn_rng_sample(rng, n, o->k, med, err);
    case RN_KMEDOIDS_INIT_PLUSPLUS:
    default:
        return cl_kmedoids_pp(D, n, o->k, rng, med, err);
    }
}

bool rn_kmedoids_fit_matrix(const float *D, size_t n,
                            const RnKMedoidsOptions *o, size_t *med,
                            int32_t *labels, double *cost, int *n_iter,
                            size_t *n_swaps, RnError **err)
{
    if (D == NULL || med == NULL || labels == NULL || o == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "null argument");
        return false;
    }
    if (!check_options(o, n, err))
        return false;
    RnRng rng = rn_rng_new(o->seed);
    if (!init_medoids(D, n, o, &rng, med, err))
        return false;
    int it = 0;
    size_t swaps = 0;
    bool ok;
    if (o->k == 1 && o->method != RN_KMEDOIDS_ALTERNATE)
        ok = cl_pam_build(D, n, 1, med, err); /* the exact 1-medoid */
    else if (o->method == RN_KMEDOIDS_PAM)
        ok = cl_pam_swap(D, n, o->k, med, o->max_iter, &it, &swaps, err);
    else if (o->method == RN_KMEDOIDS_FASTERPAM)
        ok = cl_fasterpam(D, n, o->k, med, o->max_iter, &it, &swaps, err);
    else
        ok = cl_alternate(D, n, o->k, med, o->max_iter, &it, &swaps, err);
    if (!ok)
        return false;
    cl_matrix_labels(D, n, med, o->k, labels, cost);
    if (n_iter)
        *n_iter = it;
    if (n_swaps)
        *n_swaps = swaps;
    return true;
}

/* ---- assignment of all rows to given centre rows ------------------------ */

typedef struct PredJob {
    const RnMatrix *X;
    size_t stride, P;
    const ClRows *centres;
    RnDistance metric;
    int32_t *labels;
    double *dist;
    double *part_cost;
    double *scratch;      /* P×d */
} PredJob;

static bool pred_part(void *ctx, size_t p, size_t begin, size_t end, RnError **err)
{
    (void)err;
    PredJob *j = ctx;
    size_t d = j->X->cols, k = j->centres->n;
    double *row = j->scratch + p * d, acc = 0;
    for (size_t i = begin; i < end; i++) {
        cl_row_double(j->X, j->stride, i, row);
        double nr = j->metric == RN_DISTANCE_COSINE ? cl_norm(row, d) : 0;
        size_t b = 0;
        double bd = INFINITY;
        for (size_t c = 0; c < k; c++) {
            double v = cl_metric_dist(j->metric, row, j->centres->x + c * d, d, nr,
                                      j->centres->norm[c]);
            if (v < bd) {
                bd = v;
                b = c;
            }
        }
        if (j->labels)
            j->labels[i] = (int32_t)b;
        if (j->dist)
            j->dist[i] = bd;
        acc += bd;
    }
    j->part_cost[p] = acc;
    return true;
}

/* Over MPI ranks (d not NULL) each rank assigns its partitions' rows and
 * all exchange the partition costs (summed in partition order) and the
 * labels / distances asked for: the same bits as one process. */
static bool assign_rows(const RnMatrix *X, size_t stride,
                        const ClRows *centres, RnDistance metric, RnPool *pool,
                        RnDist *d, int32_t *labels, double *dist, double *cost,
                        RnError **err)
{
    PredJob j = {X, stride, cl_part_count(X->rows), centres, metric, labels, dist,
                 NULL, NULL};
    j.part_cost = rn_calloc(j.P, sizeof(double), err);
    j.scratch = rn_malloc(j.P * X->cols * sizeof(double), err);
    bool ok = j.part_cost && j.scratch &&
              rn_dist_pool_for(d, pool, X->rows, j.P, pred_part, &j, err) &&
              rn_dist_allgather_parts(d, j.part_cost, j.P, sizeof *j.part_cost, err) &&
              (!labels || rn_dist_allgather_rows(d, labels, X->rows, j.P, sizeof *labels, err)) &&
              (!dist || rn_dist_allgather_rows(d, dist, X->rows, j.P, sizeof *dist, err));
    if (ok && cost) {
        *cost = 0;
        for (size_t p = 0; p < j.P; p++)
            *cost += j.part_cost[p];
    }
    free(j.part_cost);
    free(j.scratch);
    return ok;
}

bool rn_kmedoids_predict(const RnMatrix *X, const void *centers, size_t k,
                         RnDistance metric, RnPool *pool, int32_t *labels,
                         double *dist, double *cost, RnError **err)
{
    size_t stride;
    if (!cl_check_data(X, &stride, err))
        return false;
    if (centers == NULL || k == 0 || k > RN_CLUSTER_MAX_K) {
        rn_error_set(err, RN_ERROR_INVALID, "bad centres or k");
        return false;
    }
    RnMatrix C = {centers, k, X->cols, X->cols, X->dtype};
    ClRows rows;
    if (!cl_rows_double(&C, X->cols, NULL, k, &rows, err))
        return false;
    bool ok = assign_rows(X, stride, &rows, metric, pool, NULL, labels, dist, cost, err);
    cl_rows_free(&rows);
    return ok;
}

/* ---- fit ---------------------------------------------------------------- */

static bool alloc_result(RnKMedoidsResult *r, const RnMatrix *X, size_t k,
                         RnError **err)
{
    memset(r, 0, sizeof *r);
    r->dtype = X->dtype;
    r->n = X->rows;
    r->k = k;
    r->d = X->cols;
    r->medoids = rn_malloc(k * sizeof *r->medoids, err);
    r->centers = rn_malloc(k * X->cols * rn_dtype_size(X->dtype), err);
    r->labels = rn_malloc(X->rows * sizeof *r->labels, err);
    if (r->medoids && r->centers && r->labels)
        return true;
    rn_kmedoids_result_free(r);
    return false;
}

/* The method on the rows idx[0..m) (all rows when idx is NULL); medoids
 * come back as indices into X. start (optional) holds k positions in idx to
 * start from instead of the configured init. */
static bool fit_subset(const RnMatrix *X, size_t stride, const size_t *idx,
                       size_t m, const RnKMedoidsOptions *o, uint64_t seed,
                       const size_t *start, RnPool *pool, size_t *med,
                       int *n_iter, size_t *n_swaps, RnError **err)
{
    ClRows rows;
    float *D = NULL;
    int32_t *lab = rn_malloc(m * sizeof *lab, err);
    if (lab == NULL || !cl_rows_double(X, stride, idx, m, &rows, err)) {
        free(lab);
        return false;
    }
    RnKMedoidsOptions so = *o;
    so.seed = seed;
    if (start) {
        so.init = RN_KMEDOIDS_INIT_GIVEN;
        so.init_medoids = start;
    } else if (o->init == RN_KMEDOIDS_INIT_GIVEN && idx != NULL) {
        so.init = RN_KMEDOIDS_INIT_PLUSPLUS; /* given rows may be unsampled */
    }
    double cost;
    bool ok = cl_distance_matrix_rows(&rows, o->metric, pool, &D, err) &&
              rn_kmedoids_fit_matrix(D, m, &so, med, lab, &cost, n_iter, n_swaps,
                                     err);
    if (ok && idx)
        for (size_t c = 0; c < o->k; c++)
            med[c] = idx[med[c]];
    free(D);
    free(lab);
    cl_rows_free(&rows);
    return ok;
}

static size_t clara_sample_size(const RnKMedoidsOptions *o, size_t n)
{
    size_t s = o->sample_size;
    if (s == 0) {
        /* Kaufman & Rousseeuw's 40 + 2k leaves ~2 points per cluster
         * beyond the medoid; 50 per cluster gives medoids close to the
         * full-data ones at a 2500² matrix for k = 50. */
        s = 50 * o->k;
    }
    if (s > o->max_exact_n && o->max_exact_n >= o->k)
        s = o->max_exact_n;
    return s > n ? n : s;
}

/* Kaufman & Rousseeuw's CLARA keeps the best medoids so far in every later
 * sample: they take the first k slots and are the start of the method. */
static void clara_keep_best(size_t *idx, size_t m, const size_t *best, size_t k,
                            size_t *start)
{
    for (size_t c = 0; c < k; c++) {
        size_t at = m;
        for (size_t i = 0; i < m && at == m; i++)
            if (idx[i] == best[c])
                at = i;
        if (at == m) {
            idx[c] = best[c]; /* slot c holds no earlier best (those are < c) */
        } else {
            size_t t = idx[c];
            idx[c] = idx[at];
            idx[at] = t;
        }
        start[c] = c;
    }
}

/* CLARA: the method on several random samples; the medoid set with the
 * lowest cost over all n rows wins (first wins ties). */
static bool fit_clara(const RnMatrix *X, size_t stride,
                      const RnKMedoidsOptions *o, RnPool *pool,
                      RnKMedoidsResult *r, RnError **err)
{
    size_t m = clara_sample_size(o, X->rows), k = o->k;
    size_t *idx = rn_malloc(m * sizeof *idx, err);
    size_t *med = rn_malloc(k * sizeof *med, err);
    size_t *start = rn_malloc(k * sizeof *start, err);
    bool ok = idx && med && start, have = false;
    int rounds = o->n_samples > 0 ? o->n_samples : 1;
    for (int s = 0; ok && s < rounds; s++) {
        RnRng rng = rn_rng_new(rn_rng_stream_seed(o->seed, (uint64_t)s + 1000));
        int it = 0;
        size_t swaps = 0;
        if (!(ok = rn_rng_sample(&rng, X->rows, m, idx, err)))
            break;
        if (have)
            clara_keep_best(idx, m, r->medoids, k, start);
        ok = fit_subset(X, stride, idx, m, o, rn_rng_u64(&rng),
                        have ? start : NULL, pool, med, &it, &swaps, err);
        ClRows cen;
        double cost = 0;
        if (ok && (ok = cl_rows_double(X, stride, med, k, &cen, err))) {
            ok = assign_rows(X, stride, &cen, o->metric, pool, o->dist, NULL, NULL, &cost,
                             err);
            cl_rows_free(&cen);
        }
        if (ok && (!have || cost < r->cost)) {
            have = true;
            r->cost = cost;
            r->n_iter = it;
            r->n_swaps = swaps;
            memcpy(r->medoids, med, k * sizeof *med);
        }
    }
    free(idx);
    free(med);
    free(start);
    return ok;
}

bool rn_kmedoids_fit(const RnMatrix *X, const RnKMedoidsOptions *o,
                     RnKMedoidsResult *out, RnError **err)
{
    size_t stride;
    if (out == NULL || o == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "null argument");
        return false;
    }
    memset(out, 0, sizeof *out);
    if (!cl_check_data(X, &stride, err) || !check_options(o, X->rows, err) ||
        !alloc_result(out, X, o->k, err))
        return false;
    RnPool *pool = o->pool;
    bool ok;
    out->sampled = X->rows > o->max_exact_n;
    if (out->sampled)
        ok = fit_clara(X, stride, o, pool, out, err);
    else
        ok = fit_subset(X, stride, NULL, X->rows, o, o->seed, NULL, pool,
                        out->medoids, &out->n_iter, &out->n_swaps, err);
    size_t es = rn_dtype_size(X->dtype);
    for (size_t c = 0; ok && c < o->k; c++)
        memcpy((char *)out->centers + c * X->cols * es,
               (const char *)X->data + out->medoids[c] * stride * es, X->cols * es);
    /* Labels and cost from the data themselves (double precision). */
    RnMatrix C = {out->centers, o->k, X->cols, X->cols, X->dtype};
    ClRows rows;
    if (ok && (ok = cl_rows_double(&C, X->cols, NULL, o->k, &rows, err))) {
        ok = assign_rows(X, stride, &rows, o->metric, pool, o->dist, out->labels, NULL,
                         &out->cost, err);
        cl_rows_free(&rows);
    }
    out->converged = ok && out->n_iter < o->max_iter;
    if (!ok)
        rn_kmedoids_result_free(out);
    return ok;
}
