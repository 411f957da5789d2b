/* Internals shared by the cluster sources: RNG, thread pool helper,
 * partitioning of rows for deterministic reductions. */
#ifndef RN_CLUSTER_INTERNAL_H
#define RN_CLUSTER_INTERNAL_H

#include "radnet/cluster.h"

/* Rows handled per BLAS call: the Gram block (CHUNK_ROWS × k) stays in L2. */
#define CHUNK_ROWS 256u
/* Fixed number of row partitions whose partial sums are reduced in order:
 * independent of the thread count, so results do not depend on it. */
#define MAX_PARTS 16u

/* xoshiro256** seeded through splitmix64: fast, good, reproducible. */
typedef struct ClRng {
    uint64_t s[4];
} ClRng;

void cl_rng_seed(ClRng *r, uint64_t seed);
uint64_t cl_rng_next(ClRng *r);
/* Uniform in [0, 1) with 53 random bits. */
double cl_rng_uniform(ClRng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
size_t cl_rng_below(ClRng *r, size_t n);
/* Seed of the r-th independent stream derived from seed. */
uint64_t cl_rng_stream_seed(uint64_t seed, uint64_t stream);
/* k distinct indices of [0, n), in draw order. */
bool cl_rng_sample(ClRng *r, size_t n, size_t k, size_t *out, RnError **err);

/* Runs fn(ctx, task) for task in [0, n_tasks) on up to `threads` threads
 * (the caller's thread included). Tasks must write disjoint memory. */
bool cl_parallel_for(size_t n_tasks, int threads,
                     void (*fn)(void *ctx, size_t task), void *ctx,
                     RnError **err);
/* threads <= 0 means one per online CPU; clamped to [1, MAX_THREADS]. */
int cl_resolve_threads(int threads);

/* Partition p of P over n rows: [begin, end). */
static inline size_t cl_part_begin(size_t n, size_t P, size_t p)
{
    return (size_t)(((unsigned __int128)n * p) / P);
}
static inline size_t cl_part_count(size_t n)
{
    size_t chunks = (n + CHUNK_ROWS - 1) / CHUNK_ROWS;
    if (chunks == 0)
        chunks = 1;
    return chunks < MAX_PARTS ? chunks : MAX_PARTS;
}

/* Checks dtype, n, d, stride and data of X; fills *stride_out. */
bool cl_check_data(const RnClusterData *X, size_t *stride_out, RnError **err);

/* Per-dtype k-means kernels (kmeans_f32.c / kmeans_f64.c). */
typedef struct ClKMeansRun {
    const void *X;          /* centred copy, contiguous n×d */
    size_t n, d, k;
    RnKMeansAlgorithm algorithm;
    int max_iter;
    double tol;             /* already scaled */
    int threads;
    void *centers;          /* in: initial, out: final (k×d) */
    int32_t *labels;        /* out */
    double inertia;
    int n_iter;
    bool converged;
} ClKMeansRun;

bool cl_kmeans_single_f32(ClKMeansRun *run, RnError **err);
bool cl_kmeans_single_f64(ClKMeansRun *run, RnError **err);
bool cl_kmeanspp_f32(const float *X, size_t n, size_t d, size_t ldx, size_t k,
                     int trials, ClRng *rng, int threads, float *centers,
                     size_t *idx, RnError **err);
bool cl_kmeanspp_f64(const double *X, size_t n, size_t d, size_t ldx, size_t k,
                     int trials, ClRng *rng, int threads, double *centers,
                     size_t *idx, RnError **err);
bool cl_predict_f32(const float *X, size_t n, size_t d, size_t ldx,
                    const float *centers, size_t k, int threads, int32_t *labels,
                    double *sq_dist, double *inertia, RnError **err);
bool cl_predict_f64(const double *X, size_t n, size_t d, size_t ldx,
                    const double *centers, size_t k, int threads,
                    int32_t *labels, double *sq_dist, double *inertia,
                    RnError **err);
bool cl_minibatch_f32(const float *X, size_t n, size_t d, size_t ldx,
                      const RnMiniBatchOptions *opt, int threads, float *centers,
                      int *n_steps, bool *converged, RnError **err);
bool cl_minibatch_f64(const double *X, size_t n, size_t d, size_t ldx,
                      const RnMiniBatchOptions *opt, int threads,
                      double *centers, int *n_steps, bool *converged,
                      RnError **err);

#endif
