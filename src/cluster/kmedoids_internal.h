/* k-medoids internals: rows as double, dissimilarities, matrix methods. */
#ifndef RN_KMEDOIDS_INTERNAL_H
#define RN_KMEDOIDS_INTERNAL_H

#include "cluster_internal.h"

/* m rows of X converted to double, with their Euclidean norms (cosine). */
typedef struct ClRows {
    size_t n, d;
    double *x;
    double *norm;
} ClRows;

void cl_row_double(const RnMatrix *X, size_t stride, size_t i, double *out);
double cl_norm(const double *a, size_t d);
double cl_metric_dist(RnDistance m, const double *a, const double *b,
                      size_t d, double na, double nb);
/* idx NULL means rows 0..m-1. */
bool cl_rows_double(const RnMatrix *X, size_t stride, const size_t *idx,
                    size_t m, ClRows *out, RnError **err);
void cl_rows_free(ClRows *r);
bool cl_distance_matrix_rows(const ClRows *rows, RnDistance metric,
                             RnPool *pool, float **out, RnError **err);


/* Matrix methods (kmedoids_matrix.c); D is n×n, med holds k slots. */
bool cl_pam_build(const float *D, size_t n, size_t k, size_t *med, RnError **err);
bool cl_kmedoids_pp(const float *D, size_t n, size_t k, RnRng *rng,
                    size_t *med, RnError **err);
bool cl_pam_swap(const float *D, size_t n, size_t k, size_t *med, int max_iter,
                 int *n_iter, size_t *n_swaps, RnError **err);
bool cl_fasterpam(const float *D, size_t n, size_t k, size_t *med, int max_iter,
                  int *n_iter, size_t *n_swaps, RnError **err);
bool cl_alternate(const float *D, size_t n, size_t k, size_t *med, int max_iter,
                  int *n_iter, size_t *n_swaps, RnError **err);
void cl_matrix_labels(const float *D, size_t n, const size_t *med, size_t k,
                      int32_t *labels, double *cost);

#endif
