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
    size_t max_features;  /* predictors tried per node; 0: all (as missingpy) */
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

/* What a forest learns from: column `target` of X (row stride d, no NaN)
 * predicted from its other columns, on the rows listed in rows[0..n_rows). */
typedef struct RnForestData {
    const double *X;
    size_t d, target;
    const size_t *rows;
    size_t n_rows;
} RnForestData;

bool rn_forest_fit(RnForest *f, const RnForestData *data, const RnForestOptions *o,
                   uint64_t seed, RnPool *pool, RnError **err);
/* Grows tree t of the forest of seed (rn_forest_fit runs it for every t):
 * CART on presorted predictors. rn_forest_grow_ref (forest_ref.c, tests
 * only) is the plain version that sorts at every node; both draw the same
 * random numbers and, where sums of the target are exact, grow the same
 * tree. */
bool rn_forest_grow(RnForestTree *tree, const RnForestData *data, const RnForestOptions *o,
                    uint64_t seed, size_t t, RnError **err);
bool rn_forest_grow_ref(RnForestTree *tree, const RnForestData *data,
                        const RnForestOptions *o, uint64_t seed, size_t t, RnError **err);
/* Appends a node to a tree of capacity *cap (grown as needed); *at: its index. */
bool rn_forest_push(RnForestTree *tree, size_t *cap, RnForestNode node, size_t *at,
                    RnError **err);
/* Predictors tried per node for d columns. */
size_t rn_forest_mtry(const RnForestOptions *o, size_t d);
double rn_forest_predict(const RnForest *f, const double *row);
void rn_forest_free(RnForest *f);
bool rn_forest_save(const RnForest *f, RnBuf *out, RnError **err);
/* Features must lie in [0, d). */
bool rn_forest_load(RnForest *f, EbReader *r, size_t d, RnError **err);

#endif
