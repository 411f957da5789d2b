/* Randomized truncated SVD of a sparse matrix (LSA): see tfidf.h. The
 * sparse products are plain loops (BLAS has no sparse routines); the dense
 * steps go through src/core/blas.c. Everything is float64 and sequential in
 * a fixed order, so the result depends on the seed only. */
#include "embed/tfidf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Standard normal deviates by Box–Muller (both of each pair used). */
static void fill_gaussian(double *x, size_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i += 2) {
        double u1 = ((double)(splitmix64(&s) >> 11) + 1.0) / 9007199254740993.0;
        double u2 = (double)(splitmix64(&s) >> 11) / 9007199254740992.0;
        double r = sqrt(-2.0 * log(u1));
        x[i] = r * cos(2.0 * M_PI * u2);
        if (i + 1 < n)
            x[i + 1] = r * sin(2.0 * M_PI * u2);
    }
}

/* Y[rows begin..end) = X · B[n_cols × l] */
static void csr_mul_rows(const RnCsr *X, const double *B, size_t l, double *Y, size_t begin,
                         size_t end)
{
    memset(Y + begin * l, 0, (end - begin) * l * sizeof *Y);
    for (size_t i = begin; i < end; i++) {
        double *y = Y + i * l;
        for (size_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++) {
            const double *b = B + (size_t)X->col[p] * l;
            double v = X->val[p];
            for (size_t c = 0; c < l; c++)
                y[c] += v * b[c];
        }
    }
}

typedef struct MulJob {
    const RnCsr *X;
    const double *B;
    size_t l;
    double *Y;
} MulJob;

static bool mul_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    MulJob *j = ctx;
    csr_mul_rows(j->X, j->B, j->l, j->Y, begin, end);
    return true;
}

/* Y[n_rows × l] = X · B on the pool; every row is one task's sequential
 * sum, so the result does not depend on the thread count. */
static bool csr_mul(const RnCsr *X, const double *B, size_t l, double *Y, RnPool *pool,
                    RnError **err)
{
    MulJob job = {X, B, l, Y};
    size_t parts = X->n_rows < 64 ? 1 : 64;
    return rn_pool_for(pool, X->n_rows, parts, mul_part, &job, err);
}

/* The transpose of X as CSR (columns become rows; order within a row is
 * the row order of X). */
static bool csr_transpose(const RnCsr *X, RnCsr *T, RnError **err)
{
    size_t nnz = X->row_ptr[X->n_rows];
    memset(T, 0, sizeof *T);
    T->n_rows = X->n_cols;
    T->n_cols = X->n_rows;
    T->row_ptr = rn_calloc(X->n_cols + 1, sizeof *T->row_ptr, err);
    T->col = T->row_ptr ? rn_calloc(nnz ? nnz : 1, sizeof *T->col, err) : NULL;
    T->val = T->col ? rn_calloc(nnz ? nnz : 1, sizeof *T->val, err) : NULL;
    if (!T->val) {
        rn_csr_free(T);
        return false;
    }
    for (size_t p = 0; p < nnz; p++)
        T->row_ptr[X->col[p] + 1]++;
    for (size_t j = 0; j < X->n_cols; j++)
        T->row_ptr[j + 1] += T->row_ptr[j];
    size_t *next = rn_calloc(X->n_cols ? X->n_cols : 1, sizeof *next, err);
    if (!next) {
        rn_csr_free(T);
        return false;
    }
    memcpy(next, T->row_ptr, X->n_cols * sizeof *next);
    for (size_t i = 0; i < X->n_rows; i++)
        for (size_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++) {
            size_t q = next[X->col[p]]++;
            T->col[q] = (uint32_t)i;
            T->val[q] = X->val[p];
        }
    free(next);
    return true;
}

/* Intermediate normalisation of the power iterations: Cholesky QR (as
 * scikit-learn uses a cheap LU there), Householder when it breaks down. */
static bool normalise(size_t m, size_t l, double *A, RnError **err);

static bool qr(size_t m, size_t l, double *A, RnError **err)
{
    if (!rn_lapack_qr_thin_f64(m, l, A, l)) {
        rn_error_set(err, RN_ERROR_INTERNAL, "LAPACK QR failed");
        return false;
    }
    return true;
}

static bool normalise(size_t m, size_t l, double *A, RnError **err)
{
    return rn_lapack_cholesky_qr_f64(m, l, A, l) || qr(m, l, A, err);
}

/* X with its columns renumbered by decreasing number of non-zeros: the
 * rows of the dense factor that the products touch most often then share
 * cache lines (term frequencies are Zipfian). rank[j] = new index of j. */
static bool csr_by_frequency(const RnCsr *X, RnCsr *P, uint32_t **rank_out, RnError **err)
{
    size_t V = X->n_cols, nnz = X->row_ptr[X->n_rows];
    size_t *count = rn_calloc(V ? V : 1, sizeof *count, err);
    uint32_t *order = count ? rn_calloc(V ? V : 1, sizeof *order, err) : NULL;
    uint32_t *rank = order ? rn_calloc(V ? V : 1, sizeof *rank, err) : NULL;
    memset(P, 0, sizeof *P);
    bool ok = rank && (P->row_ptr = rn_calloc(X->n_rows + 1, sizeof *P->row_ptr, err)) &&
              (P->col = rn_calloc(nnz ? nnz : 1, sizeof *P->col, err)) &&
              (P->val = rn_calloc(nnz ? nnz : 1, sizeof *P->val, err));
    if (ok) {
        for (size_t q = 0; q < nnz; q++)
            count[X->col[q]]++;
        /* counting sort by decreasing count, ties by index: deterministic */
        size_t max = 0;
        for (size_t j = 0; j < V; j++)
            max = count[j] > max ? count[j] : max;
        size_t next = 0;
        for (size_t c = max + 1; c-- > 0;)
            for (size_t j = 0; j < V; j++)
                if (count[j] == c)
                    order[next++] = (uint32_t)j;
        for (size_t r = 0; r < V; r++)
            rank[order[r]] = (uint32_t)r;
        P->n_rows = X->n_rows;
        P->n_cols = V;
        memcpy(P->row_ptr, X->row_ptr, (X->n_rows + 1) * sizeof *P->row_ptr);
        for (size_t q = 0; q < nnz; q++) {
            P->col[q] = rank[X->col[q]];
            P->val[q] = X->val[q];
        }
    }
    free(count);
    free(order);
    if (!ok) {
        free(rank);
        rn_csr_free(P);
        return false;
    }
    *rank_out = rank;
    return true;
}

bool rn_sparse_randomized_svd(const RnCsr *X, size_t k, size_t oversamples, int iters,
                              uint64_t seed, int threads, double *components, double *sigma,
                              RnError **err)
{
    size_t n = X->n_rows, V = X->n_cols;
    size_t l = k + oversamples;
    if (l > n)
        l = n;
    if (l > V)
        l = V;
    if (k == 0 || k > l) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "SVD: %zu components from a %zu × %zu matrix", k, n, V);
        return false;
    }
    double *Y = rn_calloc(n, l * sizeof(double), err);
    double *Z = Y ? rn_calloc(V, l * sizeof(double), err) : NULL;
    double *G = Z ? rn_calloc(l, l * sizeof(double), err) : NULL;
    double *w = G ? rn_calloc(l, sizeof(double), err) : NULL;
    double *W = w ? rn_calloc(l, k * sizeof(double), err) : NULL;
    RnCsr Xp = {0}, Xt = {0};
    uint32_t *rank = NULL;
    RnPool *pool = NULL;
    int blas_threads = rn_blas_get_threads();
    rn_blas_set_threads(1); /* one summation order, whatever the machine */
    bool ok = W && (pool = rn_pool_open(threads, err)) &&
              csr_by_frequency(X, &Xp, &rank, err) && csr_transpose(&Xp, &Xt, err);
    X = &Xp; /* the products run on the renumbered matrix */
    if (ok) {
        fill_gaussian(Z, V * l, seed);
        ok = csr_mul(X, Z, l, Y, pool, err);
    }
    for (int it = 0; ok && it < iters; it++) {
        ok = normalise(n, l, Y, err);
        ok = ok && csr_mul(&Xt, Y, l, Z, pool, err) && normalise(V, l, Z, err);
        if (ok)
            ok = csr_mul(X, Z, l, Y, pool, err);
    }
    ok = ok && qr(n, l, Y, err);
    if (ok) {
        /* B = Qᵀ X = Zᵀ; B Bᵀ = Zᵀ Z has B's left singular vectors */
        ok = csr_mul(&Xt, Y, l, Z, pool, err);
    }
    if (ok) {
        rn_blas_gemm_tn_f64(l, l, V, 1.0, Z, l, Z, l, 0.0, G, l);
        ok = rn_lapack_syev_f64(l, G, l, w);
        if (!ok)
            rn_error_set(err, RN_ERROR_INTERNAL, "LAPACK eigendecomposition failed");
    }
    if (ok) {
        /* top k eigenpairs, descending; component_i = (Z W_i)ᵀ / σ_i */
        for (size_t i = 0; i < k; i++) {
            size_t src = l - 1 - i;
            double lam = w[src] > 0 ? w[src] : 0;
            sigma[i] = sqrt(lam);
            double inv = sigma[i] > 0 ? 1.0 / sigma[i] : 0;
            for (size_t r = 0; r < l; r++)
                W[r * k + i] = G[r * l + src] * inv;
        }
        /* components (k × V) = Wᵀ Zᵀ, computed as (Z W)ᵀ */
        double *C = Y; /* reuse Y's n × l doubles when V × k fits in them */
        bool own = n * l < V * k;
        if (own)
            C = rn_calloc(V, k * sizeof(double), err);
        ok = C != NULL;
        if (ok) {
            rn_blas_gemm_nn_f64(V, k, l, 1.0, Z, l, W, k, 0.0, C, k);
            for (size_t i = 0; i < k; i++) {
                double *row = components + i * V;
                size_t arg = 0;
                for (size_t j = 0; j < V; j++) {
                    row[j] = C[(size_t)rank[j] * k + i];
                    if (fabs(row[j]) > fabs(row[arg]))
                        arg = j;
                }
                if (row[arg] < 0)
                    for (size_t j = 0; j < V; j++)
                        row[j] = -row[j];
            }
            if (own)
                free(C);
        }
    }
    rn_blas_set_threads(blas_threads);
    rn_pool_close(pool);
    rn_csr_free(&Xt);
    rn_csr_free(&Xp);
    free(rank);
    free(Y);
    free(Z);
    free(G);
    free(w);
    free(W);
    return ok;
}
