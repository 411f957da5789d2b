/* The plain reference of rn_forest_grow (forest.h): at every node, every
 * candidate predictor's (x, y) pairs are sorted afresh. Compiled into the
 * tests only. */
#include "embed/forest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


typedef struct Pair {
    double x, y;
} Pair;

typedef struct Grower {
    const double *X;
    size_t d, target;
    const RnForestOptions *o;
    size_t mtry;
    RnRng rng;
    size_t *idx;          /* the bootstrap sample, partitioned node by node */
    Pair *pairs;          /* scratch: one node's (x, y) */
    size_t *features;     /* the predictors, shuffled at every node */
    size_t n_features;
    RnForestTree *tree;
    size_t cap;
} Grower;

typedef struct Split {
    size_t feature;
    double threshold;
    double score;         /* sum_L^2 / n_L + sum_R^2 / n_R; larger is better */
} Split;

static int pair_cmp(const void *a, const void *b)
{
    double x = ((const Pair *)a)->x, y = ((const Pair *)b)->x;
    return (x > y) - (x < y);
}

static double target_of(const Grower *g, size_t row)
{
    return g->X[row * g->d + g->target];
}

/* The best split of idx[0..n) on feature j, if any beats best->score. */
static void best_split_on(Grower *g, const size_t *idx, size_t n, size_t j, double total,
                          Split *best)
{
    for (size_t i = 0; i < n; i++)
        g->pairs[i] = (Pair){g->X[idx[i] * g->d + j], target_of(g, idx[i])};
    qsort(g->pairs, n, sizeof *g->pairs, pair_cmp);
    if (g->pairs[0].x == g->pairs[n - 1].x)
        return;
    double left = 0;
    size_t min_leaf = g->o->min_leaf ? g->o->min_leaf : 1;
    for (size_t k = 0; k + 1 < n; k++) {
        left += g->pairs[k].y;
        size_t nl = k + 1, nr = n - nl;
        if (nl < min_leaf)
            continue;
        if (nr < min_leaf)
            break;
        if (g->pairs[k].x == g->pairs[k + 1].x)
            continue;
        double right = total - left;
        double score = left * left / (double)nl + right * right / (double)nr;
        if (score > best->score) {
            double mid = g->pairs[k].x + (g->pairs[k + 1].x - g->pairs[k].x) / 2;
            best->feature = j;
            best->threshold = mid < g->pairs[k + 1].x ? mid : g->pairs[k].x;
            best->score = score;
        }
    }
}

static bool grow(Grower *g, size_t *idx, size_t n, unsigned depth, RnError **err)
{
    double total = 0, squares = 0;
    for (size_t i = 0; i < n; i++) {
        double y = target_of(g, idx[i]);
        total += y;
        squares += y * y;
    }
    double mean = total / (double)n;
    size_t min_leaf = g->o->min_leaf ? g->o->min_leaf : 1;
    Split best = {.score = total * total / (double)n};
    /* a pure node (no variance left, up to rounding) is a leaf */
    bool splittable = depth < g->o->max_depth && n >= 2 * min_leaf &&
                      squares - total * mean > 1e-12 * (squares + 1e-300);
    if (splittable) {
        double parent = best.score;
        /* mtry distinct predictors by a partial Fisher–Yates shuffle */
        for (size_t k = 0; k < g->mtry; k++) {
            size_t r = k + (size_t)rn_rng_below(&g->rng, g->n_features - k);
            size_t tmp = g->features[k];
            g->features[k] = g->features[r];
            g->features[r] = tmp;
            best_split_on(g, idx, n, g->features[k], total, &best);
        }
        splittable = best.score > parent * (1 + 1e-12);
    }
    size_t at;
    if (!splittable)
        return rn_forest_push(g->tree, &g->cap, (RnForestNode){.feature = -1, .value = mean}, &at, err);
    size_t nl = 0;
    for (size_t i = 0; i < n; i++)
        if (g->X[idx[i] * g->d + best.feature] <= best.threshold) {
            size_t tmp = idx[nl];
            idx[nl++] = idx[i];
            idx[i] = tmp;
        }
    if (!rn_forest_push(g->tree, &g->cap, (RnForestNode){.feature = (int32_t)best.feature, .value = best.threshold},
                   &at, err) ||
        !grow(g, idx, nl, depth + 1, err))
        return false;
    g->tree->nodes[at].right = (uint32_t)g->tree->n;
    return grow(g, idx + nl, n - nl, depth + 1, err);
}

/* ---- the forest ------------------------------------------------------------ */

bool rn_forest_grow_ref(RnForestTree *tree, const RnForestData *data,
                        const RnForestOptions *o, uint64_t seed, size_t t, RnError **err)
{
    size_t s = o->max_samples && o->max_samples < data->n_rows ? o->max_samples : data->n_rows;
    size_t p = data->d - 1;
    Grower g = {.X = data->X, .d = data->d, .target = data->target, .o = o,
                .mtry = rn_forest_mtry(o, data->d), .rng = rn_rng_split(seed, t),
                .n_features = p, .tree = tree};
    memset(tree, 0, sizeof *tree);
    g.idx = rn_calloc(s, sizeof *g.idx, err);
    g.pairs = g.idx ? rn_calloc(s, sizeof *g.pairs, err) : NULL;
    g.features = g.pairs ? rn_calloc(p, sizeof *g.features, err) : NULL;
    bool ok = g.features != NULL;
    for (size_t j = 0, k = 0; ok && j < data->d; j++)
        if (j != data->target)
            g.features[k++] = j;
    for (size_t i = 0; ok && i < s; i++) /* bootstrap: with replacement */
        g.idx[i] = data->rows[rn_rng_below(&g.rng, data->n_rows)];
    ok = ok && grow(&g, g.idx, s, 0, err);
    free(g.idx);
    free(g.pairs);
    free(g.features);
    return ok;
}
