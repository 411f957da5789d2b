/* radnet metrics: clustering scores of predicted labels against true labels
 * (and, given the data matrix, silhouette / Davies–Bouldin / Calinski–
 * Harabasz of the predicted labels), as scikit-learn defines them. */
#include "cli/cli.h"
#include "radnet/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Dense contingency counts in the JSON up to this many cells; sparse cells
 * [row, col, count] beyond (e.g. near-singleton clusterings). */
#define DENSE_JSON_CELLS 1000000u
/* The text table shows the contingency table up to this size. */
#define TEXT_TABLE_MAX_COLS 24u
#define TEXT_TABLE_MAX_ROWS 200u
/* --stability files beyond --pred */
#define MAX_STABILITY 64

typedef struct Options {
    const char *true_path, *pred_path, *data_path;
    const char *true_column, *pred_column;
    const char *stability[MAX_STABILITY]; /* more labelings of the same items */
    size_t n_stability;
    RnDistance distance;
    size_t sample, repeats;
    uint64_t seed;
    int threads;
    bool json;
} Options;

/* One labeling, aligned to the rows of the predicted-label file. */
typedef struct Labeling {
    RnLabelFile file;
    int32_t *ids;        /* dense ids per aligned row */
    size_t k;
    const char **names;  /* k label texts, in id order */
    bool numeric;        /* every label an integer: print as numbers */
    int64_t *values;     /* k label values when numeric ("007" is 7) */
} Labeling;

typedef struct DataScores {
    bool have;            /* --data given */
    bool defined;         /* 2 <= clusters <= n - 1 */
    double silhouette, davies_bouldin, calinski_harabasz;
    bool sampled;
    RnSilhouetteEstimate estimate;
} DataScores;

typedef struct Stability {
    size_t count;                  /* labelings compared, --pred included */
    double mean_ari;
    double *pairwise;              /* count × count */
} Stability;

typedef struct Run {
    Labeling truth, pred;
    Labeling others[MAX_STABILITY];
    Stability stability;
    size_t *true_row;
    RnContingency table;
    RnSupervisedScores scores;
    RnArray array;
    RnMatrix points;
    DataScores data;
} Run;

static void usage(FILE *out)
{
    fprintf(out,
        "usage: radnet metrics --pred P.csv [--true T.csv] [--data X.npy]\n"
        "                      [--metric euclidean|manhattan|cosine]\n"
        "                      [--sample N [--repeats R] [--seed S]] [--threads N]\n"
        "                      [--true-column NAME] [--pred-column NAME]\n"
        "                      [--stability P2.csv]... [--json]\n"
        "\n"
        "Clustering metrics as scikit-learn defines them. Label files are CSV with\n"
        "a header: `id,label` rows (joined on id, any order) or one label per row\n"
        "(row order, also used when either file has no ids). Labels may be\n"
        "integers or text; other columns are picked by name with --true-column /\n"
        "--pred-column. With --data (rows in the order of P.csv) also silhouette\n"
        "(exact; sampled with a 95%% interval when --sample N is given),\n"
        "Davies-Bouldin and Calinski-Harabasz. Each\n"
        "--stability file is another labeling of the same items (e.g. another\n"
        "seed); seed_stability is the mean pairwise ARI over P.csv and those.\n");
}

static bool parse_size(const char *s, size_t *out)
{
    uint64_t v;
    if (!cli_parse_u64(s, 0, SIZE_MAX, &v))
        return false;
    *out = (size_t)v;
    return true;
}

/* --seed (>= 0), --sample / --repeats / --threads (> 0). Returns -1 when
 * the value is good, else an exit code. */
static int number_option(Options *o, const char *a, const char *v)
{
    size_t num;
    bool is_seed = strcmp(a, "--seed") == 0;
    if (!parse_size(v, &num) || (!is_seed && num == 0)) {
        cli_error(a, "needs a %s integer, not \"%s\"", is_seed ? "non-negative" : "positive", v);
        return RN_EXIT_USAGE;
    }
    if (is_seed)
        o->seed = (uint64_t)num;
    else if (strcmp(a, "--sample") == 0)
        o->sample = num;
    else if (strcmp(a, "--repeats") == 0)
        o->repeats = num;
    else
        o->threads = num > 1024 ? 1024 : (int)num;
    return -1;
}

/* One option that takes a value; -1 to go on, else an exit code. */
static int value_option(Options *o, const char *a, const char *v)
{
    static const char *const numbers[] = {"--seed", "--sample", "--repeats", "--threads"};
    static const char *const paths[] = {"--true", "--pred", "--data", "--true-column",
                                        "--pred-column"};
    const char **slot[] = {&o->true_path, &o->pred_path, &o->data_path, &o->true_column,
                           &o->pred_column};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (strcmp(a, paths[i]) == 0) {
            *slot[i] = v;
            return -1;
        }
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (strcmp(a, numbers[i]) == 0)
            return number_option(o, a, v);
    if (strcmp(a, "--stability") == 0) {
        if (o->n_stability < MAX_STABILITY) {
            o->stability[o->n_stability++] = v;
            return -1;
        }
        cli_error(a, "at most %d files", MAX_STABILITY);
        return RN_EXIT_USAGE;
    }
    if (strcmp(a, "--metric") == 0) {
        if (rn_distance_parse(v, &o->distance))
            return -1;
        cli_error(v, "unknown metric (euclidean, manhattan, cosine)");
        return RN_EXIT_USAGE;
    }
    cli_error(a, "unknown option");
    return RN_EXIT_USAGE;
}

/* Returns -1 to go on, else an exit code. */
static int parse_options(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof *o);
    o->repeats = 5;
    o->seed = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            o->json = true;
        } else if (strcmp(argv[i], "--quiet") != 0) {
            if (i + 1 >= argc) {
                cli_error(argv[i], "unknown option or missing value");
                return RN_EXIT_USAGE;
            }
            int rc = value_option(o, argv[i], argv[i + 1]);
            if (rc >= 0)
                return rc;
            i++;
        }
    }
    if (o->pred_path == NULL ||
        (o->true_path == NULL && o->data_path == NULL && o->n_stability == 0)) {
        cli_error("metrics", "needs --pred and at least one of --true, --data, --stability");
        usage(stderr);
        return RN_EXIT_USAGE;
    }
    return -1;
}

/* ---- labels ------------------------------------------------------------ */

static void labeling_free(Labeling *l)
{
    rn_label_file_free(&l->file);
    free(l->ids);
    free(l->names);
    free(l->values);
}

/* Encodes the labels of rows row_of[0..n) (identity when NULL): integer
 * labels in numeric order, other labels in byte order. */
static bool encode_labeling(Labeling *l, const size_t *row_of, size_t n,
                            RnError **err)
{
    char **text = rn_calloc(n ? n : 1, sizeof *text, err);
    int64_t *values = rn_calloc(n ? n : 1, sizeof *values, err);
    size_t *first = rn_calloc(n ? n : 1, sizeof *first, err);
    l->ids = rn_calloc(n ? n : 1, sizeof *l->ids, err);
    bool ok = text && values && first && l->ids;
    for (size_t j = 0; ok && j < n; j++)
        text[j] = l->file.labels[row_of ? row_of[j] : j];
    if (ok) {
        l->numeric = n > 0 && rn_labels_parse_integers(text, n, values);
        ok = l->numeric ? rn_labels_encode_i64(values, n, l->ids, &l->k, first, err)
                        : rn_labels_encode_str((const char *const *)text, n, l->ids,
                                               &l->k, first, err);
    }
    if (ok) {
        l->names = rn_calloc(l->k ? l->k : 1, sizeof *l->names, err);
        l->values = rn_calloc(l->k ? l->k : 1, sizeof *l->values, err);
        ok = l->names && l->values;
    }
    for (size_t c = 0; ok && c < l->k; c++) {
        l->names[c] = text[first[c]];
        l->values[c] = values[first[c]];
    }
    free(text);
    free(values);
    free(first);
    return ok;
}

/* ---- data scores --------------------------------------------------------- */

static bool load_points(const char *path, size_t n, RnArray *a, RnMatrix *X,
                        RnError **err)
{
    if (!rn_npy_read(path, a, err))
        return false;
    if (a->ndim != 2 || (a->dtype != RN_DTYPE_F32 && a->dtype != RN_DTYPE_F64)) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "needs a 2-D float32 or float64 matrix");
        return false;
    }
    if (a->shape[0] != n) {
        rn_error_set(err, RN_ERROR_PARSE, "has %zu rows but the label file has %zu",
                     a->shape[0], n);
        return false;
    }
    *X = (RnMatrix){a->data, a->shape[0], a->shape[1], a->shape[1], a->dtype};
    return true;
}

static bool finite_points(const RnMatrix *X, RnError **err)
{
    size_t cells = X->rows * X->cols;
    for (size_t i = 0; i < cells; i++) {
        double v = X->dtype == RN_DTYPE_F32 ? (double)((const float *)X->data)[i]
                                            : ((const double *)X->data)[i];
        if (!isfinite(v)) {
            rn_error_set(err, RN_ERROR_PARSE, "row %zu holds NaN or infinity", i / X->cols);
            return false;
        }
    }
    return true;
}

/* The progress bar starts on the library's first report (it knows the total). */
static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    CliProgress **bar = ctx;
    if (*bar == NULL)
        *bar = cli_progress_start("silhouette", total);
    cli_progress_update(*bar, done);
}

static bool silhouette(const Options *o, const RnMatrix *X,
                       const int32_t *labels, DataScores *ds, RnError **err)
{
    CliProgress *bar = NULL;
    RnPool *pool = rn_pool_open(o->threads, err);
    if (pool == NULL)
        return false;
    RnSilhouetteOptions opt = {o->distance, pool, on_progress, &bar};
    bool ok;
    if (o->sample > 0) {
        ds->sampled = true;
        ok = rn_silhouette_sampled_opt(X, labels, o->sample, o->repeats, o->seed, &opt,
                                       &ds->estimate, err);
        ds->silhouette = ds->estimate.mean;
    } else {
        double *s = rn_calloc(X->rows, sizeof *s, err);
        ok = s && rn_silhouette_samples_opt(X, labels, &opt, s, err);
        double sum = 0.0;
        for (size_t i = 0; ok && i < X->rows; i++)
            sum += s[i];
        ds->silhouette = sum / (double)X->rows;
        free(s);
    }
    cli_progress_finish(bar);
    rn_pool_close(pool);
    return ok;
}

static bool data_scores(const Options *o, const RnMatrix *X,
                        const Labeling *pred, DataScores *ds, RnError **err)
{
    ds->have = true;
    ds->defined = pred->k >= 2 && pred->k + 1 <= X->rows;
    if (!ds->defined)
        return true;
    return silhouette(o, X, pred->ids, ds, err) &&
           rn_davies_bouldin_score(X, pred->ids, &ds->davies_bouldin, err) &&
           rn_calinski_harabasz_score(X, pred->ids, &ds->calinski_harabasz, err);
}

/* ---- JSON --------------------------------------------------------------- */

static bool json_number(RnBuf *b, double v, RnError **err)
{
    return isfinite(v) ? rn_buf_printf(b, err, "%.17g", v) : rn_buf_append_str(b, "null", err);
}

static bool json_key_number(RnBuf *b, const char *key, double v, RnError **err)
{
    return rn_buf_printf(b, err, ",\"%s\":", key) && json_number(b, v, err);
}

static bool json_label(RnBuf *b, const Labeling *l, size_t c, RnError **err)
{
    const char *s = l->names[c];
    return l->numeric ? rn_buf_printf(b, err, "%lld", (long long)l->values[c])
                      : rn_buf_append_json_string(b, s, strlen(s), err);
}

static bool json_label_list(RnBuf *b, const char *key, const Labeling *l, RnError **err)
{
    bool ok = rn_buf_printf(b, err, "\"%s\":[", key);
    for (size_t c = 0; ok && c < l->k; c++)
        ok = (c == 0 || rn_buf_append_str(b, ",", err)) && json_label(b, l, c, err);
    return ok && rn_buf_append_str(b, "]", err);
}

static bool json_contingency(RnBuf *b, const RnContingency *t, const Labeling *tl,
                             const Labeling *pl, RnError **err)
{
    bool ok = rn_buf_append_str(b, ",\"contingency\":{", err) &&
              json_label_list(b, "rows", tl, err) && rn_buf_append_str(b, ",", err) &&
              json_label_list(b, "cols", pl, err);
    int64_t *dense = NULL;
    size_t cells;
    bool small = rn_mul_size(t->n_rows, t->n_cols, &cells) && cells <= DENSE_JSON_CELLS;
    if (ok && small) {
        ok = rn_contingency_dense(t, DENSE_JSON_CELLS, &dense, err) &&
             rn_buf_append_str(b, ",\"counts\":[", err);
        for (size_t r = 0; ok && r < t->n_rows; r++) {
            ok = rn_buf_append_str(b, r ? ",[" : "[", err);
            for (size_t c = 0; ok && c < t->n_cols; c++)
                ok = rn_buf_printf(b, err, c ? ",%lld" : "%lld",
                                   (long long)dense[r * t->n_cols + c]);
            ok = ok && rn_buf_append_str(b, "]", err);
        }
        free(dense);
    } else if (ok) {
        ok = rn_buf_append_str(b, ",\"cells\":[", err);
        for (size_t z = 0; ok && z < t->nnz; z++)
            ok = rn_buf_printf(b, err, "%s[%d,%d,%lld]", z ? "," : "", (int)t->cell_row[z],
                               (int)t->cell_col[z], (long long)t->cell_count[z]);
    }
    return ok && rn_buf_append_str(b, "]}", err);
}

static bool json_by_average(RnBuf *b, const char *key, const double v[4], RnError **err)
{
    return rn_buf_printf(b, err, ",\"%s\":{\"arithmetic\":", key) && json_number(b, v[0], err) &&
           rn_buf_append_str(b, ",\"min\":", err) && json_number(b, v[1], err) &&
           rn_buf_append_str(b, ",\"geometric\":", err) && json_number(b, v[2], err) &&
           rn_buf_append_str(b, ",\"max\":", err) && json_number(b, v[3], err) &&
           rn_buf_append_str(b, "}", err);
}

static bool json_supervised(RnBuf *b, const RnSupervisedScores *s, RnError **err)
{
    return rn_buf_printf(b, err, ",\"n_classes\":%zu", s->n_classes) &&
           json_key_number(b, "homogeneity_score", s->homogeneity, err) &&
           json_key_number(b, "completeness_score", s->completeness, err) &&
           json_key_number(b, "v_measure_score", s->v_measure, err) &&
           json_key_number(b, "mutual_info_score", s->mutual_info, err) &&
           json_key_number(b, "normalized_mutual_info_score", s->nmi[RN_AVERAGE_ARITHMETIC], err) &&
           json_key_number(b, "adjusted_mutual_info_score", s->ami[RN_AVERAGE_ARITHMETIC], err) &&
           json_key_number(b, "expected_mutual_info", s->expected_mutual_info, err) &&
           json_key_number(b, "adjusted_rand_score", s->adjusted_rand, err) &&
           json_key_number(b, "rand_score", s->rand, err) &&
           json_key_number(b, "fowlkes_mallows_score", s->fowlkes_mallows, err) &&
           json_key_number(b, "purity", s->purity, err) &&
           json_key_number(b, "entropy_true", s->entropy_true, err) &&
           json_key_number(b, "entropy_pred", s->entropy_pred, err) &&
           json_by_average(b, "normalized_mutual_info_score_by_average", s->nmi, err) &&
           json_by_average(b, "adjusted_mutual_info_score_by_average", s->ami, err);
}

static bool json_data(RnBuf *b, const Options *o, const DataScores *d, RnError **err)
{
    if (!d->have)
        return true;
    double nan = NAN;
    bool ok = json_key_number(b, "silhouette_score", d->defined ? d->silhouette : nan, err) &&
              rn_buf_printf(b, err, ",\"silhouette_metric\":\"%s\"",
                            rn_distance_name(o->distance)) &&
              json_key_number(b, "davies_bouldin_score", d->defined ? d->davies_bouldin : nan, err) &&
              json_key_number(b, "calinski_harabasz_score",
                              d->defined ? d->calinski_harabasz : nan, err);
    if (ok && d->sampled && d->defined) {
        const RnSilhouetteEstimate *e = &d->estimate;
        ok = rn_buf_printf(b, err, ",\"silhouette_estimate\":{\"sample_size\":%zu,"
                           "\"repeats\":%zu,\"seed\":%llu,\"sd\":", e->sample_size,
                           e->repeats, (unsigned long long)o->seed) &&
             json_number(b, e->sd, err) && rn_buf_append_str(b, ",\"ci95\":[", err) &&
             json_number(b, e->ci_low, err) && rn_buf_append_str(b, ",", err) &&
             json_number(b, e->ci_high, err) && rn_buf_append_str(b, "]}", err);
    }
    return ok;
}

static bool json_stability(RnBuf *b, const Stability *st, RnError **err)
{
    if (st->count == 0)
        return true;
    bool ok = rn_buf_printf(b, err, ",\"seed_stability\":{\"labelings\":%zu,"
                            "\"mean_adjusted_rand_score\":", st->count) &&
              json_number(b, st->mean_ari, err) &&
              rn_buf_append_str(b, ",\"pairwise_adjusted_rand_score\":[", err);
    for (size_t i = 0; ok && i < st->count; i++) {
        ok = rn_buf_append_str(b, i ? ",[" : "[", err);
        for (size_t j = 0; ok && j < st->count; j++)
            ok = (j == 0 || rn_buf_append_str(b, ",", err)) &&
                 json_number(b, st->pairwise[i * st->count + j], err);
        ok = ok && rn_buf_append_str(b, "]", err);
    }
    return ok && rn_buf_append_str(b, "]}", err);
}

static bool write_json(const Options *o, const Run *r, RnError **err)
{
    const Labeling *tl = o->true_path ? &r->truth : NULL;
    RnBuf b = RN_BUF_INIT;
    bool ok = rn_buf_printf(&b, err, "{\"n_samples\":%zu,\"n_clusters\":%zu",
                            r->pred.file.n, r->pred.k) &&
              (tl == NULL || (json_supervised(&b, &r->scores, err) &&
                              json_contingency(&b, &r->table, tl, &r->pred, err))) &&
              json_data(&b, o, &r->data, err) && json_stability(&b, &r->stability, err) &&
              rn_buf_append_str(&b, "}\n", err);
    if (ok)
        fwrite(b.data, 1, b.len, stdout);
    rn_buf_free(&b);
    return ok;
}

/* ---- text --------------------------------------------------------------- */

static void text_row(const char *name, double v)
{
    if (isfinite(v))
        printf("  %-36s %.6f\n", name, v);
    else
        printf("  %-36s n/a\n", name);
}

/* A label in a fixed-width text cell: at most `width` code points, control
 * characters shown as '?', padded with spaces (left or right aligned). */
static void print_cell(const Labeling *l, size_t c, int width, bool right)
{
    char buf[4 * 32 + 1];
    const unsigned char *s = (const unsigned char *)l->names[c];
    if (l->numeric) {
        snprintf(buf, sizeof buf, "%lld", (long long)l->values[c]);
        s = (const unsigned char *)buf;
    }
    char out[sizeof buf];
    size_t len = 0;
    int points = 0;
    for (; *s && points < width && len + 4 < sizeof out; points++) {
        size_t seq = *s < 0x80 ? 1 : *s >= 0xF0 ? 4 : *s >= 0xE0 ? 3 : 2;
        if (*s < 0x20 || *s == 0x7F) {
            out[len++] = '?';
            s++;
            continue;
        }
        for (size_t i = 0; i < seq && *s; i++) /* text is valid UTF-8 (checked on read) */
            out[len++] = (char)*s++;
    }
    out[len] = '\0';
    if (right)
        printf(" %*s%s", width - points, "", out);
    else
        printf("%s%*s", out, width - points, "");
}

static void text_contingency(const RnContingency *t, const Labeling *tl,
                             const Labeling *pl)
{
    if (t->n_cols > TEXT_TABLE_MAX_COLS || t->n_rows > TEXT_TABLE_MAX_ROWS) {
        printf("\ncontingency table: %zu × %zu (too large to print; use --json)\n",
               t->n_rows, t->n_cols);
        return;
    }
    int64_t *dense = NULL;
    if (!rn_contingency_dense(t, (size_t)TEXT_TABLE_MAX_COLS * TEXT_TABLE_MAX_ROWS, &dense, NULL))
        return;
    printf("\ncontingency table (rows: true labels, columns: predicted labels)\n%-16s", "");
    for (size_t c = 0; c < t->n_cols; c++)
        print_cell(pl, c, 8, true);
    putchar('\n');
    for (size_t r = 0; r < t->n_rows; r++) {
        print_cell(tl, r, 16, false);
        for (size_t c = 0; c < t->n_cols; c++)
            printf(" %8lld", (long long)dense[r * t->n_cols + c]);
        putchar('\n');
    }
    free(dense);
}

static void text_supervised(const RnSupervisedScores *s)
{
    text_row("homogeneity_score", s->homogeneity);
    text_row("completeness_score", s->completeness);
    text_row("v_measure_score", s->v_measure);
    text_row("mutual_info_score", s->mutual_info);
    text_row("normalized_mutual_info_score", s->nmi[RN_AVERAGE_ARITHMETIC]);
    text_row("adjusted_mutual_info_score", s->ami[RN_AVERAGE_ARITHMETIC]);
    text_row("adjusted_rand_score", s->adjusted_rand);
    text_row("rand_score", s->rand);
    text_row("fowlkes_mallows_score", s->fowlkes_mallows);
    text_row("purity", s->purity);
}

static void text_data(const Options *o, const DataScores *d)
{
    char name[64];
    snprintf(name, sizeof name, "silhouette_score (%s)", rn_distance_name(o->distance));
    text_row(name, d->defined ? d->silhouette : NAN);
    if (d->sampled && d->defined)
        printf("  %-36s [%.6f, %.6f] (%zu items × %zu rounds)\n", "  95% interval",
               d->estimate.ci_low, d->estimate.ci_high, d->estimate.sample_size,
               d->estimate.repeats);
    text_row("davies_bouldin_score", d->defined ? d->davies_bouldin : NAN);
    text_row("calinski_harabasz_score", d->defined ? d->calinski_harabasz : NAN);
}

static void write_text(const Options *o, const Run *r)
{
    const Labeling *tl = o->true_path ? &r->truth : NULL;
    printf("%zu samples, %zu clusters", r->pred.file.n, r->pred.k);
    if (tl)
        printf(", %zu classes", r->scores.n_classes);
    printf("\n\n");
    if (tl)
        text_supervised(&r->scores);
    if (r->data.have)
        text_data(o, &r->data);
    if (r->stability.count > 0) {
        char name[64];
        snprintf(name, sizeof name, "seed_stability (%zu labelings)", r->stability.count);
        text_row(name, r->stability.mean_ari);
    }
    if (tl)
        text_contingency(&r->table, tl, &r->pred);
}

/* ---- command -------------------------------------------------------------- */

static void run_free(Run *r)
{
    for (size_t i = 0; i < MAX_STABILITY; i++)
        labeling_free(&r->others[i]);
    free(r->stability.pairwise);
    labeling_free(&r->truth);
    labeling_free(&r->pred);
    free(r->true_row);
    rn_contingency_free(&r->table);
    rn_array_free(&r->array);
}

static int load_labels(const Options *o, Run *r)
{
    RnError *err = NULL;
    if (!rn_label_file_read(o->pred_path, o->pred_column, &r->pred.file, &err))
        return cli_fail(o->pred_path, err);
    size_t n = r->pred.file.n;
    if (n == 0) {
        cli_error(o->pred_path, "no labels");
        return RN_EXIT_INPUT;
    }
    if (!encode_labeling(&r->pred, NULL, n, &err))
        return cli_fail(o->pred_path, err);
    if (o->true_path == NULL)
        return -1;
    if (!rn_label_file_read(o->true_path, o->true_column, &r->truth.file, &err))
        return cli_fail(o->true_path, err);
    if ((r->true_row = rn_calloc(n, sizeof *r->true_row, &err)) == NULL)
        return cli_fail("metrics", err);
    if (!rn_label_files_join(&r->truth.file, o->true_path, &r->pred.file, o->pred_path,
                             r->true_row, &err)) {
        /* the message starts with the name of the file at fault */
        fprintf(stderr, "radnet: %s\n", rn_error_message(err));
        rn_error_free(err);
        return RN_EXIT_INPUT;
    }
    if (!encode_labeling(&r->truth, r->true_row, n, &err) ||
        !rn_contingency_build(r->truth.ids, r->truth.k, r->pred.ids, r->pred.k, n,
                              &r->table, &err) ||
        !rn_supervised_scores(&r->table, &r->scores, &err))
        return cli_fail(o->true_path, err);
    return -1;
}

/* Reads each --stability file, aligned to --pred by id (or row order), and
 * the mean pairwise ARI over all of them. */
static int load_stability(const Options *o, Run *r)
{
    RnError *err = NULL;
    size_t n = r->pred.file.n, m = o->n_stability + 1;
    if (o->n_stability == 0)
        return -1;
    const int32_t *sets[MAX_STABILITY + 1] = {r->pred.ids};
    size_t *row = rn_calloc(n, sizeof *row, &err);
    for (size_t i = 0; row && i < o->n_stability; i++) {
        Labeling *l = &r->others[i];
        if (!rn_label_file_read(o->stability[i], o->pred_column, &l->file, &err))
            break;
        if (!rn_label_files_join(&l->file, o->stability[i], &r->pred.file, o->pred_path,
                                 row, &err)) {
            fprintf(stderr, "radnet: %s\n", rn_error_message(err));
            rn_error_free(err);
            free(row);
            return RN_EXIT_INPUT;
        }
        if (!encode_labeling(l, row, n, &err))
            break;
        sets[i + 1] = l->ids;
    }
    free(row);
    r->stability.count = m;
    if (err != NULL ||
        (r->stability.pairwise = rn_calloc(m * m, sizeof(double), &err)) == NULL ||
        !rn_seed_stability(sets, m, n, &r->stability.mean_ari, r->stability.pairwise, &err))
        return cli_fail(o->stability[0], err);
    return -1;
}

static int load_data(const Options *o, Run *r)
{
    RnError *err = NULL;
    if (o->data_path == NULL)
        return -1;
    if (!load_points(o->data_path, r->pred.file.n, &r->array, &r->points, &err) ||
        !finite_points(&r->points, &err))
        return cli_fail(o->data_path, err);
    if (!data_scores(o, &r->points, &r->pred, &r->data, &err))
        return cli_fail(o->data_path, err);
    if (!r->data.defined)
        cli_error(o->pred_path, "silhouette, Davies-Bouldin and Calinski-Harabasz need "
                  "2 to n-1 clusters (%zu clusters, %zu items)", r->pred.k, r->pred.file.n);
    return -1;
}

int cmd_metrics(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return RN_EXIT_OK;
    }
    Options o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    Run r;
    memset(&r, 0, sizeof r);
    rc = load_labels(&o, &r);
    if (rc < 0)
        rc = load_stability(&o, &r);
    if (rc < 0)
        rc = load_data(&o, &r);
    if (rc < 0) {
        RnError *err = NULL;
        rc = RN_EXIT_OK;
        if (!o.json)
            write_text(&o, &r);
        else if (!write_json(&o, &r, &err))
            rc = cli_fail("metrics", err);
        if (fflush(stdout) != 0 && rc == RN_EXIT_OK) {
            cli_error("stdout", "write failed");
            rc = RN_EXIT_INTERNAL;
        }
    }
    run_free(&r);
    return rc;
}
