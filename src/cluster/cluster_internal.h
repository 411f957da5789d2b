/* Internals shared by the cluster sources: partitioning of rows for
 * deterministic reductions, the per-dtype k-means kernels. */
#ifndef RN_CLUSTER_INTERNAL_H
#define RN_CLUSTER_INTERNAL_H

#include "radnet/cluster.h"
#include "radnet/dist.h"

/* Rows handled per BLAS call: the Gram block (CHUNK_ROWS × k) stays in L2. */
#define CHUNK_ROWS 256u
/* Fixed number of row partitions whose partial sums are reduced in order:
 * independent of the thread count, so results do not depend on it. */
#define MAX_PARTS 16u

/* Partitions of n rows: at most MAX_PARTS, about CHUNK_ROWS rows or more. */
static inline size_t cl_part_count(size_t n)
{
    return rn_part_count(n, CHUNK_ROWS, MAX_PARTS);
}

/* Checks X (float, non-empty, sizes); fills *stride_out. */
bool cl_check_data(const RnMatrix *X, size_t *stride_out, RnError **err);

/* Holds BLAS to one thread while pool threads run (restored by
 * cl_blas_restore). */
int cl_blas_single(void);
void cl_blas_restore(int saved);

/* The model: info, k×d centres of info.dtype, k medoid rows or NULL. */
struct RnClusterModel {
    RnClusterModelInfo info;
    void *centers;
    size_t *medoids;
};

/* An empty model for k×d centres of dtype (medoids when asked). */
RnClusterModel *cl_model_new(RnDType dtype, size_t k, size_t d, bool medoids,
                             RnError **err);

/* k-means within groups (grouped.c): ko->k split among o->groups by
 * o->group_share (o->subgroups for pairs), each group fitted with ko's
 * settings; out as rn_kmeans_fit's. */
bool cl_kmeans_grouped(const RnMatrix *X, const RnKMeansOptions *ko,
                       const RnClusterModelOptions *o, RnKMeansResult *out, RnError **err);

/* Per-dtype k-means kernels (kmeans_f32.c / kmeans_f64.c). */
typedef struct ClKMeansRun {
    const void *X;          /* centred copy, contiguous n×d */
    size_t n, d, k;
    RnKMeansAlgorithm algorithm;
    int max_iter;
    double tol;             /* already scaled */
    RnPool *pool;
    RnDist *dist;           /* NULL: one process */
    void *centers;          /* in: initial, out: final (k×d) */
    int32_t *labels;        /* out */
    double inertia;
    int n_iter;
    bool converged;
} ClKMeansRun;

bool cl_kmeans_single_f32(ClKMeansRun *run, RnError **err);
bool cl_kmeans_single_f64(ClKMeansRun *run, RnError **err);
bool cl_kmeanspp_f32(const float *X, size_t n, size_t d, size_t ldx, size_t k,
                     int trials, RnRng *rng, RnPool *pool, RnDist *dist,
                     float *centers, size_t *idx, RnError **err);
bool cl_kmeanspp_f64(const double *X, size_t n, size_t d, size_t ldx, size_t k,
                     int trials, RnRng *rng, RnPool *pool, RnDist *dist,
                     double *centers, size_t *idx, RnError **err);
bool cl_predict_f32(const float *X, size_t n, size_t d, size_t ldx,
                    const float *centers, size_t k, RnPool *pool, int32_t *labels,
                    double *sq_dist, double *inertia, RnError **err);
bool cl_predict_f64(const double *X, size_t n, size_t d, size_t ldx,
                    const double *centers, size_t k, RnPool *pool,
                    int32_t *labels, double *sq_dist, double *inertia,
                    RnError **err);
bool cl_minibatch_f32(const float *X, size_t n, size_t d, size_t ldx,
                      const RnMiniBatchOptions *opt, RnPool *pool, float *centers,
                      int *n_steps, bool *converged, RnError **err);
bool cl_minibatch_f64(const double *X, size_t n, size_t d, size_t ldx,
                      const RnMiniBatchOptions *opt, RnPool *pool,
                      double *centers, int *n_steps, bool *converged,
                      RnError **err);

#endif
