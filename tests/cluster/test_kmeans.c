/* k-means: every fast path (BLAS Lloyd, Elkan, threads) against the plain
 * Lloyd kept as reference, hand cases, degenerate inputs, determinism,
 * k-means++, predict, mini-batch. */
#include "rn_test.h"
#include "gen.h"
#include "radnet/cluster.h"
#include "radnet/eval.h"

static double rel_diff(double a, double b)
{
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return m == 0 ? 0 : fabs(a - b) / m;
}

static bool fit(const RnMatrix *X, size_t k, RnKMeansAlgorithm algo,
                const void *init, int threads, RnKMeansResult *r)
{
    RnKMeansOptions o;
    rn_kmeans_options_default(&o);
    o.k = k;
    o.algorithm = algo;
    o.pool = test_pool(threads);
    if (init) {
        o.init = RN_KMEANS_INIT_GIVEN;
        o.init_centers = init;
    }
    RnError *err = NULL;
    bool ok = rn_kmeans_fit(X, &o, r, &err);
    if (!ok) {
        fprintf(stderr, "fit failed: %s\n", rn_error_message(err));
        rn_error_free(err);
    }
    return ok;
}

static size_t label_mismatches(const int32_t *a, const int32_t *b, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += a[i] != b[i];
    return m;
}

/* Fast algorithms reach the reference's labels and inertia from the same
 * initial centres, for float64 and float32, on many shapes. */
static void test_fast_vs_reference(void)
{
    static const size_t shapes[][4] = {
        /* n, d, k, blobs */
        {500, 2, 3, 3},   {700, 5, 8, 5},   {1000, 16, 10, 10},
        {300, 1, 4, 4},   {2000, 33, 20, 15}, {257, 7, 5, 2},
        {1500, 64, 12, 12}, {64, 3, 64, 4},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t n = shapes[s][0], d = shapes[s][1], k = shapes[s][2];
        double *x = make_blobs(n, d, shapes[s][3], 10, 1.5, 100 + s, NULL);
        for (int f32 = 0; f32 < 2; f32++) {
            float *xf = f32 ? to_f32(x, n * d) : NULL;
            RnMatrix X = {f32 ? (void *)xf : (void *)x, n, d, 0, f32 ? RN_DTYPE_F32 : RN_DTYPE_F64};
            /* initial centres: k-means++ on the data */
            void *init = malloc(k * d * 8);
            RnError *err = NULL;
            CHECK(rn_kmeans_plusplus(&X, k, 0, 7 + s, NULL, init, NULL, &err));
            RnKMeansResult ref, lloyd, elkan, lloyd2, elkan2, ham, ham2;
            CHECK(fit(&X, k, RN_KMEANS_NAIVE, init, 1, &ref));
            CHECK(fit(&X, k, RN_KMEANS_LLOYD, init, 1, &lloyd));
            CHECK(fit(&X, k, RN_KMEANS_ELKAN, init, 1, &elkan));
            CHECK(fit(&X, k, RN_KMEANS_LLOYD, init, 2, &lloyd2));
            CHECK(fit(&X, k, RN_KMEANS_ELKAN, init, 2, &elkan2));
            CHECK(fit(&X, k, RN_KMEANS_HAMERLY, init, 1, &ham));
            CHECK(fit(&X, k, RN_KMEANS_HAMERLY, init, 2, &ham2));
            double tol = f32 ? 1e-4 : 1e-9;
            size_t allowed = f32 ? n / 500 : 0; /* float32 near-ties */
            CHECK_MSG(rel_diff(ref.inertia, lloyd.inertia) <= tol,
                      "shape %zu f32 %d: %.12g vs %.12g", s, f32, ref.inertia,
                      lloyd.inertia);
            CHECK_MSG(rel_diff(ref.inertia, elkan.inertia) <= tol,
                      "shape %zu f32 %d: %.12g vs %.12g", s, f32, ref.inertia,
                      elkan.inertia);
            CHECK_MSG(rel_diff(ref.inertia, ham.inertia) <= tol,
                      "shape %zu f32 %d: %.12g vs hamerly %.12g", s, f32,
                      ref.inertia, ham.inertia);
            CHECK_MSG(label_mismatches(ref.labels, ham.labels, n) <= allowed,
                      "shape %zu f32 %d hamerly mismatches %zu", s, f32,
                      label_mismatches(ref.labels, ham.labels, n));
            CHECK(ham.inertia == ham2.inertia);
            CHECK_EQ_INT(label_mismatches(ham.labels, ham2.labels, n), 0);
            CHECK_MSG(label_mismatches(ref.labels, lloyd.labels, n) <= allowed,
                      "shape %zu f32 %d lloyd mismatches %zu", s, f32,
                      label_mismatches(ref.labels, lloyd.labels, n));
            CHECK_MSG(label_mismatches(ref.labels, elkan.labels, n) <= allowed,
                      "shape %zu f32 %d elkan mismatches %zu", s, f32,
                      label_mismatches(ref.labels, elkan.labels, n));
            if (!f32) {
                CHECK_EQ_INT(ref.n_iter, lloyd.n_iter);
                CHECK_EQ_INT(ref.n_iter, elkan.n_iter);
                CHECK_EQ_INT(ref.n_iter, ham.n_iter);
            }
            /* threads change nothing, bit for bit */
            CHECK(lloyd.inertia == lloyd2.inertia);
            CHECK(elkan.inertia == elkan2.inertia);
            CHECK_EQ_INT(label_mismatches(lloyd.labels, lloyd2.labels, n), 0);
            CHECK_EQ_INT(label_mismatches(elkan.labels, elkan2.labels, n), 0);
            rn_kmeans_result_free(&ref);
            rn_kmeans_result_free(&lloyd);
            rn_kmeans_result_free(&elkan);
            rn_kmeans_result_free(&lloyd2);
            rn_kmeans_result_free(&elkan2);
            rn_kmeans_result_free(&ham);
            rn_kmeans_result_free(&ham2);
            free(init);
            free(xf);
        }
        free(x);
    }
}

/* 1-D hand case: two pairs; centres 0.5 and 10.5, inertia 4 × 0.25. */
static void test_hand_case(void)
{
    double x[] = {0, 1, 10, 11};
    double init[] = {0, 1};
    RnMatrix X = {x, 4, 1, 0, RN_DTYPE_F64};
    for (int a = 0; a < 4; a++) {
        RnKMeansResult r;
        CHECK(fit(&X, 2, (RnKMeansAlgorithm)a, init, 1, &r));
        const double *c = r.centers;
        CHECK_NEAR(r.inertia, 1.0, 1e-12);
        CHECK_NEAR(fmin(c[0], c[1]), 0.5, 1e-12);
        CHECK_NEAR(fmax(c[0], c[1]), 10.5, 1e-12);
        CHECK(r.labels[0] == r.labels[1] && r.labels[2] == r.labels[3] &&
              r.labels[0] != r.labels[2]);
        CHECK(r.converged);
        rn_kmeans_result_free(&r);
    }
}

static void test_degenerate(void)
{
    RnError *err = NULL;
    RnKMeansOptions o;
    rn_kmeans_options_default(&o);
    /* n < k is refused, as sklearn */
    double x3[] = {1, 2, 3};
    RnMatrix X3 = {x3, 3, 1, 0, RN_DTYPE_F64};
    RnKMeansResult r;
    o.k = 4;
    CHECK(!rn_kmeans_fit(&X3, &o, &r, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    /* k = 1: the mean, inertia = total sum of squares */
    o.k = 1;
    CHECK(rn_kmeans_fit(&X3, &o, &r, &err));
    CHECK_NEAR(((double *)r.centers)[0], 2.0, 1e-12);
    CHECK_NEAR(r.inertia, 2.0, 1e-12);
    rn_kmeans_result_free(&r);
    /* constant data: every point on a centre, inertia 0, all algorithms */
    double c[40];
    for (int i = 0; i < 40; i++)
        c[i] = 3.25;
    RnMatrix C = {c, 20, 2, 0, RN_DTYPE_F64};
    for (int a = 0; a < 4; a++) {
        o.k = 3;
        o.algorithm = (RnKMeansAlgorithm)a;
        CHECK(rn_kmeans_fit(&C, &o, &r, &err));
        CHECK_NEAR(r.inertia, 0.0, 1e-12);
        rn_kmeans_result_free(&r);
    }
    /* duplicates: n = 12 points, 3 distinct; k = 3 → exact partition */
    double dup[12];
    for (int i = 0; i < 12; i++)
        dup[i] = (double)(i % 3) * 5;
    RnMatrix D = {dup, 12, 1, 0, RN_DTYPE_F64};
    o.algorithm = RN_KMEANS_ELKAN;
    CHECK(rn_kmeans_fit(&D, &o, &r, &err));
    CHECK_NEAR(r.inertia, 0.0, 1e-12);
    CHECK(r.labels[0] == r.labels[3] && r.labels[1] != r.labels[0] &&
          r.labels[2] != r.labels[1] && r.labels[2] != r.labels[0]);
    rn_kmeans_result_free(&r);
    /* bad options */
    o.k = 2;
    o.max_iter = 0;
    CHECK(!rn_kmeans_fit(&D, &o, &r, &err));
    rn_error_free(err);
    err = NULL;
    RnMatrix bad = {dup, 12, 1, 0, RN_DTYPE_I32};
    rn_kmeans_options_default(&o);
    o.k = 2;
    CHECK(!rn_kmeans_fit(&bad, &o, &r, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_UNSUPPORTED);
    rn_error_free(err);
}

/* An initial centre far from all data gets an empty cluster: it is re-seeded
 * with the farthest point, so all k clusters end non-empty. */
static void test_empty_cluster(void)
{
    size_t n = 300, d = 2, k = 4;
    double *x = make_blobs(n, d, 3, 5, 1, 9, NULL);
    double init[8] = {x[0], x[1], x[2], x[3], x[4], x[5], 1e6, 1e6};
    RnMatrix X = {x, n, d, 0, RN_DTYPE_F64};
    for (int a = 0; a < 4; a++) {
        RnKMeansResult r;
        CHECK(fit(&X, k, (RnKMeansAlgorithm)a, init, 1, &r));
        size_t counts[4] = {0};
        for (size_t i = 0; i < n; i++)
            counts[r.labels[i]]++;
        for (size_t j = 0; j < k; j++)
            CHECK_MSG(counts[j] > 0, "algo %d cluster %zu empty", a, j);
        CHECK(((double *)r.centers)[6] < 100);
        rn_kmeans_result_free(&r);
    }
    free(x);
}

/* Seeded runs repeat exactly; restarts never worsen inertia; blobs are
 * recovered (ARI 1 on well separated blobs). */
static void test_restarts_and_seed(void)
{
    size_t n = 2000, d = 8, k = 6;
    int32_t *truth = malloc(n * sizeof *truth);
    double *x = make_blobs(n, d, k, 20, 1, 33, truth);
    RnMatrix X = {x, n, d, 0, RN_DTYPE_F64};
    RnKMeansOptions o;
    rn_kmeans_options_default(&o);
    o.k = k;
    RnKMeansResult a, b, one;
    RnError *err = NULL;
    CHECK(rn_kmeans_fit(&X, &o, &a, &err));
    CHECK(rn_kmeans_fit(&X, &o, &b, &err));
    CHECK(a.inertia == b.inertia);
    CHECK_EQ_INT(label_mismatches(a.labels, b.labels, n), 0);
    o.n_init = 1;
    CHECK(rn_kmeans_fit(&X, &o, &one, &err));
    CHECK(a.inertia <= one.inertia);
    double ari = 0;
    CHECK(rn_adjusted_rand_score(truth, a.labels, n, &ari, &err));
    CHECK_NEAR(ari, 1.0, 1e-12);
    /* predict on the training rows gives the fitted labels */
    int32_t *pl = malloc(n * sizeof *pl);
    double inertia = 0;
    CHECK(rn_kmeans_predict(&X, a.centers, k, test_pool(2), pl, NULL, &inertia, &err));
    CHECK_EQ_INT(label_mismatches(pl, a.labels, n), 0);
    CHECK(rel_diff(inertia, a.inertia) < 1e-9);
    free(pl);
    rn_kmeans_result_free(&a);
    rn_kmeans_result_free(&b);
    rn_kmeans_result_free(&one);
    free(x);
    free(truth);
}

/* k-means++ with k = number of distinct points picks each exactly once
 * (a chosen point has zero potential and cannot be drawn again). */
static void test_plusplus_distinct(void)
{
    double x[] = {0, 0, 5, 5, 0, 5, 5, 0, 9, 9};
    RnMatrix X = {x, 5, 2, 0, RN_DTYPE_F64};
    for (uint64_t seed = 0; seed < 20; seed++) {
        size_t idx[5];
        double c[10];
        RnError *err = NULL;
        CHECK(rn_kmeans_plusplus(&X, 5, 0, seed, NULL, c, idx, &err));
        int seen[5] = {0};
        for (int j = 0; j < 5; j++)
            seen[idx[j]]++;
        for (int j = 0; j < 5; j++)
            CHECK_EQ_INT(seen[j], 1);
    }
}

/* Mini-batch reaches nearly the full k-means inertia on blobs. */
static void test_minibatch(void)
{
    size_t n = 20000, d = 10, k = 8;
    int32_t *truth = malloc(n * sizeof *truth);
    double *x = make_blobs(n, d, k, 15, 1, 77, truth);
    float *xf = to_f32(x, n * d);
    RnMatrix X = {xf, n, d, 0, RN_DTYPE_F32};
    RnKMeansOptions o;
    rn_kmeans_options_default(&o);
    o.k = k;
    o.n_init = 3;
    RnKMeansResult full, mb;
    RnError *err = NULL;
    CHECK(rn_kmeans_fit(&X, &o, &full, &err));
    RnMiniBatchOptions mo;
    rn_minibatch_options_default(&mo);
    mo.k = k;
    mo.batch_size = 512;
    CHECK(rn_kmeans_minibatch_fit(&X, &mo, &mb, &err));
    CHECK_MSG(mb.inertia <= full.inertia * 1.02, "%g vs %g", mb.inertia,
              full.inertia);
    CHECK(mb.converged);
    double ari = 0;
    CHECK(rn_adjusted_rand_score(truth, mb.labels, n, &ari, &err));
    CHECK_MSG(ari > 0.99, "ari %g", ari);
    rn_kmeans_result_free(&full);
    rn_kmeans_result_free(&mb);
    free(x);
    free(xf);
    free(truth);
}

/* A strided view (every other column block) equals the packed copy. */
static void test_stride(void)
{
    size_t n = 400, d = 3, k = 4;
    double *x = make_blobs(n, d, 4, 10, 1, 5, NULL);
    double *wide = calloc(n * 5, sizeof *wide);
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < d; t++)
            wide[i * 5 + t] = x[i * d + t];
    RnMatrix X = {x, n, d, 0, RN_DTYPE_F64}, W = {wide, n, d, 5, RN_DTYPE_F64};
    RnKMeansOptions o;
    rn_kmeans_options_default(&o);
    o.k = k;
    RnKMeansResult a, b;
    RnError *err = NULL;
    CHECK(rn_kmeans_fit(&X, &o, &a, &err));
    CHECK(rn_kmeans_fit(&W, &o, &b, &err));
    CHECK(a.inertia == b.inertia);
    CHECK_EQ_INT(label_mismatches(a.labels, b.labels, n), 0);
    rn_kmeans_result_free(&a);
    rn_kmeans_result_free(&b);
    free(x);
    free(wide);
}

int main(void)
{
    test_fast_vs_reference();
    test_hand_case();
    test_degenerate();
    test_empty_cluster();
    test_restarts_and_seed();
    test_plusplus_distinct();
    test_minibatch();
    test_stride();
    TEST_DONE();
}
