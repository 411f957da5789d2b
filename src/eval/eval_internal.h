/* Helpers shared by the eval sources (not part of the public API). */
#ifndef RADNET_EVAL_INTERNAL_H
#define RADNET_EVAL_INTERNAL_H

#include "radnet/eval.h"

/* A labeling of n items encoded as dense cluster ids, with the items ordered
 * by cluster (stable) so each cluster is one contiguous run of `order`. */
typedef struct RnEvalClusters {
    size_t n, k;
    int32_t *ids;       /* n dense ids */
    int64_t *sizes;     /* k cluster sizes (all > 0) */
    size_t *start;      /* k + 1 run offsets into order */
    size_t *order;      /* n items, by cluster */
    size_t *position;   /* n: position of each item in order */
} RnEvalClusters;

bool rn_eval_clusters_init(RnEvalClusters *cl, const int32_t *labels, size_t n,
                           RnError **err);
void rn_eval_clusters_free(RnEvalClusters *cl);
/* sklearn's check_number_of_labels: 2 <= k <= n - 1. */
bool rn_eval_check_cluster_count(size_t k, size_t n, RnError **err);
double rn_eval_mean(const double *v, size_t n);
/* Sample standard deviation (n - 1 in the denominator); 0 for n < 2. */
double rn_eval_sd(const double *v, size_t n);
/* Row i of X as double into out (d values). */
void rn_eval_row_f64(const RnMatrix *X, size_t i, double *out);

/* The supervised scores of the report by name, in the order both the JSON
 * and the text show them; in_text: the text table shows it too. */
typedef struct RnEvalScoreRow {
    const char *name;
    double value;
    bool in_text;
} RnEvalScoreRow;
#define RN_EVAL_SUPERVISED_ROWS 13
void rn_eval_supervised_rows(const RnSupervisedScores *s,
                             RnEvalScoreRow rows[RN_EVAL_SUPERVISED_ROWS]);

#endif
