/* radnet export -w WS --out FILE [--json] [--reveal-uids] [--with-paths] */
#include "cli/cli.h"
#include "radnet/run.h"

#include <string.h>

static void export_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet export -w WS --out FILE [--json] [--reveal-uids]\n"
            "                     [--with-paths]\n"
            "\n"
            "Writes the labels of the last finished 'radnet run' (and of images added\n"
            "by 'radnet assign' since) with the columns\n"
            "  id,ExamID,Modality,BodyPartExamined,Cluster,region,distance,silhouette,\n"
            "  outlier,name\n"
            "id and ExamID are keyed hashes (the workspace's pseudonym key), not the\n"
            "identifiers themselves; name is the curator's cluster name, if any.\n"
            "\n"
            "  -w, --workspace WS  workspace folder\n"
            "  --out FILE          where to write (replaced atomically)\n"
            "  --json              a JSON array of objects instead of CSV\n"
            "  --reveal-uids       IDENTIFYING: id is the SOPInstanceUID and ExamID the\n"
            "                      exam identifier as found; only for the archive's owner\n"
            "  --with-paths        IDENTIFYING: adds a last column 'path', the file each\n"
            "                      image was read from (folder names often hold patient\n"
            "                      names or IDs); only for the archive's owner\n");
}

int cmd_export(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        export_usage(stdout);
        return RN_EXIT_OK;
    }
    const char *ws = NULL, *out = NULL;
    RnExportOptions o = {0};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--json") == 0)
            o.json = true;
        else if (strcmp(arg, "--reveal-uids") == 0)
            o.reveal_uids = true;
        else if (strcmp(arg, "--with-paths") == 0)
            o.with_paths = true;
        else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0)
            continue;
        else if (i + 1 < argc && (strcmp(arg, "-w") == 0 || strcmp(arg, "--workspace") == 0))
            ws = argv[++i];
        else if (i + 1 < argc && strcmp(arg, "--out") == 0)
            out = argv[++i];
        else {
            cli_error(arg, "unknown option or missing value");
            export_usage(stderr);
            return RN_EXIT_USAGE;
        }
    }
    if (!ws || !out) {
        cli_error("export", "needs -w WS and --out FILE");
        export_usage(stderr);
        return RN_EXIT_USAGE;
    }
    RnError *err = NULL;
    RnStore *s = rn_store_open(ws, RN_STORE_READ, &err);
    uint64_t rows = 0;
    bool ok = s && rn_run_export(s, out, &o, &rows, &err);
    rn_store_close(s);
    if (!ok)
        return cli_fail(ws, err);
    if (!cli_quiet)
        printf("%llu images written to %s%s\n", (unsigned long long)rows, out,
               o.reveal_uids || o.with_paths ? " (with identifiers)" : "");
    return RN_EXIT_OK;
}
