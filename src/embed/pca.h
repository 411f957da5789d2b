/* PCA engine shared by the image extractors: the `pca` method on
 * thumbnails, and the optional reduction after HOG and LBP.
 *
 * Fast fit: randomized SVD (Halko, Martinsson, Tropp 2011, Alg. 4.4: a
 * Gaussian test matrix, q power iterations re-orthonormalised by QR each
 * time, then the SVD of the small projected matrix), float32 GEMMs on fixed
 * row chunks so the result does not depend on the thread count.
 * Reference fit: the exact eigendecomposition (cyclic Jacobi, float64) of
 * the covariance matrix, plain loops.
 * Sign convention (both): the largest-magnitude entry of every component is
 * positive. */
#ifndef RN_EMBED_PCA_H
#define RN_EMBED_PCA_H

#include "embed/blob.h"

typedef struct EbPca {
    size_t d, k;
    float *mean;            /* d */
    float *components;      /* k × d, orthonormal rows */
    float *variance;        /* k: explained variance (divisor n - 1) */
    double total_variance;  /* sum of the column variances of the fit data */
} EbPca;

typedef struct EbPcaOptions {
    size_t k;
    unsigned power_iters;   /* q */
    size_t oversample;      /* extra test vectors beyond k */
    uint64_t seed;
    RnPool *pool;           /* NULL: the caller's thread only */
} EbPcaOptions;

/* Rows per BLAS call in fits and projections (about; the partitions
 * depend only on n), so results never depend on the thread count. BLAS
 * runs single-threaded meanwhile: the pool supplies the threads. */
#define EB_PCA_CHUNK 256u

/* Power iterations and oversampling of the descriptor reductions; the
 * `pca` method exposes them as options. 4 iterations keep the leading
 * components within float32 rounding of the exact ones on thumbnails
 * (tests/embed/golden_descriptors.py). */
#define EB_PCA_POWER_ITERS 4u
#define EB_PCA_OVERSAMPLE 10u

/* Fits on X (n × d, row-major, contiguous), which is centred in place.
 * Needs n >= 2 and 1 <= k <= min(n, d). */
bool eb_pca_fit(float *X, size_t n, size_t d, const EbPcaOptions *o,
                EbPca *out, RnError **err);
/* The exact reference (d up to a few hundred). X is not modified. */
bool eb_pca_fit_ref(const float *X, size_t n, size_t d, size_t k, EbPca *out,
                    RnError **err);
/* out[i·ldo + j] = (x_i - mean) · component_j for n rows; the rows of X
 * (stride ldx) are centred in place. One BLAS call per EB_PCA_CHUNK rows,
 * single-threaded: callers parallelise over chunks. */
void eb_pca_project(const EbPca *p, float *X, size_t n, size_t ldx, float *out,
                    size_t ldo);
bool eb_pca_save(const EbPca *p, RnBuf *out, RnError **err);
/* d_max bounds the input dimension the caller accepts. */
bool eb_pca_load(EbReader *r, size_t d_max, EbPca *out, RnError **err);
void eb_pca_free(EbPca *p);

#endif
