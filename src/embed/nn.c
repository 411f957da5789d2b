/* CPU kernels of the convolutional autoencoder other than the convolution
 * (nn_conv.c): dense layers through BLAS, pooling, up-sampling,
 * activations, the loss, Adam (see nn.h for layouts). */
#include "embed/nn.h"

#include "radnet/core.h"

#include <math.h>
#include <string.h>

/* In double, in row order. */
void nn_column_sums(const float *m, size_t rows, size_t cols, float *out)
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

static void fill_bias_rows(float *y, size_t rows, size_t cols, const float *bias)
{
    for (size_t r = 0; r < rows; r++)
        memcpy(y + r * cols, bias, cols * sizeof *y);
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
    nn_column_sums(dy, n, out, dbias);
    if (dx)
        rn_blas_gemm_nn_f32(n, in, out, 1.0f, dy, out, weight, in, 0.0f, dx, in);
}

/* One output row: the window maxima of input rows p and q (w·c floats
 * each), channel by channel; restrict lets the compiler vectorise across
 * the whole row instead of versioning each window's short channel loop. */
static void maxpool2_row(const float *restrict p, const float *restrict q,
                         size_t ow, size_t c, float *restrict y)
{
    for (size_t ox = 0; ox < ow; ox++, p += 2 * c, q += 2 * c, y += c)
        for (size_t ch = 0; ch < c; ch++) {
            /* the first maximum in scan order, as the backward pass */
            float a = p[c + ch] > p[ch] ? p[c + ch] : p[ch];
            float b = q[c + ch] > q[ch] ? q[c + ch] : q[ch];
            y[ch] = b > a ? b : a;
        }
}

void nn_maxpool2_forward(const float *x, size_t n, size_t h, size_t w,
                         size_t c, float *y)
{
    size_t oh = h / 2, ow = w / 2;
    for (size_t b = 0; b < n; b++)
        for (size_t oy = 0; oy < oh; oy++) {
            const float *p = x + (b * h + 2 * oy) * w * c;
            maxpool2_row(p, p + w * c, ow, c, y + (b * oh + oy) * ow * c);
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
                for (size_t ch = 0; ch < c; ch++) /* short runs: no memcpy */
                    dst[ox * c + ch] = src[(ox / 2) * c + ch];
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
