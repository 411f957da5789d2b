/* Hand-made image descriptors as scikit-image 0.19 defines them, on float
 * images (row-major, rows × cols): HOG (skimage.feature.hog) and uniform
 * LBP (skimage.feature.local_binary_pattern, method='uniform'). Each has a
 * plain reference — a literal port of scikit-image's loops — and the fast
 * version the extractors use; tests hold one to the other. */
#ifndef RN_EMBED_DESCRIPTORS_H
#define RN_EMBED_DESCRIPTORS_H

#include "radnet/core.h"

/* ---- HOG ---------------------------------------------------------------- */

/* Unsigned gradients (0–180°), hard orientation binning, cell means,
 * L2-Hys block normalisation (eps 1e-5, clip 0.2), no transform_sqrt;
 * output order (block row, block col, cell row, cell col, orientation). */
typedef struct EbHogParams {
    uint32_t orientations;
    uint32_t cell;      /* pixels per cell (square) */
    uint32_t block;     /* cells per block (square) */
} EbHogParams;

/* Output length; 0 when the image holds less than one block. */
size_t eb_hog_dim(uint32_t rows, uint32_t cols, const EbHogParams *p);
/* Scratch floats eb_hog needs. */
size_t eb_hog_scratch(uint32_t rows, uint32_t cols, const EbHogParams *p);

/* What eb_hog precomputes once per layout: the bin edges as unit vectors
 * and a pseudo-angle → bin table (orientations <= 180). */
#define EB_HOG_LUT 1024
typedef struct EbHogPlan {
    EbHogParams params;
    uint32_t n;
    double cos_[180], sin_[180];
    uint8_t lut[EB_HOG_LUT];
} EbHogPlan;

void eb_hog_plan_init(EbHogPlan *plan, const EbHogParams *p);
void eb_hog(const EbHogPlan *plan, const float *img, uint32_t rows, uint32_t cols,
            float *scratch, float *out);
bool eb_hog_ref(const float *img, uint32_t rows, uint32_t cols,
                const EbHogParams *p, float *out, RnError **err);

/* ---- uniform LBP --------------------------------------------------------- */

/* Codes 0..P+1 of skimage's 'uniform' method (bilinear neighbours at radius
 * R, coordinates rounded to 5 decimals, zero outside the image; "uniform"
 * counts the P-1 transitions between consecutive neighbours, as skimage
 * does). Computed in float64 on the float image. */
#define EB_LBP_MAX_P 64u
/* Scratch doubles eb_lbp_codes needs for images of `cols` columns. */
size_t eb_lbp_scratch(uint32_t cols, uint32_t P);
void eb_lbp_codes(const float *img, uint32_t rows, uint32_t cols, uint32_t P,
                  double R, double *scratch, uint8_t *codes);
bool eb_lbp_codes_ref(const float *img, uint32_t rows, uint32_t cols,
                      uint32_t P, double R, uint8_t *codes, RnError **err);

#endif
