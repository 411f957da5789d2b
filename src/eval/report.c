/* The evaluation report: every metric of SPEC §6 for one labeling, and
 * its JSON form. */
#include "eval_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rn_eval_labels_free(RnEvalLabels *l)
{
    if (l == NULL)
        return;
    for (size_t c = 0; l->names && c < l->k; c++)
        free(l->names[c]);
    free(l->names);
    free(l->ids);
    free(l->values);
    memset(l, 0, sizeof *l);
}

static bool copy_names(RnEvalLabels *l, char *const *text, const int64_t *values,
                       const size_t *first, RnError **err)
{
    l->names = rn_calloc(l->k ? l->k : 1, sizeof *l->names, err);
    l->values = rn_calloc(l->k ? l->k : 1, sizeof *l->values, err);
    if (l->names == NULL || l->values == NULL)
        return false;
    for (size_t c = 0; c < l->k; c++) {
        if ((l->names[c] = rn_strdup(text[first[c]], err)) == NULL)
            return false;
        l->values[c] = values[first[c]];
    }
    return true;
}

bool rn_eval_labels_encode(char *const *text, const size_t *row_of, size_t n,
                           RnEvalLabels *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    char **rows = rn_calloc(n ? n : 1, sizeof *rows, err);
    int64_t *values = rn_calloc(n ? n : 1, sizeof *values, err);
    size_t *first = rn_calloc(n ? n : 1, sizeof *first, err);
    out->ids = rn_calloc(n ? n : 1, sizeof *out->ids, err);
    bool ok = rows && values && first && out->ids;
    for (size_t j = 0; ok && j < n; j++)
        rows[j] = text[row_of ? row_of[j] : j];
    if (ok) {
        out->numeric = n > 0 && rn_labels_parse_integers(rows, n, values);
        ok = out->numeric
                 ? rn_labels_encode_i64(values, n, out->ids, &out->k, first, err)
                 : rn_labels_encode_str((const char *const *)rows, n, out->ids, &out->k,
                                        first, err);
    }
    ok = ok && copy_names(out, rows, values, first, err);
    free(rows);
    free(values);
    free(first);
    if (!ok)
        rn_eval_labels_free(out);
    return ok;
}

void rn_eval_report_options_default(RnEvalReportOptions *o)
{
    memset(o, 0, sizeof *o);
    o->distance = RN_DISTANCE_EUCLIDEAN;
    o->silhouette_repeats = 5;
    o->seed = 1;
}

void rn_eval_report_free(RnEvalReport *r)
{
    if (r == NULL)
        return;
    rn_contingency_free(&r->table);
    free(r->stability_pairwise);
    memset(r, 0, sizeof *r);
}

static bool check_data(const RnMatrix *X, size_t n, RnError **err)
{
    if (!rn_matrix_check(X, NULL, err))
        return false;
    if (X->rows != n) {
        rn_error_set(err, RN_ERROR_PARSE, "has %zu rows but the labels have %zu", X->rows, n);
        return false;
    }
    return rn_matrix_check_finite(X, err);
}

static bool data_scores(const RnEvalLabels *pred, const RnMatrix *X,
                        const RnEvalReportOptions *o, RnEvalReport *r, RnError **err)
{
    r->have_data = true;
    r->distance = o->distance;
    r->seed = o->seed;
    r->data_defined = pred->k >= 2 && pred->k + 1 <= pred->n;
    if (!r->data_defined)
        return true;
    RnSilhouetteOptions so = {o->distance, o->pool, o->progress, o->progress_ctx, NULL};
    bool ok;
    if (o->silhouette_sample > 0) {
        r->sampled = true;
        ok = rn_silhouette_sampled_opt(X, pred->ids, o->silhouette_sample,
                                       o->silhouette_repeats, o->seed, &so, &r->estimate,
                                       err);
        r->silhouette = r->estimate.mean;
    } else {
        double *s = rn_calloc(pred->n, sizeof *s, err);
        ok = s && rn_silhouette_samples_opt(X, pred->ids, &so, s, err);
        double sum = 0.0;
        for (size_t i = 0; ok && i < pred->n; i++)
            sum += s[i];
        r->silhouette = sum / (double)pred->n;
        free(s);
    }
    return ok && rn_davies_bouldin_score(X, pred->ids, &r->davies_bouldin, err) &&
           rn_calinski_harabasz_score(X, pred->ids, &r->calinski_harabasz, err);
}

static bool stability(const RnEvalLabels *pred, const RnEvalLabels *const *others,
                      size_t n_others, RnEvalReport *r, RnError **err)
{
    size_t m = n_others + 1;
    const int32_t **sets = rn_calloc(m, sizeof *sets, err);
    r->stability_pairwise = rn_calloc(m * m, sizeof(double), err);
    bool ok = sets && r->stability_pairwise;
    for (size_t i = 0; ok && i < m; i++) {
        const RnEvalLabels *l = i ? others[i - 1] : pred;
        if (l->n != pred->n) {
            rn_error_set(err, RN_ERROR_INVALID, "labeling %zu has %zu items, not %zu", i,
                         l->n, pred->n);
            ok = false;
        }
        sets[i] = l->ids;
    }
    ok = ok && rn_seed_stability(sets, m, pred->n, &r->stability_mean_ari,
                                 r->stability_pairwise, err);
    r->stability_count = ok ? m : 0;
    free(sets);
    return ok;
}

bool rn_eval_report_compute(const RnEvalLabels *pred, const RnEvalLabels *truth,
                            const RnMatrix *data, const RnEvalLabels *const *others,
                            size_t n_others, const RnEvalReportOptions *opt,
                            RnEvalReport *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    RnEvalReportOptions defaults;
    rn_eval_report_options_default(&defaults);
    const RnEvalReportOptions *o = opt ? opt : &defaults;
    if (pred == NULL || (truth && truth->n != pred->n)) {
        rn_error_set(err, RN_ERROR_INVALID, "need predicted labels (and as many true ones)");
        return false;
    }
    out->pred = pred;
    out->truth = truth;
    out->n_samples = pred->n;
    out->n_clusters = pred->k;
    bool ok = truth == NULL ||
              (rn_contingency_build(truth->ids, truth->k, pred->ids, pred->k, pred->n,
                                    &out->table, err) &&
               rn_supervised_scores(&out->table, &out->scores, err));
    ok = ok && (data == NULL ||
                (check_data(data, pred->n, err) && data_scores(pred, data, o, out, err)));
    ok = ok && (n_others == 0 || stability(pred, others, n_others, out, err));
    if (!ok)
        rn_eval_report_free(out);
    return ok;
}

/* ---- JSON ----------------------------------------------------------------- */

static bool json_label(RnJsonWriter *w, const RnEvalLabels *l, size_t c)
{
    return l->numeric ? rn_json_int(w, l->values[c]) : rn_json_string(w, l->names[c]);
}

static bool json_label_list(RnJsonWriter *w, const char *key, const RnEvalLabels *l)
{
    rn_json_key(w, key);
    rn_json_begin_array(w);
    for (size_t c = 0; c < l->k; c++)
        json_label(w, l, c);
    return rn_json_end_array(w);
}

static bool json_dense_counts(RnJsonWriter *w, const RnContingency *t, RnError **err)
{
    int64_t *dense = NULL;
    if (!rn_contingency_dense(t, SIZE_MAX, &dense, err))
        return false;
    rn_json_key(w, "counts");
    rn_json_begin_array(w);
    for (size_t r = 0; r < t->n_rows; r++) {
        rn_json_begin_array(w);
        for (size_t c = 0; c < t->n_cols; c++)
            rn_json_int(w, dense[r * t->n_cols + c]);
        rn_json_end_array(w);
    }
    free(dense);
    return rn_json_end_array(w);
}

static bool json_contingency(RnJsonWriter *w, const RnEvalReport *r, size_t max_dense)
{
    const RnContingency *t = &r->table;
    rn_json_key(w, "contingency");
    rn_json_begin_object(w);
    json_label_list(w, "rows", r->truth);
    json_label_list(w, "cols", r->pred);
    size_t cells;
    if (rn_mul_size(t->n_rows, t->n_cols, &cells) && cells <= max_dense) {
        RnError *e = NULL;
        if (!json_dense_counts(w, t, &e)) {
            rn_json_fail(w, e);
            return false;
        }
    } else {
        rn_json_key(w, "cells");
        rn_json_begin_array(w);
        for (size_t z = 0; z < t->nnz; z++) {
            rn_json_begin_array(w);
            rn_json_int(w, t->cell_row[z]);
            rn_json_int(w, t->cell_col[z]);
            rn_json_int(w, t->cell_count[z]);
            rn_json_end_array(w);
        }
        rn_json_end_array(w);
    }
    return rn_json_end_object(w);
}

static bool json_by_average(RnJsonWriter *w, const char *key, const double v[4])
{
    static const char *const names[4] = {"arithmetic", "min", "geometric", "max"};
    rn_json_key(w, key);
    rn_json_begin_object(w);
    for (int a = 0; a < 4; a++)
        rn_json_kv_double(w, names[a], v[a]);
    return rn_json_end_object(w);
}

void rn_eval_supervised_rows(const RnSupervisedScores *s,
                             RnEvalScoreRow rows[RN_EVAL_SUPERVISED_ROWS])
{
    const RnEvalScoreRow table[RN_EVAL_SUPERVISED_ROWS] = {
        {"homogeneity_score", s->homogeneity, true},
        {"completeness_score", s->completeness, true},
        {"v_measure_score", s->v_measure, true},
        {"mutual_info_score", s->mutual_info, true},
        {"normalized_mutual_info_score", s->nmi[RN_AVERAGE_ARITHMETIC], true},
        {"adjusted_mutual_info_score", s->ami[RN_AVERAGE_ARITHMETIC], true},
        {"expected_mutual_info", s->expected_mutual_info, false},
        {"adjusted_rand_score", s->adjusted_rand, true},
        {"rand_score", s->rand, true},
        {"fowlkes_mallows_score", s->fowlkes_mallows, true},
        {"purity", s->purity, true},
        {"entropy_true", s->entropy_true, false},
        {"entropy_pred", s->entropy_pred, false},
    };
    memcpy(rows, table, sizeof table);
}

static bool json_supervised(RnJsonWriter *w, const RnSupervisedScores *s)
{
    RnEvalScoreRow rows[RN_EVAL_SUPERVISED_ROWS];
    rn_eval_supervised_rows(s, rows);
    rn_json_kv_uint(w, "n_classes", s->n_classes);
    for (size_t i = 0; i < RN_EVAL_SUPERVISED_ROWS; i++)
        rn_json_kv_double(w, rows[i].name, rows[i].value);
    json_by_average(w, "normalized_mutual_info_score_by_average", s->nmi);
    return json_by_average(w, "adjusted_mutual_info_score_by_average", s->ami);
}

static bool json_data(RnJsonWriter *w, const RnEvalReport *r)
{
    bool d = r->data_defined;
    rn_json_kv_double(w, "silhouette_score", d ? r->silhouette : NAN);
    rn_json_kv_string(w, "silhouette_metric", rn_distance_name(r->distance));
    rn_json_kv_double(w, "davies_bouldin_score", d ? r->davies_bouldin : NAN);
    rn_json_kv_double(w, "calinski_harabasz_score", d ? r->calinski_harabasz : NAN);
    if (!r->sampled || !d)
        return true;
    const RnSilhouetteEstimate *e = &r->estimate;
    rn_json_key(w, "silhouette_estimate");
    rn_json_begin_object(w);
    rn_json_kv_uint(w, "sample_size", e->sample_size);
    rn_json_kv_uint(w, "repeats", e->repeats);
    rn_json_kv_uint(w, "seed", r->seed);
    rn_json_kv_double(w, "sd", e->sd);
    rn_json_key(w, "ci95");
    rn_json_begin_array(w);
    rn_json_double(w, e->ci_low);
    rn_json_double(w, e->ci_high);
    rn_json_end_array(w);
    return rn_json_end_object(w);
}

static bool json_stability(RnJsonWriter *w, const RnEvalReport *r)
{
    size_t m = r->stability_count;
    rn_json_key(w, "seed_stability");
    rn_json_begin_object(w);
    rn_json_kv_uint(w, "labelings", m);
    rn_json_kv_double(w, "mean_adjusted_rand_score", r->stability_mean_ari);
    rn_json_key(w, "pairwise_adjusted_rand_score");
    rn_json_begin_array(w);
    for (size_t i = 0; i < m; i++) {
        rn_json_begin_array(w);
        for (size_t j = 0; j < m; j++)
            rn_json_double(w, r->stability_pairwise[i * m + j]);
        rn_json_end_array(w);
    }
    rn_json_end_array(w);
    return rn_json_end_object(w);
}

bool rn_eval_report_json(const RnEvalReport *r, size_t max_dense_cells, RnJsonWriter *w)
{
    rn_json_begin_object(w);
    rn_json_kv_uint(w, "n_samples", r->n_samples);
    rn_json_kv_uint(w, "n_clusters", r->n_clusters);
    if (r->truth) {
        json_supervised(w, &r->scores);
        json_contingency(w, r, max_dense_cells);
    }
    if (r->have_data)
        json_data(w, r);
    if (r->stability_count > 0)
        json_stability(w, r);
    return rn_json_end_object(w);
}
