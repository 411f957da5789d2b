/* radnet cluster: k-means, k-medoids and the choice of k.
 *
 * k-means follows scikit-learn 1.2 (KMeans): greedy k-means++ init, Lloyd
 * with BLAS distances or Elkan, tol scaled by the mean per-feature variance
 * and compared with the summed squared centre shift, stop on unchanged
 * labels, empty clusters re-seeded with the points farthest from their
 * centre, data centred on its mean while fitting, n_init restarts keeping
 * the lowest inertia. Every iteration is local sums over fixed row
 * partitions followed by a reduction in partition order, so results are the
 * same for any thread count and the scheme maps onto MPI_Allreduce.
 *
 * k-medoids: PAM (BUILD + SWAP, the reference), FasterPAM (Schubert &
 * Rousseeuw 2021), scikit-learn-extra's 'alternate' (Voronoi iteration),
 * k-medoids++ init; CLARA-style sampling for n too large for an n×n matrix.
 *
 * Data are RnMatrix views (row-major float32 or float64, rows = n points,
 * cols = d features, any row stride). Labels are int32 in [0, k).
 * Conventions of core.h apply. Work runs on the caller's RnPool (NULL: the
 * calling thread alone); fits call rn_blas_set_threads(1) meanwhile, as
 * the pool's threads fill the cores around single-threaded BLAS calls.
 */
#ifndef RADNET_CLUSTER_H
#define RADNET_CLUSTER_H

#include "radnet/core.h"
#include "radnet/dist.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hard limit checked by every entry point. */
#define RN_CLUSTER_MAX_K 1000000u

/* ---- k-means ---------------------------------------------------------- */

typedef enum RnKMeansAlgorithm {
    RN_KMEANS_ELKAN = 0,  /* exact, triangle-inequality bounds (paper's) */
    RN_KMEANS_LLOYD,      /* BLAS Gram-matrix distances */
    RN_KMEANS_NAIVE,      /* plain Lloyd, direct distances: the reference */
    RN_KMEANS_HAMERLY,    /* exact, one upper + one lower bound per point */
} RnKMeansAlgorithm;

/* "elkan", "lloyd", "naive", "hamerly". */
bool rn_kmeans_algorithm_parse(const char *name, RnKMeansAlgorithm *out);
const char *rn_kmeans_algorithm_name(RnKMeansAlgorithm a);

typedef enum RnKMeansInit {
    RN_KMEANS_INIT_PLUSPLUS = 0, /* greedy k-means++ (sklearn) */
    RN_KMEANS_INIT_RANDOM,       /* k distinct rows */
    RN_KMEANS_INIT_GIVEN,        /* init_centers; n_init forced to 1 */
} RnKMeansInit;

/* "k-means++", "random", "given". */
bool rn_kmeans_init_parse(const char *name, RnKMeansInit *out);
const char *rn_kmeans_init_name(RnKMeansInit i);

typedef struct RnKMeansOptions {
    size_t k;
    RnKMeansAlgorithm algorithm;
    RnKMeansInit init;
    const void *init_centers;   /* k×d, row-major, same dtype as the data */
    int n_init;                 /* restarts (>= 1) */
    int max_iter;               /* >= 1 */
    double tol;                 /* relative to the mean feature variance */
    uint64_t seed;
    RnPool *pool;               /* NULL: the calling thread only */
    int n_local_trials;         /* k-means++ candidates; 0: 2 + ln k */
    /* MPI ranks (NULL: this process alone). Every rank calls the fit with
     * the same data; each computes its share of the row partitions, and
     * all get the same result as one process: labels, centres, inertia
     * identical bits. */
    RnDist *dist;
} RnKMeansOptions;

/* Paper / sklearn defaults: k-means++, Elkan, n_init 10, max_iter 300,
 * tol 1e-4, seed 1, no pool. k is left 0 (caller sets it). */
void rn_kmeans_options_default(RnKMeansOptions *o);

typedef struct RnKMeansResult {
    RnDType dtype;
    size_t n, k, d;
    void *centers;      /* k×d of dtype */
    int32_t *labels;    /* n */
    double inertia;     /* sum of squared distances to the assigned centre */
    int n_iter;         /* iterations of the best run */
    bool converged;     /* best run stopped before max_iter */
    int best_run;       /* which restart won (0-based) */
} RnKMeansResult;

/* Needs 1 <= k <= n. */
bool rn_kmeans_fit(const RnMatrix *X, const RnKMeansOptions *opt,
                   RnKMeansResult *out, RnError **err);
void rn_kmeans_result_free(RnKMeansResult *r);

/* Greedy k-means++ seeding alone (centres written to centers, k×d, the
 * data's dtype; chosen row indices to idx when not NULL). */
bool rn_kmeans_plusplus(const RnMatrix *X, size_t k, int n_local_trials,
                        uint64_t seed, RnPool *pool, void *centers, size_t *idx,
                        RnError **err);

/* Nearest centre (squared Euclidean) for every row; centers k×d of the
 * data's dtype. sq_dist (optional, n) receives the squared distances;
 * inertia (optional) their sum. */
bool rn_kmeans_predict(const RnMatrix *X, const void *centers, size_t k,
                       RnPool *pool, int32_t *labels, double *sq_dist,
                       double *inertia, RnError **err);

/* Mini-batch k-means (sklearn MiniBatchKMeans semantics: per-centre counts
 * as learning rates, random reassignment of starving centres, early stop on
 * the smoothed batch inertia). Touches only batch rows until the final
 * labelling pass, so X may be a memory-mapped file larger than RAM. */
typedef struct RnMiniBatchOptions {
    size_t k;
    size_t batch_size;          /* default 1024 */
    int max_epochs;             /* passes over the data; default 100 */
    int max_no_improvement;     /* default 10; 0 disables */
    double tol;                 /* default 0 (off) */
    double reassignment_ratio;  /* default 0.01 */
    int n_init;                 /* default 3, each on an init subset */
    size_t init_size;           /* default max(3·batch, 3·k) */
    uint64_t seed;
    RnPool *pool;               /* NULL: the calling thread only */
    const void *init_centers;   /* optional k×d */
} RnMiniBatchOptions;

void rn_minibatch_options_default(RnMiniBatchOptions *o);
bool rn_kmeans_minibatch_fit(const RnMatrix *X,
                             const RnMiniBatchOptions *opt, RnKMeansResult *out,
                             RnError **err);

/* ---- k-means within groups ------------------------------------------- */

/* Clustering inside given groups (e.g. the values of the Modality tag):
 * the k clusters are split among the groups, every non-empty group gets at
 * least one and at most as many as it has rows, and each group's rows are
 * clustered alone (k-means with the caller's settings and seed). Centres
 * are numbered group by group, in group order. Where groups are known to
 * be apart this decides deterministically how many clusters each gets —
 * a global k-means settles that differently from seed to seed — and no
 * cluster can mix groups. */
typedef enum RnGroupShare {
    /* k_g proportional to the group's rows */
    RN_GROUP_SHARE_SIZE = 0,
    /* k_g proportional to the group's inertia about its mean (its rows ×
     * their spread): a tight group gets fewer clusters than a spread one */
    RN_GROUP_SHARE_INERTIA,
    /* one cluster per group, then one per (group, subgroup) pair beyond the
     * group's largest, pairs in decreasing rows (ties: lower group, then
     * lower subgroup) until k is spent; when the pairs run out, the rest as
     * RN_GROUP_SHARE_SIZE. With Modality as the group and the SPEC §5
     * header region as the subgroup, a modality gets as many clusters as
     * it shows regions with enough images, not as it has rows. Needs
     * RnClusterModelOptions.subgroups. */
    RN_GROUP_SHARE_PAIRS,
} RnGroupShare;

/* "size", "inertia", "pairs". */
bool rn_group_share_parse(const char *name, RnGroupShare *out);
const char *rn_group_share_name(RnGroupShare s);

/* Splits k among n_groups groups in proportion to share[g] >= 0 (finite):
 * alloc[g] = 0 where cap[g] == 0 (an empty group), else 1 <= alloc[g] <=
 * cap[g]; the sum is k. One cluster at a time goes to the group furthest
 * below its quota k·share[g]/sum (ties: the lower group), which is the
 * largest-remainder rule with a floor of one. Fails (RN_ERROR_INVALID)
 * when k is below the number of non-empty groups or above sum cap[g]. */
bool rn_group_allocate(const double *share, const size_t *cap, size_t n_groups, size_t k,
                       size_t *alloc, RnError **err);
/* One (group, subgroup) pair and its rows. */
typedef struct RnGroupPair {
    size_t group, sub, rows;
} RnGroupPair;

/* The RN_GROUP_SHARE_PAIRS split: pairs[0..n_pairs) the distinct non-empty
 * pairs (any order; sorted in place), cap[g] = rows of group g, which must
 * be the sum of its pairs' rows. Same result contract and refusals as
 * rn_group_allocate. */
bool rn_group_allocate_pairs(RnGroupPair *pairs, size_t n_pairs, const size_t *cap,
                             size_t n_groups, size_t k, size_t *alloc, RnError **err);

/* ---- k-medoids -------------------------------------------------------- */

/* Dissimilarities are core's RnDistance (cosine: a zero row has distance 1
 * to everything). */

typedef enum RnKMedoidsMethod {
    RN_KMEDOIDS_ALTERNATE = 0,  /* sklearn-extra 'alternate' (paper's) */
    RN_KMEDOIDS_FASTERPAM,      /* eager swaps, O(n²) per pass */
    RN_KMEDOIDS_PAM,            /* BUILD+SWAP reference, O(k n²) per swap */
} RnKMedoidsMethod;

/* "alternate", "fasterpam", "pam". */
bool rn_kmedoids_method_parse(const char *name, RnKMedoidsMethod *out);
const char *rn_kmedoids_method_name(RnKMedoidsMethod m);

typedef enum RnKMedoidsInit {
    RN_KMEDOIDS_INIT_PLUSPLUS = 0, /* k-medoids++ (sklearn-extra) */
    RN_KMEDOIDS_INIT_BUILD,        /* PAM BUILD */
    RN_KMEDOIDS_INIT_RANDOM,
    RN_KMEDOIDS_INIT_GIVEN,        /* init_medoids */
} RnKMedoidsInit;

/* "k-medoids++", "build", "random", "given". */
bool rn_kmedoids_init_parse(const char *name, RnKMedoidsInit *out);
const char *rn_kmedoids_init_name(RnKMedoidsInit i);

typedef struct RnKMedoidsOptions {
    size_t k;
    RnDistance metric;
    RnKMedoidsMethod method;
    RnKMedoidsInit init;
    const size_t *init_medoids; /* k distinct row indices */
    int max_iter;               /* alternate: iterations; swap methods: passes */
    uint64_t seed;
    RnPool *pool;               /* NULL: the calling thread only */
    /* n above this uses CLARA: n_samples subsets of sample_size rows (each
     * later subset holds the best medoids so far, which start the method),
     * the method on each, keep the medoids with the lowest cost over all n.
     * No n×n matrix is built, so 10^6 rows are fine. */
    size_t max_exact_n;         /* default 20000 */
    size_t sample_size;         /* default 50·k, at most max_exact_n and n */
    int n_samples;              /* default 5 */
    /* MPI ranks (NULL: alone): the sample fits run whole on every rank
     * (small, the same for all); the passes over all n rows — CLARA's cost
     * of each medoid set, the final labels and cost — split over the
     * ranks. The same result as one process. */
    RnDist *dist;
} RnKMedoidsOptions;

/* Paper defaults: Manhattan, 'alternate', k-medoids++, max_iter 300,
 * seed 1. */
void rn_kmedoids_options_default(RnKMedoidsOptions *o);

typedef struct RnKMedoidsResult {
    RnDType dtype;
    size_t n, k, d;
    size_t *medoids;    /* k row indices */
    void *centers;      /* k×d copies of the medoid rows */
    int32_t *labels;    /* n */
    double cost;        /* sum of distances to the nearest medoid */
    int n_iter;
    size_t n_swaps;
    bool converged;
    bool sampled;       /* CLARA was used */
} RnKMedoidsResult;

bool rn_kmedoids_fit(const RnMatrix *X, const RnKMedoidsOptions *opt,
                     RnKMedoidsResult *out, RnError **err);
void rn_kmedoids_result_free(RnKMedoidsResult *r);
/* Nearest of k centres (rows of the data's dtype) under metric; labels,
 * dist (each row's distance to its centre) and cost (their sum) are each
 * optional. */
bool rn_kmedoids_predict(const RnMatrix *X, const void *centers, size_t k,
                         RnDistance metric, RnPool *pool, int32_t *labels,
                         double *dist, double *cost, RnError **err);

/* On a precomputed dissimilarity matrix D (n×n, row-major, symmetric, zero
 * diagonal): medoids[k] in/out (in: the start for GIVEN, ignored
 * otherwise), labels[n] out. For tests and callers with their own
 * dissimilarities. */
bool rn_kmedoids_fit_matrix(const float *D, size_t n,
                            const RnKMedoidsOptions *opt, size_t *medoids,
                            int32_t *labels, double *cost, int *n_iter,
                            size_t *n_swaps, RnError **err);
/* Full pairwise dissimilarity matrix (n×n floats); refuses n > max_n. */
bool rn_cluster_distance_matrix(const RnMatrix *X, RnDistance metric,
                                RnPool *pool, size_t max_n, float **out,
                                RnError **err);

/* ---- choice of k ------------------------------------------------------ */

/* Kneedle (Satopää et al. 2011) on a decreasing convex curve such as
 * inertia(k): index of the knee, or n when there is none (n < 3 or a
 * flat/straight curve). x must increase. */
size_t rn_kneedle(const double *x, const double *y, size_t n);

typedef enum RnClusterAlgo {
    RN_ALGO_KMEANS = 0,
    RN_ALGO_KMEDOIDS,
} RnClusterAlgo;

/* "kmeans", "kmedoids". */
bool rn_cluster_algo_parse(const char *name, RnClusterAlgo *out);
const char *rn_cluster_algo_name(RnClusterAlgo a);

typedef struct RnKSweepRow {
    size_t k;
    double inertia;           /* k-means inertia or k-medoids cost */
    double silhouette;        /* exact or sampled estimate */
    double silhouette_low, silhouette_high; /* 95 % CI (= value if exact) */
    double davies_bouldin;    /* NAN where undefined (k = 1) */
    double calinski_harabasz;
} RnKSweepRow;

typedef struct RnKSweepOptions {
    size_t k_min, k_max, k_step;
    RnClusterAlgo algo;
    RnKMeansOptions kmeans;       /* k is overwritten per row */
    RnKMedoidsOptions kmedoids;   /* k is overwritten per row */
    RnPool *pool;                 /* fits and scores (replaces their pools) */
    /* n above this gets a sampled silhouette (sample_size items × repeats). */
    size_t silhouette_exact_max;  /* default 20000 */
    size_t silhouette_sample;     /* default 2000 */
    size_t silhouette_repeats;    /* default 5 */
    /* MPI ranks (NULL: alone): k-means fits and sampled silhouettes split
     * over the ranks, every rank gets the same sweep as one process. */
    RnDist *dist;
} RnKSweepOptions;

typedef struct RnKSweep {
    size_t n_rows;
    RnKSweepRow *rows;
    size_t best_silhouette;   /* row index: highest silhouette */
    size_t best_davies_bouldin; /* lowest */
    size_t best_calinski_harabasz; /* highest */
    size_t elbow;             /* kneedle on inertia; n_rows if none */
} RnKSweep;

void rn_ksweep_options_default(RnKSweepOptions *o);
/* progress (optional) is called after each k with (done, total). */
bool rn_cluster_sweep_k(const RnMatrix *X, const RnKSweepOptions *opt,
                        void (*progress)(void *ctx, size_t done, size_t total),
                        void *progress_ctx, RnKSweep *out, RnError **err);
void rn_ksweep_free(RnKSweep *s);
/* The sweep as one JSON object (rows, best k per criterion, elbow k; null
 * where none), or as a text table. algo names the objective column. */
bool rn_ksweep_json(const RnKSweep *s, RnClusterAlgo algo, RnJsonWriter *w);
bool rn_ksweep_text(const RnKSweep *s, RnClusterAlgo algo, RnBuf *out, RnError **err);

/* ---- cluster model: fit, predict, save, load --------------------------- */

/* A fitted clustering that new data can be assigned to: the centres (the
 * medoid rows for k-medoids), how they were fitted, and the distance used.
 * Saved as a versioned, checksummed file (`radnet assign` reloads it). */
typedef struct RnClusterModel RnClusterModel;

typedef struct RnClusterModelOptions {
    RnClusterAlgo algo;
    size_t k;
    uint64_t seed;
    RnPool *pool;                 /* NULL: the calling thread only */
    RnDist *dist;                 /* k-means over MPI ranks (NULL: alone) */
    bool minibatch;               /* k-means by mini-batches */
    /* per algorithm; k, seed and pool above replace theirs */
    RnKMeansOptions kmeans;
    RnMiniBatchOptions minibatch_options;
    RnKMedoidsOptions kmedoids;
    /* k-means within groups (see above; NULL: one k-means of all rows):
     * groups[i] in [0, n_groups) is row i's group. Plain k-means only (no
     * mini-batches, no k-medoids). Predicting takes the nearest centre of
     * any group. */
    const int32_t *groups;
    size_t n_groups;
    RnGroupShare group_share;
    /* group_share pairs only: subgroups[i] in [0, n_subgroups) is row i's
     * subgroup (e.g. its header region); it shapes the split of k, never
     * the fit inside a group */
    const int32_t *subgroups;
    size_t n_subgroups;
} RnClusterModelOptions;

/* The paper's settings for algo (see the k-means / k-medoids defaults). */
void rn_cluster_model_options_default(RnClusterModelOptions *o, RnClusterAlgo algo,
                                      size_t k);

/* Sets one option by name, as a configuration file or command line gives
 * it: "algo" (kmeans|kmedoids), "k", "seed", "method" (of the current
 * algo), "init" (k-means++|random or k-medoids++|build|random), "n_init",
 * "max_iter", "tol", "batch" (mini-batch size; 0: off), "metric"
 * (k-medoids; k-means only takes euclidean), "max_exact", "sample_size",
 * "samples" (CLARA), "group_share" (size|inertia|pairs: how k is split among
 * groups, when groups are given); '-' may stand for '_', "init-method" for "init". Set
 * "algo" first. RN_ERROR_INVALID names the option and the value it
 * refuses. */
bool rn_cluster_model_options_set(RnClusterModelOptions *o, const char *name,
                                  const char *value, RnError **err);
/* Sets n options by name, "algo" first whatever their order (the others
 * depend on it); the per-algorithm seeds then follow "seed". */
bool rn_cluster_model_options_set_all(RnClusterModelOptions *o, const char *const *names,
                                      const char *const *values, size_t n, RnError **err);

/* One k or a range of them, as "K", "A:B" or "A:B:S" (1 <= A <= B, S >= 1;
 * range is true for the last two forms, even when A == B). */
typedef struct RnKRange {
    size_t min, max, step;
    bool range;
} RnKRange;
bool rn_k_range_parse(const char *s, RnKRange *out);
/* Sweep options over the range k for the algorithm and settings of o. */
void rn_ksweep_options_from_model(RnKSweepOptions *so, const RnClusterModelOptions *o,
                                  const RnKRange *k);

typedef struct RnClusterModelInfo {
    RnClusterAlgo algo;
    int method;               /* RnKMeansAlgorithm or RnKMedoidsMethod */
    bool minibatch;
    RnDistance metric;        /* k-means: Euclidean */
    RnDType dtype;            /* of the centres */
    size_t k, d;
    size_t n_train;           /* rows fitted on (0 for given centres) */
    uint64_t seed;
    double objective;         /* training inertia (k-means) or cost */
    int n_iter;
    bool converged, sampled;
} RnClusterModelInfo;

/* Fits on X; labels and dist (each optional, X->rows entries) receive the
 * training labels and each row's distance to its centre (Euclidean for
 * k-means, the metric for k-medoids). */
RnClusterModel *rn_cluster_model_fit(const RnMatrix *X, const RnClusterModelOptions *o,
                                     int32_t *labels, double *dist, RnError **err);
/* A model from given centres (e.g. a train split's), for predict. */
RnClusterModel *rn_cluster_model_from_centers(RnClusterAlgo algo, RnDistance metric,
                                              const RnMatrix *centers, RnError **err);
void rn_cluster_model_close(RnClusterModel *m);

const RnClusterModelInfo *rn_cluster_model_info(const RnClusterModel *m);
/* "elkan", "lloyd", "naive", "hamerly", "minibatch", "alternate",
 * "fasterpam", "pam" or "given". */
const char *rn_cluster_model_method(const RnClusterModel *m);
/* The centres (k × d, borrowed). */
RnMatrix rn_cluster_model_centers(const RnClusterModel *m);
/* Row indices of the medoids in the training data, or NULL (k-means). */
const size_t *rn_cluster_model_medoids(const RnClusterModel *m);

/* Nearest centre of every row of X (any float dtype, d columns); labels,
 * dist (the distance to that centre) and objective (k-means: the inertia,
 * sum of squared distances; k-medoids: the cost, sum of distances) are each
 * optional. */
bool rn_cluster_model_predict(const RnClusterModel *m, const RnMatrix *X, RnPool *pool,
                              int32_t *labels, double *dist, double *objective,
                              RnError **err);

/* The model's description as fields of the JSON object open in w: algo,
 * method, metric, k, d, n_train, seed, inertia (k-means) or cost, n_iter,
 * converged, and for k-medoids sampled and medoids. */
bool rn_cluster_model_json_fields(const RnClusterModel *m, RnJsonWriter *w);

#define RN_CLUSTER_MODEL_VERSION 1u
/* Largest model file read (4 GiB). */
#define RN_CLUSTER_MODEL_MAX_BYTES ((size_t)1 << 32)

/* The file image: little-endian, magic "RNCLUSTM", version, fit info,
 * medoids, centres, CRC-32 of all preceding bytes. Loading the image of a
 * model and serialising it again gives the same bytes. */
bool rn_cluster_model_serialize(const RnClusterModel *m, RnBuf *out, RnError **err);
/* Refuses (RN_ERROR_PARSE, offset where known) a wrong magic, a truncated
 * or over-long image, a checksum mismatch, bad enums or sizes, non-finite
 * centres; RN_ERROR_UNSUPPORTED for a newer version. */
RnClusterModel *rn_cluster_model_parse(const uint8_t *data, size_t n, RnError **err);
/* Atomic write (temp file, fsync, rename). */
bool rn_cluster_model_save(const RnClusterModel *m, const char *path, RnError **err);
RnClusterModel *rn_cluster_model_load(const char *path, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
