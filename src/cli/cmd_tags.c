/* radnet tags FILE [--json] [--meta] [--bulk] [--pretty]
 * radnet tags --scan FILE...   (metadata scan, prints the count; for bench/)
 */
#include "cli/cli.h"
#include "radnet/dicom.h"

#include <stdlib.h>
#include <string.h>

static void tags_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet tags FILE [--json] [--meta] [--bulk] [--pretty]\n"
            "\n"
            "Dumps the data set of a DICOM file: one line per element (tag, VR,\n"
            "value, length, multiplicity, keyword), or with --json the DICOM JSON\n"
            "model (PS3.18 F.2) whose values match dcmtk's dcm2json.\n"
            "\n"
            "  --json    DICOM JSON model instead of text\n"
            "  --meta    include the file meta group (0002,xxxx) in the JSON\n"
            "  --bulk    include bulk data (OB/OW/UN...) as InlineBinary\n"
            "  --pretty  indented JSON\n"
            "  --scan FILE...  parse the metadata of many files and print how\n"
            "            many parsed (exit 3 when some did not)\n");
}

/* Metadata path over many files: what ingest does per file. */
static int scan(int argc, char **argv, int first)
{
    RnParseOptions o;
    rn_parse_options_init(&o);
    o.stop_before_pixels = true;
    long ok = 0, bad = 0;
    for (int i = first; i < argc; i++) {
        RnError *err = NULL;
        RnDicomFile *f = rn_dicom_open(argv[i], &o, &err);
        if (f) {
            ok++;
            rn_dicom_close(f);
        } else {
            bad++;
            cli_fail(argv[i], err);
        }
    }
    printf("%ld\n", ok);
    return bad ? RN_EXIT_PARTIAL : RN_EXIT_OK;
}

static int write_out(RnBuf *b)
{
    if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
        cli_error("stdout", "write failed");
        return RN_EXIT_INTERNAL;
    }
    return RN_EXIT_OK;
}

int cmd_tags(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        tags_usage(stdout);
        return RN_EXIT_OK;
    }
    bool json = false;
    RnJsonOptions jo = {0};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--scan") == 0)
            return scan(argc, argv, i + 1);
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--meta") == 0)
            jo.include_meta = true;
        else if (strcmp(argv[i], "--bulk") == 0)
            jo.include_bulk = true;
        else if (strcmp(argv[i], "--pretty") == 0)
            jo.pretty = true;
        else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            continue;
        else if (argv[i][0] == '-' || path) {
            cli_error(argv[i], "unexpected argument");
            tags_usage(stderr);
            return RN_EXIT_USAGE;
        } else
            path = argv[i];
    }
    if (path == NULL) {
        tags_usage(stderr);
        return RN_EXIT_USAGE;
    }
    RnError *err = NULL;
    RnDicomFile *f = rn_dicom_open(path, NULL, &err);
    if (f == NULL)
        return cli_fail(path, err);
    RnBuf out = RN_BUF_INIT;
    bool ok = json ? rn_dicom_to_json(f, &jo, &out, &err) : rn_dicom_to_text(f, &out, &err);
    rn_dicom_close(f);
    int rc = ok ? write_out(&out) : cli_fail(path, err);
    rn_buf_free(&out);
    return rc;
}
