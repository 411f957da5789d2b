/* Uniform LBP as skimage.feature.local_binary_pattern(method='uniform')
 * computes it (descriptors.h). The neighbour values are bit-identical to
 * skimage's: the same float64 expressions in the same order (no fused
 * multiply-add; the library is built with -ffp-contract=off), which matters
 * because flat regions make `neighbour - centre >= 0` a tie everywhere. */
#include "embed/descriptors.h"

#include <math.h>
#include <stdlib.h>

/* skimage: rr = round(-R·sin(2π·i/P), 5), cc = round(R·cos(2π·i/P), 5),
 * with R a C float. */
static void neighbour_offsets(uint32_t P, double R, double *rp, double *cp)
{
    double Rf = (float)R;
    for (uint32_t i = 0; i < P; i++) {
        double a = 2 * M_PI * (double)i / (double)P;
        rp[i] = rint(-Rf * sin(a) * 1e5) / 1e5;
        cp[i] = rint(Rf * cos(a) * 1e5) / 1e5;
    }
}

static double pixel_or_zero(const double *img, long rows, long cols, long r, long c)
{
    return (r < 0 || r >= rows || c < 0 || c >= cols) ? 0.0 : img[r * cols + c];
}

static double bilinear(double tl, double tr, double bl, double br, double dr,
                       double dc)
{
    double top = (1 - dc) * tl + dc * tr;
    double bottom = (1 - dc) * bl + dc * br;
    return (1 - dr) * top + dr * bottom;
}

/* skimage's 'uniform' code from the thresholded neighbours. */
static uint8_t uniform_code(const uint8_t *bits, uint32_t P)
{
    uint32_t changes = 0, ones = 0;
    for (uint32_t i = 0; i + 1 < P; i++)
        changes += bits[i] != bits[i + 1];
    if (changes > 2)
        return (uint8_t)(P + 1);
    for (uint32_t i = 0; i < P; i++)
        ones += bits[i];
    return (uint8_t)ones;
}

/* ---- reference: _local_binary_pattern of _texture.pyx, literally -------- */

bool eb_lbp_codes_ref(const float *img, uint32_t rows, uint32_t cols,
                      uint32_t P, double R, uint8_t *codes, RnError **err)
{
    double *image = rn_malloc((size_t)rows * cols * sizeof *image, err);
    if (!image)
        return false;
    for (size_t i = 0; i < (size_t)rows * cols; i++)
        image[i] = img[i];
    double rp[EB_LBP_MAX_P], cp[EB_LBP_MAX_P], texture[EB_LBP_MAX_P];
    uint8_t bits[EB_LBP_MAX_P];
    neighbour_offsets(P, R, rp, cp);
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < cols; c++) {
            for (uint32_t i = 0; i < P; i++) {
                double rr = (double)r + rp[i], cc = (double)c + cp[i];
                long minr = (long)floor(rr), minc = (long)floor(cc);
                long maxr = (long)ceil(rr), maxc = (long)ceil(cc);
                texture[i] = bilinear(pixel_or_zero(image, rows, cols, minr, minc),
                                      pixel_or_zero(image, rows, cols, minr, maxc),
                                      pixel_or_zero(image, rows, cols, maxr, minc),
                                      pixel_or_zero(image, rows, cols, maxr, maxc),
                                      rr - (double)minr, cc - (double)minc);
            }
            for (uint32_t i = 0; i < P; i++)
                bits[i] = texture[i] - image[r * cols + c] >= 0;
            codes[r * cols + c] = uniform_code(bits, P);
        }
    free(image);
    return true;
}

/* ---- fast: integer offsets hoisted, no bounds checks inside ------------ */

typedef struct Neighbour {
    double rp, cp;
    long r0, r1, c0, c1;  /* floor/ceil of the offsets */
} Neighbour;

/* Samples neighbour n of (r, c); `inside` skips the bounds checks. */
static inline double sample(const float *img, long rows, long cols, long r, long c,
                            const Neighbour *n, bool inside)
{
    double rr = (double)r + n->rp, cc = (double)c + n->cp;
    long minr = r + n->r0, minc = c + n->c0, maxr = r + n->r1, maxc = c + n->c1;
    double dr = rr - (double)minr, dc = cc - (double)minc;
    if (inside)
        return bilinear(img[minr * cols + minc], img[minr * cols + maxc],
                        img[maxr * cols + minc], img[maxr * cols + maxc], dr, dc);
    double tl = (minr < 0 || minr >= rows || minc < 0 || minc >= cols) ? 0.0 : img[minr * cols + minc];
    double tr = (minr < 0 || minr >= rows || maxc < 0 || maxc >= cols) ? 0.0 : img[minr * cols + maxc];
    double bl = (maxr < 0 || maxr >= rows || minc < 0 || minc >= cols) ? 0.0 : img[maxr * cols + minc];
    double br = (maxr < 0 || maxr >= rows || maxc < 0 || maxc >= cols) ? 0.0 : img[maxr * cols + maxc];
    return bilinear(tl, tr, bl, br, dr, dc);
}

void eb_lbp_codes(const float *img, uint32_t rows, uint32_t cols, uint32_t P,
                  double R, uint8_t *codes)
{
    double rp[EB_LBP_MAX_P], cp[EB_LBP_MAX_P];
    Neighbour nb[EB_LBP_MAX_P];
    long reach = 0; /* the largest |offset| */
    neighbour_offsets(P, R, rp, cp);
    for (uint32_t i = 0; i < P; i++) {
        /* offsets are >= 1e-5 from any non-equal integer, so for integer r,
         * floor(r + rp) = r + floor(rp) and the same for ceil */
        nb[i] = (Neighbour){rp[i], cp[i], (long)floor(rp[i]), (long)ceil(rp[i]),
                            (long)floor(cp[i]), (long)ceil(cp[i])};
        long m = labs(nb[i].r0) > labs(nb[i].r1) ? labs(nb[i].r0) : labs(nb[i].r1);
        long mc = labs(nb[i].c0) > labs(nb[i].c1) ? labs(nb[i].c0) : labs(nb[i].c1);
        reach = m > reach ? m : reach;
        reach = mc > reach ? mc : reach;
    }
    uint8_t bits[EB_LBP_MAX_P];
    for (long r = 0; r < (long)rows; r++) {
        bool row_inside = r >= reach && r + reach < (long)rows;
        for (long c = 0; c < (long)cols; c++) {
            bool inside = row_inside && c >= reach && c + reach < (long)cols;
            double centre = img[r * (long)cols + c];
            for (uint32_t i = 0; i < P; i++)
                bits[i] = sample(img, rows, cols, r, c, &nb[i], inside) - centre >= 0;
            codes[r * cols + c] = uniform_code(bits, P);
        }
    }
}
