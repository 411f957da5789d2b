/* k-medoids: FasterPAM against the PAM reference (cost, swap-optimality
 * checked by brute force), 'alternate' on hand cases, k-medoids++, CLARA
 * against the exact method, predict, the dissimilarities themselves. */
#include "rn_test.h"
#include "gen.h"
#include "radnet/cluster.h"

static double matrix_cost(const float *D, size_t n, const size_t *med, size_t k)
{
    double c = 0;
    for (size_t o = 0; o < n; o++) {
        double m = INFINITY;
        for (size_t i = 0; i < k; i++)
            m = fmin(m, D[o * n + med[i]]);
        c += m;
    }
    return c;
}

/* No single swap (medoid ↔ non-medoid) lowers the cost: brute force. */
static bool swap_optimal(const float *D, size_t n, size_t *med, size_t k)
{
    double base = matrix_cost(D, n, med, k);
    for (size_t i = 0; i < k; i++) {
        size_t keep = med[i];
        for (size_t h = 0; h < n; h++) {
            bool is_med = false;
            for (size_t j = 0; j < k; j++)
                is_med |= med[j] == h;
            if (is_med)
                continue;
            med[i] = h;
            double c = matrix_cost(D, n, med, k);
            med[i] = keep;
            if (c < base - 1e-9 * (1 + base))
                return false;
        }
    }
    return true;
}

static bool fit_matrix(const float *D, size_t n, size_t k, RnKMedoidsMethod m,
                       RnKMedoidsInit init, uint64_t seed, size_t *med,
                       int32_t *labels, double *cost)
{
    RnKMedoidsOptions o;
    rn_kmedoids_options_default(&o);
    o.k = k;
    o.method = m;
    o.init = init;
    o.seed = seed;
    RnError *err = NULL;
    int it;
    size_t sw;
    bool ok = rn_kmedoids_fit_matrix(D, n, &o, med, labels, cost, &it, &sw, &err);
    if (!ok) {
        fprintf(stderr, "%s\n", rn_error_message(err));
        rn_error_free(err);
    }
    return ok;
}

static void test_fasterpam_vs_pam(void)
{
    double worse = 0, total_pam = 0, total_fp = 0;
    int cases = 0;
    for (uint64_t s = 0; s < 18; s++) {
        size_t n = 60 + 17 * s % 100, d = 1 + s % 5, k = 2 + s % 7;
        RnDistance metric = (RnDistance)(s % 3);
        double *x = make_blobs(n, d, 1 + s % 6, 8, 2, 500 + s, NULL);
        RnMatrix X = {x, n, d, 0, RN_DTYPE_F64};
        float *D = NULL;
        RnError *err = NULL;
        CHECK(rn_cluster_distance_matrix(&X, metric, test_pool(2), 1000, &D, &err));
        size_t pam[16], fp[16], fpr[16];
        int32_t *lab = malloc(n * sizeof *lab);
        double c_pam, c_fp, c_fpr;
        CHECK(fit_matrix(D, n, k, RN_KMEDOIDS_PAM, RN_KMEDOIDS_INIT_BUILD, 1, pam,
                         lab, &c_pam));
        CHECK(fit_matrix(D, n, k, RN_KMEDOIDS_FASTERPAM, RN_KMEDOIDS_INIT_BUILD, 1,
                         fp, lab, &c_fp));
        CHECK(fit_matrix(D, n, k, RN_KMEDOIDS_FASTERPAM, RN_KMEDOIDS_INIT_RANDOM,
                         s, fpr, lab, &c_fpr));
        CHECK_NEAR(c_pam, matrix_cost(D, n, pam, k), 1e-6 * (1 + c_pam));
        CHECK_NEAR(c_fp, matrix_cost(D, n, fp, k), 1e-6 * (1 + c_fp));
        CHECK_MSG(swap_optimal(D, n, pam, k), "case %llu PAM", (unsigned long long)s);
        CHECK_MSG(swap_optimal(D, n, fp, k), "case %llu FasterPAM", (unsigned long long)s);
        CHECK_MSG(swap_optimal(D, n, fpr, k), "case %llu FasterPAM random",
                  (unsigned long long)s);
        /* Local optima may differ; FasterPAM must not be meaningfully worse. */
        CHECK_MSG(c_fp <= c_pam * 1.02 + 1e-9, "case %llu: %g vs PAM %g",
                  (unsigned long long)s, c_fp, c_pam);
        worse = fmax(worse, c_fp / c_pam - 1);
        total_pam += c_pam;
        total_fp += fmin(c_fp, c_fpr);
        cases++;
        free(lab);
        free(D);
        free(x);
    }
    CHECK_MSG(total_fp <= total_pam * (1 + 1e-9), "total %g vs PAM %g", total_fp,
              total_pam);
    fprintf(stderr, "FasterPAM vs PAM over %d cases: worst +%.3g%%, totals %g / %g\n",
            cases, 100 * worse, total_fp, total_pam);
}

/* 1-D Manhattan: {0,1,2,10,11,12} from medoids {0,1}: alternate moves to
 * {0,10}, then {1,11}; cost 4. */
static void test_alternate_hand(void)
{
    double x[] = {0, 1, 2, 10, 11, 12};
    RnMatrix X = {x, 6, 1, 0, RN_DTYPE_F64};
    RnKMedoidsOptions o;
    rn_kmedoids_options_default(&o);
    o.k = 2;
    size_t init[] = {0, 1};
    o.init = RN_KMEDOIDS_INIT_GIVEN;
    o.init_medoids = init;
    RnKMedoidsResult r;
    RnError *err = NULL;
    CHECK(rn_kmedoids_fit(&X, &o, &r, &err));
    CHECK_EQ_INT(r.medoids[0], 1);
    CHECK_EQ_INT(r.medoids[1], 4);
    CHECK_NEAR(r.cost, 4.0, 1e-12);
    CHECK_EQ_INT(r.n_iter, 3);
    int32_t want[] = {0, 0, 0, 1, 1, 1};
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(r.labels[i], want[i]);
    rn_kmedoids_result_free(&r);
    /* 'alternate' stops in a local optimum that a swap method escapes:
     * {0, 1, 2, 3, 100} with medoids {0, 1}: alternate keeps 100 inside
     * medoid 1's cluster ({1,2,3,100} → medoid 2), PAM splits it off. */
    double y[] = {0, 1, 2, 3, 100};
    RnMatrix Y = {y, 5, 1, 0, RN_DTYPE_F64};
    o.init_medoids = init;
    CHECK(rn_kmedoids_fit(&Y, &o, &r, &err));
    double alt = r.cost;
    rn_kmedoids_result_free(&r);
    o.method = RN_KMEDOIDS_PAM;
    CHECK(rn_kmedoids_fit(&Y, &o, &r, &err));
    CHECK_NEAR(r.cost, 4.0, 1e-12); /* medoids {1 or 2, 100}: 1+0+1+2+0 */
    CHECK_MSG(alt > r.cost, "alternate %g, PAM %g", alt, r.cost);
    rn_kmedoids_result_free(&r);
}

static void test_small_k_and_n(void)
{
    double x[] = {0, 1, 3, 7, 20};
    RnMatrix X = {x, 5, 1, 0, RN_DTYPE_F64};
    RnKMedoidsOptions o;
    rn_kmedoids_options_default(&o);
    RnKMedoidsResult r;
    RnError *err = NULL;
    for (int m = 0; m < 3; m++) {
        o.method = (RnKMedoidsMethod)m;
        o.k = 1; /* 1-median: point 3, cost 3+2+0+4+17 */
        CHECK(rn_kmedoids_fit(&X, &o, &r, &err));
        CHECK_EQ_INT(r.medoids[0], 2);
        CHECK_NEAR(r.cost, 26.0, 1e-12);
        rn_kmedoids_result_free(&r);
        o.k = 5; /* n = k: every point its own medoid */
        CHECK(rn_kmedoids_fit(&X, &o, &r, &err));
        CHECK_NEAR(r.cost, 0.0, 1e-12);
        rn_kmedoids_result_free(&r);
    }
    o.k = 6;
    CHECK(!rn_kmedoids_fit(&X, &o, &r, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
}

/* The three dissimilarities by hand, including a zero row under cosine. */
static void test_metrics(void)
{
    double x[] = {0, 0, 3, 4, 6, 8, -3, -4};
    RnMatrix X = {x, 4, 2, 0, RN_DTYPE_F64};
    float *D = NULL;
    RnError *err = NULL;
    CHECK(rn_cluster_distance_matrix(&X, RN_DISTANCE_EUCLIDEAN, NULL, 10, &D, &err));
    CHECK_NEAR(D[0 * 4 + 1], 5, 1e-6);
    CHECK_NEAR(D[1 * 4 + 3], 10, 1e-6);
    CHECK_NEAR(D[2 * 4 + 1], 5, 1e-6);
    free(D);
    CHECK(rn_cluster_distance_matrix(&X, RN_DISTANCE_MANHATTAN, NULL, 10, &D, &err));
    CHECK_NEAR(D[1 * 4 + 3], 14, 1e-6);
    CHECK_NEAR(D[3 * 4 + 2], 21, 1e-6);
    free(D);
    CHECK(rn_cluster_distance_matrix(&X, RN_DISTANCE_COSINE, NULL, 10, &D, &err));
    CHECK_NEAR(D[1 * 4 + 2], 0, 1e-6);
    CHECK_NEAR(D[1 * 4 + 3], 2, 1e-6);
    CHECK_NEAR(D[0 * 4 + 1], 1, 1e-6);
    CHECK_NEAR(D[0], 0, 0);
    free(D);
    CHECK(!rn_cluster_distance_matrix(&X, RN_DISTANCE_COSINE, NULL, 3, &D, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_LIMIT);
    rn_error_free(err);
    RnDistance m;
    CHECK(rn_distance_parse("cityblock", &m) && m == RN_DISTANCE_MANHATTAN);
    CHECK(!rn_distance_parse("hamming", &m));
}

/* CLARA (no n×n matrix) stays close to the exact FasterPAM optimum;
 * predict reproduces the fit labels; float32 gives the same medoids. */
static void test_clara_and_predict(void)
{
    size_t n = 4000, d = 6, k = 8;
    double *x = make_blobs(n, d, k, 10, 1.5, 71, NULL);
    RnMatrix X = {x, n, d, 0, RN_DTYPE_F64};
    RnKMedoidsOptions o;
    rn_kmedoids_options_default(&o);
    o.k = k;
    o.method = RN_KMEDOIDS_FASTERPAM;
    o.pool = test_pool(2);
    RnKMedoidsResult exact, clara, f32;
    RnError *err = NULL;
    CHECK(rn_kmedoids_fit(&X, &o, &exact, &err));
    CHECK(!exact.sampled);
    o.max_exact_n = 1000;
    o.sample_size = 1000;
    CHECK(rn_kmedoids_fit(&X, &o, &clara, &err));
    CHECK(clara.sampled);
    CHECK_MSG(clara.cost <= exact.cost * 1.03, "CLARA %g vs exact %g", clara.cost,
              exact.cost);
    int32_t *pl = malloc(n * sizeof *pl);
    double cost;
    CHECK(rn_kmedoids_predict(&X, exact.centers, k, o.metric, test_pool(2), pl, NULL, &cost, &err));
    size_t mism = 0;
    for (size_t i = 0; i < n; i++)
        mism += pl[i] != exact.labels[i];
    CHECK_EQ_INT(mism, 0);
    CHECK_NEAR(cost, exact.cost, 1e-9 * exact.cost);
    /* alternate (paper default) from k-medoids++ on the same data */
    o.max_exact_n = 20000;
    o.method = RN_KMEDOIDS_ALTERNATE;
    RnKMedoidsResult alt;
    CHECK(rn_kmedoids_fit(&X, &o, &alt, &err));
    CHECK(alt.converged);
    CHECK_MSG(alt.cost <= exact.cost * 1.25, "alternate %g vs %g", alt.cost,
              exact.cost);
    float *xf = to_f32(x, n * d);
    RnMatrix Xf = {xf, n, d, 0, RN_DTYPE_F32};
    o.method = RN_KMEDOIDS_FASTERPAM;
    CHECK(rn_kmedoids_fit(&Xf, &o, &f32, &err));
    CHECK_NEAR(f32.cost, exact.cost, 1e-4 * exact.cost);
    rn_kmedoids_result_free(&exact);
    rn_kmedoids_result_free(&clara);
    rn_kmedoids_result_free(&alt);
    rn_kmedoids_result_free(&f32);
    free(pl);
    free(x);
    free(xf);
}

int main(void)
{
    test_fasterpam_vs_pam();
    test_alternate_hand();
    test_small_k_and_n();
    test_metrics();
    test_clara_and_predict();
    TEST_DONE();
}
