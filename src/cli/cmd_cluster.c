/* radnet cluster: k-means / k-medoids on a .npy matrix, or a sweep over k
 * (--k A:B:S) reporting silhouette, Davies-Bouldin, Calinski-Harabasz and
 * the inertia elbow. Labels go to --out (CSV `id,label`, id = row index).
 * The work is the cluster stage's RnClusterModel and rn_cluster_sweep_k. */
#include "cli/cli.h"
#include "radnet/cluster.h"
#include "radnet/eval.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Flags of the clustering itself, handed to rn_cluster_model_options_set_all. */
#define MAX_SETTINGS 32

typedef struct Options {
    const char *input, *out, *init_path, *centers_out, *predict_path, *model_path,
        *save_model, *groups_path, *subgroups_path;
    RnKRange k;
    bool json, have_k;
    uint64_t threads, sil_sample;
    RnDType dtype;              /* 0: as stored */
    RnPool *pool;
    const char *setting_names[MAX_SETTINGS]; /* without "--" */
    const char *setting_values[MAX_SETTINGS];
    size_t n_settings;
    RnClusterModelOptions model;
} Options;

static bool parse_k(const char *value, void *dest)
{
    return rn_k_range_parse(value, dest);
}

static bool parse_dtype(const char *value, void *dest)
{
    bool f32 = strcmp(value, "float32") == 0;
    *(RnDType *)dest = f32 ? RN_DTYPE_F32 : RN_DTYPE_F64;
    return f32 || strcmp(value, "float64") == 0;
}

#define AT(field) offsetof(Options, field)

/* The command's own options; every other --name VALUE is a setting. */
static const CliOption cluster_options[] = {
    {"--input", 'i', CLI_STRING, AT(input), "X.npy", "the rows to cluster (float32/64)", 0, 0,
     NULL},
    {"--k", 'k', CLI_CUSTOM, AT(k), "K|A:B[:S]", "k, or a range of k to sweep", 0, 0, parse_k},
    {"--out", 'o', CLI_STRING, AT(out), "CSV", "the labels (default: stdout)", 0, 0, NULL},
    {"--json", 0, CLI_FLAG, AT(json), NULL, "a JSON summary (or the sweep) on stdout", 0, 0,
     NULL},
    {"--centers-out", 0, CLI_STRING, AT(centers_out), "C", "the centres", 0, 0, NULL},
    {"--save-model", 0, CLI_STRING, AT(save_model), "M.rnc", "the model, for --model", 0, 0,
     NULL},
    {"--init", 0, CLI_STRING, AT(init_path), "C.npy", "k-means: start from these centres", 0, 0,
     NULL},
    {"--model", 0, CLI_STRING, AT(model_path), "M.rnc", "predict with a saved model", 0, 0,
     NULL},
    {"--predict", 0, CLI_STRING, AT(predict_path), "C.npy",
     "predict with these centres (squared Euclidean for\n"
     "k-means, --metric for k-medoids), e.g. a test split", 0, 0, NULL},
    {"--groups", 0, CLI_STRING, AT(groups_path), "G.txt",
     "k-means within groups: one label per line and row of --input (e.g.\n"
     "the Modality); k is split among them (--group-share size|inertia|pairs)", 0, 0, NULL},
    {"--subgroups", 0, CLI_STRING, AT(subgroups_path), "S.txt",
     "with --groups and --group-share pairs: one label per line and row (e.g.\n"
     "the header region); one cluster per (group, subgroup) pair, largest first", 0, 0,
     NULL},
    {"--threads", 0, CLI_U64, AT(threads), "N", "threads (default: one per core)", 0,
     RN_POOL_MAX_THREADS, NULL},
    {"--dtype", 0, CLI_CUSTOM, AT(dtype), "T",
     "float32 or float64 (default: as stored)", 0, 0, parse_dtype},
    {"--silhouette-sample", 0, CLI_U64, AT(sil_sample), "N",
     "sweep: silhouette sampled above this n", 0, 0x1p64, NULL},
};

static void usage(FILE *out)
{
    fprintf(out,
        "usage: radnet cluster --input X.npy --k K|A:B[:S] [--algo kmeans|kmedoids]\n"
        "                      [--metric euclidean|manhattan|cosine] [--seed S]\n"
        "                      [--out labels.csv] [--json] [--centers-out C.npy]\n"
        "                      [--save-model M.rnc]\n"
        "       radnet cluster --input X.npy --model M.rnc|--predict C.npy [--out labels.csv]\n"
        "\n"
        "Defaults (RadiologyNET): k-means++ init, Elkan, n_init 10, max_iter 300,\n"
        "tol 1e-4, seed 1; k-medoids: Manhattan, 'alternate', k-medoids++,\n"
        "max_iter 300. A range A:B:S sweeps k and reports silhouette (sampled\n"
        "with a 95%% interval for large n), Davies-Bouldin, Calinski-Harabasz\n"
        "and the kneedle elbow of the inertia. Without --out and --json the\n"
        "labels CSV goes to stdout.\n"
        "\n");
    cli_options_help(out, cluster_options, CLI_COUNT(cluster_options));
    fprintf(out,
        "\nsettings of the clustering:\n"
        "  common:    [--algo kmeans|kmedoids] [--seed S]\n"
        "  k-means:   [--method elkan|lloyd|hamerly|naive] [--init-method k-means++|random]\n"
        "             [--n-init N] [--max-iter N] [--tol T]\n"
        "             [--batch B (mini-batch k-means)] [--group-share size|inertia|pairs]\n"
        "  k-medoids: [--method alternate|fasterpam|pam] [--metric euclidean|manhattan|cosine]\n"
        "             [--init-method k-medoids++|build|random] [--max-iter N]\n"
        "             [--max-exact N] [--sample-size N] [--samples N] (CLARA)\n");
}

/* A --name VALUE that is not the command's own: a clustering setting. */
static bool collect_setting(void *ctx, const char *name, const char *value)
{
    Options *o = ctx;
    if (o->n_settings == MAX_SETTINGS) {
        cli_error(name, "more than %d settings", MAX_SETTINGS);
        return false;
    }
    o->setting_names[o->n_settings] = name + 2;
    o->setting_values[o->n_settings++] = value;
    return true;
}

static int parse_options(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof *o);
    int rc = cli_options_parse(cluster_options, CLI_COUNT(cluster_options), o, argc, argv,
                               collect_setting, o);
    if (rc >= 0)
        return rc;
    o->have_k = o->k.min > 0;
    if (o->input == NULL || (!o->have_k && !o->predict_path && !o->model_path)) {
        cli_error("cluster", "--input and --k (or --predict / --model) are required");
        return RN_EXIT_USAGE;
    }
    RnError *err = NULL;
    rn_cluster_model_options_default(&o->model, RN_ALGO_KMEANS, o->k.min);
    if (!rn_cluster_model_options_set_all(&o->model, o->setting_names, o->setting_values,
                                          o->n_settings, &err))
        return cli_fail("cluster", err);
    return -1;
}

/* ---- input and output ---------------------------------------------------- */

/* A float matrix (N-D arrays are rows with their trailing dimensions
 * flattened; mapped when `map`), refused when it holds NaN or infinity,
 * which would poison every centre. k, cols: the shape centres need (0:
 * any). */
static int load_matrix(const char *path, RnDType want, bool map, size_t k, size_t cols,
                       RnMatrixFile *f)
{
    RnError *err = NULL;
    if (!rn_matrix_file_open(path, want, map, f, &err) || !rn_matrix_check_finite(&f->m, &err))
        return cli_fail(path, err);
    if ((k && f->m.rows != k) || (cols && f->m.cols != cols)) {
        cli_error(path, "centres are %zux%zu, need %zux%zu", f->m.rows, f->m.cols,
                  k ? k : f->m.rows, cols);
        return RN_EXIT_INPUT;
    }
    return -1;
}

/* The buffer to path (atomically), or to stdout when path is NULL. */
static bool emit(const char *path, const RnBuf *b, RnError **err)
{
    if (path)
        return rn_file_write_atomic(path, b->data, b->len, err);
    if (fwrite(b->data, 1, b->len, stdout) == b->len && fflush(stdout) == 0)
        return true;
    rn_error_set(err, RN_ERROR_IO, "cannot write stdout");
    return false;
}

/* The summary: JSON on stdout, or one line on stderr. */
static bool summary(const Options *o, const RnClusterModel *m, size_t n, double objective,
                    double seconds, RnError **err)
{
    const RnClusterModelInfo *i = rn_cluster_model_info(m);
    const char *obj = i->algo == RN_ALGO_KMEDOIDS ? "cost" : "inertia";
    const char *method = o->have_k ? rn_cluster_model_method(m) : "predict";
    if (!o->json) {
        if (!cli_quiet)
            fprintf(stderr, "%s (%s): n=%zu d=%zu k=%zu %s=%.10g iterations=%d%s\n",
                    rn_cluster_algo_name(i->algo), method, n, i->d, i->k, obj, objective,
                    i->n_iter, i->converged ? "" : " (not converged)");
        return true;
    }
    RnBuf b = RN_BUF_INIT;
    RnJsonWriter *w = rn_json_open(&b, 0, err);
    if (w && rn_json_begin_object(w) && o->have_k) {
        rn_cluster_model_json_fields(m, w);
        rn_json_kv_double(w, "fit_seconds", seconds);
    } else if (w) { /* predict */
        rn_json_kv_string(w, "algo", rn_cluster_algo_name(i->algo));
        rn_json_kv_string(w, "method", method);
        rn_json_kv_uint(w, "k", i->k);
        rn_json_kv_uint(w, "d", i->d);
        rn_json_kv_double(w, obj, objective);
    }
    bool ok = w && rn_json_kv_uint(w, "n", n) && rn_json_end_object(w) &&
              rn_json_finish(w, err) && rn_buf_append_str(&b, "\n", err) && emit(NULL, &b, err);
    rn_json_close(w);
    rn_buf_free(&b);
    return ok;
}

/* ---- fit or predict, sweep ------------------------------------------------ */

/* A saved model (--model), given centres (--predict) or a fit (labels
 * filled); *objective: the fit's, or -1 when labels are still to predict. */
static RnClusterModel *get_model(const Options *o, const RnMatrix *X, int32_t *labels,
                                 double *objective, int *rc)
{
    RnError *err = NULL;
    RnMatrixFile cf = {0};
    const char *centres = o->predict_path ? o->predict_path : o->init_path;
    RnClusterModel *m = NULL;
    RnClusterModelOptions mo = o->model;
    *objective = -1;
    if (o->model_path)
        m = rn_cluster_model_load(o->model_path, &err);
    else if (centres && (*rc = load_matrix(centres, X->dtype, false,
                                           o->predict_path ? 0 : o->k.min, X->cols, &cf)) >= 0)
        return NULL;
    else if (o->predict_path)
        m = rn_cluster_model_from_centers(mo.algo, mo.algo == RN_ALGO_KMEANS ? RN_DISTANCE_EUCLIDEAN
                                                                            : mo.kmedoids.metric,
                                          &cf.m, &err);
    else {
        mo.pool = o->pool;
        mo.dist = cli_dist();
        mo.kmeans.init = centres ? RN_KMEANS_INIT_GIVEN : mo.kmeans.init;
        mo.kmeans.init_centers = mo.minibatch_options.init_centers = cf.m.data;
        if ((m = rn_cluster_model_fit(X, &mo, labels, NULL, &err)) != NULL)
            *objective = rn_cluster_model_info(m)->objective;
    }
    rn_matrix_file_close(&cf);
    if (m == NULL)
        *rc = cli_fail(o->model_path ? o->model_path : centres && o->predict_path ? centres
                                                                                    : o->input,
                       err);
    return m;
}

/* --groups / --subgroups: one label per line (a last newline optional), one
 * line per row of X, encoded to ids in label order. */
static int load_labels(const char *path, size_t rows, RnEvalLabels *g)
{
    RnError *err = NULL;
    uint8_t *text = NULL;
    size_t n = 0;
    if (!rn_file_read_all(path, (size_t)1 << 32, &text, &n, &err))
        return cli_fail(path, err);
    if (n > 0 && text[n - 1] == '\n')
        n--;
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    char **label = lines == rows ? rn_calloc(lines, sizeof *label, &err) : NULL;
    char *copy = label ? rn_malloc(n + 1, &err) : NULL; /* NUL-terminated lines */
    if (copy) {
        memcpy(copy, text, n);
        copy[n] = '\0';
        label[0] = copy;
        for (size_t i = 0, j = 1; i < n; i++)
            if (copy[i] == '\n') {
                copy[i] = '\0';
                label[j++] = copy + i + 1;
            }
    }
    bool ok = copy && rn_eval_labels_encode(label, NULL, rows, g, &err);
    free(copy);
    free(label);
    free(text);
    if (!ok && lines != rows) {
        cli_error(path, "%zu lines for %zu rows", lines, rows);
        return RN_EXIT_USAGE;
    }
    return ok ? -1 : cli_fail(path, err);
}

static int run_model(const Options *o, const RnMatrix *X)
{
    RnError *err = NULL;
    int rc = -1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int32_t *labels = rn_calloc(X->rows, sizeof *labels, &err);
    double objective = 0;
    RnClusterModel *m = labels ? get_model(o, X, labels, &objective, &rc) : NULL;
    if (m && objective < 0 &&
        !rn_cluster_model_predict(m, X, o->pool, labels, NULL, &objective, &err))
        rc = cli_fail(o->input, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    RnMatrix C = m ? rn_cluster_model_centers(m) : (RnMatrix){0};
    RnArray ca = {C.dtype, 2, {C.rows, C.cols, 0, 0}, (void *)C.data};
    RnBuf b = RN_BUF_INIT;
    if (m == NULL && rc < 0)
        rc = cli_fail("cluster", err);
    /* Under mpirun every rank has the same result; rank 0 writes it. */
    if (rc < 0 && !cli_is_root())
        rc = RN_EXIT_OK;
    if (rc < 0 && (o->out || !o->json) &&
        (!rn_labels_csv(labels, X->rows, &b, &err) || !emit(o->out, &b, &err)))
        rc = cli_fail(o->out ? o->out : "stdout", err);
    if (rc < 0 && o->centers_out && !rn_npy_write(o->centers_out, &ca, &err))
        rc = cli_fail(o->centers_out, err);
    if (rc < 0 && o->save_model && !rn_cluster_model_save(m, o->save_model, &err))
        rc = cli_fail(o->save_model, err);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (rc < 0 && !summary(o, m, X->rows, objective, seconds, &err))
        rc = cli_fail("stdout", err);
    rn_buf_free(&b);
    rn_cluster_model_close(m);
    free(labels);
    return rc < 0 ? RN_EXIT_OK : rc;
}

static void sweep_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(ctx, done);
}

static int run_sweep(const Options *o, const RnMatrix *X)
{
    RnClusterModelOptions mo = o->model;
    mo.pool = o->pool;
    RnKSweepOptions so;
    rn_ksweep_options_from_model(&so, &mo, &o->k);
    so.dist = cli_dist();
    if (o->sil_sample)
        so.silhouette_exact_max = so.silhouette_sample = o->sil_sample;
    CliProgress *p = cli_progress_start("cluster --k", (o->k.max - o->k.min) / o->k.step + 1);
    RnKSweep s;
    RnError *err = NULL;
    bool ok = rn_cluster_sweep_k(X, &so, sweep_progress, p, &s, &err);
    cli_progress_finish(p);
    if (!ok)
        return cli_fail(o->input, err);
    if (!cli_is_root()) { /* the same sweep on every rank: rank 0 prints it */
        rn_ksweep_free(&s);
        return RN_EXIT_OK;
    }
    RnBuf b = RN_BUF_INIT;
    RnJsonWriter *w = o->json ? rn_json_open(&b, 0, &err) : NULL;
    ok = o->json ? w && rn_ksweep_json(&s, so.algo, w) && rn_json_finish(w, &err) &&
                       rn_buf_append_str(&b, "\n", &err)
                 : rn_ksweep_text(&s, so.algo, &b, &err);
    ok = ok && emit(NULL, &b, &err);
    rn_json_close(w);
    rn_buf_free(&b);
    rn_ksweep_free(&s);
    return ok ? RN_EXIT_OK : cli_fail("stdout", err);
}

int cmd_cluster(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return RN_EXIT_OK;
    }
    Options o;
    int rc = parse_options(argc, argv, &o);
    if (rc < 0 && o.k.range &&
        (o.init_path || o.model.minibatch || o.out || o.centers_out || o.save_model ||
         o.groups_path)) {
        cli_error("--k", "a range of k cannot be combined with --init, --batch, --out, "
                  "--centers-out, --save-model or --groups");
        rc = RN_EXIT_USAGE;
    }
    if (rc >= 0) {
        if (rc == RN_EXIT_USAGE)
            usage(stderr);
        return rc;
    }
    /* Mini-batch reads rows straight from a mapping of the file. */
    RnMatrixFile in;
    rc = load_matrix(o.input, o.dtype, o.model.minibatch && !o.k.range, 0, 0, &in);
    RnError *err = NULL;
    if (rc < 0 && (o.pool = rn_pool_open((int)o.threads, &err)) == NULL)
        rc = cli_fail("cluster", err);
    RnEvalLabels groups = {0}, subgroups = {0};
    if (rc < 0 && o.groups_path && (rc = load_labels(o.groups_path, in.m.rows, &groups)) < 0) {
        o.model.groups = groups.ids;
        o.model.n_groups = groups.k;
    }
    if (rc < 0 && o.subgroups_path &&
        (rc = load_labels(o.subgroups_path, in.m.rows, &subgroups)) < 0) {
        o.model.subgroups = subgroups.ids;
        o.model.n_subgroups = subgroups.k;
    }
    if (rc < 0)
        rc = o.k.range ? run_sweep(&o, &in.m) : run_model(&o, &in.m);
    rn_eval_labels_free(&groups);
    rn_eval_labels_free(&subgroups);
    rn_pool_close(o.pool);
    rn_matrix_file_close(&in);
    return rc;
}
