/* Unit tests of the eval stage: known values, the fast algorithms held to
 * the plain reference ones, and exact pair counting at n = 10^7. */
#include "radnet/eval.h"
#include "rn_test.h"

#include <stdint.h>

/* Two worker threads, shared by the tests that run threaded. */
static RnPool *pool2;

static uint64_t rng_state = 12345;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(void) { return (double)(next_u64() >> 11) / 9007199254740992.0; }
static int32_t below(int32_t k) { return (int32_t)(next_u64() % (uint64_t)k); }

static void table_from(const int32_t *t, const int32_t *p, size_t n, RnContingency *c)
{
    int32_t *it = malloc(n * sizeof *it), *ip = malloc(n * sizeof *ip);
    size_t kt = 0, kp = 0;
    CHECK(rn_labels_encode_i32(t, n, it, &kt, NULL, NULL));
    CHECK(rn_labels_encode_i32(p, n, ip, &kp, NULL, NULL));
    CHECK(rn_contingency_build(it, kt, ip, kp, n, c, NULL));
    free(it);
    free(ip);
}

/* Values printed by scikit-learn 1.2 for these small labelings. */
static void test_known_values(void)
{
    const int32_t t[] = {0, 0, 1, 2}, p[] = {0, 0, 1, 1};
    RnContingency c;
    table_from(t, p, 4, &c);
    double h, k, v, ami;
    rn_homogeneity_completeness_v(&c, 1.0, &h, &k, &v);
    CHECK_NEAR(h, 0.6666666666666666, 1e-15);
    CHECK_NEAR(k, 1.0, 1e-15);
    CHECK_NEAR(v, 0.8, 1e-15);
    CHECK_NEAR(rn_adjusted_rand_score_table(&c), 0.5714285714285714, 1e-15);
    CHECK_NEAR(rn_rand_score(&c), 0.8333333333333334, 1e-15);
    CHECK_NEAR(rn_fowlkes_mallows_score(&c), 0.7071067811865476, 1e-15);
    CHECK(rn_adjusted_mutual_info_score(&c, RN_AVERAGE_ARITHMETIC, &ami, NULL));
    CHECK_NEAR(ami, 0.5714285714285714, 1e-12);
    CHECK_NEAR(rn_purity_score(&c), 0.75, 0);
    int64_t C[2][2];
    rn_pair_confusion_matrix(&c, C);
    CHECK_EQ_INT(C[0][0], 8);
    CHECK_EQ_INT(C[0][1], 2);
    CHECK_EQ_INT(C[1][0], 0);
    CHECK_EQ_INT(C[1][1], 2);
    rn_contingency_free(&c);

    /* a labeling against a renamed copy of itself */
    const int32_t a[] = {5, 5, 9, 9, -1}, b[] = {0, 0, 3, 3, 7};
    table_from(a, b, 5, &c);
    CHECK_NEAR(rn_normalized_mutual_info_score(&c, RN_AVERAGE_GEOMETRIC), 1.0, 1e-15);
    CHECK_NEAR(rn_adjusted_rand_score_table(&c), 1.0, 0);
    rn_contingency_free(&c);

    /* empty input: sklearn's conventions */
    RnContingency e;
    CHECK(rn_contingency_build(NULL, 0, NULL, 0, 0, &e, NULL));
    rn_homogeneity_completeness_v(&e, 1.0, &h, &k, &v);
    CHECK(h == 1.0 && k == 1.0 && v == 1.0);
    CHECK(rn_adjusted_rand_score_table(&e) == 1.0);
    CHECK(rn_normalized_mutual_info_score(&e, RN_AVERAGE_ARITHMETIC) == 1.0);
    rn_contingency_free(&e);
}

static void test_encoding(void)
{
    const int64_t wide[] = {INT64_MAX, -5, INT64_MIN, -5, 0};
    int32_t ids[5];
    size_t k, first[5];
    CHECK(rn_labels_encode_i64(wide, 5, ids, &k, first, NULL));
    CHECK_EQ_INT(k, 4);
    CHECK(ids[0] == 3 && ids[1] == 1 && ids[2] == 0 && ids[3] == 1 && ids[4] == 2);
    CHECK(first[1] == 1);
    const char *s[] = {"b", "a", "č", "a", "B"};
    CHECK(rn_labels_encode_str(s, 5, ids, &k, first, NULL));
    CHECK_EQ_INT(k, 4);
    CHECK(ids[4] == 0 && ids[1] == 1 && ids[0] == 2 && ids[2] == 3);
    char *nums[] = {"12", "-3", "007"}, *text[] = {"12", " 3"};
    int64_t v[3];
    CHECK(rn_labels_parse_integers(nums, 3, v) && v[2] == 7);
    CHECK(!rn_labels_parse_integers(text, 2, v));
}

/* The sparse (sorted) and dense counting paths against direct counting. */
static void test_contingency(void)
{
    const size_t sizes[][3] = {{500, 7, 9}, {3000, 2000, 2000}, {1, 1, 1}};
    for (size_t s = 0; s < 3; s++) {
        size_t n = sizes[s][0], r = sizes[s][1], q = sizes[s][2];
        int32_t *t = malloc(n * sizeof *t), *p = malloc(n * sizeof *p);
        for (size_t i = 0; i < n; i++) {
            t[i] = below((int32_t)r);
            p[i] = below((int32_t)q);
        }
        RnContingency c;
        int64_t *fast = NULL, *ref = NULL;
        CHECK(rn_contingency_build(t, r, p, q, n, &c, NULL));
        CHECK(rn_contingency_dense(&c, r * q, &fast, NULL));
        CHECK(rn_contingency_dense_reference(t, r, p, q, n, &ref, NULL));
        CHECK(fast && ref && memcmp(fast, ref, r * q * sizeof *ref) == 0);
        CHECK_EQ_INT(c.n, n);
        free(fast);
        free(ref);
        rn_contingency_free(&c);
        free(t);
        free(p);
    }
    int32_t bad = 3;
    RnContingency c;
    RnError *err = NULL;
    CHECK(!rn_contingency_build(&bad, 2, &bad, 5, 1, &c, &err));
    CHECK(rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
}

/* Fast E[MI] (mode-outwards recurrence) against the full lgamma sum. */
static void test_emi(void)
{
    for (int trial = 0; trial < 40; trial++) {
        size_t n = 2 + (size_t)below(trial < 30 ? 300 : 6000);
        int32_t kt = 1 + below(12), kp = 1 + below(25);
        int32_t *t = malloc(n * sizeof *t), *p = malloc(n * sizeof *p);
        for (size_t i = 0; i < n; i++) {
            t[i] = trial % 3 == 0 ? (int32_t)(uniform() * uniform() * kt) : below(kt);
            p[i] = trial % 4 == 0 ? (int32_t)i : below(kp);
        }
        RnContingency c;
        table_from(t, p, n, &c);
        double fast, ref;
        CHECK(rn_expected_mutual_info(&c, &fast, NULL));
        CHECK(rn_expected_mutual_info_reference(&c, &ref, NULL));
        CHECK_MSG(fabs(fast - ref) <= 1e-12 * fmax(1.0, fabs(ref)),
                  "n=%zu: %.17g vs %.17g", n, fast, ref);
        rn_contingency_free(&c);
        free(t);
        free(p);
    }
}

/* Pair counts at n = 10^7 (n² = 10^14 pairs) against closed forms. */
static void test_large_pairs(void)
{
    const size_t n = 10000000;
    int32_t *t = malloc(n * sizeof *t), *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        t[i] = (int32_t)(i % 2);
        p[i] = (int32_t)(i % 5);
    }
    RnContingency c;
    CHECK(rn_contingency_build(t, 2, p, 5, n, &c, NULL));
    int64_t C[2][2];
    rn_pair_confusion_matrix(&c, C);
    /* ten cells of 10^6: TP = 10^13 - 10^7, FP = 10^13, FN = 4·10^13, TN = 4·10^13 */
    CHECK_EQ_INT(C[1][1], 10000000000000LL - 10000000LL);
    CHECK_EQ_INT(C[0][1], 10000000000000LL);
    CHECK_EQ_INT(C[1][0], 40000000000000LL);
    CHECK_EQ_INT(C[0][0], 40000000000000LL);
    long double num = -8e20L, den = 5e27L - 1.3e21L;
    double ari = rn_adjusted_rand_score_table(&c);
    CHECK_MSG(fabsl((long double)ari - num / den) <= 1e-15L * fabsl(num / den), "%.17g", ari);
    rn_contingency_free(&c);

    /* all singletons against one class (10^7 nonzero cells): ARI exactly 0 */
    for (size_t i = 0; i < n; i++) {
        t[i] = 0;
        p[i] = (int32_t)i;
    }
    CHECK(rn_contingency_build(t, 1, p, n, n, &c, NULL));
    CHECK_EQ_INT(c.nnz, n);
    CHECK(rn_adjusted_rand_score_table(&c) == 0.0);
    CHECK(rn_fowlkes_mallows_score(&c) == 0.0);
    CHECK_NEAR(rn_purity_score(&c), 1.0, 0);
    rn_contingency_free(&c);
    free(t);
    free(p);
}

static void fill_points(double *x, int32_t *lab, size_t n, size_t d, int32_t k,
                        bool integer)
{
    for (size_t i = 0; i < n; i++) {
        lab[i] = below(k);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = integer ? (double)below(3)
                                   : 3.0 * lab[i] * (j % 2 ? 1 : -1) + uniform() * 4 - 2;
    }
}

/* Blocked, threaded silhouette against the naive O(n²) one: sizes around
 * the tile edges (128 rows, 512 columns), every distance, both dtypes. */
static void test_silhouette_vs_reference(void)
{
    const size_t ns[] = {3, 127, 129, 515, 700};
    const size_t ds[] = {1, 3, 40};
    for (size_t a = 0; a < 5; a++) {
        for (size_t b = 0; b < 3; b++) {
            size_t n = ns[a], d = ds[b];
            int32_t k = n == 3 ? 2 : 2 + below(6);
            double *x = malloc(n * d * sizeof *x), *fast = malloc(n * sizeof *fast),
                   *ref = malloc(n * sizeof *ref);
            float *xf = malloc(n * d * sizeof *xf);
            int32_t *lab = malloc(n * sizeof *lab);
            fill_points(x, lab, n, d, k, a == 2);
            if (n == 3) { lab[0] = 0; lab[1] = 1; lab[2] = 1; }
            if (n > 200) lab[7] = 1000; /* a singleton cluster */
            for (size_t i = 0; i < n * d; i++)
                xf[i] = (float)x[i];
            for (int dist = 0; dist < 3; dist++) {
                RnMatrix X64 = {x, n, d, 0, RN_DTYPE_F64}, X32 = {xf, n, d, 0, RN_DTYPE_F32};
                CHECK(rn_silhouette_samples_reference(&X64, lab, dist, ref, NULL));
                CHECK(rn_silhouette_samples(&X64, lab, dist, a % 2 ? pool2 : NULL, fast, NULL));
                double worst = 0;
                for (size_t i = 0; i < n; i++)
                    worst = fmax(worst, fabs(fast[i] - ref[i]));
                CHECK_MSG(worst <= 1e-9, "f64 n=%zu d=%zu dist=%d: %.3g", n, d, dist, worst);
                CHECK(rn_silhouette_samples(&X32, lab, dist, pool2, fast, NULL));
                worst = 0;
                for (size_t i = 0; i < n; i++)
                    worst = fmax(worst, fabs(fast[i] - ref[i]));
                CHECK_MSG(worst <= 2e-4, "f32 n=%zu d=%zu dist=%d: %.3g", n, d, dist, worst);
            }
            free(x); free(xf); free(fast); free(ref); free(lab);
        }
    }
}

/* The same bits for 1..4 threads (ordered additions in the symmetric pass,
 * one-way rows in the sampled one), and a strided view gives the same
 * result as a contiguous copy. */
static void test_silhouette_determinism(void)
{
    size_t n = 1300, d = 5, wide = 8; /* 6 blocks of 256 rows */
    double *x = malloc(n * wide * sizeof *x), *xc = malloc(n * d * sizeof *xc);
    double *s1 = malloc(n * sizeof *s1), *st = malloc(n * sizeof *st);
    int32_t *lab = malloc(n * sizeof *lab);
    fill_points(xc, lab, n, d, 7, false);
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < wide; t++)
            x[i * wide + t] = t < d ? xc[i * d + t] : NAN;
    RnMatrix X = {xc, n, d, 0, RN_DTYPE_F64}, W = {x, n, d, wide, RN_DTYPE_F64};
    for (int dist = 0; dist < 3; dist++) {
        CHECK(rn_silhouette_samples(&X, lab, dist, NULL, s1, NULL));
        for (int t = 2; t <= 4; t++) {
            RnPool *pool = rn_pool_open(t, NULL);
            CHECK(rn_silhouette_samples(&W, lab, dist, pool, st, NULL));
            CHECK_MSG(memcmp(s1, st, n * sizeof *st) == 0, "dist %d, %d threads", dist, t);
            RnSilhouetteEstimate a, b;
            CHECK(rn_silhouette_sampled(&X, lab, dist, 300, 3, 4, NULL, &a, NULL));
            CHECK(rn_silhouette_sampled(&W, lab, dist, 300, 3, 4, pool, &b, NULL));
            CHECK(memcmp(&a.mean, &b.mean, sizeof a.mean) == 0 && a.sd == b.sd);
            rn_pool_close(pool);
        }
    }
    free(x); free(xc); free(s1); free(st); free(lab);
}

typedef struct ProgressLog {
    int calls;
    uint64_t last_done, total;
    bool monotonic;
} ProgressLog;

static void log_progress(void *ctx, uint64_t done, uint64_t total)
{
    ProgressLog *l = ctx;
    l->monotonic = l->monotonic && done >= l->last_done && done <= total;
    l->calls++;
    l->last_done = done;
    l->total = total;
}

/* Progress reaches the total only from the calling thread; with one thread
 * every unit is reported: 600 items = 3 blocks -> 3·4/2 = 6 tiles. */
static void test_progress(const RnMatrix *X, const int32_t *lab)
{
    ProgressLog log = {0, 0, 0, true};
    RnSilhouetteOptions opt = {RN_DISTANCE_EUCLIDEAN, NULL, log_progress, &log, NULL};
    double *s = malloc(X->rows * sizeof *s);
    CHECK(rn_silhouette_samples_opt(X, lab, &opt, s, NULL));
    CHECK(log.monotonic && log.calls == 4); /* 3 block rows and the end */
    CHECK_EQ_INT(log.total, 6);
    CHECK_EQ_INT(log.last_done, 6);
    RnSilhouetteEstimate e;
    log = (ProgressLog){0, 0, 0, true};
    CHECK(rn_silhouette_sampled_opt(X, lab, 300, 2, 5, &opt, &e, NULL));
    CHECK(log.monotonic && log.last_done == 600 && log.total == 600);
    free(s);
}

static void test_silhouette_sampled_and_errors(void)
{
    size_t n = 600, d = 4;
    double *x = malloc(n * d * sizeof *x);
    int32_t *lab = malloc(n * sizeof *lab);
    fill_points(x, lab, n, d, 4, false);
    RnMatrix X = {x, n, d, 0, RN_DTYPE_F64};
    double exact;
    CHECK(rn_silhouette_score(&X, lab, RN_DISTANCE_EUCLIDEAN, pool2, &exact, NULL));
    RnSilhouetteEstimate e;
    /* every item sampled in each of 3 rounds: all rounds equal the exact score */
    CHECK(rn_silhouette_sampled(&X, lab, RN_DISTANCE_EUCLIDEAN, n, 3, 9, pool2, &e, NULL));
    CHECK_NEAR(e.mean, exact, 1e-12);
    CHECK_NEAR(e.sd, 0.0, 1e-12);
    CHECK(e.sample_size == n && e.repeats == 3);
    CHECK(rn_silhouette_sampled(&X, lab, RN_DISTANCE_EUCLIDEAN, 100, 25, 9, pool2, &e, NULL));
    CHECK(e.ci_low < e.mean && e.mean < e.ci_high);
    CHECK_MSG(e.ci_low <= exact && exact <= e.ci_high, "%g not in [%g, %g]", exact,
              e.ci_low, e.ci_high);
    test_progress(&X, lab);

    /* sklearn's label-count rule: 2 .. n-1 clusters */
    int32_t one[3] = {4, 4, 4}, all[3] = {1, 2, 3};
    RnMatrix X3 = {x, 3, d, 0, RN_DTYPE_F64};
    RnError *err = NULL;
    CHECK(!rn_silhouette_score(&X3, one, RN_DISTANCE_EUCLIDEAN, NULL, &exact, &err));
    CHECK(rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    CHECK(!rn_davies_bouldin_score(&X3, all, &exact, &err));
    CHECK(rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
    free(x);
    free(lab);
}

static void test_dispersion_and_stability(void)
{
    /* two tight pairs 10 apart: CH and DB by hand */
    double x[] = {0, 0, 0, 2, 10, 0, 10, 2};
    int32_t lab[] = {0, 0, 1, 1};
    RnMatrix X = {x, 4, 2, 0, RN_DTYPE_F64};
    double ch, db;
    CHECK(rn_calinski_harabasz_score(&X, lab, &ch, NULL));
    /* extra = 4·25 = 100, intra = 4·1 = 4: 100·(4-2) / (4·(2-1)) = 50 */
    CHECK_NEAR(ch, 50.0, 1e-12);
    CHECK(rn_davies_bouldin_score(&X, lab, &db, NULL));
    CHECK_NEAR(db, 0.2, 1e-12); /* (1 + 1) / 10 */

    const int32_t l0[] = {0, 0, 1, 1, 2, 2}, l1[] = {1, 1, 0, 0, 2, 2},
                  l2[] = {0, 1, 0, 1, 0, 1};
    const int32_t *sets[] = {l0, l1, l2};
    double mean, pair[9];
    CHECK(rn_seed_stability(sets, 3, 6, &mean, pair, NULL));
    double a02;
    CHECK(rn_adjusted_rand_score(l0, l2, 6, &a02, NULL));
    CHECK_NEAR(pair[1], 1.0, 0);
    CHECK_NEAR(pair[2], a02, 0);
    CHECK_NEAR(pair[4], 1.0, 0);
    CHECK_NEAR(mean, (1.0 + 2 * a02) / 3.0, 1e-15);
}

static void test_label_file(void)
{
    const char *csv = "\xEF\xBB\xBFid,\"Cluster\"\r\nx1,\"a,b\"\r\n\r\nx2,\"say \"\"hi\"\"\"\nx3,\n";
    RnLabelFile f;
    CHECK(rn_label_file_parse((const uint8_t *)csv, strlen(csv), NULL, &f, NULL));
    CHECK_EQ_INT(f.n, 3);
    if (f.n == 3) {
        CHECK_EQ_STR(f.ids[0], "x1");
        CHECK_EQ_STR(f.labels[0], "a,b");
        CHECK_EQ_STR(f.labels[1], "say \"hi\"");
        CHECK_EQ_STR(f.labels[2], "");
        CHECK_EQ_INT(f.line[1], 4);
    }
    const char *one = "label\n3\n1\n";
    RnLabelFile g;
    CHECK(rn_label_file_parse((const uint8_t *)one, strlen(one), NULL, &g, NULL));
    CHECK(g.ids == NULL && g.n == 2);
    size_t idx[3];
    RnError *err = NULL;
    CHECK(!rn_label_files_join(&f, "f", &g, "g", idx, &err));
    CHECK(rn_error_code(err) == RN_ERROR_PARSE);
    rn_error_free(err);
    rn_label_file_free(&f);
    rn_label_file_free(&g);
    err = NULL;
    const char *bad = "id,l\na,\xC3\x28\n";
    CHECK(!rn_label_file_parse((const uint8_t *)bad, strlen(bad), NULL, &f, &err));
    CHECK(err && strstr(rn_error_message(err), "line 2") != NULL);
    rn_error_free(err);
}

int main(void)
{
    pool2 = rn_pool_open(2, NULL);
    test_known_values();
    test_encoding();
    test_contingency();
    test_emi();
    test_large_pairs();
    test_silhouette_vs_reference();
    test_silhouette_sampled_and_errors();
    test_silhouette_determinism();
    test_dispersion_and_stability();
    test_label_file();
    rn_pool_close(pool2);
    TEST_DONE();
}
