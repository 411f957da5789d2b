/* radnet report -w WS --out DIR [--show-phi] [--seed N] */
#include "cli/cli.h"
#include "radnet/report.h"
#include "radnet/run.h"

#include <string.h>

static void report_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet report -w WS --out DIR [--show-phi] [--seed N]\n"
            "\n"
            "Writes a static HTML report of the last finished 'radnet run' of WS into\n"
            "DIR: index.html (counts, quality, choice of k, cluster x Modality and x\n"
            "region heat maps, a 2-D map of the fused embedding, a form to name the\n"
            "clusters and save names.csv for 'radnet names import') and cluster-NNN.html\n"
            "per cluster (montages of central and random members, dominant tag values,\n"
            "distinctive report terms, nearest clusters).\n"
            "It opens from file:// without a server or network.\n"
            "\n"
            "  -w, --workspace WS  workspace folder (read only)\n"
            "  --out DIR           report folder (created)\n"
            "  --show-phi          IDENTIFYING: show SOPInstanceUIDs and report text\n"
            "                      (default: pseudonyms and report terms only)\n"

            "  --seed N            random members and map sample (default 1)\n");
}

int cmd_report(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        report_usage(stdout);
        return RN_EXIT_OK;
    }
    const char *ws = NULL, *out = NULL;
    RnReportOptions o;
    rn_report_options_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--show-phi") == 0) {
            o.show_phi = true;
        } else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
            continue;
        } else if (val && (strcmp(arg, "-w") == 0 || strcmp(arg, "--workspace") == 0)) {
            ws = val, i++;
        } else if (val && strcmp(arg, "--out") == 0) {
            out = val, i++;
        } else if (val && strcmp(arg, "--seed") == 0) {
            uint64_t seed;
            if (!cli_parse_u64(val, 0, UINT64_MAX, &seed)) {
                cli_error(arg, "needs a whole number");
                return RN_EXIT_USAGE;
            }
            o.seed = seed, i++;
        } else {
            cli_error(arg, arg[0] == '-' ? "unknown option or missing value" : "unexpected argument");
            return RN_EXIT_USAGE;
        }
    }
    if (!ws || !out) {
        cli_error("report", "needs -w WS and --out DIR");
        report_usage(stderr);
        return RN_EXIT_USAGE;
    }
    RnError *err = NULL;
    if (!rn_run_report_write(ws, out, &o, &err))
        return cli_fail(ws, err);
    if (!cli_quiet)
        fprintf(stderr, "report: %s/index.html\n", out);
    return RN_EXIT_OK;
}
