/* radnet names import -w WS FILE */
#include "cli/cli.h"
#include "radnet/run.h"

#include <string.h>

static void names_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet names import -w WS FILE [--wait S]\n"
            "\n"
            "Stores the curators' cluster names for the last finished run: FILE is CSV\n"
            "with the header 'cluster,name' (UTF-8; the file the report saves). Names\n"
            "are merged with earlier ones; an empty name removes one. Later exports and\n"
            "reports show them.\n");
}

int cmd_names(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        names_usage(stdout);
        return RN_EXIT_OK;
    }
    const char *ws = NULL, *file = NULL;
    uint64_t wait = 0;
    bool import = argc > 1 && strcmp(argv[1], "import") == 0;
    for (int i = 2; import && i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0)
            continue;
        if (i + 1 < argc && (strcmp(arg, "-w") == 0 || strcmp(arg, "--workspace") == 0))
            ws = argv[++i];
        else if (i + 1 < argc && strcmp(arg, "--wait") == 0 &&
                 cli_parse_u64(argv[i + 1], 0, 86400, &wait))
            i++;
        else if (arg[0] != '-' && !file)
            file = arg;
        else
            import = false;
    }
    if (!import || !ws || !file) {
        names_usage(stderr);
        return RN_EXIT_USAGE;
    }
    RnError *err = NULL;
    RnStore *s = rn_store_open_wait(ws, RN_STORE_WRITE, (double)wait, &err);
    size_t n = 0;
    bool ok = s && rn_run_names_import(s, file, &n, &err);
    rn_store_close(s);
    if (!ok)
        return cli_fail(file, err);
    if (!cli_quiet)
        printf("%zu cluster names read from %s\n", n, file);
    return RN_EXIT_OK;
}
