/* What the run's clusters follow first (run.h, RnRunView) and the view
 * model `assign` reloads (RN_RUN_VIEW_MODEL): the region a row's words
 * name, the region a row without one adopts, prediction within a region. */
#include "run_internal.h"
#include "radnet/cluster.h"
#include "radnet/embed.h"
#include "radnet/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const view_names[] = {"auto", "modality", "region"};

const char *rn_run_view_name(RnRunView v)
{
    return (unsigned)v < sizeof view_names / sizeof *view_names ? view_names[v] : "?";
}

bool rn_run_view_parse(const char *name, RnRunView *out)
{
    for (size_t i = 0; i < sizeof view_names / sizeof *view_names; i++)
        if (strcmp(name, view_names[i]) == 0) {
            *out = (RnRunView)i;
            return true;
        }
    return false;
}

RnRunView rn_run_view_auto(size_t k, size_t modalities, size_t regions)
{
    if (regions >= 2 && k > modalities && 2 * k < 3 * regions)
        return RN_RUN_VIEW_REGION;
    return RN_RUN_VIEW_MODALITY;
}

/* The strongest column of an anatomy block with a word, -1 without one. */
static int strongest(const float *block)
{
    size_t words = rn_embed_anatomy_regions();
    if (block == NULL || block[words] != 0)
        return -1;
    size_t best = 0;
    for (size_t c = 1; c < words; c++)
        if (block[c] > block[best])
            best = c;
    return (int)best;
}

const char *ru_anatomy_region(const float *meta, const float *text, const char *header)
{
    int c = strongest(meta);
    if (c < 0)
        c = strongest(text);
    return c >= 0 ? rn_embed_anatomy_region((size_t)c) : header;
}

int32_t ru_view_region(const RuView *v, const char *name)
{
    for (size_t j = 0; j < v->n_regions; j++)
        if (strcmp(v->regions[j], name) == 0)
            return (int32_t)j;
    return -1;
}

static double sq_dist(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t c = 0; c < d; c++)
        s += (a[c] - b[c]) * (a[c] - b[c]);
    return s;
}

/* The nearest of n means (those with rows), 0 when none has rows. */
static int32_t nearest(const double *mean, const uint64_t *rows, size_t n, size_t d,
                       const double *row)
{
    int32_t best = 0;
    double best_d = INFINITY;
    for (size_t j = 0; j < n; j++) {
        if (rows[j] == 0)
            continue;
        double dj = sq_dist(row, mean + j * d, d);
        if (dj < best_d) {
            best_d = dj;
            best = (int32_t)j;
        }
    }
    return best;
}

int32_t ru_view_adopt(const RuView *v, int32_t modality, const double *row)
{
    if (modality >= 0 && (size_t)modality < v->n_modalities) {
        size_t base = (size_t)modality * v->n_regions;
        for (size_t j = 0; j < v->n_regions; j++)
            if (v->pair_rows[base + j] > 0)
                return nearest(v->pair_mean + base * v->d, v->pair_rows + base, v->n_regions,
                               v->d, row);
    }
    return nearest(v->region_mean, v->region_rows, v->n_regions, v->d, row);
}

/* The centres of region g as their own model; *index receives their
 * numbers in m (NULL model: the region has no centre). */
static bool region_model(const RuView *v, const RnClusterModel *m, int32_t g,
                         RnClusterModel **out, int32_t *index, RnError **err)
{
    RnMatrix c = rn_cluster_model_centers(m);
    size_t n = 0;
    for (size_t i = 0; i < v->k; i++)
        if (v->centre_region[i] == g)
            index[n++] = (int32_t)i;
    *out = NULL;
    if (n == 0)
        return true;
    /* the centres as stored: the same distances as the whole model's */
    size_t row_bytes = c.cols * rn_dtype_size(c.dtype);
    uint8_t *sub = rn_malloc(n * row_bytes + 1, err);
    if (sub == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        memcpy(sub + i * row_bytes, rn_matrix_row(&c, (size_t)index[i]), row_bytes);
    RnMatrix cm = {.data = sub, .rows = n, .cols = c.cols, .dtype = c.dtype};
    *out = rn_cluster_model_from_centers(RN_ALGO_KMEANS, RN_DISTANCE_EUCLIDEAN, &cm, err);
    free(sub);
    return *out != NULL;
}

/* The rows of X in region g (rows[0..n)) predicted among g's centres. */
static bool predict_region(const RuView *v, const RnClusterModel *m, const RnMatrix *X,
                           int32_t g, const size_t *rows, size_t n, RnPool *pool,
                           int32_t *labels, double *dist, RnError **err)
{
    size_t row_bytes = X->cols * rn_dtype_size(X->dtype);
    int32_t *index = rn_calloc(v->k + 1, sizeof *index, err);
    uint8_t *x = rn_malloc(n * row_bytes + 1, err);
    int32_t *lab = rn_calloc(n + 1, sizeof *lab, err);
    double *dd = rn_calloc(n + 1, sizeof *dd, err);
    RnClusterModel *sub = NULL;
    bool ok = index && x && lab && dd && region_model(v, m, g, &sub, index, err);
    if (ok && sub == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: region %s has no cluster", RN_RUN_VIEW_MODEL,
                     v->regions[g]);
        ok = false;
    }
    for (size_t i = 0; ok && i < n; i++)
        memcpy(x + i * row_bytes, rn_matrix_row(X, rows[i]), row_bytes);
    RnMatrix xm = {.data = x, .rows = n, .cols = X->cols, .dtype = X->dtype};
    ok = ok && rn_cluster_model_predict(sub, &xm, pool, lab, dd, NULL, err);
    for (size_t i = 0; ok && i < n; i++) {
        labels[rows[i]] = index[lab[i]];
        if (dist)
            dist[rows[i]] = dd[i];
    }
    rn_cluster_model_close(sub);
    free(index);
    free(x);
    free(lab);
    free(dd);
    return ok;
}

bool ru_view_predict(const RuView *v, const RnClusterModel *m, const RnMatrix *X,
                     const int32_t *region, RnPool *pool, int32_t *labels, double *dist,
                     RnError **err)
{
    if (rn_cluster_model_info(m)->k != v->k) {
        rn_error_set(err, RN_ERROR_INVALID, "%s is not of the cluster model", RN_RUN_VIEW_MODEL);
        return false;
    }
    size_t *rows = rn_calloc(X->rows + 1, sizeof *rows, err);
    bool ok = rows != NULL;
    for (size_t g = 0; ok && g < v->n_regions; g++) {
        size_t n = 0;
        for (size_t i = 0; i < X->rows; i++)
            if (region[i] == (int32_t)g)
                rows[n++] = i;
        ok = n == 0 || predict_region(v, m, X, (int32_t)g, rows, n, pool, labels, dist, err);
    }
    free(rows);
    return ok;
}

/* ---- the run's side ----------------------------------------------------------- */

/* The inputs whose strongest region names a row's region, most trusted
 * first: the descriptive tags, then the report. */
static const char *const anatomy_inputs[] = {"meta-anatomy", "text-anatomy"};

/* A Modality or region counts as one of the archive's classes (the view's
 * choice, and a region the region view keeps) when at least this share of
 * the rows shows it: a word misread in a handful of headers is not a
 * class, a region of one image in 500 is. */
#define RUN_CLASS_MIN_SHARE 0.001

/* Ids of v[0..n) (label order) into *ids, *k, and the names when `names`
 * is not NULL (owned). */
static bool encode(char *const *v, size_t n, int32_t **ids, size_t *k, char ***names,
                   RnError **err)
{
    RnEvalLabels g = {0};
    if (!rn_eval_labels_encode(v, NULL, n, &g, err))
        return false;
    *ids = g.ids;
    *k = g.k;
    g.ids = NULL;
    if (names) {
        *names = g.names;
        g.names = NULL;
    }
    rn_eval_labels_free(&g);
    return true;
}

/* Opens the anatomy block `input` when the run reads it (a study may
 * choose otherwise): f->m NULL data when not. */
static bool open_anatomy(RuRun *r, const char *input, RnMatrixFile *f, RnError **err)
{
    bool read = false;
    for (size_t i = 0; i < r->sum->n_inputs; i++)
        read |= strcmp(r->sum->inputs[i], input) == 0;
    if (!read)
        return true;
    char name[96];
    snprintf(name, sizeof name, "embeddings/%s.npy", input);
    char *path = rn_store_artifact_path(r->s, name, err);
    bool ok = path && rn_matrix_file_open(path, RN_DTYPE_F32, true, f, err);
    free(path);
    size_t cols = rn_embed_anatomy_regions() + 1;
    if (ok && (f->m.rows != r->n || f->m.cols != cols)) {
        rn_error_set(err, RN_ERROR_INVALID, "%s has %zu x %zu values, not %zu x %zu", input,
                     f->m.rows, f->m.cols, r->n, cols);
        ok = false;
    }
    return ok;
}

/* The region of every row (ru_anatomy_region), as ids of one name space:
 * from the tags, the report, the header into r->subgroup (the modality
 * view's split of k); from the tags, the header into r->view_region (the
 * region view's groups). The SPEC §5 header region is the reference label,
 * but for splitting k it is the weaker one: BodyPartExamined wrong or in a
 * local spelling, descriptions the §5 regexes do not read, while the
 * lexicon reads them (region homogeneity at k = 50 +0.013 to +0.065 on four
 * archives, never lower; bench/RESULTS.md, "Next: split k by the anatomy
 * block"). The report's strongest word names the true region of only
 * 53–83 % of the rows it would serve (it names every organ it mentions),
 * so in the region view, where a row's region is its cluster's, a row
 * without a tag or header region adopts one from the fused space instead
 * (bench/RESULTS.md, "Two views of k"). */
static bool run_regions(RuRun *r, RnError **err)
{
    RnMatrixFile f[2] = {0};
    const char **est = rn_calloc(2 * r->n + 1, sizeof *est, err);
    int32_t *ids = NULL;
    size_t k = 0;
    bool ok = est && open_anatomy(r, anatomy_inputs[0], &f[0], err) &&
              open_anatomy(r, anatomy_inputs[1], &f[1], err);
    for (size_t i = 0; ok && i < r->n; i++) {
        const float *tags = f[0].m.data ? rn_matrix_row(&f[0].m, i) : NULL;
        est[i] = ru_anatomy_region(tags, f[1].m.data ? rn_matrix_row(&f[1].m, i) : NULL,
                                   r->region[i]);
        est[r->n + i] = ru_anatomy_region(tags, NULL, r->region[i]);
    }
    ok = ok && encode((char *const *)est, 2 * r->n, &ids, &k, &r->region_names, err);
    r->subgroup = ok ? rn_calloc(r->n + 1, sizeof *r->subgroup, err) : NULL;
    r->view_region = r->subgroup ? rn_calloc(r->n + 1, sizeof *r->view_region, err) : NULL;
    ok = ok && r->view_region;
    if (ok) {
        memcpy(r->subgroup, ids, r->n * sizeof *ids);
        memcpy(r->view_region, ids + r->n, r->n * sizeof *ids);
        r->n_subgroups = k;
    }
    free(ids);
    r->no_region = -1;
    for (size_t c = 0; ok && c < r->n_subgroups; c++)
        if (r->region_names[c][0] == '\0')
            r->no_region = (int32_t)c;
    rn_matrix_file_close(&f[0]);
    rn_matrix_file_close(&f[1]);
    free(est);
    return ok;
}

/* Rows per id of ids[0..n) (k ids) into count[]; returns how many ids
 * other than `skip` hold at least RUN_CLASS_MIN_SHARE of the rows. */
static size_t class_count(const int32_t *ids, size_t n, size_t k, int32_t skip, size_t *count)
{
    memset(count, 0, k * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[ids[i]]++;
    size_t classes = 0;
    for (size_t c = 0; c < k; c++)
        classes += (int32_t)c != skip && (double)count[c] >= RUN_CLASS_MIN_SHARE * (double)n;
    return classes;
}

/* The largest of n_ids ids (count[c] rows each) other than `skip` that
 * hold at least min_rows, at most k: rank[c] = id c's place among them by
 * rows, ties to the lower id (-1: not kept). Returns how many. */
static size_t keep_largest(const size_t *count, size_t n_ids, int32_t skip, double min_rows,
                           size_t k, int32_t *rank)
{
    size_t classes = 0;
    for (size_t c = 0; c < n_ids; c++)
        classes += (int32_t)c != skip && (double)count[c] >= min_rows;
    size_t kept = classes < k ? classes : k;
    for (size_t c = 0; c < n_ids; c++) {
        size_t above = 0; /* ids before c: more rows, or as many and a lower id */
        for (size_t e = 0; e < n_ids; e++)
            above += (int32_t)e != skip && (count[e] > count[c] || (count[e] == count[c] && e < c));
        bool keep = (int32_t)c != skip && (double)count[c] >= min_rows && above < kept;
        rank[c] = keep ? (int32_t)above : -1;
    }
    return kept;
}

/* The mean of X's rows in each of n groups (group[i] < 0: row i in none),
 * summed in row order, into mean (n × X->cols, zeroed) and rows (n). */
static void group_means(const RnMatrix *X, const int32_t *group, size_t n, double *mean,
                        uint64_t *rows)
{
    size_t d = X->cols;
    for (size_t i = 0; i < X->rows; i++) {
        if (group[i] < 0)
            continue;
        size_t g = (size_t)group[i];
        rows[g]++;
        for (size_t c = 0; c < d; c++)
            mean[g * d + c] += rn_matrix_at(X, i, c);
    }
    for (size_t g = 0; g < n; g++)
        for (size_t c = 0; rows[g] && c < d; c++)
            mean[g * d + c] /= (double)rows[g];
}

/* v's means of the rows with a kept region (r->view_group >= 0): per
 * (Modality, kept region) pair and per kept region. */
static bool region_means(RuRun *r, RuView *v, RnError **err)
{
    size_t d = v->d, pairs = v->n_modalities * v->n_regions;
    v->pair_mean = rn_calloc(pairs * d + 1, sizeof *v->pair_mean, err);
    v->pair_rows = rn_calloc(pairs + 1, sizeof *v->pair_rows, err);
    v->region_mean = rn_calloc(v->n_regions * d + 1, sizeof *v->region_mean, err);
    v->region_rows = rn_calloc(v->n_regions + 1, sizeof *v->region_rows, err);
    int32_t *pair = rn_calloc(r->n + 1, sizeof *pair, err);
    bool ok = v->pair_mean && v->pair_rows && v->region_mean && v->region_rows && pair;
    for (size_t i = 0; ok && i < r->n; i++)
        pair[i] = r->view_group[i] < 0
                      ? -1
                      : r->group[i] * (int32_t)v->n_regions + r->view_group[i];
    if (ok) {
        group_means(&r->fused.m, pair, pairs, v->pair_mean, v->pair_rows);
        group_means(&r->fused.m, r->view_group, v->n_regions, v->region_mean, v->region_rows);
    }
    free(pair);
    return ok;
}

static char **copy_names(char *const *src, const int32_t *pick, size_t n, RnError **err)
{
    char **out = rn_calloc(n + 1, sizeof *out, err);
    for (size_t i = 0; out && i < n; i++)
        if ((out[i] = rn_strdup(src[pick ? pick[i] : (int32_t)i], err)) == NULL)
            return out; /* ru_view_free frees what was copied */
    return out;
}

/* The region view for k clusters: r->view (without centres yet) and every
 * row's region in r->view_group, rows without a kept region adopting one.
 * False with r->view.n_regions 0 when no region counts (no error). */
static bool region_view(RuRun *r, size_t k, RnError **err)
{
    RuView *v = &r->view;
    size_t *count = rn_calloc(r->n_subgroups + 1, sizeof *count, err);
    int32_t *rank = rn_calloc(r->n_subgroups + 1, sizeof *rank, err);
    int32_t *pick = rn_calloc(r->n_subgroups + 1, sizeof *pick, err);
    double *row = rn_calloc(r->fused.m.cols + 1, sizeof *row, err);
    r->view_group = rn_calloc(r->n + 1, sizeof *r->view_group, err);
    bool ok = count && rank && pick && row && r->view_group;
    if (ok) {
        class_count(r->view_region, r->n, r->n_subgroups, r->no_region, count);
        v->n_regions = keep_largest(count, r->n_subgroups, r->no_region,
                                    RUN_CLASS_MIN_SHARE * (double)r->n, k, rank);
        for (size_t c = 0; c < r->n_subgroups; c++)
            if (rank[c] >= 0)
                pick[rank[c]] = (int32_t)c;
        v->view = RN_RUN_VIEW_REGION;
        v->d = r->fused.m.cols;
        v->n_modalities = r->n_groups;
        ok = v->n_regions > 0 &&
             (v->regions = copy_names(r->region_names, pick, v->n_regions, err)) != NULL &&
             (v->modalities = copy_names(r->modality_names, NULL, r->n_groups, err)) != NULL;
    }
    for (size_t i = 0; ok && i < r->n; i++)
        r->view_group[i] = rank[r->view_region[i]];
    ok = ok && region_means(r, v, err);
    for (size_t i = 0; ok && i < r->n; i++) {
        if (r->view_group[i] >= 0)
            continue;
        for (size_t c = 0; c < v->d; c++)
            row[c] = rn_matrix_at(&r->fused.m, i, c);
        r->view_group[i] = ru_view_adopt(v, r->group[i], row);
    }
    free(count);
    free(rank);
    free(pick);
    free(row);
    return ok;
}

/* The modality view with k below the number of Modality values: the k
 * largest keep their groups (r->view_group), the rows of the others join
 * the kept modality of the nearest mean in the fused space; one cluster
 * per group then, as at k = the number of modalities. One k-means over all
 * rows instead: NMI mod 0.898 and seed ARI 0.865 at k = 9 on H5, against
 * 0.992 and 1.000 (bench/RESULTS.md, "Two views of k"). */
static bool fold_modalities(RuRun *r, size_t k, RnError **err)
{
    size_t d = r->fused.m.cols;
    size_t *count = rn_calloc(r->n_groups + 1, sizeof *count, err);
    int32_t *rank = rn_calloc(r->n_groups + 1, sizeof *rank, err);
    double *mean = rn_calloc(k * d + 1, sizeof *mean, err);
    uint64_t *rows = rn_calloc(k + 1, sizeof *rows, err);
    double *row = rn_calloc(d + 1, sizeof *row, err);
    r->view_group = rn_calloc(r->n + 1, sizeof *r->view_group, err);
    bool ok = count && rank && mean && rows && row && r->view_group;
    if (ok) {
        class_count(r->group, r->n, r->n_groups, -1, count);
        keep_largest(count, r->n_groups, -1, 1, k, rank);
    }
    for (size_t i = 0; ok && i < r->n; i++)
        r->view_group[i] = rank[r->group[i]];
    if (ok)
        group_means(&r->fused.m, r->view_group, k, mean, rows);
    for (size_t i = 0; ok && i < r->n; i++) {
        if (r->view_group[i] >= 0)
            continue;
        for (size_t c = 0; c < d; c++)
            row[c] = rn_matrix_at(&r->fused.m, i, c);
        r->view_group[i] = nearest(mean, rows, k, d, row);
    }
    free(count);
    free(rank);
    free(mean);
    free(rows);
    free(row);
    return ok;
}

bool ru_view_prepare(RuRun *r, size_t k, RnError **err)
{
    if (r->view_k == k)
        return true;
    if (r->group == NULL &&
        !encode(r->modality, r->n, &r->group, &r->n_groups, &r->modality_names, err))
        return false;
    if (r->subgroup == NULL && !run_regions(r, err))
        return false;
    size_t *count = rn_calloc(r->n_groups + r->n_subgroups + 1, sizeof *count, err);
    if (count == NULL)
        return false;
    size_t modalities = class_count(r->group, r->n, r->n_groups, -1, count);
    size_t regions = class_count(r->view_region, r->n, r->n_subgroups, r->no_region, count);
    free(count);
    RnRunView view = r->o->view != RN_RUN_VIEW_AUTO ? r->o->view
                                                    : rn_run_view_auto(k, modalities, regions);
    ru_view_free(&r->view);
    free(r->view_group);
    r->view_group = NULL;
    RnError *e = NULL;
    if (view == RN_RUN_VIEW_REGION && !region_view(r, k, &e)) {
        if (e) { /* a failure, not "no region counts" */
            rn_error_propagate(err, e);
            return false;
        }
        ru_view_free(&r->view); /* no region: the modality view */
        free(r->view_group);
        r->view_group = NULL;
    }
    if (r->view.view != RN_RUN_VIEW_REGION) {
        r->view.view = RN_RUN_VIEW_MODALITY;
        if (k < r->n_groups && !fold_modalities(r, k, err))
            return false;
    }
    r->view_k = k;
    r->sum->view = r->view.view;
    return true;
}

bool ru_view_centres(RuRun *r, RnError **err)
{
    RuView *v = &r->view;
    if (v->view != RN_RUN_VIEW_REGION)
        return true;
    free(v->centre_region);
    v->k = r->k;
    v->centre_region = rn_calloc(r->k + 1, sizeof *v->centre_region, err);
    if (v->centre_region == NULL) {
        v->k = 0;
        return false;
    }
    for (size_t c = 0; c < r->k; c++)
        v->centre_region[c] = -1;
    for (size_t i = 0; i < r->n; i++)
        v->centre_region[r->labels[i]] = r->view_group[i];
    return true;
}

/* ---- models/view.json ------------------------------------------------------ */

static void put_strings(RnJsonWriter *w, const char *key, char *const *s, size_t n)
{
    rn_json_key(w, key);
    rn_json_begin_array(w);
    for (size_t i = 0; i < n; i++)
        rn_json_string(w, s[i]);
    rn_json_end_array(w);
}

/* Counts and labels are whole numbers: written as doubles, they read back
 * exactly (below 2^53). */
static bool put_whole(RnJsonWriter *w, const char *key, const void *x, size_t n, bool is64,
                      RnError **err)
{
    double *t = rn_calloc(n + 1, sizeof *t, err);
    if (t == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        t[i] = is64 ? (double)((const uint64_t *)x)[i] : (double)((const int32_t *)x)[i];
    ru_json_put_array(w, key, t, n);
    free(t);
    return true;
}

bool ru_view_json(const RuView *v, RnBuf *out, RnError **err)
{
    RnJsonWriter *w = rn_json_open(out, 0, err);
    if (!w)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_uint(w, "version", 1);
    rn_json_kv_string(w, "view", rn_run_view_name(v->view));
    bool ok = true;
    if (v->view == RN_RUN_VIEW_REGION) {
        size_t pairs = v->n_modalities * v->n_regions;
        rn_json_kv_uint(w, "d", v->d);
        rn_json_kv_uint(w, "k", v->k);
        put_strings(w, "regions", v->regions, v->n_regions);
        put_strings(w, "modalities", v->modalities, v->n_modalities);
        ru_json_put_array(w, "pair_mean", v->pair_mean, pairs * v->d);
        ru_json_put_array(w, "region_mean", v->region_mean, v->n_regions * v->d);
        ok = put_whole(w, "pair_rows", v->pair_rows, pairs, true, err) &&
             put_whole(w, "region_rows", v->region_rows, v->n_regions, true, err) &&
             put_whole(w, "centre_region", v->centre_region, v->k, false, err);
    }
    rn_json_end_object(w);
    ok = ok && rn_json_finish(w, err);
    rn_json_close(w);
    return ok;
}

/* n strings of array `key` into *out (owned copies). */
static bool get_strings(const RnJson *doc, RnJsonRef root, const char *key, size_t *n,
                        char ***out, RnError **err)
{
    RnJsonRef a = rn_json_get(doc, root, key);
    *n = rn_json_count(doc, a);
    if (rn_json_type(doc, a) != RN_JSON_ARRAY || *n == 0 || *n > (1u << 20))
        return false;
    *out = rn_calloc(*n + 1, sizeof **out, err);
    for (size_t i = 0; *out && i < *n; i++) {
        const char *s = rn_json_str(doc, rn_json_at(doc, a, i), NULL);
        if (s == NULL || ((*out)[i] = rn_strdup(s, err)) == NULL)
            return false;
    }
    return *out != NULL;
}

/* n whole numbers in [lo, hi] of array `key`. */
static bool get_whole(const RnJson *doc, RnJsonRef root, const char *key, size_t n, double lo,
                      double hi, double *t)
{
    if (!ru_json_get_array(doc, root, key, t, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(t[i] >= lo && t[i] <= hi) || t[i] != floor(t[i]))
            return false;
    return true;
}

static bool parse_region_view(const RnJson *doc, RnJsonRef root, RuView *v, RnError **err)
{
    if (!ru_json_get_uint(doc, root, "d", 1 << 20, &v->d) || v->d == 0 ||
        !ru_json_get_uint(doc, root, "k", RN_CLUSTER_MAX_K, &v->k) || v->k == 0 ||
        !get_strings(doc, root, "regions", &v->n_regions, &v->regions, err) ||
        !get_strings(doc, root, "modalities", &v->n_modalities, &v->modalities, err))
        return false;
    size_t pairs = v->n_modalities * v->n_regions;
    if (pairs > (1u << 24) || pairs * v->d > (1u << 28))
        return false;
    double *t = rn_calloc(pairs + v->k + 1, sizeof *t, err);
    v->pair_mean = rn_calloc(pairs * v->d + 1, sizeof *v->pair_mean, err);
    v->region_mean = rn_calloc(v->n_regions * v->d + 1, sizeof *v->region_mean, err);
    v->pair_rows = rn_calloc(pairs + 1, sizeof *v->pair_rows, err);
    v->region_rows = rn_calloc(v->n_regions + 1, sizeof *v->region_rows, err);
    v->centre_region = rn_calloc(v->k + 1, sizeof *v->centre_region, err);
    bool ok = t && v->pair_mean && v->region_mean && v->pair_rows && v->region_rows &&
              v->centre_region &&
              ru_json_get_array(doc, root, "pair_mean", v->pair_mean, pairs * v->d) &&
              ru_json_get_array(doc, root, "region_mean", v->region_mean, v->n_regions * v->d);
    if (ok && (ok = get_whole(doc, root, "pair_rows", pairs, 0, 0x1p53, t)))
        for (size_t i = 0; i < pairs; i++)
            v->pair_rows[i] = (uint64_t)t[i];
    if (ok && (ok = get_whole(doc, root, "region_rows", v->n_regions, 0, 0x1p53, t)))
        for (size_t i = 0; i < v->n_regions; i++)
            v->region_rows[i] = (uint64_t)t[i];
    if (ok && (ok = get_whole(doc, root, "centre_region", v->k, -1,
                              (double)v->n_regions - 1, t)))
        for (size_t i = 0; i < v->k; i++)
            v->centre_region[i] = (int32_t)t[i];
    free(t);
    return ok;
}

bool ru_view_parse(const char *text, size_t n, RuView *v, RnError **err)
{
    memset(v, 0, sizeof *v);
    RnJson *doc = rn_json_parse(text, n, err);
    if (!doc)
        return false;
    RnJsonRef root = rn_json_root(doc);
    size_t version = 0;
    const char *name = rn_json_str(doc, rn_json_get(doc, root, "view"), NULL);
    bool ok = ru_json_get_uint(doc, root, "version", 1, &version) && version == 1 && name &&
              rn_run_view_parse(name, &v->view) && v->view != RN_RUN_VIEW_AUTO &&
              (v->view == RN_RUN_VIEW_MODALITY || parse_region_view(doc, root, v, err));
    if (!ok && err && !*err)
        rn_error_set(err, RN_ERROR_PARSE, "%s: not a view model this version wrote",
                     RN_RUN_VIEW_MODEL);
    if (!ok)
        ru_view_free(v);
    rn_json_free(doc);
    return ok;
}

bool ru_view_load(RnStore *s, RuView *v, RnError **err)
{
    char *text = NULL;
    size_t n = 0;
    bool found = false;
    memset(v, 0, sizeof *v);
    bool ok = rn_store_artifact_read(s, RN_RUN_VIEW_MODEL, RU_ARTIFACT_MAX, &text, &n, &found,
                                     err);
    if (ok && !found) { /* a run made before views: the modality view's bits */
        v->view = RN_RUN_VIEW_MODALITY;
        return true;
    }
    ok = ok && ru_view_parse(text, n, v, err);
    free(text);
    return ok;
}

void ru_view_free(RuView *v)
{
    for (size_t i = 0; v->regions && i < v->n_regions; i++)
        free(v->regions[i]);
    for (size_t i = 0; v->modalities && i < v->n_modalities; i++)
        free(v->modalities[i]);
    free(v->regions);
    free(v->modalities);
    free(v->pair_mean);
    free(v->pair_rows);
    free(v->region_mean);
    free(v->region_rows);
    free(v->centre_region);
    memset(v, 0, sizeof *v);
}
