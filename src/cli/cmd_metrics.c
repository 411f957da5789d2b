/* radnet metrics: clustering scores of predicted labels against true labels
 * (and, given the data matrix, silhouette / Davies–Bouldin / Calinski–
 * Harabasz of the predicted labels), as scikit-learn defines them. The
 * scores are the eval stage's RnEvalReport; this file reads the files. */
#include "cli/cli.h"
#include "radnet/eval.h"

#include <stddef.h>
#include <stdint.h>
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
    CliList stability_list;
    size_t n_stability;
    RnEvalReportOptions report;
    uint64_t threads;
    bool json;
} Options;

/* What the files hold, aligned to the rows of the predicted-label file. */
typedef struct Inputs {
    RnLabelFile pred_file, true_file, other_files[MAX_STABILITY];
    RnEvalLabels pred, truth, others[MAX_STABILITY];
    RnArray array;
    RnMatrix data;
} Inputs;

static bool parse_metric(const char *value, void *dest)
{
    return rn_distance_parse(value, dest);
}

#define AT(field) offsetof(Options, field)

static const CliOption metrics_options[] = {
    {"--pred", 0, CLI_STRING, AT(pred_path), "P.csv", "the predicted labels", 0, 0, NULL},
    {"--true", 0, CLI_STRING, AT(true_path), "T.csv", "the true labels", 0, 0, NULL},
    {"--data", 0, CLI_STRING, AT(data_path), "X.npy", "the data, rows in the order of P.csv",
     0, 0, NULL},
    {"--metric", 0, CLI_CUSTOM, AT(report.distance), "M",
     "euclidean, manhattan or cosine (default euclidean)", 0, 0, parse_metric},
    {"--sample", 0, CLI_SIZE, AT(report.silhouette_sample), "N",
     "silhouette on samples of N rows, with a 95% interval", 1, SIZE_MAX, NULL},
    {"--repeats", 0, CLI_SIZE, AT(report.silhouette_repeats), "R",
     "samples drawn for the silhouette (default 5)", 1, SIZE_MAX, NULL},
    {"--seed", 0, CLI_U64, AT(report.seed), "S", "seed of the samples (default 1)", 0, 0x1p64,
     NULL},
    {"--threads", 0, CLI_U64, AT(threads), "N", "threads (default: one per core)", 1, 0x1p64,
     NULL},
    {"--true-column", 0, CLI_STRING, AT(true_column), "NAME",
     "the column of T.csv that holds the labels", 0, 0, NULL},
    {"--pred-column", 0, CLI_STRING, AT(pred_column), "NAME",
     "the column of P.csv (and the --stability files)", 0, 0, NULL},
    {"--stability", 0, CLI_REPEAT, AT(stability_list), "P2.csv",
     "another labeling of the same items (repeatable)", 0, 0, NULL},
    {"--json", 0, CLI_FLAG, AT(json), NULL, "JSON instead of text", 0, 0, NULL},
};

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
        "seed); seed_stability is the mean pairwise ARI over P.csv and those.\n"
        "\n");
    cli_options_help(out, metrics_options, CLI_COUNT(metrics_options));
}

/* Returns -1 to go on, else an exit code. */
static int parse_options(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof *o);
    rn_eval_report_options_default(&o->report);
    o->stability_list = (CliList){o->stability, MAX_STABILITY, 0, NULL};
    int rc = cli_options_parse(metrics_options, CLI_COUNT(metrics_options), o, argc, argv,
                               NULL, NULL);
    if (rc >= 0)
        return rc;
    o->n_stability = o->stability_list.n;
    if (o->threads > RN_POOL_MAX_THREADS)
        o->threads = RN_POOL_MAX_THREADS;
    if (o->pred_path == NULL ||
        (o->true_path == NULL && o->data_path == NULL && o->n_stability == 0)) {
        cli_error("metrics", "needs --pred and at least one of --true, --data, --stability");
        usage(stderr);
        return RN_EXIT_USAGE;
    }
    return -1;
}

/* Reads `path` and encodes it aligned to the predicted labels (by id, or
 * by row when either file has none). */
static int load_aligned(const char *path, const char *column, const Inputs *in,
                        const char *pred_path, RnLabelFile *file, RnEvalLabels *out)
{
    RnError *err = NULL;
    size_t n = in->pred_file.n;
    if (!rn_label_file_read(path, column, file, &err))
        return cli_fail(path, err);
    size_t *row = rn_calloc(n, sizeof *row, &err);
    if (row == NULL)
        return cli_fail("metrics", err);
    if (!rn_label_files_join(file, path, &in->pred_file, pred_path, row, &err)) {
        /* the message starts with the name of the file at fault */
        fprintf(stderr, "radnet: %s\n", rn_error_message(err));
        rn_error_free(err);
        free(row);
        return RN_EXIT_INPUT;
    }
    bool ok = rn_eval_labels_encode(file->labels, row, n, out, &err);
    free(row);
    return ok ? -1 : cli_fail(path, err);
}

static int load_inputs(const Options *o, Inputs *in)
{
    RnError *err = NULL;
    if (!rn_label_file_read(o->pred_path, o->pred_column, &in->pred_file, &err) ||
        !rn_eval_labels_encode(in->pred_file.labels, NULL, in->pred_file.n, &in->pred, &err))
        return cli_fail(o->pred_path, err);
    if (in->pred_file.n == 0) {
        cli_error(o->pred_path, "no labels");
        return RN_EXIT_INPUT;
    }
    int rc = -1;
    if (o->true_path)
        rc = load_aligned(o->true_path, o->true_column, in, o->pred_path, &in->true_file,
                          &in->truth);
    for (size_t i = 0; rc < 0 && i < o->n_stability; i++)
        rc = load_aligned(o->stability[i], o->pred_column, in, o->pred_path,
                          &in->other_files[i], &in->others[i]);
    if (rc < 0 && o->data_path &&
        (!rn_npy_read(o->data_path, &in->array, &err) ||
         !rn_matrix_from_array(&in->array, &in->data, &err)))
        return cli_fail(o->data_path, err);
    return rc;
}

static void inputs_free(Inputs *in)
{
    rn_label_file_free(&in->pred_file);
    rn_label_file_free(&in->true_file);
    rn_eval_labels_free(&in->pred);
    rn_eval_labels_free(&in->truth);
    for (size_t i = 0; i < MAX_STABILITY; i++) {
        rn_label_file_free(&in->other_files[i]);
        rn_eval_labels_free(&in->others[i]);
    }
    rn_array_free(&in->array);
}

static bool render(const Options *o, const RnEvalReport *r, RnBuf *out, RnError **err)
{
    if (!o->json)
        return rn_eval_report_text(r, TEXT_TABLE_MAX_ROWS, TEXT_TABLE_MAX_COLS, out, err);
    RnJsonWriter *w = rn_json_open(out, 0, err);
    bool ok = w && rn_eval_report_json(r, DENSE_JSON_CELLS, w) && rn_json_finish(w, err) &&
              rn_buf_append_str(out, "\n", err);
    if (w && !ok)
        rn_json_finish(w, err);
    rn_json_close(w);
    return ok;
}

static int report(const Options *o, const Inputs *in)
{
    RnError *err = NULL;
    RnEvalReportOptions ro = o->report;
    CliLazyProgress bar = {"silhouette", NULL};
    ro.progress = cli_progress_report;
    ro.progress_ctx = &bar;
    ro.pool = o->data_path ? rn_pool_open((int)o->threads, &err) : NULL;
    if (o->data_path && ro.pool == NULL)
        return cli_fail("metrics", err);
    const RnEvalLabels *others[MAX_STABILITY];
    for (size_t i = 0; i < o->n_stability; i++)
        others[i] = &in->others[i];
    RnEvalReport r;
    bool ok = rn_eval_report_compute(&in->pred, o->true_path ? &in->truth : NULL,
                                     o->data_path ? &in->data : NULL, others,
                                     o->n_stability, &ro, &r, &err);
    cli_progress_finish(bar.bar);
    rn_pool_close(ro.pool);
    if (!ok)
        return cli_fail(o->data_path ? o->data_path : "metrics", err);
    if (r.have_data && !r.data_defined)
        cli_error(o->pred_path, "silhouette, Davies-Bouldin and Calinski-Harabasz need "
                  "2 to n-1 clusters (%zu clusters, %zu items)", r.n_clusters, r.n_samples);
    RnBuf out = RN_BUF_INIT;
    ok = render(o, &r, &out, &err);
    rn_eval_report_free(&r);
    int rc = ok ? RN_EXIT_OK : cli_fail("metrics", err);
    if (ok && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0)) {
        cli_error("stdout", "write failed");
        rc = RN_EXIT_INTERNAL;
    }
    rn_buf_free(&out);
    return rc;
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
    Inputs in;
    memset(&in, 0, sizeof in);
    rc = load_inputs(&o, &in);
    if (rc < 0)
        rc = report(&o, &in);
    inputs_free(&in);
    return rc;
}
