/* MissForest imputation (meta_impute.c) and its forests (forest.c): the
 * split search finds an exact step, imputation recovers a known relation
 * far better than the mean, fits are the same bits for any thread count,
 * a saved model imputes exactly as the fitted one, and damaged payloads
 * are refused or harmless. */
#include "embed/meta_impute.h"
#include "rn_test.h"

#include <stdlib.h>

static uint64_t state = 99;
static double urand(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(state >> 11) / 9007199254740992.0;
}

/* A depth-1 tree over every predictor: y steps at x0 = 0.3 on a grid of 11
 * values, the other predictors are noise; every grid value is in the
 * bootstrap sample, so the best split is the step and predictions are exact. */
static void test_stump(void)
{
    enum { N = 500, D = 4 };
    double *X = calloc(N * D, sizeof *X);
    size_t rows[N];
    for (size_t i = 0; i < N; i++) {
        double x = (double)(i % 11) / 10;
        X[i * D] = x;
        X[i * D + 1] = urand();
        X[i * D + 2] = urand();
        X[i * D + 3] = x > 0.3 ? 3.0 : 1.0;
        rows[i] = i;
    }
    RnForestOptions o = rn_forest_options_default();
    o.trees = 3;
    o.max_depth = 1;
    o.max_features = D - 1;
    o.min_leaf = 1;
    RnForest f;
    RnError *err = NULL;
    RnForestData data = {X, D, 3, rows, N};
    CHECK(rn_forest_fit(&f, &data, &o, 5, NULL, &err));
    size_t wrong = 0;
    for (size_t i = 0; i < N; i++)
        wrong += rn_forest_predict(&f, X + i * D) != X[i * D + 3];
    CHECK_EQ_INT(wrong, 0);
    for (size_t t = 0; t < f.n_trees; t++)
        CHECK(f.trees[t].n == 3 && f.trees[t].nodes[0].feature == 0 &&
              f.trees[t].nodes[0].value > 0.3 && f.trees[t].nodes[0].value < 0.4);
    rn_forest_free(&f);
    free(X);
}

/* The presorted grower against the plain one that sorts at every node:
 * integer targets make every sum exact, so both grow the same nodes, with
 * ties in the predictors (small grids) and a third of them tried per node. */
static void test_reference(void)
{
    enum { N = 300, D = 6 };
    double *X = calloc(N * D, sizeof *X);
    size_t rows[N / 2];
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < D; j++)
            X[i * D + j] = j == 0 ? (double)(int)(urand() * 20) : (double)(int)(urand() * (3 + j * 5));
    for (size_t i = 0; i < N / 2; i++)
        rows[i] = 2 * i;
    size_t same = 0, trees = 0;
    for (size_t target = 0; target < D; target++)
        for (size_t variant = 0; variant < 3; variant++) {
            RnForestOptions o = rn_forest_options_default();
            o.max_features = variant == 0 ? 0 : 2;
            o.max_samples = variant == 2 ? 64 : 0;
            o.min_leaf = variant + 1;
            o.max_depth = variant == 1 ? 3 : 16;
            RnForestData data = {X, D, target, rows, N / 2};
            for (size_t t = 0; t < 4; t++, trees++) {
                RnForestTree fast, ref;
                bool ok = rn_forest_grow(&fast, &data, &o, 11, t, NULL) &&
                          rn_forest_grow_ref(&ref, &data, &o, 11, t, NULL);
                same += ok && fast.n == ref.n && fast.n > 1 &&
                        memcmp(fast.nodes, ref.nodes, fast.n * sizeof *fast.nodes) == 0;
                free(fast.nodes);
                free(ref.nodes);
            }
        }
    CHECK_EQ_INT(same, trees);
    free(X);
}

/* Columns x0, x1, x2 (numeric), a one-hot category c0..c2, y = 2 x0 + c / 2
 * + noise (sd 0.02); y, x0 and x1 missing completely at random. */
enum { ROWS = 800, COLS = 7, Y = 6 };
static const bool numeric[COLS] = {true, true, true, false, false, false, true};

static void make_table(double *X, double *truth)
{
    for (size_t i = 0; i < ROWS; i++) {
        double *r = X + i * COLS;
        size_t c = (size_t)(urand() * 3);
        r[0] = urand();
        r[1] = urand();
        r[2] = urand();
        r[3] = c == 0;
        r[4] = c == 1;
        r[5] = c == 2;
        r[Y] = 2 * r[0] + 0.5 * (double)c + 0.02 * (urand() + urand() + urand() - 1.5) * 2;
        truth[i] = r[Y];
        if (urand() < 0.25)
            r[Y] = NAN;
        if (urand() < 0.10)
            r[0] = NAN;
        if (urand() < 0.15)
            r[1] = NAN;
    }
}

/* RMSE of the imputed y; only rows where x0 is observed when x0_known. */
static double rmse_y(const double *imputed, const double *masked, const double *truth,
                     bool x0_known)
{
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < ROWS; i++)
        if (isnan(masked[i * COLS + Y]) && !(x0_known && isnan(masked[i * COLS]))) {
            double e = imputed[i * COLS + Y] - truth[i];
            sum += e * e;
            k++;
        }
    return sqrt(sum / (double)(k ? k : 1));
}

static bool fit(RnMetaImpute *m, RnMetaImputer kind, int threads, const double *masked,
                double *out)
{
    RnMetaImputeOptions o = rn_meta_impute_options_default();
    o.kind = kind;
    o.seed = 17;
    o.threads = threads;
    memcpy(out, masked, sizeof(double) * ROWS * COLS);
    RnError *err = NULL;
    bool ok = rn_meta_impute_fit(m, &o, out, ROWS, COLS, numeric, &err);
    CHECK_MSG(ok, "%s", err ? rn_error_message(err) : "");
    rn_error_free(err);
    return ok;
}

static bool payload_of(const RnMetaImpute *m, RnBuf *b)
{
    *b = (RnBuf)RN_BUF_INIT;
    return rn_meta_impute_save(m, b, NULL);
}

/* Every truncation is refused; a flipped byte is refused or gives a model
 * that still imputes every row (preorder nodes cannot loop). */
static void check_damage(const RnBuf *b, const double *masked)
{
    size_t refused = 0, loaded = 0;
    double *X = malloc(sizeof(double) * ROWS * COLS);
    for (size_t len = 0; len < b->len; len += 1 + len / 64) {
        EbReader r;
        eb_reader_init(&r, b->data, len);
        RnMetaImpute m = {0};
        bool ok = rn_meta_impute_load(&m, &r, COLS, NULL) && eb_reader_done(&r, NULL);
        refused += !ok;
        rn_meta_impute_free(&m);
    }
    uint8_t *copy = malloc(b->len);
    for (size_t at = 0; at < b->len; at += 1 + at / 32) {
        memcpy(copy, b->data, b->len);
        copy[at] ^= 0xA5;
        EbReader r;
        eb_reader_init(&r, copy, b->len);
        RnMetaImpute m = {0};
        if (rn_meta_impute_load(&m, &r, COLS, NULL)) {
            memcpy(X, masked, sizeof(double) * ROWS * COLS);
            loaded += rn_meta_impute_apply(&m, X, 8, NULL);
        }
        rn_meta_impute_free(&m);
    }
    size_t truncations = 0;
    for (size_t len = 0; len < b->len; len += 1 + len / 64)
        truncations++;
    CHECK_EQ_INT(refused, truncations);
    fprintf(stderr, "damage: %zu truncations refused; %zu flipped payloads still loaded\n",
            refused, loaded);
    free(copy);
    free(X);
}

static void test_missforest(void)
{
    size_t cells = ROWS * COLS;
    double *masked = malloc(sizeof(double) * cells), *truth = malloc(sizeof(double) * ROWS);
    double *mean = malloc(sizeof(double) * cells), *one = malloc(sizeof(double) * cells);
    double *three = malloc(sizeof(double) * cells), *again = malloc(sizeof(double) * cells);
    double *reloaded = malloc(sizeof(double) * cells);
    make_table(masked, truth);
    RnMetaImpute m_mean = {0}, m1 = {0}, m3 = {0}, loaded = {0};
    if (!fit(&m_mean, RN_META_IMPUTE_MEAN, 1, masked, mean) ||
        !fit(&m1, RN_META_IMPUTE_MISSFOREST, 1, masked, one) ||
        !fit(&m3, RN_META_IMPUTE_MISSFOREST, 3, masked, three))
        return;
    double e_mean = rmse_y(mean, masked, truth, false);
    double e_forest = rmse_y(one, masked, truth, false);
    double e_known = rmse_y(one, masked, truth, true);
    fprintf(stderr, "y RMSE: mean %.4f, missforest %.4f (%.4f where x0 is known; %u passes)\n",
            e_mean, e_forest, e_known, m1.passes);
    /* y's spread is ~0.7 (2·U(0,1) plus a 0.5-step category). Where x0 is
     * known, trees of >= 3 samples on ~600 rows (~200 per category, x0
     * steps of ~0.005) follow 2 x0 + c/2 to a few hundredths; where x0 is
     * missing too (10 % of rows) only the category is left, sd ~0.58 there,
     * about 0.18 of RMSE overall. */
    CHECK(e_known < 0.1);
    CHECK(e_forest < 0.35 * e_mean);
    CHECK(m1.passes >= 1 && m1.passes <= 10);
    CHECK(memcmp(one, three, sizeof(double) * cells) == 0);
    RnBuf b1, b3;
    CHECK(payload_of(&m1, &b1) && payload_of(&m3, &b3));
    CHECK(b1.len == b3.len && memcmp(b1.data, b3.data, b1.len) == 0);
    /* new rows: the stored forests recover y too, and a reload imputes the same bits */
    memcpy(again, masked, sizeof(double) * cells);
    memcpy(reloaded, masked, sizeof(double) * cells);
    EbReader r;
    eb_reader_init(&r, b1.data, b1.len);
    CHECK(rn_meta_impute_load(&loaded, &r, COLS, NULL) && eb_reader_done(&r, NULL));
    CHECK(rn_meta_impute_apply(&m1, again, ROWS, NULL) &&
          rn_meta_impute_apply(&loaded, reloaded, ROWS, NULL));
    CHECK(memcmp(again, reloaded, sizeof(double) * cells) == 0);
    double e_apply = rmse_y(again, masked, truth, true);
    fprintf(stderr, "y RMSE of rows imputed by the stored forests (x0 known): %.4f\n", e_apply);
    CHECK(e_apply < 0.1);
    size_t nan = 0;
    for (size_t i = 0; i < cells; i++)
        nan += isnan(again[i]) || isnan(one[i]);
    CHECK_EQ_INT(nan, 0);
    check_damage(&b1, masked);
    rn_buf_free(&b1);
    rn_buf_free(&b3);
    rn_meta_impute_free(&m_mean);
    rn_meta_impute_free(&m1);
    rn_meta_impute_free(&m3);
    rn_meta_impute_free(&loaded);
    free(masked);
    free(truth);
    free(mean);
    free(one);
    free(three);
    free(again);
    free(reloaded);
}

int main(void)
{
    test_stump();
    test_reference();
    test_missforest();
    TEST_DONE();
}
