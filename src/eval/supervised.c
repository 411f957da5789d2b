/* Supervised clustering scores on a contingency table, formula for formula
 * as sklearn.metrics.cluster._supervised (scikit-learn 1.2). */
#include "radnet/eval.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

static size_t count_nonzero(const int64_t *v, size_t k)
{
    size_t nz = 0;
    for (size_t i = 0; i < k; i++)
        nz += v[i] != 0;
    return nz;
}

double rn_entropy_counts(const int64_t *counts, size_t k)
{
    int64_t total = 0;
    for (size_t i = 0; i < k; i++)
        total += counts[i];
    if (total == 0)
        return 1.0; /* sklearn: entropy of an empty labeling */
    if (count_nonzero(counts, k) == 1)
        return 0.0;
    double log_total = log((double)total), h = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (counts[i] == 0)
            continue;
        double p = (double)counts[i];
        h += (p / (double)total) * (log(p) - log_total);
    }
    return -h;
}

double rn_mutual_info_score(const RnContingency *c)
{
    /* Only classes/clusters that occur count (np.unique never sees empty ones). */
    if (count_nonzero(c->row_sums, c->n_rows) == 1 ||
        count_nonzero(c->col_sums, c->n_cols) == 1)
        return 0.0;
    double n = (double)c->n, log_n = log(n), mi = 0.0;
    for (size_t z = 0; z < c->nnz; z++) {
        double nij = (double)c->cell_count[z];
        double p = nij / n;
        /* int64 product as sklearn (exact for n < 3·10^9) */
        int64_t outer = c->row_sums[c->cell_row[z]] * c->col_sums[c->cell_col[z]];
        double log_outer = -log((double)outer) + log_n + log_n;
        double term = p * (log(nij) - log_n) + p * log_outer;
        if (fabs(term) < DBL_EPSILON)
            term = 0.0; /* sklearn zeroes terms below machine epsilon */
        mi += term;
    }
    return mi < 0.0 ? 0.0 : mi;
}

void rn_homogeneity_completeness_v(const RnContingency *c, double beta,
                                   double *homogeneity, double *completeness,
                                   double *v_measure)
{
    if (c->n == 0) {
        *homogeneity = *completeness = *v_measure = 1.0;
        return;
    }
    double h_true = rn_entropy_counts(c->row_sums, c->n_rows);
    double h_pred = rn_entropy_counts(c->col_sums, c->n_cols);
    double mi = rn_mutual_info_score(c);
    double h = h_true != 0.0 ? mi / h_true : 1.0;
    double k = h_pred != 0.0 ? mi / h_pred : 1.0;
    *homogeneity = h;
    *completeness = k;
    *v_measure = h + k == 0.0 ? 0.0 : (1.0 + beta) * h * k / (beta * h + k);
}

static double generalized_average(double u, double v, RnAverageMethod avg)
{
    switch (avg) {
    case RN_AVERAGE_MIN:
        return u < v ? u : v;
    case RN_AVERAGE_GEOMETRIC:
        return sqrt(u * v);
    case RN_AVERAGE_MAX:
        return u > v ? u : v;
    case RN_AVERAGE_ARITHMETIC:
    default:
        return (u + v) / 2.0;
    }
}

/* sklearn returns 1.0 when both labelings have one class, or none. */
static bool trivially_identical(const RnContingency *c)
{
    size_t r = count_nonzero(c->row_sums, c->n_rows);
    size_t k = count_nonzero(c->col_sums, c->n_cols);
    return r == k && (r == 1 || r == 0);
}

double rn_normalized_mutual_info_score(const RnContingency *c, RnAverageMethod avg)
{
    if (trivially_identical(c))
        return 1.0;
    double mi = rn_mutual_info_score(c);
    if (mi == 0.0)
        return 0.0;
    double h_true = rn_entropy_counts(c->row_sums, c->n_rows);
    double h_pred = rn_entropy_counts(c->col_sums, c->n_cols);
    return mi / generalized_average(h_true, h_pred, avg);
}

static double ami_from(double mi, double emi, double h_true, double h_pred,
                       RnAverageMethod avg)
{
    double denominator = generalized_average(h_true, h_pred, avg) - emi;
    /* keep the sign, avoid dividing by zero (as sklearn) */
    if (denominator < 0.0)
        denominator = fmin(denominator, -DBL_EPSILON);
    else
        denominator = fmax(denominator, DBL_EPSILON);
    return (mi - emi) / denominator;
}

bool rn_adjusted_mutual_info_score(const RnContingency *c, RnAverageMethod avg,
                                   double *ami, RnError **err)
{
    if (trivially_identical(c)) {
        *ami = 1.0;
        return true;
    }
    double emi;
    if (!rn_expected_mutual_info(c, &emi, err))
        return false;
    *ami = ami_from(rn_mutual_info_score(c), emi, rn_entropy_counts(c->row_sums, c->n_rows),
                    rn_entropy_counts(c->col_sums, c->n_cols), avg);
    return true;
}

void rn_pair_confusion_matrix(const RnContingency *c, int64_t C[2][2])
{
    int64_t n = c->n, sum_squares = 0, dot_cols = 0, dot_rows = 0;
    for (size_t z = 0; z < c->nnz; z++) {
        int64_t v = c->cell_count[z];
        sum_squares += v * v;
        dot_cols += v * c->col_sums[c->cell_col[z]];
        dot_rows += v * c->row_sums[c->cell_row[z]];
    }
    C[1][1] = sum_squares - n;
    C[0][1] = dot_cols - sum_squares;
    C[1][0] = dot_rows - sum_squares;
    C[0][0] = n * n - C[0][1] - C[1][0] - sum_squares;
}

double rn_rand_score(const RnContingency *c)
{
    int64_t C[2][2];
    rn_pair_confusion_matrix(c, C);
    int64_t numerator = C[0][0] + C[1][1];
    int64_t denominator = C[0][0] + C[0][1] + C[1][0] + C[1][1];
    if (numerator == denominator || denominator == 0)
        return 1.0;
    return (double)numerator / (double)denominator;
}

double rn_adjusted_rand_score_table(const RnContingency *c)
{
    int64_t C[2][2];
    rn_pair_confusion_matrix(c, C);
    __int128 tn = C[0][0], fp = C[0][1], fn = C[1][0], tp = C[1][1];
    if (fn == 0 && fp == 0)
        return 1.0;
    /* Python evaluates these products exactly (big ints); 128 bits suffice
     * for n up to ~10^9. Same roundings as 2.0 * int / int in Python. */
    __int128 numerator = tp * tn - fn * fp;
    __int128 denominator = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
    return 2.0 * (double)numerator / (double)denominator;
}

double rn_fowlkes_mallows_score(const RnContingency *c)
{
    int64_t n = c->n, tk = -n, pk = -n, qk = -n;
    for (size_t z = 0; z < c->nnz; z++)
        tk += c->cell_count[z] * c->cell_count[z];
    for (size_t k = 0; k < c->n_cols; k++)
        pk += c->col_sums[k] * c->col_sums[k];
    for (size_t r = 0; r < c->n_rows; r++)
        qk += c->row_sums[r] * c->row_sums[r];
    if (tk == 0)
        return 0.0;
    return sqrt((double)tk / (double)pk) * sqrt((double)tk / (double)qk);
}

double rn_purity_score(const RnContingency *c)
{
    if (c->n == 0)
        return 1.0;
    int64_t *best = calloc(c->n_cols ? c->n_cols : 1, sizeof *best);
    int64_t majority = 0;
    if (best != NULL) {
        for (size_t z = 0; z < c->nnz; z++)
            if (c->cell_count[z] > best[c->cell_col[z]])
                best[c->cell_col[z]] = c->cell_count[z];
        for (size_t k = 0; k < c->n_cols; k++)
            majority += best[k];
        free(best);
        return (double)majority / (double)c->n;
    }
    /* Out of memory: cells are row-major, so find each column's maximum by
     * scanning all cells once per column (slow but allocation-free). */
    for (size_t k = 0; k < c->n_cols; k++) {
        int64_t m = 0;
        for (size_t z = 0; z < c->nnz; z++)
            if ((size_t)c->cell_col[z] == k && c->cell_count[z] > m)
                m = c->cell_count[z];
        majority += m;
    }
    return (double)majority / (double)c->n;
}

bool rn_supervised_scores(const RnContingency *c, RnSupervisedScores *out,
                          RnError **err)
{
    out->n_samples = (size_t)c->n;
    out->n_classes = count_nonzero(c->row_sums, c->n_rows);
    out->n_clusters = count_nonzero(c->col_sums, c->n_cols);
    out->entropy_true = rn_entropy_counts(c->row_sums, c->n_rows);
    out->entropy_pred = rn_entropy_counts(c->col_sums, c->n_cols);
    out->mutual_info = rn_mutual_info_score(c);
    rn_homogeneity_completeness_v(c, 1.0, &out->homogeneity, &out->completeness,
                                  &out->v_measure);
    bool trivial = trivially_identical(c);
    out->expected_mutual_info = 0.0;
    if (!trivial && !rn_expected_mutual_info(c, &out->expected_mutual_info, err))
        return false;
    for (int m = RN_AVERAGE_ARITHMETIC; m <= RN_AVERAGE_MAX; m++) {
        out->nmi[m] = rn_normalized_mutual_info_score(c, (RnAverageMethod)m);
        out->ami[m] = trivial ? 1.0
                              : ami_from(out->mutual_info, out->expected_mutual_info,
                                         out->entropy_true, out->entropy_pred,
                                         (RnAverageMethod)m);
    }
    out->adjusted_rand = rn_adjusted_rand_score_table(c);
    out->rand = rn_rand_score(c);
    out->fowlkes_mallows = rn_fowlkes_mallows_score(c);
    out->purity = rn_purity_score(c);
    return true;
}

/* Encodes two raw labelings and builds their table. */
static bool table_of(const int32_t *a, const int32_t *b, size_t n,
                     RnContingency *c, RnError **err)
{
    int32_t *ia = rn_calloc(n ? n : 1, sizeof *ia, err);
    int32_t *ib = rn_calloc(n ? n : 1, sizeof *ib, err);
    size_t ka = 0, kb = 0;
    bool ok = ia && ib && rn_labels_encode_i32(a, n, ia, &ka, NULL, err) &&
              rn_labels_encode_i32(b, n, ib, &kb, NULL, err) &&
              rn_contingency_build(ia, ka, ib, kb, n, c, err);
    free(ia);
    free(ib);
    return ok;
}

bool rn_adjusted_rand_score(const int32_t *labels_true,
                            const int32_t *labels_pred, size_t n, double *ari,
                            RnError **err)
{
    RnContingency c;
    if (!table_of(labels_true, labels_pred, n, &c, err))
        return false;
    *ari = rn_adjusted_rand_score_table(&c);
    rn_contingency_free(&c);
    return true;
}

bool rn_adjusted_mutual_info(const int32_t *labels_true,
                             const int32_t *labels_pred, size_t n,
                             RnAverageMethod avg, double *ami, RnError **err)
{
    RnContingency c;
    if (!table_of(labels_true, labels_pred, n, &c, err))
        return false;
    bool ok = rn_adjusted_mutual_info_score(&c, avg, ami, err);
    rn_contingency_free(&c);
    return ok;
}

bool rn_normalized_mutual_info(const int32_t *labels_true,
                               const int32_t *labels_pred, size_t n,
                               RnAverageMethod avg, double *nmi, RnError **err)
{
    RnContingency c;
    if (!table_of(labels_true, labels_pred, n, &c, err))
        return false;
    *nmi = rn_normalized_mutual_info_score(&c, avg);
    rn_contingency_free(&c);
    return true;
}

bool rn_seed_stability(const int32_t *const *labelings, size_t n_labelings,
                       size_t n, double *mean_ari, double *pairwise,
                       RnError **err)
{
    if (n_labelings < 2 || labelings == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "seed stability needs at least 2 labelings");
        return false;
    }
    double sum = 0.0;
    size_t pairs = 0;
    for (size_t a = 0; a < n_labelings; a++) {
        if (pairwise)
            pairwise[a * n_labelings + a] = 1.0;
        for (size_t b = a + 1; b < n_labelings; b++) {
            double ari;
            if (!rn_adjusted_rand_score(labelings[a], labelings[b], n, &ari, err))
                return false;
            if (pairwise)
                pairwise[a * n_labelings + b] = pairwise[b * n_labelings + a] = ari;
            sum += ari;
            pairs++;
        }
    }
    *mean_ari = sum / (double)pairs;
    return true;
}
