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

/* Y[n_rows × l] = X · B[n_cols × l] */
static void csr_mul(const RnCsr *X, const double *B, size_t l, double *Y)
{
    memset(Y, 0, X->n_rows * l * sizeof *Y);
    for (size_t i = 0; i < X->n_rows; i++) {
        double *y = Y + i * l;
        for (size_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++) {
            const double *b = B + (size_t)X->col[p] * l;
            double v = X->val[p];
            for (size_t c = 0; c < l; c++)
                y[c] += v * b[c];
        }
    }
}

/* Z[n_cols × l] = Xᵀ · Q[n_rows × l] */
static void csr_mul_t(const RnCsr *X, const double *Q, size_t l, double *Z)
{
    memset(Z, 0, X->n_cols * l * sizeof *Z);
    for (size_t i = 0; i < X->n_rows; i++) {
        const double *q = Q + i * l;
        for (size_t p = X->row_ptr[i]; p < X->row_ptr[i + 1]; p++) {
            double *z = Z + (size_t)X->col[p] * l;
            double v = X->val[p];
            for (size_t c = 0; c < l; c++)
                z[c] += v * q[c];
        }
    }
}

static bool qr(size_t m, size_t l, double *A, RnError **err)
{
    if (!rn_lapack_qr_thin_f64(m, l, A, l)) {
        rn_error_set(err, RN_ERROR_INTERNAL, "LAPACK QR failed");
        return false;
    }
    return true;
}

bool rn_sparse_randomized_svd(const RnCsr *X, size_t k, size_t oversamples, int iters,
                              uint64_t seed, double *components, double *sigma, RnError **err)
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
    bool ok = W != NULL;
    if (ok) {
        fill_gaussian(Z, V * l, seed);
        csr_mul(X, Z, l, Y);
    }
    for (int it = 0; ok && it < iters; it++) {
        ok = qr(n, l, Y, err);
        if (ok) {
            csr_mul_t(X, Y, l, Z);
            ok = qr(V, l, Z, err);
        }
        if (ok)
            csr_mul(X, Z, l, Y);
    }
    ok = ok && qr(n, l, Y, err);
    if (ok) {
        /* B = Qᵀ X = Zᵀ; B Bᵀ = Zᵀ Z has B's left singular vectors */
        csr_mul_t(X, Y, l, Z);
        rn_blas_gemm_tn_f64(l, l, V, 1.0, Z, l, Z, l, 0.0, G, l);
        ok = rn_lapack_syev_f64(l, G, l, w);
        if (!ok)
            rn_error_set(err, RN_ERROR_INTERNAL, "LAPACK eigendecomposition failed");
    }
    if (ok) {
        /* top k eigenpairs, descending; component_i = Zᵀ... = (Z W_i)ᵀ / σ_i */
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
                    row[j] = C[j * k + i];
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
    free(Y);
    free(Z);
    free(G);
    free(w);
    free(W);
    return ok;
}
