/* radnet fuse -w WS [--inputs NAME,...] [--weights W,...] [--scale l2|standard]
 *             [--reduce D] [--impute K] [--no-impute] [--no-impute-map] [-j N]
 *             [--wait S] [--force] */
#include "cli/cli.h"
#include "radnet/fusion.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST RN_FUSION_MAX_INPUTS

typedef struct FuseArgs {
    const char *ws;
    const char *inputs[MAX_LIST];
    double weights[MAX_LIST];
    CliList input_list, weight_list;
    RnFuseRunOptions o;
} FuseArgs;

static bool parse_scale(const char *value, void *dest)
{
    return rn_fusion_scale_parse(value, dest);
}

#define AT(field) offsetof(FuseArgs, field)

static const CliOption fuse_options[] = {
    {"--workspace", 'w', CLI_STRING, AT(ws), "WS", "workspace folder", 0, 0, NULL},
    {"--inputs", 0, CLI_NAME_LIST, AT(input_list), "N,...",
     "embeddings WS/embeddings/N.npy (default: the choice\n"
     "of 'radnet study', else the defaults below that WS\n"
     "has)", 0, 0, NULL},
    {"--weights", 0, CLI_DOUBLE_LIST, AT(weight_list), "W,...",
     "one weight > 0 per input, or 0 for a pixel input only\n"
     "the imputation's map reads (default: the study's, else\n"
     "the defaults')", -1, INFINITY, NULL},
    {"--scale", 0, CLI_CUSTOM, AT(o.scale), "S",
     "l2 (centre, unit rows; default) or standard (z-score)", 0, 0, parse_scale},
    {"--reduce", 0, CLI_SIZE, AT(o.reduce), "D",
     "PCA of the fused rows to D columns (default: the\n"
     "study's, else none with --inputs, else the defaults')",
     1, RN_FUSION_MAX_DIM, NULL},
    {"--impute", 0, CLI_SIZE, AT(o.impute), "K",
     "a missing block from the K nearest rows that have it\n"
     "(default: the defaults' with the study's or the\n"
     "defaults' inputs, none with --inputs)", 1, RN_FUSION_IMPUTE_MAX_K, NULL},
    {"--no-impute", 0, CLI_FLAG, AT(o.no_impute), NULL,
     "missing blocks 0, the others' weights renormalised", 0, 0, NULL},
    {"--no-impute-map", 0, CLI_FLAG, AT(o.no_impute_map), NULL,
     "missing blocks from the nearest rows only, not from\n"
     "the pixels by the imputation's map", 0, 0, NULL},
    {"--wait", 0, CLI_SECONDS, AT(o.lock_wait), "SECONDS",
     "wait for another writer of WS (default: refuse)", 0, 1000000, NULL},
    {"--force", 0, CLI_FLAG, AT(o.force), NULL, "recompute even when the outputs are current",
     0, 0, NULL},
    {"--jobs", 'j', CLI_INT, AT(o.threads), "N",
     "threads (default: one per core; the output does not\n"
     "depend on it)", 1, RN_POOL_MAX_THREADS, NULL},
};

static void fuse_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet fuse -w WS [--inputs NAME,...] [--weights W,...]\n"
            "                   [--scale l2|standard] [--reduce D] [--impute K]\n"
            "                   [--no-impute] [--no-impute-map] [-j N] [--wait S] [--force]\n"
            "                   [--quiet]\n"
            "\n"
            "Fuses embeddings of WS into WS/embeddings/fused.npy (float32, one row per\n"
            "line of WS/embeddings/rows.csv) and WS/models/fusion.model. Each input is\n"
            "centred and scaled so that it contributes weight^2 to every row's squared\n"
            "length; a row an input marks missing (all NaN, or a text source's 'no\n"
            "report' row) is predicted from the row's pixels by a map fitted per\n"
            "Modality, else imputed from the rows nearest to it in the other inputs\n"
            "(--impute), or left 0 with the other inputs' weights renormalised.\n"
            "\n");
    cli_options_help(out, fuse_options, CLI_COUNT(fuse_options));
    fprintf(out, "\ndefault inputs (weight), missing blocks from %zu neighbours, then a PCA "
                 "to %zu columns:\n",
            rn_fusion_default_impute(), rn_fusion_default_reduce());
    size_t n;
    const RnFusionDefault *d = rn_fusion_defaults(&n);
    for (size_t i = 0; i < n; i++) {
        if (d[i].weight > 0)
            fprintf(out, "  %-18s %g\n", d[i].input, d[i].weight);
        else /* fusion.h: a pixel input only the imputation's map reads */
            fprintf(out, "  %-18s %g  (read by the map only; run embeds it with %s)\n",
                    d[i].input, d[i].weight, d[i].options ? d[i].options : "its defaults");
    }
}

static int parse_args(int argc, char **argv, FuseArgs *a)
{
    a->input_list = (CliList){a->inputs, MAX_LIST, 0, NULL};
    a->weight_list = (CliList){a->weights, MAX_LIST, 0, NULL};
    int rc = cli_options_parse(fuse_options, CLI_COUNT(fuse_options), a, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    if (!a->ws) {
        cli_error("fuse", "needs -w WS");
        fuse_usage(stderr);
        return RN_EXIT_USAGE;
    }
    size_t n_inputs = a->input_list.n, n_weights = a->weight_list.n;
    for (size_t i = 0; i < n_weights; i++)
        if (a->weights[i] < 0) {
            cli_error("--weights", "a weight is > 0, or 0 for a pixel input the map reads");
            return RN_EXIT_USAGE;
        }
    if (n_weights && n_inputs && n_weights != n_inputs) {
        cli_error("--weights", "%zu weights for %zu inputs", n_weights, n_inputs);
        return RN_EXIT_USAGE;
    }
    if (n_inputs) {
        a->o.inputs = a->inputs;
        a->o.n_inputs = n_inputs;
    }
    if (n_weights) {
        a->o.weights = a->weights;
        if (!n_inputs)
            a->o.n_inputs = n_weights; /* checked against the inputs found */
    }
    return RN_EXIT_OK;
}

int cmd_fuse(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fuse_usage(stdout);
        return RN_EXIT_OK;
    }
    FuseArgs a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc != RN_EXIT_OK) {
        cli_list_free(&a.input_list);
        return rc;
    }
    a.o.command = "fuse";
    RnFuseSummary sum;
    RnError *err = NULL;
    bool ok = rn_fuse_workspace(a.ws, &a.o, &sum, &err);
    cli_list_free(&a.input_list);
    if (!ok)
        return cli_fail(a.ws, err);
    if (!cli_quiet) {
        fprintf(stderr, "fuse: %s", sum.up_to_date ? "up to date: " : "");
        for (size_t i = 0; i < sum.n_inputs; i++)
            fprintf(stderr, "%s%s x%g", i ? " + " : "", sum.inputs[i], sum.weights[i]);
        fprintf(stderr, "%s", sum.from_study ? " (study's choice)" : "");
        if (!sum.up_to_date)
            fprintf(stderr, " -> %s: %llu rows x %zu, %llu missing (row, input)",
                    RN_FUSION_NPY, (unsigned long long)sum.rows, sum.dim,
                    (unsigned long long)sum.missing);
        fprintf(stderr, "\n");
    }
    return RN_EXIT_OK;
}
