/* radnet study -w WS [--truth truth.csv] [--subset N] [--k 10,20,...]
 *              [--seeds N] [--seed S] [--test-fraction F] [--no-kmedoids]
 *              [--no-embed] [--max-cells N] [-j N] [--wait S] */
#include "cli/cli.h"
#include "radnet/study.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
            "\n"
            "  -w, --workspace WS  workspace folder\n"
            "  --truth FILE        truth.csv of a synthetic archive (SOPInstanceUID,\n"
            "                      Modality, Region)\n"
            "  --subset N          rows of the balanced subset (default %u)\n"
            "  --k K,...           the k grid (default 10,20,30,50)\n"
            "  --seeds N           clustering seeds 1..N (default 3)\n"
            "  --seed S            subset and split seed (default 1)\n"
            "  --test-fraction F   test share of the subset (default 0.2)\n"
            "  --no-kmedoids       k-means only\n"
            "  --no-embed          score only the embeddings already in WS\n"
            "  --max-cells N       stop after N new cells (resume later)\n"
            "  -j, --jobs N        threads (default: one per core)\n"
            "  --wait SECONDS      wait for another writer of WS (default: refuse)\n",
            RN_STUDY_DEFAULT_SUBSET);
}

typedef struct StudyArgs {
    const char *ws;
    size_t k[RN_STUDY_MAX_K];
    RnStudyOptions o;
} StudyArgs;

static bool parse_k(StudyArgs *a, const char *text)
{
    size_t n = 0;
    const char *p = text;
    while (*p) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || errno || v < 2 || v > 100000 || n == RN_STUDY_MAX_K ||
            (*end != ',' && *end != 0))
            return false;
        a->k[n++] = (size_t)v;
        p = *end ? end + 1 : end;
    }
    a->o.k = a->k;
    a->o.n_k = n;
    return n > 0;
}

static bool parse_valued(StudyArgs *a, const char *opt, const char *val)
{
    uint64_t v;
    if (strcmp(opt, "-w") == 0 || strcmp(opt, "--workspace") == 0)
        a->ws = val;
    else if (strcmp(opt, "--truth") == 0)
        a->o.truth_path = val;
    else if (strcmp(opt, "--k") == 0)
        return parse_k(a, val);
    else if (strcmp(opt, "--subset") == 0 && cli_parse_u64(val, 4, 100000000, &v))
        a->o.subset = (size_t)v;
    else if (strcmp(opt, "--seeds") == 0 && cli_parse_u64(val, 1, RN_STUDY_MAX_SEEDS, &v))
        a->o.n_seeds = (size_t)v;
    else if (strcmp(opt, "--seed") == 0 && cli_parse_u64(val, 0, UINT64_MAX, &v))
        a->o.seed = v;
    else if (strcmp(opt, "--max-cells") == 0 && cli_parse_u64(val, 1, 1000000000, &v))
        a->o.max_cells = (size_t)v;
    else if ((strcmp(opt, "-j") == 0 || strcmp(opt, "--jobs") == 0) &&
             cli_parse_u64(val, 1, 256, &v))
        a->o.threads = (int)v;
    else if (strcmp(opt, "--wait") == 0 && cli_parse_u64(val, 0, 1000000, &v))
        a->o.lock_wait = (double)v;
    else if (strcmp(opt, "--test-fraction") == 0) {
        char *end = NULL;
        double f = strtod(val, &end);
        if (*end || !(f > 0 && f < 1))
            return false;
        a->o.test_fraction = f;
    } else
        return false;
    return true;
}

static int parse_args(int argc, char **argv, StudyArgs *a)
{
    static const char *const valued[] = {"-w", "--workspace", "--truth", "--k", "--subset",
                                         "--seeds", "--seed", "--max-cells", "-j", "--jobs",
                                         "--wait", "--test-fraction"};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool takes = false;
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
            takes |= strcmp(arg, valued[k]) == 0;
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0)
            continue;
        if (strcmp(arg, "--no-kmedoids") == 0) {
            a->o.kmedoids = false;
        } else if (strcmp(arg, "--no-embed") == 0) {
            a->o.embed = false;
        } else if (takes) {
            if (i + 1 >= argc || !parse_valued(a, arg, argv[i + 1])) {
                cli_error(arg, "needs a valid value");
                return RN_EXIT_USAGE;
            }
            i++;
        } else {
            cli_error(arg, arg[0] == '-' ? "unknown option" : "unexpected argument");
            return RN_EXIT_USAGE;
        }
    }
    if (!a->ws) {
        cli_error("study", "needs -w WS");
        study_usage(stderr);
        return RN_EXIT_USAGE;
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
