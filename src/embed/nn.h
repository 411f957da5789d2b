/* Small CPU neural-network kernels for the convolutional autoencoder
 * (src/embed/cae.c). Activations are batches of NHWC float32 images
 * (b, h, w, c contiguous, c fastest), so every convolution is one GEMM over
 * the whole batch: im2col rows are pixels, columns are (ky, kx, cin).
 *
 * Weight layouts: convolution OHWI (cout, ky, kx, cin), dense (out, in) as
 * torch.nn.Linear. Every reduction runs in a fixed order, and the GEMMs go
 * through src/core/blas.c; results depend on the BLAS thread count at most.
 *
 * The nn_ref_* functions (nn_ref.c) are plain loop versions of the GEMM
 * kernels, kept for the tests that hold the fast ones to them. */
#ifndef RN_EMBED_NN_H
#define RN_EMBED_NN_H

#include <stddef.h>
#include <stdint.h>

/* 3×3 convolution, zero padding 1, stride 1, with bias.
 * x: n×h×w×cin, weight: cout×3×3×cin, bias: cout, y: n×h×w×cout.
 * col: scratch of chunk·h·w·9·cin floats; im2col runs `chunk` images at a
 * time, which bounds the scratch without changing the result. */
void nn_conv3_forward(const float *x, size_t n, size_t h, size_t w,
                      size_t cin, size_t cout, const float *weight,
                      const float *bias, float *y, float *col, size_t chunk);
/* Gradients of nn_conv3_forward: dweight and dbias are overwritten; dx
 * (NULL: not wanted) is overwritten. col, chunk: as forward; dweight adds
 * the chunks in batch order. */
void nn_conv3_backward(const float *x, const float *dy, size_t n, size_t h,
                       size_t w, size_t cin, size_t cout, const float *weight,
                       float *dweight, float *dbias, float *dx, float *col,
                       size_t chunk);

/* Fully connected: y[n×out] = x[n×in] · weightᵀ + bias. */
void nn_dense_forward(const float *x, size_t n, size_t in, size_t out,
                      const float *weight, const float *bias, float *y);
/* dweight, dbias overwritten; dx (NULL: not wanted) overwritten. */
void nn_dense_backward(const float *x, const float *dy, size_t n, size_t in,
                       size_t out, const float *weight, float *dweight,
                       float *dbias, float *dx);

/* 2×2 max pooling, stride 2 (h and w even). The first maximum in scan
 * order takes the gradient, as torch's CPU max_pool2d. */
void nn_maxpool2_forward(const float *x, size_t n, size_t h, size_t w,
                         size_t c, float *y);
void nn_maxpool2_backward(const float *x, const float *dy, size_t n, size_t h,
                          size_t w, size_t c, float *dx);

/* Nearest-neighbour 2× up-sampling of n×h×w×c to n×2h×2w×c. */
void nn_upsample2_forward(const float *x, size_t n, size_t h, size_t w,
                          size_t c, float *y);
void nn_upsample2_backward(const float *dy, size_t n, size_t h, size_t w,
                           size_t c, float *dx);

/* Element-wise over count values; y may alias x, dx may alias dy. */
void nn_relu_forward(const float *x, size_t count, float *y);
void nn_relu_backward(const float *y, const float *dy, size_t count, float *dx);
void nn_sigmoid_forward(const float *x, size_t count, float *y);

/* Mean squared error of sigmoid outputs y against target t (count values),
 * and its gradient with respect to the sigmoid's input (dz; may be NULL). */
double nn_sigmoid_mse(const float *y, const float *t, size_t count, float *dz);

/* torch.optim.Adam (bias-corrected, no weight decay) over count parameters;
 * step counts from 1. */
typedef struct NnAdam {
    float lr, beta1, beta2, eps;
    uint64_t step;
    float *m, *v;       /* count each, zeroed at start */
} NnAdam;
void nn_adam_update(NnAdam *a, float *param, const float *grad, size_t count);

/* Plain loop references (nn_ref.c, tests only). */
void nn_ref_conv3_forward(const float *x, size_t n, size_t h, size_t w,
                          size_t cin, size_t cout, const float *weight,
                          const float *bias, float *y);
void nn_ref_conv3_backward(const float *x, const float *dy, size_t n, size_t h,
                           size_t w, size_t cin, size_t cout,
                           const float *weight, float *dweight, float *dbias,
                           float *dx);
void nn_ref_dense_forward(const float *x, size_t n, size_t in, size_t out,
                          const float *weight, const float *bias, float *y);
void nn_ref_dense_backward(const float *x, const float *dy, size_t n,
                           size_t in, size_t out, const float *weight,
                           float *dweight, float *dbias, float *dx);

#endif
