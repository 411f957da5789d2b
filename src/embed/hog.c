/* HOG as skimage.feature.hog 0.19 computes it (descriptors.h).
 *
 * Bit-level notes that the golden test relies on: gradients are central
 * differences in float32 (zero on the border rows/columns), magnitude and
 * angle in float64 (magnitude sqrt(gc² + gr²): the squares of floats are
 * exact in double, so one rounding before the sqrt, as good as hypot; angle
 * atan2 → degrees, Python-style modulo 180), a pixel votes into bin i when
 * i·w <= angle < (i+1)·w with w = 180/orient, and a cell's sum is
 * accumulated in float32 in row-major order, as skimage's Cython
 * `cdef float total` does.
 *
 * The fast version bins without atan2: the side of each bin edge a
 * gradient lies on is the sign of a cross product. Where a gradient is
 * within 1e-9 (relative) of an edge — only there could atan2's rounding
 * decide differently — it takes the exact atan2 path, so both versions bin
 * every pixel identically. */
#include "embed/descriptors.h"

#include <math.h>
#include <stdbool.h>
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

static double magnitude(float g_row, float g_col)
{
    double r = g_row, c = g_col;
    return sqrt(c * c + r * r);
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

typedef EbHogPlan Edges;
#define LUT_SIZE EB_HOG_LUT

/* |g| sin(φ - θ_i): positive past edge i, negative before it. */
static inline double edge_side(const Edges *e, uint32_t i, double gr, double gc)
{
    return gr * e->cos_[i] - gc * e->sin_[i];
}

/* The bin of a folded gradient (gr > 0) by the side of every edge; -2 when
 * it lies within `margin` of one. */
static int bin_by_all_edges(const Edges *e, double gr, double gc, double margin)
{
    int bin = 0;
    for (uint32_t i = 0; i < e->n; i++) {
        double side = edge_side(e, i, gr, gc);
        if (fabs(side) <= margin)
            return -2;
        bin += side > 0;
    }
    return bin;
}

/* Pseudo-angle of a folded gradient: increasing with φ over (0°, 180°),
 * in [0, 1). */
static inline double pseudo_angle(double gr, double gc)
{
    return 0.5 - 0.5 * gc / (gr + fabs(gc));
}

void eb_hog_plan_init(EbHogPlan *e, const EbHogParams *p)
{
    uint32_t orientations = p->orientations;
    e->params = *p;
    e->n = orientations - 1;
    for (uint32_t i = 1; i < orientations; i++) {
        double a = M_PI * (double)i / (double)orientations;
        e->cos_[i - 1] = cos(a);
        e->sin_[i - 1] = sin(a);
    }
    for (int k = 0; k < LUT_SIZE; k++) { /* the bin at each bucket's start */
        double slope = 1.0 - 2.0 * ((double)k + 0.5) / LUT_SIZE; /* gc / (gr + |gc|) */
        int b = bin_by_all_edges(e, 1.0 - fabs(slope), slope, 0.0);
        e->lut[k] = (uint8_t)(b < 0 ? 0 : b);
    }
}

/* The bin of gradient (gr, gc) by edge sides; -2 when it lies too close to
 * an edge to decide without atan2. */
static int edge_bin(const Edges *e, double gr, double gc)
{
    if (gr < 0 || (gr == 0 && gc < 0)) { /* unsigned: fold to [0°, 180°) */
        gr = -gr;
        gc = -gc;
    }
    if (gr == 0) /* atan2 gives exactly 0° or ±180°: bin 0 */
        return 0;
    double margin = 1e-9 * (gr + fabs(gc));
    if (gr <= margin) /* next to the 0°/180° edge */
        return -2;
    int k = (int)(pseudo_angle(gr, gc) * LUT_SIZE);
    int b = e->lut[k < 0 ? 0 : k >= LUT_SIZE ? LUT_SIZE - 1 : k];
    /* the guess holds when the gradient lies clearly between its edges */
    if ((b == 0 || edge_side(e, (uint32_t)b - 1, gr, gc) > margin) &&
        ((uint32_t)b == e->n || edge_side(e, (uint32_t)b, gr, gc) < -margin))
        return b;
    return bin_by_all_edges(e, gr, gc, margin);
}

void eb_hog(const EbHogPlan *plan, const float *img, uint32_t rows, uint32_t cols,
            float *scratch, float *out)
{
    const EbHogParams *p = &plan->params;
    uint32_t cr = rows / p->cell, cc = cols / p->cell, O = p->orientations;
    uint32_t h = cr * p->cell, w = cc * p->cell; /* pixels inside whole cells */
    float *hist = scratch;
    memset(hist, 0, (size_t)cr * cc * O * sizeof *hist);
    /* Pixels are visited row by row; within one cell and bin the votes thus
     * arrive in skimage's order (cell row, then cell column). */
    for (uint32_t r = 0; r < h; r++) {
        const float *row = img + (size_t)r * cols;
        bool edge_row = r == 0 || r + 1 == rows;
        const float *up = edge_row ? row : row - cols, *down = edge_row ? row : row + cols;
        float *hrow = hist + (size_t)(r / p->cell) * cc * O;
        for (uint32_t cx = 0; cx < cc; cx++) {
            float *slots = hrow + (size_t)cx * O;
            for (uint32_t c = cx * p->cell; c < (cx + 1) * p->cell; c++) {
                float gr = edge_row ? 0.0f : down[c] - up[c];
                float gc = (c == 0 || c + 1 == cols) ? 0.0f : row[c + 1] - row[c - 1];
                if (gr == 0 && gc == 0) /* adds +0 to bin 0: nothing */
                    continue;
                int b = edge_bin(plan, gr, gc);
                if (b == -2)
                    b = angle_bin(angle_deg(gr, gc), O);
                if (b < 0)
                    continue;
                slots[b] = (float)((double)slots[b] + magnitude(gr, gc));
            }
        }
    }
    (void)w;
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
            mag[(size_t)r * cols + c] = magnitude(gr, gc);
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
