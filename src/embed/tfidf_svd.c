/* Randomized truncated SVD of a sparse matrix (LSA): see tfidf.h.
 *
 * The time is in the sparse × dense products (2 · iters + 2 of them, each
 * touching nnz × l numbers). They run on a float32 copy of X whose columns
 * are renumbered by frequency, against float32 dense factors padded to a
 * multiple of 8 columns and stored in panels of 32 columns (rn_panel_index),
 * a panel's 32 columns in four vector registers (vector extensions, an AVX2
 * clone chosen at run time), over core's pool in fixed row partitions. Each output element is one sequential sum in the order of
 * its sparse row without fused multiply-add, so the bits depend neither on
 * the thread count nor on the instruction set. The orthonormalisations
 * between products and the final eigenproblem run in float64 through
 * src/core/blas.c (a float32 Cholesky QR would square the conditioning's
 * rounding); the result depends on the seed only. */
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

/* ---- the sparse × dense product ----------------------------------------- */

typedef float F8 __attribute__((vector_size(32)));
/* The same, at any float's alignment (rows of B are 32 bytes apart only
 * when the allocation is) and allowed to alias the float arrays. */
typedef float F8u __attribute__((vector_size(32), aligned(4), may_alias));

__attribute__((target_clones("avx2", "default")))
void rn_csr_f32_mul_panel(const RnCsrF32 *X, const float *Bp, size_t w, float *Yp,
                          size_t begin, size_t end)
{
    for (size_t i = begin; i < end; i++) {
        float *y = Yp + i * w;
        size_t p0 = X->row_ptr[i], p1 = X->row_ptr[i + 1];
        if (w == 32) { /* four accumulators in registers */
            F8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (size_t p = p0; p < p1; p++) {
                const float *b = Bp + (size_t)X->col[p] * 32;
                float v = X->val[p];
                a0 += v * *(const F8u *)b;
                a1 += v * *(const F8u *)(b + 8);
                a2 += v * *(const F8u *)(b + 16);
                a3 += v * *(const F8u *)(b + 24);
            }
            *(F8u *)y = a0;
            *(F8u *)(y + 8) = a1;
            *(F8u *)(y + 16) = a2;
            *(F8u *)(y + 24) = a3;
            continue;
        }
        for (size_t c = 0; c < w; c += 8) {
            F8 a = {0};
            for (size_t p = p0; p < p1; p++)
                a += X->val[p] * *(const F8u *)(Bp + (size_t)X->col[p] * w + c);
            *(F8u *)(y + c) = a;
        }
    }
}

typedef struct MulJob {
    const RnCsrF32 *X;
    const float *Bp;
    size_t w;
    float *Yp;
} MulJob;

static bool mul_part(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    MulJob *j = ctx;
    rn_csr_f32_mul_panel(j->X, j->Bp, j->w, j->Yp, begin, end);
    return true;
}

/* Y (n_rows × ld, panels) = X · B (n_cols × ld, panels) on the pool, one
 * panel at a time so that the threads share the panel in cache;
 * partitions depend on n_rows only. */
static bool csr_mul(const RnCsrF32 *X, const float *B, size_t ld, float *Y, RnPool *pool,
                    RnError **err)
{
    size_t parts = X->n_rows < 64 ? 1 : 64;
    for (size_t c = 0; c < ld; c += 32) {
        MulJob job = {X, B + c * X->n_cols, ld - c < 32 ? ld - c : 32, Y + c * X->n_rows};
        if (!rn_pool_for(pool, X->n_rows, parts, mul_part, &job, err))
            return false;
    }
    return true;
}

/* ---- the float32 working copies of X -------------------------------------- */

static void csr_f32_free(RnCsrF32 *m)
{
    free(m->row_ptr);
    free(m->col);
    free(m->val);
    memset(m, 0, sizeof *m);
}

static bool csr_f32_alloc(RnCsrF32 *m, size_t rows, size_t cols, size_t nnz, RnError **err)
{
    memset(m, 0, sizeof *m);
    m->n_rows = rows;
    m->n_cols = cols;
    m->row_ptr = rn_calloc(rows + 1, sizeof *m->row_ptr, err);
    m->col = m->row_ptr ? rn_calloc(nnz ? nnz : 1, sizeof *m->col, err) : NULL;
    m->val = m->col ? rn_calloc(nnz ? nnz : 1, sizeof *m->val, err) : NULL;
    if (!m->val)
        csr_f32_free(m);
    return m->val != NULL;
}

/* rank[j] = the new index of column j: by decreasing number of non-zeros,
 * ties by index (a counting sort), so the rows of the dense factor that the
 * products touch most often share cache lines (term frequencies are
 * Zipfian). */
static uint32_t *rank_by_frequency(const RnCsr *X, RnError **err)
{
    size_t V = X->n_cols, nnz = X->row_ptr[X->n_rows];
    size_t *count = rn_calloc(V ? V : 1, sizeof *count, err);
    uint32_t *rank = count ? rn_calloc(V ? V : 1, sizeof *rank, err) : NULL;
    size_t max = 0;
    for (size_t q = 0; rank && q < nnz; q++)
        count[X->col[q]]++;
    for (size_t j = 0; rank && j < V; j++)
        max = count[j] > max ? count[j] : max;
    size_t *start = rank ? rn_calloc(max + 2, sizeof *start, err) : NULL;
    if (start) {
        for (size_t j = 0; j < V; j++)
            start[max - count[j] + 1]++; /* bucket max - c holds count c */
        for (size_t b = 1; b <= max + 1; b++)
            start[b] += start[b - 1];
        for (size_t j = 0; j < V; j++)
            rank[j] = (uint32_t)start[max - count[j]]++;
    } else {
        free(rank);
        rank = NULL;
    }
    free(start);
    free(count);
    return rank;
}

/* P = X with columns renumbered by rank, values in float32. */
static bool csr_renumbered(const RnCsr *X, const uint32_t *rank, RnCsrF32 *P, RnError **err)
{
    size_t nnz = X->row_ptr[X->n_rows];
    if (!csr_f32_alloc(P, X->n_rows, X->n_cols, nnz, err))
        return false;
    memcpy(P->row_ptr, X->row_ptr, (X->n_rows + 1) * sizeof *P->row_ptr);
    for (size_t q = 0; q < nnz; q++) {
        P->col[q] = rank[X->col[q]];
        P->val[q] = (float)X->val[q];
    }
    return true;
}

/* The transpose of X (columns become rows; order within a row is the row
 * order of X). */
static bool csr_transpose(const RnCsrF32 *X, RnCsrF32 *T, RnError **err)
{
    size_t nnz = X->row_ptr[X->n_rows];
    if (!csr_f32_alloc(T, X->n_cols, X->n_rows, nnz, err))
        return false;
    for (size_t p = 0; p < nnz; p++)
        T->row_ptr[X->col[p] + 1]++;
    for (size_t j = 0; j < X->n_cols; j++)
        T->row_ptr[j + 1] += T->row_ptr[j];
    size_t *next = rn_calloc(X->n_cols ? X->n_cols : 1, sizeof *next, err);
    if (!next) {
        csr_f32_free(T);
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

/* ---- dense steps in float64 ------------------------------------------------ */

/* dst (rows × l, row-major float64) = the first l columns of src (panels). */
static void widen(const float *src, size_t rows, size_t l, size_t ld, double *dst)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t c = 0; c < l; c++)
            dst[i * l + c] = src[rn_panel_index(i, c, rows, ld)];
}

/* The padding columns l..ld stay 0 (zeroed at allocation, never written). */
static void narrow(const double *src, size_t rows, size_t l, size_t ld, float *dst)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t c = 0; c < l; c++)
            dst[rn_panel_index(i, c, rows, ld)] = (float)src[i * l + c];
}

static bool qr(size_t m, size_t l, double *A, RnError **err)
{
    if (!rn_lapack_qr_thin_f64(m, l, A, l)) {
        rn_error_set(err, RN_ERROR_INTERNAL, "LAPACK QR failed");
        return false;
    }
    return true;
}

/* Intermediate normalisation of the power iterations: Cholesky QR (as
 * scikit-learn uses a cheap LU there), Householder when it breaks down. */
static bool normalise(size_t m, size_t l, double *A, RnError **err)
{
    return rn_lapack_cholesky_qr_f64(m, l, A, l) || qr(m, l, A, err);
}

/* F (float32, rows × ld) := its float64 orthonormalisation, through D. */
static bool normalise_f32(float *F, double *D, size_t rows, size_t l, size_t ld, bool householder,
                          RnError **err)
{
    widen(F, rows, l, ld, D);
    bool ok = householder ? qr(rows, l, D, err) : normalise(rows, l, D, err);
    if (ok)
        narrow(D, rows, l, ld, F);
    return ok;
}

/* components (k × V) from Z = Xᵀ Q (V × l, Q orthonormal): B = Zᵀ, and
 * B Bᵀ = Zᵀ Z has B's left singular vectors W; component_i = (Z W_i)ᵀ / σ_i,
 * in the original column order (rank), signs fixed. C: V × k scratch. */
static bool components_from(const double *Z, size_t V, size_t l, size_t k,
                            const uint32_t *rank, double *G, double *w, double *W, double *C,
                            double *components, double *sigma, RnError **err)
{
    rn_blas_gemm_tn_f64(l, l, V, 1.0, Z, l, Z, l, 0.0, G, l);
    if (!rn_lapack_syev_f64(l, G, l, w)) {
        rn_error_set(err, RN_ERROR_INTERNAL, "LAPACK eigendecomposition failed");
        return false;
    }
    for (size_t i = 0; i < k; i++) { /* top k eigenpairs, descending */
        size_t src = l - 1 - i;
        double lam = w[src] > 0 ? w[src] : 0;
        sigma[i] = sqrt(lam);
        double inv = sigma[i] > 0 ? 1.0 / sigma[i] : 0;
        for (size_t r = 0; r < l; r++)
            W[r * k + i] = G[r * l + src] * inv;
    }
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
    return true;
}

/* ---- the algorithm --------------------------------------------------------- */

typedef struct Work {
    size_t ld;
    float *Yf, *Zf;      /* n × ld, V × ld */
    double *Yd, *Zd;     /* n × l, V × l */
    double *G, *w, *W, *C;
    RnCsrF32 Xp, Xt;
    uint32_t *rank;
    RnPool *pool;
} Work;

static bool work_alloc(Work *s, const RnCsr *X, size_t l, size_t k, int threads, RnError **err)
{
    size_t n = X->n_rows, V = X->n_cols;
    s->ld = (l + 7) / 8 * 8;
    return (s->Yf = rn_calloc(n, s->ld * sizeof(float), err)) &&
           (s->Zf = rn_calloc(V, s->ld * sizeof(float), err)) &&
           (s->Yd = rn_calloc(n, l * sizeof(double), err)) &&
           (s->Zd = rn_calloc(V, l * sizeof(double), err)) &&
           (s->G = rn_calloc(l, l * sizeof(double), err)) &&
           (s->w = rn_calloc(l, sizeof(double), err)) &&
           (s->W = rn_calloc(l, k * sizeof(double), err)) &&
           (s->C = rn_calloc(V, k * sizeof(double), err)) &&
           (s->rank = rank_by_frequency(X, err)) && csr_renumbered(X, s->rank, &s->Xp, err) &&
           csr_transpose(&s->Xp, &s->Xt, err) && (s->pool = rn_pool_open(threads, err));
}

static void work_free(Work *s)
{
    rn_pool_close(s->pool);
    csr_f32_free(&s->Xp);
    csr_f32_free(&s->Xt);
    free(s->rank);
    free(s->Yf);
    free(s->Zf);
    free(s->Yd);
    free(s->Zd);
    free(s->G);
    free(s->w);
    free(s->W);
    free(s->C);
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
    Work s = {0};
    int blas_threads = rn_blas_get_threads();
    rn_blas_set_threads(1); /* one summation order, whatever the machine */
    bool ok = work_alloc(&s, X, l, k, threads, err);
    size_t ld = s.ld;
    if (ok) {
        fill_gaussian(s.Zd, V * l, seed);
        narrow(s.Zd, V, l, ld, s.Zf);
        ok = csr_mul(&s.Xp, s.Zf, ld, s.Yf, s.pool, err);
    }
    for (int it = 0; ok && it < iters; it++)
        ok = normalise_f32(s.Yf, s.Yd, n, l, ld, false, err) &&
             csr_mul(&s.Xt, s.Yf, ld, s.Zf, s.pool, err) &&
             normalise_f32(s.Zf, s.Zd, V, l, ld, false, err) &&
             csr_mul(&s.Xp, s.Zf, ld, s.Yf, s.pool, err);
    /* Q = orth(Y); Z = Xᵀ Q = Bᵀ */
    ok = ok && normalise_f32(s.Yf, s.Yd, n, l, ld, true, err) &&
         csr_mul(&s.Xt, s.Yf, ld, s.Zf, s.pool, err);
    if (ok) {
        widen(s.Zf, V, l, ld, s.Zd);
        ok = components_from(s.Zd, V, l, k, s.rank, s.G, s.w, s.W, s.C, components, sigma,
                             err);
    }
    rn_blas_set_threads(blas_threads);
    work_free(&s);
    return ok;
}
