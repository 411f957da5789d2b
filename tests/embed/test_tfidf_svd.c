/* The LSA's sparse × dense kernel against a plain loop (the same bits: one
 * sequential float sum per element, in the row's order), and the randomized
 * SVD's independence of the thread count. Accuracy against numpy's exact SVD
 * is the golden test sklearn_tfidf.py. */
#include "embed/tfidf.h"
#include "rn_test.h"

#include <stdlib.h>

/* A random CSR matrix, ~density of its entries non-zero, columns unsorted. */
static void random_csr(RnCsr *X, size_t rows, size_t cols, double density, RnRng *rng)
{
    X->n_rows = rows;
    X->n_cols = cols;
    X->row_ptr = calloc(rows + 1, sizeof *X->row_ptr);
    X->col = calloc(rows * cols + 1, sizeof *X->col);
    X->val = calloc(rows * cols + 1, sizeof *X->val);
    size_t nz = 0;
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = cols; j-- > 0;)
            if (rn_rng_double(rng) < density) {
                X->col[nz] = (uint32_t)j;
                X->val[nz++] = rn_rng_double(rng) - 0.3;
            }
        X->row_ptr[i + 1] = nz;
    }
}

/* One product in panels (the SVD's csr_mul) against the plain triple loop
 * on rn_panel_index: the same bits. */
static void check_kernel(size_t ld, RnRng *rng)
{
    enum { ROWS = 37, COLS = 53 };
    RnCsr X = {0};
    random_csr(&X, ROWS, COLS, 0.2, rng);
    size_t nnz = X.row_ptr[ROWS];
    RnCsrF32 F = {X.n_rows, X.n_cols, X.row_ptr, X.col, calloc(nnz + 1, sizeof(float))};
    for (size_t q = 0; q < nnz; q++)
        F.val[q] = (float)X.val[q];
    float *B = calloc(COLS * ld, sizeof *B), *Y = calloc(ROWS * ld, sizeof *Y);
    float *R = calloc(ROWS * ld, sizeof *R);
    for (size_t i = 0; i < COLS * ld; i++)
        B[i] = (float)rn_rng_normal(rng);
    for (size_t c = 0; c < ld; c += 32)
        rn_csr_f32_mul_panel(&F, B + c * COLS, ld - c < 32 ? ld - c : 32, Y + c * ROWS, 0,
                             ROWS);
    for (size_t i = 0; i < ROWS; i++) /* the plain loop */
        for (size_t p = F.row_ptr[i]; p < F.row_ptr[i + 1]; p++)
            for (size_t c = 0; c < ld; c++)
                R[rn_panel_index(i, c, ROWS, ld)] +=
                    F.val[p] * B[rn_panel_index(F.col[p], c, COLS, ld)];
    CHECK_MSG(memcmp(Y, R, ROWS * ld * sizeof *Y) == 0, "ld %zu", ld);
    /* a row range leaves the other rows alone */
    memset(Y, 0, ROWS * ld * sizeof *Y);
    size_t w = ld < 32 ? ld : 32;
    rn_csr_f32_mul_panel(&F, B, w, Y, 5, 9);
    CHECK(memcmp(Y + 5 * w, R + 5 * w, 4 * w * sizeof *Y) == 0);
    CHECK(Y[0] == 0.0f && Y[9 * w] == 0.0f);
    free(F.val);
    free(B);
    free(Y);
    free(R);
    rn_csr_free(&X);
}

static void check_threads(RnRng *rng)
{
    RnCsr X = {0};
    random_csr(&X, 300, 120, 0.05, rng);
    size_t k = 6, V = X.n_cols;
    double *c1 = calloc(k * V, sizeof *c1), *c2 = calloc(k * V, sizeof *c2);
    double s1[6], s2[6];
    RnError *err = NULL;
    CHECK(rn_sparse_randomized_svd(&X, k, 10, 3, 9, 1, c1, s1, &err));
    for (int threads = 2; threads <= 3; threads++) {
        CHECK(rn_sparse_randomized_svd(&X, k, 10, 3, 9, threads, c2, s2, &err));
        CHECK_MSG(memcmp(c1, c2, k * V * sizeof *c1) == 0 && memcmp(s1, s2, sizeof s1) == 0,
                  "%d threads", threads);
    }
    /* unit components, descending singular values */
    for (size_t i = 0; i < k; i++) {
        double norm = 0;
        for (size_t j = 0; j < V; j++)
            norm += c1[i * V + j] * c1[i * V + j];
        CHECK_NEAR(norm, 1.0, 1e-9);
        CHECK(i == 0 || s1[i] <= s1[i - 1]);
    }
    free(c1);
    free(c2);
    rn_csr_free(&X);
    rn_error_free(err);
}

/* rn_tfidf_fit_transform gives the vocabulary of rn_tfidf_fit and the
 * matrix of rn_tfidf_transform, bit for bit. */
static void check_fit_transform(void)
{
    const char *docs[] = {"ct mozga bez krvarenja", "", "rtg pluca uredan nalaz",
                          "ct mozga uredan", "mr koljena ruptura lig", "rtg pluca bez izljeva",
                          "ct mozga bez krvarenja ishemija", "uredan nalaz"};
    size_t n = sizeof docs / sizeof *docs;
    RnTfidfOptions o = {1, 2, 2, 4, 2, 25, true};
    RnError *err = NULL;
    RnCsr X, Y;
    RnTfidf *a = rn_tfidf_fit(docs, n, &o, &err);
    RnTfidf *b = rn_tfidf_fit_transform(docs, n, &o, &Y, &err);
    CHECK(a && b && rn_tfidf_transform(a, docs, n, &X, &err));
    if (!a || !b)
        return;
    CHECK_EQ_INT(rn_tfidf_features(a), rn_tfidf_features(b));
    CHECK(rn_tfidf_features(a) > 25); /* words and characters, the char block capped */
    for (size_t j = 0; j < rn_tfidf_features(a); j++)
        CHECK_EQ_STR(rn_tfidf_term(a, j, NULL), rn_tfidf_term(b, j, NULL));
    CHECK(X.n_rows == Y.n_rows && X.n_cols == Y.n_cols);
    CHECK(memcmp(X.row_ptr, Y.row_ptr, (n + 1) * sizeof *X.row_ptr) == 0);
    size_t nnz = X.row_ptr[n];
    CHECK(nnz > 0 && Y.row_ptr[n] == nnz);
    CHECK(memcmp(X.col, Y.col, nnz * sizeof *X.col) == 0);
    CHECK(memcmp(X.val, Y.val, nnz * sizeof *X.val) == 0);
    rn_csr_free(&X);
    rn_csr_free(&Y);
    rn_tfidf_free(a);
    rn_tfidf_free(b);
}

int main(void)
{
    check_fit_transform();
    RnRng rng = rn_rng_split(17, 0);
    for (size_t ld = 8; ld <= 112; ld += 8)
        check_kernel(ld, &rng);
    check_threads(&rng);
    TEST_DONE();
}
