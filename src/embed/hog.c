/* HOG as skimage.feature.hog 0.19 computes it (descriptors.h).
 *
 * Bit-level notes that the golden test relies on: gradients are central
 * differences in float32 (zero on the border rows/columns), magnitude and
 * angle in float64 (hypot, atan2 → degrees, Python-style modulo 180), a
 * pixel votes into bin i when i·w <= angle < (i+1)·w with w = 180/orient,
 * and a cell's sum is accumulated in float32 in row-major order, as
 * skimage's Cython `cdef float total` does. */
#include "embed/descriptors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t eb_hog_dim(uint32_t rows, uint32_t cols, const EbHogParams *p)
{
    if (p->cell == 0 || p->block == 0 || p->orientations == 0)
        return 0;
    uint32_t cr = rows / p->cell, cc = cols / p->cell;
    if (cr < p->block || cc < p->block)
        return 0;
    return (size_t)(cr - p->block + 1) * (cc - p->block + 1) * p->block * p->block *
           p->orientations;
}

size_t eb_hog_scratch(uint32_t rows, uint32_t cols, const EbHogParams *p)
{
    /* per-pixel magnitude and bin, and the cell histograms */
    return 2 * (size_t)rows * cols +
           (size_t)(rows / p->cell) * (cols / p->cell) * p->orientations;
}

/* numpy's float modulo (result takes the divisor's sign). */
static double py_mod(double a, double b)
{
    double m = fmod(a, b);
    if (m != 0 && ((b < 0) != (m < 0)))
        m += b;
    return m;
}

static double angle_deg(float g_row, float g_col)
{
    return py_mod(atan2((double)g_row, (double)g_col) * (180.0 / M_PI), 180.0);
}

/* Bin of an angle, -1 when it falls past the last bin edge. */
static int angle_bin(double ang, uint32_t orientations)
{
    double w = 180.0 / orientations;
    long b = (long)floor(ang / w);
    if (b < 0)
        b = 0;
    while (b > 0 && ang < w * (double)b)
        b--;
    while (b < (long)orientations && ang >= w * (double)(b + 1))
        b++;
    return b < (long)orientations ? (int)b : -1;
}

static void gradients(const float *img, uint32_t rows, uint32_t cols, uint32_t r,
                      uint32_t c, float *g_row, float *g_col)
{
    *g_row = (r == 0 || r + 1 == rows) ? 0.0f
                                       : img[(size_t)(r + 1) * cols + c] -
                                             img[(size_t)(r - 1) * cols + c];
    *g_col = (c == 0 || c + 1 == cols) ? 0.0f
                                       : img[(size_t)r * cols + c + 1] -
                                             img[(size_t)r * cols + c - 1];
}

/* L2-Hys of one block of len values, in float64 as numpy does. */
static void l2hys(const double *block, size_t len, float *out)
{
    const double eps = 1e-5;
    double ss = 0;
    for (size_t i = 0; i < len; i++)
        ss += block[i] * block[i];
    double norm = sqrt(ss + eps * eps), ss2 = 0;
    double clipped[len];
    for (size_t i = 0; i < len; i++) {
        clipped[i] = fmin(block[i] / norm, 0.2);
        ss2 += clipped[i] * clipped[i];
    }
    double norm2 = sqrt(ss2 + eps * eps);
    for (size_t i = 0; i < len; i++)
        out[i] = (float)(clipped[i] / norm2);
}

/* Block normalisation of the cell histograms hist[cr][cc][orient]. */
static void normalise_blocks(const float *hist, uint32_t cr, uint32_t cc,
                             const EbHogParams *p, float *out)
{
    size_t len = (size_t)p->block * p->block * p->orientations;
    double block[len];
    for (uint32_t br = 0; br + p->block <= cr; br++)
        for (uint32_t bc = 0; bc + p->block <= cc; bc++) {
            size_t k = 0;
            for (uint32_t y = 0; y < p->block; y++)
                for (uint32_t x = 0; x < p->block; x++)
                    for (uint32_t o = 0; o < p->orientations; o++)
                        block[k++] = hist[((size_t)(br + y) * cc + bc + x) *
                                              p->orientations + o];
            l2hys(block, len, out);
            out += len;
        }
}

void eb_hog(const float *img, uint32_t rows, uint32_t cols, const EbHogParams *p,
            float *scratch, float *out)
{
    uint32_t cr = rows / p->cell, cc = cols / p->cell, O = p->orientations;
    uint32_t h = cr * p->cell, w = cc * p->cell; /* pixels inside whole cells */
    float *hist = scratch;
    memset(hist, 0, (size_t)cr * cc * O * sizeof *hist);
    /* Pixels are visited row by row; within one cell and bin the votes thus
     * arrive in skimage's order (cell row, then cell column). */
    for (uint32_t r = 0; r < h; r++) {
        float *hrow = hist + (size_t)(r / p->cell) * cc * O;
        for (uint32_t c = 0; c < w; c++) {
            float gr, gc;
            gradients(img, rows, cols, r, c, &gr, &gc);
            int b = angle_bin(angle_deg(gr, gc), O);
            if (b < 0)
                continue;
            float *slot = &hrow[(size_t)(c / p->cell) * O + (uint32_t)b];
            *slot = (float)((double)*slot + hypot((double)gc, (double)gr));
        }
    }
    for (size_t i = 0; i < (size_t)cr * cc * O; i++)
        hist[i] = hist[i] / (float)(p->cell * p->cell);
    normalise_blocks(hist, cr, cc, p, out);
}

/* ---- reference: skimage's _hoghistogram.pyx loops, literally ------------ */

bool eb_hog_ref(const float *img, uint32_t rows, uint32_t cols,
                const EbHogParams *p, float *out, RnError **err)
{
    size_t npx = (size_t)rows * cols;
    uint32_t cr = rows / p->cell, cc = cols / p->cell, O = p->orientations;
    double *mag = rn_malloc(2 * npx * sizeof *mag, err);
    float *hist = mag ? rn_calloc((size_t)cr * cc * O + 1, sizeof *hist, err) : NULL;
    if (!hist) {
        free(mag);
        return false;
    }
    double *ori = mag + npx;
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < cols; c++) {
            float gr, gc;
            gradients(img, rows, cols, r, c, &gr, &gc);
            mag[(size_t)r * cols + c] = hypot((double)gc, (double)gr);
            ori[(size_t)r * cols + c] = angle_deg(gr, gc);
        }
    int r0 = (int)p->cell / 2, c0 = (int)p->cell / 2;
    int lo = -((int)p->cell / 2), hi = ((int)p->cell + 1) / 2;
    double per180 = 180.0 / O;
    for (uint32_t i = 0; i < O; i++) {
        double start = per180 * (i + 1), end = per180 * i;
        for (int r = r0, ri = 0; r < (int)(p->cell * cr); r += (int)p->cell, ri++)
            for (int c = c0, ci = 0; c < (int)(p->cell * cc); c += (int)p->cell, ci++) {
                float total = 0;
                for (int y = lo; y < hi; y++) {
                    int yy = r + y;
                    if (yy < 0 || yy >= (int)rows)
                        continue;
                    for (int x = lo; x < hi; x++) {
                        int xx = c + x;
                        if (xx < 0 || xx >= (int)cols ||
                            ori[(size_t)yy * cols + xx] >= start ||
                            ori[(size_t)yy * cols + xx] < end)
                            continue;
                        total += mag[(size_t)yy * cols + xx];
                    }
                }
                hist[((size_t)ri * cc + ci) * O + i] = total / (float)(p->cell * p->cell);
            }
    }
    normalise_blocks(hist, cr, cc, p, out);
    free(hist);
    free(mag);
    return true;
}
