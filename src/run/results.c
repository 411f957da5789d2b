/* Reading a finished run's artifacts, and the curators' cluster names
 * (contract: run.h). */
#include "run_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct RnRunResults {
    int64_t run_id;
    size_t n, k, n_assigned;
    char **sop;
    int32_t *cluster;
    double *dist, *sil;
    bool *outlier;
    RnRunCluster *clusters;
    char **strings;            /* owned texts of clusters (modality, region, name) */
    char **a_sop;
    int32_t *a_cluster;
    double *a_dist;
    bool *a_outlier;
    char *evaluation, *choose_k;
};

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return *s && *end == '\0' && errno == 0 && isfinite(*out);
}

static bool parse_index(const char *s, size_t limit, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!(*s >= '0' && *s <= '9') || *end || errno || v >= limit)
        return false;
    *out = (size_t)v;
    return true;
}

static bool bad(RnError **err, const char *name, uint64_t line, const char *what)
{
    rn_error_set(err, RN_ERROR_PARSE, "%s line %llu: %s", name, (unsigned long long)line,
                 what);
    return false;
}

/* Opens the CSV text and checks its header's first field. */
static bool csv_begin(RuCsv *c, const char *text, size_t n, const char *name,
                      const char *first, RnError **err)
{
    *c = (RuCsv){.p = text, .end = text + n, .line = 1};
    char *f[16];
    size_t nf;
    RnError *e = NULL;
    if (!ru_csv_next(c, f, 16, &nf, &e)) {
        if (e) {
            rn_error_propagate(err, e);
            return false;
        }
        return bad(err, name, 1, "no header");
    }
    return strcmp(f[0], first) == 0 || bad(err, name, 1, "unexpected header");
}

bool ru_labels_read(RnStore *s, size_t n, int32_t *labels, double *dist, double *sil,
                    double *novelty, bool *outlier, RnError **err)
{
    char *text = NULL;
    size_t len = 0;
    bool found = false;
    if (!rn_store_artifact_read(s, RN_RUN_LABELS, RU_ARTIFACT_MAX, &text, &len, &found, err))
        return false;
    if (!found) {
        rn_error_set(err, RN_ERROR_INVALID, "no %s", RN_RUN_LABELS);
        return false;
    }
    RuCsv c = {0};
    bool ok = csv_begin(&c, text, len, RN_RUN_LABELS, "row", err);
    size_t i = 0;
    char *f[8];
    size_t nf;
    RnError *e = NULL;
    while (ok && ru_csv_next(&c, f, 8, &nf, &e)) {
        size_t row, cl;
        double d, si = NAN, nov = NAN;
        if (nf != 6 || !parse_index(f[0], n, &row) || row != i ||
            !parse_index(f[1], INT32_MAX, &cl) || !parse_double(f[2], &d) ||
            (f[3][0] && !parse_double(f[3], &si)) || (f[4][0] && !parse_double(f[4], &nov)) ||
            (strcmp(f[5], "0") && strcmp(f[5], "1")))
            ok = bad(err, RN_RUN_LABELS, c.line, "bad row");
        else {
            labels[i] = (int32_t)cl;
            dist[i] = d;
            if (sil)
                sil[i] = si;
            if (novelty)
                novelty[i] = nov;
            if (outlier)
                outlier[i] = f[5][0] == '1';
            i++;
        }
    }
    if (e) {
        rn_error_propagate(err, e);
        ok = false;
    }
    if (ok && i != n)
        ok = bad(err, RN_RUN_LABELS, c.line, "row count differs from rows.csv");
    ru_csv_free(&c);
    free(text);
    return ok;
}

/* rows.csv: the SOP UID of every row. */
static bool read_rows(RnRunResults *r, RnStore *s, RnError **err)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    bool found = false;
    if (!rn_store_artifact_read(s, RN_STORE_ROWS, RU_ARTIFACT_MAX, &text, &len, &found, err))
        return false;
    RuCsv c = {0};
    bool ok = found ? csv_begin(&c, text, len, RN_STORE_ROWS, "row", err)
                    : bad(err, RN_STORE_ROWS, 0, "missing");
    char *f[4];
    size_t nf;
    RnError *e = NULL;
    while (ok && ru_csv_next(&c, f, 4, &nf, &e)) {
        if (nf != 2)
            ok = bad(err, RN_STORE_ROWS, c.line, "bad row");
        else if (r->n == cap) {
            size_t ncap = cap ? 2 * cap : 1024;
            char **p = realloc(r->sop, ncap * sizeof *p);
            ok = p != NULL || (rn_error_set(err, RN_ERROR_NOMEM, "out of memory"), false);
            if (ok)
                r->sop = p, cap = ncap;
        }
        if (ok)
            ok = (r->sop[r->n] = rn_strdup(f[1], err)) != NULL && ++r->n;
    }
    if (e) {
        rn_error_propagate(err, e);
        ok = false;
    }
    if (found)
        ru_csv_free(&c);
    free(text);
    return ok;
}

static char *keep(RnRunResults *r, size_t slot, const char *s, RnError **err)
{
    return r->strings[slot] = rn_strdup(s, err);
}

static bool read_clusters(RnRunResults *r, RnStore *s, RnError **err)
{
    char *text = NULL;
    size_t len = 0;
    bool found = false;
    if (!rn_store_artifact_read(s, RN_RUN_CLUSTERS, RU_ARTIFACT_MAX, &text, &len, &found, err))
        return false;
    r->clusters = rn_calloc(r->k + 1, sizeof *r->clusters, err);
    r->strings = rn_calloc(3 * r->k + 1, sizeof *r->strings, err);
    RuCsv c = {0};
    bool ok = r->clusters && r->strings &&
              (found ? csv_begin(&c, text, len, RN_RUN_CLUSTERS, "cluster", err)
                     : bad(err, RN_RUN_CLUSTERS, 0, "missing"));
    char *f[8];
    size_t nf, i = 0;
    RnError *e = NULL;
    while (ok && ru_csv_next(&c, f, 8, &nf, &e)) {
        size_t cl, size;
        RnRunCluster *x = &r->clusters[i];
        ok = nf == 7 && parse_index(f[0], r->k, &cl) && cl == i &&
             parse_index(f[1], SIZE_MAX, &size) && parse_double(f[4], &x->modality_share) &&
             parse_double(f[6], &x->region_share) &&
             (parse_double(f[2], &x->threshold) || strcmp(f[2], "inf") == 0);
        if (!ok)
            ok = bad(err, RN_RUN_CLUSTERS, c.line, "bad row");
        else {
            x->size = size;
            if (strcmp(f[2], "inf") == 0)
                x->threshold = INFINITY;
            ok = (x->modality = keep(r, 3 * i, f[3], err)) &&
                 (x->region = keep(r, 3 * i + 1, f[5], err));
            i++;
        }
    }
    if (e) {
        rn_error_propagate(err, e);
        ok = false;
    }
    if (ok && i != r->k)
        ok = bad(err, RN_RUN_CLUSTERS, c.line, "cluster count differs from the run's k");
    if (found)
        ru_csv_free(&c);
    free(text);
    return ok;
}

/* Parses a names CSV (`cluster,name`); sink gets each (cluster, name). */
static bool parse_names(const char *text, size_t len, const char *what, size_t k,
                        bool (*sink)(void *, size_t, const char *, RnError **), void *user,
                        RnError **err)
{
    RuCsv c = {0};
    if (!csv_begin(&c, text, len, what, "cluster", err)) {
        ru_csv_free(&c);
        return false;
    }
    char *f[4];
    size_t nf, cl;
    bool ok = true;
    RnError *e = NULL;
    while (ok && ru_csv_next(&c, f, 4, &nf, &e)) {
        if (nf == 1 && f[0][0] == '\0')
            continue;   /* blank line */
        ok = (nf == 2 && parse_index(f[0], k, &cl) && rn_text_utf8_valid((const uint8_t *)f[1], strlen(f[1])))
                 ? sink(user, cl, f[1], err)
                 : bad(err, what, c.line, "expected cluster (0..k-1),name in UTF-8");
    }
    if (e) {
        rn_error_propagate(err, e);
        ok = false;
    }
    ru_csv_free(&c);
    return ok;
}

static bool set_name(void *user, size_t cl, const char *name, RnError **err)
{
    RnRunResults *r = user;
    free(r->strings[3 * cl + 2]);
    r->strings[3 * cl + 2] = NULL;
    r->clusters[cl].name = NULL;
    if (!*name)
        return true;
    return (r->clusters[cl].name = keep(r, 3 * cl + 2, name, err)) != NULL;
}

/* Names and assignments belong to one clustering: their files are
 * committed with the cluster model's hash as params and ignored once the
 * model changed. */
bool ru_model_params(RnStore *s, char out[RU_MODEL_PARAMS_SIZE], RnError **err)
{
    char h[17];
    RnBuf b = RN_BUF_INIT;
    RnJsonWriter *w = rn_store_artifact_hash(s, RN_RUN_CLUSTER_MODEL, h, NULL, err)
                          ? rn_json_open(&b, 0, err) : NULL;
    if (w == NULL)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_string(w, "model", h);
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err);
    rn_json_close(w);
    if (ok && b.len >= RU_MODEL_PARAMS_SIZE) {
        rn_error_set(err, RN_ERROR_INTERNAL, "model params of %zu bytes", b.len);
        ok = false;
    }
    if (ok) {
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
    }
    rn_buf_free(&b);
    return ok;
}

static bool read_names(RnRunResults *r, RnStore *s, RnError **err)
{
    char *text = NULL, params[RU_MODEL_PARAMS_SIZE];
    size_t len = 0;
    bool found = false, same = false;
    bool ok = ru_model_params(s, params, err) &&
              rn_store_artifact_current(s, RN_RUN_NAMES, params, &same, err) &&
              (!same || rn_store_artifact_read(s, RN_RUN_NAMES, RU_ARTIFACT_MAX, &text, &len,
                                               &found, err)) &&
              (!found || parse_names(text, len, RN_RUN_NAMES, r->k, set_name, r, err));
    free(text);
    return ok;
}

static bool read_assigned(RnRunResults *r, RnStore *s, RnError **err)
{
    char *text = NULL, params[RU_MODEL_PARAMS_SIZE];
    size_t len = 0, cap = 0;
    bool found = false, same = false;
    /* assignments belong to the clustering they were made with */
    if (!ru_model_params(s, params, err) ||
        !rn_store_artifact_current(s, RN_RUN_ASSIGNED, params, &same, err) ||
        (same && !rn_store_artifact_read(s, RN_RUN_ASSIGNED, RU_ARTIFACT_MAX, &text, &len,
                                         &found, err)))
        return false;
    if (!found)
        return true;
    RuCsv c = {0};
    bool ok = csv_begin(&c, text, len, RN_RUN_ASSIGNED, "sop_instance_uid", err);
    char *f[8];
    size_t nf, cl;
    RnError *e = NULL;
    while (ok && ru_csv_next(&c, f, 8, &nf, &e)) {
        double d;
        if (nf != 4 || !parse_index(f[1], r->k, &cl) || !parse_double(f[2], &d) ||
            (strcmp(f[3], "0") && strcmp(f[3], "1"))) {
            ok = bad(err, RN_RUN_ASSIGNED, c.line, "bad row");
            break;
        }
        if (r->n_assigned == cap) {
            size_t ncap = cap ? 2 * cap : 256;
            char **a = realloc(r->a_sop, ncap * sizeof *a);
            int32_t *b = a ? realloc(r->a_cluster, ncap * sizeof *b) : NULL;
            double *dd = b ? realloc(r->a_dist, ncap * sizeof *dd) : NULL;
            bool *o = dd ? realloc(r->a_outlier, ncap * sizeof *o) : NULL;
            if (a)
                r->a_sop = a;
            if (b)
                r->a_cluster = b;
            if (dd)
                r->a_dist = dd;
            if (o)
                r->a_outlier = o, cap = ncap;
            else {
                rn_error_set(err, RN_ERROR_NOMEM, "out of memory");
                ok = false;
                break;
            }
        }
        size_t i = r->n_assigned;
        r->a_cluster[i] = (int32_t)cl;
        r->a_dist[i] = d;
        r->a_outlier[i] = f[3][0] == '1';
        ok = (r->a_sop[i] = rn_strdup(f[0], err)) != NULL;
        r->n_assigned += ok;
    }
    if (e) {
        rn_error_propagate(err, e);
        ok = false;
    }
    ru_csv_free(&c);
    free(text);
    return ok;
}

/* The artifacts the run recorded must still be the current ones. */
static bool check_recorded(RnStore *s, const RnRun *run, size_t *k, RnError **err)
{
    RnJson *doc = rn_json_parse(run->params, strlen(run->params), err);
    if (!doc)
        return false;
    RnJsonRef root = rn_json_root(doc), arts = rn_json_get(doc, root, "artifacts");
    *k = (size_t)rn_json_number(doc, rn_json_get(doc, root, "k"));
    bool ok = true;
    for (size_t i = 0; ok && i < rn_json_count(doc, arts); i++) {
        RnJsonRef m = rn_json_at(doc, arts, i);
        const char *name = rn_json_member_key(doc, m, NULL);
        const char *want = rn_json_str(doc, m, NULL);
        char have[17];
        ok = name && want && rn_store_artifact_hash(s, name, have, NULL, err);
        if (ok && strcmp(have, want) != 0) {
            rn_error_set(err, RN_ERROR_INVALID,
                         "%s changed since the last finished run: rerun radnet run", name);
            ok = false;
        }
    }
    rn_json_free(doc);
    return ok;
}

static bool results_load(RnRunResults *r, RnStore *s, RnError **err)
{
    RnRun run = {0};
    bool found = false;
    if (!rn_store_run_latest(s, "run", RN_RUN_DONE, &run, &found, err))
        return false;
    if (!found) {
        rn_error_set(err, RN_ERROR_INVALID, "%s has no finished run (radnet run first)",
                     rn_store_path(s));
        return false;
    }
    r->run_id = run.id;
    bool ok = run.params && check_recorded(s, &run, &r->k, err);
    rn_run_clear(&run);
    if (!ok || !read_rows(r, s, err))
        return false;
    r->cluster = rn_calloc(r->n + 1, sizeof *r->cluster, err);
    r->dist = rn_calloc(r->n + 1, sizeof *r->dist, err);
    r->sil = rn_calloc(r->n + 1, sizeof *r->sil, err);
    r->outlier = rn_calloc(r->n + 1, sizeof *r->outlier, err);
    size_t len;
    return r->cluster && r->dist && r->sil && r->outlier &&
           ru_labels_read(s, r->n, r->cluster, r->dist, r->sil, NULL, r->outlier, err) &&
           read_clusters(r, s, err) && read_names(r, s, err) && read_assigned(r, s, err) &&
           rn_store_artifact_read(s, RN_RUN_EVALUATION, RU_ARTIFACT_MAX, &r->evaluation, &len,
                                  &found, err) &&
           rn_store_artifact_read(s, RN_RUN_CHOOSE_K, RU_ARTIFACT_MAX, &r->choose_k, &len,
                                  &found, err);
}

RnRunResults *rn_run_results_open(RnStore *s, RnError **err)
{
    RnRunResults *r = rn_calloc(1, sizeof *r, err);
    if (r && !results_load(r, s, err)) {
        rn_run_results_close(r);
        return NULL;
    }
    return r;
}

void rn_run_results_close(RnRunResults *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->sop[i]);
    for (size_t i = 0; r->strings && i < 3 * r->k; i++)
        free(r->strings[i]);
    for (size_t i = 0; i < r->n_assigned; i++)
        free(r->a_sop[i]);
    free(r->sop);
    free(r->strings);
    free(r->clusters);
    free(r->cluster);
    free(r->dist);
    free(r->sil);
    free(r->outlier);
    free(r->a_sop);
    free(r->a_cluster);
    free(r->a_dist);
    free(r->a_outlier);
    free(r->evaluation);
    free(r->choose_k);
    free(r);
}

size_t rn_run_results_count(const RnRunResults *r) { return r->n; }
size_t rn_run_results_k(const RnRunResults *r) { return r->k; }
int64_t rn_run_results_run_id(const RnRunResults *r) { return r->run_id; }
size_t rn_run_results_assigned_count(const RnRunResults *r) { return r->n_assigned; }
const char *rn_run_results_evaluation_json(const RnRunResults *r) { return r->evaluation; }
const char *rn_run_results_choose_k_json(const RnRunResults *r) { return r->choose_k; }

void rn_run_results_row(const RnRunResults *r, size_t i, RnRunRow *out)
{
    *out = (RnRunRow){r->sop[i], r->cluster[i], r->dist[i], r->sil[i], r->outlier[i]};
}

void rn_run_results_cluster(const RnRunResults *r, size_t c, RnRunCluster *out)
{
    *out = r->clusters[c];
}

void rn_run_results_assigned(const RnRunResults *r, size_t i, RnRunRow *out)
{
    *out = (RnRunRow){r->a_sop[i], r->a_cluster[i], r->a_dist[i], NAN, r->a_outlier[i]};
}

static bool find_in_run(const RnRunResults *r, const char *sop_uid, size_t *at)
{
    /* rows.csv is in SOPInstanceUID byte order (SPEC §9) */
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->sop[mid], sop_uid);
        if (c == 0) {
            *at = mid;
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool ru_results_in_run(const RnRunResults *r, const char *sop_uid, int32_t *cluster)
{
    size_t at;
    if (!find_in_run(r, sop_uid, &at))
        return false;
    *cluster = r->cluster[at];
    return true;
}

bool rn_run_results_find(const RnRunResults *r, const char *sop_uid, RnRunRow *out)
{
    size_t at;
    if (find_in_run(r, sop_uid, &at)) {
        rn_run_results_row(r, at, out);
        return true;
    }
    for (size_t i = r->n_assigned; i-- > 0;)
        if (strcmp(r->a_sop[i], sop_uid) == 0) {
            rn_run_results_assigned(r, i, out);
            return true;
        }
    return false;
}

/* ---- names import ---------------------------------------------------------- */

static bool check_name(void *user, size_t cl, const char *name, RnError **err)
{
    (void)cl;
    (void)name;
    (void)err;
    ++*(size_t *)user;
    return true;
}

bool rn_run_names_import(RnStore *s, const char *path, size_t *n_names, RnError **err)
{
    RnRunResults *r = rn_run_results_open(s, err);
    uint8_t *data = NULL;
    size_t n = 0, count = 0;
    bool ok = r && rn_file_read_all(path, (size_t)64 << 20, &data, &n, err) &&
              parse_names((const char *)data, n, path, r->k, check_name, &count, err) &&
              parse_names((const char *)data, n, path, r->k, set_name, r, err);
    /* the names file as stored: every named cluster, in cluster order */
    RnBuf out = RN_BUF_INIT;
    ok = ok && rn_buf_append_str(&out, "cluster,name\n", err);
    for (size_t c = 0; ok && r && c < r->k; c++)
        if (r->clusters[c].name)
            ok = rn_buf_printf(&out, err, "%zu,", c) &&
                 ru_csv_field(&out, r->clusters[c].name, err) &&
                 rn_buf_append_str(&out, "\n", err);
    char params[RU_MODEL_PARAMS_SIZE];
    ok = ok && ru_model_params(s, params, err) &&
         ru_put(s, RN_RUN_NAMES, &out, r->run_id, params, err);
    if (ok && n_names)
        *n_names = count;
    rn_buf_free(&out);
    free(data);
    rn_run_results_close(r);
    return ok;
}
