/* The im2col + OpenBLAS GEMM convolution. The CAE takes its weight
 * gradients from here: OpenBLAS splits a GEMM over rows and columns, never
 * the inner sum, so they do not depend on the thread count (oneDNN's do).
 * The forward pass and the input gradient are the alternative that
 * bench/bench_cae_onednn.c measures against oneDNN (which won them). */
#include "embed/nn.h"

#include "radnet/core.h"

#include <stdbool.h>
#include <string.h>

static void copy_floats(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++) /* short runs: a loop beats memcpy calls */
        dst[i] = src[i];
}

static void zero_floats(float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = 0.0f;
}

/* col[(pixel) × (ky, kx, cin)] from an NHWC batch, zeros outside. The
 * three taps of one kernel row are adjacent pixels of one input row, so
 * inside the image each kernel row is one run of 3·cin floats. */
static void im2col3(const float *x, size_t n, size_t h, size_t w, size_t cin,
                    float *col)
{
    size_t k = 9 * cin, run = 3 * cin;
    for (size_t b = 0; b < n; b++) {
        const float *img = x + b * h * w * cin;
        for (size_t y = 0; y < h; y++) {
            for (size_t xx = 0; xx < w; xx++) {
                float *row = col + ((b * h + y) * w + xx) * k;
                for (int ky = -1; ky <= 1; ky++, row += run) {
                    ptrdiff_t sy = (ptrdiff_t)y + ky;
                    if (sy < 0 || sy >= (ptrdiff_t)h) {
                        zero_floats(row, run);
                        continue;
                    }
                    const float *src = img + (size_t)sy * w * cin;
                    if (xx > 0 && xx + 1 < w) {
                        copy_floats(row, src + (xx - 1) * cin, run);
                        continue;
                    }
                    for (int kx = -1; kx <= 1; kx++) {
                        ptrdiff_t sx = (ptrdiff_t)xx + kx;
                        float *dst = row + (size_t)(kx + 1) * cin;
                        if (sx < 0 || sx >= (ptrdiff_t)w)
                            zero_floats(dst, cin);
                        else
                            copy_floats(dst, src + (size_t)sx * cin, cin);
                    }
                }
            }
        }
    }
}

/* The adjoint of im2col3: dx = sum of the column entries that read it,
 * added in pixel order. */
static void col2im3(const float *col, size_t n, size_t h, size_t w, size_t cin,
                    float *dx)
{
    size_t k = 9 * cin;
    memset(dx, 0, n * h * w * cin * sizeof *dx);
    for (size_t b = 0; b < n; b++) {
        float *img = dx + b * h * w * cin;
        for (size_t y = 0; y < h; y++) {
            for (size_t xx = 0; xx < w; xx++) {
                const float *row = col + ((b * h + y) * w + xx) * k;
                for (int ky = -1; ky <= 1; ky++) {
                    for (int kx = -1; kx <= 1; kx++, row += cin) {
                        ptrdiff_t sy = (ptrdiff_t)y + ky, sx = (ptrdiff_t)xx + kx;
                        if (sy < 0 || sx < 0 || sy >= (ptrdiff_t)h ||
                            sx >= (ptrdiff_t)w)
                            continue;
                        float *dst = img + ((size_t)sy * w + (size_t)sx) * cin;
                        for (size_t c = 0; c < cin; c++)
                            dst[c] += row[c];
                    }
                }
            }
        }
    }
}

static void fill_bias_rows(float *y, size_t rows, size_t cols, const float *bias)
{
    for (size_t r = 0; r < rows; r++)
        memcpy(y + r * cols, bias, cols * sizeof *y);
}

void nn_conv3_forward(const float *x, size_t n, size_t h, size_t w,
                      size_t cin, size_t cout, const float *weight,
                      const float *bias, float *y, float *col, size_t chunk)
{
    size_t hw = h * w, k = 9 * cin;
    fill_bias_rows(y, n * hw, cout, bias);
    for (size_t b0 = 0; b0 < n; b0 += chunk) {
        size_t nb = n - b0 < chunk ? n - b0 : chunk;
        im2col3(x + b0 * hw * cin, nb, h, w, cin, col);
        rn_blas_gemm_nt_f32(nb * hw, cout, k, 1.0f, col, k, weight, k, 1.0f,
                            y + b0 * hw * cout, cout);
    }
}

/* W'[c][ky][kx][o] = W[o][2-ky][2-kx][c]: the gradient at the input of a
 * convolution is the convolution of the output gradient with W'. */
static void flip_kernel(const float *weight, size_t cin, size_t cout, float *wflip)
{
    for (size_t o = 0; o < cout; o++)
        for (size_t t = 0; t < 9; t++)
            for (size_t c = 0; c < cin; c++)
                wflip[(c * 9 + (8 - t)) * cout + o] = weight[(o * 9 + t) * cin + c];
}

/* Weight gradient of a layer with one output channel (the reconstruction):
 * sums over pixels straight from x and dy, as im2col would copy 9·cin
 * floats per pixel for 9·cin products (5× faster: bench/RESULTS.md). acc:
 * 9·cin·cout floats, [tap][o][c], one image at a time, added to dweight in
 * image order. */
static void weight_grad_direct(const float *x, const float *dy, size_t n,
                               size_t h, size_t w, size_t cin, size_t cout,
                               float *dweight, float *acc)
{
    size_t kc = cin * cout;
    for (size_t b = 0; b < n; b++) {
        zero_floats(acc, 9 * kc);
        const float *img = x + b * h * w * cin;
        for (size_t y = 0; y < h; y++)
            for (size_t xx = 0; xx < w; xx++) {
                const float *g = dy + ((b * h + y) * w + xx) * cout;
                for (int ky = -1; ky <= 1; ky++) {
                    ptrdiff_t sy = (ptrdiff_t)y + ky;
                    if (sy < 0 || sy >= (ptrdiff_t)h)
                        continue;
                    for (int kx = -1; kx <= 1; kx++) {
                        ptrdiff_t sx = (ptrdiff_t)xx + kx;
                        if (sx < 0 || sx >= (ptrdiff_t)w)
                            continue;
                        const float *src = img + ((size_t)sy * w + (size_t)sx) * cin;
                        float *a = acc + (size_t)((ky + 1) * 3 + kx + 1) * kc;
                        for (size_t o = 0; o < cout; o++)
                            for (size_t c = 0; c < cin; c++)
                                a[o * cin + c] += g[o] * src[c];
                    }
                }
            }
        for (size_t o = 0; o < cout; o++)
            for (size_t t = 0; t < 9; t++)
                for (size_t c = 0; c < cin; c++) {
                    float v = acc[t * kc + o * cin + c];
                    float *d = &dweight[(o * 9 + t) * cin + c];
                    *d = b ? *d + v : v;
                }
    }
}

void nn_conv3_weight_grad(const float *x, const float *dy, size_t n,
                          size_t h, size_t w, size_t cin, size_t cout,
                          float *dweight, float *dbias, float *col, size_t chunk)
{
    size_t hw = h * w, k = 9 * cin;
    nn_column_sums(dy, n * hw, cout, dbias);
    if (cout == 1) {
        weight_grad_direct(x, dy, n, h, w, cin, cout, dweight, col);
        return;
    }
    for (size_t b0 = 0; b0 < n; b0 += chunk) {
        size_t nb = n - b0 < chunk ? n - b0 : chunk;
        im2col3(x + b0 * hw * cin, nb, h, w, cin, col);
        /* chunks add to dweight in batch order */
        rn_blas_gemm_tn_f32(cout, k, nb * hw, 1.0f, dy + b0 * hw * cout, cout,
                            col, k, b0 ? 1.0f : 0.0f, dweight, k);
    }
}

void nn_conv3_backward(const float *x, const float *dy, size_t n, size_t h,
                       size_t w, size_t cin, size_t cout, const float *weight,
                       float *dweight, float *dbias, float *dx, float *col,
                       size_t chunk, float *wflip)
{
    size_t hw = h * w, k = 9 * cin;
    nn_conv3_weight_grad(x, dy, n, h, w, cin, cout, dweight, dbias, col, chunk);
    if (!dx)
        return;
    /* dx either through col2im (cheaper when cin <= cout) or as the
     * convolution of dy with the flipped kernel (its im2col has 9·cout
     * columns instead of 9·cin); both sum in a fixed order. */
    bool flipped = cout < cin;
    if (flipped)
        flip_kernel(weight, cin, cout, wflip);
    for (size_t b0 = 0; b0 < n; b0 += chunk) {
        size_t nb = n - b0 < chunk ? n - b0 : chunk;
        const float *dyb = dy + b0 * hw * cout;
        float *dxb = dx + b0 * hw * cin;
        if (flipped) {
            im2col3(dyb, nb, h, w, cout, col);
            rn_blas_gemm_nt_f32(nb * hw, cin, 9 * cout, 1.0f, col, 9 * cout,
                                wflip, 9 * cout, 0.0f, dxb, cin);
        } else {
            rn_blas_gemm_nn_f32(nb * hw, k, cout, 1.0f, dyb, cout, weight, k,
                                0.0f, col, k);
            col2im3(col, nb, h, w, cin, dxb);
        }
    }
}
