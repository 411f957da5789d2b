/* Plain loop references of the GEMM kernels in nn.c, in double
 * accumulation; the tests hold the fast kernels to them. */
#include "embed/nn.h"

#include <string.h>

static const float *conv_tap(const float *x, size_t h, size_t w, size_t cin,
                             size_t b, size_t y, size_t xx, int ky, int kx)
{
    ptrdiff_t sy = (ptrdiff_t)y + ky, sx = (ptrdiff_t)xx + kx;
    if (sy < 0 || sx < 0 || sy >= (ptrdiff_t)h || sx >= (ptrdiff_t)w)
        return NULL;
    return x + ((b * h + (size_t)sy) * w + (size_t)sx) * cin;
}

void nn_ref_conv3_forward(const float *x, size_t n, size_t h, size_t w,
                          size_t cin, size_t cout, const float *weight,
                          const float *bias, float *y)
{
    for (size_t b = 0; b < n; b++)
        for (size_t yy = 0; yy < h; yy++)
            for (size_t xx = 0; xx < w; xx++)
                for (size_t o = 0; o < cout; o++) {
                    double s = bias[o];
                    for (int ky = -1; ky <= 1; ky++)
                        for (int kx = -1; kx <= 1; kx++) {
                            const float *p = conv_tap(x, h, w, cin, b, yy, xx, ky, kx);
                            if (!p)
                                continue;
                            const float *wt = weight +
                                ((o * 3 + (size_t)(ky + 1)) * 3 + (size_t)(kx + 1)) * cin;
                            for (size_t c = 0; c < cin; c++)
                                s += (double)p[c] * wt[c];
                        }
                    y[((b * h + yy) * w + xx) * cout + o] = (float)s;
                }
}

void nn_ref_conv3_backward(const float *x, const float *dy, size_t n, size_t h,
                           size_t w, size_t cin, size_t cout,
                           const float *weight, float *dweight, float *dbias,
                           float *dx)
{
    for (size_t o = 0; o < cout; o++) {
        double sb = 0.0;
        for (size_t r = 0; r < n * h * w; r++)
            sb += dy[r * cout + o];
        dbias[o] = (float)sb;
        for (int ky = -1; ky <= 1; ky++)
            for (int kx = -1; kx <= 1; kx++)
                for (size_t c = 0; c < cin; c++) {
                    double s = 0.0;
                    for (size_t b = 0; b < n; b++)
                        for (size_t yy = 0; yy < h; yy++)
                            for (size_t xx = 0; xx < w; xx++) {
                                const float *p = conv_tap(x, h, w, cin, b, yy, xx, ky, kx);
                                if (p)
                                    s += (double)p[c] *
                                         dy[((b * h + yy) * w + xx) * cout + o];
                            }
                    dweight[((o * 3 + (size_t)(ky + 1)) * 3 + (size_t)(kx + 1)) * cin + c] =
                        (float)s;
                }
    }
    if (!dx)
        return;
    /* dx at a pixel gathers from the outputs whose window covers it. */
    for (size_t b = 0; b < n; b++)
        for (size_t yy = 0; yy < h; yy++)
            for (size_t xx = 0; xx < w; xx++)
                for (size_t c = 0; c < cin; c++) {
                    double s = 0.0;
                    for (int ky = -1; ky <= 1; ky++)
                        for (int kx = -1; kx <= 1; kx++) {
                            /* output (yy - ky, xx - kx) reads this pixel at tap (ky, kx) */
                            ptrdiff_t oy = (ptrdiff_t)yy - ky, ox = (ptrdiff_t)xx - kx;
                            if (oy < 0 || ox < 0 || oy >= (ptrdiff_t)h || ox >= (ptrdiff_t)w)
                                continue;
                            const float *g = dy + ((b * h + (size_t)oy) * w + (size_t)ox) * cout;
                            for (size_t o = 0; o < cout; o++)
                                s += (double)g[o] *
                                     weight[((o * 3 + (size_t)(ky + 1)) * 3 + (size_t)(kx + 1)) * cin + c];
                        }
                    dx[((b * h + yy) * w + xx) * cin + c] = (float)s;
                }
}

void nn_ref_dense_forward(const float *x, size_t n, size_t in, size_t out,
                          const float *weight, const float *bias, float *y)
{
    for (size_t r = 0; r < n; r++)
        for (size_t o = 0; o < out; o++) {
            double s = bias[o];
            for (size_t i = 0; i < in; i++)
                s += (double)x[r * in + i] * weight[o * in + i];
            y[r * out + o] = (float)s;
        }
}

void nn_ref_dense_backward(const float *x, const float *dy, size_t n,
                           size_t in, size_t out, const float *weight,
                           float *dweight, float *dbias, float *dx)
{
    for (size_t o = 0; o < out; o++) {
        double sb = 0.0;
        for (size_t r = 0; r < n; r++)
            sb += dy[r * out + o];
        dbias[o] = (float)sb;
        for (size_t i = 0; i < in; i++) {
            double s = 0.0;
            for (size_t r = 0; r < n; r++)
                s += (double)dy[r * out + o] * x[r * in + i];
            dweight[o * in + i] = (float)s;
        }
    }
    if (!dx)
        return;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < in; i++) {
            double s = 0.0;
            for (size_t o = 0; o < out; o++)
                s += (double)dy[r * out + o] * weight[o * in + i];
            dx[r * in + i] = (float)s;
        }
}
