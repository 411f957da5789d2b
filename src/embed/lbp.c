/* Uniform LBP as skimage.feature.local_binary_pattern(method='uniform')
 * computes it (descriptors.h). The neighbour values are bit-identical to
 * skimage's: the same float64 expressions in the same order (no fused
 * multiply-add; the library is built with -ffp-contract=off), which matters
 * because flat regions make `neighbour - centre >= 0` a tie everywhere. */
#include "embed/descriptors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- fast: row by row, one neighbour at a time ------------------------- */

/* For a fixed neighbour the row weight dr depends on the row only and the
 * column weight dc on the column only, so both are computed once (with
 * the reference's expressions, hence the same bits) and the interior of a
 * row is one vectorisable loop per neighbour. The thresholded neighbours
 * collect in a P-bit pattern per pixel; its uniform code is two popcounts. */

typedef struct Neighbour {
    double rp, cp;
    long r0, r1, c0, c1;  /* floor/ceil of the offsets */
} Neighbour;

/* Samples neighbour n of (r, c) with zeros outside the image, as the
 * reference does (the border pixels). */
static double sample_border(const float *img, long rows, long cols, long r,
                            long c, const Neighbour *n)
{
    double rr = (double)r + n->rp, cc = (double)c + n->cp;
    long minr = r + n->r0, minc = c + n->c0, maxr = r + n->r1, maxc = c + n->c1;
    double dr = rr - (double)minr, dc = cc - (double)minc;
    double tl = (minr < 0 || minr >= rows || minc < 0 || minc >= cols) ? 0.0 : img[minr * cols + minc];
    double tr = (minr < 0 || minr >= rows || maxc < 0 || maxc >= cols) ? 0.0 : img[minr * cols + maxc];
    double bl = (maxr < 0 || maxr >= rows || minc < 0 || minc >= cols) ? 0.0 : img[maxr * cols + minc];
    double br = (maxr < 0 || maxr >= rows || maxc < 0 || maxc >= cols) ? 0.0 : img[maxr * cols + maxc];
    return bilinear(tl, tr, bl, br, dr, dc);
}

size_t eb_lbp_scratch(uint32_t cols, uint32_t P)
{
    return (size_t)cols * (2 * (size_t)P + 1);
}

/* Pattern bit `bit` of the pixels [c0, c1) of row r whose neighbour n lies
 * inside the image: the reference's bilinear expression, column weights
 * from wc (1 - dc) and dc. */
static void threshold_interior(const float *restrict img, long cols, long r,
                               const Neighbour *n, const double *restrict wc,
                               const double *restrict dc, long c0, long c1,
                               uint32_t bit, uint64_t *restrict pattern)
{
    long minr = r + n->r0, maxr = r + n->r1;
    double dr = ((double)r + n->rp) - (double)minr, wr = 1 - dr;
    /* pointers at column c0, so that none points before the image */
    const float *restrict tl = img + minr * cols + c0 + n->c0;
    const float *restrict tr = img + minr * cols + c0 + n->c1;
    const float *restrict bl = img + maxr * cols + c0 + n->c0;
    const float *restrict br = img + maxr * cols + c0 + n->c1;
    const float *restrict centre = img + r * cols + c0;
    wc += c0;
    dc += c0;
    pattern += c0;
    uint64_t one = (uint64_t)1 << bit;
    for (long j = 0; j < c1 - c0; j++) {
        double t = wc[j] * (double)tl[j] + dc[j] * (double)tr[j];
        double u = wc[j] * (double)bl[j] + dc[j] * (double)br[j];
        double v = wr * t + dr * u;
        pattern[j] |= v - (double)centre[j] >= 0 ? one : 0;
    }
}

static uint8_t uniform_from_pattern(uint64_t pattern, uint32_t P)
{
    uint64_t steps = P == 64 ? ~0ull >> 1 : (1ull << (P - 1)) - 1;
    int changes = __builtin_popcountll((pattern ^ (pattern >> 1)) & steps);
    return (uint8_t)(changes > 2 ? P + 1 : (uint32_t)__builtin_popcountll(pattern));
}

void eb_lbp_codes(const float *img, uint32_t rows, uint32_t cols, uint32_t P,
                  double R, double *scratch, uint8_t *codes)
{
    double rp[EB_LBP_MAX_P], cp[EB_LBP_MAX_P];
    Neighbour nb[EB_LBP_MAX_P];
    long lo[EB_LBP_MAX_P], hi[EB_LBP_MAX_P]; /* interior columns [lo, hi) */
    long nr = rows, nc = cols;
    double *wc = scratch, *dc = scratch + (size_t)P * cols;
    uint64_t *pattern = (uint64_t *)(scratch + 2 * (size_t)P * cols);
    neighbour_offsets(P, R, rp, cp);
    for (uint32_t i = 0; i < P; i++) {
        /* offsets are >= 1e-5 from any non-equal integer, so for integer r,
         * floor(r + rp) = r + floor(rp) and the same for ceil */
        nb[i] = (Neighbour){rp[i], cp[i], (long)floor(rp[i]), (long)ceil(rp[i]),
                            (long)floor(cp[i]), (long)ceil(cp[i])};
        lo[i] = nb[i].c0 < 0 ? -nb[i].c0 : 0;
        hi[i] = nc - (nb[i].c1 > 0 ? nb[i].c1 : 0);
        if (hi[i] < lo[i])
            hi[i] = lo[i];
        for (long c = 0; c < nc; c++) {
            double d = ((double)c + cp[i]) - (double)(c + nb[i].c0);
            dc[i * nc + c] = d;
            wc[i * nc + c] = 1 - d;
        }
    }
    for (long r = 0; r < nr; r++) {
        memset(pattern, 0, (size_t)nc * sizeof *pattern);
        for (uint32_t i = 0; i < P; i++) {
            const Neighbour *n = &nb[i];
            bool row_inside = r + n->r0 >= 0 && r + n->r1 < nr;
            long a = row_inside ? lo[i] : nc, b = row_inside ? hi[i] : nc;
            if (row_inside)
                threshold_interior(img, nc, r, n, wc + i * nc, dc + i * nc, a, b,
                                   i, pattern);
            for (long c = 0; c < nc; c++) {
                if (c == a)
                    c = b;
                if (c >= nc)
                    break;
                double v = sample_border(img, nr, nc, r, c, n);
                pattern[c] |= (uint64_t)(v - (double)img[r * nc + c] >= 0) << i;
            }
        }
        for (long c = 0; c < nc; c++)
            codes[r * nc + c] = uniform_from_pattern(pattern[c], P);
    }
}
