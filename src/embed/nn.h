/* Small CPU neural-network kernels for the convolutional autoencoder
 * (src/embed/cae*.c). Activations are batches of NHWC float32 images
 * (b, h, w, c contiguous, c fastest).
 *
 * Weight layouts: convolution OHWI (cout, ky, kx, cin), dense (out, in) as
 * torch.nn.Linear. Convolutions run in oneDNN, dense layers through
 * src/core/blas.c; the other reductions run in a fixed order.
 *
 * The nn_ref_* functions (nn_ref.c) are plain loop versions of the
 * convolution and dense kernels, for the tests that hold the fast ones
 * (oneDNN, im2col + GEMM, BLAS) to them. */
#ifndef RN_EMBED_NN_H
#define RN_EMBED_NN_H

#include "radnet/core.h"

/* 3×3 convolution, zero padding 1, stride 1, with bias, through oneDNN
 * (nn_conv.c): x n×h×w×cin, weight cout×3×3×cin, bias cout, y n×h×w×cout;
 * with `relu`, the forward pass writes max(y, 0) (a ReLU fused into it).
 * One NnConv per layer keeps the primitives of the last two batch sizes. */
typedef struct NnConv NnConv;
NnConv *nn_conv_new(size_t h, size_t w, size_t cin, size_t cout, bool relu,
                    RnError **err);
void nn_conv_free(NnConv *c);
bool nn_conv_forward(NnConv *c, const float *x, size_t n, const float *weight,
                     const float *bias, float *y, bool training, RnError **err);
/* The gradient at the input, dx (overwritten). Weight gradients come from
 * nn_conv3_weight_grad: oneDNN's depend on the thread count. */
bool nn_conv_backward_data(NnConv *c, const float *dy, size_t n,
                           const float *weight, float *dx, RnError **err);

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

/* Column sums of a rows×cols matrix, in double, in row order. */
void nn_column_sums(const float *m, size_t rows, size_t cols, float *out);

/* im2col + GEMM convolution (nn_im2col.c): x, weight, bias, y as nn_conv_*;
 * col, a scratch of chunk·h·w·9·max(cin, cout) floats (im2col runs `chunk`
 * images at a time; the result does not depend on it); wflip, a scratch of
 * 9·cin·cout floats. Weight and bias gradients (overwritten), summed in a
 * fixed order whatever the thread count (straight from x and dy, without
 * im2col, when cout is 1; col then needs 9·cin floats): */
void nn_conv3_weight_grad(const float *x, const float *dy, size_t n,
                          size_t h, size_t w, size_t cin, size_t cout,
                          float *dweight, float *dbias, float *col, size_t chunk);
/* The forward pass and all gradients, the alternative measured against
 * oneDNN (bench and tests). */
void nn_conv3_forward(const float *x, size_t n, size_t h, size_t w,
                      size_t cin, size_t cout, const float *weight,
                      const float *bias, float *y, float *col, size_t chunk);
/* Gradients of nn_conv3_forward: dweight and dbias are overwritten; dx
 * (NULL: not wanted) is overwritten. col, chunk: as forward; dweight adds
 * the chunks in batch order. wflip: scratch of 9·cin·cout floats. */
void nn_conv3_backward(const float *x, const float *dy, size_t n, size_t h,
                       size_t w, size_t cin, size_t cout, const float *weight,
                       float *dweight, float *dbias, float *dx, float *col,
                       size_t chunk, float *wflip);

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
