/* Expected mutual information of two labelings under the hypergeometric
 * (permutation) model, Vinh, Epps & Bailey (2010), as used by AMI:
 *
 *   E[MI] = Σ_ij Σ_nij  nij/N · log(N·nij / (a_i·b_j)) · P(nij | a_i, b_j, N)
 *
 * with P the hypergeometric pmf and nij from max(1, a_i + b_j - N) to
 * min(a_i, b_j). */
#include "radnet/eval.h"

#include <math.h>
#include <stdlib.h>

/* Terms whose pmf is below this fraction of the pmf at the mode are beyond
 * double precision of the sum: the pmf falls off like exp(-z²/2) beyond the
 * mode, so this is ~13.6 standard deviations out. */
#define RN_EMI_CUTOFF 1e-40

/* log P(x) of the hypergeometric pmf, in lgamma terms as sklearn. */
static double log_pmf(double a, double b, double N, double x)
{
    return lgamma(a + 1) + lgamma(b + 1) + lgamma(N - a + 1) + lgamma(N - b + 1) -
           lgamma(N + 1) - lgamma(x + 1) - lgamma(a - x + 1) - lgamma(b - x + 1) -
           lgamma(N - a - b + x + 1);
}

/* nij/N · log(N·nij / (a·b)) · P(nij); log_ab_n = log(a) + log(b) - log(N). */
static double emi_term(double N, double log_ab_n, double x, double pmf)
{
    return x / N * (log(x) - log_ab_n) * pmf;
}

/* One cell's contribution: start at the mode and walk outwards with
 *   P(x+1)/P(x) = (a-x)(b-x) / ((x+1)(N-a-b+x+1)),
 * stopping where the pmf drops below double precision of the sum. */
static double emi_cell(double a, double b, double N)
{
    double lo = fmax(1.0, a + b - N), hi = fmin(a, b);
    if (lo > hi)
        return 0.0;
    double mode = floor((a + 1) * (b + 1) / (N + 2));
    mode = fmin(fmax(mode, lo), hi);
    double p_mode = exp(log_pmf(a, b, N, mode));
    double floor_p = p_mode * RN_EMI_CUTOFF;
    double log_ab_n = log(a) + log(b) - log(N);
    double sum = emi_term(N, log_ab_n, mode, p_mode);
    double p = p_mode;
    for (double x = mode; x < hi; x++) {
        p *= (a - x) * (b - x) / ((x + 1) * (N - a - b + x + 1));
        if (p < floor_p)
            break;
        sum += emi_term(N, log_ab_n, x + 1, p);
    }
    p = p_mode;
    for (double x = mode; x > lo; x--) {
        p *= x * (N - a - b + x) / ((a - x + 1) * (b - x + 1));
        if (p < floor_p)
            break;
        sum += emi_term(N, log_ab_n, x - 1, p);
    }
    return sum;
}

static size_t nonzero(const int64_t *v, size_t k)
{
    size_t nz = 0;
    for (size_t i = 0; i < k; i++)
        nz += v[i] != 0;
    return nz;
}

bool rn_expected_mutual_info(const RnContingency *c, double *emi, RnError **err)
{
    *emi = 0.0;
    /* any labeling with zero entropy implies EMI = 0 */
    if (nonzero(c->row_sums, c->n_rows) <= 1 || nonzero(c->col_sums, c->n_cols) <= 1)
        return true;
    if (c->n > INT32_MAX) {
        /* sklearn counts in int32; beyond that its result is undefined */
        rn_error_set(err, RN_ERROR_LIMIT, "AMI needs n <= %d", INT32_MAX);
        return false;
    }
    double N = (double)c->n, sum = 0.0;
    for (size_t i = 0; i < c->n_rows; i++) {
        if (c->row_sums[i] == 0)
            continue;
        for (size_t j = 0; j < c->n_cols; j++)
            if (c->col_sums[j] != 0)
                sum += emi_cell((double)c->row_sums[i], (double)c->col_sums[j], N);
    }
    *emi = sum;
    return true;
}

bool rn_expected_mutual_info_reference(const RnContingency *c, double *emi,
                                       RnError **err)
{
    *emi = 0.0;
    if (nonzero(c->row_sums, c->n_rows) <= 1 || nonzero(c->col_sums, c->n_cols) <= 1)
        return true;
    if (c->n > INT32_MAX) {
        rn_error_set(err, RN_ERROR_LIMIT, "AMI needs n <= %d", INT32_MAX);
        return false;
    }
    double N = (double)c->n, sum = 0.0;
    for (size_t i = 0; i < c->n_rows; i++) {
        double a = (double)c->row_sums[i];
        for (size_t j = 0; j < c->n_cols; j++) {
            double b = (double)c->col_sums[j];
            if (a == 0 || b == 0)
                continue;
            double log_ab_n = log(a) + log(b) - log(N);
            for (double x = fmax(1.0, a + b - N); x <= fmin(a, b); x++)
                sum += emi_term(N, log_ab_n, x, exp(log_pmf(a, b, N, x)));
        }
    }
    *emi = sum;
    return true;
}
