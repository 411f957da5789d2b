/* radnet stats -w WS [--json] */
#include "cli/cli.h"
#include "radnet/store.h"

#include <string.h>

static void stats_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet stats -w WS [--json]\n"
            "\n"
            "Counts of a workspace: files seen, images (objects with pixel data),\n"
            "quarantined, duplicates, reports matched; per Modality, region, transfer\n"
            "syntax, drop reason, window source; quarantine reasons. No identifiers.\n"
            "  -w, --workspace WS  workspace folder\n"
            "  --json              one JSON object instead of text\n");
}

int cmd_stats(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        stats_usage(stdout);
        return RN_EXIT_OK;
    }
    const char *ws = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-w") == 0 || strcmp(argv[i], "--workspace") == 0) && i + 1 < argc)
            ws = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--quiet") != 0 && strcmp(argv[i], "-q") != 0) {
            cli_error(argv[i], "unknown argument");
            stats_usage(stderr);
            return RN_EXIT_USAGE;
        }
    }
    if (ws == NULL) {
        cli_error("stats", "needs -w WS");
        stats_usage(stderr);
        return RN_EXIT_USAGE;
    }
    RnError *err = NULL;
    RnStore *s = rn_store_open(ws, RN_STORE_READ, &err);
    RnBuf out = RN_BUF_INIT;
    bool ok = s != NULL && (json ? rn_store_stats_json(s, &out, &err)
                                 : rn_store_stats_text(s, &out, &err));
    rn_store_close(s);
    if (!ok) {
        rn_buf_free(&out);
        return cli_fail("stats", err); /* messages name the workspace */
    }
    fwrite(out.data, 1, out.len, stdout);
    rn_buf_free(&out);
    return RN_EXIT_OK;
}
