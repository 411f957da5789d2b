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

/* Flags of the clustering itself, handed to rn_cluster_model_options_set. */
#define MAX_SETTINGS 32

typedef struct Options {
    const char *input, *out, *init_path, *centers_out, *predict_path, *model_path,
        *save_model, *k, *threads_text, *sil_text, *dtype_text;
    size_t k_min, k_max, k_step;
    bool sweep, json, have_k;
    uint64_t threads, sil_sample;
    RnDType dtype;              /* 0: as stored */
    RnPool *pool;
    const char *settings[MAX_SETTINGS][2]; /* name (without "--"), value */
    size_t n_settings;
    RnClusterModelOptions model;
} Options;

static void usage(FILE *out)
{
    fprintf(out,
        "usage: radnet cluster --input X.npy --k K|A:B[:S] [--algo kmeans|kmedoids]\n"
        "                      [--metric euclidean|manhattan|cosine] [--seed S]\n"
        "                      [--out labels.csv] [--json] [--centers-out C.npy]\n"
        "                      [--save-model M.rnc]\n"
        "  k-means:   [--method elkan|lloyd|hamerly|naive] [--init-method k-means++|random]\n"
        "             [--init C.npy] [--n-init N] [--max-iter N] [--tol T]\n"
        "             [--batch B (mini-batch k-means)]\n"
        "  k-medoids: [--method alternate|fasterpam|pam]\n"
        "             [--init-method k-medoids++|build|random] [--max-iter N]\n"
        "             [--max-exact N] [--sample-size N] [--samples N] (CLARA)\n"
        "  predict:   --model M.rnc (a saved model) or --predict C.npy (centres;\n"
        "             squared Euclidean for k-means, --metric for k-medoids): label\n"
        "             rows by the nearest centre, e.g. a test split\n"
        "  common:    [--threads N] [--dtype float32|float64]\n"
        "             [--silhouette-sample N (sweep: sampled above this n)]\n"
        "\n"
        "Defaults (RadiologyNET): k-means++ init, Elkan, n_init 10, max_iter 300,\n"
        "tol 1e-4, seed 1; k-medoids: Manhattan, 'alternate', k-medoids++,\n"
        "max_iter 300. A range A:B:S sweeps k and reports silhouette (sampled\n"
        "with a 95%% interval for large n), Davies-Bouldin, Calinski-Harabasz\n"
        "and the kneedle elbow of the inertia. Without --out and --json the\n"
        "labels CSV goes to stdout.\n");
}

/* "K", "A:B" or "A:B:S". */
static bool parse_k(const char *s, Options *o)
{
    size_t v[3] = {0, 0, 1};
    int used = 0, got = sscanf(s, "%zu%n:%zu%n:%zu%n", &v[0], &used, &v[1], &used, &v[2], &used);
    if (got < 1 || s[used] || strspn(s, "0123456789:") != strlen(s) || v[0] == 0 ||
        (got > 1 && v[1] < v[0]) || v[2] == 0)
        return false;
    o->k_min = v[0];
    o->k_max = got > 1 ? v[1] : v[0];
    o->k_step = v[2];
    o->sweep = got > 1;
    return o->have_k = true;
}

/* The flags of this command; every other --flag VALUE is a setting. */
static const struct {
    const char *name, *alias;
    size_t at;
} own[] = {
    {"--input", "-i", offsetof(Options, input)},
    {"--out", "-o", offsetof(Options, out)},
    {"--init", NULL, offsetof(Options, init_path)},
    {"--centers-out", NULL, offsetof(Options, centers_out)},
    {"--predict", NULL, offsetof(Options, predict_path)},
    {"--model", NULL, offsetof(Options, model_path)},
    {"--save-model", NULL, offsetof(Options, save_model)},
    {"--k", "-k", offsetof(Options, k)},
    {"--threads", NULL, offsetof(Options, threads_text)},
    {"--silhouette-sample", NULL, offsetof(Options, sil_text)},
    {"--dtype", NULL, offsetof(Options, dtype_text)},
};

/* The numbers among the own flags, then the settings ("algo" first, as the
 * others depend on it). */
static int apply(Options *o)
{
    RnError *err = NULL;
    const char *d = o->dtype_text;
    o->dtype = d && strcmp(d, "float32") == 0 ? RN_DTYPE_F32 : d ? RN_DTYPE_F64 : 0;
    if ((o->k && !parse_k(o->k, o)) ||
        (o->threads_text && !cli_parse_u64(o->threads_text, 0, RN_POOL_MAX_THREADS, &o->threads)) ||
        (o->sil_text && !cli_parse_u64(o->sil_text, 0, SIZE_MAX, &o->sil_sample)) ||
        (d && strcmp(d, "float32") != 0 && strcmp(d, "float64") != 0)) {
        cli_error("cluster", "bad --k, --threads, --silhouette-sample or --dtype value");
        return RN_EXIT_USAGE;
    }
    rn_cluster_model_options_default(&o->model, RN_ALGO_KMEANS, o->k_min);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < o->n_settings; i++)
            if ((strcmp(o->settings[i][0], "algo") == 0) == (pass == 0) &&
                !rn_cluster_model_options_set(&o->model, o->settings[i][0], o->settings[i][1],
                                              &err))
                return cli_fail("cluster", err);
    o->model.kmeans.seed = o->model.kmedoids.seed = o->model.seed;
    return -1;
}

static int parse_options(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0 || strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->json |= strcmp(a, "--json") == 0;
            continue;
        }
        if (i + 1 >= argc || a[0] != '-' || o->n_settings == MAX_SETTINGS) {
            cli_error(a, i + 1 >= argc ? "missing value" : "unexpected argument");
            return RN_EXIT_USAGE;
        }
        size_t f = 0, n = sizeof own / sizeof own[0];
        while (f < n && strcmp(a, own[f].name) != 0 && !(own[f].alias && strcmp(a, own[f].alias) == 0))
            f++;
        if (f < n) {
            *(const char **)((char *)o + own[f].at) = argv[++i];
        } else {
            o->settings[o->n_settings][0] = a + 2;
            o->settings[o->n_settings++][1] = argv[++i];
        }
    }
    if (o->input == NULL || (!o->k && !o->predict_path && !o->model_path)) {
        cli_error("cluster", "--input and --k (or --predict / --model) are required");
        return RN_EXIT_USAGE;
    }
    return apply(o);
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
                                           o->predict_path ? 0 : o->k_min, X->cols, &cf)) >= 0)
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
    RnKSweepOptions so;
    rn_ksweep_options_default(&so);
    so.k_min = o->k_min, so.k_max = o->k_max, so.k_step = o->k_step;
    so.algo = o->model.algo, so.kmeans = o->model.kmeans, so.kmedoids = o->model.kmedoids;
    so.pool = o->pool;
    so.dist = cli_dist();
    if (o->sil_sample)
        so.silhouette_exact_max = so.silhouette_sample = o->sil_sample;
    CliProgress *p = cli_progress_start("cluster --k", (o->k_max - o->k_min) / o->k_step + 1);
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
    if (rc < 0 && o.sweep &&
        (o.init_path || o.model.minibatch || o.out || o.centers_out || o.save_model)) {
        cli_error("--k", "a range of k cannot be combined with --init, --batch, --out, "
                  "--centers-out or --save-model");
        rc = RN_EXIT_USAGE;
    }
    if (rc >= 0) {
        if (rc == RN_EXIT_USAGE)
            usage(stderr);
        return rc;
    }
    /* Mini-batch reads rows straight from a mapping of the file. */
    RnMatrixFile in;
    rc = load_matrix(o.input, o.dtype, o.model.minibatch && !o.sweep, 0, 0, &in);
    RnError *err = NULL;
    if (rc < 0 && (o.pool = rn_pool_open((int)o.threads, &err)) == NULL)
        rc = cli_fail("cluster", err);
    if (rc < 0)
        rc = o.sweep ? run_sweep(&o, &in.m) : run_model(&o, &in.m);
    rn_pool_close(o.pool);
    rn_matrix_file_close(&in);
    return rc;
}
