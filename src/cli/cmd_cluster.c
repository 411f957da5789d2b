/* radnet cluster: k-means / k-medoids on a .npy matrix, or a sweep over k
 * (--k A:B:S) reporting silhouette, Davies-Bouldin, Calinski-Harabasz and
 * the inertia elbow. Labels go to --out (CSV `id,label`, id = row index). */
#include "cli/cli.h"
#include "radnet/cluster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

typedef struct Options {
    const char *input, *out, *init_path, *centers_out, *predict_path;
    size_t k_min, k_max, k_step;
    bool sweep, json, have_k;
    RnClusterAlgo algo;
    const char *method, *init_method;
    RnDistance metric;
    uint64_t seed;
    int n_init, max_iter, threads;
    RnPool *pool;
    double tol;
    size_t batch, max_exact, sample_size, n_samples, sil_sample;
    int dtype;                  /* 0: as stored, else RN_DTYPE_F32/F64 */
} Options;

static void usage(FILE *out)
{
    fprintf(out,
        "usage: radnet cluster --input X.npy --k K|A:B[:S] [--algo kmeans|kmedoids]\n"
        "                      [--metric euclidean|manhattan|cosine] [--seed S]\n"
        "                      [--out labels.csv] [--json] [--centers-out C.npy]\n"
        "  k-means:   [--method elkan|lloyd|hamerly|naive] [--init-method k-means++|random]\n"
        "             [--init C.npy] [--n-init N] [--max-iter N] [--tol T]\n"
        "             [--batch B (mini-batch k-means)]\n"
        "  k-medoids: [--method alternate|fasterpam|pam]\n"
        "             [--init-method k-medoids++|build|random] [--max-iter N]\n"
        "             [--max-exact N] [--sample-size N] [--samples N] (CLARA)\n"
        "  predict:   --predict C.npy: label rows by the nearest of the centres\n"
        "             in C.npy (squared Euclidean for k-means, --metric for\n"
        "             k-medoids), e.g. a test split with a train split's centres\n"
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

static bool parse_size(const char *s, size_t *out)
{
    uint64_t v;
    if (!cli_parse_u64(s, 0, SIZE_MAX, &v))
        return false;
    *out = (size_t)v;
    return true;
}

static bool parse_int(const char *s, int *out)
{
    size_t v;
    if (!parse_size(s, &v) || v > 1000000000u)
        return false;
    *out = (int)v;
    return true;
}

/* "K", "A:B" or "A:B:S". */
static bool parse_k(const char *s, Options *o)
{
    char buf[64];
    if (strlen(s) >= sizeof buf)
        return false;
    strcpy(buf, s);
    char *parts[3] = {buf, NULL, NULL};
    int np = 1;
    for (char *p = buf; *p; p++)
        if (*p == ':') {
            if (np == 3)
                return false;
            *p = '\0';
            parts[np++] = p + 1;
        }
    if (!parse_size(parts[0], &o->k_min) || o->k_min == 0)
        return false;
    o->k_max = o->k_min;
    o->k_step = 1;
    if (np >= 2 && (!parse_size(parts[1], &o->k_max) || o->k_max < o->k_min))
        return false;
    if (np == 3 && (!parse_size(parts[2], &o->k_step) || o->k_step == 0))
        return false;
    o->sweep = np > 1;
    return true;
}

static int bad_value(const char *flag, const char *v)
{
    cli_error(flag, "bad value '%s'", v ? v : "");
    return RN_EXIT_USAGE;
}

/* Flags that take a value; returns -1 to go on, else an exit code. */
static int parse_value(Options *o, const char *a, const char *v)
{
    bool ok = true;
    if (strcmp(a, "--input") == 0 || strcmp(a, "-i") == 0) o->input = v;
    else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) o->out = v;
    else if (strcmp(a, "--init") == 0) o->init_path = v;
    else if (strcmp(a, "--centers-out") == 0) o->centers_out = v;
    else if (strcmp(a, "--predict") == 0) o->predict_path = v;
    else if (strcmp(a, "--method") == 0) o->method = v;
    else if (strcmp(a, "--init-method") == 0) o->init_method = v;
    else if (strcmp(a, "--k") == 0 || strcmp(a, "-k") == 0) ok = o->have_k = parse_k(v, o);
    else if (strcmp(a, "--algo") == 0) {
        ok = strcmp(v, "kmeans") == 0 || strcmp(v, "kmedoids") == 0;
        o->algo = strcmp(v, "kmedoids") == 0 ? RN_ALGO_KMEDOIDS : RN_ALGO_KMEANS;
    } else if (strcmp(a, "--metric") == 0) ok = rn_distance_parse(v, &o->metric);
    else if (strcmp(a, "--seed") == 0) {
        uint64_t s;
        ok = cli_parse_u64(v, 0, UINT64_MAX, &s);
        o->seed = s;
    } else if (strcmp(a, "--n-init") == 0) ok = parse_int(v, &o->n_init) && o->n_init > 0;
    else if (strcmp(a, "--max-iter") == 0) ok = parse_int(v, &o->max_iter) && o->max_iter > 0;
    else if (strcmp(a, "--threads") == 0) ok = parse_int(v, &o->threads);
    else if (strcmp(a, "--tol") == 0) {
        char *end;
        o->tol = strtod(v, &end);
        ok = *end == '\0' && o->tol >= 0;
    } else if (strcmp(a, "--batch") == 0) ok = parse_size(v, &o->batch) && o->batch > 0;
    else if (strcmp(a, "--max-exact") == 0) ok = parse_size(v, &o->max_exact);
    else if (strcmp(a, "--sample-size") == 0) ok = parse_size(v, &o->sample_size);
    else if (strcmp(a, "--samples") == 0) ok = parse_size(v, &o->n_samples) && o->n_samples > 0;
    else if (strcmp(a, "--silhouette-sample") == 0) ok = parse_size(v, &o->sil_sample);
    else if (strcmp(a, "--dtype") == 0) {
        ok = strcmp(v, "float32") == 0 || strcmp(v, "float64") == 0;
        o->dtype = strcmp(v, "float32") == 0 ? RN_DTYPE_F32 : RN_DTYPE_F64;
    } else {
        cli_error(a, "unknown option");
        return RN_EXIT_USAGE;
    }
    return ok ? -1 : bad_value(a, v);
}

static int parse_options(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->tol = NAN;
    o->metric = (RnDistance)-1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            continue;
        if (i + 1 >= argc) {
            cli_error(a, a[0] == '-' ? "missing value" : "unexpected argument");
            return RN_EXIT_USAGE;
        }
        int rc = parse_value(o, a, argv[++i]);
        if (rc >= 0)
            return rc;
    }
    if (o->input == NULL || (!o->have_k && o->predict_path == NULL)) {
        cli_error("cluster", "--input and --k (or --predict) are required");
        return RN_EXIT_USAGE;
    }
    return -1;
}

/* ---- options into library structs ------------------------------------- */

static int kmeans_options(const Options *o, RnKMeansOptions *ko)
{
    rn_kmeans_options_default(ko);
    ko->k = o->k_min;
    ko->seed = o->seed;
    ko->pool = o->pool;
    if (o->n_init) ko->n_init = o->n_init;
    if (o->max_iter) ko->max_iter = o->max_iter;
    if (!isnan(o->tol)) ko->tol = o->tol;
    if (o->method) {
        if (strcmp(o->method, "elkan") == 0) ko->algorithm = RN_KMEANS_ELKAN;
        else if (strcmp(o->method, "lloyd") == 0) ko->algorithm = RN_KMEANS_LLOYD;
        else if (strcmp(o->method, "naive") == 0) ko->algorithm = RN_KMEANS_NAIVE;
        else if (strcmp(o->method, "hamerly") == 0) ko->algorithm = RN_KMEANS_HAMERLY;
        else return bad_value("--method", o->method);
    }
    if (o->init_method) {
        if (strcmp(o->init_method, "k-means++") == 0) ko->init = RN_KMEANS_INIT_PLUSPLUS;
        else if (strcmp(o->init_method, "random") == 0) ko->init = RN_KMEANS_INIT_RANDOM;
        else return bad_value("--init-method", o->init_method);
    }
    if ((int)o->metric != -1 && o->metric != RN_DISTANCE_EUCLIDEAN) {
        cli_error("--metric", "k-means is Euclidean; use --algo kmedoids");
        return RN_EXIT_USAGE;
    }
    return -1;
}

static int kmedoids_options(const Options *o, RnKMedoidsOptions *mo)
{
    rn_kmedoids_options_default(mo);
    mo->k = o->k_min;
    mo->seed = o->seed;
    mo->pool = o->pool;
    if ((int)o->metric != -1) mo->metric = o->metric;
    if (o->max_iter) mo->max_iter = o->max_iter;
    if (o->max_exact) mo->max_exact_n = o->max_exact;
    if (o->sample_size) mo->sample_size = o->sample_size;
    if (o->n_samples) mo->n_samples = (int)o->n_samples;
    if (o->method) {
        if (strcmp(o->method, "alternate") == 0) mo->method = RN_KMEDOIDS_ALTERNATE;
        else if (strcmp(o->method, "fasterpam") == 0) mo->method = RN_KMEDOIDS_FASTERPAM;
        else if (strcmp(o->method, "pam") == 0) mo->method = RN_KMEDOIDS_PAM;
        else return bad_value("--method", o->method);
    }
    if (o->init_method) {
        if (strcmp(o->init_method, "k-medoids++") == 0) mo->init = RN_KMEDOIDS_INIT_PLUSPLUS;
        else if (strcmp(o->init_method, "build") == 0) mo->init = RN_KMEDOIDS_INIT_BUILD;
        else if (strcmp(o->init_method, "random") == 0) mo->init = RN_KMEDOIDS_INIT_RANDOM;
        else return bad_value("--init-method", o->init_method);
    }
    return -1;
}

/* ---- input ------------------------------------------------------------- */

/* Loads X as float32 or float64 (stored type unless --dtype says); N-D
 * arrays are rows with their trailing dimensions flattened. */
static int load_matrix(const Options *o, RnArray *a, RnMatrix *X)
{
    RnError *err = NULL;
    if (!rn_npy_read(o->input, a, &err))
        return cli_fail(o->input, err);
    int want = o->dtype ? o->dtype
                        : (a->dtype == RN_DTYPE_F32 ? RN_DTYPE_F32 : RN_DTYPE_F64);
    if (!rn_array_as_matrix(a, (RnDType)want, &err))
        return cli_fail(o->input, err);
    *X = (RnMatrix){a->data, a->shape[0], a->shape[1], a->shape[1], a->dtype};
    return -1;
}

/* NaN or infinity would poison every centre: refuse the file. */
static int check_finite(const char *path, const RnMatrix *X)
{
    for (size_t i = 0; i < X->rows * X->cols; i++) {
        double v = X->dtype == RN_DTYPE_F32 ? (double)((const float *)X->data)[i]
                                            : ((const double *)X->data)[i];
        if (!isfinite(v)) {
            cli_error(path, "non-finite value at row %zu", i / X->cols);
            return RN_EXIT_INPUT;
        }
    }
    return -1;
}

/* Given initial centres (--init), converted to the data's dtype. */
static int load_init(const Options *o, const RnMatrix *X, RnArray *c)
{
    RnError *err = NULL;
    size_t n, d;
    bool ok = X->dtype == RN_DTYPE_F32
                  ? rn_npy_read_matrix_f32(o->init_path, (float **)&c->data, &n, &d, &err)
                  : rn_npy_read_matrix_f64(o->init_path, (double **)&c->data, &n, &d, &err);
    if (!ok)
        return cli_fail(o->init_path, err);
    if (n != o->k_min || d != X->cols) {
        cli_error(o->init_path, "init centres are %zux%zu, need %zux%zu", n, d,
                  o->k_min, X->cols);
        return RN_EXIT_INPUT;
    }
    return -1;
}

/* ---- output ------------------------------------------------------------ */

static int write_labels(const char *path, const int32_t *labels, size_t n)
{
    RnBuf b = RN_BUF_INIT;
    RnError *err = NULL;
    bool ok = rn_buf_append_str(&b, "id,label\n", &err);
    for (size_t i = 0; ok && i < n; i++)
        ok = rn_buf_printf(&b, &err, "%zu,%d\n", i, labels[i]);
    if (ok && path)
        ok = rn_file_write_atomic(path, b.data, b.len, &err);
    else if (ok && fwrite(b.data, 1, b.len, stdout) != b.len) {
        rn_error_set(&err, RN_ERROR_IO, "cannot write stdout");
        ok = false;
    }
    rn_buf_free(&b);
    return ok ? -1 : cli_fail(path ? path : "stdout", err);
}

static int write_centers(const char *path, RnDType dt, const void *c, size_t k,
                         size_t d)
{
    RnArray a = {dt, 2, {k, d, 0, 0}, (void *)c};
    RnError *err = NULL;
    return rn_npy_write(path, &a, &err) ? -1 : cli_fail(path, err);
}

static void json_number(double v)
{
    if (isfinite(v))
        printf("%.17g", v);
    else
        printf("null");
}

typedef struct Summary {
    const char *algo, *method;
    size_t n, d, k;
    double objective;
    double seconds;           /* wall time of the fit alone */
    int n_iter;
    bool converged, sampled;
    const size_t *medoids;
} Summary;

static void print_summary(const Options *o, const Summary *s)
{
    if (o->json) {
        printf("{\"algo\": \"%s\", \"method\": \"%s\", \"n\": %zu, \"d\": %zu, "
               "\"k\": %zu, \"seed\": %llu, \"%s\": ", s->algo, s->method, s->n,
               s->d, s->k, (unsigned long long)o->seed,
               strcmp(s->algo, "kmedoids") == 0 ? "cost" : "inertia");
        json_number(s->objective);
        printf(", \"n_iter\": %d, \"converged\": %s, \"fit_seconds\": %.6f",
               s->n_iter, s->converged ? "true" : "false", s->seconds);
        if (s->medoids) {
            printf(", \"sampled\": %s, \"medoids\": [", s->sampled ? "true" : "false");
            for (size_t c = 0; c < s->k; c++)
                printf("%s%zu", c ? ", " : "", s->medoids[c]);
            printf("]");
        }
        printf("}\n");
    } else if (!cli_quiet) {
        fprintf(stderr, "%s (%s): n=%zu d=%zu k=%zu %s=%.10g iterations=%d%s\n",
                s->algo, s->method, s->n, s->d, s->k,
                strcmp(s->algo, "kmedoids") == 0 ? "cost" : "inertia", s->objective, s->n_iter,
                s->converged ? "" : " (not converged)");
    }
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static const char *kmeans_method_name(const Options *o, RnKMeansAlgorithm a)
{
    if (o->batch)
        return "minibatch";
    return a == RN_KMEANS_ELKAN ? "elkan" : a == RN_KMEANS_LLOYD ? "lloyd"
           : a == RN_KMEANS_HAMERLY ? "hamerly" : "naive";
}

static int finish_labels(const Options *o, const int32_t *labels, size_t n)
{
    if (o->out || !o->json)
        return write_labels(o->out, labels, n);
    return -1;
}

static int run_kmeans(const Options *o, const RnMatrix *X)
{
    RnKMeansOptions ko;
    int rc = kmeans_options(o, &ko);
    if (rc >= 0)
        return rc;
    RnArray init = {0};
    if (o->init_path) {
        if ((rc = load_init(o, X, &init)) >= 0)
            return rc;
        ko.init = RN_KMEANS_INIT_GIVEN;
        ko.init_centers = init.data;
    }
    RnKMeansResult r;
    RnError *err = NULL;
    bool ok;
    double t0 = now_seconds();
    if (o->batch) {
        RnMiniBatchOptions mb;
        rn_minibatch_options_default(&mb);
        mb.k = ko.k;
        mb.batch_size = o->batch;
        mb.seed = o->seed;
        mb.pool = o->pool;
        mb.init_centers = ko.init_centers;
        if (o->max_iter) mb.max_epochs = o->max_iter;
        if (!isnan(o->tol)) mb.tol = o->tol;
        ok = rn_kmeans_minibatch_fit(X, &mb, &r, &err);
    } else {
        ok = rn_kmeans_fit(X, &ko, &r, &err);
    }
    rn_array_free(&init);
    if (!ok)
        return cli_fail(o->input, err);
    Summary s = {"kmeans", kmeans_method_name(o, ko.algorithm), X->rows, X->cols, ko.k,
                 r.inertia, now_seconds() - t0, r.n_iter, r.converged, false, NULL};
    rc = finish_labels(o, r.labels, X->rows);
    if (rc < 0 && o->centers_out)
        rc = write_centers(o->centers_out, X->dtype, r.centers, r.k, r.d);
    if (rc < 0)
        print_summary(o, &s);
    rn_kmeans_result_free(&r);
    return rc < 0 ? RN_EXIT_OK : rc;
}

static const char *kmedoids_method_name(RnKMedoidsMethod m)
{
    return m == RN_KMEDOIDS_ALTERNATE ? "alternate"
           : m == RN_KMEDOIDS_FASTERPAM ? "fasterpam" : "pam";
}

static int run_kmedoids(const Options *o, const RnMatrix *X)
{
    RnKMedoidsOptions mo;
    int rc = kmedoids_options(o, &mo);
    if (rc >= 0)
        return rc;
    if (o->init_path) {
        cli_error("--init", "k-medoids takes --init-method, not centres");
        return RN_EXIT_USAGE;
    }
    RnKMedoidsResult r;
    RnError *err = NULL;
    double t0 = now_seconds();
    if (!rn_kmedoids_fit(X, &mo, &r, &err))
        return cli_fail(o->input, err);
    Summary s = {"kmedoids", kmedoids_method_name(mo.method), X->rows, X->cols, mo.k,
                 r.cost, now_seconds() - t0, r.n_iter, r.converged, r.sampled,
                 r.medoids};
    rc = finish_labels(o, r.labels, X->rows);
    if (rc < 0 && o->centers_out)
        rc = write_centers(o->centers_out, X->dtype, r.centers, r.k, r.d);
    if (rc < 0)
        print_summary(o, &s);
    rn_kmedoids_result_free(&r);
    return rc < 0 ? RN_EXIT_OK : rc;
}

/* Labels of X by given centres: the fit-on-train, predict-test protocol. */
static int run_predict(const Options *o, const RnMatrix *X)
{
    RnArray c = {0};
    RnError *err = NULL;
    size_t k, d;
    bool ok = X->dtype == RN_DTYPE_F32
                  ? rn_npy_read_matrix_f32(o->predict_path, (float **)&c.data, &k, &d, &err)
                  : rn_npy_read_matrix_f64(o->predict_path, (double **)&c.data, &k, &d, &err);
    if (!ok)
        return cli_fail(o->predict_path, err);
    if (d != X->cols || k == 0) {
        cli_error(o->predict_path, "centres are %zux%zu, data has %zu columns", k, d,
                  X->cols);
        rn_array_free(&c);
        return RN_EXIT_INPUT;
    }
    int32_t *labels = malloc(X->rows * sizeof *labels);
    double objective = 0;
    if (labels == NULL) {
        rn_array_free(&c);
        cli_error("cluster", "out of memory");
        return RN_EXIT_INTERNAL;
    }
    if (o->algo == RN_ALGO_KMEDOIDS)
        ok = rn_kmedoids_predict(X, c.data, k,
                                 (int)o->metric == -1 ? RN_DISTANCE_MANHATTAN : o->metric,
                                 o->pool, labels, NULL, &objective, &err);
    else
        ok = rn_kmeans_predict(X, c.data, k, o->pool, labels, NULL, &objective,
                               &err);
    int rc = ok ? finish_labels(o, labels, X->rows) : cli_fail(o->input, err);
    if (rc < 0) {
        Summary s = {o->algo == RN_ALGO_KMEDOIDS ? "kmedoids" : "kmeans", "predict",
                     X->rows, X->cols, k, objective, 0, 0, true, false, NULL};
        print_summary(o, &s);
    }
    free(labels);
    rn_array_free(&c);
    return rc < 0 ? RN_EXIT_OK : rc;
}

/* ---- sweep ------------------------------------------------------------- */

static void sweep_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(ctx, done);
}

static void print_sweep(const Options *o, const RnKSweep *s)
{
    const char *obj = o->algo == RN_ALGO_KMEANS ? "inertia" : "cost";
    if (o->json) {
        printf("{\"algo\": \"%s\", \"rows\": [",
               o->algo == RN_ALGO_KMEANS ? "kmeans" : "kmedoids");
        for (size_t i = 0; i < s->n_rows; i++) {
            const RnKSweepRow *r = &s->rows[i];
            printf("%s{\"k\": %zu, \"%s\": ", i ? ", " : "", r->k, obj);
            json_number(r->inertia);
            printf(", \"silhouette\": ");
            json_number(r->silhouette);
            printf(", \"silhouette_ci\": [");
            json_number(r->silhouette_low);
            printf(", ");
            json_number(r->silhouette_high);
            printf("], \"davies_bouldin\": ");
            json_number(r->davies_bouldin);
            printf(", \"calinski_harabasz\": ");
            json_number(r->calinski_harabasz);
            printf("}");
        }
        printf("]");
        const size_t *best[4] = {&s->best_silhouette, &s->best_davies_bouldin,
                                 &s->best_calinski_harabasz, &s->elbow};
        const char *names[4] = {"best_k_silhouette", "best_k_davies_bouldin",
                                "best_k_calinski_harabasz", "elbow_k"};
        for (int b = 0; b < 4; b++) {
            if (*best[b] < s->n_rows)
                printf(", \"%s\": %zu", names[b], s->rows[*best[b]].k);
            else
                printf(", \"%s\": null", names[b]);
        }
        printf("}\n");
        return;
    }
    printf("%6s %16s %12s %21s %14s %18s\n", "k", obj, "silhouette", "95% CI",
           "davies_bouldin", "calinski_harabasz");
    for (size_t i = 0; i < s->n_rows; i++) {
        const RnKSweepRow *r = &s->rows[i];
        printf("%6zu %16.8g %12.6f [%9.6f,%9.6f] %14.6f %18.6g\n", r->k, r->inertia,
               r->silhouette, r->silhouette_low, r->silhouette_high,
               r->davies_bouldin, r->calinski_harabasz);
    }
    if (s->best_silhouette < s->n_rows)
        printf("best k by silhouette: %zu\n", s->rows[s->best_silhouette].k);
    if (s->best_davies_bouldin < s->n_rows)
        printf("best k by Davies-Bouldin: %zu\n", s->rows[s->best_davies_bouldin].k);
    if (s->best_calinski_harabasz < s->n_rows)
        printf("best k by Calinski-Harabasz: %zu\n",
               s->rows[s->best_calinski_harabasz].k);
    if (s->elbow < s->n_rows)
        printf("elbow (kneedle on %s): %zu\n", obj, s->rows[s->elbow].k);
    else
        printf("elbow (kneedle on %s): none\n", obj);
}

static int run_sweep(const Options *o, const RnMatrix *X)
{
    if (o->init_path || o->batch || o->out || o->centers_out) {
        cli_error("--k", "a range of k cannot be combined with --init, --batch, "
                  "--out or --centers-out");
        return RN_EXIT_USAGE;
    }
    RnKSweepOptions so;
    rn_ksweep_options_default(&so);
    so.k_min = o->k_min;
    so.k_max = o->k_max;
    so.k_step = o->k_step;
    so.algo = o->algo;
    int rc = o->algo == RN_ALGO_KMEANS ? kmeans_options(o, &so.kmeans)
                                        : kmedoids_options(o, &so.kmedoids);
    if (rc >= 0)
        return rc;
    so.kmeans.seed = o->seed;
    so.pool = o->pool;
    if (o->sil_sample) {
        so.silhouette_exact_max = o->sil_sample;
        so.silhouette_sample = o->sil_sample;
    }
    size_t total = (o->k_max - o->k_min) / o->k_step + 1;
    CliProgress *p = cli_progress_start("cluster --k", total);
    RnKSweep s;
    RnError *err = NULL;
    bool ok = rn_cluster_sweep_k(X, &so, sweep_progress, p, &s, &err);
    cli_progress_finish(p);
    if (!ok)
        return cli_fail(o->input, err);
    print_sweep(o, &s);
    rn_ksweep_free(&s);
    return RN_EXIT_OK;
}

int cmd_cluster(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return RN_EXIT_OK;
    }
    Options o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0) {
        if (rc == RN_EXIT_USAGE)
            usage(stderr);
        return rc;
    }
    RnArray a = {0};
    RnMatrix X;
    RnNpyMap map = {0};
    /* Mini-batch reads rows straight from a mapping of the file (float data). */
    bool mapped = o.batch && !o.sweep && o.dtype == 0 && rn_npy_map(o.input, &map, NULL) &&
                  (map.dtype == RN_DTYPE_F32 || map.dtype == RN_DTYPE_F64);
    if (mapped)
        X = (RnMatrix){map.data, map.n, map.d, map.d, map.dtype};
    else
        rn_npy_unmap(&map);
    if ((!mapped && (rc = load_matrix(&o, &a, &X)) >= 0) ||
        (rc = check_finite(o.input, &X)) >= 0) {
        rn_array_free(&a);
        rn_npy_unmap(&map);
        return rc;
    }
    RnError *err = NULL;
    o.pool = rn_pool_open(o.threads, &err);
    if (o.pool == NULL)
        rc = cli_fail("cluster", err);
    else if (o.predict_path)
        rc = run_predict(&o, &X);
    else if (o.sweep)
        rc = run_sweep(&o, &X);
    else if (o.algo == RN_ALGO_KMEDOIDS)
        rc = run_kmedoids(&o, &X);
    else
        rc = run_kmeans(&o, &X);
    rn_pool_close(o.pool);
    rn_array_free(&a);
    rn_npy_unmap(&map);
    return rc;
}
