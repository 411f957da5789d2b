/* Random forests of regression trees: see forest.h. */
#include "embed/forest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FOREST_MAX_TREES 10000u
#define FOREST_MAX_DEPTH 40u

RnForestOptions rn_forest_options_default(void)
{
    return (RnForestOptions){.trees = 20, .max_samples = 2048, .max_depth = 16, .min_leaf = 3,
                             .max_features = 0};
}

/* ---- growing one tree ---------------------------------------------------- */

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

static bool push_node(Grower *g, RnForestNode node, size_t *at, RnError **err)
{
    RnForestTree *t = g->tree;
    if (t->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 64;
        RnForestNode *nodes = rn_realloc(t->nodes, cap * sizeof *nodes, err);
        if (!nodes)
            return false;
        t->nodes = nodes;
        g->cap = cap;
    }
    *at = t->n;
    t->nodes[t->n++] = node;
    return true;
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
        return push_node(g, (RnForestNode){.feature = -1, .value = mean}, &at, err);
    size_t nl = 0;
    for (size_t i = 0; i < n; i++)
        if (g->X[idx[i] * g->d + best.feature] <= best.threshold) {
            size_t tmp = idx[nl];
            idx[nl++] = idx[i];
            idx[i] = tmp;
        }
    if (!push_node(g, (RnForestNode){.feature = (int32_t)best.feature, .value = best.threshold},
                   &at, err) ||
        !grow(g, idx, nl, depth + 1, err))
        return false;
    g->tree->nodes[at].right = (uint32_t)g->tree->n;
    return grow(g, idx + nl, n - nl, depth + 1, err);
}

/* ---- the forest ------------------------------------------------------------ */

typedef struct FitJob {
    RnForest *forest;
    const double *X;
    size_t d, target;
    const size_t *rows;
    size_t n_rows;
    const RnForestOptions *o;
    uint64_t seed;
} FitJob;

static bool grow_tree(const FitJob *job, size_t t, RnError **err)
{
    const RnForestOptions *o = job->o;
    size_t s = o->max_samples && o->max_samples < job->n_rows ? o->max_samples : job->n_rows;
    size_t p = job->d - 1;
    Grower g = {.X = job->X, .d = job->d, .target = job->target, .o = o,
                .mtry = o->max_features ? o->max_features : (p / 3 ? p / 3 : 1),
                .rng = rn_rng_split(job->seed, t), .n_features = p,
                .tree = &job->forest->trees[t]};
    if (g.mtry > p)
        g.mtry = p;
    g.idx = rn_calloc(s, sizeof *g.idx, err);
    g.pairs = g.idx ? rn_calloc(s, sizeof *g.pairs, err) : NULL;
    g.features = g.pairs ? rn_calloc(p, sizeof *g.features, err) : NULL;
    bool ok = g.features != NULL;
    for (size_t j = 0, k = 0; ok && j < job->d; j++)
        if (j != job->target)
            g.features[k++] = j;
    for (size_t i = 0; ok && i < s; i++) /* bootstrap: with replacement */
        g.idx[i] = job->rows[rn_rng_below(&g.rng, job->n_rows)];
    ok = ok && grow(&g, g.idx, s, 0, err);
    free(g.idx);
    free(g.pairs);
    free(g.features);
    return ok;
}

static bool fit_task(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part;
    for (size_t t = begin; t < end; t++)
        if (!grow_tree(ctx, t, err))
            return false;
    return true;
}

bool rn_forest_fit(RnForest *f, const double *X, size_t d, size_t target, const size_t *rows,
                   size_t n_rows, const RnForestOptions *o, uint64_t seed, RnPool *pool,
                   RnError **err)
{
    memset(f, 0, sizeof *f);
    if (d < 2 || target >= d || n_rows == 0 || o->trees == 0 || o->trees > FOREST_MAX_TREES ||
        o->max_depth > FOREST_MAX_DEPTH) {
        rn_error_set(err, RN_ERROR_INVALID, "forest: bad size or options");
        return false;
    }
    if (!(f->trees = rn_calloc(o->trees, sizeof *f->trees, err)))
        return false;
    f->n_trees = o->trees;
    FitJob job = {f, X, d, target, rows, n_rows, o, seed};
    if (!rn_pool_for(pool, o->trees, o->trees, fit_task, &job, err)) {
        rn_forest_free(f);
        return false;
    }
    return true;
}

double rn_forest_predict(const RnForest *f, const double *row)
{
    double sum = 0;
    for (size_t t = 0; t < f->n_trees; t++) {
        const RnForestNode *nodes = f->trees[t].nodes;
        size_t i = 0;
        while (nodes[i].feature >= 0)
            i = row[nodes[i].feature] <= nodes[i].value ? i + 1 : nodes[i].right;
        sum += nodes[i].value;
    }
    return sum / (double)f->n_trees;
}

void rn_forest_free(RnForest *f)
{
    for (size_t t = 0; f->trees && t < f->n_trees; t++)
        free(f->trees[t].nodes);
    free(f->trees);
    memset(f, 0, sizeof *f);
}

/* ---- payload ----------------------------------------------------------------- */

static bool put_f64(RnBuf *out, double v, RnError **err)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return eb_put_u64(out, bits, err);
}

static bool get_f64(EbReader *r, double *v, RnError **err)
{
    uint64_t bits;
    if (!eb_get_u64(r, &bits, err))
        return false;
    memcpy(v, &bits, sizeof *v);
    if (!isfinite(*v)) {
        rn_error_set(err, RN_ERROR_PARSE, "forest: non-finite value");
        return false;
    }
    return true;
}

bool rn_forest_save(const RnForest *f, RnBuf *out, RnError **err)
{
    bool ok = eb_put_u64(out, f->n_trees, err);
    for (size_t t = 0; ok && t < f->n_trees; t++) {
        const RnForestTree *tree = &f->trees[t];
        ok = eb_put_u64(out, tree->n, err);
        for (size_t i = 0; ok && i < tree->n; i++)
            ok = eb_put_u32(out, (uint32_t)(tree->nodes[i].feature + 1), err) &&
                 eb_put_u32(out, tree->nodes[i].right, err) &&
                 put_f64(out, tree->nodes[i].value, err);
    }
    return ok;
}

/* A node's children come after it and inside the tree; a leaf ends a path. */
static bool node_valid(const RnForestNode *node, size_t i, size_t n, size_t d)
{
    if (node->feature < 0)
        return true;
    return (size_t)node->feature < d && i + 1 < n && node->right > i + 1 && node->right < n;
}

static bool load_tree(RnForestTree *tree, EbReader *r, size_t d, RnError **err)
{
    /* a node takes 16 bytes */
    if (!eb_get_size(r, 1, (r->n - r->pos) / 16, &tree->n, err) ||
        !(tree->nodes = rn_calloc(tree->n, sizeof *tree->nodes, err)))
        return false;
    for (size_t i = 0; i < tree->n; i++) {
        uint32_t feature;
        RnForestNode *node = &tree->nodes[i];
        if (!eb_get_u32(r, &feature, err) || !eb_get_u32(r, &node->right, err) ||
            !get_f64(r, &node->value, err))
            return false;
        node->feature = feature > (uint32_t)INT32_MAX ? INT32_MAX : (int32_t)feature - 1;
        if (!node_valid(node, i, tree->n, d)) {
            rn_error_set(err, RN_ERROR_PARSE, "forest: bad node");
            return false;
        }
    }
    return true;
}

bool rn_forest_load(RnForest *f, EbReader *r, size_t d, RnError **err)
{
    memset(f, 0, sizeof *f);
    /* a tree takes at least 24 bytes */
    bool ok = eb_get_size(r, 1, (r->n - r->pos) / 24, &f->n_trees, err) &&
              (f->trees = rn_calloc(f->n_trees, sizeof *f->trees, err));
    for (size_t t = 0; ok && t < f->n_trees; t++)
        ok = load_tree(&f->trees[t], r, d, err);
    if (!ok)
        rn_forest_free(f);
    return ok;
}
