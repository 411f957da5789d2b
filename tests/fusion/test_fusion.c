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
    RnFusionModel *again = rn_fusion_fit(in, 2, &o, &err);
    RnBuf b = RN_BUF_INIT, b2 = RN_BUF_INIT;
    CHECK(m && again && rn_fusion_model_save_memory(m, &b, &err) &&
          rn_fusion_model_save_memory(again, &b2, &err));
    CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
    RnFusionModel *l = rn_fusion_model_load_memory(b.data, b.len, &err);
    CHECK(l != NULL);
    float x[N * 4], y[N * 4];
    CHECK(l && rn_fusion_transform(m, in, 2, x, NULL, &err) &&
          rn_fusion_transform(l, in, 2, y, NULL, &err));
    CHECK(memcmp(x, y, sizeof x) == 0);
    CHECK_EQ_STR(rn_fusion_input_name(l, 1), "text-tfidf");
    CHECK_NEAR(rn_fusion_input_weight(l, 0), 1.5, 0);
    size_t refused = 0;
    for (size_t n = 0; n < b.len; n++) {
        RnError *e = NULL;
        RnFusionModel *t = rn_fusion_model_load_memory(b.data, n, &e);
        refused += t == NULL && e != NULL;
        rn_fusion_model_free(t);
        rn_error_free(e);
    }
    CHECK_EQ_INT(refused, b.len);
    refused = 0;
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
    rn_buf_free(&b2);
    rn_fusion_model_free(m);
    rn_fusion_model_free(again);
    rn_fusion_model_free(l);
}

static void test_choice(void)
{
    const char *j = "{\"inputs\":[\"image-hog\",\"text-tfidf\"],\"weights\":[1,0.5],"
                    "\"scale\":\"standard\",\"reduce\":16,\"study\":{}}";
    RnFusionChoice c;
    RnError *err = NULL;
    CHECK(rn_fusion_choice_parse(j, strlen(j), &c, &err));
    CHECK_EQ_INT(c.n_inputs, 2);
    CHECK_EQ_STR(c.inputs[0], "image-hog");
    CHECK_NEAR(c.weights[1], 0.5, 0);
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
                         "{\"inputs\":[\"a\"],\"weights\":[1,2]}",
                         "{\"inputs\":[1],\"weights\":[1]}", "[", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        RnError *e = NULL;
        CHECK_MSG(!rn_fusion_choice_parse(bad[i], strlen(bad[i]), &c, &e) && e,
                  "accepted %s", bad[i]);
        rn_error_free(e);
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
    test_choice();
    TEST_DONE();
}
