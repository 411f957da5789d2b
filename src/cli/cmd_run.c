/* radnet run SRC... [--reports FILE] -w WS [-k N|auto] [-j N] [--seed S]
 *            [--out LABELS] [--wait S] [--quiet] */
#include "cli/cli.h"
#include "radnet/cluster.h"
#include "radnet/run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet run SRC... -w WS [--reports FILE] [-k N|auto] [-j N]\n"
            "                  [--view auto|modality|region] [--seed S]\n"
            "                  [--out LABELS.csv] [--wait S] [--quiet]\n"
            "\n"
            "The whole pipeline: ingest SRC (folders or files) into WS, embed every\n"
            "image (the extractors 'radnet study' chose, else each source's default,\n"
            "see 'radnet embed --help'), fuse, cluster with k-means (k = 50 as in the\n"
            "paper; 'auto' sweeps k and takes the elbow; see --view), evaluate\n"
            "against the archive's own Modality and region, write the HTML report\n"
            "(WS/report/index.html) and export the labels. An image is flagged as an\n"
            "outlier when it is far from its cluster's centre or its pixels are unlike\n"
            "every other image's. Every step is checkpointed in WS: a rerun skips what\n"
            "is done, a killed run resumes, a changed option redoes only the steps\n"
            "that depend on it.\n"
            "\n"
            "  -w, --workspace WS  workspace folder (created when missing)\n"
            "  --reports FILE      report texts (CSV or JSONL, see radnet ingest)\n"
            "  -k N|auto           number of clusters (default 50)\n"
            "  --view V            what the clusters follow first (default auto):\n"
            "                      modality: each modality clustered alone, k split by\n"
            "                      the (Modality, region) pairs it shows; region: each\n"
            "                      region alone, k split by its pairs; auto: region\n"
            "                      when k is above the archive's number of modalities\n"
            "                      and below 1.5 times its number of regions, else\n"
            "                      modality. A row's region: the one its tags' anatomy\n"
            "                      words name, else (modality view) its report's, else\n"
            "                      its header's; in the region view a row without one\n"
            "                      joins the region of the nearest of its modality's.\n"
            "  -j, --threads N     worker threads (default: one per CPU)\n"
            "  --seed S            k-means seed (default 42)\n"
            "  --out FILE          labels file (default WS/labels.csv); pseudonymised,\n"
            "                      see radnet export for identifying columns\n"
            "  --wait SECONDS      wait for another writer of WS (default: refuse)\n");
}

typedef struct RunUi {
    CliProgress *bar;
    RnRunStep step;
    char what[64];
} RunUi;

static void on_progress(void *user, RnRunStep step, const char *what, uint64_t done,
                        uint64_t total)
{
    RunUi *ui = user;
    if (ui->step != step || strcmp(ui->what, what) != 0) {
        cli_progress_finish(ui->bar);
        ui->step = step;
        snprintf(ui->what, sizeof ui->what, "%s", what);
        static char label[96];
        snprintf(label, sizeof label, "%s: %s", rn_run_step_name(step), what);
        ui->bar = NULL;
        if (total == 0) {   /* no count to show: one line */
            if (!cli_quiet)
                fprintf(stderr, "%s\n", label);
            return;
        }
        ui->bar = cli_progress_start(label, total);
    }
    cli_progress_update(ui->bar, done);
}

static int by_size(const void *a, const void *b, void *ctx)
{
    const RnRunResults *r = ctx;
    RnRunCluster x, y;
    rn_run_results_cluster(r, *(const size_t *)a, &x);
    rn_run_results_cluster(r, *(const size_t *)b, &y);
    return x.size < y.size ? 1 : x.size > y.size ? -1 : 0;
}

/* The clusters, largest first, in at most 80 columns. */
static void print_clusters(const RnRunResults *r)
{
    size_t k = rn_run_results_k(r), shown = k < 12 ? k : 12;
    size_t *order = malloc(k * sizeof *order);
    if (!order)
        return;
    for (size_t c = 0; c < k; c++)
        order[c] = c;
    qsort_r(order, k, sizeof *order, by_size, (void *)r);
    printf("\nClusters, largest first (dominant Modality and region, with share):\n");
    printf("  %-7s %6s  %-24s %s\n", "cluster", "images", "Modality", "region");
    for (size_t i = 0; i < shown; i++) {
        RnRunCluster c;
        rn_run_results_cluster(r, order[i], &c);
        char mod[32], reg[32];
        snprintf(mod, sizeof mod, "%.12s %3.0f%%", *c.modality ? c.modality : "(none)",
                 100 * c.modality_share);
        snprintf(reg, sizeof reg, "%.14s %3.0f%%", *c.region ? c.region : "(unknown)",
                 100 * c.region_share);
        printf("  %-7zu %6llu  %-24s %s%s%.20s\n", order[i], (unsigned long long)c.size,
               mod, reg, c.name ? "  " : "", c.name ? c.name : "");
    }
    if (k > shown)
        printf("  ... %zu smaller clusters: see run/clusters.csv\n", k - shown);
    free(order);
}

static void print_summary(const char *ws, const char *labels, const RnRunSummary *s)
{
    printf("\nradnet run: %llu images in %zu clusters, by %s first.\n",
           (unsigned long long)s->images, s->k,
           s->view == RN_RUN_VIEW_REGION ? "region" : "modality");
    /* "inputs", not "fused": a weight-0 input is read by the imputation only */
    printf("Inputs:");
    size_t col = strlen("Inputs:");
    for (size_t i = 0; i < s->n_inputs; i++) {
        size_t len = strlen(s->inputs[i]) + 2; /* ", " or " " before it, "," after */
        if (i > 0 && col + len > 79) { /* the summary keeps to 80 columns */
            printf(",\n ");
            col = 1;
        } else {
            printf("%s ", i ? "," : "");
            col += 1 + (i > 0);
        }
        printf("%s", s->inputs[i]);
        col += strlen(s->inputs[i]);
    }
    printf("\nSteps redone:");
    bool any = false;
    for (int i = 0; i < RN_STEP_COUNT - 1; i++)
        if (!s->step_skipped[i])
            printf(" %s", rn_run_step_name((RnRunStep)i)), any = true;
    printf("%s\n", any ? "" : " none (everything was up to date)");
    printf("\nAgreement with the archive's own labels (NMI: 0 none, 1 identical):\n");
    printf("  %-22s Modality %.3f   region %.3f   silhouette %.3f\n", "fused embedding",
           s->nmi_modality, s->nmi_region, s->silhouette);
    if (s->baseline[0])
        printf("  %-22s Modality %.3f   region %.3f   (baseline)\n",
               s->baseline, s->baseline_nmi_modality, s->baseline_nmi_region);
    printf("Outliers: %llu images far from their cluster's centre or unlike the rest.\n",
           (unsigned long long)s->outliers);
    RnError *err = NULL;
    RnStore *st = rn_store_open(ws, RN_STORE_READ, &err);
    RnRunResults *r = st ? rn_run_results_open(st, &err) : NULL;
    if (r)
        print_clusters(r);
    else
        rn_error_free(err);
    rn_run_results_close(r);
    rn_store_close(st);
    printf("\nWritten:\n");
    printf("  report       %s/report/index.html (open in a browser)\n", ws);
    printf("  labels       %s\n", labels);
    printf("  per image    %s/%s\n", ws, RN_RUN_LABELS);
    printf("  per cluster  %s/%s\n", ws, RN_RUN_CLUSTERS);
    printf("  metrics      %s/%s\n", ws, RN_RUN_EVALUATION);
    if (s->k_auto)
        printf("  choice of k  %s/%s\n", ws, RN_RUN_CHOOSE_K);
    printf("  models       %s/models/\n", ws);
}

typedef struct RunArgs {
    const char *ws;
    const char **sources;
    RnRunOptions o;
} RunArgs;

static int parse(RunArgs *a, int argc, char **argv)
{
    uint64_t v;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0)
            continue;
        if (arg[0] != '-') {
            a->sources[a->o.n_sources++] = arg;
            continue;
        }
        if (strncmp(arg, "-j", 2) == 0 && arg[2]) { /* -jN */
            if (!cli_parse_u64(arg + 2, 1, 1024, &v)) {
                cli_error(arg, "bad thread count");
                return RN_EXIT_USAGE;
            }
            a->o.threads = (int)v;
            continue;
        }
        if (!val) {
            cli_error(arg, "needs a value");
            return RN_EXIT_USAGE;
        }
        i++;
        if (strcmp(arg, "-w") == 0 || strcmp(arg, "--workspace") == 0)
            a->ws = val;
        else if (strcmp(arg, "--reports") == 0)
            a->o.reports_path = val;
        else if (strcmp(arg, "--out") == 0)
            a->o.labels_path = val;
        else if ((strcmp(arg, "-k") == 0 || strcmp(arg, "--k") == 0) && strcmp(val, "auto") == 0)
            a->o.k = 0;
        else if ((strcmp(arg, "-k") == 0 || strcmp(arg, "--k") == 0) &&
                 cli_parse_u64(val, 2, RN_CLUSTER_MAX_K, &v))
            a->o.k = v;
        else if ((strcmp(arg, "-j") == 0 || strcmp(arg, "--threads") == 0) &&
                 cli_parse_u64(val, 1, 1024, &v))
            a->o.threads = (int)v;
        else if (strcmp(arg, "--view") == 0 && rn_run_view_parse(val, &a->o.view))
            ;
        else if (strcmp(arg, "--seed") == 0 && cli_parse_u64(val, 0, UINT64_MAX, &v))
            a->o.seed = v;
        else if (strcmp(arg, "--wait") == 0 && cli_parse_u64(val, 0, 86400, &v))
            a->o.lock_wait = (double)v;
        else {
            cli_error(arg, "unknown option or bad value '%s'", val);
            return RN_EXIT_USAGE;
        }
    }
    if (!a->ws) {
        cli_error("run", "needs -w WS");
        return RN_EXIT_USAGE;
    }
    return RN_EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        run_usage(stdout);
        return RN_EXIT_OK;
    }
    RunArgs a = {0};
    rn_run_options_init(&a.o);
    a.sources = calloc((size_t)argc + 1, sizeof *a.sources);
    if (!a.sources)
        return RN_EXIT_INTERNAL;
    int rc = parse(&a, argc, argv);
    if (rc != RN_EXIT_OK) {
        run_usage(stderr);
        free(a.sources);
        return rc;
    }
    RunUi ui = {0};
    a.o.sources = a.sources;
    a.o.command = "radnet run";
    a.o.progress = on_progress;
    a.o.progress_user = &ui;
    a.o.dist = cli_dist(); /* under mpirun: every rank runs, rank 0 writes and prints */
    RnRunSummary s;
    RnError *err = NULL;
    bool ok = rn_run(a.ws, &a.o, &s, &err);
    cli_progress_finish(ui.bar);
    free(a.sources);
    if (!ok && s.rank0_failed) { /* rank 0 says why and ends the job */
        rn_error_free(err);
        return RN_EXIT_OK;
    }
    if (!ok)
        return cli_fail(a.ws, err);
    char labels[4096];
    snprintf(labels, sizeof labels, "%s", a.o.labels_path ? a.o.labels_path : "");
    if (!a.o.labels_path)
        snprintf(labels, sizeof labels, "%s/labels.csv", a.ws);
    if (!cli_quiet)
        print_summary(a.ws, labels, &s);
    return RN_EXIT_OK;
}
