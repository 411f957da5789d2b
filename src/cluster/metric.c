/* Dissimilarities for k-medoids: Euclidean, Manhattan, cosine, on rows
 * converted to double; the n×n matrix for the exact methods. */
#include "cluster_internal.h"
#include "kmedoids_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void cl_row_double(const RnMatrix *X, size_t stride, size_t i, double *out)
{
    if (X->dtype == RN_DTYPE_F32) {
        const float *r = (const float *)X->data + i * stride;
        for (size_t t = 0; t < X->cols; t++)
            out[t] = (double)r[t];
    } else {
        memcpy(out, (const double *)X->data + i * stride, X->cols * sizeof *out);
    }
}

double cl_norm(const double *a, size_t d)
{
    double s = 0;
    for (size_t t = 0; t < d; t++)
        s += a[t] * a[t];
    return sqrt(s);
}

__attribute__((target_clones("avx2", "default")))
static double manhattan(const double *a, const double *b, size_t d)
{
    double acc[4] = {0};
    size_t t = 0;
    for (; t + 4 <= d; t += 4)
        for (int l = 0; l < 4; l++)
            acc[l] += fabs(a[t + l] - b[t + l]);
    double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; t < d; t++)
        s += fabs(a[t] - b[t]);
    return s;
}

__attribute__((target_clones("avx2", "default")))
static double sq_euclid(const double *a, const double *b, size_t d)
{
    double acc[4] = {0};
    size_t t = 0;
    for (; t + 4 <= d; t += 4)
        for (int l = 0; l < 4; l++) {
            double x = a[t + l] - b[t + l];
            acc[l] += x * x;
        }
    double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; t < d; t++)
        s += (a[t] - b[t]) * (a[t] - b[t]);
    return s;
}

__attribute__((target_clones("avx2", "default")))
static double dot(const double *a, const double *b, size_t d)
{
    double acc[4] = {0};
    size_t t = 0;
    for (; t + 4 <= d; t += 4)
        for (int l = 0; l < 4; l++)
            acc[l] += a[t + l] * b[t + l];
    double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; t < d; t++)
        s += a[t] * b[t];
    return s;
}

double cl_metric_dist(RnDistance m, const double *a, const double *b,
                      size_t d, double na, double nb)
{
    switch (m) {
    case RN_DISTANCE_MANHATTAN:
        return manhattan(a, b, d);
    case RN_DISTANCE_COSINE: {
        if (na == 0 || nb == 0)
            return 1.0;
        double c = 1.0 - dot(a, b, d) / (na * nb);
        return c < 0 ? 0 : (c > 2 ? 2 : c);
    }
    case RN_DISTANCE_EUCLIDEAN:
    default:
        return sqrt(sq_euclid(a, b, d));
    }
}

bool cl_rows_double(const RnMatrix *X, size_t stride, const size_t *idx,
                    size_t m, ClRows *out, RnError **err)
{
    size_t total;
    out->n = m;
    out->d = X->cols;
    out->x = NULL;
    out->norm = NULL;
    if (!rn_mul_size(m, X->cols, &total)) {
        rn_error_set(err, RN_ERROR_LIMIT, "n*d overflows");
        return false;
    }
    out->x = rn_malloc(total * sizeof(double), err);
    out->norm = rn_malloc(m * sizeof(double), err);
    if (out->x == NULL || out->norm == NULL) {
        cl_rows_free(out);
        return false;
    }
    for (size_t i = 0; i < m; i++) {
        cl_row_double(X, stride, idx ? idx[i] : i, out->x + i * X->cols);
        out->norm[i] = cl_norm(out->x + i * X->cols, X->cols);
    }
    return true;
}

void cl_rows_free(ClRows *r)
{
    free(r->x);
    free(r->norm);
    r->x = NULL;
    r->norm = NULL;
}

typedef struct DmJob {
    const ClRows *rows;
    RnDistance metric;
    float *D;
    size_t block;
} DmJob;

/* Rows [b, e): upper triangle, mirrored. Rows are dealt in small blocks so
 * the threads get similar triangle areas. */
static bool dm_task(void *ctx, size_t part, size_t b, size_t e, RnError **err)
{
    (void)part, (void)err;
    DmJob *j = ctx;
    size_t n = j->rows->n, d = j->rows->d;
    for (size_t i = b; i < e; i++) {
        j->D[i * n + i] = 0;
        for (size_t q = i + 1; q < n; q++)
            j->D[i * n + q] = (float)cl_metric_dist(
                j->metric, j->rows->x + i * d, j->rows->x + q * d, d,
                j->rows->norm[i], j->rows->norm[q]);
    }
    return true;
}

bool cl_distance_matrix_rows(const ClRows *rows, RnDistance metric,
                             RnPool *pool, float **out, RnError **err)
{
    size_t n = rows->n, nn;
    if (!rn_mul_size(n, n, &nn) || !rn_mul_size(nn, sizeof(float), &nn)) {
        rn_error_set(err, RN_ERROR_LIMIT, "n*n overflows");
        return false;
    }
    float *D = rn_malloc(nn, err);
    if (D == NULL)
        return false;
    DmJob job = {rows, metric, D, 32};
    if (!rn_pool_for(pool, n, rn_part_count(n, job.block, SIZE_MAX), dm_task, &job,
                     err)) {
        free(D);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t q = i + 1; q < n; q++)
            D[q * n + i] = D[i * n + q];
    *out = D;
    return true;
}

bool rn_cluster_distance_matrix(const RnMatrix *X, RnDistance metric,
                                RnPool *pool, size_t max_n, float **out,
                                RnError **err)
{
    size_t stride;
    if (!cl_check_data(X, &stride, err))
        return false;
    if (X->rows > max_n) {
        rn_error_set(err, RN_ERROR_LIMIT, "%zu points exceed the %zu allowed for an "
                     "n x n matrix", X->rows, max_n);
        return false;
    }
    ClRows rows;
    if (!cl_rows_double(X, stride, NULL, X->rows, &rows, err))
        return false;
    bool ok = cl_distance_matrix_rows(&rows, metric, pool, out, err);
    cl_rows_free(&rows);
    return ok;
}
