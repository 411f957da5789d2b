/* CPU kernels of the convolutional autoencoder: im2col + one BLAS GEMM per
 * convolution over the whole batch (see nn.h for layouts). */
#include "embed/nn.h"

#include "radnet/core.h"

#include <math.h>
#include <string.h>

/* Column sums of an rows×cols matrix, accumulated in double in row order. */
static void column_sums(const float *m, size_t rows, size_t cols, float *out)
{
    enum { BLOCK = 256 };
    double acc[BLOCK];
    for (size_t c0 = 0; c0 < cols; c0 += BLOCK) {
        size_t nc = cols - c0 < BLOCK ? cols - c0 : BLOCK;
        memset(acc, 0, nc * sizeof *acc);
        for (size_t r = 0; r < rows; r++) {
            const float *row = m + r * cols + c0;
            for (size_t c = 0; c < nc; c++)
                acc[c] += row[c];
        }
        for (size_t c = 0; c < nc; c++)
            out[c0 + c] = (float)acc[c];
    }
}

/* col[(pixel) × (ky, kx, cin)] from an NHWC batch, zeros outside. */
static void im2col3(const float *x, size_t n, size_t h, size_t w, size_t cin,
                    float *col)
{
    size_t k = 9 * cin;
    for (size_t b = 0; b < n; b++) {
        const float *img = x + b * h * w * cin;
        for (size_t y = 0; y < h; y++) {
            for (size_t xx = 0; xx < w; xx++) {
                float *row = col + ((b * h + y) * w + xx) * k;
                for (int ky = -1; ky <= 1; ky++) {
                    for (int kx = -1; kx <= 1; kx++, row += cin) {
                        ptrdiff_t sy = (ptrdiff_t)y + ky, sx = (ptrdiff_t)xx + kx;
                        if (sy < 0 || sx < 0 || sy >= (ptrdiff_t)h ||
                            sx >= (ptrdiff_t)w)
                            memset(row, 0, cin * sizeof *row);
                        else
                            memcpy(row, img + ((size_t)sy * w + (size_t)sx) * cin,
                                   cin * sizeof *row);
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

void nn_conv3_backward(const float *x, const float *dy, size_t n, size_t h,
                       size_t w, size_t cin, size_t cout, const float *weight,
                       float *dweight, float *dbias, float *dx, float *col,
                       size_t chunk)
{
    size_t hw = h * w, k = 9 * cin;
    column_sums(dy, n * hw, cout, dbias);
    for (size_t b0 = 0; b0 < n; b0 += chunk) {
        size_t nb = n - b0 < chunk ? n - b0 : chunk;
        const float *dyb = dy + b0 * hw * cout;
        im2col3(x + b0 * hw * cin, nb, h, w, cin, col);
        /* chunks add to dweight in batch order */
        rn_blas_gemm_tn_f32(cout, k, nb * hw, 1.0f, dyb, cout, col, k,
                            b0 ? 1.0f : 0.0f, dweight, k);
        if (!dx)
            continue;
        rn_blas_gemm_nn_f32(nb * hw, k, cout, 1.0f, dyb, cout, weight, k, 0.0f,
                            col, k);
        col2im3(col, nb, h, w, cin, dx + b0 * hw * cin);
    }
}

void nn_dense_forward(const float *x, size_t n, size_t in, size_t out,
                      const float *weight, const float *bias, float *y)
{
    fill_bias_rows(y, n, out, bias);
    rn_blas_gemm_nt_f32(n, out, in, 1.0f, x, in, weight, in, 1.0f, y, out);
}

void nn_dense_backward(const float *x, const float *dy, size_t n, size_t in,
                       size_t out, const float *weight, float *dweight,
                       float *dbias, float *dx)
{
    rn_blas_gemm_tn_f32(out, in, n, 1.0f, dy, out, x, in, 0.0f, dweight, in);
    column_sums(dy, n, out, dbias);
    if (dx)
        rn_blas_gemm_nn_f32(n, in, out, 1.0f, dy, out, weight, in, 0.0f, dx, in);
}

void nn_maxpool2_forward(const float *x, size_t n, size_t h, size_t w,
                         size_t c, float *y)
{
    size_t oh = h / 2, ow = w / 2;
    for (size_t b = 0; b < n; b++)
        for (size_t oy = 0; oy < oh; oy++)
            for (size_t ox = 0; ox < ow; ox++) {
                const float *p = x + ((b * h + 2 * oy) * w + 2 * ox) * c;
                const float *q = p + w * c;
                float *dst = y + ((b * oh + oy) * ow + ox) * c;
                for (size_t ch = 0; ch < c; ch++) {
                    float m = p[ch];
                    if (p[c + ch] > m) m = p[c + ch];
                    if (q[ch] > m) m = q[ch];
                    if (q[c + ch] > m) m = q[c + ch];
                    dst[ch] = m;
                }
            }
}

void nn_maxpool2_backward(const float *x, const float *dy, size_t n, size_t h,
                          size_t w, size_t c, float *dx)
{
    size_t oh = h / 2, ow = w / 2;
    for (size_t b = 0; b < n; b++)
        for (size_t oy = 0; oy < oh; oy++)
            for (size_t ox = 0; ox < ow; ox++) {
                size_t base = ((b * h + 2 * oy) * w + 2 * ox) * c;
                const size_t off[4] = {base, base + c, base + w * c,
                                       base + w * c + c};
                const float *g = dy + ((b * oh + oy) * ow + ox) * c;
                for (size_t ch = 0; ch < c; ch++) {
                    int best = 0;
                    for (int i = 1; i < 4; i++)
                        if (x[off[i] + ch] > x[off[best] + ch])
                            best = i;
                    for (int i = 0; i < 4; i++)
                        dx[off[i] + ch] = i == best ? g[ch] : 0.0f;
                }
            }
}

void nn_upsample2_forward(const float *x, size_t n, size_t h, size_t w,
                          size_t c, float *y)
{
    size_t ow = 2 * w;
    for (size_t b = 0; b < n; b++)
        for (size_t oy = 0; oy < 2 * h; oy++) {
            const float *src = x + (b * h + oy / 2) * w * c;
            float *dst = y + (b * 2 * h + oy) * ow * c;
            for (size_t ox = 0; ox < ow; ox++)
                memcpy(dst + ox * c, src + (ox / 2) * c, c * sizeof *dst);
        }
}

void nn_upsample2_backward(const float *dy, size_t n, size_t h, size_t w,
                           size_t c, float *dx)
{
    size_t ow = 2 * w;
    for (size_t b = 0; b < n; b++)
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++) {
                const float *p = dy + ((b * 2 * h + 2 * y) * ow + 2 * x) * c;
                const float *q = p + ow * c;
                float *dst = dx + ((b * h + y) * w + x) * c;
                for (size_t ch = 0; ch < c; ch++)
                    dst[ch] = (p[ch] + p[c + ch]) + (q[ch] + q[c + ch]);
            }
}

void nn_relu_forward(const float *x, size_t count, float *y)
{
    for (size_t i = 0; i < count; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void nn_relu_backward(const float *y, const float *dy, size_t count, float *dx)
{
    for (size_t i = 0; i < count; i++)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void nn_sigmoid_forward(const float *x, size_t count, float *y)
{
    for (size_t i = 0; i < count; i++)
        y[i] = 1.0f / (1.0f + expf(-x[i]));
}

double nn_sigmoid_mse(const float *y, const float *t, size_t count, float *dz)
{
    double sum = 0.0;
    float scale = 2.0f / (float)count;
    for (size_t i = 0; i < count; i++) {
        float e = y[i] - t[i];
        sum += (double)e * e;
        if (dz)
            dz[i] = scale * e * y[i] * (1.0f - y[i]);
    }
    return count ? sum / (double)count : 0.0;
}

void nn_adam_update(NnAdam *a, float *param, const float *grad, size_t count)
{
    a->step++;
    /* As torch.optim.Adam (single-tensor path): p -= lr / bc1 · m /
     * (sqrt(v) / sqrt(bc2) + eps). */
    double bc1 = 1.0 - pow(a->beta1, (double)a->step);
    double bc2 = 1.0 - pow(a->beta2, (double)a->step);
    float step_size = (float)(a->lr / bc1);
    float bc2_sqrt = (float)sqrt(bc2);
    for (size_t i = 0; i < count; i++) {
        float g = grad[i];
        a->m[i] = a->beta1 * a->m[i] + (1.0f - a->beta1) * g;
        a->v[i] = a->beta2 * a->v[i] + (1.0f - a->beta2) * g * g;
        float denom = sqrtf(a->v[i]) / bc2_sqrt + a->eps;
        param[i] -= step_size * a->m[i] / denom;
    }
}
