/* k-means over MPI ranks equals one process with the same seed: labels,
 * centres and inertia the same bits, for every algorithm, both dtypes,
 * k-means++ and an empty cluster to relocate. Run plainly (a world of
 * one) and under `mpirun -n 2` / `-n 3` (suite mpi), also the choice of k
 * with sampled silhouettes and CLARA k-medoids; each rank compares
 * the distributed fit with its own undistributed one. */
#include "radnet/cluster.h"
#include "radnet/dist.h"
#include "rn_test.h"

/* Gaussian blobs around k0 random centres, deterministic. */
static double *blobs(size_t n, size_t d, size_t k0, uint64_t seed)
{
    RnRng rng = rn_rng_new(seed);
    double *c = malloc(k0 * d * sizeof *c), *x = malloc(n * d * sizeof *x);
    for (size_t j = 0; j < k0 * d; j++)
        c[j] = 8 * rn_rng_double(&rng);
    for (size_t i = 0; i < n; i++) {
        size_t j = (size_t)rn_rng_below(&rng, k0);
        for (size_t t = 0; t < d; t++)
            x[i * d + t] = c[j * d + t] + rn_rng_normal(&rng);
    }
    free(c);
    return x;
}

static void compare(RnDist *d, const RnMatrix *X, RnKMeansOptions o, const char *what)
{
    RnKMeansResult one, many;
    RnError *err = NULL;
    o.dist = NULL;
    bool ok1 = rn_kmeans_fit(X, &o, &one, &err);
    o.dist = d;
    bool ok2 = ok1 && rn_kmeans_fit(X, &o, &many, &err);
    CHECK_MSG(ok1 && ok2, "%s: %s", what, err ? rn_error_message(err) : "");
    rn_error_free(err);
    if (!(ok1 && ok2)) {
        if (ok1)
            rn_kmeans_result_free(&one);
        return;
    }
    size_t es = rn_dtype_size(X->dtype);
    CHECK_MSG(memcmp(one.labels, many.labels, X->rows * sizeof *one.labels) == 0,
              "%s: labels differ", what);
    CHECK_MSG(memcmp(one.centers, many.centers, o.k * X->cols * es) == 0,
              "%s: centres differ", what);
    CHECK_MSG(one.inertia == many.inertia, "%s: inertia %.17g vs %.17g", what,
              one.inertia, many.inertia);
    CHECK_EQ_INT(one.n_iter, many.n_iter);
    CHECK_EQ_INT(one.best_run, many.best_run);
    rn_kmeans_result_free(&one);
    rn_kmeans_result_free(&many);
}

/* k-medoids by CLARA samples: every medoid set's cost over all rows and
 * the final labels split over the ranks; the same medoids, labels, cost. */
static void compare_kmedoids(RnDist *d, const RnMatrix *X)
{
    RnKMedoidsOptions o;
    rn_kmedoids_options_default(&o);
    o.k = 5;
    o.max_exact_n = 400; /* CLARA on 3000 rows */
    o.sample_size = 300;
    o.n_samples = 3;
    RnKMedoidsResult one, many;
    RnError *err = NULL;
    bool ok1 = rn_kmedoids_fit(X, &o, &one, &err);
    o.dist = d;
    bool ok2 = ok1 && rn_kmedoids_fit(X, &o, &many, &err);
    CHECK_MSG(ok1 && ok2, "k-medoids: %s", err ? rn_error_message(err) : "");
    rn_error_free(err);
    if (!(ok1 && ok2)) {
        if (ok1)
            rn_kmedoids_result_free(&one);
        return;
    }
    CHECK(one.sampled && many.sampled);
    CHECK(memcmp(one.medoids, many.medoids, o.k * sizeof *one.medoids) == 0);
    CHECK(memcmp(one.labels, many.labels, X->rows * sizeof *one.labels) == 0);
    CHECK_MSG(one.cost == many.cost, "cost %.17g vs %.17g", one.cost, many.cost);
    rn_kmedoids_result_free(&one);
    rn_kmedoids_result_free(&many);
}

/* The choice of k with sampled silhouettes: k-means fits and silhouette
 * rows split over the ranks, every row the same bits as one process. */
static void compare_sweep(RnDist *d, const RnMatrix *X)
{
    RnKSweepOptions o;
    rn_ksweep_options_default(&o);
    o.k_min = 2, o.k_max = 6, o.k_step = 2;
    o.kmeans.n_init = 2;
    o.silhouette_exact_max = 500; /* sampled: the one-way pass */
    o.silhouette_sample = 700;    /* three blocks of rows and a part */
    o.silhouette_repeats = 2;
    RnKSweep one, many;
    RnError *err = NULL;
    bool ok1 = rn_cluster_sweep_k(X, &o, NULL, NULL, &one, &err);
    o.dist = d;
    bool ok2 = ok1 && rn_cluster_sweep_k(X, &o, NULL, NULL, &many, &err);
    CHECK_MSG(ok1 && ok2, "sweep: %s", err ? rn_error_message(err) : "");
    rn_error_free(err);
    if (!(ok1 && ok2)) {
        if (ok1)
            rn_ksweep_free(&one);
        return;
    }
    CHECK_EQ_INT(one.n_rows, 3);
    CHECK(one.n_rows == many.n_rows &&
          memcmp(one.rows, many.rows, one.n_rows * sizeof *one.rows) == 0);
    for (size_t i = 0; i < one.n_rows; i++)
        CHECK_MSG(one.rows[i].silhouette > 0 && one.rows[i].silhouette < 1,
                  "k = %zu: silhouette %g", one.rows[i].k, one.rows[i].silhouette);
    rn_ksweep_free(&one);
    rn_ksweep_free(&many);
}

int main(void)
{
    RnError *err = NULL;
    RnDist *d = rn_dist_open(120, &err);
    CHECK(d != NULL);
    if (d == NULL)
        TEST_DONE();
    /* 12 row partitions: 3 ranks get 4 each, 2 ranks 6. */
    size_t n = 3000, dim = 5, k = 7;
    double *x64 = blobs(n, dim, 5, 42);
    float *x32 = malloc(n * dim * sizeof *x32);
    for (size_t i = 0; i < n * dim; i++)
        x32[i] = (float)x64[i];
    RnMatrix X64 = {x64, n, dim, dim, RN_DTYPE_F64};
    RnMatrix X32 = {x32, n, dim, dim, RN_DTYPE_F32};
    static const RnKMeansAlgorithm algos[] = {RN_KMEANS_ELKAN, RN_KMEANS_LLOYD,
                                              RN_KMEANS_HAMERLY, RN_KMEANS_NAIVE};
    for (size_t a = 0; a < 4; a++) {
        RnKMeansOptions o;
        rn_kmeans_options_default(&o);
        o.k = k;
        o.n_init = 3;
        o.seed = 7 + a;
        o.algorithm = algos[a];
        char what[64];
        snprintf(what, sizeof what, "%s f64", rn_kmeans_algorithm_name(algos[a]));
        compare(d, &X64, o, what);
        snprintf(what, sizeof what, "%s f32", rn_kmeans_algorithm_name(algos[a]));
        compare(d, &X32, o, what);
    }
    /* A start far from all data leaves a cluster empty: sklearn's
     * relocation needs every rank's labels. */
    double init[7 * 5];
    for (size_t j = 0; j < k * dim; j++)
        init[j] = x64[j] + (j / dim == 3 ? 1e6 : 0);
    RnKMeansOptions o;
    rn_kmeans_options_default(&o);
    o.k = k;
    o.init = RN_KMEANS_INIT_GIVEN;
    o.init_centers = init;
    compare(d, &X64, o, "elkan f64, empty cluster");
    o.algorithm = RN_KMEANS_LLOYD;
    compare(d, &X64, o, "lloyd f64, empty cluster");
    compare_sweep(d, &X32);
    compare_kmedoids(d, &X64);
    /* Fewer rows than ranks' share of partitions: some ranks own none. */
    RnMatrix small = {x64, 40, dim, dim, RN_DTYPE_F64};
    rn_kmeans_options_default(&o);
    o.k = 3;
    compare(d, &small, o, "one partition");
    free(x64);
    free(x32);
    CHECK(rn_dist_close(d, &err));
    TEST_DONE();
}
