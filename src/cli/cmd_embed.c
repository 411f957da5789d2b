/* radnet embed -w WS --source image|meta|text [--method M] [--dim D]
 *              [--seed S] [--sample N] [--options K=V,...] [-j N] [--force] */
#include "cli/cli.h"
#include "radnet/embed.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct EmbedArgs {
    const char *ws;
    const char *source;
    RnEmbedRunOptions o;
} EmbedArgs;

#define AT(field) offsetof(EmbedArgs, field)
_Static_assert(RN_EMBED_DEFAULT_SAMPLE == 10000, "the --sample help names the default");

static const CliOption embed_options[] = {
    {"--workspace", 'w', CLI_STRING, AT(ws), "WS", "workspace folder (made by 'radnet ingest')",
     0, 0, NULL},
    {"--source", 0, CLI_STRING, AT(source), "S",
     "image (pixels), meta (DICOM metadata) or text (reports)", 0, 0, NULL},
    {"--method", 0, CLI_STRING, AT(o.method), "M",
     "extractor (default: the source's first below)", 0, 0, NULL},
    {"--dim", 0, CLI_SIZE, AT(o.params.dim), "D", "output dimension (default: the method's)",
     1, 1u << 20, NULL},
    {"--seed", 0, CLI_U64, AT(o.params.seed), "S", "sample and fit seed (default 1)", 0, 0x1p64,
     NULL},
    {"--sample", 0, CLI_SIZE, AT(o.sample), "N", "rows to fit on (default 10000)", 2, 100000000,
     NULL},
    {"--options", 0, CLI_STRING, AT(o.params.options), "K=V,...",
     "method options (listed below)", 0, 0, NULL},
    {"--jobs", 'j', CLI_INT, AT(o.params.threads), "N", "threads (default: one per core)", 1,
     256, NULL},
    {"--wait", 0, CLI_SECONDS, AT(o.lock_wait), "SECONDS",
     "wait for another writer of WS (default: refuse)", 0, 1000000, NULL},
    {"--force", 0, CLI_FLAG, AT(o.force), NULL, "recompute even when the outputs are current",
     0, 0, NULL},
};

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
            "\n");
    cli_options_help(out, embed_options, CLI_COUNT(embed_options));
    fprintf(out, "\nmethods:\n");
    for (int s = RN_EMBED_IMAGE; s <= RN_EMBED_TEXT; s++)
        list_methods(out, (RnEmbedSource)s);
}

static int parse_args(int argc, char **argv, EmbedArgs *a)
{
    a->o.params.seed = 1;
    int rc = cli_options_parse(embed_options, CLI_COUNT(embed_options), a, argc, argv, NULL,
                               NULL);
    if (rc >= 0)
        return rc;
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
