/* Random forests of regression trees: see forest.h. */
#include "embed/forest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FOREST_MAX_TREES 10000u
#define FOREST_MAX_DEPTH 40u
#define FOREST_MAX_SAMPLES ((size_t)UINT32_MAX)

RnForestOptions rn_forest_options_default(void)
{
    /* leaves of one sample, as scikit-learn's and missingpy's forests grow
     * them: 3 cost 0.011 RMSE on held-out metadata (bench/RESULTS.md) */
    return (RnForestOptions){.trees = 10, .max_samples = 1024, .max_depth = 16, .min_leaf = 1,
                             .max_features = 0};
}

size_t rn_forest_mtry(const RnForestOptions *o, size_t d)
{
    size_t p = d - 1;
    return o->max_features && o->max_features < p ? o->max_features : p;
}

/* ---- growing one tree on presorted predictors -------------------------------
 * The bootstrap sample is s slots (a row drawn twice is two slots). For
 * every predictor k, order[k·s ..] lists the slots by increasing value (ties
 * by slot); a node is a range [lo, hi) of every such list, and splitting it
 * partitions each list's range stably, so no node sorts. A predictor
 * constant in a node stays so below it: it is neither scanned nor
 * partitioned there (one-hot columns mostly are, a few splits down). */

typedef struct Grower {
    const RnForestData *data;
    const RnForestOptions *o;
    size_t mtry, min_leaf, s, p;
    RnRng rng;
    size_t *row;          /* slot → row of X */
    double *y;            /* slot → target */
    double *values;       /* p × s: predictor k of slot i at k·s + i (a gather of X,
                             so that nodes read a column's few KB, not rows of X) */
    size_t *column;       /* predictor k → column of X */
    size_t *pick;         /* predictors, shuffled at every node */
    uint32_t *order;      /* p × s */
    uint32_t *slots;      /* s: the slots by node, in bootstrap order within one */
    uint8_t *live;        /* (max_depth + 1) × p: predictor not constant in the node
                             at that depth (a constant one's order is not kept) */
    uint32_t *scratch;    /* s */
    uint8_t *left;        /* slot → goes left */
    RnForestTree *tree;
    size_t cap;
} Grower;

typedef struct Split {
    size_t k;             /* predictor */
    double threshold;
    double score;         /* sum_L^2 / n_L + sum_R^2 / n_R; larger is better */
} Split;

static double value_of(const Grower *g, size_t k, uint32_t slot)
{
    return g->values[k * g->s + slot];
}

/* The best split of [lo, hi) on predictor k, if any beats best->score. */
static void best_split_on(const Grower *g, size_t k, size_t lo, size_t hi, double total,
                          Split *best)
{
    const uint32_t *ord = g->order + k * g->s;
    size_t n = hi - lo;
    if (value_of(g, k, ord[lo]) == value_of(g, k, ord[hi - 1]))
        return;
    double left = 0, x = value_of(g, k, ord[lo]);
    for (size_t i = lo; i + 1 < hi; i++) {
        double next = value_of(g, k, ord[i + 1]);
        left += g->y[ord[i]];
        size_t nl = i - lo + 1, nr = n - nl;
        if (nr < g->min_leaf)
            break;
        if (nl >= g->min_leaf && x != next) {
            double right = total - left;
            double score = left * left / (double)nl + right * right / (double)nr;
            if (score > best->score) {
                double mid = x + (next - x) / 2;
                best->k = k;
                best->threshold = mid < next ? mid : x;
                best->score = score;
            }
        }
        x = next;
    }
}

bool rn_forest_push(RnForestTree *tree, size_t *cap, RnForestNode node, size_t *at,
                    RnError **err)
{
    if (tree->n == *cap) {
        size_t grown = *cap ? 2 * *cap : 64;
        RnForestNode *nodes = rn_realloc(tree->nodes, grown * sizeof *nodes, err);
        if (!nodes)
            return false;
        tree->nodes = nodes;
        *cap = grown;
    }
    *at = tree->n;
    tree->nodes[tree->n++] = node;
    return true;
}

/* Stable partition by g->left of the range [lo, hi) of the slots and of
 * every predictor live at the node. */
static void partition(Grower *g, const uint8_t *live, size_t lo, size_t hi)
{
    for (size_t k = 0; k <= g->p; k++) {
        if (k < g->p && !live[k])
            continue;
        uint32_t *ord = k < g->p ? g->order + k * g->s : g->slots;
        size_t a = lo, b = 0;
        for (size_t i = lo; i < hi; i++) {
            if (g->left[ord[i]])
                ord[a++] = ord[i];
            else
                g->scratch[b++] = ord[i];
        }
        memcpy(ord + a, g->scratch, b * sizeof *ord);
    }
}

/* live[k] at the next depth: predictor k varies in [lo, hi). */
static void mark_live(Grower *g, const uint8_t *live, uint8_t *next, size_t lo, size_t hi)
{
    for (size_t k = 0; k < g->p; k++) {
        const uint32_t *ord = g->order + k * g->s;
        next[k] = live[k] && value_of(g, k, ord[lo]) != value_of(g, k, ord[hi - 1]);
    }
}

static bool grow(Grower *g, size_t lo, size_t hi, unsigned depth, RnError **err)
{
    size_t n = hi - lo;
    const uint8_t *live = g->live + (size_t)depth * g->p;
    const uint32_t *slots = g->slots;
    double total = 0, squares = 0;
    for (size_t i = lo; i < hi; i++) {
        total += g->y[slots[i]];
        squares += g->y[slots[i]] * g->y[slots[i]];
    }
    double mean = total / (double)n;
    Split best = {.score = total * total / (double)n};
    /* a pure node (no variance left, up to rounding) is a leaf */
    bool splittable = depth < g->o->max_depth && n >= 2 * g->min_leaf &&
                      squares - total * mean > 1e-12 * (squares + 1e-300);
    if (splittable) {
        double parent = best.score;
        /* mtry distinct predictors by a partial Fisher–Yates shuffle */
        for (size_t k = 0; k < g->mtry; k++) {
            size_t r = k + (size_t)rn_rng_below(&g->rng, g->p - k);
            size_t tmp = g->pick[k];
            g->pick[k] = g->pick[r];
            g->pick[r] = tmp;
            if (live[g->pick[k]])
                best_split_on(g, g->pick[k], lo, hi, total, &best);
        }
        splittable = best.score > parent * (1 + 1e-12);
    }
    size_t at;
    if (!splittable)
        return rn_forest_push(g->tree, &g->cap, (RnForestNode){.feature = -1, .value = mean}, &at, err);
    size_t nl = 0;
    for (size_t i = lo; i < hi; i++)
        nl += g->left[slots[i]] = value_of(g, best.k, slots[i]) <= best.threshold;
    partition(g, live, lo, hi);
    uint8_t *next = g->live + (size_t)(depth + 1) * g->p;
    if (!rn_forest_push(g->tree, &g->cap, (RnForestNode){.feature = (int32_t)g->column[best.k],
                                     .value = best.threshold}, &at, err))
        return false;
    mark_live(g, live, next, lo, lo + nl);
    if (!grow(g, lo, lo + nl, depth + 1, err))
        return false;
    g->tree->nodes[at].right = (uint32_t)g->tree->n;
    mark_live(g, live, next, lo + nl, hi);
    return grow(g, lo + nl, hi, depth + 1, err);
}

typedef struct Keyed {
    double x;
    uint32_t slot;
} Keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const Keyed *u = a, *v = b;
    if (u->x != v->x)
        return u->x < v->x ? -1 : 1;
    return (u->slot > v->slot) - (u->slot < v->slot);
}

/* Predictor k takes only the values 0 and 1 in the sample (one-hot). */
static bool is_binary(const Grower *g, size_t k)
{
    for (uint32_t i = 0; i < g->s; i++) {
        double x = value_of(g, k, i);
        if (x != 0 && x != 1)
            return false;
    }
    return true;
}

/* Orders every predictor's slots and marks the root's live predictors. */
static bool presort(Grower *g, RnError **err)
{
    Keyed *keys = rn_calloc(g->s, sizeof *keys, err);
    if (!keys)
        return false;
    for (size_t k = 0; k < g->p; k++) {
        uint32_t *ord = g->order + k * g->s;
        if (is_binary(g, k)) { /* slots in order: zeros, then ones */
            size_t a = 0;
            for (uint32_t i = 0; i < g->s; i++)
                if (value_of(g, k, i) == 0)
                    ord[a++] = i;
            for (uint32_t i = 0; i < g->s; i++)
                if (value_of(g, k, i) != 0)
                    ord[a++] = i;
        } else {
            for (uint32_t i = 0; i < g->s; i++)
                keys[i] = (Keyed){value_of(g, k, i), i};
            qsort(keys, g->s, sizeof *keys, keyed_cmp);
            for (size_t i = 0; i < g->s; i++)
                ord[i] = keys[i].slot;
        }
        g->live[k] = value_of(g, k, ord[0]) != value_of(g, k, ord[g->s - 1]);
    }
    free(keys);
    return true;
}

static void grower_free(Grower *g)
{
    free(g->row);
    free(g->y);
    free(g->column);
    free(g->pick);
    free(g->values);
    free(g->order);
    free(g->slots);
    free(g->live);
    free(g->scratch);
    free(g->left);
}

bool rn_forest_grow(RnForestTree *tree, const RnForestData *data, const RnForestOptions *o,
                    uint64_t seed, size_t t, RnError **err)
{
    memset(tree, 0, sizeof *tree);
    Grower g = {.data = data, .o = o, .mtry = rn_forest_mtry(o, data->d),
                .min_leaf = o->min_leaf ? o->min_leaf : 1, .p = data->d - 1,
                .rng = rn_rng_split(seed, t), .tree = tree};
    g.s = o->max_samples && o->max_samples < data->n_rows ? o->max_samples : data->n_rows;
    bool ok = (g.row = rn_calloc(g.s, sizeof *g.row, err)) &&
              (g.y = rn_calloc(g.s, sizeof *g.y, err)) &&
              (g.column = rn_calloc(g.p, sizeof *g.column, err)) &&
              (g.pick = rn_calloc(g.p, sizeof *g.pick, err)) &&
              (g.values = rn_calloc(g.p, g.s * sizeof *g.values, err)) &&
              (g.order = rn_calloc(g.p, g.s * sizeof *g.order, err)) &&
              (g.slots = rn_calloc(g.s, sizeof *g.slots, err)) &&
              (g.live = rn_calloc(o->max_depth + 1, g.p, err)) &&
              (g.scratch = rn_calloc(g.s, sizeof *g.scratch, err)) &&
              (g.left = rn_calloc(g.s, 1, err));
    for (size_t j = 0, k = 0; ok && j < data->d; j++)
        if (j != data->target) {
            g.column[k] = j;
            g.pick[k] = k;
            k++;
        }
    for (size_t i = 0; ok && i < g.s; i++) { /* bootstrap: with replacement */
        g.row[i] = data->rows[rn_rng_below(&g.rng, data->n_rows)];
        const double *x = data->X + g.row[i] * data->d;
        g.y[i] = x[data->target];
        g.slots[i] = (uint32_t)i;
        for (size_t k = 0; k < g.p; k++)
            g.values[k * g.s + i] = x[g.column[k]];
    }
    ok = ok && presort(&g, err) && grow(&g, 0, g.s, 0, err);
    grower_free(&g);
    return ok;
}

/* ---- the forest ------------------------------------------------------------ */

typedef struct FitJob {
    RnForest *forest;
    const RnForestData *data;
    const RnForestOptions *o;
    uint64_t seed;
} FitJob;

static bool fit_task(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part;
    const FitJob *job = ctx;
    for (size_t t = begin; t < end; t++)
        if (!rn_forest_grow(&job->forest->trees[t], job->data, job->o, job->seed, t, err))
            return false;
    return true;
}

bool rn_forest_fit(RnForest *f, const RnForestData *data, const RnForestOptions *o,
                   uint64_t seed, RnPool *pool, RnError **err)
{
    memset(f, 0, sizeof *f);
    if (data->d < 2 || data->target >= data->d || data->n_rows == 0 || o->trees == 0 ||
        o->trees > FOREST_MAX_TREES || o->max_depth > FOREST_MAX_DEPTH ||
        data->n_rows > FOREST_MAX_SAMPLES || o->max_samples > FOREST_MAX_SAMPLES) {
        rn_error_set(err, RN_ERROR_INVALID, "forest: bad size or options");
        return false;
    }
    if (!(f->trees = rn_calloc(o->trees, sizeof *f->trees, err)))
        return false;
    f->n_trees = o->trees;
    FitJob job = {f, data, o, seed};
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
