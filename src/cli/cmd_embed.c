/* radnet embed -w WS --source image|meta|text [--method M] [--dim D]
 *              [--seed S] [--sample N] [--options K=V,...] [-j N] [--force] */
#include "cli/cli.h"
#include "radnet/embed.h"

#include <stdlib.h>
#include <string.h>

static void list_methods(FILE *out, RnEmbedSource source)
{
    const char *const *m = rn_embed_methods(source);
    fprintf(out, "  %s:%s\n", rn_embed_source_name(source), m[0] ? "" : " (none yet)");
    for (size_t i = 0; m[i]; i++)
        fprintf(out, "    %-9s %s%s\n", m[i], rn_embed_method_summary(source, m[i]),
                i == 0 ? " [default]" : "");
}

static void embed_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet embed -w WS --source image|meta|text [--method M] [--dim D]\n"
            "                    [--seed S] [--sample N] [--options K=V,...] [-j N]\n"
            "                    [--wait S] [--force] [--quiet]\n"
            "\n"
            "Computes one source's embedding of every row of the clustering set:\n"
            "fits the method on a modality-balanced sample, saves the model as\n"
            "WS/models/SOURCE-METHOD.model, writes WS/embeddings/SOURCE-METHOD.npy\n"
            "(float32, one row per line of WS/embeddings/rows.csv). Same inputs and\n"
            "seed give byte-identical files whatever -j; a rerun with the same\n"
            "parameters on an unchanged workspace does nothing.\n"
            "\n"
            "  -w, --workspace WS  workspace folder (made by 'radnet ingest')\n"
            "  --source S          image (pixels), meta (DICOM metadata) or text (reports)\n"
            "  --method M          extractor (default: the source's first below)\n"
            "  --dim D             output dimension (default: the method's)\n"
            "  --seed S            sample and fit seed (default 1)\n"
            "  --sample N          rows to fit on (default %u)\n"
            "  --options K=V,...   method options (listed below)\n"
            "  -j, --jobs N        threads (default: one per core)\n"
            "  --wait SECONDS      wait for another writer of WS (default: refuse)\n"
            "  --force             recompute even when the outputs are current\n"
            "\n"
            "methods:\n",
            RN_EMBED_DEFAULT_SAMPLE);
    for (int s = RN_EMBED_IMAGE; s <= RN_EMBED_TEXT; s++)
        list_methods(out, (RnEmbedSource)s);
}

typedef struct EmbedArgs {
    const char *ws;
    const char *source;
    RnEmbedRunOptions o;
} EmbedArgs;

/* Options taking a value; false on a usage error. */
static bool parse_valued(EmbedArgs *a, const char *opt, const char *val)
{
    uint64_t v;
    if (strcmp(opt, "-w") == 0 || strcmp(opt, "--workspace") == 0)
        a->ws = val;
    else if (strcmp(opt, "--source") == 0)
        a->source = val;
    else if (strcmp(opt, "--method") == 0)
        a->o.method = val;
    else if (strcmp(opt, "--options") == 0)
        a->o.params.options = val;
    else if (strcmp(opt, "--dim") == 0 && cli_parse_u64(val, 1, 1u << 20, &v))
        a->o.params.dim = (size_t)v;
    else if (strcmp(opt, "--seed") == 0 && cli_parse_u64(val, 0, UINT64_MAX, &v))
        a->o.params.seed = v;
    else if (strcmp(opt, "--sample") == 0 && cli_parse_u64(val, 2, 100000000, &v))
        a->o.sample = (size_t)v;
    else if ((strcmp(opt, "-j") == 0 || strcmp(opt, "--jobs") == 0) &&
             cli_parse_u64(val, 1, 256, &v))
        a->o.params.threads = (int)v;
    else if (strcmp(opt, "--wait") == 0 && cli_parse_u64(val, 0, 1000000, &v))
        a->o.lock_wait = (double)v;
    else
        return false;
    return true;
}

static bool takes_value(const char *opt)
{
    static const char *const valued[] = {"-w", "--workspace", "--source", "--method",
                                         "--options", "--dim", "--seed", "--sample",
                                         "-j", "--jobs", "--wait"};
    for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++)
        if (strcmp(opt, valued[i]) == 0)
            return true;
    return false;
}

static int parse_args(int argc, char **argv, EmbedArgs *a)
{
    a->o.params.seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0)
            continue;
        if (strcmp(arg, "--force") == 0) {
            a->o.force = true;
        } else if (strncmp(arg, "-j", 2) == 0 && arg[2] != 0) { /* -j2 */
            if (!parse_valued(a, "-j", arg + 2)) {
                cli_error(arg, "needs a valid value");
                return RN_EXIT_USAGE;
            }
        } else if (takes_value(arg)) {
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
    if (a->ws == NULL || a->source == NULL) {
        cli_error("embed", "needs -w WS and --source image|meta|text");
        embed_usage(stderr);
        return RN_EXIT_USAGE;
    }
    if (!rn_embed_source_parse(a->source, &a->o.source)) {
        cli_error(a->source, "unknown source (image, meta or text)");
        return RN_EXIT_USAGE;
    }
    return RN_EXIT_OK;
}

int cmd_embed(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        embed_usage(stdout);
        return RN_EXIT_OK;
    }
    EmbedArgs a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc != RN_EXIT_OK)
        return rc;
    char command[160];
    snprintf(command, sizeof command, "embed --source %s --method %s", a.source,
             a.o.method ? a.o.method : rn_embed_methods(a.o.source)[0]
                              ? rn_embed_methods(a.o.source)[0] : "-");
    a.o.command = command;
    CliLazyProgress bar = {"embed", NULL};
    if (!cli_quiet) {
        a.o.progress = cli_progress_report;
        a.o.progress_user = &bar;
    }
    RnEmbedRunSummary sum;
    RnError *err = NULL;
    bool ok = rn_embed_run_dist(a.ws, &a.o, cli_dist(), &sum, &err);
    cli_progress_finish(bar.bar);
    if (!ok)
        return cli_fail(a.ws, err);
    if (!cli_quiet) {
        if (sum.up_to_date)
            fprintf(stderr, "embed: %s is up to date (%llu rows)\n", sum.npy_name,
                    (unsigned long long)sum.rows);
        else
            fprintf(stderr, "embed: %s: %llu rows x %zu, fitted on %zu rows; model %s\n",
                    sum.npy_name, (unsigned long long)sum.rows, sum.dim, sum.sample,
                    sum.model_name);
    }
    return RN_EXIT_OK;
}
