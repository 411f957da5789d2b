/* The study's checkpoint (study/cells.tsv) and its result tables
 * (study/results.csv, .json, .md) and printed summary. */
#include "study_internal.h"
#include "radnet/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECKPOINT "study/cells.tsv"

/* ---- checkpoint: one line per finished cell ------------------------------ */
/* key TAB algo TAB k TAB seed TAB metrics (N_METRICS, "nan" allowed) TAB
 * test labels (comma-separated). */

static bool put_cell_line(const StStudy *st, const StCell *c, RnBuf *b, RnError **err)
{
    bool ok = rn_buf_printf(b, err, "%s\t%s\t%zu\t%llu", st->ex[c->ex].key,
                            rn_cluster_algo_name(c->algo), c->k, (unsigned long long)c->seed);
    for (size_t i = 0; ok && i < N_METRICS; i++) {
        char num[32];
        rn_format_double(c->m[i], num);
        ok = rn_buf_printf(b, err, "%c%s", i ? ',' : '\t', isnan(c->m[i]) ? "nan" : num);
    }
    for (size_t i = 0; ok && i < st->n_test; i++)
        ok = rn_buf_printf(b, err, "%c%d", i ? ',' : '\t', c->labels[i]);
    return ok && rn_buf_append_str(b, "\n", err);
}

bool st_checkpoint_add(StStudy *st, const StCell *c, RnError **err)
{
    return put_cell_line(st, c, &st->checkpoint, err) &&
           rn_store_artifact_put(st->store, CHECKPOINT, st->checkpoint.data,
                                 st->checkpoint.len, st->run, st->params, NULL, err);
}

static bool parse_doubles(char *s, double *out, size_t n)
{
    size_t i = 0;
    for (char *save = NULL, *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        if (i == n)
            return false;
        out[i++] = strcmp(t, "nan") == 0 ? NAN : strtod(t, &end);
        if (strcmp(t, "nan") != 0 && (*end || !isfinite(out[i - 1])))
            return false;
    }
    return i == n;
}

static bool parse_labels(char *s, int32_t *out, size_t n, size_t k)
{
    size_t i = 0;
    for (char *save = NULL, *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strtol(t, &end, 10);
        if (i == n || *end || v < 0 || (size_t)v >= k)
            return false;
        out[i++] = (int32_t)v;
    }
    return i == n;
}

/* One line into st->old; false when it does not parse (the checkpoint is
 * then ignored as a whole: the cells are simply run again). */
static bool parse_line(StStudy *st, char *line, RnError **err)
{
    char *field[6];
    size_t nf = 0;
    for (char *save = NULL, *t = strtok_r(line, "\t", &save); t && nf < 6;
         t = strtok_r(NULL, "\t", &save))
        field[nf++] = t;
    StCell c = {0};
    char *end;
    if (nf != 6 || strlen(field[0]) >= sizeof st->old_keys[0] ||
        !rn_cluster_algo_parse(field[1], &c.algo))
        return false;
    c.k = (size_t)strtoull(field[2], &end, 10);
    if (*end || c.k < 2 || c.k > st->n_train)
        return false;
    c.seed = strtoull(field[3], &end, 10);
    if (*end || !parse_doubles(field[4], c.m, N_METRICS))
        return false;
    c.labels = rn_calloc(st->n_test, sizeof *c.labels, err);
    if (!c.labels || !parse_labels(field[5], c.labels, st->n_test, c.k)) {
        free(c.labels);
        return false;
    }
    strcpy(st->old_keys[st->n_old], field[0]);
    st->old[st->n_old++] = c;
    return true;
}

/* The checkpoint is only ever appended to: a kill between the rename of a
 * longer file and its record keeps the cells recorded before it. */
bool st_checkpoint_load(StStudy *st, RnError **err)
{
    char *data = NULL, *params = NULL;
    size_t n = 0;
    bool found = false;
    bool ok = rn_store_artifact_read_appended(st->store, CHECKPOINT, (size_t)1 << 31, &data,
                                              &n, &params, &found, err);
    bool same = found && strcmp(params, st->params) == 0;
    free(params);
    if (!ok || !same) { /* none, or another subset or split: start afresh */
        free(data);
        return ok;
    }
    size_t lines = 0;
    for (size_t i = 0; ok && i < n; i++)
        lines += data[i] == '\n';
    st->old = ok ? rn_calloc(lines + 1, sizeof *st->old, err) : NULL;
    st->old_keys = st->old ? rn_calloc(lines + 1, sizeof *st->old_keys, err) : NULL;
    ok = ok && st->old_keys && rn_buf_append(&st->checkpoint, data, n, err);
    char *text = ok ? rn_calloc(n + 1, 1, err) : NULL;
    if (text) {
        memcpy(text, data, n);
        bool good = true;
        for (char *save = NULL, *l = strtok_r(text, "\n", &save); good && l;
             l = strtok_r(NULL, "\n", &save))
            good = parse_line(st, l, err);
        if (!good) { /* a damaged checkpoint: rerun every cell */
            for (size_t i = 0; i < st->n_old; i++)
                free(st->old[i].labels);
            st->n_old = 0;
            st->checkpoint.len = 0;
        }
    }
    ok = ok && text;
    free(text);
    free(data);
    return ok;
}

const StCell *st_checkpoint_find(const StStudy *st, const char *key, RnClusterAlgo algo,
                                 size_t k, uint64_t seed)
{
    for (size_t i = 0; i < st->n_old; i++) {
        const StCell *c = &st->old[i];
        if (c->algo == algo && c->k == k && c->seed == seed &&
            strcmp(st->old_keys[i], key) == 0)
            return c;
    }
    return NULL;
}

/* ---- aggregation: (extractor, algo, k) over seeds -------------------------- */

typedef struct Group {
    size_t ex;
    RnClusterAlgo algo;
    size_t k, seeds;
    double mean[N_METRICS], sd[N_METRICS];
    double ari;                 /* mean pairwise ARI of the seeds; NaN: one seed */
} Group;

static bool aggregate(const StStudy *st, Group **out, size_t *n_out, RnError **err)
{
    Group *g = rn_calloc(st->n_cells + 1, sizeof *g, err);
    const int32_t **labs = rn_calloc(st->n_cells + 1, sizeof *labs, err);
    size_t n = 0;
    bool ok = g && labs;
    for (size_t i = 0; ok && i < st->n_cells; i++) {
        const StCell *c = &st->cells[i];
        if (!c->done || (i > 0 && st->cells[i - 1].ex == c->ex &&
                         st->cells[i - 1].algo == c->algo && st->cells[i - 1].k == c->k))
            continue; /* cells of a group are consecutive: start at its first */
        Group *q = &g[n++];
        *q = (Group){.ex = c->ex, .algo = c->algo, .k = c->k};
        for (size_t j = i; j < st->n_cells && st->cells[j].ex == c->ex &&
                           st->cells[j].algo == c->algo && st->cells[j].k == c->k;
             j++)
            if (st->cells[j].done)
                labs[q->seeds++] = st->cells[j].labels;
        for (size_t m = 0; m < N_METRICS; m++) {
            double s = 0, s2 = 0;
            for (size_t j = 0; j < q->seeds; j++)
                s += st->cells[i + j].m[m];
            q->mean[m] = s / (double)q->seeds;
            for (size_t j = 0; j < q->seeds; j++)
                s2 += (st->cells[i + j].m[m] - q->mean[m]) * (st->cells[i + j].m[m] - q->mean[m]);
            q->sd[m] = q->seeds > 1 ? sqrt(s2 / (double)(q->seeds - 1)) : 0;
        }
        q->ari = NAN;
        if (q->seeds > 1)
            ok = rn_seed_stability(labs, q->seeds, st->n_test, &q->ari, NULL, err);
    }
    free(labs);
    *out = g;
    *n_out = n;
    return ok;
}

/* ---- the three result files ------------------------------------------------ */

static const char *metric_key(size_t m, char buf[48])
{
    if (m == M_SIL)
        return "silhouette";
    snprintf(buf, 48, "%s_%s", st_metric_names[m % M_PER_REF], st_ref_names[m / M_PER_REF]);
    return buf;
}

static bool metric_used(const StStudy *st, size_t m)
{
    return st->have_truth || m == M_SIL || m / M_PER_REF < REF_TMOD;
}

static bool csv_num(RnBuf *b, double v, RnError **err)
{
    char num[32];
    rn_format_double(v, num);
    return rn_buf_printf(b, err, ",%s", isnan(v) ? "" : num);
}

static bool results_csv(const StStudy *st, const Group *g, size_t n, RnBuf *b, RnError **err)
{
    char key[48];
    bool ok = rn_buf_append_str(b, "extractor,algo,k,seeds", err);
    for (size_t m = 0; ok && m < N_METRICS; m++)
        if (metric_used(st, m)) {
            const char *name = metric_key(m, key);
            ok = rn_buf_printf(b, err, ",%s_mean,%s_sd", name, name);
        }
    ok = ok && rn_buf_append_str(b, ",seed_ari\n", err);
    for (size_t i = 0; ok && i < n; i++) {
        ok = rn_buf_printf(b, err, "%s,%s,%zu,%zu", st->ex[g[i].ex].name,
                           rn_cluster_algo_name(g[i].algo), g[i].k, g[i].seeds);
        for (size_t m = 0; ok && m < N_METRICS; m++)
            if (metric_used(st, m))
                ok = csv_num(b, g[i].mean[m], err) && csv_num(b, g[i].sd[m], err);
        ok = ok && csv_num(b, g[i].ari, err) && rn_buf_append_str(b, "\n", err);
    }
    return ok;
}

static bool results_json(const StStudy *st, const Group *g, size_t n, RnBuf *b, RnError **err)
{
    char key[48];
    RnJsonWriter *w = rn_json_open(b, 1, err);
    if (!w)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_uint(w, "train", st->n_train);
    rn_json_kv_uint(w, "test", st->n_test);
    rn_json_kv_uint(w, "seeds", st->o->n_seeds);
    rn_json_kv_uint(w, "seed", st->o->seed);
    rn_json_kv_bool(w, "truth", st->have_truth);
    rn_json_key(w, "criterion");
    rn_json_begin_object(w);
    for (size_t e = 0; e < st->n_ex; e++)
        rn_json_kv_double(w, st->ex[e].name, st_criterion(st, e));
    rn_json_end_object(w);
    rn_json_key(w, "choice");
    rn_json_begin_object(w);
    rn_fusion_choice_json(&st->choice, w);
    rn_json_kv_double(w, "criterion", st->choice_score);
    rn_json_end_object(w);
    rn_json_key(w, "results");
    rn_json_begin_array(w);
    for (size_t i = 0; i < n; i++) {
        rn_json_begin_object(w);
        rn_json_kv_string(w, "extractor", st->ex[g[i].ex].name);
        rn_json_kv_string(w, "algo", rn_cluster_algo_name(g[i].algo));
        rn_json_kv_uint(w, "k", g[i].k);
        rn_json_kv_uint(w, "seeds", g[i].seeds);
        for (size_t m = 0; m < N_METRICS; m++) {
            if (!metric_used(st, m))
                continue;
            rn_json_key(w, metric_key(m, key));
            rn_json_begin_object(w);
            rn_json_kv_double(w, "mean", g[i].mean[m]);
            rn_json_kv_double(w, "sd", g[i].sd[m]);
            rn_json_end_object(w);
        }
        rn_json_kv_double(w, "seed_ari", g[i].ari);
        rn_json_end_object(w);
    }
    rn_json_end_array(w);
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err);
    rn_json_close(w);
    return ok;
}

static bool md_cell(RnBuf *b, double mean, double sd, RnError **err)
{
    return isnan(mean) ? rn_buf_append_str(b, " – |", err)
                       : rn_buf_printf(b, err, " %.3f ± %.3f |", mean, sd);
}

static bool results_md(const StStudy *st, const Group *g, size_t n, RnBuf *b, RnError **err)
{
    bool ok = rn_buf_printf(b, err,
                            "# radnet study\n\nTrain %zu rows, test %zu rows (modality-"
                            "balanced subset, seed %llu); %zu seeds; mean ± sd over seeds "
                            "of the test split's scores.\n",
                            st->n_train, st->n_test, (unsigned long long)st->o->seed,
                            st->o->n_seeds);
    for (int r = 0; ok && r < N_REFS; r++) {
        if (r >= REF_TMOD && !st->have_truth)
            break;
        ok = rn_buf_printf(b, err,
                           "\n## Against %s\n\n| extractor | algo | k | homogeneity | "
                           "completeness | NMI |\n|---|---|---|---|---|---|\n",
                           st_ref_names[r]);
        for (size_t i = 0; ok && i < n; i++) {
            ok = rn_buf_printf(b, err, "| %s | %s | %zu |", st->ex[g[i].ex].name,
                               rn_cluster_algo_name(g[i].algo), g[i].k);
            for (int m = 0; ok && m < M_PER_REF; m++)
                ok = md_cell(b, g[i].mean[r * M_PER_REF + m], g[i].sd[r * M_PER_REF + m], err);
            ok = ok && rn_buf_append_str(b, "\n", err);
        }
    }
    ok = ok && rn_buf_append_str(b, "\n## Silhouette and seed stability\n\n| extractor | "
                                    "algo | k | silhouette | mean pairwise ARI |\n"
                                    "|---|---|---|---|---|\n", err);
    for (size_t i = 0; ok && i < n; i++)
        ok = rn_buf_printf(b, err, "| %s | %s | %zu |", st->ex[g[i].ex].name,
                           rn_cluster_algo_name(g[i].algo), g[i].k) &&
             md_cell(b, g[i].mean[M_SIL], g[i].sd[M_SIL], err) &&
             (isnan(g[i].ari) ? rn_buf_append_str(b, " – |\n", err)
                              : rn_buf_printf(b, err, " %.3f |\n", g[i].ari));
    ok = ok && rn_buf_append_str(b, "\n## Choice\n\nCriterion: mean over k and seeds of "
                                    "k-means (NMI vs modality + NMI vs region) / 2.\n\n"
                                    "| extractor | criterion |\n|---|---|\n", err);
    for (size_t e = 0; ok && e < st->n_ex; e++)
        ok = rn_buf_printf(b, err, "| %s | %.4f |\n", st->ex[e].name, st_criterion(st, e));
    ok = ok && rn_buf_append_str(b, "\nChosen:", err);
    for (size_t i = 0; ok && i < st->choice.n_inputs; i++)
        ok = rn_buf_printf(b, err, " %s × %g", st->choice.inputs[i], st->choice.weights[i]);
    return ok && rn_buf_printf(b, err, " (criterion %.4f).\n", st->choice_score);
}

/* The printed summary: the criterion per extractor and the choice. */
static void summary_text(const StStudy *st, RnStudySummary *sum)
{
    size_t cap = sizeof sum->text, len = 0;
    len += (size_t)snprintf(sum->text + len, cap - len,
                            "study: train %zu, test %zu; %llu cells (%llu resumed)\n"
                            "%-62s %14s\n",
                            st->n_train, st->n_test, (unsigned long long)sum->cells_total,
                            (unsigned long long)sum->cells_resumed, "extractor",
                            "(NMI mod+reg)/2");
    for (size_t e = 0; e < st->n_ex && len < cap; e++)
        len += (size_t)snprintf(sum->text + len, cap - len, "  %-60.60s %14.4f\n",
                                st->ex[e].name, st_criterion(st, e));
    for (size_t i = 0; i < st->choice.n_inputs && len < cap; i++)
        len += (size_t)snprintf(sum->text + len, cap - len, "%s %s x %g\n",
                                i ? "      " : "chosen:", st->choice.inputs[i],
                                st->choice.weights[i]);
}

static bool put(StStudy *st, const char *name, RnBuf *b, RnError **err)
{
    return rn_store_artifact_put(st->store, name, b->data, b->len, st->run, st->params, NULL,
                                 err);
}

bool st_write_outputs(StStudy *st, RnStudySummary *sum, RnError **err)
{
    Group *g = NULL;
    size_t n = 0;
    RnBuf csv = RN_BUF_INIT, json = RN_BUF_INIT, md = RN_BUF_INIT, ch = RN_BUF_INIT;
    bool ok = aggregate(st, &g, &n, err) && results_csv(st, g, n, &csv, err) &&
              results_json(st, g, n, &json, err) && results_md(st, g, n, &md, err);
    RnJsonWriter *w = ok ? rn_json_open(&ch, 1, err) : NULL;
    if (w) {
        rn_json_begin_object(w);
        rn_fusion_choice_json(&st->choice, w);
        rn_json_end_object(w);
        ok = rn_json_finish(w, err);
        rn_json_close(w);
    }
    ok = ok && w && put(st, "study/results.csv", &csv, err) &&
         put(st, "study/results.json", &json, err) && put(st, "study/results.md", &md, err) &&
         put(st, RN_FUSION_CHOICE, &ch, err);
    if (ok)
        summary_text(st, sum);
    free(g);
    rn_buf_free(&csv);
    rn_buf_free(&json);
    rn_buf_free(&md);
    rn_buf_free(&ch);
    return ok;
}
