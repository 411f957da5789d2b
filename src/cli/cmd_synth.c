/* radnet synth: write a synthetic hospital archive (SPEC §7). */
#include "cli/cli.h"
#include "radnet/synth.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
        "usage: radnet synth --out DIR -n N [--seed S] [-j THREADS] [--size tiny|small|full]\n"
        "\n"
        "Writes N DICOM files of an invented hospital (CT, MR, CR, DX, XA, RF, MG, US,\n"
        "NM, PT and a few Basic Text SR) under DIR/dicom/<patient>/<study>/<series>/,\n"
        "and beside it DIR/reports.csv (reports of most exams, Croatian and English)\n"
        "and DIR/truth.csv (true Modality, region, view and pathology per\n"
        "SOPInstanceUID). Ingest DIR/dicom. The same seed gives a byte-identical\n"
        "archive at any thread count.\n"
        "  --seed S        random seed (default 1)\n"
        "  -j THREADS      worker threads (default: all cores)\n"
        "  --size tiny     matrices <= 64x64 and cines <= 4 frames, for scale runs\n"
        "  --size small    matrices <= 256x256 and short cines, for tests\n"
        "  --size full     modality-typical matrices, capped at 1024x1024 (default)\n");
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)total;
    cli_progress_update(ctx, done);
}

static bool parse_size(const char *name, RnSynthSize *size)
{
    static const struct { const char *name; RnSynthSize size; } sizes[] = {
        {"tiny", RN_SYNTH_TINY}, {"small", RN_SYNTH_SMALL}, {"full", RN_SYNTH_FULL},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (strcmp(name, sizes[i].name) == 0) {
            *size = sizes[i].size;
            return true;
        }
    return false;
}

static int parse_args(int argc, char **argv, RnSynthOptions *o)
{
    uint64_t v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            continue;
        if (strncmp(a, "-j", 2) == 0 && a[2] != '\0') { /* -j4 */
            if (!cli_parse_u64(a + 2, 0, UINT64_MAX, &v) || v < 1 || v > RN_SYNTH_MAX_THREADS) {
                cli_error(a, "bad thread count");
                return RN_EXIT_USAGE;
            }
            o->threads = (int)v;
            continue;
        }
        if (val == NULL) {
            cli_error(a, "unknown option or missing value");
            return RN_EXIT_USAGE;
        }
        if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
            o->out_dir = val;
        } else if (strcmp(a, "-n") == 0 && cli_parse_u64(val, 0, UINT64_MAX, &v) && v > 0) {
            o->n_files = v;
        } else if (strcmp(a, "--seed") == 0 && cli_parse_u64(val, 0, UINT64_MAX, &v)) {
            o->seed = v;
        } else if ((strcmp(a, "-j") == 0 || strcmp(a, "--threads") == 0) && cli_parse_u64(val, 0, UINT64_MAX, &v) &&
                   v >= 1 && v <= RN_SYNTH_MAX_THREADS) {
            o->threads = (int)v;
        } else if (strcmp(a, "--size") == 0 && parse_size(val, &o->size)) {
        } else {
            cli_error(a, "bad option or value '%s'", val);
            return RN_EXIT_USAGE;
        }
        i++;
    }
    if (o->out_dir == NULL || o->n_files == 0) {
        cli_error("synth", "--out DIR and -n N are required");
        return RN_EXIT_USAGE;
    }
    return RN_EXIT_OK;
}

int cmd_synth(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return RN_EXIT_OK;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    RnSynthOptions o = {NULL, 0, 1, cores > 0 && cores <= RN_SYNTH_MAX_THREADS ? (int)cores : 1,
                        RN_SYNTH_FULL};
    int rc = parse_args(argc, argv, &o);
    if (rc != RN_EXIT_OK) {
        usage(stderr);
        return rc;
    }
    CliProgress *p = cli_progress_start("synth", o.n_files);
    RnSynthStats st;
    RnError *err = NULL;
    bool ok = rn_synth_run(&o, on_progress, p, &st, &err);
    cli_progress_finish(p);
    if (!ok)
        return cli_fail(o.out_dir, err);
    if (!cli_quiet)
        fprintf(stderr, "synth: %llu files (%.1f MB), %llu studies, %llu patients, "
                "%llu report rows in %s\n", (unsigned long long)st.files, st.bytes / 1e6,
                (unsigned long long)st.studies, (unsigned long long)st.patients,
                (unsigned long long)st.report_rows, o.out_dir);
    return RN_EXIT_OK;
}
