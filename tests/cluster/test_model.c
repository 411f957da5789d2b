/* RnClusterModel: fit matches the algorithms it wraps, predict on the
 * training rows gives the training labels and distances, the file image
 * round-trips byte for byte and every corruption or truncation is refused;
 * parse/name of every cluster enum. */
#include "rn_test.h"
#include "gen.h"
#include "radnet/cluster.h"

#include <stdlib.h>
#include <unistd.h>

/* Model files go to a private temporary folder. */
static char tmpdir[] = "/tmp/rn_test_model_XXXXXX";

static RnBuf image_of(const RnClusterModel *m)
{
    RnBuf b = RN_BUF_INIT;
    CHECK(rn_cluster_model_serialize(m, &b, NULL));
    return b;
}

/* Serialize → parse → serialize gives the same bytes; save → load too. */
static void check_round_trip(const RnClusterModel *m, const char *path)
{
    RnBuf a = image_of(m);
    RnClusterModel *back = rn_cluster_model_parse(a.data, a.len, NULL);
    CHECK(back != NULL);
    if (back) {
        RnBuf b = image_of(back);
        CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        rn_buf_free(&b);
        rn_cluster_model_close(back);
    }
    RnError *err = NULL;
    char full[256];
    snprintf(full, sizeof full, "%s/%s", tmpdir, path);
    path = full;
    CHECK(rn_cluster_model_save(m, path, &err));
    RnClusterModel *loaded = rn_cluster_model_load(path, &err);
    CHECK_MSG(loaded != NULL, "%s", err ? rn_error_message(err) : "");
    uint8_t *file = NULL;
    size_t n = 0;
    CHECK(rn_file_read_all(path, 1u << 30, &file, &n, NULL));
    CHECK(n == a.len && file && memcmp(file, a.data, n) == 0);
    if (loaded) {
        const RnClusterModelInfo *x = rn_cluster_model_info(m), *y = rn_cluster_model_info(loaded);
        CHECK(x->algo == y->algo && x->k == y->k && x->d == y->d && x->n_iter == y->n_iter &&
              x->objective == y->objective && x->seed == y->seed);
        CHECK_EQ_STR(rn_cluster_model_method(m), rn_cluster_model_method(loaded));
    }
    free(file);
    rn_error_free(err);
    rn_cluster_model_close(loaded);
    rn_buf_free(&a);
    unlink(path);
}

/* Every single-byte change, every truncation and an extra byte are refused
 * cleanly (the CRC covers all bytes but its own, which it then disagrees
 * with). */
static void check_corruption(const RnClusterModel *m)
{
    RnBuf a = image_of(m);
    uint8_t *copy = malloc(a.len + 1);
    int accepted = 0;
    for (size_t i = 0; i < a.len; i++) {
        memcpy(copy, a.data, a.len);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        RnClusterModel *bad = rn_cluster_model_parse(copy, a.len, NULL);
        accepted += bad != NULL;
        rn_cluster_model_close(bad);
    }
    CHECK_EQ_INT(accepted, 0);
    for (size_t len = 0; len < a.len; len++) {
        RnError *err = NULL;
        RnClusterModel *bad = rn_cluster_model_parse(a.data, len, &err);
        accepted += bad != NULL;
        CHECK(bad != NULL || rn_error_code(err) == RN_ERROR_PARSE);
        rn_error_free(err);
        rn_cluster_model_close(bad);
    }
    CHECK_EQ_INT(accepted, 0);
    memcpy(copy, a.data, a.len);
    copy[a.len] = 0;
    CHECK(rn_cluster_model_parse(copy, a.len + 1, NULL) == NULL);
    /* A newer version is named as such. */
    memcpy(copy, a.data, a.len);
    copy[8] = 2;
    RnError *err = NULL;
    CHECK(rn_cluster_model_parse(copy, a.len, &err) == NULL);
    CHECK(rn_error_code(err) == RN_ERROR_UNSUPPORTED);
    rn_error_free(err);
    free(copy);
    rn_buf_free(&a);
}

static void check_predict_matches_fit(const RnClusterModel *m, const RnMatrix *X,
                                      const int32_t *labels, const double *dist)
{
    size_t n = X->rows;
    int32_t *pl = malloc(n * sizeof *pl);
    double *pd = malloc(n * sizeof *pd);
    double objective = -1;
    CHECK(rn_cluster_model_predict(m, X, test_pool(2), pl, pd, &objective, NULL));
    const RnClusterModelInfo *info = rn_cluster_model_info(m);
    /* float32 rows sum their squared distances in float, the fit on centred rows */
    double tol = X->dtype == RN_DTYPE_F32 ? 1e-5 : 1e-9;
    CHECK_MSG(fabs(objective - info->objective) <= tol * info->objective, "%.17g vs %.17g",
              objective, info->objective);
    size_t differ = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        differ += pl[i] != labels[i];
        worst = fmax(worst, fabs(pd[i] - dist[i]) / fmax(1.0, dist[i]));
    }
    CHECK_EQ_INT(differ, 0);
    CHECK_MSG(worst < 1e-5, "distance off by %g", worst);
    free(pl);
    free(pd);
}

static void test_kmeans_model(void)
{
    size_t n = 900, d = 6, k = 5;
    double *x = make_blobs(n, d, k, 10, 1.0, 31, NULL);
    float *xf = to_f32(x, n * d);
    for (int f32 = 0; f32 < 2; f32++) {
        RnMatrix X = {f32 ? (void *)xf : (void *)x, n, d, 0, f32 ? RN_DTYPE_F32 : RN_DTYPE_F64};
        RnClusterModelOptions o;
        rn_cluster_model_options_default(&o, RN_ALGO_KMEANS, k);
        o.seed = 3;
        int32_t *labels = malloc(n * sizeof *labels);
        double *dist = malloc(n * sizeof *dist);
        RnError *err = NULL;
        RnClusterModel *m = rn_cluster_model_fit(&X, &o, labels, dist, &err);
        CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
        if (m == NULL)
            continue;
        /* The same fit as rn_kmeans_fit with those options. */
        RnKMeansOptions ko = o.kmeans;
        ko.k = k;
        ko.seed = 3;
        RnKMeansResult r;
        CHECK(rn_kmeans_fit(&X, &ko, &r, NULL));
        CHECK(r.inertia == rn_cluster_model_info(m)->objective);
        CHECK(memcmp(r.labels, labels, n * sizeof *labels) == 0);
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += dist[i] * dist[i];
        CHECK(fabs(sum - r.inertia) <= 1e-6 * r.inertia);
        rn_kmeans_result_free(&r);
        CHECK_EQ_STR(rn_cluster_model_method(m), "elkan");
        CHECK(rn_cluster_model_medoids(m) == NULL);
        check_predict_matches_fit(m, &X, labels, dist);
        check_round_trip(m, "test_model_kmeans.rnc");
        check_corruption(m);
        free(labels);
        free(dist);
        rn_cluster_model_close(m);
    }
    free(x);
    free(xf);
}

static void test_kmedoids_model(void)
{
    size_t n = 400, d = 3, k = 4;
    double *x = make_blobs(n, d, k, 10, 1.0, 32, NULL);
    RnMatrix X = {x, n, d, 0, RN_DTYPE_F64};
    RnClusterModelOptions o;
    rn_cluster_model_options_default(&o, RN_ALGO_KMEDOIDS, k);
    int32_t *labels = malloc(n * sizeof *labels);
    double *dist = malloc(n * sizeof *dist);
    RnClusterModel *m = rn_cluster_model_fit(&X, &o, labels, dist, NULL);
    CHECK(m != NULL);
    if (m) {
        const RnClusterModelInfo *info = rn_cluster_model_info(m);
        CHECK(info->metric == RN_DISTANCE_MANHATTAN && info->n_train == n);
        CHECK_EQ_STR(rn_cluster_model_method(m), "alternate");
        const size_t *med = rn_cluster_model_medoids(m);
        double cost = 0;
        for (size_t i = 0; i < n; i++)
            cost += dist[i];
        CHECK_NEAR(cost, info->objective, 1e-9 * cost);
        for (size_t c = 0; med && c < k; c++)
            CHECK_NEAR(dist[med[c]], 0, 0);
        check_predict_matches_fit(m, &X, labels, dist);
        check_round_trip(m, "test_model_kmedoids.rnc");
        check_corruption(m);
        rn_cluster_model_close(m);
    }
    free(labels);
    free(dist);
    free(x);
}

/* Given centres; float32 data against float64 centres. */
static void test_given_centres(void)
{
    double c[] = {0, 0, 10, 10};
    float xf[] = {1, 1, 9, 8, -1, 0};
    RnMatrix C = {c, 2, 2, 0, RN_DTYPE_F64}, X = {xf, 3, 2, 0, RN_DTYPE_F32};
    RnClusterModel *m = rn_cluster_model_from_centers(RN_ALGO_KMEANS, RN_DISTANCE_EUCLIDEAN,
                                                      &C, NULL);
    CHECK(m != NULL);
    int32_t lab[3];
    double dist[3];
    CHECK(m && rn_cluster_model_predict(m, &X, NULL, lab, dist, NULL, NULL));
    CHECK(lab[0] == 0 && lab[1] == 1 && lab[2] == 0);
    CHECK_NEAR(dist[1], sqrt(5.0), 1e-6);
    CHECK_EQ_STR(rn_cluster_model_method(m), "given");
    RnMatrix wrong = {xf, 2, 3, 0, RN_DTYPE_F32};
    RnError *err = NULL;
    CHECK(!rn_cluster_model_predict(m, &wrong, NULL, lab, NULL, NULL, &err));
    CHECK(rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
    check_round_trip(m, "test_model_given.rnc");
    rn_cluster_model_close(m);
    err = NULL;
    CHECK(rn_cluster_model_from_centers(RN_ALGO_KMEANS, RN_DISTANCE_COSINE, &C, &err) == NULL);
    rn_error_free(err);
    rn_cluster_model_close(NULL);
}

static void test_enum_names(void)
{
    for (int a = RN_KMEANS_ELKAN; a <= RN_KMEANS_HAMERLY; a++) {
        RnKMeansAlgorithm v;
        CHECK(rn_kmeans_algorithm_parse(rn_kmeans_algorithm_name(a), &v) && (int)v == a);
    }
    for (int a = RN_KMEANS_INIT_PLUSPLUS; a <= RN_KMEANS_INIT_GIVEN; a++) {
        RnKMeansInit v;
        CHECK(rn_kmeans_init_parse(rn_kmeans_init_name(a), &v) && (int)v == a);
    }
    for (int a = RN_KMEDOIDS_ALTERNATE; a <= RN_KMEDOIDS_PAM; a++) {
        RnKMedoidsMethod v;
        CHECK(rn_kmedoids_method_parse(rn_kmedoids_method_name(a), &v) && (int)v == a);
    }
    for (int a = RN_KMEDOIDS_INIT_PLUSPLUS; a <= RN_KMEDOIDS_INIT_GIVEN; a++) {
        RnKMedoidsInit v;
        CHECK(rn_kmedoids_init_parse(rn_kmedoids_init_name(a), &v) && (int)v == a);
    }
    for (int a = RN_ALGO_KMEANS; a <= RN_ALGO_KMEDOIDS; a++) {
        RnClusterAlgo v;
        CHECK(rn_cluster_algo_parse(rn_cluster_algo_name(a), &v) && (int)v == a);
    }
    for (int a = RN_DISTANCE_EUCLIDEAN; a <= RN_DISTANCE_COSINE; a++) {
        RnDistance v;
        CHECK(rn_distance_parse(rn_distance_name(a), &v) && (int)v == a);
    }
    RnKMeansAlgorithm v;
    CHECK(!rn_kmeans_algorithm_parse("elkan2", &v) && !rn_kmeans_algorithm_parse(NULL, &v));
    CHECK_EQ_STR(rn_kmeans_algorithm_name((RnKMeansAlgorithm)99), "unknown");
}

/* Options by name: algo first, then the names of that algo. */
static void test_options_by_name(void)
{
    RnClusterModelOptions o;
    rn_cluster_model_options_default(&o, RN_ALGO_KMEANS, 3);
    CHECK(rn_cluster_model_options_set(&o, "n-init", "4", NULL) && o.kmeans.n_init == 4);
    CHECK(rn_cluster_model_options_set(&o, "method", "lloyd", NULL) &&
          o.kmeans.algorithm == RN_KMEANS_LLOYD);
    CHECK(rn_cluster_model_options_set(&o, "tol", "0", NULL) && o.kmeans.tol == 0);
    CHECK(rn_cluster_model_options_set(&o, "batch", "128", NULL) && o.minibatch &&
          o.minibatch_options.batch_size == 128);
    CHECK(rn_cluster_model_options_set(&o, "seed", "18446744073709551615", NULL) &&
          o.seed == UINT64_MAX);
    const char *bad[][2] = {{"metric", "cosine"}, {"method", "pam"}, {"n_init", "0"},
                            {"tol", "-1"}, {"k", "x"}, {"init", "given"}, {"frob", "1"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        RnError *err = NULL;
        CHECK_MSG(!rn_cluster_model_options_set(&o, bad[i][0], bad[i][1], &err) &&
                      rn_error_code(err) == RN_ERROR_INVALID &&
                      strstr(rn_error_message(err), bad[i][0]) != NULL,
                  "%s %s", bad[i][0], bad[i][1]);
        rn_error_free(err);
    }
    CHECK(rn_cluster_model_options_set(&o, "algo", "kmedoids", NULL) && o.algo == RN_ALGO_KMEDOIDS);
    CHECK(rn_cluster_model_options_set(&o, "metric", "cosine", NULL) &&
          o.kmedoids.metric == RN_DISTANCE_COSINE);
    CHECK(rn_cluster_model_options_set(&o, "init-method", "build", NULL) &&
          o.kmedoids.init == RN_KMEDOIDS_INIT_BUILD);
    CHECK(rn_cluster_model_options_set(&o, "method", "pam", NULL) &&
          o.kmedoids.method == RN_KMEDOIDS_PAM);
}

/* Many settings at once: "algo" applies first whatever the order, so a
 * k-medoids method given before it is accepted; the seeds follow. */
static void test_options_set_all(void)
{
    RnClusterModelOptions o;
    rn_cluster_model_options_default(&o, RN_ALGO_KMEANS, 3);
    const char *names[] = {"method", "metric", "seed", "algo"};
    const char *values[] = {"pam", "cosine", "7", "kmedoids"};
    CHECK(rn_cluster_model_options_set_all(&o, names, values, 4, NULL) &&
          o.algo == RN_ALGO_KMEDOIDS && o.kmedoids.method == RN_KMEDOIDS_PAM &&
          o.kmedoids.metric == RN_DISTANCE_COSINE && o.seed == 7 && o.kmeans.seed == 7 &&
          o.kmedoids.seed == 7);
    RnError *err = NULL;
    rn_cluster_model_options_default(&o, RN_ALGO_KMEANS, 3);
    CHECK(!rn_cluster_model_options_set_all(&o, names, values, 3, &err) &&
          rn_error_code(err) == RN_ERROR_INVALID); /* pam is no k-means method */
    rn_error_free(err);
}

/* "K", "A:B", "A:B:S"; anything else refused. */
static void test_k_range(void)
{
    const struct {
        const char *text;
        RnKRange want;
    } good[] = {{"50", {50, 50, 1, false}}, {"2:10", {2, 10, 1, true}},
                {"5:5", {5, 5, 1, true}}, {"10:60:5", {10, 60, 5, true}}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        RnKRange r;
        CHECK_MSG(rn_k_range_parse(good[i].text, &r) && r.min == good[i].want.min &&
                      r.max == good[i].want.max && r.step == good[i].want.step &&
                      r.range == good[i].want.range,
                  "%s", good[i].text);
    }
    const char *bad[] = {"", "0", "5:4", "2:10:0", "1:2:3:4", ":5", "5:", "a", "-3", "+3",
                         "2::3", "3 ", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        RnKRange r;
        CHECK_MSG(!rn_k_range_parse(bad[i], &r), "'%s'", bad[i]);
    }
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_kmeans_model();
    test_kmedoids_model();
    test_given_centres();
    test_enum_names();
    test_options_by_name();
    test_options_set_all();
    test_k_range();
    rmdir(tmpdir);
    TEST_DONE();
}
