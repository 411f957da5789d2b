/* TF-IDF over word and character n-grams of normalised text (text_norm.h),
 * with scikit-learn's TfidfVectorizer semantics per block: word n-grams are
 * space-joined token runs, character n-grams follow analyzer='char_wb'
 * (each token padded with one space, n-grams in code points), min_df is an
 * absolute document count, max_features keeps the terms of highest corpus
 * frequency (ties: lexicographically smaller term first), columns are in
 * term order, idf = ln((1 + n) / (1 + df)) + 1, tf = 1 + ln(count) when
 * sublinear, rows L2-normalised. With both blocks on, each block is
 * normalised and scaled by 1/√2 so a row keeps unit norm.
 *
 * The LSA reduction (randomized truncated SVD on the sparse matrix) is in
 * tfidf_svd.c. */
#ifndef RN_EMBED_TFIDF_H
#define RN_EMBED_TFIDF_H

#include "radnet/core.h"

typedef struct RnTfidfOptions {
    int word_min_n, word_max_n;   /* 0, 0: no word block */
    int char_min_n, char_max_n;   /* 0, 0: no character block */
    uint32_t min_df;              /* absolute document count, >= 1 */
    uint32_t max_features;        /* per block; 0: unlimited */
    bool sublinear_tf;
} RnTfidfOptions;

/* Compressed sparse rows; values float64. A row's columns are in the order
 * in which its terms first occur in the document (not sorted). */
typedef struct RnCsr {
    size_t n_rows, n_cols;
    size_t *row_ptr;     /* n_rows + 1 */
    uint32_t *col;
    double *val;
} RnCsr;

void rn_csr_free(RnCsr *m);

typedef struct RnTfidf RnTfidf;

/* Limits: n-gram sizes 1..16, at most 2^31 terms per block. */
RnTfidf *rn_tfidf_fit(const char *const *docs, size_t n, const RnTfidfOptions *opt,
                      RnError **err);
size_t rn_tfidf_features(const RnTfidf *t);
/* The term of column j (borrowed) and its idf. */
const char *rn_tfidf_term(const RnTfidf *t, size_t j, double *idf);
bool rn_tfidf_transform(const RnTfidf *t, const char *const *docs, size_t n,
                        RnCsr *out, RnError **err);
/* rn_tfidf_fit, then out = the same bits as rn_tfidf_transform of docs,
 * with each document's n-grams read once. */
RnTfidf *rn_tfidf_fit_transform(const char *const *docs, size_t n, const RnTfidfOptions *opt,
                                RnCsr *out, RnError **err);
void rn_tfidf_free(RnTfidf *t);

/* Payload: options, then per block the term count and (term, idf) pairs. */
bool rn_tfidf_save(const RnTfidf *t, RnBuf *out, RnError **err);
/* Reads from p[*pos..n), advancing *pos; every length checked. */
RnTfidf *rn_tfidf_load(const uint8_t *p, size_t n, size_t *pos, RnError **err);

/* Randomized truncated SVD of X (Halko et al.; scikit-learn's
 * randomized_svd with QR normalisation): k components, `oversamples` extra
 * columns, `iters` power iterations, Gaussian test matrix from seed; the
 * sparse products run in float32 on `threads` workers (the result does not
 * depend on it), the orthonormalisations and the final eigenproblem in
 * float64. components: k × n_cols row-major (unit rows, sign fixed so each
 * row's largest-magnitude entry is positive); sigma: k singular values. */
bool rn_sparse_randomized_svd(const RnCsr *X, size_t k, size_t oversamples,
                              int iters, uint64_t seed, int threads, double *components,
                              double *sigma, RnError **err);

/* Compressed sparse rows with float32 values: the SVD's working copy. */
typedef struct RnCsrF32 {
    size_t n_rows, n_cols;
    size_t *row_ptr;
    uint32_t *col;
    float *val;
} RnCsrF32;

/* Dense float32 factors of the LSA are stored in column panels: columns
 * [32p, 32p + w) of a rows × ld matrix (ld a multiple of 8, w = min(32,
 * ld − 32p)) form a rows × w row-major block at offset 32p · rows. A
 * product then gathers from one panel of the dense operand at a time
 * (~13 MB for 10^5 rows) instead of whole rows of it (~45 MB). */
static inline size_t rn_panel_index(size_t r, size_t c, size_t rows, size_t ld)
{
    size_t p = c / 32, w = ld - 32 * p < 32 ? ld - 32 * p : 32;
    return 32 * p * rows + r * w + c % 32;
}

/* One panel of Y = X · B: Yp[r, 0..w) = Σ_q val[q] · Bp[col[q], 0..w) for
 * the rows r of [begin, end), w in {8, 16, 24, 32}, Bp and Yp the panels'
 * blocks (row strides w). Each element is one sequential sum in the row's
 * order without fused multiply-add, so every instruction set gives the
 * same bits. */
void rn_csr_f32_mul_panel(const RnCsrF32 *X, const float *Bp, size_t w, float *Yp,
                          size_t begin, size_t end);

#endif
