/* Random forests of regression trees (CART, squared error), the learner of
 * MissForest imputation (meta_impute.c). Each tree is grown on a bootstrap
 * sample of at most max_samples rows, considers max_features random
 * predictors at each node and stops at max_depth or min_leaf, so fitting
 * costs O(trees · max_samples · log · max_features · depth) whatever the
 * number of rows. Trees are grown in parallel on an RnPool; tree t draws
 * from stream t of the seed, and a prediction averages the trees in order,
 * so the forest is the same bits for any thread count.
 *
 * Nodes are stored in preorder: a split's left child is the next node, its
 * right child a later one, so a loaded forest cannot loop. */
#ifndef RN_EMBED_FOREST_H
#define RN_EMBED_FOREST_H

#include "embed/blob.h"

typedef struct RnForestOptions {
    unsigned trees;
    size_t max_samples;   /* bootstrap sample per tree (fewer rows: all) */
    unsigned max_depth;
    size_t min_leaf;      /* fewest samples in a leaf */
    size_t max_features;  /* predictors tried per node; 0: a third of them */
} RnForestOptions;

RnForestOptions rn_forest_options_default(void);

typedef struct RnForestNode {
    int32_t feature;      /* -1: leaf */
    uint32_t right;       /* a split's right child */
    double value;         /* a split's threshold (x <= value goes left); a leaf's mean */
} RnForestNode;

typedef struct RnForestTree {
    RnForestNode *nodes;
    size_t n;
} RnForestTree;

typedef struct RnForest {
    RnForestTree *trees;
    size_t n_trees;
} RnForest;

/* Predicts column `target` of X (n × d, row stride d, no NaN) from its other
 * columns, trained on the rows listed in rows[0..n_rows). */
bool rn_forest_fit(RnForest *f, const double *X, size_t d, size_t target, const size_t *rows,
                   size_t n_rows, const RnForestOptions *o, uint64_t seed, RnPool *pool,
                   RnError **err);
double rn_forest_predict(const RnForest *f, const double *row);
void rn_forest_free(RnForest *f);
bool rn_forest_save(const RnForest *f, RnBuf *out, RnError **err);
/* Features must lie in [0, d). */
bool rn_forest_load(RnForest *f, EbReader *r, size_t d, RnError **err);

#endif
