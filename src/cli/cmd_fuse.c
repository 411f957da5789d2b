/* radnet fuse -w WS [--inputs NAME,...] [--weights W,...] [--scale l2|standard]
 *             [--reduce D] [--wait S] [--force] */
#include "cli/cli.h"
#include "radnet/fusion.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fuse_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet fuse -w WS [--inputs NAME,...] [--weights W,...]\n"
            "                   [--scale l2|standard] [--reduce D] [--wait S]\n"
            "                   [--force] [--quiet]\n"
            "\n"
            "Fuses embeddings of WS into WS/embeddings/fused.npy (float32, one row per\n"
            "line of WS/embeddings/rows.csv) and WS/models/fusion.model. Each input is\n"
            "centred and scaled so that it contributes weight^2 to every row's squared\n"
            "length; a row an input marks missing (all NaN, or a text source's 'no\n"
            "report' row) gets the other inputs' weights renormalised.\n"
            "\n"
            "  -w, --workspace WS  workspace folder\n"
            "  --inputs N,...      embeddings WS/embeddings/N.npy (default: the choice\n"
            "                      of 'radnet study', else the defaults below that\n"
            "                      WS has)\n"
            "  --weights W,...     one weight > 0 per input (default: the study's, else\n"
            "                      the defaults')\n"
            "  --scale S           l2 (centre, unit rows; default) or standard (z-score)\n"
            "  --reduce D          PCA of the fused rows to D columns (default: the\n"
            "                      study's, else none with --inputs, else the defaults')\n"
            "  --wait SECONDS      wait for another writer of WS (default: refuse)\n"
            "  --force             recompute even when the outputs are current\n"
            "\n"
            "default inputs:");
    size_t n;
    const RnFusionDefault *d = rn_fusion_defaults(&n);
    for (size_t i = 0; i < n; i++)
        fprintf(out, " %s x%g", d[i].input, d[i].weight);
    fprintf(out, "; PCA to %zu columns\n", rn_fusion_default_reduce());
}

#define MAX_LIST RN_FUSION_MAX_INPUTS

typedef struct FuseArgs {
    const char *ws;
    char *inputs_text;
    const char *inputs[MAX_LIST];
    double weights[MAX_LIST];
    size_t n_weights;
    RnFuseRunOptions o;
} FuseArgs;

static bool split_names(FuseArgs *a, const char *text)
{
    free(a->inputs_text);
    a->inputs_text = strdup(text);
    if (!a->inputs_text)
        return false;
    a->o.n_inputs = 0;
    for (char *save = NULL, *t = strtok_r(a->inputs_text, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (a->o.n_inputs == MAX_LIST)
            return false;
        a->inputs[a->o.n_inputs++] = t;
    }
    a->o.inputs = a->inputs;
    return a->o.n_inputs > 0;
}

static bool split_weights(FuseArgs *a, const char *text)
{
    a->n_weights = 0;
    const char *p = text;
    while (*p) {
        char *end = NULL;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !(v > 0) || !isfinite(v) || a->n_weights == MAX_LIST ||
            (*end != ',' && *end != 0))
            return false;
        a->weights[a->n_weights++] = v;
        p = *end ? end + 1 : end;
    }
    return a->n_weights > 0;
}

static bool parse_valued(FuseArgs *a, const char *opt, const char *val)
{
    uint64_t v;
    if (strcmp(opt, "-w") == 0 || strcmp(opt, "--workspace") == 0)
        a->ws = val;
    else if (strcmp(opt, "--inputs") == 0)
        return split_names(a, val);
    else if (strcmp(opt, "--weights") == 0)
        return split_weights(a, val);
    else if (strcmp(opt, "--scale") == 0)
        return rn_fusion_scale_parse(val, &a->o.scale);
    else if (strcmp(opt, "--reduce") == 0 && cli_parse_u64(val, 1, RN_FUSION_MAX_DIM, &v))
        a->o.reduce = (size_t)v;
    else if (strcmp(opt, "--wait") == 0 && cli_parse_u64(val, 0, 1000000, &v))
        a->o.lock_wait = (double)v;
    else
        return false;
    return true;
}

static int parse_args(int argc, char **argv, FuseArgs *a)
{
    static const char *const valued[] = {"-w", "--workspace", "--inputs", "--weights",
                                         "--scale", "--reduce", "--wait"};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool takes = false;
        for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
            takes |= strcmp(arg, valued[k]) == 0;
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0)
            continue;
        if (strcmp(arg, "--force") == 0) {
            a->o.force = true;
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
        cli_error("fuse", "needs -w WS");
        fuse_usage(stderr);
        return RN_EXIT_USAGE;
    }
    if (a->n_weights && a->o.inputs && a->n_weights != a->o.n_inputs) {
        cli_error("--weights", "%zu weights for %zu inputs", a->n_weights, a->o.n_inputs);
        return RN_EXIT_USAGE;
    }
    if (a->n_weights) {
        a->o.weights = a->weights;
        if (!a->o.inputs)
            a->o.n_inputs = a->n_weights; /* checked against the inputs found */
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
        free(a.inputs_text);
        return rc;
    }
    a.o.command = "fuse";
    RnFuseSummary sum;
    RnError *err = NULL;
    bool ok = rn_fuse_workspace(a.ws, &a.o, &sum, &err);
    free(a.inputs_text);
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
