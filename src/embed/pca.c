/* Randomized PCA and its exact reference (pca.h). */
#include "embed/pca.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Row partitions whose partial products are summed in a fixed order. */
#define MAX_PARTS 16u

static bool pca_alloc(EbPca *p, size_t d, size_t k, RnError **err)
{
    memset(p, 0, sizeof *p);
    p->d = d;
    p->k = k;
    p->mean = rn_calloc(d, sizeof *p->mean, err);
    p->components = p->mean ? rn_calloc(k * d, sizeof *p->components, err) : NULL;
    p->variance = p->components ? rn_calloc(k, sizeof *p->variance, err) : NULL;
    if (!p->variance) {
        eb_pca_free(p);
        return false;
    }
    return true;
}

void eb_pca_free(EbPca *p)
{
    if (!p)
        return;
    free(p->mean);
    free(p->components);
    free(p->variance);
    memset(p, 0, sizeof *p);
}

static bool check_shape(size_t n, size_t d, size_t k, RnError **err)
{
    size_t nd;
    if (n < 2 || d == 0 || k == 0 || k > d || k > n || !rn_mul_size(n, d, &nd)) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "PCA of %zu rows × %zu columns to %zu components: needs at "
                     "least 2 rows and 1 <= components <= min(rows, columns)",
                     n, d, k);
        return false;
    }
    return true;
}

/* Column means and the total variance, float64, rows in order. */
static bool column_stats(const float *X, size_t n, size_t d, EbPca *p,
                         RnError **err)
{
    double *sum = rn_calloc(2 * d, sizeof *sum, err);
    if (!sum)
        return false;
    double *sq = sum + d;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double v = X[i * d + j];
            sum[j] += v;
            sq[j] += v * v;
        }
    p->total_variance = 0;
    for (size_t j = 0; j < d; j++) {
        double mean = sum[j] / (double)n;
        p->mean[j] = (float)mean;
        double var = (sq[j] - (double)n * mean * mean) / (double)(n - 1);
        p->total_variance += var > 0 ? var : 0;
    }
    free(sum);
    return true;
}

/* Flips every row so that its largest-magnitude entry is positive. */
static void flip_signs(float *C, size_t k, size_t d)
{
    for (size_t c = 0; c < k; c++) {
        float *row = C + c * d;
        size_t arg = 0;
        for (size_t j = 1; j < d; j++)
            if (fabsf(row[j]) > fabsf(row[arg]))
                arg = j;
        if (row[arg] < 0)
            for (size_t j = 0; j < d; j++)
                row[j] = -row[j];
    }
}

/* ---- the randomized fit ------------------------------------------------ */

typedef struct Gemm {
    const float *X;      /* n × d, centred */
    size_t n, d, l;
    const float *in;     /* X·in: d × l;  Xᵀ·in: n × l */
    float *out;          /* X·in: n × l;  Xᵀ·in: parts × d × l partials */
    size_t parts;
} Gemm;

static bool x_times_part(void *ctx, size_t part, size_t r0, size_t r1,
                         RnError **err)
{
    Gemm *g = ctx;
    rn_blas_gemm_nn_f32(r1 - r0, g->l, g->d, 1.0f, g->X + r0 * g->d, g->d, g->in,
                        g->l, 0.0f, g->out + r0 * g->l, g->l);
    return true;
}

static bool xt_times_part(void *ctx, size_t p, size_t r0, size_t r1, RnError **err)
{
    Gemm *g = ctx;
    rn_blas_gemm_tn_f32(g->d, g->l, r1 - r0, 1.0f, g->X + r0 * g->d, g->d,
                        g->in + r0 * g->l, g->l, 0.0f, g->out + p * g->d * g->l,
                        g->l);
    return true;
}

/* Y (n × l) = X · W (d × l), one BLAS call per partition of about
 * EB_PCA_CHUNK rows. */
static bool x_times(const float *X, size_t n, size_t d, size_t l, const float *W,
                    float *Y, RnPool *pool, RnError **err)
{
    Gemm g = {X, n, d, l, W, Y, 0};
    return rn_pool_for(pool, n, rn_part_count(n, EB_PCA_CHUNK, SIZE_MAX),
                       x_times_part, &g, err);
}

/* Z (d × l) = Xᵀ · Y (n × l), partial products summed in part order.
 * partials: MAX_PARTS × d × l scratch. */
static bool xt_times(const float *X, size_t n, size_t d, size_t l,
                     const float *Y, float *Z, float *partials, RnPool *pool,
                     RnError **err)
{
    Gemm g = {X, n, d, l, Y, partials, rn_part_count(n, EB_PCA_CHUNK, MAX_PARTS)};
    if (!rn_pool_for(pool, n, g.parts, xt_times_part, &g, err))
        return false;
    memcpy(Z, partials, d * l * sizeof *Z);
    for (size_t p = 1; p < g.parts; p++)
        for (size_t i = 0; i < d * l; i++)
            Z[i] += partials[p * d * l + i];
    return true;
}

static bool orthonormalize(float *A, size_t m, size_t l, RnError **err)
{
    if (!rn_lapack_orthonormalize_f32(m, l, A, l)) {
        rn_error_set(err, RN_ERROR_INTERNAL, "PCA: QR factorisation failed");
        return false;
    }
    return true;
}

/* Gaussian d × l test matrix from the seeded stream. */
static void gaussian_fill(float *W, size_t count, uint64_t seed)
{
    RnRng rng = rn_rng_new(seed);
    for (size_t i = 0; i < count; i++)
        W[i] = (float)rn_rng_normal(&rng);
}

/* The range finder: Q (n × l) with orthonormal columns spanning X's top
 * singular subspace; Z (d × l) is scratch. */
static bool range_finder(const float *X, size_t n, size_t d, size_t l,
                         const EbPcaOptions *o, RnPool *pool, float *Q, float *Z,
                         float *partials, RnError **err)
{
    gaussian_fill(Z, d * l, o->seed);
    if (!x_times(X, n, d, l, Z, Q, pool, err) || !orthonormalize(Q, n, l, err))
        return false;
    for (unsigned it = 0; it < o->power_iters; it++)
        if (!xt_times(X, n, d, l, Q, Z, partials, pool, err) ||
            !orthonormalize(Z, d, l, err) ||
            !x_times(X, n, d, l, Z, Q, pool, err) ||
            !orthonormalize(Q, n, l, err))
            return false;
    return true;
}

/* Components from the SVD of B = Qᵀ X (l × d), given Bᵀ = Xᵀ Q (d × l). */
static bool small_svd(const float *Bt, size_t d, size_t l, size_t n, EbPca *p,
                      RnError **err)
{
    double *B = rn_malloc(l * d * sizeof *B, err);
    double *s = B ? rn_malloc(l * sizeof *s, err) : NULL;
    double *U = s ? rn_malloc(l * l * sizeof *U, err) : NULL;
    double *Vt = U ? rn_malloc(l * d * sizeof *Vt, err) : NULL;
    bool ok = Vt != NULL;
    if (ok) {
        for (size_t i = 0; i < l; i++)
            for (size_t j = 0; j < d; j++)
                B[i * d + j] = Bt[j * l + i];
        ok = rn_lapack_svd_f64(l, d, B, d, s, U, Vt);
        if (!ok)
            rn_error_set(err, RN_ERROR_INTERNAL, "PCA: SVD did not converge");
    }
    for (size_t c = 0; ok && c < p->k; c++) {
        for (size_t j = 0; j < d; j++)
            p->components[c * d + j] = (float)Vt[c * d + j];
        p->variance[c] = (float)(s[c] * s[c] / (double)(n - 1));
    }
    free(B);
    free(s);
    free(U);
    free(Vt);
    return ok;
}

static void centre(float *X, size_t n, size_t d, const float *mean)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            X[i * d + j] -= mean[j];
}

bool eb_pca_fit(float *X, size_t n, size_t d, const EbPcaOptions *o,
                EbPca *out, RnError **err)
{
    if (!check_shape(n, d, o->k, err) || !pca_alloc(out, d, o->k, err))
        return false;
    size_t l = o->k + o->oversample;
    if (l > n)
        l = n;
    if (l > d)
        l = d;
    float *Q = NULL, *Z = NULL, *partials = NULL;
    size_t nl, dl, pdl;
    bool ok = column_stats(X, n, d, out, err) && rn_mul_size(n, l, &nl) &&
              rn_mul_size(d, l, &dl) && rn_mul_size(dl, MAX_PARTS, &pdl);
    if (ok) {
        Q = rn_malloc(nl * sizeof *Q, err);
        Z = Q ? rn_malloc(dl * sizeof *Z, err) : NULL;
        partials = Z ? rn_malloc(pdl * sizeof *partials, err) : NULL;
        ok = partials != NULL;
    }
    int blas_threads = rn_blas_get_threads();
    rn_blas_set_threads(1); /* our own threads; BLAS stays deterministic */
    if (ok) {
        centre(X, n, d, out->mean);
        ok = range_finder(X, n, d, l, o, o->pool, Q, Z, partials, err) &&
             xt_times(X, n, d, l, Q, Z, partials, o->pool, err) &&
             small_svd(Z, d, l, n, out, err);
    }
    rn_blas_set_threads(blas_threads);
    free(Q);
    free(Z);
    free(partials);
    if (!ok) {
        eb_pca_free(out);
        return false;
    }
    flip_signs(out->components, out->k, d);
    return true;
}

/* ---- the exact reference ---------------------------------------------- */

/* Cyclic Jacobi on the symmetric d × d matrix A (destroyed): eigenvalues in
 * w, eigenvectors in the columns of V. */
static void jacobi_eigen(double *A, size_t d, double *w, double *V)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            V[i * d + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) {
                double sq = A[i * d + j] * A[i * d + j];
                if (i == j)
                    diag += sq;
                else
                    off += sq;
            }
        if (off <= 1e-30 * diag || off == 0)
            break;
        for (size_t p = 0; p + 1 < d; p++)
            for (size_t q = p + 1; q < d; q++) {
                double apq = A[p * d + q];
                if (apq == 0)
                    continue;
                double theta = (A[q * d + q] - A[p * d + p]) / (2 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) /
                           (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (size_t k = 0; k < d; k++) { /* A ← A·J */
                    double akp = A[k * d + p], akq = A[k * d + q];
                    A[k * d + p] = c * akp - s * akq;
                    A[k * d + q] = s * akp + c * akq;
                }
                for (size_t k = 0; k < d; k++) { /* A ← Jᵀ·A */
                    double apk = A[p * d + k], aqk = A[q * d + k];
                    A[p * d + k] = c * apk - s * aqk;
                    A[q * d + k] = s * apk + c * aqk;
                }
                for (size_t k = 0; k < d; k++) {
                    double vkp = V[k * d + p], vkq = V[k * d + q];
                    V[k * d + p] = c * vkp - s * vkq;
                    V[k * d + q] = s * vkp + c * vkq;
                }
            }
    }
    for (size_t i = 0; i < d; i++)
        w[i] = A[i * d + i];
}

bool eb_pca_fit_ref(const float *X, size_t n, size_t d, size_t k, EbPca *out,
                    RnError **err)
{
    if (!check_shape(n, d, k, err) || !pca_alloc(out, d, k, err))
        return false;
    double *C = rn_calloc(d * d, sizeof *C, err);
    double *V = C ? rn_malloc(d * d * sizeof *V, err) : NULL;
    double *w = V ? rn_malloc(d * sizeof *w, err) : NULL;
    bool *used = w ? rn_calloc(d, sizeof *used, err) : NULL;
    bool ok = used && column_stats(X, n, d, out, err);
    for (size_t i = 0; ok && i < n; i++)
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++)
                C[a * d + b] += ((double)X[i * d + a] - out->mean[a]) *
                                ((double)X[i * d + b] - out->mean[b]) / (double)(n - 1);
    if (ok)
        jacobi_eigen(C, d, w, V);
    for (size_t c = 0; ok && c < k; c++) { /* selection by descending eigenvalue */
        size_t best = d;
        for (size_t j = 0; j < d; j++)
            if (!used[j] && (best == d || w[j] > w[best]))
                best = j;
        used[best] = true;
        out->variance[c] = (float)w[best];
        for (size_t j = 0; j < d; j++)
            out->components[c * d + j] = (float)V[j * d + best];
    }
    free(C);
    free(V);
    free(w);
    free(used);
    if (!ok) {
        eb_pca_free(out);
        return false;
    }
    flip_signs(out->components, k, d);
    return true;
}

/* ---- projection and persistence -------------------------------------- */

void eb_pca_project(const EbPca *p, float *X, size_t n, size_t ldx, float *out,
                    size_t ldo)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p->d; j++)
            X[i * ldx + j] -= p->mean[j];
    for (size_t r0 = 0; r0 < n; r0 += EB_PCA_CHUNK) {
        size_t m = n - r0 < EB_PCA_CHUNK ? n - r0 : EB_PCA_CHUNK;
        rn_blas_gemm_nt_f32(m, p->k, p->d, 1.0f, X + r0 * ldx, ldx, p->components,
                            p->d, 0.0f, out + r0 * ldo, ldo);
    }
}

bool eb_pca_save(const EbPca *p, RnBuf *out, RnError **err)
{
    uint64_t total_bits;
    memcpy(&total_bits, &p->total_variance, sizeof total_bits);
    return eb_put_u64(out, p->d, err) && eb_put_u64(out, p->k, err) &&
           eb_put_u64(out, total_bits, err) && eb_put_f32s(out, p->mean, p->d, err) &&
           eb_put_f32s(out, p->components, p->k * p->d, err) &&
           eb_put_f32s(out, p->variance, p->k, err);
}

bool eb_pca_load(EbReader *r, size_t d_max, EbPca *out, RnError **err)
{
    size_t d, k;
    uint64_t total_bits;
    memset(out, 0, sizeof *out);
    if (!eb_get_size(r, 1, d_max, &d, err) || !eb_get_size(r, 1, d, &k, err) ||
        !eb_get_u64(r, &total_bits, err))
        return false;
    /* all three arrays must fit in what remains before anything is allocated */
    if (k * d + k + d > (r->n - r->pos) / 4) {
        rn_error_set_at(err, RN_ERROR_PARSE, r->pos, "PCA payload truncated");
        return false;
    }
    if (!pca_alloc(out, d, k, err))
        return false;
    memcpy(&out->total_variance, &total_bits, sizeof total_bits);
    if (!eb_get_f32s(r, out->mean, d, err) ||
        !eb_get_f32s(r, out->components, k * d, err) ||
        !eb_get_f32s(r, out->variance, k, err)) {
        eb_pca_free(out);
        return false;
    }
    return true;
}
