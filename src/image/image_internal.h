/* Internals of the image stage, shared by its sources, tests and bench. */
#ifndef RADNET_IMAGE_INTERNAL_H
#define RADNET_IMAGE_INTERNAL_H

#include "radnet/image.h"

/* Hot loops are also built for AVX2 (chosen at load time by the CPU), as
 * baseline x86-64 lacks e.g. 32-bit integer min/max and multiply in SIMD. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RN_IMAGE_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RN_IMAGE_SIMD_CLONES
#endif

/* ---- resize (resize.c) ------------------------------------------------
 * Bilinear resampling as Pillow's Image.resize(..., BILINEAR) does it on an
 * 8-bit image (the authors' resize): a triangle filter whose support widens
 * with the scale factor when shrinking (so it averages instead of aliasing),
 * truncated at the borders and renormalised; separable, horizontal pass
 * first into an 8-bit intermediate, 22-bit fixed-point weights. */

/* Output size that fits rows x cols into S x S keeping the aspect, rounded
 * half to even as Python's round() (the authors' code); never 0. */
void rn_image_fit_size(uint32_t rows, uint32_t cols, uint32_t size,
                       uint32_t *out_rows, uint32_t *out_cols);

/* Fast version: precomputed integer weights, row-accumulating vertical pass. */
bool rn_image_resize_u8(const uint8_t *src, uint32_t rows, uint32_t cols,
                        uint8_t *dst, uint32_t out_rows, uint32_t out_cols,
                        RnError **err);
/* Plain reference: the same filter evaluated in double precision as one 2-D
 * weighted sum per output pixel, rounded once. Differs from the fast version
 * by at most 1 (the fast one rounds its intermediate rows to 8 bits). */
bool rn_image_resize_u8_ref(const uint8_t *src, uint32_t rows, uint32_t cols,
                            uint8_t *dst, uint32_t out_rows, uint32_t out_cols,
                            RnError **err);

/* ---- numeric helpers (preprocess.c) ---------------------------------- */

/* numpy.percentile(..., method='linear') of `values` (n >= 1), q in
 * percent. Reorders `values`. */
double rn_image_percentile(double *values, size_t n, double q);

/* numpy's linear interpolation between the two order statistics around the
 * virtual index (n - 1) * q / 100. */
double rn_image_lerp(double prev, double next, double gamma);

/* The authors' VOI window: <= c - w/2 -> 0, > c + w/2 -> 255, else
 * (x - c + w/2) / w * 255. */
static inline double rn_image_window(double x, double c, double w)
{
    if (x <= c - w / 2)
        return 0.0;
    if (x > c + w / 2)
        return 255.0;
    return (x - c + w / 2) / w * 255.0;
}

/* Drop rules of the paper on the windowed 8-bit image (rows x cols). */
RnDropReason rn_image_drop_reason(const uint8_t *img, uint32_t rows,
                                  uint32_t cols, double sparse_threshold);

#endif
