/* The 2-D map of the report: the top two principal components of a sample
 * of fused rows by power iteration (plain loops; n × d is a few thousand ×
 * a few hundred, and the picture needs no more precision than that). */
#include "report_internal.h"

#include <math.h>
#include <stdlib.h>

enum { PCA2_ITERATIONS = 200 };

/* w = Xᵀ (X v) over the centred rows. */
static void cov_times(const double *x, const double *mean, size_t n, size_t d,
                      const double *v, double *w)
{
    for (size_t j = 0; j < d; j++)
        w[j] = 0;
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * d;
        double s = 0;
        for (size_t j = 0; j < d; j++)
            s += (row[j] - mean[j]) * v[j];
        for (size_t j = 0; j < d; j++)
            w[j] += s * (row[j] - mean[j]);
    }
}

static double normalise(double *v, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++)
        s += v[j] * v[j];
    s = sqrt(s);
    for (size_t j = 0; s > 0 && j < d; j++)
        v[j] /= s;
    return s;
}

static void remove_component(double *v, const double *u, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++)
        s += v[j] * u[j];
    for (size_t j = 0; j < d; j++)
        v[j] -= s * u[j];
}

static void fix_sign(double *v, size_t d)
{
    size_t best = 0;
    for (size_t j = 1; j < d; j++)
        if (fabs(v[j]) > fabs(v[best]))
            best = j;
    if (v[best] < 0)
        for (size_t j = 0; j < d; j++)
            v[j] = -v[j];
}

bool rp_pca2(const double *x, size_t n, size_t d, double *xy, RnError **err)
{
    double *mean = rn_calloc(4 * d + 1, sizeof *mean, err);
    if (!mean)
        return false;
    double *u[2] = {mean + d, mean + 2 * d}, *w = mean + 3 * d;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            mean[j] += x[i * d + j] / (double)n;
    for (size_t c = 0; c < 2; c++) {
        /* A fixed, non-symmetric start: never orthogonal to a component
         * by accident of symmetry, and the same every run. */
        for (size_t j = 0; j < d; j++)
            u[c][j] = 1.0 + 0.01 * (double)((j * 7 + c * 3) % 11);
        for (int it = 0; it < PCA2_ITERATIONS; it++) {
            if (c == 1)
                remove_component(u[1], u[0], d);
            normalise(u[c], d);
            cov_times(x, mean, n, d, u[c], w);
            if (c == 1)
                remove_component(w, u[0], d);
            if (normalise(w, d) == 0)
                break;
            for (size_t j = 0; j < d; j++)
                u[c][j] = w[j];
        }
        fix_sign(u[c], d);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < 2; c++) {
            double s = 0;
            for (size_t j = 0; j < d; j++)
                s += (x[i * d + j] - mean[j]) * u[c][j];
            xy[2 * i + c] = s;
        }
    free(mean);
    return true;
}
