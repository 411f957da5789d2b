/* `radnet study`: subset, split, extractors × algorithms × k × seeds,
 * scores, the choice of extractors and fusion weights (contract in
 * include/radnet/study.h). */
#include "study_internal.h"
#include "radnet/embed.h"
#include "radnet/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const st_ref_names[N_REFS] = {"modality", "region", "true_modality",
                                          "true_region"};
const char *const st_metric_names[M_PER_REF] = {"homogeneity", "completeness", "nmi"};

static const size_t default_k[] = {10, 20, 30, 50};
static const double weight_grid[] = {0.5, 1.0, 2.0};

void rn_study_options_default(RnStudyOptions *o)
{
    memset(o, 0, sizeof *o);
    o->subset = RN_STUDY_DEFAULT_SUBSET;
    o->test_fraction = 0.2;
    o->k = default_k;
    o->n_k = sizeof default_k / sizeof *default_k;
    o->n_seeds = 3;
    o->seed = 1;
    o->kmedoids = true;
    o->embed = true;
}

/* ---- reference labels and the balanced subset ------------------------- */

typedef struct Rows {
    size_t n;
    char **sop, **mod, **reg;
    char **tmod, **treg;        /* truth, or NULL */
} Rows;

static void rows_free(Rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->sop[i]);
        free(r->mod[i]);
        free(r->reg[i]);
    }
    free(r->sop);
    free(r->mod);
    free(r->reg);
    free(r->tmod);
    free(r->treg);
}

static bool read_rows(RnStore *s, Rows *r, RnError **err)
{
    RnImageCursor *c = rn_image_cursor_open(s, 0, err);
    if (!c)
        return false;
    size_t n = (size_t)rn_image_cursor_count(c);
    r->sop = rn_calloc(n + 1, sizeof *r->sop, err);
    r->mod = rn_calloc(n + 1, sizeof *r->mod, err);
    r->reg = rn_calloc(n + 1, sizeof *r->reg, err);
    bool ok = r->sop && r->mod && r->reg;
    RnImageRow row;
    while (ok && rn_image_cursor_next(c, &row, err)) {
        if (r->n == n) {
            rn_error_set(err, RN_ERROR_INTERNAL, "the cursor yields more rows than it counts");
            ok = false;
            break;
        }
        r->sop[r->n] = rn_strdup(row.sop_uid, err);
        r->mod[r->n] = rn_strdup(row.modality, err);
        r->reg[r->n] = rn_strdup(row.region, err);
        ok = r->sop[r->n] && r->mod[r->n] && r->reg[r->n];
        r->n++;
    }
    ok = ok && !(err && *err);
    rn_image_cursor_close(c);
    return ok;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The truth file's column for every row (rows are in SOPInstanceUID byte
 * order, so a binary search finds each row). */
static bool read_truth_column(const char *path, const char *column, const Rows *r,
                              char ***out, RnLabelFile *f, RnError **err)
{
    if (!rn_label_file_read(path, column, f, err))
        return false;
    if (!f->ids) {
        rn_error_set(err, RN_ERROR_PARSE, "%s: needs a SOPInstanceUID column", path);
        return false;
    }
    *out = rn_calloc(r->n + 1, sizeof **out, err);
    if (!*out)
        return false;
    for (size_t j = 0; j < f->n; j++) {
        char **hit = bsearch(&f->ids[j], r->sop, r->n, sizeof *r->sop, cmp_str);
        if (hit)
            (*out)[hit - r->sop] = f->labels[j];
    }
    for (size_t i = 0; i < r->n; i++)
        if (!(*out)[i]) {
            rn_error_set(err, RN_ERROR_PARSE, "%s: no row for image %zu of the workspace",
                         path, i);
            return false;
        }
    return true;
}

/* Water-filling: every Modality gets an equal share of `want`, capped by
 * its size; what the small ones leave goes to the larger ones. */
static void balance(const size_t *sizes, size_t groups, size_t want, size_t *quota)
{
    size_t left = want, open = 0;
    for (size_t g = 0; g < groups; g++) {
        quota[g] = 0;
        open += sizes[g] > 0;
    }
    while (left > 0 && open > 0) {
        size_t share = left / open ? left / open : 1, given = 0;
        for (size_t g = 0; g < groups && left > 0; g++) {
            size_t room = sizes[g] - quota[g];
            if (room == 0)
                continue;
            size_t add = room < share ? room : share;
            add = add < left ? add : left;
            quota[g] += add;
            left -= add;
            given += add;
            open -= quota[g] == sizes[g];
        }
        if (given == 0)
            break;
    }
}

static bool choose_subset(StStudy *st, const int32_t *mod_ids, size_t n_mod, size_t n,
                          RnError **err)
{
    size_t want = st->o->subset < n ? st->o->subset : n;
    size_t *sizes = rn_calloc(n_mod, sizeof *sizes, err);
    size_t *quota = rn_calloc(n_mod, sizeof *quota, err);
    size_t *members = rn_calloc(n, sizeof *members, err);
    size_t *pick = rn_calloc(n, sizeof *pick, err);
    bool *chosen = rn_calloc(n, sizeof *chosen, err);
    bool ok = sizes && quota && members && pick && chosen;
    for (size_t i = 0; ok && i < n; i++)
        sizes[mod_ids[i]]++;
    if (ok)
        balance(sizes, n_mod, want, quota);
    for (size_t g = 0; ok && g < n_mod; g++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if ((size_t)mod_ids[i] == g)
                members[m++] = i;
        RnRng rng = rn_rng_split(st->o->seed, g);
        ok = rn_rng_sample(&rng, m, quota[g], pick, err);
        for (size_t j = 0; ok && j < quota[g]; j++)
            chosen[members[pick[j]]] = true;
    }
    /* The subset in row order, then a seeded permutation splits it. */
    size_t total = 0;
    for (size_t i = 0; ok && i < n; i++)
        if (chosen[i])
            members[total++] = i;
    RnRng rng = rn_rng_split(st->o->seed, n_mod + 1);
    for (size_t i = total; ok && i > 1; i--) {
        size_t j = (size_t)rn_rng_below(&rng, i);
        size_t t = members[i - 1];
        members[i - 1] = members[j];
        members[j] = t;
    }
    st->n_test = (size_t)floor((double)total * st->o->test_fraction + 0.5);
    st->n_train = total - st->n_test;
    if (ok && (st->n_test < 2 || st->n_train < 2)) {
        rn_error_set(err, RN_ERROR_INVALID, "the subset (%zu rows) is too small to split",
                     total);
        ok = false;
    }
    st->train_rows = ok ? rn_calloc(st->n_train, sizeof *st->train_rows, err) : NULL;
    st->test_rows = ok ? rn_calloc(st->n_test, sizeof *st->test_rows, err) : NULL;
    ok = ok && st->train_rows && st->test_rows;
    if (ok) {
        memcpy(st->train_rows, members, st->n_train * sizeof *members);
        memcpy(st->test_rows, members + st->n_train, st->n_test * sizeof *members);
    }
    free(sizes);
    free(quota);
    free(members);
    free(pick);
    free(chosen);
    return ok;
}

/* Encoded test labels of one reference column. */
static bool encode_ref(StStudy *st, int ref, char **text, RnError **err)
{
    RnEvalLabels l;
    if (!rn_eval_labels_encode(text, st->test_rows, st->n_test, &l, err))
        return false;
    st->ref_test[ref] = l.ids;
    st->ref_classes[ref] = l.k;
    l.ids = NULL;
    rn_eval_labels_free(&l);
    return true;
}

static bool prepare_split(StStudy *st, RnError **err)
{
    Rows r = {0};
    RnLabelFile tm = {0}, tr = {0};
    bool ok = read_rows(st->store, &r, err);
    if (ok && r.n < 4) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: the clustering set has %zu rows",
                     rn_store_path(st->store), r.n);
        ok = false;
    }
    if (ok && st->o->truth_path)
        ok = read_truth_column(st->o->truth_path, "Modality", &r, &r.tmod, &tm, err) &&
             read_truth_column(st->o->truth_path, "Region", &r, &r.treg, &tr, err);
    st->have_truth = ok && st->o->truth_path;
    st->n_rows = r.n;
    RnEvalLabels mod = {0};
    ok = ok && rn_eval_labels_encode(r.mod, NULL, r.n, &mod, err) &&
         choose_subset(st, mod.ids, mod.k, r.n, err) && encode_ref(st, REF_MOD, r.mod, err) &&
         encode_ref(st, REF_REG, r.reg, err) &&
         (!st->have_truth ||
          (encode_ref(st, REF_TMOD, r.tmod, err) && encode_ref(st, REF_TREG, r.treg, err)));
    rn_eval_labels_free(&mod);
    rn_label_file_free(&tm);
    rn_label_file_free(&tr);
    rows_free(&r);
    return ok;
}

/* ---- extractors ---------------------------------------------------------- */

static bool gather(const RnMatrix *m, const size_t *rows, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m->cols; j++)
            out[i * m->cols + j] = (float)rn_matrix_at(m, rows[i], j);
    return true;
}

static bool load_single(StStudy *st, StExtractor *e, const char *npy, RnError **err)
{
    char *path = rn_store_artifact_path(st->store, npy, err);
    RnMatrixFile f = {0};
    bool ok = path && rn_matrix_file_open(path, 0, true, &f, err);
    free(path);
    if (ok && f.m.rows != st->n_rows) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "%s has %zu rows, the clustering set %zu: rerun radnet embed", npy,
                     f.m.rows, st->n_rows);
        ok = false;
    }
    e->d = f.m.cols;
    e->train = ok ? rn_calloc(st->n_train * e->d, sizeof *e->train, err) : NULL;
    e->test = e->train ? rn_calloc(st->n_test * e->d, sizeof *e->test, err) : NULL;
    ok = ok && e->test && gather(&f.m, st->train_rows, st->n_train, e->train) &&
         gather(&f.m, st->test_rows, st->n_test, e->test);
    rn_matrix_file_close(&f);
    return ok;
}

/* Every method of every source with a current embedding in WS. */
static bool find_extractors(StStudy *st, RnError **err)
{
    for (int s = RN_EMBED_IMAGE; s <= RN_EMBED_TEXT; s++) {
        const char *const *methods = rn_embed_methods((RnEmbedSource)s);
        for (size_t i = 0; methods[i] && st->n_ex < ST_MAX_EXTRACTORS; i++) {
            StExtractor *e = &st->ex[st->n_ex];
            char npy[160];
            snprintf(e->name, sizeof e->name, "%s-%s", rn_embed_source_name((RnEmbedSource)s),
                     methods[i]);
            snprintf(npy, sizeof npy, "embeddings/%s.npy", e->name);
            RnArtifact a = {0};
            bool found = false;
            if (!rn_store_artifact_latest(st->store, npy, &a, &found, err))
                return false;
            if (found) {
                char name[ST_NAME_MAX]; /* a copy: e->key and e->name share e */
                memcpy(name, e->name, sizeof name);
                snprintf(e->key, sizeof e->key, "%s@%s", name, a.hash);
            }
            rn_artifact_clear(&a);
            if (!found)
                continue;
            e->source = s;
            if (!load_single(st, e, npy, err))
                return false;
            st->n_ex++;
        }
    }
    st->n_single = st->n_ex;
    if (st->n_ex == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: no embeddings (run radnet embed)",
                     rn_store_path(st->store));
        return false;
    }
    return true;
}

/* ---- cells ----------------------------------------------------------------- */

static void score_refs(const StStudy *st, const int32_t *pred, size_t k, double *m)
{
    for (int r = 0; r < N_REFS; r++) {
        RnContingency c = {0};
        RnSupervisedScores s;
        bool ok = st->ref_test[r] &&
                  rn_contingency_build(st->ref_test[r], st->ref_classes[r], pred, k,
                                       st->n_test, &c, NULL) &&
                  rn_supervised_scores(&c, &s, NULL);
        m[r * M_PER_REF + M_H] = ok ? s.homogeneity : NAN;
        m[r * M_PER_REF + M_C] = ok ? s.completeness : NAN;
        m[r * M_PER_REF + M_NMI] = ok ? s.v_measure : NAN;
        rn_contingency_free(&c);
    }
}

static bool run_cell(StStudy *st, StCell *c, RnError **err)
{
    const StExtractor *e = &st->ex[c->ex];
    RnMatrix train = {.data = e->train, .rows = st->n_train, .cols = e->d,
                      .dtype = RN_DTYPE_F32};
    RnMatrix test = {.data = e->test, .rows = st->n_test, .cols = e->d,
                     .dtype = RN_DTYPE_F32};
    RnClusterModelOptions co;
    rn_cluster_model_options_default(&co, c->algo, c->k);
    co.seed = c->seed;
    co.pool = st->pool;
    RnClusterModel *m = rn_cluster_model_fit(&train, &co, NULL, NULL, err);
    c->labels = m ? rn_calloc(st->n_test, sizeof *c->labels, err) : NULL;
    bool ok = c->labels && rn_cluster_model_predict(m, &test, st->pool, c->labels, NULL, NULL, err);
    rn_cluster_model_close(m);
    if (!ok)
        return false;
    score_refs(st, c->labels, c->k, c->m);
    double sil = NAN;
    RnError *e2 = NULL;
    if (!rn_silhouette_score(&test, c->labels, RN_DISTANCE_EUCLIDEAN, st->pool, &sil, &e2))
        sil = NAN; /* undefined: fewer than 2 clusters on test */
    rn_error_free(e2);
    c->m[M_SIL] = sil;
    c->done = true;
    return true;
}

static bool add_cell(StStudy *st, size_t ex, RnClusterAlgo algo, size_t k, uint64_t seed,
                     RnError **err)
{
    if (st->n_cells == st->cap_cells) {
        size_t cap = st->cap_cells ? 2 * st->cap_cells : 64;
        StCell *c = rn_realloc(st->cells, cap * sizeof *c, err);
        if (!c)
            return false;
        st->cells = c;
        st->cap_cells = cap;
    }
    st->cells[st->n_cells++] = (StCell){.ex = ex, .algo = algo, .k = k, .seed = seed};
    return true;
}

static bool plan_cells(StStudy *st, size_t from_ex, bool kmedoids, RnError **err)
{
    for (size_t e = from_ex; e < st->n_ex; e++)
        for (int a = RN_ALGO_KMEANS; a <= (kmedoids ? RN_ALGO_KMEDOIDS : RN_ALGO_KMEANS); a++)
            for (size_t ki = 0; ki < st->o->n_k; ki++) {
                if (st->o->k[ki] >= st->n_train)
                    continue; /* more clusters than training rows */
                for (uint64_t s = 1; s <= st->o->n_seeds; s++)
                    if (!add_cell(st, e, (RnClusterAlgo)a, st->o->k[ki], s, err))
                        return false;
            }
    return true;
}

/* Runs the planned cells from `from`, resuming those in the checkpoint. */
static bool run_cells(StStudy *st, size_t from, RnError **err)
{
    for (size_t i = from; i < st->n_cells; i++) {
        StCell *c = &st->cells[i];
        const StCell *old = st_checkpoint_find(st, st->ex[c->ex].key, c->algo, c->k, c->seed);
        if (old) {
            memcpy(c->m, old->m, sizeof c->m);
            c->labels = rn_calloc(st->n_test, sizeof *c->labels, err);
            if (!c->labels)
                return false;
            memcpy(c->labels, old->labels, st->n_test * sizeof *c->labels);
            c->done = c->resumed = true;
        } else {
            if (st->o->max_cells && st->new_cells >= st->o->max_cells) {
                st->stopped = true;
                return true;
            }
            if (!run_cell(st, c, err) || !st_checkpoint_add(st, c, err))
                return false;
            st->new_cells++;
        }
        if (st->o->progress)
            st->o->progress(st->o->progress_user, i + 1,
                            st->n_cells > st->cells_expected ? st->n_cells : st->cells_expected);
    }
    return true;
}

double st_criterion(const StStudy *st, size_t ex)
{
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < st->n_cells; i++) {
        const StCell *c = &st->cells[i];
        if (c->ex != ex || c->algo != RN_ALGO_KMEANS || !c->done)
            continue;
        sum += (c->m[REF_MOD * M_PER_REF + M_NMI] + c->m[REF_REG * M_PER_REF + M_NMI]) / 2;
        n++;
    }
    return n ? sum / (double)n : NAN;
}

/* ---- the fusion choice ------------------------------------------------------ */

/* The best single extractor of each source (-1: none). */
static void best_per_source(const StStudy *st, long best[3])
{
    double score[3] = {-1, -1, -1};
    for (int s = 0; s < 3; s++)
        best[s] = -1;
    for (size_t e = 0; e < st->n_single; e++) {
        double v = st_criterion(st, e);
        int s = st->ex[e].source;
        if (v > score[s]) {
            score[s] = v;
            best[s] = (long)e;
        }
    }
}

/* A fused candidate: single extractors members[0..n) with weights w, then
 * a PCA to `reduce` columns (0: none; capped at the fused dimension),
 * fitted on the train rows (l2 scaling). */
static bool add_fused(StStudy *st, const size_t *members, const double *w, size_t n,
                     size_t reduce, RnError **err)
{
    if (st->n_ex == ST_MAX_EXTRACTORS) {
        rn_error_set(err, RN_ERROR_LIMIT, "too many study candidates");
        return false;
    }
    StExtractor *f = &st->ex[st->n_ex];
    memset(f, 0, sizeof *f);
    f->source = -1;
    f->n_members = n;
    RnFusionInput tr[ST_MAX_MEMBERS], te[ST_MAX_MEMBERS];
    int len = snprintf(f->name, sizeof f->name, "fused:");
    int klen = snprintf(f->key, sizeof f->key, "fused");
    for (size_t i = 0; i < n; i++) {
        const StExtractor *e = &st->ex[members[i]];
        char hash[sizeof e->key], name[ST_NAME_MAX]; /* copies: f and e share st */
        snprintf(hash, sizeof hash, "%s", strchr(e->key, '@') ? strchr(e->key, '@') + 1 : e->key);
        memcpy(name, e->name, sizeof name);
        RnFusionMissing miss = rn_fusion_input_missing(e->name);
        tr[i] = (RnFusionInput){.name = e->name, .missing = miss,
                                .x = {.data = e->train, .rows = st->n_train, .cols = e->d,
                                      .dtype = RN_DTYPE_F32}};
        te[i] = tr[i];
        te[i].x.data = e->test;
        te[i].x.rows = st->n_test;
        f->members[i] = members[i];
        f->weights[i] = w[i];
        if (len < (int)sizeof f->name)
            len += snprintf(f->name + len, sizeof f->name - (size_t)len, "%s%s*%g",
                            i ? "+" : "", name, w[i]);
        if (klen < (int)sizeof f->key)
            klen += snprintf(f->key + klen, sizeof f->key - (size_t)klen, "|%s*%g", hash, w[i]);
    }
    size_t concat = 0;
    for (size_t i = 0; i < n; i++)
        concat += st->ex[members[i]].d;
    f->reduce = reduce < concat ? reduce : concat;
    if (f->reduce && len < (int)sizeof f->name)
        snprintf(f->name + len, sizeof f->name - (size_t)len, "/pca%zu", f->reduce);
    if (f->reduce && klen < (int)sizeof f->key)
        snprintf(f->key + klen, sizeof f->key - (size_t)klen, "/pca%zu", f->reduce);
    /* the imputation changes the rows: a checkpoint made without it is not reused */
    size_t impute = rn_fusion_default_impute();
    double impute_map = rn_fusion_default_impute_map();
    if (klen < (int)sizeof f->key)
        snprintf(f->key + strlen(f->key), sizeof f->key - strlen(f->key), "/impute%zu/map%g",
                 impute, impute_map);
    /* A cut key could name another candidate's cells in the checkpoint (a
     * resumed study would take that candidate's scores): refused instead. */
    if (strlen(f->key) + 1 >= sizeof f->key) {
        rn_error_set(err, RN_ERROR_LIMIT, "study candidate %s: its key exceeds %zu bytes",
                     f->name, sizeof f->key - 2);
        return false;
    }
    RnFusionOptions fo = {.scale = RN_FUSION_SCALE_L2, .weights = w, .reduce = f->reduce,
                          .impute = impute, .impute_map = impute_map, .pool = st->pool};
    RnFusionModel *m = rn_fusion_fit(tr, n, &fo, err);
    f->d = m ? rn_fusion_dim(m) : 0;
    f->train = m ? rn_calloc(st->n_train * f->d, sizeof *f->train, err) : NULL;
    f->test = f->train ? rn_calloc(st->n_test * f->d, sizeof *f->test, err) : NULL;
    bool ok = f->test && rn_fusion_transform_pool(m, tr, n, st->pool, f->train, NULL, err) &&
              rn_fusion_transform_pool(m, te, n, st->pool, f->test, NULL, err);
    rn_fusion_model_free(m);
    if (!ok) {
        free(f->train);
        free(f->test);
        return false;
    }
    st->n_ex++;
    return true;
}

/* Scores the candidates added since from_ex with k-means cells; the index
 * of the best one that beats *score (updated), else -1. */
static bool best_new(StStudy *st, size_t from_ex, double *score, long *best, RnError **err)
{
    size_t from_cell = st->n_cells;
    *best = -1;
    if (!plan_cells(st, from_ex, false, err) || !run_cells(st, from_cell, err))
        return false;
    for (size_t e = from_ex; !st->stopped && e < st->n_ex; e++) {
        double v = st_criterion(st, e);
        if (v > *score + 1e-12) {
            *score = v;
            *best = (long)e;
        }
    }
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* True when extractor e's train rows take at least as many distinct values
 * as the largest k of the grid. A representation with fewer (meta-modality:
 * one row per Modality value) scores well on the criterion — its clusters
 * are the modalities — but cannot split anything further, so it is never
 * chosen alone (it stays a candidate inside fusions). Rows are compared by
 * a 64-bit FNV-1a hash of their bytes. */
static bool can_cluster_alone(const StStudy *st, size_t e)
{
    size_t k_max = 0, d = st->ex[e].d, distinct = 0;
    for (size_t i = 0; i < st->o->n_k; i++)
        k_max = st->o->k[i] > k_max ? st->o->k[i] : k_max;
    uint64_t *h = malloc((st->n_train + 1) * sizeof *h);
    if (h == NULL)
        return true; /* no memory to tell: leave the extractor eligible */
    for (size_t i = 0; i < st->n_train; i++) {
        const unsigned char *row = (const unsigned char *)(st->ex[e].train + i * d);
        uint64_t v = 14695981039346656037ull;
        for (size_t b = 0; b < d * sizeof(float); b++)
            v = (v ^ row[b]) * 1099511628211ull;
        h[i] = v;
    }
    qsort(h, st->n_train, sizeof *h, cmp_u64);
    for (size_t i = 0; i < st->n_train && distinct < k_max; i++)
        distinct += i == 0 || h[i] != h[i - 1];
    free(h);
    return distinct >= k_max;
}

/* The defaults' candidate (fusion.h, rn_fusion_defaults: the inputs the
 * workspace has, their weights, the defaults' PCA), scored; *win its index
 * when it beats *score (updated), else -1. None (win -1) with fewer than
 * two of the default inputs. */
static bool defaults_candidate(StStudy *st, double *score, long *win, RnError **err)
{
    size_t n_def, members[ST_MAX_MEMBERS], n = 0;
    double w[ST_MAX_MEMBERS];
    const RnFusionDefault *def = rn_fusion_defaults(&n_def);
    *win = -1;
    for (size_t i = 0; i < n_def && n < ST_MAX_MEMBERS; i++)
        for (size_t e = 0; e < st->n_single; e++)
            if (strcmp(st->ex[e].name, def[i].input) == 0) {
                members[n] = e;
                w[n++] = def[i].weight;
            }
    size_t from_ex = st->n_ex;
    return n < 2 || (add_fused(st, members, w, n, rn_fusion_default_reduce(), err) &&
                     best_new(st, from_ex, score, win, err));
}

/* 0. The defaults (rn_fusion_defaults) when they beat the best single
 *    extractor: the bar every later candidate must clear, so the choice can
 *    only improve on what `radnet fuse` does without a study.
 * 1. The best extractor of each source; the first source's weight 1, the
 *    others' from the grid: every combination scored.
 * 2. Forward selection: each remaining single extractor (weight 1) added
 *    to the winner in turn; the best addition is kept when it raises the
 *    criterion; at most ST_MAX_ADDED rounds.
 * A fusion must beat the best single extractor to be chosen, among those
 * that can cluster alone (can_cluster_alone). */
static bool choose_fusion(StStudy *st, RnError **err)
{
    long best[3];
    best_per_source(st, best);
    size_t members[ST_MAX_MEMBERS], n = 0, others[3], n_others = 0;
    for (int s = 0; s < 3; s++)
        if (best[s] >= 0) {
            if (n > 0)
                others[n_others++] = n;
            members[n++] = (size_t)best[s];
        }
    long win = -1;
    size_t first_single = members[0];
    double score = -INFINITY;
    for (size_t e = 0; e < st->n_single; e++)
        if (st_criterion(st, e) > score && can_cluster_alone(st, e)) {
            score = st_criterion(st, e);
            first_single = e;
        }
    if (!defaults_candidate(st, &score, &win, err))
        return false;
    size_t g = sizeof weight_grid / sizeof *weight_grid, combos = 1;
    for (size_t i = 0; i < n_others; i++)
        combos *= g;
    size_t from_ex = st->n_ex;
    for (size_t c = 0; n_others > 0 && c < combos; c++) {
        double w[ST_MAX_MEMBERS] = {1, 1, 1};
        for (size_t i = 0, r = c; i < n_others; i++, r /= g)
            w[others[i]] = weight_grid[r % g];
        if (!add_fused(st, members, w, n, 0, err))
            return false;
    }
    long grid_win = -1;
    if (n_others > 0 && !best_new(st, from_ex, &score, &grid_win, err))
        return false;
    win = grid_win >= 0 ? grid_win : win;
    for (int round = 0; win >= 0 && round < ST_MAX_ADDED && !st->stopped; round++) {
        const StExtractor *cur = &st->ex[win];
        size_t m[ST_MAX_MEMBERS];
        double w[ST_MAX_MEMBERS];
        memcpy(m, cur->members, sizeof m);
        memcpy(w, cur->weights, sizeof w);
        size_t k = cur->n_members;
        if (k == ST_MAX_MEMBERS)
            break;
        from_ex = st->n_ex;
        for (size_t e = 0; e < st->n_single; e++) {
            bool in = false;
            for (size_t i = 0; i < k; i++)
                in |= m[i] == e;
            if (in)
                continue;
            m[k] = e;
            w[k] = 1.0;
            if (!add_fused(st, m, w, k + 1, cur->reduce, err))
                return false;
        }
        long added = -1;
        if (!best_new(st, from_ex, &score, &added, err))
            return false;
        if (added < 0)
            break;
        win = added;
    }
    RnFusionChoice *ch = &st->choice;
    memset(ch, 0, sizeof *ch);
    ch->scale = RN_FUSION_SCALE_L2;
    ch->reduce = win >= 0 ? st->ex[win].reduce : 0;
    if (win < 0) { /* no fusion beats the best single extractor */
        snprintf(ch->inputs[0], sizeof ch->inputs[0], "%s", st->ex[first_single].name);
        ch->weights[0] = 1.0;
        ch->n_inputs = 1;
    }
    for (size_t i = 0; win >= 0 && i < st->ex[win].n_members; i++) {
        const char *name = st->ex[st->ex[win].members[i]].name;
        if (strlen(name) >= sizeof ch->inputs[0])
            continue; /* not a name fuse accepts */
        strcpy(ch->inputs[ch->n_inputs], name);
        ch->weights[ch->n_inputs++] = st->ex[win].weights[i];
    }
    st->choice_score = score;
    return true;
}

/* ---- the run ------------------------------------------------------------------ */

/* True when WS has a current embedding of source-method (then the study
 * uses it as it is, whatever parameters it was made with). */
static bool have_embedding(const char *ws, RnEmbedSource s, const char *method, bool *have,
                           RnError **err)
{
    RnStore *st = rn_store_open(ws, RN_STORE_READ, err);
    if (!st)
        return false;
    char npy[160];
    snprintf(npy, sizeof npy, "embeddings/%s-%s.npy", rn_embed_source_name(s), method);
    RnArtifact a = {0};
    bool ok = rn_store_artifact_latest(st, npy, &a, have, err);
    rn_artifact_clear(&a);
    rn_store_close(st);
    return ok;
}

/* Embeds every method the workspace has no embedding of yet. */
static bool embed_all(const RnStudyOptions *o, const char *ws, RnError **err)
{
    for (int s = RN_EMBED_IMAGE; s <= RN_EMBED_TEXT; s++) {
        const char *const *methods = rn_embed_methods((RnEmbedSource)s);
        for (size_t i = 0; methods[i]; i++) {
            bool have = false;
            if (!have_embedding(ws, (RnEmbedSource)s, methods[i], &have, err))
                return false;
            if (have)
                continue;
            /* a default fusion input with the defaults' options, as run
             * embeds it (image-lbp: size=32), so the two share one file */
            char input[64];
            snprintf(input, sizeof input, "%s-%s", rn_embed_source_name((RnEmbedSource)s),
                     methods[i]);
            RnEmbedRunOptions eo = {.source = (RnEmbedSource)s, .method = methods[i],
                                    .params = {.seed = 1, .threads = o->threads,
                                               .options = rn_fusion_default_options(input)},
                                    .lock_wait = o->lock_wait,
                                    .command = "study (embed)"};
            RnEmbedRunSummary sum;
            if (!rn_embed_run(ws, &eo, &sum, err))
                return false;
        }
    }
    return true;
}

static void study_free(StStudy *st)
{
    for (size_t i = 0; i < st->n_ex; i++) {
        free(st->ex[i].train);
        free(st->ex[i].test);
    }
    for (size_t i = 0; i < st->n_cells; i++)
        free(st->cells[i].labels);
    for (size_t i = 0; i < st->n_old; i++)
        free(st->old[i].labels);
    free(st->old);
    free(st->old_keys);
    free(st->cells);
    free(st->train_rows);
    free(st->test_rows);
    for (int r = 0; r < N_REFS; r++)
        free(st->ref_test[r]);
    rn_buf_free(&st->checkpoint);
    rn_pool_close(st->pool);
}

/* The checkpoint's parameters: a resumed study must match them. */
static bool study_params(StStudy *st, RnError **err)
{
    const RnStudyOptions *o = st->o;
    RnBuf b = {0};
    RnJsonWriter *w = rn_json_open(&b, 0, err);
    if (w == NULL)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_uint(w, "subset", o->subset);
    rn_json_kv_double(w, "test_fraction", o->test_fraction);
    rn_json_kv_uint(w, "seed", o->seed);
    rn_json_kv_uint(w, "seeds", o->n_seeds);
    rn_json_kv_bool(w, "truth", st->have_truth);
    rn_json_kv_uint(w, "train", st->n_train);
    rn_json_kv_uint(w, "test", st->n_test);
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err);
    rn_json_close(w);
    if (ok && b.len >= sizeof st->params) {
        rn_error_set(err, RN_ERROR_INTERNAL, "study parameters longer than %zu bytes",
                     sizeof st->params - 1);
        ok = false;
    }
    if (ok) {
        memcpy(st->params, b.data, b.len);
        st->params[b.len] = 0;
    }
    rn_buf_free(&b);
    return ok;
}

/* Cells of the whole study: the single extractors', then 3^(sources - 1)
 * fused candidates with k-means cells each (for the progress total). */
static void expect_cells(StStudy *st)
{
    bool source[3] = {false, false, false};
    size_t per_ex = 0, combos = 1, n_sources = 0;
    for (size_t e = 0; e < st->n_single; e++)
        source[st->ex[e].source] = true;
    for (int s = 0; s < 3; s++)
        n_sources += source[s];
    for (size_t i = 1; i < n_sources; i++)
        combos *= sizeof weight_grid / sizeof *weight_grid;
    for (size_t i = 0; i < st->o->n_k; i++)
        per_ex += st->o->k[i] < st->n_train ? st->o->n_seeds : 0;
    st->cells_expected = st->n_cells + (n_sources > 1 ? combos * per_ex : 0);
}

static bool study_store(StStudy *st, RnStudySummary *sum, RnError **err)
{
    bool ok = prepare_split(st, err) && study_params(st, err) && st_checkpoint_load(st, err) &&
              find_extractors(st, err) && plan_cells(st, 0, st->o->kmedoids, err);
    if (ok)
        expect_cells(st);
    ok = ok && run_cells(st, 0, err) && (st->stopped || choose_fusion(st, err));
    sum->train = st->n_train;
    sum->test = st->n_test;
    sum->extractors = st->n_single;
    sum->cells_total = st->n_cells;
    for (size_t i = 0; i < st->n_cells; i++) {
        sum->cells_done += st->cells[i].done;
        sum->cells_resumed += st->cells[i].resumed;
    }
    sum->finished = ok && !st->stopped;
    return ok && (st->stopped || st_write_outputs(st, sum, err));
}

static bool check_options(const RnStudyOptions *o, RnError **err)
{
    bool ok = o->n_k > 0 && o->n_k <= RN_STUDY_MAX_K && o->n_seeds >= 1 &&
              o->n_seeds <= RN_STUDY_MAX_SEEDS && o->test_fraction > 0 &&
              o->test_fraction < 1 && o->subset >= 4;
    for (size_t i = 0; ok && i < o->n_k; i++)
        ok = o->k[i] >= 2;
    if (!ok)
        rn_error_set(err, RN_ERROR_INVALID,
                     "study: needs 1..%u values k >= 2, 1..%u seeds, a test fraction in "
                     "(0, 1) and a subset of at least 4 rows",
                     RN_STUDY_MAX_K, RN_STUDY_MAX_SEEDS);
    return ok;
}

bool rn_study_run(const char *ws, const RnStudyOptions *o, RnStudySummary *sum,
                  RnError **err)
{
    memset(sum, 0, sizeof *sum);
    if (!check_options(o, err) || (o->embed && !embed_all(o, ws, err)))
        return false;
    StStudy st = {.o = o};
    st.store = rn_store_open_wait(ws, RN_STORE_WRITE, o->lock_wait, err);
    st.pool = st.store ? rn_pool_open(o->threads, err) : NULL;
    bool ok = st.pool && rn_store_run_begin(st.store, "study", o->command, NULL, &st.run, err);
    if (ok) {
        RnError *e = NULL;
        ok = study_store(&st, sum, &e);
        rn_store_run_end(st.store, st.run, ok ? RN_RUN_DONE : RN_RUN_FAILED,
                         ok ? (sum->finished ? NULL : "stopped after --max-cells")
                            : rn_error_message(e),
                         NULL);
        if (!ok)
            rn_error_propagate(err, e);
    }
    study_free(&st);
    rn_store_close(st.store);
    return ok;
}
