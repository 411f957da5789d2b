/* The one file that calls BLAS. Everything else goes through these
 * row-major wrappers with explicit strides. */
#include "radnet/core.h"

#include <cblas.h>

void rn_blas_gemm_nt_f32(size_t m, size_t n, size_t k, float alpha,
                         const float *A, size_t lda, const float *B, size_t ldb,
                         float beta, float *C, size_t ldc)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)m, (blasint)n,
                (blasint)k, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C,
                (blasint)ldc);
}

void rn_blas_gemm_nt_f64(size_t m, size_t n, size_t k, double alpha,
                         const double *A, size_t lda, const double *B, size_t ldb,
                         double beta, double *C, size_t ldc)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)m, (blasint)n,
                (blasint)k, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C,
                (blasint)ldc);
}

void rn_blas_gemm_nn_f32(size_t m, size_t n, size_t k, float alpha,
                         const float *A, size_t lda, const float *B, size_t ldb,
                         float beta, float *C, size_t ldc)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)m, (blasint)n,
                (blasint)k, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C,
                (blasint)ldc);
}

void rn_blas_gemm_nn_f64(size_t m, size_t n, size_t k, double alpha,
                         const double *A, size_t lda, const double *B, size_t ldb,
                         double beta, double *C, size_t ldc)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)m, (blasint)n,
                (blasint)k, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C,
                (blasint)ldc);
}

void rn_blas_gemm_tn_f64(size_t m, size_t n, size_t k, double alpha,
                         const double *A, size_t lda, const double *B, size_t ldb,
                         double beta, double *C, size_t ldc)
{
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)m, (blasint)n,
                (blasint)k, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C,
                (blasint)ldc);
}

void rn_blas_set_threads(int n)
{
    openblas_set_num_threads(n);
}

int rn_blas_get_threads(void)
{
    return openblas_get_num_threads();
}

/* -- embed stage (randomized PCA): float Aᵀ·B, QR and SVD ------------- */

#include <lapacke.h>
#include <stdlib.h>

void rn_blas_gemm_tn_f32(size_t m, size_t n, size_t k, float alpha,
                         const float *A, size_t lda, const float *B, size_t ldb,
                         float beta, float *C, size_t ldc)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)m, (blasint)n,
                (blasint)k, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C,
                (blasint)ldc);
}

bool rn_lapack_orthonormalize_f32(size_t m, size_t n, float *A, size_t lda)
{
    float *tau = malloc((n ? n : 1) * sizeof *tau);
    if (!tau)
        return false;
    lapack_int info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n,
                                     A, (lapack_int)lda, tau);
    if (info == 0)
        info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n,
                              (lapack_int)n, A, (lapack_int)lda, tau);
    free(tau);
    return info == 0;
}

bool rn_lapack_svd_f64(size_t m, size_t n, double *A, size_t lda, double *s,
                       double *U, double *Vt)
{
    size_t r = m < n ? m : n;
    lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, U ? 'S' : 'N',
                                     (lapack_int)m, (lapack_int)n, A,
                                     (lapack_int)lda, s, U, (lapack_int)r, Vt,
                                     (lapack_int)n);
    return info == 0;
}

/* ---- LAPACK for the metadata and text extractors (embtxt) ------------- */

bool rn_lapack_qr_thin_f64(size_t m, size_t n, double *A, size_t lda)
{
    if (n == 0)
        return true;
    double *tau = malloc(n * sizeof *tau);
    if (!tau)
        return false;
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n, A,
                                     (lapack_int)lda, tau);
    if (info == 0)
        info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)n,
                              A, (lapack_int)lda, tau);
    free(tau);
    return info == 0;
}

bool rn_lapack_syev_f64(size_t n, double *A, size_t lda, double *w)
{
    return LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, A, (lapack_int)lda, w) == 0;
}
