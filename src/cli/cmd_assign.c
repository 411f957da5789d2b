/* radnet assign SRC... -w WS [--reports FILE] [-j N] [--verify] */
#include "cli/cli.h"
#include "radnet/run.h"

#include <stdlib.h>
#include <string.h>

static void assign_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet assign SRC... -w WS [--reports FILE] [-j N] [--verify]\n"
            "\n"
            "Ingests SRC into WS and labels every image the last finished 'radnet run'\n"
            "did not cluster, with that run's frozen models (extractors, fusion,\n"
            "centres; nothing is refitted). An image is flagged as an outlier when it\n"
            "is farther from its centre than the run's threshold for that cluster, or\n"
            "when its pixels are unlike every image of the run (grey-level statistics\n"
            "of the thumbnail). The labels go to WS/run/assigned.csv and into later\n"
            "exports. Refuses when WS has no finished run or its models changed since.\n"
            "\n"
            "  -w, --workspace WS  workspace folder\n"
            "  --reports FILE      reports of the new images (CSV or JSONL, as for\n"
            "                      'radnet ingest'); the run's text model reads them\n"
            "  -j, --threads N     worker threads (default: one per CPU)\n"
            "  --verify            also recompute every image of the run through the\n"
            "                      frozen models and count those given the run's label\n");
}

int cmd_assign(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        assign_usage(stdout);
        return RN_EXIT_OK;
    }
    const char *ws = NULL, *reports = NULL;
    const char **src = calloc((size_t)argc + 1, sizeof *src);
    size_t n = 0;
    uint64_t threads = 0;
    bool verify = false;
    if (!src)
        return RN_EXIT_INTERNAL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--verify") == 0)
            verify = true;
        else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0)
            continue;
        else if (arg[0] != '-')
            src[n++] = arg;
        else if (i + 1 < argc && (strcmp(arg, "-w") == 0 || strcmp(arg, "--workspace") == 0))
            ws = argv[++i];
        else if (i + 1 < argc && strcmp(arg, "--reports") == 0)
            reports = argv[++i];
        else if (i + 1 < argc && (strcmp(arg, "-j") == 0 || strcmp(arg, "--threads") == 0) &&
                 cli_parse_u64(argv[i + 1], 1, 1024, &threads))
            i++;
        else {
            cli_error(arg, "unknown option or bad value");
            free(src);
            assign_usage(stderr);
            return RN_EXIT_USAGE;
        }
    }
    if (!ws) {
        free(src);
        assign_usage(stderr);
        return RN_EXIT_USAGE;
    }
    RnAssignSummary s;
    RnError *err = NULL;
    RnAssignOptions ao = {.sources = src, .n_sources = n, .reports_path = reports,
                          .threads = (int)threads, .verify = verify,
                          .dist = cli_dist()}; /* under mpirun: rank 0 writes, prints */
    bool ok = rn_assign(ws, &ao, &s, &err);
    free(src);
    if (!ok)
        return cli_fail(ws, err);
    if (!cli_quiet) {
        printf("%llu new images labelled, %llu of them outliers\n"
               "(far from their cluster's centre or unlike the run's images)\n",
               (unsigned long long)s.new_images, (unsigned long long)s.outliers);
        if (verify)
            printf("verify: %llu of %llu images of the run get the run's label again\n",
                   (unsigned long long)s.agreed, (unsigned long long)s.checked);
    }
    return RN_EXIT_OK;
}
