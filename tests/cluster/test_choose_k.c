/* Choice of k: kneedle on hand curves, the sweep on blobs with a known k. */
#include "rn_test.h"
#include "gen.h"
#include "radnet/cluster.h"

static void test_kneedle(void)
{
    /* 1/x-like curve: knee where the slope flattens */
    double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    double y[] = {100, 50, 20, 12, 10, 9, 8.5, 8, 7.7, 7.5};
    CHECK_EQ_INT(rn_kneedle(x, y, 10), 2); /* k = 3 */
    /* a straight line has no knee */
    double line[] = {10, 9, 8, 7, 6};
    CHECK_EQ_INT(rn_kneedle(x, line, 5), 5);
    double flat[] = {3, 3, 3};
    CHECK_EQ_INT(rn_kneedle(x, flat, 3), 3);
    CHECK_EQ_INT(rn_kneedle(x, y, 2), 2);
}

static void test_sweep(void)
{
    size_t n = 1200, d = 4, blobs = 5;
    double *x = make_blobs(n, d, blobs, 20, 1, 12, NULL);
    RnMatrix X = {x, n, d, 0, RN_DTYPE_F64};
    RnKSweepOptions o;
    rn_ksweep_options_default(&o);
    o.k_min = 2;
    o.k_max = 9;
    o.kmeans.n_init = 3;
    RnKSweep s;
    RnError *err = NULL;
    CHECK(rn_cluster_sweep_k(&X, &o, NULL, NULL, &s, &err));
    CHECK_EQ_INT(s.n_rows, 8);
    CHECK_EQ_INT(s.rows[s.best_silhouette].k, blobs);
    CHECK_EQ_INT(s.rows[s.best_davies_bouldin].k, blobs);
    CHECK_EQ_INT(s.rows[s.best_calinski_harabasz].k, blobs);
    CHECK(s.elbow < s.n_rows && s.rows[s.elbow].k == blobs);
    for (size_t i = 1; i < s.n_rows; i++)
        CHECK(s.rows[i].inertia <= s.rows[i - 1].inertia * (1 + 1e-12));
    rn_ksweep_free(&s);
    /* sampled silhouette: an interval around the exact value */
    o.k_min = o.k_max = blobs;
    RnKSweep exact;
    CHECK(rn_cluster_sweep_k(&X, &o, NULL, NULL, &exact, &err));
    o.silhouette_exact_max = 100;
    o.silhouette_sample = 300;
    CHECK(rn_cluster_sweep_k(&X, &o, NULL, NULL, &s, &err));
    CHECK(s.rows[0].silhouette_low <= s.rows[0].silhouette_high);
    CHECK_NEAR(s.rows[0].silhouette, exact.rows[0].silhouette, 0.02);
    CHECK(s.rows[0].silhouette_low < s.rows[0].silhouette_high);
    rn_ksweep_free(&s);
    rn_ksweep_free(&exact);
    /* k-medoids sweep with k = 1 included: metrics undefined → NAN */
    o.algo = RN_ALGO_KMEDOIDS;
    o.k_min = 1;
    o.k_max = 6;
    o.silhouette_exact_max = 20000;
    CHECK(rn_cluster_sweep_k(&X, &o, NULL, NULL, &s, &err));
    CHECK(isnan(s.rows[0].silhouette));
    CHECK_EQ_INT(s.rows[s.best_silhouette].k, blobs);
    rn_ksweep_free(&s);
    /* bad ranges */
    o.k_min = 5;
    o.k_max = 2;
    CHECK(!rn_cluster_sweep_k(&X, &o, NULL, NULL, &s, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    free(x);
}

int main(void)
{
    test_kneedle();
    test_sweep();
    TEST_DONE();
}
