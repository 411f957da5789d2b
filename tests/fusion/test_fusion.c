/* Fusion: scaling and weights by hand, explicit missing rows (NaN rows and
 * the text sources' "no report" row) with renormalised weights, bad values,
 * PCA as a rotation, model file round trip and corruption. */
#include "radnet/fusion.h"
#include "rn_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N 40

static float A[N * 3], B[N * 4];

static void fill(void)
{
    RnRng r = rn_rng_new(7);
    for (size_t i = 0; i < N * 3; i++)
        A[i] = (float)(rn_rng_normal(&r) * 5 + 2);
    for (size_t i = 0; i < N * 4; i++)
        B[i] = (float)(rn_rng_normal(&r) * 0.01);
}

static void inputs2(RnFusionInput in[2], const float *a, const float *b)
{
    in[0] = (RnFusionInput){.name = "image-pca",
                            .x = {.data = a, .rows = N, .cols = 3, .dtype = RN_DTYPE_F32}};
    in[1] = (RnFusionInput){.name = "text-tfidf",
                            .x = {.data = b, .rows = N, .cols = 4, .dtype = RN_DTYPE_F32},
                            .missing = RN_FUSION_INDICATOR_LAST};
}

static double block_norm2(const float *row, size_t from, size_t to)
{
    double s = 0;
    for (size_t j = from; j < to; j++)
        s += (double)row[j] * row[j];
    return s;
}

/* Every present block has squared length w², whatever its units. */
static void test_l2_weights(void)
{
    RnFusionInput in[2];
    inputs2(in, A, B);
    double w[2] = {2.0, 0.5};
    RnFusionOptions o = {.scale = RN_FUSION_SCALE_L2, .weights = w};
    RnError *err = NULL;
    RnFusionModel *m = rn_fusion_fit(in, 2, &o, &err);
    CHECK(m != NULL);
    CHECK_EQ_INT(rn_fusion_dim(m), 7);
    float out[N * 7];
    uint64_t missing = 99;
    CHECK(rn_fusion_transform(m, in, 2, out, &missing, &err));
    CHECK_EQ_INT(missing, 0);
    for (size_t i = 0; i < N; i++) {
        CHECK_NEAR(block_norm2(out + i * 7, 0, 3), 4.0, 1e-5);
        CHECK_NEAR(block_norm2(out + i * 7, 3, 7), 0.25, 1e-6);
    }
    /* By hand for row 0, block 0: (x - mean) / |x - mean| · 2. */
    double mean[3] = {0}, v[3], n2 = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < 3; j++)
            mean[j] += A[i * 3 + j] / (double)N;
    for (size_t j = 0; j < 3; j++) {
        v[j] = A[j] - (float)mean[j];
        n2 += v[j] * v[j];
    }
    for (size_t j = 0; j < 3; j++)
        CHECK_NEAR(out[j], 2.0 * v[j] / sqrt(n2), 1e-5);
    rn_fusion_model_free(m);
    CHECK(err == NULL);
}

/* A NaN row and a "no report" row are missing: the block is 0 and the
 * other source carries the whole squared length; never a silent zero. */
static void test_missing(void)
{
    static float a[N * 3], b[N * 4];
    memcpy(a, A, sizeof a);
    memcpy(b, B, sizeof b);
    for (size_t j = 0; j < 3; j++)
        a[5 * 3 + j] = NAN;                   /* row 5: no pixels */
    memset(b + 9 * 4, 0, 4 * sizeof *b);      /* row 9: "no report" */
    b[9 * 4 + 3] = 1.0f;
    RnFusionInput in[2];
    inputs2(in, a, b);
    double w[2] = {1.0, 3.0};
    RnFusionOptions o = {.scale = RN_FUSION_SCALE_L2, .weights = w};
    RnError *err = NULL;
    RnFusionModel *m = rn_fusion_fit(in, 2, &o, &err);
    CHECK(m != NULL);
    float out[N * 7];
    uint64_t missing = 0;
    CHECK(rn_fusion_transform(m, in, 2, out, &missing, &err));
    CHECK_EQ_INT(missing, 2);
    CHECK_NEAR(block_norm2(out + 5 * 7, 0, 3), 0.0, 0);
    CHECK_NEAR(block_norm2(out + 5 * 7, 3, 7), 10.0, 1e-4);  /* 1 + 9 */
    CHECK_NEAR(block_norm2(out + 9 * 7, 3, 7), 0.0, 0);
    CHECK_NEAR(block_norm2(out + 9 * 7, 0, 3), 10.0, 1e-4);
    CHECK_NEAR(block_norm2(out + 0 * 7, 0, 7), 10.0, 1e-4);
    /* The present rows alone define the means: the NaN row does not poison
     * them, the indicator row does not shift the text mean. */
    for (size_t i = 0; i < N * 7; i++)
        CHECK_MSG(isfinite(out[i]), "element %zu not finite", i);
    rn_fusion_model_free(m);

    /* Without the indicator convention the "no report" row is data. */
    in[1].missing = RN_FUSION_MISSING_NAN;
    m = rn_fusion_fit(in, 2, &o, &err);
    CHECK(m && rn_fusion_transform(m, in, 2, out, &missing, &err));
    CHECK_EQ_INT(missing, 1);
    rn_fusion_model_free(m);
    CHECK(err == NULL);
}

static void expect_fit_error(RnFusionInput *in, size_t n, const char *what)
{
    RnFusionOptions o = {0};
    RnError *err = NULL;
    RnFusionModel *m = rn_fusion_fit(in, n, &o, &err);
    CHECK_MSG(m == NULL && err != NULL, "%s accepted", what);
    rn_fusion_model_free(m);
    rn_error_free(err);
}

/* Which inputs carry an explicit missing row: text sources and
 * meta-anatomy by name, every other input only all-NaN rows. */
static void test_missing_rule(void)
{
    CHECK(rn_fusion_input_missing("text-tfidf") == RN_FUSION_INDICATOR_LAST);
    CHECK(rn_fusion_input_missing("text-doc2vec") == RN_FUSION_INDICATOR_LAST);
    CHECK(rn_fusion_input_missing("meta-anatomy") == RN_FUSION_INDICATOR_LAST);
    CHECK(rn_fusion_input_missing("meta-modality") == RN_FUSION_MISSING_NAN);
    CHECK(rn_fusion_input_missing("meta-text-tags") == RN_FUSION_MISSING_NAN);
    CHECK(rn_fusion_input_missing("image-hog") == RN_FUSION_MISSING_NAN);
}

static void test_bad_values(void)
{
    static float a[N * 3], b[N * 4];
    RnFusionInput in[2];
    memcpy(a, A, sizeof a);
    memcpy(b, B, sizeof b);
    inputs2(in, a, b);
    a[3 * 3 + 1] = NAN;                       /* partly NaN */
    expect_fit_error(in, 2, "partly NaN row");
    a[3 * 3 + 1] = INFINITY;
    expect_fit_error(in, 2, "infinite value");
    memcpy(a, A, sizeof a);
    for (size_t j = 0; j < 3; j++)
        a[4 * 3 + j] = NAN;                   /* row 4 missing everywhere */
    memset(b + 4 * 4, 0, 4 * sizeof *b);
    b[4 * 4 + 3] = 1.0f;
    expect_fit_error(in, 2, "row missing from every input");
    memcpy(a, A, sizeof a);
    in[1].x.rows = N - 1;
    expect_fit_error(in, 2, "unequal rows");
    expect_fit_error(in, 0, "no inputs");
    inputs2(in, A, B);
    double w[2] = {1, 0};
    RnFusionOptions o = {.weights = w};
    RnError *err = NULL;
    CHECK(rn_fusion_fit(in, 2, &o, &err) == NULL && err);
    rn_error_free(err);
}

/* Standard scaling: a constant column stays 0; the mean squared length of
 * a block is w² (z-scores / sqrt(d)). */
static void test_standard(void)
{
    static float b[N * 4];
    memcpy(b, B, sizeof b);
    for (size_t i = 0; i < N; i++)
        b[i * 4 + 2] = 3.0f;
    RnFusionInput in[2];
    inputs2(in, A, b);
    in[1].missing = RN_FUSION_MISSING_NAN;
    RnFusionOptions o = {.scale = RN_FUSION_SCALE_STANDARD};
    RnError *err = NULL;
    RnFusionModel *m = rn_fusion_fit(in, 2, &o, &err);
    float out[N * 7];
    CHECK(m && rn_fusion_transform(m, in, 2, out, NULL, &err));
    double s0 = 0, s1 = 0;
    for (size_t i = 0; i < N; i++) {
        s0 += block_norm2(out + i * 7, 0, 3) / N;
        s1 += block_norm2(out + i * 7, 3, 7) / N;
        CHECK_NEAR(out[i * 7 + 5], 0.0, 0);
    }
    CHECK_NEAR(s0, 1.0, 1e-5);
    CHECK_NEAR(s1, 0.75, 1e-5); /* 3 of 4 columns vary */
    rn_fusion_model_free(m);
    CHECK(err == NULL);
}

static double dist2(const float *x, size_t d, size_t i, size_t j)
{
    double s = 0;
    for (size_t k = 0; k < d; k++)
        s += ((double)x[i * d + k] - x[j * d + k]) * ((double)x[i * d + k] - x[j * d + k]);
    return s;
}

/* PCA keeping every column is a rotation (distances kept); fewer columns
 * give descending variances. */
static void test_pca(void)
{
    RnFusionInput in[2];
    inputs2(in, A, B);
    RnError *err = NULL;
    RnFusionOptions o = {0};
    RnFusionModel *plain = rn_fusion_fit(in, 2, &o, &err);
    o.reduce = 7;
    RnFusionModel *full = rn_fusion_fit(in, 2, &o, &err);
    o.reduce = 3;
    RnFusionModel *r3 = rn_fusion_fit(in, 2, &o, &err);
    float x[N * 7], y[N * 7], z[N * 3];
    CHECK(plain && full && r3);
    CHECK(rn_fusion_transform(plain, in, 2, x, NULL, &err) &&
          rn_fusion_transform(full, in, 2, y, NULL, &err) &&
          rn_fusion_transform(r3, in, 2, z, NULL, &err));
    for (size_t i = 0; i < N; i += 3)
        for (size_t j = i + 1; j < N; j += 5)
            CHECK_NEAR(dist2(x, 7, i, j), dist2(y, 7, i, j), 1e-4);
    double var[3] = {0}, mean[3] = {0};
    for (size_t i = 0; i < N; i++)
        for (size_t c = 0; c < 3; c++)
            mean[c] += z[i * 3 + c] / N;
    for (size_t i = 0; i < N; i++)
        for (size_t c = 0; c < 3; c++)
            var[c] += (z[i * 3 + c] - mean[c]) * (z[i * 3 + c] - mean[c]);
    for (size_t c = 0; c < 3; c++)
        CHECK_NEAR(mean[c], 0.0, 1e-5);
    CHECK(var[0] >= var[1] && var[1] >= var[2] && var[2] > 0);
    o.reduce = 8;
    RnFusionModel *bad = rn_fusion_fit(in, 2, &o, &err);
    CHECK(bad == NULL && err);
    rn_error_free(err);
    rn_fusion_model_free(plain);
    rn_fusion_model_free(full);
    rn_fusion_model_free(r3);
}

/* m fitted from the two inputs with o: a second fit writes the same bytes
 * (into *file, the caller frees it), the reloaded model (returned; the
 * caller frees it) transforms the rows to x's bits, and every truncation
 * of the file is refused. x: m's output, N rows. */
static RnFusionModel *check_model_file(const RnFusionModel *m, const RnFusionInput *in,
                                       size_t n_in, const RnFusionOptions *o, RnBuf *file,
                                       float *x)
{
    RnError *err = NULL;
    RnFusionModel *again = rn_fusion_fit(in, n_in, o, &err);
    RnBuf b2 = RN_BUF_INIT;
    CHECK(m && again && rn_fusion_model_save_memory(m, file, &err) &&
          rn_fusion_model_save_memory(again, &b2, &err));
    CHECK(file->len == b2.len && memcmp(file->data, b2.data, file->len) == 0);
    RnFusionModel *l = rn_fusion_model_load_memory(file->data, file->len, &err);
    size_t values = m ? N * rn_fusion_dim(m) : 0;
    float *y = calloc(values + 1, sizeof *y);
    CHECK(l && y && rn_fusion_transform(m, in, n_in, x, NULL, &err) &&
          rn_fusion_transform(l, in, n_in, y, NULL, &err));
    CHECK(y && memcmp(x, y, values * sizeof *y) == 0);
    size_t refused = 0;
    for (size_t n = 0; n < file->len; n++) {
        RnError *e = NULL;
        RnFusionModel *t = rn_fusion_model_load_memory(file->data, n, &e);
        refused += t == NULL && e != NULL;
        rn_fusion_model_free(t);
        rn_error_free(e);
    }
    CHECK_EQ_INT(refused, file->len);
    CHECK(err == NULL);
    rn_error_free(err);
    free(y);
    rn_buf_free(&b2);
    rn_fusion_model_free(again);
    return l;
}

/* Save/load: same output bits; every truncation and every flipped byte is
 * refused; the same fit twice writes the same bytes. */
static void test_model_file(void)
{
    RnFusionInput in[2];
    inputs2(in, A, B);
    double w[2] = {1.5, 1};
    RnFusionOptions o = {.scale = RN_FUSION_SCALE_STANDARD, .weights = w, .reduce = 4};
    RnError *err = NULL;
    RnFusionModel *m = rn_fusion_fit(in, 2, &o, &err);
    RnBuf b = RN_BUF_INIT;
    float x[N * 4];
    RnFusionModel *l = check_model_file(m, in, 2, &o, &b, x);
    CHECK(l != NULL);
    CHECK(l && strcmp(rn_fusion_input_name(l, 1), "text-tfidf") == 0);
    CHECK(l && rn_fusion_input_weight(l, 0) == 1.5);
    size_t refused = 0;
    for (size_t i = 0; i < b.len; i++) {
        b.data[i] ^= 0x20;
        RnError *e = NULL;
        RnFusionModel *t = rn_fusion_model_load_memory(b.data, b.len, &e);
        refused += t == NULL && e != NULL;
        rn_fusion_model_free(t);
        rn_error_free(e);
        b.data[i] ^= 0x20;
    }
    CHECK_EQ_INT(refused, b.len);
    /* Inputs in another order or shape are refused. */
    RnFusionInput swapped[2] = {in[1], in[0]};
    CHECK(!rn_fusion_transform(l, swapped, 2, x, NULL, &err) && err);
    rn_error_free(err);
    rn_buf_free(&b);
    rn_fusion_model_free(m);
    rn_fusion_model_free(l);
}

/* ---- imputation --------------------------------------------------------- */

/* An older version of a model file: its payload without the last `cut`
 * bytes (the records that version lacks), re-framed. */
static void older_file(const RnBuf *file, uint32_t version, size_t cut, RnBuf *out)
{
    RnError *err = NULL;
    uint64_t len = rn_le64_load(file->data + 12) - cut;
    CHECK(rn_buf_append(out, file->data, 8, &err) && rn_buf_put_le32(out, version, &err) &&
          rn_buf_put_le32(out, (uint32_t)len, &err) &&
          rn_buf_put_le32(out, (uint32_t)(len >> 32), &err) &&
          rn_buf_append(out, file->data + 20, (size_t)len, &err) &&
          rn_buf_put_le32(out, rn_crc32(0, out->data, out->len), &err));
    CHECK(err == NULL);
}

/* Rows 3, 9, 17 and 30 of B missing (17 as NaN, the others as the "no
 * report" row); B's other rows mix two clusters, and A tells them apart. */
static void fill_impute(float *a, float *b)
{
    RnRng r = rn_rng_new(11);
    for (size_t i = 0; i < N; i++) {
        double side = i % 2 ? 3.0 : -3.0;
        for (size_t j = 0; j < 3; j++)
            a[i * 3 + j] = (float)(side + rn_rng_normal(&r));
        for (size_t j = 0; j < 3; j++)
            b[i * 4 + j] = (float)(side * (j + 1) + rn_rng_normal(&r));
        b[i * 4 + 3] = 0;
    }
    static const size_t gone[] = {3, 9, 30};
    for (size_t g = 0; g < 3; g++) {
        memset(b + gone[g] * 4, 0, 4 * sizeof *b);
        b[gone[g] * 4 + 3] = 1;
    }
    for (size_t j = 0; j < 4; j++)
        b[17 * 4 + j] = NAN;
}

/* Centred, unit-length rows of x (n × d, rows marked in skip left 0). */
static void unit_rows(const float *x, size_t d, const bool *skip, double *out)
{
    double mean[8] = {0};
    size_t present = 0;
    for (size_t i = 0; i < N; i++)
        if (!skip[i]) {
            present++;
            for (size_t j = 0; j < d; j++)
                mean[j] += x[i * d + j];
        }
    for (size_t j = 0; j < d; j++)
        mean[j] = (double)(float)(mean[j] / (double)present); /* the model keeps float means */
    for (size_t i = 0; i < N; i++) {
        double n2 = 0;
        for (size_t j = 0; j < d; j++) {
            out[i * d + j] = skip[i] ? 0 : x[i * d + j] - mean[j];
            n2 += out[i * d + j] * out[i * d + j];
        }
        for (size_t j = 0; j < d && n2 > 0; j++)
            out[i * d + j] /= sqrt(n2);
    }
}

/* A missing block is the mean weighted block of the k rows nearest in the
 * other blocks (a brute-force search here), with every row a reference
 * (N < RN_FUSION_IMPUTE_REFS); present blocks are as without imputation. */
static void test_impute(void)
{
    float a[N * 3], b[N * 4];
    fill_impute(a, b);
    RnFusionInput in[2];
    inputs2(in, a, b);
    double w[2] = {2, 1};
    const size_t k = 3;
    RnFusionOptions o = {.scale = RN_FUSION_SCALE_L2, .weights = w, .impute = k};
    RnError *err = NULL;
    RnFusionModel *m = rn_fusion_fit(in, 2, &o, &err);
    float out[N * 7];
    uint64_t missing = 0;
    CHECK(m && rn_fusion_transform(m, in, 2, out, &missing, &err));
    CHECK_EQ_INT(missing, 4);
    CHECK_EQ_INT(rn_fusion_model_impute(m), k);
    bool none[N] = {false}, gone[N] = {false};
    gone[3] = gone[9] = gone[17] = gone[30] = true;
    double ua[N * 3], ub[N * 4];
    unit_rows(a, 3, none, ua);
    unit_rows(b, 4, gone, ub);
    size_t imputed_right = 0;
    for (size_t i = 0; i < N; i++) {
        if (!gone[i]) {
            for (size_t j = 0; j < 4; j++)
                CHECK_NEAR(out[i * 7 + 3 + j], ub[i * 4 + j], 1e-5);
            continue;
        }
        size_t best[3];
        double best_d[3];
        size_t have = 0;
        for (size_t r = 0; r < N; r++) {
            if (gone[r])
                continue;
            double d = 0;
            for (size_t j = 0; j < 3; j++) {
                double v = w[0] * (ua[i * 3 + j] - ua[r * 3 + j]);
                d += v * v;
            }
            size_t at = have < k ? have++ : k;
            if (at == k && !(d < best_d[k - 1]))
                continue;
            at = at == k ? k - 1 : at;
            while (at > 0 && d < best_d[at - 1]) {
                best_d[at] = best_d[at - 1];
                best[at] = best[at - 1];
                at--;
            }
            best_d[at] = d;
            best[at] = r;
        }
        for (size_t j = 0; j < 4; j++) {
            double mean = 0;
            for (size_t q = 0; q < k; q++)
                mean += w[1] * ub[best[q] * 4 + j];
            CHECK_NEAR(out[i * 7 + 3 + j], mean / (double)k, 1e-5);
        }
        for (size_t j = 0; j < 3; j++) /* every block is there: no renormalisation */
            CHECK_NEAR(out[i * 7 + j], w[0] * ua[i * 3 + j], 1e-5);
        /* the neighbours come from the row's own cluster */
        imputed_right += (out[i * 7 + 3] > 0) == (i % 2 == 1);
    }
    CHECK_EQ_INT(imputed_right, 4);
    /* Fewer references with the block than k: the row stays missing. */
    RnFusionOptions big = o;
    big.impute = N;
    RnFusionModel *m2 = rn_fusion_fit(in, 2, &big, &err);
    CHECK(m2 && rn_fusion_transform(m2, in, 2, out, NULL, &err));
    CHECK_NEAR(block_norm2(out + 3 * 7, 3, 7), 0.0, 0);
    CHECK_NEAR(block_norm2(out + 3 * 7, 0, 3), 5.0, 1e-4); /* renormalised: 4 + 1 */
    big.impute = RN_FUSION_IMPUTE_MAX_K + 1;
    RnError *e = NULL;
    CHECK(rn_fusion_fit(in, 2, &big, &e) == NULL && e);
    rn_error_free(e);
    CHECK(err == NULL);
    rn_fusion_model_free(m);
    rn_fusion_model_free(m2);
}

/* With imputation and PCA: the same fit twice is the same bytes, a reload
 * the same output bits, every truncation refused; a version-1 file (no
 * imputation record) still loads and renormalises. */
static void test_impute_model_file(void)
{
    float a[N * 3], b[N * 4];
    fill_impute(a, b);
    RnFusionInput in[2];
    inputs2(in, a, b);
    RnFusionOptions o = {.scale = RN_FUSION_SCALE_L2, .reduce = 5, .impute = 4};
    RnError *err = NULL;
    RnFusionModel *m = rn_fusion_fit(in, 2, &o, &err);
    RnBuf b1 = RN_BUF_INIT;
    float x[N * 5], y[N * 5];
    RnFusionModel *l = check_model_file(m, in, 2, &o, &b1, x);
    CHECK(l != NULL);
    /* version 2: the payload without the map record (its lambda 0); the
     * same output bits */
    RnBuf v2 = RN_BUF_INIT;
    older_file(&b1, 2, 4, &v2);
    RnFusionModel *two = rn_fusion_model_load_memory(v2.data, v2.len, &err);
    CHECK(two && rn_fusion_model_impute(two) == 4 && rn_fusion_model_impute_map(two) == 0);
    CHECK(two && rn_fusion_transform(two, in, 2, y, NULL, &err));
    CHECK(memcmp(y, x, sizeof x) == 0);
    rn_fusion_model_free(two);
    rn_buf_free(&v2);
    /* version 1: also without the imputation record (k, refs, bits) */
    size_t record = 8 + 8 + (size_t)N * 7 * 4 + (size_t)N * 4 + 4;
    RnBuf v1 = RN_BUF_INIT;
    older_file(&b1, 1, record, &v1);
    RnFusionModel *old = rn_fusion_model_load_memory(v1.data, v1.len, &err);
    CHECK(old != NULL && rn_fusion_model_impute(old) == 0);
    CHECK(old && rn_fusion_transform(old, in, 2, y, NULL, &err));
    /* the same model without its imputation: complete rows unchanged, the
     * rows missing B renormalised instead */
    CHECK(memcmp(y, x, 5 * sizeof *y) == 0);
    CHECK(memcmp(y + 3 * 5, x + 3 * 5, 5 * sizeof *y) != 0);
    CHECK(err == NULL);
    rn_buf_free(&b1);
    rn_buf_free(&v1);
    rn_fusion_model_free(m);
    rn_fusion_model_free(l);
    rn_fusion_model_free(old);
}

/* ---- imputation by a map from the pixels --------------------------------- */

/* Rows in two Modality groups (every third row in the second); the report
 * block a linear function of the pixels, another per group, plus noise;
 * rows 4, 5, 21, 22 without a report, row 8 without pixels or report. */
#define MD 9 /* 2 + 3 + 4 columns */
static float MM[N * 2], MI[N * 3], MY[N * 4];

static const double map_coef[2][3][3] = {{{1, -2, 0.5}, {0, 1, 1}, {-1, 0, 2}},
                                         {{-1, 0, 1}, {2, 2, 0}, {0.5, -1, -1}}};

/* Row i's report block before it was erased, without the noise. */
static void map_truth(size_t i, double *y)
{
    for (size_t j = 0; j < 3; j++) {
        y[j] = 0;
        for (size_t c = 0; c < 3; c++)
            y[j] += map_coef[i % 3 == 0][j][c] * MI[i * 3 + c];
    }
    y[3] = 0;
}

static void fill_map(RnFusionInput in[3])
{
    RnRng r = rn_rng_new(5);
    for (size_t i = 0; i < N; i++) {
        size_t g = i % 3 == 0;
        MM[i * 2] = (float)!g;
        MM[i * 2 + 1] = (float)g;
        for (size_t c = 0; c < 3; c++)
            MI[i * 3 + c] = (float)rn_rng_normal(&r);
        for (size_t j = 0; j < 3; j++) {
            double v = 0.05 * rn_rng_normal(&r);
            for (size_t c = 0; c < 3; c++)
                v += map_coef[g][j][c] * MI[i * 3 + c];
            MY[i * 4 + j] = (float)v;
        }
        MY[i * 4 + 3] = 0;
    }
    static const size_t gone[] = {4, 5, 8, 21, 22};
    for (size_t q = 0; q < 5; q++) {
        memset(MY + gone[q] * 4, 0, 4 * sizeof *MY);
        MY[gone[q] * 4 + 3] = 1;
    }
    for (size_t c = 0; c < 3; c++)
        MI[8 * 3 + c] = NAN;
    in[0] = (RnFusionInput){.name = "meta-modality",
                            .x = {.data = MM, .rows = N, .cols = 2, .dtype = RN_DTYPE_F32}};
    in[1] = (RnFusionInput){.name = "image-hog",
                            .x = {.data = MI, .rows = N, .cols = 3, .dtype = RN_DTYPE_F32}};
    in[2] = (RnFusionInput){.name = "text-tfidf",
                            .x = {.data = MY, .rows = N, .cols = 4, .dtype = RN_DTYPE_F32},
                            .missing = RN_FUSION_INDICATOR_LAST};
}

/* Solves a x = b (n <= 8 unknowns, `cols` right-hand sides) by Gauss-Jordan
 * elimination with partial pivoting: the oracle of the fit's Cholesky. */
static void gauss_solve(double *a, size_t n, double *b, size_t cols)
{
    for (size_t c = 0; c < n; c++) {
        size_t p = c;
        for (size_t i = c + 1; i < n; i++)
            if (fabs(a[i * n + c]) > fabs(a[p * n + c]))
                p = i;
        for (size_t j = 0; j < n; j++) {
            double t = a[c * n + j];
            a[c * n + j] = a[p * n + j];
            a[p * n + j] = t;
        }
        for (size_t j = 0; j < cols; j++) {
            double t = b[c * cols + j];
            b[c * cols + j] = b[p * cols + j];
            b[p * cols + j] = t;
        }
        for (size_t i = 0; i < n; i++) {
            if (i == c)
                continue;
            double f = a[i * n + c] / a[c * n + c];
            for (size_t j = 0; j < n; j++)
                a[i * n + j] -= f * a[c * n + j];
            for (size_t j = 0; j < cols; j++)
                b[i * cols + j] -= f * b[c * cols + j];
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < cols; j++)
            b[i * cols + j] /= a[i * n + i];
}

/* A row without a report gets [its weighted pixel block, 1] · W, W the
 * ridge solution over the rows of its group that have both (every row is a
 * reference, N < RN_FUSION_IMPUTE_REFS); row 8 (no pixels) the neighbours'
 * block, as every row does without the map; a model file round trip. */
/* The same inputs fused with the map (lambda, neighbours k = 3; options
 * *o) into out and with the neighbours alone into knn: *m and *k the two
 * models. */
static void fit_map_and_knn(const RnFusionInput *in, size_t n, const double *w, double lambda,
                            RnFusionOptions *o, RnFusionModel **m, RnFusionModel **k,
                            float *out, float *knn)
{
    *o = (RnFusionOptions){.scale = RN_FUSION_SCALE_L2, .weights = w, .impute = 3,
                           .impute_map = lambda};
    RnFusionOptions plain = *o;
    plain.impute_map = 0;
    RnError *err = NULL;
    *m = rn_fusion_fit(in, n, o, &err);
    *k = rn_fusion_fit(in, n, &plain, &err);
    CHECK(*m && *k && rn_fusion_transform(*m, in, n, out, NULL, &err) &&
          rn_fusion_transform(*k, in, n, knn, NULL, &err));
    rn_error_free(err);
}

static void test_impute_map(void)
{
    RnFusionInput in[3];
    fill_map(in);
    double w[3] = {3, 1, 1.5}, lambda = 0.1;
    RnError *err = NULL;
    RnFusionOptions o;
    RnFusionModel *m, *k;
    static float out[N * MD], knn[N * MD];
    fit_map_and_knn(in, 3, w, lambda, &o, &m, &k, out, knn);
    CHECK(m && fabs(rn_fusion_model_impute_map(m) - lambda) < 1e-7);
    bool no_img[N] = {false}, no_y[N] = {false};
    no_img[8] = true;
    no_y[4] = no_y[5] = no_y[8] = no_y[21] = no_y[22] = true;
    double ui[N * 3], uy[N * 4];
    unit_rows(MI, 3, no_img, ui);
    unit_rows(MY, 4, no_y, uy);
    double mean[4] = {0}, dm = 0, dk = 0; /* the report block's mean, as the model's */
    for (size_t i = 0; i < N; i++)
        for (size_t c = 0; c < 4 && !no_y[i]; c++)
            mean[c] += MY[i * 4 + c] / (double)(N - 5);
    for (size_t g = 0; g < 2; g++) {
        double a[4 * 4] = {0}, b[4 * 4] = {0};
        for (size_t i = 0; i < N; i++) {
            if ((i % 3 == 0) != g || no_img[i] || no_y[i])
                continue;
            double x[4] = {w[1] * ui[i * 3], w[1] * ui[i * 3 + 1], w[1] * ui[i * 3 + 2], 1};
            for (size_t p = 0; p < 4; p++)
                for (size_t q = 0; q < 4; q++) {
                    a[p * 4 + q] += x[p] * x[q];
                    b[p * 4 + q] += x[p] * w[2] * uy[i * 4 + q];
                }
        }
        for (size_t p = 0; p < 4; p++)
            a[p * 4 + p] += lambda;
        gauss_solve(a, 4, b, 4);
        for (size_t i = 0; i < N; i++) {
            if ((i % 3 == 0) != g || !no_y[i] || no_img[i])
                continue;
            double x[4] = {w[1] * ui[i * 3], w[1] * ui[i * 3 + 1], w[1] * ui[i * 3 + 2], 1};
            for (size_t c = 0; c < 4; c++) {
                double v = 0;
                for (size_t p = 0; p < 4; p++)
                    v += x[p] * b[p * 4 + c];
                CHECK_NEAR(out[i * MD + 5 + c], v, 1e-5);
            }
            /* against the row's own (erased) block */
            double y[4], n2 = 0;
            map_truth(i, y);
            for (size_t c = 0; c < 4; c++)
                n2 += (y[c] - mean[c]) * (y[c] - mean[c]);
            for (size_t c = 0; c < 4; c++) {
                double t = w[2] * (y[c] - mean[c]) / sqrt(n2);
                dm += (out[i * MD + 5 + c] - t) * (out[i * MD + 5 + c] - t);
                dk += (knn[i * MD + 5 + c] - t) * (knn[i * MD + 5 + c] - t);
            }
        }
    }
    /* the map found the pixels' relation: the rows' own blocks are nearer
     * to it than to the neighbours' mean */
    CHECK(dm < dk / 2);
    /* row 8 has no pixels: the neighbours, as without the map; the rows
     * with every block are the same bits */
    for (size_t i = 0; i < N; i++)
        if (!no_y[i] || i == 8)
            CHECK(memcmp(out + i * MD, knn + i * MD, MD * sizeof *out) == 0);
    RnBuf file = RN_BUF_INIT;
    float x[N * MD];
    RnFusionModel *l = check_model_file(m, in, 3, &o, &file, x);
    CHECK(l && fabs(rn_fusion_model_impute_map(l) - lambda) < 1e-7);
    /* A map record that parses but does not fit the inputs' names is
     * refused (the checksum made right). Bytes counted from the file's end
     * (1: the CRC's last): the CRC, the maps (2 groups × 4 × 4 floats), a
     * u64 of group bits per source, the predictors' bits, the grouping
     * source, lambda; little endian, so a field's low byte is its first. */
    size_t tail = 4 + 2 * 4 * 4 * 4;
    struct { size_t at; uint8_t value; } broken[] = {
        {tail + 32, 1},    /* the grouping source: image-hog */
        {tail + 28, 5},    /* the predictors: modality and report */
        {tail + 16, 1},    /* image-hog (a predictor) has a map */
        {tail + 8, 4},     /* text-tfidf's map of group 2 (of 0, 1) */
        {tail + 33, 0xbd}, /* lambda -0.1 */
    };
    CHECK(file.len > tail + 33 && rn_le32_load(file.data + file.len - 4) ==
                                      rn_crc32(0, file.data, file.len - 4));
    for (size_t t = 0; t < sizeof broken / sizeof *broken; t++) {
        RnBuf c = RN_BUF_INIT;
        CHECK(rn_buf_append(&c, file.data, file.len, &err));
        CHECK(c.data[c.len - broken[t].at] != broken[t].value);
        c.data[c.len - broken[t].at] = broken[t].value;
        uint32_t crc = rn_crc32(0, c.data, c.len - 4);
        for (size_t q = 0; q < 4; q++)
            c.data[c.len - 4 + q] = (uint8_t)(crc >> (8 * q));
        RnError *e = NULL;
        RnFusionModel *t2 = rn_fusion_model_load_memory(c.data, c.len, &e);
        CHECK(t2 == NULL && e != NULL);
        rn_fusion_model_free(t2);
        rn_error_free(e);
        rn_buf_free(&c);
    }
    /* a ridge < 0 or not a number is refused */
    for (size_t t = 0; t < 2; t++) {
        RnFusionOptions bad = o;
        bad.impute_map = t ? NAN : -1;
        RnError *e = NULL;
        CHECK(rn_fusion_fit(in, 3, &bad, &e) == NULL && e);
        rn_error_free(e);
    }
    CHECK(err == NULL);
    rn_buf_free(&file);
    rn_fusion_model_free(m);
    rn_fusion_model_free(k);
    rn_fusion_model_free(l);
}

/* Two pixel inputs predict together: a row without a report gets
 * [hog block, lbp block, 1] · W, W the ridge solution over the rows of its
 * group that have all three; row 21 lacks the lbp block, so its report
 * comes from the neighbours, as without the map. The report block here
 * also depends on the lbp block. The lbp input fused at weight w_lbp, or
 * (0) read by the map only, at unit length (the defaults' image-lbp). */
#define ML_D 2
#define MD2 (MD + ML_D)
static float ML[N * ML_D], MY2[N * 4];

static void fill_two_pixels(RnFusionInput in[4])
{
    RnFusionInput base[3];
    fill_map(base);
    RnRng r = rn_rng_new(11);
    memcpy(MY2, MY, sizeof MY2);
    for (size_t i = 0; i < N; i++) {
        for (size_t c = 0; c < ML_D; c++)
            ML[i * ML_D + c] = (float)rn_rng_normal(&r);
        if (MY2[i * 4 + 3] == 0)
            MY2[i * 4 + 1] += (float)(1.5 * ML[i * ML_D] - ML[i * ML_D + 1]);
    }
    for (size_t c = 0; c < ML_D; c++)
        ML[8 * ML_D + c] = ML[21 * ML_D + c] = NAN;
    in[0] = base[0];
    in[1] = base[1];
    in[2] = (RnFusionInput){.name = "image-lbp",
                            .x = {.data = ML, .rows = N, .cols = ML_D, .dtype = RN_DTYPE_F32}};
    in[3] = base[2];
    in[3].x.data = MY2;
}

/* The map-only input changes nothing but the map: its columns are 0, and
 * every row with a report, or without pixels (row 8: the neighbours in
 * both), is the same bits as without the input. Row 21 (pixels, no lbp)
 * differs: the map of the pixels alone serves it there. */
static void check_map_only(const RnFusionInput in[4], const float *out, const bool *no_y)
{
    RnFusionInput three[3] = {in[0], in[1], in[3]};
    double w[3] = {3, 1, 1.5};
    RnFusionOptions o = {.scale = RN_FUSION_SCALE_L2, .weights = w, .impute = 3,
                         .impute_map = 0.1};
    RnError *err = NULL;
    RnFusionModel *m = rn_fusion_fit(three, 3, &o, &err);
    static float x[N * MD];
    CHECK(m && rn_fusion_transform(m, three, 3, x, NULL, &err));
    for (size_t i = 0; i < N; i++) {
        const float *y = out + i * MD2;
        CHECK(y[5] == 0 && y[6] == 0);
        if (!no_y[i] || i == 8)
            CHECK(memcmp(y, x + i * MD, 5 * sizeof *y) == 0 &&
                  memcmp(y + 7, x + i * MD + 5, 4 * sizeof *y) == 0);
    }
    CHECK(err == NULL);
    rn_fusion_model_free(m);
}

static void two_pixels(double w_lbp)
{
    RnFusionInput in[4];
    fill_two_pixels(in);
    double w[4] = {3, 1, w_lbp, 1.5}, lambda = 0.1, wl = w_lbp > 0 ? w_lbp : 1;
    RnError *err = NULL;
    RnFusionOptions o;
    RnFusionModel *m, *k;
    static float out[N * MD2], knn[N * MD2];
    fit_map_and_knn(in, 4, w, lambda, &o, &m, &k, out, knn);
    bool no_img[N] = {false}, no_lbp[N] = {false}, no_y[N] = {false};
    no_img[8] = no_lbp[8] = no_lbp[21] = true;
    no_y[4] = no_y[5] = no_y[8] = no_y[21] = no_y[22] = true;
    double ui[N * 3], ul[N * ML_D], uy[N * 4];
    unit_rows(MI, 3, no_img, ui);
    unit_rows(ML, ML_D, no_lbp, ul);
    unit_rows(MY2, 4, no_y, uy);
    enum { P = 3 + ML_D + 1 };
    size_t n_mapped = 0;
    for (size_t g = 0; g < 2; g++) {
        double a[P * P] = {0}, b[P * 4] = {0};
        for (size_t i = 0; i < N; i++) {
            if ((i % 3 == 0) != g || no_img[i] || no_lbp[i] || no_y[i])
                continue;
            double x[P] = {w[1] * ui[i * 3], w[1] * ui[i * 3 + 1], w[1] * ui[i * 3 + 2],
                           wl * ul[i * ML_D], wl * ul[i * ML_D + 1], 1};
            for (size_t p = 0; p < P; p++) {
                for (size_t q = 0; q < P; q++)
                    a[p * P + q] += x[p] * x[q];
                for (size_t q = 0; q < 4; q++)
                    b[p * 4 + q] += x[p] * w[3] * uy[i * 4 + q];
            }
        }
        for (size_t p = 0; p < P; p++)
            a[p * P + p] += lambda;
        gauss_solve(a, P, b, 4);
        for (size_t i = 0; i < N; i++) {
            if ((i % 3 == 0) != g || !no_y[i] || no_img[i] || no_lbp[i])
                continue;
            double x[P] = {w[1] * ui[i * 3], w[1] * ui[i * 3 + 1], w[1] * ui[i * 3 + 2],
                           wl * ul[i * ML_D], wl * ul[i * ML_D + 1], 1};
            for (size_t c = 0; c < 4; c++) {
                double v = 0;
                for (size_t p = 0; p < P; p++)
                    v += x[p] * b[p * 4 + c];
                CHECK_NEAR(out[i * MD2 + 2 + 3 + ML_D + c], v, 1e-5);
            }
            n_mapped++;
        }
    }
    CHECK_EQ_INT(n_mapped, 3); /* rows 4, 5, 22 */
    /* rows 8 and 21 lack a pixel block: the neighbours, as without the map;
     * the rows with every block are the same bits */
    for (size_t i = 0; i < N; i++)
        if (!no_y[i] || i == 8 || i == 21)
            CHECK(memcmp(out + i * MD2, knn + i * MD2, MD2 * sizeof *out) == 0);
    if (w_lbp == 0)
        check_map_only(in, out, no_y);
    /* the same bits on 1 and 3 threads, and from the reloaded model */
    RnPool *pool[2] = {rn_pool_open(1, &err), rn_pool_open(3, &err)};
    static float y[N * MD2];
    for (size_t p = 0; p < 2; p++) {
        RnFusionOptions op = o;
        op.pool = pool[p];
        RnFusionModel *mp = rn_fusion_fit(in, 4, &op, &err);
        CHECK(mp && rn_fusion_transform_pool(mp, in, 4, pool[p], y, NULL, &err) &&
              memcmp(y, out, sizeof y) == 0);
        rn_fusion_model_free(mp);
        rn_pool_close(pool[p]);
    }
    RnBuf file = RN_BUF_INIT;
    float x[N * MD2];
    RnFusionModel *l = check_model_file(m, in, 4, &o, &file, x);
    CHECK(l && memcmp(x, out, sizeof x) == 0);
    CHECK(err == NULL);
    rn_buf_free(&file);
    rn_fusion_model_free(m);
    rn_fusion_model_free(k);
    rn_fusion_model_free(l);
}

static void test_impute_map_two_pixels(void)
{
    two_pixels(0.5);
    two_pixels(0);
}

/* Weight 0 is for a pixel input only: another input of weight 0 is refused
 * by the fit and in a model file; a row with only the map-only input is
 * missing from every input. */
static void test_map_only_rules(void)
{
    RnFusionInput in[4];
    fill_two_pixels(in);
    double w[4] = {3, 1, 0, 0};
    RnFusionOptions o = {.scale = RN_FUSION_SCALE_L2, .weights = w, .impute = 3,
                         .impute_map = 0.1};
    RnError *err = NULL;
    CHECK(rn_fusion_fit(in, 4, &o, &err) == NULL && err != NULL);
    rn_error_free(err);
    err = NULL;
    /* row 8 has no pixels: with only the lbp input beside them it has none */
    RnFusionInput two[2] = {in[1], in[2]};
    double w2[2] = {1, 0};
    for (size_t c = 0; c < ML_D; c++)
        ML[8 * ML_D + c] = 0.5f;
    o.weights = w2;
    CHECK(rn_fusion_fit(two, 2, &o, &err) == NULL && err != NULL);
    rn_error_free(err);
    for (size_t c = 0; c < ML_D; c++)
        ML[8 * ML_D + c] = NAN;
    /* a model file: the report's weight made 0 is refused, the lbp input's
     * made 0.5 loads (the checksum made right) */
    err = NULL;
    double w4[4] = {3, 1, 0, 1.5};
    o.weights = w4;
    RnFusionModel *m = rn_fusion_fit(in, 4, &o, &err);
    RnBuf file = RN_BUF_INIT;
    CHECK(m && rn_fusion_model_save_memory(m, &file, &err));
    const char *name[2] = {"text-tfidf", "image-lbp"};
    const float value[2] = {0, 0.5f};
    for (size_t t = 0; t < 2; t++) {
        size_t at = 0, len = strlen(name[t]);
        while (at + len <= file.len && memcmp(file.data + at, name[t], len) != 0)
            at++;
        at += len + 4 + 8; /* the name, then u32 missing, u64 dim, f32 weight */
        CHECK(at + 4 <= file.len);
        if (at + 4 > file.len)
            break;
        RnBuf c = RN_BUF_INIT;
        CHECK(rn_buf_append(&c, file.data, file.len, &err));
        memcpy(c.data + at, &value[t], 4); /* little endian, as the file */
        uint32_t crc = rn_crc32(0, c.data, c.len - 4);
        for (size_t q = 0; q < 4; q++)
            c.data[c.len - 4 + q] = (uint8_t)(crc >> (8 * q));
        RnError *e = NULL;
        RnFusionModel *l = rn_fusion_model_load_memory(c.data, c.len, &e);
        CHECK(t == 0 ? l == NULL && e != NULL : l != NULL && e == NULL);
        CHECK(t == 0 || (l && rn_fusion_input_weight(l, 2) == 0.5));
        rn_fusion_model_free(l);
        rn_error_free(e);
        rn_buf_free(&c);
    }
    CHECK(err == NULL);
    rn_buf_free(&file);
    rn_fusion_model_free(m);
}

static void test_choice(void)
{
    const char *j = "{\"inputs\":[\"image-hog\",\"text-tfidf\",\"image-lbp\"],"
                    "\"weights\":[1,0.5,0],\"scale\":\"standard\",\"reduce\":16,\"study\":{}}";
    RnFusionChoice c;
    RnError *err = NULL;
    CHECK(rn_fusion_choice_parse(j, strlen(j), &c, &err));
    CHECK_EQ_INT(c.n_inputs, 3);
    CHECK_EQ_STR(c.inputs[0], "image-hog");
    CHECK_NEAR(c.weights[1], 0.5, 0);
    CHECK_NEAR(c.weights[2], 0, 0); /* a pixel input only the map reads */
    CHECK_EQ_INT(c.scale, RN_FUSION_SCALE_STANDARD);
    CHECK_EQ_INT(c.reduce, 16);
    RnBuf b = RN_BUF_INIT;
    RnJsonWriter *w = rn_json_open(&b, 0, &err);
    rn_json_begin_object(w);
    rn_fusion_choice_json(&c, w);
    rn_json_end_object(w);
    CHECK(rn_json_finish(w, &err));
    rn_json_close(w);
    RnFusionChoice c2;
    CHECK(rn_fusion_choice_parse((char *)b.data, b.len, &c2, &err));
    CHECK(memcmp(&c, &c2, sizeof c) == 0);
    rn_buf_free(&b);
    const char *bad[] = {"{}", "{\"inputs\":[\"a\"],\"weights\":[0]}",
                         "{\"inputs\":[\"text-tfidf\"],\"weights\":[0]}",
                         "{\"inputs\":[\"image-hog\"],\"weights\":[-1]}",
                         "{\"inputs\":[\"a\"],\"weights\":[1,2]}",
                         "{\"inputs\":[1],\"weights\":[1]}", "[", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        RnError *e = NULL;
        CHECK_MSG(!rn_fusion_choice_parse(bad[i], strlen(bad[i]), &c, &e) && e,
                  "accepted %s", bad[i]);
        rn_error_free(e);
    }
}

/* Three sources over several chunks of rows, each source missing from some
 * rows (NaN rows, "no report" rows), imputation and PCA. */
#define NT 1500
static float TA[NT * 5], TB[NT * 6], TC[NT * 4];

static void fill_threads(RnFusionInput in[3])
{
    RnRng r = rn_rng_new(23);
    for (size_t i = 0; i < NT; i++) {
        double g = (double)(i * 7 / NT); /* row blocks: the chunks differ in mean */
        for (size_t j = 0; j < 5; j++)
            TA[i * 5 + j] = (float)(g * (double)(j % 3) + rn_rng_normal(&r));
        for (size_t j = 0; j < 5; j++)
            TB[i * 6 + j] = (float)(g - (double)j + rn_rng_normal(&r));
        TB[i * 6 + 5] = 0;
        for (size_t j = 0; j < 4; j++)
            TC[i * 4 + j] = (float)(g * 0.5 * (double)j + rn_rng_normal(&r));
        if (i % 11 == 4)
            for (size_t j = 0; j < 5; j++)
                TA[i * 5 + j] = NAN;
        if (i % 5 == 2) { /* no report */
            memset(TB + i * 6, 0, 6 * sizeof *TB);
            TB[i * 6 + 5] = 1;
        }
        if (i % 13 == 7 && i % 11 != 4)
            for (size_t j = 0; j < 4; j++)
                TC[i * 4 + j] = NAN;
    }
    in[0] = (RnFusionInput){.name = "image-hog",
                            .x = {.data = TA, .rows = NT, .cols = 5, .dtype = RN_DTYPE_F32}};
    in[1] = (RnFusionInput){.name = "text-tfidf",
                            .x = {.data = TB, .rows = NT, .cols = 6, .dtype = RN_DTYPE_F32},
                            .missing = RN_FUSION_INDICATOR_LAST};
    in[2] = (RnFusionInput){.name = "meta-modality",
                            .x = {.data = TC, .rows = NT, .cols = 4, .dtype = RN_DTYPE_F32}};
}

/* Fit and transform of the same inputs on no pool, 1 thread and 3 threads:
 * the same model bytes, the same output bits. */
static bool fit_fuse(const RnFusionInput *in, size_t reduce, double map, RnPool *pool,
                     RnBuf *model, float *out)
{
    double w[3] = {1, 0.7, 2};
    RnFusionOptions o = {.scale = RN_FUSION_SCALE_L2, .weights = w, .reduce = reduce,
                         .impute = 10, .impute_map = map, .pool = pool};
    RnError *err = NULL;
    RnFusionModel *m = rn_fusion_fit(in, 3, &o, &err);
    uint64_t missing = 0;
    bool ok = m && rn_fusion_model_save_memory(m, model, &err) &&
              rn_fusion_transform_pool(m, in, 3, pool, out, &missing, &err);
    CHECK(missing > NT / 4);
    CHECK(err == NULL);
    rn_error_free(err);
    rn_fusion_model_free(m);
    return ok;
}

static void test_threads(void)
{
    RnFusionInput in[3];
    fill_threads(in);
    RnError *err = NULL;
    RnPool *one = rn_pool_open(1, &err), *three = rn_pool_open(3, &err);
    CHECK(one && three && rn_pool_threads(three) == 3);
    RnPool *pools[3] = {NULL, one, three};
    static float out[3][NT * 15];
    for (size_t run = 0; run < 4; run++) {
        size_t reduce = run % 2 ? 15 : 0;
        double map = run < 2 ? 0 : 0.1; /* the neighbours, the map from the pixels */
        RnBuf model[3] = {RN_BUF_INIT, RN_BUF_INIT, RN_BUF_INIT};
        for (size_t p = 0; p < 3; p++)
            CHECK(fit_fuse(in, reduce, map, pools[p], &model[p], out[p]));
        for (size_t p = 1; p < 3; p++) {
            CHECK(model[p].len == model[0].len &&
                  memcmp(model[p].data, model[0].data, model[0].len) == 0);
            CHECK(memcmp(out[p], out[0], sizeof out[0]) == 0);
        }
        for (size_t p = 0; p < 3; p++)
            rn_buf_free(&model[p]);
    }
    rn_pool_close(one);
    rn_pool_close(three);
}

/* The PCA over several chunks (the covariance merged chunk by chunk) is the
 * plain one: keeping every column it is a rotation, the columns are
 * uncorrelated with descending variances and mean 0. */
static void test_pca_chunks(void)
{
    RnFusionInput in[3];
    fill_threads(in);
    static float x[NT * 15], y[NT * 15];
    RnBuf model = RN_BUF_INIT;
    CHECK(fit_fuse(in, 0, 0.1, NULL, &model, x));
    rn_buf_free(&model);
    CHECK(fit_fuse(in, 15, 0.1, NULL, &model, y));
    rn_buf_free(&model);
    for (size_t i = 0; i < NT; i += 37)
        for (size_t j = i + 1; j < NT; j += 101)
            CHECK_NEAR(dist2(x, 15, i, j), dist2(y, 15, i, j), 1e-4);
    double mean[15] = {0}, cov[15][15] = {{0}};
    for (size_t i = 0; i < NT; i++)
        for (size_t a = 0; a < 15; a++)
            mean[a] += y[i * 15 + a] / (double)NT;
    for (size_t i = 0; i < NT; i++)
        for (size_t a = 0; a < 15; a++)
            for (size_t b = 0; b < 15; b++)
                cov[a][b] += (y[i * 15 + a] - mean[a]) * (y[i * 15 + b] - mean[b]) / NT;
    for (size_t a = 0; a < 15; a++) {
        CHECK_NEAR(mean[a], 0.0, 1e-5);
        CHECK(a == 0 || cov[a][a] <= cov[a - 1][a - 1] + 1e-6);
        /* float output rounding (2^-24 relative) bounds what is left */
        for (size_t b = 0; b < a; b++)
            CHECK_NEAR(cov[a][b], 0.0, 1e-5);
    }
}

int main(void)
{
    fill();
    test_l2_weights();
    test_missing();
    test_missing_rule();
    test_bad_values();
    test_standard();
    test_pca();
    test_model_file();
    test_impute();
    test_impute_model_file();
    test_impute_map();
    test_impute_map_two_pixels();
    test_map_only_rules();
    test_choice();
    test_threads();
    test_pca_chunks();
    TEST_DONE();
}
