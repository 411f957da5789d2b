/* radnet study -w WS [--truth truth.csv] [--subset N] [--k 10,20,...]
 *              [--seeds N] [--seed S] [--test-fraction F] [--no-kmedoids]
 *              [--no-embed] [--max-cells N] [-j N] [--wait S] */
#include "cli/cli.h"
#include "radnet/study.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct StudyArgs {
    const char *ws;
    size_t k[RN_STUDY_MAX_K];
    CliList k_list;
    RnStudyOptions o;
} StudyArgs;

#define AT(field) offsetof(StudyArgs, field)
_Static_assert(RN_STUDY_DEFAULT_SUBSET == 4000, "the --subset help names the default");

static const CliOption study_options[] = {
    {"--workspace", 'w', CLI_STRING, AT(ws), "WS", "workspace folder", 0, 0, NULL},
    {"--truth", 0, CLI_STRING, AT(o.truth_path), "FILE",
     "truth.csv of a synthetic archive (SOPInstanceUID,\nModality, Region)", 0, 0, NULL},
    {"--subset", 0, CLI_SIZE, AT(o.subset), "N", "rows of the balanced subset (default 4000)", 4,
     100000000, NULL},
    {"--k", 0, CLI_SIZE_LIST, AT(k_list), "K,...", "the k grid (default 10,20,30,50)", 2, 100000,
     NULL},
    {"--seeds", 0, CLI_SIZE, AT(o.n_seeds), "N", "clustering seeds 1..N (default 3)", 1,
     RN_STUDY_MAX_SEEDS, NULL},
    {"--seed", 0, CLI_U64, AT(o.seed), "S", "subset and split seed (default 1)", 0, 0x1p64, NULL},
    {"--test-fraction", 0, CLI_DOUBLE, AT(o.test_fraction), "F",
     "test share of the subset (default 0.2)", 0, 1, NULL},
    {"--no-kmedoids", 0, CLI_FLAG_OFF, AT(o.kmedoids), NULL, "k-means only", 0, 0, NULL},
    {"--no-embed", 0, CLI_FLAG_OFF, AT(o.embed), NULL, "score only the embeddings already in WS", 0,
     0, NULL},
    {"--max-cells", 0, CLI_SIZE, AT(o.max_cells), "N", "stop after N new cells (resume later)", 1,
     1000000000, NULL},
    {"--jobs", 'j', CLI_INT, AT(o.threads), "N", "threads (default: one per core)", 1, 256, NULL},
    {"--wait", 0, CLI_SECONDS, AT(o.lock_wait), "SECONDS",
     "wait for another writer of WS (default: refuse)", 0, 1000000, NULL},
};

static void study_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet study -w WS [--truth truth.csv] [--subset N] [--k K,...]\n"
            "                    [--seeds N] [--seed S] [--test-fraction F]\n"
            "                    [--no-kmedoids] [--no-embed] [--max-cells N] [-j N]\n"
            "                    [--wait S] [--quiet]\n"
            "\n"
            "The paper's extractor-selection study: on a modality-balanced subset split\n"
            "into train and test, every extractor x {k-means, k-medoids} x k x seed is\n"
            "fitted on train and predicted on test, scored against the archive's own\n"
            "Modality and region (and the truth file's, when given). Picks the best\n"
            "extractor per source and the fusion weights, and records them for\n"
            "'radnet fuse' and 'radnet run'. Tables: WS/study/results.{md,csv,json}.\n"
            "Resumable: a killed study restarts where it was.\n"
            "\n");
    cli_options_help(out, study_options, CLI_COUNT(study_options));
}

static int parse_args(int argc, char **argv, StudyArgs *a)
{
    a->k_list = (CliList){a->k, RN_STUDY_MAX_K, 0, NULL};
    int rc = cli_options_parse(study_options, CLI_COUNT(study_options), a, argc, argv, NULL,
                               NULL);
    if (rc >= 0)
        return rc;
    if (!a->ws) {
        cli_error("study", "needs -w WS");
        study_usage(stderr);
        return RN_EXIT_USAGE;
    }
    if (a->k_list.n) {
        a->o.k = a->k;
        a->o.n_k = a->k_list.n;
    }
    return RN_EXIT_OK;
}

int cmd_study(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        study_usage(stdout);
        return RN_EXIT_OK;
    }
    StudyArgs a;
    memset(&a, 0, sizeof a);
    rn_study_options_default(&a.o);
    int rc = parse_args(argc, argv, &a);
    if (rc != RN_EXIT_OK)
        return rc;
    a.o.command = "study";
    CliLazyProgress bar = {"study", NULL};
    if (!cli_quiet) {
        a.o.progress = cli_progress_report;
        a.o.progress_user = &bar;
    }
    RnStudySummary sum;
    RnError *err = NULL;
    bool ok = rn_study_run(a.ws, &a.o, &sum, &err);
    cli_progress_finish(bar.bar);
    if (!ok)
        return cli_fail(a.ws, err);
    if (!sum.finished)
        fprintf(stderr, "study: stopped after %llu of %llu cells; run it again to resume\n",
                (unsigned long long)sum.cells_done, (unsigned long long)sum.cells_total);
    else
        fputs(sum.text, stdout);
    return RN_EXIT_OK;
}
