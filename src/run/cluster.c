/* The cluster step of `radnet run`: k-means on the fused rows (within the
 * groups of the run's view, view.c: the Modality values or the regions;
 * else the paper's settings), per-row distance, silhouette
 * and outlier flag, per-cluster dominant Modality / region and outlier
 * threshold (contract: run.h). */
#include "run_internal.h"
#include "radnet/cluster.h"
#include "radnet/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Restarts of each modality's k-means: the seeds agree more than with the
 * paper's 10, and the fits within modalities are cheaper than one over all
 * rows, so 30 of them cost about what 10 global ones did. */
#define RUN_GROUP_RESTARTS 30

static bool cluster_params(RuRun *r, RnBuf *out, RnError **err)
{
    RnJsonWriter *w = rn_json_open(out, 0, err);
    if (w == NULL)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_string(w, "fused", r->fused_hash);
    rn_json_kv_uint(w, "k", r->o->k);
    rn_json_kv_uint(w, "seed", r->o->seed);
    rn_json_kv_string(w, "algo", "kmeans");
    /* k-means within the view's groups, k split by (Modality, region)
     * pairs, 30 restarts (ru_cluster_options); the rules' version: where a
     * row's region comes from in each view, and the fold of the rarer
     * modalities below k (view.c) */
    rn_json_kv_string(w, "view", rn_run_view_name(r->o->view));
    rn_json_kv_string(w, "group_share", "pairs");
    rn_json_kv_string(w, "regions", "modality:tags,report,header;region:tags,header,adopt");
    rn_json_kv_string(w, "below_modalities", "fold");
    rn_json_kv_int(w, "restarts", RUN_GROUP_RESTARTS);
    /* outliers: the version of the outlier rule (2: cluster-scaled centre
     * distance and pixel novelty), so a workspace made before redoes it */
    rn_json_kv_int(w, "outliers", 2);
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err) && rn_buf_terminate(out, err);
    rn_json_close(w);
    return ok;
}

static void sweep_progress(void *ctx, size_t done, size_t total)
{
    ru_progress(ctx, RN_STEP_CLUSTER, "k sweep", done, total);
}

/* k = auto: the kneedle elbow of the inertia curve, else the best
 * silhouette (every rank of r->o->dist sweeps its share). */
static bool sweep_k(RuRun *r, RnKSweep *sw, RnError **err)
{
    if (r->n < 4) {
        rn_error_set(err, RN_ERROR_INVALID, "k auto needs at least 4 images");
        return false;
    }
    RnKSweepOptions so;
    rn_ksweep_options_default(&so);
    so.k_min = 2;
    so.k_max = r->n - 1 < 60 ? r->n - 1 : 60;
    so.k_step = 2;
    so.kmeans.seed = r->o->seed;
    so.pool = r->pool;
    so.dist = r->o->dist;
    if (!rn_cluster_sweep_k(&r->fused.m, &so, sweep_progress, r, sw, err))
        return false;
    size_t best = sw->elbow < sw->n_rows ? sw->elbow : sw->best_silhouette;
    r->k = sw->rows[best].k;
    return true;
}

/* The sweep is committed as run/choose_k.json. */
static bool commit_sweep(RuRun *r, const RnKSweep *sw, int64_t run, const char *params,
                         RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    RnJsonWriter *w = rn_json_open(&b, 1, err);
    bool ok = w && rn_ksweep_json(sw, RN_ALGO_KMEANS, w) && rn_json_finish(w, err) &&
              ru_put(r->s, RN_RUN_CHOOSE_K, &b, run, params, err);
    rn_json_close(w);
    rn_buf_free(&b);
    return ok;
}

/* Why k-means within groups: the fused rows never mix modalities (the
 * Modality tag's block keeps them apart), so a global k-means only decides
 * how many clusters each modality gets — and decides it differently from
 * seed to seed. Splitting k once settles that: the seeds agree more and no
 * region is lost (bench/RESULTS.md, "k-means within modalities").
 *
 * The modality view: the groups are the Modality values (with k below
 * their number, the k largest and the others folded in, view.c), and k is
 * split by (Modality, region) pairs, not by rows — a modality's share of the
 * clusters should follow the anatomy it shows, not its volume (by rows CT
 * got 14 clusters for 9 regions and CR 9 for 20; bench/RESULTS.md, "Region
 * inside modalities"). An image without a region counts as a region of its
 * own ("" is a value like any other).
 *
 * The region view: the groups are the kept regions and k is split by
 * (region, Modality) pairs (view.c). */
bool ru_cluster_options(RuRun *r, size_t k, uint64_t seed, RnClusterModelOptions *co,
                        RnError **err)
{
    rn_cluster_model_options_default(co, RN_ALGO_KMEANS, k);
    co->seed = seed;
    co->pool = r->pool;
    co->dist = r->o->dist;
    if (!ru_view_prepare(r, k, err))
        return false;
    if (r->view.view == RN_RUN_VIEW_REGION) {
        co->groups = r->view_group;
        co->n_groups = r->view.n_regions;
        co->subgroups = r->group;
        co->n_subgroups = r->n_groups;
    } else {
        /* k below the Modality values: the k largest, the others folded in */
        co->groups = r->view_group ? r->view_group : r->group;
        co->n_groups = r->view_group ? k : r->n_groups;
        co->subgroups = r->subgroup;
        co->n_subgroups = r->n_subgroups;
    }
    co->group_share = RN_GROUP_SHARE_PAIRS;
    co->kmeans.n_init = RUN_GROUP_RESTARTS;
    return true;
}

bool ru_cluster_fit(RuRun *r, RnKSweep *sweep, RnClusterModel **model, RnError **err)
{
    r->k = r->o->k;
    if (r->o->k == 0 && !sweep_k(r, sweep, err))
        return false;
    if (r->k < 2 || r->k >= r->n) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "k = %zu needs at least %zu images; the workspace has %zu (use -k)",
                     r->k, r->k + 1, r->n);
        return false;
    }
    ru_progress(r, RN_STEP_CLUSTER, "k-means", 0, 0);
    RnClusterModelOptions co;
    if (!ru_cluster_options(r, r->k, r->o->seed, &co, err))
        return false;
    *model = rn_cluster_model_fit(&r->fused.m, &co, r->labels, r->dist, err);
    return *model != NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The most frequent value of v[0..n) (sorted in place) and its share. */
static const char *dominant(char **v, size_t n, double *share)
{
    qsort(v, n, sizeof *v, cmp_str);
    const char *best = "";
    size_t best_n = 0;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && strcmp(v[j], v[i]) == 0; j++)
            ;
        if (j - i > best_n) {
            best_n = j - i;
            best = v[i];
        }
    }
    *share = n ? (double)best_n / (double)n : 0;
    return best;
}

/* The distance above which a member of cluster c is far from its centre:
 * median_c × R, where median_c is the median distance of c's members and R
 * the RN_RUN_OUTLIER_QUANTILE quantile of distance / median over every row.
 * Why not a quantile per cluster: in a cluster of m < 100 members the 0.99
 * quantile lies below its farthest member, which is flagged whatever it
 * looks like; k = 50 on a few hundred images then flags one image in seven.
 * Scaled by each cluster's own spread, the quantile is taken once over the
 * archive. A cluster with median 0 (identical members) gets threshold 0. */
static bool centre_thresholds(RuRun *r, double *thr, RnError **err)
{
    double *d = rn_calloc(r->n + 1, sizeof *d, err);
    double *med = rn_calloc(r->k + 1, sizeof *med, err);
    bool ok = d && med;
    for (size_t c = 0; ok && c < r->k; c++) {
        size_t m = 0;
        for (size_t i = 0; i < r->n; i++)
            if ((size_t)r->labels[i] == c)
                d[m++] = r->dist[i];
        qsort(d, m, sizeof *d, ru_cmp_double);
        med[c] = m ? ru_quantile_sorted(d, m, 0.5) : 0;
    }
    size_t nr = 0;
    for (size_t i = 0; ok && i < r->n; i++)
        if (med[r->labels[i]] > 0)
            d[nr++] = r->dist[i] / med[r->labels[i]];
    qsort(d, nr, sizeof *d, ru_cmp_double);
    double ratio = ru_quantile_sorted(d, nr, RN_RUN_OUTLIER_QUANTILE);
    for (size_t c = 0; ok && c < r->k; c++)
        thr[c] = med[c] > 0 ? med[c] * ratio : 0;
    free(d);
    free(med);
    return ok;
}

/* Per cluster: threshold, dominant values (clusters.csv); outlier flags
 * (far from the centre, or pixels unlike the archive's). */
static bool cluster_table(RuRun *r, double novelty_threshold, RnBuf *out, RnError **err)
{
    char **vals = rn_calloc(r->n + 1, sizeof *vals, err);
    double *thr = rn_calloc(r->k + 1, sizeof *thr, err);
    bool ok = vals && thr && centre_thresholds(r, thr, err) &&
              rn_buf_append_str(out, "cluster,size,threshold,modality,modality_share,"
                                     "region,region_share\n", err);
    for (size_t c = 0; ok && c < r->k; c++) {
        size_t m = 0;
        for (size_t i = 0; i < r->n; i++)
            m += (size_t)r->labels[i] == c;
        double ms, rs;
        for (size_t i = 0, j = 0; i < r->n; i++)
            if ((size_t)r->labels[i] == c)
                vals[j++] = r->modality[i];
        const char *mod = dominant(vals, m, &ms);
        ok = rn_buf_printf(out, err, "%zu,%zu,%.17g,", c, m, thr[c]) &&
             ru_csv_field(out, mod, err) && rn_buf_printf(out, err, ",%.4f,", ms);
        for (size_t i = 0, j = 0; i < r->n; i++)
            if ((size_t)r->labels[i] == c)
                vals[j++] = r->region[i];
        const char *reg = dominant(vals, m, &rs);
        ok = ok && ru_csv_field(out, reg, err) && rn_buf_printf(out, err, ",%.4f\n", rs);
    }
    r->sum->outliers = 0;
    for (size_t i = 0; ok && i < r->n; i++) {
        r->outlier[i] = r->dist[i] > thr[r->labels[i]] || r->novelty[i] > novelty_threshold;
        r->sum->outliers += r->outlier[i];
    }
    free(vals);
    free(thr);
    return ok;
}

static bool labels_table(RuRun *r, RnBuf *out, RnError **err)
{
    bool ok = rn_buf_append_str(out, "row,cluster,distance,silhouette,novelty,outlier\n", err);
    for (size_t i = 0; ok && i < r->n; i++) {
        /* every digit: the outlier flag is distance > threshold (%.17g too) */
        ok = rn_buf_printf(out, err, "%zu,%d,%.17g,", i, r->labels[i], r->dist[i]) &&
             (isnan(r->sil[i]) || rn_buf_printf(out, err, "%.6f", r->sil[i])) &&
             rn_buf_append_str(out, ",", err) &&
             (isnan(r->novelty[i]) || rn_buf_printf(out, err, "%.9g", r->novelty[i])) &&
             rn_buf_printf(out, err, ",%d\n", r->outlier[i] ? 1 : 0);
    }
    return ok;
}

static bool commit_model(RuRun *r, const RnClusterModel *m, int64_t run, const char *params,
                         RnError **err)
{
    RnArtifactWriter *a = rn_store_artifact_begin(r->s, RN_RUN_CLUSTER_MODEL, err);
    if (!a)
        return false;
    if (!rn_cluster_model_save(m, rn_artifact_tmp_path(a), err)) {
        rn_store_artifact_abort(a);
        return false;
    }
    return rn_store_artifact_commit(r->s, a, run, params, NULL, err);
}

static bool fit_and_commit(RuRun *r, int64_t run, const char *params, RnError **err)
{
    RnKSweep sw = {0};
    RnClusterModel *m = NULL;
    bool fitted = ru_cluster_fit(r, &sw, &m, err);
    r->ranks_waiting = fitted; /* the other ranks are through the fit */
    if (fitted && r->o->k == 0 && !commit_sweep(r, &sw, run, params, err))
        fitted = false;
    rn_ksweep_free(&sw);
    if (!fitted) {
        rn_cluster_model_close(m);
        return false;
    }
    bool ok = true;
    if (r->n <= RN_RUN_SILHOUETTE_EXACT_MAX) {
        ru_progress(r, RN_STEP_CLUSTER, "silhouette", 0, 0);
        ok = rn_silhouette_samples(&r->fused.m, r->labels, RN_DISTANCE_EUCLIDEAN, r->pool,
                                   r->sil, err);
    }
    ru_progress(r, RN_STEP_CLUSTER, "pixel novelty", 0, 0);
    RuNovelty nov = {0};
    RnBuf lab = RN_BUF_INIT, cl = RN_BUF_INIT, nj = RN_BUF_INIT, vj = RN_BUF_INIT;
    /* the other ranks score their share of the rows, then wait again (after
     * a failure inside, the ranks are out of step: the CLI ends the job) */
    bool told = ok && ru_ranks_tell(r, RU_RANKS_NOVELTY, err);
    ok = told && ru_novelty_fit(r->s, r->o->dist, r->n, r->o->seed, r->pool, &nov,
                                r->novelty, err);
    if (told)
        r->ranks_waiting = ok;
    ok = ok && ru_novelty_json(&nov, &nj, err) &&
         cluster_table(r, nov.threshold, &cl, err) && labels_table(r, &lab, err) &&
         ru_view_centres(r, err) && ru_view_json(&r->view, &vj, err) &&
         commit_model(r, m, run, params, err) &&
         ru_put(r->s, RN_RUN_VIEW_MODEL, &vj, run, params, err) &&
         ru_put(r->s, RN_RUN_NOVELTY, &nj, run, params, err) &&
         ru_put(r->s, RN_RUN_LABELS, &lab, run, params, err) &&
         ru_put(r->s, RN_RUN_CLUSTERS, &cl, run, params, err);
    ru_novelty_free(&nov);
    rn_buf_free(&nj);
    rn_buf_free(&vj);
    rn_buf_free(&lab);
    rn_buf_free(&cl);
    rn_cluster_model_close(m);
    return ok;
}

static bool cluster_current(RuRun *r, const char *params, bool *same, RnError **err)
{
    const char *names[] = {RN_RUN_CLUSTER_MODEL, RN_RUN_VIEW_MODEL, RN_RUN_NOVELTY,
                           RN_RUN_LABELS, RN_RUN_CLUSTERS,
                           r->o->k == 0 ? RN_RUN_CHOOSE_K : NULL};
    *same = true;
    for (size_t i = 0; i < sizeof names / sizeof *names && names[i] && *same; i++)
        if (!rn_store_artifact_current(r->s, names[i], params, same, err))
            return false;
    return true;
}

/* Loads what an up-to-date cluster step left. */
static bool load_current(RuRun *r, RnError **err)
{
    char *path = rn_store_artifact_path(r->s, RN_RUN_CLUSTER_MODEL, err);
    RnClusterModel *m = path ? rn_cluster_model_load(path, err) : NULL;
    free(path);
    if (!m)
        return false;
    r->k = rn_cluster_model_info(m)->k;
    rn_cluster_model_close(m);
    if (!ru_labels_read(r->s, r->n, r->labels, r->dist, r->sil, r->novelty, r->outlier,
                        err))
        return false;
    r->sum->outliers = 0;
    for (size_t i = 0; i < r->n; i++)
        r->sum->outliers += r->outlier[i];
    return true;
}

bool ru_step_cluster(RuRun *r, RnError **err)
{
    r->labels = rn_calloc(r->n + 1, sizeof *r->labels, err);
    r->dist = rn_calloc(r->n + 1, sizeof *r->dist, err);
    r->sil = rn_calloc(r->n + 1, sizeof *r->sil, err);
    r->novelty = rn_calloc(r->n + 1, sizeof *r->novelty, err);
    r->outlier = rn_calloc(r->n + 1, sizeof *r->outlier, err);
    if (!r->labels || !r->dist || !r->sil || !r->novelty || !r->outlier)
        return false;
    for (size_t i = 0; i < r->n; i++)
        r->sil[i] = r->novelty[i] = NAN;
    r->k = r->o->k;
    RnBuf params = RN_BUF_INIT;
    bool same = false;
    bool ok = cluster_params(r, &params, err) &&
              cluster_current(r, (char *)params.data, &same, err);
    /* the other ranks fit beside rank 0, or wait for the end */
    ok = ru_ranks_tell(r, !ok ? RU_RANKS_FAILED : same ? RU_RANKS_GO : RU_RANKS_FIT,
                       ok ? err : NULL) && ok;
    r->ranks_waiting = ok && same;
    if (ok && same) {
        r->sum->step_skipped[RN_STEP_CLUSTER] = true;
        ok = load_current(r, err);
    } else if (ok) {
        int64_t run = 0;
        ok = rn_store_run_begin(r->s, "cluster", "run (cluster)", (char *)params.data, &run,
                                err);
        if (ok) {
            RnError *e = NULL;
            ok = fit_and_commit(r, run, (char *)params.data, &e);
            rn_store_run_end(r->s, run, ok ? RN_RUN_DONE : RN_RUN_FAILED,
                             ok ? NULL : rn_error_message(e), NULL);
            if (!ok)
                rn_error_propagate(err, e);
        }
    }
    r->sum->k = r->k;
    r->sum->k_auto = r->o->k == 0;
    rn_buf_free(&params);
    return ok;
}
